#!/usr/bin/env python3
"""Benchmark of `sop-packets serve` (a script, not a test): live-preview latency and start-up time.

Preview of an imported profile (tests/data/fhir/melanoma-bundle.json), --edits edits of the patient's
name (so the packet changes), after --warm:
- on the server, inside the app: the preview answer (the panel: guidance, what changed, messages)
  and the frame's page (the packet's HTML, rendered in the background from the moment of the change),
  wall and CPU time, p50 and p95;
- in Debian's headless Chromium (tests/a11y/preview-latency.mjs, on a real `sop-packets serve`): from
  the keydown to the panel swapped in, and to the packet's page loaded in its frame.
With --all, every example profile too (English, Spanish, Vietnamese and both Chinese scripts; --n
posts each, the patient's name changed, in Chinese a new character each time): the panel's answer.
Start-up: `sop-packets serve` in a new process until the worklist answers (median of --starts runs).

Worklist: --worklist N profiles (copies of the examples under new ids, default 10,000), the first
load (every profile checked) and the median of 5 warm loads, wall and CPU seconds (CPU is the figure
to compare on a shared machine; the goal is 1 s or less for 10,000).

    .venv/bin/python scripts/bench_serve.py [--edits 50] [--warm 5] [--starts 3] [--worklist 10000]
                                            [--all --n 10]
    .venv/bin/python scripts/bench_serve.py --only-worklist --worklist 10000
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from measure_form import imported_and_served, node  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from sop_packets.build import BuildOptions  # noqa: E402
from sop_packets.serve import Settings, create_app, form, views_profile  # noqa: E402
from sop_packets.serve.workspace import Workspace  # noqa: E402


def posted_fields(values: dict) -> list[tuple[str, str]]:
    """What the browser posts for a form showing these values."""
    fields = []
    for name, value in values.items():
        if isinstance(value, list):
            fields += [(name, str(item)) for item in value]
        elif isinstance(value, bool):
            if value:
                fields.append((name, "true"))
        elif isinstance(value, int) and name.endswith(".count"):
            fields.append((name, str(value)))
        else:
            fields.append((name, "" if value is None else str(value)))
    return fields


HAN_START = 0x4E00 + random.randrange(0, 15000)
"""Each run types other Chinese characters: the HTML's font subsets have not seen them."""


def renamed(name: str, i: int, language: str) -> str:
    """The name as typed in the i-th edit: in Chinese a character the packet did not have yet (typing
    a new patient's name), else a number added."""
    if language.lower().startswith("zh"):
        return name + chr(HAN_START + i)
    return f"{name} {i}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bench_preview(n: int, warm: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        shutil.copytree(ROOT / "profiles", folder / "profiles")
        settings = Settings(Workspace(folder / "profiles", folder / "output"),
                            BuildOptions(out_dir=folder / "output"), port=8765)
        timings: dict[str, list[tuple[float, float]]] = {}
        original = views_profile.live_preview

        async def timed(request):
            wall, cpu = time.perf_counter(), time.process_time()
            response = await original(request)
            timings.setdefault(request.path_params["name"], []).append(
                (time.perf_counter() - wall, time.process_time() - cpu))
            return response

        views_profile.live_preview = timed
        client = TestClient(create_app(settings), base_url="http://127.0.0.1:8765")
        client.get(f"/?token={settings.secrets.token}")
        print(f"Every example: the panel's answer, warm ({warm} posts first), {n} posts per profile; "
              "server ms")
        print(f"{'profile':48} {'p50':>7} {'p95':>7} {'cpu p50':>8} {'cpu p95':>8} {'round trip p50':>15}")
        all_wall = []
        by_language: dict[str, list[tuple[float, float]]] = {}
        for name in sorted(settings.workspace.listing()):
            checked = settings.workspace.read(name)
            values = form.flat_values(views_profile.profile_specs(), checked.data)
            fields = [*posted_fields(values), ("opened", checked.digest),
                      ("csrf_token", settings.secrets.csrf)]
            trips = []
            language = str((checked.data.get("patient") or {}).get("language") or "en")
            for i in range(warm + n):
                changed = [(k, renamed(v, i, language) if k == "patient.name" else v) for k, v in fields]
                start = time.perf_counter()
                response = client.post(f"/profiles/{name}/preview", content=urlencode(changed),
                                       headers={"content-type": "application/x-www-form-urlencoded"})
                trips.append(time.perf_counter() - start)
                assert response.status_code == 200 and "packet-frame" in response.text, response.text[:300]
            measured = timings[name][warm:]
            wall = [w * 1000 for w, _ in measured]
            cpu = [c * 1000 for _, c in measured]
            all_wall += wall
            by_language.setdefault(language, []).extend(measured)
            label = f"{name[:38]} ({language})"
            print(f"{label:48} {statistics.median(wall):7.1f} {percentile(wall, 0.95):7.1f} "
                  f"{statistics.median(cpu):8.1f} {percentile(cpu, 0.95):8.1f} "
                  f"{statistics.median(trips[warm:]) * 1000:15.1f}")
        for language, measured in sorted(by_language.items()):
            wall, cpu = [w * 1000 for w, _ in measured], [c * 1000 for _, c in measured]
            print(f"{'all in ' + language:48} {statistics.median(wall):7.1f} {percentile(wall, 0.95):7.1f} "
                  f"{statistics.median(cpu):8.1f} {percentile(cpu, 0.95):8.1f}")
        print(f"{'all profiles':48} {statistics.median(all_wall):7.1f} {percentile(all_wall, 0.95):7.1f}")
        views_profile.live_preview = original
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _timed(endpoint, timings: list):
    async def timed(request):
        wall, cpu = time.perf_counter(), time.process_time()
        response = await endpoint(request)
        timings.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
        return response

    return timed


