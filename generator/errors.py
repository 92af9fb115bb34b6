"""Problems as data.

A `Problem` is one thing wrong (or worth a warning) in the content, tied to a file, a line and a
column. Every stage that inspects content appends problems to a `Problems` collector instead of
raising; the orchestrator fails once, with all of them, after validation. `ContentError` carries
the collected problems out of the pipeline so the CLI can print them and exit 1.

The printed form is the compiler convention editors' tools understand:
`path:line:col: error: field: message（hint）`.

Whatever a problem says passes through `redact()` when it is printed (text and JSON alike): a
personal number quoted from the content (a phone number typed where an id belongs, a file named
after an ID card) is shown masked, like the privacy check's own findings, so a CI log never holds
one in full. Messages are also capped in length, since they may quote a value.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable, Literal

from . import privacy

Severity = Literal["error", "warning"]
MAX_MESSAGE_CHARS = 400


def redact(text: str) -> str:
    """`text` with every personal number masked (allow-listed ones too: a log needs none of them)."""
    findings = privacy.scan(text)
    for f in reversed(findings):
        text = text[: f.start] + f.masked + text[f.end :]
    return text


def _capped(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_MESSAGE_CHARS:
        return text
    return text[:MAX_MESSAGE_CHARS] + "…"


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
        return redact(f"{where}: {self.severity}: {text}")

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
        }


@dataclass
class Problems:
    """Collects problems across all stages of one run."""

    items: list[Problem] = field(default_factory=list)

    def error(self, loc: Loc, message: str, field: str | None = None, hint: str | None = None) -> None:
        self.items.append(Problem(loc, _capped(message), _capped(field), _capped(hint), "error"))

    def warning(self, loc: Loc, message: str, field: str | None = None, hint: str | None = None) -> None:
        self.items.append(Problem(loc, _capped(message), _capped(field), _capped(hint), "warning"))

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


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A Chinese "did you mean" hint for the closest candidate, or None when nothing is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(str(word), pool, n=1, cutoff=0.5)
    if not close:
        lowered = {c.lower(): c for c in pool}
        close = [lowered[str(word).lower()]] if str(word).lower() in lowered else []
    return f"是不是“{close[0]}”？" if close else None
