"""Shared by the FHIR mapping modules: code systems, small readers of codings, dates and names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from ...clock import preparation_date
from ...errors import Problem
from ...schema import Profile, Stage
from .. import Draft, Notice

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10_ALSO = ("http://hl7.org/fhir/sid/icd-10", "urn:oid:2.16.840.1.113883.6.90")
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
SOPT = "https://nahdo.org/sopt"
NUCC = "http://nucc.org/provider-taxonomy"
MCODE_PRIMARY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"
MCODE_HISTOLOGY = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior"
ICDO3 = ("http://terminology.hl7.org/CodeSystem/icd-o-3", "urn:oid:2.16.840.1.113883.6.43.1")
PREGNANCY_STATUS = "82810-3"
TUMOR_SIZE = "21889-1"  # mCODE TumorSize; component 33728-7 is the longest dimension
TUMOR_LONGEST = "33728-7"
USED_TYPES = {
    "Patient",
    "Condition",
    "Observation",
    "Coverage",
    "Practitioner",
    "PractitionerRole",
    "Organization",
}
IGNORED_STATUS = {"entered-in-error", "refuted"}
ACTIVE_CLINICAL = {"active", "recurrence", "relapse"}
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
AJCC_DISPLAY = re.compile(r"stage\s+(0|I{1,3}|IV)([A-D])?\b", re.IGNORECASE)
AJCC_CODE = re.compile(r"^(?:c|p|yc|yp|r)?([0-4])([A-D])?\d?$", re.IGNORECASE)
SNOMED_TAG = re.compile(
    r"\s*\((disorder|finding|situation|morphologic abnormality|procedure|"
    r"qualifier value|observable entity|regime/therapy|body structure)\)\s*$"
)
SITE_NOTES = {
    "4": "covers the scalp and the neck",
    "5": "covers the chest, abdomen and back (the trunk)",
    "8": "names overlapping sites",
}
NON_CONDITION_TAGS = {
    "finding",
    "situation",
    "procedure",
    "observable entity",
    "regime/therapy",
    "qualifier value",
    "body structure",
}


@dataclass
class Item:
    """One resource from the input: where it was read, its export (scope), its JSON and FHIR model."""

    rowid: int
    scope: str
    base: str | None
    source: str
    line: int
    where: str
    data: dict
    full_url: str | None = None
    digest: str = ""
    model: Any = None

    @property
    def key(self) -> str:
        return f"{self.data.get('resourceType')}/{str(self.data.get('id', '?'))[:64]}"


# ---------------------------------------------------------------- small readers


def codings(concept: Any) -> list[Any]:
    return list(getattr(concept, "coding", None) or []) if concept is not None else []


def status(concept: Any) -> str | None:
    for coding in codings(concept):
        if coding.code:
            return coding.code
    return None


def display(concept: Any) -> str | None:
    if concept is None:
        return None
    if getattr(concept, "text", None):
        return _cut(" ".join(concept.text[:2000].split()), 300)
    for coding in codings(concept):
        if coding.display:
            return _cut(" ".join(coding.display[:2000].split()), 300)
    return None


def plain(display: str) -> str:
    return SNOMED_TAG.sub("", display[:1000]).strip()


def system(coding: Any) -> str:
    return (coding.system or "").rstrip("/")


def is_icd10(coding: Any) -> bool:
    return system(coding) in (ICD10, *ICD10_ALSO)


def code_label(coding: Any) -> str:
    name = {
        SNOMED: "SNOMED CT",
        LOINC: "LOINC",
        SOPT: "SOPT",
        NUCC: "NUCC",
        "http://www.nlm.nih.gov/research/umls/rxnorm": "RxNorm",
        ICDO3[0]: "ICD-O-3",
        ICDO3[1]: "ICD-O-3",
    }.get(system(coding))
    if is_icd10(coding):
        name = "ICD-10-CM"
    label = f"{name or (coding.system or 'code')[:80]} {_cut(coding.code or '', 64)}"
    return f"{label} {_cut(coding.display, 120)}" if coding.display else label


def _cut(text: str, limit: int) -> str:
    """Text bounded for a message or comment: a long value is cut and marked."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def date_of(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def schema_has(section: str, name: str) -> bool:
    model: Any = Profile
    for part in (section, *name.split(".")):
        info = model.model_fields.get(part)
        if info is None:
            return False
        model = info.annotation
        for arg in getattr(model, "__args__", ()) or ():
            if isinstance(arg, type) and hasattr(arg, "model_fields"):
                model = arg
    return True


