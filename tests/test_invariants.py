"""Safety invariants over thousands of generated valid profiles (risk, stage, sources, uncertain type).

Each invariant holds for every profile the schema allows; each also has an explicit case where its
premise holds and it bites (and, for the checks, a doctored case it catches), so none is vacuous. The
rules run directly (no PDF); the one HTML render is shared and covers the words on the page.
"""

from __future__ import annotations

import copy
import html as html_module
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from profile_strategy import profile_dicts

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import load_content
from sop_packets.guidance import build_guidance, item_sources
from sop_packets.render import render_html
from sop_packets.risk import bcc_risk, melanoma_t, scc_head_neck_stage, scc_risk
from sop_packets.schema import Profile

TODAY = date(2026, 11, 25)
CONTENT = {"en": load_content("en"), "es": load_content("es")}
MANY = settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
RANK = {"routine": 0, "prompt": 1, "urgent": 2}
NMSC = ("squamous_cell_carcinoma", "basal_cell_carcinoma")
ROUTINE_WORDS = {"en": ("You usually have time", "You likely have time"),
                 "es": (CONTENT["es"]["urgency"]["levels"]["routine"]["title"],)}
ASK_YOUR_DOCTOR = {"en": "Ask your doctor", "es": "Pregunte a su médico"}
CALLS_IT_CANCER = re.compile(r"\b(?:your|my|the|this|his|her|their|child's)\s+(?:skin\s+)?cancer\b"
                             r"(?! (?:centers?|doctors?|care|medicines?|specialists?))",  # "the cancer care team"
                             re.IGNORECASE)
NOT_FOR = {  # sources that belong to one kind of case: (fact that must hold, source keys)
    "melanoma": ("nccn_melanoma",), "squamous_cell_carcinoma": ("nccn_scc",),
    "basal_cell_carcinoma": ("nccn_bcc",), "merkel_cell_carcinoma": ("nccn_merkel",),
    "kaposi_sarcoma": ("nci_kaposi_pdq",), "skin_lymphoma": ("nci_ctcl_pdq",),
}


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


def _guidance(data: dict[str, Any], language: str = "en"):
    return build_guidance(Profile.model_validate(data), CONTENT[language], TODAY)


