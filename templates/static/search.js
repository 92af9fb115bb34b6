/* bulletin search (an ES module, loaded by site.js only when a resident starts searching).

   Every search box (form[data-search-box]) gets instant name matches: the districts, streets,
   communities, compounds and companies whose name contains what was typed, or whose pinyin
   initials or full pinyin contain it (福海, fhhy, fuhai all find 福海花园). A box with
   data-pagefind also runs Pagefind's full-text search, whose code and index fragments are fetched
   from /pagefind/ (and its shards, if any) on first use. Results are built as DOM nodes (never
   innerHTML), so nothing from the index can run as code.

   Names of the whole site: /search/names.json is a table of keys (pieces of names), each with a
   file under /search/names/z/ (any query) or /search/names/l/ (Latin letters and digits) holding
   every name that contains it, or, for a common key, the answer to that query (how many, and
   the first MAX_NAMES); a query loads the table and one file, and finds exactly what matching
   every name of the site would (see whole_site_names in generator/output/search.py).

   Scope: the search page opened as /search/?q=…&area=<district id> (from a district page's
   search box) searches that district only: its names (/search/names/<id>.json, all of them)
   and its part of the full-text index (pagefind/d/<id>/, as shards.json lists it), a small
   fraction of the whole at province size. It says so (在“奎文区”中搜索) and offers 搜索全部,
   which widens both to the whole site. */

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

/* The index's parts and shards (pagefind/shards.json): `merge`, every folder besides /pagefind/
   itself (the whole site), and `areas`, each district's folders (its part). */
var shardsLoaded = {};
function loadShards(url) {
  var key = url.href;
  if (!shardsLoaded[key]) {
    shardsLoaded[key] = fetch(new URL("shards.json", url)).then(function (response) {
      if (response.status === 404) { return { merge: [], areas: {} }; }  /* an index written before shards */
      if (!response.ok) { throw new Error("shards " + response.status); }
      return response.json();
    });
  }
  return shardsLoaded[key];
}

/* Pagefind for the whole site (area null) or for one district's part: the first folder's
   pagefind.js, with the others merged into it, so that one query searches them all. */
var pagefindLoaded = {};
function loadPagefind(url, area) {
  var key = url + "#" + (area || "");
  if (!pagefindLoaded[key]) {
    var absolute = new URL(url, window.location.href);
    pagefindLoaded[key] = loadShards(absolute).then(async function (shards) {
      var part = area && shards.areas && shards.areas[area];
      var folders = (part ? part.index : [""].concat(shards.merge)).map(function (folder) {
        return new URL(folder, absolute).pathname;
      });
      var pagefind = await import(part ? folders[0] + "pagefind.js" : absolute.pathname);
      await pagefind.options({ excerptLength: 40 });
      await pagefind.init();
      await Promise.all(folders.slice(1).map(function (folder) { return pagefind.mergeIndex(folder, { excerptLength: 40 }); }));
      return pagefind;
    });
  }
  return pagefindLoaded[key];
}

/* The district of ?area=<id>: {id, name} from its names file, or null (no such district). */
function loadScope(namesDir, area) {
  if (!area || !namesDir || !/^[a-z0-9_-]+$/.test(area)) { return Promise.resolve(null); }
  return loadNames(namesDir + area + ".json").then(function (rows) {
    var own = rows.map(entryOf).filter(function (entry) { return entry.kind === "区（市）"; })[0];
    return own ? { id: area, name: own.name } : null;
  }).catch(function () { return null; });
}

/* Pagefind's search, less the pages that do not hold each word of the query as typed (its exact
   search, "…") when some pages do. Pagefind, finding no word that starts with a query word,
   retries with the word shortened (福海 → 福, which finds 福源), and drops a word it finds no
   trace of; an index in parts (a district each) or shards does so part by part, so parts without
   福海 would add every page with 福, and parts without 量子 every page with the rest of the query.
   So a word no page holds as typed is looked at piece by piece, as Pagefind cuts it (量子计算机 →
   量子, 计算, 机): each piece some page holds keeps the pages holding it, and a piece none holds
   the pages holding its longest beginning that some page holds (量子 → 量), as one index of the
   whole site would have it; a piece nothing of which is held anywhere filters nothing. The
   ordinary search keeps its ranking. */
