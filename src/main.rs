//! The `conform` binary: hands the command line to the library.

use std::process::ExitCode;

/// Cases allocate and free many small objects on every worker thread: mimalloc spends less time
/// there than the system allocator and keeps less memory in per-thread arenas.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    ExitCode::from(conform::cli::main())
}
