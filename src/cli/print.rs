//! What the commands print: the configuration summary of `check`, the report of `poll`,
//! matches, stories, the `feeds` and `outbox` tables, and what a pass over the outbox did.
//! Each printer takes what the library returned and writes it; none reads the store or the
//! settings files. The tables and JSON lines (`--json`) share one writer each.

use std::io::Write;

use chrono::Utc;

use crate::config::{self, Schedule, Settings, Transport};
use crate::daemon;
use crate::digest::probe::Step;
use crate::model::{MatchRecord, Story};
use crate::store::{MessageState, OutboxMessage};
use crate::wording::{count, one_line_within};

/// `check`: what the configuration says, in brief.
pub(super) fn summary(settings: &Settings) {
    let files: Vec<String> = settings
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    println!("configuration OK ({})", files.join(", "));
    println!("database: {}", settings.storage.path.display());
    println!(
        "retention: unmatched items {}, matches and sent mail {}, after their feeds last listed them",
        in_days(settings.storage.retain_items),
        in_days(settings.storage.retain_matches)
    );
    let polling = &settings.polling;
    println!(
        "polling: every {} by default, {} at a time ({} per host), timeout {}",
        cadence(&polling.cadence),
        polling.concurrency,
        polling.concurrency_per_host,
        humantime::format_duration(polling.timeout)
    );
    println!("full text: {}", articles(&polling.articles, polling));
    println!("feeds ({}):", settings.feeds.len());
    for feed in &settings.feeds {
        let tags = tag_list(&feed.tags);
        let own = if feed.articles == polling.articles {
            String::new()
        } else {
            format!(", full text {}", articles(&feed.articles, polling))
        };
        println!(
            "  {} <{}> every {}{own}{tags}",
            feed.name,
            crate::feed::redacted(&feed.url),
            cadence(&feed.cadence)
        );
    }
    println!("watchlists ({}):", settings.watchlists.len());
    for watchlist in &settings.watchlists {
        let feeds = settings
            .feeds
            .iter()
            .filter(|f| watchlist.applies_to(f))
            .count();
        println!(
            "  {}: {} ({feeds} feeds)",
            watchlist.name,
            watchlist.query.source()
        );
    }
    if !settings.lists.is_empty() {
        println!("lists ({}):", settings.lists.len());
        for (name, items) in &settings.lists {
            let users = settings
                .watchlists
                .iter()
                .filter(|w| w.query.lists().iter().any(|(list, _)| list == name))
                .count();
            println!(
                "  @{name}: {} terms, in {users} watchlists: {}",
                items.len(),
                items.join(", ")
            );
        }
    }
    match &settings.email.transport {
        Transport::File { outbox } => {
            println!("email: written as .eml files to {}", outbox.display())
        }
        Transport::Smtp(smtp) => {
            println!(
                "email: SMTP {}:{} (security = \"{}\")",
                smtp.host,
                smtp.port,
                smtp.security.as_str()
            );
            if let Some(fix) = crate::digest::send::port_mismatch(smtp.port, smtp.security) {
                println!("  warning: {fix}");
            }
        }
    }
    println!("digests ({}):", settings.digests.len());
    for digest in &settings.digests {
        let to: Vec<String> = digest.to.iter().map(ToString::to_string).collect();
        // An interval's next run depends on the last one; a calendar's does not.
        let when = match digest.schedule {
            Schedule::Every(_) => digest.timezone.to_string(),
            _ => format!(
                "{}; next {}",
                digest.timezone,
                digest
                    .schedule
                    .next_after(Utc::now(), digest.timezone)
                    .with_timezone(&digest.timezone)
                    .format("%a %-d %b %H:%M %Z")
            ),
        };
        println!(
            "  {}: {} ({when}) to {} covering {}",
            digest.name,
            digest.schedule,
            to.join(", "),
            digest.watchlists.join(", ")
        );
    }
    if !settings.webhooks.is_empty() {
        println!("webhooks ({}):", settings.webhooks.len());
    }
    for webhook in &settings.webhooks {
        let when = match &webhook.timing {
            crate::config::WebhookTiming::Alert => "at once (alert)".to_string(),
            crate::config::WebhookTiming::Schedule { schedule, timezone } => {
                format!("{schedule} ({timezone})")
            }
        };
        // The host only: the path of a chat webhook's URL is its credential.
        println!(
            "  {}: {} to {} {when} covering {}{}",
            webhook.name,
            webhook.format.as_str(),
            webhook.shown_url(),
            webhook.watchlists.join(", "),
            if webhook.secret.is_some() {
                ", signed"
            } else {
                ""
            }
        );
    }
    let alerting: Vec<&str> = settings
        .watchlists
        .iter()
        .filter(|w| w.alert)
        .map(|w| w.name.as_str())
        .collect();
    if !alerting.is_empty() {
        println!(
            "alerts: {} (at most one mail per recipient every {})",
            alerting.join(", "),
            humantime::format_duration(settings.alerts.interval)
        );
    }
}

