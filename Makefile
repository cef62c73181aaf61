# The commands a developer and CI run. `make run` and `make test` are the two that matter.

CARGO ?= cargo

.PHONY: run build test fmt-check lint unit e2e e2e-source ui dist dist-check bench soak fuzz clean

## Build and serve the shipped fixtures on 127.0.0.1:8080.
run:
	$(CARGO) run --release -- replay --fixtures fixtures --listen 127.0.0.1:8080

build:
	$(CARGO) build --release

## Everything CI checks: formatting, lints with warnings as errors, every test, the
## end-to-end test with the ArcGIS API for Python, and the web view in a real browser.
test: fmt-check lint unit e2e ui

fmt-check:
	$(CARGO) fmt --all -- --check

lint:
	$(CARGO) clippy --all-targets -- -D warnings

unit:
	$(CARGO) test --all-targets
	$(CARGO) test --doc

## The real client (PyPI arcgis, every 2.4.x wheel: 2.4.4, 2.4.3, 2.4.2, 2.4.1.5) against replay
## --tls and through record; installs each into a virtual environment under target/.
e2e:
	bash scripts/e2e.sh

## The client versions PyPI has as source packages only (arcgis 2.4.0), minutes to build: every
## scenario against replay --strict. CI runs it after `make test`.
e2e-source:
	bash scripts/e2e-source.sh

## The web view (GET /__jobmock/ui, jobmock report) in headless Chromium, with the shipped and
## the hostile fixtures (tests/ui/hostile); installs chromium with apt if missing. Screenshots
## land in target/ui/.
ui:
	bash scripts/ui-test.sh

## The packages, in dist/: a manylinux_2_17 wheel (maturin --zig; glibc 2.17 or newer), the sdist,
## jobmock-<version>-x86_64-unknown-linux-gnu.tar.gz and SHA256SUMS; then checks them (glibc
## symbols, tags, an install into a fresh environment without cargo, the sdist's build and its
## message without Rust, the crate's file list). CI runs it after `make test`.
dist:
	bash scripts/dist.sh

## The checks of `make dist` alone, on what is in dist/.
dist-check:
	bash scripts/dist-check.sh dist

## Throughput, latency, start-up, memory and diff speed, beside a bare hyper server; writes
## BENCHMARKS.md. Loopback only, a few minutes.
bench:
	bash scripts/bench.sh

## Replay under mixed load (sessions, formats, POSTs, resets, created jobs) for SOAK_SECONDS
## (default 180): every answer as scripted, RSS flat, clean exit on SIGTERM. Loopback only.
soak:
	bash scripts/soak.sh

## Every fuzz target (cargo fuzz, libFuzzer) for FUZZ_SECONDS each (default 600); installs
## cargo-fuzz if missing. Crashes land in fuzz/artifacts/; keep them in tests/fuzz-regressions/.
fuzz:
	bash scripts/fuzz.sh

clean:
	$(CARGO) clean
