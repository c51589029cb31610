"""Lookups in the code table (codes.yaml): which skin cancer, site, stage, immune reason a code names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
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
    display,
    is_icd10,
    resource_type_exists,
    stage_value,
    system,
)

MAX_CODE = 64
MAX_PREFIX = 16
MAX_TEXT = 1000


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
    subtype: str | None = None  # melanoma subtype, from the histology
    conflict: str | None = None  # the readings that disagree, when cancer_type is 'uncertain' for that
    site_coding: Any = None  # the coding that gave the ICD-10-CM site digit, when not `coding`
    site_digit: str | None = None  # the ICD-10-CM site digit


def lookup_prefix(table: dict[str, Any], code: str) -> tuple[str, Any] | None:
    code = code[:MAX_PREFIX]  # the table's prefixes are short: a 1 MB code costs no more than a short one
    for length in range(len(code), 0, -1):
        if code[:length] in table:
            return code[:length], table[code[:length]]
    return None


def code_of(coding: Any) -> str:
    """The coding's code, trimmed and bounded (codes in the table are short)."""
    return (coding.code or "")[:MAX_CODE].strip().upper()


def skin_cancer(concept: Any) -> CancerCode | None:
    """The first skin cancer a concept's codings name, from the code table; None if none does."""
    found = skin_cancers(concept)
    return found[0] if found else None


def skin_cancers(concept: Any) -> list[CancerCode]:
    """Every skin cancer the concept's codings name, in coding order (several codings may disagree)."""
    return [hit for coding in codings(concept) if (hit := _skin_cancer_coding(coding))]


def _skin_cancer_coding(coding: Any) -> CancerCode | None:
    table = codes()
    code = code_of(coding)
    if is_icd10(coding) and (hit := lookup_prefix(table["icd10cm"], code)):
        prefix, entry = hit
        result = CancerCode(
            entry["cancer_type"], coding, stage=entry.get("stage"), lymphoma_type=entry.get("lymphoma_type")
        )
        digits = code[len(prefix) :].lstrip(".") if "." in code else ""
        if result.cancer_type == "c44":
            kind = table["c44_types"].get(digits[1:2]) if len(digits) >= 2 else None
            if kind is None:
                result.cancer_type = "uncertain"
                result.note = "the code does not say which kind of skin cancer"
            else:
                result.cancer_type = kind["cancer_type"]
                result.detail, result.note = kind.get("detail"), kind.get("note")
                if result.cancer_type == "other" and not result.detail and coding.display:
                    result.detail = coding.display[:200]
        if entry.get("site") and digits:
            result.site_digit = digits[0]
            site = table["icd10_sites"].get(digits[0])
            if code in table["icd10_nose"]:
                site = "nose"
            result.body_site = site
            if site is None and digits[0] in "458":
                result.site_note = SITE_NOTES[digits[0]]
        return result
    if system(coding) == SNOMED and code in table["snomed"]:
        entry = table["snomed"][code]
        return CancerCode(
            entry["cancer_type"], coding, stage=entry.get("stage"), lymphoma_type=entry.get("lymphoma_type")
        )
    return None


def histologies(condition: Any) -> list[CancerCode]:
    """The skin cancers the mCODE histology-morphology-behavior extension names (ICD-O-3 or SNOMED CT)."""
    table = codes()
    found = []
    for ext in condition.extension or []:
        if ext.url != MCODE_HISTOLOGY:
            continue
        for coding in codings(ext.valueCodeableConcept):
            code = code_of(coding)
            morphology, _, behavior = code.partition("/")
            if system(coding) in ICDO3:
                entry = table["icdo3_skin_morphologies"].get(morphology)
                if entry and behavior in ("2", "3"):
                    found.append(
                        CancerCode(
                            entry["cancer_type"],
                            coding,
                            stage="0" if behavior == "2" else None,
                            lymphoma_type=entry.get("lymphoma_type"),
                            subtype=table["icdo3_melanoma_subtypes"].get(morphology),
                        )
                    )
            elif system(coding) == SNOMED:
                entry = table["snomed_morphologies"].get(code) or _by_words(
                    coding.display, table["morphology_words"]
                )
                if entry:
                    found.append(
                        CancerCode(
                            entry["cancer_type"],
                            coding,
                            stage=entry.get("stage"),
                            lymphoma_type=entry.get("lymphoma_type"),
                            subtype=entry.get("subtype"),
                        )
                    )
    return found


