//! An item's words as story grouping sees them: folded (case, diacritics, apostrophes),
//! stripped of function words, each remembering whether it was written as a name, then
//! counted into hashed terms. Names and numbers are what tell one event from another
//! within a topic, so they are found here, once per item, and weighed later against
//! document frequencies. Ages are found here too: they are what most often tells apart two
//! reports of one kind of event in one place; and so are the people named in full and the
//! streets (read in `evidence`), which link a follow-up to the first reports when little
//! else does.
//!
//! The watch module's `normalize` folds whole texts and discards case; grouping needs case
//! per word (a capital inside a sentence marks a name), so this splits words itself and
//! hands only non-ASCII characters to `normalize`, which keeps one definition of folding
//! (Erdoğan = Erdogan) across the project.

use super::evidence::{place_after, street_at};
use super::words::{Term, Word, hash, is_stopword, pair_hash, stem};
use crate::watch::normalize;

/// What one term counted for in a text.
pub(super) struct Counted {
    pub(super) term: Term,
    pub(super) count: u32,
    /// Written as a name (capitalised inside a sentence) at least once.
    pub(super) name: bool,
}

/// Reusable buffers for splitting texts into words.
#[derive(Debug, Default)]
pub(super) struct Splitter {
    folded: String,
    words: Vec<Word>,
    /// Each term as it occurs, and whether that occurrence was written as a name.
    occurrences: Vec<(Term, bool)>,
    /// The ages of people given in the texts pushed since the last [`Splitter::ages`].
    ages: Vec<u8>,
    /// The streets, places and people named in the texts pushed since the last
    /// [`Splitter::evidence`], and their ledes' terms.
    evidence: Evidence,
}

/// Who and where: the people a report names in full, the streets it names and the places
/// its lede puts the event in, each a key that reports of one event share whatever their
/// other words; and the lede's terms, to tell where a report names a place.
#[derive(Debug, Default, Clone)]
pub(super) struct Evidence {
    /// Streets ([`street_at`]), sorted, each once.
    pub(super) streets: Vec<Term>,
    /// The places the headline and the lede put the event in ([`place_after`]), each as
    /// the terms of its words; sorted, each once.
    pub(super) places: Vec<Vec<Term>>,
    /// The terms of the headline and the lede (each text's first sentence), sorted, each
    /// once: where a report says what it is about.
    pub(super) lede: Vec<Term>,
    /// People named in full: the term of a first and last name written together, when the
    /// text names them again by the last name alone (as news style does for the people it
    /// is about, and not for places or titles: "Fort Myers", "Police Chief"). Sorted, each
    /// once.
    pub(super) people: Vec<Term>,
}

impl Splitter {
    /// Adds the terms of `text` to those counted so far. With `names` false, capitals are
    /// not read as names (headlines are often in title case).
    pub(super) fn push(&mut self, text: &str, names: bool) {
        self.split(text);
        let words = &self.words;
        let mut previous_name: Option<&str> = None;
        // Each pair of names (its term, its second word's term), and the capitalised words
        // not in a pair: a person named in full is named again by surname alone.
        let mut pairs: Vec<(Term, Term)> = Vec::new();
        let mut alone: Vec<Term> = Vec::new();
        let mut lede = true;
        for (at, word) in words.iter().enumerate() {
            let folded = &self.folded[word.start..word.end];
            lede &= at == 0 || !word.sentence_start;
            if lede && folded == "in" {
                let place = place_after(&self.folded, words, at);
                if !place.is_empty() {
                    self.evidence.places.push(place);
                }
            }
            self.ages.extend(age_at(&self.folded, words, at));
            self.evidence
                .streets
                .extend(street_at(&self.folded, words, at));
            if is_stopword(folded) || (folded.len() < 2 && !word.number) {
                previous_name = None;
                continue;
            }
            let stem = stem(folded);
            let is_name = names
                && word.capital
                && !word.number
                && (!word.sentence_start
                    || words
                        .get(at + 1)
                        .is_some_and(|next| next.capital && next.joined));
            let term = hash(stem.as_bytes());
            if lede {
                self.evidence.lede.push(term);
            }
            let paired = is_name && previous_name.is_some() && word.joined;
            if paired && let Some(first) = previous_name {
                let pair = pair_hash(first, stem);
                self.occurrences.push((pair, true));
                pairs.push((pair, term));
            }
            let starts_pair = is_name
                && !paired
                && words
                    .get(at + 1)
                    .is_some_and(|next| next.capital && next.joined && !next.number);
            if names && word.capital && !word.number && !paired && !starts_pair {
                alone.push(term);
            }
            self.occurrences.push((term, is_name));
            previous_name = is_name.then_some(stem);
        }
        alone.sort_unstable();
        self.evidence.people.extend(
            pairs
                .iter()
                .filter(|(_, second)| alone.binary_search(second).is_ok())
                .map(|&(pair, _)| pair),
        );
    }

