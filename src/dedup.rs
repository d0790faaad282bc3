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

use crate::feed::link::{self, Form};
use crate::watch::{normalize, normalize_spaced};

/// Words of overlapping runs compared by [`Text::near_identical`].
const SHINGLE: usize = 4;
/// Share of the shorter text's runs found in the longer one for the two to be one text: a
/// summary cut from the full text counts, a re-edited paragraph or two still does.
const CONTAINED: f64 = 0.8;
/// Fewer words than this say too little to tell two articles apart.
const SUBSTANTIAL_WORDS: usize = 8;

/// The link as a key for "same article": scheme, `www.`, fragment, trailing slash and
/// tracking parameters dropped, the other parameters sorted ([`Form::Article`]). `None`
/// for what cannot tell articles apart: something that is not an http(s) URL, or a site's
/// home page.
pub fn article_link(link: &str) -> Option<String> {
    link::canonical(link, Form::Article)
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
        // Words as the writer spaced them: matching joins Korean or Thai words across
        // spaces, which would make a whole article one word here.
        Text {
            folded: normalize_spaced(text),
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

    /// Matching joins Korean words across their spaces; counting them must not, or a
    /// whole Korean article would be one word, too few to compare.
    #[test]
    fn korean_words_are_counted_by_their_spaces() {
        let text = "서울시는 신규 확진자가 크게 늘었다고 밝혔다 시민들은 실내에서 마스크를 \
                    착용해야 한다";
        assert!(Text::of(text).is_substantial());
        let longer = format!("{text}. 방역 당국은 주말까지 상황을 지켜보겠다고 했다");
        assert!(Text::of(text).near_identical(&Text::of(&longer)));
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
