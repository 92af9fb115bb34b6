"""Markdown → safe HTML: the one path every Markdown body takes to a page.

cmark-gfm (GitHub's C implementation of CommonMark, through `cmarkgfm`) renders CommonMark with
exactly two of GitHub's extensions: tables and `~~strikethrough~~` (no autolinks, task lists or
tag filter: what editors type stays what CommonMark says). It replaced markdown-it-py (pure
Python, many times slower: benchmarks/markdown_engines.py) with the same output on the sample
bulletin. Both were chosen over Python-Markdown for bounded cost on hostile input: cmark is
designed to run in linear time and renders without recursion, where Python-Markdown is
quadratic on unclosed brackets and recursed on deeply nested lists. A body whose quotes and
lists nest deeper than `MAX_NESTING` is shown as plain text instead (the sanitiser's time grows
with the square of the depth). Table alignment comes out as `style` and is dropped by the
sanitiser. Raw HTML in a body is kept at this step and then sanitised.

nh3 (an allow-list sanitiser, html5ever underneath) then keeps only harmless elements and
attributes: no script, no event handlers, no iframes, forms, styles, `base` or `meta`, and links
only to http(s), mailto, tel or relative URLs, however the scheme is encoded, cased or split by
tabs and line breaks. Images may only point inside the site (the site loads nothing from third
parties): any URL a browser could read as another host (`//host`, `/\\host`, with tabs or line
breaks inside) is dropped. External links get `rel="noopener noreferrer"`. Headings in a body
are shifted so its highest level becomes h2: the page keeps a single h1 and no level is
skipped.

`visible_text(html)` is the text a reader sees in sanitised HTML (tags dropped, entities decoded),
for checks that must look at what is published rather than at what was typed.

Text fields (titles, names, addresses…) are never Markdown: the templates print them with Jinja's
autoescape, the other half of the one path to a page.

Pure: `load` renders each body as it reads its file (on every core of a big build), and the
edit loop keeps what an unchanged file gave.
"""

from __future__ import annotations

import ctypes
import html as html_lib
import re

import nh3
from cmarkgfm import _cmark, cmark

from ..domain import privacy

MAX_BODY_CHARS = 200_000  # a body longer than this is an error (validate reports it)

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "caption",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
_SCHEMES = {"http", "https", "mailto", "tel"}
_HEADING = re.compile(r"<(/?)h([1-6])(\s|>)")
_URL_NOISE = re.compile(r"[\x00-\x20]")  # browsers drop tabs and line breaks inside URLs
_TAG = re.compile(r"<[^>]*>")
_IMG = re.compile(r"<img(\s[^>]*)?>")
_BARE_LINK = re.compile(
    r'<a((?:\s(?!href=)[a-z]+="[^"]*")*)\srel="noopener noreferrer"((?:\s(?!href=)[a-z]+="[^"]*")*)>'
)


def _local_url(value: str) -> bool:
    """True when a browser resolves `value` to a path on this site (no scheme, no other host)."""
    url = _URL_NOISE.sub("", value).replace("\\", "/").lower()
    if url.startswith("//"):
        return False
    return ":" not in url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src" and not _local_url(value):
        return None  # no third-party (or scheme-smuggled) images
    if tag in ("td", "th") and attr == "align" and value not in ("left", "right", "center"):
        return None
    if attr in ("width", "height", "colspan", "rowspan", "start") and not value.isdigit():
        return None
    return value


