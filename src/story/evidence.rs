//! Where a report says its event happened: the streets it names, and the places its
//! headline and lede put it in. Two local reports of one kind of event share the city, the
//! police spokesman and most of their words; where it happened tells many of them apart,
//! and outlets write it in a few fixed forms ("the 1200 block of Elm Ave.", "on Elm
//! Avenue", "near W. 36th St.", "in Hallandale Beach") that fold to one key whatever the
//! wording. Read from the words that `text` splits, once per item.

use super::words::{Term, Word, hash, is_stopword, stem};

/// What a street is called after its name, as outlets write it.
const SUFFIXES: [&str; 29] = [
    "av",
    "ave",
    "avenue",
    "blvd",
    "boulevard",
    "cir",
    "circle",
    "court",
    "ct",
    "dr",
    "drive",
    "expressway",
    "freeway",
    "highway",
    "hwy",
    "lane",
    "ln",
    "parkway",
    "pike",
    "pkwy",
    "pl",
    "place",
    "rd",
    "road",
    "st",
    "street",
    "terrace",
    "trail",
    "way",
];

/// Words that can sit before a street's name without being part of it: where a report
/// puts things ("shot near Elm Street", title case) and the side of town, which some
/// outlets give and others leave out ("West Fulton Boulevard" = "Fulton Boulevard").
const NOT_NAMES: [&str; 22] = [
    "across",
    "along",
    "around",
    "behind",
    "block",
    "e",
    "east",
    "inside",
    "n",
    "near",
    "north",
    "northeast",
    "northwest",
    "off",
    "onto",
    "outside",
    "s",
    "south",
    "southeast",
    "southwest",
    "w",
    "west",
];

/// Words in a street's name, at most.
const MAX_STREET_WORDS: usize = 3;

/// The street that the word at `at` names, if it names one, keyed by the last word of its
/// name: "Elm Avenue", "Elm Ave." and "the 1200 block of Elm" are one street, and so are
/// "W. 36th St." and "36th Street". Two forms: a capitalised suffix after a capitalised word
/// or an ordinal, and "block of" before a name.
pub(super) fn street_at(folded: &str, words: &[Word], at: usize) -> Option<Term> {
    let text = |w: &Word| &folded[w.start..w.end];
    let word = &words[at];
    if text(word) == "block" {
        return block_street(folded, words, at);
    }
    if !word.capital || at == 0 || !word.joined {
        return None;
    }
    let suffix = text(word);
    if !SUFFIXES.contains(&suffix) {
        return None;
    }
    // "St. Louis", "Dr. Ortiz": an abbreviation before a name is a title or a saint.
    if suffix.len() <= 3
        && words
            .get(at + 1)
            .is_some_and(|next| next.capital && !next.sentence_start && !next.comma)
    {
        return None;
    }
    let before = &words[at - 1];
    let t = text(before);
    if !(is_ordinal(t) || is_street_name(before, t)) {
        return None;
    }
    Some(street_key(t))
}

/// Words between "in" and a place that are not part of its name: the side of town ("in
/// southeast Houston") and, when nothing but a time follows, the time.
const PLACE_SKIP: [&str; 14] = [
    "central",
    "downtown",
    "east",
    "eastern",
    "north",
    "northeast",
    "northern",
    "northwest",
    "south",
    "southeast",
    "southern",
    "southwest",
    "west",
    "western",
];

/// Capitalised words that say when, not where ("in Hallandale Beach Monday evening").
const CALENDAR: [&str; 19] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Words in a place's name, at most.
const MAX_PLACE_WORDS: usize = 3;

/// The place named after "in" at `at`, as the terms of its words: a run of capitalised
/// words past the side of town ("in southeast Houston" = houston, "in Hallandale Beach
/// Monday" = hallandale beach). Empty when none follows ("in a car", "in 2016").
pub(super) fn place_after(folded: &str, words: &[Word], at: usize) -> Vec<Term> {
    let text = |w: &Word| &folded[w.start..w.end];
    let mut next = at + 1;
    while words
        .get(next)
        .is_some_and(|w| w.joined && PLACE_SKIP.contains(&text(w)))
    {
        next += 1;
    }
    let mut place = Vec::new();
    for w in words.iter().skip(next).take(MAX_PLACE_WORDS) {
        let t = text(w);
        if !w.joined
            || !w.capital
            || w.number
            || is_stopword(t)
            || CALENDAR.contains(&t)
            || PLACE_SKIP.contains(&t)
        {
            break;
        }
        place.push(hash(stem(t).as_bytes()));
    }
    place
}

