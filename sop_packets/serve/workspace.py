"""The folder the app works on: which profiles exist, reading and checking one, saving it safely,
archiving it, and starting a new one. Plain library code (no HTTP), over the same functions the CLI
uses: the profile loader's checks, the consistency warnings, atomic writes and the batch lock."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..batch import PROFILE_SUFFIXES, collect_profiles
from ..clock import preparation_date
from ..consistency import consistency_problems
from ..errors import BuildError, InvalidInput, Problem
from ..importers import scalar
from ..output import LOCK_NAME, folder_lock, write_atomic
from ..profile import MAX_FILE_BYTES, _Located, decode, parse_located, read_bytes, validate
from ..schema import Profile
from . import yaml_edit

ARCHIVE = "archive"
PROFILE_MODE = 0o600


class Conflict(Exception):
    """The file changed on disk since the form was opened."""

    def __init__(self, current: str, difference: str):
        super().__init__("changed on disk")
        self.current = current
        self.difference = difference


class Busy(Exception):
    """A batch is writing to the folder: no saves until it is done."""


@dataclass
class Checked:
    """A profile's text, checked the way `sop-packets validate` checks it."""

    text: str
    digest: str
    data: Any  # plain nested data as the loader read it (None when unreadable)
    profile: Profile | None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    fill_ins: list[yaml_edit.FillIn] = field(default_factory=list)
    readable: bool = True  # the YAML itself reads (no syntax error, duplicate key or tag): the form may save


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validated(located: _Located, source: str) -> tuple[Profile | None, list[Problem], list[Problem]]:
    """Validate as `sop-packets validate` does: the profile (None when invalid), its problems, and the
    consistency warnings at their fields' lines (line 1 for data that came from no file)."""
    profile = None
    problems: list[Problem] = []
    try:
        profile = validate(Profile, located, source, preparation_date(None))
    except InvalidInput as exc:
        problems = exc.problems
    warnings = []
    if profile is not None:
        warnings = [Problem(source, *located.where(path), _dotted(path), "warning: " + message)
                    for path, message in consistency_problems(profile)]
    return profile, problems, warnings


def check_text(text: str, source: str) -> Checked:
    """Parse and validate profile text: the CLI's messages, warnings and the FILL IN notes."""
    located = parse_located(text, source)
    profile, problems, warnings = _validated(located, source)
    readable = not located.problems and isinstance(located.data, dict)
    return Checked(text, digest(text), located.data if isinstance(located.data, dict) else None,
                   profile, problems, warnings, yaml_edit.fill_ins(text), readable)


def check_data(data: dict, source: str) -> Checked:
    """Check data already in hand (the preview's unsaved values): the same checks and messages as a
    file, without writing or re-reading any YAML."""
    profile, problems, warnings = _validated(_Located(data, {}, {}), source)
    return Checked("", "", data, profile, problems, warnings, [])


_checked: dict[str, Checked] = {}


def checked_once(text: str, source: str) -> Checked:
    """check_text, remembered by the text's digest (a form posts its opened version many times)."""
    key = digest(source + "\0" + text)
    if key not in _checked:
        if len(_checked) > 200:
            _checked.clear()
        _checked[key] = check_text(text, source)
    return _checked[key]


