//! The shapes that ship with the binary, one per job type, made from the reference page's
//! "JSON Response syntax" blocks and its rules. Their text lives in `fixtures/shapes/`, where
//! people can read them and copy them as a start for their own.

/// (job type, shape text) of each built-in shape.
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
        for (job_type, text) in BUILTIN {
            let shape = parse(text).unwrap_or_else(|err| panic!("{job_type}: {err:?}"));
            assert!(shape.field("status").is_some());
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
