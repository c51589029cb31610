"""A hypothesis strategy for valid profiles, built by walking the schema (sop_packets/schema.py).

Every field of every section is drawn from its type: enums from their values, booleans, numbers inside
their bounds (with the clinical thresholds near the edges), lists of enum values, nested sections, and a
few realistic texts for free-text fields. Optional fields may be left out, so "not set" is drawn too. A
new field in the schema is drawn without any change here. `profiles()` gives validated `Profile`s;
`profile_dicts()` gives the YAML-shaped dicts (for invariants that add a fact and compare).

Shared by the invariant suites (tests/test_invariants.py and any later one).
"""

from __future__ import annotations

import copy
import types
import typing
from datetime import date
from enum import Enum
from typing import Any

import annotated_types
from hypothesis import strategies as st
from pydantic import BaseModel

from sop_packets.schema import Profile

# Free text, by field name (other texts draw from TEXT). Risk words are included on purpose.
TEXT = ["Ana Ruiz", "Dr. Lee", "Skin Clinic", "555-0100"]
TEXTS: dict[str, list[str]] = {
    "comorbidities": ["type 2 diabetes", "heart disease", "kidney transplant", "numb cheek", "hearing loss"],
    "cancer_type_detail": ["dermatofibrosarcoma protuberans", "SCC with perineural invasion",
                           "melanoma with satellite lesions", "atypical Spitz tumor"],
    "differential_diagnoses": ["Spitz nevus", "keratoacanthoma"],
    "relationship": ["daughter", "mother", "son"],
    "said_by": ["Dr. Ana Ruiz", "Dr. Lee"],
    "role": ["surgeon", "dermatologist", "oncologist"],
    "phone": ["555-0100", "(614) 555-0101", "+44 20 7946 0000"],
}
# Values near the thresholds the rules use (mm): melanoma 0.8 / 1 / 2 / 4, SCC depth 6, size 10 / 20 / 40.
EDGES = {"breslow_mm": [0.5, 0.8, 1.0, 1.2, 2.0, 2.5, 4.0, 4.5],
         "tumor_depth_mm": [1.0, 2.0, 6.0, 6.5, 9.0],
         "size_mm": [4.0, 9.0, 10.0, 15.0, 20.0, 21.0, 24.0, 39.0, 40.0, 41.0, 60.0]}
FIXED: dict[str, st.SearchStrategy[Any]] = {
    "schema_version": st.just(1),
    "id": st.just("p-1"),
    "fhir_id": st.none(),
    "date_of_birth": st.none(),  # age is drawn instead (one of the two is required)
    "age": st.integers(0, 100),
    "language": st.sampled_from([None, "en", "es", "es-US", "pt-BR"]),
    "country": st.sampled_from([None, "US", "CA", "MX", "DE"]),
    "coordinator_note": st.sampled_from([None, "We are here to help.", "She has new tingling near the spot."]),
}
DAYS = st.dates(date(2020, 1, 1), date(2026, 11, 1))


def _bounds(metadata: list[Any]) -> tuple[float, float]:
    low, high = 0.0, 100.0
    for item in metadata:
        if isinstance(item, annotated_types.Ge | annotated_types.Gt):
            low = float(getattr(item, "ge", None) or getattr(item, "gt", None) or 0) + (
                0.1 if isinstance(item, annotated_types.Gt) else 0)
        if isinstance(item, annotated_types.Le | annotated_types.Lt):
            high = float(getattr(item, "le", None) or getattr(item, "lt", None))
    return low, high


def _for_type(name: str, annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    if name in FIXED:
        return FIXED[name]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _for_type(name, args[0], [*metadata, *args[1:]])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return st.one_of(st.none(), *(_for_type(name, a, metadata) for a in inner))
    if origin is list:
        limit = next((m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen)), 4)
        return st.lists(_for_type(name, args[0], []), max_size=min(limit, 4), unique=True)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sections(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([member.value for member in annotation])
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        low, high = _bounds(metadata)
        return st.integers(int(low), int(high))
    if annotation is float:
        low, high = _bounds(metadata)
        edges = [value for value in EDGES.get(name, []) if low <= value <= high]
        return st.one_of(st.sampled_from(edges), st.floats(low, min(high, 80.0))) if edges \
            else st.floats(low, min(high, 80.0))
    if annotation is date:
        return DAYS
    if annotation is str:
        return st.sampled_from(TEXTS.get(name, TEXT))
    raise TypeError(f"profile_strategy: no strategy for {name}: {annotation!r}")


def sections(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict for one schema section: required fields always, optional ones drawn or left out."""
    required, optional = {}, {}
    for name, field in model.model_fields.items():
        strategy = _for_type(name, field.annotation, list(field.metadata))
        (required if field.is_required() or name == "age" else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def _consistent(data: dict[str, Any]) -> dict[str, Any]:
    """Repair the few cross-field rules the schema enforces (so every draw is a valid profile)."""
    data = copy.deepcopy(data)
    patient = data["patient"]
    if patient.get("immune_reasons") and patient.get("weakened_immune_system") is False:
        patient.pop("weakened_immune_system")
    if "hiv" in patient.get("immune_reasons", ()) and patient.get("hiv") == "negative":
        patient["hiv"] = "unknown"
    if "no_phone" in patient.get("communication", ()):  # a phone of their own says otherwise
        patient.pop("phone", None)
    review = data.get("review")
    if isinstance(review, dict):  # a check is the app's to write (its hash is of the content checked)
        review.pop("content_hash", None)
        if review.get("status") == "checked":
            review["status"] = "sent_for_review"
    if patient.get("decides_for_self") is False and not patient.get("representative"):
        patient["representative"] = {"name": "Rosa Ruiz", "relationship": "daughter",
                                     "authority": "health_care_agent"}
    answer = data.get("treatment_plan", {}).get("timing_answer")
    if answer is not None:
        if answer.get("safe_to_wait", "not_asked") != "not_asked" and not answer.get("said_by"):
            answer["said_by"] = "Dr. Lee"
        if answer.get("until") and answer.get("safe_to_wait") != "yes":
            answer.pop("until")
    return data


def profile_dicts() -> st.SearchStrategy[dict[str, Any]]:
    """Valid profiles as YAML-shaped dicts."""
    return sections(Profile).map(_consistent)


def profiles() -> st.SearchStrategy[Profile]:
    """Valid profiles."""
    return profile_dicts().map(Profile.model_validate)
