//! The compiled form of every watchlist together: one automaton over the distinct
//! normalised terms of all queries, run once over each field of an item. Cost per item is
//! one squash and one pass per field, plus work only for the queries whose rarest terms
//! (their `triggers`) were actually seen; it does not grow with the number of watchlists
//! that have nothing to do with the item.
//!
//! A hit must start at a word start, so instead of an unanchored Aho-Corasick search
//! (which follows failure links through every byte, and with thousands of terms misses
//! the cache on most of them) the automaton is a plain trie walked from each word start
//! until it dies (see `trie`); its first levels stay hot in cache, and the walk carries
//! on through spaces, so phrases are found the same way.
//!
//! Matching allocates nothing per item but its result: the squashed text and the lists
//! of found patterns live in buffers kept per thread and reused.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use super::normalize::{Squashed, char_end};
use super::query::{Node, Query, Term};
use super::snippet::snippet;
use super::trie::Trie;
use super::{Field, Occurrence};
use crate::model::{Hit, Snippet};

/// Every watchlist's query compiled together.
pub struct Watcher {
    queries: Vec<Query>,
    /// Every distinct pattern, walked from word starts.
    automaton: Trie,
    /// Per pattern: whether `-es` is a plural ending for it (`bus` → `buses`). Other words
    /// do not take it, or `Tim` would match `times`.
    takes_es: Vec<bool>,
    /// Per query, per term: the patterns standing for it.
    term_patterns: Vec<Vec<TermPatterns>>,
    /// Per pattern: the positive terms, as (query, term), it stands for.
    users: Vec<Vec<(usize, usize)>>,
    /// Per pattern: the queries worth evaluating when it hits, because it stands for one
    /// of their `triggers`.
    triggered: Vec<Vec<usize>>,
}

#[derive(Debug, Clone, Copy)]
struct TermPatterns {
    own: usize,
    /// The `-ies` plural of a term ending in consonant + y (`country` → `countries`),
    /// which no suffix check on `country` can find.
    ies: Option<usize>,
}

impl TermPatterns {
    fn hit_in(self, hits: &[usize]) -> bool {
        hits.binary_search(&self.own).is_ok()
            || self.ies.is_some_and(|p| hits.binary_search(&p).is_ok())
    }
}

/// One accepted automaton match, in squashed offsets.
#[derive(Debug, Clone, Copy)]
struct Found {
    pattern: usize,
    start: usize,
    end: usize,
}

/// One field of an item as the matcher saw it.
#[derive(Debug, Default)]
struct Scan {
    squashed: Squashed,
    found: Vec<Found>,
    /// The distinct patterns in `found`, sorted.
    hit: Vec<usize>,
    /// Indexes into `found`, by pattern then position; built by `spans` when first needed.
    by_pattern: Vec<usize>,
}

impl Scan {
    /// Squashes `text` and finds every pattern in it, replacing what this held.
    fn fill(&mut self, automaton: &Trie, takes_es: &[bool], text: &str) {
        self.squashed.fill(text);
        self.found.clear();
        walk(automaton, &self.squashed, takes_es, &mut self.found);
        self.hit.clear();
        self.hit.extend(self.found.iter().map(|f| f.pattern));
        self.hit.sort_unstable();
        self.hit.dedup();
        self.by_pattern.clear();
    }

    /// Gives back the memory of an unusually long text rather than keep it per thread.
    fn trim(&mut self) {
        if self.squashed.text.capacity() > KEEP_BYTES {
            *self = Scan::default();
        }
    }

    /// The original byte range of an accepted match.
    fn original(&self, text: &str, found: Found) -> Range<usize> {
        let start = self.squashed.origin(text, found.start);
        start..char_end(text, self.squashed.origin(text, found.end - 1))
    }

