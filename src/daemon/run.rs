//! The daemon's run loop. Each turn starts the polls that are due, the digests that are
//! due and the background jobs that are due ([`job`](super::job)), sleeps until the
//! earliest of what comes next, handles what finished, and reloads the settings when they
//! changed. [`Daemon`] is the loop's state between turns; the loop itself stays short
//! enough to read in one go.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::{self, JoinError, JoinSet};

use super::job::{Job, Ran};
use super::poll::to_chrono;
use super::reload::{self, ConfigSource, reconfigure};
use super::timetable::Timetable;
use super::{
    Clock, Context, LOG_TARGET, alerts, article_retry, backfill, digests, lock, memory, outbox,
    poll, retention, server, webhooks,
};
use crate::config::{Settings, WEBHOOK_PREFIX};
use crate::digest::send::Mailer;
use crate::feed::fetch::Fetcher;
use crate::store::FeedId;
use crate::webhook::post::Poster;

/// How long fetches in flight may go on after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);
/// How long after a poll with matches alerts are gathered, so that the matches of feeds
/// polled together go out in one mail.
const ALERT_SETTLE: Duration = Duration::from_secs(5);
/// The outbox is looked at at least this often, so that a message made pending by another
/// process (`newshound outbox retry`) goes out without waiting for the next digest.
const OUTBOX_RECHECK: Duration = Duration::from_secs(60);

/// A poll task's answer: when the feed is next due, how many matches it found, and when
/// an article it could not read is to be fetched again.
type PollDone = (DateTime<Utc>, usize, Option<DateTime<Utc>>);

/// Runs the daemon until `shutdown` completes; see [`super::run()`].
pub(super) async fn run_loop(
    settings: Settings,
    clock: Clock,
    mut source: ConfigSource,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // Held until this returns; the OS lets go of it however the process ends. A reload
    // keeps the database, so it keeps the lock too.
    let _daemon_lock = lock::daemon_lock(&settings.storage.path)?;
    let mailer = Arc::new(Mailer::new(&settings.email)?);
    let fetcher = Fetcher::new(&settings.polling)?;
    let poster = Poster::new(&settings.polling.user_agent).map_err(anyhow::Error::msg)?;
    let ctx = Context::open(settings, clock).await?;
    tracing::info!(
        target: LOG_TARGET,
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

    let timetable = Timetable::load(&ctx, None).await?;
    ctx.metrics.set_ready(clock.now());
    let mut daemon = Daemon::new(ctx, mailer, fetcher, poster, timetable);
    let mut config_check = tokio::time::interval(reload::CHECK_EVERY);
    config_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);

    let mut memory = memory::Release::new();
    loop {
        let now = clock.now();
        daemon.start_due_polls(now);
        daemon.start_due_digests(now);
        daemon.start_due_jobs(now);

        let sleep = daemon.until_next(clock.now());
        daemon
            .ctx
            .metrics
            .set_earliest_due(daemon.timetable.earliest_feed_due());
        let watching_files = source.watches_files();
        let reload_asked = async {
            match source.requests.as_mut() {
                Some(requests) => requests.recv().await,
                None => std::future::pending().await,
            }
        };
        if memory.turn(daemon.is_busy()) {
            daemon.ctx.release_memory();
        }
        let sleep = memory.due_in().map_or(sleep, |due| sleep.min(due));
        let (mut reload, mut check_files) = (false, false);
        tokio::select! {
            () = &mut shutdown => break,
            Some(done) = daemon.polls.join_next_with_id() => daemon.poll_done(done),
            Some(done) = daemon.digest_runs.join_next_with_id() => daemon.digest_done(done),
            // Each job sets its own next due time as its run ends.
            _ = daemon.alerts.ended(clock) => {
                daemon.outbox.due_by(clock.now());
                daemon.webhooks.due_by(clock.now());
            }
            _ = daemon.outbox.ended(clock) => {}
            _ = daemon.webhooks.ended(clock) => {}
            _ = daemon.retention.ended(clock) => {}
            matched = daemon.backfill.ended(clock) => {
                if matched == Some(true) && daemon.alerting {
                    daemon.alerts.due_by(clock.now());
                }
            }
            matched = daemon.article_retries.ended(clock) => {
                if matched == Some(true) && daemon.alerting {
                    daemon.alerts.due_by(clock.now());
                }
            }
            Some(()) = reload_asked => {
                tracing::info!(target: LOG_TARGET, "reload requested");
                reload = true;
            }
            _ = config_check.tick(), if watching_files => check_files = true,
            () = tokio::time::sleep(sleep) => {}
        }
        if check_files {
            reload = source.changed().await;
        }
        if reload
            && let Some(next) = source.load(&daemon.ctx.settings).await
            && daemon.reconfigure(next).await
        {
            source.applied();
            current.send_replace(Arc::clone(&daemon.ctx));
        }
    }

    daemon.ctx.stopping.store(true, Ordering::Relaxed);
    // Health and metrics stop answering with the daemon.
    drop((server, current));
    daemon.shut_down().await;
    Ok(())
}

