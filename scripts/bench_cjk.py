#!/usr/bin/env python3
"""CPU of a Chinese packet against an English one, and HarfBuzz against fontTools for the HTML's CJK fonts.

    python scripts/bench_cjk.py [--rounds 5] [--format both]

Per packet: one warm process builds ex-01 (English), ex-31 (zh-Hans), ex-32 (zh-Hant) and ex-33
(Vietnamese) in turn, each round with a new patient name (a Chinese name brings characters the HTML's
font subsets have not seen, as every new patient does), after a warm-up round; CPU seconds from
time.process_time, medians over the rounds. The subsetter rows time one face of the Noto Sans CJK
collection with 500 new Han characters, both weights, with each library; the on-disk cache is not used.
Standard library and the project's own dependencies only. Prints Markdown; exits 0 whatever the numbers.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_CJK_RATIO = 2.0  # a Chinese packet at most twice the CPU of an English one (issue 29)
CASES = {"en": "ex-01-melanoma-primary-care", "zh-Hans": "ex-31-melanoma-zh-hans",
         "zh-Hant": "ex-32-bcc-nose-zh-hant", "vi": "ex-33-scc-scalp-vi"}
COMMON_HAN = (0x4E00, 0x9FA5)


def new_name(language: str, rng: random.Random) -> str:
    if language.startswith("zh"):
        return "".join(chr(rng.randint(*COMMON_HAN)) for _ in range(3))
    if language == "vi":
        return f"Nguyễn {rng.choice('ĐặẫẩỡợừửữỳỷỹĂăÂâÊêÔôƠơƯư')}ức"
    return f"Ann {rng.choice('BCDFGHJKLMNPRST')}ee"


def per_packet(rounds: int, fmt: str) -> dict[str, list[float]]:
    from sop_packets.build import BuildOptions, build_profile
    from sop_packets.profile import load_profile

    rng = random.Random(time.time_ns())
    options = BuildOptions(out_dir=Path(tempfile.mkdtemp(prefix="bench-cjk-")), format=fmt,
                           prepared_on=dt.date(2026, 11, 25))
    profiles = {lang: load_profile(ROOT / "profiles" / f"{stem}.yaml") for lang, stem in CASES.items()}

    def build(language: str) -> float:
        profile = profiles[language]
        patient = profile.patient.model_copy(update={"name": new_name(language, rng)})
        started = time.process_time()
        build_profile(profile.model_copy(update={"patient": patient}), Path(f"{language}.yaml"), options)
        return time.process_time() - started

    for language in CASES:  # warm-up: imports, fonts, each language's content
        build(language)
    times: dict[str, list[float]] = {language: [] for language in CASES}
    for _ in range(rounds):
        for language in CASES:
            times[language].append(build(language))
    return times


def subset_with_fonttools(path: Path, text: str, weight: int, face: int) -> bytes:
    """The HTML's CJK subset as fonts.py made it with fontTools before issue 29 (for comparison)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.drop_tables += ["FFTM"]
    with TTFont(path, fontNumber=face, recalcTimestamp=False, lazy=True) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        out = io.BytesIO()
        font.flavor = "woff"
        font.save(out)
    return out.getvalue()


