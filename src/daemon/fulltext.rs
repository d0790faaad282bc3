//! Full text: the articles behind a poll's new items, read between the parse and the
//! match. [`plan`] decides, on the blocking pool with the parse, which new items need
//! their article (`full_text`, a first poll's bounds, an article another feed already
//! read); [`fetch`] gets those articles concurrently under the same limits as feeds and
//! waits for them at most `article_wait`; [`apply`] (on the blocking pool, before the
//! match) makes an article read its item's body, and notes the rest, matched on the
//! feed's text at once, for a retry ([`ArticleNotes`], written with the poll). Pages become text through the one seam in
//! [`super::articles`].
//!
//! A poll with no new items, or a feed with `full_text = "never"`, never gets here: it
//! costs what it did before full text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use url::Url;

use super::articles::{ArticleError, read_article};
use super::hosts::Hosts;
use super::poll::to_chrono;
use super::{Context, lock};
use crate::article::furniture::{Furniture, Stripped, site};
use crate::config::FullText;
use crate::dedup::{Text, article_link};
use crate::feed::fetch::{Fetcher, Page};
use crate::model::Item;
use crate::store::{ArticleNotes, ArticleResult, RetryLater};

/// Under `auto`, a feed's text for an item shorter than this is a teaser and the article
/// is fetched. In the shared corpus of real feeds, teaser feeds run a median of 6 to 66
/// words an item (NYT 25, Reuters 39, Le Monde 25, Spiegel 30; the longest item 114) and
/// excerpts cut with "Continue reading" about 130, while feeds that carry the article run
/// a median of 190 to 1,100, and put it in a content element: of the 18 well-formed feeds
/// there whose items run 150 words or more, 17 do (`content:encoded`, Atom `content`).
pub(super) const TEASER_WORDS: usize = 150;
/// The last line of an excerpt, lowercased: the feed cut the article there.
const EXCERPT_ENDS: [&str; 8] = [
    "read more",
    "continue reading",
    "keep reading",
    "read the full",
    "read full",
    "full story",
    "full article",
    "(more",
];
/// At most this much of an article's text is kept: no article runs longer (a 15,000-word
/// long read is about 100 KiB), and a page that does is not one article.
const MAX_ARTICLE_BYTES: usize = 256 << 10;
/// A page that says less than this share of what the feed said about the item is a stub
/// (a paywall's teaser), not the article.
const STUB_SHARE: usize = 2;

/// New items (their indices) and the pages of their articles.
type Linked = Vec<(usize, Url)>;

/// Why an article was not fetched (the `kind` of a skip).
const NO_LINK: &str = "no link";
const KNOWN: &str = "known";
const BACKLOG: &str = "backlog";
const NOT_HTML: &str = "not html";

/// The articles of one poll's new items: those still to fetch, and what the others came
/// to.
#[derive(Debug, Default)]
pub(super) struct Articles {
    /// Each page to fetch, with the items (indices into the poll's new items) it is the
    /// article of: a feed may give several items one link.
    to_fetch: Vec<(Url, Vec<usize>)>,
    /// The pages fetched, with what each came to, until [`apply`] notes them.
    fetched: Vec<(Url, Vec<usize>, Outcome)>,
    /// Written with the poll.
    pub(super) notes: ArticleNotes,
}

/// How many of a poll's articles were read, failed or skipped, for its report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArticleCounts {
    pub read: usize,
    pub failed: usize,
    pub skipped: usize,
    /// When the first of the failed ones is fetched again.
    pub retry_at: Option<DateTime<Utc>>,
}

impl ArticleCounts {
    /// Whether any article was fetched (read or failed), as against only skipped.
    pub fn fetched(&self) -> bool {
        self.read + self.failed > 0
    }
}

