"""charts.py: SVG drawn from numbers — escaped labels, lengths proportional to values, nothing
drawn without data, no inline styles; and the three charts on their pages with their tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal as D

from markupsafe import Markup

from generator.output.charts import WIDTH, Chart, svg

from conftest import TODAY, cli

SVG = "{http://www.w3.org/2000/svg}"


def bars(values, **kw) -> Chart:
    names = tuple(f"小区{i}" for i in range(len(values)))
    return Chart(
        "bars", "收缴率", "小区", names, ("收缴率",), tuple((v,) for v in values), number="pct", scale_max=D(1), **kw
    )


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed XML, or this raises


def rects(root: ET.Element, cls: str = "bar") -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if cls in r.get("class", "").split()]


def test_bar_lengths_are_proportional_to_values():
    root = parse(svg(bars([D("1"), D("0.5"), D("0.25"), D("0")]), "c"))
    widths = [float(r.get("width")) for r in rects(root)]
    assert widths[0] > 0
    assert widths[1] / widths[0] == 0.5
    assert widths[2] / widths[0] == 0.25
    assert widths[3] == 0
    assert max(widths) <= WIDTH


def test_stacked_segments_are_proportional_and_add_up():
    chart = Chart(
        "stacked",
        "类型",
        "街道",
        ("甲街道", "乙街道"),
        ("A", "B", "C"),
        ((D(6), D(3), D(1)), (D(5), D(0), D(0))),
        unit="个",
    )
    root = parse(svg(chart, "s"))
    segments = rects(root)
    assert len(segments) == 4  # a zero draws no segment
    w = [float(r.get("width")) for r in segments]
    assert w[0] / w[1] == 2 and abs(w[1] / w[2] - 3) < 0.02
    first_total = sum(w[:3])
    assert abs(w[3] / first_total - 0.5) < 0.001  # 5 of the longest bar's 10
    xs = [float(r.get("x")) for r in segments[:3]]
    assert xs[1] == xs[0] + w[0] and abs(xs[2] - (xs[1] + w[1])) < 0.11  # segments follow one another
    text = "".join(root.itertext())
    assert "共 10 个" in text and "共 5 个" in text


def test_line_chart_points_scale_and_break_at_gaps():
    chart = Chart(
        "line",
        "得分",
        "考评期",
        ("一", "二", "三", "四"),
        ("甲区", "乙区"),
        ((D(100), None), (D(50), D(80)), (None, D(40)), (D(0), D(60))),
        number="score",
        unit="分",
        scale_max=D(100),
    )
    root = parse(svg(chart, "l"))
    points = list(root.iter(f"{SVG}circle"))
    assert len(points) == 6
    first = [float(c.get("cy")) for c in points if "series-0" in c.get("class")]
    top, mid, bottom = first
    assert abs((bottom - mid) - (mid - top)) < 0.11  # 100, 50, 0 evenly spaced
    paths = [p.get("d") for p in root.iter(f"{SVG}path")]
    assert paths[0].count("M") == 2  # the gap at 三 lifts the pen
    assert paths[1].count("M") == 1
    assert [p.get("stroke-dasharray") for p in root.iter(f"{SVG}path")] == [None, "6 4"]  # not colour alone
    titles = [c.find(f"{SVG}title").text for c in points]
    assert "二 乙区：80.00 分" in titles


def test_labels_are_escaped():
    hostile = '</text><script>alert("x")</script>&amp;'
    chart = Chart("bars", f"标题{hostile}", "类", (f"类别{hostile}",), (f"系列{hostile}", "二"), ((D(1), D(2)),))
    markup = svg(chart, "x")
    assert "<script>" not in markup
    root = parse(markup)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert f"类别{hostile}" in texts and f"系列{hostile}" in texts
    assert root.find(f"{SVG}title").text == f"标题{hostile}"


def test_accessible_name_and_no_inline_style():
    for kind in ("bars", "stacked", "line"):
        chart = Chart(kind, "图名", "类", ("a", "b"), ("s",), ((D(1),), (D(2),)))
        markup = str(svg(chart, f"id-{kind}"))
        root = parse(markup)
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"id-{kind}-title id-{kind}-desc"
        assert root.find(f"{SVG}title").get("id") == f"id-{kind}-title"
        assert root.find(f"{SVG}desc").get("id") == f"id-{kind}-desc"
        assert "style" not in markup
        assert not any("style" in el.attrib for el in root.iter())


def test_empty_data_draws_nothing():
    assert svg(bars([]), "e") == ""
    assert svg(bars([None, None]), "e") == ""
    empty_line = Chart("line", "t", "c", (), (), ())
    assert empty_line.empty and svg(empty_line, "e") == ""


def test_all_zero_values_draw_without_dividing_by_zero():
    chart = Chart("stacked", "t", "c", ("a",), ("x", "y"), ((D(0), D(0)),))
    root = parse(svg(chart, "z"))
    assert rects(root) == [] and "共 0" in "".join(root.itertext())
    line = Chart("line", "t", "c", ("a", "b"), ("x",), ((D(0),), (D(0),)))
    parse(svg(line, "z2"))


def test_values_written_out():
    chart = bars([D("0.875"), None])
    assert chart.text(D("0.875")) == "87.5%" and chart.text(None) == "无数据"
    text = "".join(parse(svg(chart, "v")).itertext())
    assert "87.5%" in text and "无数据" in text


def test_output_is_stable():
    chart = bars([D("0.333333"), D("0.9")])
    assert svg(chart, "a") == svg(chart, "a")
    assert not re.search(r'="-?\d+\.\d{2,}"', str(svg(chart, "a")))  # coordinates rounded to 0.1


# --- on the built site ----------------------------------------------------------------------------


def build_site(project):
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    return project / "site"


def figure(html: str, dom_id: str) -> str:
    """A chart's <figure> and, when it has one, the <details> table right after it."""
    start = html.rindex("<figure", 0, html.index(f'id="{dom_id}"'))
    end = html.index("</figure>", start) + len("</figure>")
    if html[end:].lstrip().startswith('<details class="chart-data">'):
        end = html.index("</details>", end) + len("</details>")
    return html[start:end]


