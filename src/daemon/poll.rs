//! Polling one feed, top to bottom: load its fetch state → conditional request → not
//! modified? stop → same bytes as last time? stop → parse (on the blocking pool) → keep
//! the items not seen before → match them → store items, matches and the new fetch state
//! in one transaction. Any failure is recorded on the feed and logged with its name and
//! URL; it never escapes to the caller.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::Context;
use crate::config::{FeedSettings, Settings};
use crate::feed::fetch::{Fetched, Fetcher, Validators};
use crate::feed::{parse, redacted};
use crate::model::{Item, MatchRecord};
use crate::store::{NewMatch, PollOutcome};

/// Longest wait between retries of a failing feed.
const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// What one poll of one feed did.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed: String,
    pub url: String,
    pub outcome: Result<Polled, String>,
    pub next_due: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct Polled {
    pub not_modified: bool,
    pub items: usize,
    pub new_items: usize,
    pub matches: Vec<MatchRecord>,
}

/// Polls the feed at `index` of the settings. Never fails: problems end up in the report
/// and in the feed's row.
pub(super) async fn poll_feed(ctx: &Arc<Context>, fetcher: &Fetcher, index: usize) -> FeedReport {
    let feed = &ctx.settings.feeds[index];
    let (outcome, next_due) = match poll_and_record(ctx, fetcher, index).await {
        Ok(done) => done,
        Err(e) => {
            // Only the store can fail here; the feed keeps its schedule.
            let next_due = Utc::now() + jittered(feed.interval);
            (Err(format!("{e:#}")), next_due)
        }
    };
    match &outcome {
        Ok(polled) if polled.not_modified => {
            tracing::debug!(feed = %feed.name, url = %redacted(&feed.url), "not modified")
        }
        Ok(polled) => tracing::info!(
            feed = %feed.name,
            items = polled.items,
            new = polled.new_items,
            matches = polled.matches.len(),
            "polled"
        ),
        Err(error) => {
            tracing::warn!(feed = %feed.name, url = %redacted(&feed.url), %error, "poll failed")
        }
    }
    FeedReport {
        feed: feed.name.clone(),
        url: redacted(&feed.url),
        outcome,
        next_due,
    }
}

type Recorded = (Result<Polled, String>, DateTime<Utc>);

async fn poll_and_record(
    ctx: &Arc<Context>,
    fetcher: &Fetcher,
    index: usize,
) -> anyhow::Result<Recorded> {
    let feed = &ctx.settings.feeds[index];
    let feed_id = ctx.feed_ids[index];
    let now = Utc::now();
    let state = ctx.with_store(move |s| s.fetch_state(feed_id)).await?;
    let validators = Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };

    let (outcome, items) = match fetcher.fetch(&feed.url, &validators).await {
        Err(e) => (failed(e.status(), e.to_string()), Vec::new()),
        Ok(Fetched::NotModified {
            status, validators, ..
        }) => (not_modified(Some(status), validators), Vec::new()),
        Ok(Fetched::Body {
            status,
            bytes,
            validators,
            content_type,
            ..
        }) => {
            let body_hash = sha256_hex(&bytes);
            if state.body_hash.as_deref() == Some(body_hash.as_str()) {
                // The server ignores conditional requests but sent the same bytes.
                (not_modified(status, validators), Vec::new())
            } else {
                let url = feed.url.clone();
                match tokio::task::spawn_blocking(move || {
                    parse::parse_response(&bytes, &url, content_type.as_deref())
                })
                .await?
                {
                    Err(e) => (failed(status, e.to_string()), Vec::new()),
                    Ok(parsed) => (
                        PollOutcome::Fetched {
                            status,
                            etag: validators.etag,
                            last_modified: validators.last_modified,
                            body_hash,
                        },
                        parsed.items,
                    ),
                }
            }
        }
    };

    // Keep the items this feed has not had before, and match only those.
    let total = items.len();
    let (items, unseen) = ctx
        .with_store(move |s| {
            s.unseen_items(feed_id, &items)
                .map(|unseen| (items, unseen))
        })
        .await?;
    let fresh: Vec<Item> = items
        .into_iter()
        .zip(unseen)
        .filter_map(|(item, unseen)| unseen.then_some(item))
        .collect();
    let matcher = Arc::clone(ctx);
    let (fresh, matches) = tokio::task::spawn_blocking(move || {
        let matches = match_items(&matcher, index, &fresh);
        (fresh, matches)
    })
    .await?;

    let next_due = now
        + match &outcome {
            PollOutcome::Failed { .. } => backoff(feed.interval, state.consecutive_failures + 1),
            _ => jittered(feed.interval),
        };
    let new_items = fresh.len();
    let recorded_outcome = outcome.clone();
    let matches = ctx
        .with_store(move |s| {
            s.record_poll(feed_id, &recorded_outcome, &fresh, &matches, now, next_due)
        })
        .await?;

    let result = match outcome {
        PollOutcome::Failed { error, .. } => Err(error),
        PollOutcome::NotModified { .. } => Ok(Polled {
            not_modified: true,
            ..Polled::default()
        }),
        PollOutcome::Fetched { .. } => Ok(Polled {
            not_modified: false,
            items: total,
            new_items,
            matches,
        }),
    };
    Ok((result, next_due))
}

