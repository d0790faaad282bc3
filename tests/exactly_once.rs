//! Exactly once, through crashes and outages, against a real SMTP server.
//!
//! The daemon process is frozen between two steps of a delivery (`NEWSHOUND_PAUSE_AT`)
//! and killed with SIGKILL there; after a restart every match reaches every recipient in
//! one message. A message the server accepted just before the crash may arrive twice,
//! but then as the same message with the same `Message-ID`, which mail clients fold.
//!
//! A second test keeps the SMTP server down (every connection closed at once) over
//! several digest periods and checks that once it is back everything arrives, in the
//! order it was queued, nothing doubled.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;

use newshound::config;
use newshound::store::{MessageState, Store};
use support::fixtures::{feed_table, publish, served_copy, smtp_email, write_config};
use support::process::{Daemon, wait_until};
use support::{FeedServer, ReceivedMail, SmtpServer, Unavailable, eventually};

/// The three S-400 matches in the fixtures, as their titles start.
const MATCHED: [&str; 3] = [
    "Turkey says S-400 systems will stay in storage",
    "Ankara weighs S400 deal",
    "NATO allies meet in Brussels",
];

const RECIPIENTS: [&str; 2] = ["desk@example.org", "night@example.org"];

fn config(
    dir: &Path,
    http: &FeedServer,
    smtp_port: u16,
    schedule: &str,
    polling: &str,
) -> std::path::PathBuf {
    write_config(
        dir,
        &format!(
            "{polling}\n{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\" (Turkey OR Ankara) -\"Real Turkey\"'\n\n\
             [[watchlists]]\nname = \"nato\"\nquery = 'NATO summit'\n\n{}\n\
             [[digests]]\nname = \"desk\"\nto = {RECIPIENTS:?}\nschedule = \"{schedule}\"\n",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            smtp_email(smtp_port)
        ),
    )
}

/// For each recipient, the distinct messages they received (by Message-ID), with how
/// many copies of each arrived.
fn by_recipient(mails: &[ReceivedMail]) -> BTreeMap<String, BTreeMap<String, (usize, String)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (usize, String)>> = BTreeMap::new();
    for mail in mails {
        let parsed = mail.parse();
        let id = parsed.header("Message-ID").unwrap_or("").trim().to_string();
        let text = parsed.text.clone().unwrap_or_default();
        for to in &mail.to {
            let entry = out
                .entry(to.clone())
                .or_default()
                .entry(id.clone())
                .or_insert((0, text.clone()));
            // A copy sent again is the same message, byte for byte in its text.
            assert_eq!(entry.1, text, "two different messages share {id}");
            entry.0 += 1;
        }
    }
    out
}

fn pending(db: &Path) -> usize {
    Store::open(db)
        .unwrap()
        .outbox(100)
        .unwrap()
        .iter()
        .filter(|m| m.state != MessageState::Sent)
        .count()
}

/// Kills the daemon at `point` of its first delivery, restarts it, and checks what each
/// recipient got. Returns how many copies of the first recipient's message arrived.
fn crash_at(point: &str) -> usize {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let smtp = runtime.block_on(SmtpServer::start());
    let work = tempfile::tempdir().unwrap();
    let path = config(work.path(), &http, smtp.port(), "every 1h", "");
    let db = config::load(&path).unwrap().storage.path;

    let mut daemon = Daemon::start_with(&path, &[("NEWSHOUND_PAUSE_AT", point)]);
    daemon.wait_for_log(&format!("paused at {point}"));
    let log = daemon.kill();

    let daemon = Daemon::start(&path);
    wait_until(Duration::from_secs(30), || {
        smtp.messages().len() >= RECIPIENTS.len() && pending(&db) == 0
    });
    // Long enough for a wrongly repeated digest run or send to show.
    std::thread::sleep(Duration::from_millis(1500));
    let restarted = daemon.stop(Signal::SIGTERM);

    let received = by_recipient(&smtp.messages());
    assert_eq!(
        received.keys().collect::<Vec<_>>(),
        RECIPIENTS.iter().collect::<Vec<_>>(),
        "at {point}:\n{log}\n{restarted}"
    );
    for (recipient, messages) in &received {
        // Every match arrives, in exactly one message.
        assert_eq!(
            messages.len(),
            1,
            "{recipient} at {point}: {messages:#?}\n{log}\n---\n{restarted}"
        );
        let (_, text) = messages.values().next().unwrap();
        for title in MATCHED {
            assert_eq!(
                text.matches(title).count(),
                1,
                "{title:?} for {recipient} at {point}:\n{text}"
            );
        }
    }
    // The messages are the ones in the outbox, all sent, and the database is sound.
    let store = Store::open(&db).unwrap();
    let outbox = store.outbox(100).unwrap();
    assert_eq!(outbox.len(), 2, "{outbox:#?}");
    for m in &outbox {
        assert_eq!(m.state, MessageState::Sent);
        assert!(received[&m.recipient].contains_key(&m.message_id));
    }
    let integrity: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    received[RECIPIENTS[0]].values().next().unwrap().0
}

