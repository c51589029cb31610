"""Rules: for each packet section, which items apply and because of which facts.

`rule(section, item_id, when)` registers a check; registration order is the order of importance in
the packet, so keep new rules where they belong in their section's list. `when` is the rule in words
for `sop-packets rules` (docs/guidance-ids.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .facts import (
    IMAGING_FACTS,
    RARE_TYPES,
    Because,
    Facts,
    _high_risk_bcc,
    _high_risk_scc,
    _nerve_involved,
    _pathology_review,
    _second_opinion_optional,
    _staging_before_surgery,
    _very_high_risk_scc,
    both,
    unless,
)
from .urgency import urgency_level

SECTION_ORDER = ("indications", "urgency", "specialists", "records", "questions", "insurance_steps",
                 "population_notes", "telemedicine", "clinical_trials", "differing_opinions",
                 "after_visit")
NEXT_STEPS = "next_steps"
ALERTS = "alerts"  # the boxed "call your care team at once" items on page one
ACCESS = "access"  # how this patient reaches offices (relay, a helper, health services), on page one
MAX_NEXT_STEPS = 3
# The conditions with their own note and question (a transplant has its own items already).
CONDITION_FACTS = ("cond_autoimmune_disease", "cond_basal_cell_nevus_syndrome", "cond_xeroderma_pigmentosum",
                   "cond_lynch_muir_torre", "cond_blood_thinner", "cond_btk_inhibitor", "cond_heart_failure",
                   "cond_blood_cancer")


@dataclass(frozen=True)
class Rule:
    """One item's rule: the facts that make it apply, and when that is, in words for the rule table."""

    check: Callable[[Facts], Because]
    when: str


RULES: dict[str, dict[str, Rule]] = {
    name: {} for name in (ALERTS, ACCESS, NEXT_STEPS, *SECTION_ORDER) if name != "urgency"
}


def rule(section: str, item_id: str, when: str) -> Callable[[Callable[[Facts], Because]], Rule]:
    """Register a rule; registration order is the order of importance in the packet."""

    def register(check: Callable[[Facts], Because]) -> Rule:
        RULES[section][item_id] = Rule(check, when)
        return RULES[section][item_id]

    return register


def _always(section: str, *ids: str) -> None:
    for item_id in ids:
        RULES[section][item_id] = Rule(lambda f: f.any("everyone"), "always")


def _imaging(f: Facts) -> Because:
    """Scans belong in the work-up: the cases IMAGING_FACTS names, or any urgent case."""
    level, because = urgency_level(f)
    return f.any(*IMAGING_FACTS) or (because if level == "urgent" else ())


def _not_low_value(f: Facts, reasons: Because) -> Because:
    return unless(reasons, f.holds["second_opinion_optional"])


# next_steps: the first things to do, shown on page one (at most three). The rules never judge the plan:
# a clinician's answer on timing is stated in their name; where no one has answered, the patient asks.
rule(NEXT_STEPS, "clinician_no_wait", "a clinician answered that it is not safe to wait for a second opinion "
     "(treatment_plan.timing_answer.safe_to_wait: no); the packet says so in their name")(
    lambda f: f.any("clinician_no_wait"))
rule(NEXT_STEPS, "clinician_can_wait", "a clinician answered that it is safe to wait for a second opinion "
     "(safe_to_wait: yes), up to a date when given; the packet says so in their name")(
    lambda f: f.any("clinician_can_wait"))
rule(NEXT_STEPS, "ask_if_safe_to_wait",
     "a treatment other than watching is proposed and no clinician has answered whether it is safe to wait")(
    lambda f: both(f.any("treatment_planned"), f.any("timing_not_asked")))
rule(NEXT_STEPS, "ask_node_biopsy_first", "the staging_before_surgery indication applies")(
    _staging_before_surgery)
rule(NEXT_STEPS, "request_records", "always (through health services in prison)")(lambda f: f.any("everyone"))
rule(NEXT_STEPS, "check_coverage_options", "no insurance, not in prison or VA care")(
    lambda f: unless(f.any("coverage_none"), not f.none("in_prison", "veterans_affairs")))
rule(NEXT_STEPS, "find_help_paying", "needs financial help and has insurance, not in prison")(
    lambda f: unless(f.any("needs_financial_help"), not f.none("coverage_none", "in_prison")))
rule(NEXT_STEPS, "book_visit", "always (through health services in prison, the VA care team in VA care)")(
    lambda f: f.any("everyone"))
rule(NEXT_STEPS, "call_insurance", "the patient has insurance, not in prison or VA care")(
    lambda f: unless(f.any("has_insurance"), not f.none("in_prison", "veterans_affairs")))

# access: how this patient reaches the offices in this guide, shown on page one
rule(ACCESS, "relay_deaf", "patient.communication lists deaf_sign_language")(
    lambda f: f.any("deaf_sign_language"))
rule(ACCESS, "captions_hard_of_hearing", "patient.communication lists hard_of_hearing (and not deaf)")(
    lambda f: f.any("hard_of_hearing"))
rule(ACCESS, "helper_calls", "no phone, and a helper with a phone is named (patient.helper)")(
    lambda f: f.any("no_phone_helper"))
