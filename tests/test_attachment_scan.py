"""Attachments carry no personal data (issue 18): what a PDF's text layer, a scanned page, a photo
says is checked with the text gate's rules before it is published, and what the published bytes
carry besides (EXIF GPS and artist, XMP, PDF Author/Creator/Producer) is removed without
re-encoding. Everything made here (attachkit); OCR runs on a handful of small images only."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from generator.content import attachments
from generator.content.attachments import Reading
from generator.content.errors import BuildFailed
from generator.domain.checksums import id_card_valid
from generator.engine import attachscan
from generator.engine.write import digest

import attachkit as kit
from attachkit import ARTIST, AUTHOR, BLANK_PDF
from conftest import TODAY, cli, write_tree


def _valid_id(stem: str = "37070219800101123") -> str:
    return next(stem + c for c in "0123456789X" if id_card_valid(stem + c))


ID = _valid_id()
MOBILE = "13812345678"
CARD = "6222020200112230"  # Luhn-valid
HOTLINE = "400-800-1234"  # in the minimal site's pii_allow
PUBLIC_MOBILE = "139 0000 1111"  # a service mobile the site publishes: added to pii_allow below
OFFICE = "0536-8000001"  # a landline: not personal
NUMBERS = (ID, MOBILE, CARD)
LEAKS = (ARTIST.encode(), AUTHOR.encode(), b"XMPAUTHOR", b"CameraMaker", b"COMMENT by", b"xmpmeta", b"GPS")


def notice(rel: str, files: list[str], title: str = "附件公告") -> dict[str, str]:
    items = "\n".join(f"  - title: 附件{i}\n    file: {json.dumps(f, ensure_ascii=False)}" for i, f in enumerate(files))
    return {rel: f"---\ntitle: {title}\ndate: 2025-08-01\ncategory: 公示\nattachments:\n{items}\n---\n见附件。\n"}


# --- stripping: lossless, nothing hidden left -------------------------------------------------------------


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").tobytes()


def test_a_jpeg_loses_exif_xmp_and_comments_but_not_a_pixel_and_keeps_its_orientation():
    photo = kit.jpeg(kit.text_image(["现场照片"], width=200), orientation=6)
    assert all(leak in photo for leak in (ARTIST.encode(), b"xmpmeta", b"COMMENT by"))
    out = attachments.strip(photo, "jpg")
    assert not any(leak in out for leak in LEAKS)
    assert _pixels(out) == _pixels(photo)  # the image data is copied, not re-encoded
    with Image.open(io.BytesIO(out)) as image:
        exif = image.getexif()
        assert dict(exif) == {0x0112: 6}  # only the orientation: a rotated photo still shows upright
        assert not exif.get_ifd(0x8825)  # no GPS
    upright = attachments.strip(kit.jpeg(kit.text_image(["照片"], width=200), orientation=1), "jpg")
    with Image.open(io.BytesIO(upright)) as image:
        assert not image.getexif()
    assert attachments.strip(out, "jpg") == out


def test_a_jpeg_drops_what_follows_its_end_and_a_broken_one_is_refused():
    photo = kit.jpeg(kit.text_image(["照片"], width=200), metadata=False)
    assert attachments.strip(photo + b"PK\x03\x04 appended archive " + MOBILE.encode(), "jpg") == photo
    with pytest.raises(attachments.Unreadable):
        attachments.strip(photo[:20], "jpg")


def test_png_and_webp_lose_their_text_exif_and_xmp_chunks_losslessly():
    image = kit.text_image(["公示"], width=200)
    for ext, data in (("png", kit.png(image)), ("webp", kit.webp(image))):
        assert ARTIST.encode() in data and b"xmpmeta" in data
        out = attachments.strip(data, ext)
        assert not any(leak in out for leak in LEAKS), ext
        assert _pixels(out) == _pixels(data), ext
        with Image.open(io.BytesIO(out)) as shown:
            assert not shown.getexif() and "xmp" not in shown.info and "Author" not in shown.info
    webp = attachments.strip(kit.webp(image), "webp")
    assert webp[12:16] == b"VP8X" and webp[20] & 0x0C == 0  # EXIF and XMP flags cleared
    assert int.from_bytes(webp[4:8], "little") == len(webp) - 8


def test_a_pdf_loses_its_info_dictionary_and_xmp_and_keeps_its_text():
    pdf = kit.text_pdf([["Plan", "维修方案 第一页"]])
    out = attachments.strip(pdf, "pdf")
    assert not any(leak in out for leak in LEAKS) and b"Producer" not in out and b"WPS" not in out
    reader = pypdf.PdfReader(io.BytesIO(out))
    assert reader.metadata is None and "/Metadata" not in reader.trailer["/Root"]
    assert "维修方案 第一页" in reader.pages[0].extract_text()
    assert attachments.strip(pdf, "pdf") == out  # the same bytes every time (reproducible builds)


def test_an_earlier_revision_of_a_pdf_is_not_published():
    # An incremental update replaces the page's text; the first version (with the number) is
    # still in the file's bytes, unreferenced: stripping leaves it out.
    first = kit.text_pdf([[f"tel {MOBILE}"]], author=None, xmp=False, compress=False)
    assert MOBILE.encode() in first
    offset = len(first)
    content = b"BT 50 780 Td /F1 12 Tf (tel removed) Tj ET"
    update = b"11 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (len(content), content)
    xref = offset + len(update)
    previous = int(re.findall(rb"startxref\n(\d+)", first)[-1])
    update += b"xref\n0 1\n0000000000 65535 f \n11 1\n%010d 00000 n \n" % offset
    update += b"trailer\n<< /Size 12 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (previous, xref)
    pdf = first + update
    reading = attachments.inspect(pdf, "pdf", digest)
    assert attachments.findings(reading, ()) == []  # what a reader sees has no number
    out = attachments.strip(pdf, "pdf")
    assert MOBILE.encode() not in out and b"tel removed" in out


# --- reading: rules, allow list, limits (no OCR) ------------------------------------------------------------


def test_a_text_pdf_is_read_page_by_page_in_chinese_with_the_text_gates_rules():
    pdf = kit.text_pdf(
        [
            ["Plan", f"服务热线 {HOTLINE}", f"物业办公室 {OFFICE}", f"便民服务手机 {PUBLIC_MOBILE}"],
            [f"联系人 张三 手机 {MOBILE}", f"身份证号 {ID}", f"银行卡 {CARD}", "发票号 91370700MA3C12345X"],
        ]
    )
    reading = attachments.inspect(pdf, "pdf", digest)
    assert reading.problem is None and reading.stripped == digest(attachments.strip(pdf, "pdf"))
    found = [(page, how, f.kind, f.masked) for page, how, f in attachments.findings(reading, ["139-0000-1111"])]
    assert found == [
        (2, "文字层", "手机号码", "1381234****"),
        (2, "文字层", "身份证号码", "370702************"),
        (2, "文字层", "银行卡号", "6222********2230"),
    ]
    unlisted = [(page, f.masked) for page, _, f in attachments.findings(reading, ())]
    assert unlisted[0] == (1, "1390000****")  # allowed only by the list (separators ignored)
    assert Reading.from_json(json.loads(json.dumps(reading.as_json()))) == reading


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("broken.pdf", b"%PDF-1.4\n%%EOF\n", "无法打开这个 PDF"),
        ("huge.png", None, "超过上限"),
        ("pages.pdf", kit.text_pdf([["x"]] * (attachments.MAX_PDF_PAGES + 1), author=None), "超过上限"),
        ("truncated.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "无法"),
    ],
)
def test_files_that_cannot_be_read_within_the_limits_are_refused(name, data, said):
    if data is None:  # a PNG header claiming 100 000 × 100 000 pixels: never decoded
        import struct
        import zlib

        ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
        chunk = struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
        data = b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    reading = attachments.inspect(data, name.rsplit(".", 1)[1], digest)
    assert reading.problem and said in reading.problem


def test_an_encrypted_pdf_is_refused():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(BLANK_PDF)))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    reading = attachments.inspect(buf.getvalue(), "pdf", digest)
    assert reading.problem and "加密" in reading.problem


def test_the_bytes_published_must_be_the_bytes_checked(tmp_path):
    scanner = attachscan.Scanner(tmp_path / "site", workers=1)
    checked = kit.text_pdf([["Plan"]])
    (tmp_path / "a.pdf").write_bytes(checked)
    assert scanner.read(tmp_path, ["a.pdf"])["a.pdf"].problem is None
    assert scanner.publish("a.pdf", checked, ()) == attachments.strip(checked, "pdf")
    swapped = kit.text_pdf([[f"tel {MOBILE}"]])  # changed after the check, before the copy
    with pytest.raises(BuildFailed, match="在检查之后被改动"):
        scanner.publish("a.pdf", swapped, ())
    again = attachscan.Scanner(tmp_path / "site", workers=1)  # a new process: from the cache
    assert again.publish("a.pdf", checked, ()) == attachments.strip(checked, "pdf")


# --- through `bulletin build` --------------------------------------------------------------------------------


def _lines(extra: str = "") -> list[str]:
    return [f"报名联系人 张三 {MOBILE}", f"身份证号 {ID}", extra or f"物业办公室 {OFFICE}"]


def test_build_refuses_every_attachment_with_a_number_and_publishes_the_rest_stripped(project, monkeypatch):
    files = {
        # refused: a number in the text layer, in a scan, in rotated and low-quality photos
        "attachments/2025/mingdan.pdf": kit.text_pdf([["Plan"], _lines()]),
        "attachments/2025/saomiao.pdf": kit.image_pdf([kit.text_image(_lines(), angle=1.5)]),
        "attachments/2025/paizhao.jpg": kit.jpeg(kit.text_image(_lines(), angle=-3), quality=30),
        "attachments/2025/biaoge.png": kit.png(kit.text_image([f"退款账户 {CARD}"])),
        "attachments/2025/tongzhi.webp": kit.webp(kit.text_image([f"手机 {MOBILE}"])),
        # published: no personal number (a hotline in pii_allow, a landline), metadata stripped
        "attachments/2025/gongshi.pdf": kit.text_pdf([[f"服务热线 {HOTLINE}", f"便民手机 {PUBLIC_MOBILE}"]]),
        "attachments/2025/xianchang.jpg": kit.jpeg(kit.text_image([f"便民服务手机 {PUBLIC_MOBILE}"]), orientation=6),
        "attachments/2025/shiyitu.png": kit.png(kit.text_image([f"办公室 {OFFICE}"])),
    }
    refused = ["2025/mingdan.pdf", "2025/saomiao.pdf", "2025/paizhao.jpg", "2025/biaoge.png", "2025/tongzhi.webp"]
    published = ["2025/gongshi.pdf", "2025/xianchang.jpg", "2025/shiyitu.png"]
    write_tree(project / "content", {**files, **notice("notices/2025/fujian.md", refused + published)})
    site_yaml = project / "content/site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(
        text.replace('pii_allow: ["400-800-1234"]', 'pii_allow: ["400-800-1234", "139-0000-1111"]'), "utf-8"
    )

    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1, run.output
    assert not (project / "site").exists()  # nothing written
    for number in NUMBERS:
        assert number not in run.output  # masked in every line
    expected = [
        ("2025/mingdan.pdf", "第 2 页（文字层）含有手机号码 1381234****"),
        ("2025/mingdan.pdf", "第 2 页（文字层）含有身份证号码 370702************"),
        ("2025/saomiao.pdf", "第 1 页（图像识别）含有手机号码 1381234****"),
        ("2025/saomiao.pdf", "第 1 页（图像识别）含有身份证号码 370702************"),
        ("2025/paizhao.jpg", "第 1 页（图像识别）含有身份证号码 370702************"),
        ("2025/paizhao.jpg", "第 1 页（图像识别）含有手机号码 1381234****"),
        ("2025/biaoge.png", "第 1 页（图像识别）含有银行卡号 6222********2230"),
        ("2025/tongzhi.webp", "第 1 页（图像识别）含有手机号码 1381234****"),
    ]
    for name, said in expected:
        line = re.escape("content/notices/2025/fujian.md:") + r"\d+:\d+: error: attachments\[\d\]\.file: "
        assert re.search(line + re.escape(f"附件 attachments/{name} {said}"), run.stderr), (name, said, run.stderr)
    assert not any(name in run.stderr for name in published)
    # ... although the photo's public mobile was read (and excused by pii_allow, not missed)
    photo = (project / "content/attachments/2025/xianchang.jpg").read_bytes()
    cached = attachscan.folder_of(project / "site") / f"{digest(photo)}.json"
    assert "13900001111" in "".join(json.loads(cached.read_text(encoding="utf-8"))["pages"][0][2].split())
    assert "pii_allow" in run.stderr

    # `bulletin check` says the same (from the readings cached by the build: no OCR again)
    monkeypatch.setattr(attachments, "ocr_text", _no_ocr)
    checked = cli("check", "--today", TODAY)
    assert checked.exit_code == 1 and checked.stdout.count("附件 attachments/2025/") == len(expected)

    # without the refused ones the site is published, and what it publishes carries nothing
    write_tree(project / "content", notice("notices/2025/fujian.md", published))
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    site = project / "site"
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(number.encode() in data for number in NUMBERS), path
            if path.suffix in (".pdf", ".jpg", ".png"):
                assert not any(leak in data for leak in LEAKS), path
    assert sorted(p.name for p in (site / "attachments/2025").iterdir()) == [
        "gongshi.pdf",
        "shiyitu.png",
        "xianchang.jpg",
    ]
    assert pypdf.PdfReader(site / "attachments/2025/gongshi.pdf").metadata is None
    with Image.open(site / "attachments/2025/xianchang.jpg") as photo:
        assert dict(photo.getexif()) == {0x0112: 6}
    for rel in published:
        source = (project / "content/attachments" / rel).read_bytes()
        assert (site / "attachments" / rel).read_bytes() == attachments.strip(source, rel.rsplit(".", 1)[1])

    # an edit elsewhere rebuilds without reading an attachment again
    (project / "content/notices/2025/other.md").write_text(
        "---\ntitle: 另一条公告\ndate: 2025-08-02\ncategory: 通知\n---\n正文。\n", encoding="utf-8"
    )
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert (site / "notices/other/index.html").is_file()


def _no_ocr(image):
    raise AssertionError("OCR ran although the attachment's reading was cached")


def test_without_ocr_installed_an_image_is_refused_with_the_install_command(project, monkeypatch):
    monkeypatch.setattr(attachments, "_engine", None)
    monkeypatch.setitem(__import__("sys").modules, "rapidocr_onnxruntime", None)  # import fails
    write_tree(
        project / "content",
        {
            "attachments/2025/a.png": kit.png(kit.text_image(["公示"]), metadata=False),
            **notice("notices/2025/a.md", ["2025/a.png"]),
        },
    )
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1 and not (project / "site").exists()
    assert "pip install 'rapidocr-onnxruntime" in run.stderr
    # not remembered as the file's answer: once OCR is there, the same file is read
    assert not list((project / ".bulletin-cache").rglob("*.json")) or all(
        "没有安装" not in p.read_text(encoding="utf-8")
        for p in (project / ".bulletin-cache").rglob("attachments-v*/*.json")
    )


def test_skipping_the_scan_is_for_previews_only_and_every_page_says_so(project):
    write_tree(
        project / "content",
        {"attachments/2025/a.pdf": kit.text_pdf([[f"tel {MOBILE}"]]), **notice("notices/2025/a.md", ["2025/a.pdf"])},
    )
    run = cli("build", "--today", TODAY, "--skip-attachment-scan")
    assert run.exit_code == 2 and "--preview" in run.output and not (project / "site").exists()
    run = cli("build", "--today", TODAY, "--preview", "--skip-attachment-scan")
    assert run.exit_code == 0, run.output
    pages = list((project / "site").rglob("*.html"))
    assert pages and all("本预览的附件未经个人信息检查" in p.read_text(encoding="utf-8") for p in pages)
    published = (project / "site/attachments/2025/a.pdf").read_bytes()
    assert AUTHOR.encode() not in published  # stripped all the same
    # the same content built for publication is checked (the preview's result is not reused)
    run = cli("build", "--today", TODAY, "--preview")
    assert run.exit_code == 1 and "含有手机号码" in run.stderr


def test_the_sample_attachments_pass_and_a_rebuild_reads_none_again(tmp_path, monkeypatch):
    import shutil

    from conftest import SAMPLE

    shutil.copytree(SAMPLE / "attachments", tmp_path / "attachments")
    names = sorted(p.relative_to(tmp_path / "attachments").as_posix() for p in (tmp_path / "attachments").rglob("*.*"))
    scanner = attachscan.Scanner(tmp_path / "site", workers=2, prune=True)
    readings = scanner.read(tmp_path / "attachments", names)
    assert all(r.problem is None and not attachments.findings(r, ()) for r in readings.values())
    assert scanner.inspected == len(names)
    monkeypatch.setattr(attachments, "inspect", lambda *args: pytest.fail("read again"))
    again = attachscan.Scanner(tmp_path / "site", workers=2, prune=True)
    assert again.read(tmp_path / "attachments", names) == readings and again.inspected == 0
    assert len(list(attachscan.folder_of(tmp_path / "site").glob("*.json"))) == len(set(readings.values()))


def test_a_number_in_a_pdf_bookmark_is_found():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(BLANK_PDF)))
    writer.add_outline_item(title=f"联系人 {MOBILE}", page_number=0)
    buf = io.BytesIO()
    writer.write(buf)
    reading = attachments.inspect(buf.getvalue(), "pdf", digest)
    assert [(page, f.kind) for page, _, f in attachments.findings(reading, ())] == [(0, "手机号码")]


def test_limits_are_documented():
    limits = (Path(__file__).resolve().parent.parent / "docs/limits.md").read_text(encoding="utf-8")
    for value in (
        attachments.MAX_PDF_PAGES,
        attachments.MAX_OCR_PAGES,
        attachments.MAX_FRAMES,
        attachscan.MAX_SECONDS,
        attachscan.HARD_SECONDS,
    ):
        assert f"{value}" in limits
    assert f"{attachments.MAX_IMAGE_PIXELS // 1_000_000}" in limits


def test_a_worker_that_dies_on_a_file_fails_the_build_instead_of_hanging(tmp_path, monkeypatch):
    import os

    for name in ("a.pdf", "b.pdf"):
        (tmp_path / name).write_bytes(kit.text_pdf([[name]]))
    monkeypatch.setattr(attachscan, "HARD_SECONDS", 3)
    monkeypatch.setattr(attachments, "inspect", lambda *args: os._exit(1))  # as a native crash would
    with pytest.raises(BuildFailed, match=re.escape("a.pdf 时处理进程超过 3 秒没有结果")):
        attachscan.Scanner(tmp_path / "site", workers=2).read(tmp_path, ["a.pdf", "b.pdf"])


def test_a_file_that_hangs_a_worker_beyond_the_alarm_fails_the_build_in_bounded_time(tmp_path, monkeypatch):
    import signal
    import time

    def hang(*args):  # as native code would: the alarm cannot interrupt it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(600)

    for name in ("a.pdf", "b.pdf", "c.pdf"):
        (tmp_path / name).write_bytes(kit.text_pdf([[name]]))
    monkeypatch.setattr(attachscan, "HARD_SECONDS", 2)
    monkeypatch.setattr(attachments, "inspect", hang)
    with pytest.raises(BuildFailed, match=re.escape("检查附件 a.pdf 时处理进程超过 2 秒没有结果")):
        attachscan.Scanner(tmp_path / "site", workers=2).read(tmp_path, ["a.pdf", "b.pdf", "c.pdf"])
