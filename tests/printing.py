"""The shared print build of the page tests: which sources print in which configuration, the content
hash that keys the kept build, and the text read from each PDF (see conftest.py `printed`, `pdf_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parent.parent
EXAMPLE_PROFILES = ROOT / "profiles"
PRINT_CONFIGS = ("standard-letter", "large-letter", "standard-a4", "large-a4")
INTERNATIONAL = Path(__file__).parent / "fixtures" / "international"
PRINT_SOURCES = sorted(EXAMPLE_PROFILES.glob("*.yaml")) + sorted(INTERNATIONAL.glob("*.yaml"))
PRINT_DAY = (2026, 11, 25)
PAIRINGS = (("standard-letter", "large-a4"), ("standard-a4", "large-letter"))


def print_plan(sources: list[Path] = PRINT_SOURCES) -> dict[str, list[Path]]:
    """Which sources are printed in which configuration: one configuration per class of check, not
    every combination.

    Every source prints in standard and in large print, once on Letter and once on A4 (two PDFs, not
    four). Within each packet language the sources alternate between the two pairings, so every language
    with two or more sources (English, Spanish, Simplified Chinese, Vietnamese) is checked in all four
    configurations; the others (Traditional Chinese, the English packets with a notice in ar, ko, nb or ru)
    in both print sizes and on both papers.
    """
    from sop_packets.content import packet_language
    from sop_packets.profile import load_profile

    plan: dict[str, list[Path]] = {config: [] for config in PRINT_CONFIGS}
    seen: dict[str, int] = {}
    for source in sources:
        language = packet_language(load_profile(source).patient.language or "en")
        turn = seen[language] = seen.get(language, -1) + 1
        for config in PAIRINGS[turn % 2]:
            plan[config].append(source)
    return plan


def _tree_hash(digest, folder: Path, pattern: str = "*") -> None:
    for path in sorted(folder.rglob(pattern)):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")


def print_key(sources: list[Path] = PRINT_SOURCES) -> str:
    """A content hash of everything the printed PDFs depend on: the package's code and version,
    templates and content, the font files, the sources and the plan (never a time)."""
    import hashlib

    import sop_packets
    from sop_packets import fonts
    from sop_packets.content import PACKAGE_DIR, template_dir

    digest = hashlib.sha256(sop_packets.__version__.encode() + repr(PRINT_DAY).encode())
    _tree_hash(digest, PACKAGE_DIR, "*.py")
    _tree_hash(digest, template_dir())
    for font in fonts.STACK:
        for path, _, _ in font.paths() if font.installed else ():
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
    for config, chosen in print_plan(sources).items():
        digest.update(config.encode())
        for source in chosen:
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:20]




@dataclass(frozen=True)
class PdfText:
    """What the page checks read from one PDF: each page's text (pypdf's extract_text), the document
    language (/Lang) and the bookmarks as (depth, title, page index)."""

    texts: tuple[str, ...]
    lang: str
    bookmarks: tuple[tuple[int, str, int], ...]


def read_pdf(path: Path) -> PdfText:
    from pypdf import PdfReader

    reader = PdfReader(path)
    found = []

    def walk(entries, depth):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                found.append((depth, entry.title, reader.get_destination_page_number(entry)))

    walk(reader.outline, 0)
    return PdfText(tuple(page.extract_text() for page in reader.pages),
                   str(reader.trailer["/Root"].get("/Lang", "en")), tuple(found))


