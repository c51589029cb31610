"""Summary: the diagnosis and the proposed plan in plain sentences, and `fill` for {placeholders}."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..schema import CancerType, MelanomaSubtype, Profile, Stage
from .facts import stage_group, stage_kind

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Summary:
    """The patient's situation in plain words."""

    cancer_name: str
    diagnosis: tuple[str, ...]
    plan: tuple[str, ...]
    plan_note: str


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} placeholders with profile values; unknown names are an error in the content."""
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text).strip()


def stage_sentence(profile: Profile, words: dict[str, Any], values: dict[str, str]) -> str:
    """What the stage means, in the words used for this cancer type (BCC is usually not staged)."""
    dx = profile.diagnosis
    kind = stage_kind(profile)  # mucosal melanoma is not staged like a skin melanoma
    if dx.stage is Stage.unknown and values.get("derived_stage"):
        return fill(words["derived_stage"][kind], values)  # "about stage ..., ask your doctor"
    sentences = words["stage_sentences"].get(kind, words["stage_sentences"]["default"])
    group = stage_group(profile, sentences)
    high_risk = values.get("risk_group") in ("high", "very_high")
    if group == "unknown" and high_risk and "unknown_high_risk" in sentences:
        group = "unknown_high_risk"  # never "small ones are not given a stage" for a high-risk cancer
    return fill(sentences.get(group, sentences.get("any", "")), values)


def uncertain_result(profile: Profile) -> str:
    """Why the lab result is not yet certain, from the report: "differential" (it names other things the
    growth could be), "borderline", or "" when the report names one diagnosis. Too little tissue is not
    doubt about the diagnosis (a melanoma's depth may be what it leaves open), so it is not named here."""
    path = profile.diagnosis.pathology
    if path.differential or path.differential_diagnoses:
        return "differential"
    return "borderline" if path.borderline else ""


THIN_MELANOMA_MM = 1.0
"""AJCC 8th edition: a skin melanoma 1.0 mm deep or less is T1 ("thin")."""


def _depth_key(profile: Profile, phrases: dict[str, str]) -> str:
    """The depth sentence, with what the number means for a skin melanoma (thin, or deeper than 1 mm)."""
    diagnosis = profile.diagnosis
    skin_melanoma = (diagnosis.cancer_type is CancerType.melanoma
                     and diagnosis.melanoma.subtype is not MelanomaSubtype.mucosal)
    if not skin_melanoma or diagnosis.melanoma.breslow_mm is None:
        return "depth"
    key = "depth_thin" if diagnosis.melanoma.breslow_mm <= THIN_MELANOMA_MM else "depth_deeper"
    return key if key in phrases else "depth"


def summarize(profile: Profile, words: dict[str, Any], values: dict[str, str], is_cancer: bool,
              joiner: str = " ") -> Summary:
    """Describe the diagnosis and the proposed plan in plain sentences."""
    diagnosis = profile.diagnosis
    phrases = words["summary"]["cancer" if is_cancer else "not_cancer"]
    kind = words["cancer_types"][diagnosis.cancer_type.value]
    subtype = {CancerType.skin_lymphoma: diagnosis.lymphoma_type.value,
               CancerType.melanoma: diagnosis.melanoma.subtype.value}.get(diagnosis.cancer_type, "")
    found = fill(kind.get(f"found_{subtype}", kind["found"]), values)
    doubt = uncertain_result(profile) if is_cancer else ""
    if doubt:  # issue 28: never firmer than the record; in the first sentence, so it stays on page one
        found = joiner.join([found, phrases[f"uncertain_{doubt}"]])
    lines = [found]
    if diagnosis.body_site is not None:
        lines.append(fill(phrases["site"], values))
    lines.append(stage_sentence(profile, words, values))
    if diagnosis.size_mm is not None:
        lines.append(fill(phrases["size"], values))
    if values["breslow_mm"]:
        lines.append(fill(phrases[_depth_key(profile, phrases)], values))
    if diagnosis.cancer_type is CancerType.melanoma and diagnosis.melanoma.ulcerated is not None:
        lines.append(phrases["ulcerated" if diagnosis.melanoma.ulcerated else "not_ulcerated"])
    lines.append(fill(phrases["diagnosed_by"], values))
    lines.append(phrases["biopsy_no" if not diagnosis.confirmed_by_biopsy
                         else "biopsy_uncertain" if doubt else "biopsy_yes"])
    if diagnosis.unknown_primary:
        lines.append(phrases["unknown_primary"])
    elif diagnosis.primary_removed:
        lines.append(phrases["primary_removed"])
    if diagnosis.recurrent:
        lines.append(phrases["recurrent"])
    # after the first spot is out, surgery is on the place where it was, not on "the spot"
    after = words.get("treatments_after_removal", {}) if diagnosis.primary_removed else {}
    plan = tuple(after.get(t.value, words["treatments"][t.value]) for t in profile.treatment_plan.proposed)
    if profile.treatment_plan.reconstruction:  # the repair is part of the plan (rating round 3, ex-02)
        plan += (words["repair_surgery_planned"],)
    note = words["stated_urgency"][profile.treatment_plan.urgency_stated.value]
    if not plan:
        note = joiner.join(filter(None, [phrases["no_plan"], note]))
    return Summary(values["cancer_name"], tuple(filter(None, lines)), plan, note)
