#!/usr/bin/env bash
# Set-up for the accessibility test (tests/test_accessibility.py): Debian's Chromium and
# the pinned node packages (axe-core, playwright-core) in tests/a11y. Idempotent and quiet
# when there is nothing to do; `make test` runs it. Needs node >= 20 and npm.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
A11Y="$ROOT/tests/a11y"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
PACKAGE=chromium  # Debian's package that provides /usr/bin/chromium

say() { printf 'setup_a11y: %s\n' "$*" >&2; }

# 1. The browser.
if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        SUDO=(none)
    fi
    if ! command -v apt-get >/dev/null 2>&1 || [ "${SUDO[0]:-}" = none ]; then
        say "the accessibility test needs Chromium at $CHROMIUM, and it cannot be installed from here."
        say "On Debian or Ubuntu, install the package '$PACKAGE':"
        say "    sudo apt-get update && sudo apt-get install -y $PACKAGE"
        say "(or set CHROMIUM_PATH to a Chromium binary), then run make test again."
        exit 1
    fi
    log="$(mktemp)"
    if ! { "${SUDO[@]}" apt-get update -qq \
           && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PACKAGE"; } \
           >"$log" 2>&1; then
        cat "$log" >&2
        say "could not install Debian's '$PACKAGE' with apt-get (output above)."
        say "Install it by hand:  sudo apt-get update && sudo apt-get install -y $PACKAGE"
        exit 1
    fi
    rm -f "$log"
    if [ ! -x "$CHROMIUM" ]; then
        say "installed '$PACKAGE' but $CHROMIUM is still missing; set CHROMIUM_PATH to the browser."
        exit 1
    fi
fi

# 2. The node packages, exactly as locked.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
    say "node and npm are needed (Node.js 20 or newer): on Debian, apt-get install nodejs npm"
    exit 1
fi
stamp="$A11Y/node_modules/.package-lock.json"  # written by npm ci
if [ ! -f "$stamp" ] || [ "$A11Y/package-lock.json" -nt "$stamp" ] \
        || [ ! -f "$A11Y/node_modules/axe-core/axe.min.js" ] \
        || [ ! -f "$A11Y/node_modules/playwright-core/package.json" ]; then
    log="$(mktemp)"
    if ! (cd "$A11Y" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
        cat "$log" >&2
        say "npm ci failed in tests/a11y (output above)."
        exit 1
    fi
    rm -f "$log"
    # npm ci keeps the lock's mtime: make the stamp newer than the lock in any case.
    touch "$stamp"
fi
