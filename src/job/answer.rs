//! Which answer one poll of a job gets, and what its body needs changed for the session: the
//! step its sequence reaches, the step held once cancelled, or a fault aimed at that poll (a
//! delay aimed at it slows the usual answer instead); and the patches of a session's view
//! (cancelled, timestamps rebased to now, a created job's end). Plain inputs, plain outputs: the
//! replay service renders what is decided here.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::model::{Fault, Job, Step, Then};
use super::sequence::Cursor;
use crate::api::webtool::is_final_status;

/// What a poll is answered under.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// Time-based steps play this many times faster than recorded.
    pub speed: f64,
    /// Shift the job's recorded timestamps so that the session's first answer is now.
    pub rebase_time: bool,
    /// The job was created by a client (its `endTime` is when the session saw it end).
    pub created: bool,
}

/// Which answer a poll gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Chosen {
    /// This step of the job.
    Step(usize),
    /// The job's step for a cancelled job.
    OnCancel,
    /// A web tool's job's `esriJobCancelling` answer, the first poll after a cancel.
    Cancelling,
    /// A fault aimed at this poll; the step it stands in for (used to truncate it).
    Fault(Fault, usize),
    /// A poll after the last step of a job whose `then` is `error` or `gone`: no step.
    After(Then),
}

/// What an answer's body needs beyond the stored step, for one session.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Patches {
    pub cancelled: bool,
    pub time_shift_ms: Option<i64>,
    /// A created job's `endTime`: when the session first saw it end, not the template's.
    pub ended_ms: Option<i64>,
}

impl Patches {
    /// Whether the stored body is served as it is.
    pub fn is_empty(&self) -> bool {
        *self == Patches::default()
    }
}

/// One poll's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PollAnswer {
    pub chosen: Chosen,
    pub patches: Patches,
    /// A delay aimed at this poll, added to the step's own.
    pub pause: Duration,
    /// The poll's number in the session (1 is the first).
    pub poll: u64,
}

impl PollAnswer {
    /// The step served, if a step is (not a fault in its place).
    pub fn step<'a>(&self, job: &'a Job) -> Option<&'a Step> {
        match &self.chosen {
            Chosen::Step(index) => Some(&job.steps[*index]),
            Chosen::OnCancel => job.on_cancel.as_ref(),
            Chosen::Cancelling => job.webtool.as_ref().map(|tool| &tool.cancelling),
            Chosen::Fault(..) | Chosen::After(_) => None,
        }
    }

    /// What the journal says was served: the step file (or the fault), the HTTP status and the
    /// ArcGIS error code, if any.
    pub fn described(&self, job: &Job) -> (Arc<str>, u16, Option<u16>) {
        match (&self.chosen, self.step(job)) {
            (Chosen::Fault(fault, _), _) => (
                Arc::from(format!("fault at poll {}", self.poll)),
                fault_status(fault),
                fault_code(fault),
            ),
            (Chosen::After(then), _) => (
                Arc::from(format!("after the last step (then: {})", then.as_str())),
                200,
                Some(404),
            ),
            (_, Some(step)) => (
                Arc::clone(&step.file),
                step.fault
                    .as_ref()
                    .map_or(step.http_status.as_u16(), fault_status),
                step.fault.as_ref().and_then(fault_code).or(step.error_code),
            ),
            (_, None) => unreachable!("a step is chosen only when the job has it"),
        }
    }
}

