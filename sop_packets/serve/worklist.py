"""The worklist: one row per profile with its state, worked out from the profile itself and the
batch's build record (the manifest in the output folder)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..build import BuildOptions, make_packet
from ..clock import preparation_date
from ..errors import SopError
from ..incremental import Manifest, build_stamp, profile_digest
from ..review import ReviewState
from ..review import state as review_state
from .workspace import Workspace

STATES = ("invalid", "needs filling in", "ready", "built", "out of date")
URGENCY_ORDER = {"urgent": 0, "prompt": 1, "routine": 2}


@dataclass
class Row:
    name: str
    patient: str
    patient_id: str
    cancer_type: str
    urgency: str
    language: str
    state: str
    problems: int
    fill_ins: int
    changed: datetime
    built: datetime | None
    review: ReviewState | None = None  # the clinician's check (None: the profile has problems)

    @property
    def language_text(self) -> str:
        """The language in words with its tag: "Spanish (es-MX)"."""
        return _language_text(self.language) if self.language else ""

    @property
    def state_text(self) -> str:
        if self.state == "invalid":
            return f"Invalid: {self.problems} problem{'s' if self.problems != 1 else ''}"
        if self.state == "needs filling in":
            return f"Needs filling in: {self.fill_ins} left"
        return self.state[:1].upper() + self.state[1:]


@functools.lru_cache(maxsize=256)
def _language_text(tag: str) -> str:
    from ..content import language_name

    return f"{language_name(tag)} ({tag})"


_cache: dict[tuple, tuple[str, str]] = {}  # (file, size, mtime) -> (urgency, language): guidance is pure


def rows(space: Workspace, options: BuildOptions) -> list[Row]:
    """Every profile in the folder, urgent first, then by patient name."""
    options = dataclasses.replace(options, prepared_on=preparation_date(options.prepared_on))
    manifest = Manifest(space.output) if space.output.is_dir() else None
    stamp = None
    if manifest is not None and manifest.entries:
        with contextlib.suppress(SopError, OSError):
            stamp = build_stamp(options)
    out = []
    listing = space.listing()  # one listing for the whole page: a listing per row made it quadratic
    read = {name: space.read(name, path, remember=False) for name, path in listing.items()}
    duplicates = space.duplicate_ids(listing, read)
    owners = space.packet_owners(manifest)
    made = _outputs(space.output)
    for name, path in listing.items():
        checked = read[name]
        info = space.stats.get(name) or path.stat()
        profile = checked.profile
        urgency = language = ""
        if profile is not None:
            key = (str(path), info.st_size, info.st_mtime_ns, checked.digest)
            if key not in _cache:
                try:
                    packet = make_packet(profile, options)
                    _cache[key] = (packet.guidance.urgency.level, packet.language_tag)
                except SopError:
                    _cache[key] = ("", profile.patient.language or "")
            urgency, language = _cache[key]
        data = checked.data or {}
        patient = data.get("patient") if isinstance(data.get("patient"), dict) else {}
        diagnosis = data.get("diagnosis") if isinstance(data.get("diagnosis"), dict) else {}
        state, built = _state(path, checked, manifest, stamp, made, info.st_mtime)
        patient_id = checked.profile.patient.id if checked.profile else ""
        if built is not None and owners.get(patient_id, str(path.resolve())) != str(path.resolve()):
            state, built = ("ready" if state in ("built", "out of date") else state), None  # another's packet
        problems = len(checked.problems)
        if name in duplicates:  # two files, one id: neither may be built, and neither packet is its own
            state, built, problems = "invalid", None, problems + 1
        out.append(Row(
            name=name,
            patient=str(patient.get("name") or "(no name)"),
            patient_id=str(patient.get("id") or path.stem),
            cancer_type=str(diagnosis.get("cancer_type") or ""),
            urgency=urgency,
            language=language or str(patient.get("language") or ""),
            state=state,
            problems=problems,
            fill_ins=len({n.path for n in checked.fill_ins}),
            changed=datetime.fromtimestamp(info.st_mtime),
            built=built,
            review=review_state(profile) if profile is not None else None,
        ))
    out.sort(key=lambda r: (URGENCY_ORDER.get(r.urgency, 3), r.patient.lower(), r.name))
    return out


def _outputs(out_dir: Path) -> dict[str, float]:
    """File name -> time written, for the regular files of the output folder (one listing per page,
    not a stat per profile); links and folders are left out, as output_stat leaves them."""
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return {}
    out = {}
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                out[entry.name] = entry.stat(follow_symlinks=False).st_mtime
    return out


def _state(path: Path, checked, manifest: Manifest | None, stamp: str | None, outputs: dict[str, float],
           changed: float) -> tuple[str, datetime | None]:
    if checked.problems:
        return "invalid", None
    patient_id = checked.profile.patient.id if checked.profile else path.stem
    made = [outputs[name] for name in (f"{patient_id}.pdf", f"{patient_id}.html") if name in outputs]
    built = datetime.fromtimestamp(max(made)) if made else None
    entry = manifest.entries.get(Manifest.key(path)) if manifest is not None else None
    if checked.fill_ins:
        return "needs filling in", built
    if entry is not None and stamp is not None:
        if manifest.unchanged(path, profile_digest(stamp, checked.text.encode("utf-8"))):
            return "built", built
        if built is not None and built.timestamp() >= changed:
            return "built", built  # built here (sop-packets build or the app) after the batch
        return "out of date", built
    if built is not None:
        return ("built" if built.timestamp() >= changed else "out of date"), built
    return "ready", None


def sort_rows(items: list[Row], key: str) -> list[Row]:
    """Sort by a column the page offers; unknown keys keep urgent first."""
    keys = {
        "patient": lambda r: (r.patient.lower(), r.name),
        "cancer": lambda r: (r.cancer_type, r.patient.lower()),
        "state": lambda r: (STATES.index(r.state), r.patient.lower()),
        "changed": lambda r: (-r.changed.timestamp(), r.patient.lower()),
        "language": lambda r: (r.language, r.patient.lower()),
    }
    return sorted(items, key=keys[key]) if key in keys else items


def filter_rows(items: list[Row], state: str = "", text: str = "") -> list[Row]:
    text = text.strip().lower()
    return [r for r in items if (not state or r.state == state)
            and (not text or text in r.patient.lower() or text in r.patient_id.lower()
                 or text in r.cancer_type.replace("_", " ") or text in r.name.lower())]
