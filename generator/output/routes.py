"""Plan every output before anything is rendered: URL, template and context for each page.

`plan(site, derived)` returns a `Plan`: the pages (each a `Page` with its URL, template name and
context), the data files (path → bytes, or a function making them when written) and the
attachment copies. Two outputs that would land on the same path are an error (`RouteCollision`),
found before a byte is written — and so are two paths that differ only in letter case or Unicode
normalisation (`A.pdf`, `a.pdf`), which would overwrite each other on a case-insensitive disk or
server. URLs are percent-encoded where they
are built, so an attachment named `维修 方案#1?.pdf` links to exactly its file.

Each page's context is made through its kind's declared type in `contexts` (`contexts.CONTEXTS`
maps each template to it), which also states what every template may read. Page kinds and their
templates: the home page (`home.html`), the directories (`areas.html`, `communities.html`,
`compounds.html`, `companies.html`, `lists.html`, `projects.html`, the paged `notices.html`), a
page per record (`district.html`, `street.html`, `community.html`, `compound.html`,
`company.html`, `project.html`, `notice.html`), a page per district and evaluation year or
half-year (`list_year.html`, `list_period.html`), and `404.html`, `search.html` (its data files,
`search/names.json` and `search/names/`, feed the instant box), `data.html`, `changes.html` and
`accessibility.html` (the 无障碍声明). The globals every template sees besides its context are declared there too
(`contexts.Globals`).

Besides pages, the plan claims the data files: the list JSON files, the Atom feeds (`feeds`), the
open data and its `datapackage.json` (`opendata`), `sitemap.xml` and `robots.txt` (`sitemap`).
Each record's page and each data file is a step declared by the records it is made from (see
`generator.steps`): in the edit loop a rebuild after one edit makes only what that edit touched.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from itertools import islice
from typing import Any

from ..content.history import History
from ..domain.derive import Derived, NoticeStatus
from ..domain.models import Community, Company, Compound, District, Notice, Project, Site, Street
from ..steps import DIRECT, Runner, Step
from . import search
from .changes import recent_changes, record_sources
from .contexts import (  # each page kind's context, declared (see `contexts`)
    AccessibilityContext,
    AreasContext,
    ChangesContext,
    CommunitiesContext,
    CommunityContext,
    CompaniesContext,
    CompanyContext,
    CompoundContext,
    CompoundsContext,
    DataContext,
    DistrictContext,
    HomeContext,
    ListPeriodContext,
    ListsContext,
    ListYearContext,
    NotFoundContext,
    NoticeContext,
    NoticesContext,
    PageContext,
    PageKind,
    PageMeta,
    Pager,
    ProjectContext,
    ProjectsContext,
    SearchContext,
    StreetContext,
    WithdrawnContext,
)
from .feeds import feed_files
from .lists import list_file
from .opendata import LICENSE, TYPE_WORDS, data_files, datasets
from .revisions import Revisions
from .sitemap import sitemap_files
from .urls import (  # the URL builders, shared with feeds, data files and templates
    url_changes,
    url_community,
    url_company,
    url_compound,
    url_data,
    url_district,
    url_list_json,
    url_list_period,
    url_list_year,
    url_notice,
    url_notices_page,
    url_project,
    url_street,
)

NOTICES_PER_PAGE = 20
ACCESSIBILITY = "/accessibility/"  # the 无障碍声明, linked from every page's footer (templates/_layout.html)
NAME_INDEX = search.NAMES_TABLE  # the name finder's table; its files lie in search.NAMES_DIR


class RouteCollision(Exception):
    def __init__(self, path: str, first: str, second: str):
        self.path, self.first, self.second = path, first, second
        super().__init__(f"两个输出都要写到 {path}：{first} 与 {second}")


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    context: dict[str, Any]
    origin: str  # what produced it, for collision messages

    @cached_property
    def path(self) -> str:
        return self.url.lstrip("/") + "index.html" if self.url.endswith("/") else self.url.lstrip("/")

    @cached_property
    def folded(self) -> str:
        """Its path as a case-insensitive, normalising disk or server sees it (see `Plan.claim`)."""
        return _folded(self.path)


def _folded(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


@dataclass
class Plan:
    run: Runner = DIRECT  # how record pages are made (see `add_record_page`)
    pages: list[Page] = field(default_factory=list)
    # output path -> bytes, or a function making them: the big files (feeds, open data) are made
    # as they are written, one at a time, not all held in memory while the pages render
    data: dict[str, bytes | Callable[[], bytes]] = field(default_factory=dict)
    copies: dict[str, str] = field(default_factory=dict)  # output path -> attachment path (relative)
    _owners: dict[str, str] = field(default_factory=dict)
    _folded: dict[str, str] = field(default_factory=dict)  # case- and normalisation-folded path -> path

    def claim(self, path: str, origin: str, folded: str | None = None) -> None:
        if path in self._owners:
            raise RouteCollision(path, self._owners[path], origin)
        folded = _folded(path) if folded is None else folded
        if folded in self._folded:
            other = self._folded[folded]
            raise RouteCollision(f"{other} / {path}", self._owners[other], origin)
        self._owners[path] = origin
        self._folded[folded] = path

    def add_data(self, path: str, data: bytes | Callable[[], bytes], origin: str) -> None:
        self.claim(path, origin)
        self.data[path] = data

    def add_page(self, url: str, template: str, origin: str, **context: Any) -> None:
        """A page whose context is `context`: in `plan`, made through the template's type in `contexts`."""
        page = Page(url, template, context, origin)
        self.claim(page.path, origin)
        self.pages.append(page)

    def add_record_page(
        self, url: str, template: str, origin: str, inputs: tuple, context: Callable[[], PageContext]
    ) -> None:
        """`add_page` for a page whose context is made by `context()` from the records in `inputs`
        alone: a step (see `generator.steps`), so the edit loop gets last rebuild's very `Page`
        back when they are the same objects, and an unchanged page costs neither its context nor
        comparing it."""
        page = self.run(RECORD_PAGE, url, template, origin, inputs, context)
        self.claim(page.path, origin)
        self.pages.append(page)

    def add_record_pages(
        self, kind: str, records: Iterable[Any], make: Callable[..., list[Page]], *shared: Any
    ) -> None:
        """The pages of many records of one `kind`: `make(run, chunk, *shared)` makes those of a
        chunk of PAGE_CHUNK of them (in order) through `RECORD_PAGE`, reading nothing but the
        chunk and `shared` (the mappings it looks records up in). Each chunk is a step itself
        (`RECORD_PAGES`): in the edit loop, a chunk whose records and `shared` are the same as
        last time gives back its very pages without a look at each record, so an edit costs
        the plan a comparison of each chunk (in C) instead of a step per page — at province
        size, 116,000 of them."""
        for number, chunk in enumerate(_chunks(records)):
            for page in self.run(RECORD_PAGES, kind, number, chunk, shared, make, self.run):
                self.claim(page.path, page.origin, page.folded)
                self.pages.append(page)

    @property
    def paths(self) -> list[str]:
        return list(self._owners)


