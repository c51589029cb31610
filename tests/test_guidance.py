"""Guidance rules: each fires exactly on the facts it names, with those facts as its reasons."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sop_packets.content import load_content
from sop_packets.guidance import PLACEHOLDER, RULES, SECTION_ORDER, build_guidance, facts_of
from sop_packets.schema import (
    Authority,
    BodySite,
    CancerType,
    CoverageType,
    Diagnoser,
    KaposiType,
    LymphomaType,
    MelanomaSubtype,
    Network,
    Performer,
    Preauthorization,
    Profile,
    SentinelNode,
    SideEffects,
    Stage,
    StatedUrgency,
    Therapy,
    TherapyStatus,
    Treatment,
)

TODAY = date(2026, 11, 25)
CONTENT = load_content()
BASE = {
    "schema_version": 1,
    "patient": {"id": "t-1", "name": "Test Person", "age": 50, "country": "US"},
    "diagnosis": {
        "cancer_type": "basal_cell_carcinoma", "diagnosed_by": "dermatologist", "body_site": "back",
        "confirmed_by_biopsy": True, "pathology": {"reviewed_by_dermatopathologist": True},
    },
    "treatment_plan": {"proposed": ["excision", "topical"], "alternatives_discussed": True},
    "insurance": {"coverage_type": "private", "preauthorization": "not_required", "network": "in_network"},
}


def profile_with(overrides: dict) -> Profile:
    data = copy.deepcopy(BASE)
    for dotted, value in overrides.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return Profile.model_validate(data)


def guidance(overrides: dict | None = None):
    return build_guidance(profile_with(overrides or {}), CONTENT, TODAY)


def ids(result, section: str) -> list[str]:
    return [item.id for item in result.items(section)]


def phrase(key: str, overrides: dict) -> str:
    facts = facts_of(profile_with(overrides), TODAY, CONTENT["words"])
    return PLACEHOLDER.sub(lambda m: facts.values[m.group(1)], CONTENT["because"][key])


SENSITIVE = ["face", "scalp", "ear", "nose", "lip", "eyelid", "neck", "hand", "foot", "genitals"]
MELANOMA = {"diagnosis.cancer_type": "melanoma"}
NO_PLAN = {"treatment_plan.proposed": []}
IN_SITU = {**MELANOMA, "diagnosis.stage": "0"}
WLE = {**MELANOMA, "treatment_plan.proposed": ["wide_local_excision"]}
SMALL_TRUNK_BCC = {"diagnosis.size_mm": 6}
KAPOSI_HIV = {"diagnosis.cancer_type": "kaposi_sarcoma", "patient.hiv": "positive"}
TRANSPLANT = {"patient.immune_reasons": ["organ_transplant"]}
NO_WAIT = {"treatment_plan.timing_answer.safe_to_wait": "no", "treatment_plan.timing_answer.said_by": "Dr. Ana Ruiz"}
CAN_WAIT = {"treatment_plan.timing_answer.safe_to_wait": "yes", "treatment_plan.timing_answer.said_by": "Dr. Ana Ruiz"}
HELPER = {"name": "Rosa Diaz", "relationship": "daughter", "phone": "(555) 010-3030"}
DFSP = {"diagnosis.cancer_type": "other", "diagnosis.cancer_type_detail": "dermatofibrosarcoma protuberans"}
OTHER = {"diagnosis.cancer_type": "other"}
NED = {"diagnosis.disease_state": "no_evidence_of_disease"}
WATCHING = {"diagnosis.disease_state": "watching", "treatment_plan.proposed": ["observation"]}
MUCOSAL = {**MELANOMA, "diagnosis.melanoma.subtype": "mucosal"}
ANGIO = {"diagnosis.cancer_type": "angiosarcoma"}
DLBCL = {"diagnosis.cancer_type": "skin_lymphoma", "diagnosis.lymphoma_type": "b_cell_large_leg_type"}
MF_EARLY = {"diagnosis.cancer_type": "skin_lymphoma", "diagnosis.lymphoma_type": "mycosis_fungoides",
            "diagnosis.stage": "IB"}
# (section, item id, overrides that make it fire, the because-key it must give, overrides where it
# must stay silent; None = the base profile)
CASES = [
    ("next_steps", "clinician_no_wait", NO_WAIT, "clinician_no_wait", None),
    ("next_steps", "clinician_can_wait", CAN_WAIT, "clinician_can_wait", None),
    ("next_steps", "ask_if_safe_to_wait", {}, "timing_not_asked", NO_PLAN),
    ("next_steps", "ask_if_safe_to_wait", {"treatment_plan.proposed": ["immunotherapy"]}, "treatment_planned",
     {"treatment_plan.proposed": ["observation"]}),
    ("next_steps", "call_insurance", NO_PLAN, "has_insurance", {**NO_PLAN, "insurance.coverage_type": "none"}),
    ("next_steps", "call_insurance", NO_PLAN, "has_insurance", {**NO_PLAN, "patient.care_setting": "prison"}),
    ("next_steps", "find_help_paying", {"insurance.needs_financial_help": True}, "needs_financial_help",
     {"insurance.needs_financial_help": True, "insurance.coverage_type": "none"}),
    ("next_steps", "check_coverage_options", {"insurance.coverage_type": "none"}, "coverage_none", None),
    ("next_steps", "book_visit", NO_PLAN, "everyone", "always"),
    ("access", "relay_deaf", {"patient.communication": ["deaf_sign_language"]}, "deaf_sign_language", None),
    ("access", "captions_hard_of_hearing", {"patient.communication": ["hard_of_hearing"]}, "hard_of_hearing",
     {"patient.communication": ["hard_of_hearing", "deaf_sign_language"]}),
    ("access", "helper_calls", {"patient.communication": ["no_phone"], "patient.helper": HELPER}, "no_phone_helper",
     {"patient.helper": HELPER}),
    ("access", "no_phone_navigator", {"patient.communication": ["no_phone"]}, "no_phone_no_helper",
     {"patient.communication": ["no_phone"], "patient.helper": HELPER}),
    ("access", "prison_health_services", {"patient.care_setting": "prison"}, "in_prison", None),
    ("access", "va_care_team", {"patient.care_setting": "veterans_affairs"}, "veterans_affairs", None),
    ("alerts", "immunotherapy_warning_signs", {"current_treatment.therapies": ["immunotherapy"]}, "on_immunotherapy",
     {"current_treatment.therapies": ["immunotherapy"], "current_treatment.status": "stopped",
      "current_treatment.stopped_on": "2025-01-10", "current_treatment.serious_side_effects": "none"}),
    ("alerts", "immunotherapy_warning_signs",
     {"current_treatment.therapies": ["immunotherapy"], "current_treatment.status": "stopped",
      "current_treatment.stopped_on": "2024-01-10", "current_treatment.serious_side_effects": "past"},
     "on_immunotherapy", {"current_treatment.therapies": ["chemotherapy"]}),
    ("alerts", "targeted_therapy_warning_signs", {"current_treatment.therapies": ["targeted_therapy"]},
     "on_targeted_therapy", {"current_treatment.therapies": ["radiation"]}),
    ("indications", "completion_dissection_choice",
     {**MELANOMA, "diagnosis.sentinel_node": "positive", "treatment_plan.proposed": ["lymph_node_dissection"]},
     "completion_dissection", {**MELANOMA, "diagnosis.sentinel_node": "positive", "diagnosis.clinical_nodes": True,
                               "treatment_plan.proposed": ["lymph_node_dissection"]}),
    ("indications", "team_for_node_test",
     {**WLE, "diagnosis.melanoma.breslow_mm": 1.2, "treatment_plan.performed_by": "dermatologist",
      "treatment_plan.proposed": ["wide_local_excision", "sentinel_node_biopsy"]}, "team_cannot_complete",
     {**WLE, "diagnosis.melanoma.breslow_mm": 1.2, "treatment_plan.performed_by": "surgical_oncologist",
      "treatment_plan.proposed": ["wide_local_excision", "sentinel_node_biopsy"]}),
    ("indications", "sezary_first_treatment", {"diagnosis.cancer_type": "skin_lymphoma",
                                               "diagnosis.lymphoma_type": "sezary_syndrome",
                                               "treatment_plan.proposed": ["chemotherapy"]}, "lymphoma_chemotherapy",
     {"diagnosis.cancer_type": "skin_lymphoma", "treatment_plan.proposed": ["photopheresis"]}),
    ("specialists", "radiation_oncologist", {**MELANOMA, "diagnosis.melanoma.subtype": "desmoplastic"},
     "desmoplastic_melanoma", MELANOMA),
    ("specialists", "radiation_oncologist", {"diagnosis.cancer_type": "kaposi_sarcoma", "diagnosis.kaposi_type": "classic",
                                             "patient.hiv": "negative"}, "kaposi_classic",
     {"diagnosis.cancer_type": "kaposi_sarcoma", "diagnosis.kaposi_type": "classic", "patient.hiv": "negative",
      "diagnosis.stage": "IV"}),
    ("specialists", "mohs_surgeon", {"diagnosis.cancer_type": "other",
                                     "diagnosis.cancer_type_detail": "dermatofibrosarcoma protuberans (DFSP)"}, "dfsp",
     {"diagnosis.cancer_type": "other"}),
    ("specialists", "dermatopathologist", {"diagnosis.cancer_type": "other",
                                           "diagnosis.cancer_type_detail": "Dermatofibrosarcoma protuberans"}, "dfsp",
     {"diagnosis.cancer_type": "other"}),
    ("specialists", "surgical_oncologist", {**WLE, "diagnosis.stage": "IB"}, "team_cannot_complete",
     {**WLE, "diagnosis.stage": "IB", "diagnosis.sentinel_node": "negative"}),
    ("records", "representative_papers", {"patient.age": 86, "patient.decides_for_self": False,
                                          "patient.representative": {"name": "Ann Lee", "authority": "health_care_agent"}},
     "represented", {"patient.age": 86, "patient.representative": {"name": "Ann Lee", "authority": "caregiver"}}),
    ("records", "treatment_now_records", {"current_treatment.therapies": ["targeted_therapy"]}, "on_targeted_therapy",
     None),
    ("questions", "node_ultrasound_instead",
     {**MELANOMA, "treatment_plan.proposed": ["completion_lymph_node_dissection"]}, "completion_dissection", None),
    ("questions", "melanoma_drug_choices", {**MELANOMA, "diagnosis.stage": "IV"}, "stage_IV",
     {**MELANOMA, "diagnosis.stage": "IIIB"}),
    ("questions", "teen_voice", {"patient.age": 16}, "teen", {"patient.age": 12}),
    *[("insurance_steps", q, {"insurance.coverage_type": "none"}, "coverage_none", None)
      for q in ("uninsured_medicaid", "uninsured_marketplace", "uninsured_hospital_help")],
    # an uninsured patient of 65 or older is told about Medicare first; a younger one is not
    ("insurance_steps", "uninsured_medicare", {"insurance.coverage_type": "none", "patient.age": 71}, "age_65_plus",
     {"insurance.coverage_type": "none", "patient.age": 64}),
    ("insurance_steps", "abroad_home_plan", {"patient.seeking_care_abroad": True}, "abroad_with_insurance",
     {"patient.seeking_care_abroad": True, "insurance.coverage_type": "none"}),
    ("insurance_steps", "abroad_estimate", {"patient.seeking_care_abroad": True}, "care_abroad", None),
    ("population_notes", "pregnancy_radiation", {"patient.pregnant": True, "treatment_plan.proposed": ["radiation"]},
     "pregnant", {"treatment_plan.proposed": ["radiation"]}),
    ("population_notes", "representative", {"patient.decides_for_self": False,
                                            "patient.representative": {"name": "Ann Lee", "authority": "guardian"}},
     "represented", None),
    ("population_notes", "teen", {"patient.age": 13}, "teen", {"patient.age": 18}),
    ("indications", "no_treatment_options", {"treatment_plan.told_no_options": True}, "told_no_options", None),
    ("indications", "pathology_uncertain", {"diagnosis.pathology.borderline": True}, "pathology_borderline", None),
    ("indications", "pathology_uncertain", {"diagnosis.pathology.insufficient_tissue": True},
     "pathology_insufficient_tissue", None),
    ("indications", "pathology_uncertain", {"diagnosis.pathology.differential": True}, "pathology_differential", None),
    ("indications", "pathology_uncertain", {"diagnosis.pathology.differential_diagnoses": ["eczema"]},
     "pathology_differential", None),
    ("indications", "pathology_uncertain", {**MELANOMA, "diagnosis.pathology.reviewed_by_dermatopathologist": False},
     "melanoma_not_read_by_dermatopathologist", MELANOMA),
    ("indications", "non_specialist_diagnosis", {"diagnosis.diagnosed_by": "primary_care"},
     "diagnosed_by_primary_care", {"diagnosis.diagnosed_by": "surgeon"}),
    ("indications", "non_specialist_diagnosis", {"diagnosis.diagnosed_by": "other"}, "diagnosed_by_other", None),
    *[("indications", "rare_cancer_type", {"diagnosis.cancer_type": t}, f"type_{k}", MELANOMA)
      for t, k in [("merkel_cell_carcinoma", "merkel"), ("skin_lymphoma", "lymphoma"),
                   ("kaposi_sarcoma", "kaposi"), ("angiosarcoma", "angiosarcoma"),
                   ("sebaceous_carcinoma", "sebaceous"), ("uncertain", "uncertain")]],
    ("indications", "rare_cancer_type", DFSP, "type_other", {"diagnosis.cancer_type": "other"}),
    ("indications", "melanoma_specialist_review", MELANOMA, "invasive_melanoma", {**MELANOMA, "diagnosis.stage": "0"}),
    ("indications", "recurrent_cancer", {"diagnosis.recurrent": True}, "recurrent", None),
    ("indications", "single_treatment_option",
     {"treatment_plan.proposed": ["excision"], "treatment_plan.alternatives_discussed": False},
     "one_treatment_proposed", {"treatment_plan.proposed": ["excision"]}),
    ("indications", "single_treatment_option",
     {"treatment_plan.proposed": ["excision"], "treatment_plan.alternatives_discussed": False},
     "alternatives_not_discussed", {"treatment_plan.alternatives_discussed": False}),
    ("indications", "aggressive_treatment", {"treatment_plan.extensive_surgery": True}, "extensive_surgery", None),
    ("indications", "insurance_requires", {"insurance.requires_second_opinion": True}, "insurance_requires", None),
    *[("indications", "cosmetically_sensitive_site", {"diagnosis.body_site": site}, "sensitive_site",
       {"diagnosis.body_site": "leg"}) for site in SENSITIVE],
    ("indications", "reconstruction_planned", {"treatment_plan.reconstruction": True}, "reconstruction", None),
    ("indications", "scarring_concern", {"concerns.cosmetic": True}, "concern_cosmetic", None),
    ("indications", "scarring_concern", {"concerns.scarring": True}, "concern_scarring", None),
    ("indications", "poor_communication", {"concerns.poor_communication": True}, "concern_poor_communication", None),
    ("indications", "low_confidence", {"concerns.low_confidence": True}, "concern_low_confidence", None),
    ("specialists", "melanoma_specialist", MELANOMA, "invasive_melanoma", {**MELANOMA, "diagnosis.stage": "0"}),
    ("specialists", "pediatric_oncologist", {"patient.age": 12}, "child", {"patient.age": 18}),
    ("specialists", "maternal_fetal_medicine", {"patient.pregnant": True}, "pregnant", None),
    ("specialists", "dermatopathologist", {"diagnosis.pathology.borderline": True}, "pathology_borderline", None),
    ("specialists", "dermatopathologist", {"diagnosis.cancer_type": "uncertain"}, "type_uncertain", None),
    ("specialists", "medical_oncologist", {"diagnosis.stage": "III"}, "stage_III", {"diagnosis.stage": "II"}),
    ("specialists", "medical_oncologist", {"treatment_plan.proposed": ["immunotherapy"]},
     "systemic_proposed", None),
    ("specialists", "medical_oncologist", {"diagnosis.cancer_type": "skin_lymphoma"}, "type_lymphoma", None),
    ("specialists", "medical_oncologist", {"diagnosis.cancer_type": "kaposi_sarcoma"}, "type_kaposi", None),
    ("specialists", "surgical_oncologist", {**MELANOMA, "treatment_plan.extensive_surgery": True},
     "extensive_surgery", None),
    # a BCC with no node disease: a large surgery brings the cancer surgeon in, as "rarely needed" (issue 28)
    ("specialists", "surgical_oncologist", {"treatment_plan.extensive_surgery": True}, "surgeon_rarely_needed",
     None),
    ("specialists", "surgical_oncologist", {"treatment_plan.proposed": ["lymph_node_dissection"]},
     "proposed_lymph_node_dissection", None),
    ("specialists", "surgical_oncologist", {"diagnosis.stage": "IV"}, "stage_IV", None),
    ("specialists", "radiation_oncologist", {"treatment_plan.proposed": ["radiation"]}, "proposed_radiation", None),
    ("specialists", "radiation_oncologist", {"diagnosis.cancer_type": "merkel_cell_carcinoma"}, "type_merkel", None),
    ("specialists", "radiation_oncologist",
     {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.high_risk": True}, "high_risk",
     {"diagnosis.cancer_type": "squamous_cell_carcinoma"}),
    ("specialists", "radiation_oncologist", {"patient.age": 80}, "older_adult", {"patient.age": 74}),
    ("specialists", "mohs_surgeon", {"diagnosis.body_site": "nose"}, "risk_site_head_neck",
     {**MELANOMA, "diagnosis.body_site": "nose"}),
    ("specialists", "mohs_surgeon", {"diagnosis.size_mm": 25}, "risk_size_over_20mm", None),
    ("specialists", "surgical_oncologist", {"diagnosis.cancer_type": "squamous_cell_carcinoma",
                                            "diagnosis.pathology.invasion_beyond_fat": True},
     "risk_deep_invasion", {"diagnosis.pathology.invasion_beyond_fat": True}),
    ("specialists", "radiation_oncologist", {"diagnosis.nerve_symptoms": True}, "nerve_symptoms",
     {**MELANOMA, "diagnosis.nerve_symptoms": True}),
    ("specialists", "mohs_surgeon", {"concerns.scarring": True}, "concern_scarring",
     {"concerns.scarring": True, "diagnosis.primary_removed": True}),
    ("specialists", "mohs_surgeon", {"diagnosis.recurrent": True}, "recurrent", None),
    ("specialists", "plastic_surgeon", {"treatment_plan.reconstruction": True}, "reconstruction", None),
    ("specialists", "dermatologist", {**MELANOMA, "diagnosis.diagnosed_by": "primary_care"},
     "not_seen_by_skin_specialist", MELANOMA),
    ("specialists", "dermatologist", {}, "type_bcc", MELANOMA),
    ("records", "treatment_plan_written", {}, "treatment_proposed", NO_PLAN),
    ("records", "imaging", {"diagnosis.stage": "III"}, "stage_III", None),
    ("records", "imaging", {"diagnosis.cancer_type": "merkel_cell_carcinoma"}, "type_merkel", None),
    ("records", "operative_reports", {"diagnosis.recurrent": True}, "recurrent", None),
    ("records", "health_conditions_list", {"patient.comorbidities": ["diabetes"]}, "comorbidities", None),
    ("records", "prenatal_summary", {"patient.pregnant": True}, "pregnant", None),
    ("records", "photos", {"preferences.telemedicine": True}, "telemedicine_preference", None),
    ("records", "photos", {"concerns.travel": True}, "concern_travel", None),
    ("records", "photos", {"patient.seeking_care_abroad": True}, "care_abroad", None),
    ("records", "translated_summary", {"patient.seeking_care_abroad": True}, "care_abroad", None),
    ("records", "customs_letter", {**MELANOMA, "patient.seeking_care_abroad": True}, "care_abroad",
     {"patient.seeking_care_abroad": True}),
    ("records", "insurance_card", {}, "has_insurance", {"insurance.coverage_type": "none"}),
    ("records", "referral", {"insurance.preauthorization": "required"}, "preauth_required", None),
    ("records", "referral", {"insurance.coverage_type": "medicare_advantage"}, "coverage_medicare_advantage", None),
    ("records", "referral", {"insurance.requires_second_opinion": True}, "insurance_requires", None),
    ("records", "guardian_signature", {"patient.age": 9}, "child", None),
    ("questions", "pathology_second_read", {"diagnosis.pathology.borderline": True}, "pathology_borderline", None),
    *[("questions", q, MELANOMA, "invasive_melanoma", {**MELANOMA, "diagnosis.stage": "0"}) for q in (
        "melanoma_breslow_depth", "melanoma_ulceration", "melanoma_mitotic_rate", "melanoma_sentinel_node",
        "melanoma_stage")],
    ("questions", "melanoma_margins", {**MELANOMA, "diagnosis.stage": "0"}, "type_melanoma",
     {**MELANOMA, "diagnosis.stage": "IV"}),
    *[("questions", q, {}, "type_bcc", MELANOMA) for q in ("bcc_options", "bcc_recurrence", "bcc_cosmetic_result")],
    ("questions", "scc_risk_level", {"diagnosis.cancer_type": "squamous_cell_carcinoma"}, "type_scc", None),
    *[("questions", q, {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "ear"},
       "risk_site_head_neck", {"diagnosis.cancer_type": "squamous_cell_carcinoma"})
      for q in ("scc_lymph_nodes", "scc_adjuvant", "margin_checked_surgery")],
    ("questions", "margin_checked_surgery", {"diagnosis.body_site": "foot"}, "risk_site_hands_feet_genitals",
     {"diagnosis.body_site": "foot", "treatment_plan.proposed": ["mohs_surgery"]}),
    *[("questions", "nerve_imaging", {"diagnosis.cancer_type": kind, **nerve}, because,
       {"diagnosis.cancer_type": "melanoma", **nerve})
      for kind in ("squamous_cell_carcinoma", "basal_cell_carcinoma")
      for nerve, because in (({"diagnosis.nerve_symptoms": True}, "nerve_symptoms"),
                             ({"diagnosis.pathology.perineural_invasion": True}, "risk_perineural"))],
    ("questions", "derived_stage", {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "scalp",
                                    "diagnosis.size_mm": 24}, "stage_derived",
     {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "back", "diagnosis.size_mm": 24}),
    ("questions", "derived_stage", {**MELANOMA, "diagnosis.melanoma.breslow_mm": 1.2}, "stage_derived",
     {**MELANOMA, "diagnosis.melanoma.breslow_mm": 1.2, "diagnosis.stage": "IB"}),
    ("questions", "merkel_team", {"diagnosis.cancer_type": "merkel_cell_carcinoma"}, "type_merkel", None),
    ("questions", "rare_experience", {"diagnosis.cancer_type": "kaposi_sarcoma"}, "type_kaposi",
     {"diagnosis.cancer_type": "merkel_cell_carcinoma"}),
    ("questions", "why_this_plan", {}, "treatment_proposed", NO_PLAN),
    ("questions", "side_effects", {}, "treatment_planned", {"treatment_plan.proposed": ["observation"]}),
    ("questions", "doctor_said_immediately", {"treatment_plan.urgency_stated": "immediate"}, "stated_immediate",
     {"treatment_plan.urgency_stated": "within_weeks"}),
    # (a BCC's own scar question, bcc_cosmetic_result, covers the same ground: the case is a melanoma)
    ("questions", "scarring_result", {**MELANOMA, "concerns.scarring": True}, "concern_scarring",
     {**MELANOMA, "concerns.scarring": True, "diagnosis.primary_removed": True, "treatment_plan.proposed": []}),
    ("questions", "scarring_result", {**MELANOMA, "diagnosis.body_site": "lip"}, "sensitive_site", None),
    ("questions", "cost_estimate", {"concerns.cost": True}, "concern_cost", None),
    ("questions", "cost_estimate", {"insurance.needs_financial_help": True}, "needs_financial_help", None),
    ("questions", "trials_for_me", {"concerns.clinical_trials": True}, "concern_clinical_trials", None),
    ("questions", "trials_for_me", {"diagnosis.stage": "IV"}, "stage_IV", None),
    ("questions", "trials_for_me", {"treatment_plan.told_no_options": True}, "told_no_options", None),
    ("questions", "pregnancy_safety", {"patient.pregnant": True}, "pregnant", None),
    ("questions", "child_long_term", {"patient.age": 4}, "child", None),
    ("questions", "older_adult_gentler_options", {"patient.age": 75, "preferences.risk_tolerance": "conservative"},
     "risk_conservative", {"patient.age": 90}),
    ("questions", "older_adult_gentler_options", {"patient.age": 66, "patient.comorbidities": ["heart failure"]},
     "comorbidities", {"patient.age": 64, "patient.comorbidities": ["heart failure"]}),
    ("insurance_steps", "insurer_requires", {"insurance.requires_second_opinion": True}, "insurance_requires", None),
    ("insurance_steps", "preauthorization_required", {"insurance.preauthorization": "required"},
     "preauth_required", None),
    ("insurance_steps", "preauthorization_check", {"insurance.preauthorization": "unknown"}, "preauth_unknown", None),
    ("insurance_steps", "network_check", {"insurance.network": "unknown"}, "network_unknown",
     {"insurance.network": "out_of_network"}),
    ("insurance_steps", "network_check", {}, "network_in", {"insurance.network": "out_of_network"}),
    ("insurance_steps", "out_of_network_costs", {"insurance.network": "out_of_network"}, "network_out", None),
    ("insurance_steps", "documentation", {"insurance.preauthorization": "required"}, "preauth_required", None),
    ("insurance_steps", "documentation", {"insurance.requires_second_opinion": True}, "insurance_requires", None),
    ("insurance_steps", "medicare_part_b", {"insurance.coverage_type": "medicare"}, "medicare_us",
     {"insurance.coverage_type": "medicare", "patient.country": "CA"}),
    ("insurance_steps", "medicare_advantage", {"insurance.coverage_type": "medicare_advantage"},
     "medicare_advantage_us", {"insurance.coverage_type": "medicare"}),
    ("insurance_steps", "medicaid", {"insurance.coverage_type": "medicaid"}, "coverage_medicaid", None),
    ("insurance_steps", "no_insurance", {"insurance.coverage_type": "none"}, "coverage_none", None),
    ("insurance_steps", "travel_costs", {"concerns.travel": True}, "concern_travel", None),
    ("insurance_steps", "travel_costs", {"patient.seeking_care_abroad": True}, "care_abroad", None),
    ("insurance_steps", "financial_help", {"insurance.needs_financial_help": True}, "needs_financial_help", None),
    ("insurance_steps", "financial_help", {"concerns.cost": True}, "concern_cost", None),
    ("population_notes", "child", {"patient.age": 17}, "child", {"patient.age": 18}),
    ("population_notes", "pregnancy", {"patient.pregnant": True}, "pregnant", None),
    ("population_notes", "older_adult", {"patient.age": 86}, "age_75_plus", {"patient.age": 70}),
    ("population_notes", "care_abroad", {"patient.seeking_care_abroad": True}, "care_abroad", None),
    ("population_notes", "language_support", {"patient.language": "es"}, "language_not_english",
     {"patient.language": "en-US"}),
    *[("telemedicine", t, {"preferences.telemedicine": True}, "telemedicine_preference", None)
      for t in ("telemedicine_option", "photo_quality", "slides_by_mail", "telemedicine_limits")],
    *[("clinical_trials", t, {"concerns.clinical_trials": True}, "concern_clinical_trials", None)
      for t in ("trials_why", "trials_where", "trials_eligibility")],
    ("differing_opinions", "risk_tolerance", {"preferences.risk_tolerance": "conservative"}, "risk_conservative",
     "always"),
    # ---- issue 9: stage, depth, immune status, HIV, low-value cases
    ("indications", "second_opinion_optional", SMALL_TRUNK_BCC, "small_tumor", {"diagnosis.size_mm": 10}),
    ("indications", "second_opinion_optional", SMALL_TRUNK_BCC, "trunk_or_limb",
     {**SMALL_TRUNK_BCC, "diagnosis.body_site": "face"}),
    ("indications", "second_opinion_optional", {**SMALL_TRUNK_BCC, "diagnosis.cancer_type": "squamous_cell_carcinoma"},
     "type_scc", {**SMALL_TRUNK_BCC, "diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.high_risk": True}),
    ("questions", "low_risk_options", SMALL_TRUNK_BCC, "small_tumor", {**SMALL_TRUNK_BCC, "diagnosis.recurrent": True}),
    *[(s, i, {**WLE, "diagnosis.stage": "IIB"}, "melanoma_stage_IB_II",
       {**WLE, "diagnosis.stage": "IIB", "treatment_plan.proposed": ["wide_local_excision", "sentinel_node_biopsy"]})
      for s, i in (("indications", "staging_before_surgery"), ("questions", "sentinel_node_timing"),
                   ("next_steps", "ask_node_biopsy_first"))],
    ("indications", "staging_before_surgery", {**WLE, "diagnosis.melanoma.breslow_mm": 0.8}, "breslow_08",
     {**WLE, "diagnosis.stage": "IA", "diagnosis.melanoma.breslow_mm": 0.5, "diagnosis.melanoma.ulcerated": False}),
    ("indications", "staging_before_surgery", {**WLE, "diagnosis.stage": "IA", "diagnosis.melanoma.ulcerated": True},
     "melanoma_ulcerated", {**WLE, "diagnosis.stage": "0"}),
    ("indications", "staging_before_surgery", WLE, "melanoma_depth_unknown", {**WLE, "diagnosis.stage": "III"}),
    ("indications", "staging_before_surgery", {**WLE, "diagnosis.melanoma.breslow_mm": 4.5}, "melanoma_thick",
     {**MELANOMA, "diagnosis.melanoma.breslow_mm": 4.5}),
    ("indications", "weakened_immune_system", TRANSPLANT, "weakened_immune", None),
    ("indications", "weakened_immune_system", {"patient.weakened_immune_system": True}, "weakened_immune",
     {"patient.weakened_immune_system": False}),
    ("population_notes", "weakened_immune_system", {"patient.immune_reasons": ["blood_cancer"]}, "weakened_immune",
     None),
    ("specialists", "transplant_team", TRANSPLANT, "organ_transplant", {"patient.immune_reasons": ["immune_medicines"]}),
    ("questions", "transplant_medicines", TRANSPLANT, "organ_transplant", {"patient.weakened_immune_system": True}),
    ("population_notes", "hiv", {"patient.hiv": "positive"}, "hiv_positive", {"patient.hiv": "negative"}),
    ("population_notes", "hiv", {"patient.immune_reasons": ["hiv"]}, "hiv_positive", None),
    *[(s, i, KAPOSI_HIV, "hiv_positive", {"diagnosis.cancer_type": "kaposi_sarcoma"})
      for s, i in (("specialists", "hiv_specialist"), ("questions", "hiv_treatment_first"), ("records", "hiv_labs"))],
    ("specialists", "palliative_care", {**MELANOMA, "diagnosis.stage": "IV"}, "stage_IV",
     {**MELANOMA, "diagnosis.stage": "III"}),
    ("specialists", "palliative_care", {"treatment_plan.told_no_options": True}, "told_no_options", None),
    ("questions", "supportive_care", {**MELANOMA, "diagnosis.stage": "IVB"}, "stage_IV", None),
    ("questions", "supportive_care", {"treatment_plan.told_no_options": True}, "told_no_options", None),
    ("specialists", "lymphoma_dermatologist", MF_EARLY, "type_lymphoma", None),
    ("specialists", "mohs_surgeon", {**IN_SITU, "diagnosis.body_site": "face"}, "melanoma_in_situ",
     {**IN_SITU, "diagnosis.body_site": "back"}),
    ("specialists", "mohs_surgeon", {**MELANOMA, "diagnosis.melanoma.subtype": "lentigo_maligna",
                                     "diagnosis.body_site": "nose"}, "lentigo_maligna", None),
    ("specialists", "medical_oncologist", {**MELANOMA, "diagnosis.stage": "IIC"}, "melanoma_stage_IIB_IIC",
     {**MELANOMA, "diagnosis.stage": "IIA"}),
    ("specialists", "surgical_oncologist", {**MELANOMA, "diagnosis.stage": "IIB"}, "melanoma_stage_IIB_IIC",
     {**MELANOMA, "diagnosis.stage": "IB", "treatment_plan.performed_by": "surgical_oncologist"}),
    ("specialists", "medical_oncologist", {**MF_EARLY, "diagnosis.stage": "IIB"}, "lymphoma_stage_IIB_plus", MF_EARLY),
    ("specialists", "medical_oncologist", {"diagnosis.cancer_type": "skin_lymphoma",
                                           "diagnosis.lymphoma_type": "sezary_syndrome"}, "sezary_syndrome", None),
    ("records", "imaging", {**MELANOMA, "diagnosis.stage": "IIB"}, "melanoma_stage_IIB_IIC",
     {**MELANOMA, "diagnosis.stage": "IIA"}),
    ("questions", "braf_testing", {**MELANOMA, "diagnosis.stage": "IIIC"}, "stage_III",
     {**MELANOMA, "diagnosis.stage": "IIC"}),
    ("questions", "melanoma_drug_treatments", {**MELANOMA, "diagnosis.stage": "IIB"}, "melanoma_stage_IIB_IIC",
     {**MELANOMA, "diagnosis.stage": "IIA"}),
    ("questions", "melanoma_drug_treatments", {**IN_SITU, "treatment_plan.proposed": ["immunotherapy"]},
     "systemic_proposed", IN_SITU),
    ("questions", "melanoma_trials", {**MELANOMA, "diagnosis.stage": "IIC"}, "melanoma_stage_IIB_IIC",
     {**MELANOMA, "diagnosis.stage": "IIIA"}),
    ("clinical_trials", "trials_why", {**MELANOMA, "diagnosis.stage": "IIB"}, "melanoma_stage_IIB_IIC", MELANOMA),
    # issue 25: named kinds, the unmodelled path, disease state, conditions, access, third opinions
    ("indications", "third_opinion", {"treatment_plan.prior_opinions": 1}, "prior_opinions", None),
    ("indications", "angiosarcoma_team", ANGIO, "type_angiosarcoma", DFSP),
    ("indications", "mucosal_melanoma_team", MUCOSAL, "mucosal_melanoma", MELANOMA),
    ("indications", "large_b_cell_lymphoma", DLBCL, "lymphoma_b_large_leg",
     {**DLBCL, "diagnosis.lymphoma_type": "b_cell_indolent"}),
    ("indications", "sebaceous_carcinoma_care", {"diagnosis.cancer_type": "sebaceous_carcinoma"}, "type_sebaceous",
     None),
    ("indications", "afx_pds_care", {"diagnosis.cancer_type": "atypical_fibroxanthoma"}, "type_afx", None),
    ("indications", "afx_pds_care", {"diagnosis.cancer_type": "pleomorphic_dermal_sarcoma"}, "type_pds", ANGIO),
    ("indications", "uncommon_type_center", OTHER, "unmodelled_type", DFSP),
    ("indications", "uncommon_type_center", {**DLBCL, "diagnosis.lymphoma_type": "b_cell"}, "unmodelled_type", DLBCL),
    ("indications", "follow_up_review", NED, "state_no_evidence", None),
    ("indications", "watching_review", WATCHING, "state_watching", None),
    ("indications", "condition_changes_choices", {"patient.conditions": ["heart_failure"]}, "cond_heart_failure",
     None),
    ("specialists", "uncommon_cancer_center", OTHER, "unmodelled_type", DFSP),
    ("specialists", "sarcoma_center", ANGIO, "type_sarcoma", DFSP),
    ("specialists", "mucosal_site_surgeon", MUCOSAL, "mucosal_melanoma", MELANOMA),
    ("specialists", "oculoplastic_surgeon", {"diagnosis.body_site": "eyelid"}, "site_eyelid",
     {**DLBCL, "diagnosis.body_site": "eyelid"}),
    ("specialists", "oculoplastic_surgeon", {"diagnosis.bone_or_orbit_invasion": True}, "bone_or_orbit", None),
    ("specialists", "genetic_counselor", {"patient.conditions": ["basal_cell_nevus_syndrome"]}, "genetic_syndrome",
     {"patient.conditions": ["heart_failure"]}),
    ("specialists", "genetic_counselor", {"diagnosis.cancer_type": "sebaceous_carcinoma"}, "type_sebaceous", None),
    ("specialists", "cardiologist", {"patient.conditions": ["heart_failure"], "treatment_plan.proposed": ["chemotherapy"]},
     "cond_heart_failure", {"patient.conditions": ["heart_failure"]}),
    ("specialists", "condition_doctor",
     {"patient.conditions": ["autoimmune_disease"], "treatment_plan.proposed": ["immunotherapy"]},
     "cond_autoimmune_disease", {"patient.conditions": ["autoimmune_disease"]}),
    ("records", "earlier_opinion_reports", {"treatment_plan.prior_opinions": 2}, "prior_opinions", None),
    ("records", "follow_up_records", NED, "state_no_evidence", None),
    ("records", "imaging", ANGIO, "type_angiosarcoma", None),
    ("records", "imaging", {"diagnosis.bone_or_orbit_invasion": True}, "bone_or_orbit", None),
    ("records", "imaging", DLBCL, "lymphoma_b_large_leg", {**DLBCL, "diagnosis.lymphoma_type": "b_cell_indolent"}),
    ("records", "imaging", MUCOSAL, "mucosal_melanoma", None),
    ("records", "imaging", OTHER, "unmodelled_type", DFSP),
    ("records", "imaging", {"treatment_plan.proposed": ["immunotherapy"]}, "systemic_proposed", None),
    ("records", "imaging", {"diagnosis.rapidly_changing": True}, "rapidly_changing", None),
    ("questions", "ask_about_scans", {"diagnosis.cancer_type": "pleomorphic_dermal_sarcoma"}, "type_pds", None),
    ("questions", "surveillance_schedule", NED, "state_no_evidence", None),
    ("questions", "watch_plan", WATCHING, "state_watching", None),
    ("questions", "which_b_cell_kind", {**DLBCL, "diagnosis.lymphoma_type": "b_cell"}, "lymphoma_b_kind_unknown",
     DLBCL),
    ("questions", "uncommon_center", OTHER, "unmodelled_type", DFSP),
    ("questions", "sarcoma_team", ANGIO, "type_sarcoma", None),
    ("questions", "mucosal_team", MUCOSAL, "mucosal_melanoma", MELANOMA),
    ("questions", "large_b_cell_treatment", DLBCL, "lymphoma_b_large_leg", None),
    ("questions", "muir_torre_check", {"diagnosis.cancer_type": "sebaceous_carcinoma"}, "type_sebaceous", None),
    ("questions", "muir_torre_check", {"patient.conditions": ["lynch_muir_torre"]}, "cond_lynch_muir_torre", None),
    ("questions", "afx_or_pds", {"diagnosis.cancer_type": "atypical_fibroxanthoma"}, "type_afx", None),
    ("questions", "drug_choices_after_side_effects",
     {"current_treatment.therapies": ["immunotherapy"], "current_treatment.serious_side_effects": "past"},
     "serious_side_effects", {"current_treatment.therapies": ["immunotherapy"]}),
    ("questions", "earlier_opinions_differ", {"treatment_plan.prior_opinions": 1}, "prior_opinions", None),
    ("questions", "transplant_checkpoint", {**TRANSPLANT, "treatment_plan.proposed": ["immunotherapy"]},
     "caution_cond_transplant", TRANSPLANT),
    *[("questions", f"condition_{c}", {"patient.conditions": [c]}, f"cond_{c}", None)
      for c in ("autoimmune_disease", "basal_cell_nevus_syndrome", "xeroderma_pigmentosum", "lynch_muir_torre",
                "blood_thinner", "btk_inhibitor", "heart_failure", "blood_cancer")],
    ("insurance_steps", "prison_outside_care", {"patient.care_setting": "prison"}, "in_prison", None),
    ("insurance_steps", "va_second_opinion", {"patient.care_setting": "veterans_affairs"}, "veterans_affairs", None),
    ("insurance_steps", "va_community_care", {"patient.care_setting": "veterans_affairs"}, "veterans_affairs", None),
    ("population_notes", "transplant_checkpoint", {**TRANSPLANT, "treatment_plan.proposed": ["immunotherapy"]},
     "caution_cond_transplant", TRANSPLANT),
    ("population_notes", "autoimmune_checkpoint",
     {"patient.conditions": ["autoimmune_disease"], "treatment_plan.proposed": ["immunotherapy"]},
     "caution_cond_autoimmune_disease", {"patient.conditions": ["autoimmune_disease"]}),
    ("population_notes", "radiation_avoided", {"patient.conditions": ["xeroderma_pigmentosum"]},
     "cond_xeroderma_pigmentosum", None),
    ("population_notes", "heart_and_medicines",
     {"patient.conditions": ["heart_failure"], "treatment_plan.proposed": ["targeted_therapy"]}, "cond_heart_failure",
     {"patient.conditions": ["heart_failure"]}),
    ("population_notes", "bleeding_and_surgery", {"patient.conditions": ["btk_inhibitor"]}, "bleeding_risk_surgery",
     {"patient.conditions": ["btk_inhibitor"], "treatment_plan.proposed": ["radiation"]}),
]
ALWAYS = {
    "next_steps": ["request_records"],
    "indications": ["confirmation"],
    "records": ["pathology_reports", "slides_and_blocks", "visit_notes", "medication_list"],
    "questions": ["diagnosis_certainty", "all_options", "how_soon", "experience", "follow_up_plan"],
    "insurance_steps": ["consultation_only", "bring_records"],
    "differing_opinions": ["not_wrong", "weigh_evidence", "personal_factors"],
    "after_visit": ["share_reports", "follow_up"],
}


@pytest.mark.parametrize(("section", "item_id", "fire", "because", "silent"), CASES,
                         ids=[f"{c[0]}.{c[1]}:{c[3]}" for c in CASES])
def test_rule_fires_on_its_facts_and_is_silent_otherwise(section, item_id, fire, because, silent):
    fired = guidance(fire)
    assert item_id in ids(fired, section)
    item = next(i for i in fired.items(section) if i.id == item_id)
    assert phrase(because, fire) in item.because
    assert item.text
    if silent != "always":
        assert item_id not in ids(guidance(silent or {}), section)


def test_the_slides_are_always_asked_for_with_their_reason_where_there_is_one():
    """The step and the letter always ask for the slides, so the checklist does too (issue 28)."""
    for overrides, because in ((MELANOMA, "type_melanoma"),
                               ({"diagnosis.pathology.insufficient_tissue": True}, "pathology_insufficient_tissue"),
                               ({}, "everyone")):
        item = next(i for i in guidance(overrides).items("records") if i.id == "slides_and_blocks")
        assert phrase(because, overrides) in item.because, overrides


def test_every_conditional_rule_has_a_case():
    covered = {(c[0], c[1]) for c in CASES} | {(s, i) for s, items in ALWAYS.items() for i in items}
    assert covered == {(s, i) for s, rules in RULES.items() for i in rules}


@pytest.mark.parametrize(("section", "item_id"), [(s, i) for s, items in ALWAYS.items() for i in items])
def test_always_items_appear_for_everyone(section, item_id):
    """An item for everyone, or the more specific question that covers the same ground (its `group`)."""
    group = (CONTENT[section].get(item_id) or {}).get("group")
    same = {key for key, entry in CONTENT[section].items() if group and entry.get("group") == group}
    for overrides in ({}, MELANOMA, {"patient.age": 8}, {"insurance.coverage_type": "none"}):
        shown = ids(guidance(overrides), section)
        assert item_id in shown or same & set(shown), (overrides, shown)


def test_confirmation_is_always_the_last_indication():
    for overrides in ({}, {"treatment_plan.told_no_options": True, "concerns.low_confidence": True}):
        assert ids(guidance(overrides), "indications")[-1] == "confirmation"


def test_dermatologist_is_the_fallback_specialist():
    result = guidance({"diagnosis.cancer_type": "atypical_fibroxanthoma", "diagnosis.primary_removed": True})
    assert ids(result, "specialists") == ["dermatologist"]
    assert result.items("specialists")[0].because == (CONTENT["because"]["everyone"],)


def test_at_most_three_next_steps_most_important_first():
    urgent = guidance({**MELANOMA, "diagnosis.stage": "IV", "insurance.needs_financial_help": True})
    assert ids(urgent, "next_steps") == ["ask_if_safe_to_wait", "request_records", "find_help_paying"]
    assert ids(guidance(NO_PLAN), "next_steps") == ["request_records", "book_visit", "call_insurance"]
    # a clinician's answer comes first, in their name; the tool's own "ask" step is then not needed
    answered = guidance({**MELANOMA, "diagnosis.stage": "IV", **NO_WAIT})
    assert ids(answered, "next_steps") == ["clinician_no_wait", "request_records", "book_visit"]
    # an uninsured patient's money step is never cut for booking (issue 25: the uninsured DFSP patient)
    uninsured = guidance({**DFSP, "insurance.coverage_type": "none"})
    assert "check_coverage_options" in ids(uninsured, "next_steps")


def test_sections_that_do_not_apply_are_left_out():
    result = guidance()
    for name in ("population_notes", "telemedicine", "clinical_trials"):
        assert name not in result.sections
        assert result.to_json()[name] == []


@pytest.mark.parametrize(("overrides", "level", "because"), [
    ({}, "routine", "type_bcc"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma"}, "routine", "type_scc"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.high_risk": True}, "prompt", "high_risk"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.body_site": "ear"}, "prompt",
     "risk_site_head_neck"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.size_mm": 24}, "prompt", "risk_size_over_20mm"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.pathology.perineural_invasion": True}, "urgent",
     "risk_perineural"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.pathology.differentiation": "poor"}, "urgent",
     "risk_poor_differentiation"),
    ({"diagnosis.body_site": "nose"}, "prompt", "risk_site_head_neck"),
    ({"diagnosis.borders": "poorly_defined"}, "prompt", "risk_borders_poorly_defined"),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.recurrent": True}, "prompt", "recurrent"),
    ({**MELANOMA, "diagnosis.stage": "II"}, "prompt", "invasive_melanoma"),
    ({**MELANOMA, "diagnosis.stage": "III"}, "urgent", "stage_III"),
    ({**MELANOMA, "diagnosis.stage": "IV"}, "urgent", "stage_IV"),
    ({"diagnosis.rapidly_changing": True}, "urgent", "rapidly_changing"),
    ({"diagnosis.cancer_type": "merkel_cell_carcinoma"}, "urgent", "type_merkel"),
    ({"diagnosis.cancer_type": "skin_lymphoma"}, "prompt", "type_lymphoma"),
    ({"diagnosis.cancer_type": "uncertain"}, "prompt", "type_uncertain"),
    ({"diagnosis.stage": "III"}, "routine", "type_bcc"),
])
def test_urgency_level_and_reason(overrides, level, because):
    urgency = guidance(overrides).urgency
    assert urgency.level == level
    if because in ("stage_III", "stage_IV"):  # issue 28: page one's reason says what the stage means
        facts = facts_of(profile_with(overrides), TODAY, CONTENT["words"])
        meaning = facts.values["stage_meaning"]
        assert meaning in urgency.because and "the melanoma has" in meaning and "(stage I" in meaning
    else:
        assert phrase(because, overrides) in urgency.because
    assert urgency.text and urgency.title


def test_urgency_answers_what_the_doctor_said():
    urgent = guidance({**MELANOMA, "diagnosis.stage": "IV", "treatment_plan.urgency_stated": "immediate"})
    assert urgent.urgency.doctor_said == CONTENT["urgency"]["doctor_said"]["immediate"].strip()
    assert urgent.urgency.doctor_said.startswith("Your doctor said")  # reported speech, never the tool's view
    routine = guidance({"treatment_plan.urgency_stated": "within_weeks"})
    assert routine.urgency.doctor_said == CONTENT["urgency"]["doctor_said"]["within_weeks"].strip()
    assert guidance().urgency.doctor_said == ""


def test_a_clinicians_timing_answer_is_said_in_their_name():
    no = guidance({**NO_WAIT, "treatment_plan.timing_answer.role": "surgeon",
                   "treatment_plan.timing_answer.said_on": "2026-11-20"})
    assert no.urgency.doctor_said.startswith("On 2026-11-20, Dr. Ana Ruiz (surgeon) said it is not safe to wait")
    assert no.items("next_steps")[0].title == "Dr. Ana Ruiz says treatment should not wait"
    until = guidance({**CAN_WAIT, "treatment_plan.timing_answer.until": "2026-12-15"})
    assert "safe to wait for a second opinion until 2026-12-15" in until.urgency.doctor_said
    assert until.items("next_steps")[0].title == "Dr. Ana Ruiz says there is time for a second opinion"


def test_urgent_text_never_says_to_wait():
    for level, entry in CONTENT["urgency"]["levels"].items():
        text = entry["text"].lower()
        if level == "urgent":
            assert "wait" not in text or "do not wait" in text or "don't wait" in text
    for said in CONTENT["urgency"]["doctor_said"].values():
        assert "delay" not in said.lower() or "not delay" in said.lower()


def test_because_names_profile_values():
    result = guidance({"diagnosis.body_site": "nose", "patient.age": 86})
    site = next(i for i in result.items("indications") if i.id == "cosmetically_sensitive_site")
    assert any("the nose" in b for b in site.because)
    assert any("86 years old" in b for b in result.items("population_notes")[0].because)


def test_an_older_patient_with_other_problems_gets_one_age_reason():
    """79 with diabetes: "you are 79 and have other health problems", not also "you are 79 years old"
    (review vi m32)."""
    notes = guidance({"patient.age": 79, "patient.comorbidities": ["type 2 diabetes"]}).items("population_notes")
    older = next(item for item in notes if item.id == "older_adult")
    assert older.because == ("you are 79 and have other health problems",)
    alone = next(item for item in guidance({"patient.age": 79}).items("population_notes") if item.id == "older_adult")
    assert alone.because == ("you are 79 years old",)


@pytest.mark.parametrize(("stage", "reason"), [
    ("IIIB", "the melanoma has grown below the top layer of skin"),
    ("unknown", "the melanoma may have grown below the top layer of skin, and its stage is not known yet"),
])
def test_the_invasive_melanoma_reason_says_the_stage_is_unknown_only_when_it_is(stage, reason):
    """A stage IIIB packet no longer says "or its stage is not known yet" under the stage it names (m32)."""
    assert phrase("invasive_melanoma", {**MELANOMA, "diagnosis.stage": stage}) == reason


def test_json_has_stable_keys_and_item_shape():
    data = guidance({**MELANOMA, "diagnosis.diagnosed_by": "primary_care"}).to_json()
    assert list(data) == ["patient_id", "next_steps", *SECTION_ORDER, "alerts", "access"]
    assert data["patient_id"] == "t-1"
    assert set(data["urgency"]) >= {"level", "because"}
    first = next(item for item in data["indications"] if item["id"] == "non_specialist_diagnosis")
    assert {"id", "text", "because"} <= set(first)
    assert first["because"] == ["your diagnosis came from your family doctor"]


# ---- content files: every rule has its text and every text belongs to a rule


def test_every_rule_has_content_and_every_content_entry_has_a_rule():
    for section, rules in RULES.items():
        assert set(CONTENT[section]) == set(rules), section
        for item_id in rules:
            assert CONTENT[section][item_id]["text"].strip(), f"{section}.{item_id} has no text"
    assert set(CONTENT["urgency"]["levels"]) == {"urgent", "prompt", "routine"}
    assert set(CONTENT["urgency"]["doctor_said"]) == {"immediate", "within_weeks"}
    assert set(CONTENT["urgency"]["clinician_said"]) == {"no", "no_dated", "yes", "yes_dated", "yes_until",
                                                          "yes_until_dated"}
    assert all("keep" not in level for level in CONTENT["urgency"]["levels"].values())  # the tool never says keep
    assert set(CONTENT["sections"]) == {*SECTION_ORDER, "access"}


def test_every_fact_has_a_because_phrase_and_every_phrase_a_fact():
    facts = facts_of(profile_with({}), TODAY, CONTENT["words"])
    assert set(CONTENT["because"]) == set(facts.holds)


def test_specialists_say_where_to_find_one():
    for item_id, entry in CONTENT["specialists"].items():
        assert entry.get("find", "").strip(), item_id


def test_content_uses_only_known_placeholders():
    from sop_packets.lint import content_strings

    facts = facts_of(profile_with({}), TODAY, CONTENT["words"])
    for name in (*RULES, "urgency", "because", "sections"):
        for _path, text in content_strings(CONTENT[name]):
            assert set(PLACEHOLDER.findall(text)) <= set(facts.values), text
            assert "{" not in PLACEHOLDER.sub("", text), text


# ---- any valid profile gets complete guidance

REPRESENTATIVES = st.fixed_dictionaries({
    "name": st.sampled_from(["Ann Lee", "José Núñez"]),
    "authority": st.sampled_from(list(Authority)),
}, optional={"relationship": st.sampled_from(["daughter", "son", "mother"])})


@st.composite
def patients(draw):
    """A valid patient section, with the person fields (a representative, decides_for_self)."""
    data = draw(st.fixed_dictionaries({
        "id": st.just("h"), "name": st.sampled_from(["H", "Margaret Ellison"]), "age": st.integers(0, 120),
        "pregnant": st.booleans(), "seeking_care_abroad": st.booleans(),
        "language": st.sampled_from(["en", "es", "pt-BR"]),
        "country": st.sampled_from(["US", "CA", "NO"]),
        "comorbidities": st.lists(st.sampled_from(["diabetes", "heart disease"]), max_size=2),
    }))
    representative = draw(st.none() | REPRESENTATIVES)
    if representative is not None:
        data["representative"] = representative
        data["decides_for_self"] = draw(st.booleans())
    return data


profiles = st.fixed_dictionaries({
    "schema_version": st.just(1),
    "patient": patients(),
    "diagnosis": st.fixed_dictionaries({
        "cancer_type": st.sampled_from(list(CancerType)),
        "diagnosed_by": st.sampled_from(list(Diagnoser)),
        "stage": st.sampled_from(list(Stage)),
        "body_site": st.sampled_from([*BodySite, None]),
        "rapidly_changing": st.booleans(), "recurrent": st.booleans(), "high_risk": st.booleans(),
        "pathology": st.fixed_dictionaries({
            k: st.booleans() for k in ("reviewed_by_dermatopathologist", "borderline",
                                       "insufficient_tissue", "differential")}),
        "melanoma": st.fixed_dictionaries({}, optional={
            "breslow_mm": st.sampled_from([0.3, 0.8, 1.0, 1.2, 2.5, 4.5]), "ulcerated": st.booleans(),
            "subtype": st.sampled_from(list(MelanomaSubtype))}),
        "lymphoma_type": st.sampled_from(list(LymphomaType)),
        "kaposi_type": st.sampled_from(list(KaposiType)),
        "sentinel_node": st.sampled_from(list(SentinelNode)),
    }, optional={
        "primary_removed": st.booleans(), "clinical_nodes": st.booleans(), "unknown_primary": st.booleans(),
        "cancer_type_detail": st.sampled_from(["dermatofibrosarcoma protuberans", "angiosarcoma"]),
    }),
    "treatment_plan": st.fixed_dictionaries({
        "proposed": st.lists(st.sampled_from(list(Treatment)), max_size=4, unique=True),
        "urgency_stated": st.sampled_from(list(StatedUrgency)),
        "performed_by": st.sampled_from(list(Performer)),
        **{k: st.booleans() for k in ("alternatives_discussed", "extensive_surgery", "reconstruction",
                                      "told_no_options")},
    }),
    "current_treatment": st.fixed_dictionaries({
        "therapies": st.lists(st.sampled_from(list(Therapy)), max_size=2, unique=True),
        "status": st.sampled_from(list(TherapyStatus)),
        "serious_side_effects": st.sampled_from(list(SideEffects)),
    }, optional={"stopped_on": st.dates(date(2024, 1, 1), date(2026, 11, 25))}),
    "concerns": st.fixed_dictionaries({k: st.booleans() for k in (
        "cosmetic", "scarring", "poor_communication", "low_confidence", "cost", "travel", "clinical_trials")}),
    "insurance": st.fixed_dictionaries({
        "coverage_type": st.sampled_from(list(CoverageType)),
        "preauthorization": st.sampled_from(list(Preauthorization)),
        "network": st.sampled_from(list(Network)),
        "requires_second_opinion": st.booleans(), "needs_financial_help": st.booleans(),
    }),
    "preferences": st.fixed_dictionaries({
        "telemedicine": st.booleans(),
        "risk_tolerance": st.sampled_from([None, "conservative", "balanced", "aggressive"]),
    }),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_any_valid_profile_gets_complete_guidance(data):
    result = build_guidance(Profile.model_validate(data), CONTENT, TODAY)
    assert result.urgency.level in {"urgent", "prompt", "routine"} and result.urgency.because
    for section in ("indications", "specialists", "records", "questions", "insurance_steps"):
        assert result.items(section), section
    for section in result.sections.values():
        for item in section.items:
            assert item.text and item.because and "{" not in item.text
    assert result.items("indications")[-1].id == "confirmation"
    assert result.to_json()["patient_id"] == "h"
