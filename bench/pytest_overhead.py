"""What the `jobmock` fixture costs a test in pytest, and what it adds to a suite's start.

Usage: pytest_overhead.py [--quick] [--jobmock-bin PATH]

Two generated suites of 200 tests each make one HTTPS GET of a job (the shipped set's
j6185135c-…, under the test's own `/__session/<name>/` prefix) with urllib, trusting the
server's certificate:

- `with_fixture`: each test takes the `jobmock` fixture (the plugin loaded with `-p
  jobmock.pytest_plugin`, the package from python/), which starts the shared `jobmock replay
  --tls` server on first use and gives each test a session on it;
- `without_fixture`: each test sends the same request, to the same URL, to a server this script
  started before pytest with the command line the plugin uses (`Server.command`), the plugin not
  loaded.

The request, the server and its work are the same in both, so the difference is the fixture's
own cost (and the plugin's load). The suites run alternately (5 rounds, 2 with `--quick`, after
one uncounted round that writes the bytecode caches); a conftest in each records pytest's own
durations of every test's setup, call and teardown, and times on the monotonic clock (which is
the machine's, so the child's stamps compare with the moment this script started it):

- the overhead per test: the median test's setup + call + teardown with the fixture, less the
  same without (medians of each round's, the first test and the last left out: the first starts
  the server, the last's teardown stops it); the issue's aim is under 5 ms. The same from the
  suites' wall times (which spread the server's start and stop and the plugin's load over the
  tests) is printed beside it;
- the suite's start: from the pytest process's start to the first test's call, with the fixture
  (the plugin's load and the server's start included), and the same without; the first test's
  setup with the fixture is the server's start (and the fixture's first use) alone.

Prints a JSON object on stdout and the figures in words on stderr; bench/bench.py may import
`measure(jobmock_bin, quick=False)` instead. A test that fails stops the bench (exit code 1).
The venv (pytest as scripts/e2e.sh pins it) is at target/bench/pytest-venv, the suites at
target/bench/pytest-suite/.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

import process  # noqa: E402  (beside this file)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.path.join(ROOT, "target", "bench")
VENV = os.path.join(TARGET, "pytest-venv")
SUITES = os.path.join(TARGET, "pytest-suite")
PYTHON_SOURCES = os.path.join(ROOT, "python")
# The set the plugin serves by default: the package's own path to it (shipped_fixtures()), so
# the server this script starts is given the very same argument.
SHIPPED_FIXTURES = os.path.join(PYTHON_SOURCES, "jobmock", "fixtures")
TESTS = 200
JOB_ID = "j6185135c-92a8-4402-b8de-90a66dc61fcc"
JOB_PATH = f"/notebookserver/admin/system/jobs/{JOB_ID}?f=json"
#: The issue's aim for the fixture's cost per test.
AIM_MS = 5.0
#: Where the timing conftest writes its figures (a file per run).
TIMES_ENV = "JOBMOCK_BENCH_TIMES"


class BenchError(Exception):
    """The bench could not run, or a test failed: the message says which and why."""


def pytest_version():
    """The pytest version scripts/e2e.sh pins (PYTEST_VERSION=…), so that it is set in one
    place."""
    path = os.path.join(ROOT, "scripts", "e2e.sh")
    with open(path) as f:
        match = re.search(r"^PYTEST_VERSION=(\S+)\s*$", f.read(), re.M)
    if not match:
        raise BenchError(f"no PYTEST_VERSION=… line in {path}")
    return match.group(1)


def ensure_venv(version):
    """target/bench/pytest-venv with pytest==`version`, kept while it has that version; its
    Python."""
    python = os.path.join(VENV, "bin", "python")
    check = f"import pytest, sys; sys.exit(pytest.__version__ != {version!r})"
    if os.path.exists(python) and subprocess.run([python, "-c", check], capture_output=True).returncode == 0:
        return python
    print(f"pytest_overhead: installing pytest=={version} into {os.path.relpath(VENV, ROOT)}", file=sys.stderr)
    shutil.rmtree(VENV, ignore_errors=True)
    # This Python 3's venv: the same interpreter whatever `python3` on PATH is.
    subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "--disable-pip-version-check", "--quiet",
                    f"pytest=={version}"], check=True)
    return python


# The timing plugin, the conftest of both suites. Durations are pytest's own (report.duration,
# each phase timed around its hooks); the stamps are time.perf_counter(), the monotonic clock.
# The session fixture that stops the shared server is finalized in the last test's teardown.
TIMING_CONFTEST = '''\
"""Records each test's setup, call and teardown durations, and when the session started, the
first test's setup and call started and the last test's teardown ended; written as JSON to the
file in $%(env)s at the session's end."""