/// What the loop keeps between turns: the context of the current settings, when each feed
/// and digest is due, and what is in flight.
struct Daemon {
    ctx: Arc<Context>,
    clock: Clock,
    mailer: Arc<Mailer>,
    fetcher: Fetcher,
    poster: Poster,
    timetable: Timetable,
    polls: JoinSet<PollDone>,
    digest_runs: JoinSet<(String, bool)>,
    // Which feed or digest each task serves, so that even a task that panicked is
    // rescheduled rather than left "running" forever. A poll also carries the settings
    // version it started under: a backfill waits until none from before it is in flight.
    poll_tasks: HashMap<task::Id, (FeedId, u64)>,
    digest_tasks: HashMap<task::Id, String>,
    /// Counts the settings a reload applied.
    version: u64,
    /// Whether any watchlist sends alerts, or any webhook is called at once.
    alerting: bool,
    /// A reload may have fixed the `[email]` settings: the next outbox pass sends the
    /// messages they held at once, not after their backoff.
    retry_blocked: bool,
    // At most one outbox pass, one alert run and one backfill at a time.
    alerts: Job,
    outbox: Job,
    /// The outbox's pass over webhook deliveries.
    webhooks: Job,
    retention: Job,
    /// Its run finds whether it recorded any match: alerts are then due.
    backfill: Job<bool>,
    /// Articles fetched again; its run finds whether it recorded any match, too.
    article_retries: Job<bool>,
}

impl Daemon {
    fn new(
        ctx: Arc<Context>,
        mailer: Arc<Mailer>,
        fetcher: Fetcher,
        poster: Poster,
        timetable: Timetable,
    ) -> Daemon {
        let clock = ctx.clock;
        let alerting = alerts::enabled(&ctx) || webhooks::alerting(&ctx);
        Daemon {
            // New or changed watchlists are matched against recent items, also at start
            // (the config may have been edited while the daemon was down).
            backfill: Job::new(
                "a backfill task",
                "watchlist backfill failed",
                Some(clock.now()),
            ),
            // Messages left pending by an earlier run go out first; alerts may be waiting
            // too.
            outbox: Job::new("an outbox task", "outbox not sent", Some(clock.now()))
                .rechecked_every(OUTBOX_RECHECK),
            webhooks: Job::new(
                "a webhook task",
                "webhook deliveries not sent",
                Some(clock.now()),
            )
            .rechecked_every(OUTBOX_RECHECK),
            // Alerts left over from an earlier run wait as long as a poll's do, so that
            // they go out with what the first polls find rather than racing them (a run
            // that read the store while the first poll was being written sent a partial
            // alert, and the rest waited out the rate limit).
            alerts: Job::new(
                "an alert task",
                "alerts not queued",
                alerting.then(|| clock.now() + to_chrono(ALERT_SETTLE)),
            ),
            // Articles left to fetch again by an earlier run are due when they are; the
            // run finds out, and when the next one is.
            article_retries: Job::new(
                "an article retry task",
                "articles not fetched again",
                Some(clock.now()),
            ),
            // Retention: its own timer and at most one run at a time (see `retention`).
            retention: Job::new(
                "a retention task",
                "retention run failed",
                Some(clock.now() + to_chrono(retention::FIRST_RUN)),
            ),
            alerting,
            retry_blocked: false,
            ctx,
            clock,
            mailer,
            fetcher,
            poster,
            timetable,
            polls: JoinSet::new(),
            digest_runs: JoinSet::new(),
            poll_tasks: HashMap::new(),
            digest_tasks: HashMap::new(),
            version: 0,
        }
    }

    fn start_due_polls(&mut self, now: DateTime<Utc>) {
        for id in self.timetable.take_due_feeds(now) {
            let Some(index) = self.ctx.feed_index(id) else {
                continue;
            };
            let (ctx, fetcher) = (Arc::clone(&self.ctx), self.fetcher.clone());
            let handle = self.polls.spawn(async move {
                let report = poll::poll_feed(&ctx, &fetcher, index).await;
                let polled = report.outcome.as_ref().ok();
                let matches = polled.map_or(0, |p| p.matches.len());
                let retry_at = polled.and_then(|p| p.articles.retry_at);
                (report.next_due, matches, retry_at)
            });
            self.poll_tasks.insert(handle.id(), (id, self.version));
        }
    }

