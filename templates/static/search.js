/* bulletin search (an ES module, loaded by site.js only when a resident starts searching).

   Every search box (form[data-search-box]) gets instant name matches: the names in
   /search/names.json (districts, streets, communities, compounds, companies) whose name contains
   what was typed, or whose pinyin initials or full pinyin contain it (福海, fhhy, fuhai all find
   福海花园). A box with data-pagefind also runs Pagefind's full-text search, whose code and index
   fragments are fetched from /pagefind/ (and its shards, if any) on first use. Results are built
   as DOM nodes (never innerHTML), so nothing from the index can run as code. */

var MAX_NAMES = 8;
var PAGE_SIZE = 10;
var DELAY_MS = 200;

function normalise(text) {
  return String(text).toLowerCase().replace(/[\s'’·・\-_]/g, "");
}

var namesLoaded = {};
function loadNames(url) {
  if (!namesLoaded[url]) {
    namesLoaded[url] = fetch(url).then(function (response) {
      if (!response.ok) { throw new Error("names " + response.status); }
      return response.json();
    });
  }
  return namesLoaded[url];
}

/* A large site's index is written in shards: /pagefind/ and the folders that its shards.json
   lists (s1/, s2/, ...), merged here so that one query searches them all. */
function loadShards(url) {
  return fetch(new URL("shards.json", url)).then(function (response) {
    if (response.status === 404) { return { merge: [] }; }  /* an index written before shards */
    if (!response.ok) { throw new Error("shards " + response.status); }
    return response.json();
  }).then(function (shards) {
    return shards.merge.map(function (folder) { return new URL(folder, url).pathname; });
  });
}

var pagefindLoaded = {};
function loadPagefind(url) {
  if (!pagefindLoaded[url]) {
    var absolute = new URL(url, window.location.href);
    pagefindLoaded[url] = Promise.all([import(url), loadShards(absolute)]).then(async function (loaded) {
      var pagefind = loaded[0];
      await pagefind.options({ excerptLength: 40 });
      await pagefind.init();
      await Promise.all(loaded[1].map(function (folder) { return pagefind.mergeIndex(folder, { excerptLength: 40 }); }));
      return pagefind;
    });
  }
  return pagefindLoaded[url];
}

/* Pagefind's search, less the pages that do not hold each word of the query as typed (its exact
   search, "…") when some pages do. Pagefind, finding no word that starts with a query word,
   retries with the word shortened (福海 → 福, which finds 福源); a sharded index does so shard by
   shard, so shards without 福海 would add every page with 福. The exact search never shortens a
   word; the ordinary one keeps its ranking. A word no page holds as typed (a typo) filters
   nothing, so what Pagefind finds for it is still shown. */
async function phraseFirst(pagefind, query) {
  var search = await pagefind.search(query);
  if (!search || query.indexOf('"') >= 0) { return search; }
  var words = query.split(/\s+/).filter(function (word) { return word; });
  var exact = await Promise.all(words.map(function (word) { return pagefind.search('"' + word + '"'); }));
  var holding = exact.filter(function (found) { return found && found.results.length; }).map(function (found) {
    return new Set(found.results.map(function (result) { return result.id; }));
  });
  if (holding.length) {
    search.results = search.results.filter(function (result) {
      return holding.every(function (ids) { return ids.has(result.id); });
    });
  }
  return search;
}

/* Names ranked: name starts with the query, name contains it, pinyin starts with it, pinyin
   contains it; shorter names first within a rank. */
export function matchNames(entries, query) {
  var q = normalise(query);
  if (!q) { return []; }
  var latin = /^[a-z0-9]+$/.test(q);
  var ranked = [];
  entries.forEach(function (entry) {
    var name = normalise(entry.name);
    var rank = -1;
    if (name.indexOf(q) === 0) { rank = 0; }
    else if (name.indexOf(q) > 0) { rank = 1; }
    else if (latin && (entry.initials.indexOf(q) === 0 || entry.pinyin.indexOf(q) === 0)) { rank = 2; }
    else if (latin && (entry.initials.indexOf(q) > 0 || entry.pinyin.indexOf(q) > 0)) { rank = 3; }
    if (rank >= 0) { ranked.push([rank, entry]); }
  });
  ranked.sort(function (a, b) { return a[0] - b[0] || a[1].name.length - b[1].name.length; });
  return ranked.map(function (pair) { return pair[1]; });
}

function element(tag, className, text) {
  var node = document.createElement(tag);
  if (className) { node.className = className; }
  if (text) { node.textContent = text; }
  return node;
}

/* Pagefind marks hits with <mark>; copy only text and <mark> from its excerpt. */
function excerptNodes(html) {
  var parsed = new DOMParser().parseFromString("<p>" + html + "</p>", "text/html");
  var out = document.createDocumentFragment();
  parsed.body.firstChild.childNodes.forEach(function (node) {
    if (node.nodeType === 3) { out.appendChild(document.createTextNode(node.textContent)); }
    else if (node.nodeName === "MARK") { out.appendChild(element("mark", "", node.textContent)); }
    else { out.appendChild(document.createTextNode(node.textContent || "")); }
  });
  return out;
}

function showNames(box, entries, query) {
  var status = box.querySelector("[data-names-results] .finder-status");
  var list = box.querySelector("[data-names-results] ul");
  list.textContent = "";
  if (!query) { status.textContent = ""; list.hidden = true; return; }
  var found = matchNames(entries, query);
  found.slice(0, MAX_NAMES).forEach(function (entry) {
    var item = element("li");
    var link = element("a", "", entry.name);
    link.href = entry.url;
    item.appendChild(link);
    item.appendChild(element("span", "", entry.kind + (entry.where ? "　" + entry.where : "")));
    list.appendChild(item);
  });
  list.hidden = found.length === 0;
  status.textContent = found.length
    ? "名称相符的有 " + found.length + " 个" + (found.length > MAX_NAMES ? "，下面列出前 " + MAX_NAMES + " 个" : "") + "："
    : "没有名称包含“" + query + "”的小区、企业或社区。";
}

function fullText(form) {
  var section = document.querySelector("[data-fulltext-results]");
  var url = form.getAttribute("data-pagefind");
  if (!section || !url) { return null; }
  var status = section.querySelector(".finder-status");
  var list = section.querySelector(".result-list");
  var more = section.querySelector(".more-results");
  var showMore = null;  // the current query's "show more", replaced by each new query

  async function show(results, from, isCurrent) {
    var data = await Promise.all(results.slice(from, from + PAGE_SIZE).map(function (r) { return r.data(); }));
    if (!isCurrent()) { return from; }
    data.forEach(function (page) {
      var item = element("li");
      var heading = element("p", "result-title");
      var link = element("a", "", (page.meta && page.meta.title) || page.url);
      link.href = page.url;
      heading.appendChild(link);
      if (page.meta && page.meta.kind) {
        heading.appendChild(document.createTextNode(" "));
        heading.appendChild(element("span", "tag", page.meta.kind));
      }
      item.appendChild(heading);
      var excerpt = element("p", "excerpt");
      excerpt.appendChild(excerptNodes(page.excerpt || ""));
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    more.hidden = from + data.length >= results.length;
    return from + data.length;
  }
  more.addEventListener("click", function () { if (showMore) { showMore(); } });

  return async function run(query, isCurrent) {
    list.textContent = "";
    more.hidden = true;
    showMore = null;
    if (!query) { section.hidden = true; status.textContent = ""; return; }
    section.hidden = false;
    status.textContent = "正在搜索……";
    var search;
    try {
      search = await phraseFirst(await loadPagefind(url), query);
    } catch (error) {
      if (isCurrent()) { status.textContent = "全文搜索暂不可用，请用上面的名称查找，或从下面的目录查找。"; }
      return;
    }
    if (!isCurrent()) { return; }
    var results = search ? search.results : [];
    var shown = await show(results, 0, isCurrent);
    if (!isCurrent()) { return; }
    showMore = async function () { shown = await show(results, shown, isCurrent); };
    status.textContent = results.length
      ? "共有 " + results.length + " 个页面包含“" + query + "”："
      : "没有找到包含“" + query + "”的页面。可以换个说法，或从下面的目录查找。";
  };
}

function setUp(box) {
  var form = box.querySelector("form[data-search-box]");
  var input = form.querySelector("input[name=q]");
  var runFullText = fullText(form);
  var onSearchPage = form.getAttribute("action") === window.location.pathname;
  var names = loadNames(form.getAttribute("data-names")).catch(function () { return []; });
  var generation = 0;
  var timer = null;

  async function run() {
    var query = input.value.trim();
    var mine = ++generation;
    var isCurrent = function () { return mine === generation; };
    showNames(box, await names, query);
    if (runFullText) { await runFullText(query, isCurrent); }
    if (onSearchPage && isCurrent()) {
      var address = query ? "?q=" + encodeURIComponent(query) : window.location.pathname;
      window.history.replaceState(null, "", address);
    }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DELAY_MS);
  });
  if (onSearchPage) {
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    var asked = new URLSearchParams(window.location.search).get("q");
    if (asked && !input.value) { input.value = asked; }
  }
  if (input.value.trim()) { run(); }
}

document.querySelectorAll("[data-finder]").forEach(setUp);
