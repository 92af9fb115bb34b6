"""The web editor at /admin/: its Decap CMS configuration follows the content model, it is
self-hosted and built only on request, its relaxed CSP stays under /admin/, and — in headless
Chromium against Decap's local backend (`decap-server` in git mode, which behaves like the github
backend's editorial workflow: a save is a branch, publishing merges it) — an editor can create a
notice and a half-year's scores through the UI, and the files that land pass `bulletin check`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.content import schema
from generator.tools.admin import PLACEHOLDER_REPO, active_companies

import netlify_headers
from browserkit import CHROMIUM_ARGS, chromium_path
from conftest import REPO, TODAY, cli

DECAP_DIST = REPO / "admin" / "node_modules" / "decap-cms" / "dist"  # npm ci --prefix admin
DECAP_SERVER = REPO / "node_modules" / "decap-server" / "dist" / "index.js"
WAIT = 60


def build_admin(project: Path, monkeypatch, **env: str):
    monkeypatch.setenv("BULLETIN_DECAP_DIST", str(_fake_decap(project) if not DECAP_DIST.is_dir() else DECAP_DIST))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    run = cli("build", "--today", TODAY, "--admin")
    assert run.exit_code == 0, run.output
    return yaml.safe_load((project / "site/admin/config.yml").read_text(encoding="utf-8"))


def _fake_decap(project: Path) -> Path:
    """A stand-in dist folder for the configuration tests when node_modules is absent."""
    dist = project / "fake-decap"
    dist.mkdir(exist_ok=True)
    (dist / "decap-cms.js").write_text("/* stand-in */\n", encoding="utf-8")
    (dist / "7.decap-cms.js").write_text("/* chunk */\n", encoding="utf-8")
    (dist / "decap-cms.js.map").write_text("{}", encoding="utf-8")
    return dist


def collection(cfg: dict, name: str) -> dict:
    return next(c for c in cfg["collections"] if c["name"] == name)


def fields(coll: dict) -> dict[str, dict]:
    return {f["name"]: f for f in coll["fields"]}


def test_admin_is_built_only_on_request(project):
    assert cli("build", "--today", TODAY).exit_code == 0
    assert not (project / "site/admin").exists()
    for page in (project / "site").rglob("*.html"):
        assert "/admin" not in page.read_text(encoding="utf-8"), page  # public pages never load Decap


def test_admin_can_be_asked_for_by_the_environment(project, monkeypatch):
    """Netlify sets BULLETIN_ADMIN=1 so that its build command stays the README's."""
    monkeypatch.setenv("BULLETIN_DECAP_DIST", str(DECAP_DIST if DECAP_DIST.is_dir() else _fake_decap(project)))
    monkeypatch.setenv("BULLETIN_ADMIN", "1")
    assert cli("build", "--today", TODAY).exit_code == 0
    assert (project / "site/admin/config.yml").is_file()


def test_admin_without_decap_files_is_a_usage_error(project, monkeypatch):
    monkeypatch.setenv("BULLETIN_DECAP_DIST", str(project / "nowhere"))
    run = cli("build", "--today", TODAY, "--admin")
    assert run.exit_code == 2 and "npm ci --prefix admin" in run.output
    assert not (project / "site").exists()


def test_admin_files_are_self_hosted(project, monkeypatch):
    build_admin(project, monkeypatch)
    admin = project / "site/admin"
    index = (admin / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<script src="([^"]+)"', index) == ["/admin/decap-cms.js"]
    assert "http" not in index.split("<body>")[1]  # nothing from a CDN
    assert (admin / "decap-cms.js").is_file()
    chunks = [p.name for p in admin.glob("*.decap-cms.js")]
    assert chunks, "Decap's lazily loaded chunks must be published beside it"
    assert not list(admin.glob("*.map"))


