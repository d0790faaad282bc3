//! The retention rules, one test each, on real SQLite files. Polls are recorded the way
//! the daemon records them: what the feed has had before is known, the rest is new and
//! matched, and the body's listing is recorded with the poll.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use rusqlite::Connection;

use super::*;
use crate::config::DigestSettings;
use crate::model::{Item, Snippet};
use crate::store::tests::feed_poll;
use crate::store::{
    FeedId, FeedPoll, Location, MessageKind, NewMatch, NewMessage, PollOutcome, PollRecord, Seen,
};

const ITEMS: Duration = Duration::from_secs(30 * 86_400);
const MATCHES: Duration = Duration::from_secs(365 * 86_400);
const DESK: &str = "desk@example.org";

fn at(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + chrono::Duration::days(day)
}

/// An article; the ones whose name starts with "s400" mention the S-400, those whose
/// name starts with "harvest" a harvest.
fn article(name: &str) -> Item {
    let topic = if name.starts_with("s400") {
        "Turkey moves its S-400 batteries"
    } else if name.starts_with("harvest") {
        "Harvest festival draws crowds"
    } else {
        "City council meets"
    };
    Item {
        identity: format!("link:https://wire.example/{name}"),
        guid: None,
        link: Some(format!("https://wire.example/{name}")),
        title: format!("{topic}: {name}"),
        body: format!("{topic}, the report {name} says, with details only {name} has."),
        published: None,
        has_content: false,
    }
}

fn open(dir: &Path) -> (Store, Vec<FeedId>) {
    let mut store = Store::open(&dir.join("n.db")).unwrap();
    let feeds = store
        .sync_feeds(&[
            crate::store::tests::feed_settings("wire", "https://wire.example/feed"),
            crate::store::tests::feed_settings("review", "https://review.example/feed"),
        ])
        .unwrap();
    (store, feeds)
}

/// A digest `desk` covering watchlist `s400`, sent to `DESK`.
fn digests() -> Vec<DigestSettings> {
    crate::store::tests::digests_of(&format!(
        "[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n\
         [[watchlists]]\nname = \"harvest\"\nquery = 'harvest'\n\n\
         [[digests]]\nname = \"desk\"\nto = [\"{DESK}\"]\nwatchlists = [\"s400\"]\n"
    ))
}

/// A poll of `feed` on `day` whose body lists `listed`, recorded as the daemon records it:
/// only the items new to the feed are stored and matched (`s400` and `harvest` by their
/// articles).
/// Returns the new match ids.
fn poll(store: &mut Store, feed: FeedId, day: i64, listed: &[Item]) -> Vec<i64> {
    let seen = store.seen_items(feed, listed).unwrap();
    let fresh: Vec<Item> = listed
        .iter()
        .zip(seen)
        .filter(|(_, seen)| *seen == Seen::New)
        .map(|(item, _)| item.clone())
        .collect();
    let matches: Vec<NewMatch> = fresh
        .iter()
        .enumerate()
        .filter_map(|(item, fresh)| {
            let watchlist = if fresh.title.contains("S-400") {
                "s400"
            } else if fresh.title.contains("Harvest") {
                "harvest"
            } else {
                return None;
            };
            Some(NewMatch {
                item,
                watchlist: watchlist.into(),
                matched_terms: Vec::new(),
                snippet: Snippet::default(),
            })
        })
        .collect();
    let record = PollRecord {
        outcome: PollOutcome::Fetched {
            status: Some(200),
            etag: None,
            last_modified: None,
            body_hash: format!("{feed}-{day}"),
            refresh_hint: None,
            listed: listed.iter().map(|i| i.identity.clone()).collect(),
        },
        at: at(day),
        next_due: at(day) + chrono::Duration::minutes(15),
        interval: Duration::from_secs(900),
        location: Location::default(),
    };
    store
        .record_poll(&FeedPoll {
            items: fresh,
            matches,
            ..feed_poll(feed, record)
        })
        .unwrap()
}

/// A poll answered 304 Not Modified.
fn not_modified(store: &mut Store, feed: FeedId, day: i64) {
    let record = PollRecord {
        outcome: PollOutcome::NotModified {
            status: Some(304),
            etag: None,
            last_modified: None,
        },
        at: at(day),
        next_due: at(day) + chrono::Duration::minutes(15),
        interval: Duration::from_secs(900),
        location: Location::default(),
    };
    store.record_poll(&feed_poll(feed, record)).unwrap();
}

