"""The GitHub workflows: a content-only pull request gets check + build + link check, anything else
the whole suite; builds keep what they built (actions/cache) and read full git history.

The workflows are parsed (pyyaml) and held to what matters: which job runs for which change (and
`.ci/changes`, which decides, run on scripted repositories), full history wherever a build runs,
cache paths and keys (bulletin's version and code, the templates, the Node packages, the
options), no browser or test extras in the quick job, and its commands being the README's. The
link check (`generator/tools/linkcheck.py`) runs on a built site and on a hand-made one.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.tools import linkcheck
from test_commands import readme_commands

from conftest import REPO, TODAY, cli, write_tree

WORKFLOWS = REPO / ".github" / "workflows"
CACHE_INPUTS = "hashFiles('pyproject.toml', 'generator/**', 'templates/**', 'package-lock.json')"


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def triggers(flow: dict) -> dict:
    return flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as true


def runs(job: dict) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def uses(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


# --- which job runs ------------------------------------------------------------------------------


def test_the_quick_job_runs_for_content_only_and_the_suite_for_everything_else():
    flow = workflow("check.yml")
    assert set(triggers(flow)) == {"pull_request", "push"}
    jobs = flow["jobs"]
    assert jobs["content"]["needs"] == "changes" and jobs["check"]["needs"] == "changes"
    assert jobs["content"]["if"] == "needs.changes.outputs.quick == 'true'"
    assert jobs["check"]["if"] == "needs.changes.outputs.suite == 'true'"
    decide = jobs["changes"]["steps"][-1]["run"]
    # a pull request: `.ci/changes` on its merge commit; a push to main: both jobs
    assert '"$(.ci/changes HEAD^1)" = content' in decide
    branches = [b.strip() for b in decide.split("\n") if "GITHUB_OUTPUT" in b]
    assert branches == [
        'echo "suite=true" >> "$GITHUB_OUTPUT"; echo "quick=true" >> "$GITHUB_OUTPUT"',  # push
        'echo "suite=false" >> "$GITHUB_OUTPUT"; echo "quick=true" >> "$GITHUB_OUTPUT"',  # content only
        'echo "suite=true" >> "$GITHUB_OUTPUT"; echo "quick=false" >> "$GITHUB_OUTPUT"',  # anything else
    ]
    assert jobs["changes"]["outputs"] == {
        "suite": "${{ steps.which.outputs.suite }}",
        "quick": "${{ steps.which.outputs.quick }}",
    }


def _git(repo: Path, *args: str) -> str:
    who = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env = {**os.environ, **who, "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    """main, and one branch per kind of pull request, each merged as GitHub's merge ref is."""
    repo = tmp_path_factory.mktemp("repo")
    _git(repo, "init", "-q", "-b", "main")
    write_tree(repo, {"content/site.yaml": "title: x\n", "generator/a.py": "a = 1\n", "README.md": "x\n"})
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "start")
    changes = {
        "content": {"content/notices/2026/a.md": "新公告\n", "content/attachments/2026/公示.pdf": "%PDF\n"},
        "code": {"generator/a.py": "a = 2\n"},
        "both": {"content/notices/2026/b.md": "x\n", "templates/base.html": "<p></p>\n"},
        "docs": {"README.md": "y\n"},
    }
    for branch, files in changes.items():
        _git(repo, "checkout", "-q", "-b", branch, "main")
        write_tree(repo, files)
        _git(repo, "add", ".")
        _git(repo, "commit", "-q", "-m", branch)
    _git(repo, "checkout", "-q", "-b", "rename", "main")
    _git(repo, "mv", "content/site.yaml", "site.yaml")
    _git(repo, "commit", "-q", "-m", "rename")
    _git(repo, "checkout", "-q", "main")
    write_tree(repo, {"generator/b.py": "b = 1\n"})  # main moved on with code
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "main moves")
    return repo


