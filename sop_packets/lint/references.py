"""Cross-references in content: a quoted name must be a real title of the packet in that language.

Page one says 'Call one of the doctors under "Who to see"'. If the section is renamed, or a translation
quotes another wording (该去看谁 for the title 可以找哪些医生), the reader looks for a heading that does
not exist. Every phrase in quote marks ("…", “…”, 「…」, «…») of a language's content must be one of:

* a title of that language's sections.yaml or tools.yaml (a key named title or ending in _title);
* a label of the records letter or a form in the clinic's language (English), as printed on it;
* an English word or sentence marked {en:…} or {say:…} (english_words.py);
* a name the language's _lint.yaml lists under quoted_names: a web page's own title ("Find a Cancer
  Doctor") or a word quoted as a word ("nấm").
Placeholders ("{date}") are filled in later and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

QUOTED = re.compile(r'"([^"\n]{1,120})"|“([^”\n]{1,120})”|「([^」\n]{1,120})」|«([^»\n]{1,120})»')
TITLE_FILES = ("sections", "tools")
LABEL_SECTIONS = ("letter", "worksheet", "decision", "summary")
"""tools.yaml groups whose short strings are printed labels a text may quote ("Please send them to")."""


def _strings(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))


def titles(content: dict[str, Any]) -> set[str]:
    """Every heading of a language's packet: the title strings of sections.yaml and tools.yaml."""
    found = set()
    for name in TITLE_FILES:
        for path, text in _strings(content.get(name, {})):
            key = next((part for part in reversed(path) if isinstance(part, str)), "")
            if key == "title" or key.endswith("_title"):
                found.add(" ".join(text.split()))
    return found


def labels(clinic_content: dict[str, Any]) -> set[str]:
    """The short printed labels of the letter and forms in the clinic's language ("Signature")."""
    tools = clinic_content.get("tools", {})
    return {" ".join(text.split()) for name in LABEL_SECTIONS for _, text in _strings(tools.get(name, {}))
            if len(text) <= 60}


def quoted(text: str) -> list[str]:
    """The phrases of a text in quote marks, spaces collapsed."""
    phrases = (next(g for g in match.groups() if g is not None) for match in QUOTED.finditer(text))
    return [" ".join(phrase.split()) for phrase in phrases]


def reference_problems(content: dict[str, Any], clinic_content: dict[str, Any], english: set[str],
                       allowed: set[str]) -> list[tuple[str, str]]:
    """(dotted key, quoted phrase) for each quoted phrase that names no real title or label."""
    known = titles(content) | labels(clinic_content) | english | {" ".join(a.split()) for a in allowed}
    problems = []
    for path, text in _strings(content):
        for phrase in quoted(text):
            if phrase.startswith("{") or phrase in known:
                continue
            problems.append((".".join(str(part) for part in path), phrase))
    return problems
