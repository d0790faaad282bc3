//! The `newshound` binary: parse the command line, set up logging, dispatch.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use newshound::cli::{self, Cli, LogFormat, progress};
use tracing_subscriber::EnvFilter;

/// Threads for blocking work: parsing, matching, and the store's reads and writes. Beyond
/// what two cores can keep busy, a thread is only one more waiting for the database, with
/// its stack and allocator caches: ten thousand feeds polled at once grew tokio's default
/// pool (512) to 150 threads and 26 MB more peak RSS than with 24.
const BLOCKING_THREADS: usize = 32;

fn main() -> ExitCode {
    newshound::daemon::limit_heaps();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run())
}

async fn run() -> ExitCode {
    quiet_on_closed_stdout();
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
        // Output written with `write_all` (the manual, completions) meets a closed pipe
        // as an error rather than a panic: the same quiet stop.
        Err(error)
            if error.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::from(141)
        }
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

/// `newshound matches | head` closes the pipe early, and `println!` then panics. Like
/// other command-line tools, stop quietly instead, with the status a death by SIGPIPE
/// gives (128 + 13). SIGPIPE itself stays ignored (Rust's default), so that a peer closing
/// a socket is an error the daemon handles, not its death; any other panic reports as
/// usual.
fn quiet_on_closed_stdout() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout")
            && message.to_ascii_lowercase().contains("broken pipe")
        {
            std::process::exit(141);
        }
        report(info);
    }));
}
