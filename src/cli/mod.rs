//! The command line. Parsing is clap's; each subcommand loads the settings once, calls one
//! library function, and prints its result. Nothing here decides anything the library
//! could be asked about in a test.

pub mod progress;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;
use clap::{CommandFactory as _, Parser, Subcommand};

use crate::config::{self, Schedule, Settings, Transport};
use crate::daemon::{self, DigestRun};
use crate::feed::parse::html_to_text;
use crate::model::{MatchRecord, Story};
use crate::store::{MessageState, OutboxMessage, Store};
use crate::watch::{Field, Query, Watcher};
use crate::wording::{count, one_line_within};

#[derive(Debug, Parser)]
#[command(
    name = "newshound",
    version,
    about = "Watches news feeds and emails digests of new coverage of the topics you track"
)]
pub struct Cli {
    /// The configuration file; `*.toml` files in a `conf.d/` folder beside it are merged in.
    #[arg(long, short, global = true, default_value = config::DEFAULT_PATH)]
    pub config: PathBuf,
    /// More logging (-v debug, -vv trace). RUST_LOG overrides.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log format on stderr: `text` for people, `json` for log collectors (one object per
    /// line: timestamp, level, target, fields with the message).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the daemon in the foreground until SIGINT or SIGTERM (a second one exits at
    /// once). Edits of the config file and conf.d/ are applied live; SIGHUP reloads too.
    Run,
    /// Validate the configuration and print a summary.
    Check,
    /// Poll the feeds once and print the new matches (no digest is sent). Progress goes
    /// to stderr: a bar on a terminal, else a line per feed.
    Poll {
        /// Poll every feed once, then exit (`run` polls continuously).
        #[arg(long, required = true)]
        once: bool,
        /// Poll only the feed with this name.
        #[arg(long)]
        feed: Option<String>,
    },
    /// Show how each configured feed is doing: last success, status, items, next poll,
    /// failures and the last error.
    Feeds {
        #[command(subcommand)]
        action: Option<FeedsCommand>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// List recorded matches.
    Matches {
        /// Only this watchlist's matches.
        #[arg(long)]
        watchlist: Option<String>,
        /// How far back to look, e.g. 24h, 7d.
        #[arg(long, default_value = "24h")]
        since: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// List stories (the items that report one event, across outlets) with their items.
    Stories {
        /// Only stories this watchlist matched, with only its items.
        #[arg(long)]
        watchlist: Option<String>,
        /// Stories with an item this recent, e.g. 48h, 7d.
        #[arg(long, default_value = "72h")]
        since: String,
        /// One JSON object per line: story_id, headline, link, first_seen, last_seen,
        /// outlets, and items (item_id, title, link, guid, feed, feeds, time, watchlists).
        #[arg(long)]
        json: bool,
    },
    /// Preview or send a digest.
    Digest {
        #[command(subcommand)]
        action: DigestCommand,
    },
    /// List the newest messages in the outbox: pending, sent and failed.
    Outbox {
        #[command(subcommand)]
        action: Option<OutboxCommand>,
        /// How many messages to list, newest last.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show whether and where a query matches a text or HTML file.
    TestQuery {
        /// The query, e.g. '"S-400" (Turkey OR Ankara) -"Real Turkey"'.
        query: String,
        /// A text file (its first line counts as the title) or an HTML file.
        file: PathBuf,
    },
    /// Print the example configuration, every key with its default.
    ExampleConfig,
    /// Check the daemon's health endpoint: exit code 0 when it answers 200, 1 otherwise
    /// (for container health checks; no curl needed).
    Health {
        /// The endpoint to ask.
        #[arg(long, default_value = DEFAULT_HEALTH_URL)]
        url: String,
    },
    /// Print a shell completion script, e.g. `newshound completions bash`.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder.
    Man {
        /// Write newshound.1 and a newshound-COMMAND.1 for each command here instead.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

/// Where `newshound health` asks, unless told: the `[server] listen` address the image uses.
pub const DEFAULT_HEALTH_URL: &str = "http://127.0.0.1:9090/healthz";

/// How long `newshound health` waits for the whole answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Add the feeds of an OPML file (a feed reader's export) to the configuration, as a
    /// file in the `conf.d/` folder beside it. Folders and categories become tags; feeds
    /// already configured are skipped.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// Where to write the feeds (default: conf.d/imported.toml beside the config).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace the output file if it exists (its feeds do not count as configured).
        #[arg(long)]
        force: bool,
    },
    /// Print the configured feeds as OPML 2.0, tags as categories.
    Export,
}

#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// Render the next digest to stdout without sending it or marking anything.
    Preview {
        name: String,
        /// The recipient to render it for (default: the digest's first).
        #[arg(long)]
        to: Option<String>,
        /// Also write the HTML part to this file.
        #[arg(long)]
        html: Option<PathBuf>,
        /// Also write the whole message (.eml) to this file.
        #[arg(long)]
        eml: Option<PathBuf>,
    },
    /// Queue the digest now, whatever its schedule, and send the outbox.
    Send { name: String },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Make a failed message pending again; the running daemon sends it within a minute
    /// (or run `newshound outbox send`).
    Retry { id: i64 },
    /// Send every pending message now, also those waiting for a retry.
    Send,
}

/// Runs the parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::ExampleConfig => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::TestQuery { query, file } => test_query(&query, &file),
        Command::Check => {
            let settings = load(&cli.config)?;
            print_summary(&settings);
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            let (reload, reloads) = tokio::sync::mpsc::unbounded_channel();
            let shutdown = service_signals(reload)?;
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
            print_poll(&polled?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Health { url } => health(&url).await,
        Command::Completions { shell } => {
            // Into a buffer first: clap_complete panics when its writer fails (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "newshound", &mut script);
            std::io::stdout().lock().write_all(&script)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: None } => {
            manual(&mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), &dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
            println!("manual pages written to {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Feeds {
            action:
                Some(FeedsCommand::Import {
                    file,
                    output,
                    force,
                }),
            ..
        } => {
            import_feeds(&cli.config, &file, output, force)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Feeds {
            action: Some(FeedsCommand::Export),
            ..
        } => {
            let settings = load(&cli.config)?;
            export_feeds(&settings)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Feeds { action: None, json } => {
            let settings = load(&cli.config)?;
            let feeds = daemon::feeds(settings).await?;
            print_feeds(&feeds, json, Utc::now())?;
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
            print_matches(&matches, json)?;
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
            print_stories(&stories, json)?;
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
            print_drain(&sent.report);
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
            print_drain(&report);
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
            print_outbox(&messages, json, Utc::now())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a pass over the outbox did, one line per message.
fn print_drain(report: &daemon::DrainReport) {
    for m in &report.sent {
        println!(
            "sent {} to {} ({}): {}",
            m.kind.as_str(),
            m.recipient,
            count(m.matches, "match", "matches"),
            one_line_within(&m.subject, 80)
        );
    }
    for (m, reason) in &report.retrying {
        println!(
            "not sent to {}: {}; it stays in the outbox",
            m.recipient,
            one_line_within(reason, 200)
        );
    }
    for (m, reason) in &report.failed {
        println!(
            "refused for {}: {}; `newshound outbox retry {}` tries again",
            m.recipient,
            one_line_within(reason, 200),
            m.id
        );
    }
}

fn print_outbox(
    messages: &[OutboxMessage],
    json: bool,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        return json_lines(&mut out, messages);
    }
    if messages.is_empty() {
        eprintln!("the outbox is empty: no digest or alert has been queued yet");
        return Ok(());
    }
    let header = [
        "ID",
        "STATE",
        "KIND",
        "DIGEST",
        "TO",
        "QUEUED",
        "MATCHES",
        "TRIES",
        "SUBJECT / ERROR",
    ];
    let rows: Vec<Vec<String>> = messages
        .iter()
        .map(|m| {
            let state = match (m.state, m.sent_at) {
                (MessageState::Sent, Some(at)) => format!("sent {}", ago(at, now)),
                (MessageState::Pending, _) if m.attempts > 0 => {
                    format!("retry {}", ago(m.next_attempt_at, now))
                }
                (state, _) => format!("{state:?}").to_lowercase(),
            };
            let about = match (&m.state, &m.last_error) {
                (MessageState::Sent, _) | (_, None) => one_line_within(&m.subject, 60),
                (_, Some(error)) => one_line_within(error, 60),
            };
            vec![
                m.id.to_string(),
                state,
                m.kind.as_str().to_string(),
                m.digest.clone(),
                m.recipient.clone(),
                ago(m.created_at, now),
                m.matches.to_string(),
                m.attempts.to_string(),
                about,
            ]
        })
        .collect();
    write_table(&mut out, &header, &rows, |_| Vec::new())
}

/// One JSON object per line.
fn json_lines<T: serde::Serialize>(out: &mut impl Write, items: &[T]) -> anyhow::Result<()> {
    for item in items {
        writeln!(out, "{}", serde_json::to_string(item)?)?;
    }
    Ok(())
}

/// Rows under a header, each column as wide as its widest cell, each row followed by its
/// indented `notes`.
fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    notes: impl Fn(usize) -> Vec<String>,
) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for (i, row) in rows.iter().enumerate() {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
        for note in notes(i) {
            writeln!(out, "    {note}")?;
        }
    }
    Ok(())
}

fn load(path: &Path) -> anyhow::Result<Settings> {
    Ok(config::load(path)?)
}

/// Signals for `newshound run`: the first SIGINT or SIGTERM completes the returned
/// future (a clean shutdown); a second one exits at once, with 128 + its number as the
/// shell reports a death by signal. SIGHUP asks for a config reload on `reload`. The
/// handlers are installed here, before the daemon starts, so a signal that arrives during
/// start-up is not lost (nor does it kill the process with its default action).
#[cfg(unix)]
fn service_signals(
    reload: tokio::sync::mpsc::UnboundedSender<()>,
) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut hangup = signal(SignalKind::hangup()).context("cannot listen for SIGHUP")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut stop = Some(stop);
        loop {
            let (name, code) = tokio::select! {
                _ = interrupt.recv() => ("SIGINT", 130),
                _ = terminate.recv() => ("SIGTERM", 143),
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP received; reloading the configuration");
                    let _ = reload.send(());
                    continue;
                }
            };
            match stop.take() {
                Some(stop) => {
                    tracing::info!("{name} received; a second one stops at once");
                    let _ = stop.send(());
                }
                None => {
                    tracing::warn!("{name} received again: exiting now, without waiting");
                    std::process::exit(code);
                }
            }
        }
    });
    Ok(async move {
        let _ = stopped.await;
    })
}

#[cfg(not(unix))]
fn service_signals(
    _reload: tokio::sync::mpsc::UnboundedSender<()>,
) -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_ok() {
            tracing::info!("Ctrl-C received");
        }
    })
}

