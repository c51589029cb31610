"""The packet's drawings made from its words (issue 28): the care path on page two, and what Mohs
surgery does for basal and squamous cell cancers. Each is an SVG template under templates/, with every
label from the content files, cut into lines here (SVG text does not wrap), embedded as a data: URI."""

from __future__ import annotations

import base64
import functools
import json
import unicodedata
from typing import Any

import jinja2

from .content import template_dir

LABEL_SIZE = {False: 17, True: 20.5}
"""Label size in drawing units, as for the skin-layers drawing (render.DRAWING_LABEL_SIZE)."""
COLUMN = 150
"""Width of one step's column, in drawing units."""


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(template_dir()), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _width(char: str) -> float:
    """A character's width in ems, roughly: wide (CJK) 1, others about 0.55."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.55


def lines(text: str, size: float, width: float = COLUMN) -> list[str]:
    """Text cut into lines no wider than `width` drawing units at font `size`: at spaces, or between
    any two characters of a script written without spaces (Chinese)."""
    limit = width / size
    result: list[str] = []
    current = ""
    tokens = [t for part in text.split(" ") for t in ([part] if all(_width(c) < 1 for c in part) else list(part))]
    spaced = " " in text
    for token in tokens:
        joined = f"{current} {token}" if current and spaced and all(_width(c) < 1 for c in token + current[-1]) \
            else current + token
        if current and sum(map(_width, joined)) > limit:
            result.append(current)
            current = token
        else:
            current = joined
    if current:
        result.append(current)
    return result


def care_path_uri(words: dict[str, Any], steps: list[dict[str, str]], large_print: bool = False) -> str:
    """The care path: four steps, each with when (a date when there is one), a title and what to do."""
    size = LABEL_SIZE[large_print]
    cut = [{key: lines(step[key], size) for key in ("when", "title", "text")} for step in steps]
    whens = max(len(step["when"]) for step in cut)
    axis = 22 + whens * (size + 3) + size * 0.8
    below = max(len(step["title"]) + len(step["text"]) for step in cut)
    height = round(axis + size * 2.3 + below * (size + 3))
    return _uri("care-path.svg.j2", {**words, "steps": cut, "axis": round(axis), "height": height}, size)


def _uri(template: str, words: dict[str, Any], size: float) -> str:
    return _cached_uri(template, json.dumps(words, sort_keys=True, ensure_ascii=False), size)


@functools.lru_cache(maxsize=32)
def _cached_uri(template: str, words_json: str, size: float) -> str:
    svg = _environment().get_template(template).render(d=json.loads(words_json), fs=size)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