def test_company_page_has_its_score_history(project):
    html = (build_site(project) / "companies/alpha/index.html").read_text(encoding="utf-8")
    fig = figure(html, "chart-scores")
    root = parse(Markup(fig[fig.index("<svg") : fig.index("</svg>") + 6]))
    values = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "value"]
    assert values == ["88.50", "90.00"]  # 2025-H1 and H2 totals of alpha
    # the numbers are also in the period table next to it
    assert "88.50" in html[html.index("</figure>") :] and "90.00" in html[html.index("</figure>") :]


def test_community_page_has_fee_rates_with_a_table(project):
    html = (build_site(project) / "communities/yf/index.html").read_text(encoding="utf-8")
    fig = figure(html, "chart-fees")
    assert "鸢飞社区各小区 2025 年物业费收缴率" in fig
    table = fig[fig.index("<table") :]
    assert "福海花园" in table and "100%" in table and "兰亭苑" in table and "90%" in table
    widths = [float(w) for w in re.findall(r'<rect class="bar series-0" x="0" y="[\d.]+" width="([\d.]+)"', fig)]
    assert len(widths) == 2 and abs(widths[1] / widths[0] - 0.9) < 0.001


def test_district_page_has_types_per_street(project):
    html = (build_site(project) / "areas/gx/index.html").read_text(encoding="utf-8")
    fig = figure(html, "chart-types")
    table = fig[fig.index("<table") :]
    # 新城街道: fuhai (self) and lanting (enterprise); 清池街道: zhangying (enterprise) and laoyuan (state)
    rows = re.findall(r'<tr><th scope="row"[^>]*>(.+?)</th>(.*?)</tr>', table)  # [^>]*: data-label
    assert [(name, re.findall(r">([^<]+)</td>", cells)) for name, cells in rows] == [
        ("新城街道", ["1 个", "1 个", "0 个"]),
        ("清池街道", ["1 个", "0 个", "1 个"]),
    ]
