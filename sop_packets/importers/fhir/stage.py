"""diagnosis.stage from the Condition or the mCODE TNM stage group Observation."""

from __future__ import annotations

from datetime import date

from .. import Draft, codes
from .codetable import (
    CancerCode,
    stage_from,
)
from .common import (
    IGNORED_STATUS,
    Item,
    PatientData,
    code_label,
    codings,
    date_of,
    display,
)
from .reading import Index


def map_stage(draft: Draft, item: Item, found: CancerCode, data: PatientData, index: Index, notice) -> None:
    condition = item.model
    for stage in condition.stage or []:
        if stage.summary is not None:
            if hit := stage_from(stage.summary):
                draft.set("diagnosis.stage", hit[0], f"{item.key} stage.summary {hit[1]}")
                return
            notice(item.key, "diagnosis.stage", f"stage.summary '{display(stage.summary) or '?'}' is not a "
                   "stage this import can read; write it by hand")
    assessed = {id(target) for stage in condition.stage or [] for ref in stage.assessment or []
                if (target := index.resolve(ref))}
    observations = []
    stage_codes = set(codes()["stage_observations"])
    for obs_item in data.observations:
        obs = obs_item.model
        if not any(c.code in stage_codes for c in codings(obs.code)) or obs.status in IGNORED_STATUS:
            continue
        focus = {id(t) for ref in obs.focus or [] if (t := index.resolve(ref))}
        if id(obs_item) in assessed or id(item) in focus or (not focus and len(data.conditions) == 1):
            observations.append(obs_item)
    observations.sort(key=lambda o: date_of(o.model.effectiveDateTime) or date.min, reverse=True)
    for obs_item in observations:
        if hit := stage_from(obs_item.model.valueCodeableConcept):
            draft.set("diagnosis.stage", hit[0], f"{obs_item.key} (TNM stage group) {hit[1]}")
            return
        shown = display(obs_item.model.valueCodeableConcept) or "?"
        notice(obs_item.key, "diagnosis.stage", f"stage group '{shown}' is not a stage this import can read; "
               "write it by hand")
        break
    if found.stage:
        draft.set("diagnosis.stage", found.stage, f"{item.key} code {code_label(found.coding)} (in situ)")


