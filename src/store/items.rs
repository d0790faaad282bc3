//! Items seen in feeds and the matches found in them. Every (feed, identity) seen is a
//! sighting, and the primary key of `sightings` is what makes "new" mean new in a feed. A
//! new sighting of an article the store already holds (the same link, guid, or title and
//! text; see [`crate::dedup`]) joins that item instead of making another, and
//! `UNIQUE (item_id, watchlist)` is what makes a match, and so a mail, happen once.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

use super::columns::{self, json_column, outlets_of};
use super::{FeedId, Result, Store, from_unix, to_unix};
use crate::dedup::{Text, article_link, global_guid, title_key};
use crate::model::{Item, MatchRecord, Snippet};

/// How far apart in time two items with the same title may be and still be one article
/// (wire copy picked up late by a client). Where the text cannot tell, a tighter span
/// applies: a daily "Morning briefing" keeps its title.
const SAME_TITLE_SPAN: Duration = Duration::from_secs(7 * 24 * 3600);
const TITLE_ONLY_SPAN: Duration = Duration::from_secs(12 * 3600);
/// Stored items compared with a new one per key; the newest come first. Taken from the
/// rows rather than written as `LIMIT ?`: SQLite re-prepares a statement each time a
/// LIMIT parameter is bound, and these run for every new item.
const CANDIDATES: usize = 20;

/// How an item of a feed relates to what the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Not seen in this feed before (it may still turn out to be an article known from
    /// another feed when it is recorded).
    New,
    /// Seen in this feed before. `own_title` is the stored title when this feed is where the
    /// item was first seen: only there is a different title an edit, rather than another
    /// outlet's headline for the same article.
    Known {
        item: i64,
        own_title: Option<String>,
    },
}

/// A title edited in place in the feed where the item was first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retitle {
    pub item: i64,
    pub title: String,
}

/// A sighting recorded by a poll, and the item it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sighting {
    pub item: i64,
    /// Whether the item was created for it (else it is an article the store had).
    pub new_item: bool,
}

/// A match to record together with the poll that found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMatch {
    /// Index into the items recorded with it.
    pub item: usize,
    pub watchlist: String,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

pub(super) const MATCH_COLUMNS: &str = concat!(
    "m.id, m.watchlist, f.name, i.title, i.link, i.guid, i.published_at,
     m.matched_at, m.matched_terms, m.snippet, m.highlights, i.id, i.story_id, ",
    sighted_feeds!("i.id"),
    " FROM matches m JOIN items i ON i.id = m.item_id JOIN feeds f ON f.id = i.feed_id"
);

impl Store {
    /// For each of `items`, whether `feed` has had it before.
    pub fn seen_items(&self, feed: FeedId, items: &[Item]) -> Result<Vec<Seen>> {
        let mut seen = self.conn.prepare_cached(
            "SELECT s.item_id,
                    CASE WHEN i.feed_id = s.feed_id AND i.identity = s.identity THEN i.title END
             FROM sightings s JOIN items i ON i.id = s.item_id
             WHERE s.feed_id = ?1 AND s.identity = ?2",
        )?;
        items
            .iter()
            .map(|item| {
                let found = seen
                    .query_row(params![feed, item.identity], |r| {
                        Ok(Seen::Known {
                            item: r.get(0)?,
                            own_title: r.get(1)?,
                        })
                    })
                    .optional()?;
                Ok(found.unwrap_or(Seen::New))
            })
            .collect()
    }

