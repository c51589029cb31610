"""`import fhir` on real exports: bulk folders, mCODE codings, current facts, conflicts, more facts."""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.importers import render
from sop_packets.importers.fhir import Options, import_fhir
from sop_packets.profile import load_profile

DATA = Path(__file__).parent / "data" / "fhir"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
TODAY = date(2026, 12, 1)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def bundle(*resources) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def patient(pid="p1", **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "name": [{"given": ["Ana"], "family": "Ruiz"}],
            "birthDate": "1970-05-06", **extra}


def condition(*codings, cid="c1", pid="p1", **extra) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": s, "code": c, **({"display": d} if d else {})} for s, c, d in codings]},
            **extra}


def observation(oid, system, code, **extra) -> dict:
    return {"resourceType": "Observation", "id": oid, "status": "final", "subject": {"reference": "Patient/p1"},
            "code": {"coding": [{"system": system, "code": code}]}, **extra}


def imported(tmp_path, *resources, **options):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(bundle(*resources)), encoding="utf-8")
    return import_fhir([path], options=Options(today=TODAY, **options))


def values_of(result) -> dict:
    (draft,) = result.drafts
    found = {f"{s}.{k}": v for s, fields in draft.values.items() for k, (v, _) in fields.items()}
    found |= {f"{s}.{k}": [v for v, _ in items] for (s, k), items in draft.lists.items()}
    return found


def comment_of(result, dotted) -> str:
    section, _, key = dotted.partition(".")
    return result.drafts[0].values[section][key][1]


def notices(result) -> list[str]:
    return [str(n) for n in [*result.notices, *result.skipped, *result.inactive, *result.not_covered]]


# ---------------------------------------------------------------- the mCODE extended example (Jenny M)


@pytest.fixture(scope="module")
def jenny() -> dict:
    return json.loads((DATA / "mcode-extended" / "jenny-m-extended.json").read_text())


def _skin(jenny: dict) -> dict:
    """Jenny M with her breast cancer changed into a melanoma the mCODE way: a general cancer code, the
    ICD-O-3 histology 8743/3 and a "Skin structure of back" body site (see tests/data/README.md)."""
    data = copy.deepcopy(jenny)
    for entry in data["entry"]:
        resource = entry["resource"]
        if resource["id"] == "primary-cancer-condition-jenny-m":
            resource["code"] = {"coding": [{"system": SCT, "code": "363346000",
                                            "display": "Malignant neoplastic disease (disorder)"}]}
            resource["extension"][0]["valueCodeableConcept"] = {"coding": [
                {"system": ICDO3, "code": "8743/3", "display": "Superficial spreading melanoma"}]}
            resource["bodySite"] = [{"coding": [{"system": SCT, "display": "Skin structure of back (body structure)"}]}]
    return data


