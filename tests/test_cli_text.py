"""Every line the CLI prints is Chinese, click's own words included; `bulletin new` asks until each
answer is right and takes names where ids belong; `bulletin ids` finds an id from a name.

Through the real entry points: the command in-process (`cli`), the installed command in a
subprocess, and `bulletin new` in a real terminal (a pty), as an editor runs it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
import yaml

from generator.tools import clitext
from generator.tools.scaffold import SCOPE_KINDS, Known, ScaffoldError, matches
from terminal import converse

from conftest import bulletin_subprocess, cli

# What click would print in English if a message escaped the catalog.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Error:|Try '|No such|Missing|Invalid value|does not|is not|"
    r"Show this|Show the version|default:|required\]|Got unexpected|requires an argument|Aborted"
)


def _click_messages() -> set[str]:
    """Every message template click's installed source passes to `_()` or `ngettext()`."""
    found = set()
    folder = Path(click.__file__).parent
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                count = 1 if node.func.id == "_" else 2
                for arg in node.args[:count]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
    return found


def test_every_click_message_has_a_chinese_translation():
    messages = _click_messages()
    assert len(messages) > 50  # the walk sees click's messages
    missing = sorted(m for m in messages if m not in clitext.CATALOG)
    assert missing == [], missing
    for english, chinese in clitext.CATALOG.items():
        assert re.search(r"[\u4e00-\u9fff]", chinese), english
        # the placeholders click fills in survive (a translation may drop `!r`)
        wanted = {p.split("!")[0] for p in re.findall(r"\{(\w+(?:!r)?)\}", english)}
        assert wanted == set(re.findall(r"\{(\w+)\}", chinese)), english


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["new", "notice", "--title", "甲", "--category", "公示", "--date", "2026年2月30日"], "这一天不存在"),
        (["new", "notice", "--title", "甲", "--category", "公示", "--date", "明天"], "请写成 年-月-日"),
        (["new", "notice", "--title", "甲", "--category", "公告"], "可选：通知、公示"),
        (["new", "notice", "--bogus"], "没有选项“--bogus”"),
        (["nope"], "没有命令“nope”"),
        (["check", "--format", "xml"], "“xml”不是可选值"),
        (["build", "--today", "2026-13-01"], "不是日期"),
        (["serve", "--port", "70000"], "不在允许的范围"),
        (["new", "notice", "--title"], "后面要写一个值"),
        (["check", "extra"], "多了参数"),
    ],
)
def test_usage_errors_are_chinese(project, args, said):
    run = cli(*args)
    assert run.exit_code == 2, run.output
    assert said in run.output
    assert run.output.lstrip().startswith(("错误：", "用法："))
    assert not ENGLISH.search(run.output), run.output


@pytest.mark.parametrize(
    "args",
    [[], ["build"], ["check"], ["serve"], ["new"], ["new", "notice"], ["new", "compound"], ["ids"]],
)
def test_help_is_chinese(args):
    run = cli(*args, "--help")
    assert run.exit_code == 0
    assert "用法：" in run.output and "选项" in run.output
    assert not ENGLISH.search(run.output), run.output
    assert not re.search(r"\b(TEXT|INTEGER|OPTIONS|COMMAND|ARGS)\b", run.output), run.output


def test_a_date_is_taken_as_people_type_it(project):
    for typed in ["2026年12月1日", "2026/12/1", "2026.12.1", "２０２６－１２－０１", "2026-12-01"]:
        assert clitext.parse_date(typed).isoformat() == "2026-12-01", typed
    run = cli(
        "new", "notice", "--title", "停水通知", "--category", "通知", "--date", "2026年12月1日", "--id", "tingshui"
    )
    assert run.exit_code == 0, run.output
    text = (project / "content/notices/2026/tingshui.md").read_text(encoding="utf-8")
    assert "date: 2026-12-01" in text


def test_names_where_ids_belong_in_new(project):
    run = cli(
        "new",
        "notice",
        "--title",
        "福海花园公示",
        "--category",
        "公示",
        "--date",
        "2026-11-20",
        "--communities",
        "鸢飞社区，张营",
        "--compounds",
        "福海",
        "--until",
        "2026年11月27日",
    )
    assert run.exit_code == 0, run.output
    assert "“福海” → fuhai（福海花园）" in run.output
    path = project / "content/notices/2026/fuhai-huayuan-gongshi.md"
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert front["communities"] == ["yf", "zy"]
    assert front["compounds"] == ["fuhai"]
    assert str(front["until"]) == "2026-11-27"
    _write_body(path)
    assert cli("check", "--today", "2026-11-27").exit_code == 0

    run = cli(
        "new", "compound", "--name", "新园", "--community", "鸢飞", "--type", "党建助管", "--company", "阿尔法物业"
    )
    assert run.exit_code == 2, run.output  # households not given, no terminal to ask in
    assert "缺少 --households" in run.output
    run = cli(
        "new",
        "compound",
        "--name",
        "新园",
        "--community",
        "鸢飞",
        "--type",
        "党建助管",
        "--company",
        "阿尔法物业",
        "--households",
        "1,200户",
    )
    assert run.exit_code == 0, run.output
    data = yaml.safe_load((project / "content/compounds/xinyuan.yaml").read_text(encoding="utf-8"))
    assert (data["community"], data["type"], data["company"], data["households"]) == ("yf", "enterprise", "alpha", 1200)