    /// The matches with these ids, in that order.
    pub fn matches_by_id(&self, ids: &[i64]) -> Result<Vec<MatchRecord>> {
        load_matches(&self.conn, ids)
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

    /// The matches of `watchlist` recorded at or after `since` in the `stories` stories
    /// whose latest such match is newest (ties: the newer story), oldest first. Matches
    /// not grouped into a story yet are left out.
    pub fn recent_story_matches(
        &self,
        watchlist: &str,
        since: DateTime<Utc>,
        stories: usize,
    ) -> Result<Vec<MatchRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "WITH recent AS (
                 SELECT i.story_id AS story
                 FROM matches m JOIN items i ON i.id = m.item_id
                 WHERE m.watchlist = ?1 AND m.matched_at >= ?2 AND i.story_id IS NOT NULL
                 GROUP BY i.story_id
                 ORDER BY MAX(m.matched_at) DESC, i.story_id DESC
                 LIMIT ?3)
             SELECT {MATCH_COLUMNS}
             WHERE m.watchlist = ?1 AND m.matched_at >= ?2
               AND i.story_id IN (SELECT story FROM recent)
             ORDER BY m.matched_at, m.id"
        ))?;
        let limit = i64::try_from(stories).unwrap_or(i64::MAX);
        let rows = stmt.query_map(params![watchlist, to_unix(since), limit], read_match)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Records a sighting of each item in `feed`: of the article the store already holds
/// when it is one, else of a new item. `None` where the feed already had the item (also
/// within this same batch). The items at the indices `articles` have their article's text
/// as body, which is stored compressed.
pub(super) fn record_sightings(
    conn: &Connection,
    feed: FeedId,
    items: &[Item],
    articles: &[usize],
    now: DateTime<Utc>,
) -> Result<Vec<Option<Sighting>>> {
    let mut sighted = conn.prepare_cached(
        "INSERT INTO sightings (feed_id, identity, item_id, seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (feed_id, identity) DO NOTHING",
    )?;
    let mut known =
        conn.prepare_cached("SELECT 1 FROM sightings WHERE feed_id = ?1 AND identity = ?2")?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO items (feed_id, identity, guid, link, title, body, published_at,
                            first_seen_at, canonical_link, title_key, event_at, link_hash,
                            guid_hash, title_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let articles: HashSet<usize> = articles.iter().copied().collect();
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if known
            .query_row(params![feed, item.identity], |_| Ok(()))
            .optional()?
            .is_some()
        {
            out.push(None);
            continue;
        }
        let keys = Keys::of(item.link.as_deref(), item.guid.as_deref(), &item.title);
        let event_at = event_time(item.published, now);
        let sighting = match same_article(conn, item, &keys, event_at)? {
            Some(existing) => Sighting {
                item: existing,
                new_item: false,
            },
            None => {
                insert.execute(params![
                    feed,
                    item.identity,
                    item.guid,
                    item.link,
                    item.title,
                    columns::stored_body(&item.body, articles.contains(&index)),
                    item.published.map(to_unix),
                    to_unix(now),
                    keys.link,
                    keys.title,
                    to_unix(event_at),
                    keys.link.as_deref().map(key_hash),
                    keys.guid_hash(),
                    keys.title_hash()
                ])?;
                Sighting {
                    item: conn.last_insert_rowid(),
                    new_item: true,
                }
            }
        };
        sighted.execute(params![feed, item.identity, sighting.item, to_unix(now)])?;
        out.push(Some(sighting));
    }
    Ok(out)
}

/// When an item happened: its published date, unless that is later than when it was first
/// seen (a wrong clock, or an embargo date), else when it was first seen.
fn event_time(published: Option<DateTime<Utc>>, seen: DateTime<Utc>) -> DateTime<Utc> {
    published.filter(|p| *p <= seen).unwrap_or(seen)
}

