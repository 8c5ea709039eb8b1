use std::process::ExitCode;

fn main() -> ExitCode {
    // reqwest is built without a default TLS provider: install ring's before any client exists.
    let _ = rustls::crypto::ring::default_provider().install_default();
    ExitCode::from(conform::cli::main())
}
