"""No false claims about services: a phone service the content names cites its source, which says the
languages its staff answer in, and no sentence naming the number claims another language or an
interpreter (issue 27: a translation had added "has Chinese service" to NCI's 1-800-4-CANCER)."""

from __future__ import annotations

import re

import pytest
from babel import Locale

from sop_packets.content import available_languages, babel_locale, language_notices, load_content
from sop_packets.lint import rules_for

INTERPRETER_WORDS = {"en": ["interpreter"], "es": ["intérprete"], "vi": ["thông dịch"],
                     "zh-Hans": ["口译", "翻译"], "zh-Hant": ["口譯", "翻譯"]}
"""How each language says interpreter: a sentence naming a phone service must not promise one."""
EXTRA_NAMES = {"zh-Hans": ["华语", "普通话", "国语", "粤语"], "zh-Hant": ["華語", "普通話", "國語", "粵語"]}
"""Other ways to name Chinese languages that Babel's list does not give."""


def services(language: str) -> dict[str, dict]:
    return {key: entry for key, entry in load_content(language)["sources"].items()
            if isinstance(entry, dict) and entry.get("phone")}


def strings(node, path=()):
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, (*path, index))


def cited(entry) -> set[str]:
    found = entry.get("sources") if isinstance(entry, dict) else None
    if isinstance(found, dict):
        return {source for listed in found.values() for source in listed}
    return set(found or [])


def language_names(language: str) -> dict[str, str]:
    """Names, in `language`, of every language the project has a packet or a notice for."""
    names = Locale.parse(babel_locale(language)).languages
    codes = {code.split("-")[0] for code in [*available_languages(), *language_notices()]}
    return {code: names[code] for code in codes if code in names}


@pytest.mark.parametrize("language", available_languages())
def test_every_phone_service_cites_its_languages(language):
    found = services(language)
    assert found, f"{language}: sources.yaml names no phone service"
    for key, entry in found.items():
        assert entry.get("languages"), f"{language}: {key} gives no languages"
        assert entry.get("url", "").startswith("https://")


@pytest.mark.parametrize("language", available_languages())
def test_a_text_naming_a_phone_service_cites_it_and_claims_no_other_language(language):
    content = load_content(language)
    names = language_names(language)
    checked = 0
    for key, service in services(language).items():
        allowed = set(service["languages"])
        others = [name for code, name in names.items() if code not in allowed] + EXTRA_NAMES.get(language, [])
        forbidden = others + INTERPRETER_WORDS[language]
        for path, text in strings({name: content[name] for name in content if name != "sources"}):
            if service["phone"] not in text:
                continue
            checked += 1
            item = content[path[0]].get(path[1]) if len(path) > 2 else None
            assert key in cited(item), f"{language}: {'.'.join(map(str, path))} names {service['phone']} " \
                                       f"but does not cite {key}"
            for sentence in rules_for(language).sentences(text) or [text]:
                if service["phone"] in sentence:
                    lowered = sentence.lower()
                    claims = [word for word in forbidden
                              if re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", lowered)
                              or (not word.isascii() and not re.search(r"[a-z]", word) and word in sentence)]
                    assert claims == [], f"{language}: {'.'.join(map(str, path))}: {sentence!r} names {claims}"
    assert checked >= 7


def test_the_check_finds_an_added_language_claim(monkeypatch):
    import sop_packets.content as content_module

    original = content_module.load_content("vi")
    changed = {**original, "specialists": {**original["specialists"], "melanoma_specialist": {
        **original["specialists"]["melanoma_specialist"],
        "find": "Gọi số 1-800-4-CANCER (có thông dịch viên tiếng Việt)."}}}
    monkeypatch.setattr(f"{__name__}.load_content", lambda language: changed)
    with pytest.raises(AssertionError, match="thông dịch"):
        test_a_text_naming_a_phone_service_cites_it_and_claims_no_other_language("vi")


@pytest.mark.parametrize("language", available_languages())
def test_a_lettered_number_gets_its_digits_once(language):
    """The page adds the digits after 1-800-4-CANCER only where the text does not already give them,
    in either bracket width and before more words (Chinese and Vietnamese pages printed the digits twice,
    once in the content's brackets and once in the added ones), and the letters never break over a line."""
    from sop_packets.calls import with_digits

    texts = [text for _path, text in strings(load_content(language)["specialists"]) if "1-800-4-CANCER" in text]
    assert texts
    for text in texts:
        page = with_digits(f"<html><body><p>{text}</p></body></html>")
        assert page.count("422-6237") == page.count("1-800-4-CANCER"), page
        assert page.count('<span class="nowrap">1-800-4-CANCER</span>') == page.count("1-800-4-CANCER"), page
    bare = with_digits("<body>Call 1-800-4-CANCER today.</body>")
    assert ('Call <span class="nowrap">1-800-4-CANCER</span> (<span class="nowrap">1-800-422-6237</span>) today.'
            in bare)
