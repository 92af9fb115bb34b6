"""Search without a browser: where Pagefind is looked for, what happens when it is missing or too
old, what it indexes, and the instant finder's name index (pinyin)."""

from __future__ import annotations

import functools
import json
import operator
import stat
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.output.search import (
    SHARD_BUDGET_MB,
    locate_pagefind,
    name_index,
    pinyin,
    plan_shards,
    shard_budget_mb,
)

from conftest import REPO, TODAY, cli
from sitecheck import indexed_pages


def fake_pagefind(folder, version="1.6.0"):
    """A stand-in `pagefind` that only answers --version (enough for locating it)."""
    path = folder / "node_modules" / ".bin" / "pagefind"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho 'pagefind {version}'\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_pagefind_is_looked_for_in_order(tmp_path):
    content = tmp_path / "project" / "content"
    content.mkdir(parents=True)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    beside_cwd = fake_pagefind(cwd)
    assert locate_pagefind(content, env={"PATH": ""}, cwd=cwd).path == beside_cwd
    beside_content = fake_pagefind(tmp_path / "project")
    assert locate_pagefind(content, env={"PATH": ""}, cwd=cwd).path == beside_content
    explicit = fake_pagefind(tmp_path / "chosen")
    assert locate_pagefind(content, env={"BULLETIN_PAGEFIND": str(explicit)}, cwd=cwd).path == explicit


def test_pagefind_on_path_is_the_last_resort(tmp_path, monkeypatch):
    import generator.output.search as search

    monkeypatch.setattr(search, "REPO", tmp_path / "no-repo")
    bin_dir = fake_pagefind(tmp_path / "tool").parent
    content = tmp_path / "content"
    content.mkdir()
    found = locate_pagefind(content, env={"PATH": str(bin_dir)}, cwd=tmp_path)
    assert found.ready and found.path.parent == bin_dir
    missing = locate_pagefind(content, env={"PATH": ""}, cwd=tmp_path)
    assert not missing.ready and "未找到 Pagefind" in missing.problem and "npm ci" in missing.problem


def test_an_old_pagefind_is_refused_because_it_splits_chinese_queries(tmp_path):
    old = fake_pagefind(tmp_path, version="1.5.2")
    found = locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": str(old)})
    assert not found.ready and "1.5.2" in found.problem and "单字" in found.problem


def test_a_wrong_bulletin_pagefind_is_reported_not_ignored(tmp_path):
    found = locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": str(tmp_path / "nope")})
    assert not found.ready and "BULLETIN_PAGEFIND" in found.problem
    off = locate_pagefind(tmp_path, env={"BULLETIN_PAGEFIND": "off"})
    assert not off.ready and "BULLETIN_PAGEFIND=off" in off.problem


def test_build_without_pagefind_succeeds_warns_in_chinese_and_says_so_on_the_search_page(project, monkeypatch):
    monkeypatch.setenv("BULLETIN_PAGEFIND", str(project / "missing"))
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert "警告：环境变量 BULLETIN_PAGEFIND" in run.stderr and "1 个警告" in run.stdout
    site = project / "site"
    assert not (site / "pagefind").exists()
    page = (site / "search/index.html").read_text(encoding="utf-8")
    assert "全文搜索暂不可用" in page and 'href="/compounds/"' in page and "data-pagefind=" not in page


def test_the_default_build_indexes_every_published_page_and_nothing_else(project):
    assert (REPO / "node_modules/.bin/pagefind").is_file(), "run `npm ci` first"
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0 and "Pagefind" not in run.output, run.output
    site = project / "site"
    indexed = indexed_pages(site)
    assert sum(page_counts(site)) == len(indexed)  # the parts' pages together
    assert "/search/" not in indexed and "/404.html" not in indexed and "/notices/gongshi/" in indexed
    assert not any("草稿公告" in text or "未来公告" in text for text in indexed.values())
    search_page = (site / "search/index.html").read_text(encoding="utf-8")
    assert 'data-pagefind="/pagefind/pagefind.js"' in search_page and "全文搜索暂不可用" not in search_page
    # navigation, footer and the banner are outside what is indexed, and so is the notice's link
    # back to the list (every notice would match 返回); the accessibility statement names the
    # skip link in its own text
    assert not any(
        "本站生成于" in text or ("跳到正文" in text and url != "/accessibility/") or "返回公示公告列表" in text
        for url, text in indexed.items()
    )


