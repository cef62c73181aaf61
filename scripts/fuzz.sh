#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS each (default 600), one after the
# other, with cargo fuzz (libFuzzer). Installs cargo-fuzz if it is missing. The stable toolchain
# takes cargo fuzz's sanitizer flags with RUSTC_BOOTSTRAP=1.
#
# Each target starts from its seeds (fuzz/seeds/<target>/) and the corpus of earlier runs
# (fuzz/corpus/<target>/, not committed). A crash stops the run and leaves its input in
# fuzz/artifacts/<target>/; keep it as a regression test in tests/ and fix the cause.
#
#   make fuzz                          every target, 10 minutes each
#   FUZZ_SECONDS=60 make fuzz          a quick pass
#   FUZZ_TARGETS="http_request" make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-600}"
targets="${FUZZ_TARGETS:-fixture_folder shape_notation request_parts http_request redaction}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

cd fuzz
cargo fuzz build
# The binaries are run as built here, so that editing the sources meanwhile changes nothing.
bin="target/x86_64-unknown-linux-gnu/release"
mkdir -p ../target/fuzz-bin
for target in $targets; do
    cp "$bin/$target" "../target/fuzz-bin/$target"
done
for target in $targets; do
    mkdir -p "corpus/$target" "artifacts/$target"
    echo "fuzz: $target for ${seconds}s"
    # -rss_limit_mb: a leak or an unbounded table fails the run instead of filling the machine.
    "../target/fuzz-bin/$target" "corpus/$target" "seeds/$target" \
        -artifact_prefix="artifacts/$target/" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
        2>&1 | tee "../target/fuzz-$target.log" | grep -E "^(#[0-9]+ *DONE|Done|stat::|==|SUMMARY|artifact_prefix|Test unit written)" || true
    if ! grep -q "Done [0-9]* runs" "../target/fuzz-$target.log"; then
        echo "fuzz: $target failed; see target/fuzz-$target.log and fuzz/artifacts/$target/" >&2
        exit 1
    fi
done
echo "fuzz: every target ran ${seconds}s without a crash"
