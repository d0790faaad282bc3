//! The daemon: the only place where fetching, parsing, matching, storing and sending meet.
//!
//! [`run()`] is the long-running entry point. It takes its shutdown signal as a future (as
//! in mini-redis), so tests stop it as easily as SIGTERM does. One loop ([`mod@run`]) owns
//! the schedule: it hands due feeds to tasks bounded by a semaphore ([`poll`], which
//! reads the articles of new items through [`fulltext`] before matching them), runs
//! digests when their period has passed ([`digests`]), and starts the background jobs
//! ([`job`]: alerts, the outbox, retention, the watchlist backfill, articles fetched
//! again) when they are due. Webhooks ([`webhooks`]) ride the same rails: scheduled ones
//! on the digests' timetable, alert ones with the alerts, their deliveries through the
//! outbox in a pass of their own. A feed's failure is recorded on that feed and never reaches
//! the loop. The one-shot
//! operations behind the CLI (`poll --once`, `digest send`, …) reuse the same pieces
//! through [`Context`].
//!
//! One daemon runs per database ([`lock`]); it prunes old rows daily ([`retention`]).

mod alerts;
mod article_retry;
mod articles;
mod backfill;
mod cadence;
mod clock;
mod digests;
mod failpoint;
mod fulltext;
mod hosts;
mod job;
mod lock;
mod memory;
mod metrics;
mod outbox;
mod poll;
mod recorder;
mod reload;
mod retention;
mod run;
mod server;
mod status;
mod timetable;
mod watchlist_feeds;
mod webhooks;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::Context as _;
use tokio::sync::Semaphore;

pub use clock::Clock;
pub use digests::{
    DigestRun, DigestSend, Queued, TestSend, preview_digest, send_digest, send_outbox,
    send_test_message,
};
pub use fulltext::ArticleCounts;
pub use memory::limit_heaps;
pub use metrics::Metrics;
pub use outbox::{Attempt, DrainReport};
pub use poll::{FeedReport, Polled, Progress, poll_once, poll_once_with_progress};
pub use reload::ConfigSource;
pub use status::{FeedOverview, feeds};
pub use webhooks::{WebhookOverview, WebhookTest, test_webhook, webhooks};

use crate::article::furniture::Furniture;
use crate::config::Settings;
use crate::store::{FeedId, Store};
use crate::watch::Watcher;
use hosts::Hosts;

/// The page cache of the connection that writes the polls. A batch of polls adds keys
/// all over the indexes that find an article again; with SQLite's 2 MB the pages were
/// written out before the commit and again when the next key landed on them. Measured on
/// a first poll of 10,000 feeds: about 34 CPU-s with 2 MB, 30 with 16 or 32 MB (and 13
/// MB more peak RSS with 32). Emptied when the daemon goes idle.
const WRITER_CACHE: usize = 16 << 20;
/// Polls that may be reading their articles at once, per request in flight: enough that
/// the slots stay busy while some polls wait for slow pages, few enough that what the
/// polls hold stays small.
const READING_PER_SLOT: usize = 4;
/// The log target of the daemon's own events (start, reload, shutdown, the background
/// jobs), from whichever of its files they are logged: log filters and readers go by it.
const LOG_TARGET: &str = "newshound::daemon";

