"""Hard words in a clinic file's patient text (issue 28, CDC Clear Communication Index item 7).

The packet explains a glossary word where the reader first meets it (first_use.py), but it never
rewords the clinic's own text: the directory table under "Who to see" and the contact's role and hours.
So `validate --clinic`, `build` and `batch` warn, naming the file, line and field, when that text uses a
glossary word that has plain words (`in_place`) and does not explain it there, and suggest those words.
A warning, not an error: the clinic decides how its offices are named.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .errors import Problem

PATIENT_TEXT = (("contact", "role"), ("contact", "hours"))
"""The contact's fields a patient reads; and each referral's REFERRAL_TEXT."""
REFERRAL_TEXT = ("specialty", "note")


def clinic_word_warnings(path: Path | str) -> list[Problem]:
    """One warning per glossary word a clinic file's patient text uses without saying what it means.

    The file is read again for the lines (a file that does not load is reported by load_clinic)."""
    from .profile import parse_located, read_text

    located = parse_located(read_text(Path(path), "clinic file"), str(path))
    data = located.data if isinstance(located.data, dict) else {}
    clinic_language = str(data.get("language") or "en")
    warnings = []
    for where, language, text in _patient_texts(data, clinic_language):
        for found, plain in hard_words(text, language):
            line, column = located.where(where)
            warnings.append(Problem(
                str(path), line, column, ".".join(map(str, where)),
                f"'{found}' is a medical word a patient may not know, and the packet prints this text as "
                f"written; say it in plain words, for example '{plain}', or add them in brackets"))
    return warnings


def hard_words(text: str, language: str) -> list[tuple[str, str]]:
    """(the word as written, its plain words) for each glossary word with plain words that text uses
    with no explanation there (explanation.is_explained), once per word; [] for a language with no
    packet of its own."""
    from .content import language_data, language_folder, load_content
    from .explanation import is_explained
    from .first_use import inside_longer
    from .glossary import load_glossary, uses_of

    folder = language_folder(language)
    if not folder or not text.strip():
        return []
    data = language_data(folder)
    glossary = load_glossary(load_content(folder), data["glossary"], data["collation"])
    uses = [(term, span) for term in glossary for span in uses_of(term.forms, text)]
    found = []
    for term in glossary:
        if not term.in_place:
            continue
        for start, end in uses_of(term.forms, text):
            # a use inside a longer word ("xạ trị" in "bác sĩ xạ trị") is that word's, not its own
            if not inside_longer((start, end), term, uses) and not is_explained(
                    text, start, end, folder, alternative_counts=False):
                found.append((start, text[start:end], term.in_place))
                break
    return [(word, plain) for _, word, plain in sorted(found)]


def _patient_texts(data: dict, clinic_language: str) -> Iterator[tuple[tuple, str, str]]:
    """(where in the file, language, text) for each patient-facing text, each language of it."""
    contact = data.get("contact")
    places = [(path, contact.get(path[1])) for path in PATIENT_TEXT if isinstance(contact, dict)]
    referrals = data.get("referrals")
    for index, referral in enumerate(referrals if isinstance(referrals, list) else []):
        if isinstance(referral, dict):
            places += [(("referrals", index, key), referral.get(key)) for key in REFERRAL_TEXT]
    for where, value in places:
        if isinstance(value, str):
            yield where, clinic_language, value
        elif isinstance(value, dict):
            for language, text in value.items():
                if isinstance(text, str):
                    yield (*where, language), str(language), text
