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
- `cached(name, key, compute)` is `compute()`, remembered in `table(name)` under `key`.
- `per_object(name, objects, compute)` is `[compute(obj) for obj in objects]`, each remembered
  by the very object (which it keeps, so its id cannot be reused): for values that are costly to
  hash or make, like the rows of a table, when the caller hands the same objects again while
  they are unchanged. Each name is used by one call a rebuild, with every object it has then.

Bounds grow with the site. The slots and a `cached` table are emptied only past twice as many
entries as the last completed rebuild looked up in them, or the one under way so far (and never
below a floor); a `per_object` table is cut back to the objects of its last call once it holds
twice as many. A fixed bound would empty a big site's memo on every rebuild: a province has
120,000 pages, and its edit loop took 13.5 s a notice edit when the slots were bounded at
100,000 (2.7 s now).
"""

from __future__ import annotations

import contextlib
from typing import Any, Callable

MAX_SLOTS = 100_000  # the slots are never emptied below this many (see the bounds above)


class Store:
    def __init__(self) -> None:
        self.slots: dict[Any, tuple[tuple, Any]] = {}
        self.tables: dict[str, dict] = {}
        # Lookups in the rebuild under way (the slots', and each `cached` table's), and twice
        # those of the last rebuild that completed: what the bounds are made of.
        self.slot_uses = 0
        self.uses: dict[Any, int] = {}
        self.slot_bound = 0
        self.bounds: dict[Any, int] = {}

    def begin(self) -> None:
        self.slot_uses = 0
        self.uses = {}

    def finish(self) -> None:
        """The rebuild completed: its lookups set the bounds (a rebuild that looked nothing up,
        one with nothing changed, leaves them)."""
        if self.slot_uses:
            self.slot_bound = 2 * self.slot_uses
        for name, count in self.uses.items():
            self.bounds[name] = 2 * count


_current: Store | None = None


@contextlib.contextmanager
def using(store: Store | None):
    """Make `store` current for one rebuild (None: remember nothing). A rebuild that raises
    (bad content) leaves the bounds as they were."""
    global _current
    previous, _current = _current, store
    if store is not None:
        store.begin()
    try:
        yield
        if store is not None:
            store.finish()
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
    store.slot_uses += 1
    hit = store.slots.get(slot)
    if hit is not None and same(hit[0], inputs):
        return hit[1]
    if len(store.slots) > max(MAX_SLOTS, store.slot_bound, 2 * store.slot_uses):
        store.slots.clear()  # outputs no longer made (pages of deleted records) pile up here
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


def cached(name: Any, key: Any, compute: Callable[[], Any], limit: int = 100_000) -> Any:
    """`compute()`, remembered in `table(name)` under `key` (the table is emptied past `limit`
    and past twice the last rebuild's lookups in it)."""
    store = _current
    if store is None:
        return compute()
    found = store.tables.setdefault(name, {})
    uses = store.uses[name] = store.uses.get(name, 0) + 1
    value = found.get(key, _MISSING)
    if value is _MISSING:
        if len(found) >= max(limit, store.bounds.get(name, 0), 2 * uses):
            found.clear()
        value = found[key] = compute()
    return value


def per_object(name: Any, objects, compute: Callable[[Any], Any], limit: int = 4096) -> list:
    """`[compute(obj) for obj in objects]`, each remembered in `table(name)` by the identity of
    its object. Past `limit` entries and twice this call's objects (the others were replaced
    since), the table keeps only this call's."""
    found = table(name)
    if found is None:
        return [compute(obj) for obj in objects]
    hits = []
    for obj in objects:
        hit = found.get(id(obj))
        if hit is None or hit[0] is not obj:
            hit = found[id(obj)] = (obj, compute(obj))  # the object is kept, so its id is not reused
        hits.append(hit)
    if len(found) > limit and len(found) > 2 * len(hits):
        found.clear()
        found.update((id(hit[0]), hit) for hit in hits)
    return [hit[1] for hit in hits]
