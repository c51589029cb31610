#!/usr/bin/env python3
"""Benchmark packet building: naive per-file processes, batch on one core, batch on all cores,
and the floor (WeasyPrint alone in one warm process), on the same synthetic profiles.

    python scripts/bench.py [--n 100] [--memory-n 1000] [--out bench.md] [--keep] [--strict]

Every run builds the same packets (--date 2026-11-25) into its own fresh temporary folder.
Prints a Markdown table and the target checks. This is a measurement, not a test: it exits 0
whatever the numbers are (unless --strict), and non-zero only when a command fails.
Standard library only, plus the project's own package inside the floor worker.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
SOP = BIN / "sop-packets"
PYTHON = BIN / "python"
MAKE_PROFILES = ROOT / "scripts" / "make_profiles.py"
DATE = "2026-11-25"  # make_profiles counts ages on this day too

TARGET_C_VS_A = 3.0  # (c) at least 3x faster than (a)
TARGET_B_VS_D = 1.15  # (b) ms/packet at most 1.15x the floor (d)
TARGET_C_VS_B = 1.8  # (c) at least 1.8x faster than (b)
TARGET_GROWTH = 0.10  # per-worker RSS: last 10% of its packets under 10% above its first 10%


class BenchError(Exception):
    """A command failed or produced something unexpected; the message says what and shows stderr."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- running commands


@dataclass
class Ran:
    stdout: str
    stderr: str
    seconds: float
    maxrss_kb: int  # the process's peak RSS, or that of any of its (reaped) children if larger


def tail(text: str, lines: int = 60) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join(kept) if kept else "(no output)"


def run(cmd: list[str | Path], what: str, cwd: Path | None = None, check: bool = True) -> Ran:
    """Run cmd; time it and take its peak RSS from wait4. Raises BenchError with stderr if it fails."""
    argv = [str(part) for part in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
        except OSError as exc:
            raise BenchError(f"{what}: cannot start {argv[0]}: {exc}") from None
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if check and proc.returncode != 0:
        raise BenchError(f"{what} failed with exit status {proc.returncode}:\n  $ {shlex.join(argv)}\n"
                         f"--- stderr (last lines) ---\n{tail(stderr)}\n--- stdout (last lines) ---\n"
                         f"{tail(stdout, 20)}")
    return Ran(stdout, stderr, seconds, usage.ru_maxrss)


# ---------------------------------------------------------------- results


@dataclass
class Row:
    key: str
    label: str
    packets: int
    seconds: float
    peak_rss_kb: int | None
    pdf_bytes: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ms(self) -> float:
        return 1000 * self.seconds / self.packets

    @property
    def per_second(self) -> float:
        return self.packets / self.seconds if self.seconds else math.inf

    @property
    def mean_pdf_kib(self) -> float | None:
        return sum(self.pdf_bytes) / len(self.pdf_bytes) / 1024 if self.pdf_bytes else None


@dataclass
class Check:
    name: str
    measured: str
    target: str
    ok: bool | None  # None: could not be measured

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "SKIPPED"}[self.ok]


def mib(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.0f}"


