"""The JSON Schema that editors use: it accepts exactly what `sop-packets validate` accepts.

Pydantic describes the models; this adds what the loader allows on top of them: text fields take
any plain value (a phone number typed as 5550100 is text), yes/no answers, the spellings of a
stage, lower-case country codes, and "give age or date_of_birth".
"""

from __future__ import annotations

import copy
from typing import Any

from .schema import ISO_COUNTRIES, ROMAN_STAGES, Profile, Stage

# Characters refused anywhere in text (see markup.hidden_character; ZWNJ/ZWJ depend on their neighbours).
HIDDEN = (r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
          r"\u115f\u1160\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff"
          r"\uffa0\ufff9-\ufffb")
YES_NO = {"type": "string", "pattern": "^([Yy][Ee][Ss]|[Nn][Oo])$"}


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


def _stage_schema() -> dict[str, Any]:
    """Every spelling Diagnosis accepts: IIIB, iiib, Stage III-B, 3B, 3 b, the number 3, unknown."""
    numbers = {roman: str(number) for number, roman in ROMAN_STAGES.items() if number}
    forms = set()
    for stage in Stage:
        if stage is Stage.unknown:
            continue
        group, letter = stage.group, stage.value[len(stage.group):]
        for head in (group, numbers.get(group, group)):
            forms.add(_any_case(head + letter))
            if letter:
                forms.add(_any_case(head) + r"[\s-]" + _any_case(letter))
    spelled = "|".join(sorted(forms, key=len, reverse=True))
    pattern = rf"^\s*({_any_case('stage')}\s+)?({spelled})\s*$|^\s*{_any_case('unknown')}\s*$"
    return {"anyOf": [{"$ref": "#/$defs/Stage"}, {"type": "integer", "enum": sorted(ROMAN_STAGES)},
                      {"type": "string", "pattern": pattern}]}


def _country_schema() -> dict[str, Any]:
    codes = "|".join(_any_case(code) for code in sorted(ISO_COUNTRIES))
    return {"type": "string", "pattern": rf"^\s*({codes})\s*$"}


def _walk(node: Any) -> Any:
    if isinstance(node, list):
        return [_walk(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _walk(value) for key, value in node.items()}
    if node.get("type") == "boolean":
        rest = {k: v for k, v in node.items() if k != "type"}
        return {**rest, "anyOf": [{"type": "boolean"}, YES_NO]}
    if node.get("type") == "string" and not {"enum", "const", "format", "pattern"} & node.keys():
        return {**node, "type": ["string", "number", "boolean"], "pattern": f"^[^{HIDDEN}]*$"}
    return node


def profile_json_schema() -> dict[str, Any]:
    """The profile's JSON Schema (draft 2020-12)."""
    schema = copy.deepcopy(Profile.model_json_schema())
    defs = schema["$defs"]
    patient = defs["Patient"]["properties"]
    patient["country"] = {**patient["country"], "anyOf": [_country_schema(), {"type": "null"}]}
    patient["id"] = {"anyOf": [{k: v for k, v in patient["id"].items() if k not in ("title", "description")},
                               {"type": "integer", "minimum": 0}],
                     "title": patient["id"].get("title"), "description": patient["id"].get("description")}
    defs["Patient"]["anyOf"] = [
        {"required": ["age"], "properties": {"age": {"type": "integer"}}},
        {"required": ["date_of_birth"], "properties": {"date_of_birth": {"type": "string"}}},
    ]
    stage = defs["Diagnosis"]["properties"]["stage"]
    defs["Diagnosis"]["properties"]["stage"] = {**_stage_schema(), "default": stage.get("default")}
    schema = _walk(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
