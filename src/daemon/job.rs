//! A background job of the run loop: alerts, the outbox, retention, the watchlist backfill,
//! the articles fetched again. Each is due at a time (or not until something asks for it)
//! and runs at most once at a time; a run that ends says when the job is next due, and
//! one that fails (a database error) or whose task panics is tried again after
//! [`RETRY_AFTER_ERROR`]. The four first kept this by hand beside the loop, each a little
//! differently; with it the loop only says when a job is due and how to start a run.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use super::poll::to_chrono;
use super::{Clock, LOG_TARGET};

/// How long before a failed outbox pass or alert run (a database error) is tried again;
/// the same for a failed backfill, and for any job whose task panicked.
const RETRY_AFTER_ERROR: Duration = Duration::from_secs(60);

/// What a run that went through hands back.
pub(super) struct Ran<T = ()> {
    /// When the job is next due; `None`: not until something asks for it.
    pub next_due: Option<DateTime<Utc>>,
    /// What else the loop wants to know of the run.
    pub found: T,
}

impl Ran {
    /// A run that tells only when the job is next due.
    pub(super) fn next(due: Option<DateTime<Utc>>) -> Ran {
        Ran {
            next_due: due,
            found: (),
        }
    }
}

/// One background job: when it is due, and its run in flight. `T` is what a run finds
/// for the loop besides when the job is next due.
pub(super) struct Job<T = ()> {
    /// When a run is due; `None` until something asks for one. Cleared when a run starts.
    due: Option<DateTime<Utc>>,
    /// The run in flight, if any: at most one.
    running: JoinSet<anyhow::Result<Ran<T>>>,
    /// After any run the job is due again within this, whatever the run said.
    recheck: Option<Duration>,
    /// For the log: the task ("an alert task") and what a failed run left undone
    /// ("alerts not queued").
    task: &'static str,
    undone: &'static str,
}

impl<T: Send + 'static> Job<T> {
    pub(super) fn new(
        task: &'static str,
        undone: &'static str,
        due: Option<DateTime<Utc>>,
    ) -> Self {
        Job {
            due,
            running: JoinSet::new(),
            recheck: None,
            task,
            undone,
        }
    }

    /// A job that is due again at most `every` after each run.
    pub(super) fn rechecked_every(self, every: Duration) -> Self {
        Job {
            recheck: Some(every),
            ..self
        }
    }

    /// Due at `at`, or sooner if it already was.
    pub(super) fn due_by(&mut self, at: DateTime<Utc>) {
        self.due = sooner(self.due, Some(at));
    }

    /// Starts the run `start` makes, if the job is due and no run is in flight.
    pub(super) fn start_if_due<F>(&mut self, now: DateTime<Utc>, start: impl FnOnce() -> F)
    where
        F: Future<Output = anyhow::Result<Ran<T>>> + Send + 'static,
    {
        if self.running.is_empty() && self.due.is_some_and(|at| at <= now) {
            self.due = None;
            self.running.spawn(start());
        }
    }

    /// When the loop should wake for this job: when it is due, unless a run is in flight
    /// (its end wakes the loop).
    pub(super) fn wake_at(&self) -> Option<DateTime<Utc>> {
        self.due.filter(|_| self.running.is_empty())
    }

    /// Runs in flight: none or one.
    pub(super) fn in_flight(&self) -> usize {
        self.running.len()
    }

    /// Waits until the run in flight ends (for ever while there is none), and sets when the
    /// job is next due. Returns what a run that went through found; a failed one is
    /// logged and tried again after [`RETRY_AFTER_ERROR`].
    pub(super) async fn ended(&mut self, clock: Clock) -> Option<T> {
        let Some(joined) = self.running.join_next().await else {
            return std::future::pending().await;
        };
        let now = clock.now();
        let retry = Some(now + to_chrono(RETRY_AFTER_ERROR));
        let (next, found) = match joined {
            Ok(Ok(ran)) => (ran.next_due, Some(ran.found)),
            Ok(Err(e)) => {
                tracing::warn!(target: LOG_TARGET, error = %format!("{e:#}"), "{}; will retry", self.undone);
                (retry, None)
            }
            Err(e) => {
                tracing::error!(target: LOG_TARGET, error = %e, "{} failed; it is retried later", self.task);
                (retry, None)
            }
        };
        let recheck = self.recheck.map(|every| now + to_chrono(every));
        self.due = sooner(self.due, sooner(next, recheck));
        found
    }

    /// Cuts the run in flight short.
    pub(super) fn abort(&mut self) {
        self.running.abort_all();
    }

    /// Waits for the run in flight, if any, to end.
    pub(super) async fn finish(&mut self) {
        while self.running.join_next().await.is_some() {}
    }
}

/// The earlier of two due times, either of which may be unset.
pub(super) fn sooner(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
