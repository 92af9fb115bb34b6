"""Reading files: positions, exact numbers, front matter, and bad input that must not crash."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.errors import Problems
from generator.sources import read_source


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
        ("a: [1\n", "YAML 语法错误", 2),
        ("a: 2025-02-30\n", "不是有效的日期", 1),
        ("a: !!python/object:os.system x\n", "无法识别的 YAML 值", 1),
        ("a: 1\x00\n", "空字符", 1),
        ("---\na: 1\n---\nb: 2\n", "YAML 语法错误", 3),
    ],
)
def test_bad_input_becomes_a_problem(tmp_path, text, message, line):
    src, problems = read(tmp_path, text)
    errors = problems.errors
    assert errors and message in errors[0].message
    assert errors[0].loc.line == line


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 30):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    src, problems = read(tmp_path, "\n".join(lines) + "\n")
    assert problems.errors and "别名" in problems.errors[0].message


def test_deep_nesting_is_refused(tmp_path):
    src, problems = read(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert any("嵌套层级过深" in p.message for p in problems.errors)


def test_huge_file_is_refused(tmp_path):
    src, problems = read(tmp_path, "a: '" + "x" * (3 * 1024 * 1024) + "'\n")
    assert "文件过大" in problems.errors[0].message


def test_nan_and_inf_stay_floats_for_validation(tmp_path):
    src, _ = read(tmp_path, "a: .nan\nb: -.inf\n")
    assert src.data["a"] != src.data["a"] and src.data["b"] == float("-inf")
