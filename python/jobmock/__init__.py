"""jobmock: a mock server for the jobs of ArcGIS Notebook Server, from Python.

The wheel installs the `jobmock` command (the Rust binary) and this package: `Server` starts
`jobmock replay --tls` on a free port, `Session` talks to one session of it, and the pytest
plugin (`jobmock.pytest_plugin`, loaded by itself once the package is installed) gives each test
a `jobmock` fixture. The shipped fixture set is at `shipped_fixtures()`.
"""

from .server import (
    JobmockError,
    Server,
    Session,
    find_binary,
    session_name,
    shipped_fixtures,
)

try:
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        __version__ = _version("jobmock")
    except PackageNotFoundError:  # run from a checkout, not installed
        __version__ = "0+unknown"
except ImportError:  # pragma: no cover
    __version__ = "0+unknown"

__all__ = [
    "JobmockError",
    "Server",
    "Session",
    "find_binary",
    "session_name",
    "shipped_fixtures",
    "__version__",
]
