"""Issue 25's safety invariants: the packet informs and asks, it never judges the plan.

Each invariant is a function of (profile, guidance); it is checked over thousands of generated valid
profiles (tests/profile_strategy.py draws every enum and every new field: disease state, conditions,
communication, care setting, the clinician's timing answer, the named kinds) and on an explicit case where
its premise holds, so that none is vacuous. Each guards a row of the hazard log, docs/safety.md; the
oracles read the profile directly, not the rules' facts. test_the_hazard_log_names_real_tests keeps the
log and this file in step.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from profile_strategy import profiles
from test_guidance import BASE, profile_with

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import load_content
from sop_packets.guidance import Guidance, build_guidance
from sop_packets.render import render_html
from sop_packets.schema import CancerType, Profile

TODAY = date(2026, 11, 25)
EN = load_content("en")
MANY = settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck), database=None)
ROOT = Path(__file__).parent.parent

# The tool's own judgement words: allowed only in a clinician's name.
JUDGES = re.compile(r"\bkeep (?:your|the|all)\b|should not wait|cannot wait|can't wait|not safe to wait"
                    r"|\bfits?\b|sound choice|right choice", re.IGNORECASE)
TREATMENT_WORDS = ("treatment date", "before your treatment", "Ask if it is safe to wait",
                   "side effects could this treatment", "medicine after surgery", "treatment after surgery")
URGENT_WORDS = ("Act now", "Time matters")
TYPE_NAMES = re.compile(r"melanoma|Merkel|basal cell|squamous|Kaposi|lymphoma|sarcoma|sebaceous|fibroxanthoma",
                        re.IGNORECASE)
# item id -> the kinds whose care it describes (a subtype's sentences never reach another kind)
KIND_ITEMS = {
    ("indications", "angiosarcoma_team"): {"angiosarcoma"},
    ("indications", "mucosal_melanoma_team"): {"mucosal"},
    ("indications", "large_b_cell_lymphoma"): {"b_cell_large_leg_type"},
    ("indications", "sebaceous_carcinoma_care"): {"sebaceous_carcinoma"},
    ("indications", "afx_pds_care"): {"atypical_fibroxanthoma", "pleomorphic_dermal_sarcoma"},
    ("indications", "sezary_first_treatment"): {"mycosis_fungoides", "sezary_syndrome"},
    ("indications", "staging_before_surgery"): {"skin_melanoma"},
    ("questions", "mucosal_team"): {"mucosal"},
    ("questions", "sarcoma_team"): {"angiosarcoma", "pleomorphic_dermal_sarcoma"},
    ("questions", "large_b_cell_treatment"): {"b_cell_large_leg_type"},
    ("questions", "afx_or_pds"): {"atypical_fibroxanthoma"},
    ("questions", "melanoma_breslow_depth"): {"skin_melanoma"},
    ("questions", "melanoma_ulceration"): {"skin_melanoma"},
    ("questions", "melanoma_sentinel_node"): {"skin_melanoma"},
    ("specialists", "mucosal_site_surgeon"): {"mucosal"},
    ("specialists", "sarcoma_center"): {"angiosarcoma", "pleomorphic_dermal_sarcoma"},
    ("specialists", "lymphoma_dermatologist"): {"lymphoma"},
    ("specialists", "hiv_specialist"): {"kaposi_sarcoma"},
}
TEAM = {"surgical_oncologist", "radiation_oncologist", "medical_oncologist"}
# condition -> (the proposed treatment it argues against, that treatment's specialist)
CAUTIONS = {"organ_transplant": ("immunotherapy", "medical_oncologist"),
            "autoimmune_disease": ("immunotherapy", "medical_oncologist"),
            "basal_cell_nevus_syndrome": ("radiation", "radiation_oncologist"),
            "xeroderma_pigmentosum": ("radiation", "radiation_oncologist"),
            "heart_failure": ("chemotherapy", "medical_oncologist")}


# ---- oracles: read from the profile


def clinician_said(p: Profile) -> str:
    return p.treatment_plan.timing_answer.safe_to_wait.value


def treatment_planned(p: Profile) -> bool:
    return any(t.value != "observation" for t in p.treatment_plan.proposed)


def kinds(p: Profile) -> set[str]:
    """The kind names KIND_ITEMS speaks of, for this profile."""
    dx = p.diagnosis
    found = {dx.cancer_type.value}
    if dx.cancer_type is CancerType.melanoma:
        found.add("mucosal" if dx.melanoma.subtype.value == "mucosal" else "skin_melanoma")
    if dx.cancer_type is CancerType.skin_lymphoma:
        found |= {"lymphoma", dx.lymphoma_type.value}
    return found


def unmodelled(p: Profile) -> bool:
    dx = p.diagnosis
    dfsp = re.search(r"dermatofibrosarcoma|\bDFSP\b", dx.cancer_type_detail or "", re.IGNORECASE)
    return (dx.cancer_type is CancerType.other and not dfsp) or (
        dx.cancer_type is CancerType.skin_lymphoma and dx.lymphoma_type.value == "b_cell")


def aggressive(p: Profile) -> bool:
    dx = p.diagnosis
    return (dx.cancer_type in (CancerType.merkel_cell_carcinoma, CancerType.angiosarcoma)
            or (dx.cancer_type is CancerType.melanoma and dx.melanoma.subtype.value == "mucosal")
            or (dx.cancer_type is CancerType.skin_lymphoma and dx.lymphoma_type.value == "b_cell_large_leg_type"))


def texts(g: Guidance, *sections: str) -> list[str]:
    """Every sentence the rules put on the page: items (or only those of `sections`) and the urgency box."""
    found = [] if sections else [g.urgency.title, g.urgency.text, g.urgency.doctor_said]
    for name, section in g.sections.items():
        if not sections or name in sections:
            found += [t for item in section.items for t in (item.title, item.text)]
    return [t for t in found if t]


def ids(g: Guidance, section: str) -> list[str]:
    return [item.id for item in g.items(section)]


# ---- the invariants, each guarding a row of docs/safety.md


def never_judges_the_plan(p: Profile, g: Guidance) -> None:
    """H1: no "keep", "should not wait" or "fits" unless a clinician said so, and then in their name."""
    name = p.treatment_plan.timing_answer.said_by
    for text in texts(g):
        if JUDGES.search(text):
            assert clinician_said(p) == "no" and name and name in text, text


def no_treatment_words_without_a_treatment(p: Profile, g: Guidance) -> None:
    """H2: no treatment date, side effects or medicine-after-surgery question without a proposed treatment."""
    if not treatment_planned(p):
        for text in texts(g):
            if p.diagnosis.primary_removed and "after surgery" in text:
                continue  # the spot was cut out already: treatment after that surgery is a fair question
            assert not any(words in text for words in TREATMENT_WORDS), text
        assert "ask_if_safe_to_wait" not in ids(g, "next_steps")


def no_evidence_of_disease_is_never_urgent(p: Profile, g: Guidance) -> None:
    """H3: follow-up after treatment is never urgent, and asks about the follow-up schedule."""
    if p.diagnosis.disease_state.value == "no_evidence_of_disease":
        assert g.urgency.level != "urgent"
        assert not any(words in g.urgency.title + g.urgency.text for words in URGENT_WORDS)
        assert "surveillance_schedule" in ids(g, "questions")


def kind_sentences_stay_with_their_kind(p: Profile, g: Guidance) -> None:
    """H4: a subtype's sentences never reach another kind."""
    mine = kinds(p)
    for (section, item_id), allowed in KIND_ITEMS.items():
        if item_id in ids(g, section):
            assert allowed & mine, (item_id, mine)
    if p.diagnosis.cancer_type is CancerType.skin_lymphoma:
        found = g.summary.diagnosis[0]
        assert "Many kinds grow slowly" not in found
        if "grows slowly" in found:
            assert p.diagnosis.lymphoma_type.value in ("mycosis_fungoides", "b_cell_indolent")