def outputs(folder: Path) -> dict[str, str]:
    """sha256 of every packet file in a folder, by file name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.suffix in (".pdf", ".html")}


def pdf_sizes(folder: Path) -> list[int]:
    return [p.stat().st_size for p in sorted(folder.glob("*.pdf"))]


def expect_packets(folder: Path, count: int, what: str) -> None:
    pdfs, htmls = len(list(folder.glob("*.pdf"))), len(list(folder.glob("*.html")))
    if pdfs != count or htmls != count:
        raise BenchError(f"{what}: expected {count} PDF and {count} HTML files in {folder}, "
                         f"found {pdfs} and {htmls}")


def same(reference: dict[str, str], other: dict[str, str], suffix: str = "") -> str:
    names = [n for n in reference if n.endswith(suffix)]
    equal = sum(1 for n in names if other.get(n) == reference[n])
    return f"{equal}/{len(names)}"


# ---------------------------------------------------------------- the batch report


def read_report(path: Path, count: int, what: str) -> list[dict]:
    """The --report JSON lines; every profile must have been built (not skipped, not failed)."""
    if not path.exists():
        raise BenchError(f"{what}: the batch command wrote no report at {path}")
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    statuses: dict[str, int] = {}
    for record in records:
        statuses[record.get("status")] = statuses.get(record.get("status"), 0) + 1
    if len(records) != count or statuses.get("built") != count:
        raise BenchError(f"{what}: expected {count} built packets in the report, got {len(records)} "
                         f"lines with statuses {statuses} (is --force honoured?)")
    return records


def worker_series(records: list[dict]) -> dict[int, list[int]]:
    """Each worker's RSS after each of its packets, in report order (the order work was handed out)."""
    series: dict[int, list[int]] = {}
    for record in records:
        pid, rss = record.get("worker_pid"), record.get("worker_rss_kb")
        if pid is not None and rss is not None:
            series.setdefault(pid, []).append(rss)
    return series


# ---------------------------------------------------------------- the floor (runs in its own process)


def floor_worker(html_dir: Path, out_dir: Path, no_hb_subset: bool) -> None:
    """Render (b)'s HTML files to PDF with sop_packets.render.render_pdf in this one warm process.

    Prints one JSON object: seconds per packet (PDF rendering only) and PDF sizes.
    """
    import logging

    if no_hb_subset:
        import weasyprint.pdf.fonts as fonts

        fonts.harfbuzz_subset = None  # WeasyPrint falls back to fontTools for subsetting
        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # one warning per font otherwise
    import weasyprint

    from sop_packets.render import render_pdf

    files = sorted(html_dir.glob("*.html"))
    if not files:
        raise SystemExit(f"no HTML files in {html_dir}")
    pages = [(f.stem, f.read_text(encoding="utf-8")) for f in files]
    largest = max(pages, key=lambda page: len(page[1]))
    started = time.perf_counter()
    render_pdf(largest[1], identity=f"{largest[0]}:{DATE}")  # warm-up: fonts, CSS, caches
    warmup = time.perf_counter() - started
    seconds, sizes = [], []
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, html in pages:
        started = time.perf_counter()
        pdf = render_pdf(html, identity=f"{stem}:{DATE}")
        seconds.append(time.perf_counter() - started)
        sizes.append(len(pdf))
        (out_dir / f"{stem}.pdf").write_bytes(pdf)
    print(json.dumps({"seconds": seconds, "sizes": sizes, "warmup_seconds": warmup,
                      "weasyprint": weasyprint.__version__,
                      "subsetter": "fontTools" if no_hb_subset else "HarfBuzz-Subset"}))


