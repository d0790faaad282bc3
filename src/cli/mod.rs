//! The command line. Parsing is clap's; each subcommand loads the settings once, calls one
//! library function, and prints its result. Nothing here decides anything the library
//! could be asked about in a test.
//!
//! The jobs behind the commands live in the file named for them: `args` (what clap
//! parses), `print` (what the commands print), `opml` (`feeds import` and `feeds
//! export`), `query` (`test-query`), `health`, `generate` (`completions`, `man`),
//! `signals` (what `run` listens for) and `progress` (the bar of `poll --once`).

mod args;
mod generate;
mod health;
mod opml;
mod print;
pub mod progress;
mod query;
mod signals;

pub use args::{
    Cli, Command, DEFAULT_HEALTH_URL, DigestCommand, FeedsCommand, LogFormat, OutboxCommand,
};

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use crate::config::{self, Settings};
use crate::daemon::{self, DigestRun};
use crate::store::Store;

/// Runs the parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::ExampleConfig => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::TestQuery { query, file } => query::test_query(&query, &file),
        Command::Check => {
            let settings = load(&cli.config)?;
            print::summary(&settings);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            let (reload, reloads) = tokio::sync::mpsc::unbounded_channel();
            let shutdown = signals::service_signals(reload)?;
            // Watching starts before the first load, so an edit made meanwhile is seen.
            let source = daemon::ConfigSource::watching(cli.config.clone(), reloads);
            let settings = load(&cli.config)?;
            daemon::run_service(settings, source, shutdown).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Poll { once: _, feed } => {
            let settings = load(&cli.config)?;
            let mut progress = progress::PollProgress::new(std::io::stderr().is_terminal());
            let polled =
                daemon::poll_once_with_progress(settings, feed.as_deref(), |p| progress.update(p))
                    .await;
            progress.finish();
            print::poll(&polled?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Health { url } => health::check(&url).await,
        Command::Completions { shell } => generate::completions(shell),
        Command::Man { dir } => generate::man(dir.as_deref()),
        Command::Feeds {
            action:
                Some(FeedsCommand::Import {
                    file,
                    output,
                    force,
                }),
            ..
        } => opml::import_feeds(&cli.config, &file, output, force),
        Command::Feeds {
            action: Some(FeedsCommand::Export),
            ..
        } => opml::export_feeds(&cli.config),
        Command::Feeds { action: None, json } => {
            let settings = load(&cli.config)?;
            let feeds = daemon::feeds(settings).await?;
            print::feeds(&feeds, json, Utc::now())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Matches {
            watchlist,
            since,
            json,
        } => {
            let settings = load(&cli.config)?;
            let since = since_arg(&since)?;
            let matches = read_store(&settings, move |store| {
                store.matches_since(watchlist.as_deref(), since)
            })
            .await?;
            print::matches(&matches, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stories {
            watchlist,
            since,
            json,
        } => {
            let settings = load(&cli.config)?;
            let since = since_arg(&since)?;
            if let Some(name) = &watchlist
                && !settings.watchlists.iter().any(|w| &w.name == name)
            {
                anyhow::bail!("no watchlist is named `{name}`");
            }
            let stories = read_store(&settings, move |store| {
                store.stories(watchlist.as_deref(), since)
            })
            .await?;
            print::stories(&stories, json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest {
            action:
                DigestCommand::Preview {
                    name,
                    to,
                    html,
                    eml,
                },
        } => {
            let settings = load(&cli.config)?;
            match daemon::preview_digest(settings, &name, to.as_deref()).await? {
                None => eprintln!("digest `{name}`: nothing new to send"),
                Some((rendered, message)) => {
                    println!("Subject: {}\n\n{}", rendered.subject, rendered.text);
                    if let Some(path) = html {
                        std::fs::write(&path, &rendered.html)
                            .with_context(|| format!("cannot write {}", path.display()))?;
                    }
                    if let Some(path) = eml {
                        std::fs::write(&path, message.formatted())
                            .with_context(|| format!("cannot write {}", path.display()))?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest {
            action: DigestCommand::Send { name },
        } => {
            let settings = load(&cli.config)?;
            let sent = daemon::send_digest(settings, &name).await?;
            let queued = match &sent.run {
                DigestRun::Nothing => {
                    println!("digest `{name}`: nothing new; nothing queued");
                    Vec::new()
                }
                DigestRun::Queued(queued) => queued.iter().map(|q| q.outbox_id).collect(),
            };
            print::drain(&sent.report);
            let unsent = sent
                .report
                .retrying
                .iter()
                .map(|(m, _)| m)
                .chain(sent.report.failed.iter().map(|(m, _)| m))
                .any(|m| queued.contains(&m.id));
            Ok(if unsent {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Outbox {
            action: Some(OutboxCommand::Retry { id }),
            ..
        } => {
            let settings = load(&cli.config)?;
            let path = settings.storage.path.clone();
            let found = tokio::task::spawn_blocking(move || {
                Store::open(&path)?.retry_message(id, Utc::now())
            })
            .await??;
            if !found {
                anyhow::bail!("no failed message has the id {id} (see `newshound outbox`)");
            }
            println!("message {id} is pending again");
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox {
            action: Some(OutboxCommand::Send),
            ..
        } => {
            let report = daemon::send_outbox(load(&cli.config)?).await?;
            print::drain(&report);
            Ok(if report.retrying.is_empty() && report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Outbox {
            action: None,
            limit,
            json,
        } => {
            let settings = load(&cli.config)?;
            let messages = read_store(&settings, move |store| store.outbox(limit)).await?;
            print::outbox(&messages, json, Utc::now())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load(path: &Path) -> anyhow::Result<Settings> {
    Ok(config::load(path)?)
}

/// Opens the database on the blocking pool and reads from it.
async fn read_store<T: Send + 'static>(
    settings: &Settings,
    read: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let path = settings.storage.path.clone();
    Ok(tokio::task::spawn_blocking(move || read(&Store::open(&path)?)).await??)
}

/// `--since 48h` as the time that long ago.
fn since_arg(text: &str) -> anyhow::Result<chrono::DateTime<Utc>> {
    let since = crate::units::parse_duration(text).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    Ok(Utc::now() - chrono::Duration::from_std(since).context("--since is too long")?)
}
