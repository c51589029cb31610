"""The one owner of writing output: safe paths inside the output folder, atomic writes."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from .errors import BuildError

SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DEFAULT_MODE = 0o600


def output_path(out_dir: Path, patient_id: str, suffix: str) -> Path:
    """The file for a patient inside out_dir; refuses any id that could point elsewhere."""
    if not SAFE_NAME.match(patient_id) or patient_id in {".", ".."}:
        raise BuildError(f"patient.id {patient_id!r} cannot be used as a file name")
    base = out_dir.resolve()
    target = (base / f"{patient_id}{suffix}").resolve()
    if target.parent != base:
        raise BuildError(f"patient.id {patient_id!r} would write outside {out_dir}")
    return target


PART_SUFFIX = ".part"


def ensure_output_folder(out_dir: Path, group_readable: bool = False) -> None:
    """Create the output folder and prove it can be written, or raise a clear BuildError."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o750 if group_readable else 0o700)
        fd, probe = tempfile.mkstemp(prefix=".write-check.", suffix=PART_SUFFIX, dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BuildError(f"the output folder {out_dir} cannot be written: {exc.strerror or exc}") from None


def remove_stale_parts(out_dir: Path) -> int:
    """Delete temporary files left by a build that was killed; returns how many there were."""
    removed = 0
    for stale in out_dir.glob(f".*{PART_SUFFIX}"):
        stale.unlink(missing_ok=True)
        removed += 1
    return removed


def write_atomic(path: Path, data: bytes, mode: int = DEFAULT_MODE) -> None:
    """Write data so that readers see the old complete file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise BuildError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BuildError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