/// `auto (a first poll reads the 10 most recent of the last 2d; waits 30s, retries after
/// 10m)`, or `never`.
fn articles(articles: &config::Articles, polling: &config::Polling) -> String {
    if articles.full_text == config::FullText::Never {
        return "never".into();
    }
    format!(
        "{} (a first poll reads the {} most recent of the last {}; waits {}, retries after {})",
        articles.full_text.as_str(),
        articles.backlog,
        in_days(articles.max_age),
        humantime::format_duration(polling.article_wait),
        humantime::format_duration(polling.article_retry),
    )
}

/// `365d` rather than humantime's months of 30.44 days.
fn in_days(d: std::time::Duration) -> String {
    match d.as_secs() {
        secs if secs.is_multiple_of(86_400) => format!("{}d", secs / 86_400),
        _ => humantime::format_duration(d).to_string(),
    }
}

/// ` [world, defense]`, or nothing without tags.
pub(super) fn tag_list(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", tags.join(", "))
    }
}

/// `15m (adapts within 5m..2h)`.
fn cadence(c: &config::Cadence) -> String {
    let show = |d| humantime::format_duration(d).to_string();
    if c.adaptive && c.min_interval < c.max_interval {
        format!(
            "{} (adapts within {}..{})",
            show(c.interval),
            show(c.min_interval),
            show(c.max_interval)
        )
    } else {
        show(c.interval)
    }
}

pub(super) fn poll(reports: &[daemon::FeedReport]) {
    for report in reports {
        match &report.outcome {
            Ok(polled) if polled.deferred_until.is_some() => println!(
                "later   {}: its host asked for a pause until {}",
                report.feed,
                polled
                    .deferred_until
                    .unwrap_or_default()
                    .format("%H:%M:%S UTC")
            ),
            Ok(polled) if polled.not_modified => println!("ok      {}: not modified", report.feed),
            Ok(polled) => println!(
                "ok      {}: {} items, {} new, {}{}",
                report.feed,
                polled.items,
                polled.new_items,
                count(polled.matches.len(), "match", "matches"),
                super::progress::after_matches(&polled.articles)
            ),
            Err(error) => println!("FAILED  {} <{}>: {error}", report.feed, report.url),
        }
    }
    let matches: Vec<&MatchRecord> = reports
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .flat_map(|p| &p.matches)
        .collect();
    println!("\n{}", count(matches.len(), "new match", "new matches"));
    let articles = reports
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .map(|p| p.articles)
        .sum();
    if let Some(articles) = super::progress::articles(&articles) {
        println!("{articles}");
    }
    for m in matches {
        print_match(m);
    }
}

fn print_match(m: &MatchRecord) {
    println!("[{}] {} — {}", m.watchlist, m.title, m.feeds.join(", "));
    if let Some(link) = &m.link {
        println!("    {link}");
    }
    println!("    matched: {}", m.matched_terms.join(", "));
}

/// The JSON shape of a match for `matches --json`.
#[derive(serde::Serialize)]
struct MatchLine<'a> {
    watchlist: &'a str,
    title: &'a str,
    link: Option<&'a str>,
    guid: Option<&'a str>,
    feed: &'a str,
    feeds: &'a [String],
    story_id: Option<i64>,
    published: Option<String>,
    matched_at: String,
    matched_terms: &'a [String],
    snippet: &'a str,
}

pub(super) fn matches(matches: &[MatchRecord], json: bool) -> anyhow::Result<()> {
    if json {
        let lines: Vec<MatchLine<'_>> = matches
            .iter()
            .map(|m| MatchLine {
                watchlist: &m.watchlist,
                title: &m.title,
                link: m.link.as_deref(),
                guid: m.guid.as_deref(),
                feed: &m.feed,
                feeds: &m.feeds,
                story_id: m.story,
                published: m.published.map(|p| p.to_rfc3339()),
                matched_at: m.matched_at.to_rfc3339(),
                matched_terms: &m.matched_terms,
                snippet: &m.snippet.text,
            })
            .collect();
        return json_lines(&mut std::io::stdout().lock(), &lines);
    }
    for m in matches {
        print_match(m);
    }
    if matches.is_empty() {
        eprintln!("no matches");
    }
    Ok(())
}

