"""Open data under /data/: every resource of datapackage.json exists and matches its schema (CSV
header = the fields in order, JSON keys the same), CSV opens in Excel (BOM) and cannot run
formulas, ids are stable and unique, only published records appear, and Frictionless itself
accepts the package, foreign keys included."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from generator.output.opendata import csv_cell

from conftest import SAMPLE, TODAY, cli, write_tree

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def data(project) -> Path:
    # A company whose address looks like a spreadsheet formula.
    companies = project / "content/companies/beta.yaml"
    companies.write_text(
        companies.read_text(encoding="utf-8") + 'address: "=HYPERLINK(\\"http://evil\\",\\"点我\\")"\n',
        encoding="utf-8",
    )
    write_tree(
        project / "content",
        {
            "projects/plus.md": "---\ntitle: '+1 加装电梯'\ncategory: facility\n"
            "status: planned\ncommunities: [zy]\n---\n说明。\n"
        },
    )
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    return project / "site/data"


def package(data: Path) -> dict:
    return json.loads((data / "datapackage.json").read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM), path
    return list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))


def test_descriptor_names_every_resource_and_field(data):
    pkg = package(data)
    assert pkg["profile"] == "data-package" and pkg["name"] == "example-org-bulletin"
    assert pkg["title"] and pkg["licenses"][0]["name"] == "CC-BY-4.0"
    names = [r["name"] for r in pkg["resources"]]
    stems = [
        "districts",
        "streets",
        "communities",
        "compounds",
        "compound_years",
        "companies",
        "evaluations",
        "annual_results",
        "projects",
        "notices",
    ]
    assert names == stems + [f"{s}-json" for s in stems]
    for r in pkg["resources"]:
        assert {"name", "path", "title", "description", "format", "mediatype", "encoding", "schema"} <= set(r)
        assert (r["format"], r["mediatype"]) in (("csv", "text/csv"), ("json", "application/json"))
        for f in r["schema"]["fields"]:
            assert set(f) == {"name", "type", "title", "description"} and f["title"] and f["description"], f
            assert f["type"] in {"string", "integer", "number", "boolean", "date"}
        assert r["schema"]["primaryKey"]
        assert set(r["schema"]["primaryKey"]) <= {f["name"] for f in r["schema"]["fields"]}


def assert_resources_match(data: Path) -> None:
    for r in package(data)["resources"]:
        path = data / r["path"]
        assert path.is_file(), path
        names = [f["name"] for f in r["schema"]["fields"]]
        key = r["schema"]["primaryKey"]
        if r["format"] == "csv":
            rows = read_csv(path)
            assert rows[0] == names, path
            records = [dict(zip(names, row)) for row in rows[1:]]
            assert all(len(row) == len(names) for row in rows)
        else:
            records = json.loads(path.read_text(encoding="utf-8"))
            assert all(list(rec) == names for rec in records), path
        keys = [tuple(rec[k] for k in key) for rec in records]
        assert len(keys) == len(set(keys)) and all(all(k) for k in keys), path  # stable ids, unique, never empty


def test_every_resource_exists_and_matches_its_schema(data):
    assert_resources_match(data)


def test_sample_data_package(tmp_path):
    out = tmp_path / "site"
    run = cli("build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY)
    assert run.exit_code == 0, run.output
    data = out / "data"
    assert_resources_match(data)
    rows = {r["name"]: len(read_csv(data / r["path"])) - 1 for r in package(data)["resources"] if r["format"] == "csv"}
    assert rows["compounds"] == len(list((SAMPLE / "compounds").glob("*.yaml")))
    assert rows["companies"] == len(list((SAMPLE / "companies").glob("*.yaml")))
    assert rows["projects"] == len(list((SAMPLE / "projects").glob("*.md")))
    frictionless = pytest.importorskip("frictionless", reason="frictionless is a test extra: pip install '.[test]'")
    report = frictionless.validate(str(data / "datapackage.json"))
    assert report.valid, [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors][:10]


def test_csv_and_json_carry_the_same_values(data):
    for stem in ("compounds", "evaluations", "annual_results", "notices"):
        header, *rows = read_csv(data / f"{stem}.csv")
        records = json.loads((data / f"{stem}.json").read_text(encoding="utf-8"))
        assert len(rows) == len(records)
        for row, rec in zip(rows, records):
            for name, cell in zip(header, row):
                value = rec[name]
                if value is None:
                    assert cell == ""
                elif isinstance(value, bool):
                    assert cell == ("true" if value else "false")
                elif isinstance(value, (int, float)):
                    assert Decimal(cell) == Decimal(str(value))
                else:
                    assert cell.lstrip("'") == value


def test_formula_injection_is_guarded(data):
    companies = {row[0]: row for row in read_csv(data / "companies.csv")[1:]}
    header = read_csv(data / "companies.csv")[0]
    address = companies["beta"][header.index("address")]
    assert address == '\'=HYPERLINK("http://evil","点我")'
    projects = read_csv(data / "projects.csv")
    assert {row[1] for row in projects[1:]} == {"福海花园管网改造", "'+1 加装电梯"}
    # JSON keeps the text exactly as written
    beta = [c for c in json.loads((data / "companies.json").read_text(encoding="utf-8")) if c["company_id"] == "beta"]
    assert beta[0]["address"].startswith("=HYPERLINK")
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(dangerous) == "'" + dangerous
    assert csv_cell(Decimal("-1.5")) == "-1.5"  # numbers are numbers, not text
    assert csv_cell("福海") == "福海" and csv_cell(None) == "" and csv_cell(True) == "true"


def test_values_and_derived_results(data):
    header, *rows = read_csv(data / "evaluations.csv")
    ev = {(r[0], r[1], r[5]): dict(zip(header, r)) for r in rows}
    guoqi = ev[("gx", "2025-H1", "guoqi")]
    assert (guoqi["score_authority"], guoqi["score_street"], guoqi["score_owners"]) == ("28", "27", "36.25")
    assert (guoqi["total"], guoqi["rank"], guoqi["bottom_position"]) == ("91.25", "1", "3")
    assert ev[("gx", "2025-H2", "beta")]["note"] == "整改中"
    header, *rows = read_csv(data / "annual_results.csv")
    annual = {r[2]: dict(zip(header, r)) for r in rows}
    assert (
        annual["beta"]["annual"] == "61" and annual["beta"]["dismissal"] == "true" and annual["beta"]["red"] == "false"
    )
    assert annual["alpha"]["annual"] == "89.25" and annual["alpha"]["annual_rank"] == "2"
    assert annual["alpha"]["status"] == "红榜"
    header, *rows = read_csv(data / "compound_years.csv")
    years = {(r[0], r[1]): dict(zip(header, r)) for r in rows}
    assert years[("fuhai", "2025")]["fee_collection_rate"] == "1" and years[("fuhai", "2024")]["complaints"] == "50"
    assert years[("lanting", "2025")]["complaints"] == ""
    header, *rows = read_csv(data / "compounds.csv")
    fuhai = next(dict(zip(header, r)) for r in rows if r[0] == "fuhai")
    assert (
        fuhai["company_id"] == "" and fuhai["type"] == "self" and fuhai["url"] == "https://example.org/compounds/fuhai/"
    )


def test_only_published_notices(project):
    run = cli("build", "--today", TODAY, "--drafts")
    assert run.exit_code == 0
    ids = [row[0] for row in read_csv(project / "site/data/notices.csv")[1:]]
    assert ids == ["gongshi", "tongzhi"]  # no draft (not even in a preview), no future notice
    text = (project / "site/data/notices.json").read_text(encoding="utf-8")
    assert "caogao" not in text and "weilai" not in text


def test_frictionless_accepts_the_package(data):
    frictionless = pytest.importorskip("frictionless", reason="frictionless is a test extra: pip install '.[test]'")
    report = frictionless.validate(str(data / "datapackage.json"))
    problems = [f"{task.name}: {err.message}" for task in report.tasks for err in task.errors]
    assert report.valid, problems
    broken = data / "compounds.csv"
    broken.write_bytes(broken.read_bytes().replace(b",yf,xc,", b",nowhere,xc,", 1))
    report = frictionless.validate(str(data / "datapackage.json"))
    assert not report.valid  # it does check the foreign keys
    assert any("foreign" in err.type for task in report.tasks for err in task.errors)


def test_data_page_explains_every_dataset(data):
    html = (data / "index.html").read_text(encoding="utf-8")
    for r in package(data)["resources"]:
        assert f'href="/data/{r["path"]}"' in html, r["path"]
        for f in r["schema"]["fields"]:
            assert f"<code>{f['name']}</code>" in html and f["title"] in html
    assert "datapackage.json" in html and "Excel" in html


def test_list_files_keep_their_contract(data):
    assert sorted(p.name for p in (data / "lists/gx").iterdir()) == ["2025.json"]
    doc = json.loads((data / "lists/gx/2025.json").read_text(encoding="utf-8"))
    assert set(doc) == {"district", "year", "companies"}


@pytest.mark.parametrize("rows", [0, 1, 3])
def test_files_assembled_from_rows_are_the_whole_dataset_bytes(rows):
    """CSV and JSON are assembled from each row's text (so the edit loop re-encodes only changed
    rows): byte for byte what encoding the whole dataset at once gives."""
    from datetime import date

    from generator.engine.memo import Memo
    from generator.output.opendata import Dataset, F, json_value, to_csv, to_json

    fields = (
        F("id", "string", "编号", ""),
        F("amount", "number", "金额", ""),
        F("day", "date", "日期", ""),
        F("flag", "boolean", "是否", ""),
        F("count", "integer", "个数", ""),
    )
    values = [
        ('a,"b"\n', Decimal("1.50"), date(2026, 1, 2), True, 0),
        ("=1+1", None, None, False, 12),
        ("中文\u2028", Decimal("3"), None, None, None),
    ]
    ds = Dataset("t", "测试", "", fields, ("id",), (), tuple(values[:rows]))
    names = [f.name for f in fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in ds.rows:
        writer.writerow([csv_cell(v) for v in row])
    expected_csv = "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")
    expected_json = (
        json.dumps([{k: json_value(v) for k, v in zip(names, row)} for row in ds.rows], ensure_ascii=False, indent=1)
        + "\n"
    ).encode("utf-8")
    assert (to_csv(ds), to_json(ds)) == (expected_csv, expected_json)
    memo = Memo()  # the edit loop's path: rows remembered, then reused
    for _ in range(2):
        memo.begin()
        assert (to_csv(ds, memo), to_json(ds, memo)) == (expected_csv, expected_json)
        memo.finish()