def test_jenny_m_as_published_is_another_cancer_and_says_so(tmp_path):
    result = run("import", "fhir", DATA / "mcode-extended", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ("Condition/primary-cancer-condition-jenny-m (SNOMED CT 353431000119107 Primary malignant neoplasm of "
            "female left breast (disorder)) is not a skin cancer this packet covers") in result.output


def test_jenny_m_with_a_melanoma_in_remission_gets_no_profile_unless_asked(tmp_path, jenny):
    path = tmp_path / "jenny.json"
    path.write_text(json.dumps(_skin(jenny)))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert ("Patient/cancer-patient-jenny-m: diagnosis: the skin cancer Condition/primary-cancer-condition-jenny-m "
            "is remission (recorded 2018-03-16); no profile written (use --include-inactive to write one)") in result.output
    assert not list((tmp_path / "out").glob("*.yaml"))


def test_jenny_m_melanoma_every_fact_and_every_conflict(tmp_path, jenny):
    path = tmp_path / "jenny.json"
    path.write_text(json.dumps(_skin(jenny)))
    result = import_fhir([path], options=Options(today=TODAY, include_inactive=True))
    values = values_of(result)
    said = notices(result)
    assert values["diagnosis.cancer_type"] == "melanoma"
    assert values["diagnosis.melanoma.subtype"] == "superficial_spreading"
    assert values["diagnosis.body_site"] == "back"
    assert values["diagnosis.confirmed_by_biopsy"] is True
    # the Condition says IIIC, the stage group Observation IIB: unknown, both sources named
    assert values["diagnosis.stage"] == "unknown"
    assert comment_of(result, "diagnosis.stage") == (
        "stages disagree: Condition/primary-cancer-condition-jenny-m stage.summary SNOMED CT 1222806003 American "
        "Joint Committee on Cancer stage IIIC (qualifier value): IIIC; Observation/tnm-clinical-stage-group-jenny-m "
        "(2018-03-16) (TNM stage group) SNOMED CT 1222769001 American Joint Committee on Cancer stage IIB "
        "(qualifier value): IIB")
    assert any("diagnosis.stage: the stages disagree" in n for n in said)
    assert values["diagnosis.size_mm"] == 25.0
    assert comment_of(result, "diagnosis.size_mm").startswith("Observation/tumor-size-jenny-m (2018-04-01) LOINC 21889-1")
    assert any("diagnosis.melanoma.breslow_mm: Breslow depth is a range (0.76 to 1.75 mm, "
               "Observation/melanoma-breslow-depth-stage (2019-04-01))" in n for n in said)
    assert "diagnosis.melanoma.breslow_mm" not in values
    assert any("sentinel node Observation without a count of nodes with cancer" in n for n in said)
    assert any("pN0 (SNOMED CT 1229947003" in n for n in said)
    assert values["current_treatment.therapies"] == ["chemotherapy"]
    assert values["current_treatment.status"] == "ongoing"
    assert values["patient.country"] == "US" and values["patient.language"] == "en-US"
    assert values["diagnosis.diagnosed_by"] == "other"  # Dr Owen's record says MD, no specialty
    assert any("clinicalStatus is remission; imported because of --include-inactive" in n for n in said)
    out = tmp_path / "out"
    assert run("import", "fhir", path, "-o", out, "--include-inactive").exit_code == 0
    assert run("validate", out / "cancer-patient-jenny-m.yaml").exit_code == 0


# ---------------------------------------------------------------- every coding of every concept


@pytest.mark.parametrize(("morphology", "subtype"), [
    ("8743/3", "superficial_spreading"), ("8721/3", "nodular"), ("8742/3", "lentigo_maligna"),
    ("8744/3", "acral_lentiginous"), ("8745/3", "desmoplastic"), ("8720/3", None), ("8720/2", None)])
def test_icd_o_3_histology_on_a_general_cancer_code(tmp_path, morphology, subtype):
    cancer = condition((SCT, "363346000", "Malignant neoplastic disease (disorder)"),
                       extension=[{"url": HISTOLOGY, "valueCodeableConcept": {"coding": [
                           {"system": ICDO3, "code": morphology}]}}],
                       bodySite=[{"coding": [{"system": SCT, "code": "39937001", "display": "Skin structure"}]}])
    values = values_of(imported(tmp_path, patient(), cancer))
    assert values["diagnosis.cancer_type"] == "melanoma"
    assert values.get("diagnosis.melanoma.subtype") == subtype
    assert values.get("diagnosis.stage") == ("0" if morphology.endswith("/2") else None)


@pytest.mark.parametrize(("display", "subtype"), [
    ("Superficial spreading melanoma (morphologic abnormality)", "superficial_spreading"),
    ("Nodular melanoma (morphologic abnormality)", "nodular"),
    ("Lentigo maligna melanoma (morphologic abnormality)", "lentigo_maligna"),
    ("Acral lentiginous melanoma, malignant (morphologic abnormality)", "acral_lentiginous"),
    ("Desmoplastic melanoma (morphologic abnormality)", "desmoplastic")])
def test_snomed_histology_with_a_melanoma_code(tmp_path, display, subtype):
    cancer = condition((SCT, "372244006", "Malignant melanoma (disorder)"),
                       extension=[{"url": HISTOLOGY, "valueCodeableConcept": {"coding": [
                           {"system": SCT, "code": "0000000", "display": display}]}}])
    values = values_of(imported(tmp_path, patient(), cancer))
    assert (values["diagnosis.cancer_type"], values["diagnosis.melanoma.subtype"]) == ("melanoma", subtype)


def test_the_icd_10_site_is_read_whatever_the_coding_order(tmp_path):
    cancer = condition((SCT, "372244006", "Malignant melanoma (disorder)"), (ICD, "C43.21", None))
    result = imported(tmp_path, patient(), cancer)
    assert values_of(result)["diagnosis.body_site"] == "ear"
    assert comment_of(result, "diagnosis.body_site") == "Condition/c1 code ICD-10-CM C43.21 (ICD-10-CM site)"


@pytest.mark.parametrize(("text", "site"), [
    ("Skin structure of back (body structure)", "back"), ("Skin structure of left forearm", "arm"),
    ("Skin structure of back of hand", "hand"), ("Skin of right cheek", "face"), ("Skin structure of scalp", "scalp")])
def test_skin_structure_body_sites_and_laterality(tmp_path, text, site):
    cancer = condition((ICD, "C43.9", None), bodySite=[{"coding": [{"system": SCT, "display": text}]}])
    assert values_of(imported(tmp_path, patient(), cancer))["diagnosis.body_site"] == site


def test_disagreeing_body_sites_are_left_out_with_both_sources(tmp_path):
    cancer = condition((ICD, "C43.72", "Malignant melanoma of left lower limb"),
                       bodySite=[{"coding": [{"system": SCT, "code": "85562004", "display": "Hand structure"}]}])
    result = imported(tmp_path, patient(), cancer)
    assert "diagnosis.body_site" not in values_of(result)
    assert any("diagnosis.body_site: the body sites disagree (Condition/c1 bodySite SNOMED CT 85562004 Hand structure: "
               "hand; code ICD-10-CM C43.72 Malignant melanoma of left lower limb: leg); left out" in n
               for n in notices(result))


def test_a_body_site_inside_the_icd_site_is_more_precise_not_a_conflict(tmp_path):
    cancer = condition((ICD, "C43.62", None),
                       bodySite=[{"coding": [{"system": SCT, "code": "85562004", "display": "Hand structure"}]}])
    result = imported(tmp_path, patient(), cancer)
    assert values_of(result)["diagnosis.body_site"] == "hand"
    assert not any("disagree" in n for n in notices(result))


def test_two_codings_of_one_condition_that_disagree_are_uncertain(tmp_path):
    cancer = condition((SCT, "254701007", "Basal cell carcinoma of skin"), (ICD, "C43.9", "Melanoma"))
    result = imported(tmp_path, patient(), cancer)
    assert values_of(result)["diagnosis.cancer_type"] == "uncertain"
    assert comment_of(result, "diagnosis.cancer_type") == (
        "Condition/c1 codes disagree: Condition/c1 SNOMED CT 254701007 Basal cell carcinoma of skin: "
        "basal_cell_carcinoma; Condition/c1 ICD-10-CM C43.9 Melanoma: melanoma")


def test_histology_that_disagrees_with_the_code_is_uncertain(tmp_path):
    cancer = condition((ICD, "C43.9", None), extension=[{"url": HISTOLOGY, "valueCodeableConcept": {
        "coding": [{"system": ICDO3, "code": "8090/3"}]}}])
    assert values_of(imported(tmp_path, patient(), cancer))["diagnosis.cancer_type"] == "uncertain"


# ---------------------------------------------------------------- time and status


@pytest.mark.parametrize(("status", "profile"), [("active", True), ("recurrence", True), ("relapse", True),
                                                 ("remission", False), ("resolved", False), ("inactive", False)])
def test_only_current_cancers_get_a_profile(tmp_path, status, profile):
    clinical = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]}
    result = imported(tmp_path, patient(), condition((ICD, "C43.9", None), clinicalStatus=clinical))
    assert bool(result.drafts) is profile
    assert bool(result.inactive) is not profile
    again = imported(tmp_path, patient(), condition((ICD, "C43.9", None), clinicalStatus=clinical),
                     include_inactive=True)
    assert len(again.drafts) == 1


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
def test_refuted_and_entered_in_error_are_never_used(tmp_path, verification):
    status = {"coding": [{"code": verification}]}
    result = imported(tmp_path, patient(), condition((ICD, "C43.9", None), verificationStatus=status))
    assert result.drafts == [] and result.cancer_patients == 0


