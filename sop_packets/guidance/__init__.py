"""Guidance: what applies to this patient, and because of which facts. Pure functions, no I/O.

Rules decide *which* items apply and name the profile facts that made them apply. The words a
patient reads (item texts, the "because" phrases, the summary and the sources behind each item) come
from one language's content files under templates/content/<language>/, passed in as `content`.
`sop-packets rules` prints every rule with when it fires; docs/guidance-ids.md is that output.

One module per concern, each importing only those before it in this list:
facts.py (Facts, facts_of), summary.py (fill, summarize), sources.py (item_sources, every_source),
rules.py (the `rule` registry and every section's rules), urgency.py (urgency_level) and
build.py (build_guidance and the Guidance it returns). Import the names from this package.
"""

from .build import Guidance, Item, Reader, Section, Urgency, build_guidance, reader_of
from .facts import (
    RARE_TYPES,
    SENSITIVE_SITES,
    SMALL_TUMOR_MM,
    SYSTEMIC,
    TRUNK_AND_LIMBS,
    TYPE_FACT,
    Because,
    Facts,
    both,
    facts_of,
    unless,
)
from .rules import ACCESS, ALERTS, MAX_NEXT_STEPS, NEXT_STEPS, RULES, SECTION_ORDER, Rule, rule
from .sources import every_source, item_sources
from .summary import PLACEHOLDER, Summary, fill, stage_sentence, summarize
from .urgency import urgency_level

__all__ = [
    "ACCESS",
    "ALERTS",
    "MAX_NEXT_STEPS",
    "NEXT_STEPS",
    "PLACEHOLDER",
    "RARE_TYPES",
    "RULES",
    "SECTION_ORDER",
    "SENSITIVE_SITES",
    "SMALL_TUMOR_MM",
    "SYSTEMIC",
    "TRUNK_AND_LIMBS",
    "TYPE_FACT",
    "Because",
    "Facts",
    "Guidance",
    "Item",
    "Reader",
    "Rule",
    "Section",
    "Summary",
    "Urgency",
    "both",
    "build_guidance",
    "every_source",
    "facts_of",
    "fill",
    "item_sources",
    "reader_of",
    "rule",
    "stage_sentence",
    "summarize",
    "unless",
    "urgency_level",
]
