"""Issue 28 (second CCI/PEMAT rating, section 6): the packet's words about time and the record fit the plan.

Each class is an invariant over generated profiles (tests/profile_strategy.py walks the whole schema:
treatment dates, clinicians' answers, treatment now, pathology) and an explicit profile where it fires.
The oracles read the profile, not the rules' facts:

1. a plan with no treatment date never speaks of "your treatment date"; a plan of check-ups or a cream with
   no date and no time given by anyone gets no "cancer can grow" push and is told to ask how soon.
2. a lab report that leaves the diagnosis open (other possible diagnoses, borderline)
   makes page one say the result is not yet certain, never "a biopsy confirmed it", and (unless the case
   is urgent for its own reason) gives as the reason that an expert should read the slides.
3. a treatment going on now (current_treatment ongoing) with no date for its next step: "before the next
   step of your treatment", never "before your treatment starts" or "before treatment".
4. page one's "ask for your records" step names the office the records letter is addressed to (its "To");
   with no one named there, both speak of the doctor who made the diagnosis.
5. the case summary names the spoken language an interpreter must speak (Cantonese, Mandarin) when the
   language tag records it, and for plain Chinese says it was not given and to ask.
6. an uninsured patient of 65 or older is told when Part B can usually start (January 1 to March 31, from
   the month after) and to ask which parts of Medicare can start now, and is not offered Marketplace help
   as if premium-free Part A did not usually end it.
7. page two's care path is labelled as the stages of a second opinion (not steps "in this order"), and page
   one's records and booking steps carry the "when" of their stage (Gather, Book) on the care path.
8. page one's reason never gives a stage as a bare label ("Why: the stage is III") where the rules know what
   the stage means for that type; it says the meaning ("the cancer has reached a nearby lymph node").
"""

from __future__ import annotations

import html as html_module
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from profile_strategy import profile_dicts
from test_guidance import profile_with

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import load_content
from sop_packets.render import render_html
from sop_packets.schema import Profile

# Half the generated dates fall after this day and half before, so a date is both set and gone.
PREPARED = date(2023, 6, 1)
SOME = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GENTLE = {"observation", "topical"}
EN_WORDS = load_content("en")["words"]


def rendered(profile: Profile, language: str = "en") -> tuple[str, str, str]:
    """(whole visible text, page one's visible text, raw HTML) of the packet."""
    raw = render_html(make_packet(profile, BuildOptions(prepared_on=PREPARED, language=language)))
    body = raw.split("<body", 1)[1]
    first = body.split('id="page-one-end"', 1)[0]
    return _visible(body), _visible(first), raw


def _visible(html: str) -> str:
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def care_path_alt(raw: str) -> str:
    found = re.search(r'<img class="drawing-image" src="data:image/svg\+xml[^"]*" alt="([^"]*)"', raw)
    return html_module.unescape(found.group(1)) if found else ""


# ---- oracles, from the profile


def has_date(p: Profile) -> bool:
    planned = p.treatment_plan.planned_date
    return planned is not None and planned >= PREPARED


def timing_given(p: Profile) -> bool:
    plan = p.treatment_plan
    return plan.timing_answer.safe_to_wait.value != "not_asked" or plan.urgency_stated.value != "not_discussed"


def gentle_plan_without_time(p: Profile) -> bool:
    """Check-ups or a cream, no date, and no one (clinician or first doctor) gave a time."""
    proposed = {t.value for t in p.treatment_plan.proposed}
    return bool(proposed) and proposed <= GENTLE and not has_date(p) and not timing_given(p) \
        and p.diagnosis.disease_state.value == "active"


