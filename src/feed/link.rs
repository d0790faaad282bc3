//! Links as keys. newshound asks two questions of an item's link, and writes the link one
//! way for each, by one normaliser ([`canonical`]) and against one list of the query
//! parameters that only say where a reader came from:
//!
//! - [`Form::Identity`], part of an item's identity ([`super::item::identity`]): is this
//!   the item already seen in this feed?
//! - [`Form::Article`], the key the store compares (`dedup::article_link`): is this an
//!   article already stored from another feed?
//!
//! Both forms are stored (identities with every item seen, article keys with every item
//! kept), so neither may change: an item whose identity changed would look new after an
//! upgrade and be sent again. That is why the identity form drops only the `utm_*`
//! parameters it has always dropped and keeps what the article key leaves out (`www.`,
//! the parameter order, a trailing slash). The article key is asked for on every item
//! stored, so the plain links nearly every feed uses are read for it without the URL
//! parser. Pure: no I/O.

use url::Url;

/// The prefix of the tracking parameters of analytics campaigns (`utm_source`, …), the
/// only ones an item's identity drops.
const UTM: &str = "utm_";

/// Prefixes of query parameters that only say where a reader came from.
const TRACKING_PREFIXES: [&str; 2] = [UTM, "itm_"];

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

/// How a link is written, by what it is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// For an item's identity: the URL as the parser writes it (lower-case scheme and
    /// host, a default port dropped, the parameters re-encoded in their order), without
    /// its fragment and `utm_*` parameters. Any absolute URL has one.
    Identity,
    /// For "same article": host (without `www.`, lower-case) and port, path without a
    /// trailing slash, and the parameters left once every tracking one is dropped,
    /// decoded and sorted; no scheme, user or fragment. Only http(s) links have one, and
    /// not a site's home page, which names no article.
    Article,
}

impl Form {
    /// Whether this form drops the query parameter `name` as tracking.
    fn drops(self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        match self {
            // The rest of the list would change stored identities (see the module doc).
            Form::Identity => name.starts_with(UTM),
            Form::Article => {
                TRACKING_PREFIXES.iter().any(|p| name.starts_with(p))
                    || TRACKING_PARAMETERS.contains(&name.as_str())
            }
        }
    }
}

/// `link` written in `form`; `None` when it has no such form (it is not an absolute URL,
/// or see [`Form::Article`]).
pub fn canonical(link: &str, form: Form) -> Option<String> {
    match form {
        Form::Identity => parsed(link, form),
        Form::Article => plain_article_link(link.trim()).unwrap_or_else(|| parsed(link, form)),
    }
}

/// [`canonical`] by way of the URL parser.
fn parsed(link: &str, form: Form) -> Option<String> {
    let mut url = Url::parse(link.trim()).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !form.drops(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match form {
        Form::Identity => {
            url.set_fragment(None);
            if kept.is_empty() {
                url.set_query(None);
            } else if url.query().is_some() {
                url.query_pairs_mut().clear().extend_pairs(kept);
            }
            Some(url.to_string())
        }
        Form::Article => {
            if !matches!(url.scheme(), "http" | "https") {
                return None;
            }
            let host = url.host_str()?.to_ascii_lowercase();
            let host = host.strip_prefix("www.").unwrap_or(&host);
            let path = url.path().trim_end_matches('/');
            let mut query = kept;
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
    }
}

/// The [`Form::Article`] of a link in the form nearly every feed uses, read without a URL
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Both forms of one link side by side: what each drops, and what only one of them
    /// does. The identity column is what users' databases hold.
    #[test]
    fn one_link_in_both_forms() {
        let cases = [
            (
                "https://EXAMPLE.org/a?utm_source=x&id=3#top",
                Some("https://example.org/a?id=3"),
                Some("example.org/a?id=3"),
            ),
            (
                "https://www.Example.com/news/s400/?utm_source=rss&UTM_Medium=feed",
                Some("https://www.example.com/news/s400/"),
                Some("example.com/news/s400"),
            ),
            (
                "https://example.com/article?p=2&id=7&itm_source=home",
                Some("https://example.com/article?p=2&id=7&itm_source=home"),
                Some("example.com/article?id=7&p=2"),
            ),
            (
                "https://example.com/a?fbclid=abc&ref=home&x=1&GCLID=2",
                Some("https://example.com/a?fbclid=abc&ref=home&x=1&GCLID=2"),
                Some("example.com/a?x=1"),
            ),
            (
                "http://Example.ORG/Path/#comments",
                Some("http://example.org/Path/"),
                Some("example.org/Path"),
            ),
            (
                "https://user:pw@example.com:443/a?b=c%20d&a",
                Some("https://user:pw@example.com/a?b=c+d&a="),
                Some("example.com/a?a=&b=c d"),
            ),
            (
                "http://example.com:8080/a?q=a+b&utm_source=x",
                Some("http://example.com:8080/a?q=a+b"),
                Some("example.com:8080/a?q=a b"),
            ),
            (
                " https://example.com/a/b?z=1&y=2 ",
                Some("https://example.com/a/b?z=1&y=2"),
                Some("example.com/a/b?y=2&z=1"),
            ),
            (
                "https://www.example.com/?utm_source=rss",
                Some("https://www.example.com/"),
                None,
            ),
            (
                "mailto:desk@example.com",
                Some("mailto:desk@example.com"),
                None,
            ),
            ("/relative/path", None, None),
        ];
        for (link, identity, article) in cases {
            assert_eq!(
                canonical(link, Form::Identity).as_deref(),
                identity,
                "{link}"
            );
            assert_eq!(canonical(link, Form::Article).as_deref(), article, "{link}");
        }
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
                super::canonical(link, Form::Identity).as_deref(),
                Some(canonical),
                "for {link}"
            );
        }
        assert_eq!(canonical("/relative", Form::Identity), None);
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
                        assert_eq!(
                            canonical(&link, Form::Article),
                            parsed(&link, Form::Article),
                            "{link:?}"
                        );
                        checked += usize::from(plain_article_link(link.trim()).is_some());
                    }
                }
            }
        }
        // The plain reading was taken often enough for the comparison to mean something.
        assert!(checked > 200, "{checked}");
    }
}
