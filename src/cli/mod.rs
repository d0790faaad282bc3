//! The command line. Parsing is clap's; each subcommand loads the settings once, calls one
//! library function, and prints its result. Nothing here decides anything the library
//! could be asked about in a test.
//!
//! [`execute`] is the dispatch: one function per subcommand. Those that only wire the
//! library to a printer are below it; the rest live in the file named for their job:
//! `args` (what clap parses), `print` (what the commands print), `opml` (`feeds import`
//! and `feeds export`), `query` (`test-query`), `extract` (what is read on article
//! pages), `health`, `generate` (`completions`, `man`), `signals` (what `run` listens
//! for) and `progress` (the bar of `poll --once`).

mod args;
mod extract;
mod generate;
mod health;
mod opml;
mod print;
pub mod progress;
mod query;
mod signals;

pub use args::{
    Cli, Command, DEFAULT_HEALTH_URL, DigestCommand, EmailCommand, FeedsCommand, LogFormat,
    OutboxCommand, WebhookCommand,
};

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;

use crate::config::{self, Settings};
use crate::daemon::{self, DigestRun};
use crate::digest::probe::Step;
use crate::store::Store;

/// Runs the parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_path();
    match cli.command {
        Command::Run => run(config).await,
        Command::Check => check(config),
        Command::Poll { once: _, feed } => poll(config, feed.as_deref()).await,
        Command::Feeds {
            action:
                Some(FeedsCommand::Import {
                    file,
                    output,
                    force,
                }),
            ..
        } => opml::import_feeds(config, &file, output, force),
        Command::Feeds {
            action: Some(FeedsCommand::Export),
            ..
        } => opml::export_feeds(config),
        Command::Feeds { action: None, json } => feeds(config, json).await,
        Command::Matches {
            watchlist,
            since,
            json,
        } => matches(config, watchlist, &since, json).await,
        Command::Stories {
            watchlist,
            since,
            json,
        } => stories(config, watchlist, &since, json).await,
        Command::Digest {
            action:
                DigestCommand::Preview {
                    name,
                    to,
                    html,
                    eml,
                },
        } => preview_digest(config, &name, to.as_deref(), html, eml).await,
        Command::Digest {
            action: DigestCommand::Send { name },
        } => send_digest(config, &name).await,
        Command::Outbox {
            action: Some(OutboxCommand::Retry { id }),
            ..
        } => retry_message(config, id).await,
        Command::Outbox {
            action: Some(OutboxCommand::Send),
            ..
        } => send_outbox(config).await,
        Command::Outbox {
            action: None,
            limit,
            json,
        } => outbox(config, limit, json).await,
        Command::TestQuery {
            query,
            file,
            explain,
            link,
            feed,
        } => query::test_query(
            config,
            &query,
            query::Options {
                file: file.as_deref(),
                explain,
                link: link.as_deref(),
                feed: feed.as_deref(),
            },
        ),
        Command::Extract { json, inputs } => extract::extract(config, json, &inputs).await,
        Command::Email {
            action: EmailCommand::Test { to },
        } => email_test(config, to.as_deref()).await,
        Command::Webhook {
            action: WebhookCommand::Test { name },
        } => webhook_test(config, &name).await,
        Command::Webhook {
            action: WebhookCommand::List { json },
        } => webhook_list(config, json).await,
        Command::ExampleConfig => example_config(),
        Command::Health { url } => health::check(&url).await,
        Command::Completions { shell } => generate::completions(shell),
        Command::Man { dir } => generate::man(dir.as_deref()),
    }
}

async fn run(config: &Path) -> anyhow::Result<ExitCode> {
    let (reload, reloads) = tokio::sync::mpsc::unbounded_channel();
    let shutdown = signals::service_signals(reload)?;
    // Watching starts before the first load, so an edit made meanwhile is seen.
    let source = daemon::ConfigSource::watching(config.to_path_buf(), reloads);
    let settings = load(config)?;
    daemon::run_service(settings, source, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

fn check(config: &Path) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    print::summary(&settings);
    Ok(ExitCode::SUCCESS)
}

async fn poll(config: &Path, feed: Option<&str>) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let mut progress = progress::PollProgress::new(std::io::stderr().is_terminal());
    let polled = daemon::poll_once_with_progress(settings, feed, |p| progress.update(p)).await;
    progress.finish();
    print::poll(&polled?);
    Ok(ExitCode::SUCCESS)
}

/// `feeds`: the table.
async fn feeds(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    if !json {
        mail_blocked(&settings).await?;
    }
    let feeds = daemon::feeds(settings).await?;
    print::feeds(&feeds, json, Utc::now())?;
    Ok(ExitCode::SUCCESS)
}

