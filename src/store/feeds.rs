//! Feeds and their fetch state: the validators for conditional GET, when each feed is due,
//! and the outcome of its last poll, so that `newshound` can always say why a feed is quiet.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::articles::{self, ArticleNotes, ArticleStatus};
use super::items::{self, NewMatch, Retitle};
use super::retention;
use super::{Result, Store, from_unix, to_unix};
use crate::config::FeedSettings;
use crate::model::Item;

/// Row id of a feed.
pub type FeedId = i64;

/// What the next poll of a feed needs to know from the earlier ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchState {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body_hash: Option<String>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    /// The adaptive interval reached so far; `None` before the first poll.
    pub interval: Option<Duration>,
    /// The feed's own `<ttl>` or `sy:updatePeriod`, from the last body parsed.
    pub refresh_hint: Option<Duration>,
    pub failing_since: Option<DateTime<Utc>>,
    pub location: Location,
    /// Whether a poll of the feed has ever succeeded: until one has, a poll is its first
    /// and brings its backlog.
    pub succeeded_before: bool,
}

/// Where a feed is polled, and what its permanent redirects say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    /// The URL polled instead of the configured one, after a permanent redirect held.
    pub fetch_url: Option<String>,
    /// Where the last responses permanently redirected to, and since when.
    pub moved_to: Option<String>,
    pub moved_since: Option<DateTime<Utc>>,
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
        refresh_hint: Option<Duration>,
        /// The identities of every item the body listed: what the feed still carries is
        /// not pruned (see [`super::retention`]).
        listed: Vec<String>,
    },
    Failed {
        status: Option<u16>,
        /// A short label: `timeout`, `dns`, `http`, `not a feed`, `malformed`, …
        kind: String,
        error: String,
    },
}

/// One poll as it is written to the feed's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollRecord {
    pub outcome: PollOutcome,
    pub at: DateTime<Utc>,
    pub next_due: DateTime<Utc>,
    /// The adaptive interval after this poll.
    pub interval: Duration,
    pub location: Location,
}

/// A feed as `newshound feeds` and the digest footer show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeedStatus {
    pub id: FeedId,
    pub name: String,
    pub url: String,
    pub polls: i64,
    pub last_polled_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_new_item_at: Option<DateTime<Utc>>,
    pub last_status: Option<u16>,
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub failing_since: Option<DateTime<Utc>>,
    pub gone_since: Option<DateTime<Utc>>,
    pub next_due_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "seconds")]
    pub interval: Option<Duration>,
    pub items_seen: i64,
    #[serde(flatten)]
    pub location: Location,
    pub articles: ArticleStatus,
}

impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("fetch_url", &self.fetch_url)?;
        map.serialize_entry("moved_to", &self.moved_to)?;
        map.serialize_entry("moved_since", &self.moved_since)?;
        map.end()
    }
}

fn seconds<S: serde::Serializer>(
    d: &Option<Duration>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_some(&d.map(|d| d.as_secs()))
}

fn secs(n: i64) -> Duration {
    Duration::from_secs(n.max(0) as u64)
}

/// What a reader of `newshound feeds` should make of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    NeverPolled,
    Ok,
    /// Failing, but not yet for long.
    Erroring,
    /// Failing for longer than `failing_after`; still polled, at the backoff cap.
    Failing,
    /// The server said 410 Gone; still polled, in case it comes back.
    Gone,
}

impl Condition {
    pub fn label(self) -> &'static str {
        match self {
            Condition::NeverPolled => "new",
            Condition::Ok => "ok",
            Condition::Erroring => "erroring",
            Condition::Failing => "failing",
            Condition::Gone => "gone",
        }
    }
}