rule(ACCESS, "no_phone_navigator", "no phone, and no helper with a phone")(
    lambda f: f.any("no_phone_no_helper"))
rule(ACCESS, "prison_health_services", "patient.care_setting is prison")(lambda f: f.any("in_prison"))
rule(ACCESS, "va_care_team", "patient.care_setting is veterans_affairs")(lambda f: f.any("veterans_affairs"))

# alerts: the boxed "call your care team at once" items on page one
rule(ALERTS, "immunotherapy_warning_signs",
     "current_treatment lists immunotherapy, and it is ongoing, stopped within the last 12 months, or had "
     "serious side effects (current or past)")(lambda f: f.any("on_immunotherapy"))
rule(ALERTS, "targeted_therapy_warning_signs",
     "current_treatment lists targeted therapy, and it is ongoing, stopped within the last 12 months, or had "
     "serious side effects (current or past)")(lambda f: f.any("on_targeted_therapy"))

# indications: why a second opinion may help
rule("indications", "second_opinion_optional",
     "BCC, or SCC that is not high-risk, smaller than 10 mm, on the trunk, arm or leg, confirmed by "
     "biopsy, read clearly by the lab, diagnosed by a skin specialist; not recurrent, not changing fast, "
     "not a child, immune system not weakened, no cosmetic or scarring concern, no large or repair "
     "surgery")(
    _second_opinion_optional)
rule("indications", "no_treatment_options", "treatment_plan.told_no_options")(
    lambda f: f.any("told_no_options"))
rule("indications", "third_opinion", "the patient has had a second opinion already (prior_opinions)")(
    lambda f: f.any("prior_opinions"))
rule("indications", "angiosarcoma_team", "angiosarcoma")(lambda f: f.any("type_angiosarcoma"))
rule("indications", "mucosal_melanoma_team", "mucosal melanoma (melanoma.subtype mucosal)")(
    lambda f: f.any("mucosal_melanoma"))
rule("indications", "large_b_cell_lymphoma", "skin lymphoma: diffuse large B-cell, leg type")(
    lambda f: f.any("lymphoma_b_large_leg"))
rule("indications", "sebaceous_carcinoma_care", "sebaceous carcinoma")(lambda f: f.any("type_sebaceous"))
rule("indications", "afx_pds_care", "atypical fibroxanthoma or pleomorphic dermal sarcoma")(
    lambda f: f.any("type_afx", "type_pds"))
rule("indications", "uncommon_type_center",
     "a type the rules do not model (other, not a named kind; B-cell lymphoma of no given kind): the safe "
     "general path")(lambda f: f.any("unmodelled_type"))
rule("indications", "follow_up_review", "no evidence of disease now (diagnosis.disease_state)")(
    lambda f: f.any("state_no_evidence"))
rule("indications", "watching_review",
     "the patient chose to watch the cancer for now (disease_state watching)")(
    lambda f: f.any("state_watching"))
rule("indications", "condition_changes_choices",
     "a condition that changes the choices (patient.conditions; a transplant has its own items)")(
    lambda f: f.any(*CONDITION_FACTS))
rule("indications", "staging_before_surgery",
     "invasive melanoma (stage not 0) with a wide excision proposed and no sentinel node biopsy proposed, "
     "not stage III or IV, and stage IB to IIC, Breslow ≥ 0.8 mm, ulcerated, thicker than 4 mm (or 2 mm with "
     "ulceration), or stage unknown / stage I with depth and ulceration not given")(_staging_before_surgery)
rule("indications", "completion_dissection_choice",
     "melanoma with a completion lymph node dissection proposed (or a node dissection after a positive "
     "sentinel node, with no nodes felt or seen)")(lambda f: f.any("completion_dissection"))
rule("indications", "team_for_node_test",
     "surgery is booked for an invasive melanoma or Merkel cell carcinoma that needs a sentinel node biopsy "
     "not yet done, and the doctor who would do it is not a surgical oncologist (or not named); not when "
     "staging_before_surgery applies (it says the same)")(
    lambda f: unless(f.any("team_cannot_complete"), f.holds["staging_before_surgery"]))
rule("indications", "sezary_first_treatment",
     "T-cell skin lymphoma (mycosis fungoides or Sézary syndrome) with chemotherapy proposed")(
    lambda f: f.any("lymphoma_chemotherapy"))
rule("indications", "pathology_uncertain",
     "borderline, insufficient tissue, a differential, or melanoma never read by a dermatopathologist")(
    lambda f: f.any("pathology_borderline", "pathology_insufficient_tissue", "pathology_differential",
                    "melanoma_not_read_by_dermatopathologist"))
rule("indications", "non_specialist_diagnosis", "diagnosed_by primary_care or other")(
    lambda f: f.any("diagnosed_by_primary_care", "diagnosed_by_other"))
rule("indications", "weakened_immune_system",
     "weakened immune system, except Kaposi sarcoma (its HIV items cover it)")(
    lambda f: unless(f.any("weakened_immune"), f.holds["type_kaposi"]))
