//! The `conform` binary: hands the command line to the library.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(conform::cli::main())
}
