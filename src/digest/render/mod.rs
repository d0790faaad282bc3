//! Recorded matches → the subject, plain-text part and HTML part of a digest email, or of
//! the short alert sent at once for a few new stories.
//!
//! Pure, so the exact output is pinned by golden files (`tests/golden/`). Every string that
//! reaches this module (titles, feed names, snippets, links, terms, even watchlist names)
//! is treated as hostile: the HTML part escapes all of it and links only `http(s)` URLs,
//! and highlight ranges that do not fit the snippet are dropped instead of trusted.
//!
//! Matches arrive grouped by story, and a story is what the digest counts and shows: its
//! headline, the outlets that covered it, its best snippet and its other reports; a story
//! sent before comes back as a follow-up after the new ones. Each story is worded once and
//! both parts are drawn from those words, so the text and the HTML cannot tell different
//! things. A digest capped by `max_stories` takes stories from each topic in turn and
//! says what it left out; times are shown in the reader's zone.
//!
//! The HTML is written for mail clients, not browsers: tables for layout, inline `style=`
//! only, and every element that sets a text colour also sets its background, so a client
//! that inverts or replaces colours in dark mode never leaves dark text on a dark page.
//! No cell is wider than a phone, and every cell may break a long word or URL.

use std::ops::Range;

use chrono::{DateTime, Datelike, Offset, Utc};
use chrono_tz::Tz;
use html_escape::{encode_double_quoted_attribute, encode_text};
use url::Url;

pub use crate::model::EarlierCoverage;
use crate::model::{MatchRecord, Snippet};
use crate::wording::{count, one_line};

/// What one digest email covers: the matches of each watchlist, in the order the
/// sections should appear.
#[derive(Debug, Clone)]
pub struct DigestView {
    pub name: String,
    pub generated_at: DateTime<Utc>,
    /// The reader's zone: every time the digest shows is in it, with its abbreviation.
    pub timezone: Tz,
    pub sections: Vec<Section>,
    /// Story entries shown at most, over all sections; the rest are counted, not shown,
    /// and left unsent (see [`shown_matches`]).
    pub max_stories: Option<usize>,
    /// The watchlists the digest covers, in order: named when none of them has news.
    pub covered: Vec<String>,
    /// Feeds a reader should know about, for the footer.
    pub feed_problems: Vec<FeedProblem>,
}

/// A feed flagged in the footer: failing for long, gone, or moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedProblem {
    pub feed: String,
    pub kind: ProblemKind,
    /// E.g. "since 14 Nov, HTTP 404 Not Found" or the new URL.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    Failing,
    Gone,
    Moved,
}

impl ProblemKind {
    fn lead(self, n: usize) -> String {
        let feeds = count(n, "feed", "feeds");
        match self {
            ProblemKind::Failing => format!("{feeds} failing"),
            ProblemKind::Gone => format!("{feeds} gone (the server says 410 Gone)"),
            ProblemKind::Moved => format!("{feeds} moved permanently (update the config)"),
        }
    }
}

/// One line per kind of problem: `2 feeds failing: a (since …), b (since …)`.
fn problem_lines(problems: &[FeedProblem]) -> Vec<(String, Vec<(String, String)>)> {
    let mut kinds: Vec<ProblemKind> = problems.iter().map(|p| p.kind).collect();
    kinds.sort();
    kinds.dedup();
    kinds
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<(String, String)> = problems
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| (one_line(&p.feed), one_line(&p.detail)))
                .collect();
            (kind.lead(of_kind.len()), of_kind)
        })
        .collect()
}

/// One watchlist's part of the digest: its new matches, grouped by story.
#[derive(Debug, Clone)]
pub struct Section {
    pub watchlist: String,
    pub stories: Vec<StoryEntry>,
}

/// One event in a section: this watchlist's matches (at least one) that report it and
/// were not sent to the recipient before.
#[derive(Debug, Clone)]
pub struct StoryEntry {
    pub matches: Vec<MatchRecord>,
    /// Set when an earlier message to the recipient already reported the story: the entry
    /// is then a follow-up, not news.
    pub earlier: Option<EarlierCoverage>,
}

/// The parts of a rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Column at which the plain-text snippet wraps; leaves room for a client's quote prefix.
const WRAP_COLUMNS: usize = 76;
/// Topics named in the subject before the rest are summed up as "and N more"; more would
/// be cut off by most inboxes anyway.
const SUBJECT_TOPICS: usize = 3;

// Colours of the HTML part. Each text colour is only ever used together with a background.
const PAGE_BG: &str = "#f2f3f5";
const CARD_BG: &str = "#ffffff";
const INK: &str = "#1f2328";
const MUTED: &str = "#57606a";
const LINK: &str = "#0550ae";
const RULE: &str = "#e1e4e8";
const HIGHLIGHT_BG: &str = "#fff1a8";
const FONT: &str = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif";
/// Highlighted terms this long at most are kept on one line; even in bold at 15px they fit
/// the card's text column on a 360px-wide phone (about 296px).
const NOWRAP_HIGHLIGHT: usize = 24;
/// On every cell of the card. A table grows to fit its widest unbreakable word, so a long
/// URL would push the card past a phone's screen; `anywhere` (and `break-word`, for older
/// WebKit) lets the browser break it instead, and counts those breaks when it sizes the
/// table, which `overflow-wrap:break-word` alone does not.
const WRAP: &str = "overflow-wrap:anywhere;word-break:break-word;";

pub fn render(view: &DigestView) -> Rendered {
    let mut sections = prepare(view);
    limit(&mut sections, view.max_stories);
    let subject = subject_of(view, &sections);
    Rendered {
        text: text_of(view, &sections, Mail::Digest),
        html: html_of(view, &sections, Mail::Digest, &subject),
        subject,
    }
}

/// The matches of the stories [`render`] shows: all of them, unless `max_stories` left
/// some out. Only these count as sent; the others wait for the next message.
pub fn shown_matches(view: &DigestView) -> Vec<i64> {
    let mut sections = prepare(view);
    limit(&mut sections, view.max_stories);
    sections
        .iter()
        .flat_map(|s| &s.blocks)
        .flat_map(|b| b.matches.iter().copied())
        .collect()
}

/// A short email sent at once for a few new stories, e.g.
/// `newshound alert: Turkey activates S-400 radars during NATO exercise and 2 more`.
///
/// Each story shows its headline, outlets, time and snippet, worded and escaped as in the
/// digest; the digest's report lists, matched terms and feed-problem footer are left out,
/// and so is `max_stories`: an alert is for a few stories, all of which are shown.
pub fn render_alert(view: &DigestView) -> Rendered {
    let mut sections = prepare(view);
    for block in sections.iter_mut().flat_map(|s| s.blocks.iter_mut()) {
        block.terms = None;
        block.list.clear();
        block.more = None;
    }
    let subject = alert_subject(&sections);
    Rendered {
        text: text_of(view, &sections, Mail::Alert),
        html: html_of(view, &sections, Mail::Alert, &subject),
        subject,
    }
}

/// Which email is being written. Both share the layout and the wording of stories; they
/// differ in how they introduce themselves and in the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mail {
    Digest,
    Alert,
}

impl Mail {
    fn kicker(self) -> &'static str {
        match self {
            Mail::Digest => "newshound digest",
            Mail::Alert => "newshound alert",
        }
    }

    /// The footer's last sentence; `name` is the digest's, as the part shows it.
    fn closing(self, name: &str) -> String {
        match self {
            Mail::Digest => format!("This is the “{name}” digest, generated by newshound."),
            Mail::Alert => {
                format!("This alert comes from the “{name}” digest, generated by newshound.")
            }
        }
    }

    /// Feed problems wait for the digest: an alert is about the news alone.
    fn shows_problems(self) -> bool {
        self == Mail::Digest
    }
}

/// "newshound alert: <first headline>", then " and 2 more" for the other stories.
fn alert_subject(sections: &[Prepared<'_>]) -> String {
    let mut blocks = sections.iter().flat_map(|s| &s.blocks);
    let Some(first) = blocks.next() else {
        return "newshound alert: no new stories".to_string();
    };
    match blocks.count() {
        0 => format!("newshound alert: {}", first.head.headline),
        more => format!("newshound alert: {} and {more} more", first.head.headline),
    }
}

/// The subject line alone, e.g.
/// `newshound: 3 new stories and 1 follow-up on 2 topics (turkey-s400, f35)`.
pub fn subject(view: &DigestView) -> String {
    subject_of(view, &prepare(view))
}

/// A section as it is rendered: new stories first, then follow-ups. Sections without
/// matches are left out everywhere, so the subject never counts or names a topic the body
/// does not show.
struct Prepared<'a> {
    watchlist: String,
    /// Counted before any are left out: the subject and headings count every story.
    new: usize,
    follow_ups: usize,
    blocks: Vec<Block<'a>>,
    /// Stories left out by `max_stories`.
    hidden: usize,
}

