//! Webhooks against a real receiver on loopback (`support::webhook`), with the real
//! binary: each format's payload field by field, the signature checked with an HMAC
//! computed here from SHA-256 alone, retries after a 500, a 429's Retry-After, a hang
//! cut by the timeout, a 410 that fails one delivery and lets the later ones go, a live
//! watchlist edit, `webhook test`, and no secret in the logs.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use nix::sys::signal::Signal;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use newshound::store::{MessageKind, MessageState, Store};
use support::fixtures::{feed_table, serve_copies, write_config};
use support::listener::exchange;
use support::process::{Daemon, wait_until};
use support::webhook::{Post, Reply, WebhookReceiver};

const SECRET: &str = "whsec-7d41c0ffee";
const TOKEN: &str = "Bearer hook-token-5c2a";
const SECRET_VAR: &str = "NEWSHOUND_TEST_HOOK_SECRET";

/// HMAC-SHA256 as RFC 2104 defines it, on SHA-256 alone: independent of the `hmac` crate
/// the program signs with.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A config with the two fixture feeds, watchlists `s400` and `nato`, and `webhooks`.
fn config(dir: &Path, feeds: &support::FeedServer, webhooks: &str) -> PathBuf {
    write_config(
        dir,
        &format!(
            "[polling]\ninterval = \"1s\"\nmin_interval = \"1s\"\nmax_interval = \"1s\"\n\n{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\" (Turkey OR Ankara) -\"Real Turkey\"'\n\n\
             [[watchlists]]\nname = \"nato\"\nquery = 'NATO summit'\n\n{webhooks}",
            feed_table("wire", &feeds.url("wire.rss")),
            feed_table("review", &feeds.url("defense.atom")),
        ),
    )
}

fn webhook(name: &str, url: &str, extra: &str) -> String {
    format!("[[webhooks]]\nname = \"{name}\"\nurl = \"{url}\"\nschedule = \"every 1s\"\n{extra}\n")
}

fn outbox_of(db: &Path) -> Vec<newshound::store::OutboxMessage> {
    Store::open(db)
        .map(|s| s.outbox(500).unwrap())
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.kind == MessageKind::Webhook)
        .collect()
}

fn newshound(config: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env(SECRET_VAR, SECRET)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Adds an item to the wire feed (at the top, as feeds do), newer than the last.
fn publish(dir: &Path, n: usize, title: &str) {
    let path = dir.join("wire.rss");
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "    <item>",
        &format!(
            "    <item>\n      <title>{title}</title>\n      \
             <link>https://wire.example.org/world/extra-{n}</link>\n      \
             <guid isPermaLink=\"false\">wire-extra-{n}</guid>\n      \
             <description>{title}.</description>\n    </item>\n    <item>"
        ),
        1,
    );
    std::fs::write(&path, text).unwrap();
    support::http::set_modified(
        &path,
        SystemTime::now() + Duration::from_secs(n as u64 * 10),
    );
}