def _line(label: str, values: list[float], cpu: list[float] | None = None) -> str:
    text = f"  {label:44} p50 {statistics.median(values):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms"
    return text + (f"   (process CPU p50 {statistics.median(cpu):5.1f} ms)" if cpu else "")


def bench_imported(edits: int, warm: int) -> None:
    """The server's share of a change to an imported profile: the panel's answer and the frame's page."""
    from sop_packets.importers import write_profiles
    from sop_packets.importers.fhir import import_fhir

    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    original_panel, original_frame = views_profile.live_preview, views_profile.preview_page
    try:
        (folder / "profiles").mkdir()
        write_profiles(import_fhir([ROOT / "tests" / "data" / "fhir" / "melanoma-bundle.json"]).drafts,
                       folder / "profiles")
        settings = Settings(Workspace(folder / "profiles", folder / "output"),
                            BuildOptions(out_dir=folder / "output"), port=8765)
        panel: list = []
        frame: list = []
        views_profile.live_preview = _timed(original_panel, panel)
        views_profile.preview_page = _timed(original_frame, frame)
        client = TestClient(create_app(settings), base_url="http://127.0.0.1:8765")
        client.get(f"/?token={settings.secrets.token}")
        name = next(iter(settings.workspace.listing()))
        checked = settings.workspace.read(name)
        values = form.flat_values(views_profile.profile_specs(), checked.data)
        fields = [*posted_fields(values), ("opened", checked.digest), ("live_shown", ""),
                  ("csrf_token", settings.secrets.csrf)]
        for i in range(warm + edits):
            changed = [(k, f"{v} {i}" if k == "patient.name" else v) for k, v in fields]
            response = client.post(f"/profiles/{name}/preview", content=urlencode(changed),
                                   headers={"content-type": "application/x-www-form-urlencoded"})
            key = re.search(r'src="/preview/([\w-]+)"', response.text)
            assert response.status_code == 200 and key, response.text[:300]
            page = client.get(f"/preview/{key.group(1)}")
            assert page.status_code == 200 and f"{i}</" in page.text
        panel, frame = panel[warm:], frame[warm:]
        both = [p[0] + f[0] for p, f in zip(panel, frame, strict=True)]
        print(f"Preview of an imported profile ({name}), {edits} edits after {warm}; server time in the app")
        print(_line("the panel's answer (POST .../preview)", [w for w, _ in panel], [c for _, c in panel]))
        print(_line("the frame's page (GET /preview/KEY)", [w for w, _ in frame], [c for _, c in frame]))
        print(_line("both, one after the other", both))
    finally:
        views_profile.live_preview, views_profile.preview_page = original_panel, original_frame
        shutil.rmtree(folder, ignore_errors=True)


