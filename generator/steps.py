"""Steps: how a stage declares the parts of it that are worth remembering between builds.

`bulletin serve` builds the site again after every save, and most of what a stage makes comes
from records the save did not touch. A stage made of such parts declares each of them as a
`Step`: a pure function (`make`), the objects its result is made from (`inputs`, a function of
the same arguments; by default the arguments themselves) and, for a step with many results,
which result a call makes (`slot`: a page's URL, a table's district and year). The stage calls
its steps through the runner it is handed:

    run(step, *args)                 # step.make(*args)
    run.each(step, objects, *args)   # [step.make(obj, *args) for obj in objects]

`DIRECT`, every stage's default, simply calls: a one-shot build remembers nothing. The edit loop
hands its `engine.memo.Memo`, which gives back what a step made last time while the declared
inputs are the very same objects (or equal ones): `run(step, …)` keeps one result per slot,
`run.each` one per object (and, with `by_value`, per equal object). So the rules and the output
stay pure functions that never see a cache, and what each part reads is stated once, beside it.

A step must read nothing but its arguments (and what its inputs name): a result remembered
from inputs that did not change is only right if nothing else went into it. This module
imports nothing of the package, so every layer may declare steps.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Step(Generic[T]):
    name: str  # unique: the memo keeps each step's results apart by it
    make: Callable[..., T]
    inputs: Callable[..., tuple] | None = None  # what the result is made from; None: the arguments
    slot: Callable[..., Hashable] | None = None  # which of the step's results a call makes; None: one
    by_value: bool = False  # `each`: a new object equal to one seen before gets that one's result
    floor: int = 4096  # the memo never empties the step's table below this many results


class Runner(Protocol):
    def __call__(self, step: Step[T], *args: Any) -> T: ...

    def each(self, step: Step[T], objects: Iterable[Any], *args: Any) -> list[T]: ...


class Direct:
    """The runner that remembers nothing: every call makes its result."""

    def __call__(self, step: Step[T], *args: Any) -> T:
        return step.make(*args)

    def each(self, step: Step[T], objects: Iterable[Any], *args: Any) -> list[T]:
        make = step.make
        return [make(obj, *args) for obj in objects]


DIRECT = Direct()
