//! One story entry made ready to show: its matches folded into reports (one per item),
//! its best snippet chosen, and the whole worded once as a [`Block`], so that the text and
//! HTML parts say the same things and differ only in markup.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::dates::{format_span, since, when};
use super::snippet::without_controls;
use super::words::{outlet_summary, title_of};
use super::{EarlierCoverage, StoryEntry};
use crate::model::{MatchRecord, Snippet};
use crate::wording::{count, one_line};

/// One story entry, worded once so that the text and HTML parts say the same things; they
/// differ only in markup.
pub(super) struct Block<'a> {
    /// The matches of the story entry this block shows.
    pub(super) matches: Vec<i64>,
    pub(super) head: Head<'a>,
    /// The snippet, with the outlets it came from when they are not the headline's.
    pub(super) snippet: Option<(Option<String>, &'a Snippet)>,
    pub(super) terms: Option<String>,
    /// The story's other reports (all of a follow-up's), capped.
    pub(super) list: Vec<Line<'a>>,
    /// "and 3 more reports", for those past the cap.
    pub(super) more: Option<String>,
}

/// What a block opens with, and what its list of reports is called.
pub(super) struct Head<'a> {
    /// "Follow-up:" when an earlier message reported the story.
    pub(super) label: Option<&'static str>,
    pub(super) headline: String,
    /// As the feed gave it: the text part shows it, the HTML part links it only if safe.
    pub(super) link: Option<&'a str>,
    pub(super) byline: String,
    pub(super) list_label: &'static str,
    /// The item the headline is taken from, if any: its snippet needs no attribution.
    pub(super) item: Option<i64>,
}

pub(super) struct Line<'a> {
    pub(super) outlets: String,
    pub(super) title: String,
    pub(super) link: Option<&'a str>,
}

/// Reports listed under a story at most; past this, the last line sums up the rest, so a
/// widely covered story cannot push the other stories out of sight.
const LISTED_REPORTS: usize = 5;

/// A story entry made ready to word: its matches as reports, one per item.
pub(super) struct Story<'a> {
    pub(super) earlier: Option<&'a EarlierCoverage>,
    matches: Vec<i64>,
    /// Earliest first; never empty.
    reports: Vec<Report<'a>>,
    /// The time of the latest match, by which stories are ordered.
    pub(super) latest: DateTime<Utc>,
    pub(super) newest_id: i64,
}

/// One item of a story. The store already makes an article reached through several
/// feeds one item; should two matches of one item still arrive, they are one report
/// here too, so the reader never sees the same article twice.
struct Report<'a> {
    /// The item's earliest match, whose title, link and snippet stand for it.
    first: &'a MatchRecord,
    /// Where it appeared, first sighting first.
    outlets: Vec<String>,
    terms: Vec<String>,
}

