//! Bytes of a feed → [`Item`]s. feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed; this
//! module decides what an item *is* for newshound: its identity (so that re-polls never
//! flag it again), its plain text (HTML turned to text, entities decoded) and its time.
//! Pure: no I/O, and no input makes it panic (a panic inside the parser is caught and
//! reported as a malformed feed).

use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use sha2::{Digest, Sha256};
use url::Url;

use crate::model::Item;

/// A parsed feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub items: Vec<Item>,
}

/// Why a body is not a usable feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    #[error("malformed feed: {0}")]
    Malformed(String),
}

/// Parses a feed document. `base` resolves relative links.
pub fn parse(bytes: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    parse_response(bytes, base, None)
}

/// Parses a feed document served with `content_type` (its `charset` is used when the
/// document does not say its encoding). `base` resolves relative links.
pub fn parse_response(
    bytes: &[u8],
    base: &Url,
    content_type: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let _ = content_type;
    let bytes = trim_leading_whitespace(bytes);
    if bytes.is_empty() {
        return Err(ParseError::NotAFeed("the body is empty".into()));
    }
    if looks_like_html(bytes) {
        return Err(ParseError::NotAFeed(
            "an HTML page was served instead of a feed".into(),
        ));
    }
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // Leave missing ids empty: `identity` decides what stands in for them.
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let feed = catch_unwind(AssertUnwindSafe(|| parser.parse(bytes)))
        .map_err(|_| ParseError::Malformed("the feed parser failed on this document".into()))?
        .map_err(describe)?;
    let mut items: Vec<Item> = feed.entries.into_iter().map(to_item).collect();
    disambiguate_shared_guids(&mut items);
    Ok(ParsedFeed {
        title: feed.title.map(|t| text_of(&t)),
        items,
    })
}

fn describe(error: ParseFeedError) -> ParseError {
    match error {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
            ParseError::NotAFeed("no RSS, Atom or JSON Feed document found".into())
        }
        ParseFeedError::JsonSerde(e) => {
            ParseError::NotAFeed(format!("JSON that is not a JSON Feed ({e})"))
        }
        ParseFeedError::JsonUnsupportedVersion(v) => {
            ParseError::NotAFeed(format!("unsupported JSON Feed version {v}"))
        }
        other => ParseError::Malformed(other.to_string()),
    }
}

