"""Scenarios in the test's own code: jobs and submissions a test defines in its own session
(`jobmock.add_job`, `jobmock.on_submit`), with the real ArcGIS API for Python as the client.

The client bugs a mock should reproduce are here, one test each, asserting what arcgis 2.4.x
does: its `execute_notebook(future=True)` polls with `time.sleep(0.3 * i)` until the status is
`completed` in any casing, returns a `failed`/`cancelled` status and raises `Job Fail {…}` on any
other status with "fail" or "error" in it; its `NotebookJob.result()` takes no timeout; its
session retries a 5xx answer, a read timeout and a closed connection five times (urllib3's
`Retry(total=5)`, no back-off), but not a body cut short.
"""

import concurrent.futures
import time
import warnings

import pytest

from conftest import ITEM, TOKEN, connect, trusting
from jobmock import Job, JobmockError, Submission
from jobmock.steps import body, fault, slow, step

#: An item of the test's own: no recording knows it, so only the templates (or the test's
#: `on_submit`) answer it.
OTHER_ITEM = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
#: A job ID of the test's own.
JOB_ID = "j0c0ffee0-2531-4000-8000-000000002531"


def polls_of(jobmock, job_id):
    """The statuses (or HTTP status, for a fault) of the session's polls of `job_id`."""
    return [entry.get("jobStatus") or entry["status"] for entry in jobmock.requests(job=job_id)
            if entry["method"] == "GET"]


def report_of(jobmock, job_id):
    [job] = [job for job in jobmock.verify()["jobs"] if job["jobId"] == job_id]
    return job


# -- the API --------------------------------------------------------------------------------


def test_a_job_defined_in_the_test_is_polled_at_its_url(client, jobmock):
    gis, _ = client
    job = jobmock.add_job(steps=[step("SUBMITTED"), step("PROCESSING", polls=2, percent=50),
                                 step("COMPLETED", results={"answer": 42})], then="gone")

    assert isinstance(job, Job) and job.session is jobmock
    assert job.url == f"{jobmock.url}/notebookserver/admin/system/jobs/{job.id}"
    assert job.polls() == 0
    answers = [gis._con.get(job.url, {"f": "json"}) for _ in range(4)]
    assert [answer["status"] for answer in answers] == [
        "SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"]
    assert answers[1]["percent"] == 50 and answers[3]["results"] == {"answer": 42}
    assert job.polls() == 4
    assert [listed["jobId"] for listed in jobmock.jobs_defined()] == [job.id]
    # then="gone": past the end the job is not found, as a deleted one (an admin error the
    # client returns rather than raises).
    gone = gis._con.get(job.url, {"f": "json"})
    assert (gone["status"], gone["code"]) == ("error", 404), gone

    job.remove()
    assert jobmock.jobs_defined() == []
    with pytest.raises(JobmockError) as raised:
        job.remove()
    assert raised.value.status == 404


def test_then_restart_plays_the_steps_again(client, jobmock):
    gis, _ = client
    job = jobmock.add_job(steps=[step("SUBMITTED"), step("COMPLETED")], then="restart",
                          job_id=JOB_ID)
    assert job.id == JOB_ID
    assert [gis._con.get(job.url)["status"] for _ in range(4)] == [
        "SUBMITTED", "COMPLETED", "SUBMITTED", "COMPLETED"]


def test_a_job_defined_in_the_test_fails_after_two_polls(client, jobmock):
    _, notebooks = client
    submission = jobmock.on_submit(
        "executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
        steps=[step("PROCESSING", polls=2), step("FAILED", messages=["Cell 3 raised KeyError"])])
    assert isinstance(submission, Submission) and submission.remaining() == 1

    # arcgis returns a FAILED job's status from result(): it does not raise.
    result = notebooks.execute_notebook(OTHER_ITEM, future=True).result()
    assert result["status"] == "FAILED" and result["jobId"] == JOB_ID
    assert result["messages"] == ["Cell 3 raised KeyError"]
    assert polls_of(jobmock, JOB_ID) == ["PROCESSING", "PROCESSING", "FAILED"]
    assert (submission.matched(), submission.remaining()) == (1, 0)


def test_a_status_with_error_in_it_makes_result_raise_with_the_defined_message(client, jobmock):
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM,
                      steps=[step("PROCESSING", polls=2),
                             step("ERROR", messages=["Cell 3 raised KeyError"])])
    job = notebooks.execute_notebook(OTHER_ITEM, future=True)
    with pytest.raises(Exception, match=r"Job Fail .*Cell 3 raised KeyError"):
        job.result()


