//! The limit of `make bench` for `record`: the least a hyper 1 reverse proxy can do. Each request
//! goes on to the upstream as it came (same method, path, headers and body, over a pooled
//! keep-alive connection) and the upstream's answer comes back as it came: no routing, no
//! reading of bodies, no recording. A proxy crosses loopback twice per request, so `record` is
//! read as a ratio to this, not to the bare server.
//!
//! Usage: `reference_proxy UPSTREAM_URL [HOST:PORT]`; prints `listening on http://ADDR`.

use std::io::Write;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let upstream = args
        .next()
        .expect("usage: reference_proxy UPSTREAM_URL [HOST:PORT]");
    let upstream: Uri = upstream.parse().expect("UPSTREAM_URL is a URL");
    let authority = upstream
        .authority()
        .expect("UPSTREAM_URL has a host")
        .clone();
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:0".to_string());

    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Incoming> =
        Client::builder(TokioExecutor::new()).build(connector);

    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);

    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let client = client.clone();
        let authority = authority.clone();
        tokio::spawn(async move {
            let service = service_fn(move |mut request: Request<Incoming>| {
                let client = client.clone();
                let target = request
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/")
                    .to_string();
                *request.uri_mut() = Uri::builder()
                    .scheme("http")
                    .authority(authority.clone())
                    .path_and_query(target)
                    .build()
                    .expect("a path and query from a parsed request");
                async move { client.request(request).await }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