impl std::iter::Sum for ArticleCounts {
    fn sum<I: Iterator<Item = ArticleCounts>>(counts: I) -> ArticleCounts {
        counts.fold(ArticleCounts::default(), |sum, c| ArticleCounts {
            read: sum.read + c.read,
            failed: sum.failed + c.failed,
            skipped: sum.skipped + c.skipped,
            retry_at: sum.retry_at.into_iter().chain(c.retry_at).min(),
        })
    }
}

impl Articles {
    /// Whether pages are still to be fetched.
    pub(super) fn pending(&self) -> bool {
        !self.to_fetch.is_empty()
    }

    pub(super) fn counts(&self) -> ArticleCounts {
        let mut counts = ArticleCounts {
            retry_at: self.notes.retries.iter().map(|r| r.at).min(),
            ..ArticleCounts::default()
        };
        for ((result, _), n) in &self.notes.tally {
            let n = *n as usize;
            match result {
                ArticleResult::Read => counts.read += n,
                ArticleResult::Failed => counts.failed += n,
                ArticleResult::Skipped => counts.skipped += n,
            }
        }
        counts
    }

    fn tally(&mut self, ctx: &Context, result: ArticleResult, kind: &str) {
        ctx.metrics.article(result, kind);
        *self
            .notes
            .tally
            .entry((result, kind.to_string()))
            .or_default() += 1;
    }
}

/// Which of `items` (new to feed `index`) get their article, and which are skipped why.
/// An item whose article another feed's item has read takes that text now. On the
/// blocking pool: it may ask the reading connection.
pub(super) fn plan(
    ctx: &Context,
    index: usize,
    first_poll: bool,
    items: &mut [Item],
    now: DateTime<Utc>,
) -> anyhow::Result<Articles> {
    let mut articles = Articles::default();
    let policy = ctx.settings.feeds[index].articles;
    let wanted: Vec<usize> = (0..items.len())
        .filter(|&i| wants(policy.full_text, &items[i]))
        .collect();
    if wanted.is_empty() {
        return Ok(articles);
    }
    let mut linked = Vec::new();
    for i in wanted {
        match page_link(&items[i]) {
            Some(url) => linked.push((i, url)),
            None => articles.tally(ctx, ArticleResult::Skipped, NO_LINK),
        }
    }
    let keys: Vec<Option<String>> = linked
        .iter()
        .map(|(_, url)| article_link(url.as_str()))
        .collect();
    let asked: Vec<String> = keys.iter().flatten().cloned().collect();
    let known = if asked.is_empty() {
        HashMap::new()
    } else {
        ctx.lock_reader().known_articles(&asked)?
    };
    let mut to_read = Vec::new();
    for ((i, url), key) in linked.into_iter().zip(keys) {
        match key.and_then(|k| known.get(&k)) {
            Some(text) => {
                // The same text as the item that read it, so that the store finds the
                // two one article.
                items[i].body = text.clone();
                articles.notes.read.push(i);
                articles.tally(ctx, ArticleResult::Skipped, KNOWN);
            }
            None => to_read.push((i, url)),
        }
    }
    if first_poll {
        let (recent, older) = within_backlog(to_read, items, &policy, now);
        for _ in older {
            articles.tally(ctx, ArticleResult::Skipped, BACKLOG);
        }
        to_read = recent;
    }
    let mut pages: HashMap<Url, usize> = HashMap::new();
    for (i, url) in to_read {
        match pages.get(&url) {
            Some(&page) => articles.to_fetch[page].1.push(i),
            None => {
                pages.insert(url.clone(), articles.to_fetch.len());
                articles.to_fetch.push((url, vec![i]));
            }
        }
    }
    Ok(articles)
}

/// Whether `item`'s article is wanted under `full_text`.
fn wants(full_text: FullText, item: &Item) -> bool {
    match full_text {
        FullText::Never => false,
        FullText::Always => true,
        FullText::Auto => !carries_the_article(item),
    }
}

