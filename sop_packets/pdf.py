"""WeasyPrint HTML to PDF: the project-only fonts and fetcher, the warm caches, the same bytes every time."""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import inspect
import math
import os
import re
import threading
from pathlib import Path
from typing import Any

from . import actual_text, column_balance, fonts, line_cache
from . import weasyprint_loading as loading
from .content import template_dir
from .errors import MissingSystemLibrary
from .page_one import PAGE_ONE_END, PageOneOverflows, fit_page_one, up_to_page_one_end
from .templating import stylesheet

PANGO_HELP = (
    "WeasyPrint (which makes the PDF) needs the Pango library, and it is not installed. "
    "On Debian or Ubuntu run: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0"
)

GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young-generation collections while a packet is made (Python's default: 700)."""


@contextlib.contextmanager
def fewer_collections():
    """Collect garbage less often while WeasyPrint works, then restore the process's settings.

    Making a packet allocates millions of short-lived objects; with Python's default threshold the
    collector scans the young generation thousands of times a packet (about 6% of the CPU). Cycles
    are still collected, only in fewer, larger passes.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), max(before[1], 20), max(before[2], 100))
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _weasyprint() -> Any:
    # Before WeasyPrint starts fontconfig: the project's fonts only, never the host's.
    os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file())
    try:
        weasyprint = loading.import_weasyprint()
    except OSError as exc:  # Pango or its friends are missing
        raise MissingSystemLibrary(f"{PANGO_HELP}\n(details: {exc})") from None
    _keep_font_dates()
    actual_text.install()
    line_cache.install()
    _watch_page_one()
    _probe_columns_with_room()
    column_balance.install()
    return weasyprint


@functools.cache
def _keep_font_dates() -> None:
    """Same bytes for every script: subset fonts keep their source's dates, never the build time.

    WeasyPrint makes a variable font (Noto Sans, Noto Sans Arabic) static for each PDF, and fontTools
    stamps the result's `head` table with the time it was saved, so a packet with a Vietnamese or
    Russian name differed on every build. Its fonts module gets a TTFont that keeps the dates.
    """
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as pdf_fonts

    class TTFontKeepingDates(TTFont):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("recalcTimestamp", False)
            super().__init__(*args, **kwargs)

    if getattr(pdf_fonts, "TTFont", None) is TTFont:
        pdf_fonts.TTFont = TTFontKeepingDates


def check_pdf_support() -> None:
    """Raise MissingSystemLibrary with the Debian packages to install if PDF output cannot work."""
    _weasyprint()


@functools.cache
def _fetcher_class() -> type:
    weasyprint = _weasyprint()
    from weasyprint.urls import URLFetcher

    class ProjectOnlyFetcher(URLFetcher):
        """Serves files under the project's own asset folders and data: URLs; refuses the rest."""

        def __init__(self, roots: tuple[Path, ...]):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.roots = tuple(root.resolve() for root in roots)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if not url.startswith("file:"):
                raise ValueError(f"refused to fetch {url!r}: packets never load outside files")
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"refused to read {path}: not one of the project's own assets")
            return super().fetch(path.as_uri(), headers)

    _ = weasyprint
    return ProjectOnlyFetcher


def url_fetcher(extra_roots: tuple[Path, ...] = ()) -> Any:
    """A WeasyPrint fetcher limited to the template folder and extra_roots (and data: URLs)."""
    roots = (template_dir(), *extra_roots)
    return _fetcher_class()(roots)


@functools.cache
def _font_config() -> Any:
    """One font configuration per process, kept warm across packets."""
    _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()

    def clean_up() -> None:  # its own __del__ fails at interpreter exit, so clean up earlier
        config.__del__()
        config._folder = None

    atexit.register(clean_up)
    return config


def forget_temp_state(folder: Path) -> None:
    """Drop the font set-up kept in a run's temporary folder before that folder is removed."""
    if _font_config.cache_info().currsize:
        kept = _font_config()._folder
        if kept is not None and Path(kept).is_relative_to(folder):
            _font_config().__del__()
            _font_config()._folder = None
            for cached in (_font_config, _packet_css):
                cached.cache_clear()


@functools.cache
def _packet_css() -> Any:
    """The packet stylesheet parsed once per process, instead of once per packet."""
    return _weasyprint().CSS(string=stylesheet(), base_url=template_dir().as_uri() + "/",
                             url_fetcher=url_fetcher(), font_config=_font_config())


