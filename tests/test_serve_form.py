# ruff: noqa: F811  (the fixtures of test_serve are imported by name)
"""The coordinator's form (issue 26): sections in the order the facts come, the rare fields folded,
plain labels, a multi-line note, and the primary actions in one bar that stays in view."""

from __future__ import annotations

import re

from pydantic import BaseModel
from test_serve import client, form_fields, place, post, replace, settings  # noqa: F401 (fixtures)

from sop_packets.schema import Profile
from sop_packets.serve import form, form_layout


def _sections(html: str) -> list[str]:
    return re.findall(r'<h2 id="h-[a-z_]+">([^<]+)</h2>', html)


def _folded(html: str) -> str:
    """Everything inside the folded <details class="more"> parts of the form."""
    return "".join(re.findall(r'<details class="more">(.*?)</details>', html, re.S))


def test_sections_come_in_the_order_a_coordinator_gets_the_facts(client):
    html = client.get("/profiles/pt-7.yaml").text
    assert _sections(html)[:8] == ["The patient", "The diagnosis", "The pathology report", "The first doctor",
                                   "The plan", "Insurance", "What the patient told you", "A note to the patient"]


def test_rare_fields_are_folded_and_those_with_a_fill_in_note_are_not(client):
    html = client.get("/profiles/pt-7.yaml").text
    folded = _folded(html)
    for rare in ("patient.pregnant", "patient.fhir_id", "diagnosis.pathology.borderline", "original_physician.fax",
                 "current_treatment.therapies"):
        assert f'name="{rare}"' in folded, rare
    for common in ("patient.name", "diagnosis.cancer_type", "diagnosis.melanoma.breslow_mm",
                   "treatment_plan.proposed"):
        assert f'name="{common}"' not in folded and f'name="{common}"' in html, common
    assert 'name="patient.on_hiv_treatment"' not in folded  # rare, but the import asks for it
    assert "More about the patient (" in html  # the fold says how many of its fields hold a value


def test_melanoma_depth_is_shown_only_for_a_melanoma(client):
    melanoma = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    assert 'name="diagnosis.melanoma.breslow_mm"' not in _folded(melanoma)
    other = client.get("/profiles/ex-09-other-minimal.yaml").text
    assert 'name="diagnosis.melanoma.breslow_mm"' in _folded(other)


def test_a_problem_in_a_rare_field_unfolds_it(client, settings):
    page = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    fields = replace(form_fields(page), "patient.country", "Narnia")
    response = post(client, "/profiles/ex-01-melanoma-primary-care.yaml", [*fields, ("action", "save")],
                    settings.secrets.csrf)
    assert response.status_code == 200 and "There is a problem" in response.text
    assert 'name="patient.country"' not in _folded(response.text)
    assert 'href="#f-patient-country"' in response.text


def test_plain_labels_and_hints_with_field_names_only_in_a_disclosure(client):
    html = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    assert '<label for="f-diagnosis-diagnosis_date">Date of the diagnosis' in html
    body = re.sub(r'<details class="field-names">.*?</details>', "", html, flags=re.S)
    assert "<code>" not in body.split('id="profile-form"')[1].split("</form>")[0]
    assert "<code>diagnosis.diagnosis_date</code>" in html
    specs = form_layout.plain(form.specs_for(Profile))
    subtype = form.field_for(specs, "diagnosis.melanoma.subtype")
    assert "`" not in subtype.help and "“Lentigo maligna”" in subtype.help


def test_the_note_is_a_multi_line_box(client):
    html = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    assert re.search(r'<textarea class="input" id="f-coordinator_note" name="coordinator_note" rows="6"', html)


def test_a_new_schema_field_still_appears_folded_under_other_details():
    class Extra(BaseModel):
        favourite_colour: str | None = None

    class Grown(Profile):
        extra: Extra = Extra()

    specs = [spec for spec in form.specs_for(Grown) if spec.name != "review"]  # as the app's form
    parts = form_layout.parts(form_layout.plain(specs), {})
    other = next(part for part in parts if part.id == "other")
    assert [spec.name for spec in other.folded] == ["extra.favourite_colour"]
    every = [spec.name for part in parts for spec in part.shown + part.folded]
    assert len(every) == len(set(every))  # each field once
    assert set(every) == {spec.name for spec in form_layout.units(specs)}


def test_the_action_bar_saves_builds_and_offers_the_download(client, settings):
    name = "ex-01-melanoma-primary-care.yaml"
    page = client.get(f"/profiles/{name}").text
    bar = page[page.index('class="action-bar"'): page.index("</div>", page.index('class="action-bar"'))]
    assert 'form="profile-form"' in bar and 'value="save"' in bar and 'value="build"' in bar
    assert page.index('class="action-bar"') < page.index('id="profile-form"')  # first after the heading
    assert "No PDF built yet" in bar
    fields = replace(form_fields(page), "concerns.cost", "true")
    response = post(client, f"/profiles/{name}", [*fields, ("action", "build")], settings.secrets.csrf)
    assert response.status_code == 303 and response.headers["location"].endswith("?done=built")
    assert "cost: true" in (settings.workspace.profiles / name).read_text(encoding="utf-8")  # saved first
    assert (settings.options.out_dir / "ex-01-melanoma-primary-care.html").is_file() or \
        (settings.options.out_dir / "ex-01-melanoma-primary-care.pdf").is_file()
    after = client.get(response.headers["location"]).text
    assert "The packet is built" in after


def test_saving_keeps_a_multiple_choice_list_in_the_files_order(client, settings):
    path = settings.workspace.profiles / "pt-7.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  comorbidities:\n", "  immune_reasons:\n    - hiv  # Condition/hiv-1\n"
        "    - organ_transplant  # Condition/tx-1\n  comorbidities:\n")
    path.write_text(text, encoding="utf-8")
    page = client.get("/profiles/pt-7.yaml").text
    fields = replace(form_fields(page), "insurance.plan_name", "Lakeshore PPO")
    assert post(client, "/profiles/pt-7.yaml", [*fields, ("action", "save")], settings.secrets.csrf).status_code == 303
    saved = path.read_text(encoding="utf-8")
    assert "    - hiv  # Condition/hiv-1\n    - organ_transplant  # Condition/tx-1\n" in saved  # untouched
    assert saved == text.replace("Lakeshore HMO", "Lakeshore PPO")


def test_the_patients_phone_is_shown_open_with_a_plain_label_and_a_junk_number_is_refused(client, settings):
    html = client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    assert 'name="patient.phone"' in html and 'name="patient.phone"' not in _folded(html)
    assert 'id="f-patient-phone"' in html and "The patient&#39;s phone" in html
    fields = replace(form_fields(html), "patient.phone", "(614) 555-0147")
    saved = post(client, "/profiles/ex-01-melanoma-primary-care.yaml", [*fields, ("action", "save")],
                 settings.secrets.csrf)
    assert "There is a problem" not in saved.text
    assert 'value="(614) 555-0147"' in client.get("/profiles/ex-01-melanoma-primary-care.yaml").text
    fields = replace(form_fields(html), "patient.phone", "ring me")
    refused = post(client, "/profiles/ex-01-melanoma-primary-care.yaml", [*fields, ("action", "save")],
                   settings.secrets.csrf)
    assert "There is a problem" in refused.text and "is not a phone number" in refused.text
