//! Snippets: about 200 characters of an item's text around its first hit, whitespace
//! collapsed, cut between words, with the hits' byte ranges translated into the snippet.
//! Works on the original text (not the squashed form) so the reader sees what the outlet
//! wrote; the hits arrive as byte ranges into that text.
//!
//! Between words is at whitespace, or next to Han and kana, which are written without
//! spaces: there any character boundary will do. Japanese or Chinese text with a spaced
//! Latin name in it would otherwise be cut at those spaces, leaving little but the hit.

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;

use crate::model::Snippet;

/// Roughly how many characters a snippet shows, not counting ellipses.
const SNIPPET_CHARS: usize = 200;
/// How many of them come before the first hit, so the hit reads in context.
const LEAD_CHARS: usize = 60;
const ELLIPSIS: &str = "…";

/// Control characters are shown as spaces: they have no business in an email.
fn is_space(c: char) -> bool {
    // The ASCII answer without the Unicode tables, which cost more than all the rest of
    // building a snippet.
    if c.is_ascii() {
        return c <= ' ' || c == '\x7f';
    }
    c.is_whitespace() || c.is_control()
}

/// Whether the character at byte `at` of `text` (a character boundary before the end)
/// shows as a space, and its length. A snippet walks several hundred characters, and
/// decoding each one through `chars()` was most of its cost.
#[inline(always)]
fn char_at(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at];
    if byte.is_ascii() {
        return (byte <= b' ' || byte == 0x7f, 1);
    }
    text[at..]
        .chars()
        .next()
        .map_or((false, 1), |c| (is_space(c), c.len_utf8()))
}

/// Like `char_at`, for the character that ends at byte `at` (a boundary after the start).
#[inline(always)]
fn char_before(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at - 1];
    if byte.is_ascii() {
        return (byte <= b' ' || byte == 0x7f, 1);
    }
    text[..at]
        .chars()
        .next_back()
        .map_or((false, 1), |c| (is_space(c), c.len_utf8()))
}

/// The snippet of `text` around `spans[0]` (or the start of `text` when there are no
/// spans), highlighting every span that falls inside it. `spans` are sorted by start and
/// lie on char boundaries of `text`.
pub(crate) fn snippet(text: &str, spans: &[Range<usize>]) -> Snippet {
    let (anchor, anchor_end) = spans
        .first()
        .filter(|r| r.start <= r.end && text.get(r.start..r.end).is_some())
        .map_or((0, 0), |r| (r.start, r.end));

    let start = snap_start(text, walk_back(text, anchor, LEAD_CHARS), anchor);
    let end = walk_forward(text, start, SNIPPET_CHARS).max(anchor_end);
    let end = snap_end(text, end, anchor_end);
    // An empty window if the cuts are not character boundaries (they always are).
    let window_end = if text.get(start..end).is_some() {
        end
    } else {
        start
    };

    let Opening {
        mut out,
        body_start,
        inside,
        offsets,
    } = open(text, start, end, window_end - start, spans);
    let mut translated = vec![0; offsets.len()];
    let mut next = 0;
    // The next offset to translate, or past the window.
    let mut next_offset = offsets.first().copied().unwrap_or(usize::MAX);
    let mut pending_space = false;
    let bytes = text.as_bytes();
    let mut at = start;
    while at < window_end {
        let (space, len) = char_at(text, at);
        if space {
            // An offset here ends a span: it goes before the collapsed space.
            while next_offset <= at {
                translated[next] = out.len();
                next += 1;
                next_offset = offsets.get(next).copied().unwrap_or(usize::MAX);
            }
            pending_space = out.len() > body_start;
            at += len;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        while next_offset <= at {
            translated[next] = out.len();
            next += 1;
            next_offset = offsets.get(next).copied().unwrap_or(usize::MAX);
        }
        // This character and the visible ASCII after it, up to the next offset, go in one
        // copy.
        let mut run_end = at + len;
        while run_end < window_end.min(next_offset) && matches!(bytes[run_end], b'!'..=b'~') {
            run_end += 1;
        }
        out.push_str(&text[at..run_end]);
        at = run_end;
    }
    for slot in &mut translated[next..] {
        *slot = out.len();
    }
    finish(out, text, end, &inside, &offsets, &translated)
}

/// The start of a snippet of the window `start..end` (`len` bytes of text, or none when
/// the cuts are not boundaries): an ellipsis if text comes before it, and the offsets a
/// walk over the window translates into `out`.
struct Opening<'s> {
    out: String,
    /// Where the window's text starts in `out`.
    body_start: usize,
    /// The spans inside the window.
    inside: Vec<&'s Range<usize>>,
    /// Every start and end of `inside`, sorted, so that one walk translates them all.
    offsets: Vec<usize>,
}

