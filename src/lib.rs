//! jobmock: a record-and-replay mock server for the jobs of ArcGIS Notebook Server.
//!
//! A client of Notebook Server submits a notebook job, then polls
//! `…/admin/system/jobs/<jobId>` while its status moves from SUBMITTED to PROCESSING to
//! COMPLETED or FAILED. jobmock answers those polls from fixture folders, one scripted step after
//! another, so such clients can be tested without a server.
//!
//! # Layout
//!
//! - [`api`]: what both modes know of the ArcGIS REST API: job paths and IDs, formats, error
//!   bodies, and the server flavours (Notebook Server, Enterprise on Kubernetes) and what
//!   differs between them.
//! - [`cli`]: the command line (clap); its doc comments are the `--help` text.
//! - [`error`]: the crate's error type, with the file, line and field a user needs.
//! - [`fixture`]: the on-disk fixture set: layout, loading, validation.
//! - [`job`]: the job model and engine: which answer a poll gets, per job and session. No I/O.
//! - [`replay`]: the replay service: routing, formats, sessions, control API, journal, the
//!   verification report and near misses of unmatched requests.
//! - [`record`]: the record proxy: forward to the real server, write its answers as fixtures.
//! - [`params`]: request parameters from the query string and form bodies.
//! - [`parallel`]: independent work split over the machine's cores, results in order.
//! - [`shape`]: the shape notation: parse, check a payload, infer from payloads, write.
//! - [`diff`]: walk recorded payloads, check them and their sequences, report the drift; the
//!   same checks over a set replay has loaded (`replay --check-shapes`).
//! - [`redact`]: what must never be written (credentials, in any encoding) and what becomes a
//!   pseudonym (personal data): learned from each exchange, hunted through every text.
//! - [`scan`]: `jobmock scan`, a fixture set (or a HAR) checked for credentials and personal data.
//! - [`har`]: HAR 1.2 captures: imported as a fixture set, sanitized, exported from the journal.
//! - [`ui`]: the web view (`/__jobmock/ui`, `jobmock report`): jobs, polls on a time axis, the
//!   journal, escaped and without script.
//! - [`output`]: all printing: stdout's writes end a command on a closed pipe, stderr's never
//!   panic.
//! - [`server`]: the accept loop with limits and graceful shutdown, shared by the serving modes.
//! - [`tls`]: HTTPS for the serving modes: a self-signed certificate made at start, or files.
//! - `fuzzing`: the properties the fuzz targets check, shared with their regression tests.

// Printing goes through `output`, which neither panics on a closed pipe nor hides a failed write.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod api;
pub mod cli;
pub mod diff;
pub mod error;
pub mod fixture;
#[doc(hidden)]
pub mod fuzzing;
pub mod har;
pub mod job;
pub mod output;
pub mod parallel;
pub mod params;
pub mod record;
pub mod redact;
pub mod replay;
pub mod scan;
pub mod server;
pub mod shape;
pub mod tls;
pub mod ui;
pub mod util;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use std::io::IsTerminal;

use crate::output::note;
use cli::{Cli, Command, DiffArgs, Existing, InferArgs, RecordArgs, ReplayArgs, ScanArgs};
use error::{Error, Result};
use fixture::FixtureSet;

/// Runs one command line to its end.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Replay(args) => run_replay(args),
        Command::Record(args) => run_record(args),
        Command::Diff(args) => run_diff(args),
        Command::Shape(args) => match args.command {
            cli::ShapeCommand::Infer(args) => run_infer(args),
        },
        Command::Scan(args) => run_scan(args),
        Command::Import(args) => match args.command {
            cli::ImportCommand::Har(args) => run_import_har(args),
        },
        Command::Sanitize(args) => match args.command {
            cli::SanitizeCommand::Har(args) => run_sanitize_har(args),
        },
        Command::Report(args) => run_report(args),
    }
}

fn run_report(args: cli::ReportArgs) -> Result<ExitCode> {
    util::write::may_write(&args.out, args.overwrite, "--out", "--overwrite")?;
    let page = ui::report::report(&args.fixtures)?;
    util::write::file(&args.out, page.as_bytes())?;
    note!(
        "jobmock: report of {} written to {} ({} KiB); open it in a browser",
        args.fixtures.display(),
        args.out.display(),
        page.len().div_ceil(1024)
    );
    Ok(ExitCode::SUCCESS)
}

