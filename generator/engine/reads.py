"""The engine's reader of the content folder: what `content.load` gets from it is what its own
`Reader` would give, made faster in two ways.

- **Remembered** (`FileMemo`, the edit loop): what reading and checking each file gave (its
  record, source, fields, references and problems) is handed back while the file's size, mtime
  and inode stay the same, as the very same objects, so later stages see an unchanged record as
  the same object. Each folder's listing is kept until something is created or deleted there.
- **Shared out** (`helpers`, a big cold build): forked processes read the record files beside
  this one (`isolate.streamed`): this process takes files from the front of the list and the
  helpers from the back, in batches, until they meet, so the work is shared out however busy
  each core is. Only the helpers' records are pickled back, each batch as soon as it is read.
  Each file's problems are collected apart and merged in file order: the same records and
  problems as one process reading alone.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from ..content import schema
from ..content.errors import Problems
from ..content.load import RawRecord, Reader, list_files, read_checked, read_record
from ..content.sources import MAX_FILE_BYTES, Source
from . import isolate

READ_BATCH = 32  # record files taken at a time when they are shared out among processes


class FileMemo:
    """What reading and checking each file gave, reused while the file is unchanged.
    `forget(rel)` drops one file (when the caller knows it changed whatever its stat says).

    Each record folder's listing (the files found there and the problems about misplaced ones)
    is kept too, until `moved(folders)` says something was created or deleted in one of those
    top-level folders (`moved(None)`: anywhere). A caller that cannot say must call
    `moved(None)` before every load: only the edit loop's trusted list of changes can."""

    def __init__(self) -> None:
        self._items: dict[str, dict[tuple, tuple]] = {}  # rel -> what each way of reading it gave
        self.stats: dict[str, tuple] = {}  # rel -> (size, mtime, inode), when the caller just scanned them
        self.listings: dict[tuple, tuple[list[str], Problems]] = {}  # see moved()
        self.digests: dict[str, tuple] = {}  # rel -> (its signature, the digest of its bytes then)

    def forget(self, rel: str) -> None:
        self._items.pop(rel, None)
        self.digests.pop(rel, None)

    def moved(self, folders) -> None:
        if folders is None:
            self.listings.clear()
        else:
            for key in [k for k in self.listings if k[0] in folders]:
                del self.listings[key]

    def signature(self, root: Path, rel: str) -> tuple | None:
        """The file's (size, mtime, inode) now, None when it cannot be read."""
        sig = self.stats.get(rel)
        if sig is None:
            try:
                st = os.stat(os.path.join(root, rel))
                sig = (st.st_size, st.st_mtime_ns, st.st_ino)
            except OSError:
                sig = None
        return sig

    def get(self, root: Path, rel: str, key: tuple) -> tuple[tuple | None, tuple | None]:
        """The file's signature now, and what was kept for it under `key` (None unless the
        file is unchanged since): (value, its problems). A file whose signature changed but
        whose bytes are the ones read (a fresh checkout, a restored CI cache, a save without an
        edit) is unchanged too: its signature is brought up to date."""
        sig = self.signature(root, rel)
        hit = self._items.get(rel, {}).get(key)
        if hit is None or sig is None:
            return sig, None
        if hit[0] == sig or self._same_bytes(root, rel, hit[0], sig):
            return sig, hit[1:]
        return sig, None

    def keep(self, sig: tuple | None, rel: str, key: tuple, value: object, problems: Problems, root=None) -> None:
        """Remember `value` and its problems for the file whose signature was `sig` before it
        was read (and, given the `root`, the digest of its bytes: see `get`)."""
        if sig is None:
            return
        # most files have no problems: keep None rather than an empty collection
        self._items.setdefault(rel, {})[key] = (sig, value, problems if problems.items else None)
        if root is not None and self.digests.get(rel, (None,))[0] != sig:
            found = _bytes_digest(root, rel, sig)
            if found is not None:
                self.digests[rel] = (sig, found)

    def _same_bytes(self, root: Path, rel: str, was: tuple, sig: tuple) -> bool:
        known = self.digests.get(rel)
        if known is None or known[0] != was or _bytes_digest(root, rel, sig) != known[1]:
            return False
        items = self._items[rel]
        for key, entry in items.items():
            if entry[0] == was:
                items[key] = (sig, *entry[1:])
        self.digests[rel] = (sig, known[1])
        return True


def _bytes_digest(root: Path, rel: str, sig: tuple) -> bytes | None:
    """The digest of the file's bytes, when its signature is still `sig` after reading them
    (None for anything the reader would not read whole: not a regular file, or over its limit)."""
    path = os.path.join(root, rel)
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode) or before.st_size > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            found = hashlib.blake2b(fh.read(MAX_FILE_BYTES + 1), digest_size=16).digest()
        st = os.stat(path)
    except OSError:
        return None
    return found if (st.st_size, st.st_mtime_ns, st.st_ino) == sig else None


