"""`lint` flags a health problem typed in the patient's language, which the case summary would show the
new doctor untranslated (review vi M15): sop_packets/lint/profile_text.py."""

from __future__ import annotations

from datetime import date

import pytest

from sop_packets.lint import lint_file
from sop_packets.lint.profile_text import in_patient_language

VIETNAMESE = """\
schema_version: 1
patient:
  id: p-vi
  name: Nguyễn Văn Hùng
  age: 79
  language: vi
  comorbidities:
{problems}
diagnosis:
  cancer_type: squamous_cell_carcinoma
  diagnosed_by: primary_care
"""


def profile(write, *problems: str):
    lines = "\n".join(f"    - {problem}" for problem in problems)
    return write("p.yaml", VIETNAMESE.format(problems=lines))


def test_lint_flags_a_vietnamese_health_problem_in_the_english_summary(write):
    checked = lint_file(profile(write, "tiểu đường loại 2", "heart disease"), date(2026, 12, 2))
    assert not checked.error and not checked.ok
    assert len(checked.untranslated_profile) == 1
    line = checked.untranslated_profile[0]
    assert line.startswith("patient.comorbidities[0]: 'tiểu đường loại 2' reads as Vietnamese")
    assert "in English" in line
    report = checked.format()
    assert "profile values the new doctor reads in the case summary" in report


def test_english_with_the_patients_words_in_brackets_passes(write):
    checked = lint_file(profile(write, "type 2 diabetes (tiểu đường loại 2)", "heart disease (bệnh tim)"),
                        date(2026, 12, 2))
    assert not checked.error and checked.untranslated_profile == ()


@pytest.mark.parametrize(("text", "clinic", "patient", "flagged"), [
    ("bệnh tim", "en", "vi", True),
    ("高血压", "en", "zh-Hans", True),
    ("presión alta", "en", "es", True),
    ("hipertensión", "en", "es", True),
    ("diabetes", "en", "es", False),  # the same word in both: not flagged
    ("high blood pressure (presión alta)", "en", "es", False),
    ("Sjögren syndrome", "en", "vi", False),
    ("bệnh tim", "vi", "vi", False),  # summary and patient share the language
    ("tiểu đường", "en", "hmn", False),  # a language py3langid does not know: not guessed
])
def test_a_value_is_judged_between_the_clinic_language_and_the_patients(text, clinic, patient, flagged):
    assert in_patient_language(text, clinic, patient) is flagged


def test_a_bilingual_health_problem_reads_in_the_packets_own_words(write):
    """A value written "English (own words)" for the letter is read in the patient's words in a packet not
    in English (rating round 3: "high blood pressure (高血压)" inside a Chinese sentence); English packets,
    the case summary and values without such brackets keep what was written."""
    from sop_packets.build import BuildOptions, make_packet
    from sop_packets.guidance.facts import in_reader_words
    from sop_packets.profile import load_profile

    assert in_reader_words("high blood pressure (高血压)", "zh-Hans") == "高血压"
    assert in_reader_words("type 2 diabetes (tiểu đường loại 2)", "vi") == "tiểu đường loại 2"
    assert in_reader_words("high blood pressure (presión alta)", "es") == "presión alta"
    assert in_reader_words("high blood pressure (高血压)", "en") == "high blood pressure (高血压)"
    assert in_reader_words("diabetes (type 2)", "es") == "diabetes (type 2)"  # brackets not in own words
    assert in_reader_words("tiểu đường (type 2)", "vi") == "tiểu đường (type 2)"
    source = profile(write, "type 2 diabetes (tiểu đường loại 2)", "heart disease (bệnh tim)")
    packet = make_packet(load_profile(source, date(2026, 11, 25)), BuildOptions(prepared_on=date(2026, 11, 25)))
    whys = [why for section in packet.guidance.sections.values() for item in section.items for why in item.why]
    assert any("tiểu đường loại 2, bệnh tim" in why for why in whys), whys
    assert not any("diabetes" in why for why in whys), whys
