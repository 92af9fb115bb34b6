"""Reading content files: YAML documents and Markdown with YAML front matter.

`read_source()` turns one file into a `Source`: plain Python data plus where every key and value
came from (line and column from the parser's marks), the raw scalar spans for the privacy scan,
and, for Markdown, the body with its first line number. It never raises for bad content: syntax
errors, invalid UTF-8, control characters, duplicate keys, YAML aliases, over-deep nesting and
impossible dates become problems, and the data returned is whatever could be read (possibly None).

Input is bounded: at most `MAX_FILE_BYTES` are read (a special file, or a link leading out of
the content folder, is refused unread), and the data is built straight from the parser's events
(`_Builder`, one pass, no node tree), which refuses nesting deeper than `MAX_DEPTH` and more than
`MAX_NODES` nodes before following them; PyYAML's composer recursed and would crash the process on
a 100 000-deep `[[[[…`. docs/limits.md lists every limit.

Numbers with a fraction become `Decimal` built from the text as written (exact arithmetic later);
`.inf`/`.nan` stay floats so that validation can reject them.
"""

from __future__ import annotations

import bisect
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from . import slips
from .errors import Loc, Problems

try:  # libyaml's C parser when present: same nodes, several times faster
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 200_000
SHOWN_CHARS = 40  # how much of an offending value a message repeats
_SUSPECT = ("\u3000", "【", "［", "“", "，")  # characters that send a parsed document to `slips.parsed`

# Characters that have no business in an editor's text and make the published HTML invalid: C0
# controls other than tab and line breaks, DEL, C1 controls, and the Unicode noncharacters.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def shown(text: str) -> str:
    """`text` cut short for an error message (a value can be megabytes long)."""
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def control_problem(text: str) -> tuple[int, str] | None:
    """(index, message) of the first control character in `text`, or None."""
    m = CONTROL_RE.search(text)
    if m is None:
        return None
    return m.start(), f"含有不可见的控制字符 U+{ord(m.group()):04X}，请删除（常见于从其他软件复制的文字）"


Path_ = tuple  # a path into the data: ("scores", 3, "authority")


@dataclass(frozen=True)
class ScalarSpan:
    """One scalar of the file: its data path, its raw source slice and its constructed value."""

    path: Path_
    start: int
    end: int
    value: Any
    is_key: bool = False


