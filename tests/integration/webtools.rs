//! Web tools' jobs (geoprocessing jobs under `…/GPServer/<task>/`) replayed through the real
//! binary: polls with hold counts, parameter values per step, submitJob from a task's template,
//! cancel by GET or POST, sessions, the verification report, and what a bad set or request gets.

use serde_json::{Value, json};

use crate::util::*;

const TASK: &str = "/server/rest/services/Tools/GPServer/Count";
const JOB: &str = "j0123456789abcdef0123456789abcdef";

fn gp_step(status: &str, extra: Value) -> String {
    let mut body = json!({"jobId": JOB, "jobStatus": status, "messages": [
        {"type": "esriJobMessageTypeInformative", "description": format!("now {status}")}
    ]});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::to_string_pretty(&body).unwrap()
}

fn param(name: &str, value: Value) -> String {
    json!({"paramName": name, "dataType": "GPLong", "value": value}).to_string()
}

/// A set with one recorded web-tool job (submitted, executing held 2 polls, succeeded) whose
/// result changes at its last step, and a template for the task.
fn web_tool_set() -> FixtureDir {
    let set = FixtureDir::new();
    let results = json!({"results": {"out_count": {"paramUrl": "results/out_count"}}});
    for (prefix, id) in [
        (format!("jobs/{JOB}"), JOB),
        ("templates/Count".into(), JOB),
    ] {
        let _ = id;
        set.file(
            &format!("{prefix}/001.json"),
            &gp_step("esriJobSubmitted", json!({})),
        )
        .file(
            &format!("{prefix}/002.json"),
            &gp_step("esriJobExecuting", json!({})),
        )
        .file(
            &format!("{prefix}/003.json"),
            &gp_step("esriJobSucceeded", results.clone()),
        )
        .file(
            &format!("{prefix}/script.json"),
            r#"{"steps": {"002.json": {"polls": 2}}}"#,
        )
        .file(
            &format!("{prefix}/results/out_count.json"),
            &param("out_count", json!(0)),
        )
        .file(
            &format!("{prefix}/results/out_count.003.json"),
            &param("out_count", json!(42)),
        )
        .file(
            &format!("{prefix}/inputs/in_text.json"),
            &json!({"paramName": "in_text", "dataType": "GPString", "value": "recorded"})
                .to_string(),
        );
    }
    set
}

async fn poll(server: &Binary, id: &str, session: &str) -> Value {
    get(server.url(&format!("{TASK}/jobs/{id}?f=json")))
        .session(session)
        .send()
        .await
        .json()
}

async fn value(server: &Binary, id: &str, what: &str, session: &str) -> Value {
    get(server.url(&format!("{TASK}/jobs/{id}/{what}?f=json")))
        .session(session)
        .send()
        .await
        .json()
}

#[tokio::test]
async fn a_web_tools_job_plays_its_steps_and_its_results_follow_them() {
    let set = web_tool_set();
    let server = Binary::replay(set.path(), &[]);
    // Before any poll, and while it runs, the result is the plain file's.
    assert_eq!(
        value(&server, JOB, "results/out_count", "a").await["value"],
        0
    );
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(poll(&server, JOB, "a").await["jobStatus"].clone());
    }
    assert_eq!(
        statuses,
        [
            "esriJobSubmitted",
            "esriJobExecuting",
            "esriJobExecuting",
            "esriJobSucceeded",
            "esriJobSucceeded"
        ]
    );
    assert_eq!(
        value(&server, JOB, "results/out_count", "a").await["value"],
        42
    );
    // Another session has not seen the end: it gets the value of where it stands.
    poll(&server, JOB, "b").await;
    assert_eq!(
        value(&server, JOB, "results/out_count", "b").await["value"],
        0
    );
    assert_eq!(
        value(&server, JOB, "inputs/in_text", "b").await["value"],
        "recorded"
    );
    // A parameter the job does not have: the services directory's error, naming those it has.
    let missing = value(&server, JOB, "results/nope", "a").await;
    assert_eq!(missing["error"]["code"], 400, "{missing}");
    let message = missing["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("has no results parameter \"nope\""),
        "{message}"
    );
    assert!(message.contains("it has out_count"), "{message}");

    // The verification report knows the job's life in its own words.
    let report = get(server.url("/__jobmock/verify?session=a"))
        .send()
        .await
        .json();
    let job = &report["jobs"][0];
    assert_eq!(job["jobId"], JOB, "{report}");
    assert_eq!(job["finalStatus"], "esriJobSucceeded", "{report}");
    assert_eq!(job["pollsAfterEnd"], 1, "{report}");

    // The listing and the web view say what the job answers beyond its polls.
    let listing = get(server.url(&format!("/__jobmock/jobs/{JOB}")))
        .send()
        .await
        .json();
    assert_eq!(
        listing["webTool"],
        json!({"results": ["out_count"], "inputs": ["in_text"]}),
        "{listing}"
    );
    let page = get(server.url("/__jobmock/ui?refresh=0")).send().await.body;
    assert!(
        page.contains("results: out_count; inputs: in_text"),
        "{page}"
    );
    assert!(page.contains("esriJobSucceeded"), "{page}");
    server.stop();
}

