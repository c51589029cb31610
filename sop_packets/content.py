"""Where templates and clinician-editable content live, and loading that content once."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def template_dir() -> Path:
    """The templates folder: inside the installed package, or beside it in a source checkout."""
    for candidate in (PACKAGE_DIR / "templates", PACKAGE_DIR.parent / "templates"):
        if (candidate / "packet.html.j2").is_file():
            return candidate
    raise FileNotFoundError("the sop-packets templates folder is missing from this install")


@functools.cache
def load_content(folder: Path | None = None) -> dict[str, Any]:
    """Every YAML file under templates/content/en (a folder per language), keyed by file stem.

    A mistake in a content file is reported like a profile mistake: file, line, column, message.
    """
    from .profile import parse_yaml, read_text

    folder = folder or template_dir() / "content" / "en"
    content: dict[str, Any] = {}
    for path in sorted(folder.glob("*.yaml")):
        content[path.stem] = parse_yaml(read_text(path, "content file"), str(path)).data
    return content
