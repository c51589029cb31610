"""Facts about the kind of cancer, where the patient is in their care, their own conditions and how they
can be reached. Pure functions of the profile; guidance.facts_of merges them with the other facts.

- **Kinds.** The named types whose care differs (angiosarcoma, sebaceous carcinoma, atypical
  fibroxanthoma, pleomorphic dermal sarcoma, mucosal melanoma, the B-cell skin lymphomas) each get their
  own facts. A type the rules do not model (`other` that is not a named kind, a B-cell lymphoma whose kind
  is not given) is `unmodelled_type`: it takes the safe general path and never a type-specific sentence.
- **Disease state.** Active disease, no evidence of disease (follow-up), or watching by choice. There is
  no treatment date, side effect or "medicine after surgery" question without a treatment.
- **Timing.** A clinician's answer to "is it safe to wait for a second opinion?" The packet states it in
  that clinician's name; where no one has answered, it tells the patient to ask.
- **Conditions** that change the choices (transplant, autoimmune disease, genetic syndromes, blood
  thinners, heart failure, blood cancers), and the treatments each argues against.
- **Access.** Deaf or hard of hearing, no phone, in prison, in VA care: every "call" has a route the
  patient can use.
"""

from __future__ import annotations

import re

from ..schema import (
    CancerType,
    CareSetting,
    Communication,
    Condition,
    DiseaseState,
    ImmuneReason,
    LymphomaType,
    MelanomaSubtype,
    Profile,
    SafeToWait,
    StatedUrgency,
    TherapyStatus,
    Treatment,
)

DFSP = re.compile(r"dermatofibrosarcoma|\bDFSP\b", re.IGNORECASE)
# Kinds the rules name; `other` with no named kind, and B-cell lymphoma of no given kind, are unmodelled.
NAMED_KIND_FACTS = ("type_angiosarcoma", "type_sebaceous", "type_afx", "type_pds", "mucosal_melanoma",
                    "lymphoma_b_indolent", "lymphoma_b_large_leg")
# Aggressive named kinds: urgent, a team of surgery, radiation and medicine, and scans (NCCN; NCI PDQ).
AGGRESSIVE_KINDS = ("type_merkel", "type_angiosarcoma", "mucosal_melanoma", "lymphoma_b_large_leg")
# A condition -> the proposed treatments it argues against (never listed first, never "kept").
CAUTIONS: dict[str, tuple[Treatment, ...]] = {
    "cond_transplant": (Treatment.immunotherapy,),  # checkpoint drugs: rejection risk
    "cond_autoimmune_disease": (Treatment.immunotherapy,),  # checkpoint drugs: flares
    "cond_basal_cell_nevus_syndrome": (Treatment.radiation,),  # NCCN BCC: radiation contraindicated
    "cond_xeroderma_pigmentosum": (Treatment.radiation,),
    "cond_heart_failure": (Treatment.chemotherapy,),  # anthracyclines strain the heart
}
SURGERY = (Treatment.mohs_surgery, Treatment.excision, Treatment.wide_local_excision,
           Treatment.sentinel_node_biopsy, Treatment.lymph_node_dissection,
           Treatment.completion_lymph_node_dissection)


def kind_facts(profile: Profile) -> dict[str, bool]:
    """The named kinds, the unmodelled path, the aggressive kinds and the disease state."""
    dx = profile.diagnosis
    kind, lymphoma = dx.cancer_type, dx.lymphoma_type
    is_lymphoma = kind is CancerType.skin_lymphoma
    facts = {
        "mucosal_melanoma": kind is CancerType.melanoma and dx.melanoma.subtype is MelanomaSubtype.mucosal,
        "lymphoma_b_indolent": is_lymphoma and lymphoma is LymphomaType.b_cell_indolent,
        "lymphoma_b_large_leg": is_lymphoma and lymphoma is LymphomaType.b_cell_large_leg_type,
        "lymphoma_b_kind_unknown": is_lymphoma and lymphoma is LymphomaType.b_cell,
        "lymphoma_t_cell": is_lymphoma and lymphoma in (LymphomaType.mycosis_fungoides,
                                                        LymphomaType.sezary_syndrome),
        "dfsp": kind is CancerType.other and bool(DFSP.search(dx.cancer_type_detail or "")),
        "state_active": dx.disease_state is DiseaseState.active,
        "state_no_evidence": dx.disease_state is DiseaseState.no_evidence_of_disease,
        "state_watching": dx.disease_state is DiseaseState.watching,
        "bone_or_orbit": bool(dx.bone_or_orbit_invasion),
    }
    facts["type_sarcoma"] = kind in (CancerType.angiosarcoma, CancerType.pleomorphic_dermal_sarcoma)
    facts["unmodelled_type"] = (kind is CancerType.other and not facts["dfsp"]) \
        or facts["lymphoma_b_kind_unknown"]
    return facts


