"""Netlify keeps what it built: the build plugin netlify/plugins/bulletin-cache (netlify.toml).

The plugin runs under node with a stand-in for Netlify's `utils`: `utils.cache` keeps saved paths
in a folder, as Netlify's cache does between builds (restore copies back only what is missing),
and `utils.run` records the commands. Each test is a sequence of builds on a small repository in
`tmp_path`: what one build saves, the next restores — unless bulletin's code or version, the
templates, the Node packages or the build's options changed; production and deploy previews keep
separate slots; a shallow clone is completed; Decap CMS is installed only for `--admin` builds.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import REPO

PLUGIN = REPO / "netlify" / "plugins" / "bulletin-cache"
# Node is installed with the test command (npm ci); missing, these tests fail rather than skip
NODE = shutil.which("node") or "node"

DRIVER = r"""
const fs = require("node:fs");
const path = require("node:path");
const [plugin, root, store, event, envJson, failRun] = process.argv.slice(2);
const env = JSON.parse(envJson);
for (const name of Object.keys(process.env)) if (name.startsWith("BULLETIN_")) delete process.env[name];
Object.assign(process.env, env);
process.chdir(root);
const runs = [];
const lines = [];
console.log = (m) => lines.push(String(m));
const copy = (from, to) => fs.cpSync(from, to, { recursive: true });
const utils = {
  cache: {
    async save(p) {
      const rel = path.relative(root, p);
      if (!fs.existsSync(p)) return false;
      fs.rmSync(path.join(store, rel), { recursive: true, force: true });
      copy(p, path.join(store, rel));
      return true;
    },
    async restore(p) {
      const rel = path.relative(root, p);
      if (fs.existsSync(p) || !fs.existsSync(path.join(store, rel))) return false;
      copy(path.join(store, rel), p);
      return true;
    },
  },
  async run(file, args) {
    runs.push([file, ...args].join(" "));
    if (failRun === "1") throw new Error("no network");
  },
  build: { failBuild(message) { throw new Error("failBuild: " + message); } },
};
const netlifyConfig = { build: { command: "python -m pip install . && npm ci --omit=dev && bulletin build" } };
require(plugin)[event]({ utils, netlifyConfig, constants: {} }).then(
  () => process.stdout.write(JSON.stringify({ runs, log: lines })),
  (e) => { process.stdout.write(JSON.stringify({ runs, log: lines, error: String(e) })); },
);
"""


class Netlify:
    """One site on Netlify: a repository checkout per build, one cache across builds."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.store = tmp / "netlify-cache"
        self.store.mkdir()
        self.repo = tmp / "repo"
        files = {
            "pyproject.toml": '[project]\nname = "bulletin"\nversion = "0.1.0"\n',
            "generator/build.py": "print('build')\n",
            "templates/page.html": "<p>{{ x }}</p>\n",
            "package-lock.json": "{}\n",
            "admin/package-lock.json": "{}\n",
            "content/notices/a.md": "---\ntitle: a\n---\n",
        }
        for rel, text in files.items():
            (self.repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (self.repo / rel).write_text(text, encoding="utf-8")
        self.driver = tmp / "driver.js"
        self.driver.write_text(DRIVER, encoding="utf-8")

    def event(self, event: str, env: dict | None = None, fail_run: bool = False) -> dict:
        args = [str(self.driver), str(PLUGIN), str(self.repo), str(self.store), event, json.dumps(env or {})]
        run = subprocess.run(
            [str(NODE), *args, "1" if fail_run else "0"], capture_output=True, text=True, timeout=60, check=True
        )
        return json.loads(run.stdout)

    def build(self, marker: str) -> None:
        """What `bulletin build` leaves: the site and its cache beside it."""
        (self.repo / "site").mkdir(exist_ok=True)
        (self.repo / "site/index.html").write_text(f"<h1>{marker}</h1>\n", encoding="utf-8")
        (self.repo / ".bulletin-cache/site").mkdir(parents=True, exist_ok=True)
        (self.repo / ".bulletin-cache/site/manifest.json").write_text(json.dumps({"build": marker}), encoding="utf-8")

    def new_checkout(self) -> None:
        """The next build starts from a fresh clone: no site/, no .bulletin-cache/."""
        for name in ("site", ".bulletin-cache", ".bulletin-netlify"):
            shutil.rmtree(self.repo / name, ignore_errors=True)

    def site(self) -> str | None:
        index = self.repo / "site/index.html"
        return index.read_text(encoding="utf-8") if index.is_file() else None


@pytest.fixture
def netlify(tmp_path) -> Netlify:
    return Netlify(tmp_path)


def test_netlify_toml_runs_the_plugin_around_the_readmes_build():
    """Checked also with Netlify's own build (`@netlify/build` 35.15, `netlify-build --offline` on a
    clone): it loads the plugin, installs Decap, builds, saves; the next build restores."""
    config = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    assert config["plugins"] == [{"package": "/netlify/plugins/bulletin-cache"}]
    assert (PLUGIN / "manifest.yml").read_text(encoding="utf-8").count("name: bulletin-cache") == 1
    assert config["build"]["publish"] == "site"  # what the plugin saves as the previous output
    # Netlify refuses to load a plugin that exports anything but event handlers ("Invalid event")
    script = f"console.log(JSON.stringify(Object.keys(require({json.dumps(str(PLUGIN))}))))"
    run = subprocess.run([str(NODE), "-e", script], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(run.stdout) == ["onPreBuild", "onPostBuild"]


def test_a_build_restores_what_the_previous_one_saved(netlify):
    first = netlify.event("onPreBuild")
    assert "error" not in first and first["runs"] == []
    assert any("building from nothing" in line for line in first["log"])
    assert netlify.site() is None
    netlify.build("one")
    saved = netlify.event("onPostBuild")
    assert any("saved this build" in line for line in saved["log"]), saved

    netlify.new_checkout()
    (netlify.repo / "content/notices/b.md").write_text("---\ntitle: b\n---\n", encoding="utf-8")  # content: same key
    restored = netlify.event("onPreBuild")
    assert any("restored the previous build" in line for line in restored["log"]), restored
    assert netlify.site() == "<h1>one</h1>\n"
    manifest = netlify.repo / ".bulletin-cache/site/manifest.json"
    assert json.loads(manifest.read_text(encoding="utf-8")) == {"build": "one"}
    assert not (netlify.repo / ".bulletin-netlify").exists() or not any((netlify.repo / ".bulletin-netlify").iterdir())

    # the next build saves over it
    netlify.build("two")
    netlify.event("onPostBuild")
    netlify.new_checkout()
    netlify.event("onPreBuild")
    assert netlify.site() == "<h1>two</h1>\n"


@pytest.mark.parametrize(
    ("change", "part"),
    [
        (("templates/page.html", "<p>{{ y }}</p>\n"), "templates"),
        (("templates/new.html", "<p></p>\n"), "templates"),
        (("pyproject.toml", '[project]\nname = "bulletin"\nversion = "0.2.0"\n'), "bulletin"),
        (("generator/build.py", "print('faster')\n"), "bulletin"),
        (("package-lock.json", '{"pagefind": "1.7.0"}\n'), "packages"),
    ],
)
def test_a_change_of_bulletin_templates_or_packages_starts_clean(netlify, change, part):
    netlify.event("onPreBuild")
    netlify.build("old")
    netlify.event("onPostBuild")
    netlify.new_checkout()
    rel, text = change
    (netlify.repo / rel).write_text(text, encoding="utf-8")
    run = netlify.event("onPreBuild")
    assert netlify.site() is None and not (netlify.repo / ".bulletin-cache").exists()
    assert any("differs in" in line and part in line for line in run["log"]), run["log"]


def test_each_set_of_options_has_its_own_slot(netlify):
    production = {"BULLETIN_ADMIN": "1"}
    preview = {"BULLETIN_PREVIEW": "1"}
    netlify.event("onPreBuild", production)
    netlify.build("production")
    netlify.event("onPostBuild", production)

    netlify.new_checkout()
    netlify.event("onPreBuild", preview)
    assert netlify.site() is None  # a deploy preview never starts from the production site
    netlify.build("preview")
    netlify.event("onPostBuild", preview)

    for env, marker in ((production, "production"), (preview, "preview")):
        netlify.new_checkout()
        netlify.event("onPreBuild", env)
        assert netlify.site() == f"<h1>{marker}</h1>\n"


def test_the_options_are_every_variable_that_changes_the_output():
    """Every BULLETIN_* variable the generator reads is in the key, except those that cannot
    change what is written (where Decap's files come from, debugging, the number of workers)."""
    read = set()
    for path in (REPO / "generator").rglob("*.py"):
        read |= set(re.findall(r"BULLETIN_[A-Z_]+", path.read_text(encoding="utf-8")))
    keyed = set(re.findall(r'"(BULLETIN_[A-Z_]+)"', (PLUGIN / "index.js").read_text(encoding="utf-8")))
    assert read - keyed == {"BULLETIN_DECAP_DIST", "BULLETIN_DEBUG", "BULLETIN_WORKERS"}
    assert keyed <= read


def test_a_shallow_clone_is_completed_and_decap_installed_only_for_the_editor(netlify):
    plain = netlify.event("onPreBuild")
    assert plain["runs"] == []
    (netlify.repo / ".git").mkdir()
    (netlify.repo / ".git/shallow").write_text("0" * 40 + "\n", encoding="utf-8")
    run = netlify.event("onPreBuild", {"BULLETIN_ADMIN": "true"})
    assert run["runs"] == ["git fetch --unshallow --quiet", "npm ci --prefix admin --no-audit --no-fund"]


def test_a_failed_unshallow_is_reported_and_a_failed_decap_install_fails_the_build(netlify):
    (netlify.repo / ".git").mkdir()
    (netlify.repo / ".git/shallow").write_text("0" * 40 + "\n", encoding="utf-8")
    run = netlify.event("onPreBuild", fail_run=True)
    assert "error" not in run and any("incomplete history" in line for line in run["log"])
    admin = netlify.event("onPreBuild", {"BULLETIN_ADMIN": "1"}, fail_run=True)
    assert "failBuild: npm ci --prefix admin failed" in admin["error"]


def test_nothing_is_saved_without_a_built_site(netlify):
    run = netlify.event("onPostBuild")
    assert any("no built site" in line for line in run["log"])
    assert not any(netlify.store.rglob("*"))
