"""`sitemap.xml` and `robots.txt`, so that search engines and chat apps find every page.

`sitemap_files(base_url, urls)` returns output path → bytes: a sitemap (sitemaps.org 0.9) with
the absolute URL of every page given, sorted, and a `robots.txt` that allows everything and
points to the sitemap. The plan passes every page except the 404 page. A sitemap holds at most
50,000 URLs; a bulletin is far smaller. No `lastmod`: the sitemap stays the same bytes for the
same content. (robots.txt only counts at the root of a host: with a `base_url` below the root,
the host's own robots.txt decides.)
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from . import memo
from .urls import absolute

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_xml(base_url: str, urls: list[str]) -> bytes:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for url in sorted(set(urls)):
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = absolute(base_url, url)
    tree = ET.ElementTree(root)
    ET.indent(tree)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


def robots_txt(base_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(base_url, '/sitemap.xml')}\n".encode("utf-8")


def sitemap_files(base_url: str, urls: list[str]) -> dict[str, bytes]:
    # The edit loop (memo.remembered): most edits leave the set of pages alone.
    return dict(memo.remembered("sitemap", (base_url, tuple(urls)), lambda: {
        "sitemap.xml": sitemap_xml(base_url, urls), "robots.txt": robots_txt(base_url)}))