@st.composite
def profiles_with_these_cases(draw: st.DrawFn) -> dict:
    """Generated profiles, a third of them moved into the cases these invariants guard (a plan of check-ups
    or a cream with no time given), which a schema walk alone reaches too rarely."""
    data = draw(profile_dicts())
    if draw(st.integers(0, 2)) == 0:
        plan = data.setdefault("treatment_plan", {})
        plan["proposed"] = draw(st.sampled_from([["observation"], ["topical"], ["topical", "observation"]]))
        plan["urgency_stated"] = "not_discussed"
        plan.pop("timing_answer", None)
        data["diagnosis"]["disease_state"] = "active"
    if draw(st.integers(0, 2)) == 0:  # a treatment going on now
        data["current_treatment"] = {"therapies": draw(st.sampled_from([["immunotherapy"], ["targeted_therapy"],
                                                                         ["chemotherapy", "radiation"]])),
                                     "status": "ongoing"}
    if draw(st.integers(0, 2)) == 0:  # no insurance, at any age
        data.setdefault("insurance", {})["coverage_type"] = "none"
    if draw(st.integers(0, 2)) == 0:  # a report that names other possible diagnoses, or is borderline
        pathology = data["diagnosis"].setdefault("pathology", {})
        pathology[draw(st.sampled_from(["differential", "borderline", "insufficient_tissue"]))] = True
    return data


def report_leaves_it_open(p: Profile) -> bool:
    path = p.diagnosis.pathology
    return p.diagnosis.cancer_type.value != "uncertain" and bool(
        path.differential or path.differential_diagnoses or path.borderline)


def treatment_goes_on_without_a_date(p: Profile) -> bool:
    """A treatment goes on now, its next step has no date, and the plan is not only check-ups or a cream."""
    now, proposed = p.current_treatment, {t.value for t in p.treatment_plan.proposed}
    gentle = bool(proposed) and proposed <= GENTLE
    return bool(now.therapies) and now.status.value == "ongoing" and not has_date(p) and not gentle


# ---- the invariants


def no_date_words_without_a_date(p: Profile, text: str, first: str, raw: str) -> None:
    if not has_date(p):
        assert "your treatment date" not in text
        assert "before your treatment starts" not in text
    if gentle_plan_without_time(p):
        assert "cancer can grow" not in text  # the prompt box's generic push
        assert "Before treatment" not in care_path_alt(raw)
        if "urgency-callout urgency-urgent" not in raw:  # an urgent case keeps its own reason
            assert "No date is set for treatment" in first and "how soon" in first


def never_firmer_than_the_report(p: Profile, text: str, first: str, raw: str) -> None:
    if report_leaves_it_open(p):
        assert "This result is not yet certain" in first
        assert "A biopsy confirmed it" not in text
        if "urgency-callout urgency-urgent" not in raw:
            assert "Why: your biopsy result is not yet certain, so an expert should read the slides" in first \
                or "biopsy result is not yet certain, so an expert should read the slides" in first  # another reader
    else:
        assert "This result is not yet certain" not in text


def no_start_words_while_treatment_goes_on(p: Profile, text: str, first: str, raw: str) -> None:
    if treatment_goes_on_without_a_date(p):
        alt = care_path_alt(raw)
        assert "Before treatment" not in alt and "Before the next step: Decide" in alt
        assert "before your treatment starts" not in text and "before the next step of your treatment" in text
        # the routine box's words (a clinician's own answer, in their name, keeps its words)
        assert "second opinion before treatment. Ask your doctor how much time you have" not in text


def letter_to(raw: str) -> str:
    found = re.search(r'<dl class="letter-head">\s*<dt>[^<]*</dt>\s*<dd>(.*?)</dd>', raw, re.S)
    return _visible(found.group(1)) if found else ""


def records_step_names_the_letters_office(p: Profile, text: str, first: str, raw: str) -> None:
    doc = p.original_physician
    step = next((li for li in re.findall(r"<li>(.*?)</li>", raw.split('class="next-steps"', 1)[1].split("</ol>")[0],
                                        re.S) if "records" in li.lower()), "")
    step = _visible(step)
    if doc.name or doc.practice:
        for part in filter(None, (doc.name, doc.practice)):
            assert part in step and part in letter_to(raw), (part, step)
        assert "doctor who made the diagnosis" not in step
    else:
        assert EN_WORDS["diagnosers"][p.diagnosis.diagnosed_by.value] in step, step  # the diagnosing doctor
        assert "give it to the office it is addressed to" not in text


def uninsured_65(p: Profile) -> bool:
    """No insurance, 65 or older, not in prison (where health services arranges and pays)."""
    return p.insurance.coverage_type.value == "none" and p.patient.age_on(PREPARED) >= 65 \
        and p.patient.care_setting.value != "prison"