import json
import os
import time

import pytest

_times = {"session_start": None, "first_setup": None, "first_call": None,
          "last_teardown_end": None, "tests": {}}


def pytest_sessionstart(session):
    _times["session_start"] = time.perf_counter()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    if _times["first_setup"] is None:
        _times["first_setup"] = time.perf_counter()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    if _times["first_call"] is None:
        _times["first_call"] = time.perf_counter()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    _times["last_teardown_end"] = time.perf_counter()


def pytest_runtest_logreport(report):
    test = _times["tests"].setdefault(report.nodeid, {"outcomes": {}})
    test[report.when] = report.duration
    test["outcomes"][report.when] = report.outcome


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    with open(os.environ["%(env)s"], "w") as f:
        json.dump(_times, f)
''' % {"env": TIMES_ENV}

# What both suites' tests do: one GET with a fresh client context that trusts the server's
# certificate, as a test building its own client does. The job is checked by its body too: as
# ArcGIS does, jobmock answers an unknown job 200 with {"status": "error", …}.
REQUEST = '''\
import json
import ssl
import urllib.request

JOB_ID = %(job)r
JOB_PATH = %(path)r


def get(url, cafile):
    context = ssl.create_default_context(cafile=cafile)
    with urllib.request.urlopen(url, context=context, timeout=30) as answer:
        body = answer.read()
        assert answer.status == 200
    assert json.loads(body).get("jobId") == JOB_ID, body
