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
//!
//! # Layout
//! One file per job, in the order a digest is made:
//! - `view`: what callers hand in ([`DigestView`], its sections and story entries, the
//!   feed problems) and what they get back ([`Rendered`]).
//! - `select`: which stories a digest shows and in what order, held to `max_stories`, and
//!   what it left out.
//! - `block`: one story entry folded into reports and worded once, as a block that both
//!   parts draw from.
//! - `words`: subjects, headings, counts and lists of outlets; `dates`: times, spans and
//!   "since" in the reader's zone.
//! - `snippet`: a snippet cut into plain and highlighted pieces, trusting no range.
//! - `text` and `html`: the two parts, each drawn from the same blocks.
//! - `atom`: a watchlist's stories as an Atom feed, drawn from the same blocks.

mod atom;
mod block;
mod dates;
mod html;
mod select;
mod snippet;
mod text;
mod view;
mod words;

#[cfg(test)]
mod tests;

pub use crate::model::EarlierCoverage;
pub use atom::{Atom, FeedMeta, atom};
pub use view::{DigestView, FeedProblem, ProblemKind, Rendered, Section, StoryEntry};

use html::html_of;
use select::{Prepared, prepare, shown};
use text::text_of;
use words::{alert_subject, problem_lines, subject_of};

pub fn render(view: &DigestView) -> Rendered {
    let sections = shown(view);
    let subject = subject_of(view, &sections);
    compose(view, &sections, Mail::Digest, subject)
}

/// The matches of the stories [`render`] shows: all of them, unless `max_stories` left
/// some out. Only these count as sent; the others wait for the next message.
pub fn shown_matches(view: &DigestView) -> Vec<i64> {
    shown(view)
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
    compose(view, &sections, Mail::Alert, subject)
}

/// The subject line alone, e.g.
/// `newshound: 3 new stories and 1 follow-up on 2 topics (turkey-s400, f35)`.
pub fn subject(view: &DigestView) -> String {
    subject_of(view, &prepare(view))
}

/// The mail under `subject`, its text and HTML parts drawn from the same sections.
fn compose(view: &DigestView, sections: &[Prepared<'_>], mail: Mail, subject: String) -> Rendered {
    Rendered {
        text: text_of(view, sections, mail),
        html: html_of(view, sections, mail, &subject),
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

    /// The feed problems of the footer, one line per kind. Feed problems wait for the
    /// digest: an alert is about the news alone.
    fn problems(self, view: &DigestView) -> Vec<(String, Vec<(String, String)>)> {
        match self {
            Mail::Digest => problem_lines(&view.feed_problems),
            Mail::Alert => Vec::new(),
        }
    }
}
