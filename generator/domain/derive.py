"""Derived facts, computed once and purely from a checked `Site` and the build date.

Scores: a period's total is the exact Decimal sum of its parts; ranks are competition ranks
(1, 2, 2, 4) over the unrounded totals; a company's bottom position is 1 + the number of companies
with a strictly lower total; the annual score is the exact mean of H1 and H2 for companies that
have both; black = annual < black_line; dismissal = bottom position ≤ dismissal_bottom in both H1
and H2; red = annual rank ≤ red_list_size and neither black nor dismissal. Changes compare a year's
lists with the previous calendar year's lists of the same district.

Everything else a page needs to look up (who is in which street, which notices reach which
community) is indexed here, so later stages never scan the whole site per page. No I/O, no clock:
`today` is a parameter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from ..steps import DIRECT, Runner, Step
from .models import Compound, Evaluation, Notice, Period, Site

LISTS = ("red", "black", "dismissal")
LIST_LABELS = {"red": "红榜", "black": "黑榜", "dismissal": "提请解聘"}


@dataclass(frozen=True)
class PeriodResult:
    company: str
    parts: tuple[tuple[str, Decimal], ...]
    total: Decimal
    rank: int
    bottom: int  # 1 + number of companies with a strictly lower total
    note: str | None


@dataclass(frozen=True)
class PeriodTable:
    district: str
    period: Period
    published: date
    source: str
    rows: tuple[PeriodResult, ...]  # by rank, ties in id order

    @cached_property
    def _by_company(self) -> dict[str, PeriodResult]:
        return {row.company: row for row in self.rows}

    def get(self, company: str) -> PeriodResult | None:
        return self._by_company.get(company)  # indexed once: pages call this per company


@dataclass(frozen=True)
class AnnualRow:
    company: str
    h1: PeriodResult | None
    h2: PeriodResult | None
    annual: Decimal | None
    annual_rank: int | None
    red: bool
    black: bool
    dismissal: bool

    @property
    def complete(self) -> bool:
        return self.annual is not None

    @property
    def status(self) -> str:
        """One word for the company's standing this year: red, black, dismissal, none or incomplete."""
        if not self.complete:
            return "incomplete"
        if self.dismissal:
            return "dismissal"
        if self.black:
            return "black"
        if self.red:
            return "red"
        return "none"


@dataclass(frozen=True)
class ListChange:
    entered: tuple[str, ...]
    left: tuple[str, ...]
    stayed: tuple[str, ...]


@dataclass(frozen=True)
class YearTable:
    district: str
    year: int
    h1: PeriodTable | None
    h2: PeriodTable | None
    rows: tuple[AnnualRow, ...]  # complete years by annual rank then id; incomplete ones last, by id
    changes: dict[str, ListChange] | None  # None when the previous year has no evaluations

    @property
    def has_annual(self) -> bool:
        return any(r.complete for r in self.rows)

    def members(self, name: str) -> tuple[str, ...]:
        return tuple(r.company for r in self.rows if getattr(r, name))

    @cached_property
    def _by_company(self) -> dict[str, AnnualRow]:
        return {row.company: row for row in self.rows}

    def get(self, company: str) -> AnnualRow | None:
        return self._by_company.get(company)  # indexed once: pages call this per company


def competition_ranks(totals: dict[str, Decimal]) -> dict[str, int]:
    """Highest first; equal values share the rank (1, 2, 2, 4)."""
    ordered = sorted(totals.values(), reverse=True)
    first_index: dict[Decimal, int] = {}
    for i, value in enumerate(ordered):
        first_index.setdefault(value, i)
    return {company: first_index[value] + 1 for company, value in totals.items()}


def bottom_positions(totals: dict[str, Decimal]) -> dict[str, int]:
    """1 + the number of entries with a strictly lower value (ties share)."""
    ordered = sorted(totals.values())
    first_index: dict[Decimal, int] = {}
    for i, value in enumerate(ordered):
        first_index.setdefault(value, i)
    return {company: first_index[value] + 1 for company, value in totals.items()}


def period_table(evaluation: Evaluation) -> PeriodTable:
    totals = {row.company: sum((v for _, v in row.parts), Decimal(0)) for row in evaluation.scores}
    ranks = competition_ranks(totals)
    bottoms = bottom_positions(totals)
    rows = [
        PeriodResult(r.company, r.parts, totals[r.company], ranks[r.company], bottoms[r.company], r.note)
        for r in evaluation.scores
    ]
    rows.sort(key=lambda r: (r.rank, r.company))
    return PeriodTable(evaluation.district, evaluation.period, evaluation.published, evaluation.source, tuple(rows))


