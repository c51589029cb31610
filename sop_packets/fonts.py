"""The packet's fonts: one named stack from packages the project installs, never the host's fonts.

WeasyPrint finds fonts through fontconfig. `fontconfig_file()` writes a fontconfig file that lists
only a folder of links to the stack's font files, and `render` points FONTCONFIG_FILE at it before
WeasyPrint starts, so the same input gives the same PDF bytes on any host. `missing_glyphs` checks
text against the stack (every character must be in one of its fonts) before a packet is written.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from . import cache_folder
from .errors import BuildError, MissingSystemLibrary, Problem


@dataclass(frozen=True)
class Font:
    """One family of the stack: where its files come from and which package installs them."""

    family: str
    covers: str
    package: str  # the PyPI or Debian package that installs it
    files: tuple[tuple[str, int, str], ...]  # (file name, weight, style)
    module: str = ""  # a fontpkg module (PyPI); empty for a Debian font
    folder: str = ""  # the Debian font's folder
    large: bool = False  # loaded only when a packet uses a character no smaller font has

    @property
    def install(self) -> str:
        return f"pip install {self.package}" if self.module else f"sudo apt-get install {self.package}"

    @functools.cached_property
    def folder_path(self) -> Path:
        if self.module:
            return Path(import_module(self.module).__file__).parent / "files"
        return Path(self.folder)

    def paths(self) -> list[tuple[Path, int, str]]:
        return [(self.folder_path / name, weight, style) for name, weight, style in self.files]

    @property
    def installed(self) -> bool:
        return _installed(self)


@functools.cache
def _installed(font: Font) -> bool:
    """Whether every file of font is there, looked at once per process: the glyph check asks for each
    new character (600 times for an English packet)."""
    try:
        return all(path.is_file() for path, _, _ in font.paths())
    except ImportError:
        return False


# In order: each character prints in the first family that has it.
STACK = (
    Font("Atkinson Hyperlegible", "Latin text (a font made for low-vision readers)",
         "fontpkg-atkinson-hyperlegible",
         (("AtkinsonHyperlegible-Regular.ttf", 400, "normal"),
          ("AtkinsonHyperlegible-Bold.ttf", 700, "normal"),
          ("AtkinsonHyperlegible-Italic.ttf", 400, "italic"),
          ("AtkinsonHyperlegible-BoldItalic.ttf", 700, "italic")),
         module="fontpkg_atkinson_hyperlegible"),
    Font("Noto Sans", "Vietnamese, Cyrillic, Greek and other Latin letters", "fontpkg-noto-sans",
         (("NotoSans[wdth,wght].ttf", 400, "normal"), ("NotoSans-Italic[wdth,wght].ttf", 400, "italic")),
         module="fontpkg_noto_sans"),
    Font("Noto Sans Arabic", "Arabic and Persian", "fontpkg-noto-sans-arabic",
         (("NotoSansArabic[wdth,wght].ttf", 400, "normal"),), module="fontpkg_noto_sans_arabic"),
    Font("DejaVu Sans", "marks and symbols such as ✓", "fonts-dejavu-core",
         (("DejaVuSans.ttf", 400, "normal"), ("DejaVuSans-Bold.ttf", 700, "normal")),
         folder="/usr/share/fonts/truetype/dejavu"),
    Font("Noto Sans CJK SC", "Chinese, Japanese and Korean", "fonts-noto-cjk",
         (("NotoSansCJK-Regular.ttc", 400, "normal"), ("NotoSansCJK-Bold.ttc", 700, "normal")),
         folder="/usr/share/fonts/opentype/noto", large=True),
)
FAMILIES = ", ".join(f'"{font.family}"' for font in STACK)
LANGUAGE_FONTS = {
    "ur": Font("Noto Nastaliq Urdu", "Urdu in its Nastaliq style", "fonts-noto-core",
               (("NotoNastaliqUrdu-Regular.ttf", 400, "normal"),
                ("NotoNastaliqUrdu-Bold.ttf", 700, "normal")), folder="/usr/share/fonts/truetype/noto"),
}
"""A face for one language's text only, first in its stack: Urdu readers expect Nastaliq, not the
Naskh of Noto Sans Arabic (which still sets Arabic and Persian). Keyed by primary language subtag.
Without the Debian package installed the text prints in the stack's Naskh."""
LANGUAGE_LINE_HEIGHT = {"ur": 2.2}
"""Nastaliq's letters climb and fall far from the line: more room between lines than the page's."""
CJK_FACES = {"JP": 0, "KR": 1, "SC": 2, "TC": 3, "HK": 4}
"""The faces of the Noto Sans CJK collection (.ttc): one per regional form of the Han characters."""


