"""The benchmarks in one command: peers side by side, bulletin at three sizes, the edit loop.

    python benchmarks/run.py [--sizes district,city,province] [--peers 1000,4000] [--runs 5]
                             [--skip-peers] [--skip-sizes] [--workdir /dev/shm/bulletin-bench]
                             [--update-readme]

Everything (corpora and outputs) lives under --workdir, in RAM by default, so the figures compare
computation rather than a noisy disk. Peer runs are paired: each run builds every peer once, back
to back, in a rotating order, and the table shows medians over the runs. bulletin's figure is its
full default build (`bulletin build`, cold: no previous output, no cache). Results go to
benchmarks/results/latest.json and, with --update-readme, to the end of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import measure  # noqa: E402
import peers  # noqa: E402
import synth  # noqa: E402

ENV = dict(os.environ, PYTHONPATH=str(REPO), PYTHONHASHSEED="0")
PEERS = ["bulletin", "Hugo", "Eleventy", "Pelican"]
RESULTS_MARK = "<!-- results -->"


def _fresh(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _bulletin_caches(out: Path) -> list[Path]:
    return [out.parent / ".bulletin-cache", out]


def _median(samples: list[measure.Sample], key: str) -> float:
    return statistics.median(getattr(s, key) for s in samples)


def _save_partial(section: str, value: dict) -> None:
    """Keep what is measured so far (a long run that is stopped still leaves its figures)."""
    path = HERE / "results" / "partial.json"
    path.parent.mkdir(exist_ok=True)
    saved = json.loads(path.read_text()) if path.is_file() else {}
    saved[section] = value
    path.write_text(json.dumps(saved, indent=2, ensure_ascii=False) + "\n")


def bench_peers(sizes: list[int], runs: int, workdir: Path) -> dict:
    results: dict = {}
    for n in sizes:
        root = workdir / f"peers-{n}"
        _fresh(root)
        notices, communities = synth.peer_notices(n)
        setups = {name: peers.SETUPS[name](root, notices, communities) for name in PEERS}
        build: dict[str, list] = {name: [] for name in PEERS}
        search: dict[str, list] = {name: [] for name in PEERS if name != "bulletin"}
        edits: list = []  # bulletin's one-notice edit builds
        for run_index in range(runs):
            order = PEERS[run_index % len(PEERS) :] + PEERS[: run_index % len(PEERS)]
            for name in order:
                peer = setups[name]
                _fresh(*(_bulletin_caches(peer.out) if name == "bulletin" else [peer.out]))
                sample = measure.run(peer.command, peer.cwd, ENV)
                if sample.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{sample.output}")
                pages = len(list(peer.out.glob(peer.page_glob)))
                if pages != n:
                    raise SystemExit(f"{name} produced {pages} notice pages, expected {n}")
                build[name].append(sample)
                if name == "bulletin":  # the build after a one-notice edit, with what the cold one left
                    _edit_one_notice(peer.cwd / "content", run_index)
                    edited = measure.run(peer.command, peer.cwd, ENV)
                    if edited.returncode != 0:
                        raise SystemExit(f"bulletin failed after an edit:\n{edited.output}")
                    edits.append(edited)
                if name in search:
                    indexed = measure.run(peers.pagefind_command(peer.out), peer.cwd, ENV)
                    if indexed.returncode != 0 or not (peer.out / "pagefind" / "pagefind.js").is_file():
                        raise SystemExit(f"Pagefind failed on {name}'s site:\n{indexed.output}")
                    search[name].append(indexed)
            print(f"peers N={n}: run {run_index + 1}/{runs} done", file=sys.stderr)
        bulletin_search = (setups["bulletin"].out / "pagefind" / "pagefind.js").is_file()
        rows = {}
        for name in PEERS:
            b = build[name]
            row = {"build": {k: _median(b, k) for k in ("wall", "cpu", "peak_mib")}}
            if name in search:
                s = search[name]
                row["with_search"] = {
                    "wall": statistics.median(x.wall + y.wall for x, y in zip(b, s)),
                    "cpu": statistics.median(x.cpu + y.cpu for x, y in zip(b, s)),
                    "peak_mib": statistics.median(max(x.peak_mib, y.peak_mib) for x, y in zip(b, s)),
                }
            else:
                row["with_search"] = row["build"] if bulletin_search else None
            row["runs"] = [round(x.wall, 3) for x in b]
            if name == "bulletin" and edits:
                row["one_edit"] = {k: _median(edits, k) for k in ("wall", "cpu", "peak_mib")}
            rows[name] = row
        results[str(n)] = {"peers": rows, "bulletin_has_search": bulletin_search}
        _save_partial("peers", results)
    return results


def bench_sizes(sizes: list[str], runs: int, workdir: Path) -> dict:
    results = {}
    for size in sizes:
        root = workdir / f"size-{size}"
        _fresh(root)
        synth.write_site(root, size)
        out = root / "site"
        n = runs if size != "province" else max(1, min(runs, 3))
        cold, nochange, edit, nextday = [], [], [], []
        command = [sys.executable, "-m", "generator", "build", "--today", "2026-11-27", "--out", str(out)]
        # the next day's build over it (no content change): every page's footer date changed
        tomorrow = [*command[:5], "2026-11-28", *command[6:]]
        for i in range(n):
            _fresh(*_bulletin_caches(out))
            sample = measure.run(command, root, ENV)
            if sample.returncode != 0:
                raise SystemExit(f"bulletin failed at {size}:\n{sample.output[-3000:]}")
            cold.append(sample)
            nochange.append(measure.run(command, root, ENV))
            _edit_one_notice(root / "content", i)
            edit.append(measure.run(command, root, ENV))
            nextday.append(measure.run(tomorrow, root, ENV))
            if nextday[-1].returncode != 0:
                raise SystemExit(f"bulletin failed on the next day at {size}:\n{nextday[-1].output[-3000:]}")
            print(f"size {size}: run {i + 1}/{n} cold {sample.wall:.2f}s", file=sys.stderr)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        loop = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "editloop.py"),
                    str(root / "content"),
                    str(root / "loop-site"),
                    str(max(n, 3)),
                ],
                cwd=root,
                env=ENV,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        results[size] = {
            "files": files,
            "runs": n,
            "cold": {k: _median(cold, k) for k in ("wall", "cpu", "peak_mib")},
            "cli_no_change": _median(nochange, "wall"),
            "cli_one_edit": _median(edit, "wall"),
            "cli_next_day": _median(nextday, "wall"),
            "serve_no_change": loop["no_change"],
            "serve_one_edit": loop["one_edit"],
            "serve_one_edit_cpu": loop.get("one_edit_cpu"),
            "serve_one_edit_rendered": loop.get("one_edit_rendered"),
            "serve_title_edit": loop.get("title_edit"),
            "serve_title_edit_cpu": loop.get("title_edit_cpu"),
            "serve_peak_mib": loop.get("peak_mib"),
            "serve_children_peak_mib": loop.get("children_peak_mib"),
            "cold_runs": [round(x.wall, 3) for x in cold],
        }
        shutil.rmtree(root)
        _save_partial("sizes", results)
    return results


def _edit_one_notice(content: Path, i: int) -> None:
    target = sorted((content / "notices").rglob("*.md"))[7]
    text = target.read_text(encoding="utf-8")
    target.write_text(text + f"\n补充说明第 {i + 1} 条：请居民相互转告。\n", encoding="utf-8")


def _ratio(value: float | None, base: float | None) -> str:
    return "—" if value is None or not base else f"{value / base:.2f}"


def table(results: dict) -> str:
    lines = []
    for n, block in results.get("peers", {}).items():
        rows = block["peers"]
        base = rows["Hugo"]["with_search"]
        lines += [
            f"**Peers, N = {n} notices** (medians; ratios against Hugo + Pagefind; "
            f"bulletin {'includes' if block['bulletin_has_search'] else 'does NOT yet include'} its search index)",
            "",
            "| generator | wall s | CPU s | peak MiB | wall × | CPU × | memory × |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name in PEERS:
            row = rows[name]
            variants = (
                [("", row["build"])]
                if name == "bulletin"
                else [(" (no search)", row["build"]), (" + Pagefind", row["with_search"])]
            )
            for suffix, m in variants:
                lines.append(
                    f"| {name}{suffix} | {m['wall']:.2f} | {m['cpu']:.2f} | {m['peak_mib']:.0f} | "
                    f"{_ratio(m['wall'], base['wall'])} | {_ratio(m['cpu'], base['cpu'])} | {_ratio(m['peak_mib'], base['peak_mib'])} |"
                )
        edit = rows["bulletin"].get("one_edit")
        if edit:
            cold = rows["bulletin"]["build"]
            lines.append(
                f"| bulletin, one-notice edit after it | {edit['wall']:.2f} | {edit['cpu']:.2f} | {edit['peak_mib']:.0f} | "
                f"÷ its cold: {edit['wall'] / cold['wall']:.2f} | {edit['cpu'] / cold['cpu']:.2f} | — |"
            )
        lines.append("")
    sizes = results.get("sizes", {})
    if sizes:
        lines += [
            "**bulletin at three sizes** (full default build; medians)",
            "",
            "| size | files | cold wall s | cold CPU s | peak MiB | no-change CLI s (÷ cold) | one-edit CLI s (÷ cold) | next-day CLI s (÷ cold) | no-change serve s | body edit serve s (CPU s) | title edit serve s (CPU s) | serve peak MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for size, r in sizes.items():
            c = r["cold"]
            lines.append(
                f"| {size} | {r['files']} | {c['wall']:.2f} | {c['cpu']:.2f} | {c['peak_mib']:.0f} | {r['cli_no_change']:.2f} "
                f"({r['cli_no_change'] / c['wall']:.3f}) | "
                f"{r['cli_one_edit']:.2f} ({r['cli_one_edit'] / c['wall']:.3f}) | "
                + (
                    f"{r['cli_next_day']:.2f} ({r['cli_next_day'] / c['wall']:.3f})"
                    if r.get("cli_next_day") is not None
                    else "—"
                )
                + f" | {r['serve_no_change']:.3f} | {r['serve_one_edit']:.3f}"
                + (f" ({r['serve_one_edit_cpu']:.3f})" if r.get("serve_one_edit_cpu") is not None else "")
                + " | "
                + (
                    f"{r['serve_title_edit']:.3f} ({r['serve_title_edit_cpu']:.3f})"
                    if r.get("serve_title_edit") is not None
                    else "—"
                )
                + " | "
                + (f"{r['serve_peak_mib']:.0f}" if r.get("serve_peak_mib") is not None else "—")
                + " |"
            )
        if "city" in sizes and "province" in sizes:
            province, city = sizes["province"]["cold"], sizes["city"]["cold"]
            lines += [
                "",
                f"Province cold / city cold: {province['wall'] / city['wall']:.1f} × wall, "
                f"{province['cpu'] / city['cpu']:.1f} × CPU; province peak {province['peak_mib']:.0f} MiB",
            ]
        lines.append("")
    return "\n".join(lines)


REPRODUCE = """
To reproduce: `python -m pip install '.[bench]' && npm ci`, then
`python benchmarks/run.py --update-readme` (everything; about half an hour on 2 cores, most of
it the province size), or `--sizes district,city` / `--skip-peers` / `--skip-sizes` for parts;
`--merge` keeps the sections of `results/latest.json` that a run does not repeat.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="district,city,province")
    parser.add_argument("--peers", default="1000,4000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-sizes", action="store_true")
    parser.add_argument("--workdir", default="/dev/shm/bulletin-bench")
    parser.add_argument("--update-readme", action="store_true")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sections of results/latest.json (e.g. run province on its own)",
    )
    args = parser.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    latest = HERE / "results" / "latest.json"
    results: dict = json.loads(latest.read_text()) if args.merge and latest.is_file() else {}
    results.update(
        {
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "runs": args.runs,
        }
    )
    if not args.skip_peers:
        results["peers"] = bench_peers([int(x) for x in args.peers.split(",") if x], args.runs, workdir)
    if not args.skip_sizes:
        sizes = bench_sizes([x for x in args.sizes.split(",") if x], args.runs, workdir)
        results["sizes"] = {**results.get("sizes", {}), **sizes} if args.merge else sizes
        order = [k for k in synth.SIZES if k in results["sizes"]]
        results["sizes"] = {k: results["sizes"][k] for k in order}
    (HERE / "results").mkdir(exist_ok=True)
    latest.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    text = table(results)
    print(text)
    if args.update_readme:
        readme = HERE / "README.md"
        text_now = readme.read_text(encoding="utf-8")
        mark = "\n" + RESULTS_MARK + "\n"  # on a line of its own: the README's prose may name it
        head = text_now.split(mark)[0] if mark in text_now else text_now.rstrip("\n") + "\n"
        readme.write_text(
            head + mark + "\n" + f"Measured {results['date']} on {results['machine']['cpus']} cores, "
            f"Python {results['machine']['python']}; medians of {args.runs} paired runs (province: fewer, see "
            f"results/latest.json).\n\n" + text + REPRODUCE,
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
