//! What retention costs: builds a database of `NEWSHOUND_BENCH_ITEMS` items (default
//! 50,000) polled from ten feeds over 60 days, each poll listing the feed's latest 100
//! items (one in fifty matched), then prunes it 30 days on, as the daemon does, batch by
//! batch. Prints the time per recorded poll (which now also marks what the feed lists),
//! the whole prune, its longest batch (how long it holds the write lock at most), the
//! space given back, and the file size before and after. Figures are printed, never
//! asserted: timing depends on the machine.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use newshound::config::{Articles, Cadence, FeedSettings};
use newshound::model::{Item, Snippet};
use newshound::store::{FeedPoll, Location, NewMatch, PollOutcome, PollRecord, Pruning, Store};

const FEEDS: usize = 10;
const PER_POLL: usize = 100;
const DAY: i64 = 86_400;

fn main() {
    let total: usize = std::env::var("NEWSHOUND_BENCH_ITEMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let mut store = Store::open(&path).unwrap();
    let interval = Duration::from_secs(900);
    let feeds: Vec<FeedSettings> = (0..FEEDS)
        .map(|f| FeedSettings {
            name: format!("feed {f}"),
            url: url::Url::parse(&format!("https://feed{f}.example/rss")).unwrap(),
            cadence: Cadence {
                interval,
                min_interval: interval,
                max_interval: interval,
                adaptive: false,
            },
            tags: Vec::new(),
            articles: Articles::DEFAULT,
        })
        .collect();
    let ids = store.sync_feeds(&feeds).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();

    // Each poll brings 10 new items and lists the feed's latest 100.
    let new_per_poll = PER_POLL / 10;
    let polls = total / new_per_poll;
    let step = 60 * DAY / polls as i64;
    let mut latest: Vec<Vec<Item>> = vec![Vec::new(); FEEDS];
    let started = Instant::now();
    for p in 0..polls {
        let f = p % FEEDS;
        let at = start + chrono::Duration::seconds(step * p as i64);
        let fresh: Vec<Item> = (0..new_per_poll)
            .map(|k| item(p * new_per_poll + k, at))
            .collect();
        latest[f].extend(fresh.iter().cloned());
        let keep_from = latest[f].len().saturating_sub(PER_POLL);
        latest[f].drain(..keep_from);
        let matches: Vec<NewMatch> = fresh
            .iter()
            .enumerate()
            .filter(|(_, i)| i.title.contains("S-400"))
            .map(|(n, _)| NewMatch {
                item: n,
                watchlist: "s400".into(),
                matched_terms: vec!["S-400".into()],
                snippet: Snippet::default(),
            })
            .collect();
        let record = PollRecord {
            outcome: PollOutcome::Fetched {
                status: Some(200),
                etag: None,
                last_modified: None,
                body_hash: format!("{p}"),
                refresh_hint: None,
                listed: latest[f].iter().map(|i| i.identity.clone()).collect(),
            },
            at,
            next_due: at,
            interval,
            location: Location::default(),
        };
        store
            .record_poll(&FeedPoll {
                feed: ids[f],
                record,
                items: fresh,
                matches,
                edits: Vec::new(),
                articles: Default::default(),
            })
            .unwrap();
    }
    let recording = started.elapsed();
    println!(
        "{total} items in {polls} polls: {:.2} ms per poll (10 new items, 100 listed)",
        recording.as_secs_f64() * 1000.0 / polls as f64
    );

    let pages = |store: &Store| store_pages(store);
    let before = (pages(&store), file_size(&path));
    let now: DateTime<Utc> = start + chrono::Duration::days(61);
    let mut pruning = Pruning::new(
        Duration::from_secs(30 * DAY as u64),
        Duration::from_secs(365 * DAY as u64),
        &[],
        now,
    );
    let (mut batches, mut longest) = (0, Duration::ZERO);
    let started = Instant::now();
    while !pruning.is_done() {
        let t = Instant::now();
        store.prune_batch(&mut pruning).unwrap();
        longest = longest.max(t.elapsed());
        batches += 1;
    }
    let pruning_time = started.elapsed();
    let t = Instant::now();
    while store.reclaim_space(2_000).unwrap() > 0 {}
    let reclaim_time = t.elapsed();
    let after = (pages(&store), file_size(&path));
    println!(
        "prune: {:?} in {batches} batches, {:.1} s, longest batch {:.1} ms",
        pruning.pruned,
        pruning_time.as_secs_f64(),
        longest.as_secs_f64() * 1000.0
    );
    println!(
        "reclaim: {:.2} s; pages {} -> {}, file {:.1} MB -> {:.1} MB",
        reclaim_time.as_secs_f64(),
        before.0,
        after.0,
        before.1 as f64 / 1e6,
        after.1 as f64 / 1e6
    );
}

/// Item `n`, seen at `at`; one in fifty mentions the S-400.
fn item(n: usize, at: DateTime<Utc>) -> Item {
    let topic = if n.is_multiple_of(50) {
        "Turkey moves S-400 batteries"
    } else {
        "Markets close"
    };
    Item {
        identity: format!("guid:https://wire.example/{n}"),
        guid: Some(format!("https://wire.example/{n}")),
        link: Some(format!("https://wire.example/{n}")),
        title: format!("{topic} ({n})"),
        body: format!("{topic}: report number {n}, with the details of the day. ").repeat(8),
        published: Some(at),
        has_content: false,
    }
}

fn store_pages(store: &Store) -> u64 {
    store.page_count().unwrap()
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