@pytest.mark.parametrize(("when", "used"), [("2026-11-20", True), ("2026-02-15", True), ("2026-01-15", False),
                                             ("2022-08-24", False)])
def test_pregnancy_status_only_within_ten_months(tmp_path, when, used):
    pregnant = observation("preg", "http://loinc.org", "82810-3", effectiveDateTime=when,
                           valueCodeableConcept={"coding": [{"system": SCT, "code": "77386006"}]})
    result = imported(tmp_path, patient(), condition((ICD, "C43.9", None)), pregnant)
    assert ("patient.pregnant" in values_of(result)) is used
    assert any("more than 10 months ago; not used" in n for n in notices(result)) is not used


def test_newest_observation_first_whatever_the_file_order(tmp_path):
    def size(oid, when, value):
        return observation(oid, "http://loinc.org", "21889-1", effectiveDateTime=when, component=[{
            "code": {"coding": [{"system": "http://loinc.org", "code": "33728-7"}]},
            "valueQuantity": {"value": value, "code": "mm"}}])
    result = imported(tmp_path, patient(), condition((ICD, "C43.9", None)), size("new", "2026-05-01", 9),
                      size("old", "2025-01-01", 4))
    assert values_of(result)["diagnosis.size_mm"] == 9.0
    assert comment_of(result, "diagnosis.size_mm").startswith("Observation/new (2026-05-01)")


