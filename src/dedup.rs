//! When two items are one article. Pure: the store asks these questions of the items it
//! holds before it records a new one.
//!
//! The same article reaches newshound through several feeds (an outlet's main feed and its
//! section feed, a wire story in its clients' feeds) and is sometimes republished in one
//! feed under a new guid. It is one article when:
//! - its link is the same once cosmetic differences are dropped ([`article_link`]), and
//!   its title or its text agrees too: some feeds give every entry the same link (their
//!   home page, a live blog), and a new title with new text on a known link is new
//!   coverage;
//! - or its guid is the same and looks unique beyond its feed ([`global_guid`]): `1234`
//!   in two feeds is two articles, a URL or a URN is one;
//! - or its title is the same ([`title_key`]) and its text nearly identical
//!   ([`near_identical`]), which catches wire copy carried under different links.
//!
//! Anything looser is left to story grouping, which shows near-copies as one story with
//! several outlets rather than hiding one of them.

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

/// Words of overlapping runs compared by [`near_identical`].
const SHINGLE: usize = 4;
/// Share of the shorter text's runs found in the longer one for the two to be one text: a
/// summary cut from the full text counts, a re-edited paragraph or two still does.
const CONTAINED: f64 = 0.8;

/// The link as a key for "same article": scheme, `www.`, fragment, trailing slash and
/// tracking parameters dropped, the other parameters sorted. `None` for what cannot tell
/// articles apart: something that is not an http(s) URL, or a site's home page.
pub fn article_link(link: &str) -> Option<String> {
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

/// Whether a guid names one article beyond its own feed: a URL, a URN or tag URI, or a
/// long opaque token such as a UUID. Short ones (`1234`, `post-17`) are only unique within
/// their feed.
pub fn global_guid(guid: &str) -> bool {
    let guid = guid.trim();
    let lower = guid.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("urn:")
        || lower.starts_with("tag:")
        || (guid.len() >= 20 && !guid.contains(char::is_whitespace))
}

/// Whether two texts are one text, give or take a cut or an edit: most of the shorter
/// one's runs of words are in the longer one. Two empty texts are the same; an empty and a
/// non-empty one are not (one feed may carry only titles, but then the title alone would
/// have to decide, and "Morning briefing" is not one article).
pub fn near_identical(a: &str, b: &str) -> bool {
    let (a, b) = (normalize(a), normalize(b));
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    let (a, b) = (words(&a), words(&b));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return true,
        (true, false) | (false, true) => return false,
        _ => {}
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if short.len() < SHINGLE {
        return long.windows(short.len()).any(|w| w == short.as_slice());
    }
    let long: HashSet<&[&str]> = long.windows(SHINGLE).collect();
    let shingles: Vec<&[&str]> = short.windows(SHINGLE).collect();
    let found = shingles.iter().filter(|s| long.contains(*s)).count();
    found as f64 >= CONTAINED * shingles.len() as f64
}

fn words<'a>(split: &[&'a str]) -> Vec<&'a str> {
    split.iter().copied().filter(|w| !w.is_empty()).collect()
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
        for guid in ["1234", "post-17", "a b c d e f g h i j k l"] {
            assert!(!global_guid(guid), "{guid}");
        }
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
        assert!(near_identical(full, summary));
        assert!(near_identical(summary, full));
        assert!(near_identical(full, edited));
        assert!(near_identical(&full.to_uppercase(), full));
        assert!(!near_identical(full, rewrite));
        assert!(near_identical("", "  "));
        assert!(!near_identical("", full));
        assert!(near_identical("Short text", "A short text here"));
        assert!(!near_identical("Short text", "Another text here"));
    }
}
