"""WeasyPrint imported for less CPU, with the same libraries and the same PDFs.

A cold `build` spends a third of its CPU importing; two parts of WeasyPrint's import do work a packet
never needs: searching for its system libraries under other platforms' names, and importing the
fontTools subsetter and variable-font instancer, which it only calls for a variable font or when
HarfBuzz cannot subset. import_weasyprint() skips both, and lets the font subsetter make its arrays
without parsing a new C type for every length (open_arrays_for_subsets).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import re
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


def import_weasyprint() -> Any:
    """The weasyprint package, imported without the library searches and the fontTools imports it
    does not need (OSError when Pango or another required library is missing).

    One thread at a time: a second thread waits for the first one's import (and its placeholders to be
    gone) instead of taking a half-made WeasyPrint."""
    if not _imported.is_set():
        with _importing:
            if not _imported.is_set():
                with libraries_by_their_linux_names(), fonttools_on_first_use():
                    import weasyprint  # noqa: F401
                open_arrays_for_subsets()
                _imported.set()
    return sys.modules["weasyprint"]


_importing = threading.Lock()
_imported = threading.Event()
"""Set once import_weasyprint has finished in this process."""


LINUX_NAMES = {
    linux: others
    for linux, others in (
        ("libgobject-2.0.so.0", ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0")),
        ("libpango-1.0.so.0", ("libpango-1.0-0", "pango-1.0-0", "pango-1.0")),
        ("libharfbuzz.so.0", ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0")),
        ("libharfbuzz-subset.so.0", ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                                     "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")),
        ("libharfbuzz-vector.so.0", ("libharfbuzz-vector-0", "harfbuzz-vector", "harfbuzz-vector-0.0",
                                     "libharfbuzz-vector.0.dylib", "libharfbuzz-vector-0.dll")),
        ("libfontconfig.so.1", ("libfontconfig-1", "fontconfig-1", "fontconfig")),
        ("libpangoft2-1.0.so.0", ("libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0")),
    )
}
"""Each library's Linux name, and the other names WeasyPrint tries for it (weasyprint/text/ffi.py)."""
OPTIONAL_LIBRARIES = frozenset({"libharfbuzz-subset.so.0", "libharfbuzz-vector.so.0"})
"""The libraries WeasyPrint goes on without (allow_fail): it then subsets fonts with fontTools, or draws
no vector glyphs."""
LINUX_NAME_OF = {name: linux for linux, others in LINUX_NAMES.items() for name in (linux, *others)}


@contextlib.contextmanager
def libraries_by_their_linux_names() -> Iterator[None]:
    """While WeasyPrint loads its libraries: no search for a name whose library loads by its Linux name.

    WeasyPrint tries each library under its Windows and macOS names before the Linux one, and cffi
    looks every such name up with ctypes.util.find_library, which on Linux runs ldconfig, gcc and ld
    for each miss: 78 programs and a tenth of a cold `build`'s CPU when an optional library is absent
    (libharfbuzz-vector, all six of its names). When the Linux name loads, the lookup of another name
    answers "not found", and WeasyPrint then loads the Linux name itself: the file a search finds
    (find_library answers with that same name). An optional library whose Linux name does not load is
    taken as absent without a search, and WeasyPrint goes on without it, as after a search that finds
    nothing (a search could still find it under another version number; none has had one). A required
    library that does not load by its Linux name, and any other name, is searched for as always, so a
    missing Pango still fails as before.
    """
    if not sys.platform.startswith("linux") or "weasyprint" in sys.modules:
        yield
        return
    import ctypes
    import ctypes.util

    search = ctypes.util.find_library

    @functools.cache
    def loads(linux_name: str) -> bool:
        try:
            ctypes.CDLL(linux_name)
        except OSError:
            return False
        return True

    def find_library(name: str) -> str | None:
        linux_name = LINUX_NAME_OF.get(name)
        if linux_name is None:
            return search(name)
        if loads(linux_name) or linux_name in OPTIONAL_LIBRARIES:
            return None
        return search(name)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = search


DEFERRED_FONTTOOLS = {
    "fontTools.subset": "from fontTools import subset\n",
    "fontTools.varLib.instancer": "from fontTools.varLib.instancer import instantiateVariableFont\n",
}
"""The fontTools modules weasyprint/pdf/fonts.py imports only to call later, and how it imports them."""


