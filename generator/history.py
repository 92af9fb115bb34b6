"""When each content file last changed, from git; and the site's recent changes.

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

`record_sources(site)` names the page of every published record by its source file;
`recent_changes` joins the two into the rows of `/changes/`. Both are pure.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from . import memo
from .cache import git_head
from .models import Site
from .urls import url_community, url_company, url_compound, url_list_period, url_notice, url_project

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


@dataclass(frozen=True)
class RecordRef:
    kind: str  # what sort of record, in words (小区, 公示公告 …)
    title: str
    url: str


@dataclass(frozen=True)
class ChangeRow:
    date: date
    added: bool
    record: RecordRef


def _git(content: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            # --no-optional-locks: never touch the index of an editor's checkout while reading it
            ["git", "--no-optional-locks", "-C", str(content), "-c", "core.quotePath=false", *args],
            capture_output=True, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def read_history(content: Path, today: date) -> History:
    head = git_head(content)
    if not head and "GIT_DIR" not in os.environ:
        return History()  # no .git here or above: git could only fail (and costs a process to say so)

    def ask() -> tuple[str | None, str | None]:
        return (_git(content, "rev-parse", "--is-shallow-repository"),
                _git(content, "log", "--no-renames", "--relative", "--name-status",
                     f"--format={RECORD_SEP}%H{FIELD_SEP}%P{FIELD_SEP}%cI", "--", "."))

    # The edit loop (memo.cached) asks for the log again only when the checkout's HEAD, branch
    # ref, index or shallow file changed: a commit or checkout moves them, a save does not. A
    # `.git` file (a worktree) does not show commits that way, so there git is always asked.
    key = head if head and head[0][0] == "dir" else None
    shallow, log = ask() if key is None else memo.cached("git-log", (str(Path(content).resolve()), repr(key)), ask,
                                                        limit=16)
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


def record_sources(site: Site) -> dict[str, RecordRef]:
    """Source file (content-relative) → the page of the published record it holds."""
    refs: dict[str, RecordRef] = {
        "site.yaml": RecordRef("网站设置", "网站设置和考评规则", "/lists/"),
        "areas.yaml": RecordRef("辖区", "区（市）和街道", "/areas/"),
    }
    # each record's entry by the record (memo.per_object, the edit loop: unchanged records are
    # the same objects)
    refs.update(memo.per_object("sources-community", site.communities.values(),
                                lambda c: (c.source, RecordRef("社区", c.name, url_community(c.id)))))
    refs.update(memo.per_object("sources-compound", site.compounds.values(),
                                lambda c: (c.source, RecordRef("小区", c.name, url_compound(c.id)))))
    refs.update(memo.per_object("sources-company", site.companies.values(),
                                lambda c: (c.source, RecordRef("物业服务企业", c.name, url_company(c.id)))))
    for e in site.evaluations:
        name = f"{site.districts[e.district].name}{e.period.label}考评结果"
        refs[e.source] = RecordRef("考评结果", name, url_list_period(e.district, e.period.key))
    refs.update(memo.per_object("sources-project", site.projects.values(),
                                lambda p: (p.source, RecordRef("项目", p.title, url_project(p.id)))))
    refs.update(memo.per_object("sources-notice", site.notices.values(),
                                lambda n: (n.source, RecordRef("公示公告", n.title, url_notice(n.id)))))
    return refs


def recent_changes(history: History, refs: dict[str, RecordRef], limit: int = 100) -> tuple[ChangeRow, ...]:
    """The newest changes to published records, one row per record and day (新增 if it was added
    that day), at most `limit`."""
    by_day: dict[tuple[date, str], bool] = {}
    for change in history.changes:
        if change.path in refs:
            key = (change.date, change.path)
            by_day[key] = by_day.get(key, False) or change.added
    ordered = sorted(by_day.items(), key=lambda kv: (-kv[0][0].toordinal(), kv[0][1]))
    return tuple(ChangeRow(day, added, refs[path]) for (day, path), added in ordered[:limit])
