"""Lookups in the code table (codes.yaml): which skin cancer, site, stage, immune reason a code names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .. import codes
from .common import (
    AJCC_CODE,
    AJCC_DISPLAY,
    ICDO3,
    MCODE_HISTOLOGY,
    PREGNANCY_STATUS,
    SITE_NOTES,
    SNOMED,
    TUMOR_SIZE,
    code_label,
    codings,
    is_icd10,
    stage_value,
    system,
)

# ---------------------------------------------------------------- code lookups


@dataclass
class CancerCode:
    cancer_type: str
    coding: Any
    stage: str | None = None
    body_site: str | None = None
    site_note: str | None = None
    lymphoma_type: str | None = None
    detail: str | None = None
    note: str | None = None


def lookup_prefix(table: dict[str, Any], code: str) -> tuple[str, Any] | None:
    for length in range(len(code), 0, -1):
        if code[:length] in table:
            return code[:length], table[code[:length]]
    return None


def skin_cancer(concept: Any) -> CancerCode | None:
    """The skin cancer a Condition code names, from the code table; None if it names none."""
    table = codes()
    for coding in codings(concept):
        code = (coding.code or "").strip().upper()
        if is_icd10(coding) and (hit := lookup_prefix(table["icd10cm"], code)):
            prefix, entry = hit
            result = CancerCode(entry["cancer_type"], coding, stage=entry.get("stage"),
                                lymphoma_type=entry.get("lymphoma_type"))
            digits = code[len(prefix):].lstrip(".") if "." in code else ""
            if result.cancer_type == "c44":
                kind = table["c44_types"].get(digits[1:2]) if len(digits) >= 2 else None
                if kind is None:
                    result.cancer_type = "uncertain"
                    result.note = "the code does not say which kind of skin cancer"
                else:
                    result.cancer_type = kind["cancer_type"]
                    result.detail, result.note = kind.get("detail"), kind.get("note")
                    if result.cancer_type == "other" and not result.detail and coding.display:
                        result.detail = coding.display
            if entry.get("site") and digits:
                site = table["icd10_sites"].get(digits[0])
                if code in table["icd10_nose"]:
                    site = "nose"
                result.body_site = site
                if site is None and digits[0] in "458":
                    result.site_note = SITE_NOTES[digits[0]]
            return result
        if system(coding) == SNOMED and code in table["snomed"]:
            entry = table["snomed"][code]
            return CancerCode(entry["cancer_type"], coding, stage=entry.get("stage"),
                              lymphoma_type=entry.get("lymphoma_type"))
    return None


def skin_cancer_of(condition: Any) -> CancerCode | None:
    """The skin cancer a Condition names: by its code, or (mCODE) a general code with an ICD-O-3
    histology and a skin body site."""
    if found := skin_cancer(condition.code):
        return found
    table = codes()
    skin_sites = set(table["snomed_sites"]) | set(table["snomed_skin"])
    on_skin = any(system(c) == SNOMED and (c.code or "") in skin_sites
                  for site in condition.bodySite or [] for c in codings(site))
    if not on_skin:
        return None
    for ext in condition.extension or []:
        if ext.url != MCODE_HISTOLOGY:
            continue
        for coding in codings(ext.valueCodeableConcept):
            entry = table["icdo3_skin_morphologies"].get((coding.code or "").split("/")[0])
            if system(coding) in ICDO3 and entry and (coding.code or "").endswith(("/3", "/2")):
                stage = "0" if coding.code.endswith("/2") else None  # /2: in situ
                return CancerCode(entry["cancer_type"], coding, stage=stage,
                                  lymphoma_type=entry.get("lymphoma_type"))
    return None


def other_cancer(concept: Any) -> Any | None:
    """The coding of a cancer that is not a skin cancer this packet covers (e.g. lung cancer)."""
    table = codes()
    for coding in codings(concept):
        code = (coding.code or "").strip().upper()
        if is_icd10(coding) and any(code.startswith(p) for p in table["other_cancer_icd10_prefixes"]) \
                and not code.startswith(("D1", "D2", "D3", "D4")):
            return coding
        if system(coding) == SNOMED and code in table["other_cancer_snomed"]:
            return coding
    return None


def immune_reason(concept: Any) -> tuple[str, Any] | None:
    table = codes()["immune"]
    for coding in codings(concept):
        code = (coding.code or "").strip().upper()
        if is_icd10(coding) and (hit := lookup_prefix(table["icd10cm"], code.split(".")[0])):
            return hit[1], coding
        if system(coding) == SNOMED and code in table["snomed"]:
            return table["snomed"][code], coding
    return None


def stage_from(concept: Any) -> tuple[str, str] | None:
    """A stage ('IIIC' or 'III') and where it came from, from a SNOMED, AJCC or text stage."""
    table = codes()["snomed_stages"]
    for coding in codings(concept):
        code = (coding.code or "").strip()
        if system(coding) == SNOMED and code in table:
            found = re.match(r"^(0|I{1,3}|IV)([A-D])?$", table[code])
            return stage_value(found.group(1), found.group(2)), code_label(coding)
        if system(coding) == SNOMED and coding.display and (found := AJCC_DISPLAY.search(coding.display)):
            return stage_value(found.group(1).upper(), found.group(2)), code_label(coding)
        if "cancerstaging.org" in system(coding) and (found := AJCC_CODE.match(code)):
            roman = {"0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}[found.group(1)]
            return stage_value(roman, found.group(2)), code_label(coding)
    text = getattr(concept, "text", None)
    if text and (found := AJCC_DISPLAY.search(text)):
        return stage_value(found.group(1).upper(), found.group(2)), f"text '{text}'"
    return None


def specialty(concepts: Iterable[Any]) -> tuple[str, str] | None:
    table = codes()["specialties"]
    for concept in concepts:
        for coding in codings(concept):
            if (coding.code or "") in table:
                return table[coding.code], code_label(coding)
    return None


def raw_codes(concept: Any) -> set[str]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return {c["code"] for c in codings if isinstance(c, dict) and isinstance(c.get("code"), str)} \
        if isinstance(codings, list) else set()


def observation_codes() -> set[str]:
    return {PREGNANCY_STATUS, TUMOR_SIZE, *codes()["stage_observations"]}


def observation_used(observation: Any) -> bool:
    return any(c.code in observation_codes() for c in codings(observation.code))
