"""`bulletin export` and `bulletin import`: the Excel/WPS round trip of a half-year's scores and a
community's compounds roster, through the real command, on the minimal bulletin (conftest)."""

from __future__ import annotations

import csv
import io
import os

import openpyxl
import pytest

from conftest import TODAY, bulletin_subprocess, cli

EVALUATION = "content/evaluations/gx/2025-H2.yaml"


def export_scores(period: str = "2025-H2", name: str | None = None):
    args = ["export", "evaluation", "--district", "gx", "--period", period]
    if name:
        args += ["-o", name]
    run = cli(*args)
    assert run.exit_code == 0, run.output
    return name or f"gx-{period}.xlsx"


def fill(path: str, cells: dict[str, object], sheet: str = "评分") -> None:
    book = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        book[sheet][ref] = value
    book.save(path)


def rows_of(path: str, sheet: str = "评分") -> list[list[object]]:
    book = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in book[sheet].iter_rows(values_only=True)]


def as_csv(rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        if any(v is not None for v in row):
            writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def test_the_exported_workbook_locks_ids_validates_scores_and_says_what_it_is(project):
    path = export_scores()
    book = openpyxl.load_workbook(path)
    sheet = book["评分"]
    assert [c.value for c in sheet[1]] == [
        "企业标识",
        "企业名称",
        "主管部门（满分 30）",
        "街道社区（满分 30）",
        "业主（满分 40）",
        "备注",
    ]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3, 4)] == ["alpha", "beta", "guoqi"]
    assert sheet["B2"].value == "阿尔法物业服务有限公司"
    assert (sheet["C2"].value, sheet["D2"].value, sheet["E2"].value) == (27, 27, 36)  # existing scores
    assert sheet.protection.sheet and not sheet.protection.password
    assert sheet["A2"].protection.locked and sheet["B2"].protection.locked
    assert not sheet["C2"].protection.locked and not sheet["F2"].protection.locked
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    owners = rules["E2"]
    assert (owners.type, owners.operator, owners.formula1, owners.formula2) == ("decimal", "between", "0", "40")
    assert owners.showErrorMessage and "0 到 40" in owners.error
    assert rules["C2"].formula2 == "30"
    assert "说明" in book.sheetnames
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "bulletin import gx-2025-H2.xlsx" in text and "--force" in text and "满分 40" in text
    assert book.defined_names["bulletin_district"].attr_text.endswith("$B$" + str(_row_of(book, "gx")))


def _row_of(book, value: str) -> int:
    return next(c.row for row in book["说明"].iter_rows() for c in row if c.value == value and c.column == 2)


def test_unknown_district_or_bad_period_names_the_choices(project):
    run = cli("export", "evaluation", "--district", "gaoxin", "--period", "2025-H2")
    assert run.exit_code == 2 and "可选：gx（高新区）" in run.output
    run = cli("export", "evaluation", "--district", "gx", "--period", "2025-H3")
    assert run.exit_code == 2 and "2026-H1" in run.output


def test_the_district_and_period_as_people_write_them(project):
    run = cli("export", "evaluation", "--district", "高新区", "--period", "2026年上半年")
    assert run.exit_code == 0, run.output
    assert "“高新区” → gx（高新区）" in run.output and "“2026年上半年” → 2026-H1" in run.output
    assert (project / "gx-2026-H1.xlsx").is_file()


def test_a_second_download_keeps_its_meaning(project):
    """A browser saves a second copy as `gx-2026-H1 (1).csv`: still that district's half-year."""
    path = export_scores("2026-H1")
    rows = rows_of(path)
    for row in rows[1:4]:
        row[2:5] = [26, 25, 33]
    (project / "gx-2026-H1 (1).csv").write_bytes(as_csv(rows).encode("gbk"))
    run = cli("import", "gx-2026-H1 (1).csv")
    assert run.exit_code == 0, run.output
    assert (project / "content/evaluations/gx/2026-H1.yaml").is_file()


def test_an_import_that_changes_nothing_leaves_the_file_alone(project):
    path = export_scores()
    fill(path, {"C2": "２７分"})  # the same score, written full-width with 分
    target = project / EVALUATION
    before, stamp = target.read_bytes(), target.stat().st_mtime_ns
    run = cli("import", path)
    assert run.exit_code == 0, run.output
    assert "没有变化" in run.output
    assert target.read_bytes() == before and target.stat().st_mtime_ns == stamp