def _by_words(text: str | None, table: list[dict]) -> dict | None:
    """The first entry whose words all appear (as whole words) in the text; for displays such as SNOMED
    CT's "Superficial spreading malignant melanoma (morphologic abnormality)"."""
    if not text:
        return None
    words = set(re.findall(r"[a-z]+", text[:MAX_TEXT].lower()))
    for entry in table:
        if set(entry["words"].split()) <= words:
            return entry
    return None


def cancer_named(text: str | None) -> dict | None:
    """The code table entry a text names in words ("Malignant melanoma of skin of back"), or None."""
    return _by_words(text, codes()["morphology_words"])


def on_skin(condition: Any) -> bool:
    """The Condition's bodySite is skin (a code of the table, or a "Skin structure of …" display)."""
    table = codes()
    skin = set(table["snomed_sites"]) | set(table["snomed_skin"])
    for concept in condition.bodySite or []:
        for coding in codings(concept):
            if system(coding) == SNOMED and code_of(coding) in skin:
                return True
        if re.search(r"\bskin\b", (display(concept) or "")[:MAX_TEXT], re.IGNORECASE):
            return True
    return False


def skin_cancer_of(condition: Any) -> CancerCode | None:
    """The skin cancer a Condition names (its first reading); see readings() for all of them."""
    found = readings(condition)
    return found[0] if found else None


def readings(condition: Any) -> list[CancerCode]:
    """Every skin cancer reading of a Condition: each coding of its code, and (mCODE) its histology when
    the code names a skin cancer or the body site is skin. Several readings may disagree."""
    by_code = skin_cancers(condition.code)
    histology = histologies(condition)
    if histology and (by_code or on_skin(condition)):
        return [*by_code, *histology]
    return by_code


def body_sites(condition: Any) -> list[tuple[str, str]]:
    """Every body site the Condition's bodySite codings name: (site, source), code table then words."""
    table = codes()
    sites = table["snomed_sites"]
    found = []
    for concept in condition.bodySite or []:
        for coding in codings(concept):
            code = code_of(coding)
            if system(coding) == SNOMED and code in sites:
                found.append((sites[code], f"bodySite {code_label(coding)}"))
            elif entry := _by_words(coding.display, table["skin_site_words"]):
                found.append((entry["site"], f"bodySite {code_label(coding)}"))
        text = getattr(concept, "text", None)
        if text and (entry := _by_words(text, table["skin_site_words"])):
            found.append((entry["site"], f"bodySite text '{text[:80]}'"))
    return found


def medication_class_raw(concept: Any) -> str | None:
    """The therapy (immunotherapy, targeted_therapy, chemotherapy) a raw medication concept names."""
    if not isinstance(concept, dict):
        return None
    entries = (
        [c for c in concept.get("coding") or [] if isinstance(c, dict)]
        if isinstance(concept.get("coding"), list)
        else []
    )
    texts = [concept.get("text"), *(c.get("display") for c in entries)]
    codes_seen = {str(c.get("code"))[:MAX_CODE] for c in entries if isinstance(c.get("code"), str)}
    for therapy, entry in codes()["cancer_medications"].items():
        if codes_seen & set(entry["rxnorm"]):
            return therapy
    for text in texts:
        if isinstance(text, str) and (therapy := medicine_named(text)):
            return therapy
    return None