@dataclass
class Source:
    rel: str  # path relative to the content directory, with forward slashes
    display: str  # path as shown in diagnostics
    text: str
    data: Any = None
    # Where each key and value starts, packed as line << 32 | column (`_pack`): a province's
    # sources hold millions of them, and a Loc is made only when a problem is reported.
    keys: dict[Path_, int] = field(default_factory=dict)
    values: dict[Path_, int] = field(default_factory=dict)
    scalars: list[ScalarSpan] = field(default_factory=list)
    body: str | None = None
    body_line: int = 1
    body_html: str | None = None  # the body as published (markup.render_markdown), set by load
    body_numbers: tuple = ()  # markup.numbers_shown(body_html), set by load
    ok: bool = True  # False when the file could not be parsed at all
    pii: tuple = ()  # privacy.file_candidates(), set by `slim()`
    _line_starts: list[int] = field(default_factory=list, repr=False)

    def loc(self, path: Path_ = (), key: bool = False) -> Loc:
        """Where `path` is (its key when `key`), falling back to the nearest enclosing node."""
        path = tuple(path)
        while True:
            table = self.keys if key else self.values
            if path in table:
                return self._at(table[path])
            if not key and path in self.keys:
                return self._at(self.keys[path])
            if not path:
                return Loc(self.display, 1, 1)
            path = path[:-1]
            key = False

    def _at(self, packed: int) -> Loc:
        return Loc(self.display, packed >> 32, packed & 0xFFFFFFFF)

    def slim(self) -> None:
        """Keep what later stages need (data, locations, body, privacy candidates) and drop the
        text and scalar spans, which are only read by the privacy scan done here."""
        from ..domain.privacy import file_candidates

        self.pii = file_candidates(self)
        self.scalars = []
        self.text = ""
        self._line_starts = []

    def key_loc(self, path: Path_) -> Loc:
        return self.loc(path, key=True)

    def index_loc(self, index: int) -> Loc:
        """Line and column (1-based) of a character index into `text`."""
        if not self._line_starts:
            starts = [0]
            pos = self.text.find("\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = self.text.find("\n", pos + 1)
            self._line_starts = starts
        line = bisect.bisect_right(self._line_starts, index) - 1
        return Loc(self.display, line + 1, index - self._line_starts[line] + 1)


def display_path(content_arg: str, rel: str) -> str:
    return os.path.join(content_arg, *rel.split("/"))


def read_source(root: Path, rel: str, content_arg: str, problems: Problems, markdown: bool = False) -> Source:
    """Read `root/rel` as YAML (or Markdown with front matter) into a Source."""
    display = display_path(content_arg, rel)
    src = Source(rel=rel, display=display, text="")
    raw = _read_bounded(root, rel, display, problems)
    if raw is None:
        src.ok = False
        return src
    # UTF-16 first: its ASCII has a NUL in every other byte, and it must be named as what it is.
    wrong = slips.encoding(raw) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw else None
    text = None if wrong else _decode(raw)
    if text is None:
        _report(src, slips.encoding(raw) if wrong is None else wrong, problems)
        src.ok = False
        return src
    src.text = text
    if "\x00" in text:
        src.ok = False
        problems.error(src.index_loc(text.index("\x00")), "文件含有空字符（NUL），不是文本文件")
        return src
    control = control_problem(text)
    if control is not None:
        src.ok = False
        problems.error(src.index_loc(control[0]), f"文件{control[1]}")
        return src
    if ("<<<<<<<" in text or ">>>>>>>" in text) and _report(src, slips.conflict_markers(text), problems):
        src.ok = False  # never published, body included, until one version is kept
        return src

    yaml_text = text
    if markdown:
        split = _split_front_matter(text)
        if split is None:
            _report(src, [slips.front_matter(text)], problems)
            src.ok = False
            return src
        yaml_end, body_start = split
        yaml_text = text[:yaml_end]
        src.body = text[body_start:]
        src.body_line = text.count("\n", 0, body_start) + 1

    builder = _Builder(src)
    try:
        data = builder.document(yaml_text)
    except _Refused as refused:
        mark = refused.mark
        problems.error(Loc(display, mark.line + 1, mark.column + 1), refused.message)
        src.ok = False
        return src
    except yaml.MarkedYAMLError as exc:
        _syntax_error(src, yaml_text, exc, problems)
        src.ok = False
        return src
    except yaml.YAMLError as exc:
        problems.error(Loc(display), f"YAML 语法错误：{slips.reason(str(exc))}", detail=str(exc))
        src.ok = False
        return src
    # What the document says is reported only once all of it has parsed: a file with a syntax
    # error anywhere gets that error alone, as before anything was built.
    problems.extend(builder.problems.items)
    if builder.broken:
        src.ok = False
    if isinstance(data, str) and _report(src, slips.lines_of(yaml_text), problems):
        src.ok = False  # `title：标题` lines read as one piece of text: the slips say why
        return src
    if any(char in yaml_text for char in _SUSPECT):
        _report(src, slips.parsed(yaml_text), problems)
    src.data = data
    return src


def _report(src: Source, found: list[slips.Slip], problems: Problems, detail: str | None = None) -> bool:
    """Report `found` as problems of `src`; True when there was any."""
    for slip in found:
        report = problems.error if slip.severity == "error" else problems.warning
        report(Loc(src.display, slip.line, slip.col), slip.message, hint=slip.hint, detail=detail)
    return bool(found)


def _syntax_error(src: Source, yaml_text: str, exc: yaml.MarkedYAMLError, problems: Problems) -> None:
    """The parser's error, explained in Chinese where the mistake is (`slips.diagnose`); its own
    words go in the problem's detail only."""
    said = exc.problem or exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    if "nesting depth" in said:
        # Newer libyaml (PyYAML 6.0.4 wheels) caps flow nesting in its scanner, which reads
        # ahead of the events our depth check counts: the same refusal, in our words.
        loc = Loc(src.display, mark.line + 1, mark.column + 1) if mark else Loc(src.display)
        problems.error(loc, f"嵌套层级过深（超过 {MAX_DEPTH} 层）")
        return
    context = exc.context if exc.problem else None
    context_at = (exc.context_mark.line + 1, exc.context_mark.column + 1) if exc.context_mark else None
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    detail = " ".join(str(exc).split())
    _report(src, slips.diagnose(yaml_text, line, col, said, context, context_at), problems, detail)


def _read_bounded(root: Path, rel: str, display: str, problems: Problems) -> bytes | None:
    """The file's bytes, or None (with a problem) when it is too big, not a regular file, or a link
    leading out of the content folder. Never reads more than MAX_FILE_BYTES + 1 bytes."""
    path = root / rel
    try:
        info = _unlinked_stat(root, rel)
        linked = info is None
        if info is None:
            info = os.stat(path)  # follows a link: what matters is what would be read
        if not stat.S_ISREG(info.st_mode):
            problems.error(Loc(display), "不是普通文件（可能是设备、管道或文件夹），不能读取")
            return None
        if linked:
            real_root = os.path.realpath(root)
            if os.path.commonpath([real_root, os.path.realpath(path)]) != real_root:
                problems.error(Loc(display), "是指向内容目录以外的链接，不允许")
                return None
        if info.st_size > MAX_FILE_BYTES:
            problems.error(Loc(display), f"文件过大（{info.st_size} 字节），上限为 {MAX_FILE_BYTES} 字节")
            return None
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.error(Loc(display), f"无法读取文件：{exc.strerror or exc}")
        return None
    if len(raw) > MAX_FILE_BYTES:  # grew after stat
        problems.error(Loc(display), f"文件过大，上限为 {MAX_FILE_BYTES} 字节")
        return None
    return raw


def _unlinked_stat(root: Path, rel: str) -> os.stat_result | None:
    """`os.lstat` of root/rel when no part of `rel` is a symbolic link, so the file is inside the
    content folder whatever the folder itself is; None otherwise (the caller then resolves both
    paths). One lstat a part, where resolving both paths costs one for every part of each."""
    parts = rel.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    at = str(root)
    for part in parts:
        at = os.path.join(at, part)
        info = os.lstat(at)
        if stat.S_ISLNK(info.st_mode):
            return None
    return info


def _decode(raw: bytes) -> str | None:
    """`raw` as UTF-8 text with Unix line ends, or None (`slips.encoding` says why)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if text.startswith("\ufeff"):
        text = text[1:]  # a BOM from Windows editors is harmless: drop it
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_front_matter(text: str) -> tuple[int, int] | None:
    """(end of the YAML part, start of the body) for a `---` fenced front matter, or None."""
    first = text.find("\n")
    if text[: len(text) if first == -1 else first].rstrip() != "---":
        return None  # `slips.front_matter` says why
    if first == -1:
        return None
    pos = first + 1
    while True:
        nl = text.find("\n", pos)
        line = text[pos:] if nl == -1 else text[pos:nl]
        if line.rstrip() in ("---", "..."):
            return pos, (len(text) if nl == -1 else nl + 1)
        if nl == -1:
            return None
        pos = nl + 1


class _Refused(Exception):
    """A document past a bound (`MAX_DEPTH`, `MAX_NODES`): refused where it crossed it."""

    def __init__(self, mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


_SCALAR, _SEQUENCE, _MAPPING, _ALIAS = (
    yaml.ScalarEvent,
    yaml.SequenceStartEvent,
    yaml.MappingStartEvent,
    yaml.AliasEvent,
)
_STR = "tag:yaml.org,2002:str"
# The first characters for which a plain scalar may resolve to something other than text (digits,
# signs, dots, ~, n/N, t/T, y/Y, o/O, …): any other plain scalar is text without asking the
# resolver, as are quoted and block scalars. Most scalars here begin with a Chinese character.
_TYPED_FIRST = frozenset(_Loader.yaml_implicit_resolvers)
_RESOLVE_ALL = None in _TYPED_FIRST  # a resolver registered for any first character: ask it always


class _Builder:
    """Turns the parser's events into plain data in one pass, recording positions and problems.

    The events are read one at a time (libyaml's parser, iterative): nesting is bounded before
    it is followed, and no node tree is made (PyYAML's composer recurses in C and would crash
    the process on a 100 000-deep `[[[[…`). What the composer would refuse is refused the same
    way (another document, an undefined or repeated anchor: `ComposerError`); every alias is a
    problem, reported where its anchor is, so no content is ever expanded twice."""

    def __init__(self, src: Source):
        self.src = src
        self.problems = Problems()
        self.constructor = yaml.constructor.SafeConstructor()
        self.anchors: dict[str, Any] = {}  # anchor -> start mark of its node
        self.count = 0
        self.broken = False

    def document(self, text: str) -> Any:
        """The document's data (None for an empty stream)."""
        loader = _Loader(text)
        try:
            self.next = loader.get_event
            self.resolve = loader.resolve
            self.next()  # StreamStartEvent
            event = self.next()
            if isinstance(event, yaml.StreamEndEvent):
                return None
            first = self.next()  # after DocumentStartEvent, the root node
            data = self.node(first, (), 0)
            self.next()  # DocumentEndEvent
            event = self.next()
            if not isinstance(event, yaml.StreamEndEvent):
                raise yaml.composer.ComposerError(
                    "expected a single document in the stream",
                    first.start_mark,
                    "but found another document",
                    event.start_mark,
                )
            return data
        finally:
            loader.dispose()

    def _error(self, mark, message: str) -> None:
        self.problems.error(Loc(self.src.display, mark.line + 1, mark.column + 1), message)

    def _fail(self, mark, message: str) -> None:
        """A problem with the document's structure: the file is not usable as read (`Source.ok`)."""
        self._error(mark, message)
        self.broken = True

    @staticmethod
    def _pack(mark) -> int:
        return (mark.line + 1) << 32 | (mark.column + 1)

    def _aliased(self, event):
        """Report an alias (never expanded) where its anchor is, and return that place."""
        mark = self.anchors[event.anchor]
        self._fail(mark, "这里的内容被 YAML 别名（*）再次引用；不支持锚点和别名（& 与 *），请把内容直接写出来")
        return mark

    def _counted(self, event, depth: int) -> type:
        """The event's class, once the bounds and the anchors are checked for this node."""
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(event.start_mark, f"文件结构过大（超过 {MAX_NODES} 个节点）")
        kind = type(event)
        if kind is _ALIAS:
            if event.anchor not in self.anchors:
                raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
            return kind
        if kind is not _SCALAR and depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"嵌套层级过深（超过 {MAX_DEPTH} 层）")
        anchor = event.anchor
        if anchor is not None:
            if anchor in self.anchors:
                raise yaml.composer.ComposerError(
                    "found duplicate anchor; first occurrence",
                    self.anchors[anchor],
                    "second occurrence",
                    event.start_mark,
                )
            self.anchors[anchor] = event.start_mark
        return kind

    def node(self, event, path: Path_, depth: int) -> Any:
        """The value of the node that starts with `event`, inside `depth` collections."""
        kind = self._counted(event, depth)
        src = self.src
        if kind is _ALIAS:
            src.values.setdefault(path, self._pack(self._aliased(event)))
            return None
        src.values.setdefault(path, self._pack(event.start_mark))
        if kind is _SCALAR:
            value = self.scalar(event)
            src.scalars.append(ScalarSpan(path, event.start_mark.index, event.end_mark.index, value))
            return value
        if kind is _SEQUENCE:
            items: list = []
            event = self.next()
            while type(event) is not yaml.SequenceEndEvent:
                items.append(self.node(event, path + (len(items),), depth + 1))
                event = self.next()
            return items
        result: dict = {}
        key_event = self.next()
        while type(key_event) is not yaml.MappingEndEvent:
            if self._counted(key_event, depth + 1) is not _SCALAR:
                if type(key_event) is _ALIAS:
                    self._aliased(key_event)
                else:
                    self._fail(key_event.start_mark, "字段名必须是简单文本")
                    self._skip_inside(depth + 1)
                self._skip(self.next(), depth + 1)
                key_event = self.next()
                continue
            key = self.scalar(key_event)
            if isinstance(key, (Decimal, float)):
                key = key_event.value
            # Paths name mapping keys as text, so that an int key (a year) is never mistaken for a
            # list index.
            inner = path + (key if isinstance(key, str) else key_event.value,)
            src.scalars.append(ScalarSpan(inner, key_event.start_mark.index, key_event.end_mark.index, key, True))
            if key in result:
                self._fail(key_event.start_mark, f"字段“{key}”重复出现")
                self._skip(self.next(), depth + 1)
            else:
                src.keys[inner] = self._pack(key_event.start_mark)
                result[key] = self.node(self.next(), inner, depth + 1)
            key_event = self.next()
        return result

    def _skip(self, event, depth: int) -> None:
        """Read past the node that starts with `event`, bounds and anchors checked, nothing built."""
        if self._counted(event, depth) in (_SEQUENCE, _MAPPING):
            self._skip_inside(depth)

    def _skip_inside(self, depth: int) -> None:
        """Read past the rest of a collection just started inside `depth` others."""
        event = self.next()
        while type(event) not in (yaml.SequenceEndEvent, yaml.MappingEndEvent):
            self._skip(event, depth + 1)
            event = self.next()

    def scalar(self, event) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            value = event.value
            if event.implicit[0] and (value[:1] in _TYPED_FIRST or _RESOLVE_ALL):
                tag = self.resolve(yaml.ScalarNode, value, event.implicit)
            else:
                tag = _STR
        if tag == _STR:
            # What SafeConstructor.construct_yaml_str returns, without its bookkeeping: most
            # scalars are text (1.8 of 2.5 million at province size).
            return event.value
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        if node.tag == "tag:yaml.org,2002:float":
            text = node.value.replace("_", "")
            lowered = text.lower()
            if lowered.lstrip("+-") in (".inf", ".nan"):
                return float(lowered.replace(".", ""))
            try:
                return Decimal(text)
            except InvalidOperation:
                return node.value
        if node.tag == "tag:yaml.org,2002:timestamp":
            try:
                return self.constructor.construct_object(node)
            except (ValueError, OverflowError):
                self._error(node.start_mark, f"“{shown(node.value)}”不是有效的日期")
                return None
        try:
            return self.constructor.construct_object(node)
        except yaml.constructor.ConstructorError as exc:
            self._error(node.start_mark, f"无法识别的 YAML 值：{exc.problem}")
            return None
        except (ValueError, OverflowError):
            self._error(node.start_mark, f"无法识别的值“{shown(node.value)}”")
            return None