    /// Into `spans`: the original byte ranges, sorted, of the matches of `patterns`.
    fn spans(&mut self, text: &str, patterns: &[usize], spans: &mut Vec<Range<usize>>) {
        // Indexed by pattern the first time a snippet needs it: an item matching dozens
        // of watchlists would otherwise go through every match for each.
        if self.by_pattern.len() != self.found.len() {
            self.by_pattern.clear();
            self.by_pattern.extend(0..self.found.len());
            let found = &self.found;
            self.by_pattern.sort_by_key(|&i| (found[i].pattern, i));
        }
        spans.clear();
        for &pattern in patterns {
            let first = self
                .by_pattern
                .partition_point(|&i| self.found[i].pattern < pattern);
            for &i in &self.by_pattern[first..] {
                if self.found[i].pattern != pattern {
                    break;
                }
                spans.push(self.original(text, self.found[i]));
            }
        }
        spans.sort_by_key(|r| (r.start, r.end));
    }
}

/// Longest text (squashed) whose buffers a thread keeps for the next item.
const KEEP_BYTES: usize = 1 << 20;

/// What matching one item needs besides the watcher, kept per thread so that matching
/// does not allocate per item.
#[derive(Debug, Default)]
struct Scratch {
    title: Scan,
    body: Scan,
    candidates: Vec<usize>,
    term_hit: Vec<bool>,
    /// A matching query's patterns that hit, and their spans, for its snippet.
    patterns: Vec<usize>,
    spans: Vec<Range<usize>>,
}

/// Runs `f` with this thread's scratch buffers (fresh ones if they are in use, which
/// only a re-entrant call could cause).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    thread_local! {
        static SCRATCH: RefCell<Scratch> = RefCell::default();
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let out = f(&mut scratch);
            scratch.title.trim();
            scratch.body.trim();
            out
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// A summary: the derived form would print every state of the automaton.
impl fmt::Debug for Watcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watcher")
            .field("queries", &self.queries.len())
            .field("patterns", &self.takes_es.len())
            .field("automaton_bytes", &self.automaton.memory_usage())
            .finish()
    }
}

impl Watcher {
    pub fn new(queries: &[Query]) -> Watcher {
        // Patterns are shared: `S-400` in one watchlist and `"S 400"` in another are one
        // pattern, searched once.
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut users: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut term_patterns = Vec::with_capacity(queries.len());
        for (q, query) in queries.iter().enumerate() {
            let mut terms = Vec::with_capacity(query.terms.len());
            for (t, term) in query.terms.iter().enumerate() {
                let mut id_of = |pattern: String| -> usize {
                    *ids.entry(pattern).or_insert_with_key(|pattern| {
                        patterns.push(pattern.clone());
                        users.push(Vec::new());
                        patterns.len() - 1
                    })
                };
                let own = id_of(term.pattern.clone());
                let ies = ies_plural(&term.pattern).map(&mut id_of);
                if term.positive {
                    users[own].push((q, t));
                    if let Some(ies) = ies {
                        users[ies].push((q, t));
                    }
                }
                terms.push(TermPatterns { own, ies });
            }
            term_patterns.push(terms);
        }
        let mut triggered: Vec<Vec<usize>> = vec![Vec::new(); patterns.len()];
        for (q, query) in queries.iter().enumerate() {
            for t in triggers(query) {
                let TermPatterns { own, ies } = term_patterns[q][t];
                for p in [Some(own), ies].into_iter().flatten() {
                    if triggered[p].last() != Some(&q) {
                        triggered[p].push(q);
                    }
                }
            }
        }
        let takes_es = patterns.iter().map(|p| takes_es(p)).collect();
        Watcher {
            queries: queries.to_vec(),
            automaton: Trie::new(&patterns),
            takes_es,
            term_patterns,
            users,
            triggered,
        }
    }

    /// The watchlists `title` and `body` match, by index, each with the terms that hit and
    /// a snippet.
    pub fn match_document(&self, title: &str, body: &str) -> Vec<Hit> {
        with_scratch(|scratch| self.match_with(scratch, title, body))
    }

