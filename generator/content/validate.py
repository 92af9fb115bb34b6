"""Raw records → a checked `Site`: the rules that look across records, then the frozen values.

Every rule that needs more than one file lives here: references resolve, ids are unique, a
compound's grid belongs to its community, the company rules of the three compound types, credit
code checksums, evaluation folders and periods, notice years, 公示期 order, attachments confined
to `content/attachments/` and of an allowed type, and the privacy scan over every scalar and body.
All problems are collected; `validate()` returns the Site only when there were no errors.

Publication is decided here too: drafts (unless `drafts`), notices dated after `today` and
evaluations published after `today` are checked but left out of the Site.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from ..domain import checksums, privacy
from ..domain.models import (
    ATTACHMENT_TYPES,
    Attachment,
    Community,
    CommunityStat,
    Company,
    Compound,
    District,
    Evaluation,
    EvaluationRules,
    Filing,
    Grid,
    Notice,
    OwnersBody,
    Part,
    Period,
    Project,
    ScoreRow,
    Site,
    SiteInfo,
    Street,
    Update,
    Venue,
)
from ..steps import DIRECT, Runner, Step
from .errors import Loc, Problems
from .load import Loaded, RawRecord
from .markup import MAX_BODY_CHARS, nesting_tabs
from .schema import BODY_PLACEHOLDERS, ID_RE, ID_RULE, Score, called, reference_hint
from .sources import Source, control_problem, shown

PUBLIC_NUMBER_FIELDS = privacy.PUBLIC_NUMBER_FIELDS
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
KIND_LABELS = {
    "district": "区（市）",
    "street": "街道",
    "community": "社区",
    "compound": "小区",
    "company": "物业服务企业",
}
MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "webp": (b"RIFF",),
}


def validate(
    loaded: Loaded, problems: Problems, today: date, drafts: bool = False, run: Runner = DIRECT
) -> Site | None:
    """The checked `Site`, or None when there are errors (all of them are in `problems`). Each
    record is checked by a step (see `generator.steps`) declared by what it reads: its file's
    reading and the records it refers to; its problems are part of its result."""
    info = _site_info(loaded, problems)
    districts, streets = _areas(loaded, problems)
    ids = {
        "district": set(districts),
        "street": set(streets),
        "community": {r.id for r in loaded.of("community") if r.id},
        "compound": {r.id for r in loaded.of("compound") if r.id},
        "company": {r.id for r in loaded.of("company") if r.id},
    }
    names: dict[str, dict[str, tuple[str, ...]]] = {}  # made when first needed: most builds never do
    for record in loaded.all():
        for kind, ref, loc, field in record.refs:
            if ref not in ids[kind]:
                if not names:
                    names.update(_names(loaded, districts, streets))
                hint = reference_hint(ref, names[kind])
                if hint is None and not ID_RE.match(ref):
                    problems.error(loc, f"“{shown(ref)}”不是有效的标识", field=field, hint=ID_RULE)
                    continue
                problems.error(loc, f"引用了不存在的{KIND_LABELS[kind]}“{shown(ref)}”", field=field, hint=hint)

    bodies = _bodies(loaded, problems)
    communities = _records(loaded, "community", problems, run, COMMUNITY)
    companies = _records(loaded, "company", problems, run, COMPANY)
    _one_file_per_company(loaded, companies, problems)
    compounds = _records(
        loaded,
        "compound",
        problems,
        run,
        COMPOUND,
        lambda r: (communities.get(r.fields.get("community")), companies.get(r.fields.get("company"))),
    )
    projects = _records(loaded, "project", problems, run, PROJECT, lambda r: (bodies.get(r.src.rel),))
    notices = _notices(loaded, problems, districts, today, drafts, bodies, run)
    scheduled = sorted(
        (r.fields["date"], str(r.fields.get("title", r.id)))
        for r in loaded.of("notice")
        if r.fields
        and isinstance(r.fields.get("date"), date)
        and r.fields["date"] > today
        and not (r.fields.get("draft") and not drafts)
    )
    evaluations = _evaluations(loaded, problems, districts, info, today, run)
    _latest_fee_warnings(loaded, compounds, problems, run)
    _privacy(loaded, info, problems, run)

    if problems or info is None:
        return None
    published_attachments = sorted({a.file for n in notices.values() for a in n.attachments})
    return Site(
        info=info,
        districts=districts,
        streets=streets,
        communities=communities,
        compounds=compounds,
        companies=companies,
        evaluations=tuple(sorted(evaluations, key=lambda e: (e.district, e.period.key))),
        projects=projects,
        notices=notices,
        attachments=tuple(published_attachments),
        scheduled=tuple(scheduled),
    )


def _records(loaded: Loaded, kind: str, problems: Problems, run: Runner, step: Step, reads=lambda record: ()) -> dict:
    """Each record of `kind` checked by `step` (see `_record_step`), which reads the record and
    what `reads(record)` returns (other records, a body)."""
    out = {}
    for record in sorted(loaded.of(kind), key=lambda r: r.id or ""):
        if record.fields is None or record.id is None:
            continue
        value, found = run(step, record, *reads(record))
        if found is not None:
            problems.merge(found)
        if value is not None:
            out[record.id] = value
    return out


def _checked(check):
    """A record step's function: `check(record, problems, *reads)` with the problems it reports
    collected apart and returned beside the record (remembered, they are reported again)."""

    def make(record: RawRecord, *reads):
        found = Problems()
        return check(record, found, *reads), found if found.items else None  # most records have none

    return make


def _record_step(kind: str, check, inputs=None) -> Step:
    """The step checking one record of `kind`: its result depends on the file's reading (the
    engine hands back the very same objects while the file is unchanged) and on what else the
    check is given (other records, a body), unless `inputs` says otherwise."""
    return Step(
        f"validate-{kind}",
        _checked(check),
        inputs=inputs or (lambda record, *more: (record.fields, record.src, record.id, record.folder, *more)),
        slot=lambda record, *more: record.src.rel,
    )


def _read(record: RawRecord) -> tuple[dict, Source, str]:
    """The fields, source and id of a record that was read (the record steps see no other:
    `_records` and `_notices` skip the rest); the id is empty when the file's name is not one,
    and such a record is checked but never built."""
    assert record.fields is not None
    return record.fields, record.src, record.id or ""


def _has(fields: dict, *names: str) -> bool:
    return all(n in fields for n in names)


def _names(loaded: Loaded, districts: dict[str, District], streets: dict[str, Street]) -> dict:
    """kind → id → (its name,), for the hints that name an id (`xinhe（新河社区）`)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {
        "district": {d.id: (d.name,) for d in districts.values()},
        "street": {s.id: (s.name,) for s in streets.values()},
    }
    for kind in ("community", "compound", "company"):
        out[kind] = {
            r.id: (str(r.fields["name"]),) if r.fields and "name" in r.fields else () for r in loaded.of(kind) if r.id
        }
    return out


