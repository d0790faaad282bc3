//! OPML, the subscription list every feed reader imports and exports: reading one into the
//! feeds to add (folders and categories become tags), and writing feeds as OPML 2.0.
//!
//! Pure: bytes in, text out. The CLI reads the files, loads the configuration and writes
//! the `conf.d/` file; everything it decides (which feeds are new, their names and tags,
//! the TOML) is decided here, where a table test can reach it.
//!
//! Real exports are looser than the spec, and reading is forgiving where the intent is
//! plain: attribute names in any case (`xmlURL`), HTML entities (`&eacute;`), the file's
//! declared encoding (or, where it declares none that reads it, the one its bytes suggest,
//! as for feeds), a feed filed under two folders (one feed with both tags). What
//! cannot be imported as meant (a feed outline without a URL, a URL that is not http(s),
//! a file that is not OPML) is an error naming the line, so nothing is half-imported.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use url::Url;

use crate::feed::charset;
use crate::wording::one_line;

/// Tags a feed takes from the folders around it (the innermost) and from its `category`.
const MAX_FOLDER_TAGS: usize = 8;
const MAX_CATEGORY_TAGS: usize = 16;

/// A feed outline of an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Its `title` (else `text`: some readers put a description in `text`) attribute, on one line; `None` when both are empty.
    pub title: Option<String>,
    pub url: Url,
    /// The enclosing folders, outermost first, then its `category` entries.
    pub tags: Vec<String>,
    /// The line of its `<outline`, 1-based.
    pub line: usize,
}

/// What an OPML file holds, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub subscriptions: Vec<Subscription>,
    /// Folders with no feed in them (line, name): nothing to import, worth a mention.
    pub empty_folders: Vec<(usize, String)>,
}

/// Why a file cannot be imported. Every variant that concerns one outline names its line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpmlError {
    #[error("not well-formed XML at line {line}, column {column}: {reason}")]
    Xml {
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("not an OPML file: {0}")]
    NotOpml(String),
    #[error("no <outline> in the OPML <body>: there are no feeds to import")]
    NoOutlines,
    #[error("line {line}: {outline} has no xmlUrl, so there is no feed to subscribe to")]
    MissingUrl { line: usize, outline: String },
    #[error("line {line}: {outline}: xmlUrl `{url}` {reason}")]
    BadUrl {
        line: usize,
        outline: String,
        url: String,
        reason: String,
    },
}

/// Reads an OPML file. Bytes, not text: the file declares its own encoding, and is
/// decoded as a feed is, by the same rules (see `feed::charset`).
pub fn parse(bytes: &[u8]) -> Result<Document, OpmlError> {
    let text = charset::decode(bytes, None);
    parse_str(&text)
}

