"""The pytest plugin: a `jobmock` fixture, one jobmock session per test.

Installed with the package (entry point `pytest11`), so any test can ask for it::

    def test_execute(jobmock):
        gis = GIS(jobmock.url + "/portal", token="t", verify_cert=True,
                  ca_bundles=jobmock.ca_bundle)
        notebooks = NotebookServer(jobmock.url + "/notebookserver", gis).notebooks
        assert notebooks.execute_notebook(ITEM, future=True).result()["status"] == "COMPLETED"
        assert jobmock.verify()["jobs"][0]["pollsAfterEnd"] == 0

A `jobmock replay --tls` server on a free port is started on first use and shared by the whole
test session (one per distinct fixtures/strict/args). Each test gets its own jobmock session on
it, named after the test, so tests never see each other's cursors or requests.

- `--jobmock-fixtures DIR` (or the ini option `jobmock_fixtures`) serves another fixture set
  than the shipped one; `--jobmock-bin PATH` (or `$JOBMOCK_BIN`) runs another binary.
- `@pytest.mark.jobmock(fixtures="DIR", scope="function", strict=True, args=[...])`: another
  set, a server of the test's own (`scope="function"`), `--strict`, more arguments for
  `jobmock replay`. A marker's relative `fixtures` is taken from the rootdir.
- A server that does not start fails the test with its stderr. A server of the test's own is
  stopped after it, and a non-zero exit code (a `--strict` server exits 1 when it answered an
  unmatched request) fails its teardown with the unmatched requests and the server's stderr. On a
  shared `strict` server each test's own unmatched requests fail that test's teardown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from .server import JobmockError, Server, Session, find_binary, session_name, shipped_fixtures

MARKER = (
    "jobmock(fixtures=None, *, scope='session', strict=False, args=()): the jobmock server this "
    "test's `jobmock` fixture uses: another fixture set, a server of its own "
    "(scope='function'), `jobmock replay --strict`, more command-line arguments"
)

_MARKER_KEYS = {"fixtures", "scope", "strict", "args"}

try:
    _KEY = pytest.StashKey["_Servers"]()
except AttributeError:  # pytest < 7: the manager is kept as an attribute instead
    _KEY = None


def pytest_addoption(parser) -> None:
    group = parser.getgroup("jobmock", "jobmock (mock ArcGIS Notebook Server)")
    group.addoption(
        "--jobmock-fixtures", dest="jobmock_fixtures", metavar="DIR", default=None,
        help="fixture set the `jobmock` fixture serves (default: the ini option "
             "jobmock_fixtures, else the set shipped with the package)")
    group.addoption(
        "--jobmock-bin", dest="jobmock_bin", metavar="PATH", default=None,
        help="the jobmock binary (default: $JOBMOCK_BIN, else the package's, else PATH)")
    parser.addini(
        "jobmock_fixtures", default=None,
        help="fixture set the `jobmock` fixture serves, relative to the ini file")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", MARKER)
    manager = _Servers(config)
    if _KEY is not None:
        config.stash[_KEY] = manager
    else:  # pragma: no cover
        config._jobmock_servers = manager


def pytest_report_header(config) -> Optional[str]:
    manager = _manager(config)
    try:
        binary = manager.binary() or find_binary()
    except JobmockError as error:
        binary = f"not found ({error})"
    return f"jobmock: {binary}, fixtures {manager.default_fixtures()}"


def _manager(config) -> "_Servers":
    if _KEY is not None:
        return config.stash[_KEY]
    return config._jobmock_servers  # pragma: no cover


class _Options:
    def __init__(self, fixtures: str, scope: str, strict: bool, args: Tuple[str, ...]):
        self.fixtures = fixtures
        self.scope = scope
        self.strict = strict
        self.args = args

    @property
    def key(self) -> Tuple[Any, ...]:
        return (self.fixtures, self.strict, self.args)


class _Servers:
    """The servers of one pytest session: shared ones by their options, and the session names
    given out on each server so far."""

    def __init__(self, config):
        self.config = config
        self.shared: Dict[Tuple[Any, ...], Any] = {}
        self.names: Dict[int, Set[str]] = {}
        self.reported: Set[int] = set()

    def binary(self) -> Optional[str]:
        value = self.config.getoption("jobmock_bin", default=None)
        if value:
            return str(Path(self.config.invocation_params.dir, value))
        return None

    def default_fixtures(self) -> str:
        option = self.config.getoption("jobmock_fixtures", default=None)
        if option:
            return str(Path(self.config.invocation_params.dir, option).resolve())
        ini = self.config.getini("jobmock_fixtures")
        if ini:
            base = self.config.inipath.parent if self.config.inipath else self.config.rootpath
            return str(Path(base, ini).resolve())
        return str(shipped_fixtures())

    def options(self, marker) -> _Options:
        kwargs: Dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
        positional = tuple(marker.args) if marker is not None else ()
        where = "@pytest.mark.jobmock"
        if positional:
            if len(positional) > 1 or "fixtures" in kwargs:
                raise pytest.UsageError(f"{where} takes one positional argument, the fixtures")
            kwargs["fixtures"] = positional[0]
        unknown = set(kwargs) - _MARKER_KEYS
        if unknown:
            raise pytest.UsageError(
                f"{where}: unknown argument(s) {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(sorted(_MARKER_KEYS))}")
        scope = kwargs.get("scope", "session")
        if scope not in ("session", "function"):
            raise pytest.UsageError(f"{where}: scope is 'session' or 'function', not {scope!r}")
        fixtures = kwargs.get("fixtures")
        if fixtures is None:
            fixtures = self.default_fixtures()
        else:
            fixtures = str(Path(self.config.rootpath, fixtures).resolve())
        args = kwargs.get("args", ())
        if isinstance(args, str):
            raise pytest.UsageError(f"{where}: args is a list of strings, not one string")
        return _Options(fixtures, scope, bool(kwargs.get("strict", False)),
                        tuple(str(arg) for arg in args))

    def new_server(self, options: _Options) -> Server:
        return Server(options.fixtures, strict=options.strict, args=options.args,
                      binary=self.binary())

    def shared_server(self, options: _Options) -> Server:
        entry = self.shared.get(options.key)
        if entry is None:
            server = self.new_server(options)
            try:
                server.start()
            except JobmockError as error:
                # Every later test with these options fails with the same error at once.
                self.shared[options.key] = error
                raise
            self.shared[options.key] = entry = server
        if isinstance(entry, JobmockError):
            raise entry
        if not entry.running():
            code = entry.stop()
            raise JobmockError(
                f"the shared jobmock server exited with code {code} during the test session"
                f"\n--- jobmock stderr ---\n{entry.stderr.rstrip() or '(nothing)'}")
        return entry

    def name(self, server: Server, wanted: str) -> str:
        taken = self.names.setdefault(id(server), set())
        name = session_name(wanted, taken)
        taken.add(name)
        return name

    def stop_shared(self) -> List[str]:
        problems = []
        for options_key, server in list(self.shared.items()):
            if not isinstance(server, Server):
                continue
            unmatched = _unmatched(server) if server.strict else []
            code = server.stop()
            if code != 0 and not (code == 1 and id(server) in self.reported):
                problems.append(_exit_report(server, code, unmatched))
        self.shared.clear()
        return problems


class JobmockFixture(Session):
    """What the `jobmock` fixture gives a test: a `jobmock.Session` named after the test, on a
    shared server (or the test's own). `new_session()` makes another session on the same server,
    named after this one unless a name is given."""

    def __init__(self, server: Server, name: str, manager: _Servers):
        super().__init__(server, name)
        self._manager = manager

    def new_session(self, name: Optional[str] = None) -> Session:
        if name is None:
            name = self._manager.name(self.server, f"{self.session}-{len(self._children) + 2}")
        else:
            self._manager.names.setdefault(id(self.server), set()).add(name)
        return super().new_session(name)


@pytest.fixture(scope="session")
def _jobmock_servers(pytestconfig):
    manager = _manager(pytestconfig)
    yield manager
    problems = manager.stop_shared()
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def jobmock(request, _jobmock_servers: _Servers):
    """A jobmock session of this test's own, on a `jobmock replay --tls` server: `.url` (append
    `/portal`, `/notebookserver`), `.ca_bundle`, `.session`, `.requests(**filters)`,
    `.verify()`, `.advance(job_id)`, `.reset()`, `.health()`, `.base_url`, `.new_session()`."""
    manager = _jobmock_servers
    options = manager.options(request.node.get_closest_marker("jobmock"))
    own = options.scope == "function"
    try:
        if own:
            server = manager.new_server(options)
            server.start()
        else:
            server = manager.shared_server(options)
    except JobmockError as error:
        pytest.fail(f"jobmock did not start: {error}", pytrace=False)

    fixture = JobmockFixture(server, manager.name(server, request.node.nodeid), manager)
    yield fixture

    if own:
        unmatched = _unmatched(server) if server.strict and server.running() else []
        code = server.stop()
        manager.names.pop(id(server), None)
        if code != 0:
            pytest.fail(_exit_report(server, code, unmatched), pytrace=False)
    elif server.strict:
        try:
            unmatched = [entry for session in fixture.sessions()
                         for entry in session.requests(unmatched=True)]
        except JobmockError as error:
            pytest.fail(f"jobmock: {error}", pytrace=False)
        if unmatched:
            manager.reported.add(id(server))
            pytest.fail(
                f"jobmock --strict: this test sent {len(unmatched)} request(s) that no fixture "
                f"matches:\n{_describe(unmatched)}", pytrace=False)


def _unmatched(server: Server) -> List[Dict[str, Any]]:
    try:
        return server.requests(unmatched=True)
    except JobmockError:
        return []


def _describe(entries: List[Dict[str, Any]]) -> str:
    lines = []
    for entry in entries:
        target = entry.get("path", "?")
        if entry.get("query"):
            target += "?" + str(entry["query"])
        line = (f"  {entry.get('method', '?')} {target} (session {entry.get('session')!r}) "
                f"-> HTTP {entry.get('status')}")
        near = entry.get("nearMiss")
        if near:
            name = near.get("name") or near.get("jobId") or ""
            differences = "; ".join(
                f"{d.get('what')}{' ' + d['name'] if d.get('name') else ''}: sent "
                f"{d.get('sent')!r}, recorded {d.get('recorded')!r}"
                for d in near.get("differences") or [])
            line += f"\n    nearest {near.get('kind')} {name}: {differences}"
        lines.append(line)
    return "\n".join(lines)


def _exit_report(server: Server, code: int, unmatched: List[Dict[str, Any]]) -> str:
    if server.strict and code == 1:
        head = "jobmock --strict exited 1: it answered requests that no fixture matches"
    else:
        head = f"jobmock exited with code {code}"
    body = f"{head} ({' '.join(server.command)})"
    if unmatched:
        body += f"\n{_describe(unmatched)}"
    return f"{body}\n--- jobmock stderr ---\n{server.stderr.rstrip() or '(nothing)'}"