    fn start_due_digests(&mut self, now: DateTime<Utc>) {
        for name in self.timetable.take_due_digests(now) {
            if name.starts_with(WEBHOOK_PREFIX) {
                self.start_webhook(name);
                continue;
            }
            let Some(index) = self.ctx.digest_index(&name) else {
                continue;
            };
            let ctx = Arc::clone(&self.ctx);
            let task_name = name.clone();
            let handle = self.digest_runs.spawn(async move {
                match digests::run_digest(&ctx, index, ctx.clock.now()).await {
                    Ok(_) => (task_name, true),
                    Err(e) => {
                        tracing::warn!(target: LOG_TARGET, digest = %task_name, error = %format!("{e:#}"), "digest not queued; will retry");
                        (task_name, false)
                    }
                }
            });
            self.digest_tasks.insert(handle.id(), name);
        }
    }

    /// A scheduled webhook's run, as a digest's: the timetable knows it by its key.
    fn start_webhook(&mut self, key: String) {
        let Some(index) = self.ctx.webhook_index(&key) else {
            return;
        };
        let ctx = Arc::clone(&self.ctx);
        let task_key = key.clone();
        let handle = self.digest_runs.spawn(async move {
            match webhooks::run_webhook(&ctx, index, ctx.clock.now()).await {
                Ok(_) => (task_key, true),
                Err(e) => {
                    tracing::warn!(target: LOG_TARGET, webhook = %ctx.settings.webhooks[index].name, error = %format!("{e:#}"), "webhook deliveries not queued; will retry");
                    (task_key, false)
                }
            }
        });
        self.digest_tasks.insert(handle.id(), key);
    }

    fn start_due_jobs(&mut self, now: DateTime<Utc>) {
        let ctx = &self.ctx;
        self.alerts.start_if_due(now, || {
            let ctx = Arc::clone(ctx);
            async move {
                // Both run, whichever fails: a mail fault does not hold up the webhooks.
                let mail = alerts::run_alerts(&ctx, ctx.clock.now()).await;
                let hooks = webhooks::run_alert_webhooks(&ctx, ctx.clock.now()).await;
                Ok(Ran::next(super::job::sooner(mail?.1, hooks?.1)))
            }
        });
        self.webhooks.start_if_due(now, || {
            let (ctx, poster) = (Arc::clone(ctx), self.poster.clone());
            async move {
                let report = webhooks::drain(&ctx, &poster, false).await?;
                Ok(Ran::next(report.next_attempt))
            }
        });
        let retry_blocked = &mut self.retry_blocked;
        self.outbox.start_if_due(now, || {
            let (ctx, mailer) = (Arc::clone(ctx), Arc::clone(&self.mailer));
            let due = if std::mem::take(retry_blocked) {
                outbox::Due::AndBlocked
            } else {
                outbox::Due::Now
            };
            async move {
                let report = outbox::drain(&ctx, &mailer, due).await?;
                Ok(Ran::next(report.next_attempt))
            }
        });
        self.retention.start_if_due(now, || {
            let ctx = Arc::clone(ctx);
            async move {
                let wait = retention::run(&ctx).await;
                Ok(Ran::next(Some(ctx.clock.now() + to_chrono(wait))))
            }
        });
        self.article_retries.start_if_due(now, || {
            let (ctx, fetcher) = (Arc::clone(ctx), self.fetcher.clone());
            async move { article_retry::run(&ctx, &fetcher).await }
        });
        if !self.older_polls_in_flight() {
            self.backfill.start_if_due(now, || {
                let ctx = Arc::clone(ctx);
                async move {
                    let matched = backfill::run(&ctx).await?;
                    Ok(Ran {
                        next_due: None,
                        found: matched > 0,
                    })
                }
            });
        }
    }

    /// Whether a poll started under older settings is still in flight. It matched its
    /// items with the old watchlists, and the backfill reads items only once they are
    /// stored: the backfill waits for it.
    fn older_polls_in_flight(&self) -> bool {
        self.poll_tasks.values().any(|(_, v)| *v < self.version)
    }

    /// How long the loop may sleep before something is due. A backfill held back by older
    /// polls does not count: the end of those polls wakes the loop, and counting it would
    /// turn the loop without sleeping until then.
    fn until_next(&self, now: DateTime<Utc>) -> Duration {
        let backfill = self
            .backfill
            .wake_at()
            .filter(|_| !self.older_polls_in_flight());
        [
            self.outbox.wake_at(),
            self.webhooks.wake_at(),
            self.alerts.wake_at(),
            self.retention.wake_at(),
            self.article_retries.wake_at(),
            backfill,
        ]
        .into_iter()
        .flatten()
        .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
        .fold(self.timetable.until_next(now), Duration::min)
    }

