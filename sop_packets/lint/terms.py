"""Medical terms: which words a reader may not know, and whether each is in the glossary or explained
where it is first used ("a skin doctor (dermatologist)", "A biopsy is a ...", "This is called ...").

The English word lists and patterns are here; another language's are in its _lint.yaml. Words in a
script without spaces (Chinese) are found anywhere in a sentence; words in a spaced script only whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..explanation import EXPLAINED_AFTER, EXPLAINED_BEFORE, explained_with
from ..glossary import Term, find_uses
from ..script import SPACED_LETTER_OR_HYPHEN, whole_word
from .sources import NOT_IN_CONTENT, sources_of

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


def medical_pattern(words: Iterable[str], shapes: Iterable[str], acronyms: str,
                    word_boundaries: bool = True) -> re.Pattern[str]:
    """One pattern for a language's medical words (each a whole word where its script has spaces),
    word shapes (regexes, whole words unless the language has no word boundaries) and acronyms."""
    alternatives = sorted(((w, r"\s+".join(map(re.escape, w.split()))) for w in words if w.split()),
                          key=lambda pair: len(pair[0]), reverse=True)
    parts = [whole_word(word, escaped, SPACED_LETTER_OR_HYPHEN) for word, escaped in alternatives]
    shapes = list(shapes)
    if shapes:
        joined_shapes = "|".join(shapes)
        bounded = rf"(?<![\w-])(?:{joined_shapes})(?![\w-])"
        parts.append(bounded if word_boundaries else f"(?:{joined_shapes})")
    if acronyms:
        edge = SPACED_LETTER_OR_HYPHEN
        parts.append(rf"(?<!{edge})(?-i:{acronyms})(?!{edge})")
    return re.compile("|".join(parts), re.IGNORECASE)


MEDICAL = medical_pattern(MEDICAL_WORDS, MEDICAL_SHAPES, ACRONYMS)


@dataclass(frozen=True)
class UndefinedTerm:
    """A medical term that is not in the glossary and is not explained where it is first used."""

    term: str
    sentence: str
    sources: tuple[str, ...] = ()

    def format(self) -> str:
        return f"{self.term!r} in: {self.sentence}  [{'; '.join(self.sources) or NOT_IN_CONTENT}]"


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


def medical_terms(sentence: str, rules: Any = None) -> Iterator[re.Match[str]]:
    """The medical-looking words and phrases in a sentence, longest first where they overlap."""
    medical = rules.medical if rules is not None else MEDICAL
    not_medical = rules.not_medical if rules is not None else NOT_MEDICAL
    last_end = -1
    for match in medical.finditer(sentence):
        if match.start() >= last_end and match.group().casefold() not in not_medical:
            last_end = match.end()
            yield match


def explained(sentence: str, start: int, end: int, rules: Any = None) -> bool:
    """Is the term at sentence[start:end] explained right there (parenthesis, "is a", "which means", ...)?"""
    after = rules.explained_after if rules is not None else EXPLAINED_AFTER
    before = rules.explained_before if rules is not None else EXPLAINED_BEFORE
    return explained_with(after, before, sentence, start, end)


def undefined_terms(sentences: Iterable[str], glossary: Iterable[Term], known: Iterable[str] = (),
                    content: Mapping[str, Any] | None = None,
                    rules: Any = None) -> tuple[UndefinedTerm, ...]:
    """Medical terms not in the glossary whose first use is not explained in the same sentence.

    `known` are the patient's own words from the profile (their name, health conditions, their
    doctor's details): they are not checked. `rules` is the language's lint.rules.Rules (English
    when None).
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
