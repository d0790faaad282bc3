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
mod clock;
mod digests;
mod failpoint;
mod hosts;
mod lock;
mod outbox;
mod poll;
mod retention;
mod schedule;
mod status;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Semaphore;
use tokio::task::{self, JoinSet};

pub use clock::Clock;
pub use digests::{DigestRun, DigestSend, Queued, preview_digest, send_digest, send_outbox};
pub use outbox::DrainReport;
pub use poll::{FeedReport, Polled, poll_once};
pub use status::{FeedOverview, feeds};

use crate::config::{Schedule, Settings};
use crate::digest::send::{Mailer, retry_delay};
use crate::feed::fetch::Fetcher;
use crate::store::{FeedId, Store};
use crate::watch::Watcher;
use hosts::Hosts;
use poll::to_chrono;

/// How long fetches in flight may go on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// The loop wakes at least this often, so clock jumps and digest checks are not missed.
const MAX_SLEEP: Duration = Duration::from_secs(30);
/// How long after a poll with matches alerts are gathered, so that the matches of feeds
/// polled together go out in one mail.
const ALERT_SETTLE: Duration = Duration::from_secs(5);
/// The outbox is looked at at least this often, so that a message made pending by another
/// process (`newshound outbox retry`) goes out without waiting for the next digest.
const OUTBOX_RECHECK: Duration = Duration::from_secs(60);
/// How long before a failed outbox pass or alert run (a database error) is tried again.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(60);

/// Everything a poll or a digest run needs, built once from the settings.
pub struct Context {
    pub settings: Settings,
    clock: Clock,
    store: Arc<Mutex<Store>>,
    /// Requests in flight, over all feeds.
    permits: Arc<Semaphore>,
    hosts: Hosts,
    watcher: Watcher,
    /// Store ids of `settings.feeds`, same order.
    feed_ids: Vec<FeedId>,
    /// For each feed, the indices of the watchlists that apply to it.
    watchlists_of_feed: Vec<Vec<usize>>,
    /// Set when the daemon is shutting down: the outbox stops between two messages.
    stopping: AtomicBool,
}

impl Context {
    /// Opens the store, records the configured feeds and digests in it and compiles the
    /// watchlists.
    pub async fn open(settings: Settings, clock: Clock) -> anyhow::Result<Arc<Context>> {
        let path = settings.storage.path.clone();
        let feeds = settings.feeds.clone();
        let digests = settings.digests.clone();
        let (store, feed_ids) = tokio::task::spawn_blocking(move || {
            let mut store = Store::open(&path)
                .with_context(|| format!("cannot open the database {}", path.display()))?;
            let ids = store.sync_feeds(&feeds)?;
            store.sync_digests(&digests, clock.now())?;
            anyhow::Ok((store, ids))
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
        Ok(Arc::new(Context {
            permits: Arc::new(Semaphore::new(settings.polling.concurrency)),
            hosts: Hosts::new(settings.polling.concurrency_per_host),
            settings,
            clock,
            store: Arc::new(Mutex::new(store)),
            watcher,
            feed_ids,
            watchlists_of_feed,
            stopping: AtomicBool::new(false),
        }))
    }

    /// Runs `work` on the store on the blocking pool: rusqlite blocks, and the store must
    /// never be held across an `.await`.
    pub async fn with_store<T, E, F>(&self, work: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
        E: Into<anyhow::Error> + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        let result = tokio::task::spawn_blocking(move || {
            // A panic while holding the lock poisons it; the connection itself is still
            // consistent (SQLite rolls back an unfinished transaction), so carry on.
            let mut store = store
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut store)
        })
        .await
        .context("database task failed")?;
        result.map_err(Into::into)
    }
}

/// Runs the daemon until `shutdown` completes: polls every feed when it is due, runs each
/// digest on its timetable. On shutdown, stops starting work, lets work in flight finish
/// for a grace period, and returns.
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
    // Held until this returns; the OS lets go of it however the process ends.
    let _daemon_lock = lock::daemon_lock(&settings.storage.path)?;
    let mailer = Arc::new(Mailer::new(&settings.email)?);
    let fetcher = Fetcher::new(&settings.polling)?;
    let ctx = Context::open(settings, clock).await?;
    tracing::info!(
        feeds = ctx.settings.feeds.len(),
        watchlists = ctx.settings.watchlists.len(),
        digests = ctx.settings.digests.len(),
        database = %ctx.settings.storage.path.display(),
        "newshound started"
    );