def medicine_named(text: str) -> str | None:
    words = " " + " ".join(re.findall(r"[a-z0-9]+", text[:MAX_TEXT].lower())) + " "
    for therapy, entry in codes()["cancer_medications"].items():
        if any(f" {name} " in words for name in entry["names"]):
            return therapy
    return None


def other_cancer(concept: Any) -> Any | None:
    """The coding of a cancer that is not a skin cancer this packet covers (e.g. lung cancer)."""
    table = codes()
    for coding in codings(concept):
        code = code_of(coding)
        if (
            is_icd10(coding)
            and any(code.startswith(p) for p in table["other_cancer_icd10_prefixes"])
            and not code.startswith(("D1", "D2", "D3", "D4"))
        ):
            return coding
        if system(coding) == SNOMED and code in table["other_cancer_snomed"]:
            return coding
    return None


def immune_reason(concept: Any) -> tuple[str, Any] | None:
    table = codes()["immune"]
    for coding in codings(concept):
        code = code_of(coding)
        if is_icd10(coding) and (hit := lookup_prefix(table["icd10cm"], code.split(".")[0])):
            return hit[1], coding
        if system(coding) == SNOMED and code in table["snomed"]:
            return table["snomed"][code], coding
    return None


def stage_from(concept: Any) -> tuple[str, str] | None:
    """A stage ('IIIC' or 'III') and where it came from, from a SNOMED, AJCC or text stage."""
    table = codes()["snomed_stages"]
    for coding in codings(concept):
        code = code_of(coding)
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
            if (code := code_of(coding)) in table:
                return table[code], code_label(coding)
    return None


def raw_codes(concept: Any) -> set[str]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return (
        {c["code"] for c in codings if isinstance(c, dict) and isinstance(c.get("code"), str)}
        if isinstance(codings, list)
        else set()
    )


@cache
def observation_codes() -> frozenset[str]:
    """The codes of every Observation the import reads."""
    table = codes()
    return frozenset(
        {
            PREGNANCY_STATUS,
            TUMOR_SIZE,
            *table["stage_observations"],
            *table["breslow_observations"],
            *table["ulceration_observations"],
            *table["sentinel_node_counts"],
            *table["clinical_n_observations"],
            *table["pathologic_n_observations"],
        }
    )


WORD_KINDS = ("breslow", "ulceration", "perineural", "tumor_depth", "differentiation")


def observation_words(texts: Iterable[Any]) -> str | None:
    """The kind ('breslow', 'ulceration', 'perineural', 'tumor_depth', 'differentiation') an Observation's
    code names in words (display or text), by the `<kind>_words` tables; None if none."""
    for text in texts:
        if isinstance(text, str):
            lowered = text[:MAX_TEXT].lower()
            words = None
            for kind, phrases in _observation_word_sets():
                if any(phrase.split()[0] in lowered for phrase in phrases):
                    words = words or " " + " ".join(_WORD.findall(lowered)) + " "
                    if any(f" {phrase} " in words for phrase in phrases):
                        return kind
    return None


_WORD = re.compile(r"[a-z]+")


@cache
def _observation_word_sets() -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = codes()
    return tuple((kind, tuple(table[f"{kind}_words"])) for kind in WORD_KINDS)


_CANCER_WORDS = (
    "malignan",
    "neoplas",
    "cancer",
    "carcinom",
    "melanom",
    "lymphom",
    "sarcom",
    "leukem",
    "leukaem",
    "myelom",
    "tumo",
    "mycosis",
    "sezary",
    "merkel",
    "bowen",
    "metasta",
)