    /// The distinct terms pushed so far, sorted.
    pub(super) fn terms(&self) -> Vec<Term> {
        let mut terms: Vec<Term> = self.occurrences.iter().map(|&(t, _)| t).collect();
        terms.sort_unstable();
        terms.dedup();
        terms
    }

    /// The ages given in the texts pushed since the last call, sorted, each once.
    pub(super) fn ages(&mut self) -> Vec<u8> {
        let mut ages = std::mem::take(&mut self.ages);
        ages.sort_unstable();
        ages.dedup();
        ages
    }

    /// The streets, places and people named in the texts pushed since the last call, and
    /// their ledes' terms.
    pub(super) fn evidence(&mut self) -> Evidence {
        let mut evidence = std::mem::take(&mut self.evidence);
        for set in [
            &mut evidence.streets,
            &mut evidence.people,
            &mut evidence.lede,
        ] {
            set.sort_unstable();
            set.dedup();
        }
        evidence.places.sort_unstable();
        evidence.places.dedup();
        evidence
    }

    /// Counts the terms pushed since the last call, sorted by term.
    pub(super) fn counts(&mut self) -> Vec<Counted> {
        self.occurrences.sort_unstable_by_key(|&(term, _)| term);
        let mut out: Vec<Counted> = Vec::new();
        for (term, name) in self.occurrences.drain(..) {
            match out.last_mut() {
                Some(last) if last.term == term => {
                    last.count += 1;
                    last.name |= name;
                }
                _ => out.push(Counted {
                    term,
                    count: 1,
                    name,
                }),
            }
        }
        out
    }

    /// Splits `text` into folded words with how each was written.
    fn split(&mut self, text: &str) {
        self.folded.clear();
        self.words.clear();
        let mut chars = text.char_indices().peekable();
        let mut sentence_start = true;
        let mut joined = false;
        let mut comma = false;
        while let Some(&(_, c)) = chars.peek() {
            if !is_word_char(c) {
                chars.next();
                match c {
                    ' ' | '\t' | '-' | '\u{2010}' | '\u{2011}' => {}
                    '.' if self.words.last().is_some_and(|w| self.is_abbreviation(w)) => {
                        joined = false;
                    }
                    '.' | '!' | '?' | '\n' | '\r' | '•' => {
                        sentence_start = true;
                        joined = false;
                    }
                    ',' => {
                        joined = false;
                        comma = true;
                    }
                    _ => joined = false,
                }
                continue;
            }
            let start = self.folded.len();
            let capital = c.is_uppercase();
            let mut number = true;
            while let Some((_, c)) = chars.next() {
                if c.is_ascii_alphanumeric() {
                    number &= c.is_ascii_digit();
                    self.folded.push(c.to_ascii_lowercase());
                } else if is_word_char(c) {
                    number &= c.is_numeric();
                    if !c.is_ascii() {
                        self.folded.push_str(&normalize(c.encode_utf8(&mut [0; 4])));
                    }
                } else {
                    unreachable!("only word characters are consumed");
                }
                let Some(&(_, next)) = chars.peek() else {
                    break;
                };
                if is_word_char(next) {
                    continue;
                }
                // Inside a word: an apostrophe joins (O'Neal) or starts a possessive that is
                // dropped (Aly's = Aly), and a separator between digits stays in a number
                // (1,200 and 3.5).
                let mut ahead = chars.clone();
                ahead.next();
                let after = ahead.peek().map(|&(_, c)| c);
                if matches!(next, '\'' | '\u{2019}' | '\u{02BC}') && after.is_some_and(is_word_char)
                {
                    let possessive = matches!(after, Some('s' | 'S')) && {
                        let mut rest = ahead.clone();
                        rest.next();
                        !rest.peek().is_some_and(|&(_, c)| is_word_char(c))
                    };
                    chars.next();
                    if possessive {
                        chars.next();
                        break;
                    }
                } else if number
                    && matches!(next, ',' | '.')
                    && after.is_some_and(|c| c.is_ascii_digit())
                {
                    chars.next();
                    if next == '.' {
                        self.folded.push('.');
                    }
                } else {
                    break;
                }
            }
            if self.folded.len() > start {
                self.words.push(Word {
                    start,
                    end: self.folded.len(),
                    capital,
                    number,
                    sentence_start,
                    joined,
                    comma,
                });
            }
            sentence_start = false;
            joined = true;
            comma = false;
        }
    }

