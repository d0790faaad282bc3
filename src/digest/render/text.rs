//! The plain-text part: the same blocks as the HTML part, wrapped to fit a mail client's
//! window with room for a quote prefix. Nothing is escaped: in plain text markup and links
//! are inert, and the reader sees what the feed wrote.

use super::block::Block;
use super::dates::format_time;
use super::select::{Prepared, left_out, section_left_out};
use super::snippet::{segments, without_controls};
use super::words::{NOTHING_NEW_TAIL, capitalised, covered, heading, no_new_coverage, summary};
use super::{DigestView, Mail};
use crate::wording::one_line;

/// Column at which the plain-text snippet wraps; leaves room for a client's quote prefix.
pub(super) const WRAP_COLUMNS: usize = 76;

pub(super) fn text_of(view: &DigestView, sections: &[Prepared<'_>], mail: Mail) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}: {}\n", mail.kicker(), one_line(&view.name)));
    // The time on a line of its own: with story and follow-up counts, the summary and
    // the time together no longer fit one line.
    out.push_str(&format!(
        "{}\nGenerated {}\n",
        capitalised(&summary(sections)),
        format_time(view.generated_at, view.timezone)
    ));
    if let Some(left_out) = left_out(sections) {
        push_wrapped(&mut out, &left_out, "", "");
    }

    if sections.is_empty() {
        let nothing_new = no_new_coverage(&covered(view));
        out.push('\n');
        push_wrapped(
            &mut out,
            &format!("{nothing_new}{NOTHING_NEW_TAIL}"),
            "",
            "",
        );
    }
    for section in sections {
        let heading = format!("{}: {}", section.watchlist, heading(section));
        out.push('\n');
        out.push_str(&heading);
        out.push('\n');
        out.push_str(&"=".repeat(heading.chars().count()));
        out.push('\n');
        for block in &section.blocks {
            out.push('\n');
            text_block(&mut out, block);
        }
        if let Some(more) = section_left_out(section) {
            out.push('\n');
            push_wrapped(&mut out, &more, "", "");
        }
    }

    out.push('\n');
    for (lead, feeds) in mail.problems(view) {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| format!("{feed} ({detail})"))
            .collect();
        push_wrapped(&mut out, &format!("{lead}: {}.", feeds.join(", ")), "", "");
    }
    out.push_str(&mail.closing(&one_line(&view.name)));
    out.push('\n');
    out
}

fn text_block(out: &mut String, b: &Block<'_>) {
    // The headline stays on one line, whole, so it can be found and copied as written.
    if let Some(label) = b.head.label {
        out.push_str(label);
        out.push(' ');
    }
    out.push_str(&b.head.headline);
    out.push('\n');
    push_wrapped(out, &b.head.byline, "", "");
    if let Some(link) = text_link(b.head.link) {
        out.push_str(&link);
        out.push('\n');
    }
    if let Some((from, snippet)) = &b.snippet {
        let mut marked: String = from.as_ref().map(|f| format!("{f}: ")).unwrap_or_default();
        for (highlighted, s) in segments(snippet) {
            if highlighted {
                marked.push_str(&format!("*{s}*"));
            } else {
                marked.push_str(s);
            }
        }
        push_wrapped(out, &without_controls(&marked), "", "");
    }
    if let Some(terms) = &b.terms {
        push_wrapped(out, terms, "", "");
    }
    if b.list.is_empty() && b.more.is_none() {
        return;
    }
    out.push_str(b.head.list_label);
    out.push('\n');
    for line in &b.list {
        let entry = match line.outlets.as_str() {
            "" => line.title.clone(),
            outlets => format!("{outlets} — {}", line.title),
        };
        push_wrapped(out, &entry, "- ", "  ");
        if let Some(link) = text_link(line.link) {
            out.push_str(&format!("  {link}\n"));
        }
    }
    if let Some(more) = &b.more {
        push_wrapped(out, more, "  ", "  ");
    }
}

/// A link as the text part shows it. Shown as written, even when it is not a link we would
/// make clickable: in plain text it is inert, and the reader may still want to see where
/// the item pointed.
fn text_link(link: Option<&str>) -> Option<String> {
    link.map(one_line).filter(|l| !l.is_empty())
}

/// Wraps `text` under `first`, continuing lines under `rest`: a list entry's hanging
/// indent.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    let width = WRAP_COLUMNS - first.chars().count().max(rest.chars().count());
    for (i, line) in wrap(text, width).iter().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
}

/// Greedy word wrap by characters; a word longer than the width gets a line to itself.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let wlen = word.chars().count();
        if len > 0 && len + 1 + wlen > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += wlen;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
