//! Items seen in feeds and the matches found in them. An item is stored once per feed under
//! its identity; `UNIQUE (feed_id, identity)` is what makes "new" mean new, and
//! `UNIQUE (item_id, watchlist)` what makes a match happen once.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{FeedId, Result, Store, from_unix, to_unix};
use crate::model::{Item, MatchRecord, Snippet};

/// A match to record together with the poll that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatch {
    /// Index into the items recorded with it.
    pub item: usize,
    pub watchlist: String,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

pub(super) const MATCH_COLUMNS: &str =
    "m.id, m.watchlist, f.name, i.title, i.link, i.guid, i.published_at,
     m.matched_at, m.matched_terms, m.snippet, m.highlights, i.id, i.story_id,
     (SELECT json_group_array(name) FROM (
         SELECT sf.name FROM sightings s JOIN feeds sf ON sf.id = s.feed_id
         WHERE s.item_id = i.id ORDER BY s.seen_at, sf.id))
     FROM matches m JOIN items i ON i.id = m.item_id JOIN feeds f ON f.id = i.feed_id";

impl Store {
    /// For each of `items`, whether the store has not seen it in `feed` yet.
    pub fn unseen_items(&self, feed: FeedId, items: &[Item]) -> Result<Vec<bool>> {
        let mut seen = self
            .conn
            .prepare_cached("SELECT 1 FROM items WHERE feed_id = ?1 AND identity = ?2")?;
        items
            .iter()
            .map(|item| {
                let found = seen
                    .query_row(params![feed, item.identity], |_| Ok(()))
                    .optional()?;
                Ok(found.is_none())
            })
            .collect()
    }

    /// Matches recorded at or after `since`, oldest first, optionally of one watchlist.
    pub fn matches_since(
        &self,
        watchlist: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<Vec<MatchRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {MATCH_COLUMNS}
             WHERE m.matched_at >= ?1 AND (?2 IS NULL OR m.watchlist = ?2)
             ORDER BY m.matched_at, m.id"
        ))?;
        let rows = stmt.query_map(params![to_unix(since), watchlist], read_match)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Inserts the items not stored yet; returns each item's new row id, or `None` where the
/// feed already had an item with that identity (also within this same batch).
pub(super) fn insert_items(
    conn: &Connection,
    feed: FeedId,
    items: &[Item],
    now: DateTime<Utc>,
) -> Result<Vec<Option<i64>>> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO items (feed_id, identity, guid, link, title, body, published_at, first_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (feed_id, identity) DO NOTHING",
    )?;
    let now = to_unix(now);
    items
        .iter()
        .map(|item| {
            let changed = insert.execute(params![
                feed,
                item.identity,
                item.guid,
                item.link,
                item.title,
                item.body,
                item.published.map(to_unix),
                now
            ])?;
            Ok((changed == 1).then(|| conn.last_insert_rowid()))
        })
        .collect()
}

/// Inserts matches of freshly inserted items; returns the new match ids.
pub(super) fn insert_matches(
    conn: &Connection,
    item_ids: &[Option<i64>],
    matches: &[NewMatch],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO matches (item_id, watchlist, matched_terms, snippet, highlights, matched_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (item_id, watchlist) DO NOTHING",
    )?;
    let mut ids = Vec::new();
    for m in matches {
        let Some(Some(item_id)) = item_ids.get(m.item) else {
            continue; // the item was already stored: it was matched back then
        };
        // Serialising a Vec of strings or of ranges cannot fail.
        let terms = serde_json::to_string(&m.matched_terms).unwrap_or_default();
        let highlights = serde_json::to_string(&m.snippet.highlights).unwrap_or_default();
        let changed = insert.execute(params![
            item_id,
            m.watchlist,
            terms,
            m.snippet.text,
            highlights,
            to_unix(now)
        ])?;
        if changed == 1 {
            ids.push(conn.last_insert_rowid());
        }
    }
    Ok(ids)
}

pub(super) fn load_matches(conn: &Connection, ids: &[i64]) -> Result<Vec<MatchRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {MATCH_COLUMNS} WHERE m.id = ?1"))?;
    ids.iter()
        .map(|id| Ok(stmt.query_row([id], read_match)?))
        .collect()
}

/// Reads one row selected with `MATCH_COLUMNS`. The JSON columns are our own writing; if
/// one does not parse, the row is reported as a conversion error rather than half-read.
pub(super) fn read_match(r: &Row) -> rusqlite::Result<MatchRecord> {
    let feed: String = r.get(2)?;
    // The first sighting's feed leads; a feed seen twice (two identities) counts once.
    let mut feeds = vec![feed.clone()];
    for seen in json_column::<Vec<String>>(r, 13)? {
        if !feeds.contains(&seen) {
            feeds.push(seen);
        }
    }
    Ok(MatchRecord {
        id: r.get(0)?,
        item: r.get(11)?,
        story: r.get(12)?,
        watchlist: r.get(1)?,
        feed,
        feeds,
        title: r.get(3)?,
        link: r.get(4)?,
        guid: r.get(5)?,
        published: r.get::<_, Option<i64>>(6)?.map(from_unix),
        matched_at: from_unix(r.get(7)?),
        matched_terms: json_column(r, 8)?,
        snippet: Snippet {
            text: r.get(9)?,
            highlights: json_column(r, 10)?,
        },
    })
}

fn json_column<T: serde::de::DeserializeOwned>(r: &Row, index: usize) -> rusqlite::Result<T> {
    let text: String = r.get(index)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, Box::new(e))
    })
}
