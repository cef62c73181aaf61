#!/usr/bin/env bash
# Makes tests/har/mitmproxy-arcgis.har: a HAR written by a real tool (mitmproxy's `hardump`)
# while the real client, the ArcGIS API for Python, runs notebook jobs against `jobmock replay`.
#
# Why this file exists: the HAR import is tested on a HAR that a real tool wrote, not on one
# this project wrote itself. That HAR is kept in the repository as a test file, because
# installing mitmproxy in `make test` is too slow; this script is how it was made, and how to
# make it again (e.g. for another mitmproxy or arcgis version). It is not part of `make test`.
#
# What it does:
# 1. installs mitmproxy (pinned) into its own virtual environment under target/ (kept between
#    runs), and builds jobmock;
# 2. starts `jobmock replay --tls --token <canary>` on a free port (port 0, read back from its
#    `listening on` line);
# 3. starts mitmdump as a reverse proxy in front of it on another free port, writing a HAR on
#    exit (it verifies jobmock's self-signed certificate, and keeps the client's Host header so
#    that the job URLs jobmock hands out point back at the proxy, not around it);
# 4. drives the client (the e2e virtual environment's arcgis, see scripts/e2e.sh) through the
#    proxy, trusting mitmproxy's CA: a notebook that completes, the same one opened, and one
#    that fails;
# 5. stops mitmdump with SIGINT, so that it writes the HAR, checks the HAR (mitmproxy's,
#    with the Portal calls, executeNotebook, openNotebook, job polls and the canary token,
#    which the importer must remove) and puts it at tests/har/mitmproxy-arcgis.har.
#
# Usage: scripts/har-from-mitmproxy.sh   (needs python3 and PyPI; run scripts/e2e.sh once
# before, or set JOBMOCK_E2E_VENV to a venv with arcgis)
set -euo pipefail
cd "$(dirname "$0")/.."

# 11.0.2 is the newest mitmproxy that installs on Python 3.11 (11.1 and later need 3.12).
MITMPROXY_VERSION=11.0.2
ARCGIS_VERSION=2.4.4
MITM_VENV=${JOBMOCK_MITM_VENV:-target/mitm-venv}
E2E_VENV=${JOBMOCK_E2E_VENV:-target/e2e-venv}
TOKEN=canaryTok3n-mitm-7f3a9c1e5b0d
OUT=tests/har/mitmproxy-arcgis.har

if ! "$E2E_VENV/bin/python" -c "import arcgis, sys; sys.exit(arcgis.__version__ != '$ARCGIS_VERSION')" 2>/dev/null; then
    echo "har: $E2E_VENV has no arcgis==$ARCGIS_VERSION; run scripts/e2e.sh first" >&2
    exit 1
fi

if ! "$MITM_VENV/bin/mitmdump" --version 2>/dev/null | grep -qx "Mitmproxy: $MITMPROXY_VERSION"; then
    echo "har: installing mitmproxy==$MITMPROXY_VERSION into $MITM_VENV"
    rm -rf "$MITM_VENV"
    python3 -m venv "$MITM_VENV"
    "$MITM_VENV/bin/pip" install --quiet --disable-pip-version-check "mitmproxy==$MITMPROXY_VERSION"
fi

cargo build --quiet --bin jobmock