def test_a_differing_file_is_shown_and_kept_until_force(project):
    path = export_scores()
    fill(path, {"C2": 27.5, "F3": "整改完成"})
    target = project / EVALUATION
    before = target.read_bytes()
    run = cli("import", path)
    assert run.exit_code == 1
    assert "阿尔法物业服务有限公司（alpha） 主管部门：27 → 27.5" in run.output
    assert "贝塔物业服务有限公司（beta） 备注：“整改中” → “整改完成”" in run.output
    assert "--force" in run.output and target.read_bytes() == before
    run = cli("import", path, "--force")
    assert run.exit_code == 0, run.output
    text = target.read_text(encoding="utf-8")
    assert "- company: alpha\n  authority: 27.5\n" in text and "note: 整改完成" in text
    assert "published: 2026-01-20" in text and text.startswith("period: 2025-H2\n")
    assert cli("check", "--today", TODAY).exit_code == 0


def test_every_problem_of_the_table_is_named_by_its_cell_and_nothing_is_written(project):
    path = export_scores()
    fill(
        path,
        {
            "D3": 31,  # over the maximum
            "E4": None,  # one part blank
            "C5": "阿尔法物业",  # a name typed where the id goes (unknown)
            "D5": 1,
            "A6": "alpah",
            "C6": -1,
            "D6": 1.234,
            "E6": "abc",
            "A7": "beta",
            "C7": 1,
            "D7": 1,
            "E7": 1,
        },
    )
    fill(path, {"A5": "阿尔法物业", "C5": 1, "E5": 1})
    target = project / EVALUATION
    before = target.read_bytes()
    run = cli("import", path)
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert f"{path}:评分!D3: error: 街道社区评分 31 超过满分 30" in lines
    assert f"{path}:评分!E4: error: 高新区城市服务集团有限公司（guoqi）的“业主”评分还没有填写" in lines
    assert any(
        line.startswith(f"{path}:评分!A5: error: 没有标识为“阿尔法物业”的物业服务企业")
        and "是不是 alpha（阿尔法物业服务有限公司）？" in line
        for line in lines
    )
    assert any(line.startswith(f"{path}:评分!A6: error:") and "是不是 alpha" in line for line in lines)
    assert f"{path}:评分!C6: error: 主管部门评分 -1 不能是负数" in lines
    assert any(line.startswith(f"{path}:评分!D6: error: 街道社区评分 1.234 最多保留两位小数") for line in lines)
    assert any(line.startswith(f"{path}:评分!E6: error: 业主评分“abc”不是数字") for line in lines)
    assert f"{path}:评分!A7: error: 企业“beta”在表中重复出现（第 3 行已有），每家企业只能有一行" in lines
    assert "没有写入任何文件" in run.output and target.read_bytes() == before


def test_a_full_company_name_in_the_id_column_is_resolved_with_a_note(project):
    path = export_scores("2026-H1")
    fill(path, {"A2": "阿尔法物业服务有限公司", "C2": 20, "D2": 20, "E2": 30})
    run = cli("import", path, "--published", "2026-07-15")
    assert run.exit_code == 0, run.output
    assert "按名称认定为 alpha" in run.output
    text = (project / "content/evaluations/gx/2026-H1.yaml").read_text(encoding="utf-8")
    assert "- company: alpha\n  authority: 20\n  street: 20\n  owners: 30\n" in text
    assert "published: 2026-07-15" in text and "beta" not in text  # blank rows skipped


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_new_half_year_round_trips_through_csv_as_excel_saves_it(project, encoding):
    path = export_scores("2026-H1")
    rows = rows_of(path)
    for row in rows[1:4]:
        row[2:5] = ["２６.５分", 25, 33.25]
    rows[2][5] = "新进驻"
    name = "gx-2026-H1.csv"
    (project / name).write_bytes(as_csv(rows).encode(encoding))
    assert b"\r\n" in (project / name).read_bytes()
    run = cli("import", name)
    assert run.exit_code == 0, run.output
    target = project / "content/evaluations/gx/2026-H1.yaml"
    text = target.read_text(encoding="utf-8")
    assert "- company: beta\n  authority: 26.5\n  street: 25\n  owners: 33.25\n  note: 新进驻\n" in text
    assert "published: " in text
    again = cli("import", name)
    assert again.exit_code == 0 and "没有变化" in again.output
    bad = [list(r) for r in rows]
    bad[3][4] = 41
    (project / name).write_bytes(as_csv(bad).encode(encoding))
    run = cli("import", name)
    assert run.exit_code == 1
    assert f"{name}:4:5: error: 业主评分 41 超过满分 40" in run.stdout.splitlines()
    assert cli("check", "--today", TODAY).exit_code == 0


