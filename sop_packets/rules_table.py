"""The rule table a clinician can review: every id, its section, when it fires and its sources.

`sop-packets rules` prints it as Markdown; docs/guidance-ids.md is that output (a test keeps them equal).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .guidance import ACCESS, ALERTS, NEXT_STEPS, RULES, SECTION_ORDER, every_source

SUPPORT_FILE = Path(__file__).with_name("source_support.yaml")

HEADER = """# Guidance ids: sections, items, when each fires, and sources

Made by `sop-packets rules` from the rules in `sop_packets/guidance/rules.py` and the content in
`templates/content/en/`; do not edit by hand (`make test` fails when this page and the rules differ).
The rules decide *which* ids apply; the words a patient reads live in
`templates/content/en/<section>.yaml`, one entry per id, with the keys of its sources
(`templates/content/en/sources.yaml`).

Words used below: *sensitive site* = face, scalp, ear, nose, lip, eyelid, neck, hand, foot, genitals.
*Trunk or limb* = chest, abdomen, back, arm, leg. *Rare type* = merkel_cell_carcinoma, skin_lymphoma,
kaposi_sarcoma, other, uncertain. *Invasive melanoma* = melanoma whose stage is not 0 (unknown counts).
*Melanoma IIB or higher* = stage IIB, IIC, III or IV, or (stage not given, I or II) Breslow > 4 mm, or
> 2 mm with ulceration. *High-risk SCC* / *high-risk BCC* = the NCCN high or very high risk group
(`sop_packets/risk.py`): on the head, neck, hands, feet or genitals at any size; on the trunk or a limb
over 2 cm (BCC: 2 cm or more); edges hard to see; recurrent; a weakened immune system; radiation to
the area before; nerve symptoms; perineural invasion; an aggressive growth pattern; a doctor called it
high risk; for SCC also fast growth. *Very-high-risk SCC* = over 4 cm, poorly differentiated, deeper than
6 mm or past the fat, or perineural invasion. *Weakened immune system* =
patient.weakened_immune_system, or any patient.immune_reasons. *HIV positive* = patient.hiv positive, or
hiv in immune_reasons. *Pathology review indicated* = pathology borderline, insufficient tissue, a
differential, a melanoma not read by a dermatopathologist, or the type uncertain. *Older adult* = 75+, or
65+ with comorbidities. *Child* = under 18. Stages are compared by group (I to IV) unless a substage is named.
"""

URGENCY = """## urgency (one level, first that applies)
The level says how soon to get the second opinion. It never says whether the plan can wait: only a
clinician does (`treatment_plan.timing_answer`), and the packet says it in their name.

