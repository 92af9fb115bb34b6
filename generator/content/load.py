"""Files → raw records: discover the content tree, read every file, check it against its table.

`load(content_dir, content_arg, problems)` returns a `Loaded`: for every record file its
`Source`, its cleaned fields (or None when the file could not be read) and the references it
makes. File-name rules live here too (ids from stems, `.yaml` endings, the notice year folder,
the evaluation district folder), since they are about where a file is, not what it says.
Nothing here looks across records: that is `validate`.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..engine import isolate

from . import markup, schema
from .errors import Loc, Problems, did_you_mean
from .sources import Source, display_path, read_source

KNOWN_ENTRIES = {
    "site.yaml", "areas.yaml", "communities", "compounds", "companies", "evaluations",
    "projects", "notices", "attachments",
}
PERIOD_RE = re.compile(r"^\d{4}-H[12]$")


@dataclass
class RawRecord:
    kind: str
    id: str | None
    src: Source
    fields: dict | None
    refs: list[tuple[str, str, Loc, str | None]]
    folder: str | None = None  # notices: the year folder; evaluations: the district folder


@dataclass
class Loaded:
    root: Path
    content_arg: str
    site: RawRecord | None = None
    areas: RawRecord | None = None
    records: dict[str, list[RawRecord]] = field(default_factory=dict)

    def of(self, kind: str) -> list[RawRecord]:
        return self.records.get(kind, [])

    def all(self) -> list[RawRecord]:
        out = [r for r in (self.site, self.areas) if r is not None]
        for kind in sorted(self.records):
            out.extend(self.records[kind])
        return out


class FileMemo:
    """What reading and checking each file gave (source, fields, refs, problems), reused while
    the file's size, mtime and inode stay the same: the incremental builder's cheap reload.
    `forget(rel)` drops one file (when the caller knows it changed whatever its stat says).

    Each record folder's listing (the files found there and the problems about misplaced ones)
    is kept too, until `moved(folders)` says something was created or deleted in one of those
    top-level folders (`moved(None)`: anywhere). A caller that cannot say must call
    `moved(None)` before every load: only the builder's trusted list of changes can."""

    def __init__(self) -> None:
        self._items: dict[str, dict[tuple, tuple]] = {}  # rel -> what each way of reading it gave
        self.stats: dict[str, tuple] = {}  # rel -> (size, mtime, inode), when the caller just scanned them
        self.listings: dict[tuple, tuple[list[str], tuple]] = {}  # see moved()

    def forget(self, rel: str) -> None:
        self._items.pop(rel, None)

    def moved(self, folders) -> None:
        if folders is None:
            self.listings.clear()
        else:
            for key in [k for k in self.listings if k[0] in folders]:
                del self.listings[key]

    def listing(self, root: Path, folder: str, ext: str, problems: Problems, content_arg: str,
                depth: int) -> list[str]:
        key = (folder, ext, depth, content_arg, str(root))
        hit = self.listings.get(key)
        if hit is None:
            local = Problems()
            hit = self.listings[key] = (_files(root, folder, ext, local, content_arg, depth), tuple(local.items))
        problems.extend(hit[1])
        return hit[0]

    def _sig(self, root: Path, rel: str) -> tuple | None:
        sig = self.stats.get(rel)
        if sig is None:
            try:
                st = os.stat(os.path.join(root, rel))
                sig = (st.st_size, st.st_mtime_ns, st.st_ino)
            except OSError:
                sig = None
        return sig

    def read(self, root: Path, rel: str, content_arg: str, problems: Problems, markdown: bool, table,
             table_key) -> tuple[Source, dict | None, list]:
        key = (markdown, table_key, content_arg, str(root))
        sig = self._sig(root, rel)
        hit = self._items.get(rel, {}).get(key)
        if hit is not None and sig is not None and hit[0] == sig:
            problems.extend(hit[4])
            return hit[1], hit[2], hit[3]
        (src, fields, refs), kept = problems.keeping(
            lambda into: _read_checked(root, rel, content_arg, into, markdown, table, table_key, None))
        if sig is not None and kept is not None:
            self._items.setdefault(rel, {})[key] = (sig, src, fields, refs, kept)
        return src, fields, refs

    def record(self, root: Path, rel: str, kind: str, content_arg: str, problems: Problems,
               markdown: bool) -> RawRecord:
        """`_read`'s record, the very same object while the file is unchanged."""
        sig, hit = self.cached_record(root, rel, kind, content_arg)
        if hit is not None:
            problems.extend(hit[1])
            return hit[0]
        record, kept = problems.keeping(
            lambda into: _read(root, rel, kind, content_arg, into, markdown, self, memo_record=False))
        if kept is not None:
            self.keep_record(sig, root, rel, kind, content_arg, record, kept)
        return record

    def cached_record(self, root: Path, rel: str, kind: str, content_arg: str) -> tuple[tuple | None, tuple | None]:
        """The file's signature now, and the record kept for it with the problems reading it
        reported (None unless the file is unchanged since)."""
        sig = self._sig(root, rel)
        hit = self._items.get(rel, {}).get(("record", kind, content_arg, str(root)))
        if hit is not None and sig is not None and hit[0] == sig:
            return sig, (hit[1], hit[2])
        return sig, None

    def keep_record(self, sig: tuple | None, root: Path, rel: str, kind: str, content_arg: str,
                    record: RawRecord, kept: tuple) -> None:
        """Remember `record` and its problems for the file whose signature was `sig` before it was read."""
        if sig is not None:
            self._items.setdefault(rel, {})[("record", kind, content_arg, str(root))] = (sig, record, kept)


