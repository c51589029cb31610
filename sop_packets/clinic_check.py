"""`sop-packets content check`: a clinic's content folder checked as the shipped content is.

Apart from clinic_content.py because the checks need `lint`, which needs `content`, which loads
clinic_content.py to lay the clinic's words over the shipped ones (tests/test_imports.py: no circle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .clinic_content import NOT_PATIENT_TEXT, PLACEHOLDER, _field, _located, _merge_with_problems
from .errors import Problem


def _strings(node: Any, path: tuple = ()) -> list[tuple[tuple, str]]:
    if isinstance(node, str):
        return [(path, node)]
    if isinstance(node, dict):
        return [found for key, value in node.items() if key != "sources"
                for found in _strings(value, (*path, key))]
    if isinstance(node, list):
        return [found for index, value in enumerate(node) for found in _strings(value, (*path, index))]
    return []


def check_folder(folder: Path | str) -> list[Problem]:
    """Every problem of a clinic content folder: the structure (see merge_language) and plain language.

    The clinic's texts of each file are measured together with the language's readability rule, and
    every medical term in them must be in the (merged) glossary or explained where it is used.
    """
    from .content import available_languages, language_name, shipped_content
    from .glossary import load_glossary
    from .identity import check_texts
    from .lint import readability_score, rules_for, split_sentences, undefined_terms

    folder = Path(folder)
    if not folder.is_dir():
        return [Problem(str(folder), 1, 1, "", "is not a folder of content files")]
    problems: list[Problem] = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if sub.name not in available_languages():
            problems.append(Problem(str(sub), 1, 1, "", f"'{sub.name}' is not a language of the packet; "
                                    f"use one of: {', '.join(available_languages())}"))
    for language in available_languages():
        if not (folder / language).is_dir():
            continue
        merged, found = _merge_with_problems(shipped_content(language), folder, language)
        problems += found
        rules, glossary = rules_for(language), load_glossary(merged)
        for path in sorted((folder / language).glob("*.yaml")):
            if path.stem in NOT_PATIENT_TEXT or path.name.startswith("_") or path.stem not in merged \
                    or not path.resolve().is_relative_to(folder.resolve()):  # a link out: refused above
                continue
            located = _located(path)
            texts = [(where, " ".join(PLACEHOLDER.sub("", text).split()))
                     for where, text in _strings(located.data)]
            for finding in check_texts(texts, language).findings:  # a clinic's es/ file must be Spanish
                line, column = located.where(finding.where)
                problems.append(Problem(str(path), line, column, _field(finding.where),
                                        f"reads as {language_name(finding.found)}, not "
                                        f"{language_name(language)}; this folder's words must be in "
                                        f"{language_name(language)}"))
            sentences = [s for _, text in texts for s in split_sentences(text, rules.abbreviations)]
            if not sentences:
                continue
            score = readability_score(sentences, rules)
            if not rules.readability.passes(score):
                problems.append(Problem(str(path), 1, 1, "", f"reads at {rules.readability.name} {score:.1f} "
                                        f"({rules.readability.describe_limit()}); use shorter sentences and "
                                        "words"))
            for term in undefined_terms(sentences, glossary, rules=rules):
                where = next((w for w, text in texts if term.sentence in text), ())
                line, column = located.where(where)
                problems.append(Problem(str(path), line, column, _field(where),
                                        f"'{term.term}' is a medical term that is not in the glossary and "
                                        "not explained where it is used"))
    return sorted(problems)
