"""What the two spreadsheet tables share: reading a table, its problems, its numbers, the
workbook's furniture, and writing what an import decided.

Reading (`read_table`): a `.xlsx` as `bulletin export` wrote it (the kind, district, period or
community from the defined names its 说明 sheet carries; failing those, the kind from the sheet
names and the district and period from the file name `<district>-<period>.xlsx`), or a `.csv` as
Excel saves it (UTF-8 with BOM or GBK/GB18030, CRLF; the district and period from the file name
`<district>-<period>.csv`, else the community from `<community>.csv`). A file that cannot be read
at all, larger than 20 MB or longer than 5,000 rows, is a `SheetError`: one Chinese sentence, and
the command stops.

Problems are data: a cell's problem is a `CellProblem` collected on the `Table`, printed
`file.xlsx:评分!D7: error: …` (a CSV: `file.csv:7:4: error: …`), every problem of a table at once;
`Outcome` is what an import found and did. A cell names a record by its id, or by its exact full
name (said in a note); an unknown one gets a "是不是 …？" hint. `normalise_number` reads a cell as
written: full-width digits, a trailing 分 and spaces are accepted (２７.５分 → 27.5), a workbook's
float is taken at its shortest text.

The workbook helpers: the header style, the 说明 sheet (the instructions, then the facts an import
reads back, also as defined names), protection without a password that still lets a column be
widened, and a validation rule with its prompt and its error. `write_checked` replaces each file
atomically, then runs the project's own check; if it finds an error in a written file, the old
bytes come back and the errors are the outcome's problems.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl

from .. import pipeline
from ..content.errors import Loc, Problem
from ..content.sources import display_path

MAX_TABLE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
SCORE_SHEET = "评分"
COMPOUND_SHEET = "小区"
HELP_SHEET = "说明"
SPARE_ROWS = 10  # empty, unlocked rows below the list, for a company or compound to add
NAMES = {
    "kind": "bulletin_kind",
    "district": "bulletin_district",
    "period": "bulletin_period",
    "community": "bulletin_community",
}
SCORE_ID, SCORE_NAME = "企业标识", "企业名称"  # a company's columns: the score sheet's, the roster's company list


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
    stem = downloaded_name(path.stem)
    meta: dict[str, str] = {}
    found = re.match(r"^(.+)-(\d{4}-H[12])$", stem)
    if found:
        meta = {"district": found.group(1), "period": found.group(2)}
    else:
        meta = {"community": stem}
    return Table(str(path), "", rows, meta)


def downloaded_name(stem: str) -> str:
    """A file name as exported, without what a browser or Windows adds to a second copy
    (`gaoxin-2026-H1 (1)`, `gaoxin-2026-H1(2)`, `gaoxin-2026-H1 - 副本`) and with H in capitals."""
    stem = re.sub(r"(\s*[(（]\d+[)）]|\s*-\s*副本(\s*[(（]\d+[)）])?)+$", "", stem.strip())
    return re.sub(r"-(\d{4})-h([12])$", r"-\1-H\2", stem)


def _read_xlsx(path: Path) -> Table:
    import zipfile

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (openpyxl.utils.exceptions.InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise SheetError(
            f"无法读取“{path.name}”：它不是 Excel 的 .xlsx 文件，或者已经损坏（请在 Excel 或 WPS 中打开它，"
            "“另存为”Excel 工作簿（*.xlsx）后再导入）"
        ) from None
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
            found = re.match(r"^(.+)-(\d{4}-H[12])$", downloaded_name(path.stem))
            if found:
                meta.setdefault("district", found.group(1))
                meta.setdefault("period", found.group(2))
    finally:
        book.close()
    return Table(str(path), title, rows, meta)


def cell_value(values: list[Any], col: int | None) -> Any:
    if col is None or col >= len(values):
        return None
    value = values[col]
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def as_text(value: Any) -> str:
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


def clipped(value: Any) -> str:
    text = as_text(value)
    return text if len(text) <= 40 else text[:40] + "…"


def header(table: Table) -> tuple[int, dict[str, int]]:
    """The header row (the first with any value) and each heading's column (from 0)."""
    for row, values in table.rows:
        if any(cell_value(values, i) is not None for i in range(len(values))):
            return row, {as_text(v): i for i, v in enumerate(values) if cell_value(values, i) is not None}
    return 1, {}


def closest(word: str, names: dict[str, str]) -> str | None:
    """A "是不是 id（name）？" hint: the closest id, or the company or compound whose name is closest."""
    close = difflib.get_close_matches(word, sorted(names), n=1, cutoff=0.5)
    if close:
        return f"是不是 {close[0]}（{names[close[0]]}）？"
    by_name = {name: key for key, name in names.items()}
    close = difflib.get_close_matches(word, sorted(by_name), n=1, cutoff=0.4)
    if close:
        return f"是不是 {by_name[close[0]]}（{close[0]}）？"
    return None


def resolve_id(
    table: Table, row: int, col: int, given: Any, names: dict[str, str], what: str, notes: list[str]
) -> str | None:
    """The id a cell names: an id as it is, or a record's exact full name (said in a note)."""
    text = as_text(given)
    if text in names:
        return text
    by_name = {name: key for key, name in names.items()}
    if text in by_name:
        notes.append(f"{table.at(row, col + 1)[1] or f'第 {row} 行'}：“{text}”按名称认定为 {by_name[text]}")
        return by_name[text]
    table.error((row, col + 1), f"没有标识为“{clipped(given)}”的{what}", hint=closest(text, names))
    return None


# --- the workbook: styles, the help sheet, protection, validation ------------------------------


def title_style(cell) -> None:

    cell.font = openpyxl.styles.Font(bold=True)


def help_sheet(book, lines: list[str], meta: list[tuple[str, str, str, str]]) -> None:
    """The 说明 sheet: the instructions, then the facts an import reads back (also as defined names)."""

    sheet = book.create_sheet(HELP_SHEET)
    sheet.column_dimensions["A"].width = 110
    sheet.column_dimensions["B"].width = 30
    row = 1
    for line in lines:
        cell = sheet.cell(row=row, column=1, value=line)
        cell.alignment = openpyxl.styles.Alignment(wrap_text=True, vertical="top")
        if row == 1:
            title_style(cell)
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


def protect(sheet) -> None:
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widening a column stays allowed
    sheet.protection.formatRows = False


def add_validation(sheet, kind: str, cells: str, title: str, error: str, prompt: str, **kw) -> None:

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


# --- writing, then the project's check ---------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.bulletin-import")
    with open(temporary, "wb") as fh:
        fh.write(data)
    os.replace(temporary, path)


def write_checked(content: Path, content_arg: str, texts: dict[str, str | bytes], outcome: Outcome) -> None:
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