rule("indications", "rare_cancer_type", "rare type, when uncommon_type_center does not apply")(
    lambda f: unless(f.any(*RARE_TYPES), f.holds["unmodelled_type"]))
rule("indications", "melanoma_specialist_review", "invasive skin melanoma (stage not 0)")(
    lambda f: f.any("invasive_melanoma"))
rule("indications", "recurrent_cancer", "diagnosis.recurrent")(lambda f: f.any("recurrent"))
rule("indications", "single_treatment_option",
     "exactly one treatment proposed and alternatives not discussed")(
    lambda f: f.all("one_treatment_proposed", "alternatives_not_discussed"))
rule("indications", "aggressive_treatment", "treatment_plan.extensive_surgery")(
    lambda f: f.any("extensive_surgery"))
rule("indications", "insurance_requires", "insurance.requires_second_opinion")(
    lambda f: f.any("insurance_requires"))
rule("indications", "cosmetically_sensitive_site", "body site is a sensitive site")(
    lambda f: f.any("sensitive_site"))
rule("indications", "reconstruction_planned", "treatment_plan.reconstruction")(
    lambda f: f.any("reconstruction"))
rule("indications", "scarring_concern", "concerns.cosmetic or concerns.scarring")(
    lambda f: f.any("concern_cosmetic", "concern_scarring"))
rule("indications", "poor_communication", "concerns.poor_communication")(
    lambda f: f.any("concern_poor_communication"))
rule("indications", "low_confidence", "concerns.low_confidence")(lambda f: f.any("concern_low_confidence"))
_always("indications", "confirmation")

# specialists: whom to see
rule("specialists", "melanoma_specialist", "invasive melanoma (stage not 0), or mucosal melanoma")(
    lambda f: f.any("invasive_melanoma", "mucosal_melanoma"))
rule("specialists", "uncommon_cancer_center", "a type the rules do not model (the safe general path)")(
    lambda f: f.any("unmodelled_type"))
rule("specialists", "sarcoma_center", "angiosarcoma or pleomorphic dermal sarcoma")(
    lambda f: f.any("type_sarcoma"))
rule("specialists", "mucosal_site_surgeon", "mucosal melanoma")(lambda f: f.any("mucosal_melanoma"))
rule("specialists", "pediatric_oncologist", "child, and a cancer is confirmed (type not uncertain)")(
    lambda f: unless(f.any("child"), f.holds["type_uncertain"]))
rule("specialists", "maternal_fetal_medicine", "pregnant")(lambda f: f.any("pregnant"))
rule("specialists", "transplant_team", "patient.immune_reasons includes organ_transplant")(
    lambda f: f.any("organ_transplant"))
rule("specialists", "hiv_specialist", "Kaposi sarcoma and HIV positive")(
    lambda f: f.all("type_kaposi", "hiv_positive"))
rule("specialists", "lymphoma_dermatologist", "skin lymphoma")(lambda f: f.any("type_lymphoma"))
rule("specialists", "dermatopathologist",
     "pathology review indicated, a child's melanoma or uncertain lesion, or dermatofibrosarcoma "
     "protuberans")(
    lambda f: _pathology_review(f) or both(f.any("child"), f.any("type_melanoma", "type_uncertain"))
    or f.any("dfsp"))
rule("specialists", "medical_oncologist",
     "stage III or IV, melanoma IIB or higher, a drug treatment proposed, Merkel cell, Kaposi sarcoma, "
     "angiosarcoma, mucosal melanoma, diffuse large B-cell lymphoma (leg type), or "
     "skin lymphoma other than early (stage I) mycosis fungoides; early mycosis fungoides only from "
     "stage IIB, with Sézary syndrome or a drug proposed")(
    lambda f: f.any("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick", "systemic_proposed",
                    "type_merkel", "type_kaposi", "type_angiosarcoma", "mucosal_melanoma",
                    "lymphoma_b_large_leg",
                    "sezary_syndrome", "lymphoma_stage_IIB_plus")
    or unless(f.any("type_lymphoma"), f.holds["mycosis_fungoides_early"]))
rule("specialists", "surgical_oncologist",
     "stage III or IV, melanoma IIB or higher, a large surgery, lymph node dissection proposed, Merkel cell, "
     "angiosarcoma, pleomorphic dermal sarcoma, mucosal melanoma, "
     "a sentinel node biopsy needed with a team that may not do it, or very-high-risk SCC; never for skin "
     "lymphoma or Kaposi sarcoma. For BCC, or SCC not high risk, with no node disease "
     "(surgeon_rarely_needed), only a large surgery brings it in: listed last, its card says it is rarely "
     "needed, with its own reason")(
    lambda f: (f.any("surgeon_rarely_needed") if f.holds["extensive_surgery"] else ())
    if f.holds["surgeon_rarely_needed"] else
    unless(f.any("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick",
                 "extensive_surgery", "proposed_lymph_node_dissection",
                 "proposed_completion_lymph_node_dissection", "type_merkel", "type_angiosarcoma",
                 "type_pds", "mucosal_melanoma", "team_cannot_complete"),
           not f.none("type_lymphoma", "type_kaposi")) or _very_high_risk_scc(f))
