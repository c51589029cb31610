"""The Chinese packets keep the terms of the native review (issue 27): words that send a patient to the
wrong place, weaken the main instruction, or are a Mainland word or conversion slip in Taiwan text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sop_packets.content import load_content

BANNED = {
    "both": {
        "化验室": "the pathology lab is 病理科; 化验室 is the blood-test lab",
        "化驗室": "the pathology lab is 病理科; 化驗室 is the blood-test lab",
        "化验报告": "a pathology report is 病理报告",
        "化驗報告": "a pathology report is 病理報告",
        "保留您的治疗日期": "'keep your treatment date' means go on that date (按原定日期)",
        "保留治疗日期": "'keep your treatment date' means go on that date (按原定日期)",
        "保留您的治療日期": "'keep your treatment date' means go on that date (按原定日期)",
        "保留治療日期": "'keep your treatment date' means go on that date (按原定日期)",
        "中文服务": "NCI's Cancer Information Service serves English and Spanish only",
        "中文服務": "NCI's Cancer Information Service serves English and Spanish only",
        "财务顾问": "a hospital financial counselor is not an investment adviser",
        "財務顧問": "a hospital financial counselor is not an investment adviser",
        "用正楷": "a US office needs the name in Latin letters, as on the insurance card",
        "该去看谁": "no section has this title",
        "两三周": "'a couple of weeks' is about two (几天到两周)",
        "兩三週": "'a couple of weeks' is about two (幾天到兩週)",
        "該去看誰": "no section has this title",
        "癌细胞最先会到达": "the sentinel node is where cancer would go first, if it spreads (如果扩散)",
        "癌細胞最先會到達": "the sentinel node is where cancer would go first, if it spreads (如果擴散)",
        "诊断来自": "'came from' is a calque: say who made the diagnosis (做出诊断的是)",
        "診斷來自": "'came from' is a calque: say who made the diagnosis (做出診斷的是)",
        "判断来自": "'came from' is a calque (第一次看样本的是)",
        "判斷來自": "'came from' is a calque (第一次看檢體的是)",
        "几天内去问": "'get a second opinion within days' is 拿到, not 去问 (m1: 问第二意见 is a calque)",
        "幾天內去問": "'get a second opinion within days' is 拿到, not 去問 (m1: 問第二意見 is a calque)",
    },
    "zh-Hant": {
        "醫生": "Taiwan writes 醫師",
        "網路": "網路 is the internet; an insurance network is 特約 (in-network: 特約醫師、特約診所)",
        "網絡內": "Taiwan says 特約 for in-network (網絡 is not Taiwan usage)",
        "保險網絡": "Taiwan says 特約醫師 for a plan's network",
        "監獄": "a jail or prison is 監所 (Taiwan's word for both)",
        "影片": "a video visit is 視訊看診 (影片 is a film)",
        "通過": "Taiwan writes 透過",
        "隻有": "conversion slip for 只有",
        "明瞭": "conversion slip for 明了",
        "綜合徵": "Taiwan writes 症候群",
        "生活質量": "Taiwan writes 生活品質",
        "報銷": "Taiwan writes 給付",
        "出院小結": "Taiwan writes 出院病歷摘要",
        "病毒載量": "Taiwan writes 病毒量",
        "免疫缺陷病毒": "Taiwan writes 人類免疫缺乏病毒",
        "儘": "Taiwan's standard form is 盡 (盡快, 盡量)",
        "計劃": "Taiwan's noun is 計畫",
        "影印件": "Taiwan writes 影本",
        "毫米": "Taiwan writes 公釐",
        "支援": "支援 is sending help; Taiwan writes 支持",
        "專案": "a help program is 補助方案",
        "核磁共振": "Taiwan's term is 磁振造影",
    },
}


def strings(node, path=""):
    """Every (key path, text) of a content tree."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_no_term_the_native_review_ruled_out(language):
    banned = {**BANNED["both"], **BANNED.get(language, {})}
    found = [f"{path}: {word} ({why})" for path, text in strings(load_content(language))
             if ".aliases[" not in path  # glossary aliases keep other spellings on purpose (a clinic's 醫生)
             for word, why in banned.items() if word in text]
    assert found == []


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_a_growth_of_unknown_kind_is_not_called_a_lump(language):
    """m14: a growth whose type is still uncertain is 皮肤上长的东西, not 肿块 (a lump, alarming)."""
    words = load_content(language)["words"]
    texts = [words["cancer_types"]["uncertain"]["name"], words["experts_know"]["uncertain"]]
    assert all("肿块" not in text and "腫塊" not in text for text in texts), texts


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_the_nci_line_is_given_in_digits(language):
    texts = [text for _path, text in strings(load_content(language)["specialists"]) if "1-800-4-CANCER" in text]
    assert texts
    for text in texts:
        assert text.count("1-800-4-CANCER") == text.count("1-800-4-CANCER（1-800-422-6237）"), text  # noqa: RUF001


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_page_one_names_the_real_section_title(language):
    content = load_content(language)
    title = content["sections"]["specialists"]["title"]
    texts = [text for _path, text in strings(content["next_steps"]) if re.search(r"[“「]", text)]
    assert any(title in text for text in texts)  # book_visit names the doctors' section
    for text in texts:
        assert re.findall(r"[“「](.+?)[”」]", text) == [title], text


def clinic_texts(node, tag, path=""):
    """The example clinic's texts in one language (clinic.yaml gives them per language tag)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == tag and isinstance(value, str):
                yield path, value
            else:
                yield from clinic_texts(value, tag, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from clinic_texts(value, tag, f"{path}[{i}]")


@pytest.mark.parametrize("language", ["zh-Hans", "zh-Hant"])
def test_the_example_clinic_keeps_the_terms_too(language):
    """The example clinic's referral texts print in every packet's table: 醫生 had stayed in zh-Hant."""
    clinic = yaml.safe_load((Path(__file__).parent.parent / "templates" / "clinic" / "clinic.yaml").read_text("utf-8"))
    banned = {**BANNED["both"], **BANNED.get(language, {})}
    texts = list(clinic_texts(clinic, language))
    assert texts
    assert [f"{path}: {word}" for path, text in texts for word in banned if word in text] == []


def test_a_lettered_number_gets_its_digits_once_whatever_the_brackets():
    from sop_packets.calls import with_digits

    letters, digits = '<span class="nowrap">1-800-4-CANCER</span>', '<span class="nowrap">1-800-422-6237</span>'
    chinese = "<body>拨打 1-800-4-CANCER\uff081-800-422-6237\uff09\u3002"  # full-width brackets
    assert with_digits(chinese) == f"<body>拨打 {letters}\uff08{digits}\uff09\u3002"
    assert with_digits("<body>call 1-800-4-CANCER (1-800-422-6237).") == f"<body>call {letters} ({digits})."
    assert with_digits("<body>call 1-800-4-CANCER.") == f"<body>call {letters} ({digits})."
    for page in (chinese, "<body>call 1-800-4-CANCER.", "<body>al 1-800-422-6237 (1-800-4-CANCER)"):
        assert with_digits(with_digits(page)) == with_digits(page)
