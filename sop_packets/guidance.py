"""Guidance: what applies to this patient, and because of which facts. Pure functions, no I/O.

Rules decide *which* items apply and name the profile facts that made them apply. The words a
patient reads (item texts, the "because" phrases, the summary and the sources behind each item) come
from one language's content files under templates/content/<language>/, passed in as `content`.
`sop-packets rules` prints every rule with when it fires; docs/guidance-ids.md is that output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .risk import BCC_HIGH, SCC_HIGH, SCC_VERY_HIGH, risk_facts
from .schema import (
    BodySite,
    CancerType,
    CoverageType,
    Diagnoser,
    ImmuneReason,
    LymphomaType,
    MelanomaSubtype,
    Profile,
    Stage,
    Treatment,
)
from .situation import reader_voice, situation_facts

SENSITIVE_SITES = {BodySite.face, BodySite.scalp, BodySite.ear, BodySite.nose, BodySite.lip,
                   BodySite.eyelid, BodySite.neck, BodySite.hand, BodySite.foot, BodySite.genitals}
TRUNK_AND_LIMBS = {BodySite.chest, BodySite.abdomen, BodySite.back, BodySite.arm, BodySite.leg}
SYSTEMIC = (Treatment.immunotherapy, Treatment.targeted_therapy, Treatment.chemotherapy)
SMALL_TUMOR_MM = 10
TYPE_FACT = {
    CancerType.melanoma: "type_melanoma",
    CancerType.basal_cell_carcinoma: "type_bcc",
    CancerType.squamous_cell_carcinoma: "type_scc",
    CancerType.merkel_cell_carcinoma: "type_merkel",
    CancerType.skin_lymphoma: "type_lymphoma",
    CancerType.kaposi_sarcoma: "type_kaposi",
    CancerType.other: "type_other",
    CancerType.uncertain: "type_uncertain",
}
RARE_TYPES = ("type_merkel", "type_lymphoma", "type_kaposi", "type_other", "type_uncertain")
SECTION_ORDER = ("indications", "urgency", "specialists", "records", "questions", "insurance_steps",
                 "population_notes", "telemedicine", "clinical_trials", "differing_opinions",
                 "after_visit")
NEXT_STEPS = "next_steps"
ALERTS = "alerts"  # the boxed "call your care team at once" items on page one
MAX_NEXT_STEPS = 3
PLACEHOLDER = re.compile(r"\{(\w+)\}")

Because = tuple[str, ...]


# ---------------------------------------------------------------- facts


@dataclass(frozen=True)
class Facts:
    """Named yes/no facts about a profile, and the values that their phrases may quote."""

    holds: dict[str, bool]
    values: dict[str, str]

    def any(self, *keys: str) -> Because:
        """The keys that hold; empty (the rule stays silent) when none does."""
        return tuple(key for key in keys if self.holds[key])

    def all(self, *keys: str) -> Because:
        """All the keys when every one holds; otherwise empty."""
        return keys if all(self.holds[key] for key in keys) else ()

    def none(self, *keys: str) -> bool:
        """True when none of the keys holds (for rules that must stay silent on a fact)."""
        return not any(self.holds[key] for key in keys)


def both(*parts: Because) -> Because:
    """Every part must be non-empty; the reasons are joined."""
    return tuple(key for part in parts for key in part) if all(parts) else ()


def unless(reasons: Because, blocked: bool) -> Because:
    """The reasons, or nothing when a blocking fact holds."""
    return () if blocked else reasons


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def facts_of(profile: Profile, today: date, words: dict[str, Any], language: str = "",
             language_name: str = "") -> Facts:
    """Derive every fact the rules use from the profile, as of a given day.

    `language` is the patient's language tag after any override (default: the profile's, else en);
    `language_name` is that language in words in the packet's language, for the because phrase.
    """
    patient, dx, plan = profile.patient, profile.diagnosis, profile.treatment_plan
    path, concerns, insurance = dx.pathology, profile.concerns, profile.insurance
    mel = dx.melanoma
    age = patient.age_on(today)
    proposed = set(plan.proposed)
    coverage = insurance.coverage_type
    in_us = patient.country in (None, "US")
    group = dx.stage.group
    melanoma = dx.cancer_type is CancerType.melanoma
    invasive = melanoma and dx.stage is not Stage.zero
    breslow = mel.breslow_mm if melanoma else None
    ulcerated = melanoma and bool(mel.ulcerated)
    holds = {
        "everyone": True,
        **{fact: dx.cancer_type is kind for kind, fact in TYPE_FACT.items()},
        "stage_III": group == "III",
        "stage_IV": group == "IV",
        "melanoma_in_situ": melanoma and dx.stage is Stage.zero,
        "invasive_melanoma": invasive,
        "melanoma_stage_IIB_IIC": melanoma and dx.stage in (Stage.IIB, Stage.IIC),
        "melanoma_stage_IB_II": melanoma
        and dx.stage in (Stage.IB, Stage.II, Stage.IIA, Stage.IIB, Stage.IIC),
        "melanoma_thick": invasive and group in ("unknown", "I", "II") and breslow is not None
        and (breslow > 4 or (breslow > 2 and ulcerated)),
        "breslow_08": invasive and breslow is not None and breslow >= 0.8,
        "melanoma_ulcerated": invasive and ulcerated,
        "melanoma_depth_unknown": invasive and group in ("unknown", "I") and breslow is None
        and mel.ulcerated is None,
        "breslow_known": breslow is not None,
        "ulceration_known": melanoma and mel.ulcerated is not None,
        "lentigo_maligna": melanoma and mel.subtype is MelanomaSubtype.lentigo_maligna,
        "mycosis_fungoides_early": dx.cancer_type is CancerType.skin_lymphoma
        and dx.lymphoma_type is LymphomaType.mycosis_fungoides and group == "I",
        "sezary_syndrome": dx.cancer_type is CancerType.skin_lymphoma
        and dx.lymphoma_type is LymphomaType.sezary_syndrome,
        "lymphoma_stage_IIB_plus": dx.cancer_type is CancerType.skin_lymphoma
        and (dx.stage in (Stage.IIB, Stage.IIC) or group in ("III", "IV")),
        "small_tumor": dx.size_mm is not None and dx.size_mm < SMALL_TUMOR_MM,
        "trunk_or_limb": dx.body_site in TRUNK_AND_LIMBS,
        "rapidly_changing": dx.rapidly_changing,
        "recurrent": dx.recurrent,
        "high_risk": dx.high_risk,
        "confirmed_by_biopsy": dx.confirmed_by_biopsy,
        "site_ear": dx.body_site is BodySite.ear,
        "site_lip": dx.body_site is BodySite.lip,
        "sensitive_site": dx.body_site in SENSITIVE_SITES,
        "diagnosed_by_primary_care": dx.diagnosed_by is Diagnoser.primary_care,
        "diagnosed_by_other": dx.diagnosed_by is Diagnoser.other,
        "not_seen_by_skin_specialist": dx.diagnosed_by
        not in (Diagnoser.dermatologist, Diagnoser.dermatopathologist),
        "pathology_borderline": path.borderline,
        "pathology_insufficient_tissue": path.insufficient_tissue,
        "pathology_differential": path.differential or bool(path.differential_diagnoses),
        "melanoma_not_read_by_dermatopathologist": melanoma and not path.reviewed_by_dermatopathologist,
        "treatment_proposed": bool(proposed),
        "one_treatment_proposed": len(proposed) == 1,
        "alternatives_not_discussed": not plan.alternatives_discussed,
        **{f"proposed_{t.value}": t in proposed for t in Treatment},
        "systemic_proposed": bool(proposed & set(SYSTEMIC)),
        "extensive_surgery": plan.extensive_surgery,
        "reconstruction": plan.reconstruction,
        "told_no_options": plan.told_no_options,
        "stated_immediate": plan.urgency_stated.value == "immediate",
        "stated_within_weeks": plan.urgency_stated.value == "within_weeks",
        **{f"concern_{name}": bool(value) for name, value in concerns},
        "child": age < 18,
        "age_75_plus": age >= 75,
        "age_65_plus_with_conditions": age >= 65 and bool(patient.comorbidities),
        "comorbidities": bool(patient.comorbidities),
        "pregnant": patient.pregnant,
        "weakened_immune": patient.immune_weakened,
        "organ_transplant": ImmuneReason.organ_transplant in patient.immune_reasons,
        "hiv_positive": patient.hiv_positive,
        "care_abroad": patient.seeking_care_abroad,
        "language_not_english": _primary(language or patient.language or "en") != "en",
        "telemedicine_preference": profile.preferences.telemedicine,
        "insurance_requires": insurance.requires_second_opinion,
        "preauth_required": insurance.preauthorization.value == "required",
        "preauth_unknown": insurance.preauthorization.value == "unknown",
        "network_in": insurance.network.value == "in_network",
        "network_unknown": insurance.network.value == "unknown",
        "network_out": insurance.network.value == "out_of_network",
        "medicare_us": coverage is CoverageType.medicare and in_us,
        "medicare_advantage_us": coverage is CoverageType.medicare_advantage and in_us,
        "coverage_medicare_advantage": coverage is CoverageType.medicare_advantage,
        "coverage_medicaid": coverage is CoverageType.medicaid,
        "coverage_none": coverage is CoverageType.none,
        "has_insurance": coverage is not CoverageType.none,
        "needs_financial_help": insurance.needs_financial_help,
        **{f"risk_{r}": profile.preferences.risk_tolerance == r
           for r in ("conservative", "balanced", "aggressive")},
    }
    risk_holds, risk_values = risk_facts(profile)
    holds |= risk_holds
    holds.update(situation_facts(profile, today, age))
    holds["advanced"] = holds["stage_III"] or holds["stage_IV"]
    holds["melanoma_IIB_plus"] = melanoma and any(
        holds[k] for k in ("melanoma_stage_IIB_IIC", "melanoma_thick", "stage_III", "stage_IV"))
    holds["older_adult"] = holds["age_75_plus"] or holds["age_65_plus_with_conditions"]
    holds["pathology_review"] = bool(_pathology_review(Facts(holds, {})))
    holds["slides_needed"] = holds["pathology_review"] or melanoma or any(holds[k] for k in RARE_TYPES)
    holds["high_risk_scc"] = bool(_high_risk_scc(Facts(holds, {})))
    holds["second_opinion_optional"] = bool(_second_opinion_optional(Facts(holds, {})))
    holds["staging_before_surgery"] = bool(_staging_before_surgery(Facts(holds, {})))
    holds["no_primary_tumor_questions"] = any(
        holds[k] for k in ("stage_IV", "told_no_options", "unknown_primary"))
    holds["sentinel_needed"] = bool(_sentinel_needed(Facts(holds, {})))
    holds["team_cannot_complete"] = bool(_team_cannot_complete(Facts(holds, {})))
    holds["keep_date_ok"] = holds["time_critical_plan"] and not holds["weigh_plan"] \
        and not holds["team_cannot_complete"] and not holds["staging_before_surgery"]
    holds["plan_to_weigh"] = holds["treatment_proposed"] and not holds["keep_date_ok"]
    holds["gentler_question"] = holds["older_adult"] and any(
        holds[k] for k in ("comorbidities", "risk_conservative"))
    cancer = words["cancer_types"][dx.cancer_type.value]["name"]
    values = {
        "age": str(age),
        "cancer_name": dx.cancer_type_detail or cancer,
        "body_site": words["body_sites"][dx.body_site.value] if dx.body_site else words["no_body_site"],
        "diagnosed_by": words["diagnosers"][dx.diagnosed_by.value],
        "language": language_name or language or patient.language or "en",
        "comorbidities": ", ".join(patient.comorbidities),
        "stage": dx.stage.value,
        "patient": patient.name,
        "representative": patient.representative.name if patient.representative else "",
        "breslow_mm": _number(breslow),
        "size_mm": _number(dx.size_mm),
        "tumor_depth_mm": _number(path.tumor_depth_mm),
        "derived_t": risk_values["derived_t"],
        "risk_group": risk_values["risk_group"],
        "derived_stage": f" {words['derived_stage']['or']} ".join(risk_values["derived_stage"].split()),
    }
    return Facts(holds, values)


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def _pathology_review(f: Facts) -> Because:
    return f.any("pathology_borderline", "pathology_insufficient_tissue", "pathology_differential",
                 "melanoma_not_read_by_dermatopathologist", "type_uncertain")


def _high_risk_scc(f: Facts) -> Because:
    """An SCC in the NCCN high or very high risk group, named by the facts that put it there."""
    return both(f.any("type_scc"), f.any(*SCC_VERY_HIGH, *SCC_HIGH))


def _very_high_risk_scc(f: Facts) -> Because:
    return both(f.any("type_scc"), f.any(*SCC_VERY_HIGH))


def _high_risk_bcc(f: Facts) -> Because:
    """A BCC in the NCCN high risk group, named by the facts that put it there."""
    return both(f.any("type_bcc"), f.any(*BCC_HIGH))


def _nerve_involved(f: Facts) -> Because:
    """A BCC or SCC with perineural invasion on the report or new nerve symptoms."""
    return both(f.any("type_bcc", "type_scc"), f.any("risk_perineural", "nerve_symptoms"))


def _second_opinion_optional(f: Facts) -> Because:
    """A small, simple BCC or low-risk SCC on the trunk or a limb: a second opinion adds little."""
    kind = unless(f.any("type_bcc"), f.holds["bcc_high_risk"]) or unless(f.any("type_scc"),
                                                                          f.holds["high_risk_scc"])
    blocked = not f.none("recurrent", "weakened_immune", "concern_cosmetic", "concern_scarring", "child",
                         "high_risk", "rapidly_changing", "pathology_review", "diagnosed_by_primary_care",
                         "diagnosed_by_other", "told_no_options", "extensive_surgery", "reconstruction")
    return unless(both(kind, f.all("small_tumor", "trunk_or_limb", "confirmed_by_biopsy")), blocked)


def _staging_before_surgery(f: Facts) -> Because:
    """A wide excision is booked for an invasive melanoma that may need a sentinel node biopsy with it."""
    reasons = f.any("melanoma_stage_IB_II", "melanoma_thick", "breslow_08", "melanoma_ulcerated",
                    "melanoma_depth_unknown")
    plan = f.all("invasive_melanoma", "proposed_wide_local_excision")
    return unless(both(plan, reasons), not f.none("proposed_sentinel_node_biopsy", "stage_III", "stage_IV",
                                                   "sentinel_done", "unknown_primary"))


def _sentinel_needed(f: Facts) -> Because:
    """Invasive melanoma (or Merkel cell) whose case calls for a sentinel node biopsy not yet done."""
    reasons = both(f.any("invasive_melanoma"), f.any(
        "melanoma_stage_IB_II", "melanoma_thick", "breslow_08", "melanoma_ulcerated",
        "melanoma_depth_unknown")) or f.any("type_merkel")
    return unless(reasons, not f.none("stage_III", "stage_IV", "sentinel_done", "unknown_primary"))


def _team_cannot_complete(f: Facts) -> Because:
    """Surgery is booked for a case that needs a sentinel node biopsy, with a team not known to do one."""
    surgery = f.any("proposed_wide_local_excision", "proposed_excision", "proposed_sentinel_node_biopsy")
    return unless(both(_sentinel_needed(f), surgery), f.holds["performer_node_surgeon"])


# ---------------------------------------------------------------- rules


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


def urgency_level(f: Facts) -> tuple[str, Because]:
    """One level (urgent, prompt, routine) and the facts that set it."""
    urgent = (f.any("rapidly_changing", "type_merkel")
              + both(f.any("type_melanoma", "type_scc"), f.any("melanoma_stage_IIB_IIC", "melanoma_thick",
                                                                "stage_III", "stage_IV"))
              + (_high_risk_scc(f) if _very_high_risk_scc(f) else ()))
    if urgent:
        return "urgent", urgent + both(f.any("type_merkel"), f.any("weakened_immune"))
    if f.holds["melanoma_in_situ"]:
        return "routine", ("melanoma_in_situ",)
    if f.holds["mycosis_fungoides_early"]:
        return "routine", ("mycosis_fungoides_early",)
    if f.holds["kaposi_classic"]:
        return "routine", ("kaposi_classic",)
    prompt = (f.any("invasive_melanoma", "type_lymphoma", "type_kaposi", "type_other", "type_uncertain")
              or _high_risk_scc(f) or _high_risk_bcc(f))
    if prompt:
        return "prompt", prompt
    return "routine", f.any("second_opinion_optional") or f.any("type_bcc", "type_scc")


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Summary:
    """The patient's situation in plain words."""

    cancer_name: str
    diagnosis: tuple[str, ...]
    plan: tuple[str, ...]
    plan_note: str


