//! Stories: grouping the matched items waiting in `story_queue`, and reading stories back
//! for the `stories` command and the digest's follow-ups.
//!
//! The grouping itself is [`crate::story`]'s; it needs the term vectors of the stories
//! active in the window, which the store keeps in memory beside the connection and
//! rebuilds from the tables when it is first needed (or after a failed write, so that it
//! never holds a story the tables do not). The queue is written with the matches, in the
//! poll's transaction, and emptied in the grouping's, so a crash between the two leaves
//! the items queued rather than ungrouped for good.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};

use super::columns::{body, json_column, outlets_of};
use super::{Result, Store, from_unix, to_unix};
use crate::model::{EarlierCoverage, Story, StoryItem};
use crate::story::{Features, StoryId, StoryIndex};

/// When the index is rebuilt, document frequencies are learnt from the grouped items of
/// this long before the window, at most `LEARN_ITEMS` of them (the newest).
const LEARN_SPAN: Duration = Duration::from_secs(14 * 24 * 3600);
const LEARN_ITEMS: i64 = 20_000;
/// Queued items grouped between two prunings of the index.
const PRUNE_EVERY: usize = 500;

/// The stories active in the window, as of the newest story row they know of.
pub(super) struct CachedIndex {
    window: Duration,
    index: StoryIndex,
    newest: Option<i64>,
}

impl Store {
    /// Groups the matched items waiting in the queue into stories, oldest first, in one
    /// transaction. Returns how many items were grouped.
    pub fn group_stories(&mut self, window: Duration, now: DateTime<Utc>) -> Result<usize> {
        // Another process (`newshound digest send`) may have grouped items since the index
        // was built; then it lacks their stories, and is rebuilt.
        let newest: Option<i64> = self
            .conn
            .query_row("SELECT MAX(id) FROM stories", [], |r| r.get(0))?;
        let mut cached = match self.stories.take() {
            Some(cached) if cached.window == window && cached.newest == newest => cached,
            _ => CachedIndex {
                window,
                index: rebuild_index(&self.conn, window)?,
                newest,
            },
        };
        // On an error the index is dropped: it may hold stories the rollback removed.
        let (grouped, newest) = group_queued(&mut self.conn, &mut cached.index, now)?;
        cached.newest = cached.newest.max(newest);
        self.stories = Some(cached);
        Ok(grouped)
    }

