//! Cases: credentials a client sends, by the place it sends them: query parameters (common,
//! bracketed and uncommon names), credential headers (`X-Auth-Token`, Basic), JSON, form and
//! multipart bodies, a job's polls, and a token that starts with `REDACTED`.

use base64::Engine as _;
use serde_json::json;

use super::*;

/// The cases of this class, in the order the suite sends them.
pub(super) fn cases() -> Vec<Case> {
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
    ]
}
