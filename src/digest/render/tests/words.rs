//! Tests of the digest's wording: subjects, section headings, the digest with nothing new
//! and outlet summaries.

use super::*;
use crate::digest::render::words::outlet_summary;

#[test]
fn subject_counts_and_plurals() {
    let cases: Vec<(Vec<Section>, &str)> = vec![
        (
            vec![section("x", 1)],
            "newshound: 1 new story on 1 topic (x)",
        ),
        (
            vec![section("x", 2)],
            "newshound: 2 new stories on 1 topic (x)",
        ),
        (
            vec![section("a", 1), section("b", 1)],
            "newshound: 2 new stories on 2 topics (a, b)",
        ),
        (
            vec![section("a", 1), section("b", 2), section("c", 1)],
            "newshound: 4 new stories on 3 topics (a, b, c)",
        ),
        // Stories are counted, not the reports in them.
        (
            vec![Section {
                watchlist: "x".to_string(),
                stories: vec![story(vec![record(1, "x", "A"), record(2, "x", "B")])],
            }],
            "newshound: 1 new story on 1 topic (x)",
        ),
        (
            vec![Section {
                watchlist: "x".to_string(),
                stories: vec![follow_up(vec![record(1, "x", "A")], day(17), &[])],
            }],
            "newshound: 1 follow-up on 1 topic (x)",
        ),
        (
            vec![
                Section {
                    watchlist: "a".to_string(),
                    stories: vec![
                        follow_up(vec![record(1, "a", "A")], day(17), &[]),
                        follow_up(vec![record(2, "a", "B")], day(18), &[]),
                    ],
                },
                section("b", 1),
            ],
            "newshound: 1 new story and 2 follow-ups on 2 topics (a, b)",
        ),
        (
            vec![
                Section {
                    watchlist: "a".to_string(),
                    stories: vec![
                        single(record(1, "a", "A")),
                        follow_up(vec![record(2, "a", "B")], day(18), &[]),
                    ],
                },
                section("b", 2),
            ],
            "newshound: 3 new stories and 1 follow-up on 2 topics (a, b)",
        ),
        (
            vec![
                section("a", 1),
                section("b", 1),
                section("c", 1),
                section("d", 1),
            ],
            "newshound: 4 new stories on 4 topics (a, b, c and 1 more)",
        ),
        (
            vec![
                section("a", 1),
                section("b", 1),
                section("c", 1),
                section("d", 1),
                section("e", 3),
            ],
            "newshound: 7 new stories on 5 topics (a, b, c and 2 more)",
        ),
        // A watchlist with nothing new is neither counted nor named.
        (
            vec![section("a", 0), section("b", 1)],
            "newshound: 1 new story on 1 topic (b)",
        ),
        // So is one whose only story entry has no matches.
        (
            vec![
                Section {
                    watchlist: "a".to_string(),
                    stories: vec![story(vec![])],
                },
                section("b", 1),
            ],
            "newshound: 1 new story on 1 topic (b)",
        ),
        (vec![], "newshound: no new stories"),
        (vec![section("a", 0)], "newshound: no new stories"),
    ];
    for (sections, expected) in cases {
        assert_eq!(render(&view(sections)).subject, expected);
    }
}

#[test]
fn subject_stays_on_one_line() {
    let s = render(&view(vec![section("evil\r\nBcc: x@example.com", 1)])).subject;
    assert_eq!(
        s,
        "newshound: 1 new story on 1 topic (evil Bcc: x@example.com)"
    );
}

#[test]
fn section_heading_counts_stories() {
    let r = render(&view(vec![
        section("solo", 1),
        section("pair", 2),
        Section {
            watchlist: "mixed".to_string(),
            stories: vec![
                story(vec![record(1, "mixed", "A"), record(2, "mixed", "B")]),
                follow_up(vec![record(3, "mixed", "C")], day(18), &[]),
            ],
        },
        Section {
            watchlist: "later".to_string(),
            stories: vec![
                follow_up(vec![record(4, "later", "D")], day(18), &[]),
                follow_up(vec![record(5, "later", "E")], day(19), &[]),
            ],
        },
    ]));
    assert!(r.text.contains("solo: 1 new story\n=================\n"));
    assert!(r.text.contains("pair: 2 new stories\n"));
    assert!(r.text.contains("mixed: 1 new story and 1 follow-up\n"));
    assert!(r.text.contains("later: 2 follow-ups\n"));
    assert!(r.html.contains("· 1 new story</span>"));
    assert!(r.html.contains("· 2 new stories</span>"));
    assert!(r.html.contains("· 1 new story and 1 follow-up</span>"));
    assert!(r.html.contains("· 2 follow-ups</span>"));
}

#[test]
fn empty_digest_renders() {
    let r = render(&view(vec![]));
    assert!(
        r.text
            .contains("\nNo new stories\nGenerated Sat 21 Nov 2026 14:05 UTC\n")
    );
    assert!(r.html.contains("No new stories · generated"));
    assert!(r.html.ends_with("</html>\n"));
    assert!(
        r.text
            .contains("\nNo new coverage since the last digest. newshound keeps watching")
    );
}

#[test]
fn empty_digest_names_the_topics_it_covers() {
    let mut v = view(vec![section("quiet", 0)]);
    v.covered = vec!["turkey-s400".to_string(), "nato".to_string()];
    let r = render(&v);
    assert_eq!(r.subject, "newshound: no new stories on turkey-s400, nato");
    assert!(
        r.text.contains(
            "\n\nNo new coverage of turkey-s400 or nato since the last digest. newshound\n\
             keeps watching and will write when there is news.\n\n"
        ),
        "{}",
        r.text
    );
    assert!(
        r.html.contains(
            ">No new coverage of <strong>turkey-s400</strong> or <strong>nato</strong> \
             since the last digest."
        ),
        "{}",
        r.html
    );

    v.covered = ["a", "b<i>", " ", "c\r\nBcc: x@example.com", "d", "e"]
        .iter()
        .map(|w| w.to_string())
        .collect();
    let r = render(&v);
    assert_eq!(
        r.subject,
        "newshound: no new stories on a, b<i>, c Bcc: x@example.com and 2 more"
    );
    assert!(
        r.text
            .contains("No new coverage of a, b<i>, c Bcc: x@example.com, d or e since the last"),
        "{}",
        r.text
    );
    assert!(!r.html.contains("<i>"), "{}", r.html);
    assert!(r.html.contains("<strong>b&lt;i&gt;</strong>"), "{}", r.html);
}

#[test]
fn outlet_summary_names_three_at_most() {
    let cases = [
        (0, ""),
        (1, "O1"),
        (2, "O1 and O2"),
        (3, "O1, O2 and O3"),
        // Never "O1, O2, O3 and 1 more": the name fits where the count would.
        (4, "O1, O2 and 2 more"),
        (9, "O1, O2 and 7 more"),
    ];
    for (n, expected) in cases {
        let outlets: Vec<String> = (1..=n).map(|i| format!("O{i}")).collect();
        assert_eq!(outlet_summary(&outlets), expected, "{n} outlets");
    }
}
