"""Start `jobmock replay` over TLS on a free port, and talk to its control API.

Plain Python (the standard library only), usable without pytest::

    from jobmock import Server

    with Server() as server:                      # the shipped fixtures, HTTPS on 127.0.0.1:<free>
        session = server.session("my-test")       # requests under session.url are in "my-test"
        gis = GIS(session.url + "/portal", token="t", verify_cert=True,
                  ca_bundles=session.ca_bundle)
        ...
        print(session.verify()["jobs"])

The pytest plugin (`jobmock.pytest_plugin`) is built on these two classes.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Union

if TYPE_CHECKING:  # pragma: no cover
    from .scenarios import Job, Submission
    from .steps import Step

__all__ = [
    "JobmockError",
    "Server",
    "Session",
    "find_binary",
    "shipped_fixtures",
]

#: How long a server may take to print its `listening on` line.
START_TIMEOUT = 30.0
#: How long a server may take to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0
#: The longest session name jobmock takes in a `/__session/<name>/` prefix.
MAX_SESSION_NAME = 256

_LISTENING = "listening on "
#: Where a server listens unless its `args` say otherwise: a free port of this machine.
_LISTEN = "127.0.0.1:0"

#: The flags of `jobmock replay` that `Server` gives itself and that its `args` cannot take:
#: why not, and what to do instead.
_REFUSED = {
    "--fixtures": "give the set as fixtures= (Server(fixtures=DIR), or the marker's "
                  "fixtures=) instead",
    "--tls-cert-out": "the server writes its certificate itself and its path is .ca_bundle: "
                      "copy it from there",
    "--tls-cert": "the server serves a self-signed certificate that .ca_bundle trusts; to "
                  "serve your own, run `jobmock replay --tls-cert FILE --tls-key FILE` yourself",
    "--tls-key": "the server serves a self-signed certificate that .ca_bundle trusts; to "
                 "serve your own, run `jobmock replay --tls-cert FILE --tls-key FILE` yourself",
}


class JobmockError(Exception):
    """jobmock could not be found or started, or its control API answered an error.

    For an error answer, `status` is its HTTP status and `body` its parsed JSON (or text); a 400
    for a bad job or submission also has `field`, the path of the bad field (`"steps[2].status"`,
    `"then"`; `""` for a body that is not JSON), and the message starts with the server's own
    words (`steps[2].status: must be a string such as "COMPLETED"`)."""

    def __init__(self, message: str, *, status: Optional[int] = None, body: Any = None,
                 stderr: str = "", field: Optional[str] = None):
        super().__init__(message)
        self.status = status
        self.body = body
        self.stderr = stderr
        self.field = field


def shipped_fixtures() -> Path:
    """The fixture set shipped with the package (a copy of the repository's `fixtures/`)."""
    return Path(__file__).resolve().parent / "fixtures"


def find_binary() -> str:
    """The `jobmock` executable: `$JOBMOCK_BIN`, else the one installed beside this Python's
    scripts (the wheel's), else the first on `PATH`."""
    explicit = os.environ.get("JOBMOCK_BIN")
    if explicit:
        if not os.path.isfile(explicit):
            raise JobmockError(f"JOBMOCK_BIN={explicit!r} is not a file")
        return explicit
    name = "jobmock.exe" if os.name == "nt" else "jobmock"
    scripts = sysconfig.get_path("scripts")
    if scripts:
        candidate = os.path.join(scripts, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("jobmock")
    if found:
        return found
    raise JobmockError(
        "the jobmock binary was not found: set JOBMOCK_BIN, or install the jobmock package "
        f"(pip install jobmock) into this environment ({sys.prefix})"
    )


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def flag_values(args: Sequence[str], flag: str) -> List[str]:
    """The values `args` give `flag` (`--flag VALUE` or `--flag=VALUE`), in order."""
    values = []
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            values.append(args[index + 1])
        elif arg.startswith(flag + "="):
            values.append(arg[len(flag) + 1:])
    return values


def has_flag(args: Sequence[str], flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in args)


def _replay_args(args: Sequence[str]):
    """A caller's `args` for `jobmock replay`, against the flags `Server` passes itself:
    `--listen ADDR` replaces its `127.0.0.1:0`, `--tls` is what it serves anyway, `--strict` is
    `strict=True`, `--control-token` is sent on its control calls; `--fixtures`, `--tls-cert-out`,
    `--tls-cert` and `--tls-key` raise `ValueError` with what to do instead. Answers the address
    to listen on, whether `--strict` was given, the control token, and the arguments left."""
    for flag, remedy in _REFUSED.items():
        if has_flag(args, flag):
            raise ValueError(f"{flag} in args: {remedy}")
    listens = flag_values(args, "--listen")
    if len(listens) > 1:
        raise ValueError(f"--listen in args: give it once, not {len(listens)} times")
    tokens = flag_values(args, "--control-token")
    rest: List[str] = []
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
        elif arg == "--listen" and index + 1 < len(args):
            skip = True
        elif arg.startswith("--listen=") or arg in ("--tls", "--strict"):
            continue
        else:
            rest.append(arg)
    return (listens[0] if listens else _LISTEN, "--strict" in args,
            tokens[-1] if tokens else None, rest)


class Server:
    """One `jobmock replay --tls` process on 127.0.0.1 and a free port.

    `fixtures` defaults to the shipped set; `strict` adds `--strict` (an unmatched request gets
    HTTP 400, and the process exits 1 on stop if there was one); `args` are more command-line
    arguments for `jobmock replay` (`["--token", "t"]`, `["--speed", "10"]`, …). Of the flags
    `Server` gives itself, `args` may hold `--listen HOST:PORT` (instead of `127.0.0.1:0`),
    `--tls` (served anyway), `--strict` (as `strict=True`) and `--control-token TOKEN` (sent
    on every control call); `--fixtures`, `--tls-cert-out`, `--tls-cert` and `--tls-key`
    raise `ValueError`, which says what to do instead.

    `start()` (or `with Server() as server:`) starts it and waits for it to listen; a server that
    exits or does not listen within `start_timeout` seconds raises `JobmockError` with its stderr.
    `stop()` sends SIGTERM, waits (then kills) and returns the exit code.
    """

    def __init__(
        self,
        fixtures: Union[str, os.PathLike, None] = None,
        strict: bool = False,
        args: Sequence[str] = (),
        *,
        binary: Optional[str] = None,
        start_timeout: float = START_TIMEOUT,
        stop_timeout: float = STOP_TIMEOUT,
    ):
        self.fixtures = str(fixtures) if fixtures is not None else str(shipped_fixtures())
        self.strict = bool(strict)
        if isinstance(args, str):
            raise TypeError("args must be a sequence of strings, not one string")
        self.listen, strict_arg, self.control_token, self.args = _replay_args(
            [str(arg) for arg in args])
        self.strict = self.strict or strict_arg
        self.binary = binary
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.url: Optional[str] = None
        self.ca_bundle: Optional[str] = None
        self.returncode: Optional[int] = None
        self._process: Optional[subprocess.Popen] = None
        self._scratch: Optional[str] = None
        self._stderr: List[str] = []
        self._stderr_lock = threading.Lock()
        self._readers: List[threading.Thread] = []
        self._ssl: Optional[ssl.SSLContext] = None

    # -- the process ------------------------------------------------------------------------

    @property
    def base_url(self) -> Optional[str]:
        """`https://127.0.0.1:<port>`, without a session prefix."""
        return self.url

    @property
    def command(self) -> List[str]:
        """The command line the server is (or would be) started with."""
        cert = self.ca_bundle or os.path.join("<scratch>", "ca.pem")
        command = [
            self.binary or "jobmock", "replay", "--fixtures", self.fixtures,
            "--listen", self.listen, "--tls", "--tls-cert-out", cert,
        ]
        if self.strict:
            command.append("--strict")
        return command + self.args

    @property
    def stderr(self) -> str:
        """What the server wrote on stderr so far (all of it, once stopped)."""
        with self._stderr_lock:
            return "".join(self._stderr)

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process else None

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> "Server":
        if self._process is not None:
            raise JobmockError("this server was started already")
        if self.binary is None:
            self.binary = find_binary()
        self._scratch = tempfile.mkdtemp(prefix="jobmock-")
        self.ca_bundle = os.path.join(self._scratch, "ca.pem")
        command = self.command
        try:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # jobmock writes UTF-8; a message that is not stays readable.
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as error:
            self._cleanup()
            raise JobmockError(f"could not run {command[0]}: {error}") from error

        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self._process.stdout, lines),
                             name=f"jobmock-{self._process.pid}-stdout", daemon=True),
            threading.Thread(target=self._read_stderr, args=(self._process.stderr,),
                             name=f"jobmock-{self._process.pid}-stderr", daemon=True),
        ]
        for reader in self._readers:
            reader.start()

        try:
            line = lines.get(timeout=self.start_timeout)
        except queue.Empty:
            line = None
            problem = f"did not say where it listens within {self.start_timeout:g} s"
        else:
            problem = "exited before it listened" if line is None else None
        if line is not None and not line.startswith(_LISTENING + "https://"):
            problem = f"printed {line.strip()!r} instead of 'listening on https://…'"
        if problem is None and not os.path.isfile(self.ca_bundle):
            problem = f"listens but wrote no certificate at {self.ca_bundle}"
        if problem is not None:
            code = self._halt()
            stderr = self.stderr
            self._cleanup()
            detail = f" (exit code {code})" if code is not None else ""
            raise JobmockError(
                f"jobmock {problem}{detail}: {' '.join(command)}\n"
                f"--- jobmock stderr ---\n{stderr.rstrip() or '(nothing)'}",
                stderr=stderr,
            )
        self.url = _reachable(line[len(_LISTENING):].strip().rstrip("/"))
        return self

    def stop(self) -> int:
        """SIGTERM, wait up to `stop_timeout` seconds (then SIGKILL), and return the exit code.
        Stopping a stopped server returns its exit code again."""
        if self._process is None:
            raise JobmockError("this server was never started")
        if self.returncode is None:
            self.returncode = self._halt()
            self._cleanup()
        return self.returncode

    def _halt(self) -> int:
        process = self._process
        assert process is not None
        if process.poll() is None:
            try:
                if os.name == "nt":
                    process.terminate()
                else:
                    process.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                with self._stderr_lock:
                    self._stderr.append(
                        f"[jobmock was killed: it did not exit within {self.stop_timeout:g} s "
                        "of SIGTERM]\n")
        for reader in self._readers:
            reader.join(timeout=5)
        return process.returncode

    def _cleanup(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    @staticmethod
    def _read_stdout(pipe, lines: "queue.Queue[Optional[str]]") -> None:
        first = True
        try:
            for line in pipe:
                if first:
                    lines.put(line)
                    first = False
                # Later lines are read and dropped, so the pipe never fills.
        finally:
            if first:
                lines.put(None)
            pipe.close()

    def _read_stderr(self, pipe) -> None:
        try:
            for line in pipe:
                with self._stderr_lock:
                    self._stderr.append(line)
        finally:
            pipe.close()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        if self._process is not None:
            self.stop()

    def __repr__(self) -> str:
        state = self.url if self.running() else (
            f"exited {self.returncode}" if self.returncode is not None else "not started")
        return f"<jobmock.Server {state} fixtures={self.fixtures!r} strict={self.strict}>"

    # -- the control API --------------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's certificate (and nothing else)."""
        if self.ca_bundle is None:
            raise JobmockError("the server is not started")
        if self._ssl is None:
            self._ssl = ssl.create_default_context(cafile=self.ca_bundle)
        return self._ssl

    def call(self, method: str, path: str, params: Optional[Dict[str, Any]] = None,
             *, session: Optional[str] = None, json_body: Any = None) -> Any:
        """Call the control API: `call("GET", "/__jobmock/health")`; `json_body` is sent as the
        request's JSON body. Answers the parsed JSON; an HTTP error raises `JobmockError` with
        its status and body (and `field`, when the server names one)."""
        if self.url is None or not self.running():
            raise JobmockError(
                f"the jobmock server is not running (exit code {self._process and self._process.poll()})"
                f"\n--- jobmock stderr ---\n{self.stderr.rstrip() or '(nothing)'}",
                stderr=self.stderr)
        query = dict(params or {})
        if session is not None:
            query["session"] = session
        url = self.url + path
        pairs = []
        for name, value in query.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            pairs.append((name, str(value)))
        if pairs:
            url += "?" + urllib.parse.urlencode(pairs)
        headers = {"Accept": "application/json"}
        if self.control_token is not None:
            headers["X-Jobmock-Control-Token"] = self.control_token
        data = b"" if method == "POST" else None
        if json_body is not None:
            data = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, method=method, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, context=self.ssl_context(), timeout=30) as answer:
                text = answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                body = json.loads(text)
            except ValueError:
                body = text
            raise _answered_error(method, path, error.code, text, body) from None
        return json.loads(text) if text.strip() else None

    def health(self) -> Dict[str, Any]:
        return self.call("GET", "/__jobmock/health")

    def reset(self, session: Optional[str] = None, job: Optional[str] = None) -> Any:
        """`POST /__jobmock/reset`: everything, or one session's (and/or one job's) cursors."""
        return self.call("POST", "/__jobmock/reset", {"job": job}, session=session)

    def requests(self, session: Optional[str] = None, **filters: Any) -> List[Dict[str, Any]]:
        """The request journal's entries (of one session when given); `job=ID`,
        `unmatched=True` and other filters are passed on to `GET /__jobmock/requests`."""
        return self.call("GET", "/__jobmock/requests", filters, session=session)["requests"]

    def verify(self, session: Optional[str] = None) -> Dict[str, Any]:
        """`GET /__jobmock/verify`: polls, intervals and statuses per job, submissions,
        unmatched requests with their near misses, unused fixtures."""
        return self.call("GET", "/__jobmock/verify", session=session)

    def advance(self, job_id: str, session: Optional[str] = None) -> Dict[str, Any]:
        """`POST /__jobmock/jobs/<job_id>/advance`: the job moves one step in the session."""
        return self.call("POST", "/__jobmock/jobs/" + _quote(job_id) + "/advance",
                         session=session)

    def jobs(self) -> Dict[str, Any]:
        return self.call("GET", "/__jobmock/jobs")

    def job(self, job_id: str) -> Dict[str, Any]:
        return self.call("GET", "/__jobmock/jobs/" + _quote(job_id))

    def session(self, name: str) -> "Session":
        """A view of the server for one session: its `url` puts requests into the session."""
        return Session(self, name)