def test_config_follows_the_content_model(project, monkeypatch):
    cfg = build_admin(project, monkeypatch)
    assert cfg["backend"] == {"name": "github", "repo": PLACEHOLDER_REPO, "branch": "main"}
    assert cfg["local_backend"] is True
    assert cfg["publish_mode"] == "editorial_workflow"  # each save a pull request; publishing merges
    assert cfg["locale"] == "zh_Hans"
    text = (project / "site/admin/config.yml").read_text(encoding="utf-8")
    assert "占位" in text and "BULLETIN_ADMIN_REPO" in text  # the placeholder is marked as one

    expected = {
        "notices": ("content/notices", "md", "yaml-frontmatter", schema.NOTICE),
        "projects": ("content/projects", "md", "yaml-frontmatter", schema.PROJECT),
        "communities": ("content/communities", "yaml", "yaml", schema.COMMUNITY),
        "compounds": ("content/compounds", "yaml", "yaml", schema.COMPOUND),
        "companies": ("content/companies", "yaml", "yaml", schema.COMPANY),
    }
    for name, (folder, ext, fmt, table) in expected.items():
        coll = collection(cfg, name)
        assert (coll["folder"], coll["extension"], coll["format"]) == (folder, ext, fmt), name
        got = fields(coll)
        for field_name, field in table.table.items():
            if isinstance(field.spec, schema.MapOf):
                assert field_name not in got  # year maps have no widget; Decap keeps them as written
                continue
            assert got[field_name]["required"] == field.required, (name, field_name)
            assert re.search(r"[\u4e00-\u9fff]", got[field_name]["label"]), (name, field_name)
        assert set(got) - set(table.table) <= {"body"}, name
    notices = collection(cfg, "notices")
    assert notices["path"] == "{{year}}/{{slug}}" and notices["create"] is True
    assert collection(cfg, "compounds")["create"] is False  # new ones get pinyin ids from bulletin new

    notice = fields(notices)
    assert notice["category"]["widget"] == "select"
    assert [o["value"] for o in notice["category"]["options"]] == list(schema.NOTICE.table["category"].spec.choices)
    assert notice["date"]["widget"] == "datetime" and notice["date"]["format"] == "YYYY-MM-DD"
    assert {
        "widget": "relation",
        "collection": "compounds",
        "value_field": "{{slug}}",
        "multiple": True,
    }.items() <= notice["compounds"].items()
    assert notice["streets"]["value_field"] == "districts.*.streets.*.id"
    assert notice["body"]["widget"] == "markdown"
    compound = fields(collection(cfg, "compounds"))
    assert {o["label"] for o in compound["type"]["options"]} == {
        "物业服务企业管理型",
        "居民自治型",
        "无物业（国企兜管）",
    }
    assert compound["households"]["value_type"] == "int"
    assert compound["owners_body"]["widget"] == "object"
    assert compound["demonstration"]["field"]["value_type"] == "int"

    evaluations = collection(cfg, "evaluations-gx")
    by_name = {f["name"]: f for f in evaluations["files"]}
    assert set(by_name) == {"2025-H1", "2025-H2", "2026-H1", "2026-H2"}  # existing, plus current and previous
    assert by_name["2026-H2"]["label"].endswith("（新建）") and "（新建）" not in by_name["2025-H2"]["label"]
    assert by_name["2025-H2"]["file"] == "content/evaluations/gx/2025-H2.yaml"
    row = fields(by_name["2026-H2"]["fields"][2])
    assert set(row) == {"company", "authority", "street", "owners", "note"}
    assert row["owners"]["max"] == 40 and row["owners"]["step"] == 0.01
    assert [o["value"] for o in by_name["2026-H2"]["fields"][0]["options"]] == ["2026-H2"]
    assert "阿尔法物业服务有限公司" in by_name["2026-H2"]["fields"][2]["hint"]


def test_repository_and_local_backend_come_from_the_environment(project, monkeypatch):
    cfg = build_admin(
        project,
        monkeypatch,
        BULLETIN_ADMIN_REPO="weifang/bulletin",
        BULLETIN_ADMIN_BRANCH="publish",
        BULLETIN_ADMIN_LOCAL_BACKEND="http://127.0.0.1:9999/api/v1",
    )
    assert cfg["backend"] == {"name": "github", "repo": "weifang/bulletin", "branch": "publish"}
    assert cfg["local_backend"] == {"url": "http://127.0.0.1:9999/api/v1"}
    assert "占位" not in (project / "site/admin/config.yml").read_text(encoding="utf-8")


