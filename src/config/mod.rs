//! Configuration: the main TOML file, every `*.toml` in the `conf.d/` folder beside it,
//! then `NEWSHOUND__SECTION__KEY` environment overrides, validated once into [`Settings`].
//!
//! Loading is two-phase, as in ripgrep: first each file is read on its own into a raw,
//! all-optional shape that refuses unknown keys, so a typo is reported with the file it is
//! in; then the files are merged (tables key by key, the `feeds`, `watchlists` and
//! `digests` arrays appended, so a watchlist can live in its own file), the environment is
//! layered on top with the `config` crate, and the result is checked as a whole. Every
//! problem is collected and reported with its file, key and reason, not just the first.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use lettre::message::Mailbox;
use serde::Deserialize;
use url::Url;

pub use crate::schedule::Schedule;
use crate::units::{parse_duration, parse_size};
use crate::watch::Query;
use crate::wording;

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
const DEFAULT_STALLED_AFTER: Duration = Duration::from_secs(5 * 60);
/// `[storage] retain_items` and `retain_matches` when not set.
pub const DEFAULT_RETAIN_ITEMS: Duration = Duration::from_secs(30 * 86_400);
pub const DEFAULT_RETAIN_MATCHES: Duration = Duration::from_secs(365 * 86_400);
const ARRAYS: [&str; 3] = ["feeds", "watchlists", "digests"];

/// Validated settings, built once at start-up and passed down as arguments.
#[derive(Debug, Clone)]
pub struct Settings {
    pub storage: Storage,
    pub polling: Polling,
    pub feeds: Vec<FeedSettings>,
    pub watchlists: Vec<WatchlistSettings>,
    pub email: Email,
    pub digests: Vec<DigestSettings>,
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

/// The daemon's optional HTTP listener (`/healthz`, `/metrics`, `/feeds`).
#[derive(Debug, Clone)]
pub struct Server {
    /// Where to listen; `None` (the default): no listener.
    pub listen: Option<std::net::SocketAddr>,
    /// `/healthz` reports the poll cycle stalled when a feed has been due for this long
    /// and no poll has finished in this long either.
    pub stalled_after: Duration,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

impl Security {
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

// ---------------------------------------------------------------------------------------
// Errors

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    Environment,
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Environment => write!(f, "environment ({ENV_PREFIX}__…)"),
            Origin::Default => f.write_str("defaults"),
        }
    }
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Origin,
    /// The key, as a path: `polling.interval`, `watchlists[2] ("s400").query`.
    pub key: String,
    pub reason: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.reason)
        } else {
            write!(f, "{}: {}: {}", self.origin, self.key, self.reason)
        }
    }
}

/// Everything wrong with a configuration; at least one problem.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(
            f,
            "invalid configuration ({}):",
            wording::count(count, "problem", "problems")
        )?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

impl From<Problem> for ConfigError {
    fn from(problem: Problem) -> Self {
        ConfigError {
            problems: vec![problem],
        }
    }
}

