"""Accessibility: axe-core, in a real headless Chromium, finds no violation in any example packet.

The check itself is tests/a11y/axe-check.mjs (WCAG 2.0/2.1 A and AA rules plus best practice).
Its browser (Debian's chromium) and node packages are installed by scripts/setup_a11y.sh, which
`make test` runs first; so a missing piece fails these tests rather than skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "profiles"
A11Y = ROOT / "tests" / "a11y"
CHECKER = A11Y / "axe-check.mjs"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
PREPARED_ON = date(2026, 11, 25)
LARGE_PRINT_PROFILE = "ex-01-melanoma-primary-care.yaml"  # has no large_print of its own
TARGETS_SHOWN = 3


def require_setup() -> str:
    """The node binary; fails (not skips) naming the set-up script when anything is missing."""
    missing = []
    node = shutil.which("node")
    if node is None:
        missing.append("node (Node.js 20 or newer)")
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (Debian package 'chromium')")
    for package_file in ("axe-core/axe.min.js", "playwright-core/package.json"):
        if not (A11Y / "node_modules" / package_file).exists():
            missing.append(f"tests/a11y/node_modules/{package_file}")
    if missing:
        pytest.fail("the accessibility check is not set up; run scripts/setup_a11y.sh "
                    "(make test runs it). Missing: " + "; ".join(missing), pytrace=False)
    assert node is not None
    return node


def run_checker(paths: list[Path]) -> list[dict]:
    """Run axe-check.mjs once over all paths and return its JSON report."""
    node = require_setup()
    proc = subprocess.run([node, str(CHECKER), *map(str, paths)], capture_output=True, text=True,
                          timeout=180, cwd=A11Y)
    if proc.returncode not in (0, 1):
        pytest.fail(f"axe-check.mjs could not run (exit {proc.returncode}); if the browser or node "
                    f"packages are missing, run scripts/setup_a11y.sh.\n{proc.stderr.strip()}",
                    pytrace=False)
    report = json.loads(proc.stdout)
    assert proc.returncode == (1 if any(r["violations"] or r["blocked_requests"] for r in report) else 0)
    return report


def describe(report: list[dict], base: Path) -> str:
    """One line per violation, readable by whoever fixes the templates."""
    lines = []
    for entry in report:
        name = Path(entry["file"]).relative_to(base) if Path(entry["file"]).is_relative_to(base) \
            else entry["file"]
        for v in entry["violations"]:
            targets = ", ".join(v["nodes"][:TARGETS_SHOWN])
            more = f" (+{len(v['nodes']) - TARGETS_SHOWN} more)" if len(v["nodes"]) > TARGETS_SHOWN else ""
            lines.append(f"{name}: {v['id']} [{v['impact']}] {v['help']}: {targets}{more}")
            if v.get("html"):
                lines.append(f"    element: {v['html'][0]}")
            lines.append(f"    see {v.get('helpUrl', '')}")
        for url in entry["blocked_requests"]:
            lines.append(f"{name}: requested a non-local URL (packets must be self-contained): {url}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def packets(tmp_path_factory) -> tuple[Path, list[Path]]:
    """Every example profile built to HTML, plus one built with large_print=True."""
    out = tmp_path_factory.mktemp("a11y-packets")
    report = run_batch([PROFILES], BuildOptions(out_dir=out / "examples", format="html",
                                                prepared_on=PREPARED_ON), jobs=1)
    large = run_batch([PROFILES / LARGE_PRINT_PROFILE],
                      BuildOptions(out_dir=out / "large-print", format="html", prepared_on=PREPARED_ON,
                                   large_print=True), jobs=1)
    failed = report.failed + large.failed
    if failed:
        pytest.fail("could not build the packets to check:\n" + "\n".join(item.error for item in failed),
                    pytrace=False)
    files = sorted(out.rglob("*.html"))
    examples = sorted(p for p in PROFILES.iterdir() if p.suffix in (".yaml", ".yml"))
    assert len(files) == len(examples) + 1, files
    return out, files


def test_example_packets_have_no_accessibility_violations(packets):
    out, files = packets
    report = run_checker(files)
    assert sorted(Path(r["file"]) for r in report) == files
    problems = describe(report, out)
    count = sum(len(r["violations"]) + len(r["blocked_requests"]) for r in report)
    if problems:
        pytest.fail(f"axe-core found {count} accessibility problem(s) in the packets:\n{problems}",
                    pytrace=False)


def test_checker_reports_known_violations(tmp_path):
    """The check can fail: a page with an unlabelled image and input is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Bad page</title></head>'
        '<body><main><h1>Bad page</h1><img src="photo.png">'
        '<input type="text" name="who"></main></body></html>',
        encoding="utf-8",
    )
    report = run_checker([page])
    assert [Path(r["file"]) for r in report] == [page]
    found = {v["id"]: v for v in report[0]["violations"]}
    assert {"image-alt", "label"} <= found.keys(), describe(report, tmp_path)
    assert found["image-alt"]["nodes"] == ["img"]
    assert found["label"]["nodes"] == ["input"]
    message = describe(report, tmp_path)
    assert "bad.html: image-alt" in message and "bad.html: label" in message


def test_checker_blocks_requests_off_the_machine(tmp_path):
    """Packets are self-contained: a page that asks for a remote file is reported, not fetched."""
    page = tmp_path / "remote.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Remote</title>'
        '<link rel="stylesheet" href="https://example.invalid/style.css"></head>'
        '<body><main><h1>Remote</h1></main></body></html>',
        encoding="utf-8",
    )
    report = run_checker([page])
    assert report[0]["blocked_requests"] == ["https://example.invalid/style.css"]
