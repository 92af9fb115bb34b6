"""The builder: one build, or many in one process with only what changed re-rendered.

    builder = Builder(content, out, today, drafts=False)   # state lives in this object
    result = builder.rebuild()                             # first call: a full build
    result = builder.rebuild(changed_paths={"notices/2026/x.md"})   # later calls: incremental
    result = builder.rebuild(changed_paths=watched, complete=True)  # serve: trusts its watcher

`rebuild()` runs the whole pipeline (load → validate → derive → plan → render → write) and
returns a `BuildResult`, or raises `ContentError` with every problem (the site is untouched
then, and the builder keeps its previous state). `changed_paths` (content-relative or absolute)
is only a hint: every input file is compared by size, mtime and inode anyway, and a listed path
is treated as changed even if those look the same. With `complete=True` the caller promises
that the list names every file and folder created, changed or deleted since the last rebuild
(`bulletin serve`'s watcher, which has just scanned them all): then only the listed content files
are looked at again instead of every file (`Builder._scan_content` says when the whole folder
is scanned anyway: a folder change, a long list, one rebuild in `FULL_SCAN_EVERY`).

**Correct before fast.** Every rebuild loads, validates, derives and plans the whole site, but
what those stages make from unchanged inputs is not made again: the Markdown of unchanged
bodies comes from a memo, the loader hands back each unchanged file's very record and reuses
its folder listings while no file was created or deleted there (`load.FileMemo`), and
the builder owns a `memo.Store` that validation (each record, by the reading it came from; the
privacy findings by the reading), derivation (the evaluation tables, the area and project
indexes, which notices reach where) and planning (each record's page context, the feeds and
their entries, the list and open-data files row by row, the name index, the sitemap) consult
while it is current; a one-shot build has no store and computes everything. What is skipped
besides is rendering:

- Unchanged records keep their identity across rebuilds (`_intern`: a new record equal to the old
  one is replaced by the old object), and for every mapping of `Site` and `Derived` the set of
  keys whose value changed is known.
- While a page renders, the templates see `site` and `d` through recording views
  (`render.Recorder`), so each page's exact reads are known: ("site.notices", id),
  ("d.notices_by_compound", id), (name, ALL) when it iterates a mapping, (name, None) for a
  plain value.
- A page is rendered again when it is new, its planned context differs, it read a key whose
  value changed, it iterated a mapping whose keys or values changed, or it read a plain value
  that changed. A change to the templates, static assets, `site.yaml`'s site info, the build date
  or the options re-renders everything.
- Writing goes through `write.SiteWriter` (only changed bytes, atomic, stale files pruned).

A builder created with `tracking=False` (what `bulletin build` uses) renders everything every
time and skips the recording overhead, and loads and validates in a child process (`isolate`):
only the records come back, so the pages render in workers forked from a process that holds
little besides them (a province's loading garbage is 1.3 GB that a process keeps once touched).

The full-text index is rebuilt from every page whenever any page changed (Pagefind cannot update an index in place): several seconds at city size, so
an edit loop that must answer at once (`bulletin serve`) can pass `search=False` and preview the
site without full-text search, exactly as a build without Pagefind looks. With nothing changed at all, `rebuild()` returns at once;
so does a new process (`bulletin build` again) when the inputs recorded beside the output match.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import os
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

from ..tools import admin as admin_site
from . import cache, isolate, memo
from ..content import markup
from ..output import search
from ..domain.derive import Derived, derive
from ..content.errors import ContentError, Loc, Problem, Problems
from ..content.load import FileMemo, load
from ..domain.models import Site
from ..pipeline import BuildResult
from ..content.history import History, read_history
from ..output.render import ALL, Renderer, render_pages, static_outputs, template_environment
from ..output.routes import RouteCollision, plan
from ..output.search import OUTPUT_SUBDIR as SEARCH_FOLDER, Pagefind, index_site, locate_pagefind
from ..output.theme import Theme
from ..content.validate import validate
from .write import DIGEST_MOD, SiteWriter, marker_digest


MAX_LISTED = 64  # more changed paths than this at once: scan the content folder whole
FULL_SCAN_EVERY = 16  # even with a complete list of changes, scan whole one rebuild in this many
PARALLEL_READ_MIN_FILES = 400  # content files from which a cold build reads them in worker processes
# Up to this many pages, a one-shot build makes its data files in the render workers, beside the
# pages (render_pages' `files`); above it, in workers of their own once the pages are done. At
# province size (119,171 pages) the two render workers already hold 1.2 GiB, and making the data
# files beside them took the build to 2,051 MiB, over its 2 GiB bound; at city size (9,540 pages)
# the build's peak did not move and it took 2.6 % less time.
DATA_FILES_IN_WORKERS_MAX_PAGES = 40_000


class _Ready:
    """What a build needs besides the records, each made once: all of it ahead (`make_all`,
    while a child reads the records), or each where it is needed (`get`). Whatever fails ahead is
    made again where it is needed, so that it fails there, as it would have."""

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


@dataclasses.dataclass
class _State:
    inputs_key: str
    global_key: str
    site: Site
    derived: Derived
    history: History
    contexts: dict  # page path -> (template, context)
    sigs: dict  # output path -> digest
    manifest_digest: str
    deps: dict  # page path -> frozenset of (name, key)
    dependents: dict  # (name, key) -> {attribute or None: set of page paths}
    renderer: Renderer
    result: BuildResult


class Builder:
    def __init__(self, content: Path, out: Path, today: date, drafts: bool = False, base_url: str | None = None,
                 *, content_arg: str | None = None, workers: int | None = None, tracking: bool = True,
                 search: bool = True, patch: bool = False, preview: bool = False, admin=None):
        self.content = Path(content)
        self.preview = preview  # a 预览 banner on every page (deploy previews)
        self.admin = admin  # admin.AdminOptions: also build the web editor under /admin/
        self.patch = patch  # publish small changes in place (serve's preview); never for `build`
        self.content_arg = content_arg if content_arg is not None else str(content)
        self.out = Path(out)
        self.today = today
        self.drafts = drafts
        self.base_url = base_url
        self.workers = workers if workers is not None else _default_workers()
        self.tracking = tracking
        self.search = search
        self._state: _State | None = None
        self._files = FileMemo() if tracking else None  # per-file reads, reused while unchanged
        self._memo = memo.Store() if tracking else None  # plan outputs by their inputs (see memo)
        self._scan: dict | None = None  # content rel -> (size, mtime, inode), see _scan_content
        self._scan_hashes: dict = {}  # content rel -> its cache.entry_digest
        self._scan_base: str | None = None  # the resolved content folder the scan is of
        self._scan_sum = 0
        self._trusted_scans = 0  # rebuilds since the last full scan

    def rebuild(self, changed_paths=None, inputs=None, *, complete: bool = False) -> BuildResult:
        """Bring `out` up to date. `inputs` is (content signature, theme signature, inputs key)
        when the caller has just computed them (pipeline.build's quick check), so the trees are
        not scanned and git not asked twice. `complete=True` promises that `changed_paths` names
        every file and folder created, changed or deleted since the previous rebuild (serve's
        watcher): then only those are looked at again (see `_scan_content`)."""
        # The cyclic garbage collector would scan every long-lived object (records, sources, the
        # dependency index) again and again while the stages allocate: keep it off until they are
        # done, then freeze what survives so later collections only look at new objects.
        gc.disable()
        try:
            with memo.using(self._memo):
                return self._rebuild(changed_paths, inputs, complete)
        finally:
            gc.enable()

    def _rebuild(self, changed_paths, inputs, complete) -> BuildResult:
        started = time.perf_counter()
        theme = Theme.for_content(self.content)
        if inputs is not None:
            content_files, theme_files, inputs_key = inputs
            content_rels = [rel for _, rel, *_ in content_files]
        else:
            listed = self._listed(changed_paths)
            if self._files is not None:
                for rel in listed:
                    self._files.forget(rel)
            content_digest = self._scan_content(listed if complete else None)
            theme_files = cache.signature(theme.dirs)
            inputs_key = cache.inputs_key(self.content, content_digest, theme_files, self.out, self.today,
                                          (self.drafts, self.preview, self.admin is not None), self.base_url,
                                          changed_paths)
            content_rels = self._scan  # its keys
        unchanged = self._unchanged(inputs_key)
        if unchanged is not None:
            return dataclasses.replace(unchanged, seconds=time.perf_counter() - started, rendered=0, written=0)

        # A one-shot build reads in a child process, and only the records come back (isolate);
        # meanwhile this process makes what does not depend on them (`_Ready`).
        ready = _Ready({
            "history": lambda: read_history(self.content, self.today),
            "pagefind": lambda: locate_pagefind(self.content) if self.search else Pagefind(None),
            "static": lambda: static_outputs(theme),
            "env": lambda: template_environment(theme),
            "pinyin": lambda: search.pinyin("小区"),  # loads pypinyin's dictionary, for the name index
        })
        if self.tracking:
            site, problems = self._read(content_rels)
        else:
            site, problems = isolate.in_child(self._read, content_rels, meanwhile=ready.make_all)
        if site is None:
            raise ContentError(problems.sorted())
        if self.base_url:
            url = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
            site = dataclasses.replace(site, info=dataclasses.replace(site.info, base_url=url))

        prev = self._state if self.tracking else None
        changed: dict[str, set] = {}
        if prev is not None:
            site = _intern_fields(prev.site, site, "site", changed)
        derived = derive(site, self.today)
        if prev is not None:
            derived = _intern_fields(prev.derived, derived, "d", changed)
        history = ready.get("history")
        if prev is not None:
            keys = _changed_keys(prev.history.last_changed, history.last_changed)
            if keys:
                changed["history.last_changed"] = keys
        try:
            the_plan = plan(site, derived, history)
        except RouteCollision as exc:
            raise ContentError([Problem(Loc(self.content_arg), str(exc))]) from None

        pagefind = ready.get("pagefind")
        notes = [pagefind.problem] if pagefind.problem else []
        static, asset_urls = ready.get("static")
        global_key = cache.digest((site.info, self.today, self.drafts, self.preview, sorted(asset_urls.items()),
                                   theme_files, pagefind.ready))
        if prev is not None and prev.global_key == global_key:
            renderer = prev.renderer
            renderer.retarget(site, derived, history)
        else:
            prev = None
            renderer = Renderer(site, derived, theme, asset_urls, self.today, history,
                                fulltext_search=pagefind.ready, tracking=self.tracking, preview=self.preview,
                                env=ready.get("env"))

        gc.freeze()
        gc.enable()
        writer = SiteWriter(self.out, (prev.manifest_digest, prev.sigs) if prev is not None else None,
                            patch=self.patch)
        try:
            kept = {}
            dirty = _dirty_pages(prev, site, derived, history, changed) if prev is not None else None
            if dirty is not None:
                for page in the_plan.pages:
                    path = page.path
                    if not (path in dirty or prev.contexts.get(path) != (page.template, page.context)
                            or writer.previous.get(path) != prev.sigs.get(path)):
                        kept[path] = prev.sigs[path]
            weights: dict[str, int | None] | None = {} if pagefind.ready else None
            # A one-shot build makes its data files in worker processes: beside the pages unless the
            # site is so big that memory forbids it, then after them. The edit loop makes them
            # here, where they are memoised and their bytes handed over again.
            made = {} if self.tracking else {path: data for path, data in the_plan.data.items() if callable(data)}
            beside = len(the_plan.pages) <= DATA_FILES_IN_WORKERS_MAX_PAGES
            deps = render_pages(renderer, the_plan.pages, kept, writer, self.workers, self.tracking, weights,
                                files=made if beside else None)
            if made and not beside:
                render_pages(renderer, [], {}, writer, self.workers, False, files=made)
            made = set(made)  # only the paths: the functions hold the site, whose memory is given back below
            for path, data in static.items():
                writer.put(path, data)
            for path, data in the_plan.data.items():
                if path not in made:
                    writer.put(path, data() if callable(data) else data, reused=self.tracking)
            for path, rel in the_plan.copies.items():
                writer.copy(path, self.content / "attachments" / rel)
            if self.admin is not None:
                admin_files, admin_copies = admin_site.outputs(site, self.content, self.content_arg, self.admin,
                                                               self.today)
                for path, data in admin_files.items():
                    writer.put(path, data)
                for path, source in admin_copies.items():
                    writer.copy(path, source)
            records, pages = site.record_count, len(the_plan.pages)
            if not self.tracking and pagefind.ready:
                # A one-shot build needs none of its records, plan or templates any more: give
                # their memory back before Pagefind, whose share of the memory budget is what
                # this process leaves (search.shard_budget_mb).
                renderer.env.globals.clear()  # the templates' references to the site
                del site, derived, history, the_plan, renderer, static
                _release_memory()
            # Pagefind's CLI over the complete new site (unchanged files hard-linked in): measured
            # against feeding its service mode page by page, the CLI used a third of the CPU.
            # The writer knows every file of the new site, and the render workers weighed the
            # pages they made: only unchanged pages are read to cut the index's shards.
            index = (lambda folder: notes.extend(index_site(
                folder, pagefind, pages=[rel for rel in writer.files if rel.endswith(".html")],
                weights=weights))) if pagefind.ready else None
            written = writer.commit(before_publish=index, extra=SEARCH_FOLDER)
        except BaseException:
            writer.abort()
            raise

        result = BuildResult(
            records=records, pages=pages, files=len(writer.files),
            seconds=time.perf_counter() - started, warnings=tuple(problems.warnings), notes=tuple(notes),
            rendered=pages - len(kept), written=written,
        )
        gc.disable()
        if self.tracking:
            self._state = self._next_state(prev, inputs_key, global_key, site, derived, history, the_plan, writer,
                                           deps, renderer, result)
        self._remember(inputs_key, result, writer.manifest_digest)
        return result

    def _read(self, content_rels) -> tuple[Site | None, Problems]:
        """load → Markdown → validate: the records (None when there are errors) and every problem.
        `content_rels`: the content files, content-relative."""
        problems = Problems()
        # A cold build with many files reads them on every core (load's helpers), Markdown too.
        cold = self._state is None or not self.tracking
        helpers = self.workers - 1 if cold and len(content_rels) >= PARALLEL_READ_MIN_FILES else 0
        loaded = load(self.content, self.content_arg, problems, self._files, helpers=helpers)
        bodies = [r.src.body or "" for kind in ("notice", "project") for r in loaded.of(kind)]
        markup.prerender(bodies, self.workers)  # whatever is not rendered yet
        site = validate(loaded, problems, self.today, drafts=self.drafts)
        markup.keep_only(bodies if self.tracking else ())  # a one-shot build: the records hold the HTML now
        return site, problems

    # --- what changed? ----------------------------------------------------------------------------

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

    def _scan_content(self, listed: list[str] | None) -> int:
        """`cache.files_digest` of the content folder's signature, kept up to date in
        `self._scan` (rel → (size, mtime, inode)), which the loader's FileMemo reads too.

        `listed` (from a complete list of changes, or None) is trusted: only those files are
        stat-ed again, so an edit costs a few stats instead of one per file (9,246 at city size),
        and load reuses its folder listings unless a file was created or deleted there. Whenever
        that list is in doubt the whole tree is scanned as before: the first rebuild, a list
        that names a folder or a path the scan never saw and that is gone now (a folder
        deleted), more than `MAX_LISTED` paths (a checkout), and one rebuild in
        `FULL_SCAN_EVERY` in any case, so a change the watcher missed cannot live long."""
        base = str(self.content.resolve())
        scan = self._scan
        if base != self._scan_base:  # the content folder is a link that now points elsewhere
            scan = None
        if listed is not None and scan is not None and len(listed) <= MAX_LISTED \
                and self._trusted_scans < FULL_SCAN_EVERY - 1:
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

    # --- nothing changed? -------------------------------------------------------------------------

    def _unchanged(self, inputs_key: str) -> BuildResult | None:
        """The previous result when the inputs are exactly those of the site `out` holds now."""
        if self._state is not None:
            state = self._state
            if state.inputs_key == inputs_key and state.manifest_digest == marker_digest(self.out.resolve()):
                return state.result
            return None
        saved = cache.unchanged(self.out, inputs_key)
        return None if saved is None else BuildResult(saved["records"], saved["pages"], saved["files"], 0.0, ())

    def _remember(self, inputs_key: str, result: BuildResult, manifest_digest: str) -> None:
        if not result.warnings and not result.notes:  # shown again next time: never skip such a build
            cache.remember(self.out, inputs_key, manifest_digest,
                           {"records": result.records, "pages": result.pages, "files": result.files})

    def _next_state(self, prev, inputs_key, global_key, site, derived, history, the_plan, writer, deps, renderer,
                    result):
        contexts = {p.path: (p.template, p.context) for p in the_plan.pages}
        if prev is None:
            all_deps, dependents = {}, {}
        else:
            all_deps, dependents = prev.deps, prev.dependents
            for path in set(all_deps) - set(contexts):
                _unindex(dependents, path, all_deps.pop(path))
        for path, page_deps in deps.items():
            old = all_deps.get(path)
            if old is not None:
                _unindex(dependents, path, old)
            all_deps[path] = page_deps
            for name, key, attr in page_deps:
                dependents.setdefault((name, key), {}).setdefault(attr, set()).add(path)
        return _State(inputs_key, global_key, site, derived, history, contexts, dict(writer.files),
                      writer.manifest_digest, all_deps, dependents, renderer, result)


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
        if a is b:  # a memo handed back last rebuild's very value
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
        elif a is b or a == b:
            updates[f.name] = a
        else:
            changed[name] = {None}
    return dataclasses.replace(new, **updates)


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
                if attr is None or old is _MISSING or new is _MISSING or \
                        getattr(old, attr, _MISSING) != getattr(new, attr, _MISSING):
                    dirty.update(paths)
    return dirty


def _release_memory() -> None:
    """Collect what was just dropped and hand freed heap pages back to the system (glibc's
    malloc_trim; elsewhere the collection alone)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc


def _default_workers() -> int:
    """Processes that render in parallel: every core, or BULLETIN_WORKERS (1 = no forking)."""
    try:
        return max(1, int(os.environ["BULLETIN_WORKERS"]))
    except (KeyError, ValueError):
        return os.cpu_count() or 1