def test_the_whole_round_trip_through_the_installed_command_then_build(project):
    done = bulletin_subprocess("export", "evaluation", "--district", "gx", "--period", "2026-H1", cwd=project)
    assert done.returncode == 0, done.stderr
    fill(str(project / "gx-2026-H1.xlsx"), {f"{c}{r}": 20 for c in "CDE" for r in (2, 3, 4)})
    done = bulletin_subprocess("import", "gx-2026-H1.xlsx", "--published", "2026-07-15", cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    done = bulletin_subprocess("check", "--today", TODAY, cwd=project)
    assert done.returncode == 0, done.stdout
    done = bulletin_subprocess("build", "--today", TODAY, cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "site").is_dir()


# --- the compounds roster -------------------------------------------------------------------------


def export_roster(name: str = "yf.xlsx") -> str:
    run = cli("export", "compounds", "--community", "yf", "-o", name)
    assert run.exit_code == 0, run.output
    return name


def test_the_exported_roster_offers_the_types_and_the_latest_years(project):
    path = export_roster()
    book = openpyxl.load_workbook(path)
    sheet = book["小区"]
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["小区标识", "小区名称", "户数", "小区类型", "物业服务企业标识", "业主组织形式"]
    assert header[6:] == ["2024年物业费收缴率", "2024年投诉量", "2025年物业费收缴率", "2025年投诉量"]
    assert [sheet["A2"].value, sheet["A3"].value] == ["fuhai", "lanting"]
    assert sheet["D2"].value == "居民自治型" and sheet["I2"].value == "100%"
    assert sheet.protection.sheet and sheet["A2"].protection.locked and not sheet["C2"].protection.locked
    types = next(v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith("D2"))
    assert types.type == "list" and "物业服务企业管理型" in types.formula1
    run = cli("export", "compounds", "--community", "yfx")
    assert (
        run.exit_code == 2
        and "没有找到“yfx”：请写社区的名称或标识（是不是“yf”？）；可选：yf（鸢飞社区）、zy（张营社区）" in run.output
    )


def test_the_roster_edits_only_the_changed_values_in_place(project):
    target = project / "content/compounds/lanting.yaml"
    original = target.read_text(encoding="utf-8")
    target.write_text("# 兰亭苑：示例数据\n" + original.replace("households: 500", "households: 500  # 户"), "utf-8")
    fuhai = project / "content/compounds/fuhai.yaml"
    fuhai_before = fuhai.read_bytes()
    path = export_roster()
    fill(path, {"C3": 520, "I3": 91, "J3": 4, "G3": "85%"}, sheet="小区")
    run = cli("import", path)
    assert run.exit_code == 1 and "兰亭苑（lanting） 户数：500 → 520" in run.output
    assert "按 91% 理解为 0.91" in run.output
    run = cli("import", path, "--force")
    assert run.exit_code == 0, run.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# 兰亭苑：示例数据\n") and "households: 520  # 户\n" in text
    assert "fee_collection: {2025: 0.91, 2024: 0.85}" in text and "complaints:\n  2025: 4\n" in text
    assert fuhai.read_bytes() == fuhai_before  # nothing changed there: not touched
    assert cli("check", "--today", TODAY).exit_code == 0
    stamp = target.stat().st_mtime_ns
    run = cli("import", path)
    assert run.exit_code == 0 and "没有变化" in run.output and target.stat().st_mtime_ns == stamp


def test_the_roster_round_trips_through_gbk_csv_and_reports_bad_cells(project):
    path = export_roster()
    rows = rows_of(path, "小区")
    rows[2][2] = "很多"
    rows[2][3] = "商品房"
    rows[3] = ["nosuch", "", 1, "", "", "", "", "", "", ""]
    (project / "yf.csv").write_bytes(as_csv(rows).encode("gbk"))
    run = cli("import", "yf.csv")
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert any(line.startswith("yf.csv:3:3: error: 户数“很多”应是 0 或正整数") for line in lines)
    assert any(line.startswith("yf.csv:3:4: error: 小区类型“商品房”不是可选值") for line in lines)
    assert any(line.startswith("yf.csv:4:1: error: 没有标识为“nosuch”的小区") for line in lines)
    rows = rows_of(path, "小区")
    rows[1][9] = 10  # fuhai's 2025 complaints: 9 → 10
    (project / "yf.csv").write_bytes(as_csv(rows).encode("gbk"))
    run = cli("import", "yf.csv", "--force")
    assert run.exit_code == 0, run.output
    assert "complaints: {2024: 50, 2025: 10}" in (project / "content/compounds/fuhai.yaml").read_text("utf-8")
    assert cli("check", "--today", TODAY).exit_code == 0
    os.remove(project / "yf.csv")
