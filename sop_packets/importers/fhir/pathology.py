"""Pathology Observations about the cancer: tumour size, Breslow depth, ulceration, lymph nodes.

Each is taken newest first (effective date), and its date goes in the source comment. Only
Observations about this cancer are read: their focus is the Condition, or the patient has no other
cancer Condition and the Observation names no focus.
"""

from __future__ import annotations

import re
from typing import Any

from .. import Draft, codes
from .codetable import code_of, observation_words, other_cancer, readings
from .common import (
    IGNORED_STATUS,
    TUMOR_LONGEST,
    TUMOR_SIZE,
    Item,
    PatientData,
    code_label,
    codings,
    dated_key,
    display,
    effective,
    usable,
)
from .grouping import Index

_N_CATEGORY = re.compile(r"\b[cpy]{0,2}N([0-3])([a-d])?\b")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:to|-)\s*(\d+(?:\.\d+)?)\s*mm", re.IGNORECASE)


def about(item: Item, data: PatientData, index: Index, kind: str) -> list[Item]:
    """The patient's usable Observations of a kind ('size', 'breslow', …) about this cancer, newest first."""
    cancers = [
        c for c in data.conditions if usable(c.model) and (readings(c.model) or other_cancer(c.model.code))
    ]
    found = []
    for obs_item in data.observations:
        obs = obs_item.model
        if obs.status in IGNORED_STATUS or observation_kind(obs) != kind:
            continue
        focus = {t.rowid for ref in obs.focus or [] if (t := index.resolve(ref, obs_item, "focus", None))}
        if item.rowid in focus or (len(cancers) == 1 and not focus):
            found.append(obs_item)
    return sorted(found, key=effective, reverse=True)


def observation_kind(obs: Any) -> str | None:
    table = codes()
    seen = {code_of(c) for c in codings(obs.code)}
    for kind, key in (
        ("size", None),
        ("breslow", "breslow_observations"),
        ("ulceration", "ulceration_observations"),
        ("sentinel", "sentinel_node_counts"),
        ("clinical_n", "clinical_n_observations"),
        ("pathologic_n", "pathologic_n_observations"),
    ):
        if (kind == "size" and TUMOR_SIZE in seen) or (key and seen & set(table[key])):
            return kind
    return observation_words([getattr(obs.code, "text", None), *(c.display for c in codings(obs.code))])


def map_pathology(draft: Draft, item: Item, found, data: PatientData, index: Index, notice) -> None:
    _size(draft, about(item, data, index, "size"), notice)
    if found.cancer_type == "melanoma":
        _breslow(draft, about(item, data, index, "breslow"), notice)
        ulceration = about(item, data, index, "ulceration")
        _present_absent(draft, ulceration, "diagnosis.melanoma.ulcerated", "ulceration", notice)
    if found.cancer_type in KERATINOCYTE:
        perineural = about(item, data, index, "perineural")
        _present_absent(
            draft, perineural, "diagnosis.pathology.perineural_invasion", "perineural invasion", notice
        )
        _tumor_depth(draft, about(item, data, index, "tumor_depth"), notice)
        _differentiation(draft, about(item, data, index, "differentiation"), notice)
        _aggressive(draft, item, notice)
    _sentinel(draft, about(item, data, index, "sentinel"), notice)
    _nodes(
        draft, found, about(item, data, index, "clinical_n"), about(item, data, index, "pathologic_n"), notice
    )


KERATINOCYTE = ("basal_cell_carcinoma", "squamous_cell_carcinoma")


def _present_absent(draft: Draft, found: list[Item], field: str, what: str, notice) -> None:
    """The first observation's present/absent answer about `what` into `field`, or a notice if it has none."""
    for obs_item in found[:1]:
        value = answer(obs_item.model)
        if value is None:
            notice(
                obs_item.key,
                field,
                f"the {what} answer is not present or absent; write it from the pathology report",
            )
            return
        draft.set(field, value[0], f"{dated_key(obs_item)} {what} {value[1]}")


