"""A web tool's client in pytest: the shipped web tool (`Tools`, a GPServer of four tasks)
imported with `arcgis.geoprocessing.import_toolbox` through the `jobmock` fixture, its outcome
scripted in the test's own code with `jobmock.on_submit("submitJob", task=…)`.

arcgis 2.4.x polls a web tool's job once a second (`time.sleep(1)` in
`geoprocessing/_support.py`), so each job here is one or two steps long.
"""

import logging
import warnings

import pytest

from jobmock.steps import step

from conftest import connect

SERVICE = "/notebookserver/rest/services/Tools/GPServer"


@pytest.fixture
def tools(jobmock):
    """The shipped web tool, imported as its users import it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from arcgis.geoprocessing import import_toolbox

    gis, _ = connect(jobmock)
    return import_toolbox(jobmock.url + SERVICE, gis=gis)


def test_the_shipped_tool_succeeds_with_its_result_read_through_its_param_url(tools, jobmock):
    job = tools.count_features(in_text="parcels", future=True)
    assert job.result() == 42
    served = [entry["path"] for entry in jobmock.requests()]
    assert any(path.endswith("/results/out_count") for path in served), served


def test_a_submission_scripted_in_the_test_fails_the_tool_with_its_message(tools, jobmock,
                                                                           caplog):
    jobmock.on_submit("submitJob", task="CountFeatures", params={"in_text": "missing"},
                      steps=[step("failed", messages=["Counting", "layer missing not found"])])
    job = tools.count_features(in_text="missing", future=True)
    with caplog.at_level(logging.INFO, logger="arcgis"):
        with pytest.raises(Exception, match="Job failed") as raised:
            job.result()
    # arcgis 2.4.3 and later put the messages in the exception; 2.4.1 and 2.4.2 raise "Job
    # failed." and log each message, the error ones as errors.
    said = str(raised.value) + caplog.text
    assert "layer missing not found" in said, said
    # Another input goes to the template, and succeeds.
    assert tools.count_features(in_text="parcels", future=True).result() == 42
    [report] = [job for job in jobmock.verify()["jobs"]
                if job["finalStatus"] == "esriJobFailed"]
    assert report["polls"] >= 1


def test_a_job_defined_in_the_test_is_polled_at_its_url(jobmock):
    import requests

    job = jobmock.add_job(task="CountFeatures",
                          steps=[step("executing"), step("succeeded", results={"out_count": 7})])
    answers = [requests.get(job.url, params={"f": "json"}, verify=jobmock.ca_bundle).json()
               for _ in range(2)]
    assert [answer["jobStatus"] for answer in answers] == ["esriJobExecuting",
                                                            "esriJobSucceeded"]
    value = requests.get(job.url + "/results/out_count", params={"f": "json"},
                         verify=jobmock.ca_bundle).json()
    assert value == {"paramName": "out_count", "dataType": "GPLong", "value": 7}