def test_an_out_of_range_tumour_size_is_a_warning_not_a_lost_patient(tmp_path):
    big = observation("big", "http://loinc.org", "21889-1", component=[{
        "code": {"coding": [{"system": "http://loinc.org", "code": "33728-7"}]},
        "valueQuantity": {"value": 500, "code": "cm"}}])
    result = imported(tmp_path, patient(), condition((ICD, "C43.9", None)), big)
    assert "diagnosis.size_mm" not in values_of(result)
    assert any("tumor size 500 cm is outside 0 to 1,000 mm" in n for n in notices(result))


def test_stage_condition_and_observation_that_agree_keep_the_precise_one(tmp_path):
    cancer = condition((ICD, "C43.9", None), stage=[{"summary": {"text": "Stage III"}}])
    group = observation("sg", SCT, "399537006", valueCodeableConcept={"coding": [
        {"system": SCT, "code": "1222806003", "display": "American Joint Committee on Cancer stage IIIC"}]})
    result = imported(tmp_path, patient(), cancer, group)
    assert values_of(result)["diagnosis.stage"] == "IIIC"


# ---------------------------------------------------------------- more facts


def test_breslow_depth_ulceration_and_nodes(tmp_path):
    facts = [
        observation("br", SCT, "106243009", effectiveDateTime="2026-10-01", valueQuantity={"value": 1.2, "code": "mm"}),
        {**observation("ul", "http://example.org/path", "ULC", effectiveDateTime="2026-10-01",
                       valueCodeableConcept={"text": "Present"}),
         "code": {"text": "Ulceration", "coding": [{"system": "http://example.org/path", "code": "ULC"}]}},
        observation("sn", "http://loinc.org", "92832-5", valueInteger=1),
        observation("cn", SCT, "399534004", valueCodeableConcept={"coding": [
            {"system": SCT, "code": "x", "display": "American Joint Committee on Cancer cN0"}]})]
    values = values_of(imported(tmp_path, patient(), condition((ICD, "C43.9", None)), *facts))
    assert values["diagnosis.melanoma.breslow_mm"] == 1.2
    assert values["diagnosis.melanoma.ulcerated"] is True
    assert values["diagnosis.sentinel_node"] == "positive"
    assert values["diagnosis.clinical_nodes"] is False


