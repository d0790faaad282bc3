//! Polling one feed, top to bottom: load its fetch state → conditional request → not
//! modified? stop → same bytes as last time? stop → parse (on the blocking pool) → keep
//! the items not seen before → read the articles of those that need them (`fulltext`)
//! → match them → store items, matches, what their articles came to and the new fetch
//! state together (a savepoint in a batch of polls written in one transaction; see
//! `recorder`). Any failure is recorded on the feed and logged with its name and URL; it
//! never escapes to the caller.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use url::Url;

use super::Context;
use super::cadence;
use super::failpoint;
use super::fulltext::{self, ArticleCounts, Articles};
use super::hosts::Hosts;
use super::metrics::{Metrics, PollResult};
use crate::config::{FeedSettings, FullText, Settings};
use crate::feed::fetch::{Fetched, Fetcher, ResponseHints, Validators};
use crate::feed::parse::{self, ParseError, ParsedFeed};
use crate::feed::redacted;
use crate::model::{Item, MatchRecord};
use crate::store::{
    FeedPoll, FetchState, Location, NewMatch, PollOutcome, PollRecord, Retitle, Seen,
};
use crate::watch::Document;
use crate::wording::one_line;

/// Failures in a row at a URL a feed moved to before the configured one is tried again.
const GIVE_UP_ADOPTED_URL: u32 = 3;

/// What one poll of one feed did.
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed: String,
    pub url: String,
    pub outcome: Result<Polled, String>,
    pub next_due: DateTime<Utc>,
}

#[derive(Debug, Clone, Default)]
pub struct Polled {
    pub not_modified: bool,
    /// Not polled: the feed's host asked (429/503 `Retry-After`) to be left alone until then.
    pub deferred_until: Option<DateTime<Utc>>,
    pub items: usize,
    pub new_items: usize,
    pub matches: Vec<MatchRecord>,
    /// What became of the new items' articles.
    pub articles: ArticleCounts,
}

/// Polls the feed at `index` of the settings, within the global and per-host limits.
/// Never fails: problems end up in the report and in the feed's row.
pub(super) async fn poll_feed(ctx: &Arc<Context>, fetcher: &Fetcher, index: usize) -> FeedReport {
    let feed = &ctx.settings.feeds[index];
    let (outcome, next_due) = match poll_and_record(ctx, fetcher, index).await {
        Ok(done) => done,
        Err(e) => {
            // The store failed (or a task did); the feed keeps its schedule.
            ctx.metrics.poll_error("internal");
            let next_due = ctx.clock.now() + to_chrono(cadence::jittered(feed.cadence.interval));
            (Err(format!("{e:#}")), next_due)
        }
    };
    count(&ctx.metrics, &outcome, ctx.clock.now());
    match &outcome {
        Ok(polled) if polled.deferred_until.is_some() => {
            tracing::debug!(feed = %feed.name, url = %redacted(&feed.url), "host asked for a pause; deferred")
        }
        Ok(polled) if polled.not_modified => {
            tracing::debug!(feed = %feed.name, url = %redacted(&feed.url), "not modified")
        }
        Ok(polled) => tracing::info!(
            feed = %feed.name,
            items = polled.items,
            new = polled.new_items,
            matches = polled.matches.len(),
            "polled"
        ),
        Err(error) => {
            tracing::warn!(feed = %feed.name, url = %redacted(&feed.url), %error, "poll failed")
        }
    }
    FeedReport {
        feed: feed.name.clone(),
        url: redacted(&feed.url),
        outcome,
        next_due,
    }
}

/// Adds a finished poll to the metrics.
fn count(metrics: &Metrics, outcome: &Result<Polled, String>, now: DateTime<Utc>) {
    let result = match outcome {
        Ok(polled) if polled.deferred_until.is_some() => PollResult::Deferred,
        Ok(polled) if polled.not_modified => PollResult::NotModified,
        Ok(polled) => {
            metrics.items(polled.items, polled.new_items);
            for m in &polled.matches {
                metrics.matched(&m.watchlist);
            }
            PollResult::Ok
        }
        Err(_) => PollResult::Error,
    };
    metrics.poll_done(result, now);
}

