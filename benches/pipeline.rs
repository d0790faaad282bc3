//! Throughput of the pure hot parts, with divan (`cargo bench --bench pipeline`): text
//! normalisation and query matching in MB/s of article text, and feed parsing in MB/s and
//! items/s. Figures are printed, never asserted: they depend on the machine.
//!
//! Matching runs against two workloads, each with 10, 1,000 and 10,000 distinct terms:
//! - `match_articles`, the headline: a realistic watchlist mix (names, places,
//!   organisations, hyphenated codes, topic words under AND and NOT; see [`watchlists`]),
//!   where a few percent of articles match some watchlist.
//! - `match_articles_dense`: three common words of the articles per watchlist (see
//!   [`article_word_watchlists`]), where almost every article matches dozens of
//!   watchlists: the cost of building hits and snippets.
//!
//! - `match_articles_operators`: the headline mix written with the newer operators: a
//!   tenth of the terms wildcards (`Duno*`, `"Maria Kowal*"`, `merg*`) and a tenth of the
//!   watchlists `(a OR b) NEAR/n (topic OR topic)` (see [`operator_watchlists`]); the
//!   difference from `match_articles` is what those operators cost.
//!
//! Beside `match_articles_operators`, `match_articles_operators_regex` finds its terms,
//! wildcards included, with the `regex` crate (see [`RegexBaseline`]).
//!
//! Beside them, `match_articles_aho_corasick` finds the terms of `match_articles` with the
//! `aho-corasick` crate instead of the matcher's trie (see
//! [`match_articles_aho_corasick`]): the baseline that keeps the choice of a hand-written
//! automaton visible in figures.
//!
//! `main` prints, for each, how many watchlists there are and how many articles match, and
//! for the baseline, its automaton and how many whole-word occurrences it finds.
//!
//! For a profiler, `NEWSHOUND_PROFILE=match_articles:10000` (a bench name, then `:terms`
//! for the matching ones and optionally `:passes`) runs that workload's pass over the
//! articles five times (or `passes`) instead of the benches; under `valgrind --tool=callgrind --collect-atstart=no
//! --toggle-collect='*one_pass*'` only those passes are counted.
//!
//! The article text is the shared story corpus (`../shared/corpus/stories/dev.jsonl`, or
//! the file `NEWSHOUND_STORIES` names): real news prose, 1,713 articles. The feeds are the
//! shared real-world feed corpus (`../shared/corpus/feeds`, or `NEWSHOUND_CORPUS`), the
//! files that parse. Without them the project's own fixtures are used, which only shows
//! that the benches run; each says which it used.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use divan::counter::{BytesCount, ItemsCount};
use divan::{Bencher, black_box};
use newshound::feed::parse;
use newshound::watch::{Query, Watcher, normalize};
use url::Url;

fn main() {
    if let Ok(workload) = std::env::var("NEWSHOUND_PROFILE") {
        profile(&workload);
        return;
    }
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
    for (name, make) in [
        ("match_articles", watchlists as fn(usize) -> Vec<Query>),
        ("match_articles_operators", operator_watchlists),
        ("match_articles_dense", article_word_watchlists),
    ] {
        for terms in [10, 1_000, 10_000] {
            let queries = make(terms);
            let watcher = Watcher::new(&queries);
            let (mut matched, mut hits) = (0, 0);
            for (title, body) in &articles.docs {
                let n = watcher.match_document(title, body).len();
                matched += usize::from(n > 0);
                hits += n;
            }
            let written: String = queries.iter().map(|q| format!("{q} ")).collect();
            println!(
                "{name}({terms}): {} watchlists ({} with NEAR, {} wildcards); {matched} articles ({:.1}%) match one, {hits} hits",
                queries.len(),
                queries
                    .iter()
                    .filter(|q| q.to_string().contains(" NEAR/"))
                    .count(),
                written.matches("* ").count() + written.matches("*\"").count(),
                100.0 * matched as f64 / articles.docs.len() as f64,
            );
        }
    }
    for terms in [10, 1_000, 10_000] {
        let baseline = AhoCorasickBaseline::new(terms);
        let found: usize = articles
            .docs
            .iter()
            .map(|(title, body)| baseline.count(title) + baseline.count(body))
            .sum();
        println!(
            "match_articles_aho_corasick({terms}): {} patterns, {:?} of {} KiB; {found} whole-word occurrences",
            baseline.automaton.patterns_len(),
            baseline.automaton.kind(),
            baseline.automaton.memory_usage() / 1024,
        );
    }
    for terms in [10, 1_000, 10_000] {
        let baseline = RegexBaseline::new(terms);
        let found: usize = articles
            .docs
            .iter()
            .map(|(title, body)| baseline.count(title) + baseline.count(body))
            .sum();
        println!("match_articles_operators_regex({terms}): {found} occurrences");
    }
    divan::main();
}

