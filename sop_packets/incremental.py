"""Incremental builds: rebuild a profile only when something its packet depends on has changed.

A packet depends on its profile file, the clinic file and logo, the clinic's own content folder,
every template and content file, the font files, the package's code and version, the libraries that
lay out and write the pages, and the build options (build_stamp). Their fingerprint is kept per profile in a
manifest inside the output folder: a journal of JSON lines, appended as packets are built (so saving
takes the same time with ten entries or a million) and rewritten compactly at the end of a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .build import BuildOptions
from .content import PACKAGE_DIR, template_dir
from .errors import BuildError
from .output import odd_file, write_atomic

MANIFEST_NAME = ".sop-packets-manifest.json"
FORMAT = 2
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
MAX_LINE_BYTES = 64 * 1024
SYNC_SECONDS = 5.0

Stat = tuple[int, int, int]  # inode, size, modification time (ns) of an output when it was written


@dataclass(frozen=True)
class Entry:
    """What the last successful build of one profile was made from and what it wrote."""

    digest: str
    patient_id: str
    outputs: tuple[str, ...]
    stats: tuple[Stat, ...] = ()
    fhir_id: str = ""
    source: tuple = ()  # the profile's (inode, size, mtime, ctime, stamp tag) when digest was taken

    def to_json(self) -> dict:
        data = {"digest": self.digest, "patient_id": self.patient_id, "outputs": list(self.outputs),
                "stats": [list(s) for s in self.stats]}
        if self.fhir_id:
            data["fhir_id"] = self.fhir_id
        if self.source:
            data["source"] = list(self.source)
        return data

    @classmethod
    def from_json(cls, value: dict) -> Entry:
        """The entry of a record line; TypeError or KeyError for any other shape. Written out as plain
        checks: a record of 100,000 entries is read on every run (the generic version took 0.6 s)."""
        digest, patient_id = value["digest"], value["patient_id"]
        outputs, stats = value["outputs"], value["stats"]
        fhir = value.get("fhir_id", "")
        source = value.get("source", ())
        if (type(digest) is not str or type(patient_id) is not str or type(fhir) is not str
                or type(outputs) is not list or type(stats) is not list):
            raise TypeError("bad entry")
        for output in outputs:
            if type(output) is not str:
                raise TypeError("bad entry")
        checked = []
        for one in stats:
            if type(one) is not list or len(one) != 3:
                raise TypeError("bad entry")
            inode, size, mtime = one
            if type(inode) is not int or type(size) is not int or type(mtime) is not int:
                raise TypeError("bad entry")
            checked.append((inode, size, mtime))
        if source:
            if type(source) is not list or len(source) != 5 or type(source[4]) is not str:
                raise TypeError("bad entry")
            for number in source[:4]:
                if type(number) is not int:
                    raise TypeError("bad entry")
        return cls(digest, patient_id, tuple(outputs), tuple(checked), fhir, tuple(source))


def output_stat(path: Path | str) -> Stat | None:
    """The signature of a regular output file (None for a link, folder or missing file)."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def _tree_digest(folder: Path, pattern: str) -> str:
    """A hash of every file under folder matching pattern: names and bytes (never times)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def font_files() -> list[Path]:
    """Every installed font file of the stack (the digits face is made from one of them)."""
    from .fonts import STACK

    return [path for font in STACK if font.installed for path, _, _ in font.paths()]


LIBRARIES = ("weasyprint", "pydyf", "fonttools", "jinja2", "markdown-it-py", "babel", "tinycss2",
             "cssselect2")
"""The libraries whose version changes a packet's bytes (layout, PDF writing, font subsets, text)."""


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in LIBRARIES:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    return found


def content_folder(options: BuildOptions) -> Path | None:
    """The clinic's own words the packets use: --content, else the clinic file's content: folder."""
    from .build import branding

    return options.content or branding(options.clinic).content_dir