def _tumor_depth(draft: Draft, found: list[Item], notice) -> None:
    for obs_item in found[:1]:
        quantity = obs_item.model.valueQuantity
        value = _mm(quantity) if quantity is not None else None
        if value is None or not 0 <= value <= 100:
            notice(
                obs_item.key,
                "diagnosis.pathology.tumor_depth_mm",
                "the tumour depth is not a depth of 0 to 100 mm; write it from the pathology report",
            )
            return
        draft.set(
            "diagnosis.pathology.tumor_depth_mm",
            value,
            f"{dated_key(obs_item)} depth {quantity.value} {quantity.code or quantity.unit}",
        )


def _differentiation(draft: Draft, found: list[Item], notice) -> None:
    table = codes()["differentiation_answers"]
    for obs_item in found[:1]:
        obs = obs_item.model
        text = " ".join(filter(None, [display(obs.valueCodeableConcept), obs.valueString]))[:200].lower()
        named = {table[w] for w in re.findall(r"[a-z]+", text) if w in table}
        if len(named) != 1:
            notice(
                obs_item.key,
                "diagnosis.pathology.differentiation",
                f"the grade '{text[:60] or '?'}' is not "
                "one of well, moderately or poorly differentiated; write it from the pathology report",
            )
            return
        draft.set("diagnosis.pathology.differentiation", named.pop(), f"{dated_key(obs_item)} '{text[:60]}'")


def _aggressive(draft: Draft, item: Item, notice) -> None:
    """An aggressive growth pattern named by the ICD-O-3 histology (table `aggressive_morphologies`)."""
    table = codes()["aggressive_morphologies"]
    for reading in readings(item.model):
        morphology = (reading.coding.code or "")[:16].split("/")[0]
        if morphology in table:
            draft.set(
                "diagnosis.pathology.aggressive_growth_pattern",
                True,
                f"{item.key} histology ICD-O-3 {reading.coding.code}: {table[morphology]}",
            )
            return


def _mm(quantity: Any) -> float | None:
    factor = {"mm": 1, "cm": 10}.get((quantity.code or quantity.unit or "").strip())
    return None if factor is None or quantity.value is None else round(float(quantity.value) * factor, 2)


def _size(draft: Draft, sizes: list[Item], notice) -> None:
    """diagnosis.size_mm from the newest mCODE TumorSize Observation (longest dimension, mm or cm)."""
    for obs_item in sizes[:1]:
        for component in obs_item.model.component or []:
            quantity = component.valueQuantity
            if not any(code_of(c) == TUMOR_LONGEST for c in codings(component.code)) or quantity is None:
                continue
            value = _mm(quantity)
            unit = quantity.code or quantity.unit
            if value is None:
                notice(
                    obs_item.key,
                    "diagnosis.size_mm",
                    f"tumor size unit '{unit}' is not mm or cm; write the size by hand",
                )
            elif not 0 < value <= 1000:
                notice(
                    obs_item.key,
                    "diagnosis.size_mm",
                    f"tumor size {quantity.value} {unit} is outside "
                    "0 to 1,000 mm; left out: check it and write it by hand",
                )
            else:
                draft.set(
                    "diagnosis.size_mm",
                    round(value, 1),
                    f"{dated_key(obs_item)} LOINC {TUMOR_SIZE} "
                    f"component {TUMOR_LONGEST} {quantity.value} {unit}",
                )
            return


def _breslow(draft: Draft, found: list[Item], notice) -> None:
    for obs_item in found[:1]:
        obs = obs_item.model
        if obs.valueQuantity is not None:
            value = _mm(obs.valueQuantity)
            if value is not None and 0 <= value <= 100:
                draft.set(
                    "diagnosis.melanoma.breslow_mm",
                    value,
                    f"{dated_key(obs_item)} Breslow depth "
                    f"{obs.valueQuantity.value} {obs.valueQuantity.code or obs.valueQuantity.unit}",
                )
                return
        shown = (display(obs.valueCodeableConcept) or "")[:120] if obs.valueCodeableConcept else ""
        if (match := _RANGE.search(shown)) is not None:
            notice(
                obs_item.key,
                "diagnosis.melanoma.breslow_mm",
                f"Breslow depth is a range "
                f"({match.group(1)} to {match.group(2)} mm, {dated_key(obs_item)}); write the measured depth "
                "from the pathology report",
            )
        else:
            notice(
                obs_item.key,
                "diagnosis.melanoma.breslow_mm",
                f"Breslow depth '{shown or '?'}' is not a depth in mm; write it from the pathology report",
            )


