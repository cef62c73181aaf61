//! What a test holds: a session's calls ([`Session`]), a job or submission it defined
//! ([`JobHandle`], [`SubmissionHandle`]), and what the journal and the verification report say
//! ([`Request`], [`Verification`]), each read from the control API's JSON.

use std::sync::Arc;

use hyper::Method;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::control::{Control, Error, Result};

/// The control calls of one session: the jobs and submissions it defines, and the journal,
/// report and reset of its requests only. Made by [`super::MockServer::session`].
///
/// A client in this session sends its requests under [`Session::uri`]
/// (`…/__session/<name>`), or with the `X-Jobmock-Session` header.
///
/// ```
/// use jobmock::testing::{MockServer, Step, SubmissionSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// tokio::runtime::Runtime::new()?.block_on(async {
///     let server = MockServer::start().await?;
///     let alice = server.session("alice");
///     assert_eq!(alice.uri(), format!("{}/__session/alice", server.uri()));
///     let failing = alice
///         .on_submit(
///             SubmissionSpec::new("executeNotebook")
///                 .item_id("broken")
///                 .step(Step::status("FAILED").messages(["no such item"])),
///         )
///         .await?;
///     assert_eq!(failing.session(), "alice");
///     assert_eq!(failing.matched().await?, 0);
///     assert!(alice.requests().await?.is_empty());
///     alice.reset().await?;
///     Ok(())
/// })
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Session {
    pub(super) control: Arc<Control>,
    /// `None`: the server's own calls, in the default session, whose journal, report and reset
    /// take in every session.
    pub(super) name: Option<String>,
}

impl Session {
    /// The session's name (`default` for the server's own calls).
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("default")
    }

    /// The base URL of the session: the server's, with the session's path prefix.
    pub fn uri(&self) -> String {
        format!(
            "{}{}",
            self.control.base,
            Control::prefix(self.name.as_deref())
        )
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        self.control
            .call(method, self.name.as_deref(), path, body)
            .await
    }

    /// Defines a job in the session (`POST /__jobmock/jobs`), from a [`super::JobSpec`] or the
    /// JSON body itself; a bad body is refused with the field at fault.
    pub async fn add_job(&self, spec: impl Into<Value>) -> Result<JobHandle> {
        let answer = self.call(Method::POST, "jobs", Some(&spec.into())).await?;
        let created: Created = read(answer)?;
        Ok(JobHandle {
            control: Arc::clone(&self.control),
            id: created.job_id,
            url: created.job_url,
            session: created.session,
        })
    }

    /// Says what the next matching submission creates (`POST /__jobmock/submissions`), from a
    /// [`super::SubmissionSpec`] or the JSON body itself.
    pub async fn on_submit(&self, spec: impl Into<Value>) -> Result<SubmissionHandle> {
        let answer = self
            .call(Method::POST, "submissions", Some(&spec.into()))
            .await?;
        let created: CreatedSubmission = read(answer)?;
        Ok(SubmissionHandle {
            control: Arc::clone(&self.control),
            id: created.id,
            session: created.session,
        })
    }

    /// The journal of the session's requests, oldest first (`GET /__jobmock/requests`; the
    /// server's own: every session's).
    pub async fn requests(&self) -> Result<Vec<Request>> {
        #[derive(Deserialize)]
        struct Journal {
            requests: Vec<Request>,
        }
        let journal: Journal = read(self.call(Method::GET, "requests", None).await?)?;
        Ok(journal.requests)
    }

    /// The verification report of the session's requests (`GET /__jobmock/verify`; the
    /// server's own: every session's).
    pub async fn verify(&self) -> Result<Verification> {
        let report = self.call(Method::GET, "verify", None).await?;
        let mut verification: Verification = read(report.clone())?;
        verification.report = report;
        Ok(verification)
    }

    /// Back to how the server started, for this session (`POST /__jobmock/reset`; the
    /// server's own: for every session): cursors, created and defined jobs, submissions, the
    /// journal.
    pub async fn reset(&self) -> Result<()> {
        self.call(Method::POST, "reset", None).await.map(drop)
    }
}

/// A job a test defined; its ID and URL are what a client polls.
#[derive(Debug, Clone)]
pub struct JobHandle {
    control: Arc<Control>,
    id: String,
    url: String,
    session: String,
}