def _of_type(kinds: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(profile_dicts(), st.sampled_from(kinds)).map(
        lambda pair: _set(pair[0], "diagnosis.cancer_type", pair[1]))


def _bigger(value: float | None) -> float:
    return 41.0 if value is None else min(1000.0, value * 2 + 1)


# Adding one high-risk fact (NCCN) to any profile.
ADD_RISK = {
    "nerve symptoms": lambda d: _set(d, "diagnosis.nerve_symptoms", True),
    "prior radiation": lambda d: _set(d, "diagnosis.prior_radiation", True),
    "poorly defined": lambda d: _set(d, "diagnosis.borders", "poorly_defined"),
    "recurrent": lambda d: _set(d, "diagnosis.recurrent", True),
    "immune": lambda d: _set(d, "patient.weakened_immune_system", True),
    "perineural": lambda d: _set(d, "diagnosis.pathology.perineural_invasion", True),
    "poorly differentiated": lambda d: _set(d, "diagnosis.pathology.differentiation", "poor"),
    "aggressive pattern": lambda d: _set(d, "diagnosis.pathology.aggressive_growth_pattern", True),
    "beyond fat": lambda d: _set(d, "diagnosis.pathology.invasion_beyond_fat", True),
    "deeper": lambda d: _set(d, "diagnosis.pathology.tumor_depth_mm",
                             min(100.0, (d["diagnosis"].get("pathology", {}).get("tumor_depth_mm") or 0) + 5)),
    "larger": lambda d: _set(d, "diagnosis.size_mm", _bigger(d["diagnosis"].get("size_mm"))),
    "head or neck": lambda d: _set(d, "diagnosis.body_site", "scalp"),
    "doctor said high risk": lambda d: _set(d, "diagnosis.high_risk", True),
    "changing fast": lambda d: _set(d, "diagnosis.rapidly_changing", True),
}


def _not_lowered(before: str, after: str) -> bool:
    return RANK[after] >= RANK[before]


# ---- 1. risk is monotonic: adding a high-risk fact never lowers urgency


@MANY
@given(profile_dicts(), st.sampled_from(sorted(ADD_RISK)))
def test_adding_a_risk_fact_never_lowers_urgency(data, factor):
    before = _guidance(data).urgency.level
    after = _guidance(ADD_RISK[factor](data)).urgency.level
    assert _not_lowered(before, after), (factor, before, after)


def test_adding_a_risk_fact_raises_urgency_where_it_should():
    scc = {"schema_version": 1, "patient": {"id": "p-1", "name": "A", "age": 70},
           "diagnosis": {"cancer_type": "squamous_cell_carcinoma", "diagnosed_by": "dermatologist",
                         "body_site": "arm", "size_mm": 12}}
    assert _guidance(scc).urgency.level == "routine"
    assert _guidance(ADD_RISK["nerve symptoms"](scc)).urgency.level == "prompt"
    assert _guidance(ADD_RISK["perineural"](scc)).urgency.level == "urgent"
    assert not _not_lowered("prompt", "routine")  # the check catches a lowering


# ---- 2. a high-risk SCC or BCC is never routine, never "you usually have time"


def _nmsc_high(profile: Profile) -> bool:
    kind = profile.diagnosis.cancer_type.value
    group = scc_risk(profile) if kind == NMSC[0] else bcc_risk(profile) if kind == NMSC[1] else None
    return group is not None and group.group in ("high", "very_high")


@MANY
@given(_of_type(NMSC), st.sampled_from(["en", "es"]))
def test_high_risk_scc_or_bcc_is_never_routine(data, language):
    profile = Profile.model_validate(data)
    result = build_guidance(profile, CONTENT[language], TODAY)
    if _nmsc_high(profile) and profile.diagnosis.disease_state.value != "no_evidence_of_disease":
        assert result.urgency.level != "routine"
        words = " ".join([result.urgency.title, result.urgency.text, result.urgency.doctor_said])
        assert not any(phrase in words for phrase in ROUTINE_WORDS[language]), words
        assert not any("Many small squamous cell cancers" in line for line in result.summary.diagnosis)
    else:
        assert result.urgency.level in RANK


def test_the_temple_scc_with_nerve_invasion_is_never_told_it_has_time(temple_page):
    assert "You usually have time" not in temple_page and "not given a stage" not in temple_page
    assert "Act now" in temple_page
    low = Profile.model_validate({"schema_version": 1, "patient": {"id": "p-1", "name": "A", "age": 70},
                                  "diagnosis": {"cancer_type": "basal_cell_carcinoma", "body_site": "back",
                                                "size_mm": 8, "diagnosed_by": "dermatologist"}})
    assert not _nmsc_high(low) and build_guidance(low, CONTENT["en"], TODAY).urgency.level == "routine"


# ---- 3. a derived stage is always "about" and always "ask your doctor"


@MANY
@given(_of_type(("squamous_cell_carcinoma", "melanoma")), st.sampled_from(["en", "es"]))
def test_a_derived_stage_always_says_ask_your_doctor(data, language):
    profile = Profile.model_validate(data)
    derived = scc_head_neck_stage(profile) or melanoma_t(profile)
    summary = " ".join(build_guidance(profile, CONTENT[language], TODAY).summary.diagnosis)
    about = {"en": "about stage", "es": "más o menos en estadio"}[language]
    if derived:
        assert about in summary and ASK_YOUR_DOCTOR[language] in summary, summary
    else:
        assert about not in summary, summary


def test_a_derived_stage_is_printed_on_the_page(temple_page):
    # page one explains "lymph nodes" where it first stands (issue 28, CCI item 7)
    assert re.search(r"it is about stage III if it has not spread to lymph nodes \( ?a small gland where cancer "
                     r"often spreads first ?\) ?\. Ask your doctor", temple_page)


# ---- 4. every item's sources exist, are used, and fit the case


@MANY
@given(profile_dicts(), st.sampled_from(["en", "es"]))
def test_every_cited_source_exists_and_fits_the_case(data, language):
    profile = Profile.model_validate(data)
    result = build_guidance(profile, CONTENT[language], TODAY)
    cited = set(result.source_ids())
    assert cited <= set(CONTENT[language]["sources"])
    assert not _misattributed(profile, cited), _misattributed(profile, cited)


def _misattributed(profile: Profile, cited: set[str]) -> set[str]:
    kind = profile.diagnosis.cancer_type.value
    wrong = {key for owner, keys in NOT_FOR.items() if owner != kind for key in keys} & cited
    if kind != "melanoma" or profile.patient.age_on(TODAY) >= 18:
        wrong |= cited & {"nci_childhood_melanoma_pdq"}
    if kind == "melanoma":
        wrong |= cited & {"nci_skin_cancer_pdq"}  # the non-melanoma summary
    return wrong


def test_the_source_check_catches_a_misattribution():
    melanoma = Profile.model_validate({"schema_version": 1, "patient": {"id": "p-1", "name": "A", "age": 60,
                                                                       "weakened_immune_system": True},
                                       "diagnosis": {"cancer_type": "melanoma", "diagnosed_by": "dermatologist"}})
    assert _misattributed(melanoma, {"nccn_scc", "nccn_melanoma"}) == {"nccn_scc"}
    old = ["nccn_scc"]  # how the immune item cited before: the same guide for every cancer
    facts = build_guidance(melanoma, CONTENT["en"], TODAY)
    assert "weakened_immune_system" in [i.id for i in facts.items("indications")]
    assert item_sources(old, _facts(melanoma)) == ("nccn_scc",)
    assert item_sources(CONTENT["en"]["indications"]["weakened_immune_system"]["sources"], _facts(melanoma)) == ()


def _facts(profile: Profile):
    from sop_packets.guidance import facts_of

    return facts_of(profile, TODAY, CONTENT["en"]["words"])


# ---- 5. an uncertain growth is never called cancer


@MANY
@given(_of_type(("uncertain",)), st.sampled_from(["en"]))
def test_an_uncertain_growth_is_never_called_cancer(data, language):
    result = _guidance(data, language)
    assert not result.is_cancer
    texts = [*result.summary.diagnosis, result.urgency.text, result.urgency.doctor_said,
             *(t for s in result.sections.values() for i in s.items for t in (i.title, i.text, *i.because))]
    for text in texts:
        assert not CALLS_IT_CANCER.search(text), text


def test_the_cancer_check_bites_on_a_named_cancer():
    assert CALLS_IT_CANCER.search("Your skin cancer is small.")
    result = _guidance({"schema_version": 1, "patient": {"id": "p-1", "name": "A", "age": 60},
                        "diagnosis": {"cancer_type": "melanoma", "diagnosed_by": "dermatologist",
                                      "rapidly_changing": True}})
    assert result.is_cancer


# ---- the one rendered page, shared


@pytest.fixture(scope="module")
def temple_page() -> str:
    profile = Profile.model_validate({
        "schema_version": 1, "patient": {"id": "p-1", "name": "Test Person", "age": 78},
        "diagnosis": {"cancer_type": "squamous_cell_carcinoma", "diagnosed_by": "dermatologist",
                      "body_site": "face", "size_mm": 15, "nerve_symptoms": True, "confirmed_by_biopsy": True,
                      "pathology": {"perineural_invasion": True}},
        "treatment_plan": {"proposed": ["excision"]},
    })
    body = render_html(make_packet(profile, BuildOptions(prepared_on=TODAY))).split("<body", 1)[1]
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", body)).split())
