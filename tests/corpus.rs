//! Real-world feeds parse or fail cleanly. Runs over the shared corpus of ~2,700 feeds
//! from other projects' test suites (`../shared/corpus/feeds`, or `NEWSHOUND_CORPUS`) when
//! it is there, and over the project's own fixtures (`tests/fixtures/feeds`) when it is not.
//!
//! The whole-directory test goes through the real pipeline, not the parser alone: a
//! loopback HTTP server serves the files, `poll_once` fetches, parses, matches and stores
//! them in a SQLite file, and the verdict is read back from the store, so what is checked
//! is what `newshound feeds` would show.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use newshound::config;
use newshound::daemon::{self, FeedReport};
use newshound::feed::parse::{self, ParseError};
use newshound::store::{FeedStatus, Store};
use support::FeedServer;
use support::fixtures::{feed_table, feeds_dir, files_under, write_config};
use url::Url;

/// Longest a whole-directory poll may take before the test gives up and names the feeds
/// still unpolled. Far above the expected time: it is there so a hang fails, not to
/// measure speed.
const POLL_LIMIT: Duration = Duration::from_secs(600);

/// First path segments the test server answers itself instead of serving a file.
const SERVER_ROUTES: [&str; 7] = [
    "hang", "trickle", "loop", "status", "slow", "redirect", "gzip",
];

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSHOUND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds"));
    dir.is_dir().then_some(dir)
}

/// The feed files under `dir`: all but the corpus's notes on them.
fn feed_files(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|path| {
            !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("SOURCES.md" | "manifest.tsv")
            )
        })
        .collect()
}

/// `manifest.tsv`, if there is one: each listed path with the number of `<item>`/`<entry>`
/// elements it counted (`None` where the column is not a number).
fn manifest(dir: &Path) -> Option<HashMap<String, Option<u64>>> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).ok()?;
    Some(
        text.lines()
            .skip(1)
            .filter_map(|line| {
                let columns: Vec<&str> = line.split('\t').collect();
                let path = columns.first().filter(|path| !path.is_empty())?;
                Some((
                    path.to_string(),
                    columns.get(4).and_then(|n| n.parse().ok()),
                ))
            })
            .collect(),
    )
}

/// A file of the served directory and where the pipeline fetched it from.
struct Served {
    /// The path under the directory, `/`-separated; also the feed's name.
    name: String,
    url: Url,
    /// Served by a second server under a plain name, because the test server cannot serve
    /// the original one (it looks paths up without percent-decoding them).
    stand_in: bool,
}

/// How the store says one file came out.
enum Fate {
    Parsed { items: i64 },
    Empty,
    Rejected(String),
}

/// Everything one whole-directory poll produced.
struct Run {
    served: Vec<Served>,
    reports: Vec<FeedReport>,
    statuses: Vec<FeedStatus>,
    elapsed: Duration,
}

/// `rel` as a `/`-separated name, or `None` if part of it is not UTF-8.
fn slash_name(rel: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    Some(parts?.join("/"))
}

/// `base` with `name`'s segments appended, each percent-encoded as needed.
fn url_for(base: &Url, name: &str) -> Url {
    let mut url = base.clone();
    url.path_segments_mut()
        .expect("http URL has a path")
        .pop_if_empty()
        .extend(name.split('/'));
    url
}

/// Whether the test server answers `url` with the file `name`: it looks the request path
/// up as it comes, so the path must need no percent-encoding, and must not start with
/// one of its own routes.
fn servable(url: &Url, name: &str) -> bool {
    let first = name.split('/').next().unwrap_or("");
    url.path() == format!("/{name}") && !SERVER_ROUTES.contains(&first)
}