def run_floor(key: str, label: str, html_dir: Path, out_dir: Path, no_hb_subset: bool) -> tuple[Row, dict]:
    cmd: list[str | Path] = [PYTHON, Path(__file__).resolve(), "--floor-worker", html_dir, out_dir]
    if no_hb_subset:
        cmd.append("--no-hb-subset")
    ran = run(cmd, f"({key}) floor", cwd=out_dir.parent)
    try:
        data = json.loads(ran.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        raise BenchError(f"({key}) floor printed no result:\n{tail(ran.stdout)}\n"
                         f"{tail(ran.stderr)}") from None
    row = Row(key, label, len(data["seconds"]), sum(data["seconds"]), ran.maxrss_kb, data["sizes"])
    row.notes.append(f"warm-up packet {data['warmup_seconds']:.2f} s (not counted); "
                     f"subsetting with {data['subsetter']}")
    return row, data


# ---------------------------------------------------------------- the benchmark


def make_profiles(count: int, folder: Path, seed: int) -> None:
    ran = run([sys.executable, MAKE_PROFILES, count, folder, "--seed", seed], "make_profiles.py")
    log(f"  {ran.stdout.strip()}")
    run([SOP, "validate", folder], "sop-packets validate (of the generated profiles)")


def batch_cmd(profiles: Path, out: Path, report: Path | None, jobs: int | None, force: bool) -> list:
    cmd: list[str | Path] = [SOP, "batch", profiles, "-o", out, "--date", DATE]
    if jobs:
        cmd += ["--jobs", jobs]
    if force:
        cmd.append("--force")
    if report:
        cmd += ["--report", report]
    return cmd


def run_batch_row(key: str, label: str, profiles: Path, out: Path, report: Path, count: int,
                  jobs: int | None, features: dict[str, bool]) -> tuple[Row, dict[int, list[int]]]:
    ran = run(batch_cmd(profiles, out, report if features["report"] else None, jobs, features["force"]),
              f"({key}) sop-packets batch", cwd=out.parent)
    expect_packets(out, count, f"({key})")
    row = Row(key, label, count, ran.seconds, ran.maxrss_kb, pdf_sizes(out))
    series: dict[int, list[int]] = {}
    if features["report"]:
        series = worker_series(read_report(report, count, f"({key})"))
    if series:
        peaks = {pid: max(values) for pid, values in series.items()}
        row.peak_rss_kb = max(peaks.values())
        row.notes.append(f"{len(peaks)} worker(s), peak RSS per worker "
                         f"{', '.join(mib(kb) for kb in peaks.values())} MiB (from --report); "
                         f"whole process tree peak {mib(ran.maxrss_kb)} MiB")
    else:
        row.notes.append("peak RSS of the whole process tree (wait4); no per-worker --report data")
    return row, series


def run_naive(profiles: Path, out: Path) -> Row:
    files = sorted(profiles.glob("*.yaml"))
    peak, started = 0, time.perf_counter()
    for number, path in enumerate(files, 1):
        ran = run([SOP, "build", path, "-o", out, "--date", DATE], f"(a) sop-packets build {path.name}",
                  cwd=out.parent)
        peak = max(peak, ran.maxrss_kb)
        if number % 10 == 0 or number == len(files):
            log(f"  (a) {number}/{len(files)} packets, {time.perf_counter() - started:.1f} s")
    seconds = time.perf_counter() - started
    expect_packets(out, len(files), "(a)")
    row = Row("a", "naive: one `sop-packets build` process per profile", len(files), seconds, peak,
              pdf_sizes(out))
    row.notes.append("peak RSS: the largest of the build processes (wait4)")
    return row


def growth_check(series: dict[int, list[int]], count: int) -> tuple[Check, list[str]]:
    lines = ["| worker pid | packets | RSS first 10% MiB | RSS last 10% MiB | growth | peak MiB |",
             "|---:|---:|---:|---:|---:|---:|"]
    growths = []
    for pid, values in sorted(series.items()):
        k = max(1, math.ceil(len(values) / 10))
        first, last = sum(values[:k]) / k, sum(values[-k:]) / k
        growth = (last - first) / first if first else 0.0
        growths.append(growth)
        lines.append(f"| {pid} | {len(values)} | {first / 1024:.1f} | {last / 1024:.1f} | "
                     f"{growth:+.1%} | {max(values) / 1024:.1f} |")
    worst = max(growths)
    check = Check(f"peak memory per worker flat over {count} packets (`batch --jobs 2`)",
                  f"worst growth {worst:+.1%} ({len(series)} workers)", f"< {TARGET_GROWTH:.0%}",
                  worst < TARGET_GROWTH)
    return check, lines


def environment_line(weasyprint_version: str) -> str:
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    cpu = platform.machine()
    with contextlib.suppress(OSError):
        models = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")]
        cpu = models[0] if models else cpu
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"{dt.date.today()}, commit {commit}, {cores} cores ({cpu}), Python {platform.python_version()}, "
            f"WeasyPrint {weasyprint_version}, load average at the end {load}")


