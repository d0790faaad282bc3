//! Site furniture learned across pages: the lines that recur on many articles of one site
//! (a promo between paragraphs, "Register now for free unlimited access", a newsletter
//! plug, the author's bio box, a sign-off) are the site's, not the article's, even where
//! they sit inside the article's markup and a single-page extractor has to keep them.
//!
//! Each line of an article's text (as [`super::extract`] writes it) is known by a
//! [`fingerprint`] of its words, folded so that a date or a count in it does not make it
//! new. [`Furniture::learn`] counts, per site, on how many pages each line was seen;
//! [`Furniture::strip`] drops from a page the lines seen on at least [`MIN_OTHER_PAGES`]
//! other pages of its site. Never from one page alone, and never because a line was seen
//! once elsewhere. Two guards keep an article whole: a line longer than an author's bio is
//! article text whatever recurs, and a page that would lose more than half its words is a
//! repeat of one already read (the same article republished), not furniture.
//!
//! Pure: the daemon keeps one [`Furniture`] in memory, loads it from the database at
//! start and writes back what [`Furniture::take_learned`] hands it.

use std::collections::{HashMap, HashSet};

use url::Url;

/// A line seen on at least this many other pages of its site is the site's furniture.
pub const MIN_OTHER_PAGES: u32 = 3;
/// A line of more words than this is article text, however often it recurs: author bios,
/// the longest furniture there is, run 40 to 80 words.
const MAX_LINE_WORDS: usize = 100;
/// Learned lines may take at most this share of a page's words; a page that would lose
/// more is the same article read again under another link, not furniture.
const MAX_DROPPED_SHARE: usize = 2;
/// Lines remembered per site, about 20 KiB of memory: the lines of some 30 articles. Past
/// it, the lines seen on one page only are forgotten (furniture is on most pages and has
/// been seen twice long before; a bio, on one author's), then the rarest.
const MAX_LINES_PER_SITE: usize = 1024;

/// A line's fingerprint, as stored.
pub type Fingerprint = i64;

/// One line of a site as it is stored: on how many pages it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Learned {
    pub site: String,
    pub line: Fingerprint,
    pub pages: u32,
}

/// A page's text with its site's furniture left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    pub text: String,
    /// How many lines were dropped as the site's furniture.
    pub dropped: usize,
}

/// What newshound knows of each site's furniture.
#[derive(Debug, Default)]
pub struct Furniture {
    sites: HashMap<String, Site>,
}

#[derive(Debug, Default)]
struct Site {
    lines: HashMap<Fingerprint, Line>,
}

#[derive(Debug, Clone, Copy)]
struct Line {
    pages: u32,
    /// Counted again since [`Furniture::take_learned`] last handed it over.
    changed: bool,
}

/// The site a page belongs to, for learning: its host without a leading `www.`.
pub fn site(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(host.strip_prefix("www.").unwrap_or(&host).to_string())
}

/// A line's fingerprint: FNV-1a over its words, letters lowercased, each run of digits
/// one `0`, punctuation and spacing dropped; `None` for a line without a word.
pub fn fingerprint(line: &str) -> Option<Fingerprint> {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash = OFFSET;
    let mut add = |c: char| {
        let mut buf = [0; 4];
        for b in c.encode_utf8(&mut buf).bytes() {
            hash = (hash ^ u64::from(b)).wrapping_mul(PRIME);
        }
    };
    // Words are joined by one space, written when the next word starts.
    let (mut any, mut in_word, mut in_digits) = (false, false, false);
    for c in line.chars() {
        if !c.is_alphanumeric() {
            (in_word, in_digits) = (false, false);
            continue;
        }
        if !in_word && any {
            add(' ');
        }
        if c.is_numeric() {
            if !in_digits {
                add('0');
            }
            in_digits = true;
        } else {
            c.to_lowercase().for_each(&mut add);
            in_digits = false;
        }
        (any, in_word) = (true, true);
    }
    any.then_some(hash as i64)
}

/// The lines of `text` that may be furniture, each with its fingerprint and words.
fn candidates(text: &str) -> impl Iterator<Item = (&str, Fingerprint, usize)> {
    text.lines().filter_map(|line| {
        let words = line.split_whitespace().count();
        if words > MAX_LINE_WORDS {
            return None;
        }
        fingerprint(line).map(|fp| (line, fp, words))
    })
}

impl Furniture {
    /// What the database holds.
    pub fn from_learned(rows: impl IntoIterator<Item = Learned>) -> Self {
        let mut furniture = Furniture::default();
        for row in rows {
            let site = furniture.sites.entry(row.site).or_default();
            site.lines.insert(
                row.line,
                Line {
                    pages: row.pages,
                    changed: false,
                },
            );
        }
        furniture
    }

