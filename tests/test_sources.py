"""Reading files: positions, exact numbers, front matter, and bad input that must not crash."""

import os
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.content.errors import Problems
from generator.content.sources import read_source


def read(tmp_path: Path, text: str | bytes, name: str = "x.yaml", markdown: bool = False):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    problems = Problems()
    src = read_source(tmp_path, name, "content", problems, markdown=markdown)
    return src, problems


def test_positions_of_keys_and_values(tmp_path):
    src, problems = read(tmp_path, "a: 1\nlist:\n  - {x: 2.50, y: 福海}\n")
    assert not problems.items
    assert src.data == {"a": 1, "list": [{"x": Decimal("2.50"), "y": "福海"}]}
    assert (src.key_loc(("a",)).line, src.key_loc(("a",)).col) == (1, 1)
    loc = src.loc(("list", 0, "y"))
    assert (loc.path, loc.line, loc.col) == ("content/x.yaml", 3, 18)
    assert src.loc(("list", 0, "missing")).line == 3  # falls back to the enclosing node


def test_fractions_are_exact_decimals(tmp_path):
    src, _ = read(tmp_path, "a: 0.1\nb: 0.2\n")
    assert src.data["a"] + src.data["b"] == Decimal("0.3")


def test_int_keys_are_text_in_paths(tmp_path):
    src, _ = read(tmp_path, "fee: {2024: 0.5}\n")
    assert src.data == {"fee": {2024: Decimal("0.5")}}
    assert src.loc(("fee", "2024")).col == 13


def test_front_matter_and_body_line(tmp_path):
    src, problems = read(tmp_path, "---\ntitle: 标题\ndate: 2025-01-02\n---\n正文第一行\n", "n.md", markdown=True)
    assert not problems.items
    assert src.data == {"title": "标题", "date": date(2025, 1, 2)}
    assert src.body == "正文第一行\n" and src.body_line == 5
    assert src.loc(("date",)).line == 3


def test_bom_and_crlf_are_accepted(tmp_path):
    src, problems = read(tmp_path, "\ufeffa: 1\r\nb: 2\r\n".encode("utf-8"))
    assert not problems.items and src.data == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        (b"a: \xff\n", "不是有效的 UTF-8", 1),
        ("a: 1\na: 2\n", "重复出现", 2),
        ("a: [1\n", "括号“[”没有结束：找不到配对的“]”", 1),
        ("a: 2025-02-30\n", "不是有效的日期", 1),
        ("a: !!python/object:os.system x\n", "无法识别的 YAML 值", 1),
        ("a: 1\x00\n", "空字符", 1),
        ("---\na: 1\n---\nb: 2\n", "YAML 语法错误：文件里只能有一份内容", 3),
    ],
)
def test_bad_input_becomes_a_problem(tmp_path, text, message, line):
    _src, problems = read(tmp_path, text)
    errors = problems.errors
    assert errors and message in errors[0].message
    assert errors[0].loc.line == line


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    _src, problems = read(tmp_path, "\n".join(lines) + "\n")
    assert problems.errors and "别名" in problems.errors[0].message


def test_deep_nesting_is_refused(tmp_path):
    _src, problems = read(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert any("嵌套层级过深" in p.message for p in problems.errors)


def test_huge_file_is_refused(tmp_path):
    _src, problems = read(tmp_path, "a: '" + "x" * (3 * 1024 * 1024) + "'\n")
    assert "文件过大" in problems.errors[0].message


def test_nan_and_inf_stay_floats_for_validation(tmp_path):
    src, _ = read(tmp_path, "a: .nan\nb: -.inf\n")
    assert src.data["a"] != src.data["a"] and src.data["b"] == float("-inf")


def test_flow_nesting_a_million_deep_is_refused_without_composing(tmp_path):
    # libyaml's composer recurses: this input used to kill the process with a segfault.
    src, problems = read(tmp_path, "a: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n")
    assert [p.message for p in problems.errors] == ["嵌套层级过深（超过 32 层）"]
    assert not src.ok and src.data is None


def test_too_many_nodes_is_refused(tmp_path):
    _src, problems = read(tmp_path, "a: [" + "1," * 250_000 + "1]\n")
    assert "文件结构过大" in problems.errors[0].message


def test_a_scalar_alias_is_refused_too(tmp_path):
    _src, problems = read(tmp_path, "a: &x 福海\nb: *x\n")
    assert "别名" in problems.errors[0].message


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x85", "\ufffe", "\u200b\x0b"])
def test_control_characters_are_refused_where_they_are(tmp_path, char):
    _src, problems = read(tmp_path, f"a: 1\nb: 福海{char}花园\n")
    [error] = problems.errors
    assert "控制字符" in error.message and (error.loc.line, error.loc.col) == (2, 6 if char[0] != "\u200b" else 7)


def test_control_characters_from_yaml_escapes_are_refused_by_the_schema(project):
    from conftest import cli

    path = project / "content/companies/beta.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("name: 贝塔物业服务有限公司", 'name: "贝塔\\x01物业"'),
        encoding="utf-8",
    )
    run = cli("check")
    assert run.exit_code == 1 and "companies/beta.yaml:1:7: error: name: 含有不可见的控制字符 U+0001" in run.stdout


def test_special_files_are_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")  # reading it would block for ever
    problems = Problems()
    read_source(tmp_path, "pipe.yaml", "content", problems)
    assert "不是普通文件" in problems.errors[0].message