pub(super) fn stories(stories: &[Story], json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        return json_lines(&mut out, stories);
    }
    let time = |t: chrono::DateTime<Utc>| t.format("%a %-d %b %H:%M UTC").to_string();
    for story in stories {
        writeln!(out, "{}", story.headline)?;
        let span = if story.first_seen == story.last_seen {
            time(story.first_seen)
        } else {
            format!("{} – {}", time(story.first_seen), time(story.last_seen))
        };
        writeln!(
            out,
            "  story {} · {} from {}: {} · {span}",
            story.story_id,
            count(story.items.len(), "item", "items"),
            count(story.outlets.len(), "outlet", "outlets"),
            story.outlets.join(", "),
        )?;
        for item in &story.items {
            writeln!(
                out,
                "  - {} · {} · {}",
                item.feeds.join(", "),
                time(item.time),
                item.title
            )?;
            if let Some(link) = &item.link {
                writeln!(out, "    {link}")?;
            }
        }
        writeln!(out)?;
    }
    if stories.is_empty() {
        eprintln!("no stories");
    }
    Ok(())
}

/// The `feeds` table, or JSON lines.
pub(super) fn feeds(
    feeds: &[daemon::FeedOverview],
    json: bool,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        return json_lines(&mut out, feeds);
    }
    let mut header = vec![
        "NAME",
        "STATE",
        "LAST SUCCESS",
        "STATUS",
        "ITEMS",
        "NEXT POLL",
        "FAILURES",
        "LAST ERROR",
    ];
    // Only once some feed's articles were fetched or skipped: without full text the
    // table reads as it always did.
    let with_articles = feeds.iter().any(|f| !f.status.articles.is_empty());
    if with_articles {
        header.insert(5, "ARTICLES");
    }
    let rows: Vec<Vec<String>> = feeds
        .iter()
        .map(|feed| {
            let s = &feed.status;
            let error = match (&s.last_error, s.last_error_at) {
                (Some(error), Some(at)) => {
                    format!("{} ({})", one_line_within(error, 70), ago(at, now))
                }
                (Some(error), None) => one_line_within(error, 70),
                _ => "-".to_string(),
            };
            let mut row = vec![
                s.name.clone(),
                feed.condition.label().to_string(),
                s.last_success_at.map_or("never".into(), |t| ago(t, now)),
                s.last_status.map_or("-".into(), |c| c.to_string()),
                s.items_seen.to_string(),
                s.next_due_at.map_or("now".into(), |t| ago(t, now)),
                s.consecutive_failures.to_string(),
                error,
            ];
            if with_articles {
                row.insert(5, article_cell(&s.articles));
            }
            row
        })
        .collect();
    write_table(&mut out, &header, &rows, |i| {
        let location = &feeds[i].status.location;
        let mut notes = Vec::new();
        if let Some(url) = &location.fetch_url {
            notes.push(format!(
                "moved permanently: now polled at {url} (update the config)"
            ));
        }
        if let (Some(url), Some(since)) = (&location.moved_to, location.moved_since) {
            notes.push(format!(
                "redirects permanently to {url} since {}",
                ago(since, now)
            ));
        }
        notes
    })?;
    if feeds.is_empty() {
        eprintln!("no feeds configured");
    }
    Ok(())
}