/// Queues a message to `DESK` covering `matches` on `day`; returns its id.
fn queue(store: &mut Store, day: i64, matches: &[i64]) -> i64 {
    let message = NewMessage {
        kind: MessageKind::Digest,
        digest: "desk".into(),
        recipient: DESK.into(),
        message_id: format!("<{day}-{matches:?}@newshound>"),
        subject: "s".into(),
        sender: "newshound@example.org".into(),
        message: b"...".to_vec(),
        match_ids: matches.to_vec(),
    };
    store.queue_message(&message, at(day)).unwrap()
}

fn prune(store: &mut Store, day: i64) -> Pruned {
    store.prune(ITEMS, MATCHES, &digests(), at(day)).unwrap()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn titles(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn
        .prepare("SELECT title FROM items ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn an_old_unmatched_item_its_feed_no_longer_lists_is_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    poll(&mut store, feeds[0], 0, &[article("a"), article("b")]);
    poll(&mut store, feeds[0], 5, &[article("b"), article("c")]);

    // Not yet: the last body that listed `a` was read 29 days ago.
    assert!(prune(&mut store, 29).is_empty());
    let pruned = prune(&mut store, 31);
    assert_eq!(
        pruned,
        Pruned {
            items: 1,
            sightings: 1,
            ..Pruned::default()
        }
    );
    // `b` is as old as `a` was, but still listed.
    assert_eq!(titles(&store).len(), 2);
    assert!(titles(&store).iter().all(|t| !t.ends_with(": a")));
}

#[test]
fn an_item_its_feed_still_lists_is_kept_however_old_even_without_a_changed_poll() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    poll(&mut store, feeds[0], 0, &[article("a"), article("s400-a")]);
    // The server answers 304 for a year: the listing has not changed.
    for day in [100, 200, 300] {
        not_modified(&mut store, feeds[0], day);
    }
    assert!(prune(&mut store, 800).is_empty());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM items"), 2);
}

#[test]
fn an_article_another_feed_still_lists_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    poll(&mut store, feeds[0], 0, &[article("a")]);
    poll(&mut store, feeds[1], 0, &[article("a")]);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM items"),
        1,
        "one article"
    );
    poll(&mut store, feeds[0], 1, &[article("b")]);
    assert_eq!(prune(&mut store, 100).items, 0);
    // Both sightings stay with the item: the digest still names both outlets.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM sightings"), 3);

    // Retention counts from the last body that listed it.
    poll(&mut store, feeds[1], 50, &[article("a"), article("c")]);
    poll(&mut store, feeds[1], 60, &[article("c")]);
    assert_eq!(prune(&mut store, 79).items, 0, "review listed it on day 50");
    assert_eq!(prune(&mut store, 81).items, 1);
}

