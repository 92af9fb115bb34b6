"""Run a command and measure it: wall time, CPU time and peak memory of its whole process tree.

CPU time is user + system of the command and every descendant it waited for (`os.wait4`).
Peak memory is the larger of the biggest single process (`ru_maxrss`) and the largest sum of
proportional set sizes (PSS, from /proc/PID/smaps_rollup) of the live process tree, sampled every
20 ms, so a generator that forks workers is charged for them, shared pages counted once.

Reading smaps_rollup walks a process's page tables: one sample of a 1.5 GB process takes 38 ms
of CPU, on a core the measured command would otherwise use, so sampling every 20 ms regardless
kept the sampler busy for two thirds of a core whenever Pagefind or a province build held that
much. The sampler therefore waits `SAMPLER_SHARE` times as long as its last sample took when that
is longer than `INTERVAL` (it uses at most a tenth of a core): 20 ms for small trees, about a third
of a second for 1.5 GB, whose peaks last seconds.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERVAL = 0.02  # seconds between memory samples, at least
SAMPLER_SHARE = 9  # ... and at least this many times as long as the last sample took


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # seconds, user + system
    peak_mib: float
    returncode: int
    output: str


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss(root: int) -> int:
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _pss_kib(pid)
        stack.extend(_children(pid))
    return total


def run(command: list[str], cwd: Path, env: dict | None = None) -> Sample:
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            began = time.perf_counter()
            peak[0] = max(peak[0], _tree_pss(proc.pid))
            done.wait(max(INTERVAL, (time.perf_counter() - began) * SAMPLER_SHARE))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Sample(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=max(peak[0], usage.ru_maxrss) / 1024,
        returncode=proc.returncode,
        output=output.decode("utf-8", "replace"),
    )
