"""References read by their full identity (server base + type + id, per FHIR's rules for resolving
references in a Bundle), references to the wrong kind of resource, and resources of an abstract type:
each a located message through the CLI, never a traceback and never another patient's data."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.importers.fhir import Options, import_fhir

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
DATA = Path(__file__).parent / "data" / "fhir"
A = "https://ehr-a.example/fhir"
B = "http://other.example/fhir"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def patient(pid="1") -> dict:
    return {"resourceType": "Patient", "id": pid, "name": [{"given": ["Ana"], "family": "Ruiz"}],
            "birthDate": "1970-05-06"}


def melanoma(subject="Patient/1", cid="c1", **extra) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": subject},
            "code": {"coding": [{"system": ICD, "code": "C43.9"}]}, **extra}


def bundle_file(tmp_path: Path, *entries: tuple[str | None, dict], name="b.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": url, "resource": res} if url else {"resource": res} for url, res in entries]}))
    return path


def clean(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# ---------------------------------------------------------------- a: patients of two servers never mixed


OTHER_SERVER = [
    # (the Condition entry's fullUrl, its subject reference): each names Patient/1 of another server
    (f"{B}/Condition/c1", "Patient/1"),  # relative: read on the entry's server, other.example
    (f"{B}/Condition/c1", "Patient/1/_history/2"),  # the same, versioned
    (f"{A}/Condition/c1", f"{B}/Patient/1"),  # absolute, another server
    (f"{A}/Condition/c1", f"{B}/Patient/1/_history/3"),  # absolute and versioned
    ("urn:uuid:6b0f5c1e-0000-4000-8000-000000000009", "urn:uuid:6b0f5c1e-0000-4000-8000-00000000000a"),
]


@pytest.mark.parametrize(("full_url", "subject"), OTHER_SERVER)
def test_a_condition_about_another_servers_patient_1_is_refused_and_no_profile_has_it(tmp_path, full_url, subject):
    path = bundle_file(tmp_path, (f"{A}/Patient/1", patient()), (full_url, melanoma(subject)))
    out = tmp_path / "out"
    result = run("import", "fhir", path, "-o", out)
    clean(result)
    assert result.exit_code == 1, result.output
    assert not out.exists() or not list(out.glob("*.yaml"))  # Patient/1 of ehr-a has no cancer here
    shown = subject.split("/_history/")[0]
    assert f"error: {path}:1:1: entry[1].resource (Condition/c1): subject: reference '{shown}'" in result.output
    assert "resource not read" in result.output
    if subject.startswith("Patient/"):  # the message says which server the relative reference meant
        assert f"means {B}/Patient/1 (the server of the entry's fullUrl)" in result.output


SAME_SERVER = [
    (f"{A}/Condition/c1", "Patient/1"),
    (f"{A}/Condition/c1", "Patient/1/_history/2"),
    (f"{A}/Condition/c1", f"{A}/Patient/1"),
    (f"{A}/Condition/c1", f"{A}/Patient/1/_history/7"),
    ("HTTPS://EHR-A.example/fhir/Condition/c1", "Patient/1"),  # scheme and host compare without case
    ("urn:uuid:6b0f5c1e-0000-4000-8000-000000000009", f"{A}/Patient/1"),
]


@pytest.mark.parametrize(("full_url", "subject"), SAME_SERVER)
def test_the_same_servers_patient_is_found_by_any_form_of_reference(tmp_path, full_url, subject):
    path = bundle_file(tmp_path, (f"{A}/Patient/1", patient()), (full_url, melanoma(subject)))
    result = import_fhir([path], options=Options())
    assert [d.patient_id for d in result.drafts] == ["1"], result.errors
    assert result.errors == []


def test_a_urn_uuid_patient_is_found_by_its_urn_and_never_by_another(tmp_path):
    urn = "urn:uuid:6b0f5c1e-0000-4000-8000-000000000001"
    path = bundle_file(tmp_path, (urn, patient()),
                       ("urn:uuid:6b0f5c1e-0000-4000-8000-000000000002", melanoma(urn)),
                       ("urn:uuid:6b0f5c1e-0000-4000-8000-000000000003",
                        melanoma("urn:uuid:6b0f5c1e-0000-4000-8000-0000000000ff", cid="c2")))
    result = import_fhir([path], options=Options())
    assert [d.patient_id for d in result.drafts] == ["1"]
    assert [str(e) for e in result.errors] == [
        f"{path}:1:1: entry[2].resource (Condition/c2): subject: reference "
        "'urn:uuid:6b0f5c1e-0000-4000-8000-0000000000ff' points to no Patient of the same export (the same "
        "Bundle file, or the same folder of NDJSON files, or the same server); resource not read"]


def test_two_servers_patient_1_in_one_bundle_each_keep_their_own_conditions(tmp_path):
    """Patient/1 of ehr-a (with a melanoma) and Patient/1 of other.example (with a basal cell carcinoma)
    in one Bundle: never one person. They are two different Patient/1 of one export, so both are refused;
    neither profile holds the other's cancer."""
    bcc = {**melanoma("Patient/1", "c2"), "code": {"coding": [{"system": ICD, "code": "C44.91"}]}}
    other = {**patient(), "name": [{"given": ["Bo"], "family": "Okafor"}]}
    path = bundle_file(tmp_path, (f"{A}/Patient/1", patient()), (f"{B}/Patient/1", other),
                       (f"{A}/Condition/c1", melanoma()), (f"{B}/Condition/c2", bcc))
    result = import_fhir([path], options=Options())
    assert result.drafts == []
    assert any("two different Patient/1 in one export" in str(e) for e in result.errors)