def test_an_ambiguous_or_unknown_name_is_never_guessed(project):
    before = sorted((project / "content").rglob("*"))
    run = cli("new", "notice", "--title", "甲", "--category", "通知", "--compounds", "花园")
    assert run.exit_code == 2
    assert "“花园”可能是：fuhai（福海花园）、zhangying（张营花园）" in run.output
    assert sorted((project / "content").rglob("*")) == before
    run = cli("new", "compound", "--name", "甲", "--community", "东风", "--type", "self", "--households", "3")
    assert run.exit_code == 2
    assert "没有找到“东风”：请写社区的名称或标识" in run.output


def test_matching_rules():
    names = {"yf": "鸢飞社区", "zy": "张营社区", "xh": "新河社区", "xhy": "新河苑社区"}
    assert matches("yf", names) == ["yf"]
    assert matches("鸢飞社区", names) == ["yf"]
    assert matches("鸢飞", names) == ["yf"]
    assert matches(" 鸢 飞 ", names) == ["yf"]
    assert matches("新河", names) == ["xh", "xhy"]  # named whole first, then those it is a part of
    assert matches("河", names) == []  # one character names nothing
    assert matches("河社区", names) == []  # one character besides the suffix is no name either
    assert matches("河苑", names) == ["xhy"]
    assert matches("河", {"a": "东河花园", "b": "西河花园"}) == []
    assert matches("河花", {"a": "东河花园", "b": "西河花园"}) == ["a", "b"]
    assert matches("新河", names, exact_only=True) == ["xh"]
    assert matches("营", names, exact_only=True) == []


def test_ids_finds_an_id_from_a_name(project):
    run = bulletin_subprocess("ids", "鸢飞", cwd=project)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0].split() == ["yf", "鸢飞社区", "(社区)"]
    run = bulletin_subprocess("ids", "花园", cwd=project)
    assert [line.split()[0] for line in run.stdout.splitlines()] == ["fuhai", "zhangying"]
    run = bulletin_subprocess("ids", cwd=project)
    listed = {line.split()[0] for line in run.stdout.splitlines()}
    assert {"gx", "xc", "qc", "yf", "zy", "fuhai", "lanting", "alpha", "beta"} <= listed
    run = bulletin_subprocess("ids", "不存在的名字", cwd=project)
    assert run.returncode == 1
    assert "没有找到" in run.stdout


def test_known_reads_every_names_kind(project):
    known = Known.read(project / "content")
    assert known.name("street", "qc") == "清池街道"
    assert known.shown("company", "alpha") == "alpha（阿尔法物业服务有限公司）"
    assert known.find("清池") == [("street", "qc")]


def _write_body(path: Path) -> None:
    """Replace the skeleton's placeholder body (an error until it is replaced) with a real one."""
    head, _, _ = path.read_text(encoding="utf-8").rpartition("---\n")
    path.write_text(head + "---\n经业主大会表决，动用维修资金更换单元门禁。\n", encoding="utf-8")


# --- in a real terminal ----------------------------------------------------------------------------


def test_new_notice_in_a_terminal_asks_until_each_answer_is_right(project):
    code, shown = converse(
        project,
        ["new", "notice"],
        [
            "",  # title: required
            "福海花园维修资金使用公示",
            "公告",  # not a category: asked again, with the choices
            "公示",
            "2026年11月20日",  # date as typed
            "花园",  # ambiguous: asked again, with what it could be
            "福海, 鸢飞社区",
            "2026-11-01",  # before the date: asked again
            "2026/11/27",
            "",  # the suggested id
        ],
    )
    assert code == 0, shown
    assert "这一项必须填写" in shown
    assert "“公告”不是可选值；可选：通知、公示、红黑榜、项目、活动、招聘" in shown
    assert "可能是：fuhai（福海花园）[小区]、zhangying（张营花园）[小区]" in shown
    assert "公示截止日期 2026-11-01 早于发布日期 2026-11-20" in shown
    assert not ENGLISH.search(shown), shown
    path = project / "content/notices/2026/fuhai-huayuan-weixiu-zijin-shiyong-gongshi.md"
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
    assert front["title"] == "福海花园维修资金使用公示"
    assert front["category"] == "公示"
    assert str(front["date"]) == "2026-11-20" and str(front["until"]) == "2026-11-27"
    assert front["compounds"] == ["fuhai"] and front["communities"] == ["yf"]
    _write_body(path)
    assert cli("check", "--today", "2026-11-27").exit_code == 0


