"""docs/content-model.md and the field tables of generator/content/schema.py say the same thing.

`schema.KIND_TABLES` (and `schema.evaluation_table`, built from the sample site.yaml's `evaluation.parts` as
`load.py` builds it) is the single statement of which fields exist; docs/content-model.md describes them to
editors, one `## <file pattern>` section per kind. For every kind this test guarantees, in both directions:

1. every field of the schema, at every depth (`owners_body.kind`, `venues.area_m2`, `districts.streets.id`, …),
   is named in backticks in its kind's section (the keys of a fenced YAML example count: they are code too);
2. every backticked token of the section that looks like a field name is a field of that kind, a choice value
   of one of its fields, or an entry of the small allow-lists below (each with its reason);
3. every choice value the schema accepts is named in the section, and the section names none it rejects (in
   the value list after a choice field, as `field: value`, or in a YAML example);
4. required vs optional agree. The docs' rule ("Required fields: everything the contract does not call optional,
   except these, which are optional: …" under "Decisions where the contract is silent") makes a field optional
   when its section calls it optional or that list names it. A field the docs call optional must not be
   required by the schema, and a field the schema leaves optional must be called optional, unless its section
   says so in other words (`NOT_CALLED_OPTIONAL`). How the prose is read is written at `_Reader`; the one list
   it cannot read by rule is named in `OPTIONAL_STOPS_BEFORE`. Each such entry is checked against the section's
   text, and `test_every_allowance_is_still_needed` fails on an entry nothing needs any more.

The checks are plain functions of the docs' text, so `test_the_checks_catch_a_doctored_copy` runs them on a
doctored copy and shows each one failing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import yaml

from generator.content import schema

from conftest import REPO, SAMPLE

DOCS = REPO / "docs" / "content-model.md"

HEADINGS = {
    "site": "site.yaml",
    "areas": "areas.yaml",
    "community": "communities/<id>.yaml",
    "compound": "compounds/<id>.yaml",
    "company": "companies/<id>.yaml",
    "evaluation": "evaluations/<district>/<period>.yaml",
    "project": "projects/<id>.md",
    "notice": "notices/<year>/<id>.md",
}
DECISIONS = "Decisions where the contract is silent"

# --- the allow-lists: as small as possible; `test_every_allowance_is_still_needed` removes the stale ones -----

# Backticked words of a section that are neither fields nor choice values.
LITERALS = {
    ("evaluation", "YYYY-H1"): "the written form of a first-half `period` (a pattern, not a field or a choice)",
    ("evaluation", "YYYY-H2"): "the written form of a second-half `period`",
}
# Fields of another kind that a section may name, as (other kind, path in it): any field at or below that path.
OTHER_KIND_FIELDS = {
    (
        "evaluation",
        "site",
        "evaluation",
    ): "an evaluation's part keys and maxima, and the list rules it is ranked by, are site.yaml's `evaluation`",
    ("compound", "company", "state_owned"): "a `state` compound's company must have `state_owned: true`",
}
# Fields the schema leaves optional that their section makes optional in other words than "optional": the phrase
# must stay in the section (if it goes, the entry must be looked at again).
NOT_CALLED_OPTIONAL = {
    ("compound", "company"): (
        "is required for `enterprise` and `state`, and forbidden for `self`",
        "required or forbidden by `type`; validate enforces it, the table cannot",
    ),
    ("project", "compounds"): ("(refs; at least one)", "one of `compounds` and `communities`; validate enforces it"),
    ("project", "communities"): ("(refs; at least one)", "as `compounds`"),
    ("notice", "district"): ("any of `district`", "the scope: any of the four, none meaning site-wide"),
    ("notice", "streets"): ("none means site-wide", "the scope, as `district`"),
    ("notice", "communities"): ("none means site-wide", "the scope, as `district`"),
    ("notice", "compounds"): ("none means site-wide", "the scope, as `district`"),
}
# Required fields that follow "optional" in a list and yet are not meant optional: the reading rule (see
# `_Reader`) lets "optional" run on through the list, as "optional `secretary` (…), `office_phone`, `address`"
# and "optional `budget` (yuan), `funding`, `start`, …" mean. A list where it should stop at its own item
# would be named here with its phrase (none is: the docs put required items first, "(`date`, `text`,
# optional `status`)").
OPTIONAL_STOPS_BEFORE: dict[tuple[str, str], str] = {}

# --- the schema side ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    path: str  # dotted, lists and maps transparent: "owners_body.kind", "districts.streets.id"
    name: str
    required: bool
    choices: tuple[str, ...]  # the values of a choice field (or of a list or map of choices)
    has_children: bool  # an object, or a list or map of objects
    boolean: bool = False  # true or false
    part: bool = False  # an evaluation score key, named after a part of site.yaml's `evaluation.parts`


def _inner(spec: schema.Spec) -> schema.Spec:
    while isinstance(spec, (schema.ListOf, schema.MapOf)):
        spec = spec.item if isinstance(spec, schema.ListOf) else spec.value
    return spec


def walk(table: schema.Obj, parts: tuple[str, ...] = (), prefix: str = "") -> dict[str, FieldInfo]:
    """Every field of `table` at every depth, by path."""
    found: dict[str, FieldInfo] = {}
    for name, f in table.table.items():
        path = f"{prefix}{name}"
        inner = _inner(f.spec)
        choices = inner.choices if isinstance(inner, schema.Choice) else ()
        found[path] = FieldInfo(
            path,
            name,
            f.required,
            choices,
            isinstance(inner, schema.Obj),
            boolean=isinstance(inner, schema.Bool),
            part=bool(prefix) and name in parts,
        )
        if isinstance(inner, schema.Obj):
            found.update(walk(inner, parts, path + "."))
    return found


def sample_parts() -> dict[str, Decimal]:
    site = yaml.safe_load((SAMPLE / "site.yaml").read_text(encoding="utf-8"))
    return {key: Decimal(str(part["max"])) for key, part in site["evaluation"]["parts"].items()}


def kind_tables() -> dict[str, schema.Obj]:
    """`schema.KIND_TABLES`, and the evaluation table for the sample's parts, built as load.py builds it."""
    parts = sample_parts()
    return {**schema.KIND_TABLES, "evaluation": schema.evaluation_table(list(parts), parts)}


