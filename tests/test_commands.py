"""The README's two commands are the ones CI and Netlify run, each a single line."""

from __future__ import annotations

import re
import tomllib

from conftest import REPO


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_build_command_is_netlifys_and_installs_pagefind():
    build, _ = readme_commands()
    assert "\n" not in build and "npm ci --omit=dev" in build and build.endswith("bulletin build")
    netlify = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    assert netlify["build"]["command"] == build


def test_readme_test_command_is_the_last_line_of_ci_and_installs_the_test_extras():
    _, test = readme_commands()
    assert "\n" not in test and "'.[test]'" in test and "npm ci" in test and test.endswith("python -m pytest")
    assert all(linter in test for linter in ("ruff check", "ruff format --check", "mypy"))  # before the tests
    ci = (REPO / ".ci/run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test
    assert any("apt-get install -y chromium fonts-noto-cjk" in line for line in ci)
