"""The skin cancer Condition: kind, subtype, body site, biopsy, dates; conflicts become warnings."""

from __future__ import annotations

from .. import Draft, codes
from .codetable import CancerCode, body_sites
from .common import (
    ICDO3,
    MCODE_HISTOLOGY,
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
)
from .grouping import Index
from .pathology import map_pathology
from .practitioner import map_physician
from .stage import map_stage

BODY_SITE_HELP = (
    "body_site:             # FILL IN: face, scalp, ear, nose, lip, eyelid, neck, hand, foot, "
    "genitals, chest, abdomen, back, arm, leg, other"
)


def map_condition(
    draft: Draft,
    item: Item,
    found: CancerCode,
    readings: list[CancerCode],
    data: PatientData,
    index: Index,
    notice,
) -> None:
    condition = item.model
    how = "histology (on a skin bodySite)" if system(found.coding) in ICDO3 else "code"
    source = (
        f"{item.key} codes disagree: {found.conflict}"
        if found.conflict
        else f"{item.key} {how} {code_label(found.coding)}"
    )
    draft.set("diagnosis.cancer_type", found.cancer_type, source)
    if found.note:
        notice(
            item.key,
            "diagnosis.cancer_type",
            f"{code_label(found.coding)}: {found.note}; wrote 'uncertain', check the pathology report",
        )
    detail = found.detail or (display(condition.code) if found.cancer_type == "other" else None)
    if detail:
        draft.set("diagnosis.cancer_type_detail", plain(detail)[:200], source)
    if found.lymphoma_type and schema_has("diagnosis", "lymphoma_type"):
        draft.set("diagnosis.lymphoma_type", found.lymphoma_type, source)
    histology = [e for e in condition.extension or [] if e.url == MCODE_HISTOLOGY and e.valueCodeableConcept]
    if histology:
        morphology = display(histology[0].valueCodeableConcept) or "given"
        draft.set(
            "diagnosis.confirmed_by_biopsy",
            True,
            f"{item.key} histology-morphology-behavior {morphology} (read under a microscope)",
        )
    if found.cancer_type == "melanoma":
        map_melanoma_subtype(draft, item, readings, notice)
    map_body_site(draft, item, found, readings, notice)
    map_stage(draft, item, found, data, index, notice)
    map_pathology(draft, item, found, data, index, notice)
    when = date_of(condition.onsetDateTime)
    if when:
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} onsetDateTime")
    elif when := date_of(condition.recordedDate):
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} recordedDate")
    if status(condition.clinicalStatus) in {"recurrence", "relapse"}:
        draft.set(
            "diagnosis.recurrent", True, f"{item.key} clinicalStatus {status(condition.clinicalStatus)}"
        )
    map_physician(draft, item, index, notice)


def map_melanoma_subtype(draft: Draft, item: Item, readings: list[CancerCode], notice) -> None:
    """diagnosis.melanoma.subtype from an ICD-O-3 or SNOMED CT morphology (histology extension or code)."""
    table = codes()["icdo3_melanoma_subtypes"]
    found: dict[str, str] = {}
    for reading in readings:
        if reading.subtype:
            found.setdefault(reading.subtype, f"{item.key} morphology {code_label(reading.coding)}")
    for coding in codings(item.model.code):
        if system(coding) in ICDO3 and (subtype := table.get((coding.code or "")[:16].split("/")[0])):
            found.setdefault(subtype, f"{item.key} morphology ICD-O-3 {coding.code}")
    if len(found) == 1:
        subtype, source = next(iter(found.items()))
        draft.set("diagnosis.melanoma.subtype", subtype, source)
    elif len(found) > 1:
        listed = "; ".join(f"{source}: {subtype}" for subtype, source in found.items())
        draft.set("diagnosis.melanoma.subtype", "unknown", f"morphologies disagree: {listed}")
        notice(
            item.key,
            "diagnosis.melanoma.subtype",
            f"the morphologies disagree ({listed}); wrote 'unknown': check the pathology report",
        )


def _sites_disagree(draft: Draft, item: Item, listed: str, notice) -> None:
    """Leave diagnosis.body_site for the user to choose, saying which readings of it disagree."""
    notice(
        item.key,
        "diagnosis.body_site",
        f"the body sites disagree ({listed}); left out: choose it by hand",
    )
    draft.placeholder("diagnosis", BODY_SITE_HELP)


def map_body_site(draft: Draft, item: Item, found: CancerCode, readings: list[CancerCode], notice) -> None:
    """diagnosis.body_site from bodySite (codes, or "Skin structure of …" words) and the ICD-10-CM site
    digit of any coding; a bodySite inside the ICD-10-CM site is more precise, anything else disagrees."""
    sites = body_sites(item.model)
    digit_reading = next((r for r in readings if r.site_digit is not None), None)
    named = {site for site, _ in sites}
    if len(named) > 1:
        _sites_disagree(draft, item, "; ".join(f"{source}: {site}" for site, source in sites), notice)
        return
    if sites:
        site, source = sites[0]
        if digit_reading is not None:
            covers = codes()["icd10_site_covers"].get(digit_reading.site_digit, [])
            if site not in covers:
                coding = digit_reading.site_coding or digit_reading.coding
                listed = (
                    f"{item.key} {source}: {site}; code {code_label(coding)}: "
                    f"{digit_reading.body_site or (digit_reading.site_note or 'another site')}"
                )
                _sites_disagree(draft, item, listed, notice)
                return
        draft.set("diagnosis.body_site", site, f"{item.key} {source}")
        return
    if digit_reading is not None and digit_reading.body_site:
        coding = digit_reading.site_coding or digit_reading.coding
        draft.set(
            "diagnosis.body_site",
            digit_reading.body_site,
            f"{item.key} code {code_label(coding)} (ICD-10-CM site)",
        )
        return
    if item.model.bodySite:
        shown = display(item.model.bodySite[0]) or "?"
        notice(
            item.key,
            "diagnosis.body_site",
            f"bodySite '{shown[:80]}' is not in the code table; choose the body site by hand",
        )
    elif digit_reading is not None and digit_reading.site_note:
        coding = digit_reading.site_coding or digit_reading.coding
        notice(
            item.key,
            "diagnosis.body_site",
            f"{code_label(coding)} {digit_reading.site_note}; choose the body site by hand",
        )
    draft.placeholder("diagnosis", BODY_SITE_HELP)
