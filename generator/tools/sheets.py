"""Spreadsheets for the tables editors keep in Excel or WPS: `bulletin export` and `bulletin import`.

Two tables make the round trip:

- a district's half-year evaluation (`export_evaluation`): sheet “评分”, one row per company active
  in the district — managing a compound there, evaluated there in an earlier period (the rows
  `bulletin new evaluation` lists), or already in this period's file —, its id and name locked
  (sheet protection without a password), one unlocked score column per part of `site.yaml`'s
  `evaluation.parts` with a decimal 0..max validation, a 备注 column, existing scores filled in,
  and sheet “说明” with the instructions and the district and period (also as defined names);
- a community's compounds roster (`export_compounds`): sheet “小区”, one row per compound, id and
  name locked; households, type (a list of the Chinese labels), company id, owners' body kind,
  and the fee collection rate and complaints of the latest two years in the content.

`import_table(content, content_arg, path, …)` reads a `.xlsx` (the district, period or community
from the defined names, the kind from them or the sheet name) or a `.csv` as Excel saves it
(UTF-8 with BOM or GBK/GB18030, CRLF; the kind from its header, the district and period from the
file name `<district>-<period>.csv`), and returns an `Outcome`. Every problem of the table is
collected at once, as a `CellProblem` printed `file.xlsx:评分!D7: error: …` (a CSV:
`file.csv:7:4: error: …`); while any remains nothing is written. Scores are normalised before
they are judged: full-width digits and a trailing 分 are accepted (２７.５分 → 27.5). A rate is a
proportion (0.68) or a percentage (68%); a bare number above 1 can only be a percentage, so 68 is
taken as 68% and the outcome says so in a note.

An import that changes nothing leaves every file untouched (same bytes, same mtime). One that
changes an existing file lists every change (`企业（id） 主管部门：27.5 → 28`) and writes only
with `force`; a new evaluation file needs no force. An evaluation file is written whole in the
sample's style, keeping its leading comment lines and its `published:` line (a new one is dated
`published`, by default today in Asia/Shanghai); a compound file is edited in place, only the
changed values, located through the YAML parser's marks, every other byte kept. After writing,
the project's own check runs; if it finds an error in a written file, the old bytes come back
and the errors are the outcome's problems.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
import yaml

from .. import pipeline
from ..content.errors import Loc, Problem
from ..content.load import PERIOD_RE, load
from ..content.sources import display_path
from ..domain.models import COMPOUND_TYPES, OWNERS_BODY_KINDS
from ..output.formats import plain
from . import scaffold

MAX_TABLE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
SCORE_SHEET = "评分"
COMPOUND_SHEET = "小区"
HELP_SHEET = "说明"
COMPANY_SHEET = "企业"
SPARE_ROWS = 10  # empty, unlocked rows below the list, for a company or compound to add
NAMES = {
    "kind": "bulletin_kind",
    "district": "bulletin_district",
    "period": "bulletin_period",
    "community": "bulletin_community",
}
SCORE_ID, SCORE_NAME, NOTE = "企业标识", "企业名称", "备注"
COMPOUND_ID, COMPOUND_NAME = "小区标识", "小区名称"
HOUSEHOLDS, TYPE, COMPANY, OWNERS = "户数", "小区类型", "物业服务企业标识", "业主组织形式"
RATE, COMPLAINTS = "物业费收缴率", "投诉量"
YEAR_COLUMN = re.compile(r"^(\d{4})\s*年\s*(物业费收缴率|投诉量)")


def column_letter(col: int) -> str:
    """A column's letters (1 → A, 27 → AA)."""
    return str(openpyxl.utils.get_column_letter(col))


class SheetError(Exception):
    """The command cannot run at all (unknown district, unreadable file…): one Chinese sentence."""


@dataclass(frozen=True)
class CellProblem(Problem):
    """A problem in a spreadsheet: `cell` names it in a workbook (`评分!D7`); a CSV has none and
    is shown by line and column like every other problem."""

    cell: str = ""

    def format(self) -> str:
        if not self.cell:
            return super().format()
        plain_loc = Problem(
            Loc(f"{self.loc.path}:{self.cell}"), self.message, field=self.field, hint=self.hint, severity=self.severity
        )
        return plain_loc.format().replace(":1:1: ", ": ", 1)