# WeasyPrint's user-agent stylesheet styles every element's ::marker and its five footnote and note
# pseudo-elements: six computed styles per element, most of the styles of a packet, though packets
# have no footnotes and only list items have markers. The packet's copy keeps everything else.
UA_MARKER_RULE = ("\n::marker {", "\nli::marker, summary::marker {")
UA_NOTE_RULES = re.compile(r"^::(?:footnote|note)-[a-z]+ \{[^}\n]*\}$", re.M)


@functools.cache
def _packet_html_class() -> type:
    """weasyprint.HTML with the trimmed user-agent stylesheet: the same PDF bytes for less CPU.

    If an upgraded WeasyPrint changes its stylesheet so that the trim no longer applies, the stock one
    is used: slower, never different.
    """
    weasyprint = _weasyprint()
    from weasyprint import html as weasyprint_html

    stock = (Path(weasyprint_html.__file__).parent / "css" / "html5_ua.css").read_text(encoding="utf-8")
    old, new = UA_MARKER_RULE
    if stock.count(old) != 1 or len(UA_NOTE_RULES.findall(stock)) != 5:
        return weasyprint.HTML
    trimmed = UA_NOTE_RULES.sub("", stock.replace(old, new))
    user_agent = weasyprint.CSS(string=trimmed, counter_style=weasyprint_html.UA_COUNTER_STYLE)

    class PacketHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [user_agent, weasyprint_html.UA_FORM_STYLESHEET] if forms else [user_agent]

    return PacketHTML


PRINT_HIDDEN = re.compile(r'<span class="visually-hidden">[^<>]*</span>')
"""Screen-reader words of the HTML (display: none in print): dropped before WeasyPrint styles them."""


def render_pdf(html: str) -> bytes:
    """The PDF for an HTML packet: the same bytes for the same HTML.

    The packet's own inlined stylesheet is swapped for the same CSS already parsed in this process, and
    its embedded fonts (for browsers) are dropped: WeasyPrint takes the same fonts from the project's
    fontconfig, already loaded in this process. The PDF has no file identifier (/ID): PDF/UA-1 does not
    ask for one, and pydyf makes it by serializing and compressing every stream a second time (5% of
    a packet's CPU).
    """
    stylesheets = []
    inlined = f'<style id="packet-css">\n{stylesheet()}\n</style>'
    if inlined in html:
        html = html.replace(inlined, "", 1)
        stylesheets.append(_packet_css())
    html = re.sub(r'<style id="packet-fonts">.*?</style>', "", html, count=1, flags=re.S)
    html = PRINT_HIDDEN.sub("", html)
    options = dict(stylesheets=stylesheets, pdf_variant="pdf/ua-1")
    with fewer_collections():
        document = fit_page_one(html, lambda page, stop_early: _layout(page, options, stop_early),
                                lambda page: _page_one_holds(page, options))
        return document.write_pdf(**options)


def _layout(html: str, options: dict[str, Any], stop_early: bool = False) -> Any:
    """The laid-out document; with stop_early, PageOneOverflows as soon as page one is known not to
    hold PAGE_ONE_END (see _watch_page_one)."""
    _page_one.stop_early = stop_early
    try:
        return _packet_html_class()(string=html, base_url=template_dir().as_uri() + "/",
                                    url_fetcher=url_fetcher()).render(font_config=_font_config(), **options)
    finally:
        _page_one.stop_early = False


def _page_one_holds(html: str, options: dict[str, Any]) -> bool | None:
    """Whether page one of html holds PAGE_ONE_END, from a layout of page one alone (up_to_page_one_end);
    None when that cannot tell: page one looks something up that later pages settle, the cut document
    looks up an anchor it lacks (target-counter() to a later section), or WeasyPrint's layout cannot be
    watched.

    The cut document has a fifteenth of the packet's elements, so it is parsed, styled and laid out
    for a fraction of what a stopped layout of the whole packet costs (its styles and boxes are made
    for every page before page one is laid out).
    """
    cut = up_to_page_one_end(html)
    if cut is None or not _watch_page_one.watching:
        return None
    _page_one.judge, _page_one.target_cut_off = True, False
    try:
        _layout(cut, options)
    except PageOneJudged as judged:
        return None if _page_one.target_cut_off else judged.holds
    finally:
        _page_one.judge = False
    return None


class PageOneJudged(Exception):
    """A layout of page one alone stopped after page one: whether it holds PAGE_ONE_END, if final."""

    def __init__(self, holds: bool | None):
        super().__init__(holds)
        self.holds = holds


_page_one = threading.local()
"""Per thread: whether the layout under way may stop after page one (stop_early), or is page one alone
(judge)."""


