"""`bulletin new`: a commented skeleton for a new record, at the right path, that passes
`bulletin check` once its essentials are filled in.

`create(content_dir, kind, values)` returns a `Draft` (the content-relative path and the text);
the CLI writes it, refusing to overwrite anything. The values are the essentials of each kind (a
notice's title, date and category, a compound's community and type, …); every optional field
is in the skeleton as a commented-out line with a Chinese explanation, so an editor fills it in
by removing the `#`. References are checked against the content as it is now (unknown ids are
refused with a "did you mean"), so a skeleton made from valid options is itself valid.

Two deliberate exceptions: `evaluation` lists one row per company active in the district
(managing a compound there, or evaluated there before) with every score left empty, and
`bulletin check` reports each empty score (“…还没有填写”) until it is filled in; a notice's or
project's body is the skeleton's placeholder text (`schema.NOTICE_BODY_PLACEHOLDER`,
`schema.PROJECT_BODY_PLACEHOLDER`), an error until it is replaced, so it is never published.

`Known` also holds every district, street, community, compound and company name, so the CLI takes
a name where an id belongs (`Known.resolve`: one record, or a ScaffoldError listing what it might
be) and `bulletin ids` finds an id from a name.

`suggest_id(name, kind)` turns a Chinese name into a pinyin id (福海花园 → fuhai-huayuan): common
words are split off by a small dictionary, the rest is grouped two syllables to a word.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

from ..content import schema
from ..content.errors import Problems, did_you_mean
from ..content.load import PERIOD_RE, Loaded, load
from ..domain import checksums
from ..domain.models import COMPOUND_TYPES, NOTICE_CATEGORIES, OWNERS_BODY_KINDS, PROJECT_CATEGORIES, PROJECT_STATUSES

KINDS = ("notice", "project", "compound", "company", "community", "evaluation")
KIND_LABELS = {
    "notice": "公示公告",
    "project": "项目",
    "compound": "小区",
    "company": "物业服务企业",
    "community": "社区",
    "evaluation": "考评表",
}


# The kinds a reference names, with what an editor calls them.
NAMED_KINDS = {
    "district": "区（市）",
    "street": "街道",
    "community": "社区",
    "compound": "小区",
    "company": "物业服务企业",
}
SCOPE_KINDS = ("district", "street", "community", "compound")
LISTED = 12  # candidates named in one answer


def matches(text: str, names: dict[str, str], exact_only: bool = False) -> list[str]:
    """The ids in `names` (id → name) that `text` names: the id itself, else the records it names
    whole (the name, or the name without its suffix) and then, unless `exact_only`, those it
    names a part of (`schema.name_tiers`). Every reading is listed: the caller never picks one."""
    wanted = schema.plain(text)
    if wanted in names:
        return [wanted]
    whole, part = schema.name_tiers(text, {i: (n,) for i, n in names.items()})
    return whole if exact_only else whole + part


class ScaffoldError(Exception):
    """The options cannot make a valid record (unknown reference, bad id, file exists…)."""


@dataclass(frozen=True)
class Draft:
    rel: str  # path relative to the content folder
    text: str


# --- pinyin ids ------------------------------------------------------------------------------

# Words that name what a thing is; splitting them off gives ids like fuhai-huayuan, xinhe-shequ.
WORDS = sorted(
    [
        "花园",
        "小区",
        "社区",
        "物业",
        "服务",
        "管理",
        "有限",
        "公司",
        "集团",
        "街道",
        "家园",
        "新村",
        "新城",
        "名苑",
        "佳苑",
        "华庭",
        "宿舍",
        "公寓",
        "大厦",
        "广场",
        "城市",
        "运营",
        "维修",
        "资金",
        "使用",
        "公示",
        "通知",
        "考评",
        "结果",
        "项目",
        "改造",
        "居民",
        "议事",
        "停车",
        "安防",
        "设施",
        "管网",
        "招聘",
        "活动",
        "红黑榜",
        "业委会",
        "换届",
        "选聘",
        "志愿者",
        "招募",
        "工作者",
        "网格员",
        "网格",
        "老旧",
        "消防",
        "安全",
        "供热",
        "党群",
        "示范",
        "高新区",
        "滨海区",
        "开发区",
        "年度",
        "上半年",
        "下半年",
        "物业费",
        "收缴",
        "电梯",
        "加装",
        "道路",
        "绿化",
        "垃圾",
        "分类",
        "充电",
        "设备",
        "会议",
        "培训",
        "讲座",
        "文明",
        "卫生",
        "整治",
    ],
    key=len,
    reverse=True,
)
SUFFIX_CHARS = "苑园庭府居里村庄湾郡"
STRIP = {
    "community": ("社区居民委员会", "居民委员会", "居委会", "社区"),
    "company": ("股份有限公司", "有限责任公司", "有限公司", "集团"),
}
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
MAX_WORDS = 6


def _syllables(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def _han_words(run: str) -> list[str]:
    words, pending, i = [], "", 0

    def flush():
        nonlocal pending
        for k in range(0, len(pending), 2):
            words.append(_syllables(pending[k : k + 2]))
        pending = ""

    while i < len(run):
        word = next((w for w in WORDS if run.startswith(w, i)), None)
        if word is None and i == len(run) - 1 and run[i] in SUFFIX_CHARS and len(pending) >= 2:
            word = run[i]
        if word is None:
            pending += run[i]
            i += 1
            continue
        flush()
        words.append(_syllables(word))
        i += len(word)
    flush()
    return words


def suggest_id(name: str, kind: str = "") -> str:
    """A pinyin id for `name` (empty when nothing usable is left, e.g. a name of only symbols)."""
    name = name.strip()
    stripped = True
    while stripped:
        stripped = False
        for suffix in STRIP.get(kind, ()):
            if name.endswith(suffix) and len(name) > len(suffix):
                name, stripped = name[: -len(suffix)], True
                break
    if kind == "company":
        name = re.sub(r"物业(服务|管理)$", "物业", name)
    words: list[str] = []
    pos = 0
    for m in HAN.finditer(name):
        words += re.findall(r"[a-z0-9]+", name[pos : m.start()].lower())
        words += _han_words(m.group())
        pos = m.end()
    words += re.findall(r"[a-z0-9]+", name[pos:].lower())
    words = [re.sub(r"[^a-z0-9]", "", w) for w in words]
    return "-".join([w for w in words if w][:MAX_WORDS])


# --- what the content already has --------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """Ids and facts of the current content, read leniently (a broken file must not stop `new`)."""

    districts: dict[str, str]  # id -> name
    streets: dict[str, str]  # id -> district id
    communities: dict[str, str]  # id -> street id (or "")
    compounds: dict[str, tuple[str, str | None]]  # id -> (community, company)
    companies: dict[str, str]  # id -> name
    notices: dict[str, str]  # id -> path
    projects: dict[str, str]  # id -> path
    parts: list[tuple[str, str, Decimal]]  # (key, label, max) in site.yaml's order
    evaluations: dict[str, list[tuple[str, list[str]]]]  # district -> [(period, companies)]
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> id -> Chinese name
    state_owned: frozenset[str] = frozenset()  # companies that are state-owned
    credit_codes: dict[str, str] = field(default_factory=dict)  # credit code -> company id

    def name(self, kind: str, record_id: str) -> str:
        return self.names.get(kind, {}).get(record_id, "")

    def shown(self, kind: str, record_id: str) -> str:
        """`id（名称）`, as ids are shown to editors."""
        name = self.name(kind, record_id)
        return f"{record_id}（{name}）" if name and name != record_id else record_id

    def find(self, text: str, kinds=NAMED_KINDS) -> list[tuple[str, str]]:
        """Every (kind, id) that `text` names, by id or by Chinese name: those it names whole first
        (the id, the name, the name without its suffix), then those it names a part of."""
        whole = [(k, i) for k in kinds for i in matches(text, self.names.get(k, {}), exact_only=True)]
        return whole + [(k, i) for k in kinds for i in matches(text, self.names.get(k, {})) if (k, i) not in whole]

    def resolve(self, text: str, kinds=NAMED_KINDS) -> tuple[str, str]:
        """The one (kind, id) that `text` names; ScaffoldError saying what it might be otherwise.
        One record named whole is the answer only when no other record has the word in its name
        (张营 with both 张营社区 and 张营花园 is asked again, with both)."""
        found = self.find(text, kinds)
        what = "、".join(NAMED_KINDS[k] for k in kinds)
        if len(found) == 1:
            return found[0]
        if found:
            listed = "、".join(
                f"{self.shown(k, i)}" + (f"[{NAMED_KINDS[k]}]" if len(kinds) > 1 else "") for k, i in found[:LISTED]
            )
            more = f" 等 {len(found)} 个（全部列出：bulletin ids {text}）" if len(found) > LISTED else ""
            raise ScaffoldError(f"“{text}”可能是：{listed}{more}；请写其中一个的标识")
        pool = [(k, i) for k in kinds for i in sorted(self.names.get(k, {}))]
        hint = did_you_mean(text, [i for _, i in pool])
        listed = "、".join(self.shown(k, i) for k, i in pool) if len(pool) <= LISTED else ""
        raise ScaffoldError(
            f"没有找到“{text}”：请写{what}的名称或标识"
            + (f"（{hint}）" if hint else "")
            + "；"
            + (f"可选：{listed}" if listed else "查标识可运行 bulletin ids 名称")
        )

    @classmethod
    def read(cls, content: Path) -> Known:
        loaded = load(content, str(content), Problems())
        return cls(
            districts=_districts(loaded),
            streets=_streets(loaded),
            communities={r.id: (r.fields or {}).get("street", "") for r in loaded.of("community") if r.id},
            compounds={
                r.id: ((r.fields or {}).get("community", ""), (r.fields or {}).get("company"))
                for r in loaded.of("compound")
                if r.id
            },
            companies={r.id: (r.fields or {}).get("name", r.id) for r in loaded.of("company") if r.id},
            notices={r.id: r.src.rel for r in loaded.of("notice") if r.id},
            projects={r.id: r.src.rel for r in loaded.of("project") if r.id},
            parts=_parts(loaded),
            evaluations=_evaluations(loaded),
            names=_names(loaded),
            state_owned=frozenset(
                r.id for r in loaded.of("company") if r.id and (r.fields or {}).get("state_owned") is True
            ),
            credit_codes={
                str(r.fields["credit_code"]).upper(): r.id
                for r in loaded.of("company")
                if r.id and r.fields and r.fields.get("credit_code")
            },
        )


def _area_list(loaded: Loaded) -> list[dict]:
    fields = loaded.areas.fields if loaded.areas else None
    return list((fields or {}).get("districts", ()))


def _districts(loaded: Loaded) -> dict[str, str]:
    return {d["id"]: d.get("name", d["id"]) for d in _area_list(loaded) if "id" in d}


def _streets(loaded: Loaded) -> dict[str, str]:
    return {s["id"]: d["id"] for d in _area_list(loaded) if "id" in d for s in d.get("streets", ()) if "id" in s}


def _names(loaded: Loaded) -> dict[str, dict[str, str]]:
    named = {
        kind: {r.id: str((r.fields or {}).get("name") or r.id) for r in loaded.of(kind) if r.id}
        for kind in ("community", "compound", "company")
    }
    areas = _area_list(loaded)
    return {
        "district": {d["id"]: str(d.get("name", d["id"])) for d in areas if "id" in d},
        "street": {
            s["id"]: str(s.get("name", s["id"])) for d in areas if "id" in d for s in d.get("streets", ()) if "id" in s
        },
        **named,
    }


def _parts(loaded: Loaded) -> list[tuple[str, str, Decimal]]:
    site = (loaded.site.fields if loaded.site else None) or {}
    parts = site.get("evaluation", {}).get("parts", ())
    return [(key, p.get("label", key), p.get("max", Decimal(100))) for key, p in parts]


def _evaluations(loaded: Loaded) -> dict[str, list[tuple[str, list[str]]]]:
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for r in loaded.of("evaluation"):
        scores = ((r.src.data or {}) if isinstance(r.src.data, dict) else {}).get("scores") or []
        companies = [row["company"] for row in scores if isinstance(row, dict) and isinstance(row.get("company"), str)]
        out.setdefault(r.folder or "", []).append((r.id or "", companies))  # load names both
    return out


# --- helpers ---------------------------------------------------------------------------------


def scalar(value) -> str:
    """`value` as a YAML scalar that reads back as exactly itself."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal, date)):
        return str(value)
    text = str(value)
    try:
        plain_ok = yaml.safe_load(text) == text and "#" not in text and text.strip() == text
    except yaml.YAMLError:
        plain_ok = False
    return text if plain_ok and text else json.dumps(text, ensure_ascii=False)