def _shift_headings(html: str) -> str:
    """Move every heading by the same amount so the body's highest heading is an h2."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html) if not m.group(1)]
    if not levels:
        return html
    shift = 2 - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{max(2, min(int(m.group(2)) + shift, 6))}{m.group(3)}", html)


_CMARK_OPTIONS = (
    cmark.Options.CMARK_OPT_UNSAFE  # keep raw HTML here: nh3 sanitises it next
    | cmark.Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE  # ~one~ stays text
    | cmark.Options.CMARK_OPT_TABLE_PREFER_STYLE_ATTRIBUTES
)
_CMARK_EXTENSIONS = ["table", "strikethrough"]


class _CmarkMem(ctypes.Structure):  # cmark_mem: the allocator cmark made its results with
    _fields_ = [
        ("calloc", ctypes.c_void_p),
        ("realloc", ctypes.c_void_p),
        ("free", ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
    ]


# cmarkgfm's markdown_to_html_with_extensions never frees the document tree nor the HTML string
# it renders (the whole body's worth, every call; reported as theacodes/cmarkgfm#53, closed
# unfixed, still so in 2025.10.22; tests/test_markup.py measures it). The same calls
# are made here, and both are freed with the library's own cmark_node_free and allocator, which
# its Python binding does not expose but its compiled library does.
_lib, _ffi = _cmark.lib, _cmark.ffi
_so = ctypes.CDLL(_cmark.__file__)
_so.cmark_node_free.argtypes = [ctypes.c_void_p]
_so.cmark_node_free.restype = None
_so.cmark_get_default_mem_allocator.restype = ctypes.POINTER(_CmarkMem)
_cmark_free = _so.cmark_get_default_mem_allocator().contents.free
cmark.core_extensions_ensure_registered()
_EXTENSIONS = [cmark.find_syntax_extension(name) for name in _CMARK_EXTENSIONS]


def _address(pointer) -> int:
    return int(_ffi.cast("uintptr_t", pointer))


def _commonmark(text: str) -> str:
    data = text.encode("utf-8")
    parser = _lib.cmark_parser_new(_CMARK_OPTIONS)
    try:
        for extension in _EXTENSIONS:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        _lib.cmark_parser_feed(parser, data, len(data))
        root = _lib.cmark_parser_finish(parser)
        try:
            html = _lib.cmark_render_html(root, _CMARK_OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return _ffi.string(html).decode("utf-8")
            finally:
                _cmark_free(_address(html))
        finally:
            _so.cmark_node_free(_address(root))
    finally:
        _lib.cmark_parser_free(parser)


def _tidy_images(html: str) -> str:
    """Drop images whose source was refused, and give the rest an alt (empty: decorative)."""

    def fix(m: re.Match[str]) -> str:
        attrs = m.group(1) or ""
        if ' src="' not in attrs:
            return ""
        return m.group(0) if ' alt="' in attrs else f'<img{attrs} alt="">'

    return _IMG.sub(fix, html)


def _unlink_refused(html: str) -> str:
    """A link whose URL was refused keeps its text but loses `rel` (rel without href is invalid)."""
    return _BARE_LINK.sub(lambda m: f"<a{m.group(1)}{m.group(2)}>", html)


def render_markdown(text: str) -> str:
    """Render an editor's Markdown body to sanitised HTML."""
    html = _commonmark(text)
    if _too_deep(html):
        # Shown as typed (escaped), the way markdown-it-py's nesting cap left the excess as text.
        return f"<p>{html_lib.escape(text, quote=False)}</p>\n"
    html = _shift_headings(html)
    return _unlink_refused(
        _tidy_images(
            nh3.clean(
                html,
                tags=_TAGS,
                attributes=_ATTRIBUTES,
                url_schemes=_SCHEMES,
                attribute_filter=_attribute_filter,
                link_rel="noopener noreferrer",
                strip_comments=True,
            )
        )
    )


def numbers_shown(html: str) -> tuple:
    """The possible personal numbers (`privacy.Finding`s, before any allow list) in what a reader
    sees of a body's HTML: its visible text without invisible characters. Found where the body
    is read and rendered (`load`), on every core of a big build, and checked by `validate`."""
    return tuple(privacy.scan(privacy.without_invisibles(visible_text(html))))


MAX_NESTING = 16  # quotes and lists inside each other; real notices use two or three
_CONTAINER = re.compile(r"<(/?)(?:blockquote|ul|ol)[\s>]")


def _too_deep(html: str) -> bool:
    """True when cmark's HTML nests quotes/lists deeper than MAX_NESTING. The sanitiser's HTML
    parser slows down quadratically with depth, and no browser lays out such a page usefully."""
    depth = 0
    for m in _CONTAINER.finditer(html):
        depth += -1 if m.group(1) else 1
        if depth > MAX_NESTING:
            return True
    return False


_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|[0-9]{1,9}[.)])(?:[ \t]|$)")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def nesting_tabs(body: str) -> list[tuple[int, int]]:
    """(line index, column) of each tab that makes a list item a sub-item of the one before:
    CommonMark counts a tab as indentation to the next multiple of four columns, enough to nest
    a `- ` item, while the editor who pressed Tab in a word processor's habit saw a flat list.
    Lines inside fenced code are left alone. One pass; `validate` calls it only for a body
    with a tab in it."""
    found = []
    in_list = blank_before = False
    fence = ""
    for n, line in enumerate(body.split("\n")):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        stripped = line.lstrip(" \t")
        if not stripped:
            blank_before = True
            continue
        indent = line[: len(line) - len(stripped)]
        item = _LIST_ITEM.match(line) is not None
        if item and in_list and "\t" in indent:
            found.append((n, indent.index("\t") + 1))
        if item:
            in_list = True
        elif not indent and (blank_before or stripped.startswith("#")):
            in_list = False
        blank_before = False
    return found


def visible_text(html: str) -> str:
    """The text of sanitised HTML as a reader sees it: tags removed, character references decoded."""
    return html_lib.unescape(_TAG.sub("", html))
