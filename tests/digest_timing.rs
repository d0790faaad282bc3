//! When digests and alerts go out, run for days in moments: the real daemon on real feed
//! files, writing its mail as `.eml` files, with tokio's clock paused and started at a
//! chosen wall time. A daily digest keeps to 08:00 local time across a clock change; an
//! alert goes out shortly after a poll, batched, at most once per interval per recipient,
//! and what it sent is not sent again by the digest.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use newshound::config;
use newshound::daemon::{self, Clock};
use support::fixtures::{feed_table, write_config};

const MINUTE: Duration = Duration::from_secs(60);

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// An RSS document with the given (guid, title, description) items.
fn rss(items: &[(&str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, text)| {
            format!(
                "<item><title>{title}</title><guid>{guid}</guid>\
                 <description>{text}</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{items}</channel></rss>"
    )
}

/// A mail the daemon wrote: when it says it was written, its subject and text.
#[derive(Debug)]
struct Written {
    date: DateTime<Utc>,
    subject: String,
    text: String,
}

/// Every `.eml` in `dir`, oldest first.
fn written(dir: &Path) -> Vec<Written> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    let mut mails: Vec<Written> = paths
        .iter()
        .map(|path| {
            let raw = std::fs::read(path).unwrap();
            let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
            Written {
                date: Utc
                    .timestamp_opt(message.date().unwrap().to_timestamp(), 0)
                    .unwrap(),
                subject: message.subject().unwrap_or_default().to_string(),
                text: message.body_text(0).unwrap().into_owned(),
            }
        })
        .collect();
    mails.sort_by_key(|m| m.date);
    mails
}

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Runs a digest with `schedule` in `timezone` (sending even when there is nothing new)
/// from `start` for `days`; returns when each message was written and its text.
async fn digests_over(start: &str, days: u64, schedule: &str, timezone: &str) -> Vec<Written> {
    let work = tempfile::tempdir().unwrap();
    let feed = work.path().join("wire.rss");
    std::fs::write(
        &feed,
        rss(&[("w-1", "Turkey tests S-400 radars", "Near Sinop.")]),
    )
    .unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ninterval = \"6h\"\nadaptive = false\n\n{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"morning\"\nto = [\"desk@example.org\"]\n\
             schedule = \"{schedule}\"\ntimezone = \"{timezone}\"\nsend_empty = true\n",
            feed_table("wire", &file_url(&feed)),
            outbox.display().to_string()
        ),
    );
    daemon::run_with_clock(
        config::load(&config).unwrap(),
        Clock::tokio_at(utc(start)),
        tokio::time::sleep(Duration::from_secs(days * 86_400)),
    )
    .await
    .unwrap();
    written(&outbox)
}