/// `365d` rather than humantime's months of 30.44 days.
fn in_days(d: std::time::Duration) -> String {
    match d.as_secs() {
        secs if secs.is_multiple_of(86_400) => format!("{}d", secs / 86_400),
        _ => humantime::format_duration(d).to_string(),
    }
}

/// ` [world, defense]`, or nothing without tags.
fn tag_list(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", tags.join(", "))
    }
}

fn print_summary(settings: &Settings) {
    let files: Vec<String> = settings
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    println!("configuration OK ({})", files.join(", "));
    println!("database: {}", settings.storage.path.display());
    println!(
        "retention: unmatched items {}, matches and sent mail {}, after their feeds last listed them",
        in_days(settings.storage.retain_items),
        in_days(settings.storage.retain_matches)
    );
    let polling = &settings.polling;
    println!(
        "polling: every {} by default, {} at a time ({} per host), timeout {}",
        cadence(&polling.cadence),
        polling.concurrency,
        polling.concurrency_per_host,
        humantime::format_duration(polling.timeout)
    );
    println!("feeds ({}):", settings.feeds.len());
    for feed in &settings.feeds {
        let tags = tag_list(&feed.tags);
        println!(
            "  {} <{}> every {}{tags}",
            feed.name,
            crate::feed::redacted(&feed.url),
            cadence(&feed.cadence)
        );
    }
    println!("watchlists ({}):", settings.watchlists.len());
    for watchlist in &settings.watchlists {
        let feeds = settings
            .feeds
            .iter()
            .filter(|f| watchlist.applies_to(f))
            .count();
        println!(
            "  {}: {} ({feeds} feeds)",
            watchlist.name,
            watchlist.query.source()
        );
    }
    match &settings.email.transport {
        Transport::File { outbox } => {
            println!("email: written as .eml files to {}", outbox.display())
        }
        Transport::Smtp(smtp) => println!(
            "email: SMTP {}:{} ({:?})",
            smtp.host, smtp.port, smtp.security
        ),
    }
    println!("digests ({}):", settings.digests.len());
    for digest in &settings.digests {
        let to: Vec<String> = digest.to.iter().map(ToString::to_string).collect();
        // An interval's next run depends on the last one; a calendar's does not.
        let when = match digest.schedule {
            Schedule::Every(_) => digest.timezone.to_string(),
            _ => format!(
                "{}; next {}",
                digest.timezone,
                digest
                    .schedule
                    .next_after(Utc::now(), digest.timezone)
                    .with_timezone(&digest.timezone)
                    .format("%a %-d %b %H:%M %Z")
            ),
        };
        println!(
            "  {}: {} ({when}) to {} covering {}",
            digest.name,
            digest.schedule,
            to.join(", "),
            digest.watchlists.join(", ")
        );
    }
    let alerting: Vec<&str> = settings
        .watchlists
        .iter()
        .filter(|w| w.alert)
        .map(|w| w.name.as_str())
        .collect();
    if !alerting.is_empty() {
        println!(
            "alerts: {} (at most one mail per recipient every {})",
            alerting.join(", "),
            humantime::format_duration(settings.alerts.interval)
        );
    }
}

