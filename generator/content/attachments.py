"""What an attachment says, and what it carries besides: read before it is published.

A PDF, scan or photo is published as it is, so the privacy rules of the text gate
(`domain.privacy`: ID-card numbers with their check digit, mobile numbers, Luhn-valid bank cards,
`pii_allow`) are applied to what it shows, and the metadata a reader never sees (EXIF GPS,
camera and artist, XMP, PDF Author/Creator/Producer) is removed from the bytes that go out.

- `inspect(data, ext)` reads one file: the text layer of every PDF page (pypdfium2: PDFium, the
  engine of Chromium's PDF viewer, so what it reads is what a reader's browser shows), the form
  field values and annotation texts (pypdf), and through OCR (RapidOCR on onnxruntime, offline,
  its models ship in the wheel) every page that holds an image or has no text at all, rasterised
  by PDFium, and every PNG/JPEG/WebP image (EXIF orientation applied first). It returns a
  plain, JSON-ready `Reading` (the text of each page and how it was read, the digest of the
  stripped bytes, or why the file cannot be read), which the engine caches by the file's content
  digest (`engine.attachscan`): rules and `pii_allow` apply to the cached text at every build.
- `strip(data, ext)` returns the bytes to publish, without hidden metadata, without re-encoding:
  JPEG segments APP1 (EXIF, XMP), APP13 (Photoshop/IPTC) and COM dropped — an Orientation other
  than 1 is kept as a minimal EXIF of that one tag, so a rotated photo still displays right;
  PNG chunks eXIf, tEXt, zTXt, iTXt and tIME dropped; WebP chunks EXIF and XMP dropped (the VP8X
  flags and the RIFF size fixed); a PDF rewritten by pypdf with its streams as they are, without
  the Info dictionary (all of it: Title, Author, Creator, Producer, Subject, Keywords, dates),
  without any XMP `/Metadata` stream or `/PieceInfo`, and without objects nothing refers to
  (earlier revisions of an incrementally saved file, where a deleted number may survive).
- `references(loaded)` and `report(...)` turn readings into content problems at the notice that
  lists the attachment (`path:line:col: error:`), naming the file, the page, how it was read and
  the kind of number, masked.

Limits (docs/limits.md): `MAX_PDF_PAGES`, `MAX_OCR_PAGES`, `MAX_IMAGE_PIXELS`, `MAX_FRAMES`,
`MAX_PAGE_CHARS`; the time per file is the engine's (`engine.attachscan.MAX_SECONDS`).
"""

from __future__ import annotations

import io
import struct
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain import privacy
from .errors import Loc, Problems

# Bump when what `inspect` reads or `strip` writes changes: cached readings of older versions are
# then ignored and every attachment is read again.
VERSION = 1

MAX_PDF_PAGES = 300  # pages of one PDF whose text layer is read
MAX_OCR_PAGES = 40  # pages of one PDF that need OCR (scanned); more: split the file
MAX_IMAGE_PIXELS = 40_000_000  # width × height of one image (or a frame), checked before decoding
MAX_FRAMES = 10  # frames of an animated PNG/WebP, each read by OCR
MAX_PAGE_CHARS = 1_000_000  # characters of one page's text layer
OCR_LONG_SIDE = 1754  # a page is rasterised so its long side has this many pixels (A4 at 150 dpi)
# An image smaller than this cannot show an 11-digit number legibly: no OCR (a 1-pixel spacer).
OCR_MIN_WIDTH, OCR_MIN_HEIGHT = 48, 12

OCR_PACKAGE = "rapidocr-onnxruntime>=1.4,<2"
INSTALL_OCR = f"pip install '{OCR_PACKAGE}'"

TEXT_LAYER = "文字层"
OCR = "图像识别"
FORM = "表单、书签和批注"


@dataclass(frozen=True)
class Reading:
    """What one attachment says: `pages` are (page number, how it was read, text) — page 0 is the
    document's form fields and annotations —; `stripped` the digest of `strip(data)`; `problem`
    why the file could not be read (then it is not published)."""

    pages: tuple[tuple[int, str, str], ...] = ()
    stripped: str = ""
    problem: str | None = None

    def as_json(self) -> dict:
        return {
            "v": VERSION,
            "pages": [list(p) for p in self.pages],
            "stripped": self.stripped,
            "problem": self.problem,
        }

    @classmethod
    def from_json(cls, data: Any) -> Reading | None:
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        try:
            pages = tuple((int(n), str(how), str(text)) for n, how, text in data["pages"])
            return cls(
                pages, str(data["stripped"]), data["problem"] if data["problem"] is None else str(data["problem"])
            )
        except (KeyError, TypeError, ValueError):
            return None