    /// Stories with an item at or after `since` (by item time), newest first, with their
    /// items; with `watchlist`, only the stories and items it matched.
    pub fn stories(&self, watchlist: Option<&str>, since: DateTime<Utc>) -> Result<Vec<Story>> {
        let mut items = self.conn.prepare(concat!(
            "SELECT i.story_id, i.id, i.title, i.link, i.guid, f.name, i.event_at, ",
            sighted_feeds!("i.id"),
            ", (SELECT json_group_array(watchlist) FROM (
                        SELECT watchlist FROM matches WHERE item_id = i.id ORDER BY id))
             FROM stories st
             JOIN items i ON i.story_id = st.id
             JOIN feeds f ON f.id = i.feed_id
             WHERE st.last_at >= ?1
               AND (?2 IS NULL OR EXISTS (
                   SELECT 1 FROM matches m WHERE m.item_id = i.id AND m.watchlist = ?2))
             ORDER BY i.event_at, i.id",
        ))?;
        let rows = items.query_map(params![to_unix(since), watchlist], |r| {
            let feed: String = r.get(5)?;
            let feeds = outlets_of(&feed, json_column(r, 7)?);
            Ok((
                r.get::<_, i64>(0)?,
                StoryItem {
                    item_id: r.get(1)?,
                    title: r.get(2)?,
                    link: r.get(3)?,
                    guid: r.get(4)?,
                    feed,
                    feeds,
                    time: from_unix(r.get(6)?),
                    watchlists: json_column(r, 8)?,
                },
            ))
        })?;
        let mut stories: Vec<Story> = Vec::new();
        let mut at: HashMap<i64, usize> = HashMap::new();
        for row in rows {
            let (story_id, item) = row?;
            let index = *at.entry(story_id).or_insert_with(|| {
                stories.push(Story {
                    story_id,
                    headline: item.title.clone(),
                    link: item.link.clone(),
                    first_seen: item.time,
                    last_seen: item.time,
                    outlets: Vec::new(),
                    items: Vec::new(),
                });
                stories.len() - 1
            });
            let story = &mut stories[index];
            story.last_seen = story.last_seen.max(item.time);
            for feed in &item.feeds {
                if !story.outlets.contains(feed) {
                    story.outlets.push(feed.clone());
                }
            }
            story.items.push(item);
        }
        stories.retain(|s| s.last_seen >= since);
        stories.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then(b.story_id.cmp(&a.story_id))
        });
        Ok(stories)
    }

    /// For each of `stories`, what `recipient` was already sent about it (by a message
    /// not refused for good), if anything: when it was first queued, the first item sent
    /// (as the headline then), and the outlets named, that is the feeds each sent item had
    /// appeared in by the time it was queued.
    pub fn sent_stories(
        &self,
        recipient: &str,
        stories: &[i64],
    ) -> Result<HashMap<i64, EarlierCoverage>> {
        let ids = serde_json::to_string(stories).unwrap_or_default();
        let mut stmt = self.conn.prepare_cached(concat!(
            "SELECT story_id, sent_at, title, link, feed, ",
            sighted_feeds!("sent.item_id", "AND s.seen_at <= sent.sent_at"),
            " FROM (
                 SELECT i.id AS item_id, i.story_id, MIN(o.created_at) AS sent_at, i.title,
                        i.link, f.name AS feed, i.event_at
                 FROM items i
                 JOIN feeds f ON f.id = i.feed_id
                 JOIN matches m ON m.item_id = i.id
                 JOIN outbox_matches om ON om.match_id = m.id
                 JOIN outbox o ON o.id = om.outbox_id
                 WHERE i.story_id IN (SELECT value FROM json_each(?2))
                   AND +o.recipient = ?1 AND o.state <> 'failed'
                 GROUP BY i.id
             ) AS sent
             ORDER BY sent_at, event_at, item_id",
        ))?;
        let rows = stmt.query_map(params![recipient, ids], |r| {
            let feed: String = r.get(4)?;
            Ok((
                r.get::<_, i64>(0)?,
                from_unix(r.get(1)?),
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                outlets_of(&feed, json_column(r, 5)?),
            ))
        })?;
        let mut sent: HashMap<i64, EarlierCoverage> = HashMap::new();
        for row in rows {
            let (story, sent_at, title, link, feeds) = row?;
            // Rows come earliest sent first: the first one of a story is its headline then.
            let entry = sent.entry(story).or_insert_with(|| EarlierCoverage {
                first_sent: sent_at,
                headline: title,
                link,
                outlets: Vec::new(),
            });
            for feed in feeds {
                if !entry.outlets.contains(&feed) {
                    entry.outlets.push(feed);
                }
            }
        }
        Ok(sent)
    }
}

/// The index as the tables say: document frequencies from the grouped items before its
/// reach (the window, or longer for follow-ups), and the stories within it with their items.
fn rebuild_index(conn: &Connection, window: Duration) -> Result<StoryIndex> {
    let mut index = StoryIndex::new(window);
    let latest: Option<i64> = conn.query_row(
        "SELECT MAX(event_at) FROM items WHERE story_id IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let Some(latest) = latest else {
        return Ok(index);
    };
    // The items of every story that an item can still join, follow-ups included.
    let reach = i64::try_from(index.reach().as_secs()).unwrap_or(i64::MAX);
    let window_start = latest.saturating_sub(reach);
    let mut learn = conn.prepare(
        "SELECT title, body FROM items
         WHERE story_id IS NOT NULL AND event_at >= ?1 AND event_at < ?2
         ORDER BY event_at DESC LIMIT ?3",
    )?;
    let rows = learn.query_map(
        params![
            window_start - LEARN_SPAN.as_secs() as i64,
            window_start,
            LEARN_ITEMS
        ],
        |r| Ok((r.get::<_, String>(0)?, body(r, 1)?)),
    )?;
    for row in rows {
        let (title, body) = row?;
        index.learn(&features(&title, &body, None));
    }
    let mut active = conn.prepare(
        "SELECT story_id, title, body, event_at, link, feed_id FROM items
         WHERE story_id IS NOT NULL AND event_at >= ?1
         ORDER BY event_at, id",
    )?;
    let rows = active.query_map([window_start], |r| {
        Ok((
            r.get::<_, StoryId>(0)?,
            r.get::<_, String>(1)?,
            body(r, 2)?,
            r.get::<_, i64>(3)?,
            outlet(r.get(4)?, r.get(5)?),
        ))
    })?;
    for row in rows {
        let (story, title, body, at, outlet) = row?;
        index.add(story, features(&title, &body, Some(&outlet)), from_unix(at));
    }
    Ok(index)
}

