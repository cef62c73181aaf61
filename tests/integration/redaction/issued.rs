//! Cases: credentials a server issues, by the form of its answer: JSONP, HTML, JSON behind a
//! byte-order mark, form-encoded text, OAuth redirects and code flows, cookies, credential
//! containers, markup and script, legacy and XML token answers, geoprocessing results.

use serde_json::json;

use super::*;

/// The cases of this class, in the order the suite sends them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
    ]
}
