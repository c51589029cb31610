"""Insurance from the active Coverage."""

from __future__ import annotations

from .. import Draft, codes
from .codetable import (
    lookup_prefix,
)
from .common import (
    SOPT,
    PatientData,
    code_label,
    codings,
    display,
    status,
    system,
)
from .grouping import Index


def map_coverage(draft: Draft, data: PatientData, index: Index, notice) -> None:
    active = [c for c in data.coverages if c.model.status == "active"]
    if not active:
        return
    if len(active) > 1:
        ordered = sorted(active, key=lambda c: c.model.order if c.model.order is not None else 10**6)
        if ordered[0].model.order is None or ordered[0].model.order == ordered[1].model.order:
            notice(
                active[0].key,
                "insurance",
                f"{len(active)} active Coverages and none is first by order "
                f"({', '.join(c.key for c in active)}); fill in the insurance by hand",
            )
            return
        active = ordered
    item = active[0]
    coverage = item.model
    sopt = codes()["sopt"]
    kind = None
    for coding in codings(coverage.type):
        if system(coding) == SOPT and (hit := lookup_prefix(sopt, (coding.code or "").strip())):
            kind = (hit[1], code_label(coding))
            break
    if kind:
        draft.set("insurance.coverage_type", kind[0], f"{item.key} type {kind[1]}")
    elif coverage.type is not None:
        notice(
            item.key,
            "insurance.coverage_type",
            f"type '{display(coverage.type) or '?'}' has no Source "
            "of Payment Typology code this import knows; set coverage_type by hand",
        )
    plan = (
        next((c.name or c.value for c in coverage.class_fhir or [] if status(c.type) == "plan"), None)
        if hasattr(coverage, "class_fhir")
        else None
    )
    if plan:
        draft.set("insurance.plan_name", plan[:200], f"{item.key} class plan")
    elif coverage.payor:
        payor = index.resolve(
            coverage.payor[0], item, "payor[0]", ("Organization", "Patient", "RelatedPerson")
        )
        name = (getattr(payor.model, "name", None) if payor else None) or coverage.payor[0].display
        if name and isinstance(name, str):
            draft.set("insurance.plan_name", name[:200], f"{item.key} payor")
