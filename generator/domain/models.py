"""The record kinds, as frozen values.

Validation builds these once; nothing mutates them afterwards. Every record keeps `source`, the
content-relative path of the file it came from (for "last changed" and diagnostics). Derived
facts (totals, ranks, lists, indexes) live in `derive.Derived`, never on the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

COMPOUND_TYPES = {
    "enterprise": "物业服务企业管理型",
    "self": "居民自治型",
    "state": "无物业（国企兜管）",
}
COMPOUND_TYPE_MODES = {"enterprise": "党建助管", "self": "社区督管", "state": "国企兜管"}
OWNERS_BODY_KINDS = ("业委会", "自治小组")
PROJECT_CATEGORIES = {
    "renovation": "老旧小区改造",
    "parking": "停车设施",
    "security": "安防",
    "facility": "公共设施",
    "service": "为民服务",
}
PROJECT_STATUSES = {"planned": "计划中", "in_progress": "实施中", "completed": "已完成", "suspended": "已暂停"}
NOTICE_CATEGORIES = ("通知", "公示", "红黑榜", "项目", "活动", "招聘")
Day = date  # for annotations inside a record that has a field named `date`
ATTACHMENT_TYPES = {"pdf": "PDF", "png": "PNG", "jpg": "JPG", "jpeg": "JPG", "webp": "WEBP"}


@dataclass(frozen=True)
class Part:
    key: str
    label: str
    max: Decimal


@dataclass(frozen=True)
class EvaluationRules:
    parts: tuple[Part, ...]
    red_list_size: int
    black_line: Decimal
    dismissal_bottom: int


@dataclass(frozen=True)
class Filing:
    """The identifiers a site hosted in mainland China shows in its footer (each as written in
    `site.yaml`, checked by `content.filing`): the ICP 备案号 (or ICP licence number), the 公安机关
    备案号 and, for a government site, its 网站标识码."""

    icp: str | None
    police: str | None
    site_code: str | None

    @property
    def police_code(self) -> str | None:
        """The 14 digits of the 公安机关备案号 (what beian.mps.gov.cn looks a record up by)."""
        return "".join(ch for ch in self.police if ch.isdigit()) if self.police else None


@dataclass(frozen=True)
class SiteInfo:
    title: str
    base_url: str
    language: str
    publisher: str
    contact: str
    sample: bool
    evaluation: EvaluationRules
    pii_allow: tuple[str, ...]
    filing: Filing | None = None  # None when site.yaml names no filing identifier
    # the commit (its id or the first 7+ characters) that imported older records, besides the
    # repository's first commit: what it added is not back-dated (content.history.with_import)
    history_import: str | None = None


@dataclass(frozen=True)
class Street:
    id: str
    name: str
    district: str


@dataclass(frozen=True)
class District:
    id: str
    name: str
    streets: tuple[Street, ...]


@dataclass(frozen=True)
class Grid:
    id: str
    name: str
    members: int | None


@dataclass(frozen=True)
class Venue:
    name: str
    kind: str
    area_m2: Decimal | None
    address: str | None
    services: tuple[str, ...]


@dataclass(frozen=True)
class CommunityStat:
    period: str  # YYYY-MM
    issues_received: int
    issues_closed_same_day: int


@dataclass(frozen=True)
class Community:
    id: str
    source: str
    name: str
    street: str
    secretary: str | None
    office_phone: str | None
    address: str | None
    grids: tuple[Grid, ...]
    venues: tuple[Venue, ...]
    stats: tuple[CommunityStat, ...]


@dataclass(frozen=True)
class OwnersBody:
    kind: str
    established: date
    party_members: int


@dataclass(frozen=True)
class Compound:
    id: str
    source: str
    name: str
    community: str
    grid: str | None
    type: str
    company: str | None
    households: int
    buildings: int | None
    built_year: int | None
    resettlement: bool
    owners_body: OwnersBody | None
    fee_collection: tuple[tuple[int, Decimal], ...]  # (year, rate 0..1), ascending years
    complaints: tuple[tuple[int, int], ...]
    demonstration: tuple[int, ...]


@dataclass(frozen=True)
class Company:
    id: str
    source: str
    name: str
    credit_code: str
    state_owned: bool
    party_organization: bool
    phone: str | None
    address: str | None


@dataclass(frozen=True)
class Period:
    year: int
    half: int  # 1 or 2

    @property
    def key(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def label(self) -> str:
        return f"{self.year}年{'上' if self.half == 1 else '下'}半年"


@dataclass(frozen=True)
class ScoreRow:
    company: str
    parts: tuple[tuple[str, Decimal], ...]  # in the order of the site's evaluation parts
    note: str | None


@dataclass(frozen=True)
class Evaluation:
    source: str
    district: str
    period: Period
    published: date
    scores: tuple[ScoreRow, ...]


@dataclass(frozen=True)
class Update:
    date: date
    status: str | None
    text: str


@dataclass(frozen=True)
class Project:
    id: str
    source: str
    title: str
    category: str
    status: str
    compounds: tuple[str, ...]
    communities: tuple[str, ...]
    budget: Decimal | None
    funding: str | None
    start: date | None
    finish: date | None
    unit: str | None
    company: str | None
    updates: tuple[Update, ...]  # oldest first
    body_html: str


@dataclass(frozen=True)
class Attachment:
    title: str
    file: str  # relative to content/attachments/


@dataclass(frozen=True)
class Notice:
    id: str
    source: str
    title: str
    date: date
    category: str
    district: str | None
    streets: tuple[str, ...]
    communities: tuple[str, ...]
    compounds: tuple[str, ...]
    until: Day | None
    draft: bool
    attachments: tuple[Attachment, ...]
    body_html: str

    @property
    def site_wide(self) -> bool:
        return not (self.district or self.streets or self.communities or self.compounds)


@dataclass(frozen=True)
class Site:
    """Everything the content says, checked. Maps are keyed by id and ordered by id, except
    districts and streets, which keep the order of areas.yaml."""

    info: SiteInfo
    districts: dict[str, District]
    streets: dict[str, Street]
    communities: dict[str, Community]
    compounds: dict[str, Compound]
    companies: dict[str, Company]
    evaluations: tuple[Evaluation, ...]  # ordered by district, period
    projects: dict[str, Project]
    notices: dict[str, Notice]
    attachments: tuple[str, ...]  # attachment files referenced by published records
    # notices dated after the build date (not drafts): (date, title), soonest first; published on their day
    scheduled: tuple[tuple[date, str], ...] = ()

    @property
    def record_count(self) -> int:
        return (
            1
            + len(self.districts)
            + len(self.communities)
            + len(self.compounds)
            + len(self.companies)
            + len(self.evaluations)
            + len(self.projects)
            + len(self.notices)
        )
