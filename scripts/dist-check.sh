#!/usr/bin/env bash
# Checks what `make dist` built (run by scripts/dist.sh; `make dist-check` runs it alone on an
# existing dist/), as a user would meet it:
#
# 1. the binary's highest GLIBC_ symbol version is at most 2.17, and the check itself fails on a
#    binary linked here against the machine's newer glibc (so it cannot pass by reading nothing);
# 2. the wheel's tags are manylinux_2_17_x86_64 and manylinux2014_x86_64, and it holds the binary,
#    the pytest plugin (entry point included) and the shipped fixtures;
# 3. the wheel installs into a fresh virtual environment with no cargo on PATH, where
#    `jobmock --version` names the version and the commit, and a pytest test takes the `jobmock`
#    fixture and polls a shipped job to COMPLETED;
# 4. the sdist holds what a build needs and nothing of the tests; with no cargo, `pip install` of
#    the sdist and of the checkout stops with the backend's message and downloads no toolchain;
#    with cargo, the sdist builds a wheel whose `--version` names the same commit;
# 5. the tarball holds the same binary, the README, the changelog and the licences, and
#    SHA256SUMS matches every file;
# 6. `cargo package --list` holds the crate and not the tests, screenshots or Python package, and
#    `cargo install --path .` installs a jobmock that runs.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${1:-dist}
TARGET=x86_64-unknown-linux-gnu
PYTEST_VERSION=8.3.5
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
commit=$(git log -1 --abbrev=12 --format='%h %cs')
expected="jobmock $version ($commit)"
work=$(mktemp -d "${TMPDIR:-/tmp}/jobmock-dist-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    echo "dist-check: FAILED: $*" >&2
    failures=$((failures + 1))
}
pass() {
    echo "dist-check: ok: $*"
}

# A PATH with Python and the basic tools and no cargo or rustup (they live under ~/.cargo/bin).
clean_path="/usr/local/bin:/usr/bin:/bin"
clean_env() {
    env -i HOME="$work/home" PATH="$1:$clean_path" LANG=C.UTF-8 "${@:2}"
}
mkdir -p "$work/home"
if clean_env "$work" sh -c 'command -v cargo' >/dev/null; then
    echo "dist-check: cargo is on $clean_path: the no-cargo checks cannot be run here" >&2
    exit 2
fi

highest_glibc() {
    objdump -T "$1" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1
}
at_most_2_17() {
    [ "$(printf '%s\n%s\n' "$1" 2.17 | sort -V | tail -1)" = 2.17 ]
}

wheel=$(ls "$OUT"/jobmock-"$version"-*.whl 2>/dev/null | head -1)
sdist=$OUT/jobmock-$version.tar.gz
tarball=$OUT/jobmock-$version-$TARGET.tar.gz
for file in "$wheel" "$sdist" "$tarball" "$OUT/SHA256SUMS"; do
    [ -n "$file" ] && [ -f "$file" ] || { echo "dist-check: $OUT lacks ${file:-the wheel}: run make dist" >&2; exit 2; }
done

# 1 and 2: the wheel's binary and tags.
mkdir -p "$work/wheel"
python3 -m zipfile -e "$wheel" "$work/wheel"
binary=$(ls "$work"/wheel/jobmock-"$version".data/scripts/jobmock)
glibc=$(highest_glibc "$binary")
if [ -n "$glibc" ] && at_most_2_17 "$glibc"; then
    pass "the wheel's binary needs glibc $glibc at most"
else
    fail "the wheel's binary needs GLIBC_${glibc:-?} (at most 2.17 wanted)"
fi
cargo build --quiet --bin jobmock
host_glibc=$(highest_glibc target/debug/jobmock)
if at_most_2_17 "$host_glibc"; then
    fail "the glibc check passes a binary linked against this machine's glibc ($host_glibc): it checks nothing"
else
    pass "the glibc check refuses a binary built here against glibc $host_glibc"
fi

tags=$(sed -n 's/^Tag: //p' "$work"/wheel/jobmock-"$version".dist-info/WHEEL | sort | tr '\n' ' ')
if [ "$tags" = "py3-none-manylinux2014_x86_64 py3-none-manylinux_2_17_x86_64 " ]; then
    pass "the wheel's tags: $tags"
else
    fail "the wheel's tags are '$tags', not py3-none-manylinux_2_17_x86_64 and py3-none-manylinux2014_x86_64"