def unmodelled_kind_takes_the_general_path(p: Profile, g: Guidance) -> None:
    """H5: a kind the rules do not model gets the safe general path and no sentence about another type."""
    if unmodelled(p):
        assert "uncommon_type_center" in ids(g, "indications")
        assert "uncommon_cancer_center" in ids(g, "specialists")
        assert "ask_about_scans" in ids(g, "questions")
        detail = p.diagnosis.cancer_type_detail or ""
        for text in texts(g, "indications", "specialists", "questions", "records", "population_notes"):
            text = text.replace(detail, "") if detail else text
            text = text.replace("basal cell nevus syndrome", "")  # a condition's name, not a type
            if p.diagnosis.cancer_type is CancerType.skin_lymphoma:
                text = re.sub(r"(?i)B-cell lymphoma|lymphoma", "", text)
            assert not TYPE_NAMES.search(text), text


def cautioned_specialist_never_first(p: Profile, g: Guidance) -> None:
    """H6: a specialist whose treatment the patient's condition argues against is never listed first."""
    held = {c.value for c in p.patient.conditions}
    if "organ_transplant" in {r.value for r in p.patient.immune_reasons}:
        held.add("organ_transplant")
    proposed = {t.value for t in p.treatment_plan.proposed}
    cautioned = {specialist for condition, (treatment, specialist) in CAUTIONS.items()
                 if condition in held and treatment in proposed}
    listed = ids(g, "specialists")
    if cautioned and set(listed) - cautioned:
        assert listed[0] not in cautioned, (listed, cautioned)


