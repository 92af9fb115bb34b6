"""Problems as data.

A `Problem` is one thing wrong (or worth a warning) in the content, tied to a file, a line and a
column. Every stage that inspects content appends problems to a `Problems` collector instead of
raising; the orchestrator fails once, with all of them, after validation. `ContentError` carries
the collected problems out of the pipeline so the CLI can print them and exit 1.

The printed form is the compiler convention editors' tools understand:
`path:line:col: error: field: message（hint）`; `Problem.github()` gives the same problem as a
GitHub Actions annotation (`::error file=…,line=…,col=…,title=…::message`). A problem's `detail`
(what a tool said in its own words, such as the YAML parser's English) appears in `as_json()`
only, never in the text editors read.

Whatever a problem says passes through `redact()` when it is printed (text, JSON and annotations
alike): a personal number quoted from the content (a phone number typed where an id belongs, a
file named after an ID card) is shown masked, like the privacy check's own findings, so a CI log
never holds one in full. Messages are also capped in length, since they may quote a value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ..domain import privacy

Severity = Literal["error", "warning"]
MAX_MESSAGE_CHARS = 400


def redact(text: str) -> str:
    """`text` with every personal number masked (allow-listed ones too: a log needs none of them)."""
    findings = privacy.scan(text)
    for f in reversed(findings):
        text = text[: f.start] + f.masked + text[f.end :]
    return text


def _cap(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS] + "…"


def _capped(text: str | None) -> str | None:
    return None if text is None else _cap(text)


@dataclass(frozen=True, order=True)
class Loc:
    """A place in a content file. `path` is as the user gave it (content dir + relative path)."""

    path: str
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str
    field: str | None = None
    hint: str | None = None
    severity: Severity = "error"
    detail: str | None = None  # what a tool said (a parser's own words): in `as_json()` only

    def format(self) -> str:
        where = f"{self.loc.path}:{self.loc.line}:{self.loc.col}"
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.hint:
            text = f"{text}（{self.hint}）"
        return redact(f"{where}: {self.severity}: {text}")

    def github(self) -> str:
        """The problem as a GitHub Actions workflow command, so it annotates the line in a pull request."""
        text = f"{self.message}（{self.hint}）" if self.hint else self.message
        title = f"bulletin: {self.field}" if self.field else "bulletin"
        props = (
            f"file={_gh_property(self.loc.path)},line={self.loc.line},col={self.loc.col},title={_gh_property(title)}"
        )
        return f"::{self.severity} {props}::{_gh_data(text)}"

    def as_json(self) -> dict:
        shown = lambda text: None if text is None else redact(text)  # noqa: E731
        return {
            "path": shown(self.loc.path),
            "line": self.loc.line,
            "col": self.loc.col,
            "severity": self.severity,
            "field": shown(self.field),
            "message": shown(self.message),
            "hint": shown(self.hint),
            "detail": shown(self.detail),
        }


MAX_PROBLEMS_PER_FILE = 100


@dataclass
class Problems:
    """Collects problems across all stages of one run.

    At most `MAX_PROBLEMS_PER_FILE` are kept per file; the rest are counted and reported as one
    closing line for that file, so a pasted 2 MB blob cannot bury the real problems (or the CI
    log) under 90 000 lines."""

    items: list[Problem] = field(default_factory=list)
    _per_file: dict[str, int] = field(default_factory=dict, repr=False)
    _hidden: dict[str, list[int]] = field(default_factory=dict, repr=False)  # path -> [errors, warnings]

    def error(
        self, loc: Loc, message: str, field: str | None = None, hint: str | None = None, *, detail: str | None = None
    ) -> None:
        self._add(Problem(loc, _cap(message), _capped(field), _capped(hint), "error", _capped(detail)))

    def warning(
        self, loc: Loc, message: str, field: str | None = None, hint: str | None = None, *, detail: str | None = None
    ) -> None:
        self._add(Problem(loc, _cap(message), _capped(field), _capped(hint), "warning", _capped(detail)))

    def full(self, path: str) -> bool:
        """True once `path` has used up its problems (callers may skip costly hints)."""
        return self._per_file.get(path, 0) >= MAX_PROBLEMS_PER_FILE

    def merge(self, other: Problems) -> None:
        """Take in what `other` collected, the capped counts included: the same as if it had been
        reported here (what a step reported apart, in another process or remembered from an
        earlier build, is reported again this way)."""
        self.extend(other.items)
        for path, counts in other._hidden.items():
            mine = self._hidden.setdefault(path, [0, 0])
            mine[0] += counts[0]
            mine[1] += counts[1]

    def _add(self, problem: Problem) -> None:
        path = problem.loc.path
        if self.full(path):
            self._hidden.setdefault(path, [0, 0])[problem.severity != "error"] += 1
            return
        self._per_file[path] = self._per_file.get(path, 0) + 1
        self.items.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self._add(problem)

    def _summaries(self) -> list[Problem]:
        out = []
        for path, (errors, warnings) in self._hidden.items():
            last = max(p.loc.line for p in self.items if p.loc.path == path)
            counts = "、".join(f"{n} 个{word}" for n, word in ((errors, "错误"), (warnings, "警告")) if n)
            out.append(
                Problem(
                    Loc(path, last, 1),
                    f"此文件另有 {counts}未列出（每个文件最多列出 {MAX_PROBLEMS_PER_FILE} 个）",
                    severity="error" if errors else "warning",
                )
            )
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        summaries = self._summaries()
        last = {id(p) for p in summaries}
        return sorted(self.items + summaries, key=lambda p: (p.loc.path, id(p) in last, *_order(p)[1:]))

    def __bool__(self) -> bool:
        return any(p.severity == "error" for p in self.items) or any(e for e, _ in self._hidden.values())


def _order(p: Problem) -> tuple:
    return (p.loc.path, p.loc.line, p.loc.col, p.message)


class ContentError(Exception):
    """The content has errors; `problems` holds all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = sum(1 for p in problems if p.severity == "error")
        super().__init__(f"{count} content error(s)")


class BuildFailed(Exception):
    """The build could not be finished for a reason that is not the content's (a full disk, a
    search index that failed, an output folder another process owns). `str()` is one Chinese
    sentence that says what happened and what to do; the published site is untouched."""


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A Chinese "did you mean" hint for the closest candidate, or None when nothing is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(str(word), pool, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return f"是不是“{close[0]}”？" if close else None
