"""site.yaml's `filing`: the ICP 备案号, 公安机关备案号 and 网站标识码 in every page's footer.

Through the real commands only: a bulletin with the identifiers built, every HTML page read; a
bulletin with wrong ones checked, each problem at its line, with the exact text to write where the
checker can work it out; a bulletin without them built, and no trace of them anywhere.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import SAMPLE, TODAY, cli, minimal_files, write_tree

ICP = "鲁ICP备2024012345号-1"
POLICE = "鲁公网安备37070212345678号"
SITE_CODE = "3707001234"
FILING = f'filing:\n  icp: {ICP}\n  police: {POLICE}\n  site_code: "{SITE_CODE}"\n'


def with_site_yaml(root: Path, tail: str) -> Path:
    """The minimal bulletin under `root/content`, `tail` appended to its site.yaml."""
    files = minimal_files()
    files["site.yaml"] += tail
    write_tree(root / "content", files)
    return root / "content" / "site.yaml"


def line_of(site_yaml: Path, text: str) -> int:
    """The 1-based line of site.yaml that holds `text`."""
    lines = site_yaml.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


class Footer(HTMLParser):
    """The footer of a page: its `p.filing` paragraphs (their text and links), every image and
    every element left empty in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_footer = 0
        self.in_filing = 0
        self.filings: list[str] = []
        self.links: list[dict[str, str | None]] = []
        self.images: list[str | None] = []
        self.open: list[tuple[str, int]] = []  # (tag, text length when it opened) inside the footer
        self.empty: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "footer":
            self.in_footer += 1
        if not self.in_footer:
            return
        if tag in ("img", "svg", "image"):
            self.images.append(attributes.get("src"))
        if tag == "p" and "filing" in (attributes.get("class") or "").split():
            self.in_filing += 1
            self.filings.append("")
        if self.in_filing and tag == "a":
            self.links.append(attributes)
        self.open.append((tag, len(self.text)))

    def handle_endtag(self, tag):
        if not self.in_footer:
            return
        if self.open and self.open[-1][0] == tag:
            _, start = self.open.pop()
            if not self.text[start:].strip():
                self.empty.append(tag)
        if tag == "p" and self.in_filing:
            self.in_filing -= 1
        if tag == "footer":
            self.in_footer -= 1

    def handle_data(self, data):
        if self.in_footer:
            self.text += data
        if self.in_filing:
            self.filings[-1] += data


def footers(site: Path) -> dict[str, Footer]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    out = {}
    for page in pages:
        parser = Footer()
        parser.feed(page.read_text(encoding="utf-8"))
        out[page.relative_to(site).as_posix()] = parser
    return out


def build(root: Path, monkeypatch) -> Path:
    monkeypatch.chdir(root)
    run = cli("build", "--today", TODAY)
    assert run.exit_code == 0, run.output
    return root / "site"


def test_every_page_shows_the_identifiers_with_their_links(tmp_path, monkeypatch):
    with_site_yaml(tmp_path, FILING)
    found = footers(build(tmp_path, monkeypatch))
    for page, footer in found.items():
        assert footer.filings == [f"备案号：{ICP} · {POLICE} · 网站标识码：{SITE_CODE}"], page
        icp, police = footer.links
        assert icp == {"href": "https://beian.miit.gov.cn/", "rel": "noopener noreferrer"}, page
        assert police == {
            "href": "https://beian.mps.gov.cn/#/query/webSearch?code=37070212345678",
            "rel": "noopener noreferrer",
        }, page
        assert not footer.images, page  # the usual 公安 badge is not fetched from their host
        assert not footer.empty, (page, footer.empty)
        # beside the publisher and the contact
        assert footer.text.index("发布单位：") < footer.text.index("联系方式：") < footer.text.index(ICP)


def test_only_the_given_identifiers_appear(tmp_path, monkeypatch):
    with_site_yaml(tmp_path, 'filing:\n  site_code: "bm01000001"\n')
    found = footers(build(tmp_path, monkeypatch))
    for page, footer in found.items():
        assert footer.filings == ["网站标识码：bm01000001"], page
        assert not footer.links and not footer.empty, page


