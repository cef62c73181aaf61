#!/usr/bin/env bash
# `make dist`: the packages a user installs, built into dist/, then checked (scripts/dist-check.sh):
#
# - jobmock-<v>-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl: the binary (linked against
#   glibc 2.17's symbols, by zig's linker, as ruff's and uv's are), the Python package with its
#   pytest plugin, and the shipped fixtures;
# - jobmock-<v>.tar.gz: the sdist, which builds anywhere Rust 1.85 and Python 3.9 run;
# - jobmock-<v>-x86_64-unknown-linux-gnu.tar.gz: the same binary with the README, the changelog
#   and the licences, for people who are not in Python;
# - SHA256SUMS of the three.
#
# maturin and zig (PyPI's `ziglang`) are installed at pinned versions into a virtual environment
# of their own under target/dist/; nothing but packages from PyPI is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."

MATURIN_VERSION=1.16.0
ZIGLANG_VERSION=0.17.1
TARGET=x86_64-unknown-linux-gnu
VENV=target/dist/venv
OUT=dist

if ! command -v python3 >/dev/null 2>&1; then
    echo "dist: python3 is needed (maturin and zig are installed from PyPI into $VENV)" >&2
    exit 2
fi
wanted="import importlib.metadata as m, sys; sys.exit(m.version('maturin') != '$MATURIN_VERSION' or m.version('ziglang') != '$ZIGLANG_VERSION')"
if ! "$VENV/bin/python" -c "$wanted" 2>/dev/null; then
    echo "dist: installing maturin==$MATURIN_VERSION and ziglang==$ZIGLANG_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "maturin==$MATURIN_VERSION" "ziglang==$ZIGLANG_VERSION"
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
# The sdist has no .git: it carries the commit it was made from (build.rs reads it).
git log -1 --abbrev=12 --format='%h %cs' > BUILD-COMMIT
# The tarball's files get the commit's time, so that the same commit gives the same bytes.
export SOURCE_DATE_EPOCH
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)

# maturin with the tools of $VENV, its output kept to a log unless it fails. Its one warning is
# about this project's backend (maturin behind a cargo check, packaging/jobmock_build.py),
# which is on purpose.
maturin_quietly() {
    local log=target/dist/maturin.log
    if ! PATH="$PWD/$VENV/bin:$PATH" maturin "$@" > "$log" 2>&1; then
        cat "$log" >&2
        echo "dist: maturin $1 failed (its output is above, and in $log)" >&2
        exit 1
    fi
    grep -E '^📦 Built|^📦 Including files' "$log" || true
}

rm -rf "$OUT"
mkdir -p "$OUT"
echo "dist: the wheel (maturin --zig, manylinux2014: glibc 2.17)"
start=$SECONDS
# The `dist` profile (Cargo.toml): release's code without its line tables, which strip drops.
maturin_quietly build --profile dist --zig --compatibility manylinux2014 --target "$TARGET" \
    --out "$OUT"
echo "dist: wheel built in $((SECONDS - start)) s"
# The tag set in the order auditwheel writes it, and PyPI's wheels of ruff and uv carry (maturin
# writes manylinux2014 first; the set, which is what pip reads, is the same).
for built in "$OUT"/*-manylinux2014_x86_64.manylinux_2_17_x86_64.whl; do
    [ -e "$built" ] && mv "$built" "${built%-manylinux2014_x86_64.manylinux_2_17_x86_64.whl}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
done
echo "dist: the sdist"
maturin_quietly sdist --out "$OUT"

echo "dist: the tarball"
wheel=$OUT/jobmock-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
staging=target/dist/jobmock-$version-$TARGET
rm -rf "$staging"
mkdir -p "$staging"
"$VENV/bin/python" - "$wheel" "$staging/jobmock" <<'EOF'
import sys, zipfile
wheel, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    [name] = [n for n in archive.namelist() if n.endswith(".data/scripts/jobmock")]
    with open(out, "wb") as binary:
        binary.write(archive.read(name))
EOF
chmod 755 "$staging/jobmock"
cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$staging/"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C target/dist -cf - "jobmock-$version-$TARGET" | gzip -n -9 > "$OUT/jobmock-$version-$TARGET.tar.gz"

(cd "$OUT" && sha256sum -- *.whl *.tar.gz > SHA256SUMS)
ls -l "$OUT"

bash scripts/dist-check.sh "$OUT"
