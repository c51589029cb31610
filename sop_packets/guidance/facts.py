"""Facts: the named yes/no facts the rules read, derived from a profile as of a given day.

`facts_of` merges the diagnosis, plan, patient and insurance facts with those from risk.py
(NCCN risk groups, derived stage) and situation.py (reader, current treatment, timing). The few
facts built from other facts (pathology review, high-risk SCC, sentinel node needed...) are also
checks the rules reuse, so they live here with `both` and `unless`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..risk import BCC_HIGH, SCC_HIGH, SCC_VERY_HIGH, risk_facts
from ..schema import (
    BodySite,
    CancerType,
    CoverageType,
    Diagnoser,
    LymphomaType,
    MelanomaSubtype,
    Profile,
    SentinelNode,
    Stage,
    Treatment,
)
from ..situation import situation_facts
from .kinds import AGGRESSIVE_KINDS, access_facts, condition_facts, kind_facts, timing_facts

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
    CancerType.angiosarcoma: "type_angiosarcoma",
    CancerType.sebaceous_carcinoma: "type_sebaceous",
    CancerType.atypical_fibroxanthoma: "type_afx",
    CancerType.pleomorphic_dermal_sarcoma: "type_pds",
    CancerType.other: "type_other",
    CancerType.uncertain: "type_uncertain",
}
RARE_TYPES = ("type_merkel", "type_lymphoma", "type_kaposi", "type_angiosarcoma", "type_sebaceous",
              "type_afx", "type_pds", "type_other", "type_uncertain")

Because = tuple[str, ...]
# Cases where scans belong in the work-up: ask for them, and bring any already done (issue 25).
IMAGING_FACTS = ("stage_III", "stage_IV", "melanoma_stage_IIB_IIC", "melanoma_thick", "type_merkel",
                 "bone_or_orbit", "type_angiosarcoma", "type_pds", "lymphoma_b_large_leg", "sezary_syndrome",
                 "lymphoma_stage_IIB_plus", "mucosal_melanoma", "systemic_proposed", "unmodelled_type")


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


BILINGUAL = re.compile(r"^\s*(?P<english>[ -~]+?)\s*[(\uff08](?P<own>[^()\uff08\uff09]+)[)\uff09]\s*$")
"""A profile value written for both readers: the English for the letter and the case summary, then the
patient's own words in brackets ("high blood pressure (高血压)"), as the lint asks (lint/profile_text.py)."""


def in_reader_words(text: str, packet_language: str) -> str:
    """A free-text value as the packet's reader reads it: in a packet not in English, a value written
    "English (own words)" whose brackets hold letters beyond ASCII gives the own words alone (rating round
    3: "high blood pressure (高血压)" in a Chinese sentence); anything else is kept as written."""
    found = BILINGUAL.match(text)
    if found and _primary(packet_language) != "en" and not found.group("own").isascii():
        return found.group("own").strip()
    return text


def _number(value: float | None, locale: str = "en") -> str:
    """A measure as the packet's language writes it: 2.4 in English, 2,4 in Vietnamese (Babel)."""
    from babel.numbers import format_decimal

    return "" if value is None else format_decimal(value, format="0.###", locale=locale)