def report_markdown(rows: list[Row], checks: list[Check], memory_lines: list[str], extra: list[str],
                    env: str, count: int) -> str:
    out = [f"### Benchmark: {count} synthetic profiles, `--date {DATE}`", "", f"_{env}_", "",
           "| run | what | packets/s | ms/packet | total s | peak RSS MiB | mean PDF KiB |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        kib = "n/a" if row.mean_pdf_kib is None else f"{row.mean_pdf_kib:.1f}"
        out.append(f"| ({row.key}) | {row.label} | {row.per_second:.2f} | {row.ms:.0f} | {row.seconds:.1f} | "
                   f"{mib(row.peak_rss_kb)} | {kib} |")
    out += ["", "| check | measured | target | result |", "|---|---|---|---|"]
    out += [f"| {c.name} | {c.measured} | {c.target} | **{c.verdict}** |" for c in checks]
    if memory_lines:
        out += ["", *memory_lines]
    out += ["", "Notes:", ""]
    out += [f"- ({row.key}) {note}" for row in rows for note in row.notes]
    out += [f"- {line}" for line in extra]
    return "\n".join(out) + "\n"


def check_features() -> dict[str, bool]:
    for tool in (SOP, PYTHON):
        if not tool.exists():
            raise BenchError(f"{tool} is missing: run `make setup` first")
    text = run([SOP, "batch", "--help"], "sop-packets batch --help").stdout
    features = {"force": "--force" in text, "report": "--report" in text}
    for flag, present in features.items():
        if not present:
            because = "no per-worker memory" if flag == "report" else "the output folders are fresh anyway"
            log(f"WARNING: `sop-packets batch` has no --{flag} option yet; running without it ({because})")
    return features


def bench(args: argparse.Namespace, work: Path) -> int:
    features = check_features()
    profiles = work / "profiles"
    log(f"generating {args.n} profiles (seed {args.seed}) in {profiles}")
    make_profiles(args.n, profiles, args.seed)
    log("warm-up build (not timed): OS file cache, .pyc files")
    first = sorted(profiles.glob("*.yaml"))[0]
    run([SOP, "build", first, "-o", work / "warm-up", "--date", DATE], "warm-up sop-packets build", cwd=work)

    rows: list[Row] = []
    log(f"(a) naive: {args.n} x sop-packets build")
    rows.append(run_naive(profiles, work / "out-a"))
    log("(b) sop-packets batch --jobs 1")
    row_b, _ = run_batch_row("b", "`sop-packets batch --jobs 1`", profiles, work / "out-b",
                             work / "report-b.jsonl", args.n, 1, features)
    rows.append(row_b)
    log("(c) sop-packets batch (all cores)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    row_c, _ = run_batch_row("c", f"`sop-packets batch` (all {cores} cores)", profiles, work / "out-c",
                             work / "report-c.jsonl", args.n, None, features)
    rows.append(row_c)
    log("(d) floor: render_pdf only, one warm process")
    row_d, data_d = run_floor("d", "floor: `render_pdf` only, one warm process", work / "out-b",
                              work / "out-d", no_hb_subset=False)
    rows.append(row_d)
    log("(d2) floor without HarfBuzz-Subset")
    row_d2, _ = run_floor("d2", "floor without HarfBuzz-Subset (fontTools subsetting)", work / "out-b",
                          work / "out-d2", no_hb_subset=True)
    rows.append(row_d2)

    row_a = rows[0]
    checks = [
        Check("(c) faster than (a)", f"{row_a.ms / row_c.ms:.3f}x", f">= {TARGET_C_VS_A}x",
              row_a.ms / row_c.ms >= TARGET_C_VS_A),
        Check("(b) close to the floor (d): b_ms / d_ms",
              f"{row_b.ms / row_d.ms:.3f} ({row_b.ms:.0f} vs {row_d.ms:.0f} ms)", f"<= {TARGET_B_VS_D}",
              row_b.ms <= TARGET_B_VS_D * row_d.ms),
        Check("(c) faster than (b)", f"{row_b.ms / row_c.ms:.3f}x", f">= {TARGET_C_VS_B}x",
              row_b.ms / row_c.ms >= TARGET_C_VS_B),
    ]
    memory_lines: list[str] = []
    if args.memory_n <= 0:
        checks.append(Check("peak memory per worker flat", "not run (--memory-n 0)", f"< {TARGET_GROWTH:.0%}",
                            None))
    elif not features["report"]:
        checks.append(Check("peak memory per worker flat", "not measured: batch has no --report",
                            f"< {TARGET_GROWTH:.0%}", None))
    else:
        mem_profiles = work / "profiles-memory"
        log(f"memory run: generating {args.memory_n} profiles, then batch --jobs 2")
        make_profiles(args.memory_n, mem_profiles, args.seed)
        started = time.perf_counter()
        _, series = run_batch_row("m", "memory run", mem_profiles, work / "out-memory",
                                  work / "report-memory.jsonl", args.memory_n, 2, features)
        log(f"  memory run took {time.perf_counter() - started:.1f} s")
        if not series:
            raise BenchError("memory run: the report has no worker_pid / worker_rss_kb values")
        check, memory_lines = growth_check(series, args.memory_n)
        checks.append(check)
        memory_lines.insert(0, f"Per-worker RSS over {args.memory_n} packets (`batch --jobs 2 --force`), "
                               "after each packet, in the order the packets were handed out:\n")

    reference = outputs(work / "out-b")
    sizes_d2 = row_d2.mean_pdf_kib or 0
    extra = [
        f"identical files to (b): (a) {same(reference, outputs(work / 'out-a'))}, "
        f"(c) {same(reference, outputs(work / 'out-c'))}, "
        f"(d) PDFs {same(reference, outputs(work / 'out-d'), '.pdf')}",
        f"HarfBuzz-Subset vs fontTools (d vs d2): {row_d.ms:.0f} vs {row_d2.ms:.0f} ms/packet "
        f"({row_d2.ms / row_d.ms:.2f}x), mean PDF {row_d.mean_pdf_kib or 0:.1f} vs {sizes_d2:.1f} KiB",
        "(b) and (c) include process start-up, profile validation, HTML rendering and file writes; "
        "(d)/(d2) time only `render_pdf` calls",
    ]
    text = report_markdown(rows, checks, memory_lines, extra, environment_line(data_d["weasyprint"]), args.n)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        log(f"wrote {args.out}")
    if args.strict and any(c.ok is False for c in checks):
        return 3
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="profiles for runs (a)-(d2) (default 100)")
    parser.add_argument("--memory-n", type=int, default=1000,
                        help="profiles for the per-worker memory run, 0 to skip (default 1000)")
    parser.add_argument("--out", type=Path, help="also write the Markdown results to this file")
    parser.add_argument("--seed", type=int, default=1, help="profile generator seed (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders and print where")
    parser.add_argument("--strict", action="store_true", help="exit 3 if any target check fails")
    parser.add_argument("--floor-worker", nargs=2, type=Path, metavar=("HTML_DIR", "OUT_DIR"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--no-hb-subset", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_worker:
        floor_worker(*args.floor_worker, no_hb_subset=args.no_hb_subset)
        return 0
    if args.n < 1 or args.memory_n < 0:
        parser.error("--n must be 1 or more and --memory-n 0 or more")
    if args.out:
        args.out = args.out.resolve()
    work = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        return bench(args, work)
    except BenchError as exc:
        log(f"\nbench: {exc}")
        return 1
    except KeyboardInterrupt:
        log("\nbench: interrupted")
        return 130
    finally:
        if args.keep:
            log(f"kept the temporary folders in {work}")
        else:
            with contextlib.suppress(OSError):
                shutil.rmtree(work)


if __name__ == "__main__":
    sys.exit(main())
