"""The Vietnamese packets keep the terms of the native review (issue 27, vi-REVIEW.md): words that read
as a benign growth, a certain spread, a cosmetic operation or a red mole, and calques the review ruled
out. Glossary aliases keep other spellings on purpose (a patient may look up "u hắc tố")."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from test_chinese_terms import clinic_texts, strings

from sop_packets.content import load_content

BANNED = {
    # M1: "u" alone is any tumour, benign or not; hospitals say "ung thư hắc tố" (or "u hắc tố ác tính")
    r"(?<!ung thư )\bu hắc tố\b(?! ác tính)": "melanoma is 'ung thư hắc tố'",
    # M2: the sentinel node is where the cancer would go first, if it spreads
    r"ung thư sẽ lan tới": "the sentinel node is where cancer 'có thể lan tới' (would reach), not 'sẽ' (will)",
    r"nốt ruồi son": "a red 'lucky' mole to a lay reader; lentigo maligna is a flat brown patch",  # M4
    r"phẫu thuật thẩm mỹ": "repair after cancer surgery is 'tạo hình', not cosmetic surgery",  # M5
    r"vài ngày đến vài tuần": "'a couple of weeks' is two weeks (vài ngày đến hai tuần)",  # M3
    r"\bkhối mô\b": "pathology blocks are 'khối nến'",  # M7
    r"có thông dịch viên\)": "NCI's line answers in English and Spanish only",  # M10
    r"đến từ": "'came from' is a calque: say who made the diagnosis",  # m5
    r"\bquang ly trích\b": "not an established term; keep 'photopheresis' with a gloss",  # m16
    r"Hỏi như vậy là an toàn": "'asking is safe' calque; say it is normal and does not affect treatment",  # m2
    r"theo (?:một )?cách mới": "'feel sick in a new way' calque; say 'thấy trong người khác lạ'",  # m3
}


def test_no_term_the_native_review_ruled_out():
    found = [f"{path}: {pattern} ({why})" for path, text in strings(load_content("vi"))
             if ".aliases[" not in path
             for pattern, why in BANNED.items() if re.search(pattern, text)]
    assert found == []


def test_the_ruled_out_terms_are_caught():
    """The patterns find the review's own examples (so an empty result above means something)."""
    examples = ["Bác sĩ đã tìm thấy u hắc tố.", "hạch bạch huyết đầu tiên mà ung thư sẽ lan tới",
                "Chẩn đoán đến từ bác sĩ.", "Tiêu bản và khối mô sinh thiết"]
    for example in examples:
        assert any(re.search(pattern, example) for pattern in BANNED), example
    assert not any(re.search(pattern, "ung thư hắc tố; u hắc tố ác tính") for pattern in BANNED)


def test_the_example_clinic_keeps_the_terms_too():
    """The example clinic's referral texts print in every packet's table ('Chuyên gia u hắc tố' had stayed)."""
    clinic = yaml.safe_load((Path(__file__).parent.parent / "templates" / "clinic" / "clinic.yaml").read_text("utf-8"))
    texts = list(clinic_texts(clinic, "vi"))
    assert texts
    assert [f"{path}: {pattern}" for path, text in texts for pattern in BANNED if re.search(pattern, text)] == []


def test_vietnamese_quotes_are_typographic():
    """Vietnamese print quotes a name in “ ” (as the say-in-English marker already does), not ASCII "."""
    straight = [path for path, text in strings(load_content("vi")) if '"' in text]
    assert straight == []
