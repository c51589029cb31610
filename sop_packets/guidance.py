"""Guidance: what applies to this patient, and because of which facts. Pure functions, no I/O.

Rules decide *which* items apply and name the profile facts that made them apply. The words a
patient reads (item texts, "because" phrases, the summary) come from one language's content files
under templates/content/<language>/, passed in as `content`. docs/guidance-ids.md lists every id.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from .schema import BodySite, CancerType, CoverageType, Diagnoser, Profile, Stage, Treatment

SENSITIVE_SITES = {BodySite.face, BodySite.scalp, BodySite.ear, BodySite.nose, BodySite.lip,
                   BodySite.eyelid, BodySite.neck, BodySite.hand, BodySite.genitals}
SYSTEMIC = (Treatment.immunotherapy, Treatment.targeted_therapy, Treatment.chemotherapy)
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


def both(*parts: Because) -> Because:
    """Every part must be non-empty; the reasons are joined."""
    return tuple(key for part in parts for key in part) if all(parts) else ()


def facts_of(profile: Profile, today: date, words: dict[str, Any], language: str = "",
             language_name: str = "") -> Facts:
    """Derive every fact the rules use from the profile, as of a given day.

    `language` is the patient's language tag after any override (default: the profile's, else en);
    `language_name` is that language in words in the packet's language, for the because phrase.
    """
    patient, dx, plan = profile.patient, profile.diagnosis, profile.treatment_plan
    path, concerns, insurance = dx.pathology, profile.concerns, profile.insurance
    age = patient.age_on(today)
    proposed = set(plan.proposed)
    coverage = insurance.coverage_type
    in_us = patient.country in (None, "US")
    sensitive = dx.body_site in SENSITIVE_SITES
    melanoma = dx.cancer_type is CancerType.melanoma
    holds = {
        "everyone": True,
        **{fact: dx.cancer_type is kind for kind, fact in TYPE_FACT.items()},
        "stage_III": dx.stage is Stage.III,
        "stage_IV": dx.stage is Stage.IV,
        "rapidly_changing": dx.rapidly_changing,
        "recurrent": dx.recurrent,
        "high_risk": dx.high_risk,
        "site_ear": dx.body_site is BodySite.ear,
        "site_lip": dx.body_site is BodySite.lip,
        "sensitive_site": sensitive,
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
    holds["advanced"] = holds["stage_III"] or holds["stage_IV"]
    holds["older_adult"] = holds["age_75_plus"] or holds["age_65_plus_with_conditions"]
    holds["pathology_review"] = bool(_pathology_review(Facts(holds, {})))
    holds["slides_needed"] = holds["pathology_review"] or melanoma or any(holds[k] for k in RARE_TYPES)
    summary_words = words
    cancer = summary_words["cancer_types"][dx.cancer_type.value]["name"]
    values = {
        "age": str(age),
        "cancer_name": dx.cancer_type_detail or cancer,
        "body_site": summary_words["body_sites"][dx.body_site.value if dx.body_site else "other"],
        "diagnosed_by": summary_words["diagnosers"][dx.diagnosed_by.value],
        "language": language_name or language or patient.language or "en",
        "comorbidities": ", ".join(patient.comorbidities),
        "stage": dx.stage.value,
    }
    return Facts(holds, values)


def _primary(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def _pathology_review(f: Facts) -> Because:
    return f.any("pathology_borderline", "pathology_insufficient_tissue", "pathology_differential",
                 "melanoma_not_read_by_dermatopathologist", "type_uncertain")


# ---------------------------------------------------------------- rules

Rule = Callable[[Facts], Because]
RULES: dict[str, dict[str, Rule]] = {
    name: {} for name in (NEXT_STEPS, *SECTION_ORDER) if name != "urgency"
}


def rule(section: str, item_id: str) -> Callable[[Rule], Rule]:
    """Register a rule; registration order is the order of importance in the packet."""

    def register(func: Rule) -> Rule:
        RULES[section][item_id] = func
        return func

    return register


def _always(section: str, *ids: str) -> None:
    for item_id in ids:
        RULES[section][item_id] = lambda f: f.any("everyone")


# next_steps: the first things to do, shown on the first page (at most three)
rule(NEXT_STEPS, "keep_treatment")(lambda f: f.any("rapidly_changing", "type_merkel", "stated_immediate")
                                   or both(f.any("type_melanoma"), f.any("stage_III", "stage_IV")))
rule(NEXT_STEPS, "request_records")(lambda f: f.any("everyone"))
rule(NEXT_STEPS, "book_visit")(lambda f: f.any("everyone"))
rule(NEXT_STEPS, "call_insurance")(lambda f: f.any("has_insurance"))
rule(NEXT_STEPS, "find_help_paying")(lambda f: f.any("coverage_none", "needs_financial_help"))

# indications: why a second opinion may help
rule("indications", "no_treatment_options")(lambda f: f.any("told_no_options"))
rule("indications", "pathology_uncertain")(lambda f: f.any(
    "pathology_borderline", "pathology_insufficient_tissue", "pathology_differential",
    "melanoma_not_read_by_dermatopathologist"))
rule("indications", "non_specialist_diagnosis")(
    lambda f: f.any("diagnosed_by_primary_care", "diagnosed_by_other"))
rule("indications", "rare_cancer_type")(lambda f: f.any(*RARE_TYPES))
rule("indications", "melanoma_specialist_review")(lambda f: f.any("type_melanoma"))
rule("indications", "recurrent_cancer")(lambda f: f.any("recurrent"))
rule("indications", "single_treatment_option")(
    lambda f: f.all("one_treatment_proposed", "alternatives_not_discussed"))
rule("indications", "aggressive_treatment")(lambda f: f.any("extensive_surgery"))
rule("indications", "insurance_requires")(lambda f: f.any("insurance_requires"))
rule("indications", "cosmetically_sensitive_site")(lambda f: f.any("sensitive_site"))
rule("indications", "reconstruction_planned")(lambda f: f.any("reconstruction"))
rule("indications", "scarring_concern")(lambda f: f.any("concern_cosmetic", "concern_scarring"))
rule("indications", "poor_communication")(lambda f: f.any("concern_poor_communication"))
rule("indications", "low_confidence")(lambda f: f.any("concern_low_confidence"))
_always("indications", "confirmation")


def _high_risk_scc(f: Facts) -> Because:
    return both(f.any("type_scc"), f.any("high_risk", "recurrent", "site_ear", "site_lip"))


# specialists: whom to see
rule("specialists", "melanoma_specialist")(lambda f: f.any("type_melanoma"))
rule("specialists", "pediatric_oncologist")(lambda f: f.any("child"))
rule("specialists", "maternal_fetal_medicine")(lambda f: f.any("pregnant"))
rule("specialists", "dermatopathologist")(lambda f: _pathology_review(f) or both(
    f.any("child"), f.any("type_melanoma", "type_uncertain")))
rule("specialists", "medical_oncologist")(lambda f: f.any(
    "stage_III", "stage_IV", *(f"proposed_{t.value}" for t in SYSTEMIC),
    "type_merkel", "type_lymphoma", "type_kaposi"))
rule("specialists", "surgical_oncologist")(lambda f: f.any(
    "stage_III", "stage_IV", "extensive_surgery", "proposed_lymph_node_dissection", "type_merkel"))
rule("specialists", "radiation_oncologist")(lambda f: f.any("proposed_radiation", "type_merkel")
                                            or _high_risk_scc(f)
                                            or both(f.any("older_adult"), f.any("type_bcc", "type_scc")))
rule("specialists", "mohs_surgeon")(lambda f: both(
    f.any("type_bcc", "type_scc"),
    f.any("sensitive_site", "concern_scarring", "concern_cosmetic", "recurrent")))
rule("specialists", "plastic_surgeon")(lambda f: f.any("reconstruction"))
rule("specialists", "dermatologist")(
    lambda f: f.any("not_seen_by_skin_specialist", "type_bcc", "type_scc", "type_uncertain"))

# records: what to gather
rule("records", "pathology_reports")(lambda f: f.any("everyone"))
rule("records", "slides_and_blocks")(lambda f: _pathology_review(f) or f.any("type_melanoma", *RARE_TYPES))
rule("records", "visit_notes")(lambda f: f.any("everyone"))
rule("records", "treatment_plan_written")(lambda f: f.any("treatment_proposed"))
rule("records", "imaging")(lambda f: f.any("stage_III", "stage_IV", "type_merkel"))
rule("records", "operative_reports")(lambda f: f.any("recurrent"))
rule("records", "medication_list")(lambda f: f.any("everyone"))
rule("records", "health_conditions_list")(lambda f: f.any("comorbidities"))
rule("records", "prenatal_summary")(lambda f: f.any("pregnant"))
rule("records", "photos")(lambda f: f.any("telemedicine_preference", "concern_travel", "care_abroad"))
rule("records", "translated_summary")(lambda f: f.any("care_abroad"))
rule("records", "customs_letter")(lambda f: f.all("care_abroad", "slides_needed"))
rule("records", "insurance_card")(lambda f: f.any("has_insurance"))
rule("records", "referral")(lambda f: f.any("preauth_required", "coverage_medicare_advantage",
                                            "insurance_requires"))
rule("records", "guardian_signature")(lambda f: f.any("child"))

# questions: to ask at the appointment
rule("questions", "diagnosis_certainty")(lambda f: f.any("everyone"))
rule("questions", "pathology_second_read")(_pathology_review)
for _id in ("melanoma_breslow_depth", "melanoma_ulceration", "melanoma_mitotic_rate", "melanoma_margins",
            "melanoma_sentinel_node", "melanoma_stage", "melanoma_drug_treatments", "melanoma_trials"):
    rule("questions", _id)(lambda f: f.any("type_melanoma"))
for _id in ("bcc_options", "bcc_recurrence", "bcc_cosmetic_result"):
    rule("questions", _id)(lambda f: f.any("type_bcc"))
for _id in ("scc_risk_level", "scc_lymph_nodes", "scc_adjuvant"):
    rule("questions", _id)(lambda f: f.any("type_scc"))
rule("questions", "merkel_team")(lambda f: f.any("type_merkel"))
rule("questions", "rare_experience")(
    lambda f: f.any("type_lymphoma", "type_kaposi", "type_other", "type_uncertain"))
rule("questions", "all_options")(lambda f: f.any("everyone"))
rule("questions", "why_this_plan")(lambda f: f.any("treatment_proposed"))
rule("questions", "how_soon")(lambda f: f.any("everyone"))
rule("questions", "doctor_said_immediately")(lambda f: f.any("stated_immediate"))
rule("questions", "scarring_result")(
    lambda f: f.any("concern_scarring", "concern_cosmetic", "sensitive_site"))
rule("questions", "cost_estimate")(lambda f: f.any("concern_cost", "needs_financial_help"))
rule("questions", "trials_for_me")(
    lambda f: f.any("concern_clinical_trials", "stage_III", "stage_IV", "told_no_options"))
rule("questions", "pregnancy_safety")(lambda f: f.any("pregnant"))
rule("questions", "child_long_term")(lambda f: f.any("child"))
rule("questions", "older_adult_gentler_options")(
    lambda f: f.any("age_75_plus", "age_65_plus_with_conditions"))
rule("questions", "side_effects")(lambda f: f.any("treatment_proposed"))
_always("questions", "experience", "follow_up_plan")

# insurance_steps
rule("insurance_steps", "insurer_requires")(lambda f: f.any("insurance_requires"))
rule("insurance_steps", "preauthorization_required")(lambda f: f.any("preauth_required"))
rule("insurance_steps", "preauthorization_check")(lambda f: f.any("preauth_unknown"))
rule("insurance_steps", "network_check")(lambda f: f.any("network_unknown", "network_in"))
rule("insurance_steps", "out_of_network_costs")(lambda f: f.any("network_out"))
rule("insurance_steps", "documentation")(lambda f: f.any("insurance_requires", "preauth_required"))
rule("insurance_steps", "medicare_part_b")(lambda f: f.any("medicare_us"))
rule("insurance_steps", "medicare_advantage")(lambda f: f.any("medicare_advantage_us"))
rule("insurance_steps", "medicaid")(lambda f: f.any("coverage_medicaid"))
rule("insurance_steps", "no_insurance")(lambda f: f.any("coverage_none"))
_always("insurance_steps", "consultation_only", "bring_records")
rule("insurance_steps", "travel_costs")(lambda f: f.any("concern_travel", "care_abroad"))
rule("insurance_steps", "financial_help")(lambda f: f.any("needs_financial_help", "concern_cost"))

# population_notes
rule("population_notes", "child")(lambda f: f.any("child"))
rule("population_notes", "pregnancy")(lambda f: f.any("pregnant"))
rule("population_notes", "older_adult")(lambda f: f.any("age_75_plus", "age_65_plus_with_conditions"))
rule("population_notes", "care_abroad")(lambda f: f.any("care_abroad"))
rule("population_notes", "language_support")(lambda f: f.any("language_not_english"))


def _telemedicine(f: Facts) -> Because:
    return f.any("telemedicine_preference", "concern_travel", "care_abroad")


def _trials(f: Facts) -> Because:
    return f.any("concern_clinical_trials", "stage_III", "stage_IV", "told_no_options")


for _id in ("telemedicine_option", "photo_quality", "slides_by_mail", "telemedicine_limits"):
    rule("telemedicine", _id)(_telemedicine)
for _id in ("trials_why", "trials_where", "trials_eligibility"):
    rule("clinical_trials", _id)(_trials)
_always("differing_opinions", "not_wrong", "tie_breaker", "weigh_evidence", "personal_factors")
rule("differing_opinions", "risk_tolerance")(
    lambda f: f.any("risk_conservative", "risk_balanced", "risk_aggressive") or f.any("everyone"))
_always("differing_opinions", "support")
_always("after_visit", "share_reports", "tell_first_doctor", "care_coordinator", "follow_up",
        "new_spot_checks")


def urgency_level(f: Facts) -> tuple[str, Because]:
    """One level (urgent, prompt, routine) and the facts that set it."""
    urgent = f.any("rapidly_changing", "type_merkel") + both(f.any("type_melanoma"),
                                                             f.any("stage_III", "stage_IV"))
    if urgent:
        return "urgent", urgent
    prompt = (f.any("type_melanoma", "type_lymphoma", "type_kaposi", "type_other", "type_uncertain")
              or _high_risk_scc(f))
    if prompt:
        return "prompt", prompt
    return "routine", f.any("type_bcc", "type_scc")


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
    """One recommendation, with the facts that produced it in words."""

    id: str
    title: str
    text: str
    because: tuple[str, ...]
    find: str = ""
    personal: bool = True  # False when it applies to everyone: the packet then skips the "why"


@dataclass(frozen=True)
class Urgency:
    """How soon to act, and why."""

    level: str
    title: str
    text: str
    because: tuple[str, ...]
    doctor_said: str = ""


@dataclass(frozen=True)
class Section:
    """A titled list of items."""

    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Guidance:
    """Everything the packet says that depends on the profile."""

    patient_id: str
    age: int
    summary: Summary
    urgency: Urgency
    sections: dict[str, Section]

    def items(self, section: str) -> tuple[Item, ...]:
        return self.sections[section].items if section in self.sections else ()

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form: patient_id, urgency, and one list of {id, text, because} per section."""
        result: dict[str, Any] = {"patient_id": self.patient_id}
        for name in (NEXT_STEPS, *SECTION_ORDER):
            if name == "urgency":
                result["urgency"] = {**asdict(self.urgency), "because": list(self.urgency.because)}
            else:
                result[name] = [
                    {key: value for key, value in asdict(item).items() if key != "find" or value}
                    | {"because": list(item.because)}
                    for item in self.items(name)
                ]
        return result


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders with profile values; unknown names are an error in the content."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text).strip()


