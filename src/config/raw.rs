//! Raw shape: what a file may contain. Every key optional, unknown keys refused.
//!
//! Each file is read into this shape on its own, so that a typo is reported with the file it
//! is in; the merged files, with the environment layered on top, are read into it once more
//! before validation.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) storage: Option<RawStorage>,
    pub(super) polling: Option<RawPolling>,
    #[serde(default)]
    pub(super) feeds: Vec<RawFeed>,
    #[serde(default)]
    pub(super) watchlists: Vec<RawWatchlist>,
    /// Named term lists: `turkey = ["Turkey", "Türkiye"]`, used as `@turkey`.
    pub(super) lists: Option<std::collections::BTreeMap<String, Vec<String>>>,
    pub(super) email: Option<RawEmail>,
    #[serde(default)]
    pub(super) digests: Vec<RawDigest>,
    #[serde(default)]
    pub(super) webhooks: Vec<RawWebhook>,
    pub(super) stories: Option<RawStories>,
    pub(super) alerts: Option<RawAlerts>,
    pub(super) server: Option<RawServer>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Option<String>,
    pub(super) stalled_after: Option<String>,
    pub(super) token_env: Option<String>,
    pub(super) token_file: Option<String>,
    pub(super) feed_entries: Option<usize>,
    pub(super) public_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    pub(super) interval: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStories {
    pub(super) window: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStorage {
    pub(super) path: Option<String>,
    pub(super) retain_items: Option<String>,
    pub(super) retain_matches: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPolling {
    pub(super) interval: Option<String>,
    pub(super) min_interval: Option<String>,
    pub(super) max_interval: Option<String>,
    pub(super) adaptive: Option<bool>,
    pub(super) concurrency: Option<i64>,
    pub(super) concurrency_per_host: Option<i64>,
    pub(super) timeout: Option<String>,
    pub(super) max_body_size: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) max_backoff: Option<String>,
    pub(super) failing_after: Option<String>,
    pub(super) moved_after: Option<String>,
    pub(super) full_text: Option<String>,
    pub(super) article_backlog: Option<i64>,
    pub(super) article_max_age: Option<String>,
    pub(super) article_wait: Option<String>,
    pub(super) article_retry: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub(super) name: Option<String>,
    pub(super) url: Option<String>,
    pub(super) interval: Option<String>,
    pub(super) min_interval: Option<String>,
    pub(super) max_interval: Option<String>,
    pub(super) adaptive: Option<bool>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    pub(super) full_text: Option<String>,
    pub(super) article_backlog: Option<i64>,
    pub(super) article_max_age: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWatchlist {
    pub(super) name: Option<String>,
    pub(super) query: Option<String>,
    pub(super) feeds: Option<Vec<String>>,
    pub(super) alert: Option<bool>,
    pub(super) backfill: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    pub(super) transport: Option<String>,
    pub(super) host: Option<String>,
    pub(super) port: Option<i64>,
    pub(super) security: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password_env: Option<String>,
    pub(super) password_file: Option<String>,
    pub(super) timeout: Option<String>,
    pub(super) from: Option<String>,
    pub(super) outbox: Option<String>,
    pub(super) helo_name: Option<String>,
    pub(super) tls_ca_file: Option<String>,
    pub(super) tls_server_name: Option<String>,
    pub(super) allow_plaintext_auth: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDigest {
    pub(super) name: Option<String>,
    pub(super) to: Option<Vec<String>>,
    pub(super) watchlists: Option<Vec<String>>,
    pub(super) schedule: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) backfill: Option<String>,
    pub(super) max_items: Option<i64>,
    pub(super) send_empty: Option<bool>,
    pub(super) list_unsubscribe: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub(super) name: Option<String>,
    pub(super) url: Option<String>,
    pub(super) watchlists: Option<Vec<String>>,
    pub(super) format: Option<String>,
    pub(super) schedule: Option<String>,
    pub(super) timezone: Option<String>,
    pub(super) alert: Option<bool>,
    pub(super) secret_env: Option<String>,
    pub(super) secret_file: Option<String>,
    pub(super) headers: Option<std::collections::BTreeMap<String, String>>,
    pub(super) headers_env: Option<std::collections::BTreeMap<String, String>>,
    pub(super) timeout: Option<String>,
    pub(super) backfill: Option<String>,
}
