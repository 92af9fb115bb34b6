"""How `pipeline.build` runs its stages: once (`bulletin build`), or again and again in one
process with only what changed made again (the edit loop of `bulletin serve`).

`pipeline.build` calls the stages itself, in order; a `Session` supplies what differs between a
one-shot build and the edit loop at each of them. `Session(…, remember=False)` is a one-shot
build: the content is read in a child process (`isolate`: only the records come back, so the
pages render in workers forked from a process that holds little besides them) with helpers on
the other cores (`reads`), every stage runs whole (`steps.DIRECT`), every page is rendered in
forked workers (`pages`), and the site is published by one atomic swap (`write`).

`Session(…, remember=True)` keeps what the stages made for the next build: in memory (serve's
edit loop), and across processes through `persist` (a `bulletin build` takes up what the last
one left: `exported`, `adopt`). **Correct before
fast**: every build still loads, validates, derives and plans the whole site, but what they make
from unchanged inputs is not made again:

- What changed: every input file is compared by size, mtime and inode (`scan`); a list of
  changed paths is only a hint, unless the caller promises it is complete (`complete=True`,
  serve's watcher): then only the listed files are looked at again (`scan` says when the whole
  folder is scanned anyway: a folder change, a long list, one build in `FULL_SCAN_EVERY`).
- Reading: `reads.FileMemo` hands back each unchanged file's very record, and the folder
  listings while no file was created or deleted there.
- The stages' declared steps (`generator.steps`) run through a `memo.Memo`: validation (each
  record by its reading), derivation (the evaluation tables, the area and project indexes, which
  notices reach where) and planning (each record's page, the feeds and their entries, the list
  and open-data files row by row, the name index, the sitemap) are made again only where their
  inputs changed.
- Unchanged values keep their identity across builds (`intern`: a new value equal to the old
  one is replaced by the old object), and for every mapping of `Site`, `Derived` and the history
  the set of keys whose value changed is known.
- While a page renders, the templates read `site` and `d` through a `recorder.Recorder`, so each
  page's exact reads are known. A page is rendered again when it is new, its planned context
  differs, it read a key whose value changed, it iterated a mapping whose keys or values
  changed, or it read a plain value that changed. A change to the templates, static assets,
  `site.yaml`'s site info, the build date or the options re-renders everything.
- Writing goes through `write.SiteWriter` (only changed bytes, atomic, stale files pruned;
  `patch=True` lets small changes be published in place: serve's local preview only).

The full-text index is made again from every page whenever any page changed (Pagefind cannot
update an index in place), so an edit loop that must answer at once (serve) passes
`search=False`. With nothing changed at all, a build returns at once; so does a new process
(`bulletin build` again) when the inputs recorded beside the output match (`cache`).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import gc
import os
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..content.history import GitAnswer, History, git_log, head_commit, read_history
from ..domain.derive import Derived
from ..domain.models import Site
from ..steps import DIRECT, Runner
from . import cache, isolate, pool
from .memo import Memo
from .recorder import ALL, Recorder
from .write import DIGEST_MOD, SiteWriter, cache_dir, marker_digest, save_cached

if TYPE_CHECKING:  # the reader and the renderer bring YAML, Markdown and Jinja: imported when used
    from ..output.render import Renderer
    from ..output.routes import Page
    from ..output.search import Weights
    from .reads import FileMemo, Files

MAX_LISTED = 64  # more changed paths than this at once: scan the content folder whole
FULL_SCAN_EVERY = 16  # even with a complete list of changes, scan whole one build in this many
PARALLEL_READ_MIN_FILES = 400  # content files from which a cold build reads them in worker processes
# Up to this many pages, a one-shot build makes its data files in the render workers, beside the
# pages; above it, in workers of their own once the pages are done: at province size the render
# workers already hold so much that making the data files beside them took the build over its
# memory bound (benchmarks/README.md).
DATA_FILES_IN_WORKERS_MAX_PAGES = 40_000


@dataclasses.dataclass(frozen=True)
class Inputs:
    """What a build reads, as far as the "nothing changed" check needs to know."""

    key: str  # a digest of every input (cache.inputs_key)
    content_files: int  # how many files the content folder holds
    theme_files: list  # cache.signature of the template folders


@dataclasses.dataclass
class _State:
    """What a remembering session keeps of its last build."""

    inputs_key: str
    global_key: str
    site: Site
    derived: Derived
    history: History
    contexts: dict  # page path -> (template, context)
    sigs: dict  # output path -> digest
    manifest_digest: str
    deps: dict  # page path -> frozenset of (name, key, attribute)
    dependents: dict | None  # (name, key) -> {attribute or None: set of page paths}; None: see _next_state
    renderer: Renderer | None  # None in a state taken up from disk (`persist`)
    result: Any  # the pipeline's BuildResult


class Session:
    def __init__(
        self,
        content: Path,
        out: Path,
        today: date,
        options: tuple,
        base_url: str | None,
        content_arg: str,
        *,
        remember: bool,
        workers: int | None = None,
        patch: bool = False,
    ):
        """`options`: the build's options that change its output (drafts, preview, admin)."""
        self.content, self.out, self.today = Path(content), Path(out), today
        self.options, self.base_url, self.content_arg = options, base_url, content_arg
        self.remember = remember
        self.workers = workers if workers is not None else pool.workers()
        self.patch = patch  # publish small changes in place (serve's preview); never for `build`
        self.run: Runner = Memo() if remember else DIRECT
        self._files: FileMemo | None = None
        if remember:
            from .reads import FileMemo

            self._files = FileMemo()
        self._git: tuple | None = None  # (git_head, git_log's answer) of the last build
        self._state: _State | None = None
        self._previous: _State | None = None  # the state the build under way compares with
        self._changed: dict[str, set] = {}  # what intern() found changed, by name
        self._scan: dict | None = None  # content rel -> (size, mtime, inode), see scan
        self._scan_hashes: dict = {}  # content rel -> its cache.entry_digest
        self._scan_base: str | None = None  # the resolved content folder the scan is of
        self._scan_sum = 0
        self._trusted_scans = 0  # builds since the last full scan
        self._count = 0  # files in the content folder at the last `inputs`
        self._kept: tuple | None = None  # see keep()
        self._exported: _State | None = None  # see exported()

    # --- has anything changed? ---------------------------------------------------------------------

    def inputs(self, theme_dirs, changed_paths=None, complete: bool = False) -> Inputs:
        """The build's inputs now. `changed_paths` (content-relative or absolute) are treated as
        changed whatever their stat says; with `complete`, they are every change (see `scan`)."""
        listed = self._listed(changed_paths)
        if self._files is not None:
            for rel in listed:
                self._files.forget(rel)
        if self.remember:
            content_digest = self.scan(listed if complete else None)
            count = len(self._scan or ())
        else:
            files = cache.signature([self.content.resolve()])
            content_digest, count = cache.files_digest(files), len(files)
        self._count = count
        theme_files = cache.signature(theme_dirs)
        key = cache.inputs_key(
            self.content, content_digest, theme_files, self.out, self.today, self.options, self.base_url, changed_paths
        )
        return Inputs(key, count, theme_files)

    def unchanged(self, inputs: Inputs) -> Any | None:
        """The previous build's result when the inputs are exactly those of the site `out`
        holds now (a dict of what it counted, when that build was another process's)."""
        state = self._state
        if state is not None:
            if state.inputs_key == inputs.key and state.manifest_digest == marker_digest(self.out.resolve()):
                return state.result
            return None
        return cache.unchanged(self.out, inputs.key)

    # --- the stages --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        """Around the stages of one build. The cyclic garbage collector would scan every
        long-lived object (records, sources, the dependency index) again and again while the
        stages allocate: it is off until `settle()` freezes what they made (later collections
        only look at new objects), and again while `finish()` keeps the state. The memo sweeps
        what the build did not use once it completed."""
        gc.disable()
        memo = self.run if isinstance(self.run, Memo) else None
        if memo is not None:
            memo.begin()
        self._previous, self._changed = self._state, {}
        try:
            yield
            if memo is not None:
                memo.finish()
        finally:
            gc.enable()

    def read(self, read: Callable[[Files, Runner], Any], meanwhile: Callable[[], None]) -> Any:
        """`read(reader, run)` (load → validate). A one-shot build reads in a child process, with
        helpers on the other cores when the content folder is big, and only the result comes
        back; meanwhile this process runs `meanwhile` (what needs no records). A remembering
        session reads here; on its first build of a big folder, helpers read on the other cores
        while this process runs `meanwhile` and then reads beside them."""
        from .reads import Files

        cold = self._state is None
        helpers = self.workers - 1 if cold and self._count >= PARALLEL_READ_MIN_FILES else 0
        if self.remember:  # here, with helpers on the other cores (`meanwhile` done while they start)
            return read(Files(self.content, self.content_arg, self._files, helpers, meanwhile), self.run)
        reader = Files(self.content, self.content_arg, self._files, helpers)
        return isolate.in_child(read, reader, self.run, meanwhile=meanwhile)

    def history(self) -> History:
        """`content.history.read_history`, asking git for its log again only when the checkout's
        HEAD, branch, index or shallow file changed (remembering sessions; a worktree's `.git`
        file does not show commits that way, so there git is always asked)."""
        if not self.remember:
            return read_history(
                self.content, self.today, lambda content, head: _cached_git_log(content, head, self.out)
            )

        def ask(content: Path, head: list) -> GitAnswer:
            if head and head[0][0] == "dir" and self._git is not None and self._git[0] == head:
                return self._git[1]
            answer = _cached_git_log(content, head, self.out)
            self._git = (head, answer)
            return answer

        return read_history(self.content, self.today, ask)

    def intern(self, name: str, value: Any) -> Any:
        """`value` (the build's `site`, `d` or `history`) with everything equal to the previous
        build's replaced by the previous object, noting which keys of each mapping changed."""
        if self._previous is None:
            return value
        old = getattr(self._previous, _STATE_FIELDS[name])
        if name == "history":  # the pages read the dates and each record's log (`render`)
            for field in ("last_changed", "records"):
                keys = _changed_keys(getattr(old, field), getattr(value, field))
                if keys:
                    self._changed[f"history.{field}"] = keys
            return value
        return _intern_fields(old, value, name, self._changed)

    def renderer(
        self,
        global_key: str,
        make: Callable[[Recorder | None], Renderer],
        site: Site,
        derived: Derived,
        history: History,
    ) -> Renderer:
        """`make(recorder)`, or the previous build's renderer pointed at the new values when
        nothing every page depends on changed (`global_key`: templates, assets, site info, date,
        options)."""
        prev = self._previous
        if prev is not None and prev.global_key == global_key:
            if prev.renderer is None:  # a state taken up from disk (`persist`): its templates are made anew
                return make(Recorder(site, derived, history.last_changed))
            prev.renderer.retarget(site, derived, history)
            return prev.renderer
        self._previous = None  # everything is rendered again
        return make(Recorder(site, derived, history.last_changed) if self.remember else None)

    def settle(self) -> None:
        """The records, plan and renderer are made: freeze them out of the garbage collector's
        sight, and let it run for what rendering and writing allocate."""
        gc.freeze()
        gc.enable()

    def writer(self) -> SiteWriter:
        prev = self._previous
        # A remembering session holds the folder's lock for its lifetime (serve) and knows what it
        # wrote: it checks the folder on disk on its first build and on every full content scan.
        verify = prev is None or not self.remember or self._trusted_scans == 0
        return SiteWriter(
            self.out,
            (prev.manifest_digest, prev.sigs) if prev is not None else None,
            patch=self.patch,
            run=self.run,
            verify=verify,
        )

    def kept_pages(
        self, pages: list[Page], writer: SiteWriter, site: Site, derived: Derived, history: History
    ) -> dict[str, str]:
        """Path → digest of the pages that need no rendering: unchanged context, nothing they
        read changed, and the file on disk is what the last build wrote."""
        prev = self._previous
        if prev is None:
            return {}
        dirty = _dirty_pages(prev, site, derived, history, self._changed)
        kept = {}
        for page in pages:
            path = page.path
            if not (
                path in dirty
                or prev.contexts.get(path) != (page.template, page.context)
                or writer.previous.get(path) != prev.sigs.get(path)
            ):
                kept[path] = prev.sigs[path]
        return kept

    def render(
        self,
        renderer: Renderer,
        pages: list[Page],
        kept: dict[str, str],
        writer: SiteWriter,
        weights: Weights | None,
        data: dict,
    ) -> tuple[dict[str, frozenset], set[str]]:
        """Every page not `kept`, rendered into `writer` (see `pages.render_pages`); a one-shot
        build makes its data files (`data`: path → bytes or the function making them) in the
        render workers too. (Each rendered page's reads, the data files made.)"""
        from .pages import render_pages

        made = {} if self.remember else {path: make for path, make in data.items() if callable(make)}
        beside = len(pages) <= DATA_FILES_IN_WORKERS_MAX_PAGES
        deps = render_pages(
            renderer, pages, kept, writer, self.workers, self.remember, weights, files=made if beside else None
        )
        if made and not beside:
            render_pages(renderer, [], {}, writer, self.workers, False, files=made)
        return deps, set(made)

    def keep(
        self,
        global_key: str,
        site: Site,
        derived: Derived,
        history: History,
        pages: list[Page],
        deps: dict,
        renderer: Renderer,
    ) -> None:
        """What a remembering session compares the next build with (completed by `finish`)."""
        if self.remember:
            self._kept = (global_key, site, derived, history, pages, deps, renderer)

    def release(self) -> None:
        """Collect what the caller just dropped and hand freed heap pages back to the system
        (glibc's malloc_trim; elsewhere the collection alone)."""
        gc.collect()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass  # not glibc

    def finish(self, inputs: Inputs, result: Any, writer: SiteWriter, counts: dict | None) -> None:
        """The build is published: remember it in memory for the next one (remembering sessions)
        and beside `out` for a new process (`counts`, unless None)."""
        gc.disable()
        if self.remember:
            assert self._kept is not None  # keep() ran before the commit
            global_key, site, derived, history, pages, deps, renderer = self._kept
            self._kept = None
            made, self._exported = self._exported, None
            if made is not None and made.manifest_digest == writer.manifest_digest:
                self._state = dataclasses.replace(made, renderer=renderer, result=result)
            else:
                self._state = self._next_state(
                    inputs.key, global_key, site, derived, history, pages, writer, deps, renderer, result
                )
        if counts is not None and writer.manifest_digest is not None:  # set by the commit
            cache.remember(self.out, inputs.key, writer.manifest_digest, counts)

    # --- across processes (`persist`) ---------------------------------------------------------------

    def one_shot(self) -> Session:
        """This (remembering, not yet built) session as a one-shot one, its scan's count kept."""
        other = Session(
            self.content, self.out, self.today, self.options, self.base_url, self.content_arg,
            remember=False, workers=self.workers, patch=self.patch,
        )  # fmt: skip
        other._count = self._count
        return other

    def exported(self, inputs: Inputs, writer: SiteWriter, manifest_digest: str) -> dict | None:
        """What the next process needs to go on from this build (`adopt`), made before the commit
        that will publish the site whose manifest is `manifest_digest` (so that it can be saved
        while the commit runs; `finish` then takes it as the state in memory too): the state
        without the renderer (templates are made anew), the memo and the files' readings."""
        if not self.remember or self._kept is None or self._files is None:
            return None
        global_key, site, derived, history, pages, deps, _renderer = self._kept
        state = self._next_state(
            inputs.key, global_key, site, derived, history, pages, writer, deps, None, None, index=False
        )
        state.manifest_digest = manifest_digest
        self._exported = state
        return {"state": state, "memo": self.run, "files": (self._files._items, self._files.digests)}

    def adopt(self, saved: dict) -> bool:
        """Go on from a state `exported` by another process (after `inputs`: the scan made now
        is kept). False, and nothing taken, when it is not of the expected shape."""
        state, memo, files = saved.get("state"), saved.get("memo"), saved.get("files")
        if not (isinstance(state, _State) and isinstance(memo, Memo) and isinstance(files, tuple) and self._files):
            return False
        self._state, self.run = state, memo
        self._files._items, self._files.digests = files
        self._files.stats = self._scan or {}
        self._files.moved(None)
        return True

    # --- what changed? -----------------------------------------------------------------------------

    def _listed(self, changed_paths) -> list[str]:
        """`changed_paths` inside the content folder, content-relative (POSIX)."""
        root = self.content.resolve()
        out = []
        for path in changed_paths or ():
            path = Path(path)
            if path.is_absolute():
                path = path.resolve()
                if not path.is_relative_to(root):
                    continue  # a template: the theme folders are scanned whole (a few dozen files)
                path = path.relative_to(root)
            out.append(path.as_posix())
        return out

    def scan(self, listed: list[str] | None) -> int:
        """`cache.files_digest` of the content folder's signature, kept up to date in
        `self._scan` (rel → (size, mtime, inode)), which the FileMemo reads too.

        `listed` (from a complete list of changes, or None) is trusted: only those files are
        stat-ed again, so an edit costs a few stats instead of one per file, and load reuses
        its folder listings unless a file was created or deleted there. Whenever that list is in
        doubt the whole tree is scanned: the first build, a list that names a folder or a path
        the scan never saw and that is gone now (a folder deleted), more than `MAX_LISTED` paths
        (a checkout), and one build in `FULL_SCAN_EVERY` in any case, so a change the watcher
        missed cannot live long."""
        base = str(self.content.resolve())
        scan = self._scan
        if base != self._scan_base:  # the content folder is a link that now points elsewhere
            scan = None
        if (
            listed is not None
            and scan is not None
            and len(listed) <= MAX_LISTED
            and self._trusted_scans < FULL_SCAN_EVERY - 1
        ):
            updates, moved = {}, set()
            for rel in listed:
                parts = rel.split("/")
                if any(part.startswith(".") for part in parts) or "__pycache__" in parts[:-1]:
                    continue  # the scan never sees these
                old = scan.get(rel)
                entry = cache.stat_entry(base, rel)
                if entry is None and (old is None or os.path.isdir(os.path.join(base, rel))):
                    break  # a folder, created or deleted: scan everything
                updates[rel] = entry
                if (old is None) != (entry is None):
                    moved.add(parts[0])
            else:
                hashes = self._scan_hashes
                for rel, entry in updates.items():
                    if scan.pop(rel, None) is not None:
                        self._scan_sum -= hashes.pop(rel)
                    if entry is not None:
                        scan[rel] = entry[2:]
                        hashes[rel] = share = cache.entry_digest(entry)
                        self._scan_sum += share
                self._scan_sum %= DIGEST_MOD
                self._trusted_scans += 1
                if self._files is not None:
                    self._files.stats = scan
                    self._files.moved(moved)
                return self._scan_sum
        # The whole tree; each entry's digest is reused while its signature is unchanged.
        files = cache.signature([base])
        old_scan, old_hashes = scan or {}, self._scan_hashes
        scan = {entry[1]: entry[2:] for entry in files}
        if scan != old_scan:
            hashes = {}
            for entry in files:
                rel = entry[1]
                hashes[rel] = old_hashes[rel] if old_scan.get(rel) == scan[rel] else cache.entry_digest(entry)
            self._scan_hashes = hashes
            self._scan_sum = sum(hashes.values()) % DIGEST_MOD
        self._scan, self._scan_base = scan, base
        self._trusted_scans = 0
        if self._files is not None:
            self._files.stats = scan
            self._files.moved(None)
        return self._scan_sum

    def _next_state(
        self, inputs_key, global_key, site, derived, history, pages, writer, deps, renderer, result, index=True
    ) -> _State:
        """`index`: keep the reverse index of the reads (`_State.dependents`) up to date, which
        pays off over many builds in one process; a state for the next process leaves it out
        (building it costs more than the one pass over every page's reads it saves there)."""
        prev = self._previous
        contexts = {p.path: (p.template, p.context) for p in pages}
        dependents: dict | None
        if prev is None:
            all_deps, dependents = {}, ({} if index else None)
        else:
            all_deps, dependents = prev.deps, (prev.dependents if index else None)
            if index and dependents is None:  # taken up from disk: index it now
                dependents = _index(all_deps)
            for path in set(all_deps) - set(contexts):
                gone = all_deps.pop(path)
                if dependents is not None:
                    _unindex(dependents, path, gone)
        for path, page_deps in deps.items():
            old = all_deps.get(path)
            all_deps[path] = page_deps
            if dependents is None:
                continue
            if old is not None:
                _unindex(dependents, path, old)
            for name, key, attr in page_deps:
                dependents.setdefault((name, key), {}).setdefault(attr, set()).add(path)
        return _State(
            inputs_key,
            global_key,
            site,
            derived,
            history,
            contexts,
            dict(writer.files),
            writer.manifest_digest,
            all_deps,
            dependents,
            renderer,
            result,
        )


_STATE_FIELDS = {"site": "site", "d": "derived", "history": "history"}


def _index(all_deps: dict) -> dict:
    dependents: dict = {}
    for path, page_deps in all_deps.items():
        for name, key, attr in page_deps:
            dependents.setdefault((name, key), {}).setdefault(attr, set()).add(path)
    return dependents


def _unindex(dependents: dict, path: str, deps) -> None:
    for name, key, attr in deps:
        by_attr = dependents.get((name, key))
        if by_attr is None:
            continue
        users = by_attr.get(attr)
        if users is not None:
            users.discard(path)
            if not users:
                del by_attr[attr]
                if not by_attr:
                    del dependents[(name, key)]


_MISSING = object()


def _intern_fields(old, new, prefix: str, changed: dict[str, set]):
    """`new` with every value equal to `old`'s replaced by `old`'s object; records, per field,
    which keys changed (ALL when the keys or their order changed; None for a plain value)."""
    updates = {}
    for f in dataclasses.fields(new):
        name = f"{prefix}.{f.name}"
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a is b:  # a memo handed back last build's very value
            updates[f.name] = a
        elif isinstance(b, dict) and isinstance(a, dict):
            merged, keys = {}, set()
            for k, v in b.items():
                o = a.get(k, _MISSING)
                if o is v or (o is not _MISSING and o == v):
                    merged[k] = o
                else:
                    merged[k] = v
                    keys.add(k)
            keys.update(k for k in a if k not in b)
            if keys or list(a) != list(b):
                keys.add(ALL)
                changed[name] = keys
            updates[f.name] = merged
        elif a == b:
            updates[f.name] = a
        else:
            changed[name] = {None}
    return dataclasses.replace(new, **updates)


HISTORY_CACHE = "history.json"  # in the cache folder: git's answer for one commit (`_cached_git_log`)


def _cached_git_log(content: Path, head: list, out: Path) -> GitAnswer:
    """`git_log`, remembered beside `out` by the commit checked out and the shallow boundary
    (what the answer depends on): a build of the same commit asks git nothing but what is dirty."""
    import json

    commit = head_commit(head)
    if commit is None:
        return git_log(content, head)
    key = cache.digest((str(Path(content).resolve()), commit))
    try:
        stored = json.loads((cache_dir(Path(out)) / HISTORY_CACHE).read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return GitAnswer(stored["shallow"], stored["log"], stored["blobs"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    answer = git_log(content, head)
    if answer.log is not None:
        save_cached(Path(out), HISTORY_CACHE, {"key": key, **dataclasses.asdict(answer)})
    return answer


def _changed_keys(old: dict, new: dict) -> set:
    keys = {k for k, v in new.items() if old.get(k, _MISSING) != v} | {k for k in old if k not in new}
    if keys or list(old) != list(new):
        keys.add(ALL)
    return keys


def _dirty_pages(prev: _State, site: Site, derived: Derived, history: History, changed: dict[str, set]) -> set[str]:
    """Pages that read something that changed: a whole value, an iterated mapping, or one
    attribute of a record whose value differs between the two builds."""
    dirty: set[str] = set()
    dependents = prev.dependents
    if dependents is None:  # a state taken up from disk: one pass over every page's reads
        return _dirty_by_scan(prev, site, derived, history, changed)
    for name, keys in changed.items():
        prefix, field = name.split(".", 1)
        old_map = getattr({"site": prev.site, "d": prev.derived, "history": prev.history}[prefix], field)
        new_map = getattr({"site": site, "d": derived, "history": history}[prefix], field)
        for key in keys:
            by_attr = dependents.get((name, key))
            if not by_attr:
                continue
            if key is None or key == ALL or not isinstance(old_map, dict):
                for paths in by_attr.values():
                    dirty.update(paths)
                continue
            old, new = old_map.get(key, _MISSING), new_map.get(key, _MISSING)
            for attr, paths in by_attr.items():
                if (
                    attr is None
                    or old is _MISSING
                    or new is _MISSING
                    or getattr(old, attr, _MISSING) != getattr(new, attr, _MISSING)
                ):
                    dirty.update(paths)
    return dirty


def _dirty_by_scan(prev: _State, site: Site, derived: Derived, history: History, changed: dict[str, set]) -> set[str]:
    """`_dirty_pages` without the reverse index: the same decision for each read of each page."""
    values = {"site": (prev.site, site), "d": (prev.derived, derived), "history": (prev.history, history)}
    wanted = {(name, key) for name, keys in changed.items() for key in keys}
    decided: dict[tuple, bool] = {}

    def changes(name: str, key, attr) -> bool:
        prefix, field = name.split(".", 1)
        old_map, new_map = (getattr(v, field) for v in values[prefix])
        if key is None or key == ALL or not isinstance(old_map, dict) or attr is None:
            return True
        old, new = old_map.get(key, _MISSING), new_map.get(key, _MISSING)
        return old is _MISSING or new is _MISSING or getattr(old, attr, _MISSING) != getattr(new, attr, _MISSING)

    dirty = set()
    for path, page_deps in prev.deps.items():
        for dep in page_deps:
            if (dep[0], dep[1]) not in wanted:
                continue
            found = decided.get(dep)
            if found is None:
                found = decided[dep] = changes(*dep)
            if found:
                dirty.add(path)
                break
    return dirty