impl FeedStatus {
    pub fn condition(&self, now: DateTime<Utc>, failing_after: Duration) -> Condition {
        let failing_after =
            chrono::Duration::from_std(failing_after).unwrap_or(chrono::Duration::MAX);
        if self.gone_since.is_some() {
            Condition::Gone
        } else if let Some(since) = self.failing_since {
            if now - since >= failing_after {
                Condition::Failing
            } else {
                Condition::Erroring
            }
        } else if self.last_polled_at.is_none() {
            Condition::NeverPolled
        } else {
            Condition::Ok
        }
    }
}

impl Store {
    /// Makes the feeds table agree with the configuration: feeds are keyed by URL, so a
    /// renamed feed keeps its state. Feeds no longer configured are left alone (their items
    /// and matches stay). Returns the ids in the order of `feeds`.
    pub fn sync_feeds(&mut self, feeds: &[FeedSettings]) -> Result<Vec<FeedId>> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(feeds.len());
        {
            // A feed whose config now names the URL it moved to (as `newshound feeds`
            // advised) keeps its row: its items, validators and history.
            let mut take_over = tx.prepare(
                "UPDATE feeds SET url = ?1, fetch_url = NULL
                 WHERE fetch_url = ?1 AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = ?1)",
            )?;
            for feed in feeds {
                take_over.execute([feed.url.as_str()])?;
            }
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
                "SELECT etag, last_modified, body_hash, next_due_at, consecutive_failures,
                        interval_secs, refresh_hint_secs, failing_since,
                        fetch_url, moved_to, moved_since, last_success_at IS NOT NULL
                 FROM feeds WHERE id = ?1",
                [feed],
                |r| {
                    Ok(FetchState {
                        etag: r.get(0)?,
                        last_modified: r.get(1)?,
                        body_hash: r.get(2)?,
                        next_due_at: r.get::<_, Option<i64>>(3)?.map(from_unix),
                        consecutive_failures: r.get(4)?,
                        interval: r.get::<_, Option<i64>>(5)?.map(secs),
                        refresh_hint: r.get::<_, Option<i64>>(6)?.map(secs),
                        failing_since: r.get::<_, Option<i64>>(7)?.map(from_unix),
                        location: Location {
                            fetch_url: r.get(8)?,
                            moved_to: r.get(9)?,
                            moved_since: r.get::<_, Option<i64>>(10)?.map(from_unix),
                        },
                        succeeded_before: r.get(11)?,
                    })
                },
            )
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// Records one poll in a single transaction: the sightings of the items new to the feed
    /// (and the new items among them), the matches found in them, the titles edited in
    /// place, and the feed's fetch state. Either all of it is stored or none, so a crash
    /// never leaves an item seen but unmatched. Returns the ids of the new matches.
    pub fn record_poll(&mut self, poll: &FeedPoll) -> Result<Vec<i64>> {
        self.record_polls(std::slice::from_ref(poll))?
            .pop()
            .expect("one result per poll")
    }

    /// Records the polls of several feeds in one transaction, each as [`Store::record_poll`]
    /// would, and returns each one's result. A poll that fails to record is rolled back
    /// alone (a savepoint each) and the others stand; an error of the transaction itself
    /// fails them all.
    ///
    /// One transaction for many feeds is what makes a first poll of thousands of feeds
    /// cheap: every commit writes each page it touched to the log once more, and the
    /// index pages that new items land on are spread over the whole index.
    pub fn record_polls(&mut self, polls: &[FeedPoll]) -> Result<Vec<Result<Vec<i64>>>> {
        // Immediate: it reads (is this article known?) before it writes, and another
        // process may write in between.
        let mut tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(polls.len());
        for poll in polls {
            let savepoint = tx.savepoint()?;
            match record_one(&savepoint, poll) {
                Ok(ids) => {
                    savepoint.commit()?;
                    results.push(Ok(ids));
                }
                Err(e) => {
                    // Dropping the savepoint rolls this poll back. Some errors (disk
                    // full, I/O) make SQLite cancel the whole transaction: then every
                    // poll of the batch is undone, and the next savepoint would start
                    // a transaction of its own.
                    drop(savepoint);
                    if tx.is_autocommit() {
                        return Err(e);
                    }
                    results.push(Err(e));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }

    /// Every feed the store knows, configured or not, by name.
    pub fn feed_statuses(&self) -> Result<Vec<FeedStatus>> {
        let mut articles = self.article_statuses()?;
        let mut stmt = self.conn.prepare(
            "SELECT id, name, url, polls, last_polled_at, last_success_at, last_new_item_at,
                    last_status, last_error_kind, last_error, last_error_at,
                    consecutive_failures, failing_since, gone_since, next_due_at,
                    interval_secs, items_seen, fetch_url, moved_to, moved_since
             FROM feeds ORDER BY name",
        )?;
        let time = |r: &rusqlite::Row, i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
            Ok(r.get::<_, Option<i64>>(i)?.map(from_unix))
        };
        let rows = stmt.query_map([], |r| {
            Ok(FeedStatus {
                id: r.get(0)?,
                name: r.get(1)?,
                url: r.get(2)?,
                polls: r.get(3)?,
                last_polled_at: time(r, 4)?,
                last_success_at: time(r, 5)?,
                last_new_item_at: time(r, 6)?,
                last_status: r.get(7)?,
                last_error_kind: r.get(8)?,
                last_error: r.get(9)?,
                last_error_at: time(r, 10)?,
                consecutive_failures: r.get(11)?,
                failing_since: time(r, 12)?,
                gone_since: time(r, 13)?,
                next_due_at: time(r, 14)?,
                interval: r.get::<_, Option<i64>>(15)?.map(secs),
                items_seen: r.get(16)?,
                location: Location {
                    fetch_url: r.get(17)?,
                    moved_to: r.get(18)?,
                    moved_since: time(r, 19)?,
                },
                articles: ArticleStatus::default(),
            })
        })?;
        let mut statuses: Vec<FeedStatus> = rows.collect::<rusqlite::Result<_>>()?;
        for status in &mut statuses {
            status.articles = articles.remove(&status.id).unwrap_or_default();
        }
        Ok(statuses)
    }
}

/// One feed's poll, ready to be written ([`Store::record_poll`]): the feed's row after it,
/// the items new to the feed, the matches found in them (`NewMatch::item` indexes
/// `items`), the titles edited in place, and what the items' articles came to.
#[derive(Debug, Clone)]
pub struct FeedPoll {
    pub feed: FeedId,
    pub record: PollRecord,
    pub items: Vec<Item>,
    pub matches: Vec<NewMatch>,
    pub edits: Vec<Retitle>,
    pub articles: ArticleNotes,
}

fn record_one(tx: &rusqlite::Connection, poll: &FeedPoll) -> Result<Vec<i64>> {
    let FeedPoll {
        feed,
        record,
        items,
        matches,
        edits,
        articles,
    } = poll;
    let feed = *feed;
    let sightings = items::record_sightings(tx, feed, items, &articles.read, record.at)?;
    let match_ids = items::insert_matches(tx, &sightings, matches, record.at)?;
    articles::record_notes(tx, feed, &sightings, articles, record.at)?;
    items::retitle(tx, edits)?;
    let now = to_unix(record.at);
    tx.execute(
        "UPDATE feeds SET last_polled_at = ?2, next_due_at = ?3, interval_secs = ?4,
             fetch_url = ?5, moved_to = ?6, moved_since = ?7, polls = polls + 1
         WHERE id = ?1",
        params![
            feed,
            now,
            to_unix(record.next_due),
            record.interval.as_secs() as i64,
            record.location.fetch_url,
            record.location.moved_to,
            record.location.moved_since.map(to_unix),
        ],
    )?;
    const SUCCEEDED: &str = "last_success_at = ?2, last_status = ?3, consecutive_failures = 0,
             failing_since = NULL, gone_since = NULL";
    match &record.outcome {
        PollOutcome::NotModified {
            status,
            etag,
            last_modified,
        } => {
            tx.execute(
                &format!(
                    "UPDATE feeds SET {SUCCEEDED},
                         etag = COALESCE(?4, etag), last_modified = COALESCE(?5, last_modified)
                     WHERE id = ?1"
                ),
                params![feed, now, status, etag, last_modified],
            )?;
        }
        PollOutcome::Fetched {
            status,
            etag,
            last_modified,
            body_hash,
            refresh_hint,
            listed,
        } => {
            retention::mark_listed(tx, feed, listed, record.at)?;
            let added = sightings.iter().flatten().count() as i64;
            tx.execute(
                &format!(
                    "UPDATE feeds SET {SUCCEEDED},
                         etag = ?4, last_modified = ?5, body_hash = ?6,
                         items_seen = items_seen + ?7, refresh_hint_secs = ?8,
                         last_new_item_at = CASE WHEN ?7 > 0 THEN ?2 ELSE last_new_item_at END
                     WHERE id = ?1"
                ),
                params![
                    feed,
                    now,
                    status,
                    etag,
                    last_modified,
                    body_hash,
                    added,
                    refresh_hint.map(|d| d.as_secs() as i64)
                ],
            )?;
        }
        PollOutcome::Failed {
            status,
            kind,
            error,
        } => {
            tx.execute(
                "UPDATE feeds SET last_status = ?3, last_error_kind = ?4, last_error = ?5,
                     last_error_at = ?2, consecutive_failures = consecutive_failures + 1,
                     failing_since = COALESCE(failing_since, ?2),
                     gone_since = CASE WHEN ?3 = 410 THEN COALESCE(gone_since, ?2)
                                       ELSE gone_since END
                 WHERE id = ?1",
                params![feed, now, status, kind, error],
            )?;
        }
    }
    Ok(match_ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::feed_poll;

    fn feed(url: &str) -> FeedSettings {
        crate::store::tests::feed_settings("wire", url)
    }

    /// A user who follows the advice to put a moved feed's new URL in the config keeps
    /// the feed's history: its seen items are not alerted on again.
    #[test]
    fn a_config_naming_the_url_a_feed_moved_to_keeps_its_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let old = store
            .sync_feeds(&[feed("https://old.example/feed")])
            .unwrap()[0];
        let now = Utc::now();
        let record = PollRecord {
            outcome: PollOutcome::NotModified {
                status: Some(304),
                etag: None,
                last_modified: None,
            },
            at: now,
            next_due: now,
            interval: Duration::from_secs(900),
            location: Location {
                fetch_url: Some("https://new.example/feed".into()),
                moved_to: None,
                moved_since: None,
            },
        };
        store.record_poll(&feed_poll(old, record)).unwrap();

        let new = store
            .sync_feeds(&[feed("https://new.example/feed")])
            .unwrap()[0];
        assert_eq!(new, old);
        let statuses = store.feed_statuses().unwrap();
        assert_eq!(statuses.len(), 1);
        assert_eq!(statuses[0].url, "https://new.example/feed");
        assert_eq!(statuses[0].location.fetch_url, None);
        assert_eq!(statuses[0].polls, 1);
    }

    /// A poll at `now` with `outcome`, due again at once.
    fn polled_at(now: DateTime<Utc>, outcome: PollOutcome) -> PollRecord {
        PollRecord {
            outcome,
            at: now,
            next_due: now,
            interval: Duration::from_secs(900),
            location: Location::default(),
        }
    }

    /// How many polls each feed has had, in order of name.
    fn polls_of_each(store: &Store) -> Vec<i64> {
        store
            .feed_statuses()
            .unwrap()
            .iter()
            .map(|f| f.polls)
            .collect()
    }

    /// A store with feeds a, b and c, where updating b's row raises `raise` (the
    /// arguments of SQLite's RAISE).
    fn three_feeds_the_second_refused(dir: &std::path::Path, raise: &str) -> (Store, Vec<FeedId>) {
        let mut store = Store::open(&dir.join("n.db")).unwrap();
        let ids = store
            .sync_feeds(&[
                crate::store::tests::feed_settings("a", "https://a.example/feed"),
                crate::store::tests::feed_settings("b", "https://b.example/feed"),
                crate::store::tests::feed_settings("c", "https://c.example/feed"),
            ])
            .unwrap();
        store
            .conn
            .execute_batch(&format!(
                "CREATE TEMP TRIGGER refuse BEFORE UPDATE ON feeds WHEN NEW.id = {}
                 BEGIN SELECT RAISE({raise}); END",
                ids[1]
            ))
            .unwrap();
        (store, ids)
    }

    /// A batch of polls where one fails after writing its item and match (the database
    /// refuses its feed's update): that one is undone alone, and the polls before and
    /// after it are stored whole.
    #[test]
    fn a_poll_that_cannot_be_stored_fails_alone_in_its_batch() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, ids) = three_feeds_the_second_refused(dir.path(), "ABORT, 'refused'");
        let now = Utc::now();
        let record = polled_at(
            now,
            PollOutcome::Fetched {
                status: Some(200),
                etag: None,
                last_modified: None,
                body_hash: "x".into(),
                refresh_hint: None,
                listed: Vec::new(),
            },
        );
        let item = |n: u32| Item {
            identity: format!("guid:{n}"),
            guid: Some(format!("tag:wire.example,2026:{n}")),
            link: Some(format!("https://wire.example/{n}")),
            title: format!("Report {n}"),
            body: format!("Text of report {n}."),
            published: None,
            has_content: false,
        };
        let items = [vec![item(1)], vec![item(2)], vec![item(3)]];
        let matched = [NewMatch {
            item: 0,
            watchlist: "reports".into(),
            matched_terms: vec!["report".into()],
            snippet: Default::default(),
        }];
        let polls: Vec<FeedPoll> = ids
            .iter()
            .zip(&items)
            .map(|(&feed, items)| FeedPoll {
                items: items.clone(),
                matches: matched.to_vec(),
                ..feed_poll(feed, record.clone())
            })
            .collect();

        let results = store.record_polls(&polls).unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().map(Vec::len).ok(), Some(1));
        assert!(results[1].is_err(), "{:?}", results[1]);
        assert_eq!(results[2].as_ref().map(Vec::len).ok(), Some(1));

        let stored: Vec<String> = store
            .matches_since(None, now - chrono::Duration::hours(1))
            .unwrap()
            .into_iter()
            .map(|m| m.title)
            .collect();
        assert_eq!(stored, ["Report 1", "Report 3"]);
        let seen = store.seen_items(ids[1], &items[1]).unwrap();
        assert_eq!(
            seen,
            [crate::store::Seen::New],
            "the refused poll left its item"
        );
        assert_eq!(polls_of_each(&store), [1, 0, 1]);
    }

    /// An error that makes SQLite cancel the whole transaction (here a trigger's
    /// ROLLBACK; in life a full disk) fails the batch as a whole: no poll of it is stored,
    /// not even those after the failure, and every one reports the error.
    #[test]
    fn a_batch_whose_transaction_is_cancelled_stores_none_of_its_polls() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, ids) = three_feeds_the_second_refused(dir.path(), "ROLLBACK, 'cancelled'");
        let now = Utc::now();
        let record = polled_at(
            now,
            PollOutcome::NotModified {
                status: Some(304),
                etag: None,
                last_modified: None,
            },
        );
        let polls: Vec<FeedPoll> = ids
            .iter()
            .map(|&feed| feed_poll(feed, record.clone()))
            .collect();

        let error = store.record_polls(&polls).unwrap_err();
        assert!(error.to_string().contains("cancelled"), "{error}");
        assert_eq!(polls_of_each(&store), [0, 0, 0]);
        assert!(store.conn.is_autocommit(), "no transaction is left open");
    }
}
