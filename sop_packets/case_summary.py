"""What the records letter asks for and the case summary's added rows (issue 28): the facts a
second-opinion doctor's office needs, in the clinic's language."""

from __future__ import annotations

from typing import Any

from .content import language_name, long_date
from .guidance import Guidance
from .schema import Profile


def letter_records(guidance: Guidance, letter: dict[str, Any], *, for_someone: bool) -> list[str]:
    """What the records letter asks for, in the writer's voice ("My visit notes"): the pathology, the
    slides and the visit notes always (the letter's subject names records and slides), and the other
    records this patient's checklist lists."""
    listed = {item.id for item in guidance.items("records")}
    words = letter["requests_for" if for_someone else "requests"]
    return [words[key] for key in letter["request_ids"] if key in letter["always_ids"] or key in listed]


def case_summary_rows(profile: Profile, content: dict[str, Any], language: str, tag: str) -> dict[str, str]:
    """The case summary's rows a second-opinion doctor needs (issue 28): node status, current treatment,
    serious side effects, and the language and interpreter."""
    words = content["tools"]["summary"]
    dx, now = profile.diagnosis, profile.current_treatment
    sentinel = dx.sentinel_node.value
    nodes = "clinical" if dx.clinical_nodes else sentinel if sentinel != "unknown" else ""
    treatment = ""
    if now.therapies:
        names = "; ".join(content["words"]["treatments"].get(t.value, t.value) for t in now.therapies)
        status = words["treatment_status"][now.status.value].replace(
            "{date}", long_date(now.stopped_on, language) if now.stopped_on else "").strip()
        treatment = f"{names} ({status})"
    effects = now.serious_side_effects.value
    speaks = ""
    if tag and primary_subtag_of(tag) != primary_subtag_of(language):
        speaks = words["interpreter"].replace("{language}", spoken_language(tag, words, language))
    return {
        "summary_nodes": words["nodes"][nodes] if nodes else "",
        "summary_treatment": treatment,
        "summary_side_effects": words["side_effects"][effects] if effects != "unknown" else "",
        "summary_language": speaks,
    }


def primary_subtag_of(tag: str) -> str:
    return tag.replace("_", "-").split("-")[0].lower()


def spoken_language(tag: str, words: dict[str, Any], language: str) -> str:
    """The language an interpreter must speak, in words (issue 28: "Chinese" does not say which). A tag
    that names a spoken Chinese (yue, zh-yue: Cantonese; cmn: Mandarin; nan; hak) names it; plain Chinese
    (zh, zh-CN, zh-Hant) says the spoken language was not given and to ask; any other is its name."""
    subtags = tag.replace("_", "-").lower().split("-")
    spoken = words["spoken"]
    if subtags[0] in spoken:
        return spoken[subtags[0]]
    if subtags[0] == "zh" and len(subtags) > 1 and subtags[1] in spoken:  # an extended subtag: zh-yue
        return spoken[subtags[1]]
    name = language_name(tag, language)
    return words["chinese_not_given"].replace("{language}", name) if subtags[0] == "zh" else name
