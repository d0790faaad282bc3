//! The scheduling arithmetic, run for days in moments: the real daemon (`run_with_clock`)
//! on real feed files and a real SQLite file, with tokio's clock paused. Every wait in the
//! daemon is a tokio timer and every store or file access runs on the blocking pool,
//! which holds the paused clock still, so simulated time only moves when the daemon is
//! idle, exactly as far as its next timer.

mod support;

use std::path::Path;
use std::time::Duration;

use newshound::config;
use newshound::daemon::{self, Clock};
use newshound::store::{Condition, FeedStatus, Store};
use support::fixtures::{feed_table, feeds_dir, write_config};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// Runs the daemon on `config` for `span` of simulated time.
async fn run_for(config: &Path, clock: Clock, span: Duration) {
    let settings = config::load(config).unwrap();
    daemon::run_with_clock(settings, clock, tokio::time::sleep(span))
        .await
        .unwrap();
}

fn statuses(dir: &Path) -> Vec<FeedStatus> {
    Store::open(&dir.join("newshound.db"))
        .unwrap()
        .feed_statuses()
        .unwrap()
}

fn status<'a>(statuses: &'a [FeedStatus], name: &str) -> &'a FeedStatus {
    statuses.iter().find(|s| s.name == name).unwrap()
}

fn file_url(path: &Path) -> String {
    url::Url::from_file_path(path).unwrap().to_string()
}

/// An RSS document with `n` items and an optional `<ttl>` (minutes).
fn rss(n: usize, ttl: Option<u32>) -> String {
    let ttl = ttl.map(|t| format!("<ttl>{t}</ttl>")).unwrap_or_default();
    let items: String = (0..n)
        .map(|i| format!("<item><title>Story {i}</title><guid>story-{i}</guid></item>"))
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>{ttl}{items}</channel></rss>"
    )
}

#[tokio::test(start_paused = true)]
async fn a_quiet_feed_slows_down_and_a_busy_one_speeds_up() {
    let work = tempfile::tempdir().unwrap();
    let quiet = work.path().join("quiet.rss");
    let busy = work.path().join("busy.rss");
    std::fs::write(&quiet, rss(3, None)).unwrap();
    std::fs::write(&busy, rss(1, None)).unwrap();
    let body = format!(
        "[polling]\ninterval = \"15m\"\nmin_interval = \"5m\"\nmax_interval = \"2h\"\n\n{}{}",
        feed_table("quiet", &file_url(&quiet)),
        feed_table("busy", &file_url(&busy)),
    );
    let config = write_config(work.path(), &body);

    // The busy feed gets a new item every two and a half minutes: every poll finds one,
    // however its wait was jittered (up to 10% either side of the 5-minute floor). With a
    // new item every five minutes, a poll 4.6 minutes after the last could find none and
    // end the run at 6.25 minutes.
    let writer = tokio::spawn(async move {
        for n in 2.. {
            tokio::time::sleep(5 * MINUTE / 2).await;
            std::fs::write(&busy, rss(n, None)).unwrap();
        }
    });
    run_for(&config, Clock::tokio(), 12 * HOUR).await;
    writer.abort();

    let all = statuses(work.path());
    let (quiet, busy) = (status(&all, "quiet"), status(&all, "busy"));
    // Fixed 15-minute polling would be 48 polls in 12 hours.
    assert_eq!(quiet.interval, Some(2 * HOUR), "{quiet:?}");
    assert!(quiet.polls <= 16, "quiet feed polled {} times", quiet.polls);
    assert_eq!(busy.interval, Some(5 * MINUTE), "{busy:?}");
    assert!(busy.polls >= 100, "busy feed polled {} times", busy.polls);
    assert!(busy.items_seen >= 100, "{busy:?}");
}

#[tokio::test(start_paused = true)]
async fn the_feeds_own_ttl_lengthens_the_interval() {
    let work = tempfile::tempdir().unwrap();
    let hinted = work.path().join("hinted.rss");
    let plain = work.path().join("plain.rss");
    std::fs::write(&hinted, rss(2, Some(60))).unwrap();
    std::fs::write(&plain, rss(2, None)).unwrap();
    let body = format!(
        "[polling]\ninterval = \"15m\"\nadaptive = false\n\n{}{}",
        feed_table("hinted", &file_url(&hinted)),
        feed_table("plain", &file_url(&plain)),
    );
    run_for(&write_config(work.path(), &body), Clock::tokio(), 12 * HOUR).await;

    let all = statuses(work.path());
    // Every 15 minutes (±10%): 44 to 54 polls; every hour (<ttl>60</ttl>): 11 to 14.
    let plain = status(&all, "plain").polls;
    let hinted = status(&all, "hinted").polls;
    assert!(
        (44..=54).contains(&plain),
        "plain feed polled {plain} times"
    );
    assert!(
        (11..=14).contains(&hinted),
        "hinted feed polled {hinted} times"
    );
}

