//! Connections that switched protocols (a WebSocket to a notebook's kernel, any HTTP/1.1
//! `Upgrade`): once the upstream answered 101 and the client has that answer, the bytes of the
//! two upgraded connections are passed both ways until either side closes.
//!
//! What goes through a tunnel is neither recorded, scrubbed nor printed: it is no request and
//! answer that replay could serve, and it never reaches the recording thread. The recorder counts
//! the upgrades ([`crate::fixture::writer::feedback::Feedback::upgraded`]). A tunnel has no timeout of its own (a
//! kernel's WebSocket idles for hours); when the recorder stops, every open tunnel is closed.

use std::time::Duration;

use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

/// The open tunnels: each holds a receiver of `stop`, so that `true` closes them all and
/// `closed()` says when they have.
pub struct Tunnels {
    stop: watch::Sender<bool>,
}

impl Default for Tunnels {
    fn default() -> Tunnels {
        Tunnels {
            stop: watch::Sender::new(false),
        }
    }
}

impl Tunnels {
    /// Passes bytes between the client's and the upstream's connection once both are upgraded,
    /// on a task of its own, until either side closes or [`Tunnels::close`] is called.
    pub fn open(&self, client: OnUpgrade, upstream: OnUpgrade) {
        let mut stop = self.stop.subscribe();
        tokio::spawn(async move {
            let tunnel = async {
                // The client's side is ready once hyper has written the 101 to it.
                let (Ok(client), Ok(upstream)) = tokio::join!(client, upstream) else {
                    return;
                };
                let mut client = TokioIo::new(client);
                let mut upstream = TokioIo::new(upstream);
                // Either side closing (or failing) ends the tunnel; what failed is no one
                // else's business, and dropping both connections closes the other side.
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            };
            tokio::select! {
                () = tunnel => {}
                // Also when the recorder stopped before this tunnel opened.
                _ = stop.wait_for(|stop| *stop) => {}
            }
        });
    }

    /// Closes every open tunnel, and waits up to `limit` for their tasks to let go of them.
    pub async fn close(&self, limit: Duration) {
        self.stop.send_replace(true);
        let _ = tokio::time::timeout(limit, self.stop.closed()).await;
    }
}

/// The protocol a connection switched to, as printed: the first one its `Upgrade` header names,
/// lower case (`websocket`), or `other` for anything that does not read as a protocol's name (a
/// header value is never printed as it came).
pub fn shown_protocol(upgrade: &[u8]) -> String {
    let first = upgrade
        .split(|&byte| byte == b',')
        .next()
        .unwrap_or_default();
    let name = String::from_utf8_lossy(first).trim().to_ascii_lowercase();
    let plain = name
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b"./_-".contains(&byte));
    if plain && (1..=24).contains(&name.len()) && !crate::redact::names::looks_random(&name) {
        name
    } else {
        "other".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protocol_is_shown_by_its_name_and_nothing_else() {
        assert_eq!(shown_protocol(b"websocket"), "websocket");
        assert_eq!(shown_protocol(b"WebSocket, h2c"), "websocket");
        assert_eq!(shown_protocol(b"TLS/1.2"), "tls/1.2");
        assert_eq!(shown_protocol(b"token=s3cr3t"), "other");
        assert_eq!(shown_protocol(b"a7f3c9e1b2d4f6a8c0e2b4d6f8a1c3e5"), "other");
        assert_eq!(shown_protocol(b""), "other");
    }
}
