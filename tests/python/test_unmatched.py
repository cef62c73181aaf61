"""Requests that no fixture matches: the journal and the report name the closest recording and
what differed; `--strict` answers them with an error no client takes for a success, and the
server exits 1; the plugin reports a strict server's unmatched requests and a server that did
not start."""

import json
import ssl
import urllib.error
import urllib.request

import pytest

from conftest import ITEM, TOKEN, connect
from jobmock import Server


def test_an_unmatched_request_names_its_near_miss(client, jobmock):
    gis, _ = client
    typo = jobmock.url + "/portal/sharing/rest/community/users/user-l"
    try:
        gis._con.get(typo, {"f": "json"})
    except Exception:
        pass  # the client may raise on the error body; the journal is what is checked

    [entry] = jobmock.requests(unmatched=True)
    assert entry["path"] == "/portal/sharing/rest/community/users/user-l"
    assert entry["matched"] is False and entry["servedBy"] == "nothing"
    near = entry["nearMiss"]
    assert near["kind"] == "exchange"
    assert near["name"] == "GET-portal-sharing-rest-community-users-user-1"
    assert [(d["what"], d["sent"], d["recorded"]) for d in near["differences"]] == [
        ("path", "/portal/sharing/rest/community/users/user-l",
         "/portal/sharing/rest/community/users/user-1")]

    report = jobmock.verify()
    assert [e["path"] for e in report["unmatched"]] == [entry["path"]]
    assert any("GET-portal-sharing-rest-community-users-user-1" in finding
               for finding in report["findings"]), report["findings"]
    assert all(e["matched"] for e in jobmock.requests(unmatched=False))


@pytest.mark.jobmock(fixtures="fixtures/recorded")
def test_a_recording_that_differs_in_one_parameter(jobmock):
    _, notebooks = connect(jobmock)
    # Recorded with update_portal_item=True; no template to fall back on.
    notebooks.execute_notebook(ITEM, update_portal_item=False, future=True)

    [entry] = jobmock.requests(unmatched=True)
    assert entry["errorCode"] == 400
    near = entry["nearMiss"]
    assert near["name"] == "POST-notebookserver-admin-notebooks-executeNotebook"
    assert near["differences"] == [
        {"what": "param", "name": "updatePortalItem", "sent": "false", "recorded": "true"}]
    assert jobmock.verify()["unused"]["jobs"] == ["j3c1d5e7f-2a4b-4c6d-8e0f-1a2b3c4d5e6f"]


def test_strict_answers_400_and_the_server_exits_1():
    with Server(strict=True) as server:
        session = server.session("strict")
        gis, notebooks = connect(session)
        with pytest.raises(Exception, match="unmatched request"):
            gis._con.get(session.url + "/portal/sharing/rest/portals/selff", {"f": "json"})
        [entry] = session.requests(unmatched=True)
        assert entry["status"] == 400 and entry["errorCode"] == 400
        # The server keeps serving what does match.
        assert notebooks.execute_notebook(ITEM, future=True).result()["status"] == "COMPLETED"
        assert server.health()["unmatched"] == 1

    assert server.returncode == 1
    assert ('unmatched (--strict): GET /portal/sharing/rest/portals/selff?f=json (session "strict")'
            in server.stderr), server.stderr
    assert 'closest recorded exchange "GET-portal-sharing-rest-portals-self"' in server.stderr
    assert "1 request(s) matched no fixture (--strict)" in server.stderr


def test_strict_without_an_unmatched_request_exits_0():
    with Server(strict=True, args=["--token", TOKEN]) as server:
        _, notebooks = connect(server.session("clean"))
        assert notebooks.execute_notebook(ITEM, future=True).result()["status"] == "COMPLETED"
        assert server.verify()["unmatched"] == []
    assert server.returncode == 0, server.stderr