/// `text` as the inside of a TOML basic string.
fn toml_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Serves `files` (all under `dir`) over HTTP, polls each once as a feed of its own with
/// one watchlist, and reads back what the store recorded. The database lives in `work`.
async fn poll_directory(dir: &Path, files: &[PathBuf], work: &Path) -> Run {
    let server = FeedServer::start(dir).await;
    let base = Url::parse(&server.base_url()).unwrap();
    let stand_in_dir = work.join("stand-ins");
    let mut stand_in_names = Vec::new();
    let mut served = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let rel = file.strip_prefix(dir).unwrap();
        let name = slash_name(rel);
        let url = name.as_deref().map(|name| url_for(&base, name));
        let name = name.unwrap_or_else(|| rel.to_string_lossy().replace('\\', "/"));
        match url {
            Some(url) if servable(&url, &name) => served.push(Served {
                name,
                url,
                stand_in: false,
            }),
            _ => {
                let plain: String = name
                    .chars()
                    .map(|c| match c {
                        'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '-' | '_' => c,
                        _ => '_',
                    })
                    .collect();
                let plain = format!("{index:05}-{plain}");
                std::fs::create_dir_all(&stand_in_dir).unwrap();
                std::fs::copy(file, stand_in_dir.join(&plain)).unwrap();
                stand_in_names.push((served.len(), plain));
                served.push(Served {
                    name,
                    url: base.clone(),
                    stand_in: true,
                });
            }
        }
    }
    let stand_in_server = if stand_in_names.is_empty() {
        None
    } else {
        Some(FeedServer::start(&stand_in_dir).await)
    };
    if let Some(server) = &stand_in_server {
        for (at, plain) in stand_in_names {
            served[at].url = Url::parse(&server.url(&plain)).unwrap();
        }
    }

    let mut body = String::from(
        "[polling]\ntimeout = \"10s\"\nconcurrency = 8\nconcurrency_per_host = 8\n\n\
         [[watchlists]]\nname = \"corpus\"\nquery = 'news OR title:test OR Turkey OR \"new version\"'\n\n",
    );
    for feed in &served {
        body.push_str(&feed_table(&toml_escaped(&feed.name), feed.url.as_str()));
    }
    let config_path = write_config(work, &body);
    let settings = config::load(&config_path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(settings.feeds.len(), served.len());

    let start = Instant::now();
    let reports = daemon::poll_once(settings, None)
        .await
        .expect("poll_once runs");
    let elapsed = start.elapsed();
    let statuses = Store::open(&work.join("newshound.db"))
        .unwrap()
        .feed_statuses()
        .unwrap();
    Run {
        served,
        reports,
        statuses,
        elapsed,
    }
}

/// Runs `future` on a fresh two-thread runtime (CI has two cores) for at most `limit`.
/// `None` if it did not finish; a parser stuck on the blocking pool is then abandoned
/// rather than waited for, so a hang fails the test instead of stalling it.
fn run_bounded<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = runtime
        .block_on(async { tokio::time::timeout(limit, future).await })
        .ok();
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// The stable head of an error: the text before its first `:` ("not a feed",
/// "malformed feed"), or all of it when there is none ("HTTP 404 Not Found").
fn reason_category(error: &str) -> &str {
    let lead = error.split(':').next().unwrap_or(error).trim();
    // "malformed XML at line 7, column 51" counts with the other malformed XML.
    lead.split(" at line ").next().unwrap_or(lead)
}

