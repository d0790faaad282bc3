//! Retention: deleting what is old, in bounded batches, and giving the space back to the
//! file system, so that the database of a daemon left running for years stays small.
//!
//! The rules, in the order a demanding user would put them:
//! - Never re-send something old. "New" means not seen in that feed before (a row of
//!   `sightings`), so nothing a feed still lists is pruned: a poll that parses a feed's
//!   body marks what it listed ([`mark_listed`], migration 0006), and an item is only old
//!   once every feed it was seen in has stopped listing it, counted from the last time one
//!   did. An item is pruned whole (its sightings, matches, queue entry), never one
//!   sighting of it, so the feeds it appeared in stay known for as long as it is kept.
//!   A feed that fails, or is no longer configured, is taken to list what it listed last:
//!   at most one body's worth of items per feed is kept that way.
//! - Never lose something unsent. A matched item is not pruned while a match of it is in
//!   a pending message, or is owed to a recipient: of a watchlist their digest covers,
//!   recorded since they receive it, and not covered by any message to them (the same
//!   test as [`Store::unsent_matches`]).
//! - Items nothing matched go after `retain_items`; matched items, their matches and the
//!   sent or refused messages that covered them after `retain_matches`, and not while a
//!   message kept (pending, or younger than that) covers them. A message goes once it is
//!   older than `retain_matches` and none of its matches is left, so a match that is kept
//!   stays covered and is not sent again. A story goes when no item is left in it.
//! - An article a feed stops listing and lists again after it was pruned is new again;
//!   after `retain_items` for one nothing matched, after `retain_matches` for one that was
//!   matched (and sent).
//!
//! Each batch is one short transaction, so the daemon's polls (and other processes) write
//! in between; [`Pruning`] carries the cursor from one batch to the next.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::site_lines::prune_site_lines;
use super::{Result, Store, to_unix};
use crate::config::{DigestSettings, WebhookSettings};

/// Rows examined for deletion in one transaction.
const BATCH: usize = 500;

/// What a prune deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    pub items: usize,
    pub sightings: usize,
    pub matches: usize,
    pub messages: usize,
    pub stories: usize,
}

impl Pruned {
    pub fn is_empty(&self) -> bool {
        *self == Pruned::default()
    }
}

/// The tables a prune goes through, in this order: items first, since a message or a
/// story can only go once the items it holds are gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Items,
    Messages,
    Stories,
    Done,
}

/// A prune under way: its cut-off times, where it has got to, and what it has deleted.
#[derive(Debug, Clone)]
pub struct Pruning {
    /// Unmatched items last listed before this are deleted (Unix seconds).
    items_before: i64,
    /// Matched items last listed, and messages sent, before this are deleted.
    matches_before: i64,
    /// JSON `[[digest, watchlist], …]`: which watchlists each digest (and each webhook, by
    /// its key) covers.
    coverage: String,
    stage: Stage,
    /// The last row id dealt with in the current stage.
    after: i64,
    batch: usize,
    pub pruned: Pruned,
}

impl Pruning {
    /// A prune at `now` for the configured `digests` (who is owed which matches).
    pub fn new(
        retain_items: Duration,
        retain_matches: Duration,
        digests: &[DigestSettings],
        now: DateTime<Utc>,
    ) -> Pruning {
        let before = |keep: Duration| {
            to_unix(now).saturating_sub(i64::try_from(keep.as_secs()).unwrap_or(i64::MAX))
        };
        let pairs: Vec<(&str, &str)> = digests
            .iter()
            .flat_map(|d| d.watchlists.iter().map(|w| (d.name.as_str(), w.as_str())))
            .collect();
        Pruning {
            items_before: before(retain_items),
            matches_before: before(retain_matches),
            coverage: serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into()),
            stage: Stage::Items,
            after: 0,
            batch: BATCH,
            pruned: Pruned::default(),
        }
    }

    /// The same prune, keeping also what `webhooks` are owed.
    pub fn with_webhooks(mut self, webhooks: &[WebhookSettings]) -> Pruning {
        let mut pairs: Vec<(String, String)> =
            serde_json::from_str(&self.coverage).unwrap_or_default();
        for webhook in webhooks {
            for watchlist in &webhook.watchlists {
                pairs.push((webhook.key(), watchlist.clone()));
            }
        }
        self.coverage = serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into());
        self
    }

    pub fn is_done(&self) -> bool {
        self.stage == Stage::Done
    }

    /// The next stage once a batch found fewer rows than it could take.
    fn next_stage(&mut self, found: &[i64]) {
        if found.len() < self.batch {
            self.stage = match self.stage {
                Stage::Items => Stage::Messages,
                Stage::Messages => Stage::Stories,
                Stage::Stories | Stage::Done => Stage::Done,
            };
            self.after = 0;
        } else if let Some(last) = found.last() {
            self.after = *last;
        }
    }
}

