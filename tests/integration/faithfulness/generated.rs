//! Generated scenarios through the real recorder, and as a HAR through `jobmock import har` and
//! `jobmock sanitize har`: values change, structure never.

use proptest::prelude::*;

use crate::util::*;

use super::*;

proptest! {
    #![proptest_config(few_cases())]

    /// Through the real recorder: a person named with colliding words, those words also standing
    /// as data (methods, keys, values, header values, HTML, CSV, a connection string), and a
    /// token issued and used. Every file written is the upstream's answer or the client's
    /// request with only learned values replaced (see faithfulness/mod.rs); the person's values
    /// that are not ordinary words, and the secrets, are in no file.
    #[test]
    fn faithful_recording_changes_values_never_structure(scenario in scenario()) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let set = tempfile::tempdir().unwrap();
        let (_, printed) = runtime.block_on(record_scenario(&scenario, set.path()));
        let problems = check_set(
            set.path(),
            &scenario.exchanges(),
            &scenario.learned(),
            &scenario.never_written(),
        );
        prop_assert!(
            problems.is_empty(),
            "{}\nthe recorder printed:\n{printed}",
            report(&format!("the recording of {:?}", scenario.person), &problems)
        );
    }

    /// The same scenario as a HAR: `jobmock import har` writes a set that is the scenario but for
    /// learned values, as the recorder's must be; `jobmock sanitize har` writes a HAR whose
    /// every entry has the original's method, URL shape, status, header names, keys, numbers
    /// and booleans, strings equal but where a learned value stood; neither holds the person's
    /// values that are not ordinary words, nor the secrets.
    #[test]
    fn faithful_har_import_and_sanitize_change_values_never_structure(scenario in scenario()) {
        let origin = "https://customer.example";
        let exchanges = scenario.exchanges();
        let learned = scenario.learned();
        let never = scenario.never_written();
        let dir = tempfile::tempdir().unwrap();
        let har_path = dir.path().join("capture.har");
        let har = har_of(&exchanges, origin);
        std::fs::write(&har_path, serde_json::to_vec_pretty(&har).unwrap()).unwrap();

        let set = dir.path().join("set");
        let (code, out, err) = run_binary(&[
            "import", "har", har_path.to_str().unwrap(),
            "--fixtures", set.to_str().unwrap(), "--origin", origin,
            "--keep-job-ids", "--keep-times",
        ]);
        prop_assert!(matches!(code, Some(0 | 1)), "import failed ({code:?}): {out}{err}");
        let mut problems: Vec<String> = check_set(&set, &exchanges, &learned, &never)
            .into_iter()
            .map(|problem| format!("import: {problem}"))
            .collect();

        let safe = dir.path().join("safe.har");
        let (code, out, err) = sanitize_har(&har_path, &safe, &[]);
        prop_assert!(matches!(code, Some(0 | 1)), "sanitize failed ({code:?}): {out}{err}");
        let sanitized = read_json(&safe);
        problems.extend(
            check_sanitized_har(&har, &sanitized, Some(&learned))
                .into_iter()
                .map(|problem| format!("sanitize: {problem}")),
        );
        let text = String::from_utf8_lossy(&std::fs::read(&safe).unwrap()).into_owned();
        for value in &never {
            if !token_occurrences(&text, value).is_empty() {
                problems.push(format!("sanitize: the HAR holds {value:?} (it must be replaced)"));
            }
        }
        prop_assert!(
            problems.is_empty(),
            "{}",
            report(&format!("the HAR of {:?}", scenario.person), &problems)
        );
    }
}
