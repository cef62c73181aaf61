//! The redactor on its own: what it learns and what it replaces.

use super::*;
use hyper::HeaderMap;
use serde_json::json;

fn redactor() -> Redactor {
    Redactor::new(Options::default())
}

#[test]
fn secret_parameters_are_redacted_whatever_their_case_or_encoding() {
    assert_eq!(
        redact_query("f=json&token=abc.def&TOKEN=x&%74oken=y&itemId=42"),
        "f=json&token=REDACTED&TOKEN=REDACTED&%74oken=REDACTED&itemId=42"
    );
    assert_eq!(redact_query("password"), "password=REDACTED");
}

#[test]
fn a_learned_secret_is_replaced_in_every_encoding_as_a_whole_token() {
    let mut redactor = redactor();
    let mut headers = HeaderMap::new();
    headers.insert("x-esri-authorization", "Bearer C_tok/9+z".parse().unwrap());
    let context = redactor.learn_request("/x", &headers, b"", &[]);
    for (text, want) in [
        ("/arcgis/C_tok/9+z/info", "/arcgis/REDACTED/info"),
        ("/arcgis/C%5Ftok%2F9%2Bz/info", "/arcgis/REDACTED/info"),
        ("/arcgis/C%255Ftok%252F9%252Bz/x", "/arcgis/REDACTED/x"),
        (r"say C\u005ftok\/9+z", "say REDACTED"),
        ("<b>C&#95;tok&#x2F;9+z</b>", "<b>REDACTED</b>"),
        ("xC_tok/9+z", "xC_tok/9+z"),
    ] {
        assert_eq!(redactor.scrub_text(text, context), want, "{text}");
    }
}

#[test]
fn cookies_that_are_not_credentials_replace_nothing() {
    let mut redactor = redactor();
    let mut headers = HeaderMap::new();
    headers.insert(
        "cookie",
        "agstoken=Zq81-xkT5.abcdef; ui=admin; other=plain"
            .parse()
            .unwrap(),
    );
    let context = redactor.learn_request("/arcgis/admin/info", &headers, b"", &[]);
    assert_eq!(
        redactor.scrub_path("/arcgis/admin/info", context),
        "/arcgis/admin/info"
    );
    assert_eq!(redactor.scrub_text("text/plain", context), "text/plain");
    assert_eq!(
        redactor.scrub_text("t=Zq81-xkT5.abcdef", context),
        "t=REDACTED"
    );
}

#[test]
fn personal_data_becomes_one_pseudonym_per_person_everywhere() {
    let mut redactor = redactor();
    let mut user = json!({
        "username": "jane.doe",
        "email": "jane.doe@customer.com",
        "fullName": "Jane Doe",
        "firstName": "Jane",
        "lastName": "Doe",
        "messages": ["contact jane.doe@customer.com about /data/jane.doe/x.ipynb"],
        "owner": "admin@example.com",
    });
    redactor.learn_json(&user, Context::default());
    redactor.scrub_json(&mut user, Context::default());
    assert_eq!(
        user,
        json!({
            "username": "user-1",
            "email": "user-1@example.com",
            "fullName": "First-1 Last-1",
            "firstName": "First-1",
            "lastName": "Last-1",
            "messages": ["contact user-1@example.com about /data/user-1/x.ipynb"],
            "owner": "admin@example.com",
        })
    );
    // Scrubbed again, pseudonyms stay as they are.
    let before = user.clone();
    redactor.scrub_json(&mut user, Context::default());
    assert_eq!(user, before);
    assert_eq!(
        redactor.scrub_path(
            "/portal/sharing/rest/community/users/jane.doe",
            Context::default()
        ),
        "/portal/sharing/rest/community/users/user-1"
    );
}

#[test]
fn a_username_that_is_an_api_word_is_replaced_in_user_paths_only() {
    let mut redactor = redactor();
    redactor.learn_request(
        "/x",
        &HeaderMap::new(),
        b"",
        &[("username".into(), "admin".into())],
    );
    let context = Context::default();
    assert_eq!(
        redactor.scrub_path("/portal/sharing/rest/community/users/admin", context),
        "/portal/sharing/rest/community/users/user-1"
    );
    assert_eq!(
        redactor.scrub_path("/arcgis/admin/notebooks/executeNotebook", context),
        "/arcgis/admin/notebooks/executeNotebook"
    );
}

