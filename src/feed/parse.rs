//! Bytes of a feed → [`Item`]s. feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed; this
//! module decides what an item *is* for newshound: its identity (so that re-polls never
//! flag it again), its plain text (HTML turned to text, entities decoded) and its time.
//!
//! Before feed-rs sees a document it is decoded to UTF-8 (see [`super::charset`]) and its
//! XML declaration rewritten to say so, because feed-rs trusts the declaration and reads
//! little but UTF-8 well. Errors say where: feed-rs reports XML errors without a position,
//! so a failing document is scanned again with quick-xml to find one, and the line and
//! column are counted in the text as it was sent.
//!
//! Pure: no I/O, and no input makes it panic (a panic inside the parser is caught and
//! reported as a malformed feed).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Text};
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use sha2::{Digest, Sha256};
use url::Url;

use super::charset;
use crate::model::Item;
use crate::wording::one_line;

/// What the document's own XML declaration is replaced with, once it is UTF-8.
const UTF8_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
/// The longest refresh interval a feed may ask for; beyond it the hint is capped.
const MAX_REFRESH_HINT: Duration = Duration::from_secs(7 * 24 * 3600);
/// A refresh hint shorter than this is not a hint but a mistake.
const MIN_REFRESH_HINT: Duration = Duration::from_secs(60);
/// How much of the document's start is searched for `sy:updatePeriod`.
const HEAD_WINDOW: usize = 64 * 1024;

/// A parsed feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub items: Vec<Item>,
    /// How often the feed says it changes: RSS `<ttl>` or `sy:updatePeriod` divided by
    /// `sy:updateFrequency` (the longer if both), at most 7 days.
    pub refresh_hint: Option<Duration>,
}

/// Why a body is not a usable feed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: {0}")]
    NotAFeed(String),
    /// The message says what was malformed and, when it can, where: "malformed XML at
    /// line 7, column 5: …".
    #[error("{0}")]
    Malformed(String),
}

/// Parses a feed document. `base` resolves relative links.
pub fn parse(bytes: &[u8], base: &Url) -> Result<ParsedFeed, ParseError> {
    parse_response(bytes, base, None)
}

/// Parses a feed document served with `content_type` (its `charset` counts when the
/// document does not say its encoding). `base` resolves relative links.
pub fn parse_response(
    bytes: &[u8],
    base: &Url,
    content_type: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    if let Some(kind) = binary_kind(bytes) {
        return Err(ParseError::NotAFeed(format!("{kind} was served")));
    }
    let decoded = charset::decode(bytes, content_type);
    let document = Document::new(&decoded);
    let text = document.text.as_ref();
    if text.is_empty() {
        return Err(ParseError::NotAFeed("the body is empty".into()));
    }
    if text.chars().take(1024).any(|c| c == '\0') {
        return Err(ParseError::NotAFeed("binary data was served".into()));
    }
    if looks_like_html(text) {
        return Err(ParseError::NotAFeed(
            "an HTML page was served instead of a feed".into(),
        ));
    }
    if !text.starts_with(['<', '{', '[']) {
        return Err(ParseError::NotAFeed(
            "text that is neither XML nor JSON".into(),
        ));
    }
    // A fresh parser for each read: one that failed part-way keeps state that makes it
    // panic on the next document.
    // Relative links resolve against the feed's URL without its credentials: those must
    // not end up in stored links and digests.
    let mut base = base.clone();
    let _ = base.set_username("");
    let _ = base.set_password(None);
    let run = |text: &str| {
        let parser = feed_rs::parser::Builder::new()
            .base_uri(Some(base.as_str()))
            // Leave missing ids empty: `identity` decides what stands in for them.
            .id_generator(|_, _, _| String::new())
            .sanitize_content(false)
            .timestamp_parser(timestamp)
            .build();
        catch_unwind(AssertUnwindSafe(|| parser.parse(text.as_bytes())))
    };
    let feed = match run(text) {
        Ok(Ok(feed)) if !feed.entries.is_empty() => feed,
        first => {
            // Old or sloppy documents that feed-rs refuses, or reads without entries, are
            // read again with their quirks repaired; the first answer stands otherwise.
            let second = repaired(text)
                .and_then(|text| run(&text).ok()?.ok())
                .filter(|feed| !feed.entries.is_empty());
            match second {
                Some(feed) => feed,
                None => first
                    .map_err(|_| {
                        document.malformed_xml("the feed parser failed on this document".into())
                    })?
                    .map_err(|e| document.describe(e))?,
            }
        }
    };
    let refresh_hint = refresh_hint(feed.ttl, head(text));
    let mut items: Vec<Item> = feed.entries.into_iter().map(to_item).collect();
    disambiguate_shared_guids(&mut items);
    Ok(ParsedFeed {
        title: feed.title.map(|t| text_of(&t)),
        items,
        refresh_hint,
    })
}

