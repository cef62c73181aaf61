//! Raw bytes on a connection to a replay server over the shipped fixtures: whatever a client
//! sends, the server answers or closes, and never panics. Its state (cursors, journal, created
//! jobs) carries from one input to the next, as on a long-running server.
#![no_main]

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Server {
    runtime: tokio::runtime::Runtime,
    replay: Arc<jobmock::replay::Replay>,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let fixtures =
            jobmock::fixture::FixtureSet::load(&root).expect("the shipped fixtures load");
        let options = jobmock::replay::Options {
            max_sessions: 64,
            journal_size: 64,
            max_created_jobs: 64,
            ..Default::default()
        };
        Server {
            // A paused clock: scripted delays and timeouts pass at once when nothing else runs.
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .expect("a runtime"),
            replay: Arc::new(jobmock::replay::Replay::new(fixtures, options)),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let server = server();
    server.runtime.block_on(async {
        let (mut client, connection) = tokio::io::duplex(1 << 16);
        let serving = tokio::spawn(jobmock::replay::serve_io(
            connection,
            Arc::clone(&server.replay),
        ));
        let exchange = async {
            let _ = client.write_all(data).await;
            let _ = client.shutdown().await;
            let mut answer = Vec::new();
            let _ = client.read_to_end(&mut answer).await;
        };
        let _ = tokio::time::timeout(Duration::from_secs(120), exchange).await;
        serving.abort();
        let _ = serving.await;
    });
});
