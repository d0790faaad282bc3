//! Tests of the renderer, a file for each file they test. Here: the views they share (the
//! golden digest, an alert drawn from it, hostile input), the golden-file check, and the
//! tests of whole digests and alerts through the public entry points.

mod atom;
mod block;
mod dates;
mod html;
mod select;
mod snippet;
mod text;
mod words;

use std::path::PathBuf;

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::model::{MatchRecord, Snippet};

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// 08:00 on a day of November 2026; the test views are generated on Saturday the 21st.
fn day(d: u32) -> DateTime<Utc> {
    at(2026, 11, d, 8, 0)
}

/// `highlights` name substrings of `text`; each is found by its first occurrence.
fn snippet(text: &str, highlights: &[&str]) -> Snippet {
    Snippet {
        text: text.to_string(),
        highlights: highlights
            .iter()
            .map(|h| {
                let start = text.find(h).expect("highlight is in the text");
                start..start + h.len()
            })
            .collect(),
    }
}

fn record(id: i64, watchlist: &str, title: &str) -> MatchRecord {
    MatchRecord {
        id,
        item: id,
        story: None,
        watchlist: watchlist.to_string(),
        feed: "Example Feed".to_string(),
        feeds: vec!["Example Feed".to_string()],
        title: title.to_string(),
        link: Some(format!("https://example.com/{id}")),
        guid: None,
        published: None,
        matched_at: at(2026, 11, 21, 12, 0),
        matched_terms: vec!["term".to_string()],
        snippet: Snippet::default(),
    }
}

/// A new story of several matches.
fn story(matches: Vec<MatchRecord>) -> StoryEntry {
    StoryEntry {
        matches,
        earlier: None,
    }
}

fn single(m: MatchRecord) -> StoryEntry {
    story(vec![m])
}

/// Each match a story of its own.
fn singles(matches: Vec<MatchRecord>) -> Vec<StoryEntry> {
    matches.into_iter().map(single).collect()
}

/// A story first sent at `first_sent`, naming `outlets` then.
fn follow_up(matches: Vec<MatchRecord>, first_sent: DateTime<Utc>, outlets: &[&str]) -> StoryEntry {
    StoryEntry {
        matches,
        earlier: Some(EarlierCoverage {
            first_sent,
            headline: "Earlier headline".to_string(),
            link: Some("https://example.com/earlier".to_string()),
            outlets: outlets.iter().map(|o| o.to_string()).collect(),
        }),
    }
}

/// `record` from the given feeds, published at `published`.
fn seen(id: i64, feeds: &[&str], published: DateTime<Utc>) -> MatchRecord {
    let mut m = record(id, "w", &format!("Report {id}"));
    m.feed = feeds[0].to_string();
    m.feeds = feeds.iter().map(|f| f.to_string()).collect();
    m.published = Some(published);
    m
}

fn one_section(stories: Vec<StoryEntry>) -> DigestView {
    view(vec![Section {
        watchlist: "w".to_string(),
        stories,
    }])
}

fn view(sections: Vec<Section>) -> DigestView {
    DigestView {
        name: "Morning brief".to_string(),
        generated_at: at(2026, 11, 21, 14, 5),
        timezone: chrono_tz::UTC,
        max_stories: None,
        sections,
        covered: Vec::new(),
        feed_problems: Vec::new(),
    }
}

fn section(watchlist: &str, n: usize) -> Section {
    Section {
        watchlist: watchlist.to_string(),
        stories: singles(
            (0..n)
                .map(|i| record(i as i64, watchlist, &format!("Item {i}")))
                .collect(),
        ),
    }
}