def maybe_cancer(data: dict) -> bool:
    """Whether a raw Condition could be a cancer (any ICD-10-CM C or D0-D4 code, a SNOMED CT code of the
    tables, an mCODE histology or profile, or cancer words): patients with none are not modelled."""
    snomed = _snomed_cancer_codes()
    concept = data.get("code") if isinstance(data.get("code"), dict) else {}
    entries = concept.get("coding") if isinstance(concept.get("coding"), list) else []
    texts = [concept.get("text")]
    for coding in entries:
        if not isinstance(coding, dict):
            continue
        code = str(coding.get("code") or "")[:MAX_CODE].strip().upper()
        system_url = str(coding.get("system") or "").rstrip("/")
        if system_url == SNOMED and code in snomed:
            return True
        if system_url != SNOMED and code.startswith(("C", "D0")):
            return True
        texts.append(coding.get("display"))
    if any(
        isinstance(e, dict) and e.get("url") == MCODE_HISTOLOGY
        for e in data.get("extension") or []
        if isinstance(data.get("extension"), list)
    ):
        return True
    return any(isinstance(t, str) and any(w in t[:MAX_TEXT].lower() for w in _CANCER_WORDS) for t in texts)


@cache
def _snomed_cancer_codes() -> frozenset[str]:
    table = codes()
    return frozenset({*table["snomed"], *table["other_cancer_snomed"], *table["immune"]["snomed"]})


def observation_used(observation: Any) -> bool:
    if any(code_of(c) in observation_codes() for c in codings(observation.code)):
        return True
    concept = observation.code
    return (
        observation_words([getattr(concept, "text", None), *(c.display for c in codings(concept))])
        is not None
    )


MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
ALWAYS_KEPT = {"Patient", "Condition", "Coverage", "Practitioner", "PractitionerRole", "Organization"}


def kept_resource(kind: str, data: dict) -> bool:
    """Whether the import reads this resource: decided from the raw JSON, before any model is built."""
    if kind in ALWAYS_KEPT:
        return True
    if kind == "Observation":
        concept = data.get("code") if isinstance(data.get("code"), dict) else {}
        if {c.upper()[:MAX_CODE] for c in raw_codes(concept)} & observation_codes():
            return True
        codings_raw = concept.get("coding") if isinstance(concept.get("coding"), list) else []
        return (
            observation_words(
                [concept.get("text"), *(c.get("display") for c in codings_raw if isinstance(c, dict))]
            )
            is not None
        )
    if kind in MEDICATION_TYPES:
        concept = data.get("medicationCodeableConcept")
        return isinstance(data.get("medicationReference"), dict) or bool(medication_class_raw(concept))
    if kind == "Medication":
        return bool(medication_class_raw(data.get("code")))
    return False


_HEAD = re.compile(r'\A\s*\{\s*"resourceType"\s*:\s*"([A-Za-z]{1,64})"')


def line_may_be_kept(line: str) -> bool:
    """False only when an NDJSON line certainly holds a resource the import does not read (an Encounter,
    a heart rate): such lines are not parsed at all. Anything unusual is parsed and checked."""
    head = _HEAD.match(line)
    if head is None or line.count('"resourceType"') != 1:
        return True
    kind = head.group(1)
    if kind in ALWAYS_KEPT or kind == "Bundle":
        return True
    if kind == "Observation":
        codes_hint, words_hint = _observation_hint()
        return any(c in line for c in codes_hint) or any(w in line.lower() for w in words_hint)
    if kind in MEDICATION_TYPES or kind == "Medication":
        codes_hint, words_hint = _medication_hint()
        if "medicationReference" in line or any(c in line for c in codes_hint):
            return True
        lowered = line.lower()
        return any(w in lowered for w in words_hint)
    return not _known_unused(kind)


def _known_unused(kind: str) -> bool:
    return resource_type_exists(kind)


@cache
def _observation_hint() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Substrings one of which every Observation the import reads holds: its code, or its words."""
    words = tuple(w.split()[0] for kind in WORD_KINDS for w in codes()[f"{kind}_words"])
    return tuple(f'"{c}"' for c in observation_codes()), words


@cache
def _medication_hint() -> tuple[tuple[str, ...], tuple[str, ...]]:
    table = codes()["cancer_medications"]
    names = tuple(n.split()[0] for entry in table.values() for n in entry["names"])
    return tuple(f'"{c}"' for entry in table.values() for c in entry["rxnorm"]), names
