"""`bulletin new`: every kind, made from options, lands at the right path and passes `bulletin
check` as written; nothing is ever overwritten; ids are suggested in pinyin; a new half-year's
evaluation lists the district's companies with blanks that `check` reports until filled."""

from __future__ import annotations

import yaml

from generator.content.schema import NOTICE_BODY_PLACEHOLDER, PROJECT_BODY_PLACEHOLDER
from generator.tools.scaffold import scalar, suggest_id
from terminal import converse

from attachkit import BLANK_PDF
from conftest import TODAY, cli


def new(*args: str):
    return cli("new", *args)


def test_every_kind_from_options_passes_check(project):
    runs = [
        new(
            "notice",
            "--title",
            "福海花园维修资金使用公示：第二批",
            "--date",
            "2026-11-21",
            "--category",
            "公示",
            "--compounds",
            "fuhai,lanting",
            "--until",
            "2026-11-30",
        ),
        new(
            "notice",
            "--title",
            "全站停水通知",
            "--date",
            "2026-11-22",
            "--category",
            "通知",
            "--district",
            "gx",
            "--streets",
            "xc",
            "--communities",
            "yf",
            "--draft",
        ),
        new(
            "project",
            "--title",
            "兰亭苑停车场改造",
            "--category",
            "parking",
            "--compounds",
            "lanting",
            "--company",
            "alpha",
            "--unit",
            "新城街道办事处",
        ),
        new(
            "project",
            "--title",
            "张营社区为民服务",
            "--category",
            "service",
            "--status",
            "in_progress",
            "--communities",
            "zy",
        ),
        new(
            "compound",
            "--name",
            "福海花园",
            "--community",
            "yf",
            "--type",
            "enterprise",
            "--company",
            "alpha",
            "--households",
            "120",
        ),
        new("compound", "--name", "自治小区", "--community", "zy", "--type", "self", "--households", "40"),
        new(
            "company",
            "--name",
            "阿尔法二号物业服务有限公司",
            "--credit-code",
            "91370700MA3C00004R",
            "--state-owned",
            "--party-organization",
        ),
        new("community", "--name", "新河社区", "--street", "xc"),
    ]
    for run in runs:
        assert run.exit_code == 0, run.output
        assert "已新建" in run.output
    content = project / "content"
    for rel in [
        "notices/2026/fuhai-huayuan-weixiu-zijin-shiyong-gongshi.md",
        "notices/2026/quanzhan-tingshui-tongzhi.md",
        "projects/lanting-yuan-tingche-chang-gaizao.md",
        "projects/zhangying-shequ-weimin-fuwu.md",
        "compounds/fuhai-huayuan.yaml",
        "compounds/zizhi-xiaoqu.yaml",
        "companies/aer-faer-hao-wuye.yaml",
        "communities/xinhe.yaml",
    ]:
        assert (content / rel).is_file(), rel
    # the skeleton's placeholder body is the one thing left to write: an error until it is
    # replaced (a warning in the draft, which is never published)
    check = cli("check", "--today", TODAY)
    assert check.exit_code == 1, check.output
    placeholders = {
        "notices/2026/fuhai-huayuan-weixiu-zijin-shiyong-gongshi.md": (NOTICE_BODY_PLACEHOLDER, "error"),
        "notices/2026/quanzhan-tingshui-tongzhi.md": (NOTICE_BODY_PLACEHOLDER, "warning"),
        "projects/lanting-yuan-tingche-chang-gaizao.md": (PROJECT_BODY_PLACEHOLDER, "error"),
        "projects/zhangying-shequ-weimin-fuwu.md": (PROJECT_BODY_PLACEHOLDER, "error"),
    }
    for rel, (placeholder, severity) in placeholders.items():
        text = (content / rel).read_text(encoding="utf-8")
        line = text[: text.index(placeholder)].count("\n") + 1
        assert (
            f"content/{rel}:{line}:1: {severity}: 正文还是新建时的示例文字“{placeholder[:12]}…”，请换成要发布的内容"
            in check.stdout
        ), check.stdout
        (content / rel).write_text(text.replace(placeholder, "正文。"), encoding="utf-8")
    assert check.stdout.count(" error: ") == 3
    check = cli("check", "--today", TODAY)
    assert check.exit_code == 0, check.output
    assert " error: " not in check.output and "示例文字" not in check.output
    build = cli("build", "--today", TODAY, "--drafts")
    assert build.exit_code == 0, build.output
    page = (project / "site/notices/fuhai-huayuan-weixiu-zijin-shiyong-gongshi/index.html").read_text(encoding="utf-8")
    assert "福海花园维修资金使用公示：第二批" in page


