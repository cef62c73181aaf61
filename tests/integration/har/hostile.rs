//! HARs made to break things: what a hostile review of the HAR features found, and HARs past
//! 16 MiB.

use serde_json::{Value, json};

use crate::util::*;

use super::*;

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
    let (code, out, err) = sanitize_har(&har_path, &safe, &[]);
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
        let (code, _, err) = sanitize_har(&har_path, &target, &["--overwrite"]);
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
