"""Every name prints: the project's own font stack, no silent empty boxes, the same bytes on any host."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from sop_packets import fonts
from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.cli import cli
from sop_packets.content import template_dir

ROOT = Path(__file__).parent.parent
INTERNATIONAL = Path(__file__).parent / "fixtures" / "international"
DAY = date(2026, 11, 25)
# fixture -> (the family that must print its name, words that must come out of the PDF)
EXPECTED = {
    "intl-zh-wang-fang": ("Noto Sans CJK SC", ["王芳", "李伟", "華人社區醫療中心", "陳美玲"]),
    "intl-vi-nguyen": ("Noto Sans", ["Nguyễn Thị Hương", "Trần Văn Đức", "Phạm Quốc Việt"]),
    "intl-ko-kim": ("Noto Sans CJK SC", ["김민준", "박서연", "코리아타운 피부과", "山田さん"]),
    "intl-ar-haddad": ("Noto Sans Arabic", ["محمد", "الحداد", "ليلى", "منصور", "العربية"]),
    "intl-ru-ivanova": ("Noto Sans", ["Ирина Сергеевна Иванова", "Γιώργος Παπαδόπουλος", "Алексей"]),
}


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def pdf_fonts(reader: PdfReader) -> set[str]:
    """The families embedded in a PDF ("ABCDEF+Noto-Sans-CJK-SC-Bold" -> "Noto Sans CJK SC")."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            name = str(font.get_object()["/BaseFont"]).split("+", 1)[-1].lstrip("/")
            names.add(re.sub(r"-(Bold|Italic|BoldItalic|Regular)$", "", name).replace("-", " "))
    return names


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFC", text).split())


# Noto Sans Arabic draws letters that differ only by their dots from one base glyph, and WeasyPrint 70
# copies each glyph out as the text of the first cluster it drew: once the Arabic interpreter notice
# on page one has drawn "ق", a later "ة" copies out as "ق". It prints right; only copied text suffers.
# The dot below is one mark glyph too: once the notice has drawn "ج" ("جلدك"), a later "ب" can copy out
# as "ج", so beh and jeem letters are one class here.
ARABIC_BASES = str.maketrans({**dict.fromkeys("بتثنيى", "ب"), **dict.fromkeys("جحخ", "ب"),
                              **dict.fromkeys("دذ", "د"), **dict.fromkeys("رز", "ر"),
                              **dict.fromkeys("سش", "س"), **dict.fromkeys("صض", "ص"),
                              **dict.fromkeys("طظ", "ط"), **dict.fromkeys("عغ", "ع"),
                              **dict.fromkeys("فقة", "ف")})


def base_shapes(text: str) -> str:
    return squeeze(text).translate(ARABIC_BASES)


