"""When each content file last changed, from git.

`read_history(content)` asks git about the whole content folder at once (three calls, never one
per file) and returns a `History`: the date of each file's latest commit, and every commit's
added or modified files, newest first. The dates are commit dates (the committer's, in
Asia/Shanghai), never the clock, so the same checkout builds the same bytes.

It degrades to an empty `History` — pages then show no date rather than a wrong one — when the
content folder is not in a git checkout, git is missing or fails, or nothing is committed yet.
Three cases would give a wrong date, and are left out instead: a file with uncommitted edits (its
last commit is not its last change); in a shallow clone, the boundary commit (git lists the whole
tree as added there); and commits dated after the build date (a build `--today` in the past
describes the site as of that day: later changes are not shown, and a file changed since has no
date). Deleted files are not listed: what was withdrawn stays withdrawn.

`git_head(content)` is what the history depends on (the checkout's HEAD, index and shallow
file), read without running git: the build's "nothing changed" check includes it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
GIT_TIMEOUT = 60  # seconds; a huge history on a slow disk, not a hang we wait on forever
RECORD_SEP, FIELD_SEP = "\x1e", "\x1f"


@dataclass(frozen=True)
class FileChange:
    date: date
    path: str  # relative to the content folder, forward slashes
    added: bool  # first appearance (else: modified)


@dataclass(frozen=True)
class History:
    last_changed: dict[str, date] = field(default_factory=dict)
    changes: tuple[FileChange, ...] = ()  # newest first


def git_head(content: Path) -> list:
    """What the pages' "last changed" dates come from (`history`): the commit checked out and
    the index. Reading two small files is enough to notice a commit, a checkout or staging.
    Empty when there is no `.git` in the content folder or above it; the first item says whether
    `.git` is a folder ("dir") or a file (a worktree's pointer)."""
    folder = Path(content).resolve()
    for base in (folder, *folder.parents):
        git = base / ".git"
        if git.exists():
            out: list = [("dir" if git.is_dir() else "file", str(git))]
            for name in ("HEAD", "index", "shallow"):
                try:
                    st = (git / name).stat() if git.is_dir() else git.stat()
                    out.append((name, st.st_size, st.st_mtime_ns))
                except OSError:
                    out.append((name, None))
            try:
                head = (git / "HEAD").read_text(encoding="utf-8").strip() if git.is_dir() else ""
                if head.startswith("ref: "):
                    st = (git / head[5:]).stat()
                    out.append((head, st.st_mtime_ns))
            except OSError:
                pass
            return out
    return []


def _git(content: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            # --no-optional-locks: never touch the index of an editor's checkout while reading it
            ["git", "--no-optional-locks", "-C", str(content), "-c", "core.quotePath=false", *args],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def git_log(content: Path, head: list) -> tuple[str | None, str | None]:
    """What git says of the content folder's history: (whether the clone is shallow, the log of
    every commit with the files it added or modified). Depends only on `head` (`git_head`) when
    `.git` is a folder: a commit or checkout moves what it names, a save does not (the edit loop
    asks again only then, see `engine.incremental`)."""
    return (
        _git(content, "rev-parse", "--is-shallow-repository"),
        _git(
            content,
            "log",
            "--no-renames",
            "--relative",
            "--name-status",
            f"--format={RECORD_SEP}%H{FIELD_SEP}%P{FIELD_SEP}%cI",
            "--",
            ".",
        ),
    )


def read_history(
    content: Path, today: date, ask: Callable[[Path, list], tuple[str | None, str | None]] = git_log
) -> History:
    """`ask`: how to get `git_log`'s answer (the edit loop's remembers it)."""
    head = git_head(content)
    if not head and "GIT_DIR" not in os.environ:
        return History()  # no .git here or above: git could only fail (and costs a process to say so)
    shallow, log = ask(content, head)
    if shallow is None:
        return History()
    dirty = _git(content, "diff", "--name-only", "--relative", "HEAD", "--", ".")
    if log is None or dirty is None:
        return History()
    return parse_log(log, shallow=shallow.strip() == "true", dirty=set(dirty.splitlines()), today=today)


def parse_log(log: str, shallow: bool, dirty: set[str], today: date) -> History:
    """The output of `git log --name-status` in our format → History."""
    changes: list[FileChange] = []
    unknown = set(dirty)
    for record in log.split(RECORD_SEP)[1:]:
        head, _, files = record.partition("\n")
        _, parents, stamp = head.split(FIELD_SEP)
        if shallow and not parents.strip():
            continue  # the boundary of a shallow clone: its "changes" are the whole tree
        when = datetime.fromisoformat(stamp.strip()).astimezone(SHANGHAI).date()
        for line in files.splitlines():
            status, _, path = line.partition("\t")
            if not path or status[:1] not in ("A", "M", "T"):
                continue
            if when > today:
                unknown.add(path)
                continue
            changes.append(FileChange(when, path, status.startswith("A")))
    changes.sort(key=lambda c: (-c.date.toordinal(), c.path))
    last: dict[str, date] = {}
    for change in changes:
        if change.path not in unknown and change.path not in last:
            last[change.path] = change.date
    return History(dict(sorted(last.items())), tuple(changes))
