"""Every template reads only documented names (in the spirit of Datasette's tests/test_template_context.py).

The contract is `generator.output.contexts`: each page template's context is a declared type
(`CONTEXTS`), and the globals every template sees are declared too (`Globals`). Here:

- Each template file is parsed with the project's Jinja environment, and the names it reads from
  outside (`jinja2.meta.find_undeclared_variables`, less the names the template binds itself)
  must be names that every use of the template provides:
  - a page template (a key of `CONTEXTS`): the keys of its context type, `url`, the globals;
  - a template others extend, include or import with context (the layout `base.html`): what
    every one of those provides, so `base.html` gets `page`, `url` and the globals; a name only
    some of them provide (`notice`, `pager`) is allowed only if the template tests it with
    `is defined`;
  - a macro library imported without context (`_macros.html`, `_search.html`), or whose macros
    the renderer calls by name (`_layout.html` through `Renderer.once`, `_macros.html` through
    `Renderer.fragment`): nothing but the globals, besides its macros' parameters;
  - a template nothing uses and no page kind renders fails.
  A name the template binds somewhere (`{% set %}`, a loop variable, a macro or its parameter, an
  imported library) counts as its own wherever it is read: Jinja reports a name set inside an `if`
  as read from outside too (what it falls back to when the branch is not taken). Reading such a
  name where it is not bound reads an undefined name, which StrictUndefined makes an error when
  the page renders.
- The sample bulletin's plan: every page's context has exactly its template's declared keys, with
  values of the declared types; every declared type is used by a page of the sample.
- The globals a real `Renderer` sets are exactly `Globals` (besides Jinja's own).
- The checks can fail: small inline templates reading undeclared names are reported.
"""

from __future__ import annotations

import collections.abc
import inspect
import re
import types
import typing
from datetime import date
from functools import cache
from typing import Any

import markupsafe
import pytest
from jinja2 import meta, nodes
from jinja2.defaults import DEFAULT_NAMESPACE

from generator.content.errors import Problems
from generator.content.load import load
from generator.content.validate import validate
from generator.domain.derive import derive
from generator.output import charts, render
from generator.output.contexts import CONTEXTS, Globals, PageContext, PageMeta
from generator.output.routes import Page, plan
from generator.output.theme import Theme

from conftest import REPO, SAMPLE, TODAY

THEME = Theme.for_content(SAMPLE)
ENV = render.template_environment(THEME)
TEMPLATES = sorted(
    ENV.list_templates(filter_func=lambda name: name.endswith(".html") and not name.startswith("static/"))
)

GLOBALS = frozenset(Globals.__required_keys__)
JINJA_GLOBALS = frozenset(DEFAULT_NAMESPACE)  # range, dict, lipsum, cycler, joiner, namespace: Jinja's own
# Templates whose macros `render.Renderer` calls by name, with nothing but the globals.
CALLED_BY_THE_RENDERER = {"_layout.html": "once", "_macros.html": "fragment"}
# Declared context types the sample bulletin need not use: type name → why.
UNUSED_IN_THE_SAMPLE: dict[str, str] = {
    "WithdrawnContext": "a deleted notice's or project's page comes from git history, which the sample's plan "
    "is made without (tests/test_history_rules.py builds withdrawn pages)",
}


def declared_keys(context_type: Any) -> frozenset[str]:
    assert not context_type.__optional_keys__, f"{context_type.__name__}: every key of a context is required"
    return frozenset(context_type.__required_keys__)


# --- what a template reads ---------------------------------------------------------------------------


def parse(name: str) -> nodes.Template:
    source, _, _ = ENV.loader.get_source(ENV, name)
    return ENV.parse(source, name)


def bound_names(tree: nodes.Template) -> set[str]:
    """The names the template binds itself: set, loop and `with` targets, macros and their
    parameters, call-block parameters, imported libraries."""
    names = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    names |= {node.name for node in tree.find_all(nodes.Macro)}
    names |= {node.target for node in tree.find_all(nodes.Import)}
    for node in tree.find_all(nodes.FromImport):
        names |= {alias if isinstance(alias, str) else alias[1] for alias in node.names}
    return names


