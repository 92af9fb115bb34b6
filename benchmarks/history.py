"""What issue 17's history pass costs: a build in a git repository with many commits, against the
same build of the same content outside git, in the same run (see history.md for the figures).

    python benchmarks/history.py city [--commits 400] [--runs 3] [--workdir /tmp/bulletin-history]

The repository is synthesised (never committed here): `synth.write_site` at the given size is the
import commit (the repository's root commit), then `--commits` commits a day apart, each editing
`EDITS_PER_COMMIT` records (a compound's households, a notice's body, a company's phone, an
evaluation's scores); one commit in `DELETE_EVERY` deletes a notice (a withdrawal). Every build is
made with `BULLETIN_PAGEFIND=off` and one worker count (the machine's), so the only difference
between the two builds compared is git history:

- `no history`: the content copied to a folder outside any repository (pages show no dates);
- `history, cold`: in the repository, with nothing remembered (`git log --raw` and one
  `git cat-file --batch`, parsed, every page's 首次发布 and 修改记录 rendered);
- `history, cached`: in the repository again with the site and everything beside it removed but
  `.bulletin-cache/…/history.json` (git's answer for this commit: only `git diff` runs).

Besides the whole builds, the history pass alone is timed in this process: git's answer
(`git_log`), parsing it (`parse_log`), and reading every earlier version the pages show
(`Revisions.of` over every record and `withdrawals()`). Results go to
`benchmarks/results/history-<size>.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import measure  # noqa: E402
import synth  # noqa: E402

EDITS_PER_COMMIT = 6
DELETE_EVERY = 25
START = datetime(2026, 1, 5, 9, 0)
ENV = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED="0", BULLETIN_PAGEFIND="off")
GIT_ENV = dict(
    os.environ,
    GIT_AUTHOR_NAME="编辑",
    GIT_AUTHOR_EMAIL="editor@example.org",
    GIT_COMMITTER_NAME="编辑",
    GIT_COMMITTER_EMAIL="editor@example.org",
    GIT_CONFIG_NOSYSTEM="1",
    GIT_CONFIG_GLOBAL=os.devnull,
)


def git(repo: Path, *args: str, when: datetime | None = None, stdin: str | None = None) -> None:
    env = dict(GIT_ENV)
    if when is not None:
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S+08:00")
        env.update(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, input=stdin, text=True)


def _edit(rng: random.Random, content: Path, rel: str, n: int) -> bool:
    """One edit of the record file `rel` that keeps it valid; False when it has nothing to edit."""
    path = content / rel
    text = path.read_text(encoding="utf-8")
    if rel.startswith("compounds/"):
        new = re.sub(r"households: (\d+)", lambda m: f"households: {int(m.group(1)) + 1}", text, count=1)
    elif rel.startswith(("notices/", "projects/")):
        new = text.rstrip("\n") + f"\n\n第{n}次更新：相关情况已按程序办理，特此说明。\n"
    elif rel.startswith("evaluations/"):
        new = re.sub(
            r"owners: (\d+(?:\.\d+)?)", lambda m: f"owners: {max(0, float(m.group(1)) - 0.5):g}", text, count=1
        )
    elif rel.startswith("companies/"):
        new = re.sub(r"0536-8(\d{6})", lambda m: f"0536-8{(int(m.group(1)) + 1) % 1000000:06d}", text, count=1)
    else:
        return False
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True


def make_repository(root: Path, size: str, commits: int) -> Path:
    """`root/content` at `size`, imported in one commit, then `commits` commits of edits."""
    content = synth.write_site(root, size)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "导入", when=START - timedelta(days=1))
    rng = random.Random(17)
    files = sorted(
        p.relative_to(content).as_posix()
        for folder in ("compounds", "companies", "notices", "projects", "evaluations")
        for p in (content / folder).rglob("*")
        if p.is_file()
    )
    for n in range(commits):
        when = START + timedelta(days=n // 2, hours=n % 2)
        touched = []
        for rel in rng.sample(files, EDITS_PER_COMMIT):
            if _edit(rng, content, rel, n):
                touched.append(f"content/{rel}")
        if n % DELETE_EVERY == DELETE_EVERY - 1:
            gone = rng.choice([f for f in files if f.startswith("notices/")])
            files.remove(gone)
            (content / gone).unlink()
            touched.append(f"content/{gone}")
        git(root, "add", "-A", "--", *touched)
        git(root, "commit", "-q", "-m", f"修改 {n}", when=when)
    return content


def _build(cwd: Path, content: Path, out: Path) -> measure.Sample:
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--today",
        synth.TODAY.isoformat(),
        "--content",
        str(content),
        "--out",
        str(out),
    ]
    sample = measure.run(command, cwd, ENV)
    if sample.returncode != 0:
        raise SystemExit(f"bulletin failed:\n{sample.output[-3000:]}")
    return sample


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def history_pass(content: Path, today: date) -> dict:
    """The history pass alone, in this process: seconds for git, parsing and the revisions."""
    from generator.content.errors import Problems
    from generator.content.history import git_head, git_log, parse_log
    from generator.content.load import load
    from generator.content.validate import validate
    from generator.output.revisions import Revisions

    problems = Problems()
    site = validate(load(content, "content", problems), problems, today)
    assert site is not None
    t0 = time.perf_counter()
    answer = git_log(content, git_head(content))
    t1 = time.perf_counter()
    assert answer.log is not None and answer.shallow is not None
    history = parse_log(answer.log, shallow=False, dirty=set(), today=today, blobs=answer.blobs)
    t2 = time.perf_counter()
    revisions = Revisions(site, history)
    sources = [
        r.source for kind in (site.compounds, site.companies, site.notices, site.projects) for r in kind.values()
    ]
    sources += [e.source for e in site.evaluations]
    shown = sum(len(h.revisions) for s in sources if (h := revisions.of(s)) is not None)
    withdrawn = len(revisions.withdrawals())
    t3 = time.perf_counter()
    return {
        "git_seconds": round(t1 - t0, 3),
        "parse_seconds": round(t2 - t1, 3),
        "revisions_seconds": round(t3 - t2, 3),
        "log_mib": round(len(answer.log.encode()) / 2**20, 2),
        "blobs": len(answer.blobs),
        "records_with_history": len(history.records),
        "revisions_shown": shown,
        "withdrawn": withdrawn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", choices=sorted(synth.SIZES))
    parser.add_argument("--commits", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bulletin-history"))
    args = parser.parse_args()

    root = args.workdir / args.size
    _remove(root)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    content = make_repository(root, args.size, args.commits)
    made = time.perf_counter() - t0
    outside = args.workdir / f"{args.size}-nogit"
    _remove(outside)
    shutil.copytree(content, outside / "content")
    ENV["GIT_CEILING_DIRECTORIES"] = str(args.workdir)

    rows: dict[str, list[measure.Sample]] = {"no history": [], "history, cold": [], "history, cached": []}
    for i in range(args.runs):
        out = outside / "site"
        _remove(out, outside / ".bulletin-cache")
        rows["no history"].append(_build(outside, outside / "content", out))
        out = root / "site"
        _remove(out, root / ".bulletin-cache")
        rows["history, cold"].append(_build(root, content, out))
        # the site and everything remembered beside it gone, but git's answer for this commit
        kept = root / ".bulletin-cache" / "site"
        _remove(out, *(p for p in kept.iterdir() if p.name != "history.json"))
        rows["history, cached"].append(_build(root, content, out))
        print(f"{args.size}: run {i + 1}/{args.runs}", file=sys.stderr)
    base = statistics.median(s.wall for s in rows["no history"])
    result = {
        "size": args.size,
        "commits": args.commits + 1,
        "repository_seconds": round(made, 1),
        "builds": {
            name: {
                "wall": round(statistics.median(s.wall for s in samples), 2),
                "cpu": round(statistics.median(s.cpu for s in samples), 2),
                "peak_mib": round(statistics.median(s.peak_mib for s in samples), 1),
                "ratio": round(statistics.median(s.wall for s in samples) / base, 3),
            }
            for name, samples in rows.items()
        },
        "history_pass": history_pass(content, synth.TODAY),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / f"history-{args.size}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