# --- site and areas ----------------------------------------------------------------------------


def _site_info(loaded: Loaded, problems: Problems) -> SiteInfo | None:
    record = loaded.site
    if record is None or record.fields is None:
        return None
    f = record.fields
    if not _has(f, "title", "base_url", "publisher", "contact", "evaluation"):
        return None
    ev = f["evaluation"]
    if not _has(ev, "parts", "red_list_size", "black_line", "dismissal_bottom"):
        return None
    parts = tuple(Part(key, p["label"], p["max"]) for key, p in ev["parts"] if _has(p, "label", "max"))
    if len(parts) != len(ev["parts"]):
        return None
    if not parts:
        problems.error(record.src.loc(("evaluation", "parts")), "至少需要一个评价方", field="evaluation.parts")
        return None
    total = sum((p.max for p in parts), Decimal(0))
    if total != 100:
        problems.error(
            record.src.loc(("evaluation", "parts")),
            f"各评价方满分之和应为 100，实际为 {total}",
            field="evaluation.parts",
        )
    base_url = f["base_url"] if f["base_url"].endswith("/") else f["base_url"] + "/"
    return SiteInfo(
        title=f["title"],
        base_url=base_url,
        language=f.get("language", "zh-CN"),
        publisher=f["publisher"],
        contact=f["contact"],
        sample=f.get("sample", False),
        evaluation=EvaluationRules(parts, ev["red_list_size"], ev["black_line"], ev["dismissal_bottom"]),
        pii_allow=f.get("pii_allow", ()),
        filing=_filing(f.get("filing")),
        history_import=f.get("history_import"),
    )