rule("specialists", "palliative_care", "stage IV, or told there are no options")(
    lambda f: f.any("stage_IV", "told_no_options"))
rule("specialists", "radiation_oncologist",
     "radiation proposed; otherwise (never with basal cell nevus syndrome or xeroderma pigmentosum, where "
     "radiation is avoided) Merkel cell, angiosarcoma, mucosal melanoma, B-cell skin lymphoma (indolent, or "
     "diffuse large B-cell, leg type), "
     "desmoplastic melanoma, classic (HIV-negative) Kaposi sarcoma that has "
     "not spread (stage not IV), very-high-risk SCC, BCC or SCC with nerve invasion or nerve symptoms, SCC "
     "that is recurrent, called high risk or with a weakened immune system, or an older adult with BCC or "
     "SCC (not when a second opinion is optional); listed after the other specialists when pregnant, and "
     "for BCC or SCC unless radiation is proposed without surgery")(
    lambda f: f.any("proposed_radiation") or unless(
        f.any("type_merkel", "desmoplastic_melanoma", "type_angiosarcoma", "mucosal_melanoma",
              "lymphoma_b_indolent", "lymphoma_b_large_leg")
        or unless(f.any("kaposi_classic"), f.holds["stage_IV"]) or _very_high_risk_scc(f)
        or _nerve_involved(f)
        or both(f.any("type_scc"), f.any("recurrent", "high_risk", "weakened_immune"))
        or _not_low_value(f, both(f.any("older_adult"), f.any("type_bcc", "type_scc"))),
        not f.none("cond_basal_cell_nevus_syndrome", "cond_xeroderma_pigmentosum")))
rule("specialists", "mohs_surgeon",
     "high-risk BCC or SCC (NCCN), or BCC or SCC on a sensitive site, recurrent, or with a cosmetic or "
     "scarring concern; or melanoma in situ or lentigo maligna on a sensitive site (never when a second "
     "opinion is optional); or dermatofibrosarcoma protuberans (cancer_type other, named in "
     "cancer_type_detail), sebaceous carcinoma, atypical fibroxanthoma or pleomorphic dermal sarcoma; never "
     "when the spot is already out or no skin spot was found")(
    lambda f: unless(_high_risk_scc(f) or _high_risk_bcc(f) or _not_low_value(f, both(
        f.any("type_bcc", "type_scc"),
        f.any("sensitive_site", "concern_scarring", "concern_cosmetic", "recurrent")))
        or both(f.any("melanoma_in_situ", "lentigo_maligna"), f.any("sensitive_site"))
        or f.any("dfsp", "type_sebaceous", "type_afx", "type_pds"),
        not f.none("primary_removed", "unknown_primary")))
rule("specialists", "plastic_surgeon", "treatment_plan.reconstruction")(lambda f: f.any("reconstruction"))
rule("specialists", "oculoplastic_surgeon",
     "on the eyelid, or in the eye socket or bone (not skin lymphoma or Kaposi sarcoma)")(
    lambda f: unless(f.any("site_eyelid", "bone_or_orbit"), not f.none("type_lymphoma", "type_kaposi")))
rule("specialists", "genetic_counselor",
     "a genetic syndrome (basal cell nevus, xeroderma pigmentosum, Lynch or Muir-Torre), or sebaceous "
     "carcinoma (Muir-Torre screening)")(lambda f: f.any("genetic_syndrome", "type_sebaceous"))
rule("specialists", "cardiologist", "heart failure, and chemotherapy or another cancer medicine is proposed")(
    lambda f: both(f.any("cond_heart_failure"), f.any("systemic_proposed")))
rule("specialists", "condition_doctor",
     "autoimmune disease, or a blood cancer, and cancer medicine is proposed or being taken")(
    lambda f: both(f.any("cond_autoimmune_disease", "cond_blood_cancer"),
                   f.any("systemic_proposed", "on_immunotherapy", "on_targeted_therapy")))
rule("specialists", "dermatologist",
     "not yet seen by a skin specialist, or BCC, SCC, melanoma in situ or uncertain type (not skin "
     "lymphoma, and not stage III or IV, melanoma IIB or higher or Merkel cell, where the other specialists "
     "lead, nor an aggressive or unmodelled kind)")(
    lambda f: unless(f.any("not_seen_by_skin_specialist", "type_bcc", "type_scc", "melanoma_in_situ",
                           "type_uncertain"),
                     not f.none("type_lymphoma", "advanced", "melanoma_IIB_plus", "type_merkel",
                                "aggressive_kind", "type_sarcoma", "unmodelled_type")))

# records: what to gather
rule("records", "pathology_reports", "always")(lambda f: f.any("everyone"))
rule("records", "slides_and_blocks", "always (the step and the letter ask for the slides): with its reason "
     "when a pathology review is indicated, for melanoma and for a rare type")(
    lambda f: _pathology_review(f) or f.any("type_melanoma", *RARE_TYPES) or f.any("everyone"))
