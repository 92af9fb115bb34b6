"""The name finder's whole-site names cut by key (issue 19): a first query anywhere loads the
table (`search/names.json`) and one small file, and finds exactly what matching the whole list
finds — the same count and the same first names in the same order — for every query.

Without a browser: the files `whole_site_names` writes, read the way search.js reads them (the
`lookup` below follows its `nameKey`/`findNames`), against matching the whole list (`brute`,
search.js's `matchNames` in Python), with the file limit small enough that keys grow several
characters long. In Chromium: the sample built with the real CLI (the limit small as well) and
search.js's own `findNames` against its own `matchNames` over the whole list, for every query of
a long list; and a box on the home page.
"""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from generator.output import search
from generator.output.search import NAMES_SHOWN, NAMES_TABLE, match_rank, normalise, whole_site_names

from browserkit import Watch, serve
from conftest import REPO, SAMPLE, TODAY, cli

FIELDS = ("name", "kind", "url", "where", "initials", "pinyin")


def sample_entries() -> list[dict[str, str]]:
    from generator.content.errors import Problems
    from generator.content.load import load
    from generator.content.validate import validate

    problems = Problems()
    site = validate(load(SAMPLE, "content", problems), problems, date.fromisoformat(TODAY))
    return json.loads(search.name_index(site))


def entry(name: str, initials: str, full: str, url: str) -> dict[str, str]:
    return {"name": name, "kind": "小区", "url": url, "where": "某街道某社区", "initials": initials, "pinyin": full}


# Names that exercise what a plain Chinese name does not: Latin letters and digits in the name,
# separators search.js drops, a character beyond the BMP (two UTF-16 units: ranks by length
# count it twice), names alike but for a separator (the same normalised name, another length).
ODD = [
    entry("A座福海", "azfh", "azuofuhai", "/compounds/odd-1/"),
    entry("福海B区", "fhbq", "fuhaibqu", "/compounds/odd-2/"),
    entry("福·海", "fh", "fuhai", "/compounds/odd-3/"),
    entry("福海", "fh", "fuhai", "/compounds/odd-4/"),
    entry("𠀀福海园", "fhy", "fuhaiyuan", "/compounds/odd-5/"),
    entry("金地2期", "jd2q", "jindi2qi", "/compounds/odd-6/"),
    entry("Fuhai Garden", "fuhaigarden", "fuhaigarden", "/compounds/odd-7/"),
]


