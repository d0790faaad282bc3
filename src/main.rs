//! The `newshound` binary: parse the command line, set up logging, dispatch.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use newshound::cli::{self, Cli, LogFormat, progress};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.verbose {
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,newshound={default_level}")));
    let logger = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| Stderr);
    match cli.log_format {
        LogFormat::Text => logger.with_ansi(std::io::stderr().is_terminal()).init(),
        // One object per line, for collectors: no colours, no span list.
        LogFormat::Json => logger
            .json()
            .with_ansi(false)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }

    match cli::execute(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Stderr, with the progress bar of `poll --once` (when one is drawn) lifted out of the
/// way of each log line.
struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        progress::around_bar(|| std::io::stderr().write(buf))
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        progress::around_bar(|| std::io::stderr().write_all(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