/// Answers one poll of `job` for the session whose cursor is `cursor`, at `now` (`now_ms`: the
/// wall clock, in epoch milliseconds, for timestamps).
pub fn poll(
    job: &Job,
    cursor: &mut Cursor,
    now: Instant,
    now_ms: i64,
    settings: PollSettings,
) -> PollAnswer {
    let poll = cursor.polls() + 1;
    // Sorted by poll at load: a script may aim many faults, each looked up in log time.
    let first = job.poll_faults.partition_point(|(aimed, _)| *aimed < poll);
    let aimed = job
        .poll_faults
        .get(first)
        .filter(|(aimed, _)| *aimed == poll)
        .map(|(_, fault)| fault);
    // A delay aimed at this poll slows the usual answer; other faults replace it.
    let (pause, aimed) = match aimed {
        Some(Fault::Delay(delay)) => (*delay, None),
        other => (Duration::ZERO, other),
    };
    let chosen = if let Some(fault) = aimed {
        cursor.count_poll();
        Chosen::Fault(
            fault.clone(),
            job.sequence.peek(cursor, now, settings.speed),
        )
    } else if cursor.is_cancelled() && job.on_cancel.is_some() {
        cursor.count_poll();
        // A web tool's job says it is cancelling once before it is cancelled, as the server does.
        if job.webtool.is_some() && cursor.first_since_cancel() {
            Chosen::Cancelling
        } else {
            Chosen::OnCancel
        }
    } else if job.then != Then::Repeat && job.sequence.played_out(cursor) {
        match job.then {
            Then::Restart => {
                cursor.restart();
                Chosen::Step(job.sequence.poll(cursor, now, settings.speed))
            }
            then => {
                cursor.count_poll();
                Chosen::After(then)
            }
        }
    } else {
        Chosen::Step(job.sequence.poll(cursor, now, settings.speed))
    };
    let serves_end = match &chosen {
        Chosen::Step(index) => job.steps[*index].has_end_time,
        Chosen::OnCancel => job.on_cancel.as_ref().is_some_and(|step| step.has_end_time),
        Chosen::Cancelling | Chosen::Fault(..) | Chosen::After(_) => false,
    };
    let rebase = settings.rebase_time && !settings.created;
    let patches = Patches {
        cancelled: cursor.is_cancelled(),
        time_shift_ms: rebase
            .then(|| cursor.time_shift_ms(|| now_ms - first_start_time(job).unwrap_or(now_ms))),
        ended_ms: (settings.created && serves_end).then(|| cursor.ended_ms(now_ms)),
    };
    PollAnswer {
        chosen,
        patches,
        pause,
        poll,
    }
}

/// The step the session's next poll would get, without moving its cursor (for listings).
pub fn next_step<'a>(job: &'a Job, cursor: Option<&Cursor>, now: Instant, speed: f64) -> &'a Step {
    match cursor {
        Some(cursor) if cursor.is_cancelled() && job.on_cancel.is_some() => {
            job.on_cancel.as_ref().expect("checked in the guard")
        }
        Some(cursor) => &job.steps[job.sequence.peek(cursor, now, speed)],
        None => &job.steps[0],
    }
}

/// The patches a listing shows for the session whose cursor is `cursor`: what its last poll
/// showed, and for a created job that has ended, `now_ms` if it has not been seen end.
pub fn listed_patches(step: &Step, cursor: Option<&Cursor>, created: bool, now_ms: i64) -> Patches {
    Patches {
        cancelled: cursor.is_some_and(Cursor::is_cancelled),
        time_shift_ms: cursor.and_then(Cursor::time_shift),
        ended_ms: (created && step.has_end_time)
            .then(|| cursor.and_then(Cursor::ended).unwrap_or(now_ms)),
    }
}

/// Cancels `job` for the session whose cursor is `cursor`, unless the session has been
/// answered the job's end already: nothing follows COMPLETED or FAILED. A job whose next answer
/// would be its end is still cancelled (a client cancels right after a poll). Returns whether
/// it was.
pub fn cancel(job: &Job, cursor: &mut Cursor) -> bool {
    let ended = cursor.last_served().is_some_and(|step| {
        job.steps[step.min(job.steps.len() - 1)]
            .job_status
            .as_deref()
            .is_some_and(is_final_status)
    });
    if !ended {
        cursor.cancel();
    }
    !ended
}

/// Whether `answer` served the job's end: its last step (or its cancelled step) when that is
/// COMPLETED or FAILED. A server that removes ended jobs (Enterprise on Kubernetes) has none to
/// answer after it; steps recorded after the end (the not-found answers of such a server) play
/// first.
pub fn ends_job(job: &Job, answer: &PollAnswer) -> bool {
    match &answer.chosen {
        Chosen::Step(index) => *index + 1 == job.steps.len() && is_final(&job.steps[*index]),
        Chosen::OnCancel => job.on_cancel.as_ref().is_some_and(is_final),
        Chosen::Cancelling | Chosen::Fault(..) | Chosen::After(_) => false,
    }
}

