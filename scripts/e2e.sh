#!/usr/bin/env bash
# The end-to-end tests with the real client, the ArcGIS API for Python (PyPI `arcgis`), in every
# 2.4.x version PyPI has as a wheel (the client matrix):
#
# 1. the Python package: builds the wheel from pyproject.toml as `pip install .` does (PEP 517,
#    maturin; the dev profile, so that it reuses what `cargo test` compiled), installs it afresh
#    into each client's environment, and runs tests/python with pytest there: the `jobmock`
#    fixture of the package's plugin against that client;
#    and tests/e2e/client_scenarios.py, every scenario against `replay --strict`;
# 2. the client recorded through `jobmock record --tls`, then replayed
#    (tests/e2e/record_client.py), with the newest client (which asks the Portal by GET) and the
#    oldest (which asks it by POST);
# 3. the Python examples of README.md and docs/ (tests/e2e/docs_examples.py), with the newest
#    client;
# 4. the shipped web tool's jobs (tests/e2e/webtools.py), with the newest client:
#    `import_toolbox` and the four tools' jobs (a result, a failure, a cancel, a time-out)
#    replayed, recorded through `jobmock record --tls`, and replayed from the recording;
# 5. the pytest plugin's record modes (tests/e2e/record_modes.py), with the newest client: a
#    suite recorded per test (once), replayed offline (none), recorded again (all,
#    new_episodes).
#
# Each client lives in a virtual environment of its own under target/ (kept between runs; pip's
# own cache makes a rebuild fast), with pytest and pytest-xdist (one without the pinned versions
# is rebuilt). The wheel is reinstalled on every run, so the suite never tests a stale one.
# JOBMOCK_E2E_ARCGIS="2.4.4" runs one client alone.
#
# 2.4.0 comes as a source package only, whose dependencies build `gssapi`: its scenarios run in
# scripts/e2e-source.sh (`make e2e-source`, which CI runs after `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."

ARCGIS_VERSIONS=${JOBMOCK_E2E_ARCGIS:-"2.4.4 2.4.3 2.4.2 2.4.1.5"}
PYTEST_VERSION=8.3.5
# pytest-xdist: the plugin's recording tests run two workers that record at once.
XDIST_VERSION=3.6.1
# six: what arcgis's geoprocessing needs and does not declare (see below).
SIX=six==1.17.0
WHEELS=target/wheels

if ! command -v python3 >/dev/null 2>&1; then
    echo "e2e: SKIPPED: python3 is not installed, and the end-to-end test runs the ArcGIS API for Python"
    exit 0
fi

# The environment of one client version: 2.4.4's where it always was (other scripts use it).
venv_of() {
    if [ "$1" = 2.4.4 ]; then
        echo "${JOBMOCK_E2E_VENV:-target/e2e-venv}"
    else
        echo "target/e2e/arcgis-$1"
    fi
}

for version in $ARCGIS_VERSIONS; do
    venv=$(venv_of "$version")
    wanted="import arcgis, pytest, xdist, sys; sys.exit(arcgis.__version__ != '$version' or pytest.__version__ != '$PYTEST_VERSION' or xdist.__version__ != '$XDIST_VERSION')"
    if ! "$venv/bin/python" -c "$wanted" 2>/dev/null; then
        echo "e2e: installing arcgis==$version, pytest==$PYTEST_VERSION and pytest-xdist==$XDIST_VERSION into $venv"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary arcgis \
            "arcgis==$version" "pytest==$PYTEST_VERSION" "pytest-xdist==$XDIST_VERSION"
    fi
    # The module `import_toolbox` generates for a web tool imports arcgis.layers, whose
    # arcgis.raster needs `six`, which arcgis does not declare: a web tool's user installs it.
    if ! "$venv/bin/python" -c "import six" 2>/dev/null; then
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$SIX"
    fi
done

first=$(venv_of "${ARCGIS_VERSIONS%% *}")
echo "e2e: building the wheel (pip wheel ., maturin, dev profile)"
rm -rf "$WHEELS"
MATURIN_PEP517_ARGS="--profile dev" "$first/bin/pip" wheel --quiet --disable-pip-version-check \
    --no-deps --wheel-dir "$WHEELS" .

cargo build --quiet --bin jobmock
for version in $ARCGIS_VERSIONS; do
    venv=$(venv_of "$version")
    echo "e2e: arcgis $version"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps \
        "$WHEELS"/jobmock-*.whl
    # The suite runs the installed package: its plugin, and the jobmock command beside its Python.
    # The recording and scenario suites start many servers; their client behaviour differs
    # between the newest and the oldest client (which they assert), so the clients between
    # run the rest of the suite only, keeping make test within its budget.
    skip=()
    if [ "$version" != "${ARCGIS_VERSIONS%% *}" ] && [ "$version" != "${ARCGIS_VERSIONS##* }" ]; then
        skip=(--ignore=test_recording.py --ignore=test_scenarios.py --ignore=test_webtools.py)
    fi
    (cd tests/python && JOBMOCK_BIN= "../../$venv/bin/python" -m pytest -q "${skip[@]}")
    # What every version must get: each scenario against replay --strict, nothing unanswered.
    "$venv/bin/python" tests/e2e/client_scenarios.py target/debug/jobmock fixtures
done

# Recorded with the newest client and the oldest: the Portal asked by GET, then by POST.
newest=${ARCGIS_VERSIONS%% *}
oldest=${ARCGIS_VERSIONS##* }
for version in $(printf '%s\n' "$newest" "$oldest" | uniq); do
    echo "e2e: recording and replaying arcgis $version"
    "$(venv_of "$version")/bin/python" tests/e2e/record_client.py target/debug/jobmock fixtures
done

# The Python examples of README.md and docs/, run with the newest client (tests/e2e/docs_examples.py).
echo "e2e: the documentation's Python examples, arcgis $newest"
"$(venv_of "$newest")/bin/python" tests/e2e/docs_examples.py

# The shipped web tool's jobs with the newest client: replayed, recorded, replayed from the
# recording (about 30 s).
echo "e2e: the web tool's jobs, arcgis $newest"
"$(venv_of "$newest")/bin/python" tests/e2e/webtools.py target/debug/jobmock fixtures

# The pytest plugin's record modes with the newest client: a suite recorded once per test,
# replayed offline, re-recorded (about 45 s).
echo "e2e: the pytest plugin's record modes, arcgis $newest"
"$(venv_of "$newest")/bin/python" tests/e2e/record_modes.py target/debug/jobmock fixtures