def test_on_submit_for_one_item_fails_while_another_completes_from_the_templates(client,
                                                                                 jobmock):
    _, notebooks = client
    failing = jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM,
                                steps=[step("SUBMITTED"), step("FAILED", messages=["no"])])

    assert notebooks.execute_notebook(ITEM, future=True).result()["status"] == "COMPLETED"
    assert notebooks.execute_notebook(OTHER_ITEM, future=True).result()["status"] == "FAILED"
    assert (failing.matched(), failing.remaining()) == (1, 0)
    # times=1: the next submission of that item is the template's again.
    assert notebooks.execute_notebook(OTHER_ITEM, future=True).result()["status"] == "COMPLETED"
    served = [entry["servedBy"] for entry in jobmock.requests() if entry["method"] == "POST"
              and entry["path"].endswith("/executeNotebook")]
    assert served[0] == served[2] == "template" and served[1] != "template", served

    failing.remove()
    assert jobmock.submissions() == []


def test_on_submit_matches_notebook_parameters_as_json(client, jobmock):
    _, notebooks = client
    jobmock.on_submit("executeNotebook", params={"notebookParameters": {"year": 2026, "x": 1}},
                      steps=[step("FAILED")], times=None)
    assert notebooks.execute_notebook(ITEM, future=True, parameters={"x": 1, "year": 2026}
                                      ).result()["status"] == "FAILED"
    assert notebooks.execute_notebook(ITEM, future=True, parameters={"year": 2025}
                                      ).result()["status"] == "COMPLETED"
    [listed] = jobmock.submissions()
    assert listed["remaining"] is None and listed["matched"] == 1


def test_two_sessions_define_the_same_job_id_and_see_only_their_own(client, jobmock):
    gis, _ = client
    other = jobmock.new_session()
    mine = jobmock.add_job(job_id=JOB_ID, steps=[step("COMPLETED")])
    theirs = other.add_job(job_id=JOB_ID, steps=[step("FAILED")])
    third = jobmock.new_session()

    assert mine.url != theirs.url
    assert gis._con.get(mine.url)["status"] == "COMPLETED"
    assert gis._con.get(theirs.url)["status"] == "FAILED"
    unknown = gis._con.get(f"{third.url}/notebookserver/admin/system/jobs/{JOB_ID}")
    assert (unknown["status"], unknown["code"]) == ("error", 404), unknown
    assert [job["jobId"] for job in other.jobs_defined()] == [JOB_ID]
    assert third.jobs_defined() == []
    assert (mine.polls(), theirs.polls()) == (1, 1)


@pytest.mark.parametrize("definition, field", [
    ({"steps": [{"status": 5}]}, "steps[0].status"),
    ({"steps": [step("SUBMITTED"), {}]}, "steps[1]"),
    ({"steps": [{"status": "SUBMITTED", "body": {}}]}, "steps[0]"),
    ({"steps": [step("PROCESSING", polls=0)]}, "steps[0].polls"),
    ({"steps": [step("COMPLETED")], "then": "forever"}, "then"),
    ({"steps": [step("COMPLETED")], "job_id": "not a job id"}, "jobId"),
    ({"steps": []}, "steps"),
])
def test_a_bad_job_is_refused_with_the_field_named(jobmock, definition, field):
    with pytest.raises(JobmockError) as raised:
        jobmock.add_job(**definition)
    assert raised.value.status == 400
    assert raised.value.field == field
    assert f"HTTP 400: {field}" in str(raised.value), str(raised.value)


@pytest.mark.parametrize("definition, field", [
    ({"operation": "runNotebook", "steps": [step("COMPLETED")]}, "operation"),
    ({"operation": "executeNotebook", "steps": [step("COMPLETED")], "times": 0}, "times"),
    ({"operation": "executeNotebook", "item_id": "x", "steps": [{"fault": {"http": "503"}}]},
     "steps[0].fault"),
    ({"operation": "executeNotebook"}, "steps"),
])
def test_a_bad_submission_is_refused_with_the_field_named(jobmock, definition, field):
    with pytest.raises(JobmockError) as raised:
        jobmock.on_submit(**definition)
    assert raised.value.status == 400
    assert raised.value.field is not None and raised.value.field.startswith(field)
    assert f"HTTP 400: {field}" in str(raised.value), str(raised.value)


def test_mistakes_only_python_can_see_are_caught_before_the_server(jobmock):
    with pytest.raises(TypeError, match="list of steps"):
        jobmock.add_job(steps=step("COMPLETED"))
    with pytest.raises(ValueError, match="disagree"):
        jobmock.on_submit("executeNotebook", item_id=ITEM, params={"itemId": OTHER_ITEM},
                          steps=[step("COMPLETED")])
    with pytest.raises(TypeError, match="unknown step option"):
        fault.http(503, poll=3)
    assert jobmock.submissions() == [] and jobmock.jobs_defined() == []


