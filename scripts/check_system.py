"""Set-up check: say which Debian packages to install if WeasyPrint's system libraries are missing."""

import sys

try:
    import weasyprint  # noqa: F401
except OSError as exc:
    print(
        "sop-packets makes PDFs with WeasyPrint, which needs the Pango library.\n"
        "It is not installed on this machine. On Debian or Ubuntu, run:\n"
        "    sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0\n"
        f"then run make again. (details: {exc})",
        file=sys.stderr,
    )
    sys.exit(1)
