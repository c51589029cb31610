"""Forms generated from the pydantic schema: a tree of field specs, the values to show, and the
posted form turned back into data.

Nothing here names a profile field: a field added to the schema appears in the form by itself.
Labels come from the field names, help text from docs/profile-reference.md (or the field's
description), choices from the enums.
"""

from __future__ import annotations

import functools
import re
import types
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ..content import template_dir

RADIO_LIMIT = 6  # more choices than this are a select (GOV.UK: radios for short lists)
LIST_EXTRA = 1  # empty rows shown under a list of text, for the next item
WORDS = {"hiv": "HIV", "fhir": "FHIR", "id": "ID", "mm": "(mm)", "scc": "SCC", "bcc": "BCC",
         "a4": "A4", "url": "URL"}


@dataclass
class Spec:
    """One field of a form: what it holds and how it is asked."""

    path: tuple[str, ...]
    label: str
    help: str
    kind: str  # text, longtext, int, float, date, bool, tribool, enum, enums, texts, group, groups, fixed
    required: bool = False
    default: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    children: list[Spec] = field(default_factory=list)
    optional_group: bool = False  # a group that may be left out (all empty = not given)
    max_items: int | None = None
    max_length: int | None = None
    required_note: str = "required"  # "required if you fill in this section" inside an optional group

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def anchor(self) -> str:
        """The id of the field's first input, for links from the error summary."""
        return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", self.name)

    @property
    def as_select(self) -> bool:
        return len(self.choices) > RADIO_LIMIT


