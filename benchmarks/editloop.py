"""The edit loop as `bulletin serve` runs it: one long-lived `Builder`, timed in-process.

    python benchmarks/editloop.py CONTENT OUT RUNS

Prints JSON: the first (full) build, then medians of RUNS no-change rebuilds and RUNS rebuilds
after editing one notice's body (a different notice each time). The builder runs with
`search=False`, as a preview server would: Pagefind cannot update an index in place, and
re-indexing every page on every save would cost seconds (see incremental.py).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import Builder  # noqa: E402


def main() -> None:
    content, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    builder = Builder(content, out, date(2026, 11, 27), search=False)
    t = time.perf_counter()
    first = builder.rebuild()
    full = time.perf_counter() - t
    nochange, nochange_cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        builder.rebuild()
        nochange.append(time.perf_counter() - t)
        nochange_cpu.append(time.process_time() - c)
    notices = sorted((content / "notices").rglob("*.md"))
    edits, edits_cpu, rendered = [], [], []
    for i in range(runs):
        target = notices[(i * 7919 + 11) % len(notices)]
        target.write_text(target.read_text(encoding="utf-8") + f"\n编辑第 {i + 1} 次：补充说明。\n", encoding="utf-8")
        t, c = time.perf_counter(), time.process_time()
        result = builder.rebuild(changed_paths=[target])
        edits.append(time.perf_counter() - t)
        edits_cpu.append(time.process_time() - c)
        rendered.append(result.rendered)
    print(json.dumps({
        "full": full, "pages": first.pages, "no_change": statistics.median(nochange),
        "one_edit": statistics.median(edits), "one_edit_rendered": rendered,
        "no_change_cpu": statistics.median(nochange_cpu), "one_edit_cpu": statistics.median(edits_cpu),
    }))


if __name__ == "__main__":
    main()
