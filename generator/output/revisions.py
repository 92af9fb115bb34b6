"""What changed in a published record, in words a resident reads: 首次发布, 修改记录, 撤回.

`Revisions(site, history)` turns the git history of the content folder (`content.history`) into:

- `of(source)`: a record's `RecordHistory` — its first publication (and whether it came with the
  import commit) and each later change, newest first. A change lists its fields as
  “物业费收缴率 2025 年：89% → 91%” (labels from the content tables, `content.schema`) and its
  Markdown body as the sentences removed and added (`difflib` over the text a reader sees, never
  diff syntax). An evaluation's change lists each company whose scores changed, with its total
  and rank before and after, and the 红榜/黑榜/提请解聘 memberships of the year that the change
  moved (recomputed with `domain.derive` from the earlier scores, the other half-year as now).
- `withdrawals()`: every notice and project whose file was deleted in a commit and has not come
  back, with the title and dates of its last version (no body, no attachments).

Earlier versions are parsed with the project's own readers (`content.sources`, `content.schema`)
and held against the privacy gate (`domain.privacy`, with today's `pii_allow`): a change where
either version holds a number the gate refuses is `withheld` (因涉及个人信息，修改内容不予显示),
and a withdrawn record's title that does so is not shown. Pure: reads only its arguments.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..content import markup, schema, sources
from ..content.errors import Loc, Problems
from ..content.history import History, RecordLog
from ..domain import privacy, publication
from ..domain.derive import LIST_LABELS, LISTS, Derived, PeriodTable, period_table, year_table
from ..domain.models import Day, Evaluation, Notice, Period, ScoreRow, Site
from .formats import plain, rounded
from .urls import url_notice, url_project

WITHHELD = "因涉及个人信息，修改内容不予显示"
EMPTY = "（无）"
SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]+|[^。！？；!?;\n]+")
MAX_SAME = 2  # unchanged sentences kept around a change; longer runs are shortened to "……"


@dataclass(frozen=True)
class FieldChange:
    label: str  # 物业费收缴率 2025 年
    before: str
    after: str


@dataclass(frozen=True)
class ScoreChange:
    company: str
    name: str
    parts: tuple[FieldChange, ...]  # each part score that changed
    total: tuple[str, str]  # (before, after), rounded as shown
    rank: tuple[int | None, int | None]  # (before, after); None: not in that version


@dataclass(frozen=True)
class ListMove:
    name: str  # the company's name
    company: str
    entered: tuple[str, ...]  # list labels (红榜 …) the change put it on
    left: tuple[str, ...]


@dataclass(frozen=True)
class Revision:
    date: date
    fields: tuple[FieldChange, ...] = ()
    body: tuple[tuple[str, str], ...] = ()  # ("same" | "removed" | "added" | "gap", sentence)
    scores: tuple[ScoreChange, ...] = ()
    moves: tuple[ListMove, ...] = ()  # list memberships of the year the change moved
    year: int | None = None  # the year `moves` are of
    withheld: bool = False  # either version holds personal data: nothing of it is shown
    note: str = ""  # e.g. 撤回后重新发布
    what: str = ""  # which part of a page's records changed (an evaluation: its half-year)

    @property
    def empty(self) -> bool:
        return not (self.fields or self.body or self.scores or self.moves or self.withheld or self.note)


@dataclass(frozen=True)
class RecordHistory:
    first: date | None  # first published (None: unknown)
    imported: bool  # came with the import commit (the repository's root commit)
    revisions: tuple[Revision, ...]  # newest first


@dataclass(frozen=True)
class Withdrawal:
    kind: str  # "notice" or "project"
    id: str
    url: str
    title: str | None  # None: the title holds personal data and is not shown
    date: Day | None  # the notice's own date (a project: its start)
    until: Day | None  # the end of a notice's 公示期
    first: Day | None  # first published
    withdrawn: Day  # the date of the deleting commit
    source: str  # the deleted file


@dataclass(frozen=True)
class Version:
    """One earlier version of a record file, read."""

    fields: dict | None
    body: str | None  # the Markdown body as a reader sees it (text, no markup)
    refused: bool  # the privacy gate refuses something in it today


@dataclass
class Revisions:
    site: Site
    history: History
    _parsed: dict[str, Version | None] = field(default_factory=dict)
    _made: dict[str, RecordHistory | None] = field(default_factory=dict)

    # --- reading earlier versions --------------------------------------------------------------

    def version(self, path: str, blob: str | None) -> Version | None:
        """The version of `path` stored as `blob`, parsed; None when git did not give it or it
        cannot be read."""
        if blob is None:
            return None
        if blob not in self._parsed:
            text = self.history.texts.get(blob)
            self._parsed[blob] = None if text is None else self._read(path, text)
        return self._parsed[blob]

    def _read(self, path: str, text: str) -> Version | None:
        table = self._table(path)
        if table is None:
            return None
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        src = sources.Source(rel=path, display=path, text=text)
        yaml_text = text
        if path.endswith(".md"):
            split = sources._split_front_matter(text)
            if split is None:
                return None
            yaml_text, src.body = text[: split[0]], text[split[1] :]
        problems = Problems()
        try:
            src.data = sources._Builder(src).document(yaml_text)
            fields, _ = schema.check(src, table, problems)
            body_html = markup.render_markdown(src.body) if src.body is not None else None
            src.slim()
        except Exception:  # noqa: BLE001 - an earlier version is only history: unreadable is unshown
            return None
        allow = self.site.info.pii_allow
        refused = bool(privacy.scan(path, allow) or privacy.file_findings(src.pii, allow))
        body = None
        if body_html is not None:
            # as typed and as a reader sees it (digits split by markup, character references)
            body = markup.visible_text(body_html)
            shown = privacy.without_invisibles(body)
            refused = refused or bool(privacy.scan(src.body or "", allow) or privacy.scan(shown, allow))
        return Version(fields if isinstance(fields, dict) else None, body, refused)

    def _table(self, path: str) -> schema.Obj | None:
        folder = path.split("/", 1)[0]
        if folder == "evaluations":
            parts = self.site.info.evaluation.parts
            return schema.evaluation_table([p.key for p in parts], {p.key: p.max for p in parts})
        kind = {
            "notices": "notice",
            "projects": "project",
            "compounds": "compound",
            "companies": "company",
            "communities": "community",
        }.get(folder)
        return schema.KIND_TABLES[kind] if kind else None

    # --- a record's history -----------------------------------------------------------------

    def of(self, source: str) -> RecordHistory | None:
        """The history of the record published from `source`; None when git says nothing of it."""
        if source not in self._made:
            log = self.history.record(source)
            self._made[source] = None if log is None else self._record(source, log)
        return self._made[source]

    def _record(self, source: str, log: RecordLog) -> RecordHistory:
        revisions = []
        events = log.current
        if len(events) < len(log.events) and events and events[0].status == "A":
            revisions.append(Revision(events[0].date, note="撤回后重新发布"))
        for event in events:
            if event.status != "M":
                continue
            before = self.version(event.path, event.before)
            after = self.version(event.path, event.after)
            if before is None or after is None:
                continue  # beyond a shallow clone's boundary, or unreadable then: nothing to say
            if before.refused or after.refused:
                revisions.append(Revision(event.date, withheld=True))
                continue
            revision = (
                self._scores(event.date, source, before, after)
                if source.startswith("evaluations/")
                else Revision(event.date, self._fields(source, before, after), _body(before.body, after.body))
            )
            revisions.append(revision)
        return RecordHistory(log.first, log.imported, tuple(reversed(revisions)))

    def _fields(self, source: str, before: Version, after: Version) -> tuple[FieldChange, ...]:
        table = self._table(source)
        assert table is not None
        old = _flatten(table, before.fields or {}, "", self.site)
        new = _flatten(table, after.fields or {}, "", self.site)
        out = []
        for label in list(dict.fromkeys([*old, *new])):
            if old.get(label) != new.get(label):
                out.append(FieldChange(label, old.get(label, EMPTY), new.get(label, EMPTY)))
        return tuple(out)

    # --- evaluations --------------------------------------------------------------------------

    def _evaluation(self, source: str, version: Version) -> Evaluation | None:
        f = version.fields or {}
        _, district, name = source.split("/")
        if "published" not in f or "scores" not in f:
            return None
        keys = [p.key for p in self.site.info.evaluation.parts]
        rows = []
        for row in f["scores"]:
            if "company" not in row or any(k not in row or row[k] is None for k in keys):
                return None
            rows.append(ScoreRow(row["company"], tuple((k, row[k]) for k in keys), row.get("note")))
        stem = name.rsplit(".", 1)[0]
        return Evaluation(source, district, Period(int(stem[:4]), int(stem[-1])), f["published"], tuple(rows))

    def _scores(self, day: date, source: str, before: Version, after: Version) -> Revision:
        old_eval, new_eval = self._evaluation(source, before), self._evaluation(source, after)
        if old_eval is None or new_eval is None:
            return Revision(day, self._fields(source, before, after))
        old, new = period_table(old_eval), period_table(new_eval)
        labels = {p.key: p.label for p in self.site.info.evaluation.parts}
        changes = []
        for company in sorted({r.company for r in old.rows} | {r.company for r in new.rows}):
            a, b = old.get(company), new.get(company)
            parts_a = dict(a.parts) if a else {}
            parts_b = dict(b.parts) if b else {}
            parts = tuple(
                FieldChange(f"{labels.get(k, k)}评分", _score(parts_a.get(k)), _score(parts_b.get(k)))
                for k in labels
                if parts_a.get(k) != parts_b.get(k)
            )
            rank_a, rank_b = (a.rank if a else None), (b.rank if b else None)
            if parts or rank_a != rank_b or (a is None) != (b is None):
                changes.append(
                    ScoreChange(
                        company,
                        self._company_name(company),
                        parts,
                        (_score(a.total if a else None), _score(b.total if b else None)),
                        (rank_a, rank_b),
                    )
                )
        changes.sort(key=lambda c: (c.rank[1] is None, c.rank[1] or 0, c.company))
        other_fields = tuple(f for f in self._fields(source, before, after) if not f.label.startswith("得分表"))
        moves = self._moves(new_eval, old, new)
        return Revision(
            day,
            other_fields,
            scores=tuple(changes),
            moves=moves,
            year=new_eval.period.year,
            what=f"{new_eval.period.label}考评结果",
        )

    def _moves(self, evaluation: Evaluation, old: PeriodTable, new: PeriodTable) -> tuple[ListMove, ...]:
        """The list memberships of the evaluation's year that differ between its old and new
        scores (the other half-year as it is now)."""
        rules = self.site.info.evaluation
        district, period = evaluation.district, evaluation.period
        other_key = f"{period.year}-H{3 - period.half}"
        other = next(
            (period_table(e) for e in self.site.evaluations if e.district == district and e.period.key == other_key),
            None,
        )

        def members(table: PeriodTable) -> dict[str, set[str]]:
            h1, h2 = (table, other) if period.half == 1 else (other, table)
            year = year_table(
                district, period.year, h1, h2, rules.red_list_size, rules.black_line, rules.dismissal_bottom, None
            )
            return {name: set(year.members(name)) for name in LISTS}

        before, after = members(old), members(new)
        moves = []
        for company in sorted(set().union(*before.values(), *after.values())):
            entered = tuple(LIST_LABELS[n] for n in LISTS if company in after[n] and company not in before[n])
            left = tuple(LIST_LABELS[n] for n in LISTS if company in before[n] and company not in after[n])
            if entered or left:
                moves.append(ListMove(self._company_name(company), company, entered, left))
        return tuple(moves)

    def _company_name(self, company: str) -> str:
        found = self.site.companies.get(company)
        return found.name if found else company

    # --- withdrawals ----------------------------------------------------------------------------

    def withdrawals(self) -> tuple[Withdrawal, ...]:
        """Every published notice and project whose file a commit deleted and that is not back,
        the most recently withdrawn first."""
        out = []
        for key, log in self.history.records.items():
            gone = log.deleted
            if gone is None:
                continue
            folder, record_id = key.split("/", 1)
            if folder == "notices" and record_id not in self.site.notices:
                kind, url = "notice", url_notice(record_id)
            elif folder == "projects" and record_id not in self.site.projects:
                kind, url = "project", url_project(record_id)
            else:
                continue
            last = self.version(gone.path, gone.before)
            if last is None or not last.fields or "title" not in last.fields:
                continue
            f = last.fields
            own = f.get("date") if kind == "notice" else f.get("start")
            if kind == "notice" and (f.get("draft") or (own is not None and own > gone.date)):
                continue  # never published: a draft, or deleted before its day
            title = f["title"]
            if _title_refused(title, self.site):
                title = None
            out.append(
                Withdrawal(
                    kind,
                    record_id,
                    url,
                    title,
                    own,
                    f.get("until") if kind == "notice" else None,
                    log.first,
                    gone.date,
                    gone.path,
                )
            )
        out.sort(key=lambda w: (-w.withdrawn.toordinal(), w.url))
        return tuple(out)


def _title_refused(title: str, site: Site) -> bool:
    return bool(privacy.scan(privacy.without_invisibles(title), site.info.pii_allow))


def _score(value: Decimal | None) -> str:
    return EMPTY if value is None else rounded(Decimal(value), 2)


def _flatten(spec: Any, value: Any, label: str, site: Site) -> dict[str, str]:
    """Label → the value in words, for every leaf of a record's cleaned fields."""
    out: dict[str, str] = {}
    if isinstance(spec, schema.Obj) and isinstance(value, dict):
        for name, f in spec.table.items():
            if name in value:
                out.update(_flatten(f.spec, value[name], _join(label, f.label or name), site))
        return out
    if isinstance(spec, schema.MapOf) and isinstance(value, tuple):
        for key, item in value:
            key_label = f"{key} 年" if isinstance(key, int) else str(key)
            out.update(_flatten(spec.value, item, f"{label} {key_label}", site))
        return out
    if isinstance(spec, schema.ListOf) and isinstance(value, tuple):
        if isinstance(spec.item, schema.Obj):
            for i, item in enumerate(value):
                out.update(_flatten(spec.item, item, f"{label}第 {i + 1} 项", site))
            return out
        out[label] = "、".join(_word(spec.item, item, site) for item in value) or EMPTY
        return out
    out[label] = _word(spec, value, site)
    return out