def test_only_the_first_page_of_the_notice_list_is_indexed(project, monkeypatch):
    from generator.output import routes

    monkeypatch.setattr(routes, "NOTICES_PER_PAGE", 1)  # the fixture's notices over several pages
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    site = project / "site"
    later = sorted((site / "notices/page").glob("*/index.html"))
    assert later
    indexed = indexed_pages(site)
    assert "/notices/" in indexed and not [url for url in indexed if url.startswith("/notices/page/")]
    assert sum(page_counts(site)) == len(indexed)


def test_a_drafts_preview_does_not_index_the_drafts(project):
    run = cli("build", "--today", TODAY, "--drafts")
    assert run.exit_code == 0, run.output
    site = project / "site"
    assert (site / "notices/caogao/index.html").is_file()
    indexed = indexed_pages(site)
    assert "/notices/caogao/" not in indexed and sum(page_counts(site)) == len(indexed)


def published(site):
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_failed_index_fails_the_build_and_leaves_the_published_site_as_it_was(project, monkeypatch):
    # (It used to publish the site without search, with a warning: a search page promising full
    # text it does not have.)
    assert cli("build", "--today", TODAY).exit_code == 0
    before = published(project / "site")
    broken = project / "bin" / "pagefind"
    broken.parent.mkdir()
    broken.write_text(
        "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'pagefind 1.6.0'; exit 0; fi\n"
        "echo 'index writer crashed' >&2; exit 1\n",
        encoding="utf-8",
    )
    broken.chmod(0o755)
    monkeypatch.setenv("BULLETIN_PAGEFIND", str(broken))
    run = cli("build", "--today", TODAY, "--base-url", "https://example.net/")  # a change to publish
    assert run.exit_code == 1 and "index writer crashed" in run.stderr and "建立全文搜索索引失败" in run.stderr
    assert "网站未更新" in run.stderr
    assert published(project / "site") == before


def page_counts(site) -> list[int]:
    """The pages each index folder (every part and shard) holds."""
    return [entry["languages"]["zh-cn"]["page_count"] for entry in shard_entries(site).values()]


def shard_entries(site):
    """Index folder ('' for pagefind/ itself) → its pagefind-entry.json, for every folder
    shards.json lists (each part of the index, and each shard of a part)."""
    folder = site / "pagefind"
    merge = json.loads((folder / "shards.json").read_text(encoding="utf-8"))["merge"]
    return {
        name: json.loads((folder / name / "pagefind-entry.json").read_text(encoding="utf-8")) for name in ["", *merge]
    }


def test_a_small_site_has_a_part_per_district_and_no_shards(project):
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    site = project / "site"
    assert list(shard_entries(site)) == ["", "d/gx/"]  # the site-wide part and the one district's
    listed = json.loads((site / "pagefind/shards.json").read_text(encoding="utf-8"))
    assert listed["areas"] == {"gx": {"name": "高新区", "index": ["d/gx/"]}}
    assert not [p for p in (site / "pagefind").rglob("s*") if p.is_dir() and p.name[1:].isdigit()]
    (plan,) = plan_shards(site, SHARD_BUDGET_MB)
    assert sorted(plan) == sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def test_a_site_over_the_budget_is_indexed_in_shards_holding_every_page_once(project, monkeypatch):
    budget = 20.3  # under the ~40 MB any run needs: a page a shard
    monkeypatch.setenv("BULLETIN_SEARCH_SHARD_MB", str(budget))
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0 and "Pagefind" not in run.output, run.output
    site = project / "site"
    entries = shard_entries(site)
    site_wide = [folder for folder in entries if not folder.startswith("d/")]
    district = [folder for folder in entries if folder.startswith("d/gx/")]
    assert site_wide == ["", *[f"s{n}/" for n in range(1, len(site_wide))]] and len(site_wide) >= 3
    assert district == ["d/gx/", *[f"d/gx/s{n}/" for n in range(1, len(district))]] and len(district) >= 3
    indexed = indexed_pages(site)
    counts = page_counts(site)
    assert counts == [1] * len(indexed)  # each shard within the budget: a page a shard, every page once
    parts = {
        folder: json.loads((site / "pagefind" / folder / "part.json").read_text(encoding="utf-8"))
        for folder in ("", "d/gx/")
    }
    assert sum(len(part["files"]) for part in parts.values()) == len(
        [p for p in (site / "pagefind").rglob("*") if p.is_file() and p.name not in ("part.json", "shards.json")]
    )  # the parts' records name every file of the index
    leftovers = [p.name for p in project.iterdir() if "-index-" in p.name]
    assert leftovers == []  # the temporary trees of links are gone


