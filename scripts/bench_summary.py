#!/usr/bin/env python3
"""`make bench`: the four speed figures of issue 29, each measured as CPU seconds on this machine.

    python scripts/bench_summary.py [--base /tmp/sop-packets-base-b7cb0b6] [--rounds 3] [--out bench.md]

1. Render CPU against commit b7cb0b6: the ten example profiles of that commit, twice (20 packets),
   `batch --jobs 1 --force --format pdf`, interleaved A B / B A runs, medians (scripts/bench.py
   --compare --batch-only). The base checkout is made with `git worktree add` and `make setup` the
   first time (it needs network access to the package index once).
2. A Chinese packet against an English one, in one warm process, a new name each round
   (scripts/bench_cjk.py), with HarfBuzz and fontTools timed on one CJK face.
3. A cold `build` of one packet (COLD_PROFILES), a new process each run, with the user's font cache
   filled (scripts/bench_cold.py).
4. A no-op batch: the examples built once as HTML, then `batch` again with nothing changed.

Exits 0 whatever the numbers are, non-zero only when a command fails.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SOP = ROOT / ".venv" / "bin" / "sop-packets"
BASE_COMMIT = "b7cb0b6"
DATE = "2026-11-25"
COLD_PROFILES = ("ex-09-other-minimal.yaml", "ex-01-melanoma-primary-care.yaml")
"""The shortest example packet (10 pages) and a typical one (14 pages, its page one tried three times)."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def output_of(argv: list[str | Path], cwd: Path = ROOT) -> str:
    done = subprocess.run([str(part) for part in argv], cwd=cwd, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise SystemExit(f"failed: {' '.join(map(str, argv))}\n{done.stderr[-3000:]}")
    return done.stdout


def base_checkout(folder: Path) -> Path:
    """A checkout of the base commit with its own .venv, made once."""
    if not (folder / ".venv" / "bin" / "sop-packets").exists():
        if not folder.exists():
            log(f"making {folder}: git worktree of {BASE_COMMIT}")
            subprocess.run(["git", "worktree", "add", "--detach", str(folder), BASE_COMMIT], cwd=ROOT,
                           check=True, stdout=subprocess.DEVNULL)
        log(f"make setup in {folder}")
        subprocess.run(["make", "setup"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    # from bytecode, as this checkout's `make setup` leaves it (that commit's Makefile did not write it)
    subprocess.run([folder / ".venv" / "bin" / "python", "-m", "compileall", "-q", folder / "sop_packets"],
                   check=True, stdout=subprocess.DEVNULL)
    return folder


def cpu_of(argv: list[str | Path]) -> float:
    process = subprocess.Popen([str(part) for part in argv], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(map(str, argv))}")
    return usage.ru_utime + usage.ru_stime


def no_op_batch(runs: int) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-noop-") as work:
        command = [SOP, "batch", ROOT / "profiles", "-o", Path(work) / "out", "--format", "html",
                   "--date", DATE]
        first = cpu_of(command)
        again = [cpu_of(command) for _ in range(runs)]
    count = len(list((ROOT / "profiles").glob("*.yaml")))
    return (f"### No-op batch\n\n`batch profiles/ --format html` ({count} examples): first run {first:.2f} "
            "CPU s; "
            f"again with nothing changed: **{statistics.median(again):.2f} CPU s** (median of {runs}: "
            f"{', '.join(f'{t:.2f}' for t in again)}). The 100,000-profile figure: "
            "`python scripts/bench_manifest.py --n 100000`.\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=Path,
                        default=Path(tempfile.gettempdir()) / f"sop-packets-base-{BASE_COMMIT}")
    parser.add_argument("--rounds", type=int, default=3, help="A/B rounds (default 3)")
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    args = parser.parse_args()
    base = base_checkout(args.base.resolve())
    parts = []
    log("1/4 render CPU against the base commit (A B / B A batches)")
    parts.append(output_of([PYTHON, "scripts/bench.py", "--compare", base, "--profiles", base / "profiles",
                            "--copies", 2, "--rounds", args.rounds, "--batch-only"]))
    log("2/4 a Chinese packet against an English one")
    parts.append(output_of([PYTHON, "scripts/bench_cjk.py", "--rounds", 5]))
    log("3/4 cold build")
    for profile in COLD_PROFILES:
        parts.append(f"### Cold `build` of {profile} (PDF and HTML), a new process each run\n\n"
                     + output_of([PYTHON, "scripts/bench_cold.py", "--runs", 5, "--profile",
                                  ROOT / "profiles" / profile]))
    log("4/4 no-op batch")
    parts.append(no_op_batch(3))
    text = "\n".join(parts)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
