"""The ArcGIS API for Python's geoprocessing client on the shipped web tool: replayed, recorded
through `jobmock record --tls`, and replayed from the recording.

Usage: webtools.py JOBMOCK FIXTURES

The shipped set's web tool is `<ctx>/rest/services/Tools/GPServer` under Notebook Server's
context path `/notebookserver`, with one task per way a job ends: CountFeatures succeeds
(`out_count` is 42), FailingTool fails with error messages, LongRunningTool runs for 20 polls
(and is cancelled here), TimingOutTool times out. Its set also holds two recorded jobs: a
CountFeatures job that succeeded, and a LongRunningTool job its owner cancelled.

Each of three servers gets the same client, doing the same (`run_client`):

1. `jobmock replay --tls --strict` on FIXTURES: `import_toolbox` reads the service's and the
   tasks' metadata (from the set's exchanges, offline); the four tools are called with
   `future=True` at once; the succeeding one's `.result()` is 42, read through its `paramUrl`;
   the failing one raises "Job failed: …" with its error messages; the time-out raises "Job
   timed out."; the long-running one is cancelled (`job.cancel()`), and the client's own polling
   ends with "Job cancelled." while the server's journal shows `esriJobCancelling`, then
   `esriJobCancelled`; the two recorded jobs, polled by their IDs with the client's own polling
   (`_analysis_job_status`), give 42 and "Job cancelled.". Nothing is unanswered.
2. `jobmock record --tls` in front of `jobmock replay --tls --strict --token …` (the "real
   server", which requires a token): the same client through the proxy sees the same, and the
   four jobs are recorded as jobs (the succeeding one's result as its own file).
3. `jobmock replay --tls --strict` on the recording: the same client sees the same again, and
   the recording holds no token and passes `jobmock scan`.

Phases 2 and 3 leave out the polls by known IDs: a recording gives each job an ID of its own
(`submitJob-1`, or `job-1` for one no recorded submitJob announced), which a client that knew
the server's ID would not ask for (`record --keep-job-ids` keeps them).

Prints one line per check and a closing `e2e-webtools: N passed, M failed`; exits 1 if any failed.
"""

import concurrent.futures
import json
import logging
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import traceback
import urllib.request
import warnings

warnings.filterwarnings("ignore")
# The client logs each job message it polls (errors and warnings would go to stderr): the
# outcomes printed below say what matters.
import logging as _logging  # noqa: E402

_logging.getLogger("arcgis").addHandler(_logging.NullHandler())

import arcgis  # noqa: E402
from arcgis.geoprocessing import import_toolbox  # noqa: E402
from arcgis.geoprocessing._support import (  # noqa: E402
    _GPResource,
    _analysis_job_results,
    _analysis_job_status,
)
from arcgis.gis import GIS  # noqa: E402
from servers import start, stop  # noqa: E402  (beside this script)

TOKEN = "e2eWebToolToken-3Kd8Vn5Qz1"
SERVICE = "/notebookserver/rest/services/Tools/GPServer"
TOOLS = ["count_features", "failing_tool", "long_running_tool", "timing_out_tool"]
# The recorded jobs of the shipped set (fixtures/jobs/).
SUCCEEDED_JOB = "jc3cd03fa6078e15cb78060dd23299c9b"
CANCELLED_JOB = "j2921e4b7caea3f7a26790b648555bc90"
# How long the client may take to see the cancelled job end: it polls once a second.
CANCEL_WAIT_S = 15


class WorkerErrors(logging.Handler):
    """What the client's worker threads raised after their futures were settled.

    `GPJob.cancel()` settles the job's future itself, but the thread that polls the job goes on
    until the job ends; what it then raises ("Job cancelled.") cannot settle the future again,
    and concurrent.futures logs the refusal ("Exception in worker"), the client's exception as
    its context. This handler keeps those (and keeps them off stderr)."""

    def __init__(self):
        super().__init__()
        self.raised = []
        self.event = threading.Event()

    def emit(self, record):
        error = record.exc_info[1] if record.exc_info else None
        cause = error.__context__ if error is not None and error.__context__ is not None else error
        self.raised.append(f"{type(cause).__name__}: {cause}" if cause is not None else record.getMessage())
        self.event.set()


def outcome(call):
    """A call's value, or its exception as text: the outcome itself is what is compared."""
    try:
        return call()
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def control(base, cert, path):
    """A replay's control API (`/__jobmock/…`), trusting its certificate."""
    context = ssl.create_default_context(cafile=cert)
    with urllib.request.urlopen(base + path, context=context) as answer:
        return json.load(answer)