/// Polls every file of `dir` through the pipeline, checks each one ended in items or a
/// readable recorded error, prints the counts and returns how many succeeded (with or
/// without items).
///
/// `counted` holds, where known, how many items a file has by a plain element count; it
/// only serves to point at files that parsed empty although they hold items.
fn poll_and_tally(dir: &Path, files: &[PathBuf], counted: &HashMap<String, Option<u64>>) -> usize {
    let work = tempfile::tempdir().unwrap();
    let run = run_bounded(POLL_LIMIT, poll_directory(dir, files, work.path()))
        .unwrap_or_else(|| {
            let unpolled: Vec<String> = Store::open(&work.path().join("newshound.db"))
                .and_then(|store| store.feed_statuses())
                .map(|statuses| {
                    statuses
                        .into_iter()
                        .filter(|s| s.last_polled_at.is_none())
                        .map(|s| s.name)
                        .take(20)
                        .collect()
                })
                .unwrap_or_default();
            panic!(
                "polling {} did not finish within {POLL_LIMIT:?}; not yet polled (first 20): {unpolled:?}",
                dir.display()
            )
        });

    assert_eq!(run.reports.len(), run.served.len(), "one report per feed");
    assert_eq!(
        run.statuses.len(),
        run.served.len(),
        "the store knows every feed, and no other"
    );
    let mut by_url: HashMap<&str, &FeedStatus> =
        run.statuses.iter().map(|s| (s.url.as_str(), s)).collect();
    let reports: HashMap<&str, &FeedReport> =
        run.reports.iter().map(|r| (r.feed.as_str(), r)).collect();

    let mut fates = Vec::new();
    for feed in &run.served {
        let status = by_url
            .remove(feed.url.as_str())
            .unwrap_or_else(|| panic!("{}: not in the store", feed.name));
        assert!(
            status.last_polled_at.is_some(),
            "{}: never polled: {status:?}",
            feed.name
        );
        let report = reports[status.name.as_str()];
        let fate = match (&status.last_success_at, &status.last_error) {
            (Some(_), None) if status.items_seen > 0 => Fate::Parsed {
                items: status.items_seen,
            },
            (Some(_), None) => Fate::Empty,
            (None, Some(error)) => {
                let first_line = error.lines().next().unwrap_or("");
                assert!(
                    first_line.trim().len() > 12,
                    "{}: unreadable error {error:?}",
                    feed.name
                );
                assert!(
                    !error.contains('\n'),
                    "{}: error spans several lines: {error:?}",
                    feed.name
                );
                Fate::Rejected(error.clone())
            }
            _ => panic!("{}: neither a success nor an error: {status:?}", feed.name),
        };
        // What poll_once said and what it stored must agree.
        match (&fate, &report.outcome) {
            (Fate::Parsed { .. } | Fate::Empty, Ok(polled)) => assert_eq!(
                polled.items > 0,
                matches!(fate, Fate::Parsed { .. }),
                "{}: {} items parsed, {} stored",
                feed.name,
                polled.items,
                status.items_seen
            ),
            (Fate::Rejected(stored), Err(reported)) => {
                assert_eq!(stored, reported, "{}", feed.name)
            }
            (_, outcome) => panic!("{}: reported {outcome:?} but stored {status:?}", feed.name),
        }
        fates.push((feed, fate));
    }

    let mut items = 0;
    let mut parsed = 0;
    let mut empty = Vec::new();
    let mut rejected: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (feed, fate) in &fates {
        match fate {
            Fate::Parsed { items: n } => {
                parsed += 1;
                items += n;
            }
            Fate::Empty => empty.push(feed.name.as_str()),
            Fate::Rejected(error) => rejected
                .entry(reason_category(error))
                .or_default()
                .push((feed.name.as_str(), error.as_str())),
        }
    }
    let rejections: usize = rejected.values().map(Vec::len).sum();
    let matches: usize = run
        .reports
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .map(|polled| polled.matches.len())
        .sum();
    let stand_ins: Vec<&str> = run
        .served
        .iter()
        .filter(|f| f.stand_in)
        .map(|f| f.name.as_str())
        .collect();

    eprintln!(
        "{}: {} files polled over HTTP in {:.1?}",
        dir.display(),
        files.len(),
        run.elapsed
    );
    if !stand_ins.is_empty() {
        eprintln!(
            "  {} served under a plain stand-in name (the test server does not \
             percent-decode paths): {stand_ins:?}",
            stand_ins.len()
        );
    }
    eprintln!("  {parsed} parsed ({items} items stored, {matches} watchlist matches)");
    let empty_with_items: Vec<_> = empty
        .iter()
        .filter_map(|name| match counted.get(*name) {
            Some(Some(n)) if *n > 0 => Some(format!("{name} ({n})")),
            _ => None,
        })
        .collect();
    eprintln!("  {} parsed but empty", empty.len());
    if !empty_with_items.is_empty() {
        // Not a failure: feed-rs skips what it does not know (Atom 0.3 entries, for one),
        // and newshound takes what is left. Shown so that the gap stays visible.
        eprintln!(
            "    of those, {} hold <item>/<entry> elements by the manifest's count \
             (first 10): {:?}",
            empty_with_items.len(),
            &empty_with_items[..empty_with_items.len().min(10)]
        );
    }
    eprintln!("  {rejections} rejected:");
    let mut categories: Vec<_> = rejected.iter().collect();
    categories.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    for (category, feeds) in categories {
        let (name, error) = feeds[0];
        let error: String = error.chars().take(160).collect();
        eprintln!(
            "  {:>6}  {category}    e.g. {name}: {}",
            feeds.len(),
            error.escape_debug()
        );
    }
    assert_eq!(parsed + empty.len() + rejections, files.len());
    // Every file is on disk, so an HTTP status means the test server did not serve it and
    // the file was never parsed at all.
    let unserved: Vec<_> = rejected
        .iter()
        .filter(|(category, _)| category.starts_with("HTTP "))
        .flat_map(|(_, feeds)| feeds)
        .collect();
    assert!(
        unserved.is_empty(),
        "files the test server did not serve: {unserved:?}"
    );
    parsed + empty.len()
}

