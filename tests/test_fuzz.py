"""Fuzzing the loader and renderer: whatever the files say, the pipeline ends in a clean site or in
clean diagnostics (ContentError with well-formed problems), never another exception.

Hypothesis generates YAML documents (structured values dumped in random styles, and raw
YAML-ish text), front matter, and Markdown (raw text in Markdown/HTML syntax mixed with pieces of
the XSS corpus). Each example is written into a copy of the minimal bulletin — replacing a whole
record file, or one field of a valid record, so that generated values travel past validation
into derive and render — and built in-process by `pipeline.build`, the function the CLI calls.
A site that builds must also hold no dangerous markup.

Example counts are kept small (200 in all) so the suite stays fast; locally Hypothesis draws new
examples on every run, so the coverage grows run by run (CI, with CI set, repeats one fixed draw:
see conftest.py) (BULLETIN_FUZZ_SCALE=20 multiplies the counts for a
long local run). Jinja's compiled templates are shared between
examples (a bytecode cache) purely for speed: otherwise each build recompiles every template.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from generator import pipeline
from generator.content.errors import ContentError

from conftest import MINIMAL, dedent, minimal_files, write_tree
from hostile import MARKDOWN_VECTORS, VECTORS
from sitecheck import unsafe_markup

TODAY = dt.date(2026, 11, 27)
DIAGNOSTIC = re.compile(r"^content/\S*:\d+:\d+: (error|warning): .+$", re.S)
SCALE = int(os.environ.get("BULLETIN_FUZZ_SCALE", "1"))  # e.g. 20 for a long local run
FUZZ = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], print_blob=True
)


class _SharedBytecode(jinja2.BytecodeCache):
    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.store:
            bucket.bytecode_from_string(self.store[bucket.key])

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SharedBytecode()


@pytest.fixture(autouse=True)
def shared_template_cache(monkeypatch):
    real = jinja2.Environment

    def environment(*args, **kwargs):
        kwargs.setdefault("bytecode_cache", _BYTECODE)
        return real(*args, **kwargs)

    monkeypatch.setattr(jinja2, "Environment", environment)


def outcome(files: dict) -> str:
    """Build `files`; return "site" or "diagnostics", failing on anything else."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_tree(root / "content", files)
        try:
            pipeline.build(root / "content", "content", root / "site", TODAY)
        except ContentError as exc:
            assert any(p.severity == "error" for p in exc.problems)
            for problem in exc.problems:
                assert DIAGNOSTIC.match(problem.format()), problem.format()
                json.dumps(problem.as_json(), ensure_ascii=False)
            assert not (root / "site").exists()  # nothing written on failure
            return "diagnostics"
        pages = list((root / "site").rglob("*.html"))
        assert pages
        for page in pages:
            assert unsafe_markup(page.read_text(encoding="utf-8")) == [], page
        return "site"


# --- strategies -----------------------------------------------------------------------------------

