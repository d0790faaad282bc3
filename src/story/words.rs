//! The word-level pieces that splitting a text (`text`) and reading where its event
//! happened (`evidence`) both build on: a [`Word`] of the folded text and how it was
//! written, the hashed [`Term`] it counts as, the plain stem, and the function words that
//! count for nothing. Kept apart from both so that dependencies run one way: `words` ←
//! `evidence` ← `text`.

/// A word, a name or a pair of names, hashed. Collisions at 64 bits are negligible next to
/// the noise of the words themselves, and hashing spares storing and comparing strings.
pub(super) type Term = u64;

/// One word of a text, as a range of the folded buffer plus how it was written.
#[derive(Debug, Clone, Copy)]
pub(super) struct Word {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) capital: bool,
    pub(super) number: bool,
    /// First word of a sentence, where a capital says nothing.
    pub(super) sentence_start: bool,
    /// Only spaces or hyphens since the previous word: the two can be one name.
    pub(super) joined: bool,
    /// A comma since the previous word.
    pub(super) comma: bool,
}

/// A plural and its singular are one term: `shootings` and `shooting` report the same
/// thing. Only the plain `-s` is removed; a stemmer's other cuts would merge names.
pub(super) fn stem(word: &str) -> &str {
    let bytes = word.as_bytes();
    if bytes.len() > 3
        && bytes[bytes.len() - 1] == b's'
        && !matches!(bytes[bytes.len() - 2], b's' | b'u' | b'i')
    {
        &word[..word.len() - 1]
    } else {
        word
    }
}

/// FNV-1a with a final mix, so that the low bits the hash maps use are well spread.
pub(super) fn hash(bytes: &[u8]) -> Term {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// The term of two names written together ("kavan collin"): a full name is rarer, and so
/// weighs more, than either of its words.
pub(super) fn pair_hash(first: &str, second: &str) -> Term {
    mix(hash(first.as_bytes()).rotate_left(17) ^ hash(second.as_bytes()))
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// Words that say nothing about which event a text reports. Everything else is left to
/// document frequencies.
pub(super) fn is_stopword(word: &str) -> bool {
    STOPWORDS.binary_search(&word).is_ok()
}

/// Sorted, so that lookup is a binary search.
const STOPWORDS: &[&str] = &[
    "about",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
];
