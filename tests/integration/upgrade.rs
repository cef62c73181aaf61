//! Connections that switch protocols through `jobmock record`: a WebSocket is tunnelled both
//! ways to the upstream (plain and HTTPS), is not recorded, and is closed when the recorder
//! stops; an upgrade the upstream refuses is answered as any answer.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::util::*;

/// The key of RFC 6455's example handshake, and the accept it must get (section 1.3).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The text of the messages sent through the tunnel: it must be in no fixture file.
const MESSAGE: &str = "kernel message through the tunnel";

/// The marker of the plain exchange recorded in the same run.
const PLAIN_MARKER: &str = "plain-exchange-marker";

/// What the echo upstream does with a WebSocket handshake.
#[derive(Clone, Copy, PartialEq)]
enum Handshake {
    Accept,
    /// Answers 426 with a JSON body, as a server that speaks no WebSocket there.
    Refuse,
}

/// A WebSocket echo server of the test's own: answers the RFC 6455 handshake with 101 and a
/// `Sec-WebSocket-Accept` computed from the key, then sends every frame's payload back (a close
/// frame is answered and ends the connection). Any other request gets a JSON answer. Keeps the
/// request heads it saw.
struct EchoUpstream {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl EchoUpstream {
    async fn start(handshake: Handshake) -> EchoUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                tokio::spawn(echo(stream, handshake, seen));
            }
        });
        EchoUpstream { addr, heads, task }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for EchoUpstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn echo(mut stream: TcpStream, handshake: Handshake, seen: Arc<Mutex<Vec<String>>>) {
    // A connection kept alive by the recorder's client may carry several plain requests.
    loop {
        let Some(head) = read_head(&mut stream).await else {
            return;
        };
        seen.lock().unwrap().push(head.clone());
        let key = header(&head, "sec-websocket-key");
        let upgrade = header(&head, "upgrade").is_some_and(|value| value == "websocket");
        match (upgrade, key, handshake) {
            (true, Some(key), Handshake::Accept) => {
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                     Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                    accept_for(&key)
                );
                stream.write_all(answer.as_bytes()).await.unwrap();
                while let Some((opcode, payload)) = read_frame(&mut stream).await {
                    if write_frame(&mut stream, opcode, &payload, None)
                        .await
                        .is_err()
                        || opcode == 0x8
                    {
                        return;
                    }
                }
                return;
            }
            (true, _, _) => {
                let body = r#"{"error":{"code":426,"message":"no WebSocket here"}}"#;
                let answer = format!(
                    "HTTP/1.1 426 Upgrade Required\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
                return;
            }
            (false, _, _) => {
                let body = format!(r#"{{"currentVersion":11.3,"marker":"{PLAIN_MARKER}"}}"#);
                let answer = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// `Sec-WebSocket-Accept` for `key`: base64 of the SHA-1 of the key and RFC 6455's GUID.
fn accept_for(key: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
}

/// A request's or an answer's head, up to its empty line, read a byte at a time so that no
/// byte of what follows (frames) is taken; `None` at the end of the stream.
async fn read_head(stream: &mut (impl AsyncRead + Unpin)) -> Option<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// The value of header `name` in `head`, if there.
fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (field, value) = line.split_once(':')?;
        field
            .trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

/// One WebSocket frame: its opcode and its payload, unmasked.
async fn read_frame(stream: &mut (impl AsyncRead + Unpin)) -> Option<(u8, Vec<u8>)> {
    let mut start = [0u8; 2];
    stream.read_exact(&mut start).await.ok()?;
    let opcode = start[0] & 0x0f;
    let masked = start[1] & 0x80 != 0;
    let len = match start[1] & 0x7f {
        126 => {
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).await.ok()?;
            u64::from(u16::from_be_bytes(len))
        }
        127 => {
            let mut len = [0u8; 8];
            stream.read_exact(&mut len).await.ok()?;
            u64::from_be_bytes(len)
        }
        len => u64::from(len),
    };
    let mut mask = [0u8; 4];
    if masked {
        stream.read_exact(&mut mask).await.ok()?;
    }
    let mut payload = vec![0u8; usize::try_from(len).ok()?];
    stream.read_exact(&mut payload).await.ok()?;
    if masked {
        for (index, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[index % 4];
        }
    }
    Some((opcode, payload))
}

/// Writes one final frame; a client's is masked with `mask`, as RFC 6455 wants.
async fn write_frame(
    stream: &mut (impl AsyncWrite + Unpin),
    opcode: u8,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) -> std::io::Result<()> {
    let mut frame = vec![0x80 | opcode];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => frame.push(mask_bit | len as u8),
        len @ 126..=0xffff => {
            frame.push(mask_bit | 126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(mask_bit | 127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(mask) => {
            frame.extend_from_slice(&mask);
            frame.extend(
                payload
                    .iter()
                    .enumerate()
                    .map(|(index, byte)| byte ^ mask[index % 4]),
            );
        }
        None => frame.extend_from_slice(payload),
    }
    stream.write_all(&frame).await?;
    stream.flush().await
}

/// A client's WebSocket through the recorder at `base` (`http://127.0.0.1:PORT`): the
/// handshake's answer head and the stream.
async fn open_websocket(base: &str, path: &str) -> (String, TcpStream) {
    let addr = base
        .strip_prefix("http://")
        .expect("the recorder serves http");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\
         Origin: http://{addr}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let head = tokio::time::timeout(Duration::from_secs(10), read_head(&mut stream))
        .await
        .expect("the handshake is answered within 10 s")
        .expect("the handshake is answered");
    (head, stream)
}

/// Sends `text` as a masked text frame and returns the text of the frame that comes back.
async fn round_trip(stream: &mut TcpStream, text: &str) -> String {
    write_frame(stream, 0x1, text.as_bytes(), Some([0x37, 0xfa, 0x21, 0x3d]))
        .await
        .unwrap();
    let (opcode, payload) = tokio::time::timeout(Duration::from_secs(10), read_frame(stream))
        .await
        .expect("the echo comes back within 10 s")
        .expect("the echo comes back");
    assert_eq!(opcode, 0x1, "a text frame comes back");
    String::from_utf8(payload).unwrap()
}

/// A WebSocket through `record` (to a plain and to an HTTPS upstream): the 101 and its accept
/// reach the client, messages flow both ways, and nothing of them is written; the recorder
/// says it tunnelled the upgrade, and a plain request in the same run is recorded as before.
#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_is_tunnelled_through_record_and_not_recorded() {
    let upstream = EchoUpstream::start(Handshake::Accept).await;
    let front = TlsFront::start(TestCertificate::self_signed(), upstream.addr).await;
    for (upstream_url, extra) in [
        (upstream.url(), &[][..]),
        (front.url(), &["--insecure"][..]),
    ] {
        let recorded = tempfile::tempdir().unwrap();
        let recorder = Binary::record(&upstream_url, recorded.path(), extra);

        let path = "/notebooks/api/kernels/k1/channels?session_id=s1";
        let (head, mut socket) = open_websocket(&recorder.base, path).await;
        assert!(head.starts_with("HTTP/1.1 101"), "{upstream_url}: {head}");
        assert_eq!(
            header(&head, "sec-websocket-accept").as_deref(),
            Some(ACCEPT),
            "{head}"
        );
        assert!(
            header(&head, "upgrade").is_some_and(|value| value.eq_ignore_ascii_case("websocket")),
            "{head}"
        );
        let first = format!("{MESSAGE} 1");
        assert_eq!(round_trip(&mut socket, &first).await, first);
        let second = format!("{MESSAGE} 2");
        assert_eq!(round_trip(&mut socket, &second).await, second);
        write_frame(&mut socket, 0x8, &[0x03, 0xe8], Some([1, 2, 3, 4]))
            .await
            .unwrap();
        let closed = tokio::time::timeout(Duration::from_secs(10), read_frame(&mut socket)).await;
        assert!(matches!(closed, Ok(Some((0x8, _)))), "the close is echoed");
        drop(socket);

        let plain = get(recorder.url("/arcgis/rest/info?f=json")).send().await;
        assert_eq!(plain.status, 200, "{}", plain.body);
        assert_eq!(plain.json()["marker"], PLAIN_MARKER);

        let stderr = recorder.stop();
        assert!(
            stderr.contains(
                "jobmock: GET /notebooks/api/kernels/k1/channels: upgraded to websocket; \
                 tunnelled both ways, not recorded"
            ),
            "{stderr}"
        );
        assert!(
            !stderr.contains("session_id"),
            "no query is printed: {stderr}"
        );
        assert!(
            stderr.contains("; 1 upgrade(s) (websocket) tunnelled, not recorded"),
            "{stderr}"
        );
        assert!(!stderr.contains(MESSAGE), "{stderr}");

        let files = all_files(recorded.path());
        for (file, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(MESSAGE),
                "{} holds the message",
                file.display()
            );
            assert!(
                !text.contains("kernels/k1"),
                "{} records the upgrade",
                file.display()
            );
        }
        assert!(
            files
                .iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(PLAIN_MARKER)),
            "the plain exchange is recorded: {:?}",
            files.iter().map(|(file, _)| file).collect::<Vec<_>>()
        );
    }
    let upgrades: Vec<String> = upstream
        .heads()
        .into_iter()
        .filter(|head| head.contains("channels"))
        .collect();
    assert_eq!(upgrades.len(), 2, "{upgrades:?}");
    for head in upgrades {
        assert_eq!(
            header(&head, "upgrade").as_deref(),
            Some("websocket"),
            "{head}"
        );
        assert!(
            header(&head, "connection").is_some_and(|value| value.eq_ignore_ascii_case("upgrade")),
            "{head}"
        );
        assert_eq!(header(&head, "sec-websocket-key").as_deref(), Some(KEY));
    }
}

/// An upgrade the upstream refuses (426) reaches the client as the upstream's answer, and is
/// recorded as any answer is; the connection is not tunnelled.
#[tokio::test(flavor = "multi_thread")]
async fn an_upgrade_the_upstream_refuses_is_answered_as_any_answer() {
    let upstream = EchoUpstream::start(Handshake::Refuse).await;
    let recorded = tempfile::tempdir().unwrap();
    let recorder = Binary::record(&upstream.url(), recorded.path(), &[]);
    let (head, mut socket) =
        open_websocket(&recorder.base, "/notebooks/api/events/subscribe").await;
    assert!(head.starts_with("HTTP/1.1 426"), "{head}");
    let length: usize = header(&head, "content-length").unwrap().parse().unwrap();
    let mut body = vec![0u8; length];
    socket.read_exact(&mut body).await.unwrap();
    assert!(String::from_utf8_lossy(&body).contains("no WebSocket here"));
    drop(socket);

    let stderr = recorder.stop();
    assert!(!stderr.contains("tunnelled"), "{stderr}");
    assert!(
        all_files(recorded.path())
            .iter()
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains("no WebSocket here")),
        "the refusal is recorded as an answer"
    );
}

/// A tunnel outlives the connection's limits (`--header-timeout`: it idles past it), and one
/// still open when the recorder is told to stop is closed, not waited for: the recorder exits 0
/// at once, with its summary, and the client sees its connection end.
#[tokio::test(flavor = "multi_thread")]
async fn a_tunnel_outlives_the_header_timeout_and_is_closed_at_shutdown() {
    let upstream = EchoUpstream::start(Handshake::Accept).await;
    let recorded = tempfile::tempdir().unwrap();
    let recorder = Binary::record(&upstream.url(), recorded.path(), &["--header-timeout", "1"]);
    let (head, mut socket) =
        open_websocket(&recorder.base, "/notebooks/api/kernels/k2/channels").await;
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    assert_eq!(round_trip(&mut socket, MESSAGE).await, MESSAGE);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        round_trip(&mut socket, MESSAGE).await,
        MESSAGE,
        "after 2.5 s idle"
    );

    let started = Instant::now();
    let stderr = recorder.stop_within(Duration::from_secs(8));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the open tunnel held the stop for {:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("1 upgrade(s) (websocket) tunnelled"),
        "{stderr}"
    );
    let mut rest = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest)).await;
    assert!(
        ended.is_ok(),
        "the client's connection ends with the recorder"
    );
    drop(upstream);
}
