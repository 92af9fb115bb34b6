"""Dependency recording at the template boundary: which values each page read.

In the edit loop the templates see `site`, `d` and the "last changed" dates through a
`Recorder`'s views (`output.render.Renderer(reads=…)`), so each page's exact reads are known:
("site.notices", id, "title") when a template reads a notice's title, (mapping, key, None) for a
value that is not a record, (mapping, ALL, None) when it iterates a mapping or asks its size, and
(name, None, None) for a plain value such as `d.notices_newest`. The edit loop renders a page
again only when something it read changed (`incremental`). Recording happens here and only here:
the stages below never record anything themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..domain.derive import Derived
from ..domain.models import Site

ALL = "*"  # the key recorded when a template iterates a mapping or asks its size


class Recorder:
    """Stable views of `site` and `d` for the templates. What a render reads lands in `deps` as
    (mapping, key, attribute): ("site.notices", id, "title") when a template reads a notice's
    title, (mapping, key, None) for a value that is not a record (or a key looked up and absent),
    (mapping, ALL, None) when it iterates a mapping or asks its size, and (name, None, None) for a
    value that is not a mapping, such as `d.notices_newest`. `site.info` is not recorded: a
    change to it re-renders everything anyway."""

    def __init__(self, site: Site, derived: Derived, last_changed: dict):
        self.deps: set = set()
        self.site = _View(self, "site", site)
        self.d = _View(self, "d", derived)
        self.last_changed = _MappingView(self, "history.last_changed", last_changed)

    def retarget(self, site: Site, derived: Derived, last_changed: dict) -> None:
        object.__setattr__(self.site, "_target", site)
        object.__setattr__(self.d, "_target", derived)
        object.__setattr__(self.site, "_views", {})
        object.__setattr__(self.d, "_views", {})
        self.last_changed._data = last_changed


class _View:
    __slots__ = ("_prefix", "_recorder", "_target", "_views")

    def __init__(self, recorder: Recorder, prefix: str, target):
        object.__setattr__(self, "_recorder", recorder)
        object.__setattr__(self, "_prefix", prefix)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_views", {})

    def __getattr__(self, name: str):
        views = self._views
        if name in views:
            return views[name]
        target = self._target
        method = getattr(type(target), name, None)
        if callable(method):  # a method of Derived: run it against this view so its reads are recorded
            return lambda *args, **kwargs: method(self, *args, **kwargs)
        value = getattr(target, name)
        if name == "info":
            return value
        key = f"{self._prefix}.{name}"
        if isinstance(value, dict):
            view = _MappingView(self._recorder, key, value)
            views[name] = view
            return view
        self._recorder.deps.add((key, None, None))
        return value


_RECORD_TYPES: dict[type, bool] = {}


class _MappingView(Mapping):
    __slots__ = ("_data", "_name", "_recorder")

    def __init__(self, recorder: Recorder, name: str, data: dict):
        self._recorder, self._name, self._data = recorder, name, data

    def __getitem__(self, key):
        try:
            value = self._data[key]
        except KeyError:
            self._recorder.deps.add((self._name, key, None))
            raise
        kind = type(value)
        is_record = _RECORD_TYPES.get(kind)
        if is_record is None:
            is_record = _RECORD_TYPES[kind] = dataclasses.is_dataclass(kind)
        if is_record:
            return _RecordView(self._recorder, self._name, key, value)
        self._recorder.deps.add((self._name, key, None))
        return value

    def __iter__(self):
        self._recorder.deps.add((self._name, ALL, None))
        return iter(self._data)

    def __len__(self):
        self._recorder.deps.add((self._name, ALL, None))
        return len(self._data)


class _RecordView:
    """A record read from a recorded mapping: each attribute read is recorded on its own, so a
    page that shows only a notice's title is not re-rendered when only its body changes."""

    __slots__ = ("_key", "_name", "_record", "_recorder")

    def __init__(self, recorder: Recorder, name: str, key, record):
        self._recorder, self._name, self._key, self._record = recorder, name, key, record

    def __getattr__(self, attr: str):
        self._recorder.deps.add((self._name, self._key, attr))
        return getattr(self._record, attr)

    def __eq__(self, other):
        self._recorder.deps.add((self._name, self._key, None))
        return self._record == (other._record if isinstance(other, _RecordView) else other)

    def __hash__(self):
        self._recorder.deps.add((self._name, self._key, None))
        return hash(self._record)

    def __str__(self):
        self._recorder.deps.add((self._name, self._key, None))
        return str(self._record)