#[test]
fn each_format_carries_the_stories_field_by_field_signed_and_with_its_headers() {
    let (_served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let hooks = [
        webhook(
            "tool",
            &receiver.url("hooks/tool-9f8e7d"),
            &format!(
                "format = \"json\"\nsecret_env = \"{SECRET_VAR}\"\n\
                 headers = {{ Authorization = \"{TOKEN}\", \"X-Team\" = \"desk\" }}"
            ),
        ),
        webhook(
            "chat",
            &receiver.url("services/T01/B02/slackpath"),
            "format = \"slack\"\nwatchlists = [\"s400\"]",
        ),
        webhook(
            "phone",
            &receiver.url("ntfy-topic-31a"),
            "format = \"ntfy\"\nwatchlists = [\"nato\"]",
        ),
    ]
    .concat();
    let path = config(work.path(), &feeds, &hooks);
    let db = work.path().join("newshound.db");

    let daemon = Daemon::start_with(&path, &[(SECRET_VAR, SECRET)]);
    let _ = receiver.wait_for_delivered(3, Duration::from_secs(30));
    wait_until(Duration::from_secs(30), || {
        let outbox = outbox_of(&db);
        outbox.len() >= 3 && outbox.iter().all(|m| m.state == MessageState::Sent)
    });
    // Long enough for a wrongly repeated delivery to show.
    std::thread::sleep(Duration::from_millis(1500));
    let log = daemon.stop(Signal::SIGTERM);
    let posts = receiver.posts();
    let at =
        |path: &str| -> Vec<Post> { posts.iter().filter(|p| p.path == path).cloned().collect() };

    // JSON: the schema, field by field, for every story of both watchlists.
    let tool = at("/hooks/tool-9f8e7d");
    assert_eq!(tool.len(), 1, "one delivery, once");
    let post = &tool[0];
    assert_eq!(post.method, "POST");
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(post.header("authorization"), Some(TOKEN));
    assert_eq!(post.header("x-team"), Some("desk"));
    let body = post.json();
    let key = post.header("idempotency-key").unwrap();
    assert_eq!(body["id"], key);
    assert_eq!(post.header("x-newshound-delivery"), Some(key));
    assert_eq!(body["version"], 1);
    assert_eq!(body["webhook"], "tool");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
    let stories = body["stories"].as_array().unwrap();
    let mut titles: Vec<&str> = Vec::new();
    for story in stories {
        assert!(
            ["s400", "nato"].contains(&story["watchlist"].as_str().unwrap()),
            "{story}"
        );
        assert!(story["story_id"].as_i64().unwrap() > 0, "{story}");
        assert_eq!(story["follow_up"], false);
        assert!(story["first_sent_at"].is_null());
        assert!(!story["headline"].as_str().unwrap().is_empty());
        assert!(story["link"].as_str().unwrap().starts_with("https://"));
        assert!(!story["outlets"].as_array().unwrap().is_empty());
        assert!(!story["matched_terms"].as_array().unwrap().is_empty());
        assert!(!story["snippet"].as_str().unwrap().is_empty());
        for item in story["items"].as_array().unwrap() {
            titles.push(item["title"].as_str().unwrap());
            assert!(item["link"].as_str().unwrap().starts_with("https://"));
            assert!(!item["outlets"].as_array().unwrap().is_empty());
            assert!(item["matched_at"].as_str().is_some());
            assert!(!item["matched_terms"].as_array().unwrap().is_empty());
            assert!(item.get("published_at").is_some());
            assert!(item.get("snippet").is_some());
        }
    }
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "Ankara weighs S400 deal as Erdoğan meets Putin in Sochi",
            "NATO allies meet in Brussels ahead of the summit",
            "Turkey says S-400 systems will stay in storage despite U.S. pressure",
        ]
    );
    // The story ids are the store's.
    let conn = rusqlite::Connection::open(&db).unwrap();
    for story in stories {
        let title = story["items"][0]["title"].as_str().unwrap();
        let stored: i64 = conn
            .query_row(
                "SELECT story_id FROM items WHERE title = ?1",
                [title],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(story["story_id"], stored);
    }
    // The signature: t=TIMESTAMP,v1=HMAC-SHA256(secret, "TIMESTAMP.BODY").
    let signature = post.header("x-newshound-signature").unwrap();
    let (t, v1) = signature
        .strip_prefix("t=")
        .and_then(|s| s.split_once(",v1="))
        .unwrap();
    let timestamp: i64 = t.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 120);
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(&post.body);
    assert_eq!(v1, hmac_sha256(SECRET.as_bytes(), &signed));

    // Slack: a header block, then a section (and a context) per story of `s400` only.
    let chat = at("/services/T01/B02/slackpath");
    assert_eq!(chat.len(), 1);
    assert!(chat[0].header("x-newshound-signature").is_none());
    let slack = chat[0].json();
    let blocks = slack["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert!(
        blocks[0]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("newshound · s400: ")
    );
    let sections: Vec<&str> = blocks
        .iter()
        .filter(|b| b["type"] == "section")
        .map(|b| b["text"]["text"].as_str().unwrap())
        .collect();
    assert!(!sections.is_empty());
    let all = sections.join("\n");
    for title in [
        "Turkey says S-400 systems will stay in storage",
        "Ankara weighs S400 deal",
    ] {
        assert!(all.contains(title), "{title} not in {all}");
    }
    assert!(!all.contains("NATO allies"), "{all}");
    assert!(sections[0].starts_with("*<https://"), "{}", sections[0]);
    assert!(
        blocks
            .iter()
            .all(|b| b["type"] != "section" || b["text"]["type"] == "mrkdwn")
    );
    assert!(slack["text"].as_str().unwrap().contains("newshound · s400"));

    // ntfy: JSON published to the server's root, the topic inside.
    let phone: Vec<Post> = posts.iter().filter(|p| p.path == "/").cloned().collect();
    assert_eq!(phone.len(), 1);
    let ntfy = phone[0].json();
    assert_eq!(ntfy["topic"], "ntfy-topic-31a");
    assert_eq!(
        ntfy["title"],
        "nato: NATO allies meet in Brussels ahead of the summit"
    );
    assert!(
        ntfy["message"]
            .as_str()
            .unwrap()
            .starts_with("wire · 1 report")
    );
    assert!(
        ntfy["click"]
            .as_str()
            .unwrap()
            .starts_with("https://wire.example.org/")
    );
    assert_eq!(ntfy["tags"], serde_json::json!(["newspaper", "nato"]));

    // The outbox holds each delivery as sent, under the key the receiver saw.
    let outbox = outbox_of(&db);
    assert_eq!(outbox.len(), 3);
    assert!(
        outbox
            .iter()
            .any(|m| m.message_id == key && m.recipient == "webhook:tool")
    );
    let (ok, listed) = newshound(&path, &["outbox"]);
    assert!(ok, "{listed}");
    assert_eq!(listed.matches("webhook:").count(), 3, "{listed}");
    let (ok, status) = newshound(&path, &["webhook", "list"]);
    assert!(ok, "{status}");
    let tool_row = status.lines().find(|l| l.starts_with("tool")).unwrap();
    assert!(tool_row.contains("json"), "{status}");
    assert!(tool_row.contains("http://127.0.0.1:"), "{status}");

    // No secret reaches the log or a command's output: not the signing secret, not a
    // header's value, not a webhook URL's path.
    for secret in [
        SECRET,
        "hook-token-5c2a",
        "slackpath",
        "tool-9f8e7d",
        "ntfy-topic-31a",
    ] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
        assert!(
            !status.contains(secret),
            "{secret} in webhook list:\n{status}"
        );
    }
}

