"""The pipeline: load → validate → derive → plan → render → write.

`build()` runs every stage in order and returns a `BuildResult` (the stages are sequenced by
`incremental.Builder`, which also serves the edit loop of `bulletin serve`); `check()` stops after
validation. Content problems surface as `ContentError` (with every problem of the run) before
anything is written, so a failed build never touches the published site. `today` comes in as a
parameter (the CLI computes it in Asia/Shanghai or takes `--today`); no stage reads the clock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .errors import Problem, Problems
from .incremental import BuildResult, Builder
from .load import load
from .validate import validate

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()


def check(content: Path, content_arg: str, today: date, drafts: bool = True) -> tuple[int, list[Problem]]:
    """Load and validate only: (records read, all problems)."""
    problems = Problems()
    loaded = load(content, content_arg, problems)
    validate(loaded, problems, today, drafts=drafts)
    return len(loaded.all()), problems.sorted()


def build(content: Path, content_arg: str, out: Path, today: date, drafts: bool = False,
          base_url: str | None = None) -> BuildResult:
    """One full build (no dependency recording); see `incremental.Builder` for the edit loop."""
    builder = Builder(content, out, today, drafts=drafts, base_url=base_url, content_arg=content_arg, tracking=False)
    return builder.rebuild()
