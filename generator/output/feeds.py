"""Atom feeds (RFC 4287) that residents can follow in a feed reader.

`feed_files(site, d)` returns output path → a function that makes the file's bytes (called when
the file is written, one at a time: a big site's feeds are too much XML to hold at once) for:
- `/feeds/notices.xml`: the published notices, newest first;
- `/feeds/communities/<id>.xml`: the notices that reach one community (`d.notices_by_community`);
- `/feeds/lists/<district>.xml`: an entry per published half-year evaluation and per year with
  annual results (the red and black lists), each linking to its list page.
Each feed holds its `FEED_ENTRIES` newest entries: a reader polls and keeps what it has seen, and
the full history is on the site. (Every notice in every feed made a province-size site's feeds
hundreds of megabytes: a district-wide notice is copied into each of its communities' feeds.)
Drafts are never in a feed, not even in a `--drafts` preview build (a preview is not for
subscribing).

Stable identity: an entry's id is a tag URI (RFC 4151), `tag:<host>,<year>:<base path><kind>/<id>`,
where the year is the record's own (a notice's date, an evaluation's period), so rebuilding never
changes it; a feed's id is its own absolute URL. Times come from content dates only (a notice's
date, an evaluation's publication date, written as midnight in Asia/Shanghai), never the clock: a
feed's `updated` is its newest entry's, and an empty feed's is the newest content date of the
whole site (the build date only when the site has no dated content at all).

The XML is built with `xml.etree.ElementTree`, which escapes every title and every `content`
(the sanitised body HTML, as `type="html"` text); characters XML cannot carry are dropped.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from markupsafe import Markup

from ..domain import publication
from ..domain.derive import LIST_LABELS, Derived, PeriodTable, YearTable
from ..domain.models import Community, District, Notice, Site, SiteInfo
from ..steps import DIRECT, Runner, Step
from .formats import rounded
from .urls import (
    absolute,
    url_attachment,
    url_community,
    url_feed_community,
    url_feed_lists,
    url_feed_notices,
    url_list_period,
    url_list_year,
    url_notice,
    url_notices_page,
)

ATOM = "http://www.w3.org/2005/Atom"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str  # root-relative
    published: date
    updated: date
    html: str  # safe HTML, carried escaped as type="html"
    category: str | None = None


@dataclass(frozen=True)
class Feed:
    url: str  # root-relative URL of the feed itself
    title: str
    subtitle: str
    page: str  # root-relative URL of the HTML page it follows
    entries: tuple[Entry, ...]  # newest first


def stamp(day: date) -> str:
    """An RFC 3339 time for a content date: midnight in Asia/Shanghai."""
    return f"{day.isoformat()}T00:00:00+08:00"


def tag_uri(base_url: str, year: int, specific: str) -> str:
    parts = urlsplit(base_url)
    prefix = parts.path.strip("/")
    return f"tag:{parts.hostname or 'localhost'},{year}:{prefix + '/' if prefix else ''}{specific}"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def render_feed(feed: Feed, site: Site, fallback_updated: date, run: Runner = DIRECT) -> bytes:
    """The feed's XML. A step by its entries (unchanged records give the same entry objects),
    and each entry's XML a step by the entry: otherwise the edit loop would serialise every feed
    that holds a changed notice again, entry by entry (the site-wide feed holds every notice)."""
    return run(FEED_XML, feed, site.info, fallback_updated, run)


_INDENT = "  "


def _render_feed(feed: Feed, info, fallback_updated: date, run: Runner = DIRECT) -> bytes:
    """The feed as `ElementTree` writes it indented (`ET.indent`), assembled from the feed's head
    and each entry serialised on its own at the depth it has in the feed: the same bytes, with
    the entries reusable across feeds and rebuilds."""
    # Unprefixed names with the namespace declared once on the root: the serializer escapes
    # text and attributes either way, and the output is plain Atom.
    root = ET.Element("feed", {"xmlns": ATOM, f"{{{XML_NS}}}lang": info.language or "zh-CN"})
    _sub(root, "id", absolute(info.base_url, feed.url))
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.subtitle)
    updated = max((e.updated for e in feed.entries), default=fallback_updated)
    _sub(root, "updated", stamp(updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=absolute(info.base_url, feed.url))
    _sub(root, "link", rel="alternate", type="text/html", href=absolute(info.base_url, feed.page))
    author = _sub(root, "author")
    _sub(author, "name", info.publisher)
    _sub(author, "uri", info.base_url)
    _sub(root, "generator", "bulletin")
    tree = ET.ElementTree(root)
    ET.indent(tree, _INDENT)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    head = out.getvalue()
    if not feed.entries:
        return head + b"\n"
    closing = b"\n</feed>"
    assert head.endswith(closing)
    parts = [head[: -len(closing)]]
    for e in feed.entries:
        parts.append(run(ENTRY_XML, e, info.base_url))
    parts.append(closing + b"\n")
    return b"".join(parts)


def _entry_xml(e: Entry, base_url: str) -> bytes:
    """One entry as it appears inside an indented feed: preceded by its line break and indent."""
    entry = ET.Element("entry")
    _sub(entry, "id", e.id)
    _sub(entry, "title", e.title)
    _sub(entry, "link", rel="alternate", type="text/html", href=absolute(base_url, e.url))
    _sub(entry, "published", stamp(e.published))
    _sub(entry, "updated", stamp(e.updated))
    if e.category:
        _sub(entry, "category", term=e.category)
    _sub(entry, "content", e.html, type="html")
    ET.indent(entry, _INDENT, level=1)
    entry.tail = None
    return ("\n" + _INDENT + ET.tostring(entry, encoding="unicode")).encode("utf-8")


def _absolute_links(html: str, base_url: str) -> str:
    """Root-relative links and images in body HTML made absolute, since feed readers show the
    content away from the site (xml:base is not honoured by all of them)."""
    return re.sub(r'(\s(?:href|src)=")/(?!/)', lambda m: m.group(1) + absolute(base_url, "/"), html)


def notice_entry(n: Notice, info: SiteInfo, first: date | None = None) -> Entry:
    """`first`: the day git first published a back-dated notice (`Derived.notices_published_late`):
    its 公示期 is then given from that day, as on its page (`domain.publication`)."""
    facts = [f"类别：{n.category}", f"发布日期：{n.date.isoformat()}"]
    period = publication.real_period(n, first, False) if first is not None else None
    if period is not None:
        facts.append(
            f"公示期：{period[0].isoformat()} 至 {period[1].isoformat()}（本站首次发布于 {first}；"
            f"公告写明的公示期是 {n.date.isoformat()} 至 {n.until}）"
        )
    elif n.until is not None:
        facts.append(f"公示期：{n.date.isoformat()} 至 {n.until.isoformat()}")
    elif first is not None:
        facts.append(f"本站首次发布于 {first.isoformat()}")
    facts.append(f"发布单位：{info.publisher}")
    html = Markup("<p>{}</p>\n").format(Markup("<br>").join(facts))
    html += Markup(_absolute_links(n.body_html, info.base_url))
    if n.attachments:
        items = Markup("").join(
            Markup('<li><a href="{}">{}</a></li>').format(absolute(info.base_url, url_attachment(a.file)), a.title)
            for a in n.attachments
        )
        html += Markup("\n<p>附件：</p><ul>{}</ul>").format(items)
    return Entry(
        id=tag_uri(info.base_url, n.date.year, f"notices/{n.id}"),
        title=n.title,
        url=url_notice(n.id),
        published=n.date,
        updated=n.date,
        html=str(html),
        category=n.category,
    )


def period_entry(table: PeriodTable, site: Site) -> Entry:
    district = site.districts[table.district]
    rows = Markup("").join(
        Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            r.rank, site.companies[r.company].name, rounded(r.total, 2)
        )
        for r in table.rows
    )
    html = Markup(
        "<p>{}{}物业服务企业考评结果已公布，共 {} 家企业参加考评。</p>"
        "<table><tr><th>名次</th><th>企业</th><th>总分</th></tr>{}</table>"
    ).format(district.name, table.period.label, len(table.rows), rows)
    return Entry(
        id=tag_uri(site.info.base_url, table.period.year, f"lists/{table.district}/{table.period.key}"),
        title=f"{district.name}{table.period.label}物业服务企业考评结果",
        url=url_list_period(table.district, table.period.key),
        published=table.published,
        updated=table.published,
        html=str(html),
        category="红黑榜",
    )


def year_entry(table: YearTable, site: Site) -> Entry:
    district = site.districts[table.district]
    day = max(t.published for t in (table.h1, table.h2) if t is not None)
    parts = []
    for name in ("red", "black", "dismissal"):
        members = table.members(name)
        names = "、".join(site.companies[c].name for c in members) or "无"
        parts.append(Markup("<p>{}（{} 家）：{}</p>").format(LIST_LABELS[name], len(members), names))
    html = Markup("<p>{} {} 年度物业服务企业红黑榜已根据上、下半年考评得分计算公布。</p>").format(
        district.name, table.year
    )
    html += Markup("").join(parts)
    return Entry(
        id=tag_uri(site.info.base_url, table.year, f"lists/{table.district}/{table.year}"),
        title=f"{district.name} {table.year} 年度物业服务企业红黑榜",
        url=url_list_year(table.district, table.year),
        published=day,
        updated=day,
        html=str(html),
        category="红黑榜",
    )


FEED_ENTRIES = 20


def _newest(entries: list[Entry]) -> tuple[Entry, ...]:
    return tuple(sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)[:FEED_ENTRIES])


def site_content_date(site: Site, d: Derived) -> date:
    dates = [n.date for n in site.notices.values() if not n.draft] + [e.published for e in site.evaluations]
    return max(dates, default=d.today)


def notices_feed_title(site: Site) -> str:
    return f"{site.info.title}：公示公告"


def community_feed_title(community: Community) -> str:
    return f"{community.name}：公示公告"


def lists_feed_title(district: District) -> str:
    return f"{district.name}物业服务企业红黑榜"


def feeds(site: Site, d: Derived, run: Runner = DIRECT) -> list[Feed]:
    title = site.info.title

    def chosen(notice_ids) -> list[str]:
        """The FEED_ENTRIES first published notices of `notice_ids` (derive orders them newest
        first, by date and id)."""
        return list(itertools.islice((n for n in notice_ids if not site.notices[n].draft), FEED_ENTRIES))

    lists = {"": chosen(d.notices_newest)}
    for c in site.communities.values():
        lists[c.id] = chosen(d.notices_by_community.get(c.id, ()))
    # each notice's entry made once however many feeds carry it, a step by the notice
    wanted = list(dict.fromkeys(n for ids in lists.values() for n in ids))
    made = dict(zip(wanted, run.each(NOTICE_ENTRY, [site.notices[n] for n in wanted], site.info)))
    for n in wanted:  # a back-dated notice's entry gives its 公示期 as residents could see it
        first = d.notices_published_late.get(n)
        if first is not None:
            made[n] = notice_entry(site.notices[n], site.info, first)

    def newest(feed_key: str) -> tuple[Entry, ...]:
        return _newest([made[n] for n in lists[feed_key]])

    out = [
        Feed(
            url_feed_notices(),
            notices_feed_title(site),
            f"{title}发布的公示公告（最新 {FEED_ENTRIES} 条）",
            url_notices_page(1),
            newest(""),
        )
    ]
    for c in site.communities.values():
        out.append(
            Feed(
                url_feed_community(c.id),
                community_feed_title(c),
                f"与{c.name}有关的公示公告（{title}）",
                url_community(c.id),
                newest(c.id),
            )
        )
    for district in site.districts.values():
        items = [run(PERIOD_ENTRY, t, site) for key, t in d.period_tables.items() if key[0] == district.id]
        items += [
            run(YEAR_ENTRY, t, site) for key, t in d.year_tables.items() if key[0] == district.id and t.has_annual
        ]
        latest = d.current_year.get(district.id)
        page = url_list_year(district.id, latest.year) if latest else "/lists/"
        out.append(
            Feed(
                url_feed_lists(district.id),
                lists_feed_title(district),
                f"{district.name}物业服务企业半年考评结果和年度红黑榜（{title}）",
                page,
                _newest(items),
            )
        )
    return out


def _table_inputs(table, site: Site) -> tuple:
    """What `period_entry` and `year_entry` read: the table, its district, the site info and the
    companies in it (their names)."""
    return (table, site.districts[table.district], site.info, *(site.companies[r.company] for r in table.rows))


def feed_files(site: Site, d: Derived, run: Runner = DIRECT, withdrawn: tuple = ()) -> dict[str, Callable[[], bytes]]:
    """`withdrawn` (`revisions.Withdrawal`s): deleted notices and projects, each an entry of the
    site's notices feed on the day it was withdrawn (title and dates only)."""
    fallback = site_content_date(site, d)
    made = feeds(site, d, run)
    if withdrawn:
        first = made[0]
        entries = _newest([*first.entries, *(withdrawn_entry(w, site.info) for w in withdrawn)])
        made[0] = Feed(first.url, first.title, first.subtitle, first.page, entries)
    return {feed.url.lstrip("/"): functools.partial(render_feed, feed, site, fallback, run) for feed in made}


