//! Politeness and moves, against real servers on loopback with the real daemon: a 429 or
//! 503 with `Retry-After` pauses every feed of that host (and only that host), and a
//! permanent redirect that has held long enough becomes the URL polled.

mod support;

use std::time::{Duration, Instant};

use newshound::config;
use newshound::daemon;
use newshound::store::Store;
use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};

/// Runs the daemon for `span` of wall time.
async fn run_for(config: &std::path::Path, span: Duration) {
    let settings = config::load(config).unwrap();
    daemon::run(settings, tokio::time::sleep(span))
        .await
        .unwrap();
}

/// Polls every feed about once a second.
const EVERY_SECOND: &str = "[polling]\ninterval = \"1s\"\nadaptive = false\ntimeout = \"5s\"\n\n";

async fn retry_after_pauses_the_whole_host(retry_after: &str, pause: Duration) {
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let (limited, elsewhere) = (
        FeedServer::start(served.path()).await,
        FeedServer::start(served.path()).await,
    );
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "{EVERY_SECOND}{}{}{}",
        feed_table(
            "rate limited",
            &limited.url(&format!("status/429?retry_after={retry_after}"))
        ),
        feed_table("same host", &limited.url("defense.atom")),
        feed_table("other host", &elsewhere.url("wire.rss")),
    );
    run_for(
        &write_config(work.path(), &body),
        pause + Duration::from_secs(3),
    )
    .await;

    let requests = limited.requests();
    let first_429 = requests
        .iter()
        .find(|r| r.status == 429)
        .expect("the rate-limited feed was polled")
        .received_at;
    // While the host asked for a pause, none of its feeds were fetched (a request
    // already on its way when the 429 came back may land just after it).
    let margin = Duration::from_millis(300);
    let during: Vec<_> = requests
        .iter()
        .filter(|r| {
            r.received_at > first_429 + margin && r.received_at < first_429 + pause - margin
        })
        .collect();
    assert!(during.is_empty(), "requests during the pause: {during:?}");
    // After it, the host's feeds are polled again.
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/defense.atom" && r.received_at >= first_429 + pause - margin),
        "{requests:?}"
    );
    // The other host was polled all along.
    let other: Vec<Instant> = elsewhere.requests().iter().map(|r| r.received_at).collect();
    assert!(
        other
            .iter()
            .any(|t| *t > first_429 + margin && *t < first_429 + pause - margin),
        "{other:?}"
    );

    let store = Store::open(&work.path().join("newshound.db")).unwrap();
    let statuses = store.feed_statuses().unwrap();
    let limited = statuses.iter().find(|s| s.name == "rate limited").unwrap();
    assert_eq!(limited.last_status, Some(429));
    assert!(limited.last_error.as_deref().unwrap().contains("429"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_in_seconds_pauses_the_whole_host() {
    retry_after_pauses_the_whole_host("4", Duration::from_secs(4)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_as_a_date_pauses_the_whole_host() {
    // An HTTP date has whole seconds: 5 seconds ahead is a pause of more than 4.
    let date = httpdate(std::time::SystemTime::now() + Duration::from_secs(5));
    let encoded: String = url::form_urlencoded::byte_serialize(date.as_bytes()).collect();
    retry_after_pauses_the_whole_host(&encoded, Duration::from_secs(4)).await;
}

fn httpdate(time: std::time::SystemTime) -> String {
    support::http::http_date(time)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_redirect_that_holds_becomes_the_url_polled() {
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "{EVERY_SECOND}moved_after = \"2s\"\n\n{}{}",
        // With credentials, which must never be shown.
        feed_table(
            "moved",
            &http
                .url("permanent/301/wire.rss")
                .replace("http://", "http://reader:hunter2@")
        ),
        feed_table("borrowed", &http.url("temporary/defense.atom")),
    );
    let config = write_config(work.path(), &body);
    run_for(&config, Duration::from_secs(5)).await;

    let requests = http.requests();
    let via_redirect = requests
        .iter()
        .filter(|r| r.path == "/permanent/301/wire.rss")
        .count();
    let direct = requests.iter().filter(|r| r.path == "/wire.rss").count();
    let last_to_old = requests
        .iter()
        .rposition(|r| r.path == "/permanent/301/wire.rss")
        .unwrap();
    // Polled through the redirect until it had held for two seconds, then directly.
    assert!(via_redirect >= 2, "{requests:?}");
    assert!(direct > via_redirect, "{requests:?}");
    assert!(
        requests[last_to_old + 1..]
            .iter()
            .all(|r| r.path != "/permanent/301/wire.rss"),
        "{requests:?}"
    );
    // A temporary redirect is followed every time and never adopted.
    assert!(
        requests
            .iter()
            .filter(|r| r.path == "/temporary/defense.atom")
            .count()
            >= 4,
        "{requests:?}"
    );

    let store = Store::open(&work.path().join("newshound.db")).unwrap();
    let statuses = store.feed_statuses().unwrap();
    let moved = statuses.iter().find(|s| s.name == "moved").unwrap();
    // The credentials go on with the feed to its new URL on the same host.
    let adopted = http
        .url("wire.rss")
        .replace("http://", "http://reader:hunter2@");
    assert_eq!(moved.location.fetch_url.as_deref(), Some(adopted.as_str()));
    assert_eq!(moved.items_seen, 5);
    let borrowed = statuses.iter().find(|s| s.name == "borrowed").unwrap();
    assert_eq!(borrowed.location.fetch_url, None);
    assert_eq!(borrowed.location.moved_to, None);
    drop(store);

    // `newshound feeds` says where the feed is polled now, without the password.
    let feeds = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_newshound"))
            .arg("--config")
            .arg(&config)
            .arg("feeds")
            .args(args)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = http
        .url("wire.rss")
        .replace("http://", "http://reader:***@");
    let table = feeds(&[]);
    assert!(table.contains(&format!("now polled at {shown}")), "{table}");
    let json = feeds(&["--json"]);
    assert!(
        json.contains(&format!("\"fetch_url\":\"{shown}\"")),
        "{json}"
    );
    for printed in [&table, &json] {
        assert!(!printed.contains("hunter2"), "{printed}");
    }

    // The new URL starts failing: after three failures in a row the configured URL is
    // polled again.
    std::fs::remove_file(served.path().join("wire.rss")).unwrap();
    http.reset_log();
    run_for(&config, Duration::from_secs(9)).await;
    let statuses = Store::open(&work.path().join("newshound.db"))
        .unwrap()
        .feed_statuses()
        .unwrap();
    let moved = statuses.iter().find(|s| s.name == "moved").unwrap();
    assert_eq!(moved.location.fetch_url, None, "{moved:?}");
    assert!(
        http.requests()
            .iter()
            .any(|r| r.path == "/permanent/301/wire.rss"),
        "{:?}",
        http.requests()
    );
}

/// A server's `Cache-Control: max-age` and `Expires` lengthen the wait before the next
/// poll (up to `max_interval`); a feed without them keeps its interval.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_headers_lengthen_the_wait_between_polls() {
    let served = served_copy(&["wire.rss", "defense.atom", "briefs.json"]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let body = format!(
        "{EVERY_SECOND}max_interval = \"1h\"\n\n{}{}{}",
        feed_table("cached", &http.url("cache/3600/wire.rss")),
        feed_table("expiring", &http.url("expires/3600/defense.atom")),
        feed_table("plain", &http.url("briefs.json")),
    );
    run_for(&write_config(work.path(), &body), Duration::from_secs(4)).await;

    let count = |path: &str| http.requests_for(path).len();
    assert_eq!(count("cache/3600/wire.rss"), 1, "{:?}", http.requests());
    assert_eq!(
        count("expires/3600/defense.atom"),
        1,
        "{:?}",
        http.requests()
    );
    assert!(count("briefs.json") >= 3, "{:?}", http.requests());
    let statuses = Store::open(&work.path().join("newshound.db"))
        .unwrap()
        .feed_statuses()
        .unwrap();
    let cached = statuses.iter().find(|s| s.name == "cached").unwrap();
    let wait = cached.next_due_at.unwrap() - cached.last_polled_at.unwrap();
    assert!(wait >= chrono::Duration::minutes(54), "{wait}");
}
