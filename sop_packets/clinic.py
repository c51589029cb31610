"""Clinic branding: clinic.yaml, validated with the same located errors as profiles."""

from __future__ import annotations

import base64
import difflib
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from .content import available_languages, language_folder, primary_subtag, template_dir
from .errors import InvalidInput, Problem
from .profile import parse_located, read_bytes, read_text, validate
from .schema import LANGUAGE_PATTERN, Section, ShortText

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 1024 * 1024
MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}
MIN_CONTRAST = 4.5


class PaperSize(StrEnum):
    letter = "letter"
    a4 = "a4"


LanguageCode = Annotated[str, Field(pattern=LANGUAGE_PATTERN, max_length=35)]
ClinicText = ShortText | dict[LanguageCode, ShortText]
"""Text the patient reads, one string or one per language: {en: Nurse navigator, es: Enfermera guía}."""


def localized(value: object, language: str, clinic_language: str) -> tuple[str, str]:
    """(text, its language): the packet language's text, else the clinic language's, else the first given."""
    if not isinstance(value, dict):
        return str(value), clinic_language
    # by content folder where the language has one (zh-TW: zh-Hant), else by its first subtag (ko)
    by_code = {language_folder(str(code)) or primary_subtag(str(code)): str(text)
               for code, text in value.items()}
    for code in (language, clinic_language):
        if code in by_code:
            return by_code[code], code
    code, text = next(iter(by_code.items()))
    return text, code


class Contact(Section):
    """The one person a patient calls: printed on page one and in every page's footer."""

    name: ShortText
    role: ClinicText | None = None
    phone: ShortText | None = Field(None, description="Direct number; the clinic's phone when not given.")
    hours: ClinicText | None = Field(None, description="When the phone is answered.")
    after_hours_phone: ShortText | None = Field(
        None, description="Urgent or after hours (a nurse line, an on-call doctor); else the phone.")
    email: ShortText | None = None


@dataclass(frozen=True)
class Reach:
    """Whom the patient calls, in the packet's language: one name, one number, one after-hours number."""

    name: str
    role: str
    phone: str
    hours: str
    after_hours: str


def reach(clinic: Clinic, language: str) -> Reach:
    """The contact block's words: the named contact, else the clinic itself."""
    contact = clinic.contact
    if contact is None:
        return Reach(clinic.name, "", clinic.phone, "", clinic.phone)

    def words(value: object) -> str:
        return localized(value, language, clinic.language)[0] if value else ""

    phone = contact.phone or clinic.phone
    return Reach(contact.name, words(contact.role), phone, words(contact.hours),
                 contact.after_hours_phone or phone)


