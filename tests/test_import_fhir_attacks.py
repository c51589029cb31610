"""Hostile FHIR input (issue 21's classes): refused with a located message, never a traceback, a hang,
patients mixed, or raw terminal escapes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sop_packets.cli import cli
from sop_packets.importers.fhir import Options, import_fhir
from sop_packets.importers.fhir.reading import Refused, loads

ICD = "http://hl7.org/fhir/sid/icd-10-cm"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def patient(pid="p1", family="Ruiz") -> dict:
    return {"resourceType": "Patient", "id": pid, "name": [{"given": ["Ana"], "family": family}],
            "birthDate": "1970-05-06"}


def melanoma(cid="c1", subject="Patient/p1", **extra) -> dict:
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": subject},
            "code": {"coding": [{"system": ICD, "code": "C43.9"}]}, **extra}


def ndjson(folder: Path, *resources, name="data.ndjson") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in resources))
    return folder


def no_traceback(result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------- bounded JSON


def test_a_duplicate_key_is_refused_with_its_line(tmp_path):
    folder = ndjson(tmp_path / "x", patient(), melanoma())
    with (folder / "data.ndjson").open("a") as handle:
        handle.write('{"resourceType": "Patient", "id": "p2", "birthDate": "1970-01-01", "birthDate": "1999-01-01"}\n')
    result = run("import", "fhir", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert (f"error: {folder / 'data.ndjson'}:3:1: the key 'birthDate' appears twice in one object; each key may "
            "appear only once (which value is meant cannot be known); not read") in result.output
    assert (tmp_path / "out" / "p1.yaml").is_file()  # the rest still imported


@pytest.mark.parametrize("where", ["Encounter", "Patient"])
def test_a_5001_digit_number_even_in_a_skipped_resource(tmp_path, where):
    """In a resource the import reads it is a located error; a resource it does not read (an Encounter)
    is not even parsed, so it can do no harm either way."""
    huge = "9" * 5001
    line = f'{{"resourceType": "{where}", "id": "e1", "length": {huge}}}'
    folder = ndjson(tmp_path / "x", patient(), melanoma())
    with (folder / "data.ndjson").open("a") as handle:
        handle.write(line + "\n" + line.replace(huge, huge + ".5") + "\n")
    result = run("import", "fhir", folder, "-o", tmp_path / "out")
    no_traceback(result)
    assert (tmp_path / "out" / "p1.yaml").is_file()
    if where == "Encounter":
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert f"{folder / 'data.ndjson'}:3:1: a number with 5,001 digits; FHIR numbers have at most 40" in result.output
    assert f"{folder / 'data.ndjson'}:4:1: a number with 5,003 characters" in result.output
    nested = folder / "nested.json"  # in a Bundle file every resource is parsed: refused, located
    nested.write_text('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Encounter", "x": '
                      + huge + "}}]}")
    assert f"{nested}:1:1: a number with 5,001 digits" in run("import", "fhir", nested, "-o", tmp_path / "o2").output


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_bounded_loads_reads_what_json_reads(value):
    """Invariant: for JSON without duplicate keys or huge numbers, loads() is json.loads()."""
    text = json.dumps(value)
    assert loads(text) == json.loads(text)


def test_nan_and_infinity_are_refused():
    for text in ('{"x": NaN}', '{"x": Infinity}'):
        with pytest.raises(Refused):
            loads(text)


def test_a_lone_surrogate_is_refused_and_a_real_pair_is_read(tmp_path):
    """A \\ud800 escape with no other half cannot be written into a profile (or the import's index):
    the line is a located error, never a traceback; a proper pair (an emoji) is ordinary text."""
    with pytest.raises(Refused, match="half of a UTF-16 pair"):
        loads('{"family": "Ana\\ud800Ruiz"}')
    assert loads('{"family": "Ana\\ud83d\\ude00Ruiz"}') == {"family": "Ana\U0001F600Ruiz"}
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "data.ndjson").write_text(json.dumps(patient(family="Ana\ud800Ruiz")) + "\n"
                                        + json.dumps(melanoma()) + "\n")
    result = run("import", "fhir", folder, "-o", tmp_path / "out")
    no_traceback(result)
    assert result.exit_code in (1, 2), result.output
    assert f"{folder / 'data.ndjson'}:1:1: a broken character (half of a UTF-16 pair" in result.output


# ---------------------------------------------------------------- references


@pytest.mark.parametrize(("subject", "message"), [
    ({"reference": "Practitioner/p1"}, "subject: reference 'Practitioner/p1' points at a Practitioner, expected a Patient"),
    ({"reference": 42}, "subject: the reference is a JSON int, not text"),
    ("Patient/p1", "subject: subject is a JSON str, not a Reference"),
    ({"reference": "Group/g1"}, "subject: reference 'Group/g1' points at a Group, expected a Patient"),
    ({"reference": "https://ehr.example/fhir/Organization/o1"},
     "subject: reference 'https://ehr.example/fhir/Organization/o1' points at an Organization, expected a Patient")])
def test_wrong_type_references_are_located_errors(tmp_path, subject, message):
    bad = {**melanoma("c2"), "subject": subject}
    folder = ndjson(tmp_path / "x", patient(), melanoma(), bad)
    result = run("import", "fhir", folder, "-o", tmp_path / "out")
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert f"{folder / 'data.ndjson'}:3:1: (Condition/c2): {message}" in result.output


def test_patient_1_of_two_exports_is_never_merged(tmp_path):
    """Two exports both call a different person Patient/1: each Condition stays with its own export, and
    neither profile is written under the shared id (they would replace each other)."""
    first = ndjson(tmp_path / "clinic-a", patient("1", "Ruiz"), melanoma("ca", "Patient/1"))
    second = ndjson(tmp_path / "clinic-b", patient("1", "Okafor"),
                    {**melanoma("cb", "Patient/1"), "code": {"coding": [{"system": ICD, "code": "C44.91"}]}})
    result = import_fhir([first, second], options=Options())
    assert result.patients == 2
    assert result.drafts == []
    assert [str(n) for n in result.skipped] == [
        f"{second / 'data.ndjson'}: Patient/1: patient.id: '1' is also the id of Patient/1 in {first}, another "
        "person or another copy; no profile written for either (use --id-from with an identifier that tells them "
        "apart)",
        f"{first / 'data.ndjson'}: Patient/1: patient.id: '1' is also the id of Patient/1 in {second}, another "
        "person or another copy; no profile written for either (use --id-from with an identifier that tells them "
        "apart)"]
    with_mrn = import_fhir([first, second], options=Options(id_from="urn:mrn"))
    assert with_mrn.drafts == []  # no identifier with that system: still never merged


def test_two_different_patients_with_one_id_in_one_export_are_refused(tmp_path):
    folder = ndjson(tmp_path / "x", patient("1", "Ruiz"), patient("1", "Okafor"), melanoma("c", "Patient/1"))
    result = import_fhir([folder], options=Options())
    assert result.drafts == []
    assert any("two different Patient/1 in one export" in str(e) for e in result.errors)


def test_the_same_export_read_twice_is_one_patient(tmp_path):
    folder = ndjson(tmp_path / "x", patient(), melanoma())
    result = import_fhir([folder, folder / "data.ndjson"], options=Options())
    assert (result.patients, len(result.drafts)) == (1, 1)


def test_another_servers_absolute_patient_is_never_the_local_one(tmp_path):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "https://ehr-a.example/fhir/Patient/1", "resource": patient("1")},
        {"fullUrl": "https://ehr-a.example/fhir/Condition/c1",
         "resource": melanoma("c1", "https://ehr-b.example/fhir/Patient/1")},
        {"fullUrl": "https://ehr-a.example/fhir/Condition/c2",
         "resource": {**melanoma("c2", "https://ehr-a.example/fhir/Patient/1"),
                      "code": {"coding": [{"system": ICD, "code": "C44.91"}]}}}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    result = import_fhir([path], options=Options())
    assert result.drafts[0].values["diagnosis"]["cancer_type"][0] == "basal_cell_carcinoma"  # same server: c2 only
    assert any("reference 'https://ehr-b.example/fhir/Patient/1' points to no Patient of the same export" in str(e)
               for e in result.errors)


def test_absolute_references_of_the_manifest_server_resolve(tmp_path):
    folder = ndjson(tmp_path / "x", patient("1"), melanoma("c1", "https://ehr.example/fhir/Patient/1"))
    (folder / "manifest.json").write_text(json.dumps({"request": "https://ehr.example/fhir/$export", "output": []}))
    result = import_fhir([folder], options=Options())
    assert len(result.drafts) == 1 and not result.errors


# ---------------------------------------------------------------- what is said, not skipped silently


def test_a_melanoma_with_a_local_code_gets_a_warning(tmp_path):
    local = {**melanoma(), "code": {"coding": [{"system": "http://hospital.example/codes", "code": "MEL-01",
                                                "display": "Malignant melanoma of skin of back"}]}}
    result = run("import", "fhir", ndjson(tmp_path / "x", patient(), local), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert ("Patient/p1: diagnosis.cancer_type: Condition/c1 'Malignant melanoma of skin of back' reads like a skin "
            "cancer but has no ICD-10-CM or SNOMED CT code of codes.yaml (a local code?)") in result.output


@pytest.mark.parametrize("kind", ["HumanName", "Spaceship", "patient"])
def test_a_non_resource_json_is_a_located_error(tmp_path, kind):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"resourceType": kind, "family": "Ruiz"}))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"error: {path}:1:1: '{kind}' is not a FHIR R4 resource type; not read" in result.output


def test_no_patient_at_all_is_an_error(tmp_path):
    result = run("import", "fhir", ndjson(tmp_path / "x", melanoma()), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "no Patient resource in the input; export the patients with their records" in result.output


# ---------------------------------------------------------------- files that are not files


def test_a_fifo_or_dev_zero_is_refused_before_reading(tmp_path):
    fifo = tmp_path / "export.ndjson"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    folder = ndjson(tmp_path / "folder", patient(), melanoma())
    os.mkfifo(folder / "more.ndjson")
    result = run("import", "fhir", fifo, zero, folder, "-o", tmp_path / "out")
    assert result.exit_code == 1, result.output
    for path in (fifo, zero, folder / "more.ndjson"):
        assert f"error: {path}:1:1: is not a file or folder (a pipe, device or socket); not read" in result.output
    assert (tmp_path / "out" / "p1.yaml").is_file()


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize(("resource", "field"), [
    ({**melanoma(), "code": {"coding": [{"system": ICD, "code": "C" * 1_000_000}]}}, "code.coding[0].code"),
    ({**melanoma(), "code": {"text": " " * 250_000, "coding": [{"system": ICD, "code": "C43.9"}]}}, "code.text"),
    ({**patient("p2"), "communication": [{"language": {"coding": [{"code": "en-" + "a" * 180_000}]}}]},
     "communication[0].language.coding[0].code")])
def test_huge_values_are_refused_with_a_plain_message(tmp_path, resource, field):
    folder = ndjson(tmp_path / "x", patient(), resource)
    result = run("import", "fhir", folder, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{field}: a value longer than 65,536 characters; resource not read" in result.output
    assert len(result.output) < 5_000


def test_long_values_under_the_limit_stay_cheap_and_bounded_in_messages(tmp_path):
    long_code = {**melanoma(), "code": {"coding": [{"system": ICD, "code": "C4" + " 3" * 30_000}]}}
    spaces = {**melanoma("c2"), "code": {"text": " " * 60_000 + "x",
                                         "coding": [{"system": ICD, "code": "C43.9"}]}}
    result = run("import", "fhir", ndjson(tmp_path / "x", patient(), long_code, spaces), "-o", tmp_path / "out")
    no_traceback(result)
    assert max(len(line) for line in result.output.splitlines()) < 1_000


def test_terminal_escapes_from_fhir_text_are_shown_as_codes(tmp_path):
    sneaky = {**patient(), "address": [{"country": "\x1b[2J\u202eXYZ\x9b31m\u200f"}]}
    result = run("import", "fhir", ndjson(tmp_path / "x", sneaky, melanoma()), "-o", tmp_path / "out")
    for raw in ("\x1b", "\u202e", "\x9b", "\u200f"):
        assert raw not in result.output
    assert "\\u001b[2J\\u202eXYZ\\u009b31m\\u200f" in result.output


def test_memory_per_kept_resource_is_on_disk_not_in_python(tmp_path):
    """The store keeps kept resources on disk: after reading, no Python list of resources exists."""
    from sop_packets.importers.fhir.reading import read_export
    from sop_packets.importers.fhir.store import Store

    folder = ndjson(tmp_path / "x", patient(), *[melanoma(f"c{i}") for i in range(500)])
    with Store() as store:
        report = read_export([folder], store.add)
        store.finish()
        assert report.kept == 501
        assert store.db.execute("SELECT count(*) FROM res").fetchone()[0] == 501
        assert store._pending == []


@given(st.lists(st.one_of(
    st.text(max_size=60),
    st.builds(lambda key, value: json.dumps({"resourceType": key, "id": "x", "subject": value}),
              st.sampled_from(["Patient", "Condition", "Observation", "Encounter", "HumanName", "", "Bundle"]),
              st.one_of(st.none(), st.integers(), st.text(max_size=10),
                        st.fixed_dictionaries({"reference": st.one_of(st.text(max_size=20), st.integers())})))),
    max_size=8))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_ndjson_is_read_without_a_traceback(tmp_path, lines):
    """Invariant: whatever the lines, reading and mapping give located errors, never an exception."""
    path = tmp_path / "fuzz.ndjson"
    path.write_text("\n".join(line.replace("\n", " ") for line in lines) + "\n", encoding="utf-8")
    result = import_fhir([path], options=Options())
    assert all(str(problem).startswith(str(path)) for problem in result.errors)


@pytest.mark.parametrize("damage", ["flipped", "cut", "crc"])
@pytest.mark.parametrize("suffix", [".ndjson.gz", ".json.gz"])
def test_a_damaged_gzip_file_is_a_located_error_and_the_lines_before_it_are_read(tmp_path, damage, suffix):
    import gzip

    body = "\n".join(json.dumps(r) for r in [patient(), melanoma()] + [patient(f"q{i}") for i in range(400)])
    if suffix == ".json.gz":
        body = json.dumps({"resourceType": "Bundle", "type": "collection",
                           "entry": [{"resource": json.loads(line)} for line in body.splitlines()]})
    packed = bytearray(gzip.compress(body.encode(), mtime=0))
    if damage == "flipped":
        packed[10] = 0xFF  # the first deflate block: a block type that does not exist
    elif damage == "cut":
        packed = packed[: len(packed) * 2 // 3]
    else:
        packed[-8] ^= 0xFF  # the CRC of the whole stream
    path = tmp_path / f"export{suffix}"
    path.write_bytes(bytes(packed))
    result = run("import", "fhir", path, "-o", tmp_path / "out")
    no_traceback(result)
    assert result.exit_code in (1, 2), result.output
    assert f"error: {path}:" in result.output
    assert "the compressed file is damaged or cut short" in result.output
    if suffix == ".ndjson.gz" and damage == "cut":  # the first lines, before the damage, were read
        assert "the lines before this one were read, the rest of the file was not" in result.output
        assert (tmp_path / "out" / "p1.yaml").is_file()


def test_no_patients_resources_or_models_stay_in_memory_after_they_are_mapped(tmp_path, monkeypatch):
    """Memory does not grow with patients: once a patient is mapped, only their draft is kept (issue 29:
    each Patient's JSON and FHIR model stayed alive for the duplicate-id check, 324 MiB at 10,000)."""
    import gc

    from sop_packets.importers.fhir import common
    from sop_packets.importers.fhir.store import Store

    alive = []
    persons = Store.persons

    def counting(self):
        for person in persons(self):
            gc.collect()
            alive.append(sum(isinstance(o, common.Item) for o in gc.get_objects()))
            yield person

    monkeypatch.setattr(Store, "persons", counting)
    folder = ndjson(tmp_path / "x", *[r for i in range(30) for r in (patient(f"p{i}"), melanoma(f"c{i}", f"Patient/p{i}"))])
    result = import_fhir([folder], options=Options())
    assert len(result.drafts) == 30
    assert max(alive) <= 4, alive  # the person in hand and its resources, never the ones before
