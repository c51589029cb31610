"""One patient's resources → one draft profile: which cancer, then each kind of fact."""

from __future__ import annotations

from pathlib import Path

from .. import Draft, Notice
from .cancer import map_condition
from .codetable import (
    other_cancer,
    skin_cancer_of,
)
from .common import (
    MCODE_PRIMARY,
    ImportResult,
    PatientData,
    code_label,
    dated,
    notifier,
    schema_has,
    usable,
)
from .coverage import map_coverage
from .immune import map_other_conditions
from .patient import map_demographics, map_pregnancy, profile_id
from .reading import Index


def map_patient(data: PatientData, index: Index, id_from: str | None, result: ImportResult) -> Draft | None:
    patient = data.patient.model
    source, key = data.patient.source, data.patient.key
    cancers = []
    for item in data.conditions:
        if usable(item.model) and (found := skin_cancer_of(item.model)):
            cancers.append((item, found))
    if not cancers:
        others = [(item, coding) for item in data.conditions
                  if usable(item.model) and (coding := other_cancer(item.model.code))]
        if others:
            item, coding = others[0]
            result.not_covered.append(Notice(source, key, "diagnosis.cancer_type",
                                             f"{item.key} ({code_label(coding)}) is not a skin cancer this "
                                             "packet covers (no skin cancer code of codes.yaml); no profile "
                                             "written"))
        return None
    result.cancer_patients += 1
    primary = [pair for pair in cancers
               if MCODE_PRIMARY in (getattr(pair[0].model.meta, "profile", None) or [])]
    cancers = primary or cancers
    kinds = {found.cancer_type for _, found in cancers}
    if len(kinds) > 1:
        listed = ", ".join(f"{item.key} ({code_label(found.coding)}: {found.cancer_type})"
                           for item, found in cancers)
        result.skipped.append(Notice(source, key, "diagnosis.cancer_type",
                                     f"cancer Conditions disagree: {listed}; no profile written (mark the "
                                     "wrong one entered-in-error or resolved in the EHR, or write this "
                                     "profile by hand)"))
        return None

    patient_id = profile_id(patient, data.patient, id_from, result)
    if patient_id is None:
        return None
    draft = Draft(patient_id)
    draft.header = [f"Imported from FHIR ({Path(source).name}, {key}) by sop-packets import fhir.",
                    "Check each value against the chart, then fill in the commented lines (FILL IN).",
                    "Each comment names the resource and code the value came from."]
    notice = notifier(draft, index.sources)
    cancers.sort(key=lambda pair: dated(pair[0].model), reverse=True)
    condition_item, found = cancers[0]
    if len(cancers) > 1:
        others = ", ".join(i.key for i, _ in cancers[1:])
        notice(condition_item.key, "diagnosis", f"{len(cancers)} {found.cancer_type} Conditions; used the "
               f"latest, {condition_item.key} (others: {others})")
    map_demographics(draft, patient, key, id_from, notice)
    map_condition(draft, condition_item, found, data, index, notice)
    map_other_conditions(draft, data, {id(i) for i, _ in cancers}, notice)
    map_pregnancy(draft, data)
    map_coverage(draft, data, index, notice)
    placeholders(draft)
    if found.cancer_type == "melanoma" and schema_has("diagnosis", "melanoma.breslow_mm"):
        draft.placeholder("diagnosis", "melanoma.breslow_mm, melanoma.ulcerated: FILL IN from the pathology "
                          "report (depth in mm; ulceration true or false)")
    return draft


def placeholders(draft: Draft) -> None:
    diagnosis = [
        *([] if draft.has("diagnosis.confirmed_by_biopsy") else
          ["confirmed_by_biopsy: true   # FILL IN: was a biopsy looked at under a microscope?"]),
        "pathology:                  # FILL IN from the pathology report, e.g.:",
        "  reviewed_by_dermatopathologist: false",
    ]
    for line in diagnosis:
        draft.placeholder("diagnosis", line)
    for line in ["proposed: []                 # FILL IN: the treatments the first doctor proposed",
                 "urgency_stated: not_discussed # FILL IN: what the doctor said about timing "
                 "(immediate, within_weeks, not_discussed)",
                 "alternatives_discussed: false",
                 "planned_date:                 # YYYY-MM-DD if treatment is booked"]:
        draft.placeholder("treatment_plan", line)
    for line in ["low_confidence: false  # FILL IN: the patient's own concerns (cosmetic, scarring,",
                 "cost: false            #   poor_communication, low_confidence, cost, travel,",
                 "travel: false          #   clinical_trials)"]:
        draft.placeholder("concerns", line)
    for line in ["preauthorization: unknown  # FILL IN: required, not_required, unknown",
                 "network: unknown           # FILL IN: in_network, out_of_network, unknown"]:
        draft.placeholder("insurance", line)
    draft.placeholder("preferences", "telemedicine: false        # FILL IN: the patient's preferences")
