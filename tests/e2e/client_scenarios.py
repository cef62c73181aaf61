"""Every scenario of a notebook client against the shipped set, with whatever arcgis is installed.

Usage: client_scenarios.py JOBMOCK FIXTURES

Serves FIXTURES with `jobmock replay --tls --strict` (every request the set does not answer is an
error), connects the installed ArcGIS API for Python as its users do, and runs what a client of
Notebook Server's jobs does: connect; execute a notebook synchronously and as a future; open one
synchronously and as a future; a notebook that fails; a job's details; the jobs list; a cancel.
Then the journal must hold no unmatched request, and replay must exit 0.

This is the client matrix's common ground: the Python suite (tests/python) asserts more of what
one client version does; this script asserts what every version must get.

Prints one line per check and a closing `e2e-scenarios: N passed, M failed`; exits 1 if any failed.
"""

import json
import os
import ssl
import subprocess
import sys
import tempfile
import traceback
import urllib.request
import warnings

warnings.filterwarnings("ignore")

import arcgis  # noqa: E402
from arcgis.gis import GIS  # noqa: E402
from arcgis.gis.nb import NotebookServer  # noqa: E402

ITEM = "c21213a381804c85935f50a1349a390f"
FAILING_ITEM = "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d"
TOKEN = "e2eScenarioToken-4Fq8Zx2Lw7"

results = []


def check(name, condition, detail=""):
    results.append(bool(condition))
    print(f"e2e-scenarios: {name} ... {'ok' if condition else 'FAILED'}"
          + ("" if condition or not detail else f": {detail}"), flush=True)


def trusting(ca_bundle):
    """`verify_cert=True, ca_bundles=…` from arcgis 2.4.1 on (which refuse `verify_cert=<pem>`);
    `verify_cert=<pem>` before (2.4.0 and 2.3.x have no `ca_bundles`)."""
    version = tuple(int(part) for part in arcgis.__version__.split(".")[:3])
    if version >= (2, 4, 1):
        return {"verify_cert": True, "ca_bundles": ca_bundle}
    return {"verify_cert": ca_bundle}


def main(jobmock, fixtures):
    work = tempfile.mkdtemp(prefix="jobmock-scenarios-")
    cert = os.path.join(work, "jobmock.pem")
    server = subprocess.Popen(
        [jobmock, "replay", "--fixtures", fixtures, "--listen", "127.0.0.1:0", "--tls",
         "--tls-cert-out", cert, "--strict"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    if "listening on" not in line:
        print(f"e2e-scenarios: replay did not start: {line}{server.stderr.read()}")
        return 1
    base = line.split("listening on", 1)[1].split()[0]
    print(f"e2e-scenarios: arcgis {arcgis.__version__} against {base}")
    try:
        gis = GIS(base + "/portal", token=TOKEN, **trusting(cert))
        check("connect: GIS() reads the Portal and its user", gis.users.me is not None
              and gis.users.me.username == "user-1", gis.users.me)
        notebook_server = NotebookServer(base + "/notebookserver", gis)
        notebooks = notebook_server.notebooks

        executed = notebooks.execute_notebook(ITEM)
        check("execute_notebook, synchronous", executed is not None, executed)
        future = notebooks.execute_notebook(ITEM, future=True).result()
        check("execute_notebook as a future ends COMPLETED",
              future.get("status") == "COMPLETED", future)
        opened = notebooks.open_notebook(ITEM)
        check("open_notebook, synchronous", opened is not None, opened)
        opened = notebooks.open_notebook(ITEM, future=True).result()
        check("open_notebook as a future ends COMPLETED",
              opened.get("status") == "COMPLETED", opened)
        failing = notebooks.execute_notebook(FAILING_ITEM, future=True).result()
        check("a failing notebook ends FAILED", failing.get("status") == "FAILED", failing)

        details = notebook_server.system.job_details(future["jobId"])
        check("job details of a finished job", details.get("jobId") == future["jobId"], details)
        listed = notebook_server.system.list_jobs(details=True)
        check("the jobs list", isinstance(listed, list) and listed, listed)

        job = notebooks.execute_notebook(ITEM, future=True)
        cancelled = job.cancel()
        result = job.result()
        check("cancel ends the job FAILED and cancelled",
              cancelled is True and result.get("customAttributes", {}).get("isCancelled"),
              (cancelled, result))
    except Exception:
        check("the scenarios ran without an exception", False, traceback.format_exc())

    context = ssl.create_default_context(cafile=cert)
    with urllib.request.urlopen(base + "/__jobmock/requests?unmatched=true",
                                context=context) as answer:
        unmatched = json.load(answer)["requests"]
    check("every request was answered (replay --strict)", unmatched == [],
          [(entry["method"], entry["path"]) for entry in unmatched])
    server.terminate()
    _, err = server.communicate(timeout=20)
    check("replay stops cleanly", server.returncode == 0, err)

    passed = sum(results)
    print(f"e2e-scenarios: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
