"""The folder the app works on: which profiles exist, reading and checking one, saving it safely,
archiving it, and starting a new one. Plain library code (no HTTP), over the same functions the CLI
uses: the profile loader's checks, the consistency warnings, atomic writes and the batch lock."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import audit, patients
from ..batch import PROFILE_SUFFIXES
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
    """A batch (or an import) is writing to the folder: no saves until it is done."""

    def __init__(self, what: str = "batch"):
        super().__init__(what)
        self.what = what

    @property
    def words(self) -> str:
        if self.what == "import":
            return "an import is writing profiles into this folder right now"
        if self.what == "app":
            return "another change in this app is still being written"
        return "a batch is building packets from this folder right now"


MAX_CHECKED = 50_000  # profiles remembered checked (one version each): a worklist of 10,000 stays warm
WAIT_FOR_OWN_WRITES = 120.0  # seconds a save waits for another save or build of this app to finish


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
    stats: dict[str, os.stat_result] = field(default_factory=dict, repr=False)  # name -> last stat by read
    known: dict[str, tuple] = field(default_factory=dict, repr=False)  # name -> (checked, patients.Known)
    _version_of: dict[str, tuple] = field(default_factory=dict, repr=False)  # name -> its key in checked
    _writes: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _audit: audit.Reader | None = field(default=None, repr=False)

    def listing(self) -> dict[str, Path]:
        """Profile name (its path inside the folder) -> file; the only names the app will open.

        The files `batch` collects (hidden names skipped, links to folders not followed, one file
        reached twice through a link counted once), without archive/: one scandir per folder, no
        Path object per file until it is listed (10,000 profiles on every worklist load)."""
        root = str(self.profiles)
        if not os.path.isdir(root):
            return {}
        found: list[tuple[str, str, bool]] = []
        pending = [(root, "")]
        while pending:
            folder, prefix = pending.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or (not prefix and entry.name == ARCHIVE):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, f"{prefix}{entry.name}/"))
                    elif entry.name.lower().endswith(PROFILE_SUFFIXES) and entry.is_file():
                        found.append((prefix + entry.name, entry.path, entry.is_symlink()))
                except OSError:
                    continue
        found.sort()
        real_folders: dict[str, str] = {}
        seen: set[str] = set()
        out = {}
        for name, path, link in found:
            if link:
                real = os.path.realpath(path)
            else:
                folder, _, base = path.rpartition("/")
                if folder not in real_folders:
                    real_folders[folder] = os.path.realpath(folder)
                real = f"{real_folders[folder]}/{base}"
            if real in seen:
                continue
            seen.add(real)
            out[name] = Path(path)
        return out

    def path_of(self, name: str) -> Path | None:
        return self.listing().get(name)

    def read(self, name: str, path: Path | None = None, *, remember: bool = True) -> Checked:
        """The profile checked, remembered while the file is unchanged (the worklist reads them all,
        giving each path from one listing: a listing per profile would make it quadratic). With
        remember, the version is kept to show what changed if a save meets a newer one."""
        path = path or self.listing()[name]
        try:
            info = os.stat(path)
            self.stats[name] = info
            key = (name, info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            key = None
        if key is not None and key in self.checked:
            if remember:
                self.remember(self.checked[key].text, self.checked[key].digest)
            return self.checked[key]
        try:
            text = decode(read_bytes(path), path)
        except InvalidInput as exc:
            return Checked("", "", None, None, exc.problems, readable=False)
        checked = check_text(text, name)
        if remember:
            self.remember(text, checked.digest)
        if key is not None:
            stale = self._version_of.get(name)
            if stale is not None:
                self.checked.pop(stale, None)  # one version per profile: the cache grows with the folder
            if len(self.checked) > MAX_CHECKED:
                self.checked.clear()
            self.checked[key] = checked
            self._version_of[name] = key
        return checked

    def remember(self, text: str, known_digest: str = "") -> None:
        """Keep a version the form was opened with (the last few hundred), to show what changed in a
        conflict (a conflict is found without it: the posted version's digest is enough)."""
        if len(self.opened) > 500:
            self.opened.pop(next(iter(self.opened)))
        self.opened[known_digest or digest(text)] = text

    # ------------------------------------------------------------ identity

    def identities(self, listing: dict[str, Path] | None = None,
                   read: dict[str, Checked] | None = None) -> dict[str, patients.Known]:
        """Listing name -> who the profile is about (id, name, birth date, source record); `read` may
        give the profiles already read for this request."""
        listing = self.listing() if listing is None else listing
        out = {}
        for name, path in listing.items():
            checked = (read or {}).get(name) or self.read(name, path, remember=False)
            cached = self.known.get(name)
            if cached is None or cached[0] is not checked:
                cached = self.known[name] = (checked, patients.known(path, checked.data, checked.text))
            if cached[1] is not None:
                out[name] = cached[1]
        return out

    def identity_check(self, name: str, checked: Checked) -> tuple[list[Problem], list[tuple[str, str]]]:
        """What patients.py says of this profile's text beside the folder's others: the errors (another
        file holds its patient.id) at the patient.id field, and the warnings (maybe the same person
        under another id) as (message, other profile's listing name)."""
        listing = self.listing()
        path = listing.get(name, self.profiles / name)
        me = patients.known(path, checked.data, checked.text)
        if me is None:
            return [], []
        everyone = self.identities(listing)
        names = {known.path: other for other, known in everyone.items()}

        def shown(path: Path) -> str:
            return names.get(path, str(path))

        others = [k for other, k in everyone.items() if other != name]
        errors = []
        clashes = patients.same_id(me, others)
        if clashes:
            message = patients.clash_message(name, me.patient_id, clashes, shown=shown)
            errors.append(Problem(name, 1, 1, "patient.id", message))
        pairs = patients.same_person(me, others)
        if me.birth == "" and me.name:  # a new profile: its name alone is worth a look
            folded = " ".join(me.name.casefold().split())
            pairs += [(k, "the same name") for k in others if k.patient_id != me.patient_id
                      and " ".join(k.name.casefold().split()) == folded and k not in dict(pairs)]
        messages = patients.person_message(pairs, shown=shown)
        warnings = [(text, names[other.path]) for text, (other, _why) in zip(messages, pairs, strict=True)]
        return errors, warnings

    def duplicate_ids(self, listing: dict[str, Path] | None = None,
                      read: dict[str, Checked] | None = None) -> dict[str, list[str]]:
        """Listing name -> the other profiles holding its patient.id (only names that clash)."""
        by_id: dict[str, list[str]] = {}
        for name, known in self.identities(listing, read).items():
            by_id.setdefault(known.patient_id.casefold(), []).append(name)
        return {name: [o for o in group if o != name] for group in by_id.values() if len(group) > 1
                for name in group}

    # ------------------------------------------------------------ the audit trail

    def audit_log(self) -> audit.Reader:
        if self._audit is None:
            self._audit = audit.Reader(self.profiles)
        return self._audit

    def history(self, name: str) -> list[audit.Event]:
        return self.audit_log().history(name)

    def built_from(self, patient_id: str) -> str | None:
        """The profile whose packet this app (or `sop-packets build`) last built under this id."""
        return self.audit_log().last_builds().get(patient_id)

    def packet_owners(self, manifest=None) -> dict[str, str]:
        """patient id -> the resolved path of the profile its packet in the output folder was built from,
        where known: the audit trail (the app's and `sop-packets build`'s builds) first, then the
        batch's build record. A packet whose owner is another file is never shown as this one's."""
        entries = manifest.entries.items() if manifest else ()
        batch = {entry.patient_id: (key, entry) for key, entry in entries}
        owners = {patient_id: key for patient_id, (key, _entry) in batch.items()}
        for patient_id, name in self.audit_log().last_builds().items():
            owner = str((self.profiles / name).resolve())
            if patient_id in batch and batch[patient_id][0] != owner \
                    and _wrote_current(batch[patient_id][1], manifest.folder):
                continue  # a batch built this id's files after that build: they are the batch's
            owners[patient_id] = owner
        return owners

    def packet_of(self, name: str, patient_id: str) -> Path | None:
        """This profile's built PDF: a regular file (never a link) in the output folder, built from this
        profile (not from another that once had its id); None when there is none."""
        from ..incremental import Manifest
        from ..output import is_regular_file, output_path

        target = output_path(self.output, patient_id, ".pdf")
        if not is_regular_file(target):
            return None
        manifest = Manifest(self.output) if self.output.is_dir() else None
        owner = self.packet_owners(manifest).get(patient_id)
        path = self.listing().get(name)
        if path is None or (owner is not None and owner != str(path.resolve())):
            return None
        return target

    # ------------------------------------------------------------ writing

    @contextlib.contextmanager
    def own_turn(self) -> Iterator[None]:
        """One write of this app at a time (saves and builds of two tabs wait for each other instead of
        being refused: the folder locks below hold out other processes, not this one's threads)."""
        if not self._writes.acquire(timeout=WAIT_FOR_OWN_WRITES):
            raise Busy("app")
        try:
            yield
        finally:
            self._writes.release()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the profiles folder's lock (the one `import fhir` and `import csv` take) and the batch
        lock of the output folder (a batch reads the profiles) while writing a profile."""
        self.output.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self.own_turn(), _lock_or_busy(self.profiles, "import"), _lock_or_busy(self.output, "batch"):
            yield

    def batch_running(self) -> bool:
        try:
            with _lock_or_busy(self.output, "batch"):
                return False
        except Busy:
            return True
        except BuildError:
            return False

    def save(self, name: str, text: str, opened_digest: str, *, who: str | None = None,
             fields: list[str] | tuple = ()) -> bool:
        """Write new text over a profile, atomically, unless it changed since opened_digest (known or
        not: a version this app no longer remembers is still a conflict). Returns whether it wrote."""
        path = self.listing()[name]
        with self.writing():
            current = decode(read_bytes(path), path)
            if digest(current) != opened_digest:
                before = self.opened.get(opened_digest)
                shown = (yaml_edit.difference(before, current, f"{name} (when you opened it)",
                                              f"{name} (on disk now)") if before is not None else "")
                raise Conflict(current, shown)
            if text == current:  # nothing changed: the file (and its time) stays as it is
                return False
            # the record first: a save the trail cannot record is not made (the error is shown instead)
            audit.append(self.profiles, "save", name, who=who, patient_id=_patient_id(text, name),
                         fields=fields)
            write_atomic(path, text.encode("utf-8"), _mode(path))
        return True

    def create(self, patient_name: str, *, who: str | None = None) -> str:
        """A new profile under a random id (never made from the name: a file name, an address and a PDF's
        name are seen by more people than the profile); returns its listing name."""
        existing = {p.stem for p in self.listing().values()}
        for _ in range(100):
            patient_id = f"patient-{secrets.token_hex(4)}"
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
            audit.append(self.profiles, "new", target.name, who=who, patient_id=patient_id,
                         fields=["patient.id", "patient.name"])
        return target.name

    def archive(self, name: str, *, who: str | None = None) -> Path:
        """Move a profile into archive/ (nothing is ever deleted); returns where it went."""
        path = self.listing()[name]
        folder = self.profiles / ARCHIVE
        with self.writing():
            patient_id = self.read(name, path).profile
            folder.mkdir(exist_ok=True, mode=0o700)
            target = folder / path.name
            stem = path.stem
            number = 1
            while target.exists():
                number += 1
                target = folder / f"{stem}.{number}{path.suffix}"
            os.rename(path, target)
            audit.append(self.profiles, "archive", name, who=who,
                         patient_id=patient_id.patient.id if patient_id is not None else "",
                         note=f"moved to {target.relative_to(self.profiles).as_posix()}")
        return target


def _wrote_current(entry, out_dir: Path) -> bool:
    """Are the output files on disk now exactly the ones this build record's entry wrote?"""
    from ..incremental import output_stat

    pairs = zip(entry.outputs, entry.stats, strict=False)
    return bool(entry.stats) and len(entry.stats) == len(entry.outputs) and all(
        output_stat(out_dir / name) == tuple(stat) for name, stat in pairs)


@contextlib.contextmanager
def _lock_or_busy(folder: Path, what: str) -> Iterator[None]:
    """folder_lock, with another writer's hold turned into Busy(what)."""
    try:
        with folder_lock(folder):
            yield
    except BuildError as exc:
        if "already writing" in str(exc) or "another batch" in str(exc):
            raise Busy(what) from None
        raise


def _patient_id(text: str, name: str) -> str:
    found = patients.known(Path(name), parse_located(text, name).data, text)
    return found.patient_id if found else ""


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        return PROFILE_MODE


__all__ = ["ARCHIVE", "LOCK_NAME", "MAX_FILE_BYTES", "PROFILE_SUFFIXES", "Busy", "Checked", "Conflict",
           "Workspace", "check_text", "digest"]
