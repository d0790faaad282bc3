//! A snippet made safe to show: cut into plain and highlighted pieces without trusting the
//! highlight ranges it came with, and kept free of control characters.

use std::ops::Range;

use crate::model::Snippet;

/// The snippet cut into plain and highlighted pieces, in order.
///
/// Highlight ranges are byte offsets computed by another stage against text that may since
/// have been trimmed or re-encoded, so any range that is empty, reversed, out of bounds or
/// not on a char boundary is skipped, as is one overlapping a range already taken (the
/// longest range starting at a position wins). Adjacent ranges merge, so two touching terms
/// read as one highlight rather than `*a**b*`.
pub(super) fn segments(snippet: &Snippet) -> Vec<(bool, &str)> {
    let text = snippet.text.as_str();
    let mut ranges: Vec<Range<usize>> = snippet
        .highlights
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));

    let mut taken: Vec<Range<usize>> = Vec::new();
    let mut pos = 0;
    for r in ranges {
        if r.start < pos {
            continue;
        }
        // Keep the markers tight around the words: `*S-400*`, not `* S-400 *`.
        let piece = &text[r.clone()];
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            continue;
        }
        let start = r.start + (piece.len() - piece.trim_start().len());
        let end = start + trimmed.len();
        match taken.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ => taken.push(start..end),
        }
        pos = end;
    }

    let mut out = Vec::new();
    let mut pos = 0;
    for r in taken {
        if r.start > pos {
            out.push((false, &text[pos..r.start]));
        }
        out.push((true, &text[r.clone()]));
        pos = r.end;
    }
    if pos < text.len() {
        out.push((false, &text[pos..]));
    }
    out
}

/// Control characters (other than whitespace) have no business in a mail body.
pub(super) fn without_controls(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
