"""Where a build's memory goes: `bulletin build` run in this process, the whole process tree's
proportional set size (PSS, as `measure.py` counts it) sampled every 50 ms and tagged with the
pipeline stage running, so the peak of each stage and which processes made it are known.

    python benchmarks/memory_stages.py CONTENT OUT

Prints the tree's PSS when each stage starts and ends, each stage's peak, and the processes at
the highest sample (their names and PSS). The build is the real one (the CLI's `build`, cold:
the persistent cache is removed first); "read" is the child process that loads and validates
(`generator/engine/isolate.py`), and time between the named stages (writing the data files, for
instance) counts as "other".
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from generator.cli import main as cli_main  # noqa: E402
from generator.domain import derive  # noqa: E402
from generator.engine import cache, incremental, isolate, pages  # noqa: E402
from generator.output import routes, search  # noqa: E402

from measure import _children, _pss_kib  # noqa: E402

STAGE = ["other"]
PEAKS: dict[str, int] = {}
TOP: list = [0, "", []]
EVENTS: list[tuple[float, str, int]] = []
STARTED = time.perf_counter()


def _tree() -> list[tuple[int, str, int]]:
    """(pid, name, PSS MiB) of this process and every descendant."""
    rows, stack = [], [os.getpid()]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/comm") as fh:
                name = fh.read().strip()
        except OSError:
            name = "?"
        rows.append((pid, name, _pss_kib(pid) // 1024))
        stack.extend(_children(pid))
    return rows


def _sample_forever() -> None:
    while True:
        rows = _tree()
        total = sum(row[2] for row in rows)
        PEAKS[STAGE[0]] = max(PEAKS.get(STAGE[0], 0), total)
        if total > TOP[0]:
            TOP[:] = [total, STAGE[0], rows]
        time.sleep(0.05)


def _tagged(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        outer, STAGE[0] = STAGE[0], label
        EVENTS.append((time.perf_counter() - STARTED, f"start {label}", sum(r[2] for r in _tree())))
        try:
            return original(*args, **kwargs)
        finally:
            EVENTS.append((time.perf_counter() - STARTED, f"end {label}", sum(r[2] for r in _tree())))
            STAGE[0] = outer

    setattr(owner, name, wrapper)


def main() -> None:
    content, out = Path(sys.argv[1]), Path(sys.argv[2])
    for owner, name, label in (
        (derive, "derive", "derive"),
        (routes, "plan", "plan"),
        (pages, "render_pages", "render pages"),
        (incremental.Session, "release", "release"),
        (search, "index_site", "search index"),
    ):
        _tagged(owner, name, label)
    _tagged(isolate, "in_child", "read")
    shutil.rmtree(cache.cache_dir(out), ignore_errors=True)
    threading.Thread(target=_sample_forever, daemon=True).start()
    try:
        cli_main(
            ["build", "--content", str(content), "--out", str(out), "--today", "2026-11-27"], standalone_mode=False
        )
    except SystemExit:
        pass
    for at, event, mib in EVENTS:
        print(f"{at:8.1f} s  {event:22s} {mib:6d} MiB")
    for label, mib in PEAKS.items():
        print(f"peak  {label:22s} {mib:6d} MiB")
    print(f"highest sample: {TOP[0]} MiB during {TOP[1]}: " + ", ".join(f"{n} {m} MiB" for _, n, m in TOP[2]))


if __name__ == "__main__":
    main()
