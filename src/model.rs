//! Plain data that flows through the pipeline: items parsed from feeds, the matches the
//! watchlists find in them, and the rows the digest renders. No I/O lives here, so every
//! stage can be tested with values built by hand.

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One entry of a feed, reduced to what matching and digests need. Text fields are plain
/// text: HTML has already been turned into text by the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable key of the item within its feed; see `feed::item::identity`.
    pub identity: String,
    pub guid: Option<String>,
    pub link: Option<String>,
    pub title: String,
    /// What a query looks at besides the title: summary and content, as plain text.
    pub body: String,
    pub published: Option<DateTime<Utc>>,
    /// Whether the feed gave the item a content element (RSS `content:encoded`, Atom
    /// `content`, JSON Feed `content_html`/`content_text`) rather than a summary alone:
    /// where feeds that carry whole articles put them. Not stored.
    pub has_content: bool,
}

/// A short piece of an item's text around the first hit, with the byte ranges (into
/// `text`) of every matched term inside it, for highlighting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

/// A watchlist matched an item: which terms hit and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index of the watchlist in the order it was compiled.
    pub watchlist: usize,
    /// The positive terms that hit, as written in the query, in query order.
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

/// A recorded match as the digest and the `matches` command show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchRecord {
    pub id: i64,
    /// The matched item. An article reached through several feeds is one item.
    pub item: i64,
    /// The story the item was grouped into; `None` until grouping has run.
    pub story: Option<i64>,
    pub watchlist: String,
    /// The feed the item was first seen in.
    pub feed: String,
    /// Every feed the item appeared in, first sighting first (so `feeds[0] == feed`).
    pub feeds: Vec<String>,
    pub title: String,
    pub link: Option<String>,
    pub guid: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub matched_at: DateTime<Utc>,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}

/// A story: the items that report one event, across outlets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    pub story_id: i64,
    /// The title of its earliest item.
    pub headline: String,
    pub link: Option<String>,
    /// The time of its earliest and latest items.
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Distinct feeds its items appeared in, in order of first appearance.
    pub outlets: Vec<String>,
    /// Earliest first.
    pub items: Vec<StoryItem>,
}

/// What an earlier message of a digest said about a story: the digest's next message
/// shows new coverage of it as a follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCoverage {
    /// When the digest first reported the story.
    pub first_sent: DateTime<Utc>,
    /// The story's headline and link as reported then: its earliest item sent.
    pub headline: String,
    pub link: Option<String>,
    /// The outlets reported: the feeds each sent item had appeared in by the time it was
    /// sent, in order of first appearance.
    pub outlets: Vec<String>,
}

/// One item of a story as `newshound stories` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryItem {
    pub item_id: i64,
    pub title: String,
    pub link: Option<String>,
    pub guid: Option<String>,
    /// The feed it was first seen in, and every feed it appeared in.
    pub feed: String,
    pub feeds: Vec<String>,
    /// Its published date when it has one, else when it was first seen.
    pub time: DateTime<Utc>,
    /// The watchlists that matched it.
    pub watchlists: Vec<String>,
}
