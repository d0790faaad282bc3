//! Feeds and their fetch state: the validators for conditional GET, when each feed is due,
//! and the outcome of its last poll, so that `newshound` can always say why a feed is quiet.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::items::{self, NewMatch};
use super::{Result, Store, from_unix, to_unix};
use crate::config::FeedSettings;
use crate::model::{Item, MatchRecord};

/// Row id of a feed.
pub type FeedId = i64;

/// What the next fetch of a feed needs to know from the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
}

/// How a poll of one feed ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// The server said 304, or sent the same bytes as last time. New validators, when it
    /// sent some, replace the old ones.
    NotModified {
        status: Option<u16>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// A body was parsed; its validators are kept for the next conditional request.
    Fetched {
        status: Option<u16>,
        etag: Option<String>,
        last_modified: Option<String>,
        body_hash: String,
    },
    Failed {
        status: Option<u16>,
        error: String,
    },
}

/// A feed as `newshound feeds` and `check` show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedStatus {
    pub id: FeedId,
    pub name: String,
    pub url: String,
    pub last_polled_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub next_due_at: Option<DateTime<Utc>>,
    pub items_seen: i64,
}

impl Store {
    /// Makes the feeds table agree with the configuration: feeds are keyed by URL, so a
    /// renamed feed keeps its state. Feeds no longer configured are left alone (their items
    /// and matches stay). Returns the ids in the order of `feeds`.
    pub fn sync_feeds(&mut self, feeds: &[FeedSettings]) -> Result<Vec<FeedId>> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(feeds.len());
        {
            let mut upsert = tx.prepare(
                "INSERT INTO feeds (url, name) VALUES (?1, ?2)
                 ON CONFLICT (url) DO UPDATE SET name = excluded.name
                 RETURNING id",
            )?;
            for feed in feeds {
                let id: FeedId =
                    upsert.query_row(params![feed.url.as_str(), feed.name], |r| r.get(0))?;
                ids.push(id);
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    pub fn fetch_state(&self, feed: FeedId) -> Result<FetchState> {
        let state = self
            .conn
            .query_row(
                "SELECT etag, last_modified, body_hash, next_due_at, consecutive_failures
                 FROM feeds WHERE id = ?1",
                [feed],
                |r| {
                    Ok(FetchState {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                        next_due_at: r.get::<_, Option<i64>>(3)?.map(from_unix),
                        consecutive_failures: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// Records one poll of `feed` in a single transaction: the new items, the matches
    /// found in them (`NewMatch::item` indexes `items`), and the feed's fetch state. Either
    /// all of it is stored or none, so a crash never leaves an item seen but unmatched.
    /// Returns the stored matches.
    pub fn record_poll(
        &mut self,
        feed: FeedId,
        outcome: &PollOutcome,
        items: &[Item],
        matches: &[NewMatch],
        now: DateTime<Utc>,
        next_due: DateTime<Utc>,
    ) -> Result<Vec<MatchRecord>> {
        let tx = self.conn.transaction()?;
        let item_ids = items::insert_items(&tx, feed, items, now)?;
        let match_ids = items::insert_matches(&tx, &item_ids, matches, now)?;
        let (now, next_due) = (to_unix(now), to_unix(next_due));
        match outcome {
            PollOutcome::NotModified {
                status,
                etag,
                last_modified,
            } => {
                tx.execute(
                    "UPDATE feeds SET last_polled_at = ?2, last_success_at = ?2,
                         last_status = ?3, consecutive_failures = 0, next_due_at = ?4,
                         etag = COALESCE(?5, etag), last_modified = COALESCE(?6, last_modified)
                     WHERE id = ?1",
                    params![feed, now, status, next_due, etag, last_modified],
                )?;
            }
            PollOutcome::Fetched {
                status,
                etag,
                last_modified,
                body_hash,
            } => {
                let added = item_ids.iter().flatten().count() as i64;
                tx.execute(
                    "UPDATE feeds SET last_polled_at = ?2, last_success_at = ?2,
                         last_status = ?3, consecutive_failures = 0, next_due_at = ?4,
                         etag = ?5, last_modified = ?6, body_hash = ?7,
                         items_seen = items_seen + ?8
                     WHERE id = ?1",
                    params![
                        feed,
                        now,
                        status,
                        next_due,
                        etag,
                        last_modified,
                        body_hash,
                        added
                    ],
                )?;
            }
            PollOutcome::Failed { status, error } => {
                tx.execute(
                    "UPDATE feeds SET last_polled_at = ?2, last_status = ?3,
                         last_error = ?4, last_error_at = ?2,
                         consecutive_failures = consecutive_failures + 1, next_due_at = ?5
                     WHERE id = ?1",
                    params![feed, now, status, error, next_due],
                )?;
            }
        }
        let records = items::load_matches(&tx, &match_ids)?;
        tx.commit()?;
        Ok(records)
    }

    /// Every feed the store knows, configured or not, by name.
    pub fn feed_statuses(&self) -> Result<Vec<FeedStatus>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, url, last_polled_at, last_success_at, last_status, last_error,
                    last_error_at, consecutive_failures, next_due_at, items_seen
             FROM feeds ORDER BY name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FeedStatus {
                id: r.get(0)?,
                name: r.get(1)?,
                url: r.get(2)?,
                last_polled_at: r.get::<_, Option<i64>>(3)?.map(from_unix),
                last_success_at: r.get::<_, Option<i64>>(4)?.map(from_unix),
                last_status: r.get(5)?,
                last_error: r.get(6)?,
                last_error_at: r.get::<_, Option<i64>>(7)?.map(from_unix),
                consecutive_failures: r.get(8)?,
                next_due_at: r.get::<_, Option<i64>>(9)?.map(from_unix),
                items_seen: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
