//! What the daemon has done since it started, for `/metrics` (Prometheus text format
//! 0.0.4) and `/healthz`: counters bumped where the work happens (polls, digest runs,
//! messages), and the few facts the health check reads.
//!
//! A small hand-written registry rather than the `prometheus` or `metrics` crates: a
//! dozen series with fixed names, plus two label sets (error kinds, watchlists) that only
//! grow, are atomics and two small maps; the exposition format is a page of text. One
//! [`Metrics`] lives for the whole process and is shared by every [`super::Context`]
//! built from a reloaded configuration, so counts survive a reload.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::ArticleResult;

/// Upper bounds (seconds) of the poll-duration histogram's buckets: a local feed takes
/// milliseconds, a slow server tens of seconds, the default timeout is 30s.
const DURATION_BUCKETS: [f64; 11] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// `i64` stand-in for "no time", in the atomics that hold times.
const NEVER: i64 = i64::MIN;

/// How one poll ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollResult {
    Ok,
    NotModified,
    /// Its host asked for a pause (429/503 `Retry-After`); not fetched.
    Deferred,
    Error,
}

impl PollResult {
    fn label(self) -> &'static str {
        match self {
            PollResult::Ok => "ok",
            PollResult::NotModified => "not_modified",
            PollResult::Deferred => "deferred",
            PollResult::Error => "error",
        }
    }
}

/// Process-lifetime counters and the daemon's health facts.
#[derive(Debug)]
pub struct Metrics {
    polls: [AtomicU64; 4],
    /// By kind (`timeout`, `http`, `malformed`, …): the poll path's own classification.
    poll_errors: Mutex<BTreeMap<String, u64>>,
    /// Deliveries that met a fault of the `[email]` settings, by kind.
    mail_config_errors: Mutex<BTreeMap<String, u64>>,
    items_seen: AtomicU64,
    items_new: AtomicU64,
    matches: Mutex<BTreeMap<String, u64>>,
    backfill_matches: AtomicU64,
    /// Articles read, failed (by kind) and skipped (by reason), polls' and retries'.
    articles: Mutex<BTreeMap<(ArticleResult, String), u64>>,
    /// Lines left out of articles as their site's learned furniture.
    furniture_lines: AtomicU64,
    digest_runs: [AtomicU64; 3],
    digest_messages_queued: AtomicU64,
    /// Sent, retrying, failed; each for digests and alerts.
    messages: [[AtomicU64; 3]; 2],
    /// Webhook delivery attempts by webhook and outcome.
    webhooks: Mutex<BTreeMap<(String, &'static str), u64>>,
    duration_buckets: [AtomicU64; DURATION_BUCKETS.len()],
    duration_count: AtomicU64,
    duration_micros: AtomicU64,
    /// The store is open and the first timetable loaded.
    ready: AtomicBool,
    /// When it got ready (milliseconds since the epoch): nothing is late, and nothing
    /// has failed to finish, from before the daemon started.
    ready_at: AtomicI64,
    /// Milliseconds since the epoch, or [`NEVER`].
    last_poll_done: AtomicI64,
    /// When the feed due soonest is (or was) due, or [`NEVER`] with no feed: a feed that is
    /// due stays so, with its old due time, until its poll finishes.
    earliest_due: AtomicI64,
}

/// What a digest run came to.
#[derive(Debug, Clone, Copy)]
pub enum DigestOutcome {
    Queued(usize),
    Nothing,
    Error,
}

/// What became of a message the outbox tried to send.
#[derive(Debug, Clone, Copy)]
pub enum Delivery {
    Sent,
    Retrying,
    Failed,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            polls: Default::default(),
            poll_errors: Mutex::default(),
            mail_config_errors: Mutex::default(),
            items_seen: AtomicU64::new(0),
            items_new: AtomicU64::new(0),
            matches: Mutex::default(),
            backfill_matches: AtomicU64::new(0),
            articles: Mutex::default(),
            furniture_lines: AtomicU64::new(0),
            digest_runs: Default::default(),
            digest_messages_queued: AtomicU64::new(0),
            messages: Default::default(),
            webhooks: Mutex::default(),
            duration_buckets: Default::default(),
            duration_count: AtomicU64::new(0),
            duration_micros: AtomicU64::new(0),
            ready: AtomicBool::new(false),
            ready_at: AtomicI64::new(NEVER),
            last_poll_done: AtomicI64::new(NEVER),
            earliest_due: AtomicI64::new(NEVER),
        }
    }
}

