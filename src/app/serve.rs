//! What both serving modes need to start: the async runtime, and binding the listen address
//! with the line that says where the server is.

use std::io::Write;

use crate::error::{Error, Result};
use crate::output::note;

pub(super) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Runtime { source })
}

/// Binds `listen` and announces it. Port 0 picks a free port; the line names the real one.
/// Beyond loopback, it warns that anyone who can reach the port can use the server, and its
/// control API unless `guarded` (a control token).
pub(super) async fn bind(
    listen: &str,
    scheme: &str,
    guarded: bool,
) -> Result<tokio::net::TcpListener> {
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
