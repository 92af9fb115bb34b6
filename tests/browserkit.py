"""What the browser tests share: the sample site built once through the CLI, a real HTTP server on
127.0.0.1 that sends the production Content Security Policy (read from netlify.toml), headless
Chromium driven by Playwright, and a watch on every page for console errors and for requests to
any other host.

Chromium is the system's (`apt-get install chromium`), never a browser Playwright downloads;
`BULLETIN_CHROMIUM` overrides its path. Artifacts (screenshots, the printed notice) go to
`test-artifacts/` at the repository root.
"""

from __future__ import annotations

import os
import shutil
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

import pytest

from generator.content.errors import Problems
from generator.content.load import load
from generator.content.validate import validate
from generator.domain.derive import derive
from generator.output.routes import Page, plan

from conftest import REPO, SAMPLE, TODAY, cli

ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
AXE_URL = "/__test__/axe.min.js"  # served by the test server only, so the page's CSP allows it
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def production_headers() -> dict[str, str]:
    """The headers netlify.toml gives every page (including the Content Security Policy)."""
    config = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    for rule in config.get("headers", []):
        if rule["for"] == "/*":
            return dict(rule["values"])
    raise AssertionError("netlify.toml has no headers for /*")


def chromium_path() -> str:
    found = os.environ.get("BULLETIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "Chromium is missing: apt-get install -y chromium fonts-noto-cjk "
            "(or set BULLETIN_CHROMIUM); deselect browser tests with -m 'not browser'"
        )
    return found


def sample_pages() -> list[Page]:
    """Every page the sample bulletin publishes, planned in-process (same stages as the build)."""
    problems = Problems()
    today = date.fromisoformat(TODAY)
    site = validate(load(SAMPLE, "content", problems), problems, today, drafts=False)
    assert site is not None, [p.format() for p in problems.errors]
    return plan(site, derive(site, today)).pages


def one_page_per_kind(pages: list[Page]) -> dict[str, str]:
    """kind → the URL of one page of that kind: the first the plan makes; for notices, the newest
    with a 公示期 (by date, then id: chosen by the notices themselves, not by the order the plan
    happens to make their pages in)."""
    chosen: dict[str, Page] = {}
    for page in pages:
        kind = page.context["page"]["kind"]
        if kind != "notice" and kind not in chosen:
            chosen[kind] = page
    notices = [page for page in pages if page.context["page"]["kind"] == "notice"]
    if notices:
        chosen["notice"] = max(
            notices,
            key=lambda p: (p.context["notice"].until is not None, p.context["notice"].date, p.context["notice"].id),
        )
    return {kind: page.url for kind, page in chosen.items()}


def build_sample(out: Path) -> str:
    """Build the sample bulletin with the real CLI; returns its output (which must show no warning
    about search: these tests need the full-text index)."""
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert "Pagefind" not in run.output, f"search index missing — run `npm ci` first:\n{run.output}"
    assert (out / "pagefind" / "pagefind.js").is_file()
    return run.output


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory) -> Path:
    """The sample bulletin built once per test session (import this fixture where it is used)."""
    out = tmp_path_factory.mktemp("sample") / "site"
    build_sample(out)
    return out


class _Handler(SimpleHTTPRequestHandler):
    headers_to_send: ClassVar[dict[str, str]] = {}

    def end_headers(self):
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def translate_path(self, path):
        if urlsplit(path).path == AXE_URL:
            return str(AXE)
        return super().translate_path(path)

    def log_message(self, *args):  # keep the test output quiet
        pass


@dataclass
class Server:
    root: Path
    base: str
    httpd: ThreadingHTTPServer

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def all_result_urls(page) -> list[str]:
    """Every full-text result the search page has found, after pressing 显示更多结果 until it
    goes (each press waits for the list to grow)."""
    more = page.locator(".more-results")
    while more.is_visible():
        count = page.locator(".result-list li").count()
        more.click()
        page.wait_for_function("(n) => document.querySelectorAll('.result-list li').length > n", arg=count)
    return page.eval_on_selector_all(".result-list li .result-title a", "els => els.map(a => a.getAttribute('href'))")


def serve(root: Path) -> Server:
    handler = type("Handler", (_Handler,), {"headers_to_send": production_headers()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return Server(root, f"http://127.0.0.1:{httpd.server_address[1]}", httpd)


@dataclass
class Watch:
    """Console errors, uncaught exceptions and requests to any host but 127.0.0.1 in one context."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("request", self._request)
        context.on("page", self._page)

    def _page(self, page) -> None:
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"{page.url}: console {msg.type}: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def assert_clean(self) -> None:
        assert self.errors == [], "\n".join(self.errors)
        assert self.foreign == [], "requests to other hosts:\n" + "\n".join(self.foreign)


def run_axe(page, extra_rules: tuple[str, ...] = ("color-contrast-enhanced",)) -> list[dict]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the current page, plus `extra_rules`
    (by default the AAA 7:1 contrast rule the site aims for): the violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(url=AXE_URL)
    violations = []
    for run_only in ({"type": "tag", "values": WCAG_TAGS}, {"type": "rule", "values": list(extra_rules)}):
        if run_only["values"]:
            result = page.evaluate(
                "async (only) => await axe.run(document, {runOnly: only, resultTypes: ['violations']})", run_only
            )
            violations += result["violations"]
    return violations


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, node["target"])) for node in v["nodes"][:5]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)
