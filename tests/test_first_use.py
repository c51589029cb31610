"""Hard words are explained where the reader first meets them (issue 28, CDC Clear Communication Index
item 7): the glossary's `in_place` words in brackets after the first unexplained use in the core part."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import available_languages, language_data, load_content
from sop_packets.explanation import is_explained
from sop_packets.first_use import explain_first_uses, reveal_if_moved
from sop_packets.glossary import Term, load_glossary
from sop_packets.page_one import shorter_page_ones
from sop_packets.profile import load_profile
from sop_packets.render import render_html

ROOT = Path(__file__).parent.parent
GLOSS = re.compile(r'<span class="gloss">([^<]*)</span>')
NCI = Term("NCI-designated cancer center", "A cancer center the NCI has checked.",
           ("NCI-designated cancer centers",), "checked by the National Cancer Institute")
NODE = Term("lymph node", "A small gland.", ("lymph nodes",), "where cancer often spreads first")
SENTINEL = Term("sentinel lymph node biopsy", "A test of the first lymph node.", (), "")


def explain(body: str, terms=(NCI, NODE, SENTINEL), language: str = "en") -> str:
    punct = language_data(language)
    page = f'<html lang="{language}"><body>{body}<section id="more"><p>NCI-designated cancer centers.</p></section>'
    return explain_first_uses(page, terms, punct["gloss"],
                              lambda text, start, end: is_explained(text, start, end, language,
                                                                    alternative_counts=False),
                              punct["gloss_before"])


def test_the_first_use_gets_the_words_and_later_uses_do_not():
    page = explain("<p>Look for NCI-designated cancer centers, or call us.</p><p>NCI-designated cancer centers help.</p>")
    assert GLOSS.findall(page) == ["checked by the National Cancer Institute"]
    assert "centers (<span" in page
    assert page.endswith("<p>NCI-designated cancer centers.</p></section>")  # the reference part is left alone


def test_page_one_explains_its_words_and_the_rest_of_the_core_part_does_not_again():
    """Rating round 3, ex-21: "lymph node" on page one's Why line, explained only on page 4."""
    page = explain('<p>One lymph node.</p><p id="page-one-end" class="page-one-end"></p><p>A lymph node, then.</p>')
    assert GLOSS.findall(page) == ["where cancer often spreads first"]
    assert "<p>One lymph node (<span" in page and "<p>A lymph node, then.</p>" in page


def test_a_stage_or_examples_in_brackets_do_not_explain_the_word():
    """"reached a nearby lymph node (stage III)" and "scans (such as CT, MRI or PET)" read as explained."""
    scan = Term("scan", "A test that takes pictures.", ("scans",), "pictures of the inside of the body")
    page = explain("<p>Why: the cancer has reached a nearby lymph node (stage III).</p>")
    assert "lymph node (<span class=\"gloss\">where cancer often spreads first</span>) (stage III)." in page
    page = explain("<p>Are scans (such as CT, MRI or PET) needed?</p>", (scan,))
    assert "scans (<span class=\"gloss\">pictures of the inside of the body</span>, such as CT" in page
    assert GLOSS.findall(explain("<p>A lymph node (a small gland).</p>")) == []
    zh_node = Term("淋巴结", "小腺体。", (), "癌症扩散时常常最先到的地方")
    page = explain("<p>原因\uff1a它已经到了附近的一个淋巴结\uff08III 期\uff09。</p>", (zh_node,), "zh-Hans")
    assert "淋巴结\uff08<span class=\"gloss\">癌症扩散时常常最先到的地方</span>\uff09\uff08III 期\uff09" in page


def test_a_word_first_explained_in_a_piece_page_one_may_move_is_explained_again_when_it_moves():
    """page_one.py may move the diagnosis detail after the first section: the Why line below it is then
    page one's first use, and takes the explanation kept for it; unmoved, it is said once."""
    body = ('<main><p class="diagnosis">Found. <span class="diagnosis-detail">It reached a lymph node, so ask.'
            '</span><!--/diagnosis-detail--></p><p>Why: the cancer reached a lymph node (stage III).</p>'
            '<p id="page-one-end" class="page-one-end"></p><!--diagnosis-moved--><p>A lymph node again.</p></main>')
    page = explain(body)
    assert GLOSS.findall(page) == ["where cancer often spreads first"]
    assert "a lymph node (<span class=\"gloss\">where cancer often spreads first</span>), so ask" in page
    moved = shorter_page_ones(page)[0]
    assert GLOSS.findall(moved) == ["where cancer often spreads first"] * 2
    assert "<p>Why: the cancer reached a lymph node (<span class=\"gloss\">where" in moved
    assert moved.index("Why: the cancer") < moved.index('class="diagnosis diagnosis-moved"')
    assert reveal_if_moved(page, "urgency-text") == page  # another piece's move shows nothing


