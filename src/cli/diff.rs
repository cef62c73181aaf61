//! The flags of `jobmock diff` and `jobmock shape`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

/// The flags of `jobmock diff`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    jobmock diff                                   the shipped fixture set\n  \
    jobmock diff recorded --format json            findings as JSON, for CI\n  \
    jobmock diff recorded --shapes my-shapes       with shapes of your own\n  \
    jobmock diff --against recorded-10.9 recorded-11.2   what changed between two versions")]
pub struct DiffArgs {
    /// Fixture sets, job folders or payload files to check.
    ///
    /// Example: jobmock diff fixtures recorded/jobs/j6185135c-92a8-4402-b8de-90a66dc61fcc
    #[arg(value_name = "PATH", default_value = "fixtures")]
    pub paths: Vec<PathBuf>,

    /// A folder of shape files, one <jobType>.shape per job type, added to the built-in shapes
    /// or put in their place.
    ///
    /// Example: --shapes shapes
    #[arg(long, value_name = "DIR")]
    pub shapes: Option<PathBuf>,

    /// How to print: text (per file, the findings and a diff) or json (one document, for CI).
    ///
    /// Example: --format json
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,

    /// Check against the shapes of this server, whatever the sets' server.json files say
    /// (without it, each set's own: notebook-server where it has none).
    ///
    /// Example: --flavour enterprise-kubernetes
    #[arg(long, value_enum, value_name = "FLAVOUR")]
    pub flavour: Option<FlavourArg>,

    /// Compare the shapes of the payloads under PATH with those under OTHER, values ignored:
    /// which fields appeared, vanished or changed type, per job type and status.
    ///
    /// Example: --against recorded-10.9
    #[arg(long, value_name = "OTHER")]
    pub against: Option<PathBuf>,
}

/// A server flavour, as `server.json` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlavourArg {
    /// ArcGIS Notebook Server (the default).
    NotebookServer,
    /// ArcGIS Enterprise on Kubernetes 11.4+.
    EnterpriseKubernetes,
}

impl FlavourArg {
    pub fn flavour(self) -> crate::api::Flavour {
        match self {
            FlavourArg::NotebookServer => crate::api::Flavour::NotebookServer,
            FlavourArg::EnterpriseKubernetes => crate::api::Flavour::EnterpriseKubernetes,
        }
    }
}

/// How `jobmock diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

/// The `jobmock shape` commands.
#[derive(Debug, Args)]
pub struct ShapeArgs {
    #[command(subcommand)]
    pub command: ShapeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ShapeCommand {
    /// Learn shapes from recorded payloads: the union of what was seen, one shape per job type.
    ///
    /// Fields seen in every payload are marked required; fields seen only in some statuses,
    /// available in those; upper-case string values become enumerations. Use the result with
    /// `jobmock diff --shapes DIR` to freeze what your server does today.
    #[command(after_help = "Examples:\n  \
        jobmock shape infer recorded                      print the shapes\n  \
        jobmock shape infer recorded --out shapes         write shapes/<jobType>.shape\n  \
        jobmock diff recorded-later --shapes shapes")]
    Infer(InferArgs),
}

/// The flags of `jobmock shape infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Fixture sets, job folders or payload files to learn from.
    ///
    /// Example: jobmock shape infer recorded
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Write one <jobType>.shape per job type into this folder (made if missing) instead of
    /// printing them. An existing shape file is not replaced unless --overwrite is given.
    ///
    /// Example: --out shapes
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Replace existing shape files in --out (--force is the older spelling).
    ///
    /// Example: --overwrite
    #[arg(long, alias = "force", requires = "out")]
    pub overwrite: bool,
}
