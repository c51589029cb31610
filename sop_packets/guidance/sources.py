"""Sources: which source keys an item cites, chosen by the facts that hold."""

from __future__ import annotations

from typing import Any

from .facts import Facts


def item_sources(listed: Any, facts: Facts) -> tuple[str, ...]:
    """An item's source keys: a list, or by fact ({type_scc: [...], type_bcc: [...], default: [...]}),
    the first fact that holds choosing (so a melanoma packet never cites the SCC guide)."""
    if isinstance(listed, dict):
        chosen = next((keys for fact, keys in listed.items() if fact != "default" and facts.holds.get(fact)),
                      listed.get("default", ()))
        return tuple(chosen or ())
    return tuple(listed or ())


def every_source(listed: Any) -> tuple[str, ...]:
    """Every source key an item may cite, whichever fact holds (for the rule table and the checks)."""
    if isinstance(listed, dict):
        return tuple(dict.fromkeys(key for keys in listed.values() for key in keys or ()))
    return tuple(listed or ())