def id_list(values) -> str:
    return "[" + ", ".join(values) + "]"


def _check_id(value: str, what: str) -> str:
    if not schema.ID_RE.match(value or ""):
        raise ScaffoldError(f"{what}“{value}”不是有效的标识：{schema.ID_RULE}")
    return value


def _check_refs(values, pool, label: str) -> list[str]:
    out = []
    for value in values or ():
        if value not in pool:
            hint = did_you_mean(value, pool)
            raise ScaffoldError(f"没有标识为“{value}”的{label}" + (f"（{hint}）" if hint else ""))
        out.append(value)
    return out


def _example(pool, fallback: str) -> str:
    return next(iter(sorted(pool)), fallback)


def _new_id(value: str | None, name: str, kind: str, taken, what: str) -> str:
    record_id = value or suggest_id(name, kind)
    if not record_id:
        raise ScaffoldError(f"无法从“{name}”生成标识，请用 --id 指定")
    _check_id(record_id, "标识")
    if record_id in taken:
        raise ScaffoldError(f"已经有标识为“{record_id}”的{what}，请用 --id 换一个标识")
    return record_id


# --- the skeletons ---------------------------------------------------------------------------


def notice(
    known: Known,
    *,
    title: str,
    day: date,
    category: str,
    record_id: str | None = None,
    district: str | None = None,
    streets=(),
    communities=(),
    compounds=(),
    until: date | None = None,
    draft: bool = False,
) -> Draft:
    if category not in NOTICE_CATEGORIES:
        raise ScaffoldError(f"类别“{category}”不是可选值；可选：{'、'.join(NOTICE_CATEGORIES)}")
    if until is not None and until < day:
        raise ScaffoldError(f"公示截止日期 {until} 早于发布日期 {day}")
    record_id = _new_id(record_id, title, "notice", known.notices, "公告")
    if district:
        _check_refs([district], known.districts, "区（市）")
    streets = _check_refs(streets, known.streets, "街道")
    communities = _check_refs(communities, known.communities, "社区")
    compounds = _check_refs(compounds, known.compounds, "小区")
    scope = []
    scope.append(f"district: {district}" if district else f"# district: {_example(known.districts, 'qu-biaoshi')}")
    scope.append(
        f"streets: {id_list(streets)}" if streets else f"# streets: [{_example(known.streets, 'jiedao-biaoshi')}]"
    )
    scope.append(
        f"communities: {id_list(communities)}"
        if communities
        else f"# communities: [{_example(known.communities, 'shequ-biaoshi')}]"
    )
    scope.append(
        f"compounds: {id_list(compounds)}"
        if compounds
        else f"# compounds: [{_example(known.compounds, 'xiaoqu-biaoshi')}]"
    )
    until_line = f"until: {until}" if until else f"# until: {day}"
    draft_line = "draft: true" if draft else "# draft: true"
    text = f"""---
# 公示公告。以 # 开头的是说明，不会发布；要用某一项时，删掉那一行开头的“# ”。
title: {scalar(title)}
date: {day}  # 发布日期（年-月-日）；晚于今天的公告到那天才会发布
category: {category}  # 类别：{"、".join(NOTICE_CATEGORIES)}
# 范围：都不填表示全站公告；可填下面一项或几项，填的是标识（英文小写），不是中文名称
{scope[0]}  # 区（市），只能填一个
{scope[1]}  # 街道
{scope[2]}  # 社区
{scope[3]}  # 小区
{until_line}  # 公示截止日期（公示期的最后一天），不能早于发布日期
{draft_line}  # 草稿：只在预览中显示（标“草稿”），正式网站不发布
# attachments:  # 附件：先把文件放到 content/attachments/ 下，这里写它在该文件夹中的路径
#   - title: 附件名称
#     file: {day.year}/{record_id}.pdf  # 只能是 pdf、png、jpg、webp
---
{schema.NOTICE_BODY_PLACEHOLDER}

正文和附件中不要出现身份证号、手机号、银行卡号等个人信息。
"""
    return Draft(f"notices/{day.year}/{record_id}.md", text)