#[test]
fn project_fixtures_parse_or_fail_as_expected() {
    let dir = feeds_dir();
    let base = Url::parse("https://fixtures.example/feed").unwrap();
    for (name, items) in [("wire.rss", 5), ("defense.atom", 3), ("briefs.json", 2)] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let feed = parse::parse(&bytes, &base).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(feed.items.len(), items, "{name}");
    }
    let html = std::fs::read(dir.join("page.html")).unwrap();
    assert!(matches!(
        parse::parse(&html, &base),
        Err(ParseError::NotAFeed(_))
    ));
    let broken = std::fs::read(dir.join("malformed.xml")).unwrap();
    assert!(matches!(
        parse::parse(&broken, &base),
        Err(ParseError::Malformed(_))
    ));
}

/// The XML parser's message for `malformed.xml` quotes the broken document, line break
/// included; the recorded error must still be one line.
#[test]
fn malformed_feed_error_is_one_line() {
    let dir = feeds_dir();
    let work = tempfile::tempdir().unwrap();
    let files = [dir.join("malformed.xml")];
    let run = run_bounded(
        Duration::from_secs(60),
        poll_directory(&dir, &files, work.path()),
    )
    .expect("one poll finishes within a minute");
    let error = run.statuses[0]
        .last_error
        .as_deref()
        .expect("malformed.xml is rejected");
    assert!(!error.contains('\n'), "{error:?}");
}

#[test]
fn shared_corpus_parses_or_fails_cleanly() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "the shared feed corpus is absent (looked for ../shared/corpus/feeds or \
             $NEWSHOUND_CORPUS); polling the project's own fixtures through the same pipeline"
        );
        let dir = feeds_dir();
        let files = feed_files(&dir);
        poll_and_tally(&dir, &files, &HashMap::new());
        return;
    };
    let files = feed_files(&dir);
    assert!(
        files.len() > 100,
        "{} holds only {} files",
        dir.display(),
        files.len()
    );
    let counted = manifest(&dir).unwrap_or_default();
    if !counted.is_empty() {
        let listed: HashSet<String> = counted.keys().cloned().collect();
        let found: HashSet<String> = files
            .iter()
            .map(|f| slash_name(f.strip_prefix(&dir).unwrap()).unwrap_or_default())
            .collect();
        let mut missing: Vec<_> = listed.difference(&found).collect();
        let mut unlisted: Vec<_> = found.difference(&listed).collect();
        missing.sort();
        unlisted.sort();
        assert!(
            missing.is_empty() && unlisted.is_empty(),
            "manifest.tsv and the files disagree: listed but absent {missing:?}, \
             present but unlisted {unlisted:?}"
        );
    }
    let succeeded = poll_and_tally(&dir, &files, &counted);
    // Most of the corpus is well-formed feeds; a parser regression shows up here.
    assert!(
        succeeded * 10 > files.len() * 8,
        "only {succeeded} of {} parsed",
        files.len()
    );
}
