"""Where templates and clinician-editable content live, loading that content once, and packet languages.

Content lives in templates/content/<language>/*.yaml, one folder per language (en, es, ...). A language
is available when its folder exists; nothing in Python lists the languages. Files whose names start
with "_" (such as _lint.yaml, the language's plain-language rules) are settings, not patient text.
templates/content/language_access.yaml holds the short interpreter notices for languages that have
no folder yet.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .language import Choice, choose

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"
NOTICES_FILE = "language_access.yaml"


def template_dir() -> Path:
    """The templates folder: inside the installed package, or beside it in a source checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "packet.html.j2").is_file():
            return candidate
    raise FileNotFoundError("the sop-packets templates folder is missing from this install")


def content_root() -> Path:
    return template_dir() / "content"


@functools.cache
def available_languages() -> tuple[str, ...]:
    """The languages that have a content folder, English first."""
    found = sorted(p.name for p in content_root().iterdir() if p.is_dir() and any(p.glob("*.yaml")))
    return tuple(sorted(found, key=lambda code: code != DEFAULT_LANGUAGE))


def _parse(path: Path, what: str) -> Any:
    from .profile import parse_yaml, read_text

    return parse_yaml(read_text(path, what), str(path)).data


@functools.cache
def shipped_content(language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Every patient-text YAML file of one language (templates/content/<language>), keyed by file stem.

    A mistake in a content file is reported like a profile mistake: file, line, column, message. The
    parsed content is kept between runs (content_cache.py).
    """
    folder = content_root() / language
    if language not in available_languages():
        raise FileNotFoundError(f"no content folder for language {language!r} in {content_root()}")
    from .content_cache import kept

    paths = sorted(folder.glob("*.yaml"))  # the "_" files (settings) are part of the key, not the content
    return kept(language, paths, lambda: {path.stem: _english_words(_parse(path, "content file"), language)
                                          for path in paths if not path.name.startswith("_")})


def _english_words(node: Any, language: str) -> Any:
    """Content with its {en:…} and {say:…} markers printed the language's way (english_words.py)."""
    from .english_words import expand

    data = language_data(language)
    return expand(node, data["english_term"], data["english_say"])


def marked_english(language: str) -> frozenset[tuple[str, str]]:
    """The English words and sentences a language's content marks ({en:…}, {say:…}): the shipped
    files' and, when a clinic's content folder is in use, its files' for that language too, so that
    the clinic's English words print in <span lang="en"> as the shipped ones do."""
    folder = _overrides[0]
    shipped = _marked_in(content_root() / language)
    if folder is None or not (folder / language).is_dir():
        return shipped
    return shipped | _marked_in(folder / language)


@functools.cache
def _marked_in(folder: Path) -> frozenset[tuple[str, str]]:
    from .english_words import marked
    from .profile import read_text

    found: set[tuple[str, str]] = set()
    for path in sorted(folder.glob("*.yaml")):
        if not path.name.startswith("_"):
            found.update(marked(read_text(path, "content file")))
    return frozenset(found)


_overrides: list[Path | None] = [None]


def content_overrides() -> Path | None:
    """The clinic's content folder in use in this process (None: the shipped words only)."""
    return _overrides[0]


def use_content_overrides(folder: Path | str | None) -> None:
    """Lay a clinic's content folder over the shipped files from now on, key by key (see clinic_content)."""
    resolved = Path(folder).resolve() if folder else None
    if resolved != _overrides[0]:
        _overrides[0] = resolved
        load_content.cache_clear()
        _marked_in.cache_clear()  # a clinic's files may have changed since they were last read


@functools.cache
def load_content(language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The content of one language: the shipped files, with the clinic's own words over them if given."""
    shipped = shipped_content(language)
    folder = _overrides[0]
    if folder is None or not (folder / language).is_dir():
        return shipped
    from .clinic_content import merge_language

    return _english_words(merge_language(shipped, folder, language), language)


@functools.cache
def language_settings(language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """A language's _lint.yaml (its readability formula and medical-word rules); empty when it has none."""
    path = content_root() / language / "_lint.yaml"
    return dict(_parse(path, "language settings file") or {}) if path.is_file() else {}


LANGUAGE_FILE = "_language.yaml"
GLOSS_BEFORE = (r"$|(?!\.\s+(?:This|It|These|They)\s+(?:is|are|means)\b)[.,;:!?)]|\s[\"\u201c]"
                r"|\s+(?:and|or|is|are|was|were|that|which|who|to|in|of|on|for|with|near|nearby|by|at|from|if"
                r"|so|but|can|may|will|has|have|could|should|would|might|must|does|did|had|also|then|as|when"
                r"|because|before|after|than|not|only|takes|helps|means|checks|saves|removes|leaves|gives"
                r"|shows|looks|works|needs|costs|treats|grows|spreads|starts|comes|goes|lets|makes)\b")
"""English: what may follow a word for its short explanation to go right after it (first_use.py)."""

LANGUAGE_DEFAULTS = {"date": "long", "glossary": "glossary", "list_separator": "; ", "full_stop": ".",
                     "first_font": "yes", "english_term": "", "english_say": "\u201c{en}\u201d",
                     "language_names": "as_given", "collation": "plain", "sentence_joiner": " ",
                     "enumeration_separator": ", ", "colon": ":", "gloss": " ({gloss})",
                     "gloss_before": GLOSS_BEFORE}


@functools.cache
def language_data(language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """How a language's packet is written, from its _language.yaml (each key optional):

    date: a Babel date format or pattern, "long" by default ("'ngày' d 'tháng' M 'năm' y" for the
      formal Vietnamese date);
    glossary: the content file (without .yaml) that holds its glossary, "glossary" by default;
    list_separator and full_stop: how the "Why this is in your guide" reasons are joined and ended
      ("; " and "." by default; Chinese: the full-width semicolon and the ideographic full stop);
    first_font: "no" sets the page without the stack's first (Latin) font, for a language whose
      letters that font mostly lacks (Vietnamese), so words are not set in two typefaces;
    english_term and english_say: how an English word the patient must say is printed beside the
      translation ({en:prior authorization}) and how a sentence to say is quoted ({say:…}); {en} is
      the English (see english_words.py). English drops {en:…} and quotes {say:…} in “ ”;
    language_names: "lower" when a language is named in lower case inside a sentence (Vietnamese
      "tiếng Anh"; Babel gives the capital of a list heading, "Tiếng Anh");
    number_locale: the Babel locale for measures such as 2,4 mm (the folder's own by default);
    collation: the glossary's order (collation.py): plain, vietnamese, pinyin or zhuyin;
    sentence_joiner: what goes between two sentences set one after the other (" "; Chinese: nothing);
    enumeration_separator: between the items of a list inside a sentence (", "; Chinese: 、);
    colon: after a glossary term or a label (":"; Chinese: the full-width colon U+FF1A);
    gloss: how a hard word's short explanation follows its first use (first_use.py): " ({gloss})";
      Chinese: in full-width brackets;
    gloss_before: what may follow a word for its explanation to go right after it (a regular expression
      read at the end of the word): punctuation, or a word that starts a new part of the sentence. A
      word followed by another noun ("the lymph node test") is part of a longer name and is left alone,
      and so is a word whose next sentence explains it ("… sebaceous carcinoma. This is a rare …").
    """
    path = content_root() / language / LANGUAGE_FILE
    data = dict(_parse(path, "language file") or {}) if path.is_file() else {}
    return {**LANGUAGE_DEFAULTS, **{key: str(value) for key, value in data.items()
                                    if not isinstance(value, (list, dict))}}


def quoted_names(language: str) -> set[str]:
    """Names a language's content may quote that are no title of the packet (_language.yaml
    quoted_names: a web page's own title, a word quoted as a word); see lint/references.py."""
    path = content_root() / language / LANGUAGE_FILE
    data = dict(_parse(path, "language file") or {}) if path.is_file() else {}
    return {str(name) for name in data.get("quoted_names") or []}


def babel_locale(language: str) -> str:
    """A content folder or tag as Babel's locale name: zh-Hant gives zh_Hant."""
    return (language or DEFAULT_LANGUAGE).replace("-", "_")


def writing(language: str) -> dict[str, str]:
    """How a language joins sentences and list items and writes numbers, for the guidance:
    sentence_joiner, enumeration_separator and number_locale (the folder's Babel locale unless its
    _language.yaml names one: Spanish in the US writes 2.4, so es gives es_US; vi writes 2,4), and the
    packet's language itself (packet_language)."""
    data = language_data(language)
    return {"sentence_joiner": data["sentence_joiner"],
            "enumeration_separator": data["enumeration_separator"],
            "number_locale": data.get("number_locale") or babel_locale(language),
            "packet_language": language}


def long_date(day: Any, language: str = DEFAULT_LANGUAGE) -> str:
    """A date as people write it in the language (Babel, with the language's date pattern):
    "November 27, 2026", "27 de noviembre de 2026", "2026年11月27日", "ngày 27 tháng 11 năm 2026"."""
    from babel.dates import format_date

    folder = language if language in available_languages() else packet_language(language)
    return format_date(day, format=language_data(folder)["date"], locale=babel_locale(language))


@functools.cache
def language_notices() -> dict[str, Any]:
    """The interpreter notices, keyed by language tag (templates/content/language_access.yaml)."""
    return dict(_parse(content_root() / NOTICES_FILE, "language notices file") or {})


def primary_subtag(tag: str | None) -> str:
    """'es-US' → 'es'; an empty tag → ''."""
    return (tag or "").replace("_", "-").split("-")[0].lower()


def language_choice(tag: str | None) -> Choice:
    """The content folder for a BCP 47 tag, script-aware (see language.choose): zh-TW and zh-HK give
    zh-Hant, zh-CN and zh-SG zh-Hans, zh zh-Hans with a warning, vi-VN vi, es-MX es; "" when none fits."""
    return choose(tag, available_languages(), _written_as())


def language_folder(tag: str | None) -> str:
    """The content folder for a tag, or "" when the language has none (it gets an interpreter notice)."""
    return language_choice(tag).folder


def language_warning(tag: str | None) -> str:
    """A warning naming the script assumed for a tag such as "zh"; "" when nothing was assumed."""
    return language_choice(tag).warning if tag else ""


@functools.cache
def _written_as() -> dict[str, str]:
    """Spoken languages that are written as another tag, from the notices' aliases (yue: zh-Hant)."""
    found = {}
    for key, entry in language_notices().items():
        for alias in (entry or {}).get("aliases", []) if isinstance(entry, dict) else []:
            if "-" not in str(alias):
                found[str(alias).lower()] = str(key)
    return found


def packet_language(tag: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The content folder for a BCP 47 tag: es, es-US and es-MX give 'es', zh-TW 'zh-Hant'; no folder
    gives the default."""
    folder = language_folder(tag)
    if folder:
        return folder
    return default if default in available_languages() else DEFAULT_LANGUAGE


def language_name(tag: str, in_language: str = DEFAULT_LANGUAGE) -> str:
    """A language named in words in another language: ('vi', 'en') → 'Vietnamese', ('en', 'es') → 'inglés'.

    Region and script are left out ("pt-BR" is "Portuguese"); a code Babel does not know is named
    as "a language other than English" in words from the packet language's ui.yaml.
    """
    from babel import Locale, UnknownLocaleError

    code = primary_subtag(tag)
    try:
        names = Locale.parse((in_language or DEFAULT_LANGUAGE).replace("-", "_")).languages
    except (UnknownLocaleError, ValueError):
        names = Locale.parse(DEFAULT_LANGUAGE).languages
    if code in names:
        name = names[code]
        folder = packet_language(in_language)
        return name[:1].lower() + name[1:] if language_data(folder)["language_names"] == "lower" else name
    return str(load_content(packet_language(in_language))["ui"]["unknown_language"])


@dataclass(frozen=True)
class Notice:
    """A short note, in the patient's own language, that free interpreter help is available."""

    tag: str
    direction: str  # "ltr" or "rtl"
    text: str  # may hold {phone}


def notice_for(tag: str | None) -> Notice | None:
    """The interpreter notice for a language tag: the full tag first (zh-Hant), then its aliases, then
    the primary subtag (pt-BR → pt). None when the file has no notice for that language."""
    if not tag:
        return None
    notices = language_notices()
    wanted = tag.replace("_", "-").lower()
    candidates = [wanted, *[wanted.rsplit("-", n)[0] for n in range(1, wanted.count("-") + 1)]]
    for candidate in candidates:
        for key, entry in notices.items():
            keys = [str(key).lower(), *(str(a).lower() for a in entry.get("aliases", []))]
            if candidate in keys:
                return Notice(str(key), str(entry.get("dir", "ltr")), " ".join(str(entry["text"]).split()))
    return None
