"""The machine-readable list files: `/data/lists/<district>/<year>.json`, one per year of a
district's evaluations, in their own documented shape (docs/content-model.md): every company of
the year with its half-year totals and ranks, its annual score and rank, and whether it is on
the red list, the black list or referred for dismissal. Numbers are unrounded, written as every
JSON number of the site is (`formats.json_number`).
"""

from __future__ import annotations

import json
from decimal import Decimal

from ..domain.derive import YearTable
from .formats import json_number


def lists_json(table: YearTable) -> dict:
    """The list file's data: exactly the documented shape, numbers unrounded."""

    def num(value: Decimal | None) -> int | float | None:
        return None if value is None else json_number(value)

    return {
        "district": table.district,
        "year": table.year,
        "companies": [
            {
                "company": r.company,
                "h1_total": num(r.h1.total if r.h1 else None),
                "h2_total": num(r.h2.total if r.h2 else None),
                "annual": num(r.annual),
                "annual_rank": r.annual_rank,
                "h1_rank": r.h1.rank if r.h1 else None,
                "h2_rank": r.h2.rank if r.h2 else None,
                "red": r.red,
                "black": r.black,
                "dismissal": r.dismissal,
            }
            for r in table.rows
        ],
    }


def list_file(table: YearTable) -> bytes:
    return (json.dumps(lists_json(table), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