def _filing(fields: dict | None) -> Filing | None:
    """The filing identifiers that were given and are valid; None when there are none (`filing:`
    left blank, or every identifier in it wrong: those are reported, and no build is made)."""
    if not fields:
        return None
    return Filing(icp=fields.get("icp"), police=fields.get("police"), site_code=fields.get("site_code"))


def _areas(loaded: Loaded, problems: Problems) -> tuple[dict[str, District], dict[str, Street]]:
    record = loaded.areas
    if record is None or record.fields is None or "districts" not in record.fields:
        return {}, {}
    src = record.src
    districts: dict[str, District] = {}
    streets: dict[str, Street] = {}
    for i, d in enumerate(record.fields["districts"]):
        if not _has(d, "id", "name", "streets"):
            continue
        if d["id"] in districts:
            problems.error(src.loc(("districts", i, "id")), f"区（市）标识“{d['id']}”重复", field="id")
            continue
        own = []
        for j, s in enumerate(d["streets"]):
            if not _has(s, "id", "name"):
                continue
            if s["id"] in streets:
                problems.error(
                    src.loc(("districts", i, "streets", j, "id")),
                    f"街道标识“{s['id']}”重复（街道标识须全站唯一）",
                    field="id",
                )
                continue
            street = Street(s["id"], s["name"], d["id"])
            streets[street.id] = street
            own.append(street)
        districts[d["id"]] = District(d["id"], d["name"], tuple(own))
    return districts, streets  # in the editors' order, as written in areas.yaml


# --- communities, companies, compounds -----------------------------------------------------------


def _community(record: RawRecord, problems: Problems) -> Community | None:
    f, src, rid = _read(record)
    grids, seen = [], set()
    for i, g in enumerate(f.get("grids", ())):
        if not _has(g, "id", "name"):
            continue
        if g["id"] in seen:
            problems.error(src.loc(("grids", i, "id")), f"网格标识“{g['id']}”重复", field=f"grids[{i + 1}].id")
            continue
        seen.add(g["id"])
        grids.append(Grid(g["id"], g["name"], g.get("members")))
    venues = tuple(
        Venue(v["name"], v["kind"], v.get("area_m2"), v.get("address"), tuple(v.get("services", ())))
        for v in f.get("venues", ())
        if _has(v, "name", "kind")
    )
    stats, periods = [], set()
    for i, s in enumerate(f.get("stats", ())):
        if not _has(s, "period", "issues_received", "issues_closed_same_day"):
            continue
        if s["issues_closed_same_day"] > s["issues_received"]:
            problems.error(
                src.loc(("stats", i, "issues_closed_same_day")),
                f"当日办结数（{s['issues_closed_same_day']}）不能大于受理数（{s['issues_received']}）",
                field=f"stats[{i + 1}].issues_closed_same_day",
            )
        if s["period"] in periods:
            problems.error(
                src.loc(("stats", i, "period")), f"统计期“{s['period']}”重复", field=f"stats[{i + 1}].period"
            )
        periods.add(s["period"])
        stats.append(CommunityStat(s["period"], s["issues_received"], s["issues_closed_same_day"]))
    if not _has(f, "name", "street"):
        return None
    return Community(
        id=rid,
        source=src.rel,
        name=f["name"],
        street=f["street"],
        secretary=f.get("secretary"),
        office_phone=f.get("office_phone"),
        address=f.get("address"),
        grids=tuple(grids),
        venues=venues,
        stats=tuple(sorted(stats, key=lambda s: s.period)),
    )