fn open<'s>(
    text: &str,
    start: usize,
    end: usize,
    len: usize,
    spans: &'s [Range<usize>],
) -> Opening<'s> {
    let mut out = String::with_capacity(len + 2 * ELLIPSIS.len());
    if text
        .get(..start)
        .is_some_and(|t| t.chars().any(|c| !is_space(c)))
    {
        out.push_str(ELLIPSIS);
    }
    let inside: Vec<&Range<usize>> = spans
        .iter()
        .filter(|r| start <= r.start && r.start < r.end && r.end <= end)
        .collect();
    let mut offsets: Vec<usize> = inside.iter().flat_map(|r| [r.start, r.end]).collect();
    offsets.sort_unstable();
    offsets.dedup();
    Opening {
        body_start: out.len(),
        out,
        inside,
        offsets,
    }
}

/// The end of a snippet: an ellipsis if text follows the window, and the highlights, from
/// the spans `inside` the window through the `offsets` the walk `translated` into `out`.
fn finish(
    mut out: String,
    text: &str,
    end: usize,
    inside: &[&Range<usize>],
    offsets: &[usize],
    translated: &[usize],
) -> Snippet {
    if text
        .get(end..)
        .is_some_and(|t| t.chars().any(|c| !is_space(c)))
    {
        out.push_str(ELLIPSIS);
    }

    let translate = |offset: usize| offsets.binary_search(&offset).map_or(0, |i| translated[i]);
    let mut highlights: Vec<Range<usize>> = inside
        .iter()
        .map(|r| translate(r.start)..translate(r.end))
        .filter(|r| r.start < r.end)
        .collect();
    highlights.sort_by_key(|r| (r.start, r.end));
    Snippet {
        text: out,
        highlights: merge(highlights),
    }
}