class Referral(Section):
    name: ShortText
    specialty: ClinicText
    phone: ShortText
    address: ShortText | None = None
    note: ClinicText | None = None
    kinds: list[ShortText] = Field(default_factory=list, max_length=30, description=(
        "Which kinds of doctor from \"Who to see\" this office is (melanoma_specialist, dermatologist, "
        "dermatopathologist, radiation_oncologist ...; `sop-packets rules` lists them). A packet lists the "
        "office only when it names one of them; an office with no kinds is listed in every packet."))

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        from .guidance.rules import RULES  # the guidance names the kinds of doctor; it imports no clinic code

        unknown = [kind for kind in value if kind not in RULES["specialists"]]
        if unknown:
            close = difflib.get_close_matches(unknown[0], RULES["specialists"], n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise ValueError(f"'{unknown[0]}' is not a kind of doctor in \"Who to see\"; {hint}"
                             "`sop-packets rules` lists them under specialists")
        return value


class Clinic(Section):
    """One clinic's identity, printed on every packet it sends."""

    schema_version: Literal[1] = 1
    name: ShortText = Field(min_length=1)
    address: ShortText | None = None
    phone: ShortText
    website: ShortText | None = None
    logo: ShortText | None = Field(None, description="Image file in the clinic file's own folder.")
    logo_alt: ShortText | None = Field(None, description="Words a screen reader says for the logo.")
    accent_color: str = Field("#1d4f91", description="Colour of headings, as #RRGGBB.")
    paper_size: PaperSize = PaperSize.letter
    language: str = Field("en", pattern=LANGUAGE_PATTERN, description=(
        "The clinic's language: the records-request letter and case summary are in it, and it is the "
        "packet language for profiles that give none."))
    contact: Contact | None = None
    referrals: list[Referral] = Field(default_factory=list, max_length=40)
    content: ShortText | None = Field(None, description=(
        "A folder of the clinic's own content files (beside this file) that reword shipped entries."))
    import_id_from: ShortText | None = Field(None, description=(
        "For FHIR imports: the Patient identifier system to name profiles by (your MRN system), as "
        "`import fhir --id-from` does; used when no --id-from is given."))

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        code = language_folder(value)
        if not code:
            raise ValueError(f"'{value}' has no content folder in templates/content; use one of: "
                             f"{', '.join(available_languages())}")
        return code

    @field_validator("accent_color")
    @classmethod
    def _readable_colour(cls, value: str) -> str:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise ValueError(f"'{value}' is not a colour written as # and six hex digits, like #1d4f91")
        ratio = contrast_ratio(value, "#ffffff")
        if ratio < MIN_CONTRAST:
            raise ValueError(f"{value} is too light to read on white ({ratio:.1f}:1; it must be at "
                             f"least {MIN_CONTRAST}:1); choose a darker colour")
        return value.lower()


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Branding:
    """A validated clinic plus its logo, ready to embed (a data: URI keeps HTML self-contained)."""

    clinic: Clinic
    logo_uri: str | None
    source: str
    content_dir: Path | None = None  # the clinic's own words (clinic.yaml content:), checked to exist


def default_clinic_path() -> Path:
    return template_dir() / "clinic" / "clinic.yaml"


def load_clinic(path: Path | str | None = None) -> Branding:
    """Load and check a clinic file and its logo; the logo must sit in the clinic file's folder."""
    path = Path(path) if path else default_clinic_path()
    located = parse_located(read_text(path, "clinic file"), str(path))
    problems: list[Problem] = []
    try:
        clinic = validate(Clinic, located, str(path))
    except InvalidInput as exc:  # the logo is still checked, so one run lists every problem
        problems += exc.problems
    logo = located.data.get("logo") if isinstance(located.data, dict) else None
    logo_uri = None
    if isinstance(logo, str) and logo.strip() and ("logo",) not in located.bad_paths:
        try:
            logo_uri = _logo_uri(path, logo, located.where(("logo",)))
        except InvalidInput as exc:
            problems += exc.problems
    content_dir = None
    content = located.data.get("content") if isinstance(located.data, dict) else None
    if isinstance(content, str) and content.strip() and ("content",) not in located.bad_paths:
        try:
            content_dir = _content_dir(path, content, located.where(("content",)))
        except InvalidInput as exc:
            problems += exc.problems
    if problems:
        raise InvalidInput(problems)
    return Branding(clinic, logo_uri, str(path), content_dir)


def _content_dir(clinic_path: Path, name: str, where: tuple[int, int]) -> Path:
    """The clinic's content folder: inside the clinic file's folder, like the logo."""
    folder = clinic_path.resolve().parent
    target = (folder / name).resolve()
    if target != folder and folder not in target.parents:
        raise InvalidInput([Problem(str(clinic_path), *where, "content",
                                    f"'{name}' is outside the clinic file's folder; put the content folder "
                                    "next to the clinic file")])
    if not target.is_dir():
        raise InvalidInput([Problem(str(clinic_path), *where, "content",
                                    f"the content folder '{name}' does not exist in {folder}")])
    return target


def _logo_uri(clinic_path: Path, name: str, where: tuple[int, int]) -> str:
    def fail(message: str) -> InvalidInput:
        return InvalidInput([Problem(str(clinic_path), *where, "logo", message)])

    folder = clinic_path.resolve().parent
    logo = (folder / name).resolve()
    if logo.parent != folder and folder not in logo.parents:
        raise fail(f"'{name}' is outside the clinic file's folder; put the logo next to the clinic file")
    if logo.suffix.lower() not in LOGO_TYPES:
        raise fail(f"'{name}' must be a PNG, JPEG or SVG image")
    if not logo.exists():
        raise fail(f"the logo file '{name}' does not exist in {folder}")
    try:
        data = read_bytes(logo, "logo")
    except InvalidInput as exc:
        reason = exc.problems[0].message.replace("1 MiB; a logo must be under 1 MiB", "1 MiB")
        raise fail(f"the logo file '{name}': {reason}") from None
    kind = logo.suffix.lower()
    if kind == ".svg":
        if problem := svg_problem(data):
            raise fail(f"the SVG logo '{name}' {problem}; use a plain SVG or a PNG")
    elif not data.startswith(MAGIC[kind]):
        raise fail(f"the logo file '{name}' is not a {kind[1:].upper()} image (its contents do not match "
                   "its name)")
    return f"data:{LOGO_TYPES[logo.suffix.lower()]};base64,{base64.b64encode(data).decode()}"


# ---------------------------------------------------------------- SVG logos

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
SVG_ELEMENTS = frozenset((
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "text", "tspan", "use", "symbol", "linearGradient", "radialGradient", "stop", "clipPath",
    "mask",
))
SVG_ATTRIBUTES = frozenset((
    "id", "class", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "width",
    "height", "viewBox", "preserveAspectRatio", "d", "points", "transform", "fill", "fill-opacity",
    "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "opacity", "style", "font-family",
    "font-size", "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing",
    "dx", "dy", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "clip-path", "clip-rule", "mask", "maskUnits", "maskContentUnits", "clipPathUnits",
    "version", "baseProfile", "role", "aria-label", "aria-hidden", "lang", "visibility", "display",
    "vector-effect", "href",
)) | {XLINK_HREF, XML_SPACE}
MAX_SVG_ELEMENTS = 10_000
MAX_USES = 100
_LOCAL_URL = re.compile(r"url\(\s*#[\w.-]+\s*\)")


def svg_problem(data: bytes) -> str | None:
    """Why an SVG cannot be a logo, or None: parsed without DTDs or entities, only drawing elements
    and attributes, links only to its own parts, and no <use> that points at another <use>."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        return "has a DTD or entities (<!DOCTYPE …>)"
    except ParseError as exc:
        return f"is not a well-formed SVG file ({exc})"
    if re.search(rb"<\?(?!xml[\s?])", data):
        return "has processing instructions (<?xml-stylesheet …?>)"
    elements = list(root.iter())
    if len(elements) > MAX_SVG_ELEMENTS:
        return f"has more than {MAX_SVG_ELEMENTS:,} elements"
    if _local(root.tag) != "svg":
        return "is not an SVG image (its first element is not <svg>)"
    ids = {element.get("id"): element for element in elements if element.get("id")}
    uses = 0
    for element in elements:
        tag = _local(element.tag)
        if tag not in SVG_ELEMENTS:
            return f"uses the element <{tag[:40]}>, which a logo does not need (it may run or load things)"
        for attribute, value in element.attrib.items():
            if attribute not in SVG_ATTRIBUTES:
                return f"uses the attribute {attribute[:40]!r}, which a logo does not need"
            if "\\" in value or "@import" in value.lower() or "url(" in _LOCAL_URL.sub("", value).lower():
                return "links to other files (url(), @import or escapes in styles)"
            if attribute in ("href", XLINK_HREF) and not (value.startswith("#") and value[1:] in ids):
                return "links to other files (href must name a part of the same logo, like #shape)"
        if tag == "use":
            uses += 1
            target = ids.get((element.get("href") or element.get(XLINK_HREF) or "#")[1:])
            if target is None or any(_local(e.tag) == "use" for e in target.iter()):
                return "has a <use> that points at another <use> (this can repeat without end)"
    if uses > MAX_USES:
        return f"repeats shapes with <use> more than {MAX_USES} times"
    return None


def _local(tag: object) -> str:
    """An element's name without the SVG namespace (other namespaces stay, and are refused)."""
    text = tag if isinstance(tag, str) else "?"
    return text[len(SVG_NS):] if text.startswith(SVG_NS) else text
