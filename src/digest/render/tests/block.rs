//! Tests of how a story entry is worded: its outlets, reports, best snippet, follow-up
//! byline and report list.

use super::*;
use crate::digest::render::words::outlet_summary;

#[test]
fn a_story_names_its_outlets_in_order_of_first_appearance() {
    let r = render(&one_section(vec![story(vec![
        seen(3, &["Atalayar"], at(2026, 11, 21, 12, 0)),
        seen(1, &["Reuters", "Yahoo News"], at(2026, 11, 21, 9, 0)),
        seen(2, &["Yahoo News", "TASS"], at(2026, 11, 21, 10, 0)),
    ])]));
    let byline = "Reuters, Yahoo News and 2 more · Sat 21 Nov 2026 09:00–12:00 UTC";
    assert!(
        r.text.contains(&format!(
            "\nReport 1\n{byline}\nhttps://example.com/1\nmatched: term\nAlso:\n\
             - Yahoo News and TASS — Report 2\n  https://example.com/2\n\
             - Atalayar — Report 3\n  https://example.com/3\n"
        )),
        "{}",
        r.text
    );
    assert!(r.html.contains(&format!(">{byline}</div>")), "{}", r.html);
}

#[test]
fn an_article_seen_in_two_feeds_is_one_report_naming_both() {
    let t = at(2026, 11, 21, 9, 0);
    // As a story's only report, its byline names both feeds.
    let r = render(&one_section(vec![single(seen(
        1,
        &["Reuters", "Yahoo News"],
        t,
    ))]));
    assert!(
        r.text
            .contains("\nReport 1\nReuters and Yahoo News · Sat 21 Nov 2026 09:00 UTC\n"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Also:"), "{}", r.text);

    // Listed under another report's headline, its one line names both. Two matches of
    // the same item are one report too.
    let mut twin = seen(3, &["Yahoo News", "AP"], at(2026, 11, 21, 11, 0));
    twin.item = 2;
    let r = render(&one_section(vec![story(vec![
        seen(1, &["Defense News"], t),
        seen(2, &["Reuters", "Yahoo News"], at(2026, 11, 21, 10, 0)),
        twin,
    ])]));
    assert!(
        r.text
            .contains("Also:\n- Reuters, Yahoo News and AP — Report 2\n  https://example.com/2\n"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("Report 3"), "{}", r.text);
    assert!(
        r.html
            .contains(">Reuters, Yahoo News and AP</span> — <a href=\"https://example.com/2\""),
        "{}",
        r.html
    );
    // The twin's later match still counts as the story's latest news.
    assert!(
        r.text.contains("Sat 21 Nov 2026 09:00–11:00 UTC"),
        "{}",
        r.text
    );
}

#[test]
fn best_snippet_has_most_terms_ties_to_the_earliest() {
    let report = |id, outlet, hour, terms: &[&str], text: &str| {
        let mut m = seen(id, &[outlet], at(2026, 11, 21, hour, 0));
        m.matched_terms = terms.iter().map(|t| t.to_string()).collect();
        m.snippet = snippet(text, terms);
        m
    };
    let lead = report(1, "A", 8, &["x"], "first x");
    let most = report(2, "B", 9, &["x", "y"], "second x y");
    let tie = report(3, "C", 10, &["y", "x"], "third y x");
    let mut empty = report(4, "D", 11, &[], "");
    empty.matched_terms = ["x", "y", "z"].iter().map(|t| t.to_string()).collect();

    let r = render(&one_section(vec![story(vec![
        tie.clone(),
        empty,
        lead.clone(),
        most.clone(),
    ])]));
    // Not the headline's own snippet: it says whose it is.
    assert!(r.text.contains("\nB: second *x* *y*\n"), "{}", r.text);
    assert!(!r.text.contains("first x") && !r.text.contains("third"));
    assert!(r.html.contains(">B:</span> second <strong"), "{}", r.html);
    // Terms of every report, first seen first.
    assert!(r.text.contains("\nmatched: x, y, z\n"), "{}", r.text);

    // The headline's own snippet needs no attribution; a tie goes to it.
    let mut lead = lead;
    lead.matched_terms = vec!["y".to_string(), "x".to_string()];
    lead.snippet = snippet("first x y", &["x", "y"]);
    let r = render(&one_section(vec![story(vec![most, lead, tie])]));
    assert!(r.text.contains("\nfirst *x* *y*\n"), "{}", r.text);
    assert!(!r.text.contains("second"), "{}", r.text);

    // Nothing to show: no snippet line at all.
    let mut bare = seen(1, &["A"], at(2026, 11, 21, 8, 0));
    bare.snippet = Snippet {
        text: " \u{7} ".to_string(),
        highlights: vec![],
    };
    let r = render(&one_section(vec![single(bare)]));
    assert!(
        r.text
            .contains("\nhttps://example.com/1\nmatched: term\n\nThis is"),
        "{}",
        r.text
    );
    assert!(!r.html.contains("font-size:15px"), "{}", r.html);
}

#[test]
fn follow_up_counts_new_outlets_else_reports() {
    // The outlets sent before; each new report's feeds; what the byline says.
    type Case = (
        &'static [&'static str],
        Vec<&'static [&'static str]>,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (&["A"], vec![&["A"], &["B"], &["C", "D"]], "3 more outlets"),
        (&["A"], vec![&["A"], &["B"]], "1 more outlet"),
        (&[], vec![&["A"]], "1 more outlet"),
        // Outlets already named, written again: the reports are the news.
        (&["A", "B"], vec![&["B"]], "1 more report"),
        (&["A", "B"], vec![&["A"], &["B", "A"]], "2 more reports"),
        // Names are compared as shown.
        (&[" A\n"], vec![&["A"]], "1 more report"),
    ];
    for (before, feeds, more) in cases {
        let matches = feeds
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let mut m = seen(i as i64 + 1, f, at(2026, 11, 21, 9 + i as u32, 0));
                m.snippet = snippet("text", &[]);
                m
            })
            .collect();
        let r = render(&one_section(vec![follow_up(matches, day(17), before)]));
        let span = match feeds.len() {
            1 => "Sat 21 Nov 2026 09:00 UTC".to_string(),
            n => format!("Sat 21 Nov 2026 09:00–{}:00 UTC", 8 + n),
        };
        let head = format!(
            "\nFollow-up: Earlier headline\n{more} since Tuesday · {span}\n\
             https://example.com/earlier\n"
        );
        assert!(r.text.contains(&head), "{before:?} {feeds:?}:\n{}", r.text);
        assert!(
            r.html
                .contains(&format!(">{more} since Tuesday · {span}</div>")),
            "{}",
            r.html
        );
        assert!(
            r.html
                .contains(">Follow-up:</span> <a href=\"https://example.com/earlier\""),
            "{}",
            r.html
        );
        // Every new report is listed, the first one too, and the snippet says whose
        // it is.
        let first = outlet_summary(&feeds[0].iter().map(|f| f.to_string()).collect::<Vec<_>>());
        assert!(
            r.text
                .contains(&format!("New reports:\n- {first} — Report 1\n")),
            "{}",
            r.text
        );
        assert!(r.text.contains(&format!("\n{first}: text\n")), "{}", r.text);
    }
}

