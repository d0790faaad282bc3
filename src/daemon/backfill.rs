//! A watchlist added to the config, or whose query or feeds changed, is matched against
//! the items first seen within its `backfill` window (default 24 h), so that a topic added
//! today brings today's coverage in the next digest rather than only what is published
//! from now on. The poll path matches everything polled from the reload on; this covers
//! what came before.
//!
//! Matches a changed query no longer finds are kept: what was sent stays sent, and the
//! store never removes a match. Items are read and matched in batches, each recorded in
//! one transaction; the definitions are recorded as done with the last batch, so a crash
//! midway repeats the backfill at the next start (a match is recorded once per item and
//! watchlist whatever happens).

use std::collections::HashMap;
use std::sync::Arc;

use super::Context;
use super::poll::to_chrono;
use crate::config::{FeedSelector, FeedSettings, WatchlistSettings};
use crate::store::{BackfillDone, BackfillMatch, FeedId, RecentItem};
use crate::watch::{Document, Source, Watcher};

/// Items read and matched at a time.
const BATCH: usize = 500;

/// What makes a watchlist the same one for the backfill: its query as written, the terms
/// of the lists it names, and the feeds it applies to.
pub(super) fn definition(w: &WatchlistSettings) -> String {
    let feeds: Vec<String> = w
        .feeds
        .iter()
        .map(|f| match f {
            FeedSelector::Name(name) => name.clone(),
            FeedSelector::Tag(tag) => format!("tag:{tag}"),
        })
        .collect();
    let mut definition = format!("{}\nfeeds: {}", w.query.source(), feeds.join(", "));
    // Text that older versions read as plain words (`missil*`, `a NEAR/5 b`) means
    // something else now, so it counts as changed; other queries keep the definition
    // they had, and are not matched again for nothing.
    if w.query.newer_syntax() {
        definition.push_str("\nsyntax: 2");
    }
    // A list is part of every query that names it: editing it changes them all.
    for (name, items) in w.query.lists() {
        let items = serde_json::to_string(items).unwrap_or_default();
        definition.push_str(&format!("\n@{name}: {items}"));
    }
    definition
}

/// Matches the new and changed watchlists of `ctx` against recent items. Returns how many
/// matches it recorded.
pub(super) async fn run(ctx: &Arc<Context>) -> anyhow::Result<usize> {
    let watchlists = &ctx.settings.watchlists;
    let configured: Vec<(String, String)> = watchlists
        .iter()
        .map(|w| (w.name.clone(), definition(w)))
        .collect();
    let names: Vec<String> = configured.iter().map(|(n, _)| n.clone()).collect();
    let stored = ctx.with_store(|s| s.watchlist_definitions()).await?;
    let todo: Vec<usize> = (0..watchlists.len())
        .filter(|i| stored.get(&configured[*i].0) != Some(&configured[*i].1))
        .collect();
    if todo.is_empty() && stored.keys().all(|name| names.contains(name)) {
        return Ok(0);
    }
    let done: Vec<(String, String)> = todo.iter().map(|i| configured[*i].clone()).collect();
    let now = ctx.clock.now();
    let matcher = Arc::new(Backfill::new(ctx, &todo, now));
    let since = matcher.since.iter().min().copied().unwrap_or(now);
    let mut after = None;
    let mut checked = 0;
    let mut recorded = 0;
    loop {
        let items = if todo.is_empty() {
            Vec::new()
        } else {
            ctx.with_store(move |s| s.recent_items(since, after, BATCH))
                .await?
        };
        let last_batch = items.len() < BATCH;
        after = items.last().map(|i| (i.first_seen_at, i.id));
        checked += items.len();
        let matcher = Arc::clone(&matcher);
        let found = tokio::task::spawn_blocking(move || matcher.find(&items)).await?;
        let finished = last_batch.then(|| BackfillDone {
            definitions: done.clone(),
            configured: names.clone(),
        });
        recorded += ctx
            .with_store(move |s| s.record_backfill(&found, finished.as_ref(), now))
            .await?;
        if last_batch {
            break;
        }
    }
    ctx.metrics.backfilled(recorded);
    if recorded > 0 {
        // So that a watchlist's feed shows them as stories at once, not after the next
        // poll.
        super::digests::group_recorded(ctx).await;
    }
    if !done.is_empty() {
        let which: Vec<&str> = done.iter().map(|(n, _)| n.as_str()).collect();
        tracing::info!(
            watchlists = %which.join(", "),
            items = checked,
            matches = recorded,
            "new or changed watchlists matched against recent items"
        );
    }
    Ok(recorded)
}

/// The watchlists to backfill, compiled, with what decides whether an item is theirs.
struct Backfill {
    watcher: Watcher,
    watchlists: Vec<WatchlistSettings>,
    /// The earliest first sighting each watchlist takes, in the order of `watchlists`.
    since: Vec<chrono::DateTime<chrono::Utc>>,
    feeds: HashMap<FeedId, FeedSettings>,
}

impl Backfill {
    fn new(ctx: &Context, todo: &[usize], now: chrono::DateTime<chrono::Utc>) -> Backfill {
        let watchlists: Vec<WatchlistSettings> = todo
            .iter()
            .map(|i| ctx.settings.watchlists[*i].clone())
            .collect();
        let queries: Vec<_> = watchlists.iter().map(|w| w.query.clone()).collect();
        Backfill {
            watcher: Watcher::new(&queries),
            since: watchlists
                .iter()
                .map(|w| now - to_chrono(w.backfill))
                .collect(),
            watchlists,
            feeds: ctx
                .feed_ids
                .iter()
                .copied()
                .zip(ctx.settings.feeds.iter().cloned())
                .collect(),
        }
    }

    fn find(&self, items: &[RecentItem]) -> Vec<BackfillMatch> {
        let mut found = Vec::new();
        for item in items {
            let feeds: Vec<&FeedSettings> = item
                .feeds
                .iter()
                .filter_map(|id| self.feeds.get(id))
                .collect();
            let sources: Vec<Source> = feeds.iter().map(|feed| feed.source()).collect();
            let doc = Document {
                title: &item.title,
                body: &item.body,
                link: item.link.as_deref().unwrap_or_default(),
                feeds: &sources,
            };
            for hit in self.watcher.match_item(&doc) {
                let watchlist = &self.watchlists[hit.watchlist];
                let in_scope = feeds.iter().any(|feed| watchlist.applies_to(feed));
                if in_scope && item.first_seen_at >= self.since[hit.watchlist] {
                    found.push(BackfillMatch {
                        item: item.id,
                        watchlist: watchlist.name.clone(),
                        matched_terms: hit.matched_terms,
                        snippet: hit.snippet,
                    });
                }
            }
        }
        found
    }
}
