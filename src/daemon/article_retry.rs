//! Articles fetched again: one a poll could not read (a failure, a page too slow, a
//! consent wall) was matched on the feed's text at once and noted; this job fetches it
//! once more after `article_retry`, under the same limits as every request. When it is
//! read, its text becomes the item's body and the item is matched against the watchlists
//! of the feeds it was seen in; the new matches are recorded, grouped into stories and
//! sent like a poll's. A second failure gives the article up (`newshound feeds` counts
//! it).
//!
//! Each article's outcome is one transaction ([`Store::record_article_retry`]): killed
//! between a fetch and its record, the daemon fetches it again after a restart, and a
//! match is recorded once per item and watchlist whatever happens.
//!
//! [`Store::record_article_retry`]: crate::store::Store::record_article_retry

use std::collections::HashSet;
use std::sync::Arc;

use tokio::task::JoinSet;
use url::Url;

use super::Context;
use super::failpoint;
use super::fulltext::{self, Outcome};
use super::job::Ran;
use crate::config::FeedSettings;
use crate::feed::fetch::Fetcher;
use crate::store::{ArticleMatch, ArticleResult, DueArticle, Retried};
use crate::watch::{Document, Source};

/// Articles fetched again at a time (within the host and global limits all the same).
const BATCH: usize = 32;
/// Fetches of one article before it is given up on: the poll's, and one more.
const ATTEMPTS: u32 = 2;

/// Fetches the articles due again, and records each. Finds whether any match was
/// recorded (alerts are then due); due again when the next article is.
pub(super) async fn run(ctx: &Arc<Context>, fetcher: &Fetcher) -> anyhow::Result<Ran<bool>> {
    let mut recorded = 0;
    loop {
        let now = ctx.clock.now();
        let due = ctx.with_reader(move |s| s.due_articles(now, BATCH)).await?;
        let last_batch = due.len() < BATCH;
        let mut fetching = JoinSet::new();
        for (n, article) in due.iter().enumerate() {
            let (ctx, fetcher) = (Arc::clone(ctx), fetcher.clone());
            let url = Url::parse(&article.url);
            fetching.spawn(async move {
                let outcome = match url {
                    Ok(url) => fulltext::fetch_one(&ctx, &fetcher, &url).await,
                    Err(_) => Outcome::Skipped("no link"),
                };
                (n, outcome)
            });
        }
        let mut outcomes: Vec<Option<Outcome>> = due.iter().map(|_| None).collect();
        while let Some(done) = fetching.join_next().await {
            let (n, outcome) = done?;
            outcomes[n] = Some(outcome);
        }
        for (article, outcome) in due.into_iter().zip(outcomes) {
            let Some(outcome) = outcome else { continue };
            let reader = Arc::clone(ctx);
            let (article, retried) = tokio::task::spawn_blocking(move || {
                let retried = settle(&reader, &article, outcome);
                (article, retried)
            })
            .await?;
            failpoint::pause("article-refetched").await;
            let now = ctx.clock.now();
            // What the furniture learned from it goes with the next batch of polls.
            let ids = ctx
                .with_store(move |s| s.record_article_retry(&article, &retried, now))
                .await?;
            recorded += ids.len();
        }
        if last_batch {
            break;
        }
    }
    if recorded > 0 {
        super::digests::group_recorded(ctx).await;
        tracing::info!(
            matches = recorded,
            "articles read on a second attempt matched"
        );
    }
    let next_due = ctx.with_reader(|s| s.next_article_retry()).await?;
    Ok(Ran {
        next_due,
        found: recorded > 0,
    })
}

/// What fetching `article` again came to, as recorded: the article read and matched, a
/// failure (given up on after [`ATTEMPTS`]), a skip, or no attempt (its host is paused).
fn settle(ctx: &Context, article: &DueArticle, outcome: Outcome) -> Retried {
    let failed = |kind: &str, error: String, at| {
        ctx.metrics.article(ArticleResult::Failed, kind);
        Retried::Failed {
            kind: kind.to_string(),
            error,
            next: (article.attempts + 1 < ATTEMPTS).then_some(at),
        }
    };
    let retry_at = ctx.clock.now() + super::poll::to_chrono(ctx.settings.polling.article_retry);
    match outcome {
        Outcome::Read(text) => match fulltext::with_article(&article.body, &text) {
            Ok(body) => {
                ctx.metrics.article(ArticleResult::Read, "");
                let matches = match_article(ctx, article, &body);
                Retried::Read { body, matches }
            }
            Err(why) => failed("stub", why, retry_at),
        },
        Outcome::Failed { kind, retry_at, .. } if kind == "paused" => {
            Retried::Later { at: retry_at }
        }
        Outcome::Failed {
            kind,
            error,
            retry_at,
        } => failed(&kind, error, retry_at),
        Outcome::Skipped(reason) => {
            ctx.metrics.article(ArticleResult::Skipped, reason);
            Retried::Skipped {
                kind: reason.to_string(),
            }
        }
    }
}

/// The matches of the watchlists that apply to any feed `article` was seen in, in its
/// title and `body`.
fn match_article(ctx: &Context, article: &DueArticle, body: &str) -> Vec<ArticleMatch> {
    let wanted: HashSet<usize> = article
        .feeds
        .iter()
        .filter_map(|id| ctx.feed_index(*id))
        .flat_map(|index| ctx.watchlists_of_feed[index].iter().copied())
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let feeds: Vec<&FeedSettings> = article
        .feeds
        .iter()
        .filter_map(|id| ctx.feed_index(*id))
        .map(|index| &ctx.settings.feeds[index])
        .collect();
    let sources: Vec<Source> = feeds.iter().map(|feed| feed.source()).collect();
    let doc = Document {
        title: &article.title,
        body,
        link: &article.url,
        feeds: &sources,
    };
    ctx.watcher
        .match_item(&doc)
        .into_iter()
        .filter(|hit| wanted.contains(&hit.watchlist))
        .map(|hit| ArticleMatch {
            watchlist: ctx.settings.watchlists[hit.watchlist].name.clone(),
            matched_terms: hit.matched_terms,
            snippet: hit.snippet,
        })
        .collect()
}
