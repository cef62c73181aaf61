"""The ArcGIS API for Python recorded through `jobmock record --tls`, then replayed.

Usage: record_client.py JOBMOCK FIXTURES

1. A copy of the shipped fixture set, whose Portal user is a person (username, e-mail, full
   name), is served by `jobmock replay --tls --token …`: the "real server", which requires a
   token and speaks HTTPS only.
2. `jobmock record --tls` sits in front of it; the client connects through the proxy (GIS, then
   NotebookServer), executes a notebook that completes, one that fails, and opens one.
3. The recording is served by `jobmock replay --tls`, and the same client, doing the same,
   sees the same statuses (and the same exception, if any).
4. The recorded set holds neither the token nor the user's e-mail, full name or username,
   in any of the spellings searched, and `jobmock scan` passes on it.

Prints one line per check and a closing `e2e-record: N passed, M failed`; exits 1 if any failed.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
import warnings

warnings.filterwarnings("ignore")

from arcgis.gis import GIS  # noqa: E402
from arcgis.gis.nb import NotebookServer  # noqa: E402
from servers import start, stop  # noqa: E402  (beside this script)

TOKEN = "e2eRecordToken-7Hq2Zx9Lw4"
ITEM = "c21213a381804c85935f50a1349a390f"
FAILING_ITEM = "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d"
PERSON = {
    "username": "jane.doe",
    "email": "jane.doe@customer.com",
    "fullName": "Jane Doe",
    "firstName": "Jane",
    "lastName": "Doe",
}


def person_set(shipped, into):
    """The shipped set, with its Portal user `user-1` made the person above."""
    shutil.copytree(shipped, into)
    for folder, _, files in os.walk(into):
        for name in files:
            if not name.endswith(".json") or name == "script.json":
                continue
            path = os.path.join(folder, name)
            with open(path) as f:
                value = json.load(f)
            if isinstance(value, dict):
                for key, holder in [("user", value.get("user")), (None, value)]:
                    if isinstance(holder, dict) and holder.get("username") == "user-1":
                        holder.update(PERSON if "email" in holder else {"username": PERSON["username"]})
                if name == "request.json":
                    value["path"] = value["path"].replace("/community/users/user-1", "/community/users/jane.doe")
            with open(path, "w") as f:
                json.dump(value, f, indent=2)
    users = os.path.join(into, "exchanges", "GET-portal-sharing-rest-community-users-user-1")
    os.rename(users, users.replace("-user-1", "-jane-doe"))


def run_client(base):
    """What the client sees of a session: each scenario's final status, or its exception."""
    gis = GIS(base + "/portal", token=TOKEN, verify_cert=False)
    notebooks = NotebookServer(base + "/notebookserver", gis).notebooks
    seen = {"user": gis.users.me.username if gis.users.me else None}
    for name, call in [
        ("execute", lambda: notebooks.execute_notebook(ITEM, future=True).result()),
        ("execute_failing", lambda: notebooks.execute_notebook(FAILING_ITEM, future=True).result()),
        ("open", lambda: notebooks.open_notebook(ITEM, future=True).result()),
    ]:
        try:
            result = call()
            seen[name] = result["status"]
        except Exception as error:  # the outcome itself is what is compared
            seen[name] = f"{type(error).__name__}: {error}"
    return seen


def spellings(value):
    """The spellings of a value a recording must not hold it in."""
    forms = {
        value,
        urllib.parse.quote(value, safe=""),
        urllib.parse.quote_plus(value),
        "".join(f"%{b:02X}" for b in value.encode()),
        "".join(f"\\u{ord(c):04x}" for c in value),
        base64.b64encode(value.encode()).decode().rstrip("="),
    }
    return sorted(forms)


def main():
    binary, shipped = sys.argv[1], sys.argv[2]
    passed = failed = 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"e2e-record: {name} ... ok")
        else:
            failed += 1
            print(f"e2e-record: {name} ... FAILED {detail}")

    with tempfile.TemporaryDirectory() as scratch:
        served = os.path.join(scratch, "server-set")
        recorded = os.path.join(scratch, "recorded")
        person_set(shipped, served)
        upstream_cert = os.path.join(scratch, "upstream.pem")
        proxy_cert = os.path.join(scratch, "proxy.pem")
        upstream, upstream_base = start([binary, "replay", "--fixtures", served, "--listen", "127.0.0.1:0",
                                         "--tls", "--tls-cert-out", upstream_cert, "--token", TOKEN])
        try:
            proxy, proxy_base = start([binary, "record", "--upstream", upstream_base, "--ca-cert", upstream_cert,
                                       "--fixtures", recorded, "--listen", "127.0.0.1:0",
                                       "--tls", "--tls-cert-out", proxy_cert])
            try:
                live = run_client(proxy_base)
            finally:
                code, printed = stop(proxy)
        finally:
            stop(upstream)
        print(f"e2e-record: through the proxy the client saw {live}")
        check("the client records through record --tls",
              live.get("execute") == "COMPLETED" and live.get("open") == "COMPLETED", live)
        check("the failing job ends FAILED", live.get("execute_failing") == "FAILED", live)
        check("the recorder stops cleanly and its closing scan is clean", code == 0, printed)
        jobs = os.listdir(os.path.join(recorded, "jobs")) if os.path.isdir(os.path.join(recorded, "jobs")) else []
        check("the three jobs were recorded", len(jobs) == 3, jobs)

        replayed_server, replay_base = start([binary, "replay", "--fixtures", recorded, "--listen", "127.0.0.1:0",
                                              "--tls"])
        try:
            again = run_client(replay_base)
        finally:
            replay_code, replay_err = stop(replayed_server)
        print(f"e2e-record: from the recording the client saw {again}")
        check("the recording replays the same statuses to the same client",
              {k: v for k, v in again.items() if k != "user"} == {k: v for k, v in live.items() if k != "user"},
              f"{live} != {again}")
        check("the user is a pseudonym in the recording", again.get("user") == "user-1", again)
        check("replay of the recording stops cleanly", replay_code == 0, replay_err)

        hits = []
        for folder, _, files in os.walk(recorded):
            for name in files:
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                for value in [TOKEN, *PERSON.values()]:
                    if value in ("Jane", "Doe"):
                        continue  # too short to search as text; their fields are checked below
                    for spelling in spellings(value):
                        if spelling in text or spelling in path:
                            hits.append(f"{os.path.relpath(path, recorded)} holds {spelling!r}")
                if '"firstName": "Jane"' in text or '"lastName": "Doe"' in text:
                    hits.append(f"{os.path.relpath(path, recorded)} holds the first or last name")
        for value in [TOKEN, *PERSON.values()]:
            if len(value) > 4 and value in printed:
                hits.append(f"the recorder printed {value!r}")
        check("the token, e-mail, full name and username are nowhere in the recording", not hits,
              "\n  ".join([""] + hits))
        scan = subprocess.run([binary, "scan", recorded], capture_output=True, text=True)
        check("jobmock scan passes on the recording", scan.returncode == 0, scan.stdout + scan.stderr)

    print(f"e2e-record: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except Exception:
        traceback.print_exc()
        sys.exit(1)
