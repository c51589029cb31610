"""Warnings when a profile's free text says something its structured fields do not.

A comorbidity "kidney transplant, on tacrolimus" with no `weakened_immune_system` would give a packet
that treats a high-risk cancer as routine. These checks never fail a build; they name the file, line
and the field to set. Setting the field explicitly (even to false) silences the warning.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Problem
from .profile import parse_yaml, read_text
from .schema import HivStatus, Profile

IMMUNE_HINTS = re.compile(
    r"transplant|tacrolimus|cyclospor|ciclospor|mycophenol|azathioprin|sirolimus|everolimus|belatacept"
    r"|prednis|steroid|methotrexate|immunosuppress|leuka?emia|\bCLL\b|lymphoma|myeloma",
    re.IGNORECASE,
)
HIV_HINTS = re.compile(r"\bHIV\b|antiretroviral|(?-i:\bAIDS\b|\bART\b)", re.IGNORECASE)
PREGNANCY_HINTS = re.compile(r"pregnan", re.IGNORECASE)


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
    return found


def profile_warnings(path: Path | str, profile: Profile) -> list[Problem]:
    """The consistency problems of one profile file, located at their line and column."""
    problems = consistency_problems(profile)
    if not problems:
        return []
    located = parse_yaml(read_text(Path(path)), str(path))
    return [Problem(str(path), *located.where(field), _dotted(field), "warning: " + message)
            for field, message in problems]


def _dotted(path: tuple) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")