INNER_THEN_ERROR = """
import ssl, urllib.error, urllib.request
import pytest
from jobmock.steps import step

@pytest.mark.jobmock(strict=True)
def test_polls_past_the_end(jobmock):
    job = jobmock.add_job(steps=[step("SUBMITTED"), step("COMPLETED")], then="error")
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    statuses = []
    for _ in range(3):
        try:
            urllib.request.urlopen(job.url + "?f=json", context=context).read()
            statuses.append(200)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses[:2] == [200, 200] and statuses[2] != 200

@pytest.mark.jobmock(strict=True)
def test_stops_at_the_end(jobmock):
    job = jobmock.add_job(steps=[step("COMPLETED")], then="error")
    context = ssl.create_default_context(cafile=jobmock.ca_bundle)
    urllib.request.urlopen(job.url + "?f=json", context=context).read()
"""


def test_then_error_fails_a_strict_test_that_polls_past_the_end(pytester):
    pytester.makepyfile(test_inner=INNER_THEN_ERROR)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    result.assert_outcomes(passed=1, failed=1, errors=0)
    result.stdout.fnmatch_lines([
        "*_ test_polls_past_the_end _*",
        "*this test sent 1 request(s) that no fixture matches*",
        "*GET /notebookserver/admin/system/jobs/j*?f=json (session '*test_polls_past_the_end')*",
    ])
    assert "ERROR at teardown" not in result.stdout.str()


# -- the client bugs a mock should reproduce --------------------------------------------------


def test_a_job_that_never_finishes_is_waited_for_without_end(client, jobmock):
    """arcgis-python-api #2531 (a report generation polling forever): steps that end
    PROCESSING, then="repeat". arcgis's `NotebookJob.result()` takes no timeout, `done()` asks
    the server; only the future underneath it can be given one."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[step("SUBMITTED"), step("PROCESSING", percent=50)], then="repeat")
    job = notebooks.execute_notebook(OTHER_ITEM, future=True)

    with pytest.raises(TypeError):
        job.result(timeout=1)  # the client has no timeout to give
    with pytest.raises(concurrent.futures.TimeoutError):
        job._future.result(timeout=1.5)
    assert job.done() is False and job.running() is True
    assert report_of(jobmock, JOB_ID)["finalStatus"] in (None, "PROCESSING")

    # The test ends the job (the client's thread would poll for ever): the ID defined again.
    jobmock.add_job(job_id=JOB_ID, steps=[step("COMPLETED")])
    assert job.result()["status"] == "COMPLETED"


def test_a_submission_answer_without_a_job_id(client, jobmock):
    """#137 "No job id": the submission answers success, with no `jobId` (and no `jobUrl`).
    arcgis then returns the answer itself from `execute_notebook(future=True)`, a dict where a
    job was expected; with a `jobUrl` but no `jobId` the job has no ID (`<Execute Notebook>`)."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, answer={"status": "success"})
    answer = notebooks.execute_notebook(OTHER_ITEM, future=True)
    assert answer == {"status": "success"}
    assert not hasattr(answer, "result")

    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, steps=[step("COMPLETED")],
                      answer={"status": "success", "jobUrl": "{{jobUrl}}"})
    job = notebooks.execute_notebook(OTHER_ITEM, future=True)
    assert str(job) == "<Execute Notebook>" and job._has_id is False
    assert job.result()["status"] == "COMPLETED"


def client_version():
    import arcgis

    return tuple(int(part) for part in arcgis.__version__.split(".")[:3])


def test_slow_answers_with_jitter_and_the_clients_timeout(jobmock):
    """#2471 (a `timeout` that is ignored): polls 0.8 to 1 s slow, and a GIS made with
    `timeout=0.4`, the only timeout the notebook calls can be given. arcgis 2.4.1 to 2.4.3 do
    not pass it on to a GET (every poll): the job is waited for, slow polls and all. 2.4.4
    does, and retries a read that timed out five times: it gives up after six tries."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from arcgis.gis import GIS
        from arcgis.gis.nb import NotebookServer
    gis = GIS(jobmock.url + "/portal", token=TOKEN, timeout=0.4, **trusting(jobmock.ca_bundle))
    notebooks = NotebookServer(jobmock.url + "/notebookserver", gis).notebooks
    honoured = client_version() >= (2, 4, 4)
    slow_polls = 50 if honoured else 2
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[slow(step("PROCESSING", polls=slow_polls), 800, jitter_ms=200),
                             step("COMPLETED")])

    started = time.monotonic()
    if not honoured:
        result = notebooks.execute_notebook(OTHER_ITEM, future=True).result()
        assert result["status"] == "COMPLETED"
        assert time.monotonic() - started >= 2 * 0.8, "two polls, each longer than the timeout"
        assert polls_of(jobmock, JOB_ID) == ["PROCESSING", "PROCESSING", "COMPLETED"]
        return

    with pytest.raises(Exception, match="(?i)timed out|timeout"):
        notebooks.execute_notebook(OTHER_ITEM, future=True).result()
    assert time.monotonic() - started >= 6 * 0.4
    # One poll and five retries; the last ones are journaled once their (late) answers go.
    deadline = time.monotonic() + 3
    while len(polls_of(jobmock, JOB_ID)) < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(polls_of(jobmock, JOB_ID)) == 6, polls_of(jobmock, JOB_ID)


def test_a_status_in_another_casing(client, jobmock):
    """`Completed` for `COMPLETED`: `execute_notebook(future=True)` compares in lower case and
    returns it, but `job.done()` compares as written and says False; a blocking
    `open_notebook()` compares as written too and polls past it (here until a FAILED, which
    it returns; with then="repeat" it would poll without end, with no pause)."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM,
                      steps=[step("SUBMITTED"), step("Completed")])
    job = notebooks.execute_notebook(OTHER_ITEM, future=True)
    assert job.result()["status"] == "Completed"
    assert job.done() is False

    jobmock.on_submit("openNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[step("SUBMITTED"), step("Completed", polls=3),
                             step("FAILED", messages=["polled past Completed"])])
    assert notebooks.open_notebook(OTHER_ITEM)["status"] == "FAILED"
    assert polls_of(jobmock, JOB_ID) == ["SUBMITTED", "Completed", "Completed", "Completed",
                                         "FAILED"]