def reads(tree: nodes.Template) -> set[str]:
    """The names the template reads from its context or the globals. (`find_undeclared_variables`
    leaves out the environment's own globals: Jinja's and the `url_*` builders, all declared.)"""
    return meta.find_undeclared_variables(tree) - bound_names(tree)


def guarded_names(tree: nodes.Template) -> set[str]:
    """The names the template tests with `is defined`."""
    return {
        node.node.name
        for node in tree.find_all(nodes.Test)
        if node.name == "defined" and isinstance(node.node, nodes.Name)
    }


def undeclared_reads(name: str, tree: nodes.Template, every: frozenset[str], some: frozenset[str]) -> list[str]:
    """What `name` reads that is not documented: `every` is what every use of the template
    provides, `some` what at least one does (a name only in `some` is allowed behind `is defined`)."""
    guarded = guarded_names(tree)
    allowed = ", ".join(f"`{name}`" for name in sorted(every - GLOBALS))
    may_read = f"{allowed} and the globals" if allowed else "the globals only"
    found = []
    for read in sorted(reads(tree) - every - JINJA_GLOBALS):
        if read in some and read in guarded:
            continue
        if read in some:
            found.append(
                f"{name} reads `{read}`, which only some of the pages that render it have: "
                f"test it with `is defined` or declare it in every page kind's context"
            )
        else:
            found.append(
                f"{name} reads `{read}`, which is not declared for it: it may read {may_read} "
                f"(contexts.CONTEXTS, contexts.Globals)"
            )
    return found


# --- who uses a template, and what they provide ---------------------------------------------------


def references(name: str, tree: nodes.Template) -> list[tuple[str, bool]]:
    """(template named, whether it shares this template's context) for each extends, include and import."""
    found = []
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
        assert isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport))
        assert isinstance(node.template, nodes.Const), f"{name}: a template named by an expression"
        shares = True if isinstance(node, nodes.Extends) else node.with_context
        found.append((node.template.value, shares))
    return found


@cache
def users() -> dict[str, list[tuple[str, bool]]]:
    """Template → (template using it, whether the use shares the user's context)."""
    out: dict[str, list[tuple[str, bool]]] = {name: [] for name in TEMPLATES}
    for name in TEMPLATES:
        for used, shares in references(name, parse(name)):
            out.setdefault(used, []).append((name, shares))
    return out


