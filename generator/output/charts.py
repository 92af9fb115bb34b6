"""Inline SVG charts drawn from numbers, with no chart library.

A `Chart` holds what a chart says: a title, the categories (rows or x positions), the series and
a value per category and series (None = no data). `svg(chart, dom_id)` draws it as safe markup
(`Markup`): `<svg role="img" aria-labelledby=…>` with a `<title>` and a `<desc>`, every label
escaped, and no `style` attribute anywhere (the site's Content-Security-Policy forbids inline
styles): colours are presentation attributes, so a chart reads the same without the stylesheet,
and class names let the stylesheet refine it. A chart without data draws nothing (empty markup);
the template shows its text instead. Coordinates are rounded to 0.1 so the bytes are stable.

The text alternative is the same `Chart` as a table (the `chart` macro in `_macros.html` puts
both in a `<figure>`), so the numbers are always there for screen readers, print and copy.

Three drawings: `bars` (horizontal bars, one per series in each category), `stacked` (one
horizontal bar per category, split by series) and `line` (one line per series across the
categories, gaps where a value is missing). At the end, the site's three charts are built from
`Site` and `Derived`: a company's score history, the fee-collection rates of a community's
compounds, and compounds by type per street of a district.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from ..domain.derive import Derived
from ..domain.models import COMPOUND_TYPE_MODES, COMPOUND_TYPES, Site
from .formats import plain, rounded

WIDTH = 360  # viewBox width; the stylesheet scales the drawing to the column
FONT = 16  # viewBox units: about 15 px on a 375-px phone
INK = "#1a1a1a"  # text, 17:1 on white
GRID = "#b0b0b0"
AXIS = "#4a4a4a"
# Series colours: each at least 6:1 on white and under white text (WCAG 1.4.11 needs 3:1).
PALETTE = ("#0a4595", "#1e6b34", "#7a4b00", "#8e1b1b", "#5b2a86", "#00606b")
DASHES = ("", "6 4", "2 3", "10 3 2 3")  # lines are told apart without colour too


@dataclass(frozen=True)
class Chart:
    kind: str  # "bars", "stacked" or "line"
    title: str
    category_label: str  # heading of the categories' column in the table
    categories: tuple[str, ...]
    series: tuple[str, ...]
    values: tuple[tuple[Decimal | None, ...], ...]  # values[category][series]
    number: str = "count"  # how values are written: "count", "score" (2 decimals) or "pct" (0..1)
    unit: str = ""  # written after a number ("分", "个"); "pct" needs none
    scale_max: Decimal | None = None  # the end of the value axis; default the largest value (or total)
    short: tuple[str, ...] | None = None  # shorter category labels for a crowded axis ("\n" breaks)
    note: str = ""  # one sentence read with the chart (what "no data" means, say)

    @property
    def empty(self) -> bool:
        return not any(v is not None for row in self.values for v in row)

    def text(self, value: Decimal | None, with_unit: bool = True) -> str:
        if value is None:
            return "无数据"
        if self.number == "pct":
            return rounded(value * 100, 1, trim=True) + "%"
        if self.number == "score":
            text = rounded(value, 2)
        else:
            text = plain(value)
        return f"{text} {self.unit}" if with_unit and self.unit else text

    def tick(self, value: Decimal) -> str:
        """An axis label: short (at most one decimal)."""
        if self.number == "pct":
            return rounded(value * 100, 1, trim=True) + "%"
        return rounded(value, 1, trim=True)

    def totals(self) -> tuple[Decimal, ...]:
        return tuple(sum((v for v in row if v is not None), Decimal(0)) for row in self.values)

    def top(self) -> Decimal:
        if self.scale_max is not None:
            return self.scale_max
        found = self.totals() if self.kind == "stacked" else [v for row in self.values for v in row if v is not None]
        return max(found, default=Decimal(0))


def _n(x: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros, never '-0'."""
    text = f"{round(x, 1):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _scaled(value: Decimal, top: Decimal, length: float) -> float:
    if top <= 0 or value <= 0:
        return 0.0
    return float(min(value, top) / top) * length


