"""Build: run every rule on a profile's facts and put the packet's words to the items that fire.

The result, `Guidance`, holds the sections, urgency, summary and reader; render.py lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from ..schema import CancerType, Profile
from ..situation import reader_voice
from .facts import Because, Facts, facts_of
from .rules import ALERTS, MAX_NEXT_STEPS, NEXT_STEPS, RULES, SECTION_ORDER
from .sources import item_sources
from .summary import Summary, fill, summarize
from .urgency import urgency_level


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
        for name in (NEXT_STEPS, *SECTION_ORDER, ALERTS):  # alerts last: the shape only grew
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


def _because(keys: Because, content: dict[str, Any], facts: Facts, voice: str = "self") -> tuple[str, ...]:
    """The phrases behind an item; about the patient by name when someone else reads for them."""
    about = content.get("because_about", {}) if voice != "self" else {}
    return tuple(dict.fromkeys(fill(about.get(key, content["because"][key]), facts.values) for key in keys))


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


def build_guidance(profile: Profile, content: dict[str, Any], today: date, language: str = "",
                   language_name: str = "", writing: Mapping[str, str] | None = None) -> Guidance:
    """The guidance for one profile, in the language of `content`, as of a given day.

    `language` and `language_name` are the patient's language tag and its name in words (see facts_of);
    `writing` is how the content's language joins sentences and lists and writes numbers
    (content.writing: sentence_joiner, enumeration_separator, number_locale).
    """
    writing = writing or {}
    joiner = writing.get("sentence_joiner", " ")
    facts = facts_of(profile, today, content["words"], language, language_name, writing)
    voice = reader_voice(facts.holds)
    sections: dict[str, Section] = {}
    for name, rules in RULES.items():
        fired = [(item_id, because) for item_id, r in rules.items() if (because := r.check(facts))]
        if name == NEXT_STEPS:
            fired = fired[:MAX_NEXT_STEPS]
        if name == "specialists" and facts.holds["pregnant"]:  # radiation usually waits for the birth
            fired.sort(key=lambda pair: pair[0] == "radiation_oncologist")
        if name == "specialists" and not fired:
            fired = [("dermatologist", ("everyone",))]
        if not fired:
            continue
        # someone else reads for the patient: items that say "your" have words about the patient (about.yaml)
        about = content.get("about", {}).get(name, {}) if voice != "self" else {}
        texts = {item_id: {**entry, **about.get(item_id, {})} for item_id, entry in content[name].items()}
        items = tuple(
            Item(item_id, fill(texts[item_id].get("title", ""), facts.values),
                 fill(texts[item_id]["text"], facts.values), _because(because, content, facts, voice),
                 fill(texts[item_id].get("find", ""), facts.values), because != ("everyone",),
                 item_sources(texts[item_id].get("sources"), facts))
            for item_id, because in fired
        )
        heading = content["sections"].get(name, {"title": ""})
        intro = heading.get("intro", "")
        if name == "insurance_steps" and facts.holds["coverage_none"]:  # no plan to call
            intro = heading.get("intro_no_insurance", intro)
        sections[name] = Section(name, heading["title"], intro, items)
    level, because = urgency_level(facts)
    urgency_text = content["urgency"]
    level_text = urgency_text["levels"][level]
    planned = facts.holds["treatment_proposed"]
    keep = facts.holds["keep_date_ok"]
    # "Keep your date" only for a time-critical, curative plan the team can complete; else ask first.
    advice = (level_text["keep"] if keep else level_text["ask_first"]) if planned else ""
    text = joiner.join(filter(None, [level_text["text"], advice]))
    said = urgency_text[("doctor_said" if keep else "doctor_said_weigh") if planned
                        else "doctor_said_no_plan"]
    urgency = Urgency(
        level, level_text["title"], fill(text, facts.values), _because(because, content, facts, voice),
        fill(said.get(profile.treatment_plan.urgency_stated.value, {}).get(level, ""), facts.values),
        item_sources(level_text.get("sources"), facts),
    )
    is_cancer = not facts.holds["type_uncertain"]
    return Guidance(profile.patient.id, int(facts.values["age"]),
                    summarize(profile, content["words"], facts.values, is_cancer, joiner), urgency, sections,
                    voice=voice, is_cancer=is_cancer, show_depth_drawing=facts.holds["depth_matters"],
                    reader=reader_of(voice, profile, content, facts.values))
