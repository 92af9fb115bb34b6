"""The edit loop as `bulletin serve` runs it: one long-lived `Builder`, timed in-process.

    python benchmarks/editloop.py CONTENT OUT RUNS

Prints JSON: the first (full) build, then medians (wall and CPU) of RUNS no-change rebuilds,
RUNS rebuilds after editing one notice's body and RUNS after changing one notice's title (a
different notice each time; `*_rendered` lists the pages each rebuild rendered). The builder is
made as the preview server makes it: drafts shown, `patch=True` (small changes published in
place), `search=False` (Pagefind cannot update an index in place, and re-indexing every page on
every save would cost seconds, see engine/incremental.py), and each edit's rebuild is told the edited
file with `complete=True`, as serve's watcher tells it (the no-change rebuilds get no list, so
they scan the whole content folder).

The history of these figures (issue 5's rounds) is in benchmarks/README.md.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator import Builder


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
    report = {
        "full": full,
        "pages": first.pages,
        "no_change": statistics.median(nochange),
        "no_change_cpu": statistics.median(nochange_cpu),
    }
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
        report.update(
            {name: statistics.median(wall), f"{name}_cpu": statistics.median(cpu), f"{name}_rendered": rendered}
        )
    # the serving process's peak (its forked render workers are children: counted apart)
    report["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["children_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(report))


if __name__ == "__main__":
    main()
