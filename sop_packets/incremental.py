"""Incremental builds: rebuild a profile only when something its packet depends on has changed.

A packet depends on its profile file, the clinic file and logo, every template and content file,
the package's code and version, and the build options. Their fingerprint is kept per profile in a
manifest inside the output folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__
from .build import BuildOptions
from .content import PACKAGE_DIR, template_dir
from .output import write_atomic

MANIFEST_NAME = ".sop-packets-manifest.json"


@dataclass(frozen=True)
class Entry:
    """What the last successful build of one profile was made from and what it wrote."""

    digest: str
    patient_id: str
    outputs: tuple[str, ...]


def _tree_digest(folder: Path, pattern: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_stamp(options: BuildOptions) -> str:
    """One fingerprint of everything every packet depends on, except the profile itself."""
    from .build import branding

    clinic = branding(options.clinic)
    parts = {
        "version": __version__,
        "code": _tree_digest(PACKAGE_DIR, "*.py"),
        "templates": _tree_digest(template_dir(), "*"),
        "clinic": Path(clinic.source).read_bytes().hex(),
        "logo": clinic.logo_uri or "",
        "options": repr((options.format, options.prepared_on, options.large_print, options.group_readable,
                         options.language)),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def profile_digest(stamp: str, profile_bytes: bytes) -> str:
    return hashlib.sha256(stamp.encode() + b"\0" + profile_bytes).hexdigest()


class Manifest:
    """The record of earlier builds in one output folder, keyed by the profile's resolved path."""

    def __init__(self, out_dir: Path):
        self.folder = out_dir.resolve()
        self.path = out_dir / MANIFEST_NAME
        self.entries: dict[str, Entry] = {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self.entries = {key: Entry(value["digest"], value["patient_id"], tuple(value["outputs"]))
                            for key, value in raw.get("entries", {}).items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}  # missing or damaged: everything is rebuilt, which is always safe

    @staticmethod
    def key(source: Path) -> str:
        return str(source.resolve())

    def unchanged(self, source: Path, digest: str) -> Entry | None:
        """The earlier entry when the profile and its dependencies are unchanged and its files exist."""
        entry = self.entries.get(self.key(source))
        if entry and entry.digest == digest and all(
            Path(p).parent == self.folder and Path(p).is_file() for p in entry.outputs
        ):
            return entry
        return None

    def record(self, source: Path, entry: Entry | None) -> None:
        if entry is None:
            self.entries.pop(self.key(source), None)
        else:
            self.entries[self.key(source)] = entry

    def save(self) -> None:
        data = {"entries": {key: asdict(entry) for key, entry in sorted(self.entries.items())}}
        write_atomic(self.path, json.dumps(data, indent=1).encode("utf-8"))