@dataclass
class Outcome:
    """What an import found and did."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said to the editor, not wrong
    changes: list[str] = field(default_factory=list)  # one line per changed value
    written: list[str] = field(default_factory=list)  # display paths of the files written
    refused: list[str] = field(default_factory=list)  # existing files that differ, left as they were
    target: str = ""  # what the table is about, for the summary line


# --- reading a table ---------------------------------------------------------------------------


@dataclass
class Table:
    """A spreadsheet's rows, as values, with what is needed to name a cell."""

    display: str  # the file as given
    sheet: str  # "" for a CSV
    rows: list[tuple[int, list[Any]]]  # (row or line number, cell values)
    meta: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

    def error(self, at: tuple[int, int], message: str, hint: str | None = None) -> None:
        """A problem at (row, column), both from 1."""
        loc, cell = self.at(*at)
        self.problems.append(CellProblem(loc, message, hint=hint, cell=cell))

    def at(self, row: int, col: int) -> tuple[Loc, str]:
        """The place of a cell (`col` from 1): a Loc and, in a workbook, its name."""
        if not self.sheet:
            return Loc(self.display, row, col), ""

        return Loc(self.display, row, col), f"{self.sheet}!{column_letter(col)}{row}"


def read_table(path: Path) -> Table:
    if not path.is_file():
        raise SheetError(f"找不到文件“{path}”")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise SheetError(f"文件“{path}”过大（{size} 字节），上限为 {MAX_TABLE_BYTES} 字节")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise SheetError(f"“{path.name}”不是 .xlsx 或 .csv 文件；请在 Excel 或 WPS 中“另存为” .xlsx（或 CSV）后再导入")


