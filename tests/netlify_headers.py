"""netlify.toml's [[headers]] applied the way Netlify applies them, for tests that serve a built
site on 127.0.0.1: every rule whose `for` matches the path contributes its headers, a later rule
overriding an earlier one header by header (Netlify's documented merge for netlify.toml)."""

from __future__ import annotations

import re
import threading
import tomllib
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent


def rules() -> list[dict]:
    return tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8")).get("headers", [])


def _matches(pattern: str, path: str) -> bool:
    """Netlify's `for`: a prefix ending in `/*`, or a `*` inside matching anything (slashes too)."""
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    if "*" in pattern:
        return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), path) is not None
    return path == pattern


def headers_for(path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for rule in rules():
        if _matches(rule["for"], path):
            out.update(rule.get("values", {}))
    return out


class _Handler(SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".yml": "text/yaml",
        ".wasm": "application/wasm",
    }

    def end_headers(self):
        for name, value in headers_for(urlsplit(self.path).path).items():
            if name.lower() != "content-type":
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        pass


def serve(site: Path) -> tuple[ThreadingHTTPServer, str]:
    """Serve `site` on a free port of 127.0.0.1 with netlify.toml's headers; (server, base URL)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(site)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"
