//! The `wirelens` binary: parse flags, run, map the outcome to an exit code.
//! Exit codes: 0 success (also when the reader of our output went away:
//! a broken pipe is not an error, as in ripgrep), 2 bad input or usage.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    let cli = wirelens::cli::Cli::parse();
    let Some(config) = wirelens::config::Config::resolve(cli) else {
        let _ = wirelens::cli::Cli::command().print_help();
        return ExitCode::from(2);
    };
    match wirelens::app::run(&config) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("wirelens: {e:#}");
            ExitCode::from(2)
        }
    }
}
