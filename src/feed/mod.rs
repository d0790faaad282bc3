//! Feeds, in the order a body goes through them: [`fetch`] gets the bytes (the I/O edge),
//! `charset` turns them into UTF-8 text, [`parse`] drives feed-rs over that text, and
//! [`item`] turns each entry into an item: its identity, its time, and its text, which
//! [`html`] makes plain. `hints` reads how often the feed asks to be polled; [`link`]
//! writes a link as an identity or as the key `dedup` compares articles by. All but
//! `fetch` are pure.

pub mod fetch;
pub mod html;
pub mod item;
pub mod link;
pub mod parse;

pub(crate) mod charset;
mod hints;

use url::Url;

/// A feed URL fit for logs and reports: a password in it (`https://user:secret@host/`) is
/// replaced by `***`.
pub fn redacted(url: &Url) -> String {
    if url.password().is_none() {
        return url.to_string();
    }
    let mut shown = url.clone();
    // Only fails for URLs that cannot have a password, and this one has one.
    let _ = shown.set_password(Some("***"));
    shown.to_string()
}

/// [`redacted`] for a URL kept as text (in the store); text that is not a URL is shown
/// as it is.
pub fn redacted_text(url: &str) -> String {
    Url::parse(url).map_or_else(|_| url.to_string(), |u| redacted(&u))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_not_shown() {
        let url = Url::parse("https://reader:hunter2@feeds.example.org/private.xml").unwrap();
        assert_eq!(
            redacted(&url),
            "https://reader:***@feeds.example.org/private.xml"
        );
        let plain = Url::parse("https://feeds.example.org/a.xml?x=1").unwrap();
        assert_eq!(redacted(&plain), "https://feeds.example.org/a.xml?x=1");
    }
}
