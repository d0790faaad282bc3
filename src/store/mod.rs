//! The one place that speaks SQL. [`Store`] owns the SQLite connection, applies the
//! migrations embedded from `migrations/` when it opens, and turns on WAL so that the CLI
//! can read while the daemon writes. Each method is one unit of work (one transaction where
//! it writes several rows). rusqlite is blocking: async callers go through
//! `spawn_blocking` and never hold the store across an `.await`.
//!
//! Queries are split by table group: [`feeds`], [`items`] (items, their sightings in
//! feeds, and matches), [`articles`] (items' articles, their retries and counts), [`stories`], [`digests`] (digest state and recipients),
//! [`outbox`] (messages, from committed to sent) and [`watchlists`] (which watchlist
//! definitions have been matched against recent items); [`retention`] prunes what is
//! old, and [`columns`] reads back the values that do not fit one SQL type.

/// SQL for a JSON array of the names of the feeds item `$item` (an SQL expression) was
/// seen in, in order of sighting; `$also` narrows the sightings (e.g. to those before a
/// time). Read back with `columns::outlets_of`.
macro_rules! sighted_feeds {
    ($item:literal) => {
        sighted_feeds!($item, "")
    };
    ($item:literal, $also:literal) => {
        concat!(
            "(SELECT json_group_array(name) FROM (
                SELECT sf.name FROM sightings s JOIN feeds sf ON sf.id = s.feed_id
                WHERE s.item_id = ",
            $item,
            " ",
            $also,
            " ORDER BY s.seen_at, sf.id))"
        )
    };
}

mod articles;
mod columns;
mod digests;
mod feeds;
mod items;
mod outbox;
mod retention;
mod site_lines;
mod stories;
mod watchlists;

use std::path::Path;
use std::sync::LazyLock;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

pub use articles::{
    ArticleMatch, ArticleNotes, ArticleResult, ArticleStatus, DueArticle, Retried, RetryLater,
};
pub use feeds::{
    Condition, FeedId, FeedPoll, FeedStatus, FetchState, Location, PollOutcome, PollRecord,
};
pub use items::{NewMatch, Retitle, Seen};
pub use outbox::{Channel, DeliveryCounts, MessageKind, MessageState, NewMessage, OutboxMessage};
pub use retention::{Pruned, Pruning};
pub use watchlists::{BackfillDone, BackfillMatch, RecentItem};