def test_dermatopathologist_from_the_practitioners_role(tmp_path):
    doctor = {"resourceType": "Practitioner", "id": "dp", "name": [{"family": "Reyes", "prefix": ["Dr."]}]}
    role = {"resourceType": "PractitionerRole", "id": "dp-role", "practitioner": {"reference": "Practitioner/dp"},
            "specialty": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207ZD0900X",
                                       "display": "Dermatopathology"}]}]}
    cancer = condition((ICD, "C43.9", None), asserter={"reference": "Practitioner/dp"})
    result = imported(tmp_path, patient(), cancer, doctor, role)
    assert values_of(result)["diagnosis.diagnosed_by"] == "dermatopathologist"
    assert comment_of(result, "diagnosis.diagnosed_by") == "PractitionerRole/dp-role specialty NUCC 207ZD0900X Dermatopathology"


@pytest.mark.parametrize(("medicine", "therapy"), [
    ({"text": "pembrolizumab 200 mg IV"}, "immunotherapy"), ({"text": "Opdivo (nivolumab)"}, "immunotherapy"),
    ({"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1094833"}]}, "immunotherapy"),
    ({"text": "cemiplimab-rwlc"}, "immunotherapy"), ({"text": "dabrafenib 75 mg"}, "targeted_therapy"),
    ({"text": "TRAMETINIB"}, "targeted_therapy"), ({"text": "vemurafenib"}, "targeted_therapy"),
    ({"text": "encorafenib"}, "targeted_therapy"), ({"text": "binimetinib"}, "targeted_therapy"),
    ({"text": "cobimetinib"}, "targeted_therapy"), ({"text": "dacarbazine"}, "chemotherapy")])
def test_current_cancer_medicines(tmp_path, medicine, therapy):
    statement = {"resourceType": "MedicationStatement", "id": "m", "status": "active",
                 "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": medicine}
    values = values_of(imported(tmp_path, patient(), condition((ICD, "C43.9", None)), statement))
    assert values["current_treatment.therapies"] == [therapy]
    assert values["current_treatment.status"] == "ongoing"


