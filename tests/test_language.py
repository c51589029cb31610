"""Packet languages: Spanish content mirrors English key for key, Spanish packets are Spanish all
through, the letter and case summary stay in the clinic's language, and other languages get an
English packet with an interpreter notice in their own language."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from sop_packets.build import BuildOptions, make_packet
from sop_packets.cli import cli
from sop_packets.content import (
    available_languages,
    content_root,
    language_name,
    language_notices,
    load_content,
    notice_for,
    packet_language,
)
from sop_packets.glossary import load_glossary
from sop_packets.guidance import PLACEHOLDER, build_guidance
from sop_packets.lint import (
    content_strings,
    lint_file,
    lint_html,
    rules_for,
    split_sentences,
    undefined_terms,
    visible_units,
)
from sop_packets.profile import load_profile
from sop_packets.render import render_html

PROFILES = Path(__file__).parent.parent / "profiles"
PREPARED_ON = date(2026, 11, 27)
LANGUAGES = [lang for lang in available_languages() if lang != "en"]
SPANISH_EXAMPLES = sorted(p for p in PROFILES.glob("*.yaml")
                          if packet_language(load_profile(p).patient.language) == "es")
PACKET_LANGUAGES = {"zh": "Chinese", "vi": "Vietnamese"}  # have their own packets now, and still a notice
NOTICE_LANGUAGES = {"ko": "Korean", "tl": "Tagalog", "ru": "Russian",
                    "ar": "Arabic", "ht": "Haitian Creole", "pt": "Portuguese", "fr": "French",
                    "pl": "Polish", "ja": "Japanese", "de": "German", "it": "Italian", "fa": "Persian",
                    "uk": "Ukrainian", "ur": "Urdu", "so": "Somali", "hmn": "Hmong"}
# Words that are common in English sentences and are not Spanish words.
ENGLISH_STOP_WORDS = frozenset(
    ["the", "and", "your", "you", "is", "are", "of", "with", "for", "this", "that", "it", "what", "have", "has", "will", "be", "from", "they", "not", "or", "if", "can", "do", "to", "in", "on", "at", "by", "an", "as", "who", "when", "which", "would", "should", "about", "their", "there", "been", "was", "were", "my", "our"])


def html_for(path: Path, **options) -> str:
    """The packet's HTML, without the font-fallback spans render.py puts around non-Latin words."""
    profile = load_profile(path)
    html = render_html(make_packet(profile, BuildOptions(prepared_on=PREPARED_ON, **options)))
    return re.sub(r'<span class="intl">(.*?)</span>', r"\1", html)