def every_call_has_a_route(p: Profile, g: Guidance) -> None:
    """H7: every "call" step has a route this patient can use."""
    ways = {c.value for c in p.patient.communication}
    access = ids(g, "access")
    if "deaf_sign_language" in ways:
        assert "relay_deaf" in access
    elif "hard_of_hearing" in ways:
        assert "captions_hard_of_hearing" in access
    if "no_phone" in ways:
        helper = p.patient.helper
        assert ("helper_calls" if helper and helper.phone else "no_phone_navigator") in access
    setting = p.patient.care_setting.value
    if setting == "prison":
        assert "prison_health_services" in access
        for text in texts(g, "next_steps", "insurance_steps"):
            assert not re.search(r"\bCall\b|insurance plan|your plan\b", text), text
    if setting == "veterans_affairs":
        assert "va_care_team" in access and "call_insurance" not in ids(g, "next_steps")
        for text in texts(g, "next_steps", "insurance_steps"):
            assert "network" not in text, text


def aggressive_kind_is_urgent_and_multimodal(p: Profile, g: Guidance) -> None:
    """H8: an aggressive named kind with active disease is urgent, seen by a team, with scans."""
    if aggressive(p) and p.diagnosis.disease_state.value != "no_evidence_of_disease":
        assert g.urgency.level == "urgent"
        team = TEAM & set(ids(g, "specialists"))
        no_radiation = {"basal_cell_nevus_syndrome", "xeroderma_pigmentosum"} & {c.value for c in
                                                                                p.patient.conditions}
        assert len(team) >= (1 if no_radiation else 2), ids(g, "specialists")
        assert "imaging" in ids(g, "records") and "ask_about_scans" in ids(g, "questions")


def box_and_steps_agree(p: Profile, g: Guidance) -> None:
    """H9: the page-one box and the first steps never disagree about timing."""
    answer, steps = clinician_said(p), ids(g, "next_steps")
    if answer == "no":
        assert steps[0] == "clinician_no_wait" and "not safe to wait" in g.urgency.doctor_said
        assert g.urgency.title not in (EN["urgency"]["levels"]["routine"]["title"], "There is time")
    elif answer == "yes":
        assert steps[0] == "clinician_can_wait" and "not safe" not in g.urgency.doctor_said
        assert re.search(r"time|safe to wait", g.urgency.doctor_said)
    else:
        assert not any(s.startswith("clinician_") for s in steps)
        assert ("ask_if_safe_to_wait" in steps) == treatment_planned(p)


