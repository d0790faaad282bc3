//! The digest's own words: counts of stories, the subject, section headings, the line for
//! a digest with nothing new, lists of outlets and the feed-problem footer. Shared by both
//! parts, so the text and the HTML say them the same way.

use super::select::Prepared;
use super::{DigestView, FeedProblem, ProblemKind};
use crate::wording::{count, one_line};

/// Topics named in the subject before the rest are summed up as "and N more"; more would
/// be cut off by most inboxes anyway.
const SUBJECT_TOPICS: usize = 3;

/// Outlet names spelled out in a summary at most; past this, "and N more".
const OUTLET_NAMES: usize = 3;

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
pub(super) fn summary(sections: &[Prepared<'_>]) -> String {
    let new = sections.iter().map(|s| s.new).sum();
    let follow_ups = sections.iter().map(|s| s.follow_ups).sum();
    match stories(new, follow_ups) {
        s if sections.is_empty() => s,
        s => format!("{s} on {}", count(sections.len(), "topic", "topics")),
    }
}

pub(super) fn heading(section: &Prepared<'_>) -> String {
    stories(section.new, section.follow_ups)
}

pub(super) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "newshound: 3 new stories on 2 topics (turkey-s400, f35)"; with nothing new, the
/// topics covered: "newshound: no new stories on turkey-s400, nato".
pub(super) fn subject_of(view: &DigestView, sections: &[Prepared<'_>]) -> String {
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

/// "newshound alert: <first headline>", then " and 2 more" for the other stories.
pub(super) fn alert_subject(sections: &[Prepared<'_>]) -> String {
    let mut blocks = sections.iter().flat_map(|s| &s.blocks);
    let Some(first) = blocks.next() else {
        return "newshound alert: no new stories".to_string();
    };
    match blocks.count() {
        0 => format!("newshound alert: {}", first.head.headline),
        more => format!("newshound alert: {} and {more} more", first.head.headline),
    }
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
pub(super) fn covered(view: &DigestView) -> Vec<String> {
    view.covered
        .iter()
        .map(|w| one_line(w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// "No new coverage of a or b", how a digest with nothing new opens its one sentence;
/// `topics` are named as the part shows them.
pub(super) fn no_new_coverage(topics: &[String]) -> String {
    match topics {
        [] => "No new coverage".to_string(),
        topics => format!("No new coverage of {}", either(topics)),
    }
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
pub(super) const NOTHING_NEW_TAIL: &str =
    " since the last digest. newshound keeps watching and will write when there is news.";

pub(super) fn title_of(title: &str) -> String {
    match one_line(title) {
        t if t.is_empty() => "(untitled)".to_string(),
        t => t,
    }
}

/// "Reuters", "Reuters and Atalayar", "Reuters, Atalayar and TASS", then
/// "Reuters, Atalayar and 2 more": never "and 1 more", which would take the room of the
/// name it hides.
pub(super) fn outlet_summary(outlets: &[String]) -> String {
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
pub(super) fn problem_lines(problems: &[FeedProblem]) -> Vec<(String, Vec<(String, String)>)> {
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
