//! The command line as clap reads it: the global options, the subcommands and their
//! arguments. Types only; [`super::execute`] runs them. `--help`, the manual and the
//! shell completions are all generated from the doc comments here.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config;

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
    /// Show how a query is read and whether and where it matches a text or HTML file.
    /// `@name` lists come from the configuration (--config).
    TestQuery {
        /// The query, e.g. '"S-400" (Turkey OR Ankara) -"Real Turkey"'.
        query: String,
        /// A text file (its first line counts as the title) or an HTML file. Without one,
        /// only --explain's tree is printed.
        #[arg(required_unless_present = "explain")]
        file: Option<PathBuf>,
        /// Print the query as it was read: a tree of its operators and terms, each term
        /// with the folded form it is looked for as.
        #[arg(long)]
        explain: bool,
        /// The item's link, for site: (e.g. https://www.reuters.com/world/…).
        #[arg(long)]
        link: Option<String>,
        /// The feed the item is from, for feed: and tag: (its tags come from the
        /// configuration).
        #[arg(long)]
        feed: Option<String>,
    },
    /// Print what newshound reads on article pages: for each URL or FILE, the title and
    /// the main text that watchlists are matched against (paragraphs separated by a
    /// blank line). URLs are fetched with the `[polling]` settings; a FILE may be
    /// gzip-compressed (`.gz`). Exit code 1 when any input could not be read, is not
    /// HTML, or is not an article (a consent wall, a paywall stub, a page of links).
    Extract {
        /// One JSON object per line and input: source, title, text, words, verdict, and
        /// error (null when the input was read as an article).
        #[arg(long)]
        json: bool,
        /// The pages: http(s) URLs or files.
        #[arg(required = true, value_name = "URL|FILE")]
        inputs: Vec<String>,
    },
    /// Check the mail settings against the server.
    Email {
        #[command(subcommand)]
        action: EmailCommand,
    },
    /// Try a webhook, or see how each is doing.
    Webhook {
        #[command(subcommand)]
        action: WebhookCommand,
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
pub enum EmailCommand {
    /// Connect with the [email] settings and report each step: connect and greeting, TLS
    /// and the server's certificate, AUTH; with --to, send a short test message. Exit code
    /// 0 only if every step worked.
    Test {
        /// Send a test message to this address.
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// POST a sample delivery to the webhook (in its format, signed, with its headers, as
    /// a real one) and show the answer: status, time and the start of its body. Nothing
    /// is queued or marked. Exit code 0 only on a 2xx answer.
    Test { name: String },
    /// Show each configured webhook: format, host, schedule or alert, its watchlists, its
    /// deliveries sent, pending and failed, the last one sent and the last error.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Make a failed message pending again; the running daemon sends it within a minute
    /// (or run `newshound outbox send`).
    Retry { id: i64 },
    /// Send every pending message now, also those waiting for a retry.
    Send,
}
