//! The TLS flags of the commands that serve (`conform mock`, `conform proxy`).

use std::net::IpAddr;

use tokio_rustls::TlsAcceptor;

use crate::error::Error;
use crate::mock::tls::{self, Certificate};

#[derive(clap::Args, Debug)]
pub struct TlsArgs {
    /// Serve HTTPS. Without --tls-cert, with a certificate made at start for localhost,
    /// 127.0.0.1 and --host, signed by an authority of its own whose PEM is written to
    /// --tls-authority for clients to trust.
    #[arg(long)]
    tls: bool,
    /// Where the made certificate's authority is written (PEM).
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls",
        conflicts_with = "tls_cert"
    )]
    tls_authority: Option<std::path::PathBuf>,
    /// Serve HTTPS with this certificate chain (PEM), instead of a made one.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

impl TlsArgs {
    /// The TLS a server answers with, from the flags; `None` for plain HTTP. `server` names
    /// the authority's file (`conform-mock-authority-…`).
    pub fn acceptor(&self, host: &IpAddr, server: &str) -> Result<Option<TlsAcceptor>, Error> {
        let certificate = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Certificate::Given {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ if self.tls => {
                let authority = self.tls_authority.clone().unwrap_or_else(|| {
                    std::env::temp_dir().join(format!(
                        "conform-{server}-authority-{}.pem",
                        std::process::id()
                    ))
                });
                eprintln!(
                    "TLS: trust the certificate authority written to {} (e.g. NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE)",
                    authority.display()
                );
                Certificate::Generated { authority }
            }
            _ => return Ok(None),
        };
        tls::acceptor(&certificate, &host.to_string()).map(Some)
    }
}