fn profile(workload: &str) {
    // Loaded here, so that the counted passes do not include reading the corpus.
    articles();
    let mut parts = workload.split(':');
    let name = parts.next().unwrap_or_default();
    let mut number = |default: usize| {
        parts.next().map_or(default, |n| {
            n.parse()
                .expect("NEWSHOUND_PROFILE: terms and passes are numbers")
        })
    };
    let (terms, passes) = (number(0), number(5));
    let queries = match name {
        "normalise" => Vec::new(),
        "match_articles" => watchlists(terms),
        "match_articles_operators" => operator_watchlists(terms),
        "match_articles_dense" => article_word_watchlists(terms),
        _ => panic!("NEWSHOUND_PROFILE: no workload {name:?}"),
    };
    let watcher = (name != "normalise").then(|| Watcher::new(&queries));
    for _ in 0..passes {
        one_pass(watcher.as_ref());
    }
    println!(
        "{workload}: {passes} passes over {:.3} MB",
        articles().bytes as f64 / 1e6
    );
}

/// Normalises every article (no watcher) or matches every article once.
#[inline(never)]
fn one_pass(watcher: Option<&Watcher>) -> usize {
    let mut out = 0;
    for (title, body) in &articles().docs {
        out += match watcher {
            Some(watcher) => watcher
                .match_document(black_box(title), black_box(body))
                .len(),
            None => normalize(black_box(title)).len() + normalize(black_box(body)).len(),
        };
    }
    out
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

/// The shared corpus (`shared`, from the crate root, or what the variable `env` names) if
/// `present` finds it, else the project's own `own`; and which it is, to print.
fn corpus(env: &str, shared: &str, own: &str, present: fn(&Path) -> bool) -> (PathBuf, String) {
    let shared = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join(shared));
    if present(&shared) {
        let source = shared.display().to_string();
        (shared, source)
    } else {
        let own = crate_dir().join(own);
        let note = format!(
            "{} (the shared corpus is absent: figures only show the bench runs)",
            own.display()
        );
        (own, note)
    }
}

fn articles() -> &'static Articles {
    static ARTICLES: OnceLock<Articles> = OnceLock::new();
    ARTICLES.get_or_init(|| {
        let (path, source) = corpus(
            "NEWSHOUND_STORIES",
            "../shared/corpus/stories/dev.jsonl",
            "tests/fixtures/stories/labelled.jsonl",
            Path::is_file,
        );
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
        let (dir, source) = corpus(
            "NEWSHOUND_CORPUS",
            "../shared/corpus/feeds",
            "tests/fixtures/feeds",
            Path::is_dir,
        );
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

/// A deterministic xorshift generator: the workload is the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

const FIRST_NAMES: &[&str] = &[
    "John",
    "Maria",
    "Ahmed",
    "Wei",
    "Olga",
    "Pierre",
    "Carlos",
    "Fatima",
    "Hans",
    "Yuki",
    "Kwame",
    "Priya",
    "Ivan",
    "Sofia",
    "Mohammed",
    "Elena",
    "David",
    "Sarah",
    "Michael",
    "Anna",
    "James",
    "Laura",
    "Robert",
    "Chen",
    "Ali",
    "Hassan",
    "Igor",
    "Lars",
    "Mei",
    "Raj",
    "Ana",
    "José",
    "Luis",
    "Emma",
    "Thomas",
    "Peter",
    "Paul",
    "Mark",
    "Andrew",
    "Daniel",
    "Joseph",
    "Juan",
    "Giorgos",
    "Emmanuel",
    "Vladimir",
    "Ursula",
    "Rishi",
    "Boris",
    "Angela",
    "Luiz",
    "Volodymyr",
    "Benjamin",
    "Justin",
    "Nicola",
    "Jean-Luc",
    "Søren",
    "Zoë",
    "Aoife",
    "Tomasz",
    "Dmitri",
    "Ngozi",
    "Oksana",
    "Mehmet",
    "Ayşe",
    "Hiroshi",
    "Sanjay",
    "Lucía",
    "François",
    "Björn",
    "Kateryna",
    "Amara",
    "Tariq",
    "Leila",
    "Jorge",
    "Ines",
    "Kenji",
];

const SURNAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Müller",
    "García",
    "Nguyen",
    "Kowalski",
    "Ivanov",
    "Rossi",
    "Dubois",
    "Yılmaz",
    "Erdoğan",
    "Okafor",
    "Tanaka",
    "Schmidt",
    "Fernández",
    "Petrov",
    "Novak",
    "Jensen",
    "Haddad",
    "Kaur",
    "Singh",
    "Patel",
    "Khan",
    "Costa",
    "Silva",
    "Santos",
    "Popescu",
    "Horváth",
    "Nowak",
    "Larsen",
    "Andersson",
    "Virtanen",
    "O'Brien",
    "Murphy",
    "Kelly",
    "Brennan",
    "Moreau",
    "Lefebvre",
    "Bianchi",
    "Romano",
    "Papadopoulos",
    "Kovač",
    "Shevchenko",
    "Kuznetsova",
    "Wójcik",
    "Hashemi",
    "Al-Masri",
    "Ben-David",
    "Mensah",
    "Adeyemi",
    "Mwangi",
    "Okonkwo",
    "Suzuki",
    "Watanabe",
    "Park",
    "Choi",
    "Tran",
    "Le Pen",
    "van der Berg",
    "De Luca",
    "Østergaard",
    "Hernández",
    "Gonzalez",
    "Ramírez",
    "Castillo",
    "Vargas",
    "Morales",
    "Reyes",
    "Aguilar",
    "Lindqvist",
    "Halvorsen",
    "Nakamura",
    "Zhou",
    "Oyelaran",
    "Balogun",
    "Achterberg",
    "Kristiansen",
    "Sokolov",
    "Marchetti",
    "Delacroix",
];

/// Places and organisations are made of these syllables, so there are enough of them.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "vi", "mar", "ten", "sol", "ra", "ber", "dun", "os", "ze", "qua", "lin", "ha",
    "mo", "tor", "el", "gra", "ni", "vas", "bur", "ce", "dro", "fin",
];