impl JobHandle {
    /// The job's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The job's URL as the server answered it (`jobUrl`), the session's prefix in it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The session the job belongs to.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// How many polls of the job the session has made (from the session's listing,
    /// `GET /__jobmock/jobs`).
    pub async fn polls(&self) -> Result<usize> {
        #[derive(Deserialize)]
        struct Listing {
            jobs: Vec<Value>,
        }
        let answer = self
            .control
            .call(Method::GET, Some(&self.session), "jobs", None)
            .await?;
        let listing: Listing = read(answer)?;
        // The session's own definition, where a fixture job of the same ID is listed too.
        let listed = listing
            .jobs
            .iter()
            .filter(|job| job["jobId"] == self.id.as_str())
            .max_by_key(|job| job["source"] == "defined");
        let Some(listed) = listed else {
            return Err(Error::Refused {
                status: 404,
                messages: vec![format!("job {} is not listed any more", self.id)],
                field: None,
            });
        };
        let polls = listed["sessions"][self.session.as_str()]["polls"]
            .as_u64()
            .or(listed["polls"].as_u64())
            .unwrap_or(0);
        Ok(polls as usize)
    }

    /// Removes the definition (`DELETE /__jobmock/jobs/<jobId>`): its polls get what they got
    /// before it was defined.
    pub async fn remove(&self) -> Result<()> {
        let path = format!("jobs/{}", self.id);
        self.control
            .call(Method::DELETE, Some(&self.session), &path, None)
            .await
            .map(drop)
    }
}

/// A submission rule a test defined.
#[derive(Debug, Clone)]
pub struct SubmissionHandle {
    control: Arc<Control>,
    id: String,
    session: String,
}

/// A submission rule as `GET /__jobmock/submissions` lists it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubmissionState {
    /// The rule's ID (`s1`).
    pub id: String,
    /// How many submissions it still answers; `None`: every one.
    pub remaining: Option<u64>,
    /// How many it has answered.
    #[serde(default)]
    pub matched: u64,
}

impl SubmissionHandle {
    /// The rule's ID (`s1`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The session the rule belongs to.
    pub fn session(&self) -> &str {
        &self.session
    }

    /// How many submissions it answered, and how many it still answers.
    pub async fn state(&self) -> Result<SubmissionState> {
        #[derive(Deserialize)]
        struct Listing {
            submissions: Vec<SubmissionState>,
        }
        let answer = self
            .control
            .call(Method::GET, Some(&self.session), "submissions", None)
            .await?;
        let listing: Listing = read(answer)?;
        listing
            .submissions
            .into_iter()
            .find(|listed| listed.id == self.id)
            .ok_or_else(|| Error::Refused {
                status: 404,
                messages: vec![format!("submission {} is not listed any more", self.id)],
                field: None,
            })
    }

    /// How many submissions it answered.
    pub async fn matched(&self) -> Result<u64> {
        Ok(self.state().await?.matched)
    }

    /// Removes the rule (`DELETE /__jobmock/submissions/<id>`).
    pub async fn remove(&self) -> Result<()> {
        let path = format!("submissions/{}", self.id);
        self.control
            .call(Method::DELETE, Some(&self.session), &path, None)
            .await
            .map(drop)
    }
}

/// One request of the journal (`GET /__jobmock/requests`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Request {
    /// The HTTP method.
    pub method: String,
    /// The path, without the session prefix.
    pub path: String,
    /// The query string, if any.
    #[serde(default)]
    pub query: Option<String>,
    /// The parameters, from the query and a form body (the last value of a name).
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The session it was sent in.
    pub session: String,
    /// The job it polled or operated on, if any.
    #[serde(default)]
    pub job: Option<String>,
    /// The job status answered, if any.
    #[serde(default)]
    pub job_status: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The ArcGIS error code answered, if any.
    #[serde(default)]
    pub error_code: Option<u16>,
    /// Whether something answered it (not an unmatched request).
    pub matched: bool,
    /// What answered it (`job`, `createdJob`, `template`, `exchange`, `nothing`, …).
    pub served_by: String,
}

/// The verification report (`GET /__jobmock/verify`).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct Verification {
    /// Whether the journal holds every request reported on (it dropped none).
    pub complete: bool,
    /// How many requests the report covers.
    pub requests: usize,
    /// The requests nothing answered.
    pub unmatched: Vec<Request>,
    /// What a reviewer would remark on, one sentence each.
    pub findings: Vec<String>,
    /// The whole report as answered (its `jobs`, `submissions` and `unused` too).
    #[serde(skip)]
    pub report: Value,
}

impl Verification {
    /// Panics, with the findings, when a request matched nothing.
    pub fn assert_all_matched(&self) {
        assert!(
            self.unmatched.is_empty(),
            "{} request(s) matched nothing: {}",
            self.unmatched.len(),
            self.findings.join("; ")
        );
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    job_id: String,
    job_url: String,
    session: String,
}

#[derive(Deserialize)]
struct CreatedSubmission {
    id: String,
    session: String,
}

/// An answer read as `T`; one that does not read is a failed call (a server of another
/// version).
fn read<T: serde::de::DeserializeOwned>(answer: Value) -> Result<T> {
    let shown = answer.to_string();
    serde_json::from_value(answer).map_err(|err| Error::Call {
        message: format!("the answer does not read ({err}): {shown}"),
    })
}