/// The stored item that `item` is another sighting of, if any; see [`crate::dedup`].
fn same_article(
    conn: &Connection,
    item: &Item,
    keys: &Keys,
    event_at: DateTime<Utc>,
) -> Result<Option<i64>> {
    let title = keys.title.as_str();
    // Folding the text costs as much as matching it, and most items have no candidate at
    // all: fold it only when there is one to compare with.
    let folded = OnceCell::new();
    let text = || folded.get_or_init(|| Text::of(&item.body));
    let span = SAME_TITLE_SPAN.as_secs() as i64;
    let close = |at: i64| (at - to_unix(event_at)).abs() < TITLE_ONLY_SPAN.as_secs() as i64;
    // Agreement of title or text. Where one side has too little text to tell, the title
    // decides, and only between items close in time: "Morning briefing" on a fixed URL.
    let agrees = |stored_title: Option<&str>, stored_body: &str, at: i64| {
        let stored = Text::of(stored_body);
        text().near_identical(&stored)
            || (stored_title == Some(title)
                && !title.is_empty()
                && (!text().is_substantial() || !stored.is_substantial())
                && close(at))
    };
    if let Some(link) = keys.link.as_deref() {
        let found = first_candidate(
            conn,
            "SELECT id, title_key, body, event_at FROM items
             WHERE link_hash = ?1 AND canonical_link = ?2
             ORDER BY id DESC",
            params![key_hash(link), link],
            |stored_title, body, at| agrees(stored_title, body, at),
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    // A guid that a feed shares among its entries was made unique by the parser (and then
    // no longer is the identity): it names no article.
    let own_guid = keys
        .guid
        .filter(|g| global_guid(g) && item.identity == format!("guid:{g}"));
    if let Some(guid) = own_guid {
        // A guid that is its item's link is found under the link (see `Keys::guid_hash`).
        let as_link = keys.guid_link.as_deref();
        let found = first_candidate(
            conn,
            "SELECT id, title_key, body, event_at FROM items
             WHERE guid_hash = ?1 AND guid = ?2
             UNION ALL
             SELECT id, title_key, body, event_at FROM items
             WHERE link_hash = ?3 AND canonical_link = ?4 AND guid = ?2
             ORDER BY id DESC",
            params![key_hash(guid), guid, as_link.map(key_hash), as_link],
            |stored_title, body, at| stored_title == Some(title) || agrees(stored_title, body, at),
        )?;
        if found.is_some() {
            return Ok(found);
        }
    }
    let Some(hash) = keys.title_hash() else {
        return Ok(None);
    };
    let mut by_title = conn.prepare_cached(
        "SELECT id, title_key, body, event_at FROM items
         WHERE title_hash = ?1 AND event_at BETWEEN ?2 - ?3 AND ?2 + ?3 AND title_key = ?4
         ORDER BY id DESC",
    )?;
    let rows = by_title.query_map(params![hash, to_unix(event_at), span, title], candidate)?;
    for row in rows.take(CANDIDATES) {
        let (id, _, body, _) = row?;
        // Too little text to tell is never agreement (`near_identical` says no).
        if text().near_identical(&Text::of(&body)) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// A stored item compared with a new one: id, title key, text and time.
fn candidate(r: &Row) -> rusqlite::Result<(i64, Option<String>, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, columns::body(r, 2)?, r.get(3)?))
}

/// The first stored item selected by `sql` with `keys` (what [`candidate`] reads, newest
/// first) that `same` accepts.
fn first_candidate(
    conn: &Connection,
    sql: &str,
    keys: impl rusqlite::Params,
    same: impl Fn(Option<&str>, &str, i64) -> bool,
) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(keys, candidate)?;
    for row in rows.take(CANDIDATES) {
        let (id, stored_title, body, at) = row?;
        if same(stored_title.as_deref(), &body, at) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Inserts the matches of newly sighted items; returns the new match ids. An article seen
/// before in another feed is only matched by the watchlists that had not matched it yet
/// (those that apply to this feed and not to the other). A newly matched item joins the
/// queue for story grouping.
pub(super) fn insert_matches(
    conn: &Connection,
    sightings: &[Option<Sighting>],
    matches: &[NewMatch],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for m in matches {
        let Some(Some(Sighting { item: item_id, .. })) = sightings.get(m.item) else {
            continue; // the feed had the item already: it was matched back then
        };
        let row = MatchRow {
            item: *item_id,
            watchlist: &m.watchlist,
            matched_terms: &m.matched_terms,
            snippet: &m.snippet,
        };
        ids.extend(insert_match(conn, &row, now)?);
    }
    Ok(ids)
}

/// One match to insert, borrowed from whoever found it.
pub(super) struct MatchRow<'a> {
    pub item: i64,
    pub watchlist: &'a str,
    pub matched_terms: &'a [String],
    pub snippet: &'a Snippet,
}

/// Inserts a match unless the item has one of that watchlist already; returns its id
/// when it is new. A newly matched item joins the queue for story grouping.
pub(super) fn insert_match(
    conn: &Connection,
    m: &MatchRow,
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let mut insert = conn.prepare_cached(
        // An item read by a backfill may have been pruned since: then there is nothing
        // to match.
        "INSERT INTO matches (item_id, watchlist, matched_terms, snippet, highlights, matched_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM items WHERE id = ?1)
         ON CONFLICT (item_id, watchlist) DO NOTHING",
    )?;
    let mut queue = conn.prepare_cached(
        "INSERT INTO story_queue (item_id)
         SELECT id FROM items WHERE id = ?1 AND story_id IS NULL
         ON CONFLICT (item_id) DO NOTHING",
    )?;
    // Serialising a slice of strings or of ranges cannot fail.
    let terms = serde_json::to_string(m.matched_terms).unwrap_or_default();
    let highlights = serde_json::to_string(&m.snippet.highlights).unwrap_or_default();
    let changed = insert.execute(params![
        m.item,
        m.watchlist,
        terms,
        m.snippet.text,
        highlights,
        to_unix(now)
    ])?;
    if changed == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    queue.execute([m.item])?;
    Ok(Some(id))
}

/// Computes the article keys of the items stored before they existed, and the hashes
/// the lookups index (see `migrations/0009_items_key_hashes.sql`). SQL cannot compute
/// them, so the schema step that adds them runs this in its transaction.
pub(super) fn fill_article_keys(conn: &Connection) -> rusqlite::Result<()> {
    let mut stored = conn.prepare("SELECT id, link, guid, title FROM items")?;
    let rows = stored.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut fill = conn.prepare(
        "UPDATE items SET canonical_link = ?2, title_key = ?3, link_hash = ?4, guid_hash = ?5,
                          title_hash = ?6
         WHERE id = ?1",
    )?;
    for row in rows {
        let (id, link, guid, title) = row?;
        let keys = Keys::of(link.as_deref(), guid.as_deref(), &title);
        fill.execute(params![
            id,
            keys.link,
            keys.title,
            keys.link.as_deref().map(key_hash),
            keys.guid_hash(),
            keys.title_hash()
        ])?;
    }
    Ok(())
}

/// What finds an article again: its canonical link, its guid and its folded title.
struct Keys<'a> {
    link: Option<String>,
    guid: Option<&'a str>,
    /// The guid read as a link, when it is one.
    guid_link: Option<String>,
    title: String,
}

impl<'a> Keys<'a> {
    fn of(link: Option<&str>, guid: Option<&'a str>, title: &str) -> Keys<'a> {
        let link_key = link.and_then(article_link);
        // Most guids are the link itself: read it once.
        let guid_link = match guid {
            Some(guid) if Some(guid) == link => link_key.clone(),
            guid => guid.and_then(article_link),
        };
        Keys {
            link: link_key,
            guid,
            guid_link,
            title: title_key(title),
        }
    }

    /// A guid that is the item's link, as most are, is not indexed again: the guid
    /// lookup also looks for it under the link.
    fn guid_hash(&self) -> Option<i64> {
        let guid = self.guid?;
        (self.guid_link.is_none() || self.guid_link != self.link).then(|| key_hash(guid))
    }

    /// An empty title finds nothing: it is not indexed.
    fn title_hash(&self) -> Option<i64> {
        (!self.title.is_empty()).then(|| key_hash(&self.title))
    }
}

/// The 64-bit hash under which a key is indexed: the first eight bytes of its SHA-256, the
/// same in every version (it is stored), and not one a feed can aim collisions at.
pub(super) fn key_hash(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_le_bytes(first)
}

/// Applies titles edited in place.
pub(super) fn retitle(conn: &Connection, edits: &[Retitle]) -> Result<()> {
    let mut update = conn.prepare_cached(
        "UPDATE items SET title = ?2, title_key = ?3, title_hash = ?4 WHERE id = ?1",
    )?;
    for edit in edits {
        let keys = Keys::of(None, None, &edit.title);
        update.execute(params![
            edit.item,
            edit.title,
            keys.title,
            keys.title_hash()
        ])?;
    }
    Ok(())
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
    let feeds = outlets_of(&feed, json_column(r, 13)?);
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