// ---------------------------------------------------------------------------------------
// Raw shape: what a file may contain. Every key optional, unknown keys refused.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    storage: Option<RawStorage>,
    polling: Option<RawPolling>,
    #[serde(default)]
    feeds: Vec<RawFeed>,
    #[serde(default)]
    watchlists: Vec<RawWatchlist>,
    email: Option<RawEmail>,
    #[serde(default)]
    digests: Vec<RawDigest>,
    stories: Option<RawStories>,
    alerts: Option<RawAlerts>,
    server: Option<RawServer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    stalled_after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    interval: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStories {
    window: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    path: Option<String>,
    retain_items: Option<String>,
    retain_matches: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolling {
    interval: Option<String>,
    min_interval: Option<String>,
    max_interval: Option<String>,
    adaptive: Option<bool>,
    concurrency: Option<i64>,
    concurrency_per_host: Option<i64>,
    timeout: Option<String>,
    max_body_size: Option<String>,
    user_agent: Option<String>,
    max_backoff: Option<String>,
    failing_after: Option<String>,
    moved_after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    name: Option<String>,
    url: Option<String>,
    interval: Option<String>,
    min_interval: Option<String>,
    max_interval: Option<String>,
    adaptive: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWatchlist {
    name: Option<String>,
    query: Option<String>,
    feeds: Option<Vec<String>>,
    alert: Option<bool>,
    backfill: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmail {
    transport: Option<String>,
    host: Option<String>,
    port: Option<i64>,
    security: Option<String>,
    username: Option<String>,
    password_env: Option<String>,
    password_file: Option<String>,
    timeout: Option<String>,
    from: Option<String>,
    outbox: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDigest {
    name: Option<String>,
    to: Option<Vec<String>>,
    watchlists: Option<Vec<String>>,
    schedule: Option<String>,
    timezone: Option<String>,
    backfill: Option<String>,
    max_items: Option<i64>,
    send_empty: Option<bool>,
    list_unsubscribe: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Loading

/// Reads, merges and validates the configuration at `path` (plus its `conf.d/`), with
/// overrides from the process environment.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
        .collect();
    load_with_env(path, env)
}

/// [`load`] with the environment given explicitly, so tests need not touch the process's.
/// Only variables named `NEWSHOUND__SECTION__KEY` are considered.
pub fn load_with_env(path: &Path, env: HashMap<String, String>) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = env
        .into_iter()
        .filter(|(k, _)| k.starts_with(&format!("{ENV_PREFIX}__")))
        .collect();
    let files = config_files(path)?;

    let mut problems = Vec::new();
    let mut merged = toml::Table::new();
    let mut origins = Origins::default();
    for file in &files {
        match read_file(file) {
            Ok(table) => merge_file(&mut merged, table, file, &mut origins),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(ConfigError { problems });
    }
    origins.env_keys = env
        .keys()
        .map(|k| {
            k[ENV_PREFIX.len() + 2..]
                .to_ascii_lowercase()
                .replace("__", ".")
        })
        .collect();

    let raw = layer_environment(&merged, env)?;
    let settings = validate(raw, &origins, files)?;
    Ok(settings)
}

/// The main file followed by `conf.d/*.toml` beside it, in name order.
pub fn config_files(path: &Path) -> Result<Vec<PathBuf>, ConfigError> {
    if !path.is_file() {
        return Err(Problem {
            origin: Origin::File(path.to_path_buf()),
            key: String::new(),
            reason: "no such file (pass --config PATH)".into(),
        }
        .into());
    }
    let mut files = vec![path.to_path_buf()];
    let conf_d = path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("conf.d");
    if conf_d.is_dir() {
        let entries = std::fs::read_dir(&conf_d).map_err(|e| Problem {
            origin: Origin::File(conf_d.clone()),
            key: String::new(),
            reason: format!("cannot list folder: {e}"),
        })?;
        let mut extra: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|ext| ext == "toml") && p.is_file())
            .collect();
        extra.sort();
        files.extend(extra);
    }
    Ok(files)
}

/// Parses one file and checks its shape (no unknown keys, right types) on its own, so the
/// error names the file the mistake is in.
fn read_file(path: &Path) -> Result<toml::Table, Problem> {
    let origin = Origin::File(path.to_path_buf());
    let text = std::fs::read_to_string(path).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: format!("cannot read: {e}"),
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: toml_error(&text, &e),
    })?;
    let deserializer = toml::Deserializer::parse(&text).map_err(|e| Problem {
        origin: origin.clone(),
        key: String::new(),
        reason: toml_error(&text, &e),
    })?;
    if let Err(e) = serde_path_to_error::deserialize::<_, RawConfig>(deserializer) {
        let key = e.path().to_string();
        return Err(Problem {
            origin,
            key: if key == "." { String::new() } else { key },
            reason: toml_error(&text, e.inner()),
        });
    }
    Ok(table)
}

/// A TOML error as one line: the message and where it is.
fn toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_string();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{message} (line {line}, column {column})")
        }
        None => message,
    }
}

/// Where each part of the merged configuration came from.
#[derive(Debug, Default)]
struct Origins {
    /// Dotted key (`polling.interval`) → the last file that set it.
    keys: HashMap<String, PathBuf>,
    /// For each array, its elements' file and index within that file.
    elements: HashMap<String, Vec<(PathBuf, usize)>>,
    /// Dotted keys set by the environment (`polling.concurrency`).
    env_keys: HashSet<String>,
}