fn parse_str(text: &str) -> Result<Document, OpmlError> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(text);
    let mut document = Document::default();
    // Open elements; for an open outline, the folder name it contributes (None for a feed
    // outline with children, which some readers write) and how many outlines it holds.
    let mut open: Vec<Open> = Vec::new();
    let mut lines = Lines::default();
    let mut root_seen = false;
    let mut in_body = false;
    let mut outlines = 0usize;
    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            xml_error(text, at, &e.to_string())
        })?;
        let (element, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                if let Some(Open::Outline { folder, children }) = open.pop()
                    && children == 0
                    && let Some((line, name)) = folder
                {
                    document.empty_folders.push((line, name));
                }
                if open.len() == 1 {
                    in_body = false;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = element.local_name().into_inner().to_lowercase();
        if !root_seen {
            root_seen = true;
            if name != "opml" {
                return Err(OpmlError::NotOpml(format!(
                    "the document is <{name}>, where an OPML file is <opml>"
                )));
            }
        } else if open.len() == 1 && name == "body" {
            in_body = true;
        }
        let line = lines.at(text, start);
        if !(in_body && name == "outline") {
            if !empty {
                open.push(Open::Other);
            }
            continue;
        }

        outlines += 1;
        if let Some(Open::Outline { children, .. }) = open.last_mut() {
            *children += 1;
        }
        let attributes = Attributes::read(&element, text, start)?;
        let title = attributes.title();
        let described = describe(title.as_deref());
        let folder = match attributes.get("xmlurl") {
            Some(raw) if !raw.trim().is_empty() => {
                let url = feed_url(raw.trim()).map_err(|reason| OpmlError::BadUrl {
                    line,
                    outline: described.clone(),
                    url: raw.trim().to_string(),
                    reason,
                })?;
                let folders: Vec<&String> = open
                    .iter()
                    .filter_map(|o| match o {
                        Open::Outline {
                            folder: Some((_, name)),
                            ..
                        } => Some(name),
                        _ => None,
                    })
                    .collect();
                // The innermost folders and the first categories only: a file nesting
                // thousands of folders must not give every feed thousands of tags.
                let skip = folders.len().saturating_sub(MAX_FOLDER_TAGS);
                let mut tags: Vec<String> = folders[skip..].iter().map(|n| (*n).clone()).collect();
                if let Some(categories) = attributes.get("category") {
                    tags.extend(
                        categories
                            .split([',', '/'])
                            .take(MAX_CATEGORY_TAGS)
                            .map(one_line),
                    );
                }
                document.subscriptions.push(Subscription {
                    title,
                    url,
                    tags: unique_tags(tags),
                    line,
                });
                None
            }
            // An outline that says it is a feed (or a link, or an include), or that points
            // at a site, but gives no feed URL: importing it silently would lose it.
            _ if attributes.get("type").is_some() || attributes.get("htmlurl").is_some() => {
                return Err(OpmlError::MissingUrl {
                    line,
                    outline: described,
                });
            }
            _ => Some((line, title.unwrap_or_default())),
        };
        if empty {
            if let Some((line, name)) = folder {
                document.empty_folders.push((line, name));
            }
        } else {
            open.push(Open::Outline {
                folder,
                children: 0,
            });
        }
    }
    if let Some(inner) = open.iter().rev().find_map(|o| match o {
        Open::Outline { .. } => Some("outline"),
        Open::Other => None,
    }) {
        let at = text.len();
        return Err(xml_error(
            text,
            at,
            &format!("the document ends inside an <{inner}>"),
        ));
    }
    if !open.is_empty() {
        return Err(xml_error(
            text,
            text.len(),
            "the document ends before </opml>",
        ));
    }
    if !root_seen {
        return Err(OpmlError::NotOpml(
            "there is no XML element in it at all".into(),
        ));
    }
    if outlines == 0 {
        return Err(OpmlError::NoOutlines);
    }
    Ok(document)
}

enum Open {
    Outline {
        folder: Option<(usize, String)>,
        children: usize,
    },
    Other,
}

/// An element's attributes by lower-cased name, entities decoded.
struct Attributes(HashMap<String, String>);

impl Attributes {
    fn read(
        element: &quick_xml::events::BytesStart<'_>,
        text: &str,
        at: usize,
    ) -> Result<Attributes, OpmlError> {
        let mut map = HashMap::new();
        for attribute in element.attributes() {
            let attribute = attribute.map_err(|e| xml_error(text, at, &e.to_string()))?;
            let key = attribute.key.local_name().into_inner();
            let raw = &attribute.value;
            // HTML's named entities too: exporters copy site titles (`Caf&eacute;`) as
            // they found them, and refusing the whole file for that helps no one.
            let value = html_escape::decode_html_entities(&raw).into_owned();
            map.insert(key.to_lowercase(), value);
        }
        Ok(Attributes(map))
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn title(&self) -> Option<String> {
        ["title", "text"]
            .iter()
            .filter_map(|k| self.get(k))
            .map(one_line)
            .find(|t| !t.is_empty())
    }
}

fn describe(title: Option<&str>) -> String {
    match title {
        Some(title) => format!("outline {title:?}"),
        None => "an outline without a title".to_string(),
    }
}

fn feed_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("is not a URL ({e})"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err("has no host".into()),
        other => Err(format!(
            "is a {other}: URL; only http:// and https:// feeds can be imported"
        )),
    }
}

