//! The parts of a request that replay reads before any lookup: the job route and job ID check,
//! query and form parameters, and the redaction of queries for the journal.
//!
//! Properties: a job ID that passes the check names a folder inside the fixture set; a redacted
//! query keeps no value of a secret parameter.
#![no_main]

use std::path::{Component, Path};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = jobmock::params::from_form(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = jobmock::params::from_query(Some(text));

    if let Some((job_id, _)) = jobmock::replay::job_route(text)
        && jobmock::job::job_id_problem(job_id).is_none()
    {
        let dir = Path::new("fixtures").join("jobs").join(job_id);
        assert!(
            dir.components()
                .skip(2)
                .all(|c| matches!(c, Component::Normal(_))),
            "job ID {job_id:?} leads out of the jobs folder"
        );
        assert_eq!(dir.parent(), Some(Path::new("fixtures/jobs")));
    }

    let redacted = jobmock::redact::redact_query(text);
    for (name, value) in jobmock::params::from_query(Some(&redacted)) {
        if jobmock::redact::is_secret_param(&name) {
            assert!(
                value == jobmock::redact::REDACTED || value.is_empty(),
                "{name}={value:?} survived redaction of {text:?}"
            );
        }
    }
});