    /// A short capitalised word before a full stop (St., Mr., Dr., an initial) does not end
    /// the sentence, so the name after it still counts as one.
    fn is_abbreviation(&self, word: &Word) -> bool {
        word.capital && !word.number && word.end - word.start <= 3
    }
}

/// The age in years (0 under a year) that the word at `at` gives, if it gives one: "a
/// 16-year-old", "three-month-old", "aged 40", or a number set off by commas after a name
/// ("Jamal Turner, 19, was", "Boy, 13, charged").
fn age_at(folded: &str, words: &[Word], at: usize) -> Option<u8> {
    let text = |w: &Word| &folded[w.start..w.end];
    let word = &words[at];
    let value: u8 = if word.number {
        text(word).parse().ok().filter(|&n| n <= MAX_AGE)?
    } else {
        let n = NUMBER_WORDS.iter().position(|&n| n == text(word))?;
        u8::try_from(n + 1).ok()?
    };
    let unit = words.get(at + 1).filter(|w| w.joined).map(text);
    let old = words
        .get(at + 2)
        .is_some_and(|w| w.joined && text(w) == "old");
    match unit {
        Some("year" | "years") if old => return Some(value),
        Some("month" | "months" | "week" | "weeks" | "day" | "days") if old => return Some(0),
        _ if !word.number => return None,
        _ => {}
    }
    let previous = at.checked_sub(1).map(|p| &words[p]);
    if word.joined && previous.is_some_and(|p| matches!(text(p), "age" | "aged")) {
        return Some(value);
    }
    let apposition = word.comma
        && !word.sentence_start
        && previous.is_some_and(|p| p.capital && !p.number)
        && words
            .get(at + 1)
            .is_none_or(|next| next.comma || next.sentence_start);
    apposition.then_some(value)
}

/// Older than this, a number is not an age.
const MAX_AGE: u8 = 110;

/// Numbers written as words, as headlines write ages ("Three-year-old boy").
const NUMBER_WORDS: [&str; 20] = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
];

