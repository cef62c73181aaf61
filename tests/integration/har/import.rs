//! `jobmock import har`: what HARs really hold becomes the set `record` would write; a HAR
//! malformed in any way is named where it breaks; absurd times are clamped; an existing set is
//! refused, appended to or overwritten as told.

use base64::Engine as _;
use serde_json::json;

use crate::util::*;

use super::*;

/// What HARs really hold, in one capture: entries out of time order, two jobs interleaved,
/// one job polled from two tabs, a `pjson` and an `html` answer, a base64 body, HTTP/2
/// pseudo-headers and `_` fields, other sites, a cached answer, a blocked request, a body the
/// HAR did not keep, one cut short, and a redirect. The set is laid out as `record` writes it,
/// and the summary says what was left out and why.
#[tokio::test]
async fn a_browser_har_becomes_the_set_record_would_write() {
    let (a, b) = (
        "jaaaa1111-0000-4000-8000-000000000001",
        "jbbbb2222-0000-4000-8000-000000000002",
    );
    let mut entries = vec![
        // Job a polled from two tabs (the same answers, interleaved), job b between them.
        poll(a, 0, "SUBMITTED"),
        poll(a, 400, "PROCESSING"),
        poll(b, 500, "SUBMITTED"),
        poll(a, 600, "PROCESSING"),
        poll(b, 900, "COMPLETED"),
        poll(a, 1500, "PROCESSING"),
        poll(a, 2600, "COMPLETED"),
        poll(a, 2700, "COMPLETED"),
    ];
    // The file lists them out of order (HAR writers order by when a request started, tools
    // merge captures).
    entries.reverse();
    let base64_body = job_body("jcccc3333-0000-4000-8000-000000000003", "FAILED").to_string();
    entries.extend([
        entry(
            "GET",
            &format!("{SERVER}/notebookserver/admin/system/jobs/jcccc3333-0000-4000-8000-000000000003?f=json"),
            3000,
            200,
            json!({"size": base64_body.len(), "mimeType": "application/json",
                   "text": base64::engine::general_purpose::STANDARD.encode(&base64_body), "encoding": "base64"}),
        ),
        entry(
            "GET",
            &format!("{SERVER}/portal/sharing/rest/portals/self?f=pjson"),
            3100,
            200,
            // A Portal's self, with the fields clients read (diff checks them).
            json!({"size": 95, "mimeType": "application/json",
                   "text": "{\n  \"id\": \"0123456789ABCDEF\",\n  \"name\": \"Customer Portal\",\n  \"isPortal\": true,\n  \"currentVersion\": \"2024.1\"\n}"}),
        ),
        entry(
            "GET",
            &format!("{SERVER}/notebookserver/admin/system/jobs/{b}"),
            3200,
            200,
            json!({"size": 39, "mimeType": "text/html", "text": "<html><body>Job COMPLETED</body></html>"}),
        ),
        entry("GET", "https://fonts.gstatic.example/s/font.woff2", 10, 200,
              json!({"size": 4, "mimeType": "font/woff2", "text": "AAAA", "encoding": "base64"})),
        entry("GET", "https://telemetry.example/collect?x=1", 20, 204, json!({"size": 0, "mimeType": ""})),
        entry("GET", "data:image/png;base64,AAAA", 30, 200, json!({"size": 3, "mimeType": "image/png"})),
        entry("GET", &format!("{SERVER}/portal/sharing/rest/info?f=json"), 3300, 0, json!({"size": 0, "mimeType": ""})),
        entry("GET", &format!("{SERVER}/portal/sharing/rest/community/self?f=json"), 3400, 200,
              json!({"size": 900, "mimeType": "application/json"})),
        entry("GET", &format!("{SERVER}/notebookserver/admin/system/jobs?f=json"), 3500, 200,
              json!({"size": 500, "mimeType": "application/json", "text": "{\"asyncJobs\": [{\"jobId\": \"jaaaa"})),
    ]);
    let mut cached = entry(
        "GET",
        &format!("{SERVER}/portal/sharing/rest?f=json"),
        3600,
        200,
        json_content(&json!({"currentVersion": "2024.1"})),
    );
    cached["_fromCache"] = json!("memory");
    entries.push(cached);
    let mut redirect = entry(
        "GET",
        &format!("{SERVER}/portal/home"),
        3700,
        302,
        json!({"size": 0, "mimeType": ""}),
    );
    redirect["response"]["headers"] =
        json!([{"name": "location", "value": format!("{SERVER}/portal/home/index.html")}]);
    redirect["response"]["redirectURL"] = json!(format!("{SERVER}/portal/home/index.html"));
    entries.push(redirect);

    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(dir.path(), &har(entries));
    let fixtures = dir.path().join("imported");
    let (code, printed) = import(
        &har_path,
        &fixtures,
        &["--offsets", "exact", "--keep-job-ids"],
    );
    assert_eq!(code, Some(0), "{printed}");

    // Job a: SUBMITTED, PROCESSING for three polls (both tabs), COMPLETED for two; each step
    // at its time from the first poll (answers arrive 12 ms after they start, for all alike).
    let script = read_json(&fixtures.join(format!("jobs/{a}/script.json")));
    assert_eq!(
        script["steps"],
        json!({"001.json": {"polls": 1, "offsetMs": 0}, "002.json": {"polls": 3, "offsetMs": 400},
               "003.json": {"polls": 2, "offsetMs": 2600}})
    );
    assert_eq!(
        read_json(&fixtures.join(format!("jobs/{b}/002.json")))["status"],
        "COMPLETED"
    );
    assert_eq!(
        read_json(&fixtures.join("jobs/jcccc3333-0000-4000-8000-000000000003/001.json"))["status"],
        "FAILED",
        "a base64 body is decoded"
    );
    let exchanges: Vec<String> = std::fs::read_dir(fixtures.join("exchanges"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        exchanges.len(),
        3,
        "pjson, the html page, the redirect: {exchanges:?}\n{printed}"
    );
    let redirect = exchanges
        .iter()
        .find(|name| name.starts_with("GET-portal-home"))
        .unwrap();
    let redirect_script = read_json(
        &fixtures
            .join("exchanges")
            .join(redirect)
            .join("script.json"),
    );
    assert_eq!(
        redirect_script["steps"]["001.txt"]["headers"]["Location"],
        "{{origin}}/portal/home/index.html",
        "the server's own URLs become the origin placeholder: {redirect_script}"
    );

    for expected in [
        "imported 12 of 19 HAR entries (https://notebooks.customer.example:11443 from WebInspector)",
        &format!("jobs/{a}: 3 step(s) written: SUBMITTED → PROCESSING ×3 → COMPLETED ×2"),
        "skipped 1 entry not HTTP",
        "skipped 1 entry answered from the browser's cache",
        "skipped 1 entry without an answer",
        "skipped 2 entries of other sites: fonts.gstatic.example (1), telemetry.example (1)",
        "skipped 2 entries whose request or answer cannot be restored",
        "GET /portal/sharing/rest/community/self: not imported: the HAR has no content.text for its 900 byte answer",
        "GET /notebookserver/admin/system/jobs: not imported: content.text is cut short (31 of 500 bytes)",
    ] {
        assert!(
            printed.contains(expected),
            "missing {expected:?} in:\n{printed}"
        );
    }

    // Replay serves it unchanged: job a's steps in order, each for its polls.
    let server = TestServer::start(&fixtures).await;
    let mut seen = Vec::new();
    for _ in 0..7 {
        seen.push(
            get(server.url(&format!("/notebookserver/admin/system/jobs/{a}?f=json")))
                .status()
                .await,
        );
    }
    assert_eq!(
        seen,
        [
            "SUBMITTED",
            "PROCESSING",
            "PROCESSING",
            "PROCESSING",
            "COMPLETED",
            "COMPLETED",
            "COMPLETED"
        ]
    );
    let redirected = get(server.url("/portal/home")).send().await;
    assert_eq!(redirected.status, 302);
    assert_eq!(
        redirected.header("location"),
        server.url("/portal/home/index.html")
    );
    let (code, out, err) = run_binary(&["diff", fixtures.to_str().unwrap()]);
    assert_eq!(code, Some(0), "diff of the imported set: {out}{err}");
}

/// A HAR malformed in any way stops the import with the JSON path of the bad field (or the
/// line and column of bad JSON) and a fix, and nothing is written.
#[test]
fn a_malformed_har_is_named_where_it_breaks_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "syntax",
            "{\"log\": {\"entries\": [\n  {\"startedDateTime\": }]}}".into(),
            "capture.har:2:",
        ),
        (
            "no log",
            "{\"entries\": []}".into(),
            "capture.har: log: is missing",
        ),
        (
            "entries not a list",
            json!({"log": {"entries": {}}}).to_string(),
            "log.entries: expected an array, found an object",
        ),
        (
            "url a number",
            har(vec![poll("j1", 0, "SUBMITTED"), {
                let mut bad = poll("j1", 10, "SUBMITTED");
                bad["request"]["url"] = json!(42);
                bad
            }])
            .to_string(),
            "log.entries[1].request.url: expected a string, found a number",
        ),
        (
            "bad time",
            har(vec![{
                let mut bad = poll("j1", 0, "SUBMITTED");
                bad["startedDateTime"] = json!("last Tuesday");
                bad
            }])
            .to_string(),
            "log.entries[0].startedDateTime: \"last Tuesday\" is not an ISO 8601 date and time",
        ),
        (
            "header without a name",
            har(vec![{
                let mut bad = poll("j1", 0, "SUBMITTED");
                bad["response"]["headers"] = json!([{"value": "x"}]);
                bad
            }])
            .to_string(),
            "log.entries[0].response.headers[0].name: is missing",
        ),
        (
            "no ArcGIS",
            har(vec![entry(
                "GET",
                "https://example.org/",
                0,
                200,
                json!({}),
            )])
            .to_string(),
            "none of its 1 entries is a request to ArcGIS",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join("capture.har");
        std::fs::write(&path, text).unwrap();
        let fixtures = dir.path().join(format!("set-{}", name.replace(' ', "-")));
        let (code, printed) = import(&path, &fixtures, &[]);
        assert_eq!(code, Some(2), "{name}: {printed}");
        assert!(
            printed.contains(expected),
            "{name}: expected {expected:?} in {printed}"
        );
        assert!(
            printed.contains("fix:") || name == "syntax",
            "{name}: no fix in {printed}"
        );
        assert!(!fixtures.exists(), "{name}: something was written");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "only the HAR: {leftovers:?}");
}

