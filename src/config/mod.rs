//! Configuration: the main TOML file, every `*.toml` in the `conf.d/` folder beside it,
//! then `NEWSHOUND__SECTION__KEY` environment overrides, validated once into [`Settings`].
//!
//! Loading is two-phase, as in ripgrep: first each file is read on its own into a raw,
//! all-optional shape that refuses unknown keys, so a typo is reported with the file it is
//! in; then the files are merged (tables key by key, the `feeds`, `watchlists`,
//! `digests` and `webhooks` arrays appended, so a watchlist can live in its own file), the environment is
//! layered on top with the `config` crate, and the result is checked as a whole. Every
//! problem is collected and reported with its file, key and reason, not just the first.
//!
//! The folder follows those phases: `raw` is what one file may hold, `load` finds, reads and
//! merges the files and layers the environment on top, `validate` checks the whole and
//! builds the types below (with `articles`, the keys of fetching the articles behind new
//! items), and `error` is how a problem is reported.

mod articles;
mod error;
mod load;
mod raw;
mod validate;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::Mailbox;
use url::Url;

pub use crate::schedule::Schedule;
use crate::watch::{Lists, Query, Source};
pub use error::{ConfigError, Origin, Problem};
pub use load::{config_files, load, load_with_env};

/// The example configuration shipped with newshound, every key with its default.
pub const EXAMPLE: &str = include_str!("../../config/newshound.toml");

/// Where the configuration is read from when `--config` is not given.
pub const DEFAULT_PATH: &str = "config/newshound.toml";

const ENV_PREFIX: &str = "NEWSHOUND";
/// History a recipient added later gets.
const DEFAULT_BACKFILL: Duration = Duration::from_secs(24 * 3600);
/// Stories in one digest message before the rest are only counted.
const DEFAULT_MAX_ITEMS: usize = 50;
const DEFAULT_ALERT_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// How long a webhook's receiver may take to answer.
const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_STALLED_AFTER: Duration = Duration::from_secs(5 * 60);
/// Stories in a watchlist's Atom feed at most, unless `[server] feed_entries` says.
const DEFAULT_FEED_ENTRIES: usize = 50;
/// `[storage] retain_items` and `retain_matches` when not set.
pub const DEFAULT_RETAIN_ITEMS: Duration = Duration::from_secs(30 * 86_400);
pub const DEFAULT_RETAIN_MATCHES: Duration = Duration::from_secs(365 * 86_400);

/// Validated settings, built once at start-up and passed down as arguments.
#[derive(Debug, Clone)]
pub struct Settings {
    pub storage: Storage,
    pub polling: Polling,
    pub feeds: Vec<FeedSettings>,
    pub watchlists: Vec<WatchlistSettings>,
    /// `[lists]`: named term lists, already spelled out in the queries that name them;
    /// kept for `test-query --config`.
    pub lists: Lists,
    pub email: Email,
    pub digests: Vec<DigestSettings>,
    pub webhooks: Vec<WebhookSettings>,
    pub stories: Stories,
    pub alerts: Alerts,
    pub server: Server,
    /// The files that were read, in the order they were merged.
    pub files: Vec<PathBuf>,
}

/// How matched items are grouped into stories.
#[derive(Debug, Clone)]
pub struct Stories {
    /// How long after its latest item a story can still gain items.
    pub window: Duration,
}

/// Immediate alerts (watchlists with `alert = true`).
#[derive(Debug, Clone)]
pub struct Alerts {
    /// At most one alert mail per recipient this often; what arrives sooner waits for the
    /// next one.
    pub interval: Duration,
}

