"""Every packet reads at grade 7 or lower, and explains or defines every medical word it uses.

When a test here fails, its message lists the packet's longest sentences (with the content file each
comes from) and every undefined term: shorten those sentences, or add the term to
templates/content/en/glossary.yaml.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from sop_packets.build import BuildOptions, make_packet
from sop_packets.content import load_content
from sop_packets.glossary import load_glossary
from sop_packets.lint import (
    MAX_GRADE,
    content_strings,
    explained,
    lint_file,
    lint_html,
    lint_paths,
    medical_terms,
    packet_sentences,
    reading_grade,
    split_sentences,
    undefined_terms,
    visible_units,
)
from sop_packets.profile import load_profile
from sop_packets.render import render_html

EXAMPLES = sorted((Path(__file__).parent.parent / "profiles").glob("*.yaml"))
PREPARED_ON = date(2026, 11, 25)
CONTENT = load_content()
GLOSSARY = load_glossary(CONTENT)

HARD = """<html><body><main>
<h1>Histopathological considerations</h1>
<p>Histopathological examination demonstrated an asymmetrical, poorly circumscribed melanocytic
neoplasm exhibiting considerable architectural disorganization, pagetoid dissemination and
cytological atypia, necessitating comprehensive immunohistochemical characterization and
multidisciplinary consideration of adjuvant immunotherapeutic intervention.</p>
</main></body></html>"""


# ---- the example packets


@pytest.fixture(scope="module", params=EXAMPLES, ids=[path.stem for path in EXAMPLES])
def example(request):
    return lint_file(request.param, PREPARED_ON, CONTENT)


def test_example_packet_builds(example):
    assert not example.error, example.format()


def test_example_packet_reads_easily_enough(example):
    """English: Flesch-Kincaid grade 7 or lower; Spanish: Fernández-Huerta 70 or higher."""
    assert example.grade is not None and not example.too_hard, example.format(verbose=True)
    if example.readability is None:
        assert example.grade <= MAX_GRADE


def test_example_packet_has_no_undefined_medical_terms(example):
    assert not example.undefined, example.format(verbose=True)


def test_example_packet_has_enough_text_to_measure(example):
    assert example.sentences > 50 and example.words > 500, example.format()


def test_lint_checks_every_example_and_passes():
    report = lint_paths([EXAMPLES[0].parent], PREPARED_ON)
    assert len(report.packets) == len(EXAMPLES)
    assert report.ok, report.format(verbose=True)
    assert f"{len(EXAMPLES)} checked, {len(EXAMPLES)} passed, 0 failed" in report.format()


# ---- every content entry defines its own terms (so no packet depends on which items it shows)


def test_every_content_entry_defines_or_explains_its_medical_terms():
    problems = []
    for stem, data in CONTENT.items():
        for path, text in content_strings(data):
            text = re.sub(r"\{\w+\}", "", " ".join(text.split()))
            for term in undefined_terms(split_sentences(text), GLOSSARY):
                problems.append(f"{stem}.yaml {'.'.join(path)}: {term.term!r} in: {term.sentence}")
    assert not problems, "add these to glossary.yaml or explain them:\n" + "\n".join(problems)


# ---- the lint can fail


def test_lint_flags_hard_text():
    result = lint_html(HARD, GLOSSARY, source="hard.html")
    assert result.grade > MAX_GRADE
    assert not result.ok and result.too_hard
    undefined = {term.term.casefold() for term in result.undefined}
    assert {"histopathological", "melanocytic", "neoplasm", "cytological"} <= undefined
    assert "adjuvant" not in undefined  # it is in the glossary
    text = result.format()
    assert text.startswith("FAIL hard.html") and "above grade 7.0" in text
    assert "Histopathological examination demonstrated" in text  # the worst sentence is shown


def test_lint_reports_a_profile_that_does_not_load(write):
    bad = write("bad.yaml", "schema_version: 1\npatient:\n  id: b-1\n  name: Bad\n  age: 40\n"
                            "diagnosis:\n  cancer_type: freckle\n  diagnosed_by: primary_care\n")
    report = lint_paths([bad], PREPARED_ON)
    assert not report.ok
    [packet] = report.packets
    assert packet.error and "cancer_type" in packet.error and "bad.yaml" in packet.error
    assert packet.grade is None and not packet.ok
    assert "FAIL" in report.format() and "cancer_type" in report.format()
    assert "0 passed, 1 failed" in report.format()


def test_lint_reports_a_missing_path_and_an_empty_folder(tmp_path):
    report = lint_paths([tmp_path / "nowhere.yaml"])
    assert not report.ok and "no such file" in report.format()
    empty = lint_paths([tmp_path])
    assert not empty.ok and empty.packets == () and "no profile files" in empty.format()


def test_one_bad_profile_fails_the_report_but_the_others_are_still_checked(write, minimal):
    good = minimal("good.yaml")
    bad = write("bad.yaml", "patient: [")
    report = lint_paths([good, bad], PREPARED_ON)
    assert [packet.ok for packet in report.packets] == [True, False]
    assert not report.ok


def test_lint_flags_an_undefined_term_in_a_coordinator_note(minimal):
    note = "coordinator_note: |\n  Your report shows perineural invasion. Ask about it.\n"
    result = lint_file(minimal(extra=note), PREPARED_ON)
    assert [term.term for term in result.undefined] == ["perineural"]
    assert "perineural invasion" in result.undefined[0].sentence
    assert not result.ok


def test_the_patients_own_health_conditions_are_not_flagged(minimal):
    profile = minimal()
    conditions = "  comorbidities:\n    - rheumatoid arthritis\n    - diverticulitis\n"
    profile.write_text(profile.read_text().replace("  age: 58\n", "  age: 58\n" + conditions))
    result = lint_file(profile, PREPARED_ON)
    assert not result.error, result.error
    assert result.undefined == (), result.format(verbose=True)
    html = render_html(make_packet(load_profile(profile), BuildOptions(prepared_on=PREPARED_ON)))
    unchecked = lint_html(html, GLOSSARY)  # without the profile's own words, they would be flagged
    assert {term.term for term in unchecked.undefined} == {"arthritis", "diverticulitis"}


# ---- the pieces


def test_block_elements_are_separate_units_and_hidden_text_is_skipped():
    html = """<html><head><title>Not shown</title><style>p { color: red }</style></head><body>
    <h2>Questions to ask</h2><ul><li>How sure are you</li><li>What are my <strong>choices</strong></li></ul>
    <p>One line.<br>Another line</p><script>var x = "no";</script>
    <p aria-hidden="true">!</p><span class="visually-hidden">Phone</span><div hidden><p>gone</p></div>
    <table><tr><th>Name</th><td>Dana</td></tr></table><p>Tom &amp; Jerry</p></body></html>"""
    assert visible_units(html) == ["Questions to ask", "How sure are you", "What are my choices", "One line.",
                                   "Another line", "Name", "Dana", "Tom & Jerry"]


@pytest.mark.parametrize(("text", "sentences"), [
    ("One. Two! Three?", ["One.", "Two!", "Three?"]),
    ("Call Dr. Owen at 9 a.m. today. Then rest.", ["Call Dr. Owen at 9 a.m. today.", "Then rest."]),
    ("It is in the U.S. now. Yes.", ["It is in the U.S. now.", "Yes."]),
    ('He said "Stop." Then left.', ['He said "Stop."', "Then left."]),
    ("Search Cancer.Net today. It helps.", ["Search Cancer.Net today.", "It helps."]),
    ("It is stage I. It is small.", ["It is stage I.", "It is small."]),
    ("No end mark", ["No end mark"]),
])
def test_split_sentences(text, sentences):
    assert split_sentences(text) == sentences


def test_headings_without_periods_do_not_make_one_long_sentence():
    html = "<body>" + "".join(f"<h3>Things to bring to visit {i}</h3>" for i in range(20)) + "</body>"
    sentences = packet_sentences(html)
    assert len(sentences) == 20
    assert reading_grade(sentences) < reading_grade([" ".join(sentences)]) - 5


@pytest.mark.parametrize(("sentence", "term"), [
    ("A skin doctor (dermatologist) can help.", "dermatologist"),
    ("Ask about desmoplastic (scar-like) melanoma.", "desmoplastic"),
    ("Perineural invasion means the cancer grows along nerves.", "Perineural"),
    ("Lymphovascular invasion, which means cancer in small vessels, was seen.", "Lymphovascular"),
    ("Curettage is a way to scrape off the spot.", "Curettage"),
    ("This is called a resection.", "resection"),
    ("Your plan includes imiquimod, a cream that helps the body fight the spot.", "imiquimod"),
])
def test_an_explained_term_is_explained(sentence, term):
    match = next(m for m in medical_terms(sentence) if m.group() == term)
    assert explained(sentence, *match.span())


@pytest.mark.parametrize(("sentence", "term"), [
    ("Your report shows perineural invasion.", "perineural"),
    ("Curettage is best for small spots.", "Curettage"),
    ("The desmoplastic type is rare.", "desmoplastic"),
])
def test_an_unexplained_term_is_not_explained(sentence, term):
    match = next(m for m in medical_terms(sentence) if m.group() == term)
    assert not explained(sentence, *match.span())


def test_only_the_first_use_of_a_term_must_be_explained():
    sentences = ["Curettage is a way to scrape off the spot.", "Curettage heals well.",
                 "Your report shows perineural invasion.", "Perineural invasion means it grows along nerves."]
    assert [term.term for term in undefined_terms(sentences, GLOSSARY)] == ["perineural"]


def test_plain_words_are_not_medical_terms():
    text = "Bring your diploma, and an apology is fine. Technology helps. Your pet can come."
    assert list(medical_terms(text)) == []