def imaging_where_the_case_needs_it(p: Profile, g: Guidance) -> None:
    """H10: scans are asked about for bone or eye-socket invasion, sarcomas, aggressive lymphomas, mucosal
    melanoma, any urgent case and any proposed cancer medicine."""
    dx, proposed = p.diagnosis, {t.value for t in p.treatment_plan.proposed}
    needs = (bool(dx.bone_or_orbit_invasion) or dx.cancer_type.value in ("angiosarcoma", "pleomorphic_dermal_sarcoma")
             or aggressive(p) or g.urgency.level == "urgent"
             or bool(proposed & {"immunotherapy", "targeted_therapy", "chemotherapy"}))
    if needs and (dx.disease_state.value != "no_evidence_of_disease" or g.urgency.level == "urgent"):
        assert "ask_about_scans" in ids(g, "questions") and "imaging" in ids(g, "records")


def third_opinion_is_called_so(p: Profile, g: Guidance) -> None:
    """H11: a patient who has had a second opinion is never told to get "a second opinion" again."""
    if p.treatment_plan.prior_opinions == 1:
        earlier = {"third_opinion", "earlier_opinion_reports", "earlier_opinions_differ"}
        for section in g.sections.values():
            for item in section.items:
                if item.id not in earlier:
                    assert "second opinion" not in (item.title + item.text).lower(), item.text
                else:
                    assert "third opinion already" not in item.text, item.text
        assert "third_opinion" in ids(g, "indications")


FAST = "can grow or spread"
SLOW = "usually grow slowly"
UNTREATED = "Left alone, cancer can grow"


def growth_words_match_the_case(p: Profile, g: Guidance) -> None:
    """H25: the box's words on how fast this cancer grows (issue 28) come from the case, never from a
    clinician's answer alone; no growth words after treatment with no cancer found; never "grows slowly"
    for an aggressive kind."""
    box = g.urgency.text
    if p.diagnosis.disease_state.value == "no_evidence_of_disease":
        assert FAST not in box and UNTREATED not in box, box
    if aggressive(p):
        assert SLOW not in box, box
    if FAST in box:
        assert g.urgency.level == "urgent"
    if SLOW in box:
        assert g.urgency.level == "routine"
    if clinician_said(p) == "no":
        unanswered = p.model_copy(update={"treatment_plan": p.treatment_plan.model_copy(
            update={"timing_answer": p.treatment_plan.timing_answer.model_copy(update={"safe_to_wait": "not_asked"})})})
        if build_guidance(unanswered, EN, TODAY).urgency.level != g.urgency.level:
            assert FAST not in box and UNTREATED not in box and SLOW not in box, box


def depth_meaning_matches_the_depth(p: Profile, g: Guidance) -> None:
    """H26: the summary says what a melanoma's depth means (thin: 1 mm or less) only for a skin melanoma,
    and the words match the number."""
    summary = " ".join(g.summary.diagnosis)
    dx = p.diagnosis
    depth = dx.melanoma.breslow_mm if dx.cancer_type is CancerType.melanoma else None
    skin = dx.cancer_type is CancerType.melanoma and dx.melanoma.subtype.value != "mucosal"
    thin, deeper = "is called thin" in summary, "deeper than 1 mm is more likely to spread" in summary
    if skin and depth is not None:
        assert (thin, deeper) == (depth <= 1.0, depth > 1.0), (depth, summary)
    else:
        assert not thin and not deeper, summary


INVARIANTS = [never_judges_the_plan, no_treatment_words_without_a_treatment, no_evidence_of_disease_is_never_urgent,
              kind_sentences_stay_with_their_kind, unmodelled_kind_takes_the_general_path,
              cautioned_specialist_never_first, every_call_has_a_route, aggressive_kind_is_urgent_and_multimodal,
              box_and_steps_agree, imaging_where_the_case_needs_it, third_opinion_is_called_so,
              growth_words_match_the_case, depth_meaning_matches_the_depth]


@MANY
@given(profiles())
def test_every_safety_invariant_holds_for_any_valid_profile(profile):
    g = build_guidance(profile, EN, TODAY)
    for invariant in INVARIANTS:
        invariant(profile, g)


# ---- each invariant on an explicit case where its premise holds (none is vacuous)