weird_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
        st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\\ \n\t.e0123456789")),
    ),
    max_size=40,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    weird_text,
    st.sampled_from(["100%", "95.5%", "2025-H1", "2025-02-30", "yf", "alpha", "fuhai", ".nan", "1e400", "0.1"]),
)
plausible = st.one_of(
    st.integers(0, 2000),
    st.floats(0, 1).map(lambda x: round(x, 2)),
    st.floats(0, 40).map(lambda x: round(x, 2)),
    st.dates(min_value=dt.date(1949, 1, 1), max_value=dt.date(2100, 12, 31)),
    st.text(min_size=1, max_size=30),
    st.sampled_from(["enterprise", "self", "state", "业委会", "自治小组", "yf", "zy", "xc", "qc", "alpha", "guoqi"]),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.one_of(weird_text, st.integers(0, 3000)), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def dumped(draw, value_strategy=values) -> str:
    value = draw(value_strategy)
    flow = draw(st.sampled_from([None, True, False]))
    try:
        return yaml.safe_dump(value, default_flow_style=flow, allow_unicode=draw(st.booleans()), sort_keys=False)
    except yaml.YAMLError:
        return "x: 1\n"


def tokens(items: list[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(items), max_size=max_size).map("".join)


raw_yaml = tokens(
    list(":-[]{}&*!|>'\"%@`#,? \n\t")
    + ["a", "1", "福", ".", "e", "\\", "~", "---", "...", "!!", "&a", "*a", "\n  ", "\n- ", "key: ", "title: ", "? "],
    120,
)

YAML_RECORDS = [
    "site.yaml",
    "areas.yaml",
    "communities/yf.yaml",
    "compounds/fuhai.yaml",
    "companies/beta.yaml",
    "evaluations/gx/2025-H1.yaml",
]
FIELDS = {
    "site.yaml": ["title", "base_url", "contact", "sample", "evaluation", "pii_allow", "language"],
    "areas.yaml": ["districts"],
    "communities/yf.yaml": ["name", "street", "grids", "venues", "stats", "office_phone", "address"],
    "compounds/fuhai.yaml": [
        "name",
        "community",
        "grid",
        "type",
        "households",
        "owners_body",
        "fee_collection",
        "complaints",
        "demonstration",
        "built_year",
        "company",
    ],
    "companies/beta.yaml": ["name", "credit_code", "state_owned", "phone"],
    "evaluations/gx/2025-H1.yaml": ["period", "published", "scores"],
}


@settings(FUZZ, max_examples=50 * SCALE)
@given(target=st.sampled_from(YAML_RECORDS), text=st.one_of(dumped(), raw_yaml))
def test_any_yaml_document_in_place_of_a_record(target, text):
    files = minimal_files()
    files[target] = text
    result = outcome(files)
    event(result)
    assert result in ("site", "diagnostics")


@settings(FUZZ, max_examples=60 * SCALE)
@given(data=st.data())
def test_any_value_in_a_field_of_a_valid_record(data):
    target = data.draw(st.sampled_from(YAML_RECORDS))
    record = yaml.safe_load(dedent(MINIMAL[target]))
    field = data.draw(st.sampled_from(FIELDS[target] + ["unknown"]))
    record[field] = data.draw(st.one_of(values, plausible))
    if target == "evaluations/gx/2025-H1.yaml" and data.draw(st.booleans()):
        # or a value inside a score row
        record = yaml.safe_load(dedent(MINIMAL[target]))
        row = data.draw(st.integers(0, 2))
        record["scores"][row][data.draw(st.sampled_from(["authority", "street", "owners", "note", "company"]))] = (
            data.draw(st.one_of(values, plausible))
        )
    files = minimal_files()
    files[target] = yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
    result = outcome(files)
    event(result)
    assert result in ("site", "diagnostics")


NOTICE_FIELDS = {
    "title": st.one_of(weird_text, st.sampled_from(VECTORS)),
    "date": st.one_of(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2025, 12, 31)), scalars),
    "category": st.one_of(st.sampled_from(["通知", "公示", "红黑榜", "项目", "活动", "招聘"]), weird_text),
    "until": st.one_of(st.dates(), scalars),
    "draft": st.one_of(st.booleans(), scalars),
    "compounds": st.one_of(st.lists(st.sampled_from(["fuhai", "lanting", "nowhere"]), max_size=3), values),
    "district": st.one_of(st.just("gx"), scalars),
    "attachments": values,
}

markdown_pieces = st.one_of(
    st.sampled_from(VECTORS + MARKDOWN_VECTORS),
    tokens(
        list("#*_-+>`~[]()!<>/\\|:=\"' \n\t&;1aA福x.")
        + [
            "\n\n",
            "```",
            "    ",
            "- ",
            "1. ",
            "<div>",
            "</div>",
            "<a href=",
            "javascript:",
            "&#",
            "<!--",
            "-->",
            "<svg",
            "<img",
            " onerror=",
        ],
        30,
    ),
)
markdown = st.lists(markdown_pieces, max_size=12).map("".join)


@settings(FUZZ, max_examples=40 * SCALE)
@given(
    front=st.fixed_dictionaries(
        {"title": NOTICE_FIELDS["title"], "date": NOTICE_FIELDS["date"], "category": NOTICE_FIELDS["category"]},
        optional={k: v for k, v in NOTICE_FIELDS.items() if k not in ("title", "date", "category")},
    ),
    body=markdown,
)
def test_any_front_matter_and_body(front, body):
    files = minimal_files()
    try:
        head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        head = "title: x\n"
    files["notices/2025/fuzz.md"] = f"---\n{head}---\n{body}"
    result = outcome(files)
    event(result)
    assert result in ("site", "diagnostics")


@settings(FUZZ, max_examples=50 * SCALE)
@given(body=markdown)
def test_any_markdown_body_builds_a_safe_page(body):
    files = minimal_files()
    files["notices/2025/fuzz.md"] = f"---\ntitle: 测试\ndate: 2025-06-02\ncategory: 通知\n---\n{body}"
    files["projects/fuzz.md"] = (
        f"---\ntitle: 测试项目\ncategory: service\nstatus: planned\ncommunities: [yf]\n---\n{body}"
    )
    result = outcome(files)
    event(result)
    # A body can only fail the build through a rule about its text (control characters, a
    # personal number, its length), never through rendering.
    assert result in ("site", "diagnostics")
