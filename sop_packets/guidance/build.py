"""Build: run every rule on a profile's facts and put the packet's words to the items that fire.

The result, `Guidance`, holds the sections, urgency, summary and reader; render.py lays it out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

from ..schema import CancerType, Profile
from ..situation import reader_voice
from .facts import Because, Facts, facts_of
from .kinds import SURGERY, cautioned_specialists
from .rules import ACCESS, ALERTS, MAX_NEXT_STEPS, NEXT_STEPS, RULES, SECTION_ORDER
from .sources import item_sources
from .summary import Summary, fill, summarize
from .urgency import before_phase, case_level, urgency_level


@dataclass(frozen=True)
class Item:
    """One recommendation, with the facts that produced it in words and the sources behind it."""

    id: str
    title: str
    text: str
    because: tuple[str, ...]
    find: str = ""
    personal: bool = True  # False when it applies to everyone: the packet then skips the "why"
    sources: tuple[str, ...] = ()
    why: tuple[str, ...] = ()  # the printed "Why this is in your guide": `because` without GENERIC_REASONS


@dataclass(frozen=True)
class Urgency:
    """How soon to act, and why."""

    level: str
    title: str
    text: str
    because: tuple[str, ...]
    doctor_said: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled list of items."""

    id: str
    title: str
    intro: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Reader:
    """Who reads the packet and signs the letter for the patient, in the packet's words."""

    voice: str
    note: str  # page one: who this guide is written for
    signer: str  # the letter's "From" line for the signer
    signature: str  # the label under the signature line
    letter_body: str  # the letter's first sentence


@dataclass(frozen=True)
class Guidance:
    """Everything the packet says that depends on the profile."""

    patient_id: str
    age: int
    summary: Summary
    urgency: Urgency
    sections: dict[str, Section]
    voice: str = "self"  # "parent" (child under 13), "teen" (13-17 with a parent), "representative"
    is_cancer: bool = True  # False while the type is uncertain: the packet never calls it cancer
    show_depth_drawing: bool = True  # the skin-layers drawing, only where depth matters
    reader: Reader | None = None  # who reads and signs, when that is not the patient alone
    before: str = "no_date"  # what "before ..." points at: date, next_step, watch or no_date (before_phase)

    def items(self, section: str) -> tuple[Item, ...]:
        return self.sections[section].items if section in self.sections else ()

    def source_ids(self) -> tuple[str, ...]:
        """Every source the packet's items and urgency name, in first-use order."""
        used = [*self.urgency.sources]
        for section in self.sections.values():
            for item in section.items:
                used += item.sources
        return tuple(dict.fromkeys(used))

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form: patient_id, urgency, and one list of {id, text, because} per section
        (the page-one alerts come last)."""
        result: dict[str, Any] = {"patient_id": self.patient_id}
        for name in (NEXT_STEPS, *SECTION_ORDER, ALERTS, ACCESS):  # alerts, access last: the shape only grew
            if name == "urgency":
                result["urgency"] = {**asdict(self.urgency), "because": list(self.urgency.because),
                                     "sources": list(self.urgency.sources)}
            else:
                result[name] = [
                    {key: value for key, value in asdict(item).items() if key != "find" or value}
                    | {"because": list(item.because), "sources": list(item.sources)}
                    for item in self.items(name)
                ]
        return result


# Reasons that hold for nearly everyone who gets this packet ("you have melanoma", "you have health
# insurance"): `explain` still lists them, but the printed "Why this is in your guide" leaves them out,
# so the note appears only where it tells the reader something about their own case (issue 28).
GENERIC_REASONS = frozenset({
    "everyone", "type_melanoma", "type_bcc", "type_scc", "type_merkel", "type_lymphoma", "type_kaposi",
    "type_other", "has_insurance", "treatment_proposed", "treatment_planned", "state_active",
})


def _because(keys: Because, content: dict[str, Any], facts: Facts, voice: str = "self") -> tuple[str, ...]:
    """The phrases behind an item; about the patient by name when someone else reads for them."""
    about = content.get("because_about", {}) if voice != "self" else {}
    return tuple(dict.fromkeys(fill(about.get(key, content["because"][key]), facts.values) for key in keys))


def _renumbered(sections: dict[str, Section], urgency: Urgency, words: dict[str, Any],
                prior: int) -> tuple[dict[str, Section], Urgency]:
    """Every "second opinion" as this patient's next one: a third opinion, or another after that."""
    forms = [form.strip() for form in words["second"].split("|")]
    pairs = list(zip(forms, (form.strip() for form in words["third" if prior == 1 else "later"].split("|")),
                     strict=True))

    def item(it: Item) -> Item:
        if it.id in ABOUT_EARLIER_OPINIONS:  # these speak of the opinion already had: a second one
            return it
        return replace(it, title=renumber(it.title, pairs), text=renumber(it.text, pairs))

    sections = {name: replace(sec, title=renumber(sec.title, pairs), intro=renumber(sec.intro, pairs),
                              items=tuple(item(it) for it in sec.items)) for name, sec in sections.items()}
    urgency = replace(urgency, title=renumber(urgency.title, pairs), text=renumber(urgency.text, pairs),
                      doctor_said=renumber(urgency.doctor_said, pairs))
    return sections, urgency


