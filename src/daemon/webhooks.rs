//! Webhooks in the daemon, on the same rails as mail. A webhook is a digest of one
//! recipient (its key, `webhook:NAME`): at its schedule's times ([`run_webhook`], on the
//! timetable beside the digests) or, with `alert = true`, shortly after a poll and at most
//! once per `[alerts] interval` ([`run_alert_webhooks`]), the matches it was not sent are
//! grouped into stories, written in its format and committed to the outbox with the
//! matches they cover and a new idempotency key, all in one transaction. A story sent to
//! it before comes as a follow-up.
//!
//! [`drain`] sends the pending deliveries: in order per webhook (one waiting for a retry
//! holds back the later ones to the same webhook), the webhooks side by side, so a
//! receiver that hangs until its timeout holds up no other. It has a lock file of its own
//! beside the mail's, so neither waits for the other.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinSet;

use super::digests::{self, group_queued, stories_of};
use super::metrics::Delivery as Counted;
use super::outbox::{self, Attempt, DrainReport};
use super::{Context, failpoint};
use crate::config::{WebhookSettings, WebhookTiming};
use crate::digest::render::{DigestView, StoryEntry};
use crate::digest::send::retry_delay;
use crate::store::{Channel, MessageKind, NewMessage, OutboxMessage, Store};
use crate::webhook::post::{Outcome, Poster, unanswered};
use crate::webhook::{self, MAX_STORIES, Story};

/// How long a delivery to a webhook no longer configured waits before it is looked at
/// again (the webhook may come back with the next edit of the config).
const UNCONFIGURED_WAIT: Duration = Duration::from_secs(3600);

/// Whether any webhook is called at once rather than on a schedule.
pub(super) fn alerting(ctx: &Context) -> bool {
    ctx.settings
        .webhooks
        .iter()
        .any(|w| w.timing == WebhookTiming::Alert)
}

/// Queues the deliveries of scheduled webhook `index` for `now`. Returns the outbox ids.
pub(super) async fn run_webhook(
    ctx: &Arc<Context>,
    index: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    let shared = Arc::clone(ctx);
    let queued = ctx
        .with_store(move |s| {
            let ctx = shared;
            group_queued(&ctx, s, now);
            let webhook = &ctx.settings.webhooks[index];
            s.atomically(|s| {
                let queued = queue_for(s, webhook, now)?;
                s.mark_digest_run(&webhook.key(), now)?;
                failpoint::pause_blocking("webhook-queued");
                anyhow::Ok(queued)
            })
        })
        .await?;
    log_queued(&ctx.settings.webhooks[index], &queued);
    if !queued.is_empty() {
        failpoint::pause("webhook-committed").await;
    }
    Ok(queued)
}

/// Queues the deliveries of each alert webhook with something new that is not
/// rate-limited. Returns the ids queued and, when a webhook had to wait, when to look
/// again.
pub(super) async fn run_alert_webhooks(
    ctx: &Arc<Context>,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<i64>, Option<DateTime<Utc>>)> {
    if !alerting(ctx) {
        return Ok((Vec::new(), None));
    }
    let shared = Arc::clone(ctx);
    let (queued, wake, by_webhook) = ctx
        .with_store(move |s| {
            let ctx = shared;
            group_queued(&ctx, s, now);
            let interval =
                chrono::Duration::from_std(ctx.settings.alerts.interval).unwrap_or_default();
            s.atomically(|s| {
                let (mut queued, mut wake, mut by_webhook) = (Vec::new(), None, Vec::new());
                for (index, webhook) in ctx.settings.webhooks.iter().enumerate() {
                    if webhook.timing != WebhookTiming::Alert {
                        continue;
                    }
                    let key = webhook.key();
                    // A delivery still pending (the receiver is down) counts too: piling
                    // up more would deliver them all at once when it is back.
                    let due = match s.last_alert(&key)? {
                        Some((_, true)) => Some(now + interval),
                        Some((last, false)) if last + interval > now => Some(last + interval),
                        _ => None,
                    };
                    if let Some(due) = due {
                        if !s
                            .unsent_matches(&key, &key, &webhook.watchlists)?
                            .is_empty()
                        {
                            wake = Some(wake.map_or(due, |w: DateTime<Utc>| w.min(due)));
                        }
                        continue;
                    }
                    let ids = queue_for(s, webhook, now)?;
                    queued.extend(&ids);
                    by_webhook.push((index, ids));
                }
                failpoint::pause_blocking("webhook-queued");
                anyhow::Ok((queued, wake, by_webhook))
            })
        })
        .await?;
    for (index, ids) in &by_webhook {
        log_queued(&ctx.settings.webhooks[*index], ids);
    }
    if !queued.is_empty() {
        failpoint::pause("webhook-committed").await;
    }
    Ok((queued, wake))
}

