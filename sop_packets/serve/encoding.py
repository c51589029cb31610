"""A profile saved in another encoding than UTF-8 (Windows-1252 from an old editor, or UTF-16 from
Notepad's "Unicode"): recognised, shown converted for the coordinator to check, and converted with
the original kept as a backup. Python's own codecs do the decoding; nothing is guessed silently."""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import BuildError
from ..output import write_atomic

BACKUP_DIR = ".backup"
LABELS = {"utf-16": "UTF-16 (what Notepad calls “Unicode”)",
          "cp1252": "Windows-1252 (Western European, what older Windows editors save)"}
SAMPLE_LINES = 8


@dataclass(frozen=True)
class Offer:
    """What the file reads as in `encoding`, with the lines that change so a person can check them."""

    encoding: str
    label: str
    digest: str  # of the bytes on disk: the conversion happens only to the file that was shown
    lines: tuple[tuple[int, str], ...]


def raw_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def decoded(raw: bytes, encoding: str) -> str | None:
    """The text in that encoding, or None when the bytes are not valid in it (or hold NUL)."""
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    text = text.removeprefix("\ufeff")
    return None if "\x00" in text else text


def offer(raw: bytes) -> Offer | None:
    """An offer to convert, when the bytes are not UTF-8 but read cleanly as a likely encoding."""
    try:
        raw.decode("utf-8-sig")
        return None
    except UnicodeDecodeError:
        pass
    candidates = ["utf-16"] if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else ["cp1252"]
    for encoding in candidates:
        text = decoded(raw, encoding)
        if text is None:
            continue
        changed = [(number, line) for number, line in enumerate(text.splitlines(), start=1)
                   if not line.isascii()]
        return Offer(encoding, LABELS[encoding], raw_digest(raw), tuple(changed[:SAMPLE_LINES]))
    return None


def convert(path: Path, profiles: Path, name: str, expected_digest: str, encoding: str) -> Path:
    """Rewrite the file as UTF-8, keeping the original bytes in <profiles>/.backup/; returns the backup.

    The caller holds the folder's write lock. Refused (BuildError) when the file changed since the
    offer was shown, or no longer reads in that encoding."""
    raw = path.read_bytes()
    if raw_digest(raw) != expected_digest:
        raise BuildError(f"{name} changed since this page was opened; reload it and look again")
    text = decoded(raw, encoding) if encoding in LABELS else None
    if text is None:
        raise BuildError(f"{name} does not read as {encoding}; it was left as it is")
    folder = profiles / BACKUP_DIR
    folder.mkdir(mode=0o700, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = folder / f"{name.replace('/', '__')}.{stamp}.{encoding}"
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)
    write_atomic(path, text.encode("utf-8"), path.stat().st_mode & 0o777)
    return backup


__all__ = ["BACKUP_DIR", "Offer", "convert", "offer"]
