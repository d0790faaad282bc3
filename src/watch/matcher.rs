//! The compiled form of every watchlist together: one automaton over the distinct
//! normalised terms of all queries, run once over each field of an item. Cost per item is
//! one squash and one pass per field, plus work only for the queries whose rarest terms
//! (their `triggers`) were actually seen, and for the few that a scope (`site:`, `feed:`,
//! `tag:`) alone can make hold; it does not grow with the number of watchlists that have
//! nothing to do with the item.
//!
//! A hit must start at a word start, so instead of an unanchored Aho-Corasick search
//! (which follows failure links through every byte, and with thousands of terms misses
//! the cache on most of them) the automaton is a plain trie walked from each word start
//! until it dies (see `trie`); its first levels stay hot in cache, and the walk carries
//! on through spaces, so phrases are found the same way. A wildcard (`missil*`) is the
//! same walk without the check that the word ends there.
//!
//! Proximity (`NEAR/n`) is decided only for a query whose two sides both hit somewhere:
//! then the hits of each side are turned into word positions and compared.
//!
//! Matching allocates nothing per item but its result: the squashed text and the lists
//! of found patterns live in buffers kept per thread and reused.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use super::normalize::{Squashed, char_end, is_hangul, is_unspaced};
use super::query::{Near, Node, Query, Scope, Term};
use super::snippet::snippet;
use super::trie::Trie;
use super::{Field, Occurrence};
use crate::model::{Hit, Snippet};

/// An item as the matcher sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// The item's link, for `site:`; empty if it has none.
    pub link: &'a str,
    /// The feeds the item was seen in, for `feed:` and `tag:`.
    pub feeds: &'a [Source<'a>],
}

/// A feed an item was seen in.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub name: &'a str,
    pub tags: &'a [String],
}

/// Every watchlist's query compiled together.
pub struct Watcher {
    queries: Vec<Query>,
    /// Every distinct pattern text, walked from word starts.
    automaton: Trie,
    /// Per automaton text: the patterns it ends.
    outputs: Vec<Outputs>,
    /// Per query, per term: the patterns standing for it.
    term_patterns: Vec<Vec<TermPatterns>>,
    /// Per pattern: the positive terms, as (query, term), it stands for.
    users: Vec<Vec<(usize, usize)>>,
    /// Per pattern: the queries worth evaluating when it hits, because it stands for one
    /// of their `triggers`.
    triggered: Vec<Vec<usize>>,
    /// Queries evaluated for every item: a scope can make them hold whatever terms hit.
    unconditional: Vec<usize>,
}

/// No pattern.
const NONE: u32 = u32::MAX;

/// What a text of the automaton stands for: a whole word (or phrase), a wildcard, or both
/// (`missil` and `missil*` in two watchlists).
#[derive(Debug, Clone, Copy)]
struct Outputs {
    word: u32,
    prefix: u32,
    /// Whether `-es` is a plural ending for the word (`bus` → `buses`). Other words do not
    /// take it, or `Tim` would match `times`.
    takes_es: bool,
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

    fn all(self) -> impl Iterator<Item = usize> {
        [Some(self.own), self.ies].into_iter().flatten()
    }
}

/// One accepted automaton match, in squashed offsets.
#[derive(Debug, Clone, Copy)]
struct Found {
    pattern: usize,
    start: usize,
    end: usize,
}

/// A match as proximity sees it: the words it covers (see `Scan::word_of`) and its
/// squashed byte range.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: usize,
    last: usize,
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
    /// Indexes into `found`, by pattern then position; built by `by_pattern` when first
    /// needed.
    by_pattern: Vec<usize>,
    /// Where each word counted by proximity starts (see `counts_as_word`); built by
    /// `word_of` when first needed, and then not empty for a text with words.
    words: Vec<usize>,
}