RECORD_PAGE = Step(
    "page",
    lambda url, template, origin, inputs, context: Page(url, template, context(), origin),
    inputs=lambda url, template, origin, inputs, context: (template, origin, *inputs),
    slot=lambda url, template, origin, inputs, context: url,
)

PAGE_CHUNK = 256  # records whose pages are one step of the plan (`Plan.add_record_pages`)


def _chunks(records: Iterable[Any]) -> Iterator[tuple]:
    it = iter(records)
    while chunk := tuple(islice(it, PAGE_CHUNK)):
        yield chunk


RECORD_PAGES = Step(
    "record-pages",
    lambda kind, number, chunk, shared, make, run: make(run, chunk, *shared),
    inputs=lambda kind, number, chunk, shared, make, run: (chunk, *shared),
    slot=lambda kind, number, chunk, shared, make, run: (kind, number),
)

HOME = ("首页", "/")


def _ctx(title: str, kind: PageKind, crumbs: list[tuple[str, str]], description: str = "") -> PageMeta:
    return PageMeta(title=title, kind=kind, crumbs=crumbs, description=description)


def _name_index_inputs(site: Site) -> tuple:
    """Everything `search.name_index` reads: the records of five kinds, in order."""
    out: list = []
    for records in (site.compounds, site.communities, site.streets, site.districts, site.companies):
        out.append(len(records))
        out.extend(records.values())
    return tuple(out)