/// The daemon's optional HTTP listener (`/healthz`, `/metrics`, `/feeds`, and each
/// watchlist as an Atom feed under `/watchlists`).
#[derive(Debug, Clone)]
pub struct Server {
    /// Where to listen; `None` (the default): no listener.
    pub listen: Option<std::net::SocketAddr>,
    /// `/healthz` reports the poll cycle stalled when a feed has been due for this long
    /// and no poll has finished in this long either.
    pub stalled_after: Duration,
    /// When set, every route but `/healthz` needs it, as `Authorization: Bearer` or
    /// `?token=`.
    pub token: Option<Secret>,
    /// Stories in a watchlist's feed at most.
    pub feed_entries: usize,
    /// Where readers reach the listener (behind a reverse proxy, say), for the links it
    /// hands out; else taken from each request's `Host`.
    pub public_url: Option<url::Url>,
}

#[derive(Debug, Clone)]
pub struct Storage {
    pub path: PathBuf,
    /// Items no watchlist matched are deleted this long after their feeds last listed
    /// them.
    pub retain_items: Duration,
    /// Matched items, their matches and the messages that sent them are deleted this long
    /// after their feeds last listed them, unless a recipient is still owed them.
    pub retain_matches: Duration,
}

#[derive(Debug, Clone)]
pub struct Polling {
    /// The default cadence of every feed; see [`Cadence`].
    pub cadence: Cadence,
    /// Requests in flight at once, over all feeds.
    pub concurrency: usize,
    /// Requests in flight at once to one host (host and port).
    pub concurrency_per_host: usize,
    pub timeout: Duration,
    pub max_body_bytes: u64,
    pub user_agent: String,
    /// Longest wait between retries of a failing feed.
    pub max_backoff: Duration,
    /// A feed failing for this long is flagged as failing (and still polled).
    pub failing_after: Duration,
    /// A permanent redirect that has held this long replaces the URL polled.
    pub moved_after: Duration,
    /// Whether and how the articles of new items are fetched, for every feed that does
    /// not say otherwise.
    pub articles: Articles,
    /// How long a poll waits for the articles of its new items, all of them together,
    /// before it matches the rest on the feed's text.
    pub article_wait: Duration,
    /// When an article that could not be read is fetched again (once).
    pub article_retry: Duration,
}

/// Whether the article behind a new item's link is fetched and read, its text then being
/// the item's body for matching, snippets and stories (`full_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullText {
    /// Unless the feed carries the whole article: its text for the item is long, given as
    /// the item's content (not a summary alone), and not cut with "Read more" or "…".
    Auto,
    Always,
    Never,
}

impl FullText {
    pub fn as_str(self) -> &'static str {
        match self {
            FullText::Auto => "auto",
            FullText::Always => "always",
            FullText::Never => "never",
        }
    }
}

/// How one feed's new items get their articles: `full_text`, and the bounds of its first
/// poll, which brings the feed's whole backlog: only the articles of its `backlog` most
/// recent items, none published more than `max_age` ago, are fetched then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Articles {
    pub full_text: FullText,
    pub backlog: usize,
    pub max_age: Duration,
}

impl Default for Polling {
    /// Every key at its default, as in a configuration that sets none of them.
    fn default() -> Polling {
        validate::default_polling()
    }
}

/// How often a feed is polled: it starts at `interval`; when `adaptive`, a feed with
/// nothing new drifts towards `max_interval` and a busy one towards `min_interval`.
/// Server hints (`Cache-Control`, `Expires`, `<ttl>`, `sy:updatePeriod`) lengthen the
/// wait, never beyond `max_interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    pub interval: Duration,
    pub min_interval: Duration,
    pub max_interval: Duration,
    pub adaptive: bool,
}

#[derive(Debug, Clone)]
pub struct FeedSettings {
    pub name: String,
    pub url: Url,
    pub cadence: Cadence,
    pub tags: Vec<String>,
    /// `[polling]`'s, or the feed's own.
    pub articles: Articles,
}

#[derive(Debug, Clone)]
pub struct WatchlistSettings {
    pub name: String,
    pub query: Query,
    /// Empty means every feed.
    pub feeds: Vec<FeedSelector>,
    /// New stories are mailed at once to the recipients of the digests covering this
    /// watchlist, rather than waiting for the digest.
    pub alert: bool,
    /// A watchlist that is new or whose query changed is matched against the items first
    /// seen this long before, so that today's coverage comes in the next digest.
    pub backfill: Duration,
}

