//! Tests of a watchlist's Atom feed: one entry per grouped story with a lasting id, its
//! `updated` the latest coverage's, newest first and capped, and hostile text escaped.

use super::*;

fn meta() -> FeedMeta {
    FeedMeta {
        id: "urn:newshound:watchlist:w".to_string(),
        title: "newshound: w".to_string(),
        self_href: "http://127.0.0.1/watchlists/w.atom".to_string(),
        subtitle: "Stories matching w".to_string(),
        changed: None,
    }
}

/// `seen` grouped into `story`, matched at `matched`.
fn grouped(id: i64, story: i64, published: DateTime<Utc>, matched: DateTime<Utc>) -> MatchRecord {
    let mut m = seen(id, &["Wire"], published);
    m.story = Some(story);
    m.matched_at = matched;
    m
}

#[test]
fn a_story_is_one_entry_updated_when_coverage_joins_it() {
    let view = one_section(vec![
        // Story 7: reported at 09:00, matched at 09:05; a second report matched at 15:00.
        story(vec![
            grouped(1, 7, at(2026, 11, 21, 9, 0), at(2026, 11, 21, 9, 5)),
            grouped(3, 7, at(2026, 11, 20, 23, 0), at(2026, 11, 21, 15, 0)),
        ]),
        single(grouped(
            2,
            8,
            at(2026, 11, 21, 11, 0),
            at(2026, 11, 21, 11, 1),
        )),
        // Not grouped yet: no lasting id, so not in the feed.
        single(seen(4, &["Wire"], at(2026, 11, 21, 16, 0))),
    ]);
    let atom = atom(&view, &meta(), 10);
    assert_eq!(atom.entries, 2);
    let x = &atom.xml;
    let first = x.find(":story:7</id>").expect("story 7");
    let second = x.find(":story:8</id>").expect("story 8");
    assert!(first < second, "the story updated last comes first:\n{x}");
    assert!(x.contains("<updated>2026-11-21T15:00:00Z</updated>"), "{x}");
    // Published: its earliest report.
    assert!(
        x.contains("<published>2026-11-20T23:00:00Z</published>"),
        "{x}"
    );
    assert_eq!(atom.updated, at(2026, 11, 21, 15, 0));
    assert!(!x.contains("Report 4"), "{x}");

    let capped = super::atom(&view, &meta(), 1);
    assert_eq!(capped.entries, 1);
    assert!(capped.xml.contains(":story:7</id>"));

    // A feed is never older than the last change of what it covers.
    let edited = FeedMeta {
        changed: Some(at(2026, 11, 22, 8, 0)),
        ..meta()
    };
    let feed = super::atom(&view, &edited, 10);
    assert_eq!(feed.updated, at(2026, 11, 22, 8, 0));
    assert!(
        feed.xml
            .contains("<updated>2026-11-22T08:00:00Z</updated>\n  <link"),
        "{}",
        feed.xml
    );
}

#[test]
fn hostile_text_is_escaped_and_characters_xml_cannot_carry_are_dropped() {
    let mut m = grouped(1, 1, day(21), day(21));
    m.title = "<b>S-400</b> & \u{1}\u{FFFF}co".to_string();
    m.link = Some("javascript:alert(1)".to_string());
    m.snippet = snippet("Ankara <script>x</script> S-400", &["S-400"]);
    let atom = atom(&one_section(vec![single(m)]), &meta(), 10);
    let x = &atom.xml;
    assert!(
        x.contains("<title>&lt;b&gt;S-400&lt;/b&gt; &amp; co</title>"),
        "{x}"
    );
    assert!(!x.contains("<link rel=\"alternate\""), "{x}");
    assert!(!x.contains('\u{1}') && !x.contains('\u{FFFF}'));
    // The content is HTML escaped once as HTML and once more as XML text.
    assert!(x.contains("&amp;lt;script&amp;gt;"), "{x}");
    assert!(
        x.contains("&lt;strong&gt;S-400&lt;/strong&gt;"),
        "the matched term in bold: {x}"
    );
}
