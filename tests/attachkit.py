"""Attachments made on the spot for the tests and benchmarks: text PDFs (hand-written bytes, CJK
text in the predefined Adobe-GB1 font, so no font is embedded), image-only PDFs, and JPEG, PNG
and WebP images with text rendered by Pillow in a CJK font of this machine, carrying EXIF (GPS,
artist, camera), XMP and text chunks as cameras and office tools leave them."""

from __future__ import annotations

import io
import subprocess
import zlib
from functools import cache

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>XMPAUTHOR Wang</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
# A valid PDF of one blank page, exactly as `attachments.strip` publishes it (nothing to OCR,
# nothing to strip): for tests that need some attachment, not its contents.
BLANK_PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<\n/Type /Catalog\n/Pages 2 0 R\n>>\nendobj\n2 0 obj\n<<\n/Type /Pages\n"
    b"/Kids [ 3 0 R ]\n/Count 1\n>>\nendobj\n3 0 obj\n<<\n/Type /Page\n/Parent 2 0 R\n/MediaBox [ 0 0 595 842 ]\n>>\n"
    b"endobj\nxref\n0 4\n0000000000 65535 f \n0000000015 00000 n \n0000000064 00000 n \n0000000123 00000 n \ntrailer\n"
    b"<<\n/Size 4\n/Root 1 0 R\n>>\nstartxref\n196\n%%EOF\n"
)
ARTIST = "ARTIST Zhang San"
AUTHOR = "AUTHOR Li Si"


def _obj(n: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % n + body + b"\nendobj\n"


def _stream(data: bytes, extra: bytes = b"", compress: bool = True) -> bytes:
    if compress:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _text_op(line: str) -> bytes:
    if line.isascii():
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"/F1 12 Tf (" + escaped.encode("latin-1") + b") Tj T*\n"
    return b"/F2 12 Tf <" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*\n"


def text_pdf(pages: list[list[str]], *, author: str | None = AUTHOR, xmp: bool = True, compress: bool = True) -> bytes:
    """A PDF whose pages carry `pages` (lines of text) in a text layer; Chinese lines use the
    predefined STSong-Light font (UniGB-UCS2-H). With an Info dictionary naming `author` and an
    XMP metadata stream, as office tools write them."""
    objects: dict[int, bytes] = {
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [5 0 R] >>",
        5: (
            b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> /FontDescriptor 6 0 R >>"
        ),
        6: (
            b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880]"
            b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>"
        ),
    }
    kids = []
    n = 10
    for lines in pages:
        content = b"BT 50 780 Td 16 TL\n" + b"".join(_text_op(line) for line in lines) + b"ET"
        objects[n] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % (n + 1)
        )
        objects[n + 1] = _stream(content, compress=compress)
        kids.append(b"%d 0 R" % n)
        n += 2
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if xmp:
        objects[7] = _stream(XMP, b" /Type /Metadata /Subtype /XML", compress=False)
        catalog += b" /Metadata 7 0 R"
    objects[1] = catalog + b" >>"
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    trailer_info = b""
    if author is not None:
        objects[8] = b"<< /Author (%s) /Creator (WPS Writer) /Producer (ProducerX 1.0) /Title (Plan) >>" % (
            author.encode("latin-1")
        )
        trailer_info = b" /Info 8 0 R"
    return _assemble(objects, trailer_info)


def _assemble(objects: dict[int, bytes], trailer_extra: bytes) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    size = max(objects) + 1
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += _obj(number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        if number in offsets:
            out += b"%010d 00000 n \n" % offsets[number]
        else:
            out += b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (size, trailer_extra, xref)
    return bytes(out)


@cache
def cjk_font_path() -> str:
    """A Chinese font of this machine (`fc-list :lang=zh`)."""
    listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=True).stdout
    paths = sorted(line.split(":")[0].strip() for line in listed.splitlines() if line.strip())
    regular = [p for p in paths if "Regular" in p and "Sans" in p] or paths
    return regular[0]


def text_image(lines: list[str], *, size: int = 40, width: int = 1240, angle: float = 0.0) -> Image.Image:
    """White paper with `lines` in black, rendered in a CJK font; `angle`: rotated that many
    degrees (a photo taken slightly askew)."""
    font = ImageFont.truetype(cjk_font_path(), size)
    height = 120 + len(lines) * int(size * 1.8)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * int(size * 1.8)), line, fill="black", font=font)
    if angle:
        image = image.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    return image


def _exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x013B] = ARTIST  # Artist
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x0110] = "Phone X"  # Model
    if orientation:
        exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (36.0, 42.0, 30.0), 3: "E", 4: (119.0, 9.0, 40.0)}  # GPSInfo
    return exif


def jpeg(image: Image.Image, *, quality: int = 90, orientation: int | None = None, metadata: bool = True) -> bytes:
    buf = io.BytesIO()
    options: dict = {"quality": quality}
    if metadata:
        options.update(exif=_exif(orientation).tobytes(), comment=b"COMMENT by Zhang San", xmp=XMP)
    image.save(buf, "JPEG", **options)
    return buf.getvalue()


def png(image: Image.Image, *, metadata: bool = True) -> bytes:
    buf = io.BytesIO()
    options: dict = {}
    if metadata:
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", AUTHOR)
        info.add_text("Comment", "zipped text " * 20, zip=True)
        info.add_itxt("XML:com.adobe.xmp", XMP.decode())
        options.update(pnginfo=info, exif=_exif().tobytes())
    image.save(buf, "PNG", **options)
    return buf.getvalue()


def webp(image: Image.Image, *, metadata: bool = True) -> bytes:
    buf = io.BytesIO()
    options: dict = {"quality": 90}
    if metadata:
        options.update(exif=_exif().tobytes(), xmp=XMP)
    image.save(buf, "WEBP", **options)
    return buf.getvalue()


def image_pdf(images: list[Image.Image], *, author: str | None = AUTHOR) -> bytes:
    """A scanned document: every page one image, no text layer."""
    buf = io.BytesIO()
    options: dict = {"resolution": 150.0}
    if author is not None:
        options.update(author=author, creator="Scanner Y", producer="ProducerX", title="Scan")
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:], **options)
    return buf.getvalue()
