//! The second job family: web tools, the geoprocessing services Notebook Server publishes a
//! notebook as (10.9.1 and later). Their jobs live under the services directory, not the admin
//! API, and speak other words for the same life:
//!
//! | | notebook jobs | web-tool (GP) jobs |
//! |---|---|---|
//! | create | `<ctx>/admin/notebooks/executeNotebook` → `{"jobId","jobUrl","status":"success"}` | `<ctx>/rest/services/<service>/GPServer/<task>/submitJob` → `{"jobId","jobStatus":"esriJobSubmitted"}` |
//! | poll | `<ctx>/admin/system/jobs/<jobId>` | `…/GPServer/<task>/jobs/<jobId>` |
//! | status field | `status`: SUBMITTED, PROCESSING, COMPLETED, FAILED | `jobStatus`: `esriJobNew` … `esriJobSucceeded`, `esriJobFailed`, `esriJobTimedOut`, `esriJobCancelled` |
//! | messages | strings | `{"type": "esriJobMessageTypeInformative", "description": …}` |
//! | results | inline | `{"<param>": {"paramUrl": "results/<param>"}}`, each value at `…/jobs/<jobId>/results/<param>` (and `inputs/<param>`) |
//! | cancel | POST `…/jobs/<jobId>/cancel` | GET or POST `…/jobs/<jobId>/cancel` → `esriJobCancelling`, then `esriJobCancelled` |
//!
//! The service's and the task's metadata (`…/GPServer?f=json`, `…/GPServer/<task>?f=json`) are
//! ordinary resources: a set holds them as recorded exchanges.

/// Where a web tool's service sits: `<ctx>/rest/services/[<folder>/]<service>/GPServer`.
pub const GP_SERVER: &str = "/GPServer/";

/// The status field of a web-tool job.
pub const STATUS_FIELD: &str = "jobStatus";

/// The statuses of a web-tool job, in the order a job goes through them; the ends last.
pub const STATUSES: [&str; 9] = [
    "esriJobNew",
    "esriJobSubmitted",
    "esriJobWaiting",
    "esriJobExecuting",
    "esriJobCancelling",
    "esriJobSucceeded",
    "esriJobFailed",
    "esriJobTimedOut",
    "esriJobCancelled",
];

/// The statuses a web-tool job ends in.
pub const FINAL: [&str; 4] = [
    "esriJobSucceeded",
    "esriJobFailed",
    "esriJobTimedOut",
    "esriJobCancelled",
];

/// The types of a web-tool job's messages.
pub const MESSAGE_TYPES: [&str; 3] = [
    "esriJobMessageTypeInformative",
    "esriJobMessageTypeWarning",
    "esriJobMessageTypeError",
];

pub const SUBMITTED: &str = "esriJobSubmitted";
pub const SUCCEEDED: &str = "esriJobSucceeded";
pub const CANCELLING: &str = "esriJobCancelling";
pub const CANCELLED: &str = "esriJobCancelled";

/// A job parameter's kind: what `…/jobs/<jobId>/results/<name>` and `…/inputs/<name>` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamKind {
    Results,
    Inputs,
}

impl ParamKind {
    /// The path segment, and the job folder's subfolder, of this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Results => "results",
            ParamKind::Inputs => "inputs",
        }
    }

    pub fn parse(segment: &str) -> Option<ParamKind> {
        match segment {
            "results" => Some(ParamKind::Results),
            "inputs" => Some(ParamKind::Inputs),
            _ => None,
        }
    }
}

/// What a path under a `GPServer` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpPath<'a> {
    /// `…/GPServer/<task>/submitJob`.
    Submit { task: &'a str },
    /// `…/GPServer/<task>/jobs/<jobId>`.
    Job { task: &'a str, id: &'a str },
    /// `…/GPServer/<task>/jobs/<jobId>/cancel`.
    Cancel { task: &'a str, id: &'a str },
    /// `…/GPServer/<task>/jobs/<jobId>/results/<name>` or `…/inputs/<name>`.
    Param {
        task: &'a str,
        id: &'a str,
        kind: ParamKind,
        name: &'a str,
    },
    /// Something else below a job (`…/jobs/<jobId>/x`).
    BelowJob {
        task: &'a str,
        id: &'a str,
        below: &'a str,
    },
}

