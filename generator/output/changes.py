"""The rows of `/changes/`: which published record each changed content file holds.

`record_sources(site)` names the page of every published record by its source file;
`recent_changes(history, refs, withdrawn)` joins that with the git history (`content.history`)
and the withdrawn records (`revisions.Withdrawal`: a notice or project whose file was deleted,
listed as 撤回 with its title only) into the rows of the page, newest first. Both are pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..content.history import History
from ..domain.models import Site
from ..steps import DIRECT, Runner, Step
from .urls import url_community, url_company, url_compound, url_list_period, url_notice, url_project

if TYPE_CHECKING:
    from .revisions import Withdrawal


@dataclass(frozen=True)
class RecordRef:
    kind: str  # what sort of record, in words (小区, 公示公告 …)
    title: str
    url: str


@dataclass(frozen=True)
class ChangeRow:
    date: date
    added: bool
    record: RecordRef
    withdrawn: bool = False  # the record was withdrawn (its file deleted) that day


WITHDRAWN_TITLE = "（标题涉及个人信息，不予显示）"


def record_sources(site: Site, run: Runner = DIRECT) -> dict[str, RecordRef]:
    """Source file (content-relative) → the page of the published record it holds (each entry a
    step of its record: see `generator.steps`)."""
    refs: dict[str, RecordRef] = {
        "site.yaml": RecordRef("网站设置", "网站设置和考评规则", "/lists/"),
        "areas.yaml": RecordRef("辖区", "区（市）和街道", "/areas/"),
    }
    refs.update(run.each(COMMUNITY_SOURCE, site.communities.values()))
    refs.update(run.each(COMPOUND_SOURCE, site.compounds.values()))
    refs.update(run.each(COMPANY_SOURCE, site.companies.values()))
    for e in site.evaluations:
        name = f"{site.districts[e.district].name}{e.period.label}考评结果"
        refs[e.source] = RecordRef("考评结果", name, url_list_period(e.district, e.period.key))
    refs.update(run.each(PROJECT_SOURCE, site.projects.values()))
    refs.update(run.each(NOTICE_SOURCE, site.notices.values()))
    return refs


COMMUNITY_SOURCE = Step("source-community", lambda c: (c.source, RecordRef("社区", c.name, url_community(c.id))))
COMPOUND_SOURCE = Step("source-compound", lambda c: (c.source, RecordRef("小区", c.name, url_compound(c.id))))
COMPANY_SOURCE = Step("source-company", lambda c: (c.source, RecordRef("物业服务企业", c.name, url_company(c.id))))
PROJECT_SOURCE = Step("source-project", lambda p: (p.source, RecordRef("项目", p.title, url_project(p.id))))
NOTICE_SOURCE = Step("source-notice", lambda n: (n.source, RecordRef("公示公告", n.title, url_notice(n.id))))


def recent_changes(
    history: History, refs: dict[str, RecordRef], limit: int = 100, withdrawn: Iterable[Withdrawal] = ()
) -> tuple[ChangeRow, ...]:
    """The newest changes to published records, one row per record and day (新增 if it was added
    that day; 撤回 for a withdrawn record), at most `limit`."""
    by_day: dict[tuple[date, str], bool] = {}
    for change in history.changes:
        if change.path in refs:
            key = (change.date, change.path)
            by_day[key] = by_day.get(key, False) or change.added
    rows = [(day, path, ChangeRow(day, added, refs[path])) for (day, path), added in by_day.items()]
    for w in withdrawn:
        kind = "公示公告" if w.kind == "notice" else "项目"
        ref = RecordRef(kind, w.title or WITHDRAWN_TITLE, w.url)
        rows.append((w.withdrawn, w.source, ChangeRow(w.withdrawn, False, ref, withdrawn=True)))
    rows.sort(key=lambda row: (-row[0].toordinal(), row[1]))
    return tuple(row for _, _, row in rows[:limit])