def label_for(name: str) -> str:
    """A field name in plain words: date_of_birth -> Date of birth, breslow_mm -> Breslow (mm)."""
    words = [WORDS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def choice_label(value: str) -> str:
    if re.fullmatch(r"[0IVABCD]+", value):
        return value  # a stage: IIB stays IIB
    return label_for(value)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without Annotated and Optional, and whether None is allowed."""
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(get_args(annotation))
            annotation = args[0] if len(args) == 1 else str
        else:
            return annotation, optional


def _max_length(info: FieldInfo, annotation: Any) -> int | None:
    if get_origin(annotation) in (Union, types.UnionType):  # Optional[LongText]: the text's own limit
        for arg in get_args(annotation):
            if arg is not type(None) and (found := _max_length(FieldInfo(), arg)) is not None:
                return found
    for meta in [*info.metadata, *(get_args(annotation)[1:] if get_origin(annotation) is Annotated else ())]:
        value = getattr(meta, "max_length", None)
        if value is not None:
            return value
        for inner in getattr(meta, "metadata", []) or []:
            if getattr(inner, "max_length", None) is not None:
                return inner.max_length
    return None


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        value = info.default
    elif info.default_factory is not None:
        try:
            value = info.default_factory()  # type: ignore[call-arg]
        except TypeError:
            return None
    else:
        return None
    if isinstance(value, BaseModel):
        return None
    return value.value if isinstance(value, Enum) else value


def specs_for(model: type[BaseModel], path: tuple[str, ...] = (), doc: str = "profile") -> list[Spec]:
    """The form for a model: one spec per field, in the schema's order, groups nested."""
    help_texts = reference_help() if doc == "profile" else {}
    out = []
    for name, info in model.model_fields.items():
        out.append(_spec(name, info, (*path, name), help_texts, doc))
    return out


def _per_language(annotation: Any) -> bool:
    """Text that may be given one per language (clinic.ClinicText: a string or {language: string})."""
    if get_origin(annotation) is Annotated:
        return _per_language(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return any(get_origin(arg) is dict for arg in get_args(annotation))
    return False


def _spec(name: str, info: FieldInfo, path: tuple[str, ...], help_texts: dict[str, str], doc: str) -> Spec:
    annotation, optional = _unwrap(info.annotation)
    help_text = help_texts.get(".".join(path)) or (info.description or "")
    spec = Spec(path, label_for(name), help_text, "text", required=info.is_required(),
                default=_default(info), max_length=_max_length(info, info.annotation))
    origin = get_origin(annotation)
    if _per_language(info.annotation):
        from ..content import available_languages, language_name

        spec.kind = "wording"  # one box for every language, and one for each packet language
        spec.choices = [(code, language_name(code)) for code in available_languages()]
        spec.max_length = _max_length(info, get_args(info.annotation)[0]) or spec.max_length
    elif origin is Literal:
        spec.kind = "fixed"
        spec.default = get_args(annotation)[0]
    elif origin is list:
        inner, _ = _unwrap(get_args(annotation)[0])
        spec.max_items = next((m.max_length for m in info.metadata if getattr(m, "max_length", None)), None)
        if isinstance(inner, type) and issubclass(inner, Enum):
            spec.kind = "enums"
            spec.choices = [(member.value, choice_label(member.value)) for member in inner]
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            spec.kind = "groups"
            spec.children = specs_for(inner, (), doc)
        else:
            spec.kind = "texts"
            spec.max_length = _inner_max(get_args(annotation)[0])
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        spec.kind = "group"
        spec.optional_group = optional
        spec.children = [_spec(n, i, (*path, n), help_texts, doc)
                         for n, i in annotation.model_fields.items()]
        if optional:
            for child in spec.children:
                child.required_note = "required if you fill in this section"
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        spec.kind = "enum"
        spec.choices = [(member.value, choice_label(member.value)) for member in annotation]
    elif annotation is bool:
        spec.kind = "tribool" if optional or spec.default is None else "bool"
    elif annotation is int:
        spec.kind = "int"
    elif annotation is float:
        spec.kind = "float"
    elif annotation is date:
        spec.kind = "date"
    elif (spec.max_length or 0) > 200:
        spec.kind = "longtext"
    return spec


def _inner_max(annotation: Any) -> int | None:
    if get_origin(annotation) is Annotated:
        for meta in get_args(annotation)[1:]:
            if getattr(meta, "max_length", None) is not None:
                return meta.max_length
            for inner in getattr(meta, "metadata", []) or []:
                if getattr(inner, "max_length", None) is not None:
                    return inner.max_length
    return None


def leaves(specs: list[Spec]) -> list[Spec]:
    """Every field that has an input of its own, depth first."""
    out = []
    for spec in specs:
        if spec.kind == "group":
            out += leaves(spec.children)
        elif spec.kind != "fixed":
            out.append(spec)
    return out


# ---------------------------------------------------------------- help text from the reference


@functools.cache
def reference_help() -> dict[str, str]:
    """Dotted field -> the "Meaning" column of docs/profile-reference.md (empty when not shipped)."""
    doc = template_dir().parent / "docs" / "profile-reference.md"
    try:
        text = doc.read_text(encoding="utf-8")
    except OSError:
        return {}
    section = ""
    found: dict[str, str] = {}
    for line in text.splitlines():
        heading = re.match(r"^#{2,3} (.+)$", line)
        if heading:
            title = heading.group(1).strip()
            section = "" if title.lower().startswith("top level") else title.strip("`")
            continue
        row = re.match(r"^\| `([a-z_0-9]+)` \|(.*)\|\s*$", line)
        if row:
            cells = [c.strip() for c in row.group(2).split("|")]
            key = f"{section}.{row.group(1)}" if section else row.group(1)
            found[key] = cells[-1]
    return found


# ---------------------------------------------------------------- values shown in the form


def flat_values(specs: list[Spec], data: Any) -> dict[str, Any]:
    """Form name -> value to show, from nested data (a profile's YAML or a posted form)."""
    values: dict[str, Any] = {}

    def walk(items: list[Spec], node: Any, prefix: tuple[str, ...]) -> None:
        node = node if isinstance(node, dict) else {}
        for spec in items:
            key = spec.path[-1]
            name = ".".join((*prefix, key))
            value = node.get(key)
            if spec.kind == "group":
                walk(spec.children, value, (*prefix, key))
            elif spec.kind == "groups":
                rows = value if isinstance(value, list) else []
                values[name] = len(rows)
                for index, row in enumerate(rows):
                    walk(spec.children, row, (*prefix, key, str(index)))
            elif spec.kind in ("texts", "enums"):
                values[name] = [_shown(v) for v in value] if isinstance(value, list) else []
            elif spec.kind == "wording":
                values[name] = None if isinstance(value, dict) else _shown(value)
                for code, text in (value.items() if isinstance(value, dict) else ()):
                    values[f"{name}.{code}"] = _shown(text)
            elif key in node:
                values[name] = _shown(value)
            else:
                values[name] = _shown(spec.default)

    walk(specs, data, ())
    return values


def _shown(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e15 else str(value)
    return str(value) if not isinstance(value, list | dict) else value


# ---------------------------------------------------------------- the posted form back into data


def form_data(specs: list[Spec], form: Any) -> dict[str, Any]:
    """The posted form as nested data, every field present (None when left empty).

    Values are typed where they read cleanly (numbers, dates, yes/no); anything else is kept as the
    typed text, so the profile's own checks refuse it with the CLI's message.
    """

    def get(name: str) -> str | None:
        value = form.get(name)
        return value if isinstance(value, str) else None

    def build(items: list[Spec], prefix: tuple[str, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in items:
            key = spec.path[-1]
            name = ".".join((*prefix, key))
            if spec.kind == "fixed":
                out[key] = spec.default
            elif spec.kind == "group":
                out[key] = build(spec.children, (*prefix, key))
            elif spec.kind == "groups":
                count = _count(get(f"{name}.count"))
                rows = [build(spec.children, (*prefix, key, str(i))) for i in range(count)]
                out[key] = [row for row in rows if any(v not in (None, [], False) for v in row.values())]
            elif spec.kind == "enums":
                chosen = form.getlist(name) if hasattr(form, "getlist") else []
                out[key] = [value for value, _ in spec.choices if value in chosen]
            elif spec.kind == "texts":
                raw = form.getlist(name) if hasattr(form, "getlist") else []
                out[key] = [item.strip() for item in raw if isinstance(item, str) and item.strip()]
            elif spec.kind == "wording":
                common = _typed(spec, get(name))
                per = {code: text for code, _ in spec.choices
                       if (text := _typed(spec, get(f"{name}.{code}")))}
                if per and common:  # the every-language box stands for the clinic's own language
                    per = {get("language") or "en": common, **per}
                out[key] = per or common
            elif spec.kind == "bool":
                out[key] = get(name) == "true"
            elif spec.kind == "tribool":
                out[key] = {"true": True, "false": False}.get(get(name) or "")
            else:
                out[key] = _typed(spec, get(name))
        return out

    return build(specs, ())


def _count(text: str | None) -> int:
    return min(int(text), 200) if text and text.isdigit() else 0


def _typed(spec: Spec, raw: str | None) -> Any:
    text = (raw or "").strip() if spec.kind != "longtext" else (raw or "").replace("\r\n", "\n").strip()
    if not text:
        return None
    try:
        if spec.kind == "int" and re.fullmatch(r"[-+]?\d{1,18}", text):
            return int(text)
        if spec.kind == "float" and re.fullmatch(r"[-+]?(\d{1,18}(\.\d{0,18})?|\.\d{1,18})", text):
            return float(text)
        if spec.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        return text
    return text


def prune(specs: list[Spec], data: dict[str, Any]) -> dict[str, Any]:
    """Drop optional groups left wholly empty (a representative nobody named is not given)."""
    out = dict(data)
    for spec in specs:
        key = spec.path[-1]
        if spec.kind == "group" and isinstance(out.get(key), dict):
            inner = prune(spec.children, out[key])
            empty = all(_blank(v, s) for v, s in ((inner.get(s.path[-1]), s) for s in spec.children))
            out[key] = None if spec.optional_group and empty else inner
    return out


def _blank(value: Any, spec: Spec) -> bool:
    if spec.kind == "group":
        return value is None or (isinstance(value, dict) and all(
            _blank(value.get(c.path[-1]), c) for c in spec.children))
    return value in (None, [], "") or (spec.kind == "bool" and value == spec.default) or (
        spec.kind == "enum" and value == spec.default)


def grow(specs: list[Spec], values: dict[str, Any], name: str) -> None:
    """"Add another" on a list: one more empty row in the values shown."""
    for spec in leaves(specs) + [s for s in _all(specs) if s.kind == "groups"]:
        if spec.name == name and spec.kind == "texts":
            values[name] = [*values.get(name, []), ""]
        elif spec.name == name and spec.kind == "groups":
            values[name] = int(values.get(name, 0)) + 1


def every_spec(specs: list[Spec]) -> list[Spec]:
    """Every spec, groups and their fields, depth first (not the rows of a list of groups)."""
    return _all(specs)


def _all(specs: list[Spec]) -> list[Spec]:
    out = []
    for spec in specs:
        out.append(spec)
        if spec.kind == "group":
            out += _all(spec.children)
    return out


def field_for(specs: list[Spec], dotted: str) -> Spec | None:
    """The spec a problem's field (patient.comorbidities[0], referrals[1].name) belongs to."""
    parts = [p for p in re.split(r"[.\[\]]+", dotted) if p and not p.isdigit()]
    current = specs
    found = None
    for part in parts:
        match = next((s for s in current if s.path[-1] == part), None)
        if match is None:
            break
        found = match
        current = match.children
    return found


def reference_path() -> Path:
    return template_dir().parent / "docs" / "profile-reference.md"
