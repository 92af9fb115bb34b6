"""What a notice needs to be printed for the stairwell board: a QR code and a content fingerprint.

`qr_svg(url, label)` is an inline SVG QR code (segno; no style attributes, so a strict Content
Security Policy allows it) that opens `url`. `content_fingerprint(notice)` is the first eight hex
digits (upper case) of SHA-256 over the notice's title, date, end of 公示期 and body as
published; the notice page shows it on screen and on paper, so a resident can tell that a printed
notice says what the website says.
"""

from __future__ import annotations

import hashlib

import segno
from markupsafe import Markup, escape

from .models import Notice


def qr_svg(url: str, label: str) -> Markup:
    code = segno.make(url, error="m", micro=False)
    svg = code.svg_inline(scale=1, border=4, dark="#000", light="#fff", svgclass="qr", lineclass=None,
                          omitsize=True, title=label)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def content_fingerprint(notice: Notice) -> str:
    until = notice.until.isoformat() if notice.until else ""
    text = "\n".join([notice.title, notice.date.isoformat(), until, notice.body_html])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()
