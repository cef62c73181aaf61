//! Where a request of the mocked API goes, read once from its method and path: a job poll, an
//! operation on a job, a job operation (create), the jobs list, or anything else (a recorded
//! exchange, or nothing). The control API is told apart before this (`/__jobmock/`). Which
//! paths are jobs and the list is the set's flavour's ([`Flavour`]).

use hyper::Method;

use crate::api::webtool::{GpPath, ParamKind};
use crate::api::{self, Flavour, NOTEBOOKS_PATH, OPERATIONS};

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// `<context>/admin/system/jobs/<jobId>` (the flavour's job path).
    Job { id: &'a str },
    /// A job ID that is not a plain name (`..`, `%2F`): refused before any lookup.
    BadJobId { id: &'a str },
    /// `…/jobs/<jobId>/cancel`.
    Cancel { id: &'a str },
    /// A web tool's `…/GPServer/<task>/jobs/<jobId>/cancel`, which takes GET as well.
    WebToolCancel { id: &'a str },
    /// A web tool's `…/jobs/<jobId>/results/<name>` or `…/inputs/<name>`.
    Param {
        id: &'a str,
        kind: ParamKind,
        name: &'a str,
    },
    /// A web tool's `…/GPServer/<task>/submitJob`.
    Submit { task: &'a str },
    /// `…/jobs/deleteAll` (where the flavour has it).
    DeleteAll,
    /// Something else below a job (`…/jobs/<jobId>/x`).
    BelowJob { id: &'a str, below: &'a str },
    /// `<context>/admin/notebooks/executeNotebook` or `…/openNotebook`.
    Create {
        context: &'a str,
        job_type: &'static str,
    },
    /// `<context>/admin/system/jobs` (the flavour's list path).
    List,
    /// Anything else: a recorded exchange may answer it.
    Other,
}

impl<'a> Route<'a> {
    pub fn parse(path: &'a str, flavour: Flavour) -> Route<'a> {
        // A web tool's jobs sit under the services directory, whatever the set's flavour.
        if let Some(gp) = GpPath::parse(path) {
            if let Some(id) = gp.job()
                && api::job_id_problem(id).is_some()
            {
                return Route::BadJobId { id };
            }
            return match gp {
                GpPath::Submit { task } => Route::Submit { task },
                GpPath::Job { id, .. } => Route::Job { id },
                GpPath::Cancel { id, .. } => Route::WebToolCancel { id },
                GpPath::Param { id, kind, name, .. } => Route::Param { id, kind, name },
                GpPath::BelowJob { id, below, .. } => Route::BelowJob { id, below },
            };
        }
        if let Some((id, below)) = flavour.job_route(path) {
            if api::job_id_problem(id).is_some() {
                return Route::BadJobId { id };
            }
            return match below {
                None if id == "deleteAll" && flavour.has_delete_all() => Route::DeleteAll,
                None => Route::Job { id },
                Some("cancel") => Route::Cancel { id },
                Some(below) => Route::BelowJob { id, below },
            };
        }
        if flavour.is_list(path) {
            return Route::List;
        }
        if let Some((context, operation)) = api::split_at_segment(path, NOTEBOOKS_PATH)
            && let Some((_, job_type)) = OPERATIONS.iter().find(|(name, _)| *name == operation)
        {
            return Route::Create { context, job_type };
        }
        Route::Other
    }

    /// The job the route names, if any.
    pub fn job(&self) -> Option<&'a str> {
        match *self {
            Route::Job { id }
            | Route::BadJobId { id }
            | Route::Cancel { id }
            | Route::WebToolCancel { id }
            | Route::Param { id, .. }
            | Route::BelowJob { id, .. } => Some(id),
            _ => None,
        }
    }

    /// Whether the route is an operation that changes state, which the server takes by POST only.
    pub fn is_post_only(&self) -> bool {
        matches!(self, Route::Cancel { .. } | Route::DeleteAll)
    }
}

/// Whether the mocked API takes `method` at all: every resource and operation takes GET and
/// POST, as the admin API does.
pub fn is_api_method(method: &Method) -> bool {
    *method == Method::GET || *method == Method::POST
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(path: &str) -> Route<'_> {
        Route::parse(path, Flavour::NotebookServer)
    }

    #[test]
    fn kubernetes_sets_route_their_own_paths() {
        let k8s = |path| Route::parse(path, Flavour::EnterpriseKubernetes);
        assert_eq!(
            k8s("/arcgis/admin/notebooks/jobs/j1"),
            Route::Job { id: "j1" }
        );
        assert_eq!(k8s("/arcgis/admin/jobs/j1"), Route::Job { id: "j1" });
        assert_eq!(
            k8s("/arcgis/admin/notebooks/jobs/j1/cancel"),
            Route::Cancel { id: "j1" }
        );
        assert_eq!(k8s("/arcgis/admin/notebooks/jobs"), Route::List);
        assert_eq!(k8s("/arcgis/admin/system/jobs/j1"), Route::Other);
        assert_eq!(
            k8s("/arcgis/admin/notebooks/jobs/deleteAll"),
            Route::Job { id: "deleteAll" }
        );
        assert_eq!(
            k8s("/nb/admin/notebooks/executeNotebook"),
            Route::Create {
                context: "/nb",
                job_type: "executeNotebook"
            }
        );
        assert_eq!(parse("/arcgis/admin/notebooks/jobs/j1"), Route::Other);
    }

    #[test]
    fn paths_route_once_to_what_they_name() {
        assert_eq!(
            parse("/arcgis/admin/system/jobs/j1"),
            Route::Job { id: "j1" }
        );
        assert_eq!(
            parse("/ctx/admin/system/jobs/j1/cancel"),
            Route::Cancel { id: "j1" }
        );
        assert_eq!(parse("/ctx/admin/system/jobs/deleteAll"), Route::DeleteAll);
        assert_eq!(
            parse("/ctx/admin/system/jobs/..%2F"),
            Route::BadJobId { id: "..%2F" }
        );
        assert_eq!(parse("/ctx/admin/system/jobs"), Route::List);
        assert_eq!(parse("/ctx/admin/system/jobs/"), Route::List);
        assert_eq!(
            parse("/nb/admin/notebooks/openNotebook"),
            Route::Create {
                context: "/nb",
                job_type: "openNotebook"
            }
        );
        assert_eq!(parse("/portal/sharing/rest/info"), Route::Other);
    }

    #[test]
    fn web_tools_route_under_every_flavour() {
        let base = "/server/rest/services/Tools/GPServer/Count";
        let paths = [
            format!("{base}/jobs/j1"),
            format!("{base}/jobs/j1/cancel"),
            format!("{base}/jobs/j1/results/n"),
            format!("{base}/submitJob"),
            format!("{base}/jobs/..%2F/results/n"),
        ];
        for flavour in Flavour::ALL {
            let route = |index: usize| Route::parse(&paths[index], flavour);
            assert_eq!(route(0), Route::Job { id: "j1" });
            assert_eq!(route(1), Route::WebToolCancel { id: "j1" });
            assert_eq!(
                route(2),
                Route::Param {
                    id: "j1",
                    kind: ParamKind::Results,
                    name: "n"
                }
            );
            assert_eq!(route(3), Route::Submit { task: "Count" });
            assert_eq!(route(4), Route::BadJobId { id: "..%2F" });
            assert_eq!(Route::parse(base, flavour), Route::Other);
        }
    }
}
