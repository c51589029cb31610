"""A content text that names a section or tool in quote marks names its real title in that language."""

from __future__ import annotations

import copy

import pytest

from sop_packets.content import available_languages, load_content, marked_english, quoted_names
from sop_packets.lint.references import quoted, reference_problems


def problems(language: str, content=None):
    english = {phrase for _, phrase in marked_english(language)}
    return reference_problems(content or load_content(language), load_content("en"), english,
                              quoted_names(language))


@pytest.mark.parametrize("language", available_languages())
def test_every_quoted_name_is_a_real_title_of_the_language(language):
    assert problems(language) == []


def test_a_wrong_section_name_is_found():
    content = copy.deepcopy(load_content("es"))
    content["next_steps"]["book_visit"]["text"] = 'Llame a uno de los médicos de "A quién ver".'
    assert problems("es", content) == [("next_steps.book_visit.text", "A quién ver")]


def test_quotes_of_every_kind_are_read():
    assert quoted('See "Who to see", “可以找哪些医生”, 「可以找哪些醫生」 and «A quién consultar».') == [
        "Who to see", "可以找哪些医生", "可以找哪些醫生", "A quién consultar"]
