"""Choosing a packet's language from a BCP 47 tag, script-aware, with Babel's data and negotiation.

A tag is read as language, script and region ("zh-Hant-HK"). When it names no script, the script is
the likely one for its region (zh-TW, zh-HK, zh-MO: Traditional, "Hant"; zh-CN, zh-SG: Simplified,
"Hans"), else for the language alone (zh: Hans). Babel's likely-subtags data says which. The
candidates, most specific first (zh-Hant-TW, zh-Hant, zh-TW, zh), are then matched against the
content folders by Babel's negotiate_locale. A tag with no script and no region, for a language
whose folders are split by script, gets a warning naming the script assumed.

Pure: no files are read here (the folders are passed in), so every module may use it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

SCRIPT_NAMES = {"Hans": "Simplified", "Hant": "Traditional"}


@dataclass(frozen=True)
class Tag:
    """A language tag's parts: language (lower case), script (Title case), region (upper case)."""

    language: str
    script: str = ""
    region: str = ""
    script_given: bool = False

    def candidates(self) -> list[str]:
        """The tags to look for, most specific first."""
        parts = [
            (self.language, self.script, self.region), (self.language, self.script, ""),
            (self.language, "", self.region), (self.language, "", ""),
        ]
        return list(dict.fromkeys("-".join(p for p in part if p) for part in parts))


@dataclass(frozen=True)
class Choice:
    """The content folder chosen for a tag ("" when none fits), and a warning naming an assumption."""

    folder: str
    tag: Tag
    warning: str = ""


def parse_tag(tag: str | None) -> Tag:
    """Read a tag's language, script and region; a missing script is the likely one (Babel's data).

    Babel's language aliases apply first (cmn is zh). Variants and extensions are ignored.
    """
    from babel.core import get_global

    subtags = [s for s in re.split(r"[-_]", (tag or "").strip()) if s]
    if not subtags:
        return Tag("")
    language = subtags[0].lower()
    alias = get_global("language_aliases").get(language)
    if isinstance(alias, str) and re.fullmatch(r"[a-z]{2,3}", alias):
        language = alias
    script = region = ""
    for part in subtags[1:]:
        if len(part) == 4 and part.isalpha() and not script and not region:
            script = part.title()
        elif (len(part) == 2 and part.isalpha()) or (len(part) == 3 and part.isdigit()):
            region = region or part.upper()
    given = bool(script)
    if not script:
        likely = get_global("likely_subtags")
        found = likely.get(f"{language}_{region}") if region else None
        found = found or likely.get(language) or ""
        pieces = found.split("_")
        script = next((p for p in pieces[1:] if len(p) == 4), "")
    return Tag(language, script, region, given)


def negotiate(tag: Tag, folders: Iterable[str]) -> str:
    """The folder for a parsed tag (Babel's negotiate_locale over its candidates), or ""."""
    from babel.core import negotiate_locale

    folders = list(folders)
    return negotiate_locale(tag.candidates(), folders, sep="-", aliases=None) or ""


def choose(tag: str | None, folders: Iterable[str], written_as: dict[str, str] | None = None) -> Choice:
    """The content folder for a BCP 47 tag among `folders`, or "" when none fits.

    `written_as` maps a spoken language to the tag of the language it is written in (from the
    interpreter-notice aliases: yue, Cantonese, is written in Traditional Chinese, zh-Hant).
    """
    folders = tuple(folders)
    parsed = parse_tag(tag)
    if not parsed.language:
        return Choice("", parsed)
    folder = negotiate(parsed, folders)
    if not folder and written_as and parsed.language in written_as:
        written = parse_tag(written_as[parsed.language])
        folder = negotiate(Tag(written.language, written.script or parsed.script, parsed.region), folders)
    warning = ""
    if folder and not parsed.script_given and not parsed.region and parsed.script:
        scripts = {f for f in folders if f.lower().startswith(parsed.language + "-")}
        if len(scripts) > 1:
            name = SCRIPT_NAMES.get(parsed.script, parsed.script)
            others = ", ".join(sorted(scripts - {folder}))
            warning = (f"the language '{tag}' does not say which script to use; assuming {name} "
                       f"({folder}). Write {folder} to confirm it, or {others} for the other script")
    return Choice(folder, parsed, warning)


CJK_FORMS = {("zh", "Hans"): "SC", ("zh", "Hant"): "TC", ("ja", ""): "JP", ("ko", ""): "KR",
             ("yue", "Hant"): "HK"}
"""Which regional forms of the CJK font a language uses (Noto Sans CJK SC, TC, HK, JP, KR)."""
HK_REGIONS = frozenset({"HK", "MO"})


@functools.cache
def cjk_form(tag: str) -> str:
    """The CJK font form for a tag: zh-Hans SC, zh-Hant TC, zh-HK (Hong Kong, Macau) HK, ja JP, ko KR;
    "" for a language that is not written with Han characters."""
    parsed = parse_tag(tag)
    if parsed.language == "zh" and parsed.script == "Hant" and parsed.region in HK_REGIONS:
        return "HK"
    return CJK_FORMS.get((parsed.language, parsed.script)) or CJK_FORMS.get((parsed.language, ""), "")
