"""The clinical review's findings, each tested as a class: stage, depth, immune status, HIV, honest
advice for low-value cases, words that fit the case, and sources per statement."""

from __future__ import annotations

import html as html_module
import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_guidance import IN_SITU, MELANOMA, NO_PLAN, WLE, guidance, ids, profile_with

from sop_packets.build import BuildOptions, make_packet
from sop_packets.cli import cli
from sop_packets.consistency import consistency_problems
from sop_packets.content import load_content
from sop_packets.guidance import RULES, build_guidance, every_source
from sop_packets.render import render_html
from sop_packets.rules_table import rules_markdown
from sop_packets.schema import Profile

CONTENT = load_content()
TODAY = date(2026, 11, 25)
ROOT = Path(__file__).parent.parent
PRIMARY_TUMOR_QUESTIONS = {"melanoma_breslow_depth", "melanoma_ulceration", "melanoma_mitotic_rate",
                           "melanoma_margins", "melanoma_sentinel_node", "sentinel_node_timing"}
INVASIVE_ONLY = {"melanoma_breslow_depth", "melanoma_ulceration", "melanoma_mitotic_rate", "melanoma_sentinel_node",
                 "sentinel_node_timing", "melanoma_drug_treatments", "melanoma_trials", "trials_for_me", "braf_testing"}


def packet_text(overrides: dict) -> str:
    """The visible text of the HTML packet for the base profile with these changes."""
    packet = make_packet(profile_with(overrides), BuildOptions(prepared_on=TODAY))
    body = render_html(packet).split("<body", 1)[1]
    return html_module.unescape(re.sub(r"<[^>]+>", " ", body))


def every_text(result) -> list[str]:
    texts = [*result.summary.diagnosis, result.urgency.text, result.urgency.doctor_said]
    for section in result.sections.values():
        texts += [t for item in section.items for t in (item.title, item.text)]
    return texts


# ---- 1. invasive melanoma with a wide excision booked: ask about the node biopsy first


@pytest.mark.parametrize("facts", [
    {"diagnosis.stage": "IB"}, {"diagnosis.stage": "IIA"}, {"diagnosis.stage": "IIC"},
    {"diagnosis.melanoma.breslow_mm": 0.8}, {"diagnosis.melanoma.breslow_mm": 1.6},
    {"diagnosis.stage": "IA", "diagnosis.melanoma.ulcerated": True}, {},  # stage unknown
])
def test_wide_excision_first_asks_about_the_node_biopsy(facts):
    result = guidance({**WLE, **facts, "treatment_plan.urgency_stated": "immediate"})
    assert ids(result, "next_steps")[:2] == ["ask_if_safe_to_wait", "ask_node_biopsy_first"]
    assert "staging_before_surgery" in ids(result, "indications")
    assert "sentinel_node_timing" in ids(result, "questions")
    assert "melanoma_sentinel_node" not in ids(result, "questions")  # asked once, in its timing form
    assert "same operation" in result.items("next_steps")[1].text


@pytest.mark.parametrize("facts", [
    {"diagnosis.stage": "IA", "diagnosis.melanoma.breslow_mm": 0.4, "diagnosis.melanoma.ulcerated": False},
    {"diagnosis.stage": "0"}, {"diagnosis.stage": "IIIB"}, {"diagnosis.stage": "IV"},
    {"treatment_plan.proposed": ["wide_local_excision", "sentinel_node_biopsy"]},
    {"treatment_plan.proposed": ["excision"]},
])
def test_no_node_biopsy_prompt_where_it_does_not_belong(facts):
    result = guidance({**WLE, **facts})
    assert "staging_before_surgery" not in ids(result, "indications")
    assert "sentinel_node_timing" not in ids(result, "questions")
    assert "ask_node_biopsy_first" not in ids(result, "next_steps")


