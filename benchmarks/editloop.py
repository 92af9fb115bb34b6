"""The edit loop as `bulletin serve` runs it: one long-lived `Builder`, timed in-process.

    python benchmarks/editloop.py CONTENT OUT RUNS

Prints JSON: the first (full) build, then medians (wall and CPU) of RUNS no-change rebuilds,
RUNS rebuilds after editing one notice's body and RUNS after changing one notice's title (a
different notice each time; `*_rendered` lists the pages each rebuild rendered). The builder is
made as the preview server makes it: drafts shown, `patch=True` (small changes published in
place), `search=False` (Pagefind cannot update an index in place, and re-indexing every page on
every save would cost seconds, see incremental.py).

Issue 5 (one-notice edit under 0.3 s at city size). City corpus from `synth.write_site(root,
"city")` under /dev/shm (9,246 content files, 9,593 pages); 7 runs each, 2-core machine shared
with other jobs; old = main at dc7a9cc, new = this branch, run back to back on the same corpus:

    22:56 UTC, load average 3.4-3.9        body edit (2 pages)     title edit (5-53 pages)
                                            CPU s    wall s         CPU s    wall s
    old (plan recomputed every rebuild)     1.54     1.56           1.63     1.65
    new (memo store, see generator/memo.py) 0.39     0.39           0.41     0.41
    (22:41, load 5-6: old 1.55 / 1.81 s CPU, new 0.36 / 0.40 s CPU; no-change rebuild 0.04-0.05 s
     CPU for both.)

Target not quite met: about 0.36-0.41 s CPU per edit. Where the rest goes (body edit, CPU, load
~3, from wrapping the stages): plan 0.08 (feeds 0.03, open data 0.02, the 9,593 page contexts
and route claims, record sources), validate 0.06 (9,220 records looked up in the memo, refs,
bodies, privacy), the content scan (`cache.signature`, stat of every file) 0.04, load 0.04
(walking the tree again, one FileMemo lookup per file), derive 0.03, writing 0.02 (the
manifest of every file is digested and saved on each commit), comparing the sites 0.015,
rendering the 2 pages 0.01, the rest in the builder itself. Each of these is now a pass over
every record that does almost nothing per record; going further means not visiting unchanged
records at all (the watcher's list of changed files trusted instead of a scan, and indexes
updated instead of rebuilt).
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


def _edit_body(path: Path, i: int) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n编辑第 {i + 1} 次：补充说明。\n", encoding="utf-8")


def _edit_title(path: Path, i: int) -> None:
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\ntitle: ")
    title, nl, tail = rest.partition("\n")
    mark = time.time_ns() % 10**6  # a new title even when a previous run edited this notice
    path.write_text(f"{head}{sep}{title.split('（改')[0]}（改 {i + 1}-{mark}）{nl}{tail}", encoding="utf-8")


def main() -> None:
    content, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    builder = Builder(content, out, date(2026, 11, 27), drafts=True, search=False, patch=True)
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
    report = {"full": full, "pages": first.pages, "no_change": statistics.median(nochange),
              "no_change_cpu": statistics.median(nochange_cpu)}
    for name, edit, offset in (("one_edit", _edit_body, 11), ("title_edit", _edit_title, 5)):
        wall, cpu, rendered = [], [], []
        for i in range(runs):
            target = notices[(i * 7919 + offset) % len(notices)]
            edit(target, i)
            t, c = time.perf_counter(), time.process_time()
            result = builder.rebuild(changed_paths=[target], complete=True)
            wall.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            rendered.append(result.rendered)
        report.update({name: statistics.median(wall), f"{name}_cpu": statistics.median(cpu),
                       f"{name}_rendered": rendered})
    print(json.dumps(report))


if __name__ == "__main__":
    main()