def test_a_word_in_the_short_warning_is_explained_in_the_full_warning_when_page_one_drops_it():
    body = ('<main><div class="alert-box alert-short"><p><strong>Call.</strong> <span class="alert-short-text">'
            'A lymph node may swell.</span><!--/alert-short-text--></p></div>'
            '<p id="page-one-end" class="page-one-end"></p><div class="alert-box"><p>A lymph node may swell.</p></div>'
            '<p>A lymph node, later.</p></main>')
    page = explain(body)
    assert GLOSS.findall(page) == ["where cancer often spreads first"]
    shortest = shorter_page_ones(page.replace('<body>', '<body class="x">'))[-1]
    assert "alert-short-text" not in shortest
    assert GLOSS.findall(shortest) == ["where cancer often spreads first"]
    assert '<div class="alert-box"><p>A lymph node (<span class="gloss">' in shortest


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_each_take_along_sheet_explains_its_own_words_once(language):
    """Rating round 3: ex-02 "radiation" in question 2; ex-31 免疫疗法 in Q7. A sheet must stand alone."""
    word, gloss = ("radiation", "strong X-rays") if language == "en" else ("放射治疗", "用很强的X光")
    term = Term(word, "x", (), gloss)
    body = (f"<p>Ask about {word}, then.</p><section id=\"more\"><p>{word} again, here.</p></section>"
            f"<section id=\"questions\"><h2>{word}</h2><ol><li><div class=\"question\"><p>Is {word}, or surgery, best?"
            f"</p></div></li><li><div class=\"question\"><p>How long is {word}, then?</p></div></li></ol></section>"
            f"<div><section id=\"more-questions\"><ol><li><p>Will {word}, then, hurt?</p></li></ol></section>"
            f"<p>And {word}, after.</p></div>")
    punct = language_data(language)
    page = explain_first_uses(f"<html><body>{body}", (term,), punct["gloss"],
                              lambda text, start, end: is_explained(text, start, end, language, alternative_counts=False),
                              punct["gloss_before"])
    assert GLOSS.findall(page) == [gloss] * 3  # the core part, the question sheet, the other questions
    sheet = page[page.index('<section id="questions"'):page.index('<section id="more-questions"')]
    assert len(GLOSS.findall(sheet)) == 1 and GLOSS.findall(sheet.split("</li>")[0])
    assert f"<h2>{word}</h2>" in sheet and page.endswith(f"<p>And {word}, after.</p></div>")


def test_a_word_already_explained_or_inside_a_longer_name_is_left_alone():
    assert GLOSS.findall(explain("<p>A lymph node (a small gland) can swell.</p>")) == []
    assert GLOSS.findall(explain("<p>Ask about the lymph node test first.</p>")) == []  # part of a longer name
    assert GLOSS.findall(explain("<p>Ask if a sentinel lymph node biopsy is needed.</p>")) == []
    assert GLOSS.findall(explain("<p>It reached a lymph node. This is a small gland.</p>")) == []
    assert GLOSS.findall(explain("<p>It reached a lymph node, so ask.</p>")) == ["where cancer often spreads first"]
    assert GLOSS.findall(explain("<p>It reached more lymph nodes, the bone, or other parts.</p>")) == [
        "where cancer often spreads first"]  # a list, not an explanation
    assert GLOSS.findall(explain("<p>It reached a lymph node, the small gland that filters fluid.</p>")) == []


def test_a_word_inside_another_words_brackets_waits_for_its_next_use():
    """ex-31 p1: a gloss of 淋巴结 inside the bracket that explains 前哨淋巴结活检: brackets in brackets."""
    page = explain("<p>A biopsy (of the first lymph node it reaches) helps. A lymph node, then.</p>")
    assert "reaches) helps. A lymph node (<span" in page and len(GLOSS.findall(page)) == 1
    zh_node = Term("淋巴结", "小腺体。", (), "癌症最先到的地方")
    page = explain("<p>做活检\uff08检查最先会到的那个淋巴结\uff09。问问淋巴结\uff0c然后。</p>", (zh_node,), "zh-Hans")
    assert "那个淋巴结\uff09。问问淋巴结\uff08<span" in page