def medicare_first_at_65_without_insurance(p: Profile, text: str, first: str, raw: str) -> None:
    if uninsured_65(p):
        assert "only from January 1 to March 31, and it begins the month after you sign up" in text
        if p.patient.care_setting.value == "community":  # page one's money step (the VA arranges care)
            assert "which parts of Medicare can start now" in first
        assert "Many people get help paying for it" not in text
        assert "a Marketplace plan (insurance you buy at HealthCare.gov)" not in text
        assert "you usually cannot get help paying for a Marketplace plan" in text
    else:
        assert "January 1 to March 31" not in text and "which parts of Medicare can start now" not in text


def page_one_steps(raw: str) -> dict[str, str]:
    """Page one's steps: the step's title -> its "when" label."""
    steps = raw.split('class="next-steps"', 1)[1].split("</ol>", 1)[0]
    return {_visible(title): _visible(when) for when, title in re.findall(
        r'<span class="step-when">(.*?)</span>\s*<strong>(.*?)</strong>', steps, re.S)}


def stage_whens(raw: str) -> dict[str, str]:
    """The care path's stages: the stage's title (Gather, Book...) -> its "when"."""
    named = care_path_alt(raw).split("right: ", 1)[1]
    return {part.split(": ", 1)[1].split(".", 1)[0]: part.split(": ", 1)[0] for part in named.split("; ")}


def steps_and_stages_agree(p: Profile, text: str, first: str, raw: str) -> None:
    assert "Do these steps in this order" not in text
    assert "The stages of a second opinion" in text
    steps, stages = page_one_steps(raw), stage_whens(raw)
    for step, stage in (("Ask for your records and slides.", "Gather"), ("Book a second-opinion visit.", "Book")):
        if step in steps:
            assert steps[step] == stages[stage], (step, steps, stages)


BARE_STAGE = re.compile(r"Why: (?:the stage is|the melanoma is stage|the lymphoma is stage) \w+\.")
MODELLED_STAGES = {"melanoma", "squamous_cell_carcinoma", "merkel_cell_carcinoma"}


def stage_reason_says_what_it_means(p: Profile, text: str, first: str, raw: str) -> None:
    dx = p.diagnosis
    modelled = (dx.cancer_type.value in MODELLED_STAGES and dx.melanoma.subtype.value != "mucosal") or (
        dx.cancer_type.value == "skin_lymphoma" and dx.lymphoma_type.value in ("mycosis_fungoides", "sezary_syndrome"))
    if modelled:
        assert not BARE_STAGE.search(first), BARE_STAGE.search(first)


INVARIANTS = [no_date_words_without_a_date, never_firmer_than_the_report, no_start_words_while_treatment_goes_on,
              records_step_names_the_letters_office, medicare_first_at_65_without_insurance,
              steps_and_stages_agree, stage_reason_says_what_it_means]


@SOME
@given(profiles_with_these_cases())
def test_the_words_fit_the_plan_for_any_valid_profile(data):
    profile = Profile.model_validate({**data, "patient": {**data["patient"], "language": "en"}})
    text, first, raw = rendered(profile)
    event(f"gentle plan without a time: {gentle_plan_without_time(profile)}")
    event(f"report leaves it open: {report_leaves_it_open(profile)}")
    event(f"treatment goes on, no date: {treatment_goes_on_without_a_date(profile)}")
    event(f"uninsured at 65 or older: {uninsured_65(profile)}")
    for invariant in INVARIANTS:
        invariant(profile, text, first, raw)


LYMPHOMA_CREAM = {"diagnosis.cancer_type": "skin_lymphoma", "diagnosis.stage": "I", "diagnosis.body_site": "chest",
                  "treatment_plan.proposed": ["topical", "observation"]}
EX21 = {"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.stage": "III", "diagnosis.body_site": "scalp",
        "diagnosis.clinical_nodes": True, "diagnosis.primary_removed": True, "treatment_plan.proposed": ["radiation"],
        "current_treatment.therapies": ["immunotherapy"], "current_treatment.status": "ongoing"}
# ex-31: a melanoma with a wide excision: the records step is third on page one, "Today" on the care path
EX31 = {"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IIB", "diagnosis.melanoma.breslow_mm": 2.4,
        "treatment_plan.proposed": ["wide_local_excision"]}
