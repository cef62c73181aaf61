//! What one client may take of the server: slow headers, large heads and bodies, many
//! connections, endless new sessions; and a SIGTERM while requests are in flight. Each is
//! driven through the real binary with its flag.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::*;

fn addr(binary: &Binary) -> std::net::SocketAddr {
    binary
        .base
        .trim_start_matches("http://")
        .parse()
        .expect("the listening line names an address")
}

/// Reads what the server sends until it closes the connection (or `limit` passes).
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut answer = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut answer))
        .await
        .ok()
        .map(|_| answer)
}

/// A client that trickles its headers is cut off after --header-timeout; the others are served
/// meanwhile.
#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off() {
    let server = Binary::replay(&shipped_fixtures(), &["--header-timeout", "1"]);
    let mut slow = TcpStream::connect(addr(&server)).await.unwrap();
    slow.write_all(b"GET /arcgis/admin/system/jobs/")
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = async {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow.write_all(b"j").await.is_err() {
                break;
            }
        }
    };
    let served = async {
        let answer = get(server.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json")))
            .send()
            .await;
        assert_eq!(answer.status, 200);
    };
    tokio::join!(trickle, served);
    let closed = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(closed.is_some(), "the trickling connection is still open");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "cut off after {:?}",
        started.elapsed()
    );
}

/// A request head larger than --max-header-bytes gets 431, and the server goes on serving.
#[tokio::test]
async fn a_head_larger_than_the_limit_gets_431() {
    let server = Binary::replay(&shipped_fixtures(), &["--max-header-bytes", "16384"]);
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    let big = "x".repeat(20_000);
    let request = format!("GET /__jobmock/health HTTP/1.1\r\nHost: a\r\nX-Big: {big}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes()).await;
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("the server answers and closes");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");

    // Just under the limit is fine.
    let fits = "x".repeat(12_000);
    let answer = get(server.url("/__jobmock/health"))
        .header("X-Big", &fits)
        .send()
        .await;
    assert_eq!(answer.status, 200);
}

/// A POST body larger than --max-body-bytes gets 413 with an ArcGIS error body, whether its
/// length is announced or it comes chunked.
#[tokio::test]
async fn a_body_larger_than_the_limit_gets_413() {
    let server = Binary::replay(&shipped_fixtures(), &["--max-body-bytes", "1000"]);
    let url = server.url(&format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}"));
    let answer = post(&url)
        .form(&format!("f=json&x={}", "a".repeat(2000)))
        .send()
        .await;
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json()["code"], 413);
    let message = answer.json()["messages"][0].as_str().unwrap().to_string();
    assert!(message.contains("at most 1000 bytes"), "{message}");

    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    let chunk = "a".repeat(1500);
    let request = format!(
        "POST /arcgis/admin/system/jobs/{EXECUTE_JOB} HTTP/1.1\r\nHost: a\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\
         Connection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    // Within the limit, the form is read.
    let answer = post(&url).form("f=json").send().await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["jobId"], EXECUTE_JOB);
}

/// At --max-connections, a further client waits (it is neither refused nor does it crash the
/// server) and is served as soon as a connection closes.
#[tokio::test]
async fn connections_over_the_cap_wait_for_a_free_slot() {
    let server = Binary::replay(&shipped_fixtures(), &["--max-connections", "2"]);
    let request = b"GET /__jobmock/health HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut buffer = [0u8; 512];
        let read = stream.read(&mut buffer).await.unwrap();
        assert!(buffer[..read].starts_with(b"HTTP/1.1 200"));
        held.push(stream); // kept open: keep-alive
    }
    let mut third = TcpStream::connect(addr(&server)).await.unwrap();
    third
        .write_all(b"GET /__jobmock/health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 512];
    let early = tokio::time::timeout(Duration::from_millis(500), third.read(&mut buffer)).await;
    assert!(
        early.is_err(),
        "the third connection was served past the cap"
    );

    drop(held.pop());
    let answer = read_until_closed(&mut third, Duration::from_secs(5))
        .await
        .expect("served once a slot is free");
    assert!(answer.starts_with(b"HTTP/1.1 200"));
}

/// A client that names a new session on every request cannot grow the server's tables: the
/// least recently used sessions are forgotten, counted in the health answer.
#[tokio::test]
async fn sessions_are_bounded_and_the_drops_counted() {
    let server = Binary::replay(
        &shipped_fixtures(),
        &["--max-sessions", "16", "--journal-size", "8"],
    );
    let url = server.url(&format!("/arcgis/admin/system/jobs/{OPEN_JOB}?f=json"));
    // One session kept busy all along, 200 others used once.
    assert_eq!(get(&url).session("busy").status().await, "SUBMITTED");
    for n in 0..200 {
        get(&url).session(&format!("s{n}")).send().await;
        get(&url).session("busy").send().await;
    }
    let health = get(server.url("/__jobmock/health")).send().await.json();
    let sessions = &health["sessions"];
    assert!(sessions["live"].as_u64().unwrap() <= 16, "{health}");
    assert_eq!(sessions["capacity"], 16);
    assert_eq!(
        sessions["dropped"].as_u64().unwrap() + sessions["live"].as_u64().unwrap(),
        201,
        "{health}"
    );
    assert_eq!(health["journal"]["entries"], 8);
    assert_eq!(health["journal"]["dropped"], 401 - 8);
    // The busy session kept its place: its job went on (it has polled 201 times).
    let jobs = get(server.url(&format!("/__jobmock/jobs/{OPEN_JOB}")))
        .send()
        .await
        .json();
    assert_eq!(jobs["sessions"]["busy"]["polls"], 201, "{jobs}");
    assert!(jobs["sessions"].get("s0").is_none());
}