impl Origins {
    /// The origin and printable key of `section.key`.
    fn scalar(&self, section: &str, key: &str) -> (Origin, String) {
        let dotted = format!("{section}.{key}");
        let origin = if self.env_keys.contains(&dotted) {
            Origin::Environment
        } else {
            match self.keys.get(&dotted).or_else(|| self.keys.get(section)) {
                Some(path) => Origin::File(path.clone()),
                None => Origin::Default,
            }
        };
        (origin, dotted)
    }

    /// The origin and printable key of `array[index]`, e.g. `watchlists[0] ("s400")`,
    /// where the index counts within the file that defined the element.
    fn element(&self, array: &str, index: usize, name: Option<&str>) -> (Origin, String) {
        let (origin, local) = match self.elements.get(array).and_then(|v| v.get(index)) {
            Some((path, local)) => (Origin::File(path.clone()), *local),
            None => (Origin::Environment, index),
        };
        let key = match name {
            Some(name) if !name.is_empty() => format!("{array}[{local}] ({name:?})"),
            _ => format!("{array}[{local}]"),
        };
        (origin, key)
    }
}

fn merge_file(merged: &mut toml::Table, table: toml::Table, path: &Path, origins: &mut Origins) {
    for (key, value) in table {
        if ARRAYS.contains(&key.as_str()) {
            let toml::Value::Array(items) = value else {
                continue; // read_file already refused a non-array here
            };
            let slot = merged
                .entry(key.clone())
                .or_insert_with(|| toml::Value::Array(Vec::new()));
            if let toml::Value::Array(existing) = slot {
                let record = origins.elements.entry(key).or_default();
                for (local, item) in items.into_iter().enumerate() {
                    existing.push(item);
                    record.push((path.to_path_buf(), local));
                }
            }
            continue;
        }
        origins.keys.insert(key.clone(), path.to_path_buf());
        if let toml::Value::Table(table) = &value {
            for sub in table.keys() {
                origins
                    .keys
                    .insert(format!("{key}.{sub}"), path.to_path_buf());
            }
        }
        match (merged.get_mut(&key), value) {
            (Some(toml::Value::Table(existing)), toml::Value::Table(new)) => {
                for (k, v) in new {
                    existing.insert(k, v);
                }
            }
            (_, value) => {
                merged.insert(key, value);
            }
        }
    }
}

/// Layers `NEWSHOUND__SECTION__KEY` variables over the merged files.
fn layer_environment(
    merged: &toml::Table,
    env: HashMap<String, String>,
) -> Result<RawConfig, ConfigError> {
    let env_problem = |reason: String| -> ConfigError {
        Problem {
            origin: Origin::Environment,
            key: String::new(),
            reason,
        }
        .into()
    };
    let text = toml::to_string(merged).map_err(|e| env_problem(e.to_string()))?;
    let env: config::Map<String, String> = env.into_iter().collect();
    let layered = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .add_source(
            config::Environment::with_prefix(ENV_PREFIX)
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env)),
        )
        .build()
        .map_err(|e| env_problem(e.to_string()))?;
    layered
        .try_deserialize::<RawConfig>()
        .map_err(|e| env_problem(e.to_string()))
}

// ---------------------------------------------------------------------------------------
// Validation

/// Collects problems while building [`Settings`].
struct Validator<'a> {
    origins: &'a Origins,
    problems: Vec<Problem>,
}

impl<'a> Validator<'a> {
    fn scalar<T>(&mut self, section: &str, key: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|reason| {
                let (origin, key) = self.origins.scalar(section, key);
                self.problems.push(Problem {
                    origin,
                    key,
                    reason,
                });
            })
            .ok()
    }

    /// A checker for one element of an array, e.g. `feeds[2]`, named in its problems.
    fn entry<'v>(
        &'v mut self,
        array: &'static str,
        index: usize,
        name: Option<&str>,
    ) -> Entry<'v, 'a> {
        Entry {
            validator: self,
            array,
            index,
            name: name.map(str::to_string),
        }
    }
}

/// Checks the fields of one array element, reporting problems against it.
struct Entry<'v, 'a> {
    validator: &'v mut Validator<'a>,
    array: &'static str,
    index: usize,
    name: Option<String>,
}

