"""Regenerate the README's pictures: the packet's (page one, the letter, a Spanish page one) and, with
SOP_DOCS_PICTURES=1, the coordinator app's (the browser test's flow in Chromium).

    python scripts/docs_pictures.py                        # the packet's pictures
    SOP_DOCS_PICTURES=1 python scripts/docs_pictures.py    # and the app's (docs/serve-*.png)

Needs `pdftoppm` (Debian: poppler-utils). Writes docs/packet-page-1.png, docs/packet-letter.png and
docs/packet-page-1-es.png at 70 dpi, from the example profiles, dated 2026-11-25. The app's pictures
need what tests/test_serve_browser.py needs (scripts/setup_a11y.sh).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def page_png(pdf: Path, number: int, target: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stem = Path(folder) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(number), "-l", str(number), "-singlefile",
                        str(pdf), str(stem)], check=True)
        shutil.copyfile(stem.with_suffix(".png"), target)
    print(f"wrote {target.relative_to(ROOT)}")


def main() -> None:
    if not shutil.which("pdftoppm"):
        raise SystemExit("pdftoppm is missing; install it with: sudo apt-get install poppler-utils")
    from pypdf import PdfReader

    from sop_packets.build import BuildOptions, build_file
    from sop_packets.content import load_content

    with tempfile.TemporaryDirectory() as out:
        options = BuildOptions(out_dir=Path(out), format="pdf", prepared_on=date(2026, 11, 25))
        english = build_file(ROOT / "profiles" / "ex-01-melanoma-primary-care.yaml", options).outputs[0]
        spanish = build_file(ROOT / "profiles" / "ex-17-melanoma-child-es.yaml", options).outputs[0]
        page_png(english, 1, ROOT / "docs" / "packet-page-1.png")
        page_png(spanish, 1, ROOT / "docs" / "packet-page-1-es.png")
        title = load_content("en")["tools"]["letter"]["title"]
        reader = PdfReader(english)
        letter = next(number for number, page in enumerate(reader.pages, start=1)
                      if title in page.extract_text() and "Printed name" in page.extract_text())
        page_png(english, letter, ROOT / "docs" / "packet-letter.png")
    if os.environ.get("SOP_DOCS_PICTURES") == "1":
        app_pictures()


def app_pictures() -> None:
    """The app's pictures: the browser test writes them to docs/ when SOP_DOCS_PICTURES=1."""
    test = ROOT / "tests" / "test_serve_browser.py"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", str(test)], cwd=ROOT,
                          env={**os.environ, "SOP_DOCS_PICTURES": "1"})
    if done.returncode:
        raise SystemExit("the browser test failed; the app's pictures in docs/ may be incomplete")
    for picture in sorted((ROOT / "docs").glob("serve-*.png")):
        print(f"wrote {picture.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
