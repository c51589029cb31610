"""No stale packet: everything that can change a packet is in the build record, so editing it rebuilds.

Each test builds once, checks that a second run keeps the packet ("unchanged"), edits one dependency
(the clinic's content folder, the clinic file, its logo, a font file, a template, the package version,
a layout library's version) and sees the packet built again. Folders that hold no profiles (the
clinic's content folder, archive/) inside the profiles folder are skipped and named.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from sop_packets import incremental
from sop_packets.batch import run_batch
from sop_packets.build import BuildOptions
from sop_packets.clinic import default_clinic_path
from sop_packets.content import use_content_overrides

EXAMPLES = Path(__file__).parent.parent / "profiles"
DAY = date(2026, 11, 25)
PROFILE = "ex-09-other-minimal"


@pytest.fixture(autouse=True)
def shipped_words_after():
    yield
    use_content_overrides(None)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def step(phone: str) -> str:
    return f"""\
        book_visit:
          text: Call our nurse navigator at {phone}. She will help you book a second-opinion visit.
        """


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    folder = tmp_path / "profiles"
    folder.mkdir()
    shutil.copy(EXAMPLES / f"{PROFILE}.yaml", folder)
    return folder


def statuses(profiles: Path, out: Path, warnings: list[str] | None = None, **options) -> list[str]:
    report = run_batch([profiles], BuildOptions(out_dir=out, format="html", prepared_on=DAY, **options), jobs=1,
                       on_warning=(warnings.append if warnings is not None else None))
    assert not report.failed, [item.error for item in report.failed]
    return [item.status for item in report.items]


def html(out: Path) -> str:
    return (out / f"{PROFILE}.html").read_text(encoding="utf-8")


def test_an_edited_content_folder_rebuilds_the_packet_with_the_new_words(profiles, tmp_path):
    """The issue's case: a reworded step with a new phone number, the same --content, a new packet."""
    words = tmp_path / "words"
    write(words / "en" / "next_steps.yaml", step("(555) 010-4411"))
    out = tmp_path / "out"
    assert statuses(profiles, out, content=words) == ["built"]
    assert "(555) 010-4411" in html(out)
    assert statuses(profiles, out, content=words) == ["unchanged"]
    write(words / "en" / "next_steps.yaml", step("(555) 010-4499"))
    assert statuses(profiles, out, content=words) == ["built"]
    assert "(555) 010-4499" in html(out) and "(555) 010-4411" not in html(out)
    assert statuses(profiles, out, content=words) == ["unchanged"]
    write(words / "es" / "next_steps.yaml", step("(555) 010-4477"))  # a new file counts too
    assert statuses(profiles, out, content=words) == ["built"]


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "clinic"
    shutil.copytree(default_clinic_path().parent, folder)
    return folder / "clinic.yaml"


def test_the_clinic_files_content_folder_and_logo_are_in_the_record(profiles, clinic, tmp_path):
    words = clinic.parent / "words"
    write(words / "en" / "next_steps.yaml", step("(555) 010-4411"))
    clinic.write_text(clinic.read_text(encoding="utf-8") + "content: words\n", encoding="utf-8")
    out = tmp_path / "out"
    assert statuses(profiles, out, clinic=clinic) == ["built"]
    assert statuses(profiles, out, clinic=clinic) == ["unchanged"]
    write(words / "en" / "next_steps.yaml", step("(555) 010-4499"))
    assert statuses(profiles, out, clinic=clinic) == ["built"]
    assert "(555) 010-4499" in html(out)

    logo = clinic.parent / "logo.svg"
    before = html(out)
    logo.write_text(logo.read_text(encoding="utf-8").replace("</svg>", "<circle r='1'/></svg>"), encoding="utf-8")
    assert statuses(profiles, out, clinic=clinic) == ["built"]
    assert html(out) != before  # the logo is embedded in the packet

    clinic.write_text(clinic.read_text(encoding="utf-8").replace("(555) 010-2000", "(555) 010-2999"),
                      encoding="utf-8")
    assert statuses(profiles, out, clinic=clinic) == ["built"]
    assert "(555) 010-2999" in html(out)


def _font(monkeypatch, tmp_path):
    copy = tmp_path / "font.ttf"
    shutil.copy(incremental.font_files()[0], copy)
    files = [*incremental.font_files(), copy]
    monkeypatch.setattr(incremental, "font_files", lambda: files)
    return lambda: copy.write_bytes(copy.read_bytes() + b"\0")


def _template(monkeypatch, tmp_path):
    copy = tmp_path / "templates"
    shutil.copytree(incremental.template_dir(), copy)
    monkeypatch.setattr(incremental, "template_dir", lambda: copy)
    css = copy / "packet.css"
    return lambda: css.write_text(css.read_text(encoding="utf-8") + "\n/* a designer's edit */\n")


def _version(monkeypatch, tmp_path):
    return lambda: monkeypatch.setattr(incremental, "__version__", incremental.__version__ + ".post1")


def _library(monkeypatch, tmp_path):
    versions = incremental._library_versions()
    monkeypatch.setattr(incremental, "_library_versions", lambda: dict(versions))
    return lambda: versions.update(weasyprint="999.0")


@pytest.mark.parametrize("edit", [_font, _template, _version, _library], ids=["font", "template", "version",
                                                                              "library"])
def test_fonts_templates_and_versions_are_in_the_record(profiles, tmp_path, monkeypatch, edit):
    change = edit(monkeypatch, tmp_path)
    out = tmp_path / "out"
    assert statuses(profiles, out) == ["built"]
    assert statuses(profiles, out) == ["unchanged"]
    change()
    assert statuses(profiles, out) == ["built"]


def test_a_content_folder_inside_the_profiles_folder_is_skipped_and_named(profiles, tmp_path):
    words = profiles / "words"
    write(words / "en" / "next_steps.yaml", step("(555) 010-4411"))
    warnings: list[str] = []
    assert statuses(profiles, tmp_path / "out", warnings, content=words) == ["built"]
    assert any(str(words) in warning and "content folder" in warning for warning in warnings), warnings
    assert "(555) 010-4411" in html(tmp_path / "out")


def test_the_archive_folder_is_not_built(profiles, tmp_path):
    """serve's Archive moves a profile to archive/; a re-import writes the patient again: one id twice."""
    (profiles / "archive").mkdir()
    shutil.copy(EXAMPLES / f"{PROFILE}.yaml", profiles / "archive")
    warnings: list[str] = []
    assert statuses(profiles, tmp_path / "out", warnings) == ["built"]
    assert any(str(profiles / "archive") in warning for warning in warnings), warnings
    # A folder named archive deeper down is an ordinary folder of profiles.
    nested = profiles / "clinic-b" / "archive"
    nested.mkdir(parents=True)
    shutil.copy(EXAMPLES / "ex-02-bcc-nose-reconstruction.yaml", nested)
    assert sorted(statuses(profiles, tmp_path / "out")) == ["built", "unchanged"]
