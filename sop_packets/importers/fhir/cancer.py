"""The skin cancer Condition: kind, subtype, body site, biopsy, dates, tumour size."""

from __future__ import annotations

from datetime import date

from .. import Draft, codes
from .codetable import (
    CancerCode,
    other_cancer,
    skin_cancer_of,
)
from .common import (
    ICDO3,
    IGNORED_STATUS,
    MCODE_HISTOLOGY,
    SNOMED,
    TUMOR_LONGEST,
    TUMOR_SIZE,
    Item,
    PatientData,
    code_label,
    codings,
    date_of,
    display,
    plain,
    schema_has,
    status,
    system,
    usable,
)
from .practitioner import map_physician
from .reading import Index
from .stage import map_stage


def map_condition(draft: Draft, item: Item, found: CancerCode, data: PatientData, index: Index,
                   notice) -> None:
    condition = item.model
    how = "histology (on a skin bodySite)" if system(found.coding) in ICDO3 else "code"
    source = f"{item.key} {how} {code_label(found.coding)}"
    draft.set("diagnosis.cancer_type", found.cancer_type, source)
    if found.note:
        notice(item.key, "diagnosis.cancer_type", f"{code_label(found.coding)}: {found.note}; "
               "wrote 'uncertain', check the pathology report")
    detail = found.detail or (display(condition.code) if found.cancer_type == "other" else None)
    if detail:
        draft.set("diagnosis.cancer_type_detail", plain(detail)[:200], source)
    if found.lymphoma_type and schema_has("diagnosis", "lymphoma_type"):
        draft.set("diagnosis.lymphoma_type", found.lymphoma_type, source)
    histology = [e for e in condition.extension or [] if e.url == MCODE_HISTOLOGY and e.valueCodeableConcept]
    if histology:
        morphology = display(histology[0].valueCodeableConcept) or "given"
        draft.set("diagnosis.confirmed_by_biopsy", True,
                  f"{item.key} histology-morphology-behavior {morphology} (read under a microscope)")
    if found.cancer_type == "melanoma":
        map_melanoma_subtype(draft, item)
    map_body_site(draft, item, found, notice)
    map_stage(draft, item, found, data, index, notice)
    map_size(draft, item, data, index, notice)
    when = date_of(condition.onsetDateTime)
    if when:
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} onsetDateTime")
    elif when := date_of(condition.recordedDate):
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} recordedDate")
    if status(condition.clinicalStatus) in {"recurrence", "relapse"}:
        draft.set("diagnosis.recurrent", True,
                  f"{item.key} clinicalStatus {status(condition.clinicalStatus)}")
    map_physician(draft, item, index, notice)


def map_melanoma_subtype(draft: Draft, item: Item) -> None:
    """diagnosis.melanoma.subtype from an ICD-O-3 morphology (mCODE histology extension or the code)."""
    if not schema_has("diagnosis", "melanoma.subtype"):
        return
    table = codes()["icdo3_melanoma_subtypes"]
    concepts = [ext.valueCodeableConcept for ext in item.model.extension or [] if ext.url == MCODE_HISTOLOGY]
    for coding in [c for concept in [*concepts, item.model.code] for c in codings(concept)]:
        if system(coding) in ICDO3 and (subtype := table.get((coding.code or "").split("/")[0])):
            draft.set("diagnosis.melanoma.subtype", subtype, f"{item.key} morphology ICD-O-3 {coding.code}")
            return


def map_body_site(draft: Draft, item: Item, found: CancerCode, notice) -> None:
    sites = codes()["snomed_sites"]
    for concept in item.model.bodySite or []:
        for coding in codings(concept):
            if system(coding) == SNOMED and (coding.code or "") in sites:
                draft.set("diagnosis.body_site", sites[coding.code],
                          f"{item.key} bodySite {code_label(coding)}")
                return
    if found.body_site:
        draft.set("diagnosis.body_site", found.body_site,
                  f"{item.key} code {code_label(found.coding)} (ICD-10-CM site)")
        return
    if item.model.bodySite:
        shown = display(item.model.bodySite[0]) or "?"
        notice(item.key, "diagnosis.body_site", f"bodySite '{shown}' is not in the code table; "
               "choose the body site by hand")
    elif found.site_note:
        notice(item.key, "diagnosis.body_site", f"{code_label(found.coding)} {found.site_note}; "
               "choose the body site by hand")
    draft.placeholder("diagnosis", "body_site:             # FILL IN: face, scalp, ear, nose, lip, eyelid, "
                      "neck, hand, foot, genitals, chest, abdomen, back, arm, leg, other")


def map_size(draft: Draft, item: Item, data: PatientData, index: Index, notice) -> None:
    """diagnosis.size_mm from the latest mCODE TumorSize Observation about this cancer."""
    if not schema_has("diagnosis", "size_mm"):
        return
    cancers = [c for c in data.conditions if usable(c.model) and
               (skin_cancer_of(c.model) or other_cancer(c.model.code))]
    sizes = []
    for obs_item in data.observations:
        obs = obs_item.model
        if not any(c.code == TUMOR_SIZE for c in codings(obs.code)) or obs.status in IGNORED_STATUS:
            continue
        focus = {id(t) for ref in obs.focus or [] if (t := index.resolve(ref))}
        if id(item) in focus or (len(cancers) == 1 and not any(id(c) in focus for c in data.conditions)):
            sizes.append(obs_item)
    sizes.sort(key=lambda o: date_of(o.model.effectiveDateTime) or date.min, reverse=True)
    for obs_item in sizes[:1]:
        for component in obs_item.model.component or []:
            quantity = component.valueQuantity
            if not any(c.code == TUMOR_LONGEST for c in codings(component.code)) or quantity is None:
                continue
            factor = {"mm": 1, "cm": 10}.get((quantity.code or quantity.unit or "").strip())
            if factor is None or quantity.value is None:
                unit = quantity.code or quantity.unit
                notice(obs_item.key, "diagnosis.size_mm", f"tumor size unit '{unit}' is not mm or cm; "
                       "write the size by hand")
                return
            draft.set("diagnosis.size_mm", round(float(quantity.value) * factor, 1),
                      f"{obs_item.key} LOINC {TUMOR_SIZE} component {TUMOR_LONGEST} {quantity.value} "
                      f"{quantity.code or quantity.unit}")
            return


