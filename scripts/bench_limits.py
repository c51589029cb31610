#!/usr/bin/env python3
"""Measure the worst case at each input limit (issue 21): CPU seconds to refuse or read the largest
input each path accepts. Not a test: prints a Markdown table.

    python scripts/bench_limits.py [--rows 10000]

Each case runs in this process after a warm-up, so the figures are the work itself, not start-up.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sop_packets.clinic import load_clinic  # noqa: E402
from sop_packets.errors import SopError  # noqa: E402
from sop_packets.importers.csv_import import (  # noqa: E402
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_HEADER_CHARS,
    MAX_MAP_ENTRIES,
    columns,
    import_csv,
    load_mapping,
)
from sop_packets.profile import MAX_FILE_BYTES, load_profile  # noqa: E402

HEAD = "schema_version: 1\npatient:\n  id: p-1\n  name: Test Patient\n  age: 58\n" \
       "diagnosis:\n  cancer_type: melanoma\n  diagnosed_by: primary_care\n"
CLINIC = "schema_version: 1\nname: Riverbend\nphone: (555) 010-2000\n"


def fill(head: str, line: Callable[[int], str], limit: int = MAX_FILE_BYTES) -> str:
    """head, then numbered lines until just under limit bytes."""
    parts, size, number = [head], len(head.encode()), 0
    while True:
        text = line(number)
        if size + len(text.encode()) > limit:
            return "".join(parts)
        parts.append(text)
        size += len(text.encode())
        number += 1


def measure(run: Callable[[], object]) -> tuple[float, str]:
    started = time.process_time()
    try:
        run()
        outcome = "read"
    except SopError as exc:
        lines = exc.format_message().splitlines()
        outcome = f"refused: {len(lines)} lines"
    return time.process_time() - started, outcome


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the largest valid CSV measured")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    cases: list[tuple[str, str, Callable[[], object]]] = []

    def profile(label: str, text: str) -> None:
        path = work / f"p{len(cases)}.yaml"
        path.write_text(text, encoding="utf-8")
        size = f"{len(text.encode()) / 2**20:.2f} MiB"
        cases.append(("profile", f"{label} ({size})", lambda: load_profile(path)))

    profile("unknown fields, one per line", fill(HEAD, lambda i: f"unknown_{i}: x\n"))
    profile("one field repeated", fill(HEAD, lambda i: f"dup: {i}\n"))
    profile("values in one flow list (20,000-value limit)",
            fill(HEAD + "concerns:\n  other: [", lambda i: "x, ", MAX_FILE_BYTES - 10) + "x]\n")
    profile("10 syntax errors at the end (each read again)",
            fill(HEAD, lambda i: f"note_{i}: x\n", MAX_FILE_BYTES - 200) + "\tbad: 1\n" * 10)
    profile("one long text value", HEAD + "coordinator_note: " + "a" * (MAX_FILE_BYTES - 200) + "\n")
    profile("1,000 levels of [ ]", HEAD + "x: " + "[" * 1000 + "]" * 1000 + "\n")
    profile("numbers with units everywhere", fill(HEAD, lambda i: f"  size_mm: {i} cm\n"))

    clinic_path = work / "clinic.yaml"
    clinic_path.write_text(fill(CLINIC + "referrals:\n", lambda i: f"  - {{name: Lab {i}, specialty: Derm, "
                                                                        f"phone: 555-{i:04d}}}\n"))
    cases.append(("clinic", "referrals up to 1 MiB (40 allowed)", lambda: load_clinic(clinic_path)))
    unknown_clinic = work / "clinic2.yaml"
    unknown_clinic.write_text(fill(CLINIC, lambda i: f"field_{i}: x\n"))
    cases.append(("clinic", "unknown fields up to 1 MiB", lambda: load_clinic(unknown_clinic)))

    names = list(columns())
    header_path = work / "header.csv"
    header_path.write_text(",".join(f"column {i:03d} " + "x" * 50 for i in range(MAX_COLUMNS - 1)) + "\n")
    cases.append(("CSV", f"{MAX_COLUMNS - 1} unknown 60-character columns (just under "
                         f"{MAX_HEADER_CHARS // 1024} KiB)", lambda: import_csv(header_path)))
    long_header = work / "long.csv"
    long_header.write_text("x" * 65536 + "\n")
    cases.append(("CSV", "one 64 KiB header cell", lambda: import_csv(long_header)))
    wide = work / "wide.csv"
    wide.write_text(",".join("" for _ in range(300_000)) + "\n")
    cases.append(("CSV", "300,000-column header", lambda: import_csv(wide)))
    many = work / "many.csv"
    many.write_text(",".join(names[:3]) + "\n" + ",".join("x" for _ in range(MAX_COLUMNS + 1)) + "\n")
    cases.append(("CSV", f"a row of {MAX_COLUMNS + 1} cells", lambda: import_csv(many)))
    cell = work / "cell.csv"
    cell.write_text("patient.id,coordinator_note\na," + "x" * (MAX_FIELD_CHARS + 1) + "\n")
    cases.append(("CSV", f"a cell over {MAX_FIELD_CHARS:,} characters", lambda: import_csv(cell)))
    header = ["patient.id", "patient.name", "patient.age", "diagnosis.cancer_type", "diagnosis.diagnosed_by",
              "patient.comorbidities", "coordinator_note"]
    rows = [[f"p{i}", f"Name {i}", "50", "melanoma", "dermatologist", "; ".join(["asthma"] * 50), "n" * 3000]
            for i in range(args.rows)]
    valid = work / "valid.csv"
    valid.write_text(csv_text(header, rows))
    cases.append(("CSV", f"{args.rows:,} valid rows with long cells "
                         f"({valid.stat().st_size / 2**20:.0f} MiB)", lambda: import_csv(valid)))
    bad = work / "bad.csv"
    bad.write_text(csv_text(header, [[r[0], "", "abc", "melanom", "x", r[5], r[6]] for r in rows]))
    cases.append(("CSV", f"{args.rows:,} rows, every one wrong", lambda: import_csv(bad)))

    mapping = work / "map.yaml"
    mapping.write_text(fill("columns:\n", lambda i: f"  Column {i}: patient.name\n"))
    cases.append(("--map", f"columns up to 1 MiB (limit {MAX_MAP_ENTRIES:,} entries)",
                  lambda: load_mapping(mapping)))
    mapping2 = work / "map2.yaml"
    mapping2.write_text("columns:\n  N: patient.name\nvalues:\n  N:\n"
                        + "".join(f"    v{i}: w{i}\n" for i in range(MAX_MAP_ENTRIES - 10)))
    cases.append(("--map", f"{MAX_MAP_ENTRIES - 10:,} value translations", lambda: load_mapping(mapping2)))

    load_profile(ROOT / "profiles" / "ex-09-other-minimal.yaml")  # warm up
    print("| input | case | CPU s | outcome |")
    print("|---|---|---:|---|")
    try:
        for kind, label, run in cases:
            seconds, outcome = measure(run)
            print(f"| {kind} | {label} | {seconds:.2f} | {outcome} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