class Unreadable(Exception):
    """The file cannot be read (damaged, encrypted, over a limit): its message is the reason, in
    Chinese, for the editor."""


OCR_MISSING = "需要识别图片中的文字，但 OCR 组件没有安装或无法加载"


class OcrMissing(Unreadable):
    """OCR is needed and cannot be loaded: the message says how to install it (and, when the
    package is there but a library it needs is not, such as OpenCV's libGL, what failed)."""

    def __init__(self, reason: str = "") -> None:
        detail = f"（{reason[:160]}）" if reason else ""
        super().__init__(f"{OCR_MISSING}{detail}；请运行 {INSTALL_OCR}")


# --- reading --------------------------------------------------------------------------------------------


def inspect(data: bytes, ext: str, digest: Callable[[bytes], str]) -> Reading:
    """Read one attachment (see the module). Never raises for a bad file: its `problem` says why."""
    try:
        if ext == "pdf":
            pages = _read_pdf(data)
        else:
            pages = _read_image(data, ext)
        stripped = digest(strip(data, ext))
    except Unreadable as exc:
        return Reading(problem=str(exc))
    return Reading(tuple(pages), stripped)


def _read_pdf(data: bytes) -> list[tuple[int, str, str]]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise Unreadable("这是加密的 PDF，无法读取内容；请导出一份不加密的 PDF") from None
        raise Unreadable("无法打开这个 PDF（文件损坏或不是有效的 PDF）") from None
    pages: list[tuple[int, str, str]] = []
    try:
        count = len(doc)
        if count > MAX_PDF_PAGES:
            raise Unreadable(f"共 {count} 页，超过上限 {MAX_PDF_PAGES} 页；请拆分成几个文件")
        scanned = []
        for index in range(count):
            page = doc[index]
            try:
                textpage = page.get_textpage()
                try:
                    chars = textpage.count_chars()
                    if chars > MAX_PAGE_CHARS:
                        raise Unreadable(f"第 {index + 1} 页的文字超过 {MAX_PAGE_CHARS} 个字符")
                    text = textpage.get_text_range() if chars else ""
                finally:
                    textpage.close()
                if text.strip():
                    pages.append((index + 1, TEXT_LAYER, text))
                kinds = {obj.type for obj in page.get_objects(max_depth=4)}
                # A page that shows an image, or something but no text (text drawn as outlines, a
                # form's appearance), is read by OCR too; a page with nothing on it is not.
                if raw.FPDF_PAGEOBJ_IMAGE in kinds or (kinds and not text.strip()) or _has_widgets(page):
                    scanned.append(index)
            finally:
                page.close()
        if len(scanned) > MAX_OCR_PAGES:
            raise Unreadable(
                f"共 {len(scanned)} 页需要识别图像（扫描页），超过上限 {MAX_OCR_PAGES} 页；请拆分成几个文件"
            )
        for index in scanned:
            page = doc[index]
            try:
                width, height = page.get_size()
                scale = OCR_LONG_SIDE / max(width, height, 1)
                if width * height * scale * scale > MAX_IMAGE_PIXELS:
                    raise Unreadable(f"第 {index + 1} 页过大")
                image = page.render(scale=scale, may_draw_forms=True).to_pil()
            finally:
                page.close()
            text = ocr_text(image)
            if text:
                pages.append((index + 1, OCR, text))
    finally:
        doc.close()
    pages.sort(key=lambda p: (p[0], p[1] != TEXT_LAYER))
    extra = _pdf_forms_and_notes(data)
    if extra:
        pages.insert(0, (0, FORM, extra))
    return pages


def _has_widgets(page) -> bool:
    import pypdfium2.raw as raw

    return bool(raw.FPDFPage_GetAnnotCount(page.raw))


def _pdf_reader(data: bytes):
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Unreadable("这是加密的 PDF，无法读取内容；请导出一份不加密的 PDF")
        return reader
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 - any failure of the parser means a file it cannot read
        raise Unreadable("无法打开这个 PDF（文件损坏或不是有效的 PDF）") from None


