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
