"""Render a packet: Jinja2 templates to self-contained HTML, and WeasyPrint HTML to PDF."""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import gc
import html as html_module
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from markdown_it import MarkdownIt
from markupsafe import Markup
from markupsafe import escape as html_escape

from . import actual_text, fonts, markup
from .calls import calls_without_number, care_call, with_digits
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
    template_dir,
)
from .content import (
    long_date as content_long_date,
)
from .drawings import MOHS_TYPES, care_path, mohs_uri
from .english_words import mark_in_page
from .errors import BuildError, MissingSystemLibrary
from .glossary import Term, load_glossary, terms_used
from .guidance import SECTION_ORDER, Guidance
from .language import cjk_form
from .review import state as review_state
from .schema import Profile
from .visible import all_body_text, visible_units

TOOL_NAME = "sop-packets"
LATER_SECTIONS = ("differing_opinions", "after_visit")
"""Generic sections printed together on one later page, "After your visits"."""
CORE_SECTIONS = ("indications", "specialists", "records", "questions")
"""The core after page one: why a second opinion, whom to see, what to gather, the questions that matter."""
REFERENCE_SECTIONS = ("insurance_steps", "population_notes", "telemedicine", "clinical_trials")
"""After the "When you need more" divider, with the rest of the questions, how soon, and the drawing."""
CORE_QUESTIONS = 5
"""Questions printed in the core, most important first (the case summary lists the same ones)."""
PANGO_HELP = (
    "WeasyPrint (which makes the PDF) needs the Pango library, and it is not installed. "
    "On Debian or Ubuntu run: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0"
)


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


def _markdown() -> MarkdownIt:
    """CommonMark with raw HTML, images and links off; headings become bold paragraphs (see markup)."""
    return markup.parser()


def markdown(text: str | None) -> Markup:
    """Markdown to safe HTML; any HTML in the text is shown as text, never run."""
    return Markup(markup.render(text))


def markdown_inline(text: str | None) -> Markup:
    """Markdown for one line (no wrapping paragraph)."""
    return Markup(markup.render_inline(text))


@functools.cache
def environment(folder: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescape always on, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder or template_dir()),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown
    env.filters["markdown_inline"] = markdown_inline
    env.filters["long_date"] = long_date
    env.filters["css_string"] = css_string
    env.filters["fill"] = fill_in
    env.filters["in_language"] = in_language
    env.filters["ctext"] = clinic_text
    # a referral office with no kinds is listed in every packet; one with kinds, where the guide names one
    env.tests["listed_for"] = lambda kinds, named: not kinds or any(kind in named for kind in kinds)
    env.filters["call_needs_number"] = lambda text, language: bool(text) and care_call(text, language)
    env.globals["phone_span"] = keep_together
    return env


LRI, PDI = "\u2066", "\u2069"


def isolate_ltr(text: str) -> str:
    """A phone number set left to right inside right-to-left text, by Unicode isolate marks in the text
    itself (LRI … PDI), so it keeps its order in the PDF: "(555) 010-2000", never "2000-010 (555)".
    WeasyPrint ignores <bdi>; the marks are kept by the text shaper."""
    return f"{LRI}{text}{PDI}"


def keep_together(text: object) -> Markup:
    """A phone number or a date that must never break across lines, as one non-breaking span."""
    return Markup('<span class="nowrap">{}</span>').format(text)


@jinja2.pass_context
def clinic_text(context: Any, value: object) -> Markup:
    """Clinic text (a referral's note, a role) in the packet's language when clinic.yaml gives it.

    Text in another language than the page's is marked with its lang, so a reader and `lint` know.
    """
    from .clinic import localized

    page, clinic = context["lang"], context["clinic_lang"]
    text, language = localized(value, page, clinic)
    if language == page:
        return html_escape(text)
    return Markup('<span lang="{}" class="clinic-text">{}</span>').format(language, text)


CLINIC_TEXT = re.compile(r'<span lang="([A-Za-z0-9-]+)" class="clinic-text">([^<]*)</span>')


def untranslated_clinic_text(html: str, language: str) -> list[str]:
    """Clinic text the patient reads (a referral's note, a role) that is not in the packet's language."""
    return [html_module.unescape(text) for code, text in CLINIC_TEXT.findall(html)
            if code.split("-")[0].lower() != language]


