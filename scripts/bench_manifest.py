#!/usr/bin/env python3
"""Measure the build record (manifest) at scale: save time and a whole no-op batch run.

    python scripts/bench_manifest.py [--n 10000 100000] [--work DIR]

For each N: writes N synthetic profiles (scripts/make_profiles.py) and a matching output folder
whose record says every packet is up to date (empty HTML files stand in for the packets, so
nothing has to be rendered), then measures

- saving one entry (appended to the journal) with N entries in the record, and the one
  compaction a run does at its end (the old code rewrote the whole record like this every 5 s);
- a whole `sop-packets batch DIR -o OUT --format html` that finds nothing to do, as a new
  process: wall time and CPU seconds (user + system, children included). The first such run reads
  and hashes every profile (the record made here has no file stats yet) and is shown on its own;
  the measured runs then skip every profile whose size and times are unchanged.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from make_profiles import PREPARED_ON, write_profiles  # noqa: E402

from sop_packets.build import BuildOptions  # noqa: E402
from sop_packets.incremental import Entry, Manifest, build_stamp, output_stat, profile_digest  # noqa: E402


def prepare(count: int, work: Path) -> tuple[Path, Path, float]:
    """Profiles and an up-to-date output folder; returns them and the seconds spent recording."""
    profiles, out = work / "profiles", work / "out"
    write_profiles(count, profiles)
    out.mkdir(mode=0o700)
    options = BuildOptions(out_dir=out, format="html", prepared_on=PREPARED_ON)
    stamp = build_stamp(options)
    manifest = Manifest(out)
    recording = 0.0
    for path in sorted(profiles.glob("*.yaml")):
        html = out / f"{path.stem}.html"
        html.write_bytes(b"")
        html.chmod(0o600)
        entry = Entry(profile_digest(stamp, path.read_bytes()), path.stem, (str(html.resolve()),),
                      (output_stat(html),))
        started = time.perf_counter()
        manifest.record(path, entry)
        recording += time.perf_counter() - started
    manifest.compact()
    manifest.close()
    return profiles, out, recording


def save_times(out: Path, repeats: int = 200) -> tuple[float, float]:
    """Median seconds to save one more entry, and seconds for one whole compaction."""
    manifest = Manifest(out)
    key = next(iter(manifest.entries))
    entry = manifest.entries[key]
    appends = []
    for _ in range(repeats):
        started = time.perf_counter()
        manifest.record(Path(key), entry)
        appends.append(time.perf_counter() - started)
    started = time.perf_counter()
    manifest.compact()  # rewrites: the journal has extra lines now
    whole = time.perf_counter() - started
    manifest.close()
    return statistics.median(appends), whole


def no_op_run(profiles: Path, out: Path) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sop_packets", "batch", str(profiles), "-o", str(out),
                           "--format", "html", "--date", PREPARED_ON.isoformat(), "--no-progress"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="no-op runs per N (median reported)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    print("| profiles | record append (median) | compaction (once per run) | first no-op run (hashes "
          "all) wall / CPU s | no-op run wall | no-op CPU s | last line |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    for count in args.n:
        work = Path(tempfile.mkdtemp(prefix=f"bench-manifest-{count}-", dir=args.work))
        try:
            profiles, out, _ = prepare(count, work)
            append, whole = save_times(out)
            warm = no_op_run(profiles, out)  # hashes every profile once and records its stat
            runs = [no_op_run(profiles, out) for _ in range(args.runs)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(f"| {count:,} | {append * 1e6:.0f} µs | {whole:.2f} s | {warm[0]:.1f} s / {warm[1]:.1f} "
                  f"| {wall:.1f} s | {cpu:.1f} | {runs[-1][2]} |", flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
