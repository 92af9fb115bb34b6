"""Click's own words in Chinese, and option types that read values as editors type them.

Click builds its usage errors and help headings from English message templates passed through
`gettext` (`_("No such option {name!r}.")`). `install()` points the names click's modules call
(`_` and `ngettext`) at `CATALOG`, so a mistyped option, a missing value or a bad date is answered
in Chinese like everything else `bulletin` prints. Templates keep click's placeholders; a
translation may drop `!r` (Python's quotes) for the Chinese quotes “…”. Chinese has no plural, so
both forms of an `ngettext` pair map to one text. tests/test_cli_text.py walks click's installed
source and fails on a template without a translation, so a click upgrade cannot bring English
back silently.

`DateType` accepts a date as people type it on a command line (2026-12-01, 2026年12月1日,
2026/12/1, 2026.12.1, full-width digits): on a command line there is one reading, so it is
accepted rather than explained. `ChoiceType` accepts an id, its Chinese label or another word that fits it alone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

import click

CATALOG: dict[str, str] = {
    # errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "No such option {name!r}.": "没有选项“{name}”。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是以下之一：{possibilities}？）",
    "No such command {name!r}.": "没有命令“{name}”。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值不对：{message}",
    "Invalid value: {message}": "值不对：{message}",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件“{filename}”：{message}",
    "Got unexpected extra argument ({args})": "多了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多了参数（{args}）",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Option {name!r} does not take a value.": "选项“{name}”后面不能跟值。",
    "Option {name!r} requires an argument.": "选项“{name}”后面要写一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项“{name}”后面要写 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数“{name}”需要 {nargs} 个值。",
    "Invalid start character for option ({option})": "选项开头的字符不对（{option}）",
    "Value must be an iterable.": "值必须是一组值。",
    "Aborted!": "已取消。",
    "Windows error: {error}": "Windows 错误：{error}",
    "{editor}: Editing failed": "{editor}：编辑失败",
    "{editor}: Editing failed: {e}": "{editor}：编辑失败：{e}",
    "Unknown standard stream '{name}'": "未知的标准流“{name}”",
    "Unknown color {colour!r}": "未知的颜色“{colour}”",
    # values
    "{value!r} is not {choice}.": "“{value}”不是可选值 {choice}。",
    "{value!r} is not one of {choices}.": "“{value}”不是可选值；可选：{choices}。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Choice({choices})": "可选值（{choices}）",
    "{value!r} does not match the format {format}.": "“{value}”不是日期格式 {format}。",
    "{value!r} does not match the formats {formats}.": "“{value}”不是这些日期格式之一：{formats}。",
    "{value} is not in the range {range}.": "{value} 不在允许的范围（{range}）内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "“{value}”不是是/否的值；可写：{states}",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{value!r} is not a valid {number_type}.": "“{value}”不是有效的{number_type}。",
    "{value!r} is not a valid UUID.": "“{value}”不是有效的 UUID。",
    "{name} {filename!r} is a file.": "{name}“{filename}”是文件。",
    "{name} {filename!r} is a directory.": "{name}“{filename}”是文件夹。",
    "{name} {filename!r} is not readable.": "{name}“{filename}”不可读。",
    "{name} {filename!r} is not writable.": "{name}“{filename}”不可写。",
    "{name} {filename!r} is not executable.": "{name}“{filename}”不可执行。",
    "{name} {filename!r} does not exist.": "{name}“{filename}”不存在。",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "d": "天",
    # prompts
    "Do you want to continue?": "要继续吗？",
    "Confirm the action without prompting.": "不询问，直接确认。",
    "Press any key to continue...": "按任意键继续……",
    "Repeat for confirmation": "再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入的不一样。",
    "Error: invalid input": "错误：输入的值不对",
    # help
    "Usage:": "用法：",
    "Options": "选项",
    "Positional arguments": "位置参数",  # click 8.5 lists arguments under their own heading
    "Commands": "命令",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "(dynamic)": "（动态）",
    "required": "必填",
    "deprecated": "已弃用",
    # a developer's mistake in declaring options: never an editor's, but never English either
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "提示：命令“{name}”已弃用。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "提示：{param_type}“{name}”已弃用。{extra_message}"
    ),
    "Could not determine name for option with declarations {decls!r}": "无法确定选项的名称：{decls}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? "
    "Did you mean to pass '--{name}'?": "没有定义选项，却给了名称（{name}）",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": "参数只能有一个声明，实际 {length} 个：{decls}。",
    "Name '{name}' defined twice": "名称“{name}”定义了两次",
    "Boolean option {decl!r} cannot use the same flag for true/false.": "是/否选项“{decl}”的两个开关不能相同。",
    "Couldn't detect Bash version, shell completion is not supported.": "无法确定 Bash 版本，不支持命令补全。",
    "Shell completion is not supported for Bash versions older than 4.4.": "Bash 4.4 以前的版本不支持命令补全。",
}


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return CATALOG.get(singular if n == 1 else plural, singular if n == 1 else plural)


_CLICK_MODULES = (
    "click.core",
    "click.exceptions",
    "click.types",
    "click.decorators",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.utils",
    "click._termui_impl",
    "click.shell_completion",
)


def install() -> None:
    """Make click's modules call the Chinese catalog instead of gettext's (English) default."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


