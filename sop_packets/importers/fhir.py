"""FHIR R4 JSON (Bundle, single resource, or a Bulk Data folder of NDJSON) → one draft profile per patient.

Resources are validated with fhir.resources (R4B models). Facts the code table (codes.yaml) does not
cover become located notices, never guesses; input that cannot be read stops the import with a
located error before anything is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import InvalidInput, Problem
from ..schema import ISO_COUNTRIES, LANGUAGE_PATTERN, Profile, Stage
from . import Draft, Notice, codes

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_NDJSON_BYTES = 64 * 1024**3
MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RESOURCES = 1_000_000
MAX_FILES = 10_000
MAX_BUNDLE_DEPTH = 3
MAX_PROBLEMS = 50

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
USED_TYPES = {"Patient", "Condition", "Observation", "Coverage", "Practitioner", "PractitionerRole",
              "Organization"}
IGNORED_STATUS = {"entered-in-error", "refuted"}
ACTIVE_CLINICAL = {"active", "recurrence", "relapse"}
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")
_AJCC_DISPLAY = re.compile(r"stage\s+(0|I{1,3}|IV)([A-D])?\b", re.IGNORECASE)
_AJCC_CODE = re.compile(r"^(?:c|p|yc|yp|r)?([0-4])([A-D])?\d?$", re.IGNORECASE)
_SNOMED_TAG = re.compile(r"\s*\((disorder|finding|situation|morphologic abnormality|procedure|"
                         r"qualifier value|observable entity|regime/therapy|body structure)\)\s*$")
SITE_NOTES = {"4": "covers the scalp and the neck", "5": "covers the chest, abdomen and back (the trunk)",
              "8": "names overlapping sites"}
_NON_CONDITION_TAGS = {"finding", "situation", "procedure", "observable entity", "regime/therapy",
                       "qualifier value", "body structure"}


# ---------------------------------------------------------------- reading


@dataclass
class Item:
    """One resource from the input, with where it was found."""

    source: str
    line: int
    where: str  # e.g. entry[3]
    data: dict
    model: Any = None
    full_url: str | None = None

    @property
    def key(self) -> str:
        return f"{self.data.get('resourceType')}/{self.data.get('id', '?')}"


def _json_files(paths: Iterable[Path]) -> Iterator[Path]:
    count = 0
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*")
                           if p.is_file() and p.suffix.lower() in (".json", ".ndjson")
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found = [path]
        for file in found:
            count += 1
            if count > MAX_FILES:
                raise InvalidInput([Problem(str(path), 1, 1, "", f"more than {MAX_FILES:,} files; "
                                            "import the export in parts")])
            yield file


def read_resources(paths: Iterable[Path | str]) -> list[Item]:
    """Every resource in the files or folders, or InvalidInput naming each file, line and entry at fault.

    A JSON file is read whole (up to MAX_FILE_BYTES); NDJSON is read a line at a time, so a Bulk Data
    export of any size keeps only the resources the import uses in memory.
    """
    items: list[Item] = []
    problems: list[Problem] = []
    total = 0
    for file in _json_files(Path(p) for p in paths):
        name = str(file)
        try:
            if file.is_dir():
                raise IsADirectoryError
            size = file.stat().st_size
            ndjson = file.suffix.lower() == ".ndjson"
            if not ndjson:
                total += size
            if (size > (MAX_NDJSON_BYTES if ndjson else MAX_FILE_BYTES)) or total > MAX_TOTAL_BYTES:
                problems.append(Problem(name, 1, 1, "", f"too large ({size:,} bytes); JSON files up to "
                                        f"{MAX_FILE_BYTES // 2**20} MiB ({MAX_TOTAL_BYTES // 2**30} GiB in "
                                        f"all) and NDJSON files up to {MAX_NDJSON_BYTES // 2**30} GiB are "
                                        "read: export fewer patients per file"))
                continue
            if ndjson:
                _read_ndjson(file, name, items, problems)
            else:
                _read_json(file.read_bytes(), name, items, problems)
        except FileNotFoundError:
            problems.append(Problem(name, 1, 1, "", "no such file or folder"))
        except OSError as exc:
            problems.append(Problem(name, 1, 1, "", f"cannot be read ({exc.strerror or exc})"))
        if len(items) > MAX_RESOURCES:
            raise InvalidInput([Problem(name, 1, 1, "", f"more than {MAX_RESOURCES:,} resources; "
                                        "import the export in parts")])
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise InvalidInput(problems[:MAX_PROBLEMS])
    return items


def _read_json(raw: bytes, name: str, items: list[Item], problems: list[Problem]) -> None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8"))
        return
    _read_document(text, name, 1, items, problems)


def _read_ndjson(file: Path, name: str, items: list[Item], problems: list[Problem]) -> None:
    with file.open("rb") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), 1):
            if len(raw) > MAX_LINE_BYTES:
                problems.append(Problem(name, number, 1, "", f"a line longer than {MAX_LINE_BYTES // 2**20} "
                                        "MiB; NDJSON holds one resource per line"))
                return
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(name, number, 1, "", "not UTF-8 text; FHIR JSON is always UTF-8"))
                return
            if line.strip():
                _read_document(line, name, number, items, problems)
            if len(problems) > MAX_PROBLEMS or len(items) > MAX_RESOURCES:
                return


def _read_document(text: str, name: str, first_line: int, items: list[Item], problems: list[Problem]) -> None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, first_line + exc.lineno - 1, exc.colno, "",
                                f"not JSON ({exc.msg}); a FHIR file holds one JSON resource or Bundle"))
        return
    except RecursionError:
        problems.append(Problem(name, first_line, 1, "", "the JSON is nested too deeply to be FHIR"))
        return
    if not isinstance(data, dict):
        problems.append(Problem(name, first_line, 1, "", f"holds a JSON {type(data).__name__}, not a FHIR "
                                "resource (an object with resourceType)"))
        return
    _collect(data, name, first_line, "", None, items, problems, 0)


def _collect(data: dict, name: str, line: int, where: str, full_url: str | None, items: list[Item],
             problems: list[Problem], depth: int) -> None:
    kind = data.get("resourceType")
    if not isinstance(kind, str) or not kind:
        problems.append(Problem(name, line, 1, where.rstrip("."), "has no resourceType; not a FHIR resource"))
        return
    if kind == "Bundle":
        if depth >= MAX_BUNDLE_DEPTH:
            problems.append(Problem(name, line, 1, where, "Bundles nested too deeply"))
            return
        entries = data.get("entry", [])
        if not isinstance(entries, list):
            problems.append(Problem(name, line, 1, f"{where}entry", "Bundle.entry must be a list"))
            return
        for index, entry in enumerate(entries):
            at = f"{where}entry[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                if isinstance(entry, dict) and "resource" not in entry:
                    continue  # e.g. a transaction-response entry without a resource
                problems.append(Problem(name, line, 1, at, "a Bundle entry's resource must be a JSON object"))
                continue
            url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
            _collect(entry["resource"], name, line, f"{at}.resource.", url, items, problems, depth + 1)
        return
    if kind not in USED_TYPES:
        from fhir.resources.R4B import get_fhir_model_class

        try:
            get_fhir_model_class(kind)
        except (ValueError, KeyError, AttributeError, ImportError):
            problems.append(Problem(name, line, 1, where.rstrip("."),
                                    f"'{str(kind)[:60]}' is not a FHIR R4 resource type"))
        return
    if kind == "Observation" and not _raw_codes(data.get("code")) & _observation_codes():
        return  # most of an export: vital signs, labs; only pregnancy status and stage are read
    item = Item(name, line, where.rstrip("."), data, full_url=full_url)
    try:
        item.model = _model(kind).model_validate(data)
    except ValidationError as exc:
        for err in exc.errors()[:5]:
            path = ".".join(str(p) for p in err["loc"] if p != "__root__")
            problems.append(Problem(name, line, 1, f"{item.where or kind} ({item.key}).{path}".lstrip("."),
                                    f"not valid FHIR R4: {err['msg']}"))
        return
    except (ValueError, TypeError, RecursionError) as exc:
        problems.append(Problem(name, line, 1, f"{item.where} ({item.key})".strip(),
                                f"not valid FHIR R4: {exc}"))
        return
    items.append(item)


def _raw_codes(concept: Any) -> set[str]:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return {c["code"] for c in codings if isinstance(c, dict) and isinstance(c.get("code"), str)} \
        if isinstance(codings, list) else set()


def _observation_codes() -> set[str]:
    return {PREGNANCY_STATUS, TUMOR_SIZE, *codes()["stage_observations"]}


def _model(kind: str):
    from fhir.resources.R4B import get_fhir_model_class

    return get_fhir_model_class(kind)


# ---------------------------------------------------------------- the index


class Index:
    """Resources by 'Type/id' and by fullUrl, so references resolve whichever way they are written."""

    def __init__(self, items: list[Item]):
        self.by_key: dict[str, Item] = {}
        self.by_url: dict[str, Item] = {}
        self.sources: dict[str, str] = {}  # 'Type/id' -> the file it is in
        for item in items:
            if item.data.get("id"):
                self.by_key.setdefault(item.key, item)
                self.sources.setdefault(item.key, item.source)
            if item.full_url:
                self.by_url.setdefault(item.full_url, item)

    def resolve(self, reference: Any) -> Item | None:
        ref = getattr(reference, "reference", None) if reference is not None else None
        if not ref:
            return None
        if ref in self.by_url:
            return self.by_url[ref]
        parts = ref.split("/_history/")[0].rstrip("/").split("/")
        return self.by_key.get("/".join(parts[-2:])) if len(parts) >= 2 else None


# ---------------------------------------------------------------- small readers


def _codings(concept: Any) -> list[Any]:
    return list(getattr(concept, "coding", None) or []) if concept is not None else []


def _status(concept: Any) -> str | None:
    for coding in _codings(concept):
        if coding.code:
            return coding.code
    return None


def _display(concept: Any) -> str | None:
    if concept is None:
        return None
    if getattr(concept, "text", None):
        return concept.text
    for coding in _codings(concept):
        if coding.display:
            return coding.display
    return None


def _plain(display: str) -> str:
    return _SNOMED_TAG.sub("", display).strip()


def _system(coding: Any) -> str:
    return (coding.system or "").rstrip("/")


def _is_icd10(coding: Any) -> bool:
    return _system(coding) in (ICD10, *ICD10_ALSO)


def _code_label(coding: Any) -> str:
    name = {SNOMED: "SNOMED CT", LOINC: "LOINC", SOPT: "SOPT", NUCC: "NUCC"}.get(_system(coding))
    if _is_icd10(coding):
        name = "ICD-10-CM"
    label = f"{name or coding.system or 'code'} {coding.code}"
    return f"{label} {coding.display}" if coding.display else label


def _when(value: Any) -> date | None:
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


def _schema_has(section: str, name: str) -> bool:
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


def _lookup_prefix(table: dict[str, Any], code: str) -> tuple[str, Any] | None:
    for length in range(len(code), 0, -1):
        if code[:length] in table:
            return code[:length], table[code[:length]]
    return None


def skin_cancer(concept: Any) -> CancerCode | None:
    """The skin cancer a Condition code names, from the code table; None if it names none."""
    table = codes()
    for coding in _codings(concept):
        code = (coding.code or "").strip().upper()
        if _is_icd10(coding) and (hit := _lookup_prefix(table["icd10cm"], code)):
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
        if _system(coding) == SNOMED and code in table["snomed"]:
            entry = table["snomed"][code]
            return CancerCode(entry["cancer_type"], coding, stage=entry.get("stage"),
                              lymphoma_type=entry.get("lymphoma_type"))
    return None


def other_cancer(concept: Any) -> Any | None:
    """The coding of a cancer that is not a skin cancer this packet covers (e.g. lung cancer)."""
    table = codes()
    for coding in _codings(concept):
        code = (coding.code or "").strip().upper()
        if _is_icd10(coding) and any(code.startswith(p) for p in table["other_cancer_icd10_prefixes"]) \
                and not code.startswith(("D1", "D2", "D3", "D4")):
            return coding
        if _system(coding) == SNOMED and code in table["other_cancer_snomed"]:
            return coding
    return None


def immune_reason(concept: Any) -> tuple[str, Any] | None:
    table = codes()["immune"]
    for coding in _codings(concept):
        code = (coding.code or "").strip().upper()
        if _is_icd10(coding) and (hit := _lookup_prefix(table["icd10cm"], code.split(".")[0])):
            return hit[1], coding
        if _system(coding) == SNOMED and code in table["snomed"]:
            return table["snomed"][code], coding
    return None


def stage_from(concept: Any) -> tuple[str, str] | None:
    """A stage ('IIIC' or 'III') and where it came from, from a SNOMED, AJCC or text stage."""
    table = codes()["snomed_stages"]
    for coding in _codings(concept):
        code = (coding.code or "").strip()
        if _system(coding) == SNOMED and code in table:
            found = re.match(r"^(0|I{1,3}|IV)([A-D])?$", table[code])
            return stage_value(found.group(1), found.group(2)), _code_label(coding)
        if _system(coding) == SNOMED and coding.display and (found := _AJCC_DISPLAY.search(coding.display)):
            return stage_value(found.group(1).upper(), found.group(2)), _code_label(coding)
        if "cancerstaging.org" in _system(coding) and (found := _AJCC_CODE.match(code)):
            roman = {"0": "0", "1": "I", "2": "II", "3": "III", "4": "IV"}[found.group(1)]
            return stage_value(roman, found.group(2)), _code_label(coding)
    text = getattr(concept, "text", None)
    if text and (found := _AJCC_DISPLAY.search(text)):
        return stage_value(found.group(1).upper(), found.group(2)), f"text '{text}'"
    return None


# ---------------------------------------------------------------- per patient


@dataclass
class PatientData:
    patient: Item
    conditions: list[Item] = field(default_factory=list)
    observations: list[Item] = field(default_factory=list)
    coverages: list[Item] = field(default_factory=list)


@dataclass
class ImportResult:
    drafts: list[Draft] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    skipped: list[Notice] = field(default_factory=list)  # patients who should have a profile but got none
    not_covered: list[Notice] = field(default_factory=list)  # cancers this packet is not for: no profile
    patients: int = 0
    cancer_patients: int = 0


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
        elif kind == "Observation" and _observation_used(item.model):
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
        draft = _map_patient(data, index, id_from, result)
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


def _observation_used(observation: Any) -> bool:
    return any(c.code in _observation_codes() for c in _codings(observation.code))


def _usable(condition: Any) -> bool:
    return _status(condition.verificationStatus) not in IGNORED_STATUS


def _current(condition: Any) -> bool:
    clinical = _status(condition.clinicalStatus)
    if clinical is not None:
        return clinical in ACTIVE_CLINICAL
    categories = {c.code for cat in condition.category or [] for c in _codings(cat)}
    return condition.abatementDateTime is None and "encounter-diagnosis" not in categories


def _dated(condition: Any) -> date:
    return (_when(condition.onsetDateTime) or _when(condition.recordedDate) or date.min)


def _map_patient(data: PatientData, index: Index, id_from: str | None, result: ImportResult) -> Draft | None:
    patient = data.patient.model
    source, key = data.patient.source, data.patient.key
    cancers = []
    for item in data.conditions:
        if _usable(item.model) and (found := skin_cancer(item.model.code)):
            cancers.append((item, found))
    if not cancers:
        others = [(item, coding) for item in data.conditions
                  if _usable(item.model) and (coding := other_cancer(item.model.code))]
        if others:
            item, coding = others[0]
            result.not_covered.append(Notice(source, key, "diagnosis.cancer_type",
                                             f"{item.key} ({_code_label(coding)}) is not a skin cancer this "
                                             "packet covers (no skin cancer code of codes.yaml); no profile "
                                             "written"))
        return None
    result.cancer_patients += 1
    primary = [pair for pair in cancers
               if MCODE_PRIMARY in (getattr(pair[0].model.meta, "profile", None) or [])]
    cancers = primary or cancers
    kinds = {found.cancer_type for _, found in cancers}
    if len(kinds) > 1:
        listed = ", ".join(f"{item.key} ({_code_label(found.coding)}: {found.cancer_type})"
                           for item, found in cancers)
        result.skipped.append(Notice(source, key, "diagnosis.cancer_type",
                                     f"cancer Conditions disagree: {listed}; no profile written (mark the "
                                     "wrong one entered-in-error or resolved in the EHR, or write this "
                                     "profile by hand)"))
        return None

    patient_id = _patient_id(patient, data.patient, id_from, result)
    if patient_id is None:
        return None
    draft = Draft(patient_id)
    draft.header = [f"Imported from FHIR ({Path(source).name}, {key}) by sop-packets import fhir.",
                    "Check each value against the chart, then fill in the commented lines (FILL IN).",
                    "Each comment names the resource and code the value came from."]
    notice = _notifier(draft, index.sources)
    cancers.sort(key=lambda pair: _dated(pair[0].model), reverse=True)
    condition_item, found = cancers[0]
    if len(cancers) > 1:
        others = ", ".join(i.key for i, _ in cancers[1:])
        notice(condition_item.key, "diagnosis", f"{len(cancers)} {found.cancer_type} Conditions; used the "
               f"latest, {condition_item.key} (others: {others})")
    _map_demographics(draft, patient, key, id_from, notice)
    _map_condition(draft, condition_item, found, data, index, notice)
    _map_other_conditions(draft, data, {id(i) for i, _ in cancers}, notice)
    _map_pregnancy(draft, data)
    _map_coverage(draft, data, index, notice)
    _placeholders(draft)
    if found.cancer_type == "melanoma" and _schema_has("diagnosis", "melanoma.breslow_mm"):
        draft.placeholder("diagnosis", "melanoma.breslow_mm, melanoma.ulcerated: FILL IN from the pathology "
                          "report (depth in mm; ulceration true or false)")
    return draft


def _notifier(draft: Draft, by_key: dict[str, str]):
    """notice(where, field, message): a located warning, filed under the file that holds `where`."""
    def notice(where: str, field_path: str, message: str) -> None:
        draft.notices.append(Notice(by_key.get(where, ""), where, field_path, message))
    return notice


def _patient_id(patient: Any, item: Item, id_from: str | None, result: ImportResult) -> str | None:
    if id_from:
        values = [i.value for i in patient.identifier or [] if (i.system or "") == id_from and i.value]
        if not values:
            result.skipped.append(Notice(item.source, item.key, "patient.id",
                                         f"no identifier with system '{id_from}'; no profile written"))
            return None
        raw = values[0]
    else:
        raw = patient.id
        if not raw:
            result.skipped.append(Notice(item.source, item.key, "patient.id", "the Patient has no id; "
                                         "name the identifier to use with --id-from; no profile written"))
            return None
    safe = _SAFE_ID.sub("-", raw).strip(".-")[:64] or None
    if safe is None or safe in {".", ".."}:
        result.skipped.append(Notice(item.source, item.key, "patient.id",
                                     f"'{raw[:60]}' cannot be made into a file name; no profile written"))
        return None
    return safe


def _map_demographics(draft: Draft, patient: Any, key: str, id_from: str | None, notice) -> None:
    draft.set("patient.id", draft.patient_id,
              f"{key} identifier {id_from}" if id_from else f"{key} (the FHIR id)")
    name = _person_name(patient.name)
    if name:
        draft.set("patient.name", name, f"{key} name")
    else:
        notice(key, "patient.name", "the Patient has no name; fill it in")
        draft.placeholder("patient", "name:                  # FILL IN: the name as printed")
    born = patient.birthDate
    if isinstance(born, date):
        draft.set("patient.date_of_birth", born, f"{key} birthDate")
    else:
        if born:
            notice(key, "patient.date_of_birth", f"birthDate '{born}' is not a full date; give age by hand")
        draft.placeholder("patient", "age:                   # FILL IN: the EHR has no full birth date")
    if patient.id and _schema_has("patient", "fhir_id"):
        draft.set("patient.fhir_id", patient.id, f"{key}: the subject of the DocumentReference")
    language = _language(patient)
    if language:
        draft.set("patient.language", language[0], f"{key} communication.language {language[1]}")
    elif patient.communication:
        shown = _display(patient.communication[0].language) or "?"
        notice(key, "patient.language", f"communication.language '{shown}' has no language code such as "
               "en or es; write it by hand")
    country = _country(patient, key, notice)
    if country:
        draft.set("patient.country", country, f"{key} address.country")


def _person_name(names: list[Any] | None, prefix: bool = False) -> str | None:
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


def _language(patient: Any) -> tuple[str, str] | None:
    options = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in options:
        for coding in _codings(communication.language):
            code = (coding.code or "").strip()
            if re.match(LANGUAGE_PATTERN, code):
                return code, code + (" (preferred)" if communication.preferred else "")
    return None


_COUNTRY_NAMES = {"USA": "US", "UNITED STATES": "US", "UNITED STATES OF AMERICA": "US", "CAN": "CA",
                  "CANADA": "CA", "MEX": "MX", "MEXICO": "MX", "GBR": "GB", "UNITED KINGDOM": "GB",
                  "DEU": "DE", "GERMANY": "DE"}


def _country(patient: Any, key: str, notice) -> str | None:
    addresses = sorted(patient.address or [], key=lambda a: {"home": 0}.get(a.use or "", 1))
    for address in addresses:
        if address.country:
            raw = address.country.strip().upper()
            code = raw if raw in ISO_COUNTRIES else _COUNTRY_NAMES.get(raw)
            if code:
                return code
            notice(key, "patient.country", f"address.country '{address.country[:60]}' is not a country "
                   "code this import knows; write the two-letter code by hand")
            return None
    return None


def _map_condition(draft: Draft, item: Item, found: CancerCode, data: PatientData, index: Index,
                   notice) -> None:
    condition = item.model
    source = f"{item.key} code {_code_label(found.coding)}"
    draft.set("diagnosis.cancer_type", found.cancer_type, source)
    if found.note:
        notice(item.key, "diagnosis.cancer_type", f"{_code_label(found.coding)}: {found.note}; "
               "wrote 'uncertain', check the pathology report")
    detail = found.detail or (_display(condition.code) if found.cancer_type == "other" else None)
    if detail:
        draft.set("diagnosis.cancer_type_detail", _plain(detail)[:200], source)
    if found.lymphoma_type and _schema_has("diagnosis", "lymphoma_type"):
        draft.set("diagnosis.lymphoma_type", found.lymphoma_type, source)
    histology = [e for e in condition.extension or [] if e.url == MCODE_HISTOLOGY and e.valueCodeableConcept]
    if histology:
        morphology = _display(histology[0].valueCodeableConcept) or "given"
        draft.set("diagnosis.confirmed_by_biopsy", True,
                  f"{item.key} histology-morphology-behavior {morphology} (read under a microscope)")
    if found.cancer_type == "melanoma":
        _map_melanoma_subtype(draft, item)
    _map_body_site(draft, item, found, notice)
    _map_stage(draft, item, found, data, index, notice)
    _map_size(draft, item, data, index, notice)
    when = _when(condition.onsetDateTime)
    if when:
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} onsetDateTime")
    elif when := _when(condition.recordedDate):
        draft.set("diagnosis.diagnosis_date", when, f"{item.key} recordedDate")
    if _status(condition.clinicalStatus) in {"recurrence", "relapse"}:
        draft.set("diagnosis.recurrent", True,
                  f"{item.key} clinicalStatus {_status(condition.clinicalStatus)}")
    _map_physician(draft, item, index, notice)


def _map_melanoma_subtype(draft: Draft, item: Item) -> None:
    """diagnosis.melanoma.subtype from an ICD-O-3 morphology (mCODE histology extension or the code)."""
    if not _schema_has("diagnosis", "melanoma.subtype"):
        return
    table = codes()["icdo3_melanoma_subtypes"]
    concepts = [ext.valueCodeableConcept for ext in item.model.extension or [] if ext.url == MCODE_HISTOLOGY]
    for coding in [c for concept in [*concepts, item.model.code] for c in _codings(concept)]:
        if _system(coding) in ICDO3 and (subtype := table.get((coding.code or "").split("/")[0])):
            draft.set("diagnosis.melanoma.subtype", subtype, f"{item.key} morphology ICD-O-3 {coding.code}")
            return


def _map_body_site(draft: Draft, item: Item, found: CancerCode, notice) -> None:
    sites = codes()["snomed_sites"]
    for concept in item.model.bodySite or []:
        for coding in _codings(concept):
            if _system(coding) == SNOMED and (coding.code or "") in sites:
                draft.set("diagnosis.body_site", sites[coding.code],
                          f"{item.key} bodySite {_code_label(coding)}")
                return
    if found.body_site:
        draft.set("diagnosis.body_site", found.body_site,
                  f"{item.key} code {_code_label(found.coding)} (ICD-10-CM site)")
        return
    if item.model.bodySite:
        shown = _display(item.model.bodySite[0]) or "?"
        notice(item.key, "diagnosis.body_site", f"bodySite '{shown}' is not in the code table; "
               "choose the body site by hand")
    elif found.site_note:
        notice(item.key, "diagnosis.body_site", f"{_code_label(found.coding)} {found.site_note}; "
               "choose the body site by hand")
    draft.placeholder("diagnosis", "body_site:             # FILL IN: face, scalp, ear, nose, lip, eyelid, "
                      "neck, hand, foot, genitals, chest, abdomen, back, arm, leg, other")


def _map_stage(draft: Draft, item: Item, found: CancerCode, data: PatientData, index: Index, notice) -> None:
    condition = item.model
    for stage in condition.stage or []:
        if stage.summary is not None:
            if hit := stage_from(stage.summary):
                draft.set("diagnosis.stage", hit[0], f"{item.key} stage.summary {hit[1]}")
                return
            notice(item.key, "diagnosis.stage", f"stage.summary '{_display(stage.summary) or '?'}' is not a "
                   "stage this import can read; write it by hand")
    assessed = {id(target) for stage in condition.stage or [] for ref in stage.assessment or []
                if (target := index.resolve(ref))}
    observations = []
    stage_codes = set(codes()["stage_observations"])
    for obs_item in data.observations:
        obs = obs_item.model
        if not any(c.code in stage_codes for c in _codings(obs.code)) or obs.status in IGNORED_STATUS:
            continue
        focus = {id(t) for ref in obs.focus or [] if (t := index.resolve(ref))}
        if id(obs_item) in assessed or id(item) in focus or (not focus and len(data.conditions) == 1):
            observations.append(obs_item)
    observations.sort(key=lambda o: _when(o.model.effectiveDateTime) or date.min, reverse=True)
    for obs_item in observations:
        if hit := stage_from(obs_item.model.valueCodeableConcept):
            draft.set("diagnosis.stage", hit[0], f"{obs_item.key} (TNM stage group) {hit[1]}")
            return
        shown = _display(obs_item.model.valueCodeableConcept) or "?"
        notice(obs_item.key, "diagnosis.stage", f"stage group '{shown}' is not a stage this import can read; "
               "write it by hand")
        break
    if found.stage:
        draft.set("diagnosis.stage", found.stage, f"{item.key} code {_code_label(found.coding)} (in situ)")


def _map_size(draft: Draft, item: Item, data: PatientData, index: Index, notice) -> None:
    """diagnosis.size_mm from the latest mCODE TumorSize Observation about this cancer."""
    if not _schema_has("diagnosis", "size_mm"):
        return
    cancers = [c for c in data.conditions if _usable(c.model) and
               (skin_cancer(c.model.code) or other_cancer(c.model.code))]
    sizes = []
    for obs_item in data.observations:
        obs = obs_item.model
        if not any(c.code == TUMOR_SIZE for c in _codings(obs.code)) or obs.status in IGNORED_STATUS:
            continue
        focus = {id(t) for ref in obs.focus or [] if (t := index.resolve(ref))}
        if id(item) in focus or (len(cancers) == 1 and not any(id(c) in focus for c in data.conditions)):
            sizes.append(obs_item)
    sizes.sort(key=lambda o: _when(o.model.effectiveDateTime) or date.min, reverse=True)
    for obs_item in sizes[:1]:
        for component in obs_item.model.component or []:
            quantity = component.valueQuantity
            if not any(c.code == TUMOR_LONGEST for c in _codings(component.code)) or quantity is None:
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


def _specialty(concepts: Iterable[Any]) -> tuple[str, str] | None:
    table = codes()["specialties"]
    for concept in concepts:
        for coding in _codings(concept):
            if (coding.code or "") in table:
                return table[coding.code], _code_label(coding)
    return None


def _map_physician(draft: Draft, item: Item, index: Index, notice) -> None:
    condition = item.model
    diagnosed = None
    for label, reference in (("asserter", condition.asserter), ("recorder", condition.recorder)):
        if reference is None:
            continue
        target = index.resolve(reference)
        role = practitioner = None
        if target is not None and target.data["resourceType"] == "PractitionerRole":
            role = target
            practitioner = index.resolve(role.model.practitioner)
        elif target is not None and target.data["resourceType"] == "Practitioner":
            practitioner = target
        elif target is None and reference.reference:
            notice(item.key, "original_physician", f"{label} '{reference.reference[:80]}' is not in the "
                   "input; only its display name is used")
        where = f"{item.key} {label}"
        name = _person_name(practitioner.model.name, prefix=True) if practitioner else None
        if name:
            draft.set("original_physician.name", name, f"{practitioner.key} name (via {where})")
        elif reference.display:
            draft.set("original_physician.name", reference.display[:200], f"{where} display")
        concepts = [*((role.model.specialty or []) if role else []),
                    *(q.code for q in ((practitioner.model.qualification or []) if practitioner else []))]
        if role and (text := _display((role.model.specialty or [None])[0])):
            draft.set("original_physician.specialty", _plain(text)[:200], f"{role.key} specialty")
        diagnosed = _specialty(concepts)
        if diagnosed:
            draft.set("diagnosis.diagnosed_by", diagnosed[0],
                      f"{(role or practitioner).key} specialty {diagnosed[1]}")
        contact = role or practitioner
        for telecom in (contact.model.telecom or []) if contact else []:
            target = f"original_physician.{telecom.system}"
            if telecom.system in ("phone", "fax") and telecom.value and not draft.has(target):
                draft.set(target, telecom.value[:200], f"{contact.key} telecom")
        if role and role.model.organization is not None:
            org = index.resolve(role.model.organization)
            practice = (org.model.name if org else None) or role.model.organization.display
            if practice:
                draft.set("original_physician.practice", practice[:200], f"{role.key} organization")
        if practitioner and practitioner.model.address:
            address = practitioner.model.address[0]
            line = ", ".join(p for p in [*(address.line or []), address.city or "",
                                         " ".join(x for x in (address.state, address.postalCode) if x)] if p)
            if line:
                draft.set("original_physician.address", line[:200], f"{practitioner.key} address")
        break
    if not diagnosed:
        draft.set("diagnosis.diagnosed_by", "other", "FILL IN: the EHR does not say; use primary_care, "
                  "dermatologist, dermatopathologist, surgeon or oncologist")
        notice(item.key, "diagnosis.diagnosed_by", "no asserter or recorder with a known specialty; "
               "wrote 'other', set it by hand")


def _map_other_conditions(draft: Draft, data: PatientData, cancer_ids: set[int], notice) -> None:
    """Immune-weakening Conditions to the immune fields; other current illnesses to comorbidities."""
    reasons: dict[str, str] = {}
    listed: list[str] = []
    for item in data.conditions:
        condition = item.model
        if id(item) in cancer_ids or not _usable(condition) or skin_cancer(condition.code):
            continue
        if hit := immune_reason(condition.code):
            if _current(condition) or hit[0] == "organ_transplant" or hit[0] == "hiv":
                reasons.setdefault(hit[0], f"{item.key} code {_code_label(hit[1])}")
            continue
        if not _current(condition) or other_cancer(condition.code):
            continue
        text = _display(condition.code)
        if not text:
            notice(item.key, "patient.comorbidities", "a Condition without text or display; not listed")
            continue
        tag = _SNOMED_TAG.search(text)
        if tag and tag.group(1) in _NON_CONDITION_TAGS:
            continue  # findings and situations (e.g. employment) are not illnesses
        words = _plain(text)[:200]
        if words and words not in listed and len(listed) < 50:
            listed.append(words)
            draft.add("patient.comorbidities", words, item.key)
    if not reasons:
        return
    if _schema_has("patient", "immune_reasons"):
        draft.set("patient.weakened_immune_system", True, "; ".join(reasons.values()))
        for reason, where in reasons.items():
            draft.add("patient.immune_reasons", reason, where)
        if "hiv" in reasons and _schema_has("patient", "hiv"):
            draft.set("patient.hiv", "positive", reasons["hiv"])
            draft.placeholder("patient", "on_hiv_treatment: true  # FILL IN: on HIV medicines?")
    else:
        for reason, where in reasons.items():
            draft.add("patient.comorbidities", {"organ_transplant": "organ transplant", "hiv": "HIV",
                                                "blood_cancer": "blood cancer"}.get(reason, reason), where)


def _map_pregnancy(draft: Draft, data: PatientData) -> None:
    answers = codes()["pregnancy"]
    found = []
    for item in data.observations:
        obs = item.model
        if any(c.code == PREGNANCY_STATUS for c in _codings(obs.code)) and obs.status not in IGNORED_STATUS:
            for coding in _codings(obs.valueCodeableConcept):
                if (coding.code or "") in answers:
                    found.append((_when(obs.effectiveDateTime) or date.min, item, coding))
    if found:
        _, item, coding = max(found, key=lambda f: f[0])
        draft.set("patient.pregnant", answers[coding.code],
                  f"{item.key} LOINC {PREGNANCY_STATUS} {_code_label(coding)}")


def _map_coverage(draft: Draft, data: PatientData, index: Index, notice) -> None:
    active = [c for c in data.coverages if c.model.status == "active"]
    if not active:
        return
    if len(active) > 1:
        ordered = sorted(active, key=lambda c: c.model.order if c.model.order is not None else 10**6)
        if ordered[0].model.order is None or ordered[0].model.order == ordered[1].model.order:
            notice(active[0].key, "insurance", f"{len(active)} active Coverages and none is first by order "
                   f"({', '.join(c.key for c in active)}); fill in the insurance by hand")
            return
        active = ordered
    item = active[0]
    coverage = item.model
    sopt = codes()["sopt"]
    kind = None
    for coding in _codings(coverage.type):
        if _system(coding) == SOPT and (hit := _lookup_prefix(sopt, (coding.code or "").strip())):
            kind = (hit[1], _code_label(coding))
            break
    if kind:
        draft.set("insurance.coverage_type", kind[0], f"{item.key} type {kind[1]}")
    elif coverage.type is not None:
        notice(item.key, "insurance.coverage_type", f"type '{_display(coverage.type) or '?'}' has no Source "
               "of Payment Typology code this import knows; set coverage_type by hand")
    plan = next((c.name or c.value for c in coverage.class_fhir or [] if _status(c.type) == "plan"), None) \
        if hasattr(coverage, "class_fhir") else None
    if plan:
        draft.set("insurance.plan_name", plan[:200], f"{item.key} class plan")
    elif coverage.payor:
        payor = index.resolve(coverage.payor[0])
        name = (getattr(payor.model, "name", None) if payor else None) or coverage.payor[0].display
        if name and isinstance(name, str):
            draft.set("insurance.plan_name", name[:200], f"{item.key} payor")


def _placeholders(draft: Draft) -> None:
    diagnosis = [
        *([] if draft.has("diagnosis.confirmed_by_biopsy") else
          ["confirmed_by_biopsy: true   # FILL IN: was a biopsy looked at under a microscope?"]),
        "pathology:                  # FILL IN from the pathology report, e.g.:",
        "  reviewed_by_dermatopathologist: false",
    ]
    for line in diagnosis:
        draft.placeholder("diagnosis", line)
    for line in ["proposed: []                 # FILL IN: the treatments the first doctor proposed",
                 "urgency_stated: not_discussed # FILL IN: what the doctor said about timing "
                 "(immediate, within_weeks, not_discussed)",
                 "alternatives_discussed: false",
                 "planned_date:                 # YYYY-MM-DD if treatment is booked"]:
        draft.placeholder("treatment_plan", line)
    for line in ["low_confidence: false  # FILL IN: the patient's own concerns (cosmetic, scarring,",
                 "cost: false            #   poor_communication, low_confidence, cost, travel,",
                 "travel: false          #   clinical_trials)"]:
        draft.placeholder("concerns", line)
    for line in ["preauthorization: unknown  # FILL IN: required, not_required, unknown",
                 "network: unknown           # FILL IN: in_network, out_of_network, unknown"]:
        draft.placeholder("insurance", line)
    draft.placeholder("preferences", "telemedicine: false        # FILL IN: the patient's preferences")
