//! Backfill of new and changed watchlists: which watchlist definitions have been matched
//! against recent items, the recent items to match, and the matches found, recorded like
//! those of a poll (once per item and watchlist, queued for story grouping).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::columns::body;
use super::items::{MatchRow, insert_match};
use super::{FeedId, Result, Store, from_unix, to_unix};
use crate::model::Snippet;

/// A stored item, as a backfill matches it.
#[derive(Debug, Clone)]
pub struct RecentItem {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
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

    /// This database's own random id (drawn when it was created), which the ids it hands
    /// out of the daemon carry.
    pub fn instance_id(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT id FROM instance", [], |r| r.get(0))?)
    }

    /// When watchlist `name`'s definition was last recorded, that is when it was new or
    /// last changed and backfilled; `None` before that.
    pub fn watchlist_changed_at(&self, name: &str) -> Result<Option<DateTime<Utc>>> {
        let at: Option<i64> = self
            .conn
            .query_row(
                "SELECT backfilled_at FROM watchlists WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        Ok(at.map(from_unix))
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
                    (SELECT json_group_array(s.feed_id) FROM sightings s WHERE s.item_id = i.id),
                    i.link
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
                    body: body(r, 2)?,
                    link: r.get(5)?,
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::model::Item;
    use crate::store::{FeedPoll, Location, PollOutcome, PollRecord};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 17, hour, 0, 0).unwrap()
    }

    fn item(n: u32) -> Item {
        Item {
            identity: format!("guid:{n}"),
            guid: Some(n.to_string()),
            link: Some(format!("https://wire.example/{n}")),
            title: format!("Report {n}"),
            body: format!("Text of report {n}."),
            published: None,
            has_content: false,
        }
    }

    fn hit(item: i64, watchlist: &str) -> BackfillMatch {
        BackfillMatch {
            item,
            watchlist: watchlist.into(),
            matched_terms: vec!["report".into()],
            snippet: Snippet::default(),
        }
    }

    #[test]
    fn a_backfill_reads_recent_items_in_order_records_matches_once_and_its_definitions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let feeds = store
            .sync_feeds(&[crate::store::tests::feed_settings(
                "wire",
                "https://wire.example/feed",
            )])
            .unwrap();
        for hour in [8, 9, 10] {
            let record = PollRecord {
                outcome: PollOutcome::Fetched {
                    status: Some(200),
                    etag: None,
                    last_modified: None,
                    body_hash: hour.to_string(),
                    refresh_hint: None,
                    listed: vec![item(hour).identity],
                },
                at: at(hour),
                next_due: at(hour + 1),
                interval: Duration::from_secs(3600),
                location: Location::default(),
            };
            store
                .record_poll(&FeedPoll {
                    feed: feeds[0],
                    record,
                    items: vec![item(hour)],
                    matches: Vec::new(),
                    edits: Vec::new(),
                    articles: Default::default(),
                })
                .unwrap();
        }

        // From 9:00 on, in batches of one, each batch after the last one read.
        let first = store.recent_items(at(9), None, 1).unwrap();
        assert_eq!(first[0].title, "Report 9");
        assert_eq!(first[0].feeds, feeds);
        let next = store
            .recent_items(at(9), Some((first[0].first_seen_at, first[0].id)), 1)
            .unwrap();
        assert_eq!(next[0].title, "Report 10");
        let last = store
            .recent_items(at(9), Some((next[0].first_seen_at, next[0].id)), 1)
            .unwrap();
        assert!(last.is_empty());

        // A match is recorded once; one for an item gone meanwhile (pruned) is skipped.
        let matches = [
            hit(first[0].id, "w"),
            hit(first[0].id, "w"),
            hit(9_999, "w"),
        ];
        assert_eq!(store.record_backfill(&matches, None, at(11)).unwrap(), 1);
        assert!(store.watchlist_definitions().unwrap().is_empty());

        // The last batch records what was backfilled and forgets watchlists gone.
        let done = |defs: &[(&str, &str)], configured: &[&str]| BackfillDone {
            definitions: defs
                .iter()
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .collect(),
            configured: configured.iter().map(|n| n.to_string()).collect(),
        };
        let finished = done(&[("w", "Report"), ("old", "x")], &["w", "old"]);
        store
            .record_backfill(&[hit(next[0].id, "w")], Some(&finished), at(11))
            .unwrap();
        assert_eq!(store.watchlist_definitions().unwrap().len(), 2);
        store
            .record_backfill(&[], Some(&done(&[], &["w"])), at(12))
            .unwrap();
        let definitions = store.watchlist_definitions().unwrap();
        assert_eq!(definitions.len(), 1);
        assert_eq!(definitions["w"], "Report");
        assert_eq!(
            store
                .matches_since(Some("w"), at(0))
                .unwrap()
                .iter()
                .map(|m| m.title.as_str())
                .collect::<Vec<_>>(),
            ["Report 9", "Report 10"]
        );
    }
}
