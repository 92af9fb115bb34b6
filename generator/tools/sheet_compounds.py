"""A community's compounds roster as a spreadsheet: `export_compounds` writes it,
`import_compounds` edits the compound files in place.

The workbook: sheet “小区”, one row per compound of the community, its id and name locked;
households, type (a list of the Chinese labels), the company's id (a list from sheet “企业”), the
owners' body kind, and the fee collection rate and complaints of the latest two years in the
content, each column with a validation; empty rows below; sheet “说明” with the instructions and
the community (also as a defined name).

The import: a compound or a company is named by its id or its exact full name (said in a note).
A rate is a proportion (0.68) or a percentage (68%); a bare number above 1 can only be a
percentage, so 68 is taken as 68% and the outcome says so in a note. An empty cell never deletes
a value (it is a problem, with a hint to edit the file), except the company of a compound that is
居民自治型 (`type: self`); a table changes an owners' body's kind but does not create one. Only the
changed values are edited, located through the YAML parser's marks, every other byte kept (BOM
and CRLF included); a file whose layout an edit cannot follow is a `SheetError`. Every change is
listed (`小区（id） 户数：800 → 820`) and written only with `force`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from .. import pipeline
from ..content.load import load
from ..content.sources import display_path
from ..domain.models import COMPOUND_TYPES, OWNERS_BODY_KINDS
from ..output.formats import plain
from .sheet_io import (
    COMPOUND_SHEET,
    SCORE_ID,
    SCORE_NAME,
    SPARE_ROWS,
    Outcome,
    SheetError,
    Table,
    add_validation,
    as_text,
    cell_value,
    clipped,
    closest,
    column_letter,
    header,
    help_sheet,
    normalise_number,
    protect,
    resolve_id,
    title_style,
    write_checked,
)

COMPANY_SHEET = "企业"
COMPOUND_ID, COMPOUND_NAME = "小区标识", "小区名称"
HOUSEHOLDS, TYPE, COMPANY, OWNERS = "户数", "小区类型", "物业服务企业标识", "业主组织形式"
RATE, COMPLAINTS = "物业费收缴率", "投诉量"
YEAR_COLUMN = re.compile(r"^(\d{4})\s*年\s*(物业费收缴率|投诉量)")


# --- compounds: export -------------------------------------------------------------------------


@dataclass(frozen=True)
class CompoundFacts:
    name: str
    community: str
    fields: dict


def _compounds(content: Path) -> tuple[dict[str, CompoundFacts], dict[str, str], dict[str, str]]:
    """Every compound's facts (as its file says them), the communities' and the companies' names."""
    from ..content.errors import Problems

    loaded = load(content, str(content), Problems())
    compounds = {}
    for r in loaded.of("compound"):
        raw = r.src.data if isinstance(r.src.data, dict) else {}  # as written: "88%" stays text
        if r.id:
            compounds[r.id] = CompoundFacts(str(raw.get("name", r.id)), str(raw.get("community", "")), raw)
    communities = {r.id: str((r.fields or {}).get("name", r.id)) for r in loaded.of("community") if r.id}
    companies = {r.id: str((r.fields or {}).get("name", r.id)) for r in loaded.of("company") if r.id}
    return compounds, communities, companies


def _latest_years(compounds: dict[str, CompoundFacts]) -> list[int]:
    years = {
        int(year)
        for facts in compounds.values()
        for key in ("fee_collection", "complaints")
        for year in (facts.fields.get(key) or {})
        if str(year).isdigit()
    }
    latest = max(years) if years else pipeline.today_in_shanghai().year - 1
    return [latest - 1, latest]


def _compound_headers(years: list[int]) -> list[str]:
    return [COMPOUND_ID, COMPOUND_NAME, HOUSEHOLDS, TYPE, COMPANY, OWNERS] + [
        f"{year}年{what}" for year in years for what in (RATE, COMPLAINTS)
    ]