NO_WAIT = {"treatment_plan.timing_answer": {"safe_to_wait": "no", "said_by": "Dr. Ana Ruiz", "role": "surgeon"}}
FIRING = [
    (never_judges_the_plan, {"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IIIA",
                             "treatment_plan.proposed": ["immunotherapy"], "treatment_plan.urgency_stated": "immediate"}),
    (never_judges_the_plan, {"diagnosis.cancer_type": "merkel_cell_carcinoma", **NO_WAIT}),
    (no_treatment_words_without_a_treatment, {"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IIB",
                                              "diagnosis.disease_state": "no_evidence_of_disease",
                                              "treatment_plan.proposed": []}),
    (no_evidence_of_disease_is_never_urgent, {"diagnosis.cancer_type": "merkel_cell_carcinoma",
                                              "diagnosis.disease_state": "no_evidence_of_disease",
                                              "treatment_plan.proposed": []}),
    (kind_sentences_stay_with_their_kind, {"diagnosis.cancer_type": "skin_lymphoma",
                                           "diagnosis.lymphoma_type": "b_cell_large_leg_type",
                                           "treatment_plan.proposed": ["chemotherapy"]}),
    (unmodelled_kind_takes_the_general_path, {"diagnosis.cancer_type": "other",
                                              "diagnosis.cancer_type_detail": "microcystic adnexal carcinoma"}),
    (cautioned_specialist_never_first, {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.stage": "IV",
                                        "patient.conditions": ["organ_transplant"],
                                        "treatment_plan.proposed": ["immunotherapy"]}),
    (cautioned_specialist_never_first, {"patient.conditions": ["basal_cell_nevus_syndrome"],
                                        "treatment_plan.proposed": ["radiation"]}),
    (every_call_has_a_route, {"patient.communication": ["deaf_sign_language", "no_phone"],
                              "patient.care_setting": "prison"}),
    (aggressive_kind_is_urgent_and_multimodal, {"diagnosis.cancer_type": "angiosarcoma",
                                                "treatment_plan.proposed": ["excision"],
                                                "treatment_plan.performed_by": "plastic_surgeon"}),
    (box_and_steps_agree, {"diagnosis.cancer_type": "basal_cell_carcinoma", **NO_WAIT}),
    (imaging_where_the_case_needs_it, {"diagnosis.bone_or_orbit_invasion": True, "diagnosis.body_site": "eyelid"}),
    (third_opinion_is_called_so, {"treatment_plan.prior_opinions": 1}),
    (growth_words_match_the_case, {"diagnosis.cancer_type": "basal_cell_carcinoma", **NO_WAIT}),
    (growth_words_match_the_case, {"diagnosis.cancer_type": "merkel_cell_carcinoma"}),
    (depth_meaning_matches_the_depth, {"diagnosis.cancer_type": "melanoma", "diagnosis.melanoma.breslow_mm": 1.0}),
    (depth_meaning_matches_the_depth, {"diagnosis.cancer_type": "melanoma", "diagnosis.melanoma.breslow_mm": 2.4}),
]


@pytest.mark.parametrize(("invariant", "overrides"), FIRING, ids=[f"{f.__name__}-{i}" for i, (f, _) in
                                                                 enumerate(FIRING)])
def test_each_safety_invariant_holds_where_its_premise_fires(invariant, overrides):
    profile = profile_with(overrides)
    invariant(profile, build_guidance(profile, EN, TODAY))


