"""The filing identifiers of `site.yaml`'s `filing`: their official forms and the usual slips.

A site hosted in mainland China shows up to three identifiers in its footer; each rule below takes
the value as read from YAML, the path of the value and the file's `schema.Checked`, reports every
problem there (with the exact text to write when it can be worked out) and returns the identifier,
or None after reporting. Nothing is silently rewritten (see `schema`): a value that differs from
its official form in any way is answered with that form.

The forms, and where they come from:

- ICP 备案号 (MIIT's record number, beian.miit.gov.cn): `<省简称>ICP备<digits>号`, optionally
  `-<n>` for the n-th site of the same holder (鲁ICP备2024012345号-1). A holder of an ICP licence
  (增值电信业务经营许可证) shows `<省简称>ICP证<digits>号` instead (京ICP证030173号), also accepted.
  The digits are 8 (two-digit year + 6) on older records, 10 (four-digit year + 6) on newer ones
  and 6 on licences; 6 to 10 are accepted so an old number of an unusual length is not refused.
  Besides the usual abbreviations, the records of 四川, 贵州, 云南 and 甘肃 are often written with
  the other abbreviation (蜀ICP备, 黔ICP备, 滇ICP备, 陇ICP备: seen on published footers); both
  are accepted.
- 公安机关备案号 (the Ministry of Public Security's record, beian.mps.gov.cn):
  `<省简称>公网安备<14 digits>号`, whose first 6 digits are the administrative division code
  (GB/T 2260) of the public security bureau that filed it (京公网安备11000002000001号); so its
  first two digits are a province code, and the one of the abbreviation in front.
- 网站标识码 (government sites only; issued through the 全国政府网站信息报送系统 and required in
  the footer by 《政府网站发展指引》, 国办发〔2017〕47号): 10 characters. Sites of local
  governments have 10 digits, the first 6 the administrative division code (1303000020,
  4300000077); sites of State Council departments have `bm` and 8 digits (www.gov.cn shows
  bm01000001). Rule chosen: 10 digits whose first two are a province code, or `bm` and 8 digits.
  The 指引 names the code but publishes no format; this is the form every published footer we found
  uses (searched 2026: gov.cn and ministry, provincial and city footers).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Protocol

from .sources import Source, control_problem, shown


class Checked(Protocol):
    """What a rule reports to: `schema.Checked` (named here, not imported: schema imports this)."""

    src: Source

    def error(self, path: tuple, message: str, key: bool = False, hint: str | None = None) -> None: ...


# GB/T 2260 province codes by the abbreviation used in filing numbers (several have two).
PROVINCE_CODES = {
    "京": "11",
    "津": "12",
    "冀": "13",
    "晋": "14",
    "蒙": "15",
    "辽": "21",
    "吉": "22",
    "黑": "23",
    "沪": "31",
    "苏": "32",
    "浙": "33",
    "皖": "34",
    "闽": "35",
    "赣": "36",
    "鲁": "37",
    "豫": "41",
    "鄂": "42",
    "湘": "43",
    "粤": "44",
    "桂": "45",
    "琼": "46",
    "渝": "50",
    "川": "51",
    "蜀": "51",
    "贵": "52",
    "黔": "52",
    "云": "53",
    "滇": "53",
    "藏": "54",
    "陕": "61",
    "秦": "61",
    "甘": "62",
    "陇": "62",
    "青": "63",
    "宁": "64",
    "新": "65",
}
# The province a code stands for, and its full name as people write it in front of a number.
PROVINCE_NAMES = {
    "北京": "京",
    "天津": "津",
    "河北": "冀",
    "山西": "晋",
    "内蒙古": "蒙",
    "辽宁": "辽",
    "吉林": "吉",
    "黑龙江": "黑",
    "上海": "沪",
    "江苏": "苏",
    "浙江": "浙",
    "安徽": "皖",
    "福建": "闽",
    "江西": "赣",
    "山东": "鲁",
    "河南": "豫",
    "湖北": "鄂",
    "湖南": "湘",
    "广东": "粤",
    "广西": "桂",
    "海南": "琼",
    "重庆": "渝",
    "四川": "川",
    "贵州": "贵",
    "云南": "云",
    "西藏": "藏",
    "陕西": "陕",
    "甘肃": "甘",
    "青海": "青",
    "宁夏": "宁",
    "新疆": "新",
}
CODE_PROVINCES = {PROVINCE_CODES[abbr]: (name, abbr) for name, abbr in PROVINCE_NAMES.items()}

ICP_EXAMPLE = "鲁ICP备2024012345号-1"
POLICE_EXAMPLE = "鲁公网安备37070212345678号"
SITE_CODE_EXAMPLE = "3707001234"
ICP_FORM = "ICP 备案号的写法是“省份简称 + ICP备 + 数字 + 号”，如 " + ICP_EXAMPLE
POLICE_FORM = "公安机关备案号的写法是“省份简称 + 公网安备 + 14 位数字 + 号”，如 " + POLICE_EXAMPLE
SITE_CODE_FORM = "网站标识码是 10 位数字（如 " + SITE_CODE_EXAMPLE + "），国务院部门网站是 bm 加 8 位数字"
COPY_HINT = "照备案系统或主管部门给的编号原样抄写"

ICP_RE = re.compile(r"^(?P<prov>\w)ICP(?P<kind>[备证])(?P<num>\d+)号(?:-(?P<sub>\d{1,3}))?$")
POLICE_RE = re.compile(r"^(?P<prov>\w)公网安备(?P<num>\d+)号$")
SITE_CODE_RE = re.compile(r"^(?:\d{10}|bm\d{8})$")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−－﹣", "-"))
_LABEL = re.compile(r"^[^:：\d]{1,12}[:：]")  # 备案号：…, ICP证：…, 网站标识码：…


def _tidy(text: str, prefix: str = "") -> tuple[str, list[str]]:
    """`text` with what sets it apart from the official form only by typing undone, and the
    reasons: a label in front (`备案号：`), full-width characters, spaces, lowercase `icp`, a full
    province name for its abbreviation (山东ICP备…), and for a record number (`prefix` given) a
    号 left out or put after `-1`."""
    reasons = []
    label = _LABEL.match(text)
    if label and text[label.end() :].strip():
        text = text[label.end() :]
        reasons.append(f"只写编号本身，不写前面的“{label.group().strip()}”")
    fixed = unicodedata.normalize("NFKC", text).translate(_DASHES)
    if fixed != text:  # full-width digits, letters, colons or spaces, or a dash for a hyphen
        reasons.append("请用英文输入法输入数字、字母和连字符")
    if len(fixed.split()) > 1:
        reasons.append("编号中间不留空格")
    fixed = "".join(fixed.split())
    if prefix == "ICP" and "ICP" not in fixed and "ICP" in fixed.upper():
        fixed = re.sub("icp", "ICP", fixed, flags=re.I)
        reasons.append("ICP 要大写")
    if not prefix:
        return fixed, reasons
    for name, abbr in PROVINCE_NAMES.items():
        written = next((w for w in (name + "省", name + "市", name) if fixed.startswith(w + prefix)), None)
        if written:
            fixed = abbr + fixed[len(written) :]
            reasons.append(f"省份写简称“{abbr}”")
            break
    late = re.match(r"^(\D+\d+)-(\d{1,3})号$", fixed)  # 滇ICP备09010050-5号
    if late:
        fixed = f"{late.group(1)}号-{late.group(2)}"
        reasons.append("“号”写在数字后面、“-1”这样的序号前面")
    bare = re.match(r"^(\D+\d+)(-\d{1,3})?$", fixed)
    if bare:
        fixed = bare.group(1) + "号" + (bare.group(2) or "")
        reasons.append("数字后面要写“号”")
    return fixed, reasons


def _text(value: Any, path: tuple, ctx: Checked, what: str, example: str) -> str | None:
    """`value` as text to check, or None after saying why it is none."""
    if isinstance(value, bool) or not isinstance(value, str):
        ctx.error(path, f"应为{what}，如 {example}", hint=COPY_HINT)
        return None
    text = value.strip()
    control = control_problem(text)
    if control is not None:
        ctx.error(path, control[1])
        return None
    if not text:
        ctx.error(path, "不能为空")
        return None
    return text


def _fixed(value: str, fixed: str, reasons: list[str], path: tuple, ctx: Checked, quoted: bool = False) -> str | None:
    """The identifier when it was typed exactly, else None after giving the form to write (in
    quotes when it must be quoted in the file)."""
    if fixed == value:
        return value
    written = f'"{fixed}"' if quoted else fixed
    ctx.error(path, f"“{shown(value)}”请写作 {written}", hint="；".join(reasons) or None)
    return None


def _no_province(text: str, fixed: str, prefix: str, path: tuple, ctx: Checked, form: str) -> None:
    """Report a record number that does not start with a province's abbreviation."""
    if fixed.startswith(prefix):
        ctx.error(path, f"“{shown(text)}”缺少开头的省份简称", hint=form)
    else:
        ctx.error(path, f"“{shown(text)}”开头的“{fixed[:1]}”不是省份简称", hint=form)


