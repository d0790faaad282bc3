//! How well the article extractor finds a page's main text, and how fast: runs
//! [`newshound::article`] (bytes decoded, then extracted, as a fetch would) over pages
//! whose main text a person checked, and prints precision, recall and F1, the F1 of each
//! half of the pages (odd and even ids: a rule that helps only one half is likely fitted
//! to a few sites), pages per CPU-second, and the peak heap of one extraction on the
//! largest page and on generated 10 MB pages. Figures are printed, never asserted.
//!
//! The metric is the one `../shared/bench/score_extract.py` computes (and the published
//! extraction benchmarks use), ported: per page, the multisets of 4-word shingles of the
//! lower-cased `\w+` tokens give true and false positives and false negatives, normalised
//! to sum 1; precision and recall are averaged over the pages where they are defined, and
//! F1 is taken of the two averages. With `NEWSHOUND_EXTRACT_OUT=<file>` the texts are
//! written there as JSON lines (`id`, `text`), for the Python script to score the same
//! predictions. `bench/extract_peers.sh` prints trafilatura's figures on the same pages.
//!
//! The pages are the shared article corpus (`../shared/corpus/articles` from the crate
//! root, or the folder `NEWSHOUND_ARTICLES` names: `truth.jsonl` and `html/ID.html.gz`);
//! without it, the project's own fixture pages (`tests/fixtures/articles`), which only
//! show that the bench runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use newshound::article::{decode_html, extract};
use url::Url;

/// Counts the heap in use and its peak, to report what one extraction needs.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Page {
    id: String,
    url: Option<Url>,
    bytes: Vec<u8>,
    truth: String,
}

fn main() {
    let (folder, note) = corpus();
    println!("{note}");
    let pages = load(&folder);
    let bytes: usize = pages.iter().map(|p| p.bytes.len()).sum();
    println!(
        "pages {}, {:.1} MB of HTML, median {} KB",
        pages.len(),
        bytes as f64 / 1e6,
        median(pages.iter().map(|p| p.bytes.len()).collect()) / 1000
    );

    // Best of three runs for the speed; the texts of the last one for the scores.
    let mut texts = Vec::new();
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = cpu_seconds();
        texts = pages
            .iter()
            .map(|p| extract(&decode_html(&p.bytes, None), p.url.as_ref()).text)
            .collect();
        best = best.min(cpu_seconds() - start);
    }
    if let Some(out) = std::env::var_os("NEWSHOUND_EXTRACT_OUT") {
        let mut file = std::fs::File::create(&out).expect("creating the predictions file");
        for (page, text) in pages.iter().zip(&texts) {
            let line = serde_json::json!({ "id": page.id, "text": text });
            writeln!(file, "{line}").expect("writing the predictions");
        }
    }

    let scores: Vec<Score> = pages
        .iter()
        .zip(&texts)
        .map(|(p, text)| Score::of(&p.truth, text))
        .collect();
    println!("\nnewshound article::extract:");
    report("  all pages", &scores);
    for (half, name) in [(1u64, "odd ids"), (0, "even ids")] {
        // Ids are numbers in the corpus; the fixtures' names split by their order.
        let part: Vec<Score> = pages
            .iter()
            .zip(&scores)
            .enumerate()
            .filter(|(n, (p, _))| p.id.parse().unwrap_or(*n as u64 + 1) % 2 == half)
            .map(|(_, (_, s))| *s)
            .collect();
        report(&format!("  {name}"), &part);
    }
    println!(
        "  {:.0} pages per CPU-second ({:.1} MB/s), best of 3 runs",
        pages.len() as f64 / best,
        bytes as f64 / best / 1e6
    );

    println!("\npeak heap of one extraction (the page itself not counted):");
    if let Some(largest) = pages.iter().max_by_key(|p| p.bytes.len()) {
        let html = decode_html(&largest.bytes, None).into_owned();
        let label = format!("largest page ({}, {} KB)", largest.id, html.len() / 1000);
        peak_heap(&label, &html);
    }
    let ten_mb = 10 << 20;
    let article = pages
        .iter()
        .map(|p| decode_html(&p.bytes, None).into_owned())
        .max_by_key(String::len)
        .unwrap_or_default();
    let repeated = article.repeat(ten_mb / article.len().max(1) + 1);
    peak_heap(
        "10 MB of real pages end to end",
        &repeated[..floor(&repeated, ten_mb)],
    );
    peak_heap(
        "10 MB of one <div> per character",
        &"<div>x".repeat(ten_mb / 6),
    );
    peak_heap(
        "10 MB of nested unclosed <p><b>",
        &"<p><b>x ".repeat(ten_mb / 8),
    );
}

/// Prints the peak heap `extract` reaches on `html`, above what was in use before.
fn peak_heap(label: &str, html: &str) {
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let start = cpu_seconds();
    let extracted = extract(html, None);
    let seconds = cpu_seconds() - start;
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "  {label}: {:.1} MB ({:.1}x the page), {:.0} ms, {} words",
        peak as f64 / 1e6,
        peak as f64 / html.len() as f64,
        seconds * 1e3,
        extracted.words
    );
}

