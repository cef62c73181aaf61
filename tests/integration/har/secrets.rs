//! Secrets in the places only HARs have reach neither the imported set nor the sanitized HAR,
//! and scan finds them in the original by JSON path.

use base64::Engine as _;
use serde_json::json;

use crate::util::*;

use super::*;

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
    let (code, out, err) = sanitize_har(&har_path, &safe, &[]);
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
    let (code, _, err) = sanitize_har(&har_path, &safe, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("exists already"), "{err}");
}
