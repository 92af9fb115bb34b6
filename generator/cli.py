"""The `bulletin` command: parses arguments, runs the pipeline, maps outcomes to exit codes.

Exit codes: 0 fine (warnings allowed), 1 content problems, 2 usage errors (bad options, no
content folder, an unsafe output folder), 3 an internal error (a bug: please report it).
Diagnostics use the compiler form `path:line:col: error: message`; `check` prints them on
stdout (it is a linter), `build` on stderr. Every run ends with a one-line summary.
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import sys
import unicodedata
from datetime import UTC, date, datetime
from pathlib import Path

import click

from . import pipeline
from .content import schema
from .content.errors import BuildFailed, ContentError, Problem, redact
from .content.schema import BASE_URL_RE
from .domain.models import COMPOUND_TYPES, NOTICE_CATEGORIES, PROJECT_CATEGORIES, PROJECT_STATUSES
from .engine.write import cache_dir, refusal
from .tools import clitext
from .tools.admin import AdminOptions, AdminUnavailable
from .tools.hosting import DEFAULT_DOMAIN, DEFAULT_ROOT

clitext.install()  # click's own words (usage errors, help headings) in Chinese
DATE = clitext.DateType()


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


def _os_problem(exc: OSError) -> str:
    """An OSError of the build's own writing, in Chinese (a full disk above all)."""
    where = f"（{exc.filename}）" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间不足{where}，请清理磁盘后重新构建"
    if exc.errno == errno.EDQUOT:
        return f"超出磁盘配额{where}，请清理后重新构建"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入权限{where}：{exc.strerror}"
    return f"读写文件出错{where}：{exc.strerror or exc}"


