"""End to end: a personal number planted anywhere in the content never reaches the built site, and
nothing bulletin prints shows it in full.

Each planted number (ID cards with digit and X check characters, a 15-digit ID, mobiles in the
written forms people use, Luhn-valid card numbers) goes, one case at a time, into one place: every
text field of every record kind, YAML keys, Markdown bodies as typed or split by character
references and comments, attachment titles and file names, record file names, a draft, and a
notice dated after the build date. Each case runs `bulletin build` (with and without --drafts)
and `bulletin check` in text and JSON: the build must fail, the published site must be unchanged
byte for byte, and the privacy scan run over everything printed must find nothing, because every
number there is masked. A last case plants all of them at once.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.domain.privacy import scan

from attachkit import BLANK_PDF
from conftest import TODAY, cli, minimal_files, write_tree
from sitecheck import tree_digest

PLANTED = {
    "id-x": "37070219800101123X",
    "id-digit": "440308199901101512",
    "id-15": "370702800101123",
    "mobile": "13912345678",
    "mobile-spaced": "139 1234 5678",
    "mobile-dashed": "+86 139-1234-5678",
    "mobile-fullwidth": "１３９１２３４５６７８",
    "card-16": "6222020200112230",
    "card-19": "6217000000000000129",
}

PDF = BLANK_PDF  # a valid PDF: an unreadable one is refused (attachments are read before publishing)


def _set(rel: str, old: str, new_template: str):
    def plant(files: dict, number: str) -> None:
        text = files[rel]
        assert old in text, (rel, old)
        files[rel] = text.replace(old, new_template.format(n=number), 1)

    return plant


def _add(rel: str, template: str):
    def plant(files: dict, number: str) -> None:
        files[rel.format(n=number)] = template.format(n=number)

    return plant


def _attachment_named(files: dict, number: str) -> None:
    files[f"attachments/2025/{number}.pdf"] = PDF
    files["notices/2025/fujian.md"] = (
        f'---\ntitle: 附件\ndate: 2025-08-01\ncategory: 公示\nattachments:\n  - {{title: 方案, file: "2025/{number}.pdf"}}\n---\n见附件。\n'
    )


NOTICE = "---\ntitle: 公告\ndate: 2025-08-01\ncategory: 通知\n---\n{body}\n"

PLACES = {
    "site title": _set("site.yaml", "title: 测试公示栏", "title: 测试公示栏 {n}"),
    "site contact": _set("site.yaml", "contact: 电话 0536-8000000", "contact: 联系 {n}"),
    "part label": _set("site.yaml", "{label: 业主, max: 40}", '{{label: "业主{n}", max: 40}}'),
    "district name": _set("areas.yaml", "name: 高新区", "name: 高新区{n}"),
    "street name": _set("areas.yaml", "{id: xc, name: 新城街道}", '{{id: xc, name: "新城街道 {n}"}}'),
    "community name": _set("communities/yf.yaml", "name: 鸢飞社区", "name: 鸢飞社区 {n}"),
    "secretary": _set("communities/yf.yaml", "secretary: 张三", "secretary: 张三 {n}"),
    "community address": _set("communities/yf.yaml", "address: 新城街道某路 1 号", "address: 某路 {n}"),
    "grid name": _set("communities/yf.yaml", "name: 第一网格", "name: 第一网格{n}"),
    "venue service": _set("communities/yf.yaml", "services: [议事, 调解]", 'services: [议事, "调解 {n}"]'),
    "compound name": _set("compounds/fuhai.yaml", "name: 福海花园", "name: 福海花园 {n}"),
    "company name": _set("companies/beta.yaml", "name: 贝塔物业服务有限公司", "name: 贝塔物业 {n}"),
    "company address": _set(
        "companies/beta.yaml", "party_organization: false", "party_organization: false\naddress: 某路 {n}"
    ),
    "evaluation note": _set("evaluations/gx/2025-H2.yaml", "note: 整改中", "note: 整改中 {n}"),
    "project title": _set("projects/guanwang.md", "title: 福海花园管网改造", "title: 管网改造 {n}"),
    "project unit": _set("projects/guanwang.md", "unit: 新城街道办事处", "unit: 办事处 {n}"),
    "project update": _set("projects/guanwang.md", "text: 开工}", "text: 开工 {n}}}"),
    "project body": _set("projects/guanwang.md", "更换雨污管网。", "联系人 {n}。"),
    "notice title": _set("notices/2026/gongshi.md", "title: 福海花园维修资金使用公示", "title: 公示 {n}"),
    "notice body": _set("notices/2026/gongshi.md", "公示内容如下。", "联系 {n}。"),
    "notice body in a table": _set(
        "notices/2026/gongshi.md", "公示内容如下。", "| 姓名 | 号码 |\n|---|---|\n| 王 | {n} |"
    ),
    "notice body in a link": _set("notices/2026/gongshi.md", "公示内容如下。", "[联系](tel:{n})"),
    "notice body in raw HTML": _set("notices/2026/gongshi.md", "公示内容如下。", '<p title="{n}">联系</p>'),
    "draft notice": _set("notices/2026/caogao.md", "草稿。", "草稿 {n}。"),
    "future notice": _set("notices/2026/weilai.md", "title: 未来公告", "title: 未来公告 {n}"),
    "unknown key": _set("compounds/lanting.yaml", "households: 500", 'households: 500\n"{n}": 1'),
    "notice file name": _add("notices/2025/{n}.md", NOTICE.replace("{body}", "正文。")),
    "attachment file name": _attachment_named,
    "attachment title": _add(
        "notices/2025/fujian2.md",
        "---\ntitle: 附件\ndate: 2025-08-01\ncategory: 公示\n"
        "attachments:\n  - {{title: 方案 {n}, file: 2025/a.pdf}}\n---\n正文。\n",
    ),
}


def _digit_only(number: str) -> bool:
    return number.isascii() and number.replace("X", "").isdigit()


def hidden_forms(number: str) -> list[str]:
    """Ways a body can hide a number from a scan of the typed text: every digit a character
    reference, or a comment in the middle. Only for plain ASCII numbers."""
    if not _digit_only(number):
        return []
    refs = "".join(f"&#{ord(c)};" for c in number)
    middle = len(number) // 2
    return [refs, f"{number[:middle]}<!-- -->{number[middle:]}", f"{number[:middle]}<b></b>{number[middle:]}"]


# Every place gets three of the numbers (rotating, so that every number goes to many kinds of
# place), every number goes to the notice body, and every hidden form of every plain number too.
_KEYS = list(PLANTED)
CASES = [(place, _KEYS[(i + j) % len(_KEYS)]) for i, place in enumerate(PLACES) for j in (0, 3, 6)]
CASES += [("notice body", key) for key in _KEYS if ("notice body", key) not in CASES]
CASES += [(f"notice body hidden #{i}", key) for key in PLANTED for i in range(len(hidden_forms(PLANTED[key])))]


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """A project with its site built once; cases copy it."""
    root = tmp_path_factory.mktemp("privacy-baseline")
    files = minimal_files()
    files["attachments/2025/a.pdf"] = PDF
    write_tree(root / "content", files)
    previous = Path.cwd()
    try:
        import os

        os.chdir(root)
        assert cli("build", "--today", TODAY).exit_code == 0
    finally:
        os.chdir(previous)
    return root, files


def _printed_numbers(text: str) -> list[str]:
    return [f.text for f in scan(text)]


@pytest.mark.parametrize(("place", "key"), CASES, ids=[f"{p}-{k}" for p, k in CASES])
def test_a_planted_number_never_reaches_the_site_or_the_output(baseline, tmp_path, monkeypatch, place, key):
    template_root, base_files = baseline
    number = PLANTED[key]
    root = tmp_path / "p"
    shutil.copytree(template_root / "site", root / "site")
    monkeypatch.chdir(root)
    before = tree_digest(root / "site")

    files = dict(base_files)
    if place.startswith("notice body hidden"):
        form = hidden_forms(number)[int(place.rsplit("#", 1)[1])]
        _set("notices/2026/gongshi.md", "公示内容如下。", "联系 {n}。")(files, form)
    else:
        PLACES[place](files, number)
    write_tree(root / "content", files)

    outputs = []
    for args in (
        ["build", "--today", TODAY],
        ["build", "--today", TODAY, "--drafts"],
        ["check", "--today", TODAY],
        ["check", "--today", TODAY, "--format", "json"],
    ):
        run = cli(*args)
        assert run.exit_code == 1, (args, run.output)
        outputs.append(run.output)
    printed = "\n".join(outputs)
    assert "疑似个人信息" in printed
    assert _printed_numbers(printed) == [], "a number was printed in full"
    assert number not in printed
    json.loads(outputs[3])
    assert tree_digest(root / "site") == before  # nothing of it was published


def test_all_numbers_everywhere_at_once(baseline, tmp_path, monkeypatch):
    _, base_files = baseline
    root = tmp_path / "p"
    files = dict(base_files)
    planted = 0
    for place, plant in PLACES.items():
        number = list(PLANTED.values())[planted % len(PLANTED)]
        if place in ("notice file name", "attachment file name") and not _digit_only(number):
            number = PLANTED["mobile"]
        try:
            plant(files, number)
        except AssertionError:  # another place already rewrote that spot
            continue
        planted += 1
    write_tree(root / "content", files)
    monkeypatch.chdir(root)
    run = cli("check", "--today", TODAY, "--format", "json")
    report = json.loads(run.stdout)
    privacy = [p for p in report["problems"] if "疑似个人信息" in p["message"]]
    assert planted > 20 and len(privacy) >= planted
    assert _printed_numbers(run.output) == []
    build = cli("build", "--today", TODAY)
    assert build.exit_code == 1 and not (root / "site").exists()
    assert _printed_numbers(build.output) == []


def test_a_declared_public_number_is_published_and_only_it(baseline, tmp_path, monkeypatch):
    """The one way a number reaches the site: a declared public field, or an exact pii_allow entry."""
    _, base_files = baseline
    root = tmp_path / "p"
    files = dict(base_files)
    _set("companies/beta.yaml", "party_organization: false", "party_organization: false\nphone: {n}")(
        files, "13912345678"
    )
    _set("site.yaml", 'pii_allow: ["400-800-1234"]', 'pii_allow: ["400-800-1234", "{n}"]')(files, "13800001111")
    _set("notices/2026/gongshi.md", "公示内容如下。", "服务热线 {n}。")(files, "13800001111")
    write_tree(root / "content", files)
    monkeypatch.chdir(root)
    assert cli("build", "--today", TODAY).exit_code == 0
    site_text = "".join(p.read_text(encoding="utf-8") for p in (root / "site").rglob("*.html"))
    assert sorted({f.text for f in scan(site_text)}) == ["13800001111", "13912345678"]
