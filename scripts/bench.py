#!/usr/bin/env python3
"""Benchmark packet building: naive per-file processes, batch on one core, batch on all cores,
and the floor (WeasyPrint alone in one warm process), on the same synthetic profiles; and, with
--compare, this checkout against another one on the example profiles.

    python scripts/bench.py [--n 100] [--rounds 3] [--memory-n 1000] [--out bench.md] [--keep] [--strict]
    python scripts/bench.py --compare /tmp/base [--rounds 5] [--copies 1]

This machine is shared, so one run of each kind is noise. Runs are interleaved: round 1 runs (a),
(b), (c), (d), round 2 runs them again, and so on; --compare alternates the two checkouts A B A B.
Each run is measured as wall time and as CPU seconds (user + system of the process and every
process it waited for, from wait4); tables show medians over the rounds, and ratios of medians.
Every run builds the same packets (--date 2026-11-25) into its own fresh temporary folder.
This is a measurement, not a test: it exits 0 whatever the numbers are (unless --strict), and
non-zero only when a command fails. Standard library only, plus the project's own package (and
pypdf, for --compare's page and text check) inside its worker processes.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import inspect
import json
import math
import os
import platform
import re
import shlex
import shutil
import statistics
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
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for


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
    return Ran(stdout, stderr, seconds, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


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
    cpu: float = 0.0  # CPU seconds (user + system) of the whole run
    walls: list[float] = field(default_factory=list)  # every round's wall seconds
    cpus: list[float] = field(default_factory=list)  # every round's CPU seconds

    @property
    def ms(self) -> float:
        return 1000 * self.seconds / self.packets

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.packets

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


def combine(rows: list[Row]) -> Row:
    """One row from the same run repeated over rounds: median wall and CPU seconds, largest peak RSS."""
    first = rows[0]
    walls, cpus = [r.seconds for r in rows], [r.cpu for r in rows]
    peaks = [r.peak_rss_kb for r in rows if r.peak_rss_kb is not None]
    row = Row(first.key, first.label, first.packets, statistics.median(walls), max(peaks) if peaks else None,
              first.pdf_bytes, list(first.notes), statistics.median(cpus), walls, cpus)
    row.notes.append(f"{len(rows)} rounds, wall s: {', '.join(f'{w:.1f}' for w in walls)}; "
                     f"CPU s: {', '.join(f'{c:.1f}' for c in cpus)}")
    return row


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


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
    render_pdf(largest[1])  # warm-up: fonts, CSS, caches
    warmup = time.perf_counter() - started
    seconds, cpus, sizes = [], [], []
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, html in pages:
        started, cpu = time.perf_counter(), cpu_seconds()
        pdf = render_pdf(html)
        seconds.append(time.perf_counter() - started)
        cpus.append(cpu_seconds() - cpu)
        sizes.append(len(pdf))
        (out_dir / f"{stem}.pdf").write_bytes(pdf)
    print(json.dumps({"seconds": seconds, "cpus": cpus, "sizes": sizes, "warmup_seconds": warmup,
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
    row = Row(key, label, len(data["seconds"]), sum(data["seconds"]), ran.maxrss_kb, data["sizes"],
              cpu=sum(data["cpus"]))
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
    row = Row(key, label, count, ran.seconds, ran.maxrss_kb, pdf_sizes(out), cpu=ran.cpu)
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
    peak, cpu, started = 0, 0.0, time.perf_counter()
    for number, path in enumerate(files, 1):
        ran = run([SOP, "build", path, "-o", out, "--date", DATE], f"(a) sop-packets build {path.name}",
                  cwd=out.parent)
        peak, cpu = max(peak, ran.maxrss_kb), cpu + ran.cpu
        if number % 10 == 0 or number == len(files):
            log(f"  (a) {number}/{len(files)} packets, {time.perf_counter() - started:.1f} s")
    seconds = time.perf_counter() - started
    expect_packets(out, len(files), "(a)")
    row = Row("a", "naive: one `sop-packets build` process per profile", len(files), seconds, peak,
              pdf_sizes(out), cpu=cpu)
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
           "Medians over the rounds; runs interleaved (round 1: a, b, c, d, d2; round 2: the same; ...).", "",
           "| run | what | packets/s | wall ms/packet | CPU ms/packet | total wall s | total CPU s "
           "| peak RSS MiB | mean PDF KiB |",
           "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        kib = "n/a" if row.mean_pdf_kib is None else f"{row.mean_pdf_kib:.1f}"
        out.append(f"| ({row.key}) | {row.label} | {row.per_second:.2f} | {row.ms:.0f} | {row.cpu_ms:.0f} | "
                   f"{row.seconds:.1f} | {row.cpu:.1f} | {mib(row.peak_rss_kb)} | {kib} |")
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

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    rounds: dict[str, list[Row]] = {key: [] for key in ("a", "b", "c", "d", "d2")}
    data_d: dict = {}
    for number in range(1, args.rounds + 1):
        log(f"round {number}/{args.rounds}")
        log(f"  (a) naive: {args.n} x sop-packets build")
        rounds["a"].append(run_naive(profiles, work / f"out-a-{number}"))
        log("  (b) sop-packets batch --jobs 1")
        row, _ = run_batch_row("b", "`sop-packets batch --jobs 1`", profiles, work / f"out-b-{number}",
                               work / f"report-b-{number}.jsonl", args.n, 1, features)
        rounds["b"].append(row)
        log("  (c) sop-packets batch (all cores)")
        row, _ = run_batch_row("c", f"`sop-packets batch` (all {cores} cores)", profiles,
                               work / f"out-c-{number}", work / f"report-c-{number}.jsonl", args.n, None,
                               features)
        rounds["c"].append(row)
        log("  (d) floor: render_pdf only, one warm process")
        row, data_d = run_floor("d", "floor: `render_pdf` only, one warm process", work / f"out-b-{number}",
                                work / f"out-d-{number}", no_hb_subset=False)
        rounds["d"].append(row)
        log("  (d2) floor without HarfBuzz-Subset")
        row, _ = run_floor("d2", "floor without HarfBuzz-Subset (fontTools subsetting)",
                           work / f"out-b-{number}", work / f"out-d2-{number}", no_hb_subset=True)
        rounds["d2"].append(row)
    rows = [combine(rounds[key]) for key in ("a", "b", "c", "d", "d2")]
    row_b, row_c, row_d, row_d2 = rows[1:]
    row_a = rows[0]
    checks = [
        Check("(c) faster than (a)", f"{row_a.ms / row_c.ms:.3f}x", f">= {TARGET_C_VS_A}x",
              row_a.ms / row_c.ms >= TARGET_C_VS_A),
        Check("(b) close to the floor (d) in CPU: b_cpu_ms / d_cpu_ms",
              f"{row_b.cpu_ms / row_d.cpu_ms:.3f} ({row_b.cpu_ms:.0f} vs {row_d.cpu_ms:.0f} ms)",
              f"<= {TARGET_B_VS_D}", row_b.cpu_ms <= TARGET_B_VS_D * row_d.cpu_ms),
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

    reference = outputs(work / "out-b-1")
    sizes_d2 = row_d2.mean_pdf_kib or 0
    extra = [
        f"identical files to (b) of round 1: (a) {same(reference, outputs(work / 'out-a-1'))}, "
        f"(b) of the last round {same(reference, outputs(work / f'out-b-{args.rounds}'))}, "
        f"(c) {same(reference, outputs(work / 'out-c-1'))}, "
        f"(d) PDFs {same(reference, outputs(work / 'out-d-1'), '.pdf')}",
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


# ---------------------------------------------------------------- --compare: this checkout against another


TARGET_CPU_RATIO = 0.6  # per-packet CPU of this checkout at most 0.6 of the other's (issue 11)


def compare_worker(profiles: Path, out_dir: Path) -> None:
    """Build every profile in one warm process of whichever checkout runs this; print CPU per packet.

    Uses only the library API both checkouts have: load_profile, make_packet, render_html, render_pdf.
    """
    from sop_packets.build import BuildOptions, make_packet
    from sop_packets.profile import load_profile
    from sop_packets.render import render_html, render_pdf

    files = sorted(profiles.glob("*.yaml"))
    options = BuildOptions(out_dir=out_dir, prepared_on=dt.date.fromisoformat(DATE))

    wants_identity = "identity" in inspect.signature(render_pdf).parameters  # before the PDF lost its /ID
    # a PDF-only build leaves the browser's fonts out of the HTML (as `batch --format pdf` does)
    pdf_only = {"embed_fonts": False} if "embed_fonts" in inspect.signature(render_html).parameters else {}

    def build(path: Path) -> tuple[str, bytes]:
        profile = load_profile(path)
        packet = make_packet(profile, options)
        html = render_html(packet, **pdf_only)
        if wants_identity:
            return profile.patient.id, render_pdf(html, identity=f"{profile.patient.id}:{DATE}")
        return profile.patient.id, render_pdf(html)

    for path in files:  # warm-up, not counted: fonts, CSS, and each language's content, dates and caches
        build(path)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for path in files:
        started, cpu = time.perf_counter(), cpu_seconds()
        _, pdf = build(path)
        result[path.name] = {"cpu": cpu_seconds() - cpu, "wall": time.perf_counter() - started,
                             "bytes": len(pdf)}
        (out_dir / f"{path.stem}.pdf").write_bytes(pdf)
    print(json.dumps(result))


def _checkout(folder: Path) -> tuple[Path, str]:
    python = folder / ".venv" / "bin" / "python"
    if not python.exists():
        raise BenchError(f"{python} is missing: run `make setup` in {folder} first")
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=folder, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return python, commit


def _pdf_words(path: Path) -> tuple[int, list[str]]:
    """Page count and the words of a PDF, without leader dots."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), re.sub(r"\.{3,}", " ", text).split()