impl<'a> GpPath<'a> {
    /// What `path` names under a `GPServer`, if it is one of a task's job paths. The service's
    /// and the task's own resources (their metadata) are `None`: exchanges answer them.
    pub fn parse(path: &'a str) -> Option<GpPath<'a>> {
        // Every request is asked this first, and most are the admin API's: a path with no `G`
        // has no `/GPServer/`, found out in one SIMD search rather than a look at every slash.
        memchr::memchr(b'G', path.as_bytes())?;
        let (_, after) = super::split_at_segment(path, GP_SERVER)?;
        let (task, rest) = after.split_once('/')?;
        if task.is_empty() {
            return None;
        }
        if rest == "submitJob" {
            return Some(GpPath::Submit { task });
        }
        let job = rest.strip_prefix("jobs/")?;
        let (id, below) = match job.split_once('/') {
            Some((id, below)) => (id, Some(below)),
            None => (job, None),
        };
        if id.is_empty() {
            return None;
        }
        Some(match below {
            None | Some("") => GpPath::Job { task, id },
            Some("cancel") => GpPath::Cancel { task, id },
            Some(below) => match below
                .split_once('/')
                .and_then(|(kind, name)| Some((ParamKind::parse(kind)?, name)))
            {
                Some((kind, name)) if !name.is_empty() && !name.contains('/') => GpPath::Param {
                    task,
                    id,
                    kind,
                    name,
                },
                _ => GpPath::BelowJob { task, id, below },
            },
        })
    }

    /// The task the path is under.
    pub fn task(&self) -> &'a str {
        match *self {
            GpPath::Submit { task }
            | GpPath::Job { task, .. }
            | GpPath::Cancel { task, .. }
            | GpPath::Param { task, .. }
            | GpPath::BelowJob { task, .. } => task,
        }
    }

    /// The job the path names, if any.
    pub fn job(&self) -> Option<&'a str> {
        match *self {
            GpPath::Submit { .. } => None,
            GpPath::Job { id, .. }
            | GpPath::Cancel { id, .. }
            | GpPath::Param { id, .. }
            | GpPath::BelowJob { id, .. } => Some(id),
        }
    }
}

/// The job a path polls, if it is a web tool's `…/GPServer/<task>/jobs/<jobId>` with a valid ID.
pub fn polled_job(path: &str) -> Option<&str> {
    match GpPath::parse(path) {
        Some(GpPath::Job { id, .. }) if super::job_id_problem(id).is_none() => Some(id),
        _ => None,
    }
}

/// Whether `status` is a web-tool job's status word.
pub fn is_status(status: &str) -> bool {
    STATUSES.contains(&status)
}

/// Whether a job with `status`, of either family, has ended: COMPLETED or FAILED for a notebook
/// job, `esriJobSucceeded`, `esriJobFailed`, `esriJobTimedOut` or `esriJobCancelled` for a web
/// tool's.
pub fn is_final_status(status: &str) -> bool {
    matches!(status, "COMPLETED" | "FAILED") || FINAL.contains(&status)
}

/// Whether a job with `status`, of either family, ended well.
pub fn is_success_status(status: &str) -> bool {
    status == "COMPLETED" || status == SUCCEEDED
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gp_paths_name_their_task_job_and_parameter() {
        let base = "/server/rest/services/Tools/Count/GPServer";
        assert_eq!(
            GpPath::parse(&format!("{base}/Count Features/submitJob")),
            Some(GpPath::Submit {
                task: "Count Features"
            })
        );
        assert_eq!(
            GpPath::parse(&format!("{base}/t/jobs/j1")),
            Some(GpPath::Job {
                task: "t",
                id: "j1"
            })
        );
        assert_eq!(
            GpPath::parse(&format!("{base}/t/jobs/j1/cancel")),
            Some(GpPath::Cancel {
                task: "t",
                id: "j1"
            })
        );
        assert_eq!(
            GpPath::parse(&format!("{base}/t/jobs/j1/results/out_count")),
            Some(GpPath::Param {
                task: "t",
                id: "j1",
                kind: ParamKind::Results,
                name: "out_count"
            })
        );
        assert_eq!(
            GpPath::parse(&format!("{base}/t/jobs/j1/inputs/n")),
            Some(GpPath::Param {
                task: "t",
                id: "j1",
                kind: ParamKind::Inputs,
                name: "n"
            })
        );
        assert_eq!(
            GpPath::parse(&format!("{base}/t/jobs/j1/results/a/b")),
            Some(GpPath::BelowJob {
                task: "t",
                id: "j1",
                below: "results/a/b"
            })
        );
        // The metadata is an exchange's, not a job's.
        assert_eq!(GpPath::parse(base), None);
        assert_eq!(GpPath::parse(&format!("{base}/t")), None);
        assert_eq!(GpPath::parse(&format!("{base}/t/jobs/")), None);
        assert_eq!(GpPath::parse("/arcgis/admin/system/jobs/j1"), None);
        assert_eq!(polled_job(&format!("{base}/t/jobs/j1")), Some("j1"));
        assert_eq!(polled_job(&format!("{base}/t/jobs/j1/cancel")), None);
        assert_eq!(polled_job(&format!("{base}/t/jobs/..")), None);
    }

    #[test]
    fn both_families_know_their_ends() {
        for end in ["COMPLETED", "FAILED"].into_iter().chain(FINAL) {
            assert!(is_final_status(end), "{end}");
        }
        for running in ["SUBMITTED", "PROCESSING", "esriJobExecuting", CANCELLING] {
            assert!(!is_final_status(running), "{running}");
        }
        assert!(FINAL.iter().all(|end| is_status(end)));
        assert!(is_success_status(SUCCEEDED) && !is_success_status("esriJobFailed"));
    }
}
