"""Shared by the importers: drafts of profiles with a source comment per field, and writing them safely."""

from __future__ import annotations

import difflib
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..errors import InvalidInput, SopError
from ..output import write_atomic
from ..profile import parse_yaml, validate
from ..schema import Profile

CODES_FILE = Path(__file__).with_name("codes.yaml")
SECTION_ORDER = ("patient", "diagnosis", "treatment_plan", "current_treatment", "concerns", "insurance",
                 "preferences", "original_physician")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._,()/'+-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
_COMMENT_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@functools.cache
def codes() -> dict[str, Any]:
    """The code table (codes.yaml), read once."""
    return yaml.safe_load(CODES_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True, order=True)
class Notice:
    """A located warning about one value the import could not map; printed, never guessed around."""

    source: str
    where: str  # e.g. Condition/abc, or a CSV row
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field, self.message]
        return ": ".join(" ".join(p.split()) for p in parts if p)


@dataclass
class Draft:
    """One profile to write: values per section, each with the comment that says where it came from."""

    patient_id: str
    header: list[str] = field(default_factory=list)
    values: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)
    lists: dict[tuple[str, str], list[tuple[Any, str]]] = field(default_factory=dict)
    placeholders: dict[str, list[str]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def set(self, dotted: str, value: Any, comment: str) -> None:
        """Set a field such as 'diagnosis.stage' (or 'diagnosis.pathology.borderline') with its source."""
        section, _, key = dotted.partition(".")
        self.values.setdefault(section, {})[key] = (value, comment)

    def add(self, dotted: str, item: Any, comment: str) -> None:
        """Add one item to a list field, with its own source comment."""
        section, _, key = dotted.partition(".")
        self.lists.setdefault((section, key), []).append((item, comment))

    def has(self, dotted: str) -> bool:
        section, _, key = dotted.partition(".")
        return key in self.values.get(section, {}) or (section, key) in self.lists

    def placeholder(self, section: str, line: str) -> None:
        """A commented line the coordinator fills in: what the EHR or spreadsheet does not hold."""
        self.placeholders.setdefault(section, []).append(line)


def scalar(value: Any) -> str:
    """A YAML scalar that the profile loader reads back as exactly this value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith((" ", ":")):
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(_COMMENT_UNSAFE.sub(" ", text).split())[:300]


def _placeholder(text: str) -> str:
    return _COMMENT_UNSAFE.sub(" ", text).rstrip()[:300]


def render(draft: Draft) -> str:
    """The profile as YAML: every written field with its source comment, then the placeholders."""
    out = [f"# {_comment(line)}" for line in draft.header]
    out.append("schema_version: 1")
    sections = [s for s in SECTION_ORDER if s in draft.values or s in draft.placeholders
                or any(sec == s for sec, _ in draft.lists)]
    for section in sections:
        written = draft.values.get(section, {})
        lists = {key: items for (sec, key), items in draft.lists.items() if sec == section}
        out.append("")
        if not written and not lists:
            out.append(f"# {section}:")
            out.extend(f"#   {_placeholder(line)}" for line in draft.placeholders.get(section, []))
            continue
        out.append(f"{section}:")
        nested: dict[str, list[str]] = {}
        top: list[str] = []
        for key, (value, comment) in written.items():
            head, _, sub = key.partition(".")
            line = f"{sub or key}: {scalar(value)}  # {_comment(comment)}"
            (nested.setdefault(head, []) if sub else top).append(line)
        for key, items in lists.items():
            head, _, sub = key.partition(".")
            block = [f"{sub or key}:",
                     *(f"  - {scalar(item)}  # {_comment(comment)}" for item, comment in items)]
            (nested.setdefault(head, []) if sub else top).extend(block)
        out.extend(f"  {line}" for line in top)
        for head, lines in nested.items():
            out.append(f"  {head}:")
            out.extend(f"    {line}" for line in lines)
        out.extend(f"  # {_placeholder(line)}" for line in draft.placeholders.get(section, []))
    return "\n".join(out) + "\n"


def check(text: str, name: str) -> Profile:
    """The written text must pass `sop-packets validate`; raises InvalidInput if not."""
    return validate(Profile, parse_yaml(text, name), name)


@dataclass
class WriteResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # messages: exists without --force, invalid
    diffs: list[str] = field(default_factory=list)


def write_profiles(drafts: list[Draft], out_dir: Path, *, force: bool = False, diff: bool = False,
                   mode: int = 0o600) -> WriteResult:
    """Write each draft as <out_dir>/<id>.yaml; never overwrite without force; with diff, only show."""
    result = WriteResult()
    for draft in drafts:
        target = out_dir / f"{draft.patient_id}.yaml"
        text = render(draft)
        old = _read_existing(target)
        if old == text:  # checked when it was written; a nightly re-import is mostly these
            result.unchanged.append(target)
            continue
        try:
            check(text, str(target))
        except InvalidInput as exc:
            result.refused.append(f"{target}: not written, the profile would be invalid:\n"
                                  f"{exc.format_message()}")
            continue
        if diff:
            result.diffs.append("".join(difflib.unified_diff(
                (old or "").splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=str(target) if old is not None else "/dev/null", tofile=str(target))))
            continue
        if old is not None and not force:
            result.refused.append(f"{target}: exists and differs; not overwritten (use --force to replace "
                                  "it, --diff to see what would change)")
            continue
        try:
            write_atomic(target, text.encode("utf-8"), mode)
        except SopError as exc:
            result.refused.append(exc.format_message())
            continue
        result.written.append(target)
    return result


def _read_existing(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""