fn print_poll(reports: &[daemon::FeedReport]) {
    for report in reports {
        match &report.outcome {
            Ok(polled) if polled.deferred_until.is_some() => println!(
                "later   {}: its host asked for a pause until {}",
                report.feed,
                polled
                    .deferred_until
                    .unwrap_or_default()
                    .format("%H:%M:%S UTC")
            ),
            Ok(polled) if polled.not_modified => println!("ok      {}: not modified", report.feed),
            Ok(polled) => println!(
                "ok      {}: {} items, {} new, {}",
                report.feed,
                polled.items,
                polled.new_items,
                count(polled.matches.len(), "match", "matches")
            ),
            Err(error) => println!("FAILED  {} <{}>: {error}", report.feed, report.url),
        }
    }
    let matches: Vec<&MatchRecord> = reports
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .flat_map(|p| &p.matches)
        .collect();
    println!("\n{}", count(matches.len(), "new match", "new matches"));
    for m in matches {
        print_match(m);
    }
}

/// `15m (adapts within 5m..2h)`.
fn cadence(c: &config::Cadence) -> String {
    let show = |d| humantime::format_duration(d).to_string();
    if c.adaptive && c.min_interval < c.max_interval {
        format!(
            "{} (adapts within {}..{})",
            show(c.interval),
            show(c.min_interval),
            show(c.max_interval)
        )
    } else {
        show(c.interval)
    }
}