def long_date(day: date, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as people write it: "November 27, 2026", "27 de noviembre de 2026" (Babel; the
    language's _language.yaml may give its own pattern)."""
    return content_long_date(day, language)


def css_string(text: str) -> Markup:
    """Text as a quoted CSS string for the page header and footer, safe inside <style>."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return Markup(f'"{escaped}"')


def fill_in(text: str, **values: Any) -> Markup:
    """A content string with its {placeholders} filled, escaped; values that are Markup stay markup."""
    escaped = str(html_escape(text))
    return Markup(re.sub(r"\{(\w+)\}", lambda m: str(html_escape(values[m.group(1)])), escaped))


def in_language(text: str, language: str, page_language: str) -> Markup:
    """Text marked with its own lang when it differs from the page's (clinic names and roles)."""
    if language == page_language:
        return html_escape(text)
    return Markup('<span lang="{}">{}</span>').format(language, text)


def page_counter_css(pattern: str) -> Markup:
    """ "Page {page} of {pages}" as CSS content: "Page " counter(page) " of " counter(pages)."""
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", pattern):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts))


@functools.cache
def stylesheet(folder: Path | None = None) -> str:
    """The packet CSS, inlined into every HTML file so it opens offline."""
    return ((folder or template_dir()) / "packet.css").read_text(encoding="utf-8")


GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young-generation collections while a packet is made (Python's default: 700)."""


@contextlib.contextmanager
def fewer_collections():
    """Collect garbage less often while WeasyPrint works, then restore the process's settings.

    Making a packet allocates millions of short-lived objects; with Python's default threshold the
    collector scans the young generation thousands of times a packet (about 6% of the CPU). Cycles
    are still collected, only in fewer, larger passes.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), max(before[1], 20), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
        more_questions=guidance.items("questions")[CORE_QUESTIONS:],
        drawing_height=DRAWING_HEIGHT,
        first_whys=_first_whys(guidance),
        packet_sources=packet_sources(guidance, content),
        drawing_uri=drawing_uri({**tools["drawing"], "font_family": ", ".join(fonts.stack_families(
            cjk_form(packet.language_tag if language_folder(packet.language_tag) == language else language),
            language_data(language)["first_font"] != "no"))}, packet.large_print),
        care_path=care_path(packet.profile, packet.guidance, tools["roadmap"], language,
                            packet.language_tag, packet.large_print),
        mohs={"uri": mohs_uri(tools["mohs"], context_family(packet, language), packet.large_print)}
        if profile.diagnosis.cancer_type.value in MOHS_TYPES else None,
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
        review=review_state(profile),
        glossary_terms=[],
        **_case_summary_facts(profile, clinic_tools["summary"]),
        **case_summary_rows(profile, clinic_content, packet.clinic_language, packet.language_tag),
    )
    template = environment().get_template("packet.html.j2")
    page = with_digits(template.render(context))
    check_calls(page, language)
    # issue 28: the glossary defines the words of the part every reader reads (page one to the questions);
    # the reference part explains its own words where they stand
    core_part = page.split('<section id="more"', 1)[0]
    terms = terms_used([_text_in(core_part, language)], _glossary(language),
                       language_data(language)["collation"])
    if terms:
        context.update(glossary_terms=terms, toc=_table_of_contents(guidance, content, with_glossary=True))
        page = with_digits(template.render(context))
    if language != DEFAULT_LANGUAGE:
        punct = language_data(language)
        page = mark_in_page(page, set(marked_english(language)), punct["english_term"], punct["english_say"])
    text = _visible_text(page)  # every language on the page: the notices need their fonts too
    check_glyphs(text)
    page = _mark_other_scripts(page)
    forms = cjk_forms(page, language, packet.language_tag)
    faces = fonts.font_face_css(text, italic="<em>" in page, cjk_forms=set(forms.values()) or {"SC"}) \
        if embed_fonts else ""
    first_family = language_data(language)["first_font"] != "no"
    cjk_quotes = language_data(language).get("quote_font") == "cjk" and language in forms
    if cjk_quotes and embed_fonts:
        faces += "\n" + fonts.quotes_face_css(forms[language])
    own_fonts = []
    for lang in sorted(set(re.findall(r' lang="([A-Za-z0-9-]+)"', page.partition("<body")[2]))):
        own_faces, own_rule = fonts.language_font_css(lang, _text_of_lang(page, lang))
        if own_rule:
            if embed_fonts:
                faces += "\n" + own_faces
            own_fonts.append(own_rule)
    styles = FONTS_STYLE.format(f"\n{faces}\n")
    if forms or not first_family or own_fonts:
        css = fonts.script_css(forms, page_lang=language, first_family=first_family, cjk_quotes=cjk_quotes) \
            if forms or not first_family else ""
        css = "\n".join(filter(None, [css, *own_fonts]))
        styles += SCRIPT_STYLE.format(f"\n{css}\n")
    return page.replace(FONTS_STYLE.format(""), styles, 1)


def context_family(packet: Packet, language: str) -> str:
    """The font families a drawing's labels are set in, for the packet's language and script."""
    own = packet.language_tag if language_folder(packet.language_tag) == language else language
    return ", ".join(fonts.stack_families(cjk_form(own), language_data(language)["first_font"] != "no"))


def _first_whys(guidance: Guidance) -> set[tuple[str, tuple[str, ...]]]:
    """The items whose "Why this is in your guide" line is printed: the first with each set of reasons.

    The same reasons under the next item, or the next section, say nothing new, so they are left out.
    """
    order = [*CORE_SECTIONS, "questions", *REFERENCE_SECTIONS]
    seen: set[tuple[str, ...]] = set()
    shown = set()
    for name in dict.fromkeys(order):
        for item in guidance.items(name):
            reasons = tuple(item.because)
            if item.personal and reasons and reasons not in seen:
                seen.add(reasons)
                shown.add((item.id, item.because))
    return shown


FONTS_STYLE = '<style id="packet-fonts">{}</style>'
SCRIPT_STYLE = '<style id="packet-script">{}</style>'


def cjk_forms(page: str, language: str, tag: str) -> dict[str, str]:
    """The regional CJK font form for each lang on the page written in Han characters.

    The page's own lang takes the patient's region: a zh-HK patient's zh-Hant packet prints with
    the Hong Kong forms (Noto Sans CJK HK), a zh-TW patient's with the Taiwan forms (TC).
    """
    found = {}
    langs = [language, *re.findall(r'\slang="([^"]+)"', page.split("<body", 1)[-1])]
    for lang in dict.fromkeys(langs):
        own = lang == language and language_folder(tag) == language
        if form := cjk_form(tag if own else lang):
            found[lang] = form
    return found


def _mark_other_scripts(page: str) -> str:
    """Set each run of words with letters the Latin font lacks wholly in the fallback fonts.

    Without it a name such as "Nguyễn" mixes two typefaces letter by letter.
    """
    lacking, other = fonts.not_first_family_char(), fonts.not_first_family_pattern()
    head, sep, body = page.partition("<body")
    if not sep or not lacking.search(body):
        return page

    def mark(match: re.Match[str]) -> str:
        text = match.group()
        if not lacking.search(text):
            return text
        return other.sub(lambda run: f'<span class="intl">{run.group()}</span>', text)

    return head + sep + re.sub(r">[^<>]+<", mark, body)


def check_calls(page: str, language: str) -> None:
    """Refuse a packet that tells the reader to call their care team and gives no number (issue 28)."""
    missing = calls_without_number(page, language)
    if missing:
        shown = "; ".join(f'in "{where}": "{sentence}"' for where, sentence in missing[:5])
        raise BuildError(f"the packet tells the reader to call but gives no phone number ({shown}). "
                         "Give the clinic's contact a phone in clinic.yaml, or add the number to that text")


def check_glyphs(text: str) -> None:
    """Refuse text with a character that no font of the stack has: it would print as an empty box."""
    missing = fonts.missing_glyphs(text)
    if missing:
        chars = ", ".join(f"'{char}' ({fonts.codepoint(char)})" for char in missing[:10])
        raise BuildError(f"the packet has characters that none of its fonts ({fonts.FAMILIES}) can print: "
                         f"{chars}")


def language_needs_help(packet: Packet) -> bool:
    """The patient's language is not English and has no packet of its own."""
    code = packet.language_tag.replace("_", "-").split("-")[0].lower()
    return code != DEFAULT_LANGUAGE and not language_folder(packet.language_tag)


def _visible_text(html: str) -> str:
    """Every word of an HTML page's body, in any language (for the fonts and the glyph check)."""
    return all_body_text(html)


def _text_of_lang(html: str, language: str) -> str:
    """The text of the elements marked with a lang (the interpreter notice's lang="ur"), tags removed."""
    found = re.findall(rf'<(\w+)[^>]* lang="{re.escape(language)}"[^>]*>(.*?)</\1>', html, re.DOTALL)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", " ".join(inner for _, inner in found)))


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


def _weasyprint() -> Any:
    # Before WeasyPrint starts fontconfig: the project's fonts only, never the host's.
    os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file())
    try:
        import weasyprint
    except OSError as exc:  # Pango or its friends are missing
        raise MissingSystemLibrary(f"{PANGO_HELP}\n(details: {exc})") from None
    _keep_font_dates()
    actual_text.install()
    return weasyprint


@functools.cache
def _keep_font_dates() -> None:
    """Same bytes for every script: subset fonts keep their source's dates, never the build time.

    WeasyPrint makes a variable font (Noto Sans, Noto Sans Arabic) static for each PDF, and fontTools
    stamps the result's `head` table with the time it was saved, so a packet with a Vietnamese or
    Russian name differed on every build. Its fonts module gets a TTFont that keeps the dates.
    """
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as pdf_fonts

    class TTFontKeepingDates(TTFont):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("recalcTimestamp", False)
            super().__init__(*args, **kwargs)

    if getattr(pdf_fonts, "TTFont", None) is TTFont:
        pdf_fonts.TTFont = TTFontKeepingDates


def check_pdf_support() -> None:
    """Raise MissingSystemLibrary with the Debian packages to install if PDF output cannot work."""
    _weasyprint()


@functools.cache
def _fetcher_class() -> type:
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    class ProjectOnlyFetcher(URLFetcher):
        """Serves files under the project's own asset folders and data: URLs; refuses the rest."""

        def __init__(self, roots: tuple[Path, ...]):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.roots = tuple(root.resolve() for root in roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith("file:"):
                raise ValueError(f"refused to fetch {url!r}: packets never load outside files")
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"refused to read {path}: not one of the project's own assets")
            return super().fetch(path.as_uri(), headers)

    _ = weasyprint
    return ProjectOnlyFetcher


def url_fetcher(extra_roots: tuple[Path, ...] = ()) -> Any:
    """A WeasyPrint fetcher limited to the template folder and extra_roots (and data: URLs)."""
    roots = (template_dir(), *extra_roots)
    return _fetcher_class()(roots)


@functools.cache
def _font_config() -> Any:
    """One font configuration per process, kept warm across packets."""
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()

    def clean_up() -> None:  # its own __del__ fails at interpreter exit, so clean up earlier
        config.__del__()
        config._folder = None

    atexit.register(clean_up)
    return config


def forget_temp_state(folder: Path) -> None:
    """Drop the font set-up kept in a run's temporary folder before that folder is removed."""
    if _font_config.cache_info().currsize:
        kept = _font_config()._folder
        if kept is not None and Path(kept).is_relative_to(folder):
            _font_config().__del__()
            _font_config()._folder = None
            for cached in (_font_config, _packet_css):
                cached.cache_clear()


@functools.cache
def _packet_css() -> Any:
    """The packet stylesheet parsed once per process, instead of once per packet."""
    return _weasyprint().CSS(string=stylesheet(), base_url=template_dir().as_uri() + "/",
                             url_fetcher=url_fetcher(), font_config=_font_config())


# WeasyPrint's user-agent stylesheet styles every element's ::marker and its five footnote and note
# pseudo-elements: six computed styles per element, most of the styles of a packet, though packets
# have no footnotes and only list items have markers. The packet's copy keeps everything else.
UA_MARKER_RULE = ("\n::marker {", "\nli::marker, summary::marker {")
UA_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}\n]*\}$", re.M)