def _company(record: RawRecord, problems: Problems) -> Company | None:
    f, src, rid = _read(record)
    if "credit_code" in f:
        problem = checksums.credit_code_problem(f["credit_code"])
        if problem:
            problems.error(src.loc(("credit_code",)), problem, field="credit_code")
    if not _has(f, "name", "credit_code", "state_owned", "party_organization"):
        return None
    return Company(
        id=rid,
        source=src.rel,
        name=f["name"],
        credit_code=f["credit_code"],
        state_owned=f["state_owned"],
        party_organization=f["party_organization"],
        phone=f.get("phone"),
        address=f.get("address"),
    )


def _one_file_per_company(loaded: Loaded, companies: dict[str, Company], problems: Problems) -> None:
    """A company written twice (a second file with the same credit code, an error: the code is
    the company's; or with the same name, a warning) splits its compounds and scores in two."""
    sources = {r.id: r.src for r in loaded.of("company") if r.id in companies}
    by_code: dict[str, Company] = {}
    by_name: dict[str, Company] = {}
    for company in sorted(companies.values(), key=lambda c: c.id):
        first = by_code.setdefault(company.credit_code.upper(), company)
        if first is not company:
            problems.error(
                sources[company.id].loc(("credit_code",)),
                f"统一社会信用代码与{called(first.id, first.name)}相同：一家企业只能有一个文件",
                field="credit_code",
                hint=f"两个文件只保留一个（content/companies/{first.id}.yaml 或这个），引用另一个标识的地方都改成保留的标识",
            )
            continue
        first = by_name.setdefault(company.name, company)
        if first is not company:
            problems.warning(
                sources[company.id].loc(("name",)),
                f"企业名称与{called(first.id, first.name)}相同",
                field="name",
                hint="是同一家企业的话，只保留一个文件；不是的话，请写全名以示区别",
            )


def _compound(
    record: RawRecord, problems: Problems, community: Community | None, company_record: Company | None
) -> Compound | None:
    """`community` and `company_record`: the records the compound names (None when it names none
    or an unknown one)."""
    f, src, rid = _read(record)
    kind = f.get("type")
    company = f.get("company")
    if kind == "self" and company:
        problems.error(
            src.loc(("company",), key=True),
            "居民自治型小区（type: self）不能填写物业服务企业",
            field="company",
            hint="删除 company 一行，或把 type 改为 enterprise",
        )
    if kind in ("enterprise", "state") and "company" not in f and "company" not in (src.data or {}):
        problems.error(
            src.loc(("type",)),
            f"{'物业服务企业管理型' if kind == 'enterprise' else '无物业（国企兜管）'}小区必须填写 company",
            field="company",
        )
    if kind == "state" and company_record is not None and not company_record.state_owned:
        problems.error(
            src.loc(("company",)),
            f"国企兜管小区的企业{called(company_record.id, company_record.name)}必须是国有企业（state_owned: true）",
            field="company",
        )
    grid = f.get("grid")
    if grid and community is not None:
        if grid not in {g.id for g in community.grids}:
            problems.error(
                src.loc(("grid",)),
                f"{called(community.id, community.name)}没有网格“{shown(grid)}”",
                field="grid",
                hint=reference_hint(grid, {g.id: (g.name,) for g in community.grids}),
            )
    elif grid and not ID_RE.match(grid):  # a grid's name, and no community to look it up in
        problems.error(src.loc(("grid",)), f"“{shown(grid)}”不是有效的标识", field="grid", hint=ID_RULE)
    body = f.get("owners_body")
    owners_body = None
    if body is not None and _has(body, "kind", "established", "party_members"):
        owners_body = OwnersBody(body["kind"], body["established"], body["party_members"])
    if not _has(f, "name", "community", "type", "households") or (body is not None and owners_body is None):
        return None
    return Compound(
        id=rid,
        source=src.rel,
        name=f["name"],
        community=f["community"],
        grid=grid,
        type=f["type"],
        company=company if kind != "self" else None,
        households=f["households"],
        buildings=f.get("buildings"),
        built_year=f.get("built_year"),
        resettlement=f.get("resettlement", False),
        owners_body=owners_body,
        fee_collection=f.get("fee_collection", ()),
        complaints=f.get("complaints", ()),
        demonstration=tuple(sorted(f.get("demonstration", ()))),
    )


