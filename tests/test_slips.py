"""Typing slips are explained in Chinese where they were made (`generator.content.slips`), through
`read_source` and through the real `bulletin check` / `build`, and no parser English reaches the
text or GitHub output (the JSON output keeps it in `detail`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.content import slips
from generator.content.errors import Loc, Problem, Problems
from generator.content.sources import read_source

from conftest import TODAY, cli

ENGLISH = ("mapping values", "could not find", "while scanning", "while parsing", "expected", "found ", "<unicode")

NOTICE = "notices/2026/gongshi.md"
COMPANY = "companies/beta.yaml"
COMPOUND = "compounds/fuhai.yaml"


def read(tmp_path: Path, text: str | bytes, markdown: bool = False):
    name = "x.md" if markdown else "x.yaml"
    (tmp_path / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    problems = Problems()
    src = read_source(tmp_path, name, "content", problems, markdown=markdown)
    return src, problems.sorted()


def where(problems: list[Problem]) -> list[tuple[int, int, str, str]]:
    return [(p.loc.line, p.loc.col, p.severity, p.message) for p in problems]


# --- through read_source: (text, markdown, [(line, col, severity, message)]) --------------------

COLON = "冒号“：”是中文全角冒号，请改成英文冒号加空格“: ”"
COMMA = "列表里的逗号“，”是中文全角逗号，请改成英文逗号“,”"
FULLWIDTH_INDENT = "这里的缩进用了中文全角空格"
TAB = "这里用了制表符（Tab 键）缩进；YAML 不允许用制表符缩进"
NO_SPACE = "冒号“:”后面少了一个空格"
CASES = {
    "full-width colon and space": ("a: 1\ntitle： 标题\nb: 2\n", [(2, 6, "error", COLON)]),
    "full-width colon, no space": ("a: 1\ntitle：标题\nb: 2\n", [(2, 6, "error", COLON)]),
    "full-width colon on the first line": ("title：标题\na: 1\n", [(1, 6, "error", COLON)]),
    "full-width colon, nested": ("a:\n  title：标题\n  b: 1\n", [(2, 8, "error", COLON)]),
    "full-width colons everywhere": (
        "title：标题\ndate：2026-01-01\n",
        [(1, 6, "error", COLON), (2, 5, "error", COLON)],
    ),
    "comma in a flow list that parses": ("a: 1\nstreets: [a，b]\n", [(2, 12, "warning", COMMA)]),
    "comma in a flow mapping that fails": ("a: {x: 1，y: 2}\n", [(1, 9, "error", COMMA)]),
    "【】 as a list": (
        "a: 1\nstreets: 【a，b】\n",
        [(2, 10, "warning", "“【】”是中文括号，不会被当成列表，只是一段文字")],
    ),
    "【】 around one id": ("streets: 【qc】\n", [(1, 10, "warning", "“【】”是中文括号，不会被当成列表，只是一段文字")]),
    "U+3000 indenting a key that parses": ("a:\n\u3000\u3000b: 1\nc: 2\n", [(2, 1, "error", FULLWIDTH_INDENT)]),
    "curly quotes around a whole value": (
        "title: “关于停水的通知”\n",
        [(1, 8, "warning", "值两边的中文引号“”会作为文字原样发布")],
    ),
    "curly quotes around a value with a colon": (
        "title: “通知: 停水”\nb: 1\n",
        [(1, 11, "error", "值里有“冒号加空格”，会被当成新的字段")],
    ),
    "no space after the colon": ("a: 1\ntitle:标题\nb: 2\n", [(2, 6, "error", NO_SPACE)]),
    "full-width space after the colon": (
        "a: 1\ntitle:\u3000标题\nb: 2\n",
        [(2, 7, "error", "冒号后面的空格是中文全角空格，要用英文空格")],
    ),
    "tab indentation": ("a:\n\tb: 1\n", [(2, 1, "error", TAB)]),
    "tab after spaces": ("a:\n  b: 1\n  \tc: 2\n", [(3, 3, "error", TAB)]),
    "one space too many": (
        "a:\n  b: 1\n   c: 2\n",
        [(3, 1, "error", "这一行缩进了 3 个空格，和同一层的字段对不齐（它们缩进了 2 个空格）")],
    ),
    "one space too few": (
        "a:\n  b: 1\n  c:\n    d: 1\n   e: 2\n",
        [(5, 1, "error", "这一行缩进了 3 个空格，和同一层的字段对不齐（它们缩进了 2 或 4 个空格）")],
    ),
    "the first line of a block one space short": (
        "owners_body:\n kind: 业委会\n  established: 2016-03-08\n  party_members: 0\n",
        [(2, 1, "error", "这一行缩进了 1 个空格，和同一层的字段对不齐（它们缩进了 2 个空格）")],
    ),
    "the first line of a block one space over": (
        "owners_body:\n   kind: 业委会\n  established: 2016-03-08\n  party_members: 0\n",
        [(2, 1, "error", "这一行缩进了 3 个空格，和同一层的字段对不齐（它们缩进了 2 个空格）")],
    ),
    "the last line of a block one space short": (
        "owners_body:\n  kind: 业委会\n  established: 2016-03-08\n party_members: 0\n",
        [(4, 1, "error", "这一行缩进了 1 个空格，和同一层的字段对不齐（它们缩进了 0 或 2 个空格）")],
    ),
    "a key without its colon, its fields below": (
        "name: a\nowners_body\n  kind: 业委会\n  party_members: 0\n",
        [(2, 12, "error", "字段名“owners_body”后面少了冒号")],
    ),
    "misaligned in a list of mappings": (
        "s:\n  - name: a\n     id: b\n",
        [(3, 1, "error", "这一行缩进了 5 个空格，和同一层的字段对不齐（它们缩进了 4 个空格）")],
    ),
    "unclosed double quote": (
        'a: "abc\nb: 2\nc: 3\n',
        [(1, 4, "error", '引号 " 没有结束：从这里开始的文字找不到配对的另一个 "')],
    ),
    "double quote closed by a curly one": (
        'title: "关于”\nb: 1\n',
        [(1, 8, "error", '引号 " 没有结束：从这里开始的文字找不到配对的另一个 "')],
    ),
    "unclosed quote closed a line later": (
        'a: "abc\nb: "def"\nc: 1\n',
        [(1, 4, "error", '引号 " 没有结束：从这里开始的文字找不到配对的另一个 "')],
    ),
    "unclosed single quote": (
        "a: 1\nb: 'abc\nc: 3\n",
        [(2, 4, "error", "引号 ' 没有结束：从这里开始的文字找不到配对的另一个 '")],
    ),
    "unclosed bracket": (
        "name: 贝塔\nstate_owned: [false\nparty_organization: false\n",
        [(2, 14, "error", "括号“[”没有结束：找不到配对的“]”")],
    ),
    "bracket closed by 】": ("s: [a, b】\nb: 1\n", [(1, 4, "error", "括号“[”没有结束：找不到配对的“]”")]),
    "unclosed brace": ("a: {x: 1\nb: 2\n", [(1, 4, "error", "括号“{”没有结束：找不到配对的“}”")]),
    "unclosed bracket at the end": ("a: 1\nc: [\n", [(2, 4, "error", "括号“[”没有结束：找不到配对的“]”")]),
    "conflict markers in YAML": (
        "a: 1\n<<<<<<< HEAD\nb: 2\n=======\nb: 3\n>>>>>>> other\n",
        [
            (2, 1, "error", "这一行是合并冲突留下的标记“<<<<<<<”，文件里同时留着两个版本的内容"),
            (4, 1, "error", "这一行是合并冲突留下的标记“=======”，文件里同时留着两个版本的内容"),
            (6, 1, "error", "这一行是合并冲突留下的标记“>>>>>>>”，文件里同时留着两个版本的内容"),
        ],
    ),
    "undefined alias": (
        "a: *x\n",
        [
            (
                1,
                4,
                "error",
                "YAML 语法错误：“*”开头的值被当成了别名，但前面没有对应的“&”；不支持锚点和别名，请把内容直接写出来",
            )
        ],
    ),
    "a value starting with @": (
        "a: @x\n",
        [(1, 4, "error", "YAML 语法错误：值不能以“@”或“`”开头，请给这个值加上英文引号")],
    ),
}

MARKDOWN_CASES = {
    "front matter not closed": (
        "---\ntitle: x\ndate: 2026-01-01\n正文\n",
        [(1, 1, "error", "前置信息没有结束：第 1 行的 --- 之后缺少结束前置信息的另一行 ---")],
    ),
    "no front matter": ("# 标题\n正文\n", [(1, 1, "error", "缺少 YAML 前置信息：文件的第一行应是 ---")]),
    "blank line above the front matter": (
        "\n---\ntitle: x\n---\n",
        [(2, 1, "error", "前置信息的 --- 必须写在文件的第一行，上面不能有空行或其他内容")],
    ),
    "full-width dashes": (
        "－－－\ntitle: x\n---\n",
        [(1, 1, "error", "第一行“－－－”不是三个英文减号：前置信息的开始行要正好写成 ---")],
    ),
    "four dashes closing": (
        "---\ntitle: x\n----\n正文\n",
        [(3, 1, "error", "前置信息的结束行“----”不是三个英文减号：要正好写成 ---")],
    ),
    "conflict in the body": (
        "---\ntitle: x\n---\n正文\n<<<<<<< HEAD\n甲\n=======\n乙\n>>>>>>> b\n",
        [
            (5, 1, "error", "这一行是合并冲突留下的标记“<<<<<<<”，文件里同时留着两个版本的内容"),
            (7, 1, "error", "这一行是合并冲突留下的标记“=======”，文件里同时留着两个版本的内容"),
            (9, 1, "error", "这一行是合并冲突留下的标记“>>>>>>>”，文件里同时留着两个版本的内容"),
        ],
    ),
    "full-width colon in front matter": (
        "---\ntitle：标题\ndate: 2026-01-01\n---\n正文\n",
        [(2, 6, "error", COLON)],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_yaml_slips_are_found_where_they_are(tmp_path, text, expected):
    _src, problems = read(tmp_path, text)
    assert where(problems) == expected
    for p in problems:
        assert not any(words in p.format() for words in ENGLISH), p.format()


@pytest.mark.parametrize(("text", "expected"), MARKDOWN_CASES.values(), ids=MARKDOWN_CASES.keys())
def test_front_matter_slips_are_found_where_they_are(tmp_path, text, expected):
    src, problems = read(tmp_path, text, markdown=True)
    assert where(problems) == expected and not src.ok


def test_hints_say_what_to_type(tmp_path):
    [colon] = read(tmp_path, "title：标题\na: 1\n")[1]
    assert colon.hint == "改成：title: 标题"
    [space] = read(tmp_path, "a: 1\ntitle:标题\nb: 2\n")[1]
    assert space.hint == "字段名的冒号后面要空一格，改成：title: 标题"
    [comma] = read(tmp_path, "streets: [a，b]\n")[1]
    assert comma.hint is not None and comma.hint.startswith("改成：streets: [a, b]；")
    [brackets] = read(tmp_path, "streets: 【a，b】\n")[1]
    assert brackets.hint is not None and brackets.hint.startswith("要写列表请用英文方括号：streets: [a, b]")
    [quote] = read(tmp_path, 'title: "关于”\nb: 1\n')[1]
    assert quote.hint == '这一行后面的“””是中文引号，要改成英文引号 "'
    [bracket] = read(tmp_path, "s: [a, b】\nb: 1\n")[1]
    assert bracket.hint == "这一行后面的“】”是中文括号，要改成英文的“]”"
    [unclosed] = read(tmp_path, "---\ntitle: x\n正文\n", markdown=True)[1]
    assert unclosed.hint == "看起来正文从第 3 行开始：请在它上面单独加一行 ---"


@pytest.mark.parametrize(
    "text",
    [
        "title: 关于福海花园停水的通知，请居民做好准备\n",  # a comma in text
        "title: 【公示】关于维修资金的使用\n",  # 【】 inside a title
        "title: 【紧急通知】\n",  # a whole value in 【】 without a comma
        "title: 关于“红色物业”创建的公示\n",  # curly quotes inside a value
        "note: |\n  \u3000\u3000联系人：张三\n  title:标题\nb: 1\n",  # a block scalar is free text
        "streets: ['a，b']\n",  # a quoted comma is meant
        "url: https://example.org/\n",
    ],
)
def test_what_is_fine_is_not_flagged(tmp_path, text):
    assert read(tmp_path, text)[1] == []


def test_a_setext_heading_is_not_a_conflict(tmp_path):
    src, problems = read(tmp_path, "---\ntitle: x\n---\n标题\n=======\n正文\n", markdown=True)
    assert problems == [] and src.ok


def test_a_trailing_space_after_the_opening_dashes_is_accepted(tmp_path):
    src, problems = read(tmp_path, "--- \ntitle: x\n---\n正文\n", markdown=True)
    assert problems == [] and src.data == {"title": "x"} and src.body_line == 4


# --- encodings -------------------------------------------------------------------------------------

SAVE = "用记事本打开，点“文件 → 另存为”，“编码”选“UTF-8”后保存"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "name: 贝塔\n".encode("utf-16"),
            (1, 1, "文件不是有效的 UTF-8 文本：它是用 UTF-16 LE 编码保存的（记事本里叫“UTF-16 LE”或“Unicode”）"),
        ),
        (
            "\ufeffname: 贝塔\n".encode("utf-16-be"),
            (
                1,
                1,
                "文件不是有效的 UTF-8 文本：它是用 UTF-16 BE 编码保存的（记事本里叫“UTF-16 BE”或“Unicode big endian”）",
            ),
        ),
        (
            "name: beta\ndate: 2026\n".encode("utf-16-le"),
            (1, 1, "文件不是有效的 UTF-8 文本：它是用 UTF-16 LE 编码保存的（记事本里叫“UTF-16 LE”或“Unicode”）"),
        ),
        ("name: 贝塔物业\n".encode("gbk"), (1, 7, "文件不是有效的 UTF-8 文本：看起来是用 GBK（GB18030）编码保存的")),
        (b"name: x\naddress: \xff\xfe\n", (2, 10, "文件不是有效的 UTF-8 文本")),
    ],
    ids=["UTF-16 LE with BOM", "UTF-16 BE with BOM", "UTF-16 LE without BOM", "GBK", "neither"],
)
def test_encodings_are_named(tmp_path, raw, expected):
    src, [problem] = read(tmp_path, raw)
    assert (problem.loc.line, problem.loc.col, problem.message) == expected and not src.ok
    assert problem.hint is not None and problem.hint.startswith(SAVE) and "WPS" in problem.hint


def test_a_nul_in_utf8_text_is_still_a_nul(tmp_path):
    _src, [problem] = read(tmp_path, "a: 1\x00\n")
    assert problem.message == "文件含有空字符（NUL），不是文本文件"


def test_encoding_of_utf8_is_nothing():
    assert slips.encoding("name: 贝塔\n".encode()) == []


# --- slips.py on its own ---------------------------------------------------------------------------


def test_diagnose_falls_back_to_the_parsers_mark_in_chinese():
    [slip] = slips.diagnose("a: 1\nb: 2\n", 2, 3, "something new in libyaml")
    assert slip[:3] == (2, 3, "YAML 语法错误：这一行附近的格式不对") and slip.hint == slips.LAYOUT_HINT


def test_every_reason_is_chinese():
    for words, chinese, _layout in slips._REASONS:
        assert slips.reason(words) == chinese
        assert not any(w in chinese for w in ENGLISH)


def test_conflict_markers_need_a_start_or_end_marker():
    assert slips.conflict_markers("标题\n=======\n正文\n") == []
    assert [s.line for s in slips.conflict_markers("a\n=======\nb\n>>>>>>> x\n")] == [2, 4]
    assert slips.conflict_markers("<<<<<<<< eight\n") == []


def test_parsed_looks_only_at_lines_with_a_suspect_character():
    assert slips.parsed("a: 1\nb: [x, y]\n") == []
    assert [s.line for s in slips.parsed("a: [x, y]\nb: 某，某\nc: [x，y]\n")] == [3]


# --- through the CLI -------------------------------------------------------------------------------


def _replace(root: Path, rel: str, old: str, new: str) -> None:
    path = root / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _check(*expected: str) -> str:
    run = cli("check", "--today", TODAY)
    assert run.exit_code == 1, run.output
    for line in expected:
        assert line in run.stdout.splitlines(), f"{line!r} not in:\n{run.stdout}"
    for line in run.output.splitlines():
        assert not any(words in line for words in ENGLISH), line
    github = cli("check", "--today", TODAY, "--format", "github")
    for line in github.output.splitlines():
        assert not any(words in line for words in ENGLISH), line
    return run.stdout


CLI_CASES = [
    (
        NOTICE,
        "title: 福海花园维修资金使用公示",
        "title： 福海花园维修资金使用公示",
        "content/notices/2026/gongshi.md:2:6: error: " + COLON + "（改成：title: 福海花园维修资金使用公示）",
    ),
    (
        NOTICE,
        "title: 福海花园维修资金使用公示",
        "title:福海花园维修资金使用公示",
        "content/notices/2026/gongshi.md:2:6: error: "
        + NO_SPACE
        + "（字段名的冒号后面要空一格，改成：title: 福海花园维修资金使用公示）",
    ),
    (
        COMPOUND,
        "demonstration: [2025]",
        "demonstration: [2024，2025]",
        "content/compounds/fuhai.yaml:9:21: warning: "
        + COMMA
        + "（改成：demonstration: [2024, 2025]；如果逗号本来就是文字的一部分，请给这一项加上英文引号）",
    ),
    (
        COMPOUND,
        "demonstration: [2025]",
        "demonstration: 【2024, 2025】",
        "content/compounds/fuhai.yaml:9:16: warning: “【】”是中文括号，不会被当成列表，只是一段文字（要写列表请用英文方括号：demonstration: [2024, 2025]；本来就是文字的请忽略）",
    ),
    (
        COMPANY,
        "state_owned: false",
        "state_owned:\n\u3000\u3000value: false",
        "content/companies/beta.yaml:4:1: error: "
        + FULLWIDTH_INDENT
        + "（删掉行首的全角空格，改用英文空格缩进：切换到英文输入法或半角状态再按空格）",
    ),
    (
        NOTICE,
        "title: 福海花园维修资金使用公示",
        "title: “福海花园: 维修资金使用公示”",
        'content/notices/2026/gongshi.md:2:13: error: 值里有“冒号加空格”，会被当成新的字段（中文引号“”不起引号的作用，请改用英文引号：title: "福海花园: 维修资金使用公示"）',
    ),
    (
        COMPOUND,
        "owners_body: {kind: 业委会, established: 2019-05-12, party_members: 3}",
        "owners_body:\n  kind: 业委会\n\testablished: 2019-05-12",
        "content/compounds/fuhai.yaml:8:1: error: " + TAB + "（删掉制表符，改用空格缩进）",
    ),
    (
        COMPOUND,
        "owners_body: {kind: 业委会, established: 2019-05-12, party_members: 3}",
        "owners_body:\n  kind: 业委会\n   established: 2019-05-12",
        "content/compounds/fuhai.yaml:8:1: error: 这一行缩进了 3 个空格，和同一层的字段对不齐（它们缩进了 2 个空格）（同一层的字段要用同样多的英文空格缩进）",
    ),
    (
        COMPANY,
        "state_owned: false",
        "state_owned: [false",
        "content/companies/beta.yaml:3:14: error: 括号“[”没有结束：找不到配对的“]”（在最后一项后面补上“]”，例如 streets: [a, b]）",
    ),
    (
        COMPANY,
        "name: 贝塔物业服务有限公司",
        'name: "贝塔物业服务有限公司',
        'content/companies/beta.yaml:1:7: error: 引号 " 没有结束：从这里开始的文字找不到配对的另一个 "（在这段文字的末尾补上英文引号 "，或者去掉这个引号）',
    ),
    (
        NOTICE,
        "until: 2026-12-01\n---\n",
        "until: 2026-12-01\n",
        "content/notices/2026/gongshi.md:1:1: error: 前置信息没有结束：第 1 行的 --- 之后缺少结束前置信息的另一行 ---（看起来正文从第 7 行开始：请在它上面单独加一行 ---）",
    ),
    (
        NOTICE,
        "---\ntitle:",
        "title:",
        "content/notices/2026/gongshi.md:1:1: error: 缺少 YAML 前置信息：文件的第一行应是 ---（第一行写 ---，下面写 title: 等字段，字段写完后再写一行 ---，然后才是正文）",
    ),
]


@pytest.mark.parametrize(
    ("rel", "old", "new", "expected"), CLI_CASES, ids=[c[3].split(": ", 2)[2][:12] for c in CLI_CASES]
)
def test_check_prints_the_slip_where_it_is(project, rel, old, new, expected):
    _replace(project, rel, old, new)
    _check(expected)


def test_check_names_the_encoding(project):
    path = project / "content" / COMPANY
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _check(
        "content/companies/beta.yaml:1:7: error: 文件不是有效的 UTF-8 文本：看起来是用 GBK（GB18030）编码保存的（"
        + slips.SAVE_AS_UTF8
        + "）"
    )
    path.write_bytes(path.read_text(encoding="gbk").encode("utf-16"))
    _check(
        "content/companies/beta.yaml:1:1: error: 文件不是有效的 UTF-8 文本：它是用 UTF-16 LE 编码保存的（记事本里叫“UTF-16 LE”或“Unicode”）（"
        + slips.SAVE_AS_UTF8
        + "）"
    )


def test_json_keeps_the_parsers_words_in_detail_only(project):
    _replace(project, COMPANY, "state_owned: false", "state_owned: [false")
    run = cli("check", "--today", TODAY, "--format", "json")
    [problem] = json.loads(run.stdout)["problems"]
    assert problem["message"] == "括号“[”没有结束：找不到配对的“]”"
    assert "did not find expected ',' or ']'" in problem["detail"]
    text = Problem(Loc("a.yaml"), "中文", detail="English words")
    assert "English" not in text.format() and "English" not in text.github()
    assert text.as_json()["detail"] == "English words"
    assert Problem(Loc("a.yaml"), "中文").as_json()["detail"] is None


def test_conflict_markers_in_a_notice_body_fail_check_and_build(project):
    _replace(
        project,
        NOTICE,
        "公示内容如下。\n",
        "<<<<<<< HEAD\n公示内容如下。\n=======\n公示内容如下（修订）。\n>>>>>>> 修订\n",
    )
    marker = (
        "content/notices/2026/gongshi.md:{}:1: error: 这一行是合并冲突留下的标记“{}”，文件里同时留着两个版本的内容（"
    )
    expected = [marker.format(8, "<<<<<<<"), marker.format(10, "======="), marker.format(12, ">>>>>>>")]
    out = _check()
    for line in expected:
        assert any(printed.startswith(line) for printed in out.splitlines()), (line, out)
    build = cli("build", "--today", TODAY)
    assert build.exit_code == 1
    for line in expected:
        assert line in build.stderr
    assert not (project / "site").exists()
