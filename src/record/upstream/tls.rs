//! How the proxy trusts an HTTPS upstream: the usual web roots and any CA certificates given
//! (`--ca-cert`), or, with `--insecure`, any certificate at all, its handshake still checked.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::Trust;
use crate::error::{Error, Result};

/// The TLS configuration of the client that reaches the upstream.
pub(super) fn tls_config(trust: &Trust) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions");
    if trust.insecure {
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = &trust.ca_cert {
        add_ca_file(&mut roots, path)?;
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

fn add_ca_file(roots: &mut rustls::RootCertStore, path: &Path) -> Result<()> {
    let bad = |message: String| {
        Error::input(
            path,
            message,
            "give --ca-cert a PEM file with one or more -----BEGIN CERTIFICATE----- blocks",
        )
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|err| bad(format!("cannot read the CA certificates: {err}")))?;
    let mut added = 0;
    for certificate in certificates {
        let certificate =
            certificate.map_err(|err| bad(format!("not a PEM certificate: {err}")))?;
        roots
            .add(certificate)
            .map_err(|err| bad(format!("not a usable CA certificate: {err}")))?;
        added += 1;
    }
    if added == 0 {
        return Err(bad("holds no certificate".to_string()));
    }
    Ok(())
}

/// `--insecure`: any certificate is accepted, but the handshake's signatures are still checked,
/// so the connection is encrypted to whoever holds the certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
