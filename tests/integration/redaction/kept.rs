//! What redaction must leave alone: values that are not credentials (numbers, paths in
//! cookies, words in prose, challenges, metadata), each recorded and found as it was sent.

use std::time::Duration;

use serde_json::json;

use super::*;

/// What a recording of one exchange must still hold after redaction, and whether it loads.
struct Kept {
    name: &'static str,
    request: fn() -> Req,
    answer: fn(&Seen) -> FakeAnswer,
    /// Texts that must be in the recording, as written.
    holds: &'static [&'static str],
}

/// Redaction never corrupts what it does not need to touch: the reviewer's cases where values
/// that are not credentials were replaced (or the recorder stopped), each recorded and then
/// checked for the text it must keep; the set loads, and the recorder exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redaction_leaves_what_is_not_a_credential_as_it_was() {
    let cases = kept_cases();
    let upstream = FakeUpstream::start(|seen, _| {
        let name = seen.headers["x-case"].to_str().unwrap().to_string();
        let all = kept_cases();
        let case = all.iter().find(|case| case.name == name).unwrap();
        (case.answer)(seen)
    })
    .await;
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
    record_kept(&cases, &proxy).await;
    check_kept(&cases, proxy, recorded.path());
}

fn kept_cases() -> Vec<Kept> {
    vec![
        Kept {
            name: "numeric user fields",
            request: || Req::get("/portal/sharing/rest/stats?f=json"),
            answer: |_| json_answer(&json!({"user": 1234, "owner": 7, "items": [{"user": 99}]})),
            holds: &["\"user\": 1234", "\"owner\": 7", "\"user\": 99"],
        },
        Kept {
            name: "a cookie holding a path",
            request: || {
                Req::get("/arcgis/rest/services/Maps/info?f=json").header(
                    "Cookie",
                    "lastPage=/arcgis/rest/services; tz=America/New_York",
                )
            },
            answer: |_| {
                json_answer(
                    &json!({"timeZone": "America/New_York", "folder": "/arcgis/rest/services"}),
                )
            },
            holds: &[
                "\"path\": \"/arcgis/rest/services/Maps/info\"",
                "America/New_York",
            ],
        },
        Kept {
            name: "a word after Token: in prose",
            request: || Req::get("/portal/sharing/rest/expired?f=json"),
            answer: |_| {
                json_answer(
                    &json!({"messages": ["Token: expired"], "status": "expired", "more": "link expired"}),
                )
            },
            holds: &["\"status\": \"expired\"", "link expired"],
        },
        Kept {
            name: "Bearer in prose",
            request: || Req::get("/portal/sharing/rest/prose?f=json"),
            answer: |_| {
                json_answer(
                    &json!({"messages": ["requires Bearer authentication"], "type": "authentication"}),
                )
            },
            holds: &["\"type\": \"authentication\""],
        },
        Kept {
            name: "a WWW-Authenticate challenge",
            request: || Req::get("/portal/sharing/rest/challenge?f=json"),
            answer: |_| {
                let mut answer = json_answer(&json!({"error": {"code": 401}}));
                answer.0 = 401;
                answer.1.push((
                    "www-authenticate",
                    "Bearer realm=portal.customer.internal, error=\"invalid_token\"".into(),
                ));
                answer
            },
            holds: &["Bearer realm=portal.customer.internal"],
        },
        Kept {
            name: "a password that is a word of HTTP",
            request: || Req::get("/arcgis/admin/page?f=html&password=charset"),
            answer: |_| text("text/html; charset=utf-8", "<p>hello</p>".into()),
            holds: &["text/html; charset=utf-8"],
        },
        Kept {
            name: "an OAuth error's numeric code",
            request: || {
                Req::post(
                    "/portal/sharing/rest/oauth2/token",
                    "application/x-www-form-urlencoded",
                    "grant_type=authorization_code&code=Xy81-code-aa&client_id=a",
                )
            },
            answer: |_| json_answer(&json!({"error": {"code": 400, "error": "invalid_request"}})),
            holds: &["\"code\": 400"],
        },
        Kept {
            name: "value= exactly 300 bytes after a credential name",
            request: || Req::get("/arcgis/admin/long?f=html"),
            answer: |_| {
                text(
                    "text/html",
                    format!("<p>token{}value=\"abc\"</p>", "\n".repeat(294)),
                )
            },
            holds: &["<p>token"],
        },
        Kept {
            name: "a learned value that is the tail of a character",
            request: || {
                Req::get("/arcgis/admin/c?f=json").header("X-Auth-Token", "%A9abcdefghijklmnop1Q")
            },
            answer: |_| json_answer(&json!({"note": "©abcdefghijklmnop1Q ©"})),
            holds: &["©"],
        },
        Kept {
            name: "a number equal to a learned one-time code",
            request: || {
                Req::post(
                    "/arcgis/admin/verify2",
                    "application/x-www-form-urlencoded",
                    "otp=98765433&f=json",
                )
            },
            answer: |_| json_answer(&json!({"count": 98765433, "expires": 1795000000000u64})),
            holds: &["\"count\": 98765433", "\"expires\": 1795000000000"],
        },
        Kept {
            name: "a token answer's metadata",
            request: || {
                Req::post(
                    "/portal/sharing/rest/generateToken",
                    "application/x-www-form-urlencoded",
                    "username=svc_kept&password=Kept-pw-0001&f=json",
                )
            },
            answer: |_| {
                json_answer(
                    &json!({"token": "Kq81zXv0PLmw9RTt2aYb", "expires": 1795000000123u64,
                    "ssl": true, "tokens": {"token": "Kq81zXv0PLmw9RTt2aYb", "expires": 1795000000123u64}}),
                )
            },
            holds: &["\"expires\": 1795000000123", "\"ssl\": true"],
        },
    ]
}

async fn record_kept(cases: &[Kept], proxy: &Binary) {
    for case in cases {
        (case.request)().call(proxy, case.name).send().await;
    }
}

fn check_kept(cases: &[Kept], proxy: Binary, recorded: &std::path::Path) {
    let err = proxy.stop_within(Duration::from_secs(20));
    assert!(!err.contains("internal error"), "{err}");
    let all: String = all_files(recorded)
        .iter()
        .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    for case in cases {
        for text in case.holds {
            assert!(
                all.contains(text),
                "{}: the recording lost {text:?}:\n{all}",
                case.name
            );
        }
    }
    jobmock::fixture::FixtureSet::load(recorded)
        .unwrap_or_else(|err| panic!("{}", jobmock::error::report(&err)));
}
