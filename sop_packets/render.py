"""Render a packet: the context its template reads, and the complete self-contained HTML.

The Jinja environment and filters live in templating, the fonts an HTML page needs in page_fonts, and
WeasyPrint (HTML to PDF, with page one's fitting in page_one) in pdf; their public names are kept here.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import fonts
from .calls import calls_without_number, with_digits
from .case_summary import case_summary_rows, letter_records
from .clinic import Branding, reach
from .content import (
    DEFAULT_LANGUAGE,
    available_languages,
    content_overrides,
    language_data,
    language_folder,
    language_name,
    load_content,
    marked_english,
    notice_for,
)
from .drawings import MOHS_TYPES, care_path, mohs_uri
from .english_words import mark_in_page
from .errors import BuildError
from .explanation import is_explained
from .first_use import MORE, explain_first_uses, inside_longer
from .glossary import Term, load_glossary, terms_used, uses_of
from .guidance import SECTION_ORDER, Guidance, Item
from .language import cjk_form
from .page_fonts import with_fonts
from .pdf import (  # noqa: F401  (render's public names, kept for its callers)
    GC_YOUNG_THRESHOLD,
    PRINT_HIDDEN,
    _packet_css,
    _packet_html_class,
    check_pdf_support,
    fewer_collections,
    forget_temp_state,
    render_pdf,
    url_fetcher,
)
from .review import state as review_state
from .schema import Profile
from .templating import (  # noqa: F401  (render's public names, kept for its callers)
    _markdown,
    css_string,
    environment,
    fill_in,
    in_language,
    isolate_ltr,
    keep_together,
    long_date,
    markdown,
    markdown_inline,
    page_counter_css,
    stylesheet,
    untranslated_clinic_text,
)
from .visible import visible_units

TOOL_NAME = "sop-packets"
LATER_SECTIONS = ("differing_opinions", "after_visit")
"""Generic sections printed together on one later page, "After your visits"."""
CORE_SECTIONS = ("indications", "specialists", "records", "questions")
"""The core after page one: why a second opinion, whom to see, what to gather, the questions that matter."""
REFERENCE_SECTIONS = ("insurance_steps", "population_notes", "telemedicine", "clinical_trials")
"""After the "When you need more" divider, with the rest of the questions, how soon, and the drawing."""
CORE_QUESTIONS = 5
"""Questions printed in the core, most important first (the case summary lists the same ones)."""


@dataclass(frozen=True)
class Packet:
    """What one packet is made from."""

    profile: Profile
    guidance: Guidance
    prepared_on: date
    branding: Branding
    large_print: bool = False
    language: str = DEFAULT_LANGUAGE  # the packet's language: a folder under templates/content
    language_tag: str = DEFAULT_LANGUAGE  # the patient's own language (BCP 47), which may have no folder
    clinic_language: str = DEFAULT_LANGUAGE  # the letter and case summary, read by doctors' offices
    clinic_guidance: Guidance | None = None  # the guidance in the clinic's language, when it differs
    as_written: Profile | None = None  # the profile as saved, when the packet's differs (a past date dropped)


@fewer_collections()
def render_html(packet: Packet, *, embed_fonts: bool = True) -> str:
    """The complete, self-contained HTML packet, in the packet's language.

    The records-request letter and the case summary are in the clinic's language (they are read by
    doctors' offices); when that differs from the packet's, they carry their own lang attribute and
    a line in the patient's language says so. embed_fonts=False leaves out the fonts a browser
    needs (render_pdf drops them anyway): for a packet printed only as PDF.
    """
    language, clinic_language = packet.language, packet.clinic_language
    content = load_content(language)
    clinic_content = load_content(clinic_language)
    tools, clinic_tools = content["tools"], clinic_content["tools"]
    guidance, profile = packet.guidance, packet.profile
    more_questions = guidance.items("questions")[CORE_QUESTIONS:]
    clinic_guidance = packet.clinic_guidance or guidance
    needs_help = language_needs_help(packet)
    context = dict(
        profile=profile,
        patient=profile.patient,
        guidance=guidance,
        summary=guidance.summary,
        prepared_on=packet.prepared_on,
        large_print=packet.large_print,
        clinic=packet.branding.clinic,
        logo_uri=packet.branding.logo_uri,
        css=Markup(stylesheet()),
        section_order=SECTION_ORDER,
        later_sections=LATER_SECTIONS,
        core_sections=CORE_SECTIONS,
        reference_sections=REFERENCE_SECTIONS,
        core_questions=guidance.items("questions")[:CORE_QUESTIONS],
        more_questions=more_questions,
        tracker_rows=tracker_rows([item.text for item in more_questions], tools["tracker"]["rows"],
                                  packet.large_print),
        drawing_height=DRAWING_HEIGHT,
        first_whys=_first_whys(guidance),
        packet_sources=packet_sources(guidance, content),
        drawing_uri=drawing_uri({**tools["drawing"], "font_family": ", ".join(fonts.stack_families(
            cjk_form(packet.language_tag if language_folder(packet.language_tag) == language else language),
            language_data(language)["first_font"] != "no"))}, packet.large_print),
        care_path=care_path(packet.profile, packet.guidance, tools["roadmap"], language,
                            packet.language_tag, packet.large_print),
        mohs={"uri": mohs_uri(tools["mohs"], context_family(packet, language), packet.large_print)}
        if _mohs_applies(profile, guidance) else None,
        sections_text=content["sections"],
        alert_words=content.get("alerts", {}),
        tools=tools,
        ui=content["ui"],
        words=content["words"],
        lang=language,
        punct=language_data(language),
        page_of=page_counter_css(content["ui"]["page_of"]),
        notice=notice_for(packet.language_tag) if needs_help else None,
        reach=reach(packet.branding.clinic, language),
        notice_phone=Markup('<bdi dir="ltr">{}</bdi>').format(
            isolate_ltr(reach(packet.branding.clinic, language).phone)),
        notice_language=language_name(packet.language_tag, language) if needs_help else "",
        clinic_lang=clinic_language,
        clinic_language_name=language_name(clinic_language, language),
        ctools=clinic_tools,
        cui=clinic_content["ui"],
        cwords=clinic_content["words"],
        cguidance=clinic_guidance,
        csummary=clinic_guidance.summary,
        toc=_table_of_contents(guidance, content, with_glossary=False),
        letter_records=letter_records(clinic_guidance, clinic_tools["letter"],
                                      for_someone=clinic_guidance.reader is not None),
        tool_name=TOOL_NAME,
        review=review_state(packet.as_written or profile),  # the clinician checked the profile as saved
        glossary_terms=[],
        **_case_summary_facts(profile, clinic_tools["summary"]),
        **case_summary_rows(profile, clinic_content, packet.clinic_language, packet.language_tag),
    )
    template = environment().get_template("packet.html.j2")
    page = with_digits(template.render(context))
    check_calls(page, language)
    # issue 28: the glossary defines the words of the part every reader reads (page one to the questions);
    # the reference part explains its own words where they stand
    # the clinic's office names and specialties ("… and Mohs Surgery") are not the guide's words
    punct = language_data(language)
    core_part = REFERRAL_TABLE.sub("", page.split(MORE, 1)[0])
    used = terms_used([_text_in(core_part, language)], _glossary(language), punct["collation"])

    def explain(html: str) -> str:
        # each hard word explained at its first use in the core part (page one on) and on each sheet
        return explain_first_uses(html, used, punct["gloss"],
                                  lambda text, start, end: is_explained(text, start, end, language,
                                                                        alternative_counts=False),
                                  punct["gloss_before"], _glossary(language))

    explained = explain(page)
    explained_core = REFERRAL_TABLE.sub("", explained.split(MORE, 1)[0])
    terms = unexplained_where_first_used(_text_in(explained_core, language), used, language)
    if terms:
        context.update(glossary_terms=terms, toc=_table_of_contents(guidance, content, with_glossary=True))
        page = explain(with_digits(template.render(context)))
    else:
        page = explained
    if language != DEFAULT_LANGUAGE:
        page = mark_in_page(page, set(marked_english(language)), punct["english_term"], punct["english_say"])
    return with_fonts(page, language, packet.language_tag, embed_fonts=embed_fonts)


def unexplained_where_first_used(text: str, terms: list[Term], language: str) -> list[Term]:
    """The terms not explained where the reader first meets them: by no use in the paragraph (the line
    of text) of their first use (issue 28: "Words to know" holds only these, so a word explained where
    it stands, as in "A Mohs surgeon. A Mohs surgeon is a doctor who…", is not repeated there). A use
    inside a longer term ("lymph node" in "sentinel lymph node biopsy (a test …)") explains only the
    longer one; a term used only inside longer ones is not a word of its own there."""
    found = {term: uses_of(term.forms, text) for term in terms}
    every = [(term, span) for term, spans in found.items() for span in spans]
    unexplained = []
    for term in terms:
        spans = [span for span in found[term] if not inside_longer(span, term, every)]
        if found[term] and not spans:  # only ever part of a longer term, which is what needs explaining
            continue
        if spans:
            paragraph_end = text.find("\n", spans[0][0])
            spans = [span for span in spans if paragraph_end < 0 or span[0] < paragraph_end]
        if not any(is_explained(text, start, end, language, alternative_counts=False)
                   for start, end in spans):
            unexplained.append(term)
    return unexplained


VISIT_SHEET_LINES = 18.0
"""Standard print: the lines of the visit sheet left for the other questions beside a full tracker."""
TRACKER_ROW_LINES = 2.1
"""The lines one tracker row takes (3.2em at 0.9 of the body size, in 1.38 leading)."""


def tracker_rows(questions: list[str], rows: int, large_print: bool) -> int:
    """How many rows the appointment tracker gets on the visit sheet beside the other questions (issue 28):
    a row fewer for each two lines the questions run past the room beside a full tracker, never fewer
    than three; 0 when even three would not fit (the tracker then ends the part before the question
    sheet, with all its rows, instead of taking a page of its own). Standard print estimates each
    question's lines at about 66 characters (the 31em measure; a wide character, such as Chinese,
    counts two of 78); large print, whose questions take two sheets anyway, keeps the count rule."""
    if large_print:
        return rows - (len(questions) > 9) - (len(questions) > 11)
    lines = 0.0
    for text in questions:
        wide = sum(unicodedata.east_asian_width(char) in "WF" for char in text)
        width = len(text) + wide
        lines += math.ceil(width / (78 if wide > len(text) / 2 else 66)) + 0.3
    left = rows - math.ceil(max(0.0, lines - VISIT_SHEET_LINES) / TRACKER_ROW_LINES)
    return 0 if left <= 1 else max(3, left)


def _mohs_applies(profile: Profile, guidance: Guidance) -> bool:
    """The Mohs drawing, for a BCC or SCC whose guide names a Mohs surgeon: not for a spot already out
    with radiation or medicine as the plan (issue 28's rating found it in such a packet)."""
    return profile.diagnosis.cancer_type.value in MOHS_TYPES and any(
        item.id == "mohs_surgeon" for item in guidance.items("specialists"))


def context_family(packet: Packet, language: str) -> str:
    """The font families a drawing's labels are set in, for the packet's language and script."""
    own = packet.language_tag if language_folder(packet.language_tag) == language else language
    return ", ".join(fonts.stack_families(cjk_form(own), language_data(language)["first_font"] != "no"))


def _first_whys(guidance: Guidance) -> dict[Item, tuple[str, ...]]:
    """The "Why this is in your guide" reasons printed under each item: one note per reason per section.

    An item whose reasons are the same as an earlier item's (in this section or an earlier one) has no
    note: they say nothing new. Within a section, a reason already printed is left out of later notes (rating
    round 3, ex-01: the same "stage not known yet" under two reasons), so an item may print fewer reasons,
    or none.
    """
    # the question sheet carries no notes, so its reasons never stand in for a later section's note
    order = [name for name in (*CORE_SECTIONS, *REFERENCE_SECTIONS) if name != "questions"]
    seen: set[tuple[str, ...]] = set()
    shown: dict[Item, tuple[str, ...]] = {}
    for name in order:
        printed: set[str] = set()
        for item in guidance.items(name):
            reasons = tuple(item.because)
            if not item.personal or not item.why or reasons in seen:
                continue
            seen.add(reasons)
            new = tuple(phrase for phrase in item.why if phrase not in printed)
            printed.update(item.why)
            if new:
                shown[item] = new
    return shown


def check_calls(page: str, language: str) -> None:
    """Refuse a packet that tells the reader to call their care team and gives no number (issue 28)."""
    missing = calls_without_number(page, language)
    if missing:
        shown = "; ".join(f'in "{where}": "{sentence}"' for where, sentence in missing[:5])
        raise BuildError(f"the packet tells the reader to call but gives no phone number ({shown}). "
                         "Give the clinic's contact a phone in clinic.yaml, or add the number to that text")


def language_needs_help(packet: Packet) -> bool:
    """The patient's language is not English and has no packet of its own."""
    code = packet.language_tag.replace("_", "-").split("-")[0].lower()
    return code != DEFAULT_LANGUAGE and not language_folder(packet.language_tag)


REFERRAL_TABLE = re.compile(r'<table class="referrals">.*?</table>', re.S)


def _text_in(html: str, language: str) -> str:
    """The words a reader sees in the page's own language, for finding which glossary terms it uses."""
    return "\n".join(visible_units(html, language))


def _glossary(language: str = DEFAULT_LANGUAGE) -> tuple[Term, ...]:
    return _glossary_of(language, content_overrides())


@functools.cache
def _glossary_of(language: str, overrides: Path | None) -> tuple[Term, ...]:
    data = language_data(language)
    return load_glossary(load_content(language), data["glossary"], data["collation"])


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str


def _table_of_contents(guidance: Guidance, content: dict[str, Any], *, with_glossary: bool) -> list[TocEntry]:
    """A short strip (issue 28): the core's sections, the divider, the glossary, then the sheets (the
    questions, the letter, the case summary, the worksheet), in printed order. The reference part's own
    sections follow the divider, which says what it holds."""
    tools, titles = content["tools"], content["sections"]
    entries = [TocEntry(name.replace("_", "-"), titles[name]["title"])
               for name in CORE_SECTIONS if name in guidance.sections and name != "questions"]
    entries.append(TocEntry("more", tools["more"]["title"]))
    if with_glossary:
        entries.append(TocEntry("glossary", tools["glossary"]["title"]))
    if "questions" in guidance.sections:  # the question sheet opens the tools
        entries.append(TocEntry("questions", titles["questions"]["title"]))
    entries += [
        TocEntry("records-letter", tools["letter"]["title"]),
        TocEntry("case-summary", tools["summary"]["title"]),
        TocEntry("worksheet", tools["worksheet"]["title"]),
    ]
    return entries


DRAWING_HEIGHT = 290


DRAWING_LABEL_SIZE = {False: 17, True: 20.5}
"""Label size in drawing units; in large print the drawing spans the text width (about 0.82 pt a unit on
A4), so 20.5 units print at 16.8 pt, above the 16.5 pt body."""


def drawing_uri(words: dict[str, Any], large_print: bool = False) -> str:
    """The skin-layers drawing with its labels filled in, as a self-contained data: URI."""
    return _drawing_uri(json.dumps(words, sort_keys=True), large_print)


@functools.lru_cache(maxsize=8)
def _drawing_uri(words_json: str, large_print: bool = False) -> str:
    svg = environment().get_template("skin-layers.svg.j2").render(d=json.loads(words_json),
                                                                   fs=DRAWING_LABEL_SIZE[large_print])
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def packet_sources(guidance: Guidance, content: dict[str, Any]) -> list[dict[str, str]]:
    """The sources this packet's own items name, plus those every packet rests on, each once."""
    ids = dict.fromkeys([*guidance.source_ids(), *content["tools"]["sources"]["always"]])
    return [content["sources"][source_id] for source_id in ids]


def _case_summary_facts(profile: Profile, words: dict[str, Any]) -> dict[str, list[str]]:
    """Short labels for the one-page case summary that the second-opinion doctor reads."""
    dx, path = profile.diagnosis, profile.diagnosis.pathology
    labels = words["pathology"]
    pathology = [labels["reviewed_by_dermatopathologist" if path.reviewed_by_dermatopathologist
                        else "not_reviewed"]]
    pathology += [labels[flag] for flag in ("borderline", "insufficient_tissue") if getattr(path, flag)]
    if path.differential or path.differential_diagnoses:
        named = f": {', '.join(path.differential_diagnoses)}" if path.differential_diagnoses else ""
        pathology.append(labels["differential"] + named)
    flags = {"recurrent": dx.recurrent, "rapidly_changing": dx.rapidly_changing, "high_risk": dx.high_risk,
             "pregnant": profile.patient.pregnant, "care_abroad": profile.patient.seeking_care_abroad}
    return {
        "pathology_facts": pathology,
        "other_facts": [words["other"][name] for name, on in flags.items() if on],
        "concern_facts": [words["concerns"][name] for name, on in profile.concerns if on],
    }


def warm_up(pdf: bool = True) -> None:
    """Build every cached piece once (content, templates, CSS, glossary, fonts) before the first packet."""
    for language in available_languages():
        load_content(language)
        _glossary(language)
    environment().get_template("packet.html.j2")
    stylesheet()
    _markdown()
    if pdf:
        _packet_css()
        _packet_html_class()
