"""The printed notice's QR code and content fingerprint (units; the browser test decodes the QR
code of every notice of the sample from a rendered image)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from generator.domain.models import Notice
from generator.output.poster import BORDER, content_fingerprint, qr_svg

from sitecheck import inline_code

NOTICE = Notice(
    id="a",
    source="notices/2026/a.md",
    title="福海花园维修资金使用公示",
    date=date(2026, 11, 20),
    category="公示",
    district=None,
    streets=(),
    communities=(),
    compounds=("fuhai",),
    until=date(2026, 12, 1),
    draft=False,
    attachments=(),
    body_html="<p>公示内容如下。</p>\n",
)


def test_fingerprint_is_eight_hex_digits_and_follows_every_part_of_the_content():
    fp = content_fingerprint(NOTICE)
    assert len(fp) == 8 and fp == fp.upper() and int(fp, 16) >= 0
    assert content_fingerprint(replace(NOTICE)) == fp  # same content, same fingerprint
    assert content_fingerprint(replace(NOTICE, category="通知", compounds=())) == fp  # only the content counts
    changed = [
        replace(NOTICE, title="福海花园维修资金使用公示（更正）"),
        replace(NOTICE, date=date(2026, 11, 21)),
        replace(NOTICE, until=date(2026, 12, 2)),
        replace(NOTICE, until=None),
        replace(NOTICE, body_html="<p>公示内容如下：</p>\n"),
    ]
    assert len({content_fingerprint(n) for n in changed} | {fp}) == len(changed) + 1


def test_qr_svg_is_inline_accessible_and_allowed_by_a_strict_csp():
    svg = str(qr_svg("https://example.org/notices/a/", "二维码：打开本公告的网页"))
    assert svg.startswith('<svg role="img" aria-label="二维码：打开本公告的网页"') and "<title>" in svg
    assert "viewBox" in svg and inline_code(svg) == []
    assert "<script" not in svg and "style=" not in svg


def _modules(path: str) -> set[tuple[int, int]]:
    """The modules a stroke path of one-module-wide horizontal lines at y+0.5 covers, read with
    SVG's own rules: M moves to a point, m moves by an offset, h draws a line by an offset."""
    covered, x, y = set(), 0.0, 0.0
    commands = re.findall(r"([Mmh])(-?\d+(?:\.\d+)?)(?: (-?\d+(?:\.\d+)?))?", path)
    assert "".join(c + a + (" " + b if b else "") for c, a, b in commands) == path  # nothing else in it
    for command, a, b in commands:
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            assert float(a) > 0 and y % 1 == 0.5 and x % 1 == 0
            covered |= {(int(x) + i, int(y)) for i in range(int(float(a)))}
            x += float(a)
    return covered


@pytest.mark.parametrize(
    "url",
    [
        "https://a.cn/",
        "https://example.org/notices/n02542/",
        "https://bulletin.example.org/notices/2026/" + "x" * 60 + "/",
        "https://example.org/" + "长" * 120,
    ],
)
def test_qr_svg_draws_exactly_the_dark_modules_of_the_symbol(url):
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = symbol.to_image(scale=1, add_quiet_zones=False)
    pixels, (_height, width) = memoryview(image).tobytes(), memoryview(image).shape
    dark = {(BORDER + i % width, BORDER + i // width) for i, value in enumerate(pixels) if value == 0}
    for _ in range(2):  # the second time from the pieces drawn the first time
        svg = str(qr_svg(url, "二维码"))
        size = width + 2 * BORDER
        assert f'viewBox="0 0 {size} {size}"' in svg
        path = re.search(r'<path stroke="#000" d="([^"]*)"', svg).group(1)
        assert _modules(path) == dark


def test_qr_svg_decodes_to_its_url_when_drawn():
    url = "https://example.org/notices/n02542/"
    path = re.search(r'<path stroke="#000" d="([^"]*)"', str(qr_svg(url, "二维码"))).group(1)
    modules = _modules(path)
    size = max(x for x, _ in modules) + 1 + BORDER
    scale = 8
    picture = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(picture)
    for x, y in modules:
        draw.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], fill=0)
    assert [found.text for found in zxingcpp.read_barcodes(picture)] == [url]
