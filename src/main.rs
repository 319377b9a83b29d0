//! The `myochart` binary: parse the command line, load settings, start logging, run.

use std::process::ExitCode;

use clap::Parser;
use myochart::cli::{Cli, Command, run};
use myochart::config::Config;

/// Prints a failure as one line: driver messages may span several.
fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("myochart: {}", message.split_whitespace().collect::<Vec<_>>().join(" "));
    ExitCode::from(code)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(message) => return fail(&message, 2),
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log))
        .with_target(false)
        // One line per finished request, carrying the request span's fields.
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    match run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message, 1),
    }
}
