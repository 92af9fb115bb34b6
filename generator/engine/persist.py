"""What a `bulletin build` remembers for the next `bulletin build`: the edit loop's state on disk.

A one-shot build keeps nothing of the pages it rendered, so the build after a one-notice edit
would render every page again. A CLI build of a site up to `MAX_FILES` content files therefore
runs as the edit loop does (`incremental.Session(remember=True)`: each page's recorded reads, the
stages' memo, every file's reading) and leaves that state beside the output
(`.bulletin-cache/<out>/session.pickle`). The next build in a new process takes it up, compares
the content folder with it, and makes again only what the edit touches: the changed files are
read, the cross-record checks and plan run over the remembered values (each record's own work
memoised), only the pages whose reads changed are rendered, and the search index only in the
parts those pages belong to. The site it publishes is the one a cold build would publish, byte
for byte (tests/test_persist.py).

The state is used only when everything it was made under is the same: the generator's own source
(by content, so a fresh clone of the same code keeps it), the Python version and the versions of
the libraries whose output it holds, the content and output folders, the build date, the
options, and the site on disk (the state names the manifest of the build that made it; a site
built or changed by anything else is not what it describes). Anything else, or a
state that cannot be read, and the build starts from nothing, as it would without it. A failed
build never writes it: the state on disk stays the one of the site on disk.

Above `MAX_FILES` (a province's 115,000 files) the state would not fit the build's memory bound,
and a CLI build stays one-shot (its content read in a child, nothing kept): see
benchmarks/README.md.

The file is a pickle, loaded only from the build's own cache folder, which only builds of this
site write (and CI restores from its own cache store): whoever can write there can already change
the generator's code beside it.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import sys
from pathlib import Path

from .write import cache_dir, marker_digest

STATE_FILE = "session.pickle"
FORMAT = 1
# Content files up to which a CLI build remembers its state across processes. The remembering
# build holds more than a one-shot one, and its render workers share less of it: at city size
# (9,246 files) the build's process tree peaks at ≈ 1.2 GiB against ≈ 0.8 GiB one-shot (PSS,
# benchmarks/README.md), so from about 15,000 files it would pass the 2 GiB bound.
MAX_FILES = 15_000

GENERATOR_DIR = Path(__file__).resolve().parent.parent
# The libraries whose output the state holds (rendered Markdown, sanitised HTML, parsed YAML, pinyin)
LIBRARIES = ("cmarkgfm", "nh3", "PyYAML", "Jinja2", "MarkupSafe", "pypinyin")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """The generator's own source by content (not by stat: a fresh clone of the same code, or a
    CI cache restored into a new checkout, is the same code), with the Python that runs it."""
    from importlib import metadata

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT} {sys.version} {pickle.HIGHEST_PROTOCOL}\n".encode())
    for package in LIBRARIES:  # what the remembered values were made with (a Markdown upgrade…)
        try:
            h.update(f"{package} {metadata.version(package)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{package} -\n".encode())
    for path in sorted(GENERATOR_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        h.update(path.relative_to(GENERATOR_DIR).as_posix().encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def state_key(content: Path, out: Path, today, options: tuple, base_url: str | None, content_arg: str) -> str:
    """What a state is made under. The build date too: it changes every page (the build's
    global key) and what is published at all, so a build of another day starts from nothing."""
    h = hashlib.blake2b(digest_size=16)
    made_under = (code_digest(), str(Path(content).resolve()), str(Path(out).resolve()), str(today), options)
    h.update(repr((*made_under, base_url, content_arg)).encode())
    return h.hexdigest()


def load(out: Path, key: str) -> dict | None:
    """The state saved for `key` when it describes the site `out` holds now, else None."""
    path = cache_dir(Path(out)) / STATE_FILE
    on_disk = marker_digest(Path(out).resolve())
    if on_disk is None:
        return None
    enabled = gc.isenabled()
    gc.disable()  # a pickle of many small objects: the collector would scan them again and again
    try:
        with open(path, "rb") as fh:
            if fh.readline().decode("ascii", "replace").strip() != f"bulletin-state {key} {on_disk}":
                return None
            state = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - damaged or from other code: start from nothing, and say nothing
        return None
    finally:
        if enabled:
            gc.enable()
    return state if isinstance(state, dict) else None


def _write(tmp: Path, key: str, manifest_digest: str, state: dict) -> None:
    enabled = gc.isenabled()
    gc.disable()
    try:
        tmp.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(f"bulletin-state {key} {manifest_digest}\n".encode("ascii"))
            pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        if enabled:
            gc.enable()


class Saving:
    """A state being written to `tmp` (by the forked process `pid`, or already written)."""

    def __init__(self, pid: int | None, tmp: Path, out: Path) -> None:
        self.pid, self.tmp, self.out = pid, tmp, out

    def finish(self, publish: bool) -> None:
        """Wait for the writing; put the state in place when `publish` (the commit published the
        site it describes) and it was written whole, else drop it (and the previous state, which
        describes a site that may be gone)."""
        written = True
        if self.pid is not None:
            pid, self.pid = self.pid, None
            try:
                _, status = os.waitpid(pid, 0)
                written = os.waitstatus_to_exitcode(status) == 0
            except ChildProcessError:
                written = False
        try:
            if publish and written:
                os.replace(self.tmp, self.tmp.with_name(STATE_FILE))
                # what a killed build was writing (one build at a time holds `out`: `lock`)
                for stale in self.tmp.parent.glob(f"{STATE_FILE}.*"):
                    stale.unlink(missing_ok=True)
                return
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)
        if publish:
            discard(self.out)


def start_saving(out: Path, key: str, manifest_digest: str, state: dict) -> Saving:
    """Write `state` for the site whose manifest is `manifest_digest`, in a forked process while
    this one publishes the site; the caller must `finish()` what this returns. Only a cache: when
    it cannot be written the next build does more work (a stale state is never used: its header
    names another manifest). Where processes cannot be forked, it is written here and now."""
    tmp = cache_dir(Path(out)) / f"{STATE_FILE}.{os.getpid()}"
    if not hasattr(os, "fork"):
        try:
            _write(tmp, key, manifest_digest, state)
        except Exception:  # noqa: BLE001 - e.g. a full disk: finish() finds no file and drops the state
            tmp.unlink(missing_ok=True)
        return Saving(None, tmp, Path(out))
    pid = os.fork()
    if pid == 0:  # the child: write, and leave without running anything of the parent's
        code = 1
        try:
            _write(tmp, key, manifest_digest, state)
            code = 0
        except BaseException:  # noqa: BLE001 - the parent learns it from the exit code
            pass
        finally:
            os._exit(code)
    return Saving(pid, tmp, Path(out))


def discard(out: Path) -> None:
    try:
        (cache_dir(Path(out)) / STATE_FILE).unlink()
    except OSError:
        pass
