"""Values written the way people write them, and messages that name things as people do.

Through the real CLI, from the minimal bulletin (conftest): a Chinese name where an id belongs is
answered with the id it names (every one, when several fit); a Chinese label for a choice, 是/否
for a boolean, a date typed 2026年1月30日, a number typed with a unit, full-width digits or a
thousands separator, and a percentage where a rate belongs are each answered with the exact text
to write (nothing is silently rewritten); evaluation messages name the company and the part;
a body still holding `bulletin new`'s placeholder is an error; a tab that nests a list item is a
warning. Then the matching functions themselves.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.content import schema
from generator.content.markup import nesting_tabs
from test_rules import built_site, check_fails_with, replace  # noqa: F401  (built_site: autouse, as there)

from conftest import TODAY, cli

# --- a name where an id belongs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "old", "new", "line"),
    [
        (
            "compounds/lanting.yaml",
            "community: yf",
            "community: 鸢飞社区",
            "content/compounds/lanting.yaml:2:12: error: community: 引用了不存在的社区“鸢飞社区”（是不是 yf（鸢飞社区）？）",
        ),
        (
            "compounds/lanting.yaml",
            "community: yf",
            "community: 鸢飞",
            "content/compounds/lanting.yaml:2:12: error: community: 引用了不存在的社区“鸢飞”（是不是 yf（鸢飞社区）？）",
        ),
        (
            "compounds/lanting.yaml",
            "company: alpha",
            "company: 阿尔法物业",
            "content/compounds/lanting.yaml:4:10: error: company: "
            "引用了不存在的物业服务企业“阿尔法物业”（是不是 alpha（阿尔法物业服务有限公司）？）",
        ),
        (
            "evaluations/gx/2025-H1.yaml",
            "{company: beta,",
            "{company: 贝塔,",
            "content/evaluations/gx/2025-H1.yaml:5:15: error: scores[2].company: "
            "引用了不存在的物业服务企业“贝塔”（是不是 beta（贝塔物业服务有限公司）？）",
        ),
        (
            "communities/yf.yaml",
            "street: xc",
            "street: 新城街道",
            "content/communities/yf.yaml:2:9: error: street: 引用了不存在的街道“新城街道”（是不是 xc（新城街道）？）",
        ),
        (
            "notices/2025/tongzhi.md",
            "district: gx",
            "district: 高新",
            "content/notices/2025/tongzhi.md:5:11: error: district: 引用了不存在的区（市）“高新”（是不是 gx（高新区）？）",
        ),
        (
            "notices/2025/tongzhi.md",
            "district: gx",
            "streets: [清池]",
            "content/notices/2025/tongzhi.md:5:11: error: streets[1]: 引用了不存在的街道“清池”（是不是 qc（清池街道）？）",
        ),
        (
            "notices/2025/tongzhi.md",
            "district: gx",
            "communities: [张营社区]",
            "content/notices/2025/tongzhi.md:5:15: error: communities[1]: "
            "引用了不存在的社区“张营社区”（是不是 zy（张营社区）？）",
        ),
        (
            "notices/2026/gongshi.md",
            "compounds: [fuhai]",
            "compounds: [福海花园]",
            "content/notices/2026/gongshi.md:5:13: error: compounds[1]: "
            "引用了不存在的小区“福海花园”（是不是 fuhai（福海花园）？）",
        ),
        (
            "projects/guanwang.md",
            "compounds: [fuhai]",
            "compounds: [福海]\ncommunities: [鸢飞社区]\ncompany: 阿尔法",
            "content/projects/guanwang.md:5:13: error: compounds[1]: "
            "引用了不存在的小区“福海”（是不是 fuhai（福海花园）？）",
        ),
    ],
)
def test_a_name_where_an_id_belongs_names_the_id(project, rel, old, new, line):
    replace(project, rel, old, new)
    check_fails_with(line)


def test_a_project_names_each_kind_by_name(project):
    replace(
        project,
        "projects/guanwang.md",
        "compounds: [fuhai]",
        "compounds: [fuhai]\ncommunities: [鸢飞]\ncompany: 阿尔法",
    )
    check_fails_with(
        "content/projects/guanwang.md:6:15: error: communities[1]: 引用了不存在的社区“鸢飞”（是不是 yf（鸢飞社区）？）",
        "content/projects/guanwang.md:7:10: error: company: "
        "引用了不存在的物业服务企业“阿尔法”（是不是 alpha（阿尔法物业服务有限公司）？）",
    )


def test_a_name_that_fits_several_lists_them_all(project):
    replace(project, "notices/2026/gongshi.md", "compounds: [fuhai]", "compounds: [花园]")
    replace(project, "compounds/lanting.yaml", "company: alpha", "company: 物业服务")
    check_fails_with(
        "content/notices/2026/gongshi.md:5:13: error: compounds[1]: "
        "引用了不存在的小区“花园”（可能是：fuhai（福海花园）、zhangying（张营花园））",
        "content/compounds/lanting.yaml:4:10: error: company: 引用了不存在的物业服务企业“物业服务”"
        "（可能是：alpha（阿尔法物业服务有限公司）、beta（贝塔物业服务有限公司））",
    )


def test_a_name_that_fits_nothing_is_still_no_id(project):
    replace(project, "compounds/lanting.yaml", "community: yf", "community: 不存在的地方")
    check_fails_with(
        "content/compounds/lanting.yaml:2:12: error: community: “不存在的地方”不是有效的标识"
        "（只能用小写英文字母、数字和单个连字符，例如 fuhai-huayuan）"
    )


def test_a_grid_by_its_name(project):
    replace(project, "compounds/fuhai.yaml", "grid: yf-1", "grid: 第二网格")
    check_fails_with(
        "content/compounds/fuhai.yaml:3:7: error: grid: 鸢飞社区（yf）没有网格“第二网格”（是不是 yf-2（第二网格）？）"
    )


# --- Chinese labels for choices, 是/否 for booleans ---------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "old", "new", "line"),
    [
        (
            "compounds/fuhai.yaml",
            "type: self",
            "type: 社区督管",
            "content/compounds/fuhai.yaml:4:7: error: type: “社区督管”请写作 self（居民自治型，社区督管）",
        ),
        (
            "compounds/lanting.yaml",
            "type: enterprise",
            "type: 党建助管",
            "content/compounds/lanting.yaml:3:7: error: type: “党建助管”请写作 enterprise（物业服务企业管理型，党建助管）",
        ),
        (
            "compounds/laoyuan.yaml",
            "type: state",
            "type: 无物业小区",
            "content/compounds/laoyuan.yaml:3:7: error: type: “无物业小区”请写作 state（无物业（国企兜管））",
        ),
        (
            "projects/guanwang.md",
            "status: in_progress",
            "status: 进行中",
            "content/projects/guanwang.md:4:9: error: status: “进行中”请写作 in_progress（实施中）",
        ),
        (
            "projects/guanwang.md",
            "category: renovation",
            "category: 老旧小区改造",
            "content/projects/guanwang.md:3:11: error: category: “老旧小区改造”请写作 renovation（老旧小区改造）",
        ),
        (
            "projects/guanwang.md",
            "category: renovation",
            "category: 设施",
            "content/projects/guanwang.md:3:11: error: category: “设施”不是可选值；可选：renovation（老旧小区改造）、"
            "parking（停车设施）、security（安防）、facility（公共设施）、service（为民服务）"
            "（可能是：parking（停车设施）、facility（公共设施））",
        ),
        (
            "projects/guanwang.md",
            "{date: 2026-03-01, status: in_progress,",
            "{date: 2026-03-01, status: 已完工,",
            "content/projects/guanwang.md:10:32: error: updates[1].status: “已完工”请写作 completed（已完成）",
        ),
        (
            "compounds/fuhai.yaml",
            "kind: 业委会",
            "kind: 业主委员会",
            "content/compounds/fuhai.yaml:6:21: error: owners_body.kind: “业主委员会”请写作 业委会",
        ),
        (
            "notices/2025/tongzhi.md",
            "category: 通知",
            "category: 红榜",
            "content/notices/2025/tongzhi.md:4:11: error: category: “红榜”请写作 红黑榜",
        ),
        (
            "notices/2025/tongzhi.md",
            "category: 通知",
            "category: 公告",
            "content/notices/2025/tongzhi.md:4:11: error: category: "
            "“公告”不是可选值；可选：通知、公示、红黑榜、项目、活动、招聘（是不是“公示”？）",
        ),
        (
            "compounds/zhangying.yaml",
            "resettlement: true",
            "resettlement: 是",
            "content/compounds/zhangying.yaml:6:15: error: resettlement: "
            "“是”请写作 true（是或否只能写 true（是）或 false（否））",
        ),
        (
            "companies/beta.yaml",
            "state_owned: false",
            "state_owned: 无",
            "content/companies/beta.yaml:3:14: error: state_owned: “无”请写作 false（是或否只能写 true（是）或 false（否））",
        ),
        (
            "companies/beta.yaml",
            "state_owned: false",
            "state_owned: 不知道",
            "content/companies/beta.yaml:3:14: error: state_owned: "
            "应为是或否（true / false），实际是文本“不知道”（请写 true（是）或 false（否））",
        ),
    ],
)
def test_a_chinese_label_is_answered_with_the_value_to_write(project, rel, old, new, line):
    replace(project, rel, old, new)
    check_fails_with(line)


# --- dates as people type them -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("2025年6月1日", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ("2025/6/1", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ("2025.6.1", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ("2025-6-1", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ("２０２５-０６-０１", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ("2025 年 06 月 01 日", "日期写成 年-月-日，月和日不足两位时前面补 0"),
        ('"2025-06-01"', "不加引号"),
    ],
)
def test_a_date_as_people_type_it(project, typed, hint):
    replace(project, "notices/2025/tongzhi.md", "date: 2025-06-01", f"date: {typed}")
    shown = typed.strip('"')
    check_fails_with(f"content/notices/2025/tongzhi.md:3:7: error: date: “{shown}”请写作 2025-06-01（{hint}）")


@pytest.mark.parametrize(
    ("typed", "why"),
    [("2025年2月30日", "2025 年 2 月没有 30 日"), ("2025/13/1", "没有 13 月"), ("2025-02-29", None)],
)
def test_an_impossible_date_says_so(project, typed, why):
    replace(project, "notices/2025/tongzhi.md", "date: 2025-06-01", f"date: {typed}")
    if why is None:  # a YAML date: the reader says it (before any field is checked)
        check_fails_with("content/notices/2025/tongzhi.md:3:7: error: “2025-02-29”不是有效的日期")
    else:
        check_fails_with(f"content/notices/2025/tongzhi.md:3:7: error: date: “{typed}”不是有效的日期：{why}")


def test_a_date_in_any_date_field(project):
    replace(project, "compounds/fuhai.yaml", "established: 2019-05-12", "established: 2019年5月12日")
    replace(project, "evaluations/gx/2025-H1.yaml", "published: 2025-07-15", "published: 2025/7/15")
    replace(project, "projects/guanwang.md", "start: 2026-03-01", "start: 2026.3.1")
    check_fails_with(
        "content/compounds/fuhai.yaml:6:39: error: owners_body.established: "
        "“2019年5月12日”请写作 2019-05-12（日期写成 年-月-日，月和日不足两位时前面补 0）",
        "content/evaluations/gx/2025-H1.yaml:2:12: error: published: "
        "“2025/7/15”请写作 2025-07-15（日期写成 年-月-日，月和日不足两位时前面补 0）",
        "content/projects/guanwang.md:7:8: error: start: “2026.3.1”请写作 2026-03-01（日期写成 年-月-日，月和日不足两位时前面补 0）",
    )


# --- numbers as people write them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "old", "new", "line"),
    [
        (
            "compounds/fuhai.yaml",
            "households: 860",
            "households: ８６０",
            "content/compounds/fuhai.yaml:5:13: error: households: “８６０”请写作 860（请用英文输入法输入数字和符号）",
        ),
        (
            "compounds/fuhai.yaml",
            "households: 860",
            "households: 八百六十",
            "content/compounds/fuhai.yaml:5:13: error: households: “八百六十”请写作 860（请用阿拉伯数字）",
        ),
        (
            "compounds/fuhai.yaml",
            "households: 860",
            "households: 860户",
            "content/compounds/fuhai.yaml:5:13: error: households: “860户”请写作 860（这里的单位是户，只写数字）",
        ),
        (
            "compounds/zhangying.yaml",
            "households: 1200",
            "households: 1,200",
            "content/compounds/zhangying.yaml:5:13: error: households: “1,200”请写作 1200（不用千位分隔符）",
        ),
        (
            "compounds/zhangying.yaml",
            "households: 1200",
            "households: 1，200",
            "content/compounds/zhangying.yaml:5:13: error: households: "
            "“1，200”请写作 1200（请用英文输入法输入数字和符号；不用千位分隔符）",
        ),
        (
            "compounds/fuhai.yaml",
            "households: 860",
            "households: 0.086万户",
            "content/compounds/fuhai.yaml:5:13: error: households: "
            "“0.086万户”请写作 860（0.086万户 = 860户；这里的单位是户，只写数字）",
        ),
        (
            "compounds/fuhai.yaml",
            "households: 860",
            "households: 8.5户",
            "content/compounds/fuhai.yaml:5:13: error: households: 应为整数，实际是文本“8.5户”",
        ),
        (
            "compounds/fuhai.yaml",
            "demonstration: [2025]",
            "demonstration: [2025年]",
            "content/compounds/fuhai.yaml:9:17: error: demonstration[1]: “2025年”请写作 2025（这里的单位是年，只写数字）",
        ),
        (
            "projects/guanwang.md",
            "budget: 1250000",
            "budget: 125万元",
            "content/projects/guanwang.md:6:9: error: budget: "
            "“125万元”请写作 1250000（125万元 = 1250000元；这里的单位是元，只写数字）",
        ),
        (
            "projects/guanwang.md",
            "budget: 1250000",
            "budget: 3.5万",
            "content/projects/guanwang.md:6:9: error: budget: “3.5万”请写作 35000（3.5万 = 35000元；这里的单位是元，只写数字）",
        ),
        (
            "projects/guanwang.md",
            "budget: 1250000",
            "budget: 120元",
            "content/projects/guanwang.md:6:9: error: budget: “120元”请写作 120（这里的单位是元，只写数字）",
        ),
        (
            "communities/yf.yaml",
            "area_m2: 800",
            "area_m2: 800平方米",
            "content/communities/yf.yaml:10:47: error: venues[1].area_m2: “800平方米”请写作 800（这里的单位是平方米，只写数字）",
        ),
        (
            "compounds/laoyuan.yaml",
            "fee_collection: {2025: 0.75}",
            "fee_collection: {2025: 75}",
            "content/compounds/laoyuan.yaml:6:24: error: fee_collection.2025: 75 是百分数吗？收缴率请写 0.75（或 75%）",
        ),
        (
            "compounds/laoyuan.yaml",
            "fee_collection: {2025: 0.75}",
            "fee_collection: {2025: 95.5}",
            "content/compounds/laoyuan.yaml:6:24: error: fee_collection.2025: 95.5 是百分数吗？收缴率请写 0.955（或 95.5%）",
        ),
        (
            "compounds/laoyuan.yaml",
            "fee_collection: {2025: 0.75}",
            'fee_collection: {2025: "0.75"}',
            "content/compounds/laoyuan.yaml:6:24: error: fee_collection.2025: “0.75”请写作 0.75（不加引号）",
        ),
        (
            "compounds/laoyuan.yaml",
            "fee_collection: {2025: 0.75}",
            "fee_collection: {2025: 175}",
            "content/compounds/laoyuan.yaml:6:24: error: fee_collection.2025: "
            "175 超出范围（比例应在 0 到 1 之间，或 0% 到 100%）",
        ),
    ],
)
def test_a_number_as_people_write_it(project, rel, old, new, line):
    replace(project, rel, old, new)
    check_fails_with(line)


def test_rates_written_as_percentages_are_still_accepted(project):
    replace(project, "compounds/laoyuan.yaml", "fee_collection: {2025: 0.75}", "fee_collection: {2025: 75%}")
    replace(project, "compounds/lanting.yaml", "fee_collection: {2025: 0.9}", "fee_collection: {2025: ９０％}")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output


# --- evaluation messages name the company and the part ------------------------------------------------


def test_evaluation_messages_name_the_company_and_the_part(project):
    replace(
        project, "evaluations/gx/2025-H1.yaml", "{company: alpha, authority: 27.5,", "{company: alpha, authority: ,"
    )
    replace(project, "evaluations/gx/2025-H1.yaml", "street: 20, owners: 25", "street: 20分, owners: 41")
    replace(project, "evaluations/gx/2025-H2.yaml", "{company: guoqi, authority: 28.5,", "{company: guoqi,")
    check_fails_with(
        "content/evaluations/gx/2025-H1.yaml:4:22: error: scores[1].authority: "
        "阿尔法物业服务有限公司（alpha）的“主管部门”评分还没有填写",
        "content/evaluations/gx/2025-H1.yaml:5:44: error: scores[2].street: "
        "贝塔物业服务有限公司（beta）的“街道社区”评分：“20分”请写作 20（这里的单位是分，只写数字）",
        "content/evaluations/gx/2025-H1.yaml:5:57: error: scores[2].owners: "
        "贝塔物业服务有限公司（beta）的“业主”评分：41 超出范围（应在 0 到 40 之间）",
        "content/evaluations/gx/2025-H2.yaml:6:5: error: scores[3].authority: "
        "高新区城市服务集团有限公司（guoqi）缺少“主管部门”评分（加上 authority: 得分）",
    )


def test_a_duplicate_company_names_it_and_the_line_it_first_appears_on(project):
    replace(project, "evaluations/gx/2025-H2.yaml", "{company: guoqi,", "{company: alpha,")
    check_fails_with(
        "content/evaluations/gx/2025-H2.yaml:6:15: error: scores[3].company: "
        "阿尔法物业服务有限公司（alpha）在本期已出现过（第 4 行），每期每家企业只能有一行"
    )


# --- the skeleton's placeholder, a tab that nests a list item ------------------------------------------


def test_a_body_still_holding_the_placeholder_is_an_error(project):
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", schema.NOTICE_BODY_PLACEHOLDER)
    replace(project, "projects/guanwang.md", "更换雨污管网。", "更换雨污管网。\n\n" + schema.PROJECT_BODY_PLACEHOLDER)
    check_fails_with(
        "content/notices/2025/tongzhi.md:7:1: error: 正文还是新建时的示例文字“在这里写正文。可以用 M…”，请换成要发布的内容",
        "content/projects/guanwang.md:16:1: error: 正文还是新建时的示例文字“在这里写项目简介（Mar…”，请换成要发布的内容",
    )


def test_a_draft_holding_the_placeholder_is_a_warning(project):
    replace(project, "notices/2026/caogao.md", "草稿。", "草稿：" + schema.NOTICE_BODY_PLACEHOLDER)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert (
        "content/notices/2026/caogao.md:7:4: warning: 正文还是新建时的示例文字“在这里写正文。可以用 M…”，请换成要发布的内容"
        in run.stdout
    )


def test_a_tab_that_nests_a_list_item_is_a_warning(project):
    replace(project, "notices/2025/tongzhi.md", "请各企业做好准备。", "- 准备材料\n\t- 按时参加\n- 其他\n")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output
    assert (
        "content/notices/2025/tongzhi.md:8:1: warning: 列表项前面有制表符（Tab），这一项会缩进显示在上一项下面，"
        "成为它的子项（不是要做子项的话，删掉制表符；缩进请用空格）" in run.stdout
    )
    assert run.stdout.count("制表符（Tab）") == 1


# --- the matching functions ------------------------------------------------------------------------------

COMMUNITIES = {"xinhe": ("新河社区",), "xincheng": ("新城社区",), "yf": ("鸢飞社区",)}
COMPANIES = {"boya-wuye": ("潍坊博雅物业服务有限公司",), "anjia": ("潍坊安佳物业服务有限公司",)}


@pytest.mark.parametrize(
    ("text", "names", "found"),
    [
        ("新河社区", COMMUNITIES, ["xinhe"]),  # the whole name
        ("新河", COMMUNITIES, ["xinhe"]),  # without its suffix
        ("新河社区居委会", COMMUNITIES, ["xinhe"]),  # with another suffix
        ("新河 社区", COMMUNITIES, ["xinhe"]),  # spaces do not count
        ("新", COMMUNITIES, []),  # one character is no part of a name
        ("社区", COMMUNITIES, []),  # a suffix alone names nothing
        ("博雅物业", COMPANIES, ["boya-wuye"]),  # a part of exactly one name
        ("博雅", COMPANIES, ["boya-wuye"]),
        ("潍坊", COMPANIES, ["anjia", "boya-wuye"]),  # a part of several: all of them
        ("潍坊博雅物业服务有限公司", COMPANIES, ["boya-wuye"]),
        ("ＸＩＮＨＥ", {"xinhe": ("新河社区",)}, []),  # ids are not names (the caller looks ids up first)
    ],
)
def test_name_matches(text, names, found):
    assert schema.name_matches(text, names) == found


def test_reference_hints_show_each_id_with_its_name():
    assert schema.reference_hint("新河", COMMUNITIES) == "是不是 xinhe（新河社区）？"
    assert (
        schema.reference_hint("潍坊", COMPANIES)
        == "可能是：anjia（潍坊安佳物业服务有限公司）、boya-wuye（潍坊博雅物业服务有限公司）"
    )
    assert schema.reference_hint("xinhee", COMMUNITIES) == "是不是 xinhe（新河社区）？"  # a typo of an id
    assert schema.reference_hint("新和社区", COMMUNITIES) in (
        "是不是 xinhe（新河社区）？",
        "是不是 xincheng（新城社区）？",
    )
    assert schema.reference_hint("完全不同", COMMUNITIES) is None
    many = {f"c{i}": (f"花园{i}号",) for i in range(12)}
    assert schema.reference_hint("花园", many).endswith(" 等 12 个")


@pytest.mark.parametrize(
    ("typed", "unit", "number", "why"),
    [
        ("２０２７", "", "2027", "请用英文输入法输入数字和符号"),
        ("2027户", "户", "2027", "这里的单位是户，只写数字"),
        ("27.5分", "分", "27.5", "这里的单位是分，只写数字"),
        ("120元", "元", "120", "这里的单位是元，只写数字"),
        ("3.5万元", "元", "35000", "3.5万元 = 35000元；这里的单位是元，只写数字"),
        ("2,027", "", "2027", "不用千位分隔符"),
        ("2，027", "", "2027", "请用英文输入法输入数字和符号；不用千位分隔符"),
        ("2027", "", "2027", "不加引号"),
        ("1亿", "元", "100000000", "1亿 = 100000000元；这里的单位是元，只写数字"),
        ("800㎡", "平方米", "800", "这里的单位是平方米，只写数字"),
        ("三十二", "", "32", "请用阿拉伯数字"),
        ("两千零二十七户", "户", "2027", "请用阿拉伯数字；这里的单位是户，只写数字"),
        ("一万二千", "", "12000", "请用阿拉伯数字"),
        ("三万元", "元", "30000", "请用阿拉伯数字；三万元 = 30000元；这里的单位是元，只写数字"),
        ("二〇一一", "", "2011", "请用阿拉伯数字"),
    ],
)
def test_written_number(typed, unit, number, why):
    found = schema.written_number(typed, unit)
    assert found is not None
    assert schema.number_text(found[0]) == number and found[1] == why


@pytest.mark.parametrize("typed", ["很多", "2,02", "20亩", "", "万", "1" * 100, "2027户户"])
def test_written_number_refuses_what_is_no_number(typed):
    assert schema.written_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("2026年1月30日", ("2026-01-30", None)),
        ("2026/1/30", ("2026-01-30", None)),
        ("2026.1.30", ("2026-01-30", None)),
        ("2026-1-30", ("2026-01-30", None)),
        ("２０２６-０１-３０", ("2026-01-30", None)),
        ("２０２６年１月３０日", ("2026-01-30", None)),
        ("2026年2月30日", ("", "2026 年 2 月没有 30 日")),
        ("2026年13月1日", ("", "没有 13 月")),
        ("1月30日", None),
        ("下周一", None),
    ],
)
def test_written_date(typed, found):
    assert schema.written_date(typed) == found


def test_nesting_tabs():
    body = "说明\n\n- 一\n\t- 二\n- 三\n\n段落\n\n\t- 代码块\n```\n- a\n\t- b\n```\n1. 甲\n \t2. 乙\n"
    assert nesting_tabs(body) == [(3, 1), (14, 2)]
    assert nesting_tabs("- 一\n    - 用空格缩进的子项\n") == []


def test_choice_labels_come_from_the_models():
    from generator.domain.models import COMPOUND_TYPE_MODES, PROJECT_STATUSES

    for key, mode in COMPOUND_TYPE_MODES.items():
        assert mode in schema.COMPOUND_TYPE_WORDS[key][0]
    for key, label in PROJECT_STATUSES.items():
        assert schema.PROJECT_STATUS_WORDS[key][0] == label
    assert schema.Score(30).verdict(Decimal("27.5")) == (Decimal("27.5"), None, None)
    assert schema.Score(30).verdict(31) == (None, "31 超出范围（应在 0 到 30 之间）", None)


def test_a_field_written_by_its_chinese_label_names_the_field(project):
    replace(project, "compounds/fuhai.yaml", "households: 860", "户数: 860")
    check_fails_with(
        "content/compounds/fuhai.yaml:5:1: error: 户数: 未知字段“户数”（字段名要写英文：是不是 households（户数）？）"
    )
