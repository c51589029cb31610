"""One patient's stored resources → FHIR models, sorted by kind, with references resolved in their export."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ...errors import Problem
from .codetable import MEDICATION_TYPES, observation_used
from .common import ImportResult, Item, PatientData
from .store import Person, Store


def model_class(kind: str):
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(kind)


def validate(item: Item, result: ImportResult) -> bool:
    """Give the item its FHIR R4 model; a resource that breaks FHIR is a located error and is skipped."""
    if item.model is not None:
        return True
    kind = item.data["resourceType"]
    where = f"{item.where} ({item.key})".strip() if item.where else item.key
    try:
        item.model = model_class(kind).model_validate(item.data)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            path = ".".join(str(p) for p in err["loc"] if p != "__root__")
            result.error(
                Problem(
                    item.source,
                    item.line,
                    1,
                    f"{where}.{path}".strip("."),
                    f"not valid FHIR R4: {err['msg']}; resource not read",
                )
            )
        return False
    except (ValueError, TypeError, RecursionError) as exc:
        result.error(
            Problem(item.source, item.line, 1, where, f"not valid FHIR R4: {exc}; resource not read")
        )
        return False
    return True


class Index:
    """Resolves references for one patient, inside the export the referring resource was read from."""

    def __init__(self, store: Store, person: Person, result: ImportResult):
        self.store = store
        self.result = result
        self.by_row: dict[int, Item] = {r.rowid: r for r in (person.patient, *person.resources)}
        self.sources: dict[str, str] = {r.key: r.source for r in (person.patient, *person.resources)}

    def resolve(self, reference: Any, origin: Item | None = None) -> Item | None:
        if reference is None:
            return None
        origin = origin or next(iter(self.by_row.values()))
        found = self.store.resolve(reference, origin)
        if found is None:
            return None
        found = self.by_row.setdefault(found.rowid, found)
        self.sources.setdefault(found.key, found.source)
        return found if validate(found, self.result) else None

    def roles_for(self, practitioner: Item) -> list[Item]:
        roles = []
        for found in self.store.roles_for(practitioner):
            found = self.by_row.setdefault(found.rowid, found)
            self.sources.setdefault(found.key, found.source)
            if validate(found, self.result):
                roles.append(found)
        return roles


def patient_data(person: Person, index: Index, result: ImportResult) -> PatientData | None:
    """The person's resources as models, by kind; None if the Patient itself is not valid FHIR."""
    if not validate(person.patient, result):
        return None
    data = PatientData(person.patient)
    for item in person.resources:
        kind = item.data["resourceType"]
        if not validate(item, result):
            continue
        if kind == "Condition":
            data.conditions.append(item)
        elif kind == "Observation" and observation_used(item.model):
            data.observations.append(item)
        elif kind == "Coverage":
            data.coverages.append(item)
        elif kind in MEDICATION_TYPES:
            data.medications.append(item)
    return data
