//! `jobmock replay`: the set loaded, checked and served until Ctrl-C; with `--strict`, exit 1
//! when a request matched nothing.

use std::process::ExitCode;
use std::sync::Arc;

use super::serve::{bind, runtime};
use crate::cli::ReplayArgs;
use crate::error::Result;
use crate::fixture::FixtureSet;
use crate::output::note;
use crate::replay::checks::{self, CheckShapes};
use crate::{api, replay, server};

pub(super) fn run(args: ReplayArgs) -> Result<ExitCode> {
    let mut options = args.options()?;
    let tls = args.tls.acceptor()?;
    // Taken before the set is read, so that `--watch` sees a change made while it loads.
    let fingerprint = args
        .watch
        .then(|| replay::watch::fingerprint(&args.fixtures));
    let fixtures = FixtureSet::load(&args.fixtures)?;
    let check_shapes = options.check_shapes;
    // Refusing must come before the server listens; warnings need not hold up the start (a
    // check of 10,000 jobs costs more than loading them from a warm cache), so they are
    // found beside the server once it listens, and printed before it exits at the latest.
    if check_shapes == CheckShapes::Refuse {
        checks::check(&fixtures, check_shapes)?;
    }
    options.set_users = replay::tokens::read_users(&args.fixtures)?;
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
