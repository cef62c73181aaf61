//! What a recording must never hold: credentials in any form a client sends or a server issues
//! them, and personal data. The canary suite sends each case through the real recorder to an
//! upstream that issues and echoes secrets, then searches every byte written and printed for
//! every canary in every encoding; the properties do the same for generated secrets.
//!
//! The cases, by class: [`sent`] (by the place a client sends a credential), [`issued`] (by
//! the form of a server's answer), [`learned`] (a secret found again in another spelling or
//! place), [`shaped`] (known by its shape), [`personal`] (people's data). The tests: [`recorder`]
//! (every case through `jobmock record`), [`har`] (every case as a HAR, imported and
//! sanitized), [`kept`] (what is not a credential stays as it was), [`generated`] (generated
//! secrets, through the recorder and the redactor alone).
//!
//! To add a case: add a [`Case`] to the `cases()` of its class with its requests and its
//! upstream's answer. Canaries are the case's numbered secrets ([`Case::secrets`]) and its
//! literal `personal` values; each answer must carry `case-<name>`, so the suite knows the case
//! was recorded.

use base64::Engine as _;
use serde_json::json;

use crate::util::*;

mod generated;
mod har;
mod issued;
mod kept;
mod learned;
mod personal;
mod recorder;
mod sent;
mod shaped;

/// A request of a case.
struct Req {
    method: &'static str,
    target: String,
    headers: Vec<(&'static str, String)>,
    body: Option<(&'static str, Vec<u8>)>,
}

impl Req {
    fn get(target: impl Into<String>) -> Req {
        Req {
            method: "GET",
            target: target.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn post(
        target: impl Into<String>,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Req {
        Req {
            method: "POST",
            target: target.into(),
            headers: Vec::new(),
            body: Some((content_type, body.into())),
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Req {
        self.headers.push((name, value.into()));
        self
    }

    /// The request sent through `proxy`, saying which case it belongs to (`X-Case`, by which
    /// the upstream answers).
    fn call(&self, proxy: &Binary, case: &str) -> Call {
        let mut call =
            Call::new(self.method.parse().unwrap(), proxy.url(&self.target)).header("X-Case", case);
        for (name, value) in &self.headers {
            call = call.header(name, value);
        }
        if let Some((content_type, body)) = &self.body {
            call = call.body(content_type, body);
        }
        call
    }
}

/// One way secrets reach the recorder.
struct Case {
    name: &'static str,
    /// How many numbered secrets the case uses: `secrets[i]`, distinct per case.
    secrets: usize,
    /// Values that are personal data rather than secrets, also never to be written.
    personal: &'static [&'static str],
    /// The client's requests, given the case's secrets.
    requests: fn(&[String]) -> Vec<Req>,
    /// The upstream's answer to one of them.
    answer: fn(&Seen, &[String]) -> FakeAnswer,
}

fn json_with(case: &str, mut body: serde_json::Value) -> FakeAnswer {
    body["case"] = json!(format!("case-{case}"));
    json_answer(&body)
}

fn text(content_type: &str, body: String) -> FakeAnswer {
    (
        200,
        vec![("content-type", content_type.to_string())],
        body.into_bytes(),
    )
}

fn seen_query(seen: &Seen) -> String {
    seen.query.clone().unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Every case, class by class.
fn cases() -> Vec<Case> {
    [
        sent::cases(),
        issued::cases(),
        learned::cases(),
        shaped::cases(),
        personal::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The secrets of case number `index`: distinct from every other case's, and shaped like
/// generated credentials. The path case's start with `C_`, like ArcGIS tokens that a client
/// percent-encodes as `C%5F`.
fn secrets_of(index: usize, case: &Case) -> Vec<String> {
    (0..case.secrets)
        .map(|n| {
            let prefix = if case.name == "token-percent-encoded-in-a-path" {
                "C_"
            } else {
                "Cz"
            };
            format!("{prefix}{index:02}q{n}Xk7Lw9PmN2vR")
        })
        .collect()
}