#[tokio::test(start_paused = true)]
async fn feeds_with_the_same_interval_do_not_fire_in_the_same_second() {
    let work = tempfile::tempdir().unwrap();
    let mut body =
        String::from("[polling]\ninterval = \"1h\"\nadaptive = false\nconcurrency = 16\n\n");
    let url = file_url(&feeds_dir().join("wire.rss"));
    for i in 0..200 {
        // The same file, under URLs that differ only by a query the file reader ignores.
        body.push_str(&feed_table(&format!("feed {i:03}"), &format!("{url}?{i}")));
    }
    run_for(
        &write_config(work.path(), &body),
        Clock::tokio(),
        3 * HOUR + 30 * MINUTE,
    )
    .await;

    let all = statuses(work.path());
    assert_eq!(all.len(), 200);
    assert!(
        all.iter()
            .all(|s| s.polls >= 3 && s.consecutive_failures == 0),
        "{:?}",
        all[0]
    );
    // The first polls all start at once; after three jittered intervals the feeds are
    // spread over many minutes.
    let mut per_second = std::collections::HashMap::<i64, usize>::new();
    for s in &all {
        *per_second
            .entry(s.last_polled_at.unwrap().timestamp())
            .or_default() += 1;
    }
    let busiest = per_second.values().max().unwrap();
    assert!(
        per_second.len() >= 150,
        "only {} distinct seconds",
        per_second.len()
    );
    assert!(*busiest <= 5, "{busiest} feeds polled in the same second");
}

#[tokio::test(start_paused = true)]
async fn a_failing_feed_backs_off_is_flagged_after_a_week_and_is_never_dropped() {
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let missing = work.path().join("later.rss");
    let body = format!(
        "[polling]\ninterval = \"10m\"\nmax_backoff = \"6h\"\nfailing_after = \"7d\"\n\n\
         [email]\ntransport = \"file\"\noutbox = {:?}\nfrom = \"newshound <n@newshound.test>\"\n\n\
         {}{}\
         [[watchlists]]\nname = \"s400\"\nquery = \"S-400\"\n\n\
         [[digests]]\nname = \"daily\"\nto = [\"reader@newshound.test\"]\nschedule = \"every 1d\"\n",
        outbox.display().to_string(),
        feed_table("wire", &file_url(&work.path().join("wire.rss"))),
        feed_table("later", &file_url(&missing)),
    );
    let config = write_config(work.path(), &body);
    let wire = work.path().join("wire.rss");
    std::fs::copy(feeds_dir().join("wire.rss"), &wire).unwrap();
    let clock = Clock::tokio();
    let start = clock.now();

    // Six days of failures: backing off to the 6-hour cap, not flagged yet.
    run_for(&config, clock, 6 * DAY).await;
    let all = statuses(work.path());
    let later = status(&all, "later");
    // 10m, 20m, 40m, 80m, 160m, 320m, then every 6h: about 29 polls in six days.
    assert!((25..=33).contains(&later.consecutive_failures), "{later:?}");
    assert_eq!(later.last_error_kind.as_deref(), Some("file"));
    assert!(later.last_error.as_deref().unwrap().contains("later.rss"));
    assert_eq!(
        later.failing_since.map(|t| (t - start).num_seconds()),
        Some(0)
    );
    assert_eq!(later.condition(clock.now(), 7 * DAY), Condition::Erroring);
    let gap = later.next_due_at.unwrap() - later.last_polled_at.unwrap();
    assert!(gap <= chrono::Duration::minutes(6 * 66), "{gap}");

    // Two and a half more days (after a restart): flagged, still polled at the cap, and
    // named in the footer of the next digest, which a new item on day 7 gives something
    // to send.
    let story = wire.clone();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(DAY + 4 * HOUR).await;
        let text = std::fs::read_to_string(&story).unwrap().replacen(
            "<item>",
            "<item><title>Ankara takes S-400 delivery</title><guid>new-s400</guid></item><item>",
            1,
        );
        std::fs::write(&story, text).unwrap();
    });
    run_for(&config, clock, 2 * DAY + 12 * HOUR).await;
    writer.await.unwrap();
    let all = statuses(work.path());
    let later = status(&all, "later");
    assert_eq!(later.condition(clock.now(), 7 * DAY), Condition::Failing);
    assert!(clock.now() - later.last_polled_at.unwrap() <= chrono::Duration::minutes(6 * 66));
    let last_digest = newest_digest(&outbox);
    assert!(
        last_digest.contains("Ankara takes S-400 delivery"),
        "{last_digest}"
    );
    assert!(
        last_digest.contains("1 feed failing: later (since"),
        "footer missing in:\n{last_digest}"
    );

    // The feed comes back: the next poll (within the cap) clears the flag.
    std::fs::copy(feeds_dir().join("wire.rss"), &missing).unwrap();
    run_for(&config, clock, 7 * HOUR).await;
    let all = statuses(work.path());
    let later = status(&all, "later");
    assert_eq!(
        later.condition(clock.now(), 7 * DAY),
        Condition::Ok,
        "{later:?}"
    );
    assert_eq!(later.consecutive_failures, 0);
    assert_eq!(later.items_seen, 5);
}

/// The plain-text part of the newest `.eml` file in `dir`.
fn newest_digest(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    let newest = files.last().expect("no digest was written");
    let raw = std::fs::read(newest).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    message.body_text(0).unwrap().into_owned()
}