/// Everything a poll or a digest run needs, built from one version of the settings. A
/// config reload builds a new one ([`Context::reopen`]) that shares the store, the
/// politeness state and the shutdown flag; work in flight keeps the one it started with.
pub struct Context {
    pub settings: Settings,
    clock: Clock,
    store: Arc<Mutex<Store>>,
    /// A second connection to the same database, for the reads every poll makes before it
    /// has anything to write (its fetch state, which of its items are new). With WAL they
    /// read the last commit while a batch is being written on `store`, rather than waiting
    /// for it: at 10,000 feeds the polls and the writer took turns instead of overlapping.
    reader: Arc<Mutex<Store>>,
    /// Polls waiting to be written to `store`.
    recorder: Arc<recorder::Recorder>,
    /// Requests in flight, over all feeds.
    permits: Arc<Semaphore>,
    /// Polls reading their fetch state, the step before they queue for their host: as
    /// many as requests may be in flight. Without it, ten thousand feeds due at once
    /// each put a read on the blocking pool, which grew to hundreds of threads.
    starting: Semaphore,
    /// Polls of feeds with full text, from before their request until their articles
    /// are read: each holds its new items (at a first poll, the feed's whole backlog) and
    /// a task per article. Without it, a first poll of 1,000 feeds parsed every feed
    /// before it read one article (a host's slots go in turn, and every feed's poll had
    /// queued for them before any article did) and held 40,000 items and tasks at once.
    reading: Semaphore,
    hosts: Arc<Hosts>,
    watcher: Watcher,
    /// Store ids of `settings.feeds`, same order.
    feed_ids: Vec<FeedId>,
    /// Where each id is in `feed_ids`.
    feed_positions: HashMap<FeedId, usize>,
    /// For each feed, the indices of the watchlists that apply to it.
    watchlists_of_feed: Vec<Vec<usize>>,
    /// Set when the daemon is shutting down: the outbox stops between two messages.
    stopping: Arc<AtomicBool>,
    /// Counters for `/metrics` and the facts `/healthz` reads; shared by the contexts of
    /// successive configurations, so they count over the process's life.
    pub metrics: Arc<Metrics>,
    /// Each site's furniture as learned from its articles, read from the store at start;
    /// what it learns goes back with the next batch of polls.
    furniture: Arc<Mutex<Furniture>>,
}

/// What every context built on one store shares, whatever its settings.
struct Shared {
    store: Arc<Mutex<Store>>,
    reader: Arc<Mutex<Store>>,
    recorder: Arc<recorder::Recorder>,
    stopping: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
    furniture: Arc<Mutex<Furniture>>,
}

impl Context {
    /// Opens the store, records the configured feeds and digests in it and compiles the
    /// watchlists.
    pub async fn open(settings: Settings, clock: Clock) -> anyhow::Result<Arc<Context>> {
        let path = settings.storage.path.clone();
        let (store, reader, furniture) = tokio::task::spawn_blocking(move || {
            let open = || {
                Store::open(&path)
                    .with_context(|| format!("cannot open the database {}", path.display()))
            };
            // The first brings the schema up to date; the second finds it so.
            let store = open()?;
            let furniture = Furniture::from_learned(store.site_lines()?);
            anyhow::Ok((store, open()?, furniture))
        })
        .await??;
        store.cache_up_to(WRITER_CACHE)?;
        let store = Arc::new(Mutex::new(store));
        let reader = Arc::new(Mutex::new(reader));
        let hosts = Arc::new(Hosts::new(settings.polling.concurrency_per_host));
        let permits = Arc::new(Semaphore::new(settings.polling.concurrency));
        let shared = Shared {
            store,
            reader,
            recorder: Arc::default(),
            stopping: Arc::new(AtomicBool::new(false)),
            metrics: Arc::new(Metrics::default()),
            furniture: Arc::new(Mutex::new(furniture)),
        };
        Context::build(settings, clock, shared, hosts, permits).await
    }

    /// A context for new settings on the same store. Limits that did not change keep
    /// their semaphores and host pauses, so a reload does not briefly double them.
    pub async fn reopen(&self, settings: Settings) -> anyhow::Result<Arc<Context>> {
        let (old, new) = (&self.settings.polling, &settings.polling);
        let hosts = if old.concurrency_per_host == new.concurrency_per_host {
            Arc::clone(&self.hosts)
        } else {
            Arc::new(Hosts::new(new.concurrency_per_host))
        };
        let permits = if old.concurrency == new.concurrency {
            Arc::clone(&self.permits)
        } else {
            Arc::new(Semaphore::new(new.concurrency))
        };
        let shared = Shared {
            store: Arc::clone(&self.store),
            reader: Arc::clone(&self.reader),
            recorder: Arc::clone(&self.recorder),
            stopping: Arc::clone(&self.stopping),
            metrics: Arc::clone(&self.metrics),
            furniture: Arc::clone(&self.furniture),
        };
        Context::build(settings, self.clock, shared, hosts, permits).await
    }

