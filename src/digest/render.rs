//! Matches → the text and HTML of a digest email. (Placeholder: being written.)

use chrono::{DateTime, Utc};

use crate::model::MatchRecord;

/// What one digest email covers: the matches of each watchlist, in the order the
/// sections should appear.
#[derive(Debug, Clone)]
pub struct DigestView {
    pub name: String,
    pub generated_at: DateTime<Utc>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub watchlist: String,
    pub matches: Vec<MatchRecord>,
}

/// The parts of a rendered digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn render(view: &DigestView) -> Rendered {
    Rendered {
        subject: format!("newshound: {}", view.name),
        text: String::new(),
        html: String::new(),
    }
}
