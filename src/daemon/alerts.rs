//! Immediate alerts: a watchlist with `alert = true` does not wait for the digest. Shortly
//! after a poll brings matches, each recipient of a digest covering such a watchlist gets
//! one short mail with the new stories, that is the stories they were never sent. At
//! most one alert per recipient per `[alerts] interval`: what arrives sooner waits and
//! joins the next one. A match sent in an alert is not sent again in the digest; later
//! coverage of the story comes in the digest as a follow-up.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;

use super::digests::{self, Composed, group_queued, stories_of};
use super::{Context, failpoint};
use crate::config::recipient_key;
use crate::digest::render;
use crate::model::MatchRecord;
use crate::store::{MessageKind, Store};

/// One recipient's share of the alert watchlists: per digest they receive, the alert
/// watchlists it covers.
struct Subscriber {
    mailbox: Mailbox,
    /// As the store knows them.
    key: String,
    digests: Vec<(usize, Vec<String>)>,
}

/// Whether any watchlist sends alerts.
pub(super) fn enabled(ctx: &Context) -> bool {
    ctx.settings.watchlists.iter().any(|w| w.alert)
}

/// Queues an alert for each recipient with new stories who is not rate-limited. Returns
/// the ids queued and, when a recipient had to wait, when to look again.
pub(super) async fn run_alerts(
    ctx: &Arc<Context>,
    now: DateTime<Utc>,
) -> anyhow::Result<(Vec<i64>, Option<DateTime<Utc>>)> {
    let subscribers = subscribers(ctx);
    if subscribers.is_empty() {
        return Ok((Vec::new(), None));
    }
    let shared = Arc::clone(ctx);
    let outcome = ctx
        .with_store(move |s| {
            let ctx = shared;
            group_queued(&ctx, s, now);
            s.atomically(|s| {
                let mut queued = Vec::new();
                let mut wake: Option<DateTime<Utc>> = None;
                for subscriber in &subscribers {
                    let key = &subscriber.key;
                    let fresh = new_stories(&ctx, s, subscriber)?;
                    if fresh.is_empty() {
                        continue;
                    }
                    let interval = chrono::Duration::from_std(ctx.settings.alerts.interval)
                        .unwrap_or_default();
                    // An alert still waiting in the outbox (the server is down) is one
                    // too: piling up more would deliver them all at once when it is back.
                    let due = match s.last_alert(key)? {
                        Some((_, true)) => Some(now + interval),
                        Some((last, false)) if last + interval > now => Some(last + interval),
                        _ => None,
                    };
                    if let Some(due) = due {
                        wake = Some(wake.map_or(due, |w| w.min(due)));
                        continue;
                    }
                    queued.push(queue_alert(&ctx, s, subscriber, fresh, now)?);
                }
                anyhow::Ok((queued, wake))
            })
        })
        .await?;
    if !outcome.0.is_empty() {
        tracing::info!(alerts = outcome.0.len(), "alerts queued");
        failpoint::pause("outbox-committed").await;
    }
    Ok(outcome)
}

/// The recipients of digests that cover alert watchlists, each once.
fn subscribers(ctx: &Context) -> Vec<Subscriber> {
    let alerting: HashSet<&str> = ctx
        .settings
        .watchlists
        .iter()
        .filter(|w| w.alert)
        .map(|w| w.name.as_str())
        .collect();
    let mut out: Vec<Subscriber> = Vec::new();
    for (index, digest) in ctx.settings.digests.iter().enumerate() {
        let lists: Vec<String> = digest
            .watchlists
            .iter()
            .filter(|w| alerting.contains(w.as_str()))
            .cloned()
            .collect();
        if lists.is_empty() {
            continue;
        }
        for to in &digest.to {
            let key = recipient_key(to);
            match out.iter_mut().find(|s| s.key == key) {
                Some(known) => known.digests.push((index, lists.clone())),
                None => out.push(Subscriber {
                    mailbox: to.clone(),
                    key,
                    digests: vec![(index, lists.clone())],
                }),
            }
        }
    }
    out
}

/// The subscriber's unsent matches of alert watchlists whose story they were never sent.
fn new_stories(
    ctx: &Context,
    store: &Store,
    subscriber: &Subscriber,
) -> crate::store::Result<Vec<MatchRecord>> {
    let key = subscriber.key.as_str();
    let mut matches: Vec<MatchRecord> = Vec::new();
    let mut seen = HashSet::new();
    for (index, lists) in &subscriber.digests {
        // Through the digest: a recipient's subscription starts when they were added to it.
        let digest = &ctx.settings.digests[*index].name;
        for m in store.unsent_matches(digest, key, lists)? {
            if seen.insert(m.id) {
                matches.push(m);
            }
        }
    }
    let sent = store.sent_stories(key, &stories_of(&matches))?;
    matches.retain(|m| m.story.is_none_or(|story| !sent.contains_key(&story)));
    matches.sort_by_key(|m| (m.matched_at, m.id));
    Ok(matches)
}

fn queue_alert(
    ctx: &Context,
    store: &mut Store,
    subscriber: &Subscriber,
    matches: Vec<MatchRecord>,
    now: DateTime<Utc>,
) -> anyhow::Result<i64> {
    let settings = &ctx.settings;
    let (first_digest, _) = subscriber.digests[0];
    let digest = &settings.digests[first_digest];
    let mut watchlists: Vec<String> = Vec::new();
    for (_, lists) in &subscriber.digests {
        for w in lists {
            if !watchlists.contains(w) {
                watchlists.push(w.clone());
            }
        }
    }
    let match_ids: Vec<i64> = matches.iter().map(|m| m.id).collect();
    let mut view = digests::view(&digest.name, &watchlists, matches, &Default::default(), now);
    view.timezone = digest.timezone;
    let rendered = render::render_alert(&view);
    let composed = Composed::build(
        settings,
        digest,
        &subscriber.mailbox,
        rendered,
        match_ids,
        now,
    )?;
    let new = composed.into_outbox(MessageKind::Alert, settings, digest, &subscriber.mailbox);
    Ok(store.queue_message(&new, now)?)
}