def cjk_family(form: str) -> str:
    return f"Noto Sans CJK {form}"


def stack_families(form: str = "SC", first_family: bool = True) -> list[str]:
    """The stack's family names with the CJK family in the given regional form, optionally without
    the first (Latin) family."""
    families = [cjk_family(form or "SC") if font.large else font.family for font in STACK]
    return families if first_family else families[1:]


QUOTES = "\u2018\u2019\u201c\u201d"
"""The curly quotes, which Latin fonts draw narrow: in Chinese lines they come from the CJK font."""


def quotes_family(form: str) -> str:
    return f"Packet CJK Quotes {form}"


def script_css(forms: dict[str, str], page_lang: str = "", first_family: bool = True,
               cjk_quotes: bool = False) -> str:
    """CSS giving each CJK lang of a page its regional forms: {"zh-Hant": "TC"} sets the stack with
    Noto Sans CJK TC on every element in zh-Hant, and on its words set in the fallback fonts (.intl).

    Without it Traditional text prints with the Simplified font's forms of shared characters. The
    page's own lang (page_lang) also sets the page margin boxes (header, footer). first_family=False
    sets the page without the first (Latin) family: for a language such as Vietnamese, whose letters
    the first family mostly lacks, so that a page is not set in two typefaces word by word.
    cjk_quotes sets the curly quotes of the page's own lang in the CJK font (full width, as Chinese
    readers expect), through a family that holds only them (quotes_face_css).
    """
    rules = []
    langs = dict(forms)
    if page_lang and (page_lang not in langs and not first_family):
        langs[page_lang] = ""
    for lang, form in sorted(langs.items()):
        families = [cjk_family(form or "SC") if font.large else font.family for font in STACK]
        if lang == page_lang and not first_family:
            families = families[1:]
        # the plain figures first, as in packet.css (issue 20: Atkinson Hyperlegible's zero is slashed)
        first = [DIGITS_FAMILY, *([quotes_family(form or "SC")] if cjk_quotes and lang == page_lang else [])]
        stack = ", ".join(f'"{family}"' for family in [*first, *families])
        fallback = ", ".join(f'"{family}"' for family in [*first, *families[1:]]
                             if family != STACK[0].family)
        rules.append(f'[lang|="{lang}"] {{ font-family: {stack}, sans-serif; }}\n'
                     f'[lang|="{lang}"] .intl {{ font-family: {fallback}, sans-serif; }}')
        if lang == page_lang:
            rules.append(f"@page {{ font-family: {stack}, sans-serif; }}")
    return "\n".join(rules)