impl<'a> Story<'a> {
    /// `None` for an entry without matches, which has nothing to show.
    pub(super) fn of(entry: &'a StoryEntry) -> Option<Story<'a>> {
        let latest = entry.matches.iter().map(when).max()?;
        let newest_id = entry.matches.iter().map(|m| m.id).max()?;
        let mut matches: Vec<&MatchRecord> = entry.matches.iter().collect();
        matches.sort_by(|a, b| when(a).cmp(&when(b)).then(a.id.cmp(&b.id)));
        let mut reports: Vec<Report<'a>> = Vec::new();
        for m in matches {
            let outlets = outlets_of(m);
            let terms = terms_of(m);
            match reports.iter_mut().find(|r| r.first.item == m.item) {
                Some(report) => {
                    push_distinct(&mut report.outlets, outlets);
                    push_distinct(&mut report.terms, terms);
                }
                None => reports.push(Report {
                    first: m,
                    outlets,
                    terms,
                }),
            }
        }
        Some(Story {
            earlier: entry.earlier.as_ref(),
            matches: entry.matches.iter().map(|m| m.id).collect(),
            reports,
            latest,
            newest_id,
        })
    }

    /// The snippet worth showing: the one with the most distinct matched terms, as it
    /// says most about why the story is here; ties go to the earliest report, which for a
    /// new story is the headline's own. Empty snippets say nothing and are passed over.
    fn best(&self) -> Option<&Report<'a>> {
        self.reports
            .iter()
            .filter(|r| !without_controls(&r.first.snippet.text).trim().is_empty())
            .fold(None, |best: Option<&Report<'a>>, r| match best {
                Some(b) if b.terms.len() >= r.terms.len() => Some(b),
                _ => Some(r),
            })
    }

    pub(super) fn block(&self, generated_at: DateTime<Utc>, tz: Tz) -> Block<'a> {
        let mut outlets = Vec::new();
        let mut terms = Vec::new();
        for r in &self.reports {
            push_distinct(&mut outlets, r.outlets.iter().cloned());
            push_distinct(&mut terms, r.terms.iter().cloned());
        }
        let span = format_span(when(self.reports[0].first), self.latest, tz);
        // A new story is headed by its earliest report and lists the others; a follow-up
        // is headed by what was sent before and lists every report, as all are news.
        let (head, listed) = match self.earlier {
            None => (self.new_head(&outlets, span), &self.reports[1..]),
            Some(earlier) => (
                self.follow_up_head(earlier, &outlets, span, generated_at, tz),
                &self.reports[..],
            ),
        };
        let shown = if listed.len() <= LISTED_REPORTS {
            listed.len()
        } else {
            LISTED_REPORTS - 1
        };
        let snippet = self.best().map(|r| {
            // A snippet from another report than the headline's says whose words they
            // are, so no outlet is quoted under another's headline.
            let from = (Some(r.first.item) != head.item)
                .then(|| outlet_summary(&r.outlets))
                .filter(|o| !o.is_empty());
            (from, &r.first.snippet)
        });
        Block {
            matches: self.matches.clone(),
            head,
            snippet,
            terms: (!terms.is_empty()).then(|| format!("matched: {}", terms.join(", "))),
            list: listed[..shown]
                .iter()
                .map(|r| Line {
                    outlets: outlet_summary(&r.outlets),
                    title: title_of(&r.first.title),
                    link: r.first.link.as_deref(),
                })
                .collect(),
            more: (listed.len() > shown).then(|| {
                format!(
                    "and {}",
                    count(listed.len() - shown, "more report", "more reports")
                )
            }),
        }
    }

    /// "Reuters, Atalayar and 2 more · <span>" under the earliest report's title.
    fn new_head(&self, outlets: &[String], span: String) -> Head<'a> {
        let lead = self.reports[0].first;
        Head {
            label: None,
            headline: title_of(&lead.title),
            link: lead.link.as_deref(),
            byline: match outlet_summary(outlets) {
                o if o.is_empty() => span,
                o => format!("{o} · {span}"),
            },
            list_label: "Also:",
            item: Some(lead.item),
        }
    }

    /// "3 more outlets since Tuesday · <span>" under the headline sent before.
    fn follow_up_head(
        &self,
        earlier: &'a EarlierCoverage,
        outlets: &[String],
        span: String,
        generated_at: DateTime<Utc>,
        tz: Tz,
    ) -> Head<'a> {
        let reported: Vec<String> = earlier.outlets.iter().map(|o| one_line(o)).collect();
        let fresh = outlets.iter().filter(|o| !reported.contains(o)).count();
        // Outlets are the news in a follow-up; when only outlets already named have written
        // again, the number of reports is.
        let more = match fresh {
            0 => count(self.reports.len(), "more report", "more reports"),
            n => count(n, "more outlet", "more outlets"),
        };
        Head {
            label: Some("Follow-up:"),
            headline: title_of(&earlier.headline),
            link: earlier.link.as_deref(),
            byline: format!(
                "{more} since {} · {span}",
                since(earlier.first_sent, generated_at, tz)
            ),
            list_label: "New reports:",
            item: None,
        }
    }
}

/// Appends the items of `from` not already in `into`, keeping first-seen order.
fn push_distinct(into: &mut Vec<String>, from: impl IntoIterator<Item = String>) {
    for s in from {
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

/// The feeds a match's item appeared in, as one-line names. `feed` leads even if `feeds`
/// were left empty, so no report loses its outlet.
fn outlets_of(m: &MatchRecord) -> Vec<String> {
    distinct_lines(std::iter::once(&m.feed).chain(&m.feeds))
}

fn terms_of(m: &MatchRecord) -> Vec<String> {
    distinct_lines(&m.matched_terms)
}

/// `names` as one-line names, each once, first seen first; blank ones say nothing and are
/// dropped.
fn distinct_lines<'m>(names: impl IntoIterator<Item = &'m String>) -> Vec<String> {
    let mut lines = Vec::new();
    push_distinct(
        &mut lines,
        names
            .into_iter()
            .map(|n| one_line(n))
            .filter(|n| !n.is_empty()),
    );
    lines
}
