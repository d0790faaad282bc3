//! What grouping needs from one item, computed once from its title and text: its terms
//! and how often each occurs, its title's terms, the ages and the people and streets it
//! names, and who published it.

use super::text::{Evidence, Splitter};
use super::words::{self, Term};
use super::{Tuning, boilerplate};

/// What grouping needs from one item, computed once.
#[derive(Debug, Clone)]
pub struct Features {
    /// The title and text's terms, sorted, with their sublinear term frequency (times the
    /// name boost).
    pub(super) terms: Vec<(Term, f32)>,
    /// The title's terms, sorted.
    pub(super) title: Vec<Term>,
    /// The ages of the people the title and text name, sorted.
    pub(super) ages: Vec<u8>,
    /// The people the text names in full and the streets the title and text name.
    pub(super) evidence: Evidence,
    /// Who published it ([`Features::from_outlet`]), if known.
    pub(super) outlet: Option<Term>,
}

impl Features {
    pub fn of(title: &str, body: &str) -> Features {
        Features::tuned(title, body, &Tuning::default())
    }

    /// [`Features::of`] with the boosts of `tuning`.
    pub fn tuned(title: &str, body: &str, tuning: &Tuning) -> Features {
        let mut splitter = Splitter::default();
        splitter.push(headline(title), false);
        let title_terms = splitter.terms();
        let body = boilerplate::strip(body);
        splitter.push(strip_headline(title, &body), true);
        let ages = splitter.ages();
        let evidence = splitter.evidence();
        let terms = splitter
            .counts()
            .iter()
            .map(|c| {
                let boost = if c.name { tuning.name_boost } else { 1.0 };
                (c.term, (1.0 + (c.count as f32).ln()) * boost)
            })
            .collect();
        Features {
            terms,
            title: title_terms,
            ages,
            evidence,
            outlet: None,
        }
    }

    /// These features as published by `outlet` (a host name such as `www.ksla.com`, or any
    /// other key of one publisher): what an outlet writes in reports of many different
    /// events weighs less in its items ([`OUTLET_PRIOR`](super::OUTLET_PRIOR)).
    pub fn from_outlet(mut self, outlet: &str) -> Features {
        let host = outlet
            .trim()
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        self.outlet = (!host.is_empty()).then(|| words::hash(host.as_bytes()));
        self
    }
}

/// The title without the outlet's name that many feeds append ("… - KSLA News 12
/// Shreveport"): every item of that outlet shares it, whatever event it reports. The part
/// before the first separator is kept when it is long enough to be a headline.
pub(super) fn headline(title: &str) -> &str {
    const SEPARATORS: [&str; 5] = [" - ", " | ", " :: ", " \u{2014} ", " \u{2013} "];
    let cut = SEPARATORS.iter().filter_map(|s| title.find(s)).min();
    match cut {
        Some(at) if title[..at].split_whitespace().count() >= 4 => &title[..at],
        _ => title,
    }
}

/// The body without a first line that repeats the headline: counted once through the title,
/// and in title case its capitals are not names.
pub(super) fn strip_headline<'a>(title: &str, body: &'a str) -> &'a str {
    let trimmed = body.trim_start();
    let (first, rest) = trimmed.split_once('\n').unwrap_or((trimmed, ""));
    let first = first.trim();
    if !first.is_empty() && title.trim().starts_with(first) {
        rest
    } else {
        body
    }
}
