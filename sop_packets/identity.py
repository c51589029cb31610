"""Is a text in the language it claims? A check of every content value and of a built packet's text.

Two offline checks, both from PyPI packages that ship their data inside the package (nothing is
downloaded when they run):

* py3langid (a maintained fork of langid.py, a Naive Bayes model over byte n-grams, 97 languages)
  names the language of each text long enough to tell (MIN_LETTERS letters or more);
* for Chinese, hanzidentifier (character tables from CC-CEDICT) says whether text is Simplified or
  Traditional, which py3langid cannot: a zh-Hant folder still in Simplified fails.

A folder fails when more than MAX_OTHER_SHARE of its letters are in values identified, with at
least MIN_CONFIDENCE, as another language or script: a half-translated folder fails, while a proper
name or an English source title here and there does not.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .language import parse_tag
from .script import HAN

MIN_LETTERS = 24
"""Shorter texts (a name, a label) are not identified: too short to tell."""
MIN_HAN = 6
"""... or, for Chinese, fewer Han characters than this."""
MIN_CONFIDENCE = 0.9
"""How sure py3langid must be (its normalized probability) before a text counts as another language."""
MAX_OTHER_SHARE = 0.2
"""The largest share of a folder's (or packet's) letters that may be in another language."""

_LETTER = re.compile(r"[^\W\d_]")
_PLACEHOLDER = re.compile(r"\{\w+\}")
_MARKUP = re.compile(r"\*\*|`|\[([^\]]*)\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class Finding:
    """One text identified as another language than claimed."""

    where: str
    found: str  # the language (and script) it reads as: "es", "zh-Hans"
    confidence: float
    letters: int
    text: str

    def format(self, expected: str) -> str:
        short = self.text if len(self.text) <= 70 else self.text[:67] + "..."
        return f"{self.where}: reads as {self.found}, not {expected} ({self.confidence:.0%} sure): {short}"


@dataclass(frozen=True)
class IdentityReport:
    """What the check found in a folder or packet claiming `language`."""

    language: str
    letters: int
    findings: tuple[Finding, ...]

    @property
    def other_share(self) -> float:
        return sum(f.letters for f in self.findings) / self.letters if self.letters else 0.0

    @property
    def ok(self) -> bool:
        return self.other_share <= MAX_OTHER_SHARE

    def summary(self) -> str:
        verdict = "ok" if self.ok else "FAIL"
        return (f"{verdict}: {self.other_share:.0%} of the text reads as another language than "
                f"{self.language} (at most {MAX_OTHER_SHARE:.0%}); {len(self.findings)} texts")


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub(lambda m: m.group(1) or " ", _PLACEHOLDER.sub(" ", text)).split())


def letters(text: str) -> int:
    return len(_LETTER.findall(text))


def identify(text: str) -> tuple[str, float] | None:
    """The language a text reads as, with py3langid's confidence; Chinese with its script
    (zh-Hans, zh-Hant). None when the text is too short to tell."""
    text = _plain(text)
    han = len(HAN.findall(text))
    if letters(text) < MIN_LETTERS and han < MIN_HAN:
        return None
    language, confidence = _identifier().classify(text)
    if han >= MIN_HAN and han >= letters(text) / 2 and language != "ja":
        language = "zh"  # Han text: py3langid's zh; which script, hanzidentifier says
    if language == "zh":
        script = _chinese_script(text)
        language = f"zh-{script}" if script else "zh"
    return language, float(confidence)


def _chinese_script(text: str) -> str:
    import hanzidentifier

    kind = hanzidentifier.identify(text)
    return {hanzidentifier.SIMPLIFIED: "Hans", hanzidentifier.TRADITIONAL: "Hant"}.get(kind, "")


def is_other(found: str, expected: str) -> bool:
    """Does a text identified as `found` differ from the language `expected` (a folder or tag)?"""
    want, got = parse_tag(expected), parse_tag(found)
    if want.language != got.language:
        return True
    return bool(want.script and got.script_given and got.script != want.script)


def check_texts(texts: Iterable[tuple[str, str]], language: str) -> IdentityReport:
    """Identify each (where, text); the texts identified as another language are the findings."""
    total, findings = 0, []
    for where, text in texts:
        size = letters(_plain(text))
        total += size
        found = identify(text)
        if found is None:
            continue
        name, confidence = found
        if is_other(name, language) and (confidence >= MIN_CONFIDENCE or name.startswith("zh-")):
            findings.append(Finding(where, name, confidence, size, " ".join(text.split())))
    return IdentityReport(language, total, tuple(findings))


def content_texts(content: Mapping[str, Any], skip: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """Every text value of a language's content, with where it is ("because.yaml type_melanoma");
    the files named in `skip` (whose texts are rightly in another language, such as source titles)
    are left out."""
    from .lint.sources import content_strings

    skipped = set(skip)
    for stem, data in content.items():
        if stem in skipped:
            continue
        for path, text in content_strings(data):
            yield f"{stem}.yaml {'.'.join(path)}", text


def check_content(language: str) -> IdentityReport:
    """Check every value of templates/content/<language>/ (its _lint.yaml may name files to skip)."""
    from .content import language_settings, load_content

    skip = language_settings(language).get("identity_skip", []) if language != "en" else []
    return check_texts(content_texts(load_content(language), skip), language)


def check_packet(units: Iterable[str], language: str) -> IdentityReport:
    """Check a built packet's visible text in its own language (lint.visible_units), unit by unit."""
    return check_texts(((f"packet text {number}", unit) for number, unit in enumerate(units, 1)), language)
