"""Printed forms hold together, read from the PDF page by page: standard and large print, Letter and A4, every
example and international fixture in its own language (the `printed` fixture of conftest.py, read once
per session through `pdf_text`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sop_packets.content import available_languages, load_content, packet_language

PROFILES = Path(__file__).parent.parent / "profiles"


UI = [load_content(language)["ui"] for language in available_languages()]
FOOTER = re.compile("|".join(
    re.escape(" ".join(ui["page_of"].split())).replace(r"\{page\}", r"\s*\d+\s*").replace(r"\{pages\}", r"\s*\d+")
    .replace(r"\ ", r"\s*") for ui in UI))
SECRET = {ui["confidential"] for ui in UI}
"""Each language's running footer: its page counter and its word for confidential."""


def tools_of(pdf) -> dict:
    """The tools' words in the packet's own language (the PDF's /Lang)."""
    return load_content(packet_language(pdf.lang))["tools"]


def titles_of(pdf) -> dict[str, str]:
    """The sheets that each start a page: the question sheet (the questions, then the tracker), the
    letter, the case summary and the worksheet."""
    tools = tools_of(pdf)
    questions = load_content(packet_language(pdf.lang))["sections"]["questions"]["title"]
    return {"questions": questions} | {name: tools[name]["title"] for name in ("letter", "summary", "worksheet")}


def bookmarks(pdf) -> tuple[tuple[int, str, int], ...]:
    """(depth, title, page index) of every PDF bookmark, in document order."""
    return pdf.bookmarks


def body(text: str) -> list[str]:
    """A page's lines without the running footer (name, "Confidential", the page number)."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    return [line for line in lines if not FOOTER.search(line) and not any(word in line for word in SECRET)]


def tool_pages(pdf) -> dict[str, range]:
    """The pages of each tool: from its heading's page to the page before the next tool (the worksheet is
    last: to the end)."""
    marks = {title: page for _, title, page in bookmarks(pdf)}
    titles = titles_of(pdf)
    starts = sorted({marks[title] for title in titles.values() if title in marks})
    pages = {}
    for name, title in titles.items():
        start = marks[title]
        end = next((s for s in starts if s > start), len(pdf.texts))
        pages[name] = range(start, end)
    return pages


@pytest.fixture(scope="module")
def each_packet(printed, pdf_text):
    """(config, name, PdfText) of every PDF of the shared build."""
    return [(config, path.stem, pdf_text(path)) for config, (folder, _) in printed.items()
            for path in sorted(folder.glob("*.pdf"))]


def test_each_tool_starts_a_new_page(each_packet):
    for config, name, pdf in each_packet:
        pages, titles = tool_pages(pdf), titles_of(pdf)
        for tool, span in pages.items():
            text = " ".join(body(pdf.texts[span.start]))
            assert titles[tool] in text, (config, name, tool)
            before = " ".join(body(pdf.texts[span.start - 1]))
            assert titles[tool] not in before, (config, name, tool)


def test_letter_and_case_summary_fit_one_page_in_standard_print(each_packet):
    for config, name, pdf in each_packet:
        source = PROFILES / f"{name}.yaml"
        asks_for_large_print = source.is_file() and "large_print: true" in source.read_text(encoding="utf-8")
        if config.startswith("standard") and not asks_for_large_print:  # e.g. ex-03 and ex-18 print large
            pages = tool_pages(pdf)
            assert len(pages["letter"]) == 1, (config, name)
            assert len(pages["summary"]) == 1, (config, name)


def test_no_signature_block_last_row_or_heading_alone_on_a_page(each_packet):
    for config, name, pdf in each_packet:
        pages = tool_pages(pdf)
        tracker = [i for i in range(len(pdf.texts)) if tools_of(pdf)["tracker"]["title"] in body(pdf.texts[i])]
        # the tracker shares the visit sheet after the question sheet (two pages of questions in large print),
        # or, where the other questions fill that sheet, ends the part before the question sheet
        assert len(tracker) == 1, (config, name, tracker)
        assert tracker[0] in pages["questions"][1:] or tracker[0] < pages["questions"].start, (config, name, tracker)
        # The fill-in label itself (a Spanish packet's instructions also name «Printed name»).
        signed = [i for i in pages["letter"] if any(line.startswith(("Signature", "Printed name"))
                                                    for line in body(pdf.texts[i]))]
        assert len(signed) == 1, (config, name)
        signature_page = " ".join(body(pdf.texts[signed[0]]))
        assert "Please send them to" in signature_page and "Thank you" in signature_page, (config, name)
        worksheet = tools_of(pdf)["worksheet"]
        decided = [i for i in pages["worksheet"] if worksheet["decision"] in body(pdf.texts[i])]
        assert len(decided) == 1, (config, name)
        decision_page = " ".join(body(pdf.texts[decided[0]]))
        last_group = worksheet["groups"][-1]
        assert last_group["title"] in decision_page and last_group["prompts"][-1] in decision_page, (config, name)
        assert worksheet["reason"] in decision_page
        last_summary_page = " ".join(body(pdf.texts[pages["summary"][-1]]))
        assert len(pages["summary"]) == 1 or last_summary_page.count("?") >= 2, (config, name)


def test_no_heading_ends_a_page(each_packet):
    for config, name, pdf in each_packet:
        headings = {title for depth, title, _ in bookmarks(pdf) if depth > 0}
        # The worksheet's last heading is followed by writing lines (no text), on the same page: the
        # whole decision block is one unbreakable box, checked above.
        tools = tools_of(pdf)
        headings.discard(tools["worksheet"]["reason"])
        for number, page in enumerate(pdf.texts):
            lines = body(page)
            if not lines or tools["contents_title"] in lines:
                continue  # the contents page lists the headings
            assert lines[-1] not in headings, (config, name, number + 1, lines[-1])
