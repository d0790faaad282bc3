//! When each feed and digest (and each scheduled webhook, as a digest of its own) is next
//! due. Lives in the run loop only; the store keeps each
//! feed's next due time and each digest's last run, so a restart does not poll everything
//! at once nor repeat a digest.
//!
//! Feeds are keyed by their store id and digests by name, not by their place in the
//! settings: a config reload ([`Timetable::load`] with the previous timetable) keeps the
//! due times and the running marks of what is still configured, and work started under the
//! old settings reports back by the same keys.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Context;
use super::poll::to_chrono;
use crate::config::{Schedule, Settings, WebhookTiming};
use crate::digest::send::retry_delay;
use crate::store::FeedId;

/// The loop wakes at least this often, so clock jumps and digest checks are not missed.
const MAX_SLEEP: Duration = Duration::from_secs(30);

pub(super) struct Timetable {
    /// In the order of the settings, which is the order polls are started in.
    feeds: Vec<FeedSlot>,
    feed_position: HashMap<FeedId, usize>,
    /// Feeds due at start-up (or added by a reload) that have not finished their first
    /// poll yet: a digest that has never run waits for them, so its first message has
    /// something in it.
    first_round: HashSet<FeedId>,
    digests: Vec<DigestSlot>,
}

struct FeedSlot {
    id: FeedId,
    due: DateTime<Utc>,
    running: bool,
}

struct DigestSlot {
    name: String,
    schedule: Schedule,
    timezone: Tz,
    due: Option<DateTime<Utc>>,
    running: bool,
    failures: u32,
}

impl Timetable {
    /// The timetable of `ctx`'s settings. With the `previous` timetable (a reload), feeds
    /// and digests still configured keep their due times and running marks; a digest whose
    /// schedule changed is due at its new schedule's next time after its last run.
    pub(super) async fn load(
        ctx: &Context,
        previous: Option<&Timetable>,
    ) -> anyhow::Result<Timetable> {
        let now = ctx.clock.now();
        let ids = ctx.feed_ids.clone();
        let scheduled = scheduled(&ctx.settings);
        let names: Vec<String> = scheduled.iter().map(|(n, _, _)| n.clone()).collect();
        let (stored_due, last_runs) = ctx
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

        let mut feeds = Vec::with_capacity(ctx.feed_ids.len());
        let mut first_round = HashSet::new();
        for ((id, stored), feed) in ctx.feed_ids.iter().zip(stored_due).zip(&ctx.settings.feeds) {
            // A due time comes from earlier settings: an interval shortened since then (or
            // a long backoff) should not keep a feed waiting longer than its longest
            // interval now.
            let soonest = now
                + chrono::Duration::from_std(feed.cadence.max_interval)
                    .unwrap_or(chrono::Duration::days(1));
            if let Some(kept) = previous.and_then(|p| p.feed(*id)) {
                feeds.push(FeedSlot {
                    due: kept.due.min(soonest),
                    ..*kept
                });
                if previous.is_some_and(|p| p.first_round.contains(id)) {
                    first_round.insert(*id);
                }
                continue;
            }
            let due = stored.map_or(now, |stored| stored.min(soonest));
            if due <= now {
                first_round.insert(*id);
            }
            feeds.push(FeedSlot {
                id: *id,
                due,
                running: false,
            });
        }
        let feed_position = feeds.iter().enumerate().map(|(i, f)| (f.id, i)).collect();

        let digests = scheduled
            .into_iter()
            .zip(last_runs)
            .map(|((name, schedule, timezone), last)| {
                let kept = previous.and_then(|p| p.digest(&name));
                match kept {
                    Some(kept) if kept.schedule == schedule && kept.timezone == timezone => {
                        DigestSlot {
                            name,
                            schedule,
                            ..*kept
                        }
                    }
                    _ => DigestSlot {
                        due: first_due(&schedule, timezone, last, now),
                        running: kept.is_some_and(|k| k.running),
                        name,
                        schedule,
                        timezone,
                        failures: 0,
                    },
                }
            })
            .collect();
        Ok(Timetable {
            feeds,
            feed_position,
            first_round,
            digests,
        })
    }

    fn feed(&self, id: FeedId) -> Option<&FeedSlot> {
        self.feed_position.get(&id).map(|i| &self.feeds[*i])
    }