def _latest_fee_warnings(loaded: Loaded, compounds: dict[str, Compound], problems: Problems, run: Runner) -> None:
    values = tuple(compounds.values())
    latest = run(LATEST_FEE_YEAR, values)
    if latest is None:
        return
    lacking = {c.id for c, no in zip(values, run.each(LACKS_FEE_YEAR, values, latest)) if no}
    for record in loaded.of("compound"):
        if record.id in lacking:
            where = ("fee_collection",) if "fee_collection" in (record.fields or {}) else ()
            problems.warning(
                record.src.loc(where),
                f"没有 {latest} 年的物业费收缴率",
                field="fee_collection",
            )


LATEST_FEE_YEAR = Step(
    "validate-latest-fee-year",
    lambda compounds: max((y for c in compounds for y, _ in c.fee_collection), default=None),
    inputs=lambda compounds: compounds,
)
LACKS_FEE_YEAR = Step("validate-fee-lacking", lambda compound, year: year not in dict(compound.fee_collection))


# --- projects and notices ----------------------------------------------------------------------


def _bodies(loaded: Loaded, problems: Problems) -> dict[str, str]:
    """Every Markdown body as published (rendered by `load`), drafts and future notices included
    (the privacy scan reads what would be published): source path → sanitised HTML. Over-long
    bodies are errors; so is a body still holding `bulletin new`'s placeholder (a warning in a
    draft, which is never published); a tab that makes a list item a sub-item is a warning."""
    out = {}
    for record in loaded.all():
        src = record.src
        if src.body is None:
            continue
        _body_text(record, problems)
        if len(src.body) > MAX_BODY_CHARS:
            problems.error(
                Loc(src.display, src.body_line),
                f"正文过长（{len(src.body)} 字），上限 {MAX_BODY_CHARS} 字；请拆分，或把长表格作为附件",
            )
            continue
        out[src.rel] = src.body_html or ""
    return out


def _body_text(record: RawRecord, problems: Problems) -> None:
    src, body = record.src, record.src.body or ""
    for placeholder in BODY_PLACEHOLDERS:
        at = body.find(placeholder)
        if at != -1:
            line = body.count("\n", 0, at)
            loc = Loc(src.display, src.body_line + line, at - (body.rfind("\n", 0, at) + 1) + 1)
            message = f"正文还是新建时的示例文字“{placeholder[:12]}…”，请换成要发布的内容"
            if (record.fields or {}).get("draft"):
                problems.warning(loc, message)
            else:
                problems.error(loc, message)
    if "\t" in body:
        for line, col in nesting_tabs(body):
            problems.warning(
                Loc(src.display, src.body_line + line, col),
                "列表项前面有制表符（Tab），这一项会缩进显示在上一项下面，成为它的子项",
                hint="不是要做子项的话，删掉制表符；缩进请用空格",
            )


def _project(record: RawRecord, problems: Problems, body_html: str | None) -> Project | None:
    f, src, rid = _read(record)
    if (
        not f.get("compounds")
        and not f.get("communities")
        and "compounds" not in (src.data or {})
        and "communities" not in (src.data or {})
    ):
        problems.error(src.loc(), "项目至少要关联一个小区（compounds）或社区（communities）")
    if "start" in f and "finish" in f and f["finish"] < f["start"]:
        problems.error(src.loc(("finish",)), f"完工日期 {f['finish']} 早于开工日期 {f['start']}", field="finish")
    if not _has(f, "title", "category", "status"):
        return None
    updates = tuple(
        sorted(
            (Update(u["date"], u.get("status"), u["text"]) for u in f.get("updates", ()) if _has(u, "date", "text")),
            key=lambda u: u.date,
        )
    )
    return Project(
        id=rid,
        source=src.rel,
        title=f["title"],
        category=f["category"],
        status=f["status"],
        compounds=f.get("compounds", ()),
        communities=f.get("communities", ()),
        budget=f.get("budget"),
        funding=f.get("funding"),
        start=f.get("start"),
        finish=f.get("finish"),
        unit=f.get("unit"),
        company=f.get("company"),
        updates=updates,
        body_html=body_html or "",
    )