def _needs_no_glyph(char: str) -> bool:
    """Spaces, line breaks and invisible format characters (joiners, direction marks) draw nothing."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf")


@functools.cache
def _cmap(path: Path) -> frozenset[int]:
    """The code points one font file has glyphs for (the first face of a collection).

    HarfBuzz reads the cmap in C from the mapped file: 2 ms for the CJK collection where fontTools'
    getBestCmap took 0.1 s, a tenth of a cold `build` with the other faces (the same code points for
    every face of the stack: tests/test_fonts.py).
    """
    return frozenset(_harfbuzz_face(path, 0).unicodes)


def covering(char: str) -> Font | None:
    """The first family of the stack with a glyph for char; None if no family has one.

    The large CJK family is only looked at for characters it is meant for. A family that is needed
    but not installed is an error naming the package to install.
    """
    for font in STACK:
        if font.large and not _maybe_cjk(char):
            continue
        if not font.installed:
            raise MissingSystemLibrary(
                f"the character {char} ({codepoint(char)}) needs the font {font.family} ({font.covers}), "
                f"which is not installed. Install it with: {font.install}")
        if ord(char) in _cmap(font.paths()[0][0]):
            return font
    return None


def _maybe_cjk(char: str) -> bool:
    """Characters that only the CJK font may have: Han, kana, Hangul, CJK symbols and full-width forms."""
    point = ord(char)
    return (0x1100 <= point <= 0x11FF or 0x2E80 <= point <= 0xA4CF or 0xA960 <= point <= 0xA97F
            or 0xAC00 <= point <= 0xD7FF or 0xF900 <= point <= 0xFAFF or 0xFE30 <= point <= 0xFE4F
            or 0xFF00 <= point <= 0xFFEF or 0x20000 <= point <= 0x3FFFF)


def codepoint(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{' ' + name if name else ''}"


def missing_glyphs(text: str) -> list[str]:
    """The characters of text that no font of the stack has, in order of first appearance."""
    return [char for char in dict.fromkeys(text) if not _needs_no_glyph(char) and _covered(char) is None]


@functools.cache
def _covered(char: str) -> Font | None:
    return covering(char)


def families_used(text: str) -> list[Font]:
    """The families of the stack that print some character of text, in stack order."""
    used = {_covered(char) for char in set(text) if not _needs_no_glyph(char)}
    return [font for font in STACK if font in used]


def _first_family_chars() -> str:
    return "".join(re.escape(chr(point)) for point in sorted(_cmap(STACK[0].paths()[0][0])) if point > 32)


@functools.cache
def not_first_family_char() -> re.Pattern[str]:
    """One character the first family (Latin) lacks; a quick test before not_first_family_pattern."""
    return re.compile(rf"[^\s<>{_first_family_chars()}]")


@functools.cache
def not_first_family_pattern() -> re.Pattern[str]:
    """Runs of words (split by spaces) with a character the first family (Latin) lacks.

    Slow on long text (it backtracks through every word): use it only where not_first_family_char matches.
    """
    word = rf"[^\s<>]*[^\s<>{_first_family_chars()}][^\s<>]*"
    return re.compile(rf"{word}(?:[ \u00a0]+{word})*")


# ---------------------------------------------------------------- fontconfig: only the project's fonts


def _digest(fonts: Iterable[Font]) -> str:
    h = hashlib.sha256()
    for font in fonts:
        for path, _, _ in font.paths():
            stat = path.stat()
            h.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _cache_roots() -> list[Path]:
    return cache_folder.roots()


@functools.cache
def fontconfig_file() -> Path:
    """A fontconfig file listing only the stack's fonts (links in one folder) and a cache folder."""
    required = [font for font in STACK if font.module or font.family == "DejaVu Sans"]
    for font in required:
        if not font.installed:
            raise MissingSystemLibrary(f"the font {font.family} ({font.covers}) is missing. "
                                       f"Install it with: {font.install}")
    fonts = [font for font in (*STACK, *LANGUAGE_FONTS.values()) if font.installed]
    name = f"fonts-{_digest(fonts)}-{FONT_FOLDER_VERSION}-{_recipe()}"
    problems = []
    for root in _cache_roots():
        folder = root / name
        try:
            links = folder / "fonts"
            links.mkdir(parents=True, exist_ok=True)
            for number, font in enumerate(fonts):
                for path, _, _ in font.paths():
                    link = links / f"{number:02d}-{path.name}"
                    if not link.is_symlink():
                        with contextlib.suppress(FileExistsError):  # another worker made it first
                            link.symlink_to(path)
            for weight in (400, 700):
                _write_once(links / f"00-packet-digits-{weight}.ttf", functools.partial(digits_font, weight))
            _date_for_fontconfig(links)
            conf = folder / "fonts.conf"
            if not conf.is_file():
                text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                        f"<fontconfig>\n  <dir>{links}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n"
                        "</fontconfig>\n")
                partial = folder / f".fonts.conf.{os.getpid()}"
                partial.write_text(text, encoding="utf-8")
                os.replace(partial, conf)
            return conf
        except OSError as exc:
            problems.append(f"{folder}: {exc.strerror or exc}")
    raise MissingSystemLibrary("cannot write the packet's font configuration: " + "; ".join(problems))


