"""The user's cache folder for what the program makes once and keeps: fonts, subsets, compiled templates."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def roots() -> list[Path]:
    """Where kept files go, in order: $XDG_CACHE_HOME (or ~/.cache)/sop-packets, else a folder in /tmp."""
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return [Path(home) / "sop-packets", Path(tempfile.gettempdir()) / f"sop-packets-{os.getuid()}"]


def private_folder(name: str) -> Path | None:
    """A folder under the first usable root that only this user can write to, made if missing; None
    when there is none. For files the program runs (compiled templates): another user who could write
    there could make it run their code."""
    for root in roots():
        folder = root / name
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            if all(_only_mine(path) for path in (root, folder)):
                return folder
        except OSError:
            continue
    return None


def _only_mine(path: Path) -> bool:
    info = path.lstat()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022