const PLACE_PREFIXES: &[&str] = &[
    "Port", "New", "Lake", "North", "South", "East", "West", "San", "Santa", "Saint", "Fort",
    "Mount", "Upper", "Lower", "Nizhny", "Bad", "Ciudad", "Val", "Kafr", "Ras",
];

const ORG_SUFFIXES: &[&str] = &[
    "Holdings",
    "Group",
    "Bank",
    "Energy",
    "Labs",
    "Airlines",
    "Pharma",
    "Logistics",
    "Capital",
    "Mining",
    "Telecom",
    "Foundation",
    "Motors",
    "Shipping",
    "Insurance",
];

/// A made-up proper name of two or three syllables (`Kalovi`, `Marten`).
fn coined(rng: &mut Rng) -> String {
    let mut name: String = (0..2 + rng.below(2)).map(|_| rng.pick(SYLLABLES)).collect();
    name[..1].make_ascii_uppercase();
    name
}

/// Words a watchlist narrows an entity with: common in news, so they hit often, but only
/// ever under AND or NOT.
const TOPICS: &[&str] = &[
    "merger",
    "lawsuit",
    "recall",
    "strike",
    "layoffs",
    "bankruptcy",
    "earthquake",
    "flood",
    "wildfire",
    "election",
    "sanctions",
    "tariffs",
    "indictment",
    "protest",
    "ransomware",
    "acquisition",
    "investigation",
    "explosion",
    "resignation",
    "scandal",
    "ceasefire",
    "arrest",
    "verdict",
    "outbreak",
    "drought",
    "hurricane",
    "pipeline",
    "subsidy",
    "fraud",
    "evacuation",
    "football",
    "baseball",
    "obituary",
    "recipe",
    "weather",
    "lottery",
    "celebrity",
    "horoscope",
    "concert",
    "festival",
];

/// Capitalised two-word names whose words follow each other, in any case, in exactly one
/// article of the corpus, in text order: the real names in a watchlist mix, so that a few
/// percent of articles match something.
fn rare_article_names() -> Vec<String> {
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    let mut names = Vec::new();
    for (_, body) in &articles().docs {
        let words: Vec<&str> = body
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mut seen = std::collections::HashSet::new();
        for pair in words.windows(2) {
            let key = format!("{} {}", pair[0], pair[1]).to_lowercase();
            if seen.insert(key.clone()) {
                *counts.entry(key).or_insert(0) += 1;
            }
            let name = |w: &str| {
                w.len() >= 3
                    && w.chars().next().is_some_and(char::is_uppercase)
                    && w.chars().skip(1).all(char::is_lowercase)
            };
            if name(pair[0]) && name(pair[1]) {
                names.push(format!("{} {}", pair[0], pair[1]));
            }
        }
    }
    let mut taken = std::collections::HashSet::new();
    names.retain(|n| counts[&n.to_lowercase()] == 1 && taken.insert(n.clone()));
    names
}

