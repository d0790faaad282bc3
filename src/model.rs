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
    /// Stable key of the item within its feed; see `feed::parse::identity`.
    pub identity: String,
    pub guid: Option<String>,
    pub link: Option<String>,
    pub title: String,
    /// What a query looks at besides the title: summary and content, as plain text.
    pub body: String,
    pub published: Option<DateTime<Utc>>,
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
    pub watchlist: String,
    pub feed: String,
    pub title: String,
    pub link: Option<String>,
    pub guid: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub matched_at: DateTime<Utc>,
    pub matched_terms: Vec<String>,
    pub snippet: Snippet,
}