def _terminate_as_interrupt() -> None:
    """SIGTERM (a CI job cancelled, `kill`) ends a build the way Ctrl+C does: through its
    cleanup (the staging folder removed, Pagefind stopped), not in the middle of it."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (e.g. called from a test's thread)
        pass


def _scaffold():
    """`bulletin new`'s module, imported when used: it brings YAML and pypinyin, which a build
    with nothing to do never needs."""
    from .tools import scaffold

    return scaffold


def _preview_server():
    from .tools import serve

    return serve


# `--format` of the commands that report problems (check, audit): the same three outputs.
_FORMAT = click.option(
    "--format",
    "fmt",
    type=clitext.ChoiceType(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="输出格式：text 文本，json，github（GitHub Actions 注释，标在拉取请求的对应行上）",
)


@click.group(cls=clitext.ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    help="同时生成网页编辑器 /admin/（需要先运行 npm ci --prefix admin；仓库见环境变量 BULLETIN_ADMIN_REPO）",
)
@click.option(
    "--skip-attachment-scan",
    is_flag=True,
    help="不检查附件中的个人信息（只能与 --preview 一起用；每页顶部会注明附件未经检查）",
)
@_guard
def build(
    content: str,
    out: str,
    today,
    drafts: bool,
    base_url: str | None,
    preview: bool,
    admin: bool,
    skip_attachment_scan: bool = False,
) -> None:
    """检查内容并生成网站。"""
    _terminate_as_interrupt()
    if skip_attachment_scan and not preview:
        raise click.UsageError(
            "--skip-attachment-scan 只能用于预览版（与 --preview 一起用）；正式发布的网站必须检查附件"
        )
    content_dir = _content_dir(content)
    if base_url is not None and not BASE_URL_RE.match(base_url):
        raise click.UsageError(
            f"--base-url 应为 http:// 或 https:// 开头的网址，且只含网址允许的字符：“{base_url[:80]}”"
        )
    reason = refusal(Path(out), content_dir)
    if reason:
        raise click.UsageError(reason)
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
            on_wait=lambda message: click.echo(message, err=True),
            scan_attachments=not skip_attachment_scan,
        )
    except ContentError as exc:
        _emit(exc.problems, err=True)
        errors, warnings = _counts(exc.problems)
        click.echo(f"构建失败：{errors} 个错误，{warnings} 个警告；网站未更新（{out}/ 保持原样）", err=True)
        sys.exit(1)
    except BuildFailed as exc:
        click.echo(f"构建失败：{exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # the disk, not the content: say which and leave the site as it was
        click.echo(f"构建失败：{_os_problem(exc)}；网站未更新（{out}/ 保持原样）", err=True)
        sys.exit(1)
    _emit(list(result.warnings), err=True)
    for note in result.notes:
        click.echo(f"警告：{note}", err=True)
    click.echo(
        f"构建完成：读取 {result.records} 条记录，写入 {result.pages} 个页面（共 {result.files} 个文件）到 {out}/，"
        f"{len(result.warnings) + len(result.notes)} 个警告，用时 {result.seconds:.2f} 秒"
    )
    if result.scheduled:
        day, title = result.scheduled[0]
        click.echo(
            f"另有 {len(result.scheduled)} 条公告的发布日期晚于今天，到那天才会出现在网站上"
            f"（最早的是 {day}《{title[:30]}》；想先看效果可运行 bulletin serve --today {day}）"
        )


@main.command()
@click.option("--content", default="content", show_default=True, help="内容目录")
@_FORMAT
@click.option("--today", type=DATE, default=None, help="检查所用的日期 YYYY-MM-DD")
@_guard
def check(content: str, fmt: str, today) -> None:
    """只检查内容，不生成网站。"""
    import time

    started = time.perf_counter()
    content_dir = _content_dir(content)
    records, problems = pipeline.check(content_dir, content, _today(today), out=Path("site"))
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
@click.option("--site", "site_arg", default="site", show_default=True, help="已生成的网站目录")
@click.option("--today", type=DATE, default=None, help="审核所用的日期 YYYY-MM-DD（默认同 build）")
@_FORMAT
@_guard
def audit(content: str, site_arg: str, today, fmt: str) -> None:
    """按《政府网站与政务新媒体检查指标》审核已生成的网站；有单项否决项时退出码为 1。"""
    from .tools import audit as auditor

    content_dir = _content_dir(content)
    site_dir = Path(site_arg)
    if not site_dir.is_dir():
        raise click.UsageError(f"找不到网站目录“{site_arg}”（先运行 bulletin build，或用 --site 指定）")
    day = _today(today)
    try:
        report = auditor.audit(site_dir, site_arg, content_dir, content, day)
    except ContentError as exc:
        _emit(exc.problems, err=True)
        click.echo("无法审核：内容有错误，请先运行 bulletin check 并改正", err=True)
        sys.exit(1)
    verdict = "审核未通过" if report.vetoes else "审核通过"
    summary = (
        f"{verdict}：{report.vetoes} 项单项否决，{report.deductions} 项扣分提示"
        f"（{day.isoformat()}，检查了 {report.pages} 个页面、{report.links} 个站内链接）"
    )
    if fmt == "json":
        document = {
            "today": day.isoformat(),
            "pages": report.pages,
            "links": report.links,
            "vetoes": report.vetoes,
            "deductions": report.deductions,
            "findings": [auditor.as_json(p) for p in report.findings],
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        for p in report.findings:
            click.echo(p.github() if fmt == "github" else p.format())
        click.echo(summary)
    sys.exit(1 if report.vetoes else 0)


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
    except BuildFailed as exc:
        click.echo(f"无法启动预览：{exc}", err=True)
        sys.exit(1)
    except OSError as exc:
        raise click.UsageError(
            f"无法在 {host}:{port} 上启动预览：{exc.strerror or exc}（可用 --port 换一个端口）"
        ) from None
    finally:
        if temporary:  # the folder and what was kept beside it about it: nobody else knows its name
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.rmtree(cache_dir(out_dir), ignore_errors=True)
            from .engine.lock import lock_path

            lock_path(out_dir).unlink(missing_ok=True)
    click.echo("预览已停止")


@main.group()
def new() -> None:
    """新建一条记录：在正确的位置写出带中文说明的骨架文件（不会覆盖已有文件）。"""


def _interactive() -> bool:
    return sys.stdin.isatty()


class _Answers:
    """What `bulletin new` has been told so far, option by option, so that a failure at the end
    can print the command that repeats every answer instead of throwing them away."""

    def __init__(self, command: str):
        self.command = command
        self.given: list[tuple[str, str]] = []

    def note(self, option: str, value) -> None:
        if value not in (None, "", (), []):
            shown = ",".join(value) if isinstance(value, (list, tuple)) else str(value)
            self.given.append((option, shown))

    def repeat(self) -> str:
        import shlex

        def quoted(value: str) -> str:  # Chinese needs no quotes in a shell; spaces and symbols do
            return value if not value or re.fullmatch(r"[\w\-.,/:@%+=，、：]+", value) else shlex.quote(value)

        return " ".join(["bulletin", "new", self.command] + [f"{o} {quoted(v)}".rstrip() for o, v in self.given])


def _value(given, question: str, option: str, convert, *, default=None, required: bool = True):
    """An answer checked by `convert` (which raises ScaffoldError or click.BadParameter with the
    reason): the option's value (a wrong one is a usage error), else asked in a terminal until an
    answer passes (the reason and the choices are shown, nothing given before is lost), else the
    default, else a usage error naming the option."""
    scaffold = _scaffold()
    if given is not None:
        try:
            return _told(given, convert(given))
        except (scaffold.ScaffoldError, click.BadParameter) as exc:
            raise click.UsageError(f"{option}：{_reason(exc)}") from None
    if _interactive():
        while True:
            answer = click.prompt(
                question,
                default="" if default is None else default,
                show_default=bool(default),
                prompt_suffix="：",
            )
            if not str(answer).strip():
                if not required:
                    return None
                click.echo("  这一项必须填写", err=True)
                continue
            try:
                return _told(answer, convert(answer))
            except (scaffold.ScaffoldError, click.BadParameter) as exc:
                click.echo(f"  {_reason(exc)}；请再输入一次", err=True)
    if default is not None:
        try:
            return convert(default)
        except (scaffold.ScaffoldError, click.BadParameter) as exc:
            raise click.UsageError(f"{option}：{_reason(exc)}") from None
    if not required:
        return None
    raise click.UsageError(f"缺少 {option}（{question}）")


def _told(typed, value):
    """`value`, after saying what it was made of `typed` when that is not what was typed
    (“党建助管” → enterprise, “500户” → 500): nothing is changed without a word."""
    told = isinstance(value, (_Said, bool)) or not isinstance(value, (str, int, date))
    if not told and str(typed).strip() != str(value):
        click.echo(f"  “{str(typed).strip()}” → {value}", err=True)
    return value


def _reason(exc: Exception) -> str:
    return exc.message if isinstance(exc, click.ClickException) else str(exc)


def _text(value) -> str:
    text = str(value).strip()
    if not text:
        raise click.BadParameter("不能为空")
    return text


def _choice(choices, words=None):
    kind = clitext.ChoiceType(choices, words)
    return lambda value: kind.convert(value, None, None)


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    return clitext.DateType().convert(value, None, None).date()


def _split(text) -> list[str]:
    if isinstance(text, (list, tuple)):
        return list(text)
    return [part for part in re.split(r"[,，、;；\s]+", str(text or "")) if part]


def _ref(known, kind: str):
    """A converter from a name or id of `kind` to its id, telling the editor which it took."""

    def convert(value) -> str:
        _, record_id = known.resolve(str(value), (kind,))
        if record_id != str(value).strip():
            click.echo(f"  “{value}” → {known.shown(kind, record_id)}", err=True)
        return _Said(record_id)

    return convert


class _Said(str):
    """A value whose conversion was already told (with the record's name)."""


def _refs(known, kind: str):
    one = _ref(known, kind)
    return lambda value: [one(part) for part in _split(value)]


def _scope(known):
    """A converter from a notice's scope as typed (names or ids of districts, streets, communities,
    compounds, mixed) to {kind: [ids]}; an empty answer or 全站 means the whole site."""

    def convert(value) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {kind: [] for kind in _scaffold().SCOPE_KINDS}
        if str(value).strip() in ("全站", "全部", "无"):
            return out
        for part in _split(value):
            kind, record_id = known.resolve(part, _scaffold().SCOPE_KINDS)
            if record_id != part:
                click.echo(f"  “{part}” → {known.shown(kind, record_id)}（{_scaffold().NAMED_KINDS[kind]}）", err=True)
            if record_id not in out[kind]:
                out[kind].append(record_id)
        if len(out["district"]) > 1:
            raise click.BadParameter(
                "范围里只能有一个区（市）：" + "、".join(known.shown("district", d) for d in out["district"])
            )
        return out

    return convert


def _new_id(known, kind: str, taken, title: str):
    scaffold = _scaffold()

    def convert(value) -> str:
        record_id = str(value).strip()
        if not scaffold.schema.ID_RE.match(record_id):
            raise click.BadParameter(f"“{record_id}”不是有效的标识：{scaffold.schema.ID_RULE}")
        if record_id in taken:
            folder = {"community": "communities", "compound": "compounds", "company": "companies"}.get(kind)
            where = f"content/{folder}/{record_id}.yaml" if folder else f"content/{taken[record_id]}"
            raise click.BadParameter(
                f"已经有标识为“{record_id}”的{scaffold.KIND_LABELS[kind]}"
                + f"（{where}）"
                + f"：要另建一条，请换一个标识，如 {_free_id(record_id, taken)}；如果就是那一条，直接打开它的文件修改"
            )
        return record_id

    return convert


def _free_id(record_id: str, taken) -> str:
    """`record_id`, or the first of record_id-2, -3, … that no record of the kind has."""
    n = 2
    while f"{record_id}-{n}" in taken:
        n += 1
    return record_id if record_id not in taken else f"{record_id}-{n}"


def _record_id(given: str | None, known, kind: str, taken, title: str) -> str:
    suggested = _scaffold().suggest_id(title, kind)
    if suggested and given is None and _interactive():
        suggested = _free_id(suggested, taken)  # offered as the default: one that is free
    if given is None and not _interactive():
        if not suggested:
            raise click.UsageError(f"无法从“{title}”生成标识，请用 --id 指定")
        click.echo(f"标识：{suggested}（由名称生成；可用 --id 指定）")
    return _value(
        given,
        "标识（用于文件名和网址：小写拼音、数字和连字符）",
        "--id",
        _new_id(known, kind, taken, title),
        default=suggested or None,
    )


def _known(content: str):
    return _scaffold().Known.read(_content_dir(content))


def _create(content: str, make, answers: _Answers | None = None) -> None:
    content_dir = _content_dir(content)
    try:
        known = _scaffold().Known.read(content_dir)
        draft = make(known)
        _scaffold().write(content_dir, draft)
    except _scaffold().ScaffoldError as exc:
        raise click.UsageError(str(exc) + _again(answers)) from None
    except FileExistsError:
        raise click.UsageError(f"{Path(content) / draft.rel} 已经存在，不会覆盖它" + _again(answers)) from None
    click.echo(f"已新建 {Path(content) / draft.rel}：按文件中的说明填写，然后运行 bulletin check")


def _again(answers: _Answers | None) -> str:
    if answers is None or not answers.given or not _interactive():
        return ""
    return f"\n已填的内容没有丢：改正后可以运行这条命令再试：\n  {answers.repeat()}"


CONTENT = click.option("--content", default="content", show_default=True, help="内容目录")
ID = click.option("--id", "record_id", default=None, help="标识（默认由名称生成拼音）")
SCOPE_QUESTION = "范围：写区（市）、街道、社区或小区的名称或标识，多个用逗号分隔；全站公告直接回车"


@new.command("notice")
@CONTENT
@ID
@click.option("--title", default=None, help="标题")
@click.option("--date", "day", default=None, help="发布日期 年-月-日（默认今天）")
@click.option("--category", default=None, help="类别：" + "、".join(NOTICE_CATEGORIES))
@click.option("--district", default=None, help="范围：区（市）的名称或标识")
@click.option("--streets", default=None, help="范围：街道的名称或标识，多个用逗号分隔")
@click.option("--communities", default=None, help="范围：社区的名称或标识，多个用逗号分隔")
@click.option("--compounds", default=None, help="范围：小区的名称或标识，多个用逗号分隔")
@click.option("--until", default=None, help="公示截止日期 年-月-日（公示期的最后一天）")
@click.option("--draft", is_flag=True, help="标为草稿（正式网站不发布）")
@_guard
def new_notice(content, record_id, title, day, category, district, streets, communities, compounds, until, draft):
    """新建公示公告：content/notices/<年份>/<标识>.md"""
    known = _known(content)
    answers = _Answers("notice")
    title = _value(title, "标题", "--title", _text)
    answers.note("--title", title)
    category = _value(
        category,
        "类别（" + "、".join(NOTICE_CATEGORIES) + "）",
        "--category",
        _choice(NOTICE_CATEGORIES, schema.NOTICE_CATEGORY_WORDS),
    )
    answers.note("--category", category)
    today = pipeline.today_in_shanghai()
    day = _value(day, "发布日期（年-月-日）", "--date", _date, default=str(today))
    answers.note("--date", str(day))
    if any(v is not None for v in (district, streets, communities, compounds)):
        scope = {
            "district": [_value(district, "", "--district", _ref(known, "district"))] if district else [],
            "street": _value(streets, "", "--streets", _refs(known, "street")) if streets else [],
            "community": _value(communities, "", "--communities", _refs(known, "community")) if communities else [],
            "compound": _value(compounds, "", "--compounds", _refs(known, "compound")) if compounds else [],
        }
    else:
        scope = _value(
            None, SCOPE_QUESTION, "--district/--streets/--communities/--compounds", _scope(known), required=False
        )
        scope = scope or {}
    for kind, option in (
        ("district", "--district"),
        ("street", "--streets"),
        ("community", "--communities"),
        ("compound", "--compounds"),
    ):
        answers.note(option, scope.get(kind))

    def until_date(value) -> date:
        end = _date(value)
        if end < day:
            raise click.BadParameter(f"公示截止日期 {end} 早于发布日期 {day}")
        return end

    asked = "公示期的最后一天（年-月-日）；还不知道可以直接回车，以后在文件里补上 until"
    if until is not None or (category == "公示" and _interactive()):
        until = _value(until, asked, "--until", until_date, required=False)
    answers.note("--until", until and str(until))
    record_id = _record_id(record_id, known, "notice", known.notices, title)
    answers.note("--id", record_id)
    if draft:
        answers.given.append(("--draft", ""))  # a flag: no value
    _create(
        content,
        lambda known: _scaffold().notice(
            known,
            title=title,
            day=day,
            category=category,
            record_id=record_id,
            district=(scope.get("district") or [None])[0],
            streets=scope.get("street", []),
            communities=scope.get("community", []),
            compounds=scope.get("compound", []),
            until=until,
            draft=draft,
        ),
        answers,
    )


@new.command("project")
@CONTENT
@ID
@click.option("--title", default=None, help="项目名称")
@click.option(
    "--category", default=None, help="类别：" + "、".join(f"{k}（{v}）" for k, v in PROJECT_CATEGORIES.items())
)
@click.option(
    "--status",
    default="planned",
    show_default=True,
    help="状态：" + "、".join(f"{k}（{v}）" for k, v in PROJECT_STATUSES.items()),
)
@click.option("--compounds", default=None, help="涉及小区的名称或标识，多个用逗号分隔")
@click.option("--communities", default=None, help="涉及社区的名称或标识，多个用逗号分隔")
@click.option("--company", default=None, help="实施企业的名称或标识")
@click.option("--unit", default=None, help="责任单位")
@_guard
def new_project(content, record_id, title, category, status, compounds, communities, company, unit):
    """新建项目：content/projects/<标识>.md"""
    known = _known(content)
    answers = _Answers("project")
    title = _value(title, "项目名称", "--title", _text)
    answers.note("--title", title)
    category = _value(
        category,
        "类别（" + "、".join(f"{k} {v}" for k, v in PROJECT_CATEGORIES.items()) + "）",
        "--category",
        _choice(PROJECT_CATEGORIES, schema.PROJECT_CATEGORY_WORDS),
    )
    answers.note("--category", category)
    status = _value(status, "状态", "--status", _choice(PROJECT_STATUSES, schema.PROJECT_STATUS_WORDS))
    if compounds is None and communities is None:
        compounds = _value(
            None, "涉及小区的名称或标识（多个用逗号分隔）", "--compounds 或 --communities", _refs(known, "compound")
        )
    else:
        compounds = _value(compounds, "", "--compounds", _refs(known, "compound")) if compounds else []
        communities = _value(communities, "", "--communities", _refs(known, "community")) if communities else []
    answers.note("--compounds", compounds)
    answers.note("--communities", communities)
    company = _value(company, "", "--company", _ref(known, "company")) if company else None
    answers.note("--company", company)
    record_id = _record_id(record_id, known, "project", known.projects, title)
    _create(
        content,
        lambda known: _scaffold().project(
            known,
            title=title,
            category=category,
            status=status,
            record_id=record_id,
            compounds=compounds or [],
            communities=communities or [],
            company=company,
            unit=unit,
        ),
        answers,
    )


@new.command("compound")
@CONTENT
@ID
@click.option("--name", default=None, help="小区名称")
@click.option("--community", default=None, help="所属社区的名称或标识")
@click.option(
    "--type",
    "type_",
    default=None,
    help="小区类型："
    + "、".join(f"{k} {v}" for k, v in COMPOUND_TYPES.items())
    + "；也可写 党建助管、社区督管、国企兜管",
)
@click.option("--company", default=None, help="物业服务企业的名称或标识（enterprise、state 型需要）")
@click.option("--households", default=None, help="户数")
@_guard
def new_compound(content, record_id, name, community, type_, company, households):
    """新建小区：content/compounds/<标识>.yaml"""
    known = _known(content)
    answers = _Answers("compound")
    name = _value(name, "小区名称", "--name", _text)
    answers.note("--name", name)
    community = _value(community, "所属社区的名称或标识", "--community", _ref(known, "community"))
    answers.note("--community", community)
    type_ = _value(
        type_,
        "类型（" + "、".join(f"{k} {v}" for k, v in COMPOUND_TYPES.items()) + "）",
        "--type",
        _choice(COMPOUND_TYPES, schema.COMPOUND_TYPE_WORDS),
    )
    answers.note("--type", type_)
    if type_ != "self":
        company = _value(company, "物业服务企业的名称或标识", "--company", _ref(known, "company"))
        answers.note("--company", company)
    elif company is not None:
        raise click.UsageError("居民自治型小区（self）不填物业服务企业，请去掉 --company")
    households = _value(households, "户数", "--households", _count)
    answers.note("--households", households)
    record_id = _record_id(record_id, known, "compound", known.compounds, name)
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
        answers,
    )