def export_compounds(content: Path, community: str, out: Path, years: list[int] | None = None) -> tuple[Path, int]:

    compounds, communities, companies = _compounds(content)
    if community not in communities:
        hint = closest(community, communities)
        raise SheetError(f"没有标识为“{community}”的社区" + (f"（{hint}）" if hint else ""))
    mine = sorted(key for key, facts in compounds.items() if facts.community == community)
    years = years or _latest_years(compounds)
    headers = _compound_headers(years)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = COMPOUND_SHEET
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col, value=text)
        title_style(cell)
        cell.alignment = openpyxl.styles.Alignment(wrap_text=True, horizontal="center")
    unlocked = openpyxl.styles.Protection(locked=False)
    last = 1 + len(mine) + SPARE_ROWS
    for row, key in enumerate(mine, start=2):
        f = compounds[key].fields
        body = f.get("owners_body") or {}
        values = [
            key,
            compounds[key].name,
            f.get("households"),
            COMPOUND_TYPES.get(f.get("type", ""), f.get("type")),
            f.get("company"),
            body.get("kind"),
        ]
        for year in years:
            values.append(_year_value(f.get("fee_collection"), year))
            values.append(_year_value(f.get("complaints"), year))
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=col, value=value)
            if col > 2:
                cell.protection = unlocked
    for row in range(2 + len(mine), last + 1):
        for col in range(3, len(headers) + 1):
            sheet.cell(row=row, column=col).protection = unlocked
    span = lambda col: f"{column_letter(col)}2:{column_letter(col)}{last}"  # noqa: E731
    add_validation(
        sheet,
        "whole",
        span(3),
        HOUSEHOLDS,
        "户数应是 0 或正整数",
        "填整数",
        operator="greaterThanOrEqual",
        formula1="0",
    )
    labels = list(COMPOUND_TYPES.values())
    add_validation(
        sheet,
        "list",
        span(4),
        TYPE,
        "请从下拉列表中选择：" + "、".join(labels),
        "从下拉列表中选择",
        formula1='"' + ",".join(labels) + '"',
    )
    company_sheet = book.create_sheet(COMPANY_SHEET)
    company_sheet.append([SCORE_ID, SCORE_NAME])
    for key in sorted(companies):
        company_sheet.append([key, companies[key]])
    company_sheet.column_dimensions["A"].width = 30
    company_sheet.column_dimensions["B"].width = 40
    protect(company_sheet)
    add_validation(
        sheet,
        "list",
        span(5),
        COMPANY,
        f"请填“{COMPANY_SHEET}”表中的企业标识；居民自治型小区不填",
        "从下拉列表中选择企业标识；居民自治型小区留空",
        formula1=f"'{COMPANY_SHEET}'!$A$2:$A${len(companies) + 1}",
    )
    add_validation(
        sheet,
        "list",
        span(6),
        OWNERS,
        "请选择：" + "、".join(OWNERS_BODY_KINDS),
        "从下拉列表中选择",
        formula1='"' + ",".join(OWNERS_BODY_KINDS) + '"',
    )
    for i, _ in enumerate(years):
        rate_col, complaints_col = 7 + 2 * i, 8 + 2 * i
        add_validation(
            sheet,
            "decimal",
            span(rate_col),
            RATE,
            "收缴率应在 0 到 1 之间（如 0.68），或写成 68%",
            "填 0.68 或 68%",
            operator="between",
            formula1="0",
            formula2="100",
        )
        add_validation(
            sheet,
            "whole",
            span(complaints_col),
            COMPLAINTS,
            "投诉量应是 0 或正整数",
            "填整数（件）",
            operator="greaterThanOrEqual",
            formula1="0",
        )
    for col in range(1, len(headers) + 1):
        sheet.column_dimensions[column_letter(col)].width = 16
    sheet.column_dimensions["B"].width = 20
    sheet.column_dimensions["D"].width = 22
    sheet.column_dimensions["E"].width = 26
    sheet.freeze_panes = "C2"
    protect(sheet)
    lines = [
        f"{communities[community]}（{community}）小区信息表",
        "怎么填：",
        f"1. 在“{COMPOUND_SHEET}”表中每个小区一行；“{COMPOUND_ID}”“{COMPOUND_NAME}”两栏已锁定，请不要改动。",
        f"2. {TYPE}从下拉列表中选：" + "、".join(labels) + "。居民自治型小区的物业服务企业标识留空。",
        f"3. {COMPANY}填“{COMPANY_SHEET}”表中的标识（也可以写企业全称）；{OWNERS}填"
        + "或".join(OWNERS_BODY_KINDS)
        + "。",
        f"4. {RATE}写 0.68 或 68%；只写 68（大于 1 的数）会按 68% 理解，导入时会说明。{COMPLAINTS}写整数（件）。",
        "5. 表格中留空的格子不会删除小区文件中已有的值；要删除，请直接修改小区文件。",
        f"6. 填好后保存为 .xlsx（或另存为 CSV，文件名须为 {community}.csv），然后运行：bulletin import {community}.xlsx",
        "   导入只改动有变化的值，小区文件中的其他内容和注释原样保留；会先列出每一处变化，核对无误后加 --force 再导入一次。",
    ]
    help_sheet(book, lines, [("kind", "表格类型", "compounds", ""), ("community", "社区标识", community, "")])
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out, len(mine)


