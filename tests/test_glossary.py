"""The glossary: plain definitions, and finding which terms a packet uses."""

from __future__ import annotations

import re

import pytest
import textstat

from sop_packets.content import available_languages, load_content, template_dir
from sop_packets.glossary import Term, find_uses, load_glossary, terms_used
from sop_packets.lint import MAX_GRADE

CONTENT = load_content()
GLOSSARY = load_glossary(CONTENT)
SMALL = (
    Term("stage", "How far the cancer has grown.", ("stages", "staging")),
    Term("biopsy", "Taking a small piece of skin to look at.", ("biopsies",)),
    Term("Mohs surgery", "Taking out skin cancer one thin layer at a time.", ("Mohs micrographic surgery",)),
    Term("lymph node", "A small gland that fights sickness.", ("lymph nodes",)),
)


def names(terms):
    return [term.term for term in terms]


# ---- terms_used


def test_finds_whole_words_in_any_case_sorted_alphabetically():
    text = "STAGE II. Your Biopsy showed it. Ask about MOHS SURGERY."
    assert names(terms_used([text], SMALL)) == ["biopsy", "Mohs surgery", "stage"]


def test_finds_aliases_and_reports_the_main_term_once():
    texts = ["Two biopsies were done.", "Staging comes next.", "Mohs micrographic surgery, then more biopsies."]
    assert names(terms_used(texts, SMALL)) == ["biopsy", "Mohs surgery", "stage"]


@pytest.mark.parametrize("text", [
    "The doctor may upstage it.", "Backstage passes.", "A stagecoach.", "stage_two", "nonbiopsy tissue",
    "Mohs surgeryx", "a lymph nodes2 file",
])
def test_does_not_find_terms_inside_other_words(text):
    assert terms_used([text], SMALL) == []


def test_multiword_terms_match_across_line_breaks_and_extra_spaces():
    assert names(terms_used(["Ask about Mohs\n   surgery."], SMALL)) == ["Mohs surgery"]


def test_punctuation_around_a_term_still_counts():
    assert names(terms_used(["(biopsy)", '"stage,"', "lymph node;"], SMALL)) == ["biopsy", "lymph node", "stage"]


def test_no_texts_or_empty_texts_use_no_terms():
    assert terms_used([], SMALL) == []
    assert terms_used(["", "Nothing medical here."], SMALL) == []


def test_find_uses_gives_every_span_in_text_order():
    text = "A biopsy of a lymph node. Then two biopsies."
    uses = find_uses(text, SMALL)
    assert [(use.term.term, text[use.start:use.end]) for use in uses] == [
        ("biopsy", "biopsy"), ("lymph node", "lymph node"), ("biopsy", "biopsies")]


def test_real_glossary_finds_overlapping_terms():
    used = names(terms_used(["Should I have a sentinel lymph node biopsy for my Stage III melanoma?"], GLOSSARY))
    assert used == ["biopsy", "lymph node", "melanoma", "sentinel lymph node biopsy", "stage"]


# ---- load_glossary


def test_load_glossary_reads_definitions_and_aliases_sorted():
    content = {"glossary": {
        "stage": {"definition": "How far it has grown.", "aliases": ["stages"]},
        "Biopsy": {"definition": "  A small\n piece of skin.  "},
    }}
    assert load_glossary(content) == (
        Term("Biopsy", "A small piece of skin.", ()), Term("stage", "How far it has grown.", ("stages",)))


@pytest.mark.parametrize("entry", [{}, {"definition": "  "}, {"aliases": ["x"]}, "just words", None])
def test_load_glossary_refuses_an_entry_without_a_definition(entry):
    with pytest.raises(ValueError, match="'margin'"):
        load_glossary({"glossary": {"margin": entry}})


def test_load_glossary_refuses_aliases_that_are_not_a_list():
    with pytest.raises(ValueError, match="aliases"):
        load_glossary({"glossary": {"margin": {"definition": "The edge.", "aliases": "margins"}}})


def test_no_glossary_is_an_empty_glossary():
    assert load_glossary({}) == ()


# ---- the glossary file itself


def test_the_glossary_is_loaded_with_the_other_content():
    assert len(GLOSSARY) >= 40
    plain = [n.casefold().replace("é", "e") for n in names(GLOSSARY)]
    assert plain == sorted(plain)  # alphabetical, ignoring case and accents: "Sézary" before "side"


def test_every_term_has_a_non_empty_definition_and_a_list_of_aliases():
    for name, entry in CONTENT["glossary"].items():
        assert isinstance(entry, dict), name
        assert isinstance(entry.get("definition"), str) and entry["definition"].strip(), name
        aliases = entry.get("aliases", [])
        assert isinstance(aliases, list) and all(isinstance(a, str) and a.strip() for a in aliases), name


def test_every_definition_reads_at_grade_seven_or_lower():
    hard = {term.term: round(textstat.flesch_kincaid_grade(term.definition), 1) for term in GLOSSARY}
    hard = {name: grade for name, grade in hard.items() if grade > MAX_GRADE}
    assert not hard, "\n".join(
        f"{name}: grade {grade}: {next(t.definition for t in GLOSSARY if t.term == name)}"
        for name, grade in hard.items())


def test_every_definition_is_short():
    for term in GLOSSARY:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", term.definition) if s]
        assert len(sentences) <= 2, term.term
        assert all(len(s.split()) <= 20 for s in sentences), term.term


