"""What git says of the content folder: when each file last changed, when each record was first
published, every later version, and what was deleted.

`read_history(content, today)` asks git about the whole content folder in one pass and returns a
`History`; no call is ever made per file:

- `git rev-parse --is-shallow-repository`, and `git log --first-parent --raw --no-abbrev` over
  the content folder: every commit of the checked-out branch's own line (its id, parents and
  commit date) with the blob ids of each file it added, modified or deleted. A merge is diffed
  against the branch it was merged into, so what a merged pull request brought is dated by the
  merge (when it was published), not by the commits made on the branch before;
- one `git cat-file --batch` for the earlier versions' bytes that pages need (the files changed
  after they were added, and the last version of every deleted file): `GitAnswer.blobs`;
- `git diff --name-only HEAD` for the files with uncommitted edits.

The dates are commit dates (the committer's, in Asia/Shanghai), never the clock, so the same
checkout builds the same bytes. A build `--today` in the past describes the site as of that day:
commits dated after it are left out entirely.

From the log, `History` holds the date of each file's latest commit (`last_changed`), every
commit's added or modified files, newest first (`changes`, for /changes/), and for every record
(`record_key`: a notice keeps its key when its year folder changes) its `RecordLog`: each commit
that added, changed or deleted it, oldest first. Whether a record was *imported* rather than
published: it was first added by a root commit of a full clone (a commit without parents — the
commit that brought a bulletin's older notices into git is the repository's first). Its first
publication on this site is then that commit's date, and its own `date` earlier than that is not
back-dating.

It degrades to an empty `History` — pages then show no date rather than a wrong one — when the
content folder is not in a git checkout, git is missing or fails, or nothing is committed yet.
Cases that would give a wrong date are left out instead: a file with uncommitted edits has no
last-changed date (its last commit is not its last change); in a shallow clone (`shallow`), the
boundary commit lists the whole tree as added, so nothing is dated by it, and a record whose
first commit is beyond the boundary has no first publication (`RecordLog.first` is None).

`git_head(content)` is what the history depends on (the checkout's HEAD, index and shallow
file), read without running git: the build's "nothing changed" check includes it; `head_commit`
names the commit checked out (a cache of `GitAnswer` is keyed by it, see `engine.incremental`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
GIT_TIMEOUT = 60  # seconds; a huge history on a slow disk, not a hang we wait on forever
RECORD_SEP, FIELD_SEP = "\x1e", "\x1f"
NO_BLOB = "0" * 40
# The record kinds whose earlier versions are read: what pages show the history of.
HISTORY_FOLDERS = ("notices", "projects", "compounds", "companies", "communities", "evaluations")
# Record kinds whose pages show no 首次发布, only 修改记录: kept in `History.records` only if changed.
UNDATED = ("compounds/", "companies/", "communities/")


@dataclass(frozen=True)
class FileChange:
    date: date
    path: str  # relative to the content folder, forward slashes
    added: bool  # first appearance (else: modified)


@dataclass(frozen=True)
class Event:
    """One commit's change to one record: added ("A"), modified ("M") or deleted ("D")."""

    date: date
    status: str
    path: str  # the file as this commit left it (a deleted file: as it was)
    before: str | None  # blob id of the version before (None when added)
    after: str | None  # blob id of the version after (None when deleted)
    root: bool  # made by an import: a root commit of a full clone, or site.yaml's history_import
    commit: str = ""  # the commit's id


@dataclass(frozen=True)
class RecordLog:
    """Every commit that touched one record, oldest first (commits after the build date left out)."""

    key: str
    events: tuple[Event, ...]
    known_start: bool  # the record's first commit is in the history (not beyond a shallow boundary)

    @property
    def current(self) -> tuple[Event, ...]:
        """The events since the record was last added: an earlier life before a deletion is not
        this record's history (a withdrawn text is never shown again)."""
        start = 0
        for i, e in enumerate(self.events):
            if e.status == "A":
                start = i
        return self.events[start:]

    @property
    def first(self) -> date | None:
        """The date the record was first published (its first commit), None when unknown."""
        if not self.known_start or not self.events or self.events[0].status != "A":
            return None
        return self.events[0].date

    @property
    def imported(self) -> bool:
        return self.first is not None and self.events[0].root

    @property
    def deleted(self) -> Event | None:
        """The deleting commit when the record's file is gone, else None."""
        last = self.events[-1] if self.events else None
        return last if last is not None and last.status == "D" else None


