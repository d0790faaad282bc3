//! When two items are one article. Pure: the store asks these questions of the items it
//! holds before it records a new one.
//!
//! The same article reaches newshound through several feeds (an outlet's main feed and its
//! section feed, a wire story in its clients' feeds) and is sometimes republished in one
//! feed under a new guid. It is one article when:
//! - its link is the same once cosmetic differences are dropped ([`article_link`]), and
//!   its text agrees too, or, where one of the two has too little text to tell, its
//!   title does and the two are close in time: some feeds give every entry the same link
//!   (a live blog, a "Morning briefing" page), and a new text on a known link is new
//!   coverage;
//! - or its guid is the same and looks unique beyond its feed ([`global_guid`]) and its
//!   title or text agrees: `1234` in two feeds is two articles, a URN is one;
//! - or its title is the same ([`title_key`]) and its text nearly identical
//!   ([`Text::near_identical`]), which catches wire copy carried under different links.
//!
//! Too little text never counts as agreement: two entries without text on one link, or
//! with one recurring headline, may well be two articles. Wrongly merging hides an article
//! for good, while a missed duplicate still shows as one story with several outlets, so
//! every rule errs towards "different".

use std::collections::HashSet;

use url::Url;

use crate::watch::normalize;

/// Query parameters that only say where a reader came from.
const TRACKING_PARAMETERS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ref",
    "ref_src",
    "cmpid",
    "cmp",
    "ocid",
    "smid",
    "smtyp",
    "taid",
    "ito",
    "rss",
    "ns_mchannel",
    "ns_campaign",
    "ns_source",
    "ns_linkname",
    "at_medium",
    "at_campaign",
    "at_custom1",
    "feedtype",
    "partner",
    "soc_src",
    "soc_trk",
];

/// Words of overlapping runs compared by [`Text::near_identical`].
const SHINGLE: usize = 4;
/// Share of the shorter text's runs found in the longer one for the two to be one text: a
/// summary cut from the full text counts, a re-edited paragraph or two still does.
const CONTAINED: f64 = 0.8;
/// Fewer words than this say too little to tell two articles apart.
const SUBSTANTIAL_WORDS: usize = 8;

/// The link as a key for "same article": scheme, `www.`, fragment, trailing slash and
/// tracking parameters dropped, the other parameters sorted. `None` for what cannot tell
/// articles apart: something that is not an http(s) URL, or a site's home page.
pub fn article_link(link: &str) -> Option<String> {
    match plain_article_link(link.trim()) {
        Some(key) => key,
        None => parsed_article_link(link),
    }
}

/// [`article_link`] of a link in the form nearly every feed uses, read without a URL
/// parser: `http(s)://`, a host name of ASCII letters, digits, dots and hyphens ending in
/// a name of letters (or an IPv4 address as the parser writes it), perhaps a port, a path
/// of characters a URL keeps as they are and without `.` or `..` segments, and no user
/// or query. On these the parser changes nothing but the case of the host and a default
/// port. `None` (not `Some(None)`) for any other link, which the parser reads. Every
/// item stored asks for its link's key, and a guid's too.
fn plain_article_link(link: &str) -> Option<Option<String>> {
    let after = |prefix: &str| {
        link.get(..prefix.len())
            .filter(|head| head.eq_ignore_ascii_case(prefix))
            .map(|_| &link[prefix.len()..])
    };
    let (rest, default_port) = match after("https://") {
        Some(rest) => (rest, 443),
        None => (after("http://")?, 80),
    };
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let (host, port) = match authority.split_once(':') {
        None => (authority, None),
        Some((host, port)) => (host, Some(plain_port(port)?)),
    };
    if !plain_host(host) {
        return None;
    }
    let path_ok = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b))
        && !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        && !path
            .as_bytes()
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'2' && w[2].eq_ignore_ascii_case(&b'e'));
    if !path_ok {
        return None;
    }
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        return Some(None);
    }
    let host = match host.get(..4) {
        Some(www) if www.eq_ignore_ascii_case("www.") => &host[4..],
        _ => host,
    };
    let mut key = String::with_capacity(host.len() + path.len() + 6);
    key.extend(host.bytes().map(|b| char::from(b.to_ascii_lowercase())));
    if let Some(port) = port.filter(|p| *p != default_port) {
        key.push(':');
        key.push_str(&port.to_string());
    }
    key.push_str(path);
    Some(Some(key))
}

/// A port as the URL parser writes it: decimal, no leading zero, at most 65535.
fn plain_port(port: &str) -> Option<u16> {
    if port.is_empty() || port.len() > 5 || port.starts_with('0') {
        return None;
    }
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    port.parse().ok()
}

