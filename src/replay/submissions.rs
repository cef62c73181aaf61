//! The submissions defined through the control API (`POST /__jobmock/submissions`), in the
//! order they were, with what became of each; matching and answering them is `scenarios`'.

use serde_json::{Value, json};

use crate::fixture::scenario::SubmissionSpec;

/// A submission defined through the control API, and what became of it.
pub(super) struct Submission {
    pub id: String,
    pub session: String,
    pub spec: SubmissionSpec,
    /// How many more submissions it answers (`None`: every one).
    pub remaining: Option<u32>,
    pub matched: u64,
}

/// The submissions defined, in the order they were.
#[derive(Default)]
pub(super) struct Submissions {
    pub defined: Vec<Submission>,
    pub numbered: u64,
}

impl Submissions {
    /// Those of `session` (all of them for `None`) forgotten.
    pub fn clear(&mut self, session: Option<&str>) {
        self.defined
            .retain(|submission| session.is_some_and(|session| submission.session != session));
    }

    pub fn listing(&self, session: Option<&str>) -> Vec<Value> {
        self.defined
            .iter()
            .filter(|submission| session.is_none_or(|session| submission.session == session))
            .map(describe)
            .collect()
    }
}

pub(super) fn describe(submission: &Submission) -> Value {
    let mut described = json!({
        "id": submission.id,
        "session": submission.session,
        "operation": submission.spec.operation,
        "params": submission.spec.params.iter().cloned().collect::<serde_json::Map<_, _>>(),
        "times": submission.spec.times,
        "remaining": submission.remaining,
        "matched": submission.matched,
    });
    if let Some(task) = &submission.spec.task {
        described["task"] = Value::from(task.as_str());
    }
    described
}
