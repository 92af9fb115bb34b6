/* bulletin: the only script every page loads (in <head>, so large text applies before the first
   paint). Nothing on the site needs it to be read; it adds two things:
   1. 长辈模式 (large-text mode): the header button toggles the class "elder" on <html>, and the
      choice is remembered in localStorage, so it stays on across pages and visits.
   2. Search on demand: the search code (search.js) is fetched only when a resident focuses or
      types in a search box, or opens the search page with a query. */
(function () {
  "use strict";
  var KEY = "bulletin-elder";
  var root = document.documentElement;

  function remembered() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (e) { return false; }
  }
  function remember(on) {
    try {
      if (on) { window.localStorage.setItem(KEY, "on"); } else { window.localStorage.removeItem(KEY); }
    } catch (e) { /* private mode: the choice lasts for this page only */ }
  }
  if (remembered()) { root.classList.add("elder"); }

  function setUpElderToggle() {
    var button = document.getElementById("elder-toggle");
    if (!button) { return; }
    function show() { button.setAttribute("aria-pressed", root.classList.contains("elder") ? "true" : "false"); }
    button.addEventListener("click", function () {
      var on = !root.classList.contains("elder");
      root.classList.toggle("elder", on);
      remember(on);
      show();
    });
    show();
    button.hidden = false;
  }

  var searchRequested = false;
  function loadSearch(src) {
    if (searchRequested) { return; }
    searchRequested = true;
    var script = document.createElement("script");
    script.type = "module";
    script.src = src;
    document.head.appendChild(script);
  }

  function setUpSearch() {
    var forms = document.querySelectorAll("form[data-search-box]");
    Array.prototype.forEach.call(forms, function (form) {
      var src = form.getAttribute("data-script");
      var input = form.querySelector("input[name=q]");
      if (!src || !input) { return; }
      var start = function () { loadSearch(src); };
      input.addEventListener("focus", start);
      input.addEventListener("input", start);
      var onSearchPage = form.getAttribute("action") === window.location.pathname;
      if (onSearchPage && /[?&]q=[^&]/.test(window.location.search)) { start(); }
    });
  }

  function ready() { setUpElderToggle(); setUpSearch(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