@pytest.mark.parametrize(("facts", "level"), [
    ({"diagnosis.stage": "IIB"}, "urgent"), ({"diagnosis.stage": "IIC"}, "urgent"),
    ({"diagnosis.stage": "IIIA"}, "urgent"), ({"diagnosis.melanoma.breslow_mm": 4.2}, "urgent"),
    ({"diagnosis.melanoma.breslow_mm": 2.5, "diagnosis.melanoma.ulcerated": True}, "urgent"),
    ({"diagnosis.stage": "IIA"}, "prompt"), ({"diagnosis.stage": "IB"}, "prompt"),
    ({"diagnosis.melanoma.breslow_mm": 2.5, "diagnosis.melanoma.ulcerated": False}, "prompt"),
])
def test_melanoma_iib_and_higher_is_urgent_with_both_oncologists(facts, level):
    result = guidance({**MELANOMA, **facts})
    assert result.urgency.level == level
    both = {"medical_oncologist", "surgical_oncologist"} <= set(ids(result, "specialists"))
    assert both == (level == "urgent")
    assert ("melanoma_drug_treatments" in ids(result, "questions")) == (level == "urgent")


def test_stage_iii_and_iv_melanoma_ask_about_braf():
    for stage in ("III", "IIID", "IV", "IVA"):
        assert "braf_testing" in ids(guidance({**MELANOMA, "diagnosis.stage": stage}), "questions")
    for stage in ("0", "I", "IIC", "unknown"):
        assert "braf_testing" not in ids(guidance({**MELANOMA, "diagnosis.stage": stage}), "questions")


# ---- 2. melanoma in situ: no invasive-melanoma content


@pytest.mark.parametrize("site", ["back", "face", "arm", None])
def test_melanoma_in_situ_is_routine_without_invasive_questions(site):
    result = guidance({**IN_SITU, "diagnosis.body_site": site, **WLE, "diagnosis.stage": "0"})
    assert result.urgency.level == "routine"
    assert not INVASIVE_ONLY & set(ids(result, "questions"))
    assert "melanoma_specialist" not in ids(result, "specialists")
    assert "clinical_trials" not in result.sections
    assert not {"staging_before_surgery"} & set(ids(result, "indications"))
    assert "sentinel" not in " ".join(every_text(result)).lower()


def test_lentigo_maligna_or_in_situ_on_the_face_offers_mohs():
    assert "mohs_surgeon" in ids(guidance({**IN_SITU, "diagnosis.body_site": "face"}), "specialists")
    lentigo = {**MELANOMA, "diagnosis.melanoma.subtype": "lentigo_maligna", "diagnosis.body_site": "ear"}
    assert "mohs_surgeon" in ids(guidance(lentigo), "specialists")
    assert "mohs_surgeon" not in ids(guidance({**MELANOMA, "diagnosis.body_site": "face"}), "specialists")


# ---- 3. a weakened immune system changes the advice


@pytest.mark.parametrize("immune", [
    {"patient.weakened_immune_system": True}, {"patient.immune_reasons": ["organ_transplant"]},
    {"patient.immune_reasons": ["blood_cancer"]}, {"patient.immune_reasons": ["hiv"]},
    {"patient.immune_reasons": ["immune_medicines"]},
])
def test_weakened_immune_system_makes_scc_high_risk(immune):
    scc = {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "back",
           "diagnosis.size_mm": 15}
    assert guidance(scc).urgency.level == "routine"
    result = guidance({**scc, **immune})
    assert result.urgency.level == "prompt"
    assert "radiation_oncologist" in ids(result, "specialists")
    assert "weakened_immune_system" in ids(result, "indications")
    assert "weakened_immune_system" in ids(result, "population_notes")
    assert {"scc_lymph_nodes", "scc_adjuvant"} <= set(ids(result, "questions"))


def test_transplant_patient_gets_the_transplant_team_and_medicines_question():
    result = guidance({"patient.immune_reasons": ["organ_transplant"]})
    assert "transplant_team" in ids(result, "specialists")
    question = next(i for i in result.items("questions") if i.id == "transplant_medicines")
    assert "anti-rejection" in question.text
    assert "transplant_team" not in ids(guidance({"patient.weakened_immune_system": True}), "specialists")


