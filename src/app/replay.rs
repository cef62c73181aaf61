//! `jobmock replay`: the set loaded, checked and served until Ctrl-C; with `--strict`, exit 1
//! when a request matched nothing.

use std::process::ExitCode;
use std::sync::Arc;

use super::recording::Plan;
use super::serve::{bind, runtime};
use crate::cli::ReplayArgs;
use crate::error::Result;
use crate::output::note;
use crate::replay::checks::{self, CheckShapes};
use crate::{api, replay, server};

pub(super) fn run(args: ReplayArgs) -> Result<ExitCode> {
    let options = args.options()?;
    let tls = args.tls.acceptor()?;
    let check_shapes = options.check_shapes;
    let record_mode = options.record_mode;
    let plan = Plan::new(&args)?;
    // The set read, refused with --check-shapes refuse before the server listens, and with
    // its users, as a reload reads it.
    let replay = Arc::new(replay::load(&plan.serve_root, options)?);
    let jobs = replay.served().fixtures().jobs().len();

    runtime()?.block_on(async {
        let shutdown = server::shutdown_signal();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let guarded = args.control_token.is_some();
        let listener = bind(&args.listen, scheme, guarded).await?;
        let addr = listener
            .local_addr()
            .map_err(|source| crate::error::Error::Bind {
                addr: args.listen.clone(),
                source,
            })?;
        let recorder = plan.start(&replay, addr)?;
        let flavour = replay.served().fixtures().flavour();
        note!(
            "jobmock: serving {jobs} job(s) and {exchanges} exchange(s) from {}{}{}; Ctrl-C stops",
            args.fixtures.display(),
            // Said only for a set that is not Notebook Server's, the default.
            if flavour == api::Flavour::default() {
                String::new()
            } else {
                format!(" as {} ({flavour})", flavour.product())
            },
            plan.said(record_mode, recorder.as_deref()),
            exchanges = replay.served().fixtures().exchanges().len(),
        );
        let checking = (check_shapes == CheckShapes::Warn).then(|| {
            let served = replay.served();
            std::thread::spawn(move || {
                // Warn mode never refuses: the only error is a broken built-in shape.
                let _ = checks::check(served.fixtures(), check_shapes);
            })
        });
        replay::serve(listener, tls, Arc::clone(&replay), shutdown).await;
        if let Some(checking) = checking {
            let _ = checking.join();
        }
        let found = match &recorder {
            Some(recorder) => plan.finish(recorder, &args.fixtures).await?,
            None => false,
        };
        let unmatched = replay.unmatched_served();
        if args.strict && unmatched > 0 {
            note!(
                "jobmock: {unmatched} request(s) matched no fixture (--strict): each was printed \
                 above; GET /__jobmock/verify lists them with their near misses"
            );
            return Ok(ExitCode::from(1));
        }
        Ok(super::found_code(found))
    })
}
