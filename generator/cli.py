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
from datetime import UTC, date, datetime
from pathlib import Path

import click

from . import pipeline
from .content.errors import ContentError, Problem, redact
from .content.schema import BASE_URL_RE
from .domain.models import COMPOUND_TYPES, NOTICE_CATEGORIES, PROJECT_CATEGORIES, PROJECT_STATUSES
from .engine.write import recover, refusal
from .tools.admin import AdminOptions, AdminUnavailable

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _content_dir(content: str) -> Path:
    path = Path(content)
    if not path.is_dir():
        raise click.UsageError(f"找不到内容目录“{content}”（请在含有 content/ 的目录中运行，或用 --content 指定）")
    return path


def _today(value: datetime | None) -> date:
    """The build date: `--today`, else SOURCE_DATE_EPOCH's date in Asia/Shanghai, else today there.

    SOURCE_DATE_EPOCH (reproducible-builds.org) is the one clock a build may read; since pages
    carry a date and never a time, it only stands in for `--today`."""
    if value is not None:
        return value.date()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip():
        try:
            moment = datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise click.UsageError(
                f"环境变量 SOURCE_DATE_EPOCH 应为整数秒数（Unix 时间），实际为“{epoch[:40]}”"
            ) from None
        return pipeline.today_in_shanghai(moment)
    return pipeline.today_in_shanghai()


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
        except Exception as exc:  # last resort; content problems never get here
            if os.environ.get("BULLETIN_DEBUG"):
                raise
            click.echo(
                f"bulletin: 内部错误：{type(exc).__name__}: {redact(str(exc))[:400]}（设置 BULLETIN_DEBUG=1 可查看详情，请报告此问题）",
                err=True,
            )
            sys.exit(3)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _scaffold():
    """`bulletin new`'s module, imported when used: it brings YAML and pypinyin, which a build
    with nothing to do never needs."""
    from .tools import scaffold

    return scaffold