def keys(node, path=()):
    """Every key path of a content file, with list positions; leaves are the text values."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from keys(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from keys(value, (*path, str(index)))
    else:
        yield path, node


def english_sentences(units: list[str]) -> list[str]:
    """Sentences where English stop words are at least a quarter of the words (and at least two)."""
    found = []
    for unit in units:
        for sentence in split_sentences(unit):
            words = re.findall(r"[^\W\d_]+", sentence.lower())
            hits = [w for w in words if w in ENGLISH_STOP_WORDS]
            if len(hits) >= 2 and len(hits) / len(words) >= 0.25:
                found.append(sentence)
    return found


# ---- content: every language mirrors English


def test_spanish_is_a_packet_language():
    assert "es" in LANGUAGES and available_languages()[0] == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_content_key_exists_in_every_language_with_the_same_placeholders(language):
    english, other = load_content("en"), load_content(language)
    assert set(other) == set(english), "content files differ"
    problems = []
    for stem in english:
        if stem == "glossary":  # each language has its own list of terms
            continue
        theirs = dict(keys(other[stem]))
        for path, text in keys(english[stem]):
            where = f"{language}/{stem}.yaml {'.'.join(path)}"
            if path not in theirs:
                problems.append(f"{where}: missing")
            elif isinstance(text, str) and set(PLACEHOLDER.findall(text)) != set(
                    PLACEHOLDER.findall(str(theirs[path]))):
                problems.append(f"{where}: placeholders differ from English")
            elif isinstance(text, str) and text.strip() and not str(theirs[path]).strip():
                problems.append(f"{where}: empty")
        mine = dict(keys(english[stem]))
        problems += [f"{language}/{stem}.yaml {'.'.join(p)}: not in English" for p in theirs if p not in mine]
    assert not problems, "translate these:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_lint_rules_and_a_glossary(language):
    rules = rules_for(language)
    assert rules.language == language
    glossary = load_glossary(load_content(language))
    assert len(glossary) > 30 and all(term.definition for term in glossary)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_content_entry_explains_its_medical_terms_in_its_language(language):
    content, rules = load_content(language), rules_for(language)
    glossary = load_glossary(content)
    problems = []
    for stem, data in content.items():
        for path, text in content_strings(data):
            text = re.sub(r"\{\w+\}", "", " ".join(text.split()))
            for term in undefined_terms(split_sentences(text, rules.abbreviations), glossary, rules=rules):
                problems.append(f"{language}/{stem}.yaml {'.'.join(path)}: {term.term!r}")
    assert not problems, "add these to the glossary or explain them:\n" + "\n".join(problems)


def test_spanish_lint_finds_an_unexplained_spanish_term():
    rules = rules_for("es")
    glossary = load_glossary(load_content("es"))
    found = undefined_terms(["Su informe muestra invasión perineural.", "Le harán una linfadenectomía."],
                            (), rules=rules)
    assert [t.term for t in found] == ["perineural", "linfadenectomía"]
    assert undefined_terms(["La invasión perineural quiere decir que crece por los nervios."], (),
                           rules=rules) == ()
    assert undefined_terms(["Le harán una linfadenectomía."], glossary, rules=rules) == ()


def test_spanish_readability_fails_hard_spanish():
    hard = ("<html lang='es'><body><p>La caracterización inmunohistoquímica exhaustiva de la neoplasia "
            "melanocítica pobremente circunscrita, con diseminación pagetoide y atipia citológica considerable, "
            "requiere una valoración multidisciplinaria de la intervención inmunoterapéutica adyuvante.</p>"
            "</body></html>")
    result = lint_html(hard, rules=rules_for("es"))
    assert result.too_hard and result.grade < 70
    assert "Fernández-Huerta" in result.format() and "at least 70" in result.format()


# ---- which language a packet is in


@pytest.mark.parametrize(("tag", "language"), [
    ("es", "es"), ("es-US", "es"), ("es-MX", "es"), ("ES", "es"), ("en-US", "en"), ("vi", "vi"), ("vi-VN", "vi"),
    ("zh", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"),
    ("zh-MO", "zh-Hant"), ("yue", "zh-Hant"), ("ko", "en"), (None, "en"),
])
def test_packet_language_from_a_bcp47_tag(tag, language):
    assert packet_language(tag) == language


def test_language_is_named_in_words_never_a_code():
    assert language_name("vi") == "Vietnamese"
    assert language_name("tl") == "Tagalog"
    assert language_name("pt-BR") == "Portuguese"
    assert language_name("en", "es") == "inglés"
    assert language_name("qq") == "a language other than English"


def test_override_and_clinic_default(minimal, write):
    profile = load_profile(minimal())
    assert make_packet(profile, BuildOptions(prepared_on=PREPARED_ON)).language == "en"
    assert make_packet(profile, BuildOptions(prepared_on=PREPARED_ON, language="es-MX")).language == "es"
    clinic = write("clinic/clinic.yaml", "schema_version: 1\nname: Clínica Sol\nphone: 555-0100\nlanguage: es\n")
    spanish_clinic = make_packet(profile, BuildOptions(prepared_on=PREPARED_ON, clinic=clinic))
    assert (spanish_clinic.language, spanish_clinic.clinic_language) == ("es", "es")
    spanish = load_profile(PROFILES / "ex-17-melanoma-child-es.yaml")
    assert make_packet(spanish, BuildOptions(prepared_on=PREPARED_ON, language="en")).language == "en"


def test_a_spanish_clinic_writes_the_letter_in_spanish_with_no_language_note(minimal, write):
    clinic = write("clinic/clinic.yaml", "schema_version: 1\nname: Clínica Sol\nphone: 555-0100\nlanguage: es\n")
    html = html_for(minimal(), clinic=clinic)
    letter = html.split('id="records-letter"', 1)[1].split("</section>", 1)[0]
    assert "Pedido de expedientes médicos y laminillas" in letter
    assert "Esta carta va en" not in letter and 'lang="en"' not in letter
    assert "Request for medical records" not in html


def test_a_spanish_clinic_gives_other_languages_a_spanish_packet_with_their_notice(minimal, write):
    clinic = write("clinic/clinic.yaml", "schema_version: 1\nname: Clínica Sol\nphone: 555-0100\nlanguage: es\n")
    html = html_for(minimal(), clinic=clinic, language="ko")
    assert '<html lang="es">' in html
    assert "Su idioma preferido es el coreano." in html
    assert re.search(r'lang="ko" dir="ltr">[^<]*무료 통역 서비스를 이용하실 수 있습니다\.', html)


def test_a_clinic_language_without_content_is_a_located_error(write):
    clinic = write("c/clinic.yaml", "schema_version: 1\nname: C\nphone: '1'\nlanguage: ko\n")
    result = CliRunner().invoke(cli, ["build", str(PROFILES / "ex-09-other-minimal.yaml"), "--clinic",
                                      str(clinic), "--format", "html"])
    assert result.exit_code == 2, result.output
    assert "clinic.yaml:4:11: language: 'ko' has no content folder" in result.output
    assert "Traceback" not in result.output


# ---- Spanish packets


@pytest.fixture(scope="module", params=SPANISH_EXAMPLES, ids=[p.stem for p in SPANISH_EXAMPLES])
def spanish(request):
    return request.param, html_for(request.param)


def test_at_least_three_spanish_examples_one_a_child_one_large_print():
    profiles = [load_profile(p) for p in SPANISH_EXAMPLES]
    assert len(profiles) >= 3
    assert any(p.patient.age_on(PREPARED_ON) < 18 for p in profiles)
    assert any(p.preferences.large_print for p in profiles)


def test_spanish_packet_has_no_english_sentences(spanish):
    _, html = spanish
    units = visible_units(html)
    assert len(units) > 150  # the whole packet was read
    assert english_sentences(units) == []


def test_the_english_check_catches_english():
    assert english_sentences(["Ask your doctor if the plan is right for you."]) != []
    assert english_sentences(["Pregunte a su médico si el plan es bueno para usted."]) == []


def test_spanish_packet_words_header_date_and_lang(spanish):
    _, html = spanish
    assert '<html lang="es">' in html
    assert "Palabras que debe saber" in html
    # the footer's phone has no-break spaces, so it never breaks across the footer's lines
    # (large print sets it as two lines by design: the name and "Confidencial", then the contact and the page)
    footer = ('"  ·  Confidencial" "\\A" "Jordan Ellis, RN (555)\u00a0010-2014  ·  "' if 'class="large-print' in html
              else '"  ·  Confidencial  ·  Jordan Ellis, RN (555)\u00a0010-2014  ·  "')
    assert f'string(patientname) {footer} "Página " counter(page)' in html, html[html.index("@bottom-center"):][:300]
    assert '"Página " counter(page) " de " counter(pages)' in html
    assert "Preparada el 27 de noviembre de 2026" in re.sub(r"<[^>]+>", "", html)  # the date is one nowrap span
    assert "Qué hay en esta guía" in html and "Su situación de un vistazo" in html
    body = html.split("<body", 1)[1]
    for english in ("Words to know", "Prepared on", "November", "Page ", "Why this is in your guide"):
        assert english not in body, english


def test_letter_and_case_summary_stay_in_english_with_their_own_lang(spanish):
    _, html = spanish
    letter = html.split('id="records-letter"', 1)[1].split("</section>", 1)[0]
    # The instructions name the English fields, and the office is the first doctor's, not "su oficina".
    assert "La carta va en inglés para que la lean en el consultorio de su primer médico." in letter
    assert "«Please send them to»" in letter and "«Printed name»" in letter and "su oficina" not in letter
    assert '<div class="letter-body" lang="en">' in letter
    assert "Request for medical records and slides" in letter
    summary = html.split('id="case-summary"', 1)[1].split("</section>", 1)[0]
    assert "Va en inglés para que la pueda leer." in summary
    assert '<div class="summary-body" lang="en">' in summary and "Main questions" in summary
    assert "Request for medical records" not in " ".join(visible_units(html))  # lint reads Spanish only


def test_child_letter_is_signed_by_a_parent_and_says_where():
    html = html_for(PROFILES / "ex-17-melanoma-child-es.yaml")
    assert "Signature of parent or guardian" in html
    assert "Firme en «Signature of parent or guardian»" in html and "ponga la fecha de hoy en «Date»." in html
    assert "En «Parent or guardian» escriba su nombre." in html


def test_spanish_example_passes_lint_with_fernandez_huerta(spanish):
    path, _ = spanish
    result = lint_file(path, PREPARED_ON)
    assert result.ok, result.format(verbose=True)
    assert result.readability is not None and result.readability.name == "Fernández-Huerta"
    assert result.grade >= 70


def test_explain_in_spanish_has_the_same_ids_and_translated_reasons():
    path = str(PROFILES / "ex-17-melanoma-child-es.yaml")
    runner = CliRunner()
    spanish = json.loads(runner.invoke(cli, ["explain", path, "--json", "--date", "2026-11-27"]).output)
    # the same patient (still a Spanish speaker) with the English words
    english = build_guidance(load_profile(path), load_content("en"), PREPARED_ON, "es-US", "Spanish").to_json()
    for section in english:
        if isinstance(english[section], list):
            assert [i["id"] for i in spanish[section]] == [i["id"] for i in english[section]], section
            assert [len(i["because"]) for i in spanish[section]] == [len(i["because"]) for i in english[section]]
    assert spanish["urgency"]["level"] == english["urgency"]["level"]
    assert spanish["urgency"]["because"] == [
        "el melanoma creció por debajo de la capa de arriba de la piel"]  # stage II given (review vi m32)
    assert english["urgency"]["because"] == [
        "the melanoma has grown below the top layer of skin"]
    text = runner.invoke(cli, ["explain", path]).output
    # a 13-year-old reads with a parent: the reasons speak about the patient by name (issue 17)
    assert "because Valentina Rojas Medina tiene melanoma" in text and "Packet language: Spanish (es)" in text


# ---- every other language: English packet, language in words, notice in that language


def test_notices_cover_the_required_languages():
    for code in {**NOTICE_LANGUAGES, **PACKET_LANGUAGES}:
        notice = notice_for(code)
        assert notice is not None, code
        assert "{phone}" in notice.text and notice.text.count("{phone}") == 1, code
    assert notice_for("ar").direction == "rtl" and notice_for("fa").direction == "rtl"
    assert notice_for("ur").direction == "rtl"
    assert notice_for("pt-BR").tag == "pt" and notice_for("zh-TW").tag == "zh-Hant"
    assert notice_for("fil").tag == "tl"
    assert all(entry.get("dir", "ltr") in ("ltr", "rtl") for entry in language_notices().values())


def test_notices_are_written_in_their_own_script():
    scripts = {"zh": r"[\u4e00-\u9fff]", "zh-Hant": r"[\u4e00-\u9fff]", "ja": r"[\u3040-\u30ff]",
               "ko": r"[\uac00-\ud7af]", "ru": r"[\u0400-\u04ff]", "ar": r"[\u0600-\u06ff]",
               "fa": r"[\u0600-\u06ff]", "vi": r"[ơưđ]"}
    for code, script in scripts.items():
        assert re.search(script, notice_for(code).text), code


@pytest.mark.parametrize(("code", "name"), sorted(NOTICE_LANGUAGES.items()))
def test_other_language_gets_english_packet_named_language_and_notice(minimal, code, name):
    html = html_for(minimal(extra=""), language=code)
    notice = notice_for(code)
    assert '<html lang="en">' in html
    assert f"Your preferred language is {name}." in html
    assert f"your preferred language is not English ({name})" in html
    assert f"({code})" not in html  # never a bare code
    cover = html.split("</header>", 1)[0]
    direction = "rtl" if code in ("ar", "fa", "ur") else "ltr"
    assert f'lang="{notice.tag}" dir="{direction}"' in cover
    first, _, _ = notice.text.partition("{phone}")
    assert first.strip() in unescape(cover) and '<bdi dir="ltr">\u2066(555) 010-2014\u2069</bdi>' in cover  # Somali ra'yi


def test_english_and_spanish_packets_have_no_notice(minimal):
    assert 'class="language-notice"' not in html_for(minimal())
    assert 'class="language-notice"' not in html_for(minimal(), language="es")


def test_a_language_with_no_notice_still_gets_it_named(minimal):
    html = html_for(minimal(), language="sw")
    assert "Your preferred language is Swahili." in html and 'class="language-notice-text"' not in html


# ---- batches and the incremental fingerprint


def test_batch_mixes_languages(tmp_path):
    out = tmp_path / "out"
    paths = [PROFILES / "ex-01-melanoma-primary-care.yaml", PROFILES / "ex-17-melanoma-child-es.yaml",
             PROFILES / "ex-19-scc-arabic-notice.yaml"]
    result = CliRunner().invoke(cli, ["batch", *map(str, paths), "-o", str(out), "--format", "html",
                                      "--jobs", "2", "--no-progress", "--date", "2026-11-27"])
    assert result.exit_code == 0, result.output
    langs = {p.stem: re.search(r'<html lang="(\w+)"', p.read_text()).group(1) for p in out.glob("*.html")}
    assert langs == {"ex-01-melanoma-primary-care": "en", "ex-17-melanoma-child-es": "es",
                     "ex-19-scc-arabic-notice": "en"}
    assert 'lang="ar" dir="rtl"' in (out / "ex-19-scc-arabic-notice.html").read_text()
    again = CliRunner().invoke(cli, ["batch", *map(str, paths), "-o", str(out), "--format", "html",
                                     "--no-progress", "--date", "2026-11-27", "--language", "es"])
    assert "3 built" in again.output  # a new --language rebuilds


def test_fingerprint_covers_every_language_folder_and_the_notices(monkeypatch, tmp_path):
    import shutil

    from sop_packets import content, incremental

    copy = tmp_path / "templates"
    shutil.copytree(content.template_dir(), copy)
    monkeypatch.setattr(incremental, "template_dir", lambda: copy)
    before = incremental.build_stamp(BuildOptions())
    for changed in ("content/es/words.yaml", "content/language_access.yaml", "content/es/_lint.yaml"):
        (copy / changed).write_text((copy / changed).read_text() + "\n# edited\n")
        after = incremental.build_stamp(BuildOptions())
        assert after != before, changed
        before = after
    assert content_root().name == "content"


# ---- the Spanish PDF


def test_spanish_pdf_language_metadata_header_and_bookmarks(tmp_path):
    from pypdf import PdfReader

    from sop_packets.build import build_file

    result = build_file(PROFILES / "ex-18-bcc-large-print-es.yaml",
                        BuildOptions(out_dir=tmp_path, prepared_on=PREPARED_ON, format="pdf"))
    reader = PdfReader(result.outputs[0])
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "es" and "/StructTreeRoot" in root
    assert "pdfuaid:part" in root["/Metadata"].get_object().get_data().decode()
    assert reader.metadata.title == "Guía para la segunda opinión · Riverbend Skin Health Center"
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert f"Página 1 de {len(pages)}" in pages[0] and f"Página 2 de {len(pages)}" in pages[1]
    assert "Confidencial" in pages[1] and "Confidential" not in pages[1]
    # Large print: the cover line "Confidencial…" opens page two with the date; the cover's footer has no name.
    assert pages[0].count("Confidencial") == 0 and pages[1].count("Confidencial") == 2
    assert any("Palabras que debe saber" in page for page in pages)
    titles = []

    def walk(outline):
        for entry in outline:
            walk(entry) if isinstance(entry, list) else titles.append(entry.title)

    walk(reader.outline)
    assert {"Por qué le puede ayudar una segunda opinión", "Expedientes que debe reunir",
            "Hoja para decidir", "Palabras que debe saber"} <= set(titles)


def test_language_option_on_the_command_line(tmp_path):
    runner = CliRunner()
    minimal = str(PROFILES / "ex-09-other-minimal.yaml")
    bad = runner.invoke(cli, ["build", minimal, "--language", "not a tag", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "'not a tag' is not a language tag" in bad.output
    built = runner.invoke(cli, ["build", minimal, "--language", "es-MX", "--format", "html", "-o", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert '<html lang="es">' in (tmp_path / "ex-09-other-minimal.html").read_text()
    lint = runner.invoke(cli, ["lint", minimal, "--language", "es"])
    assert lint.exit_code == 0, lint.output
    assert "Fernández-Huerta" in lint.output and lint.output.endswith("at least 70)\n")


def test_clinic_words_in_a_spanish_packet_are_marked_english():
    html = html_for(PROFILES / "ex-17-melanoma-child-es.yaml")
    # Names stay as the clinic wrote them, marked English; the role is given in Spanish in clinic.yaml.
    assert "por Jordan Ellis, RN, Enfermera guía." in html
    assert re.search(r'<img class="logo"[^>]* lang="en">', html)
    assert '<td><span lang="en">Lakeside Dermatopathology Lab</span></td>' in html


def test_placeholders_are_escaped_but_content_is_not_markup(minimal, write):
    clinic = write("clinic/clinic.yaml", "schema_version: 1\nname: Sol <b>&amp; Luna\nphone: 555-0100\n")
    html = html_for(minimal(), language="es", clinic=clinic)
    assert "<title>Guía para la segunda opinión · Sol &lt;b&gt;&amp;amp; Luna</title>" in html


# ---- each language's glossary follows the English glossary's rules


MAX_DEFINITION_SENTENCE = {"words": 22, "syllables": 26, "characters": 32}
"""The longest sentence of a glossary definition, in the unit its language counts in."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_glossary_definitions_are_short_easy_and_not_circular(language):
    from sop_packets.glossary import terms_used
    from sop_packets.lint import readability_score
    from sop_packets.lint.text import length

    rules = rules_for(language)
    glossary = load_glossary(load_content(language))
    owners: dict[str, str] = {}
    for term in glossary:
        sentences = rules.sentences(term.definition)
        longest = MAX_DEFINITION_SENTENCE[rules.readability.unit]
        assert len(sentences) <= 2 and all(length(s, rules.readability.unit) <= longest for s in sentences), term.term
        assert term not in terms_used([sentences[0]], [term]), f"{term.term} is defined by itself"
        assert rules.readability.passes(readability_score(sentences, rules)), term.term
        for form in (term.term, *term.aliases):
            key = " ".join(form.casefold().split())
            assert owners.setdefault(key, term.term) == term.term, f"{form!r} is in {owners[key]} and {term.term}"
    text = (content_root() / language / "glossary.yaml").read_text(encoding="utf-8")
    written = re.findall(r"^([^\s#][^:]*):\s*$", text, re.MULTILINE)
    assert len(written) == len(set(written)) == len(glossary)