@dataclass(frozen=True)
class Item:
    """One recommendation, with the facts that produced it in words and the sources behind it."""

    id: str
    title: str
    text: str
    because: tuple[str, ...]
    find: str = ""
    personal: bool = True  # False when it applies to everyone: the packet then skips the "why"
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Urgency:
    """How soon to act, and why."""

    level: str
    title: str
    text: str
    because: tuple[str, ...]
    doctor_said: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled list of items."""

    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Reader:
    """Who reads the packet and signs the letter for the patient, in the packet's words."""

    voice: str
    note: str  # page one: who this guide is written for
    signer: str  # the letter's "From" line for the signer
    signature: str  # the label under the signature line
    letter_body: str  # the letter's first sentence


@dataclass(frozen=True)
class Guidance:
    """Everything the packet says that depends on the profile."""

    patient_id: str
    age: int
    summary: Summary
    urgency: Urgency
    sections: dict[str, Section]
    voice: str = "self"  # "parent" (child under 13), "teen" (13-17 with a parent), "representative"
    is_cancer: bool = True  # False while the type is uncertain: the packet never calls it cancer
    show_depth_drawing: bool = True  # the skin-layers drawing, only where depth matters
    reader: Reader | None = None  # who reads and signs, when that is not the patient alone

    def items(self, section: str) -> tuple[Item, ...]:
        return self.sections[section].items if section in self.sections else ()

    def source_ids(self) -> tuple[str, ...]:
        """Every source the packet's items and urgency name, in first-use order."""
        used = [*self.urgency.sources]
        for section in self.sections.values():
            for item in section.items:
                used += item.sources
        return tuple(dict.fromkeys(used))

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form: patient_id, urgency, and one list of {id, text, because} per section
        (the page-one alerts come last)."""
        result: dict[str, Any] = {"patient_id": self.patient_id}
        for name in (NEXT_STEPS, *SECTION_ORDER, ALERTS):  # alerts last: the shape only grew
            if name == "urgency":
                result["urgency"] = {**asdict(self.urgency), "because": list(self.urgency.because),
                                     "sources": list(self.urgency.sources)}
            else:
                result[name] = [
                    {key: value for key, value in asdict(item).items() if key != "find" or value}
                    | {"because": list(item.because), "sources": list(item.sources)}
                    for item in self.items(name)
                ]
        return result


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders with profile values; unknown names are an error in the content."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text).strip()


def stage_sentence(profile: Profile, words: dict[str, Any], values: dict[str, str]) -> str:
    """What the stage means, in the words used for this cancer type (BCC is usually not staged)."""
    dx = profile.diagnosis
    kind = dx.cancer_type.value
    if kind == "skin_lymphoma" and dx.lymphoma_type.value not in ("mycosis_fungoides", "sezary_syndrome"):
        kind = "skin_lymphoma_other"
    if dx.stage is Stage.unknown and values.get("derived_stage"):
        return fill(words["derived_stage"][kind], values)  # "about stage ..., ask your doctor"
    sentences = words["stage_sentences"].get(kind, words["stage_sentences"]["default"])
    group = dx.stage.group
    high_risk = values.get("risk_group") in ("high", "very_high")
    if group == "unknown" and high_risk and "unknown_high_risk" in sentences:
        group = "unknown_high_risk"  # never "small ones are not given a stage" for a high-risk cancer
    return fill(sentences.get(group, sentences.get("any", "")), values)


def summarize(profile: Profile, words: dict[str, Any], values: dict[str, str], is_cancer: bool) -> Summary:
    """Describe the diagnosis and the proposed plan in plain sentences."""
    diagnosis = profile.diagnosis
    phrases = words["summary"]["cancer" if is_cancer else "not_cancer"]
    kind = words["cancer_types"][diagnosis.cancer_type.value]
    lines = [fill(kind.get(f"found_{diagnosis.lymphoma_type.value}", kind["found"])
                  if diagnosis.cancer_type is CancerType.skin_lymphoma else kind["found"], values)]
    if diagnosis.body_site is not None:
        lines.append(fill(phrases["site"], values))
    lines.append(stage_sentence(profile, words, values))
    if diagnosis.size_mm is not None:
        lines.append(fill(phrases["size"], values))
    if values["breslow_mm"]:
        lines.append(fill(phrases["depth"], values))
    if diagnosis.cancer_type is CancerType.melanoma and diagnosis.melanoma.ulcerated is not None:
        lines.append(phrases["ulcerated" if diagnosis.melanoma.ulcerated else "not_ulcerated"])
    lines.append(fill(phrases["diagnosed_by"], values))
    lines.append(phrases["biopsy_yes" if diagnosis.confirmed_by_biopsy else "biopsy_no"])
    if diagnosis.unknown_primary:
        lines.append(phrases["unknown_primary"])
    elif diagnosis.primary_removed:
        lines.append(phrases["primary_removed"])
    if diagnosis.recurrent:
        lines.append(phrases["recurrent"])
    # after the first spot is out, surgery is on the place where it was, not on "the spot"
    after = words.get("treatments_after_removal", {}) if diagnosis.primary_removed else {}
    plan = tuple(after.get(t.value, words["treatments"][t.value]) for t in profile.treatment_plan.proposed)
    note = words["stated_urgency"][profile.treatment_plan.urgency_stated.value]
    if not plan:
        note = " ".join(filter(None, [phrases["no_plan"], note]))
    return Summary(values["cancer_name"], tuple(filter(None, lines)), plan, note)


def item_sources(listed: Any, facts: Facts) -> tuple[str, ...]:
    """An item's source keys: a list, or by fact ({type_scc: [...], type_bcc: [...], default: [...]}),
    the first fact that holds choosing (so a melanoma packet never cites the SCC guide)."""
    if isinstance(listed, dict):
        chosen = next((keys for fact, keys in listed.items() if fact != "default" and facts.holds.get(fact)),
                      listed.get("default", ()))
        return tuple(chosen or ())
    return tuple(listed or ())


def every_source(listed: Any) -> tuple[str, ...]:
    """Every source key an item may cite, whichever fact holds (for the rule table and the checks)."""
    if isinstance(listed, dict):
        return tuple(dict.fromkeys(key for keys in listed.values() for key in keys or ()))
    return tuple(listed or ())


def _because(keys: Because, content: dict[str, Any], facts: Facts, voice: str = "self") -> tuple[str, ...]:
    """The phrases behind an item; about the patient by name when someone else reads for them."""
    about = content.get("because_about", {}) if voice != "self" else {}
    return tuple(dict.fromkeys(fill(about.get(key, content["because"][key]), facts.values) for key in keys))


def reader_of(voice: str, profile: Profile, content: dict[str, Any], values: dict[str, str]) -> Reader | None:
    """The reader's page-one note and the letter's signer, from content/<lang>/reader.yaml."""
    if voice == "self":
        return None
    text = content["reader"]
    rep = profile.patient.representative
    comma = text.get("relationship_separator", ", ")  # Chinese: a full-width comma
    words = {**values, "relationship": f"{comma}{rep.relationship}" if rep and rep.relationship else "",
             "authority": text["authority"][rep.authority.value] if rep else text["authority"]["parent"]}
    kind = text["voices"][voice]
    if rep is not None:
        signer = fill(text["signer_named"], words)
        signature = fill(text["signature_named"], words)
    else:
        signer, signature = "", ""
    return Reader(voice, fill(kind["note"], words), signer, signature,
                  fill(kind["letter"] if profile.diagnosis.cancer_type is not CancerType.uncertain
                       else kind["letter_not_cancer"], words))


def build_guidance(profile: Profile, content: dict[str, Any], today: date, language: str = "",
                   language_name: str = "") -> Guidance:
    """The guidance for one profile, in the language of `content`, as of a given day.

    `language` and `language_name` are the patient's language tag and its name in words (see facts_of).
    """
    facts = facts_of(profile, today, content["words"], language, language_name)
    voice = reader_voice(facts.holds)
    sections: dict[str, Section] = {}
    for name, rules in RULES.items():
        fired = [(item_id, because) for item_id, r in rules.items() if (because := r.check(facts))]
        if name == NEXT_STEPS:
            fired = fired[:MAX_NEXT_STEPS]
        if name == "specialists" and facts.holds["pregnant"]:  # radiation usually waits for the birth
            fired.sort(key=lambda pair: pair[0] == "radiation_oncologist")
        if name == "specialists" and not fired:
            fired = [("dermatologist", ("everyone",))]
        if not fired:
            continue
        # someone else reads for the patient: items that say "your" have words about the patient (about.yaml)
        about = content.get("about", {}).get(name, {}) if voice != "self" else {}
        texts = {item_id: {**entry, **about.get(item_id, {})} for item_id, entry in content[name].items()}
        items = tuple(
            Item(item_id, fill(texts[item_id].get("title", ""), facts.values),
                 fill(texts[item_id]["text"], facts.values), _because(because, content, facts, voice),
                 fill(texts[item_id].get("find", ""), facts.values), because != ("everyone",),
                 item_sources(texts[item_id].get("sources"), facts))
            for item_id, because in fired
        )
        heading = content["sections"].get(name, {"title": ""})
        intro = heading.get("intro", "")
        if name == "insurance_steps" and facts.holds["coverage_none"]:  # no plan to call
            intro = heading.get("intro_no_insurance", intro)
        sections[name] = Section(name, heading["title"], intro, items)
    level, because = urgency_level(facts)
    urgency_text = content["urgency"]
    level_text = urgency_text["levels"][level]
    planned = facts.holds["treatment_proposed"]
    keep = facts.holds["keep_date_ok"]
    # "Keep your date" only for a time-critical, curative plan the team can complete; else ask first.
    advice = (level_text["keep"] if keep else level_text["ask_first"]) if planned else ""
    text = " ".join(filter(None, [level_text["text"], advice]))
    said = urgency_text[("doctor_said" if keep else "doctor_said_weigh") if planned
                        else "doctor_said_no_plan"]
    urgency = Urgency(
        level, level_text["title"], fill(text, facts.values), _because(because, content, facts, voice),
        fill(said.get(profile.treatment_plan.urgency_stated.value, {}).get(level, ""), facts.values),
        item_sources(level_text.get("sources"), facts),
    )
    is_cancer = not facts.holds["type_uncertain"]
    return Guidance(profile.patient.id, int(facts.values["age"]),
                    summarize(profile, content["words"], facts.values, is_cancer), urgency, sections,
                    voice=voice, is_cancer=is_cancer, show_depth_drawing=facts.holds["depth_matters"],
                    reader=reader_of(voice, profile, content, facts.values))
