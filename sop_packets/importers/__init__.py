"""Shared by the importers: drafts of profiles with a source comment per field, and writing them safely."""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..errors import BuildError, InvalidInput, SopError
from ..output import create_exclusive, folder_lock, odd_file, remove_stale_parts, write_atomic
from ..profile import parse_located, parse_yaml, read_bytes, validate
from ..schema import Profile

CODES_FILE = Path(__file__).with_name("codes.yaml")
SECTION_ORDER = ("patient", "diagnosis", "treatment_plan", "current_treatment", "concerns", "insurance",
                 "preferences", "original_physician")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._,()/'+-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
_COMMENT_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@functools.cache
def codes() -> dict[str, Any]:
    """The code table (codes.yaml), read once."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same data, faster
    return yaml.load(CODES_FILE.read_text(encoding="utf-8"), Loader=loader)


@dataclass(frozen=True, order=True)
class Notice:
    """A located warning about one value the import could not map; printed, never guessed around."""

    source: str
    where: str  # e.g. Condition/abc, or a CSV row
    field: str
    message: str

    def __str__(self) -> str:
        parts = [self.source, self.where, self.field, self.message]
        text = ": ".join(" ".join(p.split()) for p in parts if p)
        return _COMMENT_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)  # no escape or RLO


@dataclass
class Draft:
    """One profile to write: values per section, each with the comment that says where it came from."""

    patient_id: str
    header: list[str] = field(default_factory=list)
    values: dict[str, dict[str, tuple[Any, str]]] = field(default_factory=dict)
    lists: dict[tuple[str, str], list[tuple[Any, str]]] = field(default_factory=dict)
    placeholders: dict[str, list[str]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    merged: str | None = None  # set by merge.prepare: the re-import merged into the existing profile
    source_key: str = ""  # the patient's identifier exactly as the source wrote it (before it became a
    # file name); written as a hash, so a re-import never mistakes 12/34 for 12-34

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
    if (key := source_key_line(draft)) is not None:
        out.append(f"# {key}")
    out.append("schema_version: 1")
    asks = _fill_ins_from_notices(draft)
    placeholders: dict[str, list[str]] = {}
    for section in [*draft.placeholders, *(s for s in asks if s not in draft.placeholders)]:
        given = draft.placeholders.get(section, [])
        asked = [f"{key}:  # FILL IN: {why}" for key, why in asks.get(section, {}).items()
                 if key not in draft.values.get(section, {}) and (section, key) not in draft.lists
                 and not any(re.match(rf"\s*{re.escape(key)}\s*:", line) for line in given)]
        placeholders[section] = [*draft.placeholders.get(section, []), *asked]
    sections = [s for s in SECTION_ORDER if s in draft.values or placeholders.get(s)
                or any(sec == s for sec, _ in draft.lists)]
    for section in sections:
        written = draft.values.get(section, {})
        lists = {key: items for (sec, key), items in draft.lists.items() if sec == section}
        out.append("")
        if not written and not lists:
            out.append(f"# {section}:")
            out.extend(f"#   {_placeholder(line)}" for line in placeholders.get(section, []))
            continue
        out.append(f"{section}:")
        nested: dict[str, list[str]] = {}
        top: list[str] = []
        for key, (value, comment) in written.items():
            head, _, sub = key.partition(".")
            if key in asks.get(section, {}) and "FILL IN" not in comment:  # a value the import is unsure of
                comment = f"{_comment(comment)[:120]}; FILL IN: {asks[section][key]}"
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
        out.extend(f"  # {_placeholder(line)}" for line in placeholders.get(section, []))
    return "\n".join(out) + "\n"


def _fill_ins_from_notices(draft: Draft) -> dict[str, dict[str, str]]:
    """The import's warnings about one field (an unknown code, a value it had to guess) as FILL IN
    notes on that field, so the form asks the coordinator for it: section -> field -> the warning."""
    asks: dict[str, dict[str, str]] = {}
    for notice in draft.notices:
        section, _, key = notice.field.partition(".")
        if section in SECTION_ORDER and key and re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", key):
            asks.setdefault(section, {}).setdefault(key, _comment(notice.message)[:160])
    return asks


def check(text: str, name: str) -> Profile:
    """The written text must pass `sop-packets validate`; raises InvalidInput if not."""
    return validate(Profile, parse_yaml(text, name), name)


@dataclass
class WriteResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # messages: exists without --force, invalid
    diffs: list[str] = field(default_factory=list)


SOURCE_KEY_LINE = "sop-packets source id: "
_SOURCE_KEY = re.compile(rf"^# {SOURCE_KEY_LINE}([0-9a-f]+)", re.MULTILINE)
_ID_LINE = re.compile(rb"^[ \t]+id:[ \t]*['\"]?([A-Za-z0-9][A-Za-z0-9._-]{0,63})", re.MULTILINE)
PROFILE_SUFFIXES = (".yaml", ".yml")


def source_key_line(draft: Draft) -> str | None:
    """The header line naming the record a draft came from, by a hash of its identifier as the source
    wrote it (12/34 and 12-34 differ here even when both become the file name 12-34)."""
    if not draft.source_key:
        return None
    digest = hashlib.sha256(draft.source_key.encode("utf-8")).hexdigest()[:20]
    return f"{SOURCE_KEY_LINE}{digest} (keep this line: it tells re-imports whose profile this is)"


@dataclass(frozen=True)
class Decision:
    """What write_profiles does with one draft: the single place a re-import merge hooks in."""

    kind: str  # new | unchanged | replace | refuse
    text: str = ""  # what to write (new, replace)
    message: str = ""  # why (refuse)
    show_diff: bool = False  # with --diff: worth showing


def decide(draft: Draft, target: Path, text: str, old: str | None, *, force: bool,
           claimed_by: Path | None) -> Decision:
    """New, unchanged, replace or refuse, for one rendered draft and the file already at its name."""
    if old == text:  # checked when it was written; a nightly re-import is mostly these
        return Decision("unchanged")
    if claimed_by is not None:
        return Decision("refuse", message=f"{target}: not written: {claimed_by} already holds patient.id "
                        f"'{draft.patient_id}' (two files with one id stop the batch); edit that file, "
                        "or move it away and import again")
    try:
        check(text, str(target))
    except InvalidInput as exc:
        return Decision("refuse", message=f"{target}: not written, the profile would be invalid:\n"
                        f"{exc.format_message()}")
    if old is None:
        return Decision("new", text, show_diff=True)
    other = _different_patient(draft, text, _import_record(target) or old)
    if other:
        return Decision("refuse", message=f"{target}: holds a different patient ({other}); not replaced, "
                        "even with --force. If it is the same person, move the old file away and import "
                        "again; if not, name the profiles with --id-from", show_diff=True)
    if not force and getattr(draft, "merged", None) is None:  # a re-import merge (issue 18) may replace
        return Decision("refuse", message=f"{target}: exists and differs; not overwritten (use --force to "
                        "replace it, --diff to see what would change)", show_diff=True)
    return Decision("replace", text, show_diff=True)


def _import_record(target: Path) -> str | None:
    """What the last import wrote for this file (before any hand edits), if that record is kept."""
    from .merge import base_path

    try:
        return base_path(target).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _different_patient(draft: Draft, text: str, old: str) -> str | None:
    """Why the old file is about someone else, or None: the source ids differ, else name or birth date."""
    new_key, old_key = _SOURCE_KEY.search(text), _SOURCE_KEY.search(old)
    if new_key and old_key:
        return None if new_key.group(1) == old_key.group(1) else "it was imported from another record"
    try:
        before = parse_located(old, "old").data
    except Exception:  # an unreadable old file is refused without --force like any other
        return None
    before = before.get("patient") if isinstance(before, dict) else None
    if not isinstance(before, dict):
        return None
    for name, label in (("name", "name"), ("date_of_birth", "birth date")):
        value = draft.values.get("patient", {}).get(name, (None, ""))[0]
        if value is not None and before.get(name) is not None and _same(value) != _same(before[name]):
            return f"another {label}"
    return None


def _same(value: Any) -> str:
    return " ".join(str(value).casefold().split())


def _claims(out_dir: Path, ids: set[str]) -> dict[str, Path]:
    """Profiles already in the folder (any name) holding one of these patient ids, each read once.

    A quick scan finds the files that mention an id; only those are parsed to be sure.
    """
    claims: dict[str, Path] = {}
    if not ids or not out_dir.is_dir():
        return claims
    for path in sorted(out_dir.rglob("*")):
        if (path.suffix.lower() not in PROFILE_SUFFIXES or any(part.startswith(".") for part in
                                                               path.relative_to(out_dir).parts)):
            continue
        try:
            raw = read_bytes(path)
        except SopError:
            continue
        if not ids.intersection(match.decode() for match in _ID_LINE.findall(raw)):
            continue
        try:
            data = parse_located(raw.decode("utf-8-sig"), str(path)).data
        except (UnicodeDecodeError, ValueError):
            continue
        patient = data.get("patient") if isinstance(data, dict) else None
        found = patient.get("id") if isinstance(patient, dict) else None
        if isinstance(found, str) and found in ids and path.name not in (f"{found}{s}" for s in
                                                                        PROFILE_SUFFIXES):
            claims.setdefault(found, path)
    return claims


def write_profiles(drafts: list[Draft], out_dir: Path, *, force: bool = False, diff: bool = False,
                   mode: int = 0o600, locked: bool = False) -> WriteResult:
    """Write each draft as <out_dir>/<id>.yaml; never overwrite without force; with diff, only show.

    Safe against the ways an import can lose a profile: one import at a time per folder (a second is
    refused at once), a new file is created exclusively (never over one that appeared meanwhile), two
    patients whose ids become one file name are both refused, a file of another patient is never
    replaced, even with force, nor is a second file written for an id another profile already has.
    The folder is made owner-only, files are 0600, and temporary files of a killed import are removed.
    With locked, the caller already holds the folder's lock (reimport.write_merged does).
    """
    result = WriteResult()
    rendered = _render_all(drafts, out_dir, result)
    if not rendered:
        return result
    if diff:
        _write_or_show(rendered, out_dir, result, force=force, diff=True, mode=mode)
        return result
    _make_private_folder(out_dir)
    busy = (f"another import is already writing to {out_dir}; wait for it to finish (nothing was "
            "written by this one)")
    with contextlib.nullcontext() if locked else folder_lock(out_dir, busy_message=busy):
        remove_stale_parts(out_dir)
        _write_or_show(rendered, out_dir, result, force=force, diff=False, mode=mode)
    return result


def _render_all(drafts: list[Draft], out_dir: Path, result: WriteResult) -> list[tuple[Draft, str]]:
    """Each draft's text; drafts that would share a file name with a different draft are refused."""
    by_id: dict[str, list[tuple[Draft, str]]] = {}
    for draft in drafts:
        merged = getattr(draft, "merged", None)  # the re-import merge's text (importers/merge.py), if any
        text = merged if merged is not None else render(draft)
        by_id.setdefault(draft.patient_id, []).append((draft, text))
    rendered = []
    for patient_id, group in by_id.items():
        if len({text for _, text in group}) > 1:
            sources = "; ".join(" ".join(d.header[:1]) or d.source_key or "?" for d, _ in group)
            result.refused.append(f"{out_dir / (patient_id + '.yaml')}: not written: {len(group)} different "
                                  f"patients would get this one file name ({sources}); name the profiles "
                                  "with another --id-from, or write them by hand")
            continue
        rendered.append(group[0])
    return rendered


