#!/usr/bin/env bash
# `make bench`: installs the load generator (wrk, from Debian's packages: a C program whose own
# cost per request is far below a server's, with latency percentiles built in), builds jobmock
# and the reference server in release mode, and runs bench/bench.py. Pass --quick for a short
# smoke run of the bench itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: installing wrk"
    if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq wrk
fi
command -v python3 >/dev/null 2>&1 || { echo "bench: python3 is needed to drive the bench" >&2; exit 2; }

cargo build --release --quiet --bin jobmock --example reference_server --example reference_proxy --example reference_read
python3 bench/bench.py "$@"