def _notices(
    loaded: Loaded, problems: Problems, districts: dict, today: date, drafts: bool, bodies: dict[str, str], run: Runner
) -> dict[str, Notice]:
    out: dict[str, Notice] = {}
    first_seen: dict[str, str] = {}
    for record in sorted(loaded.of("notice"), key=lambda r: (r.id or "", r.src.rel)):
        src, f = record.src, record.fields
        if record.id in first_seen:
            problems.error(
                Loc(src.display), f"公告标识“{record.id}”与 {first_seen[record.id]} 重复（公告标识须跨年份唯一）"
            )
            continue
        if record.id:
            first_seen[record.id] = src.display
        if f is None:
            continue
        reads = (today, drafts, bodies.get(src.rel), loaded.root)
        if f.get("attachments"):
            notice, found = NOTICE.make(record, *reads)  # reads the attachments folder: never remembered
        else:
            notice, found = run(NOTICE, record, *reads)
        if found is not None:
            problems.merge(found)
        if notice is not None:
            out[notice.id] = notice
    return dict(sorted(out.items()))


def _notice(
    record: RawRecord, problems: Problems, today: date, drafts: bool, body_html: str | None, root: Path
) -> Notice | None:
    f, src, rid = _read(record)
    if "date" in f and record.folder != str(f["date"].year):
        problems.error(
            src.loc(("date",)),
            f"日期 {f['date']} 与所在年份文件夹“{record.folder}”不一致",
            field="date",
            hint=f"请把文件移到 notices/{f['date'].year}/ 下，或改正日期",
        )
    if "date" in f and "until" in f and f["until"] < f["date"]:
        problems.error(src.loc(("until",)), f"公示截止日期 {f['until']} 早于发布日期 {f['date']}", field="until")
    attachments = _attachments(record, root, problems)
    if not _has(f, "title", "date", "category") or not rid:
        return None
    if f.get("draft", False) and not drafts:
        return None
    if f["date"] > today:
        return None
    return Notice(
        id=rid,
        source=src.rel,
        title=f["title"],
        date=f["date"],
        category=f["category"],
        district=f.get("district"),
        streets=f.get("streets", ()),
        communities=f.get("communities", ()),
        compounds=f.get("compounds", ()),
        until=f.get("until"),
        draft=f.get("draft", False),
        attachments=attachments,
        body_html=body_html or "",
    )


def _attachments(record: RawRecord, root: Path, problems: Problems) -> tuple[Attachment, ...]:
    listed = _read(record)[0].get("attachments", ())
    if not listed:
        return ()
    out = []
    base = root / "attachments"
    for i, a in enumerate(listed):
        if not _has(a, "title", "file"):
            continue
        loc = record.src.loc(("attachments", i, "file"))
        field = f"attachments[{i + 1}].file"
        problem = attachment_problem(base, a["file"])
        if problem:
            problems.error(loc, problem, field=field)
            continue
        out.append(Attachment(a["title"], a["file"]))
    return tuple(out)