/// Holds the digest to `max` story entries, taken in turns from each section so that a
/// busy topic cannot crowd out the others. A section gives its entries in the order it
/// shows them, which puts its new stories before its follow-ups.
fn limit(sections: &mut [Prepared<'_>], max: Option<usize>) {
    let Some(mut left) = max else {
        return;
    };
    let mut shown = vec![0; sections.len()];
    loop {
        let before = left;
        for (section, n) in sections.iter().zip(&mut shown) {
            if left > 0 && *n < section.blocks.len() {
                *n += 1;
                left -= 1;
            }
        }
        if left == 0 || left == before {
            break;
        }
    }
    for (section, n) in sections.iter_mut().zip(shown) {
        section.hidden = section.blocks.len() - n;
        section.blocks.truncate(n);
    }
}

/// "Showing 50 of 87 stories; 37 more next time: nato 30, erdogan 7", when any were left
/// out (they stay unsent, for the next message).
fn left_out(sections: &[Prepared<'_>]) -> Option<String> {
    let hidden: usize = sections.iter().map(|s| s.hidden).sum();
    if hidden == 0 {
        return None;
    }
    let total: usize = sections.iter().map(|s| s.new + s.follow_ups).sum();
    let per_topic: Vec<String> = sections
        .iter()
        .filter(|s| s.hidden > 0)
        .map(|s| format!("{} {}", s.watchlist, s.hidden))
        .collect();
    Some(format!(
        "Showing {} of {}; {hidden} more next time: {}",
        total - hidden,
        count(total, "story", "stories"),
        per_topic.join(", ")
    ))
}

/// "37 more stories on nato next time", closing a section that lost some.
fn section_left_out(section: &Prepared<'_>) -> Option<String> {
    (section.hidden > 0).then(|| {
        format!(
            "{} on {} next time",
            count(section.hidden, "more story", "more stories"),
            section.watchlist
        )
    })
}

fn prepare(view: &DigestView) -> Vec<Prepared<'_>> {
    view.sections
        .iter()
        .filter_map(|s| {
            let mut stories: Vec<Story<'_>> = s.stories.iter().filter_map(Story::of).collect();
            if stories.is_empty() {
                return None;
            }
            // Ties (same minute from one feed is common) fall back to the later record, so
            // the order does not depend on how the caller happened to list the stories.
            stories.sort_by(|a, b| {
                (a.earlier.is_some().cmp(&b.earlier.is_some()))
                    .then(b.latest.cmp(&a.latest))
                    .then(b.newest_id.cmp(&a.newest_id))
            });
            let follow_ups = stories.iter().filter(|st| st.earlier.is_some()).count();
            Some(Prepared {
                watchlist: one_line(&s.watchlist),
                new: stories.len() - follow_ups,
                follow_ups,
                blocks: stories
                    .iter()
                    .map(|st| st.block(view.generated_at, view.timezone))
                    .collect(),
                hidden: 0,
            })
        })
        .collect()
}

/// A story entry made ready to word: its matches as reports, one per item.
struct Story<'a> {
    earlier: Option<&'a EarlierCoverage>,
    matches: Vec<i64>,
    /// Earliest first; never empty.
    reports: Vec<Report<'a>>,
    /// The time of the latest match, by which stories are ordered.
    latest: DateTime<Utc>,
    newest_id: i64,
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
    fn of(entry: &'a StoryEntry) -> Option<Story<'a>> {
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

    fn block(&self, generated_at: DateTime<Utc>, tz: Tz) -> Block<'a> {
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

/// One story entry, worded once so that the text and HTML parts say the same things; they
/// differ only in markup.
struct Block<'a> {
    /// The matches of the story entry this block shows.
    matches: Vec<i64>,
    head: Head<'a>,
    /// The snippet, with the outlets it came from when they are not the headline's.
    snippet: Option<(Option<String>, &'a Snippet)>,
    terms: Option<String>,
    /// The story's other reports (all of a follow-up's), capped.
    list: Vec<Line<'a>>,
    /// "and 3 more reports", for those past the cap.
    more: Option<String>,
}

/// What a block opens with, and what its list of reports is called.
struct Head<'a> {
    /// "Follow-up:" when an earlier message reported the story.
    label: Option<&'static str>,
    headline: String,
    /// As the feed gave it: the text part shows it, the HTML part links it only if safe.
    link: Option<&'a str>,
    byline: String,
    list_label: &'static str,
    /// The item the headline is taken from, if any: its snippet needs no attribution.
    item: Option<i64>,
}

struct Line<'a> {
    outlets: String,
    title: String,
    link: Option<&'a str>,
}

/// Reports listed under a story at most; past this, the last line sums up the rest, so a
/// widely covered story cannot push the other stories out of sight.
const LISTED_REPORTS: usize = 5;
/// Outlet names spelled out in a summary at most; past this, "and N more".
const OUTLET_NAMES: usize = 3;

/// When an entry is shown as having happened: its feed's date if it has one, else when we
/// saw it.
fn when(m: &MatchRecord) -> DateTime<Utc> {
    m.published.unwrap_or(m.matched_at)
}

/// A time as the reader's clock shows it: `Sat 21 Nov 2026 17:05 +03`.
fn format_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

/// From the first report to the latest, written as short as stays unambiguous:
/// `Sat 21 Nov 2026 09:30–12:40 CET`, `Fri 20 Nov 18:02 – Sat 21 Nov 2026 11:15 CET`.
fn format_span(first: DateTime<Utc>, last: DateTime<Utc>, tz: Tz) -> String {
    let minute = |t: DateTime<Utc>| t.timestamp().div_euclid(60);
    if minute(first) == minute(last) {
        return format_time(first, tz);
    }
    let (first, last) = (first.with_timezone(&tz), last.with_timezone(&tz));
    let full = "%a %-d %b %Y %H:%M";
    // Across a change of offset (summer time ending, say) one zone name would misdate one
    // end, so each end names its own.
    if first.offset().fix() != last.offset().fix() {
        let zoned = format!("{full} %Z");
        return format!("{} – {}", first.format(&zoned), last.format(&zoned));
    }
    let zone = last.format("%Z");
    let (first_date, last_date) = (first.date_naive(), last.date_naive());
    if first_date == last_date {
        format!("{}–{} {zone}", first.format(full), last.format("%H:%M"))
    } else if first_date.year() == last_date.year() {
        format!(
            "{} – {} {zone}",
            first.format("%a %-d %b %H:%M"),
            last.format(full)
        )
    } else {
        format!("{} – {} {zone}", first.format(full), last.format(full))
    }
}

/// When a follow-up's story was first sent, as the reader of this digest would say it:
/// "earlier today", a weekday within the past six days (never ambiguous then), else a
/// date. Days are calendar days in the reader's zone, like every time in the digest.
fn since(first_sent: DateTime<Utc>, generated_at: DateTime<Utc>, tz: Tz) -> String {
    let (first_sent, generated_at) = (
        first_sent.with_timezone(&tz),
        generated_at.with_timezone(&tz),
    );
    let days = (generated_at.date_naive() - first_sent.date_naive()).num_days();
    match days {
        0 => "earlier today".to_string(),
        1..=6 => first_sent.format("%A").to_string(),
        // A date in the future can only come from a clock that moved; a date says what
        // happened without pretending it was recent.
        _ if first_sent.year() == generated_at.year() => first_sent.format("%-d %b").to_string(),
        _ => first_sent.format("%-d %b %Y").to_string(),
    }
}

/// "2 new stories and 1 follow-up", the count shared by the subject, the headers and the
/// section headings.
fn stories(new: usize, follow_ups: usize) -> String {
    let new_part = count(new, "new story", "new stories");
    let follow_part = count(follow_ups, "follow-up", "follow-ups");
    match (new, follow_ups) {
        (0, 0) => "no new stories".to_string(),
        (_, 0) => new_part,
        (0, _) => follow_part,
        _ => format!("{new_part} and {follow_part}"),
    }
}

/// "3 new stories and 1 follow-up on 2 topics", the summary shared by the subject and both
/// headers.
fn summary(sections: &[Prepared<'_>]) -> String {
    let new = sections.iter().map(|s| s.new).sum();
    let follow_ups = sections.iter().map(|s| s.follow_ups).sum();
    match stories(new, follow_ups) {
        s if sections.is_empty() => s,
        s => format!("{s} on {}", count(sections.len(), "topic", "topics")),
    }
}

fn heading(section: &Prepared<'_>) -> String {
    stories(section.new, section.follow_ups)
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "newshound: 3 new stories on 2 topics (turkey-s400, f35)"; with nothing new, the
/// topics covered: "newshound: no new stories on turkey-s400, nato".
fn subject_of(view: &DigestView, sections: &[Prepared<'_>]) -> String {
    if sections.is_empty() {
        return match covered(view) {
            topics if topics.is_empty() => format!("newshound: {}", summary(sections)),
            topics => format!(
                "newshound: {} on {}",
                summary(sections),
                subject_topics(&topics)
            ),
        };
    }
    let topics: Vec<String> = sections.iter().map(|s| s.watchlist.clone()).collect();
    format!(
        "newshound: {} ({})",
        summary(sections),
        subject_topics(&topics)
    )
}

/// "a, b, c and 2 more": the first `SUBJECT_TOPICS` names, then a count.
fn subject_topics(topics: &[String]) -> String {
    let mut named = topics[..topics.len().min(SUBJECT_TOPICS)].join(", ");
    if topics.len() > SUBJECT_TOPICS {
        named.push_str(&format!(" and {} more", topics.len() - SUBJECT_TOPICS));
    }
    named
}

/// The covered watchlists as one-line names; blank ones say nothing and are dropped.
fn covered(view: &DigestView) -> Vec<String> {
    view.covered
        .iter()
        .map(|w| one_line(w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// "a", "a or b", "a, b or c".
fn either(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// How a digest with nothing new (sent because it is configured to send anyway) ends its
/// one sentence, after the topics it watched: silence should not read as a broken digest.
const NOTHING_NEW_TAIL: &str =
    " since the last digest. newshound keeps watching and will write when there is news.";

/// Control characters (other than whitespace) have no business in a mail body.
fn without_controls(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn title_of(title: &str) -> String {
    match one_line(title) {
        t if t.is_empty() => "(untitled)".to_string(),
        t => t,
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
    let mut outlets = Vec::new();
    push_distinct(
        &mut outlets,
        std::iter::once(&m.feed)
            .chain(&m.feeds)
            .map(|f| one_line(f))
            .filter(|f| !f.is_empty()),
    );
    outlets
}

fn terms_of(m: &MatchRecord) -> Vec<String> {
    let mut terms = Vec::new();
    push_distinct(
        &mut terms,
        m.matched_terms
            .iter()
            .map(|t| one_line(t))
            .filter(|t| !t.is_empty()),
    );
    terms
}

/// "Reuters", "Reuters and Atalayar", "Reuters, Atalayar and TASS", then
/// "Reuters, Atalayar and 2 more": never "and 1 more", which would take the room of the
/// name it hides.
fn outlet_summary(outlets: &[String]) -> String {
    let (named, rest) = if outlets.len() <= OUTLET_NAMES {
        (outlets, None)
    } else {
        let named = &outlets[..OUTLET_NAMES - 1];
        (named, Some(format!("{} more", outlets.len() - named.len())))
    };
    let mut names: Vec<&str> = named.iter().map(String::as_str).collect();
    let last = match &rest {
        Some(rest) => Some(rest.as_str()),
        None => names.pop(),
    };
    match last {
        None => String::new(),
        Some(last) if names.is_empty() => last.to_string(),
        Some(last) => format!("{} and {last}", names.join(", ")),
    }
}

/// The link as an `href`, only when it is an absolute `http`/`https` URL. The scheme is
/// checked on the text as written *and* on the parsed URL, so neither `javascript:` and
/// `data:` nor lenient spellings like `http:host` or `ht\ttp://` get through; the parsed
/// form is returned because it percent-encodes quotes, brackets and spaces.
fn safe_href(link: &str) -> Option<String> {
    let link = link.trim();
    let written_as_http = ["http://", "https://"].iter().any(|prefix| {
        link.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    });
    if !written_as_http {
        return None;
    }
    let url = Url::parse(link).ok()?;
    let has_host = url.host_str().is_some_and(|h| !h.is_empty());
    (matches!(url.scheme(), "http" | "https") && has_host).then(|| url.into())
}

/// A link as the text part shows it. Shown as written, even when it is not a link we would
/// make clickable: in plain text it is inert, and the reader may still want to see where
/// the item pointed.
fn text_link(link: Option<&str>) -> Option<String> {
    link.map(one_line).filter(|l| !l.is_empty())
}

/// The snippet cut into plain and highlighted pieces, in order.
///
/// Highlight ranges are byte offsets computed by another stage against text that may since
/// have been trimmed or re-encoded, so any range that is empty, reversed, out of bounds or
/// not on a char boundary is skipped, as is one overlapping a range already taken (the
/// longest range starting at a position wins). Adjacent ranges merge, so two touching terms
/// read as one highlight rather than `*a**b*`.
fn segments(snippet: &Snippet) -> Vec<(bool, &str)> {
    let text = snippet.text.as_str();
    let mut ranges: Vec<Range<usize>> = snippet
        .highlights
        .iter()
        .filter(|r| {
            r.start < r.end
                && r.end <= text.len()
                && text.is_char_boundary(r.start)
                && text.is_char_boundary(r.end)
        })
        .cloned()
        .collect();
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));

    let mut taken: Vec<Range<usize>> = Vec::new();
    let mut pos = 0;
    for r in ranges {
        if r.start < pos {
            continue;
        }
        // Keep the markers tight around the words: `*S-400*`, not `* S-400 *`.
        let piece = &text[r.clone()];
        let trimmed = piece.trim();
        if trimmed.is_empty() {
            continue;
        }
        let start = r.start + (piece.len() - piece.trim_start().len());
        let end = start + trimmed.len();
        match taken.last_mut() {
            Some(last) if last.end == start => last.end = end,
            _ => taken.push(start..end),
        }
        pos = end;
    }

    let mut out = Vec::new();
    let mut pos = 0;
    for r in taken {
        if r.start > pos {
            out.push((false, &text[pos..r.start]));
        }
        out.push((true, &text[r.clone()]));
        pos = r.end;
    }
    if pos < text.len() {
        out.push((false, &text[pos..]));
    }
    out
}

/// Greedy word wrap by characters; a word longer than the width gets a line to itself.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let wlen = word.chars().count();
        if len > 0 && len + 1 + wlen > width {
            lines.push(std::mem::take(&mut line));
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += wlen;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Wraps `text` under `first`, continuing lines under `rest`: a list entry's hanging
/// indent.
fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    let width = WRAP_COLUMNS - first.chars().count().max(rest.chars().count());
    for (i, line) in wrap(text, width).iter().enumerate() {
        out.push_str(if i == 0 { first } else { rest });
        out.push_str(line);
        out.push('\n');
    }
}

fn text_of(view: &DigestView, sections: &[Prepared<'_>], mail: Mail) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}: {}\n", mail.kicker(), one_line(&view.name)));
    // The time on a line of its own: with story and follow-up counts, the summary and
    // the time together no longer fit one line.
    out.push_str(&format!(
        "{}\nGenerated {}\n",
        capitalised(&summary(sections)),
        format_time(view.generated_at, view.timezone)
    ));
    if let Some(left_out) = left_out(sections) {
        push_wrapped(&mut out, &left_out, "", "");
    }

    if sections.is_empty() {
        let topics = covered(view);
        let of = if topics.is_empty() {
            String::new()
        } else {
            format!(" of {}", either(&topics))
        };
        out.push('\n');
        push_wrapped(
            &mut out,
            &format!("No new coverage{of}{NOTHING_NEW_TAIL}"),
            "",
            "",
        );
    }
    for section in sections {
        let heading = format!("{}: {}", section.watchlist, heading(section));
        out.push('\n');
        out.push_str(&heading);
        out.push('\n');
        out.push_str(&"=".repeat(heading.chars().count()));
        out.push('\n');
        for block in &section.blocks {
            out.push('\n');
            text_block(&mut out, block);
        }
        if let Some(more) = section_left_out(section) {
            out.push('\n');
            push_wrapped(&mut out, &more, "", "");
        }
    }

    out.push('\n');
    let problems = if mail.shows_problems() {
        problem_lines(&view.feed_problems)
    } else {
        Vec::new()
    };
    for (lead, feeds) in problems {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| format!("{feed} ({detail})"))
            .collect();
        push_wrapped(&mut out, &format!("{lead}: {}.", feeds.join(", ")), "", "");
    }
    out.push_str(&mail.closing(&one_line(&view.name)));
    out.push('\n');
    out
}

fn text_block(out: &mut String, b: &Block<'_>) {
    // The headline stays on one line, whole, so it can be found and copied as written.
    if let Some(label) = b.head.label {
        out.push_str(label);
        out.push(' ');
    }
    out.push_str(&b.head.headline);
    out.push('\n');
    push_wrapped(out, &b.head.byline, "", "");
    if let Some(link) = text_link(b.head.link) {
        out.push_str(&link);
        out.push('\n');
    }
    if let Some((from, snippet)) = &b.snippet {
        let mut marked: String = from.as_ref().map(|f| format!("{f}: ")).unwrap_or_default();
        for (highlighted, s) in segments(snippet) {
            if highlighted {
                marked.push_str(&format!("*{s}*"));
            } else {
                marked.push_str(s);
            }
        }
        push_wrapped(out, &without_controls(&marked), "", "");
    }
    if let Some(terms) = &b.terms {
        push_wrapped(out, terms, "", "");
    }
    if b.list.is_empty() && b.more.is_none() {
        return;
    }
    out.push_str(b.head.list_label);
    out.push('\n');
    for line in &b.list {
        let entry = match line.outlets.as_str() {
            "" => line.title.clone(),
            outlets => format!("{outlets} — {}", line.title),
        };
        push_wrapped(out, &entry, "- ", "  ");
        if let Some(link) = text_link(line.link) {
            out.push_str(&format!("  {link}\n"));
        }
    }
    if let Some(more) = &b.more {
        push_wrapped(out, more, "  ", "  ");
    }
}

/// Text colour together with its background; the only way colours enter the HTML.
fn colours(fg: &str, bg: &str) -> String {
    format!("color:{fg};background-color:{bg};")
}

fn html_of(view: &DigestView, sections: &[Prepared<'_>], mail: Mail, subject: &str) -> String {
    let name = encode_text(&one_line(&view.name)).into_owned();
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
    h.push_str("<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Every colour is set explicitly, so the mail reads the same whichever scheme a client
    // picks; saying so keeps clients that honour these from inverting it on their own.
    h.push_str("<meta name=\"color-scheme\" content=\"light dark\">\n");
    h.push_str("<meta name=\"supported-color-schemes\" content=\"light dark\">\n");
    h.push_str(&format!("<title>{}</title>\n", encode_text(subject)));
    h.push_str("</head>\n");
    h.push_str(&format!(
        "<body style=\"margin:0;padding:0;{}\">\n",
        colours(INK, PAGE_BG)
    ));
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"{}\">\n<tr><td align=\"center\" style=\"padding:16px 8px;\">\n",
        colours(INK, PAGE_BG)
    ));
    // Outlook for Windows ignores max-width; this table, which only it sees, holds the
    // card to the same 640px.
    h.push_str(
        "<!--[if mso]><table role=\"presentation\" width=\"640\" cellpadding=\"0\" \
         cellspacing=\"0\" border=\"0\"><tr><td><![endif]-->\n",
    );
    h.push_str(&format!(
        "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         border=\"0\" style=\"max-width:640px;{}font-family:{FONT};font-size:16px;\
         line-height:1.5;overflow-wrap:break-word;word-wrap:break-word;\">\n",
        colours(INK, CARD_BG)
    ));

    let muted = colours(MUTED, CARD_BG);
    h.push_str(&format!(
        "<tr><td style=\"padding:20px 24px 12px;{WRAP}\">\n"
    ));
    h.push_str(&format!(
        "<div style=\"font-size:13px;letter-spacing:0.04em;text-transform:uppercase;{muted}\">\
         {}</div>\n",
        mail.kicker()
    ));
    h.push_str(&format!(
        "<h1 style=\"margin:4px 0 0;font-size:22px;line-height:1.3;font-weight:bold;\">{name}</h1>\n"
    ));
    let summary = capitalised(&summary(sections));
    h.push_str(&format!(
        "<div style=\"padding-top:4px;font-size:13px;{muted}\">{summary} · generated {}</div>\n",
        format_time(view.generated_at, view.timezone)
    ));
    if let Some(left_out) = left_out(sections) {
        h.push_str(&format!(
            "<div style=\"padding-top:4px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(&left_out)
        ));
    }
    h.push_str("</td></tr>\n");

    if sections.is_empty() {
        let topics: Vec<String> = covered(view)
            .iter()
            .map(|t| format!("<strong>{}</strong>", encode_text(t)))
            .collect();
        let of = if topics.is_empty() {
            String::new()
        } else {
            format!(" of {}", either(&topics))
        };
        h.push_str(&format!(
            "<tr><td style=\"padding:16px 24px 20px;border-top:1px solid {RULE};\
             font-size:15px;{WRAP}\">No new coverage{of}{}</td></tr>\n",
            encode_text(NOTHING_NEW_TAIL)
        ));
    }
    for section in sections {
        h.push_str(&format!(
            "<tr><td style=\"padding:20px 24px 4px;{WRAP}\">\n\
             <h2 style=\"margin:0;font-size:18px;line-height:1.3;font-weight:bold;\">{} \
             <span style=\"font-weight:normal;{muted}\">· {}</span></h2>\n</td></tr>\n",
            encode_text(&section.watchlist),
            encode_text(&heading(section))
        ));
        for block in &section.blocks {
            html_block(&mut h, block);
        }
        if let Some(more) = section_left_out(section) {
            h.push_str(&format!(
                "<tr><td style=\"padding:12px 24px;border-top:1px solid {RULE};font-size:14px;\
                 {WRAP}{muted}\">{}</td></tr>\n",
                encode_text(&more)
            ));
        }
    }

    h.push_str(&format!(
        "<tr><td style=\"padding:16px 24px 20px;border-top:1px solid {RULE};font-size:12px;\
         {WRAP}{muted}\">\n"
    ));
    let problems = if mail.shows_problems() {
        problem_lines(&view.feed_problems)
    } else {
        Vec::new()
    };
    for (lead, feeds) in problems {
        let feeds: Vec<String> = feeds
            .iter()
            .map(|(feed, detail)| {
                format!(
                    "<strong>{}</strong> ({})",
                    encode_text(feed),
                    encode_text(detail)
                )
            })
            .collect();
        h.push_str(&format!(
            "<p style=\"margin:0 0 8px;\">{}: {}.</p>\n",
            encode_text(&lead),
            feeds.join(", ")
        ));
    }
    h.push_str(&format!("{}</td></tr>\n", mail.closing(&name)));
    h.push_str("</table>\n<!--[if mso]></td></tr></table><![endif]-->\n");
    h.push_str("</td></tr>\n</table>\n</body>\n</html>\n");
    h
}

/// `text`, escaped, as a link to `link` when that is a safe `http(s)` URL; else unlinked,
/// because a title is worth showing even where its link is not worth following.
fn linked(text: &str, link: Option<&str>) -> String {
    let text = encode_text(text);
    match link.and_then(safe_href) {
        Some(href) => format!(
            "<a href=\"{}\" style=\"{}text-decoration:underline;\">{text}</a>",
            encode_double_quoted_attribute(&href),
            colours(LINK, CARD_BG)
        ),
        None => text.into_owned(),
    }
}

fn html_block(h: &mut String, b: &Block<'_>) {
    let muted = colours(MUTED, CARD_BG);
    h.push_str(&format!(
        "<tr><td style=\"padding:12px 24px;border-top:1px solid {RULE};{WRAP}\">\n"
    ));
    let label = b
        .head
        .label
        .map(|l| {
            format!(
                "<span style=\"font-weight:normal;{muted}\">{}</span> ",
                encode_text(l)
            )
        })
        .unwrap_or_default();
    h.push_str(&format!(
        "<div style=\"font-size:17px;line-height:1.35;font-weight:bold;\">{label}{}</div>\n",
        linked(&b.head.headline, b.head.link)
    ));
    h.push_str(&format!(
        "<div style=\"padding-top:2px;font-size:13px;{muted}\">{}</div>\n",
        encode_text(&b.head.byline)
    ));

    if let Some((from, snippet)) = &b.snippet {
        let from = from
            .as_ref()
            .map(|f| format!("<span style=\"{muted}\">{}:</span> ", encode_text(f)))
            .unwrap_or_default();
        let marked: String = segments(snippet)
            .into_iter()
            .map(|(highlighted, s)| {
                let short = s.chars().count() <= NOWRAP_HIGHLIGHT;
                let s = encode_text(&without_controls(s)).into_owned();
                if highlighted {
                    // A short term stays on one line: a browser would break "S-400" after
                    // its hyphen, leaving half a highlight on each line.
                    let nowrap = if short { "white-space:nowrap;" } else { "" };
                    // <strong> rather than <mark>: Outlook's Word engine drops <mark> and
                    // its styling, while bold survives even where the background is
                    // stripped.
                    format!(
                        "<strong style=\"{}padding:0 1px;{nowrap}\">{s}</strong>",
                        colours(INK, HIGHLIGHT_BG)
                    )
                } else {
                    s
                }
            })
            .collect();
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:15px;\">{from}{marked}</div>\n"
        ));
    }
    if let Some(terms) = &b.terms {
        h.push_str(&format!(
            "<div style=\"padding-top:6px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(terms)
        ));
    }
    if b.list.is_empty() && b.more.is_none() {
        h.push_str("</td></tr>\n");
        return;
    }
    h.push_str(&format!(
        "<div style=\"padding-top:8px;font-size:13px;{muted}\">{}</div>\n",
        encode_text(b.head.list_label)
    ));
    // Divs with a left padding rather than <ul>: mail clients disagree on list margins,
    // and a wrapped line still hangs under its own entry.
    for line in &b.list {
        let outlets = match line.outlets.as_str() {
            "" => String::new(),
            o => format!("<span style=\"{muted}\">{}</span> — ", encode_text(o)),
        };
        h.push_str(&format!(
            "<div style=\"padding:2px 0 0 12px;font-size:14px;line-height:1.4;\">{outlets}{}</div>\n",
            linked(&line.title, line.link)
        ));
    }
    if let Some(more) = &b.more {
        h.push_str(&format!(
            "<div style=\"padding:2px 0 0 12px;font-size:13px;{muted}\">{}</div>\n",
            encode_text(more)
        ));
    }
    h.push_str("</td></tr>\n");
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// 08:00 on a day of November 2026; the test views are generated on Saturday the 21st.
    fn day(d: u32) -> DateTime<Utc> {
        at(2026, 11, d, 8, 0)
    }

    /// `highlights` name substrings of `text`; each is found by its first occurrence.
    fn snippet(text: &str, highlights: &[&str]) -> Snippet {
        Snippet {
            text: text.to_string(),
            highlights: highlights
                .iter()
                .map(|h| {
                    let start = text.find(h).expect("highlight is in the text");
                    start..start + h.len()
                })
                .collect(),
        }
    }

    fn record(id: i64, watchlist: &str, title: &str) -> MatchRecord {
        MatchRecord {
            id,
            item: id,
            story: None,
            watchlist: watchlist.to_string(),
            feed: "Example Feed".to_string(),
            feeds: vec!["Example Feed".to_string()],
            title: title.to_string(),
            link: Some(format!("https://example.com/{id}")),
            guid: None,
            published: None,
            matched_at: at(2026, 11, 21, 12, 0),
            matched_terms: vec!["term".to_string()],
            snippet: Snippet::default(),
        }
    }

    /// A new story of several matches.
    fn story(matches: Vec<MatchRecord>) -> StoryEntry {
        StoryEntry {
            matches,
            earlier: None,
        }
    }

    fn single(m: MatchRecord) -> StoryEntry {
        story(vec![m])
    }

    /// Each match a story of its own.
    fn singles(matches: Vec<MatchRecord>) -> Vec<StoryEntry> {
        matches.into_iter().map(single).collect()
    }

    /// A story first sent at `first_sent`, naming `outlets` then.
    fn follow_up(
        matches: Vec<MatchRecord>,
        first_sent: DateTime<Utc>,
        outlets: &[&str],
    ) -> StoryEntry {
        StoryEntry {
            matches,
            earlier: Some(EarlierCoverage {
                first_sent,
                headline: "Earlier headline".to_string(),
                link: Some("https://example.com/earlier".to_string()),
                outlets: outlets.iter().map(|o| o.to_string()).collect(),
            }),
        }
    }

    /// `record` from the given feeds, published at `published`.
    fn seen(id: i64, feeds: &[&str], published: DateTime<Utc>) -> MatchRecord {
        let mut m = record(id, "w", &format!("Report {id}"));
        m.feed = feeds[0].to_string();
        m.feeds = feeds.iter().map(|f| f.to_string()).collect();
        m.published = Some(published);
        m
    }

    fn one_section(stories: Vec<StoryEntry>) -> DigestView {
        view(vec![Section {
            watchlist: "w".to_string(),
            stories,
        }])
    }

    fn view(sections: Vec<Section>) -> DigestView {
        DigestView {
            name: "Morning brief".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            timezone: chrono_tz::UTC,
            max_stories: None,
            sections,
            covered: Vec::new(),
            feed_problems: Vec::new(),
        }
    }

    fn section(watchlist: &str, n: usize) -> Section {
        Section {
            watchlist: watchlist.to_string(),
            stories: singles(
                (0..n)
                    .map(|i| record(i as i64, watchlist, &format!("Item {i}")))
                    .collect(),
            ),
        }
    }

    fn golden_view() -> DigestView {
        let radars = StoryEntry {
            matches: vec![
                MatchRecord {
                    id: 11,
                    item: 11,
                    story: Some(3),
                    watchlist: "turkey-s400".to_string(),
                    feed: "Defense News".to_string(),
                    feeds: vec!["Defense News".to_string()],
                    title: "Turkey activates S-400 radars during NATO exercise".to_string(),
                    link: Some(
                        "https://www.defensenews.com/global/europe/2026/11/21/turkey-s400-radars/"
                            .to_string(),
                    ),
                    guid: Some("dn-8812".to_string()),
                    published: Some(at(2026, 11, 21, 9, 30)),
                    matched_at: at(2026, 11, 21, 9, 42),
                    matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                    snippet: snippet(
                        "Turkey switched on the radars of its Russian-made S-400 air defence \
                         system on Friday, days before a NATO air exercise over the Aegean, \
                         officials in Ankara said.",
                        &["Turkey", "S-400"],
                    ),
                },
                // Listed after the Atalayar report, which came later: reports are shown
                // in the order they were published, whatever order the caller gives.
                MatchRecord {
                    id: 15,
                    item: 15,
                    story: Some(3),
                    watchlist: "turkey-s400".to_string(),
                    feed: "Atalayar".to_string(),
                    feeds: vec!["Atalayar".to_string()],
                    title:
                        "Turquía enciende los radares del S-400 antes de las maniobras de la OTAN"
                            .to_string(),
                    link: Some(
                        "https://www.atalayar.com/articulo/politica/turquia-radares-s400/20261121"
                            .to_string(),
                    ),
                    guid: None,
                    published: Some(at(2026, 11, 21, 12, 40)),
                    matched_at: at(2026, 11, 21, 12, 51),
                    matched_terms: vec!["S-400".to_string()],
                    snippet: snippet(
                        "Ankara ha activado los radares del sistema S-400 de fabricación rusa.",
                        &["S-400"],
                    ),
                },
                // One article that two feeds carried: one report naming both.
                MatchRecord {
                    id: 14,
                    item: 14,
                    story: Some(3),
                    watchlist: "turkey-s400".to_string(),
                    feed: "Reuters World".to_string(),
                    feeds: vec!["Reuters World".to_string(), "Yahoo News".to_string()],
                    title: "Turkish S-400 radars go live ahead of NATO air drill".to_string(),
                    link: Some(
                        "https://www.reuters.com/world/turkey-s400-radars-nato-2026-11-21/"
                            .to_string(),
                    ),
                    guid: None,
                    published: Some(at(2026, 11, 21, 10, 5)),
                    matched_at: at(2026, 11, 21, 10, 12),
                    matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                    snippet: snippet(
                        "Turkey has turned on its S-400 radars, two security sources said.",
                        &["Turkey", "S-400"],
                    ),
                },
            ],
            earlier: None,
        };
        let sanctions = MatchRecord {
            id: 9,
            item: 9,
            story: Some(1),
            watchlist: "turkey-s400".to_string(),
            feed: "Reuters World".to_string(),
            feeds: vec!["Reuters World".to_string()],
            title: "US keeps sanctions on Turkey's defence agency over S-400".to_string(),
            link: Some(
                "https://www.reuters.com/world/us-sanctions-turkey-s400-2026-11-20/".to_string(),
            ),
            guid: None,
            published: Some(at(2026, 11, 20, 18, 2)),
            matched_at: at(2026, 11, 20, 18, 10),
            matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
            snippet: snippet(
                "Washington will keep CAATSA sanctions on Turkey's defence industry agency as \
                 long as Ankara holds the S-400.",
                &["Turkey", "S-400"],
            ),
        };
        let second_batch = StoryEntry {
            matches: vec![
                MatchRecord {
                    id: 12,
                    item: 12,
                    story: Some(2),
                    watchlist: "turkey-s400".to_string(),
                    feed: "Wire briefs".to_string(),
                    feeds: vec!["Wire briefs".to_string()],
                    title: "Ankara and Moscow discuss second S-400 batch".to_string(),
                    // A feed that gives no link: the title must show, unlinked.
                    link: None,
                    guid: Some("urn:wire:4471".to_string()),
                    // No published date either: the report is placed and dated by
                    // matched_at.
                    published: None,
                    matched_at: at(2026, 11, 21, 11, 15),
                    matched_terms: vec!["S-400".to_string()],
                    snippet: snippet(
                        "Officials met in Moscow to discuss delivery of a second S-400 batch.",
                        &["S-400"],
                    ),
                },
                MatchRecord {
                    id: 16,
                    item: 16,
                    story: Some(2),
                    watchlist: "turkey-s400".to_string(),
                    feed: "Daily Sabah".to_string(),
                    feeds: vec!["Daily Sabah".to_string()],
                    title: "Ankara and Moscow near deal on second S-400 batch".to_string(),
                    link: Some(
                        "https://www.dailysabah.com/politics/diplomacy/second-s400-batch"
                            .to_string(),
                    ),
                    guid: None,
                    published: Some(at(2026, 11, 21, 8, 10)),
                    matched_at: at(2026, 11, 21, 8, 25),
                    matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                    snippet: snippet(
                        "Turkey and Russia are close to agreeing on the delivery of a second \
                         S-400 batch, a senior official said.",
                        &["Turkey", "S-400"],
                    ),
                },
            ],
            // Sent on Tuesday by TASS and the wire; the wire's new report is not a new
            // outlet, Daily Sabah is.
            earlier: Some(EarlierCoverage {
                first_sent: at(2026, 11, 17, 7, 0),
                headline: "Russia ready to deliver second S-400 batch to Turkey, TASS reports"
                    .to_string(),
                link: Some("https://tass.com/defense/2026-11-16-s400".to_string()),
                outlets: vec!["TASS".to_string(), "Wire briefs".to_string()],
            }),
        };
        let f35 = vec![
            MatchRecord {
                id: 10,
                item: 10,
                story: None,
                watchlist: "f35".to_string(),
                feed: "Breaking Defense".to_string(),
                feeds: vec!["Breaking Defense".to_string()],
                title: "Lockheed delivers 100th F-35 of the year".to_string(),
                link: Some("https://breakingdefense.com/2026/11/lockheed-100th-f35/".to_string()),
                guid: None,
                published: Some(at(2026, 11, 19, 22, 45)),
                matched_at: at(2026, 11, 20, 6, 0),
                matched_terms: vec!["F-35".to_string()],
                snippet: snippet(
                    "Lockheed Martin handed over its 100th F-35 of 2026 this week.",
                    &["F-35"],
                ),
            },
            MatchRecord {
                id: 13,
                item: 13,
                story: None,
                watchlist: "f35".to_string(),
                feed: "Hürriyet Daily News".to_string(),
                feeds: vec!["Hürriyet Daily News".to_string()],
                title: "Türkiye’s F-35 return: Ankara’s talks with Washington resume".to_string(),
                link: Some(
                    "https://www.hurriyetdailynews.com/turkiyes-f-35-return-210876".to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 21, 7, 5)),
                matched_at: at(2026, 11, 21, 7, 20),
                matched_terms: vec!["F-35".to_string(), "Türkiye".to_string()],
                snippet: snippet(
                    "Türkiye’s defence minister said talks on rejoining the F-35 programme \
                     resumed in Washington this week.",
                    &["Türkiye", "F-35"],
                ),
            },
        ];
        DigestView {
            name: "Morning brief".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            timezone: chrono_tz::Europe::Istanbul,
            max_stories: None,
            sections: vec![
                Section {
                    watchlist: "turkey-s400".to_string(),
                    // The follow-up is listed first and is the newest of the three: it is
                    // still shown after the new stories.
                    stories: vec![second_batch, single(sanctions), radars],
                },
                Section {
                    watchlist: "f35".to_string(),
                    stories: singles(f35),
                },
            ],
            covered: vec!["turkey-s400".to_string(), "f35".to_string()],
            feed_problems: vec![
                FeedProblem {
                    feed: "Defence wire".to_string(),
                    kind: ProblemKind::Failing,
                    detail: "since 12 Nov, HTTP 404 Not Found".to_string(),
                },
                FeedProblem {
                    feed: "Ankara desk".to_string(),
                    kind: ProblemKind::Failing,
                    detail: "since 13 Nov, timed out after 30s".to_string(),
                },
                FeedProblem {
                    feed: "Gulf monitor".to_string(),
                    kind: ProblemKind::Moved,
                    detail: "now polled at \
                             https://gulf.example/syndication/security-and-defence/rss.xml?format=full"
                        .to_string(),
                },
            ],
        }
    }

    /// Compares with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead.
    fn check_golden(name: &str, actual: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            return;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
                path.display()
            )
        });
        if expected != actual {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(e, a)| e != a)
                .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
            panic!(
                "{} differs from the rendered output from line {}:\n expected: {:?}\n   actual: {:?}\n\
                 if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff",
                path.display(),
                line + 1,
                expected.lines().nth(line),
                actual.lines().nth(line),
            );
        }
    }

    #[test]
    fn golden_digest() {
        let rendered = render(&golden_view());
        assert_eq!(
            rendered.subject,
            "newshound: 4 new stories and 1 follow-up on 2 topics (turkey-s400, f35)"
        );
        assert_eq!(subject(&golden_view()), rendered.subject);
        check_golden("digest.txt", &rendered.text);
        check_golden("digest.html", &rendered.html);
    }

    /// The golden digest's new stories, as an alert would get them: follow-ups and the
    /// older F-35 story dropped. Its feed problems stay, to show that alerts leave them out.
    fn alert_view() -> DigestView {
        let mut v = golden_view();
        for section in &mut v.sections {
            section.stories.retain(|s| s.earlier.is_none());
        }
        v.sections[1].stories.retain(|s| s.matches[0].id == 13);
        v
    }

    #[test]
    fn golden_alert() {
        let rendered = render_alert(&alert_view());
        assert_eq!(
            rendered.subject,
            "newshound alert: Turkey activates S-400 radars during NATO exercise and 2 more"
        );
        check_golden("alert.txt", &rendered.text);
        check_golden("alert.html", &rendered.html);
    }

    #[test]
    fn alert_shows_stories_without_lists_terms_or_feed_problems() {
        let r = render_alert(&alert_view());
        for part in [&r.text, &r.html] {
            for absent in [
                "matched:",
                "Also:",
                "Turkish S-400 radars go live",
                "failing",
            ] {
                assert!(!part.contains(absent), "{absent:?} in:\n{part}");
            }
            assert!(part.contains("Defense News, Reuters World and 2 more · Sat 21 Nov"));
        }
        assert!(r.text.starts_with("newshound alert: Morning brief\n"));
        assert!(
            r.text
                .contains("\nUS keeps sanctions on Turkey's defence agency over S-400\n")
        );
        assert!(r.html.contains(">newshound alert</div>"));

        let mut one = alert_view();
        one.sections.truncate(1);
        one.sections[0].stories.retain(|s| s.matches[0].id == 11);
        assert_eq!(
            render_alert(&one).subject,
            "newshound alert: Turkey activates S-400 radars during NATO exercise"
        );
        let mut hostile = one.clone();
        let lead = &mut hostile.sections[0].stories[0].matches[0];
        lead.title = "<script>alert(1)</script>\r\nBcc: x@example.com".to_string();
        lead.link = Some("javascript:alert(1)".to_string());
        let r = render_alert(&hostile);
        assert_eq!(
            r.subject,
            "newshound alert: <script>alert(1)</script> Bcc: x@example.com"
        );
        assert!(!r.html.contains("<script") && !r.html.contains("javascript:"));
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Bcc"));
        assert_eq!(
            render_alert(&view(vec![])).subject,
            "newshound alert: no new stories"
        );
    }

    #[test]
    fn new_stories_newest_first_then_follow_ups() {
        let text = render(&golden_view()).text;
        let order = [
            "Turkey activates",    // latest report published 12:40
            "Turkish S-400",       // its other reports, in the order published
            "Turquía enciende",    //
            "US keeps sanctions",  // published 20 Nov
            "Follow-up: Russia",   // a follow-up, though its news is from today
            "Ankara and Moscow n", // published 08:10
            "Ankara and Moscow d", // matched 11:15, no published date
            "Türkiye’s F-35",      // next section: published 21 Nov 07:05
            "Lockheed delivers",   // published 19 Nov
        ];
        let positions: Vec<usize> = order.iter().map(|t| text.find(t).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    }

    #[test]
    fn subject_counts_and_plurals() {
        let cases: Vec<(Vec<Section>, &str)> = vec![
            (
                vec![section("x", 1)],
                "newshound: 1 new story on 1 topic (x)",
            ),
            (
                vec![section("x", 2)],
                "newshound: 2 new stories on 1 topic (x)",
            ),
            (
                vec![section("a", 1), section("b", 1)],
                "newshound: 2 new stories on 2 topics (a, b)",
            ),
            (
                vec![section("a", 1), section("b", 2), section("c", 1)],
                "newshound: 4 new stories on 3 topics (a, b, c)",
            ),
            // Stories are counted, not the reports in them.
            (
                vec![Section {
                    watchlist: "x".to_string(),
                    stories: vec![story(vec![record(1, "x", "A"), record(2, "x", "B")])],
                }],
                "newshound: 1 new story on 1 topic (x)",
            ),
            (
                vec![Section {
                    watchlist: "x".to_string(),
                    stories: vec![follow_up(vec![record(1, "x", "A")], day(17), &[])],
                }],
                "newshound: 1 follow-up on 1 topic (x)",
            ),
            (
                vec![
                    Section {
                        watchlist: "a".to_string(),
                        stories: vec![
                            follow_up(vec![record(1, "a", "A")], day(17), &[]),
                            follow_up(vec![record(2, "a", "B")], day(18), &[]),
                        ],
                    },
                    section("b", 1),
                ],
                "newshound: 1 new story and 2 follow-ups on 2 topics (a, b)",
            ),
            (
                vec![
                    Section {
                        watchlist: "a".to_string(),
                        stories: vec![
                            single(record(1, "a", "A")),
                            follow_up(vec![record(2, "a", "B")], day(18), &[]),
                        ],
                    },
                    section("b", 2),
                ],
                "newshound: 3 new stories and 1 follow-up on 2 topics (a, b)",
            ),
            (
                vec![
                    section("a", 1),
                    section("b", 1),
                    section("c", 1),
                    section("d", 1),
                ],
                "newshound: 4 new stories on 4 topics (a, b, c and 1 more)",
            ),
            (
                vec![
                    section("a", 1),
                    section("b", 1),
                    section("c", 1),
                    section("d", 1),
                    section("e", 3),
                ],
                "newshound: 7 new stories on 5 topics (a, b, c and 2 more)",
            ),
            // A watchlist with nothing new is neither counted nor named.
            (
                vec![section("a", 0), section("b", 1)],
                "newshound: 1 new story on 1 topic (b)",
            ),
            // So is one whose only story entry has no matches.
            (
                vec![
                    Section {
                        watchlist: "a".to_string(),
                        stories: vec![story(vec![])],
                    },
                    section("b", 1),
                ],
                "newshound: 1 new story on 1 topic (b)",
            ),
            (vec![], "newshound: no new stories"),
            (vec![section("a", 0)], "newshound: no new stories"),
        ];
        for (sections, expected) in cases {
            assert_eq!(render(&view(sections)).subject, expected);
        }
    }

    #[test]
    fn max_stories_takes_turns_across_sections() {
        let mut nato = section("nato", 38);
        // Listed first, shown after nato's new stories, and left out before them.
        nato.stories.insert(
            0,
            follow_up(vec![record(100, "nato", "Old news")], day(18), &[]),
        );
        nato.stories.insert(
            0,
            follow_up(vec![record(101, "nato", "Older news")], day(17), &[]),
        );
        let mut v = view(vec![nato, section("erdogan", 8), section("tiny", 1)]);
        v.max_stories = Some(10);
        let r = render(&v);
        // The subject counts every story, shown or not.
        assert_eq!(
            r.subject,
            "newshound: 47 new stories and 2 follow-ups on 3 topics (nato, erdogan, tiny)"
        );
        let shown = |watchlist: &str| {
            r.text
                .split(&format!("\n{watchlist}: "))
                .nth(1)
                .unwrap()
                .split("\n\n")
                .skip(1)
                .take_while(|b| !b.contains("\n===="))
                .filter(|b| b.starts_with("Item ") || b.starts_with("Follow-up:"))
                .count()
        };
        // Turns: each section one story per round, so nato 5, erdogan 4, tiny 1.
        assert_eq!(
            [shown("nato"), shown("erdogan"), shown("tiny")],
            [5, 4, 1],
            "{}",
            r.text
        );
        assert!(!r.text.contains("Old news") && !r.text.contains("Older news"));
        let top = "Showing 10 of 49 stories; 39 more next time: nato 35, erdogan 4";
        assert!(
            r.text
                .contains(&format!("Generated Sat 21 Nov 2026 14:05 UTC\n{top}\n")),
            "{}",
            r.text
        );
        assert!(r.html.contains(&format!(">{top}</div>")), "{}", r.html);
        // Headings count every story; the section's last line says what it left out.
        assert!(r.text.contains("\nnato: 38 new stories and 2 follow-ups\n"));
        assert!(
            r.text
                .contains("\n35 more stories on nato next time\n\nerdogan: "),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains("\n4 more stories on erdogan next time\n\ntiny: ")
        );
        assert!(!r.text.contains("more stories on tiny"));
        assert!(
            r.html
                .contains(">35 more stories on nato next time</td></tr>")
        );
        assert!(
            r.html
                .contains(">4 more stories on erdogan next time</td></tr>")
        );
        // Only the shown stories count as sent: 10 entries, one match each.
        let shown = shown_matches(&v);
        assert_eq!(shown.len(), 10);
        assert!(
            !shown.contains(&100) && !shown.contains(&101),
            "follow-ups left out"
        );

        // A section can lose every story, and one story is singular.
        v.max_stories = Some(1);
        let r = render(&v);
        assert!(r.text.contains("\n8 more stories on erdogan next time\n"));
        assert!(
            r.text.contains("\n1 more story on tiny next time\n"),
            "{}",
            r.text
        );
        assert!(
            r.text.contains(
                "Showing 1 of 49 stories; 48 more next time: nato 39, erdogan 8, tiny 1\n"
            )
        );

        // Room for all: nothing is said about leaving out.
        for max in [None, Some(49), Some(100)] {
            v.max_stories = max;
            let r = render(&v);
            assert!(!r.text.contains("Showing") && !r.text.contains(" more stor"));
            assert!(r.text.contains("Older news"), "{max:?}");
            assert_eq!(shown_matches(&v).len(), 49);
        }
    }

    #[test]
    fn subject_stays_on_one_line() {
        let s = render(&view(vec![section("evil\r\nBcc: x@example.com", 1)])).subject;
        assert_eq!(
            s,
            "newshound: 1 new story on 1 topic (evil Bcc: x@example.com)"
        );
    }

    #[test]
    fn section_heading_counts_stories() {
        let r = render(&view(vec![
            section("solo", 1),
            section("pair", 2),
            Section {
                watchlist: "mixed".to_string(),
                stories: vec![
                    story(vec![record(1, "mixed", "A"), record(2, "mixed", "B")]),
                    follow_up(vec![record(3, "mixed", "C")], day(18), &[]),
                ],
            },
            Section {
                watchlist: "later".to_string(),
                stories: vec![
                    follow_up(vec![record(4, "later", "D")], day(18), &[]),
                    follow_up(vec![record(5, "later", "E")], day(19), &[]),
                ],
            },
        ]));
        assert!(r.text.contains("solo: 1 new story\n=================\n"));
        assert!(r.text.contains("pair: 2 new stories\n"));
        assert!(r.text.contains("mixed: 1 new story and 1 follow-up\n"));
        assert!(r.text.contains("later: 2 follow-ups\n"));
        assert!(r.html.contains("· 1 new story</span>"));
        assert!(r.html.contains("· 2 new stories</span>"));
        assert!(r.html.contains("· 1 new story and 1 follow-up</span>"));
        assert!(r.html.contains("· 2 follow-ups</span>"));
    }

    #[test]
    fn empty_digest_renders() {
        let r = render(&view(vec![]));
        assert!(
            r.text
                .contains("\nNo new stories\nGenerated Sat 21 Nov 2026 14:05 UTC\n")
        );
        assert!(r.html.contains("No new stories · generated"));
        assert!(r.html.ends_with("</html>\n"));
        assert!(
            r.text
                .contains("\nNo new coverage since the last digest. newshound keeps watching")
        );
    }

    #[test]
    fn empty_digest_names_the_topics_it_covers() {
        let mut v = view(vec![section("quiet", 0)]);
        v.covered = vec!["turkey-s400".to_string(), "nato".to_string()];
        let r = render(&v);
        assert_eq!(r.subject, "newshound: no new stories on turkey-s400, nato");
        assert!(
            r.text.contains(
                "\n\nNo new coverage of turkey-s400 or nato since the last digest. newshound\n\
                 keeps watching and will write when there is news.\n\n"
            ),
            "{}",
            r.text
        );
        assert!(
            r.html.contains(
                ">No new coverage of <strong>turkey-s400</strong> or <strong>nato</strong> \
                 since the last digest."
            ),
            "{}",
            r.html
        );

        v.covered = ["a", "b<i>", " ", "c\r\nBcc: x@example.com", "d", "e"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let r = render(&v);
        assert_eq!(
            r.subject,
            "newshound: no new stories on a, b<i>, c Bcc: x@example.com and 2 more"
        );
        assert!(
            r.text.contains(
                "No new coverage of a, b<i>, c Bcc: x@example.com, d or e since the last"
            ),
            "{}",
            r.text
        );
        assert!(!r.html.contains("<i>"), "{}", r.html);
        assert!(r.html.contains("<strong>b&lt;i&gt;</strong>"), "{}", r.html);
    }

    /// Markup, script links and header injection in every field a feed or config fills.
    fn hostile_view() -> DigestView {
        let mut scripted = record(1, "w", "<script>alert(1)</script>");
        scripted.link = Some("javascript:alert(1)".to_string());
        scripted.feed = "Smith & Sons".to_string();
        scripted.snippet = Snippet {
            text: "look <img src=x onerror=alert(1)> here".to_string(),
            highlights: vec![],
        };
        scripted.matched_terms = vec!["<b>bold</b>".to_string()];

        let mut quoted = record(2, "w", "Quotes");
        quoted.link = Some("https://example.com/a\"b<c".to_string());

        let mut data = record(3, "w", "Data");
        data.link = Some("data:text/html,<script>alert(2)</script>".to_string());

        DigestView {
            name: "<i>digest</i>".to_string(),
            generated_at: at(2026, 11, 21, 14, 5),
            timezone: chrono_tz::UTC,
            max_stories: None,
            sections: vec![Section {
                watchlist: "w<u>".to_string(),
                stories: singles(vec![scripted, quoted, data]),
            }],
            covered: vec!["w<u>".to_string()],
            feed_problems: vec![FeedProblem {
                feed: "<img src=x onerror=alert(3)>".to_string(),
                kind: ProblemKind::Failing,
                detail: "since 1 Nov, <b>HTTP 500</b>".to_string(),
            }],
        }
    }

    #[test]
    fn hostile_content_is_escaped_in_html_and_verbatim_in_text() {
        let r = render(&hostile_view());

        for raw in [
            "<script",
            "javascript:",
            "data:",
            "a\"b<c",
            "Smith & Sons",
            "<img",
            "<b>",
            "<i>",
            "<u>",
        ] {
            assert!(!r.html.contains(raw), "HTML contains {raw:?}");
        }
        assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(r.html.contains("Smith &amp; Sons"));
        assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(r.html.contains("&lt;img src=x onerror=alert(3)&gt;"));
        assert!(r.html.contains("&lt;b&gt;HTTP 500&lt;/b&gt;"));
        assert!(r.html.contains("href=\"https://example.com/a%22b%3Cc\""));
        // Titles whose links were refused are shown, just not linked.
        assert!(!r.html.contains("href=\"javascript"));
        assert_eq!(r.html.matches("<a href=").count(), 1);

        for raw in [
            "<script>alert(1)</script>",
            "javascript:alert(1)",
            "https://example.com/a\"b<c",
            "Smith & Sons",
            "<img src=x onerror=alert(1)>",
            "matched: <b>bold</b>",
            "w<u>: 3 new stories",
            "<i>digest</i>",
        ] {
            assert!(r.text.contains(raw), "text lacks {raw:?}");
        }
    }

    #[test]
    fn outlet_summary_names_three_at_most() {
        let cases = [
            (0, ""),
            (1, "O1"),
            (2, "O1 and O2"),
            (3, "O1, O2 and O3"),
            // Never "O1, O2, O3 and 1 more": the name fits where the count would.
            (4, "O1, O2 and 2 more"),
            (9, "O1, O2 and 7 more"),
        ];
        for (n, expected) in cases {
            let outlets: Vec<String> = (1..=n).map(|i| format!("O{i}")).collect();
            assert_eq!(outlet_summary(&outlets), expected, "{n} outlets");
        }
    }

    #[test]
    fn a_story_names_its_outlets_in_order_of_first_appearance() {
        let r = render(&one_section(vec![story(vec![
            seen(3, &["Atalayar"], at(2026, 11, 21, 12, 0)),
            seen(1, &["Reuters", "Yahoo News"], at(2026, 11, 21, 9, 0)),
            seen(2, &["Yahoo News", "TASS"], at(2026, 11, 21, 10, 0)),
        ])]));
        let byline = "Reuters, Yahoo News and 2 more · Sat 21 Nov 2026 09:00–12:00 UTC";
        assert!(
            r.text.contains(&format!(
                "\nReport 1\n{byline}\nhttps://example.com/1\nmatched: term\nAlso:\n\
                 - Yahoo News and TASS — Report 2\n  https://example.com/2\n\
                 - Atalayar — Report 3\n  https://example.com/3\n"
            )),
            "{}",
            r.text
        );
        assert!(r.html.contains(&format!(">{byline}</div>")), "{}", r.html);
    }

    #[test]
    fn an_article_seen_in_two_feeds_is_one_report_naming_both() {
        let t = at(2026, 11, 21, 9, 0);
        // As a story's only report, its byline names both feeds.
        let r = render(&one_section(vec![single(seen(
            1,
            &["Reuters", "Yahoo News"],
            t,
        ))]));
        assert!(
            r.text
                .contains("\nReport 1\nReuters and Yahoo News · Sat 21 Nov 2026 09:00 UTC\n"),
            "{}",
            r.text
        );
        assert!(!r.text.contains("Also:"), "{}", r.text);

        // Listed under another report's headline, its one line names both. Two matches of
        // the same item are one report too.
        let mut twin = seen(3, &["Yahoo News", "AP"], at(2026, 11, 21, 11, 0));
        twin.item = 2;
        let r = render(&one_section(vec![story(vec![
            seen(1, &["Defense News"], t),
            seen(2, &["Reuters", "Yahoo News"], at(2026, 11, 21, 10, 0)),
            twin,
        ])]));
        assert!(
            r.text.contains(
                "Also:\n- Reuters, Yahoo News and AP — Report 2\n  https://example.com/2\n"
            ),
            "{}",
            r.text
        );
        assert!(!r.text.contains("Report 3"), "{}", r.text);
        assert!(
            r.html
                .contains(">Reuters, Yahoo News and AP</span> — <a href=\"https://example.com/2\""),
            "{}",
            r.html
        );
        // The twin's later match still counts as the story's latest news.
        assert!(
            r.text.contains("Sat 21 Nov 2026 09:00–11:00 UTC"),
            "{}",
            r.text
        );
    }

    #[test]
    fn best_snippet_has_most_terms_ties_to_the_earliest() {
        let report = |id, outlet, hour, terms: &[&str], text: &str| {
            let mut m = seen(id, &[outlet], at(2026, 11, 21, hour, 0));
            m.matched_terms = terms.iter().map(|t| t.to_string()).collect();
            m.snippet = snippet(text, terms);
            m
        };
        let lead = report(1, "A", 8, &["x"], "first x");
        let most = report(2, "B", 9, &["x", "y"], "second x y");
        let tie = report(3, "C", 10, &["y", "x"], "third y x");
        let mut empty = report(4, "D", 11, &[], "");
        empty.matched_terms = ["x", "y", "z"].iter().map(|t| t.to_string()).collect();

        let r = render(&one_section(vec![story(vec![
            tie.clone(),
            empty,
            lead.clone(),
            most.clone(),
        ])]));
        // Not the headline's own snippet: it says whose it is.
        assert!(r.text.contains("\nB: second *x* *y*\n"), "{}", r.text);
        assert!(!r.text.contains("first x") && !r.text.contains("third"));
        assert!(r.html.contains(">B:</span> second <strong"), "{}", r.html);
        // Terms of every report, first seen first.
        assert!(r.text.contains("\nmatched: x, y, z\n"), "{}", r.text);

        // The headline's own snippet needs no attribution; a tie goes to it.
        let mut lead = lead;
        lead.matched_terms = vec!["y".to_string(), "x".to_string()];
        lead.snippet = snippet("first x y", &["x", "y"]);
        let r = render(&one_section(vec![story(vec![most, lead, tie])]));
        assert!(r.text.contains("\nfirst *x* *y*\n"), "{}", r.text);
        assert!(!r.text.contains("second"), "{}", r.text);

        // Nothing to show: no snippet line at all.
        let mut bare = seen(1, &["A"], at(2026, 11, 21, 8, 0));
        bare.snippet = Snippet {
            text: " \u{7} ".to_string(),
            highlights: vec![],
        };
        let r = render(&one_section(vec![single(bare)]));
        assert!(
            r.text
                .contains("\nhttps://example.com/1\nmatched: term\n\nThis is"),
            "{}",
            r.text
        );
        assert!(!r.html.contains("font-size:15px"), "{}", r.html);
    }

    #[test]
    fn follow_up_counts_new_outlets_else_reports() {
        // The outlets sent before; each new report's feeds; what the byline says.
        type Case = (
            &'static [&'static str],
            Vec<&'static [&'static str]>,
            &'static str,
        );
        let cases: Vec<Case> = vec![
            (&["A"], vec![&["A"], &["B"], &["C", "D"]], "3 more outlets"),
            (&["A"], vec![&["A"], &["B"]], "1 more outlet"),
            (&[], vec![&["A"]], "1 more outlet"),
            // Outlets already named, written again: the reports are the news.
            (&["A", "B"], vec![&["B"]], "1 more report"),
            (&["A", "B"], vec![&["A"], &["B", "A"]], "2 more reports"),
            // Names are compared as shown.
            (&[" A\n"], vec![&["A"]], "1 more report"),
        ];
        for (before, feeds, more) in cases {
            let matches = feeds
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut m = seen(i as i64 + 1, f, at(2026, 11, 21, 9 + i as u32, 0));
                    m.snippet = snippet("text", &[]);
                    m
                })
                .collect();
            let r = render(&one_section(vec![follow_up(matches, day(17), before)]));
            let span = match feeds.len() {
                1 => "Sat 21 Nov 2026 09:00 UTC".to_string(),
                n => format!("Sat 21 Nov 2026 09:00–{}:00 UTC", 8 + n),
            };
            let head = format!(
                "\nFollow-up: Earlier headline\n{more} since Tuesday · {span}\n\
                 https://example.com/earlier\n"
            );
            assert!(r.text.contains(&head), "{before:?} {feeds:?}:\n{}", r.text);
            assert!(
                r.html
                    .contains(&format!(">{more} since Tuesday · {span}</div>")),
                "{}",
                r.html
            );
            assert!(
                r.html
                    .contains(">Follow-up:</span> <a href=\"https://example.com/earlier\""),
                "{}",
                r.html
            );
            // Every new report is listed, the first one too, and the snippet says whose
            // it is.
            let first = outlet_summary(&feeds[0].iter().map(|f| f.to_string()).collect::<Vec<_>>());
            assert!(
                r.text
                    .contains(&format!("New reports:\n- {first} — Report 1\n")),
                "{}",
                r.text
            );
            assert!(r.text.contains(&format!("\n{first}: text\n")), "{}", r.text);
        }
    }

    #[test]
    fn since_names_a_weekday_within_six_days_else_a_date() {
        let saturday = at(2026, 11, 21, 14, 5);
        let cases = [
            (at(2026, 11, 21, 0, 10), saturday, "earlier today"),
            (at(2026, 11, 20, 23, 59), saturday, "Friday"),
            (at(2026, 11, 17, 7, 0), saturday, "Tuesday"),
            (at(2026, 11, 15, 0, 0), saturday, "Sunday"),
            // A week ago "Saturday" would read as today: a date.
            (at(2026, 11, 14, 23, 59), saturday, "14 Nov"),
            (at(2025, 12, 30, 9, 0), saturday, "30 Dec 2025"),
            // A clock that moved back: a date, not "today".
            (at(2026, 11, 22, 9, 0), saturday, "22 Nov"),
            (at(2026, 12, 31, 9, 0), at(2027, 1, 2, 8, 0), "Thursday"),
        ];
        for (first_sent, generated_at, expected) in cases {
            assert_eq!(
                since(first_sent, generated_at, chrono_tz::UTC),
                expected,
                "{first_sent}"
            );
        }
    }

    #[test]
    fn span_format() {
        let cases = [
            (
                at(2026, 11, 21, 9, 30),
                at(2026, 11, 21, 9, 30),
                "Sat 21 Nov 2026 09:30 UTC",
            ),
            (
                at(2026, 11, 21, 9, 30),
                Utc.with_ymd_and_hms(2026, 11, 21, 9, 30, 45).unwrap(),
                "Sat 21 Nov 2026 09:30 UTC",
            ),
            (
                at(2026, 11, 21, 9, 30),
                at(2026, 11, 21, 12, 40),
                "Sat 21 Nov 2026 09:30–12:40 UTC",
            ),
            (
                at(2026, 11, 20, 18, 2),
                at(2026, 11, 21, 11, 15),
                "Fri 20 Nov 18:02 – Sat 21 Nov 2026 11:15 UTC",
            ),
            (
                at(2026, 12, 31, 23, 50),
                at(2027, 1, 1, 0, 10),
                "Thu 31 Dec 2026 23:50 – Fri 1 Jan 2027 00:10 UTC",
            ),
        ];
        for (first, last, expected) in cases {
            assert_eq!(format_span(first, last, chrono_tz::UTC), expected);
        }
    }

    #[test]
    fn a_story_lists_five_reports_at_most() {
        let reports = |n: usize| -> Vec<MatchRecord> {
            (1..=n)
                .map(|i| seen(i as i64, &[&format!("O{i}")], at(2026, 11, 21, i as u32, 0)))
                .collect()
        };
        let listed = |text: &str| text.lines().filter(|l| l.starts_with("- ")).count();

        let r = render(&one_section(vec![story(reports(6))]));
        assert_eq!(listed(&r.text), 5, "{}", r.text);
        assert!(!r.text.contains("more report"), "{}", r.text);

        let r = render(&one_section(vec![story(reports(7))]));
        assert_eq!(listed(&r.text), 4, "{}", r.text);
        assert!(
            r.text
                .contains("- O5 — Report 5\n  https://example.com/5\n  and 2 more reports\n"),
            "{}",
            r.text
        );
        assert!(r.html.contains(">and 2 more reports</div>"), "{}", r.html);

        let r = render(&one_section(vec![follow_up(reports(6), day(17), &[])]));
        assert_eq!(listed(&r.text), 4, "{}", r.text);
        assert!(r.text.contains("  and 2 more reports\n"), "{}", r.text);
        assert!(
            r.text.contains("6 more outlets since Tuesday"),
            "{}",
            r.text
        );
    }

    #[test]
    fn stories_tie_on_time_by_newest_match() {
        let t = at(2026, 11, 21, 9, 0);
        let r = render(&one_section(vec![
            single(seen(4, &["A"], t)),
            story(vec![seen(2, &["A"], t), seen(7, &["A"], t)]),
            single(seen(5, &["A"], t)),
        ]));
        let order: Vec<usize> = ["\nReport 2\n", "\nReport 5\n", "\nReport 4\n"]
            .iter()
            .map(|h| r.text.find(h).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", r.text);
    }

    #[test]
    fn hostile_outlets_and_earlier_coverage_are_escaped() {
        let t = at(2026, 11, 21, 9, 0);
        let mut lead = seen(
            1,
            &["<script>x</script>", "Smith & Sons\r\nBcc: y@example.com"],
            t,
        );
        lead.snippet = snippet("lead text", &[]);
        let mut other = seen(2, &["<b>B</b>"], at(2026, 11, 21, 10, 0));
        other.title = "<img src=x onerror=alert(1)>".to_string();
        other.link = Some("javascript:alert(1)".to_string());
        other.matched_terms = vec!["term".to_string(), "more".to_string()];
        other.snippet = snippet("other text", &[]);
        let mut later = seen(3, &["\"Q\" <em>"], t);
        later.link = Some("data:text/html,<script>alert(2)</script>".to_string());
        later.snippet = snippet("text", &[]);
        let mut earlier = follow_up(vec![later], day(17), &["<u>U</u>"]);
        let before = earlier.earlier.as_mut().unwrap();
        before.headline = "<i>old</i>\nBcc: z@example.com".to_string();
        before.link = Some("javascript:alert(3)".to_string());
        let r = render(&one_section(vec![story(vec![lead, other]), earlier]));

        for raw in [
            "<script",
            "<b>",
            "<img",
            "<em>",
            "<i>",
            "Smith & Sons",
            "javascript:",
            "data:",
        ] {
            assert!(!r.html.contains(raw), "HTML contains {raw:?}");
        }
        for escaped in [
            "&lt;script&gt;x&lt;/script&gt;, Smith &amp; Sons Bcc: y@example.com and \
             &lt;b&gt;B&lt;/b&gt; ·",
            "&lt;b&gt;B&lt;/b&gt;:</span> other text",
            ">&lt;b&gt;B&lt;/b&gt;</span> — &lt;img src=x onerror=alert(1)&gt;</div>",
            "&lt;i&gt;old&lt;/i&gt; Bcc: z@example.com</div>",
            "\"Q\" &lt;em&gt;",
        ] {
            assert!(
                r.html.contains(escaped),
                "HTML lacks {escaped:?}:\n{}",
                r.html
            );
        }
        // Only the lead's link is safe to follow.
        assert_eq!(r.html.matches("<a href=").count(), 1, "{}", r.html);

        // The text part shows it all as written, but on the lines it belongs to.
        for line in [
            "<script>x</script>, Smith & Sons Bcc: y@example.com and <b>B</b> · Sat 21 \
             Nov 2026 09:00–10:00 UTC",
            "- <b>B</b> — <img src=x onerror=alert(1)>",
            "  javascript:alert(1)",
            "Follow-up: <i>old</i> Bcc: z@example.com",
            "\"Q\" <em>: text",
        ] {
            assert!(
                r.text.contains(&format!("\n{line}\n")) || wrapped(&r.text).contains(line),
                "text lacks {line:?}:\n{}",
                r.text
            );
        }
        assert!(!r.text.lines().any(|l| l.starts_with("Bcc:")), "{}", r.text);
    }

    /// The text with wrapped lines joined again, to look for a long line's words.
    fn wrapped(text: &str) -> String {
        text.lines().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn only_absolute_http_urls_become_links() {
        let cases = [
            (
                "https://example.com/x?a=1&b=2",
                Some("https://example.com/x?a=1&b=2"),
            ),
            ("http://example.com", Some("http://example.com/")),
            ("  HTTPS://Example.COM/P  ", Some("https://example.com/P")),
            ("https://example.com/a b", Some("https://example.com/a%20b")),
            ("javascript:alert(1)", None),
            ("JavaScript:alert(1)", None),
            (" javascript:alert(1)", None),
            ("java\tscript:alert(1)", None),
            ("ht\ttp://example.com", None),
            ("data:text/html;base64,PHNjcmlwdD4=", None),
            ("ftp://example.com/file", None),
            ("mailto:a@example.com", None),
            ("/relative/path", None),
            ("//example.com/x", None),
            ("example.com", None),
            ("http:example.com", None),
            ("http://", None),
            ("", None),
        ];
        for (link, expected) in cases {
            assert_eq!(safe_href(link).as_deref(), expected, "{link:?}");
        }
    }

    /// The HTML of every kind of mail the module writes: the golden digest and alert, a
    /// digest cut by `max_stories`, one with nothing new, and hostile input as both.
    fn every_html() -> Vec<(&'static str, String)> {
        let mut capped = golden_view();
        capped.max_stories = Some(2);
        let mut empty = golden_view();
        empty.sections.clear();
        vec![
            ("digest", render(&golden_view()).html),
            ("alert", render_alert(&alert_view()).html),
            ("capped", render(&capped).html),
            ("empty", render(&empty).html),
            ("hostile digest", render(&hostile_view()).html),
            ("hostile alert", render_alert(&hostile_view()).html),
        ]
    }

    /// The opening tags of `html`, each as the text between `<` and `>`. Escaped text
    /// holds no `<`, so anything a feed wrote stays out of these.
    fn tags(html: &str) -> impl Iterator<Item = &str> {
        html.split('<')
            .skip(1)
            .filter(|t| !t.starts_with('/') && !t.starts_with('!'))
            .map(|t| &t[..t.find('>').unwrap_or(t.len())])
    }

    /// The value of `attr="…"` in a tag.
    fn attr<'t>(tag: &'t str, attr: &str) -> Option<&'t str> {
        let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
        Some(&tag[at..at + tag[at..].find('"')?])
    }

    #[test]
    fn html_is_a_self_contained_mail_document() {
        for (kind, html) in every_html() {
            assert!(html.starts_with("<!DOCTYPE html>\n"), "{kind}");
            assert!(html.ends_with("</html>\n"), "{kind}");
            for present in [
                "<meta charset=\"utf-8\">",
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
                "<meta name=\"color-scheme\" content=\"light dark\">",
                "<meta name=\"supported-color-schemes\" content=\"light dark\">",
                "max-width:640px",
            ] {
                assert!(html.contains(present), "{kind} lacks {present:?}");
            }
            // No style sheets, scripts, images, frames or forms; nothing fetched from
            // elsewhere.
            for absent in [
                "<style", "<script", "<img", "<link", "<iframe", "<object", "<embed", "<form",
                "<base",
            ] {
                assert!(!html.contains(absent), "{kind} contains {absent:?}");
            }
            for tag in tags(&html) {
                for a in tag.split_whitespace().skip(1) {
                    let a = a.to_lowercase();
                    let refused = ["on", "class=", "src=", "background="];
                    assert!(!refused.iter().any(|r| a.starts_with(r)), "{kind}: <{tag}>");
                }
                let style = attr(tag, "style").unwrap_or_default();
                assert!(
                    !style.contains("url(") && !style.contains("@import"),
                    "{kind}: <{tag}>"
                );
                if let Some(href) = attr(tag, "href") {
                    assert!(
                        href.starts_with("https://") || href.starts_with("http://"),
                        "{kind}: <{tag}>"
                    );
                }
            }
        }
    }

    #[test]
    fn every_text_colour_comes_with_a_background() {
        for (kind, html) in every_html() {
            for tag in tags(&html) {
                let style = attr(tag, "style").unwrap_or_default();
                let sets_colour = style
                    .split(';')
                    .any(|decl| decl.trim_start().starts_with("color:"));
                if sets_colour {
                    assert!(style.contains("background-color:"), "{kind}: <{tag}>");
                }
            }
        }
    }

    #[test]
    fn html_fits_a_phone_and_wraps_long_words() {
        for (kind, html) in every_html() {
            // Outlook for Windows alone sees the conditional table, and alone needs its
            // fixed width.
            let mut outside_mso = String::new();
            for (i, piece) in html.split("<!--[if mso]>").enumerate() {
                let piece = match i {
                    0 => piece,
                    _ => &piece[piece.find("<![endif]-->").unwrap()..],
                };
                outside_mso.push_str(piece);
            }
            for tag in tags(&outside_mso) {
                if let Some(width) = attr(tag, "width") {
                    assert_eq!(width, "100%", "{kind}: <{tag}>");
                }
                for decl in attr(tag, "style").unwrap_or_default().split(';') {
                    let (name, value) = decl.split_once(':').unwrap_or_default();
                    if matches!(name.trim(), "width" | "min-width") {
                        let px: u32 = value.trim().trim_end_matches("px").parse().unwrap();
                        assert!(px <= 320, "{kind}: <{tag}>");
                    }
                }
            }
            // Every cell of the card can break a long word, links and URLs in text alike.
            for tag in tags(&html).filter(|t| t.starts_with("td style=")) {
                let style = attr(tag, "style").unwrap();
                if style.starts_with("padding:16px 8px;") {
                    continue; // the page around the card
                }
                assert!(style.contains(WRAP), "{kind}: <{tag}>");
            }
        }
    }

    #[test]
    fn highlights_wrap_matched_words() {
        let mut m = record(1, "w", "T");
        m.snippet = snippet("Turkey bought the S-400 system.", &["S-400", "Turkey"]);
        let r = render(&view(vec![Section {
            watchlist: "w".to_string(),
            stories: singles(vec![m]),
        }]));
        assert!(r.text.contains("*Turkey* bought the *S-400* system."));
        assert!(r.html.contains(">Turkey</strong> bought the <strong"));
        assert!(r.html.contains(">S-400</strong> system."));
    }

    #[test]
    fn bad_highlight_ranges_are_skipped() {
        let text = "Türkiye and S-400 and F-35";
        let s400 = text.find("S-400").unwrap();
        let f35 = text.find("F-35").unwrap();
        let reversed = Range {
            start: f35 + 4,
            end: f35,
        };
        let snip = Snippet {
            text: text.to_string(),
            highlights: vec![
                0..999,             // past the end
                reversed,           // reversed
                2..3,               // inside the two bytes of "ü"
                5..5,               // empty
                s400..s400 + 5,     // good
                s400 + 2..s400 + 9, // overlaps the one before
                f35..f35 + 4,       // good
                usize::MAX - 1..usize::MAX,
            ],
        };
        let segs = segments(&snip);
        let highlighted: Vec<&str> = segs.iter().filter(|(h, _)| *h).map(|(_, s)| *s).collect();
        assert_eq!(highlighted, ["S-400", "F-35"]);
        let joined: String = segs.iter().map(|(_, s)| *s).collect();
        assert_eq!(joined, text, "segments cover the text exactly once");

        let mut m = record(1, "w", "T");
        m.snippet = snip;
        let r = render(&view(vec![Section {
            watchlist: "w".to_string(),
            stories: singles(vec![m]),
        }]));
        assert!(r.text.contains("Türkiye and *S-400* and *F-35*"));
    }

    #[test]
    fn touching_and_padded_highlights_read_as_one() {
        let text = "the S-400 system";
        let s = text.find("S-400").unwrap();
        let snip = Snippet {
            text: text.to_string(),
            highlights: vec![s..s + 2, s + 2..s + 5, s - 1..s - 1 + 1],
        };
        let highlighted: Vec<&str> = segments(&snip)
            .into_iter()
            .filter(|(h, _)| *h)
            .map(|(_, s)| s)
            .collect();
        assert_eq!(highlighted, ["S-400"]);
    }

    #[test]
    fn text_snippet_wraps_and_stays_on_its_lines() {
        let mut m = record(1, "w", "Line\nbreak title");
        m.snippet = Snippet {
            text: "word ".repeat(40) + "\n\nlast\u{7}",
            highlights: vec![],
        };
        let r = render(&view(vec![Section {
            watchlist: "w".to_string(),
            stories: singles(vec![m]),
        }]));
        assert!(r.text.contains("\nLine break title\n"));
        assert!(r.text.lines().all(|l| l.chars().count() <= WRAP_COLUMNS));
        assert!(!r.text.contains('\u{7}'));
        assert!(r.text.contains(" last\n"));
    }

    #[test]
    fn time_format() {
        assert_eq!(
            format_time(at(2026, 11, 21, 14, 5), chrono_tz::UTC),
            "Sat 21 Nov 2026 14:05 UTC"
        );
        assert_eq!(
            format_time(at(2026, 2, 1, 0, 0), chrono_tz::UTC),
            "Sun 1 Feb 2026 00:00 UTC"
        );
    }

    #[test]
    fn times_are_in_the_readers_zone() {
        use chrono_tz::Europe::{Berlin, Istanbul};
        assert_eq!(
            format_time(at(2026, 11, 21, 14, 5), Istanbul),
            "Sat 21 Nov 2026 17:05 +03"
        );
        assert_eq!(
            format_time(at(2026, 7, 1, 22, 30), Berlin),
            "Thu 2 Jul 2026 00:30 CEST"
        );
        let spans = [
            // One UTC day, two days in Istanbul.
            (
                at(2026, 11, 20, 20, 0),
                at(2026, 11, 21, 2, 0),
                Istanbul,
                "Fri 20 Nov 23:00 – Sat 21 Nov 2026 05:00 +03",
            ),
            (
                at(2026, 11, 21, 9, 30),
                at(2026, 11, 21, 12, 40),
                Berlin,
                "Sat 21 Nov 2026 10:30–13:40 CET",
            ),
            // Summer time ends at 03:00 CEST on 25 Oct 2026: each end names its zone.
            (
                at(2026, 10, 24, 23, 30),
                at(2026, 10, 25, 1, 30),
                Berlin,
                "Sun 25 Oct 2026 01:30 CEST – Sun 25 Oct 2026 02:30 CET",
            ),
        ];
        for (first, last, tz, expected) in spans {
            assert_eq!(format_span(first, last, tz), expected);
        }
        // 23:30 UTC on Friday is already Saturday in Istanbul: "earlier today" there.
        assert_eq!(
            since(at(2026, 11, 20, 23, 30), at(2026, 11, 21, 14, 5), Istanbul),
            "earlier today"
        );
        assert_eq!(
            since(
                at(2026, 11, 20, 23, 30),
                at(2026, 11, 21, 14, 5),
                chrono_tz::UTC
            ),
            "Friday"
        );
    }

    #[test]
    fn wrap_keeps_long_words_whole() {
        let long = "x".repeat(100);
        assert_eq!(wrap(&format!("a {long} b"), 10), ["a", long.as_str(), "b"]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert!(wrap("   ", 10).is_empty());
    }
}