def _pdf_forms_and_notes(data: bytes) -> str:
    """The values of the form fields and the texts of the annotations (comments, sticky notes):
    not in a page's text layer, but shown to a reader."""
    reader = _pdf_reader(data)
    texts = []
    try:
        names = reader.trailer["/Root"].get("/Names")
        if names is not None and "/EmbeddedFiles" in names.get_object():
            raise Unreadable("PDF 里嵌入了其他文件，无法检查；请导出不含嵌入文件的 PDF")
        texts.extend(_outline_titles(reader.outline))
        for field in (reader.get_fields() or {}).values():
            value = field.get("/V")
            if isinstance(value, str) and value.strip():
                texts.append(value)
        for page in reader.pages[:MAX_PDF_PAGES]:
            for annot in page.get("/Annots") or ():
                annot = annot.get_object()
                for key in ("/Contents", "/RC", "/T"):
                    value = annot.get(key)
                    if isinstance(value, str) and value.strip():
                        texts.append(value)
    except Unreadable:
        raise
    except Exception:  # noqa: BLE001 - see _pdf_reader
        raise Unreadable("无法读取这个 PDF 的表单、书签和批注（文件损坏）") from None
    return "\n".join(texts)


def _outline_titles(outline, depth: int = 0) -> list[str]:
    """The titles of the bookmarks (a reader's sidebar shows them)."""
    titles: list[str] = []
    if depth > 32:
        return titles
    for item in outline:
        if isinstance(item, list):
            titles.extend(_outline_titles(item, depth + 1))
        else:
            title = getattr(item, "title", None)
            if isinstance(title, str) and title.strip():
                titles.append(title)
    return titles


