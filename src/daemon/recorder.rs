//! Writing polls to the store in batches. A feed's poll, once fetched and matched, joins
//! a batch; the batch is written a moment after it opened (or at once when it is full) in
//! one transaction ([`Store::record_polls`]), its new matches are grouped into stories once,
//! and each poll gets its matches back.
//!
//! Every commit writes each page it touched to the log once more, and new items land on
//! pages spread over every index, so a commit per feed wrote the database several times
//! over on a first poll of many feeds. A batch is written [`GATHER`] after it opened, when
//! it is full, or as soon as no fetch is under way (nothing more is coming soon: a daemon
//! polling one feed at a time writes it at once). A poll gives up its fetch slot while it
//! waits (holding a place in the batch instead), so fetching goes on meanwhile.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, oneshot};

use super::lock;
use crate::article::furniture::{Furniture, Learned};
use crate::model::MatchRecord;
use crate::store::{FeedPoll, Store};

/// How long a batch stays open for more polls after its first one.
const GATHER: Duration = Duration::from_millis(250);
/// At most this many polls wait to be written, in the open batch and the one being
/// written; a batch is written at once when it holds half of them. Bounds the memory that
/// parsed items waiting for the store take.
const MAX_WAITING: usize = 256;

/// The batch being gathered, shared by every context on one store.
pub(super) struct Recorder {
    batch: Mutex<Batch>,
    /// Places for polls waiting to be written.
    room: Arc<Semaphore>,
    /// Polls fetching: between their request slot and their place in a batch.
    fetching: AtomicUsize,
}

#[derive(Default)]
struct Batch {
    waiting: Vec<Waiting>,
    /// Set while a write of this batch is scheduled: told when the batch should be
    /// written now (it is full, or no fetch is under way). One per batch, so that a
    /// signal meant for a batch already being written cannot cut the next one short.
    ready: Option<Arc<Notify>>,
    /// Site furniture learned from the articles of the polls waiting: written with them.
    learned: Vec<Learned>,
}

struct Waiting {
    poll: FeedPoll,
    /// The poll's matches, or why it could not be recorded.
    reply: oneshot::Sender<Result<Vec<MatchRecord>, String>>,
    /// Given back when the poll has been written.
    place: OwnedSemaphorePermit,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            batch: Mutex::default(),
            room: Arc::new(Semaphore::new(MAX_WAITING)),
            fetching: AtomicUsize::new(0),
        }
    }
}

/// A poll's place in a batch, taken before it gives up its fetch slot.
pub(super) struct Place(OwnedSemaphorePermit);

/// A poll fetching, from its request slot until it has a place in a batch.
pub(super) struct Fetching(Arc<Recorder>);

impl Drop for Fetching {
    fn drop(&mut self) {
        if self.0.fetching.fetch_sub(1, Ordering::AcqRel) == 1
            && let Some(ready) = &lock(&self.0.batch).ready
        {
            ready.notify_one();
        }
    }
}

impl Recorder {
    /// Counts a poll as fetching until the guard is dropped.
    pub(super) fn fetching(self: &Arc<Self>) -> Fetching {
        self.fetching.fetch_add(1, Ordering::AcqRel);
        Fetching(Arc::clone(self))
    }

    /// Waits for room for one more poll in the batches.
    pub(super) async fn place(&self) -> Place {
        let permit = Arc::clone(&self.room)
            .acquire_owned()
            .await
            .expect("the recorder's semaphore is never closed");
        Place(permit)
    }