def _count(value) -> int:
    """A count as people write it (1200, 1,200户, １２００, 一千二百): one reading, so taken."""
    text = str(value).strip()
    number = int(text) if text.isascii() and text.isdigit() else None
    if number is None:
        written = schema.written_number(text, "户")
        if written is not None and written[0] == written[0].to_integral_value() and written[0] >= 0:
            number = int(written[0])
    if number is None:
        raise click.BadParameter(f"“{value}”不是户数：请写不带单位的整数，如 1200")
    return number


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
    known = _known(content)
    answers = _Answers("company")
    name = _value(name, "企业名称", "--name", _text)
    answers.note("--name", name)
    credit_code = _value(credit_code, "统一社会信用代码（18 位）", "--credit-code", _credit_code)
    answers.note("--credit-code", credit_code)
    state_owned = _value(
        state_owned, "是否国有企业（是/否）", "--state-owned 或 --not-state-owned", _yes_no, default="否"
    )
    party_organization = _value(
        party_organization,
        "是否建立党组织（是/否）",
        "--party-organization 或 --no-party-organization",
        _yes_no,
        default="否",
    )
    record_id = _record_id(record_id, known, "company", known.companies, name)
    _create(
        content,
        lambda known: _scaffold().company(
            known,
            name=name,
            credit_code=credit_code,
            state_owned=state_owned,
            party_organization=party_organization,
            record_id=record_id,
        ),
        answers,
    )