impl Entry<'_, '_> {
    fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|reason| {
                let (origin, key) =
                    self.validator
                        .origins
                        .element(self.array, self.index, self.name.as_deref());
                self.validator.problems.push(Problem {
                    origin,
                    key: format!("{key}.{field}"),
                    reason,
                });
            })
            .ok()
    }

    fn refuse(&mut self, field: &str, reason: String) {
        self.check::<()>(field, Err(reason));
    }

    /// The element's `name`: required, and not one already in `seen`.
    fn unique_name(
        &mut self,
        name: Option<String>,
        seen: &mut HashSet<String>,
        what: &str,
    ) -> Option<String> {
        let name = self.check("name", required(name))?;
        if !seen.insert(name.clone()) {
            self.refuse("name", format!("duplicate {what} name `{name}`"));
        }
        Some(name)
    }
}

fn required(value: Option<String>) -> Result<String, String> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        Some(_) => Err("must not be empty".into()),
        None => Err("is required".into()),
    }
}

fn validate(
    raw: RawConfig,
    origins: &Origins,
    files: Vec<PathBuf>,
) -> Result<Settings, ConfigError> {
    let mut v = Validator {
        origins,
        problems: Vec::new(),
    };

    let raw_storage = raw.storage.unwrap_or_default();
    let storage_path = v
        .scalar(
            "storage",
            "path",
            match raw_storage.path {
                Some(p) if p.trim().is_empty() => Err("must not be empty".to_string()),
                Some(p) => Ok(PathBuf::from(p)),
                None => Ok(PathBuf::from("data/newshound.db")),
            },
        )
        .unwrap_or_default();
    let (retain_items, retain_matches) = validate_retention(
        &mut v,
        raw_storage.retain_items.as_deref(),
        raw_storage.retain_matches.as_deref(),
    );

    let polling = validate_polling(&mut v, raw.polling.unwrap_or_default());
    let feeds = validate_feeds(&mut v, raw.feeds, &polling.cadence);
    let watchlists = validate_watchlists(&mut v, raw.watchlists, &feeds);
    let email = validate_email(&mut v, raw.email);
    let digests = validate_digests(&mut v, raw.digests, &watchlists);
    let stories = Stories {
        window: match raw.stories.unwrap_or_default().window {
            None => crate::story::DEFAULT_WINDOW,
            Some(text) => v
                .scalar(
                    "stories",
                    "window",
                    parse_duration(&text).and_then(at_least_a_second),
                )
                .unwrap_or(crate::story::DEFAULT_WINDOW),
        },
    };

    let alerts = Alerts {
        interval: match raw.alerts.unwrap_or_default().interval {
            None => DEFAULT_ALERT_INTERVAL,
            Some(text) => v
                .scalar(
                    "alerts",
                    "interval",
                    parse_duration(&text).and_then(at_least_a_second),
                )
                .unwrap_or(DEFAULT_ALERT_INTERVAL),
        },
    };

    let server = validate_server(&mut v, raw.server.unwrap_or_default());

    if !v.problems.is_empty() {
        return Err(ConfigError {
            problems: v.problems,
        });
    }
    Ok(Settings {
        storage: Storage {
            path: storage_path,
            retain_items,
            retain_matches,
        },
        polling,
        feeds,
        watchlists,
        email: email.expect("email is only None when a problem was recorded"),
        digests,
        stories,
        alerts,
        server,
        files,
    })
}

/// `[storage] retain_items` and `retain_matches`. At least a day each: a shorter span
/// would prune items while their stories are still being grouped. Matches outlive the
/// items nothing matched, or an unmatched item would be kept longer than a matched one.
fn validate_retention(
    v: &mut Validator,
    items_text: Option<&str>,
    matches_text: Option<&str>,
) -> (Duration, Duration) {
    let at_least_a_day = |d: Duration| {
        if d < Duration::from_secs(86_400) {
            Err(format!(
                "{} is too short; the least is 1d",
                humantime::format_duration(d)
            ))
        } else {
            Ok(d)
        }
    };
    let mut duration = |key: &str, text: Option<&str>, default: Duration| match text {
        None => Some(default),
        Some(text) => v.scalar(
            "storage",
            key,
            parse_duration(text).and_then(at_least_a_day),
        ),
    };
    let items = duration("retain_items", items_text, DEFAULT_RETAIN_ITEMS);
    let matches = duration("retain_matches", matches_text, DEFAULT_RETAIN_MATCHES);
    if let (Some(items), Some(matches)) = (items, matches)
        && matches < items
    {
        v.scalar::<()>(
            "storage",
            "retain_matches",
            Err(format!(
                "`{}` is shorter than retain_items (`{}`); matches are kept at least as long",
                matches_text.unwrap_or("365d"),
                items_text.unwrap_or("30d")
            )),
        );
    }
    (
        items.unwrap_or(DEFAULT_RETAIN_ITEMS),
        matches.unwrap_or(DEFAULT_RETAIN_MATCHES),
    )
}

