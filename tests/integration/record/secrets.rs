//! What the record proxy keeps out of a recording: secrets and usernames in every place a client
//! sends them, cookies that are not credentials left alone, and the scan (`jobmock scan`, and the
//! recorder's own when it stops).

use std::time::Duration;

use jobmock::fixture::FixtureSet;
use serde_json::json;

use crate::util::*;

/// A token, cookie, password or credential header is never written: a canary string used for
/// all of them is found nowhere under the fixture set, nor in what the proxy prints.
#[tokio::test]
async fn no_secret_reaches_the_fixture_set() {
    const CANARY: &str = "c4n4ry-s3cr3t-7f2e9a";
    let upstream = FakeUpstream::start(|seen, addr| {
        if seen.path.ends_with("/generateToken") {
            let body = json!({"token": format!("{CANARY}-issued"), "expires": 1, "ssl": false});
            return (
                200,
                vec![("set-cookie", format!("AGS_ROLES={CANARY}-cookie; Path=/"))],
                serde_json::to_vec(&body).unwrap(),
            );
        }
        let query = seen.query.clone().unwrap_or_default();
        let body = json!({
            "jobId": "jcanary",
            "type": "executeNotebook",
            "status": "PROCESSING",
            "username": "alice",
            // A server that echoes the request's URL, token and all.
            "jobUrl": format!("http://{addr}{}?{query}", seen.path),
            "messages": [format!("called with {query}")],
        });
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);

    post(proxy.url("/portal/sharing/rest/generateToken"))
        .form(&format!("username=alice&password={CANARY}-password&f=json"))
        .send()
        .await;
    for _ in 0..3 {
        get(proxy.url(&format!(
            "/arcgis/admin/system/jobs/jcanary?f=json&token={CANARY}-query"
        )))
        .header("X-Esri-Authorization", &format!("Bearer {CANARY}-header"))
        .header("Authorization", &format!("Bearer {CANARY}-authorization"))
        .header("Cookie", &format!("AGS_ROLES={CANARY}-cookie"))
        .send()
        .await;
    }
    post(proxy.url("/arcgis/admin/system/jobs/jcanary"))
        .form(&format!("f=json&token={CANARY}-form"))
        .send()
        .await;
    let printed = proxy.stop();

    let files = all_files(recorded.path());
    assert!(files.len() >= 4, "{files:?}");
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(CANARY),
            "{} holds the canary:\n{text}",
            path.display()
        );
        assert!(
            !text.contains("alice"),
            "{} holds the username:\n{text}",
            path.display()
        );
    }
    assert!(
        !printed.contains(CANARY),
        "the proxy printed the canary:\n{printed}"
    );
    let job = std::fs::read_to_string(recorded.path().join("jobs/job-1/001.json")).unwrap();
    assert!(job.contains("token=REDACTED"), "{job}");
    assert!(job.contains("\"username\": \"user-1\""), "{job}");
}

/// Regression: a token known from one request and then percent-encoded inside a path
/// (`C%5F…`) was written into request.json, the folder's name and stderr.
#[tokio::test]
async fn a_known_token_percent_encoded_in_a_path_is_written_nowhere() {
    const TOKEN: &str = "C_9fK2mQ7xLw3vR8tZ";
    let upstream = FakeUpstream::start(|seen, _| json_answer(&json!({"path": seen.path}))).await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    get(proxy.url("/portal/sharing/rest/community/self?f=json"))
        .header("X-Esri-Authorization", &format!("Bearer {TOKEN}"))
        .send()
        .await;
    let encoded = TOKEN.replacen('_', "%5F", 1);
    get(proxy.url(&format!(
        "/portal/sharing/rest/content/items/{encoded}/data?f=json"
    )))
    .send()
    .await;
    let printed = proxy.stop();

    let bare = TOKEN.trim_start_matches("C_");
    for (path, bytes) in all_files(recorded.path()) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(bare),
            "{} holds the token:\n{text}",
            path.display()
        );
        assert!(
            !path.to_string_lossy().contains(bare),
            "{} is named after the token",
            path.display()
        );
    }
    assert!(!printed.contains(bare), "printed:\n{printed}");
    let set = FixtureSet::load(recorded.path()).unwrap();
    assert!(
        set.exchanges()
            .iter()
            .any(|e| e.path == "/portal/sharing/rest/content/items/REDACTED/data"),
        "{:?}",
        set.exchanges().iter().map(|e| &e.path).collect::<Vec<_>>()
    );
}

