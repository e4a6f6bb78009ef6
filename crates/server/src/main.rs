//! `retention-server --config FILE --db FILE --listen ADDR`: see the README.

use std::process::ExitCode;

use clap::Parser;
use retention_server::cli::Args;

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
