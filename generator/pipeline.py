"""The pipeline: load → validate → derive → plan → render → write.

`build()` runs every stage in order and returns a `BuildResult` (the stages are sequenced by
`incremental.Builder`, which also serves the edit loop of `bulletin serve`); `check()` stops after
validation. Content problems surface as `ContentError` (with every problem of the run) before
anything is written, so a failed build never touches the published site. The full-text search
index (`search.index_site`) is made over the new site folder before it replaces the published
one; a missing Pagefind is a build note (`BuildResult.notes`), never a failure. `today` comes
in as a parameter (the CLI computes it in Asia/Shanghai or takes `--today`); no stage reads the
clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .content.errors import Problem, Problems

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class BuildResult:
    records: int
    pages: int
    files: int  # files in the site
    seconds: float
    warnings: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # warnings about the build itself, not the content (e.g. no search)
    rendered: int = 0  # pages rendered by this build
    written: int = 0  # files whose bytes changed (written) by this build


def check(content: Path, content_arg: str, today: date, drafts: bool = True) -> tuple[int, list[Problem]]:
    """Load and validate only: (records read, all problems)."""
    from .content.load import load
    from .content.validate import validate

    problems = Problems()
    loaded = load(content, content_arg, problems)
    validate(loaded, problems, today, drafts=drafts)
    return len(loaded.all()), problems.sorted()


def build(content: Path, content_arg: str, out: Path, today: date, drafts: bool = False,
          base_url: str | None = None, preview: bool = False, admin=None) -> BuildResult:
    """One full build (no dependency recording); see `incremental.Builder` for the edit loop.
    `preview` puts a 预览 banner on every page (deploy previews); `admin` (admin.AdminOptions)
    adds the web editor under /admin/.

    The quick "nothing changed" check runs before the stages are even imported (see `cache`)."""
    import time

    from .engine import cache
    from .output.theme import Theme

    started = time.perf_counter()
    content_files = cache.signature([content.resolve()])
    theme_files = cache.signature(Theme.for_content(content).dirs)
    key = cache.inputs_key(content, cache.files_digest(content_files), theme_files, out, today,
                           (drafts, preview, admin is not None), base_url)
    saved = cache.unchanged(out, key)
    if saved is not None:
        return BuildResult(saved["records"], saved["pages"], saved["files"], time.perf_counter() - started, ())

    from .engine.incremental import Builder

    builder = Builder(content, out, today, drafts=drafts, base_url=base_url, content_arg=content_arg, tracking=False,
                      preview=preview, admin=admin)
    return builder.rebuild(inputs=(content_files, theme_files, key))
