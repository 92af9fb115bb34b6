"""A site built from hostile content (tests/hostile.py) publishes the attacks as harmless text.

Statically, over every output file: no element, attribute or URL that could run script, load
from elsewhere or restyle the page survives; text fields come out verbatim as text (escaped, not
silently dropped), in element text and in attribute values alike; data files parse. The browser
half of the proof is in test_browser_security.py.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from conftest import TODAY, write_tree
from hostile import ATTACHMENT_NAMES, MARKDOWN_VECTORS, VECTORS, hostile_files
from kinds import build_here
from sitecheck import page_links, unsafe_markup

TEXT_FIELDS_EXEMPT = {"notice.body", "project.body", "attachment.file", "site.base_url"}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> tuple[Path, list[tuple[str, str]]]:
    root = tmp_path_factory.mktemp("hostile")
    files, placed = hostile_files()
    write_tree(root / "content", files)
    build_here(root)
    return root / "site", placed


def test_the_corpus_is_placed_in_every_field(hostile_site):
    _, placed = hostile_site
    fields = {field for field, _ in placed}
    assert len(VECTORS) >= 80 and len(MARKDOWN_VECTORS) >= 20
    assert {
        "site.title",
        "site.publisher",
        "site.contact",
        "district.name",
        "street.name",
        "community.name",
        "community.secretary",
        "community.office_phone",
        "community.address",
        "grid.name",
        "venue.name",
        "venue.kind",
        "venue.address",
        "venue.services",
        "company.name",
        "company.phone",
        "company.address",
        "compound.name",
        "evaluation.note",
        "evaluation.parts.label",
        "project.title",
        "project.funding",
        "project.unit",
        "project.updates.text",
        "project.body",
        "notice.title",
        "notice.body",
        "attachment.title",
        "attachment.file",
        "site.base_url",
    } <= fields
    # every vector short enough for a field is in that field
    for field in fields - {
        "site.title",
        "site.publisher",
        "site.contact",
        "district.name",
        "evaluation.parts.label",
        "attachment.file",
        "site.base_url",
    }:
        limit = max(len(v) for f, v in placed if f == field)
        missing = [v for v in VECTORS if len(v.strip()) <= limit and (field, v) not in placed]
        assert not missing or field.endswith("body"), (field, missing[:3])


def test_no_output_file_holds_dangerous_markup(hostile_site):
    site, _ = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 300
    found = {str(p.relative_to(site)): unsafe_markup(p.read_text(encoding="utf-8")) for p in pages}
    assert {k: v for k, v in found.items() if v} == {}


def test_data_files_parse(hostile_site):
    site, _ = hostile_site
    for path in site.rglob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))
    for path in site.rglob("*"):
        if path.suffix in (".html", ".json", ".xml", ".css", ".js", ".csv", ".txt"):
            path.read_bytes().decode("utf-8")  # valid UTF-8


class _Text(HTMLParser):
    """All text and attribute values of a page, as a browser decodes them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.parts.extend(value for _, value in attrs if value)


def test_text_fields_come_out_verbatim_as_text(hostile_site):
    site, placed = hostile_site
    corpus = []
    for page in site.rglob("*.html"):
        parser = _Text()
        parser.feed(page.read_text(encoding="utf-8"))
        corpus.append("\u0000".join(parser.parts))
    everything = "\u0001".join(corpus)
    missing = [
        (field, vector)
        for field, vector in placed
        if field not in TEXT_FIELDS_EXEMPT and vector.strip() not in everything
    ]
    assert missing == []
    # Template syntax in a value is printed, never evaluated.
    assert "{{ 7*7 }}{{ cycler.__init__.__globals__ }}" in everything


def test_the_base_url_is_escaped_where_it_is_used(hostile_site):
    site, _ = hostile_site
    html = (site / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://example.org/x&#39;onmouseover=alert(1)&amp;a=1;(b)/">' in html


@pytest.mark.parametrize(
    "url",
    [
        'https://example.org/"><script>alert(1)</script>/',
        "javascript:alert(1)//",
        "https://exa mple.org/",
        "https://example.org/<x>",
        "//example.org/",
    ],
)
def test_a_base_url_that_could_break_out_is_refused(project, url):
    from conftest import cli

    path = project / "content/site.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("base_url: https://example.org/", f"base_url: {json.dumps(url)}"),
        encoding="utf-8",
    )
    assert cli("check", "--today", TODAY).exit_code == 1
    path.write_text(
        path.read_text(encoding="utf-8").replace(f"base_url: {json.dumps(url)}", "base_url: https://example.org/"),
        encoding="utf-8",
    )
    run = cli("build", "--today", TODAY, "--base-url", url)
    assert run.exit_code == 2 and "--base-url" in run.output and not (project / "site").exists()


def test_hostile_attachment_names_link_to_their_files(hostile_site):
    site, _ = hostile_site
    links, _ = page_links((site / "notices/everything/index.html").read_text(encoding="utf-8"))
    targets = [unquote(urlsplit(link).path) for link in links if link.startswith("/attachments/n/")]
    assert targets == [f"/attachments/n/{name}" for name in ATTACHMENT_NAMES]
    for target in targets:
        assert (site / target.lstrip("/")).is_file()