@cache
def provided(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the names every use of `name` provides, the names some use provides), globals included."""
    uses: list[frozenset[str]] = []
    if name in CONTEXTS:
        uses.append(declared_keys(CONTEXTS[name]) | {"url"})
    for user, shares in users().get(name, ()):
        if shares:  # what every page rendering `user` has, and (for the union) what some have
            every, some = provided(user)
            uses.append(every - GLOBALS)
            uses.append(some - GLOBALS)
        else:
            uses.append(frozenset())
    if name in CALLED_BY_THE_RENDERER:
        uses.append(frozenset())
    assert uses, f"{name}: no page kind renders it (contexts.CONTEXTS) and no template or renderer helper uses it"
    return GLOBALS | frozenset.intersection(*uses), GLOBALS | frozenset.union(*uses)


def test_the_templates_are_the_repository_ones():
    assert THEME.dirs == (REPO / "templates",)
    assert {"base.html", "_macros.html", "_layout.html", "_search.html"} <= set(TEMPLATES)
    missing = sorted(set(CONTEXTS) - set(TEMPLATES))
    assert not missing, f"contexts.CONTEXTS names templates that do not exist: {missing}"


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_reads_only_documented_names(name):
    every, some = provided(name)
    problems = undeclared_reads(name, parse(name), every, some)
    assert not problems, "\n".join(problems)


def test_layout_and_macro_libraries_get_what_the_contract_says():
    """The handling of partials, pinned: the layout gets `page`, `url` and the globals (`notice`
    and `pager` behind `is defined`); the macro libraries get the globals alone."""
    every, some = provided("base.html")
    assert every == GLOBALS | {"page", "url"}
    assert {"notice", "pager"} <= some
    assert {"notice", "pager"} <= guarded_names(parse("base.html"))
    for library in ("_macros.html", "_layout.html", "_search.html"):
        assert provided(library) == (GLOBALS, GLOBALS), library


def test_the_renderer_calls_the_macro_libraries_it_is_said_to():
    source = inspect.getsource(render.Renderer)
    for library, helper in CALLED_BY_THE_RENDERER.items():
        assert f'"{library}"' in source and f"def {helper}(" in source, (library, helper)
        assert helper in GLOBALS


# --- the sample's plan ----------------------------------------------------------------------------


@cache
def sample_pages() -> tuple[Page, ...]:
    problems = Problems()
    today = date.fromisoformat(TODAY)
    site = validate(load(SAMPLE, "content", problems), problems, today)
    assert site is not None, [p.format() for p in problems.errors]
    return tuple(plan(site, derive(site, today)).pages)


def conforms(value: object, hint: object) -> bool:
    """`value` is of the declared type `hint` (classes, unions, literals, lists, tuples, dicts,
    TypedDicts, callables; a callable's signature is not checked)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is None or hint is type(None):
        return value is None
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if origin is typing.Literal:
        return value in args
    if typing.is_typeddict(hint):
        hints = typing.get_type_hints(hint)
        return (
            isinstance(value, dict)
            and set(value) == set(hints)
            and all(conforms(value[key], item) for key, item in hints.items())
        )
    if origin is collections.abc.Callable:
        return callable(value)
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is frozenset:
        return isinstance(value, frozenset) and all(conforms(item, args[0]) for item in value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return isinstance(value, tuple) and all(conforms(item, args[0]) for item in value)
        return isinstance(value, tuple) and len(value) == len(args) and all(map(conforms, value, args))
    if origin is dict:
        return isinstance(value, dict) and all(conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items())
    assert origin is None, f"conforms() does not know {hint}"
    return isinstance(value, hint)  # type: ignore[arg-type]


def test_every_page_of_the_sample_has_exactly_its_declared_context():
    pages = sample_pages()
    assert pages
    for page in pages:
        assert page.template in CONTEXTS, f"{page.url}: its template {page.template} has no declared context type"
        context_type = CONTEXTS[page.template]
        declared = declared_keys(context_type)
        assert set(page.context) == declared, (
            f"{page.url} ({page.template}): context keys {sorted(page.context)}, "
            f"{context_type.__name__} declares {sorted(declared)}"
        )
        hints = typing.get_type_hints(context_type)
        for key, value in page.context.items():
            assert conforms(value, hints[key]), f"{page.url}: `{key}` is {type(value).__name__}, declared {hints[key]}"


def test_every_declared_context_is_used_by_the_sample_and_each_template_is_one_kind():
    pages = sample_pages()
    kinds: dict[str, set[str]] = collections.defaultdict(set)
    for page in pages:
        kinds[page.template].add(page.context["page"]["kind"])
    unused = sorted(CONTEXTS[name].__name__ for name in set(CONTEXTS) - set(kinds))
    unexplained = [name for name in unused if name not in UNUSED_IN_THE_SAMPLE]
    assert not unexplained, f"declared context types no page of the sample uses: {unexplained}"
    assert set(UNUSED_IN_THE_SAMPLE) <= set(unused), "UNUSED_IN_THE_SAMPLE lists a type the sample uses"
    for template, found in kinds.items():
        assert len(found) == 1, f"{template} renders pages of several kinds: {sorted(found)}"
    assert len({kind for found in kinds.values() for kind in found}) == len(kinds), "two templates share a kind"


def test_every_context_type_is_a_page_context():
    for name, context_type in CONTEXTS.items():
        assert typing.is_typeddict(context_type) and issubclass(context_type, dict), name
        assert declared_keys(PageContext) <= declared_keys(context_type), name
        assert typing.get_type_hints(context_type)["page"] is PageMeta, name


# --- the globals ------------------------------------------------------------------------------------


def sample_renderer() -> render.Renderer:
    """A renderer as the build makes one (its own environment: the shared `ENV` keeps no site globals)."""
    problems = Problems()
    today = date.fromisoformat(TODAY)
    site = validate(load(SAMPLE, "content", problems), problems, today)
    assert site is not None
    _, asset_urls = render.static_outputs(THEME)
    return render.Renderer(site, derive(site, today), THEME, asset_urls, today)


def test_the_renderer_sets_exactly_the_declared_globals():
    renderer = sample_renderer()
    assert set(renderer.env.globals) >= JINJA_GLOBALS
    set_by_the_renderer = set(renderer.env.globals) - JINJA_GLOBALS
    assert set_by_the_renderer - GLOBALS == set(), "globals set but not declared in contexts.Globals"
    assert GLOBALS - set_by_the_renderer == set(), "globals declared in contexts.Globals but not set"
    hints = typing.get_type_hints(Globals, localns={"Chart": charts.Chart, "Markup": markupsafe.Markup})
    for name, hint in hints.items():
        assert conforms(renderer.env.globals[name], hint), f"global `{name}` is not {hint}"


def test_the_shared_environment_has_no_site_globals():
    """`reads` relies on it: `find_undeclared_variables` leaves out the environment's globals."""
    assert set(ENV.globals) - JINJA_GLOBALS == {name for name in GLOBALS if name.startswith("url_")}


# --- the checks can fail ------------------------------------------------------------------------------


def test_an_undeclared_name_in_a_page_template_is_reported():
    every, some = provided("notice.html")
    tree = ENV.parse(
        '{% extends "base.html" %}{% block content %}{{ notice.title }} {{ pager.total }}'
        "{{ undocumented }}{% set own = 1 %}{{ own }}{{ url_notice(notice.id) }}{% endblock %}"
    )
    may_read = "it may read `notice`, `page`, `status`, `url` and the globals (contexts.CONTEXTS, contexts.Globals)"
    assert undeclared_reads("notice.html", tree, every, some) == [
        f"notice.html reads `pager`, which is not declared for it: {may_read}",
        f"notice.html reads `undocumented`, which is not declared for it: {may_read}",
    ]


def test_a_layout_reads_a_kind_s_name_only_behind_is_defined():
    every, some = provided("base.html")
    unguarded = ENV.parse("{{ page.title }}{% if pager.current > 1 %}x{% endif %}")
    guarded = ENV.parse("{{ page.title }}{% if pager is defined and pager.current > 1 %}x{% endif %}")
    assert undeclared_reads("base.html", unguarded, every, some) == [
        "base.html reads `pager`, which only some of the pages that render it have: test it with `is defined` "
        "or declare it in every page kind's context"
    ]
    assert undeclared_reads("base.html", guarded, every, some) == []


def test_a_macro_reading_the_page_context_is_reported():
    every, some = provided("_macros.html")
    tree = ENV.parse("{% macro title(x) %}{{ x }} {{ page.title }} {{ site.info.title }}{% endmacro %}")
    assert undeclared_reads("_macros.html", tree, every, some) == [
        "_macros.html reads `page`, which is not declared for it: it may read the globals only "
        "(contexts.CONTEXTS, contexts.Globals)"
    ]


def test_a_template_nothing_uses_is_reported():
    with pytest.raises(AssertionError, match=re.escape("_orphan.html: no page kind renders it")):
        provided("_orphan.html")


def test_a_context_with_a_wrong_key_or_type_is_reported():
    from generator.output.contexts import NoticeContext

    hints = typing.get_type_hints(NoticeContext)
    page = PageMeta(title="t", kind="notice", crumbs=[("首页", "/")], description="")
    assert conforms(page, hints["page"])
    assert not conforms(dict(page, kind="notices!"), hints["page"])
    assert not conforms(dict(page, extra=1), hints["page"])
    assert not conforms("a notice", hints["notice"])
    assert not conforms([("首页", 1)], typing.get_type_hints(PageMeta)["crumbs"])
    assert conforms(None, typing.get_type_hints(CONTEXTS["compound.html"])["company"])


def test_jinja_reports_a_name_set_in_a_branch_as_read():
    """Why `reads` leaves out the names a template binds: without that, a set inside an `if` is a read."""
    tree = ENV.parse("{% if x %}{% set y = 1 %}{{ y }}{% endif %}")
    assert meta.find_undeclared_variables(tree) == {"x", "y"}
    assert reads(tree) == {"x"}