def test_active_companies_agree_with_bulletin_new(project):
    """The web editor's hint and `bulletin new evaluation` name the same companies."""
    from generator.content.errors import Problems
    from generator.content.load import load
    from generator.content.validate import validate
    from generator.tools.scaffold import Known
    from generator.tools.scaffold import active_companies as scaffold_active

    content = project / "content"
    (content / "companies/delta.yaml").write_text(
        "name: 德尔塔物业\ncredit_code: 91370700MA3C00004R\nstate_owned: false\nparty_organization: false\n",
        encoding="utf-8",
    )
    (content / "compounds/delta-yuan.yaml").write_text(
        "name: 德尔塔苑\ncommunity: zy\ntype: enterprise\ncompany: delta\nhouseholds: 10\n", encoding="utf-8"
    )
    site = validate(load(content, "content", Problems()), Problems(), date(2026, 11, 27))
    assert active_companies(site, "gx") == ["alpha", "beta", "delta", "guoqi"]
    assert scaffold_active(Known.read(content), "gx") == active_companies(site, "gx")


def test_admin_csp_is_relaxed_only_under_admin():
    public = netlify_headers.headers_for("/notices/x/")["Content-Security-Policy"]
    admin = netlify_headers.headers_for("/admin/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in public and "'unsafe-eval'" not in public
    assert "script-src 'self'" in public and "frame-ancestors 'none'" in public
    assert "style-src 'self' 'unsafe-inline'" in admin and "https://api.github.com" in admin
    assert "'unsafe-eval'" in admin  # Decap's config validation (Ajv) compiles with new Function
    assert netlify_headers.headers_for("/static/style.abc.css")["Cache-Control"].endswith("immutable")
    assert netlify_headers.headers_for("/admin/config.yml")["Content-Type"].startswith("text/yaml")


# --- the real editor in a real browser ------------------------------------------------------------


def _require_browser_tools() -> None:
    """Fail (never skip) when the README's test command was not run: `npm ci --prefix admin` brings
    decap-cms, `npm ci` decap-server, `.ci/run` Chromium."""
    if not DECAP_DIST.joinpath("decap-cms.js").is_file() or not DECAP_SERVER.is_file():
        pytest.fail("decap-cms or decap-server is not installed (run npm ci && npm ci --prefix admin)")
    if shutil.which("node") is None:
        pytest.fail("node is not installed")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


GIT_ENV = {
    "GIT_AUTHOR_NAME": "测试编辑",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "测试编辑",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
}


def git(project: Path, *args: str) -> str:
    env = dict(os.environ, **GIT_ENV)
    return subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def decap_server(project):
    """decap-server in git mode over the project made a repository: like the github backend, each
    save is a branch (a pull request on GitHub) and publishing merges it into main."""
    _require_browser_tools()
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "content")
    git(project, "commit", "-q", "-m", "content")
    port = _free_port()
    env = dict(
        os.environ,
        PORT=str(port),
        BIND_HOST="127.0.0.1",
        MODE="git",
        GIT_REPO_DIRECTORY=str(project),
        LOG_LEVEL="error",
        **GIT_ENV,
    )
    proc = subprocess.Popen(["node", str(DECAP_SERVER)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api/v1"
    deadline = time.monotonic() + WAIT
    while True:
        try:
            _post(url, {"action": "info"})
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError("decap-server did not start") from None
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=WAIT)


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + WAIT
    while not path.is_file():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} was never written")
        time.sleep(0.1)
    time.sleep(0.2)  # let the merge finish writing
    return path.read_text(encoding="utf-8")


def _save_and_publish(page) -> None:
    """The editorial workflow: save (a branch / pull request), mark it ready, publish (merge)."""
    page.get_by_role("button", name="保存").click()
    page.get_by_text("状态: 草稿").wait_for()
    page.get_by_text("状态: 草稿").click()
    page.get_by_role("menuitem", name="就绪").click()
    page.get_by_text("状态: 就绪").wait_for()
    page.get_by_text("发布", exact=True).click()
    page.get_by_role("menuitem", name="立即发布").click()  # confirmed by the dialog handler