def _reachable(url: str) -> str:
    """The URL a client on this machine reaches a server at: one that listens on every address
    (`--listen 0.0.0.0:PORT`) is reached at the loopback one, which its certificate names."""
    every = "https://0.0.0.0:"
    if url.startswith(every):
        return "https://127.0.0.1:" + url[len(every):]
    return url


def session_findings(report: Dict[str, Any]) -> List[str]:
    """A verification report's `findings` without the ones on what the set holds and the
    session never used. The server says those last, one on the jobs and one on the exchanges
    (when there are any), each naming the first of them; found by that place and that name, not
    by its wording."""
    findings = list(report.get("findings") or [])
    unused = report.get("unused") or {}
    for kind in ("exchanges", "jobs"):  # the last sentence first
        names = unused.get(kind) or []
        if names and findings and str(names[0]) in findings[-1]:
            findings.pop()
    return findings


def _answered_error(method: str, path: str, status: int, text: str, body: Any) -> JobmockError:
    """The error for an error answer: the server's messages first when it gave some (a 400's
    message starts with the bad field's path), its whole text otherwise."""
    field = None
    told = text.strip()
    if isinstance(body, dict):
        messages = body.get("messages")
        if isinstance(messages, list) and messages:
            told = "; ".join(str(message) for message in messages)
        elif isinstance(body.get("error"), dict) and body["error"].get("message"):
            told = str(body["error"]["message"])
        if isinstance(body.get("field"), str):
            field = body["field"]
    return JobmockError(f"{method} {path}: HTTP {status}: {told}", status=status, body=body,
                        field=field)