fn xml_error(text: &str, at: usize, reason: &str) -> OpmlError {
    let at = at.min(text.len());
    let at = (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let before = &text[..at];
    OpmlError::Xml {
        line: before.matches('\n').count() + 1,
        column: before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
        reason: reason.to_string(),
    }
}

/// The line of the first non-blank character at or after `at`.
/// Line numbers of positions that only move forward, counted from the last one asked
/// for rather than from the start (which made a large file quadratic).
#[derive(Default)]
struct Lines {
    at: usize,
    newlines: usize,
}

impl Lines {
    /// The line of the first non-blank character from byte `at` on.
    fn at(&mut self, text: &str, at: usize) -> usize {
        let rest = text.get(at..).unwrap_or("");
        let target = at + (rest.len() - rest.trim_start().len());
        if target < self.at {
            // Not expected; count afresh rather than give a wrong number.
            *self = Lines::default();
        }
        let between = text.get(self.at..target).unwrap_or("");
        self.newlines += between.matches('\n').count();
        self.at = target;
        self.newlines + 1
    }
}

fn unique_tags(tags: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    tags.into_iter()
        .filter(|t| !t.is_empty() && seen.insert(t.clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Import: which subscriptions are new, and under what names.

/// A feed to add to the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeed {
    pub name: String,
    pub url: Url,
    pub tags: Vec<String>,
    pub line: usize,
}

/// A subscription that is not added, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skipped {
    /// The configuration already polls this URL, under this name.
    Configured { line: usize, url: Url, name: String },
    /// The file lists this URL again (its tags were added to the first one's).
    Repeated {
        line: usize,
        url: Url,
        first_line: usize,
    },
}

/// What an import adds and what it leaves out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub added: Vec<NewFeed>,
    pub skipped: Vec<Skipped>,
}

/// Which subscriptions of `document` to add to a configuration that has the feeds
/// `existing` (name, URL): those whose URL it does not poll yet, each under a name no
/// other feed has. A feed's name is its title, else its host; a title two feeds share
/// gets the host added (`News (example.org)`), then a number.
pub fn plan<'a>(
    document: &Document,
    existing: impl IntoIterator<Item = (&'a str, &'a Url)>,
) -> Plan {
    let mut names: HashSet<String> = HashSet::new();
    let mut configured: HashMap<String, String> = HashMap::new();
    for (name, url) in existing {
        names.insert(name.to_string());
        configured.insert(url.to_string(), name.to_string());
    }
    let mut plan = Plan::default();
    let mut first: HashMap<String, usize> = HashMap::new();
    for subscription in &document.subscriptions {
        let key = subscription.url.to_string();
        if let Some(name) = configured.get(&key) {
            plan.skipped.push(Skipped::Configured {
                line: subscription.line,
                url: subscription.url.clone(),
                name: name.clone(),
            });
            continue;
        }
        if let Some(&index) = first.get(&key) {
            let earlier: &mut NewFeed = &mut plan.added[index];
            let tags = earlier
                .tags
                .iter()
                .chain(&subscription.tags)
                .cloned()
                .collect();
            earlier.tags = unique_tags(tags);
            plan.skipped.push(Skipped::Repeated {
                line: subscription.line,
                url: subscription.url.clone(),
                first_line: earlier.line,
            });
            continue;
        }
        let host = subscription.url.host_str().unwrap_or_default().to_string();
        let base = subscription.title.clone().unwrap_or_else(|| host.clone());
        let name = std::iter::once(base.clone())
            .chain((base != host).then(|| format!("{base} ({host})")))
            .chain((2..).map(|n| format!("{base} ({n})")))
            .find(|candidate| !names.contains(candidate))
            .unwrap_or(base);
        names.insert(name.clone());
        first.insert(key, plan.added.len());
        plan.added.push(NewFeed {
            name,
            url: subscription.url.clone(),
            tags: subscription.tags.clone(),
            line: subscription.line,
        });
    }
    plan
}