#[test]
fn a_500_is_retried_a_410_fails_alone_and_the_later_deliveries_arrive_once_in_order() {
    let (served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    receiver.reply([
        Reply::Status(500, Vec::new(), "upstream down".into()),
        Reply::status(502),
        Reply::Status(410, Vec::new(), "no such hook".into()),
    ]);
    let work = tempfile::tempdir().unwrap();
    let path = config(
        work.path(),
        &feeds,
        &webhook(
            "tool",
            &receiver.url("hooks/secret-path-77?token=q"),
            "watchlists = [\"s400\"]",
        ),
    );
    let db = work.path().join("newshound.db");
    let daemon = Daemon::start(&path);

    // 500, then 502: the first delivery is tried again, under the same key, until the
    // third attempt meets the 410 and fails.
    wait_until(Duration::from_secs(60), || receiver.posts().len() >= 3);
    let first_key = receiver.posts()[0]
        .header("idempotency-key")
        .unwrap()
        .to_string();
    assert!(
        receiver
            .posts()
            .iter()
            .all(|p| p.header("idempotency-key") == Some(first_key.as_str()))
    );
    wait_until(Duration::from_secs(10), || {
        outbox_of(&db)
            .first()
            .is_some_and(|m| m.state == MessageState::Failed)
    });
    // Later coverage goes: two more items, each in its own delivery, in order.
    for n in 1..=2 {
        publish(
            served.path(),
            n,
            &format!("Turkey moves S-400 battery number {n} to Sinop"),
        );
        receiver.wait_for_delivered(n, Duration::from_secs(30));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let log = daemon.stop(Signal::SIGTERM);

    let outbox = outbox_of(&db);
    assert_eq!(
        outbox.len(),
        3,
        "{:?}",
        outbox.iter().map(|m| m.state).collect::<Vec<_>>()
    );
    assert_eq!(outbox[0].state, MessageState::Failed);
    assert_eq!(outbox[0].attempts, 3);
    assert!(
        outbox[0]
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("HTTP 410 Gone: no such hook"),
        "{:?}",
        outbox[0].last_error
    );
    let delivered = receiver.delivered();
    let keys: Vec<&str> = delivered
        .iter()
        .map(|p| p.header("idempotency-key").unwrap())
        .collect();
    let sent: Vec<&str> = outbox[1..].iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(keys, sent, "each once, in the order queued");
    for (n, post) in delivered.iter().enumerate() {
        let body = post.json();
        let items = body["stories"][0]["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0]["title"],
            format!("Turkey moves S-400 battery number {} to Sinop", n + 1)
        );
    }

    // `outbox` shows the failed delivery and why.
    let (ok, listed) = newshound(&path, &["outbox"]);
    assert!(ok, "{listed}");
    let row = listed.lines().find(|l| l.contains("failed")).unwrap();
    assert!(
        row.contains("webhook:tool") && row.contains("HTTP 410 Gone"),
        "{listed}"
    );
    // The URL's path and query are never logged.
    assert!(log.contains("webhook refused the delivery"), "{log}");
    for secret in ["secret-path-77", "token=q"] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn a_429_waits_for_its_retry_after_and_a_hang_is_cut_by_the_timeout() {
    let (_served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    receiver.reply([
        Reply::Hang,
        Reply::Status(429, vec![("Retry-After", "3".into())], String::new()),
    ]);
    let work = tempfile::tempdir().unwrap();
    let path = config(
        work.path(),
        &feeds,
        &webhook("tool", &receiver.url("hook"), "timeout = \"1s\""),
    );
    let db = work.path().join("newshound.db");
    let daemon = Daemon::start(&path);
    let delivered = receiver.wait_for_delivered(1, Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(1500));
    let log = daemon.stop(Signal::SIGTERM);

    let posts = receiver.posts();
    assert_eq!(posts.len(), 3, "hang, 429, then delivered");
    assert_eq!(
        posts.iter().map(|p| p.answered).collect::<Vec<_>>(),
        [0, 429, 200]
    );
    let key = posts[0].header("idempotency-key").unwrap();
    assert!(
        posts
            .iter()
            .all(|p| p.header("idempotency-key") == Some(key))
    );
    assert_eq!(
        delivered[0].body, posts[0].body,
        "the same bytes every time"
    );
    assert!(log.contains("no answer within 1s"), "{log}");
    // The wait the 429 asked for was kept: the outbox's schedule says so.
    assert!(log.contains("retry_in=3s"), "{log}");
    let outbox = outbox_of(&db);
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].state, MessageState::Sent);
    assert_eq!(outbox[0].attempts, 3);
}

/// Later coverage of a story a webhook was sent comes as a follow-up: the same story id,
/// `follow_up`, when it was first sent, the headline as first sent, and the new report
/// only.
#[test]
fn later_coverage_of_a_delivered_story_comes_as_a_follow_up() {
    let (served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let path = config(
        work.path(),
        &feeds,
        &webhook("tool", &receiver.url("hook"), ""),
    );
    let daemon = Daemon::start(&path);
    let first = receiver.wait_for_delivered(1, Duration::from_secs(30));
    let stories = first[0].json()["stories"].as_array().unwrap().clone();
    let storage = stories
        .iter()
        .find(|s| {
            s["headline"]
                .as_str()
                .is_some_and(|h| h.starts_with("Turkey says S-400"))
        })
        .expect("the storage story")
        .clone();
    assert_eq!(storage["follow_up"], false);

    // A later report of that story, the next morning (within the story's window).
    let wire = served.path().join("wire.rss");
    let text = std::fs::read_to_string(&wire).unwrap().replacen(
        "    <item>",
        "    <item>\n      <title>Turkish defence minister rejects U.S. pressure over S-400 \
         batteries</title>\n      \
         <link>https://wire.example.org/world/2026/11/21/s400-minister</link>\n      \
         <guid isPermaLink=\"false\">later-1</guid>\n      \
         <pubDate>Sat, 21 Nov 2026 08:00:00 GMT</pubDate>\n      \
         <description>Speaking in Ankara, the defence minister said the S-400 air defence \
         batteries bought from Russia in 2019 remain in storage and will not be handed over \
         despite U.S. pressure.</description>\n    </item>\n    <item>",
        1,
    );
    std::fs::write(&wire, text).unwrap();
    support::http::set_modified(&wire, SystemTime::now() + Duration::from_secs(60));
    let delivered = receiver.wait_for_delivered(2, Duration::from_secs(30));
    daemon.stop(Signal::SIGTERM);
    let second = delivered[1].json();
    let stories = second["stories"].as_array().unwrap();
    assert_eq!(stories.len(), 1, "{second}");
    let story = &stories[0];
    assert_eq!(story["story_id"], storage["story_id"], "{second}");
    assert_eq!(story["follow_up"], true);
    assert!(story["first_sent_at"].is_string(), "{second}");
    assert_eq!(story["headline"], storage["headline"]);
    let titles: Vec<&str> = story["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Turkish defence minister rejects U.S. pressure over S-400 batteries"]
    );
}

#[test]
fn a_watchlist_edit_changes_what_the_webhook_carries() {
    let (_served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let hook = webhook("tool", &receiver.url("hook"), "watchlists = [\"nato\"]");
    let port = support::unused_port();
    let hook = format!("{hook}\n[server]\nlisten = \"127.0.0.1:{port}\"\n");
    let path = config(work.path(), &feeds, &hook);
    let mut daemon = Daemon::start(&path);
    let first = receiver.wait_for_delivered(1, Duration::from_secs(30));
    let titles = |post: &Post| -> Vec<String> {
        post.json()["stories"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["items"].as_array().unwrap().clone())
            .map(|i| i["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles(&first[0]),
        ["NATO allies meet in Brussels ahead of the summit"]
    );

    // The nato watchlist now tracks the S-400: its backfill matches the S-400 items,
    // and the webhook carries them.
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("query = 'NATO summit'", "query = 'S-400 OR S400'");
    std::fs::write(&path, text).unwrap();
    daemon.wait_for_log("configuration reloaded");
    let delivered = receiver.wait_for_delivered(2, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(1500));
    // The listener's `/webhooks` says what `webhook list --json` says.
    let (status, _, listing) =
        exchange(port, b"GET /webhooks HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("an answer");
    assert_eq!(status, 200);
    let listing: serde_json::Value = serde_json::from_str(&listing).unwrap();
    assert_eq!(listing[0]["name"], "tool");
    assert_eq!(listing[0]["sent"], 2, "{listing}");
    assert!(
        !listing.to_string().contains("/hook"),
        "the URL's path is not shown"
    );
    let (_, _, metrics) =
        exchange(port, b"GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("an answer");
    let sent = "newshound_webhook_deliveries_total{webhook=\"tool\",outcome=\"sent\"} 2";
    assert!(metrics.contains(sent), "{metrics}");
    daemon.stop(Signal::SIGTERM);
    assert_eq!(receiver.delivered().len(), 2);
    let mut second = titles(&delivered[1]);
    second.sort();
    assert!(
        second
            .iter()
            .any(|t| t.starts_with("Turkey says S-400 systems")),
        "{second:?}"
    );
    assert!(
        second.iter().any(|t| t.starts_with("Ankara weighs S400")),
        "{second:?}"
    );
    assert!(!second.iter().any(|t| t.starts_with("NATO")), "{second:?}");
}

#[test]
fn webhook_test_posts_a_sample_and_exits_0_only_on_2xx() {
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let path = write_config(
        work.path(),
        &format!(
            "[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n{}",
            webhook(
                "tool",
                &receiver.url("hook/abc123secret"),
                &format!("secret_env = \"{SECRET_VAR}\"\nformat = \"slack\"")
            )
        ),
    );
    receiver.reply([Reply::Status(200, Vec::new(), "ok, thanks".into())]);
    let (ok, out) = newshound(&path, &["webhook", "test", "tool"]);
    assert!(ok, "{out}");
    assert!(out.contains("answered HTTP 200 OK: ok, thanks"), "{out}");
    assert!(!out.contains("abc123secret"), "{out}");
    let post = &receiver.posts()[0];
    assert!(
        post.json()["blocks"][1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("newshound test delivery")
    );
    let signature = post.header("x-newshound-signature").unwrap();
    let t = &signature[2..signature.find(',').unwrap()];
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(&post.body);
    assert!(signature.ends_with(&hmac_sha256(SECRET.as_bytes(), &signed)));

    receiver.reply([Reply::Status(410, Vec::new(), "gone for good".into())]);
    let (ok, out) = newshound(&path, &["webhook", "test", "tool"]);
    assert!(!ok, "{out}");
    assert!(out.contains("HTTP 410 Gone: gone for good"), "{out}");

    let (ok, out) = newshound(&path, &["webhook", "test", "nope"]);
    assert!(!ok);
    assert!(
        out.contains("no webhook is named `nope` (configured: tool)"),
        "{out}"
    );
    // Nothing was queued.
    let db = work.path().join("newshound.db");
    assert!(outbox_of(&db).is_empty());
}

#[test]
fn webhook_test_gives_up_on_a_receiver_that_hangs_at_its_timeout() {
    let receiver = WebhookReceiver::start();
    receiver.reply([Reply::Hang]);
    let work = tempfile::tempdir().unwrap();
    let path = write_config(
        work.path(),
        &format!(
            "[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n{}",
            webhook("tool", &receiver.url("hook"), "timeout = \"1s\"")
        ),
    );
    let (ok, out) = newshound(&path, &["webhook", "test", "tool"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("gave no answer") && out.contains("no answer within 1s"),
        "{out}"
    );
}

#[test]
fn an_alert_webhook_delivers_after_the_poll_then_waits_out_the_interval() {
    let (served, feeds) = serve_copies(&["wire.rss", "defense.atom"]);
    let receiver = WebhookReceiver::start();
    let work = tempfile::tempdir().unwrap();
    let path = config(
        work.path(),
        &feeds,
        &format!(
            "[[webhooks]]\nname = \"pager\"\nurl = \"{}\"\nalert = true\nformat = \"ntfy\"\n\
             watchlists = [\"s400\"]\n\n[alerts]\ninterval = \"1h\"\n",
            receiver.url("pager-topic-e5")
        ),
    );
    let db = work.path().join("newshound.db");
    let (ok, summary) = newshound(&path, &["check"]);
    assert!(ok, "{summary}");
    assert!(
        summary.contains("pager: ntfy to http://127.0.0.1:") && summary.contains("at once (alert)"),
        "{summary}"
    );
    assert!(!summary.contains("pager-topic-e5"), "{summary}");

    let daemon = Daemon::start(&path);
    let first = receiver.wait_for_delivered(1, Duration::from_secs(30));
    assert_eq!(first[0].json()["title"], "s400: 2 stories");
    // A new story within the interval waits for the next alert: matched, not delivered.
    publish(
        served.path(),
        1,
        "Turkey moves S-400 battery number 1 to Sinop",
    );
    wait_until(Duration::from_secs(30), || {
        Connection::open(&db)
            .and_then(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM matches m JOIN items i ON i.id = m.item_id
                     WHERE i.title LIKE 'Turkey moves S-400%'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .is_ok_and(|n| n == 1)
    });
    // Past the few seconds alerts wait for a poll's matches to settle.
    std::thread::sleep(Duration::from_secs(7));
    daemon.stop(Signal::SIGTERM);
    assert_eq!(
        receiver.posts().len(),
        1,
        "rate-limited to one per interval"
    );
    assert_eq!(outbox_of(&db).len(), 1);
}
