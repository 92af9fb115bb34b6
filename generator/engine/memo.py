"""What the edit loop remembers between rebuilds: the results of the stages' declared steps.

A `Memo` is the runner (`generator.steps.Runner`) that `bulletin serve`'s edit loop hands to
every stage; a one-shot build hands `steps.DIRECT` instead and remembers nothing. Nothing is
remembered across loops, so a fresh build is an independent check of what the edit loop
produced (tests/test_incremental.py compares them byte for byte).

- `memo(step, *args)` is `step.make(*args)`, or what it returned last time for the same slot
  (`step.slot(*args)`) when every object of `step.inputs(*args)` is the very object it was
  then, or equal to it. Sound because records, derived tables and settings are frozen values
  that no stage mutates; cheap because the edit loop keeps every unchanged record as the same
  object from one rebuild to the next (`incremental.Session.intern`), so comparing thousands of inputs
  is a pass of `is` checks. One result per slot: a slot names one output (a page, a data file).
- `memo.each(step, objects, *args)` is `[step.make(obj, *args) for obj in objects]`, each result
  remembered by its object's identity (the object is kept, so its id cannot be reused) and, for
  a `by_value` step, by its value too: rows of a table made again are mostly equal to the old
  ones, and a value lookup finds them. Each `args` has a table of its own.

Bounds grow with the site: after each completed rebuild (`finish`), a table that holds more
than twice the results that rebuild used, and more than its step's `floor`, keeps only those:
pages of deleted records and rows of replaced objects do not pile up, and a big site's memo is
never emptied wholesale (a fixed bound below a province's page count would empty it on every
rebuild). A rebuild that fails (bad content) sweeps nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from ..steps import Step

T = TypeVar("T")


class Memo:
    def __init__(self) -> None:
        self._slots: dict[Any, dict] = {}  # step name -> slot -> [inputs, result, generation]
        self._objects: dict[Any, dict] = {}  # (step name, args) -> id(obj) -> [obj, result, generation]
        self._values: dict[Any, dict] = {}  # (step name, args) -> obj -> [result, generation]
        self._floors: dict[Any, int] = {}
        self._kept: dict[Any, int] = {}  # table -> its size after the last sweep
        self.generation = 0

    def __setstate__(self, state: dict) -> None:
        """Taken up in another process (`persist`): the tables of `each` are keyed by their
        objects' ids, which are new there."""
        self.__dict__.update(state)
        self._objects = {key: {id(entry[0]): entry for entry in table.values()} for key, table in self._objects.items()}

    def begin(self) -> None:
        """A rebuild starts: what it uses is marked with a new generation."""
        self.generation += 1

    def finish(self) -> None:
        """The rebuild completed: tables grown past twice what it used keep only that."""
        generation = self.generation
        for tables, mark in ((self._slots, 2), (self._objects, 2), (self._values, 1)):
            for key, table in tables.items():
                if len(table) <= max(self._floors[key], 2 * self._kept.get(key, 0)):
                    continue
                used = {k: entry for k, entry in table.items() if entry[mark] == generation}
                if 2 * len(used) < len(table):
                    tables[key] = used
                self._kept[key] = len(tables[key])

    def __call__(self, step: Step[T], *args: Any) -> T:
        # The edit loop's hottest path (a call per page and per record): the inputs are compared
        # here, in a loop, not through a helper or all() (each would cost a call per lookup).
        table = self._slots.get(step.name)
        if table is None:
            table = self._slots[step.name] = {}
            self._floors[step.name] = step.floor
        slot = None if step.slot is None else step.slot(*args)
        inputs = args if step.inputs is None else step.inputs(*args)
        hit = table.get(slot)
        if hit is not None:
            old = hit[0]
            if len(old) == len(inputs):
                for a, b in zip(old, inputs):
                    if a is not b and a != b:
                        break
                else:
                    hit[0] = inputs  # the newest equal objects: the old ones (a build's mappings) can go
                    hit[2] = self.generation
                    return hit[1]
        value = step.make(*args)
        table[slot] = [inputs, value, self.generation]
        return value

    def each(self, step: Step[T], objects: Iterable[Any], *args: Any) -> list[T]:
        key = (step.name, args)
        table = self._objects.get(key)
        if table is None:
            table = self._objects[key] = {}
            self._floors[key] = step.floor
        values = None
        if step.by_value:
            values = self._values.get(key)
            if values is None:
                values = self._values[key] = {}
                self._floors[key] = step.floor
        make, generation = step.make, self.generation
        out = []
        for obj in objects:
            hit = table.get(id(obj))
            if hit is None or hit[0] is not obj:
                if values is None:
                    result = make(obj, *args)
                else:
                    found = values.get(obj)
                    if found is None:
                        found = values[obj] = [make(obj, *args), generation]
                    else:
                        found[1] = generation
                    result = found[0]
                hit = table[id(obj)] = [obj, result, generation]
            else:
                hit[2] = generation
            out.append(hit[1])
        return out