def _join(label: str, part: str) -> str:
    return f"{label}·{part}" if label else part


def _word(spec: Any, value: Any, site: Site) -> str:
    """One value as a page shows it."""
    if value is None:
        return EMPTY
    if isinstance(spec, schema.Rate) and isinstance(value, (int, Decimal)):
        return rounded(Decimal(value) * 100, 2, trim=True) + "%"
    if isinstance(spec, schema.Bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(spec, schema.Choice):
        return spec.label(value) or str(value)
    if isinstance(spec, schema.Ref):
        kinds: dict[str, dict[str, Any]] = {
            "company": site.companies,
            "community": site.communities,
            "compound": site.compounds,
            "street": site.streets,
            "district": site.districts,
        }
        records = kinds.get(spec.kind, {})
        found = records.get(value)
        return getattr(found, "name", None) or str(value)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        unit = getattr(spec, "unit", "")
        return f"{plain(value)}{' ' + unit if unit else ''}"
    return str(value)


def _sentences(text: str | None) -> list[str]:
    if not text:
        return []
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def _body(before: str | None, after: str | None) -> tuple[tuple[str, str], ...]:
    """The body's change as sentences kept, removed and added (a long unchanged run shortened)."""
    old, new = _sentences(before), _sentences(after)
    if old == new:
        return ()
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            same = old[i1:i2]
            if len(same) > 2 * MAX_SAME:
                head = same[:MAX_SAME] if out else []
                tail = same[-MAX_SAME:] if i2 < len(old) or j2 < len(new) else []
                out.extend(("same", s) for s in head)
                out.append(("gap", "……"))
                out.extend(("same", s) for s in tail)
            else:
                out.extend(("same", s) for s in same)
            continue
        out.extend(("removed", s) for s in old[i1:i2])
        out.extend(("added", s) for s in new[j1:j2])
    return tuple(out)


# --- first publication: the build's and `bulletin check`'s part --------------------------------

SHALLOW_NOTE = (
    "本次构建使用的是浅克隆（只取了最近的几次提交），网站内容的修改历史不完整："
    "无法确定的首次发布日期和修改记录没有显示。请取得完整历史（git fetch --unshallow）后再构建。"
)


@dataclass(frozen=True)
class Publication:
    """What a notice page says of when the notice was really published."""

    first: date | None  # first published (None: unknown)
    imported: bool  # came with the import commit
    backdated: bool  # its own date is more than a day before `first`
    period: tuple[date, date] | None  # the 公示期 as residents could see it (None: no `until`)


DRAFT = re.compile(r"^draft:[ \t]*true[ \t]*(#.*)?$", re.MULTILINE)


def first_shown(notice: Notice, history: History) -> tuple[date | None, bool]:
    """(the day residents could first see `notice`, whether the import brought it): its first
    commit that was not a draft (committed as a draft and published later: the later day), and
    never before its own date (a notice committed ahead of its day appears on that day). None
    when git cannot tell (beyond a shallow boundary; a version it did not give)."""
    log = history.record(notice.source)
    if log is None or log.first is None:
        return None, False
    for i, event in enumerate(log.events):
        if event.status == "D":
            continue
        text = history.texts.get(event.after) if event.after else None
        if text is None and len(log.events) > 1:
            return None, False  # an earlier version git did not give: unknown rather than wrong
        if text is None or not DRAFT.search(text.split("\n---", 1)[0]):
            imported = i == 0 and log.imported
            return (max(event.date, notice.date) if not imported else event.date), imported
    return None, False


def notice_publication(notice: Notice, history: History) -> Publication:
    first, imported = first_shown(notice, history)
    return Publication(
        first,
        imported,
        publication.backdated(notice, first, imported),
        publication.real_period(notice, first, imported),
    )


def first_publication(derived: Derived, site: Site, history: History, content_arg: str, problems: Problems) -> Derived:
    """`derived` with each back-dated notice's 公示期 state counted from its first publication,
    and a warning for each such notice in `problems` (`backdating_problems`)."""
    late = backdating_problems(site, history, content_arg, problems)
    if not late:
        return derived
    statuses = dict(derived.notice_status)
    for notice, first in late:
        statuses[notice.id] = publication.status(notice, first, False, derived.today)
    late_days = {notice.id: first for notice, first in late}
    return dataclasses.replace(derived, notice_status=statuses, notices_published_late=late_days)


def backdating_problems(
    site: Site, history: History, content_arg: str, problems: Problems
) -> list[tuple[Notice, date]]:
    """A warning (file, both dates) for every notice dated more than a day before git first
    published it (not for what the import commit brought); the notices with their first dates."""
    out = []
    for notice in site.notices.values():
        if notice.draft:
            continue  # not published (a `--drafts` preview, `bulletin check`)
        first, imported = first_shown(notice, history)
        if first is None or not publication.backdated(notice, first, imported):
            continue
        out.append((notice, first))
        problems.warning(
            Loc(sources.display_path(content_arg, notice.source)),
            f"公告日期 {notice.date.isoformat()} 早于它首次发布（提交）的日期 {first.isoformat()}："
            "网页上将写明实际首次发布日期，公示期从首次发布之日起算",
            field="date",
            hint="公告日期应写实际发布的日期；补发旧公告时请在正文中说明原因",
        )
    return out
