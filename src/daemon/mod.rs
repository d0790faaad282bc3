//! The daemon: the only place where fetching, parsing, matching, storing and sending meet.
//!
//! [`run`] is the long-running entry point. It takes its shutdown signal as a future (as in
//! mini-redis), so tests stop it as easily as SIGTERM does. One loop owns the schedule:
//! it hands due feeds to tasks bounded by a semaphore ([`poll`]), and runs digests when
//! their period has passed ([`digests`]). A feed's failure is recorded on that feed and
//! never reaches the loop. The one-shot operations behind the CLI (`poll --once`,
//! `digest send`, …) reuse the same pieces through [`Context`].
//!
//! One daemon runs per database ([`lock`]); it prunes old rows daily ([`retention`]).

mod alerts;
mod backfill;
mod cadence;
mod clock;
mod digests;
mod failpoint;
mod hosts;
mod lock;
mod memory;
mod metrics;
mod outbox;
mod poll;
mod recorder;
mod reload;
mod retention;
mod server;
mod status;
mod timetable;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio::task::{self, JoinSet};

pub use clock::Clock;
pub use digests::{DigestRun, DigestSend, Queued, preview_digest, send_digest, send_outbox};
pub use memory::limit_heaps;
pub use metrics::Metrics;
pub use outbox::DrainReport;
pub use poll::{FeedReport, Polled, Progress, poll_once, poll_once_with_progress};
pub use reload::ConfigSource;
pub use status::{FeedOverview, feeds};

use crate::config::Settings;
use crate::digest::send::Mailer;
use crate::feed::fetch::Fetcher;
use crate::store::{FeedId, Store};
use crate::watch::Watcher;
use hosts::Hosts;
use poll::to_chrono;
use reload::reconfigure;
use timetable::Timetable;

/// The page cache of the connection that writes the polls. A batch of polls adds keys
/// all over the indexes that find an article again; with SQLite's 2 MB the pages were
/// written out before the commit and again when the next key landed on them. Measured on
/// a first poll of 10,000 feeds: about 34 CPU-s with 2 MB, 30 with 16 or 32 MB (and 13
/// MB more peak RSS with 32). Emptied when the daemon goes idle.
const WRITER_CACHE: usize = 16 << 20;
/// How long fetches in flight may go on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// How long after a poll with matches alerts are gathered, so that the matches of feeds
/// polled together go out in one mail.
const ALERT_SETTLE: Duration = Duration::from_secs(5);
/// The outbox is looked at at least this often, so that a message made pending by another
/// process (`newshound outbox retry`) goes out without waiting for the next digest.
const OUTBOX_RECHECK: Duration = Duration::from_secs(60);
/// How long before a failed outbox pass or alert run (a database error) is tried again.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(60);

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
}