def answer(obs: Any) -> tuple[bool, str] | None:
    """A present/absent answer: valueBoolean, a coded answer of the table, or its words."""
    table = codes()
    if isinstance(obs.valueBoolean, bool):
        return obs.valueBoolean, f"valueBoolean {str(obs.valueBoolean).lower()}"
    for coding in codings(obs.valueCodeableConcept):
        if (code := code_of(coding)) in table["present_absent"]:
            return table["present_absent"][code], code_label(coding)
    text = " ".join(filter(None, [display(obs.valueCodeableConcept), obs.valueString]))[:200].lower()
    words = " " + " ".join(re.findall(r"[a-z]+", text)) + " "
    absent = any(f" {w} " in words for w in table["absent_words"])
    for phrase in table["absent_words"]:  # "not identified" holds "identified": take the phrase out first
        words = words.replace(f" {phrase} ", " ")
    present = any(f" {w} " in words for w in table["present_words"])
    if absent != present:
        return present, f"'{text[:60]}'"
    return None


def _sentinel(draft: Draft, found: list[Item], notice) -> None:
    """LOINC 92832-5: the number of sentinel nodes with cancer (more than 0: positive)."""
    for obs_item in found[:1]:
        obs = obs_item.model
        count = (
            obs.valueInteger
            if obs.valueInteger is not None
            else (obs.valueQuantity.value if obs.valueQuantity is not None else None)
        )
        if count is None:
            notice(
                obs_item.key,
                "diagnosis.sentinel_node",
                "sentinel node Observation without a count of nodes with cancer; set sentinel_node by hand",
            )
            return
        draft.set(
            "diagnosis.sentinel_node",
            "positive" if count > 0 else "negative",
            f"{dated_key(obs_item)} LOINC 92832-5 sentinel nodes with cancer: {count}",
        )


def _n_category(obs: Any) -> tuple[str, str | None, str] | None:
    for coding in codings(obs.valueCodeableConcept):
        for text in (coding.code, coding.display):
            if text and (match := _N_CATEGORY.search(text[:200])):
                return match.group(1), match.group(2), code_label(coding)
    return None


def _nodes(draft: Draft, found, clinical: list[Item], pathologic: list[Item], notice) -> None:
    """cN: nodes felt or seen hold cancer (N1-N3) or not (N0). pN for melanoma (AJCC 8th): N1a, N2a,
    N3a are clinically occult nodes found by sentinel node biopsy; N0 says nothing about whether one was
    done, so it is left to the coordinator."""
    for obs_item in clinical[:1]:
        if (hit := _n_category(obs_item.model)) is not None:
            draft.set("diagnosis.clinical_nodes", hit[0] != "0", f"{dated_key(obs_item)} cN {hit[2]}")
    for obs_item in pathologic[:1]:
        hit = _n_category(obs_item.model)
        if hit is None:
            continue
        number, letter, label = hit
        if (
            found.cancer_type == "melanoma"
            and number != "0"
            and letter == "a"
            and not draft.has("diagnosis.sentinel_node")
        ):
            draft.set(
                "diagnosis.sentinel_node",
                "positive",
                f"{dated_key(obs_item)} pN {label} (clinically occult: found by sentinel node biopsy)",
            )
        elif (
            found.cancer_type == "melanoma"
            and number != "0"
            and letter == "b"
            and not draft.has("diagnosis.clinical_nodes")
        ):
            draft.set(
                "diagnosis.clinical_nodes", True, f"{dated_key(obs_item)} pN {label} (clinically detected)"
            )
        elif number == "0":
            notice(
                obs_item.key,
                "diagnosis.sentinel_node",
                f"pN0 ({label}): the nodes examined held no cancer; "
                "set sentinel_node by hand if a sentinel node biopsy was done",
            )