def _read_checked(root: Path, rel: str, content_arg: str, problems: Problems, markdown: bool, table, table_key,
                  memo: FileMemo | None) -> tuple[Source, dict | None, list]:
    if memo is not None:
        return memo.read(root, rel, content_arg, problems, markdown, table, table_key)
    src = read_source(root, rel, content_arg, problems, markdown=markdown)
    fields, refs = schema.check(src, table, problems)
    src.slim()
    return src, fields, refs


def load(root: Path, content_arg: str, problems: Problems, memo: FileMemo | None = None,
         helpers: int = 0) -> Loaded:
    """`helpers`: how many forked processes read the record files alongside this one (fork
    only), rendering their Markdown bodies too; the same records and problems (`_read_all`)."""
    loaded = Loaded(root, content_arg)
    shown = lambda rel: display_path(content_arg, rel)  # noqa: E731

    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name in KNOWN_ENTRIES:
            continue
        if entry.name.lower() in ("readme.md", "readme.txt", "readme"):
            continue
        problems.warning(
            Loc(shown(entry.name)), f"内容目录中有无法识别的“{entry.name}”，已忽略",
            hint=did_you_mean(entry.name, KNOWN_ENTRIES),
        )

    for name, kind in (("site.yaml", "site"), ("areas.yaml", "areas")):
        if not (root / name).is_file():
            problems.error(Loc(shown(name)), f"缺少 {name}")
            continue
        src, fields, refs = _read_checked(root, name, content_arg, problems, False, schema.KIND_TABLES[kind], kind, memo)
        setattr(loaded, kind, RawRecord(kind, None, src, fields, refs))

    parts = _evaluation_parts(loaded)

    files = []  # (rel, kind, is Markdown)
    for folder, kind, ext, depth in (
        ("communities", "community", ".yaml", 1),
        ("compounds", "compound", ".yaml", 1),
        ("companies", "company", ".yaml", 1),
        ("projects", "project", ".md", 1),
        ("notices", "notice", ".md", 2),
    ):
        listed = _listing(root, folder, ext, problems, content_arg, depth, memo)
        files.extend((rel, kind, ext == ".md") for rel in listed)
    records = _read_all(root, content_arg, problems, files, memo, helpers if isolate.available() else 0)
    for (rel, kind, _), record in zip(files, records):
        if kind == "notice":
            record.folder = rel.split("/")[1]  # the year
        loaded.records.setdefault(kind, []).append(record)

    if parts is not None:
        table = schema.evaluation_table(list(parts), parts)
        table_key = ("evaluation", tuple(parts.items()))
        for rel in _listing(root, "evaluations", ".yaml", problems, content_arg, 2, memo):
            district = rel.split("/")[1]
            stem = rel.rsplit("/", 1)[1][: -len(".yaml")]
            src, fields, refs = _read_checked(root, rel, content_arg, problems, False, table, table_key, memo)
            if not PERIOD_RE.match(stem):
                problems.error(Loc(src.display), f"考评文件名“{stem}.yaml”应为考评期，如 2025-H1.yaml 或 2025-H2.yaml")
            record = RawRecord("evaluation", stem, src, fields, refs, folder=district)
            loaded.records.setdefault("evaluation", []).append(record)
    return loaded


def _evaluation_parts(loaded: Loaded) -> dict[str, Decimal] | None:
    """The evaluation parts from site.yaml (key → max), or None when site.yaml is unusable."""
    if loaded.site is None or loaded.site.fields is None:
        return None
    evaluation = loaded.site.fields.get("evaluation")
    if not evaluation or "parts" not in evaluation:
        return None
    return {key: part["max"] for key, part in evaluation["parts"] if "max" in part}


READ_BATCH = 32  # record files taken at a time when they are shared out among processes


