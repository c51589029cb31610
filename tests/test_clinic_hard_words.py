"""A clinic's own patient text (the directory under "Who to see", the contact's role and hours) is printed
as written, so the clinic check warns where it uses a medical word with no plain words (issue 28,
CDC Clear Communication Index item 7: rating round 3, ex-01 "(surgical and medical oncology)")."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.clinic_hard_words import clinic_word_warnings, hard_words

ROOT = Path(__file__).parent.parent
CLINIC = """schema_version: 1
name: Riverbend
phone: (555) 010-2000
contact: {{name: Jordan Ellis, role: Nurse navigator}}
referrals:
  - name: Lakeside Melanoma Program
    specialty:
      en: {en}
      zh-Hans: {zh}
    phone: (555) 010-3300
"""


def clinic(tmp_path: Path, en: str, zh: str = "黑色素瘤专家") -> Path:
    path = tmp_path / "clinic.yaml"
    path.write_text(CLINIC.format(en=en, zh=zh), encoding="utf-8")
    return path


def test_the_example_clinic_says_its_kinds_of_doctor_in_plain_words():
    assert clinic_word_warnings(ROOT / "templates" / "clinic" / "clinic.yaml") == []


def test_a_medical_word_in_a_referral_is_named_with_its_line_field_and_plain_words(tmp_path):
    path = clinic(tmp_path, "Melanoma specialists (surgical and medical oncology)", "放射肿瘤科医生")
    found = [(p.line, p.field, p.message) for p in clinic_word_warnings(path)]
    assert found[0][:2] == (8, "referrals.0.specialty.en")
    assert "'oncology' is a medical word" in found[0][2] and "for example 'cancer care'" in found[0][2]
    assert found[1][:2] == (9, "referrals.0.specialty.zh-Hans")
    assert "'放射肿瘤科医生'" in found[1][2] and "'用X光治疗癌症的医生'" in found[1][2]
    assert len(found) == 2


def test_validate_clinic_warns_and_still_passes(tmp_path):
    path = clinic(tmp_path, "Radiation oncologist")
    result = CliRunner().invoke(cli, ["validate", "--clinic", str(path)])
    assert result.exit_code == 0 and "Traceback" not in result.output
    assert f"{path}:8:11: referrals.0.specialty.en: warning: 'Radiation oncologist' is a medical word" in result.output
    assert "for example 'a doctor who treats cancer with X-rays'" in result.output


@pytest.mark.parametrize(("text", "language"), [
    ("X-ray treatment doctor (radiation oncologist)", "en"),   # explained in brackets
    ("Skin doctors and skin cancer surgeons", "en"),            # plain words only
    ("Bác sĩ chữa ung thư bằng tia X (bác sĩ xạ trị)", "vi"),   # "xạ trị" is inside "bác sĩ xạ trị"
    ("用X光治疗癌症的医生\uff08放射肿瘤科医生\uff09", "zh-Hans"),
    ("Radiation oncologist", "ar"),                            # no packet of its own: no glossary to use
])
def test_words_already_in_plain_words_are_not_named(text, language):
    assert hard_words(text, language) == []