/// Merges overlapping ranges (a term and a longer term containing it) so a renderer can
/// wrap each in one tag.
fn merge(ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start < last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The offset `limit` collapsed characters before `from` (a whitespace run counts as one).
fn walk_back(text: &str, from: usize, limit: usize) -> usize {
    if !text.is_char_boundary(from) {
        return from;
    }
    let mut count = 0;
    let mut at = from;
    let mut in_space = false;
    while at > 0 {
        let (space, len) = char_before(text, at);
        if !(space && in_space) {
            count += 1;
        }
        if count > limit {
            break;
        }
        in_space = space;
        at -= len;
    }
    at
}

/// The offset `limit` collapsed characters after `from`.
fn walk_forward(text: &str, from: usize, limit: usize) -> usize {
    if !text.is_char_boundary(from) {
        return text.len();
    }
    let mut count = 0;
    let mut in_space = false;
    let mut at = from;
    while at < text.len() {
        let (space, len) = char_at(text, at);
        if !(space && in_space) {
            count += 1;
        }
        if count > limit {
            return at;
        }
        in_space = space;
        at += len;
    }
    text.len()
}

/// Moves a start that falls inside a word to the next gap, but not past `limit` (the first
/// hit): a text without spaces (a URL) is cut where it is.
fn snap_start(text: &str, start: usize, limit: usize) -> usize {
    if !inside_word(text, start) {
        return start;
    }
    let Some(window) = text.get(start..limit) else {
        return start;
    };
    let mut before = text[..start].chars().next_back();
    for (i, c) in window.char_indices() {
        if is_space(c) || before.is_some_and(|b| cuts_between(b, c)) {
            return start + i;
        }
        before = Some(c);
    }
    start
}

/// Moves an end that falls inside a word back to the previous gap, but not before `floor`
/// (the end of the first hit).
fn snap_end(text: &str, end: usize, floor: usize) -> usize {
    if !inside_word(text, end) {
        return end;
    }
    let Some(window) = text.get(floor..end) else {
        return end;
    };
    let mut after = text[end..].chars().next();
    for (i, c) in window.char_indices().rev() {
        if is_space(c) {
            return floor + i;
        }
        if after.is_some_and(|a| cuts_between(c, a)) {
            return floor + i + c.len_utf8();
        }
        after = Some(c);
    }
    end
}

fn inside_word(text: &str, at: usize) -> bool {
    let before = text.get(..at).and_then(|t| t.chars().next_back());
    let after = text.get(at..).and_then(|t| t.chars().next());
    matches!((before, after),
        (Some(b), Some(a)) if !is_space(b) && !is_space(a) && !cuts_between(b, a))
}

/// Whether a cut between two characters that are not spaces is still between words: next
/// to Han or kana any character boundary is, except one before a combining mark.
fn cuts_between(before: char, after: char) -> bool {
    (cut_anywhere(before) || cut_anywhere(after)) && !is_combining_mark(after)
}

/// Han, kana, Bopomofo, and the punctuation and full-width forms written with them.
/// Hangul is not among them: Korean puts spaces between words.
fn cut_anywhere(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{312F}'
        | '\u{3190}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FF9F}'
        | '\u{20000}'..='\u{3FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, needle: &str) -> Range<usize> {
        let start = text.find(needle).expect("needle in text");
        start..start + needle.len()
    }

    fn highlighted(s: &Snippet) -> Vec<&str> {
        s.highlights.iter().map(|r| &s.text[r.clone()]).collect()
    }

    #[test]
    fn short_text_is_shown_whole_with_collapsed_whitespace() {
        let text = "  Turkey\n\n buys the\tS-400  ";
        let s = snippet(text, &[span(text, "S-400")]);
        assert_eq!(s.text, "Turkey buys the S-400");
        assert_eq!(highlighted(&s), ["S-400"]);
    }

    #[test]
    fn long_text_is_cut_between_words_around_the_hit() {
        let before = "word ".repeat(100);
        let after = " more".repeat(100);
        let text = format!("{before}Erdoğan spoke{after}");
        let s = snippet(&text, &[span(&text, "Erdoğan")]);
        assert!(s.text.starts_with("…word "), "{}", s.text);
        assert!(s.text.ends_with(" more…"), "{}", s.text);
        let chars = s.text.chars().count();
        assert!((150..=205).contains(&chars), "{chars} chars: {}", s.text);
        assert_eq!(highlighted(&s), ["Erdoğan"]);
        // The lead keeps the hit near the start, not the middle.
        let lead = s.text.find("Erdoğan").unwrap();
        assert!(lead <= LEAD_CHARS + ELLIPSIS.len(), "{lead}");
    }

    #[test]
    fn no_spans_gives_the_start_without_highlights() {
        let text = format!("First words.{}", " filler".repeat(100));
        let s = snippet(&text, &[]);
        assert!(s.text.starts_with("First words."));
        assert!(s.text.ends_with('…'));
        assert!(s.highlights.is_empty());
    }

    #[test]
    fn only_spans_inside_the_window_are_highlighted_and_overlaps_merge() {
        let text = format!(
            "S-400 and S-400s here.{} S-400 at the end",
            " x".repeat(300)
        );
        let first = span(&text, "S-400");
        let inner = first.start..first.start + 1; // "S", inside "S-400"
        let second = 10..15;
        let last = text.rfind("S-400").unwrap();
        let spans = [first.clone(), inner, second, last..last + 5];
        let s = snippet(&text, &spans);
        assert_eq!(highlighted(&s), ["S-400", "S-400"]);
    }

    #[test]
    fn hit_inside_a_text_without_spaces_is_still_shown() {
        let text = format!("{}S400{}", "x".repeat(500), "y".repeat(500));
        let s = snippet(&text, &[span(&text, "S400")]);
        assert_eq!(highlighted(&s), ["S400"]);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
    }

    /// A Japanese body of about 2,000 characters, none of them a space, with `五輪` in
    /// the middle.
    fn japanese_body(around_hit: &str) -> String {
        let sentence = "政府は来年度の予算案について関係省庁と協議を続けると発表した。";
        let half = sentence.repeat(1000 / sentence.chars().count());
        format!("{half}{around_hit}{half}")
    }

    #[test]
    fn japanese_without_spaces_is_cut_at_the_usual_length() {
        let text = japanese_body("東京五輪の開催について");
        assert!(text.chars().count() > 1900);
        let s = snippet(&text, &[span(&text, "五輪")]);
        assert_eq!(highlighted(&s), ["五輪"]);
        assert!(
            s.text.starts_with('…') && s.text.ends_with('…'),
            "{}",
            s.text
        );
        let chars = s.text.chars().count();
        assert!((150..=205).contains(&chars), "{chars} chars: {}", s.text);
        let lead = s.text[..s.text.find("五輪").unwrap()].chars().count();
        assert!((50..=LEAD_CHARS + 1).contains(&lead), "{lead}: {}", s.text);
    }

    /// Regression: spaces around a Latin name were the only gaps, so the cuts snapped to
    /// them and the snippet was little more than the hit.
    #[test]
    fn japanese_with_a_spaced_latin_name_is_not_cut_at_its_spaces() {
        let text = japanese_body("米 Apple の五輪 iPhone が");
        let s = snippet(&text, &[span(&text, "五輪")]);
        assert_eq!(highlighted(&s), ["五輪"]);
        let chars = s.text.chars().count();
        assert!((150..=205).contains(&chars), "{chars} chars: {}", s.text);
    }

    #[test]
    fn cuts_next_to_han_or_kana_but_not_before_a_mark() {
        assert!(!inside_word("東京", 3));
        assert!(!inside_word("iPhone発売", 6));
        assert!(!inside_word("東京。五輪", 9));
        assert!(inside_word("カ\u{3099}", 3));
        assert!(inside_word("Iran", 2));
        assert!(inside_word("서울", 3));
        assert!(inside_word("ไทย", 3));
    }

    #[test]
    fn control_characters_become_spaces() {
        let text = "a\u{0}\u{7}b S-400\u{1b}";
        let s = snippet(text, &[span(text, "S-400")]);
        assert_eq!(s.text, "a b S-400");
        assert_eq!(highlighted(&s), ["S-400"]);
    }

    /// The snippet as it was built before the byte-wise walks, one `char` at a time.
    fn snippet_by_chars(text: &str, spans: &[Range<usize>]) -> Snippet {
        let (anchor, anchor_end) = spans
            .first()
            .filter(|r| r.start <= r.end && text.get(r.start..r.end).is_some())
            .map_or((0, 0), |r| (r.start, r.end));

        let start = snap_start(text, walk_back_by_chars(text, anchor, LEAD_CHARS), anchor);
        let end = walk_forward_by_chars(text, start, SNIPPET_CHARS).max(anchor_end);
        let end = snap_end(text, end, anchor_end);
        let window = text.get(start..end).unwrap_or("");

        let Opening {
            mut out,
            body_start,
            inside,
            offsets,
        } = open(text, start, end, window.len(), spans);
        let mut translated = vec![0; offsets.len()];
        let mut next = 0;
        let mut pending_space = false;
        for (i, c) in window.char_indices() {
            let at = start + i;
            if is_space(c) {
                // An offset here ends a span: it goes before the collapsed space.
                while next < offsets.len() && offsets[next] <= at {
                    translated[next] = out.len();
                    next += 1;
                }
                pending_space = out.len() > body_start;
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            while next < offsets.len() && offsets[next] <= at {
                translated[next] = out.len();
                next += 1;
            }
            out.push(c);
        }
        for slot in &mut translated[next..] {
            *slot = out.len();
        }
        finish(out, text, end, &inside, &offsets, &translated)
    }

    fn walk_back_by_chars(text: &str, from: usize, limit: usize) -> usize {
        let mut count = 0;
        let mut at = from;
        let mut in_space = false;
        for (i, c) in text.get(..from).unwrap_or("").char_indices().rev() {
            let space = is_space(c);
            if !(space && in_space) {
                count += 1;
            }
            if count > limit {
                break;
            }
            in_space = space;
            at = i;
        }
        at
    }

    fn walk_forward_by_chars(text: &str, from: usize, limit: usize) -> usize {
        let mut count = 0;
        let mut in_space = false;
        for (i, c) in text.get(from..).unwrap_or("").char_indices() {
            let space = is_space(c);
            if !(space && in_space) {
                count += 1;
            }
            if count > limit {
                return from + i;
            }
            in_space = space;
        }
        text.len()
    }

    #[test]
    fn byte_wise_walks_build_what_char_wise_walks_built() {
        const PIECES: &[&str] = &[
            "word",
            "S-400",
            "Erdoğan",
            " ",
            "  ",
            "\n\t",
            "\u{0}",
            "\u{7f}",
            "\u{a0}",
            "\u{2003}",
            "ж",
            "😀",
            "e\u{301}",
            ".",
            "~",
            "long-hyphenated-word",
            "東京",
            "五輪",
            "。",
            "\u{3000}",
            "カ\u{3099}",
        ];
        let mut seed = 0xDEAD_BEEF_CAFE_F00Du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..2_000 {
            let text: String = (0..next(150)).map(|_| PIECES[next(PIECES.len())]).collect();
            let boundaries: Vec<usize> = (0..=text.len())
                .filter(|&i| text.is_char_boundary(i))
                .collect();
            let mut spans: Vec<Range<usize>> = (0..next(4))
                .map(|_| {
                    let a = boundaries[next(boundaries.len())];
                    let b = boundaries[next(boundaries.len())];
                    a.min(b)..a.max(b)
                })
                .collect();
            spans.sort_by_key(|r| (r.start, r.end));
            assert_eq!(
                snippet(&text, &spans),
                snippet_by_chars(&text, &spans),
                "{text:?} {spans:?}"
            );
        }
    }

    #[test]
    fn ascii_spaces_are_what_the_unicode_tables_say() {
        for c in (0..=0x7f).map(char::from) {
            assert_eq!(is_space(c), c.is_whitespace() || c.is_control(), "{c:?}");
        }
    }

    #[test]
    fn bad_spans_do_not_panic() {
        let text = "Erdoğan";
        // Out of the text, reversed, inside a character, empty.
        for (start, end) in [(100, 200), (5, 4), (1, 3), (0, 0)] {
            let s = snippet(text, &[Range { start, end }]);
            for r in &s.highlights {
                assert!(s.text.get(r.start..r.end).is_some());
            }
        }
        assert_eq!(snippet("", &[]).text, "");
    }
}
