"""Facts about the plan, the phase of care, the treatment now, the money and the reader. Pure.

guidance.facts_of merges these yes/no facts with the diagnosis facts; the rules in guidance/rules.py
use them. Kept apart from the guidance package so each module holds one concern:

- the plan: is the primary tumour out, what the sentinel node showed, who would do the proposed
  treatment, and whether it is a plan a second opinion exists to weigh (observation, node dissection
  after a positive sentinel node, light treatment, multi-agent chemotherapy for a T-cell skin lymphoma).
  The rules never judge whether a plan should be kept: only a clinician does (guidance/kinds.py);
- the treatment now: on, or recently off, immunotherapy or targeted therapy (the "call at once" box);
- the reader: the patient, a child's parent, a teenager with a parent, or a representative.
"""

from __future__ import annotations

from datetime import date

from .schema import (
    CancerType,
    CoverageType,
    KaposiType,
    LymphomaType,
    MelanomaSubtype,
    Performer,
    Profile,
    SentinelNode,
    SideEffects,
    Therapy,
    TherapyStatus,
    Treatment,
)

RECENT_DAYS = 365  # "recently off" a drug that can still cause immune or drug side effects
TEEN_AGE = 13
ADULT_AGE = 18
# Plans a second opinion exists to weigh (the indications say why; the packet never judges the plan).
WEIGH = {Treatment.observation, Treatment.completion_lymph_node_dissection, Treatment.phototherapy,
         Treatment.photopheresis}
NODE_SURGEONS = {Performer.surgical_oncologist}


def situation_facts(profile: Profile, today: date, age: int) -> dict[str, bool]:
    """The plan, treatment-now, insurance-situation and reader facts of one profile."""
    patient, dx, plan = profile.patient, profile.diagnosis, profile.treatment_plan
    now = profile.current_treatment
    proposed = set(plan.proposed)
    melanoma = dx.cancer_type is CancerType.melanoma
    lymphoma = dx.cancer_type is CancerType.skin_lymphoma
    sentinel = dx.sentinel_node
    sentinel_done = sentinel in (SentinelNode.negative, SentinelNode.positive)
    # A dissection after a positive sentinel node with no nodes felt or seen is a completion dissection.
    completion = Treatment.completion_lymph_node_dissection in proposed or (
        Treatment.lymph_node_dissection in proposed and sentinel is SentinelNode.positive
        and not dx.clinical_nodes)
    # a stop date not given counts as recent: the warning signs are worth knowing until someone says otherwise
    recent = now.status is TherapyStatus.ongoing or now.stopped_on is None or (
        (today - now.stopped_on).days <= RECENT_DAYS)
    side_effects = now.serious_side_effects in (SideEffects.current, SideEffects.past)
    alert = recent or side_effects
    representative = patient.representative
    speaks_for = representative is not None and not patient.decides_for_self and age >= ADULT_AGE
    # multi-agent chemotherapy is mostly a later line for T-cell skin lymphomas (mycosis fungoides, Sézary),
    # but first-line (with rituximab) for diffuse large B-cell lymphoma, leg type: only the former is weighed
    lymphoma_chemo = lymphoma and Treatment.chemotherapy in proposed \
        and dx.lymphoma_type in (LymphomaType.mycosis_fungoides, LymphomaType.sezary_syndrome)
    facts = {
        "primary_removed": bool(dx.primary_removed),
        "unknown_primary": dx.unknown_primary,
        "clinical_nodes": bool(dx.clinical_nodes),
        "sentinel_positive": sentinel is SentinelNode.positive,
        "sentinel_negative": sentinel is SentinelNode.negative,
        "sentinel_planned": sentinel is SentinelNode.planned,
        "sentinel_done": sentinel_done,
        "completion_dissection": melanoma and completion,
        "lymphoma_chemotherapy": lymphoma_chemo,
        "weigh_plan": bool(proposed & WEIGH) or completion or lymphoma_chemo,
        "treatment_planned": bool(proposed - {Treatment.observation}),
        "performer_node_surgeon": plan.performed_by in NODE_SURGEONS,
        "performer_unknown": plan.performed_by is Performer.unknown,
        "desmoplastic_melanoma": melanoma and dx.melanoma.subtype is MelanomaSubtype.desmoplastic,
        "kaposi_classic": dx.cancer_type is CancerType.kaposi_sarcoma and dx.kaposi_type is KaposiType.classic
        and not patient.hiv_positive,
        "on_immunotherapy": Therapy.immunotherapy in now.therapies and alert,
        "on_targeted_therapy": Therapy.targeted_therapy in now.therapies and alert,
        "serious_side_effects": side_effects and bool(now.therapies),
        # the skin-layers drawing and its caption speak of a melanoma's depth: not once it has spread to
        # distant organs (stage IV), where the depth no longer guides the plan (issue 28)
        "depth_matters": melanoma and not dx.unknown_primary
        and dx.melanoma.subtype is not MelanomaSubtype.mucosal and dx.stage.group != "IV",
        "coverage_unknown": profile.insurance.coverage_type is CoverageType.unknown,
        "abroad_with_insurance": patient.seeking_care_abroad
        and profile.insurance.coverage_type is not CoverageType.none,
        "teen": TEEN_AGE <= age < ADULT_AGE,
        "young_child": age < TEEN_AGE,
        "represented": speaks_for,
    }
    return facts


def reader_voice(facts: dict[str, bool]) -> str:
    """Who reads the packet: "self", "parent" (a child under 13), "teen" (13-17, with a parent) or
    "representative" (an adult who does not decide alone)."""
    if facts["young_child"]:
        return "parent"
    if facts["teen"]:
        return "teen"
    return "representative" if facts["represented"] else "self"