def test_the_manifest_server_is_the_identity_of_ndjson_resources(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"request": f"{A}/Patient/$export", "output": []}))
    (folder / "data.ndjson").write_text("\n".join(json.dumps(r) for r in (
        patient(), melanoma(f"{A}/Patient/1/_history/1"), melanoma(f"{B}/Patient/1", "c2"))) + "\n")
    result = import_fhir([folder], options=Options())
    assert [d.patient_id for d in result.drafts] == ["1"]
    assert [e.message for e in result.errors] == [
        f"subject: reference '{B}/Patient/1' points to no Patient of the same export (the same Bundle file, "
        "or the same folder of NDJSON files, or the same server); resource not read"]


def test_a_payor_is_read_in_the_coverages_own_export(tmp_path):
    """The payor reference resolves from the Coverage (its export), not from the patient's first resource."""
    cov = {"resourceType": "Coverage", "id": "cov", "status": "active", "beneficiary": {"reference": "Patient/1"},
           "payor": [{"reference": "Organization/o1"}]}
    org = {"resourceType": "Organization", "id": "o1", "name": "Maple Health Plan"}
    path = bundle_file(tmp_path, (f"{A}/Patient/1", patient()), (f"{A}/Condition/c1", melanoma()),
                       (f"{A}/Coverage/cov", cov), (f"{A}/Organization/o1", org))
    (draft,) = import_fhir([path], options=Options()).drafts
    assert draft.values["insurance"]["plan_name"][0] == "Maple Health Plan"
    elsewhere = bundle_file(tmp_path, (f"{A}/Patient/1", patient()), (f"{A}/Condition/c1", melanoma()),
                            (f"{A}/Coverage/cov", cov), (f"{B}/Organization/o1", org), name="c.json")
    (draft,) = import_fhir([elsewhere], options=Options()).drafts
    assert "plan_name" not in draft.values.get("insurance", {})  # another server's Organization/o1


# ---------------------------------------------------------------- b: the wrong kind of resource


