"""netlify.toml sends the security headers on every public page, and its policy stays strict.

The browser test (test_browser_security.py) serves the built site with exactly these headers and
checks that Chromium reports no violation; this test checks the declared policy itself, so that a
later change cannot loosen it for public pages unnoticed (an admin area may have its own, looser
rule under its own path).
"""

from __future__ import annotations

import pytest

from conftest import REPO
from sitecheck import headers_for, netlify_headers

PUBLIC_PATHS = [
    "/",
    "/notices/",
    "/notices/gongshi/",
    "/static/style.0123456789.css",
    "/attachments/2025/a.pdf",
    "/data/lists/gx/2025.json",
    "/404.html",
]


def policy(path: str) -> dict[str, list[str]]:
    header = headers_for(netlify_headers(REPO), path)["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_every_public_path_gets_the_headers(path):
    headers = headers_for(netlify_headers(REPO), path)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in (
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "same-origin",
    )
    assert headers["X-Frame-Options"] == "DENY"
    permissions = {
        item.split("=")[0].strip(): item.split("=")[1].strip() for item in headers["Permissions-Policy"].split(",")
    }
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert permissions.get(feature) == "()", feature


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_content_security_policy_is_strict(path):
    csp = policy(path)
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] in (["'self'"], ["'none'"])
    assert csp["form-action"] in (["'self'"], ["'none'"])
    for directive, sources in csp.items():
        for source in sources:
            # no inline code, no eval, no other origin, no scheme-wide source (data:, https:, *)
            assert source in ("'self'", "'none'", "'wasm-unsafe-eval'"), (directive, source)
    for directive in ("script-src", "style-src", "img-src"):
        assert csp.get(directive, csp["default-src"]) in (["'self'"], ["'self'", "'wasm-unsafe-eval'"])
    assert "'wasm-unsafe-eval'" not in csp.get("style-src", [])


def test_the_policy_is_the_one_rule_for_all_pages():
    """Only the catch-all rule sets the policy for public pages; any other rule that sets one must be
    confined to an admin path."""
    for pattern, values in netlify_headers(REPO):
        if "Content-Security-Policy" in values and pattern != "/*":
            assert pattern.startswith("/admin"), pattern
