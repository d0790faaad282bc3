//! Tests of which stories are shown, in what order, and what `max_stories` leaves out.

use super::*;

#[test]
fn new_stories_newest_first_then_follow_ups() {
    let text = render(&golden_view()).text;
    let order = [
        "Turkey activates",    // latest report published 12:40
        "Turkish S-400",       // its other reports, in the order published
        "Turquía enciende",    //
        "US keeps sanctions",  // published 20 Nov
        "Follow-up: Russia",   // a follow-up, though its news is from today
        "Ankara and Moscow n", // published 08:10
        "Ankara and Moscow d", // matched 11:15, no published date
        "Türkiye’s F-35",      // next section: published 21 Nov 07:05
        "Lockheed delivers",   // published 19 Nov
    ];
    let positions: Vec<usize> = order.iter().map(|t| text.find(t).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn stories_tie_on_time_by_newest_match() {
    let t = at(2026, 11, 21, 9, 0);
    let r = render(&one_section(vec![
        single(seen(4, &["A"], t)),
        story(vec![seen(2, &["A"], t), seen(7, &["A"], t)]),
        single(seen(5, &["A"], t)),
    ]));
    let order: Vec<usize> = ["\nReport 2\n", "\nReport 5\n", "\nReport 4\n"]
        .iter()
        .map(|h| r.text.find(h).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", r.text);
}

#[test]
fn max_stories_takes_turns_across_sections() {
    let mut nato = section("nato", 38);
    // Listed first, shown after nato's new stories, and left out before them.
    nato.stories.insert(
        0,
        follow_up(vec![record(100, "nato", "Old news")], day(18), &[]),
    );
    nato.stories.insert(
        0,
        follow_up(vec![record(101, "nato", "Older news")], day(17), &[]),
    );
    let mut v = view(vec![nato, section("erdogan", 8), section("tiny", 1)]);
    v.max_stories = Some(10);
    let r = render(&v);
    // The subject counts every story, shown or not.
    assert_eq!(
        r.subject,
        "newshound: 47 new stories and 2 follow-ups on 3 topics (nato, erdogan, tiny)"
    );
    let shown = |watchlist: &str| {
        r.text
            .split(&format!("\n{watchlist}: "))
            .nth(1)
            .unwrap()
            .split("\n\n")
            .skip(1)
            .take_while(|b| !b.contains("\n===="))
            .filter(|b| b.starts_with("Item ") || b.starts_with("Follow-up:"))
            .count()
    };
    // Turns: each section one story per round, so nato 5, erdogan 4, tiny 1.
    assert_eq!(
        [shown("nato"), shown("erdogan"), shown("tiny")],
        [5, 4, 1],
        "{}",
        r.text
    );
    assert!(!r.text.contains("Old news") && !r.text.contains("Older news"));
    let top = "Showing 10 of 49 stories; 39 more next time: nato 35, erdogan 4";
    assert!(
        r.text
            .contains(&format!("Generated Sat 21 Nov 2026 14:05 UTC\n{top}\n")),
        "{}",
        r.text
    );
    assert!(r.html.contains(&format!(">{top}</div>")), "{}", r.html);
    // Headings count every story; the section's last line says what it left out.
    assert!(r.text.contains("\nnato: 38 new stories and 2 follow-ups\n"));
    assert!(
        r.text
            .contains("\n35 more stories on nato next time\n\nerdogan: "),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("\n4 more stories on erdogan next time\n\ntiny: ")
    );
    assert!(!r.text.contains("more stories on tiny"));
    assert!(
        r.html
            .contains(">35 more stories on nato next time</td></tr>")
    );
    assert!(
        r.html
            .contains(">4 more stories on erdogan next time</td></tr>")
    );
    // Only the shown stories count as sent: 10 entries, one match each.
    let shown = shown_matches(&v);
    assert_eq!(shown.len(), 10);
    assert!(
        !shown.contains(&100) && !shown.contains(&101),
        "follow-ups left out"
    );

    // A section can lose every story, and one story is singular.
    v.max_stories = Some(1);
    let r = render(&v);
    assert!(r.text.contains("\n8 more stories on erdogan next time\n"));
    assert!(
        r.text.contains("\n1 more story on tiny next time\n"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("Showing 1 of 49 stories; 48 more next time: nato 39, erdogan 8, tiny 1\n")
    );

    // Room for all: nothing is said about leaving out.
    for max in [None, Some(49), Some(100)] {
        v.max_stories = max;
        let r = render(&v);
        assert!(!r.text.contains("Showing") && !r.text.contains(" more stor"));
        assert!(r.text.contains("Older news"), "{max:?}");
        assert_eq!(shown_matches(&v).len(), 49);
    }
}