def project(
    known: Known,
    *,
    title: str,
    category: str,
    status: str = "planned",
    record_id: str | None = None,
    compounds=(),
    communities=(),
    company: str | None = None,
    unit: str | None = None,
) -> Draft:
    if category not in PROJECT_CATEGORIES:
        raise ScaffoldError(f"类别“{category}”不是可选值；可选：{'、'.join(PROJECT_CATEGORIES)}")
    if status not in PROJECT_STATUSES:
        raise ScaffoldError(f"状态“{status}”不是可选值；可选：{'、'.join(PROJECT_STATUSES)}")
    compounds = _check_refs(compounds, known.compounds, "小区")
    communities = _check_refs(communities, known.communities, "社区")
    if not compounds and not communities:
        raise ScaffoldError("项目至少要关联一个小区（--compounds）或社区（--communities）")
    if company:
        _check_refs([company], known.companies, "物业服务企业")
    record_id = _new_id(record_id, title, "project", known.projects, "项目")
    categories = "、".join(f"{k} {v}" for k, v in PROJECT_CATEGORIES.items())
    statuses = "、".join(f"{k} {v}" for k, v in PROJECT_STATUSES.items())
    comp_line = (
        f"compounds: {id_list(compounds)}"
        if compounds
        else f"# compounds: [{_example(known.compounds, 'xiaoqu-biaoshi')}]"
    )
    comm_line = (
        f"communities: {id_list(communities)}"
        if communities
        else f"# communities: [{_example(known.communities, 'shequ-biaoshi')}]"
    )
    unit_line = f"unit: {scalar(unit)}" if unit else "# unit: 某某街道办事处"
    company_line = f"company: {company}" if company else f"# company: {_example(known.companies, 'qiye-biaoshi')}"
    text = f"""---
# 项目。以 # 开头的是说明，不会发布；要用某一项时，删掉那一行开头的“# ”。
title: {scalar(title)}
category: {category}  # 类别：{categories}
status: {status}  # 状态：{statuses}
# 涉及的小区和社区（填标识），至少填一项
{comp_line}
{comm_line}
# budget: 1250000  # 预算（元），只写数字
# funding: 中央和省级补助资金  # 资金来源
# start: 2026-03-01  # 开工日期
# finish: 2026-10-31  # 完工日期，不能早于开工日期
{unit_line}  # 责任单位
{company_line}  # 实施企业（物业服务企业的标识）
# updates:  # 进展，按日期记录
#   - date: 2026-03-01
#     status: in_progress  # 可不填；填了表示这一天状态变为……
#     text: 开工
---
{schema.PROJECT_BODY_PLACEHOLDER}
"""
    return Draft(f"projects/{record_id}.md", text)


