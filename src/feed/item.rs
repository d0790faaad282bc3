//! A feed-rs entry → an [`Item`]. This module decides what an item *is* for newshound:
//! its identity (so that re-polls never flag it again), its plain text (HTML turned to
//! text by [`super::html`], entities decoded) and its time.
//!
//! Pure: no I/O.

use std::collections::{HashMap, HashSet};
use std::panic::catch_unwind;

use super::html::{collapse_whitespace, html_to_text};
use super::link::{Form, canonical};
use crate::model::Item;
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Text};
use sha2::{Digest, Sha256};

/// A feed's date as feed-rs reads it, well-formed RFC 3339 and RFC 2822 dates without
/// its help. feed-rs's own reading runs a dozen regular expressions over every date before
/// it tries a format, which was a tenth of the cost of parsing a feed; a date those
/// formats take as it is reads the same either way (the rewrites only repair what they
/// refuse), and any other goes to feed-rs as before.
pub(super) fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    let trimmed = text.trim();
    DateTime::parse_from_rfc3339(trimmed)
        .or_else(|_| DateTime::parse_from_rfc2822(trimmed))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| lenient_timestamp(text))
}

/// feed-rs's lenient reading of a date, which it only offers inside a feed: the date is
/// read as the `updated` of a document made for it.
fn lenient_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let document = format!(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><updated>{}</updated></feed>"#,
        html_escape::encode_text(text)
    );
    let parsed = catch_unwind(|| feed_rs::parser::parse(document.as_bytes()));
    parsed.ok()?.ok()?.updated
}

pub(super) fn to_item(entry: Entry) -> Item {
    let guid = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty());
    let link = entry
        .links
        .iter()
        .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
        .or_else(|| entry.links.first())
        .map(|l| l.href.trim().to_string())
        .filter(|href| !href.is_empty());
    let title = entry.title.as_ref().map(text_of).unwrap_or_default();
    let summary = entry.summary.as_ref().map(text_of).unwrap_or_default();
    let content = entry
        .content
        .as_ref()
        .and_then(|c| {
            let body = c.body.as_deref()?;
            Some(if is_html(c.content_type.as_ref()) {
                html_to_text(body)
            } else {
                body.trim().to_string()
            })
        })
        .unwrap_or_default();
    let published = entry.published.or(entry.updated);
    let identity = identity(guid.as_deref(), link.as_deref(), &title, published);
    let has_content = !content.is_empty();
    let body = join_body(summary, content);
    Item {
        identity,
        guid,
        link,
        title: if title.is_empty() {
            untitled(&body)
        } else {
            title
        },
        body,
        published,
        has_content,
    }
}

/// Summary and content as one text, without repeating the summary when the content
/// merely starts with it (as many feeds do).
fn join_body(summary: String, content: String) -> String {
    if content.is_empty() {
        summary
    } else if summary.is_empty() || content.starts_with(summary.trim()) {
        content
    } else {
        format!("{summary}\n\n{content}")
    }
}

/// Some feeds give every item the same guid (the site's home page, a constant). A guid
/// shared within one document identifies nothing, so those items are told apart by their
/// link, title and date as well; otherwise only the first of them would ever be seen.
pub(super) fn disambiguate_shared_guids(items: &mut [Item]) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for item in items.iter() {
        *counts.entry(item.identity.as_str()).or_default() += 1;
    }
    let shared: HashSet<String> = counts
        .into_iter()
        .filter(|(identity, n)| *n > 1 && identity.starts_with("guid:"))
        .map(|(identity, _)| identity.to_string())
        .collect();
    for item in items.iter_mut().filter(|i| shared.contains(&i.identity)) {
        let fallback = identity(None, item.link.as_deref(), &item.title, item.published);
        item.identity = format!("{}|{fallback}", item.identity);
    }
}

/// Some feeds (microblogs, JSON Feed) have items without titles; show their first words.
fn untitled(text: &str) -> String {
    let mut title: String = text
        .split_whitespace()
        .take(12)
        .collect::<Vec<_>>()
        .join(" ");
    if title.is_empty() {
        title = "(untitled)".into();
    } else if text.split_whitespace().nth(12).is_some() {
        title.push('…');
    }
    title
}

fn is_html(content_type: &str) -> bool {
    content_type.contains("html")
}

/// A feed text construct as plain text. Plain titles still get their entities decoded,
/// because many feeds escape HTML twice (`&amp;#8217;`).
pub(super) fn text_of(text: &Text) -> String {
    if is_html(text.content_type.as_ref()) {
        html_to_text(&text.content)
    } else {
        collapse_whitespace(&html_escape::decode_html_entities(&text.content))
    }
}

