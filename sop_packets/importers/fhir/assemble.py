"""One patient's resources → one draft profile: which cancer, then each kind of fact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .. import Draft, Notice
from .cancer import map_condition
from .codetable import CancerCode, cancer_named, other_cancer, readings
from .common import (
    MCODE_HISTOLOGY,
    MCODE_PRIMARY,
    ImportResult,
    Item,
    Options,
    PatientData,
    code_label,
    codings,
    dated,
    display,
    is_current,
    notifier,
    plain,
    status,
    usable,
)
from .coverage import map_coverage
from .grouping import Index
from .immune import map_other_conditions
from .medications import map_medications
from .patient import map_demographics, map_pregnancy, profile_id


def map_patient(data: PatientData, index: Index, options: Options, result: ImportResult) -> Draft | None:
    """The draft profile of one patient, or None (with the reason in result) if they get none."""
    patient = data.patient.model
    source, key = data.patient.source, data.patient.key
    cancers: list[tuple[Item, list[CancerCode]]] = []
    for item in data.conditions:
        if usable(item.model) and (found := readings(item.model)):
            cancers.append((item, found))
    if not cancers:
        others = [
            (item, coding)
            for item in data.conditions
            if usable(item.model) and (coding := other_cancer(item.model.code) or _mcode_cancer(item))
        ]
        if others:
            item, coding = others[0]
            result.not_covered.append(
                Notice(
                    source,
                    key,
                    "diagnosis.cancer_type",
                    f"{item.key} ({code_label(coding)}) is not a skin cancer this "
                    "packet covers (no skin cancer code of codes.yaml); no profile "
                    "written",
                )
            )
        _local_codes(data, result)
        return None
    current = [pair for pair in cancers if is_current(pair[0].model)]
    if not current and not options.include_inactive:
        item = max((pair[0] for pair in cancers), key=lambda i: dated(i.model))
        state = status(item.model.clinicalStatus) or "ended (abatement date)"
        result.inactive.append(
            Notice(
                source,
                key,
                "diagnosis",
                f"the skin cancer {item.key} is {state} "
                f"(recorded {_shown(dated(item.model))}); "
                "no profile written (use --include-inactive to write one)",
            )
        )
        return None
    result.cancer_patients += 1
    cancers = current or cancers
    primary = [
        pair for pair in cancers if MCODE_PRIMARY in (getattr(pair[0].model.meta, "profile", None) or [])
    ]
    cancers = primary or cancers
    patient_id = profile_id(patient, data.patient, options.id_from, result)
    if patient_id is None:
        return None
    wanted = [i.value for i in patient.identifier or [] if (i.system or "") == options.id_from and i.value]
    raw_id = (wanted[0] if wanted else "") if options.id_from else patient.id
    draft = Draft(patient_id, source_key=f"{options.id_from or 'Patient.id'}|{raw_id}")
    draft.header = [
        f"Imported from FHIR ({Path(source).name}, {key}) by sop-packets import fhir.",
        "Check each value against the chart, then fill in the commented lines (FILL IN).",
        "Each comment names the resource and code the value came from.",
    ]
    notice = notifier(draft, index.sources)
    cancers.sort(key=lambda pair: dated(pair[0].model), reverse=True)
    condition_item, readings_of = cancers[0]
    kinds = {(found.cancer_type) for _, found_list in cancers for found in found_list}
    if len(kinds) > 1:
        listed = "; ".join(
            f"{item.key} {code_label(found.coding)}: {found.cancer_type}"
            for item, found_list in cancers
            for found in found_list
        )
        notice(
            condition_item.key,
            "diagnosis.cancer_type",
            f"the cancer codes disagree ({listed}); wrote 'uncertain': check the pathology report",
        )
        found = CancerCode("uncertain", readings_of[0].coding)
        found.conflict = listed
    else:
        found = _merged(readings_of)
        if len(cancers) > 1:
            others = ", ".join(i.key for i, _ in cancers[1:])
            notice(
                condition_item.key,
                "diagnosis",
                f"{len(cancers)} {found.cancer_type} Conditions; used the "
                f"latest, {condition_item.key} (others: {others})",
            )
    if not is_current(condition_item.model):
        notice(
            condition_item.key,
            "diagnosis",
            f"clinicalStatus is "
            f"{status(condition_item.model.clinicalStatus) or 'not active'}; imported because of "
            "--include-inactive",
        )
    map_demographics(draft, patient, key, options.id_from, notice)
    map_condition(draft, condition_item, found, readings_of, data, index, notice)
    map_other_conditions(draft, data, {id(i) for i, _ in cancers}, notice)
    map_pregnancy(draft, data, options.today, notice)
    map_coverage(draft, data, index, notice)
    map_medications(draft, data, index, options.today, notice)
    placeholders(draft)
    if found.cancer_type == "melanoma" and not draft.has("diagnosis.melanoma.breslow_mm"):
        draft.placeholder("diagnosis", "melanoma:                  # FILL IN from the pathology report:")
        draft.placeholder("diagnosis", "  breslow_mm:              # depth in mm")
        draft.placeholder("diagnosis", "  ulcerated:               # true or false")
    return draft


def _merged(found: list[CancerCode]) -> CancerCode:
    """One reading from several that agree on the kind: the first, with the precise parts of the others."""
    first = found[0]
    for other in found[1:]:
        first.stage = first.stage or other.stage
        first.subtype = first.subtype or other.subtype
        first.lymphoma_type = first.lymphoma_type or other.lymphoma_type
        if first.body_site is None and first.site_digit is None and other.site_digit is not None:
            first.body_site, first.site_digit, first.site_note = (
                other.body_site,
                other.site_digit,
                other.site_note,
            )
            first.site_coding = other.coding
    return first


def _local_codes(data: PatientData, result: ImportResult) -> None:
    """A Condition that names a skin cancer only in words (a local code) is said, not skipped silently."""
    for item in data.conditions:
        if not usable(item.model):
            continue
        words = display(item.model.code) or ""
        if cancer_named(words):
            result.skipped.append(
                Notice(
                    data.patient.source,
                    data.patient.key,
                    "diagnosis.cancer_type",
                    f"{item.key} '{plain(words)[:80]}' reads like a skin cancer but has no "
                    "ICD-10-CM or SNOMED CT code of codes.yaml (a local code?); no profile "
                    "written: add the code to codes.yaml or write the profile by hand",
                )
            )
            return


def placeholders(draft: Draft) -> None:
    diagnosis = [
        *(
            []
            if draft.has("diagnosis.confirmed_by_biopsy")
            else ["confirmed_by_biopsy: true   # FILL IN: was a biopsy looked at under a microscope?"]
        ),
        "pathology:                  # FILL IN from the pathology report, e.g.:",
        "  reviewed_by_dermatopathologist: false",
    ]
    for line in diagnosis:
        draft.placeholder("diagnosis", line)
    for line in [
        "proposed: []                 # FILL IN: the treatments the first doctor proposed",
        "urgency_stated: not_discussed # FILL IN: what the doctor said about timing "
        "(immediate, within_weeks, not_discussed)",
        "alternatives_discussed: false",
        "planned_date:                 # YYYY-MM-DD if treatment is booked",
    ]:
        draft.placeholder("treatment_plan", line)
    for line in [
        "low_confidence: false  # FILL IN: the patient's own concerns (cosmetic, scarring,",
        "cost: false            #   poor_communication, low_confidence, cost, travel,",
        "travel: false          #   clinical_trials)",
    ]:
        draft.placeholder("concerns", line)
    for line in [
        "preauthorization: unknown  # FILL IN: required, not_required, unknown",
        "network: unknown           # FILL IN: in_network, out_of_network, unknown",
    ]:
        draft.placeholder("insurance", line)
    draft.placeholder("preferences", "telemedicine: false        # FILL IN: the patient's preferences")


def _shown(when: date) -> str:
    return when.isoformat() if when != date.min else "undated"


def _mcode_cancer(item: Item):
    """The code of an mCODE primary cancer Condition (or one with a histology) that is not a skin cancer."""
    model = item.model
    profiles = getattr(model.meta, "profile", None) or []
    histology = any(ext.url == MCODE_HISTOLOGY for ext in model.extension or [])
    if MCODE_PRIMARY in profiles or histology:
        return next(iter(codings(model.code)), None)
    return None