#[test]
fn killed_while_building_the_digest_it_builds_it_again_after_a_restart() {
    assert_eq!(crash_at("digest-rendered"), 1);
}

#[test]
fn killed_after_queueing_it_sends_the_queued_messages_after_a_restart() {
    assert_eq!(crash_at("outbox-committed"), 1);
}

#[test]
fn killed_after_the_server_accepted_it_sends_the_same_message_again() {
    // The first recipient's message was accepted but not yet marked sent: it goes out
    // again, the same message, and mail clients fold the two copies.
    assert_eq!(crash_at("smtp-accepted"), 2);
}

#[test]
fn killed_after_marking_a_message_sent_it_sends_only_the_rest() {
    assert_eq!(crash_at("marked-sent"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_over_several_digest_periods_loses_nothing_and_keeps_the_order() {
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = FeedServer::start(served.path()).await;
    let down = Unavailable::start();
    let work = tempfile::tempdir().unwrap();
    let path = config(
        work.path(),
        &http,
        down.port(),
        "every 2s",
        "[polling]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n",
    );
    let db = config::load(&path).unwrap().storage.path;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(newshound::daemon::run(
        config::load(&path).unwrap(),
        async {
            stopped.await.ok();
        },
    ));

    // The server is down. Each period with something new queues a message per
    // recipient; they wait.
    let queued = |n: usize| {
        let db = db.clone();
        move || {
            Store::open(&db)
                .map(|s| s.outbox(100).unwrap().len() >= n)
                .unwrap_or(false)
        }
    };
    let mut titles = vec![MATCHED.to_vec().join("|")];
    assert!(eventually(Duration::from_secs(30), queued(2)).await);
    for n in 1..=2 {
        titles.push(publish(served.path(), n));
        assert!(eventually(Duration::from_secs(30), queued(2 + 2 * n)).await);
    }
    let outbox = Store::open(&db).unwrap().outbox(100).unwrap();
    assert_eq!(outbox.len(), 6, "{outbox:#?}");
    assert!(
        outbox.iter().all(|m| m.state == MessageState::Pending),
        "{outbox:#?}"
    );

    // The server comes back on the same port: everything arrives, once, in order.
    let smtp = SmtpServer::start_on(down.release()).await;
    let mails = smtp.wait_for(6, Duration::from_secs(60)).await;
    assert!(eventually(Duration::from_secs(10), || pending(&db) == 0).await);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.send(()).unwrap();
    daemon.await.unwrap().unwrap();
    let mails = if smtp.messages().len() > mails.len() {
        smtp.messages()
    } else {
        mails
    };
    assert_eq!(mails.len(), 6, "nothing doubled");
    for recipient in RECIPIENTS {
        let texts: Vec<String> = mails
            .iter()
            .filter(|m| m.to == [recipient])
            .map(|m| m.parse().text.unwrap_or_default())
            .collect();
        assert_eq!(texts.len(), 3, "{recipient}");
        for (text, expected) in texts.iter().zip(&titles) {
            for title in expected.split('|') {
                assert!(
                    text.contains(title),
                    "{recipient}: {title:?} not in\n{text}"
                );
            }
        }
        // Each new item is reported in exactly one message (a later one may name it as
        // the story it follows up).
        for title in &titles[1..] {
            let reporting = texts.iter().filter(|text| {
                text.lines()
                    .any(|l| l.contains(title.as_str()) && !l.starts_with("Follow-up:"))
            });
            assert_eq!(reporting.count(), 1, "{title}: {texts:#?}");
        }
        let ids: BTreeSet<String> = mails
            .iter()
            .filter(|m| m.to == [recipient])
            .map(|m| m.parse().header("Message-ID").unwrap_or("").to_string())
            .collect();
        assert_eq!(ids.len(), 3);
    }
}
