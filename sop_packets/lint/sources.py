"""Where a packet's sentence comes from: the content entries ("because.yaml type_melanoma") it holds."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..script import SPACELESS
from .text import split_sentences

NOT_IN_CONTENT = "not in templates/content: from packet.html.j2, guidance.py, the profile or the clinic file"
ANY_FULL_STOP = "\u3002\uff01\uff1f"  # Chinese and Japanese full stops (harmless elsewhere)


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


def _too_short(piece: str) -> bool:
    plain = re.sub(r"\{\w+\}", "", piece)
    return len(plain.split()) < 3 and len(SPACELESS.findall(plain)) < 6


def _content_index(content: Mapping[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    index = []
    for stem, data in content.items():
        for path, text in content_strings(data):
            if stem == "glossary" and path[-1:] != ("definition",):
                continue
            for piece in split_sentences(" ".join(text.split()), full_stops=ANY_FULL_STOP):
                piece = piece.replace("**", "").replace("`", "")
                if _too_short(piece):
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