def test_a_shard_that_fails_fails_the_build_and_publishes_nothing(project, monkeypatch):
    # (It used to publish the site without search, with a warning.)
    real = REPO / "node_modules/.bin/pagefind"
    flaky = project / "bin" / "pagefind"
    flaky.parent.mkdir()
    calls = project / "calls"
    calls.mkdir()
    flaky.write_text(  # the third Pagefind run started fails
        '#!/bin/sh\nif [ "$1" = --service ]; then\n'
        f'  for n in 1 2 3 4 5 6 7 8 9; do mkdir "{calls}/$n" 2>/dev/null && break; done\n'
        "  if [ $n = 3 ]; then echo 'out of memory' >&2; exit 1; fi\n"
        f'fi\nexec {real} "$@"\n',
        encoding="utf-8",
    )
    flaky.chmod(0o755)
    monkeypatch.setenv("BULLETIN_PAGEFIND", str(flaky))
    monkeypatch.setenv("BULLETIN_SEARCH_SHARD_MB", "20.3")
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1 and "out of memory" in run.stderr and "建立全文搜索索引失败" in run.stderr
    assert not (project / "site").exists()


def test_a_shard_is_weighed_by_the_text_pagefind_indexes():
    from generator.output.search import indexed_text_bytes

    page = (
        b'<header>\xe5\xaf\xbc\xe8\x88\xaa</header><main id="main" data-pagefind-body>ab<ul class="x" data-pagefind-ignore>'
        b"<li>left out</li></ul>cd<div data-pagefind-ignore><div>q</div>rr</div></main><footer>x</footer>"
    )
    assert indexed_text_bytes(page) == len("abcdrr")  # a nested ignored element may count in part, never less
    assert indexed_text_bytes(b"<main>not indexed</main>") is None
    assert indexed_text_bytes(b"<main><p>&lt;main data-pagefind-body&gt; data-pagefind-body</p></main>") is None


def test_the_shard_budget_is_fixed_unless_the_environment_says():
    # (It was what this process's memory left of a total: the cut, and so the index, then
    # depended on the process, and a build after an edit could not give the cold build's bytes.)
    assert shard_budget_mb({}) == SHARD_BUDGET_MB
    assert shard_budget_mb({"BULLETIN_SEARCH_SHARD_MB": "300"}) == 300
    assert shard_budget_mb({"BULLETIN_SEARCH_SHARD_MB": "0"}) == SHARD_BUDGET_MB
    assert shard_budget_mb({"BULLETIN_SEARCH_SHARD_MB": "viel"}) == SHARD_BUDGET_MB