def build_stamp(options: BuildOptions) -> str:
    """One fingerprint of everything every packet depends on, except the profile itself.

    Every part is a hash of bytes (or a version), never a time: the clinic file, its logo and its content
    folder (every file), the templates and shipped content, the package's code and version, the font
    files, the layout libraries and the options.
    """
    from .build import branding

    clinic = branding(options.clinic)
    content = content_folder(options)
    parts = {
        "version": __version__,
        "code": _tree_digest(PACKAGE_DIR, "*.py"),
        "templates": _tree_digest(template_dir(), "*"),
        "clinic": Path(clinic.source).read_bytes().hex(),
        "logo": clinic.logo_uri or "",
        "content": _tree_digest(content, "*") if content and content.is_dir() else "",
        "fonts": _files_digest(font_files()),
        "libraries": _library_versions(),
        "options": repr((options.format, options.prepared_on, options.large_print, options.group_readable,
                         options.language, options.fhir)),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


RACY_SECONDS = 2  # a file changed this recently may change again within one timestamp tick


def source_stat(path: Path) -> tuple[int, int, int, int] | None:
    """A profile's inode, size, modification and change times (ns), taken before its bytes are read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def source_tag(info: tuple[int, int, int, int] | None, stamp: str) -> tuple:
    """What an entry keeps to skip re-reading an unchanged profile: its stat and the run's stamp.

    Nothing is kept for a file changed in the last seconds (a second change in the same timestamp
    tick would go unseen, as git's "racy" files), so such a file is read and hashed again next time.
    """
    if info is None or time.time_ns() - max(info[2], info[3]) < RACY_SECONDS * 1_000_000_000:
        return ()
    return (*info, stamp[:16])


def profile_digest(stamp: str, profile_bytes: bytes) -> str:
    return hashlib.sha256(stamp.encode() + b"\0" + profile_bytes).hexdigest()



def _apply(entries: dict[str, Entry], record: Any) -> None:
    """One journal record: {"k": key, "e": entry} sets the entry, {"e": null} forgets it. A record of
    another shape raises TypeError or KeyError (the caller names the line)."""
    key = record["k"]
    if type(key) is not str:
        raise TypeError("bad key")
    if record["e"] is None:
        entries.pop(key, None)
    else:
        entries[key] = Entry.from_json(record["e"])

class Manifest:
    """The record of earlier builds in one output folder, keyed by the profile's resolved path.

    A missing, damaged, oversized or non-regular manifest is never trusted: every packet is rebuilt,
    with a warning when the file was there but could not be used.
    """

    def __init__(self, out_dir: Path, warn: Callable[[str], None] | None = None):
        self.folder = out_dir.resolve()
        self.path = out_dir / MANIFEST_NAME
        self.entries: dict[str, Entry] = {}
        self._warn = warn or (lambda message: None)
        self._fd: int | None = None
        self._journal_lines = 0
        self._last_sync = time.monotonic()
        self.seen: set[str] = set()  # keys of profiles this run found on disk
        self._load()

    def _load(self) -> None:
        problem = None
        if self.path.is_dir() and not self.path.is_symlink():  # cannot be replaced by a new record
            raise odd_file(self.path, "the build record (a file sop-packets writes)") or BuildError(
                f"{self.path} is a folder")
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            return
        except OSError as exc:
            problem = f"cannot be read ({exc.strerror or exc})"
        else:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                problem = "is not a regular file"
            else:
                with os.fdopen(fd, "rb") as handle:
                    data = handle.read(MAX_MANIFEST_BYTES + 1)
                problem = "is too large" if len(data) > MAX_MANIFEST_BYTES else self._parse(data)
        if problem:
            self.entries = {}
            self._warn(f"warning: the build record {self.path} {problem}; every packet will be rebuilt")

    def _parse(self, data: bytes) -> str | None:
        lines = data.split(b"\n")
        try:
            header = json.loads(lines[0])
            if not isinstance(header, dict) or header.get("sop_packets_manifest") != FORMAT:
                return "was written by another version or is damaged"
        except (ValueError, RecursionError):
            return "was written by another version or is damaged"
        body = [line for line in lines[1:] if line.strip()]
        try:  # one parse of every line at once (100,000 separate parses cost about a second)
            if any(len(line) > MAX_LINE_BYTES for line in body):
                raise ValueError("line too long")
            records = json.loads(b"[" + b",".join(body) + b"]")
            entries: dict[str, Entry] = {}
            for record in records:
                _apply(entries, record)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, MemoryError):
            return self._parse_lines(lines)
        self.entries = entries
        self._journal_lines = len(body) + 1
        return None

    def _parse_lines(self, lines: list[bytes]) -> str | None:
        """Line by line: a last line cut short by a killed run is dropped, another bad line is named."""
        entries: dict[str, Entry] = {}
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            try:
                if len(line) > MAX_LINE_BYTES:
                    raise ValueError("line too long")
                _apply(entries, json.loads(line))
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError, MemoryError):
                if number == len(lines):  # a last line cut short by a killed run: keep the rest
                    break
                return f"is damaged (line {number})"
        self.entries = entries
        self._journal_lines = sum(1 for line in lines if line.strip())
        return None

    @staticmethod
    def key(source: Path) -> str:
        return str(source.resolve())

    def unchanged(self, source: Path | None, digest: str, key: str | None = None) -> Entry | None:
        """The earlier entry when the profile and its dependencies are unchanged and its files are
        exactly the ones that build wrote (not replaced, edited, linked or removed since).

        key is the source's real path when the caller already knows it."""
        entry = self.entries.get(key or self.key(source))
        if not entry or entry.digest != digest or len(entry.stats) != len(entry.outputs):
            return None
        folder = str(self.folder)
        for output, expected in zip(entry.outputs, entry.stats, strict=True):
            if os.path.dirname(output) != folder or output_stat(output) != tuple(expected):
                return None
        return entry

    def unchanged_by_stat(self, key: str, info: tuple[int, int, int, int] | None, stamp: str) -> Entry | None:
        """The earlier entry when the profile file has the very same stat as when it was hashed (and the
        run's stamp is the same), and its outputs are untouched: no need to read or hash it."""
        entry = self.entries.get(key)
        if not entry or not entry.source or info is None or entry.source != (*info, stamp[:16]):
            return None
        return self.unchanged(None, entry.digest, key)

    def record(self, source: Path, entry: Entry | None) -> None:
        """Remember one result, appended to the journal at once (synced to disk every few seconds)."""
        key = self.key(source)
        if entry is None and key not in self.entries:
            return
        if entry is None:
            self.entries.pop(key, None)
        else:
            self.entries[key] = entry
        line = json.dumps({"k": key, "e": entry.to_json() if entry else None}, separators=(",", ":"))
        self._append(line.encode("utf-8") + b"\n")

    def _append(self, data: bytes) -> None:
        if self._fd is None:
            if self._journal_lines == 0:  # no usable file yet: start one
                self._write_whole()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC)
        os.write(self._fd, data)
        self._journal_lines += 1
        if time.monotonic() - self._last_sync > SYNC_SECONDS:
            self.sync()

    def sync(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def save(self) -> None:
        """Sync the journal (what a run does every few seconds)."""
        self.sync()

    def missing_sources(self) -> dict[str, Entry]:
        """Entries whose profile file no longer exists (the ones this run found are not asked again)."""
        return {key: entry for key, entry in self.entries.items()
                if key not in self.seen and not os.path.exists(key)}

    def compact(self) -> None:
        """Rewrite the journal as one line per entry, dropping profiles that no longer exist and
        whose packets are gone too (the packets of a deleted profile are kept until --prune)."""
        for key, entry in self.missing_sources().items():
            if not any(output_stat(Path(p)) for p in entry.outputs):
                del self.entries[key]
        if self._journal_lines != len(self.entries) + 1:
            self._write_whole()

    def _write_whole(self) -> None:
        self.close()
        lines = [json.dumps({"sop_packets_manifest": FORMAT})]
        lines += [json.dumps({"k": key, "e": entry.to_json()}, separators=(",", ":"))
                  for key, entry in sorted(self.entries.items())]
        write_atomic(self.path, ("\n".join(lines) + "\n").encode("utf-8"))
        self._journal_lines = len(lines)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
