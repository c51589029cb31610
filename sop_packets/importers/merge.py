"""Re-import that keeps the coordinator's work: a three-way merge, field by field.

For each profile the import keeps, beside it, the text it last wrote: `<out>/.import/<id>.yaml` (the
base). On the next import each field is compared in three versions: the base (what the EHR said
last time), the profile now (what the coordinator has), and the new import (what the EHR says now).

| base → profile | base → new import | result |
|---|---|---|
| same | same | nothing to do |
| same | changed | the EHR's new value (update; a field the EHR dropped is removed) |
| changed | same | the coordinator's value is kept |
| changed | changed, to the same value | nothing to do |
| changed | changed, differently | kept, flagged with an `# EHR CONFLICT:` comment; needs a person |

The profile is edited in place with ruamel.yaml (round-trip), so the coordinator's comments, order
and filled-in lines stay as they are. A flag stays until the coordinator deletes its comment line;
while any profile holds one, the import exits 1.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SopError
from ..output import write_atomic

BASE_DIR = ".import"
FLAG = "EHR CONFLICT:"
_MISSING = object()


@dataclass
class Change:
    path: str
    action: str  # update, remove, keep, conflict
    base: Any
    mine: Any
    ehr: Any
    comment: str = ""

    def __str__(self) -> str:
        shown = {
            "update": f"update from the EHR: {_show(self.mine)} -> {_show(self.ehr)}",
            "remove": f"remove: the EHR no longer says {_show(self.mine)}",
            "keep": f"keep the coordinator's {_show(self.mine)} (the EHR still says {_show(self.ehr)})",
            "conflict": f"CONFLICT: the coordinator wrote {_show(self.mine)}, the EHR changed "
                        f"{_show(self.base)} -> {_show(self.ehr)}; kept the coordinator's value, flagged",
        }[self.action]
        return f"{self.path}: {shown}"


@dataclass
class Plan:
    """What a re-import does to one existing profile."""

    target: Path
    changes: list[Change] = field(default_factory=list)
    text: str | None = None  # the merged profile, when it differs from the one on disk
    open_flags: int = 0  # EHR CONFLICT comments already in the profile
    no_base: bool = False  # an existing profile without an import record: cannot tell who changed what

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == "conflict"]


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(nothing)"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 80 else text[:79] + "…"


def base_path(target: Path) -> Path:
    return target.parent / BASE_DIR / target.name


def _yaml():
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments and order are kept
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    """{'diagnosis.stage': 'IIB', 'patient.comorbidities': [...]}: mappings flattened, lists whole."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and value:
                out.update(_flat(value, path))
            else:
                out[path] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def _load(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def plan(target: Path, current: str, new: str) -> Plan:
    """The merge of the new import into the profile on disk (current), against the saved base."""
    result = Plan(target)
    result.open_flags = sum(1 for line in current.splitlines() if FLAG in line)
    try:
        base_text = base_path(target).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        result.no_base = True
        return result
    base, mine, ehr = _load(base_text), _load(current), _load(new)
    if not all(isinstance(x, dict) for x in (base, mine, ehr)):
        result.no_base = True
        return result
    flat_base, flat_mine, flat_ehr = _flat(base), _flat(mine), _flat(ehr)
    comments = _comments(new)
    for path in sorted(set(flat_base) | set(flat_mine) | set(flat_ehr), key=_order(new, current)):
        b, m, e = (flat.get(path, _MISSING) for flat in (flat_base, flat_mine, flat_ehr))
        if m == e:
            continue
        if m == b:
            result.changes.append(Change(path, "remove" if e is _MISSING else "update", b, m, e,
                                         comments.get(path, "")))
        elif e == b:
            result.changes.append(Change(path, "keep", b, m, e))
        else:
            result.changes.append(Change(path, "conflict", b, m, e, comments.get(path, "")))
    if any(c.action in ("update", "remove", "conflict") for c in result.changes):
        result.text = _apply(current, result.changes)
    return result


def _order(*texts: str):
    """Sort fields in the order they appear in the profile text (new import first)."""
    position: dict[str, int] = {}
    for text in texts:
        for path in _flat(_load(text) or {}):
            position.setdefault(path, len(position))
    return lambda path: position.get(path, len(position))


def _comments(text: str) -> dict[str, str]:
    """The source comment of each field the import wrote, by dotted path."""
    data = _yaml().load(text)
    out: dict[str, str] = {}

    def walk(node: Any, prefix: str) -> None:
        if not hasattr(node, "ca"):
            return
        for key in node:
            path = f"{prefix}.{key}" if prefix else str(key)
            tokens = node.ca.items.get(key)
            if tokens and len(tokens) > 2 and tokens[2] is not None:
                out[path] = tokens[2].value.strip().lstrip("#").strip()
            if isinstance(node[key], dict):
                walk(node[key], path)

    walk(data, "")
    return out


def _apply(current: str, changes: list[Change]) -> str:
    yaml = _yaml()
    data = yaml.load(current)
    for change in changes:
        parts = change.path.split(".")
        parent = data
        for part in parts[:-1]:
            if part not in parent or not isinstance(parent[part], dict):
                if change.action == "remove":
                    break
                from ruamel.yaml.comments import CommentedMap

                parent[part] = CommentedMap()
            parent = parent[part]
        else:
            key = parts[-1]
            if change.action == "remove":
                parent.pop(key, None)
            elif change.action == "update":
                parent[key] = change.ehr
                parent.ca.items.pop(key, None)
                if change.comment:
                    parent.yaml_add_eol_comment(change.comment, key)
            elif change.action == "conflict":
                indent = 2 * (len(parts) - 1)
                note = (f"{FLAG} the EHR changed this from {_show(change.base)} to {_show(change.ehr)}"
                        f"{' (' + change.comment[:200] + ')' if change.comment else ''}; the value below is "
                        "yours. Keep one, then delete this line.")
                if key in parent:
                    parent.yaml_set_comment_before_after_key(key, before=note, indent=indent)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def record(target: Path, new: str, mode: int = 0o600) -> None:
    """Save what the import wrote for this profile, the base of the next re-import."""
    base = base_path(target)
    try:
        if base.read_text(encoding="utf-8") == new:
            return
    except (OSError, UnicodeDecodeError):
        pass
    try:
        base.parent.mkdir(mode=0o700, exist_ok=True)
        write_atomic(base, new.encode("utf-8"), mode)
    except (OSError, SopError):
        pass  # without a base the next re-import refuses to guess, which is safe


@dataclass
class Merge:
    """The re-import of a batch of drafts: one Plan per existing profile."""

    plans: dict[Path, Plan] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[str]:
        """Every field that needs a person: new conflicts, and flags still in a profile."""
        out = [f"{target}: {change}" for target, p in self.plans.items() for change in p.conflicts]
        out += [f"{target}: {p.open_flags} '# {FLAG}' line(s) still to check and delete"
                for target, p in self.plans.items() if p.open_flags and not p.conflicts]
        return out

    def describe(self) -> list[str]:
        return [f"{target}: {change}" for target, p in self.plans.items() for change in p.changes]


def prepare(drafts: list, out_dir: Path, render, *, force: bool = False) -> Merge:
    """Plan the re-import of each draft whose profile exists; sets draft.merged to the text to write."""
    merge = Merge()
    if force:
        return merge
    for draft in drafts:
        target = out_dir / f"{draft.patient_id}.yaml"
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        new = render(draft)
        if current == new:
            continue  # the nightly common case: nothing changed on either side
        found = _unchanged_ehr(target, current, new) or plan(target, current, new)
        merge.plans[target] = found
        if not found.no_base:
            draft.merged = found.text if found.text is not None else current
    return merge


def _unchanged_ehr(target: Path, current: str, new: str) -> Plan | None:
    """When the EHR says what it said last time, the profile stays as the coordinator has it: no parsing."""
    try:
        if base_path(target).read_text(encoding="utf-8") != new:
            return None
    except (OSError, UnicodeDecodeError):
        return None
    found = Plan(target)
    found.open_flags = sum(1 for line in current.splitlines() if FLAG in line)
    return found


def finish(drafts: list, out_dir: Path, written, render) -> None:
    """After writing: save each written or unchanged profile's import as the base of the next one."""
    done = {*written.written, *written.unchanged}
    for draft in drafts:
        target = out_dir / f"{draft.patient_id}.yaml"
        if target in done:
            record(target, render(draft))