RAMAN = {"name": "Dr. Priya Raman", "specialty": "Medical oncology", "practice": "Riverside Cancer Center",
         "phone": "(555) 010-8812"}
FIRING = [
    (no_date_words_without_a_date, LYMPHOMA_CREAM),  # ex-07: a cream and check-ups, no date
    (no_date_words_without_a_date, {"treatment_plan.proposed": ["observation"]}),
    (no_date_words_without_a_date, {"treatment_plan.proposed": ["excision"]}),  # a surgery with no date
    (never_firmer_than_the_report, {**LYMPHOMA_CREAM, "diagnosis.pathology.differential": True,
                                    "diagnosis.pathology.reviewed_by_dermatopathologist": False}),
    (never_firmer_than_the_report, {"diagnosis.pathology.borderline": True}),
    (never_firmer_than_the_report, {"diagnosis.cancer_type": "merkel_cell_carcinoma",  # urgent: its own reason
                                    "diagnosis.pathology.differential": True}),
    (no_start_words_while_treatment_goes_on, {**EX21, "treatment_plan.urgency_stated": "within_weeks"}),
    (no_start_words_while_treatment_goes_on, {"current_treatment.therapies": ["targeted_therapy"],
                                              "treatment_plan.proposed": []}),
    (no_start_words_while_treatment_goes_on, {"current_treatment.therapies": ["immunotherapy"],  # routine box
                                              "diagnosis.size_mm": 6}),
    (records_step_names_the_letters_office, {**EX21, "original_physician": RAMAN}),
    (records_step_names_the_letters_office, {"original_physician": {"practice": "Lakeside Skin Clinic"},
                                             "patient.care_setting": "prison"}),
    (records_step_names_the_letters_office, {}),  # no one named: the diagnosing doctor, a blank "To"
    (medicare_first_at_65_without_insurance, {**EX21, "patient.age": 71, "insurance.coverage_type": "none"}),
    (medicare_first_at_65_without_insurance, {"patient.age": 50, "insurance.coverage_type": "none"}),
    (steps_and_stages_agree, EX31),
    (steps_and_stages_agree, {"diagnosis.size_mm": 6, "treatment_plan.proposed": []}),  # routine: records, book
    (stage_reason_says_what_it_means, EX21),
]


@pytest.mark.parametrize(("invariant", "overrides"), FIRING, ids=[f"{f.__name__}-{i}" for i, (f, _) in
                                                                 enumerate(FIRING)])
def test_each_invariant_holds_where_it_fires(invariant, overrides):
    profile = profile_with(overrides)
    invariant(profile, *rendered(profile))


def test_a_cream_and_check_ups_with_no_date_ask_how_soon_and_do_not_push():
    """ex-07: the box and step one say no date is set and ask how soon; the care path ends with "ask"."""
    text, first, raw = rendered(profile_with(LYMPHOMA_CREAM))
    assert gentle_plan_without_time(profile_with(LYMPHOMA_CREAM))
    assert "No date is set for treatment. Ask your doctor how soon you should get a second opinion" in first
    assert "Ask how soon to get a second opinion" in first
    assert "Left alone, cancer can grow" not in text and "Before your treatment date" not in text
    assert "Ask your doctor when: Decide" in care_path_alt(raw)
    assert "No date is set for treatment: ask your doctor how soon to finish these stages" in text


def test_a_surgery_with_no_date_asks_without_a_date_and_a_dated_one_names_it():
    """Every plan kind without a date: no "before your treatment date"; with a date, the date."""
    _, undated, _ = rendered(profile_with({"treatment_plan.proposed": ["excision"]}))
    assert "Ask how soon to get a second opinion. Ask the doctor who planned your care how soon" in undated
    _, dated, raw = rendered(profile_with({"treatment_plan.proposed": ["excision"],
                                           "treatment_plan.planned_date": "2023-07-10"}))
    assert "Before July 10, 2023, ask the doctor who planned your treatment" in dated
    assert "Before July 10, 2023: Decide" in care_path_alt(raw)


