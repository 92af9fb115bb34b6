"""One CLI test per contract rule: `bulletin check` names the exact file, line and column.

Each test starts from the minimal valid bulletin (conftest), breaks one thing, and asserts the
diagnostic printed, exit code 1, and no traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from attachkit import BLANK_PDF
from conftest import TODAY, cli, dedent, write_tree
from sitecheck import tree_digest

_built: dict[str, dict] = {}


@pytest.fixture(autouse=True)
def built_site(project):
    """Every rule test starts from a built site, so a failing build can be shown to leave it intact."""
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    _built["root"] = project
    _built["digest"] = tree_digest(project / "site")
    yield
    _built.clear()


def edit(root: Path, rel: str, text: str | bytes) -> None:
    write_tree(root / "content", {rel: dedent(text) if isinstance(text, str) else text})


def replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check_fails_with(*expected: str) -> str:
    """`check` prints each expected diagnostic and exits 1; `build` does too and leaves site/ intact."""
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1, run.output
    for line in expected:
        assert line in run.stdout, f"{line!r} not in:\n{run.stdout}"
    build = cli("build", "--today", TODAY)
    assert build.exit_code == 1, build.output
    for line in expected:
        assert line in build.stderr, f"{line!r} not in:\n{build.stderr}"
    assert tree_digest(_built["root"] / "site") == _built["digest"]
    return run.stdout


def test_minimal_content_is_clean(project):
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert "0 个错误" in run.stdout


# --- files and ids ---------------------------------------------------------------------------------


def test_id_must_be_lowercase_ascii(project):
    (project / "content/compounds/fuhai.yaml").rename(project / "content/compounds/Fu_Hai.yaml")
    check_fails_with("content/compounds/Fu_Hai.yaml:1:1: error: 文件名“Fu_Hai”不能作为标识")


def test_wrong_extension_is_reported_not_ignored(project):
    (project / "content/companies/beta.yaml").rename(project / "content/companies/beta.yml")
    out = check_fails_with("content/companies/beta.yml:1:1: error: 文件扩展名应为 .yaml")
    assert "content/compounds/zhangying.yaml:4:10: error: company: 引用了不存在的物业服务企业“beta”" in out


def test_yaml_syntax_error_points_at_line(project):
    edit(
        project,
        "companies/beta.yaml",
        """
        name: 贝塔物业服务有限公司
        credit_code: 91370700MA3C00002K
        state_owned: [false
        party_organization: false
        """,
    )
    check_fails_with("content/companies/beta.yaml:3:14: error: 括号“[”没有结束")


def test_paths_are_as_given_on_the_command_line(project):
    replace(project, "compounds/lanting.yaml", "community: yf", "community: yff")
    run = cli("check", "--content", "./content", "--today", TODAY)
    assert "./content/compounds/lanting.yaml:2:12: error: community:" in run.stdout


# --- references and unknown fields -------------------------------------------------------------------


def test_dangling_reference_with_did_you_mean(project):
    replace(project, "compounds/lanting.yaml", "community: yf", "community: yff")
    check_fails_with(
        "content/compounds/lanting.yaml:2:12: error: community: 引用了不存在的社区“yff”（是不是 yf（鸢飞社区）？）"
    )


def test_unknown_field_with_did_you_mean(project):
    """One slip, one message: the misspelt field is not also reported as missing."""
    replace(project, "compounds/lanting.yaml", "households: 500", "housholds: 500")
    run = check_fails_with(
        "content/compounds/lanting.yaml:5:1: error: housholds: 未知字段“housholds”（是不是“households”？）",
    )
    assert "缺少必填字段" not in run
    replace(project, "compounds/lanting.yaml", "housholds: 500", "housholds: 500\nbuildings_count: 3")
    run = check_fails_with("content/compounds/lanting.yaml:6:1: error: buildings_count: 未知字段")
    assert "缺少必填字段" not in run  # households was meant; nothing else required is gone


def test_unknown_field_in_site_yaml(project):
    replace(project, "site.yaml", "publisher:", "publisherr: x\npublisher:")
    check_fails_with("content/site.yaml:3:1: error: publisherr: 未知字段“publisherr”（是不是“publisher”？）")


def test_missing_required_field(project):
    replace(project, "companies/beta.yaml", "state_owned: false\n", "")
    check_fails_with("content/companies/beta.yaml:1:1: error: state_owned: 缺少必填字段“state_owned”")


def test_wrong_type(project):
    replace(project, "compounds/lanting.yaml", "households: 500", "households: 很多")
    check_fails_with("content/compounds/lanting.yaml:5:13: error: households: 应为整数")


# --- areas and communities --------------------------------------------------------------------------


def test_street_ids_unique_site_wide(project):
    replace(project, "areas.yaml", "{id: qc, name: 清池街道}", "{id: xc, name: 清池街道}")
    check_fails_with("content/areas.yaml:6:14: error: id: 街道标识“xc”重复")


def test_grid_must_belong_to_the_compounds_community(project):
    replace(project, "compounds/fuhai.yaml", "grid: yf-1", "grid: yf-3")
    check_fails_with(
        "content/compounds/fuhai.yaml:3:7: error: grid: 鸢飞社区（yf）没有网格“yf-3”（是不是 yf-2（第二网格）？）"
    )


def test_same_day_closures_cannot_exceed_received(project):
    replace(project, "communities/yf.yaml", "issues_closed_same_day: 87", "issues_closed_same_day: 187")
    check_fails_with(
        "content/communities/yf.yaml:12:69: error: stats[1].issues_closed_same_day: 当日办结数（187）不能大于受理数（100）"
    )


# --- compounds ----------------------------------------------------------------------------------------


def test_self_managed_compound_has_no_company(project):
    replace(project, "compounds/fuhai.yaml", "type: self", "type: self\ncompany: alpha")
    check_fails_with(
        "content/compounds/fuhai.yaml:5:1: error: company: 居民自治型小区（type: self）不能填写物业服务企业"
    )


def test_enterprise_compound_needs_a_company(project):
    replace(project, "compounds/lanting.yaml", "company: alpha\n", "")
    check_fails_with("content/compounds/lanting.yaml:3:7: error: company: 物业服务企业管理型小区必须填写 company")


def test_state_compound_needs_a_state_owned_company(project):
    replace(project, "compounds/laoyuan.yaml", "company: guoqi", "company: beta")
    check_fails_with(
        "content/compounds/laoyuan.yaml:4:10: error: company: 国企兜管小区的企业贝塔物业服务有限公司（beta）必须是国有企业（state_owned: true）"
    )


def test_fee_collection_rate_range(project):
    replace(project, "compounds/fuhai.yaml", '2025: "100%"', '2025: "120%"')
    check_fails_with("content/compounds/fuhai.yaml:7:36: error: fee_collection.2025: 120% 超出范围")


def test_owners_body_kind_is_a_choice(project):
    replace(project, "compounds/fuhai.yaml", "kind: 业委会", "kind: 业主委员会")
    check_fails_with("content/compounds/fuhai.yaml:6:21: error: owners_body.kind: “业主委员会”请写作 业委会")


def test_missing_latest_fee_figure_is_a_warning(project):
    replace(project, "compounds/laoyuan.yaml", "fee_collection: {2025: 0.75}", "fee_collection: {2024: 0.75}")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0
    assert "content/compounds/laoyuan.yaml:6:17: warning: fee_collection: 没有 2025 年的物业费收缴率" in run.stdout


# --- companies ----------------------------------------------------------------------------------------


def test_credit_code_checksum(project):
    replace(project, "companies/beta.yaml", "91370700MA3C00002K", "91370700MA3C00002J")
    check_fails_with("content/companies/beta.yaml:2:14: error: credit_code: 校验位应为“K”，实际为“J”")


# --- evaluations ----------------------------------------------------------------------------------------


def test_period_must_equal_file_stem(project):
    replace(project, "evaluations/gx/2025-H2.yaml", "period: 2025-H2", "period: 2025-H1")
    check_fails_with(
        "content/evaluations/gx/2025-H2.yaml:1:9: error: period: 考评期“2025-H1”与文件名“2025-H2.yaml”不一致"
    )


def test_evaluation_file_name_is_a_period(project):
    (project / "content/evaluations/gx/2025-H2.yaml").rename(project / "content/evaluations/gx/2025-h2.yaml")
    check_fails_with("content/evaluations/gx/2025-h2.yaml:1:1: error: 考评文件名“2025-h2.yaml”应为考评期")


def test_evaluation_folder_is_a_district(project):
    (project / "content/evaluations/gx").rename(project / "content/evaluations/gz")
    check_fails_with(
        "content/evaluations/gz/2025-H1.yaml:1:1: error: 考评文件夹“gz”不是区（市）标识（是不是 gx（高新区）？）"
    )


def test_part_score_within_its_max(project):
    replace(project, "evaluations/gx/2025-H1.yaml", "authority: 27.5", "authority: 31")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:4:33: error: scores[1].authority: 阿尔法物业服务有限公司（alpha）的“主管部门”评分：31 超出范围（应在 0 到 30 之间）"
    )


def test_part_score_at_most_two_decimals(project):
    replace(project, "evaluations/gx/2025-H1.yaml", "owners: 36.25", "owners: 36.255")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:6:57: error: scores[3].owners: 高新区城市服务集团有限公司（guoqi）的“业主”评分：36.255 最多保留 2 位小数"
    )


def test_company_once_per_evaluation(project):
    replace(project, "evaluations/gx/2025-H1.yaml", "{company: beta,", "{company: alpha,")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:5:15: error: scores[2].company: 阿尔法物业服务有限公司（alpha）在本期已出现过（第 4 行），每期每家企业只能有一行"
    )


def test_evaluated_company_must_exist(project):
    replace(project, "evaluations/gx/2025-H1.yaml", "{company: beta,", "{company: betta,")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:5:15: error: scores[2].company: 引用了不存在的物业服务企业“betta”（是不是 beta（贝塔物业服务有限公司）？）"
    )


def test_missing_part_score(project):
    replace(project, "evaluations/gx/2025-H1.yaml", "street: 20, owners: 25", "owners: 25")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:5:5: error: scores[2].street: 贝塔物业服务有限公司（beta）缺少“街道社区”评分（加上 street: 得分）"
    )


# --- projects -----------------------------------------------------------------------------------------------


def test_project_needs_a_compound_or_community(project):
    replace(project, "projects/guanwang.md", "compounds: [fuhai]\n", "")
    check_fails_with(
        "content/projects/guanwang.md:2:1: error: 项目至少要关联一个小区（compounds）或社区（communities）"
    )


def test_project_category_choice_with_hint(project):
    replace(project, "projects/guanwang.md", "category: renovation", "category: renovaton")
    check_fails_with("content/projects/guanwang.md:3:11: error: category: “renovaton”不是可选值")


def test_project_finish_not_before_start(project):
    replace(project, "projects/guanwang.md", "start: 2026-03-01", "start: 2026-03-01\nfinish: 2026-02-01")
    check_fails_with("content/projects/guanwang.md:8:9: error: finish: 完工日期 2026-02-01 早于开工日期 2026-03-01")


def test_front_matter_is_required(project):
    edit(project, "projects/guanwang.md", "# 没有前置信息\n")
    check_fails_with("content/projects/guanwang.md:1:1: error: 缺少 YAML 前置信息")


# --- notices -----------------------------------------------------------------------------------------------


def test_notice_year_folder_matches_date(project):
    replace(project, "notices/2025/tongzhi.md", "date: 2025-06-01", "date: 2024-06-01")
    check_fails_with("content/notices/2025/tongzhi.md:3:7: error: date: 日期 2024-06-01 与所在年份文件夹“2025”不一致")


def test_notice_id_unique_across_years(project):
    text = (project / "content/notices/2025/tongzhi.md").read_text(encoding="utf-8")
    edit(project, "notices/2026/tongzhi.md", text.replace("2025-06-01", "2026-06-01"))
    check_fails_with(
        "content/notices/2026/tongzhi.md:1:1: error: 公告标识“tongzhi”与 content/notices/2025/tongzhi.md 重复"
    )


def test_until_not_before_date(project):
    replace(project, "notices/2026/gongshi.md", "until: 2026-12-01", "until: 2026-11-19")
    check_fails_with(
        "content/notices/2026/gongshi.md:6:8: error: until: 公示截止日期 2026-11-19 早于发布日期 2026-11-20"
    )


def test_until_may_equal_date(project):
    replace(project, "notices/2026/gongshi.md", "until: 2026-12-01", "until: 2026-11-20")
    assert cli("check", "--today", TODAY).exit_code == 0


def test_notice_category_choice(project):
    replace(project, "notices/2025/tongzhi.md", "category: 通知", "category: 通告")
    check_fails_with("content/notices/2025/tongzhi.md:4:11: error: category: “通告”不是可选值")


def test_notice_scope_refs(project):
    replace(project, "notices/2025/tongzhi.md", "district: gx", "district: gxx\nstreets: [xc, qcc]")
    check_fails_with(
        "content/notices/2025/tongzhi.md:5:11: error: district: 引用了不存在的区（市）“gxx”（是不是 gx（高新区）？）",
        "content/notices/2025/tongzhi.md:6:15: error: streets[2]: 引用了不存在的街道“qcc”（是不是 qc（清池街道）？）",
    )


def test_impossible_date(project):
    replace(project, "notices/2025/tongzhi.md", "date: 2025-06-01", "date: 2025-02-30")
    check_fails_with("content/notices/2025/tongzhi.md:3:7: error: “2025-02-30”不是有效的日期")


ATTACH = """
    ---
    title: 附件公告
    date: 2025-08-01
    category: 公示
    attachments:
      - {title: 方案, file: FILE}
    ---
    见附件。
    """


@pytest.mark.parametrize(
    ("file", "message"),
    [
        ("2025/missing.pdf", "附件文件 attachments/2025/missing.pdf 不存在"),
        ("../site.yaml", "不能包含“..”"),
        ("/etc/passwd.pdf", "必须是 attachments/ 下的相对路径"),
        ("2025/plan.exe", "附件类型“.exe”不允许"),
        ("2025/fake.pdf", "的内容不是 PDF 文件"),
        ("2025/outside.pdf", "是指向别处的链接"),
    ],
)
def test_attachment_rules(project, file, message):
    attachments = project / "content/attachments/2025"
    attachments.mkdir(parents=True)
    (attachments / "plan.exe").write_bytes(b"MZ")
    (attachments / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    (project / "secret.pdf").write_bytes(b"%PDF-1.4 outside")
    os.symlink(project / "secret.pdf", attachments / "outside.pdf")
    edit(project, "notices/2025/fujian.md", ATTACH.replace("FILE", file))
    check_fails_with("content/notices/2025/fujian.md:6:23: error: attachments[1].file: ")
    check_fails_with(message)


def test_valid_attachment_passes(project):
    attachments = project / "content/attachments/2025"
    attachments.mkdir(parents=True)
    (attachments / "plan.pdf").write_bytes(BLANK_PDF)  # a valid PDF: an unreadable one is refused
    edit(project, "notices/2025/fujian.md", ATTACH.replace("FILE", "2025/plan.pdf"))
    assert cli("check", "--today", TODAY).exit_code == 0


# --- privacy ----------------------------------------------------------------------------------------------


def test_mobile_number_in_a_notice_body(project):
    edit(
        project,
        "notices/2025/tongzhi.md",
        """
        ---
        title: 全区物业服务考评通知
        date: 2025-06-01
        category: 通知
        ---
        请联系王经理，电话 13812345678。
        """,
    )
    out = check_fails_with("content/notices/2025/tongzhi.md:6:11: error: 疑似个人信息：手机号码“1381234****”")
    assert "13812345678" not in out


def test_id_card_number_in_a_yaml_field(project):
    replace(project, "compounds/fuhai.yaml", "name: 福海花园", "name: 福海花园 11010519491231002X")
    out = check_fails_with("content/compounds/fuhai.yaml:1:12: error: 疑似个人信息：身份证号码")
    assert "11010519491231002X" not in out


def test_bank_card_number_in_front_matter(project):
    replace(project, "notices/2025/tongzhi.md", "title: 全区物业服务考评通知", "title: 缴费账号 6222020200112233446")
    # 6222020200112233446 is Luhn-valid, 19 digits
    check_fails_with("content/notices/2025/tongzhi.md:2:13: error: 疑似个人信息：银行卡号")


def test_declared_public_number_fields_are_exempt(project):
    replace(
        project, "companies/beta.yaml", "party_organization: false", "party_organization: false\nphone: 13812345678"
    )
    assert cli("check", "--today", TODAY).exit_code == 0


def test_pii_allow_accepts_the_exact_string(project):
    replace(project, "site.yaml", 'pii_allow: ["400-800-1234"]', 'pii_allow: ["13900001111"]')
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", "服务热线 13900001111。")
    assert cli("check", "--today", TODAY).exit_code == 0


def test_privacy_applies_to_drafts_too(project):
    replace(project, "notices/2026/caogao.md", "草稿。", "联系 13812345678")
    check_fails_with("content/notices/2026/caogao.md:7:4: error: 疑似个人信息：手机号码")


# --- robustness -------------------------------------------------------------------------------------------


def test_duplicate_key(project):
    replace(project, "companies/beta.yaml", "state_owned: false", "state_owned: false\nstate_owned: true")
    check_fails_with("content/companies/beta.yaml:4:1: error: 字段“state_owned”重复出现")


def test_yaml_aliases_are_refused(project):
    edit(
        project,
        "communities/zy.yaml",
        """
        name: 张营社区
        street: qc
        grids: &g
          - {id: zy-1, name: 一网格}
        venues: *g
        """,
    )
    check_fails_with("content/communities/zy.yaml:3:8: error: 这里的内容被 YAML 别名（*）再次引用")


def test_invalid_utf8(project):
    edit(project, "companies/beta.yaml", "name: 贝塔\n".encode() + b"address: \xff\xfe\n")
    check_fails_with("content/companies/beta.yaml:2:10: error: 文件不是有效的 UTF-8 文本")


def test_every_problem_is_reported_at_once(project):
    replace(project, "compounds/lanting.yaml", "community: yf", "community: nowhere")
    replace(project, "companies/beta.yaml", "91370700MA3C00002K", "91370700MA3C00002J")
    replace(project, "notices/2025/tongzhi.md", "category: 通知", "category: 通告")
    out = check_fails_with("compounds/lanting.yaml:2:", "companies/beta.yaml:2:", "notices/2025/tongzhi.md:4:")
    assert "3 个错误" in out


def test_json_format(project):
    replace(project, "compounds/lanting.yaml", "community: yf", "community: yff")
    run = cli("check", "--format", "json", "--today", TODAY)
    assert run.exit_code == 1
    data = json.loads(run.stdout)
    assert data["errors"] == 1
    problem = data["problems"][0]
    assert (problem["path"], problem["line"], problem["col"], problem["field"]) == (
        "content/compounds/lanting.yaml",
        2,
        12,
        "community",
    )


def test_usage_errors_exit_2(project):
    assert cli("check", "--content", "nope").exit_code == 2
    assert cli("build", "--today", "2026-13-01").exit_code == 2
    assert cli("check", "--format", "xml").exit_code == 2


# --- personal numbers never appear in full in what bulletin prints ----------------------------------------


def test_a_number_quoted_by_another_rule_is_masked_too(project):
    # A mobile typed where a reference belongs: the dangling-reference message quotes it.
    replace(project, "compounds/lanting.yaml", "community: yf", "community: 13812345678")
    for fmt in ("text", "json"):
        run = cli("check", "--today", TODAY, "--format", fmt)
        assert run.exit_code == 1
        assert "13812345678" not in run.output and "1381234****" in run.output


def test_a_file_named_after_a_number_is_reported_masked(project):
    edit(
        project,
        "notices/2025/13812345678.md",
        """
        ---
        title: 通知
        date: 2025-06-01
        category: 通知
        ---
        正文。
        """,
    )
    out = check_fails_with("content/notices/2025/1381234****.md:1:1: error: 文件名疑似个人信息：手机号码“1381234****”")
    assert "13812345678" not in out


@pytest.mark.parametrize(
    "body",
    [
        "电话 138&#49;234&#53;678。",
        "电话 138<!-- x -->12345678。",
        "电话 138<b></b>12345678。",
        "电话 &#x31;3812345678。",
    ],
)
def test_a_number_that_only_appears_once_the_body_is_rendered(project, body):
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", body)
    out = check_fails_with(
        "content/notices/2025/tongzhi.md:7:1: error: 正文显示出来的文字疑似个人信息：手机号码“1381234****”"
    )
    assert "13812345678" not in out


def test_an_over_long_body_is_an_error(project):
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", "很长的正文。" * 40_000)
    check_fails_with("content/notices/2025/tongzhi.md:7:1: error: 正文过长（240001 字），上限 200000 字")


def test_a_flood_of_problems_is_cut_to_a_hundred_per_file(project):
    path = project / "content/compounds/fuhai.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"k{i}: 1\n" for i in range(5000)), encoding="utf-8")
    out = check_fails_with("content/compounds/fuhai.yaml:", "此文件另有 4900 个错误未列出（每个文件最多列出 100 个）")
    assert out.count("fuhai.yaml:") == 101
    assert out.strip().splitlines()[-2].endswith("此文件另有 4900 个错误未列出（每个文件最多列出 100 个）")


@pytest.mark.parametrize("before", [0, 3, 99, 100, 130])
@pytest.mark.parametrize("count", [0, 1, 3, 100, 105, 250])
def test_problems_collected_apart_merge_as_if_reported_directly(before, count):
    """A step's problems collected apart (in a helper process, or remembered by the edit loop)
    and merged give exactly what reporting them straight into the run's collection gives, the
    per-file cap and its "另有 N 个…未列出" line included, whatever the file already had."""
    from generator.content.errors import Loc, Problems

    def report(into, lines, offset=0):
        for line in range(1, lines + 1):
            severity = into.warning if (line + offset) % 3 == 0 else into.error
            severity(Loc("a.yaml", line + offset, 1), "错")
        into.error(Loc("b.yaml", 1, 1), "别的文件")

    direct, merged = Problems(), Problems()
    for problems in (direct, merged):
        report(problems, before, offset=1000)
    report(direct, count)
    apart = Problems()
    report(apart, count)
    merged.merge(apart)
    assert [p.format() for p in merged.sorted()] == [p.format() for p in direct.sorted()]
    assert bool(merged) == bool(direct)


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200d"])
def test_a_number_split_by_invisible_characters_is_found(project, invisible):
    number = invisible.join(["139", "1234", "5678"])
    replace(project, "compounds/fuhai.yaml", "name: 福海花园", f"name: 福海花园{number}")
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", f"联系 {number}")
    out = check_fails_with(
        "content/compounds/fuhai.yaml:1:7: error: 疑似个人信息：手机号码“1391234****”",
        "content/notices/2025/tongzhi.md:7:1: error: 正文显示出来的文字疑似个人信息：手机号码“1391234****”",
    )
    assert "5678" not in out


def test_the_invisible_characters_are_every_format_character():
    import unicodedata

    from generator.domain.privacy import _INVISIBLE

    format_chars = {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert format_chars <= set(_INVISIBLE)  # newer Unicode versions may add, never remove
