"""Markdown bodies are rendered, and whatever HTML an editor pastes is made harmless."""

import pytest

from generator.markup import render_markdown


def test_markdown_features():
    html = render_markdown("## 标题\n\n- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[链接](https://example.org)\n")
    assert "<h3>标题</h3>" in html  # body headings sit below the page's h1/h2
    assert "<li>一</li>" in html and "<table>" in html and "<td>1</td>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<a href="&#106;avascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<svg onload="alert(1)">',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<form action=https://evil.example><input name=q></form>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "<base href=https://evil.example/>",
        "![x](https://tracker.example/pixel.png)",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<object data=x></object><embed src=x>",
    ],
)
def test_attacks_are_neutralised(attack):
    html = render_markdown(attack).lower()
    for bad in ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style=", "<form", "<input",
                "<meta", "<base", "tracker.example", "data:text", "<object", "<embed"):
        assert bad not in html, (attack, html)


def test_relative_image_is_kept():
    assert '<img alt="图" src="/attachments/2025/a.png">' in render_markdown("![图](/attachments/2025/a.png)")
