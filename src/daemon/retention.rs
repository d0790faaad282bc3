//! The daemon's retention run: a minute after start, then daily, it prunes what the
//! configured retention allows ([`crate::store::Pruning`]) and gives the freed pages back
//! to the file system. Each batch takes the store on its own, so that polls and digests
//! go on in between; a shutdown stops it between two batches.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Context;
use crate::store::{Pruned, Pruning};

/// How long after start-up the first run comes: start-up is busy enough.
pub(super) const FIRST_RUN: Duration = Duration::from_secs(60);
/// How often it runs after that.
const EVERY: Duration = Duration::from_secs(24 * 3600);
/// After a failed run (a database error), the next try.
const RETRY: Duration = Duration::from_secs(3600);
/// Free pages given back to the file system per turn on the store.
const RECLAIM_PAGES: u32 = 2_000;

/// Prunes and reclaims, logging what was done; returns how long until the next run.
pub(super) async fn run(ctx: &Context) -> Duration {
    match prune(ctx).await {
        Ok(pruned) if pruned.is_empty() => {
            tracing::debug!("retention: nothing to prune");
            EVERY
        }
        Ok(pruned) => {
            tracing::info!(
                items = pruned.items,
                sightings = pruned.sightings,
                matches = pruned.matches,
                messages = pruned.messages,
                stories = pruned.stories,
                "retention: pruned what is past its retention"
            );
            EVERY
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "retention run failed; will retry");
            RETRY
        }
    }
}

async fn prune(ctx: &Context) -> anyhow::Result<Pruned> {
    let storage = &ctx.settings.storage;
    let mut pruning = Pruning::new(
        storage.retain_items,
        storage.retain_matches,
        &ctx.settings.digests,
        ctx.clock.now(),
    )
    .with_webhooks(&ctx.settings.webhooks);
    let stopping = || ctx.stopping.load(Ordering::Relaxed);
    while !pruning.is_done() && !stopping() {
        pruning = ctx
            .with_store(move |s| s.prune_batch(&mut pruning).map(|()| pruning))
            .await?;
    }
    if !pruning.pruned.is_empty() {
        let mut free = u64::MAX;
        while !stopping() {
            let left = ctx.with_store(|s| s.reclaim_space(RECLAIM_PAGES)).await?;
            // No progress: auto-vacuum is off (it is turned on when the store opens).
            if left == 0 || left >= free {
                break;
            }
            free = left;
        }
    }
    Ok(pruning.pruned)
}
