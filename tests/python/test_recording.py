"""Recording per test: `--jobmock-record-mode` records each test's own set through a server of
its own, from an upstream that is itself `jobmock replay --tls` of the shipped set (so its
journal says what reached it), and replays it offline after.

The inner suites use urllib, not the ArcGIS client, so that each inner run takes a second;
tests/e2e/record_modes.py does the same with the real client.
"""

import importlib.util
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from jobmock import Server, find_binary, shipped_fixtures
from jobmock.recording import set_name

INNER = '''
import json, os, ssl, urllib.parse, urllib.request

import pytest

ITEM = "c21213a381804c85935f50a1349a390f"


def call(jobmock, path, form=None):
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    with urllib.request.urlopen(jobmock.url + path, data=data, context=context,
                                timeout=30) as answer:
        return json.loads(answer.read())


def run_notebook(jobmock, item=ITEM):
    job = call(jobmock, "/notebookserver/admin/notebooks/executeNotebook?f=json",
               {"itemId": item})["jobId"]
    for _ in range(10):
        status = call(jobmock, f"/notebookserver/admin/system/jobs/{job}?f=json")["status"]
        if status in ("COMPLETED", "FAILED"):
            return status
    return status


def test_info(jobmock):
    assert call(jobmock, "/portal/sharing/rest/info?f=json")["owningSystemUrl"]
    if os.environ.get("INNER_EXTRA"):
        call(jobmock, "/portal/sharing/rest/portals/self?f=json")


def test_execute(jobmock):
    assert run_notebook(jobmock) == "COMPLETED"
'''

#: What a run of INNER with these options passes.
BOTH = {"passed": 2}


@pytest.fixture
def upstream():
    """The real server tests record from: `jobmock replay --tls` of the shipped set."""
    with Server(shipped_fixtures()) as server:
        yield server


def record_args(upstream, mode="once"):
    # `--option=value`: pytest takes a path given as a separate argument for a test path when it
    # picks the rootdir, before it knows the plugin's options.
    return [f"--jobmock-record-mode={mode}", f"--jobmock-upstream={upstream.url}",
            f"--jobmock-upstream-ca={upstream.ca_bundle}"]


def run(pytester, *args):
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def sets(root: Path):
    """The files of every set under `root`, by path relative to it, with their bytes."""
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def reached(upstream):
    """How many requests reached the upstream."""
    return len(upstream.requests())


def set_of(pytester, test, module="test_inner"):
    return pytester.path / "fixtures" / "jobmock" / module / test


def test_once_records_one_set_per_test_and_none_replays_them_offline(pytester, upstream):
    pytester.makepyfile(test_inner=INNER)
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)

    info, execute = set_of(pytester, "test_info"), set_of(pytester, "test_execute")
    [exchange] = (info / "exchanges").iterdir()
    assert exchange.name.startswith("GET-info")
    assert len(list((execute / "jobs").iterdir())) == 1
    assert not list((pytester.path / "fixtures" / "jobmock" / "test_inner").glob(".*")), \
        "no staging folder is left"
    recorded, forwarded = sets(pytester.path / "fixtures"), reached(upstream)
    assert forwarded >= 3

    # once again, with the upstream still there: each set is replayed, none forwarded.
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    assert reached(upstream) == forwarded
    upstream.stop()

    # The upstream gone: none (the default) serves each test its own set, offline.
    result = run(pytester, "-v")
    result.assert_outcomes(**BOTH)
    assert sets(pytester.path / "fixtures") == recorded, "replaying writes nothing"


def test_a_request_the_recording_lacks_fails_the_test_once_with_the_hint(
        pytester, upstream, monkeypatch):
    pytester.makepyfile(test_inner=INNER)
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    upstream.stop()

    monkeypatch.setenv("INNER_EXTRA", "1")
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    assert "ERROR at teardown" not in result.stdout.str()
    result.stdout.fnmatch_lines([
        "*jobmock: requests its recording has no answer for*",
        "*this test sent 1 request(s) that its recording *test_info has no answer for*",
        "*GET /portal/sharing/rest/portals/self?f=json*-> HTTP 400",
        "*nearest exchange GET-info*: path: sent "
        "'/portal/sharing/rest/portals/self', recorded '/portal/sharing/rest/info'",
        "*re-run with --jobmock-record-mode new_episodes*re-run with --jobmock-record-mode once*",
    ])


def test_all_records_every_test_afresh(pytester, upstream):
    pytester.makepyfile(test_inner=INNER)
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    info = set_of(pytester, "test_info")
    stale = info / "exchanges" / "GET-portal-sharing-rest-stale"
    [exchange] = (info / "exchanges").iterdir()
    shutil.copytree(exchange, stale)
    forwarded = reached(upstream)

    run(pytester, *record_args(upstream, "all")).assert_outcomes(**BOTH)
    assert reached(upstream) > forwarded, "everything was forwarded"
    assert not stale.exists(), "the set was replaced by the new recording"
    assert [p.name for p in (info / "exchanges").iterdir()] == [exchange.name]


