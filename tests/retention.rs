//! Retention in the running daemon, over weeks in moments (tokio's clock paused, as in
//! `scheduling.rs`): the daemon prunes a minute after start and then daily, articles its
//! feed dropped go, and one the feed keeps listing all along is kept, and so never sent
//! twice, even when the feed goes unchanged for longer than the retention and then
//! changes around it.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use newshound::config;
use newshound::daemon::{self, Clock};
use newshound::store::Store;
use support::fixtures::{feed_table, write_config};

const DAY: Duration = Duration::from_secs(86_400);

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// An RSS document listing these (guid, title) items.
fn rss(items: &[(String, String)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title)| {
            format!(
                "<item><title>{title}</title><guid isPermaLink=\"false\">{guid}</guid>\
                 <description>{title}, reported at length by the wire.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Wire</title>{items}</channel></rss>"
    )
}

fn item(guid: &str, title: &str) -> (String, String) {
    (guid.to_string(), title.to_string())
}

/// Every `.eml` written into `outbox`, as text.
fn mails(outbox: &Path) -> Vec<String> {
    std::fs::read_dir(outbox)
        .map(|dir| {
            dir.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn the_daemon_prunes_what_its_feed_dropped_and_never_resends_what_it_still_lists() {
    let work = tempfile::tempdir().unwrap();
    let feed = work.path().join("wire.rss");
    let outbox = work.path().join("outbox");
    let keeper = item("keeper", "Turkey keeps its S-400 batteries on alert");
    std::fs::write(
        &feed,
        rss(&[
            keeper.clone(),
            item("dropped-match", "Greece protests the S-400 deployment"),
            item("dropped-other", "Harvest festival draws crowds"),
        ]),
    )
    .unwrap();
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ninterval = \"1h\"\nadaptive = false\n\n{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1d\"\n",
            feed_table("wire", &file_url(&feed)),
            outbox.display().to_string()
        ),
    );
    // Retention as short as it goes, so that a week shows it all.
    let settings = config::load_with_env(
        &config,
        HashMap::from([
            ("NEWSHOUND__STORAGE__RETAIN_ITEMS".into(), "1d".into()),
            ("NEWSHOUND__STORAGE__RETAIN_MATCHES".into(), "2d".into()),
        ]),
    )
    .unwrap();

    // On day 1 the feed drops the two others for an article of the day; then it does not
    // change for four days, longer than any retention here, and on day 5 it changes again
    // around the keeper.
    let writer = {
        let (feed, keeper) = (feed.clone(), keeper.clone());
        tokio::spawn(async move {
            let mut last = 0;
            for day in [1, 5] {
                tokio::time::sleep((day - last) * DAY).await;
                last = day;
                let today = item(
                    &format!("day-{day}"),
                    &format!("Market report for day {day}"),
                );
                std::fs::write(&feed, rss(&[keeper.clone(), today])).unwrap();
            }
        })
    };
    daemon::run_with_clock(settings, Clock::tokio(), tokio::time::sleep(7 * DAY))
        .await
        .unwrap();
    writer.abort();

    let store = Store::open(&work.path().join("newshound.db")).unwrap();
    let titles: Vec<String> = store
        .matches_since(None, chrono::DateTime::UNIX_EPOCH)
        .unwrap()
        .into_iter()
        .map(|m| m.title)
        .collect();
    assert_eq!(titles, [keeper.1.as_str()], "the dropped match was pruned");
    drop(store);
    let db = rusqlite::Connection::open(work.path().join("newshound.db")).unwrap();
    let mut items = db.prepare("SELECT title FROM items ORDER BY id").unwrap();
    let items: Vec<String> = items
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        items,
        [keeper.1.as_str(), "Market report for day 5"],
        "the unmatched articles it dropped were pruned"
    );
    let mails = mails(&outbox);
    assert!(!mails.is_empty());
    let sent_keeper = mails.iter().filter(|m| m.contains(&keeper.1)).count();
    assert_eq!(sent_keeper, 1, "sent once, in the first digest");
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("Greece protests the S-400"))
            .count(),
        1
    );
}