def test_no_definition_starts_by_repeating_its_own_term():
    for term in GLOSSARY:
        first = re.split(r"(?<=[.!?])\s+", term.definition)[0]  # the second may use it in an example
        assert term not in terms_used([first], [term]), f"{term.term} is defined by itself"


def test_each_spelling_belongs_to_one_term_only():
    owners: dict[str, str] = {}
    for term in GLOSSARY:
        for form in (term.term, *term.aliases):
            key = " ".join(form.casefold().split())
            assert owners.setdefault(key, term.term) == term.term, f"{form!r} is in {owners[key]} and {term.term}"


def test_no_term_is_written_twice_in_the_file():
    text = (template_dir() / "content" / "en" / "glossary.yaml").read_text(encoding="utf-8")
    keys = re.findall(r"^([^\s#][^:]*):\s*$", text, re.MULTILINE)
    assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
    assert len(keys) == len(CONTENT["glossary"])


@pytest.mark.parametrize("term", [
    "biopsy", "dermatologist", "dermatopathologist", "pathologist", "pathology report", "melanoma",
    "basal cell carcinoma", "squamous cell carcinoma", "Merkel cell carcinoma", "lymphoma", "Kaposi sarcoma",
    "Mohs surgery", "excision", "wide local excision", "margin", "lymph node", "sentinel lymph node biopsy",
    "Breslow depth", "ulceration", "mitotic rate", "stage", "metastatic", "immunotherapy", "targeted therapy",
    "chemotherapy", "radiation", "oncologist", "clinical trial", "preauthorization", "in-network",
    "out-of-network", "Medicare", "telemedicine", "dermatopathology slides", "tissue block", "reconstruction",
    "maternal-fetal medicine", "adjuvant", "recurrence", "pre-authorization", "biopsies", "Mohs micrographic surgery",
])
def test_the_words_a_packet_may_use_are_covered(term):
    assert terms_used([term], GLOSSARY), f"{term!r} is not in the glossary (as a term or an alias)"


# ---- the fast search finds what the whole-word pattern finds


EDGE_TEXTS = ["upstage stage", "stage_two stage", "Stage-IV", "biopsy2 biopsy", "PD-1抑制剂", "活检。活检",
              "lymph  nodes,", "Mohs\nsurgeryx Mohs surgery", "\u017ftage", "ÉTAPE étape", "stage", "xstage"]


@pytest.mark.parametrize("language", ["en", "es", "vi", "zh-Hans", "zh-Hant"])
def test_terms_used_finds_exactly_what_the_whole_word_pattern_finds(language):
    """terms_used searches plain text and checks the letters on each side; _pattern (what find_uses and
    lint use) has look-arounds. Both must agree on every text of the language's content, every term."""
    from sop_packets.content import language_data
    from sop_packets.glossary import _may_occur, _pattern
    from sop_packets.lint.sources import content_strings

    content = load_content(language)
    glossary = load_glossary(content, language_data(language)["glossary"])
    texts = list(dict.fromkeys(text for _, text in content_strings(content))) + EDGE_TEXTS
    texts += [" ".join(form.upper() + tail for form in term.forms) for term in glossary for tail in ("", "s", "-")]
    assert len(glossary) > 20 and len(texts) > 200
    disagree = [(term.term, text) for term in glossary for text in texts
                if bool(terms_used([text], [term])) != bool(_may_occur(term.forms, [text.lower()])
                                                            and _pattern(term.forms).search(text))]
    assert not disagree, disagree[:10]
    assert len(terms_used(texts, glossary)) == len(glossary)  # the forms themselves are among the texts


def test_the_word_boundary_class_is_the_same_with_and_without_case_folding():
    """script.whole_word matches SPACED_LETTER case-sensitively inside case-insensitive patterns (faster
    to compile): that must be the same set of characters, over every code point."""
    from sop_packets.script import SPACED_LETTER

    folded = re.compile(SPACED_LETTER, re.IGNORECASE).match
    plain = re.compile(f"(?-i:{SPACED_LETTER})", re.IGNORECASE).match
    assert [hex(point) for point in range(0x110000)
            if (folded(chr(point)) is None) != (plain(chr(point)) is None)] == []
    uses = find_uses("Biopsy, BIOPSY and biopsy-like; no biopsyX or Xbiopsy", [Term("biopsy", "d", ())])
    assert [use.found for use in uses] == ["Biopsy", "BIOPSY", "biopsy"]


def test_uses_of_finds_the_first_use_the_whole_word_pattern_finds():
    """first_use.py finds a term by the plain-text search (no pattern compiled per term): the same first
    span as the whole-word pattern, for every term of every language over its example texts."""
    from sop_packets.glossary import _pattern, uses_of

    texts = ["Ask about the lymph node test. Lymph nodes (small glands) and a sentinel lymph node biopsy.",
             "Mohs surgery, or Mohs. Upstage stage IV; the pathology report's slides.",
             "医生做了活检。前哨淋巴结活检和淋巴结。", "Sinh thiết hạch bạch huyết và hạch lính gác."]
    for language in available_languages():
        for term in load_glossary(load_content(language)):
            for text in texts:
                match = _pattern(term.forms).search(text)
                spans = uses_of(term.forms, text)
                assert (spans[0] if spans else None) == (match.span() if match else None), (language, term.term)
