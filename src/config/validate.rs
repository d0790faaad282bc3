//! Validation: the merged raw configuration checked as a whole and built into
//! [`Settings`]. Every problem is collected with its origin and key rather than stopping at
//! the first.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::Mailbox;
use url::Url;

use super::articles::{feed_articles, polling_articles};
use super::load::Origins;
use super::raw::{
    RawConfig, RawDigest, RawEmail, RawFeed, RawPolling, RawServer, RawWatchlist, RawWebhook,
};
use super::{
    Alerts, Cadence, ConfigError, DEFAULT_ALERT_INTERVAL, DEFAULT_BACKFILL, DEFAULT_FEED_ENTRIES,
    DEFAULT_MAX_ITEMS, DEFAULT_RETAIN_ITEMS, DEFAULT_RETAIN_MATCHES, DEFAULT_STALLED_AFTER,
    DEFAULT_WEBHOOK_TIMEOUT, DigestSettings, Email, FeedSelector, FeedSettings, Polling, Problem,
    Schedule, Secret, Security, Server, Settings, SmtpSettings, Storage, Stories, Transport,
    WEBHOOK_PREFIX, WatchlistSettings, WebhookFormat, WebhookSettings, WebhookTiming,
    recipient_key,
};
use crate::units::{parse_duration, parse_size};
use crate::watch::{Lists, Query, Scope, check_list_item};

/// Collects problems while building [`Settings`].
pub(super) struct Validator<'a> {
    origins: &'a Origins,
    problems: Vec<Problem>,
}

impl<'a> Validator<'a> {
    pub(super) fn scalar<T>(
        &mut self,
        section: &str,
        key: &str,
        result: Result<T, String>,
    ) -> Option<T> {
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

    /// A duration of at least a second at `section.key`. A key left out takes its default;
    /// a key written wrong is reported, and the default stands in so that checking can go
    /// on.
    pub(super) fn duration(
        &mut self,
        section: &str,
        key: &str,
        text: Option<&str>,
        default: Duration,
    ) -> Duration {
        match text {
            None => default,
            Some(text) => self
                .scalar(
                    section,
                    key,
                    parse_duration(text).and_then(at_least_a_second),
                )
                .unwrap_or(default),
        }
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

    /// Checks the elements of `array` in turn, each under an [`Entry`] that names it in its
    /// problems: its `name` first (required, and unique within the array), then the rest
    /// with `check`, which builds the element, or gives `None` when a problem was recorded.
    fn named_elements<R: Named, T>(
        &mut self,
        array: &'static str,
        what: &str,
        raw: Vec<R>,
        mut check: impl FnMut(&mut Entry<'_, 'a>, Option<String>, R) -> Option<T>,
    ) -> Vec<T> {
        let mut names = HashSet::new();
        let mut out = Vec::new();
        for (index, mut element) in raw.into_iter().enumerate() {
            let name = element.take_name();
            let mut e = self.entry(array, index, name.as_deref());
            let name = e.unique_name(name, &mut names, what);
            out.extend(check(&mut e, name, element));
        }
        out
    }
}

/// An element of the `feeds`, `watchlists` or `digests` array, known by its `name`.
trait Named {
    fn take_name(&mut self) -> Option<String>;
}

impl Named for RawFeed {
    fn take_name(&mut self) -> Option<String> {
        self.name.take()
    }
}

impl Named for RawWatchlist {
    fn take_name(&mut self) -> Option<String> {
        self.name.take()
    }
}

impl Named for RawDigest {
    fn take_name(&mut self) -> Option<String> {
        self.name.take()
    }
}

impl Named for RawWebhook {
    fn take_name(&mut self) -> Option<String> {
        self.name.take()
    }
}

/// Checks the fields of one array element, reporting problems against it.
pub(super) struct Entry<'v, 'a> {
    validator: &'v mut Validator<'a>,
    array: &'static str,
    index: usize,
    name: Option<String>,
}

impl Entry<'_, '_> {
    pub(super) fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
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

    /// The element's `watchlists`, each of them configured: all of them when left out.
    fn covered(
        &mut self,
        named: Option<Vec<String>>,
        watchlists: &[WatchlistSettings],
    ) -> Vec<String> {
        match named {
            None => watchlists.iter().map(|w| w.name.clone()).collect(),
            Some(list) if list.is_empty() => {
                self.refuse(
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
                    self.refuse("watchlists", format!("no watchlist is named `{w}`"));
                }
                list
            }
        }
    }

    /// The element's `backfill`: [`DEFAULT_BACKFILL`] when left out.
    fn backfill(&mut self, text: Option<&str>) -> Option<Duration> {
        match text {
            None => Some(DEFAULT_BACKFILL),
            // "0s" is a sensible wish here, though not a duration: a new recipient (or a new
            // watchlist) gets nothing from before.
            Some(text) if matches!(text.trim(), "0" | "0s" | "0h") => Some(Duration::ZERO),
            Some(text) => self.check("backfill", parse_duration(text)),
        }
    }
}

fn required(value: Option<String>) -> Result<String, String> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        Some(_) => Err("must not be empty".into()),
        None => Err("is required".into()),
    }
}