INNER_STRICT = """
import urllib.error, urllib.request, ssl
import pytest

def get(jobmock, path):
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    try:
        urllib.request.urlopen(jobmock.url + path, context=context).read()
    except urllib.error.HTTPError as error:
        return error.code
    return 200

@pytest.mark.jobmock(strict=True)
def test_shared_strict(jobmock):
    assert get(jobmock, "/portal/sharing/rest/info?f=json") == 200
    assert get(jobmock, "/portal/sharing/rest/infoo?f=json") == 400

@pytest.mark.jobmock(strict=True)
def test_shared_strict_clean(jobmock):
    assert get(jobmock, "/portal/sharing/rest/info?f=json") == 200

@pytest.mark.jobmock(strict=True, scope="function")
def test_own_strict(jobmock):
    assert get(jobmock, "/portal/sharing/rest/portals/selff?f=json") == 400
"""


def test_the_plugin_fails_a_test_whose_strict_server_saw_an_unmatched_request(pytester):
    pytester.makepyfile(test_inner=INNER_STRICT)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=2, errors=0)
    result.stdout.fnmatch_lines([
        "*_ test_shared_strict _*",
        "*this test sent 1 request(s) that no fixture matches*",
        "*GET /portal/sharing/rest/infoo?f=json (session 'test_inner.py-test_shared_strict')*",
        "*nearest exchange GET-portal-sharing-rest-info: path: sent '/portal/sharing/rest/infoo'*",
    ])
    result.stdout.fnmatch_lines([
        "*_ test_own_strict _*",
        "*this test sent 1 request(s) that no fixture matches*",
        "*GET /portal/sharing/rest/portals/selff?f=json (session *test_own_strict*",
        "*nearest exchange GET-portal-sharing-rest-portals-self*",
    ])
    assert "ERROR at teardown" not in result.stdout.str()


INNER_ONE_UNMATCHED = """
import ssl, urllib.error, urllib.request
import pytest

@pytest.mark.jobmock(strict=True, scope=SCOPE)
def test_sends_one_typo(jobmock):
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    try:
        urllib.request.urlopen(jobmock.url + "/portal/sharing/rest/infoo?f=json", context=context)
    except urllib.error.HTTPError as error:
        assert error.code == 400
"""


@pytest.mark.parametrize("scope", ["session", "function"])
def test_one_unmatched_request_is_one_failure_of_the_test_and_no_error(pytester, scope):
    """A test whose strict server (shared, or its own) answered one request it has no fixture
    for, and that did not itself fail on it, is reported once: FAILED, in its call, with the
    request and its near miss; neither its teardown nor the end of the session adds an ERROR."""
    pytester.makepyfile(test_inner=INNER_ONE_UNMATCHED.replace("SCOPE", repr(scope)))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(failed=1, errors=0)
    out = result.stdout.str()
    assert out.count("this test sent 1 request(s) that no fixture matches") == 1, out
    assert ("GET /portal/sharing/rest/infoo?f=json (session 'test_inner.py-test_sends_one_typo')"
            in out), out
    assert ("nearest exchange GET-portal-sharing-rest-info: path: sent "
            "'/portal/sharing/rest/infoo'" in out), out
    assert "ERROR" not in out, out


def test_a_server_that_does_not_start_fails_the_test_with_its_stderr(pytester):
    pytester.makepyfile(test_inner="def test_uses_it(jobmock):\n    pass\n")
    missing = pytester.path / "no-such-fixtures"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                           "--jobmock-fixtures", str(missing))

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*jobmock did not start*",
        "*--- jobmock stderr ---*",
        f"*{missing}*",
    ])


def test_a_server_of_its_own_is_stopped_after_the_test(pytester):
    pytester.makepyfile(test_inner="""
import pytest

SEEN = {}

@pytest.mark.jobmock(scope="function")
def test_first(jobmock):
    SEEN["first"] = jobmock.server

@pytest.mark.jobmock(scope="function")
def test_second(jobmock):
    assert jobmock.server is not SEEN["first"]
    assert not SEEN["first"].running() and SEEN["first"].returncode == 0
    assert jobmock.health()["journal"]["entries"] == 0
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
