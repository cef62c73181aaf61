#!/usr/bin/env bash
# The end-to-end tests with the real client, the ArcGIS API for Python (PyPI `arcgis`): against
# `jobmock replay --tls` (tests/e2e/arcgis_client.py), and recorded through `jobmock record --tls`
# then replayed (tests/e2e/record_client.py). Installs the client into a throwaway virtual
# environment under target/ (kept between runs; pip's own cache makes a rebuild fast).
set -euo pipefail
cd "$(dirname "$0")/.."

ARCGIS_VERSION=2.4.4
VENV=${JOBMOCK_E2E_VENV:-target/e2e-venv}

if ! command -v python3 >/dev/null 2>&1; then
    echo "e2e: SKIPPED: python3 is not installed, and the end-to-end test runs the ArcGIS API for Python"
    exit 0
fi

if ! "$VENV/bin/python" -c "import arcgis, sys; sys.exit(arcgis.__version__ != '$ARCGIS_VERSION')" 2>/dev/null; then
    echo "e2e: installing arcgis==$ARCGIS_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "arcgis==$ARCGIS_VERSION"
fi

cargo build --quiet --bin jobmock
"$VENV/bin/python" tests/e2e/arcgis_client.py target/debug/jobmock fixtures
"$VENV/bin/python" tests/e2e/record_client.py target/debug/jobmock fixtures