def test_spanish_glossary_covers_the_words_a_packet_may_use():
    from sop_packets.glossary import terms_used

    glossary = load_glossary(load_content("es"))
    for term in ("biopsia", "dermatólogo", "dermatopatólogo", "melanoma", "carcinoma de células basales",
                 "carcinoma de células escamosas", "carcinoma de células de Merkel", "linfoma de piel",
                 "sarcoma de Kaposi", "cirugía de Mohs", "margen", "ganglios linfáticos",
                 "biopsia de ganglio linfático centinela", "profundidad de Breslow", "ulceración",
                 "índice mitótico", "estadio", "metástasis", "inmunoterapia", "terapia dirigida",
                 "quimioterapia", "radioterapia", "oncólogo", "estudios clínicos", "autorización previa",
                 "laminillas", "bloques de tejido", "referido", "Medicare", "Medicaid"):
        assert terms_used([term], glossary), f"{term!r} is not in the Spanish glossary"


def test_only_the_clinician_parts_and_clinic_words_are_marked_english(spanish):
    _, html = spanish
    body = html.split("<body", 1)[1]
    marked = re.findall(r'<(\w+)((?: [\w-]+="[^"]*")*) lang="(?!es")([^"]+)"', body)
    kinds = {(tag, re.sub(r'.*class="([^"]*)".*', r"\1", attrs) if "class=" in attrs else "") for tag, attrs, _ in marked}
    assert kinds <= {("div", "letter-body"), ("div", "summary-body"), ("span", ""), ("img", "logo"), ("td", "")}
    assert ("div", "letter-body") in kinds and ("div", "summary-body") in kinds