def reader_of(voice: str, profile: Profile, content: dict[str, Any], values: dict[str, str]) -> Reader | None:
    """The reader's page-one note and the letter's signer, from content/<lang>/reader.yaml."""
    if voice == "self":
        return None
    text = content["reader"]
    rep = profile.patient.representative
    comma = text.get("relationship_separator", ", ")  # Chinese: a full-width comma
    words = {**values, "relationship": f"{comma}{rep.relationship}" if rep and rep.relationship else "",
             "authority": text["authority"][rep.authority.value] if rep else text["authority"]["parent"]}
    kind = text["voices"][voice]
    if rep is not None:
        signer = fill(text["signer_named"], words)
        signature = fill(text["signature_named"], words)
    else:
        signer, signature = "", ""
    return Reader(voice, fill(kind["note"], words), signer, signature,
                  fill(kind["letter"] if profile.diagnosis.cancer_type is not CancerType.uncertain
                       else kind["letter_not_cancer"], words))


# Items about the opinions already had: never renumbered ("You have had a second opinion already").
ABOUT_EARLIER_OPINIONS = ("third_opinion", "earlier_opinion_reports", "earlier_opinions_differ")
# In prison, the insurance section holds only these steps (health services arranges and pays).
PRISON_INSURANCE_STEPS = ("prison_outside_care", "consultation_only", "bring_records")
# The insurance section's first line when there is no plan to call, by the fact that says why.
INSURANCE_INTROS = (("in_prison", "intro_prison"), ("veterans_affairs", "intro_va"),
                    ("coverage_none", "intro_no_insurance"))


def _radiation_waits(facts: Facts) -> bool:
    """Radiation comes after the other specialists: in pregnancy (it usually waits for the birth), and for
    a basal or squamous cell cancer, where surgery (Mohs, excision) comes first and radiation is for when
    surgery is not an option: unless radiation is the plan and no surgery is proposed."""
    if facts.holds["pregnant"]:
        return True
    radiation_only = facts.holds["proposed_radiation"] and not any(
        facts.holds[f"proposed_{treatment.value}"] for treatment in SURGERY)
    return (facts.holds["type_bcc"] or facts.holds["type_scc"]) and not radiation_only


def _mohs_first(facts: Facts) -> bool:
    """A basal cell cancer, or a squamous cell cancer not at stage III or IV: the Mohs surgeon comes before
    the cancer surgeon (NCCN: Mohs for high-risk and face sites; issue 28: the care path sent a nasal BCC to
    a surgical oncologist for its large surgery); pregnancy keeps its own order."""
    if facts.holds["pregnant"] or facts.holds["advanced"]:
        return False
    return facts.holds["type_bcc"] or facts.holds["type_scc"]