    /// `text`, a page of `site`, without the lines seen on [`MIN_OTHER_PAGES`] other pages
    /// of the site (before this page is learned), paragraphs kept apart.
    pub fn strip(&self, site: &str, text: &str) -> Stripped {
        let unchanged = || Stripped {
            text: text.to_string(),
            dropped: 0,
        };
        let Some(known) = self.sites.get(site) else {
            return unchanged();
        };
        // The lines to drop, by their text: each line is fingerprinted once.
        let (mut gone, mut gone_words) = (HashSet::new(), 0);
        for (line, fp, words) in candidates(text) {
            if known
                .lines
                .get(&fp)
                .is_some_and(|l| l.pages >= MIN_OTHER_PAGES)
            {
                gone.insert(line);
                gone_words += words;
            }
        }
        if gone.is_empty() || gone_words * MAX_DROPPED_SHARE > text.split_whitespace().count() {
            return unchanged();
        }
        let mut dropped = 0;
        let paragraphs: Vec<String> = text
            .split("\n\n")
            .filter_map(|paragraph| {
                let kept: Vec<&str> = paragraph
                    .lines()
                    .filter(|line| {
                        let drop = gone.contains(line);
                        dropped += usize::from(drop);
                        !drop
                    })
                    .collect();
                let kept = kept.join("\n");
                (!kept.trim().is_empty()).then(|| kept.trim().to_string())
            })
            .collect();
        Stripped {
            text: paragraphs.join("\n\n"),
            dropped,
        }
    }

    /// Counts the lines of `text`, a page of `site` read once, each line once however
    /// often it is on the page.
    pub fn learn(&mut self, site: &str, text: &str) {
        let seen: HashSet<Fingerprint> = candidates(text).map(|(_, fp, _)| fp).collect();
        if seen.is_empty() {
            return;
        }
        let known = self.sites.entry(site.to_string()).or_default();
        for fp in seen {
            let line = known.lines.entry(fp).or_insert(Line {
                pages: 0,
                changed: false,
            });
            line.pages = line.pages.saturating_add(1);
            // A line seen once is not worth a row: most lines of articles are.
            line.changed = line.pages >= 2;
        }
        if known.lines.len() > MAX_LINES_PER_SITE {
            known.forget_rare();
        }
    }

    /// The lines counted again since the last call, seen on two pages or more: what the
    /// database is to be told.
    pub fn take_learned(&mut self) -> Vec<Learned> {
        let mut learned = Vec::new();
        for (site, known) in &mut self.sites {
            for (fp, line) in &mut known.lines {
                if std::mem::take(&mut line.changed) {
                    learned.push(Learned {
                        site: site.clone(),
                        line: *fp,
                        pages: line.pages,
                    });
                }
            }
        }
        learned
    }

    /// Whether `line` is furniture of `site` by what has been learned so far.
    #[cfg(test)]
    fn is_furniture(&self, site: &str, line: &str) -> bool {
        let known = self.sites.get(site);
        fingerprint(line).is_some_and(|fp| {
            known
                .and_then(|k| k.lines.get(&fp))
                .is_some_and(|l| l.pages >= MIN_OTHER_PAGES)
        })
    }
}