def _year_value(mapping: Any, year: int) -> Any:
    if not isinstance(mapping, dict):
        return None
    for key, value in mapping.items():
        if str(key) == str(year):
            return value
    return None


# --- compounds: import -------------------------------------------------------------------------


@dataclass
class Edit:
    """One value to set in a compound file: `path` into its data, the YAML text to write."""

    path: tuple
    text: str | None  # None: delete the key's line
    label: str
    before: str
    after: str


def _rate(table: Table, row: int, col: int, value: Any, notes: list[str]) -> Decimal | None:
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else None
    percent = bool(text) and text.endswith("%")  # type: ignore[union-attr]
    number = normalise_number(text[:-1] if percent and text else value)
    where = table.at(row, col)[1] or f"第 {row} 行第 {col} 列"
    if number is None:
        table.error((row, col), f"收缴率“{clipped(value)}”不是数字", hint="写成 0.68 或 68%")
        return None
    if percent:
        number = number / 100
    elif number > 1:
        notes.append(f"{where}：收缴率 {plain(number)} 大于 1，按 {plain(number)}% 理解为 {plain(number / 100)}")
        number = number / 100
    if not 0 <= number <= 1:
        table.error((row, col), f"收缴率 {clipped(value)} 超出范围", hint="应在 0 到 1 之间，或 0% 到 100%")
        return None
    return number


def _whole(table: Table, row: int, col: int, value: Any, label: str) -> int | None:
    number = normalise_number(value)
    if number is None or number < 0 or number != number.to_integral_value():
        table.error((row, col), f"{label}“{clipped(value)}”应是 0 或正整数")
        return None
    return int(number)


def _compound_edits(
    table: Table, compounds: dict[str, CompoundFacts], companies: dict[str, str], notes: list[str]
) -> dict[str, list[Edit]]:
    header_row, columns = header(table)
    id_col = columns.get(COMPOUND_ID)
    if id_col is None:
        table.error(
            (header_row, 1), f"表头中没有“{COMPOUND_ID}”一栏", hint="请用 bulletin export compounds 导出的表格填写"
        )
        return {}
    years: list[tuple[int, str, int]] = []
    for heading, col in columns.items():
        found = YEAR_COLUMN.match(heading)
        if found:
            years.append((int(found.group(1)), found.group(2), col))
    names = {key: facts.name for key, facts in compounds.items()}
    out: dict[str, list[Edit]] = {}
    seen: dict[str, int] = {}
    for row, values in table.rows:
        if row <= header_row:
            continue
        cells = {h: cell_value(values, c) for h, c in columns.items() if h not in (COMPOUND_ID, COMPOUND_NAME)}
        given = cell_value(values, id_col)
        if all(v is None for v in cells.values()):
            continue
        if given is None:
            table.error((row, id_col + 1), f"这一行填了内容，但没有填写{COMPOUND_ID}")
            continue
        key = resolve_id(table, row, id_col, given, names, "小区", notes)
        if key is None:
            continue
        if key in seen:
            table.error((row, id_col + 1), f"小区“{key}”在表中重复出现（第 {seen[key]} 行已有），每个小区只能有一行")
            continue
        seen[key] = row
        edits = _row_edits(table, row, key, compounds[key], cells, columns, years, companies, notes)
        if edits:
            out[key] = edits
    return out


