"""The notice list's pager links a window of pages, not all of them (a province has thousands of
list pages: linking every one from every one made the output quadratic), and every list page is
still reachable by following links."""

from __future__ import annotations

import re

from generator.output.render import page_window

from conftest import TODAY, cli, dedent, write_tree


def test_window_keeps_first_last_and_neighbours():
    assert page_window(1, 1) == [1]
    assert page_window(1, 3) == [1, 2, 3]
    assert page_window(1, 10) == [1, 2, 3, None, 10]
    assert page_window(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert page_window(10, 10) == [1, None, 8, 9, 10]
    assert page_window(4, 7) == [1, 2, 3, 4, 5, 6, 7]  # no gap stands for a single page
    for total in range(1, 40):
        for current in range(1, total + 1):
            shown = [n for n in page_window(current, total) if n is not None]
            assert shown == sorted(set(shown)) and {1, total, current} <= set(shown) and len(shown) <= 7


def test_every_list_page_is_reachable_and_links_a_bounded_number_of_pages(project):
    notices = {
        f"notices/2026/n{i:03d}.md": dedent(f"""
        ---
        title: 第{i}号通知
        date: 2026-01-{1 + i % 28:02d}
        category: 通知
        ---
        正文。
        """)
        for i in range(300)
    }
    write_tree(project / "content", notices)
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    site = project / "site"
    pages = sorted(site.glob("notices/page/*/index.html")) + [site / "notices/index.html"]
    assert len(pages) > 10
    seen, todo = set(), ["/notices/"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        html = (site / url.strip("/") / "index.html").read_text(encoding="utf-8")
        pager = re.search(r'<nav class="pager".*?</nav>', html, re.S).group()
        links = set(re.findall(r'href="(/notices/(?:page/\d+/)?)"', pager))
        assert len(links) <= 8, url
        todo.extend(links)
    assert len(seen) == len(pages)  # prev/next and the window reach every page
