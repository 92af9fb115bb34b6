"""Units for the later stages: planning (collisions), formatting helpers, atomic writing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from generator.engine.write import MARKER, refusal, write_site
from generator.output.render import fingerprint, fmt_date, fmt_pct, fmt_score, fmt_yuan
from generator.output.routes import Plan, RouteCollision


def test_plan_rejects_two_outputs_on_one_path():
    plan = Plan()
    plan.add_page("/notices/a/", "notice.html", "notices/2025/a.md")
    with pytest.raises(RouteCollision) as err:
        plan.add_page("/notices/a/", "notice.html", "notices/2026/a.md")
    assert "notices/2025/a.md" in str(err.value) and "notices/2026/a.md" in str(err.value)
    plan.claim("data/x.json", "one")
    with pytest.raises(RouteCollision):
        plan.claim("data/x.json", "two")


def test_formatting_helpers():
    assert fmt_score(Decimal("80.125")) == "80.13"  # half up, for display only
    assert fmt_score(Decimal("79")) == "79.00"
    assert fmt_score(None) == "—"
    assert fmt_pct(Decimal(277) / Decimal(307)) == "90.23%"
    assert fmt_pct(Decimal(1)) == "100%"
    assert fmt_date(date(2025, 7, 5)) == "2025年7月5日"
    assert fmt_yuan(Decimal(1250000)) == "125 万元"
    assert fmt_yuan(Decimal("8000")) == "8000 元"


def test_fingerprint_changes_with_content():
    assert fingerprint("style.css", b"a") != fingerprint("style.css", b"b")
    assert fingerprint("style.css", b"a").startswith("style.") and fingerprint("style.css", b"a").endswith(".css")


def test_write_site_replaces_whole_tree(tmp_path):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one", "old/index.html": b"stale"}, {})
    write_site(out, {"index.html": b"two"}, {})
    assert (out / "index.html").read_bytes() == b"two"
    assert not (out / "old").exists()
    assert (out / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_write_failure_keeps_previous_site(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site(out, {"index.html": b"one"}, {})

    def broken_copy(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("generator.engine.write.shutil.copyfile", broken_copy)
    with pytest.raises(OSError):
        write_site(out, {"index.html": b"two"}, {"a.pdf": tmp_path / "a.pdf"})
    assert (out / "index.html").read_bytes() == b"one"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_output_paths_cannot_escape(tmp_path):
    with pytest.raises(ValueError):
        write_site(tmp_path / "site", {"../evil.html": b"x"}, {})
    assert not (tmp_path / "evil.html").exists()


def test_refusals(tmp_path, monkeypatch):
    content = tmp_path / "content"
    content.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert refusal(Path("/"), content)
    assert refusal(tmp_path / "home", content)
    assert refusal(content, content)
    assert refusal(tmp_path, content)  # holds the content folder
    assert refusal(content / "site", content)
    other = tmp_path / "docs"
    other.mkdir()
    (other / "a.txt").write_text("x")
    assert refusal(other, content)
    assert refusal(tmp_path / "new-site", content) is None
    built = tmp_path / "built"
    write_site(built, {"index.html": b"x"}, {})
    assert refusal(built, content) is None