@dataclass(frozen=True)
class History:
    last_changed: dict[str, date] = field(default_factory=dict)
    changes: tuple[FileChange, ...] = ()  # newest first
    # record_key → its log: every notice, project and evaluation, and every other record changed
    # after it was added (one added and never changed shows nothing of its history)
    records: dict[str, RecordLog] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # blob id → text of an earlier version
    shallow: bool = False  # a shallow clone: history before its boundary is unknown
    known: bool = False  # git answered (False: not in git, or git failed)
    key: str = ""  # a digest of the log it was read from: what pages showing history depend on

    def record(self, source: str) -> RecordLog | None:
        key = record_key(source)
        return self.records.get(key) if key else None

    def first_published(self, source: str) -> date | None:
        log = self.record(source)
        return log.first if log else None


@dataclass(frozen=True)
class GitAnswer:
    """What git said (`git_log`): what `parse_log` reads, and the earlier versions' text."""

    shallow: str | None
    log: str | None
    blobs: dict[str, str] = field(default_factory=dict)


def record_key(path: str) -> str | None:
    """The record a content file holds, stable when a notice moves to another year folder:
    `notices/2026/x.md` → `notices/x`; other record files are their own key. None for files
    whose history pages do not show (site.yaml, areas.yaml, attachments)."""
    parts = path.split("/")
    if parts[0] not in HISTORY_FOLDERS:
        return None
    if parts[0] == "notices" and len(parts) == 3 and parts[2].endswith(".md"):
        return f"notices/{parts[2][:-3]}"
    if parts[0] == "evaluations" and len(parts) == 3 and parts[2].endswith(".yaml"):
        return path
    if len(parts) == 2 and parts[1].endswith((".md", ".yaml")):
        return f"{parts[0]}/{parts[1].rsplit('.', 1)[0]}"
    return None


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


def head_commit(head: list) -> tuple[str, str] | None:
    """(the id of the commit checked out, the shallow file's text) for `git_head`'s answer, read
    from the files without running git; None when that cannot be told (a worktree, an unusual
    ref store): then nothing is cached by it."""
    if not head or head[0][0] != "dir":
        return None
    git = Path(head[0][1])
    try:
        ref = (git / "HEAD").read_text(encoding="utf-8").strip()
        shallow = (git / "shallow").read_text(encoding="utf-8") if (git / "shallow").exists() else ""
        if not ref.startswith("ref: "):
            return (ref, shallow) if len(ref) == 40 else None
        name = ref[5:]
        loose = git / name
        if loose.exists():
            return loose.read_text(encoding="utf-8").strip(), shallow
        packed = git / "packed-refs"
        if packed.exists():
            for line in packed.read_text(encoding="utf-8").splitlines():
                sha, _, refname = line.partition(" ")
                if refname == name and len(sha) == 40:
                    return sha, shallow
    except OSError:
        return None
    return None


