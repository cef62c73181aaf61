//! `jobmock record`: the proxy started in front of the upstream, serving until Ctrl-C, then
//! the recording's closing summary.

use std::process::ExitCode;
use std::sync::Arc;

use super::serve::{bind, runtime};
use crate::cli::RecordArgs;
use crate::error::{Error, Result};
use crate::output::note;
use crate::{record, server};

pub(super) fn run(args: RecordArgs) -> Result<ExitCode> {
    let options = args.options()?;
    let tls = args.tls.acceptor()?;
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
        Ok(super::found_code(found))
    })
}
