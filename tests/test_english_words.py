"""English words the patient must say stay in English beside the translation: one marker in the
content ({en:…} for a term, {say:…} for a sentence), printed by each language's _language.yaml."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import available_languages, content_root, language_data, load_content
from sop_packets.english_words import expand_text, marked
from sop_packets.profile import load_profile
from sop_packets.render import render_html
from sop_packets.visible import visible_units

OTHER_LANGUAGES = [lang for lang in available_languages() if lang != "en"]
MUST_SAY = ("prior authorization", "in-network", "financial counselor", "charity care", "power of attorney",
            "Medicare Part B")
"""The words a US plan or office uses, which the patient must be able to say (issue 27)."""
FREE = {"es": "gratis", "vi": "miễn phí", "zh-Hans": "免费", "zh-Hant": "免費"}
"""How each language says that the interpreter is free."""


def raw_markers(language: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((content_root() / language).glob("*.yaml")):
        if not path.name.startswith("_"):
            found += marked(path.read_text(encoding="utf-8"))
    return found


def all_text(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in all_text(value)]
    if isinstance(node, list):
        return [text for value in node for text in all_text(value)]
    return []


def test_markers_print_by_the_language_pattern():
    vi = language_data("vi")
    assert expand_text("gọi là cho phép trước {en:prior authorization}.", vi["english_term"], vi["english_say"]) \
        == "gọi là cho phép trước (tiếng Anh: prior authorization)."
    assert expand_text("Quý vị có thể nói: {say:I need an interpreter.}", vi["english_term"], vi["english_say"]) \
        == "Quý vị có thể nói: “I need an interpreter.”"
    hant = language_data("zh-Hant")
    assert expand_text("事先授權{en:prior authorization}。", hant["english_term"], hant["english_say"]) \
        == "事先授權（英文：prior authorization）。"  # noqa: RUF001
    en = language_data("en")
    assert expand_text("This is called preauthorization {en:prior authorization}.", en["english_term"],
                       en["english_say"]) == "This is called preauthorization."
    assert expand_text("No {placeholder} is touched.", vi["english_term"], vi["english_say"]) \
        == "No {placeholder} is touched."


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_language_marks_the_words_the_patient_must_say(language):
    """Each term is kept in English through the marker, not pasted in: the raw files hold the marker."""
    terms = " | ".join(english for kind, english in raw_markers(language) if kind == "en")
    missing = [term for term in MUST_SAY if term.lower() not in terms.lower()]
    assert missing == [], f"{language}: no {{en:…}} marker for {missing}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_every_language_gives_a_sentence_to_ask_for_a_free_interpreter(language):
    note = load_content(language)["population_notes"]["language_support"]["text"]
    said = [english for kind, english in raw_markers(language) if kind == "say"]
    assert any("interpreter" in english for english in said), f"{language}: no {{say:…}} interpreter sentence"
    assert any(english in note for english in said)
    assert FREE[language] in note, f"{language}: the note does not say the interpreter is free"


def test_english_says_the_interpreter_is_free():
    assert "free" in load_content("en")["population_notes"]["language_support"]["text"]


@pytest.mark.parametrize("language", available_languages())
def test_no_marker_is_left_in_loaded_content(language):
    left = [text for text in all_text(load_content(language)) if re.search(r"\{(en|say):", text)]
    assert left == []


def test_a_vietnamese_packet_prints_the_english_words_marked_english(tmp_path: Path):
    source = (Path(__file__).parent.parent / "profiles" / "ex-33-scc-scalp-vi.yaml").read_text(encoding="utf-8")
    profile_path = tmp_path / "p.yaml"
    profile_path.write_text(source.replace("preauthorization: not_required", "preauthorization: required")
                            .replace("coverage_type: medicare", "coverage_type: private"),
                            encoding="utf-8")
    packet = make_packet(load_profile(profile_path), BuildOptions(prepared_on=date(2026, 12, 2)))
    html = re.sub(r'<span class="intl">(.*?)</span>', r"\1", render_html(packet))  # font runs
    assert '(tiếng Anh: <span lang="en">prior authorization</span>)' in html
    assert '“<span lang="en">I need a Vietnamese interpreter, please.</span>”' in html
    # The English is left out of the Vietnamese text the language checks read.
    assert not any("I need a Vietnamese interpreter" in unit for unit in visible_units(html))


def test_a_clinics_own_words_print_their_english_marked_english(tmp_path: Path):
    """A clinic's content folder (clinic_content.py) gets its {en:…} and {say:…} markers printed the
    language's way and its English in <span lang="en">, as the shipped content does (issue 27)."""
    from sop_packets.content import use_content_overrides

    words = tmp_path / "words"
    (words / "vi").mkdir(parents=True)
    (words / "vi" / "next_steps.yaml").write_text(
        "book_visit:\n"
        "  text: 'Gọi cho một bác sĩ trong mạng lưới bảo hiểm {en:in-network clinic}. Nói: {say:I want a"
        " second opinion.}'\n", encoding="utf-8")
    source = Path(__file__).parent.parent / "profiles" / "ex-33-scc-scalp-vi.yaml"
    try:
        packet = make_packet(load_profile(source), BuildOptions(prepared_on=date(2026, 12, 2), content=words))
        html = re.sub(r'<span class="intl">(.*?)</span>', r"\1", render_html(packet))
    finally:
        use_content_overrides(None)
    assert '(tiếng Anh: <span lang="en">in-network clinic</span>)' in html
    assert '“<span lang="en">I want a second opinion.</span>”' in html
    assert "{en:" not in html and "{say:" not in html