/// Letters, digits, and the marks and invisible characters that sit inside words.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '\u{00AD}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A word as a test writes it: its folded form, and whether it reads as a name. A
    /// space inside marks the term of two names written together.
    fn term(word: &str, name: bool) -> (Term, bool) {
        match word.split_once(' ') {
            Some((first, second)) => (pair_hash(first, second), name),
            None => (hash(word.as_bytes()), name),
        }
    }

    /// (text, terms in order of occurrence, each with whether it reads as a name)
    const WORD_TABLE: &[(&str, &[(&str, bool)])] = &[
        // Capitals inside a sentence are names; the pair is a term of its own.
        (
            "Police said Jamal Turner was shot.",
            &[
                ("police", false),
                ("said", false),
                ("jamal", true),
                ("jamal turner", true),
                ("turner", true),
                ("shot", false),
            ],
        ),
        // A capital starting a sentence is not a name, unless another capital follows.
        (
            "Shots rang out. Police arrived. Kavan Collins was hurt.",
            &[
                ("shot", false),
                ("rang", false),
                ("police", false),
                ("arrived", false),
                ("kavan", true),
                ("kavan collin", true),
                ("collin", true),
                ("hurt", false),
            ],
        ),
        // An abbreviation's full stop does not start a sentence.
        (
            "Capt. Dana Ortiz spoke",
            &[
                ("capt", false),
                ("dana", true),
                ("dana ortiz", true),
                ("ortiz", true),
                ("spoke", false),
            ],
        ),
        // Possessives are dropped, apostrophes inside names join, a function word breaks a
        // pair of names.
        (
            "the crowd at Aly\u{2019}s and O'Neal's bar",
            &[
                ("crowd", false),
                ("aly", true),
                ("oneal", true),
                ("bar", false),
            ],
        ),
        // Separators between digits stay inside a number; plurals lose their -s.
        (
            "about 1,200 people and 3.5 miles",
            &[
                ("1200", false),
                ("people", false),
                ("3.5", false),
                ("mile", false),
            ],
        ),
        // Diacritics, precomposed or combining, and case fold away.
        (
            "then Erdoğan met ERDOG\u{306}AN",
            &[("erdogan", true), ("met", false), ("erdogan", true)],
        ),
        // Words of one letter and hyphenated ages.
        (
            "a 16-year-old boy",
            &[
                ("16", false),
                ("year", false),
                ("old", false),
                ("boy", false),
            ],
        ),
    ];

    #[test]
    fn words_fold_and_names_are_recognised() {
        for &(text, want) in WORD_TABLE {
            let mut splitter = Splitter::default();
            splitter.push(text, true);
            let want: Vec<(Term, bool)> = want.iter().map(|&(w, n)| term(w, n)).collect();
            assert_eq!(splitter.occurrences, want, "{text}");
        }
    }

    /// (text, the ages it gives)
    const AGE_TABLE: &[(&str, &[u8])] = &[
        ("A 16-year-old boy and a 3 year old girl", &[3, 16]),
        ("Three-year-old dies; a five-month-old baby hurt", &[0, 3]),
        ("Jamal Turner, 19, was shot. Boy, 13, charged", &[13, 19]),
        ("The victim, aged 40, and a woman age 22.", &[22, 40]),
        // Apposition ends at a comma or a full stop.
        ("Police said Dana Ortiz, 52.", &[52]),
        // Counts, times, addresses and years are not ages.
        (
            "Four people were shot at 2 a.m. on 1200 Elm St., Riverton, 12 hours after, in 2016.",
            &[],
        ),
        ("Police said on Tuesday, 12 hours later", &[]),
        ("A man aged 140 years", &[]),
    ];

    #[test]
    fn ages_are_read_from_their_usual_wordings() {
        for &(text, want) in AGE_TABLE {
            let mut splitter = Splitter::default();
            splitter.push(text, true);
            assert_eq!(splitter.ages(), want, "{text}");
        }
    }

    #[test]
    fn headline_capitals_are_not_names() {
        let mut splitter = Splitter::default();
        splitter.push("Man Shot Near Elm Street", false);
        assert!(splitter.occurrences.iter().all(|&(_, name)| !name));
        assert_eq!(splitter.occurrences.len(), 5);
    }

    #[test]
    fn counts_add_up_occurrences_and_remember_names() {
        let mut splitter = Splitter::default();
        splitter.push("Turner", false);
        splitter.push("Police said Turner and turner", true);
        let counts = splitter.counts();
        let turner = counts
            .iter()
            .find(|c| c.term == hash(b"turner"))
            .expect("counted");
        assert_eq!((turner.count, turner.name), (3, true));
        assert!(counts.windows(2).all(|w| w[0].term < w[1].term));
        assert!(splitter.occurrences.is_empty());
    }
}