def icp_number(value: Any, path: tuple, ctx: Checked) -> str | None:
    """An ICP 备案号 (or ICP licence number), or None after reporting what is wrong with it."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _text(value, path, ctx, "ICP 备案号", ICP_EXAMPLE)
    if text is None:
        return None
    fixed, reasons = _tidy(text, "ICP")
    if re.fullmatch(r"[\d号-]+", fixed):
        ctx.error(path, f"“{shown(text)}”缺少开头的省份简称和“ICP备”", hint=ICP_FORM + "；" + COPY_HINT)
        return None
    m = ICP_RE.match(fixed)
    if m and m.group("prov") in PROVINCE_CODES and 6 <= len(m.group("num")) <= 10:
        return _fixed(text, fixed, reasons, path, ctx)
    if "公网安备" in fixed:
        ctx.error(path, f"“{shown(text)}”是公安机关备案号，请写在 police 下", hint=ICP_FORM)
    elif "ICP" not in fixed:
        ctx.error(path, f"“{shown(text)}”不是 ICP 备案号", hint=ICP_FORM)
    elif fixed[:1] not in PROVINCE_CODES:
        _no_province(text, fixed, "ICP", path, ctx, ICP_FORM)
    elif not m:
        ctx.error(
            path,
            f"“{shown(text)}”不是有效的 ICP 备案号：“ICP”后面是“备”（备案号）或“证”（许可证号），再接数字和“号”",
            hint=ICP_FORM,
        )
    else:
        ctx.error(
            path,
            f"ICP 备案号中的数字应为 6 到 10 位（常见 8 位或 10 位），实际为 {len(m.group('num'))} 位，请核对是否漏抄或多抄",
            hint=COPY_HINT,
        )
    return None


def police_number(value: Any, path: tuple, ctx: Checked) -> str | None:
    """A 公安机关备案号, or None after reporting what is wrong with it."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # the digits alone, typed without quotes: answered below with the whole number
    text = _text(value, path, ctx, "公安机关备案号", POLICE_EXAMPLE)
    if text is None:
        return None
    fixed, reasons = _tidy(text, "公网安备")
    digits = fixed.removesuffix("号")
    if digits.isascii() and digits.isdigit() and len(digits) == 14 and digits[:2] in CODE_PROVINCES:
        name, abbr = CODE_PROVINCES[digits[:2]]
        ctx.error(
            path,
            f"“{shown(text)}”请写作 {abbr}公网安备{digits}号",
            hint=f"备案号包括开头的省份简称（{name}是“{abbr}”）、“公网安备”和结尾的“号”",
        )
        return None
    m = POLICE_RE.match(fixed)
    if m is None:
        if fixed.startswith("公网安备"):
            _no_province(text, fixed, "公网安备", path, ctx, POLICE_FORM)
        elif "ICP" in fixed.upper():
            ctx.error(path, f"“{shown(text)}”是 ICP 备案号，请写在 icp 下", hint=POLICE_FORM)
        else:
            ctx.error(path, f"“{shown(text)}”不是有效的公安机关备案号", hint=POLICE_FORM)
        return None
    prov, digits = m.group("prov"), m.group("num")
    if prov not in PROVINCE_CODES:
        _no_province(text, fixed, "公网安备", path, ctx, POLICE_FORM)
    elif len(digits) != 14:
        ctx.error(
            path, f"公安机关备案号中的数字应为 14 位，实际为 {len(digits)} 位，请核对是否漏抄或多抄", hint=COPY_HINT
        )
    elif digits[:2] not in CODE_PROVINCES:
        ctx.error(
            path,
            f"公安机关备案号的前 6 位数字是行政区划代码，“{digits[:6]}”不是：前两位“{digits[:2]}”不是省份代码",
            hint=COPY_HINT,
        )
    elif PROVINCE_CODES[prov] != digits[:2]:
        name, abbr = CODE_PROVINCES[digits[:2]]
        ctx.error(
            path,
            f"公安机关备案号开头是“{prov}”，数字却以 {digits[:2]}（{name}的代码）开头，两者应一致",
            hint=f"核对省份简称和数字：{digits[:2]} 开头的备案号以“{abbr}”开头",
        )
    else:
        return _fixed(text, fixed, reasons, path, ctx)
    return None


