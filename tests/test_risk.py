"""Risk the way the guidelines score it: NCCN groups, AJCC 8 stage from the report, free-text risk hints."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_guidance import MELANOMA, guidance, ids, profile_with

from sop_packets.cli import cli
from sop_packets.consistency import consistency_problems
from sop_packets.risk import bcc_risk, melanoma_t, scc_head_neck_stage, scc_risk

SCC = {"diagnosis.cancer_type": "squamous_cell_carcinoma"}
TEMPLE = {**SCC, "diagnosis.body_site": "face", "diagnosis.size_mm": 15, "diagnosis.nerve_symptoms": True,
          "diagnosis.pathology.perineural_invasion": True}


@pytest.mark.parametrize(("overrides", "group", "first_reason"), [
    ({"diagnosis.size_mm": 15}, "low", None),
    ({"diagnosis.size_mm": 20}, "low", None),  # trunk or limb: over 2 cm counts for SCC
    ({"diagnosis.size_mm": 21}, "high", "risk_size_over_20mm"),
    ({"diagnosis.size_mm": 41}, "very_high", "risk_size_over_40mm"),
    ({"diagnosis.body_site": "scalp", "diagnosis.size_mm": 5}, "high", "risk_site_head_neck"),
    ({"diagnosis.body_site": "foot"}, "high", "risk_site_hands_feet_genitals"),
    ({"diagnosis.body_site": "genitals"}, "high", "risk_site_hands_feet_genitals"),
    ({"diagnosis.borders": "poorly_defined"}, "high", "risk_borders_poorly_defined"),
    ({"diagnosis.recurrent": True}, "high", "recurrent"),
    ({"patient.weakened_immune_system": True}, "high", "weakened_immune"),
    ({"diagnosis.prior_radiation": True}, "high", "risk_prior_radiation"),
    ({"diagnosis.rapidly_changing": True}, "high", "rapidly_changing"),
    ({"diagnosis.nerve_symptoms": True}, "high", "nerve_symptoms"),
    ({"diagnosis.pathology.aggressive_growth_pattern": True}, "high", "risk_aggressive_growth"),
    ({"diagnosis.pathology.differentiation": "moderate"}, "low", None),
    ({"diagnosis.pathology.differentiation": "poor"}, "very_high", "risk_poor_differentiation"),
    ({"diagnosis.pathology.tumor_depth_mm": 6}, "low", None),
    ({"diagnosis.pathology.tumor_depth_mm": 6.5}, "very_high", "risk_deep_invasion"),
    ({"diagnosis.pathology.invasion_beyond_fat": True}, "very_high", "risk_deep_invasion"),
    ({"diagnosis.pathology.perineural_invasion": True}, "very_high", "risk_perineural"),
])
def test_scc_risk_group_follows_nccn(overrides, group, first_reason):
    risk = scc_risk(profile_with({**SCC, "diagnosis.body_site": "arm", **overrides}))
    assert risk.group == group
    assert (risk.reasons[0] if risk.reasons else None) == first_reason


@pytest.mark.parametrize(("overrides", "group"), [
    ({"diagnosis.size_mm": 19}, "low"), ({"diagnosis.size_mm": 20}, "high"),
    ({"diagnosis.body_site": "nose", "diagnosis.size_mm": 3}, "high"), ({"diagnosis.body_site": "hand"}, "high"),
    ({"diagnosis.pathology.perineural_invasion": True}, "high"),
    ({"diagnosis.pathology.aggressive_growth_pattern": True}, "high"),
    ({"diagnosis.prior_radiation": True}, "high"), ({"diagnosis.borders": "well_defined"}, "low"),
])
def test_bcc_risk_group_follows_nccn(overrides, group):
    assert bcc_risk(profile_with({"diagnosis.body_site": "back", **overrides})).group == group


@pytest.mark.parametrize(("overrides", "t", "stage"), [
    ({"diagnosis.size_mm": 19}, "T1", "I"), ({"diagnosis.size_mm": 20}, "T2", "II"),
    ({"diagnosis.size_mm": 39}, "T2", "II"), ({"diagnosis.size_mm": 40}, "T3", "III"),
    ({"diagnosis.size_mm": 10, "diagnosis.pathology.perineural_invasion": True}, "T3", "III"),
    ({"diagnosis.pathology.tumor_depth_mm": 7}, "T3", "III"),
    ({"diagnosis.pathology.invasion_beyond_fat": True}, "T3", "III"),
])
def test_head_and_neck_scc_stage_is_derived_from_the_report(overrides, t, stage):
    derived = scc_head_neck_stage(profile_with({**SCC, "diagnosis.body_site": "ear", **overrides}))
    assert (derived.t, derived.stage) == (t, stage)


@pytest.mark.parametrize("overrides", [
    {"diagnosis.body_site": "back", "diagnosis.size_mm": 30},  # AJCC 8 cSCC is the head-and-neck chapter
    {"diagnosis.body_site": "ear"},  # nothing decides T
    {"diagnosis.body_site": "ear", "diagnosis.size_mm": 30, "diagnosis.stage": "II"},  # a stage was given
    {"diagnosis.body_site": "ear", "diagnosis.size_mm": 30, "diagnosis.clinical_nodes": True},
])
def test_no_scc_stage_is_derived_without_grounds(overrides):
    assert scc_head_neck_stage(profile_with({**SCC, **overrides})) is None


@pytest.mark.parametrize(("depth", "ulcerated", "t", "stage"), [
    (0.5, False, "T1a", "IA"), (0.5, True, "T1b", "IA"), (0.5, None, "T1", "IA"), (0.8, False, "T1b", "IA"),
    (1.0, None, "T1b", "IA"), (1.2, False, "T2a", "IB"), (1.2, True, "T2b", "IIA"), (1.2, None, "T2", "IB IIA"),
    (3.0, False, "T3a", "IIA"), (3.0, True, "T3b", "IIB"), (4.5, False, "T4a", "IIB"), (4.5, True, "T4b", "IIC"),
])
def test_melanoma_t_category_from_depth_and_ulceration(depth, ulcerated, t, stage):
    derived = melanoma_t(profile_with({**MELANOMA, "diagnosis.melanoma.breslow_mm": depth,
                                       "diagnosis.melanoma.ulcerated": ulcerated}))
    assert (derived.t, derived.stage) == (t, stage)


def test_temple_scc_with_nerve_invasion_and_tingling_is_urgent_and_staged():
    result = guidance(TEMPLE)
    assert result.urgency.level == "urgent"
    because = " ".join(result.urgency.because)
    assert "around a nerve" in because and "tingling" in because
    summary = " ".join(result.summary.diagnosis)
    assert "about stage III" in summary and "Ask your doctor" in summary
    assert "not given a stage" not in summary
    assert {"surgical_oncologist", "radiation_oncologist", "mohs_surgeon"} <= set(ids(result, "specialists"))
    assert {"nerve_imaging", "scc_lymph_nodes", "scc_adjuvant", "derived_stage"} <= set(ids(result, "questions"))


def test_large_scalp_scc_is_not_routine_and_high_risk_stage_is_asked_for():
    result = guidance({**SCC, "diagnosis.body_site": "scalp", "diagnosis.size_mm": 24})
    assert result.urgency.level == "prompt"
    assert "about stage II" in " ".join(result.summary.diagnosis)
    trunk = guidance({**SCC, "diagnosis.body_site": "back", "diagnosis.size_mm": 24})
    assert trunk.urgency.level == "prompt"
    sentence = " ".join(trunk.summary.diagnosis)
    assert "not given a stage" not in sentence and "ask your doctor what its stage is" in sentence
    assert "not given a stage" in " ".join(guidance({**SCC, "diagnosis.size_mm": 8}).summary.diagnosis)


def test_spanish_derived_stage_says_ask_your_doctor():
    from datetime import date

    from sop_packets.content import load_content
    from sop_packets.guidance import build_guidance

    result = build_guidance(profile_with(TEMPLE), load_content("es"), date(2026, 11, 25))
    summary = " ".join(result.summary.diagnosis)
    assert "más o menos en estadio III" in summary and "Pregunte a su médico" in summary


# ---- free text that names a risk fact the fields do not hold

@pytest.mark.parametrize(("field", "text", "hint"), [
    ("diagnosis.cancer_type_detail", "SCC with perineural invasion", "pathology.perineural_invasion"),
    ("diagnosis.cancer_type_detail", "neurotropic squamous cell carcinoma", "pathology.perineural_invasion"),
    ("patient.comorbidities", ["tingling of the forehead"], "diagnosis.nerve_symptoms"),
    ("patient.comorbidities", ["numb cheek since March"], "diagnosis.nerve_symptoms"),
    ("coordinator_note", "She mentions nerve pain near the spot.", "diagnosis.nerve_symptoms"),
    ("diagnosis.cancer_type_detail", "melanoma with in-transit metastases", "diagnosis.stage"),
    ("diagnosis.pathology.differential_diagnoses", ["satellite lesions"], "diagnosis.stage"),
])
def test_free_text_naming_a_risk_fact_is_a_warning(field, text, hint):
    problems = consistency_problems(profile_with({field: text}))
    assert any(hint in message for _where, message in problems), problems


@pytest.mark.parametrize(("text", "silencer"), [
    ("SCC with perineural invasion", {"diagnosis.pathology.perineural_invasion": False}),
    ("tingling of the forehead", {"diagnosis.nerve_symptoms": False}),
    ("melanoma with in-transit metastases", {"diagnosis.stage": "IIIC"}),
])
def test_setting_the_risk_field_silences_the_warning(text, silencer):
    assert consistency_problems(profile_with({"diagnosis.cancer_type_detail": text, **silencer})) == []


def test_risk_warnings_are_located_in_validate_build_and_batch(write, tmp_path):
    path = write("r.yaml", """\
        schema_version: 1
        patient:
          id: r-1
          name: Test Person
          age: 70
        diagnosis:
          cancer_type: squamous_cell_carcinoma
          cancer_type_detail: SCC, perineural invasion on the report
          diagnosed_by: dermatologist
        """)
    located = f"{path}:8:23: diagnosis.cancer_type_detail: warning: 'SCC, perineural invasion"
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and located in result.output
    built = CliRunner().invoke(cli, ["build", str(path), "-o", str(tmp_path / "one"), "--format", "html"])
    assert built.exit_code == 0 and located in built.output
    batch = CliRunner().invoke(cli, ["batch", str(path), "-o", str(tmp_path / "all"), "--format", "html"])
    assert batch.exit_code == 0 and "perineural_invasion is not set" in batch.output