fn validate_server(v: &mut Validator, raw: RawServer) -> Server {
    let listen = raw.listen.and_then(|text| {
        v.scalar(
            "server",
            "listen",
            text.trim().parse::<std::net::SocketAddr>().map_err(|_| {
                format!("`{text}` is not a socket address (an IP address and a port, e.g. \"127.0.0.1:9090\" or \"[::1]:9090\")")
            }),
        )
    });
    let stalled_after = match raw.stalled_after {
        None => DEFAULT_STALLED_AFTER,
        Some(text) => v
            .scalar(
                "server",
                "stalled_after",
                parse_duration(&text).and_then(at_least_a_second),
            )
            .unwrap_or(DEFAULT_STALLED_AFTER),
    };
    Server {
        listen,
        stalled_after,
    }
}

fn validate_polling(v: &mut Validator, raw: RawPolling) -> Polling {
    // A key left out takes its default; a key written wrong is reported, and the default
    // stands in so that checking can go on.
    let mut duration = |key: &str, text: Option<&str>, default: Duration| match text {
        None => default,
        Some(text) => v
            .scalar(
                "polling",
                key,
                parse_duration(text).and_then(at_least_a_second),
            )
            .unwrap_or(default),
    };
    const MINUTE: u64 = 60;
    const DAY: u64 = 86_400;
    let interval = duration("interval", raw.interval.as_deref(), secs(15 * MINUTE));
    let min_interval = raw
        .min_interval
        .as_deref()
        .map(|text| duration("min_interval", Some(text), DEFAULT_BOUNDS.0));
    let max_interval = raw
        .max_interval
        .as_deref()
        .map(|text| duration("max_interval", Some(text), DEFAULT_BOUNDS.1));
    let timeout = duration("timeout", raw.timeout.as_deref(), secs(30));
    let max_backoff = duration(
        "max_backoff",
        raw.max_backoff.as_deref(),
        secs(6 * 60 * MINUTE),
    );
    let failing_after = duration("failing_after", raw.failing_after.as_deref(), secs(7 * DAY));
    let moved_after = duration("moved_after", raw.moved_after.as_deref(), secs(3 * DAY));
    let cadence = v
        .scalar(
            "polling",
            "interval",
            cadence(
                interval,
                min_interval,
                max_interval,
                raw.adaptive.unwrap_or(true),
                &DEFAULT_BOUNDS,
            ),
        )
        .unwrap_or(Cadence {
            interval,
            min_interval: interval,
            max_interval: interval,
            adaptive: false,
        });
    let mut count = |key: &str, value: Option<i64>, default: i64| {
        v.scalar(
            "polling",
            key,
            match value.unwrap_or(default) {
                n @ 1..=1024 => Ok(n as usize),
                n => Err(format!("{n} is out of range; use 1 to 1024")),
            },
        )
        .unwrap_or(default as usize)
    };
    let concurrency = count("concurrency", raw.concurrency, 16);
    let concurrency_per_host = count("concurrency_per_host", raw.concurrency_per_host, 2);
    let max_body_bytes = v
        .scalar(
            "polling",
            "max_body_size",
            parse_size(raw.max_body_size.as_deref().unwrap_or("10MB")),
        )
        .unwrap_or(10_000_000);
    let user_agent = raw
        .user_agent
        .filter(|ua| !ua.trim().is_empty())
        .unwrap_or_else(|| format!("newshound/{}", env!("CARGO_PKG_VERSION")));
    Polling {
        cadence,
        concurrency,
        concurrency_per_host,
        timeout,
        max_body_bytes,
        user_agent,
        max_backoff,
        failing_after,
        moved_after,
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The bounds a cadence gets when none are written: 5 minutes to 2 hours.
const DEFAULT_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(300), Duration::from_secs(2 * 3600));

/// A cadence from an interval and optional bounds. A bound left out defaults to
/// `defaults`, widened to take in the interval (a feed set to poll every minute gets a
/// one-minute floor); bounds written out must hold the interval.
fn cadence(
    interval: Duration,
    min_interval: Option<Duration>,
    max_interval: Option<Duration>,
    adaptive: bool,
    defaults: &(Duration, Duration),
) -> Result<Cadence, String> {
    let min = min_interval.unwrap_or(defaults.0.min(interval));
    let max = max_interval.unwrap_or(defaults.1.max(interval));
    let show = |d: Duration| humantime::format_duration(d).to_string();
    if min > max {
        return Err(format!(
            "min_interval ({}) is longer than max_interval ({})",
            show(min),
            show(max)
        ));
    }
    if interval < min || interval > max {
        return Err(format!(
            "{} is outside min_interval..max_interval ({}..{})",
            show(interval),
            show(min),
            show(max)
        ));
    }
    Ok(Cadence {
        interval,
        min_interval: min,
        max_interval: max,
        adaptive,
    })
}

fn at_least_a_second(d: Duration) -> Result<Duration, String> {
    if d < Duration::from_secs(1) {
        Err(format!(
            "{} is too short; the least is 1s",
            humantime::format_duration(d)
        ))
    } else {
        Ok(d)
    }
}

fn validate_feeds(v: &mut Validator, raw: Vec<RawFeed>, defaults: &Cadence) -> Vec<FeedSettings> {
    let mut feeds = Vec::new();
    let mut names = HashSet::new();
    let mut urls = HashMap::new();
    for (i, feed) in raw.into_iter().enumerate() {
        let mut e = v.entry("feeds", i, feed.name.as_deref());
        let name = e.unique_name(feed.name, &mut names, "feed");
        let url = e
            .check("url", required(feed.url))
            .and_then(|u| e.check("url", parse_feed_url(&u)));
        if let Some(url) = &url
            && let Some(first) = urls.insert(url.to_string(), i)
        {
            e.refuse("url", format!("the same URL as feeds[{first}]"));
        }
        let mut duration = |key: &str, text: Option<String>| match text {
            Some(text) => e
                .check(key, parse_duration(&text).and_then(at_least_a_second))
                .map(Some),
            None => Some(None),
        };
        let interval = duration("interval", feed.interval);
        let min_interval = duration("min_interval", feed.min_interval);
        let max_interval = duration("max_interval", feed.max_interval);
        let cadence = match (interval, min_interval, max_interval) {
            (Some(interval), Some(min), Some(max)) => e.check(
                "interval",
                cadence(
                    interval.unwrap_or(defaults.interval),
                    min,
                    max,
                    feed.adaptive.unwrap_or(defaults.adaptive),
                    &(defaults.min_interval, defaults.max_interval),
                ),
            ),
            _ => None,
        };
        let tags: Vec<String> = feed.tags.iter().map(|t| t.trim().to_string()).collect();
        if tags.iter().any(String::is_empty) {
            e.refuse("tags", "a tag must not be empty".into());
        }
        if let (Some(name), Some(url), Some(cadence)) = (name, url, cadence) {
            feeds.push(FeedSettings {
                name,
                url,
                cadence,
                tags,
            });
        }
    }
    feeds
}

fn parse_feed_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err(format!("`{text}` has no host")),
        "file" => Ok(url),
        other => Err(format!(
            "`{text}`: unsupported scheme `{other}`; use http://, https:// or file://"
        )),
    }
}

