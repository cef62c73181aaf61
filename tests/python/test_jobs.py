"""The ArcGIS API for Python runs notebooks against the `jobmock` fixture, and each test checks
what the client did from `jobmock.verify()` and `jobmock.requests()`."""

import json
import re

import pytest

from conftest import (EXPIRED_TOKEN_ITEM, EXPIRED_TOKEN_JOB, FAILING_ITEM, ITEM, TOKEN,
                      connect)

JOB_ID = re.compile(r"^j[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

#: The client's back-off between polls: `time.sleep(0.3 * i)`, with i = 0, 1, 2, …
CLIENT_BACKOFF_MS = 300


def only_job(report):
    assert len(report["jobs"]) == 1, report["jobs"]
    return report["jobs"][0]


def test_execute_notebook_polls_as_the_template_scripts(client, jobmock):
    _, notebooks = client
    result = notebooks.execute_notebook(ITEM, future=True).result()

    assert result["status"] == "COMPLETED", result
    assert JOB_ID.match(result["jobId"]), result["jobId"]
    assert result["inputs"]["itemId"] == ITEM
    assert result["messages"][-1] == "Successfully completed."

    report = jobmock.verify()
    assert report["session"] == jobmock.session and report["complete"] is True
    job = only_job(report)
    assert job["jobId"] == result["jobId"] and job["created"] is True
    # The template holds SUBMITTED for one poll and PROCESSING for two; the client polls twice
    # at once, then sleeps 0 s, then 0.3 s.
    assert [(run["status"], run["polls"]) for run in job["statuses"]] == [
        ("SUBMITTED", 1), ("PROCESSING", 2), ("COMPLETED", 1)]
    assert job["polls"] == 4
    assert job["finalStatus"] == "COMPLETED"
    assert job["pollsAfterEnd"] == 0
    intervals = job["intervalsMs"]
    assert intervals["min"] <= intervals["median"] <= intervals["max"]
    # The 0.3 s sleep comes between two polls, so one interval is at least that long (a lower
    # bound the client guarantees, not a measure of speed).
    assert intervals["max"] >= CLIENT_BACKOFF_MS, intervals

    [submission] = report["submissions"]
    assert submission["operation"] == "executeNotebook"
    assert submission["count"] == 1
    assert submission["params"]["itemId"] == ITEM
    assert submission["jobIds"] == [result["jobId"]]
    assert report["unmatched"] == []
    # Nothing to remark on: the shipped set's jobs this test had no use for are no finding.
    assert report["findings"] == [], report["findings"]


def test_the_journal_shows_what_the_client_sent(client, jobmock):
    _, notebooks = client
    notebooks.execute_notebook(ITEM, update_portal_item=False, future=True,
                               parameters={"year": 2026}).result()

    # (arcgis 2.4.1 to 2.4.3 ask the Portal by POST too.)
    [post] = [entry for entry in jobmock.requests()
              if entry["method"] == "POST" and "/notebookserver/" in entry["path"]]
    assert post["path"] == "/notebookserver/admin/notebooks/executeNotebook"
    assert post["params"]["itemId"] == ITEM
    assert post["params"]["updatePortalItem"] == "false"
    assert "2026" in post["params"]["notebookParameters"]
    assert TOKEN not in json.dumps(jobmock.requests()), "secrets never leave the server"
    assert post["matched"] is True and post["servedBy"] == "template"

    entries = jobmock.requests(job=post["job"])
    assert entries[0] == post, "the submission is the created job's first entry"
    polls = entries[1:]
    assert [entry["jobStatus"] for entry in polls] == [
        "SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"]
    assert all(entry["status"] == 200 and entry["servedBy"] == "createdJob" for entry in polls)


def test_open_notebook_urls_keep_the_session(client, jobmock):
    _, notebooks = client
    result = notebooks.open_notebook(ITEM, future=True).result()

    assert result["status"] == "COMPLETED", result
    # {{origin}} in the template is the URL the client used, session prefix and all.
    assert result["results"]["notebookUrl"].startswith(jobmock.url + "/"), result["results"]
    assert only_job(jobmock.verify())["pollsAfterEnd"] == 0


def test_open_notebook_without_future_polls_until_completed(client, jobmock):
    _, notebooks = client
    assert notebooks.open_notebook(ITEM)["status"] == "COMPLETED"

    job = only_job(jobmock.verify())
    assert job["polls"] == 4 and job["finalStatus"] == "COMPLETED"
    assert job["pollsAfterEnd"] == 0


def test_a_scripted_failure_ends_failed(client, jobmock):
    _, notebooks = client
    result = notebooks.execute_notebook(FAILING_ITEM, future=True).result()

    assert result["status"] == "FAILED", result
    assert any("NameError" in message for message in result["messages"]), result
    job = only_job(jobmock.verify())
    assert job["finalStatus"] == "FAILED" and job["created"] is False
    [submission] = jobmock.verify()["submissions"]
    assert submission["servedBy"] == ["exchange"], "a recorded answer, not the template"
    assert submission["jobIds"] == [result["jobId"]] == [job["jobId"]]


def test_the_findings_speak_of_what_the_test_used_and_unused_keeps_the_rest(client, jobmock):
    """A test's findings are about its own session (here one unmatched request), not the jobs
    and exchanges of the shared set it never touched: those stay in `unused`, and
    `verify(unused=True)` gives the server's findings on them too."""
    gis, notebooks = client
    result = notebooks.execute_notebook(FAILING_ITEM, future=True).result()
    try:
        gis._con.get(jobmock.url + "/portal/sharing/rest/infoo", {"f": "json"})
    except Exception:
        pass  # the client may raise on the error body; the report is what is checked

    report = jobmock.verify()
    [finding] = report["findings"]
    assert "/portal/sharing/rest/infoo" in finding, finding
    assert result["jobId"] not in report["unused"]["jobs"]
    assert len(report["unused"]["jobs"]) >= 1 and report["unused"]["exchanges"]

    everything = jobmock.verify(unused=True)
    assert everything["findings"] == jobmock.server.verify(session=jobmock.session)["findings"]
    assert len(everything["findings"]) == 3, everything["findings"]
    assert everything["findings"][0] == finding
    assert report["unused"]["jobs"][0] in everything["findings"][1]


@pytest.mark.jobmock(args=["--token", TOKEN])
def test_an_expired_token_is_seen_with_its_code(jobmock):
    _, notebooks = connect(jobmock)
    with pytest.raises(Exception, match="498|499"):
        notebooks.execute_notebook(EXPIRED_TOKEN_ITEM, future=True).result()

    polls = [entry for entry in jobmock.requests(job=EXPIRED_TOKEN_JOB) if entry["method"] == "GET"]
    assert [entry.get("errorCode") for entry in polls][:2] == [None, 498], polls
    assert [entry.get("jobStatus") for entry in polls][:2] == ["SUBMITTED", None], polls
    assert only_job(jobmock.verify())["statuses"][-1]["errorCode"] in (498, 499)


def test_cancel_ends_cancelled(client, jobmock):
    _, notebooks = client
    job = notebooks.execute_notebook(ITEM, future=True)
    assert job.cancel() is True
    result = job.result()

    assert result["status"] == "FAILED", result
    assert result["customAttributes"]["isCancelled"] is True
    assert any(entry["servedBy"] == "cancel" for entry in jobmock.requests())


def test_advance_moves_a_job_in_this_session_only(client, jobmock):
    gis, _ = client
    job_id = "j7d3b9e21-5f4a-4c8e-9b6d-2a1e0f9c8b7a"  # poll-advanced, 5 steps
    job_url = f"{jobmock.url}/notebookserver/admin/system/jobs/{job_id}"
    other = jobmock.new_session()

    assert gis._con.get(job_url, {"f": "json"})["status"] == "SUBMITTED"
    jobmock.advance(job_id)
    jobmock.advance(job_id)
    assert gis._con.get(job_url, {"f": "json"})["status"] != "SUBMITTED"
    # The other session's cursor did not move.
    other_url = f"{other.url}/notebookserver/admin/system/jobs/{job_id}"
    assert gis._con.get(other_url, {"f": "json"})["status"] == "SUBMITTED"

    jobmock.reset()
    assert gis._con.get(job_url, {"f": "json"})["status"] == "SUBMITTED"
