"""A bulletin whose built site has every page kind, for tests that must visit each kind.

`build_every_kind(root)` builds the sample bulletin (content/) once it exists, else the minimal
bulletin plus 25 notices (a second notices page) and a notice with an image attachment and a
table; `KIND_URLS_MINIMAL` names one page of each kind in the latter.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from conftest import REPO, SAMPLE, TODAY, minimal_files, write_tree

KIND_URLS_MINIMAL = [
    "/",
    "/areas/",
    "/areas/gx/",
    "/areas/gx/xc/",
    "/communities/",
    "/communities/yf/",
    "/compounds/",
    "/compounds/fuhai/",
    "/companies/",
    "/companies/alpha/",
    "/lists/",
    "/lists/gx/2025/",
    "/lists/gx/2025-H1/",
    "/projects/",
    "/projects/guanwang/",
    "/notices/",
    "/notices/page/2/",
    "/notices/gongshi/",
    "/notices/tupian/",
    "/accessibility/",
    "/404.html",
]


def png_pixel() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def every_kind_files() -> dict:
    files: dict = dict(minimal_files())
    for i in range(25):
        files[f"notices/2025/extra-{i}.md"] = (
            f"---\ntitle: 第{i}号通知\ndate: 2025-03-{1 + i:02d}\ncategory: 通知\n---\n正文，**加粗**，[链接](/notices/)。\n"
        )
    files["attachments/2025/photo.png"] = png_pixel()
    files["notices/2025/tupian.md"] = (
        "---\ntitle: 图片公告\ndate: 2025-09-01\ncategory: 活动\nattachments:\n  - {title: 现场照片, file: 2025/photo.png}\n"
        "---\n![现场照片](/attachments/2025/photo.png)\n\n| 项目 | 金额 |\n|---|---|\n| 管网 | 100 |\n"
    )
    return files


def build_here(root: Path) -> None:
    """Run `bulletin build --today TODAY` (the real command) in `root`; fail the test with its
    stderr unless it exits 0."""
    run = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--today", TODAY],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def build_every_kind(root: Path) -> Path:
    """Build into `root/site` (through the real command) and return that folder."""
    if SAMPLE.is_dir():
        shutil.copytree(SAMPLE, root / "content")
    else:
        write_tree(root / "content", every_kind_files())
    build_here(root)
    return root / "site"
