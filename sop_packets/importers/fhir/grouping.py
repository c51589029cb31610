"""One patient's stored resources → FHIR models, sorted by kind, with references resolved in their export."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ...errors import Problem
from .codetable import MEDICATION_TYPES, observation_used
from .common import ImportResult, Item, PatientData
from .store import Person, Store, article, target


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
        self._refused: set[tuple[int, str]] = set()

    def resolve(
        self, reference: Any, origin: Item, field_name: str, expected: tuple[str, ...] | None
    ) -> Item | None:
        """The resource `origin.field_name` points to, by its full identity in origin's export; None if
        it is not in the input. A reference to another type than `expected` (FHIR's allowed targets;
        None: any) is a located error, and None: the wrong kind of resource is never read as the right
        one (an Organization's name as a doctor's)."""
        if reference is None:
            return None
        text = (
            reference.get("reference")
            if isinstance(reference, dict)
            else getattr(reference, "reference", None)
        )
        try:
            found = self.store.resolve(reference, origin)
            named = found.data.get("resourceType") if found is not None else _named_type(text, origin)
        except ValueError as exc:
            self._wrong(origin, field_name, str(exc))
            return None
        if expected is not None and named is not None and named not in expected:
            shown = str(text)[:120]
            self._wrong(
                origin,
                field_name,
                f"reference '{shown}' points at {article(named)}, expected "
                f"{' or '.join(article(k) for k in expected)}; not used",
            )
            return None
        if found is None:
            return None
        found = self.by_row.setdefault(found.rowid, found)
        self.sources.setdefault(found.key, found.source)
        return found if validate(found, self.result) else None

    def refused(self, origin: Item, field_name: str) -> bool:
        """Whether origin.field_name was refused (a wrong type, or not a reference)."""
        return (origin.rowid, field_name) in self._refused

    def _wrong(self, origin: Item, field_name: str, message: str) -> None:
        if (origin.rowid, field_name) in self._refused:
            return  # one error per reference, however often it is read
        self._refused.add((origin.rowid, field_name))
        where = f"{origin.where} ({origin.key})".strip() if origin.where else origin.key
        self.result.error(Problem(origin.source, origin.line, 1, f"{where}.{field_name}", message))

    def roles_for(self, practitioner: Item) -> list[Item]:
        roles = []
        for found in self.store.roles_for(practitioner):  # their practitioner reference names it
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


def _named_type(text: Any, origin: Item) -> str | None:
    """The resource type a reference names in its text (Practitioner/1, https://…/Organization/2)."""
    try:
        ref = target(text, origin.scope, origin.base)
    except ValueError:
        return None
    return ref.type if ref else None