#[test]
fn an_unsent_match_is_kept_past_every_retention() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    store.sync_digests(&digests(), at(0)).unwrap();
    let owed = poll(&mut store, feeds[0], 1, &[article("s400-owed")]);
    let pending = poll(&mut store, feeds[0], 2, &[article("s400-pending")]);
    queue(&mut store, 2, &pending);
    poll(&mut store, feeds[0], 3, &[article("other")]);
    assert_eq!(owed.len(), 1);

    // Never sent to the desk, or still waiting in the outbox: kept, however old.
    let pruned = prune(&mut store, 1000);
    assert_eq!(pruned.matches, 0, "{pruned:?}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM matches"), 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox"), 1);
    assert_eq!(
        store
            .unsent_matches("desk", DESK, &["s400".to_string()])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_old_sent_match_goes_with_its_outbox_rows_and_a_refused_one_too() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    store.sync_digests(&digests(), at(0)).unwrap();
    let sent = poll(&mut store, feeds[0], 1, &[article("s400-sent")]);
    let refused = poll(&mut store, feeds[0], 2, &[article("s400-refused")]);
    // No digest covers `harvest`: nobody is owed its match.
    let unsubscribed = poll(&mut store, feeds[0], 3, &[article("harvest")]);
    let first = queue(&mut store, 1, &sent);
    store.mark_sent(first, at(1)).unwrap();
    let second = queue(&mut store, 2, &refused);
    store.mark_failed(second, "550 no such user").unwrap();
    poll(&mut store, feeds[0], 4, &[article("fresh")]);
    assert_eq!(unsubscribed.len(), 1);

    // Matched items outlive the unmatched ones.
    assert_eq!(prune(&mut store, 100), Pruned::default());
    // A year after they were last listed, and after the messages were sent.
    assert!(prune(&mut store, 365).is_empty());
    let pruned = prune(&mut store, 369);
    assert_eq!(
        pruned,
        Pruned {
            items: 3,
            sightings: 3,
            matches: 3,
            messages: 2,
            stories: 0,
        }
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox_matches"), 0);
    assert_eq!(titles(&store).len(), 1, "the item its feed still lists");
}

#[test]
fn a_message_is_kept_while_a_match_it_covers_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    store.sync_digests(&digests(), at(0)).unwrap();
    // An evergreen article, listed for years, sent on day 1 with one that is not.
    let mut ids = poll(
        &mut store,
        feeds[0],
        1,
        &[article("s400-evergreen"), article("s400-gone")],
    );
    ids.sort();
    let message = queue(&mut store, 1, &ids);
    store.mark_sent(message, at(1)).unwrap();
    poll(&mut store, feeds[0], 2, &[article("s400-evergreen")]);

    let pruned = prune(&mut store, 500);
    assert_eq!((pruned.items, pruned.messages), (1, 0), "{pruned:?}");
    // Were the message gone, the evergreen match would be unsent, and sent again.
    assert!(
        store
            .unsent_matches("desk", DESK, &["s400".to_string()])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_story_left_with_no_items_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    poll(&mut store, feeds[0], 0, &[article("s400-old")]);
    store
        .group_stories(crate::story::DEFAULT_WINDOW, at(0))
        .unwrap();
    poll(&mut store, feeds[0], 10, &[article("s400-kept")]);
    store
        .group_stories(crate::story::DEFAULT_WINDOW, at(10))
        .unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM stories"), 2);

    let pruned = prune(&mut store, 400);
    assert_eq!((pruned.items, pruned.stories), (1, 1), "{pruned:?}");
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM stories s JOIN items i ON i.story_id = s.id"
        ),
        1
    );
    // Grouping goes on after the prune (its index no longer holds the deleted story).
    poll(&mut store, feeds[0], 401, &[article("s400-new")]);
    store
        .group_stories(crate::story::DEFAULT_WINDOW, at(401))
        .unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM items WHERE story_id IS NULL"),
        0
    );
}

/// The one that matters most: a feed that keeps an article for longer than any retention
/// (a slow feed, an evergreen page) must not have it sent again when the feed changes
/// after a prune. Were its sighting pruned, it would be new to the feed again, matched
/// again, and owed to the desk again.
#[test]
fn an_article_its_feed_serves_again_after_a_prune_is_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    store.sync_digests(&digests(), at(0)).unwrap();
    let listing = [article("s400-a"), article("b")];
    let sent = poll(&mut store, feeds[0], 0, &listing);
    let message = queue(&mut store, 0, &sent);
    store.mark_sent(message, at(0)).unwrap();
    for day in (30..=400).step_by(30) {
        not_modified(&mut store, feeds[0], day);
        prune(&mut store, day);
    }

    // The feed changes: a new article on top of the old ones.
    let mut changed = vec![article("s400-new")];
    changed.extend(listing.iter().cloned());
    let new = poll(&mut store, feeds[0], 401, &changed);
    assert_eq!(new.len(), 1, "only the new article is matched");
    let unsent = store
        .unsent_matches("desk", DESK, &["s400".to_string()])
        .unwrap();
    assert_eq!(unsent.len(), 1);
    assert!(unsent[0].title.ends_with("s400-new"), "{unsent:?}");
}

