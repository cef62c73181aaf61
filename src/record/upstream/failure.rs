//! What an upstream that gave no answer means, in a sentence that says what to run instead: a
//! certificate not trusted, TLS spoken to a plain server or plain HTTP to a TLS one, nothing
//! listening, a host name that does not resolve, a connection that never came. The client's
//! 502 answer and the recorder's stderr line both say it.
//!
//! The kinds are told apart by the errors' types where the client keeps them (rustls's, hyper's,
//! the I/O error's kind), not by their wording, which changes between versions.

use std::error::Error as StdError;
use std::io;

/// Where the upstream is, as the user spelled it, for the fix sentences.
pub(super) struct Place<'a> {
    pub scheme: &'a str,
    /// `host:port`.
    pub authority: &'a str,
    /// The path put before every forwarded path (`/arcgis`), or "".
    pub prefix: &'a str,
    pub timeout_secs: u64,
}

/// What `err`, the client's error for one request, means; with a `(fix: …)` where one is known.
pub(super) fn explain(err: &(dyn StdError + 'static), place: &Place) -> String {
    let Place {
        scheme,
        authority,
        prefix,
        timeout_secs,
    } = place;
    let never_verifies = "or --insecure (never verify)";
    for layer in chain(err) {
        if let Some(tls) = rustls_error(layer) {
            return match tls {
                rustls::Error::InvalidCertificate(certificate) => {
                    certificate_refused(certificate, authority, never_verifies)
                }
                // The first bytes back were not a TLS record: a plain HTTP answer.
                rustls::Error::InvalidMessage(_) if *scheme == "https" => format!(
                    "the upstream at {authority} does not speak TLS (fix: use \
                     http://{authority}{prefix} instead of https://)"
                ),
                other => format!(
                    "TLS with the upstream failed: {}",
                    lower(&other.to_string())
                ),
            };
        }
        if let Some(hyper) = layer.downcast_ref::<hyper::Error>()
            && *scheme == "http"
            && (hyper.is_parse() || hyper.is_incomplete_message())
        {
            // A TLS server that reads a plain request answers with an alert, or not at all.
            return format!(
                "the upstream at {authority} gave no HTTP answer ({}) (fix: if it speaks TLS, \
                 try https://{authority}{prefix})",
                innermost(err)
            );
        }
        if layer.to_string() == "dns error" {
            let host = authority
                .rsplit_once(':')
                .map_or(*authority, |(host, _)| host);
            return format!(
                "the host name {host} does not resolve ({}) (fix: check the host of --upstream, \
                 and that this machine's DNS, or VPN, knows it)",
                innermost(err)
            );
        }
        if let Some(io) = layer.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => {
                    return format!(
                        "connection refused: nothing listens at {authority} (fix: check the \
                         host and port of --upstream, and that the server runs)"
                    );
                }
                io::ErrorKind::TimedOut => {
                    return format!(
                        "no connection to {authority} within {timeout_secs} s (fix: check that \
                         it can be reached from here (a firewall, a VPN, a proxy), or give \
                         --upstream-timeout more seconds)"
                    );
                }
                _ => {}
            }
        }
    }
    innermost(err)
}

/// The sentence for a certificate rustls refused.
fn certificate_refused(
    certificate: &rustls::CertificateError,
    authority: &str,
    never_verifies: &str,
) -> String {
    use rustls::CertificateError as Certificate;
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    match certificate {
        Certificate::UnknownIssuer => format!(
            "the upstream's certificate is not signed by a known CA (fix: pass --ca-cert FILE \
             (the CA that signed it, PEM) {never_verifies})"
        ),
        Certificate::NotValidForName | Certificate::NotValidForNameContext { .. } => format!(
            "the upstream's certificate is not for the host {host} (fix: give --upstream the \
             host name the certificate names, {never_verifies})"
        ),
        Certificate::Expired
        | Certificate::ExpiredContext { .. }
        | Certificate::NotValidYet
        | Certificate::NotValidYetContext { .. } => format!(
            "the upstream's certificate has expired or is not valid yet (fix: check this \
             machine's clock, or renew the certificate, {never_verifies})"
        ),
        other => format!(
            "the upstream's certificate is refused: {} (fix: pass --ca-cert FILE (the CA that \
             signed it, PEM) {never_verifies})",
            lower(&other.to_string())
        ),
    }
}

/// `err` and each of its causes, outermost first. An `io::Error` that wraps another error
/// (tokio-rustls hands its TLS errors over so, perhaps wrapped again) is followed into it: its
/// `source()` would skip the error it wraps.
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&layer| {
        match layer
            .downcast_ref::<io::Error>()
            .and_then(io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => layer.source(),
        }
    })
}

/// The rustls error `layer` is, if it is one.
fn rustls_error<'a>(layer: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    layer.downcast_ref::<rustls::Error>()
}

/// The innermost cause of a client error, which is the one that says what happened when no
/// kind above is known.
fn innermost(err: &(dyn StdError + 'static)) -> String {
    let last = chain(err).last().unwrap_or(err);
    let message = last.to_string();
    lower(message.split(" (os error").next().unwrap_or(&message))
}

fn lower(message: &str) -> String {
    message.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(scheme: &'static str) -> Place<'static> {
        Place {
            scheme,
            authority: "nb.example:11443",
            prefix: "/arcgis",
            timeout_secs: 60,
        }
    }

    /// tokio-rustls's way of handing over a TLS error.
    fn tls(err: rustls::Error) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }

    #[test]
    fn a_certificate_of_an_unknown_ca_names_both_ways_out() {
        // Wrapped again, as the connector hands it over.
        let err = io::Error::other(tls(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        )));
        assert_eq!(
            explain(&err, &place("https")),
            "the upstream's certificate is not signed by a known CA (fix: pass --ca-cert FILE \
             (the CA that signed it, PEM) or --insecure (never verify))"
        );
    }

    #[test]
    fn tls_spoken_to_a_plain_server_says_to_use_http() {
        let err = tls(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert_eq!(
            explain(&err, &place("https")),
            "the upstream at nb.example:11443 does not speak TLS (fix: use \
             http://nb.example:11443/arcgis instead of https://)"
        );
    }

    #[test]
    fn a_refused_connection_and_a_timeout_say_what_to_check() {
        let refused = io::Error::new(io::ErrorKind::ConnectionRefused, "Connection refused");
        assert!(
            explain(&refused, &place("http"))
                .starts_with("connection refused: nothing listens at nb.example:11443 (fix: ")
        );
        let slow = io::Error::new(io::ErrorKind::TimedOut, "connect timeout");
        assert!(
            explain(&slow, &place("http"))
                .starts_with("no connection to nb.example:11443 within 60 s (fix: ")
        );
    }

    #[test]
    fn an_unknown_failure_is_its_innermost_cause() {
        let err = io::Error::other("Something odd (os error 5)");
        assert_eq!(explain(&err, &place("http")), "something odd");
    }
}
