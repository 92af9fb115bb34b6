"""`sitemap.xml` and `robots.txt`, so that search engines and chat apps find every page.

`sitemap_files(base_url, urls)` returns output path → bytes: a sitemap (sitemaps.org 0.9) with
the absolute URL of every page given, sorted, and a `robots.txt` that allows everything and
points to the sitemap. The plan passes every page except the 404 page. A sitemap file may hold
at most 50,000 URLs (the protocol's limit): a bigger site (a province has over 100,000 pages)
gets `sitemap.xml` as a sitemap index pointing to `sitemaps/1.xml`, `sitemaps/2.xml`, … of at
most `PER_FILE` URLs each. No `lastmod`: the sitemap stays the same bytes for the same content. (robots.txt only counts at the root of a host: with a `base_url` below the root,
the host's own robots.txt decides.)
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from ..steps import DIRECT, Runner, Step
from .urls import absolute

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


PER_FILE = 50_000


def _xml(root: ET.Element) -> bytes:
    tree = ET.ElementTree(root)
    ET.indent(tree)
    out = io.BytesIO()
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue() + b"\n"


def sitemap_xml(base_url: str, urls: list[str]) -> bytes:
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS})
    for url in urls:
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = absolute(base_url, url)
    return _xml(root)


def sitemap_index(base_url: str, parts: list[str]) -> bytes:
    root = ET.Element("sitemapindex", {"xmlns": SITEMAP_NS})
    for url in parts:
        ET.SubElement(ET.SubElement(root, "sitemap"), "loc").text = absolute(base_url, url)
    return _xml(root)


def robots_txt(base_url: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(base_url, '/sitemap.xml')}\n".encode()


def sitemap_files(base_url: str, urls: list[str], per_file: int = PER_FILE, run: Runner = DIRECT) -> dict[str, bytes]:
    """Output path → bytes. A step (see `generator.steps`): most edits leave the set of pages alone."""
    files: dict[str, bytes] = run(SITEMAP, base_url, tuple(urls), per_file)
    return dict(files)


def _sitemap_files(base_url: str, urls: tuple[str, ...], per_file: int) -> dict[str, bytes]:
    ordered = sorted(set(urls))
    files = {"robots.txt": robots_txt(base_url)}
    if len(ordered) <= per_file:
        files["sitemap.xml"] = sitemap_xml(base_url, ordered)
        return files
    parts = []
    for number, start in enumerate(range(0, len(ordered), per_file), 1):
        path = f"sitemaps/{number}.xml"
        files[path] = sitemap_xml(base_url, ordered[start : start + per_file])
        parts.append("/" + path)
    files["sitemap.xml"] = sitemap_index(base_url, parts)
    return files


SITEMAP = Step("sitemap", _sitemap_files)
