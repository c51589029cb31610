"""The live preview: the packet's HTML and its guidance for unsaved values, and what a change added
to the packet or took out of it (compared with the packet of the file as saved)."""

from __future__ import annotations

import functools
import secrets
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
    """Rendered previews by random key, for the frame that shows them (kept in memory only).

    A preview's page may be given as a render still to do: it starts at once on one background
    thread, so the form's panel (which needs only the guidance) answers without waiting for it, and
    the frame's request waits for it. A newer render for the same form drops one not yet started.
    """

    def __init__(self) -> None:
        self._pages: OrderedDict[str, str | _Pending] = OrderedDict()
        self._latest: dict[str, _Pending] = {}  # form -> its newest render
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preview-render")

    def put(self, html: str) -> str:
        return self._keep(html)

    def put_render(self, render: Callable[[], str], form: str = "") -> str:
        """A key for a page that render() makes; rendering starts now, in the background."""
        pending = _Pending(render)
        with self._lock:
            older = self._latest.get(form)
            if older is not None:
                older.future.cancel()  # superseded before it started: its frame renders it on demand
            self._latest[form] = pending
        pending.future = self._worker.submit(pending.run)
        return self._keep(pending)

    def _keep(self, page: str | _Pending) -> str:
        key = secrets.token_urlsafe(16)
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > KEEP:
                self._pages.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        """The page (waiting for its render, or rendering it here if it was dropped); None if unknown."""
        with self._lock:
            page = self._pages.get(key)
        if page is None or isinstance(page, str):
            return page
        html = page.result()
        with self._lock:
            if key in self._pages:
                self._pages[key] = html
        return html


class _Pending:
    """A page being rendered (or waiting to be)."""

    def __init__(self, render: Callable[[], str]) -> None:
        self.render = render
        self.future: Future = Future()
        self._lock = threading.Lock()
        self._html: str | None = None

    def run(self) -> str:
        with self._lock:  # the worker and a frame's request never render it twice
            if self._html is None:
                self._html = self.render()
            return self._html

    def result(self) -> str:
        if self.future.cancelled():
            return self.run()
        return self.future.result()


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
            edited: bool = True, form: str = "") -> Preview:
    """The packet's guidance for these values compared with the saved file's; its page is rendered in
    the background for the frame (the panel shows as soon as the guidance is known)."""
    packet = make_packet(profile, options)
    key = store.put_render(functools.partial(render_html, packet), form)
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
