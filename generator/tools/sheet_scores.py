"""A district's half-year evaluation as a spreadsheet: `export_evaluation` writes it,
`import_evaluation` reads it back into `evaluations/<district>/<period>.yaml`.

The workbook: sheet “评分”, one row per company active in the district — managing a compound
there, evaluated there in an earlier period (the rows `bulletin new evaluation` lists), or already
in this period's file —, its id and name locked (sheet protection without a password), one
unlocked score column per part of `site.yaml`'s `evaluation.parts` with a decimal 0..max
validation, a 备注 column, existing scores filled in, empty unlocked rows below for a company to
add, and sheet “说明” with the instructions and the district and period (also as defined names).

The import: a score is normalised before it is judged (２７.５分 → 27.5), then must lie between 0
and the part's maximum with at most two decimals; a row with neither score nor note is a company
not evaluated this period and is skipped, a partly filled row and a company listed twice are
problems. A new evaluation file needs no force and is dated `published`, by default today in
Asia/Shanghai. An existing file that would change lists every change
(`企业（id） 主管部门：27.5 → 28`, and a new `published` date) and is written only with `force`;
one that would not change keeps its bytes and its mtime. The file is written whole in the sample's
style, keeping its leading comment lines and its `published:` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl

from .. import pipeline
from ..content.load import PERIOD_RE
from ..content.sources import display_path
from ..output.formats import plain
from . import scaffold
from .sheet_io import (
    SCORE_ID,
    SCORE_NAME,
    SCORE_SHEET,
    SPARE_ROWS,
    Outcome,
    SheetError,
    Table,
    add_validation,
    as_text,
    cell_value,
    clipped,
    column_letter,
    header,
    help_sheet,
    normalise_number,
    protect,
    resolve_id,
    title_style,
    write_checked,
)

NOTE = "备注"


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
        title_style(cell)
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
        add_validation(
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
    protect(sheet)

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
    help_sheet(book, lines, meta)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out, len(companies)


# --- evaluation: import ------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    company: str
    scores: dict[str, Decimal]
    note: str | None


def _places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _score_rows(table: Table, known: scaffold.Known, notes: list[str]) -> list[ScoreRow]:
    header_row, columns = header(table)
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
        given = cell_value(values, id_col)
        filled = {key: cell_value(values, col) for key, col in part_cols.items()}
        note = cell_value(values, note_col)
        if all(v is None for v in filled.values()) and note is None:
            continue  # a blank row, or a company not evaluated this period: skipped
        if given is None and name_col is not None and cell_value(values, name_col) is not None:
            given = cell_value(values, name_col)
        if given is None:
            table.error((row, id_col + 1), f"这一行填了得分，但没有填写{SCORE_ID}")
            continue
        company = resolve_id(table, row, id_col, given, known.companies, "物业服务企业", notes)
        if company in seen:
            table.error(
                (row, id_col + 1), f"企业“{company}”在表中重复出现（第 {seen[company]} 行已有），每家企业只能有一行"
            )
            continue
        if company is not None:
            seen[company] = row
        name = known.companies.get(company or "", "")
        company = company or as_text(given)  # unknown: its scores are still checked, all problems at once
        scores: dict[str, Decimal] = {}
        for key, label, mx in known.parts:
            col = part_cols[key]
            value = filled[key]
            if value is None:
                table.error((row, col + 1), f"{name}（{company}）的“{label}”评分还没有填写")
                continue
            number = normalise_number(value)
            if number is None:
                table.error((row, col + 1), f"{label}评分“{clipped(value)}”不是数字", hint="只写阿拉伯数字，如 27.5")
            elif number < 0:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 不能是负数")
            elif number > mx:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 超过满分 {plain(mx)}")
            elif _places(number) > 2:
                table.error((row, col + 1), f"{label}评分 {plain(number)} 最多保留两位小数", hint="四舍五入到两位小数")
            else:
                scores[key] = number.normalize() if number == number.to_integral_value() else number
        out.append(ScoreRow(company, scores, as_text(note) if note is not None else None))
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
            was, now = (f"“{note}”" if note else "（空）" for note in (before.note, after.note))
            changes.append(f"{named(company)} {NOTE}：{was} → {now}")
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


def import_evaluation(
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
    write_checked(content, content_arg, {rel: text}, outcome)
