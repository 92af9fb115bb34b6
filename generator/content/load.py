"""Files → raw records: discover the content tree, read every file, check it against its table.

`load(content_dir, content_arg, problems)` returns a `Loaded`: for every record file its
`Source` (with its Markdown body rendered to safe HTML, see `markup`), its cleaned fields (or None
when the file could not be read) and the references it makes. File-name rules live here too
(ids from stems, `.yaml` endings, the notice year folder, the evaluation district folder), since
they are about where a file is, not what it says. Nothing here looks across records: that is
`validate`.

Nothing under the content folder is left out without a word: a misplaced or misnamed file is an
error, a hidden one (`.draft.md`, a `.old/` folder) a warning, a folder that is a symbolic link an
error (outside the folder it would publish files from elsewhere; inside, the same files twice).
Only the few files that systems and git leave behind (`HARMLESS`, and `.git*` at the top) pass
unreported.

How the files are read is the `Reader`'s business: this one reads each from disk, here, in turn.
The engine's reader (`engine.reads`) gives the same records and problems while sharing the files
out among processes (a big cold build) or handing back what an unchanged file gave last time (the
edit loop); `load` itself keeps nothing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from . import markup, schema
from .errors import Loc, Problems, did_you_mean
from .sources import Source, display_path, read_source

KNOWN_ENTRIES = {
    "site.yaml",
    "areas.yaml",
    "communities",
    "compounds",
    "companies",
    "evaluations",
    "projects",
    "notices",
    "attachments",
}
PERIOD_RE = re.compile(r"^\d{4}-H[12]$")
# Left in folders by git, macOS Finder and Windows Explorer, never by an editor: not reported
# anywhere. At the top, names starting with ".git" (.git, .gitignore, .github) pass too.
HARMLESS = frozenset({".gitkeep", ".DS_Store", "Thumbs.db", "desktop.ini"})


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


class Reader:
    """Reads the content folder for `load`: each file from disk, in this process, in turn."""

    def __init__(self, root: Path, content_arg: str) -> None:
        self.root, self.content_arg = root, content_arg

    def listing(self, folder: str, ext: str, depth: int, problems: Problems) -> list[str]:
        """The record files of `folder` (see `list_files`)."""
        return list_files(self.root, folder, ext, depth, problems, self.content_arg)

    def checked(
        self, rel: str, table: schema.Obj, table_key: object, problems: Problems
    ) -> tuple[Source, dict | None, list]:
        """One YAML file read and checked against `table` (`table_key` names the table)."""
        return read_checked(self.root, rel, self.content_arg, problems, False, table)

    def records(self, files: list[tuple[str, str, bool]], problems: Problems) -> list[RawRecord]:
        """The records of `files` ((relative path, kind, is Markdown)), in this order."""
        return [
            read_record(self.root, rel, kind, self.content_arg, problems, markdown) for rel, kind, markdown in files
        ]


def read_checked(
    root: Path, rel: str, content_arg: str, problems: Problems, markdown: bool, table: schema.Obj
) -> tuple[Source, dict | None, list]:
    """One file read and checked against `table`: its source (slimmed, its body rendered), its
    cleaned fields and its references."""
    src = read_source(root, rel, content_arg, problems, markdown=markdown)
    fields, refs = schema.check(src, table, problems)
    src.slim()
    if src.body is not None and len(src.body) <= markup.MAX_BODY_CHARS:  # longer: validate reports it
        src.body_html = markup.render_markdown(src.body)
        src.body_numbers = markup.numbers_shown(src.body_html)
    return src, fields, refs


def read_record(root: Path, rel: str, kind: str, content_arg: str, problems: Problems, markdown: bool) -> RawRecord:
    """The record file `rel` of `kind`, its id taken from its name."""
    src, fields, refs = read_checked(root, rel, content_arg, problems, markdown, schema.KIND_TABLES[kind])
    stem = rel.rsplit("/", 1)[1].rsplit(".", 1)[0]
    if not schema.ID_RE.match(stem):
        problems.error(Loc(src.display), f"文件名“{stem}”不能作为标识", hint=schema.ID_RULE)
    return RawRecord(kind, stem, src, fields, refs)


def load(root: Path, content_arg: str, problems: Problems, reader: Reader | None = None) -> Loaded:
    reader = reader if reader is not None else Reader(root, content_arg)
    loaded = Loaded(root, content_arg)
    shown = lambda rel: display_path(content_arg, rel)  # noqa: E731

    for entry in sorted(root.iterdir()):
        if entry.name in KNOWN_ENTRIES or entry.name in HARMLESS or entry.name.startswith(".git"):
            continue
        if entry.name.lower() in ("readme.md", "readme.txt", "readme"):
            continue
        if entry.name.startswith("."):
            _hidden(Loc(shown(entry.name)), entry.name, entry.is_dir(), problems)
            continue
        problems.warning(
            Loc(shown(entry.name)),
            f"内容目录中有无法识别的“{entry.name}”，已忽略",
            hint=did_you_mean(entry.name, KNOWN_ENTRIES),
        )

    for name, kind in (("site.yaml", "site"), ("areas.yaml", "areas")):
        if not (root / name).is_file():
            problems.error(Loc(shown(name)), f"缺少 {name}")
            continue
        src, fields, refs = reader.checked(name, schema.KIND_TABLES[kind], kind, problems)
        setattr(loaded, kind, RawRecord(kind, None, src, fields, refs))

    parts = _evaluation_parts(loaded)

    files: list[tuple[str, str, bool]] = []  # (rel, kind, is Markdown)
    for folder, kind, ext, depth in (
        ("communities", "community", ".yaml", 1),
        ("compounds", "compound", ".yaml", 1),
        ("companies", "company", ".yaml", 1),
        ("projects", "project", ".md", 1),
        ("notices", "notice", ".md", 2),
    ):
        files.extend((rel, kind, ext == ".md") for rel in reader.listing(folder, ext, depth, problems))
    for (rel, kind, _), record in zip(files, reader.records(files, problems)):
        if kind == "notice":
            record.folder = rel.split("/")[1]  # the year
        loaded.records.setdefault(kind, []).append(record)

    if parts is not None:
        table = schema.evaluation_table(list(parts), parts)
        table_key = ("evaluation", tuple(parts.items()))
        for rel in reader.listing("evaluations", ".yaml", 2, problems):
            district = rel.split("/")[1]
            stem = rel.rsplit("/", 1)[1][: -len(".yaml")]
            src, fields, refs = reader.checked(rel, table, table_key, problems)
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


def list_files(root: Path, folder: str, ext: str, depth: int, problems: Problems, content_arg: str) -> list[str]:
    """Relative paths of the record files in `folder`, exactly `depth` levels down, sorted.

    Anything else there (a `.yml`, a stray subfolder, a hidden file, a linked folder) is
    reported, so a misnamed file never silently disappears from the site. Costs what a plain walk
    does: a link is resolved only where there is one.
    """
    base = root / folder
    if os.path.islink(base):  # the folder itself a link: once per folder, not per file
        _linked_folder(root, str(base), folder, problems, content_arg)
        return []
    if not base.is_dir():
        return []
    found = []
    for rel, kind, path in sorted(_walk(str(base), folder), key=lambda item: item[0].split("/")):
        rel_parts = rel.split("/")
        level = len(rel_parts) - 1
        if kind == "hidden" or kind == "hidden folder":
            _hidden(Loc(display_path(content_arg, rel)), rel_parts[-1], kind == "hidden folder", problems)
            continue
        if kind == "linked folder":
            _linked_folder(root, path, rel, problems, content_arg)
            continue
        if kind == "folder":
            if level >= depth:
                problems.error(Loc(display_path(content_arg, rel)), f"{folder}/ 下不应有多层子文件夹")
            continue
        if level != depth:
            where = (
                f"{folder}/<区标识>/"
                if folder == "evaluations"
                else f"{folder}/<年份>/"
                if depth == 2
                else f"{folder}/"
            )
            problems.error(Loc(display_path(content_arg, rel)), f"文件位置不对：应放在 {where} 下")
            continue
        if not rel.endswith(ext):
            problems.error(Loc(display_path(content_arg, rel)), f"文件扩展名应为 {ext}，此文件不会被读取")
            continue
        found.append(rel)
    return found


def _hidden(loc: Loc, name: str, is_dir: bool, problems: Problems) -> None:
    """Warn about the hidden file or folder `name` (one starting with "."), never read."""
    message = (
        f"以“.”开头的文件夹“{name}”是隐藏文件夹，里面的文件都不会读取；要发布请去掉开头的“.”"
        if is_dir
        else f"以“.”开头的文件“{name}”是隐藏文件，不会读取；要发布请去掉开头的“.”"
    )
    problems.warning(loc, message)


def _linked_folder(root: Path, path: str, rel: str, problems: Problems, content_arg: str) -> None:
    """Report the folder `rel` (at `path`), a symbolic link: never followed. Leading out of the
    content folder it would publish files from elsewhere on the machine; leading inside, the
    files it shows are read where they really are, so through the link they would come twice."""
    real_root = os.path.realpath(root)
    target = os.path.realpath(path)
    loc = Loc(display_path(content_arg, rel))
    if os.path.commonpath([real_root, target]) != real_root:
        problems.error(loc, "是指向内容目录以外的文件夹链接，不会读取；请把文件复制进来")
        return
    inside = os.path.relpath(target, real_root).replace(os.sep, "/")
    shown = content_arg if inside == "." else display_path(content_arg, inside)
    problems.error(
        loc, f"是指向内容目录里“{shown}”的文件夹链接，不会读取（同一批文件会读两遍）；请删掉链接，把文件直接放在这里"
    )


def _walk(folder: str, rel: str):
    """(relative path, kind, path) for everything below `folder`: kind "file", "folder" (walked
    too), "linked folder" (not followed), "hidden" or "hidden folder" (not walked). `HARMLESS`
    names are left out. One scandir a folder and no stat beyond what `is_dir` needs (none for
    anything but a link, where the system gives the type)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name in HARMLESS:
                continue
            child = f"{rel}/{name}"
            is_dir = entry.is_dir()
            if name.startswith("."):
                yield child, "hidden folder" if is_dir else "hidden", entry.path
            elif not is_dir:
                yield child, "file", entry.path
            elif entry.is_symlink():
                yield child, "linked folder", entry.path
            else:
                yield child, "folder", entry.path
                yield from _walk(entry.path, child)
