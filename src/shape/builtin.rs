//! The shapes that ship with the binary, one per job type and server flavour: Notebook
//! Server's made from the reference page's "JSON Response syntax" blocks and its rules,
//! Enterprise on Kubernetes's from its reference's example (each file says what it takes from
//! where). Their text lives in `fixtures/shapes/` (Kubernetes's in
//! `fixtures/shapes/enterprise-kubernetes/`), where people can read them and copy them as a
//! start for their own. A web tool's job ([`GP_JOB`], `fixtures/shapes/gpJob.shape`) is the same
//! on every server, and has no `type`: a step is one when it says its status in `jobStatus`
//! ([`job_type_of`]); its parameters' answers have their own shape ([`GP_PARAMETER`]).

use std::sync::OnceLock;

use super::Shape;
use super::parse::parse;
use crate::api::Flavour;

/// The job type `diff` files a web tool's job under: the name of its shape (`gpJob.shape` in a
/// `--shapes` folder puts one's own in its place).
pub const GP_JOB: &str = "gpJob";

/// (job type, shape text) of the shapes every flavour has: the web tool's job.
pub const EVERY_FLAVOUR: &[(&str, &str)] =
    &[(GP_JOB, include_str!("../../fixtures/shapes/gpJob.shape"))];

/// What a web tool's job parameter answer is checked as, and its shape's text
/// (`…/jobs/<jobId>/results/<param>`, a job folder's `results/<param>.json`).
pub const GP_PARAMETER: &str = "GP parameter";
pub const GP_PARAMETER_SHAPE: &str = include_str!("../../fixtures/shapes/webtool/parameter.shape");

/// The shape of a web tool's job parameter, parsed once.
pub fn gp_parameter_shape() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| parse(GP_PARAMETER_SHAPE).expect("the GP parameter shape parses (tested)"))
}

/// The job type whose shape `payload` is checked against: its `type`, or [`GP_JOB`] for a step
/// that says its status in `jobStatus` and has no `status` (a web tool's job has no type).
pub fn job_type_of(payload: &serde_json::Value) -> Option<&str> {
    if let Some(job_type) = payload.get("type").and_then(serde_json::Value::as_str) {
        return Some(job_type);
    }
    let says = |field: &str| payload.get(field).is_some();
    (says(crate::api::webtool::STATUS_FIELD) && !says("status")).then_some(GP_JOB)
}

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

/// (resource, shape text) of each Portal resource clients read before any job: what `diff`
/// checks a recorded Portal exchange against. Their text lives in `fixtures/shapes/portal/`.
pub const PORTAL: &[(&str, &str)] = &[
    (
        "Portal user",
        include_str!("../../fixtures/shapes/portal/user.shape"),
    ),
    (
        "Portal self",
        include_str!("../../fixtures/shapes/portal/portals-self.shape"),
    ),
    (
        "Portal info",
        include_str!("../../fixtures/shapes/portal/info.shape"),
    ),
    (
        "Portal sharing root",
        include_str!("../../fixtures/shapes/portal/sharing-root.shape"),
    ),
];

/// The Portal resource (a name of [`PORTAL`]) a recorded exchange's path is, if any:
/// `…/sharing/rest/community/users/<user>` and `…/community/self` are users, `…/portals/self`
/// the Portal's self, `…/sharing/rest/info` its info, `…/sharing/rest` its root.
pub fn portal_resource(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    let (_, resource) = path.split_once("/sharing/rest")?;
    let segments: Vec<&str> = resource.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        [] => Some("Portal sharing root"),
        ["info"] => Some("Portal info"),
        ["portals", "self"] => Some("Portal self"),
        ["community", "self"] | ["community", "users", _] => Some("Portal user"),
        _ => None,
    }
}

/// Which ArcGIS API an error answer is in the shape of: clients react differently to the two
/// (the ArcGIS API for Python raises on the Portal's, hands the admin API's back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorApi {
    /// `{"status":"error","messages":[…],"code":N}`, HTTP 200.
    Admin,
    /// `{"error":{"code":N,"message":"…","details":[…]}}`.
    Portal,
}

