//! Tokens with a lifetime: replay as the token service (`generateToken` of the Portal and of
//! the admin API), tokens that expire with their lifetime or at a scripted poll, the "Token
//! Expired." answer in each API's shape, and the resources a Portal serves to anyone.

use serde_json::{Value, json};

use crate::util::*;
use jobmock::replay::tokens::User;
use jobmock::replay::{Auth, Options};

fn with_users(lifetime: Option<std::time::Duration>, speed: f64) -> Options {
    Options {
        auth: Auth {
            users: vec![User {
                username: "admin".into(),
                password: "test-pass".into(),
            }],
            lifetime,
            ..Auth::default()
        },
        speed,
        ..Options::default()
    }
}

async fn generate(server: &TestServer, path: &str, form: &str) -> Value {
    post(server.url(path)).form(form).send().await.json()
}

/// generateToken answers as the real services do: the Portal's with `expires` a number (epoch
/// milliseconds) and `ssl`, the admin API's with `expires` a string; the lifetime asked for is
/// kept (and played at --speed); wrong or missing credentials get each API's refusal; the
/// password never reaches the journal.
#[tokio::test]
async fn generate_token_issues_tokens_for_known_users_only() {
    let server = TestServer::start_with(&shipped_fixtures(), with_users(None, 60.0)).await;
    let before = now_ms();
    let portal = generate(
        &server,
        "/portal/sharing/rest/generateToken",
        "username=admin&password=test-pass&expiration=1&f=json",
    )
    .await;
    let token = portal["token"].as_str().unwrap().to_string();
    let expires = portal["expires"].as_i64().unwrap();
    // One minute at --speed 60 is one second.
    assert!((before + 500..before + 3000).contains(&expires), "{portal}");
    assert_eq!(portal["ssl"], false);

    let admin = generate(
        &server,
        "/notebookserver/admin/generateToken",
        "username=admin&password=test-pass&f=json",
    )
    .await;
    assert!(admin["expires"].is_string(), "{admin}");
    assert_ne!(admin["token"], portal["token"], "every token is new");

    let wrong = generate(
        &server,
        "/portal/sharing/rest/generateToken",
        "username=admin&password=nope&f=json",
    )
    .await;
    assert_eq!(wrong["error"]["code"], 400, "{wrong}");
    let wrong_admin = generate(&server, "/arcgis/admin/generateToken", "f=json").await;
    assert_eq!(wrong_admin["status"], "error", "{wrong_admin}");
    assert_eq!(wrong_admin["code"], 400);

    let journal = get(server.url("/__jobmock/requests")).send().await;
    assert!(!journal.body.contains("test-pass"), "{}", journal.body);
    assert!(!journal.body.contains(&token), "{}", journal.body);
    assert_eq!(journal.json()["requests"][0]["servedBy"], "tokenService");
    assert_eq!(
        journal.json()["requests"][0]["params"]["password"],
        "REDACTED"
    );
}

