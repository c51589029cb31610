"""Issue 26: the classes of the attack run on `sop-packets serve`, each as a test over HTTP (Starlette's
TestClient, or a real uvicorn server on 127.0.0.1 where the attack is on sockets)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from starlette.testclient import TestClient
from test_serve import IMPORTED, client_for, form_fields, post, replace
from test_serve import client as _client
from test_serve import place as _place
from test_serve import settings as _settings

from sop_packets.build import BuildOptions
from sop_packets.output import folder_lock
from sop_packets.serve import Settings, create_app
from sop_packets.serve.security import MAX_FIELD_BYTES, MAX_FORM_FIELDS
from sop_packets.serve.workspace import Workspace

place = _place

settings, client = _settings, _client  # the same fixtures as test_serve's


def fresh(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1:8765", follow_redirects=False)


# ---------------------------------------------------------------- sessions


def test_the_start_link_opens_the_app_once(settings):
    told = []
    settings.announce = told.append
    token = settings.secrets.token
    assert fresh(settings).get(f"/?token={token}").status_code == 303
    again = fresh(settings).get(f"/?token={token}")
    assert again.status_code == 403 and "already used" in again.text
    assert told and told[-1] != token  # serve prints a new link for another browser
    assert fresh(settings).get(f"/?token={told[-1]}").status_code == 303


@pytest.mark.parametrize("path", ["//evil.example/", "/\\evil.example/", "/\\/evil.example/", "///evil.example"])
def test_the_token_never_redirects_off_site(settings, path):
    response = fresh(settings).get(f"http://127.0.0.1:8765{path}?token={settings.secrets.token}")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("path", ["/profiles/%E7%8E%8B%E4%B8%BD.yaml", "/a%0d%0aSet-Cookie:%20x=1",
                                  "/%C3%A9t%C3%A9", "/%FF%FE"])
def test_a_token_on_a_non_latin_or_cr_lf_path_is_a_clean_redirect(settings, path):
    response = fresh(settings).get(f"{path}?token={settings.secrets.token}")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.isascii() and "\r" not in location and "\n" not in location
    assert "x=1" not in response.headers.get("set-cookie", "")


def test_two_servers_keep_their_own_cookies(place):
    one = Settings(Workspace(place / "profiles", place / "output"), BuildOptions(out_dir=place / "output"),
                   port=8765)
    two = Settings(Workspace(place / "profiles", place / "output"), BuildOptions(out_dir=place / "output"),
                   port=8766)
    assert one.secrets.cookie != two.secrets.cookie
    browser = fresh(one)
    browser.get(f"/?token={one.secrets.token}")
    jar = dict(browser.cookies)
    second = TestClient(create_app(two), base_url="http://127.0.0.1:8766", follow_redirects=False,
                        cookies=jar)
    second.get(f"/?token={two.secrets.token}")
    both = {**jar, **dict(second.cookies)}
    assert len(both) == 2  # opening the second server left the first one's cookie alone
    browser.cookies.update(both)
    assert browser.get("/").status_code == 200


# ---------------------------------------------------------------- availability


def test_idle_sockets_cannot_deny_the_app(settings):
    import uvicorn

    from sop_packets.serve import server_config
    from sop_packets.serve.connections import protocol_with_deadline

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.port = port
    config = server_config(settings, protocol=protocol_with_deadline(1.0))
    config.port = port
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers that never end
        with socket.create_connection(("127.0.0.1", port), timeout=10) as good:
            good.sendall(f"GET /?token={settings.secrets.token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                         "Connection: close\r\n\r\n".encode())
            answer = good.recv(1000)
        assert answer.startswith(b"HTTP/1.1 303"), answer  # not 503: the idle sockets hold nothing
        for sock in [*idle, slow]:
            sock.settimeout(10)
            assert sock.recv(100) == b""  # each closed by its own deadline
            sock.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_urlencoded_posts_have_the_same_field_and_size_caps(client, settings):
    fields = [(f"f{i}", "x") for i in range(MAX_FORM_FIELDS + 5)]
    response = post(client, "/profiles/pt-7.yaml/preview", fields, settings.secrets.csrf)
    assert response.status_code == 413
    response = post(client, "/profiles/pt-7.yaml/preview", {"patient.name": "x" * (MAX_FIELD_BYTES + 1)},
                    settings.secrets.csrf)
    assert response.status_code == 413 and len(response.content) < 1000


def test_a_fifo_named_logo_png_does_not_hang_the_upload(client, settings):
    import os
    import re

    clinic = settings.workspace.clinic
    os.mkfifo(clinic.parent / "logo.png")
    opened = re.search(r'name="opened" value="([^"]+)"', client.get("/clinic").text).group(1)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    done = {}

    def upload():
        done["response"] = client.post("/clinic/logo", data={"csrf_token": settings.secrets.csrf, "opened": opened},
                                       files={"logo_file": ("logo.png", png, "image/png")})

    worker = threading.Thread(target=upload, daemon=True)
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the logo upload hangs on a FIFO"
    assert done["response"].status_code == 303
    assert (clinic.parent / "logo-2.png").read_bytes() == png and "logo: logo-2.png" in clinic.read_text()


# ---------------------------------------------------------------- lost updates


def test_a_stale_tab_is_refused_even_when_its_version_is_forgotten(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    stale = form_fields(client.get("/profiles/pt-7.yaml").text)
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "insurance.plan_name", "Riverside PPO")
    assert post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None).status_code == 303
    settings.workspace.opened.clear()  # the app forgot every version it showed (a restart, or 500 more)
    settings.workspace.checked.clear()
    response = post(client, "/profiles/pt-7.yaml", [*replace(stale, "patient.name", "Rosa Stale"),
                                                   ("action", "save")], None)
    assert response.status_code == 409 and "changed since you opened it" in response.text
    assert "Riverside PPO" in path.read_text() and "Rosa Stale" not in path.read_text()


def test_a_save_is_refused_while_an_import_holds_the_folder(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "patient.name", "Rosa During Import")
    with folder_lock(settings.workspace.profiles):  # what `import fhir` holds while it writes
        response = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None)
        assert response.status_code == 423 and "an import is writing profiles" in response.text
    assert "Rosa During Import" not in path.read_text()


def test_saves_and_builds_of_different_profiles_at_once_are_not_refused(settings):
    browser = client_for(settings)
    fields = {name: form_fields(browser.get(f"/profiles/{name}").text)
              for name in ("pt-7.yaml", "ex-09-other-minimal.yaml", "ex-01-melanoma-primary-care.yaml")}
    results = {}

    def save(name):
        results[name] = post(browser, f"/profiles/{name}",
                             [*replace(fields[name], "patient.country", "CA"), ("action", "save")], None).status_code

    def build():
        results["build"] = post(browser, "/profiles/ex-01-melanoma-primary-care.yaml/build", {},
                                settings.secrets.csrf).status_code

    workers = [threading.Thread(target=save, args=(n,)) for n in ("pt-7.yaml", "ex-09-other-minimal.yaml")]
    workers += [threading.Thread(target=build) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert results == {"pt-7.yaml": 303, "ex-09-other-minimal.yaml": 303, "build": 303}


# ---------------------------------------------------------------- files


def test_saving_one_field_of_a_crlf_file_keeps_its_line_endings(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_bytes(IMPORTED.replace("\n", "\r\n").encode())
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "insurance.plan_name", "Riverside PPO")
    assert post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None).status_code == 303
    raw = path.read_bytes()
    assert b"Riverside PPO" in raw
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line still ends in CR LF
    before = IMPORTED.replace("\n", "\r\n").encode().splitlines(keepends=True)
    after = raw.splitlines(keepends=True)
    changed = [a for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1 and b"plan_name" in changed[0]