def _git(content: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        done = subprocess.run(
            # --no-optional-locks: never touch the index of an editor's checkout while reading it
            ["git", "--no-optional-locks", "-C", str(content), "-c", "core.quotePath=false", *args],
            capture_output=True,
            timeout=GIT_TIMEOUT,
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout


def _text(out: bytes | None) -> str | None:
    return None if out is None else out.decode("utf-8", errors="replace")


def git_log(content: Path, head: list, blobs: bool = True) -> GitAnswer:
    """What git says of the content folder's history: whether the clone is shallow, the log of
    every commit with the files it added, modified or deleted (blob ids included), and the text
    of every earlier version a page may show. Depends only on `head` (`git_head`) when `.git` is
    a folder: a commit or checkout moves what it names, a save does not (the edit loop and the
    cache beside the output ask again only then, see `engine.incremental`). `blobs=False`: without
    the earlier versions' text (what `bulletin check` needs: the dates only)."""
    shallow = _text(_git(content, "rev-parse", "--is-shallow-repository"))
    if shallow is None:
        return GitAnswer(None, None)
    log = _text(
        _git(
            content,
            "log",
            # what reached the published branch, and when: a merged branch's changes are dated
            # by its merge commit (diffed against the branch it was merged into), not by the
            # commits made on the branch before anyone could see them
            "--first-parent",
            "--diff-merges=first-parent",
            "--no-renames",
            "--relative",
            "--raw",
            "--no-abbrev",
            f"--format={RECORD_SEP}%H{FIELD_SEP}%P{FIELD_SEP}%cI",
            "--",
            ".",
        )
    )
    if log is None:
        return GitAnswer(shallow, None)
    return GitAnswer(shallow, log, read_blobs(content, wanted_blobs(log)) if blobs else {})


def wanted_blobs(log: str) -> list[str]:
    """The blob ids of the earlier versions pages may show: every version of a record file that
    was changed after it was added, and the last version of every deleted record file."""
    touched: dict[str, list[tuple[str, str, str]]] = {}
    for _, _, _, entries in _records(log):
        for status, path, before, after in entries:
            key = record_key(path)
            if key is not None:
                touched.setdefault(key, []).append((status, before, after))
    out: set[str] = set()
    for entries in touched.values():
        if len(entries) < 2:
            continue
        for _status, before, after in entries:
            out.update(b for b in (before, after) if b and b != NO_BLOB)
    return sorted(out)


def read_blobs(content: Path, ids: list[str]) -> dict[str, str]:
    """The text of each blob, in one `git cat-file --batch`."""
    if not ids:
        return {}
    out = _git(content, "cat-file", "--batch", stdin=("\n".join(ids) + "\n").encode("ascii"))
    if out is None:
        return {}
    blobs: dict[str, str] = {}
    at = 0
    while at < len(out):
        eol = out.index(b"\n", at)
        header = out[at:eol].split()
        at = eol + 1
        if len(header) != 3 or header[1] != b"blob":
            continue  # "<id> missing": beyond a shallow boundary
        size = int(header[2])
        blobs[header[0].decode("ascii")] = out[at : at + size].decode("utf-8", errors="replace")
        at += size + 1
    return blobs


def _unquote(path: str) -> str:
    """A path as git writes it: C-quoted ("\\344\\270\\255.md") when it holds unusual bytes."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    raw = path[1:-1].encode("latin-1", errors="backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1", errors="replace").decode("utf-8", errors="replace")


def _records(log: str):
    """(commit, parents, commit date, [(status, path, blob before, blob after)]) per commit."""
    for record in log.split(RECORD_SEP)[1:]:
        head, _, files = record.partition("\n")
        commit, parents, stamp = head.split(FIELD_SEP)
        entries = []
        for line in files.splitlines():
            info, _, path = line.partition("\t")
            if not path:
                continue
            path = _unquote(path)
            if info.startswith(":"):  # --raw: ":100644 100644 <before> <after> M"
                bits = info.split()
                if len(bits) < 5:
                    continue
                entries.append((bits[4][:1], path, bits[2], bits[3]))
            else:  # --name-status
                entries.append((info[:1], path, "", ""))
        yield commit, parents.strip(), stamp.strip(), entries


def read_history(content: Path, today: date, ask: Callable[[Path, list], GitAnswer | tuple] = git_log) -> History:
    """`ask`: how to get `git_log`'s answer (the edit loop's remembers it)."""
    head = git_head(content)
    if not head and "GIT_DIR" not in os.environ:
        return History()  # no .git here or above: git could only fail (and costs a process to say so)
    answer = ask(content, head)
    if isinstance(answer, tuple):
        answer = GitAnswer(*answer)
    if answer.shallow is None:
        return History()
    dirty = _text(_git(content, "diff", "--name-only", "--relative", "HEAD", "--", "."))
    if answer.log is None or dirty is None:
        return History()
    return parse_log(
        answer.log,
        shallow=answer.shallow.strip() == "true",
        dirty={_unquote(p) for p in dirty.splitlines()},
        today=today,
        blobs=answer.blobs,
    )


def parse_log(log: str, shallow: bool, dirty: set[str], today: date, blobs: dict[str, str] | None = None) -> History:
    """The output of `git log --raw` (or `--name-status`) in our format → History."""
    changes: list[FileChange] = []
    unknown = set(dirty)
    events: dict[str, list[tuple[int, Event]]] = {}
    boundary_paths: set[str] = set()
    commits = list(_records(log))
    for order, (commit, parents, stamp, entries) in enumerate(reversed(commits)):  # oldest first
        if shallow and not parents:
            # the boundary of a shallow clone: its "changes" are the whole tree
            boundary_paths.update(path for _, path, _, _ in entries)
            continue
        when = datetime.fromisoformat(stamp).astimezone(SHANGHAI).date()
        if when > today:
            unknown.update(path for _, path, _, _ in entries)
            continue
        by_key: dict[str, list[tuple[str, str, str, str]]] = {}
        for status, path, before, after in entries:
            if status in ("A", "M", "T"):
                changes.append(FileChange(when, path, status == "A"))
            key = record_key(path)
            if key is not None and status in ("A", "M", "T", "D"):
                by_key.setdefault(key, []).append((status, path, before, after))
        for key, items in by_key.items():
            events.setdefault(key, []).append((order, _event(when, items, root=not parents, commit=commit)))
    changes.sort(key=lambda c: (-c.date.toordinal(), c.path))
    last: dict[str, date] = {}
    for change in changes:
        if change.path not in unknown and change.path not in last:
            last[change.path] = change.date
    records = {}
    boundary_keys = {record_key(p) for p in boundary_paths}
    for key, ordered in sorted(events.items()):
        if len(ordered) == 1 and ordered[0][1].status == "A" and key.startswith(UNDATED):
            continue  # added once, never changed: nothing its page shows (a province holds 55,000)
        ordered.sort(key=lambda pair: (pair[1].date, pair[0]))
        records[key] = RecordLog(key, tuple(e for _, e in ordered), known_start=key not in boundary_keys)
    return History(
        dict(sorted(last.items())),
        tuple(changes),
        records,
        dict(blobs or {}),
        shallow=shallow,
        known=True,
        key=hashlib.blake2b(f"{shallow}{log}".encode("utf-8", "surrogatepass"), digest_size=16).hexdigest(),
    )


def _event(when: date, items: list[tuple[str, str, str, str]], root: bool, commit: str = "") -> Event:
    """One commit's change to one record from its files' lines: a notice moved to another year
    folder is a deletion and an addition in the same commit, which is one modification."""

    def blob(value: str) -> str | None:
        return value if value and value != NO_BLOB else None

    gone = [i for i in items if i[0] == "D"]
    kept = [i for i in items if i[0] != "D"]
    if kept:
        status, path, before, after = kept[-1]
        if status == "A" and gone:  # moved: the version before is the deleted file's
            return Event(when, "M", path, blob(gone[-1][2]), blob(after), root, commit)
        return Event(
            when,
            "A" if status == "A" else "M",
            path,
            blob(before) if status != "A" else None,
            blob(after),
            root,
            commit,
        )
    status, path, before, _ = gone[-1]
    return Event(when, "D", path, blob(before), None, root, commit)


def with_import(history: History, commit: str | None) -> History:
    """`history` with what `commit` (site.yaml's `history_import`: an id or its first 7+
    characters) added counted as imported, like what the repository's first commit added: a
    bulletin that moved its older records into the repository after it began. Unchanged when no
    commit is named or none of the history's commits is that one."""
    if not commit or not history.records:
        return history
    commit = commit.lower()
    records, marked = {}, False
    for key, log in history.records.items():
        events = log.events
        if events and not events[0].root and events[0].commit.startswith(commit):
            events = (dataclasses.replace(events[0], root=True), *events[1:])
            log = dataclasses.replace(log, events=events)
            marked = True
        records[key] = log
    if not marked:
        return history
    key = hashlib.blake2b(f"{history.key}|import {commit}".encode(), digest_size=16).hexdigest()
    return dataclasses.replace(history, records=records, key=key)
