//! The `myochart` binary: parse the command line, load settings, start logging, run.

use std::process::ExitCode;

use clap::Parser;
use myochart::cli::{Cli, Command, run};
use myochart::config::Config;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("myochart: {message}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.log))
        .with_target(false)
        .init();
    match run(cli.command.unwrap_or(Command::Serve), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("myochart: {message}");
            ExitCode::FAILURE
        }
    }
}
