"""Starting and stopping a jobmock server (replay or record, over TLS) for the e2e scripts that
drive one through the real client: webtools.py and record_client.py."""

import subprocess


def start(command):
    """`command` started; its process and the base URL its first line names. A server that
    does not start ends the script with what it printed."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip()
    if not line.startswith("listening on https://"):
        process.kill()
        raise SystemExit(f"{command[:2]} did not start: {line!r} {process.stderr.read()}")
    return process, line.removeprefix("listening on ").split()[0]


def stop(process):
    """Stops `process` as Ctrl-C would; its exit code and what it printed on stderr."""
    process.terminate()
    _, err = process.communicate(timeout=20)
    return process.returncode, err