def _with_role(practitioner_ref: str, organization_ref: str | None = None) -> list[tuple[str | None, dict]]:
    role = {"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": practitioner_ref}}
    if organization_ref:
        role["organization"] = {"reference": organization_ref}
    return [(None, patient()), (None, melanoma(asserter={"reference": "PractitionerRole/r1"})), (None, role),
            (None, {"resourceType": "Organization", "id": "o1", "name": "Maple Dermatology"}),
            (None, {"resourceType": "Practitioner", "id": "p1", "name": [{"family": "Lee", "given": ["Jo"]}]})]


@pytest.mark.parametrize(("entries", "where", "message"), [
    (_with_role("Organization/o1"), "entry[2].resource (PractitionerRole/r1).practitioner",
     "reference 'Organization/o1' points at an Organization, expected a Practitioner; not used"),
    (_with_role("PractitionerRole/r1"), "entry[2].resource (PractitionerRole/r1).practitioner",
     "reference 'PractitionerRole/r1' points at a PractitionerRole, expected a Practitioner; not used"),
    (_with_role("Practitioner/p1", "Practitioner/p1"), "entry[2].resource (PractitionerRole/r1).organization",
     "reference 'Practitioner/p1' points at a Practitioner, expected an Organization; not used"),
    ([(None, patient()), (None, melanoma(asserter={"reference": "Organization/o1"})),
      (None, {"resourceType": "Organization", "id": "o1", "name": "Maple Dermatology"})],
     "entry[1].resource (Condition/c1).asserter",
     "reference 'Organization/o1' points at an Organization, expected a Practitioner or a PractitionerRole or "
     "a Patient or a RelatedPerson; not used"),
    ([(None, patient()), (None, melanoma(recorder={"reference": "Device/d1"}))],  # not even in the input
     "entry[1].resource (Condition/c1).recorder",
     "reference 'Device/d1' points at a Device, expected a Practitioner or a PractitionerRole or a Patient or "
     "a RelatedPerson; not used"),
    ([(None, patient()), (None, melanoma()),
      (None, {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
              "subject": {"reference": "Patient/1"}, "medicationReference": {"reference": "Organization/o1"}}),
      (None, {"resourceType": "Organization", "id": "o1", "name": "Pharmacy"})],
     "entry[2].resource (MedicationRequest/m1).medicationReference",
     "reference 'Organization/o1' points at an Organization, expected a Medication; not used"),
    ([(None, patient()), (None, melanoma()),
      (None, {"resourceType": "Coverage", "id": "cov", "status": "active", "beneficiary": {"reference": "Patient/1"},
              "payor": [{"reference": "Practitioner/p1"}]}),
      (None, {"resourceType": "Practitioner", "id": "p1", "name": [{"family": "Lee"}]})],
     "entry[2].resource (Coverage/cov).payor[0]",
     "reference 'Practitioner/p1' points at a Practitioner, expected an Organization or a Patient or a "
     "RelatedPerson; not used"),
    ([(None, patient()), (None, melanoma(stage=[{"assessment": [{"reference": "Patient/1"}]}]))],
     "entry[1].resource (Condition/c1).stage.assessment",
     "reference 'Patient/1' points at a Patient, expected a ClinicalImpression or a DiagnosticReport or an "
     "Observation; not used"),
])
def test_a_reference_to_the_wrong_kind_of_resource_is_a_located_error(tmp_path, entries, where, message):
    path = bundle_file(tmp_path, *entries)
    out = tmp_path / "out"
    result = run("import", "fhir", path, "-o", out)
    clean(result)
    assert result.exit_code == 1, result.output
    assert f"error: {path}:1:1: {where}: {message}" in result.output
    assert result.output.count(message) == 1
    text = (out / "1.yaml").read_text()  # the rest of the patient is still imported
    assert "name: Maple Dermatology" not in text  # an Organization's name is never a doctor's
    assert "practice: Jo Lee" not in text and "practice:" not in text.replace("# practice:", "")