    fn match_with(&self, scratch: &mut Scratch, title: &str, body: &str) -> Vec<Hit> {
        let Scratch {
            title: title_scan,
            body: body_scan,
            candidates,
            term_hit,
            patterns,
            spans,
        } = scratch;
        title_scan.fill(&self.automaton, &self.takes_es, title);
        body_scan.fill(&self.automaton, &self.takes_es, body);

        candidates.clear();
        candidates.extend(
            title_scan
                .hit
                .iter()
                .chain(&body_scan.hit)
                .flat_map(|&p| &self.triggered[p]),
        );
        candidates.sort_unstable();
        candidates.dedup();

        let mut hits = Vec::new();
        for &q in candidates.iter() {
            let query = &self.queries[q];
            term_hit.clear();
            term_hit.extend(query.terms.iter().zip(&self.term_patterns[q]).map(
                |(term, patterns)| {
                    patterns.hit_in(&title_scan.hit)
                        || (!term.title_only && patterns.hit_in(&body_scan.hit))
                },
            ));
            if !query.root.eval(term_hit) {
                continue;
            }
            let mut matched_terms: Vec<String> = Vec::new();
            for (term, _) in query
                .terms
                .iter()
                .zip(term_hit.iter())
                .filter(|(t, hit)| **hit && t.positive)
            {
                if !matched_terms.contains(&term.text) {
                    matched_terms.push(term.text.clone());
                }
            }
            let snippet = self.snippet(
                q,
                term_hit,
                (title, title_scan),
                (body, body_scan),
                (patterns, spans),
            );
            hits.push(Hit {
                watchlist: q,
                matched_terms,
                snippet,
            });
        }
        hits
    }

    /// Every occurrence of every positive term of every query, whether or not the query
    /// matches, as byte ranges into the original `title` and `body`. Sorted by query,
    /// field and position. A range covers the term, not a plural or possessive ending.
    pub fn occurrences(&self, title: &str, body: &str) -> Vec<Occurrence> {
        with_scratch(|scratch| self.occurrences_with(scratch, title, body))
    }