def _write_or_show(rendered: list[tuple[Draft, str]], out_dir: Path, result: WriteResult, *, force: bool,
                   diff: bool, mode: int) -> None:
    targets = {draft.patient_id: out_dir / f"{draft.patient_id}.yaml" for draft, _ in rendered}
    existing = {patient_id: _read_existing(target) for patient_id, target in targets.items()}
    claims = _claims(out_dir, {patient_id for patient_id, old in existing.items() if old is None})
    for draft, text in rendered:
        target, old = targets[draft.patient_id], existing[draft.patient_id]
        if isinstance(old, SopError):
            result.refused.append(f"{target}: not written: {old.format_message()}")
            continue
        decision = decide(draft, target, text, old, force=force, claimed_by=claims.get(draft.patient_id))
        if decision.kind == "unchanged":
            result.unchanged.append(target)
        elif diff and decision.show_diff:
            result.diffs.append("".join(difflib.unified_diff(
                (old or "").splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=str(target) if old is not None else "/dev/null", tofile=str(target))))
        elif decision.kind == "refuse":
            result.refused.append(decision.message)
        elif not diff:
            try:
                if decision.kind == "new":
                    create_exclusive(target, decision.text.encode("utf-8"), mode)
                else:
                    write_atomic(target, decision.text.encode("utf-8"), mode)
            except SopError as exc:
                result.refused.append(exc.format_message())
                continue
            result.written.append(target)


def _make_private_folder(out_dir: Path) -> None:
    """Create the profiles folder readable by its owner only (it lists patients by id)."""
    try:
        if not out_dir.is_dir():
            out_dir.mkdir(parents=True, mode=0o700)
            os.chmod(out_dir, 0o700)  # whatever the umask
    except FileExistsError:
        pass
    except OSError as exc:
        raise BuildError(f"the profiles folder {out_dir} cannot be made: {exc.strerror or exc}") from None
    if not out_dir.is_dir():
        raise BuildError(f"{out_dir} is not a folder; name a folder for the profiles")


def _read_existing(path: Path) -> str | SopError | None:
    """The text already at a profile's name: None when there is none, an error for a pipe or folder."""
    if not os.path.lexists(path):
        return None
    if (problem := odd_file(path, "a profile")) is not None:
        return problem
    try:
        return read_bytes(path).decode("utf-8", "replace")
    except SopError as exc:
        return exc
