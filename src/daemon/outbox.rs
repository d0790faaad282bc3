//! Sending the outbox: each pending message that is due goes to the mail server as it was
//! queued, and is then marked sent. A transient failure (connection refused, timeout, a
//! 4xx answer) keeps it pending with a growing delay; a permanent one (5xx) marks it
//! failed. Messages to one recipient go in the order they were queued: while one waits
//! for a retry, the later ones to the same recipient wait behind it, so that after an
//! outage everything arrives in order. Other recipients are not held up.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Context, failpoint};
use crate::digest::send::{Mailer, SendError, retry_delay};
use crate::store::{MessageKind, OutboxMessage};

/// What one pass over the outbox did.
#[derive(Debug, Default)]
pub struct DrainReport {
    pub sent: Vec<OutboxMessage>,
    /// Kept for a later attempt, with the reason.
    pub retrying: Vec<(OutboxMessage, String)>,
    /// Refused for good, with the reason.
    pub failed: Vec<(OutboxMessage, String)>,
    /// When the next pending message is due, if any is left.
    pub next_attempt: Option<DateTime<Utc>>,
}

/// Sends every pending message that is due (with `now_or_later`, every pending message),
/// in order.
pub(super) async fn drain(
    ctx: &Arc<Context>,
    mailer: &Mailer,
    now_or_later: bool,
) -> anyhow::Result<DrainReport> {
    let pending = ctx.with_store(|s| s.pending_messages()).await?;
    let mut report = DrainReport::default();
    // Recipients with an earlier message still pending: their later messages wait.
    let mut held: HashSet<String> = HashSet::new();
    for message in pending {
        let now = ctx.clock.now();
        if held.contains(&message.recipient) {
            continue;
        }
        if message.next_attempt_at > now && !now_or_later {
            held.insert(message.recipient.clone());
            continue;
        }
        match mailer.send(&message).await {
            Ok(()) => {
                failpoint::pause("smtp-accepted").await;
                let id = message.id;
                ctx.with_store(move |s| s.mark_sent(id, now)).await?;
                tracing::info!(
                    recipient = %message.recipient,
                    message_id = %message.message_id,
                    kind = ?message.kind,
                    "message sent"
                );
                failpoint::pause("marked-sent").await;
                report.sent.push(message);
            }
            Err(SendError::Permanent(reason)) => {
                let (id, error) = (message.id, reason.clone());
                ctx.with_store(move |s| s.mark_failed(id, &error)).await?;
                tracing::error!(
                    recipient = %message.recipient,
                    message_id = %message.message_id,
                    %reason,
                    "message refused by the mail server; see `newshound outbox`"
                );
                report.failed.push((message, reason));
            }
            Err(other) => {
                let reason = other.to_string();
                let wait = retry_delay(message.attempts + 1, retry_cap(ctx, &message));
                let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
                let (id, error) = (message.id, reason.clone());
                ctx.with_store(move |s| s.mark_retry(id, &error, next))
                    .await?;
                tracing::warn!(
                    recipient = %message.recipient,
                    message_id = %message.message_id,
                    error = %reason,
                    retry_in = %humantime::format_duration(wait),
                    "message not sent; will retry"
                );
                held.insert(message.recipient.clone());
                report.retrying.push((message, reason));
            }
        }
    }
    report.next_attempt = ctx.with_store(|s| s.next_attempt()).await?;
    Ok(report)
}

/// The longest wait before a message is tried again: a digest's own period (an hourly
/// digest is retried at least hourly), an alert's rate limit.
fn retry_cap(ctx: &Context, message: &OutboxMessage) -> Duration {
    let settings = &ctx.settings;
    match message.kind {
        MessageKind::Alert => settings.alerts.interval,
        MessageKind::Digest => settings
            .digests
            .iter()
            .find(|d| d.name == message.digest)
            .map_or(Duration::from_secs(3600), |d| d.schedule.typical_gap()),
    }
}
