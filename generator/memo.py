"""What the edit loop remembers between rebuilds, so that unchanged outputs are not recomputed.

A long-lived `incremental.Builder` owns a `Store` and makes it current while it rebuilds
(`with memo.using(store):`); a one-shot build has none, and then every function below simply
computes. Nothing is remembered across builders, so a fresh build is an independent check of
what the edit loop produced (tests/test_incremental.py compares them byte for byte).

- `remembered(slot, inputs, compute)` returns `compute()`, or what it returned last time for
  `slot` when every object in the tuple `inputs` is the very object it was then (or equal to
  it). Sound because records, derived tables and settings are frozen values that no stage
  mutates; cheap because the builder keeps every unchanged record as the same object from one
  rebuild to the next (`incremental._intern_fields`), so comparing thousands of inputs is a
  pass of `is` checks. One entry per slot: a slot names one output (a data file, one entry).
- `table(name)` is a dict that lives as long as the store (None without one), for results keyed
  by their inputs' values (a feed entry's XML by the entry, a scan's findings by the text).
  Callers bound its size.
- `per_object(name, objects, compute)` is `[compute(obj) for obj in objects]`, each remembered
  by the very object (which it keeps, so its id cannot be reused): for values that are costly to
  hash or make, like the rows of a table, when the caller hands the same objects again while
  they are unchanged.
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

MAX_SLOTS = 100_000


class Store:
    def __init__(self) -> None:
        self.slots: dict[Any, tuple[tuple, Any]] = {}
        self.tables: dict[str, dict] = {}


_current: Store | None = None


@contextlib.contextmanager
def using(store: Store | None):
    global _current
    previous, _current = _current, store
    try:
        yield
    finally:
        _current = previous


def table(name: str) -> dict | None:
    if _current is None:
        return None
    return _current.tables.setdefault(name, {})


def remembered(slot: Any, inputs: tuple, compute: Callable[[], Any]) -> Any:
    store = _current
    if store is None:
        return compute()
    hit = store.slots.get(slot)
    if hit is not None and same(hit[0], inputs):
        return hit[1]
    if len(store.slots) > MAX_SLOTS:
        store.slots.clear()
    value = compute()
    store.slots[slot] = (inputs, value)
    return value


def same(old: tuple, new: tuple) -> bool:
    """Whether two input tuples hold the same objects (or equal values), position by position."""
    if len(old) != len(new):
        return False
    for a, b in zip(old, new):
        if a is not b and a != b:
            return False
    return True


_MISSING = object()


def cached(name: str, key: Any, compute: Callable[[], Any], limit: int = 100_000) -> Any:
    """`compute()`, remembered in `table(name)` under `key` (the table is emptied past `limit`)."""
    found = table(name)
    if found is None:
        return compute()
    value = found.get(key, _MISSING)
    if value is _MISSING:
        if len(found) >= limit:
            found.clear()
        value = found[key] = compute()
    return value


def per_object(name: Any, objects, compute: Callable[[Any], Any], limit: int = 500_000) -> list:
    """`[compute(obj) for obj in objects]`, each remembered in `table(name)` by the identity of
    its object (emptied past `limit`)."""
    found = table(name)
    if found is None:
        return [compute(obj) for obj in objects]
    if len(found) > limit:
        found.clear()
    out = []
    for obj in objects:
        hit = found.get(id(obj))
        if hit is None or hit[0] is not obj:
            hit = found[id(obj)] = (obj, compute(obj))  # the object is kept, so its id is not reused
        out.append(hit[1])
    return out
