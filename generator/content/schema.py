"""The content model as data: one field table per record kind, and the small checkers they use.

`check(source, table)` walks a file's data against a table and returns the cleaned values
(Decimals, dates, tuples), reporting every problem at the line of the offending key or value:
missing and unknown fields (with "did you mean"), wrong types, out-of-range numbers, bad choices.
References are not resolved here; each `Ref` records (kind, id, location) in `Checked.refs`, and
`validate` resolves them all once every record is known (a Chinese name typed where an id belongs
is recorded as written: `validate` names the id it matches, see `name_matches`).

Values written the way people write them are never silently rewritten: a date typed 2026年1月30日,
a number with a unit (2027户, 3.5万元), full-width digits, a thousands separator, 是/否 for a
boolean, a Chinese label for a choice (党建助管) are each answered with the exact text to write
(`written_date`, `written_number`, `Choice` labels). Files stay in one spelling, which the web
editor's widgets and every other reader of the YAML rely on. docs/editor-guide.md lists the
decision per field.

The tables below are the single statement of which fields exist; docs/content-model.md describes
them for editors and tests/test_content_model_docs.py keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..domain.models import (
    COMPOUND_TYPE_MODES,
    COMPOUND_TYPES,
    NOTICE_CATEGORIES,
    OWNERS_BODY_KINDS,
    PROJECT_CATEGORIES,
    PROJECT_STATUSES,
)
from . import filing
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

# What `bulletin new` writes into a new notice's or project's body for the editor to replace;
# `validate` reports a body that still holds one (tools.scaffold writes them from here).
NOTICE_BODY_PLACEHOLDER = "在这里写正文。可以用 Markdown：空一行另起一段，“## 小标题”，“- 列表项”。"
PROJECT_BODY_PLACEHOLDER = "在这里写项目简介（Markdown）：建设内容、规模、工期、联系方式等。"
BODY_PLACEHOLDERS = (NOTICE_BODY_PLACEHOLDER, PROJECT_BODY_PLACEHOLDER)


# --- values as people write them ---------------------------------------------------------------

WRITTEN_MAX = 40  # longer text is not a date, number or name typed by hand: no reading is tried
CJK_RE = re.compile(r"[\u3400-\u9fff]")
# What a name ends with that people leave out (新河 for 新河社区, 博雅物业 for 潍坊博雅物业服务有限公司).
NAME_SUFFIXES = tuple(
    sorted(
        (
            "物业服务有限责任公司",
            "物业服务有限公司",
            "物业管理有限公司",
            "集团有限公司",
            "有限责任公司",
            "有限公司",
            "物业服务",
            "物业管理",
            "物业",
            "公司",
            "社区居委会",
            "居委会",
            "社区",
            "小区",
            "街道办事处",
            "办事处",
            "街道",
            "区",
            "市",
        ),
        key=len,
        reverse=True,
    )
)
MAX_LISTED = 10  # candidates listed in one hint


def plain(text: str) -> str:
    """`text` as compared with a name: full-width letters and digits made half-width, no spaces."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()).lower()