def _credit_code(value) -> str:
    from .domain import checksums

    code = unicodedata.normalize("NFKC", str(value)).strip().upper()
    problem = checksums.credit_code_problem(code)
    if problem:
        raise click.BadParameter(f"统一社会信用代码“{code}”有误：{problem}")
    return code


YES = {"是", "有", "y", "yes", "true", "1", "对"}
NO = {"否", "无", "没有", "n", "no", "false", "0", "不是"}


def _yes_no(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise click.BadParameter(f"“{value}”：请回答 是 或 否")


@new.command("community")
@CONTENT
@ID
@click.option("--name", default=None, help="社区名称")
@click.option("--street", default=None, help="所属街道的名称或标识")
@_guard
def new_community(content, record_id, name, street):
    """新建社区：content/communities/<标识>.yaml"""
    known = _known(content)
    answers = _Answers("community")
    name = _value(name, "社区名称", "--name", _text)
    answers.note("--name", name)
    street = _value(street, "所属街道的名称或标识", "--street", _ref(known, "street"))
    answers.note("--street", street)
    record_id = _record_id(record_id, known, "community", known.communities, name)
    _create(content, lambda known: _scaffold().community(known, name=name, street=street, record_id=record_id), answers)


def _period(value) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    half = re.fullmatch(r"(\d{4})\s*年?\s*(?:-?H([12])|(上|下)半年)", text)
    if not half:
        raise click.BadParameter(f"考评期“{value}”应写成 年份-H1（上半年）或 年份-H2（下半年），如 2026-H1")
    return f"{half[1]}-H{half[2] or ('1' if half[3] == '上' else '2')}"


@new.command("evaluation")
@CONTENT
@click.option("--district", default=None, help="区（市）的名称或标识")
@click.option("--period", default=None, help="考评期，如 2026-H1（也可写 2026年上半年）")
@click.option("--published", default=None, help="发布日期 年-月-日（默认今天）")
@_guard
def new_evaluation(content, district, period, published):
    """新建半年考评表：content/evaluations/<区>/<考评期>.yaml，每家在本区的企业一行，得分待填。"""
    known = _known(content)
    answers = _Answers("evaluation")
    district = _value(district, "区（市）的名称或标识", "--district", _ref(known, "district"))
    answers.note("--district", district)
    period = _value(period, "考评期（如 2026-H1）", "--period", _period)
    answers.note("--period", period)
    day = _value(published, "发布日期（年-月-日）", "--published", _date, default=str(pipeline.today_in_shanghai()))
    _create(
        content, lambda known: _scaffold().evaluation(known, district=district, period=period, published=day), answers
    )


@main.command()
@click.argument("query", required=False)
@CONTENT
@_guard
def ids(query: str | None, content: str) -> None:
    """按名称查标识：bulletin ids 鸢飞 → yuanfei  鸢飞社区  (社区)。不写名称时列出全部。"""
    known = _known(content)
    scaffold = _scaffold()
    if query:
        found = known.find(query)
        if not found:
            click.echo(f"没有找到名称或标识含“{query}”的区（市）、街道、社区、小区或物业服务企业")
            sys.exit(1)
    else:
        found = [(kind, i) for kind in scaffold.NAMED_KINDS for i in sorted(known.names.get(kind, {}))]
    width = max(len(i) for _, i in found)
    for kind, record_id in found:
        name = known.name(kind, record_id)
        click.echo(f"{record_id.ljust(width)}  {name}  ({scaffold.NAMED_KINDS[kind]})")


def _sheets():
    """`export`/`import`'s module, imported when used: openpyxl takes a while to import."""
    from .tools import sheets

    return sheets


@main.group()
def export() -> None:
    """导出表格（.xlsx）：在 Excel 或 WPS 中填写后用 bulletin import 导回。"""


def _exported(make) -> None:
    sheets = _sheets()
    try:
        path, rows = make(sheets)
    except sheets.SheetError as exc:
        click.echo(f"导出失败：{exc}", err=True)
        sys.exit(1)
    click.echo(f"已导出 {path}（{rows} 行）：在 Excel 或 WPS 中填写，保存后运行 bulletin import {path.name}")


@export.command("evaluation")
@click.option("--district", default=None, help="区（市）的名称或标识")
@click.option("--period", default=None, help="考评期，如 2026-H1（也可写 2026年下半年）")
@click.option("-o", "--output", "output", default=None, help="输出文件（默认：<区>-<考评期>.xlsx，在当前目录）")
@click.option("--content", default="content", show_default=True, help="内容目录")
@_guard
def export_evaluation(district: str | None, period: str | None, output: str | None, content: str) -> None:
    """导出半年考评得分录入表：每家在本区的企业一行，已有得分一并填入。"""
    content_dir = _content_dir(content)
    known = _known(content)
    district = _value(district, "区（市）的名称或标识", "--district", _ref(known, "district"))
    period = _value(period, "考评期（如 2026-H1）", "--period", _period)
    out = Path(output or f"{district}-{period}.xlsx")
    _exported(lambda sheets: sheets.export_evaluation(content_dir, district, period, out))


@export.command("compounds")
@click.option("--community", default=None, help="社区的名称或标识")
@click.option("-o", "--output", "output", default=None, help="输出文件（默认：<社区>.xlsx，在当前目录）")
@click.option("--content", default="content", show_default=True, help="内容目录")
@_guard
def export_compounds(community: str | None, output: str | None, content: str) -> None:
    """导出社区的小区信息表：户数、类型、物业企业、业主组织、近两年的收缴率和投诉量。"""
    content_dir = _content_dir(content)
    community = _value(community, "社区的名称或标识", "--community", _ref(_known(content), "community"))
    out = Path(output or f"{community}.xlsx")
    _exported(lambda sheets: sheets.export_compounds(content_dir, community, out))


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--content", default="content", show_default=True, help="内容目录")
@click.option("--force", is_flag=True, help="文件已存在且与表格不同时，按表格改写（先不加此项运行一次，看清要改什么）")
@click.option("--published", type=DATE, default=None, help="考评的发布日期 YYYY-MM-DD（新文件默认今天）")
@_guard
def import_(file: str, content: str, force: bool, published) -> None:
    """导入填好的表格（.xlsx 或 .csv）：写入考评得分，或更新小区信息。"""
    content_dir = _content_dir(content)
    sheets = _sheets()
    try:
        outcome = sheets.import_table(
            content_dir, content, Path(file), force=force, published=published.date() if published else None
        )
    except sheets.SheetError as exc:
        click.echo(f"导入失败：{exc}", err=True)
        sys.exit(1)
    for note in outcome.notes:
        click.echo(f"说明：{note}")
    if outcome.problems:
        _emit(outcome.problems, err=False)
        errors, _ = _counts(outcome.problems)
        click.echo(f"导入未完成：{errors} 个错误；没有写入任何文件，改好表格后再导入")
        sys.exit(1)
    for change in outcome.changes:
        click.echo(f"  {change}")
    if outcome.refused:
        click.echo(
            f"{'、'.join(outcome.refused)} 与表格不同（共 {len(outcome.changes)} 处，见上）；没有写入。"
            "核对无误后加 --force 再导入一次"
        )
        sys.exit(1)
    if outcome.written:
        click.echo(
            f"已写入 {'、'.join(outcome.written)}（{outcome.target}）；可以运行 bulletin check 和 bulletin build"
        )
    else:
        click.echo(f"没有变化：{outcome.target}与表格一致，文件保持原样")


@main.command()
@click.argument("server", type=clitext.ChoiceType(["netlify", "nginx", "caddy"]))
@click.option("--root", default=DEFAULT_ROOT, show_default=True, help="服务器上网站文件夹（site/ 的副本）的绝对路径")
@click.option(
    "--domain", default=DEFAULT_DOMAIN, show_default=True, help="网站域名（nginx 的 server_name、Caddy 的站点地址）"
)
@click.option(
    "--hsts",
    is_flag=True,
    help="加上 Strict-Transport-Security（一年），浏览器此后只用 HTTPS 访问；确定长期使用 HTTPS 后再加",
)
@_guard
def hosting(server: str, root: str, domain: str, hsts: bool) -> None:
    """打印网站服务器的配置：安全响应头、缓存、404 页面、网址补斜杠、文件类型（netlify、nginx 或 caddy）。"""
    from .tools import hosting as servers

    if not servers.ROOT_RE.match(root):
        raise click.UsageError(f"--root 应为以 / 开头的绝对路径，只含字母、数字、汉字和 . _ - /：“{root[:80]}”")
    if not servers.DOMAIN_RE.match(domain):
        raise click.UsageError(f"--domain 应为域名，如 gongshi.example.gov.cn（不带 http:// 和路径）：“{domain[:80]}”")
    if hsts and server == "netlify":
        raise click.UsageError("Netlify 在 HTTPS 上自己发送 Strict-Transport-Security，不需要 --hsts")
    click.echo(servers.render(server, root, domain, hsts), nl=False)
