"""The pipeline: load → validate → derive → plan → render → write.

`build()` runs every stage in order and returns a `BuildResult`; `check()` stops after
validation. Content problems surface as `ContentError` (with every problem of the run) before
anything is written, so a failed build never touches the published site. The full-text search
index (`search.index_site`) is made over the new site folder before it replaces the published
one; a missing Pagefind is a build note (`BuildResult.notes`), never a failure. `today` comes
in as a parameter (the CLI computes it in Asia/Shanghai or takes `--today`); no stage reads the
clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from . import admin as admin_site
from .derive import derive
from .errors import ContentError, Loc, Problem, Problems
from .history import read_history
from .load import load
from .render import Renderer, Theme, static_outputs
from .routes import RouteCollision, plan
from .search import index_site, locate_pagefind
from .validate import validate
from .write import write_site

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(SHANGHAI).date()


@dataclass(frozen=True)
class BuildResult:
    records: int
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]
    notes: tuple[str, ...] = ()  # warnings about the build itself, not the content (e.g. no search)


def check(content: Path, content_arg: str, today: date, drafts: bool = True) -> tuple[int, list[Problem]]:
    """Load and validate only: (records read, all problems)."""
    problems = Problems()
    loaded = load(content, content_arg, problems)
    validate(loaded, problems, today, drafts=drafts)
    return len(loaded.all()), problems.sorted()


def build(content: Path, content_arg: str, out: Path, today: date, drafts: bool = False,
          base_url: str | None = None, preview: bool = False,
          admin: admin_site.AdminOptions | None = None) -> BuildResult:
    """Build the site into `out`. `preview` puts a 预览 banner on every page (deploy previews);
    `admin` adds the web editor under /admin/."""
    started = time.perf_counter()
    problems = Problems()
    loaded = load(content, content_arg, problems)
    site = validate(loaded, problems, today, drafts=drafts)
    if site is None:
        raise ContentError(problems.sorted())
    if base_url:
        site = replace(site, info=replace(site.info, base_url=base_url if base_url.endswith("/") else base_url + "/"))
    derived = derive(site, today)
    history = read_history(content, today)
    try:
        the_plan = plan(site, derived, history)
    except RouteCollision as exc:
        raise ContentError([Problem(Loc(content_arg), str(exc))]) from None

    pagefind = locate_pagefind(content)
    notes = [pagefind.problem] if pagefind.problem else []
    theme = Theme.for_content(content)
    files, asset_urls = static_outputs(theme)
    renderer = Renderer(site, derived, theme, asset_urls, today, history, fulltext_search=pagefind.ready,
                        preview=preview)
    for page in the_plan.pages:
        files[page.path] = renderer.render(page)
    files.update(the_plan.data)
    copies = {path: content / "attachments" / rel for path, rel in the_plan.copies.items()}
    if admin is not None:
        admin_files, admin_copies = admin_site.outputs(site, content, content_arg, admin, today)
        files.update(admin_files)
        copies.update(admin_copies)
    written = write_site(out, files, copies, before_swap=lambda tmp: notes.extend(index_site(tmp, pagefind)))
    return BuildResult(
        records=site.record_count,
        pages=len(the_plan.pages),
        files=written,
        seconds=time.perf_counter() - started,
        warnings=tuple(problems.warnings),
        notes=tuple(notes),
    )
