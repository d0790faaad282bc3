//! Feeds that fail (404, 500, malformed XML, an HTML page, a server that never answers,
//! a missing file) are recorded with a readable error and do not stop the healthy ones.

mod support;

use std::time::Duration;

use newshound::config;
use newshound::daemon::{self, FeedReport};
use newshound::store::Store;
use support::FeedServer;
use support::fixtures::{feed_table, feeds_dir, served_copy, write_config};

fn outcome<'a>(reports: &'a [FeedReport], name: &str) -> &'a Result<daemon::Polled, String> {
    &reports.iter().find(|r| r.feed == name).unwrap().outcome
}

/// A well-formed RSS document of at least `bytes` bytes.
fn huge_feed(bytes: usize) -> String {
    let mut text =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Huge</title>");
    let mut n = 0;
    while text.len() < bytes {
        n += 1;
        text.push_str(&format!(
            "<item><title>Item {n}</title><guid>huge-{n}</guid><description>{}</description></item>",
            "Lorem ipsum dolor sit amet. ".repeat(20)
        ));
    }
    text.push_str("</channel></rss>");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_feeds_are_recorded_and_do_not_stop_the_others() {
    let served = served_copy(&["wire.rss", "defense.atom", "malformed.xml", "page.html"]);
    std::fs::write(served.path().join("huge.rss"), huge_feed(300_000)).unwrap();
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let missing_file = work.path().join("nowhere.rss");
    let local = url::Url::from_file_path(feeds_dir().join("briefs.json")).unwrap();
    let mut body =
        String::from("[polling]\ntimeout = \"2s\"\nconcurrency = 4\nmax_body_size = \"100KB\"\n\n");
    for (name, url) in [
        ("wire", http.url("wire.rss")),
        ("gone", http.url("missing.rss")),
        ("broken server", http.url("status/500")),
        ("malformed", http.url("malformed.xml")),
        ("login page", http.url("page.html")),
        ("silent", http.url("hang")),
        ("trickle", http.url("trickle")),
        ("review", http.url("defense.atom")),
        ("gzipped", http.url("gzip/defense.atom")),
        ("huge", http.url("huge.rss")),
        ("local file", local.to_string()),
        (
            "missing file",
            url::Url::from_file_path(&missing_file).unwrap().to_string(),
        ),
        // Nothing listens there.
        (
            "refused",
            format!("http://127.0.0.1:{}/feed.rss", support::unused_port()),
        ),
        // HTTPS to a server that speaks plain HTTP.
        (
            "no tls",
            http.url("wire.rss").replace("http://", "https://"),
        ),
    ] {
        body.push_str(&feed_table(name, &url));
    }
    body.push_str("[[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n");
    let settings = config::load(&write_config(work.path(), &body)).unwrap();
    let db_path = settings.storage.path.clone();

    let reports = tokio::time::timeout(Duration::from_secs(60), daemon::poll_once(settings, None))
        .await
        .expect("a hanging server does not hang the poll")
        .unwrap();
    assert_eq!(reports.len(), 14);

    for (name, items) in [
        ("wire", 5),
        ("review", 3),
        ("gzipped", 3),
        ("local file", 2),
    ] {
        let polled = outcome(&reports, name)
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(polled.items, items, "{name}");
    }
    for (name, error) in [
        ("gone", "HTTP 404"),
        ("broken server", "HTTP 500"),
        ("malformed", "malformed XML at line 8, column 5"),
        ("login page", "not a feed: an HTML page"),
        ("silent", "timed out after 2s"),
        ("trickle", "timed out after 2s"),
        ("missing file", "cannot read file"),
        ("huge", "larger than the 100000-byte limit"),
    ] {
        let message = outcome(&reports, name).as_ref().expect_err(name);
        assert!(
            message.contains(error),
            "{name}: {message:?} lacks {error:?}"
        );
    }

    // The store keeps each feed's state; the healthy feeds' matches are there.
    let store = Store::open(&db_path).unwrap();
    let statuses = store.feed_statuses().unwrap();
    let status = |name: &str| statuses.iter().find(|s| s.name == name).unwrap();
    assert_eq!(status("gone").last_status, Some(404));
    assert_eq!(status("gone").consecutive_failures, 1);
    assert!(
        status("silent")
            .last_error
            .as_deref()
            .unwrap()
            .contains("timed out")
    );
    assert!(
        status("malformed").next_due_at.is_some(),
        "a failing feed is retried later"
    );
    assert_eq!(status("wire").consecutive_failures, 0);
    assert!(status("wire").last_error.is_none());
    // Each failure is recorded with its kind and when it happened.
    for (name, kind) in [
        ("gone", "http"),
        ("broken server", "http"),
        ("malformed", "malformed"),
        ("login page", "not a feed"),
        ("silent", "timeout"),
        ("trickle", "timeout"),
        ("missing file", "file"),
        ("huge", "too large"),
        ("refused", "connect"),
        ("no tls", "tls"),
    ] {
        assert_eq!(
            status(name).last_error_kind.as_deref(),
            Some(kind),
            "{name}: {:?}",
            status(name)
        );
        assert!(status(name).last_error_at.is_some(), "{name}");
    }
    let matches = store
        .matches_since(None, chrono::Utc::now() - chrono::Duration::hours(1))
        .unwrap();
    let titles: Vec<&str> = matches.iter().map(|m| m.title.as_str()).collect();
    assert!(
        titles.iter().any(|t| t.starts_with("Turkey says S-400")),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t.starts_with("Türkiye and the S 400")),
        "{titles:?}"
    );
    assert!(!titles.iter().any(|t| t.contains("Sign in")), "{titles:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_failed_is_polled_again_and_recovers() {
    let served = served_copy(&[]);
    let http = FeedServer::start(served.path()).await;
    let work = tempfile::tempdir().unwrap();
    let body = feed_table("wire", &http.url("wire.rss"));
    let path = write_config(work.path(), &body);

    let reports = daemon::poll_once(config::load(&path).unwrap(), None)
        .await
        .unwrap();
    assert!(
        outcome(&reports, "wire")
            .as_ref()
            .unwrap_err()
            .contains("404")
    );

    std::fs::copy(feeds_dir().join("wire.rss"), served.path().join("wire.rss")).unwrap();
    let reports = daemon::poll_once(config::load(&path).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(outcome(&reports, "wire").as_ref().unwrap().new_items, 5);

    let store = Store::open(&work.path().join("newshound.db")).unwrap();
    let wire = &store.feed_statuses().unwrap()[0];
    assert_eq!(wire.consecutive_failures, 0);
    assert_eq!(wire.items_seen, 5);
    // The last error stays visible for the record, with when it happened.
    assert!(wire.last_error.as_deref().unwrap().contains("404"));
}

/// `polling.concurrency` bounds the fetches in flight; the server counts how many
/// requests it was answering at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_bounds_requests_in_flight() {
    let served = served_copy(&["wire.rss", "defense.atom", "briefs.json"]);
    for (limit, expected_most) in [(1, 1), (4, 4)] {
        let http = FeedServer::start(served.path()).await;
        let work = tempfile::tempdir().unwrap();
        let mut body = format!("[polling]\nconcurrency = {limit}\nconcurrency_per_host = 8\n\n");
        for (i, file) in ["wire.rss", "defense.atom", "briefs.json", "wire.rss"]
            .iter()
            .enumerate()
        {
            // Slow answers, so that fetches overlap whenever the limit lets them.
            body.push_str(&feed_table(
                &format!("feed {i}"),
                &http.url(&format!("slow/0.{}5/{file}", i + 3)),
            ));
        }
        let settings = config::load(&write_config(work.path(), &body)).unwrap();
        let reports = daemon::poll_once(settings, None).await.unwrap();
        assert!(reports.iter().all(|r| r.outcome.is_ok()), "{reports:?}");
        assert_eq!(http.requests().len(), 4);
        assert_eq!(
            http.max_in_flight(),
            expected_most,
            "with concurrency = {limit}"
        );
    }
}

/// `polling.concurrency_per_host` bounds the requests in flight to one host (host and
/// port), whatever the global limit, and one busy host does not hold back another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_host_limit_bounds_requests_to_one_host() {
    let served = served_copy(&["wire.rss", "defense.atom", "briefs.json"]);
    let (one, other) = (
        FeedServer::start(served.path()).await,
        FeedServer::start(served.path()).await,
    );
    let work = tempfile::tempdir().unwrap();
    let mut body = String::from("[polling]\nconcurrency = 16\n\n");
    for (host, server) in [("one", &one), ("other", &other)] {
        for i in 0..6 {
            let file = ["wire.rss", "defense.atom", "briefs.json"][i % 3];
            body.push_str(&feed_table(
                &format!("{host} {i}"),
                &server.url(&format!("slow/0.4/{file}?n={i}")),
            ));
        }
    }
    let settings = config::load(&write_config(work.path(), &body)).unwrap();
    assert_eq!(settings.polling.concurrency_per_host, 2);
    let reports = daemon::poll_once(settings, None).await.unwrap();
    assert!(reports.iter().all(|r| r.outcome.is_ok()), "{reports:?}");
    for server in [&one, &other] {
        assert_eq!(server.requests().len(), 6);
        assert_eq!(server.max_in_flight(), 2);
    }
}
