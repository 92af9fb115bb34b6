"""What reading attachments costs (issue 18), and which PDF text extractor reads them best.

    python benchmarks/attachments.py [--count 100] [--extract-only]

1. Text extraction compared on generated PDFs (Chinese in the predefined STSong-Light font and
   ASCII, several pages each): pypdf, pdfminer.six and pypdfium2 — seconds for all of them and
   whether every line came out as written.
2. `bulletin build` of the sample content (a subprocess, the real command) without attachments,
   then with `--count` mixed attachments (text PDFs, scanned PDFs, JPEG, PNG, WebP, each with
   text to read, none with a personal number): cold (no cache beside the output), warm (one
   notice edited: every attachment's reading comes from the cache), and with nothing changed.
   Wall and CPU times (the build and all its processes: OCR runs in forked workers) are reported
   as ratios against the build without attachments in the same run, on the same machine (absolute
   seconds depend on the machine and its load; CPU seconds much less on the load).

Results go to benchmarks/attachments.md by hand (what the script prints).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests")]

import attachkit as kit  # noqa: E402

TODAY = "2026-11-27"
LINES = [
    "高新区物业服务企业考评公示 Plan 2026",
    "金色阳光小区维修资金使用明细（第一批）",
    "电梯维修 12.5 万元；屋面防水 8.3 万元",
    "物业服务中心电话 0536-8000001",
    "公示期 2026-11-01 至 2026-11-10，如有异议请与社区联系",
]


def extraction(files: int = 30, pages: int = 5, repeat: int = 1) -> None:
    lines = LINES * repeat
    pdfs = [kit.text_pdf([[f"{line} 第{p + 1}页" for line in lines] for p in range(pages)]) for _ in range(files)]

    def with_pypdf(data: bytes) -> list[str]:
        import pypdf

        return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]

    def with_pdfminer(data: bytes) -> list[str]:
        from pdfminer.high_level import extract_text

        return extract_text(io.BytesIO(data)).split("\x0c")[:pages]

    def with_pdfium(data: bytes) -> list[str]:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(data)
        try:
            return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        finally:
            doc.close()

    print(f"## Text extraction: {files} PDFs of {pages} pages of {len(lines)} lines, Chinese and ASCII\n")
    print("| library | seconds | pages per second | every line as written |")
    print("|---|---|---|---|")
    for name, read in (("pypdf", with_pypdf), ("pdfminer.six", with_pdfminer), ("pypdfium2", with_pdfium)):
        try:
            read(pdfs[0])
        except ImportError:
            print(f"| {name} | not installed | | |")
            continue
        started = time.perf_counter()
        texts = [read(pdf) for pdf in pdfs]
        seconds = time.perf_counter() - started
        right = all(
            all(f"{line} 第{p + 1}页" in " ".join(page.split()) for line in LINES)
            for pages_text in texts
            for p, page in enumerate(pages_text)
        )
        print(f"| {name} | {seconds:.3f} | {files * pages / seconds:.0f} | {'yes' if right else 'no'} |")
    print()


def attachments(count: int) -> dict[str, bytes]:
    """`count` attachments, mixed as a year of notices would have them."""
    out: dict[str, bytes] = {}
    kinds = [
        "text.pdf",
        "text.pdf",
        "text.pdf",
        "text.pdf",
        "scan.pdf",
        "photo.jpg",
        "photo.jpg",
        "table.png",
        "table.png",
        "notice.webp",
    ]
    for i in range(count):
        kind = kinds[i % len(kinds)]
        lines = [f"第{i}号 {line}" for line in LINES]
        if kind == "text.pdf":
            data = kit.text_pdf([lines, lines[::-1], lines])
        elif kind == "scan.pdf":
            data = kit.image_pdf([kit.text_image(lines, size=32, angle=1)])
        elif kind == "photo.jpg":
            data = kit.jpeg(kit.text_image(lines, size=32, angle=-2), quality=60)
        elif kind == "table.png":
            data = kit.png(kit.text_image(lines, size=28))
        else:
            data = kit.webp(kit.text_image(lines, size=28))
        out[f"bench/{i:03d}-{kind}"] = data
    return out


def build(root: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the build and every process it started)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--today", TODAY],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(REPO), BULLETIN_PAGEFIND=""),
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def edit(root: Path) -> None:
    path = root / "content/notices/2026/bench-edit.md"
    stamp = time.time_ns()
    path.write_text(
        f"---\ntitle: 编辑 {stamp}\ndate: 2026-01-02\ncategory: 通知\n---\n正文 {stamp}。\n", encoding="utf-8"
    )


def costs(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain, full = Path(tmp) / "plain", Path(tmp) / "full"
        for root in (plain, full):
            shutil.copytree(REPO / "content", root / "content")
        files = attachments(count)
        for rel, data in files.items():
            path = full / "content/attachments" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        names = sorted(files)
        for n in range(0, len(names), 10):
            items = "\n".join(f"  - {{title: 附件{i}, file: {name}}}" for i, name in enumerate(names[n : n + 10]))
            (full / f"content/notices/2026/bench-{n:03d}.md").write_text(
                f"---\ntitle: 附件公告 {n}\ndate: 2026-01-01\ncategory: 公示\nattachments:\n{items}\n---\n见附件。\n",
                encoding="utf-8",
            )
            (plain / f"content/notices/2026/bench-{n:03d}.md").write_text(
                f"---\ntitle: 附件公告 {n}\ndate: 2026-01-01\ncategory: 公示\n---\n见附件。\n", encoding="utf-8"
            )
        base_cold = build(plain)
        edit(plain)
        base_warm = build(plain)
        base_unchanged = build(plain)
        cold = build(full)
        edit(full)
        warm = build(full)
        unchanged = build(full)
        rows = [
            ("without attachments, cold", base_cold, base_cold),
            ("without attachments, one notice edited", base_warm, base_warm),
            ("without attachments, nothing changed", base_unchanged, base_unchanged),
            (f"with {count} attachments, cold (every one read, OCR included)", cold, base_cold),
            (f"with {count} attachments, one notice edited (readings from the cache)", warm, base_warm),
            (f"with {count} attachments, nothing changed", unchanged, base_unchanged),
        ]
        kinds: dict[str, int] = {}
        for name in names:
            kinds[name.split("-", 1)[1]] = kinds.get(name.split("-", 1)[1], 0) + 1
        print(
            f"## Build cost: the sample content plus {count} attachments ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))})\n"
        )
        print(
            f"{os.cpu_count()} cores. Each ratio is against the same kind of build (cold, one notice edited, nothing changed) without attachments.\n"
        )
        print("| build | wall seconds | ratio | CPU seconds | ratio |")
        print("|---|---|---|---|---|")
        for label, (seconds, cpu), (base_seconds, base_cpu) in rows:
            print(f"| {label} | {seconds:.2f} | {seconds / base_seconds:.2f} x | {cpu:.2f} | {cpu / base_cpu:.2f} x |")
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--extract-only", action="store_true")
    args = parser.parse_args()
    extraction()
    extraction(files=5, repeat=10)  # full pages (50 lines): the per-line cost shows
    if not args.extract_only:
        costs(args.count)


if __name__ == "__main__":
    main()
