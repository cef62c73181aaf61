//! The checks check what they must: the word list is long and distinct, and the comparison
//! catches structural changes while letting a learned value's replacement through.

use serde_json::{Value, json};

use super::*;

/// The word list is what the issue asks: at least 60 words, none twice.
#[test]
fn faithful_colliding_words_are_many_and_distinct() {
    let mut words: Vec<String> = COLLIDING_WORDS.iter().map(|w| w.to_lowercase()).collect();
    let count = words.len();
    words.sort();
    words.dedup();
    assert_eq!(words.len(), count, "a word is listed twice");
    assert!(count >= 60, "only {count} colliding words");
}

/// The comparison catches what it must: a method renamed, a key renamed, a number changed, an
/// ordinary word hunted through free text; and lets a learned value's replacement through.
#[test]
fn faithful_checker_catches_structural_changes() {
    let scenario = Scenario {
        person: Person::colliding("Post", "Smith", UsernameStyle::FirstLower),
        other: Person::uncommon("abcdef", "ghijkl"),
        token: "T".repeat(40),
        password: "P4ssw0rdP4ssw0rd".into(),
        expires: 1_800_000_000_000,
    };
    let learned = scenario.learned();
    let check = |original: Value, written: Value| {
        let mut checker = Checker::new(Some(&learned));
        checker.json("$", None, &original, &written);
        checker.problems()
    };
    assert!(check(json!({"max": 1}), json!({"REDACTED": 1})).len() == 1);
    assert!(check(json!({"max": 1}), json!({"max": 2})).len() == 1);
    assert!(check(json!({"mode": "Post"}), json!({"mode": "First-1"})).len() == 1);
    assert!(check(json!({"m": "Step: Post"}), json!({"m": "Step: Last-1"})).len() == 1);
    assert!(check(json!({"a": [1, 2]}), json!({"a": [1]})).len() == 1);
    assert!(check(json!({"ok": true}), json!({"ok": "true"})).len() == 1);
    // The person's own field must be replaced; a learned name in prose may be.
    assert!(check(json!({"username": "post"}), json!({"username": "post"})).len() == 1);
    assert!(check(json!({"username": "post"}), json!({"username": "user-1"})).is_empty());
    assert!(
        check(
            json!({"m": "run by Post Smith (post.smith@customer.com)"}),
            json!({"m": "run by First-1 Last-1 (user-1@example.com)"})
        )
        .is_empty()
    );
    assert!(
        check(
            json!({"u": "/portal/sharing/rest/community/users/post"}),
            json!({"u": "/portal/sharing/rest/community/users/user-1"})
        )
        .is_empty()
    );
    let mut checker = Checker::new(Some(&learned));
    checker.text(
        "html",
        "<tr><th>Key</th><th>Value</th></tr>",
        "<tr><th>Key</th><th>REDACTED</th></tr>",
    );
    assert_eq!(checker.problems().len(), 1);

    // The search for values that must be gone finds them, in any case, in files and names.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("GET-x-postsmith")).unwrap();
    std::fs::write(dir.path().join("001.txt"), "mail POST.SMITH@customer.com.").unwrap();
    let never = [
        "post.smith@customer.com".to_string(),
        "postsmith".to_string(),
    ];
    std::fs::write(dir.path().join("GET-x-postsmith/001.json"), "{}").unwrap();
    assert_eq!(written_anywhere(dir.path(), &never).len(), 2);

    // Without learned values (the shipped capture), structure is still compared.
    let har = har_of(&scenario.exchanges(), "https://customer.example");
    assert!(check_sanitized_har(&har, &har, None).is_empty());
    let mut changed = har.clone();
    changed["log"]["entries"][0]["request"]["method"] = json!("First-1");
    changed["log"]["entries"][1]["request"]["headers"][0]["name"] = json!("user-1");
    changed["log"]["entries"][2]["request"]["url"] =
        json!("https://customer.example/portal/sharing/rest/community/First-1?f=json");
    changed["log"]["entries"][3]["response"]["content"]["text"] = json!("{\"user-1\": 1}");
    assert_eq!(
        check_sanitized_har(&har, &changed, None).len(),
        4,
        "{:#?}",
        check_sanitized_har(&har, &changed, None)
    );
}