def subset_with_system_harfbuzz(path: Path, text: str, weight: int, face: int) -> bytes:
    """The same subset through the system's libharfbuzz-subset (what WeasyPrint loads) with ctypes."""
    import ctypes

    from sop_packets import fonts

    hb, subset = ctypes.CDLL("libharfbuzz.so.0"), ctypes.CDLL("libharfbuzz-subset.so.0")
    pointer = ctypes.c_void_p
    for library, name, result, arguments in (
            (hb, "hb_blob_create_from_file", pointer, [ctypes.c_char_p]),
            (hb, "hb_face_create", pointer, [pointer, ctypes.c_uint]),
            (subset, "hb_subset_input_create_or_fail", pointer, []),
            (subset, "hb_subset_input_unicode_set", pointer, [pointer]),
            (hb, "hb_set_add", None, [pointer, ctypes.c_uint32]),
            (subset, "hb_subset_input_set_flags", None, [pointer, ctypes.c_uint]),
            (subset, "hb_subset_or_fail", pointer, [pointer, pointer]),
            (hb, "hb_face_reference_blob", pointer, [pointer]),
            (hb, "hb_blob_get_data", pointer, [pointer, ctypes.POINTER(ctypes.c_uint)]),
            (hb, "hb_blob_destroy", None, [pointer]), (hb, "hb_face_destroy", None, [pointer]),
            (subset, "hb_subset_input_destroy", None, [pointer])):
        function = getattr(library, name)
        function.restype, function.argtypes = result, arguments
    blob = hb.hb_blob_create_from_file(str(path).encode())
    source = hb.hb_face_create(blob, face)
    request = subset.hb_subset_input_create_or_fail()
    characters = subset.hb_subset_input_unicode_set(request)
    for char in text:
        hb.hb_set_add(characters, ord(char))
    subset.hb_subset_input_set_flags(request, 0x1 | 0x4)  # no hinting, desubroutinize
    result = subset.hb_subset_or_fail(source, request)
    out = hb.hb_face_reference_blob(result)
    length = ctypes.c_uint()
    data = ctypes.string_at(hb.hb_blob_get_data(out, ctypes.byref(length)), length.value)
    for destroy, handle in ((hb.hb_blob_destroy, out), (hb.hb_face_destroy, result),
                            (subset.hb_subset_input_destroy, request), (hb.hb_face_destroy, source),
                            (hb.hb_blob_destroy, blob)):
        destroy(handle)
    return fonts._woff(data)


def subsetters(runs: int) -> dict[str, list[float]]:
    from sop_packets import fonts

    cjk = next(font for font in fonts.STACK if font.large)
    rng = random.Random(time.time_ns())
    harfbuzz = fonts._subset_woff.__wrapped__.__wrapped__  # without the process and disk caches
    labels = ("HarfBuzz (uharfbuzz, used)", "system libharfbuzz-subset (ctypes)", "fontTools")
    times: dict[str, list[float]] = {label: [] for label in labels}
    sizes: dict[str, int] = {}
    for _ in range(runs):
        text = "".join(chr(rng.randint(*COMMON_HAN)) for _ in range(500))
        for label in times:
            started = time.process_time()
            for path, weight, _ in cjk.paths():
                if label == "fontTools":
                    data = subset_with_fonttools(path, text, weight, fonts.CJK_FACES["SC"])
                elif label.startswith("system"):
                    data = subset_with_system_harfbuzz(path, text, weight, fonts.CJK_FACES["SC"])
                else:
                    data = base64.b64decode(harfbuzz(path, text, weight, fonts.CJK_FACES["SC"]))
                sizes[label] = len(data)
            times[label].append((time.process_time() - started) / len(cjk.paths()))
    return {f"{label} ({sizes[label] // 1024} KiB WOFF)": values for label, values in times.items()}


def report(rounds: int, fmt: str, subset_runs: int) -> tuple[str, float]:
    times = per_packet(rounds, fmt)
    english = statistics.median(times["en"])
    lines = [f"### A Chinese packet against an English one (`--format {fmt}`, one warm process, a new name "
             f"each round; CPU s, median of {rounds})", "",
             "| packet | CPU s (median) | / English | every round |", "|---|---:|---:|---|"]
    for language, stem in CASES.items():
        median = statistics.median(times[language])
        lines.append(f"| {stem} ({language}) | {median:.2f} | {median / english:.2f} | "
                     f"{', '.join(f'{t:.2f}' for t in times[language])} |")
    ratio = max(statistics.median(times[lang]) for lang in ("zh-Hans", "zh-Hant")) / english
    lines += ["", f"- CJK / English: {ratio:.2f} (target <= {TARGET_CJK_RATIO}): "
                  f"**{'PASS' if ratio <= TARGET_CJK_RATIO else 'FAIL'}**"]
    if subset_runs:
        lines += ["", "One CJK face (Noto Sans CJK SC), 500 new Han characters, per weight; CPU ms, "
                      f"median of "
                      f"{subset_runs}:", "", "| subsetter | CPU ms | every run |", "|---|---:|---|"]
        for label, values in subsetters(subset_runs).items():
            lines.append(f"| {label} | {1000 * statistics.median(values):.0f} | "
                         f"{', '.join(f'{1000 * v:.0f}' for v in values)} |")
    return "\n".join(lines) + "\n", ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--format", default="both", choices=("html", "pdf", "both"))
    parser.add_argument("--subset-runs", type=int, default=3, help="0 to skip the subsetter comparison")
    args = parser.parse_args()
    text, _ = report(args.rounds, args.format, args.subset_runs)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