def withdrawn_entry(w, info: SiteInfo) -> Entry:
    """A withdrawn notice or project (`revisions.Withdrawal`): when, and its title and dates."""
    what = "公告" if w.kind == "notice" else "项目"
    title = w.title or "（标题涉及个人信息，不予显示）"
    facts = [f"本{what}已于 {w.withdrawn.isoformat()} 撤回，内容不再公开。"]
    if w.date is not None:
        facts.append(f"原发布日期：{w.date.isoformat()}" if w.kind == "notice" else f"开工日期：{w.date.isoformat()}")
    if w.until is not None:
        facts.append(f"原公示截止日期：{w.until.isoformat()}")
    html = Markup("<p>{}</p>\n").format(Markup("<br>").join(facts))
    return Entry(
        id=tag_uri(
            info.base_url, w.withdrawn.year, f"{'notices' if w.kind == 'notice' else 'projects'}/{w.id}/withdrawn"
        ),
        title=f"【已撤回】{title}",
        url=w.url,
        published=w.withdrawn,
        updated=w.withdrawn,
        html=str(html),
        category="撤回",
    )


# The steps (see `generator.steps`), by what each reads.
NOTICE_ENTRY = Step("feed-notice-entry", notice_entry)  # by the notice and the site info
PERIOD_ENTRY = Step(
    "feed-period-entry", period_entry, inputs=_table_inputs, slot=lambda table, site: (table.district, table.period.key)
)
YEAR_ENTRY = Step(
    "feed-year-entry", year_entry, inputs=_table_inputs, slot=lambda table, site: (table.district, table.year)
)
FEED_XML = Step(
    "feed-xml",
    lambda feed, info, fallback, run: _render_feed(feed, info, fallback, run),
    inputs=lambda feed, info, fallback, run: (info, fallback, feed.title, feed.subtitle, feed.page, *feed.entries),
    slot=lambda feed, info, fallback, run: feed.url,
)
# an entry's XML by its value: the same notice's entry in many feeds is serialised once
ENTRY_XML = Step(
    "feed-entry-xml",
    _entry_xml,
    inputs=lambda entry, base_url: (),
    slot=lambda entry, base_url: (entry, base_url),
    floor=100_000,
)
