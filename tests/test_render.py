"""Rendering: a real PDF with the right text and metadata; hostile text escaped and never fetched."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from sop_packets.build import BuildOptions, build_file
from sop_packets.errors import BuildError
from sop_packets.output import output_path, write_atomic
from sop_packets.render import markdown, url_fetcher


def pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_end_to_end_pdf_has_name_summary_and_headings(minimal, tmp_path):
    path = minimal(patient_name="Rosalind Example", extra="  body_site: back\n")
    result = build_file(path, BuildOptions(out_dir=tmp_path))
    assert [p.name for p in result.outputs] == ["p-1.html", "p-1.pdf"]
    text = pdf_text(tmp_path / "p-1.pdf")
    assert "Rosalind Example" in text
    assert "Your situation at a glance" in text
    assert "The doctor found melanoma" in text
    assert "It is on the back." in text
    assert "The diagnosis came from your family doctor." in text
    reader = PdfReader(tmp_path / "p-1.pdf")
    assert reader.metadata.title == "Second-opinion guide · Riverbend Skin Health Center"  # no patient name
    assert reader.metadata.author == "Riverbend Skin Health Center"  # the example clinic
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_hostile_name_is_escaped_and_nothing_is_fetched(minimal, tmp_path, monkeypatch):
    hostile = '"<script>alert(1)</script> <img src=\'file:///etc/passwd\'>"'
    path = minimal(patient_name=hostile, extra='coordinator_note: "<b>x</b> ![p](http://example.com/a.png)"\n')
    fetched: list[str] = []
    import weasyprint.urls

    original = weasyprint.urls.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(weasyprint.urls.URLFetcher, "fetch", spy)
    build_file(path, BuildOptions(out_dir=tmp_path))
    html = (tmp_path / "p-1.html").read_text()
    assert "<script>" not in html and "<b>x" not in html
    # the clinic logo, and the packet's drawings (skin layers, care path): every image is embedded data
    assert html.count("<img") == 1 + html.count('<img class="drawing-image" src="data:image/svg+xml;base64,')
    assert '<img class="logo" src="data:' in html and html.count('<img class="drawing-image"') >= 2
    assert "&lt;img src=&#39;file:///etc/passwd&#39;&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert fetched and all(url.startswith(("file:", "data:image/svg+xml")) for url in fetched)
    assert not [url for url in fetched if "passwd" in url or "example.com" in url]
    assert "<script>alert(1)</script>" in pdf_text(tmp_path / "p-1.pdf")


@pytest.mark.parametrize("url", ["http://example.com/x.png", "https://example.com/x.css",
                                 "file:///etc/passwd", "ftp://example.com/x"])
def test_fetcher_refuses_anything_outside_the_project(url):
    with pytest.raises(ValueError):
        url_fetcher().fetch(url)


def test_fetcher_serves_project_assets_and_data_urls():
    from sop_packets.content import template_dir

    assert url_fetcher().fetch((template_dir() / "packet.css").as_uri()).read().startswith(b"/*")
    assert url_fetcher().fetch("data:text/plain,hi").read() == b"hi"


def test_markdown_never_passes_raw_html():
    assert str(markdown("a <script>x</script>")) == "<p>a &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert "<img" not in str(markdown("![a](http://example.com/a.png)"))
    for text in ("[a](http://example.com)", "<http://example.com>", "[a](javascript:alert(1))"):
        assert "href" not in str(markdown(text)), text


def test_html_is_self_contained(minimal, tmp_path):
    build_file(minimal(), BuildOptions(out_dir=tmp_path, format="html"))
    html = (tmp_path / "p-1.html").read_text()
    assert "<style>" in html and "@page" in html
    assert "<link" not in html
    sources = re.findall(r'src="([a-z]+):', html)  # the embedded logo and drawings
    assert len(sources) >= 3 and set(sources) == {"data"}


@pytest.mark.parametrize("bad_id", ["..", "../x", "a/b", "", "x" * 65])
def test_output_path_never_leaves_the_folder(tmp_path, bad_id):
    with pytest.raises(BuildError):
        output_path(tmp_path, bad_id, ".pdf")


def test_atomic_write_replaces_whole_file_and_is_private(tmp_path):
    target = tmp_path / "a.pdf"
    write_atomic(target, b"old")
    write_atomic(target, b"new content")
    assert target.read_bytes() == b"new content"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


def test_unwritable_output_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(BuildError, match=r"cannot write to .*a-file/out: Not a directory"):
        write_atomic(blocker / "out" / "a.pdf", b"x")


def test_pdf_bytes_parse(minimal, tmp_path):
    build_file(minimal(), BuildOptions(out_dir=tmp_path, format="pdf"))
    data = (tmp_path / "p-1.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 1


def test_trimmed_user_agent_stylesheet_is_used_and_changes_no_byte(monkeypatch):
    """The packet's copy of WeasyPrint's user-agent stylesheet (no footnote or note styles, markers only
    on list items) saves CPU; the PDF must come out byte for byte as with the stock stylesheet."""
    import datetime

    import weasyprint

    from sop_packets import pdf, render
    from sop_packets.build import make_packet
    from sop_packets.profile import load_profile

    assert pdf._packet_html_class() is not weasyprint.HTML  # the trim still applies to this WeasyPrint
    root = Path(__file__).parent.parent
    profile = load_profile(root / "profiles" / "ex-05-melanoma-stage-iii-pregnant.yaml")
    html = render.render_html(make_packet(profile, BuildOptions(prepared_on=datetime.date(2026, 11, 25))))
    assert "<ul" in html and "<ol" in html  # list markers are drawn from the trimmed stylesheet
    trimmed = render.render_pdf(html)
    monkeypatch.setattr(pdf, "_packet_html_class", lambda: weasyprint.HTML)
    assert render.render_pdf(html) == trimmed


def test_fewer_collections_raises_the_gc_threshold_and_restores_it_even_on_error():
    import gc

    from sop_packets.render import GC_YOUNG_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], GC_YOUNG_THRESHOLD)
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a packet failed")
    assert gc.get_threshold() == before


def test_dropping_screen_reader_words_before_weasyprint_changes_no_byte(monkeypatch):
    """They are display: none in print; dropping them early only saves styling work."""
    import datetime

    from sop_packets import pdf, render
    from sop_packets.build import make_packet
    from sop_packets.profile import load_profile

    root = Path(__file__).parent.parent
    profile = load_profile(root / "profiles" / "ex-10-child-atypical-melanocytic.yaml")
    html = render.render_html(make_packet(profile, BuildOptions(prepared_on=datetime.date(2026, 11, 25))))
    assert len(pdf.PRINT_HIDDEN.findall(html)) >= 20  # the tracker's column names, the letter's blanks
    dropped = render.render_pdf(html)
    monkeypatch.setattr(pdf, "PRINT_HIDDEN", re.compile(r"(?!)"))
    assert render.render_pdf(html) == dropped