@pytest.mark.parametrize(
    ("branch", "expected"),
    [("content", "content"), ("code", "code"), ("both", "code"), ("docs", "code"), ("rename", "code")],
)
def test_ci_changes_tells_content_only_from_the_rest(history, branch, expected):
    _git(history, "checkout", "-q", "--detach", "main")
    _git(history, "merge", "-q", "--no-ff", "--no-edit", branch)  # GitHub's refs/pull/N/merge
    try:
        decided = subprocess.run(
            [str(REPO / ".ci/changes"), "HEAD^1"], cwd=history, capture_output=True, text=True, check=True
        )
        assert decided.stdout.strip() == expected
    finally:
        _git(history, "checkout", "-q", "main")


def test_ci_changes_calls_an_empty_change_code(history):
    run = subprocess.run([str(REPO / ".ci/changes"), "HEAD"], cwd=history, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "code"


# --- the quick job -------------------------------------------------------------------------------


def test_the_quick_job_is_the_readmes_build_then_check_build_and_link_check():
    job = workflow("check.yml")["jobs"]["content"]
    assert "container" not in job and job["runs-on"] == "ubuntu-latest"
    commands = runs(job)
    build, _ = readme_commands()
    install = build.removesuffix(" && bulletin build")
    assert install != build and "npm ci --omit=dev" in install
    assert commands == [
        install,  # the README's first command, with the cache restored before its build
        "bulletin check --format github",
        "bulletin build",
        "python -m generator.tools.linkcheck --format github",
    ]
    text = " ".join(commands)
    for slow in ("chromium", "[test]", "pytest", "apt-get", "--prefix admin", "npm ci &&"):
        assert slow not in text
    assert job["timeout-minutes"] <= 10


def test_the_quick_job_caches_pip_npm_and_the_previous_build():
    job = workflow("check.yml")["jobs"]["content"]
    python = uses(job, "actions/setup-python")[0]["with"]
    assert python["cache"] == "pip" and python["cache-dependency-path"] == "pyproject.toml"
    node = uses(job, "actions/setup-node")[0]["with"]
    assert node["cache"] == "npm" and node["node-version"] == "20"
    (cache,) = uses(job, "actions/cache")
    _assert_build_cache(cache["with"], "public")
    names = [step.get("name", step.get("uses")) for step in job["steps"]]
    assert names.index("Restore the previous build") < names.index("Build the site")


def _assert_build_cache(spec: dict, options: str) -> None:
    assert spec["path"].split() == [".bulletin-cache", "site"]
    prefix = f"bulletin-site-${{{{ {CACHE_INPUTS} }}}}-{options}-"
    assert spec["key"].startswith(prefix + "${{ github.sha }}")  # each run saves its own
    assert spec["restore-keys"].strip() == prefix  # and restores the newest with the same inputs


def test_every_job_that_builds_reads_full_history():
    jobs = {**workflow("check.yml")["jobs"], **workflow("scheduled-rebuild.yml")["jobs"]}
    building = {name for name, job in jobs.items() if any("bulletin build" in r or ".ci/run" in r for r in runs(job))}
    assert building == {"content", "check", "audit"}
    for name in building:
        (checkout,) = uses(jobs[name], "actions/checkout")
        assert checkout["with"]["fetch-depth"] == 0, name


# --- the suite and the daily rebuild -------------------------------------------------------------


def test_the_suite_runs_ci_run_which_is_the_readmes_test_command():
    job = workflow("check.yml")["jobs"]["check"]
    commands = runs(job)
    assert commands[-1].endswith(".ci/run")
    _, test = readme_commands()
    assert (REPO / ".ci/run").read_text(encoding="utf-8").strip().splitlines()[-1] == test
    assert "npm ci --prefix admin" in test  # the web editor's tests need Decap
    assert "bulletin check --format github" in commands


def test_the_daily_audit_restores_and_saves_its_build():
    job = workflow("scheduled-rebuild.yml")["jobs"]["audit"]
    (cache,) = uses(job, "actions/cache")
    _assert_build_cache(cache["with"], "nosearch")  # its builds have no search index: other options
    assert cache["with"]["key"].endswith("${{ github.run_id }}")  # a day without commits saves too
    assert uses(job, "actions/setup-python")[0]["with"]["cache"] == "pip"
    build = next(step for step in job["steps"] if step.get("run") == "bulletin build")
    assert build["env"]["BULLETIN_PAGEFIND"] == "off"


def test_cache_keys_name_every_input_of_a_build_but_the_content():
    for name in ("check.yml", "scheduled-rebuild.yml"):
        text = (WORKFLOWS / name).read_text(encoding="utf-8")
        keys = re.findall(r"hashFiles\([^)]*\)", text)
        assert keys and set(keys) == {CACHE_INPUTS}, name


# --- the link check ------------------------------------------------------------------------------


def test_link_check_passes_a_built_site_and_names_each_broken_link(project, monkeypatch, capsys):
    monkeypatch.setenv("BULLETIN_PAGEFIND", "off")
    assert cli("build", "--today", TODAY).exit_code == 0
    assert linkcheck.main([]) == 0
    assert "链接检查通过" in capsys.readouterr().out

    page = next(p for p in sorted((project / "site/compounds").glob("*/index.html")))
    page.unlink()
    assert linkcheck.main(["--format", "github"]) == 1
    out = capsys.readouterr().out
    target = "/" + page.parent.relative_to(project / "site").as_posix() + "/"
    assert re.search(rf"^::error file=site/[^,]+,line=\d+,col=\d+.*链接不可用：{re.escape(target)} 打不开", out, re.M)
    assert "链接检查未通过" in out


def test_link_check_reads_attachments_and_absolute_links_under_base_url(tmp_path):
    site = write_tree(
        tmp_path / "site",
        {
            "index.html": (
                '<a href="/attachments/empty.pdf">a</a>\n<a href="/attachments/ok.pdf">b</a>\n'
                '<a href="https://bulletin.example.org/gone/">c</a>\n<a href="https://elsewhere.example/x">d</a>\n'
                '<a href="mailto:a@example.org">e</a>\n<a href="notices/">f</a>\n'
            ),
            "attachments/empty.pdf": "",
            "attachments/ok.pdf": "%PDF\n",
            "notices/index.html": '<a href="../">home</a>\n',
        },
    )
    result = linkcheck.check(site, "site", "https://bulletin.example.org/")
    assert [(p.severity, p.loc.line, p.message.split("：")[0]) for p in result.problems] == [
        ("error", 1, "附件无法下载"),
        ("error", 3, "链接不可用"),
    ]
    assert result.links == 5  # the other site and mailto: are not this site's
    write_tree(tmp_path / "content", {"site.yaml": "title: x\nbase_url: https://bulletin.example.org/\n"})
    assert linkcheck.base_url(tmp_path / "content") == "https://bulletin.example.org/"
    assert linkcheck.base_url(tmp_path / "nowhere") == ""


def test_link_check_without_a_site_is_a_usage_error(tmp_path, capsys):
    assert linkcheck.main(["--site", str(tmp_path / "none")]) == 2
    assert "先运行 bulletin build" in capsys.readouterr().err


def test_link_check_answers_a_mistyped_command_line_in_chinese(tmp_path):
    """What CI prints when the workflow's command line is wrong is read by the office, too."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for args, said in (
        (["--sit", "site"], "没有选项“--sit”"),
        (["--format", "xml"], "“xml”不是可选值；可选：text、github"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "generator.tools.linkcheck", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert run.returncode == 2, run
        assert said in run.stderr and "用法" in run.stderr
        assert not re.search(r"usage:|error:|invalid choice|unrecognized", run.stderr, re.I), run.stderr
        assert "Traceback" not in run.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "generator.tools.linkcheck", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert helped.returncode == 0 and "检查已生成网站的站内链接和附件" in helped.stdout
    assert "[选项]" in helped.stdout and "options" not in helped.stdout.lower()