/// Observes the time from its making to its drop as a poll's duration, whichever way the
/// poll ends.
struct Timed<'a>(&'a Metrics, std::time::Instant);

impl Drop for Timed<'_> {
    fn drop(&mut self) {
        self.0.poll_duration(self.1.elapsed());
    }
}

/// What the fetch, the parse and the matching made of the feed, before anything is stored:
/// how the poll went, what the server said about the next one, and what is new.
struct Fetch {
    outcome: PollOutcome,
    hints: ResponseHints,
    retry_after: Option<Duration>,
    /// How many items the feed listed.
    total: usize,
    /// The items this feed has not had before, and their matches.
    fresh: Vec<Item>,
    matches: Vec<NewMatch>,
    /// Items the feed had, under a new title.
    edits: Vec<Retitle>,
    /// The articles of the new items: to fetch, or what they came to.
    articles: Articles,
}

impl Fetch {
    /// A fetch that brought no items: not modified, or failed.
    fn nothing(outcome: PollOutcome, hints: ResponseHints, retry_after: Option<Duration>) -> Fetch {
        Fetch {
            outcome,
            hints,
            retry_after,
            total: 0,
            fresh: Vec::new(),
            matches: Vec::new(),
            edits: Vec::new(),
            articles: Articles::default(),
        }
    }
}

async fn poll_and_record(
    ctx: &Arc<Context>,
    fetcher: &Fetcher,
    index: usize,
) -> anyhow::Result<(Result<Polled, String>, DateTime<Utc>)> {
    let feed = &ctx.settings.feeds[index];
    let feed_id = ctx.feed_ids[index];
    let state = {
        let _starting = ctx.starting.acquire().await?;
        ctx.with_reader(move |s| s.fetch_state(feed_id)).await?
    };
    let url = polled_url(feed, &state.location);
    let host = Hosts::key(&url);
    // Before the host's slot, so that a poll waiting for a place holds nothing.
    let reading = match feed.articles.full_text {
        FullText::Never => None,
        _ => Some(ctx.reading.acquire().await?),
    };

    // The host first, then a global slot: a worker never sits on a global slot while it
    // waits for a busy host.
    let host_permit = match &host {
        Some(host) => Some(ctx.hosts.permits(host).acquire_owned().await?),
        None => None,
    };
    let permit = Arc::clone(&ctx.permits).acquire_owned().await?;
    let fetching = ctx.recorder.fetching();
    let now = ctx.clock.now();
    if let Some(until) = host.as_deref().and_then(|h| ctx.hosts.paused_until(h, now)) {
        // Back soon after the pause ends; the host's semaphore spaces them out from there.
        let next_due = until + chrono::Duration::milliseconds(fastrand::i64(0..1000));
        let polled = Polled {
            deferred_until: Some(until),
            ..Polled::default()
        };
        return Ok((Ok(polled), next_due));
    }
    let timed = Timed(&ctx.metrics, std::time::Instant::now());

    let mut fetch = fetch_and_read(ctx, fetcher, index, &url, &state).await?;
    if let (Some(host), Some(wait)) = (&host, fetch.retry_after) {
        tracing::info!(host = %host, wait = %humantime::format_duration(wait), "host asked for a pause (Retry-After)");
        ctx.hosts.pause(host, now + to_chrono(wait));
    }
    let slots = if fetch.articles.pending() {
        // The feed's own slots go first: its articles queue for them like any request,
        // behind the polls already waiting, and a host allowed one request at a time
        // would otherwise wait on itself.
        drop((permit, host_permit));
        read_articles(ctx, fetcher, index, &mut fetch).await?;
        failpoint::pause("articles-read").await;
        None
    } else {
        Some((permit, host_permit))
    };
    // The fetch is done: its slots go to the next feed while this one waits to be
    // written (see `recorder`). Its place to read articles goes once it has a place in a
    // batch: let go before, polls that had read theirs piled up waiting for the writer,
    // and a first poll of 10,000 feeds with full text held 0.9 GB of articles at its peak.
    let place = ctx.recorder.place().await;
    drop(reading);
    // The poll-duration histogram measures fetching, parsing and matching; the wait for
    // the batch to be written is not the feed's doing.
    drop((slots, fetching, timed));
    let (total, new_items) = (fetch.total, fetch.fresh.len());
    let articles = fetch.articles.counts();

    let poll = next_poll(ctx, index, &state, fetch, now);
    let next_due = poll.record.next_due;
    let outcome = poll.record.outcome.clone();
    let matches = ctx
        .recorder
        .record(
            &ctx.store,
            &ctx.furniture,
            ctx.settings.stories.window,
            poll,
            place,
        )
        .await?;

    let result = match outcome {
        PollOutcome::Failed { error, kind, .. } => {
            ctx.metrics.poll_error(&kind);
            Err(error)
        }
        PollOutcome::NotModified { .. } => Ok(Polled {
            not_modified: true,
            ..Polled::default()
        }),
        PollOutcome::Fetched { .. } => Ok(Polled {
            items: total,
            new_items,
            matches,
            articles,
            ..Polled::default()
        }),
    };
    Ok((result, next_due))
}

