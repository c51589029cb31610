"""Shared fixtures: small valid profiles written to temporary files."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from printing import PRINT_DAY, Heading, PdfLayout, PdfText, print_key, print_plan, read_layout, read_pdf

MINIMAL = """\
schema_version: 1
patient:
  id: {id}
  name: {name}
  age: 58
diagnosis:
  cancer_type: melanoma
  diagnosed_by: primary_care
"""


@pytest.fixture
def write(tmp_path: Path):
    """Write text to a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def minimal(write):
    """Write a minimal valid profile; keyword arguments fill its id and name."""

    def _minimal(name: str = "p.yaml", id: str = "p-1", patient_name: str = "Test Patient",
                 extra: str = "") -> Path:
        return write(name, MINIMAL.format(id=id, name=patient_name) + extra)

    return _minimal


EXAMPLE_PROFILES = Path(__file__).parent.parent / "profiles"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of three example profiles, for the batch tests."""
    target = tmp_path / "profiles"
    target.mkdir()
    for name in ("ex-02-bcc-nose-reconstruction", "ex-07-skin-lymphoma-telemedicine", "ex-09-other-minimal"):
        shutil.copy(EXAMPLE_PROFILES / f"{name}.yaml", target)
    return target


@pytest.fixture(scope="session")
def printed(request, tmp_path_factory) -> dict[str, tuple[Path, Path | None]]:
    """The example profiles and international fixtures as PDF, in their own language, per print_plan:
    config -> (output folder, the clinic file used). Built once per session.

    The PDFs are deterministic (fixed date, fixed inputs), so they are kept between runs in the pytest
    cache under a content hash of everything they depend on (print_key); an older key's folder is removed.
    SOP_PACKETS_TEST_CACHE=0 builds them afresh in a temporary folder.
    """
    import os
    import re
    from datetime import date

    from sop_packets.batch import run_batch
    from sop_packets.build import BuildOptions
    from sop_packets.content import template_dir

    key = print_key()
    if os.environ.get("SOP_PACKETS_TEST_CACHE", "1") == "0":
        base = tmp_path_factory.mktemp("printed")
    else:
        root = request.config.cache.mkdir("sop-printed")
        for old in root.iterdir():
            if old.name != key:
                shutil.rmtree(old, ignore_errors=True)
        base = root / key
    base.mkdir(exist_ok=True)
    clinic = base / "a4-clinic"
    if not clinic.exists():
        shutil.copytree(template_dir() / "clinic", clinic)
        conf = clinic / "clinic.yaml"
        conf.write_text(re.sub(r"(?m)^paper_size: \w+", "paper_size: a4", conf.read_text()))
    conf = clinic / "clinic.yaml"
    found = {}
    for config, sources in print_plan().items():
        out = base / config
        clinic_file = conf if config.endswith("a4") else None
        options = BuildOptions(out_dir=out, format="pdf", prepared_on=date(*PRINT_DAY),
                               large_print=config.startswith("large"), clinic=clinic_file)
        report = run_batch(sources, options, jobs=2, prune=True)
        assert not report.failed, report.summary()
        found[config] = (out, clinic_file)
    return found


_PDF_TEXTS: dict[Path, PdfText] = {}


@pytest.fixture(scope="session")
def pdf_text(request):
    """read(path) -> PdfText, parsed once per session and kept between runs in the pytest cache under
    the PDF's own content hash and pypdf's version (pypdf's text extraction is pure Python and slow)."""
    import hashlib

    import pypdf

    cache = request.config.cache

    def read(path: Path) -> PdfText:
        path = Path(path)
        if path not in _PDF_TEXTS:
            data = path.read_bytes()
            key = f"sop-pdf-text/{pypdf.__version__}/{hashlib.sha256(data).hexdigest()}"
            kept = cache.get(key, None)
            if kept:
                value = PdfText(tuple(kept["texts"]), kept["lang"], tuple(tuple(b) for b in kept["bookmarks"]))
            else:
                value = read_pdf(path)
                cache.set(key, {"texts": list(value.texts), "lang": value.lang,
                                "bookmarks": [list(b) for b in value.bookmarks]})
            _PDF_TEXTS[path] = value
        return _PDF_TEXTS[path]

    return read


_PDF_LAYOUTS: dict[Path, PdfLayout] = {}


@pytest.fixture(scope="session")
def pdf_layout(request):
    """read(path) -> PdfLayout (where each list's items and each heading fall), read once per session and
    kept between runs in the pytest cache under the PDF's own content hash, as pdf_text is."""
    import hashlib

    import pypdf

    cache = request.config.cache

    def read(path: Path) -> PdfLayout:
        path = Path(path)
        if path not in _PDF_LAYOUTS:
            key = f"sop-pdf-layout/1/{pypdf.__version__}/{hashlib.sha256(path.read_bytes()).hexdigest()}"
            kept = cache.get(key, None)
            if kept:
                value = PdfLayout(tuple(tuple(tuple(item) for item in found) for found in kept["lists"]),
                                  tuple(Heading(*heading) for heading in kept["headings"]))
            else:
                value = read_layout(path)
                cache.set(key, {"lists": [[list(item) for item in found] for found in value.lists],
                                "headings": [[h.tag, h.page, h.top, h.continues] for h in value.headings]})
            _PDF_LAYOUTS[path] = value
        return _PDF_LAYOUTS[path]

    return read
