//! HAR captures: imported into fixture sets as `record` would write them (what HARs really hold,
//! a real mitmproxy capture among them), sanitized into HARs safe to send, scanned, and exported
//! from replay's journal, then imported and replayed again.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::{Value, json};

use crate::util::*;

const SERVER: &str = "https://notebooks.customer.example:11443";
const T0: u64 = 1_795_000_000_000;

/// One HAR entry as DevTools writes it: `at_ms` after [`T0`], answered after `time_ms`.
fn entry(method: &str, url: &str, at_ms: u64, status: u16, content: Value) -> Value {
    json!({
        "startedDateTime": jobmock::util::clock::iso_time(T0 + at_ms),
        "time": 12.5,
        "request": {
            "method": method, "url": url, "httpVersion": "HTTP/2",
            "cookies": [], "headers": [
                {"name": ":authority", "value": "notebooks.customer.example:11443"},
                {"name": ":method", "value": method},
                {"name": "accept", "value": "application/json"}
            ],
            "queryString": [], "headersSize": -1, "bodySize": 0
        },
        "response": {
            "status": status, "statusText": "", "httpVersion": "HTTP/2",
            "cookies": [], "headers": [{"name": "content-type", "value": "application/json; charset=utf-8"}],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1,
            "_transferSize": 300
        },
        "cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "send": 0, "wait": 10, "receive": 2.5},
        "_initiator": {"type": "script"}, "_priority": "High", "_resourceType": "fetch"
    })
}

fn json_content(body: &Value) -> Value {
    let text = body.to_string();
    json!({"size": text.len(), "mimeType": "application/json", "text": text})
}

fn job_body(id: &str, status: &str) -> Value {
    json!({"jobId": id, "type": "executeNotebook", "status": status, "customAttributes": {"isCancelled": false}})
}

fn poll(id: &str, at_ms: u64, status: &str) -> Value {
    entry(
        "GET",
        &format!("{SERVER}/notebookserver/admin/system/jobs/{id}?f=json"),
        at_ms,
        200,
        json_content(&job_body(id, status)),
    )
}

