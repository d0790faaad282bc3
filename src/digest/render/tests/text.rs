//! Tests of the plain-text part's wrapping.

use super::*;
use crate::digest::render::text::{WRAP_COLUMNS, wrap};

#[test]
fn text_snippet_wraps_and_stays_on_its_lines() {
    let mut m = record(1, "w", "Line\nbreak title");
    m.snippet = Snippet {
        text: "word ".repeat(40) + "\n\nlast\u{7}",
        highlights: vec![],
    };
    let r = render(&view(vec![Section {
        watchlist: "w".to_string(),
        stories: singles(vec![m]),
    }]));
    assert!(r.text.contains("\nLine break title\n"));
    assert!(r.text.lines().all(|l| l.chars().count() <= WRAP_COLUMNS));
    assert!(!r.text.contains('\u{7}'));
    assert!(r.text.contains(" last\n"));
}

#[test]
fn wrap_keeps_long_words_whole() {
    let long = "x".repeat(100);
    assert_eq!(wrap(&format!("a {long} b"), 10), ["a", long.as_str(), "b"]);
    assert_eq!(wrap("one two three", 7), ["one two", "three"]);
    assert!(wrap("   ", 10).is_empty());
}