/// Legacy namespace names and the current ones with the same elements: feed-rs reads the
/// root of Atom 0.3 and RSS 0.90 documents but none of their entries.
const LEGACY_NAMESPACES: [(&str, &str); 2] = [
    ("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom"),
    (
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    ),
];

/// Empty elements that make feed-rs refuse the whole feed ("missing text"), though they
/// say nothing (the New York Times sends `<media:description/>`).
const EMPTY_ELEMENTS: [&str; 4] = [
    "<media:description/>",
    "<media:description />",
    "<media:title/>",
    "<media:title />",
];

/// `text` with the quirks feed-rs cannot read repaired, or `None` if it has none of them:
/// legacy namespace names, an `<rss>` root without a `version` (taken for 2.0), a JSON
/// Feed version URL written with `http:`, and empty media elements.
fn repaired(text: &str) -> Option<String> {
    let mut fixed: Option<String> = None;
    let mut replace = |from: &str, to: &str| {
        let source = fixed.as_deref().unwrap_or(text);
        if source.contains(from) {
            fixed = Some(source.replacen(from, to, 1));
        }
    };
    for (legacy, current) in LEGACY_NAMESPACES {
        replace(legacy, current);
    }
    replace(
        "\"http://jsonfeed.org/version/",
        "\"https://jsonfeed.org/version/",
    );
    for empty in EMPTY_ELEMENTS {
        let source = fixed.as_deref().unwrap_or(text);
        if source.contains(empty) {
            fixed = Some(source.replace(empty, ""));
        }
    }
    let source = fixed.as_deref().unwrap_or(text);
    if let Some(start) = source.find("<rss")
        && source[start + 4..].starts_with(['>', ' ', '\t', '\r', '\n'])
    {
        let tag_end = source[start..]
            .find('>')
            .map_or(source.len(), |i| start + i);
        if !source[start..tag_end].contains("version") {
            let mut with_version = source.to_string();
            with_version.insert_str(start + 4, " version=\"2.0\"");
            fixed = Some(with_version);
        }
    }
    fixed
}

/// A decoded document and the text the parser reads from it: without leading whitespace,
/// with a UTF-8 XML declaration in place of one that names another encoding. Error
/// positions in the parser's text are mapped back to lines and columns of the original.
struct Document<'a> {
    /// The decoded text as it was sent (less a byte order mark).
    original: &'a str,
    /// What the parser reads; `text[prefix..]` is `original[skipped..]`.
    text: Cow<'a, str>,
    prefix: usize,
    skipped: usize,
}