#[test]
fn tokens_issued_in_any_kind_of_answer_are_learned() {
    for (body, headers) in [
        (
            &b"cb({\"token\":\"Tok-123456789\",\"expires\":1});"[..],
            vec![],
        ),
        (b"\xef\xbb\xbf{\"token\":\"Tok-123456789\"}", vec![]),
        (
            b"<html><td>Token:</td><td>Tok-123456789</td></html>",
            vec![],
        ),
        (b"access_token=Tok-123456789&token_type=bearer", vec![]),
        (
            b"",
            vec![("location", "https://app/cb#access_token=Tok-123456789&x=1")],
        ),
        (b"", vec![("set-cookie", "AGS_ROLES=Tok-123456789; Path=/")]),
    ] {
        let mut redactor = redactor();
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(name, value.parse().unwrap());
        }
        redactor.learn_answer(Context::default(), &map, body);
        assert_eq!(
            redactor.scrub_text("echo Tok-123456789 here", Context::default()),
            "echo REDACTED here",
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn secrets_in_json_and_multipart_request_bodies_are_learned() {
    let mut redactor = redactor();
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    redactor.learn_request(
        "/x",
        &headers,
        br#"{"client_secret": "cs-9876543", "nested": {"password": "pw-1234567"}}"#,
        &[],
    );
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        "multipart/form-data; boundary=XyZ".parse().unwrap(),
    );
    let body =
        b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nmp-7654321\r\n--XyZ--\r\n";
    redactor.learn_request("/x", &headers, body, &[]);
    assert_eq!(
        redactor.scrub_text("cs-9876543 pw-1234567 mp-7654321", Context::default()),
        "REDACTED REDACTED REDACTED"
    );
}

#[test]
fn basic_credentials_are_learned_encoded_and_decoded() {
    let mut redactor = redactor();
    let mut headers = HeaderMap::new();
    // alice:s3cr3t-basic
    headers.insert(
        "authorization",
        "Basic YWxpY2U6czNjcjN0LWJhc2lj".parse().unwrap(),
    );
    let context = redactor.learn_request("/x", &headers, b"", &[]);
    assert_eq!(
        redactor.scrub_text("you sent s3cr3t-basic as alice", context),
        "you sent REDACTED as user-1"
    );
    assert_eq!(
        redactor.scrub_text("raw YWxpY2U6czNjcjN0LWJhc2lj", context),
        "raw REDACTED"
    );
}

#[test]
fn a_secret_inside_a_larger_base64_document_is_found() {
    use base64::Engine as _;
    let mut redactor = redactor();
    redactor.learn_request(
        "/x",
        &HeaderMap::new(),
        b"",
        &[("token".into(), "Tk-0123456789abcdef".into())],
    );
    for prefix in ["", "a", "ab"] {
        let document = format!("{prefix}{{\"t\":\"Tk-0123456789abcdef\"}}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(document);
        assert_eq!(
            redactor.scrub_text(&format!("blob {encoded} end"), Context::default()),
            "blob REDACTED end"
        );
    }
}

#[test]
fn keys_are_scrubbed_too_and_documents_stay_documents() {
    let mut redactor = redactor();
    redactor.learn_request(
        "/x",
        &HeaderMap::new(),
        b"",
        &[("token".into(), "a\", \"b\": \"c-1234".into())],
    );
    let mut value = json!({"a\", \"b\": \"c-1234": 1, "x": "a\", \"b\": \"c-1234"});
    redactor.scrub_json(&mut value, Context::default());
    assert_eq!(value, json!({"REDACTED": 1, "x": "REDACTED"}));
    let mut later = json!({"a": "a", "b": "c-1234"});
    redactor.rescrub_json(&mut later);
    assert_eq!(later, json!({"a": "a", "b": "c-1234"}));
}

#[test]
fn values_given_to_redact_value_are_secrets() {
    let mut redactor = Redactor::new(Options {
        patterns: vec![regex::bytes::Regex::new("ACME-[0-9]{6}").unwrap()],
        ..Options::default()
    });
    assert_eq!(
        redactor.scrub_text("licence ACME-123456 and ACME%2D123456", Context::default()),
        "licence REDACTED and REDACTED"
    );
}

#[test]
fn names_of_every_script_and_form_are_hunted_as_whole_names() {
    let mut redactor = redactor();
    let user = json!({"username": "wangwei_gis", "fullName": "王伟", "email": "wang@customer.cn"});
    redactor.learn_document(user.to_string().as_bytes(), Context::default());
    let other = json!({"fullName": "Seán O'Brien-Ní Dhónaill", "username": "sobrien"});
    redactor.learn_document(other.to_string().as_bytes(), Context::default());
    for (text, gone) in [
        ("提交者: 王伟。", "王伟"),
        ("«王伟»", "王伟"),
        ("by SEÁN O'BRIEN-NÍ DHÓNAILL today", "O'BRIEN"),
        ("Dear Seán,", "Seán"),
    ] {
        let scrubbed = redactor.scrub_text(text, Context::default());
        assert!(!scrubbed.contains(gone), "{text} became {scrubbed}");
    }
    // Glued to other letters of its script, a name is another word.
    assert_eq!(redactor.scrub_text("王伟达", Context::default()), "王伟达");
}

#[test]
fn a_web_tools_parameter_named_for_a_secret_is_learned_and_its_address_is_not() {
    let mut redactor = redactor();
    let context = Context::default();
    for value in [
        json!({"paramName": "api_token", "dataType": "GPString", "value": "Gp-s3cr3t-77"}),
        json!({"paramName": "db_pin", "dataType": "GPLong", "value": 47_110_815}),
        json!({"paramName": "out_count", "dataType": "GPLong", "value": 42}),
    ] {
        redactor.learn_answer(context, &HeaderMap::new(), value.to_string().as_bytes());
    }
    assert_eq!(
        redactor.scrub_text("issued Gp-s3cr3t-77 with 47110815, counted 42", context),
        "issued REDACTED with REDACTED, counted 42"
    );
    // A job's poll names its parameters' addresses: the name's, never a secret's.
    let mut poll = json!({"jobStatus": "esriJobSucceeded", "results": {
        "api_token": {"paramUrl": "results/api_token"}}});
    redactor.learn_answer(context, &HeaderMap::new(), poll.to_string().as_bytes());
    redactor.scrub_json(&mut poll, context);
    assert_eq!(
        poll["results"]["api_token"]["paramUrl"],
        "results/api_token"
    );
    assert_eq!(
        redactor.scrub_path("/s/GPServer/t/jobs/j1/results/api_token", context),
        "/s/GPServer/t/jobs/j1/results/api_token"
    );
    let mut number = json!({"paramName": "db_pin", "value": 47_110_815});
    redactor.scrub_json(&mut number, context);
    assert_eq!(number["value"], REDACTED);
}
