"""Where a build's time goes: `bulletin build` run in this process with each pipeline stage timed.

    python benchmarks/stages.py CONTENT OUT [--workers N] [--search]

Prints one line per stage: CPU seconds of this process, wall seconds, and, for the stages that
fork (loading, which reads and renders Markdown on every core, and page rendering), the CPU their
worker processes used. The
build is the real one (`pipeline.build` through the CLI), with the persistent cache removed
first so it is a cold build; without `--search` Pagefind is left out (its time is the
difference to a build with it). Loading and validation run in this process here, where a real
one-shot build runs them in a child process (`generator.engine.isolate`) so that only the records come
back: timing them needs them here; what the child costs besides is pickling the records.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.cli import main as cli_main
from generator.content import load, validate
from generator.domain import derive
from generator.engine import cache, isolate, pages, write
from generator.output import routes

TIMES: dict[str, list[float]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        cpu, wall, children = time.process_time(), time.perf_counter(), _children_cpu()
        try:
            return original(*args, **kwargs)
        finally:
            row = TIMES.setdefault(label, [0.0, 0.0, 0.0])
            row[0] += time.process_time() - cpu
            row[1] += time.perf_counter() - wall
            row[2] += _children_cpu() - children

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--search", action="store_true")
    args = parser.parse_args()
    if args.workers:
        os.environ["BULLETIN_WORKERS"] = str(args.workers)
    if not args.search:
        os.environ["BULLETIN_PAGEFIND"] = "off"
    shutil.rmtree(cache.cache_dir(args.out), ignore_errors=True)
    isolate.available = lambda: False  # load and validate in this process, to be timed
    for owner, name in ((load, "load"), (validate, "validate"), (derive, "derive"), (routes, "plan")):
        _timed(owner, name, name)
    _timed(pages, "render_pages", "render pages")
    _timed(write.SiteWriter, "commit", "write + search index")
    started, cpu0 = time.perf_counter(), time.process_time()
    try:
        cli_main(
            ["build", "--content", str(args.content), "--out", str(args.out), "--today", "2026-11-27"],
            standalone_mode=False,
        )
    except SystemExit:
        pass
    total_wall, total_cpu = time.perf_counter() - started, time.process_time() - cpu0
    print(f"{'stage':22s} {'cpu s':>7s} {'wall s':>7s} {'workers cpu s':>14s}")
    for label, (cpu, wall, children) in TIMES.items():
        print(f"{label:22s} {cpu:7.2f} {wall:7.2f} {children:14.2f}")
    print(f"{'whole build':22s} {total_cpu:7.2f} {total_wall:7.2f} {_children_cpu():14.2f}")


if __name__ == "__main__":
    main()
