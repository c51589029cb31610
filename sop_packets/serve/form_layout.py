"""The coordinator's form: the schema's fields put into sections in the order a coordinator gets the
facts, the common ones shown and the rare ones folded, with labels and hints in plain words.

The layout is data (form_layout.yaml); serve/form.py still makes every field from the schema, so a
field the schema gains appears by itself (folded, in the section that holds its parent, or under
"Other details").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .form import Spec, every_spec, label_for

LAYOUT = Path(__file__).resolve().parent / "form_layout.yaml"
PLAIN_VALUES = {"true": "Yes", "false": "No", "null": "empty"}


@functools.cache
def layout() -> dict:
    return yaml.safe_load(LAYOUT.read_text(encoding="utf-8"))


@dataclass
class Part:
    """One section of the coordinator's form."""

    id: str
    title: str
    hint: str
    more: str
    shown: list[Spec] = field(default_factory=list)
    folded: list[Spec] = field(default_factory=list)
    groups: list[Spec] = field(default_factory=list)  # schema sections whose messages and anchors live here
    filled: int = 0  # folded fields that hold a value

    @property
    def paths(self) -> list[tuple[str, str]]:
        """(label, field name in the file) of every field here, for the "Field names" disclosure."""
        out = []
        for spec in [*self.shown, *self.folded]:
            inner = spec.children if spec.kind == "group" else []
            out += [(f"{spec.label}: {c.label}", c.name) for c in inner] or [(spec.label, spec.name)]
        return out


def plain(specs: list[Spec]) -> list[Spec]:
    """The specs with the layout's labels and hints, and every other hint in plain words: a value in
    code type (`lentigo_maligna`, `true`) becomes its label ("Lentigo maligna", "Yes")."""
    labels, hints = layout().get("labels", {}), layout().get("hints", {})
    names = {spec.path[-1]: spec.label for spec in every_spec(specs)}
    for spec in every_spec(specs):
        spec.label = labels.get(spec.name, spec.label)
        for child in spec.children:
            child.label = labels.get(child.name, child.label)
        spec.help = hints[spec.name] if spec.name in hints else _plain_hint(spec.help, spec, names)
    return specs


def _plain_hint(text: str, spec: Spec, names: dict[str, str]) -> str:
    choices = dict(spec.choices)

    def word(match: re.Match) -> str:
        token = match.group(1)
        if token in choices:
            return f"“{choices[token]}”"
        if token in PLAIN_VALUES:
            return f"“{PLAIN_VALUES[token]}”"
        if token in names:
            return f"“{names[token]}”"
        if re.fullmatch(r"[a-z]+(_[a-z]+)+", token):
            return f"“{label_for(token)}”"
        return token

    return re.sub(r"`([^`]+)`", word, text or "")


def plain_note(note: str) -> str:
    """An import's FILL IN note in plain words: not_required -> "not required", true or false -> yes or no
    (and no dangling "e.g.:" where the importer's example was a list of values)."""
    text = re.sub(r"\b[a-z]+(?:_[a-z]+)+\b", lambda m: label_for(m.group(0)).lower(), note or "")
    text = re.sub(r"\btrue or false\b", "yes or no", text)
    return re.sub(r",?\s*e\.g\.:?\s*$", "", text)


def units(specs: list[Spec]) -> list[Spec]:
    """The fields the form places one by one: leaves, lists, and optional groups as a whole."""
    out = []
    for spec in specs:
        if spec.kind == "group" and not spec.optional_group:
            out += units(spec.children)
        elif spec.kind != "fixed":
            out.append(spec)
    return out


def _home(name: str, holds: dict[str, str]) -> str | None:
    """The section holding a field: the longest `holds` entry that is the field or a part above it."""
    best = None
    for prefix, section in holds.items():
        if (name == prefix or name.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, section)
    return best[1] if best else None


def parts(specs: list[Spec], values: dict[str, Any], problem_fields: set[str] = frozenset(),
          fill_fields: set[str] = frozenset()) -> list[Part]:
    """The form's sections for these values: a `when` field is shown open only for its answers, and a
    rare field is shown open while it has a problem or a FILL IN note."""
    config = layout()
    other = config["other"]
    out = {s["id"]: Part(s["id"], s["title"], s.get("hint", ""), s.get("more", "More"))
           for s in [*config["sections"], other]}
    holds = {prefix: s["id"] for s in config["sections"] for prefix in s.get("holds", [])}
    shown = {name for s in config["sections"] for name in s.get("shown", [])}
    when = {name: rule for s in config["sections"] for name, rule in (s.get("when") or {}).items()}
    for spec in units(specs):
        part = out[_home(spec.name, holds) or other["id"]]
        rule = when.get(spec.name)
        asks = any(_within(f, spec.name) for f in problem_fields | fill_fields)
        if asks or (_is_shown(spec.name, shown) and (rule is None or _holds(rule, values))):
            part.shown.append(spec)  # a rare field with a problem or a FILL IN note is not folded away
        else:
            part.folded.append(spec)
            part.filled += _has_value(spec, values)
    for spec in every_spec(specs):
        if spec.kind == "group" and not spec.optional_group and not _inside_optional(spec, specs):
            out[_home(spec.name, holds) or other["id"]].groups.append(spec)
    return [part for part in out.values() if part.shown or part.folded]


def _is_shown(name: str, shown: set[str]) -> bool:
    return name in shown or any(name.startswith(s + ".") for s in shown)


def _holds(rule: dict[str, list], values: dict[str, Any]) -> bool:
    return all(values.get(name) in allowed for name, allowed in rule.items())


def _within(problem: str, name: str) -> bool:
    plain_name = re.sub(r"\[(\d+)\]", r".\1", problem)
    return plain_name == name or plain_name.startswith(name + ".")


def _inside_optional(group: Spec, specs: list[Spec]) -> bool:
    return any(s.optional_group and group.name.startswith(s.name + ".") for s in every_spec(specs))


def _has_value(spec: Spec, values: dict[str, Any]) -> bool:
    if spec.kind == "group":
        return any(_has_value(child, values) for child in spec.children)
    value = values.get(spec.name)
    if spec.kind in ("texts", "enums"):
        return bool(value)
    if spec.kind == "groups":
        return bool(value)
    return value not in (None, "", False) and value != spec.default
