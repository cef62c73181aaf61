//! Raw bytes on a connection to a replay server over the shipped fixtures; see
//! `jobmock::fuzzing::http_request`. The server's state (cursors, journal, created jobs) carries
//! from one input to the next, as on a long-running server, within small bounds.
#![no_main]

use std::path::Path;
use std::sync::{Arc, OnceLock};

use jobmock::replay::{Options, Replay};

struct Server {
    runtime: tokio::runtime::Runtime,
    replay: Arc<Replay>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let fixtures =
            jobmock::fixture::FixtureSet::load(&root).expect("the shipped fixtures load");
        let options = Options {
            max_sessions: 64,
            journal_size: 64,
            max_created_jobs: 64,
            ..Options::default()
        };
        Server {
            // A paused clock: scripted delays and timeouts pass at once when nothing else runs.
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .expect("a runtime"),
            replay: Arc::new(Replay::new(fixtures, options)),
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let server = server();
    server
        .runtime
        .block_on(jobmock::fuzzing::http_request(&server.replay, data));
});