def test_merkel_names_a_weakened_immune_system_in_its_urgency():
    result = guidance({"diagnosis.cancer_type": "merkel_cell_carcinoma", "patient.immune_reasons": ["blood_cancer"]})
    assert result.urgency.level == "urgent"
    assert CONTENT["because"]["weakened_immune"] in result.urgency.because


def test_immune_reason_contradicting_the_flag_is_refused():
    with pytest.raises(ValueError, match="weakened_immune_system is false"):
        profile_with({"patient.weakened_immune_system": False, "patient.immune_reasons": ["organ_transplant"]})
    with pytest.raises(ValueError, match="hiv is negative"):
        profile_with({"patient.hiv": "negative", "patient.immune_reasons": ["hiv"]})


# ---- 4. Kaposi sarcoma with HIV


def test_hiv_related_kaposi_puts_hiv_treatment_first():
    result = guidance({"diagnosis.cancer_type": "kaposi_sarcoma", "patient.hiv": "positive"})
    assert ids(result, "specialists")[0] == "hiv_specialist"
    assert "hiv_treatment_first" in ids(result, "questions")
    labs = next(i for i in result.items("records") if i.id == "hiv_labs")
    assert "CD4 count" in labs.text and "viral load" in labs.text
    assert "hiv" in ids(result, "population_notes")
    plain = guidance({"diagnosis.cancer_type": "kaposi_sarcoma"})
    assert not {"hiv_specialist", "hiv_treatment_first", "hiv_labs"} & {
        i.id for s in plain.sections.values() for i in s.items}


# ---- 5. stage IV and "no options": no contradictions


@pytest.mark.parametrize("facts", [
    {**MELANOMA, "diagnosis.stage": "IV", **NO_PLAN},
    {**MELANOMA, "diagnosis.stage": "IVB", **NO_PLAN, "treatment_plan.urgency_stated": "immediate"},
    {**MELANOMA, "treatment_plan.told_no_options": True, **NO_PLAN},
    {"diagnosis.cancer_type": "merkel_cell_carcinoma", "diagnosis.stage": "IV", **NO_PLAN},
])
def test_stage_iv_or_no_options_packet_does_not_contradict_itself(facts):
    result = guidance(facts)
    assert "palliative_care" in ids(result, "specialists")
    assert "supportive_care" in ids(result, "questions")
    assert not PRIMARY_TUMOR_QUESTIONS & set(ids(result, "questions"))
    words = " ".join([result.urgency.text, result.urgency.doctor_said]).lower()
    assert "treatment date" not in words and "treatment appointments" not in words


def test_keep_only_in_a_clinicians_name_and_ask_only_with_a_proposed_treatment():
    with_plan = guidance({**MELANOMA, "diagnosis.stage": "III", "treatment_plan.urgency_stated": "immediate"})
    assert ids(with_plan, "next_steps")[0] == "ask_if_safe_to_wait"
    assert "Keep" not in with_plan.urgency.text + with_plan.urgency.doctor_said
    assert "Do not cancel or skip care on your own" in with_plan.urgency.text
    answered = guidance({**MELANOMA, "diagnosis.stage": "III", "treatment_plan.timing_answer.safe_to_wait": "no",
                         "treatment_plan.timing_answer.said_by": "Dr. Ana Ruiz"})
    assert "Keep the date Dr. Ana Ruiz set" in answered.items("next_steps")[0].text
    for level_case in ({**MELANOMA, "diagnosis.stage": "III", **NO_PLAN}, NO_PLAN, {**IN_SITU, **NO_PLAN}):
        result = guidance({**level_case, "treatment_plan.urgency_stated": "immediate"})
        assert "ask_if_safe_to_wait" not in ids(result, "next_steps")
        assert "Keep" not in result.urgency.text and "treatment date" not in result.urgency.doctor_said


