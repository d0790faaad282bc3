//! Running a digest: for each recipient, gather the matches they have not been sent,
//! render them, and commit the message to the outbox; all recipients in one transaction,
//! together with the digest's last run. Sending is the outbox's business ([`super::outbox`]),
//! so a crash or a mail-server outage never makes a digest rebuild a message with other
//! content: the message queued is the message sent.
//!
//! The commands that run a digest or send the outbox at once are here too, and `email
//! test --to`'s test message, which goes through the outbox like a digest.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use lettre::Address;
use lettre::message::Mailbox;

use super::metrics::DigestOutcome;
use super::outbox::{self, Attempt, DrainReport};
use super::{Context, failpoint, status};
use crate::config::{DigestSettings, Settings, recipient_key};
use crate::digest::render::{
    self, DigestView, EarlierCoverage, FeedProblem, Rendered, Section, StoryEntry,
};
use crate::digest::send::{ListHeaders, Mailer, OutgoingMessage, TEST_MESSAGE};
use crate::model::MatchRecord;
use crate::store::{MessageKind, NewMessage, OutboxMessage, Store};

/// What a digest run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestRun {
    /// There was nothing new for anyone; nothing was queued.
    Nothing,
    /// One message per recipient who had something new, committed to the outbox.
    Queued(Vec<Queued>),
}

/// A message committed to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    pub outbox_id: i64,
    pub recipient: String,
    pub message_id: String,
    pub match_ids: Vec<i64>,
}