def test_new_in_a_terminal_keeps_the_answers_when_the_end_fails(project):
    (project / "content/notices/2030").write_text("", encoding="utf-8")  # a file where the folder goes
    code, shown = converse(project, ["new", "notice"], ["停水通知", "通知", "2030-11-20", "", ""])
    assert code == 2, shown
    assert "已填的内容没有丢" in shown
    assert "bulletin new notice --title 停水通知 --category 通知 --date 2030-11-20 --id tingshui-tongzhi" in shown


def test_a_word_that_names_records_of_two_kinds_is_asked_about(project):
    known = Known.read(project / "content")
    assert known.find("张营") == [("community", "zy"), ("compound", "zhangying")]
    with pytest.raises(ScaffoldError, match="可能是：zy（张营社区）\\[社区\\]、zhangying（张营花园）\\[小区\\]"):
        known.resolve("张营", SCOPE_KINDS)
    assert known.resolve("张营", ("community",)) == ("community", "zy")
    run = bulletin_subprocess("ids", "张营", cwd=project)
    assert [line.split()[0] for line in run.stdout.splitlines()] == ["zy", "zhangying"]


def test_choices_take_the_words_people_use(project):
    run = cli("new", "notice", "--title", "红榜", "--category", "红榜", "--date", "2026-11-20", "--id", "hongbang")
    assert run.exit_code == 0, run.output
    assert "“红榜” → 红黑榜" in run.output
    run = cli("new", "notice", "--title", "甲", "--category", "公告")
    assert "“公告”不是可选值；可选：通知、公示、红黑榜、项目、活动、招聘（是不是“公示”？）" in run.output
    run = cli("new", "project", "--title", "甲", "--category", "设施", "--compounds", "福海")
    assert "“设施”可能是：parking（停车设施）、facility（公共设施）" in run.output


def test_new_says_what_it_made_of_each_value(project):
    run = cli(
        "new",
        "compound",
        "--name",
        "新园",
        "--community",
        "鸢飞",
        "--type",
        "自治",
        "--households",
        "八百",
        "--id",
        "xy",
    )
    assert run.exit_code == 0, run.output
    for said in ("“鸢飞” → yf（鸢飞社区）", "“自治” → self", "“八百” → 800"):
        assert said in run.output, run.output


def test_new_refuses_a_second_file_for_one_company(project):
    run = cli(
        "new",
        "company",
        "--name",
        "阿尔法物业服务有限公司",
        "--credit-code",
        "91370700MA3C00004R",
        "--not-state-owned",
        "--no-party-organization",
    )
    assert run.exit_code == 2
    assert (
        "已经有名为“阿尔法物业服务有限公司”的物业服务企业：alpha（阿尔法物业服务有限公司）（content/companies/alpha.yaml）"
        in run.output
    )


def test_a_state_managed_compound_needs_a_state_owned_company(project):
    run = cli(
        "new",
        "compound",
        "--name",
        "新园",
        "--community",
        "yf",
        "--type",
        "state",
        "--company",
        "alpha",
        "--households",
        "3",
    )
    assert run.exit_code == 2
    assert "国企兜管小区的物业服务企业必须是国有企业，alpha（阿尔法物业服务有限公司） 不是；国有企业有：" in run.output


def test_a_taken_id_says_how_to_go_on(project):
    run = cli("new", "community", "--name", "鸢飞社区", "--street", "xc", "--id", "yf")
    assert run.exit_code == 2
    assert "已经有标识为“yf”的社区（content/communities/yf.yaml）：要另建一条，请换一个标识，如 yf-2" in run.output
    run = cli("new", "evaluation", "--district", "高新区", "--period", "2025-H1")
    assert (
        "要修改得分，直接编辑这个文件，或运行 bulletin export evaluation --district gx --period 2025-H1" in run.output
    )


def test_a_build_says_which_notices_wait_for_their_day(project):
    run = cli("build", "--today", "2026-11-27")
    assert run.exit_code == 0, run.output
    assert (
        "另有 1 条公告的发布日期晚于今天，到那天才会出现在网站上"
        "（最早的是 2026-12-20《未来公告》；想先看效果可运行 bulletin serve --today 2026-12-20）"
    ) in run.output
    assert not (project / "site/notices/weilai").exists()
    run = cli("build", "--today", "2026-12-20")
    assert "晚于今天" not in run.output
    assert (project / "site/notices/weilai/index.html").is_file()