    fn digest(&self, name: &str) -> Option<&DigestSlot> {
        self.digests.iter().find(|d| d.name == name)
    }

    /// The feeds due now and not running, marked running.
    pub(super) fn take_due_feeds(&mut self, now: DateTime<Utc>) -> Vec<FeedId> {
        let mut due = Vec::new();
        for slot in &mut self.feeds {
            if slot.due <= now && !slot.running {
                slot.running = true;
                due.push(slot.id);
            }
        }
        due
    }

    /// A poll finished. A feed removed from the settings meanwhile is forgotten.
    pub(super) fn feed_done(&mut self, id: FeedId, next_due: DateTime<Utc>) {
        self.first_round.remove(&id);
        if let Some(i) = self.feed_position.get(&id) {
            let slot = &mut self.feeds[*i];
            slot.running = false;
            slot.due = next_due;
        }
    }

    /// The digests due now and not running, marked running.
    pub(super) fn take_due_digests(&mut self, now: DateTime<Utc>) -> Vec<String> {
        let first_round_done = self.first_round.is_empty();
        let mut due = Vec::new();
        for slot in &mut self.digests {
            let is_due = match slot.due {
                Some(at) => at <= now,
                None => first_round_done,
            };
            if is_due && !slot.running {
                slot.running = true;
                due.push(slot.name.clone());
            }
        }
        due
    }

    /// After a run: the digest's next time; after a failure (a database error), a retry
    /// with backoff, but no later than that.
    pub(super) fn digest_done(&mut self, name: &str, ok: bool, now: DateTime<Utc>) {
        let Some(slot) = self.digests.iter_mut().find(|d| d.name == name) else {
            return; // removed from the settings meanwhile
        };
        slot.running = false;
        // From the time it was due if the clock now reads earlier (stepped back), so that
        // one time does not fire twice.
        let from = slot.due.map_or(now, |due| due.max(now));
        let next = slot.schedule.next_after(from, slot.timezone);
        slot.due = Some(if ok {
            slot.failures = 0;
            next
        } else {
            slot.failures += 1;
            next.min(now + to_chrono(retry_delay(slot.failures, slot.schedule.typical_gap())))
        });
    }

    /// When the feed due soonest is due, for `/healthz`. A feed being polled keeps the
    /// time it was due at until it is done, so a poll that never ends shows as overdue.
    pub(super) fn earliest_feed_due(&self) -> Option<DateTime<Utc>> {
        self.feeds.iter().map(|f| f.due).min()
    }

    /// How long the loop may sleep before something is due.
    pub(super) fn until_next(&self, now: DateTime<Utc>) -> Duration {
        let feeds = self.feeds.iter().filter(|f| !f.running).map(|f| f.due);
        let digests = self
            .digests
            .iter()
            .filter(|d| !d.running)
            .filter_map(|d| d.due);
        feeds
            .chain(digests)
            .min()
            .map(|t| (t - now).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(MAX_SLEEP)
            .min(MAX_SLEEP)
    }
}

/// What runs on a schedule: the digests by name, then the scheduled webhooks by their
/// key (`webhook:NAME`, which no digest name can be), each with its schedule and zone.
fn scheduled(settings: &Settings) -> Vec<(String, Schedule, Tz)> {
    let digests = settings
        .digests
        .iter()
        .map(|d| (d.name.clone(), d.schedule.clone(), d.timezone));
    let webhooks = settings.webhooks.iter().filter_map(|w| match &w.timing {
        WebhookTiming::Schedule { schedule, timezone } => {
            Some((w.key(), schedule.clone(), *timezone))
        }
        WebhookTiming::Alert => None,
    });
    digests.chain(webhooks).collect()
}

/// When a digest is first due: at its next time after its last run (one missed while the
/// daemon was down runs at once, once). A digest that has never run: an interval one runs
/// after the first poll round (`None`), a calendar one at its first time from now.
fn first_due(
    schedule: &Schedule,
    tz: Tz,
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match (last, schedule) {
        (Some(last), _) => Some(schedule.next_after(last, tz)),
        (None, Schedule::Every(_)) => None,
        (None, _) => Some(schedule.next_after(now, tz)),
    }
}