#[tokio::test]
async fn submit_job_makes_a_job_from_the_tasks_template_with_the_inputs_given() {
    let set = web_tool_set();
    let server = Binary::replay(set.path(), &["--strict"]);
    let mut ids = Vec::new();
    // The services directory takes submitJob by POST and by GET alike.
    for submitted in [
        post(server.url(&format!("{TASK}/submitJob")))
            .form("in_text=hello&f=json")
            .send()
            .await
            .json(),
        get(server.url(&format!(
            "{TASK}/submitJob?in_text=%7B%22n%22%3A1%7D&f=json"
        )))
        .send()
        .await
        .json(),
    ] {
        assert_eq!(submitted["jobStatus"], "esriJobSubmitted", "{submitted}");
        let id = submitted["jobId"].as_str().unwrap().to_string();
        assert!(
            id.len() == 33 && id.starts_with('j') && id[1..].bytes().all(|b| b.is_ascii_hexdigit()),
            "a web tool's job ID is j and 32 hex digits: {id}"
        );
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    // A text is a text; JSON is read as JSON, as the server reads a GP parameter.
    assert_eq!(
        value(&server, &ids[0], "inputs/in_text", "default").await["value"],
        "hello"
    );
    assert_eq!(
        value(&server, &ids[1], "inputs/in_text", "default").await["value"],
        json!({"n": 1})
    );
    let mut last = Value::Null;
    for _ in 0..4 {
        last = poll(&server, &ids[0], "default").await;
    }
    assert_eq!(last["jobStatus"], "esriJobSucceeded");
    assert_eq!(
        last["jobId"],
        ids[0].as_str(),
        "the template's ID is the job's"
    );
    assert_eq!(
        value(&server, &ids[0], "results/out_count", "default").await["value"],
        42
    );
    // A task with no template is an unmatched request, which --strict refuses.
    let other = post(server.url("/server/rest/services/Tools/GPServer/Other/submitJob"))
        .form("f=json")
        .send()
        .await;
    assert_eq!(other.status, 400, "{}", other.body);
    assert!(other.body.contains("templates/Other"), "{}", other.body);
    server.terminate();
    let (code, _, printed) = server.wait(std::time::Duration::from_secs(10));
    assert_eq!(
        code,
        Some(1),
        "--strict exits 1 after an unmatched request: {printed}"
    );
    assert!(printed.contains("templates/Other"), "{printed}");
}

#[tokio::test]
async fn a_cancel_says_cancelling_once_then_the_job_is_cancelled_for_that_session() {
    let set = web_tool_set();
    let server = Binary::replay(set.path(), &[]);
    poll(&server, JOB, "a").await;
    // GET, as arcgis's GPJob.cancel sends it.
    let cancel = get(server.url(&format!("{TASK}/jobs/{JOB}/cancel?f=json")))
        .session("a")
        .send()
        .await
        .json();
    assert_eq!(
        cancel,
        json!({"jobId": JOB, "jobStatus": "esriJobCancelling"})
    );
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let answer = poll(&server, JOB, "a").await;
        assert!(answer.get("results").is_none(), "{answer}");
        assert!(answer.get("customAttributes").is_none(), "{answer}");
        statuses.push(answer["jobStatus"].clone());
    }
    assert_eq!(
        statuses,
        ["esriJobCancelling", "esriJobCancelled", "esriJobCancelled"]
    );
    // Another session's job runs on.
    assert_eq!(
        poll(&server, JOB, "b").await["jobStatus"],
        "esriJobSubmitted"
    );
    // A job that has ended is not cancelled: the answer says how it ended.
    for _ in 0..4 {
        poll(&server, JOB, "c").await;
    }
    let late = post(server.url(&format!("{TASK}/jobs/{JOB}/cancel")))
        .session("c")
        .form("f=json")
        .send()
        .await
        .json();
    assert_eq!(late["jobStatus"], "esriJobSucceeded", "{late}");
    assert_eq!(
        poll(&server, JOB, "c").await["jobStatus"],
        "esriJobSucceeded"
    );
    let report = get(server.url("/__jobmock/verify?session=a"))
        .send()
        .await
        .json();
    assert_eq!(
        report["jobs"][0]["finalStatus"], "esriJobCancelled",
        "{report}"
    );
    server.stop();
}

