//! HTTPS for `replay --tls` and `record --tls`: a self-signed certificate for `localhost` and
//! `127.0.0.1` made at start (and written out so a client can trust it), or a certificate and
//! key from files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};
use crate::util::write;

/// Where the certificate comes from.
#[derive(Debug, Clone)]
pub enum Certificate {
    /// Made at start; its PEM written to the path given, if any.
    SelfSigned { write_to: Option<PathBuf> },
    /// PEM files: the certificate chain and its private key.
    Files { cert: PathBuf, key: PathBuf },
}

/// The names the self-signed certificate is good for.
const SELF_SIGNED_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

pub fn acceptor(certificate: &Certificate) -> Result<TlsAcceptor> {
    let (chain, key) = match certificate {
        Certificate::SelfSigned { write_to } => {
            let (chain, key, pem) = make_self_signed();
            if let Some(path) = write_to {
                write::file(path, pem.as_bytes())?;
            }
            (chain, key)
        }
        Certificate::Files { cert, key } => (read_chain(cert)?, read_key(key)?),
    };
    server_config(certificate, chain, key)
}

/// A self-signed certificate for `localhost` and `127.0.0.1` made now: the acceptor, and the
/// certificate's PEM for a client to trust (the in-process test server's HTTPS).
pub fn self_signed() -> Result<(TlsAcceptor, String)> {
    let (chain, key, pem) = make_self_signed();
    let acceptor = server_config(&Certificate::SelfSigned { write_to: None }, chain, key)?;
    Ok((acceptor, pem))
}

type Made = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String);

fn make_self_signed() -> Made {
    let names: Vec<String> = SELF_SIGNED_NAMES.iter().map(|n| n.to_string()).collect();
    let made = rcgen::generate_simple_self_signed(names)
        .expect("a self-signed certificate for fixed, valid names can be made");
    let key = PrivateKeyDer::Pkcs8(made.signing_key.serialize_der().into());
    (vec![made.cert.der().clone()], key, made.cert.pem())
}

fn server_config(
    certificate: &Certificate,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<TlsAcceptor> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|err| {
            let path = match certificate {
                Certificate::Files { key, .. } => key.clone(),
                Certificate::SelfSigned { .. } => PathBuf::from("(self-signed)"),
            };
            Error::input(
                path,
                format!("the certificate and key do not make a TLS server: {err}"),
                "give --tls-key the private key of the --tls-cert certificate",
            )
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let hint = "give --tls-cert a PEM file with -----BEGIN CERTIFICATE----- blocks";
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|err| Error::input(path, format!("cannot read the certificate: {err}"), hint))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|err| Error::input(path, format!("not a PEM certificate: {err}"), hint))?;
    if chain.is_empty() {
        return Err(Error::input(path, "holds no certificate", hint));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|err| {
        Error::input(
            path,
            format!("cannot read the private key: {err}"),
            "give --tls-key a PEM file with a -----BEGIN PRIVATE KEY----- block",
        )
    })
}
