"""The re-import's `# EHR CONFLICT:` flags, for the form: which field each is about, and clearing the
ones the coordinator has dealt with (so the nightly import stops asking; see importers/merge.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

FLAG = "EHR CONFLICT:"  # as importers/merge.py writes it
_KEY = re.compile(r"^( *)(?:- +)?([A-Za-z_][A-Za-z0-9_]*) *:(?: |$)")


@dataclass(frozen=True)
class Flag:
    path: tuple[str, ...]  # the field the flag stands above
    line: int  # the flag's own line (1-based)
    note: str  # its words, after the marker


def flags(text: str) -> list[Flag]:
    """Every `# EHR CONFLICT:` comment line, with the field on the next key line below it."""
    out: list[Flag] = []
    stack: list[tuple[int, str]] = []
    pending: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            if FLAG in stripped:
                pending.append((number, stripped.split(FLAG, 1)[1].strip()))
            continue
        match = _KEY.match(line)
        if not match:
            continue
        indent = len(match.group(1))
        stack = [(i, k) for i, k in stack if i < indent] + [(indent, match.group(2))]
        path = tuple(k for _, k in stack)
        out += [Flag(path, at, note) for at, note in pending]
        pending = []
    return out


def clear(text: str, done: set[tuple[str, ...]]) -> str:
    """The text without the flag lines of the fields in done (every other byte as it was)."""
    drop = {f.line for f in flags(text) if f.path in done}
    if not drop:
        return text
    return "\n".join(line for number, line in enumerate(text.split("\n"), start=1) if number not in drop)


__all__ = ["FLAG", "Flag", "clear", "flags"]