def _read_all(root: Path, content_arg: str, problems: Problems, files: list[tuple[str, str, bool]],
              memo: FileMemo | None, helpers: int) -> list[RawRecord]:
    """The records of `files` ((rel, kind, is Markdown)), in this order. With `helpers`, that
    many forked processes read them too, with their Markdown bodies rendered and the numbers a
    reader would see in them found (filling this process's `markup` memo): this process takes
    files from the front of the list and the helpers from the back, in batches, until they meet,
    so the work is shared out however busy each core is. Only the helpers' records are pickled,
    each batch as soon as it is read (a helper then holds little, see `isolate.streamed`). Each
    file's problems are collected apart (the per-file cap counts the same) and added in file
    order: the same records and problems as one process reading alone. What `memo` holds is not
    read again."""
    if not helpers:
        return [_read(root, rel, kind, content_arg, problems, markdown, memo) for rel, kind, markdown in files]
    cached = [memo.cached_record(root, rel, kind, content_arg) if memo is not None else (None, None)
              for rel, kind, _ in files]
    todo = [item for item, (_, hit) in zip(files, cached) if hit is None]
    claims = _Claims(len(todo))

    def read_claimed(take):
        """Batches of (position in `todo`, record, its problems, its body's HTML and markup.scan_shown
        of it, or None twice)."""
        while (span := take(READ_BATCH)) is not None:
            batch = []
            for i in range(*span):
                rel, kind, markdown = todo[i]
                local = Problems()
                record = _read(root, rel, kind, content_arg, local, markdown)
                html = markup.rendered(record.src.body) if record.src.body else None
                batch.append((i, record, local, html, markup.scan_shown(html) if html is not None else None))
            yield batch

    mine = []
    theirs = isolate.streamed(read_claimed, helpers, claims.from_back,
                              meanwhile=lambda: mine.extend(read_claimed(claims.from_front)))
    read = {i: rest for batch in (*mine, *theirs) for i, *rest in batch}
    records = []
    position = 0
    for (rel, kind, _), (sig, hit) in zip(files, cached):
        if hit is not None:
            record, kept = hit
            problems.extend(kept)
        else:
            record, local, html, numbers = read.pop(position)
            position += 1
            problems.merge(local)
            if html is not None:
                markup.remember(record.src.body, html, numbers)
            if memo is not None and not local.capped():
                memo.keep_record(sig, root, rel, kind, content_arg, record, tuple(local.items))
        records.append(record)
    return records


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


def _read(root: Path, rel: str, kind: str, content_arg: str, problems: Problems, markdown: bool,
          memo: FileMemo | None = None, memo_record: bool = True) -> RawRecord:
    if memo is not None and memo_record:
        return memo.record(root, rel, kind, content_arg, problems, markdown)
    src, fields, refs = _read_checked(root, rel, content_arg, problems, markdown, schema.KIND_TABLES[kind], kind, memo)
    stem = rel.rsplit("/", 1)[1].rsplit(".", 1)[0]
    if not schema.ID_RE.match(stem):
        problems.error(Loc(src.display), f"文件名“{stem}”不能作为标识", hint=schema.ID_RULE)
    return RawRecord(kind, stem, src, fields, refs)


def _listing(root: Path, folder: str, ext: str, problems: Problems, content_arg: str, depth: int,
             memo: FileMemo | None) -> list[str]:
    if memo is not None:
        return memo.listing(root, folder, ext, problems, content_arg, depth)
    return _files(root, folder, ext, problems, content_arg, depth)


def _files(root: Path, folder: str, ext: str, problems: Problems, content_arg: str, depth: int) -> list[str]:
    """Relative paths of the record files in `folder`, exactly `depth` levels down, sorted.

    Anything else there (a `.yml`, a stray subfolder) is reported, so a misnamed file never
    silently disappears from the site.
    """
    base = root / folder
    if not base.is_dir():
        return []
    found = []
    for rel, is_dir in sorted(_walk(str(base), folder), key=lambda item: item[0].split("/")):
        rel_parts = rel.split("/")
        level = len(rel_parts) - 1
        if is_dir:
            if level >= depth:
                problems.error(Loc(display_path(content_arg, rel)), f"{folder}/ 下不应有多层子文件夹")
            continue
        if level != depth:
            where = f"{folder}/<区标识>/" if folder == "evaluations" else f"{folder}/<年份>/" if depth == 2 else f"{folder}/"
            problems.error(Loc(display_path(content_arg, rel)), f"文件位置不对：应放在 {where} 下")
            continue
        if not rel.endswith(ext):
            problems.error(Loc(display_path(content_arg, rel)), f"文件扩展名应为 {ext}，此文件不会被读取")
            continue
        found.append(rel)
    return found


def _walk(folder: str, rel: str):
    """(relative path, is a folder) for everything below `folder`, hidden entries skipped."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            child = f"{rel}/{entry.name}"
            is_dir = entry.is_dir()
            yield child, is_dir
            if is_dir and not entry.is_symlink():
                yield from _walk(entry.path, child)
