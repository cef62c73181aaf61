//! Generated secrets: through the real recorder, sent in any place a client sends one and echoed
//! in any way a server does; and through the redactor alone, in any encoding.

use std::time::Duration;

use proptest::prelude::*;
use serde_json::json;

use super::*;

/// Where a generated secret travels from the client.
#[derive(Debug, Clone, Copy)]
enum Sent {
    QueryToken,
    FormPassword,
    BearerHeader,
    CredentialCookie,
    JsonBody,
    XAuthToken,
    BasicPassword,
}

/// How the upstream hands a generated secret back.
#[derive(Debug, Clone, Copy)]
enum Echoed {
    JsonMessage,
    Jsonp,
    Html,
    FormText,
    LocationFragment,
    SetCookie,
    PercentEncodedInAUrl,
}

proptest! {
    // Each case starts a recorder: a few cases, many placements.
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Through the real recorder: a generated secret sent by the client in any of the places a
    /// client sends one, and handed back by the upstream in any of the ways a server does
    /// (and issued by it under a second, unseen name), is found in no file written, in no
    /// encoding, and nowhere in what the recorder prints.
    #[test]
    fn no_generated_secret_reaches_a_written_fixture(
        secret in "[A-Za-z0-9][A-Za-z0-9+/=._~-]{7,39}",
        issued in "[A-Za-z0-9]{20,40}",
        sent in prop_oneof![
            Just(Sent::QueryToken), Just(Sent::FormPassword), Just(Sent::BearerHeader),
            Just(Sent::CredentialCookie), Just(Sent::JsonBody), Just(Sent::XAuthToken),
            Just(Sent::BasicPassword),
        ],
        echoed in prop_oneof![
            Just(Echoed::JsonMessage), Just(Echoed::Jsonp), Just(Echoed::Html),
            Just(Echoed::FormText), Just(Echoed::LocationFragment), Just(Echoed::SetCookie),
            Just(Echoed::PercentEncodedInAUrl),
        ],
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (echo, fresh) = (secret.clone(), issued.clone());
            let upstream = FakeUpstream::start(move |_, addr| {
                let encoded: String = form_urlencoded::byte_serialize(echo.as_bytes()).collect();
                let message = format!("signed in with {echo}; new token {fresh}");
                match echoed {
                    Echoed::JsonMessage => json_answer(&json!({"messages": [message], "token": fresh})),
                    Echoed::Jsonp => text("application/javascript", format!("cb({});", json!({"token": fresh, "m": message}))),
                    Echoed::Html => text("text/html", format!("<p>{message}</p><td>Token</td><td>{fresh}</td>")),
                    Echoed::FormText => text("text/plain", format!("access_token={fresh}&m={encoded}")),
                    Echoed::LocationFragment => (302, vec![("location", format!("http://{addr}/cb#access_token={fresh}&x={encoded}"))], message.into_bytes()),
                    Echoed::SetCookie => {
                        let mut answer = json_answer(&json!({"messages": [message]}));
                        answer.1.push(("set-cookie", format!("agstoken={fresh}; Path=/")));
                        answer
                    }
                    Echoed::PercentEncodedInAUrl => json_answer(&json!({
                        "url": format!("http://{addr}/x?token={encoded}&next=/c/{}", fresh),
                        "token": fresh,
                        "m": message,
                    })),
                }
            })
            .await;
            let recorded = tempfile::tempdir().unwrap();
            let proxy = Binary::record(&upstream.url(), recorded.path(), &[]);
            let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let url = proxy.url("/arcgis/admin/system/jobs/jsecret");
            let call = match sent {
                Sent::QueryToken => get(format!("{url}?f=json&token={encoded}")),
                Sent::FormPassword => post(&url).form(&format!("f=json&password={encoded}")),
                Sent::BearerHeader => get(format!("{url}?f=json"))
                    .header("Authorization", &format!("Bearer {secret}")),
                Sent::CredentialCookie => get(format!("{url}?f=json"))
                    .header("Cookie", &format!("AGS_ROLES={secret}; ui=admin")),
                Sent::JsonBody => post(&url)
                    .body("application/json", json!({"f": "json", "password": secret}).to_string().as_bytes()),
                Sent::XAuthToken => get(format!("{url}?f=json")).header("X-Auth-Token", &secret),
                Sent::BasicPassword => get(format!("{url}?f=json"))
                    .header("Authorization", &format!("Basic {}", b64(format!("svc:{secret}").as_bytes()))),
            };
            // A second request, later, uses the issued token: files written before must lose it.
            call.send().await;
            get(format!("{url}?f=json&token={issued}")).send().await;
            proxy.terminate();
            let (code, out, err) = proxy.wait(Duration::from_secs(10));
            assert!(code == Some(0), "exit {code:?}: {err}");
            assert!(!all_files(recorded.path()).is_empty(), "nothing was recorded: {err}");
            let canaries = [("generated".to_string(), secret.clone()), ("issued".to_string(), issued.clone())];
            assert_no_canary(recorded.path(), &format!("{out}{err}"), &canaries);
        });
    }

    /// The redactor alone, on many more cases: a secret learned from any carrier is gone from
    /// any text that holds it as a whole token, in any encoding.
    #[test]
    fn no_learned_secret_survives_scrubbing_in_any_encoding(
        secret in "[A-Za-z0-9][A-Za-z0-9+/=._~-]{5,39}",
        carrier in 0usize..6,
        before in "([a-z]{0,8} )?",
        after in "( [a-z]{0,8})?",
        encoding in 0usize..6,
    ) {
        use jobmock::redact::{Context, Options, Redactor};
        let mut redactor = Redactor::new(Options::default());
        let mut headers = hyper::HeaderMap::new();
        let mut params = Vec::new();
        let mut body = Vec::new();
        match carrier {
            0 => params.push(("token".to_string(), secret.clone())),
            1 => params.push(("client_secret".to_string(), secret.clone())),
            2 => { headers.insert("authorization", format!("Bearer {secret}").parse().unwrap()); }
            3 => { headers.insert("cookie", format!("esri_auth=x; JSESSIONID={secret}").parse().unwrap()); }
            4 => {
                headers.insert("content-type", "application/json".parse().unwrap());
                body = json!({"user": {"pwd": secret}}).to_string().into_bytes();
            }
            _ => { headers.insert("x-auth-token", secret.parse().unwrap()); }
        }
        redactor.learn_request("/x", &headers, &body, &params);
        let spelled = match encoding {
            0 => secret.clone(),
            1 => form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
            2 => secret.bytes().map(|b| format!("%{b:02X}")).collect(),
            3 => secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
            4 => secret.chars().map(|c| format!("&#{};", c as u32)).collect(),
            _ => secret.bytes().map(|b| format!("%25{b:02x}")).collect(),
        };
        let scrubbed = redactor.scrub_text(&format!("{before}{spelled}{after}"), Context::default());
        prop_assert!(!scrubbed.contains(&spelled), "{} in {}", spelled, scrubbed);
        prop_assert!(!scrubbed.contains(&secret), "{} in {}", secret, scrubbed);
        let mut document = json!({"a": format!("{before}{spelled}{after}"), "b": [secret.clone()]});
        redactor.scrub_json(&mut document, Context::default());
        let written = document.to_string();
        prop_assert!(!written.contains(&secret), "{}", written);
    }
}
