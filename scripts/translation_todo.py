"""List what a translation needs after the English content changed: new keys, and changed English text.

    python scripts/translation_todo.py es            # keys English has and the language lacks
    python scripts/translation_todo.py es abc1234    # also English texts changed since git commit abc1234

Run it after merging English content changes; the key-parity test in tests/test_language.py catches
missing keys, but only this shows English text that changed under an existing key.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "templates" / "content"
sys.path.insert(0, str(ROOT))

from sop_packets.profile import parse_yaml  # noqa: E402  (the project's loader: yes/no stay text)


def load(text: str, name: str) -> dict:
    return parse_yaml(text, name).data or {} if text.strip() else {}


def leaves(node, path=()):
    """Every text of a content file by its key path (list positions included)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, (*path, str(index)))
    elif isinstance(node, str):
        yield path, node


def english_at(commit: str, name: str) -> dict:
    shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:templates/content/en/{name}"],
                           capture_output=True, text=True)
    return load(shown.stdout, f"{commit}:{name}") if shown.returncode == 0 else {}


def main(language: str, since: str | None = None) -> int:
    todo = 0
    for english_file in sorted((CONTENT / "en").glob("*.yaml")):
        if english_file.name.startswith("_"):  # settings (_language.yaml, _lint.yaml), each language its own
            continue
        if english_file.name == "glossary.yaml":  # each language has its own terms
            continue
        english = dict(leaves(load(english_file.read_text(encoding="utf-8"), str(english_file))))
        other_file = CONTENT / language / english_file.name
        other = dict(leaves(load(other_file.read_text(encoding="utf-8"), str(other_file)))) \
            if other_file.is_file() else {}
        before = dict(leaves(english_at(since, english_file.name))) if since else {}
        for path, text in english.items():
            where = f"{language}/{english_file.name} {'.'.join(path)}"
            if path not in other:
                print(f"{where}: missing; English: {text!r}")
            elif since and before.get(path) != text:
                print(f"{where}: English changed to {text!r}")
            else:
                continue
            todo += 1
    print(f"{todo} to translate")
    return 1 if todo else 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
