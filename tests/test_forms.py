"""Printed forms hold together, read from the PDF page by page: standard and large print, Letter and A4, every
example and international fixture in its own language (the `printed` fixture of conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from sop_packets.content import available_languages, load_content, packet_language

PROFILES = Path(__file__).parent.parent / "profiles"


UI = [load_content(language)["ui"] for language in available_languages()]
FOOTER = re.compile("|".join(
    re.escape(" ".join(ui["page_of"].split())).replace(r"\{page\}", r"\s*\d+\s*").replace(r"\{pages\}", r"\s*\d+")
    .replace(r"\ ", r"\s*") for ui in UI))
SECRET = {ui["confidential"] for ui in UI}
"""Each language's running footer: its page counter and its word for confidential."""


def tools_of(reader: PdfReader) -> dict:
    """The tools' words in the packet's own language (the PDF's /Lang)."""
    return load_content(packet_language(str(reader.trailer["/Root"].get("/Lang", "en"))))["tools"]


def titles_of(reader: PdfReader) -> dict[str, str]:
    tools = tools_of(reader)
    return {name: tools[name]["title"] for name in ("letter", "summary", "tracker", "worksheet")}


def bookmarks(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every PDF bookmark, in document order."""
    found = []

    def walk(entries, depth):
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, depth + 1)
            else:
                found.append((depth, entry.title, reader.get_destination_page_number(entry)))

    walk(reader.outline, 0)
    return found


def body(page) -> list[str]:
    """A page's lines without the running footer (name, "Confidential", the page number)."""
    lines = [" ".join(line.split()) for line in page.extract_text().splitlines() if line.strip()]
    return [line for line in lines if not FOOTER.search(line) and not any(word in line for word in SECRET)]


def tool_pages(reader: PdfReader) -> dict[str, range]:
    """The pages of each tool: from its heading's page to the page before the next tool (the worksheet is
    last: to the end)."""
    marks = {title: page for _, title, page in bookmarks(reader)}
    titles = titles_of(reader)
    starts = sorted({marks[title] for title in titles.values() if title in marks})
    pages = {}
    for name, title in titles.items():
        start = marks[title]
        end = next((s for s in starts if s > start), len(reader.pages))
        pages[name] = range(start, end)
    return pages


def each_packet(printed):
    for config, (folder, _) in printed.items():
        for pdf in sorted(folder.glob("*.pdf")):
            yield config, pdf.stem, PdfReader(pdf)


def test_each_tool_starts_a_new_page(printed):
    for config, name, reader in each_packet(printed):
        pages, titles = tool_pages(reader), titles_of(reader)
        for tool, span in pages.items():
            text = " ".join(body(reader.pages[span.start]))
            assert titles[tool] in text, (config, name, tool)
            before = " ".join(body(reader.pages[span.start - 1]))
            assert titles[tool] not in before, (config, name, tool)


def test_letter_and_case_summary_fit_one_page_in_standard_print(printed):
    for config, name, reader in each_packet(printed):
        source = PROFILES / f"{name}.yaml"
        asks_for_large_print = source.is_file() and "large_print: true" in source.read_text(encoding="utf-8")
        if config.startswith("standard") and not asks_for_large_print:  # e.g. ex-03 and ex-18 print large
            pages = tool_pages(reader)
            assert len(pages["letter"]) == 1, (config, name)
            assert len(pages["summary"]) == 1, (config, name)


def test_no_signature_block_last_row_or_heading_alone_on_a_page(printed):
    for config, name, reader in each_packet(printed):
        pages = tool_pages(reader)
        assert len(pages["tracker"]) == 1, (config, name)  # the tracker's rows stay on one page
        # The fill-in label itself (a Spanish packet's instructions also name «Printed name»).
        signed = [i for i in pages["letter"] if any(line.startswith(("Signature", "Printed name"))
                                                    for line in body(reader.pages[i]))]
        assert len(signed) == 1, (config, name)
        signature_page = " ".join(body(reader.pages[signed[0]]))
        assert "Please send them to" in signature_page and "Thank you" in signature_page, (config, name)
        worksheet = tools_of(reader)["worksheet"]
        decided = [i for i in pages["worksheet"] if worksheet["decision"] in body(reader.pages[i])]
        assert len(decided) == 1, (config, name)
        decision_page = " ".join(body(reader.pages[decided[0]]))
        last_group = worksheet["groups"][-1]
        assert last_group["title"] in decision_page and last_group["prompts"][-1] in decision_page, (config, name)
        assert worksheet["reason"] in decision_page
        last_summary_page = " ".join(body(reader.pages[pages["summary"][-1]]))
        assert len(pages["summary"]) == 1 or last_summary_page.count("?") >= 2, (config, name)


def test_no_heading_ends_a_page(printed):
    for config, name, reader in each_packet(printed):
        headings = {title for depth, title, _ in bookmarks(reader) if depth > 0}
        # The worksheet's last heading is followed by writing lines (no text), on the same page: the
        # whole decision block is one unbreakable box, checked above.
        tools = tools_of(reader)
        headings.discard(tools["worksheet"]["reason"])
        for number, page in enumerate(reader.pages):
            lines = body(page)
            if not lines or tools["contents_title"] in lines:
                continue  # the contents page lists the headings
            assert lines[-1] not in headings, (config, name, number + 1, lines[-1])
