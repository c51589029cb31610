"""Issue 26: no dead ends in the app. Every problem says what to do, in the app: a wrong encoding is
offered for conversion (with a backup), empty values are "not given", an import's warnings are fields
to fill in, the re-import's conflict flags can be seen and cleared. Over HTTP."""

from __future__ import annotations

import json
import re

from test_serve import IMPORTED, ROOT, form_fields, post, replace
from test_serve import client as _client
from test_serve import place as _place
from test_serve import settings as _settings

from sop_packets.audit import LOG_NAME

place = _place

settings, client = _settings, _client  # the same fixtures as test_serve's


ACCENTED = IMPORTED.replace("Rosa Imported", "José Peña")


def test_a_windows_1252_profile_is_offered_for_conversion_with_a_backup(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    original = ACCENTED.encode("cp1252")
    path.write_bytes(original)
    page = client.get("/profiles/pt-7.yaml").text
    assert "not UTF-8" in page and "Windows-1252" in page
    assert "Line 7: <code>  name: José Peña  # Patient/pt-7 name</code>" in page  # shown converted, to check
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    response = post(client, "/profiles/pt-7.yaml/convert", {"encoding": "cp1252", "digest": digest},
                    settings.secrets.csrf)
    assert response.status_code == 303
    assert path.read_text(encoding="utf-8") == ACCENTED
    backups = list((settings.workspace.profiles / ".backup").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    assert backups[0].stat().st_mode & 0o077 == 0
    page = client.get(response.headers["location"]).text
    assert "Converted to UTF-8" in page and 'value="José Peña"' in page
    assert json.loads((settings.workspace.profiles / LOG_NAME).read_text())["action"] == "convert"


def test_a_conversion_of_a_file_that_changed_meanwhile_is_refused(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_bytes(ACCENTED.encode("cp1252"))
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', client.get("/profiles/pt-7.yaml").text).group(1)
    path.write_bytes(ACCENTED.replace("Peña", "Peñalosa").encode("cp1252"))
    response = post(client, "/profiles/pt-7.yaml/convert", {"encoding": "cp1252", "digest": digest},
                    settings.secrets.csrf)
    assert response.status_code == 409 and "changed since this page was opened" in response.text
    assert not (settings.workspace.profiles / ".backup").exists()


def test_a_utf16_profile_is_offered_too(client, settings):
    (settings.workspace.profiles / "pt-7.yaml").write_bytes(ACCENTED.encode("utf-16"))
    page = client.get("/profiles/pt-7.yaml").text
    assert "UTF-16" in page and 'name="encoding" value="utf-16"' in page


def test_empty_values_mean_not_given(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_text(IMPORTED.replace("  diagnosed_by: dermatologist  # PractitionerRole/role-1 specialty\n",
                                     "  diagnosed_by: dermatologist\n  stage:\n  size_mm:\n")
                    + "treatment_plan:\n  urgency_stated:\n  proposed:\n")
    page = client.get("/profiles/pt-7.yaml").text
    assert 'class="error-summary"' not in page, page[page.find('class="error-summary"'):][:500]
    response = post(client, "/profiles/pt-7.yaml", [*replace(form_fields(page), "patient.name", "Rosa E"),
                                                    ("action", "save")], None)
    assert response.status_code == 303 and "Rosa E" in path.read_text()


def test_an_import_warning_becomes_a_field_to_fill_in(client, settings):
    bundle = json.loads((ROOT / "tests" / "data" / "fhir" / "melanoma-bundle.json").read_text())
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Coverage":
            entry["resource"]["type"]["coding"] = [{"system": "urn:local-plans", "code": "GOLD-9",
                                                    "display": "Gold plan"}]
    upload = settings.workspace.imports / "bundle.json"
    upload.write_text(json.dumps(bundle))
    response = client.post("/import", data={"csrf_token": settings.secrets.csrf, "server_file": "bundle.json",
                                            "kind": "auto"})
    assert "New profiles: pt-1001.yaml" in response.text
    assert "insurance.coverage_type: type &#39;Gold plan&#39; has no Source of Payment Typology code" in response.text
    page = client.get("/profiles/pt-1001.yaml").text
    box = page[page.index('id="fill-ins"'):]
    box = box[: box.index("</div>")]
    assert re.search(r'<a href="#f-insurance-coverage_type">Kind of coverage</a>: '
                     r"type &#39;Gold plan&#39; has no Source of Payment", box)  # plain label, no field path


FLAGGED = IMPORTED.replace(
    "  plan_name: Lakeshore HMO  # Coverage/cov-1 class plan\n",
    "  # EHR CONFLICT: the EHR changed this from 'Lakeshore HMO' to 'Lakeshore PPO'; the value below is yours. "
    "Keep one, then delete this line.\n  plan_name: Lakeshore Gold  # Coverage/cov-1 class plan\n")


def test_ehr_conflict_flags_are_shown_at_their_field_and_cleared_in_the_app(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_text(FLAGGED)
    page = client.get("/profiles/pt-7.yaml").text
    box = page[page.index('id="ehr-flags"'):]
    box = box[: box.index("</div>\n")]
    assert 'href="#f-insurance-plan_name"' in box
    assert "the EHR changed this from &#39;Lakeshore HMO&#39; to &#39;Lakeshore PPO&#39;" in box
    assert 'form="form-top"' in box and 'name="ehr_flag_done" value="insurance.plan_name"' in box
    fields = [*form_fields(page), ("ehr_flag_done", "insurance.plan_name"), ("action", "save")]
    assert post(client, "/profiles/pt-7.yaml", fields, None).status_code == 303
    text = path.read_text()
    assert "EHR CONFLICT" not in text and "  plan_name: Lakeshore Gold  # Coverage/cov-1 class plan\n" in text
    assert text == FLAGGED.replace(FLAGGED.splitlines(keepends=True)[FLAGGED.splitlines().index(
        next(line for line in FLAGGED.splitlines() if "EHR CONFLICT" in line))], "")
    assert 'id="ehr-flags"' not in client.get("/profiles/pt-7.yaml").text


def test_a_flag_not_ticked_stays(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    path.write_text(FLAGGED)
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "patient.name", "Rosa F")
    assert post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None).status_code == 303
    assert "# EHR CONFLICT: the EHR changed this" in path.read_text() and "Rosa F" in path.read_text()


def test_errors_follow_the_gov_uk_pattern_summary_first_then_at_the_field(client, settings):
    fields = replace(form_fields(client.get("/profiles/pt-7.yaml").text), "patient.age", "two hundred")
    page = post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], None).text
    assert page.index('class="error-summary"') < page.index("<form")  # the summary is at the top
    assert "<title>Error: " in page
    links = re.findall(r'<li><a href="#([^"]+)">', page[page.index('class="error-summary"'):])
    assert links and all(f'id="{anchor}"' in page for anchor in links)  # each links to its field