/// Regression: cookies that are not credentials (`ui=admin`, `other=plain`) were replaced
/// everywhere, turning `/arcgis/admin/info` into `/arcgis/REDACTED/info`, a `jobUrl` into
/// `…/REDACTED/system/jobs/…` and `text/plain` into `text/REDACTED`. The credential cookie is
/// still gone.
#[tokio::test]
async fn cookies_that_are_not_credentials_corrupt_nothing() {
    const AGSTOKEN: &str = "Qx7-agstoken-8812fe";
    let upstream = FakeUpstream::start(|seen, addr| {
        if seen.path.ends_with("/text") {
            return (
                200,
                vec![("content-type", "text/plain".into())],
                b"plain words, admin words".to_vec(),
            );
        }
        let cookie = seen.headers["cookie"].to_str().unwrap().to_string();
        json_answer(&json!({
            "jobUrl": format!("http://{addr}/arcgis/admin/system/jobs/j1"),
            "messages": [format!("cookies: {cookie}")],
        }))
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    let cookie = format!("agstoken={AGSTOKEN}; ui=admin; other=plain");
    get(proxy.url("/arcgis/admin/info?f=json"))
        .header("Cookie", &cookie)
        .send()
        .await;
    get(proxy.url("/arcgis/admin/text"))
        .header("Cookie", &cookie)
        .send()
        .await;
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let mut paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/arcgis/admin/info", "/arcgis/admin/text"]);
    let files = all_files(recorded.path());
    let all: String = files
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect();
    assert!(
        all.contains("{{origin}}/arcgis/admin/system/jobs/j1"),
        "{all}"
    );
    assert!(all.contains("\"Content-Type\": \"text/plain\""), "{all}");
    assert!(all.contains("plain words, admin words"), "{all}");
    assert!(!all.contains(AGSTOKEN), "{all}");
}

/// A username gets its pseudonym in Portal user paths, and the admin API's own `/admin/`
/// segment is left alone when the username is `admin`.
#[tokio::test]
async fn a_username_that_is_an_api_word_does_not_rename_the_admin_api() {
    let upstream = FakeUpstream::start(|seen, _| {
        let body = if seen.path.contains("/community/users/") {
            json!({"username": "admin", "role": "org_admin"})
        } else {
            json!({"jobId": "j1", "jobUrl": "x", "status": "success"})
        };
        json_answer(&body)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    get(proxy.url("/portal/sharing/rest/community/users/admin?f=json"))
        .send()
        .await;
    post(proxy.url("/arcgis/admin/notebooks/executeNotebook"))
        .form("f=json&itemId=i")
        .send()
        .await;
    proxy.stop();

    let set = FixtureSet::load(recorded.path()).unwrap();
    let paths: Vec<&str> = set.exchanges().iter().map(|e| e.path.as_str()).collect();
    assert!(
        paths.contains(&"/arcgis/admin/notebooks/executeNotebook"),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/portal/sharing/rest/community/users/user-1"),
        "{paths:?}"
    );
}

/// `jobmock scan` reports what looks like a credential or personal data with file:line:column,
/// never the whole value, and exits 1; a clean set exits 0; kept fields are not reported.
#[test]
fn scan_reports_credentials_and_personal_data_with_their_place() {
    let set = FixtureDir::new();
    set.file(
        "exchanges/x/001.json",
        "{\n  \"token\": \"Zk81mfQ2xx99abcd\",\n  \"note\": \"Authorization: Bearer abc.def.ghi123\",\n  \"email\": \"jane@customer.com\",\n  \"username\": \"user-3\",\n  \"owner\": \"admin@example.com\",\n  \"code\": 498\n}\n",
    );
    set.file(
        "exchanges/x/request.json",
        "{\"method\": \"GET\", \"path\": \"/x\"}",
    );
    let path = set.path().to_str().unwrap();
    let (code, out, err) = run_binary(&["scan", path]);
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[0].ends_with(
            "001.json:2:13: a value for the credential name \"token\" (Zk8…, 16 characters)"
        ),
        "{out}"
    );
    assert!(
        lines[1].contains("001.json:3:34: a Bearer credential"),
        "{out}"
    );
    assert!(
        lines[2].contains("001.json:4:13: personal data (an e-mail address)"),
        "{out}"
    );
    assert!(
        !out.contains("Zk81mfQ2xx99abcd") && !out.contains("abc.def.ghi123"),
        "{out}"
    );
    assert!(err.contains("3 finding(s)"), "{err}");

    let (code, out, _) = run_binary(&["scan", path, "--keep-field", "email"]);
    assert_eq!(code, Some(1));
    assert_eq!(out.lines().count(), 2, "{out}");

    let clean = FixtureDir::new();
    clean.job("j1", &["SUBMITTED", "COMPLETED"]);
    let (code, _, err) = run_binary(&["scan", clean.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("no credential or personal data found in 2 file(s)"),
        "{err}"
    );
}

/// The recorder scans what it wrote when it stops: a folder appended to that held a credential
/// before makes it say so and exit 1.
#[tokio::test]
async fn record_says_the_verdict_of_its_closing_scan() {
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let job_dir = recorded.path().join("jobs").join(EXECUTE_JOB);
    std::fs::create_dir_all(&job_dir).unwrap();
    std::fs::write(
        job_dir.join("001.json"),
        format!("{{\"jobId\": \"{EXECUTE_JOB}\", \"type\": \"executeNotebook\", \"status\": \"SUBMITTED\", \"token\": \"old-secret-Xy81kq\"}}"),
    )
    .unwrap();
    let proxy = Binary::record(
        &upstream.base,
        recorded.path(),
        // Appending to a job folder named by the server's ID: the IDs are kept.
        &["--append", "--keep-field", "username", "--keep-job-ids"],
    );
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    proxy.terminate();
    let (code, _, err) = proxy.wait(Duration::from_secs(10));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("scan: 1 finding(s)"), "{err}");
    assert!(err.contains("001.json:1:"), "{err}");
    assert!(!err.contains("old-secret-Xy81kq"), "{err}");

    let clean = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, clean.path(), &[]);
    get(proxy.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
        .send()
        .await;
    let printed = proxy.stop();
    assert!(
        // One step: a script of defaults only is not written.
        printed.contains("scan: no credential or personal data found in the 1 file(s) written"),
        "{printed}"
    );
}