def year_table(
    district: str,
    year: int,
    h1: PeriodTable | None,
    h2: PeriodTable | None,
    red_list_size: int,
    black_line: Decimal,
    dismissal_bottom: int,
    previous: YearTable | None,
) -> YearTable:
    h1_rows = {r.company: r for r in h1.rows} if h1 else {}
    h2_rows = {r.company: r for r in h2.rows} if h2 else {}
    annual = {c: (h1_rows[c].total + h2_rows[c].total) / 2 for c in h1_rows.keys() & h2_rows.keys()}
    ranks = competition_ranks(annual)
    rows = []
    for company in sorted(h1_rows.keys() | h2_rows.keys()):
        a, b = h1_rows.get(company), h2_rows.get(company)
        score = annual.get(company)
        if score is None or a is None or b is None:  # a and b are there whenever score is
            rows.append(AnnualRow(company, a, b, None, None, False, False, False))
            continue
        black = score < black_line
        dismissal = a.bottom <= dismissal_bottom and b.bottom <= dismissal_bottom
        red = ranks[company] <= red_list_size and not black and not dismissal
        rows.append(AnnualRow(company, a, b, score, ranks[company], red, black, dismissal))
    rows.sort(key=lambda r: (r.annual_rank is None, r.annual_rank or 0, r.company))
    table = YearTable(district, year, h1, h2, tuple(rows), None)
    if previous is None:
        return table
    changes = {}
    for name in LISTS:
        now, before = set(table.members(name)), set(previous.members(name))
        changes[name] = ListChange(
            tuple(sorted(now - before)), tuple(sorted(before - now)), tuple(sorted(now & before))
        )
    return YearTable(district, year, h1, h2, tuple(rows), changes)


@dataclass(frozen=True)
class Figures:
    """Aggregate figures over a set of compounds."""

    compounds: int
    households: int
    by_type: dict[str, int]
    with_owners_body: int
    owners_body_with_party: int

    @property
    def owners_body_coverage(self) -> Decimal | None:
        return ratio(self.with_owners_body, self.compounds)

    @property
    def party_share(self) -> Decimal | None:
        return ratio(self.owners_body_with_party, self.with_owners_body)


def ratio(part: int, whole: int) -> Decimal | None:
    """`part / whole` exactly, None when there is no whole (the site's one ratio: figures, the
    pages' rates)."""
    return None if not whole else Decimal(part) / Decimal(whole)


def figures(compounds: Iterable[Compound]) -> Figures:
    by_type = {"enterprise": 0, "self": 0, "state": 0}
    count = households = with_body = with_party = 0
    for c in compounds:
        count += 1
        households += c.households
        by_type[c.type] += 1
        if c.owners_body is not None:
            with_body += 1
            if c.owners_body.party_members > 0:
                with_party += 1
    return Figures(count, households, by_type, with_body, with_party)


@dataclass(frozen=True)
class NoticeStatus:
    """The 公示期 state of a notice on the build date: 'open', 'closed', or None without `until`."""

    state: str | None
    days_left: int | None


def notice_status(notice: Notice, today: date) -> NoticeStatus:
    if notice.until is None:
        return NoticeStatus(None, None)
    if today <= notice.until:
        return NoticeStatus("open", (notice.until - today).days)
    return NoticeStatus("closed", None)


@dataclass(frozen=True)
class Derived:
    today: date
    period_tables: dict[tuple[str, str], PeriodTable]  # (district, "2025-H1")
    year_tables: dict[tuple[str, int], YearTable]  # (district, year)
    current_year: dict[str, YearTable]  # district -> the latest year with annual scores (or latest year)
    district_of_street: dict[str, str]
    communities_by_street: dict[str, tuple[str, ...]]
    compounds_by_community: dict[str, tuple[str, ...]]
    compounds_by_company: dict[str, tuple[str, ...]]
    companies_by_community: dict[str, tuple[str, ...]]
    companies_by_district: dict[str, tuple[str, ...]]
    projects_by_community: dict[str, tuple[str, ...]]
    projects_by_compound: dict[str, tuple[str, ...]]
    projects_by_company: dict[str, tuple[str, ...]]
    notices_newest: tuple[str, ...]  # published notices, newest first
    notices_by_community: dict[str, tuple[str, ...]]  # every notice that reaches the community
    notices_by_compound: dict[str, tuple[str, ...]]
    notice_status: dict[str, NoticeStatus]
    year_rows_by_company: dict[str, tuple[tuple[str, int, AnnualRow], ...]]  # (district, year, row), oldest first
    period_rows_by_company: dict[str, tuple[tuple[str, Period, PeriodResult], ...]]
    figures_site: Figures
    figures_district: dict[str, Figures]
    figures_street: dict[str, Figures]
    figures_community: dict[str, Figures]
    latest_fee_year: int | None
    # back-dated notices (issue 17): id → the day git first published it, from which their 公示期
    # runs (`publication.real_period`); set after derive by `output.revisions.first_publication`
    notices_published_late: dict[str, date] = field(default_factory=dict)

    def district_of_community(self, site: Site, community: str) -> str:
        return self.district_of_street[site.communities[community].street]

    def company_status(self, company: str, district: str) -> AnnualRow | None:
        table = self.current_year.get(district)
        return table.get(company) if table else None