rule("records", "visit_notes", "always")(lambda f: f.any("everyone"))
rule("records", "treatment_plan_written", "a treatment is proposed")(lambda f: f.any("treatment_proposed"))
rule("records", "imaging",
     "stage III or IV, melanoma IIB or higher, Merkel cell, bone or eye-socket invasion, a sarcoma, an "
     "aggressive lymphoma, mucosal melanoma, a cancer medicine proposed, an unmodelled type, or an urgent "
     "case")(
    lambda f: _imaging(f))
rule("records", "earlier_opinion_reports", "the patient has had a second opinion already")(
    lambda f: f.any("prior_opinions"))
rule("records", "follow_up_records", "no evidence of disease now (follow-up)")(
    lambda f: f.any("state_no_evidence"))
rule("records", "hiv_labs", "Kaposi sarcoma and HIV positive")(lambda f: f.all("type_kaposi", "hiv_positive"))
rule("records", "operative_reports", "diagnosis.recurrent")(lambda f: f.any("recurrent"))
rule("records", "medication_list", "always")(lambda f: f.any("everyone"))
rule("records", "health_conditions_list", "patient.comorbidities or patient.conditions given")(
    lambda f: f.any("comorbidities", "cond_transplant", *CONDITION_FACTS))
rule("records", "prenatal_summary", "pregnant")(lambda f: f.any("pregnant"))
rule("records", "photos",
     "wants a video visit, travel is hard, or care abroad; not when the spot is already removed or no skin "
     "spot was found")(
    lambda f: unless(f.any("telemedicine_preference", "concern_travel", "care_abroad"),
                     not f.none("primary_removed", "unknown_primary")))
rule("records", "translated_summary", "care abroad")(lambda f: f.any("care_abroad"))
rule("records", "customs_letter", "care abroad and slides will be sent")(
    lambda f: f.all("care_abroad", "slides_needed"))
rule("records", "insurance_card", "the patient has insurance, not in prison")(
    lambda f: unless(f.any("has_insurance"), f.holds["in_prison"]))
rule("records", "referral",
     "preauthorization required, Medicare Advantage, or the insurer requires one (never with no insurance)")(
    lambda f: unless(f.any("preauth_required", "coverage_medicare_advantage", "insurance_requires"),
                     f.holds["coverage_none"]))
rule("records", "guardian_signature", "child")(lambda f: f.any("child"))
rule("records", "representative_papers", "an adult with a representative who decides for them")(
    lambda f: f.any("represented"))
rule("records", "treatment_now_records", "on, or recently off, immunotherapy or targeted therapy")(
    lambda f: f.any("on_immunotherapy", "on_targeted_therapy"))

# questions: to ask at the appointment
rule("questions", "sentinel_node_timing", "the staging_before_surgery indication applies")(
    _staging_before_surgery)
rule("questions", "diagnosis_certainty", "always")(lambda f: f.any("everyone"))
rule("questions", "pathology_second_read", "pathology review indicated")(_pathology_review)
rule("questions", "melanoma_breslow_depth",
     "invasive melanoma, depth not given, not stage IV, not told there are no options")(
    lambda f: unless(f.any("invasive_melanoma"), not f.none("breslow_known", "no_primary_tumor_questions")))
rule("questions", "melanoma_ulceration",
     "invasive melanoma, ulceration not given, not stage IV, not told there are no options")(
    lambda f: unless(f.any("invasive_melanoma"),
                     not f.none("ulceration_known", "no_primary_tumor_questions")))
rule("questions", "melanoma_mitotic_rate", "invasive melanoma, not stage IV, not told there are no options")(
    lambda f: unless(f.any("invasive_melanoma"), f.holds["no_primary_tumor_questions"]))
rule("questions", "melanoma_margins",
     "melanoma (in situ too), the cancer active, not stage IV, not told there are no options")(
    lambda f: unless(both(f.any("type_melanoma"), f.any("state_active")),
                     f.holds["no_primary_tumor_questions"]))
rule("questions", "melanoma_sentinel_node",
     "invasive melanoma, the cancer active, stage I, II or unknown, not told there are no options, sentinel "
     "node not already "
     "tested, and sentinel_node_timing does not apply")(
    lambda f: unless(both(f.any("invasive_melanoma"), f.any("state_active")), not f.none(
        "staging_before_surgery", "stage_III", "stage_IV", "told_no_options", "sentinel_done",
        "unknown_primary")))
rule("questions", "node_ultrasound_instead", "a completion lymph node dissection is proposed")(
    lambda f: f.any("completion_dissection"))
rule("questions", "melanoma_stage", "invasive melanoma, when no stage was worked out from the report "
                                   "(derived_stage asks then)")(
    lambda f: unless(f.any("invasive_melanoma"), f.holds["stage_derived"]))
rule("questions", "braf_testing", "melanoma stage III or IV")(
    lambda f: both(f.any("type_melanoma"), f.any("stage_III", "stage_IV")))