def _ordered(name: str, fired: list[tuple[str, Because]], facts: Facts) -> list[tuple[str, Because]]:
    """A section's items in the packet's order: at most three first steps; among the specialists, radiation
    after the others in pregnancy and for BCC or SCC (_radiation_waits), the Mohs surgeon first for BCC and
    early SCC (_mohs_first), a cancer surgeon last where one is rarely needed (surgeon_rarely_needed), and
    never first a specialist whose treatment a condition argues against."""
    if name == NEXT_STEPS:
        return fired[:MAX_NEXT_STEPS]
    if name == "insurance_steps" and facts.holds["in_prison"]:  # health services pays: no plan steps at all
        return [pair for pair in fired if pair[0] in PRISON_INSURANCE_STEPS]
    if name != "specialists":
        return fired
    if _radiation_waits(facts):
        fired.sort(key=lambda pair: pair[0] == "radiation_oncologist")
    ids = [item_id for item_id, _ in fired]
    if _mohs_first(facts) and {"mohs_surgeon", "surgical_oncologist"} <= set(ids) \
            and ids.index("surgical_oncologist") < ids.index("mohs_surgeon"):
        fired.insert(ids.index("surgical_oncologist"), fired.pop(ids.index("mohs_surgeon")))
    if facts.holds["surgeon_rarely_needed"]:  # a large surgery alone brings it in: last (its card says so)
        fired.sort(key=lambda pair: pair[0] == "surgical_oncologist")
    cautioned = cautioned_specialists(facts.holds)
    if fired and fired[0][0] in cautioned and any(item_id not in cautioned for item_id, _ in fired):
        fired.sort(key=lambda pair: pair[0] in cautioned)
    return fired or [("dermatologist", ("everyone",))]


# An item's words when its treatment has no date: `text_next_step` while a treatment goes on now,
# `text_no_date` when none is set (a plan of check-ups or a cream uses these too).
PHASE_SUFFIXES = {"next_step": ("_next_step", "_no_date"), "no_date": ("_no_date",), "watch": ("_no_date",)}


def _phase_text(entry: dict[str, Any], phase: str) -> dict[str, Any]:
    """An item's words for what its "before" points at (before_phase): the first suffix it has."""
    for suffix in PHASE_SUFFIXES.get(phase, ()):
        if f"text{suffix}" in entry:
            return {**entry, **{key.removesuffix(suffix): value for key, value in entry.items()
                                if key.endswith(suffix)}}
    return entry


