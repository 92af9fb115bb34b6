"""The code's habits, checked as the tests are: ruff's lint rules and its formatting, and mypy,
each configured in pyproject.toml (README's test command runs them before the tests too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check"],
        ["ruff", "format", "--check"],
        ["mypy"],
    ],
    ids=lambda command: " ".join(command),
)
def test_the_checker_is_clean(command):
    done = subprocess.run([sys.executable, "-m", *command], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