def _decode_csv(raw: bytes, name: str) -> str:
    """CSV text as Excel and WPS save it: UTF-8 (with or without BOM), else GBK/GB18030."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError(f"无法识别“{name}”的文字编码；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”")


def _read_csv(path: Path) -> Table:
    text = _decode_csv(path.read_bytes(), path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[Any]]] = []
    line = 1
    try:
        for values in reader:
            rows.append((line, list(values)))
            line = reader.line_num + 1
            if len(rows) > MAX_ROWS:
                raise SheetError(f"“{path.name}”超过 {MAX_ROWS} 行，请拆开导入")
    except csv.Error as exc:
        raise SheetError(f"“{path.name}”第 {reader.line_num} 行不是有效的 CSV：{exc}") from None
    stem = path.stem
    meta: dict[str, str] = {}
    found = re.match(r"^(.+)-(\d{4}-H[12])$", stem)
    if found:
        meta = {"district": found.group(1), "period": found.group(2)}
    else:
        meta = {"community": stem}
    return Table(str(path), "", rows, meta)


def _read_xlsx(path: Path) -> Table:
    import zipfile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (openpyxl.utils.exceptions.InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise SheetError(f"无法读取“{path.name}”：不是有效的 xlsx 文件（{type(exc).__name__}）") from None
    try:
        meta = {}
        for key, name in NAMES.items():
            defined = book.defined_names.get(name)
            if defined is None:
                continue
            for sheet, ref in defined.destinations:
                if sheet in book.sheetnames:
                    value = book[sheet][ref.replace("$", "")].value
                    if value is not None and str(value).strip():
                        meta[key] = str(value).strip()
        if "kind" not in meta:
            meta["kind"] = "evaluation" if SCORE_SHEET in book.sheetnames else "compounds"
        title = SCORE_SHEET if meta["kind"] == "evaluation" else COMPOUND_SHEET
        if title not in book.sheetnames:
            raise SheetError(f"“{path.name}”里没有名为“{title}”的工作表；请用 bulletin export 导出的表格填写")
        rows = []
        for number, values in enumerate(book[title].iter_rows(values_only=True), start=1):
            rows.append((number, list(values)))
            if number > MAX_ROWS:
                raise SheetError(f"“{path.name}”超过 {MAX_ROWS} 行，请拆开导入")
        if "district" not in meta or "period" not in meta:
            found = re.match(r"^(.+)-(\d{4}-H[12])$", path.stem)
            if found:
                meta.setdefault("district", found.group(1))
                meta.setdefault("period", found.group(2))
    finally:
        book.close()
    return Table(str(path), title, rows, meta)


def _cell(values: list[Any], col: int | None) -> Any:
    if col is None or col >= len(values):
        return None
    value = values[col]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_number(value: Any) -> Decimal | None:
    """A cell's number as written, or None when it is not one. Full-width digits, a trailing 分
    and spaces are accepted (２７.５分 → 27.5); a float from a workbook is read as its shortest
    text, rounded to 9 places (Excel's binary noise, 27.500000000000004, is not a third decimal)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(round(value, 9)))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).replace(" ", "").replace("。", ".")
    if text.endswith("分"):
        text = text[:-1]
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _shown(value: Any) -> str:
    text = _text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _header(table: Table) -> tuple[int, dict[str, int]]:
    """The header row (the first with any value) and each heading's column (from 0)."""
    for row, values in table.rows:
        if any(_cell(values, i) is not None for i in range(len(values))):
            return row, {_text(v): i for i, v in enumerate(values) if _cell(values, i) is not None}
    return 1, {}


def _closest(word: str, names: dict[str, str]) -> str | None:
    """A "是不是 id（name）？" hint: the closest id, or the company or compound whose name is closest."""
    close = difflib.get_close_matches(word, sorted(names), n=1, cutoff=0.5)
    if close:
        return f"是不是 {close[0]}（{names[close[0]]}）？"
    by_name = {name: key for key, name in names.items()}
    close = difflib.get_close_matches(word, sorted(by_name), n=1, cutoff=0.4)
    if close:
        return f"是不是 {by_name[close[0]]}（{close[0]}）？"
    return None


def _resolve(
    table: Table, row: int, col: int, given: Any, names: dict[str, str], what: str, notes: list[str]
) -> str | None:
    """The id a cell names: an id as it is, or a record's exact full name (said in a note)."""
    text = _text(given)
    if text in names:
        return text
    by_name = {name: key for key, name in names.items()}
    if text in by_name:
        notes.append(f"{table.at(row, col + 1)[1] or f'第 {row} 行'}：“{text}”按名称认定为 {by_name[text]}")
        return by_name[text]
    table.error((row, col + 1), f"没有标识为“{_shown(given)}”的{what}", hint=_closest(text, names))
    return None


# --- content facts -----------------------------------------------------------------------------


def _known(content: Path) -> scaffold.Known:
    return scaffold.Known.read(content)


def _check_period(known: scaffold.Known, district: str, period: str) -> None:
    if district not in known.districts:
        choices = "、".join(f"{key}（{name}）" for key, name in sorted(known.districts.items()))
        raise SheetError(f"没有标识为“{district}”的区（市）；可选：{choices or '（areas.yaml 中还没有区）'}")
    if not PERIOD_RE.match(period):
        raise SheetError(f"考评期“{period}”应写成 年份-H1（上半年）或 年份-H2（下半年），如 2026-H1")
    if not known.parts:
        raise SheetError("site.yaml 中没有可用的 evaluation.parts（评价方），请先改正 site.yaml")


def _evaluation_rows(content: Path, district: str, period: str) -> tuple[str | None, list[dict]]:
    """The text of the period's file (None when there is none) and its score rows, read by the
    project's reader (numbers as exact decimals)."""
    from ..content.errors import Problems
    from ..content.sources import read_source

    rel = f"evaluations/{district}/{period}.yaml"
    if not (content / rel).is_file():
        return None, []
    src = read_source(content, rel, str(content), Problems())
    if not src.ok or not isinstance(src.data, dict):
        raise SheetError(f"{content / rel} 有错误，请先运行 bulletin check 改正它，再导出或导入")
    rows = src.data.get("scores")
    return (content / rel).read_bytes().decode("utf-8-sig"), [r for r in rows or [] if isinstance(r, dict)]


def _decimal(value: Any) -> Decimal | None:
    return normalise_number(value) if not isinstance(value, str) else None


# --- evaluation: export ------------------------------------------------------------------------


def _title_style(cell) -> None:

    cell.font = openpyxl.styles.Font(bold=True)


def _help_sheet(book, lines: list[str], meta: list[tuple[str, str, str, str]]) -> None:
    """The 说明 sheet: the instructions, then the facts an import reads back (also as defined names)."""

    sheet = book.create_sheet(HELP_SHEET)
    sheet.column_dimensions["A"].width = 110
    sheet.column_dimensions["B"].width = 30
    row = 1
    for line in lines:
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
        if row == 1:
            _title_style(cell)
        row += 1
    row += 1
    sheet.cell(row=row, column=1, value="以下由 bulletin 读取，请不要修改：")
    for key, label, value, _ in meta:
        row += 1
        sheet.cell(row=row, column=1, value=label)
        sheet.cell(row=row, column=2, value=value)
        name = NAMES[key]
        book.defined_names[name] = openpyxl.workbook.defined_name.DefinedName(
            name, attr_text=f"'{HELP_SHEET}'!$B${row}"
        )
    sheet.protection.sheet = True


def _protect(sheet) -> None:
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widening a column stays allowed
    sheet.protection.formatRows = False


def _validation(sheet, kind: str, cells: str, title: str, error: str, prompt: str, **kw) -> None:

    rule = openpyxl.worksheet.datavalidation.DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle=title,
        error=error,
        promptTitle=title,
        prompt=prompt,
        **kw,
    )
    sheet.add_data_validation(rule)
    rule.add(cells)