def derive(site: Site, today: date, run: Runner = DIRECT) -> Derived:
    """Every derived fact. Its parts are steps (see `generator.steps`) declared below by what
    they read: in the edit loop a notice edit leaves the evaluation tables and the area indexes
    alone, and a compound edit the evaluation tables."""
    period_tables, year_tables, current, year_rows, period_rows = run(EVALUATION_TABLES, site)
    areas = run(AREA_INDEXES, site)
    projects = run(PROJECT_INDEXES, site)
    newest, notices_by_community, notices_by_compound = run(NOTICE_REACH, site, areas)
    return Derived(
        today=today,
        period_tables=period_tables,
        year_tables=year_tables,
        current_year=current,
        notices_newest=newest,
        notices_by_community=notices_by_community,
        notices_by_compound=notices_by_compound,
        notice_status={n.id: notice_status(n, today) for n in site.notices.values()},
        year_rows_by_company=year_rows,
        period_rows_by_company=period_rows,
        **areas,
        **projects,
    )


def _evaluation_tables(site: Site) -> tuple:
    """(period tables, year tables, current year by district, year rows and period rows by company)."""
    rules = site.info.evaluation
    period_tables = {(e.district, e.period.key): period_table(e) for e in site.evaluations}

    years_by_district: dict[str, set[int]] = defaultdict(set)
    for district, key in period_tables:
        years_by_district[district].add(int(key[:4]))
    year_tables: dict[tuple[str, int], YearTable] = {}
    current: dict[str, YearTable] = {}
    for district in [d for d in site.districts if d in years_by_district]:
        for year in sorted(years_by_district[district]):
            table = year_table(
                district,
                year,
                period_tables.get((district, f"{year}-H1")),
                period_tables.get((district, f"{year}-H2")),
                rules.red_list_size,
                rules.black_line,
                rules.dismissal_bottom,
                year_tables.get((district, year - 1)),
            )
            year_tables[(district, year)] = table
        tables = [year_tables[(district, y)] for y in sorted(years_by_district[district])]
        complete = [t for t in tables if t.has_annual]
        current[district] = complete[-1] if complete else tables[-1]

    year_rows: dict[str, list] = defaultdict(list)
    for (district, year), table in sorted(year_tables.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for row in table.rows:
            year_rows[row.company].append((district, year, row))
    period_rows: dict[str, list] = defaultdict(list)
    for (district, _), half in sorted(period_tables.items(), key=lambda kv: (kv[1].period.key, kv[0][0])):
        for result in half.rows:
            period_rows[result.company].append((district, half.period, result))
    return (
        period_tables,
        year_tables,
        current,
        {k: tuple(v) for k, v in year_rows.items()},
        {k: tuple(v) for k, v in period_rows.items()},
    )


def _area_indexes(site: Site) -> dict:
    """The `Derived` fields made from the areas, communities and compounds (and the companies
    the evaluations name)."""
    district_of_street = {s.id: s.district for s in site.streets.values()}
    compounds_by_community = _group((c.community, c.id) for c in site.compounds.values())
    compounds_of_street: dict[str, list[Compound]] = defaultdict(list)
    compounds_of_district: dict[str, list[Compound]] = defaultdict(list)
    for comp in site.compounds.values():
        street = site.communities[comp.community].street
        compounds_of_street[street].append(comp)
        compounds_of_district[district_of_street[street]].append(comp)
    fee_years = [y for c in site.compounds.values() for y, _ in c.fee_collection]
    return dict(
        district_of_street=district_of_street,
        communities_by_street=_group((c.street, c.id) for c in site.communities.values()),
        compounds_by_community=compounds_by_community,
        compounds_by_company=_group((c.company, c.id) for c in site.compounds.values() if c.company),
        companies_by_community=_group({(c.community, c.company) for c in site.compounds.values() if c.company}),
        companies_by_district=_group(
            {
                (district_of_street[site.communities[c.community].street], c.company)
                for c in site.compounds.values()
                if c.company
            }
            | {(e.district, row.company) for e in site.evaluations for row in e.scores}
        ),
        figures_site=figures(site.compounds.values()),
        figures_district={d: figures(compounds_of_district.get(d, ())) for d in site.districts},
        figures_street={s: figures(compounds_of_street.get(s, ())) for s in site.streets},
        figures_community={
            c: figures(site.compounds[x] for x in compounds_by_community.get(c, ())) for c in site.communities
        },
        latest_fee_year=max(fee_years) if fee_years else None,
    )


def _project_indexes(site: Site) -> dict:
    project_pairs_community = set()
    project_pairs_compound = set()
    for p in site.projects.values():
        for cid in p.communities:
            project_pairs_community.add((cid, p.id))
        for cid in p.compounds:
            project_pairs_compound.add((cid, p.id))
            project_pairs_community.add((site.compounds[cid].community, p.id))
    return dict(
        projects_by_community=_group(project_pairs_community),
        projects_by_compound=_group(project_pairs_compound),
        projects_by_company=_group((p.company, p.id) for p in site.projects.values() if p.company),
    )


def _notice_reach(
    site: Site, district_of_street: dict, communities_by_street: dict, compounds_by_community: dict
) -> tuple:
    """(notice ids newest first, notices by community, notices by compound), each newest first."""
    newest = tuple(n.id for n in sorted(site.notices.values(), key=lambda n: (n.date, n.id), reverse=True))
    order = {nid: i for i, nid in enumerate(newest)}
    communities_of_district = _group((district_of_street[c.street], c.id) for c in site.communities.values())
    compounds_of_street_ids = _group((site.communities[c.community].street, c.id) for c in site.compounds.values())
    compounds_of_district_ids = _group(
        (district_of_street[site.communities[c.community].street], c.id) for c in site.compounds.values()
    )
    reach_community: dict[str, set[str]] = defaultdict(set)
    reach_compound: dict[str, set[str]] = defaultdict(set)
    for n in site.notices.values():
        if n.site_wide:
            communities, compounds = set(site.communities), set(site.compounds)
        else:
            communities = set(n.communities) | {site.compounds[c].community for c in n.compounds}
            compounds = set(n.compounds)
            for cid in n.communities:
                compounds.update(compounds_by_community.get(cid, ()))
            for sid in n.streets:
                communities.update(communities_by_street.get(sid, ()))
                compounds.update(compounds_of_street_ids.get(sid, ()))
            if n.district:
                communities.update(communities_of_district.get(n.district, ()))
                compounds.update(compounds_of_district_ids.get(n.district, ()))
        for cid in communities:
            reach_community[cid].add(n.id)
        for cid in compounds:
            reach_compound[cid].add(n.id)
    return (
        newest,
        {k: tuple(sorted(v, key=order.__getitem__)) for k, v in reach_community.items()},
        {k: tuple(sorted(v, key=order.__getitem__)) for k, v in reach_compound.items()},
    )


EVALUATION_TABLES = Step(
    "derive-evaluations",
    _evaluation_tables,
    inputs=lambda site: (site.info.evaluation, tuple(site.districts), site.evaluations),
)
AREA_INDEXES = Step(
    "derive-areas",
    _area_indexes,
    inputs=lambda site: (
        tuple(site.districts),
        site.evaluations,
        len(site.streets),
        *site.streets.values(),
        len(site.communities),
        *site.communities.values(),
        len(site.compounds),
        *site.compounds.values(),
    ),
)
PROJECT_INDEXES = Step(
    "derive-projects",
    _project_indexes,
    inputs=lambda site: (len(site.projects), *site.projects.values(), len(site.compounds), *site.compounds.values()),
)
# Which notices reach which community and compound depends only on the notices' dates and scopes
# and on the areas: a body or title edit leaves it alone.
NOTICE_REACH = Step(
    "derive-notice-reach",
    lambda site, areas: _notice_reach(
        site, areas["district_of_street"], areas["communities_by_street"], areas["compounds_by_community"]
    ),
    inputs=lambda site, areas: (
        tuple(
            (n.id, n.date, n.site_wide, n.district, n.streets, n.communities, n.compounds)
            for n in site.notices.values()
        ),
        len(site.communities),
        *site.communities.values(),
        len(site.compounds),
        *site.compounds.values(),
        *site.streets.values(),
    ),
)


def _group(pairs: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, set[str]] = defaultdict(set)
    for key, value in pairs:
        grouped[key].add(value)
    return {k: tuple(sorted(v)) for k, v in sorted(grouped.items())}
