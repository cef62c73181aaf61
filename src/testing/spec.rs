//! Typed builders for the bodies of `POST /__jobmock/jobs` and `POST /__jobmock/submissions`,
//! thin over their JSON: each serializes to exactly the object the control API reads, keys in
//! the order they were given, and nothing the caller did not set (the server fills the
//! defaults). Anything the builders lack can be given as a `serde_json::Value` instead.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// What a poll after a job's last step gets (the body's `then`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Then {
    /// The last step again (the default; WireMock's and Hoverfly's behaviour).
    Repeat,
    /// An unmatched request: admin API error 404, counted as unmatched (fails `strict`).
    Error,
    /// The first step again: the cycle restarts.
    Restart,
    /// A 404 "job not found", as for a deleted job.
    Gone,
}

/// How a job moves from one step to the next (the body's `advance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Advance {
    /// One step per poll, each step held for its `polls` (the default).
    Poll,
    /// By the clock, each step from its `offsetMs`.
    Time,
}

/// One answer of a job: a shorthand status, a whole body or a fault, with its options.
///
/// ```
/// use jobmock::testing::Step;
///
/// let step = Step::status("PROCESSING").percent(50).polls(2);
/// assert_eq!(
///     serde_json::to_value(&step).unwrap(),
///     serde_json::json!({"status": "PROCESSING", "percent": 50, "polls": 2})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Step(Map<String, Value>);

impl Step {
    /// A shorthand step: `status` served as written (any word, any casing), the type's defaults
    /// filling the rest of the answer.
    pub fn status(status: impl Into<String>) -> Step {
        Step::with("status", Value::String(status.into()))
    }

    /// A whole answer (a JSON object), served as it is.
    pub fn body(body: Value) -> Step {
        Step::with("body", body)
    }

    /// A fault in `script.json`'s vocabulary instead of an answer.
    pub fn fault(fault: Fault) -> Step {
        Step::with("fault", fault.0)
    }

    fn with(key: &str, value: Value) -> Step {
        let mut step = Map::new();
        step.insert(key.to_string(), value);
        Step(step)
    }

    fn set(mut self, key: &str, value: Value) -> Step {
        self.0.insert(key.to_string(), value);
        self
    }

    /// The progress, 0 to 100 (`percent`; openNotebook's goes in its custom attributes).
    pub fn percent(self, percent: u8) -> Step {
        self.set("percent", json!(percent))
    }

    /// The job's `messages`.
    pub fn messages<I, S>(self, messages: I) -> Step
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let messages: Vec<String> = messages.into_iter().map(Into::into).collect();
        self.set("messages", json!(messages))
    }

    /// The job's `results` (a JSON object).
    pub fn results(self, results: Value) -> Step {
        self.set("results", results)
    }

    /// How many polls get this step (at least 1; the default 1).
    pub fn polls(self, polls: u32) -> Step {
        self.set("polls", json!(polls))
    }

    /// How long each answer of the step waits before it is sent, in milliseconds.
    pub fn delay_ms(self, delay_ms: u64) -> Step {
        self.set("delayMs", json!(delay_ms))
    }

    /// A random extra wait of 0 to `jitter_ms` milliseconds on each answer of the step.
    pub fn jitter_ms(self, jitter_ms: u64) -> Step {
        self.set("jitterMs", json!(jitter_ms))
    }

    /// The HTTP status of the answer (100 to 599; the default 200).
    pub fn http_status(self, status: u16) -> Step {
        self.set("httpStatus", json!(status))
    }

    /// When the step starts, for a job that advances by time.
    pub fn offset_ms(self, offset_ms: u64) -> Step {
        self.set("offsetMs", json!(offset_ms))
    }

    /// Whether the client's token expires at this step (as `script.json`'s `expireToken`).
    pub fn expire_token(self, expire: bool) -> Step {
        self.set("expireToken", json!(expire))
    }
}

/// A fault a step serves instead of an answer (`script.json`'s vocabulary).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Fault(Value);

