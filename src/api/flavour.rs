//! The server flavours: which product a fixture set comes from, and everything about the job
//! resource that differs between them. Replay routes and answers by it, `record` and `import
//! har` tell it from the paths they see, `diff` picks its shapes by it.
//!
//! What is known of each comes from the reference notes (`notebook-server-jobs.md`, "Older and
//! other products", and Esri's Enterprise Administrator API pages, version 11.4):
//!
//! | | Notebook Server (the default) | Enterprise on Kubernetes 11.4+ |
//! |---|---|---|
//! | job | `<ctx>/admin/system/jobs/<id>` | `<ctx>/admin/notebooks/jobs/<id>`, and `<ctx>/admin/jobs/<id>` (openNotebook's `jobUrl`) |
//! | list | `…/system/jobs`: `{"asyncJobs":[…],"total":N}` | `…/notebooks/jobs`: `{"asyncNotebookJobs":[{jobId,name,startTime,endTime,status}]}` |
//! | statuses | SUBMITTED, PROCESSING, COMPLETED, FAILED | SUBMITTED, EXECUTING, COMPLETED, FAILED |
//! | after the end | the job stays | the job is removed: later polls get not found (404) |
//! | deleteAll | `…/system/jobs/deleteAll` | none |

use std::fmt;

/// Which server a fixture set comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Flavour {
    /// The standalone ArcGIS Notebook Server of the job resource's reference page.
    #[default]
    NotebookServer,
    /// ArcGIS Enterprise on Kubernetes, 11.4 and later.
    EnterpriseKubernetes,
}

/// Where Notebook Server's job resource sits, after any context path.
const SYSTEM_JOBS: &str = "/admin/system/jobs/";
/// Where Enterprise on Kubernetes's job resource sits, after any context path.
const NOTEBOOK_JOBS: &str = "/admin/notebooks/jobs/";
/// The other job path of Enterprise on Kubernetes: openNotebook's `jobUrl` names it.
const ADMIN_JOBS: &str = "/admin/jobs/";

impl Flavour {
    /// Every flavour, the default first.
    pub const ALL: [Flavour; 2] = [Flavour::NotebookServer, Flavour::EnterpriseKubernetes];

    /// The name `server.json` and `--flavour` use.
    pub fn name(self) -> &'static str {
        match self {
            Flavour::NotebookServer => "notebook-server",
            Flavour::EnterpriseKubernetes => "enterprise-kubernetes",
        }
    }

    /// The flavour of a name, as `server.json` and `--flavour` write it.
    pub fn from_name(name: &str) -> Option<Flavour> {
        Flavour::ALL
            .into_iter()
            .find(|flavour| flavour.name() == name)
    }

    /// The names allowed, for error messages: `"notebook-server" (…), "enterprise-kubernetes" (…)`.
    pub fn allowed() -> String {
        Flavour::ALL
            .iter()
            .map(|flavour| format!("{:?} ({})", flavour.name(), flavour.product()))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The product, for people.
    pub fn product(self) -> &'static str {
        match self {
            Flavour::NotebookServer => "ArcGIS Notebook Server, the default",
            Flavour::EnterpriseKubernetes => "ArcGIS Enterprise on Kubernetes 11.4+",
        }
    }

    /// The path prefixes of the job resource (after the context path), the main one first.
    fn job_prefixes(self) -> &'static [&'static str] {
        match self {
            Flavour::NotebookServer => &[SYSTEM_JOBS],
            Flavour::EnterpriseKubernetes => &[NOTEBOOK_JOBS, ADMIN_JOBS],
        }
    }

    /// The job resource's path, for messages: `<context>/admin/system/jobs/<jobId>`.
    pub fn job_path_pattern(self) -> String {
        format!("<context>{}<jobId>", self.job_prefixes()[0])
    }

    /// `<context>/<job prefix>/<jobId>[/<below>]` as (job ID, below), under any of this
    /// flavour's job paths.
    pub fn job_route(self, path: &str) -> Option<(&str, Option<&str>)> {
        self.job_prefixes().iter().find_map(|prefix| {
            super::split_at_segment(path, prefix)
                .map(|(_, after)| match after.split_once('/') {
                    Some((job_id, below)) => (job_id, Some(below)),
                    None => (after, None),
                })
                .filter(|(job_id, _)| !job_id.is_empty())
        })
    }

    /// Whether `path` is this flavour's jobs list (`<context>/admin/system/jobs`, with or
    /// without a final `/`).
    pub fn is_list(self, path: &str) -> bool {
        let list = &self.job_prefixes()[0];
        path.ends_with(list) || path.ends_with(list.trim_end_matches('/'))
    }

    /// The `jobUrl` path of a job of `job_type` created under `context`.
    pub fn job_url_path(self, context: &str, job_type: &str, id: &str) -> String {
        let prefix = match (self, job_type) {
            // The reference's openNotebook example on Kubernetes answers `<ctx>/admin/jobs/<id>`.
            (Flavour::EnterpriseKubernetes, "openNotebook") => ADMIN_JOBS,
            _ => self.job_prefixes()[0],
        };
        format!("{context}{prefix}{id}")
    }

    /// Whether the server removes a job once it has ended, so that a later poll gets not found.
    pub fn removes_ended_jobs(self) -> bool {
        self == Flavour::EnterpriseKubernetes
    }

    /// Whether the server has `…/jobs/deleteAll`.
    pub fn has_delete_all(self) -> bool {
        self == Flavour::NotebookServer
    }

    /// The statuses a job of this flavour goes through, in order (the two ends last).
    pub fn statuses(self) -> &'static [&'static str] {
        match self {
            Flavour::NotebookServer => &["SUBMITTED", "PROCESSING", "COMPLETED", "FAILED"],
            Flavour::EnterpriseKubernetes => &["SUBMITTED", "EXECUTING", "COMPLETED", "FAILED"],
        }
    }

    /// The job types the flavour's references name.
    pub fn job_types(self) -> &'static [&'static str] {
        match self {
            Flavour::NotebookServer => &["executeNotebook", "openNotebook"],
            Flavour::EnterpriseKubernetes => &[
                "executeNotebook",
                "executeNotebookAsWebTool",
                "openNotebook",
            ],
        }
    }

    /// Which flavour a request path shows, if it shows one: a job poll or the jobs list of
    /// that flavour's paths. What `record` and `import har` tell the flavour by.
    pub fn shown_by(path: &str) -> Option<Flavour> {
        // Kubernetes first: its `/admin/notebooks/jobs/` is the telling one.
        [Flavour::EnterpriseKubernetes, Flavour::NotebookServer]
            .into_iter()
            .find(|flavour| {
                flavour.is_list(path) || flavour.job_route(path).is_some_and(|(_, b)| b.is_none())
            })
    }
}