/// The `feeds` table, or JSON lines.
fn print_feeds(
    feeds: &[daemon::FeedOverview],
    json: bool,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        return json_lines(&mut out, feeds);
    }
    let header = [
        "NAME",
        "STATE",
        "LAST SUCCESS",
        "STATUS",
        "ITEMS",
        "NEXT POLL",
        "FAILURES",
        "LAST ERROR",
    ];
    let rows: Vec<Vec<String>> = feeds
        .iter()
        .map(|feed| {
            let s = &feed.status;
            let error = match (&s.last_error, s.last_error_at) {
                (Some(error), Some(at)) => {
                    format!("{} ({})", one_line_within(error, 70), ago(at, now))
                }
                (Some(error), None) => one_line_within(error, 70),
                _ => "-".to_string(),
            };
            vec![
                s.name.clone(),
                feed.condition.label().to_string(),
                s.last_success_at.map_or("never".into(), |t| ago(t, now)),
                s.last_status.map_or("-".into(), |c| c.to_string()),
                s.items_seen.to_string(),
                s.next_due_at.map_or("now".into(), |t| ago(t, now)),
                s.consecutive_failures.to_string(),
                error,
            ]
        })
        .collect();
    write_table(&mut out, &header, &rows, |i| {
        let location = &feeds[i].status.location;
        let mut notes = Vec::new();
        if let Some(url) = &location.fetch_url {
            notes.push(format!(
                "moved permanently: now polled at {url} (update the config)"
            ));
        }
        if let (Some(url), Some(since)) = (&location.moved_to, location.moved_since) {
            notes.push(format!(
                "redirects permanently to {url} since {}",
                ago(since, now)
            ));
        }
        notes
    })?;
    if feeds.is_empty() {
        eprintln!("no feeds configured");
    }
    Ok(())
}

