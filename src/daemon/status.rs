//! How each configured feed is doing, for `newshound feeds` and for the digest footer
//! that names the feeds failing for long, gone or moved: a feed is never given up on
//! silently.

use chrono::{DateTime, Utc};

use super::Context;
use crate::config::Settings;
use crate::digest::render::{FeedProblem, ProblemKind};
use crate::feed::redacted_text;
use crate::store::{Condition, FeedStatus};

/// One configured feed: its stored status and what to make of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FeedOverview {
    #[serde(flatten)]
    pub status: FeedStatus,
    #[serde(serialize_with = "label")]
    pub condition: Condition,
}

fn label<S: serde::Serializer>(c: &Condition, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(c.label())
}

/// Every configured feed, in the order of the configuration.
pub async fn feeds(settings: Settings) -> anyhow::Result<Vec<FeedOverview>> {
    let ctx = Context::open(settings, super::Clock::system()).await?;
    overview(&ctx).await
}

pub(super) async fn overview(ctx: &Context) -> anyhow::Result<Vec<FeedOverview>> {
    let statuses = ctx.with_store(|s| s.feed_statuses()).await?;
    let now = ctx.clock.now();
    let failing_after = ctx.settings.polling.failing_after;
    Ok(ctx
        .feed_ids
        .iter()
        .filter_map(|id| statuses.iter().find(|s| s.id == *id))
        .map(|status| FeedOverview {
            condition: status.condition(now, failing_after),
            status: without_secrets(status.clone()),
        })
        .collect())
}

/// The status with every URL fit to show: a feed's URL may carry a password, and so may
/// the URL it moved to.
fn without_secrets(mut status: FeedStatus) -> FeedStatus {
    status.url = redacted_text(&status.url);
    let location = &mut status.location;
    location.fetch_url = location.fetch_url.as_deref().map(redacted_text);
    location.moved_to = location.moved_to.as_deref().map(redacted_text);
    status
}

/// The feeds a digest's reader should hear about.
pub(super) fn problems(feeds: &[FeedOverview]) -> Vec<FeedProblem> {
    let mut problems = Vec::new();
    for feed in feeds {
        let status = &feed.status;
        let name = status.name.clone();
        match feed.condition {
            Condition::Failing => problems.push(FeedProblem {
                feed: name.clone(),
                kind: ProblemKind::Failing,
                detail: format!(
                    "since {}, {}",
                    day(status.failing_since),
                    status.last_error.as_deref().unwrap_or("unknown error")
                ),
            }),
            Condition::Gone => problems.push(FeedProblem {
                feed: name.clone(),
                kind: ProblemKind::Gone,
                detail: format!("since {}", day(status.gone_since)),
            }),
            _ => {}
        }
        if let Some(url) = &status.location.fetch_url {
            problems.push(FeedProblem {
                feed: name,
                kind: ProblemKind::Moved,
                detail: format!("now polled at {url}"),
            });
        }
    }
    problems
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "?".to_string(), |t| t.format("%-d %b").to_string())
}
