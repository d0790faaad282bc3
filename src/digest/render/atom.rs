//! A watchlist's recent stories as an Atom 1.0 feed (RFC 4287), for a feed reader: one
//! entry per story, worded from the same blocks as the digest and escaped the same way.
//!
//! An entry's id is the story's, so it stays the same from one request to the next; its
//! `updated` is when the latest coverage joined the story, so a reader shows the story
//! again when more outlets report it. The HTML content holds the byline (outlets and
//! span), the best snippet with the matched terms in bold, and the other reports, each
//! linked only where its link is a safe `http(s)` URL. The whole content is then escaped
//! once more as XML text, and characters XML cannot carry are dropped.

use chrono::{DateTime, SecondsFormat, Utc};
use html_escape::{encode_double_quoted_attribute, encode_text};

use super::block::{Block, Story};
use super::html::safe_href;
use super::snippet::{segments, without_controls};
use super::view::{DigestView, StoryEntry};

/// What names the feed: its id (a URI), title, and the links to itself and to the page
/// that lists the watchlists.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub id: String,
    pub title: String,
    /// Where the feed is served, as a reader should ask for it again.
    pub self_href: String,
    pub subtitle: String,
    /// When what the feed covers last changed (a watchlist's query edited, say): its
    /// `updated` is never older.
    pub changed: Option<DateTime<Utc>>,
}

/// The feed, and when its newest entry was last updated (the feed's `updated`, and the
/// `Last-Modified` it is served with).
#[derive(Debug, Clone)]
pub struct Atom {
    pub xml: String,
    pub updated: DateTime<Utc>,
    pub entries: usize,
}

/// One story as an entry.
struct Entry {
    story: i64,
    title: String,
    link: Option<String>,
    published: DateTime<Utc>,
    updated: DateTime<Utc>,
    summary: String,
    content: String,
}

/// The feed of `view`'s stories that are grouped (a match not grouped yet has no lasting
/// id, and joins its story within seconds), the `limit` most recently updated first.
pub fn atom(view: &DigestView, meta: &FeedMeta, limit: usize) -> Atom {
    // The newest first, and only those shown are worded.
    let mut latest: Vec<(DateTime<Utc>, i64, &StoryEntry)> = view
        .sections
        .iter()
        .flat_map(|s| &s.stories)
        .filter_map(|entry| {
            let story = entry.matches.first()?.story?;
            let updated = entry.matches.iter().map(|m| m.matched_at).max()?;
            Some((updated, story, entry))
        })
        .collect();
    latest.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    latest.truncate(limit);
    let entries: Vec<Entry> = latest
        .into_iter()
        .filter_map(|(updated, story, entry)| {
            let b = Story::of(entry)?.block(view.generated_at, view.timezone);
            let published = entry
                .matches
                .iter()
                .map(|m| m.published.unwrap_or(m.matched_at))
                .min()?;
            Some(Entry {
                story,
                title: b.head.headline.clone(),
                link: b.head.link.and_then(safe_href),
                published: published.min(updated),
                updated,
                summary: b
                    .snippet
                    .as_ref()
                    .map(|(_, s)| without_controls(&s.text))
                    .unwrap_or_else(|| b.head.byline.clone()),
                content: content(&b),
            })
        })
        .collect();
    let updated = entries
        .iter()
        .map(|e| e.updated)
        .chain(meta.changed)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);

    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("  <id>{}</id>\n", xml(&meta.id)));
    x.push_str(&format!("  <title>{}</title>\n", xml(&meta.title)));
    x.push_str(&format!("  <subtitle>{}</subtitle>\n", xml(&meta.subtitle)));
    x.push_str(&format!("  <updated>{}</updated>\n", stamp(updated)));
    x.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml(&meta.self_href)
    ));
    x.push_str("  <author><name>newshound</name></author>\n");
    x.push_str(&format!(
        "  <generator version=\"{}\">newshound</generator>\n",
        env!("CARGO_PKG_VERSION")
    ));
    for e in &entries {
        x.push_str("  <entry>\n");
        x.push_str(&format!(
            "    <id>{}:story:{}</id>\n",
            xml(&meta.id),
            e.story
        ));
        x.push_str(&format!("    <title>{}</title>\n", xml(&e.title)));
        if let Some(link) = &e.link {
            x.push_str(&format!(
                "    <link rel=\"alternate\" href=\"{}\"/>\n",
                xml(link)
            ));
        }
        x.push_str(&format!(
            "    <published>{}</published>\n",
            stamp(e.published)
        ));
        x.push_str(&format!("    <updated>{}</updated>\n", stamp(e.updated)));
        x.push_str(&format!("    <summary>{}</summary>\n", xml(&e.summary)));
        x.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml(&e.content)
        ));
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Atom {
        xml: x,
        updated,
        entries: entries.len(),
    }
}

/// The entry's HTML: byline, snippet, matched terms and the other reports.
fn content(b: &Block<'_>) -> String {
    let mut h = format!("<p>{}</p>\n", encode_text(&b.head.byline));
    if let Some((from, snippet)) = &b.snippet {
        let from = from
            .as_ref()
            .map(|f| format!("{}: ", encode_text(f)))
            .unwrap_or_default();
        let marked: String = segments(snippet)
            .into_iter()
            .map(|(highlighted, s)| {
                let s = encode_text(&without_controls(s)).into_owned();
                if highlighted {
                    format!("<strong>{s}</strong>")
                } else {
                    s
                }
            })
            .collect();
        h.push_str(&format!("<blockquote>{from}{marked}</blockquote>\n"));
    }
    if let Some(terms) = &b.terms {
        h.push_str(&format!("<p><small>{}</small></p>\n", encode_text(terms)));
    }
    if !b.list.is_empty() {
        h.push_str(&format!(
            "<p>{}</p>\n<ul>\n",
            encode_text(b.head.list_label)
        ));
        for line in &b.list {
            let outlets = match line.outlets.as_str() {
                "" => String::new(),
                o => format!("{} — ", encode_text(o)),
            };
            h.push_str(&format!(
                "<li>{outlets}{}</li>\n",
                linked(&line.title, line.link)
            ));
        }
        h.push_str("</ul>\n");
    }
    if let Some(more) = &b.more {
        h.push_str(&format!("<p>{}</p>\n", encode_text(more)));
    }
    h
}

/// `text`, escaped, linked to `link` when that is a safe `http(s)` URL.
fn linked(text: &str, link: Option<&str>) -> String {
    let text = encode_text(text);
    match link.and_then(safe_href) {
        Some(href) => format!(
            "<a href=\"{}\">{text}</a>",
            encode_double_quoted_attribute(&href)
        ),
        None => text.into_owned(),
    }
}

/// RFC 3339, as Atom dates are written.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `text` as XML character data: escaped, and without the characters XML 1.0 cannot
/// carry at all (controls other than tab and line ends, lone surrogates cannot occur in a
/// `str`, U+FFFE and U+FFFF), which would make the whole feed unreadable.
fn xml(text: &str) -> String {
    let allowed: String = text
        .chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        })
        .collect();
    quick_xml::escape::escape(allowed.as_str()).into_owned()
}
