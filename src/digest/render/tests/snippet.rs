//! Tests of highlighted snippets: good ranges marked in both parts, bad ones skipped.

use std::ops::Range;

use super::*;
use crate::digest::render::snippet::segments;

#[test]
fn highlights_wrap_matched_words() {
    let mut m = record(1, "w", "T");
    m.snippet = snippet("Turkey bought the S-400 system.", &["S-400", "Turkey"]);
    let r = render(&view(vec![Section {
        watchlist: "w".to_string(),
        stories: singles(vec![m]),
    }]));
    assert!(r.text.contains("*Turkey* bought the *S-400* system."));
    assert!(r.html.contains(">Turkey</strong> bought the <strong"));
    assert!(r.html.contains(">S-400</strong> system."));
}

#[test]
fn bad_highlight_ranges_are_skipped() {
    let text = "Türkiye and S-400 and F-35";
    let s400 = text.find("S-400").unwrap();
    let f35 = text.find("F-35").unwrap();
    let reversed = Range {
        start: f35 + 4,
        end: f35,
    };
    let snip = Snippet {
        text: text.to_string(),
        highlights: vec![
            0..999,             // past the end
            reversed,           // reversed
            2..3,               // inside the two bytes of "ü"
            5..5,               // empty
            s400..s400 + 5,     // good
            s400 + 2..s400 + 9, // overlaps the one before
            f35..f35 + 4,       // good
            usize::MAX - 1..usize::MAX,
        ],
    };
    let segs = segments(&snip);
    let highlighted: Vec<&str> = segs.iter().filter(|(h, _)| *h).map(|(_, s)| *s).collect();
    assert_eq!(highlighted, ["S-400", "F-35"]);
    let joined: String = segs.iter().map(|(_, s)| *s).collect();
    assert_eq!(joined, text, "segments cover the text exactly once");

    let mut m = record(1, "w", "T");
    m.snippet = snip;
    let r = render(&view(vec![Section {
        watchlist: "w".to_string(),
        stories: singles(vec![m]),
    }]));
    assert!(r.text.contains("Türkiye and *S-400* and *F-35*"));
}

#[test]
fn touching_and_padded_highlights_read_as_one() {
    let text = "the S-400 system";
    let s = text.find("S-400").unwrap();
    let snip = Snippet {
        text: text.to_string(),
        highlights: vec![s..s + 2, s + 2..s + 5, s - 1..s - 1 + 1],
    };
    let highlighted: Vec<&str> = segments(&snip)
        .into_iter()
        .filter(|(h, _)| *h)
        .map(|(_, s)| s)
        .collect();
    assert_eq!(highlighted, ["S-400"]);
}