/// The headline workload: `terms` distinct terms (distinct after normalisation) grouped
/// into watchlists as people write them.
///
/// The terms: up to 40 topic words (`merger`, `earthquake`, `football`, ...: common in
/// news, used only under AND or NOT); one in 150 is a capitalised two-word name that occurs
/// in exactly one article of the corpus; the rest are drawn in turn from four kinds that
/// mostly do not occur but share their first words and letters with real text, so the
/// automaton walks into them: people (`Maria Kowalski`, `Jean-Luc O'Brien`, with
/// diacritics), places (`Dunos`, `Port Marten`), organisations (`Kalovi Energy`) and
/// hyphenated codes (`S-400`, `MH-17`, `F-35A`, random letters and numbers, some of which
/// do occur).
///
/// The watchlists take one to three entities each, in one of four shapes: `a OR b`
/// (40%), `(a OR b) AND (topic OR topic)` (25%), `a -topic` (20%) and `a b` (15%,
/// implicit AND). `main` prints how many watchlists there are and how many articles match
/// at least one.
fn watchlists(terms: usize) -> Vec<Query> {
    watchlists_with(terms, false)
}

/// [`watchlists`] as people write them with the newer operators: every tenth entity a
/// wildcard (its last word cut to a stem: `"Maria Kowal*"`, `Duno*`, `MH-1*`) and every
/// tenth topic word too (`merg*`); and a tenth of the watchlists `(a OR b) NEAR/n (topic
/// OR topic)` instead of one of the other shapes. The same number of distinct terms.
fn operator_watchlists(terms: usize) -> Vec<Query> {
    watchlists_with(terms, true)
}

/// `term` with its last word cut to a stem and a `*`, when that leaves at least three
/// letters or digits; otherwise `None`.
fn wildcard(term: &str) -> Option<String> {
    let (head, last) = term.rsplit_once(' ').map_or(("", term), |(h, l)| (h, l));
    let chars: Vec<char> = last.chars().collect();
    let keep = chars.len().saturating_sub(2).max(3).min(chars.len());
    let stem: String = chars[..keep].iter().collect();
    let written = if head.is_empty() {
        format!("{stem}*")
    } else {
        format!("\"{head} {stem}*\"")
    };
    let folded = normalize(&format!("{head} {stem}"));
    (folded.chars().filter(|c| c.is_alphanumeric()).count() >= 3
        && stem.ends_with(char::is_alphanumeric)
        && Query::parse(&written).is_ok())
    .then_some(written)
}

fn watchlists_with(terms: usize, operators: bool) -> Vec<Query> {
    let (topics, entities, mut rng) = watchlist_terms(terms);
    let quote = |t: &str| format!("\"{t}\"");
    let wildcards: std::collections::HashSet<String> = if operators {
        entities
            .iter()
            .step_by(10)
            .chain(
                topics
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .iter()
                    .step_by(10),
            )
            .cloned()
            .collect()
    } else {
        Default::default()
    };
    let write = |t: &str| -> String {
        match wildcards.contains(t).then(|| wildcard(t)).flatten() {
            Some(w) => w,
            None if topics.contains(&t) => t.to_string(),
            None => quote(t),
        }
    };
    let quote = |t: &str| write(t);
    let mut queries = Vec::new();
    let mut rest = entities.as_slice();
    while !rest.is_empty() {
        let take = (rng.below(3) + 1).min(rest.len());
        let (chunk, tail) = rest.split_at(take);
        rest = tail;
        let any = chunk
            .iter()
            .map(|t| quote(t))
            .collect::<Vec<_>>()
            .join(" OR ");
        let shape = rng.below(20);
        let text = if topics.len() < 2 || shape < 8 {
            any
        } else if operators && shape < 10 {
            let (a, b) = (rng.pick(&topics), rng.pick(&topics));
            let n = rng.below(11) + 5;
            format!("({any}) NEAR/{n} ({} OR {})", write(a), write(b))
        } else if shape < 13 {
            let (a, b) = (rng.pick(&topics), rng.pick(&topics));
            format!("({any}) AND ({} OR {})", write(a), write(b))
        } else if shape < 17 {
            format!("({any}) -{}", write(rng.pick(&topics)))
        } else {
            chunk.iter().map(|t| quote(t)).collect::<Vec<_>>().join(" ")
        };
        queries.push(Query::parse(&text).expect("a generated query parses"));
    }
    // Topic words that no query drew still count among the terms: give each a watchlist.
    for topic in &topics {
        let text = format!("{} AND {}", quote(&entities[0]), write(topic));
        queries.push(Query::parse(&text).unwrap());
    }
    queries
}