def _date_for_fontconfig(links: Path) -> None:
    """Date the folder of links 1 January 1970, so fontconfig's cache of it stays valid.

    Fontconfig checks its cache of a folder against the folder's modification time, but writes the
    cache with SOURCE_DATE_EPOCH instead when that is earlier (for reproducible builds). With the
    variable set, as for a reproducible packet, the cache never matched: every process scanned every
    font again, three times (a tenth of a cold `build`'s CPU). No SOURCE_DATE_EPOCH is earlier than
    the folder's new date. The folder's name already changes whenever a font in it changes.
    """
    with contextlib.suppress(OSError):
        if links.stat().st_mtime_ns != 0:
            os.utime(links, ns=(0, 0))


FONT_FOLDER_VERSION = "v3"
"""Changes when the generated files of the font folder change (static instances, the digits face)."""


def _recipe() -> str:
    """A digest of what makes the generated files of the font folder (the digits face): the code of
    digits_font, the Python that runs it and fontTools' version. With the fonts' own digest in the
    folder's name, a folder is never read after anything that made its files has changed."""
    from fontTools import version as fonttools_version

    code = digits_font.__code__
    consts = [const for const in code.co_consts if not hasattr(const, "co_code")]
    made_by = (code.co_code, repr(consts), code.co_names, sys.version_info[:2], fonttools_version,
               DIGITS_FONT_TEXT, DIGITS_FAMILY)
    return hashlib.sha256(repr(made_by).encode()).hexdigest()[:8]
DIGITS_FAMILY = "Packet Digits"
"""Plain figures from Noto Sans: Atkinson Hyperlegible's zero is slashed, and "stage 0" read "stage Ø"."""
DIGITS = "0123456789"
DIGITS_FONT_TEXT = DIGITS + " \u00a0"
"""The figures, and the spaces Pango may set in the figures' font next to them."""


def _write_once(target: Path, make: Callable[[], bytes]) -> None:
    """Write a generated font file unless it is there (atomically: parallel workers may race)."""
    if target.is_file():
        return
    partial = target.with_name(f".{target.name}.{os.getpid()}")
    partial.write_bytes(make())
    os.replace(partial, target)