def _row_edits(
    table: Table,
    row: int,
    key: str,
    facts: CompoundFacts,
    cells: dict[str, Any],
    columns: dict[str, int],
    years: list[tuple[int, str, int]],
    companies: dict[str, str],
    notes: list[str],
) -> list[Edit]:
    """The edits one filled row of the roster asks for in the compound's file."""
    f = facts.fields
    labels = {label: kind for kind, label in COMPOUND_TYPES.items()}
    edits: list[Edit] = []
    kept = "表格中这一格是空的，导入不会删除小区文件中的值；要删除请直接修改小区文件"

    def col_of(heading: str) -> int:
        return columns[heading] + 1

    def blank(heading: str, old: Any) -> None:
        if old is not None:
            table.error((row, col_of(heading)), f"{facts.name}（{key}）的“{heading}”是空的", hint=kept)

    if HOUSEHOLDS in columns:
        value = cells[HOUSEHOLDS]
        if value is None:
            blank(HOUSEHOLDS, f.get("households"))
        elif (number := _whole(table, row, col_of(HOUSEHOLDS), value, HOUSEHOLDS)) is not None and number != f.get(
            "households"
        ):
            edits.append(Edit(("households",), str(number), HOUSEHOLDS, str(f.get("households", "")), str(number)))
    new_type = f.get("type")
    if TYPE in columns:
        value = cells[TYPE]
        if value is None:
            blank(TYPE, f.get("type"))
        else:
            text = as_text(value)
            chosen = labels.get(text) or (text if text in COMPOUND_TYPES else None)
            if chosen is None:
                table.error(
                    (row, col_of(TYPE)), f"小区类型“{clipped(value)}”不是可选值", hint="可选：" + "、".join(labels)
                )
            else:
                new_type = chosen
                if chosen != f.get("type"):
                    edits.append(
                        Edit(
                            ("type",),
                            chosen,
                            TYPE,
                            COMPOUND_TYPES.get(f.get("type", ""), ""),
                            COMPOUND_TYPES[chosen],
                        )
                    )
    if COMPANY in columns:
        value = cells[COMPANY]
        old = f.get("company")
        if value is None:
            if old is not None and new_type == "self":
                edits.append(Edit(("company",), None, COMPANY, old, "（无）"))
            elif old is not None:
                blank(COMPANY, old)
        else:
            company = resolve_id(table, row, col_of(COMPANY) - 1, value, companies, "物业服务企业", notes)
            if company is not None and company != old:
                edits.append(Edit(("company",), company, COMPANY, old or "（无）", company))
    if OWNERS in columns:
        value = cells[OWNERS]
        body = f.get("owners_body")
        old = body.get("kind") if isinstance(body, dict) else None
        if value is None:
            blank(OWNERS, old)
        elif as_text(value) not in OWNERS_BODY_KINDS:
            table.error(
                (row, col_of(OWNERS)),
                f"业主组织形式“{clipped(value)}”不是可选值",
                hint="可选：" + "、".join(OWNERS_BODY_KINDS),
            )
        elif old is None:
            table.error(
                (row, col_of(OWNERS)),
                f"{facts.name}（{key}）还没有业主组织记录，表格不能新建",
                hint="请在小区文件中写好 owners_body（组织形式、成立日期、党员人数）",
            )
        elif as_text(value) != old:
            edits.append(Edit(("owners_body", "kind"), as_text(value), OWNERS, old, as_text(value)))
    for year, what, col in years:
        value = cells[next(h for h, c in columns.items() if c == col)]
        field_name = "fee_collection" if what == RATE else "complaints"
        old = _year_value(f.get(field_name), year)
        if value is None:
            blank(f"{year}年{what}", old)
            continue
        if what == RATE:
            rate = _rate(table, row, col + 1, value, notes)
            if rate is None or (old is not None and _rate_of(old) == rate):
                continue
            text = f"{plain(rate * 100)}%" if isinstance(old, str) else plain(rate)
            edits.append(Edit((field_name, str(year)), text, f"{year}年{what}", _shown_value(old), text))
        else:
            count = _whole(table, row, col + 1, value, COMPLAINTS)
            if count is None or count == old:
                continue
            edits.append(Edit((field_name, str(year)), str(count), f"{year}年{what}", _shown_value(old), str(count)))
    return edits


