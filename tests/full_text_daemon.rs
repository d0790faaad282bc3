//! Full text in the running daemon: an article that could not be read is fetched again
//! after `article_retry` and a match found then is mailed once; a 429 on an article
//! pauses its host, feed included; and the daemon killed (SIGKILL) between reading an
//! article and recording it, in a poll or in a retry, loses nothing and doubles nothing
//! after a restart.

mod support;

use std::path::Path;
use std::time::Duration;

use newshound::config;
use newshound::store::{ArticleStatus, Store};
use support::articles::{Entry, SINOP_TEASER, Site, fixtures};
use support::fixtures::{smtp_email, write_config};
use support::process::{Daemon, wait_until};
use support::{SmtpServer, eventually};

const LIMIT: Duration = Duration::from_secs(30);

/// The wire's one item: the Sinop report, whose teaser does not name the S-400 and whose
/// article (at `page`) does, in its fourth paragraph.
fn sinop(page: &str) -> Entry {
    Entry::new(
        "wire-sinop",
        "Radar tests resume on the Black Sea coast",
        &format!("articles/{page}"),
        Some(SINOP_TEASER),
        1,
    )
}

/// A config with the `wire` feed at `url`, `polling` (lines of `[polling]`), the s400
/// watchlist and `rest`.
fn config(work: &Path, url: &str, polling: &str, rest: &str) -> std::path::PathBuf {
    write_config(
        work,
        &format!(
            "[polling]\ninterval = \"1h\"\n{polling}\n\n[[feeds]]\nname = \"wire\"\nurl = \"{url}\"\n\n\
             [[watchlists]]\nname = \"s400\"\nquery = '\"S-400\"'\n\n{rest}"
        ),
    )
}

