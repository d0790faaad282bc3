//! Sending the outbox: each pending message that is due goes to the mail server as it was
//! queued, and is then marked sent. A transient failure (connection refused, timeout, a
//! 4xx answer) keeps it pending with a growing delay; a permanent one (5xx) marks it
//! failed. Messages to one recipient go in the order they were queued: while one waits
//! for a retry, the later ones to the same recipient wait behind it, so that after an
//! outage everything arrives in order. Other recipients are not held up.
//!
//! One message can also be sent alone ([`send_one`], for `email test --to`): through the
//! same attempt, recorded the same way, under the same lock.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, Utc};

use super::metrics::Delivery;
use super::{Context, failpoint};
use crate::digest::send::{BLOCKED, Mailer, SendError, retry_delay};
use crate::store::{Channel, MessageKind, MessageState, OutboxMessage};

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

/// Which pending messages a pass over the outbox sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// Those due now.
    Now,
    /// Those due now, or every one when mail is held by a fault of the `[email]`
    /// settings, which a reload may just have fixed.
    AndBlocked,
    /// Every pending message.
    All,
}

/// Sends the pending messages that are `due`, in order.
pub(super) async fn drain(
    ctx: &Arc<Context>,
    mailer: &Mailer,
    due: Due,
) -> anyhow::Result<DrainReport> {
    let _sending = sending_lock(&ctx.settings.storage.path, "sending").await?;
    let pending = ctx
        .with_store(|s| s.pending_messages(Channel::Mail))
        .await?;
    let mut report = DrainReport::default();
    // Recipients with an earlier message still pending: their later messages wait.
    let mut held: HashSet<String> = HashSet::new();
    // Mail held by a fault of the settings was held as a whole (see below): a reload
    // that may have fixed them sends all of it.
    let blocked = pending.iter().any(|m| {
        m.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with(BLOCKED))
    });
    for message in pending {
        if ctx.stopping.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let now = ctx.clock.now();
        if held.contains(&message.recipient) {
            continue;
        }
        let waits = match due {
            Due::Now => message.next_attempt_at > now,
            Due::AndBlocked => message.next_attempt_at > now && !blocked,
            Due::All => false,
        };
        if waits {
            held.insert(message.recipient.clone());
            continue;
        }
        match deliver(ctx, mailer, &message, now).await? {
            Attempt::Sent => report.sent.push(message),
            Attempt::Failed(reason) => report.failed.push((message, reason)),
            // Every message would meet the same fault: the pass ends here, and the rest
            // wait as long as this one, so that the relay sees one attempt per round
            // rather than a failed login per recipient.
            Attempt::Retrying {
                reason,
                blocked: true,
            } => {
                let id = message.id;
                ctx.with_store(move |s| {
                    let until = s.outbox_message(id)?.map(|m| m.next_attempt_at);
                    match until {
                        Some(until) => s.hold_pending(Channel::Mail, until),
                        None => Ok(()),
                    }
                })
                .await?;
                report.retrying.push((message, reason));
                break;
            }
            Attempt::Retrying { reason, .. } => {
                held.insert(message.recipient.clone());
                report.retrying.push((message, reason));
            }
        }
    }
    report.next_attempt = ctx.with_store(|s| s.next_attempt(Channel::Mail)).await?;
    Ok(report)
}

/// Sends outbox message `id` now and alone: the messages queued before it are neither
/// sent nor waited for. For a test message (`email test --to`), which checks the way mail
/// goes and has no place among a recipient's digests. Another sender may have got to it
/// while this one waited for the lock: then its state says how that went.
pub(super) async fn send_one(
    ctx: &Arc<Context>,
    mailer: &Mailer,
    id: i64,
) -> anyhow::Result<(OutboxMessage, Attempt)> {
    let _sending = sending_lock(&ctx.settings.storage.path, "sending").await?;
    let message = ctx
        .with_store(move |s| s.outbox_message(id))
        .await?
        .with_context(|| format!("no message in the outbox has the id {id}"))?;
    let attempt = match message.state {
        MessageState::Pending => deliver(ctx, mailer, &message, ctx.clock.now()).await?,
        MessageState::Sent => Attempt::Sent,
        MessageState::Failed => Attempt::Failed(message.last_error.clone().unwrap_or_default()),
    };
    Ok((message, attempt))
}

/// How one attempt at a message ended; the outbox records the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Kept for a later attempt, with the reason. `blocked`: the fault is the `[email]`
    /// settings', which every message would meet.
    Retrying {
        reason: String,
        blocked: bool,
    },
    /// Refused for good, with the reason.
    Failed(String),
}

