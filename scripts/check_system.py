"""Set-up check for WeasyPrint's system libraries and the packet's Debian fonts.

Pango is required: if it is missing, say which Debian packages to install and stop.
HarfBuzz-Subset makes PDFs faster to write (WeasyPrint warns without it). The packet's font stack
(sop_packets/fonts.py) takes three fonts from Debian because PyPI has no package for them: DejaVu Sans
(fonts-dejavu-core: marks such as ✓), Noto Sans CJK (fonts-noto-cjk: Chinese, Japanese and
Korean names) and Noto Nastaliq Urdu (fonts-noto-core: Urdu is read in the Nastaliq style). The tests
read PDFs' text as Poppler readers copy it with pdftotext (poppler-utils).
Install what is missing when this machine allows it, otherwise say how.
"""

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

PANGO = "libpango-1.0-0 libpangoft2-1.0-0"
# Debian package -> (a file it installs, what it is for)
OPTIONAL = {
    "libharfbuzz-subset0": (None, "faster PDF font subsetting"),
    "fonts-dejavu-core": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                          "marks such as ✓ in every packet"),
    "fonts-noto-cjk": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                       "Chinese, Japanese and Korean names"),
    "fonts-noto-core": ("/usr/share/fonts/truetype/noto/NotoNastaliqUrdu-Regular.ttf",
                        "the Urdu notice in its Nastaliq style"),
    "poppler-utils": ("/usr/bin/pdftotext",
                      "the tests' check that right-to-left notices copy out as their real words"),
}


def can_install() -> list[str] | None:
    """The command prefix that may run apt-get here, or None."""
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def missing() -> list[str]:
    """The Debian packages of OPTIONAL that this machine lacks."""
    absent = []
    for package, (path, _) in OPTIONAL.items():
        present = ctypes.util.find_library("harfbuzz-subset") if path is None else Path(path).is_file()
        if not present:
            absent.append(package)
    return absent


def main() -> int:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        print("sop-packets makes PDFs with WeasyPrint, which needs the Pango library.\n"
              "It is not installed on this machine. On Debian or Ubuntu, run:\n"
              f"    sudo apt-get install {PANGO} {' '.join(OPTIONAL)}\n"
              f"then run make again. (details: {exc})", file=sys.stderr)
        return 1
    absent = missing()
    if not absent:
        return 0
    prefix = can_install()
    if prefix is not None:
        print(f"Installing {' '.join(absent)} ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, capture_output=True)
        done = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends",
                               *absent], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"Could not install {' '.join(absent)}: {done.stderr.strip()[-300:]}", file=sys.stderr)
        absent = missing()
    for package in absent:
        print(f"Note: without {package} ({OPTIONAL[package][1]}) some packets cannot be made. Run:\n"
              f"    sudo apt-get install {package}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
