"""From a posted form to the file's new text: which fields changed, and the text with only those
written (round-trip, so every other line and comment stays as it was)."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from . import yaml_edit
from .form import Spec

Path_ = tuple[str, ...]


def _leaf_specs(specs: list[Spec]) -> list[Spec]:
    out = []
    for spec in specs:
        if spec.kind == "group":
            out += _leaf_specs(spec.children)
        elif spec.kind != "fixed":
            out.append(spec)
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, date) and isinstance(b, date):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return a == b if type(a) is type(b) else str(a) == str(b) and not isinstance(a, int | float | date)


def edits(specs: list[Spec], submitted: dict[str, Any], current: dict[str, Any] | None) -> dict[Path_, Any]:
    """Field path -> new value, for each field whose posted value differs from the file's.

    A field the file leaves out counts as its default. An optional group left wholly empty (a
    representative nobody named) becomes "not given" instead of a group of empty fields.
    """
    current = current or {}
    out: dict[Path_, Any] = {}
    for spec in _leaf_specs(specs):
        _present, new = yaml_edit.get_path(submitted, spec.path)
        present, old = yaml_edit.get_path(current, spec.path)
        if not present or old is None:
            old = spec.default if spec.kind not in ("texts", "enums", "groups") else []
        if spec.kind == "enums" and _same_choices(new, old):
            continue  # the form lists choices in the schema's order; the file's order is kept
        if not _same(new, old):
            out[spec.path] = new
    for group in _optional_groups(specs):
        inside = [path for path in out if path[: len(group.path)] == group.path]
        _, posted = yaml_edit.get_path(submitted, group.path)
        if inside and _empty(group, posted):
            for path in inside:
                del out[path]
            out[group.path] = None
    return out


def _same_choices(new: Any, old: Any) -> bool:
    """Two lists of choices holding the same values, in any order (ticking boxes has no order)."""
    if not isinstance(new, list) or not isinstance(old, list):
        return False
    return sorted(map(str, new)) == sorted(str(getattr(v, "value", v)) for v in old)


def _optional_groups(specs: list[Spec]) -> list[Spec]:
    out = []
    for spec in specs:
        if spec.kind == "group":
            if spec.optional_group:
                out.append(spec)
            out += _optional_groups(spec.children)
    return out


def _empty(group: Spec, value: Any) -> bool:
    if not isinstance(value, dict):
        return True
    for spec in group.children:
        item = value.get(spec.path[-1])
        if spec.kind == "group":
            if not _empty(spec, item):
                return False
        elif item not in (None, [], "") and not (spec.kind in ("bool", "enum") and item == spec.default):
            return False
    return True


def apply(text: str, changes: dict[Path_, Any], done: set[Path_]) -> str:
    """The file's text with the changed fields written and the FILL IN notes of done fields cleared.
    A file whose lines all end in CR LF (saved on Windows) keeps them: only the changed lines differ."""
    if "\r\n" in text and text.count("\r\n") == text.count("\n"):
        return _apply(text.replace("\r\n", "\n"), changes, done).replace("\n", "\r\n")
    return _apply(text, changes, done)


def _apply(text: str, changes: dict[Path_, Any], done: set[Path_]) -> str:
    cleared = yaml_edit.clear_fill_ins(text, done | set(changes)) if (done or changes) else text
    if not changes:
        return cleared
    document = yaml_edit.load(cleared)
    for path, value in changes.items():
        yaml_edit.set_path(document, path, value)
    return yaml_edit.dump(document)


def apply_to_data(data: dict | None, changes: dict[Path_, Any]) -> dict:
    """A copy of the file's data with the changed fields set (for the preview: no YAML written)."""
    out = copy.deepcopy(data) if isinstance(data, dict) else {}
    for path, value in changes.items():
        node = out
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[path[-1]] = copy.deepcopy(value)
    return out
