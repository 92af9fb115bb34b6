"""`bulletin audit`: the built site held against the national inspection before the inspectors.

Offices that publish a bulletin run government websites, inspected every quarter against the
State Council's 《政府网站与政务新媒体检查指标》(国办秘函〔2019〕19号). `audit(...)` checks what
of it a static bulletin can be checked for, on the built site (`--site`) and, for dates, on the
content (`--content`) as published on `today`. Each finding is a `content.errors.Problem` whose
`field` is the indicator's name and whose message starts with the indicator's level and wording
(“单项否决：首页栏目信息超过 2 周未更新（…）”): a single-veto finding (单项否决) is an error, a
deduction (扣分) a warning. docs/audit.md lists every criterion, how it is checked or why not.

What is checked, each in one function below:

- 站点无法访问: the home page (`index.html`) exists.
- 首页不更新: the newest published notice is at most 14 days old, and the built home page links it
  with dates (information without a publication date counts as not updated).
- 栏目不更新: the newest 通知 and the newest 公示 are at most six calendar months old (a deduction
  each); a navigation section (栏目) whose page links to nothing under it is a blank section
  (空白栏目, a deduction each; five or more are a single veto, as the indicator counts them).
- 可用性: every internal `href`/`src`/`action` of every HTML page resolves to a built file
  (`/x/` to `x/index.html`; an absolute URL under `base_url` is internal too); a missing target
  under `/attachments/` is an attachment that cannot be downloaded. One finding per target, at
  its first link, with the number of pages that link to it.
- 网站标识: every page's footer names the publisher (主办单位/发布单位) and a contact, and shows an
  ICP 备案编号, a 公安机关备案号 and a 网站标识码 (the last only for sites in the government-website
  directory; all are deductions).
- 互动回应差: the home page offers an online channel for residents' questions: an e-mail address
  or a link whose text says 留言/咨询/建言/信箱/意见. A phone number or postal address alone is a
  warning (not an online channel); no contact at all is the single veto “未提供网上有效咨询建言渠道”.
- 功能设计: the home page has a search box or links to a page that has one.

Reading the pages is most of the time. `_Reader.read` tokenizes with two regular expressions and
makes the calls html.parser would (tested to read every page alike, hostile bodies included) for
about three quarters of its CPU; a site of `PARALLEL_MIN_PAGES` pages or more is read in forked
workers (`engine.pool`), one per core. benchmarks/audit.md has the figures.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ..content.errors import ContentError, Loc, Problem, Problems
from ..domain.models import Notice, Site, SiteInfo
from ..output.urls import url_notice

VETO = "单项否决"
DEDUCTION = "扣分"
HOME_DAYS = 14  # 监测 2 周，首页无信息更新
COLUMN_MONTHS = 6  # 监测时间点前 6 个月内的通知公告、政策文件类栏目
COLUMN_CATEGORIES = ("通知", "公示")  # the bulletin's 通知公告类栏目
BLANK_VETO = 5  # 空白栏目数量超过（含）5 个
LINK_ATTRS = {"href", "src", "action", "poster", "data-script", "data-names"}
CHANNEL_WORDS = ("留言", "咨询", "建言", "信箱", "意见")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"(?<!\d)(?:0\d{2,3}-?\d{7,8}|1[3-9]\d{9}|400-?\d{3}-?\d{4}|12345)(?!\d)")
POSTAL_RE = re.compile(r"来信|地址|邮寄|寄[至到]|[路街巷]\s*\d+\s*号")
PUBLISHER_RE = re.compile(r"(?:主办单位|发布单位)\s*[：:]\s*\S")
CONTACT_RE = re.compile(r"联系方式\s*[：:]\s*\S")
ICP_RE = re.compile(r"[\u4e00-\u9fff]ICP[备证]\s*\d{6,10}\s*号")
POLICE_RE = re.compile(r"[\u4e00-\u9fff]公网安备\s*\d{14}\s*号")
SITE_CODE_RE = re.compile(r"网站标识码\s*[：:]?\s*[A-Za-z0-9]{10}(?![A-Za-z0-9])")


@dataclass(frozen=True)
class Report:
    """What `audit` found: the findings (errors are single vetoes, warnings deductions), and how
    much of the site it read."""

    findings: list[Problem]
    pages: int
    links: int

    @property
    def vetoes(self) -> int:
        return sum(1 for p in self.findings if p.severity == "error")

    @property
    def deductions(self) -> int:
        return len(self.findings) - self.vetoes


def audit(site_dir: Path, site_arg: str, content: Path, content_arg: str, today: date) -> Report:
    """Audit the built site in `site_dir` and the content in `content` on `today`. Raises
    `ContentError` when the content does not pass `bulletin check` (its dates cannot be trusted)."""
    site = _published(content, content_arg, today)
    pages = _read_pages(site_dir)
    found = Problems()
    where = _Where(site_arg, content_arg)
    _unreachable(pages, where, found)
    _home_stale(site, pages, today, content, where, found)
    _home_dated(pages, where, found)
    _columns_stale(site, today, content, where, found)
    _blank_sections(pages, where, found)
    links = _links(site_dir, pages, site.info.base_url, where, found)
    _identity(pages, where, found)
    _channel(pages, where, found)
    _search(pages, where, found)
    return Report(found.sorted(), len(pages), links)


def as_json(problem: Problem) -> dict:
    """A finding for `--format json`: `Problem.as_json()` with the indicator and its level."""
    return {
        "criterion": problem.field,
        "level": VETO if problem.severity == "error" else DEDUCTION,
        **problem.as_json(),
    }


def _published(content: Path, content_arg: str, today: date) -> Site:
    from ..content.load import load
    from ..content.validate import validate

    problems = Problems()
    site = validate(load(content, content_arg, problems), problems, today, drafts=False)
    if site is None:
        raise ContentError(problems.sorted())
    return site


# -- reading the built site ------------------------------------------------------------------


@dataclass
class _Page:
    """What the audit reads from one built HTML page."""

    links: list[tuple[str, str, int, int]] = field(default_factory=list)  # attribute, value, line, col
    main_links: list[str] = field(default_factory=list)
    main_times: list[str] = field(default_factory=list)
    main_form: bool = False
    nav_links: list[str] = field(default_factory=list)  # the site navigation's (栏目)
    footer_text: str = ""
    text: str = ""
    link_texts: list[tuple[str, str]] = field(default_factory=list)  # href, text of each <a>
    outside_links: list[tuple[str, str]] = field(default_factory=list)  # those outside <main>


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = _Page()
        self.main = self.footer = self.nav = 0
        self.anchor: list[str] | None = None
        self.anchor_href = ""
        self.footer_parts: list[str] = []
        self.text_parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line, col = self.getpos()
        for name, value in values.items():
            if name in LINK_ATTRS and value.strip():
                self.page.links.append((name, value.strip(), line, col + 1))
        if tag == "main":
            self.main += 1
        elif tag == "footer":
            self.footer += 1
        elif tag == "nav":
            site_nav = "site-nav" in values.get("class", "").split() or values.get("aria-label") == "主导航"
            self.nav += 1 if site_nav or self.nav else 0
        elif tag == "a" and "href" in values:
            self.anchor, self.anchor_href = [], values["href"].strip()
            if self.main:
                self.page.main_links.append(self.anchor_href)
            if self.nav:
                self.page.nav_links.append(self.anchor_href)
        elif tag == "time" and self.main and values.get("datetime"):
            self.page.main_times.append(values["datetime"])
        elif tag in ("form", "input") and self.main:
            self.page.main_form = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "main" and self.main:
            self.main -= 1
        elif tag == "footer" and self.footer:
            self.footer -= 1
        elif tag == "nav" and self.nav:
            self.nav -= 1
        elif tag == "a" and self.anchor is not None:
            link = (self.anchor_href, "".join(self.anchor).strip())
            self.page.link_texts.append(link)
            if not self.main:
                self.page.outside_links.append(link)
            self.anchor = None

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        if self.footer:
            self.footer_parts.append(data)
        if self.anchor is not None:
            self.anchor.append(data)

    def read(self, text: str) -> _Page:
        """The page read by the tokenizer below: the calls html.parser makes (start tags with
        their position and unescaped attributes, end tags, unescaped text; script and style
        content as raw text; comments and declarations skipped), for about three quarters of its CPU."""
        lines = [m.start() for m in _NEWLINE.finditer(text)]
        at = 0
        for token in _TOKEN.finditer(text):
            if token.start() < at:  # inside a script or style element
                continue
            if token.start() > at:
                self.handle_data(unescape(text[at : token.start()]))
            at = token.end()
            name = token["name"]
            if name is None:  # a comment, a declaration (<!doctype>), a processing instruction
                continue
            name = name.lower()
            if token["end"]:
                self.handle_endtag(name)
                continue
            line = bisect.bisect_left(lines, token.start())
            self.lineno, self.offset = line + 1, token.start() - (lines[line - 1] + 1 if line else 0)
            attrs = [
                (m[1].lower(), None if m[2] is None else unescape(m[2][1:-1] if m[2][:1] in "\"'" else m[2]))
                for m in _ATTR.finditer(token["attrs"])
            ]
            self.handle_starttag(name, attrs)
            if token["attrs"].endswith("/"):
                self.handle_endtag(name)
            elif name in self.CDATA_CONTENT_ELEMENTS:  # script, style: text up to their end tag
                close = re.compile(rf"</{name}\s*>", re.I).search(text, at)
                end = close.start() if close else len(text)
                if end > at:
                    self.handle_data(text[at:end])
                at = end
        if at < len(text):
            self.handle_data(unescape(text[at:]))
        return self._done()

    def read_with_html_parser(self, text: str) -> _Page:
        """The same with html.parser itself: the reference `read` is tested against."""
        self.feed(text)
        self.close()
        return self._done()

    def _done(self) -> _Page:
        self.page.footer_text = " ".join(self.footer_parts)
        self.page.text = " ".join(self.text_parts)
        return self.page


_NEWLINE = re.compile("\n")
# A tag, comment or declaration; attribute values in quotes may hold `>`.
_TOKEN = re.compile(
    r"""<!--.*?-->|<![^>]*>|<\?[^>]*>"""
    r"""|<(?P<end>/)?(?P<name>[A-Za-z][^\t\n\f\r />]*)(?P<attrs>(?:[^>"']+|"[^"]*"|'[^']*')*)>""",
    re.S,
)
# html.parser's attribute syntax (attrfind_tolerant): name, optionally = and a quoted or bare value
_ATTR = re.compile(r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(?:\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?(?:\s|/(?!>))*""")


PARALLEL_MIN_PAGES = 400  # from this many pages, read them in forked workers (engine/pool.py)
CHUNK = 100  # pages a worker reads per job: few enough round trips, small enough to share the load


def _read_pages(site_dir: Path, workers: int | None = None) -> dict[str, _Page]:
    """Every HTML page of the built site by its path relative to `site_dir` (`notices/x/index.html`),
    in sorted order. Parsing is most of the audit's time: a big site is read in forked worker
    processes, one per core (`BULLETIN_WORKERS`), `CHUNK` pages a job."""
    from ..engine import pool

    rels = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html") if p.is_file())
    workers = pool.workers() if workers is None else workers
    if workers <= 1 or len(rels) < PARALLEL_MIN_PAGES or not pool.can_fork():
        return dict(_read_chunk((site_dir, rels)))
    jobs: list[tuple[Callable[[Any], Any], Any]] = [
        (_read_chunk, (site_dir, rels[i : i + CHUNK])) for i in range(0, len(rels), CHUNK)
    ]
    pages: dict[str, _Page] = {}
    for chunk in pool.forked(jobs, workers):
        pages.update(chunk)
    return pages


def _read_chunk(job: tuple[Path, list[str]]) -> list[tuple[str, _Page]]:
    site_dir, rels = job
    read = []
    for rel in rels:
        page = _Reader().read((site_dir / rel).read_text(encoding="utf-8", errors="replace"))
        if rel != "index.html":  # only the home page's text and link texts are audited: not carried
            page.text, page.link_texts, page.outside_links = "", [], []
        read.append((rel, page))
    return read


def _file_of(url_path: str) -> str | None:
    """The file a site path is served from, relative to the site root; None outside it."""
    path = posixpath.normpath(unquote(url_path))
    if not path.startswith("/") or path.startswith("//"):
        return None
    rel = path.lstrip("/")
    if url_path.endswith("/") or not rel:
        rel = f"{rel}/index.html" if rel else "index.html"
    return rel


def _url_of(rel: str) -> str:
    """The site path of the page `rel` (`notices/x/index.html` → `/notices/x/`)."""
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


@dataclass(frozen=True)
class _Where:
    site: str
    content: str

    def page(self, rel: str, line: int = 1, col: int = 1) -> Loc:
        return Loc(f"{self.site.rstrip('/')}/{rel}", line, col)

    def source(self, rel: str, line: int = 1) -> Loc:
        return Loc(f"{self.content.rstrip('/')}/{rel}", line, 1)


# -- the criteria ----------------------------------------------------------------------------


def _unreachable(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    if "index.html" not in pages:
        found.error(
            where.page("index.html"),
            f"{VETO}：站点无法访问（网站目录中没有首页 index.html）",
            field="站点无法访问",
            hint="先运行 bulletin build 生成网站，或检查 --site 指向的目录",
        )


def _home_stale(
    site: Site, pages: dict[str, _Page], today: date, content: Path, where: _Where, found: Problems
) -> None:
    newest = max(site.notices.values(), key=lambda n: (n.date, n.id), default=None)
    if newest is None:
        found.error(
            where.source("site.yaml"),
            f"{VETO}：首页栏目信息超过 2 周未更新（网站还没有发布任何公示公告）",
            field="首页不更新",
            hint="在 notices/ 下发布公示公告（bulletin new notice）",
        )
        return
    age = (today - newest.date).days
    if age > HOME_DAYS:
        found.error(
            where.source(newest.source, _date_line(content, newest)),
            f"{VETO}：首页栏目信息超过 2 周未更新（最新一条是 {newest.date.isoformat()}《{newest.title}》，"
            f"已 {age} 天）",
            field="首页不更新",
            hint="检查时连续监测 2 周，首页无信息更新即单项否决：请发布新的公示公告",
        )
    home = pages.get("index.html")
    if home is not None and url_notice(newest.id) not in {_path(h) for h in home.main_links}:
        found.warning(
            where.page("index.html"),
            f"{DEDUCTION}：首页没有显示最新的公示公告 {newest.date.isoformat()}《{newest.title}》",
            field="首页不更新",
            hint="网站可能不是用当天的内容生成的：请重新运行 bulletin build 后再审核",
        )


def _home_dated(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    """2017 普查: information on the home page without a publication date counts as not updated."""
    home = pages.get("index.html")
    if home is not None and home.main_links and not home.main_times:
        found.warning(
            where.page("index.html"),
            f"{DEDUCTION}：首页信息未注明发布时间（检查时未注明发布时间的信息视为未更新）",
            field="首页不更新",
            hint="首页列出的公示公告应带日期（<time datetime=…>）：使用默认模板，或在主题的 home.html 中保留日期",
        )


def _columns_stale(site: Site, today: date, content: Path, where: _Where, found: Problems) -> None:
    cutoff = _months_before(today, COLUMN_MONTHS)
    for category in COLUMN_CATEGORIES:
        of_kind = [n for n in site.notices.values() if n.category == category]
        newest = max(of_kind, key=lambda n: (n.date, n.id), default=None)
        if newest is None:
            found.warning(
                where.source("site.yaml"),
                f"{DEDUCTION}：通知公告类栏目 6 个月内未更新（网站没有发布过“{category}”类公告）",
                field="栏目不更新",
                hint=f"发布 category: {category} 的公告",
            )
        elif newest.date < cutoff:
            found.warning(
                where.source(newest.source, _date_line(content, newest)),
                f"{DEDUCTION}：通知公告类栏目 6 个月内未更新（“{category}”最新一条是 "
                f"{newest.date.isoformat()}《{newest.title}》，早于 {cutoff.isoformat()}）",
                field="栏目不更新",
                hint=f"检查时点前 6 个月内应有新的“{category}”",
            )


def _blank_sections(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    home = pages.get("index.html")
    if home is None:
        return
    sections = [p for p in dict.fromkeys(_path(h) for h in home.nav_links) if p and p != "/" and p.endswith("/")]
    blank = []
    for section in sections:
        rel = _file_of(section)
        page = pages.get(rel or "")
        if rel is None or page is None or page.main_form:  # a missing one is a broken link; search is a tool
            continue
        children = {
            p
            for p in (_path(urljoin(section, h)) for h in page.main_links)
            if p.startswith(section) and p != section and not p.startswith(section + "page/")
        }
        if not children:
            blank.append((section, rel))
    veto = len(blank) >= BLANK_VETO
    for section, rel in blank:
        message = f"空白栏目（有栏目无内容）：栏目 {section} 没有任何内容"
        if veto:
            found.error(
                where.page(rel),
                f"{VETO}：{message}（空白栏目共 {len(blank)} 个，达到 {BLANK_VETO} 个）",
                field="栏目不更新",
                hint="发布内容，或不在导航中列出没有内容的栏目",
            )
        else:
            found.warning(
                where.page(rel),
                f"{DEDUCTION}：{message}",
                field="栏目不更新",
                hint="发布内容，或不在导航中列出没有内容的栏目",
            )


def _links(site_dir: Path, pages: dict[str, _Page], base_url: str, where: _Where, found: Problems) -> int:
    """Check every internal link of every page; return how many were checked."""
    base = urlsplit(base_url)
    broken: dict[str, list[tuple[str, int, int]]] = {}
    exists: dict[str, bool] = {}
    checked = 0
    for rel, page in pages.items():
        for _attr, value, line, col in page.links:
            target = _internal(urljoin(_url_of(rel), value), base)
            if target is None:
                continue
            checked += 1
            file = _file_of(target)
            key = file or target
            if key not in exists:
                exists[key] = file is not None and _served(site_dir, file)
            if not exists[key]:
                broken.setdefault(target, []).append((rel, line, col))
    for target, places in sorted(broken.items()):
        home_first = sorted(places, key=lambda p: (p[0] != "index.html", p))
        rel, line, col = home_first[0]
        count = len({p[0] for p in places})
        on_home = "，含首页" if any(p[0] == "index.html" for p in places) else ""
        if target.startswith("/attachments/"):
            message = f"{DEDUCTION}：附件无法下载：{unquote(target)} 不存在（{count} 个页面链接到它{on_home}）"
            hint = "把附件放进 content/attachments/ 对应的位置，或改正公告中的 file"
        else:
            message = f"{DEDUCTION}：链接不可用：{unquote(target)} 打不开（{count} 个页面链接到它{on_home}）"
            hint = "重新运行 bulletin build；仍然存在时请报告此问题"
        found.warning(where.page(rel, line, col), message, field="可用性", hint=hint)
    return checked


def _internal(url: str, base) -> str | None:
    """The site path `url` points at when it is on this site (relative, root-relative, or under
    `base_url`), else None (another site, mailto:, tel:, data:, javascript:)."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        if parts.netloc.lower() != base.netloc.lower():
            return None
        prefix = base.path.rstrip("/")
        if not parts.path.startswith(prefix + "/") and parts.path != prefix:
            return None
        return parts.path[len(prefix) :] or "/"
    if parts.scheme or parts.netloc:
        return None
    return parts.path or None


def _served(site_dir: Path, rel: str) -> bool:
    """A file a static host serves for `rel`: the file (not empty when it is an attachment), or the
    `index.html` of a folder of that name (`/x` → `x/index.html`, after the host's redirect)."""
    path = site_dir / rel
    if path.is_file():
        return not rel.startswith("attachments/") or path.stat().st_size > 0
    return (path / "index.html").is_file()


def _identity(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    with_footer = {rel: p for rel, p in pages.items() if p.footer_text.strip() and rel != "404.html"}
    if not with_footer:
        return
    filing_in_yaml = "filing" in {f.name for f in fields(SiteInfo)}
    checks = [
        ("publisher", PUBLISHER_RE, "主办单位", "在 site.yaml 中填写 publisher（主办单位）"),
        ("contact", CONTACT_RE, "联系方式", "在 site.yaml 中填写 contact（电话、电子邮箱或地址）"),
        ("icp", ICP_RE, "ICP 备案编号", "如“鲁ICP备12345678号”"),
        ("police", POLICE_RE, "公安机关备案号", "如“鲁公网安备 37070002000001号”"),
        ("site_code", SITE_CODE_RE, "网站标识码", "10 位，列入政府网站基本信息数据库的网站才有"),
    ]
    for key, pattern, label, example in checks:
        missing = sorted(rel for rel, page in with_footer.items() if not pattern.search(page.footer_text))
        if not missing:
            continue
        everywhere = len(missing) == len(with_footer)
        if key in ("publisher", "contact"):
            hint, in_yaml = example, True
        elif filing_in_yaml:
            hint, in_yaml = f"在 site.yaml 的 filing: 下填写 {key}（{example}）", True
        else:
            hint, in_yaml = f"在页脚模板中写明{label}（{example}）", False
        if everywhere:
            scope, loc = "所有页面", where.source("site.yaml") if in_yaml else where.page("index.html")
        else:
            scope, loc = f"{len(missing)} 个页面（共 {len(with_footer)} 个）", where.page(missing[0])
        found.warning(
            loc,
            f"{DEDUCTION}：网站标识不规范：{scope}的页面底部没有 {label}",
            field="网站标识",
            hint=hint,
        )


def _channel(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    home = pages.get("index.html")
    if home is None:
        return
    online = [h for h, _ in home.link_texts if h.lower().startswith("mailto:")]
    online += [h for h, text in home.outside_links if any(word in text for word in CHANNEL_WORDS)]
    if online or EMAIL_RE.search(home.text):
        return
    if PHONE_RE.search(home.text) or POSTAL_RE.search(home.footer_text):
        found.warning(
            where.source("site.yaml"),
            f"{DEDUCTION}：首页只有电话或通信地址，没有网上咨询建言渠道（电子邮箱或留言入口）",
            field="互动回应差",
            hint="检查可能认定为“未提供网上有效咨询建言渠道”（单项否决）：在 contact 中加上电子邮箱，或链接到留言板",
        )
        return
    found.error(
        where.source("site.yaml"),
        f"{VETO}：未提供网上有效咨询建言渠道（首页没有电话、电子邮箱、地址或留言入口）",
        field="互动回应差",
        hint="在 site.yaml 的 contact 中写明电子邮箱和电话，或链接到留言板",
    )


def _search(pages: dict[str, _Page], where: _Where, found: Problems) -> None:
    """功能设计: a search box on the home page, or a link from it to a page that has one."""
    home = pages.get("index.html")
    if home is None or home.main_form:
        return
    for href, _text in home.link_texts:
        rel = _file_of(_path(urljoin("/", href)))
        target = pages.get(rel or "")
        if target is not None and target.main_form:
            return
    found.warning(
        where.page("index.html"),
        f"{DEDUCTION}：未提供站内搜索功能（首页没有搜索框，也没有链接到搜索页）",
        field="功能设计",
        hint="使用默认模板（导航中的“搜索”），或在主题中保留到 /search/ 的链接",
    )


# -- helpers ---------------------------------------------------------------------------------


def _path(href: str) -> str:
    """`href` without its query and fragment."""
    return urlsplit(href).path


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _date_line(content: Path, notice: Notice) -> int:
    """The line of the notice's `date:` (where an annotation is most useful); 1 when not found."""
    try:
        lines = (content / notice.source).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    return next((i for i, line in enumerate(lines, 1) if line.startswith("date:")), 1)