/// Queues digest `index`'s messages for `now`.
pub(super) async fn run_digest(
    ctx: &Arc<Context>,
    index: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestRun> {
    let run = queue_digest(ctx, index, now).await;
    ctx.metrics.digest_run(match &run {
        Ok(DigestRun::Queued(queued)) => DigestOutcome::Queued(queued.len()),
        Ok(DigestRun::Nothing) => DigestOutcome::Nothing,
        Err(_) => DigestOutcome::Error,
    });
    run
}

async fn queue_digest(
    ctx: &Arc<Context>,
    index: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestRun> {
    let problems = status::problems(&status::overview(ctx).await?);
    let shared = Arc::clone(ctx);
    let queued = ctx
        .with_store(move |s| {
            let ctx = shared;
            group_queued(&ctx, s, now);
            let digest = &ctx.settings.digests[index];
            s.atomically(|s| {
                let mut queued = Vec::new();
                for to in &digest.to {
                    let Some(composed) = compose_for(&ctx.settings, s, digest, to, &problems, now)?
                    else {
                        continue;
                    };
                    let new = composed.into_outbox(MessageKind::Digest, &ctx.settings, digest, to);
                    let outbox_id = s.queue_message(&new, now)?;
                    queued.push(Queued {
                        outbox_id,
                        recipient: new.recipient,
                        message_id: new.message_id,
                        match_ids: new.match_ids,
                    });
                }
                s.mark_digest_run(&digest.name, now)?;
                failpoint::pause_blocking("digest-rendered");
                anyhow::Ok(queued)
            })
        })
        .await?;
    let digest = &ctx.settings.digests[index];
    if queued.is_empty() {
        tracing::debug!(digest = %digest.name, "nothing new; no digest queued");
        return Ok(DigestRun::Nothing);
    }
    for q in &queued {
        tracing::info!(
            digest = %digest.name,
            recipient = %q.recipient,
            matches = q.match_ids.len(),
            message_id = %q.message_id,
            "digest queued"
        );
    }
    failpoint::pause("outbox-committed").await;
    Ok(DigestRun::Queued(queued))
}

/// Groups the matches queued for grouping into stories. What cannot be grouped now stays
/// queued for the next attempt, and is sent as stories of its own rather than held back;
/// the failure is a warning, never the caller's error.
pub(super) fn group(store: &mut Store, window: std::time::Duration, now: DateTime<Utc>) {
    if let Err(e) = store.group_stories(window, now) {
        tracing::warn!(error = %e, "grouping matches into stories failed; will retry");
    }
}

/// [`group`] before a digest, an alert or a webhook reads the matches (a poll's grouping
/// may have failed).
pub(super) fn group_queued(ctx: &Context, store: &mut Store, now: DateTime<Utc>) {
    group(store, ctx.settings.stories.window, now);
}

/// [`group`] after matches were recorded outside a poll (by a backfill, an article's
/// second attempt), as the poll's recorder does after a batch.
pub(super) async fn group_recorded(ctx: &Context) {
    let (window, now) = (ctx.settings.stories.window, ctx.clock.now());
    let grouped = ctx.with_store(move |s| {
        group(s, window, now);
        anyhow::Ok(())
    });
    if let Err(e) = grouped.await {
        tracing::warn!(error = %format!("{e:#}"), "grouping matches into stories failed; will retry");
    }
}

/// A message rendered and built for one recipient, and the matches it covers.
pub(super) struct Composed {
    pub rendered: Rendered,
    pub message: OutgoingMessage,
    pub match_ids: Vec<i64>,
}

impl Composed {
    /// Builds the message of `rendered` for `to`, with `digest`'s list headers.
    pub fn build(
        settings: &Settings,
        digest: &DigestSettings,
        to: &Mailbox,
        rendered: Rendered,
        match_ids: Vec<i64>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Composed> {
        let list = ListHeaders::new(
            &digest.name,
            &settings.email.from,
            digest.list_unsubscribe.clone(),
        );
        let message = OutgoingMessage::build(
            &digest.name,
            &settings.email.from,
            to,
            &rendered,
            &list,
            now,
        )?;
        Ok(Composed {
            rendered,
            message,
            match_ids,
        })
    }

    /// The outbox entry that sends it.
    pub fn into_outbox(
        self,
        kind: MessageKind,
        settings: &Settings,
        digest: &DigestSettings,
        to: &Mailbox,
    ) -> NewMessage {
        outbox_entry(
            kind,
            &digest.name,
            settings,
            to,
            &self.message,
            self.match_ids,
        )
    }
}

/// The outbox entry that sends `message` to `to`.
fn outbox_entry(
    kind: MessageKind,
    digest: &str,
    settings: &Settings,
    to: &Mailbox,
    message: &OutgoingMessage,
    match_ids: Vec<i64>,
) -> NewMessage {
    NewMessage {
        kind,
        digest: digest.to_string(),
        recipient: recipient_key(to),
        message_id: message.message_id.clone(),
        subject: message.subject.clone(),
        sender: settings.email.from.email.to_string(),
        message: message.formatted(),
        match_ids,
    }
}

/// The next message of `digest` for recipient `to`, built but not queued; `None` when
/// there is nothing new for them (and the digest does not send empty messages).
fn compose_for(
    settings: &Settings,
    store: &Store,
    digest: &DigestSettings,
    to: &Mailbox,
    problems: &[FeedProblem],
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Composed>> {
    let key = recipient_key(to);
    let matches = store.unsent_matches(&digest.name, &key, &digest.watchlists)?;
    if matches.is_empty() && !digest.send_empty {
        return Ok(None);
    }
    let sent = store.sent_stories(&key, &stories_of(&matches))?;
    let mut view = view(&digest.name, &digest.watchlists, matches, &sent, now);
    view.feed_problems = problems.to_vec();
    view.timezone = digest.timezone;
    view.max_stories = digest.max_items;
    let rendered = render::render(&view);
    // Stories past `max_items` are counted, not shown: they stay unsent, for the next one.
    let match_ids = render::shown_matches(&view);
    Composed::build(settings, digest, to, rendered, match_ids, now).map(Some)
}

/// The stories `matches` belong to, each once.
pub(super) fn stories_of(matches: &[MatchRecord]) -> Vec<i64> {
    let mut stories: Vec<i64> = matches.iter().filter_map(|m| m.story).collect();
    stories.sort_unstable();
    stories.dedup();
    stories
}

/// Groups matches into sections in the order the digest lists its watchlists, and within
/// a section by story (a match not grouped is a story of its own). A story the recipient
/// was sent before is marked as a follow-up.
pub(super) fn view(
    name: &str,
    watchlists: &[String],
    matches: Vec<MatchRecord>,
    sent: &HashMap<i64, EarlierCoverage>,
    now: DateTime<Utc>,
) -> DigestView {
    let mut sections: Vec<Section> = watchlists
        .iter()
        .map(|w| Section {
            watchlist: w.clone(),
            stories: Vec::new(),
        })
        .collect();
    for m in matches {
        let Some(section) = sections.iter_mut().find(|s| s.watchlist == m.watchlist) else {
            continue;
        };
        let same_story = m.story.and_then(|story| {
            section
                .stories
                .iter_mut()
                .find(|entry| entry.matches[0].story == Some(story))
        });
        match same_story {
            Some(entry) => entry.matches.push(m),
            None => section.stories.push(StoryEntry {
                earlier: m.story.and_then(|story| sent.get(&story)).cloned(),
                matches: vec![m],
            }),
        }
    }
    sections.retain(|s| !s.stories.is_empty());
    DigestView {
        name: name.to_string(),
        generated_at: now,
        timezone: chrono_tz::UTC,
        max_stories: None,
        sections,
        covered: watchlists.to_vec(),
        feed_problems: Vec::new(),
    }
}

fn find<'a>(settings: &'a Settings, name: &str) -> anyhow::Result<(usize, &'a DigestSettings)> {
    settings
        .digests
        .iter()
        .enumerate()
        .find(|(_, d)| d.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = settings.digests.iter().map(|d| d.name.as_str()).collect();
            anyhow::anyhow!(
                "no digest is named `{name}` (configured: {})",
                known.join(", ")
            )
        })
}

/// Renders the next message of digest `name` for recipient `to` (default: its first)
/// without sending it or marking anything. `None` when there is nothing new for them.
pub async fn preview_digest(
    settings: Settings,
    name: &str,
    to: Option<&str>,
) -> anyhow::Result<Option<(Rendered, OutgoingMessage)>> {
    let (_, digest) = find(&settings, name)?;
    let recipient = match to {
        None => digest.to[0].clone(),
        Some(address) => digest
            .to
            .iter()
            .find(|m| recipient_key(m) == address.trim().to_lowercase())
            .cloned()
            .ok_or_else(|| {
                let known: Vec<String> = digest.to.iter().map(recipient_key).collect();
                anyhow::anyhow!(
                    "`{address}` is not a recipient of digest `{name}` (its recipients: {})",
                    known.join(", ")
                )
            })?,
    };
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let (index, _) = find(&ctx.settings, name)?;
    let problems = status::problems(&status::overview(&ctx).await?);
    let now = ctx.clock.now();
    let shared = Arc::clone(&ctx);
    ctx.with_store(move |s| {
        let digest = &shared.settings.digests[index];
        let composed = compose_for(&shared.settings, s, digest, &recipient, &problems, now)?;
        anyhow::Ok(composed.map(|c| (c.rendered, c.message)))
    })
    .await
}

/// What `digest send` did: the messages queued by this run, and how sending the outbox
/// went.
#[derive(Debug)]
pub struct DigestSend {
    pub run: DigestRun,
    pub report: DrainReport,
}

/// Runs digest `name` now, whatever its schedule, and sends the outbox (every pending
/// message, also those waiting for a retry).
pub async fn send_digest(settings: Settings, name: &str) -> anyhow::Result<DigestSend> {
    find(&settings, name)?;
    let mailer = Mailer::new(&settings.email)?;
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let (index, _) = find(&ctx.settings, name)?;
    let run = run_digest(&ctx, index, ctx.clock.now()).await?;
    let report = outbox::drain(&ctx, &mailer, outbox::Due::All).await?;
    Ok(DigestSend { run, report })
}

/// Sends every pending message and webhook delivery now, including those waiting for a
/// retry.
pub async fn send_outbox(settings: Settings) -> anyhow::Result<DrainReport> {
    let mailer = Mailer::new(&settings.email);
    let ctx = Context::open(settings, super::Clock::system()).await?;
    // Webhooks first: mail settings that cannot be used hold up no webhook.
    let hooks = super::webhooks::send_all(&ctx).await?;
    let mut report = outbox::drain(&ctx, &mailer?, outbox::Due::All).await?;
    report.sent.extend(hooks.sent);
    report.retrying.extend(hooks.retrying);
    report.failed.extend(hooks.failed);
    report.next_attempt = super::job::sooner(report.next_attempt, hooks.next_attempt);
    Ok(report)
}

/// What `email test --to` did: the test message as it was queued, and how sending it went
/// (as the outbox now records it).
#[derive(Debug)]
pub struct TestSend {
    pub message: OutboxMessage,
    pub attempt: Attempt,
}

/// Commits a test message to `to` to the outbox and sends it as digests are sent (the
/// same attempt, recorded the same way), but alone: the other pending messages wait for
/// their turn.
pub async fn send_test_message(settings: Settings, to: &Address) -> anyhow::Result<TestSend> {
    let mailer = Mailer::new(&settings.email)?;
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let now = ctx.clock.now();
    let to = Mailbox::new(None, to.clone());
    let message = OutgoingMessage::test(&ctx.settings.email, &to, now)?;
    let new = outbox_entry(
        MessageKind::Test,
        TEST_MESSAGE,
        &ctx.settings,
        &to,
        &message,
        Vec::new(),
    );
    let id = ctx.with_store(move |s| s.queue_message(&new, now)).await?;
    let (message, attempt) = outbox::send_one(&ctx, &mailer, id).await?;
    Ok(TestSend { message, attempt })
}
