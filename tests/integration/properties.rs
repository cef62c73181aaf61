//! Property tests (proptest): the fixture and script parsers, the shape notation, the job-ID
//! router, and query and form parsing, each over generated input (redaction's are in
//! `redaction.rs`).

use proptest::prelude::*;
use serde_json::{Value, json};

use jobmock::fixture::{BodyKind, check_folder};

/// Any JSON value, nested a few levels, with keys and strings of any characters.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".*".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((".*", inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect())),
        ]
    })
}

/// Bytes that are often nearly JSON: tokens of JSON and of the script format in any order,
/// numbers out of range and deep brackets among them; or any bytes at all.
fn json_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"status\"".to_string()),
        Just("\"steps\"".to_string()),
        Just("\"001.json\"".to_string()),
        Just("\"polls\"".to_string()),
        Just("\"delayMs\"".to_string()),
        Just("\"faults\"".to_string()),
        Just("\"poll\"".to_string()),
        Just("\"fault\"".to_string()),
        Just("\"close\"".to_string()),
        Just("\"{{origin}}\"".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("1e999".to_string()),
        Just("-0".to_string()),
        Just("[".repeat(120)),
        any::<u32>().prop_map(|n| n.to_string()),
        "\"[^\"\\\\]{0,8}\"",
    ];
    prop_oneof![
        prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

/// A job status as servers send them, or anything else.
fn status() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("SUBMITTED".to_string()),
        Just("PROCESSING".to_string()),
        Just("COMPLETED".to_string()),
        Just("FAILED".to_string()),
        "[A-Z]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A step file holding any JSON object, pretty or compact, loads, and is served as exactly
    /// that object (keys in order, numbers and strings as written).
    #[test]
    fn any_json_object_is_a_step_served_as_written(
        fields in prop::collection::vec((".*", json_value()), 0..8),
        status in status(),
        pretty in any::<bool>(),
    ) {
        let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
        object.insert("status".into(), Value::from(status.clone()));
        let value = Value::Object(object);
        let text = if pretty {
            serde_json::to_vec_pretty(&value).unwrap()
        } else {
            serde_json::to_vec(&value).unwrap()
        };
        let steps = check_folder(&[("001.json", &text)], false).unwrap();
        prop_assert_eq!(steps.len(), 1);
        prop_assert_eq!(steps[0].kind, BodyKind::Json);
        prop_assert_eq!(steps[0].job_status.as_deref(), Some(status.as_str()));
        // Served as the compact form of what the file says, byte for byte.
        prop_assert_eq!(&steps[0].body[..], &serde_json::to_vec(&value).unwrap()[..]);
        let served: Value = serde_json::from_slice(&steps[0].body).unwrap();
        prop_assert_eq!(served, value);
    }

    /// Any bytes, or JSON tokens in any order, as step files and a script: loaded or refused,
    /// never a panic; and whatever loads serves bodies that read again.
    #[test]
    fn any_bytes_in_a_folder_are_loaded_or_refused(
        script in prop::option::of(json_soup()),
        steps in prop::collection::vec(json_soup(), 1..4),
        exchange in any::<bool>(),
    ) {
        let names: Vec<String> = (1..=steps.len()).map(|n| format!("{n:03}.json")).collect();
        let mut files: Vec<(&str, &[u8])> = names.iter().map(String::as_str).zip(steps.iter().map(Vec::as_slice)).collect();
        if let Some(script) = &script {
            files.push(("script.json", script));
        }
        if let Ok(steps) = check_folder(&files, exchange) {
            for step in steps {
                prop_assert!(serde_json::from_slice::<Value>(&step.body).is_ok());
            }
        }
    }

    /// Generated scripts: holds, offsets, statuses, delays and faults within their ranges load;
    /// out of range, they are refused with the field named.
    #[test]
    fn scripts_load_within_their_ranges_and_name_the_field_outside(
        holds in prop::collection::vec(0u32..5, 1..5),
        http_status in 0u16..1000,
        delay in 0u64..1_000_000,
    ) {
        let names: Vec<String> = (1..=holds.len()).map(|n| format!("{n:03}.json")).collect();
        let mut settings = serde_json::Map::new();
        for (name, hold) in names.iter().zip(&holds) {
            settings.insert(name.clone(), json!({"polls": hold, "status": http_status, "delayMs": delay}));
        }
        let script = serde_json::to_vec(&json!({"steps": settings})).unwrap();
        let body = br#"{"status": "PROCESSING"}"#.to_vec();
        let mut files: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), body.as_slice())).collect();
        files.push(("script.json", &script));
        let outcome = check_folder(&files, false);
        let valid = holds.iter().all(|&hold| hold > 0)
            && (200..=599).contains(&http_status)
            && delay <= jobmock::fixture::MAX_DELAY_MS;
        match outcome {
            Ok(steps) => {
                prop_assert!(valid);
                prop_assert_eq!(steps.len(), holds.len());
                prop_assert_eq!(steps[0].http_status.as_u16(), http_status);
            }
            Err(err) => {
                prop_assert!(!valid, "{}", err);
                let message = jobmock::error::report(&err);
                prop_assert!(message.contains("script.json"), "{}", message);
                prop_assert!(
                    ["polls", "status", "delayMs"].iter().any(|field| message.contains(field)),
                    "{}", message
                );
            }
        }
    }

    /// A shape learned from payloads (as `shape infer` does), written and parsed again, accepts
    /// every payload it was learned from.
    #[test]
    fn an_inferred_shape_accepts_what_it_was_learned_from(
        payloads in prop::collection::vec(
            (status(), prop::collection::vec(("[a-z]{1,8}", json_value()), 0..6)),
            1..6,
        ),
    ) {
        let payloads: Vec<Value> = payloads
            .into_iter()
            .map(|(status, fields)| {
                let mut object: serde_json::Map<String, Value> = fields.into_iter().collect();
                object.insert("type".into(), Value::from("executeNotebook"));
                object.insert("status".into(), Value::from(status));
                Value::Object(object)
            })
            .collect();
        let shapes = jobmock::shape::infer::infer_by_type(&payloads);
        let shape = &shapes["executeNotebook"];
        let text = jobmock::shape::write::shape_text(shape);
        let parsed = jobmock::shape::parse::parse(&text)
            .unwrap_or_else(|err| panic!("{err:?} in\n{text}"));
        for payload in &payloads {
            let findings = parsed.check(payload);
            prop_assert!(findings.is_empty(), "{:?}\nshape:\n{}\npayload: {}", findings, text, payload);
        }
    }

    /// Any text is a shape or an error with a line inside the text; never a panic.
    #[test]
    fn any_text_is_a_shape_or_a_positioned_error(text in ".{0,300}") {
        if let Err(err) = jobmock::shape::parse::parse(&text) {
            prop_assert!(err.line >= 1 && err.line <= text.lines().count().max(1) + 1, "{:?}", err);
        }
    }

    /// A valid job ID is routed to itself under any context path, and names a folder inside the
    /// jobs folder; the route of any path never yields an ID with a separator.
    #[test]
    fn job_ids_route_to_themselves_and_stay_inside(
        id in "[A-Za-z0-9_-][A-Za-z0-9._-]{0,40}",
        context in "(/[a-z]{1,10}){0,2}",
        anything in ".*",
    ) {
        let path = format!("{context}/admin/system/jobs/{id}");
        prop_assert_eq!(jobmock::api::job_route(&path), Some((id.as_str(), None)));
        prop_assert!(jobmock::api::job_id_problem(&id).is_none());
        jobmock::fuzzing::request_parts(anything.as_bytes());
        jobmock::fuzzing::request_parts(format!("{context}/admin/system/jobs/{anything}").as_bytes());
        if let Some((routed, _)) = jobmock::api::job_route(&anything) {
            prop_assert!(!routed.contains('/'));
        }
    }

    /// Parameters encoded as browsers and Esri clients encode them read back as they were, in
    /// order, from a query string and from a form body alike.
    #[test]
    fn query_and_form_parameters_round_trip(
        params in prop::collection::vec((".{0,12}", ".{0,24}"), 0..8),
    ) {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let from_query = jobmock::params::from_query(Some(&encoded));
        let from_form = jobmock::params::from_form(encoded.as_bytes());
        prop_assert_eq!(&from_query, &params);
        prop_assert_eq!(&from_form, &params);
    }
}
