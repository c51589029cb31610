"""Patient facts: the profile id, name, birth date, language, country, pregnancy status."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ...schema import ISO_COUNTRIES, LANGUAGE_PATTERN, phone_problem
from ...script import has_latin_letters
from .. import Draft, Notice, codes
from .codetable import code_of
from .common import (
    _SAFE_ID,
    IGNORED_STATUS,
    PREGNANCY_STATUS,
    ImportResult,
    Item,
    PatientData,
    code_label,
    codings,
    display,
    effective,
    person_name,
    schema_has,
)


def profile_id(patient: Any, item: Item, id_from: str | None, result: ImportResult) -> str | None:
    """The profile's file-safe id, from Patient.id or the identifier of system `id_from`; None (with a
    skipped notice) when there is none."""
    if id_from:
        values = [i.value for i in patient.identifier or [] if (i.system or "") == id_from and i.value]
        if not values:
            result.skipped.append(
                Notice(
                    item.source,
                    item.key,
                    "patient.id",
                    f"no identifier with system '{id_from}'; no profile written",
                )
            )
            return None
        raw = values[0]
    else:
        raw = patient.id
        if not raw:
            result.skipped.append(
                Notice(
                    item.source,
                    item.key,
                    "patient.id",
                    "the Patient has no id; name the identifier to use with --id-from; no profile written",
                )
            )
            return None
    safe = _SAFE_ID.sub("-", raw).strip(".-")[:64] or None
    if safe is None or safe in {".", ".."}:
        result.skipped.append(
            Notice(
                item.source,
                item.key,
                "patient.id",
                f"'{raw[:60]}' cannot be made into a file name; no profile written",
            )
        )
        return None
    return safe


EN_REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
"""The HumanName extension that says which writing a name is in (ABC: alphabetic, IDE: ideographic)."""


def latin_name(names: list[Any] | None) -> str | None:
    """The patient's name in Latin letters (as on an insurance card): a name marked alphabetic (ABC)
    first, else the first current name that has Latin letters; None when there is none."""

    def alphabetic(name: Any) -> bool:
        return any(ext.url == EN_REPRESENTATION and getattr(ext, "valueCode", None) == "ABC"
                   for ext in name.extension or [])

    for name in sorted((n for n in names or [] if n.use != "old"), key=lambda n: not alphabetic(n)):
        text = person_name([name])
        if text and has_latin_letters(text):
            return text
    return None


def map_demographics(draft: Draft, patient: Any, key: str, id_from: str | None, notice) -> None:
    draft.set(
        "patient.id", draft.patient_id, f"{key} identifier {id_from}" if id_from else f"{key} (the FHIR id)"
    )
    name = person_name(patient.name)
    if name:
        draft.set("patient.name", name, f"{key} name")
        latin = latin_name(patient.name) if not has_latin_letters(name) else None
        if latin and schema_has("patient", "name_latin"):
            draft.set("patient.name_latin", latin, f"{key} name in Latin letters")
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
    if patient.id and schema_has("patient", "fhir_id"):
        draft.set("patient.fhir_id", patient.id, f"{key}: the subject of the DocumentReference")
    language = _language(patient)
    if language:
        draft.set("patient.language", language[0], f"{key} communication.language {language[1]}")
    elif patient.communication:
        shown = display(patient.communication[0].language) or "?"
        notice(
            key,
            "patient.language",
            f"communication.language '{shown}' has no language code such as en or es; write it by hand",
        )
    country = _country(patient, key, notice)
    if country:
        draft.set("patient.country", country, f"{key} address.country")
    phone = _phone(patient, key, notice)
    if phone:
        draft.set("patient.phone", phone[0], f"{key} telecom {phone[1]}")


PHONE_USES = {"mobile": 0, "home": 1, None: 2, "work": 3, "temp": 4}
"""Which of the Patient's phones the letter gives: mobile first, then home; an old one (use=old) never."""


def _phone(patient: Any, key: str, notice) -> tuple[str, str] | None:
    """(number, which use) of the Patient's preferred phone: telecom system=phone, use mobile, then
    home, then unmarked, work or temp, each by its rank; a value that is not a phone number is a
    warning."""
    phones = [t for t in patient.telecom or [] if t.system == "phone" and t.value and t.use in PHONE_USES
              and not getattr(t.period, "end", None)]  # a number with an end date is no longer used
    if not phones:
        return None
    best = min(phones, key=lambda t: (PHONE_USES[t.use], t.rank or 1_000_000))
    value = best.value.strip()
    if message := phone_problem(value):
        notice(key, "patient.phone", f"telecom {message}; write it by hand")
        return None
    return value, best.use or "phone"


def _language(patient: Any) -> tuple[str, str] | None:
    options = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for communication in options:
        for coding in codings(communication.language):
            code = (coding.code or "").strip()
            if re.match(LANGUAGE_PATTERN, code):
                return code, code + (" (preferred)" if communication.preferred else "")
    return None


_COUNTRY_NAMES = {
    "USA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "CAN": "CA",
    "CANADA": "CA",
    "MEX": "MX",
    "MEXICO": "MX",
    "GBR": "GB",
    "UNITED KINGDOM": "GB",
    "DEU": "DE",
    "GERMANY": "DE",
}


def _country(patient: Any, key: str, notice) -> str | None:
    addresses = sorted(patient.address or [], key=lambda a: {"home": 0}.get(a.use or "", 1))
    for address in addresses:
        if address.country:
            raw = address.country.strip().upper()
            code = raw if raw in ISO_COUNTRIES else _COUNTRY_NAMES.get(raw)
            if code:
                return code
            notice(
                key,
                "patient.country",
                f"address.country '{address.country[:60]}' is not a country "
                "code this import knows; write the two-letter code by hand",
            )
            return None
    return None


PREGNANCY_MONTHS = 10


def _months_before(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, 28))


def map_pregnancy(draft: Draft, data: PatientData, today: date, notice) -> None:
    """patient.pregnant from the newest pregnancy status (LOINC 82810-3), only if recorded in the last 10
    months; an older one is a warning (a pregnancy from years ago must not add a high-risk doctor)."""
    answers = codes()["pregnancy"]
    found = []
    for item in data.observations:
        obs = item.model
        if (
            any(code_of(c) == PREGNANCY_STATUS for c in codings(obs.code))
            and obs.status not in IGNORED_STATUS
        ):
            for coding in codings(obs.valueCodeableConcept):
                if code_of(coding) in answers:
                    found.append((effective(item), item, coding))
    if not found:
        return
    when, item, coding = max(found, key=lambda f: (f[0], f[1].rowid))
    value = answers[code_of(coding)]
    if when == date.min or when < _months_before(today, PREGNANCY_MONTHS):
        shown = when.isoformat() if when != date.min else "with no date"
        notice(
            item.key,
            "patient.pregnant",
            f"the latest pregnancy status ({code_label(coding)}) was recorded "
            f"{shown}, more than {PREGNANCY_MONTHS} months ago; not used: ask the patient",
        )
        return
    draft.set(
        "patient.pregnant",
        value,
        f"{item.key} ({when.isoformat()}) LOINC {PREGNANCY_STATUS} {code_label(coding)}",
    )