impl FeedSettings {
    /// The feed as the matcher sees it, for `feed:` and `tag:`.
    pub fn source(&self) -> Source<'_> {
        Source {
            name: &self.name,
            tags: &self.tags,
        }
    }
}

impl WatchlistSettings {
    /// Whether items of `feed` are matched against this watchlist.
    pub fn applies_to(&self, feed: &FeedSettings) -> bool {
        self.feeds.is_empty() || self.feeds.iter().any(|selector| selector.selects(feed))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSelector {
    Name(String),
    Tag(String),
}

impl FeedSelector {
    fn parse(text: &str) -> FeedSelector {
        match text.strip_prefix("tag:") {
            Some(tag) => FeedSelector::Tag(tag.trim().to_string()),
            None => FeedSelector::Name(text.trim().to_string()),
        }
    }

    pub fn selects(&self, feed: &FeedSettings) -> bool {
        match self {
            FeedSelector::Name(name) => feed.name == *name,
            FeedSelector::Tag(tag) => feed.tags.iter().any(|t| t == tag),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Email {
    pub from: Mailbox,
    pub transport: Transport,
}

#[derive(Debug, Clone)]
pub enum Transport {
    Smtp(SmtpSettings),
    /// Write each digest as an `.eml` file into this folder.
    File {
        outbox: PathBuf,
    },
}

#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub timeout: Duration,
    /// The name given in EHLO; `None`: the machine's fully qualified name, else the
    /// domain of `from` (see `digest::send`).
    pub helo_name: Option<String>,
    /// PEM file of CA certificates trusted besides the system's and the bundled ones.
    pub tls_ca_file: Option<PathBuf>,
    /// The name the server's certificate must carry, when `host` is an address or an
    /// alias; `None`: `host`.
    pub tls_server_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

impl Security {
    /// As written in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// A password or similar. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

#[derive(Debug, Clone)]
pub struct DigestSettings {
    pub name: String,
    pub to: Vec<Mailbox>,
    /// The watchlists this digest covers, resolved: every watchlist when none was named.
    pub watchlists: Vec<String>,
    pub schedule: Schedule,
    /// The zone the schedule and the times in the message are in.
    pub timezone: Tz,
    /// How much history a recipient gets when first added: matches recorded this long
    /// before they were added.
    pub backfill: Duration,
    /// At most this many stories in one message; the rest are counted.
    pub max_items: Option<usize>,
    /// Send a short "nothing new" message when there is nothing new.
    pub send_empty: bool,
    /// The `List-Unsubscribe` header (a `mailto:` or `https:` URL), when configured.
    pub list_unsubscribe: Option<Url>,
}

/// A `[[webhooks]]` entry: where new stories of its watchlists are POSTed, in which
/// format, and when. Its `Debug` shows neither the URL in full (a chat webhook's URL is
/// itself the password) nor the secret nor the values of custom headers.
#[derive(Clone)]
pub struct WebhookSettings {
    pub name: String,
    pub url: Url,
    /// The watchlists it covers, resolved: every watchlist when none was named.
    pub watchlists: Vec<String>,
    pub format: WebhookFormat,
    pub timing: WebhookTiming,
    /// The key of the `X-Newshound-Signature` header, when set.
    pub secret: Option<Secret>,
    /// Sent with every request, by name (those of `headers`, then those of
    /// `headers_env`).
    pub headers: Vec<(String, Secret)>,
    /// A request not answered within this is tried again later.
    pub timeout: Duration,
    /// A webhook added later gets the matches recorded this long before.
    pub backfill: Duration,
}

impl WebhookSettings {
    /// The URL fit for a log line: scheme, host and port only, since the path of a Slack,
    /// Discord or ntfy URL is what grants access.
    pub fn shown_url(&self) -> String {
        shown_webhook_url(&self.url)
    }

    /// How the store knows it, as a recipient and as a subscription.
    pub fn key(&self) -> String {
        webhook_key(&self.name)
    }
}

impl fmt::Debug for WebhookSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("WebhookSettings")
            .field("name", &self.name)
            .field("url", &self.shown_url())
            .field("watchlists", &self.watchlists)
            .field("format", &self.format)
            .field("timing", &self.timing)
            .field("secret", &self.secret)
            .field("headers", &headers)
            .field("timeout", &self.timeout)
            .field("backfill", &self.backfill)
            .finish()
    }
}

/// `url` with only its scheme, host and port: `https://hooks.slack.com/…`.
pub fn shown_webhook_url(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let rest = if url.path().len() > 1 || url.query().is_some() {
        "/…"
    } else {
        ""
    };
    format!("{}://{host}{port}{rest}", url.scheme())
}

/// What a webhook's body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// newshound's own JSON (the schema is in `crate::webhook`'s documentation).
    Json,
    /// A Slack incoming webhook's blocks (Discord's `/slack` endpoint takes them too).
    Slack,
    /// An ntfy notification, published as JSON.
    Ntfy,
}

impl WebhookFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookFormat::Json => "json",
            WebhookFormat::Slack => "slack",
            WebhookFormat::Ntfy => "ntfy",
        }
    }
}

