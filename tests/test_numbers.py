"""One way to write a number (`output.formats`): every data file writes the same fact the same
way, and what a reader sees is rounded half up from the exact value.

A score was `87.0` in `/data/lists/<district>/<year>.json` and `87` in `/data/annual_results.json`
when each file had a formatter of its own; the site tests below compare every number the data
files share, as the text each file holds."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from generator.output.formats import json_number, plain, rounded

from conftest import TODAY, cli


@pytest.mark.parametrize(
    "value, text",
    [
        (D("87"), "87"),
        (D("87.0"), "87"),
        (D("87.50"), "87.5"),
        (D("86.875"), "86.875"),
        (D("1E+2"), "100"),
        (D("0.10"), "0.1"),
        (D("0"), "0"),
        (D("-3.50"), "-3.5"),
        (12, "12"),
    ],
)
def test_plain_is_the_exact_number_without_trailing_zeros(value, text):
    assert plain(value) == text
    assert json.dumps(json_number(value)) == text  # JSON writes the very same text


def test_json_numbers_read_back_exactly():
    for text in ("91.25", "89.125", "0.875", "61", "100", "0.05", "33.333"):
        number = json_number(D(text))
        assert D(json.dumps(number)) == D(text) and isinstance(number, int) == ("." not in text)
    assert isinstance(json_number(D(2**53)), float)  # beyond what JavaScript holds exactly


@pytest.mark.parametrize(
    "value, places, trim, text",
    [
        (D("87"), 2, False, "87.00"),
        (D("87.5"), 2, False, "87.50"),
        (D("0.125"), 2, False, "0.13"),
        (D("0.135"), 2, False, "0.14"),
        (D("2.5"), 0, False, "3"),
        (D("87.50"), 2, True, "87.5"),
        (D("90.0"), 1, True, "90"),
        (D("1E+2"), 2, False, "100.00"),
        (D("0.0001"), 2, False, "0.00"),
    ],
)
def test_rounded_is_half_up_from_the_exact_value(value, places, trim, text):
    assert rounded(value, places, trim) == text


def _numbers_as_written(text: str):
    """The JSON document with every number kept as the text the file holds."""
    return json.loads(text, parse_float=lambda s: ("number", s), parse_int=lambda s: ("number", s))


def _tokens(value) -> list[str]:
    if isinstance(value, tuple) and value[:1] == ("number",):
        return [value[1]]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tokens(v)]
    if isinstance(value, list):
        return [t for v in value for t in _tokens(v)]
    return []


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes()[3:].decode("utf-8"), newline="")))


@pytest.fixture
def data(project) -> Path:
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    return project / "site/data"


def test_every_json_number_is_written_the_one_way(data):
    files = sorted(data.rglob("*.json"))
    assert any("lists" in p.parts for p in files) and (data / "annual_results.json") in files
    for path in files:
        for token in _tokens(_numbers_as_written(path.read_text(encoding="utf-8"))):
            assert token == plain(D(token)), f"{path.relative_to(data)}: {token}"  # never 87.0 or 1e2


def test_every_data_file_writes_a_shared_fact_as_the_list_file_does(data):
    annual_json = {
        (r["district_id"], r["year"][1], r["company_id"]): r
        for r in _numbers_as_written((data / "annual_results.json").read_text(encoding="utf-8"))
    }
    annual_csv = {(r["district_id"], r["year"], r["company_id"]): r for r in _csv(data / "annual_results.csv")}
    periods_json = {
        (r["district_id"], r["period"], r["company_id"]): r
        for r in _numbers_as_written((data / "evaluations.json").read_text(encoding="utf-8"))
    }
    periods_csv = {(r["district_id"], r["period"], r["company_id"]): r for r in _csv(data / "evaluations.csv")}
    compared = set()
    for path in sorted((data / "lists").rglob("*.json")):
        doc = _numbers_as_written(path.read_text(encoding="utf-8"))
        district, year = doc["district"], doc["year"][1]
        for row in doc["companies"]:
            key = (district, year, row["company"])
            for field in ("h1_total", "h2_total", "annual", "annual_rank"):
                listed = row[field][1] if row[field] is not None else ""
                in_json = annual_json[key][field]
                assert (in_json[1] if in_json is not None else "") == listed, (path.name, key, field)
                assert annual_csv[key][field] == listed, (path.name, key, field)
                compared.add(listed)
            for half in ("h1", "h2"):
                if row[f"{half}_total"] is None:
                    continue
                period = (district, f"{year}-{half.upper()}", row["company"])
                assert periods_json[period]["total"][1] == row[f"{half}_total"][1]
                assert periods_csv[period]["total"] == row[f"{half}_total"][1]
    assert {"65", "61", "88.5", "89.25"} <= compared  # whole and fractional scores both compared
