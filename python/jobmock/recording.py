"""Recording per test, for the pytest plugin: which record mode a test runs in, where its set
lives, and the `jobmock replay` arguments that record it.

The names follow pytest-recording (and VCR.py): `none`, `once`, `new_episodes`, `all`, and
`rewrite` (the test's set deleted, then recorded as `new_episodes`). Nothing here imports pytest:
the plugin turns a `RecordingError` into a usage error or a failed test.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import List, Optional

#: The modes a test can record in; `rewrite` is the plugin's, the others `jobmock replay`'s.
RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
#: What `--jobmock-on-expired` takes (`jobmock replay --on-expired`).
ON_EXPIRED = ("warn", "error", "record")
#: Where a test's set lives, below the test file's folder, unless told otherwise.
DEFAULT_RECORD_DIR = os.path.join("fixtures", "jobmock")

# What a set's folder name keeps of a test's name: what every file system takes, brackets
# included (pytest-recording keeps them too, and a parametrized name stays readable).
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-\[\]=,+@]+")
_LONGEST_NAME = 120


class RecordingError(Exception):
    """A record mode, upstream or folder that cannot be used; the message says what to give."""


def check_mode(mode: str, where: str) -> str:
    if mode not in RECORD_MODES:
        raise RecordingError(
            f"{where}: the record mode is one of {', '.join(RECORD_MODES)}, not {mode!r}")
    return mode


def check_on_expired(value: str, where: str) -> str:
    if value not in ON_EXPIRED:
        raise RecordingError(f"{where}: one of {', '.join(ON_EXPIRED)}, not {value!r}")
    return value


def set_name(test: str) -> str:
    """A folder name for a test (`TestClass.test_name[param]`): the name itself where every file
    system takes it; otherwise its unsafe characters made `-` and a short digest of the whole
    name added, so that two parameters that differ only there never share a set."""
    safe = _UNSAFE.sub("-", test).strip("-.") or "test"
    if safe == test and len(safe) <= _LONGEST_NAME:
        return safe
    digest = hashlib.sha1(test.encode("utf-8")).hexdigest()[:8]
    return safe[: _LONGEST_NAME - 9].rstrip("-.") + "-" + digest


def node_test_name(nodeid: str) -> str:
    """The part of a node ID after its file, classes joined with `.`: `TestA.test_b[1]`."""
    parts = nodeid.split("::")
    return ".".join(parts[1:]) if len(parts) > 1 else parts[0].rsplit("/", 1)[-1]


def has_recording(folder: Path) -> bool:
    """Whether a set holds any file (an empty folder, or one of empty folders, is no recording:
    `once` records it)."""
    if not folder.is_dir():
        return False
    for _, _, files in os.walk(folder):
        if files:
            return True
    return False


class Plan:
    """How one test's set is served: `mode` as asked, `replay_mode` as `jobmock replay` gets it,
    and whether its requests are recorded (`records`) or must all be answered by the set."""

    def __init__(self, folder: Path, mode: str, upstream: Optional[str], ca: Optional[str],
                 expire_after: Optional[str], on_expired: Optional[str], strict: bool):
        self.folder = folder
        self.mode = mode
        self.upstream = upstream
        self.ca = ca
        self.expire_after = expire_after
        self.on_expired = on_expired
        self.strict = strict
        if mode == "rewrite":
            self.replay_mode = "new_episodes"
        elif mode == "once" and has_recording(folder):
            # A recorded set is replayed whether or not an upstream is given: `once` needs one
            # only for a set it records.
            self.replay_mode = "none"
        else:
            self.replay_mode = mode
        if self.replay_mode != "none" and not upstream:
            raise RecordingError(
                f"--jobmock-record-mode {mode} records from an upstream: give "
                "--jobmock-upstream URL (or $JOBMOCK_UPSTREAM, or the ini option "
                f"jobmock_upstream), or --jobmock-record-mode none to replay {folder} offline")

    @property
    def records(self) -> bool:
        return self.replay_mode != "none"

    def prepare(self) -> None:
        """Before the server starts: `rewrite` deletes the set; the folder above it is made."""
        if self.mode == "rewrite" and self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.parent.mkdir(parents=True, exist_ok=True)

    def args(self) -> List[str]:
        """What `jobmock replay --fixtures <folder>` is given besides the plugin's usual flags."""
        args: List[str] = []
        forwards = self.records or (self.on_expired == "record" and self.upstream)
        if forwards:
            args += ["--upstream", str(self.upstream), "--record-mode", self.replay_mode]
            if self.ca:
                args += ["--ca-cert", self.ca]
        if self.expire_after:
            args += ["--expire-after", self.expire_after]
        if self.on_expired:
            args += ["--on-expired", self.on_expired]
        return args

    @property
    def replay_strict(self) -> bool:
        """A set that is only replayed answers what it lacks with an error the client raises on
        (`--strict`), so that the test stops where the recording ends."""
        return self.strict or not self.records

    def hint(self) -> str:
        return (
            f"To record what is missing: re-run with --jobmock-record-mode new_episodes (adds it "
            f"to the set) or rewrite (records the test afresh), or delete {self.folder} and "
            "re-run with --jobmock-record-mode once; each records from --jobmock-upstream URL.")
