//! Cases: a secret learned in one place found again in another: percent-encoded in a path,
//! escaped, in base64, hex, base64url or UTF-16, nested encodings, HTML named references, a JSON
//! key, a one-time code echoed as text, and a secret learned after a file that holds it was
//! written (the files written before are scrubbed again).

use base64::Engine as _;
use serde_json::json;

use super::*;

/// The cases of this class, in the order the suite sends them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
    ]
}