def facts_of(profile: Profile, today: date, words: dict[str, Any], language: str = "",
             language_name: str = "", writing: Mapping[str, str] | None = None,
             dates: Callable[[date], str] = date.isoformat) -> Facts:
    """Derive every fact the rules use from the profile, as of a given day.

    `language` is the patient's language tag after any override (default: the profile's, else en);
    `language_name` is that language in words in the packet's language, for the because phrase;
    `dates` writes a date in words in the packet's language.
    """
    patient, dx, plan = profile.patient, profile.diagnosis, profile.treatment_plan
    writing = writing or {}
    number_locale = writing.get("number_locale", "en")
    path, concerns, insurance = dx.pathology, profile.concerns, profile.insurance
    mel = dx.melanoma
    age = patient.age_on(today)
    proposed = set(plan.proposed)
    coverage = insurance.coverage_type
    in_us = patient.country in (None, "US")
    group = dx.stage.group
    any_melanoma = dx.cancer_type is CancerType.melanoma
    # skin melanoma: depth, ulceration, AJCC skin stages and the sentinel node test; mucosal melanoma is
    # staged and treated differently, and never gets those sentences
    melanoma = any_melanoma and mel.subtype is not MelanomaSubtype.mucosal
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
        "site_eyelid": dx.body_site is BodySite.eyelid,
        "sensitive_site": dx.body_site in SENSITIVE_SITES,
        "diagnosed_by_primary_care": dx.diagnosed_by is Diagnoser.primary_care,
        "diagnosed_by_other": dx.diagnosed_by is Diagnoser.other,
        "not_seen_by_skin_specialist": dx.diagnosed_by
        not in (Diagnoser.dermatologist, Diagnoser.dermatopathologist),
        "pathology_borderline": path.borderline,
        "pathology_insufficient_tissue": path.insufficient_tissue,
        "pathology_differential": path.differential or bool(path.differential_diagnoses),
        "melanoma_not_read_by_dermatopathologist": any_melanoma and not path.reviewed_by_dermatopathologist,
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
        "age_65_plus": age >= 65,
        "age_65_plus_with_conditions": age >= 65 and bool(patient.comorbidities),
        "comorbidities": bool(patient.comorbidities),
        "pregnant": patient.pregnant,
        "weakened_immune": patient.immune_weakened,
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
    for more in (kind_facts, timing_facts, condition_facts, access_facts):
        holds.update(more(profile))
    holds["organ_transplant"] = holds["cond_transplant"]  # from conditions or immune_reasons (kinds.py)
    holds["advanced"] = holds["stage_III"] or holds["stage_IV"]
    holds["melanoma_IIB_plus"] = melanoma and any(
        holds[k] for k in ("melanoma_stage_IIB_IIC", "melanoma_thick", "stage_III", "stage_IV"))
    holds["older_adult"] = holds["age_75_plus"] or holds["age_65_plus_with_conditions"]
    holds["pathology_review"] = bool(_pathology_review(Facts(holds, {})))
    # the report itself leaves the diagnosis open (summary.uncertain_result): page one says so (issue 28)
    holds["pathology_uncertain"] = not holds["type_uncertain"] and any(
        holds[k] for k in ("pathology_differential", "pathology_borderline"))
    holds["slides_needed"] = holds["pathology_review"] or any_melanoma or any(holds[k] for k in RARE_TYPES)
    holds["high_risk_scc"] = bool(_high_risk_scc(Facts(holds, {})))
    holds["second_opinion_optional"] = bool(_second_opinion_optional(Facts(holds, {})))
    holds["staging_before_surgery"] = bool(_staging_before_surgery(Facts(holds, {})))
    holds["no_primary_tumor_questions"] = any(
        holds[k] for k in ("stage_IV", "told_no_options", "unknown_primary"))
    holds["sentinel_needed"] = bool(_sentinel_needed(Facts(holds, {})))
    holds["team_cannot_complete"] = bool(_team_cannot_complete(Facts(holds, {})))
    holds["aggressive_kind"] = any(holds[k] for k in AGGRESSIVE_KINDS)
    holds["imaging_needed"] = any(holds[k] for k in IMAGING_FACTS)
    holds["gentler_question"] = holds["older_adult"] and any(
        holds[k] for k in ("comorbidities", "risk_conservative"))
    holds |= relevance_facts(holds)
    cancer = words["cancer_types"][dx.cancer_type.value]["name"]
    values = {
        "age": str(age),
        "cancer_name": dx.cancer_type_detail or cancer,
        "body_site": words["body_sites"][dx.body_site.value] if dx.body_site else words["no_body_site"],
        "diagnosed_by": words["diagnosers"][dx.diagnosed_by.value],
        "language": language_name or language or patient.language or "en",
        "comorbidities": writing.get("enumeration_separator", ", ").join(
            in_reader_words(text, writing.get("packet_language", "en")) for text in patient.comorbidities),
        "stage": dx.stage.value,
        "patient": patient.name,
        "representative": patient.representative.name if patient.representative else "",
        "breslow_mm": _number(breslow, number_locale),
        "size_mm": _number(dx.size_mm, number_locale),
        "tumor_depth_mm": _number(path.tumor_depth_mm, number_locale),
        "derived_t": risk_values["derived_t"],
        "risk_group": risk_values["risk_group"],
        "derived_stage": f" {words['derived_stage']['or']} ".join(risk_values["derived_stage"].split()),
        "invasive_reason": words["invasive_reason"][
            "unstaged" if dx.stage is Stage.unknown and not holds["stage_derived"] else "staged"],
        **_people_values(profile, words, dates),
    }
    values["stage_meaning"] = stage_meaning(profile, words, values)
    return Facts(holds, values)