def compound(
    known: Known,
    *,
    name: str,
    community: str,
    type_: str,
    households: int,
    company: str | None = None,
    record_id: str | None = None,
) -> Draft:
    _check_refs([community], known.communities, "社区")
    if type_ not in COMPOUND_TYPES:
        raise ScaffoldError(f"小区类型“{type_}”不是可选值；可选：{'、'.join(COMPOUND_TYPES)}")
    if type_ == "self" and company:
        raise ScaffoldError("居民自治型小区（self）不填物业服务企业，请去掉 --company")
    if type_ != "self" and not company:
        raise ScaffoldError(f"{COMPOUND_TYPES[type_]}小区需要 --company（物业服务企业的标识）")
    if company:
        _check_refs([company], known.companies, "物业服务企业")
    if type_ == "state" and company and company not in known.state_owned:
        listed = (
            "、".join(known.shown("company", c) for c in sorted(known.state_owned))
            or "（还没有，先用 new company 建一个）"
        )
        raise ScaffoldError(
            f"国企兜管小区的物业服务企业必须是国有企业，{known.shown('company', company)} 不是；国有企业有：{listed}"
        )
    if households < 0:
        raise ScaffoldError("户数不能是负数")
    record_id = _new_id(record_id, name, "compound", known.compounds, "小区")
    types = "、".join(f"{k} {v}" for k, v in COMPOUND_TYPES.items())
    company_line = (
        f"company: {company}  # 物业服务企业（标识）"
        if company
        else f"# company: {_example(known.companies, 'qiye-biaoshi')}  # 物业服务企业；居民自治型（self）小区不填"
    )
    text = f"""# 小区。以 # 开头的是说明，不会发布；要用某一项时，删掉那一行开头的“# ”。
name: {scalar(name)}
community: {community}  # 所属社区（标识）
# grid: {community}-1  # 所属网格（该社区 grids 中的网格标识）
type: {type_}  # 类型：{types}
{company_line}
households: {households}  # 户数
# buildings: 12  # 楼栋数
# built_year: 1998  # 建成年份
# resettlement: true  # 是否安置小区
# owners_body:  # 业主组织
#   kind: 业委会  # {"、".join(OWNERS_BODY_KINDS)}
#   established: 2020-05-12  # 成立日期
#   party_members: 3  # 其中党员人数
# fee_collection:  # 物业费收缴率：年份: 比例（0.95 或 "95%"）
#   2025: 0.95
# complaints:  # 投诉量：年份: 件数
#   2025: 12
# demonstration: [2025]  # 评为示范小区的年份
"""
    return Draft(f"compounds/{record_id}.yaml", text)


