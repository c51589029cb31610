"""Guidance: what applies to this patient, and because of which facts. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .schema import Profile, Stage


@dataclass(frozen=True)
class Summary:
    """The patient's situation in plain words."""

    cancer_name: str
    diagnosis: tuple[str, ...]
    plan: tuple[str, ...]
    plan_note: str


@dataclass(frozen=True)
class Guidance:
    """Everything the packet says that depends on the profile."""

    patient_id: str
    age: int
    summary: Summary
    sections: dict[str, Any] = field(default_factory=dict)


def summarize(profile: Profile, words: dict[str, Any]) -> Summary:
    """Describe the diagnosis and the proposed plan in plain sentences."""
    diagnosis = profile.diagnosis
    cancer = words["cancer_types"][diagnosis.cancer_type.value]
    lines = [f"Your doctor found {cancer['name']}: {cancer['what']}."]
    if diagnosis.body_site is not None:
        lines.append(f"It is on {words['body_sites'][diagnosis.body_site.value]}.")
    if diagnosis.stage is not Stage.unknown:
        lines.append(f"It is {words['stages'][diagnosis.stage.value]}.")
    else:
        lines.append("The stage (how far it has grown) is not known yet.")
    who = words["diagnosers"][diagnosis.diagnosed_by.value]
    lines.append(f"The diagnosis came from {who}.")
    if diagnosis.confirmed_by_biopsy:
        lines.append("A biopsy confirmed it. (A biopsy is a small piece of skin checked "
                     "under a microscope.)")
    else:
        lines.append("It has not been confirmed by a biopsy yet. (A biopsy is a small piece "
                     "of skin checked under a microscope.)")
    if diagnosis.recurrent:
        lines.append("This cancer has come back after treatment before.")
    plan = tuple(words["treatments"][t.value] for t in profile.treatment_plan.proposed)
    note = words["stated_urgency"][profile.treatment_plan.urgency_stated.value]
    if not plan:
        note = " ".join(filter(None, ["No treatment has been suggested yet.", note]))
    return Summary(cancer["name"], tuple(lines), plan, note)


def build_guidance(profile: Profile, content: dict[str, Any], today: date) -> Guidance:
    """The guidance for one profile, using clinician-editable content, as of a given day."""
    return Guidance(
        patient_id=profile.patient.id,
        age=profile.patient.age_on(today),
        summary=summarize(profile, content["words"]),
    )