class Files(Reader):
    """`load`'s reader, remembering what unchanged files gave (`memo`) and reading record files
    in `helpers` forked processes besides this one."""

    def __init__(
        self,
        root: Path,
        content_arg: str,
        memo: FileMemo | None = None,
        helpers: int = 0,
        meanwhile: Callable[[], None] | None = None,
    ) -> None:
        """`meanwhile`: what this process does first while the helpers read (it reads too once
        that is done: the files are claimed from both ends, so nothing waits)."""
        super().__init__(root, content_arg)
        self.memo = memo
        self.helpers = helpers if isolate.available() else 0
        self.meanwhile = meanwhile

    def listing(self, folder: str, ext: str, depth: int, problems: Problems) -> list[str]:
        if self.memo is None:
            return super().listing(folder, ext, depth, problems)
        key = (folder, ext, depth, self.content_arg, str(self.root))
        hit = self.memo.listings.get(key)
        if hit is None:
            local = Problems()
            hit = self.memo.listings[key] = (list_files(self.root, folder, ext, depth, local, self.content_arg), local)
        problems.merge(hit[1])
        return hit[0]

    def checked(
        self, rel: str, table: schema.Obj, table_key: object, problems: Problems
    ) -> tuple[Source, dict | None, list]:
        if self.memo is None:
            return super().checked(rel, table, table_key, problems)
        key = (table_key, self.content_arg, str(self.root))
        sig, hit = self.memo.get(self.root, rel, key)
        if hit is not None:
            if hit[1] is not None:
                problems.merge(hit[1])
            return hit[0]
        local = Problems()
        value = read_checked(self.root, rel, self.content_arg, local, False, table)
        problems.merge(local)
        self.memo.keep(sig, rel, key, value, local, self.root)
        return value

    def records(self, files: list[tuple[str, str, bool]], problems: Problems) -> list[RawRecord]:
        memo = self.memo
        keys = {kind: self._key(kind) for kind in {kind for _, kind, _ in files}}
        root = self.root
        if memo is None:
            known: list[tuple] = [(None, None)] * len(files)
        else:
            get = memo.get
            known = [get(root, rel, keys[kind]) for rel, kind, _ in files]
        todo = [item for item, (_, hit) in zip(files, known) if hit is None]
        read = iter(self._read(todo))
        records = []
        for (rel, kind, _), (sig, hit) in zip(files, known):
            if hit is None:
                record, local = next(read)
                if memo is not None:
                    memo.keep(sig, rel, keys[kind], record, local, root)
            else:
                record, local = hit
            if local is not None:
                problems.merge(local)
            records.append(record)
        return records

    def _key(self, kind: str) -> tuple:
        return ("record", kind, self.content_arg, str(self.root))

    def _read(self, todo: list[tuple[str, str, bool]]) -> list[tuple[RawRecord, Problems]]:
        """(record, its problems) for each of `todo`, in order; shared out when there are helpers."""
        if not self.helpers or not todo:
            return [self._one(item) for item in todo]
        claims = _Claims(len(todo))

        def read_claimed(take) -> Iterator[list]:
            while (span := take(READ_BATCH)) is not None:
                yield [(i, *self._one(todo[i])) for i in range(*span)]

        mine: list = []
        first, self.meanwhile = self.meanwhile, None

        def here() -> None:
            if first is not None:
                first()
            mine.extend(read_claimed(claims.from_front))

        theirs = isolate.streamed(read_claimed, self.helpers, claims.from_back, meanwhile=here)
        read = {i: (record, local) for batch in (*mine, *theirs) for i, record, local in batch}
        return [read[i] for i in range(len(todo))]

    def _one(self, item: tuple[str, str, bool]) -> tuple[RawRecord, Problems]:
        rel, kind, markdown = item
        local = Problems()
        return read_record(self.root, rel, kind, self.content_arg, local, markdown), local


class _Claims:
    """Positions 0..n-1 handed out in spans from the front (`from_front`) and from the back
    (`from_back`) until none are left (None), to processes forked after this was made."""

    def __init__(self, n: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self._lock = ctx.Lock()
        self._ends = ctx.RawArray("q", [0, n])  # next from the front, one past the last left

    def from_front(self, size: int) -> tuple[int, int] | None:
        with self._lock:
            start, stop = self._ends
            if start >= stop:
                return None
            self._ends[0] = end = min(start + size, stop)
            return start, end

    def from_back(self, size: int) -> tuple[int, int] | None:
        with self._lock:
            start, stop = self._ends
            if start >= stop:
                return None
            self._ends[1] = begin = max(stop - size, start)
            return begin, stop