TABLES = kind_tables()
FIELDS = {kind: walk(table, tuple(sample_parts()) if kind == "evaluation" else ()) for kind, table in TABLES.items()}

# --- the docs side -----------------------------------------------------------------------------------------

IDENT = r"[^\W\d][\w-]*"  # a word: `title`, `in_progress`, `zh-CN`, `业委会`
WORD_RE = re.compile(rf"^{IDENT}$")
KEY_VALUE_RE = re.compile(rf"^({IDENT}):(?:\s+(.*))?$")  # `districts:`, `state_owned: true`, `authority: 27.5`
DOTTED_RE = re.compile(rf"^{IDENT}(?:\.{IDENT})+$")  # `evaluation.parts`
FILE_RE = re.compile(r"\.(?:ya?ml|md)$")  # `site.yaml`: a file, not a field path
FENCE_RE = re.compile(r"^```(\w*)\n(.*?)^```[ \t]*$", re.M | re.S)
TOKEN_RE = re.compile(
    r"""
    `(?P<code>[^`\n]+)`
  | (?P<item>^[ \t]*[-*][ \t])          # a list item starts: whatever the previous one said is over
  | (?P<blank>\n[ \t]*\n)               # so does a paragraph
  | (?P<stop>\.(?=\s|$))                # the end of a sentence
  | (?P<punct>[(),;:—])
  | (?P<word>[^\s`(),;:—.]+(?:\.[^\s`(),;:—.]+)*)
  | (?P<other>\S)
""",
    re.M | re.X,
)