#[tokio::test]
async fn bad_web_tool_sets_and_requests_are_refused_with_their_place() {
    let set = web_tool_set();
    set.file(&format!("jobs/{JOB}/results/notes.txt"), "x");
    let refused = replay_refuses(set.path(), &[]);
    assert!(refused.contains("results/notes.txt"), "{refused}");
    assert!(
        refused.contains("one <name>.json per parameter"),
        "{refused}"
    );

    let set = web_tool_set();
    set.file(&format!("jobs/{JOB}/results/broken.json"), "{\"value\": ");
    let refused = replay_refuses(set.path(), &[]);
    assert!(refused.contains("results/broken.json"), "{refused}");

    let server = Binary::replay(web_tool_set().path(), &[]);
    for path in [
        format!("{TASK}/jobs/..%2F..%2Fetc/results/x"),
        format!("{TASK}/jobs/a%5Cb"),
    ] {
        let answer = get(server.url(&path)).send().await;
        assert!(
            answer.body.contains("invalid job ID"),
            "{path}: {}",
            answer.body
        );
    }
    let unknown = get(server.url(&format!("{TASK}/jobs/jnone/results/x?f=json")))
        .send()
        .await;
    assert!(
        unknown.body.contains("job jnone not found"),
        "{}",
        unknown.body
    );
    server.stop();
}

/// A web tool's job defined in the test's own code (`POST /__jobmock/jobs` with `"type": "gp"`
/// or a `task`): status words read as the family's, messages typed, results served as files of
/// their own from their step on; a bad definition names its field.
#[tokio::test]
async fn a_test_defines_a_web_tools_job_in_its_own_words() {
    let set = web_tool_set();
    let server = Binary::replay(set.path(), &[]);
    let defined = post(server.url("/__jobmock/jobs"))
        .session("t")
        .body(
            "application/json",
            json!({"type": "gp", "steps": [
                {"status": "Executing", "polls": 2, "messages": ["started"]},
                {"status": "COMPLETED", "results": {"out_count": 7, "ratio": 0.5}},
            ]})
            .to_string()
            .as_bytes(),
        )
        .send()
        .await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    let defined = defined.json();
    let url = defined["jobUrl"].as_str().unwrap().to_string();
    assert!(url.contains("/GPServer/"), "{url}");
    let path = &url[url.find("/notebookserver").unwrap()..];
    let poll = || async {
        get(server.url(&format!("{path}?f=json")))
            .session("t")
            .send()
            .await
            .json()
    };
    let first = poll().await;
    assert_eq!(first["jobStatus"], "esriJobExecuting", "{first}");
    assert_eq!(
        first["messages"],
        json!([{"type": "esriJobMessageTypeInformative", "description": "started"}])
    );
    let result = |name: &str| {
        let url = server.url(&format!("{path}/results/{name}?f=json"));
        async move { get(url).session("t").send().await.json() }
    };
    // Not yet succeeded: no value, and the error says which the job has.
    assert!(result("out_count").await["error"].is_object());
    poll().await;
    let last = poll().await;
    assert_eq!(last["jobStatus"], "esriJobSucceeded", "{last}");
    assert_eq!(
        last["results"]["out_count"],
        json!({"paramUrl": "results/out_count"})
    );
    assert_eq!(
        result("out_count").await,
        json!({"paramName": "out_count", "dataType": "GPLong", "value": 7})
    );
    assert_eq!(result("ratio").await["dataType"], "GPDouble");

    // A task's template fills what a step leaves out; its recorded inputs stay the job's.
    let from_task = post(server.url("/__jobmock/jobs"))
        .body(
            "application/json",
            br#"{"task": "Count", "steps": [{"status": "timed out", "messages": ["a", "too slow"]}]}"#,
        )
        .send()
        .await
        .json();
    let id = from_task["jobId"].as_str().unwrap();
    let answer = poll_default(&server, id).await;
    assert_eq!(answer["jobStatus"], "esriJobTimedOut", "{answer}");
    assert_eq!(answer["messages"][1]["type"], "esriJobMessageTypeError");
    assert_eq!(
        value(&server, id, "inputs/in_text", "default").await["value"],
        "recorded"
    );

    let refused = post(server.url("/__jobmock/jobs"))
        .body(
            "application/json",
            br#"{"type": "openNotebook", "task": "Count", "steps": [{"status": "x"}]}"#,
        )
        .send()
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["field"], "task", "{}", refused.body);
    server.stop();
}

async fn poll_default(server: &Binary, id: &str) -> Value {
    poll(server, id, "default").await
}