    /// Whether any task is running.
    fn is_busy(&self) -> bool {
        let jobs = self.alerts.in_flight()
            + self.outbox.in_flight()
            + self.webhooks.in_flight()
            + self.retention.in_flight()
            + self.backfill.in_flight()
            + self.article_retries.in_flight();
        !self.polls.is_empty() || !self.digest_runs.is_empty() || jobs > 0
    }

    fn poll_done(&mut self, done: Result<(task::Id, PollDone), JoinError>) {
        let (task, next_due, matches, retry_at) = match done {
            Ok((task, (next_due, matches, retry_at))) => (task, next_due, matches, retry_at),
            Err(e) => {
                tracing::error!(target: LOG_TARGET, error = %e, "a poll task failed; the feed is retried later");
                (
                    e.id(),
                    self.clock.now() + chrono::Duration::minutes(5),
                    0,
                    None,
                )
            }
        };
        if let Some(at) = retry_at {
            self.article_retries.due_by(at);
        }
        if let Some((id, _)) = self.poll_tasks.remove(&task) {
            self.timetable.feed_done(id, next_due);
        }
        if self.alerting && matches > 0 {
            self.alerts
                .due_by(self.clock.now() + to_chrono(ALERT_SETTLE));
        }
    }

    fn digest_done(&mut self, done: Result<(task::Id, (String, bool)), JoinError>) {
        let (id, name, ok) = match done {
            Ok((id, (name, ok))) => (id, name, ok),
            Err(e) => {
                tracing::error!(target: LOG_TARGET, error = %e, "a digest task failed; it is retried later");
                (e.id(), String::new(), false)
            }
        };
        let name = self.digest_tasks.remove(&id).unwrap_or(name);
        self.timetable.digest_done(&name, ok, self.clock.now());
        self.outbox.due_by(self.clock.now());
        self.webhooks.due_by(self.clock.now());
    }

    /// Carries on with `settings`, if everything the loop needs can be built from them;
    /// returns whether it does.
    async fn reconfigure(&mut self, settings: Settings) -> bool {
        match reconfigure(&self.ctx, settings, &self.timetable).await {
            Ok(new) => {
                (self.ctx, self.timetable) = (new.ctx, new.timetable);
                (self.mailer, self.fetcher) = (Arc::new(new.mailer), new.fetcher);
                self.poster = new.poster;
                self.version += 1;
                let now = self.clock.now();
                self.backfill.due_by(now);
                self.alerting = alerts::enabled(&self.ctx) || webhooks::alerting(&self.ctx);
                if self.alerting {
                    self.alerts.due_by(now);
                }
                self.outbox.due_by(now);
                self.webhooks.due_by(now);
                self.retry_blocked = true;
                true
            }
            Err(e) => {
                tracing::error!(
                    target: LOG_TARGET,
                    error = %format!("{e:#}"),
                    "configuration not applied; running on the previous one, and trying again in a moment"
                );
                false
            }
        }
    }

    async fn shut_down(mut self) {
        tracing::info!(
            target: LOG_TARGET,
            in_flight = self.polls.len()
                + self.digest_runs.len()
                + self.alerts.in_flight()
                + self.outbox.in_flight()
                + self.webhooks.in_flight()
                + self.retention.in_flight(),
            "shutting down"
        );
        // Fetches get a grace period. Digest and alert runs are short database work, waited
        // for. A message being sent is waited for too (its SMTP timeout, or its webhook's, bounds it): cut off
        // between the server's acceptance and being marked sent, it would go out twice. The
        // outbox sends no further message once stopping is set. A backfill is cut off: it
        // is repeated at the next start, and each of its batches is one transaction; so
        // are articles being fetched again, each recorded in a transaction of its own.
        self.backfill.abort();
        self.article_retries.abort();
        let polls_drained = async { while self.polls.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, polls_drained)
            .await
            .is_err()
        {
            tracing::warn!(target: LOG_TARGET, "fetches still in flight after the grace period; abandoning them");
        }
        while self.digest_runs.join_next().await.is_some() {}
        self.alerts.finish().await;
        self.outbox.finish().await;
        self.webhooks.finish().await;
        // Stops between two batches once stopping is set.
        self.retention.finish().await;
        self.backfill.finish().await;
        self.article_retries.finish().await;
        // Dropping the JoinSets aborts what is left; a store write already on the blocking
        // pool still finishes its transaction, so nothing is left half-written.
    }
}
