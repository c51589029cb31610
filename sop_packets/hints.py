"""Hints that tell a coordinator what to write instead: near words for enumerations, numbers with
units, and a field's own limits."""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args

from pydantic import BaseModel

Path_ = tuple[str | int, ...]


_UNITS = {"mm": 1.0, "millimeter": 1.0, "millimetre": 1.0, "cm": 10.0, "centimeter": 10.0,
          "centimetre": 10.0, "in": 25.4, "inch": 25.4, "inches": 25.4, '"': 25.4}
_NUMBER_WITH_UNIT = re.compile(r"^\s*~?\s*([0-9]{1,6}(?:[.,][0-9]{1,6})?)\s*([a-zA-Z\"]+?)s?\.?\s*$")


def unit_hint(path: Path_, value: Any) -> str:
    """For a number typed with a unit or a decimal comma: what to write instead ('; write 22, in
    millimetres'). Millimetre fields end in _mm; age is in years."""
    if not isinstance(value, str):
        return ""
    name = str(path[-1]) if path else ""
    text = value.strip()
    if re.fullmatch(r"[0-9]{1,6},[0-9]{1,6}", text):
        return f"; write {text.replace(',', '.')}, with a point"
    found = _NUMBER_WITH_UNIT.match(text)
    if not found:
        return ""
    number = float(found.group(1).replace(",", "."))
    unit = found.group(2).lower()
    if name.endswith("_mm") and unit in _UNITS:
        mm = round(number * _UNITS[unit], 2)
        return f"; write {mm:g}, in millimetres, with no unit"
    if name == "age" and unit in ("y", "yr", "year", "yo", "yrs", "years"):
        return f"; write {number:g}, in years, with no unit"
    return "; write the number alone, with no unit"


def near_word(value: Any, allowed: list[str]) -> str | None:
    """The allowed word a typed value most likely means: same but for case, spaces or dashes (A4, Mohs
    Surgery), a whole word of it (Mohs -> mohs_surgery), or a near spelling (melanom -> melanoma)."""
    typed = re.sub(r"[\s\-]+", "_", str(value)[:100].strip().casefold())
    if not typed:
        return None
    for word in allowed:
        if typed == word.casefold():
            return word
    parts = [word for word in allowed if typed in word.casefold().split("_") or
             word.casefold().startswith(typed + "_")]
    if len(parts) == 1:
        return parts[0]
    guess = difflib.get_close_matches(typed, [w.casefold() for w in allowed], n=1, cutoff=0.6)
    if guess:
        return next(word for word in allowed if word.casefold() == guess[0])
    return None


def range_words(model: type[BaseModel], path: Path_) -> str:
    """'must be between 0 and 120', from the field's own limits (with its unit when it has one)."""
    low = high = None
    low_open = high_open = False
    info = field_info(model, path)
    for rule in getattr(info, "metadata", ()) or ():
        for name, is_low, is_open in (("ge", True, False), ("gt", True, True), ("le", False, False),
                                      ("lt", False, True)):
            if getattr(rule, name, None) is not None:
                if is_low:
                    low, low_open = getattr(rule, name), is_open
                else:
                    high, high_open = getattr(rule, name), is_open
    unit = " (millimetres)" if str(path[-1]).endswith("_mm") else " (years)" if path[-1] == "age" else ""
    if low is not None and high is not None:
        if low_open:
            return f"must be more than {low:g} and at most {high:g}{unit}"
        return f"must be between {low:g} and {high:g}{unit}"
    if high is not None:
        return f"must be {'less than' if high_open else 'at most'} {high:g}{unit}"
    if low is not None:
        return f"must be {'more than' if low_open else 'at least'} {low:g}{unit}"
    return "is out of range"


def field_info(model: type[BaseModel], path: Path_) -> Any:
    """The pydantic FieldInfo at a path (list indexes skipped), or None."""
    current: Any = model
    info = None
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        current = info.annotation
        for arg in get_args(current) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
    return info
