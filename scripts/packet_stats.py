"""Pages and words of every example packet, as a Markdown table (the issue-20 length measure).

    python scripts/packet_stats.py                      # standard print, Letter, every profile
    python scripts/packet_stats.py --save before.json   # keep the numbers
    python scripts/packet_stats.py --compare before.json  # before and after side by side

Words are counted from the PDF text (pypdf), without the running footer; "core" is the number of
pages before the "When you need more" divider (0 when the packet has none).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FOOTER = re.compile(r"(?:Page|Página) \d+ (?:of|de) \d+")


def measure(profiles: list[Path], large_print: bool) -> dict[str, dict[str, int]]:
    from pypdf import PdfReader

    from sop_packets.batch import run_batch
    from sop_packets.build import BuildOptions
    from sop_packets.content import available_languages, load_content

    dividers = {load_content(lang)["tools"].get("more", {}).get("title", "\0")
                for lang in available_languages()}
    with tempfile.TemporaryDirectory() as out:
        options = BuildOptions(out_dir=Path(out), format="pdf", prepared_on=date(2026, 11, 25),
                               large_print=large_print)
        report = run_batch(profiles, options, jobs=2)
        if report.failed:
            raise SystemExit(report.summary())
        found = {}
        for pdf in sorted(Path(out).glob("*.pdf")):
            reader = PdfReader(pdf)
            words, core = 0, 0
            for number, page in enumerate(reader.pages):
                lines = [ln for ln in page.extract_text().splitlines() if not FOOTER.search(ln)]
                words += sum(len(ln.split()) for ln in lines)
                if not core and any(ln.strip() in dividers for ln in lines[:3]):
                    core = number
            found[pdf.stem] = {"pages": len(reader.pages), "words": words, "core": core}
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profiles", nargs="*", type=Path, default=sorted((ROOT / "profiles").glob("*.yaml")))
    parser.add_argument("--large-print", action="store_true")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    now = measure(args.profiles, args.large_print)
    if args.save:
        args.save.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else {}
    if before:
        print("| profile | pages before | pages now | core pages now | words before | words now |")
        print("|---|---:|---:|---:|---:|---:|")
    else:
        print("| profile | pages | core pages | words |")
        print("|---|---:|---:|---:|")
    for name, row in now.items():
        if before:
            old = before.get(name, {"pages": 0, "words": 0})
            print(f"| {name} | {old['pages']} | {row['pages']} | {row['core']} | {old['words']} "
                  f"| {row['words']} |")
        else:
            print(f"| {name} | {row['pages']} | {row['core']} | {row['words']} |")
    pages = [row["pages"] for row in now.values()]
    words = [row["words"] for row in now.values()]
    if before:
        old_pages = statistics.median(r["pages"] for r in before.values())
        old_words = statistics.median(r["words"] for r in before.values())
        now_pages, now_words = statistics.median(pages), statistics.median(words)
        print(f"| **median** | {old_pages} | {now_pages} | | {old_words} | {now_words} |")
    else:
        print(f"| **median** | {statistics.median(pages)} | | {statistics.median(words)} |")


if __name__ == "__main__":
    main()
