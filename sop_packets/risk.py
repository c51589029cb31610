"""Risk the way the guidelines score it. Pure functions of the profile, no I/O.

- NCCN risk groups (NCCN Guidelines, Basal Cell Skin Cancer and Squamous Cell Skin Cancer, versions
  from 2022 on): BCC low or high; SCC low, high or very high. Location: the head, neck, hands, feet,
  shins (pretibial) and genitals (anogenital) count at any size; on the trunk and limbs a BCC of 2 cm or
  more and an SCC over 2 cm count; any SCC over 4 cm is very high risk.
- AJCC 8th edition T category and stage for cutaneous SCC of the head and neck, derived when no stage is
  given (nodes and spread unknown: the stage assumes none, and says so).
- AJCC 8th edition melanoma T category from Breslow depth and ulceration, and the stage it gives when
  nothing has spread.

Every group and stage comes with its reasons: fact keys that `templates/content/<lang>/because.yaml`
puts in words. A field that is not filled in never raises a risk; the packet asks about it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import (
    BodySite,
    Borders,
    CancerType,
    Diagnosis,
    Differentiation,
    MelanomaSubtype,
    Profile,
    SentinelNode,
    Stage,
)

HEAD_NECK = frozenset({BodySite.face, BodySite.scalp, BodySite.ear, BodySite.nose, BodySite.lip,
                       BodySite.eyelid, BodySite.neck})
# Hands, feet (with ankles and shins in the AAD Mohs criteria) and genitals: risk at any size.
HANDS_FEET_GENITALS = frozenset({BodySite.hand, BodySite.foot, BodySite.genitals})
TRUNK_AND_LIMBS = frozenset({BodySite.chest, BodySite.abdomen, BodySite.back, BodySite.arm, BodySite.leg})
SCC_HIGH_OVER_MM = 20  # trunk or limb: more than 2 cm is high risk (NCCN SCC)
BCC_HIGH_FROM_MM = 20  # trunk or limb: 2 cm or more is high risk (NCCN BCC)
SCC_VERY_HIGH_OVER_MM = 40  # any site: more than 4 cm is very high risk (NCCN SCC)
SCC_DEEP_OVER_MM = 6  # deeper than 6 mm (or beyond the fat) is very high risk and AJCC T3

# The facts (keys of because.yaml) that put a cancer in a group, most telling first.
SCC_VERY_HIGH = ("risk_perineural", "risk_deep_invasion", "risk_poor_differentiation", "risk_size_over_40mm")
SCC_HIGH = ("nerve_symptoms", "recurrent", "weakened_immune", "risk_prior_radiation", "risk_site_head_neck",
            "risk_site_hands_feet_genitals", "risk_size_over_20mm", "risk_borders_poorly_defined",
            "risk_aggressive_growth", "rapidly_changing", "high_risk")
BCC_HIGH = ("risk_perineural", "nerve_symptoms", "recurrent", "weakened_immune", "risk_prior_radiation",
            "risk_site_head_neck", "risk_site_hands_feet_genitals", "risk_size_over_20mm",
            "risk_borders_poorly_defined", "risk_aggressive_growth", "high_risk")
# Facts this module adds; the others above (recurrent, weakened_immune, ...) come from guidance.facts_of.
GROUP_FACTS = ("scc_very_high_risk", "nmsc_high_risk", "bcc_high_risk", "stage_derived",
               "melanoma_t_derived", "nerve_involved")


@dataclass(frozen=True)
class RiskGroup:
    """An NCCN risk group ("low", "high", "very_high") and the facts that set it."""

    group: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DerivedStage:
    """A stage worked out from the report: AJCC T category, stage if nothing spread, and the
    diagnosis fields that decided it."""

    t: str
    stage: str  # one stage, or two separated by a space when ulceration is not given ("IB IIA")
    reasons: tuple[str, ...]


def factors(profile: Profile) -> dict[str, bool]:
    """The risk factors a BCC or SCC profile holds (thresholds depend on the type)."""
    dx = profile.diagnosis
    path = dx.pathology
    size = dx.size_mm
    bcc = dx.cancer_type is CancerType.basal_cell_carcinoma
    over_2cm = size is not None and (size >= BCC_HIGH_FROM_MM if bcc else size > SCC_HIGH_OVER_MM)
    depth = path.tumor_depth_mm
    return {
        "risk_perineural": bool(path.perineural_invasion),
        "risk_deep_invasion": bool(path.invasion_beyond_fat)
        or (depth is not None and depth > SCC_DEEP_OVER_MM),
        "risk_poor_differentiation": path.differentiation is Differentiation.poor,
        "risk_size_over_40mm": size is not None and size > SCC_VERY_HIGH_OVER_MM,
        "nerve_symptoms": dx.nerve_symptoms,
        "risk_prior_radiation": dx.prior_radiation,
        "risk_site_head_neck": dx.body_site in HEAD_NECK,
        "risk_site_hands_feet_genitals": dx.body_site in HANDS_FEET_GENITALS,
        "risk_size_over_20mm": over_2cm,
        "risk_borders_poorly_defined": dx.borders is Borders.poorly_defined,
        "risk_aggressive_growth": bool(path.aggressive_growth_pattern),
    }


def _general(profile: Profile) -> dict[str, bool]:
    dx = profile.diagnosis
    return {"recurrent": dx.recurrent, "weakened_immune": profile.patient.immune_weakened,
            "rapidly_changing": dx.rapidly_changing, "high_risk": dx.high_risk}


def scc_risk(profile: Profile) -> RiskGroup:
    """NCCN risk group of a cutaneous squamous cell carcinoma."""
    holds = factors(profile) | _general(profile)
    if very_high := tuple(key for key in SCC_VERY_HIGH if holds[key]):
        return RiskGroup("very_high", very_high + tuple(key for key in SCC_HIGH if holds[key]))
    if high := tuple(key for key in SCC_HIGH if holds[key]):
        return RiskGroup("high", high)
    return RiskGroup("low", ())


def bcc_risk(profile: Profile) -> RiskGroup:
    """NCCN risk group of a basal cell carcinoma (nerve symptoms count, as a sign of nerve spread)."""
    holds = factors(profile) | _general(profile)
    if high := tuple(key for key in BCC_HIGH if holds[key]):
        return RiskGroup("high", high)
    return RiskGroup("low", ())


def _nodes_or_spread(dx: Diagnosis) -> bool:
    return bool(dx.clinical_nodes) or dx.unknown_primary or dx.sentinel_node is SentinelNode.positive


def scc_head_neck_stage(profile: Profile) -> DerivedStage | None:
    """AJCC 8 T and stage of a head-and-neck SCC with no stage given, assuming no nodes and no spread.

    T1 under 2 cm; T2 2 to under 4 cm; T3 4 cm or more, perineural invasion, or deep invasion (more
    than 6 mm or beyond the fat). Bone invasion (T4) is not in the profile, so T4 is never derived.
    None when the stage is given, the site is not the head or neck, nodes are involved, or nothing
    decides T.
    """
    dx = profile.diagnosis
    if (dx.cancer_type is not CancerType.squamous_cell_carcinoma or dx.stage is not Stage.unknown
            or dx.body_site not in HEAD_NECK or _nodes_or_spread(dx)):
        return None
    holds = factors(profile)
    t3 = tuple(field for key, field in (("risk_perineural", "pathology.perineural_invasion"),
                                        ("risk_deep_invasion", "pathology.tumor_depth_mm"))
               if holds[key])
    size = dx.size_mm
    if size is not None and size >= 2 * SCC_HIGH_OVER_MM:
        t3 = ("size_mm", *t3)
    if t3:
        return DerivedStage("T3", "III", t3)
    if size is None:
        return None
    return DerivedStage("T2", "II", ("size_mm",)) if size >= SCC_HIGH_OVER_MM else \
        DerivedStage("T1", "I", ("size_mm",))


# Stage when nothing has spread; with ulceration not given, either of two ("IB IIA": IB or IIA).
MELANOMA_STAGE = {"T1a": "IA", "T1b": "IA", "T1": "IA", "T2a": "IB", "T2b": "IIA", "T2": "IB IIA",
                  "T3a": "IIA", "T3b": "IIB", "T3": "IIA IIB", "T4a": "IIB", "T4b": "IIC", "T4": "IIB IIC"}


def melanoma_t(profile: Profile) -> DerivedStage | None:
    """AJCC 8 melanoma T category from Breslow depth and ulceration, and its stage if nothing spread.

    T1a under 0.8 mm without ulceration; T1b under 0.8 mm with ulceration, or 0.8 to 1.0 mm; T2 to
    2.0 mm, T3 to 4.0 mm, T4 over 4.0 mm, each "a" without and "b" with ulceration (no letter when
    ulceration is not given). None when the stage is given, the depth is not, or nodes are involved, and
    for mucosal melanoma, which is not staged like a skin melanoma.
    """
    dx = profile.diagnosis
    mel = dx.melanoma
    if (dx.cancer_type is not CancerType.melanoma or dx.stage is not Stage.unknown
            or mel.breslow_mm is None or _nodes_or_spread(dx) or mel.subtype is MelanomaSubtype.mucosal):
        return None
    depth, ulcerated = mel.breslow_mm, mel.ulcerated
    reasons = ("melanoma.breslow_mm",) + (("melanoma.ulcerated",) if ulcerated is not None else ())
    if depth <= 1.0:
        t = "T1b" if depth >= 0.8 or ulcerated else "T1a" if ulcerated is False else "T1"
    else:
        t = "T2" if depth <= 2.0 else "T3" if depth <= 4.0 else "T4"
        if ulcerated is not None:
            t += "b" if ulcerated else "a"
    return DerivedStage(t, MELANOMA_STAGE[t], reasons)


def risk_facts(profile: Profile) -> tuple[dict[str, bool], dict[str, str]]:
    """The facts and values guidance.facts_of adds: factors, groups and a derived stage."""
    dx = profile.diagnosis
    holds = factors(profile)
    scc = dx.cancer_type is CancerType.squamous_cell_carcinoma
    bcc = dx.cancer_type is CancerType.basal_cell_carcinoma
    group = scc_risk(profile) if scc else bcc_risk(profile) if bcc else RiskGroup("", ())
    derived = scc_head_neck_stage(profile) or melanoma_t(profile)
    holds |= {
        "scc_very_high_risk": scc and group.group == "very_high",
        "nmsc_high_risk": group.group in ("high", "very_high"),
        "bcc_high_risk": bcc and group.group == "high",
        "stage_derived": derived is not None,
        "melanoma_t_derived": derived is not None and dx.cancer_type is CancerType.melanoma,
        "nerve_involved": (scc or bcc) and (holds["risk_perineural"] or holds["nerve_symptoms"]),
    }
    values = {"risk_group": group.group, "derived_stage": derived.stage if derived else "",
              "derived_t": derived.t if derived else ""}
    return holds, values
