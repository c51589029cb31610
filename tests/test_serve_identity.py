"""Issue 26: patients are never mixed (one identity check for the app and the command line), the app's
import does what `import fhir` does, and the audit trail records who changed what. Over HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from test_serve import IMPORTED, ROOT, form_fields, post, replace
from test_serve import client as _client
from test_serve import place as _place
from test_serve import settings as _settings

from sop_packets.audit import LOG_NAME, Reader
from sop_packets.cli import cli

place = _place  # the folder of test_serve: two examples, an imported profile, the example clinic

settings, client = _settings, _client  # the same fixtures as test_serve's


BUNDLE = ROOT / "tests" / "data" / "fhir" / "melanoma-bundle.json"
MRN = "http://riverbend.example/mrn"


def save(client, settings, name: str, **changes: str):
    fields = form_fields(client.get(f"/profiles/{name}").text)
    for field, value in changes.items():
        fields = replace(fields, field, value)
    return post(client, f"/profiles/{name}", [*fields, ("action", "save")], None)


def log_lines(settings) -> list[dict]:
    path = settings.workspace.profiles / LOG_NAME
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# ---------------------------------------------------------------- one id, one file


def test_saving_another_patients_id_is_refused_naming_both_files(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    before = path.read_bytes()
    response = save(client, settings, "pt-7.yaml", **{"patient.id": "ex-09-other-minimal"})
    assert response.status_code == 409
    summary = response.text[response.text.index('class="error-summary"'):]
    assert "pt-7.yaml and ex-09-other-minimal.yaml both have patient.id &#39;ex-09-other-minimal&#39;" in summary
    assert 'href="#f-patient-id"' in summary  # the summary links to the field ...
    field = response.text[response.text.index('id="f-patient-id"') - 600:]
    assert "both have patient.id" in field[:3000]  # ... and the message is at the field too
    assert path.read_bytes() == before
    assert log_lines(settings) == []  # nothing saved, nothing recorded


def test_a_hand_made_copy_is_invalid_is_not_built_and_serves_no_packet(client, settings):
    profiles, output = settings.workspace.profiles, settings.workspace.output
    shutil.copy(profiles / "pt-7.yaml", profiles / "pt-7-copy.yaml")
    output.mkdir()
    (output / "pt-7.pdf").write_bytes(b"%PDF-1.7 the first patient's packet")
    page = client.get("/").text
    for name in ("pt-7.yaml", "pt-7-copy.yaml"):
        row = page[page.index(f'<span class="file-name">{name}</span>'):]
        row = row[: row.index("</tr>")]
        assert "Invalid: 1 problem" in row and "never" in row, name
    response = client.get("/profiles/pt-7-copy.yaml/packet.pdf")
    assert response.status_code == 409 and b"%PDF" not in response.content
    response = post(client, "/profiles/pt-7-copy.yaml/build", {}, settings.secrets.csrf)
    assert response.status_code == 409
    assert "pt-7-copy.yaml and pt-7.yaml both have patient.id &#39;pt-7&#39;" in response.text
    assert (output / "pt-7.pdf").read_bytes() == b"%PDF-1.7 the first patient's packet"


def test_the_command_line_build_refuses_a_second_file_with_the_same_id(settings, tmp_path):
    profiles = settings.workspace.profiles
    shutil.copy(profiles / "ex-09-other-minimal.yaml", profiles / "copy-of-ex-09.yaml")
    result = CliRunner().invoke(cli, ["build", str(profiles / "copy-of-ex-09.yaml"), "-o", str(tmp_path / "o"),
                                      "--format", "html"])
    assert result.exit_code != 0
    assert "copy-of-ex-09.yaml and" in result.output and "ex-09-other-minimal.yaml both have patient.id" in \
        result.output
    assert not (tmp_path / "o" / "ex-09-other-minimal.html").exists()


def test_a_packet_built_from_another_profile_is_not_shown_as_built_nor_served(client, settings):
    output = settings.workspace.output
    first, second = "ex-01-melanoma-primary-care.yaml", "ex-09-other-minimal.yaml"
    old_id = settings.workspace.read(first).profile.patient.id
    assert post(client, f"/profiles/{first}/build", {}, settings.secrets.csrf).status_code == 303
    assert "state-built" in row_of(client.get("/").text, first)
    # the first profile gets a new id; the second then takes the old one: that packet is not its own
    assert save(client, settings, first, **{"patient.id": "renamed-01"}).status_code == 303
    assert save(client, settings, second, **{"patient.id": old_id}).status_code == 303
    (output / f"{old_id}.pdf").write_bytes(b"%PDF-1.7 the first patient's packet")
    row = row_of(client.get("/").text, second)
    assert "state-built" not in row and "never" in row
    response = client.get(f"/profiles/{second}/packet.pdf")
    assert response.status_code == 404 and b"first patient" not in response.content
    assert "not been built from this profile" in response.text


def row_of(page: str, name: str) -> str:
    row = page[page.index(f'<span class="file-name">{name}</span>'):]
    return row[: row.index("</tr>")]


def test_the_download_never_follows_a_link(client, settings, tmp_path):
    output = settings.workspace.output
    output.mkdir()
    secret = tmp_path / "someone-else.pdf"
    secret.write_bytes(b"%PDF-1.7 another patient")
    os.symlink(secret, output / "pt-7.pdf")
    response = client.get("/profiles/pt-7.yaml/packet.pdf")
    assert response.status_code == 404 and b"another patient" not in response.content
    (output / "pt-7.pdf").unlink()
    (output / "pt-7.pdf").write_bytes(b"%PDF-1.7 Rosa")
    response = client.get("/profiles/pt-7.yaml/packet.pdf")
    assert response.status_code == 200 and response.content == b"%PDF-1.7 Rosa"
    assert 'filename="pt-7.pdf"' in response.headers["content-disposition"]


def test_the_same_person_under_another_id_is_a_warning_with_a_link(client, settings):
    profiles = settings.workspace.profiles
    (profiles / "rosa-again.yaml").write_text(IMPORTED.replace("id: pt-7", "id: rosa-2"))
    page = client.get("/profiles/rosa-again.yaml").text
    warnings = page[page.index('class="warnings"'):]
    assert "this may be the same person as pt-7.yaml (patient.id &#39;pt-7&#39;, the same name and birth date)" \
        in warnings
    assert '<a href="/profiles/pt-7.yaml">Open the other profile</a>' in warnings
    assert "<title>Error" not in page  # a warning, not an error: saving is allowed
    assert save(client, settings, "rosa-again.yaml", **{"patient.name": "Rosa Imported"}).status_code == 303


def test_a_new_profile_with_an_existing_name_warns_and_keeps_the_name_out_of_every_address(client, settings):
    response = post(client, "/new", {"patient_name": "Rosa Imported"}, settings.secrets.csrf)
    created = response.headers["location"]
    assert "rosa" not in created.lower() and re.fullmatch(r"/profiles/patient-[0-9a-f]{8}\.yaml", created)
    page = client.get(created).text
    assert "this may be the same person as pt-7.yaml" in page and "the same name" in page
    for address in re.findall(r'(?:action|href)="(/profiles/[^"]*)"', page):  # forms and links of this page
        assert "rosa" not in address.lower(), address


# ---------------------------------------------------------------- import in the app = import fhir


def upload(client, settings, path: Path, **fields: str):
    data = {"csrf_token": settings.secrets.csrf, "kind": "auto", **fields}
    with path.open("rb") as handle:
        return client.post("/import", data=data, files={"upload": (path.name, handle, "application/json")})


def test_the_app_import_names_profiles_by_id_from_and_merges_a_reimport_as_the_cli_does(client, settings):
    profiles = settings.workspace.profiles
    response = upload(client, settings, BUNDLE, id_from=MRN)
    assert response.status_code == 200 and "New profiles: RB-0042-7.yaml" in response.text
    target = profiles / "RB-0042-7.yaml"
    assert (profiles / ".import" / "RB-0042-7.yaml").read_text() == target.read_text()  # the import record
    # the coordinator fills something in; the nightly re-import (CLI) and the app's keep it
    assert save(client, settings, "RB-0042-7.yaml", **{"patient.country": "CA"}).status_code == 303
    response = upload(client, settings, BUNDLE, id_from=MRN)
    assert response.status_code == 200 and "Problems" not in response.text, response.text
    assert "country: CA" in target.read_text()
    result = CliRunner().invoke(cli, ["import", "fhir", str(BUNDLE), "-o", str(profiles), "--id-from", MRN])
    assert result.exit_code == 0, result.output
    assert "country: CA" in target.read_text()
    actions = [(e["action"], e["profile"]) for e in log_lines(settings)]
    # the first import and the save are recorded; the re-imports changed nothing, so wrote nothing
    assert actions == [("import", "RB-0042-7.yaml"), ("save", "RB-0042-7.yaml")]
    assert log_lines(settings)[0]["note"] == "new profile, in the app"


def test_the_app_import_takes_the_clinic_files_default_and_warns_of_the_same_person(client, settings):
    clinic = settings.workspace.clinic
    clinic.write_text(clinic.read_text() + f"import_id_from: {MRN}\n")
    assert upload(client, settings, BUNDLE, id_from="").status_code == 200
    assert (settings.workspace.profiles / "RB-0042-7.yaml").is_file()
    page = client.get("/").text
    assert f"Left empty, this app uses {MRN}" in page
    # the same Bundle named by the FHIR id: the same person, warned of with the other file named
    clinic.write_text(clinic.read_text().replace(f"import_id_from: {MRN}\n", ""))
    response = upload(client, settings, BUNDLE)
    assert "pt-1001.yaml: this may be the same person as RB-0042-7.yaml" in response.text


def test_the_upload_and_the_import_index_leave_nothing_in_the_temporary_folder(client, settings, tmp_path,
                                                                                  monkeypatch):
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    from sop_packets.importers.fhir import store

    seen = []
    real = store.Store.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        seen.append(Path(self._dir.name))

    monkeypatch.setattr(store.Store, "__init__", spy)
    assert upload(client, settings, BUNDLE).status_code == 200
    assert seen and all(re.match(r"sop-packets-run-\d+-", p.parent.name) for p in seen)  # a run's own folder
    assert list(scratch.iterdir()) == []  # removed; a killed run's folder is swept by the next run


# ---------------------------------------------------------------- the audit trail


def test_every_change_is_in_the_audit_trail_with_field_names_never_values(client, settings):
    settings.user = "Dana Coordinator"
    assert save(client, settings, "pt-7.yaml", **{"patient.name": "Rosa Secretname"}).status_code == 303
    assert post(client, "/profiles/pt-7.yaml/build", {}, settings.secrets.csrf).status_code == 303
    assert post(client, "/profiles/pt-7.yaml/archive", {}, settings.secrets.csrf).status_code == 303
    events = log_lines(settings)
    assert [(e["action"], e["who"], e["profile"]) for e in events] == [
        ("save", "Dana Coordinator", "pt-7.yaml"), ("build", "Dana Coordinator", "pt-7.yaml"),
        ("archive", "Dana Coordinator", "pt-7.yaml")]
    assert events[0]["fields"] == ["patient.name"] and events[0]["patient_id"] == "pt-7"
    text = (settings.workspace.profiles / LOG_NAME).read_text()
    assert "Secretname" not in text and "Rosa" not in text  # names of fields, never their values
    assert oct((settings.workspace.profiles / LOG_NAME).stat().st_mode & 0o777) == "0o600"


def test_the_log_is_only_appended_and_a_profile_page_shows_its_history(client, settings):
    settings.user = "Dana"
    assert save(client, settings, "pt-7.yaml", **{"patient.name": "Rosa B"}).status_code == 303
    log = settings.workspace.profiles / LOG_NAME
    first = log.read_bytes()
    assert save(client, settings, "pt-7.yaml", **{"insurance.plan_name": "Riverside PPO"}).status_code == 303
    assert log.read_bytes().startswith(first)  # appended, never rewritten
    page = client.get("/profiles/pt-7.yaml").text
    history = page[page.index('id="history"'):]
    rows = re.findall(r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", history)
    assert rows == [("Dana", "Saved", "insurance.plan_name"), ("Dana", "Saved", "patient.name")]
    other = client.get("/profiles/ex-09-other-minimal.yaml").text
    assert "No changes recorded yet" in other


def test_the_log_is_never_written_through_a_link_and_a_damaged_line_is_skipped(settings, tmp_path):
    from sop_packets import audit
    from sop_packets.errors import SopError

    profiles = settings.workspace.profiles
    (profiles / LOG_NAME).write_text('{"when":"2026-01-01T00:00:00+00:00","who":"a","action":"save",'
                                     '"profile":"x.yaml"}\nnot json\n')
    audit.append(profiles, "review", "x.yaml", who="Dr B", fields=["review"])
    assert [e.action for e in Reader(profiles).history("x.yaml")] == ["review", "save"]
    (profiles / LOG_NAME).unlink()
    elsewhere = tmp_path / "elsewhere.log"
    elsewhere.write_text("")
    os.symlink(elsewhere, profiles / LOG_NAME)
    try:
        audit.append(profiles, "save", "x.yaml")
    except SopError as exc:
        assert "audit log" in exc.format_message()
    else:
        raise AssertionError("wrote through a link")
    assert elsewhere.read_text() == ""


def test_the_command_line_build_is_in_the_folders_history(settings, tmp_path):
    profiles = settings.workspace.profiles
    build = ["build", str(profiles / "ex-09-other-minimal.yaml"), "-o", str(tmp_path / "o"), "--format", "html"]
    assert CliRunner().invoke(cli, build).exit_code == 0
    assert not (profiles / LOG_NAME).exists()  # a folder without a history is left as it is
    (profiles / LOG_NAME).write_text("")
    (profiles / LOG_NAME).chmod(0o600)
    assert CliRunner().invoke(cli, build).exit_code == 0
    (event,) = Reader(profiles).history("ex-09-other-minimal.yaml")
    assert (event.action, event.patient_id, event.note) == ("build", "ex-09-other-minimal", "sop-packets build")


def test_ids_that_differ_only_in_capitals_are_one_file_name(client, settings):
    response = save(client, settings, "pt-7.yaml", **{"patient.id": "EX-09-Other-Minimal"})
    assert response.status_code == 409
    assert ("both have patient.id &#39;EX-09-Other-Minimal&#39; (or &#39;ex-09-other-minimal&#39;, the same "
            "file name where capitals do not count)") in response.text


def test_import_fhir_warns_of_the_same_person_under_a_new_id(tmp_path):
    out = tmp_path / "profiles"
    assert CliRunner().invoke(cli, ["import", "fhir", str(BUNDLE), "-o", str(out)]).exit_code == 0
    again = CliRunner().invoke(cli, ["import", "fhir", str(BUNDLE), "-o", str(out), "--id-from", MRN])
    assert again.exit_code == 0, again.output
    assert (f"warning: {out / 'RB-0042-7.yaml'}: this may be the same person as {out / 'pt-1001.yaml'} "
            "(patient.id 'pt-1001', the same name and birth date)") in again.output


def test_a_save_the_history_cannot_record_is_not_made(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    before = path.read_bytes()
    (settings.workspace.profiles / LOG_NAME).mkdir()  # the log cannot be written
    response = save(client, settings, "pt-7.yaml", **{"patient.name": "Rosa Unrecorded"})
    assert response.status_code == 500 and "audit log" in response.text and "Not saved" in response.text
    assert path.read_bytes() == before


def test_a_batch_build_after_the_apps_makes_the_packet_the_batch_profiles(client, settings):
    from sop_packets.batch import run_batch

    profiles = settings.workspace.profiles
    first, second = "ex-01-melanoma-primary-care.yaml", "ex-09-other-minimal.yaml"
    old_id = settings.workspace.read(first).profile.patient.id
    assert post(client, f"/profiles/{first}/build", {}, settings.secrets.csrf).status_code == 303
    assert save(client, settings, first, **{"patient.id": "renamed-01"}).status_code == 303
    assert save(client, settings, second, **{"patient.id": old_id}).status_code == 303
    assert "state-built" not in row_of(client.get("/").text, second)  # the app's packet was the first's
    run_batch([profiles / second], settings.options, jobs=1)  # the nightly batch builds the second
    assert "state-built" in row_of(client.get("/").text, second)  # now its own packet is on disk