def _dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@dataclass
class Workspace:
    """The profiles folder, the output folder (batch lock, manifest) and the clinic file."""

    profiles: Path
    output: Path
    clinic: Path | None = None
    imports: Path | None = None
    opened: dict[str, str] = field(default_factory=dict)  # digest -> text, to show what changed on disk
    checked: dict[tuple, Checked] = field(default_factory=dict)  # (name, inode, size, mtime) -> checked

    def listing(self) -> dict[str, Path]:
        """Profile name (its path inside the folder) -> file; the only names the app will open."""
        if not self.profiles.is_dir():
            return {}
        files, _missing = collect_profiles([self.profiles])
        out = {}
        for path in files:
            relative = path.relative_to(self.profiles)
            if relative.parts[0] == ARCHIVE:
                continue
            out[relative.as_posix()] = path
        return out

    def path_of(self, name: str) -> Path | None:
        return self.listing().get(name)

    def read(self, name: str) -> Checked:
        """The profile checked, remembered while the file is unchanged (the worklist reads them all)."""
        path = self.listing()[name]
        try:
            info = path.stat()
            key = (name, info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            key = None
        if key is not None and key in self.checked:
            self.remember(self.checked[key].text)
            return self.checked[key]
        try:
            text = decode(read_bytes(path), path)
        except InvalidInput as exc:
            return Checked("", "", None, None, exc.problems, readable=False)
        checked = check_text(text, name)
        self.remember(text)
        if key is not None:
            if len(self.checked) > 5000:
                self.checked.clear()
            self.checked[key] = checked
        return checked

    def remember(self, text: str) -> None:
        """Keep a version the form was opened with (the last few hundred), to show a conflict."""
        if len(self.opened) > 500:
            self.opened.pop(next(iter(self.opened)))
        self.opened[digest(text)] = text

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the batch lock of the output folder while writing a profile (a batch reads them)."""
        self.output.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            with folder_lock(self.output):
                yield
        except BuildError as exc:
            if "already writing" in str(exc) or "another batch" in str(exc):
                raise Busy from None
            raise

    def batch_running(self) -> bool:
        try:
            with self.writing():
                return False
        except Busy:
            return True
        except BuildError:
            return False

    def save(self, name: str, text: str, opened_digest: str) -> None:
        """Write new text over a profile, atomically, unless it changed since opened_digest."""
        path = self.listing()[name]
        with self.writing():
            current = decode(read_bytes(path), path)
            if digest(current) != opened_digest:
                before = self.opened.get(opened_digest)
                shown = (yaml_edit.difference(before, current, f"{name} (when you opened it)",
                                              f"{name} (on disk now)") if before is not None else "")
                raise Conflict(current, shown)
            if text != current:  # nothing changed: the file (and its time) stays as it is
                write_atomic(path, text.encode("utf-8"), _mode(path))

    def create(self, patient_name: str) -> str:
        """A new profile with a safe, unused id made from the name; returns its listing name."""
        base = re.sub(r"[^a-z0-9]+", "-", patient_name.lower()).strip("-")[:40] or "patient"
        existing = {p.stem for p in self.listing().values()}
        for _ in range(100):
            patient_id = f"{base}-{secrets.token_hex(3)}"
            if patient_id not in existing:
                break
        text = (f"# New profile, started in sop-packets serve. Fill in the FILL IN fields.\n"
                f"schema_version: 1\npatient:\n  id: {patient_id}\n  name: {scalar(patient_name)}\n"
                "  # age:   # FILL IN: age in years (or date_of_birth, YYYY-MM-DD)\n"
                "diagnosis:\n  cancer_type: uncertain  # FILL IN: the cancer type from the report\n"
                "  diagnosed_by: other  # FILL IN: the kind of doctor who made the diagnosis\n")
        target = self.profiles / f"{patient_id}.yaml"
        with self.writing():
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PROFILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
        return target.name

    def archive(self, name: str) -> Path:
        """Move a profile into archive/ (nothing is ever deleted); returns where it went."""
        path = self.listing()[name]
        folder = self.profiles / ARCHIVE
        with self.writing():
            folder.mkdir(exist_ok=True, mode=0o700)
            target = folder / path.name
            stem = path.stem
            number = 1
            while target.exists():
                number += 1
                target = folder / f"{stem}.{number}{path.suffix}"
            os.rename(path, target)
        return target


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return PROFILE_MODE


__all__ = ["ARCHIVE", "LOCK_NAME", "MAX_FILE_BYTES", "PROFILE_SUFFIXES", "Busy", "Checked", "Conflict",
           "Workspace", "check_text", "digest"]
