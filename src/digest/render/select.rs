//! Which stories a digest shows, in what order, and what it leaves out: each section's
//! story entries made into blocks, new stories before follow-ups, then held to
//! `max_stories` by taking turns across sections. Both parts and the subject work from
//! these sections, so they cannot disagree about what was shown.

use super::DigestView;
use super::block::{Block, Story};
use crate::wording::{count, one_line};

/// A section as it is rendered: new stories first, then follow-ups. Sections without
/// matches are left out everywhere, so the subject never counts or names a topic the body
/// does not show.
pub(super) struct Prepared<'a> {
    pub(super) watchlist: String,
    /// Counted before any are left out: the subject and headings count every story.
    pub(super) new: usize,
    pub(super) follow_ups: usize,
    pub(super) blocks: Vec<Block<'a>>,
    /// Stories left out by `max_stories`.
    pub(super) hidden: usize,
}

pub(super) fn prepare(view: &DigestView) -> Vec<Prepared<'_>> {
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

/// The sections as the digest shows them: prepared, then held to `max_stories`. The
/// digest is rendered from these and its matches counted as sent from these, so the two
/// cannot disagree.
pub(super) fn shown(view: &DigestView) -> Vec<Prepared<'_>> {
    let mut sections = prepare(view);
    limit(&mut sections, view.max_stories);
    sections
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
pub(super) fn left_out(sections: &[Prepared<'_>]) -> Option<String> {
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
pub(super) fn section_left_out(section: &Prepared<'_>) -> Option<String> {
    (section.hidden > 0).then(|| {
        format!(
            "{} on {} next time",
            count(section.hidden, "more story", "more stories"),
            section.watchlist
        )
    })
}