def company(
    known: Known,
    *,
    name: str,
    credit_code: str,
    state_owned: bool,
    party_organization: bool,
    record_id: str | None = None,
) -> Draft:
    problem = checksums.credit_code_problem(credit_code)
    if problem:
        raise ScaffoldError(f"统一社会信用代码“{credit_code}”有误：{problem}")
    same_code = known.credit_codes.get(credit_code.upper())
    if same_code:
        raise ScaffoldError(
            f"统一社会信用代码 {credit_code} 已经是 {known.shown('company', same_code)} 的，"
            f"一家企业只建一个文件：要修改它，直接打开 content/companies/{same_code}.yaml"
        )
    same_name = [i for i, n in known.companies.items() if schema.plain(n) == schema.plain(name)]
    if same_name:
        raise ScaffoldError(
            f"已经有名为“{name}”的物业服务企业：{known.shown('company', same_name[0])}"
            f"（content/companies/{same_name[0]}.yaml）；要修改它，直接打开这个文件"
        )
    record_id = _new_id(record_id, name, "company", known.companies, "物业服务企业")
    text = f"""# 物业服务企业。以 # 开头的是说明，不会发布；要用某一项时，删掉那一行开头的“# ”。
# 它管理哪些小区，由小区文件中的 company 一项得出，这里不用写。
name: {scalar(name)}
credit_code: {credit_code}  # 统一社会信用代码（18 位，最后一位是校验位）
state_owned: {scalar(state_owned)}  # 是否国有企业（true 是 / false 否）
party_organization: {scalar(party_organization)}  # 是否建立党组织（true 是 / false 否）
# phone: 0536-8000000  # 对外服务电话（公开）
# address: 某某路 1 号  # 地址
"""
    return Draft(f"companies/{record_id}.yaml", text)