/// Fetches the articles `fetch` still needs (see `fulltext`), then makes them the bodies
/// of their items and matches the new items, on the blocking pool as [`read_items`]
/// matches them when no article is fetched.
async fn read_articles(
    ctx: &Arc<Context>,
    fetcher: &Fetcher,
    index: usize,
    fetch: &mut Fetch,
) -> anyhow::Result<()> {
    fulltext::fetch(ctx, fetcher, &mut fetch.articles).await;
    let reader = Arc::clone(ctx);
    let mut fresh = std::mem::take(&mut fetch.fresh);
    let mut articles = std::mem::take(&mut fetch.articles);
    let (fresh, articles, matches) = tokio::task::spawn_blocking(move || {
        fulltext::apply(&reader, &mut articles, &mut fresh);
        let matches = match_items(&reader, index, &fresh);
        (fresh, articles, matches)
    })
    .await?;
    (fetch.fresh, fetch.articles, fetch.matches) = (fresh, articles, matches);
    Ok(())
}

/// The configured URL, or the one a permanent redirect moved the feed to.
fn polled_url(feed: &FeedSettings, location: &Location) -> Url {
    location
        .fetch_url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .unwrap_or_else(|| feed.url.clone())
}

/// Conditional request → not modified? stop → the rest on the blocking pool, in one task.
/// Every failure to get or read a feed ends up in the outcome; only the store's failures
/// are errors.
async fn fetch_and_read(
    ctx: &Arc<Context>,
    fetcher: &Fetcher,
    index: usize,
    url: &Url,
    state: &FetchState,
) -> anyhow::Result<Fetch> {
    let validators = Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };
    let (status, bytes, validators, hints, content_type) =
        match fetcher.fetch(url, &validators).await {
            Err(e) => {
                let outcome = failed(e.status(), e.kind(), e.to_string());
                return Ok(Fetch::nothing(
                    outcome,
                    ResponseHints::default(),
                    e.retry_after(),
                ));
            }
            Ok(Fetched::NotModified {
                status,
                validators,
                hints,
            }) => {
                let outcome = not_modified(Some(status), validators);
                return Ok(Fetch::nothing(outcome, hints, None));
            }
            Ok(Fetched::Body {
                status,
                bytes,
                validators,
                hints,
                content_type,
            }) => (status, bytes, validators, hints, content_type),
        };
    // Same bytes as last time? stop → parse → keep the items this feed has not had
    // before → match only those. One task on the blocking pool for all of it, rather than
    // one for each step: a thousand feeds polled at once made the hops between the pool
    // and the runtime, and the threads the pool grew for them, a cost of their own.
    let (reader, base, known) = (Arc::clone(ctx), url.clone(), state.body_hash.clone());
    let first_poll = !state.succeeded_before;
    tokio::task::spawn_blocking(move || {
        let body_hash = sha256_hex(&bytes);
        if known.as_deref() == Some(body_hash.as_str()) {
            // The server ignores conditional requests but sent the same bytes.
            return Ok(Fetch::nothing(
                not_modified(status, validators),
                hints,
                None,
            ));
        }
        match parse::parse_response(&bytes, &base, content_type.as_deref()) {
            Ok(parsed) => {
                let response = Response {
                    body_hash,
                    status,
                    validators,
                    hints,
                };
                read_items(&reader, index, first_poll, parsed, response)
            }
            Err(e) => Ok(Fetch::nothing(unreadable(status, e), hints, None)),
        }
    })
    .await
    // A panic outside the parser's own guard: recorded on the feed like any other
    // failure, so that it backs off and shows. (A failed poll has no use for the hints.)
    .unwrap_or_else(|_| {
        let e = ParseError::Malformed("malformed feed: reading it failed inside newshound".into());
        Ok(Fetch::nothing(
            unreadable(status, e),
            ResponseHints::default(),
            None,
        ))
    })
}