def test_an_editor_creates_a_notice_and_scores_in_the_browser(project, monkeypatch, decap_server, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    # the site is served from outside the repository: decap-server's git mode checks branches
    # out in the working tree and would sweep away untracked files
    served = tmp_path_factory.mktemp("served")
    monkeypatch.setenv("BULLETIN_DECAP_DIST", str(DECAP_DIST))
    monkeypatch.setenv("BULLETIN_ADMIN_LOCAL_BACKEND", decap_server)
    run = cli("build", "--today", TODAY, "--admin", "--out", str(served))
    assert run.exit_code == 0, run.output
    httpd, base = netlify_headers.serve(served)
    csp_violations: list[str] = []
    notice_path = project / "content/notices/2026/2026-11-20.md"
    scores_path = project / "content/evaluations/gx/2026-H2.yaml"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            context = browser.new_context(
                timezone_id="Asia/Shanghai", locale="zh-CN", viewport={"width": 1280, "height": 1400}
            )
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            page.on(
                "console",
                lambda m: (
                    csp_violations.append(m.text)
                    if "Content Security Policy" in m.text or "Refused to" in m.text
                    else None
                ),
            )
            page.goto(base + "/admin/")
            page.get_by_role("button", name="登录").click()
            page.get_by_text("公示公告").first.wait_for()

            # a notice, as an editor makes it: title, date, category, one compound, a body
            page.goto(base + "/admin/#/collections/notices/new")
            page.get_by_label("标题", exact=True).fill("兰亭苑停水通知")
            page.get_by_label("发布日期", exact=True).fill("2026-11-20")
            page.get_by_label("类别", exact=True).click()
            page.get_by_role("option", name="通知", exact=True).click()
            page.get_by_label("范围：小区 (可选)").click()
            page.get_by_role("option", name="兰亭苑").click()
            page.get_by_label("公示截止日期 (可选)").fill("2026-11-22")
            page.locator("[contenteditable=true]").last.click()
            page.keyboard.type("11月21日全天停水。")
            page.get_by_role("button", name="保存").click()
            page.get_by_text("状态: 草稿").wait_for()
            # saved, not published: the change waits on its own branch (a pull request on GitHub)
            assert not notice_path.exists()
            assert any(b.strip().startswith("cms/notices/2026/2026-11-20") for b in git(project, "branch").splitlines())
            page.get_by_text("状态: 草稿").click()
            page.get_by_role("menuitem", name="就绪").click()
            page.get_by_text("状态: 就绪").wait_for()
            page.get_by_text("发布", exact=True).click()
            page.get_by_role("menuitem", name="立即发布").click()
            notice = _wait_for(notice_path)

            # this half-year's scores, in the file the editor offers as new (a fresh page load:
            # a hash-only navigation would keep the previous entry's editor state)
            page.goto("about:blank")
            page.goto(base + "/admin/#/collections/evaluations-gx/entries/2026-H2")
            page.get_by_label("考评期（与文件名一致）").click()
            page.get_by_role("option", name="2026-H2").click()
            page.get_by_label("发布日期").fill("2026-11-25")
            page.get_by_role("button", name="新增得分表").click()
            page.get_by_label("企业", exact=True).click()
            page.get_by_role("option", name="贝塔物业服务有限公司").click()
            page.get_by_label("主管部门（满分 30）").fill("25.5")
            page.get_by_label("街道社区（满分 30）").fill("26")
            page.get_by_label("业主（满分 40）").fill("33.25")
            _save_and_publish(page)
            scores = _wait_for(scores_path)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()

    assert csp_violations == []
    front = yaml.safe_load(notice.split("---")[1])
    assert front["title"] == "兰亭苑停水通知" and front["date"] == date(2026, 11, 20)
    assert front["compounds"] == ["lanting"] and front["until"] == date(2026, 11, 22)
    assert "11月21日全天停水。" in notice
    data = yaml.safe_load(scores)
    assert data["period"] == "2026-H2" and data["scores"][0]["company"] == "beta"
    log = git(project, "log", "--format=%s", "main")
    assert "2026/2026-11-20" in log and "2026-H2" in log  # both merged into main

    check = cli("check", "--today", TODAY)
    assert check.exit_code == 0, check.output
    build = cli("build", "--today", TODAY)
    assert build.exit_code == 0, build.output
    assert "兰亭苑停水通知" in (project / "site/notices/2026-11-20/index.html").read_text(encoding="utf-8")
    assert (project / "site/lists/gx/2026-H2/index.html").is_file()