/// SIGTERM while requests are in flight: they all complete, then the process exits 0, well
/// within the drain limit.
#[tokio::test]
async fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    let fixtures = FixtureDir::new();
    fixtures.job("slow", &["COMPLETED"]);
    fixtures.file(
        "jobs/slow/script.json",
        r#"{"steps": {"001.json": {"delayMs": 1500}}}"#,
    );
    let server = Binary::replay(fixtures.path(), &[]);
    let url = server.url("/arcgis/admin/system/jobs/slow?f=json");
    let in_flight: Vec<_> = (0..20)
        .map(|n| {
            let call = get(&url).session(&format!("s{n}"));
            tokio::spawn(call.send())
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let signalled = Instant::now();
    server.terminate();
    for answer in in_flight {
        let answer = answer.await.unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(answer.job_status(), "COMPLETED");
    }
    let (code, _, err) = server.wait(Duration::from_secs(12));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        signalled.elapsed() < Duration::from_secs(12),
        "{:?}",
        signalled.elapsed()
    );
}

/// After SIGTERM, new connections are no longer accepted while requests in flight finish.
#[tokio::test]
async fn sigterm_stops_accepting_at_once() {
    let fixtures = FixtureDir::new();
    fixtures.job("slow", &["COMPLETED"]);
    fixtures.file(
        "jobs/slow/script.json",
        r#"{"steps": {"001.json": {"delayMs": 2000}}}"#,
    );
    let server = Binary::replay(fixtures.path(), &[]);
    let in_flight = tokio::spawn(get(server.url("/arcgis/admin/system/jobs/slow?f=json")).send());
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.terminate();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = TcpStream::connect(addr(&server)).await;
    assert!(refused.is_err(), "a connection was accepted after SIGTERM");
    assert_eq!(in_flight.await.unwrap().job_status(), "COMPLETED");
    let (code, _, err) = server.wait(Duration::from_secs(12));
    assert_eq!(code, Some(0), "{err}");
}

/// A form body sent slower than --header-timeout gets 408: a slow body cannot hold a
/// connection (and a slot of --max-connections) forever.
#[tokio::test]
async fn a_body_sent_too_slowly_gets_408() {
    let server = Binary::replay(&shipped_fixtures(), &["--header-timeout", "1"]);
    let mut stream = TcpStream::connect(addr(&server)).await.unwrap();
    let head = format!(
        "POST /arcgis/admin/system/jobs/{EXECUTE_JOB} HTTP/1.1\r\nHost: a\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nf=json"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    // Trickle a byte now and then; the server answers 408 after about a second.
    while started.elapsed() < Duration::from_secs(6) {
        let _ = stream.write_all(b"&").await;
        match tokio::time::timeout(Duration::from_millis(300), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(read)) => answer.extend_from_slice(&buffer[..read]),
            Err(_) => {}
        }
        if answer.ends_with(b"}") {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":408"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

/// --max-header-bytes holds whatever the timing: heads of 70,000 and 100,000 bytes sent in one
/// write get 431 under the default 64 KiB (hyper's buffer alone let up to 114,688 through), as
/// does 195,557 under 131072; in replay and in record.
#[tokio::test]
async fn a_head_sent_in_one_write_cannot_pass_the_limit() {
    let default = Binary::replay(&shipped_fixtures(), &[]);
    let larger = Binary::replay(&shipped_fixtures(), &["--max-header-bytes", "131072"]);
    let upstream = Binary::replay(&shipped_fixtures(), &[]);
    let recorded = tempfile::tempdir().unwrap();
    let proxy = Binary::record(&upstream.base, recorded.path(), &[]);
    let job = format!("/arcgis/admin/system/jobs/{EXECUTE_JOB}?f=json");
    for (server, size) in [
        (&default, 70_000),
        (&default, 100_000),
        (&larger, 195_557),
        (&proxy, 70_000),
    ] {
        let mut stream = TcpStream::connect(addr(server)).await.unwrap();
        let filler = "x".repeat(size);
        let request = format!("GET {job} HTTP/1.1\r\nHost: a\r\nX-Big: {filler}\r\n\r\n");
        let _ = stream.write_all(request.as_bytes()).await;
        let answer = read_until_closed(&mut stream, Duration::from_secs(5))
            .await
            .unwrap_or_default();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "a head of {size} bytes to {}: {}",
            server.base,
            answer.lines().next().unwrap_or("(nothing)")
        );
    }
    // The limit is the limit: a head just under it is served.
    let fits = "x".repeat(60_000);
    let answer = get(default.url(&job)).header("X-Big", &fits).send().await;
    assert_eq!(answer.status, 200);
    let answer = get(proxy.url(&job)).header("X-Big", &fits).send().await;
    assert_eq!(answer.status, 200);
}
