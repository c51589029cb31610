"""Current cancer medicines (MedicationRequest, MedicationStatement, MedicationAdministration) →
current_treatment: immunotherapy, targeted therapy, chemotherapy (table `cancer_medications`)."""

from __future__ import annotations

from datetime import date, timedelta

from .. import Draft
from .codetable import medication_class_raw
from .common import PatientData, code_label, codings, date_of
from .grouping import Index

ONGOING = {
    "MedicationRequest": {"active", "on-hold"},
    "MedicationStatement": {"active"},
    "MedicationAdministration": {"in-progress"},
}
STOPPED = {"MedicationStatement": {"stopped", "completed"}}
RECENT = timedelta(days=365)


def _concept(item, index: Index):
    """The medicine's concept: medicationCodeableConcept, or the code of the Medication it references."""
    model = item.model
    concept = getattr(model, "medicationCodeableConcept", None)
    if concept is None and getattr(model, "medicationReference", None) is not None:
        target = index.resolve(model.medicationReference, item, "medicationReference", ("Medication",))
        concept = (
            target.model.code
            if target is not None and target.data.get("resourceType") == "Medication"
            else None
        )
    return concept


def map_medications(draft: Draft, data: PatientData, index: Index, today: date, notice) -> None:
    ongoing: dict[str, str] = {}
    stopped: dict[str, tuple[date, str]] = {}
    for item in data.medications:
        kind, state = item.data["resourceType"], item.model.status
        concept = _concept(item, index)
        if concept is None:
            continue
        therapy = medication_class_raw(concept.model_dump(mode="json", exclude_none=True))
        if therapy is None:
            continue
        coding = next(iter(codings(concept)), None)
        named = code_label(coding) if coding is not None else f"'{(concept.text or '')[:60]}'"
        if state in ONGOING.get(kind, ()):
            ongoing.setdefault(therapy, f"{item.key} {named} status {state}")
        elif state in STOPPED.get(kind, ()):
            period = getattr(item.model, "effectivePeriod", None)
            end = date_of(getattr(period, "end", None)) if period is not None else None
            if (
                end is not None
                and today - end <= RECENT
                and (therapy not in stopped or stopped[therapy][0] < end)
            ):
                stopped[therapy] = (end, f"{item.key} {named} status {state}, ended {end.isoformat()}")
    if ongoing:
        for therapy, source in ongoing.items():
            draft.add("current_treatment.therapies", therapy, source)
        draft.set("current_treatment.status", "ongoing", "; ".join(ongoing.values())[:250])
    elif stopped:
        for therapy, (_, source) in stopped.items():
            draft.add("current_treatment.therapies", therapy, source)
        last = max(end for end, _ in stopped.values())
        draft.set("current_treatment.status", "stopped", "every cancer medicine of the record has ended")
        draft.set("current_treatment.stopped_on", last, "the latest end date of those medicines")
    if ongoing or stopped:
        draft.placeholder(
            "current_treatment", "serious_side_effects: unknown  # FILL IN: none, current, past or unknown"
        )
