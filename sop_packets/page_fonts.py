"""The fonts an HTML packet needs: the glyph check, script runs, CJK regional forms, the font CSS."""

from __future__ import annotations

import html as html_module
import re

from . import fonts
from .content import language_data, language_folder
from .errors import BuildError
from .language import cjk_form
from .visible import all_body_text

FONTS_STYLE = '<style id="packet-fonts">{}</style>'
SCRIPT_STYLE = '<style id="packet-script">{}</style>'


def with_fonts(page: str, language: str, language_tag: str, *, embed_fonts: bool = True) -> str:
    """The page with its font faces (when embed_fonts) and its script rules in place of FONTS_STYLE.

    Refuses a character no font can print; sets runs of letters the Latin font lacks in the fallbacks.
    """
    text = visible_text(page)  # every language on the page: the notices need their fonts too
    check_glyphs(text)
    page = mark_other_scripts(page)
    forms = cjk_forms(page, language, language_tag)
    faces = fonts.font_face_css(text, italic="<em>" in page, cjk_forms=set(forms.values()) or {"SC"}) \
        if embed_fonts else ""
    first_family = language_data(language)["first_font"] != "no"
    cjk_quotes = language_data(language).get("quote_font") == "cjk" and language in forms
    if cjk_quotes and embed_fonts:
        faces += "\n" + fonts.quotes_face_css(forms[language])
    own_fonts = []
    for lang in sorted(set(re.findall(r' lang="([A-Za-z0-9-]+)"', page.partition("<body")[2]))):
        own_faces, own_rule = fonts.language_font_css(lang, text_of_lang(page, lang))
        if own_rule:
            if embed_fonts:
                faces += "\n" + own_faces
            own_fonts.append(own_rule)
    styles = FONTS_STYLE.format(f"\n{faces}\n")
    if forms or not first_family or own_fonts:
        css = fonts.script_css(forms, page_lang=language, first_family=first_family, cjk_quotes=cjk_quotes) \
            if forms or not first_family else ""
        css = "\n".join(filter(None, [css, *own_fonts]))
        styles += SCRIPT_STYLE.format(f"\n{css}\n")
    return page.replace(FONTS_STYLE.format(""), styles, 1)


def cjk_forms(page: str, language: str, tag: str) -> dict[str, str]:
    """The regional CJK font form for each lang on the page written in Han characters.

    The page's own lang takes the patient's region: a zh-HK patient's zh-Hant packet prints with
    the Hong Kong forms (Noto Sans CJK HK), a zh-TW patient's with the Taiwan forms (TC).
    """
    found = {}
    langs = [language, *re.findall(r'\slang="([^"]+)"', page.split("<body", 1)[-1])]
    for lang in dict.fromkeys(langs):
        own = lang == language and language_folder(tag) == language
        if form := cjk_form(tag if own else lang):
            found[lang] = form
    return found


def mark_other_scripts(page: str) -> str:
    """Set each run of words with letters the Latin font lacks wholly in the fallback fonts.

    Without it a name such as "Nguyễn" mixes two typefaces letter by letter.
    """
    lacking, other = fonts.not_first_family_char(), fonts.not_first_family_pattern()
    head, sep, body = page.partition("<body")
    if not sep or not lacking.search(body):
        return page

    def mark(match: re.Match[str]) -> str:
        text = match.group()
        if not lacking.search(text):
            return text
        return other.sub(lambda run: f'<span class="intl">{run.group()}</span>', text)

    return head + sep + re.sub(r">[^<>]+<", mark, body)


def check_glyphs(text: str) -> None:
    """Refuse text with a character that no font of the stack has: it would print as an empty box."""
    missing = fonts.missing_glyphs(text)
    if missing:
        chars = ", ".join(f"'{char}' ({fonts.codepoint(char)})" for char in missing[:10])
        raise BuildError(f"the packet has characters that none of its fonts ({fonts.FAMILIES}) can print: "
                         f"{chars}")


def visible_text(html: str) -> str:
    """Every word of an HTML page's body, in any language (for the fonts and the glyph check)."""
    return all_body_text(html)


def text_of_lang(html: str, language: str) -> str:
    """The text of the elements marked with a lang (the interpreter notice's lang="ur"), tags removed."""
    found = re.findall(rf'<(\w+)[^>]* lang="{re.escape(language)}"[^>]*>(.*?)</\1>', html, re.DOTALL)
    return html_module.unescape(re.sub(r"<[^>]+>", " ", " ".join(inner for _, inner in found)))