fn validate_watchlists(
    v: &mut Validator,
    raw: Vec<RawWatchlist>,
    feeds: &[FeedSettings],
) -> Vec<WatchlistSettings> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, w) in raw.into_iter().enumerate() {
        let mut e = v.entry("watchlists", i, w.name.as_deref());
        let name = e.unique_name(w.name, &mut names, "watchlist");
        let query = e.check("query", required(w.query)).and_then(|q| {
            e.check(
                "query",
                Query::parse(&q).map_err(|err| format!("{err} in `{q}`")),
            )
        });
        let mut selectors = Vec::new();
        for text in w.feeds.unwrap_or_default() {
            let selector = FeedSelector::parse(&text);
            if feeds.iter().any(|f| selector.selects(f)) {
                selectors.push(selector);
                continue;
            }
            e.refuse(
                "feeds",
                match selector {
                    FeedSelector::Name(n) => {
                        format!("no feed is named `{n}` (for a tag write \"tag:{n}\")")
                    }
                    FeedSelector::Tag(t) => format!("no feed has the tag `{t}`"),
                },
            );
        }
        let backfill = match w.backfill.as_deref() {
            None => Some(DEFAULT_BACKFILL),
            Some(text) if matches!(text.trim(), "0" | "0s" | "0h") => Some(Duration::ZERO),
            Some(text) => e.check("backfill", parse_duration(text)),
        };
        if let (Some(name), Some(query), Some(backfill)) = (name, query, backfill) {
            out.push(WatchlistSettings {
                name,
                query,
                feeds: selectors,
                alert: w.alert.unwrap_or(false),
                backfill,
            });
        }
    }
    out
}