#[test]
fn a_story_lists_five_reports_at_most() {
    let reports = |n: usize| -> Vec<MatchRecord> {
        (1..=n)
            .map(|i| seen(i as i64, &[&format!("O{i}")], at(2026, 11, 21, i as u32, 0)))
            .collect()
    };
    let listed = |text: &str| text.lines().filter(|l| l.starts_with("- ")).count();

    let r = render(&one_section(vec![story(reports(6))]));
    assert_eq!(listed(&r.text), 5, "{}", r.text);
    assert!(!r.text.contains("more report"), "{}", r.text);

    let r = render(&one_section(vec![story(reports(7))]));
    assert_eq!(listed(&r.text), 4, "{}", r.text);
    assert!(
        r.text
            .contains("- O5 — Report 5\n  https://example.com/5\n  and 2 more reports\n"),
        "{}",
        r.text
    );
    assert!(r.html.contains(">and 2 more reports</div>"), "{}", r.html);

    let r = render(&one_section(vec![follow_up(reports(6), day(17), &[])]));
    assert_eq!(listed(&r.text), 4, "{}", r.text);
    assert!(r.text.contains("  and 2 more reports\n"), "{}", r.text);
    assert!(
        r.text.contains("6 more outlets since Tuesday"),
        "{}",
        r.text
    );
}