    let mut timetable = Timetable::load(&ctx).await?;
    let mut polls: JoinSet<(DateTime<Utc>, usize)> = JoinSet::new();
    let mut digest_runs: JoinSet<bool> = JoinSet::new();
    // At most one outbox pass and one alert run at a time.
    let mut outbox_runs: JoinSet<Option<DateTime<Utc>>> = JoinSet::new();
    let mut alert_runs: JoinSet<Option<DateTime<Utc>>> = JoinSet::new();
    // Which feed or digest each task serves, so that even a task that panicked is
    // rescheduled rather than left "running" forever.
    let mut poll_tasks: HashMap<task::Id, usize> = HashMap::new();
    let mut digest_tasks: HashMap<task::Id, usize> = HashMap::new();
    // Messages left pending by an earlier run go out first; alerts may be waiting too.
    let mut outbox_due = Some(clock.now());
    let alerting = alerts::enabled(&ctx);
    let mut alerts_due = alerting.then(|| clock.now());
    // Retention: its own timer and at most one run at a time (see `retention`).
    let mut retention_due = Some(clock.now() + to_chrono(retention::FIRST_RUN));
    let mut retention_runs: JoinSet<Duration> = JoinSet::new();
    tokio::pin!(shutdown);

    loop {
        let now = clock.now();
        for index in timetable.take_due_feeds(now) {
            let (ctx, fetcher) = (Arc::clone(&ctx), fetcher.clone());
            let handle = polls.spawn(async move {
                let report = poll::poll_feed(&ctx, &fetcher, index).await;
                let matches = report.outcome.as_ref().map_or(0, |p| p.matches.len());
                (report.next_due, matches)
            });
            poll_tasks.insert(handle.id(), index);
        }
        for index in timetable.take_due_digests(now) {
            let ctx = Arc::clone(&ctx);
            let handle = digest_runs.spawn(async move {
                match digests::run_digest(&ctx, index, ctx.clock.now()).await {
                    Ok(_) => true,
                    Err(e) => {
                        let name = &ctx.settings.digests[index].name;
                        tracing::warn!(digest = %name, error = %format!("{e:#}"), "digest not queued; will retry");
                        false
                    }
                }
            });
            digest_tasks.insert(handle.id(), index);
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

        let now = clock.now();
        let sleep = [
            outbox_due.filter(|_| outbox_runs.is_empty()),
            alerts_due.filter(|_| alert_runs.is_empty()),
            retention_due.filter(|_| retention_runs.is_empty()),
        ]
        .into_iter()
        .flatten()
        .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
        .fold(timetable.until_next(now), Duration::min);
        tokio::select! {
            () = &mut shutdown => break,
            Some(done) = polls.join_next_with_id() => {
                let (id, next_due, matches) = match done {
                    Ok((id, (next_due, matches))) => (id, next_due, matches),
                    Err(e) => {
                        tracing::error!(error = %e, "a poll task failed; the feed is retried later");
                        (e.id(), clock.now() + chrono::Duration::minutes(5), 0)
                    }
                };
                if let Some(index) = poll_tasks.remove(&id) {
                    timetable.feed_done(index, next_due);
                }
                if alerting && matches > 0 {
                    alerts_due = sooner(alerts_due, Some(clock.now() + to_chrono(ALERT_SETTLE)));
                }
            }
            Some(done) = digest_runs.join_next_with_id() => {
                let (id, ok) = match done {
                    Ok((id, ok)) => (id, ok),
                    Err(e) => {
                        tracing::error!(error = %e, "a digest task failed; it is retried later");
                        (e.id(), false)
                    }
                };
                if let Some(index) = digest_tasks.remove(&id) {
                    timetable.digest_done(index, ok, clock.now());
                }
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
            () = tokio::time::sleep(sleep) => {}
        }
    }

    ctx.stopping.store(true, Ordering::Relaxed);
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
    // outbox sends no further message once stopping is set.
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

/// When each feed and digest is next due. Lives in the loop only; the store keeps each
/// feed's next due time so that a restart does not poll everything at once.
struct Timetable {
    feed_due: Vec<DateTime<Utc>>,
    feeds_running: HashSet<usize>,
    /// Feeds due at start-up that have not finished their first poll yet: a digest that
    /// has never run waits for them, so its first message has something in it.
    first_round: HashSet<usize>,
    digest_schedules: Vec<(Schedule, Tz)>,
    digest_due: Vec<Option<DateTime<Utc>>>,
    digests_running: HashSet<usize>,
    digest_failures: HashMap<usize, u32>,
}

impl Timetable {
    async fn load(ctx: &Context) -> anyhow::Result<Timetable> {
        let now = ctx.clock.now();
        let ids = ctx.feed_ids.clone();
        let names: Vec<String> = ctx
            .settings
            .digests
            .iter()
            .map(|d| d.name.clone())
            .collect();
        let (due, last_runs) = ctx
            .with_store(move |store| {
                let due = ids
                    .iter()
                    .map(|id| Ok(store.fetch_state(*id)?.next_due_at))
                    .collect::<crate::store::Result<Vec<_>>>()?;
                let runs = names
                    .iter()
                    .map(|n| store.digest_last_run(n))
                    .collect::<crate::store::Result<Vec<_>>>()?;
                crate::store::Result::Ok((due, runs))
            })
            .await?;
        // A stored due time comes from the last run's settings: an interval shortened
        // since then (or a long backoff) should not keep a feed waiting longer than its
        // longest interval.
        let feed_due: Vec<DateTime<Utc>> = due
            .into_iter()
            .zip(&ctx.settings.feeds)
            .map(|(stored, feed)| {
                let soonest = now
                    + chrono::Duration::from_std(feed.cadence.max_interval)
                        .unwrap_or(chrono::Duration::days(1));
                stored.map_or(now, |stored| stored.min(soonest))
            })
            .collect();
        let first_round = (0..feed_due.len())
            .filter(|i| feed_due[*i] <= now)
            .collect();
        let digest_schedules: Vec<(Schedule, Tz)> = ctx
            .settings
            .digests
            .iter()
            .map(|d| (d.schedule.clone(), d.timezone))
            .collect();
        // A digest runs at its next time after its last run; one missed while the daemon
        // was down runs at once (once). A digest that has never run: an interval one runs
        // after the first poll, a calendar one at its first time from now.
        let digest_due = last_runs
            .iter()
            .zip(&digest_schedules)
            .map(|(last, (schedule, tz))| match (last, schedule) {
                (Some(last), _) => Some(schedule.next_after(*last, *tz)),
                (None, Schedule::Every(_)) => None,
                (None, _) => Some(schedule.next_after(now, *tz)),
            })
            .collect();
        Ok(Timetable {
            feed_due,
            feeds_running: HashSet::new(),
            first_round,
            digest_schedules,
            digest_due,
            digests_running: HashSet::new(),
            digest_failures: HashMap::new(),
        })
    }

    fn take_due_feeds(&mut self, now: DateTime<Utc>) -> Vec<usize> {
        let due: Vec<usize> = (0..self.feed_due.len())
            .filter(|i| self.feed_due[*i] <= now && !self.feeds_running.contains(i))
            .collect();
        self.feeds_running.extend(&due);
        due
    }

    fn feed_done(&mut self, index: usize, next_due: DateTime<Utc>) {
        self.feeds_running.remove(&index);
        self.first_round.remove(&index);
        self.feed_due[index] = next_due;
    }

    fn take_due_digests(&mut self, now: DateTime<Utc>) -> Vec<usize> {
        let due: Vec<usize> = (0..self.digest_due.len())
            .filter(|i| !self.digests_running.contains(i))
            .filter(|i| match self.digest_due[*i] {
                Some(at) => at <= now,
                None => self.first_round.is_empty(),
            })
            .collect();
        self.digests_running.extend(&due);
        due
    }

    /// After a run: the digest's next time; after a failure (a database error), a retry
    /// with backoff, but no later than that.
    fn digest_done(&mut self, index: usize, ok: bool, now: DateTime<Utc>) {
        self.digests_running.remove(&index);
        let (schedule, tz) = &self.digest_schedules[index];
        // From the time it was due if the clock now reads earlier (stepped back), so that
        // one time does not fire twice.
        let from = self.digest_due[index].map_or(now, |due| due.max(now));
        let next = schedule.next_after(from, *tz);
        self.digest_due[index] = Some(if ok {
            self.digest_failures.remove(&index);
            next
        } else {
            let failures = self.digest_failures.entry(index).or_default();
            *failures += 1;
            next.min(now + to_chrono(retry_delay(*failures, schedule.typical_gap())))
        });
    }

    /// How long the loop may sleep before something is due.
    fn until_next(&self, now: DateTime<Utc>) -> Duration {
        let feeds = (0..self.feed_due.len())
            .filter(|i| !self.feeds_running.contains(i))
            .map(|i| self.feed_due[i]);
        let digests = (0..self.digest_due.len())
            .filter(|i| !self.digests_running.contains(i))
            .filter_map(|i| self.digest_due[i]);
        feeds
            .chain(digests)
            .min()
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP)
    }
}