# --- values as typed -------------------------------------------------------------------------

FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９／．－", "0123456789/.-")
_DATE = re.compile(r"\s*(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?\s*")


def parse_date(text: str) -> date | None:
    """The date in `text` written as 2026-12-01, 2026年12月1日, 2026/12/1 or 2026.12.1 (full-width
    digits too), or None when it is none of them or no such day exists."""
    match = _DATE.fullmatch(text.translate(FULL_WIDTH_DIGITS))
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class DateType(click.ParamType):
    """A date option: YYYY-MM-DD, or as people type it (one reading, so accepted). Converts to a
    `datetime` at midnight, as `click.DateTime` did, so callers keep calling `.date()`."""

    name = "日期"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day)
        found = parse_date(str(value))
        if found is None:
            self.fail(
                f"“{value}”不是日期：请写成 年-月-日，如 2026-12-01（也可写 2026年12月1日）"
                + ("；这一天不存在" if _DATE.fullmatch(str(value).translate(FULL_WIDTH_DIGITS)) else ""),
                param,
                ctx,
            )
        return datetime(found.year, found.month, found.day)


class ChoiceType(click.ParamType):
    """One of `choices` (id → its Chinese label), typed as the id, its label or another word
    people use for it (`words`: id → words, as the checker's `schema.*_WORDS`): on a command line
    a word that fits one choice has one reading, so it is taken (the caller says which); one that
    fits several is answered with all of them, one that fits none with the closest."""

    name = "可选值"

    def __init__(
        self, choices: dict[str, str] | list[str] | tuple[str, ...], words: dict[str, tuple[str, ...]] | None = None
    ):
        self.choices = dict(choices) if isinstance(choices, dict) else {c: c for c in choices}
        self.words = {c: (c, label, *(words or {}).get(c, ())) for c, label in self.choices.items()}

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self.choices) + "]"

    def _shown(self, key: str) -> str:
        label = self.choices[key]
        return key if key == label else f"{key}（{label}）"

    def described(self) -> str:
        return "、".join(self._shown(key) for key in self.choices)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..content.schema import close_word, name_matches

        text = unicodedata.normalize("NFKC", str(value)).strip()
        if text in self.choices:
            return text
        fits = set(name_matches(text, self.words))
        found = [key for key in self.choices if key in fits]
        if len(found) == 1:
            return found[0]
        if found:
            self.fail(f"“{value}”可能是：{'、'.join(self._shown(k) for k in found)}；请写其中一个", param, ctx)
        close = close_word(text, self.words)
        hint = (
            ""
            if close is None
            else f"（是不是 {self._shown(close)}？）"
            if close.isascii()
            else f"（是不是“{close}”？）"
        )
        self.fail(f"“{value}”不是可选值；可选：{self.described()}{hint}", param, ctx)


TYPE_METAVARS = {
    "text": "文本",
    "integer": "整数",
    "integer range": "整数",
    "float": "数字",
    "float range": "数字",
    "boolean": "是/否",
    "path": "路径",
    "filename": "文件",
}


def localise(command: click.Command) -> None:
    """Chinese placeholders in `command`'s usage and help ([选项], 命令 [参数]..., 文本 …), for it
    and every subcommand; an option's own metavar is kept."""
    command.options_metavar = "[选项]"
    if isinstance(command, click.Group):
        command.subcommand_metavar = "命令 [参数]..."
        for sub in command.commands.values():
            localise(sub)
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar is None and not param.is_flag:
            if param.type.name in TYPE_METAVARS and not isinstance(param.type, click.Choice):
                param.metavar = TYPE_METAVARS[param.type.name]
        elif isinstance(param, click.Argument) and param.metavar is None:
            param.metavar = {"query": "[名称]", "file": "文件"}.get(param.name or "")


class ChineseGroup(click.Group):
    """The top command group: localises its commands' placeholders when it runs (so commands
    added anywhere in cli.py are covered)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        localise(self)
        return super().main(*args, **kwargs)
