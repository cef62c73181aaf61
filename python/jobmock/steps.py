"""Steps of a job defined in a test (`Session.add_job`, `Session.on_submit`), as the control API
takes them (`POST /__jobmock/jobs`): plain dicts, built here so that a typo is a `TypeError` in
the test's own line rather than a 400 from the server::

    from jobmock.steps import fault, slow, step

    jobmock.add_job(steps=[
        step("SUBMITTED"),
        fault.http(503, polls=3),                  # a burst of 5xx answers...
        slow(step("PROCESSING", percent=50), 1500, jitter_ms=500),
        step("COMPLETED", results={"ok": True}),   # ...then recovery
    ])

Each helper takes the options any step has: `polls` (answers before the next step),
`delay_ms` and `jitter_ms` (each answer waits `delay_ms` + a random 0..=`jitter_ms`),
`http_status`, `offset_ms` (for `advance="time"`) and `expire_token` (the client's token expires
once the step is served; needs a server that checks tokens, e.g. `args=["--token", T]`). An
option left at `None` is left out, so the server's default applies. Dicts written by hand are
taken as they are: the server checks them and a bad one raises `JobmockError` naming the field.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence

__all__ = ["Step", "step", "body", "fault", "slow"]

#: A step as the control API takes it: `{"status": …}`, `{"body": …}` or `{"fault": …}`, with
#: options (`polls`, `delayMs`, …) beside it.
Step = Dict[str, Any]


def _options(polls: Optional[int], delay_ms: Optional[int], jitter_ms: Optional[int],
             http_status: Optional[int], offset_ms: Optional[int],
             expire_token: Optional[bool]) -> Step:
    named = {
        "polls": polls,
        "delayMs": delay_ms,
        "jitterMs": jitter_ms,
        "httpStatus": http_status,
        "offsetMs": offset_ms,
        "expireToken": expire_token,
    }
    return {key: value for key, value in named.items() if value is not None}


def step(status: str, *, percent: Optional[float] = None,
         messages: Optional[Sequence[str]] = None, results: Optional[Mapping[str, Any]] = None,
         polls: Optional[int] = None, delay_ms: Optional[int] = None,
         jitter_ms: Optional[int] = None, http_status: Optional[int] = None,
         offset_ms: Optional[int] = None, expire_token: Optional[bool] = None) -> Step:
    """A job status, the rest of the answer filled from the job type's template: `status` is
    served as written (`"Completed"` stays in that casing); `percent` is the progress (0..100),
    `messages` the job's messages, `results` its results object."""
    if not isinstance(status, str):
        raise TypeError(f"a step's status is a string such as 'COMPLETED', not {status!r}")
    made: Step = {"status": status}
    if percent is not None:
        made["percent"] = percent
    if messages is not None:
        if isinstance(messages, str):
            raise TypeError("messages is a list of strings, not one string")
        made["messages"] = list(messages)
    if results is not None:
        made["results"] = dict(results)
    made.update(_options(polls, delay_ms, jitter_ms, http_status, offset_ms, expire_token))
    return made


def body(answer: Mapping[str, Any], *, polls: Optional[int] = None,
         delay_ms: Optional[int] = None, jitter_ms: Optional[int] = None,
         http_status: Optional[int] = None, offset_ms: Optional[int] = None,
         expire_token: Optional[bool] = None) -> Step:
    """A whole answer, served as it is (no template fills it)."""
    made: Step = {"body": dict(answer)}
    made.update(_options(polls, delay_ms, jitter_ms, http_status, offset_ms, expire_token))
    return made


class fault:  # noqa: N801 -- a namespace read as `fault.http(503)`
    """Answers that are not a job status, in `script.json`'s fault vocabulary. Each takes the
    options of any step (`polls=3`: three such answers in a row)."""

    @staticmethod
    def arcgis_error(code: int, message: str, **options: Any) -> Step:
        """The admin API's error body, `{"status": "error", "code": code, "messages":
        [message]}` (HTTP 200, as the server answers): `arcgis_error(498, "Invalid token.")`."""
        return fault._make({"arcgisError": {"code": code, "message": message}}, options)

    @staticmethod
    def portal_error(code: int, message: str, **options: Any) -> Step:
        """The Portal API's error body, `{"error": {"code": code, "message": message}}`."""
        return fault._make({"portalError": {"code": code, "message": message}}, options)

    @staticmethod
    def http(status: int, body: str = "", **options: Any) -> Step:
        """An HTTP status with a text body: `http(503)` (a gateway in trouble)."""
        return fault._make({"http": {"status": status, "body": body}}, options)

    @staticmethod
    def close(**options: Any) -> Step:
        """The connection is closed with no answer at all."""
        return fault._make({"close": True}, options)

    @staticmethod
    def truncate(size: int, **options: Any) -> Step:
        """Only the first `size` bytes of the answer are sent (its Content-Length says the
        whole), then the connection is closed: a reset mid-body, a truncated JSON body."""
        return fault._make({"truncate": size}, options)

    @staticmethod
    def delay(delay_ms: int, **options: Any) -> Step:
        """The step's usual answer, after `delay_ms` milliseconds (script.json's `delayMs`
        fault; `slow()` is the same with jitter, on any step)."""
        return fault._make({"delayMs": delay_ms}, options)

    @staticmethod
    def _make(what: Dict[str, Any], options: Mapping[str, Any]) -> Step:
        made: Step = {"fault": what}
        made.update(_options(**{name: options.get(name) for name in _OPTION_NAMES}))
        unknown = set(options) - set(_OPTION_NAMES)
        if unknown:
            raise TypeError(f"unknown step option(s) {', '.join(sorted(unknown))}; a step "
                            f"takes {', '.join(_OPTION_NAMES)}")
        return made


_OPTION_NAMES = ("polls", "delay_ms", "jitter_ms", "http_status", "offset_ms", "expire_token")


def slow(made: Step, delay_ms: int, jitter_ms: int = 0) -> Step:
    """`made` (any step), each of its answers `delay_ms` + a random 0..=`jitter_ms` late."""
    slowed = dict(made)
    slowed["delayMs"] = delay_ms
    if jitter_ms:
        slowed["jitterMs"] = jitter_ms
    return slowed