/// Whether the daemon is fit to serve: the answer of `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    Ok,
    /// Not healthy, with a one-line reason.
    Unhealthy(String),
}

impl Metrics {
    /// A poll ended; `at` is the daemon clock's time.
    pub fn poll_done(&self, result: PollResult, at: DateTime<Utc>) {
        self.polls[result as usize].fetch_add(1, Relaxed);
        self.last_poll_done.store(at.timestamp_millis(), Relaxed);
    }

    pub fn poll_error(&self, kind: &str) {
        // Metric labels read better without spaces (`not a feed` → `not_a_feed`).
        *lock(&self.poll_errors)
            .entry(kind.replace(' ', "_"))
            .or_default() += 1;
    }

    pub fn mail_config_error(&self, kind: &str) {
        *lock(&self.mail_config_errors)
            .entry(kind.to_string())
            .or_default() += 1;
    }

    pub fn items(&self, seen: usize, new: usize) {
        self.items_seen.fetch_add(seen as u64, Relaxed);
        self.items_new.fetch_add(new as u64, Relaxed);
    }

    pub fn matched(&self, watchlist: &str) {
        *lock(&self.matches)
            .entry(watchlist.to_string())
            .or_default() += 1;
    }

    /// Matches recorded by matching a new or changed watchlist against recent items.
    pub fn backfilled(&self, matches: usize) {
        self.backfill_matches.fetch_add(matches as u64, Relaxed);
    }

    /// `lines` left out of an article as its site's learned furniture.
    pub fn furniture_lines(&self, lines: usize) {
        self.furniture_lines.fetch_add(lines as u64, Relaxed);
    }

    /// An article read, failed (`kind`: `timeout`, `stub`, …) or skipped (`kind`: why).
    pub fn article(&self, result: ArticleResult, kind: &str) {
        *lock(&self.articles)
            .entry((result, kind.replace(' ', "_")))
            .or_default() += 1;
    }

