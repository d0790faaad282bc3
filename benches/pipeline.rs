//! Throughput of the pure hot parts, with divan (`cargo bench --bench pipeline`): text
//! normalisation and query matching in MB/s of article text (matching with 10, 1,000 and
//! 10,000 watchlist terms), and feed parsing in MB/s and items/s. Figures are printed,
//! never asserted: they depend on the machine.
//!
//! The article text is the shared story corpus (`../shared/corpus/stories/dev.jsonl`, or
//! the file `NEWSHOUND_STORIES` names): real news prose, 1,713 articles. The feeds are the
//! shared real-world feed corpus (`../shared/corpus/feeds`, or `NEWSHOUND_CORPUS`), the
//! files that parse. Without them the project's own fixtures are used, which only shows
//! that the benches run; each says which it used.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use newshound::feed::parse;
use newshound::watch::{Query, Watcher, normalize};
use url::Url;

fn main() {
    let articles = articles();
    let feeds = feeds();
    println!(
        "article text: {} ({} articles, {:.1} MB)",
        articles.source,
        articles.docs.len(),
        articles.bytes as f64 / 1e6
    );
    println!(
        "feeds: {} ({} files, {:.1} MB, {} items)",
        feeds.source,
        feeds.files.len(),
        feeds.bytes as f64 / 1e6,
        feeds.items
    );
    divan::main();
}

struct Articles {
    source: String,
    /// (title, body)
    docs: Vec<(String, String)>,
    bytes: usize,
}

struct Feeds {
    source: String,
    files: Vec<Vec<u8>>,
    bytes: usize,
    items: usize,
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn articles() -> &'static Articles {
    static ARTICLES: OnceLock<Articles> = OnceLock::new();
    ARTICLES.get_or_init(|| {
        let shared = std::env::var_os("NEWSHOUND_STORIES")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate_dir().join("../shared/corpus/stories/dev.jsonl"));
        let (path, source) = if shared.is_file() {
            (shared.clone(), shared.display().to_string())
        } else {
            let own = crate_dir().join("tests/fixtures/stories/labelled.jsonl");
            let note = format!(
                "{} (the shared corpus is absent: figures only show the bench runs)",
                own.display()
            );
            (own, note)
        };
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let docs: Vec<(String, String)> = text
            .lines()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .map(|v| {
                let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
                (field("title"), field("text"))
            })
            .collect();
        let bytes = docs.iter().map(|(t, b)| t.len() + b.len()).sum();
        Articles {
            source,
            docs,
            bytes,
        }
    })
}

fn feeds() -> &'static Feeds {
    static FEEDS: OnceLock<Feeds> = OnceLock::new();
    FEEDS.get_or_init(|| {
        let shared = std::env::var_os("NEWSHOUND_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate_dir().join("../shared/corpus/feeds"));
        let (dir, source) = if shared.is_dir() {
            (shared.clone(), shared.display().to_string())
        } else {
            let own = crate_dir().join("tests/fixtures/feeds");
            let note = format!(
                "{} (the shared corpus is absent: figures only show the bench runs)",
                own.display()
            );
            (own, note)
        };
        let mut paths = Vec::new();
        collect(&dir, &mut paths);
        paths.sort();
        let base = base();
        let mut files = Vec::new();
        let mut items = 0;
        for path in paths {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            // Only what parses: a rejected file costs little and says nothing of speed.
            if let Ok(feed) = parse::parse(&bytes, &base) {
                items += feed.items.len();
                files.push(bytes);
            }
        }
        let bytes = files.iter().map(Vec::len).sum();
        Feeds {
            source,
            files,
            bytes,
            items,
        }
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| !matches!(e.to_str(), Some("md" | "tsv")))
        {
            out.push(path);
        }
    }
}

fn base() -> Url {
    Url::parse("https://example.org/feed.xml").expect("a valid URL")
}

#[divan::bench]
fn normalise(bencher: Bencher) {
    let docs = &articles().docs;
    bencher
        .counter(BytesCount::new(articles().bytes))
        .bench(|| {
            for (title, body) in docs {
                black_box(normalize(black_box(title)));
                black_box(normalize(black_box(body)));
            }
        });
}

/// Watchlists with `terms` terms in all, three to a watchlist (`a OR b OR c`), as people
/// write them: names and places from the articles themselves, so that some hit, and as
/// many that never occur.
fn watchlists(terms: usize) -> Vec<Query> {
    let mut vocabulary: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    'docs: for (_, body) in &articles().docs {
        for word in body.split(|c: char| !c.is_alphanumeric() && c != '-') {
            if word.len() > 3
                && word.chars().next().is_some_and(char::is_uppercase)
                && seen.insert(word.to_string())
            {
                vocabulary.push(word.to_string());
                if vocabulary.len() * 2 >= terms {
                    break 'docs;
                }
            }
        }
    }
    let mut all: Vec<String> = Vec::with_capacity(terms);
    for (i, word) in vocabulary.iter().enumerate() {
        all.push(word.clone());
        all.push(format!("Zelvor{i}"));
    }
    while all.len() < terms {
        all.push(format!("Quenby{}", all.len()));
    }
    all.truncate(terms);
    all.chunks(3)
        .map(|chunk| {
            let text = chunk
                .iter()
                .map(|t| format!("\"{t}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            Query::parse(&text).expect("a generated query parses")
        })
        .collect()
}

#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles(bencher: Bencher, terms: usize) {
    let watcher = Watcher::new(&watchlists(terms));
    let docs = &articles().docs;
    bencher
        .counter(BytesCount::new(articles().bytes))
        .bench(|| {
            let mut hits = 0;
            for (title, body) in docs {
                hits += watcher
                    .match_document(black_box(title), black_box(body))
                    .len();
            }
            hits
        });
}

#[divan::bench(args = [10, 1_000, 10_000])]
fn compile_watchlists(bencher: Bencher, terms: usize) {
    let queries = watchlists(terms);
    bencher
        .counter(ItemsCount::new(terms))
        .bench(|| Watcher::new(black_box(&queries)));
}

#[divan::bench]
fn parse_feeds(bencher: Bencher) {
    let feeds = feeds();
    let base = base();
    bencher
        .counter(BytesCount::new(feeds.bytes))
        .counter(ItemsCount::new(feeds.items))
        .bench(|| {
            let mut items = 0;
            for bytes in &feeds.files {
                if let Ok(feed) = parse::parse(black_box(bytes), &base) {
                    items += feed.items.len();
                }
            }
            items
        });
}
