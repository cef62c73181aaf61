//! [`clean`] and the two readers held to the shape module and to `serde_json`.

use super::*;
use crate::api::Flavour;
use crate::diff::load_shapes_for;
use crate::diff::sequence::Step;
use crate::shape::builtin::ErrorApi;
use serde_json::json;

/// Every payload file of the shipped sets (and the tests' Kubernetes set).
fn shipped_payloads() -> Vec<Value> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut payloads = Vec::new();
    for set in [
        "fixtures",
        "tests/fixtures/enterprise-kubernetes",
        "tests/ui/hostile",
    ] {
        for entry in walkdir::WalkDir::new(root.join(set)).sort_by_file_name() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_file() && name.ends_with(".json") {
                let text = std::fs::read(entry.path()).unwrap();
                if let Ok(payload) = serde_json::from_slice(&text) {
                    payloads.push(payload);
                }
            }
        }
    }
    assert!(payloads.len() > 50, "{}", payloads.len());
    payloads
}

/// `value` and each one-step mutant of it: a field taken out, or given another kind of value,
/// at every depth; an array's element doubled or given another kind.
fn mutants(value: &Value) -> Vec<Value> {
    let others = [
        json!(null),
        json!(true),
        json!(7),
        json!(-2.5),
        json!(""),
        json!("COMPLETED"),
        json!("esriJobSucceeded"),
        json!([]),
        json!([1, "a"]),
        json!({}),
        json!({"x": 1}),
    ];
    let mut all = vec![value.clone()];
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let mut without = map.clone();
                without.shift_remove(key);
                all.push(Value::Object(without));
                for other in others.iter().chain(&mutants(inner)[1..]) {
                    let mut changed = map.clone();
                    changed.insert(key.clone(), other.clone());
                    all.push(Value::Object(changed));
                }
            }
            let mut added = map.clone();
            added.insert("unheardOf".into(), json!(1));
            all.push(Value::Object(added));
        }
        Value::Array(items) if !items.is_empty() => {
            let mut doubled = items.clone();
            doubled.push(items[0].clone());
            all.push(Value::Array(doubled));
            for other in &others {
                let mut changed = items.clone();
                changed[0] = other.clone();
                all.push(Value::Array(changed));
            }
        }
        _ => {}
    }
    all
}

#[test]
fn clean_is_the_shape_checks_verdict_on_every_payload_and_mutant() {
    let mut shapes: Vec<Shape> = [Flavour::NotebookServer, Flavour::EnterpriseKubernetes]
        .into_iter()
        .flat_map(|flavour| load_shapes_for(flavour, None).unwrap().into_values())
        .collect();
    shapes.extend([
        ErrorApi::Admin.shape().clone(),
        ErrorApi::Portal.shape().clone(),
    ]);
    shapes.push(builtin::gp_parameter_shape().clone());
    let (mut checked, mut clean_ones) = (0, 0);
    for payload in shipped_payloads() {
        for mutant in mutants(&payload) {
            let text = serde_json::to_vec(&mutant).unwrap();
            let light = Light::parse(&text).expect("no key twice");
            assert_eq!(light.to_value(), mutant);
            assert_eq!(light.step(), Step::of(&mutant), "{mutant}");
            assert_eq!(light.is_error_answer(), ErrorApi::of(&mutant).is_some());
            assert_eq!(light.job_type(), builtin::job_type_of(&mutant));
            for shape in &shapes {
                let verdict = shape.check(&mutant).is_empty();
                assert_eq!(clean(shape, &light), verdict, "{mutant}");
                checked += 1;
                clean_ones += usize::from(verdict);
            }
        }
    }
    // Both verdicts are exercised, many times over.
    assert!(
        clean_ones > 100 && checked - clean_ones > 100,
        "{clean_ones} of {checked}"
    );
}

#[test]
fn text_is_borrowed_numbers_are_values_and_a_key_twice_is_refused() {
    let text = br#"{"a": "plain", "b\u00e9": "esc\"aped", "n": [1, -2, 2.5, 1e2, null]}"#;
    let light = Light::parse(text).unwrap();
    assert!(matches!(
        light.get("a"),
        Some(Light::String(Cow::Borrowed("plain")))
    ));
    assert_eq!(
        light.get("b\u{e9}").and_then(Light::as_str),
        Some("esc\"aped")
    );
    let value: Value = serde_json::from_slice(text).unwrap();
    let (Some(Light::Array(numbers)), Some(Value::Array(values))) =
        (light.get("n"), value.get("n"))
    else {
        panic!("arrays");
    };
    for (light, value) in numbers.iter().zip(values) {
        match (light, value) {
            (Light::Number(a), Value::Number(b)) => assert_eq!(a, b),
            (Light::Null, Value::Null) => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(Light::parse(br#"{"a": 1, "a": 2}"#), None);
    assert_eq!(Light::parse(br#"{"a": [{"b": 1, "b": 1}]}"#), None);
    assert_eq!(Light::parse(b"{\"a\": "), None);
    assert_eq!(Light::parse(b"[1] 2"), None);
}
