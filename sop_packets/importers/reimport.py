"""An import as `import fhir` and the app both run it: plan the re-import merge, write, keep the import
record, and note it in the audit trail, all under the profiles folder's one lock (so a save in the app
cannot land between the merge's reading of a profile and its writing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SopError
from ..output import folder_lock
from . import Draft, WriteResult, _make_private_folder, render, write_profiles
from . import merge as _merge


@dataclass
class Imported:
    plans: _merge.Merge
    written: WriteResult
    same_people: list[str] = field(default_factory=list)  # new profiles that may be someone already there


def id_from_default(given: str | None, clinic: Path | None) -> str | None:
    """The identifier system to name profiles by: the one given, else the clinic file's import_id_from."""
    if given or clinic is None:
        return given or None
    from ..clinic import load_clinic

    try:
        return load_clinic(clinic).clinic.import_id_from or None
    except SopError:
        return None  # the clinic file's own problems are reported where it is used


def write_merged(drafts: list[Draft], out_dir: Path, *, force: bool = False, diff: bool = False,
                 who: str | None = None, how: str = "", merge: bool = True) -> Imported:
    """Merge re-imports into existing profiles (keeping the coordinator's work), write, record.
    Without merge (`import csv`), an existing profile that differs is refused unless forced."""
    merging = merge
    if diff:
        plans = _plan(drafts, out_dir, force, merging)
        return Imported(plans, write_profiles(drafts, out_dir, force=force, diff=True))
    _make_private_folder(out_dir)
    busy = (f"another import (or a save in sop-packets serve) is writing to {out_dir}; wait for it to "
            "finish (nothing was written by this one)")
    with folder_lock(out_dir, busy_message=busy):
        plans = _plan(drafts, out_dir, force, merging)
        written = write_profiles(drafts, out_dir, force=force, locked=True)
        if merging:
            _merge.finish(drafts, out_dir, written, render)
        audit_import(out_dir, plans, written, who=who, how=how)
    from ..patients import new_people_seen_before

    new = [target for target in written.written if target not in plans.plans]
    return Imported(plans, written, new_people_seen_before(out_dir, new))


def _plan(drafts: list[Draft], out_dir: Path, force: bool, merging: bool) -> _merge.Merge:
    return _merge.prepare(drafts, out_dir, render, force=force) if merging else _merge.Merge()


def audit_import(out_dir: Path, plans: _merge.Merge, written: WriteResult, *, who: str | None,
                 how: str) -> None:
    """One audit line per profile the import wrote: the fields it changed (names only)."""
    from ..audit import append
    from .merge import FLAG

    for target in written.written:
        plan = plans.plans.get(target)
        fields = [c.path for c in plan.changes if c.action != "keep"] if plan else []
        note = ("re-import merged" if plan else "new profile") + (f", {how}" if how else "")
        if plan and plan.conflicts:
            note += f", {len(plan.conflicts)} '# {FLAG}' flag(s) to check"
        try:
            name = target.relative_to(out_dir).as_posix()
        except ValueError:
            name = target.name
        append(out_dir, "import", name, who=who, patient_id=target.stem, fields=fields, note=note)