async function holders(pagefind, text) {
  var found = await pagefind.search('"' + text + '"');
  return found && found.results.length ? new Set(found.results.map(function (result) { return result.id; })) : null;
}

function pieces(word) {
  var language = document.documentElement.lang || "zh-CN";
  if (typeof Intl === "undefined" || typeof Intl.Segmenter === "undefined") { return [word]; }
  var cut = [];
  for (const part of new Intl.Segmenter(language, { granularity: "word" }).segment(word)) {
    if (part.isWordLike !== false) { cut.push(part.segment); }
  }
  return cut.length ? cut : [word];
}

async function pieceHolders(pagefind, piece) {
  var letters = Array.from(piece);
  for (var length = letters.length; length > 0; length--) {
    var held = await holders(pagefind, letters.slice(0, length).join(""));
    if (held) { return held; }
  }
  return null;
}

async function phraseFirst(pagefind, query) {
  var search = await pagefind.search(query);
  if (!search || query.indexOf('"') >= 0) { return search; }
  var words = query.split(/\s+/).filter(function (word) { return word; });
  var sets = [];
  for (const word of words) {
    var held = await holders(pagefind, word);
    if (held) { sets.push(held); continue; }
    for (const piece of pieces(word)) {
      var byPiece = await pieceHolders(pagefind, piece);
      if (byPiece) { sets.push(byPiece); }
    }
  }
  if (sets.length) {
    search.results = search.results.filter(function (result) {
      return sets.every(function (ids) { return ids.has(result.id); });
    });
  }
  return search;
}

/* Names ranked: name starts with the query, name contains it, pinyin starts with it, pinyin
   contains it; shorter names first within a rank, then the order of the list (the sort is
   stable). generator/output/search.py's match_rank states the same for the files it writes. */
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

/* The names a query finds, as showNames shows them: {count, names: the first MAX_NAMES}. */
function answer(entries, query) {
  var found = matchNames(entries, query);
  return { count: found.length, names: found.slice(0, MAX_NAMES) };
}

var FIELDS = ["name", "kind", "url", "where", "initials", "pinyin"];  /* a name's fields in the files */
function entryOf(row) {
  var entry = {};
  FIELDS.forEach(function (field, i) { entry[field] = i < row.length ? row[i] : ""; });
  return entry;
}

function hex(text) {
  return Array.from(new TextEncoder().encode(text), function (byte) { return byte.toString(16).padStart(2, "0"); }).join("");
}

/* The key whose file answers the normalised query q (null: no name holds q): q itself when it is
   a key, else the piece of q with the fewest names, found by walking from each start of q along
   common keys (n = 0), the only keys longer ones grow from. */
export function nameKey(keys, q) {
  var own = function (key) { return Object.prototype.hasOwnProperty.call(keys, key); };
  if (own(q)) { return q; }
  var chars = Array.from(q);
  var best = null;
  for (var start = 0; start < chars.length; start++) {
    var piece = "";
    for (var end = start; end < chars.length; end++) {
      piece += chars[end];
      if (!own(piece)) { break; }
      if (keys[piece] > 0) {
        if (best === null || keys[piece] < keys[best]) { best = piece; }
        break;
      }
    }
  }
  return best;
}

