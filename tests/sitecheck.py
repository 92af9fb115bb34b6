"""Helpers that look at a built site: its pages, its internal links."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src") and tag in ("a", "link", "img", "script", "source"):
                self.links.append(value)
            if name == "id":
                self.ids.add(value)


def page_links(html: str) -> tuple[list[str], set[str]]:
    parser = _Links()
    parser.feed(html)
    return parser.links, parser.ids


def target_file(site: Path, url_path: str) -> Path:
    path = unquote(url_path)
    if path.endswith("/"):
        path += "index.html"
    return site / path.lstrip("/")


def broken_links(site: Path) -> list[str]:
    """Every internal link (root-relative or relative) that does not resolve to a file in `site`."""
    broken = []
    pages = sorted(site.rglob("*.html"))
    ids_by_file = {}
    for page in pages:
        links, ids = page_links(page.read_text(encoding="utf-8"))
        ids_by_file[page] = ids
    for page in pages:
        links, _ = page_links(page.read_text(encoding="utf-8"))
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "tel:")):
                continue
            if not parts.path:
                if parts.fragment and parts.fragment not in ids_by_file[page]:
                    broken.append(f"{page.relative_to(site)} -> {link}")
                continue
            base = "/" + str(page.parent.relative_to(site)).replace(".", "") + "/"
            url_path = parts.path if parts.path.startswith("/") else base.replace("//", "/") + parts.path
            target = target_file(site, url_path)
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html":
                ids = ids_by_file.get(target) or page_links(target.read_text(encoding="utf-8"))[1]
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(site)} -> {link} (no #{parts.fragment})")
    return broken


def tree_digest(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class _Inline(HTMLParser):
    """Finds what a `default-src 'self'` Content Security Policy would block or what needs JS."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._in_script = True
            src = names.get("src") or ""
            if not src.startswith("/static/"):
                self.found.append(f"<script> without a /static/ src: {src!r}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"event handler attribute {name} on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append("inline script")


def inline_code(html: str) -> list[str]:
    """Inline scripts, inline styles, event-handler attributes and javascript: URLs in a page."""
    parser = _Inline()
    parser.feed(html)
    return parser.found


class _Indexed(HTMLParser):
    _VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <main data-pagefind-body> when > 0
        self.ignored = 0  # inside a data-pagefind-ignore subtree when > 0
        self.found = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag in self._VOID:
            return
        if self.depth:
            self.depth += 1
            if self.ignored or "data-pagefind-ignore" in names:
                self.ignored += 1
        elif "data-pagefind-body" in names:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if tag in self._VOID or not self.depth:
            return
        self.depth -= 1
        if self.ignored:
            self.ignored -= 1

    def handle_data(self, data):
        if self.depth and not self.ignored:
            self.parts.append(data)


def indexed_text(html: str) -> str | None:
    """The text full-text search indexes on a page (its data-pagefind-body, less the
    data-pagefind-ignore parts), or None when the page is not indexed."""
    parser = _Indexed()
    parser.feed(html)
    return "".join(parser.parts) if parser.found else None


def indexed_pages(site: Path) -> dict[str, str]:
    """URL → indexed text, for every indexed page of a built site."""
    pages = {}
    for path in sorted(site.rglob("*.html")):
        text = indexed_text(path.read_text(encoding="utf-8"))
        if text is not None:
            rel = path.relative_to(site).as_posix()
            pages["/" + rel.removesuffix("index.html")] = text
    return pages