def run_client(base, known_jobs):
    """What the client sees of the web tool at `base`: each tool's outcome, and the created
    jobs' IDs (under "ids", to look them up in a journal). With `known_jobs`, also the shipped
    set's two recorded jobs, polled by the IDs the client knows."""
    gis = GIS(base + "/portal", token=TOKEN, verify_cert=False)
    tools = import_toolbox(base + SERVICE, gis)
    seen = {"tools": [name for name in TOOLS if callable(getattr(tools, name, None))]}
    if len(seen["tools"]) < len(TOOLS):
        return seen

    worker_errors = WorkerErrors()
    futures_log = logging.getLogger("concurrent.futures")
    futures_log.addHandler(worker_errors)
    futures_log.propagate = False
    try:
        # All at once, as a client with several jobs does: each polls once a second.
        jobs = {
            "count": tools.count_features(in_text="parcels", gis=gis, future=True),
            "failing": tools.failing_tool(gis=gis, future=True),
            "timed_out": tools.timing_out_tool(gis=gis, future=True),
            "long": tools.long_running_tool(in_seconds=600, gis=gis, future=True),
        }
        seen["cancel"] = jobs["long"].cancel()
        # The recorded jobs, polled by their IDs with the client's own polling and results.
        task = base + SERVICE
        gptool = _GPResource(task, gis)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            if known_jobs:
                recorded_succeeded = pool.submit(outcome, lambda: _analysis_job_results(
                    gptool, task + "/CountFeatures",
                    _analysis_job_status(gptool, task + "/CountFeatures", {"jobId": SUCCEEDED_JOB}),
                    SUCCEEDED_JOB))
                recorded_cancelled = pool.submit(outcome, lambda: _analysis_job_status(
                    gptool, task + "/LongRunningTool", {"jobId": CANCELLED_JOB}))
            for name in ["count", "failing", "timed_out"]:
                seen[name] = outcome(jobs[name].result)
            seen["cancelled_result"] = outcome(jobs["long"].result)
            worker_errors.event.wait(CANCEL_WAIT_S)
            seen["cancelled_polling"] = list(worker_errors.raised)
            if known_jobs:
                seen["recorded_succeeded"] = recorded_succeeded.result()
                seen["recorded_cancelled"] = recorded_cancelled.result()
        seen["ids"] = {name: job._jobid for name, job in jobs.items()}
    finally:
        futures_log.removeHandler(worker_errors)
        futures_log.propagate = True
    return seen


def cancelled_in_journal(base, cert, job):
    """The statuses a job's polls were answered with, and the cancels of it answered: by
    replay's own cancel, or, from a recording, by the cancel's recorded exchange."""
    entries = control(base, cert, f"/__jobmock/requests?job={job}")["requests"]
    cancels = [entry for entry in entries if entry["path"].endswith("/cancel")]
    statuses = [entry["jobStatus"] for entry in entries
                if entry.get("jobStatus") and not entry["path"].endswith("/cancel")
                and entry.get("servedBy") in ("job", "createdJob")]
    return statuses, cancels


