"""Urgency: how soon to get the second opinion (urgent, prompt or routine), and the facts that set it.

The level is about the second opinion, never about the proposed plan: whether a plan can wait is a
clinician's answer (treatment_plan.timing_answer), which the packet states in that clinician's name.
No evidence of disease is never urgent. An aggressive named kind with active disease always is.
"""

from __future__ import annotations

from .facts import Because, Facts, _high_risk_bcc, _high_risk_scc, _very_high_risk_scc, both
from .kinds import AGGRESSIVE_KINDS


def urgency_level(f: Facts) -> tuple[str, Because]:
    """One level (urgent, prompt, routine) and the facts that set it.

    A clinician who says treatment should not wait makes the second opinion, if wanted, a matter of days:
    urgent (prompt with no evidence of disease, which is never urgent), so the box and the steps agree.
    """
    if f.holds["state_no_evidence"]:
        if f.holds["clinician_no_wait"]:
            return "prompt", ("clinician_no_wait",)
        return "routine", ("state_no_evidence",)
    if f.holds["clinician_no_wait"]:
        return "urgent", ("clinician_no_wait", *case_level(f)[1])
    return case_level(f)


def case_level(f: Facts) -> tuple[str, Because]:
    """The level the case itself calls for, whatever a clinician answered."""
    urgent = (f.any("rapidly_changing", *AGGRESSIVE_KINDS)
              + both(f.any("type_melanoma", "type_scc"), f.any("melanoma_stage_IIB_IIC", "melanoma_thick",
                                                                "stage_III", "stage_IV"))
              + (_high_risk_scc(f) if _very_high_risk_scc(f) else ()))
    if urgent:
        return "urgent", urgent + both(f.any("type_merkel"), f.any("weakened_immune"))
    if f.holds["melanoma_in_situ"]:
        return "routine", ("melanoma_in_situ",)
    if f.holds["mycosis_fungoides_early"]:
        return "routine", ("mycosis_fungoides_early",)
    if f.holds["kaposi_classic"]:
        return "routine", ("kaposi_classic",)
    if f.holds["lymphoma_b_indolent"]:
        return "routine", ("lymphoma_b_indolent",)
    prompt = (f.any("invasive_melanoma", "type_lymphoma", "type_kaposi", "type_pds", "type_sebaceous",
                    "type_afx", "unmodelled_type", "type_other", "type_uncertain", "bone_or_orbit")
              or _high_risk_scc(f) or _high_risk_bcc(f))
    if prompt:
        return "prompt", prompt
    return "routine", f.any("second_opinion_optional") or f.any("type_bcc", "type_scc")


def before_phase(f: Facts) -> str:
    """What the packet's "before ..." words point at (issue 28: never a treatment date that is not set):
    "date" (the treatment has a date), "watch" (the plan starts no treatment on a date: check-ups, a cream,
    or no plan yet), "next_step" (a treatment is going on now: before its next step) or "no_date" (a
    treatment is planned, with no date set)."""
    if f.holds["treatment_date_known"]:
        return "date"
    if f.holds["gentle_plan"]:
        return "watch"
    if f.holds["treatment_ongoing"]:
        return "next_step"
    return "no_date" if f.holds["treatment_planned"] else "watch"
