"""The web editor at /admin/: Decap CMS, self-hosted, configured from the content model.

`outputs(site, content, content_arg, options, today)` (also `AdminOptions.outputs`, which the
pipeline calls on the options the CLI made) returns the files of `/admin/` for the build to write:
`index.html` (loads only `decap-cms.js`, from the same folder), `config.yml` (generated here)
and copies of Decap's own files taken from the npm package `decap-cms` (`admin/node_modules/
decap-cms/dist` beside the working folder or the content, installed by `npm ci --prefix admin`
and by nothing else, so that a plain build installs no Decap; or `BULLETIN_DECAP_DIST`): the main
script, its lazily loaded chunks and WebAssembly files. Nothing comes from a CDN.
The public pages never load any of it; `/admin/*` gets its own, relaxed CSP in netlify.toml.

`config(site, content, content_arg, options, today)` is the Decap configuration, derived from `schema`'s field
tables: one collection per record kind, each field with its widget (text, number with its
range, date, boolean, select for choices, relation to the other collection for references),
labelled in Chinese. Decisions (also in docs/publishing.md):

- notices and projects can be created in the editor. A notice's file is named after its date
  (`notices/2026/2026-11-20.md`, then `2026-11-20-1.md`, …): Decap cannot make a pinyin id and
  ids must be lowercase ASCII. Projects are named after their category and the day.
- communities, compounds and companies are edited, not created, in the editor: their id becomes
  a public address and a reference target, so new ones come from `bulletin new` (pinyin ids).
- evaluations are a file collection per district (Decap lower-cases every file name it makes,
  and an evaluation file must be named `2026-H1.yaml`): one entry per existing half-year file,
  plus the current and the previous half-year when missing, pre-filled with one row per company
  active in the district (as `bulletin new evaluation` does) and created on the first save.
- fields the editor cannot represent (maps keyed by year: `fee_collection`, `complaints`) are
  left out of the form; Decap keeps them in the file untouched. `site.yaml` is not editable here.

Production uses Decap's `github` backend with the editorial workflow: every save is a branch and
a pull request (so `bulletin check` annotates it and Netlify previews it), and 发布 merges it.
The repository and branch come from the build's
environment (`BULLETIN_ADMIN_REPO`, `BULLETIN_ADMIN_BRANCH`), never from the content, and a
clearly marked placeholder is used when they are not set. `local_backend` lets anyone try the
editor against `npx decap-server` (`BULLETIN_ADMIN_LOCAL_BACKEND` may name its URL); in its
default file-system mode Decap falls back to publishing directly, in its git mode it keeps the
editorial workflow.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..content import schema
from ..domain.models import COMPOUND_TYPES, PROJECT_CATEGORIES, PROJECT_STATUSES, Site
from ..output.formats import json_number

PLACEHOLDER_REPO = "CHANGE-ME/set-BULLETIN_ADMIN_REPO"
# Decap CMS is not among the build's Node packages (package.json: Pagefind only): its own
# package.json and lock are in admin/, installed only where the editor is built.
INSTALL = "npm ci --prefix admin"
DECAP_FILES = ("decap-cms.js",)  # plus every `<n>.decap-cms.js` chunk and `*.wasm`
CHOICE_LABELS = {**COMPOUND_TYPES, **PROJECT_CATEGORIES, **PROJECT_STATUSES}
RELATIONS = {
    "community": ("communities", "name"),
    "compound": ("compounds", "name"),
    "company": ("companies", "name"),
}
AREA_RELATIONS = {"district": "districts.*", "street": "districts.*.streets.*"}
HINTS = {
    "date": "年-月-日。晚于今天的公告到那天才会发布",
    "until": "公示期的最后一天，不能早于发布日期；没有公示期就不填",
    "draft": "打开后只在预览网站显示，正式网站不发布",
    "district": "范围：选区（市）。范围各项都不选表示全站公告",
    "file": "content/attachments/ 下的路径，例如 2026/mingxi.pdf；只能是 pdf、png、jpg、webp",
    "credit_code": "18 位，最后一位是校验位",
    "budget": "单位：元，只写数字",
}


class AdminUnavailable(Exception):
    """Decap CMS's files were not found (run `npm ci --prefix admin`)."""


