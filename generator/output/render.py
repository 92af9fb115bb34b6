"""Pages → HTML bytes with Jinja2 (autoescape on, StrictUndefined: a missing value is an error).

Templates are looked up first in a `templates/` folder beside the content directory (a site's
overrides, file by file), then in the defaults shipped inside the package. Static assets
(`templates/static/`) follow the same rule; CSS, JavaScript and SVG are fingerprinted
(`style.<hash>.css`, `site.<hash>.js`) so they can be cached for a long time. The helpers
templates may call are registered here.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import itertools
import multiprocessing
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import jinja2

from . import charts, feeds, poster, routes, urls
from ..domain.derive import LIST_LABELS, Derived
from ..content.history import History
from .search import indexed_text_bytes
from .theme import Theme, default_templates_dir  # noqa: F401 - re-exported
from ..domain.models import COMPOUND_TYPE_MODES, COMPOUND_TYPES, PROJECT_CATEGORIES, PROJECT_STATUSES, Site


def fingerprint(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def static_outputs(theme: Theme) -> tuple[dict[str, bytes], dict[str, str]]:
    """(output path → bytes, asset name → URL) for the theme's static files; CSS, JS and SVG fingerprinted."""
    outputs, urls = {}, {}
    for name, path in theme.static_files().items():
        data = path.read_bytes()
        out = fingerprint(name, data) if name.endswith((".css", ".js", ".svg")) else name
        outputs[f"static/{out}"] = data
        urls[name] = f"/static/{out}"
    return outputs, urls


# --- formatting helpers ---------------------------------------------------------------------------

