//! Small helpers for the text newshound prints anywhere (digests, the CLI's tables, logs):
//! one place for "fit this on one line" and "1 match, 2 matches", so that every printer
//! says them the same way. Pure.

/// A field meant for one line: control characters and runs of whitespace become one
/// space, and none is left at either end. A newline in a feed title cannot forge extra
/// lines in a mail's text part, its subject, a table or a log line.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`one_line`], cut to at most `max` characters with an ellipsis where it was cut.
pub fn one_line_within(text: &str, max: usize) -> String {
    let flat = one_line(text);
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// `1 match`, `2 matches`, `0 matches`: the number and the word that goes with it.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// The word alone: `one` for 1, `many` for anything else.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_whitespace_and_control_characters() {
        let cases = [
            ("plain", "plain"),
            ("  two\n lines\t", "two lines"),
            ("bell\u{7}inside", "bell inside"),
            ("nbsp\u{a0}and\r\nCRLF", "nbsp and CRLF"),
            ("", ""),
            (" \n\t ", ""),
        ];
        for (text, want) in cases {
            assert_eq!(one_line(text), want, "{text:?}");
        }
    }

    #[test]
    fn one_line_within_cuts_at_characters_not_bytes() {
        assert_eq!(one_line_within("short", 10), "short");
        assert_eq!(one_line_within("exactly ten", 11), "exactly ten");
        assert_eq!(one_line_within("Erdoğan met Putin", 8), "Erdoğan…");
        assert_eq!(one_line_within("a\nb c", 3), "a …");
    }

    #[test]
    fn counts_agree_with_their_number() {
        assert_eq!(count(0, "match", "matches"), "0 matches");
        assert_eq!(count(1, "match", "matches"), "1 match");
        assert_eq!(count(2, "new story", "new stories"), "2 new stories");
        assert_eq!(plural(1, "feed", "feeds"), "feed");
        assert_eq!(plural(3, "feed", "feeds"), "feeds");
    }
}
