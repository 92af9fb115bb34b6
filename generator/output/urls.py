"""Every public URL the site has, built in one place (root-relative, as pages link them).

The plan, the feeds, the data files and the templates (as globals) all take URLs from here, so a
page and everything that links to it can never disagree. `absolute(base_url, url)` turns one into
the absolute form that feeds, the sitemap and canonical links need.
"""

from __future__ import annotations

from urllib.parse import quote


def url_district(d: str) -> str:
    return f"/areas/{d}/"


def url_street(d: str, s: str) -> str:
    return f"/areas/{d}/{s}/"


def url_community(c: str) -> str:
    return f"/communities/{c}/"


def url_compound(c: str) -> str:
    return f"/compounds/{c}/"


def url_company(c: str) -> str:
    return f"/companies/{c}/"


def url_list_year(d: str, year: int) -> str:
    return f"/lists/{d}/{year}/"


def url_list_period(d: str, period: str) -> str:
    return f"/lists/{d}/{period}/"


def url_project(p: str) -> str:
    return f"/projects/{p}/"


def url_notice(n: str) -> str:
    return f"/notices/{n}/"


def url_attachment(f: str) -> str:
    return "/attachments/" + quote(f, safe="/")


def url_notices_page(n: int) -> str:
    return "/notices/" if n == 1 else f"/notices/page/{n}/"


def url_list_json(d: str, year: int) -> str:
    return f"/data/lists/{d}/{year}.json"


def url_feed_notices() -> str:
    return "/feeds/notices.xml"


def url_feed_community(c: str) -> str:
    return f"/feeds/communities/{c}.xml"


def url_feed_lists(d: str) -> str:
    return f"/feeds/lists/{d}.xml"


def url_data() -> str:
    return "/data/"


def url_data_file(name: str) -> str:
    return f"/data/{name}"


def url_changes() -> str:
    return "/changes/"


URLS = {name: fn for name, fn in globals().items() if name.startswith("url_")}


def absolute(base_url: str, url: str) -> str:
    return base_url.rstrip("/") + url
