"""Markdown bodies are rendered, and whatever HTML an editor pastes is made harmless."""

import subprocess
import sys
from pathlib import Path

import pytest

from generator.content.markup import render_markdown, visible_text

from hostile import MARKDOWN_VECTORS, VECTORS
from sitecheck import unsafe_markup


def test_markdown_features():
    html = render_markdown("## 标题\n\n- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[链接](https://example.org)\n")
    assert "<h2>标题</h2>" in html  # the body's highest heading becomes h2 under the page's h1
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
    html = render_markdown(attack)
    assert unsafe_markup(html) == [], (attack, html)
    # What is left is text at most: a refused link stays visible as the characters typed.
    assert 'href="javascript' not in html.lower() and "tracker.example/pixel" not in html.replace("](", "")


def test_relative_image_is_kept():
    assert '<img src="/attachments/2025/a.png" alt="图">' in render_markdown("![图](/attachments/2025/a.png)")


@pytest.mark.parametrize(
    "source",
    [
        "![x](//evil.example/p.png)",
        "![x](/\\evil.example/p.png)",
        '<img src="/\t/evil.example/x.png">',
        '<img src="/&#x5c;evil.example/x.png">',
        '<img src=" //evil.example/x.png">',
        '<img src="http:evil.example/x">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
    ],
)
def test_images_that_a_browser_would_fetch_from_elsewhere_are_dropped(source):
    html = render_markdown(source)
    assert "<img" not in html or 'src="/%5C' in html, html  # cmark percent-encodes a backslash


def test_images_without_alt_get_an_empty_one():
    assert render_markdown('<img src="/a.png">') == '<img src="/a.png" alt="">\n'  # an HTML block ends its line
    assert render_markdown("![](/a.png)") == '<p><img src="/a.png" alt=""></p>\n'


def test_pathological_markdown_stays_linear():
    # Python-Markdown took ~50 s on 20 000 "[" and overflowed the stack on a deep list; the
    # parser now in use must finish these (the suite's own timeout would catch a regression).
    for text in ("[" * 50_000, "".join("  " * i + "- x\n" for i in range(2000)), "> " * 20_000 + "x", "![" * 20_000):
        assert render_markdown(text)


def test_quotes_and_lists_nested_past_the_limit_are_shown_as_typed():
    from generator.content.markup import MAX_NESTING

    ok = render_markdown("> " * MAX_NESTING + "深")
    assert ok.count("<blockquote>") == MAX_NESTING
    deep = render_markdown("> " * (MAX_NESTING + 1) + "深 <b>x</b>")
    assert "<blockquote>" not in deep and deep.startswith("<p>&gt; &gt;") and "&lt;b&gt;x&lt;/b&gt;" in deep
    assert "<ul>" not in render_markdown("".join("  " * i + "- x\n" for i in range(MAX_NESTING + 1)))
    mixed = "- a\n  > b\n  > - c\n"
    assert "<blockquote>" in render_markdown(mixed) and "<li>" in render_markdown(mixed)


def test_visible_text_decodes_what_a_reader_sees():
    html = render_markdown("电话 138&#49;234<!-- -->5678 与 <b>1</b>3")
    assert "13812345678" in visible_text(html).replace("<b>", "")


@pytest.mark.parametrize("vector", VECTORS + MARKDOWN_VECTORS)
def test_every_vector_of_the_corpus_alone(vector):
    # One at a time: in a shared body an unclosed <svg or <xmp would hide the vectors after it.
    html = render_markdown(vector)
    assert unsafe_markup(html) == [], (vector, html)


def test_rendering_frees_what_cmark_allocates():
    # cmarkgfm's own markdown_to_html_with_extensions leaks the document tree and the HTML string
    # (~20 KB a body: 4,000 bodies were 80 MB); markup frees both. Measured in a fresh process.
    script = """
import sys
from generator.content import markup
def rss():
    with open("/proc/self/status") as fh:
        return int(fh.read().split("VmRSS:")[1].split()[0])
body = "## 通知\\n\\n" + "| 项目 | 金额 |\\n|---|---|\\n" + "| 维修 | 100 |\\n" * 30 + "- 一\\n- 二\\n\\n" + "正文。" * 300
for i in range(200):
    markup.render_markdown(body + str(i))
before = rss()
for i in range(4000):
    markup.render_markdown(body + str(i))
print(rss() - before)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) < 16 * 1024, f"RSS grew by {done.stdout} KiB over 4,000 bodies"