impl Site {
    /// Forgets the lines seen on one page, then, while still over three quarters of the
    /// cap, the rarest of the rest.
    fn forget_rare(&mut self) {
        self.lines.retain(|_, line| line.pages >= 2);
        let keep = MAX_LINES_PER_SITE * 3 / 4;
        if self.lines.len() > keep {
            let mut counts: Vec<u32> = self.lines.values().map(|l| l.pages).collect();
            let cut = counts.len() - keep;
            let (_, floor, _) = counts.select_nth_unstable(cut);
            let floor = *floor;
            self.lines.retain(|_, line| line.pages > floor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMO: &str = "WATCH: Turkey's Convoluted Foreign Relations | Real Turkey";
    const REGISTER: &str = "Register now for free unlimited access to Reuters.com";

    /// An article of `site` with its own paragraphs (unique by `n`) and the promo lines
    /// between them.
    fn page(n: usize, topic: &str) -> String {
        format!(
            "Report {n} opens on {topic} with a long first paragraph of its own.\n\n\
             {PROMO}\n\n\
             The second paragraph of report {n} goes on about {topic} and what followed.\n\n\
             {REGISTER}\n\n\
             Reporting by Jane Doe; editing by John Roe, updated {n} hours ago"
        )
    }

    #[test]
    fn a_line_recurring_on_other_pages_of_a_site_is_dropped_from_the_next() {
        let mut furniture = Furniture::default();
        for n in 0..MIN_OTHER_PAGES as usize {
            let text = page(n, "the budget");
            // Not yet seen on enough other pages: every line stays.
            let stripped = furniture.strip("reuters.com", &text);
            assert_eq!(stripped.dropped, 0, "page {n}");
            assert_eq!(stripped.text, text);
            furniture.learn("reuters.com", &text);
        }
        let text = page(99, "the S-400");
        let stripped = furniture.strip("reuters.com", &text);
        assert_eq!(stripped.dropped, 3, "{}", stripped.text);
        assert_eq!(
            stripped.text,
            "Report 99 opens on the S-400 with a long first paragraph of its own.\n\n\
             The second paragraph of report 99 goes on about the S-400 and what followed."
        );
        // Another site has learned nothing.
        assert_eq!(furniture.strip("apnews.com", &text).dropped, 0);
        assert!(furniture.is_furniture("reuters.com", REGISTER));
        assert!(!furniture.is_furniture("apnews.com", REGISTER));
    }

    #[test]
    fn a_line_seen_once_elsewhere_or_on_one_page_many_times_is_kept() {
        let mut furniture = Furniture::default();
        let twice = format!("{PROMO}\n{PROMO}\n{PROMO}\n\nThe only paragraph of it.");
        furniture.learn("example.com", &twice);
        furniture.learn("example.com", &format!("{PROMO}\n\nAnother report."));
        let text = format!("A report.\n\n{PROMO}\n\nIts second paragraph, and more.");
        assert_eq!(furniture.strip("example.com", &text).dropped, 0);
        assert!(!furniture.is_furniture("example.com", PROMO));
    }

    #[test]
    fn a_republished_article_is_not_mistaken_for_furniture() {
        let mut furniture = Furniture::default();
        let article = "Ankara rejects the call to hand over its S-400 systems.\n\n\
                       The ministry said the purchase was final.\n\n\
                       Washington said talks would go on.";
        for _ in 0..5 {
            furniture.learn("example.com", article);
        }
        let stripped = furniture.strip("example.com", article);
        assert_eq!(stripped.dropped, 0);
        assert_eq!(stripped.text, article);
    }

    #[test]
    fn long_lines_are_article_text_whatever_recurs() {
        let mut furniture = Furniture::default();
        let long = "word ".repeat(MAX_LINE_WORDS + 1);
        for n in 0..5 {
            furniture.learn(
                "example.com",
                &format!(
                    "{long}\n\nParagraph {n}, its own.\n\n{}",
                    "more ".repeat(300)
                ),
            );
        }
        assert!(!furniture.is_furniture("example.com", &long));
    }

    #[test]
    fn fingerprints_fold_case_digits_and_punctuation_but_not_words() {
        let fp = |s| fingerprint(s).unwrap();
        assert_eq!(fp("Updated 3 hours ago"), fp("updated 12 hours ago."));
        assert_eq!(
            fp("Sign up  for the briefing!"),
            fp("sign up for the briefing")
        );
        assert_ne!(fp("Sign up for the briefing"), fp("Sign up for the digest"));
        assert_ne!(fp("Turkey buys S-400"), fp("Turkey buys S-500 and more"));
        assert_eq!(fingerprint(" -- | "), None);
        assert_eq!(fingerprint(""), None);
    }

    #[test]
    fn what_is_learned_is_handed_over_once_and_read_back() {
        let mut furniture = Furniture::default();
        for name in ["one", "two", "three", "four"] {
            furniture.learn(
                "example.com",
                &format!("{REGISTER}\n\nStory {name} itself."),
            );
        }
        let learned = furniture.take_learned();
        // The lines seen once (each story's own) are not worth a row.
        assert_eq!(learned.len(), 1, "{learned:?}");
        assert_eq!(learned[0].pages, 4);
        assert_eq!(learned[0].line, fingerprint(REGISTER).unwrap());
        assert!(furniture.take_learned().is_empty());
        let again = Furniture::from_learned(learned);
        assert!(again.is_furniture("example.com", REGISTER));
    }

    #[test]
    fn a_site_remembers_a_bounded_number_of_lines_and_keeps_its_furniture() {
        let mut furniture = Furniture::default();
        for n in 0..2 * MAX_LINES_PER_SITE {
            // Digits fold into one: each story's line is told apart by letters.
            let name: String = n
                .to_string()
                .bytes()
                .map(|d| char::from(d - b'0' + b'a'))
                .collect();
            furniture.learn(
                "example.com",
                &format!("{REGISTER}\n\nStory {name} itself."),
            );
            let lines = furniture.sites["example.com"].lines.len();
            assert!(lines <= MAX_LINES_PER_SITE, "{lines} lines after page {n}");
        }
        assert!(furniture.is_furniture("example.com", REGISTER));
    }

    #[test]
    fn a_site_is_its_host_without_www() {
        let site = |u: &str| site(&Url::parse(u).unwrap());
        assert_eq!(
            site("https://www.Reuters.com/world/x"),
            Some("reuters.com".into())
        );
        assert_eq!(
            site("https://uk.reuters.com/x"),
            Some("uk.reuters.com".into())
        );
        assert_eq!(site("file:///tmp/a.html"), None);
    }
}
