"""`sop-packets serve` as a real server (uvicorn on 127.0.0.1) driven by a real browser.

The browser flow is tests/a11y/serve-e2e.mjs (Debian's Chromium through playwright-core, axe-core on
every page, the keyboard alone, 200% zoom). Its screenshots go to a temporary folder; with
SOP_DOCS_PICTURES=1 they replace the README's pictures in docs/ (a normal run leaves docs/ alone).
scripts/setup_a11y.sh installs the browser and node packages (`make test` runs it), so a missing
piece fails these tests rather than skipping them.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_accessibility import A11Y, require_setup

ROOT = Path(__file__).resolve().parent.parent
E2E = A11Y / "serve-e2e.mjs"
DOCS = ROOT / "docs"
PATIENT = "Dana J. Whitfield"  # in the imported profile: must never reach the server's output
EXAMPLE_PATIENT = "Dana Whitfield"  # in ex-01, on the worklist from the start
BUNDLE = ROOT / "tests" / "data" / "fhir" / "melanoma-bundle.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`sop-packets serve` in its own process on a copy of two examples (the browser imports a Bundle)."""
    base = tmp_path_factory.mktemp("serve")
    profiles = base / "profiles"
    profiles.mkdir()
    for name in ("ex-01-melanoma-primary-care", "ex-09-other-minimal"):
        shutil.copy(ROOT / "profiles" / f"{name}.yaml", profiles)
    shutil.copytree(ROOT / "templates" / "clinic", base / "clinic")
    port = free_port()
    command = [sys.executable, "-m", "sop_packets", "serve", str(profiles), "-o", str(base / "output"),
               "--clinic", str(base / "clinic" / "clinic.yaml"), "--port", str(port)]
    log = (base / "server.log").open("w+")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = None
    for _ in range(300):
        log.seek(0)
        match = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", log.read())
        if match:
            url = match.group(0)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    if url is None:
        log.seek(0)
        process.kill()
        pytest.fail(f"sop-packets serve did not start:\n{log.read()}")
    yield {"url": url, "port": port, "profiles": profiles, "log": log, "process": process}
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def newest_link(server) -> str:
    """The start link printed last: each link opens the app once, and serve prints a new one after."""
    server["log"].seek(0)
    return re.findall(r"http://127\.0\.0\.1:\d+/\?token=\S+", server["log"].read())[-1]


def listening_addresses(port: int) -> set[str]:
    """The IPv4/IPv6 addresses with a listening socket on port (Linux: /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if len(raw) == 4:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def test_real_server_listens_on_loopback_only_with_the_guards(server):
    port = server["port"]
    url = server["url"]
    token = url.split("token=")[1]
    response, data = request(port, "GET", "/")
    assert response.status == 403 and EXAMPLE_PATIENT.encode() not in data
    response, _ = request(port, "GET", f"/?token={token}", {"Host": f"evil.example:{port}"})
    assert response.status == 400  # DNS rebinding: a name that is not this server
    opened, _ = request(port, "GET", f"/?token={token}")
    assert opened.status == 303
    again, _ = request(port, "GET", f"/?token={token}")
    assert again.status == 403  # a start link opens the app once ...
    for _ in range(50):  # ... and serve prints a new one (wait for its output to reach the log)
        if newest_link(server) != url:
            break
        time.sleep(0.1)
    assert newest_link(server) != url
    cookie = opened.getheader("set-cookie").split(";")[0]
    assert "HttpOnly" in opened.getheader("set-cookie")
    response, data = request(port, "GET", "/", {"Cookie": cookie})
    assert response.status == 200 and EXAMPLE_PATIENT.encode() in data
    assert "script-src 'self'" in response.getheader("content-security-policy")
    response, _ = request(port, "POST", "/new", {"Cookie": cookie, "Content-Type":
                                                 "application/x-www-form-urlencoded"}, b"patient_name=X")
    assert response.status == 403  # no CSRF token
    response, _ = request(port, "POST", "/new", {"Cookie": cookie, "Content-Length": str(50 * 1024 * 1024),
                                                 "Content-Type": "application/x-www-form-urlencoded"}, b"")
    assert response.status == 413
    assert listening_addresses(port) == {"127.0.0.1"}
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), port, socket.AF_INET)}
    except OSError:
        addresses = set()
    for address in sorted(a for a in addresses if not a.startswith("127.")):
        with pytest.raises(OSError):  # not reachable on this computer's other addresses
            socket.create_connection((address, port), timeout=2).close()


def test_browser_flow_is_accessible_and_works_by_keyboard(server, tmp_path):
    node = require_setup()
    shots = DOCS if os.environ.get("SOP_DOCS_PICTURES") == "1" else tmp_path
    proc = subprocess.run([node, str(E2E), newest_link(server), str(server["profiles"]), str(shots), str(BUNDLE)],
                          capture_output=True, text=True, timeout=600, cwd=A11Y)
    if proc.returncode == 2 or not proc.stdout.strip():
        pytest.fail(f"serve-e2e.mjs could not run:\n{proc.stderr}", pytrace=False)
    report = json.loads(proc.stdout)
    downloaded = shots / ".e2e-download.pdf"
    pdf_text = _pdf_text(downloaded) if downloaded.is_file() else ""
    downloaded.unlink(missing_ok=True)
    failed = [s for s in report["steps"] if not s["ok"]]
    assert not failed, failed[0]["error"]
    names = [s["name"] for s in report["steps"]]
    assert names == ["worklist", "import a FHIR Bundle in the app", "open the imported profile with the keyboard",
                     "fill in a FILL IN field and make a mistake",
                     "fix the mistake from the summary and see the preview change", "save",
                     "a duplicate patient id is refused", "send for review and a clinician's check",
                     "build and download the PDF", "the history is shown", "a conflicting save is refused",
                     "clinic page", "without JavaScript", "200% zoom"]
    violations = {page: v for page, v in report["axe"].items() if v}
    assert not violations, json.dumps(violations, indent=1)[:4000]
    assert set(report["axe"]) >= {"worklist", "worklist after an import", "form", "form with an error",
                                  "form with preview", "duplicate refused", "review", "conflict", "clinic",
                                  "clinic with preview"}
    assert not report["csp"], report["csp"]
    assert not report["foreign"], report["foreign"]
    for page, size in report["overflow"].items():
        assert size["scroll"] <= size["client"] + 1, f"{page} scrolls sideways at 200% zoom: {size}"
    assert report["pdf_name"] == "pt-1001.pdf"
    assert "Revisada por Dr Ana Ruiz, dermatologist, el" in " ".join(pdf_text.split())  # who checked (in Spanish)
    for shot in ("serve-worklist.png", "serve-form.png", "serve-form-error.png", "serve-field-error.png",
                 "serve-preview.png", "serve-review.png", "serve-history.png"):
        assert (shots / shot).read_bytes().startswith(b"\x89PNG")


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages[:2])


def test_no_patient_data_in_the_server_log(server):
    """After the whole flow: the log holds the start lines and nothing about any patient."""
    process = server["process"]
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    server["log"].seek(0)
    log = server["log"].read()
    assert "Open this link" in log
    for secret in (PATIENT, "Whitfield", "pt-1001", "ex-01-melanoma", "Beatrix", "/profiles/", "Ana Ruiz"):
        assert secret not in log, f"{secret!r} is in the server log:\n{log}"
