"""The `bulletin` command: parses arguments, runs the pipeline, maps outcomes to exit codes.

Exit codes: 0 fine (warnings allowed), 1 content problems, 2 usage errors (bad options, no
content folder, an unsafe output folder), 3 an internal error (a bug: please report it).
Diagnostics use the compiler form `path:line:col: error: message`; `check` prints them on
stdout (it is a linter), `build` on stderr. Every run ends with a one-line summary.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from . import pipeline
from .errors import ContentError, Problem
from .write import refusal

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _content_dir(content: str) -> Path:
    path = Path(content)
    if not path.is_dir():
        raise click.UsageError(f"找不到内容目录“{content}”（请在含有 content/ 的目录中运行，或用 --content 指定）")
    return path


def _today(value: date | None) -> date:
    return value.date() if value is not None else pipeline.today_in_shanghai()


def _emit(problems: list[Problem], err: bool) -> None:
    for p in problems:
        click.echo(p.format(), err=err)


def _counts(problems: list[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity == "error")
    return errors, len(problems) - errors


def _guard(fn):
    """Turn an unexpected exception into one line and exit 3 (BULLETIN_DEBUG=1 shows the traceback)."""

    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - last resort; content problems never get here
            if os.environ.get("BULLETIN_DEBUG"):
                raise
            click.echo(f"bulletin: 内部错误：{type(exc).__name__}: {exc}（设置 BULLETIN_DEBUG=1 可查看详情，请报告此问题）", err=True)
            sys.exit(3)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bulletin")
def main() -> None:
    """bulletin：社区治理信息公示网站生成器。"""


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option("--out", default="site", show_default=True, help="网站输出目录")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="构建日期 YYYY-MM-DD（默认：上海时间今天）")
@click.option("--drafts", is_flag=True, help="同时发布草稿（用于预览）")
@click.option("--base-url", default=None, help="覆盖 site.yaml 中的 base_url")
@_guard
def build(content: str, out: str, today, drafts: bool, base_url: str | None) -> None:
    """检查内容并生成网站。"""
    content_dir = _content_dir(content)
    reason = refusal(Path(out), content_dir)
    if reason:
        raise click.UsageError(reason)
    try:
        result = pipeline.build(content_dir, content, Path(out), _today(today), drafts=drafts, base_url=base_url)
    except ContentError as exc:
        _emit(exc.problems, err=True)
        errors, warnings = _counts(exc.problems)
        click.echo(f"构建失败：{errors} 个错误，{warnings} 个警告；网站未更新（{out}/ 保持原样）", err=True)
        sys.exit(1)
    _emit(list(result.warnings), err=True)
    click.echo(
        f"构建完成：读取 {result.records} 条记录，写入 {result.pages} 个页面（共 {result.files} 个文件）到 {out}/，"
        f"{len(result.warnings)} 个警告，用时 {result.seconds:.2f} 秒"
    )


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True,
              help="输出格式：text 文本，json，github（GitHub Actions 注释，标在拉取请求的对应行上）")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="检查所用的日期 YYYY-MM-DD")
@_guard
def check(content: str, fmt: str, today) -> None:
    """只检查内容，不生成网站。"""
    import time

    started = time.perf_counter()
    content_dir = _content_dir(content)
    records, problems = pipeline.check(content_dir, content, _today(today))
    errors, warnings = _counts(problems)
    seconds = time.perf_counter() - started
    if fmt == "json":
        click.echo(json.dumps({
            "records": records, "errors": errors, "warnings": warnings,
            "problems": [p.as_json() for p in problems],
        }, ensure_ascii=False, indent=2))
    elif fmt == "github":
        for p in problems:
            click.echo(p.github())
        verdict = "检查未通过" if errors else "检查通过"
        click.echo(f"{verdict}：读取 {records} 个文件，{errors} 个错误，{warnings} 个警告")
    else:
        _emit(problems, err=False)
        verdict = "检查未通过" if errors else "检查通过"
        click.echo(f"{verdict}：读取 {records} 个文件，{errors} 个错误，{warnings} 个警告，用时 {seconds:.2f} 秒")
    sys.exit(1 if errors else 0)
