"""The edit loop's memo: reuse only while the inputs are the same values, and only inside a store."""

from __future__ import annotations

from generator.engine import memo


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


def test_bounds_grow_with_the_site_so_a_big_rebuild_keeps_its_memo(monkeypatch):
    """More outputs than the fixed floors (a province: 120,000 pages against MAX_SLOTS) must not
    empty the memo on every rebuild: it did, and a notice edit took 13 s instead of 3."""
    monkeypatch.setattr(memo, "MAX_SLOTS", 10)
    store, calls = memo.Store(), []
    rows = [("row", i) for i in range(50)]

    def rebuild() -> None:
        with memo.using(store):
            for i in range(50):
                memo.remembered(("page", i), (i,), lambda: calls.append("slot"))
                memo.cached("digests", i, lambda: calls.append("cached"), limit=10)
            memo.per_object("lines", rows, lambda row: calls.append("object"), limit=10)

    rebuild()
    assert len(calls) == 150  # the first rebuild computes everything
    calls.clear()
    rebuild()
    rebuild()
    assert calls == []  # and the next ones find all of it, though each holds 50 entries past a floor of 10


def test_bounds_still_drop_what_is_no_longer_made(monkeypatch):
    monkeypatch.setattr(memo, "MAX_SLOTS", 10)
    store = memo.Store()
    with memo.using(store):
        for i in range(20):
            memo.remembered(("page", i), (i,), lambda: None)
    for rebuild in range(1, 6):  # each rebuild makes 20 pages, all of them new outputs
        with memo.using(store):
            for i in range(20):
                memo.remembered(("page", rebuild, i), (i,), lambda: None)
        assert len(store.slots) <= 2 * 20 + 20  # past twice a rebuild's lookups the old ones go
    # objects replaced since (a table made again) are dropped, the live ones kept
    live = [("row", i) for i in range(20)]
    with memo.using(store):
        for _ in range(5):
            replaced = [("row", i) for i in range(20)]
            memo.per_object("lines", replaced, repr, limit=10)
        memo.per_object("lines", live, repr, limit=10)
        table = memo.table("lines")
        assert len(table) <= 2 * 20 and all(id(row) in table for row in live)


def test_a_failed_rebuild_leaves_the_bounds(monkeypatch):
    monkeypatch.setattr(memo, "MAX_SLOTS", 10)
    store, calls = memo.Store(), []
    with memo.using(store):
        for i in range(50):
            memo.remembered(("page", i), (i,), lambda: calls.append(1))
    try:
        with memo.using(store):  # bad content: the rebuild stops after a few lookups
            memo.remembered(("page", 0), (0,), lambda: calls.append(1))
            raise ValueError
    except ValueError:
        pass
    with memo.using(store):
        for i in range(50):
            memo.remembered(("page", i), (i,), lambda: calls.append(1))
    assert len(calls) == 50