def test_a_big_site_is_indexed_in_shards_side_by_side_even_when_one_would_fit(tmp_path):
    body = "<main data-pagefind-body><h1>公告</h1><p>" + "物业服务" * 30 + "</p></main>"
    for i in range(60):
        page = tmp_path / f"notices/n{i:03d}/index.html"
        page.parent.mkdir(parents=True)
        page.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    assert len(plan_shards(tmp_path, 10_000, 2)) == 1  # fits, and no parallel minimum asked
    assert len(plan_shards(tmp_path, 10_000, 2, min_pages_parallel=100)) == 1  # too few pages
    shards = plan_shards(tmp_path, 10_000, 2, min_pages_parallel=50)
    assert len(shards) == 2 and sorted(functools.reduce(operator.iadd, shards, [])) == sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")
    )
    assert abs(len(shards[0]) - len(shards[1])) <= 2  # about even: runs side by side end together
    assert len(plan_shards(tmp_path, 10_000, 1, min_pages_parallel=50)) == 1  # one core: one run


def test_pinyin_initials_and_full():
    assert pinyin("福海花园") == ("fhhy", "fuhaihuayuan")
    assert pinyin("A区3号院") == ("aq3hy", "aqu3haoyuan")
    assert pinyin("重庆路银行宿舍（Ⅱ期）·B座") == ("cqlyhssqbz", "chongqingluyinhangsusheqibzuo")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="福海花园重庆银行长乐朝阳行单绿地𠮷〇ABCxyz０１2 ·（）-_\u3000", max_size=12))