/// The schema, one SQL file per step, only ever appended to. A step that adds keys SQL
/// cannot compute has the store fill them in the same transaction.
pub(crate) static MIGRATIONS: LazyLock<Vec<M<'static>>> = LazyLock::new(|| {
    vec![
        M::up(include_str!("../../migrations/0001_init.sql")),
        M::up(include_str!("../../migrations/0002_polling_state.sql")),
        M::up(include_str!("../../migrations/0003_stories.sql")),
        M::up(include_str!("../../migrations/0004_outbox.sql")),
        M::up(include_str!("../../migrations/0005_watchlists.sql")),
        M::up(include_str!("../../migrations/0006_retention.sql")),
        M::up(include_str!("../../migrations/0007_recipients_removed.sql")),
        M::up(include_str!("../../migrations/0008_feeds_fetch_url.sql")),
        M::up_with_hook(
            include_str!("../../migrations/0009_items_key_hashes.sql"),
            |tx: &rusqlite::Transaction| items::fill_article_keys(tx).map_err(Into::into),
        ),
        M::up(include_str!("../../migrations/0010_articles.sql")),
        M::up(include_str!("../../migrations/0011_site_lines.sql")),
        M::up(include_str!("../../migrations/0012_instance.sql")),
    ]
});

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the database folder {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot migrate the database schema: {0}")]
    Migration(#[from] rusqlite_migration::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The database. Not `Sync`: share it behind a mutex.
pub struct Store {
    conn: Connection,
    /// The stories active in the window, for grouping; built from the tables when first
    /// needed, for the window it was built with. See [`stories`].
    stories: Option<stories::CachedIndex>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.conn.path())
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        Store::setup(conn)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Two processes opening a database at once (the daemon starting while a command
        // reads) may both start the same migration, or find the file locked while the
        // other switches it to WAL, without SQLite waiting; the one that loses finds the
        // work done when it tries again.
        let mut attempts = 0;
        loop {
            match prepare(&mut conn) {
                Ok(()) => break,
                Err(_) if attempts < 8 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(25 * attempts));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Store {
            conn,
            stories: None,
        })
    }

    /// Lets SQLite keep up to `bytes` of the database's pages in memory (2 MB unless
    /// set). The writer of a batch of polls needs more: with less, pages of the indexes
    /// it changes are written out before the commit and again after the next change.
    pub fn cache_up_to(&self, bytes: usize) -> Result<()> {
        let kib = i64::try_from(bytes / 1024).unwrap_or(i64::MAX);
        // A negative size is in KiB rather than pages.
        self.conn.pragma_update(None, "cache_size", -kib)?;
        Ok(())
    }

    /// Gives back the memory SQLite holds for pages it has cached: the cache fills up to
    /// its size in a burst of work and would otherwise stay full while the daemon idles.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }
}

/// Settings, schema and derived keys, as this version needs them.
fn prepare(conn: &mut Connection) -> Result<()> {
    // WAL lets readers (the CLI) run while the daemon writes; NORMAL sync is durable
    // across application crashes, which is what matters for "never lose a match".
    retention::incremental_vacuum_on(conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // The undo records of the savepoints that keep one feed's poll apart from the
    // others in a batch (`record_polls`) stay in memory rather than in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Migrations::from_slice(&MIGRATIONS).to_latest(conn)?;
    Ok(())
}

fn to_unix(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_unix(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{Cadence, FeedSettings};

    /// A database at `path` as an older version left it: the schema of the first `steps`
    /// migrations, holding the rows `sql` inserts. [`Store::open`] brings it up to date.
    pub(crate) fn older_database(path: &Path, steps: usize, sql: &str) -> Connection {
        let mut conn = Connection::open(path).unwrap();
        Migrations::from_slice(&MIGRATIONS[..steps])
            .to_latest(&mut conn)
            .unwrap();
        conn.execute_batch(sql).unwrap();
        conn
    }

    /// The digests of a config file that says `toml`.
    pub(crate) fn digests_of(toml: &str) -> Vec<crate::config::DigestSettings> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.toml");
        std::fs::write(&path, toml).unwrap();
        crate::config::load_with_env(&path, std::collections::HashMap::new())
            .unwrap()
            .digests
    }

    /// A poll of `feed` written as `record`, that brought no items.
    pub(crate) fn feed_poll(feed: FeedId, record: PollRecord) -> FeedPoll {
        FeedPoll {
            feed,
            record,
            items: Vec::new(),
            matches: Vec::new(),
            edits: Vec::new(),
            articles: ArticleNotes::default(),
        }
    }

    /// A feed polled every 15 minutes, not adaptively.
    pub(crate) fn feed_settings(name: &str, url: &str) -> FeedSettings {
        let interval = std::time::Duration::from_secs(900);
        FeedSettings {
            name: name.into(),
            url: url::Url::parse(url).unwrap(),
            cadence: Cadence {
                interval,
                min_interval: interval,
                max_interval: interval,
                adaptive: false,
            },
            tags: Vec::new(),
            articles: crate::config::Articles::DEFAULT,
        }
    }

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(&MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn processes_opening_a_new_database_at_once_all_get_the_schema() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("n.db");
            let openers: Vec<_> = (0..4)
                .map(|_| {
                    let path = path.clone();
                    std::thread::spawn(move || Store::open(&path).map(|_| ()))
                })
                .collect();
            for opener in openers {
                opener.join().unwrap().unwrap();
            }
        }
    }

    #[test]
    fn opens_a_file_in_wal_mode_and_reopens_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/newshound.db");
        {
            let store = Store::open(&path).unwrap();
            let mode: String = store
                .conn
                .query_row("PRAGMA journal_mode", [], |r| r.get(0))
                .unwrap();
            assert_eq!(mode, "wal");
        }
        Store::open(&path).unwrap();
    }
}