/// What the response to a feed's request said, beside the body parsed.
struct Response {
    body_hash: String,
    status: Option<u16>,
    validators: Validators,
    hints: ResponseHints,
}

/// The items of a parsed body this feed has not had before, and their matches, unless
/// articles are to be read first (then they are matched once read). An item the feed had,
/// under a new title, was edited in place: its title is updated, nothing is sent.
fn read_items(
    ctx: &Context,
    index: usize,
    first_poll: bool,
    parsed: ParsedFeed,
    response: Response,
) -> anyhow::Result<Fetch> {
    let Response {
        body_hash,
        status,
        validators,
        hints,
    } = response;
    let listed: Vec<String> = parsed.items.iter().map(|i| i.identity.clone()).collect();
    let seen = ctx
        .lock_reader()
        .seen_items(ctx.feed_ids[index], &parsed.items)?;
    let mut fresh = Vec::new();
    let mut edits = Vec::new();
    for (item, seen) in parsed.items.into_iter().zip(seen) {
        match seen {
            Seen::New => fresh.push(item),
            Seen::Known {
                item: id,
                own_title: Some(stored),
            } if stored != item.title && !item.title.trim().is_empty() => edits.push(Retitle {
                item: id,
                title: item.title,
            }),
            Seen::Known { .. } => {}
        }
    }
    let articles = match ctx.settings.feeds[index].articles.full_text {
        _ if fresh.is_empty() => Articles::default(),
        FullText::Never => Articles::default(),
        _ => fulltext::plan(ctx, index, first_poll, &mut fresh, ctx.clock.now())?,
    };
    let matches = if articles.pending() {
        Vec::new()
    } else {
        match_items(ctx, index, &fresh)
    };
    Ok(Fetch {
        total: listed.len(),
        outcome: PollOutcome::Fetched {
            status,
            etag: validators.etag,
            last_modified: validators.last_modified,
            body_hash,
            refresh_hint: parsed.refresh_hint,
            listed,
        },
        hints,
        retry_after: None,
        fresh,
        matches,
        edits,
        articles,
    })
}