@functools.cache
def _packet_html_class() -> type:
    """weasyprint.HTML with the trimmed user-agent stylesheet: the same PDF bytes for less CPU.

    If an upgraded WeasyPrint changes its stylesheet so that the trim no longer applies, the stock one
    is used: slower, never different.
    """
    weasyprint = _weasyprint()
    from weasyprint import html as weasyprint_html

    stock = (Path(weasyprint_html.__file__).parent / "css" / "html5_ua.css").read_text(encoding="utf-8")
    old, new = UA_MARKER_RULE
    if stock.count(old) != 1 or len(UA_NOTE_RULES.findall(stock)) != 5:
        return weasyprint.HTML
    trimmed = UA_NOTE_RULES.sub("", stock.replace(old, new))
    user_agent = weasyprint.CSS(string=trimmed, counter_style=weasyprint_html.UA_COUNTER_STYLE)

    class PacketHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [user_agent, weasyprint_html.UA_FORM_STYLESHEET] if forms else [user_agent]

    return PacketHTML


PRINT_HIDDEN = re.compile(r'<span class="visually-hidden">[^<>]*</span>')
"""Screen-reader words of the HTML (display: none in print): dropped before WeasyPrint styles them."""


def render_pdf(html: str) -> bytes:
    """The PDF for an HTML packet: the same bytes for the same HTML.

    The packet's own inlined stylesheet is swapped for the same CSS already parsed in this process, and
    its embedded fonts (for browsers) are dropped: WeasyPrint takes the same fonts from the project's
    fontconfig, already loaded in this process. The PDF has no file identifier (/ID): PDF/UA-1 does not
    ask for one, and pydyf makes it by serializing and compressing every stream a second time (5% of
    a packet's CPU).
    """
    stylesheets = []
    inlined = f'<style id="packet-css">\n{stylesheet()}\n</style>'
    if inlined in html:
        html = html.replace(inlined, "", 1)
        stylesheets.append(_packet_css())
    html = re.sub(r'<style id="packet-fonts">.*?</style>', "", html, count=1, flags=re.S)
    html = PRINT_HIDDEN.sub("", html)
    options = dict(stylesheets=stylesheets, pdf_variant="pdf/ua-1")
    with fewer_collections():
        document = _layout(html, options)
        for shorter in _shorter_page_ones(html):
            if PAGE_ONE_END not in document.pages[0].anchors:
                document = _layout(shorter, options)
        return document.write_pdf(**options)