impl ErrorApi {
    /// Which error answer `payload` is, if it is one: a `status` of `"error"` (the admin API's),
    /// or an `error` object (the Portal's).
    pub fn of(payload: &serde_json::Value) -> Option<ErrorApi> {
        if payload
            .get("error")
            .is_some_and(serde_json::Value::is_object)
        {
            Some(ErrorApi::Portal)
        } else if payload.get("status").and_then(serde_json::Value::as_str) == Some("error") {
            Some(ErrorApi::Admin)
        } else {
            None
        }
    }

    /// The shape its answers have, in the reference sheet's words.
    pub fn shape(self) -> &'static Shape {
        static SHAPES: OnceLock<[Shape; 2]> = OnceLock::new();
        let shapes = SHAPES.get_or_init(|| {
            [ADMIN_ERROR, PORTAL_ERROR]
                .map(|text| parse(text).expect("the error shapes parse (a unit test checks it)"))
        });
        match self {
            ErrorApi::Admin => &shapes[0],
            ErrorApi::Portal => &shapes[1],
        }
    }

    /// How findings and reports name it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorApi::Admin => "admin API error",
            ErrorApi::Portal => "Portal API error",
        }
    }
}

/// The admin API's error answer, as the reference sheet gives it.
pub const ADMIN_ERROR: &str = r#"{
// "status" is required
// "status" is one of "error"
"status": "error",
// "messages" is required
"messages": ["<message>"],
// "code" is required
"code": <code>
}
"#;