def _age_text(entry: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """An item's `_65` words at 65 or older (issue 28: Medicare first; no Marketplace help offered as if
    premium-free Part A did not usually end it)."""
    if not facts.holds["age_65_plus"]:
        return entry
    return {**entry, **{key.removesuffix("_65"): value for key, value in entry.items()
                        if key.endswith("_65")}}


def _named_text(entry: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """An item's `_named` words when the records letter is addressed to someone (issue 28: step two names
    the letter's "To"): `text_named` for `text`, `text_prison_named` for `text_prison`."""
    if not values.get("first_doctor"):
        return entry
    return {**entry, **{key.removesuffix("_named"): value for key, value in entry.items()
                        if key.endswith("_named")}}


# An item's words for what this patient's state and plan make moot (PEMAT-P item 2, issue 28): a suffixed
# key (`text_removed`, `title_removed`...) replaces the plain one when its fact holds, in this order.
FACT_SUFFIXES = (("removal_done", "_removed"), ("proposed_radiation", "_radiation_planned"),
                 ("systemic_proposed", "_medicine_planned"), ("mohs_not_an_option", "_no_mohs"),
                 ("surgeon_rarely_needed", "_rarely"))


def _fact_text(entry: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """An item's words for the facts in FACT_SUFFIXES: the spot already out (`_removed`), radiation or a
    medicine already the plan (`_radiation_planned`, `_medicine_planned`: a question about the plan, never
    "would it help?"), Mohs surgery not an option for this kind (`_no_mohs`), a cancer surgeon rarely needed
    (`_rarely`)."""
    for fact, suffix in FACT_SUFFIXES:
        if facts.holds[fact]:
            entry = {**entry, **{key.removesuffix(suffix): value for key, value in entry.items()
                                 if key.endswith(suffix)}}
    return entry


def same_ground(section: dict[str, Any], fired: list[tuple[str, Because]]) -> list[tuple[str, Because]]:
    """A question list without near-duplicates: of the questions that share a `group` in questions.yaml
    (they cover the same ground), only the first in the rules' order is kept. The rules list the specific
    questions before the general ones, so the more specific one stays (rating round 3, ex-02)."""
    seen: set[str] = set()
    kept = []
    for item_id, because in fired:
        group = (section.get(item_id) or {}).get("group")
        if group:
            if group in seen:
                continue
            seen.add(group)
        kept.append((item_id, because))
    return kept


def _setting_text(entry: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """An item's words for the patient's care setting: `text_prison` in prison, `text_va` in VA care."""
    for fact, suffix in (("in_prison", "_prison"), ("veterans_affairs", "_va")):
        if facts.holds[fact]:
            return {**entry, **{key.removesuffix(suffix): value for key, value in entry.items()
                                if key.endswith(suffix)}}
    return entry


def renumber(text: str, replacements: list[tuple[str, str]]) -> str:
    """"second opinion" as "third opinion" (or "another opinion") once the patient has had one."""
    for old, new in replacements:
        text = text.replace(old, new)
    return text


STAGE_REASONS = frozenset({"stage_III", "stage_IV", "advanced", "melanoma_stage_IIB_IIC",
                           "melanoma_stage_IB_II", "lymphoma_stage_IIB_plus"})
"""The facts whose "because" is the stage's label; page one's reason gives its meaning instead."""


def _urgency(profile: Profile, content: dict[str, Any], facts: Facts, voice: str,
             joiner: str = " ") -> Urgency:
    """The page-one box: how soon to get the second opinion, and what a clinician said about timing, in
    their name. The tool never says a plan should be kept or cannot wait."""
    level, because = urgency_level(facts)
    words = content["urgency"]
    # the follow-up words only when no treatment is proposed (a treatment after surgery has its own date)
    state = next((state for fact, state in (("state_no_evidence", "no_evidence_of_disease"),
                                            ("state_watching", "watching")) if facts.holds[fact]), "")
    if state == "no_evidence_of_disease" and facts.holds["treatment_planned"]:
        state = ""
    if not state and facts.holds["gentle_plan_no_date"]:  # check-ups or a cream, no date, no one gave a time
        state = "plan_without_date"
    if not state and before_phase(facts) == "next_step":  # treatment goes on now: before its next step
        state = "treatment_ongoing"
    stated = words["states"].get(state, {}).get(level, {})
    level_text = {**words["levels"][level], **stated}
    if "text" not in stated and (case_level(facts)[0] != level or facts.holds["state_no_evidence"]):
        # the level comes from a clinician's "do not wait" or from no cancer found now, not from the case:
        # no words about how fast this cancer grows (issue 28)
        level_text["text"] = (words["states"]["no_evidence_of_disease"]["prompt"]["text"]
                              if facts.holds["state_no_evidence"] and level == "prompt"
                              else level_text.get("text_plain", level_text["text"]))
    answered = facts.holds["clinician_no_wait"] or facts.holds["clinician_can_wait"]
    advice = words["planned"] if facts.holds["treatment_planned"] and not answered else ""
    text = joiner.join(filter(None, [level_text["text"], advice]))
    said = fill(_timing_said(profile, words, facts), facts.values)
    # the case's own reasons first: page one shows the first, and "you have melanoma" explains nothing
    # ("a rare skin cancer that can grow fast" is a real reason); a report that leaves the diagnosis open
    # comes first unless the case is urgent for its own reason (issue 28: an expert should read the slides)
    ordered = tuple(sorted(because, key=lambda key: key in GENERIC_REASONS - {"type_merkel"}))
    if facts.holds["pathology_uncertain"] and level != "urgent":
        ordered = ("pathology_uncertain", *ordered)
    # page one's reason says what the stage means ("the cancer has reached a nearby lymph node (stage III)"),
    # not the label the section notes use ("the stage is III") (issue 28, CCI item 16)
    reasons = tuple(dict.fromkeys(
        facts.values["stage_meaning"] if key in STAGE_REASONS else _because((key,), content, facts, voice)[0]
        for key in ordered))
    return Urgency(level, level_text["title"], fill(text, facts.values), reasons, said,
                   item_sources(level_text.get("sources"), facts))


RARE_KINDS_WORDS = "rare"
"""The experts_know entry for the rare kinds (angiosarcoma, sebaceous carcinoma, AFX, PDS, other)."""


def _experts_know(profile: Profile, words: dict[str, Any]) -> str:
    """One sentence on what experts agree on and what is not known, for this kind of skin cancer."""
    known = words.get("experts_know", {})
    diagnosis = profile.diagnosis
    kind = diagnosis.cancer_type.value
    if kind == "melanoma" and diagnosis.melanoma.subtype.value == "mucosal":
        kind = "melanoma_mucosal"
    return known.get(kind, known.get(RARE_KINDS_WORDS, ""))


def _timing_said(profile: Profile, words: dict[str, Any], facts: Facts) -> str:
    """A clinician's answer on timing in their name; else what the first doctor said, as reported speech."""
    said = words["clinician_said"]
    dated = "_dated" if profile.treatment_plan.timing_answer.said_on else ""
    if facts.holds["clinician_no_wait"]:
        return said["no" + dated]
    if facts.holds["clinician_can_wait"]:
        return said[("yes_until" if facts.holds["clinician_can_wait_until"] else "yes") + dated]
    stated = profile.treatment_plan.urgency_stated.value
    return words["doctor_said"].get(stated, "") if facts.holds["state_active"] or facts.holds[
        "treatment_planned"] else ""


def build_guidance(profile: Profile, content: dict[str, Any], today: date, language: str = "",
                   language_name: str = "", writing: Mapping[str, str] | None = None,
                   dates: Callable[[date], str] = date.isoformat) -> Guidance:
    """The guidance for one profile, in the language of `content`, as of a given day.

    `language` and `language_name` are the patient's language tag and its name in words (see facts_of);
    `writing` is how the content's language joins sentences and lists and writes numbers
    (content.writing: sentence_joiner, enumeration_separator, number_locale); `dates` writes a date in
    words in the packet's language.
    """
    writing = writing or {}
    joiner = writing.get("sentence_joiner", " ")
    facts = facts_of(profile, today, content["words"], language, language_name, writing, dates)
    voice = reader_voice(facts.holds)
    phase = before_phase(facts)
    sections: dict[str, Section] = {}
    for name, rules in RULES.items():
        fired = _ordered(name, [(item_id, because) for item_id, r in rules.items()
                                if (because := r.check(facts))], facts)
        if name == "questions":
            fired = same_ground(content[name], fired)
        if not fired:
            continue
        # someone else reads for the patient: items that say "your" have words about the patient (about.yaml)
        about = content.get("about", {}).get(name, {}) if voice != "self" else {}
        texts = {item_id: _setting_text(_age_text(_named_text(_phase_text(_fact_text(
                     {**entry, **about.get(item_id, {})}, facts), phase), facts.values), facts), facts)
                 for item_id, entry in content[name].items()}
        items = tuple(
            Item(item_id, fill(texts[item_id].get("title", ""), facts.values),
                 fill(texts[item_id]["text"], facts.values), _because(because, content, facts, voice),
                 fill(texts[item_id].get("find", ""), facts.values), because != ("everyone",),
                 item_sources(texts[item_id].get("sources"), facts),
                 _because(tuple(key for key in because if key not in GENERIC_REASONS), content, facts, voice))
            for item_id, because in fired
        )
        heading = content["sections"].get(name, {"title": ""})
        intro = heading.get("intro", "")
        if name == "indications":  # what experts agree on and what no one knows yet, for this kind
            intro = joiner.join(filter(None, [intro, _experts_know(profile, content["words"])]))
        if name == "insurance_steps":  # no plan to call: in prison, in VA care, or with no insurance
            setting = next((key for fact, key in INSURANCE_INTROS if facts.holds[fact]), "")
            intro = heading.get(setting, intro)
        sections[name] = Section(name, heading["title"], intro, items)
    urgency = _urgency(profile, content, facts, voice, joiner)
    if profile.treatment_plan.prior_opinions:
        sections, urgency = _renumbered(sections, urgency, content["words"]["opinion_number"],
                                        profile.treatment_plan.prior_opinions)
    is_cancer = not facts.holds["type_uncertain"]
    return Guidance(profile.patient.id, int(facts.values["age"]),
                    summarize(profile, content["words"], facts.values, is_cancer, joiner), urgency, sections,
                    voice=voice, is_cancer=is_cancer, show_depth_drawing=facts.holds["depth_matters"],
                    reader=reader_of(voice, profile, content, facts.values), before=phase)