/// The largest char boundary of `text` at or below `at`.
fn floor(text: &str, at: usize) -> usize {
    (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

fn corpus() -> (PathBuf, String) {
    if let Some(path) = std::env::var_os("NEWSHOUND_ARTICLES") {
        let path = PathBuf::from(path);
        let note = format!("pages: {} (NEWSHOUND_ARTICLES)", path.display());
        return (path, note);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/corpus/articles");
    if shared.join("truth.jsonl").exists() {
        let note = format!("pages: {}", shared.display());
        return (shared, note);
    }
    let own = root.join("tests/fixtures/articles");
    let note = format!(
        "pages: {} is absent, so this runs on the project's own few fixture pages {} \
         instead; their figures only show that the bench runs, not how well extraction does",
        shared.display(),
        own.display()
    );
    (own, note)
}

/// The pages of a folder: `truth.jsonl` (`id`, `url`, `main_content`) and each page as
/// `html/ID.html.gz` or `html/ID.html`.
fn load(folder: &Path) -> Vec<Page> {
    let truth = folder.join("truth.jsonl");
    let text = std::fs::read_to_string(&truth)
        .unwrap_or_else(|e| panic!("reading {}: {e}", truth.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let field = |name: &str| v[name].as_str().unwrap_or_default().to_string();
            let id = field("id");
            let html = folder.join("html");
            let bytes = match std::fs::File::open(html.join(format!("{id}.html.gz"))) {
                Ok(file) => {
                    let mut bytes = Vec::new();
                    flate2::read::GzDecoder::new(file)
                        .read_to_end(&mut bytes)
                        .unwrap_or_else(|e| panic!("gunzip {id}: {e}"));
                    bytes
                }
                Err(_) => std::fs::read(html.join(format!("{id}.html")))
                    .unwrap_or_else(|e| panic!("reading page {id}: {e}")),
            };
            Page {
                url: Url::parse(&field("url")).ok(),
                truth: field("main_content"),
                id,
                bytes,
            }
        })
        .collect()
}

/// One page's true and false positives and false negatives, normalised to sum 1.
#[derive(Debug, Clone, Copy)]
struct Score {
    tp: f64,
    fp: f64,
    fn_: f64,
}

impl Score {
    fn of(truth: &str, predicted: &str) -> Score {
        let (t, p) = (shingles(truth), shingles(predicted));
        let mut tp = 0;
        let mut fn_ = 0;
        for (key, &count) in &t {
            let other = p.get(key).copied().unwrap_or(0);
            tp += count.min(other);
            fn_ += count.saturating_sub(other);
        }
        let fp: usize = p
            .iter()
            .map(|(key, &count)| count.saturating_sub(t.get(key).copied().unwrap_or(0)))
            .sum();
        let sum = (tp + fp + fn_) as f64;
        if sum == 0.0 {
            return Score {
                tp: 0.0,
                fp: 0.0,
                fn_: 0.0,
            };
        }
        Score {
            tp: tp as f64 / sum,
            fp: fp as f64 / sum,
            fn_: fn_ as f64 / sum,
        }
    }

    fn precision(&self) -> f64 {
        match (self.tp, self.fp, self.fn_) {
            (_, 0.0, 0.0) => 1.0,
            (0.0, 0.0, _) => 0.0,
            (tp, fp, _) => tp / (tp + fp),
        }
    }

    fn recall(&self) -> f64 {
        match (self.tp, self.fp, self.fn_) {
            (_, 0.0, 0.0) => 1.0,
            (0.0, _, 0.0) => 0.0,
            (tp, _, fn_) => tp / (tp + fn_),
        }
    }
}

/// The multiset of 4-token shingles of lower-cased `\w+` tokens; a text of fewer than four
/// tokens is one shingle of them all, as in the Python script.
fn shingles(text: &str) -> HashMap<String, usize> {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut counts = HashMap::new();
    for start in 0..tokens.len().saturating_sub(3).max(1) {
        let shingle = &tokens[start..(start + 4).min(tokens.len())];
        if !shingle.is_empty() {
            *counts.entry(shingle.join(" ")).or_insert(0) += 1;
        }
    }
    counts
}

fn report(label: &str, scores: &[Score]) {
    let precisions: Vec<f64> = scores
        .iter()
        .filter(|s| s.tp + s.fp > 0.0)
        .map(Score::precision)
        .collect();
    let recalls: Vec<f64> = scores
        .iter()
        .filter(|s| s.tp + s.fn_ > 0.0)
        .map(Score::recall)
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (p, r) = (mean(&precisions), mean(&recalls));
    let f1 = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    println!(
        "{label:<12} {} pages: precision {p:.3} recall {r:.3} F1 {f1:.3}",
        scores.len()
    );
}

fn median(mut values: Vec<usize>) -> usize {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// CPU time (user and system) this process has used, in seconds.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