NAME_INDEX_FILES = Step("name-index", search.name_indexes, inputs=_name_index_inputs)
LIST_FILE = Step("list-json", list_file, slot=lambda table: (table.district, table.year))


def plan(site: Site, d: Derived, history: History | None = None, run: Runner = DIRECT) -> Plan:
    """Every output of the site; its parts that are made from a few records are steps (see
    `generator.steps`) run by `run`."""
    p = Plan(run)
    info = site.info

    latest = [site.notices[n] for n in d.notices_newest[:8]]
    district_tables = [(dist, d.current_year[k]) for k, dist in site.districts.items() if k in d.current_year]
    p.add_page(
        "/",
        "home.html",
        "首页",
        **HomeContext(
            page=_ctx(info.title, "home", [], f"{info.title}：小区、物业企业、红黑榜、项目与公示公告"),
            notices=latest,
            district_tables=district_tables,
        ),
    )
    p.add_page("/404.html", "404.html", "404", **NotFoundContext(page=_ctx("页面未找到", "not_found", [HOME])))
    p.add_page(
        "/search/",
        "search.html",
        "搜索",
        **SearchContext(page=_ctx("搜索", "search", [HOME], f"在{info.title}查找小区、物业服务企业、社区和公告")),
    )
    for path, names in run(NAME_INDEX_FILES, site).items():  # the finder's table and files, and each district's
        p.claim(path, "搜索")
        p.data[path] = names

    # A record page's context is made by a typed function of its records, bound to them with
    # `partial` (so mypy checks both the records passed and the context made).
    def district_context(district: District) -> DistrictContext:
        return DistrictContext(page=_ctx(district.name, "district", [HOME, AREAS_CRUMB]), district=district)

    def street_context(district: District, street: Street) -> StreetContext:
        return StreetContext(
            page=_ctx(
                f"{street.name}（{district.name}）",
                "street",
                [HOME, AREAS_CRUMB, (district.name, url_district(district.id))],
            ),
            district=district,
            street=street,
        )

    p.add_page("/areas/", "areas.html", "辖区", **AreasContext(page=_ctx("辖区", "areas", [HOME])))
    for district in site.districts.values():
        p.add_record_page(
            url_district(district.id),
            "district.html",
            f"areas.yaml: {district.id}",
            (district,),
            partial(district_context, district),
        )
        for street in district.streets:
            p.add_record_page(
                url_street(district.id, street.id),
                "street.html",
                f"areas.yaml: {street.id}",
                (district, street),
                partial(street_context, district, street),
            )

    p.add_page(
        "/communities/", "communities.html", "社区目录", **CommunitiesContext(page=_ctx("社区", "communities", [HOME]))
    )

    p.add_record_pages("community", site.communities.values(), _community_pages, site.streets, site.districts)

    p.add_page("/compounds/", "compounds.html", "小区目录", **CompoundsContext(page=_ctx("小区", "compounds", [HOME])))

    p.add_record_pages(
        "compound",
        site.compounds.values(),
        _compound_pages,
        site.communities,
        site.streets,
        site.districts,
        site.companies,
    )

    p.add_page(
        "/companies/", "companies.html", "企业目录", **CompaniesContext(page=_ctx("物业服务企业", "companies", [HOME]))
    )
    p.add_record_pages("company", site.companies.values(), _company_pages)

    lists_crumb = ("红黑榜", "/lists/")
    p.add_page("/lists/", "lists.html", "红黑榜", **ListsContext(page=_ctx("物业服务企业红黑榜", "lists", [HOME])))
    for (district_id, year), table in d.year_tables.items():
        district = site.districts[district_id]
        p.add_page(
            url_list_year(district_id, year),
            "list_year.html",
            f"evaluations/{district_id}/{year}",
            **ListYearContext(
                page=_ctx(f"{district.name} {year} 年度物业服务企业红黑榜", "list_year", [HOME, lists_crumb]),
                district=district,
                table=table,
            ),
        )
        path = url_list_json(district_id, year).lstrip("/")
        p.claim(path, f"evaluations/{district_id}/{year}")
        p.data[path] = run(LIST_FILE, table)
    for (district_id, key), period_table in d.period_tables.items():
        district = site.districts[district_id]
        year_crumb = (
            f"{district.name} {period_table.period.year} 年度",
            url_list_year(district_id, period_table.period.year),
        )
        p.add_page(
            url_list_period(district_id, key),
            "list_period.html",
            period_table.source,
            **ListPeriodContext(
                page=_ctx(
                    f"{district.name} {period_table.period.label}物业服务企业考评结果",
                    "list_period",
                    [HOME, lists_crumb, year_crumb],
                ),
                district=district,
                table=period_table,
            ),
        )

    p.add_page("/projects/", "projects.html", "项目目录", **ProjectsContext(page=_ctx("项目", "projects", [HOME])))
    p.add_record_pages("project", site.projects.values(), _project_pages)

    ordered = [site.notices[n] for n in d.notices_newest]
    pages = max(1, -(-len(ordered) // NOTICES_PER_PAGE))
    for n in range(1, pages + 1):
        chunk = ordered[(n - 1) * NOTICES_PER_PAGE : n * NOTICES_PER_PAGE]
        title = "公示公告" if n == 1 else f"公示公告（第 {n} 页）"
        p.add_page(
            url_notices_page(n),
            "notices.html",
            f"公告列表第 {n} 页",
            **NoticesContext(
                page=_ctx(title, "notices", [HOME] if n == 1 else [HOME, NOTICES_CRUMB]),
                notices=chunk,
                pager=Pager(current=n, total=pages),
            ),
        )
    # (in the records' order, by id, not newest first: a new notice, the commonest edit, then
    # shifts only the chunks after its id, not every chunk)
    statuses = d.notice_status
    p.add_record_pages("notice", ((n, statuses[n.id]) for n in site.notices.values()), _notice_pages)

    for f in site.attachments:
        path = f"attachments/{f}"  # on disk as named; links percent-encode it (url_attachment)
        p.claim(path, f"attachments/{f}")
        p.copies[path] = f

    # Deleted notices and projects keep their address: a page saying when they were withdrawn.
    withdrawn = Revisions(site, history or History()).withdrawals()
    for w in withdrawn:
        what = "公告" if w.kind == "notice" else "项目"
        p.add_page(
            w.url,
            "withdrawn.html",
            f"{w.source}（已撤回）",
            **WithdrawnContext(
                page=_ctx(
                    f"已撤回的{what}：{w.title}" if w.title else f"已撤回的{what}",
                    "withdrawn",
                    [HOME, NOTICES_CRUMB if w.kind == "notice" else PROJECTS_CRUMB],
                ),
                withdrawal=w,
            ),
        )

    for path, data in feed_files(site, d, run, withdrawn).items():
        p.add_data(path, data, "订阅源")
    sets = datasets(site, d, run)
    for path, data in data_files(site, d, sets, run).items():
        p.add_data(path, data, "开放数据")
    p.add_page(
        url_data(),
        "data.html",
        "开放数据页",
        **DataContext(
            page=_ctx("开放数据", "data", [HOME], f"{info.title}的数据下载：CSV 和 JSON 文件及字段说明"),
            datasets=sets,
            license=LICENSE,
            type_words=TYPE_WORDS,
        ),
    )
    p.add_page(
        url_changes(),
        "changes.html",
        "最近更新页",
        **ChangesContext(
            page=_ctx("最近更新", "changes", [HOME], f"{info.title}最近更新的页面"),
            changes=recent_changes(history or History(), record_sources(site, run), withdrawn=withdrawn),
            incomplete=(history or History()).shallow,
        ),
    )
    p.add_page(
        ACCESSIBILITY,
        "accessibility.html",
        "无障碍声明",
        **AccessibilityContext(
            page=_ctx("无障碍声明", "accessibility", [HOME], f"{info.title}的无障碍与适老化说明，以及如何反映问题")
        ),
    )
    # Keep this last: the sitemap lists every page planned above.
    indexed = [page.url for page in p.pages if page.context["page"]["kind"] != "not_found"]
    for path, sitemap in sitemap_files(info.base_url, indexed, run=run).items():
        p.add_data(path, sitemap, "站点地图")
    return p


# --- the pages of the records of each kind, a chunk at a time (see `Plan.add_record_pages`) ----

AREAS_CRUMB = ("辖区", "/areas/")
COMPANIES_CRUMB = ("物业服务企业", "/companies/")
PROJECTS_CRUMB = ("项目", "/projects/")
NOTICES_CRUMB = ("公示公告", "/notices/")


def _community_context(c: Community, street: Street, district: District) -> CommunityContext:
    crumbs = [HOME, (district.name, url_district(district.id)), (street.name, url_street(district.id, street.id))]
    return CommunityContext(
        page=_ctx(c.name, "community", crumbs, f"{district.name}{street.name}{c.name}：小区、物业、项目与公示"),
        community=c,
        street=street,
        district=district,
    )


def _community_pages(run: Runner, chunk: tuple[Community, ...], streets: dict, districts: dict) -> list[Page]:
    pages = []
    for community in chunk:
        street = streets[community.street]
        district = districts[street.district]
        pages.append(
            run(
                RECORD_PAGE,
                url_community(community.id),
                "community.html",
                community.source,
                (community, street, district),
                partial(_community_context, community, street, district),
            )
        )
    return pages


def _compound_context(
    c: Compound, community: Community, street: Street, district: District, company: Company | None
) -> CompoundContext:
    crumbs = [
        HOME,
        (district.name, url_district(district.id)),
        (street.name, url_street(district.id, street.id)),
        (community.name, url_community(community.id)),
    ]
    return CompoundContext(
        page=_ctx(c.name, "compound", crumbs, f"{community.name}{c.name}：类型、物业服务企业、收缴率与公示"),
        compound=c,
        community=community,
        street=street,
        district=district,
        company=company,
    )


def _compound_pages(
    run: Runner, chunk: tuple[Compound, ...], communities: dict, streets: dict, districts: dict, companies: dict
) -> list[Page]:
    pages = []
    for compound in chunk:
        community = communities[compound.community]
        street = streets[community.street]
        district = districts[street.district]
        company = companies.get(compound.company) if compound.company else None
        pages.append(
            run(
                RECORD_PAGE,
                url_compound(compound.id),
                "compound.html",
                compound.source,
                (compound, community, street, district, company),
                partial(_compound_context, compound, community, street, district, company),
            )
        )
    return pages


def _company_context(c: Company) -> CompanyContext:
    return CompanyContext(
        page=_ctx(c.name, "company", [HOME, COMPANIES_CRUMB], f"{c.name}：考评得分、红黑榜情况与服务小区"), company=c
    )


def _company_pages(run: Runner, chunk: tuple[Company, ...]) -> list[Page]:
    return [
        run(RECORD_PAGE, url_company(c.id), "company.html", c.source, (c,), partial(_company_context, c)) for c in chunk
    ]


def _project_context(pr: Project) -> ProjectContext:
    return ProjectContext(page=_ctx(pr.title, "project", [HOME, PROJECTS_CRUMB]), project=pr)


def _project_pages(run: Runner, chunk: tuple[Project, ...]) -> list[Page]:
    return [
        run(RECORD_PAGE, url_project(pr.id), "project.html", pr.source, (pr,), partial(_project_context, pr))
        for pr in chunk
    ]


def _notice_context(notice: Notice, status: NoticeStatus) -> NoticeContext:
    return NoticeContext(page=_ctx(notice.title, "notice", [HOME, NOTICES_CRUMB]), notice=notice, status=status)


def _notice_pages(run: Runner, chunk: tuple[tuple[Notice, NoticeStatus], ...]) -> list[Page]:
    pages = []
    for notice, status in chunk:
        pages.append(
            run(
                RECORD_PAGE,
                url_notice(notice.id),
                "notice.html",
                notice.source,
                (notice, status),
                partial(_notice_context, notice, status),
            )
        )
    return pages