def fmt_score(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return str(value.quantize(q, rounding=ROUND_HALF_UP))


def fmt_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
        text = f"{value:f}"
        return text
    return f"{value}"


def fmt_pct(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    pct = (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{pct:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def fmt_date(value: date | None) -> str:
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_yuan(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if value >= 10000:
        wan = (value / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        text = f"{wan:f}".rstrip("0").rstrip(".")
        return f"{text} 万元"
    return f"{fmt_number(value)} 元"


_PHONE = re.compile(r"^\+?[0-9(][0-9 ()\-]{2,28}[0-9]$")


def tel_href(phone: str | None) -> str | None:
    """A `tel:` URL for a phone field that is only a number ("0536-8000001"), else None: free text
    such as "0536-8000001 转 123" is shown but not linked (it would make an invalid URL)."""
    if not phone or not _PHONE.match(phone):
        return None
    return "tel:" + re.sub(r"[ ()]", "", phone)


def ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


class _Environment(jinja2.Environment):
    """Jinja's environment, where a template without globals of its own reads the environment's
    globals themselves rather than through a ChainMap over them (what Jinja does for every
    template). Every page's `{% import "_macros.html" as m %}` compares the page's globals with
    the macro template's, key by key: through a ChainMap that took a tenth of the rendering
    time. Nothing here gives a template globals of its own or changes a template's globals."""

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


def template_environment(theme: Theme) -> jinja2.Environment:
    """The Jinja environment for `theme`, with the filters and URL helpers, every template
    compiled (once, before any worker forks), and no site-specific globals yet (`Renderer`)."""
    env = _Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in theme.dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one Renderer per set of template files: the builder makes a new one on change
        cache_size=-1,
    )
    env.filters.update(score=fmt_score, pct=fmt_pct, cndate=fmt_date, yuan=fmt_yuan, num=fmt_number,
                       tel_href=tel_href)
    env.globals.update(urls.URLS)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)
    return env


class Renderer:
    """Renders planned pages. With `tracking=True`, `site` and `d` reach the templates through
    `Recorder` views, and `render(page, deps)` fills `deps` with every (mapping, key) the page
    read: what the incremental builder needs to know which pages an edit touches."""

    def __init__(self, site: Site, derived: Derived, theme: Theme, asset_urls: dict[str, str], build_date: date,
                 history: History | None = None, fulltext_search: bool = False, tracking: bool = False,
                 preview: bool = False, env: jinja2.Environment | None = None):
        """`env`: what `template_environment(theme)` made, if the caller had it made beforehand
        (templates read the globals set here when they render, not when they are compiled)."""
        self.env = env if env is not None else template_environment(theme)
        last_changed = (history or History()).last_changed
        self.recorder = Recorder(site, derived, last_changed) if tracking else None
        # With tracking, templates and the helpers below read through the recorder's views.
        s, d = (self.recorder.site, self.recorder.d) if tracking else (site, derived)
        self.env.globals.update(
            site=s, info=site.info, d=d, today=build_date, preview=preview, asset=asset_urls.__getitem__,
            COMPOUND_TYPES=COMPOUND_TYPES, COMPOUND_TYPE_MODES=COMPOUND_TYPE_MODES,
            PROJECT_CATEGORIES=PROJECT_CATEGORIES, PROJECT_STATUSES=PROJECT_STATUSES, LIST_LABELS=LIST_LABELS,
            ratio=ratio, absolute_url=lambda url: site.info.base_url.rstrip("/") + url,
            qr_svg=poster.qr_svg, content_fingerprint=poster.content_fingerprint, fulltext_search=fulltext_search,
            fragment=self.fragment, once=self.once, page_window=page_window,
        )
        self.env.globals.update(
            # source path → date of its last commit, or None
            last_changed_of=self.recorder.last_changed.get if tracking else last_changed.get,
            chart_svg=charts.svg, chart_rows=charts.table_rows,
            score_history_chart=lambda company: charts.score_history(s, d, company),
            fee_rates_chart=lambda community: charts.fee_rates(s, d, community),
            types_by_street_chart=lambda district: charts.types_by_street(s, d, district),
            notices_feed_title=feeds.notices_feed_title(site), community_feed_title=feeds.community_feed_title,
            lists_feed_title=feeds.lists_feed_title,
        )
        self._fragments: dict = {}

    def retarget(self, site: Site, derived: Derived, history: History | None = None) -> None:
        """Point a tracking renderer at the next build's values (same templates and globals)."""
        self.recorder.retarget(site, derived, (history or History()).last_changed)
        self._fragments.clear()

    def fragment(self, macro: str, kind: str, key, *args):
        """`_macros.html`'s `macro(site.<kind>[key], *args)`, rendered once per build for each
        (key, args) and reused on every page that shows it: within one build it depends on
        nothing else. With tracking, what the first rendering read is added to every page that
        reuses it (the record is fetched through the recording view, so those reads are known)."""
        site = self.env.globals["site"]
        return self._reused(("_macros.html", macro, kind, key, args),
                            lambda function: function(getattr(site, kind)[key], *args))

    def once(self, macro: str, *args):
        """`_layout.html`'s `macro(*args)`, rendered once per build for each `args` and reused on
        every page: for the parts of every page that depend only on their arguments and the
        build's settings (the site's navigation and footer). Reads are recorded as `fragment`'s."""
        return self._reused(("_layout.html", macro, None, None, args), lambda function: function(*args))

    def _reused(self, cache_key: tuple, make):
        """`make(the macro)`, remembered for this build by `cache_key` (template, macro, …)."""
        hit = self._fragments.get(cache_key)
        if hit is None:
            function = getattr(self.env.get_template(cache_key[0]).module, cache_key[1])
            if self.recorder is None:
                hit = (make(function), ())
            else:
                outer = self.recorder.deps
                self.recorder.deps = set()
                try:
                    html = make(function)
                finally:
                    inner, self.recorder.deps = self.recorder.deps, outer
                hit = (html, frozenset(inner))
            self._fragments[cache_key] = hit
        if hit[1]:
            self.recorder.deps.update(hit[1])
        return hit[0]

    def render(self, page: routes.Page, deps: set | None = None) -> bytes:
        template = self.env.get_template(page.template)
        if self.recorder is None:
            return template.render(url=page.url, **page.context).encode("utf-8")
        self.recorder.deps = deps if deps is not None else set()
        try:
            return template.render(url=page.url, **page.context).encode("utf-8")
        finally:
            self.recorder.deps = set()


# --- dependency recording -------------------------------------------------------------------------

ALL = "*"  # the key recorded when a template iterates a mapping or asks its size


class Recorder:
    """Stable views of `site` and `d` for the templates. What a render reads lands in `deps` as
    (mapping, key, attribute): ("site.notices", id, "title") when a template reads a notice's
    title, (mapping, key, None) for a value that is not a record (or a key looked up and absent),
    (mapping, ALL, None) when it iterates a mapping or asks its size, and (name, None, None) for a
    value that is not a mapping, such as `d.notices_newest`. `site.info` is not recorded: a
    change to it re-renders everything anyway."""

    def __init__(self, site: Site, derived: Derived, last_changed: dict):
        self.deps: set = set()
        self.site = _View(self, "site", site)
        self.d = _View(self, "d", derived)
        self.last_changed = _MappingView(self, "history.last_changed", last_changed)

    def retarget(self, site: Site, derived: Derived, last_changed: dict) -> None:
        object.__setattr__(self.site, "_target", site)
        object.__setattr__(self.d, "_target", derived)
        object.__setattr__(self.site, "_views", {})
        object.__setattr__(self.d, "_views", {})
        self.last_changed._data = last_changed


class _View:
    __slots__ = ("_recorder", "_prefix", "_target", "_views")

    def __init__(self, recorder: Recorder, prefix: str, target):
        object.__setattr__(self, "_recorder", recorder)
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_views", {})

    def __getattr__(self, name: str):
        views = self._views
        if name in views:
            return views[name]
        target = self._target
        method = getattr(type(target), name, None)
        if callable(method):  # a method of Derived: run it against this view so its reads are recorded
            return lambda *args, **kwargs: method(self, *args, **kwargs)
        value = getattr(target, name)
        if name == "info":
            return value
        key = f"{self._prefix}.{name}"
        if isinstance(value, dict):
            view = _MappingView(self._recorder, key, value)
            views[name] = view
            return view
        self._recorder.deps.add((key, None, None))
        return value


_RECORD_TYPES: dict[type, bool] = {}


class _MappingView(Mapping):
    __slots__ = ("_recorder", "_name", "_data")

    def __init__(self, recorder: Recorder, name: str, data: dict):
        self._recorder, self._name, self._data = recorder, name, data

    def __getitem__(self, key):
        try:
            value = self._data[key]
        except KeyError:
            self._recorder.deps.add((self._name, key, None))
            raise
        kind = type(value)
        is_record = _RECORD_TYPES.get(kind)
        if is_record is None:
            is_record = _RECORD_TYPES[kind] = dataclasses.is_dataclass(kind)
        if is_record:
            return _RecordView(self._recorder, self._name, key, value)
        self._recorder.deps.add((self._name, key, None))
        return value

    def __iter__(self):
        self._recorder.deps.add((self._name, ALL, None))
        return iter(self._data)

    def __len__(self):
        self._recorder.deps.add((self._name, ALL, None))
        return len(self._data)


class _RecordView:
    """A record read from a recorded mapping: each attribute read is recorded on its own, so a
    page that shows only a notice's title is not re-rendered when only its body changes."""

    __slots__ = ("_recorder", "_name", "_key", "_record")

    def __init__(self, recorder: Recorder, name: str, key, record):
        self._recorder, self._name, self._key, self._record = recorder, name, key, record

    def __getattr__(self, attr: str):
        self._recorder.deps.add((self._name, self._key, attr))
        return getattr(self._record, attr)

    def __eq__(self, other):
        self._recorder.deps.add((self._name, self._key, None))
        return self._record == (other._record if isinstance(other, _RecordView) else other)

    def __hash__(self):
        self._recorder.deps.add((self._name, self._key, None))
        return hash(self._record)

    def __str__(self):
        self._recorder.deps.add((self._name, self._key, None))
        return str(self._record)


def page_window(current: int, total: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager links: the first, the last and `around` either side of the
    current one, with None where numbers are left out. Linking every page made each of a
    province's 2,500 list pages carry 2,500 links (quadratic output)."""
    shown = sorted({1, total} | set(range(max(1, current - around), min(total, current + around) + 1)))
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out


# --- rendering many pages -------------------------------------------------------------------------

_JOB: dict = {}  # what forked workers inherit: the renderer, the pages, where to stage, the previous digests

PARALLEL_MIN_PAGES = 400
PARALLEL_MIN_FILES = 100  # data files made in forked workers even without pages (a province's, after them)


def render_pages(renderer: Renderer, pages: list[routes.Page], keep: dict[str, str], writer, workers: int,
                 track: bool, weights: dict[str, int | None] | None = None,
                 files: dict[str, Callable[[], bytes]] | None = None) -> dict[str, frozenset]:
    """Every planned page, in plan order, into `writer`: a page in `keep` (path → digest) is
    unchanged and left as it is on disk; the others are rendered (only changed bytes are staged).
    Returns the deps of each rendered page when `track`. With `weights`, each rendered page's
    `search.indexed_text_bytes` goes into it (the search index's shards are cut by them).
    `files`: other files to write (path → the function making its bytes: the data files).

    With `workers` > 1 and enough pages to render (or files to make), forked processes render
    spans of pages in parallel and stage their files themselves; they make `files` too, first
    (the data files were half a second on one core at city size, after the pages). Otherwise
    `files` are made here after the pages. The output is the same either way."""
    deps_by_path: dict[str, frozenset] = {}
    files = files or {}
    todo = sum(1 for page in pages if page.path not in keep)
    if workers <= 1 or (todo < PARALLEL_MIN_PAGES and len(files) < PARALLEL_MIN_FILES) or \
            "fork" not in multiprocessing.get_all_start_methods():
        for page in pages:
            path = page.path
            if path in keep:
                writer.record(path, keep[path])
                continue
            deps: set | None = set() if track else None
            data = renderer.render(page, deps)
            writer.put(path, data)
            if weights is not None:
                weights[path] = indexed_text_bytes(data)
            if track:
                deps_by_path[path] = frozenset(deps)
        for path, make in files.items():
            writer.put(path, make())
        return deps_by_path
    made = list(files.items())
    _JOB.update(renderer=renderer, pages=pages, keep=keep, stage=writer.stage, previous=writer.previous,
                track=track, weigh=weights is not None, files=made)
    chunk = max(16, min(256, len(pages) // (workers * 8) or 1))
    spans = [(_make_file, i) for i in range(len(made))]
    spans += [(_render_span, (start, min(start + chunk, len(pages)))) for start in range(0, len(pages), chunk)]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for results, weighed in _in_order(pool, spans, ahead=2 * workers):
                for path, sig, deps in results:
                    writer.record(path, sig)
                    if track and deps is not None:
                        deps_by_path[path] = deps
                if weights is not None:
                    weights.update(weighed)
    finally:
        _JOB.clear()
    return deps_by_path


def _in_order(pool, jobs: list, ahead: int):
    """Results of the `jobs` ((function, its argument): `_render_span` or `_make_file`), in order,
    with at most `ahead` in flight: when the parent (or the disk) is slower than the renderers,
    finished results wait in the workers instead of piling up here."""
    pending: collections.deque = collections.deque()
    upcoming = iter(jobs)
    for function, argument in itertools.islice(upcoming, ahead):
        pending.append(pool.apply_async(function, (argument,)))
    while pending:
        results = pending.popleft().get()
        for function, argument in itertools.islice(upcoming, 1):
            pending.append(pool.apply_async(function, (argument,)))
        yield results


def _staged(path: str, data: bytes, made: set) -> str:
    """Stage `data` at `path` in the job's staging folder unless the site already holds these
    bytes there; its digest."""
    from ..engine.write import digest, stage_file

    sig = digest(data)
    if _JOB["previous"].get(path) != sig:
        stage_file(_JOB["stage"], path, data, made)
    return sig


def _make_file(index: int) -> tuple[list, dict]:
    """`_render_span`'s results for the `index`th of the job's `files`, made and staged here."""
    path, make = _JOB["files"][index]
    return [(path, _staged(path, make(), set()), None)], {}


def _render_span(span: tuple[int, int]) -> tuple[list, dict]:
    """(path, digest, deps) of each page in `span`, and the indexed text's bytes of those rendered
    (when weighing)."""
    job = _JOB
    renderer, keep, track = job["renderer"], job["keep"], job["track"]
    made: set = set()
    out = []
    weighed = {}
    for page in job["pages"][span[0]:span[1]]:
        path = page.path
        if path in keep:
            out.append((path, keep[path], None))
            continue
        deps: set | None = set() if track else None
        data = renderer.render(page, deps)
        sig = _staged(path, data, made)
        if job["weigh"]:
            weighed[path] = indexed_text_bytes(data)
        out.append((path, sig, frozenset(deps) if track else None))
    return out, weighed
