"""Open data: every dataset as CSV and JSON under `/data/`, described by a Frictionless
`datapackage.json` (Data Package v1) and explained on the `/data/` page.

`datasets(site, d)` declares each dataset as data — its fields (name, Table Schema type, Chinese
title, plain-Chinese description), primary and foreign keys — with its rows, so the files, the
descriptor and the page can never disagree. `data_files(site, d)` returns output path → a
function making its bytes (called when the file is written, one at a time: a big site's open
data is too much to hold at once).

- Only what the site publishes: no drafts (not even in a `--drafts` preview) and nothing dated
  after the build date (validation already left those out of the `Site`).
- Every row carries the record's stable id (the content file's name), and rows are in id order.
- CSV: UTF-8 with a byte-order mark (so Excel shows Chinese), written by the csv module; empty
  cell = no value; booleans `true`/`false`; dates `YYYY-MM-DD`; numbers exact as written. A text
  cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a
  spreadsheet never runs it as a formula.
- JSON: an array of objects with the CSV's columns as keys, in the same order; no value = null.
- The existing `/data/lists/<district>/<year>.json` files are a separate contract, unchanged.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from ..domain.derive import LIST_LABELS, Derived
from ..domain.models import COMPOUND_TYPE_MODES, COMPOUND_TYPES, PROJECT_CATEGORIES, PROJECT_STATUSES, Site
from ..steps import DIRECT, Runner, Step
from .formats import json_number, plain
from .urls import (
    absolute,
    url_community,
    url_company,
    url_compound,
    url_district,
    url_list_period,
    url_list_year,
    url_notice,
    url_project,
    url_street,
)

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "知识共享署名 4.0 国际许可协议（CC BY 4.0）",
}
TYPE_WORDS = {
    "string": "文本",
    "integer": "整数",
    "number": "数值",
    "boolean": "是否（true/false）",
    "date": "日期（年-月-日）",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
STATUS_WORDS = {"red": "红榜", "black": "黑榜", "dismissal": "提请解聘", "none": "未上榜", "incomplete": "考评未满一年"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # a Table Schema type
    title: str
    description: str


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    name: str  # the resource name and the file stem
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    rows: tuple[tuple[Any, ...], ...]  # values in field order

    @property
    def csv_path(self) -> str:
        return f"data/{self.name}.csv"

    @property
    def json_path(self) -> str:
        return f"data/{self.name}.json"


def F(name: str, type: str, title: str, description: str) -> Field:  # reads like a table row
    return Field(name, type, title, description)


def _ids(values) -> str | None:
    return LIST_SEPARATOR.join(values) or None


def _url_field(what: str) -> Field:
    return F("url", "string", "网页地址", f"本站上{what}页面的完整网址")


def datasets(site: Site, d: Derived, run: Runner = DIRECT) -> tuple[Dataset, ...]:
    """Every dataset with its rows; the big tables' rows are steps (see `generator.steps`)."""
    base = site.info.base_url

    def url(path: str) -> str:
        return absolute(base, path)

    districts = Dataset(
        "districts",
        "区（市）",
        "本站覆盖的区（市），以及各区（市）的街道数和小区数。",
        (
            F("district_id", "string", "区（市）编号", "区（市）的固定编号"),
            F("name", "string", "名称", "区（市）名称"),
            F("streets", "integer", "街道数", "本站收录的街道个数"),
            F("compounds", "integer", "小区数", "本站收录的小区个数"),
            _url_field("该区（市）"),
        ),
        ("district_id",),
        (),
        tuple(
            (k, v.name, len(v.streets), d.figures_district[k].compounds, url(url_district(k)))
            for k, v in site.districts.items()
        ),
    )
    streets = Dataset(
        "streets",
        "街道",
        "各区（市）的街道。",
        (
            F("street_id", "string", "街道编号", "街道的固定编号"),
            F("name", "string", "名称", "街道名称"),
            F("district_id", "string", "区（市）编号", "所属区（市），对应“区（市）”表的 district_id"),
            F("communities", "integer", "社区数", "本站收录的该街道社区个数"),
            F("compounds", "integer", "小区数", "本站收录的该街道小区个数"),
            _url_field("该街道"),
        ),
        ("street_id",),
        (ForeignKey(("district_id",), "districts", ("district_id",)),),
        tuple(
            (
                s.id,
                s.name,
                s.district,
                len(d.communities_by_street.get(s.id, ())),
                d.figures_street[s.id].compounds,
                url(url_street(s.district, s.id)),
            )
            for s in site.streets.values()
        ),
    )
    communities = Dataset(
        "communities",
        "社区",
        "各社区的基本情况：所属街道、党组织书记、办公电话和地址、网格数、小区数和住户数。",
        (
            F("community_id", "string", "社区编号", "社区的固定编号"),
            F("name", "string", "名称", "社区名称"),
            F("street_id", "string", "街道编号", "所属街道，对应“街道”表的 street_id"),
            F("district_id", "string", "区（市）编号", "所属区（市）"),
            F("secretary", "string", "社区党组织书记", "公开的姓名；空白表示未公布"),
            F("office_phone", "string", "办公电话", "社区办公室的公开电话"),
            F("address", "string", "办公地址", "社区办公地址"),
            F("grids", "integer", "网格数", "社区划分的网格个数"),
            F("compounds", "integer", "小区数", "本站收录的该社区小区个数"),
            F("households", "integer", "住户数", "该社区各小区住户数之和（户）"),
            _url_field("该社区"),
        ),
        ("community_id",),
        (ForeignKey(("street_id",), "streets", ("street_id",)),),
        tuple(
            (
                c.id,
                c.name,
                c.street,
                d.district_of_street[c.street],
                c.secretary,
                c.office_phone,
                c.address,
                len(c.grids),
                d.figures_community[c.id].compounds,
                d.figures_community[c.id].households,
                url(url_community(c.id)),
            )
            for c in site.communities.values()
        ),
    )

    compounds = Dataset(
        "compounds",
        "小区",
        "各小区的类型（三型三管）、物业服务企业、规模和业主组织。各年的物业费收缴率和投诉件数见“小区年度数据”。",
        (
            F("compound_id", "string", "小区编号", "小区的固定编号"),
            F("name", "string", "名称", "小区名称"),
            F("community_id", "string", "社区编号", "所属社区，对应“社区”表的 community_id"),
            F("street_id", "string", "街道编号", "所属街道"),
            F("district_id", "string", "区（市）编号", "所属区（市）"),
            F("grid_id", "string", "网格编号", "所属网格（在所属社区内的编号）；空白表示未填写"),
            F(
                "type",
                "string",
                "小区类型代码",
                "enterprise = 物业服务企业管理型，self = 居民自治型，state = 无物业（国企兜管）",
            ),
            F("type_label", "string", "小区类型", "小区类型的中文名称"),
            F("management", "string", "管理方式", "党建助管、社区督管或国企兜管"),
            F("company_id", "string", "物业服务企业编号", "对应“物业服务企业”表的 company_id；居民自治型小区为空白"),
            F("households", "integer", "住户数", "住户（户）"),
            F("buildings", "integer", "楼栋数", "楼栋（栋）；空白表示未填写"),
            F("built_year", "integer", "建成年份", "空白表示未填写"),
            F("resettlement", "boolean", "安置小区", "true = 是安置小区"),
            F("owners_body", "string", "业主组织", "业委会或自治小组；空白表示尚未成立"),
            F("owners_body_established", "date", "业主组织成立日期", "年-月-日"),
            F("owners_body_party_members", "integer", "业主组织中的党员人数", "人"),
            F(
                "demonstration_years",
                "string",
                "示范小区年份",
                f"被评为示范小区的年份，多个年份以“{LIST_SEPARATOR}”分隔",
            ),
            _url_field("该小区"),
        ),
        ("compound_id",),
        (
            ForeignKey(("community_id",), "communities", ("community_id",)),
            ForeignKey(("company_id",), "companies", ("company_id",)),
        ),
        run(COMPOUND_ROWS, site, d),
    )

    compound_years = Dataset(
        "compound_years",
        "小区年度数据",
        "各小区每年的物业费收缴率和投诉件数，一个小区一年一行。",
        (
            F("compound_id", "string", "小区编号", "对应“小区”表的 compound_id"),
            F("year", "integer", "年份", "统计年份"),
            F("fee_collection_rate", "number", "物业费收缴率", "0 到 1 之间的小数，1 表示 100%；空白表示没有数据"),
            F("complaints", "integer", "投诉件数", "当年的投诉件数；空白表示没有数据"),
        ),
        ("compound_id", "year"),
        (ForeignKey(("compound_id",), "compounds", ("compound_id",)),),
        run(COMPOUND_YEAR_ROWS, tuple(site.compounds.values())),
    )
    companies = Dataset(
        "companies",
        "物业服务企业",
        "在本站小区提供物业服务或参加考评的企业。",
        (
            F("company_id", "string", "企业编号", "企业的固定编号"),
            F("name", "string", "名称", "企业名称"),
            F("credit_code", "string", "统一社会信用代码", "18 位统一社会信用代码"),
            F("state_owned", "boolean", "国有企业", "true = 国有企业"),
            F("party_organization", "boolean", "企业党组织", "true = 已建立企业党组织"),
            F("phone", "string", "联系电话", "公开的联系电话"),
            F("address", "string", "地址", "企业地址"),
            F("compounds", "integer", "服务小区数", "本站收录的由该企业服务的小区个数"),
            _url_field("该企业"),
        ),
        ("company_id",),
        (),
        tuple(
            (
                c.id,
                c.name,
                c.credit_code,
                c.state_owned,
                c.party_organization,
                c.phone,
                c.address,
                len(d.compounds_by_company.get(c.id, ())),
                url(url_company(c.id)),
            )
            for c in site.companies.values()
        ),
    )

    parts = site.info.evaluation.parts
    part_fields = tuple(
        F(f"score_{p.key}", "number", f"{p.label}评分", f"{p.label}给出的分数（满分 {p.max}）") for p in parts
    )
    period_rows = []
    for (district_id, key), t in sorted(d.period_tables.items()):
        for r in sorted(t.rows, key=lambda r: r.company):
            period_rows.append(
                (
                    district_id,
                    key,
                    t.period.year,
                    t.period.half,
                    t.published,
                    r.company,
                    *(v for _, v in r.parts),
                    r.total,
                    r.rank,
                    r.bottom,
                    r.note,
                    url(url_list_period(district_id, key)),
                )
            )
    evaluations = Dataset(
        "evaluations",
        "半年考评得分",
        "物业服务企业每半年的三方考评得分，以及由此算出的总分、名次和末位名次。一家企业在一个区（市）的一个半年一行。",
        (
            F("district_id", "string", "区（市）编号", "组织考评的区（市），对应“区（市）”表的 district_id"),
            F("period", "string", "考评期", "年份-H1 为上半年，年份-H2 为下半年，例如 2025-H1"),
            F("year", "integer", "年份", "考评年份"),
            F("half", "integer", "半年", "1 = 上半年，2 = 下半年"),
            F("published", "date", "公布日期", "考评结果的公布日期"),
            F("company_id", "string", "企业编号", "对应“物业服务企业”表的 company_id"),
            *part_fields,
            F("total", "number", "总分", "各方评分之和（满分 100），未四舍五入"),
            F("rank", "integer", "名次", "本期总分从高到低的名次，分数相同名次相同（如 1、2、2、4）"),
            F("bottom_position", "integer", "末位名次", "1 + 本期总分严格低于该企业的企业数"),
            F("note", "string", "备注", "考评备注"),
            _url_field("本期考评结果"),
        ),
        ("district_id", "period", "company_id"),
        (
            ForeignKey(("company_id",), "companies", ("company_id",)),
            ForeignKey(("district_id",), "districts", ("district_id",)),
        ),
        tuple(period_rows),
    )

    annual = []
    for (district_id, year), year_table in sorted(d.year_tables.items()):
        for a in sorted(year_table.rows, key=lambda a: a.company):
            annual.append(
                (
                    district_id,
                    year,
                    a.company,
                    a.h1.total if a.h1 else None,
                    a.h2.total if a.h2 else None,
                    a.annual,
                    a.annual_rank,
                    a.red,
                    a.black,
                    a.dismissal,
                    STATUS_WORDS[a.status],
                    url(url_list_year(district_id, year)),
                )
            )
    annual_results = Dataset(
        "annual_results",
        "年度综合评价和红黑榜",
        "每家企业在一个区（市）一年的年度综合评价、年度排名和上榜情况。只参加了一个半年考评的企业没有年度综合评价，不上任何榜。",
        (
            F("district_id", "string", "区（市）编号", "组织考评的区（市）"),
            F("year", "integer", "年度", "考评年度"),
            F("company_id", "string", "企业编号", "对应“物业服务企业”表的 company_id"),
            F("h1_total", "number", "上半年总分", "空白表示未参加上半年考评"),
            F("h2_total", "number", "下半年总分", "空白表示未参加下半年考评"),
            F("annual", "number", "年度综合评价", "（上半年总分 + 下半年总分）÷ 2，未四舍五入；空白表示考评未满一年"),
            F("annual_rank", "integer", "年度排名", "按年度综合评价从高到低，分数相同名次相同"),
            F("red", "boolean", LIST_LABELS["red"], "true = 列入红榜"),
            F("black", "boolean", LIST_LABELS["black"], "true = 列入黑榜"),
            F("dismissal", "boolean", "提请业主大会表决解聘", "true = 上、下半年末位名次都在后几位，提请解聘"),
            F(
                "status",
                "string",
                "上榜情况",
                "红榜、黑榜、提请解聘、未上榜或考评未满一年（既提请解聘又在黑榜的写“提请解聘”）",
            ),
            _url_field("该年度红黑榜"),
        ),
        ("district_id", "year", "company_id"),
        (
            ForeignKey(("company_id",), "companies", ("company_id",)),
            ForeignKey(("district_id",), "districts", ("district_id",)),
        ),
        tuple(annual),
    )

    projects = Dataset(
        "projects",
        "项目",
        "老旧小区改造、停车设施、安防、公共设施和为民服务项目。",
        (
            F("project_id", "string", "项目编号", "项目的固定编号"),
            F("title", "string", "名称", "项目名称"),
            F("category", "string", "类别代码", "renovation、parking、security、facility 或 service"),
            F("category_label", "string", "类别", "项目类别的中文名称"),
            F("status", "string", "状态代码", "planned、in_progress、completed 或 suspended"),
            F("status_label", "string", "状态", "计划中、实施中、已完成或已暂停"),
            F("compound_ids", "string", "涉及小区", f"小区编号，多个以“{LIST_SEPARATOR}”分隔"),
            F("community_ids", "string", "涉及社区", f"社区编号，多个以“{LIST_SEPARATOR}”分隔"),
            F("budget", "number", "预算（元）", "空白表示未公布"),
            F("funding", "string", "资金来源", "项目资金的来源，如财政资金、维修资金"),
            F("start", "date", "开工日期", "实际或计划开工日期"),
            F("finish", "date", "完工日期", "实际或计划完工日期"),
            F("unit", "string", "责任单位", "负责实施的单位"),
            F("company_id", "string", "承担企业编号", "对应“物业服务企业”表的 company_id"),
            F("last_update", "date", "最近进展日期", "最近一条进展记录的日期"),
            _url_field("该项目"),
        ),
        ("project_id",),
        (ForeignKey(("company_id",), "companies", ("company_id",)),),
        tuple(
            (
                p.id,
                p.title,
                p.category,
                PROJECT_CATEGORIES[p.category],
                p.status,
                PROJECT_STATUSES[p.status],
                _ids(p.compounds),
                _ids(p.communities),
                p.budget,
                p.funding,
                p.start,
                p.finish,
                p.unit,
                p.company,
                p.updates[-1].date if p.updates else None,
                url(url_project(p.id)),
            )
            for p in site.projects.values()
        ),
    )

    published = sorted((n for n in site.notices.values() if not n.draft), key=lambda n: n.id)
    notices = Dataset(
        "notices",
        "公示公告",
        "已发布的公示公告的目录信息（不含正文，正文见网页）。",
        (
            F("notice_id", "string", "公告编号", "公告的固定编号"),
            F("title", "string", "标题", "公告标题"),
            F("date", "date", "发布日期", "公告的发布日期"),
            F("category", "string", "类别", "通知、公示、红黑榜、项目、活动或招聘"),
            F("until", "date", "公示期截止日期", "空白表示没有公示期"),
            F("site_wide", "boolean", "全站适用", "true = 面向全部社区和小区"),
            F("district_id", "string", "适用区（市）", "公告面向的区（市）编号"),
            F("street_ids", "string", "适用街道", f"街道编号，多个以“{LIST_SEPARATOR}”分隔"),
            F("community_ids", "string", "适用社区", f"社区编号，多个以“{LIST_SEPARATOR}”分隔"),
            F("compound_ids", "string", "适用小区", f"小区编号，多个以“{LIST_SEPARATOR}”分隔"),
            F("attachments", "integer", "附件数", "随公告发布的附件个数"),
            _url_field("该公告"),
        ),
        ("notice_id",),
        (ForeignKey(("district_id",), "districts", ("district_id",)),),
        # each row by its notice: an edit makes one row again, and the others stay the very
        # same objects, so comparing and encoding the table costs little
        tuple(run.each(NOTICE_ROW, published, base)),
    )
    return (
        districts,
        streets,
        communities,
        compounds,
        compound_years,
        companies,
        evaluations,
        annual_results,
        projects,
        notices,
    )