def test_a_word_the_next_sentence_goes_on_to_explain_is_left_alone():
    """ex-33: "bằng tia xạ (dùng tia X mạnh…). Tia xạ là tia X mạnh…" said it twice (rating round 3)."""
    assert GLOSS.findall(explain("<p>It reached a lymph node. Lymph nodes are small glands.</p>")) == []
    assert GLOSS.findall(explain("<p>It reached a lymph node. Ask about it.</p>")) == ["where cancer often spreads first"]
    assert GLOSS.findall(explain("<p>It reached the lymph nodes. Lymph node is the name of a small gland.</p>")) == []
    assert GLOSS.findall(explain("<p>It reached the lymph nodes of the neck. Lymph nodes are small glands.</p>")) == []


def test_a_use_inside_a_possible_longer_name_waits_for_the_next_use():
    """ex-02's care-team note: "ask if **Mohs surgery** could save more of your nose" took no explanation
    (a verb after the word read as a longer name), and no later use got one either (rating round 2)."""
    page = explain("<p>Ask about the lymph node test.</p><p>The lymph node, then.</p><p>A lymph node, again.</p>")
    assert GLOSS.findall(page) == ["where cancer often spreads first"]
    assert "The lymph node (<span" in page and "test (<span" not in page
    page = explain("<p>Ask if <strong>a lymph node</strong> could be checked.</p>")
    assert "<strong>a lymph node (<span" in page
    for verb in ("should", "might", "takes", "helps", "would"):
        assert GLOSS.findall(explain(f"<p>A lymph node {verb} this.</p>")), verb


def test_headings_tables_contents_and_other_languages_are_never_changed():
    body = ('<h2>Lymph nodes</h2><table><tr><td>lymph node</td></tr></table><nav class="toc"><li>lymph node</li>'
            '</nav><p><span lang="es">lymph node</span></p><p class="visually-hidden">lymph node.</p>')
    assert GLOSS.findall(explain(body)) == []
    assert GLOSS.findall(explain(body + "<p>One lymph node.</p>")) == ["where cancer often spreads first"]


def test_chinese_takes_its_own_brackets_and_never_splits_a_compound():
    term = Term("莫氏手术", "一层一层切除。", (), "一层一层地切除皮肤癌")
    assert "莫氏手术\uff08<span class=\"gloss\">一层一层地切除皮肤癌</span>\uff09。" in explain(
        "<p>很多医生会做莫氏手术。</p>", (term,), "zh-Hans")
    assert GLOSS.findall(explain("<p>请找莫氏手术医生。</p>", (term,), "zh-Hans")) == []


@pytest.mark.parametrize("language", available_languages())
def test_every_in_place_explanation_is_short_and_plain(language):
    for term in load_glossary(load_content(language)):
        if term.in_place:
            assert len(term.in_place) <= 80 and "(" not in term.in_place and "\uff08" not in term.in_place, term


@pytest.mark.parametrize(("name", "language", "expected"), [
    ("ex-01-melanoma-primary-care", "en", "NCI-designated cancer centers (<span class=\"gloss\">checked by the"),
    ("ex-07-skin-lymphoma-telemedicine", "en", "Medicare Advantage plan (<span class=\"gloss\">a Medicare plan"),
    ("ex-17-melanoma-child-es", "es", "designados por el NCI (<span class=\"gloss\">que el Instituto Nacional"),
])
def test_packets_explain_their_hard_words_once(name, language, expected):
    profile = load_profile(ROOT / "profiles" / f"{name}.yaml")
    html = render_html(make_packet(profile, BuildOptions()), embed_fonts=False)
    assert expected in html
    core, _, more = html.partition('<section id="more"')
    shown = GLOSS.findall(core)
    assert shown and len(shown) == len(set(shown)) and not GLOSS.findall(more)
    assert not re.search(r"<h[1-3][^>]*>[^<]*<span class=\"gloss\"", html)


def test_a_glossary_term_is_listed_only_when_the_guide_uses_it():
    """'carcinoma' alone was an alias of sebaceous carcinoma, so every SCC and BCC packet defined it."""
    profile = load_profile(ROOT / "profiles" / "ex-19-scc-arabic-notice.yaml")
    html = render_html(make_packet(profile, BuildOptions()), embed_fonts=False)
    assert "squamous cell carcinoma" in html.lower() and "sebaceous" not in html.lower()
