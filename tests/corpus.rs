//! Real-world feeds parse or fail cleanly. Runs over the shared corpus of ~2,700 feeds
//! from other projects' test suites (`../shared/corpus/feeds`, or `NEWSHOUND_CORPUS`) when
//! it is there, and always over the project's own fixtures.

use std::path::{Path, PathBuf};

use newshound::feed::parse::{self, ParseError};
use url::Url;

fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSHOUND_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds"));
    dir.is_dir().then_some(dir)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("SOURCES.md" | "manifest.tsv")
            ) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[derive(Default)]
struct Tally {
    parsed: usize,
    items: usize,
    not_a_feed: usize,
    malformed: usize,
}

/// Parses every file; an error must be readable (non-empty, one line).
fn parse_all(files: &[PathBuf]) -> Tally {
    let base = Url::parse("https://corpus.example/feed").unwrap();
    let mut tally = Tally::default();
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        match parse::parse(&bytes, &base) {
            Ok(feed) => {
                tally.parsed += 1;
                tally.items += feed.items.len();
                for item in &feed.items {
                    assert!(
                        !item.identity.is_empty(),
                        "{}: item without identity",
                        file.display()
                    );
                    assert!(
                        !item.title.is_empty(),
                        "{}: item without title",
                        file.display()
                    );
                }
            }
            Err(error) => {
                let text = error.to_string();
                assert!(
                    text.len() > 12 && !text.contains('\n'),
                    "{}: unreadable error {text:?}",
                    file.display()
                );
                match error {
                    ParseError::NotAFeed(_) => tally.not_a_feed += 1,
                    ParseError::Malformed(_) => tally.malformed += 1,
                }
            }
        }
    }
    tally
}

#[test]
fn project_fixtures_parse_or_fail_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds");
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

#[test]
fn shared_corpus_parses_or_fails_cleanly() {
    let Some(dir) = corpus_dir() else {
        eprintln!(
            "the shared feed corpus is absent (looked for ../shared/corpus/feeds or $NEWSHOUND_CORPUS); \
             only the project's own fixtures were checked"
        );
        return;
    };
    let files = files_under(&dir);
    assert!(
        files.len() > 100,
        "{} holds only {} files",
        dir.display(),
        files.len()
    );
    let tally = parse_all(&files);
    eprintln!(
        "corpus {}: {} files: {} parsed ({} items), {} not a feed, {} malformed",
        dir.display(),
        files.len(),
        tally.parsed,
        tally.items,
        tally.not_a_feed,
        tally.malformed
    );
    assert_eq!(
        tally.parsed + tally.not_a_feed + tally.malformed,
        files.len()
    );
    // Most of the corpus is well-formed feeds; a parser regression shows up here.
    assert!(
        tally.parsed * 10 > files.len() * 8,
        "only {} of {} parsed",
        tally.parsed,
        files.len()
    );
}
