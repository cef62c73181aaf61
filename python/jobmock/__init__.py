"""jobmock: a mock server for the jobs of ArcGIS Notebook Server, from Python.

The wheel installs the `jobmock` command (the Rust binary) and this package: `Server` starts
`jobmock replay --tls` on a free port, `Session` talks to one session of it, and the pytest
plugin (`jobmock.pytest_plugin`, loaded by itself once the package is installed) gives each test
a `jobmock` fixture. The shipped fixture set is at `shipped_fixtures()`.

A test defines the jobs it needs in its own session: `Session.add_job(steps=[…])` and
`Session.on_submit("executeNotebook", item_id=…, steps=[…])` return `Job` and `Submission`
handles; `jobmock.steps` builds the steps (`step`, `body`, `fault`, `slow`).
"""

from .server import (
    JobmockError,
    Server,
    Session,
    find_binary,
    session_name,
    shipped_fixtures,
)
from . import steps
from .scenarios import Job, Submission

try:
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        __version__ = _version("jobmock")
    except PackageNotFoundError:  # run from a checkout, not installed
        __version__ = "0+unknown"
except ImportError:  # pragma: no cover
    __version__ = "0+unknown"

__all__ = [
    "Job",
    "JobmockError",
    "Server",
    "Session",
    "find_binary",
    "session_name",
    "shipped_fixtures",
    "steps",
    "Submission",
    "__version__",
]
