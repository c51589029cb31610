"""Clinic branding: clinic.yaml, validated with the same located errors as profiles."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from .content import available_languages, primary_subtag, template_dir
from .errors import InvalidInput, Problem
from .profile import parse_yaml, read_text, validate
from .schema import LANGUAGE_PATTERN, Section, ShortText

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_LOGO_BYTES = 1024 * 1024
MIN_CONTRAST = 4.5


class PaperSize(StrEnum):
    letter = "letter"
    a4 = "a4"


class Contact(Section):
    name: ShortText
    role: ShortText | None = None
    phone: ShortText | None = None
    email: ShortText | None = None


class Referral(Section):
    name: ShortText
    specialty: ShortText
    phone: ShortText
    address: ShortText | None = None
    note: ShortText | None = None


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

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        code = primary_subtag(value)
        if code not in available_languages():
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


def default_clinic_path() -> Path:
    return template_dir() / "clinic" / "clinic.yaml"


def load_clinic(path: Path | str | None = None) -> Branding:
    """Load and check a clinic file and its logo; the logo must sit in the clinic file's folder."""
    path = Path(path) if path else default_clinic_path()
    located = parse_yaml(read_text(path, "clinic file"), str(path))
    clinic = validate(Clinic, located, str(path))
    logo_uri = None
    if clinic.logo:
        logo_uri = _logo_uri(path, clinic.logo, located.where(("logo",)))
    return Branding(clinic, logo_uri, str(path))


def _logo_uri(clinic_path: Path, name: str, where: tuple[int, int]) -> str:
    def fail(message: str) -> InvalidInput:
        return InvalidInput([Problem(str(clinic_path), *where, "logo", message)])

    folder = clinic_path.resolve().parent
    logo = (folder / name).resolve()
    if logo.parent != folder and folder not in logo.parents:
        raise fail(f"'{name}' is outside the clinic file's folder; put the logo next to the clinic file")
    if logo.suffix.lower() not in LOGO_TYPES:
        raise fail(f"'{name}' must be a PNG, JPEG or SVG image")
    try:
        if not logo.is_file():
            raise fail(f"the logo file '{name}' does not exist in {folder}")
        size = logo.stat().st_size
        if size > MAX_LOGO_BYTES:
            raise fail(f"the logo file '{name}' is too large ({size:,} bytes; at most 1 MiB)")
        data = logo.read_bytes()
    except OSError as exc:
        raise fail(f"the logo file '{name}' cannot be read ({exc.strerror or exc})") from None
    if logo.suffix.lower() == ".svg":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise fail(f"the SVG logo '{name}' must be saved as UTF-8 text") from None
        if re.search(r"<script|<foreignObject|@import|url\(|href\s*=\s*[\"'](?!#)", text, re.I):
            raise fail(f"the SVG logo '{name}' links to other files or has scripts; "
                       "use a plain SVG or a PNG")
    return f"data:{LOGO_TYPES[logo.suffix.lower()]};base64,{base64.b64encode(data).decode()}"