/// How many rows `table` has.
fn rows(db: &Path, table: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn articles(db: &Path) -> ArticleStatus {
    let statuses = Store::open(db).and_then(|s| s.feed_statuses());
    statuses
        .ok()
        .and_then(|s| s.into_iter().next())
        .map(|s| s.articles)
        .unwrap_or_default()
}

/// Makes the article `page` of the site the Sinop report.
fn publish(site: &Site, page: &str) {
    std::fs::copy(
        fixtures().join("daemon-sinop.html"),
        site.dir.path().join("articles").join(page),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_read_on_its_retry_is_matched_and_mailed_once_and_a_lost_one_given_up() {
    let site = Site::start().await;
    let smtp = SmtpServer::start().await;
    let work = tempfile::tempdir().unwrap();
    let lost = Entry::new(
        "wire-lost",
        "A report whose page is gone",
        "articles/daemon-lost.html",
        Some("A teaser."),
        2,
    );
    let url = site.feed("wire.rss", &[sinop("daemon-late.html"), lost]);
    let path = config(
        work.path(),
        &url,
        "article_retry = \"2s\"",
        &format!(
            "{}\n[[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1s\"\n",
            smtp_email(smtp.port())
        ),
    );
    let settings = config::load(&path).unwrap();
    let db = settings.storage.path.clone();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(newshound::daemon::run(settings, async {
        stopped.await.ok();
    }));

    // Both pages are missing at the first poll: matched on the teasers (nothing), noted.
    assert!(eventually(LIMIT, || articles(&db).retrying == 2).await);
    assert_eq!(rows(&db, "matches"), 0);
    publish(&site, "daemon-late.html");

    // Fetched again: the article is read and its match mailed.
    let mails = smtp.wait_for(1, LIMIT).await;
    assert_eq!(mails.len(), 1);
    let text = mails[0].parse().text.unwrap_or_default();
    assert!(
        text.contains("Radar tests resume on the Black Sea coast"),
        "{text}"
    );
    assert!(
        text.contains("S-400"),
        "the snippet shows the fourth paragraph:\n{text}"
    );
    assert!(eventually(LIMIT, || articles(&db).given_up == 1).await);

    // Long enough for a wrongly repeated retry, match or mail to show.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.send(()).unwrap();
    daemon.await.unwrap().unwrap();
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(rows(&db, "matches"), 1);
    let articles = articles(&db);
    assert_eq!(articles.read, 1, "{articles:?}");
    assert_eq!(articles.failed["http"], 3, "{articles:?}");
    assert_eq!((articles.retrying, articles.given_up), (0, 1));
    assert_eq!(site.requests_for("articles/daemon-late.html"), 2);
    assert_eq!(site.requests_for("articles/daemon-lost.html"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_on_an_article_pauses_its_host_feed_and_all() {
    let site = Site::start().await;
    let work = tempfile::tempdir().unwrap();
    let refused = Entry::new(
        "wire-refused",
        "Ankara moves its S-400 batteries",
        "status/429?retry_after=30",
        Some("Ankara moves its S-400 batteries to the coast."),
        1,
    );
    let url = site.feed("wire.rss", &[refused]);
    let path = config(
        work.path(),
        &url,
        "min_interval = \"1s\"\nmax_interval = \"1s\"\n",
        "",
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("interval = \"1h\"", "interval = \"1s\"");
    std::fs::write(&path, text).unwrap();
    let settings = config::load(&path).unwrap();
    let db = settings.storage.path.clone();
    newshound::daemon::run(settings, tokio::time::sleep(Duration::from_secs(4)))
        .await
        .unwrap();

    // Polled once, then deferred each second while its host's pause lasts.
    assert_eq!(
        site.requests_for("wire.rss"),
        1,
        "{:?}",
        site.http.requests()
    );
    assert_eq!(site.requests_for("status/429"), 1);
    assert_eq!(rows(&db, "matches"), 1, "matched on the feed's text");
    let articles = articles(&db);
    assert_eq!((articles.failed["http"], articles.retrying), (1, 1));
}

/// Kills the daemon frozen at `point`, restarts it, and waits for the one match.
fn killed_at(point: &str, site: &Site, path: &Path, before_kill: impl FnOnce()) -> String {
    let db = config::load(path).unwrap().storage.path;
    let mut daemon = Daemon::start_with(path, &[("NEWSHOUND_PAUSE_AT", point)]);
    before_kill();
    daemon.wait_for_log(&format!("paused at {point}"));
    let log = daemon.kill();
    assert_eq!(rows(&db, "matches"), 0, "{log}");

    let daemon = Daemon::start(path);
    wait_until(LIMIT, || rows(&db, "matches") == 1);
    // Long enough for a wrongly repeated fetch or match to show.
    std::thread::sleep(Duration::from_millis(1500));
    let restarted = daemon.stop(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(rows(&db, "matches"), 1, "{restarted}");
    assert_eq!(rows(&db, "items"), 1, "{restarted}");
    let articles = articles(&db);
    assert_eq!((articles.read, articles.retrying), (1, 0), "{articles:?}");
    let _ = site;
    format!("{log}\n---\n{restarted}")
}

#[test]
fn killed_between_reading_an_article_and_recording_the_poll_it_loses_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let work = tempfile::tempdir().unwrap();
    let url = site.feed("wire.rss", &[sinop("daemon-sinop.html")]);
    let path = config(work.path(), &url, "", "");
    killed_at("articles-read", &site, &path, || {});
    // Read by the killed run and again by the next: nothing of the first was stored.
    assert_eq!(site.requests_for("articles/daemon-sinop.html"), 2);
}

#[test]
fn killed_between_fetching_an_article_again_and_recording_it_it_loses_nothing() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let site = runtime.block_on(Site::start());
    let work = tempfile::tempdir().unwrap();
    let url = site.feed("wire.rss", &[sinop("daemon-late.html")]);
    let path = config(work.path(), &url, "article_retry = \"2s\"", "");
    let db = config::load(&path).unwrap().storage.path;
    killed_at("article-refetched", &site, &path, || {
        // The page appears once the poll has noted it missing.
        wait_until(LIMIT, || articles(&db).retrying == 1);
        publish(&site, "daemon-late.html");
    });
    // The poll's, the killed retry's, and the retry after the restart.
    assert_eq!(site.requests_for("articles/daemon-late.html"), 3);
}