def brute(entries: list[dict[str, str]], query: str) -> tuple[int, list[str]]:
    """matchNames over the whole list: (how many, the URLs of the first NAMES_SHOWN)."""
    q = normalise(query)
    if not q:
        return 0, []
    ranked = []
    for position, e in enumerate(entries):
        rank = match_rank(q, normalise(e["name"]), e["initials"], e["pinyin"])
        if rank is not None:
            ranked.append((rank, len(e["name"].encode("utf-16-le")) // 2, position))
    ranked.sort()
    return len(ranked), [entries[i]["url"] for *_, i in ranked[:NAMES_SHOWN]]


def lookup(files: dict[str, bytes], query: str) -> tuple[int, list[str]]:
    """What search.js's findNames gives, read from `files` as it reads them from the site."""
    q = normalise(query)
    if not q:
        return 0, []
    family = "l" if re.fullmatch("[a-z0-9]+", q) else "z"
    keys = json.loads(files[NAMES_TABLE])[family]
    key = q if q in keys else None
    for start in range(len(q) if key is None else 0):
        for end in range(start + 1, len(q) + 1):
            piece = q[start:end]
            if piece not in keys:
                break
            if keys[piece] > 0:
                if key is None or keys[piece] < keys[key]:
                    key = piece
                break
    if key is None:
        return 0, []
    found = json.loads(files[f"search/names/{family}/{key.encode('utf-8').hex()}.json"])
    if isinstance(found, list):
        return brute([dict(zip(FIELDS, row + [""] * (6 - len(row)))) for row in found], query)
    return found["count"], [row[2] for row in found["names"]]


def queries_of(entries: list[dict[str, str]]) -> list[str]:
    """Every character of every name; every piece of 2-4 characters of every name; every piece of
    1-6 letters of the initials and pinyin; some of them in upper case or with spaces or the
    separators search.js drops; and queries nothing holds."""
    found: set[str] = set()
    for e in entries:
        name = e["name"]
        found.update(name)
        found.update(name[a:b] for a in range(len(name)) for b in range(a + 2, min(len(name), a + 4) + 1))
        for text in (e["initials"], e["pinyin"]):
            found.update(text[a:b] for a in range(len(text)) for b in range(a + 1, min(len(text), a + 6) + 1))
    ordered = sorted(found)
    ordered += [q.upper() for q in ordered[::7]] + [" ".join(q) for q in ordered[::11] if len(q) > 1]
    typed = ["福\u3000海", "福·海", "Fu-Hai", "fu_hai", "fu’hai", "\u00a0fhhy\t"]  # what normalise() drops
    return ordered + typed + ["量子", "量子计算机", "zzq", "x", "福海花园小区不存在", "  ", "'", "FHHY", "FuHai"]


def test_every_query_finds_what_the_whole_list_finds_at_any_file_limit():
    entries = sample_entries() + ODD
    queries = queries_of(entries)
    for limit in (300, 2_000, search.NAMES_FILE_BYTES):
        files = whole_site_names(entries, limit)
        keys = json.loads(files[NAMES_TABLE])
        if limit == 300:  # common keys several characters long, in both families: the walk is exercised
            assert max(len(k) for k, n in keys["z"].items() if n == 0) >= 2
            assert max(len(k) for k, n in keys["l"].items() if n == 0) >= 4
        wrong = [q for q in queries if lookup(files, q) != brute(entries, q)]
        assert wrong == [], (limit, wrong[:10])
        lists = [data for path, data in files.items() if path != NAMES_TABLE and data.startswith(b"[")]
        assert lists and all(len(data) <= limit + 2 for data in lists)  # a common key's answer: 8 names
    assert len(queries) > 2_000


def test_the_files_are_the_same_for_the_same_names_and_an_edit_rewrites_few():
    entries = sample_entries()
    files = whole_site_names(entries, 2_000)
    assert whole_site_names([dict(e) for e in entries], 2_000) == files
    edited = [dict(e) for e in entries]
    fuhai = next(e for e in edited if e["name"] == "福海花园")
    fuhai.update(name="福海新苑", initials="fhxy", pinyin="fuhaixinyuan")
    again = whole_site_names(edited, 2_000)
    changed = sorted(path for path in files.keys() | again.keys() if files.get(path) != again.get(path))
    assert NAMES_TABLE in changed and 1 < len(changed) <= len(files) // 4, (len(changed), len(files))
    where = next(e for e in edited if e["name"] == "福海新苑")
    where["where"] = "别处"  # a field that is no key: only the files that list the name
    third = whole_site_names(edited, 2_000)
    assert NAMES_TABLE not in {p for p in third if third[p] != again[p]}


def test_search_js_lists_as_many_names_as_the_files_hold():
    script = (REPO / "templates/static/search.js").read_text(encoding="utf-8")
    assert f"var MAX_NAMES = {NAMES_SHOWN};" in script


# --- in the browser ------------------------------------------------------------------------------

COMPARE = """async ([script, whole, queries]) => {
  const finder = await import(script);
  const table = await (await fetch('/search/names.json')).json();
  const shown = (e) => [e.name, e.kind, e.url, e.where];
  const out = [];
  for (const q of queries) {
    const all = finder.matchNames(whole, q);
    const found = await finder.findNames(table, '/search/names/', q);
    out.push([q, [all.length, all.slice(0, 8).map(shown)], [found.count, found.names.map(shown)]]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def small_files_site(tmp_path_factory):
    """The sample built with the real CLI, its name files cut at 300 bytes (keys grow long)."""
    out = tmp_path_factory.mktemp("names") / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "NAMES_FILE_BYTES", 300)
        patch.setenv("BULLETIN_PAGEFIND", "off")  # (the name finder needs no full-text index)
        run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0, run.output
    return out


@pytest.mark.browser
def test_search_js_finds_with_the_files_what_it_finds_in_the_whole_list(small_files_site, chromium):
    whole = sample_entries()
    table = json.loads((small_files_site / NAMES_TABLE).read_text(encoding="utf-8"))
    assert sum(1 for n in table["l"].values() if n == 0) > 20 and sum(1 for n in table["z"].values() if n == 0) > 5
    assert not (small_files_site / "search/names/.json").exists()
    queries = queries_of(whole)
    server = serve(small_files_site)
    context = chromium.new_context()
    watch = Watch()
    watch.attach(context)
    try:
        page = context.new_page()
        page.goto(server.url("/search/"))
        script = page.get_attribute("form[data-search-box]", "data-script")
        compared = page.evaluate(COMPARE, [script, whole, queries])
        assert len(compared) == len(queries) > 2_000
        wrong = [(q, old, new) for q, old, new in compared if old != new]
        assert wrong == [], wrong[:5]
        counts = {q: old[0] for q, old, _new in compared}
        assert counts["福海"] >= 1 and counts["fhhy"] == 1 and counts["量子"] == 0 and counts["园"] > NAMES_SHOWN
    finally:
        context.close()
        server.stop()
    watch.assert_clean()


@pytest.mark.browser
def test_the_home_box_fetches_the_table_and_one_file_a_query(small_files_site, chromium):
    server = serve(small_files_site)
    context = chromium.new_context(viewport={"width": 375, "height": 812})
    watch = Watch()
    watch.attach(context)
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    try:
        page = context.new_page()
        page.goto(server.url("/"))
        page.fill("#home-q", "FHHY")
        page.wait_for_function("() => document.querySelector('[data-names-results] .finder-status').textContent")
        assert page.locator("[data-names-results] .finder-status").inner_text() == "名称相符的有 1 个："
        assert page.locator("[data-names-results] li a").first.get_attribute("href") == "/compounds/fuhai-huayuan/"
        names = [path for path in fetched if path.startswith("/search/")]
        assert names[0] == "/search/names.json" and len(names) == 2 and names[1].startswith("/search/names/l/")
        page.fill("#home-q", "园")  # a common key: its answer, the first names and how many
        page.wait_for_function(
            "() => document.querySelector('[data-names-results] .finder-status').textContent.includes('下面列出前 8 个')"
        )
        assert page.locator("[data-names-results] li").count() == NAMES_SHOWN
        assert "/search/names.json" not in fetched[fetched.index(names[1]) + 1 :]  # the table once
    finally:
        context.close()
        server.stop()
    watch.assert_clean()
