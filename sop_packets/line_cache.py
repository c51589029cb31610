"""WeasyPrint's first-line breaks kept per process: the same text in the same style and width is broken once.

WeasyPrint breaks every line with Pango (weasyprint.text.line_break.split_first_line): a packet asks
for about 1,500 first lines, about 15% of its CPU. Most are asked again: page one is laid out alone and
then with the packet, the glossary's columns are laid out at several heights while they are balanced,
and every packet in a language shares most of its text (headings, steps, questions, the glossary's
definitions) at the same widths. The answer depends only on the text, the width, the justification,
the two flags and the style's font and text properties (STYLE_KEYS); the layout it returns is already
deactivated (it keeps its text and metrics, not Pango's objects), and each caller gets its own copy.
The cache lives on WeasyPrint's font configuration (as WeasyPrint keeps its own struts there), so a new
configuration starts empty; an @font-face rule that adds a face to it empties it; it is bounded. If
WeasyPrint's split_first_line changes shape, it is left alone: slower, never different.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
from typing import Any

STYLE_KEYS = (
    "white_space", "font_size", "font_family", "font_style", "font_stretch", "font_weight",
    "font_variant_caps", "font_variation_settings", "font_kerning", "font_variant_ligatures",
    "font_variant_position", "font_variant_numeric", "font_variant_alternates", "font_variant_east_asian",
    "font_feature_settings", "font_language_override", "lang", "direction", "text_decoration_line",
    "letter_spacing", "word_spacing", "overflow_wrap", "word_break", "tab_size", "hyphens",
    "hyphenate_character", "hyphenate_limit_chars", "hyphenate_limit_zone",
)
"""Every style property WeasyPrint 70's split_first_line reads, directly or through Layout, line_size,
percentage and the font description (tests/test_line_cache.py records them)."""

LIMIT = 20_000
"""Lines kept per font configuration; the oldest go first (a packet adds a few hundred new ones)."""

SIGNATURE = "(text, style, context, max_width, justification_spacing, is_line_start=True, minimum=False)"


@functools.cache
def install() -> bool:
    """Make WeasyPrint's layout and SVG text break lines through the cache; False if it cannot be."""
    from weasyprint.layout import inline, preferred
    from weasyprint.text import line_break

    split = line_break.split_first_line
    if str(inspect.signature(split)) != SIGNATURE or getattr(split, "cached", False):
        return False
    from weasyprint.text.fonts import FontConfiguration

    add_font_face = FontConfiguration.add_font_face

    @functools.wraps(add_font_face)
    def adding_a_face(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.sop_first_lines = {}  # a new face can change how every line breaks
        return add_font_face(self, *args, **kwargs)

    FontConfiguration.add_font_face = adding_a_face
    cached = _cached(split)
    for module in (line_break, inline, preferred):  # svg.text imports it from line_break when it draws
        if getattr(module, "split_first_line", None) is split:
            module.split_first_line = cached
    return True


def _cached(split: Any) -> Any:
    @functools.wraps(split)
    def split_first_line(text: str, style: Any, context: Any, max_width: Any, justification_spacing: Any,
                         is_line_start: bool = True, minimum: bool = False) -> tuple:
        try:
            key = (text, max_width, justification_spacing, is_line_start, minimum,
                   *[style[name] for name in STYLE_KEYS])
            lines = _lines(style.font_config)
            kept = lines.get(key)
        except (AttributeError, KeyError, TypeError):  # not a style it can key: break the line as is
            return split(text, style, context, max_width, justification_spacing, is_line_start, minimum)
        if kept is None:
            found = split(text, style, context, max_width, justification_spacing, is_line_start, minimum)
            if len(lines) >= LIMIT:
                with contextlib.suppress(KeyError, RuntimeError, StopIteration):  # another thread's eviction
                    del lines[next(iter(lines))]
            lines[key] = (copy.copy(found[0]), *found[1:])
            return found
        return (copy.copy(kept[0]), *kept[1:])

    split_first_line.cached = True
    return split_first_line


def _lines(font_config: Any) -> dict:
    """The lines kept for this font configuration."""
    lines = getattr(font_config, "sop_first_lines", None)
    if lines is None:
        lines = font_config.sop_first_lines = {}
    return lines
