//! The keys of fetching the articles behind new items: `full_text`, the bounds of a first
//! poll (`article_backlog`, `article_max_age`), in `[polling]` and per feed, and how long
//! a poll waits for its articles and when a failed one is tried again (`article_wait`,
//! `article_retry`), in `[polling]` only. Their own file so that the validation of the
//! rest stays readable; checked by the same [`Validator`] and [`Entry`].

use std::time::Duration;

use super::raw::{RawFeed, RawPolling};
use super::validate::{Entry, Validator, at_least_a_second};
use super::{Articles, FullText};
use crate::units::parse_duration;

/// The most articles a first poll may be set to fetch per feed: a feed lists a few
/// hundred items at most, and more would only say "every one".
const MAX_BACKLOG: i64 = 10_000;

impl Articles {
    /// What `[polling]` gives every feed when it says nothing: `auto`, and at a first
    /// poll the articles of the 10 most recent items from the last 2 days. Adding 1,000
    /// feeds then fetches at most 10,000 articles, most feeds far fewer.
    pub const DEFAULT: Articles = Articles {
        full_text: FullText::Auto,
        backlog: 10,
        max_age: Duration::from_secs(2 * 86_400),
    };
}

/// `[polling] article_wait`: a poll waits this long for its articles, all together. Long
/// enough for a batch on a slow site, short enough that a match is never held for long.
pub(super) const DEFAULT_ARTICLE_WAIT: Duration = Duration::from_secs(30);
/// `[polling] article_retry`: a failed article is fetched again this long after.
pub(super) const DEFAULT_ARTICLE_RETRY: Duration = Duration::from_secs(10 * 60);

/// The article keys of `[polling]`: what every feed gets, the wait and the retry.
pub(super) fn polling_articles(
    v: &mut Validator,
    raw: &RawPolling,
) -> (Articles, Duration, Duration) {
    let defaults = Articles::DEFAULT;
    let full_text = raw
        .full_text
        .as_deref()
        .and_then(|text| v.scalar("polling", "full_text", full_text(text)));
    let backlog = raw
        .article_backlog
        .and_then(|n| v.scalar("polling", "article_backlog", backlog(n)));
    let max_age = raw
        .article_max_age
        .as_deref()
        .and_then(|text| v.scalar("polling", "article_max_age", max_age(text)));
    let articles = Articles {
        full_text: full_text.unwrap_or(defaults.full_text),
        backlog: backlog.unwrap_or(defaults.backlog),
        max_age: max_age.unwrap_or(defaults.max_age),
    };
    let wait = v.duration(
        "polling",
        "article_wait",
        raw.article_wait.as_deref(),
        DEFAULT_ARTICLE_WAIT,
    );
    let retry = v.duration(
        "polling",
        "article_retry",
        raw.article_retry.as_deref(),
        DEFAULT_ARTICLE_RETRY,
    );
    (articles, wait, retry)
}

/// A feed's article keys, each falling back to `[polling]`'s. `None` when one is wrong
/// (the problem is recorded against the feed).
pub(super) fn feed_articles(
    e: &mut Entry<'_, '_>,
    raw: &RawFeed,
    defaults: &Articles,
) -> Option<Articles> {
    let full_text = match raw.full_text.as_deref() {
        Some(text) => e.check("full_text", full_text(text)),
        None => Some(defaults.full_text),
    };
    let backlog = match raw.article_backlog {
        Some(n) => e.check("article_backlog", backlog(n)),
        None => Some(defaults.backlog),
    };
    let max_age = match raw.article_max_age.as_deref() {
        Some(text) => e.check("article_max_age", max_age(text)),
        None => Some(defaults.max_age),
    };
    Some(Articles {
        full_text: full_text?,
        backlog: backlog?,
        max_age: max_age?,
    })
}

fn full_text(text: &str) -> Result<FullText, String> {
    match text.trim() {
        "auto" => Ok(FullText::Auto),
        "always" => Ok(FullText::Always),
        "never" => Ok(FullText::Never),
        other => Err(format!(
            "`{other}` is not one of \"auto\", \"always\", \"never\""
        )),
    }
}

fn backlog(n: i64) -> Result<usize, String> {
    match n {
        0..=MAX_BACKLOG => Ok(n as usize),
        _ => Err(format!(
            "{n} is out of range; use 0 (no articles at a first poll) to {MAX_BACKLOG}"
        )),
    }
}

fn max_age(text: &str) -> Result<Duration, String> {
    parse_duration(text).and_then(at_least_a_second)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn load(toml: &str) -> Result<crate::config::Settings, crate::config::ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.toml");
        std::fs::write(&path, toml).unwrap();
        crate::config::load_with_env(&path, HashMap::new())
    }

    const FEEDS: &str = "[[feeds]]\nname = \"wire\"\nurl = \"https://wire.example/rss\"\n\n\
                         [[feeds]]\nname = \"own\"\nurl = \"https://own.example/rss\"\n\
                         full_text = \"always\"\narticle_backlog = 0\n";

    #[test]
    fn feeds_take_the_polling_keys_unless_they_set_their_own() {
        let settings = load(FEEDS).unwrap();
        assert_eq!(settings.polling.articles, Articles::DEFAULT);
        assert_eq!(settings.polling.article_wait, Duration::from_secs(30));
        assert_eq!(settings.polling.article_retry, Duration::from_secs(600));
        assert_eq!(settings.feeds[0].articles, Articles::DEFAULT);
        let own = settings.feeds[1].articles;
        assert_eq!((own.full_text, own.backlog), (FullText::Always, 0));
        assert_eq!(own.max_age, Articles::DEFAULT.max_age);

        let widened = format!(
            "[polling]\nfull_text = \"never\"\narticle_backlog = 1000\n\
             article_max_age = \"3650d\"\narticle_wait = \"5m\"\narticle_retry = \"2s\"\n\n{FEEDS}"
        );
        let settings = load(&widened).unwrap();
        let wire = settings.feeds[0].articles;
        assert_eq!((wire.full_text, wire.backlog), (FullText::Never, 1000));
        assert_eq!(wire.max_age, Duration::from_secs(3650 * 86_400));
        assert_eq!(settings.feeds[1].articles.full_text, FullText::Always);
        assert_eq!(settings.feeds[1].articles.backlog, 0);
        assert_eq!(settings.polling.article_wait, Duration::from_secs(300));
        assert_eq!(settings.polling.article_retry, Duration::from_secs(2));
    }

    #[test]
    fn wrong_values_are_named_with_their_key() {
        let wrong = format!(
            "[polling]\nfull_text = \"sometimes\"\narticle_backlog = -1\narticle_wait = \"0s\"\n\n{}",
            FEEDS.replace("article_backlog = 0", "article_max_age = \"soon\"")
        );
        let problems = load(&wrong).unwrap_err().problems;
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "polling.full_text",
                "polling.article_backlog",
                "polling.article_wait",
                "feeds[1] (\"own\").article_max_age",
            ],
            "{problems:#?}"
        );
        assert!(
            problems[0]
                .reason
                .contains("\"auto\", \"always\", \"never\"")
        );
    }
}