impl Scan {
    /// Squashes `text` and finds every pattern in it, replacing what this held.
    fn fill(&mut self, automaton: &Trie, outputs: &[Outputs], text: &str) {
        self.squashed.fill(text);
        self.found.clear();
        walk(automaton, &self.squashed, outputs, &mut self.found);
        self.hit.clear();
        self.hit.extend(self.found.iter().map(|f| f.pattern));
        self.hit.sort_unstable();
        self.hit.dedup();
        self.by_pattern.clear();
        self.words.clear();
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

    /// Indexes `found` by pattern, the first time it is needed: an item matching dozens
    /// of watchlists would otherwise go through every match for each.
    fn index_by_pattern(&mut self) {
        if self.by_pattern.len() != self.found.len() {
            self.by_pattern.clear();
            self.by_pattern.extend(0..self.found.len());
            let found = &self.found;
            self.by_pattern.sort_by_key(|&i| (found[i].pattern, i));
        }
    }

    /// The matches of `pattern`, in order of position (after `index_by_pattern`).
    fn of_pattern(&self, pattern: usize) -> impl Iterator<Item = Found> + '_ {
        let first = self
            .by_pattern
            .partition_point(|&i| self.found[i].pattern < pattern);
        self.by_pattern[first..]
            .iter()
            .map(|&i| self.found[i])
            .take_while(move |f| f.pattern == pattern)
    }

    /// Into `spans`: the original byte ranges, sorted, of the matches of `patterns`.
    fn spans(&mut self, text: &str, patterns: &[usize], spans: &mut Vec<Range<usize>>) {
        self.index_by_pattern();
        spans.clear();
        for &pattern in patterns {
            spans.extend(self.of_pattern(pattern).map(|f| self.original(text, f)));
        }
        spans.sort_by_key(|r| (r.start, r.end));
    }

    /// Finds where the words counted by proximity start (see `counts_as_word`), the
    /// first time it is needed; `original` is the text this scan was filled from.
    fn index_words(&mut self, original: &str) {
        if self.words.is_empty() {
            let squashed = &self.squashed;
            self.words.extend(
                squashed
                    .starts
                    .iter()
                    .copied()
                    .filter(|&s| counts_as_word(squashed, original, s)),
            );
        }
    }

    /// The number of the word (counted from 0) that the squashed byte `pos` is in (after
    /// `index_words`).
    fn word_of(&self, pos: usize) -> usize {
        self.words.partition_point(|&w| w <= pos).saturating_sub(1)
    }

    /// Into `out`: each match of `patterns` as a [`Span`], sorted by start.
    fn word_spans(
        &mut self,
        original: &str,
        patterns: impl Iterator<Item = usize>,
        out: &mut Vec<Span>,
    ) {
        self.index_by_pattern();
        self.index_words(original);
        out.clear();
        for pattern in patterns {
            out.extend(self.of_pattern(pattern).map(|f| Span {
                first: self.word_of(f.start),
                last: self.word_of(f.end - 1),
                start: f.start,
                end: f.end,
            }));
        }
        out.sort_unstable_by_key(|s| (s.start, s.end));
    }
}

/// Whether the word start at `pos` of `squashed` (from `original`) begins a new word for
/// counting distances: a word is what the writer separated by spaces or punctuation, so
/// not after an apostrophe (`Erdogan's`), nor where a dash joined a letter and a digit
/// (`S-400`), nor between Hangul syllables (Korean puts spaces between words); but each
/// character of the other scripts written without spaces is a word, and so is a run of
/// another script beside them (`東京2020`).
fn counts_as_word(squashed: &Squashed, original: &str, pos: usize) -> bool {
    let text = &squashed.text;
    match pos.checked_sub(1).map(|p| text[p]) {
        None | Some(b' ') => return true,
        Some(b'\'') => return false,
        Some(_) => {}
    }
    // A space the squasher dropped (between a letter and a digit, or beside the scripts
    // written without spaces) still separates two words.
    let origin = squashed.origin(original, pos);
    if original[..origin]
        .chars()
        .next_back()
        .is_some_and(char::is_whitespace)
    {
        return true;
    }
    let (Some(before), Some(at)) = (char_before(text, pos), char_at(text, pos)) else {
        return true;
    };
    (is_unspaced(before) || is_unspaced(at)) && !(is_hangul(before) && is_hangul(at))
}

