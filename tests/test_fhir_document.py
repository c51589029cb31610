"""`build`/`batch --fhir`: the packet back to the chart as a FHIR DocumentReference, validated by fhir.resources."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.documentreference import DocumentReference

from sop_packets.cli import cli
from sop_packets.fhir_document import US_CORE_DOCUMENT_REFERENCE, document_id, html_language


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _read(path):
    data = json.loads(path.read_text())
    DocumentReference.model_validate(data)  # raises if it is not a valid R4 DocumentReference
    return data


def test_inline_html_document_reference_validates_and_matches_the_file(minimal, tmp_path):
    profile = minimal(id="p_1", patient_name="Zora Quill")
    text = profile.read_text().replace("  age: 58\n", "  age: 58\n  language: es\n  fhir_id: pt-77\n")
    profile.write_text(text)
    out = tmp_path / "out"
    result = run("build", profile, "-o", out, "--format", "html", "--fhir", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert f"wrote {(out / 'p_1.documentreference.json').resolve()}" in result.output
    doc = _read(out / "p_1.documentreference.json")
    html = (out / "p_1.html").read_bytes()
    attachment = doc["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == html
    assert attachment["size"] == len(html)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(html).digest()).decode()
    assert attachment["contentType"] == "text/html"
    assert html_language(html.decode())  # the <html lang> the packet declares
    assert attachment["language"] == html_language(html.decode())  # the packet's language, not the patient's
    assert html_language('<!doctype html>\n<html lang="es-MX" dir="ltr">') == "es-MX"
    assert "Zora" not in json.dumps(doc)  # no patient name in a record that may be listed
    assert doc["subject"] == {"reference": "Patient/pt-77"}
    assert doc["id"] == document_id("p_1") and "p_1" not in doc["id"] and "p-1" not in doc["id"]
    assert doc["meta"]["profile"] == [US_CORE_DOCUMENT_REFERENCE]
    assert (doc["status"], doc["docStatus"], doc["date"]) == ("current", "final", "2026-11-20T00:00:00Z")
    assert doc["type"]["coding"][0] == {"system": "http://loinc.org", "code": "34895-3", "display": "Education note"}
    assert {c["coding"][0]["code"] for c in doc["category"]} == {"clinical-note", "311401005"}
    assert doc["author"] == [{"type": "Organization", "display": "Riverbend Skin Health Center"}]


def test_url_attachment_points_to_the_pdf_beside_it(minimal, tmp_path):
    out = tmp_path / "out"
    result = run("build", minimal(id="p-2"), "-o", out, "--format", "pdf", "--fhir-attach", "url",
                 "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    doc = _read(out / "p-2.documentreference.json")
    attachment = doc["content"][0]["attachment"]
    pdf = (out / "p-2.pdf").read_bytes()
    assert attachment["url"] == "p-2.pdf" and "data" not in attachment
    assert attachment["contentType"] == "application/pdf" and attachment["size"] == len(pdf)
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
    assert doc["subject"] == {"identifier": {"value": "p-2"}}  # a profile not imported from FHIR


def test_batch_writes_one_per_packet_and_rebuilds_when_fhir_is_turned_on(minimal, tmp_path):
    folder = minimal("in/a.yaml", id="a").parent
    minimal("in/b.yaml", id="b")
    out = tmp_path / "out"
    first = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1")
    assert first.exit_code == 0 and not list(out.glob("*.documentreference.json"))
    second = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--fhir")
    assert second.exit_code == 0, second.output
    assert "2 built, 0 unchanged" in second.output
    assert sorted(p.name for p in out.glob("*.documentreference.json")) == [
        "a.documentreference.json", "b.documentreference.json"]
    third = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--fhir")
    assert "0 built, 2 unchanged" in third.output
    (out / "a.documentreference.json").unlink()
    fourth = run("batch", folder, "-o", out, "--format", "html", "--jobs", "1", "--fhir")
    assert "1 built, 1 unchanged" in fourth.output and (out / "a.documentreference.json").is_file()


def test_imported_profile_packet_refers_to_the_fhir_patient(tmp_path):
    from pathlib import Path

    bundle = Path(__file__).parent / "data" / "fhir" / "melanoma-bundle.json"
    profiles, out = tmp_path / "profiles", tmp_path / "out"
    assert run("import", "fhir", bundle, "-o", profiles, "--id-from", "http://riverbend.example/mrn").exit_code == 0
    result = run("batch", profiles, "-o", out, "--format", "html", "--jobs", "1", "--fhir")
    assert result.exit_code == 0, result.output
    doc = _read(out / "RB-0042-7.documentreference.json")
    assert doc["subject"] == {"reference": "Patient/pt-1001"}
    assert doc["content"][0]["attachment"]["language"] == html_language((out / "RB-0042-7.html").read_text())


@pytest.mark.parametrize(("tag", "packet"), [("ES-mx", "es"), ("zh-Hant-TW", "zh-Hant"), ("tlh", "en"),
                                             ("i-klingon", "en"), ("sgn-US", "en")])
def test_attachment_language_is_the_packets_language_for_any_tag(minimal, tmp_path, tag, packet):
    """The attachment says the language the packet is written in (its <html lang>), not the tag given."""
    profile = minimal(id="p_1")
    profile.write_text(profile.read_text().replace("  age: 58\n", f"  age: 58\n  language: {tag}\n"))
    out = tmp_path / "out"
    result = run("build", profile, "-o", out, "--format", "html", "--fhir", "--date", "2026-11-20")
    if result.exit_code != 0:  # a tag the schema refuses is a located error, never a wrong record
        assert "patient.language" in result.output and "Traceback" not in result.output, result.output
        return
    attachment = _read(out / "p_1.documentreference.json")["content"][0]["attachment"]
    assert attachment["language"] == html_language((out / "p_1.html").read_text()) == packet
