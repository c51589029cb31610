"""One patient, one file: the identity check shared by the app and the command line.

Two profile files with one patient.id would give one output file (`<id>.pdf`), so the second build
overwrites the first patient's packet: that is refused, naming both files. The same person under a
new id (the same name and birth date, or the same source record of an import) is only a warning,
since a clinic may rightly keep two people of one name; the app links to the other profile.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError, Problem, SopError

PROFILE_SUFFIXES = (".yaml", ".yml")
SKIPPED_FOLDERS = ("archive",)
_SOURCE_KEY = re.compile(r"^# sop-packets source id: ([0-9a-f]+)", re.MULTILINE)
_ID_LINE = re.compile(r"^[ \t]+id:[ \t]*['\"]?([A-Za-z0-9][A-Za-z0-9._-]{0,63})", re.MULTILINE)


@dataclass(frozen=True)
class Known:
    """What tells one patient's profile from another's: its file, id, name, birth date, source record."""

    path: Path
    patient_id: str
    name: str = ""
    birth: str = ""
    source: str = ""  # the import's hash of the source record's identifier, when imported

    @property
    def person(self) -> tuple[str, str] | None:
        """Name and birth date, folded, when both are given."""
        if not self.name or not self.birth:
            return None
        return " ".join(self.name.casefold().split()), self.birth


def known(path: Path, data: Any, text: str = "") -> Known | None:
    """The identity of a profile from its data (as loaded) and text; None when it has no id."""
    patient = data.get("patient") if isinstance(data, dict) else None
    if not isinstance(patient, dict):
        return None
    patient_id = patient.get("id")
    if not isinstance(patient_id, str | int) or isinstance(patient_id, bool) or str(patient_id) == "":
        return None
    name = patient.get("name")
    birth = patient.get("date_of_birth")
    source = _SOURCE_KEY.search(text)
    return Known(path, str(patient_id), str(name).strip() if isinstance(name, str) else "",
                 str(birth) if birth not in (None, "") else "", source.group(1) if source else "")


def same_id(candidate: Known, others: Iterable[Known]) -> list[Known]:
    """The other files that hold the candidate's patient.id, or one differing only in capitals (Pt-7 and
    pt-7 are one output file on Windows and macOS, where names ignore case)."""
    key = candidate.patient_id.casefold()
    return [o for o in others if o.path != candidate.path and o.patient_id.casefold() == key]


def same_person(candidate: Known, others: Iterable[Known]) -> list[tuple[Known, str]]:
    """Other files under another id that look like the same person, each with why."""
    out = []
    for other in others:
        if other.path == candidate.path or other.patient_id == candidate.patient_id:
            continue
        if candidate.source and candidate.source == other.source:
            out.append((other, "imported from the same source record"))
        elif candidate.person is not None and candidate.person == other.person:
            out.append((other, "the same name and birth date"))
    return out


def clash_message(path: Path | str, patient_id: str, others: list[Known], shown=str) -> str:
    """'A and B both have patient.id ...': what to say when a file would share another's id."""
    names = " and ".join(shown(o.path) for o in others)
    cased = sorted({o.patient_id for o in others if o.patient_id != patient_id})
    also = f" (or '{cased[0]}', the same file name where capitals do not count)" if cased else ""
    return (f"{shown(path)} and {names} both have patient.id '{patient_id}'{also}; one packet would "
            "overwrite the other. Give each patient their own id (or move the copy out of the folder)")


def person_message(pairs: list[tuple[Known, str]], shown=str) -> list[str]:
    return [f"this may be the same person as {shown(other.path)} (patient.id '{other.patient_id}', {why}); "
            "if so, keep one profile and archive the other" for other, why in pairs]


def folder_files(folder: Path) -> list[Path]:
    """The profile files of a folder and its subfolders, except hidden ones and the archive."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (
            Path(root) == folder and d in SKIPPED_FOLDERS))
        out += [Path(root) / f for f in sorted(files)
                if not f.startswith(".") and f.lower().endswith(PROFILE_SUFFIXES)]
    return out


def _text(path: Path) -> str | None:
    """A profile's text, or None when it cannot be read or decoded (its own check reports that)."""
    from .profile import decode, read_bytes

    try:
        return decode(read_bytes(path), path)
    except SopError:
        return None


def scan(files: Iterable[Path], wanted: set[str] | None = None) -> list[Known]:
    """The identity of each readable profile; with `wanted`, only files whose text names one of those
    ids are parsed (a quick look at the raw text first)."""
    from .profile import parse_located

    out = []
    for path in files:
        text = _text(path)
        if text is None:
            continue
        if wanted is not None and not {w.casefold() for w in wanted}.intersection(
                found.casefold() for found in _ID_LINE.findall(text)):
            continue
        found = known(path, parse_located(text, str(path)).data, text)
        if found is not None:
            out.append(found)
    return out


def new_people_seen_before(folder: Path, written: Iterable[Path]) -> list[str]:
    """For each written profile that may be a person already in the folder under another id, a warning
    naming both files. Only files whose raw text holds the new profile's name or source record are
    parsed, so a nightly import into 10,000 profiles reads each file once, as text."""
    from .profile import parse_located

    new = []
    for path in written:
        text = _text(path)
        if text is None:
            continue
        found = known(path, parse_located(text, str(path)).data, text)
        if found is not None and (found.person or found.source):
            new.append(found)
    if not new:
        return []
    needles = {n: [x for x in (n.name, n.source) if x] for n in new}
    texts: dict[Path, str] = {}
    mine = {n.path for n in new}
    for path in folder_files(folder):
        if path in mine:
            continue
        text = _text(path)
        if text is not None:
            texts[path] = text
    out = []
    for candidate in new:
        others = [known(p, parse_located(t, str(p)).data, t) for p, t in texts.items()
                  if any(needle in t for needle in needles[candidate])]
        pairs = same_person(candidate, [o for o in others if o is not None])
        out += [f"{candidate.path}: {message}" for message in person_message(pairs)]
    return out


def check_build(path: Path, patient_id: str) -> None:
    """Refuse to build a profile when another file of its folder holds the same patient.id."""
    path = Path(path)
    folder = path.parent
    candidate = Known(path, patient_id)
    others = [k for k in scan((f for f in folder_files(folder) if f != path), {patient_id})
              if not _same_file(k.path, path)]
    clashes = same_id(candidate, others)
    if clashes:
        raise BuildError(str(Problem(str(path), 1, 1, "patient.id",
                                     clash_message(path, patient_id, clashes))))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


__all__ = ["Known", "check_build", "clash_message", "folder_files", "known", "new_people_seen_before",
           "person_message", "same_id", "same_person", "scan"]
