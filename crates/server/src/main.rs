//! `retention-server --config FILE --db FILE --listen ADDR`: see the README.

use std::process::ExitCode;

use clap::Parser;
use retention_server::cli::Args;

// Every request allocates and frees many small strings and maps (the
// stored state parsed, the view written); mimalloc serves them from
// per-thread pages where glibc's malloc took 8% of a GET /v1/me profile.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = Args::parse();
    match retention_server::run::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line an operator can act on; no backtrace.
            eprintln!("retention-server: {error}");
            ExitCode::FAILURE
        }
    }
}
