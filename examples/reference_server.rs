//! The reference of `make bench`: the least a hyper 1 server can do for a job poll. It answers
//! every request with the same job body, `Content-Type: application/json`, HTTP/1.1 keep-alive:
//! no routing, no state, no journal. jobmock's figures are read as a ratio to this one's,
//! measured in the same run on the same machine.
//!
//! Usage: `reference_server BODY_FILE [HOST:PORT]`; prints `listening on http://ADDR`.

use std::convert::Infallible;
use std::io::Write;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let body_file = args
        .next()
        .expect("usage: reference_server BODY_FILE [HOST:PORT]");
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());
    let body = Bytes::from(std::fs::read(&body_file)?);

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);

    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_request: Request<hyper::body::Incoming>| {
                let mut response = Response::new(Full::new(body.clone()));
                response
                    .headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