    /// Records `poll` with the batch it joins and returns its new matches as stored,
    /// and with it what `furniture` has learned from its articles (and others' since the
    /// last batch). Stories are grouped with `window`.
    pub(super) async fn record(
        self: &Arc<Self>,
        store: &Arc<Mutex<Store>>,
        furniture: &Mutex<Furniture>,
        window: Duration,
        poll: FeedPoll,
        place: Place,
    ) -> anyhow::Result<Vec<MatchRecord>> {
        let (reply, answer) = oneshot::channel();
        let learned = lock(furniture).take_learned();
        let opened = {
            let mut batch = lock(&self.batch);
            batch.learned.extend(learned);
            batch.waiting.push(Waiting {
                poll,
                reply,
                place: place.0,
            });
            let opened = batch.ready.is_none().then(|| Arc::new(Notify::new()));
            if let Some(ready) = &opened {
                batch.ready = Some(Arc::clone(ready));
            }
            let now = batch.waiting.len() >= MAX_WAITING / 2
                || self.fetching.load(Ordering::Acquire) == 0;
            if let Some(ready) = batch.ready.as_ref().filter(|_| now) {
                ready.notify_one();
            }
            opened
        };
        if let Some(ready) = opened {
            // A task of its own, so that the batch is written even if this poll's task
            // is dropped. The batch is written with the settings of the poll that
            // opened it (its stories window), even if the config was reloaded since.
            tokio::spawn(Arc::clone(self).write_soon(Arc::clone(store), window, ready));
        }
        match answer.await {
            Ok(result) => result.map_err(anyhow::Error::msg),
            Err(_) => anyhow::bail!("the poll was not recorded: the database task stopped"),
        }
    }

    /// Writes the open batch after [`GATHER`], or sooner when it is ready.
    async fn write_soon(
        self: Arc<Self>,
        store: Arc<Mutex<Store>>,
        window: Duration,
        ready: Arc<Notify>,
    ) {
        let _ = tokio::time::timeout(GATHER, ready.notified()).await;
        let recorder = Arc::clone(&self);
        let written = tokio::task::spawn_blocking(move || {
            let mut store = lock(&store);
            // Taken under the store's lock: whatever joined while the last batch was
            // written goes too.
            let (waiting, learned) = {
                let mut batch = lock(&recorder.batch);
                batch.ready = None;
                (
                    std::mem::take(&mut batch.waiting),
                    std::mem::take(&mut batch.learned),
                )
            };
            let now = waiting.iter().map(|w| w.poll.record.at).max();
            write(&mut store, waiting, window);
            save_learned(&mut store, &learned, now.unwrap_or_else(Utc::now));
        })
        .await;
        if let Err(e) = written {
            // The polls' replies were dropped with the task: each reports the failure.
            tracing::error!(error = %e, "recording polls failed");
        }
    }
}

/// Stores site furniture learned. A failure costs only the counts: the lines are counted
/// again on the site's next pages.
fn save_learned(store: &mut Store, learned: &[Learned], now: DateTime<Utc>) {
    if let Err(e) = store.record_site_lines(learned, now) {
        tracing::warn!(error = %e, lines = learned.len(), "storing the site furniture learned failed");
    }
}

/// Writes `batch` and answers each poll in it.
fn write(store: &mut Store, batch: Vec<Waiting>, window: Duration) {
    if batch.is_empty() {
        return;
    }
    tracing::debug!(polls = batch.len(), "recording polls");
    // The places are given back when this returns, after the replies.
    let (polls, (replies, _places)): (Vec<FeedPoll>, (Vec<_>, Vec<_>)) = batch
        .into_iter()
        .map(|w| (w.poll, (w.reply, w.place)))
        .unzip();
    let results = match store.record_polls(&polls) {
        Ok(results) => results,
        Err(e) => {
            let error = format!("{e:#}");
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
            return;
        }
    };
    if results
        .iter()
        .any(|r| r.as_ref().is_ok_and(|ids| !ids.is_empty()))
    {
        let now: DateTime<Utc> = polls.iter().map(|p| p.record.at).max().unwrap_or_default();
        // Grouping is a step of its own: items it could not group stay queued for the
        // next attempt, and the polls stand.
        super::digests::group(store, window, now);
    }
    for (result, reply) in results.into_iter().zip(replies) {
        let answer = result
            .and_then(|ids| store.matches_by_id(&ids))
            .map_err(|e| format!("{e:#}"));
        // The poll's task may have gone (shutdown): what it found is stored all the same.
        let _ = reply.send(answer);
    }
}
