"""Deterministic synthetic bulletins in our content format, at the benchmark sizes.

`write_site(root, size)` writes a complete, valid `content/` tree (it passes `bulletin check`,
privacy scan included) for one of `SIZES`; `write_notices(root, n)` writes the peer-comparison
corpus (the same N notices in Hugo/Eleventy/bulletin front matter, or Pelican metadata).
Everything comes from a seeded `random.Random`, so a size always yields the same bytes.

Text is assembled from phrases of the kind the seed article uses (红色物业, 三型三管, 红黑榜,
公示 and so on). Numbers are chosen so that the privacy check has nothing to find: phone numbers
are landlines (0536-8xxxxxx) and credit codes carry a valid GB 32100 check character.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.domain.checksums import CREDIT_CODE_CHARS, credit_code_check_char


@dataclass(frozen=True)
class Size:
    districts: int
    streets_per_district: int
    communities_per_street: int
    compounds: int
    companies: int
    notices: int
    projects: int


SIZES = {
    # one district at the seed article's scale (高新区: 307 compounds)
    "district": Size(
        districts=1,
        streets_per_district=6,
        communities_per_street=5,
        compounds=307,
        companies=50,
        notices=400,
        projects=40,
    ),
    "city": Size(
        districts=8,
        streets_per_district=8,
        communities_per_street=5,
        compounds=3000,
        companies=400,
        notices=5000,
        projects=500,
    ),
    "province": Size(
        districts=120,
        streets_per_district=9,
        communities_per_street=5,
        compounds=50000,
        companies=5000,
        notices=50000,
        projects=5000,
    ),
}

TODAY = date(2026, 11, 27)

# (汉字, pinyin) pools: names read like real ones and ids are their pinyin.
PLACE = [
    ("福海", "fuhai"),
    ("兰亭", "lanting"),
    ("金色", "jinse"),
    ("阳光", "yangguang"),
    ("鸢飞", "yuanfei"),
    ("张营", "zhangying"),
    ("清池", "qingchi"),
    ("新城", "xincheng"),
    ("东明", "dongming"),
    ("北海", "beihai"),
    ("银河", "yinhe"),
    ("翡翠", "feicui"),
    ("锦绣", "jinxiu"),
    ("和平", "heping"),
    ("幸福", "xingfu"),
    ("康乐", "kangle"),
    ("桃源", "taoyuan"),
    ("玉清", "yuqing"),
    ("宝通", "baotong"),
    ("潍州", "weizhou"),
    ("永安", "yongan"),
    ("文华", "wenhua"),
    ("惠民", "huimin"),
    ("泰和", "taihe"),
    ("丰华", "fenghua"),
    ("安顺", "anshun"),
    ("明珠", "mingzhu"),
    ("绿城", "lvcheng"),
    ("书香", "shuxiang"),
    ("瑞祥", "ruixiang"),
]
COMPOUND_SUFFIX = [
    ("花园", "huayuan"),
    ("小区", "xiaoqu"),
    ("家园", "jiayuan"),
    ("苑", "yuan"),
    ("新村", "xincun"),
    ("公寓", "gongyu"),
    ("雅居", "yaju"),
    ("名都", "mingdu"),
]
COMPANY_SUFFIX = [("物业服务有限公司", "wuye"), ("物业管理有限公司", "guanli"), ("城市服务集团有限公司", "chengfu")]
DISTRICT_SUFFIX = [("区", "qu"), ("市", "shi")]
CN_DIGITS = "零一二三四五六七八九"

CATEGORIES = ("通知", "公示", "红黑榜", "项目", "活动", "招聘")
NOTICE_TOPICS = [
    "维修资金使用",
    "物业服务考评结果",
    "业委会换届选举",
    "停车位改造方案",
    "老旧小区改造施工",
    "垃圾分类督导",
    "二次供水设施清洗",
    "电梯加装意见征集",
    "消防通道整治",
    "物业服务收费标准",
    "党群服务中心开放安排",
    "志愿服务招募",
    "环境卫生整治",
    "雨污管网改造",
    "安防监控升级",
]
SENTENCES = [
    "社区党委坚持党建引领，协同物业服务企业和业主委员会共同推进小区治理。",
    "按照“三型三管”工作模式，物业服务企业管理型小区实行党建助管。",
    "居民自治型小区实行社区督管，业主委员会对重大事项进行把关监督。",
    "无物业小区由国有企业兜底管理，实现物业管理全覆盖。",
    "本次事项已经社区环境和物业管理委员会研究，现予以公示。",
    "公示期内如有异议，请以书面形式向社区居委会反映。",
    "施工期间请居民注意出行安全，给您带来的不便敬请谅解。",
    "物业服务企业应当按照合同约定提供服务，接受业主和社区的监督。",
    "考评由主管部门、街道社区和业主三方共同进行，结果每半年公布一次。",
    "年度综合评价低于六十分的企业列入黑榜，并依规处理。",
    "社区网格员将逐户走访，听取居民意见和建议。",
    "党员志愿者利用周末开展环境卫生整治和政策宣传活动。",
    "维修资金的使用须经专有部分面积和人数双过半的业主同意。",
    "小区党支部组织召开议事协商会，商定公共收益使用方案。",
    "物业费收缴率连续两年达到百分之百，居民满意度明显提升。",
    "街道将定期对整改落实情况进行督导检查，确保问题按期解决。",
]
STREET_WORDS = ["路", "街", "大道"]


def _hanzi_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return "".join(CN_DIGITS[int(c)] for c in str(n))


def credit_code(rng: random.Random, state_owned: bool) -> str:
    chars = CREDIT_CODE_CHARS
    body = "91" + "370" + f"{rng.randrange(100, 800):03d}" + "".join(rng.choice(chars) for _ in range(9))
    if state_owned:
        body = "91" + body[2:]
    return body + credit_code_check_char(body)


def landline(rng: random.Random) -> str:
    return f"0536-8{rng.randrange(0, 1000000):06d}"


def paragraph(rng: random.Random, sentences: int) -> str:
    return "".join(rng.choice(SENTENCES) for _ in range(sentences))


def markdown_body(rng: random.Random, target_bytes: int, place: str) -> str:
    """A Markdown body of about `target_bytes` UTF-8 bytes: headings, a list, a table, a link."""
    parts = [
        paragraph(rng, 3),
        "",
        "## 基本情况",
        "",
        paragraph(rng, 3),
        "",
        "## 主要事项",
        "",
        f"1. {place}{rng.choice(NOTICE_TOPICS)}由社区党委牵头组织。",
        f"2. {rng.choice(SENTENCES)}",
        f"3. 咨询电话：{landline(rng)}（工作日 9:00—17:00）。",
        "",
        "| 项目 | 数量 | 金额（元） |",
        "|---|---:|---:|",
    ]
    for _ in range(rng.randint(2, 5)):
        parts.append(f"| {rng.choice(NOTICE_TOPICS)} | {rng.randint(1, 40)} | {rng.randint(1000, 900000)} |")
    parts += ["", "详见[社区公示栏](/notices/)及[潍坊市住房和城乡建设局](https://zjj.weifang.gov.cn/)网站。", ""]
    text = "\n".join(parts)
    while len(text.encode("utf-8")) < target_bytes:
        text += "\n" + paragraph(rng, 4) + "\n"
    return text


# --- the synthetic bulletin -------------------------------------------------------------------------

SITE_YAML = """\
title: 潍坊市社区治理信息公示（基准测试）
base_url: https://example.org/
publisher: 基准测试编辑组
contact: 电话 0536-8000000
sample: true
evaluation:
  parts:
    authority: {label: 主管部门, max: 30}
    street: {label: 街道社区, max: 30}
    owners: {label: 业主, max: 40}
  red_list_size: 10
  black_line: 60
  dismissal_bottom: 3