def bench_browser(edits: int) -> None:
    """From a keystroke to the updated preview in Chromium, on a real server."""
    if not shutil.which("node") or not (ROOT / "tests/a11y/node_modules/playwright-core").is_dir():
        print("Chromium: skipped (run scripts/setup_a11y.sh for node, Chromium and playwright-core)")
        return
    with imported_and_served() as (url, name):
        found = node("preview-latency.mjs", url, name, str(edits))
    print(f"In Chromium (1280 px), {edits} edits of {name}, one key each, from the keydown")
    print(_line("to the preview panel updated", found["panel"]))
    print(_line("to the packet's page loaded in the frame", found["frame"]))


def bench_start(starts: int) -> None:
    times = []
    for _ in range(starts):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        start = time.perf_counter()
        process = subprocess.Popen([str(Path(sys.executable).parent / "sop-packets"), "serve",
                                    str(ROOT / "profiles"), "-o", tempfile.mkdtemp(prefix="bench-out-"),
                                    "--port", str(port)], stdout=subprocess.PIPE, text=True)
        try:
            url = None
            for line in process.stdout:  # type: ignore[union-attr]
                match = re.search(r"http://\S+token=\S+", line)
                if match:
                    url = match.group(0)
                    break
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            while True:
                try:
                    with opener.open(url, timeout=60) as response:
                        assert b"Worklist" in response.read()
                    break
                except urllib.error.HTTPError:
                    raise
                except OSError:
                    time.sleep(0.01)
            times.append(time.perf_counter() - start)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f"Start-up of `sop-packets serve` until the worklist (19 profiles) answers: median "
          f"{statistics.median(times):.2f} s over {starts} runs ({', '.join(f'{t:.2f}' for t in times)})")


def bench_worklist(count: int, loads: int = 5) -> None:
    """The worklist over `count` profiles (copies of the examples under new ids): the first load (every
    profile read and checked) and warm loads (files unchanged: the goal is 10,000 in 1 s or less)."""
    folder = Path(tempfile.mkdtemp(prefix="bench-worklist-"))
    try:
        profiles = folder / "profiles"
        profiles.mkdir()
        examples = sorted((ROOT / "profiles").glob("*.yaml"))
        for number in range(count):
            source = examples[number % len(examples)]
            text = source.read_text(encoding="utf-8")
            old = re.search(r"^  id: (\S+)", text, re.MULTILINE).group(1)
            new = f"bench-{number:05d}"
            text = text.replace(f"id: {old}", f"id: {new}", 1)
            text = re.sub(r"^(  name: )(.*)$", lambda m, n=number: f"{m.group(1)}Patient {n:05d}", text,
                          count=1, flags=re.MULTILINE)
            (profiles / f"{new}.yaml").write_text(text, encoding="utf-8")
        settings = Settings(Workspace(profiles, folder / "output"), BuildOptions(out_dir=folder / "output"),
                            port=8765)
        client = TestClient(create_app(settings), base_url="http://127.0.0.1:8765", follow_redirects=False)
        client.get(f"/?token={settings.secrets.token}")
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get("/")
        first = (time.perf_counter() - start, time.process_time() - cpu)
        assert response.status_code == 200 and f"of {count} profiles" in response.text
        warm = []
        for _ in range(loads):
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get("/")
            warm.append((time.perf_counter() - start, time.process_time() - cpu))
            assert response.status_code == 200
        wall, cpu_s = statistics.median(w for w, _ in warm), statistics.median(c for _, c in warm)
        print(f"Worklist of {count:,} profiles: first load {first[0]:.2f} s ({first[1]:.2f} s CPU); warm "
              f"load median {wall:.2f} s ({cpu_s:.2f} s CPU) over {loads} loads")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--all", action="store_true", help="also every example profile, --n posts each")
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--worklist", type=int, default=10000, help="profiles in the worklist benchmark")
    parser.add_argument("--only-worklist", action="store_true", help="run the worklist benchmark alone")
    args = parser.parse_args()
    bench_worklist(args.worklist)
    if args.only_worklist:
        return
    bench_imported(args.edits, args.warm)
    bench_browser(args.edits)
    if args.all:
        bench_preview(args.n, args.warm)
    bench_start(args.starts)


if __name__ == "__main__":
    main()