def test_a_time_given_by_the_first_doctor_keeps_the_level_words():
    """When the first doctor gave a time, the box keeps its level's words and reports what they said."""
    _, first, _ = rendered(profile_with({**LYMPHOMA_CREAM, "treatment_plan.urgency_stated": "within_weeks"}))
    assert "Your doctor said treatment should start within a few weeks" in first
    assert "No date is set for treatment. Ask your doctor how soon" not in first


@pytest.mark.parametrize("language", ["es", "vi", "zh-Hans", "zh-Hant"])
def test_the_no_date_words_are_translated(language):
    text, first, _ = rendered(profile_with(LYMPHOMA_CREAM), language)
    english = rendered(profile_with(LYMPHOMA_CREAM))[0]
    assert "No date is set for treatment" not in text and "No date is set for treatment" in english
    assert "{" not in first


def test_ex07_says_the_lymphoma_is_not_yet_certain_on_page_one():
    """ex-07: other possible diagnoses named, not read by a dermatopathologist: page one says the result is not
    yet certain and its reason is an expert reading, not "you have skin lymphoma, a rare cancer"."""
    profile = profile_with({**LYMPHOMA_CREAM, "diagnosis.pathology.differential_diagnoses": ["eczema", "psoriasis"],
                            "diagnosis.pathology.reviewed_by_dermatopathologist": False})
    text, first, _ = rendered(profile)
    assert "This result is not yet certain: the lab report names other things it could be." in first
    assert "Why: your biopsy result is not yet certain, so an expert should read the slides." in first
    assert "Why: you have skin lymphoma" not in first and "A biopsy was done." in text
    for language in ("es", "vi", "zh-Hans", "zh-Hant"):
        other = rendered(profile, language)[1]
        assert "This result is not yet certain" not in other and "{" not in other


def test_ex21_on_immunotherapy_asks_before_the_next_step():
    """ex-21: on immunotherapy, radiation planned with no date: step one and the care path speak of the next
    step; the same profile with a radiation date names the date instead."""
    _, first, raw = rendered(profile_with({**EX21, "treatment_plan.urgency_stated": "within_weeks"}))
    assert "Ask if it is safe to wait. Before the next step of your treatment starts, ask the doctor" in first
    assert "Before the next step: Decide" in care_path_alt(raw)
    _, dated, raw = rendered(profile_with({**EX21, "treatment_plan.planned_date": "2023-07-10"}))
    assert "Before July 10, 2023, ask" in dated and "Before July 10, 2023: Decide" in care_path_alt(raw)
    routine = rendered(profile_with({"current_treatment.therapies": ["immunotherapy"], "diagnosis.size_mm": 6}))[1]
    assert "there is time to get a second opinion before the next step of treatment" in routine


def test_ex21_step_two_and_the_letter_name_the_same_office():
    """ex-21: the letter goes to Dr. Priya Raman at Riverside Cancer Center, so step two calls that office, not
    "the doctor who made the diagnosis, a skin doctor", and the letter's intro points at its "To"."""
    text, first, raw = rendered(profile_with({**EX21, "original_physician": RAMAN}))
    assert "Call the office of Dr. Priya Raman at Riverside Cancer Center." in first
    assert "The letter in this guide is addressed to them." in first
    assert "give it to the office it is addressed to" in text and "Dr. Priya Raman" in letter_to(raw)
    spanish = rendered(profile_with({**EX21, "original_physician": RAMAN}), "es")[1]
    assert "Llame al consultorio de Dr. Priya Raman, de Riverside Cancer Center." in spanish


def summary_language(raw: str) -> str:
    found = re.search(r'<tr><th scope="row">Language</th><td>(.*?)</td></tr>', raw, re.S)
    return _visible(found.group(1)) if found else ""


