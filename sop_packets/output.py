"""The one owner of writing output: safe paths inside the output folder, atomic writes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import time
from collections.abc import Iterator
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


STALE_AFTER_SECONDS = 600
LOCK_NAME = ".sop-packets.lock"


def remove_stale_parts(out_dir: Path, older_than: float = STALE_AFTER_SECONDS) -> int:
    """Delete temporary files left by a build that was killed; returns how many there were.

    A temporary file names the process writing it; it is stale once that process is gone (or, for a
    name without a process id, once untouched for a while), so a build running now keeps its own.
    """
    removed = 0
    now = time.time()
    for stale in out_dir.glob(f".*{PART_SUFFIX}"):
        try:
            match = re.search(r"\.pid(\d+)\.", stale.name)
            if match and _alive(int(match.group(1))):
                continue
            if match or now - stale.stat().st_mtime > older_than:
                stale.unlink()
                removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != 0


@contextlib.contextmanager
def folder_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for one batch; a second batch on the same folder is told so at once."""
    try:
        handle = open(out_dir / LOCK_NAME, "a+b")  # noqa: SIM115 - held for the whole batch
    except OSError as exc:
        raise BuildError(f"the output folder {out_dir} cannot be written: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"another batch is already writing to {out_dir}; wait for it to finish, "
                             "or give this run its own output folder") from None
        yield
    finally:
        handle.close()


def write_atomic(path: Path, data: bytes, mode: int = DEFAULT_MODE) -> None:
    """Write data so that readers see the old complete file or the new one, never a part."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.pid{os.getpid()}.", suffix=PART_SUFFIX,
                                   dir=path.parent)
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
