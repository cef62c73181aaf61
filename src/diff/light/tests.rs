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

/// What [`scan`] reads of `text`, held to `serde_json`: if it reads it at all, `serde_json`
/// reads it too, to the same. Returns whether it read it.
fn scan_agrees(text: &str) -> bool {
    match scan::parse(text) {
        Some(fast) => {
            assert_eq!(
                Some(&fast),
                Light::parse_with_serde(text).as_ref(),
                "{text:?}"
            );
            true
        }
        None => false,
    }
}

#[test]
fn the_scan_reads_the_shipped_payloads_and_their_mutants_as_serde_json_does() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut read = 0;
    for entry in walkdir::WalkDir::new(root.join("fixtures")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() && entry.file_name().to_string_lossy().ends_with(".json") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            read += usize::from(scan_agrees(&text));
        }
    }
    assert!(read > 30, "{read}");
    for payload in shipped_payloads() {
        for mutant in mutants(&payload) {
            scan_agrees(&serde_json::to_string(&mutant).unwrap());
            scan_agrees(&serde_json::to_string_pretty(&mutant).unwrap());
        }
    }
}

#[test]
fn the_scan_gives_up_where_it_is_not_sure() {
    let read = [
        "0",
        "-1",
        "18446744073709551615",
        "-9223372036854775808",
        " {\"a\" : [ 1 , true , null , \"x\" ] }\n",
        "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"caf\u{e9} \u{1f600}\"",
        "{}",
        "[]",
        "[[]]",
    ];
    for text in read {
        assert!(scan_agrees(text), "{text:?}");
    }
    let given_up = [
        "",
        " ",
        "-0",
        "01",
        "-",
        "+1",
        "1.5",
        "1e3",
        "2E-1",
        "18446744073709551616",
        "-9223372036854775809",
        "\"\\u0041\"",
        "\"\\x\"",
        "\"a\u{1}\"",
        "\"open",
        "[1,]",
        "{\"a\":1,}",
        "{,}",
        "[,1]",
        "tru",
        "truex",
        "nul",
        "[1 2]",
        "{\"a\" 1}",
        "{1:2}",
        "{\"a\":1,\"a\":2}",
        "{}x",
        "\u{feff}{}",
        "[1]]",
        "{\"a\":1}}",
    ];
    for text in given_up {
        assert!(!scan_agrees(text), "{text:?}");
    }
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(scan_agrees(&deep(DEPTH_READ)));
    assert!(!scan_agrees(&deep(DEPTH_READ + 1)));
}

/// How deep the scan reads (its limit is private to it).
const DEPTH_READ: usize = 64;

/// Token soup, from a fixed seed: whatever the scan reads of it, `serde_json` reads the same.
#[test]
fn the_scan_agrees_with_serde_json_on_random_token_soup() {
    let tokens = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        " ",
        "\n",
        "\"a\"",
        "\"b\\n\"",
        "\"\\u00e9\"",
        "\"\"",
        "1",
        "-2",
        "0",
        "-0",
        "007",
        "1.5",
        "3e2",
        "true",
        "false",
        "null",
        "tru",
        "\"",
        "\\",
        "x",
        "99999999999999999999",
    ];
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut read = 0;
    for _ in 0..200_000 {
        let length = 1 + next() % 12;
        let text: String = (0..length)
            .map(|_| tokens[(next() % tokens.len() as u64) as usize])
            .collect();
        read += usize::from(scan_agrees(&text));
    }
    assert!(read > 1000, "{read}");
}
