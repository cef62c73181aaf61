//! The redactor alone, on many generated cases (in-process, so thousands run in seconds): the
//! two halves of issue 20's promise as properties.
//!
//! - **Faithful**: a person whose names are ordinary words (drawn from a list of words that
//!   collide with the API and with English) leaves every key, number, boolean, HTTP method and
//!   every string that is not one of their values exactly as it was; their values go.
//! - **Safe**: a secret under any name built from a secret's word (`<anything>_pass`,
//!   `<anything>Pwd`, `<anything>ApiKey`, …), sent inside a JSON document inside a form value,
//!   is found and replaced wherever it is echoed, in any encoding.

use jobmock::redact::{Context, Options, Redactor};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Words that are people's names and also words of English, of the API or of HTTP.
const WORDS: &[&str] = &[
    "Post", "Get", "Put", "Delete", "Job", "Jobs", "Status", "Type", "Max", "Min", "Key",
    "English", "Standard", "Advanced", "Python", "Notebook", "Portal", "Server", "Admin", "Item",
    "Data", "Will", "Mark", "Long", "Page", "Case", "Field", "Service", "Hall", "King", "Rose",
    "Bill", "Young", "White", "Brown", "Green", "Black", "Gray", "Wood", "Stone", "Hill", "Lane",
    "Park", "Rich", "Ray", "Dean", "Frank", "Grant", "Hope", "Joy", "Art", "Chase", "Cook",
    "Baker", "Miller", "Smith", "Mason", "Porter", "Price", "Little", "Short", "Strong", "Bond",
    "Cash", "Gold", "Time", "Date", "Name", "Value", "Error", "Message", "Result", "Input",
    "Output", "Task", "Tool", "Kernel", "Runtime", "Sde", "Esri", "Units", "Count", "Total",
    "True", "Null", "Open", "Close", "Failed", "Success", "Level", "Mode", "Order", "Limit",
];

fn word() -> impl Strategy<Value = &'static str> {
    prop::sample::select(WORDS)
}

/// Every key, number, boolean and null of `value`, with its path, in order.
fn skeleton(value: &Value, path: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                out.push(format!("{path}/{key}"));
                skeleton(item, &format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                skeleton(item, &format!("{path}[{index}]"), out);
            }
        }
        Value::String(_) => out.push(format!("{path}: string")),
        other => out.push(format!("{path}: {other}")),
    }
}

/// Every string of `value` with its path.
fn strings(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                strings(item, &format!("{path}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                strings(item, &format!("{path}[{index}]"), out);
            }
        }
        Value::String(text) => out.push((path.to_string(), text.clone())),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A person named with ordinary words, learned from a Portal user answer, changes nothing
    /// in another document made of the same words but the values of their own fields.
    #[test]
    fn a_person_named_with_words_rewrites_nothing_but_their_values(
        first in word(),
        last in word(),
        keys in prop::collection::vec(word(), 3..10),
        texts in prop::collection::vec(prop::collection::vec(word(), 1..6), 3..10),
        numbers in prop::collection::vec(any::<i32>(), 3..10),
        method in prop::sample::select(&["GET", "POST", "PUT", "DELETE"][..]),
    ) {
        let mut redactor = Redactor::new(Options::default());
        let username = format!("{}{}", first.to_lowercase(), last.to_lowercase());
        let user = json!({"username": username, "fullName": format!("{first} {last}"),
                          "firstName": first, "lastName": last,
                          "email": format!("{}.{}@customer.com", first.to_lowercase(), last.to_lowercase())});
        redactor.learn_document(user.to_string().as_bytes(), Context::default());

        // Another answer: the same words as keys, values, prose, numbers; and the person's own
        // fields once more.
        let mut document = serde_json::Map::new();
        for (index, key) in keys.iter().enumerate() {
            let text = texts[index % texts.len()].join(" ");
            let number = numbers[index % numbers.len()];
            document.insert(key.to_lowercase(), json!({"text": text, "n": number, "on": index % 2 == 0,
                                                      "method": method, "Cache-Control": "max-age=0"}));
        }
        document.insert("owner".into(), json!(username));
        document.insert("creator".into(), json!({"fullName": format!("{first} {last}")}));
        let original = Value::Object(document);
        let mut scrubbed = original.clone();
        redactor.scrub_json(&mut scrubbed, Context::default());

        let (mut before, mut after) = (Vec::new(), Vec::new());
        skeleton(&original, "", &mut before);
        skeleton(&scrubbed, "", &mut after);
        prop_assert_eq!(&before, &after, "keys, numbers and literals are never rewritten");

        let (mut was, mut now) = (Vec::new(), Vec::new());
        strings(&original, "", &mut was);
        strings(&scrubbed, "", &mut now);
        let full = format!("{first} {last}");
        for ((path, old), (_, new)) in was.iter().zip(&now) {
            let personal = path == "/owner" || path == "/creator/fullName";
            // A text that happens to hold the whole name, as written, names the person.
            let holds_the_name = old.contains(&full) || old.contains(&full.to_uppercase());
            if holds_the_name {
                continue;
            }
            if personal {
                prop_assert_ne!(old, new, "{} holds the person: replaced", path);
            } else {
                prop_assert_eq!(old, new, "{} is not the person's: kept", path);
            }
        }
    }

    /// A secret under a name made from a secret's word, inside a JSON document inside a form
    /// value (as `notebookParameters` carries), is learned and gone from every echo.
    #[test]
    fn a_secret_under_any_name_of_its_kind_is_found_inside_a_document_in_a_form(
        prefix in "[a-z]{2,8}",
        suffix in prop::sample::select(&["_pass", "Pwd", "_secret", "ApiKey", "_api_key", "Password",
                                         "_token", "AccountKey", "SubscriptionKey", "_sig"][..]),
        secret in "[A-Za-z0-9]{6,10}[0-9][A-Za-z0-9+/=]{4,20}",
        echo in 0usize..5,
    ) {
        let name = format!("{prefix}{suffix}");
        let parameters = json!({"mode": "run", name.clone(): secret}).to_string();
        let mut redactor = Redactor::new(Options::default());
        let form = vec![("notebookParameters".to_string(), parameters), ("f".to_string(), "json".to_string())];
        let context = redactor.learn_request("/notebookserver/admin/notebooks/executeNotebook",
                                             &hyper::HeaderMap::new(), &[], &form);
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        let echoed = match echo {
            0 => format!("job failed: {name}={secret} refused"),
            1 => format!("{{\"inputs\": {{\"{name}\": \"{secret}\"}}}}"),
            2 => format!("debug {hex} end"),
            3 => format!("url https://h/x?{}", form_urlencoded::Serializer::new(String::new())
                                                 .append_pair("v", &secret).finish()),
            _ => format!("conn Server=db;Password={secret};"),
        };
        let scrubbed = redactor.scrub_text(&echoed, context);
        prop_assert!(!scrubbed.contains(&secret), "{} in {}", secret, scrubbed);
        prop_assert!(!scrubbed.contains(&hex), "{} in {}", hex, scrubbed);
    }
}
