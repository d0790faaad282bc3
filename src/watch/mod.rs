//! The watchlist query language: parse, compile every watchlist into one matcher, match.
//! Pure (no I/O), so each piece is tested with plain strings.
//!
//! - [`query`]: text → boolean tree over terms, with positioned errors.
//! - [`normalize`](normalize()): the folding that makes `Erdoğan`, `ERDOGAN`, `S-400` and
//!   `S 400` comparable; text and terms go through the same function.
//! - [`Watcher`]: all queries' terms in one automaton, one pass per field of an item.
//! - `snippet`: the text shown around a hit.
//! - `trie`: the automaton the matcher walks from each word start.
//!
//! Matching is whole-word on the folded text: case, diacritics, dashes, spaces between a
//! letter and a digit, apostrophe and quote shapes, and plural or possessive endings are
//! forgiven; letters or digits running on past the term are not (`S-4000`, `DS-400`). In
//! scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) and
//! in Hangul, every character is a word, so `東京` matches in `東京都で` and `서울` in
//! `서울에서`, but not `서우` in `서울`.

mod lex;
mod matcher;
mod normalize;
#[cfg(test)]
mod operator_tests;
mod print;
mod query;
mod snippet;
#[cfg(test)]
mod tests;
mod trie;

pub use matcher::{Document, Source, Watcher};
pub use normalize::{normalize, normalize_spaced};
pub use query::{Lists, Query, QueryError, Scope, check_list_item};

/// Which text of an item an occurrence was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Title,
    Body,
}

/// One place where a positive term of some query occurs, as byte offsets into the
/// original (not normalised) title or body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub query: usize,
    pub term: String,
    pub field: Field,
    pub start: usize,
    pub end: usize,
}