fn golden_view() -> DigestView {
    let radars = StoryEntry {
        matches: vec![
            MatchRecord {
                id: 11,
                item: 11,
                story: Some(3),
                watchlist: "turkey-s400".to_string(),
                feed: "Defense News".to_string(),
                feeds: vec!["Defense News".to_string()],
                title: "Turkey activates S-400 radars during NATO exercise".to_string(),
                link: Some(
                    "https://www.defensenews.com/global/europe/2026/11/21/turkey-s400-radars/"
                        .to_string(),
                ),
                guid: Some("dn-8812".to_string()),
                published: Some(at(2026, 11, 21, 9, 30)),
                matched_at: at(2026, 11, 21, 9, 42),
                matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                snippet: snippet(
                    "Turkey switched on the radars of its Russian-made S-400 air defence \
                     system on Friday, days before a NATO air exercise over the Aegean, \
                     officials in Ankara said.",
                    &["Turkey", "S-400"],
                ),
            },
            // Listed after the Atalayar report, which came later: reports are shown
            // in the order they were published, whatever order the caller gives.
            MatchRecord {
                id: 15,
                item: 15,
                story: Some(3),
                watchlist: "turkey-s400".to_string(),
                feed: "Atalayar".to_string(),
                feeds: vec!["Atalayar".to_string()],
                title: "Turquía enciende los radares del S-400 antes de las maniobras de la OTAN"
                    .to_string(),
                link: Some(
                    "https://www.atalayar.com/articulo/politica/turquia-radares-s400/20261121"
                        .to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 21, 12, 40)),
                matched_at: at(2026, 11, 21, 12, 51),
                matched_terms: vec!["S-400".to_string()],
                snippet: snippet(
                    "Ankara ha activado los radares del sistema S-400 de fabricación rusa.",
                    &["S-400"],
                ),
            },
            // One article that two feeds carried: one report naming both.
            MatchRecord {
                id: 14,
                item: 14,
                story: Some(3),
                watchlist: "turkey-s400".to_string(),
                feed: "Reuters World".to_string(),
                feeds: vec!["Reuters World".to_string(), "Yahoo News".to_string()],
                title: "Turkish S-400 radars go live ahead of NATO air drill".to_string(),
                link: Some(
                    "https://www.reuters.com/world/turkey-s400-radars-nato-2026-11-21/".to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 21, 10, 5)),
                matched_at: at(2026, 11, 21, 10, 12),
                matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                snippet: snippet(
                    "Turkey has turned on its S-400 radars, two security sources said.",
                    &["Turkey", "S-400"],
                ),
            },
        ],
        earlier: None,
    };
    let sanctions = MatchRecord {
        id: 9,
        item: 9,
        story: Some(1),
        watchlist: "turkey-s400".to_string(),
        feed: "Reuters World".to_string(),
        feeds: vec!["Reuters World".to_string()],
        title: "US keeps sanctions on Turkey's defence agency over S-400".to_string(),
        link: Some(
            "https://www.reuters.com/world/us-sanctions-turkey-s400-2026-11-20/".to_string(),
        ),
        guid: None,
        published: Some(at(2026, 11, 20, 18, 2)),
        matched_at: at(2026, 11, 20, 18, 10),
        matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
        snippet: snippet(
            "Washington will keep CAATSA sanctions on Turkey's defence industry agency as \
             long as Ankara holds the S-400.",
            &["Turkey", "S-400"],
        ),
    };
    let second_batch = StoryEntry {
        matches: vec![
            MatchRecord {
                id: 12,
                item: 12,
                story: Some(2),
                watchlist: "turkey-s400".to_string(),
                feed: "Wire briefs".to_string(),
                feeds: vec!["Wire briefs".to_string()],
                title: "Ankara and Moscow discuss second S-400 batch".to_string(),
                // A feed that gives no link: the title must show, unlinked.
                link: None,
                guid: Some("urn:wire:4471".to_string()),
                // No published date either: the report is placed and dated by
                // matched_at.
                published: None,
                matched_at: at(2026, 11, 21, 11, 15),
                matched_terms: vec!["S-400".to_string()],
                snippet: snippet(
                    "Officials met in Moscow to discuss delivery of a second S-400 batch.",
                    &["S-400"],
                ),
            },
            MatchRecord {
                id: 16,
                item: 16,
                story: Some(2),
                watchlist: "turkey-s400".to_string(),
                feed: "Daily Sabah".to_string(),
                feeds: vec!["Daily Sabah".to_string()],
                title: "Ankara and Moscow near deal on second S-400 batch".to_string(),
                link: Some(
                    "https://www.dailysabah.com/politics/diplomacy/second-s400-batch".to_string(),
                ),
                guid: None,
                published: Some(at(2026, 11, 21, 8, 10)),
                matched_at: at(2026, 11, 21, 8, 25),
                matched_terms: vec!["S-400".to_string(), "Turkey".to_string()],
                snippet: snippet(
                    "Turkey and Russia are close to agreeing on the delivery of a second \
                     S-400 batch, a senior official said.",
                    &["Turkey", "S-400"],
                ),
            },
        ],
        // Sent on Tuesday by TASS and the wire; the wire's new report is not a new
        // outlet, Daily Sabah is.
        earlier: Some(EarlierCoverage {
            first_sent: at(2026, 11, 17, 7, 0),
            headline: "Russia ready to deliver second S-400 batch to Turkey, TASS reports"
                .to_string(),
            link: Some("https://tass.com/defense/2026-11-16-s400".to_string()),
            outlets: vec!["TASS".to_string(), "Wire briefs".to_string()],
        }),
    };
    let f35 = vec![
        MatchRecord {
            id: 10,
            item: 10,
            story: None,
            watchlist: "f35".to_string(),
            feed: "Breaking Defense".to_string(),
            feeds: vec!["Breaking Defense".to_string()],
            title: "Lockheed delivers 100th F-35 of the year".to_string(),
            link: Some("https://breakingdefense.com/2026/11/lockheed-100th-f35/".to_string()),
            guid: None,
            published: Some(at(2026, 11, 19, 22, 45)),
            matched_at: at(2026, 11, 20, 6, 0),
            matched_terms: vec!["F-35".to_string()],
            snippet: snippet(
                "Lockheed Martin handed over its 100th F-35 of 2026 this week.",
                &["F-35"],
            ),
        },
        MatchRecord {
            id: 13,
            item: 13,
            story: None,
            watchlist: "f35".to_string(),
            feed: "Hürriyet Daily News".to_string(),
            feeds: vec!["Hürriyet Daily News".to_string()],
            title: "Türkiye’s F-35 return: Ankara’s talks with Washington resume".to_string(),
            link: Some("https://www.hurriyetdailynews.com/turkiyes-f-35-return-210876".to_string()),
            guid: None,
            published: Some(at(2026, 11, 21, 7, 5)),
            matched_at: at(2026, 11, 21, 7, 20),
            matched_terms: vec!["F-35".to_string(), "Türkiye".to_string()],
            snippet: snippet(
                "Türkiye’s defence minister said talks on rejoining the F-35 programme \
                 resumed in Washington this week.",
                &["Türkiye", "F-35"],
            ),
        },
    ];
    DigestView {
        name: "Morning brief".to_string(),
        generated_at: at(2026, 11, 21, 14, 5),
        timezone: chrono_tz::Europe::Istanbul,
        max_stories: None,
        sections: vec![
            Section {
                watchlist: "turkey-s400".to_string(),
                // The follow-up is listed first and is the newest of the three: it is
                // still shown after the new stories.
                stories: vec![second_batch, single(sanctions), radars],
            },
            Section {
                watchlist: "f35".to_string(),
                stories: singles(f35),
            },
        ],
        covered: vec!["turkey-s400".to_string(), "f35".to_string()],
        feed_problems: vec![
            FeedProblem {
                feed: "Defence wire".to_string(),
                kind: ProblemKind::Failing,
                detail: "since 12 Nov, HTTP 404 Not Found".to_string(),
            },
            FeedProblem {
                feed: "Ankara desk".to_string(),
                kind: ProblemKind::Failing,
                detail: "since 13 Nov, timed out after 30s".to_string(),
            },
            FeedProblem {
                feed: "Gulf monitor".to_string(),
                kind: ProblemKind::Moved,
                detail: "now polled at \
                         https://gulf.example/syndication/security-and-defence/rss.xml?format=full"
                    .to_string(),
            },
        ],
    }
}

