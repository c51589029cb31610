#!/usr/bin/env python3
"""CPU seconds of one cold `sop-packets build` (a new process per run, PDF and HTML), median of N.

    python scripts/bench_cold.py [--runs 5] [--profile profiles/ex-09-other-minimal.yaml]
    python scripts/bench_cold.py --compare /tmp/base --runs 7   # interleaved A/B against another checkout

Two columns: with an empty user cache (the first build on a machine: fontconfig and the HTML's font
subsets are made) and with the cache filled by an earlier build (every later build). CPU is user +
system of the build process, from wait4, so other load on a shared machine counts less than wall time.

With --compare DIR (a source checkout of another commit, e.g. `git archive <commit> | tar -x -C DIR`),
this checkout and DIR are run alternately (A B, B A, A B...) with the same filled cache and Python,
DIR's package imported from DIR, and the medians of both and their ratio are printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = "2026-11-27"
"""The packet's date, given as --date: SOURCE_DATE_EPOCH would also reach fontconfig, which before
fonts._date_for_fontconfig scanned every font again in every process where it was set."""


def from_bytecode(checkout: Path) -> None:
    """Write a checkout's bytecode, as `make setup` does, so no run compiles the package (a checkout made
    with `git archive` has none, and PYTHONDONTWRITEBYTECODE keeps runs from writing it)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(checkout / "sop_packets")], check=True)


def one_build(profile: Path, out: Path, cache: Path, checkout: Path = ROOT) -> tuple[float, float]:
    env = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    env["XDG_CACHE_HOME"] = str(cache)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "sop_packets", "build", str(profile), "-o", str(out),
                                "--date", DATE],
                               cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {process.stderr.read().decode()}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", type=Path, default=ROOT / "profiles" / "ex-09-other-minimal.yaml")
    parser.add_argument("--compare", type=Path, metavar="DIR",
                        help="another source checkout: interleaved A/B runs with the cache filled")
    args = parser.parse_args()
    if args.compare:
        return compare(args.profile.resolve(), args.compare.resolve(), args.runs)
    from_bytecode(ROOT)
    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    empty, filled = [], []
    try:
        warm_cache = work / "warm-cache"
        one_build(args.profile, work / "out-warm", warm_cache)  # fills the cache once
        for run in range(args.runs):  # interleaved: empty cache, then filled cache
            cache = work / f"cache-{run}"
            empty.append(one_build(args.profile, work / f"out-e{run}", cache))
            filled.append(one_build(args.profile, work / f"out-f{run}", warm_cache))
            shutil.rmtree(cache, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| cache | CPU s (median) | wall s (median) | runs |")
    print("|---|---:|---:|---:|")
    for label, runs in (("empty (first build on a machine)", empty), ("filled (every later build)", filled)):
        print(f"| {label} | {statistics.median(r[0] for r in runs):.2f} | "
              f"{statistics.median(r[1] for r in runs):.2f} | {len(runs)} |")
    return 0


def compare(profile: Path, other: Path, runs: int) -> int:
    """Alternate this checkout (A) and another (B), each order in turn; medians of CPU seconds."""
    if not (other / "sop_packets" / "__init__.py").is_file():
        raise SystemExit(f"{other} is not a source checkout of sop-packets")
    work = Path(tempfile.mkdtemp(prefix="bench-cold-ab-"))
    times: dict[str, list[float]] = {"A": [], "B": []}
    checkouts = {"A": ROOT, "B": other}
    for checkout in checkouts.values():
        from_bytecode(checkout)
    try:
        cache = work / "cache"
        for label in ("A", "B"):  # fills the shared cache (fontconfig, HTML font subsets) for both
            one_build(profile, work / f"out-{label}", cache, checkouts[label])
        for run in range(runs):
            for label in ("AB" if run % 2 == 0 else "BA"):
                out = work / f"out-{label}{run}"
                times[label].append(one_build(profile, out, cache, checkouts[label])[0])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a, b = statistics.median(times["A"]), statistics.median(times["B"])
    print(f"| checkout | CPU s (median of {runs}) | runs |")
    print("|---|---:|---|")
    for label, name in (("A", ROOT), ("B", other)):
        print(f"| {label} {name} | {statistics.median(times[label]):.2f} | "
              f"{', '.join(f'{t:.2f}' for t in times[label])} |")
    print(f"\nA / B = {a / b:.3f} ({profile.name}, cache filled)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