def _rate_of(value: Any) -> Decimal | None:
    if isinstance(value, str):
        number = normalise_number(value.strip().rstrip("%％"))
        return None if number is None else number / 100
    return normalise_number(value)


def _shown_value(value: Any) -> str:
    return "（空）" if value is None else (plain(value) if isinstance(value, (Decimal, int)) else str(value))


class _NotEditable(Exception):
    pass


def _apply_edits(text: str, edits: list[Edit]) -> str:
    """`text` with each edit made where the parser says the value is; every other byte kept."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise _NotEditable
    patches: list[tuple[int, int, str]] = []
    appended: list[str] = []

    def entry(mapping: yaml.MappingNode, key: str):
        return next(((k, v) for k, v in mapping.value if k.value == key), None)

    for edit in edits:
        if len(edit.path) == 1:
            found = entry(root, edit.path[0])
            if edit.text is None:
                if found is None:
                    continue
                start = text.rfind("\n", 0, found[0].start_mark.index) + 1
                end = text.find("\n", found[1].end_mark.index)
                patches.append((start, len(text) if end == -1 else end + 1, ""))
            elif found is not None:
                patches.append((found[1].start_mark.index, found[1].end_mark.index, edit.text))
            elif edit.path[0] == "company" and (after := entry(root, "type")) is not None:
                end = text.find("\n", after[1].end_mark.index)
                at = len(text) if end == -1 else end + 1
                patches.append((at, at, f"company: {edit.text}\n"))
            else:
                appended.append(f"{edit.path[0]}: {edit.text}")
            continue
        outer = entry(root, edit.path[0])
        if outer is None:
            appended.append(f"{edit.path[0]}:\n  {edit.path[1]}: {edit.text}")
            continue
        mapping = outer[1]
        if not isinstance(mapping, yaml.MappingNode):
            raise _NotEditable
        found = entry(mapping, edit.path[1])
        if found is not None:
            patches.append((found[1].start_mark.index, found[1].end_mark.index, edit.text or ""))
        elif mapping.flow_style:
            close = text.rfind("}", 0, mapping.end_mark.index)
            patches.append((close, close, f"{', ' if mapping.value else ''}{edit.path[1]}: {edit.text}"))
        elif mapping.value:
            last = mapping.value[-1][1]
            end = text.find("\n", last.end_mark.index)
            at = len(text) if end == -1 else end + 1
            indent = " " * mapping.value[0][0].start_mark.column
            patches.append((at, at, f"{indent}{edit.path[1]}: {edit.text}\n"))
        else:
            raise _NotEditable
    for start, end, replacement in sorted(patches, key=lambda p: (p[0], p[1]), reverse=True):
        text = text[:start] + replacement + text[end:]
    if appended:
        text = (text if text.endswith("\n") or not text else text + "\n") + "\n".join(appended) + "\n"
    return text


def import_compounds(content: Path, content_arg: str, table: Table, force: bool, outcome: Outcome) -> None:
    compounds, communities, companies = _compounds(content)
    community = table.meta.get("community", "")
    outcome.target = f"{communities.get(community, community)} 小区信息" if community else "小区信息"
    edits = _compound_edits(table, compounds, companies, outcome.notes)
    if table.problems:
        outcome.problems = table.problems
        return
    texts: dict[str, str | bytes] = {}
    for key in sorted(edits):
        rel = f"compounds/{key}.yaml"
        raw = (content / rel).read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        crlf = "\r\n" in text
        try:
            edited = _apply_edits(text.replace("\r\n", "\n"), edits[key])
        except (_NotEditable, yaml.YAMLError):
            raise SheetError(
                f"无法在原处修改 {display_path(content_arg, rel)}（格式不常见），请直接编辑该文件"
            ) from None
        if crlf:
            edited = edited.replace("\n", "\r\n")
        texts[rel] = (b"\xef\xbb\xbf" if bom else b"") + edited.encode("utf-8")
        name = compounds[key].name
        outcome.changes += [f"{name}（{key}） {e.label}：{e.before} → {e.after}" for e in edits[key]]
    if not texts:
        return
    if not force:
        outcome.refused += [display_path(content_arg, rel) for rel in texts]
        return
    write_checked(content, content_arg, texts, outcome)
