"""Warnings when a profile's free text says something its structured fields do not.

A comorbidity "kidney transplant, on tacrolimus" with no `weakened_immune_system` would give a packet
that treats a high-risk cancer as routine; so would "perineural invasion" written in the cancer's name
with `pathology.perineural_invasion` left out. These checks never fail a build; they name the file,
line and the field to set. Setting the field explicitly (even to false) silences the warning.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from .errors import Problem
from .profile import parse_yaml, read_text
from .schema import HivStatus, Profile
from .script import has_latin_letters

IMMUNE_HINTS = re.compile(
    r"transplant|tacrolimus|cyclospor|ciclospor|mycophenol|azathioprin|sirolimus|everolimus|belatacept"
    r"|prednis|steroid|methotrexate|immunosuppress|leuka?emia|\bCLL\b|lymphoma|myeloma",
    re.IGNORECASE,
)
HIV_HINTS = re.compile(r"\bHIV\b|antiretroviral|(?-i:\bAIDS\b|\bART\b)", re.IGNORECASE)
PREGNANCY_HINTS = re.compile(r"pregnan", re.IGNORECASE)
PERINEURAL_HINTS = re.compile(r"perineural|\bPNI\b|neurotropi|nerve (?:sheath|invasion|involvement)"
                              r"|(?:around|along|into) (?:a |the )?nerve", re.IGNORECASE)
NERVE_SYMPTOM_HINTS = re.compile(r"tingl|numb|paresthes|pins and needles|\bnerves?\b", re.IGNORECASE)
SPREAD_HINTS = re.compile(r"in[- ]?transit|satellit", re.IGNORECASE)


def consistency_problems(profile: Profile) -> list[tuple[tuple, str]]:
    """(field path, message) for each piece of free text that contradicts a structured field. Pure."""
    patient = profile.patient
    found: list[tuple[tuple, str]] = []
    for index, text in enumerate(patient.comorbidities):
        where = ("patient", "comorbidities", index)
        shown = text if len(text) <= 60 else text[:60] + "…"
        hiv_unstated = patient.hiv is HivStatus.unknown and not patient.hiv_positive
        immune_hint = IMMUNE_HINTS.search(text) or (hiv_unstated and HIV_HINTS.search(text))
        if patient.weakened_immune_system is None and not patient.immune_reasons and immune_hint:
            found.append((where, f"'{shown}' suggests a weakened immune system, but "
                                 "patient.weakened_immune_system is not set. If a doctor agrees, set "
                                 "patient.weakened_immune_system: true and patient.immune_reasons "
                                 "(organ_transplant, hiv, blood_cancer, immune_medicines or other); "
                                 "if not, set it to false"))
        if hiv_unstated and HIV_HINTS.search(text):
            found.append((where, f"'{shown}' mentions HIV, but patient.hiv is not set. Set patient.hiv: "
                                 "positive (and patient.on_hiv_treatment), or negative"))
        if not patient.pregnant and PREGNANCY_HINTS.search(text):
            found.append((where, f"'{shown}' mentions pregnancy, but patient.pregnant is false. "
                                 "Set patient.pregnant: true if she is pregnant now"))
    if not patient.name_latin and not has_latin_letters(patient.name):
        found.append((("patient", "name"), f"the name '{patient.name}' has no Latin letters, and the letter "
                                           "and case summary go to offices that read English. Add "
                                           "patient.name_latin: the name as on the insurance card"))
    return found + risk_text_problems(profile)


def _free_text(profile: Profile) -> list[tuple[tuple, str]]:
    """(field path, text) for every free-text field that may name a risk fact."""
    dx = profile.diagnosis
    texts: list[tuple[tuple, str]] = [(("patient", "comorbidities", i), text)
                                      for i, text in enumerate(profile.patient.comorbidities)]
    if dx.cancer_type_detail:
        texts.append((("diagnosis", "cancer_type_detail"), dx.cancer_type_detail))
    texts += [(("diagnosis", "pathology", "differential_diagnoses", i), text)
              for i, text in enumerate(dx.pathology.differential_diagnoses)]
    if profile.coordinator_note:
        texts.append((("coordinator_note",), profile.coordinator_note))
    return texts


def risk_text_problems(profile: Profile) -> list[tuple[tuple, str]]:
    """Free text naming a risk fact (nerve invasion, nerve symptoms, in-transit or satellite spread) that
    the structured fields do not hold: the risk group, urgency and stage would miss it. Pure."""
    dx = profile.diagnosis
    pni_unset = dx.pathology.perineural_invasion is None
    symptoms_unset = "nerve_symptoms" not in dx.model_fields_set
    spread_unstated = dx.stage.group not in ("III", "IV")
    found: list[tuple[tuple, str]] = []
    for where, text in _free_text(profile):
        shown = text if len(text) <= 60 else text[:60] + "…"
        perineural = PERINEURAL_HINTS.search(text)
        if pni_unset and perineural:
            found.append((where, f"'{shown}' mentions cancer around a nerve (perineural invasion), but "
                                 "diagnosis.pathology.perineural_invasion is not set. If the report says so, "
                                 "set it to true; if not, set it to false"))
        if symptoms_unset and not perineural and NERVE_SYMPTOM_HINTS.search(text):
            found.append((where, f"'{shown}' mentions numbness, tingling or a nerve, but "
                                 "diagnosis.nerve_symptoms is not set. If the patient has new numbness, "
                                 "tingling, pain or weakness near the cancer, set it to true; if not, set it "
                                 "to false"))
        if spread_unstated and SPREAD_HINTS.search(text):
            found.append((where, f"'{shown}' mentions in-transit or satellite spread, which makes a "
                                 f"melanoma stage III or higher, but diagnosis.stage is {dx.stage.value}. "
                                 "Set diagnosis.stage to the stage the doctor gave"))
    return found


def date_problems(profile: Profile, today: date | None) -> list[tuple[tuple, str]]:
    """A treatment date already past on the packet's date: the packet gives no date (build.make_packet)."""
    planned = profile.treatment_plan.planned_date
    if today is None or not profile.treatment_plan.date_passed(today):
        return []
    return [(("treatment_plan", "planned_date"),
             f"the treatment date {planned.isoformat()} is before the packet's date {today.isoformat()}: "
             "the packet gives no treatment date. Ask the clinic for the new date and set it (or remove it)")]


def profile_warnings(path: Path | str, profile: Profile, today: date | None = None) -> list[Problem]:
    """The consistency problems of one profile file (and, given the packet's date, a treatment date
    already past), located at their line and column."""
    problems = consistency_problems(profile) + date_problems(profile, today)
    if not problems:
        return []
    located = parse_yaml(read_text(Path(path)), str(path))
    return [Problem(str(path), *located.where(field), _dotted(field), "warning: " + message)
            for field, message in problems]


def _dotted(path: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
