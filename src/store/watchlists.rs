//! Backfill of new and changed watchlists: which watchlist definitions have been matched
//! against recent items, the recent items to match, and the matches found, recorded like
//! those of a poll (once per item and watchlist, queued for story grouping).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::items::{MatchRow, insert_match};
use super::{FeedId, Result, Store, from_unix, to_unix};
use crate::model::Snippet;

/// A stored item, as a backfill matches it.
#[derive(Debug, Clone)]
pub struct RecentItem {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub first_seen_at: DateTime<Utc>,
    /// The feeds it was seen in: a watchlist limited to some feeds matches it only if
    /// one of them is among those.
    pub feeds: Vec<FeedId>,
}

/// A match found by a backfill.
#[derive(Debug, Clone)]
pub struct BackfillMatch {
    pub item: i64,
    pub watchlist: String,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

/// The end of a backfill: the definitions it matched, and every configured watchlist.
#[derive(Debug, Clone)]
pub struct BackfillDone {
    pub definitions: Vec<(String, String)>,
    pub configured: Vec<String>,
}

impl Store {
    /// The definition of each watchlist as last backfilled, by name.
    pub fn watchlist_definitions(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, definition FROM watchlists")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Up to `limit` items first seen at or after `since`, in the order they were first
    /// seen, starting after `after` (the `(first_seen_at, id)` of the last item of the
    /// previous batch).
    pub fn recent_items(
        &self,
        since: DateTime<Utc>,
        after: Option<(DateTime<Utc>, i64)>,
        limit: usize,
    ) -> Result<Vec<RecentItem>> {
        let (after_time, after_id) = after.map_or((to_unix(since), 0), |(t, id)| (to_unix(t), id));
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.title, i.body, i.first_seen_at,
                    (SELECT json_group_array(s.feed_id) FROM sightings s WHERE s.item_id = i.id)
             FROM items i
             WHERE i.first_seen_at >= ?1 AND (i.first_seen_at, i.id) > (?2, ?3)
             ORDER BY i.first_seen_at, i.id
             LIMIT ?4",
        )?;
        let rows = stmt.query_map(
            params![to_unix(since), after_time, after_id, limit as i64],
            |r| {
                let feeds: String = r.get(4)?;
                Ok(RecentItem {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    body: r.get(2)?,
                    first_seen_at: from_unix(r.get(3)?),
                    feeds: serde_json::from_str(&feeds).unwrap_or_default(),
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records the matches of one backfill batch in one transaction; returns how many were
    /// new. With `finished`, the backfill is over: those definitions are recorded as done,
    /// and the definitions of watchlists not in `configured` are forgotten (one added
    /// again later is backfilled again).
    pub fn record_backfill(
        &mut self,
        matches: &[BackfillMatch],
        finished: Option<&BackfillDone>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut new = 0;
        for m in matches {
            let row = MatchRow {
                item: m.item,
                watchlist: &m.watchlist,
                matched_terms: &m.matched_terms,
                snippet: &m.snippet,
            };
            new += usize::from(insert_match(&tx, &row, now)?.is_some());
        }
        if let Some(BackfillDone {
            definitions: done,
            configured,
        }) = finished
        {
            let mut upsert = tx.prepare(
                "INSERT INTO watchlists (name, definition, backfilled_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE
                 SET definition = excluded.definition, backfilled_at = excluded.backfilled_at",
            )?;
            for (name, definition) in done {
                upsert.execute(params![name, definition, to_unix(now)])?;
            }
            drop(upsert);
            tx.execute(
                "DELETE FROM watchlists WHERE name NOT IN (SELECT value FROM json_each(?1))",
                [serde_json::to_string(configured).unwrap_or_default()],
            )?;
        }
        tx.commit()?;
        Ok(new)
    }
}
