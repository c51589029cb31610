"""The one owner of writing output: safe paths inside the output folder, atomic writes, the folder lock,
and the private temporary folder of a run."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import BuildError
from .schema import PATIENT_ID_PATTERN

SAFE_NAME = re.compile(PATIENT_ID_PATTERN)
DEFAULT_MODE = 0o600
LOCK_MODE = 0o600


def output_path(out_dir: Path, patient_id: str, suffix: str) -> Path:
    """The file for a patient inside out_dir; refuses any id that could point elsewhere.

    Only the folder is resolved: the file itself may be a link left by someone else, and a link is
    replaced by the packet (never written through), so no packet can land in another file.
    """
    if not SAFE_NAME.match(patient_id) or patient_id in {".", ".."}:
        raise BuildError(f"patient.id {patient_id!r} cannot be used as a file name")
    return out_dir.resolve() / f"{patient_id}{suffix}"


PART_SUFFIX = ".part"


def ensure_output_folder(out_dir: Path, group_readable: bool = False) -> None:
    """Create the output folder (owner-only) and prove it can be written, or raise a clear BuildError."""
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
            if match or now - stale.lstat().st_mtime > older_than:
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


_HELD: set[Path] = set()  # folders this process holds: POSIX locks do not stop the holder itself


def odd_file(path: Path, what: str) -> BuildError | None:
    """An error when path exists but cannot be the regular file sop-packets keeps there (a folder, say).

    Pipes, sockets, devices and links are named too: a file the tool writes is never one of them.
    """
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    kind = ("a folder" if stat.S_ISDIR(mode) else "a link" if stat.S_ISLNK(mode)
            else "a pipe, socket or device")
    return BuildError(f"{path} should be {what}, but it is {kind}; move it out of the way and run again")


def _open_lock(path: Path) -> int:
    """Open (creating) the lock file: a regular file in the folder, never through a link or a pipe."""
    if (problem := odd_file(path, "the lock file of a run")) is not None and not path.is_symlink():
        raise problem
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, LOCK_MODE)
    except OSError as exc:
        reason = exc.strerror or exc
        raise BuildError(f"the output folder {path.parent} cannot be written: {reason}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise odd_file(path, "the lock file of a run") or BuildError(f"{path} is not a regular file")
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        now, held = path.lstat(), os.fstat(fd)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def folder_lock(out_dir: Path, say: Callable[[str], None] | None = None,
                busy_message: str | None = None) -> Iterator[None]:
    """Hold a folder for one writer; a second writer on the same folder is told so at once.

    The lock is a POSIX record lock on `.sop-packets.lock`: it belongs to this process only, so
    forked workers never hold it, and the kernel drops it when this process dies. The file exists
    only while a writer runs (it is removed at the end, so a finished build leaves nothing behind);
    it names the holder's process id, so a lock left by a killed run is recognised (and said so)
    while a live one is never taken over. A writer that opened a lock file just as its holder removed
    it notices (the name no longer points at the file it locked) and starts again.
    """
    key = out_dir.resolve()
    busy = BuildError(busy_message or f"another batch is already writing to {out_dir}; wait for it to "
                      "finish, or give this run its own output folder")
    if key in _HELD:
        raise busy
    path = out_dir / LOCK_NAME
    for _attempt in range(20):
        fd = _open_lock(path)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise busy from None
        if _same_file(fd, path):
            break
        os.close(fd)  # the holder removed this file as we opened it: open the new one
    else:
        raise busy
    try:
        previous = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if previous.isdigit() and int(previous) != os.getpid() and say:
            say(f"note: a run (process {previous}) that stopped without finishing had locked "
                f"{out_dir}; it is no longer running, so this run takes over")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
            with contextlib.suppress(OSError):
                if _same_file(fd, path):
                    path.unlink()  # removed while still locked, so no other writer holds it
    finally:
        os.close(fd)


@contextlib.contextmanager
def _staged(path: Path, data: bytes, mode: int) -> Iterator[str]:
    """A new temporary file beside path holding data (synced to disk, with mode), for the caller to move
    into place under path's name. It is removed on the way out, and an OSError becomes a BuildError."""
    try:
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
        yield tmp
    except OSError as exc:
        raise BuildError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)  # once renamed into place, nothing is left here to remove


def write_atomic(path: Path, data: bytes, mode: int = DEFAULT_MODE) -> None:
    """Write data so that readers see the old complete file or the new one, never a part.

    The new file is renamed over the name, so an existing link there is replaced, never followed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    with _staged(path, data, mode) as tmp:
        if path.is_dir() and not path.is_symlink():
            raise IsADirectoryError(21, "a folder has this name")
        os.replace(tmp, path)


def create_exclusive(path: Path, data: bytes, mode: int = DEFAULT_MODE) -> None:
    """Write a new file, complete, only if nothing has that name yet (BuildError if something does).

    The data goes to a temporary file first and is then hard-linked to the name, which fails when the
    name exists: two writers can never both create one file, and no reader sees a part.
    """
    with _staged(path, data, mode) as tmp:
        try:
            os.link(tmp, path, follow_symlinks=False)
        except FileExistsError:
            raise BuildError(f"{path}: not written: another process created this file meanwhile") from None


def is_regular_file(path: Path) -> bool:
    """True for a regular file that is not a link (outputs are only ever trusted when they are)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


# ---------------------------------------------------------------- private temporary folder per run

RUN_PREFIX = "sop-packets-run-"


def _system_temp() -> Path:
    return Path(os.environ.get("SOP_PACKETS_SYSTEM_TMPDIR") or tempfile.gettempdir())


def sweep_dead_runs(base: Path | None = None) -> int:
    """Remove the private temporary folders of runs whose process is gone; returns how many."""
    base = base or _system_temp()
    removed = 0
    uid = os.getuid()
    for folder in base.glob(f"{RUN_PREFIX}*"):
        match = re.match(rf"{RUN_PREFIX}(\d+)-", folder.name)
        try:
            info = folder.lstat()
        except OSError:
            continue
        if not match or not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or _alive(int(match.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


@contextlib.contextmanager
def private_temp_folder() -> Iterator[Path]:
    """One owner-only temporary folder for everything this run (and WeasyPrint) writes to /tmp.

    tempfile and TMPDIR point into it for the run, so child processes use it too; it is removed at
    the end, and folders of runs that were killed are swept at the start of the next run.
    """
    base = Path(tempfile.gettempdir())
    sweep_dead_runs(base)
    folder = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{os.getpid()}-", dir=base))
    os.chmod(folder, 0o700)
    saved_tempdir, saved_env = tempfile.tempdir, os.environ.get("TMPDIR")
    saved_system = os.environ.get("SOP_PACKETS_SYSTEM_TMPDIR")
    tempfile.tempdir = str(folder)
    os.environ["TMPDIR"] = str(folder)
    os.environ["SOP_PACKETS_SYSTEM_TMPDIR"] = str(base)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved_tempdir
        for name, value in (("TMPDIR", saved_env), ("SOP_PACKETS_SYSTEM_TMPDIR", saved_system)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _release_cached_temp_users(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _release_cached_temp_users(folder: Path) -> None:
    """WeasyPrint's font configuration keeps a folder in the run's temporary folder; forget it."""
    pdf = sys.modules.get("sop_packets.pdf")
    if pdf is not None and hasattr(pdf, "forget_temp_state"):
        pdf.forget_temp_state(folder)