fn trim_leading_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// An HTML page served where a feed was expected (a login wall, an error page, a moved
/// site) is the most common "feed" failure; name it as such.
fn looks_like_html(bytes: &[u8]) -> bool {
    let head: Vec<u8> = bytes
        .iter()
        .skip_while(|b| **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .take(512)
        .map(u8::to_ascii_lowercase)
        .collect();
    let head = String::from_utf8_lossy(&head);
    let head = head.trim_start();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

fn to_item(entry: Entry) -> Item {
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
fn disambiguate_shared_guids(items: &mut [Item]) {
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
fn text_of(text: &Text) -> String {
    if is_html(text.content_type.as_ref()) {
        html_to_text(&text.content)
    } else {
        collapse_whitespace(&html_escape::decode_html_entities(&text.content))
    }
}

/// The identity of an item within its feed: its guid/id, else its canonical link, else a
/// hash of its title and date.
pub fn identity(
    guid: Option<&str>,
    link: Option<&str>,
    title: &str,
    published: Option<DateTime<Utc>>,
) -> String {
    if let Some(guid) = guid.filter(|g| !g.is_empty()) {
        return format!("guid:{guid}");
    }
    if let Some(link) = link.and_then(canonical_link) {
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

/// A link in canonical form: lower-case scheme and host (the URL parser does that), no
/// fragment, no `utm_*` tracking parameters. `None` if it is not an absolute URL.
pub fn canonical_link(link: &str) -> Option<String> {
    let mut url = Url::parse(link.trim()).ok()?;
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("utm_"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else if url.query().is_some() {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    Some(url.to_string())
}

/// HTML → readable plain text: tags dropped (block elements become line breaks, inline
/// ones vanish so `<b>S</b>-400` stays one word), `script`/`style` skipped, entities
/// decoded, whitespace collapsed. Tolerates broken markup; linear in the input.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        push_decoded(&mut out, &rest[..open]);
        let after = &rest[open + 1..];
        if let Some(comment) = after.strip_prefix("!--") {
            rest = comment.find("-->").map_or("", |end| &comment[end + 3..]);
            continue;
        }
        let starts_tag = after
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?');
        if !starts_tag {
            out.push('<');
            rest = after;
            continue;
        }
        let Some(close) = after.find('>') else {
            // No tag ends after this point, so none of the rest is markup. Stopping here
            // also keeps the work linear on text full of unclosed `<`.
            out.push('<');
            push_decoded(&mut out, after);
            rest = "";
            break;
        };
        let tag = &after[..close];
        rest = &after[close + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if !tag.starts_with('/')
            && matches!(name.as_str(), "script" | "style" | "noscript" | "template")
        {
            rest = skip_element(rest, &name);
            continue;
        }
        match name.as_str() {
            "a" | "abbr" | "b" | "bdi" | "bdo" | "cite" | "code" | "data" | "del" | "dfn"
            | "em" | "font" | "i" | "ins" | "kbd" | "mark" | "q" | "s" | "samp" | "small"
            | "span" | "strong" | "sub" | "sup" | "time" | "u" | "var" | "wbr" => {}
            "br" | "p" | "div" | "li" | "ul" | "ol" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
            | "blockquote" | "pre" | "table" | "tr" | "section" | "article" | "header"
            | "footer" | "figure" | "figcaption" | "hr" | "dl" | "dt" | "dd" | "aside" => {
                out.push('\n')
            }
            _ => out.push(' '),
        }
    }
    push_decoded(&mut out, rest);
    collapse_whitespace(&out)
}

fn push_decoded(out: &mut String, text: &str) {
    if text.contains('&') {
        out.push_str(&html_escape::decode_html_entities(text));
    } else {
        out.push_str(text);
    }
}

/// Skips to after `</name>` (any case), or to the end. Scans forward only, so skipping
/// many elements costs one pass over the text.
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let mut from = 0;
    while let Some(found) = rest[from..].find("</") {
        let at = from + found;
        let candidate = &rest.as_bytes()[at + 2..];
        if candidate.len() >= name.len()
            && candidate[..name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return rest[at..].find('>').map_or("", |end| &rest[at + end + 1..]);
        }
        from = at + 2;
    }
    ""
}

/// Runs of spaces become one space; line breaks are kept, at most one blank line in a row.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    let mut newlines = 0;
    for c in text.chars() {
        if c == '\n' || c == '\r' || c == '\u{2028}' || c == '\u{2029}' {
            newlines += 1;
            pending_space = false;
        } else if c.is_whitespace() {
            pending_space = true;
        } else {
            if !out.is_empty() {
                if newlines > 0 {
                    out.push_str(if newlines > 1 { "\n\n" } else { "\n" });
                } else if pending_space {
                    out.push(' ');
                }
            }
            newlines = 0;
            pending_space = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.org/feed.xml").unwrap()
    }

    #[test]
    fn html_becomes_text() {
        let cases = [
            ("<p>Hello <b>S</b>-400 world</p>", "Hello S-400 world"),
            ("a<br>b", "a\nb"),
            ("<p>one</p><p>two</p>", "one\n\ntwo"),
            ("Erdo&#287;an &amp; co &#8217;", "Erdoğan & co ’"),
            ("x<script>alert('<p>')</script>y", "xy"),
            ("x<STYLE>p{}</STYLE>y", "xy"),
            ("a <!-- hidden --> b", "a b"),
            ("3 < 4 and 5 > 2", "3 < 4 and 5 > 2"),
            ("unclosed <b", "unclosed <b"),
            ("<img src=x onerror=alert(1)>caption", "caption"),
            ("  lots \t of   space  ", "lots of space"),
            ("", ""),
        ];
        for (html, text) in cases {
            assert_eq!(html_to_text(html), text, "for {html:?}");
        }
    }

    #[test]
    fn hostile_markup_takes_linear_time() {
        // Each of these used to rescan the rest of the text once per `<`.
        let unclosed = "<a".repeat(200_000);
        assert!(html_to_text(&unclosed).starts_with("<a<a"));
        let scripts = "<script></script>".repeat(50_000) + "end";
        assert_eq!(html_to_text(&scripts), "end");
        let upper = "<SCRIPT>x</SCRIPT>".repeat(50_000) + "end";
        assert_eq!(html_to_text(&upper), "end");
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
    fn canonical_links() {
        let cases = [
            (
                "https://EXAMPLE.org/a?utm_source=x&id=3#top",
                "https://example.org/a?id=3",
            ),
            (
                "https://example.org/a?utm_source=x&utm_medium=y",
                "https://example.org/a",
            ),
            ("http://Example.ORG/Path/", "http://example.org/Path/"),
        ];
        for (link, canonical) in cases {
            assert_eq!(
                canonical_link(link).as_deref(),
                Some(canonical),
                "for {link}"
            );
        }
        assert_eq!(canonical_link("/relative"), None);
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
    fn parses_rss_with_html_description() {
        let rss = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Wire</title><link>https://news.example.org/</link>
<item><title>Ankara &amp; the S-400</title><link>/world/1</link>
<guid isPermaLink="false">w-1</guid><pubDate>Sat, 21 Nov 2026 10:00:00 GMT</pubDate>
<description><![CDATA[<p>Turkey&#8217;s <b>S-400</b> deal.</p>]]></description></item>
<item><title>No guid</title><link>https://news.example.org/world/2?utm_source=rss</link></item>
</channel></rss>"#;
        let feed = parse(rss.as_bytes(), &base()).unwrap();
        assert_eq!(feed.title.as_deref(), Some("Wire"));
        let [first, second] = feed.items.as_slice() else {
            panic!("two items expected, got {:?}", feed.items)
        };
        assert_eq!(first.title, "Ankara & the S-400");
        assert_eq!(first.body, "Turkey’s S-400 deal.");
        assert_eq!(first.identity, "guid:w-1");
        assert_eq!(
            first.link.as_deref(),
            Some("https://news.example.org/world/1")
        );
        assert!(first.published.is_some());
        assert_eq!(second.guid, None);
        assert_eq!(second.identity, "link:https://news.example.org/world/2");
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

    #[test]
    fn parses_atom_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
<entry><id>urn:a:1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; news</title>
<updated>2026-11-20T08:00:00Z</updated><link href="https://a.example/1"/>
<content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry></feed>"#;
        let feed = parse(atom.as_bytes(), &base()).unwrap();
        assert_eq!(feed.items[0].title, "Bold news");
        assert_eq!(feed.items[0].body, "Body");
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J",
"items":[{"id":"j1","content_text":"Short post without a title about NATO"}]}"#;
        let feed = parse(json.as_bytes(), &base()).unwrap();
        assert_eq!(feed.items[0].identity, "guid:j1");
        assert_eq!(feed.items[0].title, "Short post without a title about NATO");
    }

    #[test]
    fn refuses_what_is_not_a_feed() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "empty"),
            (
                b"<!DOCTYPE html><html><body>Login</body></html>",
                "HTML page",
            ),
            (b"{\"hello\": 1}", "JSON"),
            (
                b"<rss version=\"2.0\"><channel><item><title>x</ti",
                "malformed",
            ),
            (b"\x89PNG\r\n\x1a\n\0\0\0", "not a feed"),
        ];
        for (body, what) in cases {
            let result = parse(body, &base());
            assert!(result.is_err(), "{what}: {result:?}");
        }
    }
}