/// Items that may go, after row `?1`: unmatched ones last listed before `?2`, matched ones
/// last listed before `?3` that no kept message covers and no recipient is owed (`?4`:
/// the coverage). At most `?5`.
const PRUNABLE_ITEMS: &str = "
    WITH candidates AS (
        SELECT i.id, i.first_seen_at,
               EXISTS (SELECT 1 FROM matches m WHERE m.item_id = i.id) AS matched
        FROM items i
        WHERE i.id > ?1 AND i.first_seen_at < MAX(?2, ?3)
    )
    SELECT c.id FROM candidates c
    WHERE c.first_seen_at < CASE WHEN c.matched THEN ?3 ELSE ?2 END
      -- Still listed by a feed, or listed since the cut-off.
      AND NOT EXISTS (
          SELECT 1 FROM sightings s JOIN feeds f ON f.id = s.feed_id
          WHERE s.item_id = c.id
            AND (f.listed_at IS NULL OR s.last_seen_at >= f.listed_at
                 OR s.last_seen_at >= CASE WHEN c.matched THEN ?3 ELSE ?2 END))
      -- In a message still pending, or sent recently.
      AND NOT (c.matched AND EXISTS (
          SELECT 1 FROM matches m
          JOIN outbox_matches om ON om.match_id = m.id
          JOIN outbox o ON o.id = om.outbox_id
          WHERE m.item_id = c.id
            AND (o.state = 'pending' OR COALESCE(o.sent_at, o.created_at) >= ?3)))
      -- Owed to a recipient: as in `unsent_matches`.
      AND NOT (c.matched AND EXISTS (
          SELECT 1 FROM matches m
          JOIN json_each(?4) cov ON json_extract(cov.value, '$[1]') = m.watchlist
          JOIN recipients r ON r.digest = json_extract(cov.value, '$[0]')
          WHERE m.item_id = c.id AND m.matched_at >= r.since
            AND NOT EXISTS (
                SELECT 1 FROM matches sent
                JOIN outbox_matches om ON om.match_id = sent.id
                JOIN outbox o ON o.id = om.outbox_id
                WHERE sent.item_id = m.item_id AND +o.recipient = r.address)))
    ORDER BY c.id
    LIMIT ?5";

impl Store {
    /// Prunes everything retention allows at `now` (see the module's rules), batch after
    /// batch, then gives the freed pages back to the file system. The daemon goes batch by
    /// batch itself ([`Store::prune_batch`]) so that its polls get the store in between.
    pub fn prune(
        &mut self,
        retain_items: Duration,
        retain_matches: Duration,
        digests: &[DigestSettings],
        now: DateTime<Utc>,
    ) -> Result<Pruned> {
        let mut pruning = Pruning::new(retain_items, retain_matches, digests, now);
        while !pruning.is_done() {
            self.prune_batch(&mut pruning)?;
        }
        if !pruning.pruned.is_empty() {
            let mut free = u64::MAX;
            loop {
                let left = self.reclaim_space(10_000)?;
                // No progress: auto-vacuum is off (it is turned on at open).
                if left == 0 || left >= free {
                    break;
                }
                free = left;
            }
        }
        Ok(pruning.pruned)
    }

    /// One batch of `pruning`, in one transaction.
    pub fn prune_batch(&mut self, pruning: &mut Pruning) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let limit = pruning.batch as i64;
        let found = match pruning.stage {
            Stage::Items => {
                let ids = select_ids(
                    &tx,
                    PRUNABLE_ITEMS,
                    params![
                        pruning.after,
                        pruning.items_before,
                        pruning.matches_before,
                        pruning.coverage,
                        limit
                    ],
                )?;
                delete_items(&tx, &ids, &mut pruning.pruned)?;
                ids
            }
            Stage::Messages => {
                let ids = select_ids(
                    &tx,
                    "SELECT o.id FROM outbox o
                     WHERE o.id > ?1 AND o.state <> 'pending'
                       AND COALESCE(o.sent_at, o.created_at) < ?2
                       AND NOT EXISTS (SELECT 1 FROM outbox_matches om WHERE om.outbox_id = o.id)
                     ORDER BY o.id LIMIT ?3",
                    params![pruning.after, pruning.matches_before, limit],
                )?;
                pruning.pruned.messages += tx.execute(
                    "DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?1))",
                    [json(&ids)],
                )?;
                ids
            }
            Stage::Stories => {
                let ids = select_ids(
                    &tx,
                    "SELECT s.id FROM stories s
                     WHERE s.id > ?1 AND NOT EXISTS (SELECT 1 FROM items i WHERE i.story_id = s.id)
                     ORDER BY s.id LIMIT ?2",
                    params![pruning.after, limit],
                )?;
                pruning.pruned.stories += tx.execute(
                    "DELETE FROM stories WHERE id IN (SELECT value FROM json_each(?1))",
                    [json(&ids)],
                )?;
                if ids.len() < pruning.batch {
                    // The last batch: the site furniture not seen since unmatched items
                    // went goes with them.
                    prune_site_lines(&tx, pruning.items_before)?;
                }
                ids
            }
            Stage::Done => Vec::new(),
        };
        tx.commit()?;
        if pruning.stage == Stage::Stories && !found.is_empty() {
            // The grouping index may hold a story just deleted: rebuilt when next needed.
            self.stories = None;
        }
        pruning.next_stage(&found);
        Ok(())
    }

    /// Gives up to `pages` free pages back to the file system; returns how many are still
    /// free. When none are, the write-ahead log is checkpointed and truncated, so that the
    /// file itself shrinks.
    pub fn reclaim_space(&mut self, pages: u32) -> Result<u64> {
        self.conn
            .execute_batch(&format!("PRAGMA incremental_vacuum({pages})"))?;
        let free: i64 = self
            .conn
            .pragma_query_value(None, "freelist_count", |r| r.get(0))?;
        if free == 0 {
            // Returns a row saying whether it could finish (a reader may hold the log);
            // the next checkpoint finishes it if not.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(free.max(0) as u64)
    }
}

