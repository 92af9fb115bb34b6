"""What each template may read: every page kind's context is a declared type, and so are the globals.

The plan (`routes.plan`) makes each page's context through its kind's type below, and the
renderer (`render.Renderer.render`) calls the page's template with that context and the page's
`url`. The contract, checked by `tests/test_template_context.py`:

- A page template (a key of `CONTEXTS`) reads only the keys of its context type, `url`, the
  names in `Globals` and the names it sets itself (`{% set %}`, loop variables, macro
  parameters, imported macro libraries).
- The layout every page extends (`base.html`) reads only what every context has (`page`),
  `url` and the globals; a name only some kinds have (`notice`, `pager`) only behind a test
  `is defined`.
- A macro library (`_macros.html`, `_layout.html`, `_search.html`) is imported without context
  or called through `Renderer.fragment` and `Renderer.once`: its macros read only their
  parameters and the globals.
- Filters are the ones `render.template_environment` registers (Jinja rejects any other when it
  compiles a template); Jinja's own globals (`range`, `dict`, `namespace`, …) are always there.

Every page template has a type here and every type is some template's (`CONTEXTS`); `Globals`
names exactly what `render.Renderer` and `render.template_environment` set. The types are
`TypedDict`s, so a context is still a plain `dict` when the plan is made: the edit loop compares
last build's contexts with this build's as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, TypedDict

from ..domain.derive import Derived, NoticeStatus, PeriodTable, YearTable
from ..domain.models import Community, Company, Compound, District, Notice, Project, Site, SiteInfo, Street
from .changes import ChangeRow
from .opendata import Dataset
from .revisions import Publication, RecordHistory, Withdrawal

if TYPE_CHECKING:  # only named in the declaration of the globals
    from markupsafe import Markup

    from .charts import Chart

PageKind = Literal[
    "home",
    "areas",
    "district",
    "street",
    "communities",
    "community",
    "compounds",
    "compound",
    "companies",
    "company",
    "lists",
    "list_year",
    "list_period",
    "projects",
    "project",
    "notices",
    "notice",
    "not_found",
    "search",
    "data",
    "changes",
    "accessibility",
    "withdrawn",
]


class PageMeta(TypedDict):
    """`page`: what the layout (`base.html`) shows of every page."""

    title: str
    kind: PageKind  # also decides the search index's kind label and whether the page is indexed
    crumbs: list[tuple[str, str]]  # breadcrumbs above the title: (label, url), the home page first
    description: str  # the meta description; empty: the layout writes one from the title


class PageContext(TypedDict):
    """What every page's context has; each kind's type below adds its own keys."""

    page: PageMeta


class HomeContext(PageContext):
    notices: list[Notice]  # the latest published notices, newest first
    district_tables: list[tuple[District, YearTable]]  # each district with its current year's lists


class AreasContext(PageContext):
    pass


class DistrictContext(PageContext):
    district: District


class StreetContext(PageContext):
    district: District
    street: Street


class CommunitiesContext(PageContext):
    pass


class CommunityContext(PageContext):
    community: Community
    street: Street
    district: District


class CompoundsContext(PageContext):
    pass


class CompoundContext(PageContext):
    compound: Compound
    community: Community
    street: Street
    district: District
    company: Company | None  # None: a self-managed compound (居民自治)


class CompaniesContext(PageContext):
    pass


class CompanyContext(PageContext):
    company: Company


class ListsContext(PageContext):
    pass


class ListYearContext(PageContext):
    district: District
    table: YearTable


class ListPeriodContext(PageContext):
    district: District
    table: PeriodTable


class ProjectsContext(PageContext):
    pass


class ProjectContext(PageContext):
    project: Project


class Pager(TypedDict):
    current: int  # this page's number, from 1
    total: int  # how many pages the list has


class NoticesContext(PageContext):
    notices: list[Notice]  # this page's notices, newest first
    pager: Pager


class NoticeContext(PageContext):
    notice: Notice
    status: NoticeStatus  # its 公示期 on the build date


class NotFoundContext(PageContext):
    pass


class SearchContext(PageContext):
    pass  # the instant search box reads the data file `search/names.json`, not the context


class DataContext(PageContext):
    datasets: tuple[Dataset, ...]  # every open dataset, with its fields
    license: dict[str, str]  # `opendata.LICENSE`: name, path (the licence's URL), title
    type_words: dict[str, str]  # `opendata.TYPE_WORDS`: Table Schema type → its name in words


class ChangesContext(PageContext):
    changes: tuple[ChangeRow, ...]  # the latest changes to published records, newest first
    incomplete: bool  # a shallow clone: the history before its boundary is unknown


class WithdrawnContext(PageContext):
    withdrawal: Withdrawal  # a deleted notice or project: its title and dates, never its text


class AccessibilityContext(PageContext):
    pass  # the 无障碍声明: what the site supports and how to report a problem (settings and globals)


# Template → the type of the context its pages get.
CONTEXTS: dict[str, type] = {
    "home.html": HomeContext,
    "areas.html": AreasContext,
    "district.html": DistrictContext,
    "street.html": StreetContext,
    "communities.html": CommunitiesContext,
    "community.html": CommunityContext,
    "compounds.html": CompoundsContext,
    "compound.html": CompoundContext,
    "companies.html": CompaniesContext,
    "company.html": CompanyContext,
    "lists.html": ListsContext,
    "list_year.html": ListYearContext,
    "list_period.html": ListPeriodContext,
    "projects.html": ProjectsContext,
    "project.html": ProjectContext,
    "notices.html": NoticesContext,
    "notice.html": NoticeContext,
    "404.html": NotFoundContext,
    "search.html": SearchContext,
    "data.html": DataContext,
    "changes.html": ChangesContext,
    "withdrawn.html": WithdrawnContext,
    "accessibility.html": AccessibilityContext,
}


class Globals(TypedDict):
    """Every global a template may read, the same for every page of a build (`render.Renderer`;
    the `url_*` builders are set by `render.template_environment`)."""

    # the content and what is derived from it (with a dependency recorder: views that record reads)
    site: Site
    info: SiteInfo  # `site.info`, not through the recorder: every page depends on it (the build's global key)
    d: Derived
    today: date  # the build date
    preview: bool  # a deploy preview: the 预览 banner on every page
    attachments_checked: bool  # False only in a preview built with --skip-attachment-scan: its banner says so
    fulltext_search: bool  # the full-text index is built: the search page offers it
    asset: Callable[[str], str]  # static asset name → its fingerprinted URL
    # the words for codes
    COMPOUND_TYPES: dict[str, str]
    COMPOUND_TYPE_MODES: dict[str, str]
    PROJECT_CATEGORIES: dict[str, str]
    PROJECT_STATUSES: dict[str, str]
    LIST_LABELS: dict[str, str]
    # helpers
    ratio: Callable[[int, int], Decimal | None]  # part / whole exactly, None without a whole
    absolute_url: Callable[[str], str]  # a root-relative URL with the site's base URL
    qr_svg: Callable[[str, str], Markup]  # (url, label) → a QR code as inline SVG
    content_fingerprint: Callable[[Notice], str]  # the code printed on a posted notice
    fragment: Callable[..., Markup]  # a `_macros.html` macro of one record, rendered once per build
    once: Callable[..., Markup]  # a `_layout.html` macro, rendered once per build for its arguments
    page_window: Callable[[int, int], list[int | None]]  # the page numbers a pager links
    empty_sections: frozenset[str]  # navigation sections with nothing in them, left out of the navigation
    last_changed_of: Callable[[str], date | None]  # source path → date of its last commit, or None
    record_history: Callable[[str], RecordHistory | None]  # source path → 首次发布 and 修改记录 (git)
    notice_publication: Callable[[Notice], Publication]  # its real first publication and 公示期
    chart_svg: Callable[[Chart, str], Markup]  # a chart as inline SVG
    chart_rows: Callable[[Chart], Iterable[tuple[str, tuple[str, ...]]]]  # a chart's numbers as table rows
    score_history_chart: Callable[[str], Chart]  # company id → its half-year scores
    fee_rates_chart: Callable[[str], Chart]  # community id → its compounds' fee-collection rates
    types_by_street_chart: Callable[[str], Chart]  # district id → compound types by street
    notices_feed_title: str  # the title of the site's notices feed
    community_feed_title: Callable[[Community], str]
    lists_feed_title: Callable[[District], str]
    # the URL builders of `urls` (root-relative URLs)
    url_district: Callable[[str], str]
    url_street: Callable[[str, str], str]
    url_community: Callable[[str], str]
    url_compound: Callable[[str], str]
    url_company: Callable[[str], str]
    url_list_year: Callable[[str, int], str]
    url_list_period: Callable[[str, str], str]
    url_project: Callable[[str], str]
    url_notice: Callable[[str], str]
    url_attachment: Callable[[str], str]
    url_notices_page: Callable[[int], str]
    url_list_json: Callable[[str, int], str]
    url_feed_notices: Callable[[], str]
    url_feed_community: Callable[[str], str]
    url_feed_lists: Callable[[str], str]
    url_data: Callable[[], str]
    url_data_file: Callable[[str], str]
    url_changes: Callable[[], str]