def digits_font(weight: int) -> bytes:
    """The figures 0-9 of Noto Sans (an unslashed zero) as a family of their own, first in the stack.

    Subset first, then made static at weight (instancing the whole variable font takes seconds); the
    `head` dates are the source's, so the same fonts give the same bytes.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    source = next(font for font in STACK if font.family == "Noto Sans").paths()[0][0]
    with TTFont(source, fontNumber=0, recalcTimestamp=False) as font:
        created, modified = font["head"].created, font["head"].modified
        options = subset.Options()
        options.layout_features = ["kern"]
        options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=DIGITS_FONT_TEXT)
        subsetter.subset(font)
        axes = {axis.axisTag for axis in font["fvar"].axes} if "fvar" in font else set()
        if axes:
            location = {"wght": weight, **({"wdth": 100} if "wdth" in axes else {})}
            font = instantiateVariableFont(font, location, static=True)
        style = "Bold" if weight == 700 else "Regular"
        names = {1: DIGITS_FAMILY, 2: style, 4: f"{DIGITS_FAMILY} {style}", 6: f"PacketDigits-{style}",
                 3: f"{DIGITS_FAMILY} {style} (Noto Sans figures)", 16: DIGITS_FAMILY, 17: style}
        for record in font["name"].names:
            if record.nameID in names:
                record.string = names[record.nameID]
        font["OS/2"].usWeightClass = weight
        font["head"].created, font["head"].modified = created, modified
        font.recalcTimestamp = False
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- fonts embedded in the HTML


def _fonttools_version() -> str:
    from fontTools import version

    return f"fontTools {version}"


def _subsetter_version() -> str:
    import uharfbuzz

    harfbuzz = f"uharfbuzz {uharfbuzz.__version__} (HarfBuzz {uharfbuzz.version_string()})"
    return f"{harfbuzz}, {_fonttools_version()}"


def _kept_on_disk(version: Callable[[], str]):
    """Keep a font made from a font file (a WOFF, a subset) in the user's cache folder, beside the
    fontconfig cache, so that no process makes it again. The key covers the font file (path, size,
    modification time), the arguments (for a subset: the face and its characters) and version(), the
    versions of the libraries that make it; a damaged entry is made again."""

    def wrap(make):
        @functools.wraps(make)
        def cached(path: Path, *args):
            try:
                info = path.stat()
                key = hashlib.sha256(repr((make.__name__, str(path), info.st_size, info.st_mtime_ns, args,
                                           version())).encode()).hexdigest()[:32]
            except OSError:
                return make(path, *args)
            for root in _cache_roots():
                with contextlib.suppress(OSError, ValueError):
                    data = (root / "subsets" / f"{key}.b64").read_text("ascii")
                    if base64.b64decode(data, validate=True)[:4] == b"wOFF":
                        return data
            data = make(path, *args)
            for root in _cache_roots():
                with contextlib.suppress(OSError):
                    folder = root / "subsets"
                    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                    partial = folder / f".{key}.{os.getpid()}"
                    partial.write_text(data, "ascii")
                    os.replace(partial, folder / f"{key}.b64")
                    break
            return data

        return cached

    return wrap


@functools.cache
def _harfbuzz_face(path: Path, face: int):
    """One face of a font file for HarfBuzz (the file is mapped, not read), kept for the process."""
    import uharfbuzz

    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(path)), face)


@functools.cache
@_kept_on_disk(_subsetter_version)
def _subset_woff(path: Path, text: str, weight: int, face: int = 0) -> str:
    """A WOFF subset of one face of a font file with the glyphs for text, as base64; variable fonts
    made static at weight (and normal width).

    HarfBuzz's subsetter (uharfbuzz) takes about 10 ms for a face of the 19 MB Noto Sans CJK
    collection where fontTools took 1.4-2 s, so a new patient name in Chinese costs milliseconds;
    fontTools only wraps the result as WOFF.
    """
    import uharfbuzz as hb

    source = _harfbuzz_face(path, face)
    request = hb.SubsetInput()
    request.sets(hb.SubsetInputSets.UNICODE).update(map(ord, text))
    request.sets(hb.SubsetInputSets.DROP_TABLE_TAG).add(int.from_bytes(b"FFTM", "big"))
    request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
    axes = {axis.tag for axis in source.axis_infos}
    if axes:
        for tag, value in (("wght", weight), ("wdth", 100)):
            if tag in axes:
                request.pin_axis_location(source, tag, value)
    subset = hb.subset(source, request)
    if subset is None:
        raise BuildError(f"HarfBuzz could not subset the font {path.name} (face {face})")
    return base64.b64encode(_woff(subset.blob.data)).decode("ascii")


@functools.cache
def _digits_woff(weight: int) -> bytes:
    """The digits face as WOFF, from the file the font folder already holds (made once per machine,
    in a folder named by everything that made it), never made again per process."""
    try:
        source = fontconfig_file().parent / "fonts" / f"00-packet-digits-{weight}.ttf"
    except MissingSystemLibrary:  # no font folder (a font the PDF needs is missing): make it here
        return _woff(digits_font(weight))
    return base64.b64decode(_woff_of_file(source))


def _woff(data: bytes) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    font.flavor = "woff"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@_kept_on_disk(_fonttools_version)
def _woff_of_file(path: Path) -> str:
    """A font file as WOFF, base64."""
    return base64.b64encode(_woff(path.read_bytes())).decode("ascii")


def font_face_css(text: str, *, italic: bool, cjk_forms: Iterable[str] = ("SC",)) -> str:
    """@font-face rules with subset fonts as data: URIs for the characters of text, per family.

    The first family (Latin) is embedded with all its characters, made once per process; the others
    only with the characters this text uses. Italic faces only when the text has italics. The CJK
    family is embedded once per regional form in cjk_forms (SC, TC, HK, JP, KR), each from its own
    face of the collection.
    """
    chars = {c for c in set(text) if not _needs_no_glyph(c)}
    rules = []
    for weight in (400, 700):
        data = base64.b64encode(_digits_woff(weight)).decode("ascii")
        rules.append(f'@font-face {{ font-family: "{DIGITS_FAMILY}"; font-weight: {weight}; '
                     f'src: url(data:font/woff;base64,{data}) format("woff"); unicode-range: U+30-39; }}')
    for rank, font in enumerate(STACK):
        mine = "".join(sorted(c for c in chars if _covered(c) is font))
        if rank == 0:
            mine = "".join(map(chr, sorted(_cmap(font.paths()[0][0]))))
        if not mine:
            continue
        faces = [(path, weight, style) for path, weight, style in font.paths() if italic or style == "normal"]
        if not any(weight == 700 for _, weight, _ in faces):  # a variable font: its bold instance too
            faces += [(path, 700, style) for path, _, style in faces]
        versions = [(cjk_family(form), CJK_FACES[form]) for form in sorted(set(cjk_forms))] if font.large \
            else [(font.family, 0)]
        for family, face in versions:
            for path, weight, style in faces:
                data = _subset_woff(path, mine, weight, face)
                rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: '
                             f'{style}; src: url(data:font/woff;base64,{data}) format("woff"); }}')
    return "\n".join(rules)


def language_font_css(lang: str, text: str) -> tuple[str, str]:
    """For a language with its own face (LANGUAGE_FONTS): the @font-face rules with the characters of
    text (for browsers; the PDF takes the face from the project's fontconfig), and the rule that sets
    it on the language's elements. ("", "") when it has none or its package is not installed."""
    font = LANGUAGE_FONTS.get(lang.split("-")[0].lower())
    chars = "".join(sorted({c for c in text if not _needs_no_glyph(c)}))
    if font is None or not font.installed or not chars:
        return "", ""
    rules = []
    for path, weight, style in font.paths():
        data = _subset_woff(path, chars, weight)
        rules.append(f'@font-face {{ font-family: "{font.family}"; font-weight: {weight}; '
                     f'font-style: {style}; src: url(data:font/woff;base64,{data}) format("woff"); }}')
    stack = ", ".join(f'"{family}"' for family in [DIGITS_FAMILY, font.family, *stack_families()])
    height = LANGUAGE_LINE_HEIGHT.get(lang.split("-")[0].lower())
    rule = (f'[lang|="{lang}"], [lang|="{lang}"] .intl, .language-notice [lang|="{lang}"] '
            f'{{ font-family: {stack}, sans-serif;{f" line-height: {height};" if height else ""} }}')
    return "\n".join(rules), rule


def quotes_face_css(form: str) -> str:
    """@font-face rules for the curly quotes alone, from the CJK font in a regional form (see script_css)."""
    cjk = next(font for font in STACK if font.large)
    if not cjk.installed:
        return ""
    rules = []
    for path, weight, _ in cjk.paths():
        data = _subset_woff(path, QUOTES, weight, CJK_FACES[form])
        rules.append(f'@font-face {{ font-family: "{quotes_family(form)}"; font-weight: {weight}; '
                     f'src: url(data:font/woff;base64,{data}) format("woff"); '
                     'unicode-range: U+2018-2019, U+201C-201D; }')
    return "\n".join(rules)


# ---------------------------------------------------------------- located errors for input files


def glyph_problems(data: object, where: Callable[[tuple], tuple[int, int]], source: str,
                   text: str) -> list[Problem]:
    """A located problem for each character of a file's text values that no font of the stack has.

    where(path) gives the line and column where a value starts; the character itself is then found in
    the file's text from there, so the column points at it.
    """
    lines = text.splitlines()
    problems = []
    checked: dict[str, list[str]] = {}  # a YAML alias repeats one string many times: check it once
    for path, value in _strings(data, ()):
        if value not in checked:
            checked[value] = missing_glyphs(value)
        for char in checked[value]:
            line, column = where(path)
            line, column = _find(lines, char, line, column)
            field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
            problems.append(Problem(source, line, column, field,
                                    f"the character '{char}' ({codepoint(char)}) is in none of the packet's "
                                    f"fonts ({FAMILIES}) and would print as an empty box; remove or "
                                    "replace it"))
    return problems


def _strings(node: object, path: tuple) -> Iterable[tuple[tuple, str]]:
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))


def _find(lines: list[str], char: str, line: int, column: int) -> tuple[int, int]:
    """The first place of char at or after (line, column), both counted from 1; else that place."""
    for number in range(line - 1, len(lines)):
        start = column - 1 if number == line - 1 else 0
        found = lines[number].find(char, start)
        if found >= 0:
            return number + 1, found + 1
    return line, column