| level | when |
| --- | --- |
| routine | no evidence of disease now (prompt if a clinician said a proposed treatment should not wait) |
| urgent | a clinician said it is not safe to wait for a second opinion (with the case's own reasons) |
| urgent | fast-changing spot; an aggressive kind (*); melanoma IIB or higher |
| urgent | SCC stage III or IV; very-high-risk SCC |
| routine | melanoma in situ; early mycosis fungoides; classic Kaposi sarcoma; indolent B-cell lymphoma |
| prompt | invasive melanoma, skin lymphoma, Kaposi sarcoma, a rarer kind (**), bone or eye-socket invasion |
| prompt | high-risk SCC or BCC |
| routine | everything else (low-risk BCC or SCC; second_opinion_optional names itself as the reason) |

(*) Merkel cell carcinoma, angiosarcoma, mucosal melanoma, diffuse large B-cell lymphoma (leg type).
(**) Pleomorphic dermal sarcoma, sebaceous carcinoma, atypical fibroxanthoma, an unmodelled, other or
uncertain type.

The reasons of a high-risk SCC or BCC are the risk facts that put it in its group (for example "the lab
report shows cancer around a nerve", "you have new numbness, tingling, pain or weakness near it").

No evidence of disease and watching have their own words (`states`). When a treatment is proposed and no
clinician has answered, the level adds `planned` (do not cancel or skip care on your own; talk with the
doctor who planned it before changing any date). The box then states what a clinician said
(`clinician_said`: no, yes, yes until a date; dated when `said_on` is given), or else reports what the
first doctor said about when to start (`doctor_said`: immediate, within_weeks), in the doctor's name.
"""


def rules_markdown(content: dict[str, Any]) -> str:
    """Every section's ids in packet order, with when each fires and its sources, as Markdown."""
    parts = [HEADER]
    for name in (ALERTS, NEXT_STEPS, ACCESS, *SECTION_ORDER):
        if name == "urgency":
            parts.append(URGENCY)
            continue
        rows = ["| id | fires when | sources |", "| --- | --- | --- |"]
        for item_id, rule in RULES[name].items():
            shown = _sources_shown(content, content[name][item_id].get("sources"))
            rows.append(f"| {item_id} | {rule.when} | {shown} |")
        order = {NEXT_STEPS: " (order = importance; at most three)",
                 ALERTS: " (boxed on page one: call your care team at once)",
                 ACCESS: " (boxed on page one: how this patient reaches offices)"}.get(
            name, " (order = importance)")
        parts.append(f"## {name}{order}\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def _sources_shown(content: dict[str, Any], listed: Any) -> str:
    """The sources of one item; by fact (`type_scc: ...`) when the cited source depends on the case."""
    if isinstance(listed, dict):
        return "; ".join(f"{fact}: " + (", ".join(_source_name(content, key) for key in keys) or "—")
                         for fact, keys in listed.items()) or "—"
    return "; ".join(_source_name(content, key) for key in listed or ()) or "—"


def _source_name(content: dict[str, Any], key: str) -> str:
    source = content["sources"][key]
    return f"{source['organization']}: {source['title']}"


SOURCES_HEADER = """# Sources: what each one is, and what in it supports each item that cites it

Made by `sop-packets rules --sources` from `templates/content/en/sources.yaml` (organization, title,
address) and `sop_packets/source_support.yaml` (one line per item that cites the source); do not edit by
hand (`make test` fails when this page, the content and the support lines differ). An item lists its
sources in `templates/content/<lang>/<section>.yaml`; where the source depends on the case (for example
the NCCN guide for the patient's cancer type), the item names the fact that chooses it, and a packet only
prints the sources its own items used. *Checked* says what was confirmed against the live page.
"""


def source_citations(content: dict[str, Any]) -> dict[str, list[str]]:
    """Every source key, with the items ("section.id") that may cite it, in packet order."""
    cited: dict[str, list[str]] = {key: [] for key in content["sources"]}
    for key in content["tools"]["sources"]["always"]:
        cited.setdefault(key, []).append("tools.sources.always")
    for level, entry in content["urgency"]["levels"].items():
        for key in every_source(entry.get("sources")):
            cited.setdefault(key, []).append(f"urgency.{level}")
    for name in RULES:
        for item_id in RULES[name]:
            for key in every_source(content[name][item_id].get("sources")):
                cited.setdefault(key, []).append(f"{name}.{item_id}")
    return cited


def source_support() -> dict[str, Any]:
    """The support lines (sop_packets/source_support.yaml)."""
    return yaml.safe_load(SUPPORT_FILE.read_text(encoding="utf-8"))


def source_problems(content: dict[str, Any]) -> list[str]:
    """Citations without a support line, support lines for items that do not cite the source, unknown
    or unused sources. Empty when every source is used and says what it is cited for."""
    support, cited = source_support(), source_citations(content)
    problems = [f"{key}: not in sources.yaml" for key in cited if key not in content["sources"]]
    for key, items in cited.items():
        lines = (support.get(key) or {}).get("supports") or {}
        problems += [f"{key}: never used" for _ in [key] if not items]
        problems += [f"{key}: {item} cites it but has no support line" for item in items if item not in lines]
        problems += [f"{key}: support line for {item}, which does not cite it" for item in lines
                     if item not in items]
        if not (support.get(key) or {}).get("checked") or not content["sources"].get(key, {}).get("url"):
            problems.append(f"{key}: needs an address (url) and a 'checked' note")
    problems += [f"{key}: support lines for a source that is not in sources.yaml" for key in support
                 if key not in content["sources"]]
    return problems


def sources_markdown(content: dict[str, Any]) -> str:
    """Every source: organization, exact title, address, what was checked, and per citing item its line."""
    support, cited = source_support(), source_citations(content)
    parts = [SOURCES_HEADER]
    for key, source in content["sources"].items():
        lines = (support.get(key) or {}).get("supports") or {}
        rows = ["| item | what in the source supports it |", "| --- | --- |"]
        rows += [f"| {item} | {lines.get(item, '**missing**')} |" for item in cited.get(key, [])]
        parts.append(f"## {key}\n\n- Organization: {source['organization']}\n- Title: {source['title']}\n"
                     f"- Address: <{source.get('url', '')}>\n"
                     f"- Checked: {(support.get(key) or {}).get('checked', '')}\n\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)