def community(known: Known, *, name: str, street: str, record_id: str | None = None) -> Draft:
    _check_refs([street], known.streets, "街道")
    record_id = _new_id(record_id, name, "community", known.communities, "社区")
    text = f"""# 社区。以 # 开头的是说明，不会发布；要用某一项时，删掉那一行开头的“# ”。
name: {scalar(name)}
street: {street}  # 所属街道（areas.yaml 中的街道标识）
# secretary: 张某某  # 党组织书记（公开的姓名）
# office_phone: 0536-8000000  # 办公电话（公开）
# address: 某某路 1 号  # 地址
# grids:  # 网格
#   - id: {record_id}-1  # 网格标识，在本社区内不重复
#     name: 第一网格
#     members: 5  # 网格员人数
# venues:  # 服务阵地
#   - name: {name}党群服务中心
#     kind: 党群服务中心
#     area_m2: 800  # 面积（平方米）
#     address: 某某路 1 号
#     services: [议事协商, 矛盾调解]
# stats:  # 办理统计：每个统计期一行
#   - period: 2026-06  # 年-月
#     issues_received: 120  # 受理问题数
#     issues_closed_same_day: 100  # 当日办结数，不能大于受理数
"""
    return Draft(f"communities/{record_id}.yaml", text)


def active_companies(known: Known, district: str) -> list[str]:
    """Companies managing a compound in `district`, or evaluated there before; sorted by id."""
    active = set()
    for community_id, company_id in known.compounds.values():
        street = known.communities.get(community_id, "")
        if company_id and known.streets.get(street) == district:
            active.add(company_id)
    for _, companies in known.evaluations.get(district, []):
        active.update(companies)
    return sorted(c for c in active if c in known.companies)