fn validate_email(v: &mut Validator, raw: Option<RawEmail>) -> Option<Email> {
    let raw = raw.unwrap_or_default();
    let from = v.scalar(
        "email",
        "from",
        raw.from
            .as_deref()
            .unwrap_or("newshound <newshound@localhost>")
            .parse::<Mailbox>()
            .map_err(|e| {
                format!(
                    "`{}` is not an address ({e})",
                    raw.from.as_deref().unwrap_or("")
                )
            }),
    );
    let transport = raw
        .transport
        .clone()
        .unwrap_or_else(|| if raw.host.is_some() { "smtp" } else { "file" }.to_string());
    let transport = match transport.as_str() {
        "file" => Some(Transport::File {
            outbox: PathBuf::from(raw.outbox.as_deref().unwrap_or("data/outbox")),
        }),
        "smtp" => validate_smtp(v, &raw).map(Transport::Smtp),
        other => v.scalar(
            "email",
            "transport",
            Err(format!(
                "`{other}` is not a transport; use \"smtp\" or \"file\""
            )),
        ),
    };
    Some(Email {
        from: from?,
        transport: transport?,
    })
}

fn validate_smtp(v: &mut Validator, raw: &RawEmail) -> Option<SmtpSettings> {
    let host = v.scalar(
        "email",
        "host",
        required(raw.host.clone()).map_err(|e| format!("{e} when transport is \"smtp\"")),
    );
    let security = match raw.security.as_deref().unwrap_or("starttls") {
        "starttls" => Some(Security::StartTls),
        "tls" => Some(Security::Tls),
        "none" => Some(Security::None),
        other => v.scalar(
            "email",
            "security",
            Err(format!(
                "`{other}` is not one of \"starttls\", \"tls\", \"none\""
            )),
        ),
    };
    let port = match raw.port {
        None => security.map(Security::default_port),
        Some(p) => v.scalar(
            "email",
            "port",
            u16::try_from(p)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("{p} is not a port")),
        ),
    };
    let timeout = v.scalar(
        "email",
        "timeout",
        parse_duration(raw.timeout.as_deref().unwrap_or("60s")),
    );
    let password = match (&raw.password_env, &raw.password_file) {
        (Some(_), Some(_)) => v.scalar(
            "email",
            "password_file",
            Err("give password_env or password_file, not both".to_string()),
        ),
        (Some(var), None) => v
            .scalar(
                "email",
                "password_env",
                std::env::var(var).map_err(|_| format!("environment variable `{var}` is not set")),
            )
            .map(|p| Some(Secret::new(p))),
        (None, Some(path)) => v
            .scalar(
                "email",
                "password_file",
                std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}")),
            )
            .map(|p| Some(Secret::new(p.trim_end_matches(['\r', '\n'])))),
        (None, None) => Some(None),
    };
    let username = raw.username.clone().filter(|u| !u.is_empty());
    if username.is_some() && matches!(password, Some(None)) {
        v.scalar::<()>(
            "email",
            "username",
            Err("a username needs password_env or password_file".into()),
        );
        return None;
    }
    Some(SmtpSettings {
        host: host?,
        port: port?,
        security: security?,
        username,
        password: password?,
        timeout: timeout?,
    })
}