/// When a webhook is called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookTiming {
    /// With what is new at each time of the schedule, like a digest.
    Schedule { schedule: Schedule, timezone: Tz },
    /// Shortly after a poll brings something new, at most once per `[alerts] interval`.
    Alert,
}

/// Subscriptions and outbox recipients of webhooks are named with this prefix, which no
/// address or digest name can start with.
pub const WEBHOOK_PREFIX: &str = "webhook:";

/// How the store knows webhook `name`.
pub fn webhook_key(name: &str) -> String {
    format!("{WEBHOOK_PREFIX}{name}")
}

/// How a recipient is known: the address alone, in lower case, so that
/// `Desk <desk@example.org>` and `DESK@example.org` are one recipient.
pub fn recipient_key(mailbox: &Mailbox) -> String {
    mailbox.email.to_string().to_lowercase()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(
            Schedule::parse("every 2h").unwrap(),
            Schedule::Every(Duration::from_secs(7200))
        );
        assert!(Schedule::parse("daily 8 o'clock").is_err());
        assert!(Schedule::parse("every").is_err());
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }

    fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newshound.toml");
        std::fs::write(&path, text).unwrap();
        for (key, value) in env {
            // SAFETY: only this test reads these variables, named for it alone.
            unsafe { std::env::set_var(key, value) };
        }
        load_with_env(&path, HashMap::new())
    }

    const WATCHLIST: &str = "[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n";

    #[test]
    fn a_webhooks_debug_shows_no_secret_no_header_value_and_no_url_path() {
        let settings = load_text(
            &format!(
                "{WATCHLIST}[[webhooks]]\nname = \"chat\"\n\
                 url = \"https://user:pw@hooks.example.org/services/T0/B0/XyZsecret?token=q\"\n\
                 format = \"slack\"\nalert = true\nsecret_env = \"NH_TEST_WEBHOOK_SECRET_1\"\n\
                 headers = {{ Authorization = \"Bearer tok-123\", \"X-Team\" = \"desk\" }}\n"
            ),
            &[("NH_TEST_WEBHOOK_SECRET_1", "whsec-456")],
        )
        .unwrap();
        let webhook = &settings.webhooks[0];
        assert_eq!(webhook.watchlists, ["s400"]);
        assert_eq!(webhook.timing, WebhookTiming::Alert);
        assert_eq!(webhook.secret.as_ref().unwrap().expose(), "whsec-456");
        let shown = format!("{settings:?}");
        for secret in [
            "whsec-456",
            "tok-123",
            "XyZsecret",
            "pw@",
            "token=q",
            "desk\"",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("https://hooks.example.org/…"), "{shown}");
        assert!(shown.contains("Authorization"), "{shown}");
    }

    #[test]
    fn webhook_mistakes_are_named_by_key() {
        let error = load_text(
            &format!(
                "{WATCHLIST}[[webhooks]]\nname = \"phone\"\nurl = \"https://ntfy.sh/\"\n\
                 format = \"ntfy\"\nalert = true\nschedule = \"every 1h\"\n\
                 watchlists = [\"nato\"]\nheaders = {{ \"Idempotency-Key\" = \"x\" }}\n\n\
                 [[webhooks]]\nname = \"x\"\nurl = \"ftp://example.org/\"\nformat = \"teams\"\n\
                 secret_env = \"NH_TEST_WEBHOOK_UNSET\"\n\n\
                 [[digests]]\nname = \"webhook:phone\"\nto = [\"a@example.org\"]\n"
            ),
            &[],
        )
        .unwrap_err();
        let text = error.to_string();
        for expected in [
            "webhooks[0] (\"phone\").url: an ntfy URL names its topic",
            "webhooks[0] (\"phone\").schedule: give a schedule or alert = true, not both",
            "webhooks[0] (\"phone\").watchlists: no watchlist is named `nato`",
            "webhooks[0] (\"phone\").headers: `Idempotency-Key` is set by newshound",
            "webhooks[1] (\"x\").format: `teams` is not a format",
            "webhooks[1] (\"x\").url: `ftp://example.org` is not an http:// or https:// URL",
            "webhooks[1] (\"x\").secret_env: environment variable `NH_TEST_WEBHOOK_UNSET`",
            "digests[0] (\"webhook:phone\").name: names starting with `webhook:`",
        ] {
            assert!(text.contains(expected), "{expected:?} not in\n{text}");
        }
    }

    #[test]
    fn a_webhook_header_value_may_come_from_the_environment() {
        let hook = |extra: &str| {
            format!(
                "{WATCHLIST}[[webhooks]]\nname = \"phone\"\nurl = \"https://ntfy.sh/alerts\"\n\
                 format = \"ntfy\"\n{extra}\n"
            )
        };
        let settings = load_text(
            &hook("headers_env = { Authorization = \"NH_TEST_WEBHOOK_HEADER_1\" }"),
            &[("NH_TEST_WEBHOOK_HEADER_1", "Bearer tk_from_env")],
        )
        .unwrap();
        let (name, value) = &settings.webhooks[0].headers[0];
        assert_eq!(
            (name.as_str(), value.expose()),
            ("Authorization", "Bearer tk_from_env")
        );
        assert!(!format!("{settings:?}").contains("tk_from_env"));

        let text = load_text(
            &hook(
                "headers = { Authorization = \"Bearer x\" }\n\
                 headers_env = { authorization = \"NH_TEST_WEBHOOK_HEADER_1\", \
                 \"X-Other\" = \"NH_TEST_WEBHOOK_HEADER_UNSET\" }",
            ),
            &[("NH_TEST_WEBHOOK_HEADER_1", "Bearer tk_from_env")],
        )
        .unwrap_err()
        .to_string();
        for expected in [
            "webhooks[0] (\"phone\").headers_env: `authorization` is given twice",
            "webhooks[0] (\"phone\").headers_env: environment variable \
             `NH_TEST_WEBHOOK_HEADER_UNSET` is not set",
        ] {
            assert!(text.contains(expected), "{expected:?} not in\n{text}");
        }
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newshound.toml");
        std::fs::write(&path, EXAMPLE).unwrap();
        let settings = load_with_env(&path, HashMap::new()).unwrap();
        assert!(!settings.feeds.is_empty());
        assert!(!settings.watchlists.is_empty());
        assert!(!settings.digests.is_empty());
    }
}
