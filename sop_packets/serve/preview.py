"""The live preview: the packet's HTML and its guidance for unsaved values, and what a change added
to the packet or took out of it (compared with the packet of the file as saved)."""

from __future__ import annotations

import secrets
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from ..build import BuildOptions, make_packet
from ..guidance import SECTION_ORDER, Guidance
from ..render import render_html
from ..schema import Profile

KEEP = 64  # previews kept for their frames (a few per open form)


@dataclass
class ItemView:
    id: str
    title: str
    because: tuple[str, ...]
    added: bool = False


@dataclass
class SectionView:
    id: str
    title: str
    items: list[ItemView] = field(default_factory=list)


@dataclass
class Preview:
    key: str
    language: str  # the packet's language: its titles and reasons are in it
    urgency: str
    urgency_before: str | None
    sections: list[SectionView]
    added: list[ItemView]
    removed: list[ItemView]
    edited: bool = True  # False: the saved profile as it is, nothing to compare


class Store:
    """Rendered previews by random key, for the frame that shows them (kept in memory only)."""

    def __init__(self) -> None:
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, html: str) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._pages[key] = html
            while len(self._pages) > KEEP:
                self._pages.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._pages.get(key)


def _items(guidance: Guidance) -> dict[str, ItemView]:
    found = {}
    for name in SECTION_ORDER:
        section = guidance.sections.get(name)
        if section is None:
            continue
        for item in section.items:
            title = item.title or textwrap.shorten(item.text, width=90, placeholder="…")
            found[f"{name}/{item.id}"] = ItemView(item.id, title, item.because)
    return found


def preview(profile: Profile, options: BuildOptions, store: Store, baseline: Guidance | None,
            edited: bool = True) -> Preview:
    """Render the packet for these values and compare its items with the saved file's."""
    packet = make_packet(profile, options)
    key = store.put(render_html(packet))
    guidance = packet.guidance
    now = _items(guidance)
    before = _items(baseline) if baseline is not None else {}
    added_keys = set(now) - set(before) if baseline is not None else set()
    sections = []
    for name in SECTION_ORDER:
        if name == "urgency":
            continue
        section = guidance.sections.get(name)
        if section is None:
            continue
        view = SectionView(name, section.title)
        for item in section.items:
            shown = now[f"{name}/{item.id}"]
            shown.added = f"{name}/{item.id}" in added_keys
            view.items.append(shown)
        sections.append(view)
    return Preview(
        key=key,
        language=packet.language,
        urgency=f"{guidance.urgency.level}: {guidance.urgency.title}",
        urgency_before=(f"{baseline.urgency.level}: {baseline.urgency.title}"
                        if baseline is not None and baseline.urgency.level != guidance.urgency.level
                        else None),
        sections=sections,
        added=[now[k] for k in now if k in added_keys],
        removed=[before[k] for k in before if k not in now],
        edited=edited,
    )


def guidance_of(profile: Profile, options: BuildOptions) -> Guidance:
    return make_packet(profile, options).guidance