@contextlib.contextmanager
def fonttools_on_first_use() -> Iterator[None]:
    """While WeasyPrint is imported, DEFERRED_FONTTOOLS are placeholders; after, what WeasyPrint took
    from them imports the real module the first time it is used.

    The two modules import half of fontTools' table code: 0.1 s of CPU, a twelfth of a cold `build`.
    WeasyPrint calls them only for a variable font (Noto Sans for a Vietnamese or Russian name) or when
    HarfBuzz cannot subset. If WeasyPrint imports them otherwise than DEFERRED_FONTTOOLS says (another
    version), they are imported as always.
    """
    source = _weasyprint_source("pdf/fonts.py")
    if source is None or not all(line in source for line in DEFERRED_FONTTOOLS.values()) \
            or any(name in sys.modules for name in DEFERRED_FONTTOOLS):
        yield
        return
    placeholders = {name: types.ModuleType(name) for name in DEFERRED_FONTTOOLS}
    placeholders["fontTools.varLib.instancer"].instantiateVariableFont = _on_first_call(
        "fontTools.varLib.instancer", "instantiateVariableFont")
    sys.modules.update(placeholders)
    try:
        yield
    finally:
        for name, placeholder in placeholders.items():
            if sys.modules.get(name) is placeholder:
                del sys.modules[name]
    pdf_fonts = sys.modules.get("weasyprint.pdf.fonts")
    if pdf_fonts is not None and getattr(pdf_fonts, "subset", None) is placeholders["fontTools.subset"]:
        pdf_fonts.subset = _ModuleOnFirstUse("fontTools.subset")


@functools.cache
def _weasyprint_source(name: str) -> str | None:
    """The text of one of WeasyPrint's modules, without importing WeasyPrint (None if not found); read
    once per process (the fontTools and array checks both read pdf/fonts.py)."""
    spec = importlib.util.find_spec("weasyprint")
    if spec is None or not spec.submodule_search_locations:
        return None
    try:
        return (Path(next(iter(spec.submodule_search_locations))) / name).read_text(encoding="utf-8")
    except OSError:
        return None


def _on_first_call(module: str, name: str) -> Callable[..., Any]:
    """A function that imports module and calls its name."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


class _ModuleOnFirstUse:
    """Stands for a module not imported yet: the first attribute asked for imports it (importlib's
    import lock makes that safe from several threads)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


SUBSET_ARRAYS = "ffi.new(f'hb_codepoint_t[{len("
"""How weasyprint/pdf/fonts.py makes the glyph arrays it gives HarfBuzz's subsetter."""
FIXED_ARRAY = re.compile(r"([A-Za-z_][A-Za-z0-9_ ]*)\[([0-9]+)\]")


class _OpenArrays:
    """WeasyPrint's cffi FFI, except that new("T[N]", values) with exactly N values makes "T[]".

    cffi parses every new C type string, with every type name WeasyPrint declares before it: 3 ms
    each. The font subsetter asks for "hb_codepoint_t[N]" with the length in the type, twice a font,
    so a packet parsed a dozen types (40 ms, 3% of a cold `build`), and a batch more with every new
    length. "T[]" with the same N values is the same N elements, passed to C as the same pointer.
    """

    def __init__(self, ffi: Any):
        self._ffi = ffi

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ffi, name)

    def new(self, cdecl: str, init: Any = None) -> Any:
        fixed = FIXED_ARRAY.fullmatch(cdecl) if isinstance(init, (list, tuple)) else None
        if fixed and len(init) == int(fixed[2]):
            return self._ffi.new(f"{fixed[1]}[]", init)
        return self._ffi.new(cdecl, init)


def open_arrays_for_subsets() -> None:
    """Give WeasyPrint's font subsetter _OpenArrays (unless its source makes its arrays otherwise)."""
    pdf_fonts = sys.modules.get("weasyprint.pdf.fonts")
    source = _weasyprint_source("pdf/fonts.py")
    if pdf_fonts is None or source is None or SUBSET_ARRAYS not in source \
            or isinstance(pdf_fonts.ffi, _OpenArrays):
        return
    pdf_fonts.ffi = _OpenArrays(pdf_fonts.ffi)
