"""Helpers that look at a built site: its pages, its internal links."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
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
    _VOID = frozenset(
        {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
    )

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


# --- what must never be in a published page ---------------------------------------------------

DANGEROUS_TAGS = {
    "script",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "base",
    "style",
    "svg",
    "math",
    "noscript",
    "template",
    "audio",
    "video",
    "source",
    "track",
    "isindex",
    "xmp",
    "plaintext",
    "noembed",
    "portal",
    "marquee",
    "bgsound",
    "param",
    "keygen",
    "dialog",
    "details",
    "listing",
    "image",
    "animate",
    "set",
    "foreignobject",
}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "longdesc",
    "lowsrc",
    "dynsrc",
    "codebase",
    "xlink:href",
    "srcset",
    "ping",
    "manifest",
    "icon",
    "profile",
    "usemap",
}
SAFE_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:")
HEAD_META = {
    "charset",
    "viewport",
    "description",
    "robots",
    "og:title",
    "og:description",
    "og:url",
    "og:type",
    "og:site_name",
    "og:locale",
    "generator",
    "color-scheme",
    "theme-color",
    "referrer",
    "format-detection",
    "pagefind",
}


def _normalised_url(value: str) -> str:
    """A URL as a browser reads it for scheme detection: control characters and spaces removed."""
    return "".join(c for c in value if ord(c) > 0x20 and c != "\x7f").lower()


# The site's own components, made by templates and never by content (nh3 lets no class, role,
# form element or script through): (tag, attribute, words one of which the attribute must hold).
OUR_COMPONENTS = (
    ("form", "class", {"finder-form", "area-search"}),
    ("button", "class", {"elder-toggle", "more-results", "search-all"}),
    ("svg", "role", {"img"}),
    ("details", "class", {"chart-data", "fields"}),
    ("noscript", "class", {"search-fallback"}),
)
# What a chart or QR code may hold: shapes and text, nothing that links, embeds or scripts.
SVG_TAGS = {
    "svg",
    "g",
    "rect",
    "line",
    "polyline",
    "polygon",
    "path",
    "circle",
    "ellipse",
    "text",
    "tspan",
    "title",
    "desc",
}


def _ours(tag: str, attrs) -> bool:
    values = dict(attrs)
    if tag == "script":  # our scripts are files under /static/, loaded from <head>
        return (values.get("src") or "").startswith("/static/")
    return any(tag == t and set((values.get(a) or "").split()) & words for t, a, words in OUR_COMPONENTS)


class _Inspector(HTMLParser):
    """Components are recognised by shape (never inside a body's `.prose`), but what is inside them
    is still checked: charts are built from content labels by string formatting, so an escaping
    slip there must show up as a stray tag or attribute."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_head = False
        self.in_prose = False
        self.components: list[str] = []  # open components, innermost last
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs, closed=True)

    def handle_endtag(self, tag):
        if tag == "div":
            self.in_prose = False  # sanitised bodies hold no div: the first </div> ends .prose
        if self.components and tag == self.components[-1]:
            self.components.pop()
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.found.append(f"inline script: {data[:60]!r}")

    def handle_comment(self, data):
        if "[if" in data.lower():
            self.found.append(f"conditional comment: {data[:60]}")

    def _allowed_here(self, tag, attrs) -> bool:
        a = dict(attrs)
        if "svg" in self.components:
            return tag in SVG_TAGS
        if self.components and self.components[-1] == "form":
            return (
                (tag == "input" and a.get("type") == "search" and a.get("name") == "q")
                or (tag == "input" and a.get("type") == "hidden" and a.get("name") == "area")
                or (tag == "button" and a.get("type") == "submit")
            )
        return False

    def _check(self, tag, attrs, closed=False):
        a = dict(attrs)
        if tag == "head":
            self.in_head = True
        if tag == "body":
            self.in_head = False
        if tag == "div" and "prose" in (a.get("class") or "").split():
            self.in_prose = True
        if "svg" in self.components and tag not in SVG_TAGS:
            self.found.append(f"<{tag}> inside a chart")
        elif not self.in_prose and _ours(tag, attrs):
            if tag == "script":
                self.in_script = not closed
            elif not closed:
                self.components.append(tag)
        elif tag in DANGEROUS_TAGS and not self._allowed_here(tag, attrs):
            self.found.append(f"<{tag}>")
        elif tag == "script":
            self.in_script = not closed
        if tag == "meta":
            names = {(k, (v or "").lower()) for k, v in attrs}
            keys = {k for k, _ in names}
            kind = next((v for k, v in names if k in ("name", "property")), None)
            if "http-equiv" in keys or not self.in_head or ("charset" not in keys and kind not in HEAD_META):
                self.found.append(f"<meta {attrs}>")
        if tag == "link":
            rel = a.get("rel", "")
            if not self.in_head or rel not in (
                "stylesheet",
                "canonical",
                "icon",
                "alternate",
                "manifest",
                "preload",
                "prev",
                "next",
                "search",
            ):
                self.found.append(f"<link {attrs}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("style", "srcdoc", "http-equiv", "formaction", "is"):
                self.found.append(f"<{tag} {name}={value[:60]!r}>")
            if "svg" in self.components and name in ("href", "xlink:href"):
                self.found.append(f"<{tag} {name}> inside a chart")
            if name in URL_ATTRIBUTES:
                url = _normalised_url(value)
                scheme = _SCHEME.match(url)  # as the URL standard reads it: no %-decoding in a scheme
                if scheme and scheme.group() not in SAFE_SCHEMES:
                    self.found.append(f"<{tag} {name}={value[:60]!r}> (scheme)")
                if (
                    tag in ("img", "script", "link", "source", "video", "audio")
                    and name in ("src", "srcset")
                    and (scheme or url.replace("\\", "/").startswith("//"))
                ):
                    self.found.append(f"<{tag} {name}={value[:60]!r}> (third-party load)")


def unsafe_markup(html: str) -> list[str]:
    """Everything in `html` that could run script, load from elsewhere, or restyle the page."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.found


# --- serving a built site on 127.0.0.1 the way Netlify would ---------------------------------------


def netlify_headers(repo: Path) -> list[tuple[str, dict[str, str]]]:
    """(path pattern, headers) from netlify.toml, in file order."""
    import tomllib

    with open(repo / "netlify.toml", "rb") as fh:
        config = tomllib.load(fh)
    return [(rule["for"], dict(rule.get("values", {}))) for rule in config.get("headers", [])]


def headers_for(rules: list[tuple[str, dict[str, str]]], path: str) -> dict[str, str]:
    """The headers Netlify sends for `path`: every matching rule, later ones winning per name."""
    out: dict[str, str] = {}
    for pattern, values in rules:
        if pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1])):
            out.update(values)
    return out


@contextmanager
def serve(site: Path, rules: list[tuple[str, dict[str, str]]] | None = None) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 (an ephemeral port) with `rules`' headers; yield the base URL.
    A missing path gets /404.html with status 404, as on Netlify."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        def end_headers(self):
            for name, value in headers_for(rules or [], urlsplit(self.path).path).items():
                self.send_header(name, value)
            super().end_headers()

        def send_error(self, code, message=None, explain=None):
            page = site / "404.html"
            if code == 404 and page.is_file():
                body = page.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
            super().send_error(code, message, explain)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def page_urls(site: Path) -> list[str]:
    """The URL path of every HTML page in `site` (directories as `/x/`)."""
    urls = []
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        urls.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return urls


@contextmanager
def serve_in_subprocess(site: Path, with_headers: bool) -> Iterator[str]:
    """`serve()` in a child process, so that a browser driven from this process is not slowed by
    the server competing for the GIL. Yields the base URL; stops the child (by its pid) after."""
    import subprocess
    import sys

    args = [sys.executable, __file__, str(site), "headers" if with_headers else "plain"]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline().strip()
        assert line.startswith("http://127.0.0.1:"), line
        yield line
    finally:
        child.terminate()
        child.wait(timeout=30)
        child.stdout.close()


if __name__ == "__main__":  # python tests/sitecheck.py SITE headers|plain: serve until terminated
    import sys
    import time

    site_dir = Path(sys.argv[1])
    rules = netlify_headers(Path(__file__).resolve().parent.parent) if sys.argv[2] == "headers" else []
    with serve(site_dir, rules) as base:
        print(base, flush=True)
        while True:
            time.sleep(3600)
