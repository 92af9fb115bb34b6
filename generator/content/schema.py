"""The content model as data: one field table per record kind, and the small checkers they use.

`check(source, table)` walks a file's data against a table and returns the cleaned values
(Decimals, dates, tuples), reporting every problem at the line of the offending key or value:
missing and unknown fields (with "did you mean"), wrong types, out-of-range numbers, bad choices.
References are not resolved here; each `Ref` records (kind, id, location) in `Checked.refs`, and
`validate` resolves them all once every record is known.

The tables below are the single statement of which fields exist; docs/content-model.md describes
them for editors and tests/test_content_model_docs.py keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..domain.models import COMPOUND_TYPES, NOTICE_CATEGORIES, OWNERS_BODY_KINDS, PROJECT_CATEGORIES, PROJECT_STATUSES
from .errors import Loc, Problems, did_you_mean
from .sources import Source, control_problem, shown

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_RULE = "只能用小写英文字母、数字和单个连字符，例如 fuhai-huayuan"
# An absolute http(s) URL of characters a URL may hold as written (RFC 3986): no quotes, angle
# brackets, spaces or braces, which would make every page's canonical link invalid.
BASE_URL_RE = re.compile(
    r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%!$&'()*+,;=:@/-]*)?$"
)
MISSING = object()


@dataclass
class Checked:
    """State shared while checking one file."""

    src: Source
    problems: Problems
    refs: list[tuple[str, str, Loc, str | None]] = field(default_factory=list)

    def error(self, path: tuple, message: str, key: bool = False, hint: str | None = None) -> None:
        name = _field_name(path)
        self.problems.error(self.src.loc(path, key=key), message, field=name, hint=hint)


def _field_name(path: tuple) -> str | None:
    parts = []
    for p in path:
        if isinstance(p, int):
            parts.append(f"[{p + 1}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or None


class Spec:
    """Checks one value; returns the cleaned value or MISSING after reporting a problem."""

    what = "值"

    def check(self, value: Any, path: tuple, ctx: Checked) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def bad(self, value: Any, path: tuple, ctx: Checked) -> object:
        ctx.error(path, f"应为{self.what}，实际是{_describe(value)}")
        return MISSING


def _describe(value: Any) -> str:
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return f"布尔值 {str(value).lower()}"
    if isinstance(value, (int, Decimal, float)):
        return f"数字 {shown(str(value))}"
    if isinstance(value, str):
        return f"文本“{shown(value)}”"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "键值表"
    if isinstance(value, dt.date):
        return f"日期 {value}"
    return type(value).__name__


class Text(Spec):
    what = "文本"

    def __init__(self, max_len: int = 20000):
        self.max_len = max_len

    def check(self, value, path, ctx):
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            return self.bad(value, path, ctx)
        if isinstance(value, float):
            return self.bad(value, path, ctx)
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        text = text.strip()
        control = control_problem(text)
        if control is not None:
            ctx.error(path, control[1])
            return MISSING
        if not text:
            ctx.error(path, "不能为空")
            return MISSING
        if len(text) > self.max_len:
            ctx.error(path, f"文本过长（{len(text)} 字），上限 {self.max_len} 字")
            return MISSING
        return text


class Id(Spec):
    what = "标识（id）"

    def check(self, value, path, ctx):
        if not isinstance(value, str) or not ID_RE.match(value):
            ctx.error(path, f"“{shown(str(value))}”不是有效的标识", hint=ID_RULE)
            return MISSING
        return value


class Ref(Id):
    """An id of another record of `kind`; resolved later by validate."""

    def __init__(self, kind: str):
        self.kind = kind

    def check(self, value, path, ctx):
        if isinstance(value, (int,)) and not isinstance(value, bool):
            value = str(value)
        result = super().check(value, path, ctx)
        if result is not MISSING:
            ctx.refs.append((self.kind, result, ctx.src.loc(path), _field_name(path)))
        return result


class Int(Spec):
    what = "整数"

    def __init__(self, min: int | None = 0, max: int | None = None, quoted_ok: bool = False):
        self.min, self.max, self.quoted_ok = min, max, quoted_ok

    def check(self, value, path, ctx):
        if self.quoted_ok and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            return self.bad(value, path, ctx)
        if isinstance(value, Decimal):
            if not value.is_finite() or value != value.to_integral_value():
                return self.bad(value, path, ctx)
            if value.adjusted() > 15:  # int(Decimal("1e999999999")) would take minutes and gigabytes
                ctx.error(path, f"数字 {shown(str(value))} 不合理")
                return MISSING
            value = int(value)
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            ctx.error(path, f"{shown(str(value))} 超出范围（{_range(self.min, self.max)}）")
            return MISSING
        return value


class Num(Spec):
    what = "数字"

    def __init__(self, min: Decimal | int | None = 0, max: Decimal | int | None = None, places: int | None = None):
        self.min = None if min is None else Decimal(min)
        self.max = None if max is None else Decimal(max)
        self.places = places

    def check(self, value, path, ctx):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
            return self.bad(value, path, ctx)
        if isinstance(value, float) or (isinstance(value, Decimal) and not value.is_finite()):
            ctx.error(path, f"“{shown(str(value))}”不是有效的数字")
            return MISSING
        number = Decimal(value)
        if abs(number.adjusted()) > 15:
            ctx.error(path, f"数字 {shown(str(value))} 不合理")
            return MISSING
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            ctx.error(path, f"{shown(str(value))} 超出范围（{_range(self.min, self.max)}）")
            return MISSING
        if self.places is not None and number.as_tuple().exponent < -self.places:
            ctx.error(path, f"{shown(str(value))} 最多保留 {self.places} 位小数")
            return MISSING
        return number


def _range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"应在 {lo} 到 {hi} 之间"
    if lo is not None:
        return f"应不小于 {lo}"
    return f"应不大于 {hi}"


class Rate(Spec):
    """A proportion: a number from 0 to 1, or a percentage string such as "100%" or "95.5%"."""

    what = "比例（0 到 1 之间的数，或“95%”这样的百分数）"
    PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*[%％]\s*$")

    def check(self, value, path, ctx):
        if isinstance(value, str):
            m = self.PERCENT.match(value)
            if not m:
                return self.bad(value, path, ctx)
            number = Decimal(m.group(1)) / 100
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            number = Decimal(value)
            if not number.is_finite():
                return self.bad(value, path, ctx)
        else:
            return self.bad(value, path, ctx)
        if not (0 <= number <= 1):
            ctx.error(path, f"{shown(str(value))} 超出范围（比例应在 0 到 1 之间，或 0% 到 100%）")
            return MISSING
        return number


class Bool(Spec):
    what = "是或否（true / false）"

    def check(self, value, path, ctx):
        if not isinstance(value, bool):
            return self.bad(value, path, ctx)
        return value


class Date(Spec):
    what = "日期（YYYY-MM-DD）"

    def check(self, value, path, ctx):
        if isinstance(value, dt.datetime):
            return value.date()
        if not isinstance(value, dt.date):
            return self.bad(value, path, ctx)
        return value


class Pattern(Spec):
    def __init__(self, regex: str, what: str):
        self.regex = re.compile(regex)
        self.what = what

    def check(self, value, path, ctx):
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str) or not self.regex.match(value):
            return self.bad(value, path, ctx)
        return value


class Choice(Spec):
    def __init__(self, choices):
        self.choices = tuple(choices)
        self.what = "以下之一：" + "、".join(self.choices)

    def check(self, value, path, ctx):
        if not isinstance(value, str) or value not in self.choices:
            hint = did_you_mean(str(value), self.choices) if isinstance(value, str) else None
            ctx.error(path, f"“{shown(str(value))}”不是可选值；可选：{'、'.join(self.choices)}", hint=hint)
            return MISSING
        return value


class ListOf(Spec):
    what = "列表"

    def __init__(self, item: Spec, min_items: int = 0, unique: bool = False):
        self.item, self.min_items, self.unique = item, min_items, unique

    def check(self, value, path, ctx):
        if isinstance(value, str) and not isinstance(self.item, Obj):
            value = [value]  # `communities: yuanfei` is read as a one-item list
        if not isinstance(value, list):
            return self.bad(value, path, ctx)
        if len(value) < self.min_items:
            ctx.error(path, f"至少需要 {self.min_items} 项")
        out, seen = [], set()
        for i, item in enumerate(value):
            checked = self.item.check(item, path + (i,), ctx)
            if checked is MISSING:
                continue
            if self.unique:
                if checked in seen:
                    ctx.error(path + (i,), f"“{checked}”重复")
                    continue
                seen.add(checked)
            out.append(checked)
        return tuple(out)


class MapOf(Spec):
    what = "键值表"

    def __init__(self, key: Spec, value: Spec, ordered: bool = True):
        self.key, self.value, self.ordered = key, value, ordered

    def check(self, value, path, ctx):
        if not isinstance(value, dict):
            return self.bad(value, path, ctx)
        out = []
        for k, v in value.items():
            step = k if isinstance(k, str) else str(k)
            ck = self.key.check(k, path + (step,), ctx)
            cv = self.value.check(v, path + (step,), ctx)
            if ck is not MISSING and cv is not MISSING:
                out.append((ck, cv))
        return tuple(sorted(out)) if self.ordered else tuple(out)


@dataclass(frozen=True)
class Field:
    spec: Spec
    required: bool = False
    label: str = ""


class Obj(Spec):
    """A mapping with a fixed table of fields. Returns a dict of the fields present and valid."""

    what = "键值表（字段: 值）"

    def __init__(self, table: dict[str, Field]):
        self.table = table

    def check(self, value, path, ctx):
        if not isinstance(value, dict):
            return self.bad(value, path, ctx)
        out: dict[str, Any] = {}
        for key in value:
            if key not in self.table:
                hint = None if ctx.problems.full(ctx.src.display) else did_you_mean(str(key), self.table)
                ctx.error(path + (key,), f"未知字段“{shown(str(key))}”", key=True, hint=hint)
        for name, spec in self.table.items():
            raw = value.get(name, MISSING)
            if raw is MISSING or raw is None:
                if spec.required:
                    where = path + (name,) if name in value else path
                    label = f"（{spec.label}）" if spec.label else ""
                    # `authority:` with nothing after it is a blank left to fill (bulletin new
                    # writes those), not a forgotten field: say so.
                    message = f"“{name}”{label}还没有填写" if name in value else f"缺少必填字段“{name}”{label}"
                    ctx.problems.error(
                        ctx.src.loc(where, key=name in value), message, field=_field_name(path + (name,))
                    )
                continue
            checked = spec.spec.check(raw, path + (name,), ctx)
            if checked is not MISSING:
                out[name] = checked
        return out


def req(spec: Spec, label: str = "") -> Field:
    return Field(spec, True, label)


def opt(spec: Spec, label: str = "") -> Field:
    return Field(spec, False, label)


# --- the tables ------------------------------------------------------------------------------

PART = Obj({"label": req(Text(40), "名称"), "max": req(Num(0, 100, 2), "满分")})

SITE = Obj(
    {
        "title": req(Text(200), "站点名称"),
        "base_url": req(
            Pattern(BASE_URL_RE.pattern, "网址（http:// 或 https:// 开头，只含网址允许的字符）"), "站点网址"
        ),
        "language": opt(Choice(["zh-CN"]), "语言"),
        "publisher": req(Text(200), "发布单位"),
        "contact": req(Text(500), "联系方式"),
        "sample": opt(Bool(), "示例数据"),
        "evaluation": req(
            Obj(
                {
                    "parts": req(MapOf(Id(), PART, ordered=False), "评价方及分值"),  # order as written
                    "red_list_size": req(Int(1, 10000), "红榜名额"),
                    "black_line": req(Num(0, 100, 2), "黑榜分数线"),
                    "dismissal_bottom": req(Int(0, 10000), "末位名次"),
                }
            ),
            "考评规则",
        ),
        "pii_allow": opt(ListOf(Text(100)), "允许公开的号码"),
    }
)

STREET = Obj({"id": req(Id(), "街道标识"), "name": req(Text(100), "街道名称")})
DISTRICT = Obj(
    {
        "id": req(Id(), "区（市）标识"),
        "name": req(Text(100), "区（市）名称"),
        "streets": req(ListOf(STREET, min_items=1), "街道"),
    }
)
AREAS = Obj({"districts": req(ListOf(DISTRICT, min_items=1), "区（市）列表")})

GRID = Obj(
    {"id": req(Id(), "网格标识"), "name": req(Text(100), "网格名称"), "members": opt(Int(0, 100000), "网格员人数")}
)
VENUE = Obj(
    {
        "name": req(Text(200), "阵地名称"),
        "kind": req(Text(50), "类型"),
        "area_m2": opt(Num(0, 10_000_000, 2), "面积（平方米）"),
        "address": opt(Text(300), "地址"),
        "services": opt(ListOf(Text(100)), "服务项目"),
    }
)
STAT = Obj(
    {
        "period": req(Pattern(r"^\d{4}-(0[1-9]|1[0-2])$", "年月（YYYY-MM，如 2025-06）"), "统计期"),
        "issues_received": req(Int(0, 10_000_000), "受理问题数"),
        "issues_closed_same_day": req(Int(0, 10_000_000), "当日办结数"),
    }
)
COMMUNITY = Obj(
    {
        "name": req(Text(100), "社区名称"),
        "street": req(Ref("street"), "所属街道"),
        "secretary": opt(Text(50), "党组织书记"),
        "office_phone": opt(Text(50), "办公电话"),
        "address": opt(Text(300), "地址"),
        "grids": opt(ListOf(GRID), "网格"),
        "venues": opt(ListOf(VENUE), "服务阵地"),
        "stats": opt(ListOf(STAT), "办理统计"),
    }
)

YEAR = Int(1949, 2100)
YEAR_KEY = Int(1949, 2100, quoted_ok=True)  # `"2024": 0.9` is a year too (the web editor quotes keys)
OWNERS_BODY = Obj(
    {
        "kind": req(Choice(OWNERS_BODY_KINDS), "组织形式"),
        "established": req(Date(), "成立日期"),
        "party_members": req(Int(0, 1000), "党员人数"),
    }
)
COMPOUND = Obj(
    {
        "name": req(Text(100), "小区名称"),
        "community": req(Ref("community"), "所属社区"),
        "grid": opt(Id(), "所属网格"),
        "type": req(Choice(COMPOUND_TYPES), "小区类型"),
        "company": opt(Ref("company"), "物业服务企业"),
        "households": req(Int(0, 1_000_000), "户数"),
        "buildings": opt(Int(0, 10_000), "楼栋数"),
        "built_year": opt(YEAR, "建成年份"),
        "resettlement": opt(Bool(), "安置小区"),
        "owners_body": opt(OWNERS_BODY, "业主组织"),
        "fee_collection": opt(MapOf(YEAR_KEY, Rate()), "物业费收缴率"),
        "complaints": opt(MapOf(YEAR_KEY, Int(0, 10_000_000)), "投诉量"),
        "demonstration": opt(ListOf(YEAR, unique=True), "示范小区年份"),
    }
)

COMPANY = Obj(
    {
        "name": req(Text(200), "企业名称"),
        "credit_code": req(Text(18), "统一社会信用代码"),
        "state_owned": req(Bool(), "是否国有企业"),
        "party_organization": req(Bool(), "是否建立党组织"),
        "phone": opt(Text(50), "电话"),
        "address": opt(Text(300), "地址"),
    }
)


def evaluation_table(part_keys: list[str], part_max: dict[str, Decimal]) -> Obj:
    row: dict[str, Field] = {"company": req(Ref("company"), "企业")}
    for key in part_keys:
        row[key] = req(Num(0, part_max[key], 2), "得分")
    row["note"] = opt(Text(500), "备注")
    return Obj(
        {
            "period": req(Pattern(r"^\d{4}-H[12]$", "考评期（如 2025-H1）"), "考评期"),
            "published": req(Date(), "发布日期"),
            "scores": req(ListOf(Obj(row), min_items=1), "得分表"),
        }
    )


UPDATE = Obj(
    {
        "date": req(Date(), "日期"),
        "status": opt(Choice(PROJECT_STATUSES), "状态"),
        "text": req(Text(2000), "进展"),
    }
)
PROJECT = Obj(
    {
        "title": req(Text(200), "项目名称"),
        "category": req(Choice(PROJECT_CATEGORIES), "类别"),
        "status": req(Choice(PROJECT_STATUSES), "状态"),
        "compounds": opt(ListOf(Ref("compound"), unique=True), "涉及小区"),
        "communities": opt(ListOf(Ref("community"), unique=True), "涉及社区"),
        "budget": opt(Num(0, 100_000_000_000, 2), "预算（元）"),
        "funding": opt(Text(300), "资金来源"),
        "start": opt(Date(), "开工日期"),
        "finish": opt(Date(), "完工日期"),
        "unit": opt(Text(200), "责任单位"),
        "company": opt(Ref("company"), "实施企业"),
        "updates": opt(ListOf(UPDATE), "进展"),
    }
)

ATTACHMENT = Obj({"title": req(Text(200), "附件名称"), "file": req(Text(300), "附件文件")})
NOTICE = Obj(
    {
        "title": req(Text(200), "标题"),
        "date": req(Date(), "发布日期"),
        "category": req(Choice(NOTICE_CATEGORIES), "类别"),
        "district": opt(Ref("district"), "范围：区（市）"),
        "streets": opt(ListOf(Ref("street"), unique=True), "范围：街道"),
        "communities": opt(ListOf(Ref("community"), unique=True), "范围：社区"),
        "compounds": opt(ListOf(Ref("compound"), unique=True), "范围：小区"),
        "until": opt(Date(), "公示截止日期"),
        "draft": opt(Bool(), "草稿"),
        "attachments": opt(ListOf(ATTACHMENT), "附件"),
    }
)

KIND_TABLES = {
    "site": SITE,
    "areas": AREAS,
    "community": COMMUNITY,
    "compound": COMPOUND,
    "company": COMPANY,
    "project": PROJECT,
    "notice": NOTICE,
}


def check(src: Source, table: Obj, problems: Problems) -> tuple[dict | None, list[tuple[str, str, Loc, str | None]]]:
    """Check a file's data against `table`; (cleaned fields or None, references found)."""
    ctx = Checked(src, problems)
    if src.data is None:
        if src.ok:
            problems.error(src.loc(), "文件是空的")
        return None, []
    result = table.check(src.data, (), ctx)
    return (None if result is MISSING else result), ctx.refs
