//! How well story grouping puts the articles of one event together, and how fast: runs
//! [`StoryIndex`] the way the store does (items in time order: find, else a new story;
//! add; prune) over labelled articles and prints pairwise precision, recall and F1, the
//! same for a naive baseline, and items per second. Figures are printed, never asserted:
//! timing depends on the machine. How the defaults were chosen from these figures, and
//! what was tried instead, is logged in `benches/stories.md`.
//!
//! An article's time is its date at noon UTC (the corpus has dates only); articles of one
//! day come in the order of the file.
//!
//! The chosen tuning is also run on each half of the events (split by a hash of the event
//! id, each half grouped on its own): a change that helps only one half is likely fitted
//! to a few events rather than to news in general.
//!
//! With `NEWSHOUND_STORIES_OUT=<file>`, each article's id, labelled event and story at the
//! chosen tuning are written there, one tab-separated line each, to read the mistakes.
//!
//! The labelled articles are the shared story corpus (`../shared/corpus/stories/dev.jsonl`
//! from the crate root, or the file `NEWSHOUND_STORIES` names); without it, the project's
//! own small labelled file, which only shows that the bench runs.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use newshound::story::{DEFAULT_WINDOW, Features, StoryIndex, Tuning};

struct Article {
    id: String,
    event: String,
    title: String,
    text: String,
    source: String,
    time: DateTime<Utc>,
}

fn main() {
    let (path, note) = corpus();
    println!("{note}");
    let articles = load(&path);
    let events = {
        let mut e: Vec<&str> = articles.iter().map(|a| a.event.as_str()).collect();
        e.sort_unstable();
        e.dedup();
        e.len()
    };
    let bytes: usize = articles.iter().map(|a| a.title.len() + a.text.len()).sum();
    println!(
        "items {}, labelled events {events}, mean item size {} bytes",
        articles.len(),
        bytes / articles.len().max(1)
    );

    let tuning = Tuning::default();
    println!("\nstory grouping ({tuning:?}):");
    let run = group(&articles, tuning);
    report("  chosen threshold", &articles, &run.labels);
    if let Some(out) = std::env::var_os("NEWSHOUND_STORIES_OUT") {
        // For reading the mistakes: each article's id, labelled event and story.
        let lines: String = articles
            .iter()
            .zip(&run.labels)
            .map(|(a, story)| format!("{}\t{}\t{story}\n", a.id, a.event))
            .collect();
        std::fs::write(&out, lines).expect("writing the grouping");
    }

    for half in 0..2 {
        let part: Vec<&Article> = articles
            .iter()
            .filter(|a| half_of(&a.event) == half)
            .collect();
        let run = group(&part, tuning);
        report(&format!("  events of half {half}"), &part, &run.labels);
    }

    println!("\nthreshold sweep around the chosen one:");
    for factor in [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3] {
        let t = Tuning {
            threshold: tuning.threshold * factor,
            ..tuning
        };
        let run = group(&articles, t);
        report(
            &format!("  threshold {:.3} (x{factor:.1})", t.threshold),
            &articles,
            &run.labels,
        );
    }

    println!(
        "\nbaseline: single-link TF-IDF cosine over all words, compared with every item of the last 72 h:"
    );
    for threshold in [0.2, 0.225, 0.25, 0.275, 0.3, 0.35] {
        let labels = baseline(&articles, threshold);
        report(&format!("  threshold {threshold:.3}"), &articles, &labels);
    }

    println!("\nthroughput (features, find, add, prune per item; best of 5 runs):");
    let runs: Vec<Run> = (0..5).map(|_| group(&articles, tuning)).collect();
    let best = runs
        .iter()
        .min_by(|a, b| a.total.total_cmp(&b.total))
        .expect("five runs");
    let n = articles.len() as f64;
    println!(
        "  {:.0} items/s ({:.1} MB/s of text); features {:.1} us/item, index {:.1} us/item",
        n / best.total,
        bytes as f64 / best.total / 1e6,
        best.features / n * 1e6,
        (best.total - best.features) / n * 1e6
    );
}

/// The baseline the grouping is measured against: every lower-cased word weighed by
/// TF-IDF (document frequencies learnt online, as the index does), and an item joins the
/// story of the most similar item of the last 72 hours if their cosine clears `threshold`
/// (single link). It compares each item with every item in the window.
fn baseline(articles: &[Article], threshold: f64) -> Vec<i64> {
    let window = chrono::Duration::from_std(DEFAULT_WINDOW).expect("72 h fits");
    let mut df: HashMap<String, u32> = HashMap::new();
    let mut seen: Vec<(HashMap<String, f64>, DateTime<Utc>, i64)> = Vec::new();
    let mut next = 0;
    let mut labels = Vec::new();
    for (before, a) in articles.iter().enumerate() {
        let docs = before + 1;
        let mut tf: HashMap<String, u32> = HashMap::new();
        for word in format!("{} {}", a.title, a.text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            *tf.entry(word.to_lowercase()).or_default() += 1;
        }
        for w in tf.keys() {
            *df.entry(w.clone()).or_default() += 1;
        }
        let mut v: HashMap<String, f64> = tf
            .into_iter()
            .map(|(w, n)| {
                let idf = ((1.0 + docs as f64) / (1.0 + df[&w] as f64)).ln() + 1.0;
                (w, (1.0 + (n as f64).ln()) * idf)
            })
            .collect();
        let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
        v.values_mut().for_each(|x| *x /= norm);
        let best = seen
            .iter()
            .filter(|(_, t, _)| (a.time - *t).abs() <= window)
            .map(|(u, _, l)| {
                let dot: f64 = v.iter().map(|(w, x)| x * u.get(w).unwrap_or(&0.0)).sum();
                (dot, *l)
            })
            .max_by(|x, y| x.0.total_cmp(&y.0));
        let label = match best {
            Some((sim, l)) if sim >= threshold => l,
            _ => {
                next += 1;
                next
            }
        };
        labels.push(label);
        seen.push((v, a.time, label));
    }
    labels
}

