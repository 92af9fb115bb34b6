"""The edit loop's memo: reuse only while the inputs are the same values, and only inside a store."""

from __future__ import annotations

from generator import memo


def test_without_a_store_everything_is_computed():
    calls = []
    for _ in range(2):
        assert memo.remembered("slot", (1,), lambda: calls.append(1) or len(calls)) == len(calls)
        memo.cached("t", "k", lambda: calls.append(2))
    assert memo.table("t") is None
    assert len(calls) == 4


def test_a_store_reuses_a_result_while_its_inputs_are_the_same():
    calls = []
    record, equal, other = ("a", 1), ("a", 1), ("a", 2)
    compute = lambda: calls.append(1) or len(calls)  # noqa: E731
    with memo.using(memo.Store()):
        assert memo.remembered("slot", (record,), compute) == 1
        assert memo.remembered("slot", (record,), compute) == 1  # the same object
        assert memo.remembered("slot", (equal,), compute) == 1  # an equal value
        assert memo.remembered("slot", (other,), compute) == 2  # changed
        assert memo.remembered("slot", (other, record), compute) == 3  # more inputs
        assert memo.remembered("another", (other, record), compute) == 4  # slots are separate
        assert memo.cached("t", "k", compute) == 5
        assert memo.cached("t", "k", compute) == 5
    with memo.using(memo.Store()):  # a new store (a new builder) remembers nothing
        assert memo.remembered("slot", (other, record), compute) == 6
    assert memo.table("t") is None  # the store is current only inside `using`


def test_per_object_reuses_by_the_very_object_not_by_value():
    calls = []
    compute = lambda row: calls.append(row) or f"line {row[0]}"  # noqa: E731
    a, b = ("a", 1), ("b", 2)
    assert memo.per_object("rows", [a, b], compute) == ["line a", "line b"]  # no store: computed
    with memo.using(memo.Store()):
        assert memo.per_object("rows", [a, b], compute) == ["line a", "line b"]
        assert memo.per_object("rows", [a, b], compute) == ["line a", "line b"]
        assert len(calls) == 4  # the second pass found both objects
        equal = ("a", int("1"))  # equal to `a` but another object: computed again
        assert memo.per_object("rows", [equal], compute) == ["line a"]
        assert calls[-1] is equal
        changed = ("a", 3)
        assert memo.per_object("rows", [changed, b], compute) == ["line a", "line b"]
        assert calls[-1] is changed and len(calls) == 6
        assert memo.per_object("other", [b], compute) == ["line b"] and len(calls) == 7  # tables are separate
