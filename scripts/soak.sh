#!/usr/bin/env bash
# `make soak`: replay under mixed load for SOAK_SECONDS (default 180) with SOAK_WORKERS
# (default 32) clients, on loopback; fails unless every answer is as scripted, RSS stays flat
# after warm-up and SIGTERM ends the server with exit code 0. See examples/soak.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin jobmock --example soak
exec target/release/examples/soak "${SOAK_SECONDS:-180}" "${SOAK_WORKERS:-32}"
