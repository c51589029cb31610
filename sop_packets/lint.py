"""Plain-language check of built packets: readability, longest sentences, and undefined medical terms.

`lint_paths` builds each profile's packet in memory (no files are written), takes the text a patient
sees in the packet's language (parts with another `lang`, such as an English letter in a Spanish
packet, are left out), and checks it with that language's rules:

* readability of the whole packet, from textstat: English by Flesch-Kincaid grade (at most
  MAX_GRADE); another language by the formula its templates/content/<lang>/_lint.yaml names
  (Spanish: Fernández-Huerta, at least 70);
* every medical term must be in the language's glossary (templates/content/<lang>/glossary.yaml), or
  be explained where it is first used: "a skin doctor (dermatologist)", "Mohs surgery (...)",
  "A biopsy is a ...", "stage III, which means ...", "This is called preauthorization". The English
  word lists and patterns are below; another language's are in its _lint.yaml.

Each block element (p, li, h1-h6, td, th, dt, dd, figcaption, caption, label, ...) is its own sentence
unit: a heading or list item without a final period is a sentence of its own, never glued to the
next one. Text a reader cannot see (<style>, <script>, hidden, aria-hidden, .visually-hidden) is
skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import textstat
from textstat.textstat import textstatistics

from .content import DEFAULT_LANGUAGE, language_settings, primary_subtag
from .glossary import Term, find_uses, load_glossary

MAX_GRADE = 7.0
"""The highest Flesch-Kincaid grade a packet may read at. Patients read these packets frightened."""

LONGEST = 5
"""How many of the longest sentences a report shows."""

BLOCK_TAGS = frozenset({
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "figcaption", "caption",
    "label", "legend", "summary", "blockquote", "pre", "address", "div", "section", "article", "aside",
    "header", "footer", "main", "nav", "ul", "ol", "dl", "table", "tr", "thead", "tbody", "tfoot",
    "figure", "details", "fieldset", "form", "body", "br", "hr",
})
INVISIBLE_TAGS = frozenset({"head", "style", "script", "template", "noscript", "title"})
VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "wbr", "source", "area", "col"})
ABBREVIATIONS = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "jr", "sr", "prof", "e.g", "i.e", "approx"})

_CLOSERS = "\"')\\]\u201d\u2019"  # quotes and brackets that may follow an end mark
_SENTENCE_END = re.compile(rf"[.!?]+[{_CLOSERS}]*(?=\s|$)")
_ENDS_SENTENCE = re.compile(rf"[.!?][{_CLOSERS}]*$")
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]", re.IGNORECASE)

# ---------------------------------------------------------------- medical terms

MEDICAL_WORDS = (
    "adjuvant", "neoadjuvant", "benign", "malignant", "malignancy", "lesion", "lesions", "neoplasm",
    "neoplasms", "nevus", "nevi", "atypical", "atypia", "dysplastic", "in situ", "excision", "excised",
    "resection", "biopsy", "biopsies", "margin", "margins", "Mohs", "sentinel node", "lymph node",
    "lymph nodes", "dissection", "Breslow", "ulceration", "ulcerated", "mitotic", "mitoses", "staging",
    "prognosis", "histology", "histologic", "cytology", "pathology", "immunohistochemistry",
    "radiotherapy", "chemo", "systemic", "subcutaneous", "dermis", "epidermis", "tumor", "tumors",
    "tumour", "palliative", "hospice", "remission", "recurrence", "recurrent", "preauthorization",
    "pre-authorization", "prior authorization", "deductible", "copay", "coinsurance", "formulary",
    "in-network", "out-of-network", "telemedicine", "telehealth", "maternal-fetal", "prenatal",
    "pediatric", "comorbidity", "comorbidities", "contraindicated", "curettage", "electrodesiccation",
    "cryosurgery", "topical", "imiquimod", "fluorouracil", "checkpoint inhibitor", "interferon",
    "Merkel", "Kaposi", "tissue block", "tissue blocks", "paraffin", "spitzoid", "Spitz",
    "melanocytic", "perineural", "lymphovascular", "regression", "satellite lesion", "in-transit",
    "hematoxylin", "eosin", "biomarker", "genomic", "mutation", "Medicare", "Medicaid", "eczema",
)
"""Words and phrases that are medical (or insurance) jargon to a patient, matched as whole words."""

MEDICAL_SHAPES = (
    r"\w*(?:carcinoma|sarcoma|lymphoma|melanoma|blastoma|adenoma|fibroma|lipoma|angioma|neuroma"
    r"|myeloma|keratoma)s?",
    r"\w+(?:ectomy|ectomies|otomy|ostomy|plasty|oscopy)",
    r"\w+(?:itis|osis|oses|iasis)",
    r"\w+olog(?:y|ist|ists|ic|ical|ically)",
    r"\w+(?:therapy|therapies)",
    r"metasta\w*",
    r"\w+(?:cyte|cytes|cytic|plasia|plastic|emia)",
)
"""Word shapes that mark a medical term: -oma cancers, -ectomy operations, -itis, -ologist, ..."""

ACRONYMS = r"CT|MRI|PET|BCC|SCC|MCC|SLNB|WLE|BRAF|MEK|PD-L?1|HPV|HIV|AJCC|CTCL"
"""Medical acronyms, matched with their exact capitals (so "pet" is not PET)."""

NOT_MEDICAL = frozenset({
    "technology", "apology", "ideology", "methodology", "terminology", "biology", "ecology", "geology",
    "chronology", "theology", "mythology", "anthology", "astrology", "sociology", "archaeology",
    "zoology", "psychology", "osmosis", "hypnosis", "metamorphosis", "symbiosis", "diagnosis",
    "diagnoses", "aroma", "diploma",
})
"""Words the shapes catch that a patient reads as plain words. ("diagnosis" is in the glossary.)"""

_MEDICAL = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(sorted((r"\s+".join(map(re.escape, w.split())) for w in MEDICAL_WORDS), key=len, reverse=True))
    + "|" + "|".join(MEDICAL_SHAPES)
    + r")(?![\w-])"
    + r"|(?<![\w-])(?-i:" + ACRONYMS + r")(?![\w-])",
    re.IGNORECASE,
)
_EXPLAINED_AFTER = re.compile(
    r"""^(?:'s|s|es)?(?:\s+[a-z][\w-]*){0,2}?(?:  # a phrase may go on: "perineural invasion means"
        \s*\(                                              # melanoma (a skin cancer ...)
      | \s*,?\s*(?:which|that)\s+(?:means|is\s+(?:a|an|the|when))\b
      | \s+(?:is|are)\s+(?:a|an|the|when|how|what|where|one|cells?|doctors?|surgery|medicine)\b
      | \s+means\b
      | \s*,\s*(?:a|an|the|meaning|which\s+is|also\s+called|or)\s
      | \s*[\u2013\u2014]\s                                  # term, a dash, an explanation
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_EXPLAINED_BEFORE = re.compile(
    r"(?:\(\s*(?:the\s+|a\s+|an\s+)?|\b(?:called|known\s+as|named|also\s+called)\s+(?:a\s+|an\s+|the\s+)?)$",
    re.IGNORECASE,
)



@dataclass(frozen=True)
class SyllableRules:
    """Counting syllables by vowel nuclei, for languages whose spelling shows them (Spanish).

    Each run of vowels is one syllable, except that two strong vowels, or a stressed weak vowel next
    to another vowel, are two (hiatus: "le-er", "dí-a", "re-ú-na"). Letters matched by `silent`
    ("u" in que, gui) do not count; `vowel_y` marks a "y" that is a vowel ("hoy", "muy", "y").
    """

    strong: frozenset[str]
    weak: frozenset[str]
    stressed_weak: frozenset[str]
    silent: re.Pattern[str]
    vowel_y: re.Pattern[str]

    def count(self, word: str) -> int:
        word = self.vowel_y.sub("i", self.silent.sub("", word.lower()))
        vowels = self.strong | self.weak | self.stressed_weak
        count, previous = 0, ""
        for letter in word:
            if letter in vowels and (previous not in vowels or _hiatus(previous, letter, self)):
                count += 1
            previous = letter
        return max(count, 1)


def _hiatus(first: str, second: str, rules: SyllableRules) -> bool:
    strong = first in rules.strong and second in rules.strong
    return strong or first in rules.stressed_weak or second in rules.stressed_weak


@dataclass(frozen=True)
class Readability:
    """How a language's readability is measured, and its limit.

    Either `formula`, the name of a textstat function (with textstat's syllable counting for the
    language), or a Flesch-type formula given by its coefficients:
    constant + per_syllable_per_word * syllables/word + per_word_per_sentence * words/sentence,
    with syllables counted by `syllables` (see SyllableRules).
    """

    formula: str = "flesch_kincaid_grade"
    name: str = "grade"
    limit: float = MAX_GRADE
    higher_is_easier: bool = False  # grades: lower is easier; reading-ease scores: higher is easier
    coefficients: tuple[float, float, float] | None = None  # constant, per syllable/word, per word/sentence
    syllables: SyllableRules | None = None

    def passes(self, score: float) -> bool:
        return score >= self.limit if self.higher_is_easier else score <= self.limit

    def describe_limit(self) -> str:
        return f"at least {self.limit:g}" if self.higher_is_easier else f"limit {self.limit:.1f}"


@dataclass(frozen=True)
class Rules:
    """One language's plain-language rules: readability, medical words, and how terms get explained."""

    language: str = DEFAULT_LANGUAGE
    readability: Readability = field(default_factory=Readability)
    medical: re.Pattern[str] = _MEDICAL
    not_medical: frozenset[str] = NOT_MEDICAL
    explained_after: re.Pattern[str] = _EXPLAINED_AFTER
    explained_before: re.Pattern[str] = _EXPLAINED_BEFORE
    abbreviations: frozenset[str] = ABBREVIATIONS


def _medical_pattern(words: Iterable[str], shapes: Iterable[str], acronyms: str) -> re.Pattern[str]:
    alternatives = sorted((r"\s+".join(map(re.escape, w.split())) for w in words), key=len, reverse=True)
    pattern = r"(?<![\w-])(?:" + "|".join([*alternatives, *shapes]) + r")(?![\w-])"
    if acronyms:
        pattern += r"|(?<![\w-])(?-i:" + acronyms + r")(?![\w-])"
    return re.compile(pattern, re.IGNORECASE)


@functools.cache
def rules_for(language: str = DEFAULT_LANGUAGE) -> Rules:
    """The rules for a packet language: English's are built in; another language's come from its _lint.yaml.

    Raises ValueError naming the file when the settings are incomplete.
    """
    language = primary_subtag(language) or DEFAULT_LANGUAGE
    settings = language_settings(language)
    if not settings:
        if language != DEFAULT_LANGUAGE:
            raise ValueError(f"templates/content/{language}/_lint.yaml is missing: every language but "
                             "English needs its readability formula and medical-word rules there")
        return Rules()
    try:
        readability = settings["readability"]
        coefficients = None
        if "constant" in readability:
            coefficients = (float(readability["constant"]), float(readability["per_syllable_per_word"]),
                            float(readability["per_word_per_sentence"]))
        syllables = None
        if "syllables" in settings:
            vowels = settings["syllables"]
            syllables = SyllableRules(frozenset(vowels["strong"]), frozenset(vowels["weak"]),
                                      frozenset(vowels["stressed_weak"]), re.compile(vowels["silent"]),
                                      re.compile(vowels["vowel_y"]))
        return Rules(
            language=language,
            readability=Readability(str(readability.get("formula", "")), str(readability["name"]),
                                    float(readability["limit"]), bool(readability["higher_is_easier"]),
                                    coefficients, syllables),
            medical=_medical_pattern(settings["medical_words"], settings["medical_shapes"],
                                     settings.get("acronyms", "")),
            not_medical=frozenset(str(w).casefold() for w in settings.get("not_medical", [])),
            explained_after=re.compile(settings["explained_after"], re.IGNORECASE | re.VERBOSE),
            explained_before=re.compile(settings["explained_before"], re.IGNORECASE | re.VERBOSE),
            abbreviations=frozenset(str(w).lower() for w in settings.get("abbreviations", [])),
        )
    except (KeyError, TypeError, re.error) as exc:
        raise ValueError(f"templates/content/{language}/_lint.yaml: {type(exc).__name__}: {exc}") from None


# ---------------------------------------------------------------- results

NOT_IN_CONTENT = "not in templates/content: from packet.html.j2, guidance.py, the profile or the clinic file"


@dataclass(frozen=True)
class Sentence:
    """One sentence of a packet: its words, how often it appears, and the content files it comes from."""

    text: str
    words: int
    times: int = 1
    sources: tuple[str, ...] = ()

    def format(self) -> str:
        times = f", {self.times} times" if self.times > 1 else ""
        where = f"  [{'; '.join(self.sources) or NOT_IN_CONTENT}]"
        return f"{self.words} words{times}: {self.text}{where}"


@dataclass(frozen=True)
class UndefinedTerm:
    """A medical term that is not in the glossary and is not explained where it is first used."""

    term: str
    sentence: str
    sources: tuple[str, ...] = ()

    def format(self) -> str:
        return f"{self.term!r} in: {self.sentence}  [{'; '.join(self.sources) or NOT_IN_CONTENT}]"


@dataclass(frozen=True)
class PacketLint:
    """The check of one packet, or why it could not be checked (error)."""

    source: str
    patient_id: str = ""
    grade: float | None = None
    sentences: int = 0
    words: int = 0
    longest: tuple[Sentence, ...] = ()
    undefined: tuple[UndefinedTerm, ...] = ()
    error: str = ""
    max_grade: float = MAX_GRADE
    readability: Readability | None = None  # None: English, Flesch-Kincaid grade at most max_grade
    untranslated: tuple[str, ...] = ()  # clinic text the patient reads in another language (issue 20)

    @property
    def measure(self) -> Readability:
        return self.readability or Readability(limit=self.max_grade)

    @property
    def too_hard(self) -> bool:
        return self.grade is not None and not self.measure.passes(self.grade)

    @property
    def ok(self) -> bool:
        return (not self.error and self.grade is not None and not self.too_hard and not self.undefined
                and not self.untranslated)

    def format(self, verbose: bool = False) -> str:
        """One line when the packet passes; the longest sentences and every undefined term when not."""
        name = f"{self.source} ({self.patient_id})" if self.patient_id else self.source
        if self.error:
            return f"FAIL {name}: could not check this packet\n" + _indent(self.error)
        verdict = "ok  " if self.ok else "FAIL"
        measure = self.measure
        lines = [f"{verdict} {name}: {measure.name} {self.grade:.1f} ({measure.describe_limit()}), "
                 f"{self.sentences} sentences, {self.words} words"]
        if self.too_hard and not measure.higher_is_easier:
            lines.append(f"  reads above grade {self.max_grade:.1f}; shorten its longest sentences first:")
        elif self.too_hard:
            lines.append(f"  reads below {measure.name} {measure.limit:g}; "
                         "shorten its longest sentences first:")
        elif verbose:
            lines.append("  longest sentences:")
        if self.too_hard or verbose:
            lines += [_indent(s.format(), 4) for s in self.longest]
        if self.undefined:
            lines.append("  medical terms not in the glossary and not explained where first used:")
            lines += [_indent(u.format(), 4) for u in self.undefined]
        if self.untranslated:
            lines.append("  clinic text in another language than the packet's; give it per language in "
                         "clinic.yaml (for example note: {en: ..., es: ...}):")
            lines += [_indent(repr(text), 4) for text in self.untranslated]
        return "\n".join(lines)


@dataclass(frozen=True)
class LintReport:
    """The check of every packet; `ok` only when at least one was checked and all passed."""

    packets: tuple[PacketLint, ...] = ()
    max_grade: float = MAX_GRADE

    @property
    def failed(self) -> tuple[PacketLint, ...]:
        return tuple(packet for packet in self.packets if not packet.ok)

    @property
    def ok(self) -> bool:
        return bool(self.packets) and not self.failed

    def format(self, verbose: bool = False) -> str:
        """A readable report: one block per packet, then a summary line."""
        if not self.packets:
            return "FAIL no profile files found"
        blocks = [packet.format(verbose) for packet in self.packets]
        limits = [f"grade limit {self.max_grade:.1f}"]
        limits += sorted({f"{p.measure.name} {p.measure.describe_limit()}"
                          for p in self.packets if p.readability is not None})
        summary = (f"{len(self.packets)} checked, {len(self.packets) - len(self.failed)} passed, "
                   f"{len(self.failed)} failed ({'; '.join(limits)})")
        return "\n".join([*blocks, summary])


def _indent(text: str, spaces: int = 2) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


# ---------------------------------------------------------------- text a patient sees


class _TextUnits(HTMLParser):
    """Collects the visible text of <body>, one string per block element."""

    def __init__(self, language: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.language = primary_subtag(language) if language else None
        self.units: list[str] = []
        self._parts: list[str] = []
        self._in_body = False
        self._hidden_tag = ""
        self._hidden_depth = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._parts).split())
        if text:
            self.units.append(text)
        self._parts = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html" and self.language is None:
            self.language = primary_subtag(dict(attrs).get("lang")) or None
        if tag == "body":
            self._in_body = True
        if self._hidden_depth:
            if tag == self._hidden_tag:
                self._hidden_depth += 1
            return
        if tag in BLOCK_TAGS:
            self._flush()
        if tag not in VOID_TAGS and (tag in INVISIBLE_TAGS or _hidden(dict(attrs))
                                     or self._other_language(dict(attrs))):
            self._hidden_tag, self._hidden_depth = tag, 1

    def _other_language(self, attrs: dict[str, str | None]) -> bool:
        lang = attrs.get("lang")
        return lang is not None and self.language is not None and primary_subtag(lang) != self.language

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._hidden_depth and tag in BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._hidden_depth:
            if tag == self._hidden_tag:
                self._hidden_depth -= 1
            return
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_body and not self._hidden_depth:
            self._parts.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _hidden(attrs: dict[str, str | None]) -> bool:
    classes = (attrs.get("class") or "").split()
    return ("hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true"
            or "visually-hidden" in classes or "sr-only" in classes)


def visible_units(html: str, language: str | None = None) -> list[str]:
    """The text a reader sees in <body>, one string per block element, whitespace collapsed.

    Only text in the page's language (`language`, else <html lang>) counts: an element whose lang
    names another language is left out with everything inside it.
    """
    parser = _TextUnits(language)
    parser.feed(html)
    parser.close()
    return parser.units


def split_sentences(unit: str, abbreviations: frozenset[str] = ABBREVIATIONS) -> list[str]:
    """Split a block of text into sentences at . ! ? and a space; "Dr." and "U.S." end none."""
    sentences: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(unit):
        before = unit[start:end.start()].split()
        last = before[-1] if before else ""
        if end.group() == "." and (
            last.lower().lstrip("(") in abbreviations or _INITIALS.fullmatch(last)
            or (len(last) == 1 and last.isupper() and last not in "IVX")
        ):
            continue
        if piece := unit[start:end.end()].strip():
            sentences.append(piece)
        start = end.end()
    if rest := unit[start:].strip():
        sentences.append(rest)
    return sentences


def packet_sentences(html: str, rules: Rules | None = None) -> list[str]:
    """Every sentence a patient reads in an HTML packet, in the packet's language, in order."""
    rules = rules or Rules()
    return [sentence for unit in visible_units(html, rules.language if rules.language != DEFAULT_LANGUAGE
                                               else None)
            for sentence in split_sentences(unit, rules.abbreviations)]


def _joined(sentences: Iterable[str]) -> str:
    return " ".join(s if _ENDS_SENTENCE.search(s) else f"{s}." for s in sentences)


def readability_score(sentences: Iterable[str], rules: Rules | None = None) -> float:
    """The language's readability score (textstat, with that language's syllable counting)."""
    rules = rules or Rules()
    if rules.readability.formula == "flesch_kincaid_grade" and rules.language == DEFAULT_LANGUAGE:
        return reading_grade(sentences)
    text = _joined(sentences)
    if not text:
        return 0.0
    stats = textstatistics()  # its own instance: set_lang on the shared one would change English counts
    stats.set_lang(rules.language)
    measure = rules.readability
    if measure.coefficients is None:
        return round(float(getattr(stats, measure.formula)(text)), 1)
    words = re.findall(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*", text)
    if not words:
        return 0.0
    count = measure.syllables.count if measure.syllables else stats.syllable_count
    per_word = sum(count(word) for word in words) / len(words)
    per_sentence = stats.lexicon_count(text) / max(1, stats.sentence_count(text))
    constant, syllable_weight, sentence_weight = measure.coefficients
    return round(constant + syllable_weight * per_word + sentence_weight * per_sentence, 1)


def reading_grade(sentences: Iterable[str]) -> float:
    """Flesch-Kincaid grade (textstat) of the sentences, each ended with a period if it has no end mark.

    textstat does not count a "sentence" of two words or fewer as a sentence, but still counts its
    words; so short headings and table labels make the grade a little higher, never lower.
    """
    text = _joined(sentences)
    return round(textstat.flesch_kincaid_grade(text), 1) if text else 0.0


def longest_sentences(sentences: Iterable[str], count: int = LONGEST,
                      content: Mapping[str, Any] | None = None) -> tuple[Sentence, ...]:
    """The `count` longest different sentences by words, with how often each appears and its source."""
    times: dict[str, int] = {}
    for sentence in sentences:
        times[sentence] = times.get(sentence, 0) + 1
    ranked = sorted(times, key=lambda s: -textstat.lexicon_count(s))[:count]
    return tuple(Sentence(s, textstat.lexicon_count(s), times[s], sources_of(s, content)) for s in ranked)


# ---------------------------------------------------------------- undefined terms


def _spans(pattern_texts: Iterable[str], sentence: str) -> list[tuple[int, int]]:
    spans = []
    for text in pattern_texts:
        words = text.split()
        if words:
            pattern = r"\s+".join(map(re.escape, words))
            spans += [m.span() for m in re.finditer(pattern, sentence, re.IGNORECASE)]
    return spans


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def medical_terms(sentence: str, rules: Rules | None = None) -> Iterator[re.Match[str]]:
    """The medical-looking words and phrases in a sentence, longest first where they overlap."""
    rules = rules or Rules()
    last_end = -1
    for match in rules.medical.finditer(sentence):
        if match.start() >= last_end and match.group().casefold() not in rules.not_medical:
            last_end = match.end()
            yield match


def explained(sentence: str, start: int, end: int, rules: Rules | None = None) -> bool:
    """Is the term at sentence[start:end] explained right there (parenthesis, "is a", "which means", ...)?"""
    rules = rules or Rules()
    return bool(rules.explained_after.match(sentence[end:])
                or rules.explained_before.search(sentence[:start]))


def undefined_terms(sentences: Iterable[str], glossary: Iterable[Term], known: Iterable[str] = (),
                    content: Mapping[str, Any] | None = None,
                    rules: Rules | None = None) -> tuple[UndefinedTerm, ...]:
    """Medical terms not in the glossary whose first use is not explained in the same sentence.

    `known` are the patient's own words from the profile (their name, health conditions, their
    doctor's details): they are not checked.
    """
    glossary, known = tuple(glossary), tuple(known)
    seen: set[str] = set()
    found: list[UndefinedTerm] = []
    for sentence in sentences:
        covered = [(use.start, use.end) for use in find_uses(sentence, glossary)]
        covered += _spans(known, sentence)
        for match in medical_terms(sentence, rules):
            key = " ".join(match.group().casefold().split())
            if key in seen or _inside(*match.span(), covered):
                continue
            seen.add(key)
            if not explained(sentence, *match.span(), rules):
                found.append(UndefinedTerm(match.group(), sentence, sources_of(sentence, content)))
    return tuple(found)


# ---------------------------------------------------------------- where a sentence comes from


def content_strings(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every text in a content file, with the path of keys (and list positions) that leads to it."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            if key != "sources":  # source keys, not words a patient reads
                yield from content_strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from content_strings(value, (*path, str(index)))


def _content_index(content: Mapping[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    index = []
    for stem, data in content.items():
        for path, text in content_strings(data):
            if stem == "glossary" and path[-1:] != ("definition",):
                continue
            for piece in split_sentences(" ".join(text.split())):
                piece = piece.replace("**", "").replace("`", "")
                if len(re.sub(r"\{\w+\}", "", piece).split()) < 3:
                    continue
                words = [re.sub(r"\\\{\w+\\\}", ".+?", re.escape(w)) for w in piece.split()]
                where = f"{stem}.yaml {'.'.join(path)}" if path else f"{stem}.yaml"
                index.append((re.compile(r"\s+".join(words)), where))
    return index


_INDEX_CACHE: dict[int, tuple[Mapping[str, Any], list[tuple[re.Pattern[str], str]]]] = {}


def sources_of(sentence: str, content: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The content entries ("because.yaml type_melanoma") whose sentences appear in this sentence."""
    if not content:
        return ()
    cached = _INDEX_CACHE.get(id(content))
    if cached is None or cached[0] is not content:
        cached = _INDEX_CACHE[id(content)] = (content, _content_index(content))
    found = [(match.span(), where) for pattern, where in cached[1] if (match := pattern.search(sentence))]

    def inside_longer(start: int, end: int) -> bool:  # "your family doctor" inside a whole sentence
        return any(s <= start and end <= e and e - s > end - start for (s, e), _ in found)

    return tuple(dict.fromkeys(where for span, where in found if not inside_longer(*span)))


# ---------------------------------------------------------------- packets and profiles


def lint_html(html: str, glossary: Iterable[Term] = (), *, source: str = "<html>", patient_id: str = "",
              known: Iterable[str] = (), content: Mapping[str, Any] | None = None,
              max_grade: float = MAX_GRADE, rules: Rules | None = None) -> PacketLint:
    """Check the patient-facing text of one HTML packet with its language's rules (default: English)."""
    rules = rules or Rules()
    sentences = packet_sentences(html, rules)
    english = rules.language == DEFAULT_LANGUAGE
    return PacketLint(
        source=source,
        patient_id=patient_id,
        grade=readability_score(sentences, rules),
        sentences=len(sentences),
        words=sum(textstat.lexicon_count(s) for s in sentences),
        longest=longest_sentences(sentences, content=content),
        undefined=undefined_terms(sentences, glossary, known, content, rules),
        max_grade=max_grade,
        readability=None if english else rules.readability,
    )


def profile_words(profile: Any) -> tuple[str, ...]:
    """Words from the profile that describe the patient themself: not checked for medical terms."""
    patient, doctor = profile.patient, profile.original_physician
    words = [patient.name, *patient.comorbidities, profile.insurance.plan_name]
    if doctor is not None:
        words += [doctor.name, doctor.specialty, doctor.practice, doctor.address]
    return tuple(word for word in words if word)


def lint_file(path: Path | str, prepared_on: date | None = None,
              content: Mapping[str, Any] | None = None, language: str | None = None) -> PacketLint:
    """Build one profile's packet in memory and check it; a profile that will not load is reported.

    The packet is checked in its own language, with that language's content, glossary and rules;
    `content` replaces the English content for English packets (tests pass edited copies);
    `language` overrides the profile's language, as --language does.
    """
    from .build import BuildOptions, make_packet
    from .content import load_content
    from .errors import InvalidInput, SopError
    from .profile import load_profile
    from .render import render_html

    path = Path(path)
    try:
        profile = load_profile(path)
    except InvalidInput as exc:
        return PacketLint(str(path), error=exc.format_message())
    try:
        packet = make_packet(profile, BuildOptions(prepared_on=prepared_on, language=language))
        if content is None or packet.language != DEFAULT_LANGUAGE:
            content = load_content(packet.language)
        rules = rules_for(packet.language)
        glossary = load_glossary(content)
        html = render_html(packet)
    except SopError as exc:
        return PacketLint(str(path), profile.patient.id, error=exc.format_message())
    except Exception as exc:  # a content or template bug must not hide the other packets' results
        return PacketLint(str(path), profile.patient.id,
                          error=f"could not build this packet ({type(exc).__name__}: {exc})")
    from dataclasses import replace

    from .render import untranslated_clinic_text

    checked = lint_html(html, glossary, source=str(path), patient_id=profile.patient.id,
                        known=profile_words(profile), content=content, rules=rules)
    return replace(checked, untranslated=tuple(untranslated_clinic_text(html, packet.language)))


def lint_paths(paths: Iterable[Path | str], prepared_on: date | None = None,
               language: str | None = None) -> LintReport:
    """Check every profile named in paths (files, or folders searched recursively) in a stable order."""
    from .batch import collect_profiles

    files, missing = collect_profiles(paths)
    packets = [PacketLint(str(item.source), error=item.error) for item in missing]
    packets += [lint_file(path, prepared_on, language=language) for path in files]
    return LintReport(tuple(packets))