fn log_queued(webhook: &WebhookSettings, queued: &[i64]) {
    if queued.is_empty() {
        tracing::debug!(webhook = %webhook.name, "nothing new; no webhook delivery queued");
    } else {
        tracing::info!(webhook = %webhook.name, deliveries = queued.len(), "webhook deliveries queued");
    }
}

/// The stories of `view` as a webhook carries them: a story several watchlists matched is
/// carried once, under the first, with the reports and terms of all of them; each with
/// the matches it covers.
fn carried(view: DigestView) -> Vec<(Story, Vec<i64>)> {
    let mut entries: Vec<(String, StoryEntry)> = Vec::new();
    let mut by_story: HashMap<i64, usize> = HashMap::new();
    for section in view.sections {
        for entry in section.stories {
            let story_id = entry.matches.iter().find_map(|m| m.story);
            match story_id.and_then(|id| by_story.get(&id)) {
                Some(&at) => entries[at].1.matches.extend(entry.matches),
                None => {
                    if let Some(id) = story_id {
                        by_story.insert(id, entries.len());
                    }
                    entries.push((section.watchlist.clone(), entry));
                }
            }
        }
    }
    entries
        .iter()
        .filter_map(|(watchlist, entry)| {
            let ids = entry.matches.iter().map(|m| m.id).collect();
            Some((Story::of(watchlist, entry)?, ids))
        })
        .collect()
}

