"""Each test, and each client a test makes, has a jobmock session of its own on one shared
server: the requests made while the client connects included, and no cross talk between clients
that run at the same time."""

import re
import threading

import pytest

from conftest import ITEM, connect


def test_connecting_is_in_the_test_session(client, jobmock):
    entries = jobmock.requests()

    assert entries, "GIS() asks the portal about itself before anything else"
    assert all(entry["path"].startswith("/portal/") for entry in entries), entries
    assert {entry["session"] for entry in entries} == {jobmock.session}
    assert all(entry["matched"] for entry in entries), entries
    # Nothing of this test reached the default session of the shared server.
    everyone = jobmock.server.requests()
    assert not [entry for entry in everyone if entry["session"] == "default"]


def test_each_test_has_its_own_session(jobmock, request):
    assert jobmock.session != "default"
    assert request.node.name in jobmock.session
    assert jobmock.url == f"{jobmock.base_url}/__session/{jobmock.session}"
    assert jobmock.requests() == [], "a new test starts with an empty journal"


def test_two_clients_at_once_do_not_see_each_other(jobmock):
    sessions = [jobmock, jobmock.new_session()]
    start = threading.Barrier(len(sessions), timeout=60)
    results, errors = {}, []

    def run(session):
        try:
            _, notebooks = connect(session)
            start.wait()
            jobs = [notebooks.execute_notebook(ITEM, future=True) for _ in range(2)]
            results[session.session] = [job.result() for job in jobs]
        except Exception as error:  # reported below, with the session it happened in
            errors.append((session.session, repr(error)))

    threads = [threading.Thread(target=run, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    job_ids = {name: {result["jobId"] for result in done} for name, done in results.items()}
    assert len(set.union(*job_ids.values())) == 4, "every submission made a job of its own"
    for session in sessions:
        report = session.verify()
        assert {job["jobId"] for job in report["jobs"]} == job_ids[session.session]
        for job in report["jobs"]:
            assert job["session"] == session.session
            assert job["polls"] == 4 and job["pollsAfterEnd"] == 0, job
        [submission] = report["submissions"]
        assert submission["count"] == 2, "the same operation, submitted twice"
        entries = session.requests()
        assert {entry["session"] for entry in entries} == {session.session}
        foreign = set.union(*(ids for name, ids in job_ids.items() if name != session.session))
        assert not [entry for entry in entries if entry.get("job") in foreign]


# A server of its own: the shared one's default session stays empty (see the first test).
@pytest.mark.jobmock(scope="function")
def test_base_url_is_the_server_root_outside_the_tests_session(jobmock):
    """`base_url` is the server's root (`https://127.0.0.1:PORT`, no session prefix, no
    trailing slash); a request under it is in the server's `default` session, not the
    test's."""
    import ssl
    import urllib.request

    from jobmock import shipped_fixtures

    assert jobmock.base_url == jobmock.server.url == jobmock.server.base_url
    assert re.fullmatch(r"https://127\.0\.0\.1:\d+", jobmock.base_url), jobmock.base_url
    assert jobmock.url == f"{jobmock.base_url}/__session/{jobmock.session}"
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    urllib.request.urlopen(jobmock.base_url + "/portal/sharing/rest/info?f=json",
                           context=context).read()
    assert jobmock.requests() == []
    assert jobmock.server.requests(session="default")[-1]["path"] == "/portal/sharing/rest/info"
    # The shared server serves the shipped set unless --jobmock-fixtures (or the ini) says.
    assert jobmock.server.fixtures == str(shipped_fixtures())
    assert (shipped_fixtures() / "jobs").is_dir()
