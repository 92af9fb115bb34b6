"""Pagefind's memory per shard, estimated and measured, for a site already built.

    python benchmarks/search_shards.py SITE [BUDGET_MB] [JOBS]

Cuts SITE's pages into shards as `generator.output.search.plan_shards` does (default: the build's
budget and jobs) and runs Pagefind over each shard alone (a temporary tree of hard links, as
the build does), printing per shard its pages, indexed text, estimated peak and the peak RSS
Pagefind reached (`ru_maxrss`). Use it to check `_estimate_mb` still errs high after a change to
the templates or to Pagefind. Build the site with BULLETIN_PAGEFIND=off first, to save time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.output.search import (
    JOBS,
    _estimate_mb,
    indexed_text_bytes,
    locate_pagefind,
    plan_shards,
    shard_budget_mb,
)


def main() -> None:
    site = Path(sys.argv[1]).resolve()
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else shard_budget_mb()
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else JOBS
    pagefind = locate_pagefind(site)
    if not pagefind.ready:
        raise SystemExit(pagefind.problem)
    print(f"{site}: budget {budget:.0f} MB, {jobs} at a time → {budget / jobs:.0f} MB a shard")
    print("| shard | pages | text MB | estimate MB | measured MB | CPU s |\n|---:|---:|---:|---:|---:|---:|")
    for number, shard in enumerate(plan_shards(site, budget, jobs)):
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
            f"| {number} | {len(shard):,} | {text / 1e6:.2f} | {_estimate_mb(len(shard), text):.0f} | "
            f"{usage.ru_maxrss / 1024:.0f} | {usage.ru_utime + usage.ru_stime:.2f} |"
            f"  ({time.perf_counter() - started:.1f} s wall)"
        )


if __name__ == "__main__":
    main()