/// Where the labelled articles are, and a line saying which they are.
fn corpus() -> (PathBuf, String) {
    if let Some(path) = std::env::var_os("NEWSHOUND_STORIES") {
        let path = PathBuf::from(path);
        let note = format!("corpus: {} (NEWSHOUND_STORIES)", path.display());
        return (path, note);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/corpus/stories/dev.jsonl");
    if shared.exists() {
        let note = format!("corpus: {}", shared.display());
        return (shared, note);
    }
    let own = root.join("tests/fixtures/stories/labelled.jsonl");
    let note = format!(
        "corpus: {} is absent, so this evaluates on the project's own small labelled file {} \
         instead; its figures only show that grouping runs, not how well it does on real news",
        shared.display(),
        own.display()
    );
    (own, note)
}

fn load(path: &Path) -> Vec<Article> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let mut articles: Vec<Article> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), n + 1));
            let field = |k: &str| {
                v[k].as_str()
                    .unwrap_or_else(|| panic!("{}:{}: no {k}", path.display(), n + 1))
                    .to_owned()
            };
            let date = NaiveDate::parse_from_str(&field("date"), "%Y-%m-%d")
                .unwrap_or_else(|e| panic!("{}:{}: date: {e}", path.display(), n + 1));
            Article {
                id: field("id"),
                event: field("event_id"),
                title: field("title"),
                text: field("text"),
                source: field("source"),
                time: date.and_hms_opt(12, 0, 0).expect("noon exists").and_utc(),
            }
        })
        .collect();
    // Stable: articles of one day keep the order of the file.
    articles.sort_by_key(|a| a.time);
    articles
}

/// One grouping of the articles: each article's story, and the seconds spent in all and
/// on features alone.
struct Run {
    labels: Vec<i64>,
    total: f64,
    features: f64,
}

/// Groups the articles as the store does: in time order, find or start a story, add,
/// prune as time moves on.
fn group<A: Borrow<Article>>(articles: &[A], tuning: Tuning) -> Run {
    let started = Instant::now();
    let mut features = 0.0;
    let mut index = StoryIndex::tuned(DEFAULT_WINDOW, tuning);
    let mut next = 0;
    let mut labels = Vec::with_capacity(articles.len());
    let mut pruned = None;
    for a in articles {
        let a = a.borrow();
        if pruned != Some(a.time) {
            index.prune(a.time);
            pruned = Some(a.time);
        }
        let counted = Instant::now();
        let f = Features::tuned(&a.title, &a.text, &tuning).from_outlet(&a.source);
        features += counted.elapsed().as_secs_f64();
        let id = index.find(&f, a.time).unwrap_or_else(|| {
            next += 1;
            next
        });
        index.add(id, f, a.time);
        labels.push(id);
    }
    Run {
        labels,
        total: started.elapsed().as_secs_f64(),
        features,
    }
}

struct Score {
    precision: f64,
    recall: f64,
    f1: f64,
    stories: usize,
}

fn pairs(n: usize) -> u64 {
    (n as u64) * (n as u64).saturating_sub(1) / 2
}

fn score<A: Borrow<Article>>(articles: &[A], labels: &[i64]) -> Score {
    let mut cells: HashMap<(i64, &str), usize> = HashMap::new();
    let mut predicted: HashMap<i64, usize> = HashMap::new();
    let mut gold: HashMap<&str, usize> = HashMap::new();
    for (a, &l) in articles.iter().zip(labels) {
        let a = a.borrow();
        *cells.entry((l, &a.event)).or_default() += 1;
        *predicted.entry(l).or_default() += 1;
        *gold.entry(&a.event).or_default() += 1;
    }
    let tp: u64 = cells.values().map(|&n| pairs(n)).sum();
    let pp: u64 = predicted.values().map(|&n| pairs(n)).sum();
    let gp: u64 = gold.values().map(|&n| pairs(n)).sum();
    let precision = if pp == 0 { 1.0 } else { tp as f64 / pp as f64 };
    let recall = if gp == 0 { 1.0 } else { tp as f64 / gp as f64 };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Score {
        precision,
        recall,
        f1,
        stories: predicted.len(),
    }
}

fn report<A: Borrow<Article>>(name: &str, articles: &[A], labels: &[i64]) {
    let s = score(articles, labels);
    println!(
        "{name}: P {:.3} R {:.3} F1 {:.3}, predicted stories {}",
        s.precision, s.recall, s.f1, s.stories
    );
}

/// Which half an event falls in: FNV-1a of its id, so the halves stay the same across
/// machines and Rust versions.
fn half_of(event: &str) -> u64 {
    let hash = event.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash % 2
}
