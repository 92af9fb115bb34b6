"""The edit loop's memo (`engine.memo.Memo`, a `steps.Runner`): a step's result is reused only
while its declared inputs are the same values; `steps.DIRECT` remembers nothing."""

from __future__ import annotations

import contextlib

import pytest

from generator.engine.memo import Memo
from generator.steps import DIRECT, Step


@contextlib.contextmanager
def rebuild(memo: Memo):
    """One completed build of the edit loop, as `engine.incremental.Session.building` runs it."""
    memo.begin()
    yield
    memo.finish()


def counting(name: str = "step", **kwargs):
    calls: list = []

    def make(*args):
        calls.append(args)
        return len(calls)

    return Step(name, make, **kwargs), calls


def test_direct_makes_every_result():
    step, calls = counting()
    assert [DIRECT(step, 1), DIRECT(step, 1)] == [1, 2]
    assert DIRECT.each(step, [1, 1], "x") == [3, 4] and calls[-1] == (1, "x")


def test_a_result_is_reused_while_its_inputs_are_the_same():
    step, _calls = counting()
    memo = Memo()
    record, equal, other = ("a", 1), ("a", int("1")), ("a", 2)
    with rebuild(memo):
        assert memo(step, record) == 1
        assert memo(step, record) == 1  # the same object
        assert memo(step, equal) == 1  # an equal value
        assert memo(step, other) == 2  # changed
        assert memo(step, other, record) == 3  # more inputs
    another, _ = counting("another")
    with rebuild(memo):
        assert memo(step, other, record) == 3  # remembered across builds
        assert memo(another, other, record) == 1  # each step has its own results
    assert Memo()(step, other, record) == 4  # a new memo (a new edit loop) remembers nothing


def test_declared_inputs_and_slots():
    """`inputs` says what the result depends on (other arguments are not compared); `slot` which
    of the step's results a call makes (one per slot)."""
    step, _calls = counting(inputs=lambda url, record, make: (record,), slot=lambda url, record, make: url)
    memo = Memo()
    with rebuild(memo):
        assert memo(step, "/a/", "A", object()) == 1
        assert memo(step, "/b/", "B", object()) == 2
        assert memo(step, "/a/", "A", object()) == 1  # the third argument is not an input
        assert memo(step, "/a/", "A2", None) == 3
        assert memo(step, "/b/", "B", None) == 2  # slots are kept apart


def test_each_reuses_by_the_very_object():
    step, calls = counting()
    memo = Memo()
    a, b = ("a", 1), ("b", 2)
    with rebuild(memo):
        assert memo.each(step, [a, b]) == [1, 2]
        assert memo.each(step, [a, b]) == [1, 2] and len(calls) == 2  # found both objects
        equal = ("a", int("1"))  # equal to `a` but another object: made again
        assert memo.each(step, [equal]) == [3] and calls[-1][0] is equal
        assert memo.each(step, [b], "other args") == [4]  # each set of arguments has its own table
        assert calls[-1] == (b, "other args")


def test_each_by_value_finds_an_equal_new_object():
    step, calls = counting(by_value=True)
    memo = Memo()
    with rebuild(memo):
        rows = [("a", 1), ("b", 2)]
        assert memo.each(step, rows) == [1, 2]
    with rebuild(memo):
        again = [("a", int("1")), ("b", 3)]  # a table made again: one row equal, one changed
        assert memo.each(step, again) == [1, 3] and len(calls) == 3


def test_bounds_grow_with_the_site_so_a_big_rebuild_keeps_its_memo():
    """More results than a step's floor (a province: 120,000 pages) must not empty the memo on
    every rebuild: it did, and a notice edit took 13 s instead of 3."""
    page, page_calls = counting("page", slot=lambda i: i, floor=10)
    line, line_calls = counting("line", floor=10)
    memo = Memo()
    rows = [("row", i) for i in range(50)]

    def build() -> None:
        with rebuild(memo):
            for i in range(50):
                memo(page, i)
            memo.each(line, rows)

    build()
    assert len(page_calls) == 50 and len(line_calls) == 50  # the first rebuild makes everything
    build()
    build()
    assert len(page_calls) == 50 and len(line_calls) == 50  # the next ones find all of it


def test_bounds_drop_what_is_no_longer_made():
    page, _ = counting("page", slot=lambda *key: key, floor=10)
    line, _ = counting("line", floor=10)
    memo = Memo()
    live = [("row", i) for i in range(20)]
    for number in range(6):  # each rebuild makes 20 pages, all new outputs, and a table made again
        with rebuild(memo):
            for i in range(20):
                memo(page, number, i)
            memo.each(line, [("row", i) for i in range(20)] if number < 5 else live)
        assert len(memo._slots["page"]) <= 3 * 20  # past twice a rebuild's use the old ones go
        assert len(memo._objects[("line", ())]) <= 3 * 20
    assert all(id(row) in memo._objects[("line", ())] for row in live)


def test_a_failed_rebuild_sweeps_nothing():
    page, calls = counting("page", slot=lambda i: i, floor=10)
    memo = Memo()
    with rebuild(memo):
        for i in range(50):
            memo(page, i)
    with pytest.raises(ValueError), rebuild(memo):  # bad content: the rebuild stops after one lookup
        memo(page, 0)
        raise ValueError
    with rebuild(memo):
        for i in range(50):
            memo(page, i)
    assert len(calls) == 50


def test_a_reused_result_keeps_the_newest_inputs_not_the_first():
    """Each build makes its mappings anew (equal, not the same objects): a step reused build
    after build must not keep the first build's alive (a chunk of notice pages held a province's
    whole status table, one per build that re-made it)."""
    import gc
    import weakref

    class Table(dict):  # a dict that can be weakly referenced
        pass

    made: list[int] = []
    step = Step("sum", lambda table: made.append(1) or sum(table.values()))  # keeps no argument
    memo = Memo()
    first = Table(a=1)
    gone = weakref.ref(first)
    with rebuild(memo):
        assert memo(step, first) == 1
    second = Table(a=1)
    with rebuild(memo):
        assert memo(step, second) == 1 and len(made) == 1
    del first
    gc.collect()
    assert gone() is None