# ---- 6. slow cancers and low-value second opinions


def test_early_mycosis_fungoides_is_routine_and_led_by_dermatologists():
    early = {"diagnosis.cancer_type": "skin_lymphoma", "diagnosis.lymphoma_type": "mycosis_fungoides",
             "treatment_plan.proposed": ["topical"]}
    for stage in ("I", "IA", "IB"):
        result = guidance({**early, "diagnosis.stage": stage})
        assert result.urgency.level == "routine"
        assert ids(result, "specialists")[0] == "lymphoma_dermatologist"
        assert "medical_oncologist" not in ids(result, "specialists")
        assert "cutaneous lymphoma clinic" in result.items("specialists")[0].find
    for facts in ({"diagnosis.stage": "IIB"}, {"diagnosis.stage": "IV"},
                  {"diagnosis.lymphoma_type": "sezary_syndrome"}, {"treatment_plan.proposed": ["chemotherapy"]}):
        assert "medical_oncologist" in ids(guidance({**early, "diagnosis.stage": "IA", **facts}), "specialists")


@pytest.mark.parametrize("kind", ["basal_cell_carcinoma", "squamous_cell_carcinoma"])
@pytest.mark.parametrize("site", ["back", "chest", "abdomen", "arm", "leg"])
def test_small_simple_trunk_or_limb_cancer_is_honestly_optional(kind, site):
    result = guidance({"diagnosis.cancer_type": kind, "diagnosis.body_site": site, "diagnosis.size_mm": 7,
                       "patient.age": 80})
    assert ids(result, "indications")[0] == "second_opinion_optional"
    assert result.urgency.level == "routine"
    assert not {"mohs_surgeon", "radiation_oncologist"} & set(ids(result, "specialists"))
    assert "mohs" not in " ".join(i.text for i in result.items("questions")).lower()
    assert "optional" in result.items("indications")[0].title.lower()


