"""Tokens that run out while a job runs, with the real client. What the ArcGIS API for Python
2.4.4 does, kept as tests: it asks `generateToken` once, keeps its token until its own idea of
the expiry (the `expires` it was given, plus five minutes), and when a poll gets "Token
Expired." (498) it does not ask for a new one: the job's future raises `Job Fail {…Token
Expired…}`. A new connection (a new token) can go on with the same job.

These servers are the tests' own, and the client is given `base_url` without a session prefix:
with `use_gen_token=True` the client finds its token service from the first segment of the
path only (`/__session/x/portal` reads as `/__sessionxportal`).
"""

import json
import shutil
import time

import pytest

from conftest import ITEM, trusting
from jobmock import Server, shipped_fixtures


def fixtures_with(tmp_path, template_script):
    """The shipped set, with the executeNotebook template's script replaced."""
    fixtures = tmp_path / "fixtures"
    shutil.copytree(shipped_fixtures(), fixtures)
    (fixtures / "templates" / "executeNotebook" / "script.json").write_text(
        json.dumps(template_script))
    return fixtures


def connect_with_password(server):
    from arcgis.gis import GIS
    from arcgis.gis.nb import NotebookServer

    gis = GIS(server.base_url + "/portal", "admin", "test-pass", use_gen_token=True,
              **trusting(server.ca_bundle))
    return gis, NotebookServer(server.base_url + "/notebookserver", gis).notebooks


def test_a_token_shorter_than_the_job_makes_the_client_raise(tmp_path):
    # SUBMITTED, PROCESSING after 0.5 s, COMPLETED after 4 s; every token lives 2 s.
    fixtures = fixtures_with(tmp_path, {
        "advance": "time", "onCancel": "cancelled.json",
        "steps": {"002.json": {"offsetMs": 500}, "003.json": {"offsetMs": 4000}}})
    with Server(fixtures, args=["--user", "admin:test-pass", "--token-lifetime", "2"]) as server:
        gis, notebooks = connect_with_password(server)
        assert gis.users.me.username == "user-1"
        with pytest.raises(Exception, match="Token Expired") as raised:
            notebooks.execute_notebook(ITEM, future=True).result()
        assert "498" in str(raised.value)

        entries = server.requests()
        assert [e["servedBy"] for e in entries].count("tokenService") == 1, \
            "the client never asked for a new token"
        last = entries[-1]
        assert (last["servedBy"], last["errorCode"]) == ("tokenCheck", 498)
        job_id = next(e["job"] for e in entries if e["servedBy"] == "template")

        # A new connection gets a new token and goes on with the same job.
        fresh, _ = connect_with_password(server)
        job_url = f"{server.base_url}/notebookserver/admin/system/jobs/{job_id}"
        status = None
        for _ in range(100):
            status = fresh._con.get(job_url, {"f": "json"})["status"]
            if status == "COMPLETED":
                break
            time.sleep(0.1)
        assert status == "COMPLETED"
    assert server.returncode == 0, server.stderr


def test_a_script_expires_the_token_in_the_middle_of_the_job(tmp_path):
    # The one-line fixture: the token runs out when the job reaches PROCESSING.
    fixtures = fixtures_with(tmp_path, {
        "advance": "poll", "onCancel": "cancelled.json",
        "steps": {"002.json": {"polls": 2, "expireToken": True}}})
    with Server(fixtures, args=["--user", "admin:test-pass"]) as server:
        _, notebooks = connect_with_password(server)
        with pytest.raises(Exception, match="Token Expired"):
            notebooks.execute_notebook(ITEM, future=True).result()
        statuses = [e.get("jobStatus") or e.get("errorCode") for e in server.requests()
                    if e["servedBy"] in ("createdJob", "tokenCheck")]
        assert statuses == ["SUBMITTED", "PROCESSING", 498], statuses
