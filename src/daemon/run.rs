//! The daemon's run loop: it owns the timetable and every task in flight. Each turn starts
//! the polls, digests and background jobs that are due, sleeps until the earliest of what
//! comes next, handles what finished, and reloads the settings when asked to.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::{self, JoinSet};

use super::poll::to_chrono;
use super::reload::{self, ConfigSource, reconfigure};
use super::timetable::Timetable;
use super::{
    Clock, Context, alerts, backfill, digests, lock, memory, outbox, poll, retention, server,
};
use crate::config::Settings;
use crate::digest::send::Mailer;
use crate::feed::fetch::Fetcher;
use crate::store::FeedId;

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

/// A poll task's answer: when the feed is next due, and how many matches it found.
type PollDone = (DateTime<Utc>, usize);

pub(super) async fn run_loop(
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