    async fn build(
        settings: Settings,
        clock: Clock,
        shared: Shared,
        hosts: Arc<Hosts>,
        permits: Arc<Semaphore>,
    ) -> anyhow::Result<Arc<Context>> {
        let Shared {
            store,
            reader,
            recorder,
            stopping,
            metrics,
            furniture,
        } = shared;
        let feeds = settings.feeds.clone();
        let digests = settings.digests.clone();
        let webhooks = settings.webhooks.clone();
        let now = clock.now();
        let db = Arc::clone(&store);
        let feed_ids = tokio::task::spawn_blocking(move || {
            let mut store = lock(&db);
            let ids = store.sync_feeds(&feeds)?;
            store.sync_digests(&digests, now)?;
            store.sync_webhooks(&webhooks, now)?;
            anyhow::Ok(ids)
        })
        .await??;
        let queries: Vec<_> = settings
            .watchlists
            .iter()
            .map(|w| w.query.clone())
            .collect();
        let watcher = Watcher::new(&queries);
        let watchlists_of_feed = settings
            .feeds
            .iter()
            .map(|feed| {
                settings
                    .watchlists
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.applies_to(feed))
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        let feed_positions = feed_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        Ok(Arc::new(Context {
            feed_positions,
            starting: Semaphore::new(settings.polling.concurrency),
            reading: Semaphore::new(settings.polling.concurrency * READING_PER_SLOT),
            permits,
            hosts,
            settings,
            clock,
            store,
            reader,
            recorder,
            watcher,
            feed_ids,
            watchlists_of_feed,
            stopping,
            metrics,
            furniture,
        }))
    }

    /// Where feed `id` is in these settings; `None` if they no longer have it.
    fn feed_index(&self, id: FeedId) -> Option<usize> {
        self.feed_positions.get(&id).copied()
    }

    fn digest_index(&self, name: &str) -> Option<usize> {
        self.settings.digests.iter().position(|d| d.name == name)
    }

    /// Where the webhook with store key `key` is in these settings.
    fn webhook_index(&self, key: &str) -> Option<usize> {
        self.settings.webhooks.iter().position(|w| w.key() == key)
    }

    /// The reading connection (see [`Context::with_reader`]), for work that is already on
    /// the blocking pool.
    fn lock_reader(&self) -> MutexGuard<'_, Store> {
        lock(&self.reader)
    }

    /// Runs `work` on the store on the blocking pool: rusqlite blocks, and the store must
    /// never be held across an `.await`.
    pub async fn with_store<T, E, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
        E: Into<anyhow::Error> + Send + 'static,
        T: Send + 'static,
    {
        on_blocking_pool(Arc::clone(&self.store), work).await
    }

    /// Empties the store's caches and hands freed memory back to the system, when idle.
    /// A connection in use (by a command's work that the loop does not count) is left be.
    fn release_memory(&self) {
        for store in [&self.store, &self.reader] {
            if let Ok(store) = store.try_lock()
                && let Err(e) = store.release_memory()
            {
                tracing::debug!(error = %e, "cannot empty the database cache");
            }
        }
        memory::release_freed();
    }

    /// [`Context::with_store`] for work that only reads, on the reading connection: it sees
    /// the last commit and does not wait for a write in progress.
    pub async fn with_reader<T, E, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
        E: Into<anyhow::Error> + Send + 'static,
        T: Send + 'static,
    {
        on_blocking_pool(Arc::clone(&self.reader), work).await
    }
}

async fn on_blocking_pool<T, E, F>(store: Arc<Mutex<Store>>, work: F) -> anyhow::Result<T>
where
    F: FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
    E: Into<anyhow::Error> + Send + 'static,
    T: Send + 'static,
{
    let result = tokio::task::spawn_blocking(move || work(&mut lock(&store)))
        .await
        .context("database task failed")?;
    result.map_err(Into::into)
}

/// Locks a store or the recorder's queue. A panic while holding the lock poisons it; a
/// store's connection is still consistent (SQLite rolls back an unfinished transaction)
/// and the queue is a plain list, so carry on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs the daemon until `shutdown` completes: polls every feed when it is due, runs each
/// digest on its timetable. On shutdown, stops starting work, lets work in flight finish
/// for a grace period, and returns. The settings never change; see [`run_service`].
pub async fn run(settings: Settings, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    run_with_clock(settings, Clock::system(), shutdown).await
}

/// [`run()`] with its own clock: a test passes [`Clock::tokio`] and pauses tokio's time to
/// run days of schedule in moments.
pub async fn run_with_clock(
    settings: Settings,
    clock: Clock,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    run::run_loop(settings, clock, ConfigSource::fixed(), shutdown).await
}

/// [`run()`] as a service runs: the settings are reloaded when the files of `source` change
/// or a reload is requested (SIGHUP).
pub async fn run_service(
    settings: Settings,
    source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    run::run_loop(settings, Clock::system(), source, shutdown).await
}