    /// The time a poll took from getting its slot to having stored its result.
    pub fn poll_duration(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        for (bucket, bound) in self.duration_buckets.iter().zip(DURATION_BUCKETS) {
            if seconds <= bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.duration_count.fetch_add(1, Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.duration_micros.fetch_add(micros, Relaxed);
    }

    pub fn digest_run(&self, outcome: DigestOutcome) {
        let index = match outcome {
            DigestOutcome::Queued(messages) => {
                self.digest_messages_queued
                    .fetch_add(messages as u64, Relaxed);
                0
            }
            DigestOutcome::Nothing => 1,
            DigestOutcome::Error => 2,
        };
        self.digest_runs[index].fetch_add(1, Relaxed);
    }

    pub fn message(&self, alert: bool, delivery: Delivery) {
        self.messages[usize::from(alert)][delivery as usize].fetch_add(1, Relaxed);
    }

    /// An attempt at a delivery to webhook `name`.
    pub fn webhook(&self, name: &str, delivery: Delivery) {
        let outcome = match delivery {
            Delivery::Sent => "sent",
            Delivery::Retrying => "retrying",
            Delivery::Failed => "failed",
        };
        *lock(&self.webhooks)
            .entry((name.to_string(), outcome))
            .or_default() += 1;
    }

    /// The store is open and the daemon knows when each feed is due.
    pub fn set_ready(&self, now: DateTime<Utc>) {
        self.ready_at.store(now.timestamp_millis(), Relaxed);
        self.ready.store(true, Relaxed);
    }

    /// When the feed due soonest is due; the loop says so each time round.
    pub fn set_earliest_due(&self, due: Option<DateTime<Utc>>) {
        let millis = due.map_or(NEVER, |d| d.timestamp_millis());
        self.earliest_due.store(millis, Relaxed);
    }

    /// Ready, and the poll cycle not stalled. Stalled means: a feed has been due for
    /// longer than `stalled_after` and no poll of any feed has finished in that time
    /// either. Work was waiting all along and nothing moved: with every request bounded
    /// by `polling.timeout`, a loop that keeps going finishes some poll well within
    /// `stalled_after` (default 5m, ten default timeouts). Both are counted from start-up
    /// at the earliest: a feed left due while the daemon was down is not a stall.
    pub fn health(&self, now: DateTime<Utc>, stalled_after: Duration) -> Health {
        if !self.ready.load(Relaxed) {
            return Health::Unhealthy("starting: the feed timetable is not loaded yet".into());
        }
        let limit = chrono::Duration::from_std(stalled_after).unwrap_or(chrono::Duration::MAX);
        let ready_at = time(&self.ready_at).unwrap_or(now);
        let Some(due) = time(&self.earliest_due) else {
            return Health::Ok;
        };
        let overdue = now - due.max(ready_at);
        if overdue <= limit {
            return Health::Ok;
        }
        let last = time(&self.last_poll_done);
        match last.filter(|last| *last >= ready_at) {
            Some(last) if now - last <= limit => Health::Ok,
            _ => Health::Unhealthy(format!(
                "stalled: a feed has been due for {} and no poll has finished {}",
                seconds(overdue),
                last.map_or_else(
                    || "since start-up".to_string(),
                    |l| format!("in {}", seconds(now - l))
                ),
            )),
        }
    }

    /// The Prometheus text exposition (format 0.0.4). `feeds` and `watchlists` come from
    /// the current configuration: every configured watchlist is shown, at 0 if it has not
    /// matched yet, so that a rate over it is defined from the start.
    pub fn render(&self, feeds: usize, watchlists: &[&str]) -> String {
        let mut out = String::new();
        let o = &mut out;
        header(
            o,
            "newshound_up",
            "gauge",
            "1 when the daemon is ready (store open, timetable loaded).",
        );
        sample(o, "newshound_up", "", u64::from(self.ready.load(Relaxed)));
        header(
            o,
            "newshound_feeds_configured",
            "gauge",
            "Feeds in the current configuration.",
        );
        sample(o, "newshound_feeds_configured", "", feeds as u64);

        header(
            o,
            "newshound_polls_total",
            "counter",
            "Polls by outcome (deferred: its host asked for a pause).",
        );
        for result in [
            PollResult::Ok,
            PollResult::NotModified,
            PollResult::Deferred,
            PollResult::Error,
        ] {
            let labels = format!("outcome=\"{}\"", result.label());
            sample(
                o,
                "newshound_polls_total",
                &labels,
                self.polls[result as usize].load(Relaxed),
            );
        }
        header(
            o,
            "newshound_poll_errors_total",
            "counter",
            "Failed polls by kind of failure.",
        );
        for (kind, n) in lock(&self.poll_errors).iter() {
            sample(
                o,
                "newshound_poll_errors_total",
                &format!("kind=\"{}\"", escape(kind)),
                *n,
            );
        }
        header(
            o,
            "newshound_mail_config_errors_total",
            "counter",
            "Deliveries held back by a fault of the [email] settings, by kind.",
        );
        for (kind, n) in lock(&self.mail_config_errors).iter() {
            sample(
                o,
                "newshound_mail_config_errors_total",
                &format!("kind=\"{}\"", escape(kind)),
                *n,
            );
        }
        header(
            o,
            "newshound_items_seen_total",
            "counter",
            "Items in the feeds fetched (new or not).",
        );
        sample(
            o,
            "newshound_items_seen_total",
            "",
            self.items_seen.load(Relaxed),
        );
        header(
            o,
            "newshound_items_new_total",
            "counter",
            "Items a feed carried for the first time.",
        );
        sample(
            o,
            "newshound_items_new_total",
            "",
            self.items_new.load(Relaxed),
        );

        header(
            o,
            "newshound_matches_total",
            "counter",
            "New matches found by polls, by watchlist.",
        );
        let mut matches = lock(&self.matches).clone();
        for name in watchlists {
            matches.entry((*name).to_string()).or_default();
        }
        for (watchlist, n) in &matches {
            sample(
                o,
                "newshound_matches_total",
                &format!("watchlist=\"{}\"", escape(watchlist)),
                *n,
            );
        }
        header(
            o,
            "newshound_backfill_matches_total",
            "counter",
            "Matches of new or changed watchlists against recent items.",
        );
        sample(
            o,
            "newshound_backfill_matches_total",
            "",
            self.backfill_matches.load(Relaxed),
        );

        self.render_articles(o);

        header(
            o,
            "newshound_digest_runs_total",
            "counter",
            "Digest runs: messages queued, nothing new, or an error.",
        );
        for (i, outcome) in ["queued", "nothing", "error"].iter().enumerate() {
            let labels = format!("outcome=\"{outcome}\"");
            sample(
                o,
                "newshound_digest_runs_total",
                &labels,
                self.digest_runs[i].load(Relaxed),
            );
        }
        header(
            o,
            "newshound_digest_messages_queued_total",
            "counter",
            "Digest messages committed to the outbox.",
        );
        sample(
            o,
            "newshound_digest_messages_queued_total",
            "",
            self.digest_messages_queued.load(Relaxed),
        );
        header(
            o,
            "newshound_messages_total",
            "counter",
            "Outbox send attempts by kind and outcome (sent, retrying later, failed for good).",
        );
        for (k, kind) in ["digest", "alert"].iter().enumerate() {
            for (d, outcome) in ["sent", "retrying", "failed"].iter().enumerate() {
                let labels = format!("kind=\"{kind}\",outcome=\"{outcome}\"");
                sample(
                    o,
                    "newshound_messages_total",
                    &labels,
                    self.messages[k][d].load(Relaxed),
                );
            }
        }

        header(
            o,
            "newshound_webhook_deliveries_total",
            "counter",
            "Webhook delivery attempts by webhook and outcome (sent, retrying later, failed for good).",
        );
        for ((webhook, outcome), n) in lock(&self.webhooks).iter() {
            sample(
                o,
                "newshound_webhook_deliveries_total",
                &format!("webhook=\"{}\",outcome=\"{outcome}\"", escape(webhook)),
                *n,
            );
        }

        let name = "newshound_poll_duration_seconds";
        header(
            o,
            name,
            "histogram",
            "Time a poll took from getting its slot to storing its result.",
        );
        for (bucket, bound) in self.duration_buckets.iter().zip(DURATION_BUCKETS) {
            let labels = format!("le=\"{bound}\"");
            sample(o, &format!("{name}_bucket"), &labels, bucket.load(Relaxed));
        }
        let count = self.duration_count.load(Relaxed);
        sample(o, &format!("{name}_bucket"), "le=\"+Inf\"", count);
        let sum = self.duration_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(o, "{name}_sum {sum}");
        sample(o, &format!("{name}_count"), "", count);

        header(
            o,
            "newshound_last_poll_timestamp_seconds",
            "gauge",
            "When a poll last finished (Unix time); 0 before the first.",
        );
        let last = self.last_poll_done.load(Relaxed);
        let last = if last == NEVER {
            0.0
        } else {
            last as f64 / 1e3
        };
        let _ = writeln!(o, "newshound_last_poll_timestamp_seconds {last}");
        out
    }
}

impl Metrics {
    /// The article series: fetches by result (each shown from the start), failures by
    /// kind and skips by reason.
    fn render_articles(&self, o: &mut String) {
        let articles = lock(&self.articles).clone();
        let name = "newshound_article_fetches_total";
        header(
            o,
            name,
            "counter",
            "Articles of new items read, failed or skipped, by polls and retries.",
        );
        for result in [
            ArticleResult::Read,
            ArticleResult::Failed,
            ArticleResult::Skipped,
        ] {
            let n = articles
                .iter()
                .filter(|((r, _), _)| *r == result)
                .map(|(_, n)| n)
                .sum();
            sample(o, name, &format!("result=\"{}\"", result.as_str()), n);
        }
        for (result, name, label, help) in [
            (
                ArticleResult::Failed,
                "newshound_article_failures_total",
                "kind",
                "Articles that could not be read, by kind of failure.",
            ),
            (
                ArticleResult::Skipped,
                "newshound_article_skips_total",
                "reason",
                "Articles not fetched, by reason.",
            ),
        ] {
            header(o, name, "counter", help);
            for ((_, kind), n) in articles.iter().filter(|((r, _), _)| *r == result) {
                sample(o, name, &format!("{label}=\"{}\"", escape(kind)), *n);
            }
        }
        let name = "newshound_article_furniture_lines_total";
        header(
            o,
            name,
            "counter",
            "Lines left out of articles as furniture learned from their site's other pages.",
        );
        sample(o, name, "", self.furniture_lines.load(Relaxed));
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &str, value: u64) {
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{labels}}} {value}");
    }
}

