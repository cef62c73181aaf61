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
  stopped after it, and a non-zero exit code fails its teardown with the server's stderr.
- On a `strict` server a test that sent requests no fixture matches fails once, in its call,
  with each such request and its near miss (a shared server's: the test's own sessions'; a
  server of its own: all of it), not again at teardown (whose report is kept for requests sent
  after the call, and the exit code 1 that `--strict` gives such a server is not an error).

Recording, per test (the names are pytest-recording's): a test may have a set of its own,
`fixtures/jobmock/<module>/<test>/` beside its file (parametrized names made safe for any file
system), recorded from a real server and replayed offline after::

    pytest --jobmock-record-mode once --jobmock-upstream https://notebooks.example.com:11443
    pytest                      # none: each test replays its own set; no network

- Which server a test uses: a test with a record mode other than `none`, or whose own set's
  folder exists, gets a server of its own on that set (`jobmock replay --fixtures <set>
  [--upstream URL --record-mode MODE]`), stopped with SIGTERM after it, which is what puts a
  new recording in the set's place; its exit code is checked and its stderr reported. Any other
  test keeps the shared server on the shipped (or configured) fixtures, as above. A marker's
  `fixtures=` names a set served as it is: that test is never recorded.
- `--jobmock-record-mode none|once|new_episodes|all|rewrite` (ini `jobmock_record_mode`;
  default `none`): `none` replays the set, `once` records a set that is missing or empty and
  replays one that exists, `new_episodes` replays what the set has and records what it lacks,
  `all` records everything afresh, `rewrite` deletes the set and records it as `new_episodes`.
  The command line wins over a marker's `record_mode=`, which wins over the ini option.
- `--jobmock-upstream URL` (or `$JOBMOCK_UPSTREAM`, or ini `jobmock_upstream`) is the server
  recorded from; `--jobmock-upstream-ca FILE` (ini `jobmock_upstream_ca`) the CA certificates
  (PEM) to trust for it. `new_episodes`, `all` and `rewrite` without an upstream are a usage
  error; `once` needs one only for a test whose set is missing. Give paths as
  `--option=value`: pytest reads a separate path argument as a test path when it picks the
  rootdir.
- `--jobmock-record-dir DIR` (ini `jobmock_record_dir`) puts the sets at `DIR/<module>/<test>/`;
  the marker's `record_dir=` (from the rootdir) is one test's set; the `jobmock_record_dir`
  fixture says where a test's set is, and a conftest may override it (asking for
  `jobmock_record_dir` in the override gets the plugin's answer).
- In a set that is only replayed (`none`, or `once` on a set that exists) a request the set
  has no answer for gets an error the client raises on (`--strict`), and the test fails once,
  in its call, with each such request, its near miss and how to record it.
- `--jobmock-expire-after DURATION` and `--jobmock-on-expired warn|error|record` (ini
  `jobmock_expire_after`, `jobmock_on_expired`) are passed to each test's own replay as
  `--expire-after` and `--on-expired`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from .recording import (
    DEFAULT_RECORD_DIR,
    ON_EXPIRED,
    RECORD_MODES,
    Plan,
    RecordingError,
    check_mode,
    check_on_expired,
    node_test_name,
    set_name,
)
from .server import (
    JobmockError,
    Server,
    Session,
    _replay_args,
    find_binary,
    has_flag,
    session_name,
    shipped_fixtures,
)

MARKER = (
    "jobmock(fixtures=None, *, scope='session', strict=False, args=(), record_mode=None, "
    "record_dir=None): the jobmock server this test's `jobmock` fixture uses: another fixture "
    "set, a server of its own (scope='function'), `jobmock replay --strict`, more command-line "
    "arguments; the record mode of the test's own set (none, once, new_episodes, all, rewrite) "
    "and where that set is"
)

_MARKER_KEYS = {"fixtures", "scope", "strict", "args", "record_mode", "record_dir"}
#: The flags the plugin gives the server of a test's own set (recording.Plan.args), and what a
#: marker's args says instead.
_RECORDING_FLAGS = {
    "--upstream": "--jobmock-upstream URL (or $JOBMOCK_UPSTREAM, or the ini option "
                  "jobmock_upstream)",
    "--record-mode": "the marker's record_mode= (or --jobmock-record-mode)",
    "--ca-cert": "--jobmock-upstream-ca FILE (or the ini option jobmock_upstream_ca)",
    "--expire-after": "--jobmock-expire-after DURATION (or the ini option "
                      "jobmock_expire_after)",
    "--on-expired": "--jobmock-on-expired WHAT (or the ini option jobmock_on_expired)",
}
#: The record modes that forward every test's requests, so cannot go without an upstream.
_ALWAYS_FORWARD = ("new_episodes", "all", "rewrite")

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

    group.addoption(
        "--jobmock-record-mode", dest="jobmock_record_mode", choices=RECORD_MODES, default=None,
        help="record each test's own set from --jobmock-upstream: none (replay only; the "
             "default), once (record a set that is missing), new_episodes (add what a set "
             "lacks), all (record afresh), rewrite (delete the set, then new_episodes). Wins "
             "over a marker's record_mode and the ini option jobmock_record_mode")
    group.addoption(
        "--jobmock-upstream", dest="jobmock_upstream", metavar="URL", default=None,
        help="the real server tests record from (default: $JOBMOCK_UPSTREAM, else the ini "
             "option jobmock_upstream)")
    group.addoption(
        "--jobmock-upstream-ca", dest="jobmock_upstream_ca", metavar="FILE", default=None,
        help="a PEM file of CA certificates to trust for an HTTPS upstream (jobmock replay "
             "--ca-cert)")
    group.addoption(
        "--jobmock-record-dir", dest="jobmock_record_dir", metavar="DIR", default=None,
        help="where the tests' own sets are, as DIR/<module>/<test>/ (default: "
             f"{DEFAULT_RECORD_DIR}/ beside each test file)")
    group.addoption(
        "--jobmock-expire-after", dest="jobmock_expire_after", metavar="DURATION", default=None,
        help="a test's set recorded longer ago than this is expired (jobmock replay "
             "--expire-after)")
    group.addoption(
        "--jobmock-on-expired", dest="jobmock_on_expired", choices=ON_EXPIRED, default=None,
        help="what an expired set does: warn, error (the test fails), record (jobmock replay "
             "--on-expired)")
    parser.addini("jobmock_record_mode", default=None,
                  help="record mode of the tests' own sets (see --jobmock-record-mode)")
    parser.addini("jobmock_upstream", default=None, help="the upstream tests record from")
    parser.addini("jobmock_upstream_ca", default=None,
                  help="CA certificates (PEM) of the upstream, relative to the ini file")
    parser.addini("jobmock_record_dir", default=None,
                  help="where the tests' own sets are (DIR/<module>/<test>/), relative to the "
                       "ini file")
    parser.addini("jobmock_expire_after", default=None,
                  help="a test's set recorded longer ago than this is expired")
    parser.addini("jobmock_on_expired", default=None,
                  help="what an expired set does: warn, error or record")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", MARKER)
    manager = _Servers(config)
    try:
        mode = manager.configured_mode()
        manager.on_expired()
    except RecordingError as error:
        raise pytest.UsageError(str(error)) from None
    if mode in _ALWAYS_FORWARD and not manager.upstream():
        raise pytest.UsageError(
            f"--jobmock-record-mode {mode} records every test from an upstream: give "
            "--jobmock-upstream URL (or $JOBMOCK_UPSTREAM, or the ini option jobmock_upstream)")
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
    header = f"jobmock: {binary}, fixtures {manager.default_fixtures()}"
    mode = manager.configured_mode()
    if mode != "none" or manager.upstream():
        header += f", record mode {mode}, upstream {manager.upstream() or '(none)'}"
    return header


def _manager(config) -> "_Servers":
    if _KEY is not None:
        return config.stash[_KEY]
    return config._jobmock_servers  # pragma: no cover


class _Options:
    def __init__(self, fixtures: str, scope: str, strict: bool, args: Tuple[str, ...],
                 named_fixtures: bool = False, record_mode: Optional[str] = None):
        self.fixtures = fixtures
        self.scope = scope
        self.strict = strict
        self.args = args
        #: The marker named the set: the test serves it as it is and never records.
        self.named_fixtures = named_fixtures
        self.record_mode = record_mode

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
        #: The shared servers a test reported an unmatched request of: their exit code 1 at the
        #: end of the session was told already.
        self.reported: Set[int] = set()
        #: The tests whose unmatched requests go with their outcome, by node ID, while they run.
        self.watched: Dict[str, "_Watch"] = {}

    def _ini_path(self, name: str) -> Optional[Path]:
        value = self.config.getini(name)
        if not value:
            return None
        base = self.config.inipath.parent if self.config.inipath else self.config.rootpath
        return Path(base, value).resolve()

    def _option_path(self, name: str) -> Optional[Path]:
        value = self.config.getoption(name, default=None)
        if not value:
            return None
        return Path(self.config.invocation_params.dir, value).resolve()

    def configured_mode(self) -> str:
        """The command line's record mode, else the ini file's, else none."""
        option = self.config.getoption("jobmock_record_mode", default=None)
        if option:
            return option
        ini = self.config.getini("jobmock_record_mode")
        if ini:
            return check_mode(ini.strip(), "the ini option jobmock_record_mode")
        return "none"

    def record_mode(self, options: _Options) -> str:
        """A test's record mode: the command line's, else its marker's, else the ini file's."""
        option = self.config.getoption("jobmock_record_mode", default=None)
        if option:
            return option
        if options.record_mode is not None:
            return options.record_mode
        return self.configured_mode()

    def upstream(self) -> Optional[str]:
        return (self.config.getoption("jobmock_upstream", default=None)
                or os.environ.get("JOBMOCK_UPSTREAM")
                or self.config.getini("jobmock_upstream") or None)

    def upstream_ca(self) -> Optional[str]:
        path = self._option_path("jobmock_upstream_ca") or self._ini_path("jobmock_upstream_ca")
        return str(path) if path else None

    def expire_after(self) -> Optional[str]:
        return (self.config.getoption("jobmock_expire_after", default=None)
                or self.config.getini("jobmock_expire_after") or None)

    def on_expired(self) -> Optional[str]:
        option = self.config.getoption("jobmock_on_expired", default=None)
        if option:
            return option
        ini = self.config.getini("jobmock_on_expired")
        if ini:
            return check_on_expired(ini.strip(), "the ini option jobmock_on_expired")
        return None

    def record_dir(self, node) -> Path:
        """The default set of a test: `<base>/<module>/<test>/`, the base being
        --jobmock-record-dir, else the ini option jobmock_record_dir, else `fixtures/jobmock`
        beside the test file."""
        test_file = Path(str(node.fspath))
        base = (self._option_path("jobmock_record_dir") or self._ini_path("jobmock_record_dir")
                or test_file.parent / DEFAULT_RECORD_DIR)
        return base / set_name(test_file.stem) / set_name(node_test_name(node.nodeid))

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
        named = fixtures is not None
        if named and ({"record_mode", "record_dir"} & set(kwargs)):
            raise pytest.UsageError(
                f"{where}: fixtures= names a set served as it is; record_mode= and record_dir= "
                "are for the test's own set: give one or the other")
        if fixtures is None:
            fixtures = self.default_fixtures()
        else:
            fixtures = str(Path(self.config.rootpath, fixtures).resolve())
        args = kwargs.get("args", ())
        if isinstance(args, str):
            raise pytest.UsageError(f"{where}: args is a list of strings, not one string")
        try:
            _replay_args([str(arg) for arg in args])
        except ValueError as error:
            raise pytest.UsageError(f"{where}: {error}") from None
        record_mode = kwargs.get("record_mode")
        if record_mode is not None:
            try:
                check_mode(record_mode, where)
            except RecordingError as error:
                raise pytest.UsageError(str(error)) from None
        return _Options(fixtures, scope, bool(kwargs.get("strict", False)),
                        tuple(str(arg) for arg in args), named, record_mode)

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


class _Watch:
    """A test whose unmatched requests fail it once, in its call (see
    pytest_runtest_makereport), rather than again at teardown: a test on a `--strict` server, or
    on a set of its own that is only replayed. It knows where the test's requests are (its
    sessions on a shared server, the whole server of its own) and how many of them were
    reported so far; teardown reports only those sent after the call."""

    def __init__(self, server: Server, sessions=None, plan: Optional[Plan] = None):
        self.server = server
        #: The test's sessions (a callable), or None for every request of a server of its own.
        self.sessions = sessions
        #: How the test's own set is recorded, for a test on a set of its own.
        self.plan = plan
        #: How many of the test's unmatched requests were looked at in its call.
        self.seen = 0
        #: Whether the test's outcome carries some of them.
        self.reported = False

    def active(self) -> bool:
        """Whether an unmatched request is the test's failure: a set being recorded forwards
        what it lacks instead."""
        return self.plan is None or not self.plan.records

    def unmatched(self) -> List[Dict[str, Any]]:
        if not self.active() or not self.server.running():
            return []
        if self.sessions is None:
            return _unmatched(self.server)
        try:
            return [entry for session in self.sessions()
                    for entry in session.requests(unmatched=True)]
        except JobmockError:
            return []

    def report(self, unmatched: List[Dict[str, Any]]) -> str:
        if self.plan is not None:
            return (f"jobmock (record mode {self.plan.mode}): this test sent {len(unmatched)} "
                    f"request(s) that its recording {self.plan.folder} has no answer for:\n"
                    f"{_describe(unmatched)}\n{self.plan.hint()}")
        return (f"jobmock --strict: this test sent {len(unmatched)} request(s) that no fixture "
                f"matches:\n{_describe(unmatched)}")

    def after_call(self) -> List[Dict[str, Any]]:
        """The unmatched requests sent since the call was looked at (by teardown's fixtures, or
        all of them when the call never ran)."""
        fresh = self.unmatched()[self.seen:]
        self.seen += len(fresh)
        return fresh


@pytest.fixture
def jobmock_record_dir(request, _jobmock_servers: _Servers) -> Path:
    """The folder of this test's own set: the marker's `record_dir` (from the rootdir), else
    `<--jobmock-record-dir>/<module>/<test>/`, by default `fixtures/jobmock/<module>/<test>/`
    beside the test file. Override it to put a test's set elsewhere."""
    marker = request.node.get_closest_marker("jobmock")
    chosen = marker.kwargs.get("record_dir") if marker is not None else None
    if chosen:
        return Path(request.config.rootpath, chosen).resolve()
    return _jobmock_servers.record_dir(request.node)


@pytest.fixture
def jobmock(request, _jobmock_servers: _Servers, jobmock_record_dir):
    """A jobmock session of this test's own, on a `jobmock replay --tls` server: `.url` (append
    `/portal`, `/notebookserver`), `.ca_bundle`, `.session`, `.requests(**filters)`,
    `.verify()`, `.advance(job_id)`, `.reset()`, `.health()`, `.base_url`, `.new_session()`,
    and the test's own jobs and submissions: `.add_job(steps=[…])`, `.on_submit(operation, …)`,
    `.jobs_defined()`, `.submissions()` (see `jobmock.steps`)."""
    manager = _jobmock_servers
    options = manager.options(request.node.get_closest_marker("jobmock"))
    folder = Path(jobmock_record_dir)
    mode = manager.record_mode(options)
    if not options.named_fixtures and (mode != "none" or folder.is_dir()):
        yield from _own_set(request, manager, options, mode, folder)
        return

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
    watch = None
    if server.strict:
        # A server of the test's own is the test's alone: all its requests are the test's.
        watch = _Watch(server, None if own else fixture.sessions)
        manager.watched[request.node.nodeid] = watch
    try:
        yield fixture
    finally:
        manager.watched.pop(request.node.nodeid, None)

    # The test's call carries the unmatched requests it sent (pytest_runtest_makereport);
    # teardown tells only those sent after it.
    fresh = watch.after_call() if watch is not None else []
    if own:
        code = server.stop()
        manager.names.pop(id(server), None)
        if fresh or (code != 0 and not (code == 1 and watch is not None and watch.reported)):
            pytest.fail(_exit_report(server, code, fresh), pytrace=False)
    else:
        if watch is not None and (watch.reported or fresh):
            manager.reported.add(id(server))
        if fresh:
            pytest.fail(watch.report(fresh), pytrace=False)


def _own_set(request, manager: _Servers, options: _Options, mode: str, folder: Path):
    """The `jobmock` fixture of a test with a set of its own: a server of the test's own on the
    set, recording it from the upstream as the mode says, stopped (SIGTERM, which puts a new
    recording in the set's place) after the test."""
    for flag, instead in _RECORDING_FLAGS.items():
        if has_flag(options.args, flag):
            raise pytest.UsageError(
                f"@pytest.mark.jobmock: {flag} in args: the plugin gives it to the server of "
                f"this test's own set ({folder}) itself: give {instead} instead")
    try:
        plan = Plan(folder, mode, manager.upstream(), manager.upstream_ca(),
                    manager.expire_after(), manager.on_expired(), options.strict)
        plan.prepare()
    except (RecordingError, OSError) as error:
        pytest.fail(f"jobmock: {error}", pytrace=False)
    server = Server(str(folder), strict=plan.replay_strict, args=plan.args() + list(options.args),
                    binary=manager.binary())
    try:
        server.start()
    except JobmockError as error:
        pytest.fail(f"jobmock did not start: {error}", pytrace=False)
    watch = manager.watched[request.node.nodeid] = _Watch(server, plan=plan)
    try:
        yield JobmockFixture(server, manager.name(server, request.node.nodeid), manager)
    finally:
        manager.watched.pop(request.node.nodeid, None)

    # The test's outcome carries what its set lacked (see pytest_runtest_makereport); what was
    # sent after the call (or all of it, when the call never ran) is told here.
    fresh = watch.after_call()
    code = server.stop()
    manager.names.pop(id(server), None)
    if fresh:
        pytest.fail(f"{watch.report(fresh)}\n--- jobmock stderr ---\n"
                    f"{server.stderr.rstrip() or '(nothing)'}", pytrace=False)
    if code != 0 and not (code == 1 and watch.reported):
        pytest.fail(_exit_report(server, code, []), pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that sent a request its `--strict` server (or its own set, only replayed) has no
    answer for fails once, in its call: the client's error (if it raised) and, below it, each
    such request and its near miss (and, for its own set, how to record it). Its teardown does
    not report them again."""
    outcome = yield
    if call.when != "call":
        return
    watch = _manager(item.config).watched.get(item.nodeid)
    if watch is None or not watch.active():
        return
    report = outcome.get_result()
    unmatched = watch.unmatched()
    # A skipped (or xfailed) test's requests are looked at, and not its failure.
    watch.seen = len(unmatched)
    if report.skipped or not unmatched:
        return
    watch.reported = True
    text = watch.report(unmatched)
    title = ("jobmock: requests its recording has no answer for" if watch.plan is not None
             else "jobmock --strict: requests no fixture matches")
    if report.failed and hasattr(report.longrepr, "addsection"):
        report.longrepr.addsection(title, text)
    elif report.failed:
        report.sections.append((title, text))
    else:
        report.outcome = "failed"
        report.longrepr = text


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