def test_rewrite_deletes_a_tests_set_and_records_it_again(pytester, upstream):
    pytester.makepyfile(test_inner=INNER)
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    execute = set_of(pytester, "test_execute")
    stale = execute / "jobs" / "jstale"
    shutil.copytree(next((execute / "jobs").iterdir()), stale)
    forwarded = reached(upstream)

    run(pytester, *record_args(upstream, "rewrite")).assert_outcomes(**BOTH)
    assert reached(upstream) > forwarded
    assert not stale.exists()
    assert len(list((execute / "jobs").iterdir())) == 1


def test_the_markers_record_mode_records_that_test_alone(pytester, upstream):
    pytester.makepyfile(test_inner=INNER.replace(
        "def test_execute(", "@pytest.mark.jobmock(record_mode='once')\ndef test_execute("))
    result = run(pytester, f"--jobmock-upstream={upstream.url}",
                 f"--jobmock-upstream-ca={upstream.ca_bundle}")
    result.assert_outcomes(**BOTH)
    assert set_of(pytester, "test_execute").is_dir()
    assert not set_of(pytester, "test_info").exists(), "test_info used the shared server"

    # The command line's mode wins over the marker's: none replays, offline.
    upstream.stop()
    run(pytester, "--jobmock-record-mode", "none").assert_outcomes(**BOTH)


def test_the_upstream_from_the_environment(pytester, upstream, monkeypatch):
    pytester.makepyfile(test_inner=INNER)
    monkeypatch.setenv("JOBMOCK_UPSTREAM", upstream.url)
    run(pytester, "--jobmock-record-mode", "once",
        f"--jobmock-upstream-ca={upstream.ca_bundle}").assert_outcomes(**BOTH)
    assert set_of(pytester, "test_info").is_dir() and set_of(pytester, "test_execute").is_dir()


def test_the_ini_options(pytester, upstream):
    pytester.makepyfile(test_inner=INNER)
    shutil.copy(upstream.ca_bundle, pytester.path / "upstream.pem")
    pytester.makeini(f"""
[pytest]
jobmock_record_mode = once
jobmock_upstream = {upstream.url}
jobmock_upstream_ca = upstream.pem
jobmock_record_dir = recorded
""")
    run(pytester).assert_outcomes(**BOTH)
    assert sorted(p.name for p in (pytester.path / "recorded" / "test_inner").iterdir()) == [
        "test_execute", "test_info"]
    assert not (pytester.path / "fixtures").exists()


def test_the_record_dir_marker_and_fixture(pytester, upstream):
    pytester.makeini("[pytest]\n")  # the rootdir, which a marker's record_dir is taken from
    pytester.makeconftest("""
import pytest

@pytest.fixture
def jobmock_record_dir(request, jobmock_record_dir):
    if request.node.name == "test_execute":
        return request.config.rootpath / "elsewhere" / "execute"
    return jobmock_record_dir
""")
    pytester.makepyfile(test_inner=INNER.replace(
        "def test_info(", "@pytest.mark.jobmock(record_dir='by-marker/info')\ndef test_info("))
    # The conftest's fixture replaces the plugin's, and gets the plugin's (marker included) by
    # asking for its own name.
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    assert (pytester.path / "elsewhere" / "execute" / "jobs").is_dir()
    assert (pytester.path / "by-marker" / "info" / "exchanges").is_dir()


def test_parametrized_names_make_safe_folders(pytester, upstream):
    pytester.makepyfile(test_inner=INNER + '''

@pytest.mark.parametrize("where", ["a/b", "c d", "plain"])
def test_param(jobmock, where):
    assert call(jobmock, "/portal/sharing/rest/info?f=json")
''')
    run(pytester, *record_args(upstream), "test_inner.py::test_param").assert_outcomes(passed=3)
    names = sorted(p.name for p in (pytester.path / "fixtures" / "jobmock" / "test_inner").iterdir())
    assert names == sorted([set_name("test_param[a/b]"), set_name("test_param[c d]"),
                            "test_param[plain]"])
    assert all("/" not in name and " " not in name for name in names)
    upstream.stop()
    run(pytester, "test_inner.py::test_param").assert_outcomes(passed=3)


def test_set_names():
    assert set_name("test_plain") == "test_plain"
    assert set_name("TestA.test_b[1-x]") == "TestA.test_b[1-x]"
    # Unsafe characters become "-", and a digest keeps two such names apart.
    assert set_name("test[a/b]").startswith("test[a-b]-")
    assert set_name("test[a/b]") != set_name("test[a:b]")
    assert len(set_name("test_" + "x" * 500)) <= 120


def test_a_bad_record_mode_is_a_usage_error(pytester):
    pytester.makepyfile(test_inner=INNER)
    result = run(pytester, "--jobmock-record-mode", "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jobmock-record-mode: invalid choice: 'sometimes'*"])

    pytester.makeini("[pytest]\njobmock_record_mode = sometimes\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*jobmock_record_mode: the record mode is one of none, once, "
                                 "new_episodes, all, rewrite, not 'sometimes'*"])