/// The street after "block of" at `at` (with its side of town skipped): the word before a
/// suffix within [`MAX_STREET_WORDS`], else the first word.
fn block_street(folded: &str, words: &[Word], at: usize) -> Option<Term> {
    let text = |w: &Word| &folded[w.start..w.end];
    words.get(at + 1).filter(|w| text(w) == "of")?;
    let mut first = at + 2;
    if words
        .get(first)
        .is_some_and(|w| NOT_NAMES.contains(&text(w)) && words.get(first + 1).is_some())
    {
        first += 1;
    }
    let head = words.get(first)?;
    let t = text(head);
    if !(is_ordinal(t) || is_street_name(head, t)) {
        return None;
    }
    let mut last = first;
    for (n, w) in words
        .iter()
        .enumerate()
        .skip(first + 1)
        .take(MAX_STREET_WORDS)
    {
        if !w.joined {
            break;
        }
        if SUFFIXES.contains(&text(w)) {
            last = n - 1;
            break;
        }
        if !is_street_name(w, text(w)) {
            break;
        }
    }
    Some(street_key(text(&words[last])))
}

fn street_key(name: &str) -> Term {
    let mut key = String::with_capacity(name.len() + 1);
    key.push('#');
    key.push_str(name);
    hash(key.as_bytes())
}

/// "36th", "1st", "102nd".
fn is_ordinal(t: &str) -> bool {
    // Compared by `ends_with`, not by slicing the last two bytes: those may be inside a
    // character ("1中") and slicing there panics.
    t.len() > 2
        && t.as_bytes()[0].is_ascii_digit()
        && ["st", "nd", "rd", "th"].iter().any(|s| t.ends_with(s))
}

/// A capitalised word that can be (the end of) a street's name.
fn is_street_name(word: &Word, t: &str) -> bool {
    word.capital && !word.number && !is_stopword(t) && !NOT_NAMES.contains(&t)
}

#[cfg(test)]
mod tests {
    use super::super::text::Splitter;
    use super::*;

    /// (text, the streets it names, by the key word of each)
    const STREET_TABLE: &[(&str, &[&str])] = &[
        (
            "Zackary Alvarado, age 20, of 285 Main St., Woonsocket, was sentenced",
            &["main"],
        ),
        (
            "a shooting in the 9500 block of Page. The teen was shot at his home",
            &["page"],
        ),
        (
            "responded to the 700 block of Central Street; it happened on Central Street \
             between Clift Avenue and West 68th Street",
            &["68th", "central", "clift"],
        ),
        (
            "in the 1100 block of North Martin Luther King Drive, near W. 36th St.",
            &["36th", "king"],
        ),
        (
            "16-year-old shot in the leg on Carol Lane in Portsmouth",
            &["carol"],
        ),
        // Title case: "Near" is not part of the name.
        ("Man Shot Near Elm Street", &["elm"]),
        // A saint, a doctor, a street in general: no street named.
        (
            "St. Louis police said Dr. Dana Ortiz treated him. The street was closed.",
            &[],
        ),
        ("shot on the street, blocks from home", &[]),
    ];

    /// (headline or lede, the places it puts its event in)
    const PLACE_TABLE: &[(&str, &[&[&str]])] = &[
        (
            "One person was killed in Hallandale Beach Monday evening, police said.",
            &[&["hallandale", "beach"]],
        ),
        (
            "Teen girl shot at MLK celebration in southeast Houston",
            &[&["houston"]],
        ),
        // No capital after "in": no place; a function word or a time ends one.
        ("A man was shot in a car in 2016 in the West Loop.", &[]),
        ("Shot in Elm Park on Monday", &[&["elm", "park"]]),
    ];

    #[test]
    fn places_are_read_after_in() {
        for &(text, want) in PLACE_TABLE {
            let mut splitter = Splitter::default();
            splitter.push(text, true);
            let mut want: Vec<Vec<Term>> = want
                .iter()
                .map(|place| place.iter().map(|w| hash(w.as_bytes())).collect())
                .collect();
            want.sort_unstable();
            assert_eq!(splitter.evidence().places, want, "{text}");
        }
    }

    #[test]
    fn streets_are_read_from_their_usual_wordings() {
        for &(text, want) in STREET_TABLE {
            let mut splitter = Splitter::default();
            splitter.push(text, true);
            let mut want: Vec<Term> = want.iter().map(|name| street_key(name)).collect();
            want.sort_unstable();
            assert_eq!(splitter.evidence().streets, want, "{text}");
        }
    }
}
