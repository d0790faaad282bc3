//! Webhook deliveries exactly once through crashes, like mail (`exactly_once.rs`): the
//! daemon is frozen at each step of the webhook path (`NEWSHOUND_PAUSE_AT`) and killed
//! there with SIGKILL, then killed 25 times at random moments of busy work; after a
//! restart every story reaches the receiver, and none under two idempotency keys. The
//! receiver may see one key twice, only when the kill fell between its 2xx and the
//! delivery being marked sent, and then with the same bytes.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;
use rusqlite::Connection;

use newshound::store::{MessageKind, MessageState, Store};
use support::fixtures::{feed_table, publish, serve_copies, write_config};
use support::process::{Daemon, wait_until};
use support::webhook::{Post, Reply, WebhookReceiver};

/// The S-400 matches in the fixtures.
const MATCHED: [&str; 2] = [
    "Turkey says S-400 systems will stay in storage despite U.S. pressure",
    "Ankara weighs S400 deal as Erdoğan meets Putin in Sochi",
];

fn config(
    dir: &Path,
    feeds: &support::FeedServer,
    receiver: &WebhookReceiver,
) -> std::path::PathBuf {
    write_config(
        dir,
        &format!(
            "[polling]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n\n{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\" (Turkey OR Ankara) -\"Real Turkey\"'\n\n\
             [[webhooks]]\nname = \"tool\"\nurl = \"{}\"\nschedule = \"every 1s\"\ntimeout = \"2s\"\n",
            feed_table("wire", &feeds.url("wire.rss")),
            feed_table("review", &feeds.url("defense.atom")),
            receiver.url("hook"),
        ),
    )
}

/// Per idempotency key, the body and how many times it was answered with a 2xx. A key
/// sent again carries the same bytes.
fn by_key(posts: &[Post]) -> BTreeMap<String, (usize, Vec<u8>)> {
    let mut out: BTreeMap<String, (usize, Vec<u8>)> = BTreeMap::new();
    for post in posts.iter().filter(|p| p.delivered()) {
        let key = post.header("idempotency-key").unwrap().to_string();
        let entry = out.entry(key.clone()).or_insert((0, post.body.clone()));
        assert!(
            entry.1 == post.body,
            "two different bodies share the key {key}"
        );
        entry.0 += 1;
    }
    out
}

/// For each item title delivered, the keys of the deliveries that carried it; and for
/// each story delivered as new, the keys that carried it so.
fn carried(
    keys: &BTreeMap<String, (usize, Vec<u8>)>,
) -> (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<i64, BTreeSet<String>>,
) {
    let mut items: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stories: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (key, (_, body)) in keys {
        let body: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(body["id"], key.as_str());
        for story in body["stories"].as_array().unwrap() {
            if story["follow_up"] == false {
                stories
                    .entry(story["story_id"].as_i64().unwrap())
                    .or_default()
                    .insert(key.clone());
            }
            for item in story["items"].as_array().unwrap() {
                items
                    .entry(item["title"].as_str().unwrap().to_string())
                    .or_default()
                    .insert(key.clone());
            }
        }
    }
    (items, stories)
}

fn webhook_outbox(db: &Path) -> Vec<newshound::store::OutboxMessage> {
    Store::open(db)
        .map(|s| s.outbox(1000).unwrap())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.kind == MessageKind::Webhook)
        .collect()
}

fn all_sent(db: &Path) -> bool {
    let outbox = webhook_outbox(db);
    !outbox.is_empty() && outbox.iter().all(|m| m.state == MessageState::Sent)
}