fi
case "$(basename "$wheel")" in
    "jobmock-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
        pass "the wheel's name: $(basename "$wheel")" ;;
    *) fail "the wheel's name $(basename "$wheel") does not carry the manylinux_2_17 tags" ;;
esac
for path in jobmock/__init__.py jobmock/pytest_plugin.py jobmock/fixtures/jobs \
    jobmock/fixtures/templates jobmock/fixtures/shapes; do
    [ -e "$work/wheel/$path" ] || fail "the wheel lacks $path"
done
grep -Eq '^jobmock *= *jobmock.pytest_plugin' "$work"/wheel/jobmock-"$version".dist-info/entry_points.txt \
    || fail "the wheel does not declare the pytest11 entry point"
pass "the wheel holds the package, the plugin and the shipped fixtures"

# 3: a fresh virtual environment, no cargo.
python3 -m venv "$work/venv"
clean_env "$work/venv/bin" pip install --quiet --disable-pip-version-check \
    "$wheel" "pytest==$PYTEST_VERSION"
got=$(clean_env "$work/venv/bin" jobmock --version)
if [ "$got" = "$expected" ]; then
    pass "the installed wheel: $got"
else
    fail "the installed wheel's --version says '$got', not '$expected'"
fi
mkdir -p "$work/suite"
cat > "$work/suite/test_installed.py" <<'EOF'
import json
import ssl
import urllib.request

JOB = "j6185135c-92a8-4402-b8de-90a66dc61fcc"  # a shipped job: SUBMITTED, PROCESSING, COMPLETED


def test_a_shipped_job_completes(jobmock):
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    url = f"{jobmock.url}/notebookserver/admin/system/jobs/{JOB}?f=json"
    statuses = []
    for _ in range(10):
        with urllib.request.urlopen(url, context=context) as answer:
            statuses.append(json.load(answer)["status"])
        if statuses[-1] in ("COMPLETED", "FAILED"):
            break
    assert statuses == ["SUBMITTED", "PROCESSING", "COMPLETED"]
EOF
if (cd "$work/suite" && clean_env "$work/venv/bin" python -m pytest -q -p no:cacheprovider); then
    pass "a pytest test with the jobmock fixture, in the fresh environment"
else
    fail "the pytest test with the jobmock fixture failed in the fresh environment"
fi

# 4: the sdist.
tar -tzf "$sdist" | sed "s|^jobmock-$version/||" | sort > "$work/sdist.list"
for path in Cargo.toml Cargo.lock build.rs BUILD-COMMIT pyproject.toml src/main.rs src/lib.rs \
    packaging/jobmock_build.py python/jobmock/pytest_plugin.py LICENSE-MIT LICENSE-APACHE; do
    grep -qx "$path" "$work/sdist.list" || fail "the sdist lacks $path"
done
grep -q '^python/jobmock/fixtures/jobs/' "$work/sdist.list" || fail "the sdist lacks the shipped fixtures"
if grep -E '^(tests|docs|target|bench|fuzz|\.ci)/' "$work/sdist.list" >/dev/null; then
    fail "the sdist carries what is not needed to build: $(grep -E '^(tests|docs|target|bench|fuzz|\.ci)/' "$work/sdist.list" | head -3 | tr '\n' ' ')"
fi
pass "the sdist holds $(wc -l < "$work/sdist.list") files, and none of the tests'"

# $1: what is installed, $2: its path, $3: the folder put first on PATH, $4: what pip must say.
no_toolchain() {
    local what=$1 source=$2 log="$work/no-cargo-$1.log"
    if clean_env "$3" pip install --disable-pip-version-check --no-cache-dir \
        "$source" > "$log" 2>&1; then
        fail "pip install of the $what succeeded without a usable cargo"
    elif ! grep -qF "$4" "$log"; then
        fail "pip install of the $what without a usable cargo did not say '$4': $(tail -5 "$log")"
    elif grep -qi 'installing into a temporary directory\|puccinialin\|rustup-init' "$log"; then
        fail "pip install of the $what without a usable cargo went to fetch a toolchain"
    else
        pass "pip install of the $what stops with: $(grep -m1 -F "$4" "$log" | sed 's/^ *//')"
    fi
}
no_toolchain sdist "$sdist" "$work/venv/bin" 'no `cargo` was found on PATH'
no_toolchain checkout "$PWD" "$work/venv/bin" 'no `cargo` was found on PATH'
# A cargo older than Cargo.toml's rust-version is named as such.
mkdir -p "$work/old-cargo"
printf '#!/bin/sh\necho "cargo 1.70.0 (ec8a8a0ca 2023-04-25)"\n' > "$work/old-cargo/cargo"
chmod +x "$work/old-cargo/cargo"
no_toolchain "sdist (cargo 1.70)" "$sdist" "$work/old-cargo:$work/venv/bin" 'cargo 1.70 is older than the 1.85 it needs'