/// Whether a job's step is an end (COMPLETED or FAILED, or a web tool's end), for `deleteAll`.
pub fn is_final(step: &Step) -> bool {
    step.job_status.as_deref().is_some_and(is_final_status)
}

/// The `startTime` of a job's first step, which `--rebase-time` makes now.
pub fn first_start_time(job: &Job) -> Option<i64> {
    serde_json::from_slice::<Value>(&job.steps[0].body)
        .ok()?
        .get("startTime")?
        .as_i64()
}

/// Applies a session's patches to a job's JSON: cancellation, rebased timestamps, a created
/// job's end.
pub fn patch(value: &mut Value, patches: Patches) {
    let Some(object) = value.as_object_mut() else {
        return;
    };
    // A web tool's job says it was cancelled by its status alone.
    if patches.cancelled && !object.contains_key(crate::api::webtool::STATUS_FIELD) {
        let attributes = object
            .entry("customAttributes")
            .or_insert_with(|| json!({}));
        if let Some(attributes) = attributes.as_object_mut() {
            attributes.insert("isCancelled".to_string(), Value::Bool(true));
        }
    }
    if let Some(shift) = patches.time_shift_ms {
        for field in ["startTime", "endTime"] {
            if let Some(time) = object.get(field).and_then(Value::as_i64) {
                object.insert(field.to_string(), Value::from(time + shift));
            }
        }
    }
    if let Some(ended) = patches.ended_ms
        && object.contains_key("endTime")
    {
        let start = object
            .get("startTime")
            .and_then(Value::as_i64)
            .unwrap_or(ended);
        object.insert("endTime".to_string(), Value::from(ended.max(start)));
    }
}

/// The ArcGIS error code a fault answers with, for the journal.
pub fn fault_code(fault: &Fault) -> Option<u16> {
    match fault {
        Fault::ArcgisError { code, .. } | Fault::PortalError { code, .. } => Some(*code),
        _ => None,
    }
}