def summarize(profile: Profile, words: dict[str, Any], sentences: dict[str, str]) -> Summary:
    """Describe the diagnosis and the proposed plan in plain sentences (summary.yaml's wording)."""
    diagnosis = profile.diagnosis
    cancer = words["cancer_types"][diagnosis.cancer_type.value]
    name = diagnosis.cancer_type_detail or cancer["name"]
    say = sentences
    lines = [fill(say["found"], {"cancer_name": name, "what": cancer["what"]})]
    if diagnosis.body_site is not None:
        lines.append(fill(say["site"], {"body_site": words["body_sites"][diagnosis.body_site.value]}))
    if diagnosis.stage is not Stage.unknown:
        lines.append(fill(say["stage"], {"stage": words["stages"][diagnosis.stage.value]}))
    else:
        lines.append(say["stage_unknown"].strip())
    doctor = words["diagnosers"][diagnosis.diagnosed_by.value]
    lines.append(fill(say["diagnosed_by"], {"diagnosed_by": doctor}))
    lines.append(say["biopsy_yes" if diagnosis.confirmed_by_biopsy else "biopsy_no"].strip())
    if diagnosis.recurrent:
        lines.append(say["recurrent"].strip())
    plan = tuple(words["treatments"][t.value] for t in profile.treatment_plan.proposed)
    note = words["stated_urgency"][profile.treatment_plan.urgency_stated.value]
    if not plan:
        note = " ".join(filter(None, [say["no_plan"].strip(), note]))
    return Summary(name, tuple(lines), plan, note)