rule("questions", "melanoma_drug_treatments",
     "melanoma IIB to III (or thick) with the cancer active and a treatment proposed (or the spot already "
     "out), or melanoma with a drug proposed; not stage IV (medicine after surgery is the question only "
     "before or after an operation); with a drug in the plan it asks about that plan "
     "(text_medicine_planned)")(
    lambda f: unless(both(f.any("type_melanoma"), both(
        f.any("melanoma_stage_IIB_IIC", "melanoma_thick", "stage_III"), f.any("state_active"),
        f.any("treatment_planned", "primary_removed")) or f.any("systemic_proposed")), f.holds["stage_IV"]))
rule("questions", "melanoma_drug_choices", "melanoma stage IV")(
    lambda f: f.all("type_melanoma", "stage_IV"))
rule("questions", "melanoma_trials",
     "melanoma stage IIB or IIC (or thick), when trials_for_me does not apply")(
    lambda f: unless(f.any("melanoma_stage_IIB_IIC", "melanoma_thick"), not f.none(
        "concern_clinical_trials", "stage_III", "stage_IV", "told_no_options")))
rule("questions", "low_risk_options",
     "second_opinion_optional applies, the cancer active, the spot not already out (removal_done)")(
    lambda f: unless(both(_second_opinion_optional(f), f.any("state_active")), f.holds["removal_done"]))
rule("questions", "bcc_options",
     "BCC, the cancer active, when a second opinion is not optional and the spot is not already out")(
    lambda f: unless(_not_low_value(f, both(f.any("type_bcc"), f.any("state_active"))),
                     f.holds["removal_done"]))
rule("questions", "bcc_recurrence", "BCC")(lambda f: f.any("type_bcc"))
rule("questions", "bcc_cosmetic_result",
     "BCC, when a second opinion is not optional and the spot is not already out")(
    lambda f: unless(_not_low_value(f, f.any("type_bcc")), f.holds["removal_done"]))
rule("questions", "scc_risk_level", "SCC")(lambda f: f.any("type_scc"))
NODES_HOLD_CANCER = ("stage_III", "stage_IV", "clinical_nodes", "sentinel_positive", "unknown_primary")
rule("questions", "scc_lymph_nodes", "high-risk SCC, unless the nodes are known to hold cancer (stage III or "
     "IV, nodes felt or seen, a positive sentinel node, or no skin spot found)")(
    lambda f: unless(_high_risk_scc(f), not f.none(*NODES_HOLD_CANCER)))
rule("questions", "scc_adjuvant",
     "high-risk SCC with the cancer active, and surgery proposed or the spot already removed, or nerve "
     "invasion with any treatment proposed; when radiation is the plan, it asks about radiation as the plan "
     "(text_radiation_planned), never whether radiation would help")(
    lambda f: both(_high_risk_scc(f), f.any("state_active"), f.any(
        "proposed_excision", "proposed_mohs_surgery", "proposed_wide_local_excision", "primary_removed")
        or both(f.any("risk_perineural", "nerve_symptoms"), f.any("treatment_planned"))))
rule("questions", "nerve_imaging", "BCC or SCC with perineural invasion or new nerve symptoms (with "
     "radiation the plan, it asks only about the scan)")(
    _nerve_involved)
rule("questions", "margin_checked_surgery",
     "high-risk BCC or SCC (NCCN), the cancer active, when Mohs surgery is not proposed and the spot is not "
     "already out with no surgery on it ahead (removal_done)")(
    lambda f: unless(both(_high_risk_bcc(f) or _high_risk_scc(f), f.any("state_active")),
                     f.holds["proposed_mohs_surgery"] or f.holds["removal_done"]))
rule("questions", "derived_stage",
     "no stage given, and one can be worked out: SCC of the head or neck (size, nerve invasion, depth) or "
     "invasive melanoma with its depth (no nodes found)")(
    lambda f: f.any("stage_derived"))
rule("questions", "ask_about_scans",
     "the case needs scans (as records.imaging) and they are not already the point of another question")(
    lambda f: _imaging(f))
rule("questions", "surveillance_schedule", "no evidence of disease now (follow-up)")(
    lambda f: f.any("state_no_evidence"))
rule("questions", "watch_plan", "the patient chose to watch the cancer for now")(
    lambda f: f.any("state_watching"))
rule("questions", "which_b_cell_kind", "B-cell skin lymphoma whose kind is not given")(
    lambda f: f.any("lymphoma_b_kind_unknown"))
rule("questions", "uncommon_center", "a type the rules do not model (the safe general path)")(
    lambda f: f.any("unmodelled_type"))
rule("questions", "sarcoma_team", "angiosarcoma or pleomorphic dermal sarcoma")(
    lambda f: f.any("type_sarcoma"))
rule("questions", "mucosal_team", "mucosal melanoma")(lambda f: f.any("mucosal_melanoma"))
rule("questions", "large_b_cell_treatment", "diffuse large B-cell lymphoma, leg type")(
    lambda f: f.any("lymphoma_b_large_leg"))
rule("questions", "muir_torre_check", "sebaceous carcinoma, or Lynch or Muir-Torre syndrome")(
    lambda f: f.any("type_sebaceous", "cond_lynch_muir_torre"))
rule("questions", "afx_or_pds", "atypical fibroxanthoma")(lambda f: f.any("type_afx"))
rule("questions", "drug_choices_after_side_effects",
     "serious side effects (current or past) from a cancer medicine now or before")(
    lambda f: f.any("serious_side_effects"))
