//! Tests of the HTML part as a mail document: safe links only, nothing fetched from
//! elsewhere, a background with every text colour, and a layout that fits a phone.

use super::*;
use crate::digest::render::html::{WRAP, safe_href};

#[test]
fn only_absolute_http_urls_become_links() {
    let cases = [
        (
            "https://example.com/x?a=1&b=2",
            Some("https://example.com/x?a=1&b=2"),
        ),
        ("http://example.com", Some("http://example.com/")),
        ("  HTTPS://Example.COM/P  ", Some("https://example.com/P")),
        ("https://example.com/a b", Some("https://example.com/a%20b")),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("ht\ttp://example.com", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("ftp://example.com/file", None),
        ("mailto:a@example.com", None),
        ("/relative/path", None),
        ("//example.com/x", None),
        ("example.com", None),
        ("http:example.com", None),
        ("http://", None),
        ("", None),
    ];
    for (link, expected) in cases {
        assert_eq!(safe_href(link).as_deref(), expected, "{link:?}");
    }
}

/// The HTML of every kind of mail the module writes: the golden digest and alert, a
/// digest cut by `max_stories`, one with nothing new, and hostile input as both.
fn every_html() -> Vec<(&'static str, String)> {
    let mut capped = golden_view();
    capped.max_stories = Some(2);
    let mut empty = golden_view();
    empty.sections.clear();
    vec![
        ("digest", render(&golden_view()).html),
        ("alert", render_alert(&alert_view()).html),
        ("capped", render(&capped).html),
        ("empty", render(&empty).html),
        ("hostile digest", render(&hostile_view()).html),
        ("hostile alert", render_alert(&hostile_view()).html),
    ]
}

/// The opening tags of `html`, each as the text between `<` and `>`. Escaped text
/// holds no `<`, so anything a feed wrote stays out of these.
fn tags(html: &str) -> impl Iterator<Item = &str> {
    html.split('<')
        .skip(1)
        .filter(|t| !t.starts_with('/') && !t.starts_with('!'))
        .map(|t| &t[..t.find('>').unwrap_or(t.len())])
}

/// The value of `attr="…"` in a tag.
fn attr<'t>(tag: &'t str, attr: &str) -> Option<&'t str> {
    let at = tag.find(&format!(" {attr}=\""))? + attr.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

#[test]
fn html_is_a_self_contained_mail_document() {
    for (kind, html) in every_html() {
        assert!(html.starts_with("<!DOCTYPE html>\n"), "{kind}");
        assert!(html.ends_with("</html>\n"), "{kind}");
        for present in [
            "<meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"color-scheme\" content=\"light dark\">",
            "<meta name=\"supported-color-schemes\" content=\"light dark\">",
            "max-width:640px",
        ] {
            assert!(html.contains(present), "{kind} lacks {present:?}");
        }
        // No style sheets, scripts, images, frames or forms; nothing fetched from
        // elsewhere.
        for absent in [
            "<style", "<script", "<img", "<link", "<iframe", "<object", "<embed", "<form", "<base",
        ] {
            assert!(!html.contains(absent), "{kind} contains {absent:?}");
        }
        for tag in tags(&html) {
            for a in tag.split_whitespace().skip(1) {
                let a = a.to_lowercase();
                let refused = ["on", "class=", "src=", "background="];
                assert!(!refused.iter().any(|r| a.starts_with(r)), "{kind}: <{tag}>");
            }
            let style = attr(tag, "style").unwrap_or_default();
            assert!(
                !style.contains("url(") && !style.contains("@import"),
                "{kind}: <{tag}>"
            );
            if let Some(href) = attr(tag, "href") {
                assert!(
                    href.starts_with("https://") || href.starts_with("http://"),
                    "{kind}: <{tag}>"
                );
            }
        }
    }
}

#[test]
fn every_text_colour_comes_with_a_background() {
    for (kind, html) in every_html() {
        for tag in tags(&html) {
            let style = attr(tag, "style").unwrap_or_default();
            let sets_colour = style
                .split(';')
                .any(|decl| decl.trim_start().starts_with("color:"));
            if sets_colour {
                assert!(style.contains("background-color:"), "{kind}: <{tag}>");
            }
        }
    }
}

#[test]
fn html_fits_a_phone_and_wraps_long_words() {
    for (kind, html) in every_html() {
        // Outlook for Windows alone sees the conditional table, and alone needs its
        // fixed width.
        let mut outside_mso = String::new();
        for (i, piece) in html.split("<!--[if mso]>").enumerate() {
            let piece = match i {
                0 => piece,
                _ => &piece[piece.find("<![endif]-->").unwrap()..],
            };
            outside_mso.push_str(piece);
        }
        for tag in tags(&outside_mso) {
            if let Some(width) = attr(tag, "width") {
                assert_eq!(width, "100%", "{kind}: <{tag}>");
            }
            for decl in attr(tag, "style").unwrap_or_default().split(';') {
                let (name, value) = decl.split_once(':').unwrap_or_default();
                if matches!(name.trim(), "width" | "min-width") {
                    let px: u32 = value.trim().trim_end_matches("px").parse().unwrap();
                    assert!(px <= 320, "{kind}: <{tag}>");
                }
            }
        }
        // Every cell of the card can break a long word, links and URLs in text alike.
        for tag in tags(&html).filter(|t| t.starts_with("td style=")) {
            let style = attr(tag, "style").unwrap();
            if style.starts_with("padding:16px 8px;") {
                continue; // the page around the card
            }
            assert!(style.contains(WRAP), "{kind}: <{tag}>");
        }
    }
}