@pytest.mark.parametrize(("tag", "spoken"), [
    ("yue", "Cantonese; needs an interpreter"), ("zh-yue", "Cantonese; needs an interpreter"),
    ("yue-HK", "Cantonese; needs an interpreter"), ("cmn", "Mandarin Chinese; needs an interpreter"),
    ("zh-cmn-Hans", "Mandarin Chinese; needs an interpreter"), ("nan-TW", "Taiwanese (Min Nan Chinese)"),
    ("zh-CN", "Chinese (spoken language not given: ask if Mandarin, Cantonese or another); needs an interpreter"),
    ("zh-Hant", "Chinese (spoken language not given: ask if Mandarin, Cantonese or another)"),
    ("zh-HK", "Chinese (spoken language not given"), ("vi", "Vietnamese; needs an interpreter"),
    ("es-MX", "Spanish; needs an interpreter"), ("en-US", ""),
])
def test_the_case_summary_names_the_spoken_language(tag, spoken):
    """ex-31 (zh-CN) printed "Language: Chinese" while its page 6 says to ask for a Mandarin interpreter: the
    summary names the spoken language when the tag records it (yue, zh-yue, cmn), else says to ask."""
    profile = profile_with({"patient.language": tag, **EX21})
    raw = rendered(profile, tag)[2]
    row = summary_language(raw)
    assert (spoken in row) if spoken else not row, row
    if spoken:
        assert not row.startswith("Chinese; ")  # never a bare "Chinese"


def test_an_uninsured_71_year_old_hears_when_medicare_can_start():
    """ex-21: 71, uninsured, 7 December: Part B's January-March window and the month after, and which parts
    of Medicare can start now; the Marketplace only as a question; under 65 the Marketplace step is as it was."""
    text, first, _ = rendered(profile_with({**EX21, "patient.age": 71, "insurance.coverage_type": "none"}))
    assert "Ask which parts of Medicare can start now" in first and "Marketplace" not in first
    assert "Part B (which pays for doctor visits) can usually be started only from January 1 to March 31" in text
    assert "Ask if a Marketplace plan is a choice." in text
    younger, young_first, _ = rendered(profile_with({"patient.age": 50, "insurance.coverage_type": "none"}))
    assert "Many people get help paying for it" in younger and "a Marketplace plan (insurance you buy" in young_first


def test_page_one_records_step_has_its_stages_when():
    """The records step, third on page one after the node-test question, says "Today" as the care path's
    Gather stage does (ex-31 said "this week" on page one and "today" on page two)."""
    _, _, raw = rendered(profile_with(EX31))
    steps = page_one_steps(raw)
    assert list(steps)[2] == "Ask for your records and slides." and steps["Ask for your records and slides."] == "Today"
    assert stage_whens(raw)["Gather"] == "Today"
    assert "The stages of a second opinion" in raw


@pytest.mark.parametrize(("overrides", "why"), [
    (EX21, "Why: the cancer has reached a nearby lymph node (stage III)."),  # ex-21: nodes known
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.stage": "III"},
     "Why: it is larger than 4 cm, has grown deeper, or has reached a nearby lymph node (stage III)."),
    ({"diagnosis.cancer_type": "squamous_cell_carcinoma", "diagnosis.stage": "IV"},
     "Why: the cancer has reached more lymph nodes, the bone, or other parts of the body (stage IV)."),
    ({"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IIB"},
     "Why: the melanoma is thicker, or has a break in the skin on top, but has not spread (stage IIB)."),
    ({"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IIIC"},
     "Why: the melanoma has reached nearby lymph nodes or nearby skin (stage IIIC)."),
    ({"diagnosis.cancer_type": "melanoma", "diagnosis.stage": "IV"},
     "Why: the melanoma has spread to other parts of the body (stage IV)."),
])
def test_page_one_says_what_the_stage_means(overrides, why):
    """ex-21 printed "Why: the stage is III." on page one: each type and stage the rules make urgent says what
    the stage means there; the section notes keep the short label."""
    text, first, raw = rendered(profile_with(overrides))
    # page one explains "lymph node" where it first stands (issue 28, CCI item 7): read the reason without it
    unglossed = re.sub(r' \(<span class="gloss">[^<]*</span>\)|<!--.*?-->', "", raw, flags=re.S)
    unglossed = _visible(unglossed.split('id="page-one-end"')[0])
    assert why in unglossed
    if "lymph node" in why:
        assert "lymph node ( a small gland where cancer often spreads first )" in first.replace("nodes (", "node (")
    if overrides is EX21:
        assert "Why this is in your guide: the stage is III." in text  # a section note keeps the short label
    for language in ("es", "vi", "zh-Hans", "zh-Hant"):
        other = rendered(profile_with(overrides), language)[1]
        assert "{" not in other and why not in other