/// Compares with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead.
fn check_golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with UPDATE_GOLDEN=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the rendered output from line {}:\n expected: {:?}\n   actual: {:?}\n\
             if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff",
            path.display(),
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line),
        );
    }
}

/// The golden digest's new stories, as an alert would get them: follow-ups and the
/// older F-35 story dropped. Its feed problems stay, to show that alerts leave them out.
fn alert_view() -> DigestView {
    let mut v = golden_view();
    for section in &mut v.sections {
        section.stories.retain(|s| s.earlier.is_none());
    }
    v.sections[1].stories.retain(|s| s.matches[0].id == 13);
    v
}

/// Markup, script links and header injection in every field a feed or config fills.
fn hostile_view() -> DigestView {
    let mut scripted = record(1, "w", "<script>alert(1)</script>");
    scripted.link = Some("javascript:alert(1)".to_string());
    scripted.feed = "Smith & Sons".to_string();
    scripted.snippet = Snippet {
        text: "look <img src=x onerror=alert(1)> here".to_string(),
        highlights: vec![],
    };
    scripted.matched_terms = vec!["<b>bold</b>".to_string()];

    let mut quoted = record(2, "w", "Quotes");
    quoted.link = Some("https://example.com/a\"b<c".to_string());

    let mut data = record(3, "w", "Data");
    data.link = Some("data:text/html,<script>alert(2)</script>".to_string());

    DigestView {
        name: "<i>digest</i>".to_string(),
        generated_at: at(2026, 11, 21, 14, 5),
        timezone: chrono_tz::UTC,
        max_stories: None,
        sections: vec![Section {
            watchlist: "w<u>".to_string(),
            stories: singles(vec![scripted, quoted, data]),
        }],
        covered: vec!["w<u>".to_string()],
        feed_problems: vec![FeedProblem {
            feed: "<img src=x onerror=alert(3)>".to_string(),
            kind: ProblemKind::Failing,
            detail: "since 1 Nov, <b>HTTP 500</b>".to_string(),
        }],
    }
}