/// The HTTP status a fault answers with (ArcGIS errors are HTTP 200, as the API sends them).
fn fault_status(fault: &Fault) -> u16 {
    match fault {
        Fault::Http { status, .. } => status.as_u16(),
        _ => 200,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Advance, Sequence};

    fn step(file: &str, status: &str, body: &str) -> Step {
        Step::json(file, Some(status), body)
    }

    fn job(poll_faults: Vec<(u64, Fault)>, on_cancel: bool) -> Job {
        Job {
            id: Arc::from("j1"),
            steps: vec![
                step("001.json", "SUBMITTED", r#"{"startTime":1000}"#),
                step(
                    "002.json",
                    "COMPLETED",
                    r#"{"startTime":1000,"endTime":2000}"#,
                ),
            ],
            sequence: Sequence::new(Advance::Poll, vec![1, 1], vec![0, 0]),
            poll_faults,
            on_cancel: on_cancel.then(|| step("cancelled.json", "FAILED", "{}")),
            webtool: None,
            then: crate::job::Then::Repeat,
        }
    }

    const PLAIN: PollSettings = PollSettings {
        speed: 1.0,
        rebase_time: false,
        created: false,
    };

    fn answer(job: &Job, cursor: &mut Cursor) -> PollAnswer {
        poll(job, cursor, Instant::now(), 50_000, PLAIN)
    }

    #[test]
    fn only_the_last_step_or_the_cancelled_one_ends_a_job_when_it_is_an_end() {
        let plain = job(Vec::new(), true);
        let mut cursor = Cursor::default();
        assert!(!ends_job(&plain, &answer(&plain, &mut cursor)));
        assert!(ends_job(&plain, &answer(&plain, &mut cursor)));

        // An end followed by steps recorded after it (a server's not-found answers) is not the
        // end yet: those play first.
        let mut recorded = job(Vec::new(), false);
        let mut gone = step("003.json", "error", "{}");
        gone.job_status = None;
        gone.error_code = Some(404);
        recorded.steps.push(gone);
        recorded.sequence = Sequence::new(Advance::Poll, vec![1, 1, 1], vec![0, 0, 0]);
        let mut cursor = Cursor::default();
        let ends: Vec<bool> = (0..3)
            .map(|_| ends_job(&recorded, &answer(&recorded, &mut cursor)))
            .collect();
        assert_eq!(ends, [false, false, false]);

        let mut cursor = Cursor::default();
        answer(&plain, &mut cursor);
        cursor.cancel();
        assert!(ends_job(&plain, &answer(&plain, &mut cursor)));
    }

    #[test]
    fn a_fault_aimed_at_a_poll_answers_it_without_moving_the_steps() {
        let error = Fault::ArcgisError {
            code: 498,
            message: "Invalid token.".into(),
        };
        let job = job(vec![(2, error.clone())], false);
        let mut cursor = Cursor::default();
        assert_eq!(answer(&job, &mut cursor).chosen, Chosen::Step(0));
        let second = answer(&job, &mut cursor);
        assert_eq!(second.chosen, Chosen::Fault(error, 1));
        assert_eq!(
            second.described(&job),
            (Arc::from("fault at poll 2"), 200, Some(498))
        );
        assert_eq!(answer(&job, &mut cursor).chosen, Chosen::Step(1));
    }

    #[test]
    fn a_delay_aimed_at_a_poll_slows_the_usual_answer() {
        let job = job(vec![(1, Fault::Delay(Duration::from_millis(300)))], false);
        let first = answer(&job, &mut Cursor::default());
        assert_eq!(first.chosen, Chosen::Step(0));
        assert_eq!(first.pause, Duration::from_millis(300));
    }

    #[test]
    fn a_cancelled_job_holds_its_cancelled_step_unless_the_session_saw_it_end() {
        let job = job(Vec::new(), true);
        let mut cursor = Cursor::default();
        answer(&job, &mut cursor);
        assert!(cancel(&job, &mut cursor));
        let after = answer(&job, &mut cursor);
        assert_eq!(after.chosen, Chosen::OnCancel);
        assert!(after.patches.cancelled);

        let mut ended = Cursor::default();
        answer(&job, &mut ended);
        answer(&job, &mut ended);
        assert!(!cancel(&job, &mut ended), "nothing follows COMPLETED");
        assert_eq!(answer(&job, &mut ended).chosen, Chosen::Step(1));
    }

    #[test]
    fn rebased_times_and_a_created_jobs_end_are_fixed_per_session() {
        let job = job(Vec::new(), false);
        let mut cursor = Cursor::default();
        let rebased = PollSettings {
            rebase_time: true,
            ..PLAIN
        };
        let first = poll(&job, &mut cursor, Instant::now(), 51_000, rebased);
        assert_eq!(first.patches.time_shift_ms, Some(50_000));
        let second = poll(&job, &mut cursor, Instant::now(), 99_000, rebased);
        assert_eq!(
            second.patches.time_shift_ms,
            Some(50_000),
            "fixed at the first poll"
        );

        let created = PollSettings {
            created: true,
            ..PLAIN
        };
        let mut cursor = Cursor::default();
        assert_eq!(
            poll(&job, &mut cursor, Instant::now(), 5_000, created)
                .patches
                .ended_ms,
            None
        );
        let end = poll(&job, &mut cursor, Instant::now(), 7_000, created);
        assert_eq!(end.patches.ended_ms, Some(7_000));
        let mut body: Value = serde_json::from_slice(&job.steps[1].body).unwrap();
        patch(&mut body, end.patches);
        assert_eq!(body, json!({"startTime": 1000, "endTime": 7000}));
    }

    #[test]
    fn patches_mark_a_cancelled_job_and_shift_its_times() {
        let mut body = json!({"startTime": 10, "endTime": 20, "customAttributes": {"x": 1}});
        patch(
            &mut body,
            Patches {
                cancelled: true,
                time_shift_ms: Some(5),
                ended_ms: None,
            },
        );
        assert_eq!(
            body,
            json!({"startTime": 15, "endTime": 25, "customAttributes": {"x": 1, "isCancelled": true}})
        );
    }
}