impl<'a> Document<'a> {
    fn new(original: &'a str) -> Document<'a> {
        let rest = original.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        let trimmed = original.len() - rest.len();
        match charset::xml_declaration(rest.as_bytes()) {
            // A declaration that says UTF-8 already stays: the copy would cost a pass over
            // the whole document.
            Some(_) if charset::declares_utf8(rest.as_bytes()) => Document {
                original,
                text: Cow::Borrowed(rest),
                prefix: 0,
                skipped: trimmed,
            },
            Some(length) => Document {
                original,
                text: Cow::Owned(format!("{UTF8_DECLARATION}{}", &rest[length..])),
                prefix: UTF8_DECLARATION.len(),
                skipped: trimmed + length,
            },
            None => Document {
                original,
                text: Cow::Borrowed(rest),
                prefix: 0,
                skipped: trimmed,
            },
        }
    }

    /// Line and column (both from 1, columns in characters) in the original text of a
    /// byte offset into the parser's text.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut at = (offset.saturating_sub(self.prefix) + self.skipped).min(self.original.len());
        while !self.original.is_char_boundary(at) {
            at -= 1;
        }
        let before = &self.original[..at];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The byte offset into the parser's text of a 1-based line and (byte) column in it.
    fn offset_of(&self, line: usize, column: usize) -> usize {
        let text = self.text.as_ref();
        let line_start = if line <= 1 {
            0
        } else {
            text.match_indices('\n')
                .nth(line - 2)
                .map_or(text.len(), |(i, _)| i + 1)
        };
        (line_start + column.saturating_sub(1)).min(text.len())
    }

    fn at(&self, what: &str, offset: usize, reason: &str) -> ParseError {
        let (line, column) = self.line_column(offset);
        ParseError::Malformed(format!(
            "malformed {what} at line {line}, column {column}: {}",
            one_line(reason)
        ))
    }

    /// An XML error, placed by scanning the text again with quick-xml; `reason` is used
    /// when the scan finds nothing wrong.
    fn malformed_xml(&self, reason: String) -> ParseError {
        match first_xml_error(&self.text) {
            Some((offset, found)) => self.at("XML", offset, &found),
            None => ParseError::Malformed(format!("malformed XML: {}", one_line(&reason))),
        }
    }

    fn describe(&self, error: ParseFeedError) -> ParseError {
        match error {
            ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => {
                ParseError::NotAFeed("no RSS, Atom or JSON Feed document found".into())
            }
            ParseFeedError::JsonSerde(e) if e.is_data() => {
                ParseError::NotAFeed(format!("JSON that is not a JSON Feed ({e})"))
            }
            ParseFeedError::JsonSerde(e) => {
                let offset = self.offset_of(e.line(), e.column());
                // serde_json's message ends with its own (shifted) position; drop it.
                let reason = e.to_string();
                let reason = reason.split(" at line ").next().unwrap_or(&reason);
                self.at("JSON", offset, reason)
            }
            ParseFeedError::JsonUnsupportedVersion(v) => {
                ParseError::NotAFeed(format!("unsupported JSON Feed version {v}"))
            }
            ParseFeedError::XmlReader(e) => self.malformed_xml(e.to_string()),
            ParseFeedError::ParseError(ParseErrorKind::MissingContent {
                position,
                reference,
            }) => self.at(
                "feed",
                usize::try_from(position).unwrap_or(usize::MAX),
                &format!("missing {reference}"),
            ),
            ParseFeedError::ParseError(ParseErrorKind::UnknownMimeType { position, mime }) => self
                .at(
                    "feed",
                    usize::try_from(position).unwrap_or(usize::MAX),
                    &format!("unsupported content type {mime}"),
                ),
            other => {
                ParseError::Malformed(format!("malformed feed: {}", one_line(&other.to_string())))
            }
        }
    }
}

/// The byte offset and description of the first XML error in `text`, read the way feed-rs
/// reads it. A document cut off inside an element (a truncated download) is an error at
/// its end, which quick-xml alone does not report.
fn first_xml_error(text: &str) -> Option<(usize, String)> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.trim_markup_names_in_closing_tags = true;
    let mut open: Vec<String> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => {
                let innermost = open.last()?;
                let reason = format!("the document ends inside <{innermost}>");
                return Some((text.len(), reason));
            }
            Ok(Event::Start(start)) => open.push(start.name().into_inner().to_string()),
            Ok(Event::End(_)) => {
                open.pop();
            }
            Ok(_) => {}
            Err(e) => {
                let offset = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Some((offset, e.to_string()));
            }
        }
    }
}

/// Names the kind of binary file a body is, from its first bytes: an image or archive
/// served where a feed was expected.
fn binary_kind(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"GIF8", "a GIF image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"\x1f\x8b", "gzip-compressed data without Content-Encoding"),
    ];
    MAGIC
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// An HTML page served where a feed was expected (a login wall, an error page, a moved
/// site) is the most common "feed" failure; name it as such.
fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

