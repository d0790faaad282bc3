//! What callers hand the renderer, and what they get back: a digest's sections of story
//! entries as the store recorded them, the feeds to flag in its footer, and the rendered
//! parts. Plain data; everything is worded and escaped later, from these.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::{EarlierCoverage, MatchRecord};

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
    /// and left unsent (see [`shown_matches`](super::shown_matches)).
    pub max_stories: Option<usize>,
    /// The watchlists the digest covers, in order: named when none of them has news.
    pub covered: Vec<String>,
    /// Feeds a reader should know about, for the footer.
    pub feed_problems: Vec<FeedProblem>,
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

/// The parts of a rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}
