"""What a notice needs to be printed for the stairwell board: a QR code and a content fingerprint.

`qr_svg(url, label)` is an inline SVG QR code (error correction M, a 4-module quiet zone; no style
attributes, so a strict Content Security Policy allows it) that opens `url`. The symbol comes from
zxing-cpp's encoder (C++: 0.2 ms a code where segno, pure Python, took 5 ms, which made QR codes
60 % of a 4,000-notice build); the SVG path is drawn here, one stroke per run of dark modules. `content_fingerprint(notice)` is the first eight hex
digits (upper case) of SHA-256 over the notice's title, date, end of 公示期 and body as
published; the notice page shows it on screen and on paper, so a resident can tell that a printed
notice says what the website says.
"""

from __future__ import annotations

import hashlib

import re

import zxingcpp
from markupsafe import Markup, escape

from .models import Notice


BORDER = 4  # modules of quiet zone around the symbol, as ISO/IEC 18004 asks
DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp's image: 0x00 is a dark module, 0xff a light one


def qr_svg(url: str, label: str) -> Markup:
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    height, width = image.shape
    pixels = image.tobytes()
    strokes = []
    for y in range(height):
        row = pixels[y * width:(y + 1) * width]
        strokes.extend(f"M{BORDER + run.start()} {BORDER + y}.5h{run.end() - run.start()}"
                       for run in DARK_RUN.finditer(row))
    size = width + 2 * BORDER
    return Markup(f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {size} {size}" class="qr">'
                  f"<title>{escape(label)}</title>"
                  f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
                  f'<path stroke="#000" d="{"".join(strokes)}"/></svg>')


def content_fingerprint(notice: Notice) -> str:
    until = notice.until.isoformat() if notice.until else ""
    text = "\n".join([notice.title, notice.date.isoformat(), until, notice.body_html])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()
