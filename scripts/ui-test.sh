#!/usr/bin/env bash
# The web view in a real browser (tests/ui/browser_test.py): headless Chromium loads
# GET /__jobmock/ui of `jobmock replay` and the file `jobmock report` writes, for the shipped
# fixtures and for tests/ui/hostile (markup in every value a fixture, a session name or a filter
# can hold). It checks the DOM (job sections, statuses, timeline marks, journal; no element made
# from data; the title not changed), the console (no message, no CSP violation) and takes
# screenshots: target/ui/ui.png, report.png, hostile-ui.png, hostile-report.png.
#
# Installs Debian's chromium where it is missing (apt); without apt and without chromium the
# test is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python3 >/dev/null 2>&1; then
    echo "ui: SKIPPED: python3 is not installed, and the browser test is a Python script"
    exit 0
fi

if ! command -v chromium >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
    if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; }; then
        echo "ui: installing chromium (apt-get)"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            chromium >/dev/null
    else
        echo "ui: SKIPPED: chromium is not installed, and there is no apt-get (as root or with sudo) to install it"
        exit 0
    fi
fi

cargo build --quiet --bin jobmock
python3 tests/ui/browser_test.py target/debug/jobmock fixtures target/ui
