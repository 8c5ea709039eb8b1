use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(conform::cli::main())
}