PAGE_ONE_END = "page-one-end"
"""The anchor after the contact block: page one stands alone when it is on page one (issue 28)."""
DIAGNOSIS_DETAIL = re.compile(r' <span class="diagnosis-detail">(.*?)</span><!--/diagnosis-detail-->', re.S)


def _layout(html: str, options: dict[str, Any]) -> Any:
    return _packet_html_class()(string=html, base_url=template_dir().as_uri() + "/",
                                url_fetcher=url_fetcher()).render(font_config=_font_config(), **options)


def _shorter_page_ones(html: str) -> list[str]:
    """Shorter page ones, tried in turn while page one overflows, each shorter than the last:
    1. the diagnosis keeps its first sentence; its detail follows the first section (on page two);
    2. page one's furniture tightens (no section heading, smaller gaps);
    3. the "prepared on" line moves to page two, and the short warning keeps its title and number (the
       full warning box follows the first section);
    4. the contact block keeps the contact's name, number and after-hours number, without role and hours;
    5. page one's lines sit closer (the title, the band and the step labels smaller, never the body text)."""
    if PAGE_ONE_END not in html:
        return []
    tries = []
    moved = html
    if detail := DIAGNOSIS_DETAIL.search(html):
        moved = DIAGNOSIS_DETAIL.sub("", html, count=1).replace(
            MOVED_HERE, f'<p class="diagnosis diagnosis-moved">{detail.group(1)}</p>{MOVED_HERE}', 1)
        tries.append(moved)
    tight = moved.replace('<body class="', '<body class="compact-first ', 1)
    tries.append(tight)
    shortest = ALERT_SHORT_TEXT.sub("", tight)
    if prepared := PREPARED.search(shortest):
        shortest = PREPARED.sub("", shortest, count=1).replace(MOVED_HERE, prepared.group() + MOVED_HERE, 1)
    if shortest != tight:
        tries.append(shortest)
    if short_contact := CONTACT_SHORT.search(shortest):
        shortest = CONTACT_BLOCK.sub(lambda _: short_contact.group(1), shortest, count=1)
        tries.append(shortest)
    tries.append(shortest.replace('class="compact-first ', 'class="compact-first compact-more ', 1))
    return tries


MOVED_HERE = "<!--diagnosis-moved-->"
ALERT_SHORT_TEXT = re.compile(r'<span class="alert-short-text">.*?</span><!--/alert-short-text-->', re.S)
PREPARED = re.compile(r'<p class="prepared-on">.*?</p>', re.S)
CONTACT_SHORT = re.compile(r"<!--contact-short:(.*?):contact-short-->", re.S)
CONTACT_BLOCK = re.compile(r'<div class="contact-block" role="note">.*?</div>', re.S)