def stage_kind(profile: Profile) -> str:
    """The stage sentences' key for this cancer: its type, except a skin lymphoma other than mycosis
    fungoides or Sézary syndrome (staged its own way) and a mucosal melanoma (not staged like skin)."""
    dx = profile.diagnosis
    kind = dx.cancer_type.value
    if kind == "skin_lymphoma" and dx.lymphoma_type.value not in ("mycosis_fungoides", "sezary_syndrome"):
        return "skin_lymphoma_other"
    if kind == "melanoma" and dx.melanoma.subtype is MelanomaSubtype.mucosal:
        return "default"
    return kind


def stage_group(profile: Profile, table: dict[str, Any]) -> str:
    """The stage group a table of stage words is read at: "III_nodes" for stage III with nodes known to
    hold cancer, where the table has it (the reason this case is stage III, not every way a cancer can
    be; CCI item 16), else the stage's group."""
    dx = profile.diagnosis
    nodes_known = bool(dx.clinical_nodes) or dx.sentinel_node is SentinelNode.positive
    return "III_nodes" if dx.stage.group == "III" and nodes_known and "III_nodes" in table else dx.stage.group


def stage_meaning(profile: Profile, words: dict[str, Any], values: dict[str, str]) -> str:
    """What the stage means, as a reason ("the cancer has reached a nearby lymph node (stage III)"), for the
    types and groups the rules model (words.stage_reasons); "the stage is ..." for the others (issue 28)."""
    reasons = words["stage_reasons"]
    table = reasons.get(stage_kind(profile), reasons["default"])
    phrase = table.get(stage_group(profile, table), table.get("any", reasons["default"]["any"]))
    return phrase.replace("{stage}", values["stage"])


def _people_values(profile: Profile, words: dict[str, Any], dates: Callable[[date], str]) -> dict[str, str]:
    """The clinician who answered on timing, the helper who takes calls, and the dates, for the phrases."""
    plan, helper = profile.treatment_plan, profile.patient.helper
    answer = plan.timing_answer
    return {
        "clinician": answer.said_by or "",
        "clinician_role": f" ({answer.role})" if answer.role else "",
        "said_on": dates(answer.said_on) if answer.said_on else "",
        "wait_until": dates(answer.until) if answer.until else "",
        "treatment_date": dates(plan.planned_date) if plan.planned_date else words["no_treatment_date"],
        "helper": helper.name if helper else "",
        "helper_phone": helper.phone or "" if helper else "",
        "first_doctor": first_doctor(profile, words),
    }


def first_doctor(profile: Profile, words: dict[str, Any]) -> str:
    """The office the records letter is addressed to (original_physician: name, practice), in words, or ""
    when the letter's "To" is left blank (issue 28: page one's step names the same office as the letter)."""
    doc = profile.original_physician
    if doc.name and doc.practice:
        return words["first_doctor_at"].replace("{name}", doc.name).replace("{practice}", doc.practice)
    return doc.name or doc.practice or ""


# The surgeries that take out the skin spot itself (a node surgery leaves the spot where it is).
SPOT_SURGERY = ("proposed_mohs_surgery", "proposed_excision", "proposed_wide_local_excision")
# Kinds for which Mohs surgery is a real option (NCCN BCC, SCC, Merkel cell, DFSP; Mohs AUC; lentigo
# maligna and melanoma in situ, clinical-facts.md): elsewhere a card does not mention it (rating round 3).
MOHS_KINDS = ("type_bcc", "type_scc", "type_merkel", "dfsp", "type_sebaceous", "type_afx", "type_pds",
              "melanoma_in_situ", "lentigo_maligna")
# The cancer is known to be in the lymph nodes, or a node operation is planned.
NODE_DISEASE = ("stage_III", "stage_IV", "clinical_nodes", "sentinel_positive", "unknown_primary",
                "proposed_lymph_node_dissection", "proposed_completion_lymph_node_dissection")


def relevance_facts(holds: Mapping[str, bool]) -> dict[str, bool]:
    """What fits this patient's state and plan (PEMAT-P item 2, issue 28): whether the spot is already out
    with no surgery on it ahead, whether Mohs surgery is a real option for this kind, and whether a cancer
    surgeon is rarely needed (a basal cell, or a squamous cell that is not high risk, with no node disease:
    only a large surgery brings one in, and the card says so; a high-risk squamous cell keeps the plain card,
    the conservative choice)."""
    scc_low_risk = holds["type_scc"] and not holds["high_risk_scc"]
    return {
        "removal_done": (holds["primary_removed"] or holds["unknown_primary"])
        and not any(holds[k] for k in SPOT_SURGERY),
        "mohs_not_an_option": not any(holds[k] for k in MOHS_KINDS),
        "surgeon_rarely_needed": (holds["type_bcc"] or scc_low_risk)
        and not any(holds[k] for k in NODE_DISEASE),
    }


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
