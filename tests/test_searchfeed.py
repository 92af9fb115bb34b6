"""The search index fed in memory while pages render is the index Pagefind's CLI makes over the
finished folder: the same pages, with byte-identical fragments (what a search result shows)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from conftest import minimal_files, write_tree
from generator import pipeline
from generator.search import locate_pagefind

PAGEFIND = locate_pagefind(Path(__file__).resolve().parent.parent / "content")


@pytest.mark.skipif(not PAGEFIND.ready, reason="Pagefind is not installed here (npm ci installs it)")
def test_fed_index_matches_the_cli_index(tmp_path, monkeypatch):
    write_tree(tmp_path / "content", minimal_files())
    out = tmp_path / "site"
    pipeline.build(tmp_path / "content", "content", out, date(2026, 11, 27))
    fed = out / "pagefind"
    assert (fed / "pagefind.js").is_file()

    by_cli = tmp_path / "cli"
    shutil.copytree(out, by_cli, ignore=shutil.ignore_patterns("pagefind"))
    subprocess.run([str(PAGEFIND.path), "--site", str(by_cli), "--output-subdir", "pagefind", "--quiet"],
                   check=True, capture_output=True)
    cli = by_cli / "pagefind"

    def entry(folder: Path) -> dict:
        return json.loads((folder / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]

    assert {k: v["page_count"] for k, v in entry(fed).items()} == {k: v["page_count"] for k, v in entry(cli).items()}
    fragments = sorted(p.name for p in (cli / "fragment").iterdir())
    assert fragments and sorted(p.name for p in (fed / "fragment").iterdir()) == fragments
    for name in fragments:
        assert (fed / "fragment" / name).read_bytes() == (cli / "fragment" / name).read_bytes()