fn failed(status: Option<u16>, error: String) -> PollOutcome {
    PollOutcome::Failed { status, error }
}

fn not_modified(status: Option<u16>, validators: Validators) -> PollOutcome {
    PollOutcome::NotModified {
        status,
        etag: validators.etag,
        last_modified: validators.last_modified,
    }
}

/// Runs the watchlists that apply to this feed over its new items.
fn match_items(ctx: &Context, feed_index: usize, items: &[Item]) -> Vec<NewMatch> {
    let wanted = &ctx.watchlists_of_feed[feed_index];
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut matches = Vec::new();
    for (item_index, item) in items.iter().enumerate() {
        for hit in ctx.watcher.match_document(&item.title, &item.body) {
            if wanted.contains(&hit.watchlist) {
                matches.push(NewMatch {
                    item: item_index,
                    watchlist: ctx.settings.watchlists[hit.watchlist].name.clone(),
                    matched_terms: hit.matched_terms,
                    snippet: hit.snippet,
                });
            }
        }
    }
    matches
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The interval, plus or minus up to 10%, so that feeds with the same interval spread out
/// instead of firing in the same second.
fn jittered(interval: Duration) -> chrono::Duration {
    let factor = 0.9 + fastrand::f64() * 0.2;
    chrono::Duration::from_std(interval.mul_f64(factor)).unwrap_or(chrono::Duration::hours(1))
}

/// After `failures` failures in a row: the interval doubled per failure (with jitter), at
/// most `MAX_BACKOFF` but never less than the interval itself.
fn backoff(interval: Duration, failures: u32) -> chrono::Duration {
    let doubled = interval.saturating_mul(1 << failures.saturating_sub(1).min(16));
    let capped = doubled.min(MAX_BACKOFF.max(interval));
    jittered(capped)
}

/// One pass over the feeds (all, or the one named), concurrently within the configured
/// limit. Digests are not sent. Used by `newshound poll --once`.
pub async fn poll_once(settings: Settings, only: Option<&str>) -> anyhow::Result<Vec<FeedReport>> {
    let selected: Vec<usize> = match only {
        None => (0..settings.feeds.len()).collect(),
        Some(name) => {
            let index = settings
                .feeds
                .iter()
                .position(|f: &FeedSettings| f.name == name)
                .ok_or_else(|| anyhow::anyhow!("no feed is named `{name}`"))?;
            vec![index]
        }
    };
    let fetcher = Fetcher::new(&settings.polling)?;
    let permits = Arc::new(Semaphore::new(settings.polling.concurrency));
    let ctx = Context::open(settings).await?;
    let mut tasks = tokio::task::JoinSet::new();
    for index in selected {
        let (ctx, fetcher, permits) = (Arc::clone(&ctx), fetcher.clone(), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            (index, poll_feed(&ctx, &fetcher, index).await)
        });
    }
    let mut reports = Vec::new();
    while let Some(done) = tasks.join_next().await {
        reports.push(done?);
    }
    reports.sort_by_key(|(index, _)| *index);
    Ok(reports.into_iter().map(|(_, report)| report).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_ten_percent() {
        for _ in 0..1000 {
            let d = jittered(Duration::from_secs(1000)).num_seconds();
            assert!((900..=1100).contains(&d), "{d}");
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let minute = Duration::from_secs(60);
        let secs = |failures| backoff(minute, failures).num_seconds();
        assert!((54..=66).contains(&secs(1)));
        assert!((216..=264).contains(&secs(3)));
        assert!(secs(40) <= 6 * 3600 * 11 / 10);
        // A feed polled every 12 h is not retried less often than that.
        let slow = backoff(Duration::from_secs(12 * 3600), 1).num_seconds();
        assert!(slow >= 12 * 3600 * 9 / 10);
    }
}