def main():
    binary, shipped = sys.argv[1], sys.argv[2]
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"e2e-webtools: {name} ... ok", flush=True)
        else:
            failed += 1
            print(f"e2e-webtools: {name} ... FAILED {detail}", flush=True)

    def check_outcomes(where, seen):
        check(f"{where}: import_toolbox makes the four tools", seen.get("tools") == TOOLS, seen)
        check(f"{where}: the succeeding tool's result is 42, read through its paramUrl",
              seen.get("count") == 42, seen.get("count"))
        failing = str(seen.get("failing"))
        check(f"{where}: the failing tool raises with its error messages",
              failing.startswith("Exception: Job failed:") and "Failed to execute (FailingTool)." in failing
              and "ValueError: the layer has no features to count" in failing, failing)
        check(f"{where}: the time-out raises \"Job timed out.\"",
              seen.get("timed_out") == "Exception: Job timed out.", seen.get("timed_out"))
        check(f"{where}: cancel() is accepted, and the client's polling ends \"Job cancelled.\"",
              seen.get("cancel") is True and seen.get("cancelled_result") is None
              and seen.get("cancelled_polling") == ["Exception: Job cancelled."],
              (seen.get("cancel"), seen.get("cancelled_result"), seen.get("cancelled_polling")))
        if "recorded_succeeded" in seen:
            check(f"{where}: the recorded job that succeeded, polled by its ID, gives out_count 42",
                  seen.get("recorded_succeeded") == {"out_count": 42}, seen.get("recorded_succeeded"))
            check(f"{where}: the recorded job that was cancelled, polled by its ID, says \"Job cancelled.\"",
                  seen.get("recorded_cancelled") == "Exception: Job cancelled.", seen.get("recorded_cancelled"))

    def check_server(where, base, cert, seen):
        job = seen.get("ids", {}).get("long")
        if job:
            statuses, cancels = cancelled_in_journal(base, cert, job)
            check(f"{where}: the journal shows the cancel, then esriJobCancelling, then esriJobCancelled",
                  len(cancels) == 1 and "esriJobCancelling" in statuses
                  and statuses[-1] == "esriJobCancelled",
                  (statuses, [entry.get("path") for entry in cancels]))
        unmatched = control(base, cert, "/__jobmock/requests?unmatched=true")["requests"]
        check(f"{where}: every request was answered (replay --strict)", unmatched == [],
              [(entry["method"], entry["path"]) for entry in unmatched])

    def comparable(seen):
        """The outcomes, without the job IDs (a recording gives its own) and the jobs polled by
        known IDs (phase 1 only)."""
        return {key: value for key, value in seen.items()
                if key != "ids" and not key.startswith("recorded_")}

    print(f"e2e-webtools: arcgis {arcgis.__version__}")
    with tempfile.TemporaryDirectory() as scratch:
        # 1. The shipped set, replayed.
        cert = os.path.join(scratch, "replay.pem")
        server, base = start([binary, "replay", "--fixtures", shipped, "--listen", "127.0.0.1:0",
                              "--tls", "--tls-cert-out", cert, "--strict"])
        try:
            replayed = run_client(base, known_jobs=True)
            print(f"e2e-webtools: from the shipped set the client saw {comparable(replayed)}")
            check_outcomes("replay", replayed)
            check_server("replay", base, cert, replayed)
        finally:
            code, err = stop(server)
        check("replay stops cleanly", code == 0, err)

        # 2. The same, recorded through the proxy in front of a replay that requires a token.
        recorded = os.path.join(scratch, "recorded")
        upstream_cert = os.path.join(scratch, "upstream.pem")
        proxy_cert = os.path.join(scratch, "proxy.pem")
        upstream, upstream_base = start([binary, "replay", "--fixtures", shipped, "--listen", "127.0.0.1:0",
                                         "--tls", "--tls-cert-out", upstream_cert, "--strict",
                                         "--token", TOKEN])
        try:
            proxy, proxy_base = start([binary, "record", "--upstream", upstream_base, "--ca-cert", upstream_cert,
                                       "--fixtures", recorded, "--listen", "127.0.0.1:0",
                                       "--tls", "--tls-cert-out", proxy_cert])
            try:
                live = run_client(proxy_base, known_jobs=False)
            finally:
                record_code, printed = stop(proxy)
            print(f"e2e-webtools: through the proxy the client saw {comparable(live)}")
            check("record: the client sees through the proxy what it sees from the set",
                  comparable(live) == comparable(replayed), f"{comparable(live)} != {comparable(replayed)}")
            check_server("record's upstream", upstream_base, upstream_cert, live)
        finally:
            upstream_code, upstream_err = stop(upstream)
        check("the recorder stops cleanly and its closing scan is clean", record_code == 0, printed)
        # Recorded as jobs: each a folder of steps (under the recording's own stable IDs), the
        # succeeding job's result as its own file.
        jobs_dir = os.path.join(recorded, "jobs")
        folders = sorted(os.listdir(jobs_dir)) if os.path.isdir(jobs_dir) else []
        check("the four web-tool jobs were recorded as jobs", len(folders) == 4,
              f"jobs/ holds {folders}; the recording has {sorted(os.listdir(recorded))}")
        results = [folder for folder in folders
                   if os.path.isfile(os.path.join(jobs_dir, folder, "results", "out_count.json"))]
        check("the succeeding job's result was recorded as its own file", len(results) == 1, folders)
        check("the upstream replay stops cleanly", upstream_code == 0, upstream_err)

        # 3. The recording, replayed.
        replay_cert = os.path.join(scratch, "recording.pem")
        again_server, again_base = start([binary, "replay", "--fixtures", recorded, "--listen", "127.0.0.1:0",
                                          "--tls", "--tls-cert-out", replay_cert, "--strict"])
        try:
            again = run_client(again_base, known_jobs=False)
            print(f"e2e-webtools: from the recording the client saw {comparable(again)}")
            check("the recording replays the same outcomes to the same client",
                  comparable(again) == comparable(live), f"{comparable(live)} != {comparable(again)}")
            check_server("replay of the recording", again_base, replay_cert, again)
        finally:
            again_code, again_err = stop(again_server)
        check("replay of the recording stops cleanly", again_code == 0, again_err)

        hits = []
        for folder, _, files in os.walk(recorded):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    if TOKEN.encode() in f.read() or TOKEN in path:
                        hits.append(os.path.relpath(path, recorded))
        check("the token is nowhere in the recording", not hits and TOKEN not in printed, hits)
        scan = subprocess.run([binary, "scan", recorded], capture_output=True, text=True)
        check("jobmock scan passes on the recording", scan.returncode == 0, scan.stdout + scan.stderr)

    print(f"e2e-webtools: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(1)
