"""diagnosis.stage from the Condition's stage summary and the mCODE TNM stage group Observation.

Both are read; when they disagree the stage is written as unknown with both sources in the comment
and a warning (a stage without its letter, III, agrees with IIIC)."""

from __future__ import annotations

from .. import Draft, codes
from .codetable import CancerCode, code_of, stage_from
from .common import IGNORED_STATUS, Item, PatientData, codings, dated_key, display, effective
from .grouping import Index

ASSESSMENT = ("ClinicalImpression", "DiagnosticReport", "Observation")  # Condition.stage.assessment's targets


def map_stage(draft: Draft, item: Item, found: CancerCode, data: PatientData, index: Index, notice) -> None:
    condition = item.model
    readings: list[tuple[str, str]] = []
    for stage in condition.stage or []:
        if stage.summary is not None:
            if hit := stage_from(stage.summary):
                readings.append((hit[0], f"{item.key} stage.summary {hit[1]}"))
                break
            notice(
                item.key,
                "diagnosis.stage",
                f"stage.summary '{(display(stage.summary) or '?')[:80]}' is not "
                "a stage this import can read; write it by hand",
            )
    assessed = {
        target.rowid
        for stage in condition.stage or []
        for ref in stage.assessment or []
        if (target := index.resolve(ref, item, "stage.assessment", ASSESSMENT))
    }
    stage_codes = set(codes()["stage_observations"])
    observations = []
    for obs_item in data.observations:
        obs = obs_item.model
        if not any(code_of(c) in stage_codes for c in codings(obs.code)) or obs.status in IGNORED_STATUS:
            continue
        focus = {t.rowid for ref in obs.focus or [] if (t := index.resolve(ref, obs_item, "focus", None))}
        if obs_item.rowid in assessed or item.rowid in focus or (not focus and len(data.conditions) == 1):
            observations.append(obs_item)
    observations.sort(key=effective, reverse=True)
    for obs_item in observations[:1]:
        if hit := stage_from(obs_item.model.valueCodeableConcept):
            readings.append((hit[0], f"{dated_key(obs_item)} (TNM stage group) {hit[1]}"))
        else:
            shown = (display(obs_item.model.valueCodeableConcept) or "?")[:80]
            notice(
                obs_item.key,
                "diagnosis.stage",
                f"stage group '{shown}' is not a stage this import can read; write it by hand",
            )
    if found.stage:
        readings.append((found.stage, f"{item.key} code {found.coding.code} (in situ)"))
    if not readings:
        return
    groups = {_group(stage) for stage, _ in readings}
    precise = {stage for stage, _ in readings if stage != _group(stage)}
    if len(groups) > 1 or len(precise) > 1:
        listed = "; ".join(f"{source}: {stage}" for stage, source in readings)
        draft.set("diagnosis.stage", "unknown", f"stages disagree: {listed}")
        notice(
            item.key, "diagnosis.stage", f"the stages disagree ({listed}); wrote 'unknown': check the chart"
        )
        return
    stage, source = max(readings, key=lambda r: len(r[0]))
    draft.set("diagnosis.stage", stage, source)


def _group(stage: str) -> str:
    return stage if stage in ("0", "unknown") else stage.rstrip("ABCD")