def test_without_filing_no_page_has_a_filing_line(tmp_path, monkeypatch):
    with_site_yaml(tmp_path, "")
    site = build(tmp_path, monkeypatch)
    for page, footer in footers(site).items():
        assert footer.filings == [] and not footer.empty, page
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "beian." not in text and "网站标识码" not in text and 'class="filing"' not in text, page


def test_a_lone_link_stands_in_a_sentence(tmp_path, monkeypatch):
    """The links are inline in a line of text (so their target size is the text's, WCAG 2.5.8's
    inline exception), even when the ICP number is the only identifier."""
    with_site_yaml(tmp_path, f"filing:\n  icp: {ICP}\n")
    for page, footer in footers(build(tmp_path, monkeypatch)).items():
        assert footer.filings == [f"备案号：{ICP}"] and len(footer.links) == 1, page


def test_a_blank_filing_is_no_filing(tmp_path, monkeypatch):
    with_site_yaml(tmp_path, "filing:\n")
    for page, footer in footers(build(tmp_path, monkeypatch)).items():
        assert footer.filings == [], page


@pytest.mark.parametrize(
    "icp",
    ["京ICP证030173号", "蜀ICP备12014244号-2", "京ICP备05002571号", "黔ICP备2021010120号-30"],
)
def test_other_official_forms_are_accepted(tmp_path, monkeypatch, icp):
    with_site_yaml(tmp_path, f"filing:\n  icp: {icp}\n  police: 京公网安备11000002000001号\n")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 0, run.output


def test_the_sample_shows_fictional_identifiers():
    text = (SAMPLE / "site.yaml").read_text(encoding="utf-8")
    assert "示例" in text.split("filing:")[0].splitlines()[-1]  # marked sample where it is written
    assert f"icp: {ICP}" in text and f"police: {POLICE}" in text and f'site_code: "{SITE_CODE}"' in text


# Each slip: (field, as typed, what the message at its line must say).
SLIPS = [
    ("icp", "鲁ICP备２０２４０１２３４５号－１", f"请写作 {ICP}（请用英文输入法输入数字、字母和连字符）"),
    ("icp", "鲁ICP备 2024012345号 -1", f"请写作 {ICP}（编号中间不留空格）"),
    ("icp", "鲁ICP备2024012345-1", f"请写作 {ICP}（数字后面要写“号”）"),
    ("icp", "滇ICP备09010050-5号", "请写作 滇ICP备09010050号-5"),
    ("icp", "鲁icp备2024012345号-1", f"请写作 {ICP}（ICP 要大写）"),
    ("icp", "山东ICP备2024012345号-1", f"请写作 {ICP}（省份写简称“鲁”）"),
    ("icp", "ICP备案号：鲁ICP备2024012345号-1", f"请写作 {ICP}（只写编号本身"),
    ("icp", "ICP备2024012345号", "缺少开头的省份简称"),
    ("icp", "2024012345", "缺少开头的省份简称和“ICP备”"),
    ("icp", "鲁ICP2024012345号", "不是有效的 ICP 备案号"),
    ("icp", "鲁ICP备2024012345678号", "数字应为 6 到 10 位（常见 8 位或 10 位），实际为 13 位"),
    ("icp", POLICE, "是公安机关备案号，请写在 police 下"),
    ("police", "37070212345678", f"请写作 {POLICE}（备案号包括开头的省份简称（山东是“鲁”）"),
    ("police", "鲁公网安备 37070212345678号", f"请写作 {POLICE}（编号中间不留空格）"),
    ("police", "鲁公网安备37070212345678", f"请写作 {POLICE}（数字后面要写“号”）"),
    ("police", "鲁公网安备３７０７０２１２３４５６７８号", f"请写作 {POLICE}（请用英文输入法"),
    ("police", "鲁公网安备3707021234567号", "数字应为 14 位，实际为 13 位"),
    ("police", "京公网安备37070212345678号", "开头是“京”，数字却以 37（山东的代码）开头，两者应一致"),
    ("police", "鲁公网安备99070212345678号", "“990702”不是：前两位“99”不是省份代码"),
    ("police", ICP, "是 ICP 备案号，请写在 icp 下"),
    ("police", "鲁公安备37070212345678号", "不是有效的公安机关备案号"),
    (
        "site_code",
        SITE_CODE,
        f'网站标识码要加引号：site_code: "{SITE_CODE}"（不加引号时它被当成数字读取，开头的 0 会丢掉',
    ),
    ("site_code", '"３７０７００１２３４"', f'请写作 "{SITE_CODE}"（请用英文输入法'),
    ("site_code", '"3707 0012 34"', f'请写作 "{SITE_CODE}"（编号中间不留空格）'),
    ("site_code", '"BM01000001"', '请写作 "bm01000001"（bm 用小写）'),
    ("site_code", '"370700123"', "网站标识码应为 10 位，实际为 9 位"),
    ("site_code", '"abc"', "不是有效的网站标识码"),
]