/// The poll as it is written: the feed's row after it (when it is next due, its adapted
/// interval, and where it is polled from) with what the fetch found new.
fn next_poll(
    ctx: &Context,
    index: usize,
    state: &FetchState,
    fetch: Fetch,
    now: DateTime<Utc>,
) -> FeedPoll {
    let Fetch {
        outcome,
        hints,
        retry_after,
        total: _,
        fresh,
        matches,
        edits,
        articles,
    } = fetch;
    let feed = &ctx.settings.feeds[index];
    let new_items = fresh.len();
    let cadence = &feed.cadence;
    let polling = &ctx.settings.polling;
    // The stored interval may come from an older configuration.
    let current = state
        .interval
        .unwrap_or(cadence.interval)
        .clamp(cadence.min_interval, cadence.max_interval);
    let (interval, wait, location) = match &outcome {
        PollOutcome::Failed { status, error, .. } => {
            let failures = state.consecutive_failures + 1;
            report_failure(ctx, feed, state, *status, error, now);
            let wait =
                cadence::wait_after_failure(current, failures, polling.max_backoff, retry_after);
            let mut location = state.location.clone();
            if location.fetch_url.is_some() && failures >= GIVE_UP_ADOPTED_URL {
                // The new home failed us: back to the URL in the config.
                tracing::warn!(feed = %feed.name, url = %redacted(&feed.url), "the URL a feed moved to keeps failing; polling the configured URL again");
                location.fetch_url = None;
            }
            (current, wait, location)
        }
        PollOutcome::NotModified { .. } | PollOutcome::Fetched { .. } => {
            // A first poll brings the feed's backlog: that says nothing about its pace.
            let interval = match state.interval {
                None => cadence.interval,
                Some(_) => cadence::adapt(cadence, current, new_items),
            };
            let parsed_hint = match &outcome {
                PollOutcome::Fetched { refresh_hint, .. } => *refresh_hint,
                _ => state.refresh_hint,
            };
            let hint = hints.fresh_for.max(parsed_hint);
            let wait = cadence::wait_after_success(cadence, interval, hint);
            let location = follow_move(feed, &state.location, &hints, polling.moved_after, now);
            (interval, wait, location)
        }
    };
    FeedPoll {
        feed: ctx.feed_ids[index],
        record: PollRecord {
            outcome,
            at: now,
            next_due: now + to_chrono(wait),
            interval,
            location,
        },
        items: fresh,
        matches,
        edits,
        articles: articles.notes,
    }
}

/// Where the feed is polled from next: a permanent redirect is noted with the time it was
/// first seen, and once it has held for `moved_after` the new URL is the one polled.
fn follow_move(
    feed: &FeedSettings,
    location: &Location,
    hints: &ResponseHints,
    moved_after: Duration,
    now: DateTime<Utc>,
) -> Location {
    let Some(target) = &hints.moved_permanently_to else {
        return Location {
            fetch_url: location.fetch_url.clone(),
            moved_to: None,
            moved_since: None,
        };
    };
    let shown = redacted(target);
    let target = target.to_string();
    let since = match (&location.moved_to, location.moved_since) {
        (Some(seen), Some(since)) if *seen == target => since,
        _ => {
            tracing::info!(feed = %feed.name, to = %shown, "feed redirects permanently");
            now
        }
    };
    if now - since >= to_chrono(moved_after) {
        tracing::warn!(
            feed = %feed.name,
            from = %redacted(&feed.url),
            to = %shown,
            "feed moved permanently; polling the new URL from now on (update the config to match)"
        );
        Location {
            fetch_url: Some(target),
            moved_to: None,
            moved_since: None,
        }
    } else {
        Location {
            fetch_url: location.fetch_url.clone(),
            moved_to: Some(target),
            moved_since: Some(since),
        }
    }
}

/// Logs what a reader must not miss: a feed gone, or failing for long.
fn report_failure(
    ctx: &Context,
    feed: &FeedSettings,
    state: &FetchState,
    status: Option<u16>,
    error: &str,
    now: DateTime<Utc>,
) {
    if status == Some(410) {
        tracing::warn!(feed = %feed.name, url = %redacted(&feed.url), "the server says the feed is gone (410); still polled, with backoff");
    }
    let failing_after = to_chrono(ctx.settings.polling.failing_after);
    if let Some(since) = state.failing_since
        && now - since >= failing_after
    {
        tracing::warn!(
            feed = %feed.name,
            url = %redacted(&feed.url),
            since = %since.format("%Y-%m-%d %H:%M UTC"),
            failures = state.consecutive_failures + 1,
            %error,
            "feed failing"
        );
    }
}

