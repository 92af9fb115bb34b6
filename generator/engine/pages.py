"""The render stage: every planned page into the site writer, on every core.

`render_pages(renderer, pages, keep, writer, workers, track)` renders each page the edit loop
does not keep (`keep`: path → digest of a page known unchanged) and hands the bytes to the
writer, which stages only what changed. With `workers` > 1 and enough to do, spans of pages are
rendered in forked processes (`pool.forked`) that stage their files themselves and send back
only each file's digest (and, with tracking, what each page read: `recorder`). They can make the
data files too (`files`). The output is the same however many workers there are.
"""

from __future__ import annotations

from collections.abc import Callable

from ..output.render import Renderer
from ..output.routes import Page
from ..output.search import Weights, weigh
from . import pool
from .write import digest, stage_file

_JOB: dict = {}  # what forked workers inherit: the renderer, the pages, where to stage, the previous digests

PARALLEL_MIN_PAGES = 400
PARALLEL_MIN_FILES = 100  # data files made in forked workers even without pages (a province's, after them)


def render_pages(
    renderer: Renderer,
    pages: list[Page],
    keep: dict[str, str],
    writer,
    workers: int,
    track: bool,
    weights: Weights | None = None,
    files: dict[str, Callable[[], bytes]] | None = None,
) -> dict[str, frozenset]:
    """Every planned page, in plan order, into `writer`: a page in `keep` (path → digest) is
    unchanged and left as it is on disk; the others are rendered (only changed bytes are staged).
    Returns the deps of each rendered page when `track`. With `weights`, what the search index
    needs of each rendered page goes into it (`search.weigh`: its indexed text's bytes, which
    cut the index into shards, its index mark and district).
    `files`: other files to write (path → the function making its bytes: the data files).

    With `workers` > 1 and enough pages to render (or files to make), forked processes render
    spans of pages in parallel and stage their files themselves; they make `files` too, first
    (rather than here on one core after the pages). Otherwise `files` are made here after the
    pages. The output is the same either way."""
    deps_by_path: dict[str, frozenset] = {}
    files = files or {}
    todo = sum(1 for page in pages if page.path not in keep)
    if workers <= 1 or (todo < PARALLEL_MIN_PAGES and len(files) < PARALLEL_MIN_FILES) or not pool.can_fork():
        for page in pages:
            path = page.path
            if path in keep:
                writer.record(path, keep[path])
                continue
            deps: set | None = set() if track else None
            data = renderer.render(page, deps)
            writer.put(path, data)
            if weights is not None:
                weights.add(path, weigh(data))
            if deps is not None:
                deps_by_path[path] = frozenset(deps)
        for path, make in files.items():
            writer.put(path, make())
        return deps_by_path
    made = list(files.items())
    _JOB.update(
        renderer=renderer,
        pages=pages,
        keep=keep,
        stage=writer.stage,
        previous=writer.previous,
        track=track,
        weigh=weights is not None,
        files=made,
    )
    chunk = max(16, min(256, len(pages) // (workers * 8) or 1))
    jobs: list = [(_make_file, i) for i in range(len(made))]
    jobs += [(_render_span, (start, min(start + chunk, len(pages)))) for start in range(0, len(pages), chunk)]
    try:
        for results, weighed in pool.forked(jobs, workers):
            for path, sig, read in results:
                writer.record(path, sig)
                if read is not None:
                    deps_by_path[path] = read
            if weights is not None:
                for path, facts in weighed.items():
                    weights.add(path, facts)
    finally:
        _JOB.clear()
    return deps_by_path


def _staged(path: str, data: bytes, made: set) -> str:
    """Stage `data` at `path` in the job's staging folder unless the site already holds these
    bytes there; its digest."""
    sig = digest(data)
    if _JOB["previous"].get(path) != sig:
        stage_file(_JOB["stage"], path, data, made)
    return sig


def _make_file(index: int) -> tuple[list, dict]:
    """`_render_span`'s results for the `index`th of the job's `files`, made and staged here."""
    path, make = _JOB["files"][index]
    return [(path, _staged(path, make(), set()), None)], {}


def _render_span(span: tuple[int, int]) -> tuple[list, dict]:
    """(path, digest, deps) of each page in `span`, and `search.weigh` of those rendered (when
    weighing)."""
    job = _JOB
    renderer, keep, track = job["renderer"], job["keep"], job["track"]
    made: set = set()
    out: list[tuple[str, str, frozenset | None]] = []
    weighed = {}
    for page in job["pages"][span[0] : span[1]]:
        path = page.path
        if path in keep:
            out.append((path, keep[path], None))
            continue
        deps: set | None = set() if track else None
        data = renderer.render(page, deps)
        sig = _staged(path, data, made)
        if job["weigh"]:
            weighed[path] = weigh(data)
        out.append((path, sig, frozenset(deps) if deps is not None else None))
    return out, weighed