def site_code(value: Any, path: tuple, ctx: Checked) -> str | None:
    """A 网站标识码, or None after reporting what is wrong with it. A code typed without quotes
    is read by YAML as a number, which loses a leading zero (and reads `0370…` as octal): it is
    checked as it was typed and answered with the quoted form, never taken as a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        typed = typed_text(path, ctx) or str(value)
        quote = "不加引号时它被当成数字读取，开头的 0 会丢掉，以 0 开头的还会被换算成另一个数；编号一律加引号"
        if _site_code_problem(typed, path, ctx, quote):
            return None
        ctx.error(path, f'网站标识码要加引号：site_code: "{typed}"', hint=quote)
        return None
    text = _text(value, path, ctx, "网站标识码", f'"{SITE_CODE_EXAMPLE}"')
    if text is None:
        return None
    fixed, reasons = _tidy(text)
    if fixed[:2].lower() == "bm" and fixed[:2] != "bm":
        fixed = "bm" + fixed[2:]
        reasons.append("bm 用小写")
    if _site_code_problem(fixed, path, ctx):
        return None
    return _fixed(text, fixed, reasons, path, ctx, quoted=True)


def _site_code_problem(code: str, path: tuple, ctx: Checked, unquoted: str = "") -> bool:
    """Report what keeps `code` from being a site code (adding `unquoted`, why to quote it, for
    one typed without quotes); False when it is one."""
    also = f"；另外，{unquoted}" if unquoted else ""
    if SITE_CODE_RE.match(code):
        if code.isdigit() and code[:2] not in CODE_PROVINCES:
            ctx.error(
                path,
                f"网站标识码的前 6 位是行政区划代码，“{code[:6]}”不是：前两位“{code[:2]}”不是省份代码",
                hint=COPY_HINT + also,
            )
            return True
        return False
    body = code[2:] if code.startswith("bm") else code
    if body.isascii() and body.isdigit():
        ctx.error(
            path, f"网站标识码应为 10 位，实际为 {len(code)} 位，请核对是否漏抄或多抄", hint=SITE_CODE_FORM + also
        )
    else:
        ctx.error(path, f"“{shown(code)}”不是有效的网站标识码", hint=SITE_CODE_FORM + also)
    return True


def typed_text(path: tuple, ctx: Checked) -> str | None:
    """The text of the scalar at `path` as it stands in the file (None once the file's text is
    no longer kept: `Source.slim`)."""
    for span in ctx.src.scalars:
        if span.path == path and not span.is_key:
            return ctx.src.text[span.start : span.end]
    return None
