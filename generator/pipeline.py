"""The pipeline: load → validate → derive → plan → render → write.

`build()` runs the stages in order, each one named call, and returns a `BuildResult`; `check()`
runs load → validate and returns every problem. Each stage is a plain function of the module
that owns it:

| stage    | function                         | takes → gives                                        |
|----------|----------------------------------|------------------------------------------------------|
| load     | `content.load.load`              | the content folder → `Loaded` (files read, checked)  |
| validate | `content.validate.validate`      | `Loaded` → `Site` (frozen records), or the problems  |
| derive   | `domain.derive.derive`           | `Site`, the build date → `Derived` (lists, indexes)  |
| plan     | `output.routes.plan`             | → `Plan`: every page, data file and copy, by path    |
| render   | `engine.pages.render_pages`      | each page's bytes, staged beside the site            |
| write    | `engine.write.SiteWriter.commit` | the new site, published in one atomic swap           |

How they run is the engine's (`engine.incremental.Session`): again and again in one process with
only what changed made again (`Builder`, the edit loop of `bulletin serve`), or once per process
(`bulletin build`), which runs the same remembering session and leaves its state beside the
output for the next `bulletin build` (`engine.persist`), so that a build after an edit makes
again only what the edit touches; above `persist.MAX_FILES` content files that state would not
fit the memory bound, and a build is one-shot (the content read in a child process, pages
rendered on every core, nothing kept). Content problems surface as `ContentError` (with every problem of
the run) before anything is written, so a failed build never touches the published site. The
full-text search index (`output.search.index_site`) is made over the new site folder before it
replaces the published one; a missing (or too old) Pagefind is a build note (`BuildResult.notes`)
and the search page offers the directories instead, but any other failure of the index (a full
disk, a crash, no answer) is `BuildFailed`: the previous site stays, and no site is published
whose search page points at a missing index. Only one build writes a folder at a time
(`engine.lock`). `today` comes in as a parameter (the CLI computes it in Asia/Shanghai or takes
`--today`); no stage reads the clock.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .content import attachments
from .content.errors import BuildFailed, ContentError, Loc, Problem, Problems
from .content.history import SHANGHAI, with_import
from .engine import cache, persist
from .engine.attachscan import Scanner
from .engine.incremental import Session
from .output.theme import Theme


def today_in_shanghai(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(SHANGHAI).date()


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
    scheduled: tuple[tuple[str, str], ...] = ()  # notices dated after the build date: (YYYY-MM-DD, title)


def check(
    content: Path, content_arg: str, today: date, drafts: bool = True, out: Path | None = None
) -> tuple[int, list[Problem]]:
    """load → validate only: (records read, all problems). Attachments are read too, with the
    readings cached beside `out` (the site a build would write; by default `site/` beside the
    content folder)."""
    from .content.load import load
    from .content.validate import validate

    problems = Problems()
    loaded = load(content, content_arg, problems)
    site = validate(loaded, problems, today, drafts=drafts)
    if attachments.check(loaded, problems, Scanner(out or Path(content).resolve().parent / "site").read):
        site = None
    if site is not None:  # a notice dated before it was first published (`output.revisions`)
        from .content.history import read_history
        from .output.revisions import backdating_problems

        history = with_import(read_history(content, today), site.info.history_import)
        backdating_problems(site, history, content_arg, problems)
    return len(loaded.all()), problems.sorted()


def build(
    content: Path,
    content_arg: str,
    out: Path,
    today: date,
    drafts: bool = False,
    base_url: str | None = None,
    preview: bool = False,
    admin=None,
    *,
    session: Session | None = None,
    changed_paths=None,
    complete: bool = False,
    fulltext: bool = True,
    on_wait: Callable[[str], None] | None = None,
    scan_attachments: bool = True,
) -> BuildResult:
    """Build the site of `content` into `out`. `preview` puts a 预览 banner on every page (deploy
    previews); `admin` (tools.admin.AdminOptions) adds the web editor under /admin/;
    `fulltext=False` leaves out the full-text search index. `session`: a remembering one for the edit loop (`Builder`),
    with the paths that changed since its last build (`complete`: every one of them).

    The whole build holds `out`'s lock (`engine.lock`): another build of the same folder waits
    for it (`on_wait` hears why, once), and a folder a `serve` holds is refused (`BuildFailed`).
    What a killed build left beside `out` is finished or undone first (`write.recover`)."""
    from .engine import lock
    from .engine.write import recover

    with lock.hold(out, "build", on_wait):
        recover(Path(out).resolve())
        return _build(
            Path(content),
            content_arg,
            out,
            today,
            drafts,
            base_url,
            preview,
            admin,
            session,
            changed_paths,
            complete,
            fulltext,
            scan_attachments,
        )


def _build(
    content: Path,
    content_arg: str,
    out: Path,
    today: date,
    drafts: bool,
    base_url: str | None,
    preview: bool,
    admin,
    session: Session | None,
    changed_paths,
    complete: bool,
    fulltext: bool,
    scan_attachments: bool = True,
) -> BuildResult:
    started = time.perf_counter()
    if not scan_attachments and not preview:
        raise BuildFailed("只有预览版（--preview）可以跳过附件检查")
    state_key = None  # a CLI build that leaves its state for the next one (`engine.persist`)
    if session is None:
        unscanned = () if scan_attachments else ("attachments unscanned",)
        options = (drafts, preview, admin is not None, *unscanned)
        session = Session(content, out, today, options, base_url, content_arg, remember=True)
        state_key = persist.state_key(content, out, today, options, base_url, content_arg)
    theme = Theme.for_content(content)

    # Nothing changed since the site in `out` was built? Then stop here, before the stages are
    # even imported: a build with nothing to do never loads YAML, Jinja or Markdown.
    inputs = session.inputs(theme.dirs, changed_paths, complete)
    previous = session.unchanged(inputs)
    if previous is not None:
        try:
            return _unchanged(previous, time.perf_counter() - started)
        except (KeyError, TypeError, ValueError):
            pass  # what was kept beside `out` is damaged: build
    if state_key is not None:
        if inputs.content_files > persist.MAX_FILES:  # too big to remember: one-shot (see `persist`)
            session, state_key = session.one_shot(), None
            persist.discard(out)
        else:  # go on from what the last build of `out` left, if it describes the site there
            saved = persist.load(out, state_key)
            if saved is None or not session.adopt(saved):
                persist.discard(out)

    from .content.load import load
    from .content.validate import validate
    from .domain.derive import derive
    from .output.render import Renderer, empty_sections, static_outputs, template_environment
    from .output.revisions import SHALLOW_NOTE, first_publication
    from .output.routes import RouteCollision, plan
    from .output.search import OUTPUT_SUBDIR, Pagefind, Weights, index_site, locate_pagefind, pinyin

    # what the attachments say (`content.attachments`, read on every core, cached beside `out`)
    scanner = Scanner(out, session.workers, skip=not scan_attachments, prune=True)

    def read(reader, run) -> tuple[Any, Problems, dict]:  # load → validate, where the session runs it
        problems = Problems()
        loaded = load(content, content_arg, problems, reader)
        site = validate(loaded, problems, today, drafts=drafts, run=run)
        if attachments.check(loaded, problems, scanner.read):
            site = None
        return site, problems, scanner.readings

    # What needs no records is made while they are read (a one-shot build reads in a child).
    ahead = _Ahead(
        {
            "history": session.history,
            "pagefind": lambda: locate_pagefind(content) if fulltext else Pagefind(None),
            "static": lambda: static_outputs(theme),
            "env": lambda: template_environment(theme, _bytecode_folder(out)),
            "pinyin": lambda: pinyin("小区"),  # loads pypinyin's dictionary, for the name index
        }
    )

    with session.building():
        # load → validate
        site, problems, readings = session.read(read, meanwhile=ahead.make_all)
        scanner.readings.update(readings)  # (read in a child: what it found comes back)
        if site is None:
            raise ContentError(problems.sorted())
        if base_url:
            url = base_url if base_url.endswith("/") else base_url + "/"
            site = dataclasses.replace(site, info=dataclasses.replace(site.info, base_url=url))
        site = session.intern("site", site)

        # derive (a back-dated notice's 公示期 runs from its first publication: `output.revisions`)
        # (what site.yaml's history_import added counts as imported, like the first commit's)
        history = session.intern("history", with_import(ahead.get("history"), site.info.history_import))
        derived = session.intern(
            "d", first_publication(derive(site, today, session.run), site, history, content_arg, problems)
        )

        # plan
        try:
            the_plan = plan(site, derived, history, session.run)
        except RouteCollision as exc:
            raise ContentError([Problem(Loc(content_arg), str(exc))]) from None

        # render
        pagefind = ahead.get("pagefind")
        if pagefind.fatal:  # installed but broken: never publish without the index
            raise BuildFailed(pagefind.problem or "无法运行 Pagefind；网站未更新")
        notes = [pagefind.problem] if pagefind.problem else []
        if history.shallow:
            notes.append(SHALLOW_NOTE)
        static, asset_urls = ahead.get("static")
        nav = sorted(empty_sections(site, derived))  # the sections every page's navigation leaves out
        global_key = cache.digest(
            (site.info, today, drafts, preview, sorted(asset_urls.items()), cache.contents_digest(inputs.theme_files))
            + (pagefind.ready, nav)
            + (scan_attachments,)
            # (each record's history is a recorded read: `Renderer`; a shallow clone's note is on every page)
            + (history.shallow, history.known)
        )
        renderer = session.renderer(
            global_key,
            lambda reads: Renderer(
                site,
                derived,
                theme,
                asset_urls,
                today,
                history,
                fulltext_search=pagefind.ready,
                reads=reads,
                preview=preview,
                env=ahead.get("env"),
                attachments_checked=scan_attachments,  # a preview without the scan says so on every page
            ),
            site,
            derived,
            history,
        )
        session.settle()
        writer = session.writer()
        saving: persist.Saving | None = None  # the state for the next build, being written (below)
        try:
            kept = session.kept_pages(the_plan.pages, writer, site, derived, history)
            weights = Weights() if pagefind.ready else None
            # (engine.pages.render_pages, in forked workers when there is much to render)
            deps, made = session.render(renderer, the_plan.pages, kept, writer, weights, the_plan.data)

            # write: what is not a page, then the whole site at once
            for path, data in static.items():
                writer.put(path, data)
            for path, data in the_plan.data.items():
                if path not in made:
                    writer.put(path, data() if callable(data) else data, reused=session.remember)
            for path, rel in the_plan.copies.items():
                writer.copy(
                    path,
                    content / "attachments" / rel,
                    functools.partial(scanner.publish, rel, allow=site.info.pii_allow),
                )
            if admin is not None:
                _write_admin(writer, site, content, content_arg, admin, today)
            records, pages, rendered = site.record_count, len(the_plan.pages), len(the_plan.pages) - len(kept)
            scheduled = tuple((day.isoformat(), title) for day, title in site.scheduled)
            session.keep(global_key, site, derived, history, the_plan.pages, deps, renderer)
            if not session.remember and pagefind.ready:
                # Nothing of the records, plan or templates is needed any more: their memory goes
                # back before Pagefind, whose share of the memory budget is what this process leaves.
                renderer.env.globals.clear()  # the templates' references to the site
                del site, derived, history, the_plan, static, renderer, ahead
                session.release()
            index = (
                (
                    lambda folder: notes.extend(
                        index_site(
                            folder,
                            pagefind,
                            pages=[rel for rel in writer.files if rel.endswith(".html")],
                            weights=weights,
                            # parts of the index whose pages are unchanged are taken from there
                            previous=writer.out if writer.previous else None,
                            digests=writer.files,
                            locate=writer.locate,  # unchanged pages are linked into `folder` meanwhile
                        )
                    )
                )
                if pagefind.ready
                else None
            )
            # What the next `bulletin build` takes up is written by a forked process meanwhile
            if state_key is not None:
                upcoming = writer.upcoming_digest()
                exported = session.exported(inputs, writer, upcoming)
                if exported is not None:
                    saving = persist.start_saving(out, state_key, upcoming, exported)
            written = writer.commit(before_publish=index, extra=OUTPUT_SUBDIR)
            if saving is not None:
                saving.finish(writer.manifest_digest == upcoming)
        except BaseException:
            writer.abort()
            if saving is not None:
                saving.finish(False)
            raise

        result = BuildResult(
            records=records,
            pages=pages,
            files=len(writer.files),
            seconds=time.perf_counter() - started,
            warnings=tuple(problems.warnings),
            notes=tuple(notes),
            rendered=rendered,
            written=written,
            scheduled=scheduled,
        )
        # Remembered beside `out`, warnings included (a build with nothing to do shows them again),
        # unless it has notes: those are about the build's surroundings (no Pagefind, a shallow
        # clone), which can change without any input changing.
        counts = (
            None
            if result.notes
            else {
                "records": result.records,
                "pages": result.pages,
                "files": result.files,
                "scheduled": result.scheduled,
                "warnings": [_problem_fields(p) for p in result.warnings],
            }
        )
        session.finish(inputs, result, writer, counts)
        return result


class Builder:
    """Many builds of one site in one process, each making again only what changed (the edit
    loop of `bulletin serve`):

        builder = Builder(content, out, today, drafts=True)
        builder.rebuild()                                              # a full build
        builder.rebuild(changed_paths={"notices/2026/x.md"})           # only what that touches
        builder.rebuild(changed_paths=watched, complete=True)          # serve: trusts its watcher

    `rebuild()` is `build()` with the builder's remembering session: it returns a `BuildResult`
    or raises `ContentError` with every problem (the site is untouched then, and the builder
    keeps its previous state). `changed_paths` (content-relative or absolute) is only a hint:
    every input file is compared by size, mtime and inode anyway, and a listed path is treated as
    changed even if those look the same; with `complete=True` the caller promises that the list
    names every file and folder created, changed or deleted since the last rebuild. A builder
    made with `tracking=False` remembers nothing (each rebuild is a one-shot build)."""

    def __init__(
        self,
        content: Path,
        out: Path,
        today: date,
        drafts: bool = False,
        base_url: str | None = None,
        *,
        content_arg: str | None = None,
        workers: int | None = None,
        tracking: bool = True,
        search: bool = True,
        patch: bool = False,
        preview: bool = False,
        admin=None,
    ):
        self.content, self.out, self.today = Path(content), Path(out), today
        self.content_arg = content_arg if content_arg is not None else str(content)
        self.drafts, self.base_url, self.preview, self.admin, self.search = drafts, base_url, preview, admin, search
        self._new_session = lambda: Session(
            self.content,
            self.out,
            today,
            (drafts, preview, admin is not None),
            base_url,
            self.content_arg,
            remember=tracking,
            workers=workers,
            patch=patch,
        )
        self.tracking = tracking
        self.session = self._new_session()

    def rebuild(self, changed_paths=None, *, complete: bool = False) -> BuildResult:
        if not self.tracking:
            self.session = self._new_session()
        return build(
            self.content,
            self.content_arg,
            self.out,
            self.today,
            self.drafts,
            self.base_url,
            self.preview,
            self.admin,
            session=self.session,
            changed_paths=changed_paths,
            complete=complete,
            fulltext=self.search,
        )


def _unchanged(previous: BuildResult | dict, seconds: float) -> BuildResult:
    """The result of a build that found the site already built: what the last build counted."""
    if isinstance(previous, dict):  # remembered beside the output by another process
        scheduled = tuple(tuple(pair) for pair in previous.get("scheduled", ()))
        warnings = tuple(_problem_of(fields) for fields in previous.get("warnings", ()))
        return BuildResult(
            previous["records"], previous["pages"], previous["files"], seconds, warnings, scheduled=scheduled
        )
    return dataclasses.replace(previous, seconds=seconds, rendered=0, written=0)


def _problem_fields(problem: Problem) -> list:
    """A warning as JSON can keep it (see `_problem_of`)."""
    loc = problem.loc
    return [loc.path, loc.line, loc.col, problem.message, problem.field, problem.hint, problem.detail]


def _problem_of(fields: list) -> Problem:
    path, line, col, message, field, hint, detail = fields
    return Problem(Loc(path, line, col), message, field, hint, "warning", detail)


def _bytecode_folder(out: Path) -> Path | None:
    """Where the compiled templates are kept beside `out` (None when it cannot be made)."""
    from .engine.write import cache_dir

    folder = cache_dir(Path(out)) / "templates-bytecode"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _write_admin(writer, site, content: Path, content_arg: str, admin, today: date) -> None:
    """The web editor under /admin/: `admin` is the `tools.admin.AdminOptions` the CLI made."""
    files, copies = admin.outputs(site, content, content_arg, today)
    for path, data in files.items():
        writer.put(path, data)
    for path, source in copies.items():
        writer.copy(path, source)


class _Ahead:
    """What a build needs besides the records, each made once: all of it ahead (`make_all`, while
    a child reads the records), or each where it is needed (`get`). Whatever fails ahead is made
    again where it is needed, so that it fails there, as it would have."""

    def __init__(self, makers: dict[str, Callable[[], Any]]):
        self._makers = makers
        self._made: dict[str, Any] = {}

    def make_all(self) -> None:
        for name, make in self._makers.items():
            try:
                self._made[name] = make()
            except Exception:  # noqa: BLE001 - see above
                pass

    def get(self, name: str) -> Any:
        if name not in self._made:
            self._made[name] = self._makers[name]()
        return self._made[name]
