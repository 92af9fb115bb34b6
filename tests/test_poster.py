"""The printed notice's QR code and content fingerprint (units; the browser test decodes the QR
code of every notice of the sample from a rendered image)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from generator.models import Notice
from generator.poster import content_fingerprint, qr_svg
from sitecheck import inline_code

NOTICE = Notice(id="a", source="notices/2026/a.md", title="福海花园维修资金使用公示", date=date(2026, 11, 20),
                category="公示", district=None, streets=(), communities=(), compounds=("fuhai",),
                until=date(2026, 12, 1), draft=False, attachments=(), body_html="<p>公示内容如下。</p>\n")


def test_fingerprint_is_eight_hex_digits_and_follows_every_part_of_the_content():
    fp = content_fingerprint(NOTICE)
    assert len(fp) == 8 and fp == fp.upper() and int(fp, 16) >= 0
    assert content_fingerprint(replace(NOTICE)) == fp  # same content, same fingerprint
    assert content_fingerprint(replace(NOTICE, category="通知", compounds=())) == fp  # only the content counts
    changed = [replace(NOTICE, title="福海花园维修资金使用公示（更正）"), replace(NOTICE, date=date(2026, 11, 21)),
               replace(NOTICE, until=date(2026, 12, 2)), replace(NOTICE, until=None),
               replace(NOTICE, body_html="<p>公示内容如下：</p>\n")]
    assert len({content_fingerprint(n) for n in changed} | {fp}) == len(changed) + 1


def test_qr_svg_is_inline_accessible_and_allowed_by_a_strict_csp():
    svg = str(qr_svg("https://example.org/notices/a/", "二维码：打开本公告的网页"))
    assert svg.startswith('<svg role="img" aria-label="二维码：打开本公告的网页"') and "<title>" in svg
    assert "viewBox" in svg and inline_code(svg) == []
    assert "<script" not in svg and "style=" not in svg