def _compound_row(c, site: Site, d: Derived) -> tuple:
    ob = c.owners_body
    street = site.communities[c.community].street
    return (
        c.id,
        c.name,
        c.community,
        street,
        d.district_of_street[street],
        c.grid,
        c.type,
        COMPOUND_TYPES[c.type],
        COMPOUND_TYPE_MODES[c.type],
        c.company,
        c.households,
        c.buildings,
        c.built_year,
        c.resettlement,
        ob.kind if ob else None,
        ob.established if ob else None,
        ob.party_members if ob else None,
        _ids(str(y) for y in c.demonstration),
        absolute(site.info.base_url, url_compound(c.id)),
    )


def _compound_years(compounds: tuple) -> tuple:
    rows = []
    for c in compounds:
        fees, complaints = dict(c.fee_collection), dict(c.complaints)
        for year in sorted(fees.keys() | complaints.keys()):
            rows.append((c.id, year, fees.get(year), complaints.get(year)))
    return tuple(rows)


def _notice_row(n, base: str) -> tuple:
    return (
        n.id,
        n.title,
        n.date,
        n.category,
        n.until,
        n.site_wide,
        n.district,
        _ids(n.streets),
        _ids(n.communities),
        _ids(n.compounds),
        len(n.attachments),
        absolute(base, url_notice(n.id)),
    )


