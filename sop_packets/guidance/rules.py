"""Rules: for each packet section, which items apply and because of which facts.

`rule(section, item_id, when)` registers a check; registration order is the order of importance in
the packet, so keep new rules where they belong in their section's list. `when` is the rule in words
for `sop-packets rules` (docs/guidance-ids.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .facts import (
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

SECTION_ORDER = ("indications", "urgency", "specialists", "records", "questions", "insurance_steps",
                 "population_notes", "telemedicine", "clinical_trials", "differing_opinions",
                 "after_visit")
NEXT_STEPS = "next_steps"
ALERTS = "alerts"  # the boxed "call your care team at once" items on page one
MAX_NEXT_STEPS = 3


@dataclass(frozen=True)
class Rule:
    """One item's rule: the facts that make it apply, and when that is, in words for the rule table."""

    check: Callable[[Facts], Because]
    when: str


RULES: dict[str, dict[str, Rule]] = {
    name: {} for name in (ALERTS, NEXT_STEPS, *SECTION_ORDER) if name != "urgency"
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


def _not_low_value(f: Facts, reasons: Because) -> Because:
    return unless(reasons, f.holds["second_opinion_optional"])


# next_steps: the first things to do, shown on page one (at most three)
rule(NEXT_STEPS, "ask_node_biopsy_first", "the staging_before_surgery indication applies")(
    _staging_before_surgery)
rule(NEXT_STEPS, "keep_treatment",
     "a treatment is proposed, and the spot is changing fast, Merkel cell, stage III or IV, melanoma IIB or "
     "higher, or the doctor said to start right away; and the plan is time-critical and curative (surgery, "
     "radiation or cancer medicine), is not one a second opinion exists to weigh (observation, completion "
     "node dissection, light treatment, photopheresis, chemotherapy for skin lymphoma) and is done by a team "
     "able to do the sentinel node biopsy the case needs (not when ask_node_biopsy_first applies)")(
    lambda f: unless(both(f.any("treatment_proposed"), f.any(
        "rapidly_changing", "type_merkel", "melanoma_stage_IIB_IIC", "melanoma_thick", "stage_III",
        "stage_IV", "stated_immediate")), not f.holds["keep_date_ok"]))


def _opinion_before_date(f: Facts) -> Because:
    """A plan to weigh, or one the booked team cannot complete: get the opinion before the date."""
    reasons = f.any("completion_dissection", "lymphoma_chemotherapy", "proposed_observation",
                    "proposed_phototherapy", "proposed_photopheresis", "team_cannot_complete") \
        or f.any("plan_to_weigh")
    return unless(reasons, not f.none("staging_before_surgery", "second_opinion_optional"))


rule(NEXT_STEPS, "opinion_before_date",
     "a treatment is proposed and keep_treatment's plan test fails (a plan to weigh, or a team that cannot "
     "do the sentinel node biopsy), except when ask_node_biopsy_first applies or a second opinion is "
     "optional")(_opinion_before_date)
rule(NEXT_STEPS, "request_records", "always")(lambda f: f.any("everyone"))
rule(NEXT_STEPS, "book_visit", "always, unless opinion_before_date says how to book")(
    lambda f: unless(f.any("everyone"), bool(_opinion_before_date(f))))
rule(NEXT_STEPS, "check_coverage_options", "no insurance")(lambda f: f.any("coverage_none"))
rule(NEXT_STEPS, "find_help_paying", "needs financial help and has insurance")(
    lambda f: unless(f.any("needs_financial_help"), f.holds["coverage_none"]))
rule(NEXT_STEPS, "call_insurance", "the patient has insurance")(lambda f: f.any("has_insurance"))

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
rule("indications", "sezary_first_treatment", "skin lymphoma with chemotherapy proposed")(
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
rule("indications", "rare_cancer_type", "rare type")(lambda f: f.any(*RARE_TYPES))
rule("indications", "melanoma_specialist_review", "invasive melanoma (stage not 0)")(
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
rule("specialists", "melanoma_specialist", "invasive melanoma (stage not 0)")(
    lambda f: f.any("invasive_melanoma"))
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
     "stage III or IV, melanoma IIB or higher, a drug treatment proposed, Merkel cell, Kaposi sarcoma, or "
     "skin lymphoma other than early (stage I) mycosis fungoides; early mycosis fungoides only from "
     "stage IIB, with Sézary syndrome or a drug proposed")(
    lambda f: f.any("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick", "systemic_proposed",
                    "type_merkel", "type_kaposi",
                    "sezary_syndrome", "lymphoma_stage_IIB_plus")
    or unless(f.any("type_lymphoma"), f.holds["mycosis_fungoides_early"]))
rule("specialists", "surgical_oncologist",
     "stage III or IV, melanoma IIB or higher, a large surgery, lymph node dissection proposed, Merkel cell, "
     "a sentinel node biopsy needed with a team that may not do it, or very-high-risk SCC; never for skin "
     "lymphoma or Kaposi sarcoma")(
    lambda f: unless(f.any("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick",
                           "extensive_surgery", "proposed_lymph_node_dissection",
                           "proposed_completion_lymph_node_dissection", "type_merkel",
                           "team_cannot_complete"),
                     not f.none("type_lymphoma", "type_kaposi")) or _very_high_risk_scc(f))
rule("specialists", "palliative_care", "stage IV, or told there are no options")(
    lambda f: f.any("stage_IV", "told_no_options"))
rule("specialists", "radiation_oncologist",
     "radiation proposed, Merkel cell, desmoplastic melanoma, classic (HIV-negative) Kaposi sarcoma that has "
     "not spread (stage not IV), very-high-risk SCC, BCC or SCC with nerve invasion or nerve symptoms, SCC "
     "that is recurrent, called high risk or with a weakened immune system, or an older adult with BCC or "
     "SCC (not when a second opinion is optional); listed after the Mohs surgeon when pregnant")(
    lambda f: f.any("proposed_radiation", "type_merkel", "desmoplastic_melanoma")
    or unless(f.any("kaposi_classic"), f.holds["stage_IV"]) or _very_high_risk_scc(f) or _nerve_involved(f)
    or both(f.any("type_scc"), f.any("recurrent", "high_risk", "weakened_immune"))
    or _not_low_value(f, both(f.any("older_adult"), f.any("type_bcc", "type_scc"))))
rule("specialists", "mohs_surgeon",
     "high-risk BCC or SCC (NCCN), or BCC or SCC on a sensitive site, recurrent, or with a cosmetic or "
     "scarring concern; or melanoma in situ or lentigo maligna on a sensitive site (never when a second "
     "opinion is optional); or dermatofibrosarcoma protuberans (cancer_type other, named in "
     "cancer_type_detail); never when the spot is already out or no skin spot was found")(
    lambda f: unless(_high_risk_scc(f) or _high_risk_bcc(f) or _not_low_value(f, both(
        f.any("type_bcc", "type_scc"),
        f.any("sensitive_site", "concern_scarring", "concern_cosmetic", "recurrent")))
        or both(f.any("melanoma_in_situ", "lentigo_maligna"), f.any("sensitive_site")) or f.any("dfsp"),
        not f.none("primary_removed", "unknown_primary")))
rule("specialists", "plastic_surgeon", "treatment_plan.reconstruction")(lambda f: f.any("reconstruction"))
rule("specialists", "dermatologist",
     "not yet seen by a skin specialist, or BCC, SCC, melanoma in situ or uncertain type (not skin "
     "lymphoma, and not stage III or IV, melanoma IIB or higher or Merkel cell, where the other specialists "
     "lead)")(
    lambda f: unless(f.any("not_seen_by_skin_specialist", "type_bcc", "type_scc", "melanoma_in_situ",
                           "type_uncertain"),
                     not f.none("type_lymphoma", "advanced", "melanoma_IIB_plus", "type_merkel")))

# records: what to gather
rule("records", "pathology_reports", "always")(lambda f: f.any("everyone"))
rule("records", "slides_and_blocks", "pathology review indicated, melanoma, or a rare type")(
    lambda f: _pathology_review(f) or f.any("type_melanoma", *RARE_TYPES))
rule("records", "visit_notes", "always")(lambda f: f.any("everyone"))
rule("records", "treatment_plan_written", "a treatment is proposed")(lambda f: f.any("treatment_proposed"))
rule("records", "imaging", "stage III or IV, melanoma IIB or higher, or Merkel cell")(
    lambda f: f.any("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick", "type_merkel"))
rule("records", "hiv_labs", "Kaposi sarcoma and HIV positive")(lambda f: f.all("type_kaposi", "hiv_positive"))
rule("records", "operative_reports", "diagnosis.recurrent")(lambda f: f.any("recurrent"))
rule("records", "medication_list", "always")(lambda f: f.any("everyone"))
rule("records", "health_conditions_list", "patient.comorbidities given")(lambda f: f.any("comorbidities"))
rule("records", "prenatal_summary", "pregnant")(lambda f: f.any("pregnant"))
rule("records", "photos",
     "wants a video visit, travel is hard, or care abroad; not when the spot is already removed or no skin "
     "spot was found")(
    lambda f: unless(f.any("telemedicine_preference", "concern_travel", "care_abroad"),
                     not f.none("primary_removed", "unknown_primary")))
rule("records", "translated_summary", "care abroad")(lambda f: f.any("care_abroad"))
rule("records", "customs_letter", "care abroad and slides will be sent")(
    lambda f: f.all("care_abroad", "slides_needed"))
rule("records", "insurance_card", "the patient has insurance")(lambda f: f.any("has_insurance"))
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
rule("questions", "melanoma_margins", "melanoma (in situ too), not stage IV, not told there are no options")(
    lambda f: unless(f.any("type_melanoma"), f.holds["no_primary_tumor_questions"]))
rule("questions", "melanoma_sentinel_node",
     "invasive melanoma, stage I, II or unknown, not told there are no options, sentinel node not already "
     "tested, and sentinel_node_timing does not apply")(
    lambda f: unless(f.any("invasive_melanoma"), not f.none(
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
     "melanoma IIB to III (or thick), or melanoma with a drug proposed; not stage IV (medicine after surgery "
     "is the question only before or after an operation)")(
    lambda f: unless(both(f.any("type_melanoma"), f.any(
        "melanoma_stage_IIB_IIC", "melanoma_thick", "stage_III", "systemic_proposed")), f.holds["stage_IV"]))
rule("questions", "melanoma_drug_choices", "melanoma stage IV")(
    lambda f: f.all("type_melanoma", "stage_IV"))
rule("questions", "melanoma_trials",
     "melanoma stage IIB or IIC (or thick), when trials_for_me does not apply")(
    lambda f: unless(f.any("melanoma_stage_IIB_IIC", "melanoma_thick"), not f.none(
        "concern_clinical_trials", "stage_III", "stage_IV", "told_no_options")))
rule("questions", "low_risk_options", "second_opinion_optional applies")(
    _second_opinion_optional)
rule("questions", "bcc_options", "BCC, when a second opinion is not optional")(
    lambda f: _not_low_value(f, f.any("type_bcc")))
rule("questions", "bcc_recurrence", "BCC")(lambda f: f.any("type_bcc"))
rule("questions", "bcc_cosmetic_result", "BCC, when a second opinion is not optional")(
    lambda f: _not_low_value(f, f.any("type_bcc")))
rule("questions", "scc_risk_level", "SCC")(lambda f: f.any("type_scc"))
rule("questions", "scc_lymph_nodes", "high-risk SCC")(_high_risk_scc)
rule("questions", "scc_adjuvant", "high-risk SCC, with surgery proposed or the spot already removed")(
    lambda f: both(_high_risk_scc(f), f.any("proposed_excision", "proposed_mohs_surgery",
                                            "proposed_wide_local_excision", "primary_removed")))
rule("questions", "nerve_imaging", "BCC or SCC with perineural invasion or new nerve symptoms")(
    _nerve_involved)
rule("questions", "margin_checked_surgery", "high-risk BCC or SCC (NCCN), when Mohs surgery is not proposed")(
    lambda f: unless(_high_risk_bcc(f) or _high_risk_scc(f), f.holds["proposed_mohs_surgery"]))
rule("questions", "derived_stage",
     "no stage given, and one can be worked out: SCC of the head or neck (size, nerve invasion, depth) or "
     "invasive melanoma with its depth (no nodes found)")(
    lambda f: f.any("stage_derived"))
rule("questions", "transplant_medicines", "organ transplant")(lambda f: f.any("organ_transplant"))
rule("questions", "hiv_treatment_first", "Kaposi sarcoma and HIV positive")(
    lambda f: f.all("type_kaposi", "hiv_positive"))
rule("questions", "merkel_team", "Merkel cell")(lambda f: f.any("type_merkel"))
rule("questions", "rare_experience", "skin lymphoma, Kaposi sarcoma, other or uncertain type")(
    lambda f: f.any("type_lymphoma", "type_kaposi", "type_other", "type_uncertain"))
rule("questions", "all_options", "always")(lambda f: f.any("everyone"))
rule("questions", "why_this_plan", "a treatment is proposed")(lambda f: f.any("treatment_proposed"))
rule("questions", "how_soon", "always")(lambda f: f.any("everyone"))
rule("questions", "doctor_said_immediately", "the doctor said to start right away")(
    lambda f: f.any("stated_immediate"))
rule("questions", "scarring_result", "concern about looks or scars, or a sensitive site")(
    lambda f: f.any("concern_scarring", "concern_cosmetic", "sensitive_site"))
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
rule("questions", "side_effects", "a treatment is proposed")(lambda f: f.any("treatment_proposed"))
_always("questions", "experience", "follow_up_plan")

# insurance_steps
def _insured(f: Facts, reasons: Because) -> Because:
    """Plan steps only for someone with a plan."""
    return unless(reasons, f.holds["coverage_none"])


rule("insurance_steps", "insurer_requires", "insurance.requires_second_opinion (with insurance)")(
    lambda f: _insured(f, f.any("insurance_requires")))
rule("insurance_steps", "preauthorization_required", "preauthorization required (with insurance)")(
    lambda f: _insured(f, f.any("preauth_required")))
rule("insurance_steps", "preauthorization_check", "preauthorization unknown (with insurance)")(
    lambda f: _insured(f, f.any("preauth_unknown")))
rule("insurance_steps", "network_check",
     "network unknown or in-network, except Original Medicare in the US and no insurance")(
    lambda f: unless(f.any("network_unknown", "network_in"), not f.none("medicare_us", "coverage_none")))
rule("insurance_steps", "out_of_network_costs", "out of network (with insurance)")(
    lambda f: _insured(f, f.any("network_out")))
rule("insurance_steps", "documentation",
     "the insurer requires one, or preauthorization required (with insurance)")(
    lambda f: _insured(f, f.any("insurance_requires", "preauth_required")))
rule("insurance_steps", "medicare_part_b", "Original Medicare in the US")(lambda f: f.any("medicare_us"))
rule("insurance_steps", "medicare_advantage", "Medicare Advantage in the US")(
    lambda f: f.any("medicare_advantage_us"))
rule("insurance_steps", "medicaid", "Medicaid")(lambda f: f.any("coverage_medicaid"))
rule("insurance_steps", "no_insurance", "no insurance")(lambda f: f.any("coverage_none"))
rule("insurance_steps", "uninsured_medicaid", "no insurance")(lambda f: f.any("coverage_none"))
rule("insurance_steps", "uninsured_marketplace", "no insurance")(lambda f: f.any("coverage_none"))
rule("insurance_steps", "uninsured_hospital_help", "no insurance")(lambda f: f.any("coverage_none"))
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
rule("population_notes", "older_adult", "older adult")(
    lambda f: f.any("age_75_plus", "age_65_plus_with_conditions"))
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