def _read_image(data: bytes, ext: str) -> list[tuple[int, str, str]]:
    from PIL import Image, ImageOps

    image = _open_image(data, ext)
    pages = []
    frames = getattr(image, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise Unreadable(f"这是 {frames} 帧的动画，超过上限 {MAX_FRAMES} 帧")
    for frame in range(frames):
        try:
            image.seek(frame)
            shown = ImageOps.exif_transpose(image.convert("RGB") if frame else image)
            text = ocr_text(shown if shown is not None else image)
        except Unreadable:
            raise
        except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
            raise Unreadable("无法解码这张图片（文件损坏）") from None
        if text:
            pages.append((frame + 1, OCR, text))
    return pages


def _open_image(data: bytes, ext: str):
    from PIL import Image

    formats = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[formats[ext]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            image = None
        except (OSError, ValueError, SyntaxError):
            raise Unreadable("无法打开这张图片（文件损坏或格式与扩展名不符）") from None
    if image is None:
        raise Unreadable(f"图片像素超过上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素；请缩小后再放入")
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise Unreadable(
            f"图片为 {width}×{height} 像素，超过上限 {MAX_IMAGE_PIXELS // 1_000_000} 百万像素；请缩小后再放入"
        )
    return image


_engine: Any = None


def ocr_text(image) -> str:
    """The text OCR reads in `image` (a PIL image), one line per row of text: the boxes RapidOCR
    finds are grouped by their vertical centres, so a number split into two boxes on one row
    reads as one (joined by a space, which the privacy scan takes as a separator)."""
    width, height = image.size
    if width < OCR_MIN_WIDTH or height < OCR_MIN_HEIGHT:
        return ""
    import numpy

    engine = _ocr_engine()
    rgb = image.convert("RGB")
    result, _ = engine(numpy.asarray(rgb)[:, :, ::-1])  # RapidOCR takes OpenCV's BGR order
    return _rows(result or [])


def _ocr_engine():
    global _engine
    if _engine is None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrMissing("" if exc.name == "rapidocr_onnxruntime" else str(exc)) from None
        # One thread each: the engine scans attachments on every core, one process per core.
        # Detection with limit type "max": an image is scaled down to a long side of at most
        # 2 000 px (RapidOCR picks 960/1 500/2 000 by the image's size), never up; the default
        # ("min", 736) scaled a wide strip of text up to a short side of 736 px (a 1 254 × 330
        # strip became 2 797 × 736) and was four times slower for the same text read.
        _engine = RapidOCR(det_limit_type="max", intra_op_num_threads=1, inter_op_num_threads=1)
    return _engine


def ocr_available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _rows(result: list) -> str:
    boxes = []
    for box, text, _score in result:
        ys = [point[1] for point in box]
        xs = [point[0] for point in box]
        boxes.append(((min(ys) + max(ys)) / 2, max(max(ys) - min(ys), 1), min(xs), str(text)))
    boxes.sort()
    rows: list[list] = []
    for centre, height, left, text in boxes:
        if rows and abs(rows[-1][0] - centre) < min(rows[-1][1], height) / 2:
            rows[-1][2].append((left, text))
        else:
            rows.append([centre, height, [(left, text)]])
    return "\n".join(" ".join(text for _, text in sorted(row[2])) for row in rows)


# --- stripping ------------------------------------------------------------------------------------------


def strip(data: bytes, ext: str) -> bytes:
    """`data` without its hidden metadata (see the module); raises Unreadable for a file whose
    structure is broken."""
    if ext == "pdf":
        return _strip_pdf(data)
    if ext in ("jpg", "jpeg"):
        return _strip_jpeg(data)
    if ext == "png":
        return _strip_png(data)
    if ext == "webp":
        return _strip_webp(data)
    raise ValueError(f"not an attachment type: {ext}")


def _strip_pdf(data: bytes) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject

    reader = _pdf_reader(data)
    try:
        writer = PdfWriter(clone_from=reader)
        writer._info = None  # the Info dictionary: Author, Creator, Producer, Title, dates
        for obj in writer._objects:
            if isinstance(obj, DictionaryObject):
                for key in ("/Metadata", "/PieceInfo"):
                    if key in obj:
                        del obj[key]
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        writer.pdf_header = reader.pdf_header
        out = io.BytesIO()
        writer.write(out)
    except Exception:  # noqa: BLE001 - see _pdf_reader
        raise Unreadable("无法重写这个 PDF 以去掉作者等元数据（文件损坏）") from None
    return out.getvalue()


# What a JPEG keeps before its image data: JFIF (APP0, not its JFXX thumbnail extension), an ICC
# colour profile (APP2), Adobe's colour transform (APP14), and the segments that define the
# image. Every other APPn (EXIF and XMP in APP1, MPF's further pictures in APP2, Photoshop/IPTC in
# APP13, vendors' notes) and comments (COM) are dropped, and so is whatever follows the end of the
# image (a second picture, an appended file).
_JPEG_APP_KEPT = ((0xE0, b"JFIF\x00"), (0xE2, b"ICC_PROFILE\x00"), (0xEE, b"Adobe"))


def _strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise Unreadable("不是有效的 JPEG 文件")
    out = bytearray(b"\xff\xd8")
    i, n = 2, len(data)
    orientation, scans = 1, 0
    while i < n:
        if data[i] != 0xFF or i + 1 >= n:
            raise Unreadable("JPEG 文件结构损坏")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xD9:  # end of image: nothing after it is published
            out += b"\xff\xd9"
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[i : i + 2]
            i += 2
            continue
        if i + 4 > n:
            raise Unreadable("JPEG 文件结构损坏")
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if length < 2 or i + 2 + length > n:
            raise Unreadable("JPEG 文件结构损坏")
        segment = data[i : i + 2 + length]
        i += 2 + length
        if marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            orientation = _exif_orientation(segment[10:]) or orientation
        if 0xE0 <= marker <= 0xEF:
            if any(marker == m and segment[4:].startswith(sig) for m, sig in _JPEG_APP_KEPT):
                out += segment
        elif marker != 0xFE:
            out += segment
        if marker == 0xDA:  # entropy-coded data up to the next marker, copied as it is
            scans += 1
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j == -1 or j + 1 >= n:
                    j = n
                    break
                following = data[j + 1]
                if following == 0 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    j += 1 if following == 0xFF else 2
                    continue
                break
            out += data[i:j]
            i = j
    if not scans:
        raise Unreadable("JPEG 文件不完整（没有图像数据）")
    kept = bytes(out)
    if orientation == 1:
        return kept
    # The orientation alone, as a minimal EXIF right after SOI (and JFIF, if any).
    tiff = (
        b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00" * 4
    )
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 6 + len(tiff)) + b"Exif\x00\x00" + tiff
    at = 2
    if kept[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack(">H", kept[4:6])[0]
    return kept[:at] + app1 + kept[at:]


def _exif_orientation(tiff: bytes) -> int | None:
    """The Orientation (0x0112) of IFD0 of an EXIF block, or None."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    end = "<" if tiff[:2] == b"II" else ">"
    try:
        offset = struct.unpack(end + "I", tiff[4:8])[0]
        count = struct.unpack(end + "H", tiff[offset : offset + 2])[0]
        for n in range(min(count, 512)):
            entry = tiff[offset + 2 + 12 * n : offset + 14 + 12 * n]
            tag, kind = struct.unpack(end + "HH", entry[:4])
            if tag == 0x0112 and kind == 3:
                value = struct.unpack(end + "H", entry[8:10])[0]
                return value if 1 <= value <= 8 else None
    except struct.error:
        return None
    return None


# What a PNG keeps: the critical chunks and those that change how it displays (transparency,
# colour, physical size, APNG animation). Text (tEXt, zTXt, iTXt: author, comments, XMP), eXIf,
# tIME and every private or unknown chunk are dropped.
_PNG_KEPT = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"bKGD",
    b"pHYs", b"cICP", b"mDCV", b"cLLI", b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def _strip_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise Unreadable("不是有效的 PNG 文件")
    out = bytearray(signature)
    i = len(signature)
    while i < len(data):
        if i + 12 > len(data):
            raise Unreadable("PNG 文件结构损坏")
        length = struct.unpack(">I", data[i : i + 4])[0]
        kind = data[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(data):
            raise Unreadable("PNG 文件结构损坏")
        if kind in _PNG_KEPT:
            out += data[i:end]
        i = end
        if kind == b"IEND":
            break
    return bytes(out)


# What a WebP keeps: the image, alpha, animation and colour profile chunks; EXIF, XMP and unknown
# chunks are dropped (and VP8X's EXIF and XMP flags cleared).
_WEBP_KEPT = {b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}


def _strip_webp(data: bytes) -> bytes:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Unreadable("不是有效的 WebP 文件")
    size = struct.unpack("<I", data[4:8])[0]
    body_end = min(len(data), 8 + size)
    chunks = []
    i = 12
    while i + 8 <= body_end:
        kind = data[i : i + 4]
        length = struct.unpack("<I", data[i + 4 : i + 8])[0]
        end = i + 8 + length + (length & 1)
        if i + 8 + length > body_end:
            raise Unreadable("WebP 文件结构损坏")
        if kind in _WEBP_KEPT:
            chunk = bytearray(data[i:end])
            if kind == b"VP8X" and length >= 1:
                chunk[8] &= ~(0x08 | 0x04) & 0xFF  # the EXIF and XMP flags
            chunks.append(bytes(chunk))
        i = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- problems -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    loc: Loc  # the notice's `attachments[i].file`
    field: str


def references(loaded, base: Path, problem: Callable[[Path, str], str | None]) -> dict[str, list[Reference]]:
    """Every attachment a notice lists (drafts and notices still to come included: they are
    checked too) that is a publishable file (`problem(base, name)` is None), with where each is
    listed."""
    refs: dict[str, list[Reference]] = {}
    for record in loaded.of("notice"):
        fields = record.fields or {}
        for i, item in enumerate(fields.get("attachments") or ()):
            name = item.get("file") if isinstance(item, dict) else None
            if not isinstance(name, str) or problem(base, name) is not None:
                continue
            refs.setdefault(name, []).append(
                Reference(record.src.loc(("attachments", i, "file")), f"attachments[{i + 1}].file")
            )
    return refs


def findings(reading: Reading, allow: Iterable[str]) -> list[tuple[int, str, privacy.Finding]]:
    """(page, how it was read, finding) for every number in `reading` that `allow` does not excuse."""
    allow = tuple(allow)
    out = []
    seen = set()  # a number both in a page's text layer and in its OCR is reported once
    for page, how, text in reading.pages:
        visible = privacy.without_invisibles(text)
        for f in privacy.scan(visible, allow):
            key = (page, f.kind, "".join(ch for ch in f.text if ch.isalnum()))
            if key not in seen:
                seen.add(key)
                out.append((page, how, f))
    return out


def report(
    refs: dict[str, list[Reference]], readings: dict[str, Reading], allow: Iterable[str], problems: Problems
) -> None:
    """Each reading's problems and findings, at every notice that lists the file."""
    allow = tuple(allow)
    for name in sorted(refs):
        reading = readings.get(name)
        if reading is None:
            continue
        for ref in refs[name]:
            if reading.problem:
                problems.error(
                    ref.loc,
                    f"附件 attachments/{name}：{reading.problem}；无法检查其中是否有个人信息，不能发布",
                    field=ref.field,
                )
                continue
            for page, how, f in findings(reading, allow):
                where = "的表单、书签或批注中" if page == 0 else f"第 {page} 页（{how}）"
                problems.error(
                    ref.loc,
                    f"附件 attachments/{name} {where}含有{f.kind} {f.masked}，公开的附件不能含有个人信息",
                    field=ref.field,
                    hint="请在原件上遮盖这个号码后重新导出或扫描；如果是公开的服务电话，请把它加入 site.yaml 的 pii_allow",
                )


def check(loaded, problems: Problems, read: Callable[[Path, list[str]], dict[str, Reading]]) -> bool:
    """Read every attachment the notices list (`read(base, names)`: the engine's cached, parallel
    `inspect`) and report what they hold; True when that added an error."""
    from .validate import attachment_problem

    base = loaded.root / "attachments"
    refs = references(loaded, base, attachment_problem)
    if not refs:
        return False
    readings = read(base, sorted(refs))
    site_fields = loaded.site.fields if loaded.site is not None and loaded.site.fields else {}
    allow = site_fields.get("pii_allow") or ()
    errors = len(problems.errors)
    report(refs, readings, [a for a in allow if isinstance(a, str)], problems)
    return len(problems.errors) > errors