def evaluation(known: Known, *, district: str, period: str, published: date) -> Draft:
    _check_refs([district], known.districts, "区（市）")
    if not PERIOD_RE.match(period):
        raise ScaffoldError(f"考评期“{period}”应写成 年份-H1（上半年）或 年份-H2（下半年），如 2026-H1")
    if any(p == period for p, _ in known.evaluations.get(district, [])):
        raise ScaffoldError(
            f"已经有 evaluations/{district}/{period}.yaml：要修改得分，直接编辑这个文件，或运行 "
            f"bulletin export evaluation --district {district} --period {period} 导出表格，填好后用 bulletin import 导入"
        )
    if not known.parts:
        raise ScaffoldError("site.yaml 中没有可用的 evaluation.parts（评价方），请先改正 site.yaml")
    parts_doc = "、".join(f"{key}（{label}，0–{mx}）" for key, label, mx in known.parts)
    rows = []
    for company_id in active_companies(known, district):
        rows.append(f"  - company: {company_id}  # {known.companies[company_id]}")
        for key, label, mx in known.parts:
            rows.append(f"    {key}:  # {label}，0–{mx}")
        rows.append("    # note: 备注（可不填）")
    if not rows:
        rows = ["  # 这个区（市）还没有管理小区的企业；按下面的样子每家企业写一行：", "  # - company: qiye-biaoshi"] + [
            f"  #   {key}: 0" for key, _, _ in known.parts
        ]
        scores = "scores: []\n" + "\n".join(rows)
    else:
        scores = "scores:\n" + "\n".join(rows)
    half = "上半年" if period.endswith("H1") else "下半年"
    text = f"""# {known.districts[district]} {period[:4]}年{half}物业服务企业考评得分。
# 每家企业一行，已按本区（市）在管小区和以往考评列出；请在每个评价方后面填上得分：
# {parts_doc}，最多两位小数。没填的得分，bulletin check 会逐一指出“还没有填写”。
# 不参加本期考评的企业，把它的整行（从 - company 到 note）删掉；要加企业，照样子加一行。
period: {period}
published: {published}  # 发布日期；晚于今天的考评到那天才会发布
{scores}
"""
    return Draft(f"evaluations/{district}/{period}.yaml", text)


def write(content: Path, draft: Draft) -> Path:
    """Write a new file; never overwrites (FileExistsError)."""
    path = content / draft.rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(draft.text)
    return path