fn run_import_har(args: cli::ImportHarArgs) -> Result<ExitCode> {
    let options = har::import::Options {
        fixtures: args.fixtures.clone(),
        conflict: conflict(&args.existing),
        redaction: redaction_options(&args.redaction)?,
        offsets: offsets(args.offsets),
        origins: args.origin.clone(),
    };
    let (summary, found) = har::import::import(&args.file, options)?;
    note!("jobmock: {summary}");
    Ok(if found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_sanitize_har(args: cli::SanitizeHarArgs) -> Result<ExitCode> {
    let options = redaction_options(&args.redaction)?;
    let (summary, found) =
        har::sanitize::sanitize_file(&args.file, &args.out, args.overwrite, options)?;
    note!("jobmock: {summary}");
    Ok(if found {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What to do with existing folders, from `--overwrite`, `--append` and `--existing`.
fn conflict(args: &cli::ExistingArgs) -> fixture::store::Conflict {
    match (args.overwrite, args.append, args.existing) {
        (true, _, _) | (_, _, Existing::Overwrite) => fixture::store::Conflict::Overwrite,
        (_, true, _) | (_, _, Existing::Append) => fixture::store::Conflict::Append,
        _ => fixture::store::Conflict::Refuse,
    }
}

fn offsets(offsets: cli::OffsetsArg) -> fixture::layout::Offsets {
    match offsets {
        cli::OffsetsArg::Rounded => fixture::layout::Offsets::Rounded,
        cli::OffsetsArg::Exact => fixture::layout::Offsets::Exact,
        cli::OffsetsArg::None => fixture::layout::Offsets::None,
    }
}

/// Redaction's options from `--keep-field`, `--redact-field` and `--redact-value`.
fn redaction_options(args: &cli::RedactionArgs) -> Result<redact::Options> {
    let patterns = args
        .redact_value
        .iter()
        .map(|pattern| {
            regex::bytes::Regex::new(pattern).map_err(|err| Error::Usage {
                message: format!("--redact-value {pattern:?} is not a regular expression: {err}"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(redact::Options {
        keep: personal_kinds(&args.keep_field)?,
        extra_fields: args.redact_field.clone(),
        patterns,
    })
}

fn run_scan(args: ScanArgs) -> Result<ExitCode> {
    let keep = personal_kinds(&args.keep_field)?;
    let report = scan::scan(&args.paths, &keep)?;
    for finding in &report.findings {
        output::print(format_args!("{finding}\n"))?;
    }
    if report.findings.is_empty() {
        note!(
            "jobmock: scan: no credential or personal data found in {} file(s)",
            report.files
        );
        Ok(ExitCode::SUCCESS)
    } else {
        note!(
            "jobmock: scan: {} finding(s) in {} file(s); replace them (or record again) before \
             sending the set",
            report.findings.len(),
            report.files
        );
        Ok(ExitCode::from(1))
    }
}

/// The kinds of personal data `--keep-field` names.
fn personal_kinds(names: &[String]) -> Result<Vec<redact::Personal>> {
    names
        .iter()
        .map(|name| {
            redact::names::personal_field(name).ok_or_else(|| {
                let known: Vec<&str> = redact::Personal::FIELDS
                    .iter()
                    .map(|(field, _)| *field)
                    .collect();
                let why = if redact::is_secret_param(name) {
                    format!("--keep-field {name:?}: {name} is a credential, and credentials are never kept")
                } else {
                    format!(
                        "--keep-field {name:?} is not a kind of personal data; use one of {}",
                        known.join(", ")
                    )
                };
                Error::Usage { message: why }
            })
        })
        .collect()
}

/// The TLS acceptor the flags ask for, if any.
fn tls_acceptor(args: &cli::TlsArgs) -> Result<Option<tokio_rustls::TlsAcceptor>> {
    Ok(match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(&tls::Certificate::Files {
            cert: cert.clone(),
            key: key.clone(),
        })?),
        _ if args.tls => Some(tls::acceptor(&tls::Certificate::SelfSigned {
            write_to: args.tls_cert_out.clone(),
        })?),
        _ => None,
    })
}

fn run_diff(args: DiffArgs) -> Result<ExitCode> {
    let output = match args.format {
        cli::DiffFormat::Json => diff::Output::Json,
        cli::DiffFormat::Text => diff::Output::Text {
            colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        },
    };
    let drift = match &args.against {
        Some(other) => diff::run_against(other, &args.paths, output)?,
        None => {
            // Read first, so that a broken shape file is reported whatever the paths hold.
            diff::load_shapes(args.shapes.as_deref())?;
            diff::run(
                &args.paths,
                args.shapes.as_deref(),
                args.flavour.map(cli::FlavourArg::flavour),
                output,
                std::io::stderr().is_terminal(),
            )?
        }
    };
    Ok(if drift {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_infer(args: InferArgs) -> Result<ExitCode> {
    let payloads = diff::read_payloads(&args.paths)?;
    let shapes = shape::infer::infer_by_type(&payloads);
    if shapes.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "no job payload (a JSON object with a \"type\") under {}",
                args.paths
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let Some(out) = args.out else {
        for (job_type, shape) in &shapes {
            output::print(format_args!(
                "// the shape of job type {job_type:?}: save it as {job_type}.shape\n{}",
                shape::write::shape_text(shape)
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(&out).map_err(|source| Error::Write {
        path: out.clone(),
        source,
    })?;
    for (job_type, shape) in &shapes {
        let path = out.join(format!("{job_type}.{}", diff::SHAPE_EXTENSION));
        if path.exists() && !args.force {
            return Err(Error::fixture(
                &path,
                "exists already",
                "give --force to replace it, or another --out folder",
            ));
        }
        let text = format!(
            "// The shape of {job_type} jobs, learned by `jobmock shape infer` from {} payload(s).\n{}",
            payloads
                .iter()
                .filter(|p| p.get("type").and_then(|t| t.as_str()) == Some(job_type.as_str()))
                .count(),
            shape::write::shape_text(shape)
        );
        util::write::file(&path, text.as_bytes())?;
        note!("jobmock: wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_replay(args: ReplayArgs) -> Result<ExitCode> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(Error::Usage {
            message: format!(
                "--speed {} is not a positive number; use 1 to replay at the recorded pace, 10 for ten times faster",
                args.speed
            ),
        });
    }
    let tls = tls_acceptor(&args.tls)?;
    // Taken before the set is read, so that `--watch` sees a change made while it loads.
    let fingerprint = args
        .watch
        .then(|| replay::watch::fingerprint(&args.fixtures));
    let fixtures = FixtureSet::load(&args.fixtures)?;
    let check_shapes = match args.check_shapes {
        cli::CheckShapesArg::Warn => replay::checks::CheckShapes::Warn,
        cli::CheckShapesArg::Refuse => replay::checks::CheckShapes::Refuse,
        cli::CheckShapesArg::Off => replay::checks::CheckShapes::Off,
    };
    // Refusing must come before the server listens; warnings need not hold up the start (a
    // check of 10,000 jobs costs more than loading them from a warm cache), so they are
    // found beside the server once it listens, and printed before it exits at the latest.
    if check_shapes == replay::checks::CheckShapes::Refuse {
        replay::checks::check(&fixtures, check_shapes)?;
    }
    let options = replay::Options {
        speed: args.speed,
        journal_size: args.journal_size,
        verbose: args.verbose,
        scheme: if tls.is_some() { "https" } else { "http" },
        rebase_time: args.rebase_time,
        auth: replay::Auth {
            required: args.require_token || !args.token.is_empty(),
            tokens: args.token.clone(),
            users: args.user.clone(),
            lifetime: args.token_lifetime.map(std::time::Duration::from_secs),
        },
        set_users: replay::tokens::read_users(&args.fixtures)?,
        control_token: args.control_token.clone().filter(|token| !token.is_empty()),
        advance: args.advance.map(|advance| match advance {
            cli::AdvanceArg::Poll => job::Advance::Poll,
            cli::AdvanceArg::Time => job::Advance::Time,
        }),
        max_sessions: args.max_sessions,
        max_created_jobs: args.max_created_jobs,
        max_body_bytes: args.max_body_bytes,
        watch: args.watch,
        limits: args.limits.to_limits(),
        strict: args.strict,
        check_shapes,
    };
    let jobs = fixtures.jobs().len();
    let replay = Arc::new(replay::Replay::new(fixtures, options));
    if let Some(fingerprint) = fingerprint {
        replay.note_loaded_fingerprint(fingerprint);
    }

    runtime()?.block_on(async {
        let shutdown = server::shutdown_signal();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let guarded = args.control_token.is_some();
        let listener = bind(&args.listen, scheme, guarded).await?;
        let flavour = replay.served().fixtures().flavour();
        note!(
            "jobmock: serving {jobs} job(s) and {exchanges} exchange(s) from {}{}; Ctrl-C stops",
            args.fixtures.display(),
            // Said only for a set that is not Notebook Server's, the default.
            if flavour == api::Flavour::default() {
                String::new()
            } else {
                format!(" as {} ({flavour})", flavour.product())
            },
            exchanges = replay.served().fixtures().exchanges().len(),
        );
        let checking = (check_shapes == replay::checks::CheckShapes::Warn).then(|| {
            let served = replay.served();
            std::thread::spawn(move || {
                // Warn mode never refuses: the only error is a broken built-in shape.
                let _ = replay::checks::check(served.fixtures(), check_shapes);
            })
        });
        replay::serve(listener, tls, Arc::clone(&replay), shutdown).await;
        if let Some(checking) = checking {
            let _ = checking.join();
        }
        let unmatched = replay.unmatched_served();
        if args.strict && unmatched > 0 {
            note!(
                "jobmock: {unmatched} request(s) matched no fixture (--strict): each was printed \
                 above; GET /__jobmock/verify lists them with their near misses"
            );
            return Ok(ExitCode::from(1));
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn run_record(args: RecordArgs) -> Result<ExitCode> {
    record::upstream::check_url(&args.upstream)?;
    let conflict = conflict(&args.existing);
    let redaction = redaction_options(&args.redaction)?;
    let tls = tls_acceptor(&args.tls)?;
    let options = record::Options {
        upstream: args.upstream.clone(),
        trust: record::upstream::Trust {
            ca_cert: args.ca_cert.clone(),
            insecure: args.insecure,
        },
        timeout: std::time::Duration::from_secs(args.upstream_timeout.max(1)),
        fixtures: args.fixtures.clone(),
        conflict,
        redaction,
        offsets: offsets(args.offsets),
        live_status: std::io::stderr().is_terminal(),
        max_record_bytes: args.max_record_bytes as usize,
        max_body_bytes: args.max_body_bytes,
        limits: args.limits.to_limits(),
        tls: tls.is_some(),
    };
    runtime()?.block_on(async {
        let scheme = if tls.is_some() { "https" } else { "http" };
        // The recorder has no control API; the warning is about the proxy itself.
        let shutdown = server::shutdown_signal();
        let listener = bind(&args.listen, scheme, true).await?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: args.listen.clone(),
            source,
        })?;
        let recorder = Arc::new(record::Recorder::new(options, addr)?);
        if args.insecure {
            note!(
                "jobmock: warning: --insecure: the upstream's certificate is not checked; \
                 anyone between here and {} could read and change the traffic",
                recorder.upstream_origin()
            );
        }
        note!(
            "jobmock: recording {} into {}; Ctrl-C stops",
            recorder.upstream_origin(),
            args.fixtures.display()
        );
        record::serve(listener, tls, Arc::clone(&recorder), shutdown).await;
        let (summary, found) = recorder.finish().await;
        note!("jobmock: {summary}");
        Ok(if found {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })
}

/// Binds `listen` and announces it. Port 0 picks a free port; the line names the real one.
/// Beyond loopback, it warns that anyone who can reach the port can use the server, and its
/// control API unless `guarded` (a control token).
async fn bind(listen: &str, scheme: &str, guarded: bool) -> Result<tokio::net::TcpListener> {
    let bind_error = |source| Error::Bind {
        addr: listen.to_string(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    announce(&format!("listening on {scheme}://{addr}"));
    if !addr.ip().is_loopback() {
        note!(
            "jobmock: warning: listening on {addr}, beyond this machine: anyone who can reach \
             it can use it{}",
            if guarded {
                ""
            } else {
                " and its control API (/__jobmock/: the journal, reset, reload); give \
                 --control-token to guard the control API"
            }
        );
    }
    Ok(listener)
}

/// Prints the line that tells scripts and tests where the server is, and makes sure it leaves
/// the process now, not when a buffer fills.
fn announce(line: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
