"""The built site's internal links and attachments, alone: the link check of a content-only pull request.

`python -m generator.tools.linkcheck [--site site] [--content content] [--format text|github]` (a click command, its usage errors in Chinese through `clitext`, as `bulletin`'s)

`bulletin audit` checks every internal `href`/`src`/`action` of every built page (its 可用性
indicator: the target is a built file, `/x/` is `x/index.html`, an attachment is not empty) among
the national inspection's other indicators, and counts a broken link as a deduction (exit 0). The
pull-request check of a content-only change (`.github/workflows/check.yml`) wants exactly that
check and nothing else — a home page not updated for two weeks is the office's business, not a
reason to refuse an edit — and wants it to fail. `check(site_dir, site_arg, base_url)` runs the
audit's own link check (`audit._links`, so the two can never disagree) and returns its findings
as errors; the command prints them (`--format github`: annotations) and exits 1 when there is
any. `base_url` (an absolute link under it is internal too) is read from `site.yaml`.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from ..content.errors import Problem, Problems
from . import audit, clitext

PREFIX = f"{audit.DEDUCTION}："


@dataclasses.dataclass(frozen=True)
class Result:
    problems: list[Problem]
    pages: int
    links: int


def check(site_dir: Path, site_arg: str, base_url: str, content_arg: str = "content") -> Result:
    """Every broken internal link or attachment of the built site in `site_dir`, as an error."""
    pages = audit._read_pages(site_dir)
    found = Problems()
    links = audit._links(site_dir, pages, base_url, audit._Where(site_arg, content_arg), found)
    problems = [
        dataclasses.replace(p, severity="error", message=p.message.removeprefix(PREFIX)) for p in found.sorted()
    ]
    return Result(problems, len(pages), links)


def base_url(content: Path) -> str:
    """`base_url` of the bulletin's `site.yaml` ("" when it has none)."""
    import yaml

    try:
        data = yaml.safe_load((content / "site.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return ""
    value = data.get("base_url") if isinstance(data, dict) else None
    return value if isinstance(value, str) else ""


PROG = "python -m generator.tools.linkcheck"


@click.command(help="检查已生成网站的站内链接和附件", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--site", "site_arg", default="site", metavar="目录", help="已生成的网站目录（默认 site）")
@click.option(
    "--content",
    "content_arg",
    default="content",
    metavar="目录",
    help="内容目录（读取 site.yaml 的 base_url；默认 content）",
)
@click.option(
    "--format", "fmt", type=clitext.ChoiceType(["text", "github"]), default="text", help="输出格式：text 或 github"
)
def command(site_arg: str, content_arg: str, fmt: str) -> int:
    site_dir = Path(site_arg)
    if not (site_dir / "index.html").is_file():
        print(f"找不到已生成的网站“{site_arg}”（先运行 bulletin build，或用 --site 指定）", file=sys.stderr)
        return 2
    result = check(site_dir, site_arg, base_url(Path(content_arg)), content_arg)
    for p in result.problems:
        print(p.github() if fmt == "github" else p.format())
    verdict = f"链接检查未通过：{len(result.problems)} 处链接或附件打不开" if result.problems else "链接检查通过"
    print(f"{verdict}（检查了 {result.pages} 个页面、{result.links} 个站内链接）")
    return 1 if result.problems else 0


def main(argv: list[str] | None = None) -> int:
    """The command, as `python -m generator.tools.linkcheck` runs it: its exit status (2 for a
    usage error, answered in Chinese like `bulletin`'s own: click's words from `clitext`)."""
    clitext.install()
    clitext.localise(command)
    try:
        status = command.main(args=argv, prog_name=PROG, standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        return 1
    return status if isinstance(status, int) else 0  # --help: click printed it (and returned its Exit's 0)


if __name__ == "__main__":
    sys.exit(main())
