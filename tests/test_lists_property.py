"""The lists JSON agrees with an independent computation of the contract on random evaluations.

The reference below is written from the contract's words with `fractions.Fraction`, sharing no
code with the generator; Hypothesis draws score tables with many ties, missing halves and
boundary cases, and each one is built through the CLI.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import cli, minimal_files, write_tree

PARTS = (("authority", 30), ("street", 30), ("owners", 40))


def cents(max_points: int):
    tie_prone = st.sampled_from([0, max_points * 50, max_points * 75, max_points * 100])
    return st.one_of(tie_prone, st.integers(0, max_points * 100))


row = st.tuples(*(cents(m) for _, m in PARTS))
companies = [f"co{i:02d}" for i in range(12)]
half = st.dictionaries(st.sampled_from(companies), row, min_size=1, max_size=12)


def reference(h1, h2, red_size, black_line, bottom_n):
    def totals(h):
        return {c: sum(Fraction(x, 100) for x in parts) for c, parts in (h or {}).items()}

    t1, t2 = totals(h1), totals(h2)

    def rank(t, c):
        return 1 + sum(1 for x in t.values() if x > t[c])

    def bottom(t, c):
        return 1 + sum(1 for x in t.values() if x < t[c])

    annual = {c: (t1[c] + t2[c]) / 2 for c in t1 if c in t2}
    out = {}
    for c in set(t1) | set(t2):
        a = annual.get(c)
        black = a is not None and a < black_line
        dismissal = a is not None and bottom(t1, c) <= bottom_n and bottom(t2, c) <= bottom_n
        red = a is not None and rank(annual, c) <= red_size and not black and not dismissal
        out[c] = {
            "company": c,
            "h1_total": float(t1[c]) if c in t1 else None,
            "h2_total": float(t2[c]) if c in t2 else None,
            "annual": float(a) if a is not None else None,
            "annual_rank": rank(annual, c) if a is not None else None,
            "h1_rank": rank(t1, c) if c in t1 else None,
            "h2_rank": rank(t2, c) if c in t2 else None,
            "red": red,
            "black": black,
            "dismissal": dismissal,
        }
    return out


def yaml_scores(h) -> str:
    lines = []
    for c, parts in sorted(h.items()):
        fields = ", ".join(f"{name}: {v // 100}.{v % 100:02d}" for (name, _), v in zip(PARTS, parts))
        lines.append(f"  - {{company: {c}, {fields}}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    h1=st.one_of(st.none(), half),
    h2=half,
    red_size=st.integers(1, 8),
    black_line=st.integers(40, 95),
    bottom_n=st.integers(0, 5),
)
def test_lists_json_matches_reference(monkeypatch, h1, h2, red_size, black_line, bottom_n):
    root = Path(tempfile.mkdtemp())
    try:
        files = {k: v for k, v in minimal_files().items() if not k.startswith("evaluations/")}
        files["site.yaml"] = (
            files["site.yaml"]
            .replace("red_list_size: 2", f"red_list_size: {red_size}")
            .replace("black_line: 60", f"black_line: {black_line}")
            .replace("dismissal_bottom: 1", f"dismissal_bottom: {bottom_n}")
        )
        for i, c in enumerate(companies):
            files[f"companies/{c}.yaml"] = (
                f"name: 企业{i}\ncredit_code: {CODES[i]}\nstate_owned: false\nparty_organization: false\n"
            )
        if h1 is not None:
            files["evaluations/gx/2025-H1.yaml"] = "period: 2025-H1\npublished: 2025-07-01\nscores:\n" + yaml_scores(h1)
        files["evaluations/gx/2025-H2.yaml"] = "period: 2025-H2\npublished: 2026-01-10\nscores:\n" + yaml_scores(h2)
        write_tree(root / "content", files)
        monkeypatch.chdir(root)
        monkeypatch.setenv("BULLETIN_PAGEFIND", "off")  # the search index is beside the point here
        run = cli("build", "--today", "2026-11-27")
        assert run.exit_code == 0, run.output
        data = json.loads((root / "site/data/lists/gx/2025.json").read_text(encoding="utf-8"))
        got = {r["company"]: r for r in data["companies"]}
        assert got == reference(h1, h2, red_size, Fraction(black_line), bottom_n)
        assert list(got) == [r["company"] for r in data["companies"]]
    finally:
        shutil.rmtree(root)


def _codes() -> list[str]:
    from generator.domain.checksums import credit_code_check_char

    bodies = [f"91370700MA3D{i:05d}" for i in range(len(companies))]
    return [b + credit_code_check_char(b) for b in bodies]


CODES = _codes()