# With cargo, the sdist builds (dev profile and this checkout's target/, to reuse what is compiled).
unpacked=$work/sdist
mkdir -p "$unpacked"
tar -xzf "$sdist" -C "$unpacked"
if CARGO_TARGET_DIR="$PWD/target" MATURIN_PEP517_ARGS="--profile dev" "$work/venv/bin/pip" wheel \
    --quiet --disable-pip-version-check --no-deps --wheel-dir "$work/from-sdist" \
    "$unpacked/jobmock-$version" > "$work/sdist-build.log" 2>&1; then
    mkdir -p "$work/from-sdist/x"
    python3 -m zipfile -e "$work"/from-sdist/jobmock-*.whl "$work/from-sdist/x"
    chmod +x "$work"/from-sdist/x/jobmock-"$version".data/scripts/jobmock
    got=$("$work"/from-sdist/x/jobmock-"$version".data/scripts/jobmock --version)
    if [ "$got" = "$expected" ]; then
        pass "the sdist builds, and its binary says: $got"
    else
        fail "the binary built from the sdist says '$got', not '$expected'"
    fi
else
    fail "the sdist does not build: $(tail -20 "$work/sdist-build.log")"
fi

# 5: the tarball and the sums.
top="jobmock-$version-$TARGET"
listing=$(tar -tzf "$tarball" | sort | tr '\n' ' ')
if [ "$listing" = "$top/ $top/CHANGELOG.md $top/LICENSE-APACHE $top/LICENSE-MIT $top/README.md $top/jobmock " ]; then
    pass "the tarball holds the binary, the README, the changelog and the licences"
else
    fail "the tarball holds: $listing"
fi
tar -xzf "$tarball" -C "$work"
cmp -s "$work/$top/jobmock" "$binary" || fail "the tarball's binary is not the wheel's"
got=$(clean_env "$work/$top" jobmock --version)
[ "$got" = "$expected" ] && pass "the tarball's binary: $got" || fail "the tarball's binary says '$got'"
if (cd "$OUT" && sha256sum --quiet -c SHA256SUMS) && [ "$(wc -l < "$OUT/SHA256SUMS")" = 3 ]; then
    pass "SHA256SUMS matches the wheel, the sdist and the tarball"
else
    fail "SHA256SUMS does not match $OUT's three files"
fi

# 6: the crate.
cargo package --list --allow-dirty --quiet 2>/dev/null | sort > "$work/crate.list"
for path in Cargo.toml Cargo.lock build.rs src/main.rs src/lib.rs fixtures/shapes/executeNotebook.shape \
    README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE; do
    grep -qx "$path" "$work/crate.list" || fail "cargo package --list lacks $path"
done
if grep -E '^(tests|docs|python|bench|fuzz|scripts|target|\.ci)/|\.png$' "$work/crate.list" >/dev/null; then
    fail "cargo package --list carries $(grep -E '^(tests|docs|python|bench|fuzz|scripts|target|\.ci)/|\.png$' "$work/crate.list" | head -3 | tr '\n' ' ')"
fi
pass "cargo package --list: $(wc -l < "$work/crate.list") files, no tests, screenshots or Python"
if cargo install --quiet --locked --debug --path . --root "$work/cargo-root" --target-dir target \
    > "$work/cargo-install.log" 2>&1; then
    got=$("$work/cargo-root/bin/jobmock" --version)
    [ "$got" = "$expected" ] && pass "cargo install --path .: $got" || fail "cargo install --path . gives '$got'"
else
    fail "cargo install --path . failed: $(tail -10 "$work/cargo-install.log")"
fi

if [ "$failures" -ne 0 ]; then
    echo "dist-check: $failures check(s) failed" >&2
    exit 1
fi
echo "dist-check: all checks passed for $OUT"
