//! How often a feed says it changes: RSS `<ttl>`, or the syndication module's
//! `sy:updatePeriod` / `sy:updateFrequency`, which feed-rs does not keep and which are
//! therefore found by a plain text search of the channel's head.
//!
//! Pure: no I/O.

use std::time::Duration;

/// The longest refresh interval a feed may ask for; beyond it the hint is capped.
const MAX_REFRESH_HINT: Duration = Duration::from_secs(7 * 24 * 3600);
/// A refresh hint shorter than this is not a hint but a mistake.
const MIN_REFRESH_HINT: Duration = Duration::from_secs(60);
/// How much of the document's start is searched for `sy:updatePeriod`.
const HEAD_WINDOW: usize = 64 * 1024;

/// The start of the document up to its first item or entry, where a channel says how
/// often it changes.
pub(super) fn head(text: &str) -> &str {
    let mut end = text.len().min(HEAD_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = &text[..end];
    // One pass over the `<`s: a search for each tag would read the whole window for the
    // one the document does not use.
    let first_item = window
        .match_indices('<')
        .map(|(at, _)| at)
        .find(|&at| window[at + 1..].starts_with("item") || window[at + 1..].starts_with("entry"))
        .unwrap_or(end);
    &window[..first_item]
}

/// The longer of `<ttl>` (minutes) and the syndication module's period divided by its
/// frequency, capped at [`MAX_REFRESH_HINT`]; zero and sub-minute values are ignored.
pub(super) fn refresh_hint(ttl_minutes: Option<u32>, head: &str) -> Option<Duration> {
    let ttl = ttl_minutes.map(|minutes| Duration::from_secs(u64::from(minutes) * 60));
    let hint = ttl
        .filter(|d| *d >= MIN_REFRESH_HINT)
        .max(syndication_period(head).filter(|d| *d >= MIN_REFRESH_HINT))?;
    Some(hint.min(MAX_REFRESH_HINT))
}

/// `sy:updatePeriod` / `sy:updateFrequency` (RSS 1.0 syndication module), found by a
/// plain text search because feed-rs does not keep them.
fn syndication_period(head: &str) -> Option<Duration> {
    const HOUR: u64 = 3600;
    let period = match element_text(head, "updatePeriod")?
        .to_ascii_lowercase()
        .as_str()
    {
        "hourly" => HOUR,
        "daily" => 24 * HOUR,
        "weekly" => 7 * 24 * HOUR,
        "monthly" => 30 * 24 * HOUR,
        "yearly" => 365 * 24 * HOUR,
        _ => return None,
    };
    let frequency = match element_text(head, "updateFrequency") {
        None => 1,
        Some(text) => text.parse::<u64>().ok().filter(|f| *f > 0)?,
    };
    Some(Duration::from_secs(period) / u32::try_from(frequency).unwrap_or(u32::MAX))
}

/// The text of the first `<name>` or `<prefix:name>` element in `text`.
fn element_text<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    for (at, _) in text.match_indices(name) {
        let before = &text[..at];
        let Some(open) = before.rfind('<') else {
            continue;
        };
        let qualifier = &before[open + 1..];
        let plain = qualifier.is_empty()
            || qualifier.strip_suffix(':').is_some_and(|prefix| {
                !prefix.is_empty()
                    && prefix
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            });
        let after = &text[at + name.len()..];
        if !plain || !after.starts_with(|c: char| c == '>' || c.is_whitespace()) {
            continue;
        }
        let content = &after[after.find('>')? + 1..];
        let end = content.find('<').unwrap_or(content.len());
        return Some(content[..end].trim());
    }
    None
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::feed::parse::parse;

    fn base() -> Url {
        Url::parse("https://news.example.org/feed.xml").unwrap()
    }

    #[test]
    fn refresh_hints_from_ttl_and_syndication() {
        let hour = Duration::from_secs(3600);
        let rss = |channel: &str| {
            format!(
                "<rss version=\"2.0\" xmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\">\
                 <channel><title>T</title>{channel}<item><title>i</title>\
                 <description>sy:updatePeriod is daily</description></item></channel></rss>"
            )
        };
        let cases = [
            ("", None),
            ("<ttl>60</ttl>", Some(hour)),
            ("<ttl>0</ttl>", None),
            ("<ttl>soon</ttl>", None),
            ("<ttl>999999</ttl>", Some(MAX_REFRESH_HINT)),
            ("<sy:updatePeriod>hourly</sy:updatePeriod>", Some(hour)),
            (
                "<sy:updatePeriod> daily </sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>",
                Some(hour * 6),
            ),
            (
                "<sy:updatePeriod>yearly</sy:updatePeriod>",
                Some(MAX_REFRESH_HINT),
            ),
            (
                "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>0</sy:updateFrequency>",
                None,
            ),
            (
                "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>3600</sy:updateFrequency>",
                None,
            ),
            ("<sy:updatePeriod>fortnightly</sy:updatePeriod>", None),
            (
                "<ttl>30</ttl><sy:updatePeriod>hourly</sy:updatePeriod>",
                Some(hour),
            ),
            (
                "<ttl>120</ttl><sy:updatePeriod>hourly</sy:updatePeriod>",
                Some(hour * 2),
            ),
            (
                "<syn:updatePeriod>weekly</syn:updatePeriod>",
                Some(hour * 24 * 7),
            ),
        ];
        for (channel, expected) in cases {
            let feed = parse(rss(channel).as_bytes(), &base()).unwrap();
            assert_eq!(feed.refresh_hint, expected, "{channel}");
        }
        // In RSS 1.0 the channel (and its sy: elements) comes before the items, outside.
        let rdf = r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
            xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
            <channel rdf:about="https://x.example/"><title>R</title>
            <sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency></channel>
            <item rdf:about="https://x.example/1"><title>One</title><link>https://x.example/1</link></item>
            </rdf:RDF>"#;
        let feed = parse(rdf.as_bytes(), &base()).unwrap();
        assert_eq!(feed.items.len(), 1);
        assert_eq!(feed.refresh_hint, Some(hour * 12));
    }
}