def stem(text: str) -> str:
    """`text` without the suffix people leave out of a name (新河 for 新河社区)."""
    for suffix in NAME_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def name_matches(text: str, names: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The ids in `names` (id → the words it goes by: its name, labels) that `text` names, best
    reading first: the whole word, the word without its suffix (新河 for 新河社区), or a part of
    a word two characters or longer (博雅 for 潍坊博雅物业服务有限公司). Several ids when several
    fit equally: the caller lists them and never picks one. Run only for a value already known
    to be wrong, so its cost is no one's hot path."""
    whole, part = name_tiers(text, names)
    return whole or part


def name_tiers(text: str, names: Mapping[str, tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """(the ids `text` names whole — the word, or the word without its suffix —, the other ids
    it names a part of), each sorted: what `name_matches` chooses from, for a caller that lists
    every reading (`bulletin ids`)."""
    wanted = plain(text)
    if not wanted or len(wanted) > WRITTEN_MAX:
        return [], []
    words = {i: [plain(w) for w in ws] for i, ws in names.items()}
    whole: list[str] = []
    for same in (lambda w: w == wanted, lambda w: stem(w) == stem(wanted)):
        whole = sorted(i for i, ws in words.items() if any(same(w) for w in ws))
        if whole:
            break
    core = stem(wanted)
    if len(core) < 2:
        return whole, []
    part = sorted(
        i
        for i, ws in words.items()
        if i not in whole and any(core in w or (len(stem(w)) >= 2 and stem(w) in wanted) for w in ws)
    )
    return whole, part


def close_word(text: str, names: Mapping[str, tuple[str, ...]]) -> str | None:
    """The one id whose id or word is closest to `text` (a typo: yff for yf, 新和社区 for
    新河社区), or None when nothing is close."""
    wanted = plain(text)
    if not wanted or len(wanted) > WRITTEN_MAX:
        return None
    pool: dict[str, str] = {}
    for i, ws in sorted(names.items()):
        for w in (i, *ws):
            pool.setdefault(plain(w), i)
    close = difflib.get_close_matches(wanted, sorted(pool), n=1, cutoff=0.5)
    return pool[close[0]] if close else None


def named(record_id: str, name: str | None) -> str:
    """An id as shown to editors: with its name, `xinhe（新河社区）`."""
    return f"{record_id}（{name}）" if name and name != record_id else record_id


def called(record_id: str, name: str | None) -> str:
    """A record as a message names it: by its name, its id after (`新河社区（xinhe）`)."""
    return f"{name}（{record_id}）" if name and name != record_id else f"“{record_id}”"


def candidates_hint(ids: list[str], names: Mapping[str, tuple[str, ...]]) -> str | None:
    """`是不是 xinhe（新河社区）？` for one id, `可能是：a（甲）、b（乙）` for several, None for none."""
    shown_ids = [named(i, (names.get(i) or ("",))[0]) for i in ids[:MAX_LISTED]]
    if not shown_ids:
        return None
    if len(ids) == 1:
        return f"是不是 {shown_ids[0]}？"
    more = f" 等 {len(ids)} 个" if len(ids) > MAX_LISTED else ""
    return "可能是：" + "、".join(shown_ids) + more


def reference_hint(text: str, names: Mapping[str, tuple[str, ...]]) -> str | None:
    """The hint for a value that names no record: the records whose name it matches (see
    `name_matches`), else the one closest id or name, each shown with its name."""
    found = name_matches(text, names)
    if not found:
        close = close_word(text, names)
        found = [close] if close else []
    return candidates_hint(found, names)


def number_text(number: Decimal) -> str:
    """A number as it should be written: no exponent, no trailing zeros after the point."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


_WRITTEN_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$")
_SCALES = {"万": Decimal(10_000), "亿": Decimal(100_000_000)}
# Units people add after a number; after NFKC ㎡ and m² read m2.
_UNITS = tuple(
    sorted(
        (
            "平方米",
            "平米",
            "m2",
            "元",
            "户",
            "栋",
            "幢",
            "座",
            "个",
            "人",
            "名",
            "位",
            "件",
            "次",
            "起",
            "分",
            "年",
            "家",
            "项",
            "处",
        ),
        key=len,
        reverse=True,
    )
)


_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_numeral(text: str) -> int | None:
    """A whole number written in Chinese numerals (三十二, 两千零二十七, 一万二千, 二〇一一), or None."""
    if not text or text[0] == "万" or any(ch not in _CN_DIGITS and ch not in _CN_UNITS and ch != "万" for ch in text):
        return None
    if len(text) > 1 and all(ch in _CN_DIGITS for ch in text):  # read digit by digit: 二〇一一
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:  # 万
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
    return total + section + (digit or 0)


def written_number(value: str, unit: str = "") -> tuple[Decimal, str] | None:
    """A number written the way people write it (２０２７, 2027户, 2,027, 3.5万元, 三十二) → (the number,
    what to change), or None when `value` is not one. `unit` is the field's unit (元 for a budget),
    named in the explanation."""
    if len(value) > WRITTEN_MAX:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    changes = []
    if any("\uff01" <= ch <= "\uff5e" or ch == "\u3000" for ch in value):  # full-width forms
        changes.append("请用英文输入法输入数字和符号")
    text = "".join(text.split())
    written_unit = next((u for u in _UNITS if text.endswith(u) and len(text) > len(u)), "")
    text = text[: len(text) - len(written_unit)]
    scale = _SCALES.get(text[-1:]) if len(text) > 1 else None
    if scale is not None:
        text = text[:-1]
    m = _WRITTEN_NUMBER.match(text)
    if m:
        number = Decimal(m.group(1) + m.group(2).replace(",", "") + (m.group(3) or "")) * (scale or 1)
        if "," in m.group(2):
            changes.append("不用千位分隔符")
    else:
        whole = chinese_numeral(text)
        if whole is None:
            return None
        number = Decimal(whole) * (scale or 1)
        changes.append("请用阿拉伯数字")
    if scale is not None:
        changes.append(f"{value.strip()} = {number_text(number)}{unit or written_unit}")
    if written_unit or scale is not None:
        changes.append(f"这里的单位是{unit}，只写数字" if unit else "只写数字，不写单位")
    if not changes:
        changes.append("不加引号")
    return number, "；".join(changes)


_WRITTEN_DATE = re.compile(r"^(\d{4})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})\s*日?$")


def written_date(value: str) -> tuple[str, str | None] | None:
    """A date written the way people write it (2026年1月30日, 2026/1/30, 2026.1.30, 2026-1-30,
    full-width digits) → (the exact YYYY-MM-DD to write, None) or, for a day that does not exist
    (2026年2月30日), (what is wrong, the reason); None when `value` is not a date at all."""
    if len(value) > WRITTEN_MAX:
        return None
    m = _WRITTEN_DATE.match(unicodedata.normalize("NFKC", value).strip())
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    try:
        return dt.date(year, month, day).isoformat(), None
    except ValueError:
        if not 1 <= month <= 12:
            return "", f"没有 {month} 月"
        return "", f"{year} 年 {month} 月没有 {day} 日"


# 是/否 and their kin, for a boolean (true / false).
BOOLEAN_WORDS = {
    **dict.fromkeys(("是", "有", "对", "真", "是的", "true", "yes", "on"), True),
    **dict.fromkeys(("否", "无", "没有", "不是", "错", "假", "非", "false", "no", "off"), False),
}


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
    """An id of another record of `kind`; resolved later by validate. Text that is no id (a
    Chinese name, 新河社区) is recorded as written: validate says which id it names, or that it
    is no id at all."""

    def __init__(self, kind: str):
        self.kind = kind

    def check(self, value, path, ctx):
        if isinstance(value, (int,)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip() and not ID_RE.match(value) and len(value) <= WRITTEN_MAX:
            ctx.refs.append((self.kind, value, ctx.src.loc(path), _field_name(path)))
            return MISSING
        result = super().check(value, path, ctx)
        if result is not MISSING:
            ctx.refs.append((self.kind, result, ctx.src.loc(path), _field_name(path)))
        return result


class LocalRef(Id):
    """An id of a record inside another (a grid of the compound's community), resolved by
    validate. Text that is no id (a grid's name) is kept as written for validate to name."""

    def check(self, value, path, ctx):
        if isinstance(value, str) and CJK_RE.search(value) and len(value) <= WRITTEN_MAX:
            return value
        return super().check(value, path, ctx)


def _as_written(spec: Spec, value: str, path: tuple, ctx: Checked, unit: str = "", integer: bool = False) -> object:
    """Report a number typed as people type it (2027户, ２０２７, 3.5万元) with the exact number
    to write; the usual "should be a number" otherwise. Always MISSING: nothing is accepted."""
    found = written_number(value, unit)
    if found is None or (integer and found[0] != found[0].to_integral_value()):
        return spec.bad(value, path, ctx)
    ctx.error(path, f"“{shown(value)}”请写作 {number_text(found[0])}", hint=found[1])
    return MISSING


class Int(Spec):
    what = "整数"

    def __init__(self, min: int | None = 0, max: int | None = None, quoted_ok: bool = False, unit: str = ""):
        self.min, self.max, self.quoted_ok, self.unit = min, max, quoted_ok, unit

    def check(self, value, path, ctx):
        if self.quoted_ok and isinstance(value, str) and value.isascii() and value.isdigit():
            value = int(value)
        if isinstance(value, str):
            return _as_written(self, value, path, ctx, self.unit, integer=True)
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

    def __init__(
        self, min: Decimal | int | None = 0, max: Decimal | int | None = None, places: int | None = None, unit: str = ""
    ):
        self.min = None if min is None else Decimal(min)
        self.max = None if max is None else Decimal(max)
        self.places = places
        self.unit = unit

    def check(self, value, path, ctx):
        if isinstance(value, str):
            return _as_written(self, value, path, ctx, self.unit)
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


class Score(Num):
    """A part's score in an evaluation row (0 to the part's max, two decimals). `Obj` leaves it
    as written; validate checks it with `verdict`, naming the company and the part in what it
    says (潍坊博雅物业服务有限公司（boya-wuye）的“主管部门”评分还没有填写)."""

    def __init__(self, max: Decimal | int):
        super().__init__(0, max, 2, unit="分")

    def verdict(self, value: Any) -> tuple[Decimal | None, str | None, str | None]:
        """(the score, None, None) or (None, what is wrong, a hint); a blank is not judged here."""
        heard = _Heard()
        number = super().check(value, (), heard)
        if number is MISSING:
            message, hint = heard.said[0] if heard.said else ("", None)
            return None, message, hint
        return number, None, None


class _Heard:
    """Stands in for `Checked` where a spec's verdict is wanted rather than reported."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str | None]] = []

    def error(self, path: tuple, message: str, key: bool = False, hint: str | None = None) -> None:
        self.said.append((message, hint))


def _range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"应在 {lo} 到 {hi} 之间"
    if lo is not None:
        return f"应不小于 {lo}"
    return f"应不大于 {hi}"


class Rate(Spec):
    """A proportion: a number from 0 to 1, or a percentage string such as "100%" or "95.5%".
    A number from 1 to 100 (`68`) has two readings, 68% or a typo, so it is explained, not taken."""

    what = "比例（0 到 1 之间的数，或“95%”这样的百分数）"
    PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*[%％]\s*$")

    def __init__(self, name: str = "比例"):
        self.name = name

    def check(self, value, path, ctx):
        if isinstance(value, str):
            m = self.PERCENT.match(value)
            if not m:
                found = written_number(value)
                if found is None:
                    return self.bad(value, path, ctx)
                return self._number(found[0], value, path, ctx)
            number = Decimal(m.group(1)) / 100
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            number = Decimal(value)
            if not number.is_finite():
                return self.bad(value, path, ctx)
            if 1 < number <= 100:
                return self._number(number, value, path, ctx)
        else:
            return self.bad(value, path, ctx)
        if not (0 <= number <= 1):
            ctx.error(path, f"{shown(str(value))} 超出范围（比例应在 0 到 1 之间，或 0% 到 100%）")
            return MISSING
        return number

    def _number(self, number: Decimal, value, path, ctx) -> object:
        """A rate typed as a bare number (quoted, or 1 to 100): the exact text to write."""
        if 1 < number <= 100:
            text = number_text(number)
            ctx.error(
                path, f"{shown(str(value))} 是百分数吗？{self.name}请写 {number_text(number / 100)}（或 {text}%）"
            )
        elif 0 <= number <= 1:
            ctx.error(path, f"“{shown(str(value))}”请写作 {number_text(number)}", hint="不加引号")
        else:
            ctx.error(path, f"{shown(str(value))} 超出范围（比例应在 0 到 1 之间，或 0% 到 100%）")
        return MISSING


class Bool(Spec):
    what = "是或否（true / false）"

    def check(self, value, path, ctx):
        if isinstance(value, str) and plain(value) in BOOLEAN_WORDS:
            word = "true" if BOOLEAN_WORDS[plain(value)] else "false"
            ctx.error(path, f"“{shown(value)}”请写作 {word}", hint="是或否只能写 true（是）或 false（否）")
            return MISSING
        if not isinstance(value, bool):
            ctx.error(path, f"应为{self.what}，实际是{_describe(value)}", hint="请写 true（是）或 false（否）")
            return MISSING
        return value


class Date(Spec):
    what = "日期（YYYY-MM-DD）"

    def check(self, value, path, ctx):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            found = written_date(value)
            if found is not None:
                iso, wrong = found
                if wrong:
                    ctx.error(path, f"“{shown(value)}”不是有效的日期：{wrong}")
                else:
                    hint = "不加引号" if iso == value.strip() else "日期写成 年-月-日，月和日不足两位时前面补 0"
                    ctx.error(path, f"“{shown(value)}”请写作 {iso}", hint=hint)
                return MISSING
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


class CommitId(Pattern):
    """A git commit's id or its first 7–40 characters (site.yaml's `history_import`). One typed
    without quotes that YAML reads as a number (all digits, or digits around one `e`) is taken as
    it stands in the file: the editor wrote the id right."""

    def __init__(self) -> None:
        super().__init__(r"[0-9a-f]{7,40}\Z", "提交编号（git 提交的前 7 到 40 位，0-9 和 a-f）")

    def check(self, value, path, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            typed = filing.typed_text(path, ctx)
            if typed is not None and self.regex.match(typed.strip().lower()):
                return typed.strip().lower()
        if isinstance(value, str):
            value = value.strip().lower()
        return super().check(value, path, ctx)


class Filed(Spec):
    """A filing identifier (ICP 备案号, 公安机关备案号, 网站标识码): `rule` is its checker in
    `filing`, which reports every problem itself and gives None after one."""

    def __init__(self, rule):
        self.rule = rule

    def check(self, value, path, ctx):
        found = self.rule(value, path, ctx)
        return MISSING if found is None else found


class Choice(Spec):
    """One of `choices`. `labels` (choice → the words people use for it, its label first) let
    a Chinese label typed for an id (党建助管) be answered with the id to write (enterprise);
    when a word fits several choices, all of them are listed."""

    def __init__(self, choices, labels: Mapping[str, tuple[str, ...]] | None = None):
        self.choices = tuple(choices)
        self.labels = labels or {}
        self.what = "以下之一：" + "、".join(self.choices)

    def label(self, choice: str) -> str:
        """What an id choice means (enterprise → 物业服务企业管理型，党建助管); "" for a choice that
        is a word already (业委会)."""
        return self.labels[choice][0] if choice.isascii() and self.labels.get(choice) else ""

    def _shown(self, choice: str) -> str:
        return named(choice, self.label(choice))

    def check(self, value, path, ctx):
        if isinstance(value, str) and value in self.choices:
            return value
        words = {c: (c, *self.labels.get(c, ())) for c in self.choices}
        fits = set(name_matches(value, words)) if isinstance(value, str) else set()
        found = [c for c in self.choices if c in fits]  # in the order the choices are listed
        if len(found) == 1:
            label = self.label(found[0])
            ctx.error(path, f"“{shown(value)}”请写作 {found[0]}" + (f"（{label}）" if label else ""))
            return MISSING
        listed = "、".join(self._shown(c) for c in self.choices)
        if found:
            hint = "可能是：" + "、".join(self._shown(c) for c in found)
        elif isinstance(value, str) and self.labels:
            close = close_word(value, words)
            hint = (
                None if close is None else f"是不是 {self._shown(close)}？" if close.isascii() else f"是不是“{close}”？"
            )
        else:
            hint = did_you_mean(str(value), self.choices) if isinstance(value, str) else None
        ctx.error(path, f"“{shown(str(value))}”不是可选值；可选：{listed}", hint=hint)
        return MISSING


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

    def meant(self, key: str) -> list[str]:
        """The fields an unknown `key` may have meant: written by its Chinese label (`名称:` for
        `name`), or the closest field name (`titel` for `title`)."""
        if CJK_RE.search(key):
            labels = {name: (f.label,) for name, f in self.table.items() if f.label}
            found = name_matches(key, labels)[:MAX_LISTED]
            if found:
                return found
        close = difflib.get_close_matches(key, sorted(self.table), n=1, cutoff=0.5)
        return close or [f for f in self.table if f.lower() == key.lower()][:1]

    def hint(self, key: str) -> str | None:
        """A "did you mean" for an unknown field (see `meant`)."""
        found = self.meant(key)
        if found and CJK_RE.search(key):
            listed = "、".join(f"{name}（{self.table[name].label}）" for name in found)
            return f"字段名要写英文：是不是 {listed}？" if len(found) == 1 else f"字段名要写英文，可能是：{listed}"
        return f"是不是“{found[0]}”？" if found else None

    def check(self, value, path, ctx):
        if not isinstance(value, dict):
            return self.bad(value, path, ctx)
        out: dict[str, Any] = {}
        meant: set[str] = set()  # required fields an unknown key was taken for: not "missing" as well
        for key in value:
            if key not in self.table:
                hint = None if ctx.problems.full(ctx.src.display) else self.hint(str(key))
                ctx.error(path + (key,), f"未知字段“{shown(str(key))}”", key=True, hint=hint)
                if hint is not None:
                    found = self.meant(str(key))
                    meant.update(found if len(found) == 1 else ())
        for name, spec in self.table.items():
            raw = value.get(name, MISSING)
            if isinstance(spec.spec, Score):
                if raw is not MISSING:
                    out[name] = raw  # checked by validate, which knows whose score it is
                continue
            if raw is MISSING or raw is None:
                if spec.required and not (raw is MISSING and name in meant):
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


class Fields(Obj):
    """An `Obj` that also answers an unknown key no field name is close to: a field of one of its
    inner tables belongs there (`icp` at the top of site.yaml goes under `filing`); else, when
    `listed`, the fields it takes are named."""

    def __init__(self, table: dict[str, Field], listed: bool = False):
        super().__init__(table)
        self.listed = listed

    def hint(self, key: str) -> str | None:
        found = super().hint(key)
        if found is not None:
            return found
        for name, f in self.table.items():
            if isinstance(f.spec, Obj) and key in f.spec.table:
                return f"“{key}”要写在 {name}: 下面，缩进两格"
        return self._listing() if self.listed else None

    def _listing(self) -> str:
        return "这里只能写：" + "、".join(f"{name}（{f.label}）" for name, f in self.table.items())

    def check(self, value, path, ctx):
        if self.listed and value is not None and not isinstance(value, dict):  # `filing: 鲁ICP备…`
            hint = f"在下面分行写出各项，缩进两格，如 {next(iter(self.table))}: …；{self._listing()}"
            ctx.error(path, f"应为{self.what}，实际是{_describe(value)}", hint=hint)
            return MISSING
        return super().check(value, path, ctx)


def req(spec: Spec, label: str = "") -> Field:
    return Field(spec, True, label)


def opt(spec: Spec, label: str = "") -> Field:
    return Field(spec, False, label)


# --- the tables ------------------------------------------------------------------------------

# The words people use for each choice, its label first (Choice.labels); a word that fits two
# choices (设施: 停车设施 or 公共设施) makes the checker list both.
COMPOUND_TYPE_WORDS = {
    key: (
        label if COMPOUND_TYPE_MODES[key] in label else f"{label}，{COMPOUND_TYPE_MODES[key]}",
        label,
        COMPOUND_TYPE_MODES[key],
        *more,
    )
    for (key, label), more in zip(
        COMPOUND_TYPES.items(), (("物业企业管理", "有物业"), ("自治", "自管"), ("无物业小区", "国企托管"))
    )
}
PROJECT_CATEGORY_WORDS = {
    key: (label, *more)
    for (key, label), more in zip(
        PROJECT_CATEGORIES.items(),
        (("旧改", "旧城改造"), ("停车场", "停车位", "停车"), ("安全防范", "监控", "门禁"), (), ("便民服务",)),
    )
}
PROJECT_STATUS_WORDS = {
    key: (label, *more)
    for (key, label), more in zip(
        PROJECT_STATUSES.items(),
        (
            ("计划", "未开工", "待实施", "拟实施"),
            ("进行中", "在建", "施工中", "建设中", "正在实施"),
            ("完成", "完工", "已完工", "竣工", "已竣工"),
            ("暂停", "停工", "暂缓"),
        ),
    )
}
OWNERS_BODY_WORDS = {"业委会": ("业主委员会",), "自治小组": ("居民自治小组", "业主自治小组", "自管小组")}
NOTICE_CATEGORY_WORDS = {"红黑榜": ("红榜", "黑榜")}

PART = Obj({"label": req(Text(40), "名称"), "max": req(Num(0, 100, 2), "满分")})
FILING = Fields(
    {
        "icp": opt(Filed(filing.icp_number), "ICP备案号"),
        "police": opt(Filed(filing.police_number), "公安机关备案号"),
        "site_code": opt(Filed(filing.site_code), "网站标识码"),
    },
    listed=True,
)

SITE = Fields(
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
        "filing": opt(FILING, "备案信息"),
        "history_import": opt(CommitId(), "导入旧记录的提交"),
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
    {
        "id": req(Id(), "网格标识"),
        "name": req(Text(100), "网格名称"),
        "members": opt(Int(0, 100000, unit="人"), "网格员人数"),
    }
)
VENUE = Obj(
    {
        "name": req(Text(200), "阵地名称"),
        "kind": req(Text(50), "类型"),
        "area_m2": opt(Num(0, 10_000_000, 2, unit="平方米"), "面积（平方米）"),
        "address": opt(Text(300), "地址"),
        "services": opt(ListOf(Text(100)), "服务项目"),
    }
)
STAT = Obj(
    {
        "period": req(Pattern(r"^\d{4}-(0[1-9]|1[0-2])$", "年月（YYYY-MM，如 2025-06）"), "统计期"),
        "issues_received": req(Int(0, 10_000_000, unit="件"), "受理问题数"),
        "issues_closed_same_day": req(Int(0, 10_000_000, unit="件"), "当日办结数"),
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

YEAR = Int(1949, 2100, unit="年")
YEAR_KEY = Int(1949, 2100, quoted_ok=True)  # `"2024": 0.9` is a year too (the web editor quotes keys)
OWNERS_BODY = Obj(
    {
        "kind": req(Choice(OWNERS_BODY_KINDS, OWNERS_BODY_WORDS), "组织形式"),
        "established": req(Date(), "成立日期"),
        "party_members": req(Int(0, 1000, unit="人"), "党员人数"),
    }
)
COMPOUND = Obj(
    {
        "name": req(Text(100), "小区名称"),
        "community": req(Ref("community"), "所属社区"),
        "grid": opt(LocalRef(), "所属网格"),
        "type": req(Choice(COMPOUND_TYPES, COMPOUND_TYPE_WORDS), "小区类型"),
        "company": opt(Ref("company"), "物业服务企业"),
        "households": req(Int(0, 1_000_000, unit="户"), "户数"),
        "buildings": opt(Int(0, 10_000, unit="栋"), "楼栋数"),
        "built_year": opt(YEAR, "建成年份"),
        "resettlement": opt(Bool(), "安置小区"),
        "owners_body": opt(OWNERS_BODY, "业主组织"),
        "fee_collection": opt(MapOf(YEAR_KEY, Rate("收缴率")), "物业费收缴率"),
        "complaints": opt(MapOf(YEAR_KEY, Int(0, 10_000_000, unit="件")), "投诉量"),
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
        row[key] = req(Score(part_max[key]), "得分")
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
        "status": opt(Choice(PROJECT_STATUSES, PROJECT_STATUS_WORDS), "状态"),
        "text": req(Text(2000), "进展"),
    }
)
PROJECT = Obj(
    {
        "title": req(Text(200), "项目名称"),
        "category": req(Choice(PROJECT_CATEGORIES, PROJECT_CATEGORY_WORDS), "类别"),
        "status": req(Choice(PROJECT_STATUSES, PROJECT_STATUS_WORDS), "状态"),
        "compounds": opt(ListOf(Ref("compound"), unique=True), "涉及小区"),
        "communities": opt(ListOf(Ref("community"), unique=True), "涉及社区"),
        "budget": opt(Num(0, 100_000_000_000, 2, unit="元"), "预算（元）"),
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
        "category": req(Choice(NOTICE_CATEGORIES, NOTICE_CATEGORY_WORDS), "类别"),
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
