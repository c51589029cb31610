"""Set-up check for WeasyPrint's system libraries.

Pango is required: if it is missing, say which Debian packages to install and stop.
HarfBuzz-Subset makes PDFs faster to write (WeasyPrint warns without it): install Debian's
libharfbuzz-subset0 when this machine allows it, otherwise say how.
"""

import ctypes.util
import os
import shutil
import subprocess
import sys

PANGO = "libpango-1.0-0 libpangoft2-1.0-0"


def can_install() -> list[str] | None:
    """The command prefix that may run apt-get here, or None."""
    if not shutil.which("apt-get"):
        return None
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def main() -> int:
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:
        print("sop-packets makes PDFs with WeasyPrint, which needs the Pango library.\n"
              "It is not installed on this machine. On Debian or Ubuntu, run:\n"
              f"    sudo apt-get install {PANGO} libharfbuzz-subset0\n"
              f"then run make again. (details: {exc})", file=sys.stderr)
        return 1
    if ctypes.util.find_library("harfbuzz-subset"):
        return 0
    prefix = can_install()
    if prefix is not None:
        print("Installing libharfbuzz-subset0 (faster PDF font subsetting) ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, capture_output=True)
        done = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", "libharfbuzz-subset0"],
                              env=env, capture_output=True, text=True)
        if done.returncode == 0:
            return 0
        print(f"Could not install libharfbuzz-subset0: {done.stderr.strip()[-300:]}", file=sys.stderr)
    print("Note: PDFs are written more slowly without HarfBuzz-Subset. To speed them up, run:\n"
          "    sudo apt-get install libharfbuzz-subset0", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