    fn occurrences_with(&self, scratch: &mut Scratch, title: &str, body: &str) -> Vec<Occurrence> {
        let mut out = Vec::new();
        for (field, text) in [(Field::Title, title), (Field::Body, body)] {
            let scan = &mut scratch.title;
            scan.fill(&self.automaton, &self.takes_es, text);
            for &found in &scan.found {
                let range = scan.original(text, found);
                for &(q, t) in &self.users[found.pattern] {
                    let term = &self.queries[q].terms[t];
                    if field == Field::Body && term.title_only {
                        continue;
                    }
                    out.push(Occurrence {
                        query: q,
                        term: term.text.clone(),
                        field,
                        start: range.start,
                        end: range.end,
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            (a.query, a.field, a.start, a.end, &a.term)
                .cmp(&(b.query, b.field, b.start, b.end, &b.term))
        });
        out.dedup();
        out
    }

    /// The snippet for query `q`: around its first body hit; the start of the body if it
    /// hit only in the title; the title if there is no body to show.
    fn snippet(
        &self,
        q: usize,
        term_hit: &[bool],
        (title, title_scan): (&str, &mut Scan),
        (body, body_scan): (&str, &mut Scan),
        (patterns, spans): (&mut Vec<usize>, &mut Vec<Range<usize>>),
    ) -> Snippet {
        let query = &self.queries[q];
        let matched = |in_body: bool, patterns: &mut Vec<usize>| {
            patterns.clear();
            patterns.extend(
                query
                    .terms
                    .iter()
                    .zip(&self.term_patterns[q])
                    .zip(term_hit)
                    .filter(|((term, _), hit)| {
                        **hit && term.positive && !(in_body && term.title_only)
                    })
                    .flat_map(|((_, p), _)| [Some(p.own), p.ies].into_iter().flatten()),
            );
            patterns.sort_unstable();
            patterns.dedup();
        };
        matched(true, patterns);
        body_scan.spans(body, patterns, spans);
        if !spans.is_empty() || !body.trim().is_empty() {
            return snippet(body, spans);
        }
        matched(false, patterns);
        title_scan.spans(title, patterns, spans);
        snippet(title, spans)
    }
}

/// Terms of `query` (indexes) one of which hits whenever the query matches, chosen to be
/// rarely hit. Of `(Erdogan OR Erdoğan) AND (visit OR trip)` these are the names: an item
/// with neither cannot match, so the many items that mention a visit are not evaluated.
fn triggers(query: &Query) -> Vec<usize> {
    /// A set of triggers for `node` with its cost (how often its terms hit, roughly), or
    /// `None` if it can hold with no positive term hit (under NOT).
    fn visit(node: &Node, terms: &[Term]) -> Option<(u32, Vec<usize>)> {
        match node {
            Node::Term(t) => terms[*t]
                .positive
                .then(|| (commonness(&terms[*t]), vec![*t])),
            // Every alternative may be the one that holds.
            Node::Or(nodes) => nodes
                .iter()
                .try_fold((0, Vec::new()), |(cost, mut all), n| {
                    let (c, triggers) = visit(n, terms)?;
                    all.extend(triggers);
                    Some((cost + c, all))
                }),
            // Any one operand must hold, so its triggers do for the whole.
            Node::And(nodes) => nodes
                .iter()
                .filter_map(|n| visit(n, terms))
                .min_by_key(|(cost, _)| *cost),
            Node::Not(_) => None,
        }
    }
    match visit(&query.root, &query.terms) {
        Some((_, mut triggers)) => {
            triggers.sort_unstable();
            triggers.dedup();
            triggers
        }
        // `Query::parse` refuses a query that matches with no positive term hit, so all of
        // them together are triggers.
        None => (0..query.terms.len())
            .filter(|&t| query.terms[t].positive)
            .collect(),
    }
}

/// A guess at how often a term hits, for choosing triggers; only speed depends on it.
/// Phrases and codes are rarest, then names, then lowercase words (`visit`); two or three
/// letters hit more often than a long word.
fn commonness(term: &Term) -> u32 {
    let pattern = &term.pattern;
    let cost = if pattern.contains(' ') || pattern.bytes().any(|b| b.is_ascii_digit()) {
        1
    } else if term.text.starts_with(char::is_uppercase) {
        2
    } else {
        4
    };
    if pattern.len() <= 3 { 2 * cost } else { cost }
}

/// Every pattern that occurs in `squashed` from a word start to a word end (perhaps
/// followed by a plural ending), in order of start.
fn walk(automaton: &Trie, squashed: &Squashed, takes_es: &[bool], found: &mut Vec<Found>) {
    let text = &squashed.text;
    for &start in &squashed.starts {
        automaton.walk(&text[start..], |pattern, len| {
            let end = start + len;
            if ends_word(squashed, end, takes_es[pattern]) {
                found.push(Found {
                    pattern,
                    start,
                    end,
                });
            }
        });
    }
}

/// Whether a match ending at `end` ends a word, perhaps after a plural ending (`S-400s`,
/// `buses`). Possessives need no rule here: an apostrophe ends a word (`Erdogan's`).
fn ends_word(squashed: &Squashed, end: usize, takes_es: bool) -> bool {
    if squashed.is_edge(end) {
        return true;
    }
    let rest = &squashed.text[end..];
    (rest.starts_with(b"s") && squashed.is_edge(end + 1))
        || (takes_es && rest.starts_with(b"es") && squashed.is_edge(end + 2))
}

fn takes_es(pattern: &str) -> bool {
    ["s", "x", "z", "ch", "sh"]
        .iter()
        .any(|ending| pattern.ends_with(ending))
}

/// `country` → `countries`; `None` for a term not ending in consonant + y (`Turkey`
/// makes `Turkeys`, which the plain `-s` rule finds).
fn ies_plural(pattern: &str) -> Option<String> {
    let stem = pattern.strip_suffix('y')?;
    let before = stem.bytes().last()?;
    if !before.is_ascii_lowercase() || b"aeiouy".contains(&before) {
        return None;
    }
    Some(format!("{stem}ies"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::normalize;

    /// The anchored walk against the plainest search there is: every pattern tried at
    /// every word start. Texts and patterns come from pieces that make prefixes, suffix
    /// patterns, joins and plural endings collide.
    #[test]
    fn walk_finds_what_trying_every_pattern_at_every_word_start_finds() {
        const PIECES: &[&str] = &["s", "400", "a", "es", "y", "ies", "ab", " ", "-", "'", ","];
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut random_text = |max: usize| -> String {
            let len = next(max) + 1;
            (0..len).map(|_| PIECES[next(PIECES.len())]).collect()
        };
        for _ in 0..500 {
            let mut patterns: Vec<String> = (0..6)
                .map(|_| normalize(&random_text(4)))
                .filter(|p| !p.is_empty())
                .collect();
            patterns.sort();
            patterns.dedup();
            let takes: Vec<bool> = patterns.iter().map(|p| takes_es(p)).collect();
            let automaton = Trie::new(&patterns);
            let text = random_text(30);
            let mut squashed = Squashed::default();
            squashed.fill(&text);

            let mut found = Vec::new();
            walk(&automaton, &squashed, &takes, &mut found);
            let mut got: Vec<(usize, usize, usize)> =
                found.iter().map(|f| (f.pattern, f.start, f.end)).collect();
            got.sort_unstable();

            let mut want = Vec::new();
            for &start in &squashed.starts {
                for (p, pattern) in patterns.iter().enumerate() {
                    let end = start + pattern.len();
                    if squashed.text[start..].starts_with(pattern.as_bytes())
                        && ends_word(&squashed, end, takes[p])
                    {
                        want.push((p, start, end));
                    }
                }
            }
            want.sort_unstable();
            assert_eq!(got, want, "text {text:?}, patterns {patterns:?}");
        }
    }

    /// Evaluating only the queries a trigger points to finds every query that holds:
    /// random queries over a few words, against evaluating every query.
    #[test]
    fn triggers_find_every_query_that_holds() {
        const WORDS: &[&str] = &[
            "Iran",
            "S-400",
            "visit",
            "trip",
            "country",
            "\"Erdogan visit\"",
        ];
        let mut seed = 0x1234_5678_9ABC_DEF1u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        fn query(depth: usize, next: &mut impl FnMut(usize) -> usize) -> String {
            if depth == 0 || next(3) == 0 {
                let title = if next(5) == 0 { "title:" } else { "" };
                return format!("{title}{}", WORDS[next(WORDS.len())]);
            }
            let operands: Vec<String> = (0..2 + next(2))
                .map(|_| {
                    let operand = query(depth - 1, next);
                    let not = if next(4) == 0 { "-" } else { "" };
                    format!("{not}({operand})")
                })
                .collect();
            operands.join(if next(2) == 0 { " OR " } else { " AND " })
        }
        let queries: Vec<Query> = std::iter::repeat_with(|| query(3, &mut next))
            .filter_map(|text| Query::parse(&text).ok())
            .take(300)
            .collect();
        let watcher = Watcher::new(&queries);
        let filler = [
            "the",
            "Iranian",
            "countries",
            "S 400s",
            "visits",
            "trip.",
            "Erdogan",
        ];
        let mut text = |words: usize| -> String {
            (0..words)
                .map(|_| match next(3) {
                    0 => WORDS[next(WORDS.len())].trim_matches('"'),
                    _ => filler[next(filler.len())],
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut matched = 0;
        for _ in 0..300 {
            let (title, body) = (text(3), text(8));
            let got: Vec<usize> = watcher
                .match_document(&title, &body)
                .iter()
                .map(|h| h.watchlist)
                .collect();
            let mut scratch = Scratch::default();
            scratch
                .title
                .fill(&watcher.automaton, &watcher.takes_es, &title);
            scratch
                .body
                .fill(&watcher.automaton, &watcher.takes_es, &body);
            let want: Vec<usize> = (0..queries.len())
                .filter(|&q| {
                    let term_hit: Vec<bool> = queries[q]
                        .terms
                        .iter()
                        .zip(&watcher.term_patterns[q])
                        .map(|(term, p)| {
                            p.hit_in(&scratch.title.hit)
                                || (!term.title_only && p.hit_in(&scratch.body.hit))
                        })
                        .collect();
                    queries[q].root.eval(&term_hit)
                })
                .collect();
            assert_eq!(got, want, "title {title:?}, body {body:?}");
            matched += got.len();
        }
        // The test means something only if many queries match and many do not.
        assert!(matched > 300 * 30 && matched < 300 * 270, "{matched}");
    }

    #[test]
    fn plural_rules() {
        assert!(takes_es("bus") && takes_es("tax") && takes_es("church") && takes_es("crash"));
        assert!(!takes_es("tim") && !takes_es("turkey"));
        assert_eq!(ies_plural("country").as_deref(), Some("countries"));
        assert_eq!(
            ies_plural("real country").as_deref(),
            Some("real countries")
        );
        assert_eq!(ies_plural("turkey"), None);
        assert_eq!(ies_plural("y"), None);
        assert_eq!(ies_plural("s400"), None);
    }
}