/* What the whole site's names give for a query: the table (/search/names.json), then one file. */
export async function findNames(table, dir, query) {
  var q = normalise(query);
  if (!q) { return { count: 0, names: [] }; }
  var family = /^[a-z0-9]+$/.test(q) ? "l" : "z";
  var key = nameKey(table[family], q);
  if (key === null) { return { count: 0, names: [] }; }
  var found = await loadNames(dir + family + "/" + hex(key) + ".json");
  if (Array.isArray(found)) { return answer(found.map(entryOf), query); }
  return { count: found.count, names: found.names.map(entryOf) };
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

function showNames(box, found, query) {
  var status = box.querySelector("[data-names-results] .finder-status");
  var list = box.querySelector("[data-names-results] ul");
  list.textContent = "";
  if (!query) { status.textContent = ""; list.hidden = true; return; }
  found.names.slice(0, MAX_NAMES).forEach(function (entry) {
    var item = element("li");
    var link = element("a", "", entry.name);
    link.href = entry.url;
    item.appendChild(link);
    item.appendChild(element("span", "", entry.kind + (entry.where ? "　" + entry.where : "")));
    list.appendChild(item);
  });
  list.hidden = found.count === 0;
  status.textContent = found.count
    ? "名称相符的有 " + found.count + " 个" + (found.count > MAX_NAMES ? "，下面列出前 " + MAX_NAMES + " 个" : "") + "："
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

  return async function run(query, isCurrent, where) {
    list.textContent = "";
    more.hidden = true;
    showMore = null;
    if (!query) { section.hidden = true; status.textContent = ""; return; }
    section.hidden = false;
    status.textContent = "正在搜索……";
    var search;
    try {
      search = await phraseFirst(await loadPagefind(url, where ? where.id : null), query);
    } catch (error) {
      if (isCurrent()) { status.textContent = "全文搜索暂不可用，请用上面的名称查找，或从下面的目录查找。"; }
      return;
    }
    if (!isCurrent()) { return; }
    var results = search ? search.results : [];
    var shown = await show(results, 0, isCurrent);
    if (!isCurrent()) { return; }
    showMore = async function () { shown = await show(results, shown, isCurrent); };
    var within = where ? "在“" + where.name + "”中" : "";
    status.textContent = results.length
      ? within + "共有 " + results.length + " 个页面包含“" + query + "”："
      : within + "没有找到包含“" + query + "”的页面。" + (where ? "可以点“搜索全部”在全站查找，" : "可以换个说法，") + "或从下面的目录查找。";
  };
}

/* The search page's line saying where it searches, with 搜索全部 to widen it to the whole site. */
function showScope(line, where, widen) {
  if (!line) { return; }
  var text = line.querySelector(".scope-text");
  var button = line.querySelector("button");
  if (where) {
    text.textContent = "在“" + where.name + "”中搜索。";
    button.hidden = false;
    button.onclick = widen;
  } else {
    text.textContent = "已改为搜索全部内容。";
    button.hidden = true;
  }
  line.hidden = false;
}

function setUp(box) {
  var form = box.querySelector("form[data-search-box]");
  var input = form.querySelector("input[name=q]");
  var runFullText = fullText(form);
  var onSearchPage = form.getAttribute("action") === window.location.pathname;
  var namesDir = form.getAttribute("data-names-dir");
  var asked = new URLSearchParams(window.location.search);
  var scope = loadScope(namesDir, onSearchPage ? asked.get("area") : null);
  var scopeLine = onSearchPage ? document.querySelector("[data-search-scope]") : null;
  /* names: a promise of the box's finder, query → promise of {count, names} */
  var nothing = function () { return Promise.resolve({ count: 0, names: [] }); };
  var wholeSite = function () {
    return loadNames(form.getAttribute("data-names")).then(function (table) {
      return function (query) { return findNames(table, namesDir, query); };
    }).catch(function () { return nothing; });
  };
  var names = scope.then(function (where) {
    if (!where) { return wholeSite(); }
    return loadNames(namesDir + where.id + ".json").then(function (rows) {
      var entries = rows.map(entryOf);
      return function (query) { return Promise.resolve(answer(entries, query)); };
    });
  }).catch(function () { return nothing; });
  var generation = 0;
  var timer = null;

  function widen() {
    scope = Promise.resolve(null);
    names = wholeSite();
    showScope(scopeLine, null, null);
    input.focus();
    run();
  }
  scope.then(function (where) { if (where) { showScope(scopeLine, where, widen); } });

  async function run() {
    var query = input.value.trim();
    var mine = ++generation;
    var isCurrent = function () { return mine === generation; };
    var where = await scope;
    var found = await (await names)(query).catch(function () { return { count: 0, names: [] }; });
    if (!isCurrent()) { return; }
    showNames(box, found, query);
    if (runFullText) { await runFullText(query, isCurrent, where); }
    if (onSearchPage && isCurrent()) {
      var address = query ? "?q=" + encodeURIComponent(query) : "";
      if (where) { address += (address ? "&" : "?") + "area=" + encodeURIComponent(where.id); }
      window.history.replaceState(null, "", address || window.location.pathname);
    }
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, DELAY_MS);
  });
  if (onSearchPage) {
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    if (asked.get("q") && !input.value) { input.value = asked.get("q"); }
  }
  if (input.value.trim()) { run(); }
}

document.querySelectorAll("[data-finder]").forEach(setUp);