impl Fault {
    /// An ArcGIS error body, such as `498 Invalid token.`.
    pub fn arcgis_error(code: u16, message: impl Into<String>) -> Fault {
        Fault(json!({"arcgisError": {"code": code, "message": message.into()}}))
    }

    /// A Portal error body.
    pub fn portal_error(code: u16, message: impl Into<String>) -> Fault {
        Fault(json!({"portalError": {"code": code, "message": message.into()}}))
    }

    /// A bare HTTP answer: this status and body text (a burst of 5xx, a proxy's error page).
    pub fn http(status: u16, body: impl Into<String>) -> Fault {
        Fault(json!({"http": {"status": status, "body": body.into()}}))
    }

    /// The connection closed with no answer (a reset in the middle of a poll).
    pub fn close() -> Fault {
        Fault(json!({"close": true}))
    }

    /// The answer cut after `bytes` bytes (a truncated JSON body).
    pub fn truncate(bytes: u64) -> Fault {
        Fault(json!({"truncate": bytes}))
    }

    /// The answer held for `delay_ms` milliseconds (a client's timeout tested).
    pub fn delay_ms(delay_ms: u64) -> Fault {
        Fault(json!({"delayMs": delay_ms}))
    }
}

/// The body of `POST /__jobmock/jobs`: a job the server answers polls of, step by step.
///
/// ```
/// use jobmock::testing::{JobSpec, Step, Then};
///
/// let job = JobSpec::new("executeNotebook")
///     .step(Step::status("PROCESSING").polls(2))
///     .step(Step::status("FAILED").messages(["Cell 3 raised KeyError"]))
///     .then(Then::Error);
/// assert_eq!(
///     serde_json::to_value(&job).unwrap(),
///     serde_json::json!({
///         "type": "executeNotebook",
///         "steps": [{"status": "PROCESSING", "polls": 2},
///                   {"status": "FAILED", "messages": ["Cell 3 raised KeyError"]}],
///         "then": "error"
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    #[serde(rename = "type")]
    job_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advance: Option<Advance>,
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    then: Option<Then>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<String>,
}

impl JobSpec {
    /// A job of `job_type` (`executeNotebook`, `openNotebook`, …) with no steps yet: give it
    /// at least one with [`JobSpec::step`].
    pub fn new(job_type: impl Into<String>) -> JobSpec {
        JobSpec {
            job_id: None,
            job_type: job_type.into(),
            task: None,
            advance: None,
            steps: Vec::new(),
            then: None,
            context: None,
        }
    }

    /// A web tool's (geoprocessing) job of `task`, whose steps the set's `templates/<task>/`
    /// fills where there is one; its statuses are `esriJob…` words (`Step::status("succeeded")`
    /// is `esriJobSucceeded`, and its `results` are served at `…/results/<name>`).
    ///
    /// ```
    /// use jobmock::testing::{JobSpec, Step};
    ///
    /// let count = JobSpec::web_tool("Count")
    ///     .step(Step::status("executing").polls(2))
    ///     .step(Step::status("succeeded").results(serde_json::json!({"out_count": 42})));
    /// assert_eq!(serde_json::to_value(&count).unwrap()["task"], "Count");
    /// ```
    pub fn web_tool(task: impl Into<String>) -> JobSpec {
        JobSpec {
            task: Some(task.into()),
            ..JobSpec::new("gp")
        }
    }

    /// The job's ID (a fresh one otherwise).
    pub fn job_id(mut self, job_id: impl Into<String>) -> JobSpec {
        self.job_id = Some(job_id.into());
        self
    }

    /// The next step.
    pub fn step(mut self, step: Step) -> JobSpec {
        self.steps.push(step);
        self
    }

    /// What comes after the last step.
    pub fn then(mut self, then: Then) -> JobSpec {
        self.then = Some(then);
        self
    }

    /// How the job moves from step to step.
    pub fn advance(mut self, advance: Advance) -> JobSpec {
        self.advance = Some(advance);
        self
    }

    /// The context path of the `jobUrl` answered (`/notebookserver` otherwise).
    pub fn context(mut self, context: impl Into<String>) -> JobSpec {
        self.context = Some(context.into());
        self
    }
}

