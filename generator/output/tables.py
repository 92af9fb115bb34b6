"""Label every table cell with its column header, so that a phone can show a row as a block.

On a narrow screen (style.css, `max-width: 40em`) a table row becomes a labelled block: each
cell shows its column header in front of it through `td::before { content: attr(data-label) }`,
and nothing needs to scroll sideways, in large text too. `label_cells(html)` adds those
`data-label` attributes to a whole page's HTML: template tables and the tables of Markdown
bodies alike (the renderer calls it once per page), so a theme's own templates get them too.

Contract:
- a column's label is the visible text of the header cell (`th`) of the table's first `thead`
  row that covers the column (a header spanning two columns labels both), whitespace collapsed;
- every `td` and `th` of a later row (`tbody`, `tfoot`, or a row after the `thead`) that starts
  in a labelled column and spans one column gets `data-label="…"`; a cell that spans several
  columns ("暂无数据。" across the table) or already has a `data-label` is left alone; a table
  without a `thead` gets no labels (its cells show no label on a phone). Row spans are not
  followed: a cell after one in a row below may carry its left neighbour's label;
- nested tables are labelled by their own headers.

Safe for hostile bodies: the input is HTML that nh3 serialised (every attribute quoted, `"`
inside values written `&quot;`) or that Jinja autoescaped. The only change is one attribute
added inside an existing `td`/`th` start tag, and its value is the header's decoded text
escaped again with `html.escape(quote=True)`: no tag, no other attribute and no character
outside that quoted value is added, so the sanitiser's guarantees (markup.py) still hold.
Pure and linear in the length of the page; a page without `<table` is returned as it is.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

# A start or end tag of a table element, attributes quoted or not (a theme's hand-written HTML).
_TAG = re.compile(
    r"<(/?)(table|thead|tbody|tfoot|tr|th|td)"
    r"((?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)\s*/?>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<(?:\"[^\"]*\"|'[^']*'|[^'\">])*>")
_BREAK = re.compile(r"<(?:br|/?p|/?div|/?li)[\s/>]", re.IGNORECASE)  # tags that part words
_COLSPAN = re.compile(r"\scolspan\s*=\s*[\"']?\s*([0-9]+)", re.IGNORECASE)
_HAS_LABEL = re.compile(r"\sdata-label\s*=", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
MAX_SPAN = 1000  # browsers clamp colspan at 1000


@dataclass
class _Table:
    labels: list[str] = field(default_factory=list)
    section: str = ""  # thead, tbody or tfoot ("" before any, or rows straight in <table>)
    header_done: bool = False  # the first thead row has been read
    header_row: bool = False  # the current row is that first thead row
    column: int = 0
    open_header: int = -1  # where the text of the header cell being read starts
    open_span: int = 1


def _span(attrs: str) -> int:
    m = _COLSPAN.search(attrs)
    return max(1, min(int(m.group(1)), MAX_SPAN)) if m else 1


def _text(fragment: str) -> str:
    words = _ANY_TAG.sub(lambda m: " " if _BREAK.match(m.group(0)) else "", fragment)
    return _SPACE.sub(" ", html_lib.unescape(words)).strip()


def label_cells(html: str) -> str:
    """`html` with `data-label` on each body cell of every table that has a header row."""
    if "<table" not in html and "<TABLE" not in html:
        return html
    out: list[str] = []
    done = 0
    stack: list[_Table] = []
    for token in _ANY_TAG.finditer(html):  # whole tags, quoted values included: a "<td" inside one is no tag
        m = _TAG.fullmatch(html, token.start(), token.end())
        if m is None:
            continue
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name == "table":
            if closing:
                if stack:
                    stack.pop()
            else:
                stack.append(_Table())
            continue
        if not stack:
            continue
        table = stack[-1]
        if name in ("thead", "tbody", "tfoot"):
            if not closing:
                table.section = name
            elif table.section == "thead":
                table.header_done = True
                table.section = ""
            continue
        if name == "tr":
            if closing:
                if table.header_row:
                    table.header_row, table.header_done = False, True
                continue
            table.column = 0
            table.header_row = table.section == "thead" and not table.header_done
            continue
        # a cell: th or td
        if table.header_row:
            if not closing:
                table.open_header, table.open_span = m.end(), _span(attrs)
            elif table.open_header >= 0:
                label = _text(html[table.open_header : m.start()])
                table.labels.extend([label] * table.open_span)
                table.open_header = -1
            continue
        if closing or table.section == "thead":
            continue
        span = _span(attrs)
        column, table.column = table.column, table.column + span
        if span != 1 or column >= len(table.labels) or not table.labels[column] or _HAS_LABEL.search(attrs):
            continue
        insert_at = m.start(3) + len(attrs)
        out.append(html[done:insert_at])
        out.append(f' data-label="{html_lib.escape(table.labels[column], quote=True)}"')
        done = insert_at
    if not out:
        return html
    out.append(html[done:])
    return "".join(out)
