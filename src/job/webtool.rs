//! What a web tool's job (a geoprocessing job, [`crate::api::webtool`]) has beyond a notebook
//! job's steps: the values of its parameters (`…/jobs/<jobId>/results/<name>` and
//! `…/inputs/<name>`, each possibly changing from one step on), and the `esriJobCancelling`
//! answer a poll gets once after a cancel, before the cancelled step.
//!
//! A job is a web tool's when its steps say `jobStatus` in that family's words; such a job is
//! always cancellable: without a `cancelled.json`, its cancelled step is built from the step
//! it was cancelled in.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::model::{JobParam, Step, WebTool};
use crate::api::webtool::{self, ParamKind};

impl WebTool {
    /// Makes the web-tool parts of a job whose steps are `steps` and whose parameter answers
    /// are `params`, and the cancelled step if it has none: `None` when the steps are not a web
    /// tool's (see [`is_webtool`]).
    pub fn build(
        steps: &[Step],
        mut params: Vec<JobParam>,
        on_cancel: &mut Option<Step>,
    ) -> Option<WebTool> {
        if !is_webtool(steps) {
            return None;
        }
        // The cancel comes while the job runs: the last step that is not an end stands for it.
        let running = steps
            .iter()
            .rev()
            .find(|step| {
                step.job_status
                    .as_deref()
                    .is_some_and(|status| !webtool::is_final_status(status))
            })
            .unwrap_or(&steps[0]);
        if on_cancel.is_none() {
            *on_cancel = Some(with_status(running, webtool::CANCELLED, "cancelled"));
        }
        params.sort_by(|a, b| {
            (a.kind.as_str(), &a.name, a.from_step).cmp(&(b.kind.as_str(), &b.name, b.from_step))
        });
        Some(WebTool {
            params,
            cancelling: with_status(running, webtool::CANCELLING, "cancelling"),
        })
    }

    /// The answer of `kind/name` for a session whose last poll was answered with step
    /// `served` (`None`: it has not polled): the value of the latest step at or before it.
    pub fn param(&self, kind: ParamKind, name: &str, served: Option<usize>) -> Option<&Step> {
        self.params
            .iter()
            .filter(|param| param.kind == kind && &*param.name == name)
            .rfind(|param| match (param.from_step, served) {
                (None, _) => true,
                (Some(from), Some(served)) => from <= served,
                (Some(_), None) => false,
            })
            .map(|param| &param.answer)
    }

    /// The names of the parameters of `kind` the job has, for messages.
    pub fn names(&self, kind: ParamKind) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .params
            .iter()
            .filter(|param| param.kind == kind)
            .map(|param| &*param.name)
            .collect();
        names.dedup();
        names
    }
}

/// Whether a job with `steps` is a web tool's: a step says a web-tool status.
pub fn is_webtool(steps: &[Step]) -> bool {
    steps
        .iter()
        .any(|step| step.job_status.as_deref().is_some_and(webtool::is_status))
}

/// `step` with its `jobStatus` made `status`, its results left out (a job that did not
/// succeed has none), named `<name>` for the journal.
fn with_status(step: &Step, status: &str, name: &str) -> Step {
    let mut value: Value = serde_json::from_slice(&step.body).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert(webtool::STATUS_FIELD.to_string(), Value::from(status));
        object.remove("results");
    }
    Step {
        file: Arc::from(format!("({name})")),
        body: Bytes::from(serde_json::to_vec(&value).expect("a JSON value serialises")),
        job_status: Some(status.into()),
        fault: None,
        expire_token: false,
        ..step.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(file: &str, body: &str) -> Step {
        let value: Value = serde_json::from_str(body).unwrap();
        let status = value["jobStatus"].as_str().or(value["status"].as_str());
        Step::json(file, status, body)
    }

    fn param(name: &str, from_step: Option<usize>, value: u32) -> JobParam {
        JobParam {
            kind: ParamKind::Results,
            name: name.into(),
            from_step,
            answer: step(
                "r.json",
                &format!(r#"{{"paramName":"{name}","value":{value}}}"#),
            ),
        }
    }

    #[test]
    fn a_web_tools_job_cancels_from_the_step_it_runs_in() {
        let steps = [
            step(
                "001.json",
                r#"{"jobId":"j1","jobStatus":"esriJobExecuting"}"#,
            ),
            step(
                "002.json",
                r#"{"jobId":"j1","jobStatus":"esriJobSucceeded","results":{"n":{"paramUrl":"results/n"}}}"#,
            ),
        ];
        let mut on_cancel = None;
        let tool = WebTool::build(&steps, Vec::new(), &mut on_cancel).unwrap();
        assert_eq!(
            tool.cancelling.job_status.as_deref(),
            Some("esriJobCancelling")
        );
        let cancelled = on_cancel.unwrap();
        assert_eq!(
            &cancelled.body[..],
            br#"{"jobId":"j1","jobStatus":"esriJobCancelled"}"#
        );
        let notebook = [step("001.json", r#"{"jobId":"j1","status":"COMPLETED"}"#)];
        assert!(WebTool::build(&notebook, Vec::new(), &mut None).is_none());
    }

    #[test]
    fn a_parameter_answers_with_the_value_of_the_step_served() {
        let steps = [step("001.json", r#"{"jobStatus":"esriJobSucceeded"}"#)];
        let params = vec![
            param("n", Some(2), 3),
            param("n", None, 1),
            param("n", Some(1), 2),
        ];
        let tool = WebTool::build(&steps, params, &mut None).unwrap();
        let value = |served| {
            let answer = tool.param(ParamKind::Results, "n", served).unwrap();
            serde_json::from_slice::<Value>(&answer.body).unwrap()["value"].clone()
        };
        assert_eq!(value(None), 1);
        assert_eq!(value(Some(0)), 1);
        assert_eq!(value(Some(1)), 2);
        assert_eq!(value(Some(5)), 3);
        assert!(tool.param(ParamKind::Inputs, "n", None).is_none());
        assert_eq!(tool.names(ParamKind::Results), ["n"]);
    }
}
