//! Cases: secrets known by their shape rather than a name: a URL's user information, JWTs, API
//! keys and signatures in messages, connection strings and signed URLs where deployments carry
//! them, and the user's own `--redact-value` pattern.

use base64::Engine as _;
use serde_json::json;

use super::*;

/// The cases of this class, in the order the suite sends them.
pub(super) fn cases() -> Vec<Case> {
    vec![
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
    ]
}
