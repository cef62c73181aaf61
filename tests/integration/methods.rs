//! GET and POST alike, as ArcGIS takes them: an exchange recorded for one method answers a
//! request of the other (its parameters in the query or in a form body), unless its rule asks
//! for its method exactly; recordings made by either method replay for clients of the other.

use serde_json::Value;

use crate::util::*;

/// The answer's ArcGIS error code (the admin API answers errors with HTTP 200), or its status.
fn code(answer: &Answer) -> u64 {
    serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|body| body["code"].as_u64())
        .unwrap_or(u64::from(answer.status.as_u16()))
}

fn set() -> FixtureDir {
    let fixtures = FixtureDir::new();
    fixtures
        .file(
            "exchanges/GET-user/request.json",
            r#"{"method":"GET","path":"/portal/sharing/rest/community/users/user-1","params":{"f":"json"}}"#,
        )
        .file("exchanges/GET-user/001.json", r#"{"username":"user-1","id":"u1"}"#)
        .file(
            "exchanges/POST-search/request.json",
            r#"{"method":"POST","path":"/portal/sharing/rest/search","params":{"q":"owner:user-1"}}"#,
        )
        .file("exchanges/POST-search/001.json", r#"{"total":0,"results":[]}"#)
        .file(
            "exchanges/POST-exact/request.json",
            r#"{"method":"POST","path":"/portal/sharing/rest/content/users/user-1/addItem","exactMethod":true}"#,
        )
        .file("exchanges/POST-exact/001.json", r#"{"success":true,"id":"i1"}"#);
    fixtures
}

#[tokio::test]
async fn an_exchange_recorded_for_get_answers_post_and_the_other_way_round() {
    let fixtures = set();
    let server = TestServer::start(fixtures.path()).await;
    let user = "/portal/sharing/rest/community/users/user-1";

    // As recorded, and by POST with its parameters in a form body (arcgis 2.4.1).
    let got = get(server.url(&format!("{user}?f=json"))).send().await;
    assert_eq!(got.status, 200, "{}", got.body);
    let posted = post(server.url(user)).form("f=json").send().await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(posted.body, got.body);
    // A parameter the rule lists must still be there, wherever it travels.
    let without = post(server.url(user)).form("f=pjson").send().await;
    assert_eq!(code(&without), 404, "{}", without.body);

    // Recorded by POST, asked by GET with the parameter in the query.
    let search = get(server.url("/portal/sharing/rest/search?q=owner%3Auser-1&f=json"))
        .send()
        .await;
    assert_eq!(search.status, 200, "{}", search.body);
    assert!(search.body.contains("\"total\":0"), "{}", search.body);
}

#[tokio::test]
async fn an_exchange_that_asks_for_its_method_exactly_names_the_method_when_missed() {
    let fixtures = set();
    let server = TestServer::start(fixtures.path()).await;
    let add = "/portal/sharing/rest/content/users/user-1/addItem";
    let posted = post(server.url(add)).form("f=json").send().await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let got = get(server.url(&format!("{add}?f=json"))).send().await;
    assert_eq!(code(&got), 404, "{}", got.body);
    assert!(
        got.body.contains("method GET here, POST in the recording")
            && got.body.contains("exactMethod"),
        "the near miss names the method and why: {}",
        got.body
    );
    let journal = get(server.url("/__jobmock/requests?unmatched=true"))
        .send()
        .await
        .json();
    let differences = &journal["requests"][0]["nearMiss"]["differences"];
    assert_eq!(differences[0]["what"], "method", "{differences}");
}

/// The cancel operation is POST only on the server: a recorded POST cancel never answers a GET.
#[tokio::test]
async fn a_post_only_operation_is_never_answered_by_get() {
    let fixtures = FixtureDir::new();
    fixtures
        .job("jone", &["SUBMITTED", "PROCESSING"])
        .file(
            "exchanges/POST-cancel/request.json",
            r#"{"method":"POST","path":"/arcgis/admin/system/jobs/jone/cancel"}"#,
        )
        .file("exchanges/POST-cancel/001.json", r#"{"status":"success"}"#);
    let server = TestServer::start(fixtures.path()).await;
    let got = get(server.url("/arcgis/admin/system/jobs/jone/cancel?f=json"))
        .send()
        .await;
    assert_eq!(code(&got), 405, "{}", got.body);
    let posted = post(server.url("/arcgis/admin/system/jobs/jone/cancel"))
        .form("f=json")
        .send()
        .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
}

/// A recording made by POST (as arcgis 2.4.1 asks) replays for a GET client (2.4.4), and one
/// made by GET for a POST client, through the real recorder and replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_made_with_one_method_replays_for_the_other() {
    let upstream = FakeUpstream::start(|seen, _| {
        json_answer(&serde_json::json!({"path": seen.path, "currentVersion": "2024.1"}))
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    post(proxy.url("/portal/sharing/rest"))
        .form("f=json")
        .send()
        .await;
    get(proxy.url("/portal/sharing/rest/portals/self?f=json"))
        .send()
        .await;
    proxy.stop();

    let server = TestServer::start(recorded.path()).await;
    let root = get(server.url("/portal/sharing/rest?f=json")).send().await;
    assert_eq!(root.status, 200, "{}", root.body);
    assert!(root.body.contains("currentVersion"), "{}", root.body);
    let portal = post(server.url("/portal/sharing/rest/portals/self"))
        .form("f=json")
        .send()
        .await;
    assert_eq!(portal.status, 200, "{}", portal.body);
}

/// Clients differ in whether they ask the Portal's sharing root: a set recorded without it
/// answers it from its own recorded Portal version, by GET and POST, with or without the
/// slash; a set with no Portal answers at all does not invent one.
#[tokio::test]
async fn the_sharing_root_is_answered_from_the_sets_portal_version() {
    let fixtures = FixtureDir::new();
    fixtures
        .file(
            "exchanges/GET-info/request.json",
            r#"{"method":"GET","path":"/portal/sharing/rest/info","params":{"f":"json"}}"#,
        )
        .file(
            "exchanges/GET-info/001.json",
            r#"{"owningSystemUrl":"{{origin}}/portal","currentVersion":"2023.1","fullVersion":"11.1.0"}"#,
        );
    let server = TestServer::start(fixtures.path()).await;
    for answer in [
        get(server.url("/portal/sharing/rest?f=json")).send().await,
        post(server.url("/portal/sharing/rest/"))
            .form("f=json")
            .send()
            .await,
    ] {
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.json()["currentVersion"], "2023.1", "{}", answer.body);
    }
    let entries = get(server.url("/__jobmock/requests")).send().await.json();
    assert_eq!(
        entries["requests"][0]["servedBy"], "portalRoot",
        "{entries}"
    );

    let empty = FixtureDir::new();
    empty.job("jone", &["SUBMITTED"]);
    let server = TestServer::start(empty.path()).await;
    let answer = get(server.url("/portal/sharing/rest?f=json")).send().await;
    assert_eq!(code(&answer), 404, "{}", answer.body);
}
