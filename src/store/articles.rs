//! The articles behind items' links: which items' bodies are their article's text, the
//! articles to fetch again (`article_retries`), and what became of each feed's articles
//! (`article_counts`). See `migrations/0010_articles.sql`.
//!
//! A poll writes what its articles came to with its items, in its own transaction
//! ([`record_notes`]); a retry writes the article, its matches and the end of the retry in
//! one transaction ([`Store::record_article_retry`]). So a crash between a fetch and its
//! record only means the fetch is made again, and a match is recorded once whatever
//! happens (`UNIQUE (item_id, watchlist)`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::columns::{body, stored_body};
use super::items::{MatchRow, Sighting, insert_match, key_hash};
use super::{FeedId, Result, Store, from_unix, to_unix};
use crate::model::Snippet;

/// How an article fetch (or the decision not to make one) ended, as counted per feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ArticleResult {
    Read,
    Failed,
    Skipped,
}

impl ArticleResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ArticleResult::Read => "read",
            ArticleResult::Failed => "failed",
            ArticleResult::Skipped => "skipped",
        }
    }
}

/// What the articles of one poll's new items came to, written with the poll.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleNotes {
    /// Items (indices into the poll's items) whose body is the text of their article.
    pub read: Vec<usize>,
    /// Items whose article is to be fetched again.
    pub retries: Vec<RetryLater>,
    /// How many articles ended each way, by kind (`""` for read): the feed's counts.
    pub tally: BTreeMap<(ArticleResult, String), u32>,
}

/// An article to fetch again, found by a poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryLater {
    /// Index into the poll's items.
    pub item: usize,
    pub url: String,
    pub kind: String,
    pub error: String,
    pub at: DateTime<Utc>,
}

/// An article due to be fetched again, with what matching its item needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueArticle {
    pub item: i64,
    /// The feed whose poll found it: its counts take the outcome.
    pub feed: FeedId,
    pub url: String,
    pub attempts: u32,
    pub title: String,
    /// The item's body: still the feed's text.
    pub body: String,
    /// Every feed the item was seen in: the watchlists of any of them apply.
    pub feeds: Vec<FeedId>,
}

/// What fetching a [`DueArticle`] again came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Retried {
    /// Read: `body` is the item's body from now on, and `matches` what the watchlists
    /// found in it.
    Read {
        body: String,
        matches: Vec<ArticleMatch>,
    },
    /// Failed again: tried once more at `next`, or given up on when `None`.
    Failed {
        kind: String,
        error: String,
        next: Option<DateTime<Utc>>,
    },
    /// Not an article after all (it became a PDF, say): nothing to retry.
    Skipped { kind: String },
    /// Not tried (its host asked for a pause): tried at `at` instead.
    Later { at: DateTime<Utc> },
}

/// A watchlist's match in the article of a stored item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleMatch {
    pub watchlist: String,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

/// A feed's articles, for `newshound feeds`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ArticleStatus {
    pub read: i64,
    /// Fetches that failed, by kind (`timeout`, `http`, `stub`, `slow`, …).
    pub failed: BTreeMap<String, i64>,
    /// Articles not fetched, by reason (`not html`, `backlog`, `known`, …).
    pub skipped: BTreeMap<String, i64>,
    /// Articles waiting to be fetched again, and those given up on.
    pub retrying: i64,
    pub given_up: i64,
}

impl ArticleStatus {
    /// Whether any article of the feed was fetched, skipped or is waiting.
    pub fn is_empty(&self) -> bool {
        *self == ArticleStatus::default()
    }
}

