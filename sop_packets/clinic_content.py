"""A clinic's own words: a folder of content files that overrides the shipped entries key by key.

The folder holds one subfolder per language, named like templates/content (`en/`, `es/`), with files named
like the shipped ones (`next_steps.yaml`, `ui.yaml`, ...) that hold only the entries the clinic rewords:

    clinic-content/en/next_steps.yaml:
      book_visit:
        text: Call our nurse navigator at (555) 010-2014. She will book your second-opinion visit.

Each entry gets the checks the shipped content gets: the file and every key must exist in the shipped
content, a text keeps the shipped text's {placeholders}, `sources` name sources that exist, and the
clinic's text reads at the language's level with every medical term explained (the plain-language rules
of `lint`). `sop-packets content check DIR` runs these checks alone (clinic_check.py: the checks use
`lint`, and `content` loads this module, so they live apart and no import goes round in a circle).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from .errors import InvalidInput, Problem

PLACEHOLDER = re.compile(r"\{(\w+)\}")
ABOUT = "about"  # the reader-voice words that replace an item's text when someone else reads for the patient
NOT_PATIENT_TEXT = ("sources",)
"""Files whose strings are not sentences a patient reads as text (titles of guides)."""


def _located(path: Path) -> Any:
    from .profile import parse_located, read_text

    located = parse_located(read_text(path, "content file"), str(path))
    if located.problems:
        raise InvalidInput(list(located.problems))
    return located


def _field(path: tuple) -> str:
    return ".".join(str(part) for part in path)


def _merge(shipped: Any, override: Any, path: tuple, problem) -> Any:
    """The override laid over the shipped value; a problem for each key or type the shipped one lacks."""
    if isinstance(shipped, dict):
        if not isinstance(override, dict):
            problem(path, "must be a group of keys, as in the shipped file")
            return shipped
        merged = dict(shipped)
        for key, value in override.items():
            if key not in shipped:
                close = [k for k in shipped if str(k).lower().startswith(str(key).lower()[:4])]
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problem((*path, key), f"'{key}' is not a key of the shipped content{hint}")
                continue
            merged[key] = _merge(shipped[key], value, (*path, key), problem)
        return merged
    if isinstance(shipped, list):
        if not isinstance(override, list):
            problem(path, "must be a list, as in the shipped file")
            return shipped
        return override if _items_shaped(shipped, override, path, problem) else shipped
    if isinstance(shipped, str):
        if not isinstance(override, str):
            problem(path, "must be text")
            return shipped
        wanted, given = set(PLACEHOLDER.findall(shipped)), set(PLACEHOLDER.findall(override))
        if wanted != given:
            missing = ", ".join(f"{{{name}}}" for name in sorted(wanted - given))
            extra = ", ".join(f"{{{name}}}" for name in sorted(given - wanted))
            detail = "; ".join(part for part in (missing and f"keep {missing}", extra and f"remove {extra}")
                               if part)
            problem(path, f"the placeholders must be the shipped text's ({detail})")
            return shipped
        return override
    if type(override) is not type(shipped):
        problem(path, f"must be {type(shipped).__name__}, as in the shipped file")
        return shipped
    return override


def _items_shaped(shipped: list, override: list, path: tuple, problem) -> bool:
    """Each item of a clinic's list has the shape of the shipped items (a text where texts are, a group
    with the shipped groups' keys, each key holding what it holds there), so a packet never prints a
    text letter by letter or a group as one prompt. A shipped list that is empty holds texts."""
    found: list[tuple] = []

    def noted(where: tuple, message: str) -> None:
        found.append(where)
        problem(where, message)

    template: Any = ""
    if shipped and all(isinstance(item, dict) for item in shipped):
        template = {}
        for item in shipped:
            for key, value in item.items():
                template.setdefault(key, value)
    elif shipped:
        template = shipped[0]
    for index, item in enumerate(override):
        where = (*path, index)
        if isinstance(template, dict):
            if not isinstance(item, dict):
                noted(where, "must be a group of keys, as the shipped list's items are")
                continue
            for key, value in item.items():
                if key not in template:
                    noted((*where, key), f"'{key}' is not a key of the shipped list's items; use "
                          f"{', '.join(map(str, template))}")
                elif isinstance(template[key], list):
                    if not isinstance(value, list):
                        noted((*where, key), "must be a list, as in the shipped file")
                    else:
                        _items_shaped(template[key], value, (*where, key), noted)
                elif type(value) is not type(template[key]) and not (
                        isinstance(template[key], str) and isinstance(value, str)):
                    noted((*where, key), f"must be {_kind(template[key])}, as in the shipped file")
        elif isinstance(template, list):
            if not isinstance(item, list):
                noted(where, "must be a list, as the shipped list's items are")
            else:
                _items_shaped(template, item, where, noted)
        elif type(item) is not type(template):
            noted(where, f"must be {_kind(template)} (one '- item' per line), as in the shipped file")
    return not found


def _kind(value: Any) -> str:
    return {str: "text", bool: "true or false", int: "a number", float: "a number", list: "a list",
            dict: "a group of keys"}.get(type(value), type(value).__name__)


def merge_language(shipped: dict[str, Any], folder: Path, language: str) -> dict[str, Any]:
    """The shipped content of one language with the clinic's files of folder/<language> laid over it.

    Raises InvalidInput (file, line, column, key, message) for any file, key, type or placeholder that
    does not match the shipped content, or a source that does not exist.
    """
    merged, problems = _merge_with_problems(shipped, folder, language)
    if problems:
        raise InvalidInput(problems)
    return merged


def _merge_with_problems(shipped: dict[str, Any], folder: Path,
                         language: str) -> tuple[dict[str, Any], list[Problem]]:
    merged = copy.copy(shipped)
    problems: list[Problem] = []
    overridden: dict[str, Any] = {}
    inside = folder.resolve()
    for path in sorted((folder / language).glob("*.yaml")):
        if not path.resolve().is_relative_to(inside):
            problems.append(Problem(str(path), 1, 1, "", "links to a file outside the clinic's content "
                                    "folder; copy the file into the folder instead"))
            continue
        if path.name.startswith("_"):
            problems.append(Problem(str(path), 1, 1, "", "settings files (_lint.yaml) cannot be overridden"))
            continue
        if path.stem not in shipped:
            problems.append(Problem(str(path), 1, 1, "", f"there is no shipped file {language}/{path.name}; "
                                    f"use one of: {', '.join(sorted(shipped))}"))
            continue
        located = _located(path)

        def problem(where: tuple, message: str, located=located, path=path) -> None:
            line, column = located.where(where, key=True)
            problems.append(Problem(str(path), line, column, _field(where), message))

        laid = _merge(shipped[path.stem], located.data or {}, (), problem)
        merged[path.stem] = _without_shipped_variants(laid, located.data)
        _check_sources(located, merged, problem)
        if path.stem != ABOUT and isinstance(located.data, dict):
            overridden[path.stem] = located.data
    if overridden and ABOUT in merged and not (folder / language / f"{ABOUT}.yaml").is_file():
        merged[ABOUT] = _without_reworded(merged[ABOUT], overridden)
    return merged, problems


# The shipped refinements of an item's words (no treatment date, a treatment going on, a named first
# doctor, 65 or older; and guidance/build.py's FACT_SUFFIXES: the spot already out, radiation or a medicine
# already the plan, Mohs not an option, a cancer surgeon rarely needed: guidance/build.py picks them over
# `text`). A clinic that rewords `text` gets its words there too.
VARIANT_SUFFIXES = ("_no_date", "_next_step", "_named", "_65", "_removed", "_radiation_planned",
                    "_medicine_planned", "_no_mohs", "_rarely")


def _without_shipped_variants(merged: Any, override: Any) -> Any:
    """The merged file minus the shipped variants of each field the clinic reworded without giving them."""
    if not isinstance(merged, dict) or not isinstance(override, dict):
        return merged
    for item_id, fields in override.items():
        entry = merged.get(item_id)
        if isinstance(entry, dict) and isinstance(fields, dict):
            for name in list(fields):
                for suffix in VARIANT_SUFFIXES:
                    if f"{name}{suffix}" not in fields:
                        entry.pop(f"{name}{suffix}", None)
    return merged


def _without_reworded(about: dict[str, Any], overridden: dict[str, Any]) -> dict[str, Any]:
    """about.yaml (the words used when someone else reads for the patient) minus the fields the clinic
    reworded, so the clinic's own words reach every reader; a clinic may reword about.yaml as well."""
    about = copy.deepcopy(about)
    for section, items in overridden.items():
        for item_id, fields in items.items():
            entry = about.get(section, {}).get(item_id)
            if isinstance(entry, dict) and isinstance(fields, dict):
                for name in fields:
                    for suffix in ("", *VARIANT_SUFFIXES):
                        entry.pop(f"{name}{suffix}", None)
    return about


def _check_sources(located: Any, merged: dict[str, Any], problem) -> None:
    """Every `sources: [...]` of an override names a source of the (merged) sources.yaml."""
    known = set(merged.get("sources", {}))

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "sources" and isinstance(value, list):
                    for index, source in enumerate(value):
                        if source not in known:
                            problem((*path, key, index), f"'{source}' is not a source in sources.yaml")
                else:
                    walk(value, (*path, key))

    walk(located.data or {}, ())
