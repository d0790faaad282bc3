//! Running a digest: gather the matches it has not delivered, render them, send the
//! message, and only once the server accepted it record the delivery. A failed send
//! records nothing, so the next run sends the same matches again.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Context, status};
use crate::config::{DigestSettings, Settings};
use crate::digest::render::{
    self, DigestView, EarlierCoverage, FeedProblem, Rendered, Section, StoryEntry,
};
use crate::digest::send::{Mailer, OutgoingMessage};
use crate::model::MatchRecord;
use crate::store::Delivery;

/// What a digest run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestRun {
    /// There was nothing new; nothing was sent.
    Nothing,
    Sent(Delivery),
}

pub(super) async fn run_digest(
    ctx: &Arc<Context>,
    mailer: &Mailer,
    index: usize,
    now: DateTime<Utc>,
) -> anyhow::Result<DigestRun> {
    let digest = &ctx.settings.digests[index];
    let (matches, sent) = unsent(ctx, digest, true).await?;
    if matches.is_empty() {
        let name = digest.name.clone();
        ctx.with_store(move |s| s.mark_digest_run(&name, now))
            .await?;
        tracing::debug!(digest = %digest.name, "nothing new; no digest sent");
        return Ok(DigestRun::Nothing);
    }
    let match_ids: Vec<i64> = matches.iter().map(|m| m.id).collect();
    let problems = status::problems(&status::overview(ctx).await?);
    let (_, message) = compose(&ctx.settings, digest, matches, &sent, problems, now)?;
    mailer.send(&message).await?;

    let delivery = Delivery {
        digest: digest.name.clone(),
        message_id: message.message_id.clone(),
        subject: message.subject.clone(),
        recipients: message.recipients.clone(),
        sent_at: now,
        match_ids,
    };
    let recorded = delivery.clone();
    ctx.with_store(move |s| s.record_delivery(&recorded))
        .await?;
    tracing::info!(
        digest = %digest.name,
        matches = delivery.match_ids.len(),
        message_id = %delivery.message_id,
        "digest sent"
    );
    Ok(DigestRun::Sent(delivery))
}

/// The matches the digest has not sent, and what the digest sent before about their
/// stories. With `group`, items still queued for grouping (a poll's grouping failed) are
/// grouped first; a preview, which changes nothing, leaves them be.
async fn unsent(
    ctx: &Context,
    digest: &DigestSettings,
    group: bool,
) -> anyhow::Result<(Vec<MatchRecord>, HashMap<i64, EarlierCoverage>)> {
    let name = digest.name.clone();
    let watchlists = digest.watchlists.clone();
    let window = ctx.settings.stories.window;
    let now = ctx.clock.now();
    ctx.with_store(move |s| {
        if group {
            // As after a poll: what cannot be grouped now stays queued, and is sent as
            // stories of its own rather than held back.
            if let Err(e) = s.group_stories(window, now) {
                tracing::warn!(error = %e, "grouping matches into stories failed; will retry");
            }
        }
        let matches = s.unsent_matches(&name, &watchlists)?;
        let mut stories: Vec<i64> = matches.iter().filter_map(|m| m.story).collect();
        stories.sort_unstable();
        stories.dedup();
        let sent = s.sent_stories(&name, &stories)?;
        Ok((matches, sent))
    })
    .await
}

/// The digest's message for `matches`: rendered, and built with its headers.
fn compose(
    settings: &Settings,
    digest: &DigestSettings,
    matches: Vec<MatchRecord>,
    sent: &HashMap<i64, EarlierCoverage>,
    feed_problems: Vec<FeedProblem>,
    now: DateTime<Utc>,
) -> anyhow::Result<(Rendered, OutgoingMessage)> {
    let mut view = view(digest, matches, sent, now);
    view.feed_problems = feed_problems;
    let rendered = render::render(&view);
    let message = OutgoingMessage::build(
        &digest.name,
        &settings.email.from,
        &digest.to,
        &rendered,
        now,
    )?;
    Ok((rendered, message))
}

/// Groups matches into sections in the order the digest lists its watchlists, and within
/// a section by story (a match not grouped is a story of its own). A story the digest
/// reported before is marked as a follow-up.
fn view(
    digest: &DigestSettings,
    matches: Vec<MatchRecord>,
    sent: &HashMap<i64, EarlierCoverage>,
    now: DateTime<Utc>,
) -> DigestView {
    let mut sections: Vec<Section> = digest
        .watchlists
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
        name: digest.name.clone(),
        generated_at: now,
        timezone: chrono_tz::UTC,
        max_stories: None,
        sections,
        covered: digest.watchlists.clone(),
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

/// Renders the next message of digest `name` without sending it or marking anything.
/// `None` when there is nothing new.
pub async fn preview_digest(
    settings: Settings,
    name: &str,
) -> anyhow::Result<Option<(Rendered, OutgoingMessage)>> {
    find(&settings, name)?;
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let (_, digest) = find(&ctx.settings, name)?;
    let (matches, sent) = unsent(&ctx, digest, false).await?;
    if matches.is_empty() {
        return Ok(None);
    }
    let problems = status::problems(&status::overview(&ctx).await?);
    Ok(Some(compose(
        &ctx.settings,
        digest,
        matches,
        &sent,
        problems,
        ctx.clock.now(),
    )?))
}

/// Sends digest `name` now, whatever its schedule.
pub async fn send_digest(settings: Settings, name: &str) -> anyhow::Result<DigestRun> {
    find(&settings, name)?;
    let mailer = Mailer::new(&settings.email)?;
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let (index, _) = find(&ctx.settings, name)?;
    run_digest(&ctx, &mailer, index, ctx.clock.now()).await
}
