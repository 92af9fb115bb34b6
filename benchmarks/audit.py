"""`bulletin audit` at size: its page reading, then the whole command (benchmarks/audit.md).

Builds the N-notice peer corpus (`synth.peer_notices`, as `peers.py` does for bulletin) once.
Then, `--runs` rounds in rotated order:

- reading every page in this process: html.parser (`_Reader.read_with_html_parser`, what the
  audit did before), the audit's tokenizer in one process, and the tokenizer in forked workers,
  one per core (`audit._read_pages`);
- the whole `bulletin audit` in a new process with `BULLETIN_WORKERS=1` and with the default.

Prints medians of wall time and CPU time (user + system, of this process and its finished
children) and the ratios against html.parser / one process from the same rounds.

    python benchmarks/audit.py [--notices 4000] [--runs 5] [--workdir /dev/shm/bulletin-audit]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import peers  # noqa: E402
import synth  # noqa: E402

TODAY = "2026-11-27"


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child and its workers, stdout's last line)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: a single veto, still a complete audit
        raise SystemExit(done.stderr)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notices", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=Path("/dev/shm/bulletin-audit"))
    args = parser.parse_args()

    root = args.workdir
    shutil.rmtree(root, ignore_errors=True)
    notices, communities = synth.peer_notices(args.notices)
    setup = peers.setup_bulletin(root, notices, communities)
    env = dict(os.environ, BULLETIN_PAGEFIND="off", PYTHONPATH=str(HERE.parent))
    subprocess.run(setup.command, cwd=setup.cwd, env=env, check=True, capture_output=True)
    audit = [sys.executable, "-m", "generator", "audit", "--site", str(setup.out), "--today", TODAY]
    audit += ["--content", str(setup.cwd / "content")]

    from generator.tools import audit as auditing

    site = setup.out
    rels = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))

    def html_parser() -> None:
        for rel in rels:
            auditing._Reader().read_with_html_parser((site / rel).read_text(encoding="utf-8"))

    readers = {
        "html.parser, one process": html_parser,
        "tokenizer, one process": lambda: auditing._read_pages(site, workers=1),
        "tokenizer, every core": lambda: auditing._read_pages(site),
    }
    commands = {
        "audit, BULLETIN_WORKERS=1": dict(env, BULLETIN_WORKERS="1"),
        "audit, every core": env,
    }
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in [*readers, *commands]}
    last = ""
    for index in range(args.runs):
        for name in _rotated(list(readers), index):
            times[name].append(_timed(readers[name]))
        for name in _rotated(list(commands), index):
            wall, cpu, last = run(audit, commands[name])
            times[name].append((wall, cpu))
    print(last)
    print(f"N = {args.notices} notices ({len(rels)} pages), {os.cpu_count()} cores, {args.runs} rounds (medians):")
    medians = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    for group in (list(readers), list(commands)):
        base_wall, base_cpu = medians[group[0]]
        for name in group:
            wall, cpu = medians[name]
            walls = [round(w, 2) for w, _ in times[name]]
            print(
                f"  {name:27} wall {wall:6.2f} s ({wall / base_wall:.2f} x)   CPU {cpu:6.2f} s ({cpu / base_cpu:.2f} x)"
                f"   walls {walls}"
            )


def _rotated(names: list[str], index: int) -> list[str]:
    shift = index % len(names)
    return names[shift:] + names[:shift]


def _timed(work) -> tuple[float, float]:
    """(wall, CPU of this process and of the children it waited for) of `work()`."""
    own, children = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
    before = [resource.getrusage(who) for who in (own, children)]
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after = [resource.getrusage(who) for who in (own, children)]
    cpu = sum((a.ru_utime - b.ru_utime) + (a.ru_stime - b.ru_stime) for a, b in zip(after, before, strict=True))
    return wall, cpu


if __name__ == "__main__":
    main()