/// Sends `message` once and records how it went: sent, failed for good, or pending with
/// its next attempt at a growing delay from `now`.
async fn deliver(
    ctx: &Context,
    mailer: &Mailer,
    message: &OutboxMessage,
    now: DateTime<Utc>,
) -> anyhow::Result<Attempt> {
    // A test message counts as a digest: a label of its own for a message or two.
    let alert = matches!(message.kind, MessageKind::Alert);
    match mailer.send(message).await {
        Ok(()) => {
            ctx.metrics.message(alert, Delivery::Sent);
            failpoint::pause("smtp-accepted").await;
            mark_sent(ctx, message.id, now).await?;
            tracing::info!(
                recipient = %message.recipient,
                message_id = %message.message_id,
                kind = ?message.kind,
                "message sent"
            );
            failpoint::pause("marked-sent").await;
            Ok(Attempt::Sent)
        }
        // Refused, or a message that cannot be sent as it is: trying again cannot help.
        Err(SendError::Permanent(reason) | SendError::Build(reason)) => {
            ctx.metrics.message(alert, Delivery::Failed);
            let (id, error) = (message.id, reason.clone());
            ctx.with_store(move |s| s.mark_failed(id, &error)).await?;
            tracing::error!(
                recipient = %message.recipient,
                message_id = %message.message_id,
                %reason,
                "message refused by the mail server; see `newshound outbox`"
            );
            Ok(Attempt::Failed(reason))
        }
        // Every message would meet the same fault: keep them all, say so loudly, and
        // try again later (a live fix of the config applies at once).
        Err(SendError::Config { kind, cause }) => {
            ctx.metrics.message(alert, Delivery::Retrying);
            ctx.metrics.mail_config_error(kind);
            let reason = format!("{BLOCKED} ({kind}): {cause}");
            let wait = retry_delay(message.attempts + 1, retry_cap(ctx, message));
            let next = now + chrono::Duration::from_std(wait).unwrap_or_default();
            let (id, error) = (message.id, reason.clone());
            ctx.with_store(move |s| s.mark_retry(id, &error, next))
                .await?;
            tracing::error!(
                kind,
                %cause,
                fix = crate::digest::send::config_fix(kind),
                retry_in = %humantime::format_duration(wait),
                "mail is blocked by the [email] settings; every message waits"
            );
            Ok(Attempt::Retrying {
                reason,
                blocked: true,
            })
        }
        Err(other) => {
            ctx.metrics.message(alert, Delivery::Retrying);
            let reason = other.to_string();
            let wait = retry_delay(message.attempts + 1, retry_cap(ctx, message));
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
            Ok(Attempt::Retrying {
                reason,
                blocked: false,
            })
        }
    }
}

/// Marks a message the server accepted as sent. Failing that (the database busy with
/// another process for longer than its timeout), it would go out again: try harder first.
pub(super) async fn mark_sent(ctx: &Context, id: i64, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut attempt = 0;
    loop {
        match ctx.with_store(move |s| s.mark_sent(id, now)).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 3 => {
                attempt += 1;
                tracing::warn!(error = %format!("{e:#}"), "cannot mark a sent message; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Only one process sends the outbox at a time (the daemon, `digest send`, `outbox
/// send`): two would both read the same pending message and both send it. An OS lock on
/// a file beside the database (`NAME.db.sending` for mail, `NAME.db.webhooks` for
/// webhooks), held while sending, and released when the process ends however it ends;
/// another sender waits for it.
pub(super) async fn sending_lock(database: &Path, what: &str) -> anyhow::Result<std::fs::File> {
    let path = PathBuf::from(format!("{}.{what}", database.display()));
    tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open the lock file {}", path.display()))?;
        file.lock()
            .with_context(|| format!("cannot lock {}", path.display()))?;
        anyhow::Ok(file)
    })
    .await?
}

/// The longest wait before a message is tried again: a digest's own period (an hourly
/// digest is retried at least hourly), an alert's rate limit, an hour for a test message.
fn retry_cap(ctx: &Context, message: &OutboxMessage) -> Duration {
    let settings = &ctx.settings;
    match message.kind {
        MessageKind::Alert => settings.alerts.interval,
        MessageKind::Digest => settings
            .digests
            .iter()
            .find(|d| d.name == message.digest)
            .map_or(Duration::from_secs(3600), |d| d.schedule.typical_gap()),
        MessageKind::Test | MessageKind::Webhook => Duration::from_secs(3600),
    }
}