# ---- Spanish readability: the published formula, Spanish syllables


@pytest.mark.parametrize(("word", "count"), [
    ("día", 2), ("edad", 2), ("ahora", 3), ("aeropuerto", 5), ("reúna", 3), ("leer", 2), ("que", 1),
    ("guerra", 2), ("pingüino", 3), ("hoy", 1), ("muy", 1), ("reyes", 2), ("cuidado", 3), ("ciudad", 2),
    ("información", 4), ("construcción", 3), ("oncólogo", 4), ("y", 1),
])
def test_spanish_syllables(word, count):
    assert rules_for("es").readability.syllables.count(word) == count


def test_fernandez_huerta_is_the_published_formula():
    from sop_packets.lint import readability_score

    # 5 words, 10 syllables (su, mé-di-co, le, pue-de, a-yu-dar), 1 sentence: 206.84 - 60*2 - 1.02*5
    assert readability_score(["Su médico le puede ayudar."], rules_for("es")) == 81.7


# ---- script-aware language choice (BCP 47, Babel's likely subtags and negotiation)

FOLDERS = ("en", "es", "vi", "zh-Hans", "zh-Hant")


@pytest.mark.parametrize(("tag", "folder"), [
    ("zh-TW", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh-MO", "zh-Hant"), ("zh-Hant", "zh-Hant"),
    ("zh_hant_tw", "zh-Hant"), ("zh-CN", "zh-Hans"), ("zh-SG", "zh-Hans"), ("zh-Hans-CN", "zh-Hans"),
    ("zh", "zh-Hans"), ("cmn", "zh-Hans"), ("yue", "zh-Hant"), ("vi-VN", "vi"), ("VI", "vi"), ("es-MX", "es"),
    ("es-419", "es"), ("en-US", "en"), ("qq", ""), ("sw", ""), ("", ""), (None, ""),
])
def test_language_choice_is_script_aware(tag, folder):
    from sop_packets.language import choose

    assert choose(tag, FOLDERS, {"yue": "zh-Hant"}).folder == folder


def test_chinese_with_no_script_is_a_warning_that_names_the_assumption():
    from sop_packets.language import choose

    warning = choose("zh", FOLDERS).warning
    assert "assuming Simplified (zh-Hans)" in warning and "zh-Hant" in warning
    for tag in ("zh-TW", "zh-CN", "zh-Hans", "zh-Hant", "es", "vi-VN", "en"):
        assert choose(tag, FOLDERS).warning == "", tag
    assert choose("zh", ("en", "zh-Hans")).warning == ""  # one script only: nothing is assumed


@pytest.mark.parametrize(("tag", "form"), [
    ("zh-Hans", "SC"), ("zh", "SC"), ("zh-SG", "SC"), ("zh-Hant", "TC"), ("zh-TW", "TC"), ("zh-HK", "HK"),
    ("zh-Hant-MO", "HK"), ("yue", "HK"), ("ja", "JP"), ("ko-KR", "KR"), ("vi", ""), ("en", ""),
])
def test_cjk_font_form_follows_the_tag(tag, form):
    from sop_packets.language import cjk_form

    assert cjk_form(tag) == form


def test_script_css_gives_each_cjk_lang_its_own_font_form():
    from sop_packets.fonts import CJK_FACES, script_css

    css = script_css({"zh-Hant": "TC", "ko": "KR"})
    assert '[lang|="zh-Hant"] { font-family: "Packet Digits", "Atkinson Hyperlegible"' in css
    assert '"Noto Sans CJK TC", sans-serif; }' in css and '"Noto Sans CJK KR"' in css
    assert '"Noto Sans CJK SC"' not in css
    assert CJK_FACES == {"JP": 0, "KR": 1, "SC": 2, "TC": 3, "HK": 4}


def test_cjk_faces_are_the_named_faces_of_the_collection():
    from fontTools.ttLib import TTFont

    from sop_packets.fonts import CJK_FACES, STACK, cjk_family

    path = next(font for font in STACK if font.large).paths()[0][0]
    for form, face in CJK_FACES.items():
        with TTFont(path, fontNumber=face, lazy=True) as font:
            assert font["name"].getDebugName(1) == cjk_family(form)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["zh", "ZH", "vi", "es", "en", "yue", "cmn", "qq", "x", "Hant", "hans", "Latn",
                                 "TW", "hk", "CN", "419", "MX", "", "-", "_", "a-b", "123", "Zzzz"]), max_size=5))