def test_pinyin_gives_what_two_conversions_give(name):
    # pinyin() converts once and takes the initials from the syllables: the same as asking
    # pypinyin for each style, which is what it did before.
    from pypinyin import Style, lazy_pinyin

    squash = lambda parts: "".join(c for c in "".join(parts).lower() if c.isascii() and c.isalnum())  # noqa: E731
    expected = (
        squash(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")),
        squash(lazy_pinyin(name, style=Style.NORMAL, errors="default")),
    )
    assert pinyin.__wrapped__(name) == expected


def test_name_index_lists_every_compound_community_company_and_area(project):
    from datetime import date

    from generator.content.errors import Problems
    from generator.content.load import load
    from generator.content.validate import validate

    problems = Problems()
    site = validate(load(project / "content", "content", problems), problems, date(2026, 11, 27))
    entries = json.loads(name_index(site))
    by_name = {e["name"]: e for e in entries}
    assert by_name["福海花园"] == {
        "name": "福海花园",
        "kind": "小区",
        "url": "/compounds/fuhai/",
        "where": "新城街道鸢飞社区",
        "initials": "fhhy",
        "pinyin": "fuhaihuayuan",
    }
    assert by_name["阿尔法物业服务有限公司"]["url"] == "/companies/alpha/"
    assert by_name["鸢飞社区"]["kind"] == "社区" and by_name["新城街道"]["kind"] == "街道"
    expected = (
        len(site.compounds) + len(site.communities) + len(site.companies) + len(site.districts) + len(site.streets)
    )
    assert len(entries) == expected


def test_the_pagefind_a_killed_build_left_running_is_ended_by_the_next_build(tmp_path):
    # (Shards were once indexed from trees of links beside the site, which this test saw swept;
    # Pagefind now reads the site folder itself, and what a killed build can leave is a process.)
    import signal
    import subprocess

    from generator.engine.write import recover

    out = tmp_path / "site"
    out.mkdir()
    pretend = ["bash", "-c", "exec -a pagefind_extended sleep 300"]
    orphan = subprocess.Popen(pretend, start_new_session=True)
    owned = subprocess.Popen(pretend, start_new_session=True)
    try:
        for process in (orphan, owned):  # until each has become the pretend Pagefind (exec done)
            deadline = time.monotonic() + 10
            while not Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(b"pagefind_extended"):
                assert time.monotonic() < deadline
                time.sleep(0.005)
        dead = tmp_path / f"..site.tmp-999999999-1.pagefind-{orphan.pid}"  # its build is gone
        live = tmp_path / f"..site.tmp-1-1.pagefind-{owned.pid}"  # pid 1 is alive: another build's
        dead.write_text(json.dumps({"owner": 999999999, "pgid": orphan.pid}), encoding="utf-8")
        live.write_text(json.dumps({"owner": 1, "pgid": owned.pid}), encoding="utf-8")
        recover(out)
        assert orphan.wait(timeout=5) == -signal.SIGKILL and not dead.exists()
        assert owned.poll() is None and live.exists()
    finally:
        for process in (orphan, owned):
            process.kill()
            process.wait()


def test_the_native_executable_beside_the_node_wrapper_is_preferred(tmp_path):
    content = tmp_path / "project" / "content"
    content.mkdir(parents=True)
    wrapper = fake_pagefind(tmp_path / "project")
    native = wrapper.parent.parent / "@pagefind" / "linux-x64" / "bin" / "pagefind_extended"
    native.parent.mkdir(parents=True)
    (native.parent / "pagefind_extended-v1.6.0-x86_64-unknown-linux-musl.tar.gz.sha256").write_text("x")
    native.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")  # does not run here: the wrapper is used
    native.chmod(native.stat().st_mode | stat.S_IXUSR)
    assert locate_pagefind(content, env={"PATH": ""}, cwd=tmp_path).path == wrapper
    native.write_text("#!/bin/sh\necho 'pagefind 1.6.0'\n", encoding="utf-8")
    assert locate_pagefind(content, env={"PATH": ""}, cwd=tmp_path).path == native.resolve()


def _notice_pages(folder, count: int) -> None:
    for i in range(count):
        page = folder / f"notices/n{i:03d}/index.html"
        page.parent.mkdir(parents=True)
        body = "物业服务" * (10 + i % 7 * 20)
        page.write_text(
            f"<html><body><nav>导航</nav><main data-pagefind-body><p>{body}</p></main></body></html>", encoding="utf-8"
        )
    (folder / "admin.html").write_text("<html><main>not indexed</main></html>", encoding="utf-8")


def test_pages_weighed_beforehand_give_the_plan_reading_them_gives(tmp_path):
    from generator.output.search import indexed_text_bytes

    _notice_pages(tmp_path, 60)
    rels = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.html")]
    weights = {rel: indexed_text_bytes((tmp_path / rel).read_bytes()) for rel in rels}
    for budget, jobs, least in ((40.2, 1, None), (40.4, 2, None), (10_000, 2, 50), (10_000, 1, None)):
        read = plan_shards(tmp_path, budget, jobs, least)
        assert plan_shards(tmp_path, budget, jobs, least, pages=rels, weights=weights) == read
        some = dict(list(weights.items())[::2])  # the others are read
        assert plan_shards(tmp_path, budget, jobs, least, pages=reversed(rels), weights=some) == read
    assert len(plan_shards(tmp_path, 45, 1)) > 1
    # The weights given are believed, not re-read: with no indexed text the pages fit one run.
    assert len(plan_shards(tmp_path, 45, 1, pages=rels, weights=dict.fromkeys(rels, 0))) == 1


def test_render_workers_weigh_every_page_they_make_for_the_index(tree_with_search, monkeypatch):
    from generator import Builder
    from generator.engine import pages
    from generator.output import search
    from generator.output.search import indexed_text_bytes

    content, out = tree_with_search
    monkeypatch.setattr(pages, "PARALLEL_MIN_PAGES", 1)  # forked workers even for a small site
    seen = {}
    real = search.index_site

    def spy(folder, pagefind, **kwargs):
        seen.update(kwargs, files={rel: (folder / rel).read_bytes() for rel in kwargs["pages"]})
        return real(folder, pagefind, **kwargs)

    monkeypatch.setattr(search, "index_site", spy)
    Builder(content, out, date(2026, 11, 27), workers=2, tracking=False).rebuild()
    html = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if not p.is_relative_to(out / "pagefind"))
    assert sorted(seen["pages"]) == html
    assert seen["weights"] and set(seen["weights"]) <= set(html)
    assert all(seen["weights"][rel] == indexed_text_bytes(seen["files"][rel]) for rel in seen["weights"])
    assert any(weight is None for weight in seen["weights"].values())  # pages not indexed are known too
    assert (out / "pagefind/pagefind.js").is_file()


@pytest.fixture
def tree_with_search(tmp_path):
    from conftest import minimal_files, write_tree

    write_tree(tmp_path / "content", minimal_files())
    return tmp_path / "content", tmp_path / "site"