/// Times no tool should write (a year-9999 start, a `time` of 1e300 ms, a negative one) are
/// ordered and clamped, never a crash.
#[test]
fn absurd_times_are_ordered_not_fatal() {
    let mut entries = vec![
        poll("j1", 0, "SUBMITTED"),
        poll("j1", 10, "COMPLETED"),
        poll("j1", 20, "COMPLETED"),
    ];
    entries[1]["time"] = json!(1e300);
    entries[2]["time"] = json!(-5);
    entries[2]["startedDateTime"] = json!("9999-12-31T23:59:59.999Z");
    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(dir.path(), &har(entries));
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("jobs/j1: 2 step(s) written: SUBMITTED → COMPLETED ×2"),
        "{printed}"
    );
    jobmock::fixture::FixtureSet::load(&fixtures).unwrap();
}

/// An existing set is never silently overwritten: a second import of the same HAR refuses
/// each folder it would change, unless told to overwrite or append.
#[test]
fn an_existing_set_is_refused_appended_to_or_overwritten_as_told() {
    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(
        dir.path(),
        &har(vec![
            poll("j1", 0, "SUBMITTED"),
            poll("j1", 100, "COMPLETED"),
        ]),
    );
    let fixtures = dir.path().join("set");
    assert_eq!(import(&har_path, &fixtures, &[]).0, Some(0));
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0));
    assert!(printed.contains("not recording jobs/j1: the folder exists (--overwrite replaces it, --append adds to it)"), "{printed}");
    assert!(!fixtures.join("jobs/j1/003.json").exists());
    assert_eq!(import(&har_path, &fixtures, &["--append"]).0, Some(0));
    assert!(
        fixtures.join("jobs/j1/004.json").exists(),
        "appended after the old steps"
    );
    assert_eq!(import(&har_path, &fixtures, &["--overwrite"]).0, Some(0));
    assert!(!fixtures.join("jobs/j1/003.json").exists(), "replaced");
}

/// A HAR read from a pipe (`<(zcat capture.har.gz)`, `/dev/stdin`) is read to its end, however
/// the writer paces it: a first read shorter than the file is not taken for the whole.
#[test]
fn a_har_from_a_pipe_is_read_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let id = "jpipe111-0000-4000-8000-000000000001";
    let document = har(vec![poll(id, 0, "SUBMITTED"), poll(id, 900, "COMPLETED")]);
    let bytes = serde_json::to_vec_pretty(&document).unwrap();
    let fifo = dir.path().join("capture.har");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write as _;
            let mut pipe = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            // Half now, half later: the reader's first read gets only the first half.
            let (first, second) = bytes.split_at(bytes.len() / 2);
            pipe.write_all(first).unwrap();
            pipe.flush().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(300));
            pipe.write_all(second).unwrap();
        })
    };
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&fifo, &fixtures, &[]);
    writer.join().unwrap();
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        // Polled with no submission seen: job-1.
        fixtures
            .join("jobs")
            .join("job-1")
            .join("002.json")
            .exists(),
        "{printed}"
    );
}
