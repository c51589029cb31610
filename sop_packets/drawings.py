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

from . import fonts
from .content import language_data, language_folder, long_date, template_dir
from .guidance import Guidance
from .language import cjk_form
from .schema import Profile

FULL_STOP, FULL_COLON = "\u3002", "\uff1a"
"""The full stop and colon of Chinese text."""
LABEL_SIZE = {False: 17, True: 20.5}
"""Label size in drawing units, as for the skin-layers drawing (render.DRAWING_LABEL_SIZE)."""
NO_LINE_START = frozenset("\u3002\uff0c\uff1b\u3001\uff09\uff1a\uff01\uff1f\u300d\u201d")
"""Chinese punctuation that never starts a line (full stop, comma, semicolon, closing marks)."""
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
    tokens = [token for part in text.split(" ")
              for token in ([part] if all(_width(c) < 1 for c in part) else list(part))]
    spaced = " " in text
    for token in tokens:
        narrow = all(_width(c) < 1 for c in token + current[-1:])
        joined = f"{current} {token}" if current and spaced and narrow else current + token
        if current and sum(map(_width, joined)) > limit and token not in NO_LINE_START:
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


MOHS_TYPES = ("basal_cell_carcinoma", "squamous_cell_carcinoma")
"""The cancers whose packets show what Mohs surgery does."""


def mohs_uri(words: dict[str, Any], font_family: str, large_print: bool = False) -> str:
    """What Mohs surgery does, in three panels, each with its sentence under it."""
    size = LABEL_SIZE[large_print]
    steps = [lines(step, size, width=196) for step in words["steps"]]
    height = round(110 + size * 1.6 + max(map(len, steps)) * (size + 3))
    return _uri("mohs.svg.j2", {"title": words["title"], "alt": words["alt"], "steps": steps,
                                "height": height, "font_family": font_family}, size)


def _uri(template: str, words: dict[str, Any], size: float) -> str:
    return _cached_uri(template, json.dumps(words, sort_keys=True, ensure_ascii=False), size)


@functools.lru_cache(maxsize=32)
def _cached_uri(template: str, words_json: str, size: float) -> str:
    svg = _environment().get_template(template).render(d=json.loads(words_json), fs=size)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def care_path(profile: Profile, guidance: Guidance, words: dict[str, Any], language: str, tag: str,
              large_print: bool) -> dict[str, str]:
    """The care-path drawing (issue 28): the four steps in order, when to do each (the treatment date
    when there is one), and whom to see for the visit: the first specialist this packet names."""
    when = list(words["when"][guidance.urgency.level])
    planned = profile.treatment_plan.planned_date
    phase = guidance.before if guidance.before in words["caption"] else "no_date"
    if planned:
        when[-1] = words["before_date"].replace("{date}", long_date(planned, language))
    else:  # no date set: never "before treatment" for a plan of check-ups (issue 28)
        when[-1] = words["before"].get(phase, when[-1])
    steps = [{"title": step["title"], "text": step["text"], "when": when[index]}
             for index, step in enumerate(words["steps"])]
    punct = language_data(language)
    stop, separator = punct["full_stop"], punct["list_separator"]
    space = "" if stop == FULL_STOP else " "
    specialists = guidance.items("specialists")
    if specialists and specialists[0].title:
        steps[2]["text"] = f"{specialists[0].title}{stop}{space}{steps[2]['text']}"
    colon = FULL_COLON if stop == FULL_STOP else ": "
    named = separator.join(f"{step['when']}{colon}{step['title']}{stop}{space}"
                           f"{step['text'].rstrip('.' + FULL_STOP)}" for step in steps)
    alt = words["alt"].replace("{steps}", named)
    form = cjk_form(tag if language_folder(tag) == language else language)
    family = ", ".join(fonts.stack_families(form, language_data(language)["first_font"] != "no"))
    uri = care_path_uri({"title": words["title"], "alt": alt, "font_family": family}, steps, large_print)
    return {"uri": uri, "alt": alt, "title": words["title"], "caption": words["caption"][phase]}