/// A token past its lifetime gets "Token Expired." (498), in the admin API's shape on a job and
/// the Portal's under /sharing/; a fresh token works; no token is "Token Required." (499) but
/// where a real Portal answers anyone; a token never issued is "Invalid token.".
#[tokio::test]
async fn expired_tokens_get_token_expired_in_the_shape_of_their_api() {
    let server = TestServer::start_with(
        &shipped_fixtures(),
        with_users(Some(std::time::Duration::ZERO), 1.0),
    )
    .await;
    let token = generate(
        &server,
        "/portal/sharing/rest/generateToken",
        "username=admin&password=test-pass&f=json",
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    let job = server.job_url(OPEN_JOB, "?f=json");
    let expired = get(format!("{job}&token={token}")).send().await.json();
    assert_eq!(
        expired,
        json!({"status": "error", "messages": ["Token Expired."], "code": 498})
    );
    let portal = get(server.url("/portal/sharing/rest/community/self?f=json"))
        .header("X-Esri-Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .json();
    assert_eq!(portal["error"]["code"], 498, "{portal}");
    assert_eq!(portal["error"]["message"], "Token Expired.");

    let missing = get(&job).send().await.json();
    assert_eq!(missing["code"], 499);
    let unknown = get(format!("{job}&token=never-issued")).send().await.json();
    assert_eq!(unknown["messages"][0], "Invalid token.");
    for anonymous in [
        "/portal/sharing/rest/info?f=json",
        "/portal/sharing/rest/portals/self?f=json",
    ] {
        let answer = get(server.url(anonymous)).send().await;
        assert!(
            !answer.body.contains("\"code\":499"),
            "{anonymous}: {}",
            answer.body
        );
    }
}

/// `"expireToken": true` on a step: the token the client polled with expires once that step is
/// served (the first time in the session); the next poll gets "Token Expired."; a new token
/// goes on with the job; a step holding for several polls does not expire each new token;
/// `POST /__jobmock/reset` brings expired `--token` tokens back.
#[tokio::test]
async fn a_script_expires_the_token_in_the_middle_of_a_job() {
    let fixtures = FixtureDir::new();
    fixtures
        .job(
            "jlong",
            &["SUBMITTED", "PROCESSING", "PROCESSING", "COMPLETED"],
        )
        .file(
            "jobs/jlong/script.json",
            r#"{"steps": {"002.json": {"expireToken": true, "polls": 2}}}"#,
        );
    let mut options = with_users(None, 1.0);
    options.auth.tokens = vec!["static-token".into()];
    let server = TestServer::start_with(fixtures.path(), options).await;
    let new_token = || async {
        generate(
            &server,
            "/portal/sharing/rest/generateToken",
            "username=admin&password=test-pass&f=json",
        )
        .await["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let poll = |token: String| {
        let url = server.job_url("jlong", "?f=json");
        async move {
            get(url)
                .header("X-Esri-Authorization", &format!("Bearer {token}"))
                .send()
                .await
                .json()
        }
    };
    let first = new_token().await;
    assert_eq!(poll(first.clone()).await["status"], "SUBMITTED");
    assert_eq!(poll(first.clone()).await["status"], "PROCESSING");
    assert_eq!(poll(first.clone()).await["messages"][0], "Token Expired.");
    let second = new_token().await;
    assert_eq!(
        poll(second.clone()).await["status"],
        "PROCESSING",
        "held: not expired again"
    );
    assert_eq!(poll(second.clone()).await["status"], "PROCESSING");
    assert_eq!(poll(second.clone()).await["status"], "COMPLETED");
    assert_eq!(
        poll(first).await["code"],
        498,
        "an expired token stays expired"
    );

    // A --token token expires the same way, and reset brings it back.
    let other = get(server.job_url("jlong", "?f=json&token=static-token"))
        .session("s2")
        .send()
        .await;
    assert_eq!(other.json()["status"], "SUBMITTED");
    for _ in 0..2 {
        get(server.job_url("jlong", "?f=json&token=static-token"))
            .session("s2")
            .send()
            .await;
    }
    let after = get(server.job_url("jlong", "?f=json&token=static-token"))
        .session("s2")
        .send()
        .await
        .json();
    assert_eq!(after["messages"][0], "Token Expired.", "{after}");
    post(server.url("/__jobmock/reset")).send().await;
    let again = get(server.job_url("jlong", "?f=json&token=static-token"))
        .session("s2")
        .send()
        .await
        .json();
    assert_eq!(again["status"], "SUBMITTED", "{again}");
}

/// Users come from the command line and from the set's users.json; a broken users.json stops
/// the start with its place; a bad --user is refused without printing the password.
#[tokio::test]
async fn users_come_from_the_command_line_and_the_set() {
    let fixtures = FixtureDir::new();
    fixtures.job("j1", &["COMPLETED"]).file(
        "users.json",
        r#"{"users": [{"username": "analyst", "password": "set-pass"}]}"#,
    );
    let server = Binary::replay(fixtures.path(), &["--user", "admin:cli-pass"]);
    for (user, password) in [("analyst", "set-pass"), ("admin", "cli-pass")] {
        let answer = post(server.url("/portal/sharing/rest/generateToken"))
            .form(&format!("username={user}&password={password}&f=json"))
            .send()
            .await
            .json();
        assert!(answer["token"].is_string(), "{user}: {answer}");
    }
    drop(server);

    fixtures.file("users.json", r#"{"users": [{"username": "x"}]}"#);
    let err = replay_refuses(fixtures.path(), &[]);
    assert!(err.contains("users.json:1:"), "{err}");
    assert!(err.contains("password"), "{err}");

    // A users.json that is a link is refused, as server.json is: its target could be any file
    // (a password file outside the set), and nothing of it is printed.
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("passwords");
    std::fs::write(&secret, "root:hunter2-outside-the-set\n").unwrap();
    std::fs::remove_file(fixtures.path().join("users.json")).unwrap();
    std::os::unix::fs::symlink(&secret, fixtures.path().join("users.json")).unwrap();
    let err = replay_refuses(fixtures.path(), &[]);
    assert!(err.contains("users.json: is not a plain file"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    std::fs::remove_file(fixtures.path().join("users.json")).unwrap();

    let (code, _, err) = run_binary(&["replay", "--user", "nocolon-secret-pw"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("NAME:PASSWORD"), "{err}");
}