# The rows by what they read: a notice edit leaves the compounds' alone.
COMPOUND_ROWS = Step(
    "opendata-compound-rows",
    lambda site, d: tuple(_compound_row(c, site, d) for c in site.compounds.values()),
    inputs=lambda site, d: (
        site.info.base_url,
        d.district_of_street,
        *site.communities.values(),
        len(site.compounds),
        *site.compounds.values(),
    ),
)
COMPOUND_YEAR_ROWS = Step("opendata-compound-year-rows", _compound_years, inputs=lambda compounds: compounds)
NOTICE_ROW = Step("opendata-notice-row", _notice_row)


# --- files ----------------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def to_csv(ds: Dataset, run: Runner = DIRECT) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in ds.fields])
    head = out.getvalue()
    lines = run.each(CSV_LINE, ds.rows)
    return "\ufeff".encode("utf-8") + (head + "".join(lines)).encode("utf-8")


def _csv_line(row: tuple) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([csv_cell(v) for v in row])
    return out.getvalue()


def to_json(ds: Dataset, run: Runner = DIRECT) -> bytes:
    """`json.dumps` of the rows as objects (indent 1), assembled from each row's text."""
    names = tuple(f.name for f in ds.fields)
    if not ds.rows:
        return b"[]\n"
    lines = run.each(JSON_OBJECT, ds.rows, names)
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def _json_object(row: tuple, names: tuple) -> str:
    # The object as it appears inside the indented array: the array's "[\n" and "\n]" dropped.
    return json.dumps([{k: json_value(v) for k, v in zip(names, row)}], ensure_ascii=False, indent=1)[2:-2]