/// `3 read, 2 failed (stub, timeout), 1 retrying`: what is not zero; `-` when nothing is.
fn article_cell(articles: &crate::store::ArticleStatus) -> String {
    let total = |by: &std::collections::BTreeMap<String, i64>| by.values().sum::<i64>();
    let kinds = |by: &std::collections::BTreeMap<String, i64>| {
        by.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
    };
    let parts: Vec<String> = [
        (articles.read, "read".to_string()),
        (
            total(&articles.failed),
            format!("failed ({})", kinds(&articles.failed)),
        ),
        (
            total(&articles.skipped),
            format!("skipped ({})", kinds(&articles.skipped)),
        ),
        (articles.retrying, "retrying".to_string()),
        (articles.given_up, "given up".to_string()),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

pub(super) fn outbox(
    messages: &[OutboxMessage],
    json: bool,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        return json_lines(&mut out, messages);
    }
    if messages.is_empty() {
        eprintln!("the outbox is empty: no digest, alert or webhook delivery has been queued yet");
        return Ok(());
    }
    let header = [
        "ID",
        "STATE",
        "KIND",
        "DIGEST",
        "TO",
        "QUEUED",
        "MATCHES",
        "TRIES",
        "SUBJECT / ERROR",
    ];
    let rows: Vec<Vec<String>> = messages
        .iter()
        .map(|m| {
            let state = match (m.state, m.sent_at) {
                (MessageState::Sent, Some(at)) => format!("sent {}", ago(at, now)),
                (MessageState::Pending, _) if m.attempts > 0 => {
                    format!("retry {}", ago(m.next_attempt_at, now))
                }
                (state, _) => format!("{state:?}").to_lowercase(),
            };
            let about = match (&m.state, &m.last_error) {
                (MessageState::Sent, _) | (_, None) => one_line_within(&m.subject, 60),
                (_, Some(error)) => one_line_within(error, 60),
            };
            vec![
                m.id.to_string(),
                state,
                m.kind.as_str().to_string(),
                m.digest.clone(),
                m.recipient.clone(),
                ago(m.created_at, now),
                m.matches.to_string(),
                m.attempts.to_string(),
                about,
            ]
        })
        .collect();
    // The cause of a message not sent, whole, on a line of its own: cut to the column it
    // would lose what matters ("… invalid peer certificate: UnknownIssuer").
    write_table(&mut out, &header, &rows, |i| {
        let m = &messages[i];
        match (&m.state, &m.last_error) {
            (MessageState::Sent, _) | (_, None) => Vec::new(),
            (_, Some(error)) if error.chars().count() > 60 => vec![format!("error: {error}")],
            _ => Vec::new(),
        }
    })
}

/// `webhook test`'s answer; whether it was a 2xx.
pub(super) fn webhook_test(name: &str, test: &daemon::WebhookTest) -> bool {
    let took = test.took.as_millis();
    match &test.answer {
        Ok(answer) => {
            let delivered = (200..300).contains(&answer.status);
            let verdict = if delivered { "ok" } else { "FAILED" };
            println!(
                "{verdict}: webhook `{name}` ({}) answered {} in {took} ms (Idempotency-Key {})",
                test.url,
                answer.describe(),
                test.key
            );
            delivered
        }
        Err(reason) => {
            println!(
                "FAILED: webhook `{name}` ({}) gave no answer after {took} ms: {reason}",
                test.url
            );
            false
        }
    }
}

/// `webhook list`: one row per configured webhook.
pub(super) fn webhooks(
    webhooks: &[daemon::WebhookOverview],
    json: bool,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        return json_lines(&mut out, webhooks);
    }
    if webhooks.is_empty() {
        eprintln!("no webhook is configured ([[webhooks]])");
        return Ok(());
    }
    let header = [
        "NAME",
        "FORMAT",
        "URL",
        "WHEN",
        "SENT",
        "PENDING",
        "FAILED",
        "LAST SENT",
        "LAST ERROR",
    ];
    let rows: Vec<Vec<String>> = webhooks
        .iter()
        .map(|w| {
            let d = &w.deliveries;
            vec![
                w.name.clone(),
                w.format.to_string(),
                w.url.clone(),
                w.when.clone(),
                d.sent.to_string(),
                d.pending.to_string(),
                d.failed.to_string(),
                d.last_sent
                    .map_or_else(|| "never".into(), |at| ago(at, now)),
                d.last_error
                    .as_deref()
                    .map_or_else(String::new, |e| one_line_within(e, 60)),
            ]
        })
        .collect();
    write_table(&mut out, &header, &rows, |_| Vec::new())
}

/// What a pass over the outbox did, one line per message.
pub(super) fn drain(report: &daemon::DrainReport) {
    for m in &report.sent {
        println!(
            "sent {} to {} ({}): {}",
            m.kind.as_str(),
            m.recipient,
            count(m.matches, "match", "matches"),
            one_line_within(&m.subject, 80)
        );
    }
    for (m, reason) in &report.retrying {
        println!(
            "not sent to {}: {}; it stays in the outbox",
            m.recipient,
            one_line_within(reason, 200)
        );
    }
    for (m, reason) in &report.failed {
        println!(
            "refused for {}: {}; `newshound outbox retry {}` tries again",
            m.recipient,
            one_line_within(reason, 200),
            m.id
        );
    }
}

/// The steps of `email test`, one line each.
pub(super) fn steps(steps: &[Step]) {
    for step in steps {
        let mark = if step.ok { "ok  " } else { "FAIL" };
        println!("{mark} {:<8} {}", step.name, step.detail);
    }
}

/// One JSON object per line.
fn json_lines<T: serde::Serialize>(out: &mut impl Write, items: &[T]) -> anyhow::Result<()> {
    for item in items {
        writeln!(out, "{}", serde_json::to_string(item)?)?;
    }
    Ok(())
}

/// Rows under a header, each column as wide as its widest cell, each row followed by its
/// indented `notes`.
fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    notes: impl Fn(usize) -> Vec<String>,
) -> anyhow::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for (i, row) in rows.iter().enumerate() {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
        for note in notes(i) {
            writeln!(out, "    {note}")?;
        }
    }
    Ok(())
}

/// `5m ago`, `in 2h 3m`: whole minutes (seconds under one), for a table.
fn ago(t: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> String {
    let delta = now - t;
    let secs = delta.num_seconds().unsigned_abs();
    let rounded = if secs >= 60 { secs - secs % 60 } else { secs };
    let span = humantime::format_duration(std::time::Duration::from_secs(rounded)).to_string();
    if delta.num_seconds() >= 0 {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}
