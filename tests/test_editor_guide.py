"""docs/editor-guide.md lists every diagnostic the checker can print.

The message templates are collected from the generator's source with an AST walk: every message
passed to a problem collector (`problems.error/warning`, `ctx.error`, `ctx.problems.error`,
`self._fail`, …) and every message returned by the functions whose result is reported as one
(`checksums.credit_code_problem` and its helper, `validate.attachment_problem`), every
`Problem(...)` built directly (the preview server's template and internal errors) and the text of
`RouteCollision`. A template is identified by its literal piece with the most Chinese characters
(the text between placeholders), which must appear in the guide. A new diagnostic without an entry in the guide fails this test.
"""

from __future__ import annotations

import ast
import re

from conftest import REPO

GUIDE = REPO / "docs" / "editor-guide.md"
REPORTERS = {"error", "warning", "_fail", "bad"}  # methods whose message argument is a diagnostic
RETURNING = {"credit_code_problem", "_why_not_allowed", "attachment_problem", "_range"}
RAISED = {"RouteCollision"}  # exceptions whose text becomes a problem
CJK = re.compile(r"[\u4e00-\u9fff]")


def _pieces(node: ast.AST) -> list[list[str]]:
    """The literal pieces of each message a (possibly conditional) expression can produce."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [[node.value]]
    if isinstance(node, ast.JoinedStr):
        return [[v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]]
    if isinstance(node, ast.IfExp):
        return _pieces(node.body) + _pieces(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _pieces(node.left) or [[]] for b in _pieces(node.right) or [[]]]
    return []


def templates() -> dict[str, str]:
    """Each diagnostic's longest literal piece → where it is (file:line)."""
    found: dict[str, str] = {}

    def add(node: ast.AST, where: str) -> None:
        for pieces in _pieces(node):
            text = max((p for p in pieces if CJK.search(p)), key=lambda p: len(CJK.findall(p)), default="")
            if len(CJK.findall(text)) >= 2:
                found.setdefault(text.strip(), where)

    for path in sorted((REPO / "generator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assigned: dict[str, list[ast.AST]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                assigned.setdefault(node.targets[0].id, []).append(node.value)
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', 0)}"
            reporter = isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Attribute) and node.func.attr in REPORTERS)
                or (isinstance(node.func, ast.Name) and node.func.id == "Problem")
            )
            if reporter:
                message = (
                    node.args[1]
                    if len(node.args) > 1
                    else next((k.value for k in node.keywords if k.arg == "message"), None)
                )
                if message is None:
                    continue
                add(message, where)
                if isinstance(message, ast.Name):  # `message = f"…" if … else f"…"` just above
                    for value in assigned.get(message.id, []):
                        add(value, where)
            if isinstance(node, ast.ClassDef) and node.name in RAISED:  # reported as str(exc)
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and getattr(inner.func, "attr", "") == "__init__" and inner.args:
                        add(inner.args[0], f"{path.name}:{inner.lineno}")
            if isinstance(node, ast.FunctionDef) and node.name in RETURNING:
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        add(inner.value, f"{path.name}:{inner.lineno}")
    return found


def test_the_walk_finds_the_known_diagnostics():
    found = templates()
    for known in [
        "缺少 YAML 前置信息",
        "不是有效的标识",
        "引用了不存在的",
        "请核对代码是否抄错",
        "疑似个人信息",
        "还没有填写",
        "不是允许的字符",
        "必须是 attachments/ 下的相对路径",
    ]:
        assert any(known in t for t in found), known
    assert len(found) > 60


def test_every_diagnostic_is_in_the_editor_guide():
    guide = GUIDE.read_text(encoding="utf-8")
    missing = [
        f"{where}: {text}" for text, where in sorted(templates().items(), key=lambda kv: kv[1]) if text not in guide
    ]
    assert not missing, "docs/editor-guide.md does not explain:\n" + "\n".join(missing)


RUNNABLE = ("new", "export", "import", "ids")  # what an example can show without a terminal or a server


def guide_commands() -> list[list[str]]:
    """Every `bulletin new|export|import|ids …` line of the guide's shell examples, in order
    (a line continued with `\\` joined), without its `# …` comment."""
    import shlex

    commands = []
    for block in re.findall(r"```sh\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if len(words) > 1 and words[0] == "bulletin" and words[1] in RUNNABLE:
                commands.append(words[1:])
    return commands


def test_the_guides_examples_work_on_the_sample(tmp_path, monkeypatch):
    """An editor who types the guide's examples into a copy of the sample meets no error."""
    import shutil

    from conftest import SAMPLE, cli

    shutil.copytree(SAMPLE, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    commands = guide_commands()
    assert len(commands) >= 8, commands
    for words in commands:
        run = cli(*words)
        assert run.exit_code == 0, (words, run.output)