/// A submission of a web tool's task defined by the test answers that task's submitJob (with
/// the parameters it names) before the template, with a job of its own steps.
#[tokio::test]
async fn a_defined_submit_job_answers_its_task_before_the_template() {
    let set = web_tool_set();
    let server = Binary::replay(set.path(), &[]);
    let defined = post(server.url("/__jobmock/submissions"))
        .session("t")
        .body(
            "application/json",
            json!({"operation": "submitJob", "task": "Count", "params": {"in_text": "bad"},
                   "steps": [{"status": "failed", "messages": ["Counting", "no rows in bad"]}]})
            .to_string()
            .as_bytes(),
        )
        .send()
        .await;
    assert_eq!(defined.status, 201, "{}", defined.body);
    assert_eq!(defined.json()["task"], "Count");
    let submit = |text: &str, session: &str| {
        let call = post(server.url(&format!("{TASK}/submitJob")))
            .session(session)
            .form(&format!("in_text={text}&f=json"));
        async move { call.send().await.json() }
    };
    // Another session, another parameter: the template answers.
    let other = submit("bad", "u").await;
    let good = submit("good", "t").await;
    for answer in [&other, &good] {
        let id = answer["jobId"].as_str().unwrap();
        assert_eq!(
            poll(&server, id, "t").await["jobStatus"],
            "esriJobSubmitted"
        );
    }
    let failing = submit("bad", "t").await;
    assert_eq!(failing["jobStatus"], "esriJobSubmitted", "{failing}");
    let id = failing["jobId"].as_str().unwrap();
    assert_eq!(id.len(), 33, "{id}");
    let answer = poll(&server, id, "t").await;
    assert_eq!(answer["jobStatus"], "esriJobFailed", "{answer}");
    assert_eq!(
        answer["messages"][1],
        json!({"type": "esriJobMessageTypeError", "description": "no rows in bad"})
    );
    // times: 1, so the next one goes to the template again.
    let again = submit("bad", "t").await;
    let id = again["jobId"].as_str().unwrap();
    assert_eq!(
        poll(&server, id, "t").await["jobStatus"],
        "esriJobSubmitted"
    );

    for (body, field) in [
        (
            json!({"operation": "submitJob", "steps": [{"status": "x"}]}),
            "task",
        ),
        (
            json!({"operation": "executeNotebook", "task": "Count", "steps": [{"status": "x"}]}),
            "task",
        ),
    ] {
        let refused = post(server.url("/__jobmock/submissions"))
            .body("application/json", body.to_string().as_bytes())
            .send()
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert_eq!(refused.json()["field"], field, "{}", refused.body);
    }
    server.stop();
}

/// What a notebook job's polls have, a web tool's have: a fault aimed at a poll, time advance,
/// and tokens, refused in the services directory's error shape and journaled with the job.
#[tokio::test]
async fn faults_time_and_tokens_hold_for_a_web_tools_job() {
    let set = web_tool_set();
    set.file(
        &format!("jobs/{JOB}/script.json"),
        r#"{"steps": {"002.json": {"polls": 2}}, "faults": [{"poll": 2, "fault": {"arcgisError": {"code": 500, "message": "busy"}}}]}"#,
    );
    let server = Binary::replay(set.path(), &["--token", "t0k"]);
    let job = server.url(&format!("{TASK}/jobs/{JOB}?f=json"));
    let refused = get(job.clone()).send().await.json();
    assert_eq!(refused["error"]["code"], 499, "{refused}");
    let wrong = get(format!("{job}&token=nope")).send().await.json();
    assert_eq!(wrong["error"]["code"], 498, "{wrong}");
    let with = |n| format!("{job}&token=t0k&n={n}");
    assert_eq!(
        get(with(1)).send().await.json()["jobStatus"],
        "esriJobSubmitted"
    );
    let fault = get(with(2)).send().await.json();
    assert_eq!(fault["code"], 500, "{fault}");
    assert_eq!(
        get(with(3)).send().await.json()["jobStatus"],
        "esriJobExecuting"
    );
    let journal = get(server.url("/__jobmock/requests")).send().await.json();
    let refusals: Vec<&Value> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["servedBy"] == "tokenCheck")
        .collect();
    assert_eq!(refusals.len(), 2, "{journal}");
    assert!(
        refusals.iter().all(|entry| entry["job"] == JOB),
        "{journal}"
    );
    server.stop();

    // Time advance: steps at their recorded offsets.
    let set = web_tool_set();
    set.file(
        &format!("jobs/{JOB}/script.json"),
        r#"{"advance": "time", "steps": {"001.json": {"offsetMs": 0}, "002.json": {"offsetMs": 0}, "003.json": {"offsetMs": 60000}}}"#,
    );
    let server = Binary::replay(set.path(), &[]);
    assert_eq!(
        poll(&server, JOB, "a").await["jobStatus"],
        "esriJobExecuting"
    );
    assert_eq!(
        poll(&server, JOB, "a").await["jobStatus"],
        "esriJobExecuting"
    );
    server.stop();
}
