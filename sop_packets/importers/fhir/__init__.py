"""FHIR R4 JSON (Bundle, single resource, or a Bulk Data folder of NDJSON) → one draft profile per patient.

Resources are validated with fhir.resources (R4B models). Facts the code table (codes.yaml) does not
cover become located notices, never guesses; input that cannot be read stops the import with a
located error before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ...errors import InvalidInput, Problem
from .. import Notice
from .assemble import map_patient
from .codetable import observation_used
from .common import ImportResult, Item, PatientData
from .reading import MAX_PROBLEMS, Index, read_resources


def import_fhir(paths: Iterable[Path | str], id_from: str | None = None) -> ImportResult:
    """Read FHIR input and map each patient with a skin cancer Condition to a draft profile."""
    items = _unique(read_resources(paths))
    index = Index(items)
    patients: dict[int, PatientData] = {}
    problems: list[Problem] = []
    for item in items:
        if item.data["resourceType"] == "Patient":
            patients[id(item)] = PatientData(item)
    for item in items:
        kind = item.data["resourceType"]
        if kind == "Condition":
            target = _owner(item, item.model.subject, index, problems)
            if target:
                patients[id(target)].conditions.append(item)
        elif kind == "Observation" and observation_used(item.model):
            target = _owner(item, item.model.subject, index, problems)
            if target:
                patients[id(target)].observations.append(item)
        elif kind == "Coverage":
            target = _owner(item, item.model.beneficiary, index, problems)
            if target:
                patients[id(target)].coverages.append(item)
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS])
    result = ImportResult(patients=len(patients))
    seen_ids: dict[str, str] = {}
    for data in patients.values():
        draft = map_patient(data, index, id_from, result)
        if draft is None:
            continue
        if draft.patient_id in seen_ids:
            result.skipped.append(Notice(data.patient.source, data.patient.key, "patient.id",
                                         f"'{draft.patient_id}' is also the id of "
                                         f"{seen_ids[draft.patient_id]}; no profile written (choose another "
                                         "identifier with --id-from)"))
            continue
        seen_ids[draft.patient_id] = data.patient.key
        result.drafts.append(draft)
        result.notices.extend(draft.notices)
    return result


def _unique(items: list[Item]) -> list[Item]:
    """One resource named twice (the same export read twice, a Patient in every Bundle) counts once."""
    seen: set[str] = set()
    kept = []
    for item in items:
        if item.data.get("id"):
            if item.key in seen:
                continue
            seen.add(item.key)
        kept.append(item)
    return kept


def _owner(item: Item, reference: Any, index: Index, problems: list[Problem]) -> Item | None:
    """The Patient a resource is about; a reference that points nowhere is a located error."""
    if reference is None or not getattr(reference, "reference", None):
        return None
    target = index.resolve(reference)
    if target is None or target.data["resourceType"] != "Patient":
        what = "points to no resource in the input" if target is None else f"points to a {target.key}"
        problems.append(Problem(item.source, item.line, 1, f"{item.where} ({item.key})".strip(),
                                f"reference '{reference.reference[:120]}' {what}, not a Patient here; "
                                "export the patients with their records"))
        return None
    return target
