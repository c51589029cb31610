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




@dataclass(frozen=True)
class Heading:
    """An h2 or h3 as printed: its page index, where its first line's baseline sits (a fraction of the
    page height from the top), and whether the page ends in its section, which goes on overleaf (no later
    heading on its page, and the next page starts with text or with a heading under this one)."""

    tag: str
    page: int
    top: float
    continues: bool


@dataclass(frozen=True)
class PdfLayout:
    """Where lists and headings fall, read from the PDF's structure tree (WeasyPrint's PDF/UA tags: L, LI,
    Lbl, H2, H3) and the page content: for each list, the pages of each item; each heading's place."""

    lists: tuple[tuple[tuple[int, ...], ...], ...]
    headings: tuple[Heading, ...]


@dataclass
class _Fragment:
    """The part of one list on one page: WeasyPrint tags each page's boxes apart, so a list that runs
    onto the next page is two L elements there, joined again by read_layout."""

    path: tuple[str, ...]
    first: int  # index of its first and last content mark in reading order
    last: int
    items: list[tuple[bool, set[int], bool]]  # (starts with its marker, pages, opens with a lead) of each LI


def read_layout(path: Path) -> PdfLayout:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(path)
    page_of = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    marks: list[tuple[int, int, int | None]] = []  # (page, marked-content id, heading number) in reading order
    fragments: list[_Fragment] = []
    headings: list[str] = []

    def kids(element) -> list:
        found = element.get("/K")
        found = [] if found is None else found if isinstance(found, list) else [found]
        return [kid.get_object() if isinstance(kid, IndirectObject) else kid for kid in found]

    def opens_with_lead(item) -> bool:
        """Does the item's body open with a run of its own (NonStruct: a bold lead, or a question's
        number drawn by CSS)? The part of an item that a page break pushed overleaf opens mid-text."""
        node = item
        for _ in range(4):
            first = next((kid for kid in kids(node) if isinstance(kid, dict) and "/S" in kid), None)
            if first is None:
                return False
            tag = first.get("/S")
            if tag == "/NonStruct":
                return True
            if tag not in ("/LBody", "/P", "/Div"):
                return False
            node = first
        return False

    def walk(node, page, path: tuple[str, ...], heading: int | None) -> None:
        """Every content mark under node, in order; notes each list (its items) and heading on the way."""
        if isinstance(node, int):
            marks.append((page, node, heading))
            return
        if not isinstance(node, dict) or node.get("/Type") == "/OBJR":
            return
        if "/Pg" in node:
            page = page_of[node.raw_get("/Pg").idnum]
        if node.get("/Type") == "/MCR":
            marks.append((page, int(node["/MCID"]), heading))
            return
        tag = str(node.get("/S", ""))
        if tag in ("/H1", "/H2", "/H3"):
            headings.append(tag[1:])
            heading = len(headings) - 1
        fragment = _Fragment(path, len(marks), 0, []) if tag == "/L" else None
        for kid in kids(node):
            start = len(marks)
            walk(kid, page, (*path, tag), heading)
            if fragment is not None and isinstance(kid, dict) and kid.get("/S") == "/LI":
                labelled = any(isinstance(part, dict) and part.get("/S") == "/Lbl" for part in kids(kid))
                fragment.items.append((labelled, {mark[0] for mark in marks[start:]}, opens_with_lead(kid)))
        if fragment is not None and fragment.items:
            fragment.last = len(marks) - 1
            fragments.append(fragment)

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object(), None, (), None)
    first_on: dict[int, int] = {}
    last_on: dict[int, int] = {}
    for index, (page, _, _) in enumerate(marks):
        first_on.setdefault(page, index)
        last_on[page] = index
    lists: list[list[set[int]]] = []
    marked: list[bool] = []  # the list's items carry a marker (Lbl)
    led: list[bool] = []  # every item of the list's first part opens with a lead
    ends: dict[tuple[tuple[str, ...], int], int] = {}  # (path, last mark) -> the list it belongs to
    for fragment in sorted(fragments, key=lambda f: f.first):
        page = marks[fragment.first][0]
        items = [pages for _, pages, _ in fragment.items]
        number = ends.get((fragment.path, last_on.get(page - 1, -1))) if first_on[page] == fragment.first else None
        if number is None:
            lists.append(items)
            marked.append(any(labelled for labelled, _, _ in fragment.items))
            led.append(all(leads for _, _, leads in fragment.items))
            number = len(lists) - 1
        else:  # the rest of a list that the page break cut
            labelled, _, leads = fragment.items[0]
            # an item split by the page: its marker (Lbl), or the lead its list's items open with (a bold
            # title, a question's number), is on the first part only
            if not labelled and (marked[number] or (led[number] and not leads)):
                lists[number][-1] |= items.pop(0)
            lists[number] += items
        ends[fragment.path, fragment.last] = number
    return PdfLayout(tuple(tuple(tuple(sorted(pages)) for pages in found) for found in lists),
                     _placed_headings(reader, marks, headings))


def _placed_headings(reader, marks, headings: list[str]) -> tuple[Heading, ...]:
    wanted: dict[int, set[int]] = {}
    for page, mcid, heading in marks:
        if heading is not None and headings[heading] != "H1":
            wanted.setdefault(page, set()).add(mcid)
    tops = {(page, mcid): top for page, mcids in wanted.items()
            for mcid, top in _baselines(reader.pages[page], mcids).items()}
    first_mark: dict[int, int] = {}
    for index, (page, _, _) in enumerate(marks):
        first_mark.setdefault(page, index)
    placed = []
    for number, tag in enumerate(headings):
        where = [(index, page, tops[page, mcid]) for index, (page, mcid, heading) in enumerate(marks)
                 if heading == number and (page, mcid) in tops]
        if not where:
            continue
        index, page, _ = where[0]
        later_heading = any(p == page and h is not None and h != number for p, _, h in marks[index:])
        # the next page starts with its text, or with a heading under it (an h3 under this h2)
        opener = marks[first_mark[page + 1]][2] if page + 1 in first_mark else None
        continues = page + 1 in first_mark and not later_heading and (
            opener is None or headings[opener] > tag)
        placed.append(Heading(tag, page, min(top for _, p, top in where if p == page), continues))
    return tuple(placed)


def _baselines(page, mcids: set[int]) -> dict[int, float]:
    """Marked-content id -> its first text line's baseline, as a fraction of the page height from the top.

    Reads the content stream as WeasyPrint (pydyf) writes it, one operator a line; follows q, Q and cm
    for the current transformation, and the text matrix (Tm) of the first text in each marked content."""
    import re

    height = float(page.mediabox.height)
    ctm, saved, marked, pending = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], [], None
    found: dict[int, float] = {}
    for line in page.get_contents().get_data().split(b"\n"):
        line = line.strip()
        if line == b"q":
            saved.append(ctm)
        elif line == b"Q":
            ctm = saved.pop()
        elif line.endswith(b" cm"):
            a, b, c, d, e, f = (float(v) for v in line.split()[:6])
            m = ctm
            ctm = (a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2], c * m[1] + d * m[3],
                   e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5])
        elif line.startswith(b"<<") and b"/MCID" in line:
            pending = int(re.search(rb"/MCID (\d+)", line).group(1))
        elif line in (b"BDC", b"BMC"):
            marked.append(pending)
            pending = None
        elif line == b"EMC":
            marked.pop()
        elif line.endswith(b" Tm") and marked and marked[-1] in mcids and marked[-1] not in found:
            x, y = (float(v) for v in line.split()[4:6])
            found[marked[-1]] = (height - (x * ctm[1] + y * ctm[3] + ctm[5])) / height
    return found