def session_name(text: str, taken: Iterable[str] = (), limit: int = 200) -> str:
    """A session name made from any text (a test's node ID): letters, digits, `.`, `_` and `-`,
    at most `limit` characters, and not one of `taken` (a `-2`, `-3`, … is added)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "session"
    if len(name) > limit:
        import hashlib

        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        name = name[: limit - 11].rstrip("-.") + "-" + digest
    taken = set(taken)
    if name not in taken:
        return name
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = name[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1


class Session:
    """One jobmock session on a running server.

    `url` is `https://127.0.0.1:<port>/__session/<name>`: client code appends `/portal`,
    `/notebookserver`, … and every request it sends (and every `jobUrl` it is given) is in this
    session. The control API calls name the session explicitly.
    """

    def __init__(self, server: Server, name: str):
        if not name or len(name) > MAX_SESSION_NAME:
            raise ValueError(f"a session name has 1 to {MAX_SESSION_NAME} characters: {name!r}")
        self.server = server
        self.session = name
        self._children: List[Session] = []

    @property
    def name(self) -> str:
        return self.session

    @property
    def base_url(self) -> str:
        """The server's URL, without the session prefix."""
        if self.server.url is None:
            raise JobmockError("the server is not started")
        return self.server.url

    @property
    def url(self) -> str:
        return f"{self.base_url}/__session/{_quote(self.session)}"

    @property
    def ca_bundle(self) -> str:
        """The PEM file of the server's certificate, for `verify=`/`ca_bundles=`/`cafile=`."""
        if self.server.ca_bundle is None:
            raise JobmockError("the server is not started")
        return self.server.ca_bundle

    def ssl_context(self) -> ssl.SSLContext:
        return self.server.ssl_context()

    def requests(self, **filters: Any) -> List[Dict[str, Any]]:
        """This session's journal entries; `job=ID`, `unmatched=True` filter them."""
        return self.server.requests(session=self.session, **filters)

    def verify(self, unused: bool = False) -> Dict[str, Any]:
        """The verification report of this session (`GET /__jobmock/verify?session=NAME`): the
        jobs it polled (the set's, the ones it created or defined), what it submitted, its
        unmatched requests with their near misses, and `findings`, a sentence on each thing
        it did that a reviewer would remark on.

        The set's jobs and exchanges this session never used are in `unused`, as the server
        says; `findings` leaves out the server's sentences on them (on a shared server every
        test would repeat the whole set's), unless `unused=True` keeps them."""
        report = self.server.verify(session=self.session)
        if not unused:
            report["findings"] = session_findings(report)
        return report

    def advance(self, job_id: str) -> Dict[str, Any]:
        return self.server.advance(job_id, session=self.session)

    def reset(self, job: Optional[str] = None) -> Any:
        """Back to the first steps, for this session only."""
        return self.server.reset(session=self.session, job=job)

    def health(self) -> Dict[str, Any]:
        return self.server.health()

    # -- jobs and submissions defined in the test ------------------------------------------

    def add_job(self, type: str = "executeNotebook", *, steps: Sequence["Step"],
                then: str = "repeat", job_id: Optional[str] = None,
                advance: Optional[str] = None, context: Optional[str] = None,
                task: Optional[str] = None) -> "Job":
        """Define a job in this session (`POST /__jobmock/jobs`) and return its handle, whose
        `url` a client polls::

            job = jobmock.add_job(steps=[step("SUBMITTED"), step("PROCESSING", polls=2),
                                         step("FAILED", messages=["Cell 3 raised KeyError"])])

        `steps` are dicts (see `jobmock.steps`); `type` picks the template that fills in what a
        shorthand step leaves out; `then` is what a poll after the last step gets: `"repeat"`
        (the last step again), `"error"` (an unmatched request, failing `--strict`),
        `"restart"` (the first step again) or `"gone"` (404, as a deleted job). `job_id`
        defaults to a fresh ID; defining an ID again replaces its definition. `advance` is
        `"poll"` (the default) or `"time"`; `context` the context path of the `jobUrl`
        (`/notebookserver`). A bad definition raises `JobmockError` whose `field` names it.

        A web tool's (geoprocessing) job: `type="gp"`, or `task="Count"` to fill its steps from
        `templates/Count/`; its statuses are `esriJob…` words (`step("succeeded",
        results={"out_count": 42})` is `esriJobSucceeded`, with `results/out_count`)."""
        from .scenarios import Job, job_body

        if task is not None and type == "executeNotebook":
            type = None  # the task makes it a web tool's job
        body = job_body(type=type, steps=steps, then=then, job_id=job_id, advance=advance,
                        context=context)
        if task is not None:
            body["task"] = task
        return Job(self, self._control("POST", "/__jobmock/jobs", body))

    def on_submit(self, operation: str, item_id: Optional[str] = None,
                  params: Optional[Dict[str, Any]] = None, steps: Optional[Sequence["Step"]] = None,
                  then: str = "repeat", times: Optional[int] = 1,
                  answer: Optional[Dict[str, Any]] = None, job_id: Optional[str] = None,
                  type: Optional[str] = None, advance: Optional[str] = None,
                  task: Optional[str] = None) -> "Submission":
        """Say what the next matching submission in this session creates
        (`POST /__jobmock/submissions`), ahead of the set's recordings and templates::

            jobmock.on_submit("executeNotebook", item_id=ITEM,
                              steps=[step("SUBMITTED"), step("FAILED", messages=["boom"])])

        `operation` is `"executeNotebook"` or `"openNotebook"`; `item_id` and `params` are a
        subset of the submission's parameters that must match (`notebookParameters` compared as
        JSON); each match creates a job of `steps` (with `then`, `advance`, `type`, and a fresh
        ID unless `job_id`). `times` is how many submissions it answers (`None`: every one).
        `answer` replaces the submission's own answer (`{{jobId}}` and `{{jobUrl}}` in its
        strings are filled in): `answer={"status": "success"}` answers with no job at all, and
        then `steps` may be left out.

        A web tool's: `on_submit("submitJob", task="Count", params={"in_text": "x"},
        steps=[step("failed", messages=["no rows"])])` answers `…/GPServer/Count/submitJob`."""
        from .scenarios import Submission, submission_body

        body = submission_body(operation, item_id=item_id, params=params, steps=steps,
                               then=then, times=times, answer=answer, job_id=job_id, type=type,
                               advance=advance)
        if task is not None:
            body["task"] = task
        return Submission(self, self._control("POST", "/__jobmock/submissions", body))

    def _control(self, method: str, path: str, body: Any = None) -> Any:
        """A control call under this session's path prefix (`/__session/NAME/__jobmock/…`):
        the `jobUrl`s the server answers then carry the prefix, so a client polling them stays
        in the session (with `?session=` they would not)."""
        return self.server.call(method, f"/__session/{_quote(self.session)}{path}",
                                json_body=body)

    def jobs_defined(self) -> List[Dict[str, Any]]:
        """The jobs defined in this session, as `GET /__jobmock/jobs` lists them (`jobId`,
        `then`, `steps`, the session's polls)."""
        from .scenarios import listed_defined

        return listed_defined(self._control("GET", "/__jobmock/jobs"), self.session)

    def submissions(self) -> List[Dict[str, Any]]:
        """The submissions defined in this session (`GET /__jobmock/submissions`): `id`,
        `operation`, `params`, `times`, `remaining`, `matched`."""
        return self._control("GET", "/__jobmock/submissions")["submissions"]

    def new_session(self, name: str) -> "Session":
        """Another session on the same server (for a second client, or a thread)."""
        child = Session(self.server, name)
        self._children.append(child)
        return child

    def sessions(self) -> List["Session"]:
        """This session and every session made from it with `new_session`, depth first."""
        found = [self]
        for child in self._children:
            found.extend(child.sessions())
        return found

    def __repr__(self) -> str:
        return f"<jobmock.Session {self.session!r} on {self.server!r}>"
