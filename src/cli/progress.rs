//! What `newshound poll --once` shows on stderr while it polls: on a terminal, a progress
//! bar (feeds done of all, and the feed that just finished) that is cleared at the end;
//! elsewhere (a pipe, a log file, cron), one plain line per feed as it finishes. Stdout
//! keeps the report printed at the end either way.
//!
//! Log lines written while the bar is drawn would break it: the logger in `main` writes
//! through [`around_bar`], which lifts the bar out of the way for each line.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::daemon::{ArticleCounts, FeedReport, Progress};
use crate::wording::{count, one_line};

/// The bar being drawn, if any, for [`around_bar`].
static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write` (a log line to stderr) with the progress bar, if one is drawn, cleared
/// while it runs and drawn again after.
pub fn around_bar<R>(write: impl FnOnce() -> R) -> R {
    let bar = BAR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// Shows the progress of one pass over the feeds.
pub struct PollProgress {
    bar: Option<ProgressBar>,
}

impl PollProgress {
    /// A bar when `terminal`, plain lines otherwise.
    pub fn new(terminal: bool) -> PollProgress {
        let bar = terminal.then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {pos}/{len} feeds  {wide_msg}")
            {
                bar.set_style(style);
            }
            *BAR.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(bar.clone());
            bar
        });
        PollProgress { bar }
    }

    pub fn update(&mut self, progress: Progress<'_>) {
        match &self.bar {
            Some(bar) => {
                bar.set_length(progress.total as u64);
                bar.set_position(progress.done as u64);
                match progress.finished {
                    Some(report) => {
                        bar.set_message(format!("{}: {}", report.feed, summary(report)))
                    }
                    None => bar.tick(),
                }
            }
            None => {
                if let Some(line) = line(&progress) {
                    eprintln!("{line}");
                }
            }
        }
    }

    /// Clears the bar.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
            *BAR.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
            bar.finish_and_clear();
        }
    }
}

/// `[3/12] wire: 4 new, 1 match`: a feed that finished, as a plain line.
pub fn line(progress: &Progress<'_>) -> Option<String> {
    let report = progress.finished?;
    Some(format!(
        "[{}/{}] {}: {}",
        progress.done,
        progress.total,
        report.feed,
        summary(report)
    ))
}

fn summary(report: &FeedReport) -> String {
    match &report.outcome {
        Ok(polled) => match polled.deferred_until {
            Some(until) => format!(
                "deferred: its host asked for a pause until {}",
                until.format("%H:%M:%S UTC")
            ),
            None if polled.not_modified => "not modified".to_string(),
            None => format!(
                "{} new, {}{}",
                polled.new_items,
                count(polled.matches.len(), "match", "matches"),
                after_matches(&polled.articles)
            ),
        },
        Err(error) => format!("failed: {}", one_line(error)),
    }
}

/// `articles: 3 read, 1 failed, 2 skipped` (the counts that are not zero), when any
/// article was fetched; `None` otherwise, so that a poll without full text reads as it
/// always did.
pub(super) fn articles(counts: &ArticleCounts) -> Option<String> {
    if !counts.fetched() {
        return None;
    }
    let parts: Vec<String> = [
        (counts.read, "read"),
        (counts.failed, "failed"),
        (counts.skipped, "skipped"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    Some(format!("articles: {}", parts.join(", ")))
}

/// [`articles`] as the end of a line that says how many matches a feed had.
pub(super) fn after_matches(counts: &ArticleCounts) -> String {
    articles(counts).map_or_else(String::new, |a| format!("; {a}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::Polled;

    fn report(outcome: Result<Polled, String>) -> FeedReport {
        FeedReport {
            feed: "wire".into(),
            url: "https://wire.example.org/rss".into(),
            outcome,
            next_due: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn at(done: usize, report: &FeedReport) -> Option<String> {
        line(&Progress {
            done,
            total: 12,
            finished: Some(report),
        })
    }

    #[test]
    fn plain_lines() {
        let fetched = report(Ok(Polled {
            items: 10,
            new_items: 4,
            ..Polled::default()
        }));
        assert_eq!(at(3, &fetched).unwrap(), "[3/12] wire: 4 new, 0 matches");
        let skipped_only = report(Ok(Polled {
            new_items: 4,
            articles: ArticleCounts {
                skipped: 4,
                ..ArticleCounts::default()
            },
            ..Polled::default()
        }));
        assert_eq!(
            at(3, &skipped_only).unwrap(),
            "[3/12] wire: 4 new, 0 matches"
        );
        let read = report(Ok(Polled {
            new_items: 4,
            articles: ArticleCounts {
                read: 3,
                failed: 1,
                ..ArticleCounts::default()
            },
            ..Polled::default()
        }));
        assert_eq!(
            at(3, &read).unwrap(),
            "[3/12] wire: 4 new, 0 matches; articles: 3 read, 1 failed"
        );
        let unchanged = report(Ok(Polled {
            not_modified: true,
            ..Polled::default()
        }));
        assert_eq!(at(4, &unchanged).unwrap(), "[4/12] wire: not modified");
        let failed = report(Err("HTTP 404\nNot Found".into()));
        assert_eq!(
            at(12, &failed).unwrap(),
            "[12/12] wire: failed: HTTP 404 Not Found"
        );
        let start = Progress {
            done: 0,
            total: 12,
            finished: None,
        };
        assert_eq!(line(&start), None, "nothing to say before a feed finishes");
    }
}