def sections(text: str) -> dict[str, str]:
    """Each `## heading` → the text under it."""
    parts = re.split(r"^## +(.+?)[ \t]*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group(m.lastgroup)) for m in TOKEN_RE.finditer(text)]


@dataclass
class Reading:
    """What one kind's section says, read against that kind's fields."""

    kind: str
    heading: str
    text: str
    named: set[str] = field(default_factory=set)  # field paths named
    codes: set[str] = field(default_factory=set)  # every backticked token, as written
    values: set[str] = field(default_factory=set)  # choice values named
    optional: dict[str, str] = field(default_factory=dict)  # field path → where the docs call it optional
    unknown: list[str] = field(default_factory=list)  # words that are no field, value or allowance, as shown
    rejected: list[str] = field(default_factory=list)  # values given to a choice field that it does not accept
    stopped: set[str] = field(default_factory=set)  # paths an `OPTIONAL_STOPS_BEFORE` entry kept required

    def where(self) -> str:
        return f"{self.kind} (## {self.heading})"


def says(text: str, phrase: str) -> bool:
    """Whether `text` has `phrase`, however the lines are wrapped."""
    return " ".join(phrase.split()) in " ".join(text.split())


def _resolve(name: str, scopes: list[str], fields: dict[str, FieldInfo]) -> tuple[str, ...]:
    """The path(s) a field name means here: a child of the innermost open scope that has one, else every field
    of that name (then the prose did not say which; each counts as named)."""
    for scope in reversed(scopes):
        path = f"{scope}.{name}" if scope else name
        if path in fields:
            return (path,)
    return tuple(p for p, f in fields.items() if f.name == name)


def _other_kind(kind: str, token: str) -> list[FieldInfo]:
    """The fields of other kinds that `token` (a name or a dotted path) means in `kind`'s section, if allowed."""
    return [
        f
        for (owner, other, root) in OTHER_KIND_FIELDS
        if owner == kind
        for path, f in FIELDS[other].items()
        if (path == root or path.startswith(root + ".")) and token in (f.name, path)
    ]


class _Reader:
    """Reads a section's prose token by token.

    Structure: a field with sub-fields followed by "(" or ":" opens a scope: the field names up to the matching
    ")" (or, after ":", to the end of the sentence) are looked up among its sub-fields first. A choice field
    followed by "(" or ":" opens its value list the same way.

    Optional: the word "optional" makes the fields after it optional ("optional `secretary` (…), `office_phone`,
    `address`, …", "optional periodic `stats`", "an optional `note`"), at its own depth of parentheses (the
    sub-fields inside "`grids` (list of `id`, `name`, …)" are not), until ";", ":", "—", the end of a sentence,
    list item or paragraph, a ")" closing its depth, or a serial ", and" (which returns to the enclosing list:
    "optional `sample` (…), and `evaluation` rules").
    """

    def __init__(self, reading: Reading):
        self.r = reading
        self.fields = FIELDS[reading.kind]
        self.names = {f.name for f in self.fields.values()}
        self.choices = {v for f in self.fields.values() for v in f.choices}
        self.reset()

    def reset(self) -> None:
        self.depth = 0
        self.scopes: list[tuple[int, str, bool]] = []  # (depth, field path, closes at the sentence's end)
        self.groups: list[tuple[int, tuple[str, ...], bool]] = []  # open value lists: (depth, choices, sentence)
        self.optional: set[int] = set()  # depths at which "optional" is in force
        self.last: tuple[str, ...] | None = None  # the field path(s) of the token just read, if a field

    def close(self, depth: int, sentence: bool) -> None:
        """End what is open at `depth` or deeper: sentence-long scopes and lists only, or (at ")") all."""

        def keep(at: int, sentence_long: bool) -> bool:
            return at < depth or (sentence and not sentence_long)

        self.scopes = [s for s in self.scopes if keep(s[0], s[2])]
        self.groups = [g for g in self.groups if keep(g[0], g[2])]
        self.optional = {d for d in self.optional if d < depth}

    def read(self, text: str) -> None:
        toks = tokens(text)
        for i, (kind, value) in enumerate(toks):
            last, self.last = self.last, None
            if kind in ("item", "blank"):
                self.reset()
            elif kind == "stop" or (kind == "punct" and value in ";—"):
                self.close(self.depth, sentence=True)
            elif kind == "punct" and value == ",":
                if i + 1 < len(toks) and toks[i + 1] == ("word", "and"):
                    self.optional.discard(self.depth)
            elif kind == "punct" and value in "(:":
                if value == "(":
                    self.depth += 1
                else:
                    self.optional.discard(self.depth)
                self.open(last, sentence=value == ":")
            elif kind == "punct" and value == ")":
                self.close(self.depth, sentence=False)
                self.depth = max(0, self.depth - 1)
            elif kind == "word" and value.lower() == "optional":
                self.optional.add(self.depth)
            elif kind == "code":
                self.last = self.code(value)

    def open(self, last: tuple[str, ...] | None, sentence: bool) -> None:
        if not last:
            return
        if len(last) == 1 and self.fields[last[0]].has_children:
            self.scopes.append((self.depth, last[0], sentence))
        choices = tuple(v for p in last for v in self.fields[p].choices)
        if choices:
            self.groups.append((self.depth, choices, sentence))

    def code(self, token: str) -> tuple[str, ...] | None:
        r = self.r
        r.codes.add(token)
        if self.groups and WORD_RE.match(token) and token not in self.names:  # a value after a choice field
            accepted = self.groups[-1][1]
            r.values.add(token)
            if token not in accepted:
                r.rejected.append(f"`{token}` (accepted: {', '.join(accepted)})")
            return None
        m = KEY_VALUE_RE.match(token)
        name, value = (m.group(1), m.group(2)) if m else (token, None)
        if FILE_RE.search(name) or not (WORD_RE.match(name) or DOTTED_RE.match(name)):
            return None  # a file, a folder, a placeholder, a quoted or numeric example
        scopes = [""] + [s[1] for s in self.scopes]
        paths = ((name,) if name in self.fields else ()) if "." in name else _resolve(name, scopes, self.fields)
        if paths:
            r.named.update(paths)
            if self.depth in self.optional:
                for path in paths:
                    if (r.kind, path) in OPTIONAL_STOPS_BEFORE and says(r.text, OPTIONAL_STOPS_BEFORE[r.kind, path]):
                        r.stopped.add(path)
                    else:
                        r.optional.setdefault(path, f"“optional … `{token}`” in ## {r.heading}")
            if value is not None:
                self.given(token, value, [self.fields[p] for p in paths])
            return paths
        if value is None and name in self.choices:
            r.values.add(name)
        elif _other_kind(r.kind, name):
            if value is not None:
                self.given(token, value, _other_kind(r.kind, name))
        elif (r.kind, token) not in LITERALS:
            r.unknown.append(f"`{token}`")
        return None

    def given(self, token: str, value: str, fields: list[FieldInfo]) -> None:
        """`field: value` in backticks: a choice field's value must be a choice (a bool field's true or false)."""
        choices = tuple(v for f in fields for v in f.choices)
        if choices:
            self.r.values.add(value)
        elif fields and all(f.boolean for f in fields):
            choices = ("true", "false")
        if choices and value not in choices:
            self.r.rejected.append(f"`{token}` (accepted: {', '.join(choices)})")


def _read_yaml(reading: Reading, data: object, spec: schema.Spec, path: str) -> None:
    """A fenced YAML example: its keys name fields (map keys are ids: data), its strings may be choice values."""
    if isinstance(spec, schema.Obj) and isinstance(data, dict):
        for key, value in data.items():
            full = f"{path}{key}"
            if key in spec.table:
                reading.named.add(full)
                _read_yaml(reading, value, spec.table[key].spec, full + ".")
            else:
                reading.unknown.append(f"`{key}` (a key of the YAML example)")
    elif isinstance(spec, schema.ListOf) and isinstance(data, list):
        for item in data:
            _read_yaml(reading, item, spec.item, path)
    elif isinstance(spec, schema.MapOf) and isinstance(data, dict):
        for value in data.values():
            _read_yaml(reading, value, spec.value, path)
    elif isinstance(spec, schema.Choice) and isinstance(data, str):
        reading.values.add(data)
        if data not in spec.choices:
            reading.rejected.append(
                f"`{path.rstrip('.')}: {data}` in the YAML example (accepted: {', '.join(spec.choices)})"
            )


def read_docs(text: str) -> dict[str, Reading]:
    """Each kind's section of the docs, read against the kind's fields."""
    found = sections(text)
    readings: dict[str, Reading] = {}
    for kind, heading in HEADINGS.items():
        body = found.get(heading)
        if body is None:
            continue
        reading = Reading(kind, heading, body)
        for lang, code in FENCE_RE.findall(body):
            if lang in ("yaml", "yml"):
                _read_yaml(reading, yaml.safe_load(code), TABLES[kind], "")
        _Reader(reading).read(FENCE_RE.sub("", body))
        readings[kind] = reading
    for kind, names in decided_optional(text).items():
        reading = readings.get(kind)
        if reading is None:
            continue
        for name in names:
            if name in FIELDS[kind]:
                reading.optional.setdefault(name, f"the “Required fields” decision (## {DECISIONS})")
            else:
                reading.unknown.append(f"`{name}` (called optional in ## {DECISIONS}, but no top-level field)")
    return readings


def decided_optional(text: str) -> dict[str, list[str]]:
    """The fields the "Required fields: … except these, which are optional: …" decision names, by kind.

    The list reads "a compound's `owners_body`, `fee_collection` and `complaints` (…), a community's `grids`, …,
    and `language`, `sample` and `pii_allow` in `site.yaml`": a group's kind is given by "a <kind>'s" before it
    or "in `<file>`" after it; groups end at the next "<kind>'s" or at a serial ", and".
    """
    body = sections(text).get(DECISIONS, "")
    m = re.search(r"^- Required fields:.*?which\s+are\s+optional:(.*?)(?=^\s*-\s|\n\s*\n|\Z)", body, re.M | re.S)
    assert m, f"## {DECISIONS} has no “Required fields: … which are optional: …” item any more"
    files = {h: k for k, h in HEADINGS.items() if "/" not in h}
    found: dict[str, list[str]] = {}
    group: list[str] = []
    owner: str | None = None
    depth = 0
    toks = tokens(m.group(1))

    def flush() -> None:
        nonlocal group, owner
        if group:
            assert owner, f"## {DECISIONS}: cannot tell which kind {group} belong to"
            found.setdefault(owner, []).extend(group)
        group, owner = [], None

    for i, (kind, value) in enumerate(toks):
        if value == "(":
            depth += 1
        elif value == ")":
            depth -= 1
        elif depth:
            continue
        elif kind == "word" and re.fullmatch(r"(\w+)['’]s", value):
            flush()
            owner = re.fullmatch(r"(\w+)['’]s", value).group(1)
            assert owner in HEADINGS, f"## {DECISIONS}: “{value}” names no kind"
        elif value == "," and i + 1 < len(toks) and toks[i + 1] == ("word", "and"):
            flush()
        elif kind == "code" and value in files and i and toks[i - 1] == ("word", "in"):
            owner = files[value]
            flush()
        elif kind == "code":
            group.append(value)
    flush()
    return found


# --- the checks: each returns its problems as sentences naming the kind and the field -------------------------


def unnamed_fields(kind: str, reading: Reading) -> list[str]:
    """Rule 1: every field of the schema is named in its kind's section."""
    problems = []
    for path, f in FIELDS[kind].items():
        if f.part:
            # One score key per part of site.yaml's `evaluation.parts`: the docs name the source of the keys and
            # give one as an example (`authority: 27.5`), not every key of the sample.
            if "evaluation.parts" not in reading.codes:
                problems.append(
                    f"{reading.where()}: the score keys (`{path}`, …) come from site.yaml's "
                    f"`evaluation.parts`, which the section does not name"
                )
        elif path not in reading.named:
            what = "required" if f.required else "optional"
            problems.append(f"{reading.where()}: the {what} field `{path}` is not named in backticks")
    return problems


def unknown_names(kind: str, reading: Reading) -> list[str]:
    """Rule 2: every field-like backticked word of the section is a field, a choice value or allowed."""
    return [
        f"{reading.where()}: {token} is named, but it is no field of {kind} nor a value any field accepts"
        for token in reading.unknown
    ]


def choice_problems(kind: str, reading: Reading) -> list[str]:
    """Rule 3: every accepted choice value is named; no value the schema rejects is."""
    problems = [f"{reading.where()}: names {token} as a value, but the schema rejects it" for token in reading.rejected]
    for path, f in FIELDS[kind].items():
        for value in f.choices:
            if value not in reading.values:
                problems.append(f"{reading.where()}: `{path}` accepts `{value}`, which the section does not name")
    return problems


def optional_problems(kind: str, reading: Reading) -> list[str]:
    """Rule 4: what the docs call optional is optional in the schema, and (by the docs' own rule) what the schema
    leaves optional is called optional, or is made optional in other words (`NOT_CALLED_OPTIONAL`)."""
    problems = []
    for path, where in reading.optional.items():
        if FIELDS[kind][path].required:
            problems.append(f"{reading.where()}: `{path}` is called optional ({where}), but the schema requires it")
    for path, f in FIELDS[kind].items():
        if f.required or path in reading.optional:
            continue
        phrase = NOT_CALLED_OPTIONAL.get((kind, path), (None,))[0]
        if phrase is None:
            problems.append(
                f"{reading.where()}: `{path}` is optional in the schema, but the docs never call it "
                f"optional, so by their rule an editor must give it"
            )
        elif not says(reading.text, phrase):
            problems.append(
                f"{reading.where()}: `{path}` is optional in the schema; the section no longer says "
                f"“{phrase}”, which made it optional in other words"
            )
    return problems


CHECKS = (unnamed_fields, unknown_names, choice_problems, optional_problems)


def all_problems(text: str) -> list[str]:
    readings = read_docs(text)
    return [p for kind, reading in readings.items() for check in CHECKS for p in check(kind, reading)]


# --- the tests ---------------------------------------------------------------------------------------------

TEXT = DOCS.read_text(encoding="utf-8")


@functools.cache
def readings() -> dict[str, Reading]:
    return read_docs(TEXT)


def test_every_kind_has_its_section():
    assert set(HEADINGS) == set(schema.KIND_TABLES) | {"evaluation"}, "a kind of record without a docs section"
    missing = [f"## {heading}" for heading in HEADINGS.values() if heading not in sections(TEXT)]
    assert not missing, f"docs/content-model.md has no section {missing}"


def test_the_walk_reaches_every_depth():
    assert {"evaluation.parts.label", "evaluation.parts.max", "evaluation.black_line"} <= set(FIELDS["site"])
    assert {"districts.id", "districts.streets.id", "districts.streets.name"} <= set(FIELDS["areas"])
    assert {"grids.members", "venues.area_m2", "stats.issues_closed_same_day"} <= set(FIELDS["community"])
    assert FIELDS["compound"]["owners_body.kind"].choices == tuple(schema.OWNERS_BODY_KINDS)
    assert FIELDS["compound"]["type"].choices == tuple(schema.COMPOUND_TYPES)
    assert FIELDS["project"]["updates.status"].choices == tuple(schema.PROJECT_STATUSES)
    assert not FIELDS["project"]["updates.status"].required and FIELDS["project"]["status"].required
    assert {"attachments.title", "attachments.file"} <= set(FIELDS["notice"])
    scores = {p for p, f in FIELDS["evaluation"].items() if f.part}
    assert scores == {f"scores.{key}" for key in sample_parts()} and FIELDS["evaluation"]["scores.note"]


def test_the_reading_follows_the_prose():
    community, project = readings()["community"], readings()["project"]
    assert {"grids.name", "venues.name", "venues.address", "stats.period"} <= community.named
    assert {
        "secretary",
        "office_phone",
        "address",
        "grids",
        "venues",
        "stats",
        "grids.members",
        "venues.area_m2",
        "venues.address",
        "venues.services",
    } == set(community.optional)
    assert "updates.status" in project.optional and "status" not in project.optional
    assert "evaluation" not in readings()["site"].optional and "sample" in readings()["site"].optional
    assert set(decided_optional(TEXT)) == {"compound", "community", "site"}


@pytest.mark.parametrize("kind", list(HEADINGS))
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_docs_describe_the_schema(kind, check):
    problems = check(kind, readings()[kind])
    assert not problems, "docs/content-model.md and schema.py disagree:\n" + "\n".join(problems)


def test_every_allowance_is_still_needed():
    for (kind, token), reason in LITERALS.items():
        reading = readings()[kind]
        assert token in reading.codes, f"{kind}: `{token}` is allowed ({reason}) but no longer named; remove it"
        assert token not in FIELDS[kind] and token not in reading.values, f"{kind}: `{token}` needs no allowance"
    for (kind, other, root), reason in OTHER_KIND_FIELDS.items():
        assert root in FIELDS[other], f"{kind} may name {other}'s `{root}` ({reason}), which does not exist"
        names = {KEY_VALUE_RE.sub(r"\1", t) for t in readings()[kind].codes}
        used = [
            n
            for n in names
            if not any(f.name == n or p == n for p, f in FIELDS[kind].items())
            and any(f.path == root or f.path.startswith(root + ".") for f in _other_kind(kind, n))
        ]
        assert used, f"{kind} may name {other}'s `{root}` ({reason}), but does not any more; remove the allowance"
    for (kind, path), (phrase, reason) in NOT_CALLED_OPTIONAL.items():
        f = FIELDS[kind].get(path)
        assert f is not None and not f.required, f"{kind}: `{path}` ({reason}) is not an optional field any more"
        assert path not in readings()[kind].optional, f"{kind}: `{path}` is now called optional; drop its entry"
        assert says(readings()[kind].text, phrase), f"{kind}: `{path}` ({reason}): “{phrase}” is gone"
    for (kind, path), phrase in OPTIONAL_STOPS_BEFORE.items():
        assert path in readings()[kind].stopped, f"{kind}: “{phrase}” no longer needs to keep `{path}` required"


def _doctor(text: str, heading: str, old: str, new: str) -> str:
    body = sections(text)[heading]
    assert body.count(old) == 1, (heading, old)
    return text.replace(body, body.replace(old, new))


def test_the_checks_catch_a_doctored_copy():
    assert all_problems(TEXT) == []
    cases = [
        # a field removed from its section (rule 1)
        (
            "companies/<id>.yaml",
            "`credit_code` (",
            "(",
            "company (## companies/<id>.yaml): the required field `credit_code` is not named",
        ),
        ("communities/<id>.yaml", "optional `area_m2`, ", "", "the optional field `venues.area_m2` is not named"),
        ("site.yaml", "  black_line: 60 ", "  ", "the required field `evaluation.black_line` is not named"),
        ("evaluations/<district>/<period>.yaml", "`evaluation.parts`", "parts", "which the section does not name"),
        # an unknown field added (rule 2)
        (
            "companies/<id>.yaml",
            "optional `phone`",
            "optional `phone`, `fax`",
            "company (## companies/<id>.yaml): `fax` is named, but it is no field of company",
        ),
        ("site.yaml", "  black_line: 60", "  blackline: 60", "`blackline` (a key of the YAML example) is named"),
        # choice values: one missing, one the schema rejects (rule 3)
        ("projects/<id>.md", ", `suspended`", "", "`status` accepts `suspended`, which the section does not name"),
        ("projects/<id>.md", "`suspended`", "`suspended`, `cancelled`", "names `cancelled` (accepted: planned"),
        ("notices/<year>/<id>.md", "`招聘`", "`招聘`, `公告`", "names `公告` (accepted: 通知"),
        ("compounds/<id>.yaml", "`state_owned: true`", "`type: public`", "names `type: public` (accepted:"),
        # required and optional (rule 4)
        (
            "compounds/<id>.yaml",
            "`households`, optional `buildings`",
            "optional `households`, `buildings`",
            "`households` is called optional (“optional … `households`” in ## compounds/<id>.yaml), but the schema",
        ),
        (
            "projects/<id>.md",
            "`text`, optional `status`",
            "`text`, `status`",
            "`updates.status` is optional in the schema, but the docs never call it optional",
        ),
        ("compounds/<id>.yaml", "optional `grid`", "`grid`", "`grid` is optional in the schema, but the docs never"),
        ("notices/<year>/<id>.md", "none means site-wide", "none is site-wide", "no longer says “none means"),
        (DECISIONS, "`fee_collection` and ", "", "`fee_collection` is optional in the schema, but the docs never"),
        (
            DECISIONS,
            "`sample` and `pii_allow`",
            "`sample`, `pii_allow` and `title`",
            "site (## site.yaml): `title` is called optional (the “Required fields” decision",
        ),
    ]
    for heading, old, new, expected in cases:
        problems = all_problems(_doctor(TEXT, heading, old, new))
        assert any(expected in p for p in problems), (heading, old, new, problems)
