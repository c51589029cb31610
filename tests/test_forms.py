"""Printed forms hold together, read from the PDF page by page: standard and large print, Letter and A4."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.content import load_content, template_dir

PROFILES = Path(__file__).parent.parent / "profiles"
DAY = date(2026, 11, 25)
TOOLS = load_content()["tools"]
TITLES = {name: TOOLS[name]["title"] for name in ("letter", "summary", "tracker", "worksheet")}
ENDS = (TOOLS["glossary"]["title"], TOOLS["sources"]["title"])  # what follows the worksheet
CONFIGS = ("standard-letter", "large-letter", "standard-a4", "large-a4")


@pytest.fixture(scope="module")
def packets(tmp_path_factory) -> dict[str, Path]:
    """Every example packet in every print configuration, as PDF."""
    base = tmp_path_factory.mktemp("forms")
    clinic = base / "a4-clinic"
    shutil.copytree(template_dir() / "clinic", clinic)
    conf = clinic / "clinic.yaml"
    conf.write_text(re.sub(r"(?m)^paper_size: \w+", "paper_size: a4", conf.read_text()))
    folders = {}
    for config in CONFIGS:
        out = base / config
        # In English, so the tools are found by their English titles (Spanish packets: tests/test_language.py).
        options = BuildOptions(out_dir=out, format="pdf", prepared_on=DAY, large_print=config.startswith("large"),
                               clinic=conf if config.endswith("a4") else None, language="en")
        report = run_batch([PROFILES], options, jobs=2)
        assert not report.failed, report.summary()
        folders[config] = out
    return folders


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
    """A page's lines without the running header and the page number."""
    lines = [" ".join(line.split()) for line in page.extract_text().splitlines() if line.strip()]
    return [line for line in lines if not re.fullmatch(r"Page \d+ of \d+", line) and "Confidential" not in line]


def tool_pages(reader: PdfReader) -> dict[str, range]:
    """The pages of each tool: from its heading's page to the page before the next tool or the glossary."""
    marks = {title: page for _, title, page in bookmarks(reader)}
    starts = sorted({marks[title] for title in (*TITLES.values(), *ENDS) if title in marks})
    pages = {}
    for name, title in TITLES.items():
        start = marks[title]
        end = next((s for s in starts if s > start), len(reader.pages))
        pages[name] = range(start, end)
    return pages


def each_packet(packets):
    for config, folder in packets.items():
        for pdf in sorted(folder.glob("*.pdf")):
            yield config, pdf.stem, PdfReader(pdf)


def test_each_tool_starts_a_new_page(packets):
    for config, name, reader in each_packet(packets):
        pages = tool_pages(reader)
        for tool, span in pages.items():
            text = " ".join(body(reader.pages[span.start]))
            assert TITLES[tool] in text, (config, name, tool)
            before = " ".join(body(reader.pages[span.start - 1]))
            assert TITLES[tool] not in before, (config, name, tool)


def test_letter_and_case_summary_fit_one_page_in_standard_print(packets):
    for config, name, reader in each_packet(packets):
        asks_for_large_print = "large_print: true" in (PROFILES / f"{name}.yaml").read_text(encoding="utf-8")
        if config.startswith("standard") and not asks_for_large_print:  # e.g. ex-03 and ex-18 print large
            pages = tool_pages(reader)
            assert len(pages["letter"]) == 1, (config, name)
            assert len(pages["summary"]) == 1, (config, name)


def test_no_signature_block_last_row_or_heading_alone_on_a_page(packets):
    for config, name, reader in each_packet(packets):
        pages = tool_pages(reader)
        assert len(pages["tracker"]) == 1, (config, name)  # the tracker's rows stay on one page
        signed = [i for i in pages["letter"] if "Printed name" in " ".join(body(reader.pages[i]))]
        assert len(signed) == 1, (config, name)
        signature_page = " ".join(body(reader.pages[signed[0]]))
        assert "Please send them to" in signature_page and "Thank you" in signature_page, (config, name)
        worksheet = TOOLS["worksheet"]
        decided = [i for i in pages["worksheet"] if worksheet["decision"] in body(reader.pages[i])]
        assert len(decided) == 1, (config, name)
        decision_page = " ".join(body(reader.pages[decided[0]]))
        last_group = worksheet["groups"][-1]
        assert last_group["title"] in decision_page and last_group["prompts"][-1] in decision_page, (config, name)
        assert worksheet["reason"] in decision_page
        last_summary_page = " ".join(body(reader.pages[pages["summary"][-1]]))
        assert len(pages["summary"]) == 1 or last_summary_page.count("?") >= 2, (config, name)


def test_no_heading_ends_a_page(packets):
    for config, name, reader in each_packet(packets):
        headings = {title for depth, title, _ in bookmarks(reader) if depth > 0}
        # The worksheet's last heading is followed by writing lines (no text), on the same page: the
        # whole decision block is one unbreakable box, checked above.
        headings.discard(TOOLS["worksheet"]["reason"])
        for number, page in enumerate(reader.pages):
            lines = body(page)
            if not lines or TOOLS["contents_title"] in lines:
                continue  # the contents page lists the headings
            assert lines[-1] not in headings, (config, name, number + 1, lines[-1])
