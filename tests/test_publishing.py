"""Publish on merge: netlify.toml, the pull-request check, the daily rebuild, and the 预览 banner
of deploy previews."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta, timezone

import yaml

from conftest import REPO, TODAY, cli

NETLIFY = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
WORKFLOWS = REPO / ".github" / "workflows"


def test_netlify_builds_and_publishes_the_site():
    build = NETLIFY["build"]
    assert build["publish"] == "site"
    assert "python -m pip install ." in build["command"] and "bulletin build" in build["command"]
    assert "--preview" not in build["command"]
    environment = NETLIFY["build"]["environment"]
    assert environment["PYTHON_VERSION"] == "3.11"
    assert environment["BULLETIN_ADMIN"] == "1"  # the web editor, as `--admin`
    assert environment["NODE_ENV"] == "production"  # Netlify's own npm install skips devDependencies
    for context in ("deploy-preview", "branch-deploy"):
        assert NETLIFY["context"][context]["environment"]["BULLETIN_PREVIEW"] == "1"  # as `--preview`


def test_pull_requests_are_checked_with_annotations_and_tests():
    flow = yaml.safe_load((WORKFLOWS / "check.yml").read_text(encoding="utf-8"))
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as true
    assert "pull_request" in triggers
    for job in ("check", "content"):  # the whole suite, or the quick job of a content-only change
        steps = [s.get("run", "") for s in flow["jobs"][job]["steps"]]
        assert any("bulletin check --format github" in s for s in steps), job
    suite = [s.get("run", "") for s in flow["jobs"]["check"]["steps"]]
    assert any(s.endswith(".ci/run") for s in suite)  # .ci/run ends with the README's `python -m pytest`
    assert (REPO / ".ci/run").read_text(encoding="utf-8").rstrip().endswith("python -m pytest")


def test_daily_rebuild_runs_just_after_midnight_in_shanghai():
    flow = yaml.safe_load((WORKFLOWS / "scheduled-rebuild.yml").read_text(encoding="utf-8"))
    triggers = flow[True] if True in flow else flow["on"]
    minute, hour, *rest = triggers["schedule"][0]["cron"].split()
    assert rest == ["*", "*", "*"]
    utc = datetime(2026, 11, 27, int(hour), int(minute), tzinfo=UTC)
    shanghai = utc.astimezone(timezone(timedelta(hours=8)))
    assert (shanghai.hour, shanghai.minute) == (0, 5)
    assert "NETLIFY_BUILD_HOOK" in (WORKFLOWS / "scheduled-rebuild.yml").read_text(encoding="utf-8")


def test_preview_builds_show_drafts_and_a_banner(project, monkeypatch):
    run = cli("build", "--today", TODAY, "--preview")
    assert run.exit_code == 0, run.output
    site = project / "site"
    draft = (site / "notices/caogao/index.html").read_text(encoding="utf-8")
    assert "草稿" in draft
    for page in site.rglob("*.html"):
        assert 'class="preview-banner"' in page.read_text(encoding="utf-8"), page

    monkeypatch.setenv("BULLETIN_PREVIEW", "1")
    assert cli("build", "--today", TODAY).exit_code == 0
    assert 'class="preview-banner"' in (site / "index.html").read_text(encoding="utf-8")


def test_published_builds_have_no_banner(project):
    assert cli("build", "--today", TODAY, "--drafts").exit_code == 0
    for page in (project / "site").rglob("*.html"):
        assert "preview-banner" not in page.read_text(encoding="utf-8"), page