/// The terms of [`watchlists`]: the topic words, then the entities, and the generator as
/// it stands after drawing them, to draw the watchlists' shapes with.
fn watchlist_terms(terms: usize) -> (Vec<&'static str>, Vec<String>, Rng) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let topics: Vec<&str> = TOPICS.iter().copied().take(terms / 4).collect();
    let mut taken: std::collections::HashSet<String> =
        topics.iter().map(|t| normalize(t)).collect();
    let real = rare_article_names();
    let mut real = real.iter().step_by((real.len() / 200).max(1));
    let mut entities: Vec<String> = Vec::new();
    let wanted = terms - topics.len();
    while entities.len() < wanted {
        let term = if entities.len().is_multiple_of(150)
            && let Some(name) = real.next()
        {
            name.clone()
        } else {
            match entities.len() % 4 {
                0 => format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES)),
                1 if rng.below(2) == 0 => coined(&mut rng),
                1 => format!("{} {}", rng.pick(PLACE_PREFIXES), coined(&mut rng)),
                2 => format!("{} {}", coined(&mut rng), rng.pick(ORG_SUFFIXES)),
                _ => {
                    let letters = rng.below(3) + 1;
                    let code: String = (0..letters)
                        .map(|_| char::from(b'A' + rng.below(26) as u8))
                        .collect();
                    let suffix = ["", "", "", "A", "M", "B"][rng.below(6)];
                    format!("{code}-{}{suffix}", rng.below(990) + 10)
                }
            }
        };
        if taken.insert(normalize(&term)) {
            entities.push(term);
        }
    }
    (topics, entities, rng)
}

/// The older, match-heavy workload: `terms` terms, three to a watchlist (`a OR b OR c`),
/// half of them capitalised words from the articles themselves (`This`, `President`,
/// `Chicago`) and half words that never occur. With 10,000 terms nearly every article
/// matches dozens of watchlists, so this measures building hits and snippets more than
/// finding terms.
fn article_word_watchlists(terms: usize) -> Vec<Query> {
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

/// Matching against the headline watchlist mix of [`watchlists`].
#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles(bencher: Bencher, terms: usize) {
    match_with(bencher, &watchlists(terms));
}

/// Matching against [`operator_watchlists`]: the headline mix with a tenth of the terms
/// wildcards and a tenth of the watchlists NEAR; beside `match_articles`, the cost of
/// those operators.
#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles_operators(bencher: Bencher, terms: usize) {
    match_with(bencher, &operator_watchlists(terms));
}

/// Matching against [`article_word_watchlists`], where most articles match many.
#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles_dense(bencher: Bencher, terms: usize) {
    match_with(bencher, &article_word_watchlists(terms));
}

fn match_with(bencher: Bencher, queries: &[Query]) {
    let watcher = Watcher::new(queries);
    over_articles(bencher, |title, body| {
        watcher.match_document(title, body).len()
    });
}

/// Times `hits` on every article's title and body, in MB/s of article text.
fn over_articles(bencher: Bencher, hits: impl Fn(&str, &str) -> usize + Sync) {
    let docs = &articles().docs;
    bencher
        .counter(BytesCount::new(articles().bytes))
        .bench(|| {
            let mut total = 0;
            for (title, body) in docs {
                total += hits(black_box(title), black_box(body));
            }
            total
        });
}

/// The baseline the trie was chosen over (`src/watch/matcher.rs`): an unanchored
/// Aho-Corasick automaton from the `aho-corasick` crate over the same folded terms as
/// [`match_articles`], run over the same folded title and body, every occurrence reported
/// (overlapping, as the trie's walk from a word start finds a term and the longer ones it
/// begins), and kept where it is a whole word as [`AhoCorasickBaseline::whole_word`] sees it.
/// It evaluates no query and builds no snippet, which on this workload costs the matcher
/// little: a few percent of articles match.
#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles_aho_corasick(bencher: Bencher, terms: usize) {
    let baseline = AhoCorasickBaseline::new(terms);
    over_articles(bencher, |title, body| {
        baseline.count(title) + baseline.count(body)
    });
}