#[test]
fn pruning_many_rows_shrinks_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    let bulky = |n: usize| Item {
        body: format!("{n} ").repeat(400),
        ..article(&format!("bulk-{n}"))
    };
    // Three thousand items over a month (more than one batch each poll), then the feed
    // lists only the last.
    for chunk in 0..6 {
        let items: Vec<Item> = (chunk * 500..(chunk + 1) * 500).map(bulky).collect();
        poll(&mut store, feeds[0], chunk as i64, &items);
    }
    poll(&mut store, feeds[0], 10, &[bulky(2999)]);
    let pragma = |store: &Store, name: &str| -> i64 {
        store
            .conn
            .pragma_query_value(None, name, |r| r.get(0))
            .unwrap()
    };
    let pages_before = pragma(&store, "page_count");
    let path = dir.path().join("n.db");
    store
        .conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    let bytes_before = std::fs::metadata(&path).unwrap().len();

    let pruned = prune(&mut store, 41);
    assert_eq!(pruned.items, 2999);
    let pages_after = pragma(&store, "page_count");
    assert_eq!(pragma(&store, "freelist_count"), 0);
    assert!(
        pages_after * 10 < pages_before,
        "{pages_before} pages before, {pages_after} after"
    );
    let bytes_after = std::fs::metadata(&path).unwrap().len();
    assert!(
        bytes_after * 10 < bytes_before,
        "{bytes_before} bytes before, {bytes_after} after"
    );
}

#[test]
fn a_prune_goes_in_batches_and_each_batch_is_its_own_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, feeds) = open(dir.path());
    let items: Vec<Item> = (0..25).map(|n| article(&format!("n{n}"))).collect();
    poll(&mut store, feeds[0], 0, &items);
    poll(&mut store, feeds[0], 1, &[]);
    let mut pruning = Pruning::new(ITEMS, MATCHES, &digests(), at(40));
    pruning.batch = 10;
    store.prune_batch(&mut pruning).unwrap();
    // Committed: another connection sees the first batch gone.
    let other = Connection::open(dir.path().join("n.db")).unwrap();
    let left: i64 = other
        .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 15);
    let mut batches = 1;
    while !pruning.is_done() {
        store.prune_batch(&mut pruning).unwrap();
        batches += 1;
    }
    assert_eq!(pruning.pruned.items, 25);
    // Three of items (10, 10, 5), one each of messages and stories.
    assert_eq!(batches, 5);
}

/// A database made by the previous schema: its sightings get a last-seen time, its feeds
/// are fetched in full at their next poll (their validators are forgotten) so that what
/// they list is known, nothing is pruned before that, and auto-vacuum is turned on.
#[test]
fn a_database_from_before_retention_is_upgraded_and_pruned_only_once_its_feeds_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("n.db");
    {
        let conn = crate::store::tests::older_database(
            &path,
            5,
            &format!(
                "INSERT INTO feeds (id, url, name, etag, body_hash)
                 VALUES (1, 'https://wire.example/feed', 'wire', '\"v1\"', 'abc');
                 INSERT INTO items (id, feed_id, identity, title, body, first_seen_at)
                 VALUES (1, 1, 'link:https://wire.example/a', 'A', 'Old.', {t}),
                        (2, 1, 'link:https://wire.example/b', 'B', 'Old too.', {t});
                 INSERT INTO sightings (feed_id, identity, item_id, seen_at)
                 VALUES (1, 'link:https://wire.example/a', 1, {t}),
                        (1, 'link:https://wire.example/b', 2, {t});",
                t = at(0).timestamp()
            ),
        );
        let mode: i64 = conn
            .pragma_query_value(None, "auto_vacuum", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, 0, "made without auto-vacuum");
    }
    let (mut store, feeds) = open(dir.path());
    let mode: i64 = store
        .conn
        .pragma_query_value(None, "auto_vacuum", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, 2, "incremental");
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM sightings WHERE last_seen_at = seen_at"
        ),
        2
    );
    let state = store.fetch_state(feeds[0]).unwrap();
    assert_eq!((state.etag, state.body_hash), (None, None));
    assert!(
        prune(&mut store, 100).is_empty(),
        "what it lists is unknown"
    );

    // Its first full poll lists `b` (and its identity is the stored one).
    let b = Item {
        identity: "link:https://wire.example/b".into(),
        title: "B".into(),
        body: "Old too.".into(),
        ..article("b")
    };
    assert!(poll(&mut store, feeds[0], 100, std::slice::from_ref(&b)).is_empty());
    assert_eq!(prune(&mut store, 101).items, 1);
    assert_eq!(titles(&store), ["B"]);
}
