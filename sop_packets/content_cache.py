"""Shipped content kept parsed between runs, in the user's cache folder, keyed by what it is made from.

Parsing a language's content files (YAML, with every value's line kept for error messages) and
printing their English-word markers took 25-40 ms of every cold `build`, for the same result each
time. The parsed content is kept as JSON, under a key made from the bytes of every file of the
language's folder and of the modules that parse it; any change to either makes a new key. The folder
is one only this user can write to (cache_folder.private_folder): what is kept here is printed in
packets. Where there is none, content is parsed every time, as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from . import cache_folder

FORMAT = b"sop-packets content cache 1"
PARSING_CODE = ("content.py", "english_words.py", "profile.py")
"""The modules whose code turns a content file into the kept result: their text is part of the key."""


def kept(name: str, files: Iterable[Path], make: Callable[[], Any]) -> Any:
    """make()'s result for name (a language), from the cache when files and PARSING_CODE are unchanged;
    otherwise made, kept (unless make() fails) and returned. make() must give JSON data: dicts with
    text keys, lists, text, numbers, true/false/null."""
    folder = cache_folder.private_folder("content")
    if folder is None:
        return make()
    try:
        key = _key(name, files)
    except OSError:  # a file that cannot be read: the parse names it
        return make()
    target = folder / f"{name}-{key}.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(target.read_text(encoding="utf-8"))
    result = make()
    try:
        data = json.dumps(result, ensure_ascii=False).encode("utf-8")
        if json.loads(data) != result:  # a tuple, say: kept only what reads back the same
            return result
    except (TypeError, ValueError):  # a value JSON or UTF-8 cannot hold (a date, a lone surrogate)
        return result
    from .errors import BuildError
    from .output import write_atomic

    with contextlib.suppress(BuildError, OSError):
        write_atomic(target, data)
        _forget_older(folder, name, target)
    return result


STALE_AFTER_SECONDS = 7 * 24 * 3600


def _forget_older(folder: Path, name: str, kept_now: Path) -> None:
    """Remove entries of name, made from other files, that were written over a week ago. Newer ones
    stay: two installs of different versions may share the folder, and each keeps its own (one still
    in use that is removed is written again at its next run)."""
    now = time.time()
    for older in folder.glob(f"{name}-*.json"):
        with contextlib.suppress(OSError):
            if older != kept_now and now - older.stat().st_mtime > STALE_AFTER_SECONDS:
                older.unlink()


def _key(name: str, files: Iterable[Path]) -> str:
    digest = hashlib.sha256(FORMAT)
    code = Path(__file__).resolve().parent
    for path in (*sorted(files), *(code / module for module in PARSING_CODE)):
        data = path.read_bytes()
        digest.update(f"\0{path.name}\0{len(data)}\0".encode())
        digest.update(data)
    digest.update(f"\0{name}".encode())
    return digest.hexdigest()[:32]

