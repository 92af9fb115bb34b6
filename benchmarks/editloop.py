"""The edit loop as `bulletin serve` runs it: one long-lived `Builder`, timed in-process.

    python benchmarks/editloop.py CONTENT OUT RUNS

Prints JSON: the first (full) build, then medians (wall and CPU) of RUNS no-change rebuilds,
RUNS rebuilds after editing one notice's body and RUNS after changing one notice's title (a
different notice each time; `*_rendered` lists the pages each rebuild rendered). The builder is
made as the preview server makes it: drafts shown, `patch=True` (small changes published in
place), `search=False` (Pagefind cannot update an index in place, and re-indexing every page on
every save would cost seconds, see incremental.py), and each edit's rebuild is told the edited
file with `complete=True`, as serve's watcher tells it (the no-change rebuilds get no list, so
they scan the whole content folder).

Issue 5 (one-notice edit under 0.3 s at city size). City corpus from `synth.write_site(root,
"city")` under /dev/shm (9,246 content files, 9,593 pages); 7 runs each, 2-core machine shared
with other jobs; old = main at dc7a9cc, new = this branch, run back to back on the same corpus:

    22:56 UTC, load average 3.4-3.9        body edit (2 pages)     title edit (5-53 pages)
                                            CPU s    wall s         CPU s    wall s
    old (plan recomputed every rebuild)     1.54     1.56           1.63     1.65
    new (memo store, see generator/memo.py) 0.39     0.39           0.41     0.41
    (22:41, load 5-6: old 1.55 / 1.81 s CPU, new 0.36 / 0.40 s CPU; no-change rebuild 0.04-0.05 s
     CPU for both.)

Where the rest went then (body edit, CPU, load ~3, from wrapping the stages): plan 0.08,
validate 0.06, the content scan (`cache.signature`, stat of every file) 0.04, load 0.04, derive
0.03, writing 0.02 (manifest digest), comparing the sites 0.015, rendering 0.01.

Second round (feature/editloop): the builder is told what changed instead of visiting what did
not. Profiled first (cProfile, and each stage wrapped and timed with `time.process_time`, CPU ms
per body edit at 00:40 UTC, load 0.8-3): total 323 = validate 66, plan 64, scans 44 (content
tree 30, its digest 5, FileMemo stats 3), load 40 (tree walk 25, a FileMemo lookup per file),
derive 29, comparing with the previous site 15, commit 14 (manifest digest 4, manifest file 2),
inputs key 10, render 6, next state 5. Changed, in that order of gain:

- `bulletin serve` passes its watcher's list of changes with `complete=True` (the watcher's
  snapshot now has inodes and folders, so the list is the one a scan would give): only those
  files are stat-ed, the content digest is updated entry by entry (order-free sum), a folder
  change, a long list or one rebuild in 16 scans whole. Load reuses its folder listings and
  hands back each unchanged file's very `RawRecord`.
- derive: the evaluation tables, area indexes and project indexes are each remembered by the
  records they read (a notice edit leaves them): 29 -> 5.
- open data, privacy findings, the latest-fee check and the changes page's record index are
  remembered by the very record or row (`memo.per_object`) instead of hashing whole tables.
- the manifest digest is order-free, so a commit updates it by the changed entries: 14 -> 5.

After (01:48, same harness): body edit 156 = validate 54, plan 43, load 15, commit 5, derive 5,
render 5, comparing 5, next state 4, scans 0.3.

Paired runs, city corpus (`cp -a` of /dev/shm/pf/city/content, 9,246 files, 9,593 pages), 7 runs
each, medians; old = main at c6ee439, new = feature/editloop with main merged; wall ~= CPU:

    01:47-01:48 UTC, load average 1.0-1.3     no change        body edit        title edit
                                              CPU s  wall s    CPU s  wall s    CPU s  wall s
    old (run after new)                       0.038  0.038     0.284  0.284     0.322  0.322
    new                                       0.037  0.037     0.139  0.139     0.160  0.160
    old (run before new; its first edit was
         a cold build, out was current)       0.033  0.033     0.255  0.255     0.299  0.299
    new                                       0.038  0.038     0.137  0.137     0.171  0.171
    (01:31, load 3.6: old 0.278 / 0.314 s CPU, new 0.163 / 0.182 s CPU)
    02:21 UTC, load 1.2, old = main at b43d211, new = this branch with it merged (wall ~= CPU):
    old                                       0.036  0.036     0.248  0.248     0.298  0.298
    new                                       0.036  0.036     0.125  0.125     0.139  0.139

Through `bulletin serve` itself (a city copy, a title edit saved, until /__bulletin/status shows
the new generation; so with the 50 ms polling and the watcher's own scan, ~32 ms at city size),
9 edits each, 01:54-01:56 UTC, load 3.6-8.6: old median 0.35 s and 0.38 s, new 0.25 s and 0.21 s.

Target met with margin: 0.12-0.14 s (body) and 0.14-0.18 s (title) against 0.3 s. The no-change
row is a rebuild without a list of changes, so it still scans the whole tree (as every 16th
watched rebuild does): the same as before. What is left is mostly validate and plan, each a
pass over every record that finds its memo (validate: notices 18, the four record kinds 11,
bodies 8; plan: feeds 7, open-data rows 6, the page contexts and route claims); going further
means updating `Site` and the plan by the changed records instead of rebuilding them.
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