def attachment_problem(base: Path, name: str) -> str | None:
    """Why `name` (relative to content/attachments/) is not a publishable attachment, or None."""
    if control_problem(name) or any(ch in name for ch in "\n\t"):
        return "附件路径含有控制字符或换行，不允许"
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return f"附件路径“{name}”必须是 attachments/ 下的相对路径（用 / 分隔，不能以 / 开头）"
    pure = PurePosixPath(name)
    if any(part in ("..", ".", "") for part in name.split("/")):
        return f"附件路径“{name}”不能包含“..”“.”或空的路径段"
    ext = pure.suffix.lower().lstrip(".")
    if ext not in ATTACHMENT_TYPES:
        return f"附件类型“.{ext}”不允许；只能是 pdf、png、jpg、webp"
    path = base / pure
    try:
        info = os.lstat(path)
    except OSError:
        return f"附件文件 attachments/{name} 不存在"
    real_base = os.path.realpath(base)
    real = os.path.realpath(path)
    if stat.S_ISLNK(info.st_mode) or os.path.commonpath([real_base, real]) != real_base:
        return f"附件 attachments/{name} 是指向别处的链接，不允许"
    if any(os.path.islink(base.joinpath(*pure.parts[:k])) for k in range(1, len(pure.parts))):
        return f"附件 attachments/{name} 所在文件夹是链接，不允许"
    if not stat.S_ISREG(info.st_mode):
        return f"附件 attachments/{name} 不是普通文件"
    if info.st_nlink > 1:
        # A hard link is another name for a file that may live anywhere on the disk; git never
        # makes one, so it can only come from someone linking a file in by hand.
        return f"附件 attachments/{name} 是硬链接（同一文件还有别的名字），不允许；请复制一份再放进来"
    if info.st_size > MAX_ATTACHMENT_BYTES:
        return f"附件 attachments/{name} 过大（{info.st_size} 字节），上限 {MAX_ATTACHMENT_BYTES} 字节"
    with open(path, "rb") as fh:
        head = fh.read(16)
    if not any(head.startswith(m) for m in MAGIC[ext]) or (ext == "webp" and head[8:12] != b"WEBP"):
        return f"附件 attachments/{name} 的内容不是 {ATTACHMENT_TYPES[ext]} 文件（扩展名与内容不符）"
    return None


COMMUNITY = _record_step("community", _community)
COMPANY = _record_step("company", _company)
COMPOUND = _record_step("compound", _compound)
PROJECT = _record_step("project", _project)
# a notice also depends on the build date and whether drafts are published; the content folder
# (for its attachments) is the same throughout an edit loop, and a notice with attachments is
# never remembered
NOTICE = _record_step(
    "notice",
    _notice,
    inputs=lambda record, today, drafts, body, root: (
        record.fields,
        record.src,
        record.id,
        record.folder,
        today,
        drafts,
        body,
    ),
)


# --- evaluations -------------------------------------------------------------------------------


def _evaluations(
    loaded: Loaded, problems: Problems, districts: dict, info: SiteInfo | None, today: date, run: Runner = DIRECT
) -> list[Evaluation]:
    """Each evaluation file checked by a step (`EVALUATION`): 360 files and 15,000 score rows at
    province size, checked again on every edit before."""
    site = (loaded.site.fields if loaded.site else None) or {}
    rules = site.get("evaluation")  # site.yaml's parts: their scores' limits
    areas = tuple((d.id, d.name) for d in districts.values())
    companies = {r.id: str((r.fields or {}).get("name", "")) for r in loaded.of("company") if r.id}
    out = []
    for record in loaded.of("evaluation"):
        evaluation, found = run(EVALUATION, record, areas, info is not None, today, rules, companies)
        if found is not None:
            problems.merge(found)
        if evaluation is not None:
            out.append(evaluation)
    return out


def _evaluation(
    record: RawRecord, areas: tuple, info: bool, today: date, rules: Any, companies: dict[str, str]
) -> tuple[Evaluation | None, Problems | None]:
    """One evaluation file: (its published evaluation, or None; what is wrong with it, if
    anything). `areas`: each district's (id, name); `info`: site.yaml was read; `rules`:
    site.yaml's `evaluation` (the parts); `companies`: each company's name by id (for messages)."""
    problems = Problems()
    src, f = record.src, record.fields
    stem, folder = record.id or "", record.folder or ""  # load names every evaluation file by both
    districts = dict(areas)
    if folder not in districts and districts:
        problems.error(
            Loc(src.display),
            f"考评文件夹“{folder}”不是区（市）标识",
            hint=reference_hint(folder, {d: (name,) for d, name in areas}),
        )
    if f is None:
        return None, problems if problems.items else None
    parts = _parts_of(rules)
    if "period" in f and f["period"] != stem:
        problems.error(src.loc(("period",)), f"考评期“{f['period']}”与文件名“{stem}.yaml”不一致", field="period")
    seen: dict[str, int] = {}
    rows = []
    for i, row in enumerate(f.get("scores", ())):
        company = row.get("company")
        who = called(company, companies.get(company)) if company is not None else f"得分表第 {i + 1} 项"
        if company in seen:
            problems.error(
                src.loc(("scores", i, "company")),
                f"{who}在本期已出现过（第 {src.loc(('scores', seen[company], 'company')).line} 行），"
                "每期每家企业只能有一行",
                field=f"scores[{i + 1}].company",
            )
            continue
        if company is not None:
            seen[company] = i
        scores = _scores(src, i, row, who, parts, problems)
        if not info or scores is None or company is None:
            continue
        rows.append(ScoreRow(company, scores, row.get("note")))
    found = problems if problems.items else None
    if not info or not _has(f, "period", "published", "scores") or f["period"] != stem:
        return None, found
    if f["published"] > today:
        return None, found
    period = Period(int(stem[:4]), int(stem[-1]))
    return Evaluation(src.rel, folder, period, f["published"], tuple(rows)), found