def test_the_safety_premises_are_real():
    """The explicit cases reach the situations the invariants guard."""
    def g(overrides):
        return build_guidance(profile_with(overrides), EN, TODAY)

    bcc_no_wait = g(FIRING[13][1])  # urgent only because the clinician said so: no growth words
    assert bcc_no_wait.urgency.level == "urgent" and bcc_no_wait.urgency.text.startswith("Time matters in your case.")
    assert FAST in g(FIRING[14][1]).urgency.text  # Merkel: the case itself is urgent
    assert "1 mm deep or less is called thin" in " ".join(g(FIRING[15][1]).summary.diagnosis)
    assert "deeper than 1 mm is more likely to spread" in " ".join(g(FIRING[16][1]).summary.diagnosis)

    asked = g(FIRING[0][1])
    assert ids(asked, "next_steps")[0] == "ask_if_safe_to_wait"
    # no date set: never "before your treatment date" (issue 28, H28); ask how soon instead
    assert "Ask the doctor who planned your care how soon" in asked.items("next_steps")[0].text
    said = g(FIRING[1][1])
    assert "Keep the date Dr. Ana Ruiz set" in said.items("next_steps")[0].text
    assert said.urgency.doctor_said.startswith("Dr. Ana Ruiz (surgeon) says it is not safe to wait")
    follow_up = g(FIRING[3][1])
    assert follow_up.urgency.level == "routine" and follow_up.urgency.title == "There is time"
    assert g(FIRING[4][1]).urgency.level == "urgent"
    assert "medical_oncologist" in ids(g(FIRING[4][1]), "specialists")
    assert "sezary_first_treatment" not in ids(g(FIRING[4][1]), "indications")  # R-CHOP is first-line here
    transplant = g(FIRING[6][1])
    assert ids(transplant, "specialists")[0] == "transplant_team"
    assert "transplant_checkpoint" in ids(transplant, "population_notes")
    gorlin = g(FIRING[7][1])
    assert ids(gorlin, "specialists")[0] != "radiation_oncologist"
    assert "radiation_avoided" in ids(gorlin, "population_notes")
    prison = g(FIRING[8][1])
    assert ids(prison, "access") == ["relay_deaf", "no_phone_navigator", "prison_health_services"]
    assert prison.items("next_steps")[1].text.startswith("Send a written request to your facility's health services")
    angio = g(FIRING[9][1])
    assert set(ids(angio, "specialists")) >= TEAM and "sarcoma_center" in ids(angio, "specialists")
    third = g(FIRING[12][1])
    assert "Book a third-opinion visit" in [i.title for i in third.items("next_steps")]


def test_a_watched_cancer_has_no_treatment_date_and_asks_about_the_watch_plan():
    watched = build_guidance(profile_with({"patient.age": 87, "diagnosis.size_mm": 7, "diagnosis.body_site": "face",
                                           "diagnosis.disease_state": "watching",
                                           "treatment_plan.proposed": ["observation"]}), EN, TODAY)
    words = " ".join(texts(watched))
    assert "treatment date" not in words and "before your treatment" not in words
    assert "watch_plan" in ids(watched, "questions") and "watching_review" in ids(watched, "indications")
    assert watched.urgency.text.startswith("You chose to watch it for now")


def test_the_packet_shows_the_clinicians_answer_and_the_access_box_on_page_one():
    profile = profile_with({**NO_WAIT, "patient.communication": ["no_phone"],
                            "patient.helper": {"name": "Rosa Diaz", "phone": "(555) 010-3030"}})
    html = render_html(make_packet(profile, BuildOptions(prepared_on=TODAY)))
    page_one = html.split('id="at-a-glance"', 1)[1].split("</section>", 1)[0]
    assert "Dr. Ana Ruiz (surgeon) says it is not safe to wait" in page_one
    assert "Rosa Diaz makes your calls" in page_one and "(555) 010-3030" in page_one


# ---- the hazard log names real tests, and every invariant here is a row of it


def test_the_hazard_log_names_real_tests():
    log = (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/test_\w+\.py)::(\w+)`", log)
    assert len(named) >= 20
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"docs/safety.md names {path}::{name}, which is not there"
    for invariant in INVARIANTS:
        assert f"`tests/test_safety.py::{invariant.__name__}`" in log, invariant.__name__


def test_mucosal_melanoma_gets_no_skin_depth_stage_or_drawing():
    """A depth on a mucosal melanoma never gives an AJCC skin stage or a depth sentence (found by the
    hypothesis source check: the derived-stage words had no entry for it)."""
    profile = profile_with({"diagnosis.cancer_type": "melanoma", "diagnosis.melanoma.subtype": "mucosal",
                            "diagnosis.melanoma.breslow_mm": 0.5, "treatment_plan.proposed": []})
    g = build_guidance(profile, EN, TODAY)
    words = " ".join(g.summary.diagnosis)
    assert "Breslow" not in words and "about stage" not in words and "not in the skin" in words
    assert not g.show_depth_drawing and "derived_stage" not in ids(g, "questions")


def test_base_profile_is_the_shared_one():
    assert BASE["patient"]["name"] == "Test Person"
