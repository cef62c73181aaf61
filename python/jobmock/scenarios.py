"""Jobs and submissions a test defines at run time, in its own session (`Session.add_job`,
`Session.on_submit`), and the handles those calls return.

The server does the work (`POST /__jobmock/jobs`, `POST /__jobmock/submissions`); this module
only builds the bodies, sends them in the session and reads the listings back. A definition
lives in its session only: another session polling the same job ID gets what it got before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional

from .server import JobmockError, _quote
from .steps import Step

if TYPE_CHECKING:  # pragma: no cover
    from .server import Session

__all__ = ["Job", "Submission", "THEN", "OPERATIONS"]

#: What a poll after the last step gets: the last step again, an unmatched request (fails
#: `--strict`), the first step again, a 404 as for a deleted job.
THEN = ("repeat", "error", "restart", "gone")
#: The submissions `on_submit` can answer (`…/admin/notebooks/<operation>`).
OPERATIONS = ("executeNotebook", "openNotebook")


class Job:
    """A job defined in one session. `id` is its job ID, `url` the `jobUrl` a client polls
    (session prefix included), `session` the `Session` it lives in; `definition` is the
    server's 201 answer (`type`, `steps`, `then`)."""

    def __init__(self, session: "Session", definition: Dict[str, Any]):
        self.session = session
        self.definition = definition
        self.id: str = definition["jobId"]
        self.url: str = definition["jobUrl"]

    def listing(self) -> Optional[Dict[str, Any]]:
        """The job as `GET /__jobmock/jobs` lists it for this session (`None` once removed)."""
        for listed in self.session.jobs_defined():
            if listed.get("jobId") == self.id:
                return listed
        return None

    def polls(self) -> int:
        """How many polls this session made of the job so far (0 before the first)."""
        listed = self.listing()
        if listed is None:
            return 0
        if isinstance(listed.get("polls"), int):
            return listed["polls"]
        cursor = (listed.get("sessions") or {}).get(self.session.session) or {}
        return int(cursor.get("polls", 0))

    def remove(self) -> None:
        """`DELETE /__jobmock/jobs/<id>`: the session's polls of the ID get what they got
        before the job was defined (a fixture job, or "not found")."""
        self.session.server.call("DELETE", "/__jobmock/jobs/" + _quote(self.id),
                                 session=self.session.session)

    def __repr__(self) -> str:
        return f"<jobmock.Job {self.id!r} in session {self.session.session!r}>"


class Submission:
    """What the next matching submission(s) of one session create. `id` is the server's
    (`"s1"`), `definition` its 201 answer (`operation`, `params`, `times`)."""

    def __init__(self, session: "Session", definition: Dict[str, Any]):
        self.session = session
        self.definition = definition
        self.id: str = definition["id"]

    def listing(self) -> Dict[str, Any]:
        """The submission as `GET /__jobmock/submissions` lists it now."""
        for listed in self.session.submissions():
            if listed.get("id") == self.id:
                return listed
        raise JobmockError(f"submission {self.id} is not defined in session "
                           f"{self.session.session!r} (removed, or the session was reset)")

    def remaining(self) -> Optional[int]:
        """How many more submissions it answers (`None`: every one)."""
        return self.listing().get("remaining")

    def matched(self) -> int:
        """How many submissions it answered so far."""
        matched = self.listing().get("matched", 0)
        # A list of the jobs each match created would count the same.
        return len(matched) if isinstance(matched, list) else int(matched)

    def remove(self) -> None:
        """`DELETE /__jobmock/submissions/<id>`: later submissions fall through to the set."""
        self.session.server.call("DELETE", "/__jobmock/submissions/" + _quote(self.id),
                                 session=self.session.session)

    def __repr__(self) -> str:
        return (f"<jobmock.Submission {self.id!r} {self.definition.get('operation')} in "
                f"session {self.session.session!r}>")


def job_body(*, type: Optional[str], steps: Optional[Iterable[Step]], then: Optional[str],
             job_id: Optional[str], advance: Optional[str],
             context: Optional[str] = None) -> Dict[str, Any]:
    """The JSON body of `POST /__jobmock/jobs` (and the job part of a submission): the keys
    left at `None` are left out, so the server's defaults apply and its errors name them."""
    body: Dict[str, Any] = {}
    if job_id is not None:
        body["jobId"] = job_id
    if type is not None:
        body["type"] = type
    if advance is not None:
        body["advance"] = advance
    if steps is not None:
        if isinstance(steps, (str, bytes, Mapping)):
            # One step where a list of them is wanted: the server would say `steps`, but not
            # that a list around it is the fix.
            raise TypeError("steps is a list of steps, e.g. [step('COMPLETED')], not "
                            f"{type_name(steps)}")
        body["steps"] = list(steps)
    if then is not None:
        body["then"] = then
    if context is not None:
        body["context"] = context
    return body


def submission_body(operation: str, *, item_id: Optional[str],
                    params: Optional[Mapping[str, Any]], steps: Optional[Iterable[Step]],
                    then: Optional[str], times: Optional[int], answer: Optional[Mapping[str, Any]],
                    job_id: Optional[str], type: Optional[str],
                    advance: Optional[str]) -> Dict[str, Any]:
    """The JSON body of `POST /__jobmock/submissions`."""
    matching: Dict[str, Any] = dict(params or {})
    if item_id is not None:
        # Both given and different: the server would see one itemId only.
        if "itemId" in matching and matching["itemId"] != item_id:
            raise ValueError(f"item_id={item_id!r} and params['itemId']="
                             f"{matching['itemId']!r} disagree: give one")
        matching["itemId"] = item_id
    body = {"operation": operation, "params": matching, "times": times}
    body.update(job_body(type=type, steps=steps, then=then, job_id=job_id, advance=advance))
    if answer is not None:
        body["answer"] = dict(answer)
    return body


def type_name(value: Any) -> str:
    return f"a {value.__class__.__name__}"


def listed_defined(listing: Mapping[str, Any], session: str) -> List[Dict[str, Any]]:
    """The jobs `session` defined, of a `GET /__jobmock/jobs` answer (which lists every
    session's: `createdFrom: "defined"`, `createdBy: <session>`)."""
    return [job for job in listing.get("jobs", [])
            if (job.get("source") == "defined" or job.get("createdFrom") == "defined")
            and job.get("createdBy", session) == session]
