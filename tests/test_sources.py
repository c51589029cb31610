"""Sources that say what they are cited for: docs/sources.md, support lines, no misattribution by case."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_clinical_rules import packet_text
from test_guidance import MELANOMA, TODAY, guidance, profile_with

from sop_packets.cli import cli
from sop_packets.content import load_content
from sop_packets.guidance import RULES, build_guidance, every_source
from sop_packets.rules_table import source_citations, source_problems

ROOT = Path(__file__).parent.parent
EN, ES = load_content("en"), load_content("es")


def test_docs_sources_is_the_generated_page():
    result = CliRunner().invoke(cli, ["rules", "--sources"])
    assert result.exit_code == 0
    assert result.output == (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    for key, source in EN["sources"].items():
        assert f"## {key}" in result.output and source["title"] in result.output and source["url"] in result.output


def test_every_citation_has_a_support_line_and_every_source_is_used():
    assert source_problems(EN) == []
    assert all(source_citations(EN).values())


def test_a_missing_support_line_or_an_unused_source_is_found():
    content = copy.deepcopy(EN)
    content["questions"]["scc_adjuvant"]["sources"] = ["nccn_scc", "nccn_merkel"]  # no line says why
    content["sources"]["spare"] = {"organization": "X", "title": "Y", "url": "https://example.org"}
    problems = source_problems(content)
    assert "nccn_merkel: questions.scc_adjuvant cites it but has no support line" in problems
    assert "spare: never used" in problems
    assert "nccn_scc: support line for questions.scc_adjuvant, which does not cite it" not in problems


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_language_names_the_same_sources_for_every_item(language):
    content = load_content(language)
    assert set(content["sources"]) == set(EN["sources"])
    for section in RULES:
        for item_id, entry in EN[section].items():
            assert content[section][item_id].get("sources") == entry.get("sources"), f"{section}.{item_id}"
    for key, source in content["sources"].items():
        assert source["organization"] and source["title"] and source["url"].startswith("https://"), key


def test_spanish_packets_cite_spanish_titles_where_they_exist():
    assert ES["sources"]["cancer_net_second_opinion"]["title"] == "Buscar una segunda opinión"
    assert ES["sources"]["nci_kaposi_pdq"]["title"] == "Tratamiento del sarcoma de Kaposi (PDQ®)\u2013Versión para pacientes"
    assert ES["sources"]["nci_childhood_melanoma_pdq"]["title"].startswith("Tratamiento del melanoma infantil")
    for source in ES["sources"].values():  # an English page is marked as English
        assert source["title"].endswith("(en inglés)") or "www.cancer.gov/espanol" in source["url"] \
            or "/es/" in source["url"]


def _cited(overrides: dict) -> set[str]:
    return set(guidance(overrides).source_ids())


@pytest.mark.parametrize("overrides", [
    {**MELANOMA, "patient.weakened_immune_system": True},
    {**MELANOMA, "patient.immune_reasons": ["organ_transplant"]},
    {**MELANOMA, "diagnosis.stage": "0", "diagnosis.melanoma.subtype": "lentigo_maligna", "diagnosis.body_site": "face"},
    {**MELANOMA, "patient.age": 12},
])
def test_melanoma_packets_never_cite_the_non_melanoma_guides(overrides):
    cited = _cited(overrides)
    assert not cited & {"nccn_scc", "nccn_bcc", "nci_skin_cancer_pdq"}, cited


def test_the_immune_item_cites_the_guide_of_the_patients_cancer():
    immune = {"patient.weakened_immune_system": True}
    item = next(i for i in guidance({**immune, "diagnosis.cancer_type": "squamous_cell_carcinoma"})
                .items("indications") if i.id == "weakened_immune_system")
    assert item.sources == ("nccn_scc",)  # fires: the SCC packet cites the SCC guide
    item = next(i for i in guidance({**immune, **MELANOMA}).items("indications") if i.id == "weakened_immune_system")
    assert item.sources == ()


def test_lentigo_maligna_mohs_cites_the_melanoma_guide():
    lentigo = {**MELANOMA, "diagnosis.stage": "0", "diagnosis.melanoma.subtype": "lentigo_maligna",
               "diagnosis.body_site": "face"}
    mohs = next(i for i in guidance(lentigo).items("specialists") if i.id == "mohs_surgeon")
    assert mohs.sources == ("nccn_melanoma",)
    bcc = next(i for i in guidance({"diagnosis.body_site": "nose"}).items("specialists") if i.id == "mohs_surgeon")
    assert bcc.sources == ("nci_skin_cancer_pdq", "nccn_bcc")


def test_urgency_cites_no_source_that_does_not_say_it():
    for level in ("urgent", "prompt"):  # "do not put off treatment" is not in Cancer.Net's page
        assert every_source(EN["urgency"]["levels"][level].get("sources")) == ()


def test_a_childs_melanoma_packet_names_the_childhood_melanoma_summary():
    text = packet_text({**MELANOMA, "patient.age": 12})
    assert "Childhood Melanoma Treatment (PDQ®)\u2013Patient Version" in text
    assert "Unusual Cancers of Childhood" not in text
    child_bcc = build_guidance(profile_with({"patient.age": 12}), EN, TODAY)
    assert "nci_childhood_melanoma_pdq" not in child_bcc.source_ids()
