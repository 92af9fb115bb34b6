"""What a notice needs to be printed for the stairwell board: a QR code and a content fingerprint.

`qr_svg(url, label)` is an inline SVG QR code (error correction M, a 4-module quiet zone; no style
attributes, so a strict Content Security Policy allows it) that opens `url`. The symbol comes from
zxing-cpp's encoder (C++, far faster than the pure-Python segno it replaced: see
benchmarks/README.md, "Figures behind the design"); the SVG path is drawn here (see `_path`).

`content_fingerprint(notice)` is the first eight hex digits (upper case) of SHA-256 over the
notice's title, date, end of 公示期 and body as published; the notice page shows it on screen and
on paper, so a resident can tell that a printed notice says what the website says.

On paper the 公示期 is its dates only (the page's countdown, 公示中（还剩 N 天）, is screen-only in
style.css): a poster printed on 26 November would otherwise say 还剩 3 天 for as long as it hangs.
For a back-dated notice both periods are printed, the one counted from its first publication
first (`revisions.notice_publication`).
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections.abc import Callable
from typing import Any, cast

import zxingcpp
from markupsafe import Markup, escape

from ..domain.models import Notice

BORDER = 4  # modules of quiet zone around the symbol, as ISO/IEC 18004 asks
DARK_RUN = re.compile(rb"\x00+")  # zxing-cpp's image: 0x00 is a dark module, 0xff a light one
SPAN = 12  # modules a row is cut into for drawing (even: every QR symbol's width is odd, see _Steps)


def qr_svg(url: str, label: str) -> Markup:
    symbol = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = memoryview(cast(Any, symbol.to_image(scale=1, add_quiet_zones=False)))  # a buffer of pixels
    height, width = cast(tuple[int, int], image.shape)
    size = width + 2 * BORDER
    return Markup(
        f'<svg role="img" aria-label="{escape(label)}" viewBox="0 0 {size} {size}" class="qr">'
        f"<title>{escape(label)}</title>"
        f'<path fill="#fff" d="M0 0h{size}v{size}h-{size}z"/>'
        f'<path stroke="#000" d="{_path(image.tobytes(), width, height)}"/></svg>'
    )


def _path(pixels: bytes, width: int, height: int) -> str:
    """The stroke path of the dark modules: one pen that starts at the top row's left end and goes
    along each row (`h` over dark modules, `m` over light ones), then back to the next row's start.

    Drawing run by run in Python would be most of a QR code's cost. Instead each row is cut into
    pieces of SPAN modules, and a piece's path is looked up by its pixels: the cutting is one C
    call (`operator.itemgetter` of slices), and the pieces of all codes of a build come from
    2**SPAN shapes, each written once. A run cut in two (`h2h3`) draws the same line as `h5`."""
    cut, steps = _drawing(width, height)
    return f"M{BORDER} {BORDER}.5" + "".join(map(steps.__getitem__, cut(pixels)))


@functools.cache  # one per symbol size: QR versions 1-40
def _drawing(width: int, height: int) -> tuple[Callable[[bytes], tuple[bytes, ...]], _Steps]:
    pieces = [
        slice(row + start, row + min(start + SPAN, width))
        for row in range(0, width * height, width)
        for start in range(0, width, SPAN)
    ]
    return operator.itemgetter(*pieces), _Steps(width)


class _Steps(dict):
    """Piece of a row (its pixels) → its path, made on first use. A row's last piece is shorter
    than SPAN (the width is odd, SPAN even), so its length tells it apart: it ends by moving to
    the start of the next row, where any other piece ends at its own right edge."""

    def __init__(self, width: int):
        super().__init__()
        self.width = width

    def __missing__(self, piece: bytes) -> str:
        steps, at = [], 0
        for run in DARK_RUN.finditer(piece):
            if run.start() > at:
                steps.append(f"m{run.start() - at} 0")
            steps.append(f"h{run.end() - run.start()}")
            at = run.end()
        if len(piece) < SPAN:
            steps.append(f"m-{self.width - len(piece) + at} 1")
        elif at < SPAN:
            steps.append(f"m{SPAN - at} 0")
        self[piece] = path = "".join(steps)
        return path


def content_fingerprint(notice: Notice) -> str:
    until = notice.until.isoformat() if notice.until else ""
    text = "\n".join([notice.title, notice.date.isoformat(), until, notice.body_html])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8].upper()
