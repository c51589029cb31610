"""The audit trail: who saved, imported, built, reviewed or archived which profile, and when.

One JSON line per event, appended to `.sop-packets-audit.log` in the profiles folder (a hidden name,
so no batch or listing takes it for a profile). It holds field names, never their values: the log
says *that* a diagnosis changed, not what it says. Lines are only ever appended (O_APPEND, one
write each), never rewritten; the file is the owner's only (0600) and never written through a link.
"""

from __future__ import annotations

import getpass
import json
import os
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .errors import BuildError

LOG_NAME = ".sop-packets-audit.log"
ACTIONS = ("save", "new", "import", "build", "review", "archive", "convert")
MAX_LINE = 16 * 1024  # a line longer than this was not written by us: skipped when read
_lock = threading.Lock()
_reading = threading.Lock()


def os_user() -> str:
    """The operating system's name for the person running sop-packets ('unknown' if it has none)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no passwd entry
        return "unknown"


@dataclass(frozen=True)
class Event:
    """One line of the log."""

    when: str  # UTC, ISO 8601 to the second
    who: str
    action: str
    profile: str  # the file's name inside the profiles folder
    patient_id: str = ""
    fields: tuple[str, ...] = ()
    note: str = ""  # a short fixed phrase (never patient data): "from the app", "refused", ...

    @property
    def when_shown(self) -> str:
        try:
            return datetime.fromisoformat(self.when).astimezone().strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return self.when


def log_path(profiles: Path) -> Path:
    return Path(profiles) / LOG_NAME


def append(profiles: Path, action: str, profile: str, *, who: str | None = None, patient_id: str = "",
           fields: Iterable[str] = (), note: str = "") -> Event:
    """Append one event to the folder's log (created owner-only on first use); returns it.

    Raises BuildError when the log cannot be written: an edit whose record cannot be kept is an
    error the person must see, not a silent gap in the trail.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    names = tuple(sorted({_clean(f) for f in fields}))
    event = Event(datetime.now(UTC).replace(microsecond=0).isoformat(), _clean(who or os_user()), action,
                  _clean(profile), _clean(patient_id), names, _clean(note))
    record = {"when": event.when, "who": event.who, "action": event.action, "profile": event.profile}
    if event.patient_id:
        record["patient_id"] = event.patient_id
    if event.fields:
        record["fields"] = list(event.fields)
    if event.note:
        record["note"] = event.note
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    path = log_path(profiles)
    with _lock:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
                         | os.O_NONBLOCK, 0o600)
        except OSError as exc:
            raise BuildError(f"the audit log {path} cannot be written: {exc.strerror or exc}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BuildError(f"the audit log {path} is not a regular file; move it out of the way")
            os.write(fd, line)  # one write with O_APPEND: lines from two writers never interleave
        except OSError as exc:
            raise BuildError(f"the audit log {path} cannot be written: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
    return event


def _clean(text: str) -> str:
    return " ".join(str(text).split())[:300]


@dataclass
class Reader:
    """Reads the log as it grows: only the lines appended since the last read are parsed."""

    profiles: Path
    events: list[Event] = field(default_factory=list)
    _offset: int = 0
    _inode: int = -1
    _rest: bytes = b""

    def refresh(self) -> list[Event]:
        with _reading:  # the app reads from several threads: one at a time moves the offset
            return self._refresh()

    def _refresh(self) -> list[Event]:
        path = log_path(self.profiles)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            self.events, self._offset, self._rest = [], 0, b""
            return self.events
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return self.events
            if info.st_ino != self._inode or info.st_size < self._offset:  # another file: start again
                self.events, self._offset, self._rest, self._inode = [], 0, b"", info.st_ino
            if info.st_size == self._offset:
                return self.events
            data = os.pread(fd, info.st_size - self._offset, self._offset)
        finally:
            os.close(fd)
        self._offset += len(data)
        *lines, self._rest = (self._rest + data).split(b"\n")
        self.events += [e for e in map(_parse, lines) if e is not None]
        return self.events

    def history(self, profile: str) -> list[Event]:
        """The events of one profile, newest first."""
        return [e for e in reversed(self.refresh()) if e.profile == profile]

    def last_builds(self) -> dict[str, str]:
        """patient id -> the profile whose packet was built last under that id."""
        return {e.patient_id: e.profile for e in self.refresh() if e.action == "build" and e.patient_id}


def _parse(line: bytes) -> Event | None:
    if not line.strip() or len(line) > MAX_LINE:
        return None
    try:
        data = json.loads(line)
        fields = data.get("fields", [])
        names = tuple(str(f) for f in fields) if isinstance(fields, list) else ()
        return Event(str(data["when"]), str(data["who"]), str(data["action"]), str(data["profile"]),
                     str(data.get("patient_id", "")), names, str(data.get("note", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def record_review(profiles: Path, profile: str, who: str, patient_id: str = "", fields: Iterable[str] = (),
                  note: str = "") -> Event:
    """For the clinician's review step: 'who checked this profile' goes in the trail like any edit."""
    return append(profiles, "review", profile, who=who, patient_id=patient_id, fields=fields, note=note)


__all__ = ["ACTIONS", "LOG_NAME", "Event", "Reader", "append", "log_path", "os_user", "record_review"]