def test_language_choice_never_fails_and_picks_an_offered_folder(parts):
    from sop_packets.language import choose

    tag = "-".join(parts)
    choice = choose(tag, FOLDERS, {"yue": "zh-Hant"})
    assert choice.folder in (*FOLDERS, "")
    assert not choice.warning or choice.folder == "zh-Hans"


# ---- is the text in the language it claims? (py3langid, hanzidentifier)

ALL_LANGUAGES = list(available_languages())


@pytest.mark.parametrize("language", ALL_LANGUAGES)
def test_every_content_folder_is_in_its_own_language(language):
    from sop_packets.identity import check_content

    report = check_content(language)
    assert report.ok, report.summary() + "\n" + "\n".join(f.format(language) for f in report.findings)
    assert report.letters > 10_000  # letters: Han characters count one each


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_half_translated_folder_fails_the_language_check(language):
    from sop_packets.identity import check_texts, content_texts

    content, english = load_content(language), load_content("en")
    stems = sorted(content)
    half = {stem: (english if index % 2 else content)[stem] for index, stem in enumerate(stems)}
    report = check_texts(content_texts(half), language)
    assert not report.ok and report.other_share > 0.3, report.summary()
    assert any(f.found == "en" for f in report.findings)
    assert check_texts(content_texts(content), language).ok