rule("questions", "earlier_opinions_differ", "the patient has had a second opinion already")(
    lambda f: f.any("prior_opinions"))
rule("questions", "transplant_medicines", "organ transplant")(lambda f: f.any("organ_transplant"))
rule("questions", "transplant_checkpoint", "organ transplant, and immunotherapy is proposed")(
    lambda f: f.any("caution_cond_transplant"))
for _fact in CONDITION_FACTS:  # one question per condition: how does it change the choices?
    rule("questions", _fact.replace("cond_", "condition_"),
         f"patient.conditions lists {_fact.removeprefix('cond_')}")(lambda f, c=_fact: f.any(c))
rule("questions", "hiv_treatment_first", "Kaposi sarcoma and HIV positive")(
    lambda f: f.all("type_kaposi", "hiv_positive"))
rule("questions", "merkel_team", "Merkel cell")(lambda f: f.any("type_merkel"))
rule("questions", "rare_experience", "skin lymphoma, Kaposi sarcoma, other or uncertain type")(
    lambda f: f.any("type_lymphoma", "type_kaposi", "type_other", "type_uncertain"))
rule("questions", "all_options", "always")(lambda f: f.any("everyone"))
rule("questions", "why_this_plan", "a treatment is proposed")(lambda f: f.any("treatment_proposed"))
rule("questions", "how_soon", "the cancer is active, or a treatment is proposed")(
    lambda f: f.any("state_active", "treatment_planned"))
rule("questions", "doctor_said_immediately", "the doctor said to start right away")(
    lambda f: f.any("stated_immediate"))
rule("questions", "scarring_result",
     "concern about looks or scars, or a sensitive site; when the spot is already out (removal_done), only "
     "with a treatment ahead, asking how it may change the look (text_removed), not about the scar")(
    lambda f: unless(f.any("concern_scarring", "concern_cosmetic", "sensitive_site"),
                     f.holds["removal_done"] and not f.holds["treatment_planned"]))
rule("questions", "cost_estimate", "worried about cost, or needs financial help")(
    lambda f: f.any("concern_cost", "needs_financial_help"))
rule("questions", "trials_for_me", "wants trials, stage III or IV, or told there are no options")(
    lambda f: f.any("concern_clinical_trials", "stage_III", "stage_IV", "told_no_options"))
rule("questions", "supportive_care", "stage IV, or told there are no options")(
    lambda f: f.any("stage_IV", "told_no_options"))
rule("questions", "pregnancy_safety", "pregnant")(lambda f: f.any("pregnant"))
rule("questions", "child_long_term", "child")(lambda f: f.any("child"))
rule("questions", "older_adult_gentler_options",
     "older adult who also has other health problems or prefers a careful approach (never by age alone)")(
    lambda f: both(f.any("older_adult"), f.any("comorbidities", "risk_conservative")))
rule("questions", "teen_voice", "a teenager (13 to 17)")(lambda f: f.any("teen"))
rule("questions", "side_effects", "a treatment other than watching is proposed")(
    lambda f: f.any("treatment_planned"))
_always("questions", "experience", "follow_up_plan")

# insurance_steps
def _insured(f: Facts, reasons: Because) -> Because:
    """Plan steps only for someone with a plan, who deals with it themselves (not in prison or VA care)."""
    return unless(reasons, not f.none("coverage_none", "in_prison", "veterans_affairs"))


rule("insurance_steps", "insurer_requires", "insurance.requires_second_opinion (with insurance)")(
    lambda f: _insured(f, f.any("insurance_requires")))
rule("insurance_steps", "preauthorization_required", "preauthorization required (with insurance)")(
    lambda f: _insured(f, f.any("preauth_required")))
rule("insurance_steps", "preauthorization_check", "preauthorization unknown (with insurance)")(
    lambda f: _insured(f, f.any("preauth_unknown")))
rule("insurance_steps", "network_check",
     "network unknown or in-network, except Original Medicare in the US and no insurance")(
    lambda f: unless(f.any("network_unknown", "network_in"),
                     not f.none("medicare_us", "coverage_none", "in_prison", "veterans_affairs")))
rule("insurance_steps", "out_of_network_costs", "out of network (with insurance)")(
    lambda f: _insured(f, f.any("network_out")))
rule("insurance_steps", "documentation",
     "the insurer requires one, or preauthorization required (with insurance)")(
    lambda f: _insured(f, f.any("insurance_requires", "preauth_required")))
rule("insurance_steps", "medicare_part_b", "Original Medicare in the US")(lambda f: f.any("medicare_us"))
rule("insurance_steps", "medicare_advantage", "Medicare Advantage in the US")(
    lambda f: f.any("medicare_advantage_us"))
rule("insurance_steps", "medicaid", "Medicaid")(lambda f: f.any("coverage_medicaid"))
rule("insurance_steps", "prison_outside_care",
     "in prison (the section then holds only this step, consultation_only and bring_records)")(
    lambda f: f.any("in_prison"))
