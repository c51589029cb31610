"""Typography per language, as data in _language.yaml: how sentences and list items are joined, the
colon, the quote marks' font, the glossary's order, and no line break inside a Vietnamese syllable."""

from __future__ import annotations

import io
import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from sop_packets.build import BuildOptions, make_packet
from sop_packets.collation import sort_key
from sop_packets.content import language_data, load_content
from sop_packets.glossary import load_glossary
from sop_packets.profile import load_profile
from sop_packets.render import render_html, render_pdf
from sop_packets.visible import visible_units

PROFILES = Path(__file__).parent.parent / "profiles"
DAY = date(2026, 12, 2)
CHINESE = """\
schema_version: 1
patient:
  id: zh-1
  name: 王秀英
  name_latin: Xiuying Wang
  age: 72
  language: {tag}
  comorbidities: [高血压, 糖尿病]
diagnosis:
  cancer_type: melanoma
  stage: IIB
  diagnosed_by: dermatologist
treatment_plan:
  proposed: [wide_local_excision]
  planned_date: 2026-12-20
preferences:
  risk_tolerance: conservative
coordinator_note: |
  王女士您好。请在预约后给我们打电话。
  我们可以帮您向病理科索取玻片。
"""


def html_of(path: Path) -> str:
    html = render_html(make_packet(load_profile(path), BuildOptions(prepared_on=DAY)))
    return re.sub(r'<span class="intl">(.*?)</span>', r"\1", html)


@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> dict[str, str]:
    pages = {}
    for tag in ("zh-Hans", "zh-Hant"):
        path = tmp_path_factory.mktemp(tag) / "p.yaml"
        path.write_text(CHINESE.format(tag=tag), encoding="utf-8")
        pages[tag] = html_of(path)
    return pages


@pytest.mark.parametrize("tag", ["zh-Hans", "zh-Hant"])
def test_chinese_sentences_are_joined_with_no_space_and_lists_with_the_enumeration_comma(chinese, tag):
    units = [unit for unit in visible_units(chinese[tag], tag) if re.search("[\u4e00-\u9fff]", unit)]
    spaced = [unit for unit in units if re.search("[\u3002\uff01\uff1f\uff1a\uff1b][ \u00a0]+[\u4e00-\u9fff]", unit)]
    assert spaced == []
    assert any("高血压、糖尿病" in unit for unit in units)
    assert any("打电话。我们可以" in unit for unit in units)  # a note typed over two lines joins with no space
    assert not any("高血压, 糖尿病" in unit for unit in units)


@pytest.mark.parametrize("tag", ["zh-Hans", "zh-Hant"])
def test_chinese_glossary_terms_and_sources_end_with_the_full_width_colon(chinese, tag):
    terms = re.findall(r'<dt id="term-\d+">([^<]*)</dt>', chinese[tag])
    assert terms and all(term.endswith("：") for term in terms)  # noqa: RUF001
    assert not re.search(r"<li>[^<]*: <cite>", chinese[tag])


def test_simplified_chinese_quotes_come_from_the_chinese_font(chinese):
    html = chinese["zh-Hans"]
    assert '@font-face { font-family: "Packet CJK Quotes SC"' in html
    assert re.search(r'\[lang\|="zh-Hans"\] \{ font-family: "Packet Digits", "Packet CJK Quotes SC", ', html)
    assert "Packet CJK Quotes" not in render_html(make_packet(load_profile(PROFILES / "ex-01-melanoma-primary-care.yaml"),
                                                              BuildOptions(prepared_on=DAY)))


def glossary_terms(language: str) -> list[str]:
    data = language_data(language)
    return [term.term for term in load_glossary(load_content(language), data["glossary"], data["collation"])]


def test_simplified_chinese_glossary_is_in_pinyin_order_latin_first():
    terms = glossary_terms("zh-Hans")
    assert terms.index("Breslow 厚度") < terms.index("靶向治疗") < terms.index("病理") < terms.index("黑色素瘤") \
        < terms.index("淋巴结") < terms.index("预先授权")


def test_traditional_chinese_glossary_is_in_zhuyin_order():
    terms = glossary_terms("zh-Hant")
    # 玻 ㄅㄛ, 標 ㄅㄧㄠ, 病 ㄅㄧㄥ, 皮 ㄆㄧ, 莫 ㄇㄛ: the zhuyin order ㄅ ㄆ ㄇ, then the finals
    assert terms.index("玻片") < terms.index("標靶治療") < terms.index("病理") < terms.index("皮膚科醫師") \
        < terms.index("莫氏手術")


def test_vietnamese_glossary_follows_the_vietnamese_alphabet():
    terms = glossary_terms("vi")
    assert terms.index("di căn") < terms.index("độ dày Breslow") < terms.index("giai đoạn")
    assert terms.index("bờ") < terms.index("BRAF")  # ơ comes before r in the alphabet
    key = sort_key("vietnamese")
    assert sorted(["ư", "u", "v", "ơ", "o", "ô", "p"], key=key) == ["o", "ô", "ơ", "p", "u", "ư", "v"]
    assert sorted(["má", "ma", "mà", "mạ"], key=key) == ["ma", "mà", "má", "mạ"]


def test_an_unknown_collation_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="plain, vietnamese, pinyin, zhuyin"):
        sort_key("stroke")


def test_no_vietnamese_syllable_is_split_across_lines_in_the_glossary(tmp_path):
    """A standard-print Vietnamese packet with a long glossary (the review's V1: stage III melanoma on
    immunotherapy). Joining a line's last word to the next line's first gives a word of the page that
    neither half is: that is a break inside a syllable ("kính hi|ển vi")."""
    from pypdf import PdfReader

    source = (PROFILES / "ex-33-scc-scalp-vi.yaml").read_text(encoding="utf-8")
    source = source.replace("large_print: true", "large_print: false")
    path = tmp_path / "p.yaml"
    path.write_text(source, encoding="utf-8")
    html = render_html(make_packet(load_profile(path), BuildOptions(prepared_on=DAY)))
    words = {word for unit in visible_units(html, "vi") for word in re.findall(r"\w+", unit)}
    pdf = PdfReader(io.BytesIO(render_pdf(html)))
    split = []
    for page in pdf.pages:
        lines = [line.split() for line in page.extract_text().splitlines() if line.split()]
        for above, below in itertools.pairwise(lines):
            end, start = re.sub(r"\W+$", "", above[-1]), re.sub(r"^\W+", "", below[0])
            if end and start and end + start in words and end not in words and start not in words:
                split.append(f"{end}|{start}")
    assert split == []
    assert ".intl { overflow-wrap: normal; }" in html


@pytest.mark.parametrize("tag", ["zh-Hans", "zh-Hant"])
def test_a_chinese_child_packet_has_no_space_after_a_full_stop(tag):
    """The template's own joins (the letter's parent line, the urgency box's date line) use the sentence
    joiner: a child's packet in Chinese had "交到那个诊所。 在“Parent or guardian”…"."""
    html = render_html(make_packet(load_profile(PROFILES / "ex-17-melanoma-child-es.yaml"),
                                   BuildOptions(prepared_on=DAY, language=tag)))
    html = re.sub(r'<span class="intl">(.*?)</span>', r"\1", html)
    units = visible_units(html, tag)
    assert any("Parent or guardian" in unit for unit in units)
    assert [unit for unit in units if re.search("[\u3002\uff01\uff1f][ \u00a0]+[\u4e00-\u9fff\u201c\u300c]", unit)] == []