@pytest.mark.parametrize("facts", [
    {"diagnosis.size_mm": 10}, {"diagnosis.size_mm": None}, {"diagnosis.body_site": "nose"},
    {"diagnosis.body_site": "hand"}, {"diagnosis.recurrent": True}, {"patient.weakened_immune_system": True},
    {"concerns.cosmetic": True}, {"concerns.scarring": True}, {"patient.age": 12},
    {"diagnosis.diagnosed_by": "primary_care"}, {"diagnosis.pathology.borderline": True},
    {"diagnosis.confirmed_by_biopsy": False}, {"diagnosis.cancer_type": "melanoma"},
    {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.high_risk": True},
])
def test_second_opinion_is_not_called_optional_when_something_adds_risk(facts):
    result = guidance({"diagnosis.size_mm": 6, **facts})
    assert "second_opinion_optional" not in ids(result, "indications")


# ---- 7. words that are right for the case

CALLS_IT_CANCER = re.compile(r"\b(?:your|my|the|this|his|her|their|child's)\s+(?:skin\s+)?cancer\b(?! (?:center|doctor))",
                             re.IGNORECASE)


UNCERTAIN_CASES = [
    {"patient.age": 8}, {"patient.age": 45, "diagnosis.recurrent": True, "diagnosis.high_risk": True},
    {"patient.age": 70, "diagnosis.stage": "III", "treatment_plan.proposed": ["radiation", "mohs_surgery"],
     "treatment_plan.reconstruction": True, "patient.immune_reasons": ["organ_transplant"]},
    {"patient.age": 50, "treatment_plan.told_no_options": True, "patient.seeking_care_abroad": True,
     "patient.pregnant": True, "concerns.clinical_trials": True, "preferences.telemedicine": True},
    {"patient.age": 16, "diagnosis.stage": "IV", "treatment_plan.proposed": ["immunotherapy", "sentinel_node_biopsy"],
     "patient.hiv": "positive", "diagnosis.rapidly_changing": True},
]


@pytest.mark.parametrize("facts", UNCERTAIN_CASES)
def test_an_uncertain_growth_is_never_called_cancer(facts):
    facts = {"diagnosis.cancer_type": "uncertain", "diagnosis.body_site": "leg", **facts}
    result = guidance(facts)
    for text in [*every_text(result), *result.summary.plan, *(b for s in result.sections.values()
                                                                for i in s.items for b in i.because)]:
        assert not CALLS_IT_CANCER.search(text), text
    assert "It may not be cancer" in " ".join(result.summary.diagnosis)
    assert "pediatric_oncologist" not in ids(result, "specialists")
    full = packet_text(facts)
    page = full.rsplit(CONTENT["tools"]["glossary"]["title"], 1)[0]
    assert not CALLS_IT_CANCER.search(page), CALLS_IT_CANCER.search(page)
    cover = CONTENT["tools"]["cover"]
    assert cover["title_not_cancer"] in page or cover["title_not_cancer_about"] in page  # a parent reads for a child
    letter = full.rsplit(CONTENT["tools"]["letter"]["title"], 1)[1].split(CONTENT["tools"]["summary"]["title"])[0]
    assert "skin growth" in letter and "skin cancer" not in letter


def test_child_packet_questions_and_letter_speak_for_the_parent():
    facts = {"diagnosis.cancer_type": "uncertain", "patient.age": 9}
    result = guidance(facts)
    for item in result.items("questions"):
        assert not re.search(r"\b(?:I|me|my)\b(?! child)", item.text), item.text
    page = packet_text(facts)
    assert "I am the parent or legal guardian of the patient named above" in page
    assert "Parent or guardian:" in page and "Signature of parent or guardian" in page
    adult = packet_text({"patient.age": 40})
    assert "parent or legal guardian" not in adult


def test_every_question_can_be_asked_by_a_parent():
    for item_id, entry in CONTENT["questions"].items():
        assert not re.search(r"\b(?:I|me|my)\b", entry["text"]), item_id


@pytest.mark.parametrize(("kind", "stage", "expected", "absent"), [
    ("basal_cell_carcinoma", "unknown", "usually not given a stage", "stage (how far"),
    ("basal_cell_carcinoma", "II", "usually not given a stage", "thicker"),
    ("melanoma", "IIIB", "nearby lymph nodes", "usually not given"),
    ("melanoma", "0", "melanoma in situ", "spread"),
    ("squamous_cell_carcinoma", "III", "larger than 4 cm", "melanoma"),
    ("merkel_cell_carcinoma", "II", "larger than 2 cm", "melanoma"),
    ("skin_lymphoma", "IB", "patches", "melanoma"),
    ("kaposi_sarcoma", "II", "Ask the doctor what this stage means", "melanoma"),
])
def test_stage_sentence_fits_the_cancer_type(kind, stage, expected, absent):
    overrides = {"diagnosis.cancer_type": kind, "diagnosis.stage": stage}
    if kind == "skin_lymphoma":
        overrides["diagnosis.lymphoma_type"] = "mycosis_fungoides"
    summary = " ".join(guidance(overrides).summary.diagnosis)
    assert expected in summary and absent not in summary
    assert stage == "unknown" or f"stage {stage}" in summary


def test_pregnancy_note_never_suggests_waiting_until_after_the_birth():
    note = next(i for i in guidance({"patient.pregnant": True}).items("population_notes") if i.id == "pregnancy")
    assert "not put off" in note.text
    assert not re.search(r"after (?:the|your) (?:birth|baby|delivery)", note.text, re.IGNORECASE)


def test_original_medicare_gets_no_network_step():
    medicare = guidance({"insurance.coverage_type": "medicare", "insurance.network": "unknown"})
    assert "network_check" not in ids(medicare, "insurance_steps")
    assert "medicare_part_b" in ids(medicare, "insurance_steps")
    advantage = guidance({"insurance.coverage_type": "medicare_advantage", "insurance.network": "unknown"})
    assert "network_check" in ids(advantage, "insurance_steps")
    assert "network_check" not in ids(guidance({"insurance.coverage_type": "none"}), "insurance_steps")


# ---- 8. sources per statement


# Items no public source states in these words: they cite nothing rather than a source that does not say it.
NO_SOURCE = {"plastic_surgeon", "find_help_paying", "reconstruction_planned", "scarring_concern",
             "dermatologist", "check_coverage_options",
             # issue 25: no source confirmed for these yet (docs/safety.md lists them for a clinician to add)
             "sebaceous_carcinoma_care", "afx_pds_care", "condition_changes_choices", "oculoplastic_surgeon",
             "genetic_counselor", "cardiologist", "condition_doctor"}


def test_every_item_names_only_sources_that_exist_and_clinical_items_name_one():
    known = set(CONTENT["sources"])
    for section in RULES:
        for item_id, entry in CONTENT[section].items():
            assert isinstance(entry.get("sources"), list | dict), f"{section}.{item_id} has no sources list"
            assert set(every_source(entry["sources"])) <= known, f"{section}.{item_id}"
            if section in ("indications", "specialists", "next_steps") and item_id not in NO_SOURCE:
                assert every_source(entry["sources"]), f"{section}.{item_id}"
    for source in CONTENT["sources"].values():
        assert source["organization"].strip() and source["title"].strip()


@pytest.mark.parametrize("kind", ["basal_cell_carcinoma", "squamous_cell_carcinoma", "merkel_cell_carcinoma",
                                  "skin_lymphoma", "kaposi_sarcoma", "other", "uncertain"])
def test_melanoma_guide_is_cited_only_on_melanoma_packets(kind):
    melanoma_guide = CONTENT["sources"]["nccn_melanoma"]["title"]
    other = packet_text({**WLE, "diagnosis.cancer_type": kind, "diagnosis.stage": "IV"})
    assert melanoma_guide not in other
    assert melanoma_guide in packet_text(MELANOMA)


def test_packet_lists_exactly_the_sources_its_items_used():
    profile = profile_with({"diagnosis.cancer_type": "kaposi_sarcoma", "patient.hiv": "positive"})
    packet = make_packet(profile, BuildOptions(prepared_on=TODAY))
    page = html_module.unescape(render_html(packet))
    listed = page.split('id="sources-title"', 1)[1]
    used = set(packet.guidance.source_ids()) | set(CONTENT["tools"]["sources"]["always"])
    for key, source in CONTENT["sources"].items():
        assert (source["title"] in listed) == (key in used), key
    assert "NCCN Guidelines for Patients: Melanoma" not in listed


def test_explain_json_gives_sources_per_item():
    path = ROOT / "profiles" / "ex-12-melanoma-stage-iib-before-surgery.yaml"
    result = CliRunner().invoke(cli, ["explain", str(path), "--json", "--date", "2026-11-25"])
    data = json.loads(result.output)
    assert data["indications"][0] == {**data["indications"][0], "id": "staging_before_surgery",
                                      "sources": ["nccn_melanoma"]}
    assert all(isinstance(item["sources"], list) for item in data["questions"])
    assert data["urgency"]["sources"] == []  # prompt: no source says "within days" (docs/sources.md)


# ---- the rule table, free-text warnings and the schema additions


def test_rules_command_prints_the_documented_table():
    result = CliRunner().invoke(cli, ["rules"])
    assert result.exit_code == 0
    assert result.output == (ROOT / "docs" / "guidance-ids.md").read_text(encoding="utf-8")
    for section, rules in RULES.items():
        for item_id in rules:
            assert f"| {item_id} |" in result.output, (section, item_id)


def test_rule_table_names_sources_by_organization_and_title():
    table = rules_markdown(CONTENT)
    assert "| palliative_care | stage IV, or told there are no options | National Cancer Institute: " \
           "Palliative Care in Cancer |" in table


@pytest.mark.parametrize(("comorbidity", "field_hint"), [
    ("kidney transplant 2015", "weakened_immune_system"), ("takes tacrolimus", "weakened_immune_system"),
    ("prednisone 20 mg daily", "weakened_immune_system"), ("chronic lymphocytic leukemia", "weakened_immune_system"),
    ("CLL, watch and wait", "weakened_immune_system"), ("HIV, on treatment", "patient.hiv"),
    ("pregnant, 20 weeks", "patient.pregnant"),
])
def test_free_text_that_contradicts_the_fields_is_a_warning(comorbidity, field_hint):
    problems = consistency_problems(profile_with({"patient.comorbidities": [comorbidity]}))
    assert any(field_hint in message for _field, message in problems)
    assert all(field == ("patient", "comorbidities", 0) for field, _message in problems)


@pytest.mark.parametrize("comorbidity", ["hearing loss (wears hearing aids)", "type 2 diabetes", "art teacher"])
def test_ordinary_conditions_give_no_warning(comorbidity):
    assert consistency_problems(profile_with({"patient.comorbidities": [comorbidity]})) == []


def test_stating_the_field_silences_the_warning():
    facts = {"patient.comorbidities": ["kidney transplant"], "patient.weakened_immune_system": False}
    assert consistency_problems(profile_with(facts)) == []


def test_validate_and_build_print_located_warnings_and_still_succeed(write, tmp_path):
    path = write("w.yaml", """\
        schema_version: 1
        patient:
          id: w-1
          name: Test Person
          age: 60
          comorbidities:
            - type 2 diabetes
            - liver transplant, on tacrolimus
        diagnosis:
          cancer_type: squamous_cell_carcinoma
          diagnosed_by: dermatologist
        """)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert f"{path}:8:7: patient.comorbidities[1]: warning: 'liver transplant, on tacrolimus'" in result.output
    assert "set patient.weakened_immune_system: true" in result.output
    built = CliRunner().invoke(cli, ["build", str(path), "-o", str(tmp_path / "out"), "--format", "html"])
    assert built.exit_code == 0 and "warning:" in built.output


@pytest.mark.parametrize(("written", "stage", "group"), [
    ("IIB", "IIB", "II"), ("stage iiic", "IIIC", "III"), ("4b", "IVB", "IV"), ("IA", "IA", "I"), ("0", "0", "0"),
])
def test_substages_are_kept_and_grouped(written, stage, group):
    profile = profile_with({"diagnosis.stage": written})
    assert profile.diagnosis.stage.value == stage and profile.diagnosis.stage.group == group


def test_new_fields_are_in_the_json_schema():
    schema = json.dumps(Profile.model_json_schema())
    for name in ("size_mm", "breslow_mm", "ulcerated", "lentigo_maligna", "lymphoma_type", "sezary_syndrome",
                 "weakened_immune_system", "immune_reasons", "organ_transplant", "on_hiv_treatment", "IIID", "IVB"):
        assert name in schema, name


def test_existing_example_packets_are_unchanged_where_new_facts_are_absent():
    base = build_guidance(profile_with({}), CONTENT, TODAY)
    explicit = build_guidance(profile_with({"patient.hiv": "unknown", "diagnosis.lymphoma_type": "unknown"}),
                              CONTENT, TODAY)
    assert base == explicit


def test_no_should_the_nodes_be_checked_question_once_they_are_known_to_hold_cancer():
    """A high-risk SCC asks whether the nodes should be checked, unless they already hold cancer."""
    scc = {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "back",
           "diagnosis.size_mm": 15, "patient.immune_reasons": ["organ_transplant"]}
    assert "scc_lymph_nodes" in ids(guidance(scc), "questions")
    for known in ({"diagnosis.stage": "III"}, {"diagnosis.clinical_nodes": True},
                  {"diagnosis.sentinel_node": "positive"}):
        assert "scc_lymph_nodes" not in ids(guidance({**scc, **known}), "questions"), known