impl From<JobSpec> for Value {
    fn from(spec: JobSpec) -> Value {
        serde_json::to_value(spec).expect("a job spec serializes to JSON")
    }
}

/// The body of `POST /__jobmock/submissions`: what the next matching submission creates.
///
/// ```
/// use jobmock::testing::{Step, SubmissionSpec};
///
/// let failing = SubmissionSpec::new("executeNotebook")
///     .param("itemId", "a1b2c3")
///     .step(Step::status("FAILED").messages(["no such item"]))
///     .times(2);
/// assert_eq!(
///     serde_json::to_value(&failing).unwrap(),
///     serde_json::json!({
///         "operation": "executeNotebook",
///         "params": {"itemId": "a1b2c3"},
///         "steps": [{"status": "FAILED", "messages": ["no such item"]}],
///         "times": 2
///     })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmissionSpec {
    operation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    params: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    job_id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    job_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advance: Option<Advance>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    then: Option<Then>,
    /// `None`: the server's default (1); `Some(None)`: every submission (`null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    times: Option<Option<u32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<Value>,
}

impl SubmissionSpec {
    /// Submissions to `…/admin/notebooks/<operation>` (`executeNotebook` or `openNotebook`).
    pub fn new(operation: impl Into<String>) -> SubmissionSpec {
        SubmissionSpec {
            operation: operation.into(),
            task: None,
            params: Map::new(),
            job_id: None,
            job_type: None,
            advance: None,
            steps: Vec::new(),
            then: None,
            times: None,
            answer: None,
        }
    }

    /// Submissions to a web tool's `…/GPServer/<task>/submitJob`: each match creates a web
    /// tool's job (see [`JobSpec::web_tool`]).
    pub fn submit_job(task: impl Into<String>) -> SubmissionSpec {
        SubmissionSpec {
            task: Some(task.into()),
            ..SubmissionSpec::new("submitJob")
        }
    }

    /// A parameter the submission must carry with this value (`notebookParameters` compared
    /// as JSON, others as strings).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> SubmissionSpec {
        self.params.insert(name.into(), value.into());
        self
    }

    /// The item the submission must name (`param("itemId", item_id)`).
    pub fn item_id(self, item_id: impl Into<String>) -> SubmissionSpec {
        self.param("itemId", item_id.into())
    }

    /// The next step of the job each match creates.
    pub fn step(mut self, step: Step) -> SubmissionSpec {
        self.steps.push(step);
        self
    }

    /// What comes after the created job's last step.
    pub fn then(mut self, then: Then) -> SubmissionSpec {
        self.then = Some(then);
        self
    }

    /// How the created job moves from step to step.
    pub fn advance(mut self, advance: Advance) -> SubmissionSpec {
        self.advance = Some(advance);
        self
    }

    /// The created job's type (the operation otherwise).
    pub fn job_type(mut self, job_type: impl Into<String>) -> SubmissionSpec {
        self.job_type = Some(job_type.into());
        self
    }

    /// The created job's ID (a fresh one per match otherwise).
    pub fn job_id(mut self, job_id: impl Into<String>) -> SubmissionSpec {
        self.job_id = Some(job_id.into());
        self
    }

    /// How many submissions it answers (1 otherwise).
    pub fn times(mut self, times: u32) -> SubmissionSpec {
        self.times = Some(Some(times));
        self
    }

    /// It answers every matching submission.
    pub fn every_time(mut self) -> SubmissionSpec {
        self.times = Some(None);
        self
    }

    /// The submission's own answer; `{{jobId}}` and `{{jobUrl}}` in its strings are replaced,
    /// and an answer with no `jobId` reproduces "No job id".
    pub fn answer(mut self, answer: Value) -> SubmissionSpec {
        self.answer = Some(answer);
        self
    }
}

impl From<SubmissionSpec> for Value {
    fn from(spec: SubmissionSpec) -> Value {
        serde_json::to_value(spec).expect("a submission spec serializes to JSON")
    }
}