@dataclass(frozen=True)
class AdminOptions:
    decap_dist: Path
    repo: str = PLACEHOLDER_REPO
    branch: str = "main"
    local_backend: str | None = None  # None: Decap's default (http://localhost:8081/api/v1)

    @classmethod
    def from_env(cls, search: list[Path]) -> AdminOptions:
        """Options from the environment; Decap's files from BULLETIN_DECAP_DIST or admin/node_modules."""
        env = os.environ
        candidates = (
            [Path(env["BULLETIN_DECAP_DIST"])]
            if env.get("BULLETIN_DECAP_DIST")
            else [base / "admin" / "node_modules" / "decap-cms" / "dist" for base in search]
        )
        dist = next((c for c in candidates if (c / "decap-cms.js").is_file()), None)
        if dist is None:
            raise AdminUnavailable(
                f"找不到 Decap CMS 的文件 admin/node_modules/decap-cms/dist/decap-cms.js：请先在项目目录运行 {INSTALL}，"
                "或用环境变量 BULLETIN_DECAP_DIST 指明它所在的目录"
            )
        return cls(
            decap_dist=dist,
            repo=env.get("BULLETIN_ADMIN_REPO") or PLACEHOLDER_REPO,
            branch=env.get("BULLETIN_ADMIN_BRANCH") or "main",
            local_backend=env.get("BULLETIN_ADMIN_LOCAL_BACKEND") or None,
        )

    def outputs(
        self, site: Site, content: Path, content_arg: str, today: date
    ) -> tuple[dict[str, bytes], dict[str, Path]]:
        """The files of /admin/ with these options (see `outputs`): how a build that was asked
        for the web editor makes it, without importing this module."""
        return outputs(site, content, content_arg, self, today)


def decap_files(dist: Path) -> dict[str, Path]:
    """Decap's files to publish: name → source. Source maps and licences of other builds are skipped."""
    names = [
        p
        for p in sorted(dist.iterdir())
        if p.is_file()
        and (
            p.name in DECAP_FILES
            or p.name.endswith(".decap-cms.js")
            or p.suffix == ".wasm"
            or p.name == "decap-cms.js.LICENSE.txt"
        )
    ]
    return {p.name: p for p in names}


def outputs(
    site: Site, content: Path, content_arg: str, options: AdminOptions, today: date
) -> tuple[dict[str, bytes], dict[str, Path]]:
    files = {
        "admin/index.html": index_html(site).encode("utf-8"),
        "admin/config.yml": config_yml(site, content, content_arg, options, today).encode("utf-8"),
    }
    copies = {f"admin/{name}": path for name, path in decap_files(options.decap_dist).items()}
    return files, copies


def index_html(site: Site) -> str:
    title = html.escape(site.info.title)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>内容编辑 - {title}</title>