def test_skeletons_explain_the_optional_fields_in_chinese(project):
    new("notice", "--title", "测试", "--id", "ceshi", "--date", "2026-11-21", "--category", "活动")
    text = (project / "content/notices/2026/ceshi.md").read_text(encoding="utf-8")
    assert "# until:" in text and "# attachments:" in text and "# draft: true" in text
    assert "公示截止日期" in text and "删掉那一行开头的“# ”" in text
    # uncommenting the examples still gives a valid notice
    (project / "content/attachments/2026").mkdir(parents=True)
    (project / "content/attachments/2026/ceshi.pdf").write_bytes(BLANK_PDF)
    lines = []
    for line in text.splitlines():
        for key in ("# until:", "# draft:", "# attachments:", "#   - title:", "#     file:", "# compounds:"):
            if line.startswith(key):
                line = line[2:]
        lines.append("正文。" if line == NOTICE_BODY_PLACEHOLDER else line)
    (project / "content/notices/2026/ceshi.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output


def test_new_never_overwrites(project):
    target = project / "content/compounds/fuhai.yaml"
    before = target.read_bytes()
    run = new(
        "compound", "--id", "fuhai", "--name", "福海花园", "--community", "yf", "--type", "self", "--households", "1"
    )
    assert run.exit_code == 2 and "已经有标识为“fuhai”的小区" in run.output
    assert target.read_bytes() == before
    run = new("notice", "--id", "gongshi", "--title", "另一个", "--date", "2025-01-01", "--category", "通知")
    assert run.exit_code == 2 and "gongshi" in run.output  # notice ids are unique across years
    assert not (project / "content/notices/2025/gongshi.md").exists()


def test_new_refuses_what_check_would_reject(project):
    cases = [
        (("compound", "--name", "甲", "--community", "yff", "--type", "self", "--households", "1"), "是不是“yf”"),
        (
            (
                "compound",
                "--name",
                "甲",
                "--community",
                "yf",
                "--type",
                "self",
                "--company",
                "alpha",
                "--households",
                "1",
            ),
            "不填物业服务企业",
        ),
        (("compound", "--name", "甲", "--community", "yf", "--type", "state", "--households", "1"), "--company"),
        (
            (
                "company",
                "--name",
                "甲物业",
                "--credit-code",
                "91370700MA3C00004X",
                "--not-state-owned",
                "--no-party-organization",
            ),
            "校验位应为“R”",
        ),
        (("notice", "--title", "甲", "--date", "2026-11-21", "--category", "公示", "--until", "2026-11-01"), "早于"),
        (("notice", "--title", "甲", "--id", "Bad_Id", "--category", "公示"), "不是有效的标识"),
        (("project", "--title", "甲", "--category", "parking", "--compounds", ""), "至少要关联"),
        (("evaluation", "--district", "gx", "--period", "2026-H3"), "2026-H1"),
        (("evaluation", "--district", "gx", "--period", "2025-H1"), "已经有"),
        (("evaluation", "--district", "nowhere", "--period", "2026-H1"), "区（市）"),
        (("notice", "--title", "甲"), "缺少 --category"),
    ]
    for args, expected in cases:
        run = new(*args)
        assert run.exit_code == 2, (args, run.output)
        assert expected in run.output, (args, run.output)


def test_new_evaluation_prefills_the_districts_companies(project):
    content = project / "content"
    # a company that manages nothing in gx but was evaluated there before is listed too;
    # one that is neither is not
    (content / "companies/delta.yaml").write_text(
        "name: 德尔塔物业\ncredit_code: 91370700MA3C00004R\nstate_owned: false\nparty_organization: false\n",
        encoding="utf-8",
    )
    (content / "companies/omega.yaml").write_text(
        "name: 欧米伽物业\ncredit_code: 91370700MA3C00005W\nstate_owned: false\nparty_organization: false\n",
        encoding="utf-8",
    )
    h2 = content / "evaluations/gx/2025-H2.yaml"
    h2.write_text(
        h2.read_text(encoding="utf-8") + "  - {company: delta, authority: 20, street: 20, owners: 20}\n",
        encoding="utf-8",
    )
    assert cli("check", "--today", TODAY).exit_code == 0

    run = new("evaluation", "--district", "gx", "--period", "2026-H1", "--published", "2026-07-10")
    assert run.exit_code == 0, run.output
    path = content / "evaluations/gx/2026-H1.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["period"] == "2026-H1"
    assert [row["company"] for row in data["scores"]] == ["alpha", "beta", "delta", "guoqi"]
    assert all(
        row == {"company": row["company"], "authority": None, "street": None, "owners": None} for row in data["scores"]
    )

    check = cli("check", "--today", TODAY)
    assert check.exit_code == 1
    blanks = [line for line in check.stdout.splitlines() if "还没有填写" in line]
    assert len(blanks) == 12  # four companies × three parts, each at its own line
    assert (
        "content/evaluations/gx/2026-H1.yaml:9:5: error: scores[1].authority: "
        "阿尔法物业服务有限公司（alpha）的“主管部门”评分还没有填写" in blanks
    )

    text = path.read_text(encoding="utf-8")
    for n, key in enumerate(("authority:", "street:", "owners:")):
        text = text.replace(f"    {key}  #", f"    {key} {25 + n}  #")
    path.write_text(text, encoding="utf-8")
    check = cli("check", "--today", TODAY)
    assert check.exit_code == 0, check.output


def test_suggested_ids_are_pinyin():
    assert suggest_id("福海花园", "compound") == "fuhai-huayuan"
    assert suggest_id("鸢飞社区", "community") == "yuanfei"
    assert suggest_id("兰亭苑", "compound") == "lanting-yuan"
    assert suggest_id("滨城绿洲", "compound") == "bincheng-lvzhou"
    assert suggest_id("潍坊安佳物业服务有限公司", "company") == "weifang-anjia-wuye"
    assert suggest_id("2026年 ABC 花园", "compound") == "2026-nian-abc-huayuan"
    assert suggest_id("！！！") == ""


def test_scalars_read_back_as_written():
    for text in ["福海花园", "通知：第二批", "a: b", "#1 通知", "yes", "2026-11-20", " 空格", "[x]", "100%", "null"]:
        assert yaml.safe_load(f"k: {scalar(text)}") == {"k": text}, text


def test_new_asks_in_a_terminal(project):
    """Run in a real terminal: the essentials are asked for, the pinyin id is offered as the default."""
    code, output = converse(project, ["new", "community", "--street", "qc"], ["清池社区", ""])
    assert code == 0, output
    assert "[qingchi]" in output
    assert (project / "content/communities/qingchi.yaml").is_file()
