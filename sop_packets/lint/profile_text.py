"""Profile values the second-opinion doctor reads in the clinic's language (issue 27, review vi M15).

The case summary and the records letter are in the clinic's language; a health problem typed in the
patient's language ("tiểu đường loại 2", "高血压") printed there untranslated, and the new doctor could
not read the diabetes that matters for a 79-year-old's surgery. Each such value is classified between
the clinic's language and the patient's only (py3langid restricted to the two: a short value cannot be
told among a hundred languages, but it can between two). The patient's words may follow in brackets:
"type 2 diabetes (tiểu đường loại 2)" passes.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from ..language import parse_tag

MIN_CONFIDENCE = 0.9
"""How sure the two-language classifier must be that a value is in the patient's language."""
BRACKETED = re.compile("[(\uff08][^)\uff09]*[)\uff09]")
"""The patient's own words after the clinic-language term: "heart disease (bệnh tim)"."""


@functools.cache
def _classifier(first: str, second: str) -> Any:
    """py3langid choosing between two languages only; None when it does not know one of them."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    if first not in identifier.nb_classes or second not in identifier.nb_classes:
        return None
    identifier.set_languages([first, second])
    return identifier


def summary_values(profile: Any) -> list[tuple[str, str]]:
    """The free-text profile values the case summary prints: (field, value)."""
    values = [(f"patient.comorbidities[{number}]", text)
              for number, text in enumerate(profile.patient.comorbidities)]
    doctor = profile.original_physician
    if doctor is not None and doctor.specialty:
        values.append(("original_physician.specialty", doctor.specialty))
    return values


def in_patient_language(text: str, clinic_language: str, patient_language: str) -> bool:
    """Does the value read as the patient's language rather than the clinic's (brackets left out)?"""
    clinic, patient = parse_tag(clinic_language).language, parse_tag(patient_language).language
    plain = " ".join(BRACKETED.sub(" ", text).split())
    classifier = _classifier(clinic, patient) if clinic != patient and plain else None
    if classifier is None:
        return False
    found, confidence = classifier.classify(plain)
    return found == patient and confidence >= MIN_CONFIDENCE


def untranslated_profile_values(profile: Any, clinic_language: str, patient_language: str,
                                names: tuple[str, str] = ("", "")) -> tuple[str, ...]:
    """A line for each summary value written in the patient's language, saying what to write instead;
    names: the clinic's and the patient's language in words ("English", "Vietnamese")."""
    clinic, patient = names[0] or clinic_language, names[1] or patient_language
    return tuple(f"{field}: {value!r} reads as {patient}, and the case summary for the new doctor is in "
                 f"{clinic}. Write it in {clinic}; the {patient} may follow in brackets: "
                 f"'<the {clinic} words> ({value})'"
                 for field, value in summary_values(profile)
                 if in_patient_language(value, clinic_language, patient_language))