impl fmt::Display for Flavour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The job a path polls, under any flavour's job paths, with the flavour: what the recorder
/// stores as a job's steps.
pub fn polled_job_any(path: &str) -> Option<(&str, Flavour)> {
    Flavour::ALL
        .into_iter()
        .find_map(|flavour| match flavour.job_route(path) {
            Some((id, None)) if super::job_id_problem(id).is_none() => Some((id, flavour)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flavour_routes_its_own_job_paths() {
        let k8s = Flavour::EnterpriseKubernetes;
        let nbs = Flavour::NotebookServer;
        assert_eq!(
            k8s.job_route("/arcgis/admin/notebooks/jobs/j1"),
            Some(("j1", None))
        );
        assert_eq!(
            k8s.job_route("/arcgis/admin/jobs/j1/cancel"),
            Some(("j1", Some("cancel")))
        );
        assert_eq!(k8s.job_route("/arcgis/admin/system/jobs/j1"), None);
        assert_eq!(nbs.job_route("/arcgis/admin/notebooks/jobs/j1"), None);
        assert!(k8s.is_list("/ctx/admin/notebooks/jobs"));
        assert!(k8s.is_list("/ctx/admin/notebooks/jobs/"));
        assert!(!k8s.is_list("/ctx/admin/system/jobs"));
        assert!(nbs.is_list("/ctx/admin/system/jobs"));
    }

    #[test]
    fn paths_tell_the_flavour() {
        assert_eq!(
            Flavour::shown_by("/a/admin/notebooks/jobs/j1"),
            Some(Flavour::EnterpriseKubernetes)
        );
        assert_eq!(
            Flavour::shown_by("/a/admin/notebooks/jobs"),
            Some(Flavour::EnterpriseKubernetes)
        );
        assert_eq!(
            Flavour::shown_by("/a/admin/system/jobs/j1"),
            Some(Flavour::NotebookServer)
        );
        assert_eq!(Flavour::shown_by("/a/admin/system/jobs/j1/cancel"), None);
        assert_eq!(Flavour::shown_by("/portal/sharing/rest/info"), None);
        assert_eq!(
            polled_job_any("/a/admin/jobs/j2"),
            Some(("j2", Flavour::EnterpriseKubernetes))
        );
    }

    #[test]
    fn created_jobs_get_the_flavours_job_url() {
        let k8s = Flavour::EnterpriseKubernetes;
        assert_eq!(
            k8s.job_url_path("/arcgis", "executeNotebook", "j1"),
            "/arcgis/admin/notebooks/jobs/j1"
        );
        assert_eq!(
            k8s.job_url_path("/arcgis", "openNotebook", "j1"),
            "/arcgis/admin/jobs/j1"
        );
        assert_eq!(
            Flavour::NotebookServer.job_url_path("/nb", "openNotebook", "j1"),
            "/nb/admin/system/jobs/j1"
        );
        assert_eq!(Flavour::from_name("enterprise-kubernetes"), Some(k8s));
        assert_eq!(Flavour::from_name("kubernetes"), None);
    }
}
