#!/usr/bin/env python3
"""Measure the coordinator's form (issue 26): page height, fields shown and where the actions are.

Starts `sop-packets serve` on a FHIR import (tests/data/fhir/melanoma-bundle.json, a typical imported
profile) and opens its form in Debian's headless Chromium at 1280 x 800 (tests/a11y/form-size.mjs).

    .venv/bin/python scripts/measure_form.py [--root OTHER_CHECKOUT]

--root measures another checkout of the project (for a before/after comparison) with this Python.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
A11Y = ROOT / "tests" / "a11y"


@contextlib.contextmanager
def imported_and_served(root: Path = ROOT) -> Iterator[tuple[str, str]]:
    """(start URL, profile name) of `sop-packets serve` (from checkout root) on one FHIR import."""
    base = Path(tempfile.mkdtemp(prefix="serve-measure-"))
    env = {**os.environ, "PYTHONPATH": str(root)}
    try:
        profiles = base / "profiles"
        profiles.mkdir()
        subprocess.run([sys.executable, "-m", "sop_packets", "import", "fhir",
                        str(ROOT / "tests" / "data" / "fhir" / "melanoma-bundle.json"), "-o", str(profiles)],
                       check=True, env=env, cwd=root, capture_output=True)
        name = next(p.name for p in profiles.glob("*.yaml"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        log = (base / "server.log").open("w+")
        server = subprocess.Popen([sys.executable, "-m", "sop_packets", "serve", str(profiles), "-o",
                                   str(base / "output"), "--port", str(port)], stdout=log,
                                  stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
        try:
            url = None
            for _ in range(300):
                log.seek(0)
                if match := re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", log.read()):
                    url = match.group(0)
                    with contextlib.suppress(OSError):
                        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                        break
                time.sleep(0.1)
            if url is None:
                raise SystemExit("sop-packets serve did not start")
            yield url, name
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=10)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def node(script: str, *args: str) -> dict:
    """Run one of tests/a11y's browser scripts and read its JSON answer."""
    out = subprocess.run(["node", str(A11Y / script), *args], capture_output=True, text=True, cwd=A11Y,
                         check=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to measure")
    root = parser.parse_args().root.resolve()
    with imported_and_served(root) as (url, name):
        size = node("form-size.mjs", url, name)
    print(f"{root}: form of {name} at 1280 px: page height {size['height']} px, "
          f"{size['fields']} fields shown ({size['controls']} inputs), Save at {size['save_at']} px, "
          f"Build at {size['build_at']} px")


if __name__ == "__main__":
    main()
