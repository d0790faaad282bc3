//! Bytes of a feed → [`Item`]s. feed-rs reads RSS 0.9x/1.0/2.0, Atom and JSON Feed; this
//! module drives it: it refuses what is not a feed, repairs the quirks feed-rs cannot read,
//! catches its panics and says where a document is malformed. What an item *is* for
//! newshound (its identity, its plain text, its time) is decided in [`super::item`], how
//! often the feed asks to be read in `hints`.
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
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

use super::charset;
use super::hints::{head, refresh_hint};
use super::item::{disambiguate_shared_guids, text_of, timestamp, to_item};
use crate::model::Item;
use crate::wording::one_line;

/// What the document's own XML declaration is replaced with, once it is UTF-8.
const UTF8_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.org/feed.xml").unwrap()
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
