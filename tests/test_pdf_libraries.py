"""WeasyPrint imported for less CPU (weasyprint_loading.py): the same system library files loaded without
searching for other platforms' names, a missing Pango still reported in words, and fontTools' subsetter
and instancer imported only when WeasyPrint uses them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARIES = ("gobject-2.0", "pango-1.0", "pangoft2-1.0", "harfbuzz", "fontconfig")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the shortcut is Linux only")

REPORT = """
import ctypes.util, json, os, re
searched = []
real_search = ctypes.util.find_library
def recording(name):
    searched.append(name)
    return real_search(name)
ctypes.util.find_library = recording
{load}
files = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        path = line.split()[-1]
        if re.search(r"/lib(gobject-2\\.0|pango-1\\.0|pangoft2-1\\.0|harfbuzz|harfbuzz-subset|harfbuzz-vector|fontconfig)\\.so", path):
            files.add(os.path.realpath(path))
print(json.dumps({{"files": sorted(files), "searched": searched}}))
"""


def loaded(load: str) -> dict:
    done = subprocess.run([sys.executable, "-c", REPORT.format(load=load)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_weasyprint_loads_the_same_library_files_without_the_search():
    plain = loaded("import weasyprint")
    ours = loaded("from sop_packets import pdf; pdf._weasyprint()")
    # gobject, pango, pangoft2, harfbuzz, harfbuzz-subset, fontconfig; harfbuzz-vector where installed
    assert len(plain["files"]) in (6, 7)
    assert ours["files"] == plain["files"]
    # WeasyPrint's own way searches the Windows and macOS names first; ours skips those searches
    from sop_packets.weasyprint_loading import LINUX_NAME_OF

    assert {"libgobject-2.0-0", "pango-1.0-0", "fontconfig-1"} <= set(plain["searched"])
    assert set(plain["searched"]) <= set(LINUX_NAME_OF)  # every name WeasyPrint tries is known
    assert not set(ours["searched"]) & set(LINUX_NAME_OF)


def test_no_program_runs_while_weasyprint_is_imported():
    """find_library runs ldconfig, gcc and ld for a name it does not know: an absent optional library
    (libharfbuzz-vector) cost six searches and 78 programs."""
    watch = """
import subprocess
started = []
real_init = subprocess.Popen.__init__
def recording(self, args, *rest, **kwargs):
    started.append(args)
    return real_init(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = recording
from sop_packets import pdf
pdf._weasyprint()
print(len(started))
"""
    done = subprocess.run([sys.executable, "-c", watch], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0"]


FONTTOOLS_REPORT = """
import json, sys
from sop_packets import pdf
pdf._weasyprint()
imported = sorted(name for name in sys.modules if name.startswith("fontTools"))
import weasyprint.pdf.fonts as pdf_fonts
options = pdf_fonts.subset.Options()  # the subsetter loads when used
from fontTools import subset
from fontTools.varLib import instancer
print(json.dumps({"before": imported, "options": type(options).__module__,
                  "call": pdf_fonts.instantiateVariableFont.__name__,
                  "same": pdf_fonts.subset.Subsetter is subset.Subsetter,
                  "real_instancer": hasattr(instancer, "OverlapMode")}))
"""


def test_fonttools_subsetter_and_instancer_load_when_weasyprint_uses_them():
    done = subprocess.run([sys.executable, "-c", FONTTOOLS_REPORT], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert "fontTools.varLib.instancer" not in report["before"]
    assert "fontTools.subset" not in report["before"]
    assert "fontTools.ttLib.tables.otTables" not in report["before"]
    assert report["options"] == "fontTools.subset"
    assert report["call"] == "instantiateVariableFont"
    assert report["same"] and report["real_instancer"]


REFUSE_PANGO = """
import _cffi_backend, _ctypes, sys
def refusing(load):
    def load_unless_pango(name, *args):
        if name and "pango" in str(name):
            raise OSError(f"cannot load library {name!r}: no such file")
        return load(name, *args)
    return load_unless_pango
_cffi_backend.load_library = refusing(_cffi_backend.load_library)
_ctypes.dlopen = refusing(_ctypes.dlopen)
sys.argv = ["sop-packets", *sys.argv[1:]]
from sop_packets.cli import main
main()
"""


def test_a_missing_pango_is_named_with_the_packages_to_install(tmp_path):
    profile = ROOT / "profiles" / "ex-09-other-minimal.yaml"
    done = subprocess.run([sys.executable, "-c", REFUSE_PANGO, "build", str(profile), "-o", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 3
    assert "needs the Pango library, and it is not installed" in done.stderr
    assert "sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_font_subsetter_makes_open_arrays_of_the_same_values():
    """A C type is parsed for each new type string: "hb_codepoint_t[58]" becomes "hb_codepoint_t[]"
    with the same 58 values, once per process instead of once per length."""
    from sop_packets import pdf

    pdf._weasyprint()
    import weasyprint.pdf.fonts as pdf_fonts
    from weasyprint.text.ffi import ffi

    arrays = pdf_fonts.ffi
    values = list(range(3, 61))
    made = arrays.new(f"hb_codepoint_t[{len(values)}]", values)
    assert ffi.typeof(made) is ffi.typeof("hb_codepoint_t[]")
    assert list(made) == values and ffi.sizeof(made) == ffi.sizeof("hb_codepoint_t") * 58
    assert ffi.typeof(arrays.new("hb_codepoint_t[4]", [1, 2])) is ffi.typeof("hb_codepoint_t[4]")  # padded
    assert list(arrays.new("hb_codepoint_t[4]", [1, 2])) == [1, 2, 0, 0]
    assert ffi.typeof(arrays.new("char[4]", b"abc")) is ffi.typeof("char[4]")  # not a list: as asked
    assert arrays.NULL == ffi.NULL  # everything else is WeasyPrint's own FFI


RACE = """
import json, sys, threading, time
from sop_packets import fonts, pdf
fonts.fontconfig_file()
results = {}
def load(name):
    try:
        pdf._weasyprint()
        results[name] = "ok"
    except BaseException as exc:
        results[name] = f"{type(exc).__name__}: {exc}"
first = threading.Thread(target=load, args=("first",))
first.start()
time.sleep(float(sys.argv[1]))  # the second asks while the first is still importing
second = threading.Thread(target=load, args=("second",))
second.start()
first.join(); second.join()
from weasyprint.draw import text
print(json.dumps({**results, "patched": text.draw_first_line.__module__,
                  "placeholders": [name for name in ("fontTools.subset", "fontTools.varLib.instancer")
                                   if type(sys.modules.get(name)).__name__ == "module"
                                   and not hasattr(sys.modules[name], "__file__")]}))
"""


@pytest.mark.parametrize("delay", ["0.03", "0.12"])
def test_two_threads_that_load_weasyprint_at_once_both_get_it_whole(delay):
    """The app renders from threads: a second thread waits for the first one's import instead of
    taking a half-made WeasyPrint (which raised ImportError in both)."""
    done = subprocess.run([sys.executable, "-c", RACE, delay], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["first"] == report["second"] == "ok"
    assert report["patched"] == "sop_packets.actual_text"
    assert report["placeholders"] == []
