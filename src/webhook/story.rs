//! A story entry of the store (its matches, and what was delivered of it before) folded
//! into what a webhook carries: one item per article, earliest first, the outlets and
//! matched terms of all of them, and the snippet that says most.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::digest::render::StoryEntry;
use crate::model::MatchRecord;
use crate::wording::one_line;

/// One story of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    pub watchlist: String,
    pub story_id: Option<i64>,
    pub follow_up: bool,
    pub first_sent_at: Option<DateTime<Utc>>,
    pub headline: String,
    pub link: Option<String>,
    pub outlets: Vec<String>,
    pub matched_terms: Vec<String>,
    pub snippet: String,
    pub items: Vec<StoryItem>,
}

/// One article of a story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryItem {
    pub title: String,
    pub link: Option<String>,
    pub outlets: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub matched_at: DateTime<Utc>,
    pub matched_terms: Vec<String>,
    pub snippet: String,
}

impl Story {
    /// `entry` of `watchlist`'s section; `None` for an entry without matches.
    pub fn of(watchlist: &str, entry: &StoryEntry) -> Option<Story> {
        let mut matches: Vec<&MatchRecord> = entry.matches.iter().collect();
        matches.sort_by_key(|m| (m.published.unwrap_or(m.matched_at), m.id));
        let mut items: Vec<(i64, StoryItem)> = Vec::new();
        for m in matches {
            let outlets = distinct(std::iter::once(&m.feed).chain(&m.feeds));
            let terms = distinct(&m.matched_terms);
            match items.iter_mut().find(|(item, _)| *item == m.item) {
                Some((_, known)) => {
                    extend(&mut known.outlets, outlets);
                    extend(&mut known.matched_terms, terms);
                }
                None => items.push((
                    m.item,
                    StoryItem {
                        title: title_of(&m.title),
                        link: m.link.clone().filter(|l| !l.trim().is_empty()),
                        outlets,
                        published_at: m.published,
                        matched_at: m.matched_at,
                        matched_terms: terms,
                        snippet: one_line(&m.snippet.text),
                    },
                )),
            }
        }
        let items: Vec<StoryItem> = items.into_iter().map(|(_, item)| item).collect();
        let first = items.first()?;
        let mut outlets = Vec::new();
        let mut terms = Vec::new();
        for item in &items {
            extend(&mut outlets, item.outlets.clone());
            extend(&mut terms, item.matched_terms.clone());
        }
        // The snippet with the most distinct terms says most about why the story is here;
        // ties go to the earliest.
        let snippet = items
            .iter()
            .filter(|i| !i.snippet.is_empty())
            .fold(None, |best: Option<&StoryItem>, i| match best {
                Some(b) if b.matched_terms.len() >= i.matched_terms.len() => Some(b),
                _ => Some(i),
            })
            .map(|i| i.snippet.clone())
            .unwrap_or_default();
        let (headline, link) = match &entry.earlier {
            Some(earlier) => (title_of(&earlier.headline), earlier.link.clone()),
            None => (first.title.clone(), first.link.clone()),
        };
        Some(Story {
            watchlist: watchlist.to_string(),
            story_id: entry.matches.iter().find_map(|m| m.story),
            follow_up: entry.earlier.is_some(),
            first_sent_at: entry.earlier.as_ref().map(|e| e.first_sent),
            headline,
            link,
            outlets,
            matched_terms: terms,
            snippet,
            items,
        })
    }

    /// The story `webhook test` sends: plainly a test, with the shape of a real one.
    pub fn sample(now: DateTime<Utc>) -> Story {
        let link = "https://example.org/newshound-test".to_string();
        let snippet = "This is a test delivery from newshound: if you can read it, the \
                       webhook works."
            .to_string();
        Story {
            watchlist: "newshound-test".into(),
            story_id: None,
            follow_up: false,
            first_sent_at: None,
            headline: "newshound test delivery".into(),
            link: Some(link.clone()),
            outlets: vec!["newshound".into()],
            matched_terms: vec!["test".into()],
            snippet: snippet.clone(),
            items: vec![StoryItem {
                title: "newshound test delivery".into(),
                link: Some(link),
                outlets: vec!["newshound".into()],
                published_at: Some(now),
                matched_at: now,
                matched_terms: vec!["test".into()],
                snippet,
            }],
        }
    }
}

fn title_of(title: &str) -> String {
    match one_line(title) {
        t if t.is_empty() => "(untitled)".to_string(),
        t => t,
    }
}

/// `names` on one line each, each once, first seen first; blank ones dropped.
fn distinct<'m>(names: impl IntoIterator<Item = &'m String>) -> Vec<String> {
    let mut out = Vec::new();
    extend(&mut out, names.into_iter().map(|n| one_line(n)).collect());
    out
}

fn extend(into: &mut Vec<String>, names: Vec<String>) {
    for name in names {
        if !name.is_empty() && !into.contains(&name) {
            into.push(name);
        }
    }
}
