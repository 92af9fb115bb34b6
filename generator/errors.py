"""Problems as data.

A `Problem` is one thing wrong (or worth a warning) in the content, tied to a file, a line and a
column. Every stage that inspects content appends problems to a `Problems` collector instead of
raising; the orchestrator fails once, with all of them, after validation. `ContentError` carries
the collected problems out of the pipeline so the CLI can print them and exit 1.

The printed form is the compiler convention editors' tools understand:
`path:line:col: error: field: message（hint）`; `Problem.github()` gives the same problem as a
GitHub Actions annotation (`::error file=…,line=…,col=…,title=…::message`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


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

    def format(self) -> str:
        where = f"{self.loc.path}:{self.loc.line}:{self.loc.col}"
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.hint:
            text = f"{text}（{self.hint}）"
        return f"{where}: {self.severity}: {text}"

    def github(self) -> str:
        """The problem as a GitHub Actions workflow command, so it annotates the line in a pull request."""
        text = f"{self.message}（{self.hint}）" if self.hint else self.message
        title = f"bulletin: {self.field}" if self.field else "bulletin"
        props = f"file={_gh_property(self.loc.path)},line={self.loc.line},col={self.loc.col},title={_gh_property(title)}"
        return f"::{self.severity} {props}::{_gh_data(text)}"

    def as_json(self) -> dict:
        return {
            "path": self.loc.path,
            "line": self.loc.line,
            "col": self.loc.col,
            "severity": self.severity,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class Problems:
    """Collects problems across all stages of one run."""

    items: list[Problem] = field(default_factory=list)

    def error(self, loc: Loc, message: str, field: str | None = None, hint: str | None = None) -> None:
        self.items.append(Problem(loc, message, field, hint, "error"))

    def warning(self, loc: Loc, message: str, field: str | None = None, hint: str | None = None) -> None:
        self.items.append(Problem(loc, message, field, hint, "warning"))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity == "error"), key=_order)

    @property
    def warnings(self) -> list[Problem]:
        return sorted((p for p in self.items if p.severity == "warning"), key=_order)

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=_order)

    def __bool__(self) -> bool:
        return any(p.severity == "error" for p in self.items)


def _order(p: Problem) -> tuple:
    return (p.loc.path, p.loc.line, p.loc.col, p.message)


class ContentError(Exception):
    """The content has errors; `problems` holds all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        count = sum(1 for p in problems if p.severity == "error")
        super().__init__(f"{count} content error(s)")


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