/// The `[[feeds]]` tables for `feeds`, after `header` as comment lines.
pub fn feeds_toml(header: &str, feeds: &[NewFeed]) -> String {
    let quote = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = String::new();
    for line in header.lines() {
        let _ = writeln!(out, "# {line}");
    }
    for feed in feeds {
        let _ = write!(
            out,
            "\n[[feeds]]\nname = {}\nurl = {}\n",
            quote(&feed.name),
            quote(feed.url.as_str())
        );
        if !feed.tags.is_empty() {
            let tags: Vec<String> = feed.tags.iter().map(|t| quote(t)).collect();
            let _ = writeln!(out, "tags = [{}]", tags.join(", "));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Export

/// A feed as an OPML outline.
#[derive(Debug, Clone)]
pub struct Outline<'a> {
    pub title: &'a str,
    pub url: &'a Url,
    pub tags: &'a [String],
}

/// An OPML 2.0 document listing `feeds`, tags as `category`. A tag that holds a comma or
/// a slash reads back as several: that is what those characters mean in `category`.
pub fn export(
    title: &str,
    created: chrono::DateTime<chrono::Utc>,
    feeds: &[Outline<'_>],
) -> String {
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n");
    let _ = write!(
        out,
        "  <head>\n    <title>{}</title>\n    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n",
        escape(title),
        created.to_rfc2822()
    );
    for feed in feeds {
        let name = escape(feed.title);
        let _ = write!(
            out,
            "    <outline type=\"rss\" text=\"{name}\" title=\"{name}\" xmlUrl=\"{}\"",
            escape(feed.url.as_str())
        );
        if !feed.tags.is_empty() {
            let _ = write!(out, " category=\"{}\"", escape(&feed.tags.join(",")));
        }
        out.push_str("/>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// Text for an XML attribute: markup escaped, line breaks kept as references (a literal
/// one would read back as a space), other control characters dropped (XML 1.0 has none).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> Result<Document, OpmlError> {
        parse(format!("<?xml version=\"1.0\"?>\n<opml version=\"2.0\">\n<head/>\n<body>\n{body}\n</body>\n</opml>\n").as_bytes())
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn folders_and_categories_become_tags() {
        let d = doc(r#"<outline text="Tech">
  <outline text="Linux">
    <outline text="LWN" xmlUrl="https://lwn.net/headlines/rss" category="/kernel/news,Linux"/>
  </outline>
</outline>
<outline text="Top" xmlUrl="https://example.org/top.xml"/>"#)
        .unwrap();
        assert_eq!(
            d.subscriptions,
            vec![
                Subscription {
                    title: Some("LWN".into()),
                    url: url("https://lwn.net/headlines/rss"),
                    tags: vec![
                        "Tech".into(),
                        "Linux".into(),
                        "kernel".into(),
                        "news".into()
                    ],
                    line: 7,
                },
                Subscription {
                    title: Some("Top".into()),
                    url: url("https://example.org/top.xml"),
                    tags: vec![],
                    line: 10,
                },
            ]
        );
    }

    /// Regression: 3,000 nested folders gave every feed all the folders around it as
    /// tags (9 million tags, 3.8 GB), and counting lines from the start for every
    /// element made it quadratic.
    #[test]
    fn deep_folders_give_their_innermost_names_and_line_numbers_stay_right() {
        let depth = 3_000;
        let mut body = String::new();
        for i in 0..depth {
            body.push_str(&format!("<outline text=\"f{i}\">\n"));
        }
        body.push_str("<outline text=\"deep\" xmlUrl=\"https://deep.example/feed\"/>\n");
        body.push_str(&"</outline>\n".repeat(depth));
        let document = doc(&body).unwrap();
        let feed = &document.subscriptions[0];
        let innermost: Vec<String> = (depth - MAX_FOLDER_TAGS..depth)
            .map(|i| format!("f{i}"))
            .collect();
        assert_eq!(feed.tags, innermost);
        // `doc` puts four lines before the body; the feed comes after the folders' lines.
        assert_eq!(feed.line, 4 + depth + 1);
    }

    #[test]
    fn attribute_names_in_any_case_and_html_entities() {
        let d = doc(r#"<outline TEXT="Caf&eacute; &amp; Co &#x2014; news" xmlURL="https://example.org/feed?a=1&amp;b=2"/>"#).unwrap();
        assert_eq!(
            d.subscriptions[0].title.as_deref(),
            Some("Café & Co — news")
        );
        assert_eq!(
            d.subscriptions[0].url.as_str(),
            "https://example.org/feed?a=1&b=2"
        );
    }

    #[test]
    fn latin1_declared_files_are_decoded() {
        let mut bytes =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><opml><body><outline text=\"M"
                .to_vec();
        bytes.push(0xfc); // ü in Latin-1
        bytes.extend_from_slice(b"nchen\" xmlUrl=\"http://example.de/rss\"/></body></opml>");
        assert_eq!(
            parse(&bytes).unwrap().subscriptions[0].title.as_deref(),
            Some("München")
        );
    }

    /// Regression: a file without a declared encoding was read as UTF-8 with U+FFFD for
    /// every byte that was not, so a Russian list exported in windows-1251 imported its
    /// folders and feeds under names made of replacement characters.
    #[test]
    fn a_cyrillic_opml_file_without_an_encoding_is_read_as_cyrillic_not_mojibake() {
        let bytes = include_bytes!("../tests/fixtures/opml/cyrillic-windows-1251.opml");
        let document = parse(bytes).unwrap();
        let feeds: Vec<(Option<&str>, &[String])> = document
            .subscriptions
            .iter()
            .map(|s| (s.title.as_deref(), s.tags.as_slice()))
            .collect();
        let news = ["Новости".to_string()];
        assert_eq!(
            feeds,
            [
                (Some("Лента дня"), news.as_slice()),
                (Some("Погода в Москве"), news.as_slice())
            ]
        );
    }

    #[test]
    fn empty_folders_are_noted_not_refused() {
        let d = doc("<outline text=\"Later\"/>\n<outline text=\"Empty\"></outline>\n<outline text=\"A\" xmlUrl=\"http://a.example/rss\"/>").unwrap();
        assert_eq!(
            d.empty_folders,
            vec![(5, "Later".into()), (6, "Empty".into())]
        );
        assert_eq!(d.subscriptions.len(), 1);
    }

    #[test]
    fn bad_files_name_the_line() {
        let cases: &[(&str, &str)] = &[
            (
                "<opml><body><outline text=\"a\"></body></opml>",
                "not well-formed XML at line 1",
            ),
            (
                "{\"feeds\": []}",
                "not an OPML file: there is no XML element",
            ),
            (
                "<!DOCTYPE html><html><body></body></html>",
                "not an OPML file: the document is <html>",
            ),
            ("<opml><head/><body></body></opml>", "no <outline>"),
            (
                "<opml><body>\n<outline text=\"X\" type=\"rss\" htmlUrl=\"https://x.example/\"/></body></opml>",
                "line 2: outline \"X\" has no xmlUrl",
            ),
            (
                "<opml><body>\n\n<outline type=\"rss\" xmlUrl=\"\"/></body></opml>",
                "line 3: an outline without a title has no xmlUrl",
            ),
            (
                "<opml><body><outline text=\"F\" xmlUrl=\"ftp://f.example/rss\"/></body></opml>",
                "xmlUrl `ftp://f.example/rss` is a ftp: URL",
            ),
            (
                "<opml><body><outline text=\"F\" xmlUrl=\"feeds/local.xml\"/></body></opml>",
                "is not a URL",
            ),
            (
                "<opml><body><outline text=\"F\" xmlUrl=\"http://a.example/x\"/>",
                "ends before </opml>",
            ),
        ];
        for (input, expected) in cases {
            let error = parse(input.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(expected), "{input}: {error}");
        }
    }

    #[test]
    fn every_prefix_and_mangled_byte_is_an_answer_not_a_panic() {
        let sample = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"><head><title>T</title></head>\n<body><outline text=\"Dünya\">\n<outline text=\"Caf&eacute;\" xmlUrl=\"https://a.example/r?x=1&amp;y=2\" category=\"/a/b,c\"/>\n</outline></body></opml>\n";
        let bytes = sample.as_bytes();
        for end in 0..=bytes.len() {
            let _ = parse(&bytes[..end]);
        }
        for at in 0..bytes.len() {
            for replacement in [b'<', b'>', b'"', b'&', b'/', 0xff, b'\n'] {
                let mut mangled = bytes.to_vec();
                mangled[at] = replacement;
                let _ = parse(&mangled);
            }
        }
        assert!(parse(bytes).is_ok());
    }

    #[test]
    fn plan_skips_configured_merges_repeats_and_keeps_names_unique() {
        let d = doc(
            r#"<outline text="World"><outline text="News" xmlUrl="https://a.example/rss"/></outline>
<outline text="Sport"><outline text="News" xmlUrl="https://a.example/rss"/></outline>
<outline text="News" xmlUrl="https://b.example/rss"/>
<outline text="News" xmlUrl="https://b.example/other"/>
<outline xmlUrl="https://c.example/feed"/>
<outline text="Old" xmlUrl="https://old.example/rss"/>"#,
        )
        .unwrap();
        let old = url("https://old.example/rss");
        let p = plan(&d, [("Already", &old)]);
        let added: Vec<(&str, &str, Vec<&str>)> = p
            .added
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.url.as_str(),
                    f.tags.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            added,
            vec![
                ("News", "https://a.example/rss", vec!["World", "Sport"]),
                ("News (b.example)", "https://b.example/rss", vec![]),
                ("News (2)", "https://b.example/other", vec![]),
                ("c.example", "https://c.example/feed", vec![]),
            ]
        );
        assert_eq!(
            p.skipped,
            vec![
                Skipped::Repeated {
                    line: 6,
                    url: url("https://a.example/rss"),
                    first_line: 5
                },
                Skipped::Configured {
                    line: 10,
                    url: old,
                    name: "Already".into()
                },
            ]
        );
    }

    #[test]
    fn export_escapes_and_reads_back() {
        let u = url("https://example.org/rss?a=1&b=2");
        let tags = vec!["world".to_string(), "r&d <lab>".to_string()];
        let text = export(
            "newshound \"feeds\"",
            chrono::DateTime::UNIX_EPOCH,
            &[Outline {
                title: "Tom & Jerry's \"News\"\n<b>",
                url: &u,
                tags: &tags,
            }],
        );
        assert!(
            text.contains("xmlUrl=\"https://example.org/rss?a=1&amp;b=2\""),
            "{text}"
        );
        let back = parse(text.as_bytes()).unwrap();
        assert_eq!(back.subscriptions[0].url, u);
        assert_eq!(back.subscriptions[0].tags, tags);
        // A line break in a name reads back as a space, which one_line would make of it anyway.
        assert_eq!(
            back.subscriptions[0].title.as_deref(),
            Some("Tom & Jerry's \"News\" <b>")
        );
    }
}