def svg(chart: Chart, dom_id: str) -> Markup:
    """The chart as inline SVG; empty markup when it has no data."""
    if chart.empty:
        return Markup("")
    draw = {"bars": _bars, "stacked": _stacked, "line": _line}[chart.kind]
    height, body = draw(chart)
    tid, did = f"{dom_id}-title", f"{dom_id}-desc"
    desc = chart.note or f"图中数字见下方的表格“{chart.title}”。"
    head = (
        f'<svg class="chart chart-{chart.kind}" id="{escape(dom_id)}" role="img" aria-labelledby="{escape(tid)} {escape(did)}" '
        f'viewBox="0 0 {WIDTH} {_n(height)}" width="{WIDTH}" height="{_n(height)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}" fill="{INK}">'
        f'<title id="{escape(tid)}">{escape(chart.title)}</title><desc id="{escape(did)}">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _dash(j: int) -> str:
    dash = DASHES[j % len(DASHES)]
    return f' stroke-dasharray="{dash}"' if dash else ""


def _text(x: float, y: float, content: str, anchor: str = "start", cls: str = "", fill: str | None = None) -> str:
    attrs = f' x="{_n(x)}" y="{_n(y)}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if cls:
        attrs += f' class="{cls}"'
    if fill:
        attrs += f' fill="{fill}"'
    return f"<text{attrs}>{escape(content)}</text>"


def _legend(chart: Chart, y: float) -> tuple[float, list[str]]:
    """A legend row (wrapping) when there is more than one series; returns the height used."""
    if len(chart.series) < 2:
        return 0.0, []
    parts, x, row = [], 0.0, 0
    for j, name in enumerate(chart.series):
        width = 22 + FONT * len(name) + 14
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        top = y + row * (FONT + 8)
        colour = PALETTE[j % len(PALETTE)]
        if chart.kind == "line":
            parts.append(
                f'<line class="legend-key series-{j}" x1="{_n(x)}" y1="{_n(top + FONT / 2 + 2)}" x2="{_n(x + FONT)}" y2="{_n(top + FONT / 2 + 2)}" '
                f'stroke="{colour}" stroke-width="3"{_dash(j)}/>'
            )
        else:
            parts.append(
                f'<rect class="legend-key series-{j}" x="{_n(x)}" y="{_n(top + 2)}" width="{FONT}" height="{FONT}" fill="{colour}"/>'
            )
        parts.append(_text(x + 22, top + FONT, name))
        x += width
    return (row + 1) * (FONT + 8) + 6, parts


def _bars(chart: Chart) -> tuple[float, list[str]]:
    top = chart.top()
    value_room = 78
    length = WIDTH - value_room
    y, out = _legend(chart, 0)
    for i, category in enumerate(chart.categories):
        out.append(_text(0, y + FONT, category, cls="category"))
        y += FONT + 6
        for j, value in enumerate(chart.values[i]):
            w = 0.0 if value is None else _scaled(value, top, length)
            colour = PALETTE[j % len(PALETTE)]
            if value is not None:
                out.append(
                    f'<rect class="bar series-{j}" x="0" y="{_n(y)}" width="{_n(w)}" height="18" fill="{colour}"/>'
                )
            out.append(_text(w + 4, y + 15, chart.text(value), cls="value"))
            y += 22
        y += 8
    return y, out


def _stacked(chart: Chart) -> tuple[float, list[str]]:
    top = chart.top()
    value_room = 90
    length = WIDTH - value_room
    y, out = _legend(chart, 0)
    totals = chart.totals()
    for i, category in enumerate(chart.categories):
        out.append(_text(0, y + FONT, category, cls="category"))
        y += FONT + 6
        x = 0.0
        for j, value in enumerate(chart.values[i]):
            if not value:
                continue
            w = _scaled(value, top, length)
            colour = PALETTE[j % len(PALETTE)]
            out.append(
                f'<rect class="bar series-{j}" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="22" fill="{colour}" '
                f'stroke="#fff" stroke-width="1"/>'
            )
            label = chart.text(value, with_unit=False)
            if w >= 10 * len(label) + 8:  # the number fits inside its segment
                out.append(_text(x + w / 2, y + 17, label, anchor="middle", cls="segment", fill="#fff"))
            x += w
        out.append(_text(x + 4, y + 17, "共 " + chart.text(totals[i]), cls="value"))
        y += 32
    return y, out


def _line(chart: Chart) -> tuple[float, list[str]]:
    top = chart.top()
    legend_h, out = _legend(chart, 0)
    left, right, plot_top, plot_h = 38.0, 8.0, legend_h + 26, 150.0
    inset = 26.0  # room for a centred category label at either end
    width = WIDTH - left - right - 2 * inset
    n = len(chart.categories)
    step = width / (n - 1) if n > 1 else 0.0

    def xpos(i: int) -> float:
        return left + inset + (i * step if n > 1 else width / 2)

    def ypos(value: Decimal) -> float:
        return plot_top + plot_h - _scaled(value, top, plot_h)

    ticks = 5
    for k in range(ticks + 1):
        level = top * k / ticks
        y = ypos(level) if top > 0 else plot_top + plot_h
        out.append(
            f'<line class="grid" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(WIDTH - right)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 4, y + 5, chart.tick(level), anchor="end", cls="tick"))
    out.append(
        f'<line class="axis" x1="{_n(left)}" y1="{_n(plot_top + plot_h)}" x2="{_n(WIDTH - right)}" y2="{_n(plot_top + plot_h)}" stroke="{AXIS}" stroke-width="1.5"/>'
    )

    labels = chart.short or chart.categories
    every = max(1, -(-n * 60 // int(width)))  # leave room for a label about 60 units wide
    base = plot_top + plot_h + FONT + 6
    for i, label in enumerate(labels):
        if i % every and i != n - 1:
            continue
        lines = label.split("\n")
        tspans = "".join(
            f'<tspan x="{_n(xpos(i))}" dy="{0 if k == 0 else FONT + 2}">{escape(part)}</tspan>'
            for k, part in enumerate(lines)
        )
        out.append(f'<text class="category" x="{_n(xpos(i))}" y="{_n(base)}" text-anchor="middle">{tspans}</text>')

    single = len(chart.series) == 1
    for j, name in enumerate(chart.series):
        colour = PALETTE[j % len(PALETTE)]
        path, pen_down = [], False
        for i in range(n):
            value = chart.values[i][j]
            if value is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{_n(xpos(i))} {_n(ypos(value))}")
            pen_down = True
        if path:
            out.append(
                f'<path class="line series-{j}" d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="3"{_dash(j)}/>'
            )
        for i in range(n):
            value = chart.values[i][j]
            if value is None:
                continue
            x, y = xpos(i), ypos(value)
            what = f"{chart.categories[i]} {name}：{chart.text(value)}"
            out.append(
                f'<circle class="point series-{j}" cx="{_n(x)}" cy="{_n(y)}" r="4.5" fill="{colour}"><title>{escape(what)}</title></circle>'
            )
            if single:
                out.append(_text(x, y - 9, chart.text(value, with_unit=False), anchor="middle", cls="value"))
    lines_below = max((len(label.split("\n")) for label in labels), default=1)
    return base + (lines_below - 1) * (FONT + 2) + 8, out


# --- the site's charts --------------------------------------------------------------------------


def score_history(site: Site, d: Derived, company_id: str) -> Chart:
    """A company's half-year totals, one line per district that evaluated it."""
    rows = d.period_rows_by_company.get(company_id, ())
    periods = sorted({period for _, period, _ in rows}, key=lambda p: p.key)
    districts = [k for k in site.districts if any(dist == k for dist, _, _ in rows)]
    total = {(dist, period.key): row.total for dist, period, row in rows}
    max_total = sum((p.max for p in site.info.evaluation.parts), Decimal(0))
    return Chart(
        kind="line",
        title=f"{site.companies[company_id].name}历次半年考评总分",
        category_label="考评期",
        categories=tuple(p.label for p in periods),
        series=tuple(site.districts[k].name for k in districts),
        values=tuple(tuple(total.get((k, p.key)) for k in districts) for p in periods),
        number="score",
        unit="分",
        scale_max=max_total,
        short=tuple(f"{p.year}\n{'上' if p.half == 1 else '下'}半年" for p in periods),
        note=f"纵轴为半年总分（满分 {plain(max_total)} 分），横轴为考评期；图中数字见下方的表格。",
    )


def fee_rates(site: Site, d: Derived, community_id: str) -> Chart:
    """The fee-collection rate of each compound of a community in the latest year any compound reports."""
    year = d.latest_fee_year
    ids = d.compounds_by_community.get(community_id, ())
    rates = {cid: dict(site.compounds[cid].fee_collection).get(year) for cid in ids} if year is not None else {}
    ordered = sorted(rates, key=lambda cid: (rates[cid] is None, -(rates[cid] or 0), cid))
    return Chart(
        kind="bars",
        title=f"{site.communities[community_id].name}各小区 {year} 年物业费收缴率",
        category_label="小区",
        categories=tuple(site.compounds[cid].name for cid in ordered),
        series=("物业费收缴率",),
        values=tuple((rates[cid],) for cid in ordered),
        number="pct",
        scale_max=Decimal(1),
        note=f"按收缴率从高到低排列，满格为 100%；“无数据”表示该小区没有报送 {year} 年的收缴率。",
    )


def types_by_street(site: Site, d: Derived, district_id: str) -> Chart:
    """How many compounds of each type (三型三管) each street of a district has."""
    streets = site.districts[district_id].streets
    types = tuple(COMPOUND_TYPES)
    return Chart(
        kind="stacked",
        title=f"{site.districts[district_id].name}各街道小区类型",
        category_label="街道",
        categories=tuple(s.name for s in streets),
        series=tuple(
            f"{COMPOUND_TYPE_MODES[t]}（{COMPOUND_TYPES[t]}）"
            if COMPOUND_TYPE_MODES[t] not in COMPOUND_TYPES[t]
            else COMPOUND_TYPES[t]
            for t in types
        ),
        values=tuple(tuple(Decimal(d.figures_street[s.id].by_type.get(t, 0)) for t in types) for s in streets),
        number="count",
        unit="个",
        note="每条横条是一个街道的小区总数，按管理方式分段；图中数字见下方的表格。",
    )


def table_rows(chart: Chart) -> Iterable[tuple[str, tuple[str, ...]]]:
    """(category, the values written out) for the text alternative."""
    for category, row in zip(chart.categories, chart.values):
        yield category, tuple(chart.text(v) for v in row)