def test_a_link_leading_out_of_the_content_folder_is_not_read(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    (tmp_path / "secret.yaml").write_text("token: abc\n")
    os.symlink(tmp_path / "secret.yaml", content / "x.yaml")
    problems = Problems()
    src = read_source(content, "x.yaml", "content", problems)
    assert "内容目录以外的链接" in problems.errors[0].message and src.text == ""


def test_a_linked_folder_leading_out_of_the_content_folder_is_not_read(tmp_path):
    content = tmp_path / "content"
    (content / "notices").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.md").write_text("---\ntitle: x\n---\n")
    os.symlink(tmp_path / "elsewhere", content / "notices" / "2026")
    problems = Problems()
    src = read_source(content, "notices/2026/a.md", "content", problems, markdown=True)
    assert "内容目录以外的链接" in problems.errors[0].message and src.text == ""


def test_links_that_stay_inside_and_a_linked_content_folder_are_read(tmp_path):
    real = tmp_path / "real"
    (real / "notices" / "2025").mkdir(parents=True)
    (real / "notices" / "2025" / "a.yaml").write_text("a: 1\n")
    os.symlink(real / "notices" / "2025", real / "notices" / "2026")  # a folder link within
    os.symlink(real / "notices" / "2025" / "a.yaml", real / "b.yaml")  # a file link within
    os.symlink(real, tmp_path / "content")  # the content folder itself is a link
    for rel in ("notices/2026/a.yaml", "b.yaml", "notices/2025/a.yaml"):
        problems = Problems()
        src = read_source(tmp_path / "content", rel, "content", problems)
        assert not problems.items and src.data is not None, rel


def test_a_huge_sparse_file_is_refused_unread(tmp_path):
    with open(tmp_path / "big.yaml", "wb") as fh:
        fh.truncate(8 * 1024**3)  # 8 GiB of holes: reading it whole would exhaust memory
    problems = Problems()
    read_source(tmp_path, "big.yaml", "content", problems)
    assert "文件过大" in problems.errors[0].message


def test_messages_quote_only_the_start_of_a_long_value(tmp_path):
    _src, problems = read(tmp_path, "a: 1" + "0" * 100_000 + "\n")
    assert len(problems.errors[0].message) < 100


YAML_SCALARS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "~",
            "null",
            "1_000",
            "0x1F",
            "0o17",
            "1:30",
            "2026-11-27",
            ".inf",
            "1e3",
            "'quoted'",
            '"esc\\t\\u4e2d"',
            "|\n  block\n  text\n",
            ">\n  folded\n  text\n",
            "!!str 12",
            "物业 服务",
            "'it''s'",
            "12.50",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(YAML_SCALARS, min_size=1, max_size=4))
def test_values_are_what_safe_load_gives(values):
    # Text scalars take a short path past PyYAML's constructor: the values must not change.
    text = "".join(f"k{i}: {value}\n" for i, value in enumerate(values))
    try:
        expected = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return
    if not isinstance(expected, dict):
        return
    with tempfile.TemporaryDirectory() as folder:
        src, problems = read(Path(folder), text)
    if problems.items:
        return
    for key, value in expected.items():
        got = src.data[key]
        if isinstance(value, float) and not isinstance(got, float):
            assert float(got) == value  # decimals are kept exact, as Decimal
        else:
            assert got == value and type(got) is type(value), (key, got, value)


def _composed_positions(node, path=(), values=None, keys=None):
    """Where PyYAML's composer puts each value and key (line << 32 | column, 1-based)."""
    values = {} if values is None else values
    keys = {} if keys is None else keys
    pack = lambda mark: (mark.line + 1) << 32 | (mark.column + 1)  # noqa: E731
    values.setdefault(path, pack(node.start_mark))
    if isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _composed_positions(child, path + (i,), values, keys)
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            inner = path + (key_node.value,)
            keys[inner] = pack(key_node.start_mark)
            _composed_positions(value_node, inner, values, keys)
    return values, keys


TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp")), max_size=8
)  # what read_source accepts
LEAVES = st.one_of(
    TEXT,
    st.integers(-5, 10**6),
    st.booleans(),
    st.none(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(alphabet="abc福海", min_size=1, max_size=4), inner, max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENTS, st.sampled_from([False, True, None]))
def test_data_and_positions_are_what_the_composer_gives(data, flow):
    # The data is built straight from the parser's events (no node tree): the values and every
    # key's and value's position must be those of composing the document and walking it.
    text = yaml.safe_dump({"root": data}, allow_unicode=True, default_flow_style=flow)
    with tempfile.TemporaryDirectory() as folder:
        src, problems = read(Path(folder), text)
    assert not problems.items, [p.format() for p in problems.items]
    assert src.data == yaml.safe_load(text)
    values, keys = _composed_positions(yaml.compose(text, Loader=yaml.CSafeLoader))
    assert src.values == values and src.keys == keys


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("a: *nothing\n", "YAML 语法错误：“*”开头的值被当成了别名，但前面没有对应的“&”", (1, 4)),
        ("a: &x 1\nb: &x 2\n", "YAML 语法错误：同一个锚点“&”用了两次", (2, 4)),
        ("? [a, b]\n: 1\nc: 2\n", "字段名必须是简单文本", (1, 3)),
        ("a: &k 福海\n*k : 2\n", "别名", (1, 4)),
        ("a: 1\na: [*undefined]\n", "前面没有对应的“&”", (2, 5)),  # even where a value is skipped
        ("a: 1\nb: 2025-02-30\nc: [\n", "括号“[”没有结束", (3, 4)),  # a syntax error alone, nothing else
    ],
)
def test_what_the_composer_refused_is_refused_where_it_is(tmp_path, text, message, where):
    _src, problems = read(tmp_path, text)
    [error] = problems.errors
    assert message in error.message and (error.loc.line, error.loc.col) == where
