"""Urgency: how soon to act (urgent, prompt or routine), and the facts that set the level."""

from __future__ import annotations

from .facts import Because, Facts, _high_risk_bcc, _high_risk_scc, _very_high_risk_scc, both


def urgency_level(f: Facts) -> tuple[str, Because]:
    """One level (urgent, prompt, routine) and the facts that set it."""
    urgent = (f.any("rapidly_changing", "type_merkel")
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
    prompt = (f.any("invasive_melanoma", "type_lymphoma", "type_kaposi", "type_other", "type_uncertain")
              or _high_risk_scc(f) or _high_risk_bcc(f))
    if prompt:
        return "prompt", prompt
    return "routine", f.any("second_opinion_optional") or f.any("type_bcc", "type_scc")