@functools.cache
def _watch_page_one() -> None:
    """Let a layout stop after its first page when that page does not hold PAGE_ONE_END.

    A packet whose page one overflows is laid out again with a shorter page one (page_one.py): up to
    four whole layouts, most of a packet's CPU. WeasyPrint makes pages one by one (make_all_pages);
    its first page is final unless its content looks something up that later pages settle (a page
    number, target-counter(), counter(pages)), which WeasyPrint records in the page's remake state.
    When page one has no such lookup and lacks the anchor, the finished layout would have the same
    page one, so the rest is not needed. Otherwise the layout goes on and the finished page one is
    checked as before. If WeasyPrint's layout is built otherwise in a later version, nothing stops
    early: slower, never different.
    """
    from weasyprint import layout

    make_all_pages = getattr(layout, "make_all_pages", None)
    if make_all_pages is None or getattr(make_all_pages, "watches_page_one", False):
        return

    def watched(context: Any, root_box: Any, html: Any, pages: list) -> Any:
        first_pass = not pages
        for number, page in enumerate(make_all_pages(context, root_box, html, pages)):
            if number == 0 and first_pass and (getattr(_page_one, "stop_early", False)
                                               or getattr(_page_one, "judge", False)):
                remake_state = context.page_maker[0][-1]
                settled = not (remake_state["content_lookups"] or remake_state["pages_wanted"]
                               or remake_state["content_changed"])
                if getattr(_page_one, "judge", False):
                    raise PageOneJudged(_holds_anchor(page, PAGE_ONE_END) if settled else None)
                if settled and not _holds_anchor(page, PAGE_ONE_END):
                    raise PageOneOverflows
            yield page

    watched.watches_page_one = True
    layout.make_all_pages = watched
    _watch_page_one.watching = _watch_target_lookups()


def _watch_target_lookups() -> bool:
    """Note, while page one is judged alone, a lookup of an anchor the cut document lacks (its text, such
    as a page number, would differ from the whole packet's). False if WeasyPrint looks targets up
    otherwise."""
    from weasyprint.css import targets

    collector = getattr(targets, "TargetCollector", None)
    lookup = getattr(collector, "lookup_target", None)
    if lookup is None:
        return False

    def lookup_target(self: Any, *args: Any, **kwargs: Any) -> Any:
        item = lookup(self, *args, **kwargs)
        if getattr(_page_one, "judge", False) and getattr(item, "state", "undefined") == "undefined":
            _page_one.target_cut_off = True
        return item

    collector.lookup_target = lookup_target
    return True


_watch_page_one.watching = False  # until WeasyPrint's make_all_pages is watched


COLUMN_PROBE = "context, column_box, inf, column_skip_stack,"
"""How WeasyPrint's column balancer lays out the next box to learn its height (layout/column.py)."""


@functools.cache
def _probe_columns_with_room() -> None:
    """Let WeasyPrint's column balancer see the height of the next box, as it means to.

    To balance columns (the glossary's two), WeasyPrint lays them out at a height, and if they do not
    hold everything, grows the height by what the next box needs and tries again. It learns that by
    laying the next box out with a bottom space of +inf, which leaves no room at all, so it gets one
    line and, finding no need, grows the height by 1 px a try: 28 tries and 0.35 CPU s for the glossary
    of ex-09 (laid out twice, once more for its bottom margin), a fifth of a cold `build`. With -inf
    (unlimited room, as WeasyPrint's other unbounded layouts use) it gets the whole next box. Only that
    probe passes +inf. The columns can split one term differently from the 1 px search (2 of the 28
    examples in standard print: the same text and pages, one glossary term in the other column). If a
    WeasyPrint upgrade changes the probe, nothing is changed.
    """
    from weasyprint.layout import block, column

    layout = block.block_box_layout
    if getattr(layout, "probes_with_room", False) or COLUMN_PROBE not in inspect.getsource(column):
        return

    @functools.wraps(layout)
    def block_box_layout(context: Any, box: Any, bottom_space: float, *args: Any, **kwargs: Any) -> Any:
        if bottom_space == math.inf:
            bottom_space = -math.inf
        return layout(context, box, bottom_space, *args, **kwargs)

    block_box_layout.probes_with_room = True
    block.block_box_layout = block_box_layout


def _holds_anchor(box: Any, name: str) -> bool:
    """Whether box or a box inside it is the anchor name (as WeasyPrint's gather_anchors finds them)."""
    stack = [box]
    while stack:
        box = stack.pop()
        if box.style["anchor"] == name:
            return True
        stack.extend(box.all_children())
    return False