def stage_value(number: str, letter: str | None) -> str:
    """The most precise stage the schema holds: IIIC where sub-stages exist, else III."""
    allowed = {s.value for s in Stage}
    precise = f"{number}{(letter or '').upper()}"
    return precise if precise in allowed else number


@dataclass
class PatientData:
    patient: Item
    conditions: list[Item] = field(default_factory=list)
    observations: list[Item] = field(default_factory=list)
    coverages: list[Item] = field(default_factory=list)
    medications: list[Item] = field(default_factory=list)
    roles: list[Item] = field(default_factory=list)  # PractitionerRoles of the export (for specialties)


def usable(condition: Any) -> bool:
    return status(condition.verificationStatus) not in IGNORED_STATUS


def current(condition: Any) -> bool:
    clinical = status(condition.clinicalStatus)
    if clinical is not None:
        return clinical in ACTIVE_CLINICAL
    categories = {c.code for cat in condition.category or [] for c in codings(cat)}
    return condition.abatementDateTime is None and "encounter-diagnosis" not in categories


def is_current(condition: Any) -> bool:
    """A cancer that is current: clinicalStatus active, recurrence or relapse (or none, and not abated)."""
    clinical = status(condition.clinicalStatus)
    if clinical is not None:
        return clinical in ACTIVE_CLINICAL
    return condition.abatementDateTime is None and getattr(condition, "abatementString", None) is None


def dated(condition: Any) -> date:
    return date_of(condition.onsetDateTime) or date_of(condition.recordedDate) or date.min


def notifier(draft: Draft, by_key: dict[str, str]):
    """notice(where, field, message): a located warning, filed under the file that holds `where`."""

    def notice(where: str, field_path: str, message: str) -> None:
        draft.notices.append(Notice(by_key.get(where, ""), where, field_path, message))

    return notice


def person_name(names: list[Any] | None, prefix: bool = False) -> str | None:
    if not names:
        return None
    ranked = sorted(names, key=lambda n: {"official": 0, "usual": 1}.get(n.use or "", 2))
    for name in ranked:
        if name.use == "old":
            continue
        if name.text and name.text.strip():
            return " ".join(name.text.split())[:200]
        parts = [*((name.prefix or []) if prefix else []), *(name.given or []), name.family or ""]
        text = " ".join(" ".join(p.split()) for p in parts if p and p.strip())
        if text:
            return text[:200]
    return None


@dataclass
class Options:
    """How to import: the identifier that names profiles, whether inactive cancers count, and today."""

    id_from: str | None = None
    include_inactive: bool = False
    today: date = field(default_factory=lambda: preparation_date())


@dataclass
class ImportResult:
    drafts: list[Draft] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)  # patients who should have a profile but got none
    not_covered: list[Notice] = field(default_factory=list)  # cancers this packet is not for: no profile
    inactive: list[Notice] = field(default_factory=list)  # skin cancers in remission or resolved: no profile
    errors: list[Problem] = field(default_factory=list)  # located: something was skipped for an error
    notes: list[Notice] = field(default_factory=list)  # files recognised and skipped on purpose
    error_count: int = 0
    patients: int = 0
    cancer_patients: int = 0
    resources: int = 0

    def error(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < 200:
            self.errors.append(problem)


def effective(obs_item: Item) -> date:
    obs = obs_item.model
    return (
        date_of(obs.effectiveDateTime)
        or date_of(getattr(obs.effectivePeriod, "start", None))
        or date_of(obs.issued)
        or date.min
    )


def dated_key(obs_item: Item) -> str:
    when = effective(obs_item)
    return f"{obs_item.key} ({when.isoformat()})" if when != date.min else f"{obs_item.key} (undated)"


ABSTRACT_TYPES = frozenset({"Resource", "DomainResource"})  # FHIR's base types: no record has them


@cache
def resource_type_exists(kind: str) -> bool:
    """A FHIR R4 resource type (Patient, Encounter, …); data types such as HumanName, and the abstract
    base types Resource and DomainResource, are not resources a record can be."""
    if kind in ABSTRACT_TYPES or len(kind) > 64 or not kind[:1].isupper() or not kind.isalnum():
        return False
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.resource import Resource

    try:
        model = get_fhir_model_class(kind)
    except (ValueError, KeyError, AttributeError, ImportError):
        return False
    return isinstance(model, type) and issubclass(model, Resource)