/// An item's features. Should reading them ever fail on some text (a bug, as the one
/// fixed in `story::evidence` that "1中 Street" hit), the item counts as having none,
/// and so becomes a story of its own, rather than staying in the queue and stopping
/// every later grouping, and with it every digest.
fn features(title: &str, body: &str, outlet: Option<&str>) -> Features {
    std::panic::catch_unwind(|| {
        let features = Features::of(title, body);
        match outlet {
            Some(outlet) => features.from_outlet(outlet),
            None => features,
        }
    })
    .unwrap_or_else(|_| {
        tracing::error!(title = %title, "cannot read this item for story grouping; it is a story of its own");
        Features::of("", "")
    })
}

/// Who published an item, for what story grouping learns of each outlet: its link's host,
/// else its feed.
fn outlet(link: Option<String>, feed: i64) -> String {
    link.and_then(|l| url::Url::parse(&l).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| format!("feed {feed}"))
}

/// Groups the queued items, oldest first, and empties the queue, in one transaction.
/// Returns how many items were grouped, and the newest story created.
fn group_queued(
    conn: &mut Connection,
    index: &mut StoryIndex,
    now: DateTime<Utc>,
) -> Result<(usize, Option<i64>)> {
    // Immediate: it reads and then writes, and a deferred transaction could not take the
    // write lock if another process wrote in between.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut created = None;
    let queued: Vec<(i64, String, String, i64, String)> = {
        // CROSS JOIN keeps the queue as the outer loop: SQLite would otherwise walk all
        // items for the few queued (a batch's grouping read the whole table).
        let mut stmt = tx.prepare(
            "SELECT i.id, i.title, i.body, i.event_at, i.link, i.feed_id
             FROM story_queue q CROSS JOIN items i ON i.id = q.item_id
             WHERE i.story_id IS NULL
             ORDER BY i.event_at, i.id",
        )?;
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                body(r, 2)?,
                r.get(3)?,
                outlet(r.get(4)?, r.get(5)?),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    {
        let mut widen = tx.prepare_cached(
            "UPDATE stories SET first_at = MIN(first_at, ?2), last_at = MAX(last_at, ?2)
             WHERE id = ?1",
        )?;
        let mut create = tx.prepare_cached(
            "INSERT INTO stories (first_at, last_at, created_at) VALUES (?1, ?1, ?2)",
        )?;
        let mut join = tx.prepare_cached("UPDATE items SET story_id = ?2 WHERE id = ?1")?;
        let mut latest = None;
        for (n, (item, title, body, at, outlet)) in queued.iter().enumerate() {
            let features = features(title, body, Some(outlet));
            let time = from_unix(*at);
            let story = match index.find(&features, time) {
                Some(story) => {
                    widen.execute(params![story, at])?;
                    story
                }
                None => {
                    create.execute(params![at, to_unix(now)])?;
                    created = Some(tx.last_insert_rowid());
                    tx.last_insert_rowid()
                }
            };
            join.execute(params![item, story])?;
            index.add(story, features, time);
            latest = latest.max(Some(time));
            // A long backlog (the first grouping after an upgrade) must not keep every
            // story of its weeks active.
            if n % PRUNE_EVERY == PRUNE_EVERY - 1
                && let Some(latest) = latest
            {
                index.prune(latest);
            }
        }
        if let Some(latest) = latest {
            index.prune(latest);
        }
    }
    tx.execute("DELETE FROM story_queue", [])?;
    tx.commit()?;
    Ok((queued.len(), created))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FeedSettings;
    use crate::model::{Item, Snippet};
    use crate::store::{FeedPoll, Location, NewMatch, PollOutcome, PollRecord};
    use crate::story::DEFAULT_WINDOW;

    fn feed(name: &str) -> FeedSettings {
        crate::store::tests::feed_settings(name, &format!("https://{name}.example/feed"))
    }

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, 17, hour, 0, 0).unwrap()
    }

    /// A report of the Sinop radar test, in the wire's words or in a rewrite.
    fn report(outlet: &str, title: &str, hour: u32) -> Item {
        Item {
            identity: format!("guid:{outlet}-{hour}"),
            guid: Some(format!("{outlet}-{hour}")),
            link: Some(format!("https://{outlet}.example/{hour}")),
            title: title.to_string(),
            body: if outlet == "wire" {
                "Turkey activated S-400 radars near Sinop on Tuesday, Defence Minister Yasar \
                 Guler confirmed, before NATO's Steadfast Noon exercise."
            } else {
                "Days ahead of the Steadfast Noon drill, Ankara tested the radars of its S-400 \
                 batteries at Sinop, according to Yasar Guler."
            }
            .to_string(),
            published: Some(at(hour)),
            has_content: false,
        }
    }

    /// Records `items` as one poll of `feed`, each matched by watchlist `w`.
    fn record(store: &mut Store, feed: i64, items: &[Item], hour: u32) -> Vec<i64> {
        let record = PollRecord {
            outcome: PollOutcome::Fetched {
                status: Some(200),
                etag: None,
                last_modified: None,
                body_hash: format!("{feed}-{hour}"),
                refresh_hint: None,
                listed: items.iter().map(|i| i.identity.clone()).collect(),
            },
            at: at(hour),
            next_due: at(hour + 1),
            interval: Duration::from_secs(900),
            location: Location::default(),
        };
        let matches: Vec<NewMatch> = (0..items.len())
            .map(|item| NewMatch {
                item,
                watchlist: "w".into(),
                matched_terms: vec!["S-400".into()],
                snippet: Snippet::default(),
            })
            .collect();
        store
            .record_poll(&FeedPoll {
                feed,
                record,
                items: items.to_vec(),
                matches,
                edits: Vec::new(),
                articles: Default::default(),
            })
            .unwrap()
    }

    fn story_of(store: &Store, match_id: i64) -> Option<i64> {
        store.matches_by_id(&[match_id]).unwrap()[0].story
    }

    #[test]
    fn matched_items_stay_queued_until_grouped_even_across_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let (wire_match, paper_match) = {
            let mut store = Store::open(&path).unwrap();
            let ids = store.sync_feeds(&[feed("wire"), feed("paper")]).unwrap();
            let title = "Turkey switches on S-400 radars near Sinop";
            let wire = record(&mut store, ids[0], &[report("wire", title, 9)], 9);
            let paper = record(&mut store, ids[1], &[report("paper", title, 10)], 10);
            // The process stops here, before grouping.
            (wire[0], paper[0])
        };
        let mut store = Store::open(&path).unwrap();
        assert_eq!(story_of(&store, wire_match), None);
        assert_eq!(store.group_stories(DEFAULT_WINDOW, at(11)).unwrap(), 2);
        let story = story_of(&store, wire_match).expect("grouped after the restart");
        assert_eq!(story_of(&store, paper_match), Some(story));
        assert_eq!(store.group_stories(DEFAULT_WINDOW, at(11)).unwrap(), 0);

        let stories = store.stories(None, at(0)).unwrap();
        assert_eq!(stories.len(), 1);
        assert_eq!(stories[0].story_id, story);
        assert_eq!(stories[0].outlets, ["wire", "paper"]);
        assert_eq!(stories[0].first_seen, at(9));
        assert_eq!(stories[0].last_seen, at(10));
        assert_eq!(
            stories[0].headline,
            "Turkey switches on S-400 radars near Sinop"
        );
    }

    #[test]
    fn a_restarted_store_rebuilds_the_active_stories_and_keeps_growing_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let title = "Turkey switches on S-400 radars near Sinop";
        let first = {
            let mut store = Store::open(&path).unwrap();
            let ids = store.sync_feeds(&[feed("wire")]).unwrap();
            let m = record(&mut store, ids[0], &[report("wire", title, 9)], 9);
            store.group_stories(DEFAULT_WINDOW, at(9)).unwrap();
            story_of(&store, m[0]).unwrap()
        };
        let mut store = Store::open(&path).unwrap();
        let ids = store.sync_feeds(&[feed("wire"), feed("paper")]).unwrap();
        let m = record(&mut store, ids[1], &[report("paper", title, 12)], 12);
        store.group_stories(DEFAULT_WINDOW, at(12)).unwrap();
        assert_eq!(story_of(&store, m[0]), Some(first));
    }

    #[test]
    fn what_a_recipient_was_sent_names_the_outlets_known_when_it_was_queued() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let ids = store.sync_feeds(&[feed("wire"), feed("paper")]).unwrap();
        let title = "Turkey switches on S-400 radars near Sinop";
        let wire = report("wire", title, 9);
        let sent = record(&mut store, ids[0], std::slice::from_ref(&wire), 9);
        store.group_stories(DEFAULT_WINDOW, at(9)).unwrap();
        let story = story_of(&store, sent[0]).unwrap();
        store
            .queue_message(
                &crate::store::NewMessage {
                    kind: crate::store::MessageKind::Digest,
                    digest: "desk".into(),
                    recipient: "desk@example.org".into(),
                    message_id: "<1@test>".into(),
                    subject: "s".into(),
                    sender: "newshound@example.org".into(),
                    message: b"...".to_vec(),
                    match_ids: sent,
                },
                at(10),
            )
            .unwrap();
        // The paper runs the same wire copy after the digest went out.
        let copy = Item {
            identity: "guid:paper-copy".into(),
            guid: Some("paper-copy".into()),
            ..wire
        };
        assert!(record(&mut store, ids[1], &[copy], 11).is_empty());

        let sent = store.sent_stories("desk@example.org", &[story]).unwrap();
        assert_eq!(sent[&story].outlets, ["wire"]);
        assert_eq!(sent[&story].first_sent, at(10));
        assert_eq!(sent[&story].headline, title);
        assert!(
            store
                .sent_stories("other@example.org", &[story])
                .unwrap()
                .is_empty()
        );
    }

    /// Articles stored before their keys were indexed by hash are found again by each key
    /// alone: by the link (with tracking parameters), by the guid, and by the title with
    /// the same text.
    #[test]
    fn articles_stored_before_keys_were_hashed_are_found_again_by_link_guid_and_title() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        let text = "Turkey activated S-400 radars near Sinop on Tuesday, Defence Minister \
                    Yasar Guler confirmed, before the Steadfast Noon exercise of NATO. The \
                    batteries were bought from Russia in 2019 and have never been used, and \
                    Washington expelled Ankara from the F-35 programme over them.";
        crate::store::tests::older_database(
            &path,
            8,
            &format!(
                "INSERT INTO feeds (id, url, name) VALUES (1, 'https://wire.example/feed', 'wire');
                 INSERT INTO items (id, feed_id, identity, guid, link, title, body, first_seen_at,
                                    canonical_link, title_key, event_at)
                 VALUES (1, 1, 'link:1', NULL, 'https://www.wire.example/a/1', 'Radar test',
                         '{text}', 1794873600, 'wire.example/a/1', 'radar test', 1794873600),
                        (2, 1, 'guid:2', 'urn:wire:2', NULL, 'Sinop radars', '{text}',
                         1794873600, NULL, 'sinop radars', 1794873600),
                        (3, 1, 'hash:3', NULL, NULL, 'Ankara tests S-400', '{text}',
                         1794873600, NULL, 'ankara tests s400', 1794873600);
                 INSERT INTO sightings (feed_id, identity, item_id, seen_at, last_seen_at)
                 VALUES (1, 'link:1', 1, 1794873600, 1794873600),
                        (1, 'guid:2', 2, 1794873600, 1794873600),
                        (1, 'hash:3', 3, 1794873600, 1794873600);"
            ),
        );
        let mut store = Store::open(&path).unwrap();
        let mirror = store.sync_feeds(&[feed("mirror")]).unwrap()[0];
        let again = |identity: &str, guid: Option<&str>, link: Option<&str>, title: &str| Item {
            identity: identity.into(),
            guid: guid.map(Into::into),
            link: link.map(Into::into),
            title: title.into(),
            body: text.into(),
            published: Some(at(1)),
            has_content: false,
        };
        let items = [
            again(
                "link:m1",
                None,
                Some("https://wire.example/a/1?utm_source=mirror"),
                "Radar test (updated)",
            ),
            again("guid:urn:wire:2", Some("urn:wire:2"), None, "Sinop radars"),
            again("hash:m3", None, None, "Ankara Tests S400"),
        ];
        let ids = record(&mut store, mirror, &items, 2);
        let matched: Vec<i64> = store
            .matches_by_id(&ids)
            .unwrap()
            .iter()
            .map(|m| m.item)
            .collect();
        assert_eq!(matched, [1, 2, 3]);
        let items: i64 = store
            .conn
            .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
            .unwrap();
        assert_eq!(items, 3);
    }

    /// Most guids are their item's link and are indexed only as the link; a feed that
    /// links the same guid elsewhere (through a redirector) still finds the article.
    #[test]
    fn a_guid_indexed_as_its_link_is_found_from_a_feed_linking_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("n.db")).unwrap();
        let ids = store.sync_feeds(&[feed("wire"), feed("mirror")]).unwrap();
        let guid = "https://wire.example/a/9";
        let item = |link: &str, body: &str| Item {
            identity: format!("guid:{guid}"),
            guid: Some(guid.into()),
            link: Some(link.into()),
            title: "Turkey tests S-400".into(),
            body: body.into(),
            published: Some(at(1)),
            has_content: false,
        };
        let first = record(&mut store, ids[0], &[item(guid, "Radars near Sinop.")], 1);
        record(
            &mut store,
            ids[1],
            &[item(
                "https://proxy.example/r/123",
                "Sinop radars, in short.",
            )],
            2,
        );
        let matched = store.matches_by_id(&first).unwrap();
        assert_eq!(matched[0].feeds, ["wire", "mirror"]);
        let (items, indexed): (i64, Option<i64>) = store
            .conn
            .query_row("SELECT COUNT(*), MAX(guid_hash) FROM items", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(items, 1);
        assert_eq!(indexed, None, "the guid is the link: indexed once");
    }

    #[test]
    fn a_database_from_before_stories_gets_sightings_keys_and_its_matches_grouped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.db");
        crate::store::tests::older_database(
            &path,
            2,
            "INSERT INTO feeds (id, url, name) VALUES (1, 'https://wire.example/feed', 'wire');
                 INSERT INTO items (id, feed_id, identity, guid, link, title, body, published_at,
                                    first_seen_at)
                 VALUES (1, 1, 'guid:w-1', 'w-1', 'https://www.wire.example/a/1?utm_source=x',
                         'Turkey tests S-400', 'Radars near Sinop.', 1763370000, 1763373600);
                 INSERT INTO matches (item_id, watchlist, matched_terms, snippet, highlights,
                                      matched_at)
                 VALUES (1, 'w', '[\"S-400\"]', '', '[]', 1763373600);",
        );
        let mut store = Store::open(&path).unwrap();
        let (sightings, link, key, event_at): (i64, String, String, i64) = store
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM sightings WHERE item_id = 1), canonical_link,
                        title_key, event_at FROM items WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(sightings, 1);
        assert_eq!(link, "wire.example/a/1");
        assert_eq!(key, crate::dedup::title_key("Turkey tests S-400"));
        assert_eq!(event_at, 1763370000);
        assert_eq!(store.group_stories(DEFAULT_WINDOW, Utc::now()).unwrap(), 1);
        let matches = store.matches_by_id(&[1]).unwrap();
        assert!(matches[0].story.is_some());
        assert_eq!(matches[0].feeds, ["wire"]);
    }
}