fn integrity(db: &Path) -> String {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// Checks that every title arrived under exactly one key, every story new under one key,
/// and that the keys delivered are the outbox's, all sent.
fn check(
    db: &Path,
    receiver: &WebhookReceiver,
    titles: &[String],
    context: &str,
) -> BTreeMap<String, (usize, Vec<u8>)> {
    let keys = by_key(&receiver.posts());
    let (items, stories) = carried(&keys);
    for title in titles {
        assert_eq!(
            items.get(title).map_or(0, BTreeSet::len),
            1,
            "{title:?} {context}: {items:#?}"
        );
    }
    assert_eq!(items.len(), titles.len(), "{context}: {items:#?}");
    for (story, under) in &stories {
        assert_eq!(under.len(), 1, "story {story} {context}: {under:?}");
    }
    let outbox = webhook_outbox(db);
    let sent: BTreeSet<&str> = outbox.iter().map(|m| m.message_id.as_str()).collect();
    assert!(
        outbox.iter().all(|m| m.state == MessageState::Sent),
        "{context}"
    );
    assert_eq!(
        keys.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        sent,
        "{context}"
    );
    assert_eq!(integrity(db), "ok");
    keys
}

/// Kills the daemon at `point` of its first delivery, restarts it, and checks what the
/// receiver got. Returns how many 2xx answers the most repeated key had.
fn crash_at(point: &str) -> usize {
    let (_served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let path = config(work.path(), &feeds, &receiver);
    let db = work.path().join("newshound.db");

    let mut daemon = Daemon::start_with(&path, &[("NEWSHOUND_PAUSE_AT", point)]);
    daemon.wait_for_log(&format!("paused at {point}"));
    let log = daemon.kill();

    let daemon = Daemon::start(&path);
    wait_until(Duration::from_secs(30), || {
        !receiver.delivered().is_empty() && all_sent(&db)
    });
    // Long enough for a wrongly repeated run or delivery to show.
    std::thread::sleep(Duration::from_millis(1500));
    let restarted = daemon.stop(Signal::SIGTERM);
    let titles: Vec<String> = MATCHED.iter().map(|t| t.to_string()).collect();
    let keys = check(
        &db,
        &receiver,
        &titles,
        &format!("at {point}:\n{log}\n---\n{restarted}"),
    );
    keys.values().map(|(n, _)| *n).max().unwrap_or(0)
}

#[test]
fn killed_while_queueing_it_queues_again_after_a_restart() {
    assert_eq!(crash_at("webhook-queued"), 1);
}

#[test]
fn killed_after_queueing_it_sends_the_queued_delivery_after_a_restart() {
    assert_eq!(crash_at("webhook-committed"), 1);
}

#[test]
fn killed_after_the_receivers_2xx_it_sends_the_same_delivery_again() {
    // Delivered but not yet marked sent: it goes again under the same key, with the
    // same bytes, for the receiver to fold.
    assert_eq!(crash_at("webhook-accepted"), 2);
}

#[test]
fn killed_after_marking_it_sent_it_sends_nothing_again() {
    assert_eq!(crash_at("webhook-marked-sent"), 1);
}

#[test]
fn killed_25_times_at_random_moments_it_loses_no_story_and_doubles_none() {
    let (seed, mut rng) = support::seeded_rng();

    let (served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let path = config(work.path(), &feeds, &receiver);
    let db = work.path().join("newshound.db");

    let mut titles: Vec<String> = MATCHED.iter().map(|t| t.to_string()).collect();
    for round in 0..25 {
        if round % 2 == 0 {
            titles.push(publish(served.path(), round));
        }
        // Now and then the receiver has a bad moment: the delivery is retried.
        if rng.u8(..4) == 0 {
            receiver.reply([Reply::Status(
                503,
                vec![("Retry-After", "1".into())],
                String::new(),
            )]);
        }
        let daemon = Daemon::start(&path);
        std::thread::sleep(Duration::from_millis(rng.u64(100..1500)));
        let log = daemon.kill();
        if db.exists() {
            assert_eq!(integrity(&db), "ok", "round {round}, seed {seed}:\n{log}");
        }
    }

    // Left to finish, it delivers everything and stops cleanly.
    let daemon = Daemon::start(&path);
    wait_until(Duration::from_secs(60), || {
        let keys = by_key(&receiver.posts());
        let (items, _) = carried(&keys);
        items.len() >= titles.len() && all_sent(&db)
    });
    std::thread::sleep(Duration::from_millis(1500));
    let log = daemon.stop(Signal::SIGTERM);
    let keys = check(&db, &receiver, &titles, &format!("(seed {seed}):\n{log}"));
    // A key answered twice was one killed between its 2xx and being marked sent: at most
    // once per kill.
    let repeated: usize = keys.values().map(|(n, _)| n - 1).sum();
    assert!(repeated <= 25, "seed {seed}: {repeated}");
}
