"""List pages say who entered and who left each list since the year before, with where each
company stands in the other year; and they never compare with a year that has no lists."""

from __future__ import annotations

import re

import pytest

from conftest import TODAY, cli, dedent, write_tree

EARLIER = {
    "evaluations/gx/2024-H1.yaml": """
        period: 2024-H1
        published: 2024-07-15
        scores:
          - {company: alpha, authority: 15, street: 15, owners: 20}
          - {company: beta, authority: 28, street: 28, owners: 35}
        """,
    "evaluations/gx/2024-H2.yaml": """
        period: 2024-H2
        published: 2025-01-15
        scores:
          - {company: alpha, authority: 15, street: 15, owners: 25}
          - {company: beta, authority: 27, street: 28, owners: 34}
        """,
    "evaluations/gx/2026-H1.yaml": """
        period: 2026-H1
        published: 2026-07-15
        scores:
          - {company: alpha, authority: 27, street: 27, owners: 36}
        """,
}


@pytest.fixture
def site(project):
    write_tree(project / "content", {k: dedent(v) for k, v in EARLIER.items()})
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    return project / "site"


def changes(site, year: int) -> str:
    html = (site / f"lists/gx/{year}/index.html").read_text(encoding="utf-8")
    return html[html.index('id="h-changes"') : html.index("</section>", html.index('id="h-changes"'))]


def moves(section: str, name: str) -> dict[str, list[tuple[str, str]]]:
    block = section[section.index(f'class="plain-list changes-{name}"') :]
    block = block[: block.index("</ul>")]
    out = {}
    for label, body in re.findall(r"<li><strong>(.+?)</strong>（\d+ 家）：(.*?)</li>", block):
        out[label] = re.findall(
            r'<a href="/companies/(\w+)/">[^<]+</a>(?:<span class="sub">（\d+ 年度：([^）]+)）</span>)?', body
        )
    return out


def test_who_entered_and_left_each_list(site):
    section = changes(site, 2025)
    assert '与 <a href="/lists/gx/2024/">2024 年度</a>相比' in section
    assert moves(section, "red") == {
        "新上榜": [("alpha", "提请解聘、黑榜"), ("guoqi", "未参加考评")],
        "退出": [("beta", "提请解聘")],
        "连续在榜": [],
    }
    assert moves(section, "black") == {"新上榜": [], "退出": [("alpha", "红榜")], "连续在榜": []}
    assert moves(section, "dismissal") == {"新上榜": [("beta", "红榜")], "退出": [("alpha", "红榜")], "连续在榜": []}


def test_first_year_has_nothing_to_compare(site):
    assert "没有 2023 年度的考评数据，无法与上年比较" in changes(site, 2024)


def test_a_year_without_annual_lists_is_not_compared(site):
    section = changes(site, 2026)
    assert "本年度还没有年度榜单" in section
    assert "<strong>退出</strong>" not in section  # not "everyone left the lists" just because H2 is not out yet
