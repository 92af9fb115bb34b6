"""Attachments read once per content: readings cached by content digest, made on every core, and
the bytes published checked against them.

`Scanner(out)` hands `content.attachments.check` its `read(base, names)`: each attachment is
read (once, `write.read_no_follow`) and digested; a reading cached for that digest (in memory,
else in `.bulletin-cache/<out>/attachments-v<N>/<digest>.json` beside the output) is used as it
is, and only new or changed files are read by `content.attachments.inspect` — in forked
children on every core (`pool.workers()` of them, `isolate`'s streamed children), each file with
a time limit (`MAX_SECONDS`, an alarm in the child; a child that dies or hangs in native code is
given up after `HARD_SECONDS` without an answer, and the build fails naming the file). A build with no new attachment does no OCR; one with nothing
changed at all never gets here (`cache.unchanged`). A build (`prune=True`) then drops the cached
readings no attachment of this content has any more.

`Scanner.publish(name, data)` is the writer's transform for one attachment (`SiteWriter.copy`):
it takes the bytes the writer read (one read, no link followed) and returns the bytes to publish
— `attachments.strip(data)` — only if a reading of exactly these bytes exists, has no problem,
no number `pii_allow` does not excuse, and its stripped digest is what stripping gives now.
Anything else (the file changed after it was checked, the cache vanished) is `BuildFailed`, and
the published site stays as it was. With `skip=True` (a `--preview` build with
`--skip-attachment-scan`) nothing is read and `publish` only strips.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from ..content import attachments
from ..content.attachments import Reading
from ..content.errors import BuildFailed
from . import isolate, pool
from .write import cache_dir, digest, read_no_follow

MAX_SECONDS = 120  # to read one attachment (Python-level alarm in the worker)
HARD_SECONDS = MAX_SECONDS + 60  # a worker that has not answered by then is given up on


def folder_of(out: Path) -> Path:
    return cache_dir(out) / f"attachments-v{attachments.VERSION}"


class Scanner:
    def __init__(
        self, out: Path | None, workers: int | None = None, *, skip: bool = False, prune: bool = False
    ) -> None:
        self.folder = folder_of(out) if out is not None else None
        self.workers = workers if workers is not None else pool.workers()
        self.skip, self.prune = skip, prune
        self.readings: dict[str, Reading] = {}  # content digest -> reading, this run's
        self.inspected = 0  # files read by `inspect` in this run (not from the cache)

    # --- reading -----------------------------------------------------------------------------------

    def read(self, base: Path, names: Iterable[str]) -> dict[str, Reading]:
        """name -> reading of each attachment under `base` (see the module)."""
        if self.skip:
            return {}
        out: dict[str, Reading] = {}
        misses: dict[str, list[str]] = {}  # digest -> names with those bytes
        jobs: list[tuple[str, str, str]] = []
        for name in names:
            path = base / name
            try:
                key = digest(read_no_follow(path))
            except OSError:
                out[name] = Reading(problem="无法读取")
                continue
            reading = self.readings.get(key) or self._load(key)
            if reading is not None:
                self.readings[key] = reading
                out[name] = reading
                continue
            if key not in misses:
                jobs.append((str(path), _ext(name), key))
            misses.setdefault(key, []).append(name)
        for (_, _, key), reading in zip(jobs, self._inspect(jobs)):
            self.readings[key] = reading
            if reading.problem is None or not reading.problem.startswith(_TRANSIENT):
                self._save(key, reading)
            for name in misses[key]:
                out[name] = reading
        self.inspected += len(jobs)
        if self.prune:
            self._prune(set(self.readings))
        return out

    def _inspect(self, jobs: list[tuple[str, str, str]]) -> list[Reading]:
        global _JOBS
        if not jobs:
            return []
        workers = min(self.workers, len(jobs))
        if workers <= 1 or not isolate.available():
            return [Reading.from_json(_job(job)) or Reading(problem="无法读取") for job in jobs]
        _JOBS = jobs
        try:
            answers = _forked(len(jobs), workers)
        except _Stuck as stuck:
            name = Path(jobs[stuck.index][0]).name
            raise BuildFailed(
                f"检查附件 {name} 时处理进程超过 {HARD_SECONDS} 秒没有结果或意外退出（文件可能有意构造得无法处理）；网站未更新"
            ) from None
        finally:
            _JOBS = []
        return [Reading.from_json(answer) or Reading(problem="无法读取") for answer in answers]

    def _load(self, key: str) -> Reading | None:
        if self.folder is None:
            return None
        try:
            return Reading.from_json(json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None

    def _save(self, key: str, reading: Reading) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}"
            tmp.write_text(json.dumps(reading.as_json(), ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError:
            pass  # only a cache; publish() then finds the reading in memory or fails the build

    def _prune(self, keep: set[str]) -> None:
        if self.folder is None:
            return
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return
        for entry in entries:
            if entry.suffix == ".json" and entry.stem not in keep:
                try:
                    entry.unlink()
                except OSError:
                    pass

    # --- publishing --------------------------------------------------------------------------------

    def publish(self, name: str, data: bytes, allow: Iterable[str]) -> bytes:
        """The bytes to publish for attachment `name` read as `data` (see the module)."""
        ext = _ext(name)
        try:
            stripped = attachments.strip(data, ext)
        except attachments.Unreadable as exc:
            raise BuildFailed(f"附件 attachments/{name}：{exc}；网站未更新") from None
        if self.skip:
            return stripped
        key = digest(data)
        reading = self.readings.get(key) or self._load(key)
        changed = f"附件 attachments/{name} 在检查之后被改动（或检查结果丢失），为免发布未经检查的内容，网站未更新；请重新构建"
        if reading is None or reading.stripped != digest(stripped):
            raise BuildFailed(changed)
        if reading.problem or attachments.findings(reading, allow):
            raise BuildFailed(changed)  # checked and refused: content problems were reported
        return stripped


# A reading that says the file changed while it was read, that it took too long (the machine
# may have been busy) or that OCR is not installed, is not cached: the next build reads it again. One that says it could not
# be read is (the same bytes give the same answer).
_CHANGED = "在检查过程中被改动"
_TIMED_OUT = "处理超过"
_TRANSIENT = (_CHANGED, _TIMED_OUT, attachments.OCR_MISSING)
_JOBS: list[tuple[str, str, str]] = []  # (path, ext, digest) for the forked workers


def _ext(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower()


class _Stuck(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


def _stride(indexes: list[int]):
    """In a forked child: (index, reading) of each of its jobs, one at a time."""
    for index in indexes:
        yield index, _job(_JOBS[index])


def _forked(count: int, workers: int) -> list[dict]:
    """The readings of jobs 0…count-1 made by `workers` forked children (each every
    `workers`-th job, its answers streamed back as they are made: `isolate`), in order. A child
    that gives no answer for HARD_SECONDS (a native hang), or dies (a native crash, the kernel's
    OOM killer), raises `_Stuck` with the job it was on, once every child is stopped.

    Not `pool.forked`: a multiprocessing pool whose worker died hung for good in its own
    `terminate()` (seen in tests/test_attachment_scan.py), which is what this must never do."""
    strides = [list(range(k, count, workers)) for k in range(workers)]
    children: list[list] = []
    takers: list = []
    try:
        for stride in strides:
            children.append(isolate._fork(_stride, (stride,), streamed=True))
        for child in children:  # each child forked before any thread starts here
            takers.append(isolate._Taker(child))
        progress = [(0, time.monotonic()) for _ in takers]
        while any(taker.is_alive() for taker in takers):
            now = time.monotonic()
            for k, taker in enumerate(takers):
                done = len(taker.items)
                if done != progress[k][0]:
                    progress[k] = (done, now)
                elif taker.is_alive() and now - progress[k][1] > HARD_SECONDS:
                    raise _Stuck(strides[k][done])
            time.sleep(0.05)
        answers: dict[int, dict] = {}
        for k, (child, taker) in enumerate(zip(children, takers)):
            os.waitpid(child[0], 0)
            child[0] = None  # reaped
            answers.update(taker.items)
            if taker.ending is None or taker.ending[0] != "ok":
                if taker.ending is not None and taker.ending[0] == "raise":
                    raise taker.ending[1]
                raise _Stuck(next((i for i in strides[k] if i not in answers), strides[k][-1]))
        return [answers[i] for i in range(count)]
    finally:
        isolate._stop(children)
        for taker in takers:
            taker.join()


class _Timeout(BaseException):  # not caught by the readers' `except Exception`
    pass


def _job(job: tuple[str, str, str]) -> dict:
    """Read one attachment (in a worker): its reading as JSON-ready data."""
    path, ext, key = job
    try:
        data = read_no_follow(Path(path))
    except OSError:
        return Reading(problem="无法读取").as_json()
    if digest(data) != key:
        return Reading(problem=_CHANGED + "，请重新构建").as_json()
    timed = threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM")
    if timed:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(MAX_SECONDS)
    try:
        return attachments.inspect(data, ext, digest).as_json()
    except _Timeout:
        return Reading(problem=f"{_TIMED_OUT} {MAX_SECONDS} 秒（文件过大或结构异常）；请拆分或重新导出").as_json()
    finally:
        if timed:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)


def _alarm(signum, frame):
    raise _Timeout()