EVALUATION = Step(
    "validate-evaluation",
    _evaluation,
    inputs=lambda record, *more: (record.fields, record.src, record.id, record.folder, *more),
    slot=lambda record, *more: record.src.rel,
)


def _parts_of(rules: Any) -> list[tuple[str, str, Score]]:
    """(key, label, its score's spec) for each part of site.yaml's `evaluation.parts`, in order."""
    parts = (rules or {}).get("parts", ())
    return [(key, p.get("label", key), Score(p["max"])) for key, p in parts if "max" in p]


def _scores(src: Source, i: int, row: dict, who: str, parts: list, problems: Problems) -> tuple | None:
    """The row's part scores as (key, score), or None after saying what is wrong with them,
    naming the company and the part (`阿尔法物业服务有限公司（alpha）的“主管部门”评分…`)."""
    out = []
    for key, label, spec in parts:
        path, field = ("scores", i, key), f"scores[{i + 1}].{key}"
        if key not in row:
            problems.error(src.loc(("scores", i)), f"{who}缺少“{label}”评分", field=field, hint=f"加上 {key}: 得分")
        elif row[key] is None:  # `authority:` left blank (bulletin new writes those)
            problems.error(src.loc(path, key=True), f"{who}的“{label}”评分还没有填写", field=field)
        else:
            number, message, hint = spec.verdict(row[key])
            if number is None:
                problems.error(src.loc(path), f"{who}的“{label}”评分：{message}", field=field, hint=hint)
            else:
                out.append((key, number))
    return tuple(out) if len(out) == len(parts) else None


# --- privacy -----------------------------------------------------------------------------------


def _privacy(loaded: Loaded, info: SiteInfo | None, problems: Problems, run: Runner) -> None:
    allow = tuple(info.pii_allow) if info else ()
    # Each file's findings by its very reading (the engine hands back the same Source while the
    # file is unchanged) and the allow list.
    for found in run.each(PII_FINDINGS, [record.src for record in loaded.all()], allow):
        for loc, finding, where in found:
            _report_pii(problems, loc, finding, where)


def _pii_findings(src: Source, allow: tuple) -> list:
    """(Loc, Finding, where) for every number that may not be published in one file: in its name
    (a file name becomes a URL), its fields and its body."""
    out = [(Loc(src.display), finding, "文件名") for finding in privacy.scan(src.rel, allow)]
    found = privacy.file_findings(src.pii, allow) if src.pii else []
    out.extend((loc, finding, "") for loc, finding in found)
    if src.body_html is not None:
        # What a reader would see can hold a number that the typed text splits up: character
        # references (&#49;), comments or empty tags between the digits.
        seen = {_digits(f.text) for _, f in found}
        for finding in privacy.allowed_out(src.body_numbers, allow):
            if _digits(finding.text) not in seen:
                seen.add(_digits(finding.text))
                out.append((Loc(src.display, src.body_line), finding, "正文显示出来的文字"))
    return out


PII_FINDINGS = Step("validate-privacy", _pii_findings)


def _digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit() or c in "Xx")


def _report_pii(problems: Problems, loc: Loc, finding, where: str = "") -> None:
    problems.error(
        loc,
        f"{where}疑似个人信息：{finding.kind}“{finding.masked}”，不能公开发布",
        hint="请删除；如果这是公开的服务电话，请把它加入 site.yaml 的 pii_allow",
    )