@pytest.mark.parametrize(("field", "typed", "says"), SLIPS, ids=[f"{f}-{t}" for f, t, _ in SLIPS])
def test_each_slip_is_answered_at_its_line(tmp_path, monkeypatch, field, typed, says):
    site_yaml = with_site_yaml(tmp_path, f"filing:\n  {field}: {typed}\n")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1
    line = line_of(site_yaml, f"{field}: ")
    col = len(f"  {field}: ") + 1
    reported = [row for row in run.output.splitlines() if "error:" in row]
    assert len(reported) == 1, run.output
    assert reported[0].startswith(f"content/site.yaml:{line}:{col}: error: filing.{field}: "), run.output
    assert says in reported[0], run.output


def test_a_site_code_typed_as_a_number_is_read_as_typed(tmp_path, monkeypatch):
    """YAML reads 0370700123 as the octal number 65241171: the message quotes what was typed."""
    with_site_yaml(tmp_path, "filing:\n  site_code: 0370700123\n")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1
    assert "“037070”不是：前两位“03”不是省份代码" in run.output and "编号一律加引号" in run.output, run.output
    assert "65241171" not in run.output


def test_every_problem_at_once_and_no_site(tmp_path, monkeypatch):
    tail = (
        "filing:\n"
        "  icp: 鲁ICP备2024012345\n"
        "  police: 京公网安备37070212345678号\n"
        "  site_code: 3707001234\n"
        "  beian: 鲁ICP备2024012345号-1\n"
    )
    site_yaml = with_site_yaml(tmp_path, tail)
    monkeypatch.chdir(tmp_path)
    for command in ("check", "build"):
        run = cli(command, "--today", TODAY)
        assert run.exit_code == 1, run.output
        assert "Traceback" not in run.output
        errors = sorted(
            (int(m.group(1)), m.group(2))
            for m in re.finditer(r"^content/site\.yaml:(\d+):\d+: error: ([\w.]+):", run.output, re.M)
        )
        assert errors == [
            (line_of(site_yaml, "icp:"), "filing.icp"),
            (line_of(site_yaml, "police:"), "filing.police"),
            (line_of(site_yaml, "site_code:"), "filing.site_code"),
            (line_of(site_yaml, "beian:"), "filing.beian"),
        ], run.output
        assert "这里只能写：icp（ICP备案号）、police（公安机关备案号）、site_code（网站标识码）" in run.output
    assert not (tmp_path / "site").exists()


def test_misplaced_filing_is_explained(tmp_path, monkeypatch):
    site_yaml = with_site_yaml(tmp_path, f"icp: {ICP}\n")
    monkeypatch.chdir(tmp_path)
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1
    assert (
        f"content/site.yaml:{line_of(site_yaml, 'icp:')}:1: error: icp: 未知字段“icp”（“icp”要写在 filing: 下面"
        in run.output
    )

    with_site_yaml(tmp_path, f"filing: {ICP}\n")
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1
    assert "error: filing: 应为键值表（字段: 值），实际是文本" in run.output and "缩进两格，如 icp: …" in run.output