def export_evaluation(content: Path, district: str, period: str, out: Path) -> tuple[Path, int]:
    """Write the score sheet of `district`'s `period` to `out`; (the path, the number of companies)."""

    known = _known(content)
    _check_period(known, district, period)
    _, existing = _evaluation_rows(content, district, period)
    by_company = {r.get("company"): r for r in existing if isinstance(r.get("company"), str)}
    companies = sorted(
        set(scaffold.active_companies(known, district)) | {c for c in by_company if c in known.companies}
    )
    companies += sorted(c for c in by_company if c not in known.companies)

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = SCORE_SHEET
    headers = [SCORE_ID, SCORE_NAME] + [f"{label}（满分 {plain(mx)}）" for _, label, mx in known.parts] + [NOTE]
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col, value=text)
        _title_style(cell)
        cell.alignment = openpyxl.styles.Alignment(wrap_text=True, horizontal="center")
    last = 1 + len(companies) + SPARE_ROWS
    unlocked = openpyxl.styles.Protection(locked=False)
    for row, company_id in enumerate(companies, start=2):
        sheet.cell(row=row, column=1, value=company_id)
        sheet.cell(row=row, column=2, value=known.companies.get(company_id, ""))
        scores = by_company.get(company_id, {})
        for col, (key, _, _) in enumerate(known.parts, start=3):
            value = _decimal(scores.get(key))
            sheet.cell(row=row, column=col, value=value).protection = unlocked
        note = scores.get("note")
        sheet.cell(row=row, column=len(headers), value=note if isinstance(note, str) else None).protection = unlocked
    for row in range(2 + len(companies), last + 1):  # rows to add a company: every cell open
        for col in range(1, len(headers) + 1):
            sheet.cell(row=row, column=col).protection = unlocked
    for col, (_, label, mx) in enumerate(known.parts, start=3):
        letter = column_letter(col)
        _validation(
            sheet,
            "decimal",
            f"{letter}2:{letter}{last}",
            f"{label}得分",
            f"{label}的得分应是 0 到 {plain(mx)} 之间的数，最多两位小数",
            f"填 0 到 {plain(mx)} 之间的数，最多两位小数",
            operator="between",
            formula1="0",
            formula2=plain(mx),
        )
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 34
    for col in range(3, len(headers) + 1):
        sheet.column_dimensions[column_letter(col)].width = 16
    sheet.column_dimensions[column_letter(len(headers))].width = 40
    sheet.freeze_panes = "C2"
    _protect(sheet)

    name = known.districts[district]
    half = "上半年" if period.endswith("H1") else "下半年"
    parts = "；".join(f"{label}（{key}）满分 {plain(mx)}" for key, label, mx in known.parts)
    lines = [
        f"{name} {period[:4]}年{half}（{period}）物业服务企业考评得分录入表",
        "怎么填：",
        f"1. 在“{SCORE_SHEET}”表中，每家企业一行，在各评价方一栏填得分：0 到满分之间的数，最多两位小数。"
        "也可以写全角数字（２７.５）或带“分”字（27.5分），导入时会换成 27.5。",
        f"2. 各评价方及满分：{parts}。总分、排名、红榜和黑榜由网站自动计算，不用填。",
        f"3. “{SCORE_ID}”“{SCORE_NAME}”两栏已锁定，请不要改动。不参加本期考评的企业，整行得分留空即可（导入时跳过空行）；"
        "只填了一部分得分的行会被指出“还没有填写”。",
        f"4. 表中列出的企业：在本区（市）管理小区的企业、以前在本区（市）参加过考评的企业，以及本期考评文件中已有的企业。"
        f"要加一家企业，在表格下方的空行里填它的{SCORE_ID}（content/companies/ 下的文件名，也可以写企业全称）和得分。",
        f"5. “{NOTE}”一栏可不填；填了会在网站上和得分一起公布。",
        f"6. 填好后保存为 .xlsx（也可以另存为 CSV，文件名须为 {district}-{period}.csv），然后运行：",
        f"   bulletin import {district}-{period}.xlsx",
        "   导入会写入或更新 content/evaluations/" + f"{district}/{period}.yaml，再运行 bulletin check 检查。",
        "7. 表格有错时，导入会一次列出全部问题（如“评分!D7: error: 街道社区评分 31 超过满分 30”），一个也不写入；改好再导入。",
        "8. 已有的考评文件不会被悄悄覆盖：与表格不同时，导入会逐项列出变化（企业、评价方、原分数 → 新分数），"
        "核对无误后加 --force 再导入一次。没有任何变化时，文件保持原样。",
    ]
    meta = [
        ("kind", "表格类型", "evaluation", ""),
        ("district", "区（市）标识", district, ""),
        ("period", "考评期", period, ""),
    ]
    _help_sheet(book, lines, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out, len(companies)


# --- evaluation: import ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    company: str
    scores: dict[str, Decimal]
    note: str | None


def _score_rows(table: Table, known: scaffold.Known, notes: list[str]) -> list[ScoreRow]:
    header_row, columns = _header(table)
    id_col = columns.get(SCORE_ID)
    name_col = columns.get(SCORE_NAME)
    note_col = columns.get(NOTE)
    part_cols: dict[str, int] = {}
    for key, label, _ in known.parts:
        col = next((i for h, i in columns.items() if h in (label, key) or h.startswith(f"{label}（")), None)
        if col is None:
            table.error(
                (header_row, len(columns) + 1),
                f"表头中没有“{label}”一栏",
                hint="请用 bulletin export evaluation 导出的表格填写",
            )
        else:
            part_cols[key] = col
    if id_col is None:
        table.error(
            (header_row, 1), f"表头中没有“{SCORE_ID}”一栏", hint="请用 bulletin export evaluation 导出的表格填写"
        )
    if table.problems:
        return []
    assert id_col is not None
    out: list[ScoreRow] = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        if row <= header_row:
            continue
        given = _cell(values, id_col)
        filled = {key: _cell(values, col) for key, col in part_cols.items()}
        note = _cell(values, note_col)
        if all(v is None for v in filled.values()) and note is None:
            continue  # a blank row, or a company not evaluated this period: skipped
        if given is None and name_col is not None and _cell(values, name_col) is not None:
            given = _cell(values, name_col)
        if given is None:
            table.error((row, id_col + 1), f"这一行填了得分，但没有填写{SCORE_ID}")
            continue
        company = _resolve(table, row, id_col, given, known.companies, "物业服务企业", notes)
        if company in seen:
            table.error(
                (row, id_col + 1), f"企业“{company}”在表中重复出现（第 {seen[company]} 行已有），每家企业只能有一行"
            )
            continue
        if company is not None:
            seen[company] = row
        name = known.companies.get(company or "", "")
        company = company or _text(given)  # unknown: its scores are still checked, all problems at once
        scores: dict[str, Decimal] = {}
        for key, label, mx in known.parts:
            col = part_cols[key]
            value = filled[key]
            if value is None:
                table.error((row, col + 1), f"{name}（{company}）的“{label}”评分还没有填写")
                continue
            number = normalise_number(value)
            if number is None:
                table.error((row, col + 1), f"{label}评分“{_shown(value)}”不是数字", hint="只写阿拉伯数字，如 27.5")
            elif number < 0:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 不能是负数")
            elif number > mx:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 超过满分 {plain(mx)}")
            elif _places(number) > 2:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 最多保留两位小数", hint="四舍五入到两位小数")
            else:
                scores[key] = number.normalize() if number == number.to_integral_value() else number
        out.append(ScoreRow(company, scores, _text(note) if note is not None else None))
    if not out and not table.problems:
        table.error((header_row + 1, 1), "表中没有任何得分", hint="每家参加考评的企业一行，填上各评价方的得分")
    return out


def _old_scores(rows: list[dict], known: scaffold.Known) -> dict[str, ScoreRow]:
    out = {}
    for r in rows:
        company = r.get("company")
        if not isinstance(company, str):
            continue
        scores = {key: number for key, _, _ in known.parts if (number := _decimal(r.get(key))) is not None}
        note = r.get("note")
        out[company] = ScoreRow(company, scores, note if isinstance(note, str) else None)
    return out


def _score_changes(old: dict[str, ScoreRow], new: list[ScoreRow], known: scaffold.Known) -> list[str]:
    changes = []
    labels = [(key, label) for key, label, _ in known.parts]
    named = lambda c: f"{known.companies.get(c, c)}（{c}）"  # noqa: E731
    fresh = {r.company: r for r in new}
    for company in sorted(set(old) | set(fresh)):
        before, after = old.get(company), fresh.get(company)
        if before is None and after is not None:
            parts = "，".join(f"{label} {plain(after.scores[key])}" for key, label in labels if key in after.scores)
            changes.append(f"{named(company)} 新增：{parts}")
            continue
        if after is None:
            changes.append(f"{named(company)} 删除（表中这家企业的得分是空的）")
            continue
        assert before is not None
        for key, label in labels:
            a, b = before.scores.get(key), after.scores.get(key)
            if a != b:
                changes.append(
                    f"{named(company)} {label}：{'（空）' if a is None else plain(a)} → {plain(b) if b is not None else '（空）'}"
                )
        if (before.note or None) != (after.note or None):
            changes.append(f"{named(company)} {NOTE}：“{before.note or ''}” → “{after.note or ''}”")
    return changes


def _leading_comments(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("#") or (lines and not line.strip()):
            lines.append(line)
        else:
            break
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _evaluation_text(old_text: str | None, period: str, published: date | None, rows: list[ScoreRow], known) -> str:
    """The period's file in the sample's style: its leading comments and `published:` line kept."""
    lines = _leading_comments(old_text) if old_text else []
    published_line = None
    if old_text is not None and published is None:
        published_line = next((ln for ln in old_text.splitlines() if ln.startswith("published:")), None)
    if published_line is None:
        shown = published if published is not None else pipeline.today_in_shanghai()
        published_line = (
            f"published: {shown}  # 发布日期：导入时填的是今天，请按实际发布日期修改；晚于今天的考评到那天才会发布"
        )
        if old_text is not None:
            published_line = f"published: {shown}"
    if old_text is None:
        half = "上半年" if period.endswith("H1") else "下半年"
        lines = [f"# {period[:4]}年{half}物业服务企业考评得分，由 bulletin import 从表格导入。"]
    out = [*lines, f"period: {period}", published_line, "scores:"]
    for r in sorted(rows, key=lambda r: r.company):
        out.append(f"- company: {r.company}")
        for key, _, _ in known.parts:
            out.append(f"  {key}: {plain(r.scores[key])}")
        if r.note:
            out.append(f"  note: {scaffold.scalar(r.note)}")
    return "\n".join(out) + "\n"


def _import_evaluation(
    content: Path, content_arg: str, table: Table, force: bool, published: date | None, outcome: Outcome
) -> None:
    known = _known(content)
    district, period = table.meta.get("district"), table.meta.get("period")
    if not district or not period:
        raise SheetError(
            f"不知道“{Path(table.display).name}”是哪个区（市）哪一期的考评：请用 bulletin export evaluation 导出的表格，"
            "或把 CSV 文件命名为 <区标识>-<考评期>.csv，如 gaoxin-2026-H1.csv"
        )
    _check_period(known, district, period)
    outcome.target = f"{known.districts[district]} {period} 考评得分"
    rows = _score_rows(table, known, outcome.notes)
    if table.problems:
        outcome.problems = table.problems
        return
    old_text, old_rows = _evaluation_rows(content, district, period)
    rel = f"evaluations/{district}/{period}.yaml"
    shown = display_path(content_arg, rel)
    if old_text is not None:
        changes = _score_changes(_old_scores(old_rows, known), rows, known)
        old_published = next(
            (ln.split(":", 1)[1].split("#")[0].strip() for ln in old_text.splitlines() if ln.startswith("published:")),
            "",
        )
        if published is not None and str(published) != old_published:
            changes.append(f"发布日期：{old_published} → {published}")
        else:
            published = None
        outcome.changes = changes
        if not changes:
            return
        if not force:
            outcome.refused.append(shown)
            return
    text = _evaluation_text(old_text, period, published, rows, known)
    _write_checked(content, content_arg, {rel: text}, outcome)


# --- writing, then the project's check ---------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.bulletin-import")
    with open(temporary, "wb") as fh:
        fh.write(data)
    os.replace(temporary, path)


def _write_checked(content: Path, content_arg: str, texts: dict[str, str | bytes], outcome: Outcome) -> None:
    """Write the files, run `bulletin check`; an error in a written file puts the old bytes back."""
    before: dict[str, bytes | None] = {}
    for rel, text in texts.items():
        path = content / rel
        before[rel] = path.read_bytes() if path.exists() else None
        _atomic_write(path, text.encode("utf-8") if isinstance(text, str) else text)

    def restore() -> None:
        for rel, old in before.items():
            if old is None:
                (content / rel).unlink()
            else:
                _atomic_write(content / rel, old)

    try:
        _, problems = pipeline.check(content, content_arg, pipeline.today_in_shanghai())
    except BaseException:  # a check that could not run has not approved anything
        restore()
        raise
    shown = {display_path(content_arg, rel) for rel in texts}
    mine = [p for p in problems if p.severity == "error" and p.loc.path in shown]
    if mine:
        restore()
        outcome.problems = mine
        outcome.notes.append("写入后的文件没有通过 bulletin check，已恢复原样")
        return
    outcome.written = sorted(shown)


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
        hint = _closest(community, communities)
        raise SheetError(f"没有标识为“{community}”的社区" + (f"（{hint}）" if hint else ""))
    mine = sorted(key for key, facts in compounds.items() if facts.community == community)
    years = years or _latest_years(compounds)
    headers = _compound_headers(years)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = COMPOUND_SHEET
    for col, text in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col, value=text)
        _title_style(cell)
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
    _validation(
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
    _validation(
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
    _protect(company_sheet)
    _validation(
        sheet,
        "list",
        span(5),
        COMPANY,
        f"请填“{COMPANY_SHEET}”表中的企业标识；居民自治型小区不填",
        "从下拉列表中选择企业标识；居民自治型小区留空",
        formula1=f"'{COMPANY_SHEET}'!$A$2:$A${len(companies) + 1}",
    )
    _validation(
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
        _validation(
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
        _validation(
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
    _protect(sheet)
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
    _help_sheet(book, lines, [("kind", "表格类型", "compounds", ""), ("community", "社区标识", community, "")])
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
        table.error((row, col), f"收缴率“{_shown(value)}”不是数字", hint="写成 0.68 或 68%")
        return None
    if percent:
        number = number / 100
    elif number > 1:
        notes.append(f"{where}：收缴率 {plain(number)} 大于 1，按 {plain(number)}% 理解为 {plain(number / 100)}")
        number = number / 100
    if not 0 <= number <= 1:
        table.error((row, col), f"收缴率 {_shown(value)} 超出范围", hint="应在 0 到 1 之间，或 0% 到 100%")
        return None
    return number


def _whole(table: Table, row: int, col: int, value: Any, label: str) -> int | None:
    number = normalise_number(value)
    if number is None or number < 0 or number != number.to_integral_value():
        table.error((row, col), f"{label}“{_shown(value)}”应是 0 或正整数")
        return None
    return int(number)


def _compound_edits(
    table: Table, compounds: dict[str, CompoundFacts], companies: dict[str, str], notes: list[str]
) -> dict[str, list[Edit]]:
    header_row, columns = _header(table)
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
        cells = {h: _cell(values, c) for h, c in columns.items() if h not in (COMPOUND_ID, COMPOUND_NAME)}
        given = _cell(values, id_col)
        if all(v is None for v in cells.values()):
            continue
        if given is None:
            table.error((row, id_col + 1), f"这一行填了内容，但没有填写{COMPOUND_ID}")
            continue
        key = _resolve(table, row, id_col, given, names, "小区", notes)
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
            text = _text(value)
            chosen = labels.get(text) or (text if text in COMPOUND_TYPES else None)
            if chosen is None:
                table.error(
                    (row, col_of(TYPE)), f"小区类型“{_shown(value)}”不是可选值", hint="可选：" + "、".join(labels)
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
            company = _resolve(table, row, col_of(COMPANY) - 1, value, companies, "物业服务企业", notes)
            if company is not None and company != old:
                edits.append(Edit(("company",), company, COMPANY, old or "（无）", company))
    if OWNERS in columns:
        value = cells[OWNERS]
        body = f.get("owners_body")
        old = body.get("kind") if isinstance(body, dict) else None
        if value is None:
            blank(OWNERS, old)
        elif _text(value) not in OWNERS_BODY_KINDS:
            table.error(
                (row, col_of(OWNERS)),
                f"业主组织形式“{_shown(value)}”不是可选值",
                hint="可选：" + "、".join(OWNERS_BODY_KINDS),
            )
        elif old is None:
            table.error(
                (row, col_of(OWNERS)),
                f"{facts.name}（{key}）还没有业主组织记录，表格不能新建",
                hint="请在小区文件中写好 owners_body（组织形式、成立日期、党员人数）",
            )
        elif _text(value) != old:
            edits.append(Edit(("owners_body", "kind"), _text(value), OWNERS, old, _text(value)))
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


def _import_compounds(content: Path, content_arg: str, table: Table, force: bool, outcome: Outcome) -> None:
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
    _write_checked(content, content_arg, texts, outcome)


# --- the entry point ---------------------------------------------------------------------------


def import_table(
    content: Path, content_arg: str, path: Path, force: bool = False, published: date | None = None
) -> Outcome:
    table = read_table(path)
    outcome = Outcome()
    kind = table.meta.get("kind")
    if kind is None:  # a CSV: its header says what it is
        _, columns = _header(table)
        kind = "compounds" if COMPOUND_ID in columns else "evaluation"
        if kind == "evaluation":
            table.meta.pop("community", None)
    if kind == "evaluation":
        _import_evaluation(content, content_arg, table, force, published, outcome)
    elif kind == "compounds":
        _import_compounds(content, content_arg, table, force, outcome)
    else:
        raise SheetError(f"不认识的表格类型“{kind}”；请用 bulletin export 导出的表格填写")
    return outcome