/// The identity of an item within its feed: its guid/id, else its canonical link
/// ([`Form::Identity`]), else a hash of its title and date.
pub fn identity(
    guid: Option<&str>,
    link: Option<&str>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> String {
    if let Some(guid) = guid.filter(|g| !g.is_empty()) {
        return format!("guid:{guid}");
    }
    if let Some(link) = link.and_then(|link| canonical(link, Form::Identity)) {
        return format!("link:{link}");
    }
    let mut hasher = Sha256::new();
    hasher.update(title.as_bytes());
    hasher.update([0]);
    if let Some(published) = published {
        hasher.update(published.to_rfc3339().as_bytes());
    }
    let digest = hasher.finalize();
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("hash:{hex}")
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::feed::parse::parse;

    fn base() -> Url {
        Url::parse("https://news.example.org/feed.xml").unwrap()
    }

    /// Dates read without feed-rs's rewrites against feed-rs's own reading of them.
    #[test]
    fn dates_read_as_feed_rs_reads_them() {
        let dates = [
            "Fri, 12 Jan 2024 02:54:42 GMT",
            "Fri, 12 Jan 2024 02:54:42 +0000",
            " Fri, 12 Jan 2024 02:54:42 -0500 ",
            "Sat, 12 Jan 2024 02:54:42 GMT",
            "Friday, 12 Jan 2024 02:54:42 GMT",
            "12 Jan 2024 02:54:42 UTC",
            "12 January 2024 2:54:42 +0100",
            "Jan 12 2024 02:54:42 GMT",
            "Fri, 12 Jan 24 02:54:42 EST",
            "Fri, 12 Jan 2024 24:00:00 -0000",
            "Fri, 12 Jan 2024 02:54:42 Z",
            "2024-01-24T03:27:25Z",
            "2024-01-24T03:27:25.123+01:00",
            "2024-01-24T03:27:25+0100",
            "2024-01-24 03:27:25Z",
            "2024-01-24",
            "2024-01-24T03:27:25",
            "yesterday",
            "",
            "<b>&amp;</b>",
        ];
        let base = Url::parse("https://x.example/feed").unwrap();
        let mut read = 0;
        for date in dates {
            let rss = format!(
                "<rss version=\"2.0\"><channel><title>T</title><item><title>A</title>\
                 <guid>1</guid><pubDate>{}</pubDate></item></channel></rss>",
                html_escape::encode_text(date)
            );
            let theirs = feed_rs::parser::parse(rss.as_bytes()).unwrap().entries[0].published;
            assert_eq!(timestamp(date), theirs, "{date:?}");
            let ours = parse(rss.as_bytes(), &base).unwrap().items[0].published;
            assert_eq!(ours, theirs, "{date:?}");
            read += usize::from(theirs.is_some());
        }
        // Most are dates, read by either path: the comparison is not of two `None`s.
        assert!(read >= 14, "{read}");
    }

    #[test]
    fn body_joins_summary_and_content_once() {
        let join = |s: &str, c: &str| join_body(s.to_string(), c.to_string());
        assert_eq!(join("Lead.", ""), "Lead.");
        assert_eq!(join("", "Full text."), "Full text.");
        assert_eq!(join("Lead.", "Lead. Full text."), "Lead. Full text.");
        assert_eq!(join("Lead.", "Full text."), "Lead.\n\nFull text.");
    }

    #[test]
    fn identity_prefers_guid_then_link_then_hash() {
        assert_eq!(
            identity(Some("abc"), Some("https://x.org/1"), "t", None),
            "guid:abc"
        );
        assert_eq!(
            identity(None, Some("https://X.org/1#c"), "t", None),
            "link:https://x.org/1"
        );
        let a = identity(None, None, "title", None);
        assert!(a.starts_with("hash:"));
        assert_eq!(a, identity(None, None, "title", None));
        assert_ne!(a, identity(None, None, "other title", None));
    }

    #[test]
    fn items_sharing_one_guid_are_told_apart() {
        let rss = r#"<rss version="2.0"><channel><title>T</title>
<item><title>One</title><link>https://x.example/1</link><guid>https://x.example/</guid></item>
<item><title>Two</title><link>https://x.example/2</link><guid>https://x.example/</guid></item>
<item><title>Three</title><guid>unique-3</guid></item>
</channel></rss>"#;
        let items = parse(rss.as_bytes(), &base()).unwrap().items;
        assert_ne!(items[0].identity, items[1].identity);
        assert_eq!(items[2].identity, "guid:unique-3");
        let again = parse(rss.as_bytes(), &base()).unwrap().items;
        assert_eq!(items[1].identity, again[1].identity, "stable across polls");
    }
}
