"""The PEP 517 build backend of jobmock's Python package: maturin's, behind a check that a Rust
toolchain is there.

maturin, finding no `cargo` on PATH, downloads a whole Rust toolchain (about 900 MB) into a
temporary folder and builds with it, saying only "Rust not found, installing into a temporary
directory". A source build of jobmock stops instead, before anything is fetched, with what is
missing and the two ways on: install Rust, or install the prebuilt wheel, which needs none.
"""

import os
import re
import shutil
import subprocess

# Never let maturin fetch a toolchain, whichever hook it checks in.
os.environ["MATURIN_NO_INSTALL_RUST"] = "1"

import maturin  # noqa: E402 (after the environment it reads)

# Cargo.toml's `rust-version`: edition 2024 needs it.
RUST_VERSION = (1, 85)


def _require_cargo():
    cargo = shutil.which("cargo")
    found = None
    if cargo is not None:
        try:
            output = subprocess.run(
                [cargo, "--version"], capture_output=True, text=True, timeout=60
            ).stdout
        except (OSError, subprocess.SubprocessError):
            output = ""
        match = re.search(r"cargo (\d+)\.(\d+)", output)
        if match:
            found = (int(match.group(1)), int(match.group(2)))
            if found >= RUST_VERSION:
                return
    wanted = ".".join(map(str, RUST_VERSION))
    what = (
        "no `cargo` was found on PATH"
        if found is None
        else "cargo %s is older than the %s it needs" % (".".join(map(str, found)), wanted)
    )
    raise SystemExit(
        "jobmock: this is a source build of jobmock, which compiles its Rust code, and %s.\n"
        "  - Install Rust %s or newer (https://rustup.rs, or your system's rustc and cargo\n"
        "    packages), make sure `cargo --version` works in this shell, and run pip again;\n"
        "  - or install the prebuilt wheel instead, which needs no Rust (Linux x86_64, glibc 2.17\n"
        "    or newer): pip install jobmock-<version>-py3-none-manylinux_2_17_x86_64"
        ".manylinux2014_x86_64.whl\n"
        "No Rust toolchain was downloaded." % (what, wanted)
    )


def get_requires_for_build_wheel(config_settings=None):
    _require_cargo()
    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings=None):
    _require_cargo()
    return maturin.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    _require_cargo()
    return maturin.get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _require_cargo()
    return maturin.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _require_cargo()
    return maturin.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _require_cargo()
    return maturin.build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    _require_cargo()
    return maturin.build_sdist(sdist_directory, config_settings)