def test_the_language_check_tells_languages_and_chinese_scripts_apart():
    from sop_packets.identity import identify, is_other

    assert identify("Pregunte a su médico si el plan es bueno para usted y su familia.")[0] == "es"
    assert identify("Hỏi bác sĩ xem kế hoạch này có phù hợp với quý vị không.")[0] == "vi"
    assert identify("请问医生这个治疗计划是否适合您和您的家人。")[0] == "zh-Hans"
    assert identify("請問醫生這個治療計劃是否適合您和您的家人。")[0] == "zh-Hant"
    assert identify("Dr. Ana Ruiz") is None  # too short to tell
    assert is_other("zh-Hans", "zh-Hant") and not is_other("zh-Hant", "zh-Hant") and not is_other("zh", "zh-Hant")
    assert is_other("es", "vi") and not is_other("vi", "vi")


def test_lint_fails_a_packet_in_another_language_than_it_claims():
    english = html_for(PROFILES / "ex-09-other-minimal.yaml")
    result = lint_html(english.replace('<html lang="en">', '<html lang="es">'), rules=rules_for("es"))
    assert result.identity is not None and not result.identity.ok and not result.ok
    assert "reads as another language than es" in result.format() and "reads as en, not es" in result.format()


def test_lint_names_what_a_language_without_rules_is_missing(tmp_path, monkeypatch):
    import shutil

    from sop_packets import content
    from sop_packets.lint import LanguageRulesError

    copy = tmp_path / "templates"
    shutil.copytree(content.template_dir(), copy)
    (copy / "content" / "xx").mkdir()
    shutil.copy(copy / "content" / "en" / "ui.yaml", copy / "content" / "xx" / "ui.yaml")
    monkeypatch.setattr(content, "content_root", lambda: copy / "content")
    for cached in (content.available_languages, content.language_settings, rules_for):
        cached.cache_clear()
    monkeypatch.setattr(content, "_written_as", lambda: {})
    try:
        with pytest.raises(LanguageRulesError, match=r"templates/content/xx/_lint.yaml is missing"):
            rules_for("xx")
        (copy / "content" / "xx" / "_lint.yaml").write_text("readability: {measure: syllables_per_sentence}\n")
        content.language_settings.cache_clear()
        rules_for.cache_clear()
        with pytest.raises(LanguageRulesError, match=r"xx/_lint.yaml: missing medical_words, explained_after"):
            rules_for("xx")
        (copy / "content" / "xx" / "_lint.yaml").write_text(
            "readability: {measure: syllables_per_sentence}\nmedical_words: []\nexplained_after: x\n"
            "explained_before: y\n")
        content.language_settings.cache_clear()
        rules_for.cache_clear()
        with pytest.raises(LanguageRulesError, match=r"readability \(syllables_per_sentence\): missing name, limit"):
            rules_for("xx")
    finally:
        for cached in (content.available_languages, content.language_settings, rules_for):
            cached.cache_clear()


