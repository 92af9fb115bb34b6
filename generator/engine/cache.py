"""What a build remembers beside its output, and the quick "nothing changed" check.

`.bulletin-cache/<out name>/` (beside the output folder, never inside it, so it is never
published) holds `manifest.json` (see `write`) and `inputs.json`: a digest of every input of the
last successful build — each content and template file's path, size, mtime and inode, the
generator's own source files, the build date and options — with the result it reported. When a
new build finds the same digest and the output folder's marker still names the same manifest,
the site on disk is exactly what the build would produce, so it stops there.

This module imports nothing heavy (no YAML, Jinja or Markdown), so a `bulletin build` with
nothing to do costs little more than starting Python.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date
from pathlib import Path

from ..content.history import git_head
from .write import DIGEST_MOD, cache_dir, disk_matches, marker_digest, save_cached, share

GENERATOR_DIR = Path(__file__).resolve().parent.parent  # the package: its own source is an input


def signature(dirs, suffix: str | None = None) -> list[tuple]:
    """(base, relative path, size, mtime, inode) of every non-hidden file under `dirs`, sorted."""
    out = []
    for base in dirs:
        base = Path(base)
        if not base.is_dir():
            continue
        stack = [(str(base), "")]
        while stack:
            folder, rel = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for e in entries:
                if e.name.startswith("."):
                    continue
                r = f"{rel}{e.name}"
                if e.is_dir(follow_symlinks=False):
                    if e.name != "__pycache__":
                        stack.append((e.path, r + "/"))
                elif suffix is None or e.name.endswith(suffix):
                    st = e.stat()
                    out.append((str(base), r, st.st_size, st.st_mtime_ns, st.st_ino))
    out.sort()
    return out


def digest(value) -> str:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def contents_digest(files) -> str:
    """A digest of the bytes of `signature` entries' files (not their stat: a fresh checkout of
    the same templates is the same templates)."""
    h = hashlib.blake2b(digest_size=16)
    for base, rel, *_ in files:
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0")
        path = os.path.join(base, rel)
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):  # (a pipe or a device is never read)
                raise OSError
            with open(path, "rb") as fh:
                h.update(hashlib.blake2b(fh.read(), digest_size=16).digest())
        except OSError:
            h.update(b"?")
    return h.hexdigest()


def entry_digest(entry: tuple) -> int:
    """One `signature` entry's share of `files_digest`."""
    return share(*entry)


def files_digest(files) -> int:
    """A digest of a set of `signature` entries that does not depend on their order: the sum of
    each entry's own digest. So the edit loop can swap one file's entry (subtract the old share,
    add the new) without digesting the other thousands again, and get what a full scan gets."""
    return sum(map(entry_digest, files)) % DIGEST_MOD


def stat_entry(base: str, rel: str) -> tuple | None:
    """The `signature` entry of one file now (None when it is gone or is a folder)."""
    try:
        st = os.stat(os.path.join(base, rel))
    except OSError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None
    return (base, rel, st.st_size, st.st_mtime_ns, st.st_ino)


def inputs_key(
    content: Path,
    content_digest: int,
    theme_files: list,
    out: Path,
    today: date,
    options: tuple,
    base_url: str | None,
    changed_paths=None,
) -> str:
    """`content_digest` is `files_digest` of the content folder's `signature`; `options` those of
    the build's options that change its output."""
    forced = sorted(str(p) for p in changed_paths) if changed_paths else []
    return digest(
        (
            content_digest,
            theme_files,
            signature([GENERATOR_DIR], suffix=".py"),
            str(today),
            options,
            base_url,
            str(Path(out).resolve()),
            forced,
            _pagefind_places(content),
            git_head(content),
        )
    )


def _pagefind_places(content: Path) -> list:
    """Every place `search.locate_pagefind` may take Pagefind from, with what is there now: a
    Pagefind installed, updated or removed means a different site (with or without search)."""
    import shutil

    places = [Path(content).resolve().parent, Path.cwd().resolve(), GENERATOR_DIR.parent]
    found: list = [os.environ.get("BULLETIN_PAGEFIND"), shutil.which("pagefind")]
    for base in places:
        for path in [
            base / "node_modules" / ".bin" / "pagefind",
            *sorted((base / "node_modules").glob("@pagefind/*/bin/pagefind_extended*")),
        ]:
            try:
                st = path.stat()
                found.append((str(path), st.st_size, st.st_mtime_ns, st.st_ino))
            except OSError:
                found.append(None)
    return found


def unchanged(out: Path, key: str) -> dict | None:
    """The result remembered for `key` when `out` still holds that build, else None."""
    on_disk = marker_digest(Path(out).resolve())
    if on_disk is None:
        return None
    try:
        saved = json.loads((cache_dir(out) / "inputs.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != key or saved.get("manifest") != on_disk:
        return None
    if not disk_matches(Path(out), on_disk):  # the folder is no longer what that build left
        return None
    return saved.get("result")


def remember(out: Path, key: str, manifest_digest: str, result: dict) -> None:
    save_cached(out, "inputs.json", {"key": key, "manifest": manifest_digest, "result": result})