/// A general regular-expression engine on the wildcard workload: the terms of
/// [`operator_watchlists`] folded, as one alternation with word edges (`missil[^ ']*` for
/// a wildcard, an optional plural ending for a word), found in the folded title and body
/// with the `regex` crate. Like the aho-corasick baseline it evaluates no query (so no
/// NEAR) and builds no snippet.
#[divan::bench(args = [10, 1_000, 10_000])]
fn match_articles_operators_regex(bencher: Bencher, terms: usize) {
    let baseline = RegexBaseline::new(terms);
    over_articles(bencher, |title, body| {
        baseline.count(title) + baseline.count(body)
    });
}

struct RegexBaseline {
    regex: regex::bytes::Regex,
}

impl RegexBaseline {
    fn new(terms: usize) -> RegexBaseline {
        let (topics, entities, _) = watchlist_terms(terms);
        let every_tenth = |list: Vec<String>| -> Vec<(String, bool)> {
            list.into_iter()
                .enumerate()
                .map(
                    |(i, term)| match (i % 10 == 0).then(|| wildcard(&term)).flatten() {
                        Some(w) => (normalize(w.trim_matches('"').trim_end_matches('*')), true),
                        None => (normalize(&term), false),
                    },
                )
                .collect()
        };
        let mut alternatives: Vec<String> = every_tenth(entities)
            .into_iter()
            .chain(every_tenth(topics.iter().map(|t| t.to_string()).collect()))
            .map(|(pattern, prefix)| {
                let escaped = regex::escape(&pattern);
                if prefix {
                    format!("{escaped}[^ ']*")
                } else {
                    format!("{escaped}(?:s|es)?(?:$|[ '])")
                }
            })
            .collect();
        alternatives.sort();
        alternatives.dedup();
        let regex =
            regex::bytes::RegexBuilder::new(&format!("(?:^|[ '])(?:{})", alternatives.join("|")))
                .size_limit(1 << 30)
                .dfa_size_limit(1 << 28)
                .build()
                .expect("the regex builds");
        RegexBaseline { regex }
    }

    /// How many occurrences of the patterns `text` holds, once folded.
    fn count(&self, text: &str) -> usize {
        self.regex.find_iter(normalize(text).as_bytes()).count()
    }
}

struct AhoCorasickBaseline {
    automaton: AhoCorasick,
    /// Per pattern: whether `-es` is a plural ending for it, by the matcher's rule.
    takes_es: Vec<bool>,
}

impl AhoCorasickBaseline {
    /// Over the folded terms of [`watchlists`]`(terms)`.
    fn new(terms: usize) -> AhoCorasickBaseline {
        let (topics, entities, _) = watchlist_terms(terms);
        let patterns: Vec<String> = topics
            .iter()
            .copied()
            .chain(entities.iter().map(String::as_str))
            .map(normalize)
            .collect();
        let takes_es = patterns
            .iter()
            .map(|p| ["s", "x", "z", "ch", "sh"].iter().any(|e| p.ends_with(e)))
            .collect();
        AhoCorasickBaseline {
            automaton: AhoCorasick::new(&patterns).expect("the automaton builds"),
            takes_es,
        }
    }

    /// How many whole-word occurrences of the patterns `text` holds, once folded.
    fn count(&self, text: &str) -> usize {
        let folded = normalize(text);
        let folded = folded.as_bytes();
        self.automaton
            .find_overlapping_iter(folded)
            .filter(|m| {
                let takes_es = self.takes_es[m.pattern().as_usize()];
                Self::whole_word(folded, m.start(), m.end(), takes_es)
            })
            .count()
    }

    /// Whether `start..end` of `folded` starts a word and ends one, perhaps before a plural
    /// ending, as the matcher asks. The edges are the gaps (space, apostrophe) the folded
    /// text shows: the matcher also knows where a join hid a word start (the `400` of
    /// `S-400`), which a folded string no longer says; those are few in prose.
    fn whole_word(folded: &[u8], start: usize, end: usize, takes_es: bool) -> bool {
        let edge = |at: usize| matches!(folded.get(at), None | Some(b' ' | b'\''));
        let rest = &folded[end..];
        (start == 0 || matches!(folded[start - 1], b' ' | b'\''))
            && (edge(end)
                || (rest.starts_with(b"s") && edge(end + 1))
                || (takes_es && rest.starts_with(b"es") && edge(end + 2)))
    }
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