TMP=$(mktemp -d)
JOBMOCK_PID=
MITM_PID=
cleanup() {
    [ -n "$MITM_PID" ] && kill "$MITM_PID" 2>/dev/null || true
    [ -n "$JOBMOCK_PID" ] && kill "$JOBMOCK_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# 2. jobmock, the "server", on a free port.
target/debug/jobmock replay --fixtures fixtures --listen 127.0.0.1:0 --tls \
    --tls-cert-out "$TMP/jobmock.pem" --token "$TOKEN" >"$TMP/jobmock.out" 2>"$TMP/jobmock.err" &
JOBMOCK_PID=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$TMP/jobmock.out" 2>/dev/null && break
    kill -0 "$JOBMOCK_PID" 2>/dev/null || { cat "$TMP/jobmock.err" >&2; exit 1; }
    sleep 0.1
done
UPSTREAM=$(sed -n 's/^listening on //p' "$TMP/jobmock.out")
[ -n "$UPSTREAM" ] || { echo "har: jobmock did not start" >&2; cat "$TMP/jobmock.err" >&2; exit 1; }

# 3. mitmdump in front of it, on a free port.
MITM_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MITM_CMD=("$MITM_VENV/bin/mitmdump"
    --mode "reverse:$UPSTREAM"
    --listen-host 127.0.0.1 --listen-port "$MITM_PORT"
    --set confdir="$TMP/mitmconf"
    --set ssl_verify_upstream_trusted_ca="$TMP/jobmock.pem"
    --set keep_host_header=true
    --set hardump="$TMP/capture.har")
echo "har: ${MITM_CMD[*]}"
"${MITM_CMD[@]}" >"$TMP/mitmdump.log" 2>&1 &
MITM_PID=$!
for _ in $(seq 300); do
    grep -q "listening at 127.0.0.1:$MITM_PORT" "$TMP/mitmdump.log" 2>/dev/null && break
    kill -0 "$MITM_PID" 2>/dev/null || { cat "$TMP/mitmdump.log" >&2; exit 1; }
    sleep 0.1
done
# mitmproxy makes its CA in confdir at start; the client trusts it.
grep -q "listening at 127.0.0.1:$MITM_PORT" "$TMP/mitmdump.log" && [ -f "$TMP/mitmconf/mitmproxy-ca-cert.pem" ] || { echo "har: mitmdump did not start" >&2; cat "$TMP/mitmdump.log" >&2; exit 1; }

# 4. the real client through the proxy.
"$E2E_VENV/bin/python" - "https://127.0.0.1:$MITM_PORT" "$TOKEN" "$TMP/mitmconf/mitmproxy-ca-cert.pem" <<'EOF'
import sys
import warnings

warnings.filterwarnings("ignore")
from arcgis.gis import GIS  # noqa: E402
from arcgis.gis.nb import NotebookServer  # noqa: E402

base, token, ca = sys.argv[1:4]
gis = GIS(base + "/portal", token=token, verify_cert=True, ca_bundles=ca)
nb = NotebookServer(base + "/notebookserver", gis).notebooks
statuses = [
    nb.execute_notebook("c21213a381804c85935f50a1349a390f", future=True).result()["status"],
    nb.open_notebook("c21213a381804c85935f50a1349a390f", future=True).result()["status"],
    nb.execute_notebook("5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d", future=True).result()["status"],
]
print("har: client statuses:", " ".join(statuses))
if statuses != ["COMPLETED", "COMPLETED", "FAILED"]:
    sys.exit("har: expected COMPLETED COMPLETED FAILED")
EOF

# 5. mitmdump writes the HAR when it stops.
kill -INT "$MITM_PID"
wait "$MITM_PID" || true
MITM_PID=
kill "$JOBMOCK_PID"
wait "$JOBMOCK_PID" || true
JOBMOCK_PID=
[ -s "$TMP/capture.har" ] || { echo "har: mitmdump wrote no HAR" >&2; cat "$TMP/mitmdump.log" >&2; exit 1; }

python3 - "$TMP/capture.har" "$TOKEN" <<'EOF'
import json
import re
import sys
import urllib.parse

path, token = sys.argv[1:3]
text = open(path, encoding="utf-8").read()
log = json.loads(text)["log"]
assert log["version"], "no log.version"
assert log["creator"]["name"] == "mitmproxy", log["creator"]
calls = [(e["request"]["method"], urllib.parse.urlsplit(e["request"]["url"]).path) for e in log["entries"]]
assert any(p.startswith("/portal/sharing/rest/") for _, p in calls), "no Portal call"
assert ("POST", "/notebookserver/admin/notebooks/executeNotebook") in calls, "no executeNotebook"
assert ("POST", "/notebookserver/admin/notebooks/openNotebook") in calls, "no openNotebook"
assert any(m == "GET" and re.fullmatch(r"/notebookserver/admin/system/jobs/[^/]+", p) for m, p in calls), "no job poll"
assert token in text, "the canary token is not in the HAR"
print(f"har: {len(calls)} entries from {log['creator']['name']} {log['creator']['version']}, {len(text)} bytes")
EOF

mkdir -p "$(dirname "$OUT")"
cp "$TMP/capture.har" "$OUT"
echo "har: wrote $OUT"