''' % {"job": JOB_ID, "path": JOB_PATH}


def session_name(nodeid):
    """The session the fixture gives a test: its node ID made safe (jobmock.server.session_name,
    for a name that short and unique), so the suite without the fixture sends the same URL."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", nodeid).strip("-.")


def write_suites():
    """The two suites, each a folder with its pytest.ini (which makes it the rootdir, away from
    the repository's configuration), the timing conftest and test_many.py; their folders."""
    folders = {}
    for name in ("with_fixture", "without_fixture"):
        folder = os.path.join(SUITES, name)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(folder, "pytest.ini"), "w") as f:
            f.write("[pytest]\n")
        with open(os.path.join(folder, "conftest.py"), "w") as f:
            f.write(TIMING_CONFTEST)
        folders[name] = folder

    # 200 functions rather than a parametrize: the suites users write, one test per case.
    with_fixture = [REQUEST]
    without_fixture = [REQUEST, "import os\n\nBASE = os.environ['JOBMOCK_BENCH_URL']\nCA = os.environ['JOBMOCK_BENCH_CA']\n"]
    for index in range(TESTS):
        test = f"test_{index:03}"
        with_fixture.append(f"\ndef {test}(jobmock):\n    get(jobmock.url + JOB_PATH, jobmock.ca_bundle)\n")
        session = session_name(f"test_many.py::{test}")
        without_fixture.append(f"\ndef {test}():\n    get(BASE + {'/__session/' + session!r} + JOB_PATH, CA)\n")
    for name, parts in (("with_fixture", with_fixture), ("without_fixture", without_fixture)):
        with open(os.path.join(folders[name], "test_many.py"), "w") as f:
            f.write("\n".join(parts))
    return folders


class Replay:
    """`jobmock replay --tls` as the plugin starts it (jobmock.server.Server.command, with its
    stdout and stderr read to the end the same way), for the suite without the fixture."""

    def __init__(self, binary, scratch):
        self.ca_bundle = os.path.join(scratch, "ca.pem")
        if os.path.exists(self.ca_bundle):
            os.remove(self.ca_bundle)
        command = [binary, "replay", "--fixtures", SHIPPED_FIXTURES, "--listen", "127.0.0.1:0",
                   "--tls", "--tls-cert-out", self.ca_bundle]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, bufsize=1)
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.process.stderr), daemon=True).start()
        line = self.process.stdout.readline()
        threading.Thread(target=lambda: self.process.stdout.read(), daemon=True).start()
        if not line.startswith("listening on https://"):
            self.stop()
            raise BenchError(f"{' '.join(command)} printed {line.strip()!r} instead of 'listening on https://…'"
                             f"\n{''.join(self.stderr)}")
        self.url = line[len("listening on "):].strip().rstrip("/")

    def stop(self):
        process.stop(self.process)


def run_suite(python, folder, env, extra_args):
    """One pytest run of a suite: its wall time (process start to exit), its timing conftest's
    figures, and when it was started (on the clock the conftest's stamps are on). A failed test
    (or one missing) raises BenchError with pytest's output."""
    times_file = os.path.join(folder, "times.json")
    if os.path.exists(times_file):
        os.remove(times_file)
    command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra_args, "test_many.py"]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=folder, env=dict(env, **{TIMES_ENV: times_file}),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - started
    name = os.path.basename(folder)
    if done.returncode != 0:
        raise BenchError(f"the {name} suite failed (pytest exit code {done.returncode}):\n{done.stdout[-4000:]}")
    with open(times_file) as f:
        times = json.load(f)
    passed = [t for t in times["tests"].values() if set(t["outcomes"].values()) == {"passed"}]
    if len(passed) != TESTS:
        raise BenchError(f"the {name} suite passed {len(passed)} tests of {TESTS}:\n{done.stdout[-4000:]}")
    times["started"] = started
    times["wall"] = wall
    return times


def figures(times):
    """One run's figures, in milliseconds: the median test's total and phases (the first and
    the last test left out), the first test's setup and total, the last's teardown, and the
    session's start and the first test's call from the process's start."""
    tests = list(times["tests"].values())  # in the order they ran
    total = lambda t: t["setup"] + t["call"] + t["teardown"]
    middle = tests[1:-1]
    ms = lambda seconds: seconds * 1000
    return {
        "per_test": ms(statistics.median(total(t) for t in middle)),
        "phases": {phase: ms(statistics.median(t[phase] for t in middle)) for phase in ("setup", "call", "teardown")},
        "first_setup": ms(tests[0]["setup"]),
        "first_total": ms(total(tests[0])),
        "last_teardown": ms(tests[-1]["teardown"]),
        "session_start": ms(times["session_start"] - times["started"]),
        "first_call": ms(times["first_call"] - times["started"]),
        "wall": times["wall"],
    }


def measure(jobmock_bin, quick=False):
    """Runs both suites alternately (5 counted rounds, 2 with `quick`) and answers the figures
    (see the module's docstring) as a dict."""
    if not (os.path.isfile(jobmock_bin) and os.access(jobmock_bin, os.X_OK)):
        raise BenchError(f"no jobmock binary at {jobmock_bin}: build it (cargo build --release) or give another")
    jobmock_bin = os.path.abspath(jobmock_bin)
    version = pytest_version()
    python = ensure_venv(version)
    folders = write_suites()
    rounds = 2 if quick else 5

    # Entry points are not scanned in either suite (the venv has none to find anyway): the
    # plugin is loaded by -p from the sources, as in a checkout, or not at all.
    base_env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    base_env.pop("PYTHONPATH", None)
    with_env = dict(base_env, PYTHONPATH=PYTHON_SOURCES, JOBMOCK_BIN=jobmock_bin)

    def with_fixture():
        return run_suite(python, folders["with_fixture"], with_env, ["-p", "jobmock.pytest_plugin"])

    def without_fixture():
        # A fresh server per run, as the plugin's is: no run sees the sessions of another.
        server = Replay(jobmock_bin, folders["without_fixture"])
        try:
            env = dict(base_env, JOBMOCK_BENCH_URL=server.url, JOBMOCK_BENCH_CA=server.ca_bundle)
            return run_suite(python, folders["without_fixture"], env, ["-p", "no:jobmock"])
        finally:
            server.stop()

    # One uncounted round: the first run compiles pytest's rewritten test module and the
    # package's bytecode, which later runs (and users' second runs) read from their caches.
    with_fixture()
    without_fixture()
    runs = {"with": [], "without": []}
    for index in range(rounds):
        print(f"pytest_overhead: round {index + 1} of {rounds}", file=sys.stderr)
        # Alternating, so a drift of the machine's speed falls on both suites alike.
        runs["with"].append(figures(with_fixture()))
        runs["without"].append(figures(without_fixture()))

    def median(side, key):
        return statistics.median(run[key] for run in runs[side])

    def pairs(key):
        return statistics.median(w[key] - wo[key] for w, wo in zip(runs["with"], runs["without"]))

    wall_with, wall_without = median("with", "wall"), median("without", "wall")
    return {
        "tests": TESTS,
        "runs": rounds,
        "pytest": version,
        "per_test_ms_with": round(median("with", "per_test"), 3),
        "per_test_ms_without": round(median("without", "per_test"), 3),
        "overhead_per_test_ms": round(pairs("per_test"), 3),
        "overhead_aim_ms": AIM_MS,
        "overhead_per_test_ms_from_wall": round(statistics.median(
            (w["wall"] - wo["wall"]) * 1000 / TESTS for w, wo in zip(runs["with"], runs["without"])), 3),
        "phases_ms_with": {phase: round(statistics.median(run["phases"][phase] for run in runs["with"]), 3)
                           for phase in ("setup", "call", "teardown")},
        "phases_ms_without": {phase: round(statistics.median(run["phases"][phase] for run in runs["without"]), 3)
                              for phase in ("setup", "call", "teardown")},
        "first_test_setup_ms": round(median("with", "first_setup"), 1),
        "first_test_extra_ms": round(pairs("first_total"), 1),
        "last_test_teardown_ms": round(median("with", "last_teardown"), 1),
        "suite_wall_s_with": round(wall_with, 3),
        "suite_wall_s_without": round(wall_without, 3),
        "suite_start_ms": round(median("with", "first_call"), 1),
        "suite_start_ms_without": round(median("without", "first_call"), 1),
        "session_start_ms_with": round(median("with", "session_start"), 1),
        "session_start_ms_without": round(median("without", "session_start"), 1),
    }


def describe(result):
    """The figures in words, a line each."""
    met = "met" if result["overhead_per_test_ms"] < result["overhead_aim_ms"] else "MISSED"
    phases = lambda side: ", ".join(f"{phase} {ms:.2f}" for phase, ms in result[f"phases_ms_{side}"].items())
    return [
        f"pytest {result['pytest']}, {result['tests']} tests of one HTTPS request each, {result['runs']} runs of each suite, alternating",
        f"per test: {result['per_test_ms_with']:.2f} ms with the jobmock fixture ({phases('with')}), "
        f"{result['per_test_ms_without']:.2f} ms without ({phases('without')})",
        f"overhead per test: {result['overhead_per_test_ms']:.2f} ms (aim < {result['overhead_aim_ms']:g} ms: {met}); "
        f"{result['overhead_per_test_ms_from_wall']:.2f} ms from the wall times, start and stop spread over the tests",
        f"suite start (process start to the first test's call): {result['suite_start_ms']:.0f} ms with the fixture, "
        f"{result['suite_start_ms_without']:.0f} ms without; pytest's session started at "
        f"{result['session_start_ms_with']:.0f} ms and {result['session_start_ms_without']:.0f} ms (the plugin's load)",
        f"first test's setup (the server's start): {result['first_test_setup_ms']:.1f} ms; the first test's extra over "
        f"the one without: {result['first_test_extra_ms']:.1f} ms; the last test's teardown (the server's stop): "
        f"{result['last_test_teardown_ms']:.1f} ms",
        f"suite wall time: {result['suite_wall_s_with']:.2f} s with, {result['suite_wall_s_without']:.2f} s without",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 runs of each suite: check the bench itself")
    parser.add_argument("--jobmock-bin", default=os.environ.get("JOBMOCK_BIN", os.path.join(ROOT, "target", "release", "jobmock")),
                        help="the binary to measure (default: $JOBMOCK_BIN, else target/release/jobmock)")
    args = parser.parse_args()
    try:
        result = measure(args.jobmock_bin, quick=args.quick)
    except BenchError as error:
        print(f"pytest_overhead: {error}", file=sys.stderr)
        return 1
    for line in describe(result):
        print(line, file=sys.stderr)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