/// The start of the document up to its first item or entry, where a channel says how
/// often it changes.
fn head(text: &str) -> &str {
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
fn refresh_hint(ttl_minutes: Option<u32>, head: &str) -> Option<Duration> {
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

/// A feed's date as feed-rs reads it, well-formed RFC 3339 and RFC 2822 dates without
/// its help. feed-rs's own reading runs a dozen regular expressions over every date before
/// it tries a format, which was a tenth of the cost of parsing a feed; a date those
/// formats take as it is reads the same either way (the rewrites only repair what they
/// refuse), and any other goes to feed-rs as before.
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
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
        // Lower-cased in a buffer rather than a new string per tag. Every name below is
        // shorter than the buffer; a longer one is simply none of them.
        let mut buffer = [0u8; 12];
        let raw = tag.trim_start_matches('/').as_bytes();
        let len = raw.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let name = match buffer.get_mut(..len) {
            Some(name) => {
                name.copy_from_slice(&raw[..len]);
                name.make_ascii_lowercase();
                std::str::from_utf8(name).unwrap_or_default()
            }
            None => "",
        };
        if !tag.starts_with('/') && matches!(name, "script" | "style" | "noscript" | "template") {
            rest = skip_element(rest, name);
            continue;
        }
        match name {
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
/// This runs over every item's text, most of which is already spaced as it should be:
/// only a run of blanks that reads otherwise (two spaces, a tab, a leading or trailing
/// one) makes it copy what lies before and write the run anew, and printable ASCII is
/// skipped without decoding it.
fn collapse_whitespace(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // `text[copied..at]` reads as it is to be written and has yet to be copied.
    let mut copied = 0;
    let mut seen_text = false;
    let mut at = 0;
    while at < bytes.len() {
        let (mut width, mut blank) = blank_at(text, at);
        if blank == Blank::No {
            seen_text = true;
            at = skip_plain(bytes, at + width);
            while at < bytes.len() && bytes[at] > b' ' && bytes[at] < 0x80 {
                at += 1;
            }
            continue;
        }
        let run = at;
        let mut newlines = 0;
        loop {
            if blank == Blank::LineBreak {
                newlines += 1;
            }
            at += width;
            if at == bytes.len() {
                break;
            }
            (width, blank) = blank_at(text, at);
            if blank == Blank::No {
                break;
            }
        }
        let written = match newlines {
            _ if !seen_text || at == bytes.len() => "",
            0 => " ",
            1 => "\n",
            _ => "\n\n",
        };
        if &text[run..at] != written {
            out.push_str(&text[copied..run]);
            out.push_str(written);
            copied = at;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Skips, eight bytes at a time, text after a word that is written as it is: printable
/// ASCII, single spaces between words. Stops at or before the first byte that may need
/// more (a control character, a non-ASCII byte, a space before another blank), and
/// within the last eight bytes. The masks may flag a byte that needs nothing (a borrow
/// carried into the lane above a flagged one), which only stops the skip early; a byte
/// that needs something is always flagged.
fn skip_plain(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bit 7 of each lane whose byte is below `n`, for bytes below 0x80.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    while let Some(window) = bytes.get(at..at + 9) {
        let lanes =
            |from: usize| u64::from_le_bytes(window[from..from + 8].try_into().unwrap_or_default());
        let (word, next) = (lanes(0), lanes(1));
        let blank = below(word, 0x21);
        if word & HIGH != 0
            || below(word, 0x20) != 0
            || blank & (below(next, 0x21) | next & HIGH) != 0
        {
            break;
        }
        at += 8;
    }
    at
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blank {
    No,
    Space,
    LineBreak,
}

/// The width in bytes of the character at `at` and whether it is a space or a line break.
/// Only a non-ASCII byte is decoded.
fn blank_at(text: &str, at: usize) -> (usize, Blank) {
    match text.as_bytes()[at] {
        b'\n' | b'\r' => (1, Blank::LineBreak),
        b' ' | b'\t' | 0x0b | 0x0c => (1, Blank::Space),
        byte if byte < 0x80 => (1, Blank::No),
        _ => {
            let c = text[at..].chars().next().unwrap_or_default();
            let blank = if matches!(c, '\u{2028}' | '\u{2029}') {
                Blank::LineBreak
            } else if c.is_whitespace() {
                Blank::Space
            } else {
                Blank::No
            };
            (c.len_utf8().max(1), blank)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.org/feed.xml").unwrap()
    }

    /// The run-at-a-time copy against the plain per-character rule, on text made of
    /// pieces that put every kind of space next to every other.
    #[test]
    fn collapsing_whitespace_copies_runs_as_the_per_character_rule_would() {
        fn reference(text: &str) -> String {
            let mut out = String::new();
            let (mut pending_space, mut newlines) = (false, 0);
            for c in text.chars() {
                if matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}') {
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
        const PIECES: &[&str] = &[
            "a",
            "ğ",
            "S-400",
            " ",
            "  ",
            "\t",
            "\n",
            "\r\n",
            "\u{a0}",
            "\u{2028}",
            "中",
            ".",
            "\u{85}",
            "\u{3000}",
            "\u{2029}",
            "\u{1}",
            "\u{7f}",
            "\u{b}",
            "é",
            "😀",
            "\u{202f}",
            "word",
            "two words",
            "  ",
            " !",
            "~ ",
            "!\"#$%&",
            "x y z w v",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 16) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            assert_eq!(collapse_whitespace(&text), reference(&text), "{text:?}");
        }
        // Plain text read eight bytes at a time, with one odd piece at every offset.
        let plain = "The quick brown fox, jumps (over) the lazy dog's back: S-400 & F-35 ~ end.";
        for odd in PIECES {
            for at in 0..=plain.len() {
                let text = format!("{}{odd}{}", &plain[..at], &plain[at..]);
                assert_eq!(collapse_whitespace(&text), reference(&text), "{text:?}");
            }
        }
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
    fn relative_links_do_not_inherit_the_feeds_credentials() {
        let doc = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>/article/1</link></item></channel></rss>"#;
        let base = Url::parse("https://reader:hunter2@feeds.example.org/private.xml").unwrap();
        let feed = parse(doc.as_bytes(), &base).unwrap();
        assert_eq!(
            feed.items[0].link.as_deref(),
            Some("https://feeds.example.org/article/1")
        );
    }

    /// Documents feed-rs refuses or reads without entries until their quirk is repaired.
    #[test]
    fn old_and_sloppy_documents_yield_their_items() {
        let cases = [
            (
                "Atom 0.3",
                r#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
                   <title>Old blog</title>
                   <entry><title>First post</title><id>tag:old,1</id>
                   <link rel="alternate" type="text/html" href="http://old.example/1"/>
                   <issued>2006-03-18T13:45:15Z</issued></entry></feed>"#,
            ),
            (
                "RSS 0.90",
                r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
                   xmlns="http://my.netscape.com/rdf/simple/0.9/">
                   <channel><title>Old news</title><link>http://old.example/</link></channel>
                   <item><title>First post</title><link>http://old.example/1</link></item>
                   </rdf:RDF>"#,
            ),
            (
                "RSS without a version",
                r#"<rss><channel><title>T</title>
                   <item><title>First post</title><link>http://old.example/1</link></item>
                   </channel></rss>"#,
            ),
            (
                "an empty media:description",
                r#"<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title>
                   <item><title>First post</title><link>http://old.example/1</link>
                   <media:content url="http://old.example/1.jpg"><media:description/></media:content>
                   </item></channel></rss>"#,
            ),
            (
                "JSON Feed with an http version URL",
                r#"{"version": "http://jsonfeed.org/version/1", "title": "T",
                    "items": [{"id": "1", "title": "First post", "url": "http://old.example/1"}]}"#,
            ),
        ];
        let base = Url::parse("https://old.example/feed").unwrap();
        for (name, doc) in cases {
            let feed = parse(doc.as_bytes(), &base).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(feed.items.len(), 1, "{name}");
            assert_eq!(feed.items[0].title, "First post", "{name}");
        }
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

    fn utf16_be(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        bytes
    }

    /// feed-rs's XML reader panicked on UTF-16BE (with or without a BOM), which made every
    /// such feed "malformed".
    #[test]
    fn utf16_big_endian_feed_no_longer_panics_the_parser() {
        let mut doc = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<rss version=\"2.0\"><channel><title>Haberler</title>",
        );
        for n in 0..200 {
            doc.push_str(&format!(
                "<item><title>Erdoğan {n}</title><guid>h-{n}</guid></item>\n"
            ));
        }
        doc.push_str("</channel></rss>");
        let feed = parse(&utf16_be(&doc), &base()).unwrap();
        assert_eq!(feed.items.len(), 200);
        assert_eq!(feed.items[7].title, "Erdoğan 7");
        let without_bom = &utf16_be(&doc)[2..];
        assert_eq!(parse(without_bom, &base()).unwrap().items.len(), 200);
    }

    #[test]
    fn encodings_reach_the_titles() {
        let rss = |decl: &str, title: &[u8]| {
            [
                decl.as_bytes(),
                b"<rss version=\"2.0\"><channel><title>T</title><item><title>",
                title,
                b"</title><guid>1</guid></item></channel></rss>",
            ]
            .concat()
        };
        let latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>";
        let utf8 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
            ("Latin-1 declared", rss(latin1, b"Caf\xe9"), None, "Café"),
            (
                "windows-1252 declared UTF-8",
                rss(utf8, b"Caf\xe9 \x96 \x93news\x94"),
                None,
                "Café – “news”",
            ),
            (
                "one bad byte in UTF-8",
                rss(utf8, b"Erdo\xc4\x9fan \xc3\xa9t\xc3\xa9 \xff"),
                None,
                "Erdoğan été \u{fffd}",
            ),
            (
                "UTF-8 BOM and blank lines",
                [
                    b"\xef\xbb\xbf\n\n  \r\n".as_slice(),
                    &rss(utf8, "Erdoğan".as_bytes()),
                ]
                .concat(),
                None,
                "Erdoğan",
            ),
            (
                "charset only in Content-Type",
                rss("", b"Caf\xe9"),
                Some("application/rss+xml; charset=ISO-8859-1"),
                "Café",
            ),
            (
                "declaration over Content-Type",
                rss(latin1, b"Caf\xe9"),
                Some("text/xml; charset=utf-8"),
                "Café",
            ),
        ];
        for (what, bytes, content_type, title) in cases {
            let feed = parse_response(&bytes, &base(), content_type)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(feed.items[0].title, title, "{what}");
        }
    }

    #[test]
    fn malformed_documents_say_where() {
        let cases = [
            (
                "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n  <item><title>x</item>\n</channel></rss>",
                "malformed XML at line 4, column 17: ill-formed document: expected `</title>`",
            ),
            (
                // Leading blank lines and a rewritten declaration do not shift the count.
                "\n\n<?xml version=\"1.0\" encoding=\"iso-8859-1\" standalone=\"yes\"?><rss version=\"2.0\"><channel>\n<item><title>x</ti",
                "malformed XML at line 4, column 15: ",
            ),
            (
                "<rss version=\"2.0\"><channel><title>T</title>\n<item><title>x</title></item>\n",
                "malformed XML at line 3, column 1: the document ends inside <channel>",
            ),
            (
                "{\"version\": \"https://jsonfeed.org/version/1.1\",\n  \"items\": [",
                "malformed JSON at line 2, column 12: EOF while parsing a list",
            ),
        ];
        for (doc, message) in cases {
            let error = parse(doc.as_bytes(), &base()).unwrap_err();
            let text = error.to_string();
            assert!(text.starts_with(message), "{text:?} for {doc:?}");
            assert!(!text.contains('\n'), "{text:?}");
            assert!(matches!(error, ParseError::Malformed(_)));
        }
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

    #[test]
    fn binary_and_odd_bodies_are_not_feeds() {
        let cases: [(&[u8], Option<&str>, &str); 6] = [
            (
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
                None,
                "not a feed: a PNG image was served",
            ),
            (
                b"\xff\xd8\xff\xe0\0\x10JFIF",
                Some("image/jpeg"),
                "not a feed: a JPEG image",
            ),
            (b"\0\0\0\x18ftypmp42", None, "not a feed: binary data"),
            (b" \r\n\t ", None, "not a feed: the body is empty"),
            (b"\xef\xbb\xbf", None, "not a feed: the body is empty"),
            (
                b"Service temporarily unavailable",
                None,
                "not a feed: text that is neither",
            ),
        ];
        for (body, content_type, message) in cases {
            let error = parse_response(body, &base(), content_type).unwrap_err();
            assert!(
                error.to_string().starts_with(message),
                "{error} for {body:?}"
            );
        }
    }
}
