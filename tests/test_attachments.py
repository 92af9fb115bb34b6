"""Attachments stay confined: odd names link correctly, no two outputs can overwrite each other on
a case-insensitive disk, and no kind of link brings in a file from elsewhere."""

from __future__ import annotations

import json
import os
import threading
import unicodedata
import urllib.request
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from generator.engine.write import write_site

from attachkit import BLANK_PDF
from conftest import TODAY, cli, write_tree
from sitecheck import broken_links, page_links

PDF = BLANK_PDF  # a valid PDF: an unreadable one is refused (attachments are read before publishing)


def notice(rel: str, files: list[str], title: str = "附件公告") -> dict[str, str]:
    items = "\n".join(f"  - title: 附件{i}\n    file: {json.dumps(f, ensure_ascii=False)}" for i, f in enumerate(files))
    return {rel: f"---\ntitle: {title}\ndate: 2025-08-01\ncategory: 公示\nattachments:\n{items}\n---\n见附件。\n"}


def add_attachments(project, names: list[str], data: bytes = PDF) -> None:
    base = project / "content/attachments"
    for name in names:
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


ODD_NAMES = [
    "2025/维修 方案.pdf",
    "2025/100%完成.pdf",
    "2025/第#1号.pdf",
    "2025/问答?.pdf",
    "2025/a&b;c'd\".pdf",
    "2025/＃全角 名称.pdf",
    "2025/e\u0301clair.pdf",
    "2025/ 前后空格 .pdf",
]


def test_odd_names_are_percent_encoded_in_links_and_served(project):
    add_attachments(project, ODD_NAMES)
    write_tree(project / "content", notice("notices/2025/fujian.md", ODD_NAMES))
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    site = project / "site"
    for name in ODD_NAMES:
        assert (site / "attachments" / name).read_bytes() == PDF  # on disk exactly as named
    links, _ = page_links((site / "notices/fujian/index.html").read_text(encoding="utf-8"))
    attachment_links = [link for link in links if link.startswith("/attachments/")]
    assert attachment_links == ["/attachments/" + quote(n, safe="/") for n in ODD_NAMES]
    assert broken_links(site) == []

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for link in attachment_links:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}{link}", timeout=10) as response:
                assert response.read() == PDF, link
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("2025/Plan.pdf", "2025/plan.pdf"),
        ("2025/PLAN/a.pdf", "2025/plan/a.pdf"),
        (unicodedata.normalize("NFC", "2025/é.pdf"), unicodedata.normalize("NFD", "2025/é.pdf")),
    ],
)
def test_outputs_differing_only_in_case_or_normalisation_collide(project, first, second):
    add_attachments(project, [first, second])
    write_tree(project / "content", {**notice("notices/2025/a.md", [first]), **notice("notices/2025/b.md", [second])})
    (project / "site").mkdir()
    (project / "site/.bulletin-build").write_text("")
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 1 and "两个输出都要写到" in run.output, run.output
    assert sorted(p.name for p in (project / "site").iterdir()) == [".bulletin-build"]  # untouched


def test_a_hard_link_is_refused(project):
    (project / "outside.pdf").write_bytes(PDF)
    (project / "content/attachments/2025").mkdir(parents=True)
    os.link(project / "outside.pdf", project / "content/attachments/2025/linked.pdf")
    write_tree(project / "content", notice("notices/2025/a.md", ["2025/linked.pdf"]))
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1 and "是硬链接" in run.stdout


def test_a_linked_folder_inside_attachments_is_refused(project):
    (project / "elsewhere").mkdir()
    (project / "elsewhere/a.pdf").write_bytes(PDF)
    (project / "content/attachments").mkdir(parents=True)
    os.symlink(project / "elsewhere", project / "content/attachments/2025")
    write_tree(project / "content", notice("notices/2025/a.md", ["2025/a.pdf"]))
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1 and "是指向别处的链接" in run.stdout


@pytest.mark.parametrize(
    "name",
    [
        "2025/a\nb.pdf",
        "2025/a\tb.pdf",
        "2025/a\x01b.pdf",
        "2025\\a.pdf",
        "C:/a.pdf",
        "2025//a.pdf",
        "./a.pdf",
        "2025/../../x.pdf",
    ],
)
def test_names_that_could_mean_somewhere_else_are_refused(project, name):
    write_tree(project / "content", notice("notices/2025/a.md", ["2025/ok.pdf"]))
    path = project / "content/notices/2025/a.md"
    path.write_text(path.read_text(encoding="utf-8").replace('"2025/ok.pdf"', json.dumps(name)), encoding="utf-8")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1 and "attachments[1].file" in run.stdout, run.output


def test_only_attachments_of_published_notices_are_copied(project):
    add_attachments(project, ["2025/published.pdf", "2026/draft.pdf", "2025/unlisted.pdf"])
    files = {**notice("notices/2025/a.md", ["2025/published.pdf"]), **notice("notices/2026/b.md", ["2026/draft.pdf"])}
    files["notices/2026/b.md"] = files["notices/2026/b.md"].replace("date: 2025-08-01", "date: 2026-08-01\ndraft: true")
    write_tree(project / "content", files)
    assert cli("build", "--today", TODAY).exit_code == 0
    copied = sorted(
        p.relative_to(project / "site/attachments").as_posix() for p in (project / "site/attachments").rglob("*.pdf")
    )
    assert copied == ["2025/published.pdf"]


@pytest.mark.parametrize("rel", ["../escape.html", "a/../../escape.html", "a/b/../../../escape.html"])
def test_the_writer_refuses_a_path_leading_out_of_the_site(tmp_path, rel):
    (tmp_path / "site").mkdir()
    with pytest.raises(ValueError):
        write_site(tmp_path / "site", {rel: b"x"}, {})
    assert not (tmp_path / "escape.html").exists() and sorted(os.listdir(tmp_path)) == ["site"]


def test_the_writer_copies_the_bytes_it_read_and_never_through_a_link(tmp_path):
    # validate refuses linked attachments; the writer must not follow one that appears after that
    # check (a link swapped in between check and copy), and publishes exactly the bytes it read.
    from generator.engine.write import SiteWriter

    real = tmp_path / "real.pdf"
    real.write_bytes(PDF)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not for the site")
    link = tmp_path / "link.pdf"
    link.symlink_to(secret)
    writer = SiteWriter(tmp_path / "site", remember=False)
    try:
        writer.copy("attachments/a.pdf", real)
        with pytest.raises(OSError):
            writer.copy("attachments/b.pdf", link)
        with pytest.raises(OSError):
            writer.copy("attachments/c.pdf", tmp_path)  # a folder is not a file either
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    assert (tmp_path / "site/attachments/a.pdf").read_bytes() == PDF
    assert not (tmp_path / "site/attachments/b.pdf").exists()
