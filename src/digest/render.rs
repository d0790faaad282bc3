//! Recorded matches → the subject, plain-text part and HTML part of a digest email.
//!
//! Pure, so the exact output is pinned by golden files (`tests/golden/`). Every string that
//! reaches this module (titles, feed names, snippets, links, terms, even watchlist names)
//! is treated as hostile: the HTML part escapes all of it and links only `http(s)` URLs,
//! and highlight ranges that do not fit the snippet are dropped instead of trusted.
//!
//! The HTML is written for mail clients, not browsers: tables for layout, inline `style=`
//! only, and every element that sets a text colour also sets its background, so a client
//! that inverts or replaces colours in dark mode never leaves dark text on a dark page.

use std::ops::Range;

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute, encode_text};
use url::Url;

use crate::model::{MatchRecord, Snippet};

/// What one digest email covers: the matches of each watchlist, in the order the
/// sections should appear.
#[derive(Debug, Clone)]
pub struct DigestView {
    pub name: String,
    pub generated_at: DateTime<Utc>,
    pub sections: Vec<Section>,
    /// Feeds a reader should know about, for the footer.
    pub feed_problems: Vec<FeedProblem>,
}

/// A feed flagged in the footer: failing for long, gone, or moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedProblem {
    pub feed: String,
    pub kind: ProblemKind,
    /// E.g. "since 14 Nov, HTTP 404 Not Found" or the new URL.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    Failing,
    Gone,
    Moved,
}

impl ProblemKind {
    fn lead(self, n: usize) -> String {
        let feeds = count(n, "feed", "feeds");
        match self {
            ProblemKind::Failing => format!("{feeds} failing"),
            ProblemKind::Gone => format!("{feeds} gone (the server says 410 Gone)"),
            ProblemKind::Moved => format!("{feeds} moved permanently (update the config)"),
        }
    }
}

/// One line per kind of problem: `2 feeds failing: a (since …), b (since …)`.
fn problem_lines(problems: &[FeedProblem]) -> Vec<(String, Vec<(String, String)>)> {
    let mut kinds: Vec<ProblemKind> = problems.iter().map(|p| p.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<(String, String)> = problems
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| (one_line(&p.feed), one_line(&p.detail)))
                .collect();
            (kind.lead(of_kind.len()), of_kind)
        })
        .collect()
}

/// One watchlist's part of the digest: its new matches, grouped by story.
#[derive(Debug, Clone)]
pub struct Section {
    pub watchlist: String,
    pub stories: Vec<StoryEntry>,
}

/// One event in a section: this watchlist's matches (at least one) that report it and
/// were not sent by this digest before.
#[derive(Debug, Clone)]
pub struct StoryEntry {
    pub matches: Vec<MatchRecord>,
    /// Set when an earlier message of this digest already reported the story: the entry is
    /// then a follow-up, not news.
    pub earlier: Option<EarlierCoverage>,
}

/// What an earlier message of the same digest said about a story.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCoverage {
    /// When the digest first reported the story.
    pub first_sent: DateTime<Utc>,
    /// The story's headline and link as reported then.
    pub headline: String,
    pub link: Option<String>,
    /// Outlets already reported.
    pub outlets: Vec<String>,
}

/// The parts of a rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Column at which the plain-text snippet wraps; leaves room for a client's quote prefix.
const WRAP_COLUMNS: usize = 76;
/// Topics named in the subject before the rest are summed up as "and N more"; more would
/// be cut off by most inboxes anyway.
const SUBJECT_TOPICS: usize = 3;

// Colours of the HTML part. Each text colour is only ever used together with a background.
const PAGE_BG: &str = "#f2f3f5";
const CARD_BG: &str = "#ffffff";
const INK: &str = "#1f2328";
const MUTED: &str = "#57606a";
const LINK: &str = "#0550ae";
const RULE: &str = "#e1e4e8";
const HIGHLIGHT_BG: &str = "#fff1a8";
const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";