fn validate_digests(
    v: &mut Validator,
    raw: Vec<RawDigest>,
    watchlists: &[WatchlistSettings],
) -> Vec<DigestSettings> {
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for (i, d) in raw.into_iter().enumerate() {
        let mut e = v.entry("digests", i, d.name.as_deref());
        let name = e.unique_name(d.name, &mut names, "digest");
        let mut to = Vec::new();
        match d.to {
            None => e.refuse("to", "is required: a list of addresses".into()),
            Some(list) if list.is_empty() => e.refuse("to", "needs at least one address".into()),
            Some(list) => {
                for address in list {
                    let parsed = address
                        .parse::<Mailbox>()
                        .map_err(|err| format!("`{address}` is not an address ({err})"));
                    let Some(mailbox) = e.check("to", parsed) else {
                        continue;
                    };
                    let key = recipient_key(&mailbox);
                    if to.iter().any(|m| recipient_key(m) == key) {
                        e.refuse("to", format!("`{key}` is listed twice"));
                    }
                    to.push(mailbox);
                }
            }
        }
        let covered = match d.watchlists {
            None => watchlists.iter().map(|w| w.name.clone()).collect(),
            Some(list) if list.is_empty() => {
                e.refuse(
                    "watchlists",
                    "is empty: name at least one watchlist, or leave the key out for all".into(),
                );
                list
            }
            Some(list) => {
                for w in list
                    .iter()
                    .filter(|w| !watchlists.iter().any(|known| known.name == **w))
                {
                    e.refuse("watchlists", format!("no watchlist is named `{w}`"));
                }
                list
            }
        };
        let schedule = e.check(
            "schedule",
            Schedule::parse(d.schedule.as_deref().unwrap_or("every 1h")),
        );
        let backfill = match d.backfill.as_deref() {
            None => Some(DEFAULT_BACKFILL),
            // "0s" is a sensible wish here: a new recipient gets nothing from before.
            Some(text) if matches!(text.trim(), "0" | "0s" | "0h") => Some(Duration::ZERO),
            Some(text) => e.check("backfill", parse_duration(text)),
        };
        let max_items = match d.max_items {
            None => Some(Some(DEFAULT_MAX_ITEMS)),
            Some(0) => Some(None),
            Some(n) => e.check(
                "max_items",
                usize::try_from(n).map(Some).map_err(|_| {
                    format!("`{n}` is not a number of stories; write a positive number, or 0 for no limit")
                }),
            ),
        };
        let list_unsubscribe = match d.list_unsubscribe {
            None => Some(None),
            Some(text) => e.check("list_unsubscribe", unsubscribe_url(&text).map(Some)),
        };
        let timezone = match d.timezone.as_deref() {
            None => Some(crate::schedule::system_timezone()),
            Some(name) => e.check("timezone", crate::schedule::parse_timezone(name)),
        };
        if let (
            Some(name),
            Some(schedule),
            Some(timezone),
            Some(backfill),
            Some(max_items),
            Some(list_unsubscribe),
        ) = (
            name,
            schedule,
            timezone,
            backfill,
            max_items,
            list_unsubscribe,
        ) {
            out.push(DigestSettings {
                name,
                to,
                watchlists: covered,
                schedule,
                timezone,
                backfill,
                max_items,
                send_empty: d.send_empty.unwrap_or(false),
                list_unsubscribe,
            });
        }
    }
    out
}

/// How a recipient is known: the address alone, in lower case, so that
/// `Desk <desk@example.org>` and `DESK@example.org` are one recipient.
pub fn recipient_key(mailbox: &Mailbox) -> String {
    mailbox.email.to_string().to_lowercase()
}

/// A `List-Unsubscribe` target: mail clients offer an unsubscribe button for `mailto:`
/// and `https:` URLs only.
fn unsubscribe_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|e| format!("`{text}` is not a URL ({e}); write e.g. \"mailto:list-admin@example.org?subject=unsubscribe\""))?;
    match url.scheme() {
        "mailto" | "https" => Ok(url),
        other => Err(format!(
            "`{text}`: a {other}: URL is not offered by mail clients; use mailto: or https:"
        )),
    }
}

#[cfg(test)]
mod tests {
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