</head>
<body>
<noscript>内容编辑器需要启用 JavaScript。</noscript>
<script src="/admin/decap-cms.js"></script>
</body>
</html>
"""


def config_yml(site: Site, content: Path, content_arg: str, options: AdminOptions, today: date) -> str:
    header = "# Generated by `bulletin build --admin` from the content model; do not edit by hand.\n"
    if options.repo == PLACEHOLDER_REPO:
        header += (
            "# 占位：正式使用前，构建时请设置环境变量 BULLETIN_ADMIN_REPO（如 my-org/bulletin）"
            "和 BULLETIN_ADMIN_BRANCH。\n"
        )
    return header + yaml.safe_dump(
        config(site, content, content_arg, options, today), allow_unicode=True, sort_keys=False, width=120
    )


def config(site: Site, content: Path, content_arg: str, options: AdminOptions, today: date) -> dict:
    root = Path(content_arg).as_posix().strip("/") or "content"
    local = {"url": options.local_backend} if options.local_backend else True
    collections = [
        _folder(
            "notices",
            "公示公告",
            "公告",
            f"{root}/notices",
            schema.NOTICE,
            markdown=True,
            extra={
                "path": "{{year}}/{{slug}}",
                "slug": "{{fields.date}}",
                "summary": "{{date}}　{{title}}",
                "sortable_fields": ["date", "title"],
                "description": "新建公告的文件以发布日期命名。保存后由检查程序把关，合并后发布。",
            },
        ),
        _folder(
            "projects",
            "项目",
            "项目",
            f"{root}/projects",
            schema.PROJECT,
            markdown=True,
            extra={"slug": "{{fields.category}}-{{year}}{{month}}{{day}}", "summary": "{{title}}"},
        ),
        _folder("communities", "社区", "社区", f"{root}/communities", schema.COMMUNITY, create=False),
        _folder("compounds", "小区", "小区", f"{root}/compounds", schema.COMPOUND, create=False),
        _folder("companies", "物业服务企业", "企业", f"{root}/companies", schema.COMPANY, create=False),
        {
            "name": "areas",
            "label": "辖区（区、街道）",
            "editor": {"preview": False},
            "files": [
                {
                    "name": "areas",
                    "label": "区（市）和街道",
                    "file": f"{root}/areas.yaml",
                    "fields": _fields(schema.AREAS),
                }
            ],
        },
    ]
    collections += _evaluation_collections(site, content, root, today)
    return {
        "locale": "zh_Hans",
        "backend": {"name": "github", "repo": options.repo, "branch": options.branch},
        # every save becomes a branch and a pull request: checked, previewed, published on merge
        "publish_mode": "editorial_workflow",
        "local_backend": local,
        "site_url": site.info.base_url,
        "media_folder": f"{root}/attachments",
        "public_folder": "/attachments",
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "collections": collections,
    }


def _folder(
    name: str,
    label: str,
    singular: str,
    folder: str,
    table: schema.Obj,
    markdown: bool = False,
    create: bool = True,
    extra: dict | None = None,
) -> dict:
    fields = _fields(table)
    if markdown:
        fields.append({"name": "body", "label": "正文", "widget": "markdown", "required": False})
    collection = {
        "name": name,
        "label": label,
        "label_singular": singular,
        "folder": folder,
        "create": create,
        "extension": "md" if markdown else "yaml",
        "format": "yaml-frontmatter" if markdown else "yaml",
        "identifier_field": "title" if "title" in table.table else "name",
        "editor": {"preview": False},
        "fields": fields,
    }
    if not create:
        collection["description"] = (
            f"新建{singular}请用命令 bulletin new（它会生成拼音标识，标识将成为网址）；这里可以修改已有的{singular}。"
        )
    collection.update(extra or {})
    return collection


def _fields(table: schema.Obj) -> list[dict]:
    out = []
    for name, field in table.table.items():
        widget = _widget(name, field)
        if widget is not None:
            out.append(widget)
    return out


def _widget(name: str, field: schema.Field) -> dict | None:
    base = {"name": name, "label": field.label or name, "required": field.required}
    if name in HINTS:
        base["hint"] = HINTS[name]
    spec = field.spec
    shape = _shape(spec, multiple=False)
    if shape is None:
        return None
    return {**base, **shape}


def _shape(spec: schema.Spec, multiple: bool) -> dict | None:
    if isinstance(spec, schema.Ref):
        return _relation(spec.kind, multiple)
    if isinstance(spec, schema.Id):
        return {"widget": "string", "pattern": [schema.ID_RE.pattern, schema.ID_RULE]}
    if isinstance(spec, schema.Text):
        return {"widget": "string" if spec.max_len <= 300 else "text"}
    if isinstance(spec, schema.Int):
        return _number("int", spec.min, spec.max, None)
    if isinstance(spec, schema.Num):
        return _number("float", spec.min, spec.max, spec.places)
    if isinstance(spec, schema.Bool):
        return {"widget": "boolean", "default": False}
    if isinstance(spec, schema.Date):
        return {"widget": "datetime", "format": "YYYY-MM-DD", "date_format": "YYYY-MM-DD", "time_format": False}
    if isinstance(spec, schema.Pattern):
        return {"widget": "string", "pattern": [spec.regex.pattern, f"应为{spec.what}"]}
    if isinstance(spec, schema.Choice):
        return {"widget": "select", "options": [{"label": CHOICE_LABELS.get(c, c), "value": c} for c in spec.choices]}
    if isinstance(spec, schema.Obj):
        return {"widget": "object", "collapsed": False, "fields": _fields(spec)}
    if isinstance(spec, schema.ListOf):
        item = spec.item
        if isinstance(item, schema.Ref):
            return _relation(item.kind, multiple=True)
        if isinstance(item, schema.Obj):
            return {"widget": "list", "fields": _fields(item)}
        inner = _shape(item, multiple=False)
        return None if inner is None else {"widget": "list", "field": {"name": "item", "label": "项", **inner}}
    return None  # MapOf and Rate: maps keyed by year have no Decap widget; they stay as written


def _number(kind: str, lo, hi, places) -> dict:
    shape: dict = {"widget": "number", "value_type": kind}
    if lo is not None:
        shape["min"] = _plain(lo)
    if hi is not None:
        shape["max"] = _plain(hi)
    if places:
        shape["step"] = json_number(Decimal(1).scaleb(-places))
    return shape


def _plain(value) -> int | float:
    """A bound as the JSON-like YAML Decap reads: the site's one way of writing a number there."""
    return json_number(Decimal(value))


