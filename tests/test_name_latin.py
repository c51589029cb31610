"""patient.name_latin: the name as on the insurance card, printed in the letter and case summary that
offices read in English; a name with no Latin letters and no name_latin is a located warning."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from sop_packets.build import BuildOptions, make_packet
from sop_packets.cli import cli
from sop_packets.consistency import profile_warnings
from sop_packets.importers.fhir import import_fhir
from sop_packets.profile import load_profile
from sop_packets.render import render_html

PROFILE = """\
schema_version: 1
patient:
  id: p-1
  name: 王秀英
{extra}  age: 68
  language: zh-Hans
diagnosis:
  cancer_type: melanoma
  diagnosed_by: dermatologist
"""
ABC = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"


def test_the_letter_and_summary_print_the_card_name_then_the_written_name(write):
    path = write("p.yaml", PROFILE.format(extra="  name_latin: Xiuying Wang\n"))
    profile = load_profile(path)
    html = render_html(make_packet(profile, BuildOptions(prepared_on=date(2026, 12, 2))))
    html = re.sub(r'<span class="intl">(.*?)</span>', r"\1", html)  # font runs
    letter = html.split('class="letter-body"', 1)[1].split("</dl>", 1)[0]
    assert "<dt>From</dt>\n      <dd>Xiuying Wang (王秀英)<br>" in letter
    assert '<th scope="row">Patient</th><td>Xiuying Wang (王秀英)</td>' in html
    assert profile_warnings(path, profile) == []


def test_a_name_without_latin_letters_and_no_card_name_is_a_located_warning(write):
    path = write("p.yaml", PROFILE.format(extra=""))
    [warning] = profile_warnings(path, load_profile(path))
    assert (warning.line, warning.column, warning.field) == (4, 9, "patient.name")
    assert "has no Latin letters" in warning.message and "patient.name_latin" in warning.message
    built = CliRunner().invoke(cli, ["build", str(path), "-o", str(path.parent / "out"), "--format", "html"])
    assert built.exit_code == 0, built.output
    assert f"{path}:4:9" in built.output and "name_latin" in built.output


def test_latin_names_with_marks_need_no_card_name(minimal):
    path = minimal(patient_name="Nguyễn Văn Hùng")
    assert profile_warnings(path, load_profile(path)) == []


def test_fhir_import_takes_the_alphabetic_name(tmp_path: Path):
    patient = {"resourceType": "Patient", "id": "p1", "birthDate": "1958-03-02",
               "name": [{"use": "official", "text": "王秀英"},
                        {"use": "usual", "given": ["Xiuying"], "family": "Wang",
                         "extension": [{"url": ABC, "valueCode": "ABC"}]}]}
    source = tmp_path / "in.json"
    melanoma = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "C43.9"}]}}
    source.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": patient}, {"resource": melanoma}]}), encoding="utf-8")
    draft = import_fhir([source]).drafts
    values = {key: value for fields in (d.values for d in draft) for section in fields.values()
              for key, (value, _) in section.items()}
    assert values.get("name") == "王秀英"
    assert values.get("name_latin") == "Xiuying Wang"


def test_csv_import_reads_a_name_latin_column(tmp_path: Path):
    source = tmp_path / "p.csv"
    source.write_text("patient.id,patient.name,patient.name_latin,patient.age,diagnosis.cancer_type,"
                      "diagnosis.diagnosed_by\ncsv-1,陳志明,Chih-Ming Chen,71,basal_cell_carcinoma,dermatologist\n",
                      encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "csv", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert load_profile(tmp_path / "out" / "csv-1.yaml").patient.name_latin == "Chih-Ming Chen"
