//! Grouping coverage of one event across outlets into stories. Pure: no store, no I/O.
//!
//! PLACEHOLDER: the API below is what the store and the evaluation use; the grouping
//! itself is being written.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// A story's key, given by the caller (the store's row id).
pub type StoryId = i64;

/// How long after its latest item a story can still gain items, unless configured.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// What grouping needs from one item, computed once.
#[derive(Debug, Clone)]
pub struct Features {
    title: String,
}

impl Features {
    pub fn of(title: &str, _body: &str) -> Features {
        Features {
            title: title.to_lowercase(),
        }
    }
}

/// The stories active in the window, and the document frequencies learnt from the items
/// seen.
#[derive(Debug)]
pub struct StoryIndex {
    window: Duration,
    stories: Vec<(StoryId, Features, DateTime<Utc>)>,
}

impl StoryIndex {
    pub fn new(window: Duration) -> StoryIndex {
        StoryIndex {
            window,
            stories: Vec::new(),
        }
    }

    /// Counts an item's terms towards the document frequencies without making it a
    /// candidate (history older than the window, when the index is rebuilt).
    pub fn learn(&mut self, _features: &Features) {}

    /// The active story that this item reports, if any.
    pub fn find(&self, features: &Features, time: DateTime<Utc>) -> Option<StoryId> {
        let window = chrono::Duration::from_std(self.window).unwrap_or_default();
        self.stories
            .iter()
            .find(|(_, f, t)| f.title == features.title && (time - *t).abs() <= window)
            .map(|(id, _, _)| *id)
    }

    /// Adds an item to `story` (found by [`StoryIndex::find`], or new) and learns its terms.
    pub fn add(&mut self, story: StoryId, features: Features, time: DateTime<Utc>) {
        self.stories.push((story, features, time));
    }

    /// Forgets the stories whose latest item is more than the window before `now`.
    pub fn prune(&mut self, now: DateTime<Utc>) {
        let window = chrono::Duration::from_std(self.window).unwrap_or_default();
        self.stories.retain(|(_, _, t)| now - *t <= window);
    }

    /// Stories that can still gain items.
    pub fn active(&self) -> usize {
        self.stories.len()
    }
}