def test_a_burst_of_5xx_answers_then_recovery(client, jobmock):
    """Three 503s, then COMPLETED: the client's retries hide them. Six in a row (one try and
    five retries) reach the caller as "too many 503 error responses"."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[step("SUBMITTED"), fault.http(503, polls=3), step("COMPLETED")])
    assert notebooks.execute_notebook(OTHER_ITEM, future=True).result()["status"] == "COMPLETED"
    assert polls_of(jobmock, JOB_ID) == ["SUBMITTED", 503, 503, 503, "COMPLETED"]

    jobmock.on_submit("executeNotebook", item_id=ITEM,
                      steps=[step("SUBMITTED"), fault.http(503, polls=6), step("COMPLETED")])
    with pytest.raises(Exception, match="too many 503 error responses"):
        notebooks.execute_notebook(ITEM, future=True).result()


def test_a_connection_reset_in_the_middle_of_a_body(client, jobmock):
    """The answer cut after 40 bytes (its Content-Length says more): the client does not retry
    a body it has begun to read, and raises "Connection broken: IncompleteRead". A connection
    closed before any answer is retried, and the job goes on."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM,
                      steps=[step("SUBMITTED"), fault.truncate(40), step("COMPLETED")])
    with pytest.raises(Exception, match="IncompleteRead"):
        notebooks.execute_notebook(OTHER_ITEM, future=True).result()

    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[step("SUBMITTED"), fault.close(), step("COMPLETED")])
    assert notebooks.execute_notebook(OTHER_ITEM, future=True).result()["status"] == "COMPLETED"
    assert len(polls_of(jobmock, JOB_ID)) == 3


def test_a_truncated_json_body(client, jobmock):
    """A whole HTTP answer whose JSON stops short: the client raises an `Exception` whose
    message is the text it could not read, rather than take it for a status."""
    _, notebooks = client
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM,
                      steps=[step("SUBMITTED"), fault.http(200, '{"status": "PROCESS')])
    with pytest.raises(Exception, match='"status": "PROCESS'):
        notebooks.execute_notebook(OTHER_ITEM, future=True).result()


@pytest.mark.jobmock(args=["--token", TOKEN], scope="function")
def test_a_token_that_expires_in_the_middle_of_the_job(jobmock):
    """`expire_token=True` on the PROCESSING step: the client's token is expired once the step
    is served, and the next poll gets 498; arcgis does not ask for another token and raises.
    (A server of its own: the expired token is the server's, not the session's.)"""
    _, notebooks = connect(jobmock)
    jobmock.on_submit("executeNotebook", item_id=OTHER_ITEM, job_id=JOB_ID,
                      steps=[step("SUBMITTED"), step("PROCESSING", expire_token=True),
                             step("COMPLETED")])
    with pytest.raises(Exception, match="498|Token Expired|Invalid token"):
        notebooks.execute_notebook(OTHER_ITEM, future=True).result()
    polls = [entry for entry in jobmock.requests() if entry["method"] == "GET"
             and JOB_ID in entry["path"]]
    assert [entry.get("jobStatus") for entry in polls][:2] == ["SUBMITTED", "PROCESSING"]
    assert polls[2].get("errorCode") == 498


def test_a_whole_answer_is_served_as_it_is(client, jobmock):
    gis, _ = client
    job = jobmock.add_job(steps=[body({"status": "COMPLETED", "odd": [1, 2]})])
    assert gis._con.get(job.url) == {"status": "COMPLETED", "odd": [1, 2]}