/// The character of UTF-8 `text` that ends at byte `pos`.
fn char_before(text: &[u8], pos: usize) -> Option<char> {
    let start = (pos.saturating_sub(4)..pos).find(|&i| text[i] & 0xC0 != 0x80)?;
    std::str::from_utf8(&text[start..pos])
        .ok()?
        .chars()
        .next_back()
}

/// The character of UTF-8 `text` that starts at byte `pos`.
fn char_at(text: &[u8], pos: usize) -> Option<char> {
    let end = (pos + 4).min(text.len());
    let rest = &text[pos..end];
    let valid = match std::str::from_utf8(rest) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()]).ok()?,
    };
    valid.chars().next()
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
    /// Word spans of the two sides of a NEAR.
    left: Vec<Span>,
    right: Vec<Span>,
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
            .field("patterns", &self.users.len())
            .field("automaton_bytes", &self.automaton.memory_usage())
            .finish()
    }
}

/// The link of the item being matched, parsed the first time a `site:` asks.
struct Link {
    host: String,
    path: String,
}

impl Link {
    fn parse(link: &str) -> Option<Link> {
        let url = url::Url::parse(link.trim()).ok()?;
        Some(Link {
            host: url.host_str()?.trim_end_matches('.').to_ascii_lowercase(),
            path: url.path().to_string(),
        })
    }

    fn on(&self, host: &str, path: &str) -> bool {
        let on_host = self
            .host
            .strip_suffix(host)
            .is_some_and(|sub| sub.is_empty() || sub.ends_with('.'));
        let under = self
            .path
            .strip_prefix(path)
            .is_some_and(|rest| path.is_empty() || rest.is_empty() || rest.starts_with('/'));
        on_host && under
    }
}

fn scope_holds(scope: &Scope, doc: &Document, link: &OnceCell<Option<Link>>) -> bool {
    match scope {
        Scope::Site { host, path } => link
            .get_or_init(|| Link::parse(doc.link))
            .as_ref()
            .is_some_and(|l| l.on(host, path)),
        Scope::Feed(name) => doc.feeds.iter().any(|f| f.name == name),
        Scope::Tag(tag) => doc.feeds.iter().any(|f| f.tags.contains(tag)),
    }
}

