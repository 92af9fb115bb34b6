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


# --- what must never be in a published page ---------------------------------------------------

DANGEROUS_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button",
    "textarea", "select", "option", "base", "style", "svg", "math", "noscript", "template", "audio",
    "video", "source", "track", "isindex", "xmp", "plaintext", "noembed", "portal", "marquee", "bgsound",
    "param", "keygen", "dialog", "details", "listing", "image", "animate", "set", "foreignobject",
}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "poster", "background", "cite", "longdesc", "lowsrc",
    "dynsrc", "codebase", "xlink:href", "srcset", "ping", "manifest", "icon", "profile", "usemap",
}
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
HEAD_META = {"charset", "viewport", "description", "robots", "og:title", "og:description", "og:url", "og:type",
             "og:site_name", "og:locale", "generator", "color-scheme", "theme-color", "referrer",
             "format-detection", "pagefind"}


def _normalised_url(value: str) -> str:
    """A URL as a browser reads it for scheme detection: control characters and spaces removed."""
    return "".join(c for c in value if ord(c) > 0x20 and c != "\x7f").lower()


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_comment(self, data):
        if "[if" in data.lower():
            self.found.append(f"conditional comment: {data[:60]}")

    def _check(self, tag, attrs):
        if tag == "head":
            self.in_head = True
        if tag == "body":
            self.in_head = False
        if tag in DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        if tag == "meta":
            names = {(k, (v or "").lower()) for k, v in attrs}
            keys = {k for k, _ in names}
            kind = next((v for k, v in names if k in ("name", "property")), None)
            if "http-equiv" in keys or not self.in_head or ("charset" not in keys and kind not in HEAD_META):
                self.found.append(f"<meta {attrs}>")
        if tag == "link":
            rel = dict(attrs).get("rel", "")
            if not self.in_head or rel not in ("stylesheet", "canonical", "icon", "alternate", "manifest", "preload"):
                self.found.append(f"<link {attrs}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("style", "srcdoc", "http-equiv", "formaction", "is"):
                self.found.append(f"<{tag} {name}={value[:60]!r}>")
            if name in URL_ATTRIBUTES:
                url = _normalised_url(value)
                head = url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
                if ":" in head and not url.startswith(SAFE_SCHEMES):
                    self.found.append(f"<{tag} {name}={value[:60]!r}> (scheme)")
                if tag in ("img", "script", "link", "source", "video", "audio") and name in ("src", "srcset") \
                        and (":" in head or url.replace("\\", "/").startswith("//")):
                    self.found.append(f"<{tag} {name}={value[:60]!r}> (third-party load)")


def unsafe_markup(html: str) -> list[str]:
    """Everything in `html` that could run script, load from elsewhere, or restyle the page."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.found
