#!/usr/bin/env bash
# `make e2e-source`: the client versions PyPI has as source packages only, which take minutes to
# build (their dependencies build `gssapi` against Kerberos; Debian's libkrb5-dev, installed
# here with apt where missing): arcgis 2.4.0, in a virtual environment of its own under target/,
# runs every scenario of tests/e2e/client_scenarios.py against `jobmock replay --strict` with the
# shipped set. CI runs it after `make test`, to keep `make test` within its budget.
#
# 2.3.x is not here: on today's PyPI its build dependencies cannot be resolved on Python 3.11
# (it asks for jupyter-client<=6.1.12, which no ipykernel it can have accepts).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSIONS=${JOBMOCK_E2E_SOURCE_ARCGIS:-"2.4.0"}

if ! command -v python3 >/dev/null 2>&1; then
    echo "e2e-source: SKIPPED: python3 is not installed"
    exit 0
fi
if ! command -v krb5-config >/dev/null 2>&1; then
    echo "e2e-source: installing libkrb5-dev (gssapi builds against it)"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq libkrb5-dev >/dev/null
fi

cargo build --quiet --bin jobmock
for version in $VERSIONS; do
    venv=target/e2e/arcgis-$version
    wanted="import arcgis, sys; sys.exit(arcgis.__version__ != '$version')"
    if ! "$venv/bin/python" -c "$wanted" 2>/dev/null; then
        echo "e2e-source: building arcgis==$version from its source package into $venv (minutes)"
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "arcgis==$version"
    fi
    echo "e2e-source: arcgis $version"
    "$venv/bin/python" tests/e2e/client_scenarios.py target/debug/jobmock fixtures
done