# Plans that start no treatment on a date: watching with check-ups, a cream or gel (issue 28: a box that
# says "left alone, cancer can grow" fights a watch-and-wait plan the doctor chose).
GENTLE_PLANS = frozenset({Treatment.observation, Treatment.topical})


def timing_facts(profile: Profile) -> dict[str, bool]:
    """A clinician's answer to "is it safe to wait for a second opinion?", the opinions so far, and
    whether anyone gave a time: a date, a clinician's answer or the first doctor's stated timing."""
    plan = profile.treatment_plan
    answer = plan.timing_answer.safe_to_wait
    now = profile.current_treatment
    timing_given = (answer is not SafeToWait.not_asked
                    or plan.urgency_stated is not StatedUrgency.not_discussed)
    no_date = plan.planned_date is None
    return {
        "gentle_plan": bool(plan.proposed) and set(plan.proposed) <= GENTLE_PLANS,
        "gentle_plan_no_date": bool(plan.proposed) and set(plan.proposed) <= GENTLE_PLANS and no_date
        and not timing_given,
        "timing_given": timing_given,
        "treatment_ongoing": bool(now.therapies) and now.status is TherapyStatus.ongoing,
        "clinician_no_wait": answer is SafeToWait.no,
        "clinician_can_wait": answer is SafeToWait.yes,
        "clinician_can_wait_until": answer is SafeToWait.yes and plan.timing_answer.until is not None,
        "timing_not_asked": answer is SafeToWait.not_asked,
        "treatment_date_known": plan.planned_date is not None,
        "prior_opinions": plan.prior_opinions > 0,
    }


def condition_facts(profile: Profile) -> dict[str, bool]:
    """`cond_<name>` for each condition (a transplant also from immune_reasons), and the cautions."""
    patient, proposed = profile.patient, set(profile.treatment_plan.proposed)
    held = set(patient.conditions)
    facts = {f"cond_{c.value}": c in held for c in Condition if c is not Condition.organ_transplant}
    facts["cond_transplant"] = (Condition.organ_transplant in held
                                or ImmuneReason.organ_transplant in patient.immune_reasons)
    facts["cond_blood_cancer"] = facts["cond_blood_cancer"] \
        or ImmuneReason.blood_cancer in patient.immune_reasons
    facts["bleeding_risk_surgery"] = (facts["cond_blood_thinner"] or facts["cond_btk_inhibitor"]) \
        and bool(proposed & set(SURGERY))
    for condition, treatments in CAUTIONS.items():
        facts[f"caution_{condition}"] = facts[condition] and bool(proposed & set(treatments))
    facts["caution_any"] = any(facts[f"caution_{condition}"] for condition in CAUTIONS)
    facts["genetic_syndrome"] = any(facts[k] for k in ("cond_basal_cell_nevus_syndrome",
                                                       "cond_xeroderma_pigmentosum", "cond_lynch_muir_torre"))
    return facts


def access_facts(profile: Profile) -> dict[str, bool]:
    """How offices can reach the patient, and who arranges their outside care."""
    patient = profile.patient
    ways = set(patient.communication)
    helper = patient.helper
    no_phone = Communication.no_phone in ways
    return {
        "deaf_sign_language": Communication.deaf_sign_language in ways,
        "hard_of_hearing": Communication.hard_of_hearing in ways
        and Communication.deaf_sign_language not in ways,
        "no_phone": no_phone,
        "no_phone_helper": no_phone and helper is not None and bool(helper.phone),
        "no_phone_no_helper": no_phone and (helper is None or not helper.phone),
        "in_prison": patient.care_setting is CareSetting.prison,
        "veterans_affairs": patient.care_setting is CareSetting.veterans_affairs,
    }


def cautioned_specialists(holds: dict[str, bool]) -> set[str]:
    """Specialists whose treatment a condition argues against: never listed first."""
    by_treatment = {Treatment.immunotherapy: "medical_oncologist",
                    Treatment.chemotherapy: "medical_oncologist", Treatment.radiation: "radiation_oncologist"}
    return {by_treatment[t] for condition, treatments in CAUTIONS.items() if holds[f"caution_{condition}"]
            for t in treatments}
