"""Pagefind's memory per shard, estimated and measured, for a site already built.

    python benchmarks/search_shards.py SITE [BUDGET_MB]

Cuts SITE's pages into shards as `generator.output.search.index_site` does (each part of the
index, as its `part.json` lists its pages, cut by `plan_shards` within BUDGET_MB, default the
build's; a site without parts as one) and runs Pagefind over each shard alone (a temporary tree
of hard links), printing per shard its part, pages, indexed text, estimated peak and the peak RSS
Pagefind reached (`ru_maxrss`). Use it to check `_estimate_mb` still errs high after a change to
the templates or to Pagefind.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.output.search import (
    _estimate_mb,
    indexed_text_bytes,
    locate_pagefind,
    plan_shards,
    shard_budget_mb,
)


def main() -> None:
    site = Path(sys.argv[1]).resolve()
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else shard_budget_mb()
    pagefind = locate_pagefind(site)
    if not pagefind.ready:
        raise SystemExit(pagefind.problem)
    print(f"{site}: {budget:.0f} MB a shard")
    print("| part | shard | pages | text MB | estimate MB | measured MB | CPU s |\n|---|---:|---:|---:|---:|---:|---:|")
    try:
        areas = json.loads((site / "pagefind/shards.json").read_text(encoding="utf-8"))["areas"]
        parts = {
            part: list(json.loads((site / "pagefind" / folder / "part.json").read_text(encoding="utf-8"))["pages"])
            for part, folder in [("(site)", ""), *((area, f"d/{area}/") for area in areas)]
        }
    except (OSError, ValueError, KeyError):
        parts = {"(site)": [path.relative_to(site).as_posix() for path in site.rglob("*.html")]}
    shards = [
        (part, number, shard)
        for part, pages in parts.items()
        for number, shard in enumerate(
            plan_shards(site, budget, 1, pages=[p for p in pages if indexed_text_bytes((site / p).read_bytes())])
        )
    ]
    for part, number, shard in shards:
        text = sum(indexed_text_bytes((site / rel).read_bytes()) or 0 for rel in shard)
        tree = Path(tempfile.mkdtemp(prefix="shard-", dir=site.parent))
        try:
            for rel in shard:
                (tree / rel).parent.mkdir(parents=True, exist_ok=True)
                (tree / rel).hardlink_to(site / rel)
            started = time.perf_counter()
            child = subprocess.Popen(
                [str(pagefind.path), "--site", str(tree), "--output-path", str(tree / "pagefind"), "--quiet"],
                stdout=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(child.pid, 0)  # this child's own CPU time and peak RSS
            child.returncode = os.waitstatus_to_exitcode(status)
            if child.returncode != 0:
                raise SystemExit(f"Pagefind failed on shard {number}")
        finally:
            shutil.rmtree(tree, ignore_errors=True)
        print(
            f"| {part} | {number} | {len(shard):,} | {text / 1e6:.2f} | {_estimate_mb(len(shard), text):.0f} | "
            f"{usage.ru_maxrss / 1024:.0f} | {usage.ru_utime + usage.ru_stime:.2f} |"
            f"  ({time.perf_counter() - started:.1f} s wall)"
        )


if __name__ == "__main__":
    main()