/// A host the URL parser leaves as it is but for case: a DNS name of plain labels ending
/// in one of letters (no IDNA, nothing it could take for an IPv4 address), or four
/// decimal numbers up to 255 without leading zeros.
fn plain_host(host: &str) -> bool {
    let label = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && !label
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let name = host.split('.').all(label)
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()));
    let number = |part: &str| {
        !part.is_empty()
            && part.len() <= 3
            && (part == "0" || !part.starts_with('0'))
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u8>().is_ok()
    };
    name || (host.split('.').count() == 4 && host.split('.').all(number))
}

/// [`article_link`] by way of the URL parser.
fn parsed_article_link(link: &str) -> Option<String> {
    let url = Url::parse(link.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let path = url.path().trim_end_matches('/');
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !k.starts_with("itm_") && !TRACKING_PARAMETERS.contains(&&*k)
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if path.is_empty() && query.is_empty() {
        return None;
    }
    query.sort();
    let mut key = format!("{host}{path}");
    if let Some(port) = url.port() {
        key = format!("{host}:{port}{path}");
    }
    if !query.is_empty() {
        let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        key.push('?');
        key.push_str(&query.join("&"));
    }
    Some(key)
}

/// The title folded the way queries fold text (case, diacritics, punctuation, `S-400` =
/// `S400`), so that two outlets' spellings of one headline compare equal.
pub fn title_key(title: &str) -> String {
    normalize(title)
}

/// Whether a guid names one article beyond its own feed: a URL (not a site's home page), a
/// URN or tag URI, or a long opaque token such as a UUID. Short ones (`1234`, `post-17`)
/// are only unique within their feed.
pub fn global_guid(guid: &str) -> bool {
    let guid = guid.trim();
    let lower = guid.to_ascii_lowercase();
    if lower.contains("://") {
        return article_link(guid).is_some();
    }
    lower.starts_with("urn:")
        || lower.starts_with("tag:")
        || (guid.len() >= 20 && !guid.contains(char::is_whitespace))
}

/// An item's text folded into words once, to compare with several stored texts.
#[derive(Debug, Clone)]
pub struct Text {
    folded: String,
}

impl Text {
    pub fn of(text: &str) -> Text {
        Text {
            folded: normalize(text),
        }
    }

    fn words(&self) -> Vec<&str> {
        self.folded.split(' ').filter(|w| !w.is_empty()).collect()
    }

    /// Whether there is enough text to tell two articles apart by it.
    pub fn is_substantial(&self) -> bool {
        self.words().len() >= SUBSTANTIAL_WORDS
    }

    /// Whether two texts are one text, give or take a cut or an edit: most runs of words
    /// of the shorter are in the longer. A text too short to tell is never the same as
    /// another ("Read more" is in every teaser).
    pub fn near_identical(&self, other: &Text) -> bool {
        let (a, b) = (self.words(), other.words());
        if a.len() < SUBSTANTIAL_WORDS || b.len() < SUBSTANTIAL_WORDS {
            return false;
        }
        let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let long: HashSet<&[&str]> = long.windows(SHINGLE).collect();
        let shingles: Vec<&[&str]> = short.windows(SHINGLE).collect();
        let found = shingles.iter().filter(|s| long.contains(*s)).count();
        found as f64 >= CONTAINED * shingles.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_links_drop_what_does_not_name_the_article() {
        let same = [
            "https://www.example.com/news/2026/turkey-s400/",
            "http://example.com/news/2026/turkey-s400",
            "https://EXAMPLE.com/news/2026/turkey-s400#comments",
            "https://example.com/news/2026/turkey-s400?utm_source=rss&utm_medium=feed",
            "https://example.com/news/2026/turkey-s400?fbclid=abc&ref=home",
        ];
        for link in same {
            assert_eq!(
                article_link(link).as_deref(),
                Some("example.com/news/2026/turkey-s400"),
                "{link}"
            );
        }
    }

    #[test]
    fn article_links_keep_what_does() {
        assert_eq!(
            article_link("https://example.com/article?p=2&id=7").as_deref(),
            Some("example.com/article?id=7&p=2")
        );
        assert_ne!(
            article_link("https://example.com/article?id=7"),
            article_link("https://example.com/article?id=8")
        );
        assert_ne!(
            article_link("https://example.com/a"),
            article_link("https://example.org/a")
        );
        assert_eq!(
            article_link("http://example.com:8080/a").as_deref(),
            Some("example.com:8080/a")
        );
    }

    /// The parser-free reading against the parser's, on links made of pieces that put
    /// the parser's rewrites (case, dots, escapes, ports, IP addresses, IDNA, queries)
    /// next to plain links, and on the links above.
    #[test]
    fn plain_links_read_as_the_url_parser_reads_them() {
        const SCHEMES: &[&str] = &["https://", "http://", "HTTP://", "ftp://", "https:/", ""];
        const HOSTS: &[&str] = &[
            "example.com",
            "www.Example.COM",
            "news.example.co.uk",
            "127.0.0.1",
            "127.0.0.1:9",
            "10.0.0.256",
            "10.0.00.1",
            "1.2.3",
            "1.2.3.4.5",
            "0x7f.1",
            "example.com:443",
            "example.com:0080",
            "example.com:65536",
            "example.com:",
            "example.com:x",
            "xn--bcher-kva.example",
            "bücher.example",
            "a..b",
            "-a.example",
            "a_b.example",
            "example.com.",
            "user@example.com",
            "example.com:80",
            "example.com:8080",
            "[::1]",
            "localhost",
            "ex ample.com",
            "",
        ];
        const PATHS: &[&str] = &[
            "",
            "/",
            "/a",
            "/a/",
            "/a//",
            "/News/2026/x-y_z.html",
            "/./a",
            "/a/..",
            "/a/%2E/b",
            "/a%20b",
            "/a b",
            "/a\\b",
            "/é",
            "/a|b",
            "/a^b",
            "/{x}",
            "/a\"b",
            "/~u/!$&'()*+,;=:@",
            "?",
            "?p=1",
            "/a?utm_source=x",
            "#top",
            "/a#frag?x",
            "/a\t",
            "\n/a",
        ];
        let mut checked = 0;
        for scheme in SCHEMES {
            for host in HOSTS {
                for path in PATHS {
                    for pad in ["", " "] {
                        let link = format!("{pad}{scheme}{host}{path}{pad}");
                        assert_eq!(article_link(&link), parsed_article_link(&link), "{link:?}");
                        checked += usize::from(plain_article_link(link.trim()).is_some());
                    }
                }
            }
        }
        // The plain reading was taken often enough for the comparison to mean something.
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn home_pages_and_other_schemes_name_no_article() {
        for link in [
            "https://www.example.com/",
            "https://example.com",
            "https://example.com/?utm_source=rss",
            "mailto:desk@example.com",
            "/relative/path",
            "not a link",
        ] {
            assert_eq!(article_link(link), None, "{link}");
        }
    }

    #[test]
    fn title_keys_fold_case_diacritics_and_hyphens() {
        assert_eq!(
            title_key("Erdoğan: S-400 deal “done”"),
            title_key("ERDOGAN - S400 deal done")
        );
        assert_ne!(title_key("S-400 deal done"), title_key("S-500 deal done"));
    }

    #[test]
    fn global_guids() {
        for guid in [
            "https://example.com/?p=123",
            "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
            "tag:example.com,2026:post-17",
            "1225c695-cfb8-4ebb-aaaa-80da344efa6a",
        ] {
            assert!(global_guid(guid), "{guid}");
        }
        for guid in [
            "1234",
            "post-17",
            "a b c d e f g h i j k l",
            "https://blog.example/",
        ] {
            assert!(!global_guid(guid), "{guid}");
        }
    }

    fn same(a: &str, b: &str) -> bool {
        Text::of(a).near_identical(&Text::of(b))
    }

    #[test]
    fn near_identical_texts() {
        let full = "Turkey switched on the radars of its Russian-made S-400 air defence \
                    system on Friday, days before a NATO air exercise over the Aegean, \
                    officials in Ankara said. The move drew a sharp response from Athens.";
        let summary = "Turkey switched on the radars of its Russian-made S-400 air defence \
                       system on Friday, days before a NATO air exercise over the Aegean";
        let edited = "Turkey switched on the radars of its Russian-made S-400 air defence \
                      system on Friday, days before a NATO air exercise over the Aegean, \
                      officials in Ankara said. The move drew a sharp response from Greece.";
        let rewrite = "Ankara has activated its S-400 radars ahead of NATO drills in the \
                       Aegean, Turkish officials told reporters on Friday.";
        assert!(same(full, summary));
        assert!(same(summary, full));
        assert!(same(full, edited));
        assert!(same(&full.to_uppercase(), full));
        assert!(!same(full, rewrite));
    }

    #[test]
    fn too_little_text_is_never_the_same_text() {
        let full = "Turkey switched on the radars of its Russian-made S-400 air defence \
                    system on Friday.";
        assert!(!same("", "  "));
        assert!(!same("", full));
        assert!(!same("Read more", "Read more"));
        assert!(!same("Short text", "A short text here"));
        assert!(Text::of(full).is_substantial());
        assert!(!Text::of("Read more on our site").is_substantial());
    }
}