#[test]
fn golden_digest() {
    let rendered = render(&golden_view());
    assert_eq!(
        rendered.subject,
        "newshound: 4 new stories and 1 follow-up on 2 topics (turkey-s400, f35)"
    );
    assert_eq!(subject(&golden_view()), rendered.subject);
    check_golden("digest.txt", &rendered.text);
    check_golden("digest.html", &rendered.html);
}

#[test]
fn golden_alert() {
    let rendered = render_alert(&alert_view());
    assert_eq!(
        rendered.subject,
        "newshound alert: Turkey activates S-400 radars during NATO exercise and 2 more"
    );
    check_golden("alert.txt", &rendered.text);
    check_golden("alert.html", &rendered.html);
}

#[test]
fn alert_shows_stories_without_lists_terms_or_feed_problems() {
    let r = render_alert(&alert_view());
    for part in [&r.text, &r.html] {
        for absent in [
            "matched:",
            "Also:",
            "Turkish S-400 radars go live",
            "failing",
        ] {
            assert!(!part.contains(absent), "{absent:?} in:\n{part}");
        }
        assert!(part.contains("Defense News, Reuters World and 2 more · Sat 21 Nov"));
    }
    assert!(r.text.starts_with("newshound alert: Morning brief\n"));
    assert!(
        r.text
            .contains("\nUS keeps sanctions on Turkey's defence agency over S-400\n")
    );
    assert!(r.html.contains(">newshound alert</div>"));

    let mut one = alert_view();
    one.sections.truncate(1);
    one.sections[0].stories.retain(|s| s.matches[0].id == 11);
    assert_eq!(
        render_alert(&one).subject,
        "newshound alert: Turkey activates S-400 radars during NATO exercise"
    );
    let mut hostile = one.clone();
    let lead = &mut hostile.sections[0].stories[0].matches[0];
    lead.title = "<script>alert(1)</script>\r\nBcc: x@example.com".to_string();
    lead.link = Some("javascript:alert(1)".to_string());
    let r = render_alert(&hostile);
    assert_eq!(
        r.subject,
        "newshound alert: <script>alert(1)</script> Bcc: x@example.com"
    );
    assert!(!r.html.contains("<script") && !r.html.contains("javascript:"));
    assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Bcc"));
    assert_eq!(
        render_alert(&view(vec![])).subject,
        "newshound alert: no new stories"
    );
}

#[test]
fn hostile_content_is_escaped_in_html_and_verbatim_in_text() {
    let r = render(&hostile_view());

    for raw in [
        "<script",
        "javascript:",
        "data:",
        "a\"b<c",
        "Smith & Sons",
        "<img",
        "<b>",
        "<i>",
        "<u>",
    ] {
        assert!(!r.html.contains(raw), "HTML contains {raw:?}");
    }
    assert!(r.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(r.html.contains("Smith &amp; Sons"));
    assert!(r.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(r.html.contains("&lt;img src=x onerror=alert(3)&gt;"));
    assert!(r.html.contains("&lt;b&gt;HTTP 500&lt;/b&gt;"));
    assert!(r.html.contains("href=\"https://example.com/a%22b%3Cc\""));
    // Titles whose links were refused are shown, just not linked.
    assert!(!r.html.contains("href=\"javascript"));
    assert_eq!(r.html.matches("<a href=").count(), 1);

    for raw in [
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "https://example.com/a\"b<c",
        "Smith & Sons",
        "<img src=x onerror=alert(1)>",
        "matched: <b>bold</b>",
        "w<u>: 3 new stories",
        "<i>digest</i>",
    ] {
        assert!(r.text.contains(raw), "text lacks {raw:?}");
    }
}
