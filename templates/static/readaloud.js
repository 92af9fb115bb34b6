/* bulletin: 朗读 (read aloud) — the page's main text spoken in Mandarin by the browser's own
   speech synthesis (window.speechSynthesis; nothing is sent anywhere).
   - The header button (#read-aloud) stays hidden until the browser offers a Chinese voice
     (voices often arrive later, with the "voiceschanged" event); a browser without one never
     shows a button that would do nothing.
   - It reads <main> in document order: headings, paragraphs, list items, definitions, table
     rows (each cell with its column header, from data-label). Skipped: anything hidden, marked
     aria-hidden="true" or data-pagefind-ignore (lists repeated elsewhere, the fingerprint, the
     print-only poster), scripts and charts' SVG; but data-pagefind-ignore="index" is read (the
     page's own text that only the search index leaves out: a notice's 公示中（还剩 N 天）).
   - Text is spoken in short pieces, one after another (Chrome cuts a long utterance off after
     about 15 seconds).
   - 停止朗读 stops at once; leaving the page stops too. */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { return; }

  var MAX_PIECE = 60; // characters: about 12 s of Mandarin at the rate below
  var RATE = 0.9; // a little slower than the default, for older listeners
  var BLOCKS = "h1,h2,h3,h4,h5,h6,p,li,dt,dd,caption,tr,figcaption,blockquote,pre,summary,th,td";
  var SKIP_TAGS = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, TEMPLATE: 1, SVG: 1, svg: 1, BUTTON: 1, INPUT: 1, SELECT: 1, TEXTAREA: 1, THEAD: 1 };

  function chineseVoice() {
    var voices = synth.getVoices() || [];
    var best = null, bestRank = 0;
    for (var i = 0; i < voices.length; i++) {
      var lang = String(voices[i].lang || "").replace(/_/g, "-").toLowerCase();
      var rank = 0;
      if (/^(zh|cmn)(-hans)?-cn$/.test(lang)) { rank = 3; }
      else if (/^(zh|cmn)(-hans)?(-sg)?$/.test(lang)) { rank = 2; }
      else if (/^(zh|cmn)(-hant)?-tw$/.test(lang)) { rank = 1; } // Mandarin too; zh-HK is Cantonese
      if (rank > bestRank) { best = voices[i]; bestRank = rank; }
    }
    return best;
  }

  function skipped(el) {
    if (SKIP_TAGS[el.tagName] || el.hidden) { return true; }
    if (el.getAttribute("aria-hidden") === "true") { return true; }
    if (el.hasAttribute("data-pagefind-ignore") && el.getAttribute("data-pagefind-ignore") !== "index") { return true; }
    var style = window.getComputedStyle(el);
    return style.display === "none" || style.visibility === "hidden";
  }

  function textOf(node) {
    var text = "";
    for (var child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) { text += child.nodeValue; }
      else if (child.nodeType === 1 && !skipped(child)) { text += child.tagName === "BR" ? " " : textOf(child); }
    }
    return text;
  }

  function tidy(text) { return text.replace(/\s+/g, " ").replace(/^ | $/g, ""); }

  function rowText(row) {
    var parts = [];
    for (var cell = row.firstElementChild; cell; cell = cell.nextElementSibling) {
      if (skipped(cell)) { continue; }
      var text = tidy(textOf(cell));
      var label = cell.getAttribute("data-label");
      if (text) { parts.push(label ? label + "：" + text : text); }
    }
    return parts.join("；");
  }

  // The readable blocks under `node`, in document order.
  function collect(node, out) {
    var inline = "";
    function flush() { var t = tidy(inline); if (t) { out.push(t); } inline = ""; }
    for (var child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) { inline += child.nodeValue; continue; }
      if (child.nodeType !== 1 || skipped(child)) { continue; }
      if (child.tagName === "TR") { flush(); var row = rowText(child); if (row) { out.push(row); } continue; }
      var block = child.matches(BLOCKS);
      if (child.querySelector(BLOCKS)) { flush(); collect(child, out); flush(); }
      else if (block) { flush(); var t = tidy(textOf(child)); if (t) { out.push(t); } }
      else { inline += textOf(child); }
    }
    flush();
    return out;
  }

  // Each block cut into pieces of at most MAX_PIECE characters, at sentence ends where possible,
  // then at commas, then anywhere.
  function pieces(blocks) {
    var out = [];
    function cut(text, marks) {
      if (text.length <= MAX_PIECE) { out.push(text); return; }
      if (!marks.length) {
        for (var i = 0; i < text.length; i += MAX_PIECE) { out.push(text.slice(i, i + MAX_PIECE)); }
        return;
      }
      var parts = text.split(marks[0]);
      var current = "";
      for (var j = 0; j < parts.length; j++) {
        if (!parts[j]) { continue; }
        if (current && (current + parts[j]).length > MAX_PIECE) { cut(current, marks.slice(1)); current = ""; }
        current += parts[j];
      }
      if (current) { cut(current, marks.slice(1)); }
    }
    for (var k = 0; k < blocks.length; k++) {
      cut(blocks[k], [/([^。！？；!?;]+[。！？；!?;]*)/, /([^，、：,:]+[，、：,:]*)/]);
    }
    return out;
  }

  var button = null;
  var serial = 0; // readings started so far
  var reading = 0; // the serial number of the reading under way; 0 when silent
  var current = null; // the utterance being spoken (kept referenced: Chrome drops events otherwise)

  function show() {
    if (!button) { return; }
    button.textContent = reading ? "停止朗读" : "朗读";
    button.hidden = !reading && !chineseVoice();
  }

  function stop() {
    if (reading) { reading = 0; current = null; synth.cancel(); }
    show();
  }

  function start() {
    var voice = chineseVoice();
    var main = document.querySelector("main");
    if (!voice || !main) { return; }
    var queue = pieces(collect(main, []));
    if (!queue.length) { return; }
    synth.cancel();
    var mine = reading = ++serial; // events of an earlier, cancelled reading are ignored
    var next = 0;
    function speakNext() {
      if (reading !== mine) { return; }
      if (next >= queue.length) { reading = 0; current = null; show(); return; }
      var utterance = new window.SpeechSynthesisUtterance(queue[next++]);
      utterance.lang = "zh-CN";
      try { utterance.voice = voice; } catch (e) { /* the language alone picks a voice */ }
      utterance.rate = RATE;
      utterance.onend = speakNext;
      utterance.onerror = function () { if (reading === mine) { reading = 0; current = null; show(); } };
      current = utterance;
      synth.speak(utterance);
    }
    show();
    speakNext();
  }

  function setUp() {
    button = document.getElementById("read-aloud");
    if (!button) { return; }
    button.addEventListener("click", function () { if (reading) { stop(); } else { start(); } });
    if (typeof synth.addEventListener === "function") { synth.addEventListener("voiceschanged", show); }
    else { synth.onvoiceschanged = show; }
    window.addEventListener("pagehide", stop);
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
}());