def _because(keys: Because, content: dict[str, Any], facts: Facts) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fill(content["because"][key], facts.values) for key in keys))


def build_guidance(profile: Profile, content: dict[str, Any], today: date, language: str = "",
                   language_name: str = "") -> Guidance:
    """The guidance for one profile, in the language of `content`, as of a given day.

    `language` and `language_name` are the patient's language tag and its name in words (see facts_of).
    """
    facts = facts_of(profile, today, content["words"], language, language_name)
    sections: dict[str, Section] = {}
    for name, rules in RULES.items():
        fired = [(item_id, because) for item_id, check in rules.items() if (because := check(facts))]
        if name == NEXT_STEPS:
            fired = fired[:MAX_NEXT_STEPS]
        if name == "specialists" and not fired:
            fired = [("dermatologist", ("everyone",))]
        if not fired:
            continue
        texts = content[name]
        items = tuple(
            Item(item_id, fill(texts[item_id].get("title", ""), facts.values),
                 fill(texts[item_id]["text"], facts.values), _because(because, content, facts),
                 fill(texts[item_id].get("find", ""), facts.values), because != ("everyone",))
            for item_id, because in fired
        )
        heading = content["sections"].get(name, {"title": ""})
        sections[name] = Section(name, heading["title"], heading.get("intro", ""), items)
    level, because = urgency_level(facts)
    stated = profile.treatment_plan.urgency_stated.value
    urgency_text = content["urgency"]
    level_text = urgency_text["levels"][level]
    urgency = Urgency(
        level, level_text["title"], fill(level_text["text"], facts.values), _because(because, content, facts),
        fill(urgency_text["doctor_said"].get(stated, {}).get(level, ""), facts.values),
    )
    return Guidance(profile.patient.id, int(facts.values["age"]),
                    summarize(profile, content["words"], content["summary"]), urgency, sections)
