//! The shapes that ship with the binary, one per job type and server flavour: Notebook
//! Server's made from the reference page's "JSON Response syntax" blocks and its rules,
//! Enterprise on Kubernetes's from its reference's example (each file says what it takes from
//! where). Their text lives in `fixtures/shapes/` (Kubernetes's in
//! `fixtures/shapes/enterprise-kubernetes/`), where people can read them and copy them as a
//! start for their own.

use crate::api::Flavour;

/// The built-in shapes of `flavour`: (job type, shape text).
pub fn for_flavour(flavour: Flavour) -> &'static [(&'static str, &'static str)] {
    match flavour {
        Flavour::NotebookServer => BUILTIN,
        Flavour::EnterpriseKubernetes => KUBERNETES,
    }
}

/// (job type, shape text) of each built-in shape of ArcGIS Enterprise on Kubernetes 11.4+.
pub const KUBERNETES: &[(&str, &str)] = &[
    (
        "executeNotebook",
        include_str!("../../fixtures/shapes/enterprise-kubernetes/executeNotebook.shape"),
    ),
    (
        "executeNotebookAsWebTool",
        include_str!("../../fixtures/shapes/enterprise-kubernetes/executeNotebookAsWebTool.shape"),
    ),
    (
        "openNotebook",
        include_str!("../../fixtures/shapes/enterprise-kubernetes/openNotebook.shape"),
    ),
];

/// (job type, shape text) of each built-in shape of Notebook Server (the default flavour).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "executeNotebook",
        include_str!("../../fixtures/shapes/executeNotebook.shape"),
    ),
    (
        "openNotebook",
        include_str!("../../fixtures/shapes/openNotebook.shape"),
    ),
];

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    #[test]
    fn the_builtin_shapes_parse() {
        for flavour in Flavour::ALL {
            for (job_type, text) in for_flavour(flavour) {
                let shape =
                    parse(text).unwrap_or_else(|err| panic!("{flavour} {job_type}: {err:?}"));
                assert!(shape.field("status").is_some());
                assert!(flavour.job_types().contains(job_type), "{job_type}");
            }
        }
    }

    /// The reference's two syntax blocks, pasted as they stand, are shapes.
    #[test]
    fn the_reference_syntax_blocks_parse_as_they_stand() {
        let open_notebook = r#"{
"jobId": "<jobId>",
"inputs": {
"itemId": "<itemId>"
},
"startTime": <start time in epoch milliseconds>,
"endTime": <end time in epoch milliseconds>,
// "results" is available when the job status is "COMPLETED" or "FAILED"
"results": {
"notebookUrl": "<notebookUrl>",
"notebookId": "<notebookId>",
"webToolVersion": <web tool version if exists>
},
"type": "openNotebook",
"status": "SUBMITTED|PROCESSING|FAILED|COMPLETED",
"username": "<username>",
"customAttributes": {
"openNotebook": "<notebookRuntimeId>",
"isCancelled": true|false,
// "openNotebookProgress" is available when the job status is "PROCESSING"
"openNotebookProgress": {
"message": "<message>",
"percent": <progressValuePercentage>
}
}
}"#;
        let execute_notebook = r#"{
"jobId": "<jobId>",
"inputs": {
"itemId": "<itemId>",
"updatePortalItem": true|false,
"saveInjectedParameters": true|false,
"notebookParameters": "{\"parameter name 1\":\"parameter value 1\",\"parameter name 2\":\"parameter value2\"}",
"executeJobUpdated": true|false
},
"startTime": <start time in epoch milliseconds>,
"endTime": <end time in epoch milliseconds>,
"results": {
"containerConfigStoreId": "<containerConfigStoreId>"
},
"messages": [
"<message1>",
"<message2>",
"<message3>",
"<message4>",
"<message5>"
],
"type": "executeNotebook",
"status": "SUBMITTED|PROCESSING|FAILED|COMPLETED",
"username": "<username>",
"customAttributes": {
"isCancelled": true|false
}
}"#;
        let open = parse(open_notebook).unwrap();
        assert_eq!(
            open.field("results").unwrap().available_in,
            Some(vec!["COMPLETED".to_string(), "FAILED".to_string()])
        );
        parse(execute_notebook).unwrap();
    }
}