impl Store {
    /// Pages in the database, free ones included: its size, whatever the log holds.
    pub fn page_count(&self) -> Result<u64> {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |r| r.get(0))?;
        Ok(pages.max(0) as u64)
    }
}

/// Turns on incremental auto-vacuum, which lets [`Store::reclaim_space`] return free pages
/// to the file system. A new database gets it before its first table; an existing one (made
/// before this) needs a `VACUUM`, once, which rewrites the file and so takes as long as
/// copying it.
pub(super) fn incremental_vacuum_on(conn: &Connection) -> Result<()> {
    const INCREMENTAL: i64 = 2;
    let mode: i64 = conn.pragma_query_value(None, "auto_vacuum", |r| r.get(0))?;
    if mode == INCREMENTAL {
        return Ok(());
    }
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    // The one-time rewrite needs free disk about the size of the database. Without it
    // (disk full, or another process busy with the file) the database works as before,
    // only without giving space back, and the next open tries again.
    if pages > 0
        && let Err(e) = conn.execute_batch("VACUUM")
    {
        tracing::warn!(error = %e, "cannot turn on incremental vacuum yet; will try at the next start");
    }
    Ok(())
}

/// Records that a poll parsed `feed`'s body at `at` and found `listed` (item identities) in
/// it: those sightings are still listed, the feed's others are not. Called in the poll's
/// transaction, after its new sightings are inserted; one statement for all the items.
pub(super) fn mark_listed(
    tx: &Connection,
    feed: super::FeedId,
    listed: &[String],
    at: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE sightings SET last_seen_at = ?2
         WHERE feed_id = ?1 AND identity IN (SELECT value FROM json_each(?3))",
        params![feed, to_unix(at), json(listed)],
    )?;
    tx.execute(
        "UPDATE feeds SET listed_at = ?2 WHERE id = ?1",
        params![feed, to_unix(at)],
    )?;
    Ok(())
}

fn select_ids(tx: &Transaction, sql: &str, params: impl rusqlite::Params) -> Result<Vec<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    let ids = stmt.query_map(params, |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// Deletes items `ids` with every row that depends on them.
fn delete_items(tx: &Transaction, ids: &[i64], pruned: &mut Pruned) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let ids = json(ids);
    const ITEMS: &str = "(SELECT value FROM json_each(?1))";
    tx.execute(
        &format!(
            "DELETE FROM outbox_matches
             WHERE match_id IN (SELECT id FROM matches WHERE item_id IN {ITEMS})"
        ),
        [&ids],
    )?;
    pruned.matches += tx.execute(
        &format!("DELETE FROM matches WHERE item_id IN {ITEMS}"),
        [&ids],
    )?;
    tx.execute(
        &format!("DELETE FROM story_queue WHERE item_id IN {ITEMS}"),
        [&ids],
    )?;
    tx.execute(
        &format!("DELETE FROM article_retries WHERE item_id IN {ITEMS}"),
        [&ids],
    )?;
    pruned.sightings += tx.execute(
        &format!("DELETE FROM sightings WHERE item_id IN {ITEMS}"),
        [&ids],
    )?;
    pruned.items += tx.execute(&format!("DELETE FROM items WHERE id IN {ITEMS}"), [&ids])?;
    Ok(())
}

fn json<T: serde::Serialize>(values: &[T]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests;
