//! The whole pipeline through the daemon's real entry point: an HTTP server on loopback
//! serves RSS, Atom and JSON Feed files; the daemon polls them, matches the watchlists,
//! stores the matches in SQLite and mails a digest to an SMTP server on loopback. Re-polls
//! are conditional and send nothing new; a new item is sent once, on its own.

mod support;

use std::time::{Duration, SystemTime};

use newshound::config;
use newshound::store::{MessageState, Store};
use support::fixtures::{served_copy, smtp_email, write_config};
use support::{FeedServer, SmtpServer, eventually};

const WATCHLISTS: &str = r#"
[[watchlists]]
name = "turkey-s400"
query = '"S-400" (Turkey OR Ankara OR Türkiye) -"Real Turkey"'

[[watchlists]]
name = "erdogan"
query = 'Erdogan'

[[watchlists]]
name = "nato"
query = 'NATO summit'
feeds = ["tag:wire"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_matches_stores_and_mails_a_digest_then_only_what_is_new() {
    let served = served_copy(&["wire.rss", "defense.atom", "briefs.json"]);
    let http = FeedServer::start(served.path()).await;
    let smtp = SmtpServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let config_path = write_config(
        work.path(),
        &format!(
            r#"
[polling]
interval = "2s"
timeout = "5s"

[[feeds]]
name = "Example Wire"
url = "{wire}"
tags = ["wire"]

[[feeds]]
name = "Defence Review"
url = "{atom}"

[[feeds]]
name = "Briefs"
url = "{json}"
{WATCHLISTS}
{email}
[[digests]]
name = "analyst"
to = ["analyst@example.org", "Desk <desk@example.org>"]
schedule = "every 1s"
"#,
            wire = http.url("wire.rss"),
            atom = http.url("defense.atom"),
            json = http.url("briefs.json"),
            email = smtp_email(smtp.port()),
        ),
    );
    let settings = config::load(&config_path).unwrap();
    let db_path = settings.storage.path.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(newshound::daemon::run(settings, async {
        stopped.await.ok();
    }));

    // The first digest comes after the first poll of every feed: one message for each
    // recipient, the same digest.
    let mails = smtp.wait_for(2, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 2, "one digest per recipient expected");
    let mut to: Vec<&str> = mails
        .iter()
        .flat_map(|m| &m.to)
        .map(String::as_str)
        .collect();
    to.sort();
    assert_eq!(to, ["analyst@example.org", "desk@example.org"]);
    let mail = &mails[0];
    assert_eq!(mail.from, "alerts@newshound.test");
    let parsed = mail.parse();
    assert_eq!(mails[1].parse().text, parsed.text);
    assert!(
        parsed.content_type.starts_with("multipart/alternative"),
        "{}",
        parsed.content_type
    );
    assert!(
        parsed
            .header("Message-ID")
            .is_some_and(|id| id.contains("@newshound.test"))
    );
    assert!(parsed.header("Date").is_some());
    assert_eq!(parsed.header("Auto-Submitted"), Some("auto-generated"));
    let subject = parsed.subject.clone().unwrap_or_default();
    assert!(
        subject.contains("5 new stories on 3 topics"),
        "subject: {subject}"
    );

    // Matched: the wire's S-400 story, the review's S400/Erdoğan story (two watchlists),
    // the briefs' "Türkiye and the S 400", the wire's NATO summit story.
    let text = parsed.text.clone().expect("a text part");
    for expected in [
        "Turkey says S-400 systems will stay in storage despite U.S. pressure",
        "Ankara weighs S400 deal as Erdoğan meets Putin in Sochi",
        "Türkiye and the S 400: what changes after the Sochi talks",
        "NATO allies meet in Brussels ahead of the summit",
        "https://defence.example.net/2026/11/ankara-s400-sochi",
    ] {
        assert!(
            text.contains(expected),
            "text part lacks {expected:?}:\n{text}"
        );
    }
    // Not matched: excluded phrase, near misses, unrelated news.
    for unexpected in [
        "Real Turkey",
        "S-4000",
        "DS-400",
        "Floods",
        "Yeşilada",
        "Markets closed",
    ] {
        assert!(
            !text.contains(unexpected),
            "text part has {unexpected:?}:\n{text}"
        );
    }
    let html = parsed.html.clone().expect("an HTML part");
    assert!(
        html.contains("href=\"https://wire.example.org/world/2026/11/20/turkey-s400-storage"),
        "{html}"
    );
    assert!(html.contains("Erdoğan"), "{html}");

    // The next polls are conditional: the server answers 304 and nothing new is sent.
    assert!(
        eventually(Duration::from_secs(20), || http.count_status(304) >= 6).await,
        "expected two rounds of 304s, got {:?}",
        http.requests()
    );
    let wire_requests = http.requests_for("/wire.rss");
    assert!(wire_requests[0].if_none_match.is_none());
    assert!(
        wire_requests[1..]
            .iter()
            .all(|r| r.if_none_match.is_some() && r.status == 304)
    );
    assert_eq!(smtp.messages().len(), 2, "nothing new, nothing sent");

    // A new item in the wire feed is sent in a digest of its own.
    let wire_path = served.path().join("wire.rss");
    let updated = std::fs::read_to_string(&wire_path).unwrap().replace(
        "    <item>\n      <title>Turkey says",
        "    <item>\n      <title>Ankara confirms S-400 radar tests near Sinop</title>\n      \
         <link>https://wire.example.org/world/2026/11/21/sinop-radar</link>\n      \
         <guid isPermaLink=\"false\">wire-2026-11-21-0001</guid>\n      \
         <description>Turkey tested the radar of its S-400 batteries near Sinop.</description>\n    \
         </item>\n    <item>\n      <title>Turkey says",
    );
    std::fs::write(&wire_path, updated).unwrap();
    support::http::set_modified(&wire_path, SystemTime::now() + Duration::from_secs(5));
    let mails = smtp.wait_for(4, Duration::from_secs(30)).await;
    assert_eq!(mails.len(), 4, "a second digest for the new item");
    let second = mails[3].parse();
    let (subject, text) = (
        second.subject.unwrap_or_default(),
        second.text.unwrap_or_default(),
    );
    assert!(subject.contains("1 new story on 1 topic"), "{subject}");
    assert!(
        text.contains("Ankara confirms S-400 radar tests near Sinop"),
        "{text}"
    );
    assert!(
        !text.contains("Turkey says S-400 systems"),
        "already sent:\n{text}"
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .expect("the daemon stops on its shutdown signal")
        .unwrap()
        .unwrap();
    assert_eq!(smtp.messages().len(), 4);

    // The store agrees: two messages sent to each recipient, covering six matches, each
    // once.
    let store = Store::open(&db_path).unwrap();
    let sent = store.outbox(10).unwrap();
    assert_eq!(sent.len(), 4);
    assert!(
        sent.iter().all(|m| m.state == MessageState::Sent),
        "{sent:?}"
    );
    let covered: Vec<usize> = sent.iter().map(|m| m.matches).collect();
    assert_eq!(covered, [5, 5, 1, 1]);
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    assert_eq!(store.matches_since(None, since).unwrap().len(), 6);
    let wire = store
        .feed_statuses()
        .unwrap()
        .into_iter()
        .find(|f| f.name == "Example Wire")
        .unwrap();
    assert_eq!(wire.items_seen, 6);
    assert_eq!(wire.consecutive_failures, 0);
}