pub(super) fn validate(
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
    let feeds = validate_feeds(&mut v, raw.feeds, &polling);
    let lists = validate_lists(&mut v, raw.lists.unwrap_or_default());
    let watchlists = validate_watchlists(&mut v, raw.watchlists, &feeds, &lists);
    let email = validate_email(&mut v, raw.email);
    let digests = validate_digests(&mut v, raw.digests, &watchlists);
    let webhooks = validate_webhooks(&mut v, raw.webhooks, &watchlists);
    let stories = Stories {
        window: v.duration(
            "stories",
            "window",
            raw.stories.unwrap_or_default().window.as_deref(),
            crate::story::DEFAULT_WINDOW,
        ),
    };

    let alerts = Alerts {
        interval: v.duration(
            "alerts",
            "interval",
            raw.alerts.unwrap_or_default().interval.as_deref(),
            DEFAULT_ALERT_INTERVAL,
        ),
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
        lists,
        email: email.expect("email is only None when a problem was recorded"),
        digests,
        webhooks,
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
    let at_least_a_day = |d: Duration| at_least(d, Duration::from_secs(86_400), "1d");
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
    let stalled_after = v.duration(
        "server",
        "stalled_after",
        raw.stalled_after.as_deref(),
        DEFAULT_STALLED_AFTER,
    );
    let token = secret(
        v,
        "server",
        "token",
        ("token_env", raw.token_env.as_deref()),
        ("token_file", raw.token_file.as_deref()),
    )
    .flatten();
    let feed_entries = match raw.feed_entries {
        Some(0) => v
            .scalar(
                "server",
                "feed_entries",
                Err("must be at least 1".to_string()),
            )
            .unwrap_or(DEFAULT_FEED_ENTRIES),
        Some(n) => n,
        None => DEFAULT_FEED_ENTRIES,
    };
    let public_url = raw.public_url.and_then(|text| {
        v.scalar(
            "server",
            "public_url",
            url::Url::parse(text.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .ok_or_else(|| format!("`{text}` is not an http(s) URL")),
        )
    });
    Server {
        listen,
        stalled_after,
        token,
        feed_entries,
        public_url,
    }
}

/// A secret from an environment variable or a file (its last line end dropped), named by
/// the keys `env` and `file` of `section`: `Some(None)` when neither is given, `None` when
/// one is wrong (the problem is recorded).
fn secret(
    v: &mut Validator,
    section: &str,
    what: &str,
    env: (&str, Option<&str>),
    file: (&str, Option<&str>),
) -> Option<Option<Secret>> {
    read_secret(what, env, file)
        .map_err(|(key, reason)| v.scalar::<()>(section, key, Err(reason)))
        .ok()
}

/// The secret `what` (a password, a token) from the environment variable `env` or the
/// file `file`, not both; `None` when neither is given. An error names the key at fault
/// and why; an empty secret is one.
fn read_secret<'k>(
    what: &str,
    (env_key, env): (&'k str, Option<&str>),
    (file_key, file): (&'k str, Option<&str>),
) -> Result<Option<Secret>, (&'k str, String)> {
    let (key, value) = match (env, file) {
        (Some(_), Some(_)) => {
            return Err((file_key, format!("give {env_key} or {file_key}, not both")));
        }
        (Some(var), None) => (
            env_key,
            std::env::var(var)
                .map_err(|_| (env_key, format!("environment variable `{var}` is not set")))?,
        ),
        (None, Some(path)) => (
            file_key,
            std::fs::read_to_string(path)
                .map_err(|e| (file_key, format!("cannot read `{path}`: {e}")))?
                .trim_end_matches(['\r', '\n'])
                .to_string(),
        ),
        (None, None) => return Ok(None),
    };
    if value.trim().is_empty() {
        return Err((key, format!("the {what} is empty")));
    }
    Ok(Some(Secret::new(value)))
}

/// The `[polling]` section of a configuration that sets none of its keys, for commands
/// that fetch without a configuration file.
pub(super) fn default_polling() -> Polling {
    let origins = Origins::default();
    let mut v = Validator {
        origins: &origins,
        problems: Vec::new(),
    };
    validate_polling(&mut v, RawPolling::default())
}

fn validate_polling(v: &mut Validator, raw: RawPolling) -> Polling {
    let mut duration = |key: &str, text: Option<&str>, default: Duration| {
        v.duration("polling", key, text, default)
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
    let (articles, article_wait, article_retry) = polling_articles(v, &raw);
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
        articles,
        article_wait,
        article_retry,
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

pub(super) fn at_least_a_second(d: Duration) -> Result<Duration, String> {
    at_least(d, Duration::from_secs(1), "1s")
}

/// `d`, unless it is shorter than `least` (written `shown`, as a user would write it).
fn at_least(d: Duration, least: Duration, shown: &str) -> Result<Duration, String> {
    if d < least {
        Err(format!(
            "{} is too short; the least is {shown}",
            humantime::format_duration(d)
        ))
    } else {
        Ok(d)
    }
}

fn validate_feeds(v: &mut Validator, raw: Vec<RawFeed>, polling: &Polling) -> Vec<FeedSettings> {
    let defaults = &polling.cadence;
    let mut urls = HashMap::new();
    v.named_elements("feeds", "feed", raw, |e, name, feed| {
        let articles = feed_articles(e, &feed, &polling.articles);
        let url = e
            .check("url", required(feed.url))
            .and_then(|u| e.check("url", parse_feed_url(&u)));
        if let Some(url) = &url
            && let Some(first) = urls.insert(url.to_string(), e.index)
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
        Some(FeedSettings {
            name: name?,
            url: url?,
            cadence: cadence?,
            tags,
            articles: articles?,
        })
    })
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

/// `[lists]`: each a name `@name` can spell and one or more terms. A list with a bad
/// item is kept, so that the watchlists naming it are not also told it does not exist.
fn validate_lists(v: &mut Validator, raw: Lists) -> Lists {
    for (name, items) in &raw {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            v.scalar::<()>(
                "lists",
                name,
                Err(format!(
                    "`{name}` cannot be written as @{name}: use letters, digits, `_` and `-`"
                )),
            );
        }
        if items.is_empty() {
            v.scalar::<()>("lists", name, Err("a list needs at least one term".into()));
        }
        for (i, item) in items.iter().enumerate() {
            v.scalar(
                "lists",
                name,
                check_list_item(item).map_err(|e| format!("item {}: {e}", i + 1)),
            );
        }
    }
    raw
}

fn validate_watchlists(
    v: &mut Validator,
    raw: Vec<RawWatchlist>,
    feeds: &[FeedSettings],
    lists: &Lists,
) -> Vec<WatchlistSettings> {
    v.named_elements("watchlists", "watchlist", raw, |e, name, w| {
        let query = e.check("query", required(w.query)).and_then(|q| {
            e.check(
                "query",
                Query::parse_with(&q, lists).map_err(|err| format!("{err} in `{q}`")),
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
        // A scope the watchlist's own `feeds` rule out would quietly never hold.
        let applies = |feed: &FeedSettings| {
            selectors.is_empty() || selectors.iter().any(|selector| selector.selects(feed))
        };
        for scope in query.iter().flat_map(Query::scopes) {
            let (what, known, mine) = match scope {
                Scope::Feed(name) => (
                    format!("feed:{name}: no feed is named `{name}` (names are case-sensitive)"),
                    feeds.iter().any(|f| f.name == *name),
                    feeds.iter().any(|f| f.name == *name && applies(f)),
                ),
                Scope::Tag(tag) => (
                    format!("tag:{tag}: no feed has the tag `{tag}`"),
                    feeds.iter().any(|f| f.tags.contains(tag)),
                    feeds.iter().any(|f| f.tags.contains(tag) && applies(f)),
                ),
                Scope::Site { .. } => continue,
            };
            if !known {
                e.refuse("query", what);
            } else if !mine {
                e.refuse(
                    "query",
                    format!(
                        "{}: none of the feeds this watchlist applies to (its `feeds`) is it",
                        scope_text(scope)
                    ),
                );
            }
        }
        let backfill = e.backfill(w.backfill.as_deref());
        Some(WatchlistSettings {
            name: name?,
            query: query?,
            feeds: selectors,
            alert: w.alert.unwrap_or(false),
            backfill: backfill?,
        })
    })
}

fn scope_text(scope: &Scope) -> String {
    match scope {
        Scope::Feed(name) => format!("feed:{name}"),
        Scope::Tag(tag) => format!("tag:{tag}"),
        Scope::Site { host, path } => format!("site:{host}{path}"),
    }
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
    let password = secret(
        v,
        "email",
        "password",
        ("password_env", raw.password_env.as_deref()),
        ("password_file", raw.password_file.as_deref()),
    );
    let username = raw.username.clone().filter(|u| !u.is_empty());
    if username.is_some() && matches!(password, Some(None)) {
        v.scalar::<()>(
            "email",
            "username",
            Err("a username needs password_env or password_file".into()),
        );
        return None;
    }
    // A relay that rejects non-FQDN greetings (`reject_non_fqdn_helo_hostname`) refuses
    // every message from a single-label name, for good.
    let helo_name = match raw.helo_name.as_deref().map(str::trim) {
        None => Some(None),
        Some(name) => v.scalar("email", "helo_name", helo_name(name)).map(Some),
    };
    // No password in clear over the network: only to a relay on this machine, and only
    // when said so.
    if let (Some(Security::None), Some(_), Some(host)) = (security, &username, &host) {
        let allowed = raw.allow_plaintext_auth.unwrap_or(false);
        let reason = if !allowed {
            Some(
                "with security = \"none\" the password would be sent in clear: use \
                 security = \"starttls\" or \"tls\", or allow_plaintext_auth = true for a \
                 relay on this machine"
                    .to_string(),
            )
        } else if !is_loopback(host) {
            Some(format!(
                "allow_plaintext_auth is for a relay on this machine; `{host}` is not: use \
                 security = \"starttls\" or \"tls\""
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            v.scalar::<()>("email", "username", Err(reason));
        }
    }
    let tls_ca_file = match raw.tls_ca_file.as_deref() {
        None => Some(None),
        Some(path) => v.scalar("email", "tls_ca_file", ca_file(path)).map(Some),
    };
    let tls_server_name = raw
        .tls_server_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Some(SmtpSettings {
        tls_ca_file: tls_ca_file?,
        tls_server_name,
        host: host?,
        port: port?,
        security: security?,
        username,
        password: password?,
        timeout: timeout?,
        helo_name: helo_name?,
    })
}

/// `tls_ca_file`: a readable PEM file with at least one certificate.
fn ca_file(path: &str) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(format!(
            "`{path}` holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(PathBuf::from(path))
}

/// `helo_name` as given: a fully qualified name or an address literal (`[192.0.2.1]`).
fn helo_name(name: &str) -> Result<String, String> {
    let literal = name.starts_with('[') && name.ends_with(']');
    let labels_ok = name.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    });
    if literal || (name.contains('.') && labels_ok) {
        Ok(name.to_string())
    } else {
        Err(format!(
            "`{name}` is not a fully qualified name (mail.example.org) or an address \
             literal ([192.0.2.1]): relays refuse a bare name"
        ))
    }
}

/// Whether `host` is this machine: `localhost` or a loopback address.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn validate_digests(
    v: &mut Validator,
    raw: Vec<RawDigest>,
    watchlists: &[WatchlistSettings],
) -> Vec<DigestSettings> {
    v.named_elements("digests", "digest", raw, |e, name, d| {
        if name.as_deref().is_some_and(|n| n.starts_with(WEBHOOK_PREFIX)) {
            e.refuse(
                "name",
                format!("names starting with `{WEBHOOK_PREFIX}` are kept for webhooks"),
            );
        }
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
        let covered = e.covered(d.watchlists, watchlists);
        let schedule = e.check(
            "schedule",
            Schedule::parse(d.schedule.as_deref().unwrap_or("every 1h")),
        );
        let backfill = e.backfill(d.backfill.as_deref());
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
        Some(DigestSettings {
            name: name?,
            to,
            watchlists: covered,
            schedule: schedule?,
            timezone: timezone?,
            backfill: backfill?,
            max_items: max_items?,
            send_empty: d.send_empty.unwrap_or(false),
            list_unsubscribe: list_unsubscribe?,
        })
    })
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

/// Headers a webhook's configuration may not set: HTTP's own framing, and those newshound
/// sets itself.
const RESERVED_HEADERS: [&str; 8] = [
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "idempotency-key",
    "x-newshound-signature",
    "x-newshound-delivery",
];

fn validate_webhooks(
    v: &mut Validator,
    raw: Vec<RawWebhook>,
    watchlists: &[WatchlistSettings],
) -> Vec<WebhookSettings> {
    v.named_elements("webhooks", "webhook", raw, |e, name, w| {
        let format = match w.format.as_deref().map(str::trim) {
            None | Some("json") => Some(WebhookFormat::Json),
            Some("slack") => Some(WebhookFormat::Slack),
            Some("ntfy") => Some(WebhookFormat::Ntfy),
            Some(other) => e.check(
                "format",
                Err(format!(
                    "`{other}` is not a format; use \"json\", \"slack\" or \"ntfy\""
                )),
            ),
        };
        let url = e
            .check("url", required(w.url))
            .and_then(|u| e.check("url", webhook_url(&u, format)));
        let covered = e.covered(w.watchlists, watchlists);
        let timing = match (w.alert.unwrap_or(false), w.schedule) {
            (true, Some(_)) => e.check(
                "schedule",
                Err("give a schedule or alert = true, not both".to_string()),
            ),
            (true, None) => Some(WebhookTiming::Alert),
            (false, schedule) => {
                let schedule = e.check(
                    "schedule",
                    Schedule::parse(schedule.as_deref().unwrap_or("every 1h")),
                );
                let timezone = match w.timezone.as_deref() {
                    None => Some(crate::schedule::system_timezone()),
                    Some(name) => e.check("timezone", crate::schedule::parse_timezone(name)),
                };
                schedule
                    .zip(timezone)
                    .map(|(schedule, timezone)| WebhookTiming::Schedule { schedule, timezone })
            }
        };
        let secret = match read_secret(
            "secret",
            ("secret_env", w.secret_env.as_deref()),
            ("secret_file", w.secret_file.as_deref()),
        ) {
            Ok(secret) => Some(secret),
            Err((key, reason)) => e.check::<()>(key, Err(reason)).map(|()| None),
        };
        // Values written in the file, then values read from the environment (a token
        // kept out of the file).
        let given = w
            .headers
            .unwrap_or_default()
            .into_iter()
            .map(|(header, value)| ("headers", header, Ok(value)));
        let from_env = w
            .headers_env
            .unwrap_or_default()
            .into_iter()
            .map(|(header, var)| {
                let value = std::env::var(&var)
                    .map_err(|_| format!("environment variable `{var}` is not set"));
                ("headers_env", header, value)
            });
        let mut headers: Vec<(String, Secret)> = Vec::new();
        for (key, header, value) in given.chain(from_env) {
            let lower = header.to_ascii_lowercase();
            if RESERVED_HEADERS.contains(&lower.as_str()) {
                e.refuse(key, format!("`{header}` is set by newshound"));
            } else if reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_err() {
                e.refuse(key, format!("`{header}` is not a header name"));
            } else if headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(&header)) {
                e.refuse(key, format!("`{header}` is given twice"));
            } else {
                match value {
                    Err(reason) => e.refuse(key, reason),
                    Ok(value) if reqwest::header::HeaderValue::from_str(&value).is_err() => {
                        // The value is not shown: it may be a token.
                        e.refuse(
                            key,
                            format!(
                                "the value of `{header}` is not a header value (one line of ASCII)"
                            ),
                        );
                    }
                    Ok(value) => headers.push((header, Secret::new(value))),
                }
            }
        }
        let timeout = match w.timeout.as_deref() {
            None => Some(DEFAULT_WEBHOOK_TIMEOUT),
            Some(text) => e.check("timeout", parse_duration(text).and_then(at_least_a_second)),
        };
        let backfill = e.backfill(w.backfill.as_deref());
        Some(WebhookSettings {
            name: name?,
            url: url?,
            watchlists: covered,
            format: format?,
            timing: timing?,
            secret: secret?,
            headers,
            timeout: timeout?,
            backfill: backfill?,
        })
    })
}

/// A webhook's `url`: http or https with a host; for ntfy, the topic's URL
/// (`https://ntfy.sh/TOPIC`). The URL is never repeated in a problem: its path is often
/// the credential.
fn webhook_url(text: &str, format: Option<WebhookFormat>) -> Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "`{}` is not an http:// or https:// URL with a host",
            super::shown_webhook_url(&url)
        ));
    }
    if format == Some(WebhookFormat::Ntfy) && crate::webhook::ntfy_topic(&url).is_none() {
        return Err("an ntfy URL names its topic, e.g. \"https://ntfy.sh/my-alerts\"".to_string());
    }
    Ok(url)
}
