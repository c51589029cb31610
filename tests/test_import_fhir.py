"""`sop-packets import fhir`: every mapping, located warnings, hostile input, never overwriting."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.build import BuildOptions, build_file
from sop_packets.cli import cli
from sop_packets.importers import render
from sop_packets.importers.fhir import common as fhir_common
from sop_packets.importers.fhir import import_fhir
from sop_packets.importers.fhir import reading as fhir_reading
from sop_packets.profile import load_profile
from sop_packets.schema import Stage

DATA = Path(__file__).parent / "data" / "fhir"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
HAS_SUBSTAGES = "IIB" in {s.value for s in Stage}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bundle(*resources, kind="collection") -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": r} for r in resources]}


def patient(pid="p1", **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "name": [{"given": ["Ana"], "family": "Ruiz"}],
            "birthDate": "1970-05-06", **extra}


def condition(code, system=ICD, cid="c1", pid="p1", display=None, **extra) -> dict:
    coding = {"system": system, "code": code, **({"display": display} if display else {})}
    return {"resourceType": "Condition", "id": cid, "code": {"coding": [coding]},
            "subject": {"reference": f"Patient/{pid}"}, **extra}


def write_json(tmp_path: Path, data, name="in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one(tmp_path, *resources):
    """Import a bundle of resources and return (draft values by dotted field, notices)."""
    result = import_fhir([write_json(tmp_path, bundle(*resources))])
    assert len(result.drafts) == 1, [str(n) for n in result.skipped]
    draft = result.drafts[0]
    values = {f"{section}.{key}": value for section, fields in draft.values.items()
              for key, (value, _) in fields.items()}
    values |= {f"{section}.{key}": [v for v, _ in items] for (section, key), items in draft.lists.items()}
    return values, [str(n) for n in result.notices]


# ---------------------------------------------------------------- a whole bundle, end to end


def test_melanoma_bundle_writes_a_commented_profile_that_validates_and_builds(tmp_path):
    out = tmp_path / "profiles"
    result = run("import", "fhir", DATA / "melanoma-bundle.json", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"wrote {out / 'pt-1001.yaml'}" in result.output
    assert "1 written, 0 unchanged, 0 not written; 1 patients, 1 with current skin cancer" in result.output
    text = (out / "pt-1001.yaml").read_text()
    stage = "IIB" if HAS_SUBSTAGES else "II"
    for line in [
        "  id: pt-1001  # Patient/pt-1001 (the FHIR id)",
        "  name: Dana J. Whitfield  # Patient/pt-1001 name",
        "  date_of_birth: 1979-06-14  # Patient/pt-1001 birthDate",
        "  fhir_id: pt-1001  # Patient/pt-1001: the subject of the DocumentReference",
        "  language: es-MX  # Patient/pt-1001 communication.language es-MX (preferred)",
        "  country: US  # Patient/pt-1001 address.country",
        "  pregnant: false  # Observation/preg-1 (2026-11-05) LOINC 82810-3 SNOMED CT 60001007 Not pregnant",
        "    - High blood pressure  # Condition/htn-1",
        "  cancer_type: melanoma  # Condition/mel-1 code ICD-10-CM C43.62 Malignant melanoma of left upper "
        "limb, including shoulder",
        f"  stage: {stage}  # Observation/stage-1 (2026-11-05) (TNM stage group) SNOMED CT 1222769001 American Joint "
        "Committee on Cancer stage IIB (qualifier value)",
        "  diagnosis_date: 2026-10-28  # Condition/mel-1 onsetDateTime",
        "  diagnosed_by: dermatologist  # PractitionerRole/role-fairbrook specialty NUCC 207N00000X Dermatology",
        "  coverage_type: medicare_advantage  # Coverage/cov-1 type SOPT 111 Medicare HMO",
        "  plan_name: Lakeshore Senior Advantage HMO  # Coverage/cov-1 class plan",
        "  name: Dr. Owen Fairbrook  # Practitioner/dr-fairbrook name (via Condition/mel-1 asserter)",
        '  phone: "(614) 555-0101"  # PractitionerRole/role-fairbrook telecom',
        "  practice: Maple Falls Dermatology  # PractitionerRole/role-fairbrook organization",
        "# treatment_plan:",
        "#   urgency_stated: not_discussed # FILL IN: what the doctor said about timing (immediate, "
        "within_weeks, not_discussed)",
    ]:
        assert line in text.splitlines(), line
    assert "Full-time employment" not in text  # a finding, not an illness
    assert "pharyngitis" not in text  # resolved
    assert "Marsh" not in text  # the old name
    assert run("validate", out).exit_code == 0
    built = build_file(out / "pt-1001.yaml", BuildOptions(out_dir=tmp_path / "out", format="html"))
    assert built.outputs[0].read_text().count("Dana J. Whitfield") >= 1


def test_bulk_export_folder_of_ndjson(tmp_path):
    out = tmp_path / "profiles"
    result = run("import", "fhir", DATA / "bulk", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.glob("*.yaml")) == ["bcc-7.yaml", "scc-8.yaml"]  # healthy-9 has no cancer
    bcc = load_profile(out / "bcc-7.yaml")
    assert (bcc.diagnosis.cancer_type, bcc.diagnosis.body_site) == ("basal_cell_carcinoma", "nose")
    assert bcc.original_physician.name == "Dr. Mira Castellanos"  # the reference's display
    scc = load_profile(out / "scc-8.yaml")
    assert scc.diagnosis.recurrent is True and scc.diagnosis.body_site is None
    assert ("Condition.ndjson: Condition/c-scc: diagnosis.body_site: ICD-10-CM C44.42 Squamous cell carcinoma "
            "of skin of scalp and neck covers the scalp and the neck; choose the body site by hand") in result.output
    assert ("Condition/c-bcc: original_physician: recorder 'Practitioner/unknown-9' is not in the input"
            in result.output)


# ---------------------------------------------------------------- the code table


@pytest.mark.parametrize(("code", "cancer_type", "body_site", "stage"), [
    ("C43.62", "melanoma", "arm", None),
    ("C43.0", "melanoma", "lip", None),
    ("C43.31", "melanoma", "nose", None),
    ("C43.72", "melanoma", "leg", None),
    ("D03.39", "melanoma", "face", "0"),
    ("C44.311", "basal_cell_carcinoma", "nose", None),
    ("C44.01", "basal_cell_carcinoma", "lip", None),
    ("C44.121", "squamous_cell_carcinoma", "eyelid", None),
    ("C44.222", "squamous_cell_carcinoma", "ear", None),
    ("C4A.0", "merkel_cell_carcinoma", "lip", None),
    ("C46.0", "kaposi_sarcoma", None, None),
    ("C84.00", "skin_lymphoma", None, None),
    ("C84.10", "skin_lymphoma", None, None),
    ("C82.60", "skin_lymphoma", None, None),
    ("D04.5", "squamous_cell_carcinoma", None, "0"),
    ("D04.62", "squamous_cell_carcinoma", "arm", "0"),
])
def test_icd10_codes_map_to_cancer_type_site_and_stage(tmp_path, code, cancer_type, body_site, stage):
    values, _ = one(tmp_path, patient(), condition(code))
    assert values["diagnosis.cancer_type"] == cancer_type
    assert values.get("diagnosis.body_site") == body_site
    assert values.get("diagnosis.stage") == stage


@pytest.mark.parametrize(("code", "cancer_type", "stage"), [
    ("372244006", "melanoma", None), ("189758001", "melanoma", "0"), ("254701007", "basal_cell_carcinoma", None),
    ("402815007", "squamous_cell_carcinoma", None), ("109385007", "kaposi_sarcoma", None),
])
def test_snomed_codes_map(tmp_path, code, cancer_type, stage):
    values, _ = one(tmp_path, patient(), condition(code, SCT))
    assert (values["diagnosis.cancer_type"], values.get("diagnosis.stage")) == (cancer_type, stage)


def test_mycosis_fungoides_sets_lymphoma_type_when_the_schema_has_it(tmp_path):
    values, _ = one(tmp_path, patient(), condition("C84.01"))
    if fhir_common.schema_has("diagnosis", "lymphoma_type"):
        assert values["diagnosis.lymphoma_type"] == "mycosis_fungoides"
    else:
        assert "diagnosis.lymphoma_type" not in values


def test_unspecified_c44_is_uncertain_with_a_warning(tmp_path):
    values, notices = one(tmp_path, patient(), condition("C44.90"))
    assert values["diagnosis.cancer_type"] == "uncertain"
    assert any("Condition/c1: diagnosis.cancer_type: ICD-10-CM C44.90: the code does not say which kind" in n
               for n in notices)


def test_other_specified_skin_cancer_keeps_the_doctors_words(tmp_path):
    values, _ = one(tmp_path, patient(), condition("C44.1391", display="Sebaceous cell carcinoma of skin of "
                                                   "left upper eyelid"))
    assert values["diagnosis.cancer_type"] == "other"
    assert values["diagnosis.cancer_type_detail"] == "sebaceous carcinoma"
    assert values["diagnosis.body_site"] == "eyelid"


def test_body_site_from_snomed_overrides_the_icd_site_and_unknown_site_warns(tmp_path):
    site = {"coding": [{"system": SCT, "code": "77568009", "display": "Back structure"}]}
    values, _ = one(tmp_path, patient(), condition("C43.59", bodySite=[site]))
    assert values["diagnosis.body_site"] == "back"
    odd = {"coding": [{"system": SCT, "code": "1234"}], "text": "left shin"}
    values, notices = one(tmp_path, patient(), condition("C43.9", bodySite=[odd]))
    assert "diagnosis.body_site" not in values
    assert any("diagnosis.body_site: bodySite 'left shin' is not in the code table" in n for n in notices)


# ---------------------------------------------------------------- stage, dates, recurrence


@pytest.mark.parametrize(("summary", "expected"), [
    ({"coding": [{"system": SCT, "code": "1222806003"}]}, "IIIC"),
    ({"coding": [{"system": SCT, "code": "999", "display": "American Joint Committee on Cancer stage IVB "
                  "(qualifier value)"}]}, "IVB"),
    ({"coding": [{"system": "http://cancerstaging.org", "code": "1A"}]}, "IA"),
    ({"text": "Stage II"}, "II"),
])
def test_condition_stage_summary(tmp_path, summary, expected):
    values, _ = one(tmp_path, patient(), condition("C43.9", stage=[{"summary": summary}]))
    allowed = {s.value for s in Stage}
    assert values["diagnosis.stage"] == (expected if expected in allowed else expected.rstrip("ABCD"))


def test_unreadable_stage_is_a_warning_not_a_guess(tmp_path):
    binet = {"coding": [{"system": "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl#", "code": "C80135",
                         "display": "Binet Stage B"}]}
    values, notices = one(tmp_path, patient(), condition("C43.9", stage=[{"summary": binet}]))
    assert "diagnosis.stage" not in values
    assert any("Condition/c1: diagnosis.stage: stage.summary 'Binet Stage B' is not a stage" in n for n in notices)


def test_recorded_date_when_no_onset_and_relapse_is_recurrent(tmp_path):
    status = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "relapse"}]}
    values, _ = one(tmp_path, patient(), condition("C43.9", recordedDate="2026-01-02", clinicalStatus=status))
    assert values["diagnosis.diagnosis_date"].isoformat() == "2026-01-02"
    assert values["diagnosis.recurrent"] is True


# ---------------------------------------------------------------- other conditions, pregnancy, coverage


def test_transplant_hiv_and_leukemia_conditions(tmp_path):
    values, _ = one(tmp_path, patient(), condition("C44.91"),
                    condition("Z94.0", cid="tx"), condition("B20", cid="hiv"), condition("C91.10", cid="cll"),
                    condition("I10", cid="htn", display="Essential (primary) hypertension"))
    if fhir_common.schema_has("patient", "immune_reasons"):
        assert values["patient.weakened_immune_system"] is True
        assert values["patient.immune_reasons"] == ["organ_transplant", "hiv", "blood_cancer"]
        assert values["patient.hiv"] == "positive"
        assert values["patient.comorbidities"] == ["Essential (primary) hypertension"]
    else:
        assert values["patient.comorbidities"] == ["Essential (primary) hypertension", "organ transplant",
                                                   "HIV", "blood cancer"]


def test_latest_pregnancy_status_wins(tmp_path):
    def obs(oid, when, code):
        return {"resourceType": "Observation", "id": oid, "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
                "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when,
                "valueCodeableConcept": {"coding": [{"system": SCT, "code": code}]}}
    values, _ = one(tmp_path, patient(), condition("C43.9"), obs("o1", "2026-01-01", "60001007"),
                    obs("o2", "2026-09-01", "77386006"))
    assert values["patient.pregnant"] is True


@pytest.mark.parametrize(("sopt", "expected"), [("1", "medicare"), ("121", "medicare"),
                                                ("111", "medicare_advantage"), ("2", "medicaid"),
                                                ("511", "private"), ("81", "none"), ("3712", "other")])
def test_coverage_type_from_source_of_payment_typology(tmp_path, sopt, expected):
    coverage = {"resourceType": "Coverage", "id": "cv", "status": "active", "beneficiary": {"reference": "Patient/p1"},
                "payor": [{"display": "Acme"}],
                "type": {"coding": [{"system": "https://nahdo.org/sopt", "code": sopt}]}}
    values, _ = one(tmp_path, patient(), condition("C43.9"), coverage)
    assert values["insurance.coverage_type"] == expected
    assert values["insurance.plan_name"] == "Acme"


def test_two_active_coverages_without_order_are_left_to_the_coordinator(tmp_path):
    def coverage(cid):
        return {"resourceType": "Coverage", "id": cid, "status": "active", "beneficiary": {"reference": "Patient/p1"},
                "payor": [{"display": cid}]}
    values, notices = one(tmp_path, patient(), condition("C43.9"), coverage("a"), coverage("b"))
    assert not any(key.startswith("insurance.") for key in values)
    assert any("Coverage/a: insurance: 2 active Coverages and none is first by order" in n for n in notices)


# ---------------------------------------------------------------- which patients get a profile


def test_conflicting_cancer_conditions_are_uncertain_with_both_sources(tmp_path):
    path = write_json(tmp_path, bundle(patient(), condition("C43.9", cid="a", recordedDate="2024-01-01"),
                                       condition("C44.91", cid="b", recordedDate="2023-01-01")))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ("in.json: Condition/a: diagnosis.cancer_type: the cancer codes disagree (Condition/a ICD-10-CM C43.9: "
            "melanoma; Condition/b ICD-10-CM C44.91: basal_cell_carcinoma); wrote 'uncertain'") in result.output
    text = (tmp_path / "out" / "p1.yaml").read_text()
    line = next(line for line in text.splitlines() if line.startswith("  cancer_type:"))
    assert line.startswith("  cancer_type: uncertain  # Condition/a codes disagree: Condition/a ICD-10-CM C43.9: "
                           "melanoma; Condition/b ICD-10-CM C44.91: basal_cell_carcinoma")
    assert "; FILL IN: the cancer codes disagree" in line  # the form asks for it (issue 26)


def test_refuted_conditions_are_ignored(tmp_path):
    refuted = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "refuted"}]}
    values, notices = one(tmp_path, patient(), condition("C43.9", cid="a"),
                          condition("C44.91", cid="b", verificationStatus=refuted))
    assert values["diagnosis.cancer_type"] == "melanoma" and notices == [
        f"{tmp_path / 'in.json'}: Condition/a: diagnosis.diagnosed_by: no asserter or recorder with a known specialty; "
        "wrote 'other', set it by hand"]


def test_id_from_uses_the_clinics_identifier_made_safe_for_file_names(tmp_path):
    out = tmp_path / "out"
    result = run("import", "fhir", DATA / "melanoma-bundle.json", "-o", out, "--id-from", "http://riverbend.example/mrn")
    assert result.exit_code == 0, result.output
    assert (out / "RB-0042-7.yaml").is_file()
    assert "  id: RB-0042-7  # Patient/pt-1001 identifier http://riverbend.example/mrn" in \
        (out / "RB-0042-7.yaml").read_text()
    missing = run("import", "fhir", DATA / "bulk", "-o", tmp_path / "o2", "--id-from", "urn:none")
    assert missing.exit_code == 1
    assert "Patient/bcc-7: patient.id: no identifier with system 'urn:none'; no profile written" in missing.output


# ---------------------------------------------------------------- re-import: --force and --diff


def test_a_profile_without_an_import_record_is_never_overwritten_without_force(tmp_path):
    """A profile written by hand (or before re-import records existed): who changed what is unknown."""
    out = tmp_path / "out"
    source = tmp_path / "b.json"
    shutil.copy(DATA / "melanoma-bundle.json", source)
    assert run("import", "fhir", source, "-o", out).exit_code == 0
    shutil.rmtree(out / ".import")
    profile = out / "pt-1001.yaml"
    edited = profile.read_text().replace("# treatment_plan:", "# treatment_plan: (coordinator was here)")
    profile.write_text(edited)
    again = run("import", "fhir", source, "-o", out)
    assert again.exit_code == 1
    assert "pt-1001.yaml: exists and differs; not overwritten (use --force" in again.output
    assert profile.read_text() == edited
    diff = run("import", "fhir", source, "-o", out, "--diff")
    assert "-# treatment_plan: (coordinator was here)\n+# treatment_plan:\n" in diff.output
    assert profile.read_text() == edited
    forced = run("import", "fhir", source, "-o", out, "--force")
    assert forced.exit_code == 0 and "(coordinator was here)" not in profile.read_text()
    same = run("import", "fhir", source, "-o", out)
    assert same.exit_code == 0 and "0 written, 1 unchanged" in same.output


# ---------------------------------------------------------------- public examples


def test_us_core_examples_with_a_melanoma_condition(tmp_path):
    """The US Core examples (Amy Shaw, her Coverage, pregnancy status, Practitioner) as published."""
    mel = condition("C43.62", pid="example", cid="mel", asserter={"reference": "Practitioner/practitioner-1"})
    export = tmp_path / "export"
    shutil.copytree(DATA / "us-core", export)  # one export folder: references resolve inside it
    write_json(export, mel, "in.json")
    result = import_fhir([export], options=fhir_common.Options(today=date(2026, 12, 1)))
    assert (result.patients, result.cancer_patients, len(result.drafts)) == (1, 1, 1)
    draft = result.drafts[0]
    text = render(draft)
    assert "  name: Amy V. Baxter  # Patient/example name" in text
    assert "\n  pregnant:" not in text  # recorded 2022-08-24: stale, a warning instead ...
    assert "  # pregnant:  # FILL IN: the latest pregnancy status" in text  # ... that the form asks about
    assert "  plan_name: Acme Gold Plan  # Coverage/coverage-example class plan" in text
    assert "  coverage_type: other  # Coverage/coverage-example type SOPT 3712 PPO" in text
    assert "  name: Dr Ronald Bone  # Practitioner/practitioner-1 name (via Condition/mel asserter)" in text
    assert "    - Active Duodenal Ulcer  # Condition/condition-duodenal-ulcer" in text
    assert "Burn" not in text  # an encounter diagnosis, not a lasting illness
    assert [str(n) for n in result.notices] == [
        f"{export / 'in.json'}: Condition/mel: diagnosis.diagnosed_by: no asserter or recorder with a known "
        "specialty; wrote 'other', set it by hand",
        f"{export / 'observation-pregnancy-status.json'}: Observation/pregnancy-status: patient.pregnant: the latest "
        "pregnancy status (SNOMED CT 77386006 Pregnant) was recorded 2022-08-24, more than 10 months ago; not used: "
        "ask the patient"]


def test_mcode_examples_have_no_skin_cancer_and_say_so(tmp_path):
    result = run("import", "fhir", DATA / "mcode", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "0 written" in result.output and "2 patients, 0 with current skin cancer, 0 with an inactive one, 2 with another cancer" in result.output
    assert ("Patient/cancer-patient-john-anyperson: diagnosis.cancer_type: Condition/primary-cancer-condition-nsclc "
            "(SNOMED CT 254637007 Non-small cell lung cancer (disorder)) is not a skin cancer") in result.output


# ---------------------------------------------------------------- hostile input: located error, nothing written


def _refused(tmp_path, path, *expected, status=(1, 2)):
    out = tmp_path / "out"
    result = run("import", "fhir", path, "-o", out)
    assert result.exit_code in status, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output
    assert not out.exists() or not any(out.iterdir())


def test_not_json_is_located(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"resourceType": "Bundle",\n  "entry": [oops]}')
    _refused(tmp_path, path, f"{path}:2:13: not JSON (Expecting value)")


def test_ndjson_error_names_the_line(tmp_path):
    path = tmp_path / "Patient.ndjson"
    path.write_text(json.dumps(patient()) + "\n" + "{broken\n")
    _refused(tmp_path, path, f"{path}:2:2: not JSON")


def test_deep_nesting(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType": "Patient", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _refused(tmp_path, path, f"{path}:1:1: the JSON is nested too deeply")


def test_wrong_and_unknown_resource_types(tmp_path):
    path = write_json(tmp_path, bundle(patient(), {"resourceType": "Spaceship", "id": "s"}, {"id": "x"}, [1]))
    _refused(tmp_path, path, "entry[1].resource: 'Spaceship' is not a FHIR R4 resource type",
             "entry[2].resource: has no resourceType",
             "entry[3]: a Bundle entry's resource must be a JSON object")
    _refused(tmp_path, write_json(tmp_path, [patient()], "list.json"), "holds a JSON list, not a FHIR resource")


def test_invalid_fhir_is_located(tmp_path):
    bad = patient(birthDate="yesterday")
    path = write_json(tmp_path, bundle(bad, condition("C43.9")))
    _refused(tmp_path, path, "entry[0].resource (Patient/p1).birthDate: not valid FHIR R4")


def test_dangling_subject_reference(tmp_path):
    path = write_json(tmp_path, bundle(patient(), condition("C43.9", pid="ghost")))
    _refused(tmp_path, path, "entry[1].resource (Condition/c1): subject: reference 'Patient/ghost' points to no Patient of the same export")


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(fhir_reading, "MAX_FILE_BYTES", 1000)
    path = write_json(tmp_path, bundle(*[patient(f"p{i}") for i in range(50)]))
    _refused(tmp_path, path, f"{path}:1:1: too large")


def test_too_many_resources(tmp_path, monkeypatch):
    monkeypatch.setattr(fhir_reading, "MAX_RESOURCES", 10)
    path = write_json(tmp_path, bundle(*[patient(f"p{i}") for i in range(20)]))
    _refused(tmp_path, path, "more than 10 resources")


def test_nested_bundles_are_bounded(tmp_path):
    inner = bundle(patient())
    for _ in range(5):
        inner = bundle(inner)
    _refused(tmp_path, write_json(tmp_path, inner), "Bundles nested too deeply")


def test_synthea_patient_with_a_melanoma_condition(tmp_path):
    """A Synthea patient (urn:uuid references, resolved findings) as generated, plus one melanoma Condition."""
    synthea = DATA / "synthea" / "Pablo44_Sporer811_patient-and-conditions.json"
    mel = condition("D03.4", cid="mel")
    mel["subject"] = {"reference": "urn:uuid:ea2dd5fa-0e9e-4d5b-6384-13f67dc0c142"}
    out = tmp_path / "out"
    result = run("import", "fhir", synthea, write_json(tmp_path, mel), "-o", out,
                 "--id-from", "http://hospital.smarthealthit.org")
    assert result.exit_code == 0, result.output
    (written,) = out.glob("*.yaml")
    profile = load_profile(written)
    assert written.name == "ea2dd5fa-0e9e-4d5b-6384-13f67dc0c142.yaml"
    assert (profile.patient.name, profile.patient.date_of_birth.isoformat()) == ("Pablo44 Sporer811", "2015-10-20")
    assert (profile.patient.language, profile.patient.country, profile.patient.comorbidities) == ("en-US", "US", [])
    assert (profile.diagnosis.cancer_type, profile.diagnosis.stage, profile.diagnosis.body_site) == (
        "melanoma", "0", None)
    assert "D03.4 covers the scalp and the neck; choose the body site by hand" in result.output


def test_ndjson_line_too_long(tmp_path, monkeypatch):
    monkeypatch.setattr(fhir_reading, "MAX_LINE_BYTES", 2 * 2**20)
    path = tmp_path / "Patient.ndjson"
    path.write_text(json.dumps(patient()) + "\n" + json.dumps(patient("p2", text={"div": "x" * 3 * 2**20})) + "\n")
    _refused(tmp_path, path, f"{path}:2:1: a line longer than 2 MiB")


def test_only_the_resources_read_are_checked(tmp_path):
    """A heart-rate Observation or an Encounter the import does not read cannot stop it, however odd."""
    odd = [{"resourceType": "Observation", "id": "hr", "status": "final", "code": {"coding": [{"code": "8867-4"}]},
            "valueQuantity": "fast"},
           {"resourceType": "Encounter", "id": "e", "status": "not-a-status"}]
    values, _ = one(tmp_path, patient(), condition("C43.9"), *odd)
    assert values["diagnosis.cancer_type"] == "melanoma"


def test_birth_year_alone_is_not_enough_and_nothing_invalid_is_written(tmp_path):
    path = write_json(tmp_path, bundle(patient(birthDate="1951"), condition("C43.9")))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "Patient/p1: patient.date_of_birth: birthDate '1951' is not a full date; give age by hand" in result.output
    assert "p1.yaml: not written, the profile would be invalid:" in result.output
    assert "patient.age: give the patient's date_of_birth or age (one is required)" in result.output
    assert not (tmp_path / "out" / "p1.yaml").exists()


@pytest.mark.parametrize("kind", ["collection", "searchset", "transaction", "document"])
def test_every_bundle_type(tmp_path, kind):
    resources = [patient(), condition("C4A.9")]
    if kind == "document":
        resources.insert(0, {"resourceType": "Composition", "id": "doc", "status": "final",
                             "type": {"text": "Summary"}, "date": "2026-01-01", "title": "Summary",
                             "author": [{"display": "EHR"}]})
    data = bundle(*resources, kind=kind)
    if kind == "transaction":
        for entry in data["entry"]:
            entry["request"] = {"method": "PUT", "url": f"{entry['resource']['resourceType']}/{entry['resource']['id']}"}
    result = import_fhir([write_json(tmp_path, data)])
    assert [d.patient_id for d in result.drafts] == ["p1"]


def test_unknown_country_is_a_warning(tmp_path):
    values, notices = one(tmp_path, patient(address=[{"country": "Deutschland"}]), condition("C43.9"))
    assert "patient.country" not in values
    assert any("Patient/p1: patient.country: address.country 'Deutschland' is not a country code" in n
               for n in notices)


def test_tumor_size_in_cm_becomes_size_mm(tmp_path):
    size = {"resourceType": "Observation", "id": "size", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "21889-1"}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-10-01",
            "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "33728-7"}]},
                           "valueQuantity": {"value": 1.2, "unit": "cm", "system": "http://unitsofmeasure.org",
                                             "code": "cm"}}]}
    values, _ = one(tmp_path, patient(), condition("C44.31"), size)
    if fhir_common.schema_has("diagnosis", "size_mm"):
        assert values["diagnosis.size_mm"] == 12.0
    else:
        assert "diagnosis.size_mm" not in values


def test_the_same_export_read_twice_counts_once(tmp_path):
    path = write_json(tmp_path, bundle(patient(), condition("C43.9")))
    copy = tmp_path / "copy.json"
    shutil.copy(path, copy)
    result = import_fhir([path, copy])
    assert result.patients == 1 and len(result.drafts) == 1
    assert not any("Conditions; used the latest" in str(n) for n in result.notices)


def test_language_without_a_code_is_a_warning(tmp_path):
    values, notices = one(tmp_path, patient(communication=[{"language": {"text": "Tagalog"}}]), condition("C43.9"))
    assert "patient.language" not in values
    assert any("Patient/p1: patient.language: communication.language 'Tagalog' has no language code" in n
               for n in notices)


def test_melanoma_subtype_from_icd_o_3_morphology(tmp_path):
    histology = {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                 "valueCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3",
                                                      "code": "8721/3", "display": "Nodular melanoma"}]}}
    values, _ = one(tmp_path, patient(), condition("C43.9", extension=[histology]))
    if fhir_common.schema_has("diagnosis", "melanoma.subtype"):
        assert values["diagnosis.melanoma.subtype"] == "nodular"
    else:
        assert "diagnosis.melanoma.subtype" not in values


def test_melanoma_profile_asks_for_depth_and_ulceration(tmp_path):
    out = tmp_path / "out"
    assert run("import", "fhir", write_json(tmp_path, bundle(patient(), condition("C43.9"))), "-o", out).exit_code == 0
    lines = (out / "p1.yaml").read_text().splitlines()
    assert "  # melanoma:                  # FILL IN from the pathology report:" in lines
    assert "  #   breslow_mm:              # depth in mm" in lines


def test_histology_means_the_biopsy_was_read(tmp_path):
    histology = {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                 "valueCodeableConcept": {"coding": [{"system": SCT, "code": "1338007",
                                                      "display": "Basal cell carcinoma (morphologic abnormality)"}]}}
    values, _ = one(tmp_path, patient(), condition("C44.91", extension=[histology]))
    assert values["diagnosis.confirmed_by_biopsy"] is True
    values, _ = one(tmp_path, patient(), condition("C44.91"))
    assert "diagnosis.confirmed_by_biopsy" not in values


def test_missing_path(tmp_path):
    _refused(tmp_path, tmp_path / "nowhere.json", f"{tmp_path / 'nowhere.json'}:1:1: no such file or folder")


def test_mcode_post_coordinated_skin_cancer(tmp_path):
    """A general cancer code refined by an ICD-O-3 histology and a skin body site, as mCODE writes them."""
    histology = {"url": "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior",
                 "valueCodeableConcept": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/icd-o-3",
                                                      "code": "8090/3", "display": "Basal cell carcinoma, NOS"}]}}
    face = {"coding": [{"system": SCT, "code": "89545001", "display": "Face structure"}]}
    values, _ = one(tmp_path, patient(), condition("363346000", SCT, extension=[histology], bodySite=[face]))
    assert (values["diagnosis.cancer_type"], values["diagnosis.body_site"]) == ("basal_cell_carcinoma", "face")
    assert values["diagnosis.confirmed_by_biopsy"] is True
    draft = import_fhir([tmp_path / "in.json"]).drafts[0]
    assert draft.values["diagnosis"]["cancer_type"][1] == ("Condition/c1 histology (on a skin bodySite) ICD-O-3 "
                                                           "8090/3 Basal cell carcinoma, NOS")
    lung = {"coding": [{"system": SCT, "code": "39607008", "display": "Lung structure"}]}
    result = import_fhir([write_json(tmp_path, bundle(patient(), condition("363346000", SCT, extension=[histology],
                                                                           bodySite=[lung])))])
    assert result.drafts == [] and len(result.not_covered) == 1


def test_patient_phone_prefers_mobile_then_home_and_skips_old_numbers(tmp_path):
    telecom = [{"system": "email", "value": "ana@example.org"},
               {"system": "phone", "value": "(614) 555-0100", "use": "work"},
               {"system": "phone", "value": "(614) 555-0111", "use": "old"},
               {"system": "phone", "value": "(614) 555-0122", "use": "home"},
               {"system": "phone", "value": "(614) 555-0133", "use": "mobile", "period": {"end": "2020-01-01"}},
               {"system": "phone", "value": "(614) 555-0144", "use": "mobile"}]
    values, _ = one(tmp_path, patient(telecom=telecom), condition("C43.9"))
    assert values["patient.phone"] == "(614) 555-0144"
    values, _ = one(tmp_path, patient(telecom=telecom[:4]), condition("C43.9"))
    assert values["patient.phone"] == "(614) 555-0122"
    values, _ = one(tmp_path, patient(telecom=telecom[:3]), condition("C43.9"))
    assert values["patient.phone"] == "(614) 555-0100"
    values, _ = one(tmp_path, patient(telecom=telecom[:1]), condition("C43.9"))
    assert "patient.phone" not in values


def test_patient_phone_that_is_not_a_number_is_a_warning_and_the_profile_validates(tmp_path):
    values, notices = one(tmp_path, patient(telecom=[{"system": "phone", "value": "ask the daughter",
                                                      "use": "mobile"}]), condition("C43.9"))
    assert "patient.phone" not in values
    assert any("Patient/p1: patient.phone: telecom 'ask the daughter' is not a phone number" in n for n in notices)


def test_imported_patient_phone_is_written_to_the_profile(tmp_path):
    path = write_json(tmp_path, bundle(patient(telecom=[{"system": "phone", "value": "614-555-0199",
                                                         "use": "home"}]), condition("C43.9")))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert '  phone: "614-555-0199"  # Patient/p1 telecom home' in (tmp_path / "out" / "p1.yaml").read_text()
    assert load_profile(tmp_path / "out" / "p1.yaml").patient.phone == "614-555-0199"
