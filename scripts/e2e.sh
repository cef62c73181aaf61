#!/usr/bin/env bash
# The end-to-end tests with the real client, the ArcGIS API for Python (PyPI `arcgis`):
#
# 1. the Python package: builds the wheel from pyproject.toml as `pip install .` does (PEP 517,
#    maturin; the dev profile, so that it reuses what `cargo test` compiled), installs it afresh,
#    and runs tests/python with pytest: the `jobmock` fixture of the package's plugin against
#    the client;
# 2. the client recorded through `jobmock record --tls`, then replayed (tests/e2e/record_client.py).
#
# The client and pytest live in a virtual environment under target/ (kept between runs; pip's
# own cache makes a rebuild fast). The wheel is reinstalled on every run, so the suite never
# tests a stale one.
set -euo pipefail
cd "$(dirname "$0")/.."

ARCGIS_VERSION=2.4.4
PYTEST_VERSION=8.3.5
VENV=${JOBMOCK_E2E_VENV:-target/e2e-venv}
WHEELS=target/wheels

if ! command -v python3 >/dev/null 2>&1; then
    echo "e2e: SKIPPED: python3 is not installed, and the end-to-end test runs the ArcGIS API for Python"
    exit 0
fi

wanted="import arcgis, pytest, sys; sys.exit(arcgis.__version__ != '$ARCGIS_VERSION' or pytest.__version__ != '$PYTEST_VERSION')"
if ! "$VENV/bin/python" -c "$wanted" 2>/dev/null; then
    echo "e2e: installing arcgis==$ARCGIS_VERSION and pytest==$PYTEST_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "arcgis==$ARCGIS_VERSION" "pytest==$PYTEST_VERSION"
fi

echo "e2e: building the wheel (pip wheel ., maturin, dev profile)"
rm -rf "$WHEELS"
MATURIN_PEP517_ARGS="--profile dev" "$VENV/bin/pip" wheel --quiet --disable-pip-version-check \
    --no-deps --wheel-dir "$WHEELS" .
"$VENV/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
    "$WHEELS"/jobmock-*.whl

# The suite runs the installed package: its plugin, and the jobmock command beside its Python.
(cd tests/python && JOBMOCK_BIN= "../../$VENV/bin/python" -m pytest -q)

cargo build --quiet --bin jobmock
"$VENV/bin/python" tests/e2e/record_client.py target/debug/jobmock fixtures
