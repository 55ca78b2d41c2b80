//! The `risk` binary: see `risk --help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    risk_api::cli::main()
}