/// A label value as the text format wants it: backslash, double quote and line feed
/// escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The time an atomic holds, if any.
fn time(atomic: &AtomicI64) -> Option<DateTime<Utc>> {
    let millis = atomic.load(Relaxed);
    (millis != NEVER)
        .then(|| DateTime::from_timestamp_millis(millis))
        .flatten()
}

fn seconds(d: chrono::Duration) -> String {
    format!("{}s", d.num_seconds())
}

/// A panic elsewhere while counting leaves the map usable; a count is never worth a panic.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn label_values_are_escaped() {
        let m = Metrics::default();
        m.matched("a \"quoted\" \\ name\nsplit");
        let text = m.render(0, &["zero"]);
        assert!(
            text.contains(r#"newshound_matches_total{watchlist="a \"quoted\" \\ name\nsplit"} 1"#),
            "{text}"
        );
        assert!(
            text.contains("newshound_matches_total{watchlist=\"zero\"} 0"),
            "{text}"
        );
    }

    #[test]
    fn mail_config_errors_are_counted_by_kind() {
        let m = Metrics::default();
        m.mail_config_error("auth");
        m.mail_config_error("auth");
        m.mail_config_error("tls");
        let text = m.render(0, &[]);
        assert!(
            text.contains("newshound_mail_config_errors_total{kind=\"auth\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("newshound_mail_config_errors_total{kind=\"tls\"} 1"),
            "{text}"
        );
    }

    #[test]
    fn the_histogram_is_cumulative() {
        let m = Metrics::default();
        m.poll_duration(Duration::from_millis(30));
        m.poll_duration(Duration::from_secs(3));
        m.poll_duration(Duration::from_secs(600));
        let text = m.render(0, &[]);
        for line in [
            "newshound_poll_duration_seconds_bucket{le=\"0.01\"} 0",
            "newshound_poll_duration_seconds_bucket{le=\"0.05\"} 1",
            "newshound_poll_duration_seconds_bucket{le=\"5\"} 2",
            "newshound_poll_duration_seconds_bucket{le=\"60\"} 2",
            "newshound_poll_duration_seconds_bucket{le=\"+Inf\"} 3",
            "newshound_poll_duration_seconds_sum 603.03",
            "newshound_poll_duration_seconds_count 3",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }

    #[test]
    fn every_series_has_help_and_type() {
        let m = Metrics::default();
        m.poll_error("not a feed");
        let text = m.render(2, &["w"]);
        assert!(
            text.contains("newshound_poll_errors_total{kind=\"not_a_feed\"} 1"),
            "{text}"
        );
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| f.ends_with("_seconds")))
                .unwrap_or(name);
            assert!(
                text.contains(&format!("# TYPE {family} ")),
                "{family} has no TYPE"
            );
            assert!(
                text.contains(&format!("# HELP {family} ")),
                "{family} has no HELP"
            );
        }
    }

    #[test]
    fn articles_by_result_failures_by_kind_and_skips_by_reason() {
        let m = Metrics::default();
        let untouched = m.render(0, &[]);
        for result in ["read", "failed", "skipped"] {
            let line = format!("newshound_article_fetches_total{{result=\"{result}\"}} 0");
            assert!(untouched.lines().any(|l| l == line), "{untouched}");
        }
        m.article(ArticleResult::Read, "");
        m.article(ArticleResult::Failed, "too large");
        m.article(ArticleResult::Failed, "timeout");
        m.article(ArticleResult::Failed, "timeout");
        m.article(ArticleResult::Skipped, "not html");
        assert!(
            untouched
                .lines()
                .any(|l| l == "newshound_article_furniture_lines_total 0"),
            "{untouched}"
        );
        m.furniture_lines(3);
        m.furniture_lines(0);
        m.furniture_lines(2);
        let text = m.render(0, &[]);
        for line in [
            "newshound_article_furniture_lines_total 5",
            "newshound_article_fetches_total{result=\"read\"} 1",
            "newshound_article_fetches_total{result=\"failed\"} 3",
            "newshound_article_fetches_total{result=\"skipped\"} 1",
            "newshound_article_failures_total{kind=\"timeout\"} 2",
            "newshound_article_failures_total{kind=\"too_large\"} 1",
            "newshound_article_skips_total{reason=\"not_html\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
        }
    }

    #[test]
    fn health_stalls_only_when_work_waits_and_nothing_finishes() {
        let limit = Duration::from_secs(300);
        let m = Metrics::default();
        assert!(
            matches!(m.health(at(0), limit), Health::Unhealthy(r) if r.starts_with("starting"))
        );
        m.set_ready(at(0));
        // Nothing configured: nothing can stall.
        m.set_earliest_due(None);
        assert_eq!(m.health(at(10_000), limit), Health::Ok);
        // Due, and waiting within the limit.
        m.set_earliest_due(Some(at(0)));
        assert_eq!(m.health(at(300), limit), Health::Ok);
        // Overdue past the limit, nothing ever finished.
        let Health::Unhealthy(reason) = m.health(at(301), limit) else {
            panic!("not stalled")
        };
        assert_eq!(
            reason,
            "stalled: a feed has been due for 301s and no poll has finished since start-up"
        );
        // Overdue, but polls keep finishing: a backlog, not a stall.
        m.poll_done(PollResult::Error, at(250));
        assert_eq!(m.health(at(500), limit), Health::Ok);
        assert!(matches!(m.health(at(551), limit), Health::Unhealthy(r) if r.contains("in 301s")));
    }

    #[test]
    fn a_feed_left_due_while_the_daemon_was_down_is_not_a_stall() {
        let limit = Duration::from_secs(300);
        let m = Metrics::default();
        m.set_ready(at(86_400));
        m.set_earliest_due(Some(at(0)));
        assert_eq!(m.health(at(86_400 + 300), limit), Health::Ok);
        let Health::Unhealthy(reason) = m.health(at(86_400 + 301), limit) else {
            panic!("not stalled")
        };
        assert!(reason.contains("due for 301s"), "{reason}");
    }
}
