"""The content-only pull-request check (`.github/workflows/check.yml`, job `content`), timed locally.

    python benchmarks/ci_content_check.py [--runs 3] [--repo .] [--workdir /tmp/bulletin-ci-bench]

Runs the job's commands as CI does, always in the same folder (GitHub's workspace path does not
change between runs, and the build cache remembers the output folder's path): a run for a push
to main from a fresh clone of `--repo`'s HEAD with nothing cached, whose `site/` and
`.bulletin-cache/` are kept in a tar (actions/cache uses tar and keeps modification times); then,
per round, a pull request that edits one notice, from a fresh clone, once with that build
restored and once without. Each step is the job's command: `python -m pip install . && npm ci
--omit=dev` (into a new virtual environment each time, made before the clock starts, with pip's
and npm's download caches warm as actions/setup-python's and setup-node's caches make them),
`bulletin check --format github`, `bulletin build`,
`python -m generator.tools.linkcheck --format github`. Prints the median seconds of each step
and of the whole, and checks that the restored build's site equals the cold one byte for byte.
Runner start-up, checkout and the cache's download are not included (GitHub's hosted runners
add some 20-40 s).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import venv
from pathlib import Path

STEPS = {
    "install": "python -m pip install -q . && npm ci --omit=dev",
    "check": "bulletin check --format github",
    "build": "bulletin build",
    "linkcheck": "python -m generator.tools.linkcheck --format github",
}
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]


def run_job(repo: Path, work: Path, restore: Path | None) -> dict[str, float]:
    env_dir = work / "venv"
    shutil.rmtree(env_dir, ignore_errors=True)
    venv.create(env_dir, with_pip=True)
    env = {**os.environ, "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    env.pop("PYTHONPATH", None)
    times: dict[str, float] = {}
    start = time.perf_counter()
    for name, command in STEPS.items():
        if name == "check" and restore is not None:
            t = time.perf_counter()
            with tarfile.open(restore) as tar:
                tar.extractall(repo, filter="tar")
            times["restore"] = time.perf_counter() - t
        t = time.perf_counter()
        subprocess.run(command, shell=True, cwd=repo, env=env, check=True, capture_output=True)
        times[name] = time.perf_counter() - t
    times["total"] = time.perf_counter() - start
    return times


def checkout(source: Path, repo: Path) -> None:
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", str(source), str(repo)], check=True)


def edit_notice(repo: Path, n: int) -> None:
    notice = sorted((repo / "content" / "notices").rglob("*.md"))[0]
    with notice.open("a", encoding="utf-8") as fh:
        fh.write(f"\n补充说明：第 {n} 次修改，仅用于测试。\n")
    subprocess.run([*GIT, "commit", "-qam", "edit a notice"], cwd=repo, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/bulletin-ci-bench"))
    args = parser.parse_args()
    work = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    repo = work / "repo"

    checkout(args.repo, repo)
    main_run = run_job(repo, work, None)
    cache = work / "cache.tar"
    with tarfile.open(cache, "w") as tar:
        for name in (".bulletin-cache", "site"):
            tar.add(repo / name, arcname=name)

    results: dict[str, list[dict[str, float]]] = {"restored": [], "cold": []}
    for n in range(args.runs):
        for kind in ("restored", "cold") if n % 2 == 0 else ("cold", "restored"):
            checkout(args.repo, repo)
            edit_notice(repo, n)
            results[kind].append(run_job(repo, work, cache if kind == "restored" else None))
            kept = work / f"site-{kind}"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(repo / "site", kept, symlinks=True)
        same = not _differs(filecmp.dircmp(work / "site-restored", work / "site-cold"))
        if not same:
            print(f"round {n + 1}: the restored build's site differs from the cold build's", file=sys.stderr)
            return 1

    print(f"main, nothing cached: {main_run['total']:.1f} s (build {main_run['build']:.1f} s)")
    print(f"content-only pull request, median of {args.runs} (seconds):")
    names = ["install", "restore", "check", "build", "linkcheck", "total"]
    print("  " + " ".join(f"{n:>9}" for n in ["", *names]))
    for kind, rows in results.items():
        cells = [statistics.median(r.get(n, 0.0) for r in rows) for n in names]
        print("  " + f"{kind:>9} " + " ".join(f"{c:9.2f}" for c in cells))
    print("restored build == cold build (every file, byte for byte)")
    return 0


def _differs(cmp: filecmp.dircmp) -> bool:
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    if cmp.left_only or cmp.right_only or mismatch or errors or cmp.funny_files:
        return True
    return any(_differs(sub) for sub in cmp.subdirs.values())


if __name__ == "__main__":
    sys.exit(main())