def test_medicines_by_reference_stopped_and_unrelated(tmp_path):
    med = {"resourceType": "Medication", "id": "dab", "code": {"text": "dabrafenib"}}
    by_ref = {"resourceType": "MedicationRequest", "id": "r1", "status": "stopped", "intent": "order",
              "subject": {"reference": "Patient/p1"}, "medicationReference": {"reference": "Medication/dab"}}
    ended = {"resourceType": "MedicationStatement", "id": "s1", "status": "completed",
             "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "ipilimumab"},
             "effectivePeriod": {"start": "2026-01-01", "end": "2026-06-30"}}
    aspirin = {"resourceType": "MedicationStatement", "id": "s2", "status": "active",
               "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "aspirin"}}
    values = values_of(imported(tmp_path, patient(), condition((ICD, "C43.9", None)), med, by_ref, ended, aspirin))
    assert values["current_treatment.therapies"] == ["immunotherapy"]
    assert (values["current_treatment.status"], values["current_treatment.stopped_on"]) == ("stopped", date(2026, 6, 30))


# ---------------------------------------------------------------- whole bulk folders


def _bulk(folder: Path, patients=("p1",), code="C43.9") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Patient.ndjson").write_text("".join(json.dumps(patient(p)) + "\n" for p in patients))
    (folder / "Condition.ndjson").write_text("".join(
        json.dumps(condition((ICD, code, None), cid=f"c-{p}", pid=p)) + "\n" for p in patients))
    return folder


def test_manifest_log_and_other_files_are_noted_and_the_rest_imported(tmp_path):
    export = _bulk(tmp_path / "export", ("p1", "p2"))
    (export / "manifest.json").write_text(json.dumps({
        "transactionTime": "2026-11-30T00:00:00Z", "request": "https://ehr.example/fhir/Group/7/$export",
        "requiresAccessToken": True, "error": [{"type": "OperationOutcome", "url": "https://x/files/errors.ndjson"}],
        "output": [{"type": "Patient", "url": "https://x/files/Patient.ndjson"},
                   {"type": "Condition", "url": "https://x/files/Condition.ndjson"}]}))
    (export / "log.ndjson").write_text('{"eventId": "kickoff", "timestamp": "2026-11-30T00:00:00Z"}\n')
    (export / "errors.ndjson").write_text('{"resourceType": "OperationOutcome", "issue": []}\n')
    (export / "README.txt").write_text("exported by the EHR\n")
    (export / "Encounter.ndjson").write_text('{"resourceType": "Encounter"}\n')  # not in the manifest
    result = run("import", "fhir", export, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    for line in [f"note: {export / 'manifest.json'}: the export manifest; 2 listed files read",
                 f"note: {export / 'log.ndjson'}: the Bulk Data client's log; skipped",
                 f"note: {export / 'README.txt'}: not a FHIR file (.json, .ndjson, .ndjson.gz); skipped",
                 f"note: {export / 'errors.ndjson'}: listed as the export's error file (OperationOutcome); skipped",
                 f"note: {export / 'Encounter.ndjson'}: not in the manifest's output list; skipped"]:
        assert line in result.output
    assert sorted(p.name for p in (tmp_path / "out").glob("*.yaml")) == ["p1.yaml", "p2.yaml"]


def test_an_unreadable_file_is_a_located_error_and_the_rest_still_imports(tmp_path):
    export = _bulk(tmp_path / "export", ("p1",))
    (export / "Observation.ndjson.gz").write_bytes(b"not gzip at all")
    (export / "Coverage.ndjson").write_bytes(b'{"resourceType": "Coverage", "id": \xff}\n')
    result = run("import", "fhir", export, "-o", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert f"error: {export / 'Observation.ndjson.gz'}:1:1: the compressed file is damaged or cut short" in result.output
    assert f"error: {export / 'Coverage.ndjson'}:1:1: not UTF-8 text" in result.output
    assert (tmp_path / "out" / "p1.yaml").is_file()
    assert "1 written" in result.output and "2 errors" in result.output


@pytest.mark.parametrize("kind", ["empty", "only-other-files"])
def test_an_empty_export_is_never_a_silent_success(tmp_path, kind):
    export = tmp_path / "export"
    export.mkdir()
    if kind == "only-other-files":
        (export / "log.ndjson").write_text("{}\n")
    result = run("import", "fhir", export, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"error: {export}:1:1: no FHIR files here (.json, .ndjson, .ndjson.gz); is this the export folder?" \
        in result.output


def test_gzip_only_export_and_data_in_a_linked_sub_folder(tmp_path):
    real = _bulk(tmp_path / "elsewhere" / "data", ("p1", "p2"))
    for name in ("Patient.ndjson", "Condition.ndjson"):
        (real / f"{name}.gz").write_bytes(gzip.compress((real / name).read_bytes()))
        (real / name).unlink()
    export = tmp_path / "export"
    export.mkdir()
    (export / "data").symlink_to(real, target_is_directory=True)
    (real / "loop").symlink_to(export, target_is_directory=True)  # a link loop must not hang
    result = run("import", "fhir", export, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "2 written" in result.output


def test_smart_bulk_sample_with_a_skin_cancer_added(tmp_path):
    """Three Synthea patients of the SMART sample bulk export (with the client's log.ndjson), as published,
    plus one melanoma Condition for the first patient."""
    export = tmp_path / "export"
    shutil.copytree(DATA / "smart-bulk", export)
    first = json.loads((export / "Patient.000.ndjson").read_text().splitlines()[0])["id"]
    with (export / "Condition.000.ndjson").open("a") as handle:
        handle.write(json.dumps(condition((SCT, "372244006", "Malignant melanoma (disorder)"), cid="added-mel",
                                          pid=first, clinicalStatus={"coding": [{"code": "active"}]},
                                          onsetDateTime="2026-09-01")) + "\n")
    result = run("import", "fhir", export, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert f"note: {export / 'log.ndjson'}: the Bulk Data client's log; skipped" in result.output
    profile = load_profile(tmp_path / "out" / f"{first}.yaml")
    assert profile.diagnosis.cancer_type == "melanoma"
    assert "3 patients, 1 with current skin cancer" in result.output


def test_rendered_profile_of_a_full_import_validates(tmp_path, jenny):
    path = tmp_path / "jenny.json"
    path.write_text(json.dumps(_skin(jenny)))
    result = import_fhir([path], options=Options(today=TODAY, include_inactive=True))
    text = render(result.drafts[0])
    assert ("  therapies:\n    - chemotherapy  # MedicationRequest/cancer-related-medication-request-paclitaxel-jenny-m "
            "RxNorm 56946 PACLitaxel status active\n") in text


def _worded(oid, words, **value) -> dict:
    return {**observation(oid, "http://example.org/path", oid.upper()),
            "code": {"text": words, "coding": [{"system": "http://example.org/path", "code": oid.upper()}]}, **value}


def test_squamous_cell_pathology_from_a_synoptic_report(tmp_path):
    cancer = condition((ICD, "C44.22", None), extension=[{"url": HISTOLOGY, "valueCodeableConcept": {
        "coding": [{"system": ICDO3, "code": "8075/3"}]}}])
    facts = [_worded("pni", "Perineural invasion", valueCodeableConcept={"text": "Not identified"}),
             _worded("doi", "Depth of invasion", valueQuantity={"value": 0.62, "code": "cm"}),
             _worded("grade", "Histologic grade", valueCodeableConcept={"text": "Poorly differentiated (G3)"})]
    result = imported(tmp_path, patient(), cancer, *facts)
    values = values_of(result)
    assert values["diagnosis.pathology.perineural_invasion"] is False
    assert values["diagnosis.pathology.tumor_depth_mm"] == 6.2
    assert values["diagnosis.pathology.differentiation"] == "poor"
    assert values["diagnosis.pathology.aggressive_growth_pattern"] is True
    out = tmp_path / "out"
    path = tmp_path / "scc.json"
    path.write_text(json.dumps(bundle(patient(), cancer, *facts)))
    assert run("import", "fhir", path, "-o", out).exit_code == 0
    profile = load_profile(out / "p1.yaml")
    assert (profile.diagnosis.pathology.differentiation, profile.diagnosis.pathology.tumor_depth_mm) == ("poor", 6.2)


def test_an_unclear_grade_is_a_warning(tmp_path):
    grade = _worded("grade", "Histologic grade", valueCodeableConcept={"text": "Well to moderately differentiated"})
    result = imported(tmp_path, patient(), condition((ICD, "C44.91", None)), grade)
    assert "diagnosis.pathology.differentiation" not in values_of(result)
    assert any("the grade 'well to moderately differentiated' is not one of well" in n for n in notices(result))