impl Store {
    /// For each of `links` (article keys, see [`crate::dedup::article_link`]) that an item
    /// in the store has read the article of, that article's text (the body of the newest
    /// such item).
    pub fn known_articles(&self, links: &[String]) -> Result<HashMap<String, String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT body FROM items
             WHERE link_hash = ?1 AND canonical_link = ?2 AND article_at IS NOT NULL
             ORDER BY id DESC LIMIT 1",
        )?;
        let mut known = HashMap::new();
        for link in links {
            let body = stmt
                .query_row(params![key_hash(link), link], |r| body(r, 0))
                .optional()?;
            if let Some(body) = body {
                known.insert(link.clone(), body);
            }
        }
        Ok(known)
    }

    /// Up to `limit` articles due to be fetched again at `now`, the longest due first.
    pub fn due_articles(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<DueArticle>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.item_id, r.feed_id, r.url, r.attempts, i.title, i.body,
                    (SELECT json_group_array(s.feed_id) FROM sightings s WHERE s.item_id = i.id)
             FROM article_retries r JOIN items i ON i.id = r.item_id
             WHERE r.given_up_at IS NULL AND r.next_attempt_at <= ?1
             ORDER BY r.next_attempt_at, r.item_id
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![to_unix(now), limit as i64], |r| {
            let feeds: String = r.get(6)?;
            Ok(DueArticle {
                item: r.get(0)?,
                feed: r.get(1)?,
                url: r.get(2)?,
                attempts: r.get(3)?,
                title: r.get(4)?,
                body: body(r, 5)?,
                feeds: serde_json::from_str(&feeds).unwrap_or_default(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// When the next article is due to be fetched again, if any is.
    pub fn next_article_retry(&self) -> Result<Option<DateTime<Utc>>> {
        let next: Option<i64> = self.conn.query_row(
            "SELECT MIN(next_attempt_at) FROM article_retries WHERE given_up_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(next.map(from_unix))
    }

    /// Records what fetching `due` again came to, in one transaction: a read article
    /// becomes the item's body and its new matches are recorded (queued for story
    /// grouping) and the retry ends; a failure is tried again or given up on. Returns the
    /// ids of the new matches.
    pub fn record_article_retry(
        &mut self,
        due: &DueArticle,
        retried: &Retried,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut ids = Vec::new();
        let (result, kind) = match retried {
            Retried::Read { body, matches } => {
                tx.execute(
                    "UPDATE items SET body = ?2, article_at = ?3 WHERE id = ?1",
                    params![due.item, stored_body(body, true), to_unix(now)],
                )?;
                for m in matches {
                    let row = MatchRow {
                        item: due.item,
                        watchlist: &m.watchlist,
                        matched_terms: &m.matched_terms,
                        snippet: &m.snippet,
                    };
                    ids.extend(insert_match(&tx, &row, now)?);
                }
                tx.execute("DELETE FROM article_retries WHERE item_id = ?1", [due.item])?;
                (ArticleResult::Read, "")
            }
            Retried::Failed { kind, error, next } => {
                tx.execute(
                    "UPDATE article_retries
                     SET attempts = attempts + 1, last_error_kind = ?2, last_error = ?3,
                         next_attempt_at = COALESCE(?4, next_attempt_at),
                         given_up_at = CASE WHEN ?4 IS NULL THEN ?5 END
                     WHERE item_id = ?1",
                    params![due.item, kind, error, next.map(to_unix), to_unix(now)],
                )?;
                (ArticleResult::Failed, kind.as_str())
            }
            Retried::Skipped { kind } => {
                tx.execute("DELETE FROM article_retries WHERE item_id = ?1", [due.item])?;
                (ArticleResult::Skipped, kind.as_str())
            }
            Retried::Later { at } => {
                tx.execute(
                    "UPDATE article_retries SET next_attempt_at = ?2 WHERE item_id = ?1",
                    params![due.item, to_unix(*at)],
                )?;
                tx.commit()?;
                return Ok(ids);
            }
        };
        count(&tx, due.feed, result, kind, 1)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Each feed's articles, by feed.
    pub(super) fn article_statuses(&self) -> Result<HashMap<FeedId, ArticleStatus>> {
        let mut statuses: HashMap<FeedId, ArticleStatus> = HashMap::new();
        let mut counts = self
            .conn
            .prepare("SELECT feed_id, result, kind, count FROM article_counts")?;
        let rows = counts.query_map([], |r| {
            Ok((
                r.get::<_, FeedId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (feed, result, kind, n) = row?;
            let status = statuses.entry(feed).or_default();
            match result.as_str() {
                "read" => status.read += n,
                "failed" => *status.failed.entry(kind).or_default() += n,
                _ => *status.skipped.entry(kind).or_default() += n,
            }
        }
        let mut retries = self.conn.prepare(
            "SELECT feed_id, COUNT(*) FILTER (WHERE given_up_at IS NULL),
                    COUNT(*) FILTER (WHERE given_up_at IS NOT NULL)
             FROM article_retries GROUP BY feed_id",
        )?;
        let rows = retries.query_map([], |r| {
            Ok((
                r.get::<_, FeedId>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (feed, retrying, given_up) = row?;
            let status = statuses.entry(feed).or_default();
            status.retrying = retrying;
            status.given_up = given_up;
        }
        Ok(statuses)
    }
}

/// Writes what a poll's articles came to (`notes`) for its recorded `sightings` of
/// `feed`: only an item the poll created takes an article or a retry; one the store had
/// keeps what it had.
pub(super) fn record_notes(
    conn: &Connection,
    feed: FeedId,
    sightings: &[Option<Sighting>],
    notes: &ArticleNotes,
    now: DateTime<Utc>,
) -> Result<()> {
    let created = |index: usize| match sightings.get(index) {
        Some(Some(Sighting {
            item,
            new_item: true,
        })) => Some(*item),
        _ => None,
    };
    if !notes.read.is_empty() {
        let mut read = conn.prepare_cached("UPDATE items SET article_at = ?2 WHERE id = ?1")?;
        for item in notes.read.iter().filter_map(|i| created(*i)) {
            read.execute(params![item, to_unix(now)])?;
        }
    }
    if !notes.retries.is_empty() {
        let mut retry = conn.prepare_cached(
            "INSERT INTO article_retries
                 (item_id, feed_id, url, attempts, next_attempt_at, last_error_kind, last_error)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)
             ON CONFLICT (item_id) DO NOTHING",
        )?;
        for later in &notes.retries {
            if let Some(item) = created(later.item) {
                retry.execute(params![
                    item,
                    feed,
                    later.url,
                    to_unix(later.at),
                    later.kind,
                    later.error
                ])?;
            }
        }
    }
    for ((result, kind), n) in &notes.tally {
        count(conn, feed, *result, kind, *n)?;
    }
    Ok(())
}

/// Adds `n` to `feed`'s count of articles that ended as `result` of `kind`.
fn count(conn: &Connection, feed: FeedId, result: ArticleResult, kind: &str, n: u32) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO article_counts (feed_id, result, kind, count) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (feed_id, result, kind) DO UPDATE SET count = count + excluded.count",
    )?
    .execute(params![feed, result.as_str(), kind, n])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::dedup::article_link;
    use crate::model::Item;
    use crate::store::tests::{feed_poll, feed_settings};
    use crate::store::{FeedPoll, Location, PollOutcome, PollRecord};

    fn at(day: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap() + chrono::Duration::days(day)
    }

    fn item(n: u32, body: &str) -> Item {
        Item {
            identity: format!("guid:{n}"),
            guid: Some(n.to_string()),
            link: Some(format!("https://wire.example/{n}")),
            title: format!("Report {n}"),
            body: body.to_string(),
            published: None,
            has_content: false,
        }
    }

    /// A poll of `feed` at `day` that lists `items`, all new.
    fn poll(feed: FeedId, day: i64, items: Vec<Item>, articles: ArticleNotes) -> FeedPoll {
        let record = PollRecord {
            outcome: PollOutcome::Fetched {
                status: Some(200),
                etag: None,
                last_modified: None,
                body_hash: day.to_string(),
                refresh_hint: None,
                listed: items.iter().map(|i| i.identity.clone()).collect(),
            },
            at: at(day),
            next_due: at(day),
            interval: Duration::from_secs(900),
            location: Location::default(),
        };
        FeedPoll {
            items,
            articles,
            ..feed_poll(feed, record)
        }
    }

    fn notes(read: &[usize], retry: &[usize]) -> ArticleNotes {
        let mut tally = BTreeMap::new();
        tally.insert((ArticleResult::Read, String::new()), read.len() as u32);
        tally.insert(
            (ArticleResult::Failed, "timeout".into()),
            retry.len() as u32,
        );
        tally.insert((ArticleResult::Skipped, "not html".into()), 1);
        ArticleNotes {
            read: read.to_vec(),
            retries: retry
                .iter()
                .map(|&item| RetryLater {
                    item,
                    url: format!("https://wire.example/{}", item + 1),
                    kind: "timeout".into(),
                    error: "timed out after 30s".into(),
                    at: at(0) + chrono::Duration::minutes(10),
                })
                .collect(),
            tally,
        }
    }

    #[test]
    fn a_poll_records_its_articles_and_a_retry_stores_the_article_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let feeds = store
            .sync_feeds(&[
                feed_settings("wire", "https://wire.example/feed"),
                feed_settings("client", "https://client.example/feed"),
            ])
            .unwrap();
        let article = "The whole article, which names the S-400 in its fourth paragraph.";
        let items = vec![item(1, article), item(2, "A teaser.")];
        assert!(!store.fetch_state(feeds[0]).unwrap().succeeded_before);
        store
            .record_poll(&poll(feeds[0], 0, items, notes(&[0], &[1])))
            .unwrap();
        assert!(store.fetch_state(feeds[0]).unwrap().succeeded_before);

        // The article read is found by its link's key; the teaser is not an article.
        let keys: Vec<String> = ["https://www.wire.example/1/", "https://wire.example/2"]
            .iter()
            .filter_map(|l| article_link(l))
            .collect();
        let known = store.known_articles(&keys).unwrap();
        assert_eq!(known.len(), 1, "{known:?}");
        assert_eq!(known[&keys[0]], article);
        // The article is stored compressed, the teaser as it is.
        let stored: Vec<String> = store
            .conn
            .prepare("SELECT typeof(body) FROM items ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(stored, ["blob", "text"]);

        // The failed one is due after its wait, with the feeds it was seen in.
        assert!(store.due_articles(at(0), 10).unwrap().is_empty());
        let next = store.next_article_retry().unwrap().unwrap();
        assert_eq!(next, at(0) + chrono::Duration::minutes(10));
        let due = store.due_articles(next, 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!((due[0].feed, due[0].attempts), (feeds[0], 1));
        assert_eq!(due[0].url, "https://wire.example/2");
        assert_eq!(
            (due[0].body.as_str(), due[0].feeds.clone()),
            ("A teaser.", vec![feeds[0]])
        );

        let read = Retried::Read {
            body: "The article of report 2, about the S-400.".into(),
            matches: vec![ArticleMatch {
                watchlist: "s400".into(),
                matched_terms: vec!["s-400".into()],
                snippet: Snippet::default(),
            }],
        };
        let ids = store.record_article_retry(&due[0], &read, next).unwrap();
        assert_eq!(ids.len(), 1);
        // Done again (a crash before the caller learnt it was done): nothing doubles.
        assert!(
            store
                .record_article_retry(&due[0], &read, next)
                .unwrap()
                .is_empty()
        );
        assert!(store.next_article_retry().unwrap().is_none());
        let matches = store.matches_since(None, at(-1)).unwrap();
        assert_eq!(matches.len(), 1);
        assert_eq!(matches[0].title, "Report 2");
        // Read back as text wherever items are read: here by a backfill.
        let recent = store.recent_items(at(-1), None, 10).unwrap();
        let bodies: Vec<&str> = recent.iter().map(|i| i.body.as_str()).collect();
        assert_eq!(
            bodies,
            [article, "The article of report 2, about the S-400."]
        );

        let status = &store.feed_statuses().unwrap()[1];
        assert_eq!(status.name, "wire");
        assert_eq!(status.articles.read, 1 + 2);
        assert_eq!(status.articles.failed["timeout"], 1);
        assert_eq!(status.articles.skipped["not html"], 1);
        assert_eq!((status.articles.retrying, status.articles.given_up), (0, 0));
        assert!(store.feed_statuses().unwrap()[0].articles.is_empty());
    }

    #[test]
    fn a_second_failure_gives_up_and_retention_takes_the_retry_with_its_item() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let feed = store
            .sync_feeds(&[feed_settings("wire", "https://wire.example/feed")])
            .unwrap()[0];
        store
            .record_poll(&poll(feed, 0, vec![item(1, "A teaser.")], notes(&[], &[0])))
            .unwrap();
        let due = store.due_articles(at(1), 10).unwrap();
        let failed = Retried::Failed {
            kind: "http".into(),
            error: "HTTP 404 Not Found".into(),
            next: None,
        };
        assert!(
            store
                .record_article_retry(&due[0], &failed, at(1))
                .unwrap()
                .is_empty()
        );
        assert!(store.due_articles(at(2), 10).unwrap().is_empty());
        let status = store.feed_statuses().unwrap().remove(0).articles;
        assert_eq!((status.retrying, status.given_up), (0, 1));
        assert_eq!(status.failed["http"], 1);

        // The feed stops listing the item; a month later it goes, retry and all.
        store
            .record_poll(&poll(feed, 1, Vec::new(), ArticleNotes::default()))
            .unwrap();
        let pruned = store
            .prune(
                Duration::from_secs(30 * 86_400),
                Duration::from_secs(365 * 86_400),
                &[],
                at(40),
            )
            .unwrap();
        assert_eq!(pruned.items, 1);
        let status = store.feed_statuses().unwrap().remove(0).articles;
        assert_eq!(status.given_up, 0);
    }
}