/// What every context built on one store shares, whatever its settings.
struct Shared {
    store: Arc<Mutex<Store>>,
    reader: Arc<Mutex<Store>>,
    recorder: Arc<recorder::Recorder>,
    stopping: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl Context {
    /// Opens the store, records the configured feeds and digests in it and compiles the
    /// watchlists.
    pub async fn open(settings: Settings, clock: Clock) -> anyhow::Result<Arc<Context>> {
        let path = settings.storage.path.clone();
        let (store, reader) = tokio::task::spawn_blocking(move || {
            let open = || {
                Store::open(&path)
                    .with_context(|| format!("cannot open the database {}", path.display()))
            };
            // The first brings the schema up to date; the second finds it so.
            anyhow::Ok((open()?, open()?))
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
        } = shared;
        let feeds = settings.feeds.clone();
        let digests = settings.digests.clone();
        let now = clock.now();
        let db = Arc::clone(&store);
        let feed_ids = tokio::task::spawn_blocking(move || {
            let mut store = lock(&db);
            let ids = store.sync_feeds(&feeds)?;
            store.sync_digests(&digests, now)?;
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
        }))
    }

    /// Where feed `id` is in these settings; `None` if they no longer have it.
    fn feed_index(&self, id: FeedId) -> Option<usize> {
        self.feed_positions.get(&id).copied()
    }

    fn digest_index(&self, name: &str) -> Option<usize> {
        self.settings.digests.iter().position(|d| d.name == name)
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

/// [`run`] with its own clock: a test passes [`Clock::tokio`] and pauses tokio's time to
/// run days of schedule in moments.
pub async fn run_with_clock(
    settings: Settings,
    clock: Clock,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    serve(settings, clock, ConfigSource::fixed(), shutdown).await
}

/// [`run`] as a service runs: the settings are reloaded when the files of `source` change
/// or a reload is requested (SIGHUP).
pub async fn run_service(
    settings: Settings,
    source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    serve(settings, Clock::system(), source, shutdown).await
}

/// A poll task's answer: when the feed is next due, and how many matches it found.
type PollDone = (DateTime<Utc>, usize);

async fn serve(
    settings: Settings,
    clock: Clock,
    mut source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // Held until this returns; the OS lets go of it however the process ends. A reload
    // keeps the database, so it keeps the lock too.
    let _daemon_lock = lock::daemon_lock(&settings.storage.path)?;
    let mut mailer = Arc::new(Mailer::new(&settings.email)?);
    let mut fetcher = Fetcher::new(&settings.polling)?;
    let mut ctx = Context::open(settings, clock).await?;
    tracing::info!(
        feeds = ctx.settings.feeds.len(),
        watchlists = ctx.settings.watchlists.len(),
        digests = ctx.settings.digests.len(),
        database = %ctx.settings.storage.path.display(),
        "newshound started"
    );

    // The current context: the HTTP listener reads it per request, and a reload
    // replaces it.
    let (current, current_rx) = tokio::sync::watch::channel(Arc::clone(&ctx));
    let server = server::start(current_rx).await?;

    let mut timetable = Timetable::load(&ctx, None).await?;
    ctx.metrics.set_ready(clock.now());
    let mut polls: JoinSet<PollDone> = JoinSet::new();
    let mut digest_runs: JoinSet<(String, bool)> = JoinSet::new();
    // At most one outbox pass, one alert run and one backfill at a time.
    let mut outbox_runs: JoinSet<Option<DateTime<Utc>>> = JoinSet::new();
    let mut alert_runs: JoinSet<Option<DateTime<Utc>>> = JoinSet::new();
    let mut backfills: JoinSet<Option<bool>> = JoinSet::new();
    // Which feed or digest each task serves, so that even a task that panicked is
    // rescheduled rather than left "running" forever. A poll also carries the settings
    // version it started under: a backfill waits until none from before it is in flight.
    let mut poll_tasks: HashMap<task::Id, (FeedId, u64)> = HashMap::new();
    let mut digest_tasks: HashMap<task::Id, String> = HashMap::new();
    let mut version = 0u64;
    // New or changed watchlists are matched against recent items, also at start (the
    // config may have been edited while the daemon was down).
    let mut backfill_due = Some(clock.now());
    // Messages left pending by an earlier run go out first; alerts may be waiting too.
    let mut outbox_due = Some(clock.now());
    let mut alerting = alerts::enabled(&ctx);
    // Alerts left over from an earlier run wait as long as a poll's do, so that they go
    // out with what the first polls find rather than racing them (a run that read the
    // store while the first poll was being written sent a partial alert, and the rest
    // waited out the rate limit).
    let mut alerts_due = alerting.then(|| clock.now() + to_chrono(ALERT_SETTLE));
    // Retention: its own timer and at most one run at a time (see `retention`).
    let mut retention_due = Some(clock.now() + to_chrono(retention::FIRST_RUN));
    let mut retention_runs: JoinSet<Duration> = JoinSet::new();
    let mut config_check = tokio::time::interval(reload::CHECK_EVERY);
    config_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);

    let mut memory = memory::Release::new();
    loop {
        let now = clock.now();
        for id in timetable.take_due_feeds(now) {
            let Some(index) = ctx.feed_index(id) else {
                continue;
            };
            let (ctx, fetcher) = (Arc::clone(&ctx), fetcher.clone());
            let handle = polls.spawn(async move {
                let report = poll::poll_feed(&ctx, &fetcher, index).await;
                let matches = report.outcome.as_ref().map_or(0, |p| p.matches.len());
                (report.next_due, matches)
            });
            poll_tasks.insert(handle.id(), (id, version));
        }
        for name in timetable.take_due_digests(now) {
            let Some(index) = ctx.digest_index(&name) else {
                continue;
            };
            let ctx = Arc::clone(&ctx);
            let task_name = name.clone();
            let handle = digest_runs.spawn(async move {
                match digests::run_digest(&ctx, index, ctx.clock.now()).await {
                    Ok(_) => (task_name, true),
                    Err(e) => {
                        tracing::warn!(digest = %task_name, error = %format!("{e:#}"), "digest not queued; will retry");
                        (task_name, false)
                    }
                }
            });
            digest_tasks.insert(handle.id(), name);
        }
        if alert_runs.is_empty() && alerts_due.is_some_and(|at| at <= now) {
            alerts_due = None;
            let ctx = Arc::clone(&ctx);
            alert_runs.spawn(async move {
                match alerts::run_alerts(&ctx, ctx.clock.now()).await {
                    Ok((_, wake)) => wake,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "alerts not queued; will retry");
                        Some(ctx.clock.now() + to_chrono(RETRY_AFTER_ERROR))
                    }
                }
            });
        }
        if outbox_runs.is_empty() && outbox_due.is_some_and(|at| at <= now) {
            outbox_due = None;
            let (ctx, mailer) = (Arc::clone(&ctx), Arc::clone(&mailer));
            outbox_runs.spawn(async move {
                match outbox::drain(&ctx, &mailer, false).await {
                    Ok(report) => report.next_attempt,
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "outbox not sent; will retry");
                        Some(ctx.clock.now() + to_chrono(RETRY_AFTER_ERROR))
                    }
                }
            });
        }
        if retention_runs.is_empty() && retention_due.is_some_and(|at| at <= now) {
            retention_due = None;
            let ctx = Arc::clone(&ctx);
            retention_runs.spawn(async move { retention::run(&ctx).await });
        }
        // Polls started under older settings matched their items with the old
        // watchlists; the backfill reads items only once they are stored.
        let older_polls = poll_tasks.values().any(|(_, v)| *v < version);
        if backfill_due.is_some_and(|at| at <= now) && backfills.is_empty() && !older_polls {
            backfill_due = None;
            let ctx = Arc::clone(&ctx);
            backfills.spawn(async move {
                match backfill::run(&ctx).await {
                    Ok(matched) => Some(matched > 0),
                    Err(e) => {
                        tracing::warn!(error = %format!("{e:#}"), "watchlist backfill failed; will retry");
                        None
                    }
                }
            });
        }

        let now = clock.now();
        let sleep = [
            outbox_due.filter(|_| outbox_runs.is_empty()),
            alerts_due.filter(|_| alert_runs.is_empty()),
            retention_due.filter(|_| retention_runs.is_empty()),
            backfill_due.filter(|_| backfills.is_empty()),
        ]
        .into_iter()
        .flatten()
        .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
        .fold(timetable.until_next(now), Duration::min);
        ctx.metrics.set_earliest_due(timetable.earliest_feed_due());
        let watching_files = source.watches_files();
        let reload_asked = async {
            match source.requests.as_mut() {
                Some(requests) => requests.recv().await,
                None => std::future::pending().await,
            }
        };
        let busy = !(polls.is_empty()
            && digest_runs.is_empty()
            && alert_runs.is_empty()
            && outbox_runs.is_empty()
            && retention_runs.is_empty()
            && backfills.is_empty());
        if memory.turn(busy) {
            ctx.release_memory();
        }
        let sleep = memory.due_in().map_or(sleep, |due| sleep.min(due));
        let (mut reload, mut check_files) = (false, false);
        tokio::select! {
            () = &mut shutdown => break,
            Some(done) = polls.join_next_with_id() => {
                let (task, next_due, matches) = match done {
                    Ok((task, (next_due, matches))) => (task, next_due, matches),
                    Err(e) => {
                        tracing::error!(error = %e, "a poll task failed; the feed is retried later");
                        (e.id(), clock.now() + chrono::Duration::minutes(5), 0)
                    }
                };
                if let Some((id, _)) = poll_tasks.remove(&task) {
                    timetable.feed_done(id, next_due);
                }
                if alerting && matches > 0 {
                    alerts_due = sooner(alerts_due, Some(clock.now() + to_chrono(ALERT_SETTLE)));
                }
            }
            Some(done) = digest_runs.join_next_with_id() => {
                let (id, name, ok) = match done {
                    Ok((id, (name, ok))) => (id, name, ok),
                    Err(e) => {
                        tracing::error!(error = %e, "a digest task failed; it is retried later");
                        (e.id(), String::new(), false)
                    }
                };
                let name = digest_tasks.remove(&id).unwrap_or(name);
                timetable.digest_done(&name, ok, clock.now());
                outbox_due = Some(clock.now());
            }
            Some(done) = alert_runs.join_next() => {
                let wake = done.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "an alert task failed; it is retried later");
                    Some(clock.now() + to_chrono(RETRY_AFTER_ERROR))
                });
                alerts_due = sooner(alerts_due, wake);
                outbox_due = Some(clock.now());
            }
            Some(done) = outbox_runs.join_next() => {
                let next = done.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "an outbox task failed; it is retried later");
                    Some(clock.now() + to_chrono(RETRY_AFTER_ERROR))
                });
                let recheck = clock.now() + to_chrono(OUTBOX_RECHECK);
                outbox_due = sooner(outbox_due, Some(next.map_or(recheck, |n| n.min(recheck))));
            }
            Some(done) = retention_runs.join_next() => {
                let wait = done.unwrap_or_else(|e| {
                    tracing::error!(error = %e, "a retention task failed; it is retried later");
                    RETRY_AFTER_ERROR
                });
                retention_due = Some(clock.now() + to_chrono(wait));
            }
            Some(done) = backfills.join_next() => match done.ok().flatten() {
                Some(matched) => {
                    if matched && alerting {
                        alerts_due = sooner(alerts_due, Some(clock.now()));
                    }
                }
                None => {
                    let retry = clock.now() + to_chrono(RETRY_AFTER_ERROR);
                    backfill_due = sooner(backfill_due, Some(retry));
                }
            },
            Some(()) = reload_asked => {
                tracing::info!("reload requested");
                reload = true;
            }
            _ = config_check.tick(), if watching_files => check_files = true,
            () = tokio::time::sleep(sleep) => {}
        }
        if check_files {
            reload = source.changed().await;
        }
        if reload && let Some(next) = source.load(&ctx.settings).await {
            match reconfigure(&ctx, next, &timetable).await {
                Ok(new) => {
                    source.applied();
                    (ctx, timetable) = (new.ctx, new.timetable);
                    current.send_replace(Arc::clone(&ctx));
                    (mailer, fetcher) = (Arc::new(new.mailer), new.fetcher);
                    version += 1;
                    backfill_due = Some(clock.now());
                    alerting = alerts::enabled(&ctx);
                    alerts_due = sooner(alerts_due, alerting.then(|| clock.now()));
                    outbox_due = Some(clock.now());
                }
                Err(e) => tracing::error!(
                    error = %format!("{e:#}"),
                    "configuration not applied; running on the previous one, and trying again in a moment"
                ),
            }
        }
    }

    ctx.stopping.store(true, Ordering::Relaxed);
    // Health and metrics stop answering with the daemon.
    drop((server, current));
    tracing::info!(
        in_flight = polls.len()
            + digest_runs.len()
            + alert_runs.len()
            + outbox_runs.len()
            + retention_runs.len(),
        "shutting down"
    );
    // Fetches get a grace period. Digest and alert runs are short database work, waited
    // for. A message being sent is waited for too (its SMTP timeout bounds it): cut off
    // between the server's acceptance and being marked sent, it would go out twice. The
    // outbox sends no further message once stopping is set. A backfill is cut off: it
    // is repeated at the next start, and each of its batches is one transaction.
    backfills.abort_all();
    let polls_drained = async { while polls.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, polls_drained)
        .await
        .is_err()
    {
        tracing::warn!("fetches still in flight after the grace period; abandoning them");
    }
    while digest_runs.join_next().await.is_some() {}
    while alert_runs.join_next().await.is_some() {}
    while outbox_runs.join_next().await.is_some() {}
    // Stops between two batches once stopping is set.
    while retention_runs.join_next().await.is_some() {}
    while backfills.join_next().await.is_some() {}
    // Dropping the JoinSets aborts what is left; a store write already on the blocking
    // pool still finishes its transaction, so nothing is left half-written.
    Ok(())
}

/// The earlier of two due times, either of which may be unset.
fn sooner(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