pub fn render(view: &DigestView) -> Rendered {
    let sections = prepare(view);
    Rendered {
        subject: subject_of(&sections),
        text: text_of(view, &sections),
        html: html_of(view, &sections),
    }
}

/// The subject line alone, e.g. `newshound: 5 new items on 2 topics (turkey-s400, f35)`.
pub fn subject(view: &DigestView) -> String {
    subject_of(&prepare(view))
}

/// A section as it is rendered: entries newest first. Sections without matches are left
/// out everywhere, so the subject never counts or names a topic the body does not show.
struct Prepared<'a> {
    watchlist: String,
    entries: Vec<&'a MatchRecord>,
}

fn prepare(view: &DigestView) -> Vec<Prepared<'_>> {
    view.sections
        .iter()
        .filter(|s| s.stories.iter().any(|st| !st.matches.is_empty()))
        .map(|s| {
            let mut entries: Vec<&MatchRecord> =
                s.stories.iter().flat_map(|st| st.matches.iter()).collect();
            // Ties (same minute from one feed is common) fall back to the later record, so
            // the order does not depend on how the caller happened to list them.
            entries.sort_by(|a, b| when(b).cmp(&when(a)).then(b.id.cmp(&a.id)));
            Prepared {
                watchlist: one_line(&s.watchlist),
                entries,
            }
        })
        .collect()
}

/// When an entry is shown as having happened: its feed's date if it has one, else when we
/// saw it.
fn when(m: &MatchRecord) -> DateTime<Utc> {
    m.published.unwrap_or(m.matched_at)
}

fn format_time(t: DateTime<Utc>) -> String {
    t.format("%a %-d %b %Y %H:%M UTC").to_string()
}