#[tokio::test(start_paused = true)]
async fn a_daily_digest_keeps_to_local_time_across_the_autumn_clock_change() {
    // Berlin leaves summer time (UTC+2) for winter time (UTC+1) at 03:00 on 25 Oct 2026.
    let mails = digests_over("2026-10-23T12:00:00Z", 4, "daily 08:00", "Europe/Berlin").await;
    let dates: Vec<DateTime<Utc>> = mails.iter().map(|m| m.date).collect();
    assert_eq!(
        dates,
        [
            utc("2026-10-24T06:00:00Z"),
            utc("2026-10-25T07:00:00Z"),
            utc("2026-10-26T07:00:00Z"),
            utc("2026-10-27T07:00:00Z"),
        ],
        "{mails:#?}"
    );
    // The first has the news; the rest say there is none, in the reader's time.
    assert!(
        mails[0].text.contains("Turkey tests S-400 radars"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[0].text.contains("Sat 24 Oct 2026 08:00 CEST"),
        "{}",
        mails[0].text
    );
    assert!(
        mails[1].subject.contains("no new stories"),
        "{}",
        mails[1].subject
    );
    assert!(
        mails[1].text.contains("Sun 25 Oct 2026 08:00 CET"),
        "{}",
        mails[1].text
    );
}

#[tokio::test(start_paused = true)]
async fn a_weekday_cron_digest_keeps_to_local_time_across_the_spring_clock_change() {
    // New York moves from UTC-5 to UTC-4 at 02:00 on Sunday 8 Mar 2026; the weekend is
    // skipped.
    let mails = digests_over("2026-03-05T18:00:00Z", 5, "0 8 * * 1-5", "America/New_York").await;
    let dates: Vec<DateTime<Utc>> = mails.iter().map(|m| m.date).collect();
    assert_eq!(
        dates,
        [
            utc("2026-03-06T13:00:00Z"),
            utc("2026-03-09T12:00:00Z"),
            utc("2026-03-10T12:00:00Z"),
        ],
        "{mails:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn alerts_go_out_at_once_batched_and_rate_limited_and_the_digest_skips_them() {
    let work = tempfile::tempdir().unwrap();
    let wire = work.path().join("wire.rss");
    let review = work.path().join("review.rss");
    let first = (
        "w-1",
        "Turkey tests S-400 radars near Sinop",
        "Officials in Ankara said.",
    );
    let second = (
        "r-1",
        "Greece protests S-400 deployment on the Aegean coast",
        "Athens summoned the ambassador.",
    );
    let nato = (
        "r-2",
        "NATO ministers meet in Brussels",
        "Spending was on the agenda.",
    );
    std::fs::write(&wire, rss(&[first])).unwrap();
    std::fs::write(&review, rss(&[second, nato])).unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ninterval = \"1m\"\nadaptive = false\n\n{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400'\nalert = true\n\n\
             [[watchlists]]\nname = \"nato\"\nquery = 'NATO'\n\n\
             [alerts]\ninterval = \"10m\"\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"morning\"\nto = [\"desk@example.org\"]\n\
             schedule = \"daily 08:00\"\ntimezone = \"UTC\"\n",
            feed_table("wire", &file_url(&wire)),
            feed_table("review", &file_url(&review)),
            outbox.display().to_string()
        ),
    );
    let start = utc("2026-11-23T07:00:00Z");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(daemon::run_with_clock(
        config::load(&config).unwrap(),
        Clock::tokio_at(start),
        async {
            stopped.await.ok();
        },
    ));

    // Two minutes in, a third S-400 story appears; the recipient had an alert moments
    // ago, so it waits for the next one.
    tokio::time::sleep(2 * MINUTE).await;
    let third = (
        "w-2",
        "Turkey moves S-400 batteries to Incirlik",
        "Satellite images show.",
    );
    std::fs::write(&wire, rss(&[third, first])).unwrap();
    // Past the digest at 08:00.
    tokio::time::sleep(62 * MINUTE).await;
    stop.send(()).unwrap();
    daemon.await.unwrap().unwrap();

    let mails = written(&outbox);
    assert_eq!(mails.len(), 3, "{mails:#?}");
    let (alert1, alert2, digest) = (&mails[0], &mails[1], &mails[2]);
    // The first alert, within seconds of the first poll, has both feeds' stories.
    assert!(alert1.subject.starts_with("newshound alert:"), "{alert1:?}");
    assert!(
        alert1.date - start < chrono::Duration::seconds(30),
        "{alert1:?}"
    );
    assert!(
        alert1.text.contains(first.1) && alert1.text.contains(second.1),
        "{alert1:?}"
    );
    assert!(
        !alert1.text.contains(nato.1),
        "not an alert watchlist: {alert1:?}"
    );
    // The next one waits out the interval.
    assert!(alert2.subject.contains(third.1), "{alert2:?}");
    assert!(
        alert2.date - alert1.date >= chrono::Duration::minutes(10),
        "{mails:#?}"
    );
    assert!(
        alert2.date - alert1.date < chrono::Duration::minutes(11),
        "{mails:#?}"
    );
    assert!(!alert2.text.contains(first.1), "{alert2:?}");
    // The digest has what was not alerted.
    assert_eq!(digest.date, utc("2026-11-23T08:00:00Z"));
    assert!(digest.text.contains(nato.1), "{digest:?}");
    for alerted in [first.1, second.1, third.1] {
        assert!(
            !digest.text.contains(alerted),
            "{alerted} sent twice: {digest:?}"
        );
    }
}