/// Whether the feed's text for `item` is the whole article: [`TEASER_WORDS`] or more,
/// given as the item's content (not a summary alone, which is an excerpt however long),
/// and not cut off with a "Read more" line or an ellipsis.
fn carries_the_article(item: &Item) -> bool {
    let body = item.body.trim_end();
    let long = body.split_whitespace().take(TEASER_WORDS).count() >= TEASER_WORDS;
    let last_line = body.rsplit('\n').next().unwrap_or_default().to_lowercase();
    let cut = ["…", "...", "[…]", "[...]"]
        .iter()
        .any(|e| body.ends_with(e))
        || (last_line.split_whitespace().count() <= 8
            && EXCERPT_ENDS.iter().any(|e| last_line.contains(e)));
    long && item.has_content && !cut
}

/// The item's link, if it is a web page's.
fn page_link(item: &Item) -> Option<Url> {
    let url = Url::parse(item.link.as_deref()?.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A first poll's bounds: of the items that want their article, the `backlog` most recent
/// published within `max_age` (an item without a date counts as recent, and as newer than
/// those with one, in the feed's order), and the rest.
fn within_backlog(
    mut wanted: Linked,
    items: &[Item],
    policy: &crate::config::Articles,
    now: DateTime<Utc>,
) -> (Linked, Linked) {
    let oldest = now - to_chrono(policy.max_age);
    let published = |i: usize| items[i].published.unwrap_or(now);
    let (mut recent, mut older): (Vec<_>, Vec<_>) = wanted
        .drain(..)
        .partition(|(i, _)| items[*i].published.is_none_or(|p| p >= oldest));
    recent.sort_by_key(|(i, _)| std::cmp::Reverse(published(*i)));
    if recent.len() > policy.backlog {
        older.extend(recent.split_off(policy.backlog));
    }
    (recent, older)
}

/// What fetching one page came to.
#[derive(Debug)]
pub(super) enum Outcome {
    Read(String),
    Failed {
        kind: String,
        error: String,
        retry_at: DateTime<Utc>,
    },
    Skipped(&'static str),
}

/// Fetches the pages `articles` still has to, all at once within the host and global
/// limits, waiting for them at most `article_wait`; one not read by then has failed.
pub(super) async fn fetch(ctx: &Arc<Context>, fetcher: &Fetcher, articles: &mut Articles) {
    let to_fetch = std::mem::take(&mut articles.to_fetch);
    let wait = ctx.settings.polling.article_wait;
    let deadline = tokio::time::Instant::now() + wait;
    let mut running = JoinSet::new();
    let mut pages = HashMap::new();
    for (n, (url, _)) in to_fetch.iter().enumerate() {
        let (ctx, fetcher, url) = (Arc::clone(ctx), fetcher.clone(), url.clone());
        let task = running.spawn(async move { fetch_one(&ctx, &fetcher, &url).await });
        pages.insert(task.id(), n);
    }
    let mut outcomes: Vec<Option<Outcome>> = to_fetch.iter().map(|_| None).collect();
    while let Ok(Some(joined)) =
        tokio::time::timeout_at(deadline, running.join_next_with_id()).await
    {
        let (task, outcome) = match joined {
            Ok((task, outcome)) => (task, outcome),
            Err(e) => (e.id(), internal(ctx)),
        };
        if let Some(&n) = pages.get(&task) {
            outcomes[n] = Some(outcome);
        }
    }
    // Those still running are dropped with the set, and give up their slots.
    drop(running);
    let now = ctx.clock.now();
    for ((url, indices), outcome) in to_fetch.into_iter().zip(outcomes) {
        let outcome = outcome.unwrap_or_else(|| Outcome::Failed {
            kind: "slow".into(),
            error: format!("not read within {}", humantime::format_duration(wait)),
            retry_at: now + to_chrono(ctx.settings.polling.article_retry),
        });
        articles.fetched.push((url, indices, outcome));
    }
}

/// Notes what the pages [`fetch`] got came to: a page read becomes the body of its
/// items; one that failed, or was not read in time, is noted for a retry.
pub(super) fn apply(ctx: &Context, articles: &mut Articles, items: &mut [Item]) {
    let now = ctx.clock.now();
    for (url, indices, outcome) in std::mem::take(&mut articles.fetched) {
        for i in indices {
            note(ctx, articles, &mut items[i], i, &url, &outcome, now);
        }
    }
}

/// Notes what `item`'s article came to, and makes a read article its body.
fn note(
    ctx: &Context,
    articles: &mut Articles,
    item: &mut Item,
    index: usize,
    url: &Url,
    outcome: &Outcome,
    now: DateTime<Utc>,
) {
    let retry_at = now + to_chrono(ctx.settings.polling.article_retry);
    let failed = |kind: &str, error: String, at| RetryLater {
        item: index,
        url: url.to_string(),
        kind: kind.to_string(),
        error,
        at,
    };
    let later = match outcome {
        Outcome::Read(text) => match with_article(&item.body, text) {
            Ok(body) => {
                item.body = body;
                articles.notes.read.push(index);
                articles.tally(ctx, ArticleResult::Read, "");
                return;
            }
            Err(why) => failed("stub", why, retry_at),
        },
        Outcome::Failed {
            kind,
            error,
            retry_at,
        } => failed(kind, error.clone(), *retry_at),
        Outcome::Skipped(reason) => {
            articles.tally(ctx, ArticleResult::Skipped, reason);
            return;
        }
    };
    articles.tally(ctx, ArticleResult::Failed, &later.kind);
    articles.notes.retries.push(later);
}

/// The item's body once its article is read: the article's text, after the feed's text
/// when the article does not hold that (a standfirst the page leaves out may name what a
/// watchlist looks for). A page that says much less than the feed did is not the article.
pub(super) fn with_article(feed_text: &str, article: &str) -> Result<String, String> {
    let (feed, page) = (Text::of(feed_text), Text::of(article));
    let words = |text: &str| text.split_whitespace().count();
    let (feed_words, page_words) = (words(feed_text), words(article));
    if page_words * STUB_SHARE < feed_words {
        return Err(format!(
            "the page has {page_words} words where the feed had {feed_words}"
        ));
    }
    if feed_words == 0 || feed.near_identical(&page) {
        Ok(article.to_string())
    } else {
        Ok(format!("{}\n\n{article}", feed_text.trim()))
    }
}

/// Fetches one page, taking its host's slot and then a global one as a feed's poll does,
/// and reads it through the seam.
pub(super) async fn fetch_one(ctx: &Context, fetcher: &Fetcher, url: &Url) -> Outcome {
    let host = Hosts::key(url);
    let host_permit = match &host {
        Some(host) => match ctx.hosts.permits(host).acquire_owned().await {
            Ok(permit) => Some(permit),
            Err(_) => return internal(ctx),
        },
        None => None,
    };
    let Ok(permit) = Arc::clone(&ctx.permits).acquire_owned().await else {
        return internal(ctx);
    };
    let retry = to_chrono(ctx.settings.polling.article_retry);
    let now = ctx.clock.now();
    if let Some(until) = host.as_deref().and_then(|h| ctx.hosts.paused_until(h, now)) {
        return Outcome::Failed {
            kind: "paused".into(),
            error: format!(
                "its host asked for a pause until {}",
                until.format("%H:%M:%S UTC")
            ),
            retry_at: until.max(now + retry),
        };
    }
    let page = fetcher.fetch_page(url).await;
    drop((permit, host_permit));
    let now = ctx.clock.now();
    let (bytes, content_type, reached) = match page {
        Err(e) => {
            let mut retry_at = now + retry;
            if let (Some(host), Some(wait)) = (&host, e.retry_after()) {
                tracing::info!(host = %host, wait = %humantime::format_duration(wait), "host asked for a pause (Retry-After)");
                ctx.hosts.pause(host, now + to_chrono(wait));
                retry_at = retry_at.max(now + to_chrono(wait));
            }
            return Outcome::Failed {
                kind: e.kind().to_string(),
                error: e.to_string(),
                retry_at,
            };
        }
        Ok(Page::Other { .. }) => return Outcome::Skipped(NOT_HTML),
        Ok(Page::Body {
            bytes,
            content_type,
            url,
        }) => (bytes, content_type, url),
    };
    if reached != *url && behind_a_wall(&reached) {
        return Outcome::Failed {
            kind: "stub".into(),
            error: format!(
                "redirected to {}{}, a consent, login or subscription page",
                reached.host_str().unwrap_or_default(),
                reached.path()
            ),
            retry_at: now + retry,
        };
    }
    let (furniture, metrics) = (Arc::clone(&ctx.furniture), Arc::clone(&ctx.metrics));
    let read = tokio::task::spawn_blocking(move || {
        read_article(&bytes, content_type.as_deref(), &reached).map(|read| {
            let mut text = match site(&reached) {
                Some(site) => {
                    let stripped = without_furniture(&furniture, &site, &read.text);
                    metrics.furniture_lines(stripped.dropped);
                    stripped.text
                }
                None => read.text,
            };
            if text.len() > MAX_ARTICLE_BYTES {
                let mut cut = MAX_ARTICLE_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            text
        })
    })
    .await;
    match read {
        Ok(Ok(text)) => Outcome::Read(text),
        Ok(Err(ArticleError::NotHtml(_))) => Outcome::Skipped(NOT_HTML),
        Ok(Err(stub @ ArticleError::Stub(_))) => Outcome::Failed {
            kind: "stub".into(),
            error: stub.to_string(),
            retry_at: now + retry,
        },
        Err(_) => internal(ctx),
    }
}

/// `text`, an article of `site`, without the site's furniture learned so far (from other
/// pages), and learned from: each read article counts once.
fn without_furniture(furniture: &Mutex<Furniture>, site: &str, text: &str) -> Stripped {
    let mut furniture = lock(furniture);
    let stripped = furniture.strip(site, text);
    furniture.learn(site, text);
    if stripped.dropped > 0 {
        tracing::debug!(
            site,
            lines = stripped.dropped,
            "left the site's furniture out"
        );
    }
    stripped
}

/// A failure of newshound's own (a task that panicked), tried again later like any other.
fn internal(ctx: &Context) -> Outcome {
    Outcome::Failed {
        kind: "internal".into(),
        error: "reading the article failed inside newshound".into(),
        retry_at: ctx.clock.now() + to_chrono(ctx.settings.polling.article_retry),
    }
}

/// Whether a redirect from an article's link ended on a consent wall, a login form or a
/// subscription offer rather than the article: a host or path named for one
/// (`consent.example.com`, `/account/login`, `/subscribe`).
pub(super) fn behind_a_wall(reached: &Url) -> bool {
    const WALLS: [&str; 10] = [
        "consent",
        "login",
        "signin",
        "sign-in",
        "subscribe",
        "subscription",
        "paywall",
        "register",
        "gdpr",
        "cookies",
    ];
    let first_label = reached
        .host_str()
        .and_then(|h| h.split('.').next())
        .unwrap_or_default();
    let segments = reached.path_segments().into_iter().flatten();
    std::iter::once(first_label).chain(segments).any(|part| {
        let part = part.to_ascii_lowercase();
        let stem = part.split('.').next().unwrap_or_default();
        WALLS.contains(&stem)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(body: &str, published: Option<DateTime<Utc>>) -> Item {
        Item {
            identity: "x".into(),
            guid: None,
            link: Some("https://news.example/a".into()),
            title: "T".into(),
            body: body.into(),
            published,
            has_content: false,
        }
    }

    #[test]
    fn auto_wants_the_article_of_a_teaser_not_of_a_whole_article() {
        let content = |body: &str| Item {
            has_content: true,
            ..item(body, None)
        };
        let teaser = "Word ".repeat(TEASER_WORDS - 1);
        let whole = "Word ".repeat(TEASER_WORDS);
        assert!(wants(FullText::Auto, &content(&teaser)));
        assert!(wants(FullText::Auto, &item("", None)));
        assert!(!wants(FullText::Auto, &content(&whole)));
        // A long summary is an excerpt; so is content cut with "Read more" or "…".
        assert!(wants(FullText::Auto, &item(&whole, None)));
        assert!(wants(
            FullText::Auto,
            &content(&format!("{whole}\n\nRead more"))
        ));
        assert!(wants(
            FullText::Auto,
            &content(&format!("{whole}\n\nContinue reading \"Ankara\" »"))
        ));
        assert!(wants(
            FullText::Auto,
            &content(&format!("{whole} and so […]"))
        ));
        assert!(wants(FullText::Auto, &content(&format!("{whole} and so…"))));
        // A last paragraph that merely mentions reading more is the article's.
        let told = format!(
            "{whole}\n\nThose who want to read more of the report can ask the ministry \
             for its full text, which runs to forty pages."
        );
        assert!(!wants(FullText::Auto, &content(&told)));
        assert!(wants(FullText::Always, &item(&whole, None)));
        assert!(!wants(FullText::Never, &item("", None)));
        let mut mail = item("", None);
        mail.link = Some("mailto:desk@news.example".into());
        assert_eq!(page_link(&mail), None);
    }

    #[test]
    fn a_first_poll_reads_only_the_most_recent_within_the_age() {
        let now = Utc::now();
        let hours = |h: i64| Some(now - chrono::Duration::hours(h));
        let items: Vec<Item> = [hours(30), None, hours(1), hours(72), hours(5), hours(2)]
            .into_iter()
            .map(|p| item("", p))
            .collect();
        let url = Url::parse("https://news.example/a").unwrap();
        let wanted = (0..items.len()).map(|i| (i, url.clone())).collect();
        let policy = crate::config::Articles {
            backlog: 3,
            ..crate::config::Articles::DEFAULT
        };
        let (recent, older) = within_backlog(wanted, &items, &policy, now);
        let order = |v: &[(usize, Url)]| v.iter().map(|(i, _)| *i).collect::<Vec<_>>();
        // Undated first, then newest first; three of them; 72h old is past 2 days.
        assert_eq!(order(&recent), [1, 2, 5]);
        assert_eq!(order(&older), [3, 4, 0]);
    }

    #[test]
    fn the_article_keeps_a_teaser_it_does_not_hold_and_a_stub_is_refused() {
        let article = "The minister said on Friday that the batteries would stay where they are. \
                       Officials in Ankara added that no decision had been taken on a second \
                       purchase, and that talks would go on next month.";
        let held = "The minister said on Friday that the batteries would stay where they are.";
        assert_eq!(with_article(held, article).unwrap(), article);
        let standfirst = "Ankara rejects the call to hand over its S-400 systems";
        let body = with_article(standfirst, article).unwrap();
        assert!(
            body.starts_with(standfirst) && body.ends_with(article),
            "{body}"
        );
        assert_eq!(with_article("", article).unwrap(), article);
        let long_feed = format!("{article} {article} {article}");
        assert!(with_article(&long_feed, "Subscribe to read on.").is_err());
    }

    #[test]
    fn walls_are_known_by_where_a_redirect_ends() {
        for wall in [
            "https://consent.example.com/ml?continue=https://news.example/a",
            "https://news.example/account/login?next=/a",
            "https://news.example/subscribe",
            "https://news.example/consent/wall.html",
        ] {
            assert!(behind_a_wall(&Url::parse(wall).unwrap()), "{wall}");
        }
        for article in [
            "https://news.example/2026/11/login-data-leak",
            "https://cdn.news.example/world/a.html",
            "https://news.example/consent-decree-signed",
        ] {
            assert!(!behind_a_wall(&Url::parse(article).unwrap()), "{article}");
        }
    }
}