# Each row's text by the row object (hashing thousands of unchanged rows to find them by value
# would cost more), and by its values when the object is new (a table made again for one changed
# record): the edit loop encodes again only the rows that changed. A JSON object's text depends
# on the field names too (the evaluation parts are the site's settings).
CSV_LINE = Step("opendata-csv-line", lambda row: _csv_line(row), by_value=True)
JSON_OBJECT = Step("opendata-json-object", _json_object, by_value=True)


def _schema(ds: Dataset) -> dict:
    schema: dict[str, Any] = {
        "fields": [{"name": f.name, "type": f.type, "title": f.title, "description": f.description} for f in ds.fields],
        "missingValues": [""],
        "primaryKey": list(ds.primary_key),
    }
    if ds.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": list(fk.fields), "reference": {"resource": fk.resource, "fields": list(fk.reference)}}
            for fk in ds.foreign_keys
        ]
    return schema


def package_name(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "bulletin"
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") + "-bulletin"


def datapackage(site: Site, sets: tuple[Dataset, ...]) -> dict:
    info = site.info
    resources = []
    for ds in sets:
        schema = _schema(ds)
        resources.append(
            {
                "profile": "tabular-data-resource",
                "name": ds.name,
                "path": f"{ds.name}.csv",
                "title": ds.title,
                "description": ds.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",  # with a BOM, which readers of UTF-8 CSV skip
                "dialect": {
                    "delimiter": ",",
                    "lineTerminator": "\r\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": schema,
            }
        )
    for ds in sets:
        schema = {k: v for k, v in _schema(ds).items() if k != "foreignKeys"}
        resources.append(
            {
                "name": f"{ds.name}-json",
                "path": f"{ds.name}.json",
                "title": f"{ds.title}（JSON）",
                "description": f"与 {ds.name}.csv 相同的数据：JSON 数组，每行一个对象，键为字段名，空值为 null。",
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "profile": "data-package",
        "name": package_name(info.base_url),
        "title": f"{info.title}开放数据",
        "description": f"{info.title}公开的社区、小区、物业服务企业、考评和红黑榜、项目和公示公告数据。"
        + ("本站内容为演示用的示例数据，不是真实信息。" if info.sample else ""),
        "homepage": info.base_url,
        "licenses": [LICENSE],
        "contributors": [{"title": info.publisher, "role": "publisher"}],
        "keywords": ["社区治理", "物业服务", "红黑榜", "公示公告"],
        "resources": resources,
    }


def _package_file(site: Site, sets: tuple[Dataset, ...]) -> bytes:
    return (json.dumps(datapackage(site, sets), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def data_files(
    site: Site, d: Derived, sets: tuple[Dataset, ...] | None = None, run: Runner = DIRECT
) -> dict[str, Callable[[], bytes]]:
    """Output path → the function making the file (steps by their dataset: the edit loop mostly
    finds every dataset unchanged, and compares them row by row)."""
    sets = datasets(site, d, run) if sets is None else sets
    files: dict[str, Callable[[], bytes]] = {}
    for ds in sets:
        files[ds.csv_path] = functools.partial(run, CSV_FILE, ds, run)
        files[ds.json_path] = functools.partial(run, JSON_FILE, ds, run)
    files["data/datapackage.json"] = functools.partial(run, PACKAGE_FILE, site, sets)
    return files


CSV_FILE = Step("opendata-csv", to_csv, inputs=lambda ds, run: (ds.fields, ds.rows), slot=lambda ds, run: ds.name)
JSON_FILE = Step("opendata-json", to_json, inputs=lambda ds, run: (ds.fields, ds.rows), slot=lambda ds, run: ds.name)
PACKAGE_FILE = Step(
    "opendata-datapackage",
    _package_file,
    inputs=lambda site, sets: (
        site.info,
        tuple((ds.name, ds.title, ds.description, ds.fields, ds.primary_key, ds.foreign_keys) for ds in sets),
    ),
)