def test_a_mode_that_records_every_test_needs_an_upstream(pytester, monkeypatch):
    monkeypatch.delenv("JOBMOCK_UPSTREAM", raising=False)
    pytester.makepyfile(test_inner=INNER)
    result = run(pytester, "--jobmock-record-mode", "all")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--jobmock-record-mode all records every test from an "
                                 "upstream: give --jobmock-upstream URL*"])

    # once needs one only for a set that is missing.
    result = run(pytester, "--jobmock-record-mode", "once")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*--jobmock-record-mode once records from an upstream*"])


def test_a_bad_marker_record_mode_fails_its_test(pytester):
    pytester.makepyfile(test_inner="""
import pytest

@pytest.mark.jobmock(record_mode="twice")
def test_it(jobmock):
    pass

@pytest.mark.jobmock(fixtures="x", record_mode="once")
def test_both(jobmock):
    pass
""")
    result = run(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*the record mode is one of none, once, *not 'twice'*"])
    result.stdout.fnmatch_lines(["*fixtures= names a set served as it is*"])


def test_two_xdist_workers_record_different_tests_at_once(pytester, upstream):
    if importlib.util.find_spec("xdist") is None:
        pytest.skip("pytest-xdist is not installed here (scripts/e2e.sh installs it)")
    tests = "".join(f"""

def test_execute_{n}(jobmock):
    assert run_notebook(jobmock) == "COMPLETED"
    assert call(jobmock, "/portal/sharing/rest/info?f=json")
""" for n in range(6))
    pytester.makepyfile(test_inner=INNER + tests)
    result = run(pytester, "-n", "2", *record_args(upstream))
    result.assert_outcomes(passed=8)
    module = pytester.path / "fixtures" / "jobmock" / "test_inner"
    for n in range(6):
        assert len(list((module / f"test_execute_{n}" / "jobs").iterdir())) == 1, n
        assert any(p.name.startswith("GET-info")
                   for p in (module / f"test_execute_{n}" / "exchanges").iterdir()), n
    assert not list(module.glob(".*")), "no staging folder is left"
    upstream.stop()
    run(pytester, "-n", "2").assert_outcomes(passed=8)


def _replay_has(flag: str) -> bool:
    try:
        binary = find_binary()
    except Exception:
        return False
    help_text = subprocess.run([binary, "replay", "--help"], capture_output=True, text=True)
    return flag in help_text.stdout


@pytest.mark.skipif(not _replay_has("--expire-after"),
                    reason="this jobmock replay has no --expire-after yet (issue 23, part 4)")
def test_an_expired_set_is_refused_warned_of_or_recorded_again(pytester, upstream):
    pytester.makepyfile(test_inner=INNER)
    run(pytester, *record_args(upstream)).assert_outcomes(**BOTH)
    stamp = set_of(pytester, "test_info") / "recording.json"
    recorded_at = stamp.read_bytes()
    time.sleep(1.5)

    result = run(pytester, "--jobmock-expire-after=1s", "--jobmock-on-expired=error")
    result.assert_outcomes(errors=2)
    # Refused before it listens, with the date the set was recorded.
    result.stdout.fnmatch_lines(["*jobmock did not start*",
                                 "*the set was recorded at 20[0-9][0-9]-[01][0-9]-*"])
    run(pytester, "--jobmock-expire-after=1s", "--jobmock-on-expired=warn").assert_outcomes(**BOTH)
    assert stamp.read_bytes() == recorded_at

    forwarded = reached(upstream)
    run(pytester, "--jobmock-expire-after=1s", "--jobmock-on-expired=record",
        f"--jobmock-upstream={upstream.url}",
        f"--jobmock-upstream-ca={upstream.ca_bundle}").assert_outcomes(**BOTH)
    assert reached(upstream) > forwarded, "the expired sets were recorded again"
    assert stamp.read_bytes() != recorded_at


def test_the_expiry_options_reach_the_tests_replay(pytester, upstream):
    """Whatever the binary takes: the plugin passes --jobmock-expire-after and
    --jobmock-on-expired on to the replay of a test's own set (and the ini options too)."""
    pytester.makepyfile(test_inner="""
def test_it(jobmock):
    command = jobmock.server.command
    assert command[command.index("--expire-after") + 1] == "30d"
    assert command[command.index("--on-expired") + 1] == "warn"
""")
    pytester.makeini("[pytest]\njobmock_expire_after = 30d\njobmock_on_expired = warn\n")
    fake = pytester.path / "fake-jobmock"
    real = find_binary()
    # A binary that takes the flags: the real one, with the two flags (and their values) dropped.
    fake.write_text(f"""#!/usr/bin/env python3
import os, sys
args, skip = [], False
for arg in sys.argv[1:]:
    if skip:
        skip = False
    elif arg in ("--expire-after", "--on-expired"):
        skip = True
    else:
        args.append(arg)
os.execv({real!r}, [{real!r}] + args)
""")
    fake.chmod(0o755)
    run(pytester, f"--jobmock-bin={fake}", *record_args(upstream)).assert_outcomes(passed=1)
