"""Spreadsheets for the tables editors keep in Excel or WPS: `bulletin export` and `bulletin import`.

Two tables make the round trip: a district's half-year evaluation scores (`export_evaluation`,
`sheet_scores`) and a community's compounds roster (`export_compounds`, `sheet_compounds`); what
both share — reading a table, its problems, its numbers, the workbook's furniture, checked writing
— is `sheet_io`. This module is the face `cli.py` uses: the two exports, `SheetError`, and
`import_table`.

`import_table(content, content_arg, path, …)` reads a `.xlsx` or a `.csv` as Excel or WPS saves
it, tells which table it is (a workbook's defined names or sheet name, a CSV's header), and
returns an `Outcome`. Every problem of the table is collected at once, each with its cell; while
any remains nothing is written. An import that changes nothing leaves every file untouched (same
bytes, same mtime); one that changes an existing file lists every change and writes it only with
`force`. After writing, the project's own check runs; an error in a written file brings the old
bytes back. A table that cannot be read at all, or names an unknown district, period or kind,
raises `SheetError`: one Chinese sentence for the command to print.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .sheet_compounds import COMPOUND_ID, export_compounds, import_compounds
from .sheet_io import Outcome, SheetError, header, read_table
from .sheet_scores import export_evaluation, import_evaluation

__all__ = ["Outcome", "SheetError", "export_compounds", "export_evaluation", "import_table"]


# --- the entry point ---------------------------------------------------------------------------


def import_table(
    content: Path, content_arg: str, path: Path, force: bool = False, published: date | None = None
) -> Outcome:
    table = read_table(path)
    outcome = Outcome()
    kind = table.meta.get("kind")
    if kind is None:  # a CSV: its header says what it is
        _, columns = header(table)
        kind = "compounds" if COMPOUND_ID in columns else "evaluation"
        if kind == "evaluation":
            table.meta.pop("community", None)
    if kind == "evaluation":
        import_evaluation(content, content_arg, table, force, published, outcome)
    elif kind == "compounds":
        import_compounds(content, content_arg, table, force, outcome)
    else:
        raise SheetError(f"不认识的表格类型“{kind}”；请用 bulletin export 导出的表格填写")
    return outcome