@pytest.fixture(scope="module")
def international(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("international")
    report = run_batch([INTERNATIONAL], BuildOptions(out_dir=out, prepared_on=DAY), jobs=2)
    assert not report.failed, report.summary()
    return out


def test_the_css_names_the_stack_in_order():
    css = (template_dir() / "packet.css").read_text()
    declared = re.search(r"html \{ font-family: ([^;]+);", css).group(1)
    assert " ".join(declared.split()) == f'"{fonts.DIGITS_FAMILY}", {fonts.FAMILIES}, sans-serif'
    assert [font.family for font in fonts.STACK][:1] == ["Atkinson Hyperlegible"]


def test_the_stack_covers_every_script_a_clinic_sees():
    samples = {"Vietnamese": "Nguyễn Thị Hương Đức", "Cyrillic": "Ирина Жукова", "Greek": "Γιώργος",
               "Arabic": "محمد الحداد", "Persian": "پژمان گلی", "Chinese (simplified)": "王芳 李伟",
               "Chinese (traditional)": "華人社區醫療", "Japanese": "山田さん カタカナ", "Korean": "김민준",
               "marks": "\u2713 \u203a \u2022 \u00b7 \u2013 \u2014 \u2026 \u2192 \u2190 \u00a9 \u00ae \u00b0"}
    for script, text in samples.items():
        assert fonts.missing_glyphs(text) == [], script
    assert fonts.missing_glyphs("Egyptian 𓀀 and cuneiform 𒀀") == ["𓀀", "𒀀"]


def test_fontconfig_sees_only_the_projects_font_files():
    conf = fonts.fontconfig_file().read_text()
    folders = re.findall(r"<dir>([^<]+)</dir>", conf)
    assert len(folders) == 1 and "<include" not in conf  # no host configuration, no host folders
    listed = {path.resolve() for path in Path(folders[0]).iterdir()}
    own = [*fonts.STACK, *fonts.LANGUAGE_FONTS.values()]  # the stack, and faces for one language (Urdu)
    stack = {path.resolve() for font in own if font.installed for path, _, _ in font.paths()}
    generated = {Path(folders[0]).resolve() / f"00-packet-digits-{weight}.ttf" for weight in (400, 700)}
    assert listed == stack | generated  # the stack's files, and the plain figures made from Noto Sans


PREPARED_FOR = {"intl-zh-wang-fang": "本指南为以下人士准备", "intl-vi-nguyen": "Soạn cho"}


def test_every_name_prints_in_its_script(international):
    for patient_id, (family, words) in EXPECTED.items():
        reader = PdfReader(international / f"{patient_id}.pdf")
        text = squeeze(" ".join(page.extract_text() for page in reader.pages))
        for word in words:
            # WeasyPrint 70 maps a glyph to the text of the first cluster it is drawn in: Noto Sans draws
            # "ị" as "i" plus a dot, so every later "i" of that font copies out as nothing. It prints
            # (see the pages); only copying the text loses the plain "i" of Vietnamese words.
            found = (squeeze(word) in text or squeeze(word).replace("i", "") in text.replace("i", "")
                     or base_shapes(word) in base_shapes(text))
            assert found, (patient_id, word)
        embedded = pdf_fonts(reader)
        assert family in embedded, (patient_id, embedded)
        allowed = {font.family for font in fonts.STACK} | {fonts.cjk_family(form) for form in fonts.CJK_FACES}
        assert embedded <= allowed | {fonts.DIGITS_FAMILY}, embedded  # nothing from the host
        first = squeeze(reader.pages[0].extract_text())
        prepared_for = PREPARED_FOR.get(patient_id, "Prepared for")  # zh and vi have packets of their own
        assert squeeze(f"{prepared_for} {words[0].split()[0]}") in first or patient_id == "intl-ar-haddad"
    arabic = squeeze(PdfReader(international / "intl-ar-haddad.pdf").pages[0].extract_text())
    assert base_shapes("Prepared for محمد الحداد") in base_shapes(arabic)  # right to left, in reading order


def test_large_cjk_font_only_in_packets_that_use_it(international):
    for patient_id in EXPECTED:
        embedded = pdf_fonts(PdfReader(international / f"{patient_id}.pdf"))
        cjk = {family for family in embedded if family.startswith("Noto Sans CJK")}
        assert bool(cjk) == (patient_id in ("intl-zh-wang-fang", "intl-ko-kim"))
        # each lang prints in its own regional forms: Chinese SC, the Korean notice KR (issue 22)
        assert cjk <= {"intl-zh-wang-fang": {"Noto Sans CJK SC"},
                       "intl-ko-kim": {"Noto Sans CJK SC", "Noto Sans CJK KR"}}.get(patient_id, set())
    zh, ru = (international / f"{name}.pdf" for name in ("intl-zh-wang-fang", "intl-ru-ivanova"))
    assert zh.stat().st_size < 1_000_000 and ru.stat().st_size < 500_000  # subset, not whole fonts


def test_html_embeds_the_subset_fonts_it_needs(international):
    html = (international / "intl-zh-wang-fang.html").read_text()
    faces = re.findall(r'@font-face \{ font-family: "([^"]+)"; font-weight: (\d+); font-style: (\w+); '
                       r"src: url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html)
    families = {(family, weight) for family, weight, _, _ in faces}
    assert {("Atkinson Hyperlegible", "400"), ("Atkinson Hyperlegible", "700"), ("Noto Sans CJK SC", "400"),
            ("Noto Sans CJK SC", "700")} <= families
    cjk = next(data for family, weight, _, data in faces if family == "Noto Sans CJK SC" and weight == "400")
    font = TTFont(io.BytesIO(base64.b64decode(cjk)))
    cmap = font.getBestCmap()
    # a subset: the characters of this (now Chinese) packet, not the collection's 65,000 glyphs
    assert {ord("王"), ord("芳"), ord("華")} <= set(cmap) and len(cmap) < 2000
    assert "url(file:" not in html  # self-contained
    russian = (international / "intl-ru-ivanova.html").read_text()
    assert '"Noto Sans CJK SC"; font-weight' not in russian  # no CJK font where none is used
    assert '"Noto Sans"; font-weight: 400' in russian and '"DejaVu Sans"; font-weight: 400' in russian  # ✓ →


def test_a_character_no_font_has_is_a_located_error(write, tmp_path):
    profile = write("bad.yaml", """\
        schema_version: 1
        patient:
          id: bad-glyph
          name: "Ana 𓀀 Smith"
          age: 40
        diagnosis:
          cancer_type: melanoma
          diagnosed_by: dermatologist
        coordinator_note: |
          First line.
          Then 𒀀 here.
        """)
    expected = [f"{profile}:4:14: patient.name: the character '𓀀' (U+13000 EGYPTIAN HIEROGLYPH A001)",
                f"{profile}:11:8: coordinator_note: the character '𒀀' (U+12000 CUNEIFORM SIGN A)"]
    for command in (["validate", profile], ["build", profile, "-o", tmp_path / "out"],
                    ["batch", profile, "-o", tmp_path / "out-batch"], ["lint", profile]):
        result = run(*command)
        assert result.exit_code != 0, command
        for line in expected:
            assert line in result.output, (command, result.output)
        assert "empty box" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing written


def test_clinic_fields_are_checked_too(tmp_path):
    folder = tmp_path / "clinic"
    shutil.copytree(template_dir() / "clinic", folder)
    path = folder / "clinic.yaml"
    path.write_text(path.read_text().replace("name: Riverbend Skin Health Center",
                                             "name: Riverbend 𓀀 Center", 1))
    result = run("build", ROOT / "profiles" / "ex-09-other-minimal.yaml", "-o", tmp_path / "out",
                 "--clinic", path)
    assert result.exit_code == 2
    assert re.search(rf"{re.escape(str(path))}:\d+:\d+: name: the character '𓀀'", result.output)


def test_lint_output_ends_with_a_newline():
    result = run("lint", ROOT / "profiles" / "ex-09-other-minimal.yaml")
    assert result.exit_code == 0 and result.output.endswith("failed (grade limit 7.0)\n")


# ---------------------------------------------------------------- same bytes on any host


def _decoy_fonts(folder: Path) -> Path:
    """A host font folder whose fonts claim the stack's family names (with other glyphs), and a config."""
    folder.mkdir(parents=True)
    source = fonts.STACK[3].paths()[0][0]  # DejaVu Sans: has ✓ and Latin, looks nothing like Atkinson
    for family in ("Atkinson Hyperlegible", "Noto Sans", "DejaVu Sans"):
        font = TTFont(source)
        for record in font["name"].names:
            if record.nameID in (1, 4, 16):
                record.string = family
            if record.nameID == 6:
                record.string = family.replace(" ", "") + "-Decoy"
        font.save(folder / f"{family.replace(' ', '')}-Decoy.ttf")
    conf = folder / "fonts.conf"
    conf.write_text(f'<?xml version="1.0"?>\n<fontconfig>\n  <dir>{folder}</dir>\n'
                    f"  <dir>/usr/share/fonts</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n")
    return conf


def _build_in_subprocess(out: Path, env: dict[str, str]) -> bytes:
    command = [sys.executable, "-m", "sop_packets", "build",
               ROOT / "profiles" / "ex-02-bcc-nose-reconstruction.yaml", "-o", out, "--date", "2026-11-25",
               "--format", "pdf"]
    done = subprocess.run([str(c) for c in command], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return (out / "ex-02-bcc-nose-reconstruction.pdf").read_bytes()


def test_same_bytes_under_another_host_font_configuration(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FONTCONFIG", "XDG_CACHE"))}
    plain = _build_in_subprocess(tmp_path / "plain", env)
    conf = _decoy_fonts(tmp_path / "host-fonts")
    if shutil.which("fc-match"):  # the decoy really is what the host would pick for the stack's families
        picked = subprocess.run(["fc-match", "-f", "%{file}", "Atkinson Hyperlegible"], capture_output=True,
                                text=True, env={**env, "FONTCONFIG_FILE": str(conf)}).stdout
        assert picked.endswith("AtkinsonHyperlegible-Decoy.ttf"), picked
    home = tmp_path / "home"
    shutil.copytree(tmp_path / "host-fonts", home / ".fonts", ignore=shutil.ignore_patterns("fonts.conf"))
    other = _build_in_subprocess(tmp_path / "other", {**env, "FONTCONFIG_FILE": str(conf), "HOME": str(home),
                                                      "XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert plain == other
    assert b"Decoy" not in other


# ---- fonts made once, kept on disk (issue 29)


def test_the_digits_face_is_read_from_the_font_folder_not_made_again(monkeypatch):
    folder = fonts.fontconfig_file().parent / "fonts"
    expected = {weight: fonts._woff((folder / f"00-packet-digits-{weight}.ttf").read_bytes()) for weight in (400, 700)}

    def never(weight):
        raise AssertionError("the digits face was made again")

    monkeypatch.setattr(fonts, "digits_font", never)
    fonts._digits_woff.cache_clear()
    try:
        for weight in (400, 700):
            woff = fonts._digits_woff(weight)
            assert woff == expected[weight] and woff[:4] == b"wOFF"
            font = TTFont(io.BytesIO(woff))
            assert font["name"].getDebugName(1) == fonts.DIGITS_FAMILY and font["OS/2"].usWeightClass == weight
    finally:
        fonts._digits_woff.cache_clear()


def test_the_font_folder_is_named_by_what_makes_its_files(monkeypatch):
    """A new fontTools or a changed recipe for the digits face gives a new folder, never a stale face."""
    import fontTools

    before = fonts._recipe()
    monkeypatch.setattr(fontTools, "version", fontTools.version + ".dev-test")
    assert fonts._recipe() != before
    monkeypatch.undo()
    monkeypatch.setattr(fonts, "DIGITS_FONT_TEXT", fonts.DIGITS_FONT_TEXT + "%")
    assert fonts._recipe() != before
    assert before in fonts.fontconfig_file().parent.name


def test_html_subsets_have_every_character_and_variable_fonts_are_made_static():
    """HarfBuzz subsets (not cached): a face of the CJK collection and the bold of variable Noto Sans."""
    make = fonts._subset_woff.__wrapped__.__wrapped__
    cjk = next(font for font in fonts.STACK if font.large).paths()[0][0]
    han = "王秀英診斷黑色素瘤"
    font = TTFont(io.BytesIO(base64.b64decode(make(cjk, han, 400, fonts.CJK_FACES["TC"]))))
    assert font.flavor == "woff" and {ord(c) for c in han} <= set(font.getBestCmap())
    assert len(font.getGlyphOrder()) < 100  # a subset, not the 65,000 glyphs of the face
    noto = next(font for font in fonts.STACK if font.family == "Noto Sans").paths()[0][0]
    name = "Nguyễn Thị Hương"
    font = TTFont(io.BytesIO(base64.b64decode(make(noto, name, 700, 0))))
    assert {ord(c) for c in name if c != " "} <= set(font.getBestCmap())
    assert "fvar" not in font and "gvar" not in font and font["OS/2"].usWeightClass == 700


def test_a_pdf_only_build_makes_no_browser_fonts_and_the_same_pdf(monkeypatch, tmp_path):
    from sop_packets import render
    from sop_packets.build import make_packet
    from sop_packets.profile import load_profile

    packet = make_packet(load_profile(ROOT / "profiles" / "ex-09-other-minimal.yaml"),
                         BuildOptions(out_dir=tmp_path, prepared_on=DAY))
    full = render.render_html(packet)
    monkeypatch.setattr(fonts, "font_face_css", lambda *args, **kwargs: pytest.fail("fonts made for a PDF"))
    bare = render.render_html(packet, embed_fonts=False)
    assert "@font-face" in full and "@font-face" not in bare
    assert render.render_pdf(bare) == render.render_pdf(full)


def test_harfbuzz_reads_the_same_code_points_as_fonttools_for_every_face_of_the_stack():
    """fonts._cmap reads the cmap with HarfBuzz (fast); fontTools' best cmap is the reference."""
    checked = 0
    for font in fonts.STACK:
        if not font.installed:
            continue
        with TTFont(font.paths()[0][0], lazy=True, fontNumber=0) as reference:
            expected = frozenset(reference.getBestCmap())
        assert fonts._cmap(font.paths()[0][0]) == expected, font.family
        checked += 1
    assert checked >= 4
    assert ord("ệ") in fonts._cmap(fonts.STACK[1].paths()[0][0])  # Noto Sans has Vietnamese
    assert ord("ệ") not in fonts._cmap(fonts.STACK[0].paths()[0][0])  # Atkinson Hyperlegible has not


FONTCONFIG_START = "from sop_packets import pdf; pdf._font_config()"


def test_fontconfig_keeps_its_cache_when_source_date_epoch_is_set(tmp_path):
    """Fontconfig writes its cache with SOURCE_DATE_EPOCH when that is earlier than the font folder's
    date, then finds it out of date: every process scanned every font again (fonts._date_for_fontconfig)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": "1795737600",
           "FC_DEBUG": "16"}  # fontconfig's cache debugging: each check and each write
    runs = [subprocess.run([sys.executable, "-c", FONTCONFIG_START], cwd=ROOT, env=env, capture_output=True,
                           text=True, check=True).stdout for _ in range(2)]
    assert runs[0].count("FcDirCacheWriteDir") == 1  # the first process makes the cache
    assert "FcCacheTimeValid" in runs[1]
    assert "FcDirCacheWriteDir" not in runs[1]  # the next one finds it valid and scans nothing
    [links] = (tmp_path / "cache" / "sop-packets").glob("fonts-*/fonts")
    assert links.stat().st_mtime_ns == 0
