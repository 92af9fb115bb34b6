"""The one worker pool: jobs run in forked processes, their results taken back in order.

`forked(jobs, workers)` runs each `(function, argument)` of `jobs` in one of `workers` processes
forked from this one and yields the results in the order of `jobs`, with at most `ahead` jobs in
flight: when this process (or the disk) is slower than the workers, finished results wait in
the workers instead of piling up here. What the functions need besides their argument they find
in memory as it was when the pool forked (a module-level job description set just before), so
nothing big is pickled on the way there. `workers()` is how many processes to use; `can_fork()`
whether this system can (elsewhere callers work in this process, with the same results).
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from typing import Any


def workers() -> int:
    """Processes that work in parallel: every core, or BULLETIN_WORKERS (1 = no forking)."""
    try:
        return max(1, int(os.environ["BULLETIN_WORKERS"]))
    except (KeyError, ValueError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def forked(jobs: list[tuple[Callable[[Any], Any], Any]], workers: int, ahead: int | None = None) -> Iterator[Any]:
    """The results of `jobs` run in `workers` forked processes, in order (see the module)."""
    ahead = ahead or 2 * workers
    from .isolate import die_with_parent

    with multiprocessing.get_context("fork").Pool(workers, die_with_parent, (os.getpid(),)) as pool:
        pending: collections.deque = collections.deque()
        upcoming = iter(jobs)
        for function, argument in itertools.islice(upcoming, ahead):
            pending.append(pool.apply_async(function, (argument,)))
        while pending:
            result = pending.popleft().get()
            for function, argument in itertools.islice(upcoming, 1):
                pending.append(pool.apply_async(function, (argument,)))
            yield result