fn total(sections: &[Prepared<'_>]) -> usize {
    sections.iter().map(|s| s.entries.len()).sum()
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn items(n: usize) -> String {
    count(n, "new item", "new items")
}

/// "5 new items on 2 topics", the summary shared by the subject and both headers.
fn summary(sections: &[Prepared<'_>]) -> String {
    match total(sections) {
        0 => "no new items".to_string(),
        n => format!(
            "{} on {}",
            items(n),
            count(sections.len(), "topic", "topics")
        ),
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn subject_of(sections: &[Prepared<'_>]) -> String {
    if sections.is_empty() {
        return format!("newshound: {}", summary(sections));
    }
    let mut topics = sections
        .iter()
        .take(SUBJECT_TOPICS)
        .map(|s| s.watchlist.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if sections.len() > SUBJECT_TOPICS {
        topics.push_str(&format!(" and {} more", sections.len() - SUBJECT_TOPICS));
    }
    format!("newshound: {} ({topics})", summary(sections))
}

/// A field meant for one line: control characters and runs of whitespace become one space,
/// so a newline in a feed title cannot forge extra lines in the text part or the subject.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Control characters (other than whitespace) have no business in a mail body.
fn without_controls(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn title_of(m: &MatchRecord) -> String {
    match one_line(&m.title) {
        t if t.is_empty() => "(untitled)".to_string(),
        t => t,
    }
}

/// "Feed name · Sat 21 Nov 2026 14:05 UTC", or just the time when the feed has no name.
fn byline(m: &MatchRecord) -> String {
    let time = format_time(when(m));
    match one_line(&m.feed) {
        f if f.is_empty() => time,
        f => format!("{f} · {time}"),
    }
}

fn terms_of(m: &MatchRecord) -> Option<String> {
    let terms: Vec<String> = m
        .matched_terms
        .iter()
        .map(|t| one_line(t))
        .filter(|t| !t.is_empty())
        .collect();
    (!terms.is_empty()).then(|| format!("matched: {}", terms.join(", ")))
}

/// The link as an `href`, only when it is an absolute `http`/`https` URL. The scheme is
/// checked on the text as written *and* on the parsed URL, so neither `javascript:` and
/// `data:` nor lenient spellings like `http:host` or `ht\ttp://` get through; the parsed
/// form is returned because it percent-encodes quotes, brackets and spaces.
fn safe_href(link: &str) -> Option<String> {
    let link = link.trim();
    let written_as_http = ["http://", "https://"].iter().any(|prefix| {
        link.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    });
    if !written_as_http {
        return None;
    }
    let url = Url::parse(link).ok()?;
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    (matches!(url.scheme(), "http" | "https") && has_host).then(|| url.into())
}

/// The snippet cut into plain and highlighted pieces, in order.
///
/// Highlight ranges are byte offsets computed by another stage against text that may since
/// have been trimmed or re-encoded, so any range that is empty, reversed, out of bounds or
/// not on a char boundary is skipped, as is one overlapping a range already taken (the
/// longest range starting at a position wins). Adjacent ranges merge, so two touching terms
/// read as one highlight rather than `*a**b*`.
fn segments(snippet: &Snippet) -> Vec<(bool, &str)> {
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

/// Greedy word wrap by characters; a word longer than the width gets a line to itself.
fn wrap(text: &str, width: usize) -> Vec<String> {
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

fn text_of(view: &DigestView, sections: &[Prepared<'_>]) -> String {
    let mut out = String::new();
    out.push_str(&format!("newshound digest: {}\n", one_line(&view.name)));
    let summary = capitalised(&summary(sections));
    out.push_str(&format!(
        "{summary}, generated {}\n",
        format_time(view.generated_at)
    ));

    for section in sections {
        let heading = format!("{}: {}", section.watchlist, items(section.entries.len()));
        out.push('\n');
        out.push_str(&heading);
        out.push('\n');
        out.push_str(&"=".repeat(heading.chars().count()));
        out.push('\n');
        for m in &section.entries {
            out.push('\n');
            text_entry(&mut out, m);
        }
    }

    out.push('\n');
    for (lead, feeds) in problem_lines(&view.feed_problems) {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| format!("{feed} ({detail})"))
            .collect();
        for line in wrap(&format!("{lead}: {}.", feeds.join(", ")), WRAP_COLUMNS) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "This is the “{}” digest, generated by newshound.\n",
        one_line(&view.name)
    ));
    out
}

fn text_entry(out: &mut String, m: &MatchRecord) {
    out.push_str(&title_of(m));
    out.push('\n');
    out.push_str(&byline(m));
    out.push('\n');
    // Shown as written, even when it is not a link we would make clickable: in plain text
    // it is inert, and the reader may still want to see where the item pointed.
    if let Some(link) = m.link.as_deref().map(one_line).filter(|l| !l.is_empty()) {
        out.push_str(&link);
        out.push('\n');
    }
    let marked: String = segments(&m.snippet)
        .into_iter()
        .map(|(highlighted, s)| {
            if highlighted {
                format!("*{s}*")
            } else {
                s.to_string()
            }
        })
        .collect();
    for line in wrap(&without_controls(&marked), WRAP_COLUMNS) {
        out.push_str(&line);
        out.push('\n');
    }
    if let Some(terms) = terms_of(m) {
        out.push_str(&terms);
        out.push('\n');
    }
}

/// Text colour together with its background; the only way colours enter the HTML.
fn colours(fg: &str, bg: &str) -> String {
    format!("color:{fg};background-color:{bg};")
}

fn html_of(view: &DigestView, sections: &[Prepared<'_>]) -> String {
    let name = encode_text(&one_line(&view.name)).into_owned();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    h.push_str("<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n",
        encode_text(&subject_of(sections))
    ));
    h.push_str("</head>\n");
    h.push_str(&format!(
        "<body style=\"margin:0;padding:0;{}\">\n",
        colours(INK, PAGE_BG)
    ));
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"{}\">\n<tr><td align=\"center\" style=\"padding:16px 8px;\">\n",
        colours(INK, PAGE_BG)
    ));
    // Outlook for Windows ignores max-width; this table, which only it sees, holds the
    // card to the same 640px.
    h.push_str(
        "<!--[if mso]><table role=\"presentation\" width=\"640\" cellpadding=\"0\" \
         cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n",
    );
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"max-width:640px;{}font-family:{FONT};font-size:16px;\
         line-height:1.5;overflow-wrap:break-word;word-wrap:break-word;\">\n",
        colours(INK, CARD_BG)
    ));

    let muted = colours(MUTED, CARD_BG);
    h.push_str("<tr><td style=\"padding:20px 24px 12px;\">\n");
    h.push_str(&format!(
        "<div style=\"font-size:13px;letter-spacing:0.04em;text-transform:uppercase;{muted}\">\
         newshound digest</div>\n"
    ));
    h.push_str(&format!(
        "<h1 style=\"margin:4px 0 0;font-size:22px;line-height:1.3;font-weight:bold;\">{name}</h1>\n"
    ));
    let summary = capitalised(&summary(sections));
    h.push_str(&format!(
        "<div style=\"padding-top:4px;font-size:13px;{muted}\">{summary} · generated {}</div>\n",
        format_time(view.generated_at)
    ));
    h.push_str("</td></tr>\n");

    for section in sections {
        h.push_str(&format!(
            "<tr><td style=\"padding:20px 24px 4px;\">\n\
             <h2 style=\"margin:0;font-size:18px;line-height:1.3;font-weight:bold;\">{} \
             <span style=\"font-weight:normal;{muted}\">· {}</span></h2>\n</td></tr>\n",
            encode_text(&section.watchlist),
            items(section.entries.len())
        ));
        for m in &section.entries {
            html_entry(&mut h, m);
        }
    }

    h.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 20px;border-top:1px solid {RULE};font-size:12px;{muted}\">\n"
    ));
    for (lead, feeds) in problem_lines(&view.feed_problems) {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| {
                format!(
                    "<strong>{}</strong> ({})",
                    encode_text(feed),
                    encode_text(detail)
                )
            })
            .collect();
        h.push_str(&format!(
            "<p style=\"margin:0 0 8px;\">{}: {}.</p>\n",
            encode_text(&lead),
            feeds.join(", ")
        ));
    }
    h.push_str(&format!(
        "This is the “{name}” digest, generated by newshound.</td></tr>\n"
    ));
    h.push_str("</table>\n<!--[if mso]></td></tr></table><![endif]-->\n");
    h.push_str("</td></tr>\n</table>\n</body>\n</html>\n");
    h
}

fn html_entry(h: &mut String, m: &MatchRecord) {
    let muted = colours(MUTED, CARD_BG);
    h.push_str(&format!(
        "<tr><td style=\"padding:12px 24px;border-top:1px solid {RULE};\">\n"
    ));
    let title = encode_text(&title_of(m)).into_owned();
    let title = match m.link.as_deref().and_then(safe_href) {
        Some(href) => format!(
            "<a href=\"{}\" style=\"{}text-decoration:underline;\">{title}</a>",
            encode_double_quoted_attribute(&href),
            colours(LINK, CARD_BG)
        ),
        None => title,
    };
    h.push_str(&format!(
        "<div style=\"font-size:17px;line-height:1.35;font-weight:bold;\">{title}</div>\n"
    ));
    h.push_str(&format!(
        "<div style=\"padding-top:2px;font-size:13px;{muted}\">{}</div>\n",
        encode_text(&byline(m))
    ));

    let snippet: String = segments(&m.snippet)
        .into_iter()
        .map(|(highlighted, s)| {
            let s = encode_text(&without_controls(s)).into_owned();
            if highlighted {
                // <strong> rather than <mark>: Outlook's Word engine drops <mark> and
                // its styling, while bold survives even where the background is stripped.
                format!(
                    "<strong style=\"{}padding:0 1px;\">{s}</strong>",
                    colours(INK, HIGHLIGHT_BG)
                )
            } else {
                s
            }
        })
        .collect();
    if !snippet.trim().is_empty() {
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:15px;\">{snippet}</div>\n"
        ));
    }
    if let Some(terms) = terms_of(m) {
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(&terms)
        ));
    }
    h.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// `highlights` name substrings of `text`; each is found by its first occurrence.
    fn snippet(text: &str, highlights: &[&str]) -> Snippet {
        Snippet {
            text: text.to_string(),
            highlights: highlights
                .iter()
                .map(|h| {
                    let start = text.find(h).expect("highlight is in the text");
                    start..start + h.len()
                })
                .collect(),
        }
    }

    fn record(id: i64, watchlist: &str, title: &str) -> MatchRecord {
        MatchRecord {
            id,
            item: id,
            story: None,
            watchlist: watchlist.to_string(),
            feed: "Example Feed".to_string(),
            feeds: vec!["Example Feed".to_string()],
            title: title.to_string(),
            link: Some(format!("https://example.com/{id}")),
            guid: None,
            published: None,
            matched_at: at(2026, 11, 21, 12, 0),
            matched_terms: vec!["term".to_string()],
            snippet: Snippet::default(),
        }
    }

    /// Each match a story of its own.
    fn singles(matches: Vec<MatchRecord>) -> Vec<StoryEntry> {
        matches
            .into_iter()
            .map(|m| StoryEntry {
                matches: vec![m],
                earlier: None,
            })
            .collect()
    }

    fn view(sections: Vec<Section>) -> DigestView {
        DigestView {
            name: "Morning brief".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            sections,
            feed_problems: Vec::new(),
        }
    }

    fn section(watchlist: &str, n: usize) -> Section {
        Section {
            watchlist: watchlist.to_string(),
            stories: singles(
                (0..n)
                    .map(|i| record(i as i64, watchlist, &format!("Item {i}")))
                    .collect(),
            ),
        }
    }

    fn golden_view() -> DigestView {
        let turkey = vec![
            MatchRecord {
                id: 11,

                item: 11,

                story: None,

                watchlist: "turkey-s400".to_string(),

                feed: "Defense News".to_string(),

                feeds: vec!["Defense News".to_string()],
                title: "Turkey activates S-400 radars during NATO exercise".to_string(),
                link: Some(
                    "https://www.defensenews.com/global/europe/2026/11/21/turkey-s400-radars/"
                        .to_string(),
                ),
                guid: Some("dn-8812".to_string()),
                published: Some(at(2026, 11, 21, 9, 30)),
                matched_at: at(2026, 11, 21, 9, 42),
                matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                snippet: snippet(
                    "Turkey switched on the radars of its Russian-made S-400 air defence system \
                     on Friday, days before a NATO air exercise over the Aegean, officials in \
                     Ankara said.",
                    &["Turkey", "S-400"],
                ),
            },
            MatchRecord {
                id: 12,

                item: 12,

                story: None,

                watchlist: "turkey-s400".to_string(),

                feed: "Wire briefs".to_string(),

                feeds: vec!["Wire briefs".to_string()],
                title: "Ankara and Moscow discuss second S-400 batch".to_string(),
                // A feed that gives no link: the title must show, unlinked.
                link: None,
                guid: Some("urn:wire:4471".to_string()),
                // No published date either: the entry is placed and dated by matched_at.
                published: None,
                matched_at: at(2026, 11, 21, 11, 15),
                matched_terms: vec!["S-400".to_string()],
                snippet: snippet(
                    "Officials met in Moscow to discuss delivery of a second S-400 batch.",
                    &["S-400"],
                ),
            },
            MatchRecord {
                id: 9,

                item: 9,

                story: None,

                watchlist: "turkey-s400".to_string(),

                feed: "Reuters World".to_string(),

                feeds: vec!["Reuters World".to_string()],
                title: "US keeps sanctions on Turkey's defence agency over S-400".to_string(),
                link: Some(
                    "https://www.reuters.com/world/us-sanctions-turkey-s400-2026-11-20/"
                        .to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 20, 18, 2)),
                matched_at: at(2026, 11, 20, 18, 10),
                matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                snippet: snippet(
                    "Washington will keep CAATSA sanctions on Turkey's defence industry \
                     agency as long as Ankara holds the S-400.",
                    &["Turkey", "S-400"],
                ),
            },
        ];
        let f35 = vec![
            MatchRecord {
                id: 10,

                item: 10,

                story: None,

                watchlist: "f35".to_string(),

                feed: "Breaking Defense".to_string(),

                feeds: vec!["Breaking Defense".to_string()],
                title: "Lockheed delivers 100th F-35 of the year".to_string(),
                link: Some("https://breakingdefense.com/2026/11/lockheed-100th-f35/".to_string()),
                guid: None,
                published: Some(at(2026, 11, 19, 22, 45)),
                matched_at: at(2026, 11, 20, 6, 0),
                matched_terms: vec!["F-35".to_string()],
                snippet: snippet(
                    "Lockheed Martin handed over its 100th F-35 of 2026 this week.",
                    &["F-35"],
                ),
            },
            MatchRecord {
                id: 13,

                item: 13,

                story: None,

                watchlist: "f35".to_string(),

                feed: "Hürriyet Daily News".to_string(),

                feeds: vec!["Hürriyet Daily News".to_string()],
                title: "Türkiye’s F-35 return: Ankara’s talks with Washington resume".to_string(),
                link: Some(
                    "https://www.hurriyetdailynews.com/turkiyes-f-35-return-210876".to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 21, 7, 5)),
                matched_at: at(2026, 11, 21, 7, 20),
                matched_terms: vec!["F-35".to_string(), "Türkiye".to_string()],
                snippet: snippet(
                    "Türkiye’s defence minister said talks on rejoining the F-35 programme \
                     resumed in Washington this week.",
                    &["Türkiye", "F-35"],
                ),
            },
        ];
        DigestView {
            name: "Morning brief".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            sections: vec![
                Section {
                    watchlist: "turkey-s400".to_string(),
                    stories: singles(turkey),
                },
                Section {
                    watchlist: "f35".to_string(),
                    stories: singles(f35),
                },
            ],
            feed_problems: vec![
                FeedProblem {
                    feed: "Defence wire".to_string(),
                    kind: ProblemKind::Failing,
                    detail: "since 12 Nov, HTTP 404 Not Found".to_string(),
                },
                FeedProblem {
                    feed: "Ankara desk".to_string(),
                    kind: ProblemKind::Failing,
                    detail: "since 13 Nov, timed out after 30s".to_string(),
                },
                FeedProblem {
                    feed: "Gulf monitor".to_string(),
                    kind: ProblemKind::Moved,
                    detail: "now polled at https://gulf.example/feed.xml".to_string(),
                },
            ],
        }
    }

    /// Compares with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead.
    fn check_golden(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        if expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a)
                .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
            panic!(
                "{} differs from the rendered output from line {}:\n expected: {:?}\n   actual: {:?}\n\
                 if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff",
                path.display(),
                line + 1,
                expected.lines().nth(line),
                actual.lines().nth(line),
            );
        }
    }

    #[test]
    fn golden_digest() {
        let rendered = render(&golden_view());
        assert_eq!(
            rendered.subject,
            "newshound: 5 new items on 2 topics (turkey-s400, f35)"
        );
        assert_eq!(subject(&golden_view()), rendered.subject);
        check_golden("digest.txt", &rendered.text);
        check_golden("digest.html", &rendered.html);
    }

    #[test]
    fn entries_are_newest_first_by_published_else_matched_at() {
        let text = render(&golden_view()).text;
        let order = [
            "Ankara and Moscow",  // matched 11:15, no published date
            "Turkey activates",   // published 09:30
            "US keeps sanctions", // published 20 Nov
            "Türkiye’s F-35",     // next section: published 21 Nov 07:05
            "Lockheed delivers",  // published 19 Nov
        ];
        let positions: Vec<usize> = order.iter().map(|t| text.find(t).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn subject_counts_and_plurals() {
        let cases: Vec<(Vec<Section>, &str)> = vec![
            (
                vec![section("x", 1)],
                "newshound: 1 new item on 1 topic (x)",
            ),
            (
                vec![section("x", 2)],
                "newshound: 2 new items on 1 topic (x)",
            ),
            (
                vec![section("a", 1), section("b", 1)],
                "newshound: 2 new items on 2 topics (a, b)",
            ),
            (
                vec![section("a", 1), section("b", 2), section("c", 1)],
                "newshound: 4 new items on 3 topics (a, b, c)",
            ),
            (
                vec![
                    section("a", 1),
                    section("b", 1),
                    section("c", 1),
                    section("d", 1),
                ],
                "newshound: 4 new items on 4 topics (a, b, c and 1 more)",
            ),
            (
                vec![
                    section("a", 1),
                    section("b", 1),
                    section("c", 1),
                    section("d", 1),
                    section("e", 3),
                ],
                "newshound: 7 new items on 5 topics (a, b, c and 2 more)",
            ),
            // A watchlist with nothing new is neither counted nor named.
            (
                vec![section("a", 0), section("b", 1)],
                "newshound: 1 new item on 1 topic (b)",
            ),
            (vec![], "newshound: no new items"),
            (vec![section("a", 0)], "newshound: no new items"),
        ];
        for (sections, expected) in cases {
            assert_eq!(render(&view(sections)).subject, expected);
        }
    }

    #[test]
    fn subject_stays_on_one_line() {
        let s = render(&view(vec![section("evil\r\nBcc: x@example.com", 1)])).subject;
        assert_eq!(
            s,
            "newshound: 1 new item on 1 topic (evil Bcc: x@example.com)"
        );
    }

    #[test]
    fn section_heading_has_count() {
        let r = render(&view(vec![section("solo", 1), section("pair", 2)]));
        assert!(r.text.contains("solo: 1 new item\n================\n"));
        assert!(r.text.contains("pair: 2 new items\n"));
        assert!(r.html.contains("· 1 new item</span>"));
        assert!(r.html.contains("· 2 new items</span>"));
    }

    #[test]
    fn empty_digest_renders() {
        let r = render(&view(vec![]));
        assert!(
            r.text
                .contains("No new items, generated Sat 21 Nov 2026 14:05 UTC")
        );
        assert!(r.html.contains("No new items · generated"));
        assert!(r.html.ends_with("</html>\n"));
    }

    #[test]
    fn hostile_content_is_escaped_in_html_and_verbatim_in_text() {
        let mut scripted = record(1, "w", "<script>alert(1)</script>");
        scripted.link = Some("javascript:alert(1)".to_string());
        scripted.feed = "Smith & Sons".to_string();
        scripted.snippet = Snippet {
            text: "look <img src=x onerror=alert(1)> here".to_string(),
            highlights: vec![],
        };
        scripted.matched_terms = vec!["<b>bold</b>".to_string()];

        let mut quoted = record(2, "w", "Quotes");
        quoted.link = Some("https://example.com/a\"b<c".to_string());

        let mut data = record(3, "w", "Data");
        data.link = Some("data:text/html,<script>alert(2)</script>".to_string());

        let v = DigestView {
            name: "<i>digest</i>".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            sections: vec![Section {
                watchlist: "w<u>".to_string(),
                stories: singles(vec![scripted, quoted, data]),
            }],
            feed_problems: vec![FeedProblem {
                feed: "<img src=x onerror=alert(3)>".to_string(),
                kind: ProblemKind::Failing,
                detail: "since 1 Nov, <b>HTTP 500</b>".to_string(),
            }],
        };
        let r = render(&v);

        for raw in [
            "<script",
            "javascript:",
            "data:",
            "a\"b<c",
            "Smith & Sons",
            "<img",
            "<b>",
            "<i>",
            "<u>",
        ] {
            assert!(!r.html.contains(raw), "HTML contains {raw:?}");
        }
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(r.html.contains("Smith &amp; Sons"));
        assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(r.html.contains("&lt;img src=x onerror=alert(3)&gt;"));
        assert!(r.html.contains("&lt;b&gt;HTTP 500&lt;/b&gt;"));
        assert!(r.html.contains("href=\"https://example.com/a%22b%3Cc\""));
        // Titles whose links were refused are shown, just not linked.
        assert!(!r.html.contains("href=\"javascript"));
        assert_eq!(r.html.matches("<a href=").count(), 1);

        for raw in [
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "https://example.com/a\"b<c",
            "Smith & Sons",
            "<img src=x onerror=alert(1)>",
            "matched: <b>bold</b>",
            "w<u>: 3 new items",
            "<i>digest</i>",
        ] {
            assert!(r.text.contains(raw), "text lacks {raw:?}");
        }
    }

    #[test]
    fn only_absolute_http_urls_become_links() {
        let cases = [
            (
                "https://example.com/x?a=1&b=2",
                Some("https://example.com/x?a=1&b=2"),
            ),
            ("http://example.com", Some("http://example.com/")),
            ("  HTTPS://Example.COM/P  ", Some("https://example.com/P")),
            ("https://example.com/a b", Some("https://example.com/a%20b")),
            ("javascript:alert(1)", None),
            ("JavaScript:alert(1)", None),
            (" javascript:alert(1)", None),
            ("java\tscript:alert(1)", None),
            ("ht\ttp://example.com", None),
            ("data:text/html;base64,PHNjcmlwdD4=", None),
            ("ftp://example.com/file", None),
            ("mailto:a@example.com", None),
            ("/relative/path", None),
            ("//example.com/x", None),
            ("example.com", None),
            ("http:example.com", None),
            ("http://", None),
            ("", None),
        ];
        for (link, expected) in cases {
            assert_eq!(safe_href(link).as_deref(), expected, "{link:?}");
        }
    }

    #[test]
    fn every_text_colour_comes_with_a_background() {
        let html = render(&golden_view()).html;
        for style in html.split("style=\"").skip(1) {
            let style = &style[..style.find('"').unwrap()];
            let sets_colour = style
                .split(';')
                .any(|decl| decl.trim_start().starts_with("color:"));
            if sets_colour {
                assert!(style.contains("background-color:"), "{style}");
            }
        }
    }

    #[test]
    fn html_is_a_self_contained_mail_document() {
        let html = render(&golden_view()).html;
        assert!(html.starts_with("<!DOCTYPE html>\n"));
        assert!(html.contains("<meta charset=\"utf-8\">"));
        assert!(html.contains("<meta name=\"viewport\""));
        assert!(html.contains("max-width:640px"));
        for absent in ["<style", "<script", "<img", "<link", "class="] {
            assert!(!html.contains(absent), "HTML contains {absent:?}");
        }
    }

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
    fn time_format() {
        assert_eq!(
            format_time(at(2026, 11, 21, 14, 5)),
            "Sat 21 Nov 2026 14:05 UTC"
        );
        assert_eq!(
            format_time(at(2026, 2, 1, 0, 0)),
            "Sun 1 Feb 2026 00:00 UTC"
        );
    }

    #[test]
    fn wrap_keeps_long_words_whole() {
        let long = "x".repeat(100);
        assert_eq!(wrap(&format!("a {long} b"), 10), ["a", long.as_str(), "b"]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert!(wrap("   ", 10).is_empty());
    }
}
