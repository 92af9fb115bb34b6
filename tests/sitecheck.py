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
