"""`bulletin check --format github` prints GitHub Actions annotations on the right lines, escaped
as the runner expects; `--format json` stays as it was."""

from __future__ import annotations

import json

from generator.content.errors import Loc, Problem

from conftest import TODAY, cli


def test_annotations_point_at_the_line(project):
    notice = project / "content/notices/2026/gongshi.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("category: 公示", "category: 公告"), encoding="utf-8")
    run = cli("check", "--today", TODAY, "--format", "github")
    assert run.exit_code == 1
    lines = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert lines == [
        "::error file=content/notices/2026/gongshi.md,line=4,col=11,title=bulletin%3A category::"
        "“公告”不是可选值；可选：通知、公示、红黑榜、项目、活动、招聘（是不是“公示”？）"
    ]
    assert run.stdout.rstrip().splitlines()[-1].startswith("检查未通过")


def test_warnings_are_warning_annotations(project):
    compound = project / "content/compounds/laoyuan.yaml"
    compound.write_text(
        compound.read_text(encoding="utf-8").replace("fee_collection: {2025: 0.75}\n", ""), encoding="utf-8"
    )
    run = cli("check", "--today", TODAY, "--format", "github")
    assert run.exit_code == 0
    assert any(
        line.startswith("::warning file=content/compounds/laoyuan.yaml,line=1,col=1,")
        for line in run.stdout.splitlines()
    )


def test_clean_content_prints_no_annotation(project):
    run = cli("check", "--today", TODAY, "--format", "github")
    assert run.exit_code == 0
    assert not [line for line in run.stdout.splitlines() if line.startswith("::")]


def test_escaping_of_data_and_properties():
    problem = Problem(Loc("content/a,b:c.md", 3, 2), "100% 错\r\n第二行", field="x:y,z", hint="提示 50%")
    assert problem.github() == (
        "::error file=content/a%2Cb%3Ac.md,line=3,col=2,title=bulletin%3A x%3Ay%2Cz::"
        "100%25 错%0D%0A第二行（提示 50%25）"
    )
    warning = Problem(Loc("content/x.yaml"), "注意", severity="warning")
    assert warning.github() == "::warning file=content/x.yaml,line=1,col=1,title=bulletin::注意"


def test_json_format_is_kept(project):
    notice = project / "content/notices/2026/gongshi.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("category: 公示", "category: 公告"), encoding="utf-8")
    run = cli("check", "--today", TODAY, "--format", "json")
    data = json.loads(run.stdout)
    assert data["errors"] == 1
    assert {k: data["problems"][0][k] for k in ("path", "line", "col", "severity", "field")} == {
        "path": "content/notices/2026/gongshi.md",
        "line": 4,
        "col": 11,
        "severity": "error",
        "field": "category",
    }