/// The Portal (sharing) API's error answer, as the reference sheet gives it. Portal also sends
/// a `messageCode` (`"GWM_0003"`) with many errors: it is allowed, not required.
pub const PORTAL_ERROR: &str = r#"{
// "error" is required
"error": {
// "code" is required
"code": <code>,
// "message" is required
"message": "<message>",
"messageCode": "<messageCode>",
"details": ["<detail>"]
}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference sheet's two error conventions are their shapes; a code written as a
    /// string, or a message missing, is not.
    #[test]
    fn the_error_shapes_take_the_reference_answers() {
        let admin = json!({"status": "error", "messages": ["Invalid token."], "code": 498});
        let portal = json!({"error": {"code": 499, "message": "Token Required", "details": []}});
        assert_eq!(ErrorApi::of(&admin), Some(ErrorApi::Admin));
        assert_eq!(ErrorApi::of(&portal), Some(ErrorApi::Portal));
        assert_eq!(ErrorApi::Admin.shape().check(&admin), []);
        assert_eq!(ErrorApi::Portal.shape().check(&portal), []);
        let bad = json!({"status": "error", "code": "498"});
        assert_eq!(ErrorApi::Admin.shape().check(&bad).len(), 2);
        let bad = json!({"error": {"code": 498}});
        assert_eq!(ErrorApi::Portal.shape().check(&bad).len(), 1);
        assert_eq!(ErrorApi::of(&json!({"status": "COMPLETED"})), None);
    }

    #[test]
    fn the_portal_shapes_parse_and_take_the_shipped_answers() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/exchanges");
        for (resource, text) in PORTAL {
            let shape = parse(text).unwrap_or_else(|err| panic!("{resource}: {err:?}"));
            let mut checked = 0;
            for folder in std::fs::read_dir(&root).unwrap() {
                let folder = folder.unwrap().path();
                let request: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(folder.join("request.json")).unwrap())
                        .unwrap();
                if portal_resource(request["path"].as_str().unwrap()) != Some(resource) {
                    continue;
                }
                let answer: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(folder.join("001.json")).unwrap())
                        .unwrap();
                // Fields a Portal adds beyond the listed ones are not drift (as `diff` reads it).
                let drift: Vec<_> = shape
                    .check(&answer)
                    .into_iter()
                    .filter(|finding| finding.kind != super::super::FindingKind::UnexpectedField)
                    .collect();
                assert_eq!(drift, [], "{}", folder.display());
                checked += 1;
            }
            assert!(checked > 0, "the shipped set has a {resource}");
        }
        assert_eq!(
            portal_resource("/portal/sharing/rest/"),
            Some("Portal sharing root")
        );
        assert_eq!(
            portal_resource("/arcgis/sharing/rest/community/users/jdoe"),
            Some("Portal user")
        );
        assert_eq!(
            portal_resource("/portal/sharing/rest/content/items/x"),
            None
        );
        let missing_id =
            json!({"username": "u", "orgId": "o", "role": "org_user", "privileges": []});
        let shape = parse(PORTAL[0].1).unwrap();
        assert_eq!(
            shape.check(&missing_id).len(),
            1,
            "a user without its id is drift"
        );
    }

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

    /// The web tool's job shape says what `api::webtool` knows: its nine statuses, its three
    /// message types; it takes the contract's example and its parameters' answers.
    #[test]
    fn the_gp_shapes_take_a_web_tool_job_and_its_parameters() {
        use crate::api::webtool::{MESSAGE_TYPES, STATUSES};
        use crate::shape::{FindingKind, Node};
        let shape = parse(EVERY_FLAVOUR[0].1).unwrap();
        let words = |name: &str, within: Option<&str>| {
            let field = match within {
                None => shape.field(name),
                Some(array) => match &shape.field(array).unwrap().node {
                    Node::Array(items) => match &items[0] {
                        Node::Object(fields) => fields.iter().find(|f| f.name == name),
                        _ => None,
                    },
                    _ => None,
                },
            };
            match &field.unwrap().node {
                Node::String {
                    one_of: Some(values),
                    ..
                } => values.clone(),
                other => panic!("{name}: {other:?}"),
            }
        };
        assert_eq!(words("jobStatus", None), STATUSES);
        assert_eq!(words("type", Some("messages")), MESSAGE_TYPES);

        let succeeded = json!({"jobId": "j0c5", "jobStatus": "esriJobSucceeded",
            "results": {"out_count": {"paramUrl": "results/out_count"}},
            "inputs": {"in_text": {"paramUrl": "inputs/in_text"}},
            "messages": [{"type": "esriJobMessageTypeInformative", "description": "Start Time: x"}]});
        assert_eq!(job_type_of(&succeeded), Some(GP_JOB));
        assert_eq!(shape.check(&succeeded), []);
        let failed = json!({"jobId": "j0c5", "jobStatus": "esriJobFailed", "results": {},
            "inputs": {}, "messages": [{"type": "esriJobMessageTypeError", "description": "boom"}]});
        assert_eq!(shape.check(&failed), []);

        let found = |payload: serde_json::Value| -> Vec<(FindingKind, String)> {
            shape
                .check(&payload)
                .into_iter()
                .map(|f| (f.kind, f.path))
                .collect()
        };
        let mut no_results = succeeded.clone();
        no_results.as_object_mut().unwrap().remove("results");
        assert_eq!(
            found(no_results),
            [(FindingKind::MissingRequiredField, "results".into())]
        );
        let mut executing = succeeded.clone();
        executing["jobStatus"] = json!("esriJobExecuting");
        assert_eq!(
            found(executing),
            [(FindingKind::WrongStatusForField, "results".into())]
        );
        let mut message = succeeded.clone();
        message["messages"][0]["type"] = json!("esriJobMessageTypeInfo");
        assert_eq!(
            found(message),
            [(FindingKind::OutsideEnumeration, "messages[0].type".into())]
        );
        let mut url = succeeded.clone();
        url["results"]["out_count"] = json!({"paramUrl": 7});
        assert_eq!(
            found(url),
            [(FindingKind::WrongType, "results.out_count.paramUrl".into())]
        );

        // A notebook job keeps its type, whatever else it says.
        let notebook = json!({"type": "executeNotebook", "status": "COMPLETED", "jobStatus": "x"});
        assert_eq!(job_type_of(&notebook), Some("executeNotebook"));
        assert_eq!(
            job_type_of(&json!({"status": "COMPLETED", "jobStatus": "x"})),
            None
        );

        let parameter = gp_parameter_shape();
        for value in [
            json!(42),
            json!("a"),
            json!({"url": "u"}),
            json!([1]),
            json!(null),
        ] {
            let answer = json!({"paramName": "out_count", "dataType": "GPLong", "value": value});
            assert_eq!(parameter.check(&answer), [], "{answer}");
        }
        let bad = json!({"paramName": "out_count", "dataType": 3});
        assert_eq!(
            parameter.check(&bad).len(),
            2,
            "a data type of the wrong kind, no value"
        );
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
