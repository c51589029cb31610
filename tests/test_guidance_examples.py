"""The guidance for each example profile, checked by hand against what the profile says."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_packets.cli import cli
from sop_packets.content import load_content
from sop_packets.guidance import build_guidance
from sop_packets.profile import load_profile

PROFILES = Path(__file__).parent.parent / "profiles"
TODAY = date(2026, 11, 25)

# id: (urgency, indications in order, specialists in order, population notes, must-have records)
EXPECTED = {
    "ex-01-melanoma-primary-care": (
        "prompt",
        ["staging_before_surgery", "pathology_uncertain", "non_specialist_diagnosis", "melanoma_specialist_review",
         "single_treatment_option", "poor_communication", "low_confidence", "confirmation"],
        # a general or unknown surgeon for a case that needs a sentinel node biopsy: add a surgical oncologist
        ["melanoma_specialist", "dermatopathologist", "surgical_oncologist", "dermatologist"], [],
        ["slides_and_blocks"]),
    "ex-02-bcc-nose-reconstruction": (
        "prompt",  # NCCN: a BCC on the nose is high risk at any size
        ["single_treatment_option", "aggressive_treatment", "insurance_requires",
         "cosmetically_sensitive_site", "reconstruction_planned", "scarring_concern", "confirmation"],
        # the Mohs surgeon first for a BCC (the care path's visit names the first); the cancer surgeon, rarely
        # needed for a BCC with no node disease, last (rating round 3, PEMAT-P item 2)
        ["mohs_surgeon", "plastic_surgeon", "dermatologist", "surgical_oncologist"], [], ["referral"]),
    "ex-03-scc-ear-older-adult": (
        "prompt", ["recurrent_cancer", "cosmetically_sensitive_site", "confirmation"],
        # surgery first for SCC; radiation (the older-adult option) after the surgeons
        ["mohs_surgeon", "dermatologist", "radiation_oncologist"], ["older_adult"],
        ["operative_reports", "health_conditions_list"]),
    "ex-04-melanoma-stage-iv-urgent": (
        "urgent", ["no_treatment_options", "melanoma_specialist_review", "recurrent_cancer",
                   "low_confidence", "confirmation"],
        ["melanoma_specialist", "medical_oncologist", "surgical_oncologist", "palliative_care"], [],
        ["imaging"]),
    "ex-05-melanoma-stage-iii-pregnant": (
        "urgent", ["melanoma_specialist_review", "aggressive_treatment", "scarring_concern",
                   "low_confidence", "confirmation"],
        ["melanoma_specialist", "maternal_fetal_medicine", "medical_oncologist", "surgical_oncologist"],
        ["pregnancy"], ["prenatal_summary", "imaging", "photos"]),
    "ex-06-merkel-abroad": (
        "urgent", ["team_for_node_test", "weakened_immune_system", "rare_cancer_type", "cosmetically_sensitive_site",
                   "confirmation"],
        ["medical_oncologist", "surgical_oncologist", "radiation_oncologist"],
        ["weakened_immune_system", "older_adult", "care_abroad", "language_support"],
        ["translated_summary", "customs_letter", "photos"]),
    "ex-07-skin-lymphoma-telemedicine": (
        "prompt", ["pathology_uncertain", "rare_cancer_type", "confirmation"],
        ["lymphoma_dermatologist", "dermatopathologist", "medical_oncologist"], [], ["photos", "referral"]),
    "ex-08-kaposi-financial-help": (
        "prompt", ["non_specialist_diagnosis", "rare_cancer_type", "single_treatment_option",
                   "cosmetically_sensitive_site", "poor_communication", "confirmation"],  # on the foot
        ["hiv_specialist", "medical_oncologist", "dermatologist"], ["hiv", "language_support"],
        ["insurance_card", "hiv_labs"]),
    "ex-09-other-minimal": (
        "prompt", ["uncommon_type_center", "confirmation"], ["uncommon_cancer_center"], [],
        ["slides_and_blocks", "imaging"]),
    "ex-10-child-atypical-melanocytic": (
        "prompt", ["pathology_uncertain", "rare_cancer_type", "scarring_concern", "low_confidence",
                   "confirmation"],
        ["dermatopathologist", "dermatologist"], ["child"],
        ["guardian_signature", "slides_and_blocks"]),
    "ex-11-melanoma-in-situ-face": (
        "routine", ["single_treatment_option", "cosmetically_sensitive_site", "scarring_concern", "confirmation"],
        ["mohs_surgeon", "dermatologist"], ["older_adult"], ["slides_and_blocks", "health_conditions_list"]),
    "ex-12-melanoma-stage-iib-before-surgery": (
        "urgent",
        ["staging_before_surgery", "pathology_uncertain", "non_specialist_diagnosis", "melanoma_specialist_review",
         "single_treatment_option", "low_confidence", "confirmation"],
        ["melanoma_specialist", "dermatopathologist", "medical_oncologist", "surgical_oncologist"],
        [], ["slides_and_blocks", "imaging"]),
    "ex-13-transplant-scc-scalp": (
        "prompt", ["weakened_immune_system", "cosmetically_sensitive_site", "confirmation"],
        ["transplant_team", "mohs_surgeon", "dermatologist", "radiation_oncologist"],
        ["weakened_immune_system", "older_adult"], ["medication_list", "referral"]),
    "ex-14-kaposi-hiv": (
        "prompt", ["rare_cancer_type", "confirmation"], ["hiv_specialist", "medical_oncologist"], ["hiv"],
        ["hiv_labs", "slides_and_blocks"]),
    "ex-15-mycosis-fungoides-early": (
        "routine", ["rare_cancer_type", "confirmation"], ["lymphoma_dermatologist"], [], ["slides_and_blocks"]),
    "ex-16-bcc-small-trunk": (
        "routine", ["second_opinion_optional", "confirmation"], ["dermatologist"], [], ["pathology_reports"]),
    "ex-17-melanoma-child-es": (
        "prompt", ["team_for_node_test", "pathology_uncertain", "melanoma_specialist_review", "scarring_concern",
                   "confirmation"],
        ["melanoma_specialist", "pediatric_oncologist", "dermatopathologist", "surgical_oncologist"],
        ["child", "teen", "language_support"],
        ["guardian_signature", "slides_and_blocks", "referral"]),
    "ex-18-bcc-large-print-es": (
        "prompt",  # NCCN: a BCC on the nose is high risk at any size
        ["non_specialist_diagnosis", "single_treatment_option", "cosmetically_sensitive_site",
                    "reconstruction_planned", "scarring_concern", "confirmation"],
        ["mohs_surgeon", "plastic_surgeon", "dermatologist", "radiation_oncologist"],
        ["older_adult", "language_support"], ["health_conditions_list", "photos"]),
    "ex-20-melanoma-older-agent": (
        # a general surgeon booked for a wide excision and sentinel node biopsy: ask before the date
        "prompt", ["team_for_node_test", "melanoma_specialist_review", "confirmation"],
        ["melanoma_specialist", "surgical_oncologist"], ["representative", "older_adult"],
        ["representative_papers", "health_conditions_list"]),
    "ex-21-scc-immunotherapy": (
        "urgent", ["cosmetically_sensitive_site", "confirmation"],
        ["medical_oncologist", "surgical_oncologist", "radiation_oncologist"], ["older_adult"],
        ["treatment_now_records", "imaging"]),
    "ex-19-scc-arabic-notice": (
        "prompt", ["single_treatment_option", "cosmetically_sensitive_site", "confirmation"],
        ["mohs_surgeon", "dermatologist", "radiation_oncologist"], ["language_support"], ["insurance_card"]),
    # Packets in Chinese and Vietnamese (issue 22): the same rules, whatever the packet's language.
    "ex-31-melanoma-zh-hans": (
        "urgent", ["staging_before_surgery", "pathology_uncertain", "non_specialist_diagnosis",
                   "melanoma_specialist_review", "single_treatment_option", "confirmation"],
        # stage IIB: the melanoma specialists lead, no general dermatologist (as ex-12, issue 17's rule)
        ["melanoma_specialist", "dermatopathologist", "medical_oncologist", "surgical_oncologist"],
        ["language_support"], ["slides_and_blocks"]),
    "ex-32-bcc-nose-zh-hant": (
        "prompt",  # NCCN: a BCC on the nose is high risk at any size (as ex-02)
        ["single_treatment_option", "cosmetically_sensitive_site", "scarring_concern", "confirmation"],
        ["mohs_surgeon", "dermatologist"], ["language_support"], ["pathology_reports"]),
    "ex-33-scc-scalp-vi": (
        "prompt", ["cosmetically_sensitive_site", "confirmation"],
        ["mohs_surgeon", "dermatologist", "radiation_oncologist"], ["older_adult", "language_support"],
        ["pathology_reports"]),
    "ex-22-angiosarcoma-scalp-deaf": (
        "urgent", ["angiosarcoma_team", "condition_changes_choices", "rare_cancer_type",
                   "cosmetically_sensitive_site", "confirmation"],
        ["sarcoma_center", "medical_oncologist", "surgical_oncologist", "radiation_oncologist", "cardiologist"],
        ["heart_and_medicines", "bleeding_and_surgery", "older_adult"], ["imaging", "health_conditions_list"]),
    "ex-23-sebaceous-eyelid-va": (
        "prompt", ["sebaceous_carcinoma_care", "condition_changes_choices", "rare_cancer_type",
                   "single_treatment_option", "cosmetically_sensitive_site", "confirmation"],
        ["mohs_surgeon", "oculoplastic_surgeon", "genetic_counselor"], [], ["slides_and_blocks"]),
    "ex-24-afx-watching-older": (
        "prompt", ["afx_pds_care", "watching_review", "rare_cancer_type", "cosmetically_sensitive_site",
                   "confirmation"],
        ["mohs_surgeon"], ["older_adult"], ["slides_and_blocks"]),
    "ex-25-pds-follow-up-prison": (
        "routine", ["third_opinion", "afx_pds_care", "follow_up_review", "rare_cancer_type",
                    "cosmetically_sensitive_site", "confirmation"],
        ["sarcoma_center", "surgical_oncologist"], [], ["follow_up_records", "earlier_opinion_reports"]),
}


def test_new_examples_show_the_plan_and_person_classes():
    agent = build_guidance(load_profile(PROFILES / "ex-20-melanoma-older-agent.yaml"), load_content(), TODAY)
    assert agent.items("next_steps")[0].id == "ask_if_safe_to_wait"
    assert agent.voice == "representative" and "Susan Ellison-Park" in agent.reader.signature
    on_drug = build_guidance(load_profile(PROFILES / "ex-21-scc-immunotherapy.yaml"), load_content(), TODAY)
    assert [i.id for i in on_drug.items("alerts")] == ["immunotherapy_warning_signs"]
    assert "no_insurance" in [i.id for i in on_drug.items("insurance_steps")]
    assert "call_insurance" not in [i.id for i in on_drug.items("next_steps")]


def test_every_example_has_an_expectation():
    assert {p.stem for p in PROFILES.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("patient_id", sorted(EXPECTED))
def test_example_guidance(patient_id):
    urgency, indications, specialists, notes, records = EXPECTED[patient_id]
    result = build_guidance(load_profile(PROFILES / f"{patient_id}.yaml"), load_content(), TODAY)
    assert result.urgency.level == urgency
    assert [i.id for i in result.items("indications")] == indications
    assert [i.id for i in result.items("specialists")] == specialists
    assert [i.id for i in result.items("population_notes")] == notes
    assert set(records) <= {i.id for i in result.items("records")}


def test_explain_lists_sections_items_and_reasons():
    path = PROFILES / "ex-02-bcc-nose-reconstruction.yaml"
    result = CliRunner().invoke(cli, ["explain", str(path), "--date", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "prepared 2026-11-25" in result.output
    assert "Why a second opinion may help you [indications]" in result.output
    assert "  - reconstruction_planned:" in result.output
    assert "      because surgery to rebuild the skin was suggested" in result.output
    assert "  level: prompt" in result.output
    assert "Notes for your situation [population_notes]: does not apply, left out" in result.output


def test_explain_json_is_the_documented_shape():
    path = PROFILES / "ex-06-merkel-abroad.yaml"
    result = CliRunner().invoke(cli, ["explain", str(path), "--json", "--date", "2026-11-25"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["patient_id", "next_steps", "indications", "urgency", "specialists", "records", "questions",
                          "insurance_steps", "population_notes", "telemedicine", "clinical_trials",
                          "differing_opinions", "after_visit", "alerts", "access"]
    assert data["patient_id"] == "ex-06-merkel-abroad"
    assert data["urgency"]["level"] == "urgent"
    assert data["urgency"]["because"] == ["you have Merkel cell carcinoma, a rare skin cancer that can grow fast",
                                          "your immune system is weaker than usual"]
    for section in ("indications", "specialists", "records", "questions", "insurance_steps"):
        for item in data[section]:
            assert {"id", "text", "because"} <= set(item) and item["because"]


def test_explain_bad_profile_exits_2(write):
    path = write("bad.yaml", "schema_version: 1\n")
    result = CliRunner().invoke(cli, ["explain", str(path), "--json"])
    assert result.exit_code == 2
    assert "patient: this field is required but missing" in result.output


def test_packet_shows_each_item_with_its_reason(tmp_path):
    from sop_packets.build import BuildOptions, build_file

    build_file(PROFILES / "ex-02-bcc-nose-reconstruction.yaml",
               BuildOptions(out_dir=tmp_path, format="html", prepared_on=TODAY))
    html = (tmp_path / "ex-02-bcc-nose-reconstruction.html").read_text()
    assert 'id="indications-reconstruction_planned"' in html
    assert "surgery to rebuild the skin was suggested" in html
    assert 'id="specialists-mohs_surgeon"' in html
    assert 'id="population-notes"' not in html  # does not apply: left out, not shown empty


def test_explain_shows_the_page_one_box_and_the_reader():
    runner = CliRunner()
    on_drug = runner.invoke(cli, ["explain", str(PROFILES / "ex-21-scc-immunotherapy.yaml"), "--date", "2026-11-25"])
    assert "Page one box [alerts]\n  - immunotherapy_warning_signs: Feel sick in a new way? Call your care team at once" in on_drug.output
    agent = runner.invoke(cli, ["explain", str(PROFILES / "ex-20-melanoma-older-agent.yaml"), "--date", "2026-11-25"])
    assert "Reader (representative): This guide is for Susan Ellison-Park" in agent.output
    assert "Page one box" not in agent.output