# ---- whole packets in Chinese and Vietnamese

NEW_EXAMPLES = {"zh-Hans": "ex-31-melanoma-zh-hans", "zh-Hant": "ex-32-bcc-nose-zh-hant", "vi": "ex-33-scc-scalp-vi"}


@pytest.fixture(scope="module", params=sorted(NEW_EXAMPLES), ids=sorted(NEW_EXAMPLES))
def new_language(request):
    language = request.param
    return language, html_for(PROFILES / f"{NEW_EXAMPLES[language]}.yaml")


def test_new_language_packet_is_in_its_language_with_dates_and_letter(new_language):
    from sop_packets.identity import check_packet

    language, html = new_language
    assert f'<html lang="{language}">' in html
    date_text = {"zh-Hans": "准备日期：2026年11月27日。", "zh-Hant": "準備日期：2026年11月27日。",  # noqa: RUF001
                 "vi": ", ngày 27 tháng 11 năm 2026. "}[language]
    assert date_text in re.sub(r'<span class="nowrap">(.*?)</span>', r"\1", html)  # a date never breaks
    units = visible_units(html)
    report = check_packet(units, language)
    assert report.ok and report.other_share < 0.05, [f.format(language) for f in report.findings]
    assert english_sentences(units) == []
    letter = html.split('id="records-letter"', 1)[1].split("</section>", 1)[0]
    assert '<div class="letter-body" lang="en">' in letter and "Request for medical records and slides" in letter
    summary = html.split('id="case-summary"', 1)[1].split("</section>", 1)[0]
    assert '<div class="summary-body" lang="en">' in summary
    body = html.split("<body", 1)[1]
    for english in ("Words to know", "Prepared on", "November", "Why this is in your guide"):
        assert english not in body, english


def test_chinese_packets_use_their_font_forms_and_punctuation(new_language):
    language, html = new_language
    style = re.search(r'<style id="packet-script">(.*?)</style>', html, re.S)
    if language == "vi":
        assert style and '[lang|="vi"] { font-family: "Packet Digits", "Noto Sans",' in style.group(1)
        assert "Atkinson" not in style.group(1).split("}")[0]
        return
    form = {"zh-Hans": "SC", "zh-Hant": "TC"}[language]
    assert style and (f'[lang|="{language}"] {{ font-family: "Packet Digits", "Packet CJK Quotes {form}", '
                      '"Atkinson Hyperlegible"') in style.group(1)  # curly quotes from the CJK font
    assert f'"Noto Sans CJK {form}", sans-serif; }}' in style.group(1)
    assert f'font-family: "Noto Sans CJK {form}"; font-weight: 400' in html  # the face embedded for browsers
    because = re.search(r'<p class="because"><strong>[^<]*</strong>([^<]*)</p>', html).group(1)
    assert because.endswith("。") and "; " not in because and not because.startswith(" ")  # no space in Chinese


def test_a_hong_kong_reader_gets_the_hong_kong_font_forms():
    html = html_for(PROFILES / "ex-32-bcc-nose-zh-hant.yaml", language="zh-HK")
    assert '<html lang="zh-Hant">' in html
    assert '[lang|="zh-Hant"] { font-family: "Packet Digits", "Packet CJK Quotes HK", "Atkinson Hyperlegible", ' \
           '"Noto Sans", "Noto Sans Arabic", "DejaVu Sans", "Noto Sans CJK HK", sans-serif; }' in html