pub(super) fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(365))
}

/// A body that is not a usable feed, as a failed poll.
fn unreadable(status: Option<u16>, e: ParseError) -> PollOutcome {
    let kind = match e {
        ParseError::NotAFeed(_) => "not a feed",
        ParseError::Malformed(_) => "malformed",
    };
    failed(status, kind, e.to_string())
}

/// A failed poll; the error on one line (a parser may quote the document, line breaks
/// and all), so that it reads in a table and a log line.
fn failed(status: Option<u16>, kind: &str, error: String) -> PollOutcome {
    PollOutcome::Failed {
        status,
        kind: kind.to_string(),
        error: one_line(&error),
    }
}

fn not_modified(status: Option<u16>, validators: Validators) -> PollOutcome {
    PollOutcome::NotModified {
        status,
        etag: validators.etag,
        last_modified: validators.last_modified,
    }
}

/// Runs the watchlists that apply to this feed over its new items.
fn match_items(ctx: &Context, feed_index: usize, items: &[Item]) -> Vec<NewMatch> {
    let wanted = &ctx.watchlists_of_feed[feed_index];
    if wanted.is_empty() {
        return Vec::new();
    }
    let feed = &ctx.settings.feeds[feed_index];
    let source = [feed.source()];
    let mut matches = Vec::new();
    for (item_index, item) in items.iter().enumerate() {
        let doc = Document {
            title: &item.title,
            body: &item.body,
            link: item.link.as_deref().unwrap_or_default(),
            feeds: &source,
        };
        for hit in ctx.watcher.match_item(&doc) {
            if wanted.contains(&hit.watchlist) {
                matches.push(NewMatch {
                    item: item_index,
                    watchlist: ctx.settings.watchlists[hit.watchlist].name.clone(),
                    matched_terms: hit.matched_terms,
                    snippet: hit.snippet,
                });
            }
        }
    }
    matches
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One pass over the feeds (all, or the one named), concurrently within the configured
/// limit. Digests are not sent. Used by `newshound poll --once`.
pub async fn poll_once(settings: Settings, only: Option<&str>) -> anyhow::Result<Vec<FeedReport>> {
    poll_once_with_progress(settings, only, |_| {}).await
}

/// How far a [`poll_once_with_progress`] pass has got.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    pub done: usize,
    pub total: usize,
    /// The feed that just finished; `None` for the first call, made before any poll.
    pub finished: Option<&'a FeedReport>,
}

/// [`poll_once`], calling `progress` before the first poll and as each feed finishes.
pub async fn poll_once_with_progress(
    settings: Settings,
    only: Option<&str>,
    mut progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Vec<FeedReport>> {
    let selected: Vec<usize> = match only {
        None => (0..settings.feeds.len()).collect(),
        Some(name) => {
            let index = settings
                .feeds
                .iter()
                .position(|f: &FeedSettings| f.name == name)
                .ok_or_else(|| anyhow::anyhow!("no feed is named `{name}`"))?;
            vec![index]
        }
    };
    let fetcher = Fetcher::new(&settings.polling)?;
    let ctx = Context::open(settings, super::Clock::system()).await?;
    let total = selected.len();
    progress(Progress {
        done: 0,
        total,
        finished: None,
    });
    let mut tasks = tokio::task::JoinSet::new();
    for index in selected {
        let (ctx, fetcher) = (Arc::clone(&ctx), fetcher.clone());
        tasks.spawn(async move { (index, poll_feed(&ctx, &fetcher, index).await) });
    }
    let mut reports = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (index, report) = done?;
        progress(Progress {
            done: reports.len() + 1,
            total,
            finished: Some(&report),
        });
        reports.push((index, report));
    }
    reports.sort_by_key(|(index, _)| *index);
    Ok(reports.into_iter().map(|(_, report)| report).collect())
}
