"""Files → raw records: discover the content tree, read every file, check it against its table.

`load(content_dir, content_arg, problems)` returns a `Loaded`: for every record file its
`Source`, its cleaned fields (or None when the file could not be read) and the references it
makes. File-name rules live here too (ids from stems, `.yaml` endings, the notice year folder,
the evaluation district folder), since they are about where a file is, not what it says.
Nothing here looks across records: that is `validate`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from . import schema
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
        key = ("record", kind, content_arg, str(root))
        sig = self._sig(root, rel)
        hit = self._items.get(rel, {}).get(key)
        if hit is not None and sig is not None and hit[0] == sig:
            problems.extend(hit[2])
            return hit[1]
        record, kept = problems.keeping(
            lambda into: _read(root, rel, kind, content_arg, into, markdown, self, memo_record=False))
        if sig is not None and kept is not None:
            self._items.setdefault(rel, {})[key] = (sig, record, kept)
        return record


def _read_checked(root: Path, rel: str, content_arg: str, problems: Problems, markdown: bool, table, table_key,
                  memo: FileMemo | None) -> tuple[Source, dict | None, list]:
    if memo is not None:
        return memo.read(root, rel, content_arg, problems, markdown, table, table_key)
    src = read_source(root, rel, content_arg, problems, markdown=markdown)
    fields, refs = schema.check(src, table, problems)
    src.slim()
    return src, fields, refs


def load(root: Path, content_arg: str, problems: Problems, memo: FileMemo | None = None,
         on_body: Callable[[str], None] | None = None) -> Loaded:
    """`on_body(text)` is called with each Markdown body as soon as its file is read (the builder
    hands them to Markdown workers, which render while the rest is read)."""
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

    for folder, kind, ext in (
        ("communities", "community", ".yaml"),
        ("compounds", "compound", ".yaml"),
        ("companies", "company", ".yaml"),
        ("projects", "project", ".md"),
    ):
        for rel in _listing(root, folder, ext, problems, content_arg, 1, memo):
            record = _read(root, rel, kind, content_arg, problems, ext == ".md", memo)
            loaded.records.setdefault(kind, []).append(record)
            if on_body is not None and record.src.body:
                on_body(record.src.body)

    for rel in _listing(root, "notices", ".md", problems, content_arg, 2, memo):
        year = rel.split("/")[1]
        record = _read(root, rel, "notice", content_arg, problems, True, memo)
        record.folder = year
        loaded.records.setdefault("notice", []).append(record)
        if on_body is not None and record.src.body:
            on_body(record.src.body)

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