/// `5m ago`, `in 2h 3m`: whole minutes (seconds under one), for a table.
fn ago(t: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> String {
    let delta = now - t;
    let secs = delta.num_seconds().unsigned_abs();
    let rounded = if secs >= 60 { secs - secs % 60 } else { secs };
    let span = humantime::format_duration(std::time::Duration::from_secs(rounded)).to_string();
    if delta.num_seconds() >= 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
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

fn print_stories(stories: &[Story], json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let time = |t: chrono::DateTime<Utc>| t.format("%a %-d %b %H:%M UTC").to_string();
    for story in stories {
        if json {
            writeln!(out, "{}", serde_json::to_string(story)?)?;
            continue;
        }
        writeln!(out, "{}", story.headline)?;
        let span = if story.first_seen == story.last_seen {
            time(story.first_seen)
        } else {
            format!("{} – {}", time(story.first_seen), time(story.last_seen))
        };
        writeln!(
            out,
            "  story {} · {} from {}: {} · {span}",
            story.story_id,
            count(story.items.len(), "item", "items"),
            count(story.outlets.len(), "outlet", "outlets"),
            story.outlets.join(", "),
        )?;
        for item in &story.items {
            writeln!(
                out,
                "  - {} · {} · {}",
                item.feeds.join(", "),
                time(item.time),
                item.title
            )?;
            if let Some(link) = &item.link {
                writeln!(out, "    {link}")?;
            }
        }
        writeln!(out)?;
    }
    if !json && stories.is_empty() {
        eprintln!("no stories");
    }
    Ok(())
}

fn print_match(m: &MatchRecord) {
    println!("[{}] {} — {}", m.watchlist, m.title, m.feeds.join(", "));
    if let Some(link) = &m.link {
        println!("    {link}");
    }
    println!("    matched: {}", m.matched_terms.join(", "));
}

/// The JSON shape of a match for `matches --json`.
#[derive(serde::Serialize)]
struct MatchLine<'a> {
    watchlist: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    guid: Option<&'a str>,
    feed: &'a str,
    feeds: &'a [String],
    story_id: Option<i64>,
    published: Option<String>,
    matched_at: String,
    matched_terms: &'a [String],
    snippet: &'a str,
}

fn print_matches(matches: &[MatchRecord], json: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for m in matches {
        if json {
            let line = MatchLine {
                watchlist: &m.watchlist,
                title: &m.title,
                link: m.link.as_deref(),
                guid: m.guid.as_deref(),
                feed: &m.feed,
                feeds: &m.feeds,
                story_id: m.story,
                published: m.published.map(|p| p.to_rfc3339()),
                matched_at: m.matched_at.to_rfc3339(),
                matched_terms: &m.matched_terms,
                snippet: &m.snippet.text,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else {
            print_match(m);
        }
    }
    if !json && matches.is_empty() {
        eprintln!("no matches");
    }
    Ok(())
}

fn test_query(query: &str, file: &Path) -> anyhow::Result<ExitCode> {
    let parsed = match Query::parse(query) {
        Ok(q) => q,
        Err(e) => {
            eprintln!(
                "{query}\n{}^\nerror: {e}",
                " ".repeat(e.position.saturating_sub(1))
            );
            return Ok(ExitCode::from(2));
        }
    };
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let raw = String::from_utf8_lossy(&raw);
    let (title, body) = split_document(&raw, file);
    let watcher = Watcher::new(std::slice::from_ref(&parsed));
    let hit = watcher.match_document(&title, &body).into_iter().next();
    let matched = hit.is_some();
    println!("{}", if matched { "match" } else { "no match" });
    for occurrence in watcher.occurrences(&title, &body) {
        let (text, field) = match occurrence.field {
            Field::Title => (&title, "title"),
            Field::Body => (&body, "body"),
        };
        let (line, column) = line_column(text, occurrence.start);
        println!(
            "  {:<16} {field} {line}:{column}  {}",
            occurrence.term,
            context(text, occurrence.start, occurrence.end)
        );
    }
    if let Some(hit) = hit {
        println!("matched terms: {}", hit.matched_terms.join(", "));
        println!("snippet: {}", hit.snippet.text);
    }
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Title and body of a file: for HTML, its `<title>` and its text; for plain text, its
/// first non-empty line and the whole text.
fn split_document(raw: &str, path: &Path) -> (String, String) {
    let is_html = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
        || raw.trim_start().starts_with('<');
    if is_html {
        let lower = raw.to_ascii_lowercase();
        let title = lower
            .find("<title")
            .and_then(|start| Some(start + lower[start..].find('>')? + 1))
            .and_then(|start| Some((start, start + lower[start..].find("</title")?)))
            .map(|(start, end)| html_to_text(&raw[start..end]))
            .unwrap_or_default();
        let body_start = lower.find("</head>").map_or(0, |at| at + "</head>".len());
        (title, html_to_text(&raw[body_start..]))
    } else {
        let title = raw
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        (title, raw.to_string())
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The hit with up to 30 characters either side, on one line.
fn context(text: &str, start: usize, end: usize) -> String {
    let (Some(before), Some(hit), Some(after)) =
        (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return String::new();
    };
    let before: String = before
        .chars()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = after.chars().take(30).collect();
    format!("…{before}[{hit}]{after}…").replace(['\n', '\r'], " ")
}

// ---------------------------------------------------------------------------------------
// OPML

/// `feeds import`: the new feeds of an OPML file into a `conf.d/` file. Nothing is written
/// unless the configuration with the new file in it loads, and the file appears whole
/// (written beside it as `.NAME.tmp`, which the loader skips, then renamed), so a daemon
/// that reloads meanwhile never reads half of it.
fn import_feeds(
    config: &Path,
    file: &Path,
    output: Option<PathBuf>,
    force: bool,
) -> anyhow::Result<()> {
    let conf_d = folder_of(config).join("conf.d");
    let target = output.unwrap_or_else(|| conf_d.join("imported.toml"));
    let Some(name) = target
        .file_name()
        .filter(|_| target.extension().is_some_and(|e| e == "toml"))
        .map(ToOwned::to_owned)
    else {
        anyhow::bail!(
            "{}: the output must be a file ending in .toml, or the configuration loader skips it",
            target.display()
        );
    };
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document = crate::opml::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
    let replacing = target.exists();
    if replacing && !force {
        anyhow::bail!(
            "{} exists; pass --force to replace it, or --output PATH to write another file",
            target.display()
        );
    }
    let in_conf_d = same_folder(folder_of(&target), &conf_d);
    // With --force, the feeds of the file being replaced are not "already configured".
    let existing = if replacing && in_conf_d {
        Staged::new(config, &name, None)?.load()?
    } else {
        load(config)?
    };
    let plan = crate::opml::plan(
        &document,
        existing.feeds.iter().map(|f| (f.name.as_str(), &f.url)),
    );
    for skipped in &plan.skipped {
        match skipped {
            crate::opml::Skipped::Configured { line, url, name } => println!(
                "  = line {line}: {} is already configured as `{name}`",
                crate::feed::redacted(url)
            ),
            crate::opml::Skipped::Repeated {
                line,
                url,
                first_line,
            } => println!(
                "  = line {line}: {} is listed again (first at line {first_line}); its tags are merged",
                crate::feed::redacted(url)
            ),
        }
    }
    for (line, folder) in &document.empty_folders {
        println!("  - line {line}: folder {folder:?} is empty");
    }
    if plan.added.is_empty() {
        println!("nothing new to add; {} not written", target.display());
        return Ok(());
    }

    let header = format!(
        "Feeds imported from {} by `newshound feeds import` on {}.\n\
         Edit freely; `newshound check` validates the result.",
        file.file_name()
            .unwrap_or(file.as_os_str())
            .to_string_lossy(),
        Utc::now().format("%Y-%m-%d")
    );
    let text = crate::opml::feeds_toml(&header, &plan.added);
    let loaded = Staged::new(config, &name, Some(&text))?
        .load()
        .context("the imported feeds would not load; nothing was written")?;
    let read_back = plan.added.iter().all(|new| {
        loaded
            .feeds
            .iter()
            .any(|f| f.name == new.name && f.url == new.url && f.tags == new.tags)
    });
    anyhow::ensure!(
        read_back && loaded.feeds.len() == existing.feeds.len() + plan.added.len(),
        "the configuration does not read back the imported feeds as written; nothing was written"
    );
    write_atomically(&target, &text)?;

    println!(
        "added {} to {}:",
        count(plan.added.len(), "feed", "feeds"),
        target.display()
    );
    for feed in &plan.added {
        let tags = tag_list(&feed.tags);
        println!(
            "  + {} <{}>{tags}",
            feed.name,
            crate::feed::redacted(&feed.url)
        );
    }
    if !in_conf_d {
        eprintln!(
            "note: newshound reads {}/*.toml; move the file there to poll these feeds",
            conf_d.display()
        );
    }
    Ok(())
}

/// `feeds export`: the configured feeds as OPML. `file://` feeds are left out: on another
/// machine they point at nothing.
fn export_feeds(settings: &Settings) -> anyhow::Result<()> {
    let (local, remote): (Vec<_>, Vec<_>) = settings
        .feeds
        .iter()
        .partition(|f| f.url.scheme() == "file");
    let outlines: Vec<crate::opml::Outline<'_>> = remote
        .iter()
        .map(|f| crate::opml::Outline {
            title: &f.name,
            url: &f.url,
            tags: &f.tags,
        })
        .collect();
    let opml = crate::opml::export("newshound feeds", Utc::now(), &outlines);
    std::io::stdout().lock().write_all(opml.as_bytes())?;
    if !local.is_empty() {
        let names: Vec<&str> = local.iter().map(|f| f.name.as_str()).collect();
        eprintln!(
            "left out {} (file:// URLs): {}",
            count(local.len(), "feed", "feeds"),
            names.join(", ")
        );
    }
    Ok(())
}

/// The folder a path is in (`.` for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => std::path::absolute(a).ok() == std::path::absolute(b).ok(),
    }
}

/// A copy of the configuration (main file and `conf.d/*.toml`) in a temporary folder, with
/// one `conf.d` file replaced or left out: what the loader would read after an import,
/// read before anything real is touched. Removed when dropped.
struct Staged {
    dir: PathBuf,
    main: PathBuf,
    real: PathBuf,
}

impl Staged {
    fn new(
        config: &Path,
        name: &std::ffi::OsStr,
        contents: Option<&str>,
    ) -> anyhow::Result<Staged> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("newshound-import-{}-{stamp}", std::process::id()));
        let staged = Staged {
            main: dir.join(config.file_name().unwrap_or("newshound.toml".as_ref())),
            dir,
            real: folder_of(config).to_path_buf(),
        };
        let conf_d = staged.dir.join("conf.d");
        std::fs::create_dir_all(&conf_d)
            .with_context(|| format!("cannot create {}", conf_d.display()))?;
        std::fs::copy(config, &staged.main)
            .with_context(|| format!("cannot read {}", config.display()))?;
        let real_conf_d = staged.real.join("conf.d");
        if real_conf_d.is_dir() {
            let entries = std::fs::read_dir(&real_conf_d)
                .with_context(|| format!("cannot list {}", real_conf_d.display()))?;
            for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                let toml = path.extension().is_some_and(|e| e == "toml") && path.is_file();
                if let Some(file) = path.file_name().filter(|f| toml && *f != name) {
                    std::fs::copy(&path, conf_d.join(file))
                        .with_context(|| format!("cannot read {}", path.display()))?;
                }
            }
        }
        if let Some(contents) = contents {
            std::fs::write(conf_d.join(name), contents)
                .with_context(|| format!("cannot write into {}", conf_d.display()))?;
        }
        Ok(staged)
    }

    /// Loads the staged configuration; errors name the real folder, not the copy.
    fn load(&self) -> anyhow::Result<Settings> {
        config::load(&self.main).map_err(|e| {
            let text = e.to_string();
            anyhow::anyhow!(
                "{}",
                text.replace(
                    &self.dir.display().to_string(),
                    &self.real.display().to_string()
                )
            )
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Writes `text` to `target` so that readers see the old file or the new one, never a part.
fn write_atomically(target: &Path, text: &str) -> anyhow::Result<()> {
    let folder = folder_of(target);
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // Not `*.toml`, so the configuration loader never reads it half-written.
    let temp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Health, manual

/// `health`: GET the endpoint; success only for a 200. Proxies are ignored: the endpoint
/// is the daemon beside this process, and a proxy set for the feeds must not answer for it.
async fn health(url: &str) -> anyhow::Result<ExitCode> {
    let parsed = url::Url::parse(url).map_err(|e| anyhow::anyhow!("--url `{url}`: {e}"))?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "--url `{url}`: only http:// and https:// can be checked"
    );
    let client = reqwest::Client::builder()
        .timeout(HEALTH_TIMEOUT)
        .no_proxy()
        .build()
        .context("cannot set up an HTTP client")?;
    let answer = async {
        let mut response = client.get(parsed).send().await?;
        let status = response.status();
        // The reason a health endpoint gives fits in a few lines; read no more.
        let mut body = Vec::new();
        while body.len() < 4096
            && let Some(chunk) = response.chunk().await?
        {
            body.extend_from_slice(&chunk);
        }
        Ok::<_, reqwest::Error>((status, body))
    }
    .await;
    match answer {
        Ok((status, body)) => {
            let healthy = status == reqwest::StatusCode::OK;
            let reason = one_line_within(&String::from_utf8_lossy(&body), 200);
            println!(
                "{} {url}: {status}{}",
                if healthy { "healthy" } else { "unhealthy" },
                if reason.is_empty() {
                    String::new()
                } else {
                    format!(": {reason}")
                }
            );
            Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) if e.is_timeout() => {
            println!(
                "unhealthy {url}: no answer within {}",
                humantime::format_duration(HEALTH_TIMEOUT)
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) if e.is_connect() => {
            // The innermost cause ("Connection refused") is the news; the layers above it
            // only repeat the URL.
            let mut cause: &dyn std::error::Error = &e;
            while let Some(inner) = cause.source() {
                cause = inner;
            }
            println!("unhealthy {url}: cannot connect: {cause}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            println!("unhealthy {url}: {:#}", anyhow::Error::from(e));
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The manual as one page: clap's page for `newshound`, then a COMMANDS section with each
/// command's full help, so that `man newshound` alone covers everything.
fn manual(out: &mut impl Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    command.build();
    clap_mangen::Man::new(command.clone()).render(out)?;
    writeln!(out, ".SH COMMANDS")?;
    let mut pending: Vec<clap::Command> = command.get_subcommands().cloned().collect();
    pending.reverse();
    while let Some(mut sub) = pending.pop() {
        if sub.get_name() == "help" || sub.is_hide_set() {
            continue;
        }
        let path = sub
            .get_bin_name()
            .map_or_else(|| sub.get_name().to_string(), str::to_string);
        writeln!(out, ".SS \"{}\"\n.nf", roff_text(&path))?;
        for line in sub.render_long_help().to_string().lines() {
            writeln!(out, "{}", roff_text(line))?;
        }
        writeln!(out, ".fi")?;
        let children: Vec<clap::Command> = sub.get_subcommands().cloned().collect();
        pending.extend(children.into_iter().rev());
    }
    Ok(())
}

/// A line of text as roff reads it literally.
fn roff_text(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('"', "\\(dq");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