def _relation(kind: str, multiple: bool) -> dict:
    shape: dict[str, Any]
    if kind in AREA_RELATIONS:
        base = AREA_RELATIONS[kind]
        shape = {
            "widget": "relation",
            "collection": "areas",
            "file": "areas",
            "value_field": f"{base}.id",
            "search_fields": [f"{base}.name"],
            "display_fields": [f"{base}.name"],
        }
    else:
        collection, label = RELATIONS[kind]
        shape = {
            "widget": "relation",
            "collection": collection,
            "value_field": "{{slug}}",
            "search_fields": [label],
            "display_fields": [label],
        }
    shape["options_length"] = 5000
    if multiple:
        shape["multiple"] = True
    return shape


def _evaluation_collections(site: Site, content: Path, root: str, today: date) -> list[dict]:
    """One file collection per district: its half-year files, newest first.

    Besides the files that exist, each district offers the current and the previous half-year
    when their files are missing (Decap opens a missing file as an empty form and creates it on
    the first save); the form's hint names the companies active in the district, since Decap
    does not apply field defaults to a file entry.
    """
    existing = {d: {p.stem for p in (content / "evaluations" / d).glob("*.yaml")} for d in site.districts}
    current = f"{today.year}-H{1 if today.month <= 6 else 2}"
    previous = f"{today.year}-H1" if current.endswith("H2") else f"{today.year - 1}-H2"
    out = []
    for district_id, district in site.districts.items():
        have = existing.get(district_id, set())
        names = "、".join(site.companies[c].name for c in active_companies(site, district_id))
        entries = []
        for period in sorted(have | {current, previous}, reverse=True):
            fields = _fields(_evaluation_table(site, period))
            if period not in have and names:
                fields[2]["hint"] = f"本区（市）在管或以往参加考评的企业：{names}。每家一行。"
            label = _period_label(period) + ("" if period in have else "（新建）")
            entries.append(
                {
                    "name": period,
                    "label": label,
                    "file": f"{root}/evaluations/{district_id}/{period}.yaml",
                    "fields": fields,
                }
            )
        out.append(
            {
                "name": f"evaluations-{district_id}",
                "label": f"考评得分：{district.name}",
                "description": "每半年一个文件。标“新建”的半年还没有文件：打开后选考评期、填发布日期，每家企业加一行得分，保存即新建。",
                "editor": {"preview": False},
                "files": entries,
            }
        )
    return out


def _evaluation_table(site: Site, period: str) -> schema.Obj:
    """The evaluation table of `schema.evaluation_table`, with the period fixed to the file's."""
    parts = site.info.evaluation.parts
    table = schema.evaluation_table([p.key for p in parts], {p.key: p.max for p in parts})
    scores = table.table["scores"].spec
    assert isinstance(scores, schema.ListOf) and isinstance(scores.item, schema.Obj)
    row = dict(scores.item.table)
    for part in parts:
        row[part.key] = schema.req(row[part.key].spec, f"{part.label}（满分 {_plain(part.max)}）")
    return schema.Obj(
        {
            "period": schema.req(schema.Choice([period]), "考评期（与文件名一致）"),
            "published": table.table["published"],
            "scores": schema.req(schema.ListOf(schema.Obj(row), min_items=1), "得分表"),
        }
    )


def active_companies(site: Site, district_id: str) -> list[str]:
    """Companies managing a compound in the district or evaluated there before, by id."""
    active = {e_row.company for e in site.evaluations if e.district == district_id for e_row in e.scores}
    for compound in site.compounds.values():
        street = site.streets[site.communities[compound.community].street]
        if compound.company and street.district == district_id:
            active.add(compound.company)
    return sorted(active)


def _period_label(period: str) -> str:
    return f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"