@pytest.mark.parametrize("language", sorted(NEW_EXAMPLES))
def test_new_language_example_passes_lint_in_its_own_measure(language):
    result = lint_file(PROFILES / f"{NEW_EXAMPLES[language]}.yaml", PREPARED_ON)
    assert result.ok, result.format(verbose=True)
    assert result.readability is not None and result.readability.unit in ("characters", "syllables")
    if language.startswith("zh"):
        assert result.common_share is not None and result.common_share >= 0.95


def test_chinese_and_vietnamese_readability_fail_hard_text():
    zh = ("<html lang='zh-Hans'><body><p>组织病理学检查显示一个不对称且边界不清的黑素细胞性肿瘤伴有显著的结构紊乱"
          "和佩吉特样播散以及细胞学异型性需要全面的免疫组织化学表征和多学科对辅助免疫治疗干预的考虑。</p></body></html>")
    result = lint_html(zh, rules=rules_for("zh-Hans"))
    assert result.too_hard and result.grade > 22 and "characters per sentence" in result.format()
    rare = "<html lang='zh-Hans'><body><p>皲裂瘙痒，痈疽疔疖。</p><p>癣疥赘疣，龋齿痔瘘。</p></body></html>"  # noqa: RUF001
    uncommon = lint_html(rare, rules=rules_for("zh-Hans"))
    assert uncommon.common_share < 0.95 and uncommon.too_hard and "uncommon characters" in uncommon.format()
    vi = ("<html lang='vi'><body><p>Kết quả giải phẫu bệnh cho thấy một khối u tế bào hắc tố không đối xứng, "
          "bờ không rõ, với sự lan tỏa dạng Paget và bất thường tế bào đáng kể, cần đánh giá hóa mô miễn dịch "
          "toàn diện và hội chẩn đa chuyên khoa về liệu pháp miễn dịch bổ trợ.</p></body></html>")
    hard = lint_html(vi, rules=rules_for("vi"))
    assert hard.too_hard and hard.grade > 18 and "syllables per sentence" in hard.format()


def test_chinese_sentences_split_on_chinese_full_stops_and_terms_match_inside_words():
    from sop_packets.glossary import terms_used

    rules = rules_for("zh-Hans")
    assert rules.sentences("医生做了活检。结果出来了！您有问题吗？好") == ["医生做了活检。", "结果出来了！", "您有问题吗？", "好"]  # noqa: RUF001
    glossary = load_glossary(load_content("zh-Hans"))
    assert [t.term for t in terms_used(["医生做了活检。"], glossary)] == ["活检"]
    assert [t.term for t in undefined_terms(["医生做了活检。"], (), rules=rules)] == ["活检"]
    assert undefined_terms(["活检就是取一小块皮肤检查。"], (), rules=rules) == ()


def test_chinese_with_no_script_builds_simplified_with_a_warning(tmp_path):
    runner = CliRunner()
    minimal = str(PROFILES / "ex-09-other-minimal.yaml")
    built = runner.invoke(cli, ["build", minimal, "--language", "zh", "--format", "html", "-o", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert '<html lang="zh-Hans">' in (tmp_path / "ex-09-other-minimal.html").read_text()
    assert "warning: the language 'zh' does not say which script to use; assuming Simplified (zh-Hans)" \
        in built.output
    quiet = runner.invoke(cli, ["build", minimal, "--language", "zh-TW", "--format", "html", "-o", str(tmp_path)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
    assert '<html lang="zh-Hant">' in (tmp_path / "ex-09-other-minimal.html").read_text()


def test_new_language_pdfs_have_their_lang_and_font_forms(tmp_path):
    from pypdf import PdfReader

    from sop_packets.build import build_file

    for language, example in NEW_EXAMPLES.items():
        result = build_file(PROFILES / f"{example}.yaml",
                            BuildOptions(out_dir=tmp_path, prepared_on=PREPARED_ON, format="pdf"))
        reader = PdfReader(result.outputs[0])
        assert reader.trailer["/Root"]["/Lang"] == language
        embedded = {str(font.get_object()["/BaseFont"]).split("+")[-1]
                    for page in reader.pages for font in page["/Resources"].get("/Font", {}).values()}
        assert not {"Noto-Sans-CJK-JP", "Noto-Sans-CJK-KR"} & embedded, embedded  # nothing falls back
        if language == "zh-Hant":
            assert "Noto-Sans-CJK-TC" in embedded and "Noto-Sans-CJK-SC" not in embedded
        if language == "zh-Hans":
            assert "Noto-Sans-CJK-SC" in embedded and "Noto-Sans-CJK-TC" not in embedded
        first = " ".join(reader.pages[0].extract_text().split())
        expected = {"zh-Hans": "王秀英", "zh-Hant": "陳志明", "vi": "Hùng"}[language]
        assert expected in first, first[:300]
        page_of = {"zh-Hans": "第 1 页，共", "zh-Hant": "第 1 頁，共", "vi": "Trang 1 /"}[language]  # noqa: RUF001
        assert page_of in first, first[-200:]


@pytest.mark.parametrize("language", LANGUAGES)
def test_question_groups_are_the_same_in_every_language(language):
    """Which questions cover the same ground (questions.yaml `group`, issue 28) is not a matter of words: a
    packet in any language drops the same near-duplicates as the English one."""
    def groups(content):
        return {key: entry.get("group") for key, entry in content["questions"].items()}

    assert groups(load_content(language)) == groups(load_content("en"))