"""


def _unique(rng: random.Random, used: set[str], make) -> tuple[str, str]:
    while True:
        name, ident = make()
        if ident not in used:
            used.add(ident)
            return name, ident


def site_files(size_name: str) -> dict[str, str]:
    """Relative path → file text for a whole synthetic bulletin of the given size."""
    size = SIZES[size_name]
    rng = random.Random(f"bulletin-{size_name}")
    files: dict[str, str] = {"site.yaml": SITE_YAML}

    districts, streets, communities = [], [], []
    used: set[str] = set()
    lines = ["districts:"]
    for di in range(size.districts):
        p, py = PLACE[di % len(PLACE)]
        sfx, spy = DISTRICT_SUFFIX[(di // len(PLACE)) % 2]
        did = f"{py}{spy}" if di < 2 * len(PLACE) else f"{py}{spy}-{di}"
        dname = f"{p}{sfx}" if di < 2 * len(PLACE) else f"{p}{_hanzi_number(di)}{sfx}"
        districts.append(did)
        lines += [f"  - id: {did}", f"    name: {dname}", "    streets:"]
        for si in range(size.streets_per_district):
            sp, spy2 = PLACE[(di * 7 + si * 3 + 5) % len(PLACE)]
            sid = f"{did}-{spy2}-{si}"
            lines.append(f"      - {{id: {sid}, name: {sp}{_hanzi_number(si + 1)}街道}}")
            streets.append((sid, did))
            for ci in range(size.communities_per_street):
                cp, cpy = PLACE[(di + si * 5 + ci * 11) % len(PLACE)]
                cid = f"{sid}-{cpy}"
                if cid in used:
                    cid = f"{cid}-{ci}"
                used.add(cid)
                communities.append((cid, f"{cp}{_hanzi_number(ci + 1)}社区", sid, did))
    files["areas.yaml"] = "\n".join(lines) + "\n"

    for cid, name, sid, _ in communities:
        grids = "\n".join(
            f"  - {{id: {cid}-{g}, name: 第{_hanzi_number(g)}网格, members: {rng.randint(3, 12)}}}" for g in range(1, 4)
        )
        files[f"communities/{cid}.yaml"] = (
            f"name: {name}\nstreet: {sid}\nsecretary: {rng.choice('王李张刘陈杨赵黄周吴')}{rng.choice('建国志强秀英海燕玉兰明华')}\n"
            f"office_phone: {landline(rng)}\naddress: {name}{rng.choice(PLACE)[0]}{rng.choice(STREET_WORDS)}{rng.randint(1, 300)}号\n"
            f"grids:\n{grids}\n"
            f"venues:\n  - {{name: {name}党群服务中心, kind: 党群服务中心, area_m2: {rng.randint(200, 1500)}, services: [议事协商, 矛盾调解, 志愿服务]}}\n"
            f"stats:\n  - {{period: 2026-06, issues_received: {rng.randint(50, 300)}, issues_closed_same_day: {rng.randint(10, 49)}}}\n"
        )

    companies_by_district: dict[str, list[str]] = {d: [] for d in districts}
    state_companies: dict[str, str] = {}
    company_ids = []
    for i in range(size.companies):
        did = districts[i % len(districts)]
        state = i < len(districts)  # each district's first company is its state-owned one
        p, py = PLACE[rng.randrange(len(PLACE))]
        sfx, spy = COMPANY_SUFFIX[2] if state else COMPANY_SUFFIX[rng.randrange(2)]
        name, ident = _unique(
            rng,
            used,
            lambda p=p, i=i, sfx=sfx, py=py, spy=spy: (f"潍坊{p}{_hanzi_number(i % 97)}{sfx}", f"{py}-{spy}-{i}"),
        )
        company_ids.append(ident)
        companies_by_district[did].append(ident)
        if state:
            state_companies[did] = ident
        files[f"companies/{ident}.yaml"] = (
            f"name: {name}\ncredit_code: {credit_code(rng, state)}\nstate_owned: {'true' if state else 'false'}\n"
            f"party_organization: {'true' if state or rng.random() < 0.6 else 'false'}\nphone: {landline(rng)}\n"
            f"address: 潍坊市{p}{rng.choice(STREET_WORDS)}{rng.randint(1, 500)}号\n"
        )

    compounds, compounds_by_community = [], {}
    for i in range(size.compounds):
        cid, _cname, sid, did = communities[i % len(communities)]
        p, py = PLACE[rng.randrange(len(PLACE))]
        s, spy = COMPOUND_SUFFIX[rng.randrange(len(COMPOUND_SUFFIX))]
        ident = f"{py}-{spy}-{i}"
        kind = rng.choices(["enterprise", "self", "state"], [70, 20, 10])[0]
        lines = [
            f"name: {p}{s}{_hanzi_number(i % 100 + 1)}期",
            f"community: {cid}",
            f"grid: {cid}-{rng.randint(1, 3)}",
            f"type: {kind}",
        ]
        if kind == "enterprise":
            lines.append(f"company: {rng.choice(companies_by_district[did][1:] or companies_by_district[did])}")
        elif kind == "state":
            lines.append(f"company: {state_companies[did]}")
        lines += [
            f"households: {rng.randint(80, 3000)}",
            f"buildings: {rng.randint(2, 40)}",
            f"built_year: {rng.randint(1985, 2022)}",
        ]
        if rng.random() < 0.1:
            lines.append("resettlement: true")
        if rng.random() < 0.9:
            lines.append(
                f"owners_body: {{kind: {rng.choice(['业委会', '自治小组'])}, established: 20{rng.randint(10, 25):02d}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}, party_members: {rng.randint(0, 9)}}}"
            )
        lines.append(
            f'fee_collection: {{2024: {rng.randint(40, 100) / 100}, 2025: {rng.randint(40, 100) / 100}, 2026: "{rng.randint(40, 100)}%"}}'
        )
        lines.append(f"complaints: {{2025: {rng.randint(0, 80)}, 2026: {rng.randint(0, 80)}}}")
        if rng.random() < 0.05:
            lines.append("demonstration: [2025]")
        files[f"compounds/{ident}.yaml"] = "\n".join(lines) + "\n"
        compounds.append((ident, cid, sid, did))
        compounds_by_community.setdefault(cid, []).append(ident)

    for did in districts:
        members = companies_by_district[did]
        for year, half, published in ((2025, 1, "2025-07-15"), (2025, 2, "2026-01-20"), (2026, 1, "2026-07-15")):
            rows = [f"period: {year}-H{half}", f"published: {published}", "scores:"]
            for company in members:
                a, s, o = rng.randint(1500, 3000) / 100, rng.randint(1500, 3000) / 100, rng.randint(2000, 4000) / 100
                rows.append(f"  - {{company: {company}, authority: {a}, street: {s}, owners: {o}}}")
            files[f"evaluations/{did}/{year}-H{half}.yaml"] = "\n".join(rows) + "\n"

    categories = ["renovation", "parking", "security", "facility", "service"]
    statuses = ["planned", "in_progress", "completed", "suspended"]
    for i in range(size.projects):
        ident, cid, sid, did = compounds[rng.randrange(len(compounds))]
        category = categories[i % len(categories)]
        p = rng.choice(PLACE)[0]
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(600))
        front = [
            "---",
            f"title: {p}{rng.choice(NOTICE_TOPICS)}项目（第{_hanzi_number(i % 50 + 1)}批）",
            f"category: {category}",
            f"status: {rng.choice(statuses)}",
            f"compounds: [{ident}]",
            f"budget: {rng.randint(50, 5000) * 1000}",
            "funding: 中央和省级补助资金、区级配套资金",
            f"start: {start.isoformat()}",
            "unit: 街道办事处",
            "updates:",
            f"  - {{date: {start.isoformat()}, text: 项目启动，完成现场勘查。}}",
            "---",
        ]
        files[f"projects/prj-{i}.md"] = "\n".join(front) + "\n" + markdown_body(rng, rng.randint(600, 1500), p)

    files.update(_notices(rng, size.notices, districts, streets, communities, compounds))
    return files


def _notices(rng, count, districts, streets, communities, compounds) -> dict[str, str]:
    """Notices scoped as they are in practice: mostly one compound or community, some a street, a
    few a district, and a small fixed number for the whole site (so page lists stay bounded)."""
    out = {}
    start = date(2024, 1, 1)
    span = (TODAY - start).days
    for i in range(count):
        roll = rng.random()
        if i < 6:
            scope = ""
        elif roll < 0.45:
            scope = f"compounds: [{compounds[rng.randrange(len(compounds))][0]}]\n"
        elif roll < 0.85:
            scope = f"communities: [{communities[rng.randrange(len(communities))][0]}]\n"
        elif roll < 0.98 or len(districts) > 20:
            scope = f"streets: [{streets[rng.randrange(len(streets))][0]}]\n"
        else:
            scope = f"district: {districts[rng.randrange(len(districts))]}\n"
        if len(districts) > 20 and scope.startswith("streets") and rng.random() < 0.02:
            scope = f"district: {districts[rng.randrange(len(districts))]}\n"
        day = start + timedelta(days=rng.randrange(span + 1))
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        place = rng.choice(PLACE)[0]
        until = (
            f"until: {(day + timedelta(days=rng.choice([5, 7, 10, 15]))).isoformat()}\n" if category == "公示" else ""
        )
        draft = "draft: true\n" if i % 97 == 0 and i else ""
        text = (
            f"---\ntitle: {place}{rng.choice(NOTICE_TOPICS)}{category}（{day.year}年第{_hanzi_number(i % 60 + 1)}号）\n"
            f"date: {day.isoformat()}\ncategory: {category}\n{scope}{until}{draft}---\n"
            + markdown_body(rng, rng.randint(1000, 3000), place)
        )
        out[f"notices/{day.year}/n{i:06d}.md"] = text
    return out


def write_files(root: Path, files: dict[str, str]) -> None:
    made = set()
    for rel, text in files.items():
        path = root / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")


def write_site(root: Path, size_name: str) -> Path:
    """Write the synthetic bulletin of `size_name` as `root/content/`; returns the content dir."""
    write_files(root / "content", site_files(size_name))
    return root / "content"


# --- the peer corpus ------------------------------------------------------------------------------


def peer_notices(n: int) -> list[dict]:
    """N notices: id, title, date, community (id, name), category, body (1-3 KB Markdown)."""
    rng = random.Random(f"peers-{n}")
    communities = [(f"{py}-{i}", f"{p}{_hanzi_number(i + 1)}社区") for i, (p, py) in enumerate(PLACE[:20])]
    start = date(2024, 1, 1)
    out = []
    for i in range(n):
        place = rng.choice(PLACE)[0]
        day = start + timedelta(days=rng.randrange((TODAY - start).days + 1))
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        out.append(
            {
                "id": f"n{i:05d}",
                "title": f"{place}{rng.choice(NOTICE_TOPICS)}{category}（第{i + 1}号）",
                "date": day,
                "community": communities[rng.randrange(len(communities))],
                "category": category,
                "body": markdown_body(rng, rng.randint(1000, 3000), place),
            }
        )
    return out, communities


if __name__ == "__main__":  # python benchmarks/synth.py city /dev/shm/city
    write_site(Path(sys.argv[2]), sys.argv[1])