def _preview_server():
    from .tools import serve

    return serve


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bulletin")
def main() -> None:
    """bulletin：社区治理信息公示网站生成器。"""


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option("--out", default="site", show_default=True, help="网站输出目录")
@click.option(
    "--today", type=DATE, default=None, help="构建日期 YYYY-MM-DD（默认：SOURCE_DATE_EPOCH 所在日，否则上海时间今天）"
)
@click.option("--drafts", is_flag=True, help="同时发布草稿（用于预览）")
@click.option("--base-url", default=None, help="覆盖 site.yaml 中的 base_url")
@click.option(
    "--preview",
    is_flag=True,
    envvar="BULLETIN_PREVIEW",
    help="预览版：发布草稿，并在每页顶部标注“预览”（也可设环境变量 BULLETIN_PREVIEW=1）",
)
@click.option(
    "--admin",
    is_flag=True,
    envvar="BULLETIN_ADMIN",
    help="同时生成网页编辑器 /admin/（需要先 npm ci；仓库见环境变量 BULLETIN_ADMIN_REPO）",
)
@_guard
def build(content: str, out: str, today, drafts: bool, base_url: str | None, preview: bool, admin: bool) -> None:
    """检查内容并生成网站。"""
    content_dir = _content_dir(content)
    if base_url is not None and not BASE_URL_RE.match(base_url):
        raise click.UsageError(
            f"--base-url 应为 http:// 或 https:// 开头的网址，且只含网址允许的字符：“{base_url[:80]}”"
        )
    reason = refusal(Path(out), content_dir)
    if reason:
        raise click.UsageError(reason)
    recover(Path(out).resolve())  # a killed earlier build may have left the site mid-swap
    admin_options = None
    if admin:
        try:
            admin_options = AdminOptions.from_env([Path.cwd(), content_dir.resolve().parent])
        except AdminUnavailable as exc:
            raise click.UsageError(str(exc)) from None
    try:
        result = pipeline.build(
            content_dir,
            content,
            Path(out),
            _today(today),
            drafts=drafts or preview,
            base_url=base_url,
            preview=preview,
            admin=admin_options,
        )
    except ContentError as exc:
        _emit(exc.problems, err=True)
        errors, warnings = _counts(exc.problems)
        click.echo(f"构建失败：{errors} 个错误，{warnings} 个警告；网站未更新（{out}/ 保持原样）", err=True)
        sys.exit(1)
    _emit(list(result.warnings), err=True)
    for note in result.notes:
        click.echo(f"警告：{note}", err=True)
    click.echo(
        f"构建完成：读取 {result.records} 条记录，写入 {result.pages} 个页面（共 {result.files} 个文件）到 {out}/，"
        f"{len(result.warnings) + len(result.notes)} 个警告，用时 {result.seconds:.2f} 秒"
    )


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="输出格式：text 文本，json，github（GitHub Actions 注释，标在拉取请求的对应行上）",
)
@click.option("--today", type=DATE, default=None, help="检查所用的日期 YYYY-MM-DD")
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
        click.echo(
            json.dumps(
                {
                    "records": records,
                    "errors": errors,
                    "warnings": warnings,
                    "problems": [p.as_json() for p in problems],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
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


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option("--out", default=None, help="预览网站的输出目录（默认：临时目录，停止时删除）")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（默认只允许本机访问）")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口；0 表示自动选择空闲端口"
)
@click.option("--today", type=DATE, default=None, help="预览所用的日期 YYYY-MM-DD（默认：上海时间今天）")
@_guard
def serve(content: str, out: str | None, host: str, port: int, today) -> None:
    """本机预览：生成网站（含草稿），内容或模板一改就重新生成并自动刷新浏览器。"""
    import shutil
    import tempfile
    import threading

    content_dir = _content_dir(content)
    temporary = out is None
    out_dir = Path(tempfile.mkdtemp(prefix="bulletin-preview-")) if out is None else Path(out)
    reason = None if temporary else refusal(out_dir, content_dir)
    if reason:
        raise click.UsageError(reason)
    # The full-text index (Pagefind) takes a second or more per build and is not what an editor
    # previews; a path in BULLETIN_PAGEFIND still brings it back.
    os.environ.setdefault("BULLETIN_PAGEFIND", "off")
    options = _preview_server().Options(content_dir, content, out_dir, host, port, today.date() if today else None)
    stop = threading.Event()
    _preview_server().main_thread_signals(stop)
    try:
        _preview_server().run(
            options,
            stop,
            log=click.echo,
            ready=lambda url: click.echo(f"预览地址：{url}（草稿也会显示；按 Ctrl+C 停止）"),
        )
    except OSError as exc:
        raise click.UsageError(
            f"无法在 {host}:{port} 上启动预览：{exc.strerror or exc}（可用 --port 换一个端口）"
        ) from None
    finally:
        if temporary:
            shutil.rmtree(out_dir, ignore_errors=True)
    click.echo("预览已停止")


@main.group()
def new() -> None:
    """新建一条记录：在正确的位置写出带中文说明的骨架文件（不会覆盖已有文件）。"""


def _ask(value, prompt: str, option: str, default=None, type=None):
    """An option's value, or ask for it when the command runs in a terminal."""
    if value is not None:
        return value
    if sys.stdin.isatty():
        return click.prompt(prompt, default=default, type=type)
    if default is not None:
        return default
    raise click.UsageError(f"缺少 {option}（{prompt}）")


def _ids(text: str | None) -> list[str]:
    return [part for part in (text or "").replace("，", ",").replace(" ", ",").split(",") if part]


def _create(content: str, make) -> None:
    content_dir = _content_dir(content)
    try:
        known = _scaffold().Known.read(content_dir)
        draft = make(known)
        _scaffold().write(content_dir, draft)
    except _scaffold().ScaffoldError as exc:
        raise click.UsageError(str(exc)) from None
    except FileExistsError:
        raise click.UsageError(f"{Path(content) / draft.rel} 已经存在，不会覆盖它") from None
    click.echo(f"已新建 {Path(content) / draft.rel}：按文件中的说明填写，然后运行 bulletin check")


def _record_id(given: str | None, name: str, kind: str) -> str:
    suggested = _scaffold().suggest_id(name, kind)
    if given:
        return given
    if sys.stdin.isatty():
        return click.prompt("标识（用于文件名和网址：小写拼音、数字和连字符）", default=suggested or None)
    click.echo(f"标识：{suggested}（由名称生成；可用 --id 指定）")
    return suggested


CONTENT = click.option("--content", default="content", show_default=True, help="内容目录")
ID = click.option("--id", "record_id", default=None, help="标识（默认由名称生成拼音）")


@new.command("notice")
@CONTENT
@ID
@click.option("--title", default=None, help="标题")
@click.option("--date", "day", type=DATE, default=None, help="发布日期 YYYY-MM-DD（默认今天）")
@click.option("--category", type=click.Choice(NOTICE_CATEGORIES), default=None, help="类别")
@click.option("--district", default=None, help="范围：区（市）标识")
@click.option("--streets", default=None, help="范围：街道标识，多个用逗号分隔")
@click.option("--communities", default=None, help="范围：社区标识，多个用逗号分隔")
@click.option("--compounds", default=None, help="范围：小区标识，多个用逗号分隔")
@click.option("--until", type=DATE, default=None, help="公示截止日期 YYYY-MM-DD")
@click.option("--draft", is_flag=True, help="标为草稿（正式网站不发布）")
@_guard
def new_notice(content, record_id, title, day, category, district, streets, communities, compounds, until, draft):
    """新建公示公告：content/notices/<年份>/<标识>.md"""
    title = _ask(title, "标题", "--title")
    category = _ask(
        category, "类别（" + "、".join(NOTICE_CATEGORIES) + "）", "--category", type=click.Choice(NOTICE_CATEGORIES)
    )
    day = day.date() if day else pipeline.today_in_shanghai()
    record_id = _record_id(record_id, title, "notice")
    _create(
        content,
        lambda known: _scaffold().notice(
            known,
            title=title,
            day=day,
            category=category,
            record_id=record_id,
            district=district,
            streets=_ids(streets),
            communities=_ids(communities),
            compounds=_ids(compounds),
            until=until.date() if until else None,
            draft=draft,
        ),
    )


@new.command("project")
@CONTENT
@ID
@click.option("--title", default=None, help="项目名称")
@click.option("--category", type=click.Choice(list(PROJECT_CATEGORIES)), default=None, help="类别")
@click.option("--status", type=click.Choice(list(PROJECT_STATUSES)), default="planned", show_default=True, help="状态")
@click.option("--compounds", default=None, help="涉及小区的标识，多个用逗号分隔")
@click.option("--communities", default=None, help="涉及社区的标识，多个用逗号分隔")
@click.option("--company", default=None, help="实施企业的标识")
@click.option("--unit", default=None, help="责任单位")
@_guard
def new_project(content, record_id, title, category, status, compounds, communities, company, unit):
    """新建项目：content/projects/<标识>.md"""
    title = _ask(title, "项目名称", "--title")
    category = _ask(
        category,
        "类别（" + "、".join(PROJECT_CATEGORIES) + "）",
        "--category",
        type=click.Choice(list(PROJECT_CATEGORIES)),
    )
    if compounds is None and communities is None:
        compounds = _ask(None, "涉及小区的标识（多个用逗号分隔）", "--compounds 或 --communities")
    record_id = _record_id(record_id, title, "project")
    _create(
        content,
        lambda known: _scaffold().project(
            known,
            title=title,
            category=category,
            status=status,
            record_id=record_id,
            compounds=_ids(compounds),
            communities=_ids(communities),
            company=company,
            unit=unit,
        ),
    )


@new.command("compound")
@CONTENT
@ID
@click.option("--name", default=None, help="小区名称")
@click.option("--community", default=None, help="所属社区的标识")
@click.option("--type", "type_", type=click.Choice(list(COMPOUND_TYPES)), default=None, help="小区类型")
@click.option("--company", default=None, help="物业服务企业的标识（enterprise、state 型需要）")
@click.option("--households", type=click.IntRange(0), default=None, help="户数")
@_guard
def new_compound(content, record_id, name, community, type_, company, households):
    """新建小区：content/compounds/<标识>.yaml"""
    name = _ask(name, "小区名称", "--name")
    community = _ask(community, "所属社区的标识", "--community")
    type_ = _ask(
        type_,
        "类型（enterprise 物业企业管理、self 居民自治、state 国企兜管）",
        "--type",
        type=click.Choice(list(COMPOUND_TYPES)),
    )
    if type_ != "self":
        company = _ask(company, "物业服务企业的标识", "--company")
    households = _ask(households, "户数", "--households", type=click.IntRange(0))
    record_id = _record_id(record_id, name, "compound")
    _create(
        content,
        lambda known: _scaffold().compound(
            known,
            name=name,
            community=community,
            type_=type_,
            households=households,
            company=company,
            record_id=record_id,
        ),
    )


@new.command("company")
@CONTENT
@ID
@click.option("--name", default=None, help="企业名称")
@click.option("--credit-code", default=None, help="统一社会信用代码（18 位）")
@click.option("--state-owned/--not-state-owned", default=None, help="是否国有企业")
@click.option("--party-organization/--no-party-organization", default=None, help="是否建立党组织")
@_guard
def new_company(content, record_id, name, credit_code, state_owned, party_organization):
    """新建物业服务企业：content/companies/<标识>.yaml"""
    name = _ask(name, "企业名称", "--name")
    credit_code = _ask(credit_code, "统一社会信用代码", "--credit-code")
    state_owned = _ask(state_owned, "是否国有企业", "--state-owned 或 --not-state-owned", default=False, type=bool)
    party_organization = _ask(
        party_organization,
        "是否建立党组织",
        "--party-organization 或 --no-party-organization",
        default=False,
        type=bool,
    )
    record_id = _record_id(record_id, name, "company")
    _create(
        content,
        lambda known: _scaffold().company(
            known,
            name=name,
            credit_code=credit_code.strip(),
            state_owned=state_owned,
            party_organization=party_organization,
            record_id=record_id,
        ),
    )


@new.command("community")
@CONTENT
@ID
@click.option("--name", default=None, help="社区名称")
@click.option("--street", default=None, help="所属街道的标识")
@_guard
def new_community(content, record_id, name, street):
    """新建社区：content/communities/<标识>.yaml"""
    name = _ask(name, "社区名称", "--name")
    street = _ask(street, "所属街道的标识", "--street")
    record_id = _record_id(record_id, name, "community")
    _create(content, lambda known: _scaffold().community(known, name=name, street=street, record_id=record_id))


@new.command("evaluation")
@CONTENT
@click.option("--district", default=None, help="区（市）标识")
@click.option("--period", default=None, help="考评期，如 2026-H1")
@click.option("--published", type=DATE, default=None, help="发布日期 YYYY-MM-DD（默认今天）")
@_guard
def new_evaluation(content, district, period, published):
    """新建半年考评表：content/evaluations/<区>/<考评期>.yaml，每家在本区的企业一行，得分待填。"""
    district = _ask(district, "区（市）标识", "--district")
    period = _ask(period, "考评期（如 2026-H1）", "--period")
    day = published.date() if published else pipeline.today_in_shanghai()
    _create(content, lambda known: _scaffold().evaluation(known, district=district, period=period, published=day))