/// Commits to the outbox what `webhook` was not sent yet: its stories in deliveries of at
/// most [`MAX_STORIES`], each with the matches it covers. A story matched by several of
/// its watchlists is carried once, under the first.
fn queue_for(
    store: &mut Store,
    webhook: &WebhookSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<i64>> {
    let key = webhook.key();
    let matches = store.unsent_matches(&key, &key, &webhook.watchlists)?;
    if matches.is_empty() {
        return Ok(Vec::new());
    }
    let sent = store.sent_stories(&key, &stories_of(&matches))?;
    let view = digests::view(&webhook.name, &webhook.watchlists, matches, &sent, now);
    let stories = carried(view);
    let mut queued = Vec::new();
    for chunk in stories.chunks(MAX_STORIES) {
        let key_of_delivery = webhook::new_key();
        let delivery = webhook::Delivery::new(
            &webhook.name,
            key_of_delivery.clone(),
            now,
            chunk.iter().map(|(s, _)| s.clone()).collect(),
        );
        let body = webhook::body(webhook.format, &webhook.url, &delivery);
        let new = NewMessage {
            kind: MessageKind::Webhook,
            digest: webhook.name.clone(),
            recipient: key.clone(),
            message_id: key_of_delivery,
            subject: delivery.summary(),
            sender: String::new(),
            message: body,
            match_ids: chunk.iter().flat_map(|(_, ids)| ids.clone()).collect(),
        };
        queued.push(store.queue_message(&new, now)?);
    }
    Ok(queued)
}

/// Sends the pending webhook deliveries that are due (all of them with `all`), in order
/// per webhook.
pub(super) async fn drain(
    ctx: &Arc<Context>,
    poster: &Poster,
    all: bool,
) -> anyhow::Result<DrainReport> {
    let _sending = outbox::sending_lock(&ctx.settings.storage.path, "webhooks").await?;
    let pending = ctx
        .with_store(|s| s.pending_messages(Channel::Webhook))
        .await?;
    let mut chains: Vec<(String, Vec<OutboxMessage>)> = Vec::new();
    for message in pending {
        match chains.iter_mut().find(|(r, _)| *r == message.recipient) {
            Some((_, chain)) => chain.push(message),
            None => chains.push((message.recipient.clone(), vec![message])),
        }
    }
    let mut running = JoinSet::new();
    for (_, chain) in chains {
        let (ctx, poster) = (Arc::clone(ctx), poster.clone());
        running.spawn(async move {
            let mut report = DrainReport::default();
            for message in chain {
                if ctx.stopping.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let now = ctx.clock.now();
                if !all && message.next_attempt_at > now {
                    break;
                }
                match deliver(&ctx, &poster, &message, now).await? {
                    Attempt::Sent => report.sent.push(message),
                    // Refused for good: the later ones still go.
                    Attempt::Failed(reason) => report.failed.push((message, reason)),
                    Attempt::Retrying { reason, .. } => {
                        report.retrying.push((message, reason));
                        break;
                    }
                }
            }
            anyhow::Ok(report)
        });
    }
    // Every chain is waited for, also after one failed: dropping the set would cut the
    // others off between a receiver's 2xx and its mark, and post that delivery again.
    let mut report = DrainReport::default();
    let mut first_error = None;
    while let Some(done) = running.join_next().await {
        match done.map_err(anyhow::Error::from).and_then(|chain| chain) {
            Ok(chain) => {
                report.sent.extend(chain.sent);
                report.retrying.extend(chain.retrying);
                report.failed.extend(chain.failed);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    report.next_attempt = ctx.with_store(|s| s.next_attempt(Channel::Webhook)).await?;
    Ok(report)
}

/// POSTs delivery `message` once and records how it went.
async fn deliver(
    ctx: &Context,
    poster: &Poster,
    message: &OutboxMessage,
    now: DateTime<Utc>,
) -> anyhow::Result<Attempt> {
    let id = message.id;
    let Some(webhook) = ctx
        .settings
        .webhooks
        .iter()
        .find(|w| w.name == message.digest)
    else {
        let reason = format!(
            "no webhook is named `{}` in the configuration",
            message.digest
        );
        let next = now + chrono::Duration::from_std(UNCONFIGURED_WAIT).unwrap_or_default();
        let error = reason.clone();
        ctx.with_store(move |s| s.mark_retry(id, &error, next))
            .await?;
        tracing::warn!(webhook = %message.digest, "{reason}; its deliveries wait");
        return Ok(Attempt::Retrying {
            reason,
            blocked: false,
        });
    };
    let sent = poster
        .post(webhook, &message.message_id, &message.message, now)
        .await;
    let outcome = match sent {
        Ok(answer) => answer.outcome(),
        Err(reason) => unanswered(reason),
    };
    match outcome {
        Outcome::Delivered => {
            ctx.metrics.webhook(&webhook.name, Counted::Sent);
            failpoint::pause("webhook-accepted").await;
            outbox::mark_sent(ctx, id, now).await?;
            tracing::info!(
                webhook = %webhook.name,
                key = %message.message_id,
                "webhook delivery sent"
            );
            failpoint::pause("webhook-marked-sent").await;
            Ok(Attempt::Sent)
        }
        Outcome::Refused(reason) => {
            ctx.metrics.webhook(&webhook.name, Counted::Failed);
            let error = reason.clone();
            ctx.with_store(move |s| s.mark_failed(id, &error)).await?;
            tracing::error!(
                webhook = %webhook.name,
                url = %webhook.shown_url(),
                key = %message.message_id,
                %reason,
                "webhook refused the delivery; see `newshound outbox`"
            );
            Ok(Attempt::Failed(reason))
        }
        Outcome::Retry { reason, after } => {
            ctx.metrics.webhook(&webhook.name, Counted::Retrying);
            // What the receiver asked for, but at least a second: `Retry-After: 0` must
            // not turn the pass into a loop.
            let wait = after.map_or_else(
                || retry_delay(message.attempts + 1, retry_cap(ctx, webhook)),
                |after| after.max(Duration::from_secs(1)),
            );
            let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
            let error = reason.clone();
            ctx.with_store(move |s| s.mark_retry(id, &error, next))
                .await?;
            tracing::warn!(
                webhook = %webhook.name,
                url = %webhook.shown_url(),
                key = %message.message_id,
                error = %reason,
                retry_in = %humantime::format_duration(wait),
                "webhook delivery not sent; will retry"
            );
            Ok(Attempt::Retrying {
                reason,
                blocked: false,
            })
        }
    }
}

/// The longest wait before a delivery is tried again: the webhook's own period, or the
/// alerts' interval.
fn retry_cap(ctx: &Context, webhook: &WebhookSettings) -> Duration {
    match &webhook.timing {
        WebhookTiming::Alert => ctx.settings.alerts.interval,
        WebhookTiming::Schedule { schedule, .. } => schedule.typical_gap(),
    }
}

/// What `webhook test` got: where it posted (shown without its path), under which key,
/// and the answer or why there was none.
#[derive(Debug)]
pub struct WebhookTest {
    pub url: String,
    pub key: String,
    pub answer: Result<webhook::post::Answer, String>,
    pub took: Duration,
}

/// POSTs a sample delivery to webhook `name`, in its format, signed and with its headers
/// as a real one; nothing is queued or marked.
pub async fn test_webhook(
    settings: &crate::config::Settings,
    name: &str,
) -> anyhow::Result<WebhookTest> {
    let webhook = find(settings, name)?;
    let poster = Poster::new(&settings.polling.user_agent).map_err(anyhow::Error::msg)?;
    let now = Utc::now();
    let key = webhook::new_key();
    let delivery =
        webhook::Delivery::new(&webhook.name, key.clone(), now, vec![Story::sample(now)]);
    let body = webhook::body(webhook.format, &webhook.url, &delivery);
    let started = std::time::Instant::now();
    let answer = poster.post(webhook, &key, &body, now).await;
    Ok(WebhookTest {
        url: webhook.shown_url(),
        key,
        answer,
        took: started.elapsed(),
    })
}

/// One configured webhook and how its deliveries stand, for `newshound webhook list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WebhookOverview {
    pub name: String,
    pub format: &'static str,
    /// Scheme, host and port only.
    pub url: String,
    /// "alert" or the schedule as written.
    pub when: String,
    pub watchlists: Vec<String>,
    #[serde(flatten)]
    pub deliveries: crate::store::DeliveryCounts,
}

/// Every configured webhook, in the order of the configuration.
pub async fn webhooks(settings: crate::config::Settings) -> anyhow::Result<Vec<WebhookOverview>> {
    let ctx = Context::open(settings, super::Clock::system()).await?;
    overview(&ctx).await
}

/// Every webhook of `ctx`'s settings, with its deliveries (for `webhook list` and the
/// listener's `/webhooks`).
pub(super) async fn overview(ctx: &Context) -> anyhow::Result<Vec<WebhookOverview>> {
    let keys: Vec<String> = ctx.settings.webhooks.iter().map(|w| w.key()).collect();
    let counts = ctx
        .with_reader(move |s| {
            keys.iter()
                .map(|k| s.delivery_counts(k))
                .collect::<crate::store::Result<Vec<_>>>()
        })
        .await?;
    Ok(ctx
        .settings
        .webhooks
        .iter()
        .zip(counts)
        .map(|(w, deliveries)| WebhookOverview {
            name: w.name.clone(),
            format: w.format.as_str(),
            url: w.shown_url(),
            when: match &w.timing {
                WebhookTiming::Alert => "alert".to_string(),
                WebhookTiming::Schedule { schedule, .. } => schedule.to_string(),
            },
            watchlists: w.watchlists.clone(),
            deliveries,
        })
        .collect())
}

/// Sends every pending webhook delivery now, also those waiting for a retry.
pub(super) async fn send_all(ctx: &Arc<Context>) -> anyhow::Result<DrainReport> {
    let poster = Poster::new(&ctx.settings.polling.user_agent).map_err(anyhow::Error::msg)?;
    drain(ctx, &poster, true).await
}

fn find<'a>(
    settings: &'a crate::config::Settings,
    name: &str,
) -> anyhow::Result<&'a WebhookSettings> {
    settings
        .webhooks
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = settings.webhooks.iter().map(|w| w.name.as_str()).collect();
            if known.is_empty() {
                anyhow::anyhow!("no webhook is named `{name}` (none is configured)")
            } else {
                anyhow::anyhow!(
                    "no webhook is named `{name}` (configured: {})",
                    known.join(", ")
                )
            }
        })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::{MatchRecord, Snippet};

    fn matched(id: i64, watchlist: &str, title: &str) -> MatchRecord {
        MatchRecord {
            id,
            item: id,
            story: Some(7),
            watchlist: watchlist.into(),
            feed: "wire".into(),
            feeds: vec!["wire".into()],
            title: title.into(),
            link: Some(format!("https://example.org/{id}")),
            guid: None,
            published: None,
            matched_at: Utc
                .with_ymd_and_hms(2026, 11, 21, 12, id as u32, 0)
                .unwrap(),
            matched_terms: vec![watchlist.to_uppercase()],
            snippet: Snippet::default(),
        }
    }

    /// Story 7: one report matched by `s400`, another by `nato`. The webhook carries the
    /// story once, under `s400`, with both reports and both matches.
    #[test]
    fn a_story_two_watchlists_matched_is_carried_once_with_all_its_reports() {
        let matches = vec![
            matched(1, "s400", "Turkey keeps its S-400"),
            matched(2, "nato", "NATO summit on air defence"),
        ];
        let watchlists = ["s400".to_string(), "nato".to_string()];
        let view = digests::view("hook", &watchlists, matches, &HashMap::new(), Utc::now());
        let carried = carried(view);
        assert_eq!(carried.len(), 1);
        let (story, ids) = &carried[0];
        assert_eq!(story.watchlist, "s400");
        assert_eq!(ids, &[1, 2]);
        let titles: Vec<&str> = story.items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Turkey keeps its S-400", "NATO summit on air defence"]
        );
        assert!(
            story.matched_terms.contains(&"NATO".to_string()),
            "{:?}",
            story.matched_terms
        );
    }
}
