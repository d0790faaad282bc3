//! Whether what was read is an article: a consent wall, a login or paywall stub, a page
//! of teasers or a page with next to no text is not one, and a caller counts it as a
//! failed fetch rather than matching watchlists on it.
//!
//! The walls are told by their wording, looked for only in the text that was chosen as
//! the article: every page has a cookie banner, and only a page whose main text is the
//! banner is a wall. Phrases rather than words: an article about subscriptions or privacy
//! law uses the words, not the buttons' wording.

use std::fmt;

/// Fewer words than this is no article (a caption, a stub, an error message).
pub(crate) const MIN_WORDS: usize = 30;
/// A text this long is an article even with wall wording in it (a long piece on cookies).
const WALL_MAX_WORDS: usize = 400;
/// Teasers (`<article>` cards) in the main text that make it an index, when none of its
/// paragraphs is longer than a teaser's blurb.
const INDEX_TEASERS: usize = 6;
const BLURB_CHARS: usize = 300;

/// What a page's main text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An article: its text is what matching should see.
    Article,
    /// No main text, or too little to be an article.
    NoText,
    /// A cookie or privacy consent wall stands in front of the page.
    ConsentWall,
    /// A login, registration or subscription wall: only a stub of the article.
    Paywall,
    /// A list of other articles (a section front, a tag page, search results).
    Index,
}

impl Verdict {
    pub fn is_article(self) -> bool {
        self == Verdict::Article
    }

    /// A short stable label, for logs, counters and `--json`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Article => "article",
            Verdict::NoText => "no text",
            Verdict::ConsentWall => "consent wall",
            Verdict::Paywall => "paywall",
            Verdict::Index => "index page",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Article => "an article",
            Verdict::NoText => "no article text on the page",
            Verdict::ConsentWall => "a consent wall, not the article",
            Verdict::Paywall => "a login or paywall stub, not the article",
            Verdict::Index => "a page of links to articles, not an article",
        })
    }
}

/// Wording of consent walls and cookie banners.
const CONSENT: [&str; 16] = [
    "we use cookies",
    "use of cookies",
    "cookie policy",
    "cookie settings",
    "accept all",
    "reject all",
    "accept cookies",
    "manage cookies",
    "manage preferences",
    "privacy settings",
    "we and our partners",
    "legitimate interest",
    "personalised ads",
    "personalized ads",
    "before you continue",
    "store and/or access information",
];

/// Wording of login, registration and subscription walls.
const PAYWALL: [&str; 21] = [
    "to continue reading",
    "this article is for subscribers",
    "continue reading this",
    "already a subscriber",
    "already have an account",
    "subscribe to read",
    "subscribe to continue",
    "sign in to continue",
    "sign in to read",
    "log in to continue",
    "log in to read",
    "login to continue",
    "create a free account",
    "register now for free",
    "register for free",
    "unlimited access",
    "subscribers only",
    "for subscribers",
    "start your free trial",
    "you have reached your limit",
    "free articles",
];

/// Fewer words than this in the main text, with wall wording elsewhere on the page, is a
/// stub behind a wall (the wall itself is usually named as furniture and left out).
const STUB_WORDS: usize = 150;

/// The verdict on a main text of `words` words, with `teasers` article cards in it;
/// `page` gives the text of the whole page, furniture included, for the reason a short
/// main text is short.
pub(crate) fn judge(
    text: &str,
    words: usize,
    teasers: usize,
    page: impl FnOnce() -> String,
) -> Verdict {
    if words < STUB_WORDS {
        let page = page().to_lowercase();
        if words < MIN_WORDS && count(&page, &CONSENT) >= 2 {
            return Verdict::ConsentWall;
        }
        if count(&page, &PAYWALL) >= 2 {
            return Verdict::Paywall;
        }
    }
    if words < MIN_WORDS {
        return Verdict::NoText;
    }
    if words < WALL_MAX_WORDS {
        let lower = text.to_lowercase();
        // A stub is mostly wall: the fewer words, the less wording it takes.
        let needed = if words < WALL_MAX_WORDS / 3 { 1 } else { 2 };
        if count(&lower, &CONSENT) > needed {
            return Verdict::ConsentWall;
        }
        if count(&lower, &PAYWALL) >= needed {
            return Verdict::Paywall;
        }
    }
    let longest = text.split("\n\n").map(str::len).max().unwrap_or(0);
    if teasers >= INDEX_TEASERS && longest < BLURB_CHARS {
        return Verdict::Index;
    }
    Verdict::Article
}

/// How many of `phrases` occur in `lower`.
fn count(lower: &str, phrases: &[&str]) -> usize {
    phrases.iter().filter(|p| lower.contains(*p)).count()
}
