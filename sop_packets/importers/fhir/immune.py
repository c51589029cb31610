"""Other Conditions: reasons for a weakened immune system, and other illnesses."""

from __future__ import annotations

from .. import Draft
from .codetable import (
    immune_reason,
    other_cancer,
    skin_cancer_of,
)
from .common import (
    NON_CONDITION_TAGS,
    SNOMED_TAG,
    PatientData,
    code_label,
    current,
    display,
    plain,
    schema_has,
    usable,
)


def map_other_conditions(draft: Draft, data: PatientData, cancer_ids: set[int], notice) -> None:
    """Immune-weakening Conditions to the immune fields; other current illnesses to comorbidities."""
    reasons: dict[str, str] = {}
    listed: list[str] = []
    for item in data.conditions:
        condition = item.model
        if id(item) in cancer_ids or not usable(condition) or skin_cancer_of(condition):
            continue
        if hit := immune_reason(condition.code):
            if current(condition) or hit[0] == "organ_transplant" or hit[0] == "hiv":
                reasons.setdefault(hit[0], f"{item.key} code {code_label(hit[1])}")
            continue
        if not current(condition) or other_cancer(condition.code):
            continue
        text = display(condition.code)
        if not text:
            notice(item.key, "patient.comorbidities", "a Condition without text or display; not listed")
            continue
        tag = SNOMED_TAG.search(text)
        if tag and tag.group(1) in NON_CONDITION_TAGS:
            continue  # findings and situations (e.g. employment) are not illnesses
        words = plain(text)[:200]
        if words and words not in listed and len(listed) < 50:
            listed.append(words)
            draft.add("patient.comorbidities", words, item.key)
    if not reasons:
        return
    if schema_has("patient", "immune_reasons"):
        draft.set("patient.weakened_immune_system", True, "; ".join(reasons.values()))
        for reason, where in reasons.items():
            draft.add("patient.immune_reasons", reason, where)
        if "hiv" in reasons and schema_has("patient", "hiv"):
            draft.set("patient.hiv", "positive", reasons["hiv"])
            draft.placeholder("patient", "on_hiv_treatment: true  # FILL IN: on HIV medicines?")
    else:
        for reason, where in reasons.items():
            draft.add(
                "patient.comorbidities",
                {"organ_transplant": "organ transplant", "hiv": "HIV", "blood_cancer": "blood cancer"}.get(
                    reason, reason
                ),
                where,
            )