rule("insurance_steps", "va_second_opinion", "VA care")(lambda f: f.any("veterans_affairs"))
rule("insurance_steps", "va_community_care", "VA care")(lambda f: f.any("veterans_affairs"))
rule("insurance_steps", "no_insurance", "no insurance, not in prison")(
    lambda f: unless(f.any("coverage_none"), f.holds["in_prison"]))
rule("insurance_steps", "uninsured_medicare", "no insurance, 65 or older, not in prison")(
    lambda f: unless(both(f.any("coverage_none"), f.any("age_65_plus")), f.holds["in_prison"]))
rule("insurance_steps", "uninsured_medicaid", "no insurance, not in prison")(
    lambda f: unless(f.any("coverage_none"), f.holds["in_prison"]))
rule("insurance_steps", "uninsured_marketplace", "no insurance, not in prison")(
    lambda f: unless(f.any("coverage_none"), f.holds["in_prison"]))
rule("insurance_steps", "uninsured_hospital_help", "no insurance, not in prison")(
    lambda f: unless(f.any("coverage_none"), f.holds["in_prison"]))
rule("insurance_steps", "abroad_home_plan", "care abroad, with insurance")(
    lambda f: f.any("abroad_with_insurance"))
rule("insurance_steps", "abroad_estimate", "care abroad")(lambda f: f.any("care_abroad"))
_always("insurance_steps", "consultation_only", "bring_records")
rule("insurance_steps", "travel_costs", "travel is hard, or care abroad")(
    lambda f: f.any("concern_travel", "care_abroad"))
rule("insurance_steps", "financial_help", "needs financial help, or worried about cost")(
    lambda f: f.any("needs_financial_help", "concern_cost"))

# population_notes
rule("population_notes", "child", "child")(lambda f: f.any("child"))
rule("population_notes", "pregnancy", "pregnant")(lambda f: f.any("pregnant"))
rule("population_notes", "pregnancy_radiation", "pregnant, and radiation is proposed or a radiation "
     "oncologist is listed")(
    lambda f: both(f.any("pregnant"), RULES["specialists"]["radiation_oncologist"].check(f)))
rule("population_notes", "representative", "an adult with a representative who decides for them")(
    lambda f: f.any("represented"))
rule("population_notes", "teen", "a teenager (13 to 17)")(lambda f: f.any("teen"))
rule("population_notes", "weakened_immune_system",
     "weakened immune system, except Kaposi sarcoma (its HIV items cover it)")(
    lambda f: unless(f.any("weakened_immune"), f.holds["type_kaposi"]))
rule("population_notes", "hiv", "HIV positive (patient.hiv or immune_reasons)")(
    lambda f: f.any("hiv_positive"))
rule("population_notes", "transplant_checkpoint", "organ transplant, and immunotherapy is proposed")(
    lambda f: f.any("caution_cond_transplant"))
rule("population_notes", "autoimmune_checkpoint", "autoimmune disease, and immunotherapy is proposed")(
    lambda f: f.any("caution_cond_autoimmune_disease"))
rule("population_notes", "radiation_avoided",
     "basal cell nevus syndrome or xeroderma pigmentosum (radiation is usually avoided)")(
    lambda f: f.any("cond_basal_cell_nevus_syndrome", "cond_xeroderma_pigmentosum"))
rule("population_notes", "heart_and_medicines", "heart failure, and a cancer medicine is proposed")(
    lambda f: both(f.any("cond_heart_failure"), f.any("systemic_proposed")))
rule("population_notes", "bleeding_and_surgery", "a blood thinner or BTK inhibitor, and surgery is proposed")(
    lambda f: f.any("bleeding_risk_surgery"))
# one reason: the age with the other health problems when both hold (review vi m32), else the age
rule("population_notes", "older_adult", "older adult")(
    lambda f: f.any("age_65_plus_with_conditions") or f.any("age_75_plus"))
rule("population_notes", "care_abroad", "care abroad")(lambda f: f.any("care_abroad"))
rule("population_notes", "language_support", "preferred language is not English")(
    lambda f: f.any("language_not_english"))


def _telemedicine(f: Facts) -> Because:
    return f.any("telemedicine_preference", "concern_travel", "care_abroad")


def _trials(f: Facts) -> Because:
    return f.any("concern_clinical_trials", "stage_III", "stage_IV", "told_no_options",
                 "melanoma_stage_IIB_IIC", "melanoma_thick")


for _id in ("telemedicine_option", "photo_quality", "slides_by_mail", "telemedicine_limits"):
    rule("telemedicine", _id, "wants a video visit, travel is hard, or care abroad")(_telemedicine)
for _id in ("trials_why", "trials_where", "trials_eligibility"):
    rule("clinical_trials", _id, "wants trials, stage III or IV, melanoma IIB or IIC, or told there are no "
                                 "options")(_trials)
_always("differing_opinions", "not_wrong", "weigh_evidence", "personal_factors")
rule("differing_opinions", "risk_tolerance",
     "always (names the patient's stated risk preference when given)")(
    lambda f: f.any("risk_conservative", "risk_balanced", "risk_aggressive") or f.any("everyone"))
_always("after_visit", "share_reports", "follow_up")