/// Says so above a table when pending mail is held by a fault of the `[email]` settings:
/// otherwise it piles up unseen.
async fn mail_blocked(settings: &Settings) -> anyhow::Result<()> {
    if !settings.storage.path.exists() {
        return Ok(());
    }
    let pending = read_store(settings, |store| {
        store.pending_messages(crate::store::Channel::Mail)
    })
    .await?;
    let blocked = pending
        .iter()
        .filter_map(|m| m.last_error.as_deref())
        .find(|e| e.starts_with(crate::digest::send::BLOCKED));
    if let Some(error) = blocked {
        println!(
            "MAIL IS BLOCKED: {} messages wait; the last attempt said: {error}\n",
            pending.len()
        );
    }
    Ok(())
}

async fn matches(
    config: &Path,
    watchlist: Option<String>,
    since: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let since = since_arg(since)?;
    let matches = read_store(&settings, move |store| {
        store.matches_since(watchlist.as_deref(), since)
    })
    .await?;
    print::matches(&matches, json)?;
    Ok(ExitCode::SUCCESS)
}

async fn stories(
    config: &Path,
    watchlist: Option<String>,
    since: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let since = since_arg(since)?;
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

async fn preview_digest(
    config: &Path,
    name: &str,
    to: Option<&str>,
    html: Option<PathBuf>,
    eml: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    match daemon::preview_digest(settings, name, to).await? {
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

/// `digest send`: fails when a message it queued was not sent.
async fn send_digest(config: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let sent = daemon::send_digest(settings, name).await?;
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

/// `outbox retry`.
async fn retry_message(config: &Path, id: i64) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let path = settings.storage.path.clone();
    let found =
        tokio::task::spawn_blocking(move || Store::open(&path)?.retry_message(id, Utc::now()))
            .await??;
    if !found {
        anyhow::bail!("no failed message has the id {id} (see `newshound outbox`)");
    }
    println!("message {id} is pending again");
    Ok(ExitCode::SUCCESS)
}

/// `outbox send`: fails when a message is left unsent.
async fn send_outbox(config: &Path) -> anyhow::Result<ExitCode> {
    let report = daemon::send_outbox(load(config)?).await?;
    print::drain(&report);
    Ok(if report.retrying.is_empty() && report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `outbox`: the table.
async fn outbox(config: &Path, limit: usize, json: bool) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let messages = read_store(&settings, move |store| store.outbox(limit)).await?;
    if !json {
        mail_blocked(&settings).await?;
    }
    print::outbox(&messages, json, Utc::now())?;
    Ok(ExitCode::SUCCESS)
}

/// `email test`: each step of an SMTP session with the configured settings; with `--to`,
/// once they all passed, a test message through the outbox.
async fn email_test(config: &Path, to: Option<&str>) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let to = to
        .map(|t| t.parse::<lettre::Address>())
        .transpose()
        .map_err(|e| anyhow::anyhow!("--to: not an address ({e})"))?;
    let mut steps = crate::digest::probe::probe(&settings.email).await;
    print::steps(&steps);
    if let Some(to) = to
        && steps.iter().all(|s| s.ok)
    {
        let accepted = match &settings.email.transport {
            config::Transport::Smtp(_) => format!("accepted for {to}"),
            config::Transport::File { outbox } => {
                format!("written to {} for {to}", outbox.display())
            }
        };
        let sent = daemon::send_test_message(settings, &to).await;
        let step = test_message_step(sent, &accepted);
        print::steps(std::slice::from_ref(&step));
        steps.push(step);
    }
    Ok(if steps.iter().all(|s| s.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The `send` step of `email test --to`: how the test message went, and where it is now.
fn test_message_step(sent: anyhow::Result<daemon::TestSend>, accepted: &str) -> Step {
    let (ok, detail) = match sent {
        Err(e) => (false, format!("{e:#}")),
        Ok(daemon::TestSend { message, attempt }) => {
            let (id, message_id) = (message.id, &message.message_id);
            match attempt {
                daemon::Attempt::Sent => (
                    true,
                    format!("{accepted} (outbox #{id}, Message-ID {message_id})"),
                ),
                daemon::Attempt::Retrying { reason, .. } => (
                    false,
                    format!(
                        "not sent: {reason}; it waits in the outbox as #{id} (Message-ID \
                         {message_id}): the daemon tries it again, `newshound outbox` shows it"
                    ),
                ),
                daemon::Attempt::Failed(reason) => (
                    false,
                    format!(
                        "refused for good: {reason}; it is failed in the outbox as #{id} \
                         (Message-ID {message_id}): `newshound outbox retry {id}` would send \
                         it again"
                    ),
                ),
            }
        }
    };
    Step {
        name: "send",
        ok,
        detail,
    }
}

/// `webhook test`: the answer to a sample delivery; success only on 2xx.
async fn webhook_test(config: &Path, name: &str) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let test = daemon::test_webhook(&settings, name).await?;
    let delivered = print::webhook_test(name, &test);
    Ok(if delivered {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `webhook list`: the table.
async fn webhook_list(config: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let settings = load(config)?;
    let webhooks = daemon::webhooks(settings).await?;
    print::webhooks(&webhooks, json, Utc::now())?;
    Ok(ExitCode::SUCCESS)
}

fn example_config() -> anyhow::Result<ExitCode> {
    print!("{}", config::EXAMPLE);
    Ok(ExitCode::SUCCESS)
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
