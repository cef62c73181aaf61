"""The ArcGIS API for Python, the most used Notebook Server client, against `jobmock replay --tls`.

Usage: arcgis_client.py JOBMOCK FIXTURES

Starts jobmock on a free port with a self-signed certificate and a token, connects the client as
a user would (GIS, then NotebookServer), and runs each scenario. Prints one line per scenario and
a closing `e2e: N passed, M failed`; exits 1 if any failed.
"""

import json
import re
import ssl
import subprocess
import sys
import tempfile
import traceback
import urllib.request
import warnings

warnings.filterwarnings("ignore")

from arcgis.gis import GIS  # noqa: E402
from arcgis.gis.nb import NotebookServer  # noqa: E402

TOKEN = "e2e-token"
ITEM = "c21213a381804c85935f50a1349a390f"
FAILING_ITEM = "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d"
EXPIRED_TOKEN_ITEM = "00000000000000000000000000000498"
EXPIRED_TOKEN_JOB = "j00000498-0000-4000-8000-000000000498"
JOB_ID = re.compile(r"^j[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def start_jobmock(binary, fixtures, cert_file):
    server = subprocess.Popen(
        [binary, "replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0",
         "--tls", "--tls-cert-out", cert_file, "--token", TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = server.stdout.readline().strip()
    if not line.startswith("listening on https://"):
        server.kill()
        raise SystemExit(f"jobmock did not start: {line!r} {server.stderr.read()}")
    return server, line.removeprefix("listening on ")


def journal(base):
    """The requests jobmock answered, from its control API."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(base + "/__jobmock/requests", context=context) as answer:
        return json.load(answer)["requests"]


def scenarios(base):
    gis = GIS(base + "/portal", token=TOKEN, verify_cert=False)
    notebooks = NotebookServer(base + "/notebookserver", gis).notebooks

    def execute_completes():
        result = notebooks.execute_notebook(ITEM, future=True).result()
        assert result["status"] == "COMPLETED", result
        assert JOB_ID.match(result["jobId"]), result["jobId"]
        assert result["inputs"]["itemId"] == ITEM, result
        assert result["messages"][-1] == "Successfully completed.", result
        assert result["jobId"] in result["messages"][0], "the template's ID is the new job's"

    def open_completes():
        result = notebooks.open_notebook(ITEM, future=True).result()
        assert result["status"] == "COMPLETED", result
        assert result["results"]["notebookUrl"].startswith(base + "/"), result["results"]

    def open_without_future_completes():
        result = notebooks.open_notebook(ITEM)
        assert result["status"] == "COMPLETED", result

    def scripted_failure_ends_failed():
        result = notebooks.execute_notebook(FAILING_ITEM, future=True).result()
        assert result["status"] == "FAILED", result
        assert any("NameError" in message for message in result["messages"]), result

    def scripted_498_raises():
        job = notebooks.execute_notebook(EXPIRED_TOKEN_ITEM, future=True)
        try:
            result = job.result()
        except Exception as error:
            # The client raises on an error answer while polling. On "Invalid token" it first
            # asks once more without its token, which --token answers with 499.
            assert "498" in str(error) or "499" in str(error), error
        else:
            raise AssertionError(f"no exception for a 498 answer; got {result}")
        served = journal(base)
        assert any(entry.get("errorCode") == 498 and entry.get("job") == EXPIRED_TOKEN_JOB
                   for entry in served), served[-5:]

    def cancel_ends_cancelled():
        job = notebooks.execute_notebook(ITEM, future=True)
        assert job.cancel() is True
        result = job.result()
        assert result["status"] == "FAILED", result
        assert result["customAttributes"]["isCancelled"] is True, result

    return [execute_completes, open_completes, open_without_future_completes,
            scripted_failure_ends_failed, scripted_498_raises, cancel_ends_cancelled]


def main():
    binary, fixtures = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as scratch:
        server, base = start_jobmock(binary, fixtures, scratch + "/cert.pem")
        passed = failed = 0
        try:
            for scenario in scenarios(base):
                try:
                    scenario()
                    passed += 1
                    print(f"e2e: {scenario.__name__} ... ok")
                except Exception:
                    failed += 1
                    print(f"e2e: {scenario.__name__} ... FAILED")
                    traceback.print_exc()
        finally:
            server.terminate()
            server.wait(timeout=15)
        if server.returncode != 0:
            print(f"e2e: jobmock exited with {server.returncode}: {server.stderr.read()}")
            failed += 1
    print(f"e2e: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