#[test]
fn hostile_outlets_and_earlier_coverage_are_escaped() {
    let t = at(2026, 11, 21, 9, 0);
    let mut lead = seen(
        1,
        &["<script>x</script>", "Smith & Sons\r\nBcc: y@example.com"],
        t,
    );
    lead.snippet = snippet("lead text", &[]);
    let mut other = seen(2, &["<b>B</b>"], at(2026, 11, 21, 10, 0));
    other.title = "<img src=x onerror=alert(1)>".to_string();
    other.link = Some("javascript:alert(1)".to_string());
    other.matched_terms = vec!["term".to_string(), "more".to_string()];
    other.snippet = snippet("other text", &[]);
    let mut later = seen(3, &["\"Q\" <em>"], t);
    later.link = Some("data:text/html,<script>alert(2)</script>".to_string());
    later.snippet = snippet("text", &[]);
    let mut earlier = follow_up(vec![later], day(17), &["<u>U</u>"]);
    let before = earlier.earlier.as_mut().unwrap();
    before.headline = "<i>old</i>\nBcc: z@example.com".to_string();
    before.link = Some("javascript:alert(3)".to_string());
    let r = render(&one_section(vec![story(vec![lead, other]), earlier]));

    for raw in [
        "<script",
        "<b>",
        "<img",
        "<em>",
        "<i>",
        "Smith & Sons",
        "javascript:",
        "data:",
    ] {
        assert!(!r.html.contains(raw), "HTML contains {raw:?}");
    }
    for escaped in [
        "&lt;script&gt;x&lt;/script&gt;, Smith &amp; Sons Bcc: y@example.com and \
         &lt;b&gt;B&lt;/b&gt; ·",
        "&lt;b&gt;B&lt;/b&gt;:</span> other text",
        ">&lt;b&gt;B&lt;/b&gt;</span> — &lt;img src=x onerror=alert(1)&gt;</div>",
        "&lt;i&gt;old&lt;/i&gt; Bcc: z@example.com</div>",
        "\"Q\" &lt;em&gt;",
    ] {
        assert!(
            r.html.contains(escaped),
            "HTML lacks {escaped:?}:\n{}",
            r.html
        );
    }
    // Only the lead's link is safe to follow.
    assert_eq!(r.html.matches("<a href=").count(), 1, "{}", r.html);

    // The text part shows it all as written, but on the lines it belongs to.
    for line in [
        "<script>x</script>, Smith & Sons Bcc: y@example.com and <b>B</b> · Sat 21 \
         Nov 2026 09:00–10:00 UTC",
        "- <b>B</b> — <img src=x onerror=alert(1)>",
        "  javascript:alert(1)",
        "Follow-up: <i>old</i> Bcc: z@example.com",
        "\"Q\" <em>: text",
    ] {
        assert!(
            r.text.contains(&format!("\n{line}\n")) || wrapped(&r.text).contains(line),
            "text lacks {line:?}:\n{}",
            r.text
        );
    }
    assert!(!r.text.lines().any(|l| l.starts_with("Bcc:")), "{}", r.text);
}

/// The text with wrapped lines joined again, to look for a long line's words.
fn wrapped(text: &str) -> String {
    text.lines().collect::<Vec<_>>().join(" ")
}
