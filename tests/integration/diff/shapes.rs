//! Shapes of one's own: `jobmock shape infer` learns shapes that accept their payloads and hold
//! no personal data, and a broken shape file is refused with its place.

use serde_json::json;

use crate::util::*;

use super::*;

/// `shape infer` of the shipped fixtures, used as --shapes, accepts those fixtures; and catches
/// what they never did.
#[test]
fn inferred_shapes_accept_the_payloads_they_were_learned_from() {
    let out = tempfile::tempdir().unwrap();
    let shapes = out.path().join("shapes");
    let fixtures = shipped_fixtures();
    // `jobmock shape infer` of the shipped fixtures into `shapes`, with `extra` flags.
    let infer = |extra: &[&str]| {
        let mut args = vec![
            "shape",
            "infer",
            fixtures.to_str().unwrap(),
            "--out",
            shapes.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run_binary(&args)
    };
    let (code, _, stderr) = infer(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(shapes.join("openNotebook.shape").exists());
    assert!(shapes.join("executeNotebook.shape").exists());

    let (code, stdout, _) = diff(&[
        fixtures.to_str().unwrap(),
        "--shapes",
        shapes.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}");

    let (code, _, stderr) = infer(&[]);
    assert_eq!(code, Some(2), "an existing shape is not replaced silently");
    assert!(stderr.contains("--overwrite to replace it"), "{stderr}");
    // --overwrite replaces it; --force, the older spelling, still does.
    for flag in ["--overwrite", "--force"] {
        let (code, _, stderr) = infer(&[flag]);
        assert_eq!(code, Some(0), "{flag}: {stderr}");
    }
    // A link where a shape file would go is never written through, --overwrite or not, and
    // a refusal writes none of the shapes.
    let executed = shapes.join("executeNotebook.shape");
    let before = std::fs::read(&executed).unwrap();
    let linked = shapes.join("openNotebook.shape");
    let learned = std::fs::read(&linked).unwrap();
    std::fs::remove_file(&linked).unwrap();
    std::os::unix::fs::symlink(out.path().join("elsewhere.shape"), &linked).unwrap();
    std::fs::write(&executed, b"// mine\n").unwrap();
    let (code, _, stderr) = infer(&["--overwrite"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is not a regular file"), "{stderr}");
    assert!(!out.path().join("elsewhere.shape").exists());
    assert_eq!(std::fs::read(&executed).unwrap(), b"// mine\n");
    std::fs::remove_file(&linked).unwrap();
    std::fs::write(&linked, learned).unwrap();
    std::fs::write(&executed, before).unwrap();

    // The shipped openNotebook jobs never carried messages: a recording that does drifts.
    let mut payload = completed_open_notebook();
    payload["messages"] = json!(["Done."]);
    let drifting = FixtureDir::new();
    drifting.file("jobs/j1/001.json", &payload.to_string());
    let (code, stdout, _) = diff(&[
        drifting.path().to_str().unwrap(),
        "--shapes",
        shapes.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("unexpected-field at messages"), "{stdout}");
}

/// `shape infer` writes no one-off value, nothing personal, and keeps the reference's
/// statuses: shapes learned from a recording that never completed accept the shipped set.
#[test]
fn inferred_shapes_hold_no_personal_data_and_keep_the_reference_rules() {
    let recording = FixtureDir::new();
    for (step, status) in ["SUBMITTED", "PROCESSING"].iter().enumerate() {
        let body = json!({
            "jobId": "j39f1c4f0-e790-4a94-acd2-69accf6be27e",
            "inputs": {"itemId": "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d"},
            "type": "openNotebook",
            "status": status,
            "username": "jdoe",
            "customAttributes": {"isCancelled": false, "openNotebook": "runtime-of-jdoe"},
        });
        recording.file(
            &format!(
                "jobs/j39f1c4f0-e790-4a94-acd2-69accf6be27e/{:03}.json",
                step + 1
            ),
            &serde_json::to_string_pretty(&body).unwrap(),
        );
    }
    let out = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run_binary(&[
        "shape",
        "infer",
        recording.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = std::fs::read_to_string(out.path().join("openNotebook.shape")).unwrap();
    for personal in ["jdoe", "5d0c8a3e9f1b4c7a8e2d6f0a1b3c5e7d", "j39f1c4f0"] {
        assert!(!text.contains(personal), "{personal} in\n{text}");
    }
    assert!(
        text.contains("\"status\": \"SUBMITTED|PROCESSING|FAILED|COMPLETED\""),
        "{text}"
    );
    let (code, stdout, _) = diff(&[
        shipped_fixtures().to_str().unwrap(),
        "--shapes",
        out.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{stdout}");
}

/// A broken shape file is refused with its line and column, exit code 2.
#[test]
fn a_broken_shape_file_is_refused_with_line_and_column() {
    let shapes = tempfile::tempdir().unwrap();
    std::fs::write(
        shapes.path().join("openNotebook.shape"),
        "{\n  \"jobId\": \"<jobId>\",\n  \"status\" \"SUBMITTED|COMPLETED\"\n}\n",
    )
    .unwrap();
    let fixtures = shipped_fixtures();
    let (code, stdout, stderr) = diff(&[
        fixtures.to_str().unwrap(),
        "--shapes",
        shapes.path().to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stderr.contains("openNotebook.shape:3:12: expected ':'"),
        "{stderr}"
    );
}
