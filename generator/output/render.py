"""Pages → HTML bytes with Jinja2 (autoescape on, StrictUndefined: a missing value is an error).

Templates are looked up first in a `templates/` folder beside the content directory (a site's
overrides, file by file), then in the defaults shipped inside the package. Static assets
(`templates/static/`) follow the same rule; CSS, JavaScript and SVG are fingerprinted
(`style.<hash>.css`, `site.<hash>.js`) so they can be cached for a long time. The helpers
templates may call are registered here.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import jinja2

from ..content.history import History, record_key
from ..domain.derive import LIST_LABELS, Derived, ratio
from ..domain.models import COMPOUND_TYPE_MODES, COMPOUND_TYPES, PROJECT_CATEGORIES, PROJECT_STATUSES, Site
from . import charts, feeds, poster, revisions, routes, tables, urls
from .formats import plain, rounded
from .theme import Theme


def fingerprint(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


CSS_URL = re.compile(rb"""url\((["']?)([\w.-]+)\1\)""")  # url(cursor.svg): another static file by name


def static_outputs(theme: Theme) -> tuple[dict[str, bytes], dict[str, str]]:
    """(output path → bytes, asset name → URL) for the theme's static files; CSS, JS and SVG
    fingerprinted. A stylesheet's `url(name)` of another static file becomes that file's
    fingerprinted URL (before the stylesheet's own fingerprint is taken), so it may be cached as
    long as the rest: stylesheets are done last."""
    outputs: dict[str, bytes] = {}
    urls: dict[str, str] = {}
    for name, path in sorted(theme.static_files().items(), key=lambda item: item[0].endswith(".css")):
        data = path.read_bytes()
        if name.endswith(".css"):
            data = CSS_URL.sub(
                lambda m: b'url("%s")' % urls[m[2].decode()].encode() if m[2].decode() in urls else m[0], data
            )
        out = fingerprint(name, data) if name.endswith((".css", ".js", ".svg")) else name
        outputs[f"static/{out}"] = data
        urls[name] = f"/static/{out}"
    return outputs, urls


# --- formatting helpers ---------------------------------------------------------------------------


# The sections of the site navigation (templates/_layout.html) that can have nothing in them, each
# with what would fill it. A section with nothing is left out of the navigation on every page
# (a 空白栏目 is a deduction in the national inspection, five a single veto; docs/audit.md); its
# own page is still published and says what will appear there, so no link to it breaks.
NAV_FILLED_BY: dict[str, Any] = {
    "/areas/": lambda site, d: site.districts,
    "/communities/": lambda site, d: site.communities,
    "/compounds/": lambda site, d: site.compounds,
    "/companies/": lambda site, d: site.companies,
    "/lists/": lambda site, d: d.year_tables,
    "/projects/": lambda site, d: site.projects,
    "/notices/": lambda site, d: d.notices_newest,
}


def empty_sections(site: Site, derived: Derived) -> frozenset[str]:
    """The navigation sections with nothing in them (hrefs, as in `NAV_FILLED_BY`). Every page's
    navigation depends on it, so it is part of the build's global key (`pipeline`)."""
    return frozenset(href for href, filled in NAV_FILLED_BY.items() if not filled(site, derived))


def fmt_score(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else rounded(value, places)


def fmt_number(value) -> str:
    return "—" if value is None else plain(value)


def fmt_pct(value: Decimal | None, places: int = 2) -> str:
    return "—" if value is None else rounded(value * 100, places, trim=True) + "%"


def fmt_date(value: date | None) -> str:
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_yuan(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if value >= 10000:
        return f"{rounded(value / 10000, 2, trim=True)} 万元"
    return f"{plain(value)} 元"


_PHONE = re.compile(r"^\+?[0-9(][0-9 ()\-]{2,28}[0-9]$")


def tel_href(phone: str | None) -> str | None:
    """A `tel:` URL for a phone field that is only a number ("0536-8000001"), else None: free text
    such as "0536-8000001 转 123" is shown but not linked (it would make an invalid URL)."""
    if not phone or not _PHONE.match(phone):
        return None
    return "tel:" + re.sub(r"[ ()]", "", phone)


class _Environment(jinja2.Environment):
    """Jinja's environment, where a template without globals of its own reads the environment's
    globals themselves rather than through a ChainMap over them (what Jinja does for every
    template). Every page's `{% import "_macros.html" as m %}` compares the page's globals with
    the macro template's, key by key, which through a ChainMap is a noticeable share of rendering
    time. Nothing here gives a template globals of its own or changes a template's globals."""

    def make_globals(self, d):
        return self.globals if not d else super().make_globals(d)


def template_environment(theme: Theme, bytecode: Path | None = None) -> jinja2.Environment:
    """The Jinja environment for `theme`, with the filters and URL helpers, every template
    compiled (once, before any worker forks), and no site-specific globals yet (`Renderer`).
    `bytecode`: a folder where Jinja keeps the compiled templates for the next build (by each
    template's source and Jinja's and Python's versions: a changed template is compiled again)."""
    env = _Environment(
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode)) if bytecode is not None else None,
        loader=jinja2.FileSystemLoader([str(d) for d in theme.dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one Renderer per set of template files: the builder makes a new one on change
        cache_size=-1,
    )
    env.filters.update(score=fmt_score, pct=fmt_pct, cndate=fmt_date, yuan=fmt_yuan, num=fmt_number, tel_href=tel_href)
    env.globals.update(urls.URLS)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
        env.get_template(name)
    return env


class Reads(Protocol):
    """What a dependency recorder (`engine.recorder.Recorder`) hands the templates in place of
    the build's values, and where it collects what a rendering read (`deps`)."""

    deps: set  # what the rendering under way read: (name, key, attribute)

    @property
    def site(self) -> Any: ...  # a recording view of `Site`

    @property
    def d(self) -> Any: ...  # a recording view of `Derived`

    @property
    def last_changed(self) -> Mapping: ...  # a recording view of `History.last_changed`

    def retarget(self, site: Site, derived: Derived, last_changed: dict) -> None: ...


class Renderer:
    """Renders planned pages. With a recorder (`reads`), `site` and `d` reach the templates
    through its views, and `render(page, deps)` fills `deps` with everything the page read: what
    the edit loop needs to know which pages an edit touches."""

    def __init__(
        self,
        site: Site,
        derived: Derived,
        theme: Theme,
        asset_urls: dict[str, str],
        build_date: date,
        history: History | None = None,
        fulltext_search: bool = False,
        reads: Reads | None = None,
        preview: bool = False,
        env: jinja2.Environment | None = None,
        attachments_checked: bool = True,
    ):
        """`env`: what `template_environment(theme)` made, if the caller had it made beforehand
        (templates read the globals set here when they render, not when they are compiled)."""
        self.env = env if env is not None else template_environment(theme)
        last_changed = (history or History()).last_changed
        self.recorder = reads
        # With a recorder, templates and the helpers below read through its views.
        s, d = (reads.site, reads.d) if reads is not None else (site, derived)
        self.env.globals.update(
            site=s,
            info=site.info,
            d=d,
            today=build_date,
            preview=preview,
            attachments_checked=attachments_checked,
            asset=asset_urls.__getitem__,
            COMPOUND_TYPES=COMPOUND_TYPES,
            COMPOUND_TYPE_MODES=COMPOUND_TYPE_MODES,
            PROJECT_CATEGORIES=PROJECT_CATEGORIES,
            PROJECT_STATUSES=PROJECT_STATUSES,
            LIST_LABELS=LIST_LABELS,
            ratio=ratio,
            absolute_url=functools.partial(urls.absolute, site.info.base_url),
            qr_svg=poster.qr_svg,
            content_fingerprint=poster.content_fingerprint,
            fulltext_search=fulltext_search,
            fragment=self.fragment,
            once=self.once,
            page_window=page_window,
            empty_sections=empty_sections(site, derived),
        )
        self.env.globals.update(
            # source path → date of its last commit, or None
            last_changed_of=reads.last_changed.get if reads is not None else last_changed.get,
            **self._history_globals(site, history),
            chart_svg=charts.svg,
            chart_rows=charts.table_rows,
            score_history_chart=lambda company: charts.score_history(s, d, company),
            fee_rates_chart=lambda community: charts.fee_rates(s, d, community),
            types_by_street_chart=lambda district: charts.types_by_street(s, d, district),
            notices_feed_title=feeds.notices_feed_title(site),
            community_feed_title=feeds.community_feed_title,
            lists_feed_title=feeds.lists_feed_title,
        )
        self._fragments: dict = {}

    def retarget(self, site: Site, derived: Derived, history: History | None = None) -> None:
        """Point a recording renderer at the next build's values (same templates and globals)."""
        assert self.recorder is not None, "only a recording renderer is reused"
        self.recorder.retarget(site, derived, (history or History()).last_changed)
        self.env.globals.update(self._history_globals(site, history))
        self._fragments.clear()

    def _history_globals(self, site: Site, history: History | None) -> dict:
        """`record_history` and `notice_publication` (`revisions`): what git says of a record.
        With a recorder, a page that asks about a record's history reads its log
        ("history.records", its `record_key`), so a new commit renders again only the pages of
        the records it touched."""
        made = revisions.Revisions(site, history or History())
        recorder = self.recorder
        if recorder is None:
            return {
                "record_history": made.of,
                "notice_publication": lambda notice: revisions.notice_publication(notice, made.history),
            }

        def read(source: str) -> None:
            key = record_key(source)
            if key is not None:
                recorder.deps.add(("history.records", key, None))

        def record_history(source: str):
            read(source)
            return made.of(source)

        def notice_publication(notice):
            read(notice.source)
            return revisions.notice_publication(notice, made.history)

        return {"record_history": record_history, "notice_publication": notice_publication}

    def fragment(self, macro: str, kind: str, key, *args):
        """`_macros.html`'s `macro(site.<kind>[key], *args)`, rendered once per build for each
        (key, args) and reused on every page that shows it: within one build it depends on
        nothing else. With tracking, what the first rendering read is added to every page that
        reuses it (the record is fetched through the recording view, so those reads are known)."""
        site = self.env.globals["site"]
        return self._reused(
            ("_macros.html", macro, kind, key, args), lambda function: function(getattr(site, kind)[key], *args)
        )

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
        if hit[1] and self.recorder is not None:
            self.recorder.deps.update(hit[1])
        return hit[0]

    def render(self, page: routes.Page, deps: set | None = None) -> bytes:
        """The page's HTML, every table cell labelled with its column header (`tables`); with a
        recorder, what it read is added to `deps`."""
        template = self.env.get_template(page.template)
        if self.recorder is None:
            return tables.label_cells(template.render(url=page.url, **page.context)).encode("utf-8")
        self.recorder.deps = deps if deps is not None else set()
        try:
            return tables.label_cells(template.render(url=page.url, **page.context)).encode("utf-8")
        finally:
            self.recorder.deps = set()


def page_window(current: int, total: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager links: the first, the last and `around` either side of the
    current one, with None where numbers are left out. Linking every page made each of a
    province's 2,500 list pages carry 2,500 links (quadratic output)."""
    shown = sorted({1, total} | set(range(max(1, current - around), min(total, current + around) + 1)))
    out: list[int | None] = []
    for previous, n in zip([None, *shown], shown):
        if previous is not None and n - previous > 1:
            out.append(None)
        out.append(n)
    return out