/// The nearest pair of a `left` and a `right` span (from `word_spans`) at most `within`
/// words apart, in either order, the second starting where the first ends or later (two
/// halves of one word, `S-400-Raketen`, are 0 words apart): the squashed start of the
/// earlier one.
fn nearest(left: &[Span], right: &[Span], within: usize) -> Option<usize> {
    let after = |a: &[Span], b: &[Span]| {
        a.iter()
            .filter_map(|first| {
                // The first span of `b` starting after this one ends: the nearest after it.
                let i = b.partition_point(|s| s.start < first.end);
                let second = b.get(i)?;
                (second.first.saturating_sub(first.last + 1) <= within).then_some(first.start)
            })
            .min()
    };
    match (after(left, right), after(right, left)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

impl Watcher {
    pub fn new(queries: &[Query]) -> Watcher {
        // Patterns are shared: `S-400` in one watchlist and `"S 400"` in another are one
        // pattern, searched once; so are the texts of the automaton, when a word and a
        // wildcard share one.
        let mut ids: HashMap<(String, bool), usize> = HashMap::new();
        let mut texts: HashMap<String, usize> = HashMap::new();
        let mut automaton_texts: Vec<String> = Vec::new();
        let mut outputs: Vec<Outputs> = Vec::new();
        let mut users: Vec<Vec<(usize, usize)>> = Vec::new();
        let mut term_patterns = Vec::with_capacity(queries.len());
        for (q, query) in queries.iter().enumerate() {
            let mut terms = Vec::with_capacity(query.terms.len());
            for (t, term) in query.terms.iter().enumerate() {
                let mut id_of = |pattern: String, prefix: bool| -> usize {
                    if let Some(&id) = ids.get(&(pattern.clone(), prefix)) {
                        return id;
                    }
                    let id = users.len();
                    users.push(Vec::new());
                    let text = *texts.entry(pattern.clone()).or_insert_with(|| {
                        outputs.push(Outputs {
                            word: NONE,
                            prefix: NONE,
                            takes_es: takes_es(&pattern),
                        });
                        automaton_texts.push(pattern.clone());
                        automaton_texts.len() - 1
                    });
                    let slot = if prefix {
                        &mut outputs[text].prefix
                    } else {
                        &mut outputs[text].word
                    };
                    *slot = u32::try_from(id).expect("fewer than 2^32 patterns");
                    ids.insert((pattern, prefix), id);
                    id
                };
                let own = id_of(term.pattern.clone(), term.prefix);
                let ies = if term.prefix {
                    None
                } else {
                    ies_plural(&term.pattern).map(|p| id_of(p, false))
                };
                let patterns = TermPatterns { own, ies };
                if term.positive {
                    for p in patterns.all() {
                        users[p].push((q, t));
                    }
                }
                terms.push(patterns);
            }
            term_patterns.push(terms);
        }
        let mut triggered: Vec<Vec<usize>> = vec![Vec::new(); users.len()];
        let mut unconditional = Vec::new();
        for (q, query) in queries.iter().enumerate() {
            let Some(terms) = triggers(query) else {
                unconditional.push(q);
                continue;
            };
            for t in terms {
                for p in term_patterns[q][t].all() {
                    if triggered[p].last() != Some(&q) {
                        triggered[p].push(q);
                    }
                }
            }
        }
        Watcher {
            queries: queries.to_vec(),
            automaton: Trie::new(&automaton_texts),
            outputs,
            term_patterns,
            users,
            triggered,
            unconditional,
        }
    }

    /// The watchlists an item of this title and body matches, by index, each with the
    /// terms that hit and a snippet; for an item with no link and no feed.
    pub fn match_document(&self, title: &str, body: &str) -> Vec<Hit> {
        self.match_item(&Document {
            title,
            body,
            ..Document::default()
        })
    }

    /// The watchlists `doc` matches, by index, each with the terms that hit and a
    /// snippet.
    pub fn match_item(&self, doc: &Document) -> Vec<Hit> {
        with_scratch(|scratch| self.match_with(scratch, doc))
    }

    fn match_with(&self, scratch: &mut Scratch, doc: &Document) -> Vec<Hit> {
        let Scratch {
            title: title_scan,
            body: body_scan,
            candidates,
            term_hit,
            patterns,
            spans,
            left,
            right,
        } = scratch;
        title_scan.fill(&self.automaton, &self.outputs, doc.title);
        body_scan.fill(&self.automaton, &self.outputs, doc.body);

        candidates.clear();
        candidates.extend(
            title_scan
                .hit
                .iter()
                .chain(&body_scan.hit)
                .flat_map(|&p| &self.triggered[p]),
        );
        candidates.extend(&self.unconditional);
        candidates.sort_unstable();
        candidates.dedup();

        let link = OnceCell::new();
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
            // Where in the body a NEAR held, so that the snippet shows the pair.
            let mut anchor: Option<usize> = None;
            let holds = query.root.eval(&mut |leaf| match leaf {
                Node::Term(t) => term_hit[*t],
                Node::Scope(s) => scope_holds(&query.scopes[*s], doc, &link),
                Node::Near(near) => {
                    let sides = [&near.left, &near.right];
                    if !sides.iter().all(|side| side.iter().any(|&t| term_hit[t])) {
                        return false;
                    }
                    let in_title = self.near_in(q, near, (doc.title, title_scan), left, right);
                    if in_title.is_some() {
                        return true;
                    }
                    let title_only = query.terms[near.left[0]].title_only;
                    let in_body = (!title_only)
                        .then(|| self.near_in(q, near, (doc.body, body_scan), left, right))
                        .flatten();
                    if anchor.is_none() {
                        anchor = in_body;
                    }
                    in_body.is_some()
                }
                _ => false,
            });
            if !holds {
                continue;
            }
            let mut matched_terms: Vec<String> = Vec::new();
            for (term, _) in query
                .terms
                .iter()
                .zip(term_hit.iter())
                .filter(|(t, hit)| **hit && t.positive)
            {
                let shown = term.shown();
                if !matched_terms.contains(&shown) {
                    matched_terms.push(shown);
                }
            }
            let snippet = self.snippet(
                q,
                term_hit,
                anchor,
                (doc.title, title_scan),
                (doc.body, body_scan),
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

    /// Whether the two sides of `near` (of query `q`) occur close enough in `scan`: the
    /// squashed start of the nearest pair.
    fn near_in<'a>(
        &'a self,
        q: usize,
        near: &'a Near,
        (original, scan): (&str, &mut Scan),
        left: &mut Vec<Span>,
        right: &mut Vec<Span>,
    ) -> Option<usize> {
        let patterns = |terms: &'a [usize]| {
            terms
                .iter()
                .flat_map(move |&t| self.term_patterns[q][t].all())
        };
        let hits = |scan: &Scan, terms| patterns(terms).any(|p| scan.hit.binary_search(&p).is_ok());
        if !hits(scan, &near.left) || !hits(scan, &near.right) {
            return None;
        }
        scan.word_spans(original, patterns(&near.left), left);
        scan.word_spans(original, patterns(&near.right), right);
        nearest(left, right, near.within as usize)
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
            scan.fill(&self.automaton, &self.outputs, text);
            for &found in &scan.found {
                let range = scan.original(text, found);
                for &(q, t) in &self.users[found.pattern] {
                    let term = &self.queries[q].terms[t];
                    if field == Field::Body && term.title_only {
                        continue;
                    }
                    out.push(Occurrence {
                        query: q,
                        term: term.shown(),
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

    /// The snippet for query `q`: around the pair of a NEAR that held in the body if there
    /// is one (`anchor`), else around its first body hit; the start of the body if it hit
    /// only in the title; the title if there is no body to show.
    fn snippet(
        &self,
        q: usize,
        term_hit: &[bool],
        anchor: Option<usize>,
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
                    .flat_map(|((_, p), _)| p.all()),
            );
            patterns.sort_unstable();
            patterns.dedup();
        };
        matched(true, patterns);
        body_scan.spans(body, patterns, spans);
        if let Some(anchor) = anchor {
            let from = body_scan.squashed.origin(body, anchor);
            let first = spans.partition_point(|r| r.start < from);
            spans.drain(..first);
        }
        if !spans.is_empty() || !body.trim().is_empty() {
            return snippet(body, spans);
        }
        matched(false, patterns);
        title_scan.spans(title, patterns, spans);
        snippet(title, spans)
    }
}

impl Term {
    /// The term as a reader knows it: a wildcard with its `*`.
    fn shown(&self) -> String {
        if self.prefix {
            format!("{}*", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// How costly a scope is as a trigger: a query triggered by one is evaluated for every
/// item, so any term is better.
const SCOPE_COST: u32 = 1_000;

/// Terms of `query` (indexes) one of which hits whenever the query matches, chosen to be
/// rarely hit. Of `(Erdogan OR Erdoğan) AND (visit OR trip)` these are the names: an item
/// with neither cannot match, so the many items that mention a visit are not evaluated.
/// `None` when a scope can make the query hold with no term hit (`site:reuters.com`, or
/// `S-400 OR feed:Defense`): the query must be evaluated for every item.
fn triggers(query: &Query) -> Option<Vec<usize>> {
    /// A set of triggers for `node` with its cost (how often its terms hit, roughly) and
    /// whether a scope is among them, or `None` if it can hold with no positive term hit
    /// (under NOT).
    fn visit(node: &Node, terms: &[Term]) -> Option<(u32, Vec<usize>, bool)> {
        let side = |side: &[usize]| {
            let cost = side.iter().map(|&t| commonness(&terms[t])).sum::<u32>();
            (cost, side.to_vec(), false)
        };
        match node {
            Node::Term(t) => terms[*t]
                .positive
                .then(|| (commonness(&terms[*t]), vec![*t], false)),
            Node::Scope(_) => Some((SCOPE_COST, Vec::new(), true)),
            // Both sides must hit: either side's terms will do.
            Node::Near(near) => [side(&near.left), side(&near.right)]
                .into_iter()
                .min_by_key(|(cost, _, _)| *cost),
            // Every alternative may be the one that holds.
            Node::Or(nodes) => {
                nodes
                    .iter()
                    .try_fold((0, Vec::new(), false), |(cost, mut all, scoped), n| {
                        let (c, triggers, s) = visit(n, terms)?;
                        all.extend(triggers);
                        Some((cost + c, all, scoped || s))
                    })
            }
            // Any one operand must hold, so its triggers do for the whole.
            Node::And(nodes) => nodes
                .iter()
                .filter_map(|n| visit(n, terms))
                .min_by_key(|(cost, _, _)| *cost),
            Node::Not(_) => None,
        }
    }
    // `Query::parse` refuses a query that holds with no positive term hit and no scope, so
    // `None` here is only a safe answer, never a wrong one.
    let (_, mut triggers, scoped) = visit(&query.root, &query.terms)?;
    if scoped {
        return None;
    }
    triggers.sort_unstable();
    triggers.dedup();
    Some(triggers)
}

/// A guess at how often a term hits, for choosing triggers; only speed depends on it.
/// Phrases and codes are rarest, then names, then lowercase words (`visit`); two or three
/// letters hit more often than a long word, and a wildcard more than its word.
fn commonness(term: &Term) -> u32 {
    let pattern = &term.pattern;
    let cost = if pattern.contains(' ') || pattern.bytes().any(|b| b.is_ascii_digit()) {
        1
    } else if term.text.starts_with(char::is_uppercase) {
        2
    } else {
        4
    };
    let cost = if term.prefix { 2 * cost } else { cost };
    if pattern.len() <= 3 { 2 * cost } else { cost }
}

/// Every pattern that occurs in `squashed` from a word start to a word end (perhaps
/// followed by a plural ending), or from a word start for a wildcard, in order of start.
fn walk(automaton: &Trie, squashed: &Squashed, outputs: &[Outputs], found: &mut Vec<Found>) {
    let text = &squashed.text;
    for &start in &squashed.starts {
        automaton.walk(&text[start..], |id, len| {
            let out = outputs[id];
            let end = start + len;
            if out.prefix != NONE {
                // The hit is the whole word the stem starts, so it is highlighted whole.
                let mut word_end = end;
                while !squashed.is_edge(word_end) {
                    word_end += 1;
                }
                found.push(Found {
                    pattern: out.prefix as usize,
                    start,
                    end: word_end,
                });
            }
            if out.word != NONE && ends_word(squashed, end, out.takes_es) {
                found.push(Found {
                    pattern: out.word as usize,
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
            let outputs: Vec<Outputs> = takes
                .iter()
                .enumerate()
                .map(|(p, &takes_es)| Outputs {
                    word: p as u32,
                    prefix: NONE,
                    takes_es,
                })
                .collect();
            let automaton = Trie::new(&patterns);
            let text = random_text(30);
            let mut squashed = Squashed::default();
            squashed.fill(&text);

            let mut found = Vec::new();
            walk(&automaton, &squashed, &outputs, &mut found);
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
                .fill(&watcher.automaton, &watcher.outputs, &title);
            scratch
                .body
                .fill(&watcher.automaton, &watcher.outputs, &body);
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
                    queries[q].root.eval(&mut |leaf| match leaf {
                        Node::Term(t) => term_hit[*t],
                        _ => false,
                    })
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