fn har(entries: Vec<Value>) -> Value {
    json!({"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "pages": [], "entries": entries}})
}

fn write_har(dir: &Path, document: &Value) -> PathBuf {
    let path = dir.join("capture.har");
    std::fs::write(&path, serde_json::to_vec_pretty(document).unwrap()).unwrap();
    path
}

fn import(har: &Path, fixtures: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        "import",
        "har",
        har.to_str().unwrap(),
        "--fixtures",
        fixtures.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = run_binary(&args);
    (code, format!("{out}{err}"))
}

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
    let (code, printed) = import(&har_path, &fixtures, &["--offsets", "exact"]);
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

/// Secrets in the places only HARs have: `cookies` and `queryString` lists, `postData.params`
/// with no text, a base64 body, `_initiator` stacks, page titles, `redirectURL`; the import
/// and the sanitized HAR hold none of them in any encoding, the sanitized HAR is still a HAR
/// with every entry, and scan finds them in the original by JSON path, and nothing after.
#[test]
fn secrets_in_har_only_places_reach_neither_the_set_nor_the_sanitized_har() {
    const COOKIE: &str = "Ck7q2Lm9Xw4Rt8Yp3Zs6";
    const QUERY: &str = "Qy5r8Tn2Vb7Wc4Xd9Fg1";
    const PARAM: &str = "Pm3k6Jh9Gf2Dd5Ss8Aa0";
    const ISSUED: &str = "Is4u7Ee1Rr3Tt6Yy9Uu2";
    const BASIC: &str = "B4sicPassw0rd-9Xq2";
    const EMAIL: &str = "jane.doe@customer-corp.com";
    let mut first = poll("j1", 0, "SUBMITTED");
    first["request"]["url"] = json!(format!(
        "{SERVER}/notebookserver/admin/system/jobs/j1?f=json&token={QUERY}"
    ));
    first["request"]["queryString"] =
        json!([{"name": "f", "value": "json"}, {"name": "token", "value": QUERY}]);
    first["request"]["cookies"] =
        json!([{"name": "agstoken", "value": COOKIE, "path": "/", "httpOnly": true}]);
    first["request"]["headers"].as_array_mut().unwrap().push(json!({
        "name": "authorization",
        "value": format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("admin:{BASIC}")))
    }));
    first["_initiator"] = json!({"type": "script", "stack": {"callFrames": [
        {"url": format!("{SERVER}/portal/apps/nb.js?token={QUERY}"), "functionName": "poll"}]}});
    let mut login = entry(
        "POST",
        &format!("{SERVER}/portal/sharing/rest/generateToken"),
        5,
        200,
        json!({}),
    );
    login["request"]["postData"] = json!({"mimeType": "multipart/form-data; boundary=x",
        "params": [{"name": "username", "value": "jdoe"}, {"name": "password", "value": PARAM},
                   {"name": "f", "value": "json"}]});
    let issued = json!({"token": ISSUED, "expires": 1, "ssl": true, "email": EMAIL}).to_string();
    login["response"]["content"] = json!({"size": issued.len(), "mimeType": "application/json",
        "text": base64::engine::general_purpose::STANDARD.encode(&issued), "encoding": "base64"});
    login["response"]["cookies"] = json!([{"name": "AGS_ROLES", "value": COOKIE}]);
    let mut redirect = entry(
        "GET",
        &format!("{SERVER}/portal/sharing/rest/oauth2/authorize?client_id=x"),
        8,
        302,
        json!({}),
    );
    redirect["response"]["redirectURL"] = json!(format!(
        "{SERVER}/portal/home#access_token={ISSUED}&expires_in=1800"
    ));
    redirect["response"]["headers"] = json!([{"name": "Location", "value": format!("{SERVER}/portal/home#access_token={ISSUED}")}]);
    let mut document = har(vec![login, redirect, first, poll("j1", 300, "COMPLETED")]);
    document["log"]["pages"] = json!([{"id": "page_1", "title": format!("{SERVER}/portal/home?token={QUERY}"),
                                        "startedDateTime": "2026-11-29T22:37:42.123Z", "pageTimings": {}}]);
    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(dir.path(), &document);
    let canaries = [
        ("the request cookie", COOKIE),
        ("the query token", QUERY),
        ("the postData password", PARAM),
        ("the issued token", ISSUED),
        ("the Basic password", BASIC),
        ("the e-mail", EMAIL),
        ("the username", "jdoe"),
    ];

    let (code, out, err) = run_binary(&["scan", har_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "the original holds them: {out}{err}");
    for place in [
        "log.entries[0].request.postData.params[1].value: a value for the credential name \"password\"",
        "log.entries[2].request.cookies[0].value: a value for the credential name \"agstoken\"",
        "log.entries[2].request.queryString[1].value: a value for the credential name \"token\"",
        "log.entries[0].response.content.text (base64-decoded)",
    ] {
        assert!(out.contains(place), "scan did not name {place:?}:\n{out}");
    }

    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert_no_canary(&fixtures, &printed, &canaries);
    assert!(fixtures.join("jobs/j1/002.json").exists(), "{printed}");

    let safe_dir = tempfile::tempdir().unwrap();
    let safe = safe_dir.path().join("safe.har");
    let (code, out, err) = run_binary(&[
        "sanitize",
        "har",
        har_path.to_str().unwrap(),
        "--out",
        safe.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_no_canary(safe_dir.path(), &format!("{out}{err}"), &canaries);
    let sanitized = read_json(&safe);
    assert_eq!(sanitized["log"]["entries"].as_array().unwrap().len(), 4);
    assert_eq!(
        sanitized["log"]["entries"][2]["request"]["cookies"][0]["value"],
        "REDACTED"
    );
    assert_eq!(
        sanitized["log"]["entries"][2]["request"]["cookies"][0]["httpOnly"], true,
        "the rest is kept"
    );
    assert_eq!(
        sanitized["log"]["entries"][0]["response"]["content"]["encoding"], "base64",
        "re-encoded"
    );
    jobmock::har::Har::parse(&safe, &std::fs::read(&safe).unwrap())
        .expect("still a HAR jobmock reads");
    let (code, out, err) = run_binary(&["scan", safe.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    // Never over a file it was not told to replace.
    let (code, _, err) = run_binary(&[
        "sanitize",
        "har",
        har_path.to_str().unwrap(),
        "--out",
        safe.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("exists already"), "{err}");
}

/// A capture made by a real tool: mitmproxy 11.0.2 in front of `jobmock replay`, with the ArcGIS
/// API for Python running three notebooks through it (made by scripts/har-from-mitmproxy.sh).
/// Imported, it holds no trace of the client's token, and replays the same jobs.
#[tokio::test]
async fn a_real_mitmproxy_capture_imports_and_replays() {
    let har_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/har/mitmproxy-arcgis.har");
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("imported 19 of 19 HAR entries"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            "jobs/{FAILED_JOB}: 3 step(s) written: SUBMITTED → PROCESSING → FAILED"
        )),
        "{printed}"
    );
    assert_no_canary(
        &fixtures,
        &printed,
        &[("the client's token", "canaryTok3n-mitm-7f3a9c1e5b0d")],
    );

    let server = TestServer::start(&fixtures).await;
    let submitted = post(server.url("/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&updatePortalItem=true&saveInjectedParameters=false&f=json")
        .send()
        .await
        .json();
    let job_url = submitted["jobUrl"].as_str().unwrap().to_string();
    assert!(
        job_url.starts_with(&server.url("/notebookserver/admin/system/jobs/j")),
        "{job_url}"
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(get(format!("{job_url}?f=json")).status().await);
    }
    assert_eq!(seen, ["SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"]);
}

/// The journal as a HAR: a valid HAR 1.2 of one session, with no credential; imported, it
/// replays what the client saw, in the same order.
#[tokio::test]
async fn the_journal_exported_as_har_imports_and_replays_the_same() {
    let server = TestServer::start(&shipped_fixtures()).await;
    let mut first = Vec::new();
    let created = post(server.url("/__session/s/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&f=json&token=Tk9q2Wx7Lm4Rp8Zs3Vb6")
        .send()
        .await
        .json();
    let job_url = created["jobUrl"].as_str().unwrap().to_string();
    assert!(job_url.contains("/__session/s/"), "{job_url}");
    for _ in 0..5 {
        first.push(get(format!("{job_url}?f=json")).status().await);
    }
    for _ in 0..2 {
        first.push(
            get(server.job_url(FAILED_JOB, "?f=json"))
                .session("s")
                .status()
                .await,
        );
    }
    get(server.job_url(OPEN_JOB, "?f=json"))
        .session("other")
        .send()
        .await;

    let answer = get(server.url("/__jobmock/requests?format=har&session=s"))
        .send()
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        answer
            .header("content-disposition")
            .contains("jobmock-s.har")
    );
    assert!(
        !answer.body.contains("Tk9q2Wx7Lm4Rp8Zs3Vb6"),
        "{}",
        answer.body
    );
    let document = answer.json();
    assert_eq!(document["log"]["version"], "1.2");
    assert_eq!(document["log"]["creator"]["name"], "jobmock");
    let entries = document["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8, "session s only");
    assert_eq!(entries[0]["_jobmock"]["session"], "s");
    assert_eq!(
        entries[0]["request"]["postData"]["mimeType"],
        "application/x-www-form-urlencoded"
    );
    assert!(
        entries[0]["request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/notebookserver/admin/notebooks/executeNotebook")
    );
    for entry in entries {
        for field in [
            "startedDateTime",
            "time",
            "request",
            "response",
            "cache",
            "timings",
        ] {
            assert!(!entry[field].is_null(), "{field} missing in {entry}");
        }
        assert!(entry["response"]["content"]["text"].is_string(), "{entry}");
    }
    let bad = get(server.url("/__jobmock/requests?format=xml"))
        .send()
        .await;
    assert_eq!(bad.status, 400);

    let dir = tempfile::tempdir().unwrap();
    let har_path = dir.path().join("journal.har");
    std::fs::write(&har_path, &answer.body).unwrap();
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    let replayed = TestServer::start(&fixtures).await;
    let created = post(replayed.url("/notebookserver/admin/notebooks/executeNotebook"))
        .form("itemId=c21213a381804c85935f50a1349a390f&f=json")
        .send()
        .await
        .json();
    let job_url = created["jobUrl"].as_str().unwrap().to_string();
    assert!(
        job_url.starts_with(&replayed.url("/notebookserver/admin/system/jobs/j")),
        "the session prefix is the origin's: {job_url}"
    );
    let mut again = Vec::new();
    for _ in 0..5 {
        again.push(get(format!("{job_url}?f=json")).status().await);
    }
    for _ in 0..2 {
        again.push(get(replayed.job_url(FAILED_JOB, "?f=json")).status().await);
    }
    assert_eq!(again, first);
}

/// What a hostile review of the HAR features found, one case per class: Portal user names seen
/// only in paths, header values the HTTP library refuses, a password in a URL's user
/// information, answers replay cannot serve (1xx, 600, over 16 MiB), whole answers that are not
/// JSON, multipart fields and late secrets in large HARs for scan, outputs that are not files,
/// abandoned staging folders, refusals that looked like success, an --origin that matches
/// nothing, and printed escapes.
#[test]
fn what_a_hostile_review_found_is_handled() {
    const COOKIE_TOKEN: &str = "CanBearerTok4Lm7Np2Rs";
    const JOINED: &str = "CanJoinedTok8Hy3Kd6Ws";
    const USERINFO: &str = "CanUserinfoPw1Zz9Qx";
    const MULTIPART: &str = "CanMultiScan1Qa2Ws3Ed";
    let with_answer = |method: &str, path: &str, at: u64, status: u16, body: &Value| {
        entry(
            method,
            &format!("{SERVER}{path}"),
            at,
            status,
            json_content(body),
        )
    };
    let mut cookie = poll("j1", 0, "SUBMITTED");
    cookie["request"]["headers"].as_array_mut().unwrap().push(
        json!({"name": "Cookie", "value": format!("agstoken={COOKIE_TOKEN}; displayName=Jörg")}),
    );
    let mut joined = poll("j1", 10, "PROCESSING");
    joined["response"]["headers"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "name": "set-cookie",
            "value": format!("agstoken={JOINED}; Path=/; Secure\nAGS_ROLES=abc; Path=/")
        }));
    let mut echo = poll("j1", 20, "FAILED");
    let failed = json!({"jobId": "j1", "type": "executeNotebook", "status": "FAILED",
        "messages": [format!("session {COOKIE_TOKEN} expired"), format!("issued {JOINED}"),
                     format!("could not connect with credentials {USERINFO}")]});
    echo["response"]["content"] = json_content(&failed);
    echo["request"]["url"] = json!(format!(
        "https://alice:{USERINFO}@notebooks.customer.example:11443/notebookserver/admin/system/jobs/j1?f=json"
    ));
    let mut multipart = entry(
        "POST",
        &format!("{SERVER}/portal/sharing/rest/content/users/mgarcia_corp/items/abc/delete"),
        30,
        200,
        json_content(&json!({"success": true})),
    );
    multipart["request"]["postData"] = json!({
        "mimeType": "multipart/form-data; boundary=XyZ",
        "text": format!("--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{MULTIPART}\r\n--XyZ--\r\n")
    });
    let mut ansi = with_answer("GET", "/portal/sharing/rest/info", 40, 200, &json!({}));
    ansi["request"]["method"] = json!("\u{1b}[31mGET token=CanAnsiTok1Qa2Ws3Ed");
    let entries = vec![
        cookie,
        joined,
        echo,
        multipart,
        ansi,
        with_answer(
            "GET",
            "/portal/sharing/rest/community/users/kwilliams77?f=json",
            50,
            200,
            &json!({"error": {"code": 400, "message": "User not found"}}),
        ),
        with_answer(
            "GET",
            "/portal/sharing/rest/community/users/rwong/notifications?f=json",
            60,
            200,
            &json!({"notifications": []}),
        ),
        with_answer(
            "GET",
            "/notebookserver/admin/system/jobs/j2?f=json",
            70,
            101,
            &json!({}),
        ),
        with_answer(
            "GET",
            "/notebookserver/admin/system/jobs/j3?f=json",
            80,
            600,
            &json!({}),
        ),
        entry(
            "DELETE",
            &format!("{SERVER}/portal/sharing/rest/empty"),
            100,
            204,
            json!({"size": 0, "mimeType": "application/json", "text": ""}),
        ),
        entry(
            "GET",
            &format!("{SERVER}/portal/sharing/rest/page"),
            110,
            500,
            json!({"size": 14, "mimeType": "application/json", "text": "<html>x</html>"}),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(dir.path(), &har(entries));

    // Scan reads multipart fields and user names in paths.
    let (code, out, err) = run_binary(&["scan", har_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        out.contains("postData.text (part 0): a value for the credential name \"token\""),
        "{out}"
    );
    assert!(
        out.contains("request.url: personal data (a user name in a path) (kwi…"),
        "{out}"
    );

    let abandoned = dir.path().join(".set.importing-4000000");
    std::fs::create_dir(&abandoned).unwrap();
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        !abandoned.exists(),
        "an abandoned staging folder is removed"
    );
    assert!(
        !printed.contains('\u{1b}'),
        "no escape reaches the terminal: {printed:?}"
    );
    assert!(printed.contains("(a method that is not one) /portal/sharing/rest/info: not imported: its method is not an HTTP method"), "{printed}");
    assert!(
        printed.contains("HTTP status 101 is not an answer replay serves (200 to 599)"),
        "{printed}"
    );
    assert!(
        printed.contains("HTTP status 600 is not an answer replay serves"),
        "{printed}"
    );
    assert!(
        !printed.contains("cut short"),
        "whole answers that are not JSON are kept: {printed}"
    );
    let canaries = [
        ("the cookie token", COOKIE_TOKEN),
        ("the joined set-cookie token", JOINED),
        ("the URL's user information", USERINFO),
        ("the multipart token", MULTIPART),
        ("the token in a method with escapes", "CanAnsiTok1Qa2Ws3Ed"),
        ("a username in a path", "kwilliams77"),
        ("a username in a path", "mgarcia_corp"),
        ("a username in a path", "rwong"),
    ];
    assert_no_canary(&fixtures, &printed, &canaries);
    jobmock::fixture::FixtureSet::load(&fixtures).expect("replay loads what import wrote");

    let safe_dir = tempfile::tempdir().unwrap();
    let safe = safe_dir.path().join("safe.har");
    let (code, out, err) = run_binary(&[
        "sanitize",
        "har",
        har_path.to_str().unwrap(),
        "--out",
        safe.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert_no_canary(safe_dir.path(), &format!("{out}{err}"), &canaries);

    // Into an existing set: refused folders are said, not counted as imported.
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0));
    assert!(
        printed.contains("answer(s) not written: their"),
        "{printed}"
    );
    assert!(
        printed.contains("imported 0 of 11 HAR entries"),
        "{printed}"
    );

    // An --origin that matches nothing names the HAR's servers; nothing is written.
    let other = dir.path().join("other");
    let (code, printed) = import(
        &har_path,
        &other,
        &["--origin", "https://notebooks.customer.example"],
    );
    assert_eq!(code, Some(2), "{printed}");
    assert!(
        printed.contains("the HAR's servers are https://notebooks.customer.example:11443 (11)"),
        "{printed}"
    );
    assert!(!other.exists());

    // --out that is not a regular file is refused, --overwrite or not.
    for target in [safe_dir.path().to_path_buf(), dir.path().join("link.har")] {
        if target.ends_with("link.har") {
            std::os::unix::fs::symlink(&safe, &target).unwrap();
        }
        let (code, _, err) = run_binary(&[
            "sanitize",
            "har",
            har_path.to_str().unwrap(),
            "--out",
            target.to_str().unwrap(),
            "--overwrite",
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("is not a regular file"), "{err}");
    }
}

/// A HAR past 16 MiB: scan reads all of it (a secret at its end is found, never "nothing found"
/// after a part), and an answer larger than replay loads is reported, not written.
#[test]
fn large_hars_are_read_whole_and_oversized_answers_are_not_written() {
    let big = "x".repeat(17 * 1024 * 1024);
    let mut late = poll("j1", 100, "COMPLETED");
    late["request"]["url"] = json!(format!(
        "{SERVER}/notebookserver/admin/system/jobs/j1?f=json&token=CanLateTok1Zx2Cv3Bn"
    ));
    let entries = vec![
        poll("j1", 0, "SUBMITTED"),
        entry(
            "GET",
            &format!("{SERVER}/portal/sharing/rest/big?f=json"),
            50,
            200,
            json!({"size": big.len() + 10, "mimeType": "application/json",
                   "text": format!("{{\"big\":\"{big}\"}}")}),
        ),
        late,
    ];
    let dir = tempfile::tempdir().unwrap();
    let har_path = write_har(dir.path(), &har(entries));
    let (code, out, err) = run_binary(&["scan", har_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.contains("log.entries[2].request"), "{out}");
    let fixtures = dir.path().join("set");
    let (code, printed) = import(&har_path, &fixtures, &[]);
    assert_eq!(code, Some(0), "{printed}");
    assert!(
        printed.contains("more than the 16 MiB replay loads"),
        "{printed}"
    );
    jobmock::fixture::FixtureSet::load(&fixtures).expect("replay loads what import wrote");
}
