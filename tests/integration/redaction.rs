//! What a recording must never hold: credentials in any form a client sends or a server issues
//! them, and personal data. The canary suite sends each case through the real recorder to an
//! upstream that issues and echoes secrets, then searches every byte written and printed for
//! every canary in every encoding; the properties do the same for generated secrets.
//!
//! To add a case: add a [`Case`] to [`cases`] with its requests and its upstream's answer.
//! Canaries are the case's numbered secrets ([`Case::secrets`]) and its literal `personal`
//! values; each answer must carry `case-<name>`, so the suite knows the case was recorded.

use std::time::Duration;

use base64::Engine as _;
use proptest::prelude::*;
use serde_json::json;

use crate::util::*;

/// A request of a case.
struct Req {
    method: &'static str,
    target: String,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

impl Req {
    fn get(target: impl Into<String>) -> Req {
        Req {
            method: "GET",
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn post(
        target: impl Into<String>,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Req {
        Req {
            method: "POST",
            target: target.into(),
            headers: Vec::new(),
            body: Some((content_type, body.into())),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Req {
        self.headers.push((name, value.into()));
        self
    }

    /// The request sent through `proxy`, saying which case it belongs to (`X-Case`, by which
    /// the upstream answers).
    fn call(&self, proxy: &Binary, case: &str) -> Call {
        let mut call =
            Call::new(self.method.parse().unwrap(), proxy.url(&self.target)).header("X-Case", case);
        for (name, value) in &self.headers {
            call = call.header(name, value);
        }
        if let Some((content_type, body)) = &self.body {
            call = call.body(content_type, body);
        }
        call
    }
}

/// One way secrets reach the recorder.
struct Case {
    name: &'static str,
    /// How many numbered secrets the case uses: `secrets[i]`, distinct per case.
    secrets: usize,
    /// Values that are personal data rather than secrets, also never to be written.
    personal: &'static [&'static str],
    /// The client's requests, given the case's secrets.
    requests: fn(&[String]) -> Vec<Req>,
    /// The upstream's answer to one of them.
    answer: fn(&Seen, &[String]) -> FakeAnswer,
}

fn json_with(case: &str, mut body: serde_json::Value) -> FakeAnswer {
    body["case"] = json!(format!("case-{case}"));
    json_answer(&body)
}

fn text(content_type: &str, body: String) -> FakeAnswer {
    (
        200,
        vec![("content-type", content_type.to_string())],
        body.into_bytes(),
    )
}

fn seen_query(seen: &Seen) -> String {
    seen.query.clone().unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "query-parameters",
            secrets: 5,
            personal: &[],
            requests: |s| {
                vec![Req::get(format!(
                    "/arcgis/admin/info?f=json&pwd={}&otp={}&accessToken={}&apiKey={}&passwd={}",
                    s[0], s[1], s[2], s[3], s[4]
                ))]
            },
            answer: |seen, _| {
                json_with("query-parameters", json!({"messages": [seen_query(seen)]}))
            },
        },
        Case {
            name: "x-auth-token",
            secrets: 1,
            personal: &[],
            requests: |s| {
                vec![Req::get("/arcgis/admin/machines?f=json").header("X-Auth-Token", &s[0])]
            },
            answer: |seen, _| {
                let echoed = seen.headers["x-auth-token"].to_str().unwrap().to_string();
                json_with(
                    "x-auth-token",
                    json!({"messages": [format!("authenticated with {echoed}")]}),
                )
            },
        },
        Case {
            name: "json-request-body",
            secrets: 3,
            personal: &[],
            requests: |s| {
                let body =
                    json!({"password": s[0], "token": s[1], "client_secret": s[2], "f": "json"});
                vec![Req::post(
                    "/arcgis/admin/login",
                    "application/json",
                    body.to_string(),
                )]
            },
            answer: |seen, _| {
                let echo = String::from_utf8_lossy(&seen.body).into_owned();
                json_with("json-request-body", json!({"received": echo}))
            },
        },
        Case {
            name: "multipart-request-body",
            secrets: 2,
            personal: &[],
            requests: |s| {
                let body = format!(
                    "--B0und\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n{}\r\n\
                     --B0und\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n{}\r\n\
                     --B0und\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\njson\r\n--B0und--\r\n",
                    s[0], s[1]
                );
                vec![Req::post(
                    "/portal/sharing/rest/content/users/x/addItem",
                    "multipart/form-data; boundary=B0und",
                    body,
                )]
            },
            answer: |seen, _| {
                let echo = String::from_utf8_lossy(&seen.body).into_owned();
                text("text/plain", format!("case-multipart-request-body\n{echo}"))
            },
        },
        Case {
            name: "basic-auth-echoed-decoded",
            secrets: 1,
            personal: &["basicuser7"],
            requests: |s| {
                let credentials = b64(format!("basicuser7:{}", s[0]).as_bytes());
                vec![
                    Req::get("/arcgis/admin/?f=json")
                        .header("Authorization", format!("Basic {credentials}")),
                ]
            },
            answer: |seen, _| {
                let header = seen.headers["authorization"].to_str().unwrap().to_string();
                let encoded = header.trim_start_matches("Basic ");
                let decoded = String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .unwrap(),
                )
                .unwrap();
                json_with(
                    "basic-auth-echoed-decoded",
                    json!({"messages": [format!("you sent {decoded}"), format!("as {header}")]}),
                )
            },
        },
        Case {
            name: "generate-token-jsonp",
            secrets: 2,
            personal: &[],
            requests: |s| {
                vec![Req::post(
                    "/portal/sharing/rest/generateToken",
                    "application/x-www-form-urlencoded",
                    format!("username=svc&password={}&callback=dojo_cb3&f=json", s[0]),
                )]
            },
            answer: |_, s| {
                text(
                    "application/javascript",
                    format!(
                        "/**/dojo_cb3({{\"token\":\"{}\",\"expires\":1,\"ssl\":true,\"case\":\"case-generate-token-jsonp\"}});",
                        s[1]
                    ),
                )
            },
        },
        Case {
            name: "generate-token-html",
            secrets: 1,
            personal: &[],
            requests: |_| vec![Req::get("/arcgis/tokens/generateToken?f=html")],
            answer: |_, s| {
                text(
                    "text/html",
                    format!(
                        "<html><body><p>case-generate-token-html</p><table><tr><td>Token:</td><td>{}</td></tr>\
                         <tr><td>Expires:</td><td>1700000000000</td></tr></table></body></html>",
                        s[0]
                    ),
                )
            },
        },
        Case {
            name: "json-behind-a-byte-order-mark",
            secrets: 1,
            personal: &[],
            requests: |_| vec![Req::get("/portal/sharing/rest/generateToken?f=json")],
            answer: |_, s| {
                let mut body = b"\xef\xbb\xbf".to_vec();
                body.extend(
                    json!({"token": s[0], "expires": 1, "case": "case-json-behind-a-byte-order-mark"})
                        .to_string()
                        .into_bytes(),
                );
                (200, vec![("content-type", "application/json".into())], body)
            },
        },
        Case {
            name: "form-encoded-token-answer",
            secrets: 2,
            personal: &[],
            requests: |_| vec![Req::get("/portal/sharing/rest/oauth2/platformSelf?f=text")],
            answer: |_, s| {
                text(
                    "text/plain",
                    format!(
                        "access_token={}&token_type=bearer&refresh_token={}&note=case-form-encoded-token-answer",
                        s[0], s[1]
                    ),
                )
            },
        },
        Case {
            name: "oauth-implicit-redirect",
            secrets: 1,
            personal: &[],
            requests: |_| {
                vec![Req::get(
                    "/portal/sharing/rest/oauth2/authorize?client_id=app1&response_type=token&redirect_uri=https://app.example.com/cb",
                )]
            },
            answer: |_, s| {
                (
                    302,
                    vec![(
                        "location",
                        format!(
                            "https://app.example.com/cb#access_token={}&expires_in=7200",
                            s[0]
                        ),
                    )],
                    b"case-oauth-implicit-redirect".to_vec(),
                )
            },
        },
        Case {
            name: "oauth-code-flow",
            secrets: 4,
            personal: &[],
            requests: |s| {
                vec![
                    Req::get(
                        "/portal/sharing/rest/oauth2/authorize?client_id=app1&response_type=code&redirect_uri=https://app.example.com/cb",
                    ),
                    Req::post(
                        "/portal/sharing/rest/oauth2/token",
                        "application/x-www-form-urlencoded",
                        format!(
                            "client_id=app1&client_secret={}&grant_type=authorization_code&code={}&redirect_uri=https://app.example.com/cb",
                            s[1], s[0]
                        ),
                    ),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("/authorize") {
                    (
                        302,
                        vec![(
                            "location",
                            format!("https://app.example.com/cb?code={}&state=xyz", s[0]),
                        )],
                        b"case-oauth-code-flow".to_vec(),
                    )
                } else {
                    json_with(
                        "oauth-code-flow",
                        json!({"access_token": s[2], "refresh_token": s[3], "expires_in": 1800}),
                    )
                }
            },
        },
        Case {
            name: "cookies-issued-and-sent",
            secrets: 2,
            personal: &[],
            requests: |s| {
                let esri_auth: String = form_urlencoded::byte_serialize(
                    json!({"token": s[1], "expires": 1}).to_string().as_bytes(),
                )
                .collect();
                vec![
                    Req::get("/portal/sharing/rest/info?f=json"),
                    Req::get("/portal/sharing/rest/portals/self?f=json")
                        .header("Cookie", format!("esri_auth={esri_auth}; ui=admin")),
                ]
            },
            answer: |seen, s| {
                let cookie = seen
                    .headers
                    .get("cookie")
                    .map(|v| v.to_str().unwrap().to_string());
                let mut answer = json_with(
                    "cookies-issued-and-sent",
                    json!({"messages": [format!("session {} started", s[0]), cookie]}),
                );
                answer.1.push((
                    "set-cookie",
                    format!("AGS_ROLES={}; Path=/; HttpOnly", s[0]),
                ));
                answer
            },
        },
        Case {
            name: "token-percent-encoded-in-a-path",
            secrets: 1,
            personal: &[],
            requests: |s| {
                let encoded = s[0].replacen('_', "%5F", 1);
                vec![
                    Req::get("/portal/sharing/rest/community/self?f=json")
                        .header("X-Esri-Authorization", format!("Bearer {}", s[0])),
                    Req::get(format!(
                        "/portal/sharing/rest/content/items/{encoded}/data?f=json"
                    )),
                ]
            },
            answer: |seen, _| {
                json_with(
                    "token-percent-encoded-in-a-path",
                    json!({"path": seen.path}),
                )
            },
        },
        Case {
            name: "secret-learned-after-it-was-written",
            secrets: 1,
            personal: &[],
            requests: |s| {
                vec![
                    Req::get("/arcgis/admin/notes?f=json"),
                    Req::get(format!("/arcgis/admin/other?f=json&token={}", s[0])),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("/notes") {
                    json_with(
                        "secret-learned-after-it-was-written",
                        json!({"messages": [format!("the key of the day is {}", s[0])]}),
                    )
                } else {
                    json_with("secret-learned-after-it-was-written", json!({"ok": true}))
                }
            },
        },
        Case {
            name: "url-user-information",
            secrets: 1,
            personal: &[],
            requests: |_| vec![Req::get("/arcgis/admin/services?f=json")],
            answer: |_, s| {
                json_with(
                    "url-user-information",
                    json!({"serviceUrl": format!("https://svc:{}@gis.example.com/arcgis", s[0])}),
                )
            },
        },
        Case {
            name: "jwt-in-free-text",
            secrets: 1,
            personal: &[],
            requests: |_| vec![Req::get("/arcgis/admin/jwt?f=json")],
            answer: |_, s| {
                let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                let jwt = format!(
                    "eyJhbGciOiJIUzI1NiJ9.{}.{}",
                    url_safe.encode(json!({"sub": s[0]}).to_string()),
                    url_safe.encode(b"not-a-real-signature")
                );
                json_with(
                    "jwt-in-free-text",
                    json!({"messages": [format!("issued {jwt} for you")]}),
                )
            },
        },
        Case {
            name: "escaped-echoes",
            secrets: 1,
            personal: &[],
            requests: |s| {
                vec![Req::get(format!(
                    "/arcgis/admin/echo?f=json&token={}",
                    s[0]
                ))]
            },
            answer: |_, s| {
                let escaped: String = s[0]
                    .chars()
                    .map(|c| format!("\\u{:04x}", c as u32))
                    .collect();
                let twice: String = s[0].bytes().map(|b| format!("%25{b:02X}")).collect();
                let entities: String = s[0].chars().map(|c| format!("&#{};", c as u32)).collect();
                let body = format!(
                    "{{\"case\":\"case-escaped-echoes\",\"note\":\"a{escaped}b\",\"url\":\"/x?y={twice}\",\"html\":\"<b>{entities}</b>\",\"raw\":\"{{\\\"k\\\": \\\"{escaped}\\\"}}\"}}"
                );
                text("text/plain", body)
            },
        },
        Case {
            name: "base64-echo",
            secrets: 1,
            personal: &[],
            requests: |s| {
                vec![Req::get(format!(
                    "/arcgis/admin/state?f=json&token={}",
                    s[0]
                ))]
            },
            answer: |_, s| {
                let state = b64(json!({"t": s[0], "n": 1}).to_string().as_bytes());
                json_with(
                    "base64-echo",
                    json!({"state": state, "also": format!("x{state}y")}),
                )
            },
        },
        Case {
            name: "redact-value-pattern",
            secrets: 0,
            personal: &["ACME-31415926"],
            requests: |_| vec![Req::get("/arcgis/admin/licence?f=json")],
            answer: |_, _| {
                json_with(
                    "redact-value-pattern",
                    json!({"messages": ["licensed as ACME-31415926"]}),
                )
            },
        },
        Case {
            name: "job-polls-with-a-query-token",
            secrets: 1,
            personal: &[],
            requests: |s| {
                (0..3)
                    .map(|_| {
                        Req::get(format!(
                            "/arcgis/admin/system/jobs/jcanary1?f=json&token={}",
                            s[0]
                        ))
                    })
                    .collect()
            },
            answer: |seen, s| {
                json_with(
                    "job-polls-with-a-query-token",
                    json!({
                        "jobId": "jcanary1",
                        "type": "executeNotebook",
                        "status": "PROCESSING",
                        "jobUrl": format!("https://nb.example.com/arcgis/admin/system/jobs/jcanary1?token={}", s[0]),
                        "messages": [seen_query(seen)],
                    }),
                )
            },
        },
        Case {
            name: "personal-data",
            secrets: 0,
            personal: &[
                "jane.doe",
                "jane.doe@customer.com",
                "Jane Doe",
                "Jane",
                "Doe",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/community/self?f=json"),
                    Req::get("/portal/sharing/rest/content/users/jane.doe/items?f=json"),
                    Req::get("/arcgis/admin/system/jobs/jpersonal1?f=json"),
                ]
            },
            answer: |seen, _| {
                if seen.path.ends_with("/community/self") {
                    json_with(
                        "personal-data",
                        json!({"username": "jane.doe", "email": "jane.doe@customer.com",
                               "fullName": "Jane Doe", "firstName": "Jane", "lastName": "Doe"}),
                    )
                } else if seen.path.contains("/jobs/") {
                    json_with(
                        "personal-data",
                        json!({"jobId": "jpersonal1", "type": "executeNotebook", "status": "FAILED",
                               "username": "jane.doe",
                               "messages": ["contact jane.doe@customer.com about /data/jane.doe/nb.ipynb, Jane"]}),
                    )
                } else {
                    json_with(
                        "personal-data",
                        json!({"items": [{"owner": "jane.doe", "url": "https://h.example.com/data/jane.doe/nb.ipynb"}]}),
                    )
                }
            },
        },
        Case {
            name: "bracketed-and-uncommon-parameter-names",
            secrets: 8,
            personal: &["rails.user@customer.com"],
            requests: |s| {
                vec![Req::post(
                    format!(
                        "/arcgis/admin/signin?pass={}&session_key={}&auth_key={}&key={}&pw={}&jwt={}&ticket={}",
                        s[1], s[2], s[3], s[4], s[5], s[6], s[7]
                    ),
                    "application/x-www-form-urlencoded",
                    format!(
                        "user%5Bemail%5D=rails.user%40customer.com&user%5Bpassword%5D={}",
                        s[0]
                    ),
                )]
            },
            answer: |seen, _| {
                json_with(
                    "bracketed-and-uncommon-parameter-names",
                    json!({"query": seen_query(seen), "body": String::from_utf8_lossy(&seen.body)}),
                )
            },
        },
        Case {
            name: "credential-containers",
            secrets: 3,
            personal: &[],
            requests: |_| vec![Req::get("/arcgis/admin/containers?f=json")],
            answer: |_, s| {
                json_with(
                    "credential-containers",
                    json!({"tokens": [s[0]], "token": {"value": s[1]}, "credentials": {"key": s[2]},
                           "echo": format!("{} {} {}", s[0], s[1], s[2])}),
                )
            },
        },
        Case {
            name: "markup-and-code",
            secrets: 6,
            personal: &[],
            requests: |_| vec![Req::get("/arcgis/admin/page?f=html")],
            answer: |_, s| {
                text(
                    "text/html",
                    format!(
                        "<p>case-markup-and-code</p><auth><token>{}</token><password>{}</password></auth>\
                         <script>var c = {{token:\"{}\"}}; localStorage.setItem(\"token\", \"{}\");</script>\
                         <input name=\"token\" type=\"hidden\" value=\"{}\"><input value=\"{}\" name=\"csrf_token\">",
                        s[0], s[1], s[2], s[3], s[4], s[5]
                    ),
                )
            },
        },
        Case {
            name: "learned-values-in-json-keys",
            secrets: 1,
            personal: &["kpatel_gis", "kpatel@customer.com"],
            requests: |s| {
                vec![
                    Req::get("/portal/sharing/rest/community/self?f=json")
                        .header("X-Auth-Token", &s[0]),
                    Req::get("/portal/sharing/rest/groups?f=json"),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("/self") {
                    json_with(
                        "learned-values-in-json-keys",
                        json!({"username": "kpatel_gis", "email": "kpatel@customer.com"}),
                    )
                } else {
                    let mut members = serde_json::Map::new();
                    members.insert("kpatel_gis".into(), json!(1));
                    members.insert("kpatel@customer.com".into(), json!(2));
                    let mut sessions = serde_json::Map::new();
                    sessions.insert(s[0].clone(), json!({"open": true}));
                    json_with(
                        "learned-values-in-json-keys",
                        json!({"members": members, "sessions": sessions}),
                    )
                }
            },
        },
        Case {
            name: "nested-encodings",
            secrets: 1,
            personal: &["jrivera@customer.com"],
            requests: |s| {
                vec![
                    Req::get(format!("/arcgis/admin/nest?f=json&token={}", s[0])),
                    Req::get("/portal/sharing/rest/community/users/jrivera?f=json"),
                ]
            },
            answer: |seen, s| {
                if seen.path.contains("/users/") {
                    return json_with(
                        "nested-encodings",
                        json!({"username": "jrivera", "email": "jrivera@customer.com"}),
                    );
                }
                // JSON-escaped, then percent-encoded; and an e-mail inside base64.
                let escaped: String = s[0]
                    .chars()
                    .map(|c| format!("\\u{:04x}", c as u32))
                    .collect();
                let state: String =
                    form_urlencoded::byte_serialize(format!("{{\"t\":\"{escaped}\"}}").as_bytes())
                        .collect();
                let mut answer = json_with(
                    "nested-encodings",
                    json!({"who": b64(br#"{"email":"jrivera@customer.com"}"#)}),
                );
                answer.1.push((
                    "location",
                    format!("https://app.example.com/cb?state={state}"),
                ));
                answer.0 = 302;
                answer
            },
        },
        Case {
            name: "html-named-references",
            secrets: 0,
            personal: &["Pässwörd-Überall-2024"],
            requests: |_| {
                vec![Req::get(
                    "/arcgis/admin/umlaut?f=json&password=P%C3%A4ssw%C3%B6rd-%C3%9Cberall-2024",
                )]
            },
            answer: |_, _| {
                text(
                    "text/html",
                    "<p>case-html-named-references P&auml;ssw&ouml;rd-&Uuml;berall-2024</p>"
                        .to_string(),
                )
            },
        },
        Case {
            name: "a-token-that-starts-with-redacted",
            secrets: 0,
            personal: &["REDACTEDbutReal-77aa88bb"],
            requests: |_| {
                vec![Req::get(
                    "/arcgis/admin/r?f=json&token=REDACTEDbutReal-77aa88bb",
                )]
            },
            answer: |seen, _| {
                json_with(
                    "a-token-that-starts-with-redacted",
                    json!({"echo": seen_query(seen)}),
                )
            },
        },
        Case {
            name: "usernames-in-any-case-and-name-parts",
            secrets: 0,
            personal: &[
                "MGarcia_GIS",
                "mgarcia_gis",
                "MGARCIA_GIS",
                "Maria Garcia",
                "GARCIA, MARIA",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/portals/self?f=json"),
                    Req::get("/portal/sharing/rest/content/users/mgarcia_gis/items?f=json"),
                    Req::get("/portal/sharing/rest/community/users/MGARCIA_GIS?f=json"),
                ]
            },
            answer: |seen, _| {
                if seen.path.ends_with("/portals/self") {
                    json_with(
                        "usernames-in-any-case-and-name-parts",
                        json!({"user": {"username": "MGarcia_GIS", "fullName": "Maria Garcia"}}),
                    )
                } else {
                    json_with(
                        "usernames-in-any-case-and-name-parts",
                        json!({"messages": ["Hello Maria", "GARCIA, MARIA", seen.path]}),
                    )
                }
            },
        },
        Case {
            name: "csv-export",
            secrets: 1,
            personal: &["tnguyen", "tnguyen@customer.com"],
            requests: |_| vec![Req::get("/portal/sharing/rest/portals/self/users.csv")],
            answer: |_, s| {
                text(
                    "text/csv",
                    format!(
                        "username,email,token,note\ntnguyen,tnguyen@customer.com,{},case-csv-export\n",
                        s[0]
                    ),
                )
            },
        },
        Case {
            // A number is data: one equal to a learned code stays a number (see
            // `redaction_leaves_what_is_not_a_credential_as_it_was`); the code as text goes.
            name: "a-one-time-code-echoed-as-text",
            secrets: 0,
            personal: &["98765432"],
            requests: |_| {
                vec![
                    Req::get("/arcgis/admin/counter?f=json"),
                    Req::post(
                        "/arcgis/admin/verify",
                        "application/x-www-form-urlencoded",
                        "otp=98765432&f=json",
                    ),
                    Req::get("/arcgis/admin/counter2?f=json"),
                ]
            },
            answer: |_, _| {
                json_with(
                    "a-one-time-code-echoed-as-text",
                    json!({"messages": ["code 98765432 accepted"], "ok": true}),
                )
            },
        },
        Case {
            name: "secrets-where-deployments-carry-them",
            secrets: 8,
            personal: &[],
            requests: |s| {
                let parameters = json!({
                    "conn": format!("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={};EndpointSuffix=core.windows.net", s[0]),
                    "gis_pass": s[1], "dbPwd": s[2], "svc_secret": s[3], "mapApiKey": s[4],
                })
                .to_string();
                let form: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("itemId", "abc")
                    .append_pair("notebookParameters", &parameters)
                    .append_pair("f", "json")
                    .finish();
                vec![Req::post(
                    "/notebookserver/admin/notebooks/executeNotebook",
                    "application/x-www-form-urlencoded",
                    form,
                )]
            },
            answer: |_, s| {
                json_with(
                    "secrets-where-deployments-carry-them",
                    json!({"messages": [
                        format!("Server=db;Database=gis;Password={};", s[5]),
                        format!("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2020-08-04&sig={}", s[6]),
                        format!("https://bucket.s3.amazonaws.com/o?X-Amz-Date=1&X-Amz-Signature={}&x=1", s[7]),
                    ]}),
                )
            },
        },
        Case {
            name: "shaped-secrets-in-messages",
            secrets: 2,
            personal: &["AAPKa81b2c3d4e5f60718293a4b5c6d7e8f9Zq_Xw-Ty81Lm0Np2Qr"],
            requests: |s| {
                let jwt = format!("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi{}.{}", s[0], s[1]);
                vec![
                    Req::get("/arcgis/admin/keys?f=json")
                        .header("Authorization", format!("Bearer {jwt}")),
                ]
            },
            answer: |_, s| {
                json_with(
                    "shaped-secrets-in-messages",
                    json!({"messages": [
                        "geocoding with AAPKa81b2c3d4e5f60718293a4b5c6d7e8f9Zq_Xw-Ty81Lm0Np2Qr",
                        format!("signature {} rejected", s[1]),
                    ]}),
                )
            },
        },
        Case {
            name: "legacy-and-xml-token-answers",
            secrets: 5,
            personal: &[],
            requests: |s| {
                vec![
                    Req::get(format!(
                        "/arcgis/tokens/generateToken?username=svc&password={}&client=requestip",
                        s[0]
                    )),
                    Req::get("/arcgis/tokens/xml?f=xml"),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("generateToken") {
                    text("text/plain", s[1].clone())
                } else {
                    text(
                        "text/xml",
                        format!(
                            "<TokenResponse case=\"case-legacy-and-xml-token-answers\"><Token expires=\"1795000000000\">{}</Token><wsse:Password Type=\"wsse:PasswordText\">{}</wsse:Password><Credential password=\"{}\" user=\"svc\"/><sec:ApiKey>{}</sec:ApiKey></TokenResponse>",
                            s[2], s[3], s[4], s[1]
                        ),
                    )
                }
            },
        },
        Case {
            name: "geoprocessing-and-oauth-secrets",
            secrets: 3,
            personal: &[],
            requests: |s| {
                vec![
                    Req::get("/arcgis/rest/services/Tool/GPServer/Run/jobs/j1/results?f=json"),
                    Req::post(
                        "/portal/sharing/rest/oauth2/token",
                        "application/x-www-form-urlencoded",
                        format!(
                            "grant_type=authorization_code&code_verifier={}&client_id=app1&f=json",
                            s[1]
                        ),
                    ),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("results") {
                    json_with(
                        "geoprocessing-and-oauth-secrets",
                        json!({"results": [
                            {"paramName": "db_password", "dataType": "GPString", "value": s[0]},
                            {"paramName": "count", "dataType": "GPLong", "value": 3},
                        ]}),
                    )
                } else {
                    json_with(
                        "geoprocessing-and-oauth-secrets",
                        json!({"access_token": s[2], "messages": [format!("verifier {} used", s[1])]}),
                    )
                }
            },
        },
        Case {
            name: "learned-values-echoed-in-hex-base64url-and-utf-16",
            secrets: 2,
            personal: &[],
            requests: |s| {
                vec![
                    Req::get("/arcgis/admin/echo16?f=json")
                        .header("X-Auth-Token", &s[0])
                        .header("Ocp-Apim-Subscription-Key", &s[1]),
                    Req::get("/arcgis/admin/echo16b?f=txt").header("X-Auth-Token", &s[0]),
                ]
            },
            answer: |seen, s| {
                if seen.path.ends_with("echo16") {
                    let hex: String = s[0].bytes().map(|b| format!("{b:02x}")).collect();
                    let state = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(json!({"t": s[0], "n": 1}).to_string());
                    json_with(
                        "learned-values-echoed-in-hex-base64url-and-utf-16",
                        json!({"debug": hex, "state": state, "messages": [format!("key {} accepted", s[1])]}),
                    )
                } else {
                    let body: Vec<u8> = format!("echo token={} ok", s[0])
                        .encode_utf16()
                        .flat_map(u16::to_le_bytes)
                        .collect();
                    (200, vec![("content-type", "text/plain".to_string())], body)
                }
            },
        },
        Case {
            name: "people-by-field-in-any-spelling",
            secrets: 0,
            personal: &[
                "Jürgen",
                "Müller",
                "MÜLLER",
                "JÜRGEN",
                "Mu\u{308}ller",
                "jmuller_gis",
                "CORP\\jmuller",
                "kwong_gis",
                "mlopez_gis",
                "García",
                "López",
                "María García López",
                "Ngozi Okonkwo",
                "Okonkwo",
            ],
            requests: |_| {
                vec![
                    Req::get("/portal/sharing/rest/community/users/jmuller_gis?f=json"),
                    Req::get("/arcgis/rest/services/Edits/FeatureServer/0/query?f=json"),
                    Req::get("/portal/sharing/rest/content/items/csv1/data"),
                ]
            },
            answer: |seen, _| {
                if seen.path.contains("community/users") {
                    json_with(
                        "people-by-field-in-any-spelling",
                        json!({"username": "jmuller_gis", "fullName": "Jürgen Müller", "firstName": "Jürgen",
                               "lastName": "Müller", "idpUsername": "CORP\\jmuller",
                               "description": "MÜLLER, JÜRGEN; also Mu\u{308}ller"}),
                    )
                } else if seen.path.contains("FeatureServer") {
                    json_with(
                        "people-by-field-in-any-spelling",
                        json!({"features": [{"attributes": {"OBJECTID": 1, "created_user": "kwong_gis",
                               "last_edited_user": "kwong_gis", "Creator": "mlopez_gis", "note": "by kwong_gis"}}]}),
                    )
                } else {
                    text(
                        "text/csv",
                        "Full Name,Email,note\nMaría García López,mgl@customer.com,case-people-by-field-in-any-spelling\nNgozi Okonkwo,ngozi@customer.com,López and Okonkwo met\n".to_string(),
                    )
                }
            },
        },
    ]
}

/// The secrets of case number `index`: distinct from every other case's, and shaped like
/// generated credentials. The path case's start with `C_`, like ArcGIS tokens that a client
/// percent-encodes as `C%5F`.
fn secrets_of(index: usize, case: &Case) -> Vec<String> {
    (0..case.secrets)
        .map(|n| {
            let prefix = if case.name == "token-percent-encoded-in-a-path" {
                "C_"
            } else {
                "Cz"
            };
            format!("{prefix}{index:02}q{n}Xk7Lw9PmN2vR")
        })
        .collect()
}

/// The canary suite: every case through one recorder, then every canary searched in every
/// encoding in everything the recorder wrote and printed: none is found, each case's answers
/// were recorded, and `jobmock scan` passes on the set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_canary_reaches_a_file_or_the_terminal_in_any_encoding() {
    let cases = cases();
    let all_secrets: Vec<Vec<String>> = cases
        .iter()
        .enumerate()
        .map(|(index, case)| secrets_of(index, case))
        .collect();
    let upstream = {
        let all_secrets = all_secrets.clone();
        FakeUpstream::start(move |seen, _| {
            let name = seen.headers["x-case"].to_str().unwrap();
            let all = self::cases();
            let index = all.iter().position(|case| case.name == name).unwrap();
            (all[index].answer)(seen, &all_secrets[index])
        })
        .await
    };
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(
        &upstream.url(),
        recorded.path(),
        &["--redact-value", "ACME-[0-9]{8}"],
    );
    for (case, secrets) in cases.iter().zip(&all_secrets) {
        for request in (case.requests)(secrets) {
            let answer = request.call(&proxy, case.name).send().await;
            assert!(
                answer.status.is_success() || answer.status.is_redirection(),
                "case {}: {} {} got {}",
                case.name,
                request.method,
                request.target,
                answer.status
            );
        }
    }
    proxy.terminate();
    let (code, out, err) = proxy.wait(Duration::from_secs(20));
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the closing scan found something:\n{printed}"
    );

    let canaries: Vec<(String, String)> = cases
        .iter()
        .zip(&all_secrets)
        .flat_map(|(case, secrets)| {
            secrets
                .iter()
                .cloned()
                .chain(case.personal.iter().map(|value| value.to_string()))
                .map(move |canary| (case.name.to_string(), canary))
        })
        .collect();
    assert_no_canary(recorded.path(), &printed, &canaries);

    // The suite proves nothing about a case whose answers were not recorded.
    let files = all_files(recorded.path());
    for case in &cases {
        let marker = format!("case-{}", case.name);
        assert!(
            files
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&marker)),
            "nothing of case {} was recorded:\n{printed}",
            case.name
        );
    }
    let (code, out, err) = run_binary(&["scan", recorded.path().to_str().unwrap()]);
    assert_eq!(code, Some(0), "scan: {out}{err}");
    jobmock::fixture::FixtureSet::load(recorded.path()).unwrap();
}

/// The canary suite again, as a HAR: every case's requests and answers written as the entries a
/// browser would save, then imported (`jobmock import har`) and sanitized (`jobmock sanitize
/// har`). No canary reaches the imported set, the sanitized HAR or the terminal in any encoding;
/// every case is there; both pass `jobmock scan`, and the set loads.
#[test]
fn no_canary_survives_a_har_import_or_sanitize() {
    use hyper::header::{HeaderName, HeaderValue};
    let cases = cases();
    let mut entries = Vec::new();
    let mut at_ms = 1_795_000_000_000u64;
    for (index, case) in cases.iter().enumerate() {
        let secrets = secrets_of(index, case);
        for request in (case.requests)(&secrets) {
            let (path, query) = match request.target.split_once('?') {
                Some((path, query)) => (path.to_string(), Some(query.to_string())),
                None => (request.target.clone(), None),
            };
            let mut headers = hyper::HeaderMap::new();
            for (name, value) in &request.headers {
                headers.append(
                    HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    HeaderValue::from_str(value).unwrap(),
                );
            }
            if let Some((content_type, _)) = &request.body {
                headers.insert("content-type", HeaderValue::from_static(content_type));
            }
            let seen = Seen {
                method: request.method.to_string(),
                path,
                query,
                headers: headers.clone(),
                body: request
                    .body
                    .clone()
                    .map(|(_, body)| body.into())
                    .unwrap_or_default(),
            };
            let (status, answer_headers, body) = (case.answer)(&seen, &secrets);
            let pairs = |headers: Vec<(String, String)>| -> Vec<serde_json::Value> {
                headers
                    .into_iter()
                    .map(|(name, value)| json!({"name": name, "value": value}))
                    .collect()
            };
            let request_headers = headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
                .collect();
            let mime = answer_headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .map(|(_, value)| value.clone())
                .unwrap_or_default();
            let content = match std::str::from_utf8(&body) {
                Ok(text) => json!({"size": body.len(), "mimeType": mime, "text": text}),
                Err(_) => json!({"size": body.len(), "mimeType": mime,
                                 "text": base64::engine::general_purpose::STANDARD.encode(&body),
                                 "encoding": "base64"}),
            };
            let mut entry = json!({
                "startedDateTime": jobmock::util::clock::iso_time(at_ms),
                "time": 5,
                "request": {"method": request.method,
                            "url": format!("https://customer.example{}", request.target),
                            "httpVersion": "HTTP/1.1", "cookies": [],
                            "headers": pairs(request_headers), "queryString": [],
                            "headersSize": -1, "bodySize": -1},
                "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                             "cookies": [],
                             "headers": pairs(answer_headers.into_iter().map(|(n, v)| (n.to_string(), v)).collect()),
                             "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
                "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0}
            });
            if let Some((content_type, body)) = &request.body {
                entry["request"]["postData"] = json!({"mimeType": content_type,
                                                      "text": String::from_utf8_lossy(body)});
            }
            entries.push(entry);
            at_ms += 10;
        }
    }
    let har = json!({"log": {"version": "1.2", "creator": {"name": "canary-suite"},
                             "entries": entries.clone()}});
    let dir = tempfile::tempdir().unwrap();
    let har_path = dir.path().join("canaries.har");
    std::fs::write(&har_path, serde_json::to_vec_pretty(&har).unwrap()).unwrap();
    let canaries: Vec<(String, String)> = cases
        .iter()
        .enumerate()
        .flat_map(|(index, case)| {
            secrets_of(index, case)
                .into_iter()
                .chain(case.personal.iter().map(|value| value.to_string()))
                .map(move |canary| (case.name.to_string(), canary))
        })
        .collect();

    // The raw capture, scanned: every entry that holds a canary is named (scan finds what
    // redaction replaces, with one recogniser).
    let (code, out, err) = run_binary(&["scan", har_path.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    for (index, entry) in entries.iter().enumerate() {
        let raw = entry.to_string();
        // (`--redact-value` patterns are the user's, for record and import alone.)
        if let Some((case, canary)) = canaries.iter().find(|(case, canary)| {
            case != "redact-value-pattern"
                && (raw.contains(canary.as_str())
                    || raw.contains(&serde_json::to_string(canary).unwrap()[1..canary.len()]))
        }) {
            assert!(
                out.contains(&format!("log.entries[{index}].")),
                "case {case}: scan of the raw HAR names nothing in entry {index}, which holds {canary:?}:\n{out}"
            );
        }
    }

    let imported = tempfile::tempdir().unwrap();
    let set = imported.path().join("set");
    let (code, out, err) = run_binary(&[
        "import",
        "har",
        har_path.to_str().unwrap(),
        "--fixtures",
        set.to_str().unwrap(),
        "--origin",
        "https://customer.example",
        "--redact-value",
        "ACME-[0-9]{8}",
    ]);
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the closing scan found something:\n{printed}"
    );
    assert_no_canary(&set, &printed, &canaries);
    let files = all_files(&set);
    for case in &cases {
        let marker = format!("case-{}", case.name);
        assert!(
            files
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&marker)),
            "nothing of case {} was imported:\n{printed}",
            case.name
        );
    }
    jobmock::fixture::FixtureSet::load(&set).unwrap();

    let sanitized = tempfile::tempdir().unwrap();
    let safe = sanitized.path().join("safe.har");
    let (code, out, err) = run_binary(&[
        "sanitize",
        "har",
        har_path.to_str().unwrap(),
        "--out",
        safe.to_str().unwrap(),
        "--redact-value",
        "ACME-[0-9]{8}",
    ]);
    let printed = format!("{out}{err}");
    assert_eq!(
        code,
        Some(0),
        "the scan of the sanitized HAR found something:\n{printed}"
    );
    assert_no_canary(sanitized.path(), &printed, &canaries);
    let text = std::fs::read_to_string(&safe).unwrap();
    for case in &cases {
        assert!(
            text.contains(&format!("case-{}", case.name)),
            "case {} is gone",
            case.name
        );
    }
}

/// The search of the suite finds what it looks for: a file holding a canary in any one of
/// its spellings is caught (so the suite's silence means something).
#[test]
fn the_canary_search_finds_every_spelling() {
    let canary = "Cz99q0Xk7Lw9PmN2vR";
    for spelling in spellings(canary) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("001.json"), format!("x {spelling} y")).unwrap();
        let caught =
            std::panic::catch_unwind(|| assert_no_canary(dir.path(), "", &[("t", canary)]));
        assert!(caught.is_err(), "{spelling:?} was not caught");
    }
}

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
    proxy.terminate();
    let (code, out, err) = proxy.wait(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{out}{err}");
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