def test_a_urn_reference_to_an_organization_is_never_read_as_a_practitioner(tmp_path):
    """urn:uuid references carry no type: the resource behind it is checked."""
    org_urn = "urn:uuid:6b0f5c1e-0000-4000-8000-0000000000aa"
    role = {"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": org_urn}}
    path = bundle_file(tmp_path, (None, patient()), (None, melanoma(asserter={"reference": "PractitionerRole/r1"})),
                       (None, role), (org_urn, {"resourceType": "Organization", "id": "o1", "name": "Maple"}))
    result = import_fhir([path], options=Options())
    (draft,) = result.drafts
    assert "original_physician" not in draft.values or "name" not in draft.values["original_physician"]
    assert [e.message for e in result.errors] == [
        f"reference '{org_urn}' points at an Organization, expected a Practitioner; not used"]


def _references(value, path=()):
    """Every (path, reference dict) in a resource."""
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            yield path, value
        for key, inner in value.items():
            yield from _references(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _references(inner, (*path, index))


def test_every_reference_pointed_at_every_kind_of_resource_never_raises(tmp_path):
    """The class: each reference of a full Bundle (Condition, Observation, Coverage, PractitionerRole …)
    pointed in turn at every resource of the Bundle, by relative and by urn:uuid reference. The import
    never raises, and what it refuses is a located error naming the file."""
    original = json.loads((DATA / "melanoma-bundle.json").read_text())
    entries = original["entry"]
    targets = [(e["resource"]["resourceType"], e["resource"]["id"], e.get("fullUrl")) for e in entries]
    count = 0
    for index, entry in enumerate(entries):
        for ref_path, _ in list(_references(entry["resource"])):
            if ref_path[0] in ("subject", "beneficiary"):
                continue  # the patient reference: its own class, above
            for kind, rid, url in targets:
                for text in (f"{kind}/{rid}", url):
                    if not text:
                        continue
                    bundle = copy.deepcopy(original)
                    node = bundle["entry"][index]["resource"]
                    for step in ref_path:
                        node = node[step]
                    node["reference"] = text
                    path = tmp_path / f"case{count}.json"
                    path.write_text(json.dumps(bundle))
                    result = import_fhir([path], options=Options())  # raises nothing
                    assert all(e.file == str(path) for e in result.errors)
                    count += 1
    assert count > 100


# ---------------------------------------------------------------- c: abstract resource types


@pytest.mark.parametrize("kind", ["Resource", "DomainResource"])
def test_an_abstract_resource_type_is_named_with_its_file_and_entry(tmp_path, kind):
    alone = tmp_path / "alone.json"
    alone.write_text(json.dumps({"resourceType": kind, "id": "x"}))
    result = run("import", "fhir", alone, "-o", tmp_path / "out")
    clean(result)
    assert result.exit_code == 2, result.output
    assert (f"error: {alone}:1:1: ({kind}/x): resourceType '{kind}' is not a resource this tool can read: it is "
            "FHIR's abstract base type, which no record has") in result.output
    assert "no Patient resource" not in result.output
    inside = bundle_file(tmp_path, (None, {"resourceType": kind}), (None, patient()), (None, melanoma()))
    result = run("import", "fhir", inside, "-o", tmp_path / "out2")
    assert result.exit_code == 1, result.output
    assert f"error: {inside}:1:1: entry[0].resource: resourceType '{kind}' is not a resource" in result.output
    assert (tmp_path / "out2" / "1.yaml").is_file()
    folder = tmp_path / "ndjson"
    folder.mkdir()
    (folder / "x.ndjson").write_text("\n".join(json.dumps(r) for r in (
        patient(), {"resourceType": kind, "id": "y"}, melanoma())) + "\n")
    result = run("import", "fhir", folder, "-o", tmp_path / "out3")
    assert f"error: {folder / 'x.ndjson'}:2:1: ({kind}/y): resourceType '{kind}'" in result.output
