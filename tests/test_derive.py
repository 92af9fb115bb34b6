"""The list rules of the contract, against hand-computed expectations."""

from datetime import date
from decimal import Decimal as D

from generator.domain.derive import (
    bottom_positions,
    competition_ranks,
    period_table,
    year_table,
)
from generator.domain.models import Evaluation, Period, ScoreRow
from generator.output.lists import lists_json

PARTS = ("authority", "street", "owners")


def evaluation(year: int, half: int, rows: dict[str, tuple[str, str, str]], district: str = "gx") -> Evaluation:
    return Evaluation(
        source=f"evaluations/{district}/{year}-H{half}.yaml",
        district=district,
        period=Period(year, half),
        published=date(year, 7 if half == 1 else 12, 1),
        scores=tuple(ScoreRow(c, tuple(zip(PARTS, map(D, parts))), None) for c, parts in rows.items()),
    )


def split(total: str) -> tuple[str, str, str]:
    """Three parts summing exactly to `total` (owners carries the remainder)."""
    t = D(total)
    return ("20", "20", str(t - 40))


def year(h1: dict[str, str] | None, h2: dict[str, str] | None, red=30, black="60", bottom=5, previous=None, y=2025):
    t1 = period_table(evaluation(y, 1, {c: split(t) for c, t in h1.items()})) if h1 is not None else None
    t2 = period_table(evaluation(y, 2, {c: split(t) for c, t in h2.items()})) if h2 is not None else None
    return year_table("gx", y, t1, t2, red, D(black), bottom, previous)


def test_competition_ranks_share_and_skip():
    assert competition_ranks({"a": D(90), "b": D(80), "c": D(80), "d": D(70)}) == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_bottom_position_counts_strictly_lower():
    assert bottom_positions({"a": D(90), "b": D(80), "c": D(80), "d": D(70)}) == {"d": 1, "b": 2, "c": 2, "a": 4}


def test_period_totals_are_exact_sums_and_rows_in_rank_then_id_order():
    table = period_table(
        evaluation(
            2025,
            1,
            {
                "zeta": ("27.1", "26.2", "30.3"),  # 83.6 on paper; 83.6 in float
                "alpha": ("27.3", "26.1", "30.2"),  # 83.6 on paper; 83.60000000000001 in float
                "mid": ("10", "10", "10"),
            },
        )
    )
    assert [(r.company, r.total, r.rank) for r in table.rows] == [
        ("alpha", D("83.6"), 1),
        ("zeta", D("83.6"), 1),
        ("mid", D(30), 3),
    ]


def test_annual_is_exact_mean_and_json_unrounded():
    t = year({"a": "81.5", "b": "70.25"}, {"a": "79", "b": "70"}, bottom=0)
    data = lists_json(t)
    assert data["district"] == "gx" and data["year"] == 2025
    first = data["companies"][0]
    assert first == {
        "company": "a",
        "h1_total": 81.5,
        "h2_total": 79.0,
        "annual": 80.25,
        "annual_rank": 1,
        "h1_rank": 1,
        "h2_rank": 1,
        "red": True,
        "black": False,
        "dismissal": False,
    }
    assert data["companies"][1]["annual"] == 70.125


def test_red_list_tie_at_boundary_lengthens_the_list():
    t = year(
        {"a": "90", "b": "85", "c": "85", "d": "70"}, {"a": "90", "b": "85", "c": "85", "d": "70"}, red=2, bottom=0
    )
    assert t.members("red") == ("a", "b", "c")
    assert [r.annual_rank for r in t.rows] == [1, 2, 2, 4]


def test_black_list_excludes_red():
    t = year({"a": "90", "b": "59.99", "c": "80"}, {"a": "90", "b": "59.99", "c": "80"}, red=3, bottom=0)
    assert t.members("black") == ("b",)
    assert t.members("red") == ("a", "c")


def test_black_line_is_strictly_below():
    t = year({"a": "60", "b": "59.5"}, {"a": "60", "b": "60.49"}, bottom=0)
    assert t.members("black") == ("b",)  # annual 59.995 < 60; exactly 60 is not black


def test_dismissal_needs_bottom_in_both_halves_and_ties_share():
    h1 = {"a": "90", "b": "50", "c": "50", "d": "70"}
    h2 = {"a": "90", "b": "40", "c": "80", "d": "40"}
    t = year(h1, h2, red=10, bottom=1)
    # H1 bottom positions: b 1, c 1 (tie shares); H2: b 1, d 1. Only b is bottom-1 in both halves.
    assert t.members("dismissal") == ("b",)
    assert "b" not in t.members("red")
    assert set(t.members("red")) == {"a", "c"}
    assert t.members("black") == ("d", "b")  # annuals 55 and 45, in rank order


def test_dismissal_with_ties_in_bottom_n():
    h = {"a": "90", "b": "50", "c": "50", "d": "50", "e": "70"}
    t = year(h, h, red=10, bottom=2)
    assert t.members("dismissal") == ("b", "c", "d")  # all three share bottom position 1 <= 2


def test_incomplete_year_has_no_annual_and_no_list():
    t = year({"a": "90", "b": "55"}, {"a": "90", "c": "40"}, red=10, bottom=0)
    rows = {r.company: r for r in t.rows}
    assert rows["b"].annual is None and rows["b"].annual_rank is None and rows["b"].status == "incomplete"
    assert rows["c"].annual is None and not (rows["c"].red or rows["c"].black or rows["c"].dismissal)
    assert rows["a"].annual_rank == 1 and rows["a"].red
    assert [r.company for r in t.rows] == ["a", "b", "c"]  # complete first, then incomplete by id
    json_rows = {r["company"]: r for r in lists_json(t)["companies"]}
    assert json_rows["b"]["h2_total"] is None and json_rows["b"]["h2_rank"] is None and json_rows["b"]["annual"] is None
    assert json_rows["c"]["h1_total"] is None and json_rows["c"]["h2_total"] == 40.0


def test_every_company_is_in_the_bottom_n_when_fewer_than_n_are_evaluated():
    t = year({"a": "95", "b": "90"}, {"a": "95", "b": "90"}, red=10, bottom=5)
    assert t.members("dismissal") == ("a", "b") and t.members("red") == ()


def test_year_with_only_first_half():
    t = year({"a": "90", "b": "80"}, None)
    assert not t.has_annual
    assert all(r.status == "incomplete" for r in t.rows)


def test_float_trap_totals_tie_on_paper():
    h1 = {"zeta": ("27.1", "26.2", "30.3"), "alpha": ("27.3", "26.1", "30.2"), "low": ("10", "10", "10")}
    t1 = period_table(evaluation(2025, 1, h1))
    t2 = period_table(evaluation(2025, 2, h1))
    t = year_table("gx", 2025, t1, t2, 1, D(60), 0, None)
    assert t.members("red") == ("alpha", "zeta")
    assert t.get("alpha").annual == t.get("zeta").annual == D("83.6")


def test_changes_since_previous_year():
    prev = year({"a": "90", "b": "85", "c": "50"}, {"a": "90", "b": "85", "c": "50"}, red=2, bottom=0, y=2024)
    now = year({"a": "50", "b": "85", "c": "90"}, {"a": "50", "b": "85", "c": "90"}, red=2, bottom=0, previous=prev)
    assert now.changes["red"].entered == ("c",)
    assert now.changes["red"].left == ("a",)
    assert now.changes["red"].stayed == ("b",)
    assert now.changes["black"].entered == ("a",) and now.changes["black"].left == ("c",)
    assert prev.changes is None
