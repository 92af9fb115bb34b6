"""Hostile or broken input costs seconds and bounded memory, and ends in a clean diagnostic or a
safe site — never a hang, a crash or a traceback.

Every case runs the real `bulletin build` in a child process under a memory cap (RLIMIT_AS, set
in preexec_fn) and a generous timeout, so a regression fails the test instead of hanging the
suite or swapping the machine: a segfault shows as a negative exit code, a blow-up as a
MemoryError (exit 3, "内部错误") or a kill. The timeout is a hang guard, not a speed target.
The limits themselves are documented in docs/limits.md.
"""

from __future__ import annotations

import os
import random
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TODAY, minimal_files, write_tree
from sitecheck import tree_digest

MEMORY_CAP = 1536 * 1024 * 1024  # a normal build of the fixture peaks near 60 MB of RSS
HANG_GUARD = 180  # seconds
DIAGNOSTIC = re.compile(r"^\S.*:\d+:\d+: (error|warning): .+$")


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def bounded_build(root: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("BULLETIN_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "generator", "build", "--today", TODAY],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=HANG_GUARD,
        preexec_fn=_cap_memory,
    )


def append(rel: str, text: str):
    def change(content: Path) -> None:
        with open(content / rel, "a", encoding="utf-8") as fh:
            fh.write(text)

    return change


def replace(rel: str, old: str, new: str):
    def change(content: Path) -> None:
        path = content / rel
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def write(rel: str, data: str | bytes):
    def change(content: Path) -> None:
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

    return change


def body(text: str):
    return write("notices/2026/long.md", "---\ntitle: 长正文\ndate: 2026-11-01\ncategory: 通知\n---\n" + text)


def alias_bomb() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    return "\n".join(lines) + "\n"


def sparse(rel: str, size: int):
    def change(content: Path) -> None:
        with open(content / rel, "r+b") as fh:
            fh.truncate(size)

    return change


def fifo(rel: str):
    return lambda content: os.mkfifo(content / rel)


def symlink(rel: str, target: str):
    return lambda content: os.symlink(target, content / rel)


def many_notices(count: int):
    def change(content: Path) -> None:
        for i in range(count):
            (content / "notices/2026" / f"n{i}.md").write_text(
                f"---\ntitle: 第{i}号通知\ndate: 2026-{1 + i % 11:02d}-{1 + i % 28:02d}\ncategory: 通知\n---\n正文第 {i} 号。\n",
                encoding="utf-8",
            )

    return change


def bom_everywhere(content: Path) -> None:
    for path in content.rglob("*"):
        if path.suffix in (".yaml", ".md"):
            path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


def deep_directories(content: Path) -> None:
    path = content / "notices/2026"
    for i in range(150):
        path = path / f"d{i}"
    path.mkdir(parents=True)
    (path / "x.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")


GARBAGE = random.Random(20261127).randbytes(256 * 1024)
FRONT = "---\ntitle: 公告\ndate: 2026-11-01\ncategory: 通知\n---\n"

# (name, change to the minimal bulletin, expected: a message the build must print, or None for a
# build that succeeds)
CASES = [
    ("alias bomb", write("compounds/bomb.yaml", alias_bomb()), "别名"),
    ("scalar alias", append("compounds/fuhai.yaml", "x: &a 福海\ny: *a\n"), "别名"),
    ("3 MiB file", write("compounds/big.yaml", "name: '" + "很" * (1024 * 1024) + "'\n"), "文件过大"),
    ("8 GiB sparse file", sparse("compounds/fuhai.yaml", 8 * 1024**3), "文件过大"),
    (
        "flow nesting 1 000 000 deep",
        append("compounds/fuhai.yaml", "x: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n"),
        "嵌套层级过深",
    ),
    (
        "block nesting 1000 deep",
        append("compounds/fuhai.yaml", "".join(" " * i + f"k{i}:\n" for i in range(1000))),
        "嵌套层级过深",
    ),
    ("200 000 nodes", append("compounds/fuhai.yaml", "x: [" + "1," * 200_000 + "1]\n"), "文件结构过大"),
    ("binary garbage as YAML", write("compounds/garbage.yaml", GARBAGE), "error"),
    ("binary garbage as Markdown", write("notices/2026/garbage.md", GARBAGE), "error"),
    ("binary garbage after front matter", write("notices/2026/garbage2.md", FRONT.encode() + GARBAGE), "error"),
    (
        "invalid UTF-8",
        write("companies/beta.yaml", "name: 贝塔\n".encode() + b"address: \xc3\x28\n"),
        "不是有效的 UTF-8",
    ),
    ("UTF-16 file", write("companies/beta.yaml", "name: 贝塔\n".encode("utf-16")), "不是有效的 UTF-8"),
    ("NUL byte", append("compounds/fuhai.yaml", "x: a\x00b\n"), "空字符"),
    ("control characters", append("notices/2026/gongshi.md", "\x1b[31m红字\x1b[0m\n"), "控制字符"),
    (
        "control character by YAML escape",
        replace("compounds/fuhai.yaml", "name: 福海花园", 'name: "福海\\x07花园"'),
        "控制字符",
    ),
    (".nan", replace("communities/yf.yaml", "area_m2: 800", "area_m2: .nan"), "不是有效的数字"),
    (".inf", replace("communities/yf.yaml", "area_m2: 800", "area_m2: .inf"), "不是有效的数字"),
    ("-.Inf", replace("projects/guanwang.md", "budget: 1250000", "budget: -.Inf"), "不是有效的数字"),
    ("1e400 (a string in YAML 1.1)", replace("projects/guanwang.md", "budget: 1250000", "budget: 1e400"), "应为数字"),
    ("1.0e+400", replace("projects/guanwang.md", "budget: 1250000", "budget: 1.0e+400"), "不合理"),
    (
        "1.0e+999999999 as an integer",
        replace("compounds/fuhai.yaml", "households: 860", "households: 1.0e+999999999"),
        "不合理",
    ),
    ("1.0e-999999999", replace("communities/yf.yaml", "area_m2: 800", "area_m2: 1.0e-999999999"), "不合理"),
    (
        "integer of 100 000 digits",
        replace("compounds/fuhai.yaml", "households: 860", "households: 1" + "0" * 100_000),
        "无法识别的值",
    ),
    (
        "integer of 4000 digits",
        replace("compounds/fuhai.yaml", "households: 860", "households: 1" + "0" * 4000),
        "超出范围",
    ),
    ("2025-02-30", replace("notices/2025/tongzhi.md", "date: 2025-06-01", "date: 2025-02-30"), "不是有效的日期"),
    ("0000-00-00", replace("notices/2025/tongzhi.md", "date: 2025-06-01", "date: 0000-00-00"), "不是有效的日期"),
    (
        "timestamp hour 25",
        replace("notices/2025/tongzhi.md", "date: 2025-06-01", "date: 2025-06-01 25:00:00"),
        "不是有效的日期",
    ),
    ("until 9999-12-31", replace("notices/2026/gongshi.md", "until: 2026-12-01", "until: 9999-12-31"), None),
    (
        "project dates at the calendar's ends",
        replace("projects/guanwang.md", "start: 2026-03-01", "start: 0001-01-01\nfinish: 9999-12-31"),
        None,
    ),
    (
        "1.9 MB line in a text field",
        replace("compounds/fuhai.yaml", "name: 福海花园", "name: " + "长" * 600_000),
        "文本过长",
    ),
    ("1 MiB key", append("compounds/fuhai.yaml", "k" * (1024 * 1024) + ": 1\n"), "YAML 语法错误"),
    ("1000-character key", append("compounds/fuhai.yaml", "k" * 1000 + ": 1\n"), "未知字段"),
    ("200 000-character body line", body("字" * 199_000), None),
    ("200 000 '[' in a body", body("[" * 199_000), None),
    ("list nested 400 deep in a body", body("".join("  " * i + "- x\n" for i in range(400))), None),
    ("quote nested 50 000 deep in a body", body("> " * 50_000 + "x\n"), None),
    ("over-long body", body("很长。" * 70_000), "正文过长"),
    ("unterminated front matter", write("notices/2026/open.md", "---\ntitle: x\n" + "a: b\n" * 1000), "前置信息"),
    ("10 000 YAML documents", write("compounds/docs.yaml", "---\na: 1\n" * 10_000), "YAML 语法错误"),
    (
        "python tag on a list",
        replace("compounds/fuhai.yaml", "name: 福海花园", "name: !!python/object/apply:os.system ['echo pwned']"),
        "应为文本",
    ),
    (
        "python tag on a scalar",
        replace("compounds/fuhai.yaml", "name: 福海花园", "name: !!python/name:os.system"),
        "无法识别的 YAML 值",
    ),
    (
        "unknown local tag",
        replace("compounds/fuhai.yaml", "name: 福海花园", "name: !shell rm -rf /"),
        "无法识别的 YAML 值",
    ),
    ("binary tag", append("compounds/fuhai.yaml", "x: !!binary " + "QUFB" * 100_000 + "\n"), "未知字段"),
    ("complex key", append("compounds/fuhai.yaml", "? [a, b]\n: 1\n"), "字段名必须是简单文本"),
    ("merge key", append("compounds/fuhai.yaml", "<<: {name: x}\n"), "未知字段"),
    ("empty file", write("compounds/empty.yaml", ""), "文件是空的"),
    ("UTF-8 BOM and CRLF everywhere", bom_everywhere, None),
    ("FIFO among the records", fifo("compounds/pipe.yaml"), "不是普通文件"),
    ("link to /dev/zero", symlink("compounds/zero.yaml", "/dev/zero"), "不是普通文件"),
    ("link to /dev/urandom", symlink("notices/2026/random.md", "/dev/urandom"), "不是普通文件"),
    ("link leading out of content", symlink("companies/passwd.yaml", "/etc/passwd"), "内容目录以外的链接"),
    ("folder named like a record", lambda c: (c / "compounds/dir.yaml").mkdir(), "多层子文件夹"),
    ("150 nested folders", deep_directories, "多层子文件夹"),
    ("3000 notices", many_notices(3000), None),
]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A project with a previous site, copied for each case so that its survival can be checked."""
    root = tmp_path_factory.mktemp("bounded") / "template"
    write_tree(root / "content", minimal_files())
    assert bounded_build(root).returncode == 0
    return root, tree_digest(root / "site")


@pytest.mark.parametrize(("name", "change", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_ends_cleanly(built, tmp_path, name, change, expected):
    template, previous = built
    root = tmp_path / "p"
    shutil.copytree(template, root, symlinks=True)
    change(root / "content")

    run = bounded_build(root)
    stdout = run.stdout.decode("utf-8", errors="replace")
    stderr = run.stderr.decode("utf-8", errors="replace")
    assert run.returncode >= 0, f"killed by signal {-run.returncode}"
    assert "Traceback" not in stderr and "内部错误" not in stderr, stderr[-2000:]
    assert len(stdout) + len(stderr) < 200_000, "diagnostics must stay readable"
    if expected is None:
        assert run.returncode == 0, stderr[-2000:]
        assert (root / "site/index.html").is_file()
    else:
        assert run.returncode == 1, stderr[-2000:]
        lines = stderr.strip().splitlines()
        assert lines[-1].startswith("构建失败") and "网站未更新" in lines[-1]
        assert all(DIAGNOSTIC.match(line) for line in lines[:-1]), lines[:5]
        assert expected in stderr, stderr[-2000:]
        assert tree_digest(root / "site") == previous  # the published site is untouched