def _word_diff(a: list[str], b: list[str]) -> str:
    import difflib

    only_a, only_b = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            only_a.append(" ".join(a[i1:i2]))
            only_b.append(" ".join(b[j1:j2]))
    if not only_a and not only_b:
        return "identical"
    removed = sum(len(x.split()) for x in only_b)
    added = sum(len(x.split()) for x in only_a)
    return f"{added} words only here, {removed} only there"


def compare(args: argparse.Namespace, work: Path) -> int:
    """Interleaved A/B runs of this checkout (A) and args.compare (B) on the same profiles."""
    sides = {"A": (ROOT, *_checkout(ROOT)), "B": (args.compare, *_checkout(args.compare))}
    profiles = work / "profiles"
    profiles.mkdir()
    sources = sorted(args.profiles.glob("*.yaml"))
    for copy in range(1, args.copies + 1):
        for source in sources:
            text = source.read_text(encoding="utf-8")
            if copy > 1:  # the same packet again under its own id
                text = re.sub(r"^(\s+id:\s*)(\S+)", rf"\g<1>\g<2>-copy{copy}", text, count=1, flags=re.M)
            (profiles / f"{source.stem}{'' if copy == 1 else f'-copy{copy}'}.yaml").write_text(text)
    count = len(list(profiles.glob("*.yaml")))
    per_packet: dict[str, dict[str, list[float]]] = {"A": {}, "B": {}}
    batch_runs: dict[str, list[Ran]] = {"A": [], "B": []}
    sizes: dict[str, dict[str, int]] = {"A": {}, "B": {}}
    for number in range(1, args.rounds + 1):
        order = ("A", "B") if number % 2 else ("B", "A")
        for side in order:
            folder, python, commit = sides[side]
            batch_out = work / f"batch-{side}-{number}"
            if args.batch_only:
                log(f"round {number}/{args.rounds}: {side} ({commit}): batch --jobs 1")
            else:
                log(f"round {number}/{args.rounds}: {side} ({commit}): warm process, then batch --jobs 1")
                out = work / f"warm-{side}-{number}"
                ran = run([python, Path(__file__).resolve(), "--compare-worker", profiles, out],
                          f"{side} warm worker", cwd=folder)
                for name, data in json.loads(ran.stdout.strip().splitlines()[-1]).items():
                    per_packet[side].setdefault(name, []).append(data["cpu"])
                    sizes[side][name] = data["bytes"]
            batch_runs[side].append(run([folder / ".venv" / "bin" / "sop-packets", "batch", profiles, "-o",
                                         batch_out, "--date", DATE, "--jobs", 1, "--force",
                                         "--format", "pdf"], f"{side} batch", cwd=folder))
    lines = [f"### This checkout (A, {sides['A'][2]}) against B ({sides['B'][2]}): {count} profiles "
             f"({len(sources)} from {args.profiles}, {args.copies}x), `--date {DATE}`", "",
             f"_{environment_line('as installed in each checkout')}_", "",
             f"Rounds interleaved ({args.rounds}: A B, B A, ...); medians of CPU seconds (user + system).",
             "",
             "| profile | pages A | pages B | CPU ms A | CPU ms B | A / B | PDF KiB A | PDF KiB B | text |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    total = {"A": 0.0, "B": 0.0}
    pages_ok = True
    if args.batch_only:
        return compare_batches(args, work, sides, batch_runs, count)
    for name in sorted(per_packet["A"]):
        cpu = {side: statistics.median(per_packet[side][name]) for side in ("A", "B")}
        for side in cpu:
            total[side] += cpu[side]
        pdf = {side: work / f"warm-{side}-1" / name.replace(".yaml", ".pdf") for side in ("A", "B")}
        (pages_a, words_a), (pages_b, words_b) = _pdf_words(pdf["A"]), _pdf_words(pdf["B"])
        pages_ok = pages_ok and abs(pages_a - pages_b) <= 1
        lines.append(f"| {name.removesuffix('.yaml')} | {pages_a} | {pages_b} | {1000 * cpu['A']:.0f} | "
                     f"{1000 * cpu['B']:.0f} | {cpu['A'] / cpu['B']:.2f} | {sizes['A'][name] / 1024:.0f} | "
                     f"{sizes['B'][name] / 1024:.0f} | {_word_diff(words_a, words_b)} |")
    ratio = total["A"] / total["B"]
    lines.append(f"| **per packet (mean)** | | | **{1000 * total['A'] / count:.0f}** | "
                 f"**{1000 * total['B'] / count:.0f}** | **{ratio:.2f}** | | | |")
    batch = {side: (statistics.median(r.cpu for r in runs), statistics.median(r.seconds for r in runs))
             for side, runs in batch_runs.items()}
    lines += ["", "| whole command `batch --jobs 1 --format pdf` (incl. start-up) | A | B | A / B |",
              "|---|---:|---:|---:|",
              f"| CPU ms/packet | {1000 * batch['A'][0] / count:.0f} | {1000 * batch['B'][0] / count:.0f} | "
              f"{batch['A'][0] / batch['B'][0]:.2f} |",
              f"| wall ms/packet | {1000 * batch['A'][1] / count:.0f} | {1000 * batch['B'][1] / count:.0f} | "
              f"{batch['A'][1] / batch['B'][1]:.2f} |", "",
              f"- per-packet CPU A / B: {ratio:.2f} (target <= {TARGET_CPU_RATIO}): "
              f"**{'PASS' if ratio <= TARGET_CPU_RATIO else 'FAIL'}**",
              f"- page counts within 1: **{'PASS' if pages_ok else 'FAIL'}**",
              "- CPU per packet: profile loading, HTML and PDF in one warm process, after a warm-up pass "
              "over the same profiles (so a language's one-time loading is not charged to its first "
              "packet); the whole-command row adds process start-up and those one-time costs.",
              f"- every round's CPU s, A: {', '.join(f'{r.cpu:.1f}' for r in batch_runs['A'])}; "
              f"B: {', '.join(f'{r.cpu:.1f}' for r in batch_runs['B'])} (whole command)"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 3 if args.strict and (ratio > TARGET_CPU_RATIO or not pages_ok) else 0


def compare_batches(args: argparse.Namespace, work: Path, sides: dict, batch_runs: dict[str, list[Ran]],
                    count: int) -> int:
    """The --batch-only report: CPU of the whole `batch --jobs 1 --force --format pdf` command, A / B,
    and the page counts and words of the first round's PDFs."""
    cpu = {side: statistics.median(r.cpu for r in runs) for side, runs in batch_runs.items()}
    wall = {side: statistics.median(r.seconds for r in runs) for side, runs in batch_runs.items()}
    ratio = cpu["A"] / cpu["B"]
    pages_ok, same_text = True, 0
    for pdf_a in sorted((work / "batch-A-1").glob("*.pdf")):
        pages_a, words_a = _pdf_words(pdf_a)
        pages_b, words_b = _pdf_words(work / "batch-B-1" / pdf_a.name)
        pages_ok = pages_ok and abs(pages_a - pages_b) <= 1
        same_text += words_a == words_b
    lines = [f"### Render CPU: this checkout (A, {sides['A'][2]}) against B ({sides['B'][2]}), "
             f"{count} packets",
             "", f"_{environment_line('as installed in each checkout')}_", "",
             f"`batch --jobs 1 --force --format pdf --date {DATE}`, rounds interleaved ({args.rounds}: "
             "A B, B A, ...); CPU seconds (user + system of the command and its workers, from wait4), "
             "medians.", "",
             "| whole command | A | B | A / B |", "|---|---:|---:|---:|",
             f"| CPU s | {cpu['A']:.1f} | {cpu['B']:.1f} | **{ratio:.2f}** |",
             f"| CPU ms/packet | {1000 * cpu['A'] / count:.0f} | {1000 * cpu['B'] / count:.0f} | "
             f"{ratio:.2f} |",
             f"| wall s | {wall['A']:.1f} | {wall['B']:.1f} | {wall['A'] / wall['B']:.2f} |", "",
             f"- render CPU A / B: {ratio:.2f} (target <= {TARGET_CPU_RATIO}): "
             f"**{'PASS' if ratio <= TARGET_CPU_RATIO else 'FAIL'}**",
             f"- page counts within 1: **{'PASS' if pages_ok else 'FAIL'}**; "
             f"same words: {same_text} of {count}",
             f"- every round's CPU s, A: {', '.join(f'{r.cpu:.1f}' for r in batch_runs['A'])}; "
             f"B: {', '.join(f'{r.cpu:.1f}' for r in batch_runs['B'])}"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 3 if args.strict and (ratio > TARGET_CPU_RATIO or not pages_ok) else 0


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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every run (default 3)")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="instead: this checkout against another one (with its own .venv), A B A B")
    parser.add_argument("--profiles", type=Path, default=ROOT / "profiles",
                        help="profiles for --compare (default: the examples in profiles/)")
    parser.add_argument("--copies", type=int, default=1, help="--compare builds each profile this many times")
    parser.add_argument("--batch-only", action="store_true",
                        help="--compare times only the whole batch command (no warm per-packet pass)")
    parser.add_argument("--compare-worker", nargs=2, type=Path, metavar=("PROFILES", "OUT_DIR"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_worker:
        floor_worker(*args.floor_worker, no_hb_subset=args.no_hb_subset)
        return 0
    if args.compare_worker:
        compare_worker(*args.compare_worker)
        return 0
    if args.n < 1 or args.memory_n < 0 or args.rounds < 1 or args.copies < 1:
        parser.error("--n, --rounds and --copies must be 1 or more and --memory-n 0 or more")
    if args.out:
        args.out = args.out.resolve()
    work = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        if args.compare:
            args.compare = args.compare.resolve()
            return compare(args, work)
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
