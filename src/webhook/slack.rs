//! A delivery as a Slack incoming-webhook message: a header block, and per story a section
//! (its linked headline, outlets and snippet) and a context line (matched terms, other
//! reports). `text` says the same in short, for notifications and for Discord's
//! Slack-compatible endpoint, which shows `text` rather than blocks.
//!
//! Every string from a feed is escaped (`&`, `<`, `>`), so a title cannot make a link,
//! mention `@channel` or break the markup; only http(s) links are linked, with `|` and
//! angle brackets percent-encoded in them. Texts are cut to Slack's limits (150
//! characters for a header, 3,000 for a section).

use serde_json::{Value, json};

use super::{Delivery, Story};
use crate::wording::{count, one_line_within};

/// Other reports named under a story at most.
const LISTED: usize = 5;

pub(super) fn message(delivery: &Delivery) -> Value {
    let mut blocks = vec![json!({
        "type": "header",
        "text": {"type": "plain_text", "text": one_line_within(&heading(delivery), 150)},
    })];
    for story in &delivery.stories {
        blocks.push(json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": section(story)},
        }));
        if let Some(context) = context(story) {
            blocks.push(json!({
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": context}],
            }));
        }
    }
    let lines: Vec<String> = delivery
        .stories
        .iter()
        .map(|s| format!("• {}", headline(s)))
        .collect();
    json!({
        "text": format!("{}\n{}", escape(&heading(delivery)), lines.join("\n")),
        "blocks": blocks,
        "unfurl_links": false,
        "unfurl_media": false,
    })
}

/// "newshound · s400: 2 new stories", "newshound · s400: follow-up".
fn heading(delivery: &Delivery) -> String {
    let mut lists: Vec<&str> = Vec::new();
    for story in &delivery.stories {
        if !lists.contains(&story.watchlist.as_str()) {
            lists.push(&story.watchlist);
        }
    }
    let fresh = delivery.stories.iter().filter(|s| !s.follow_up).count();
    let follow = delivery.stories.len() - fresh;
    let mut what = Vec::new();
    if fresh > 0 {
        what.push(count(fresh, "new story", "new stories"));
    }
    if follow > 0 {
        what.push(count(follow, "follow-up", "follow-ups"));
    }
    format!("newshound · {}: {}", lists.join(", "), what.join(", "))
}

/// The headline, linked when its link is http(s); "Follow-up:" before a follow-up's.
fn headline(story: &Story) -> String {
    let title = escape(&one_line_within(&story.headline, 250));
    let linked = match story.link.as_deref().and_then(safe_url) {
        Some(url) => format!("<{url}|{title}>"),
        None => title,
    };
    let label = if story.follow_up { "Follow-up: " } else { "" };
    format!("{label}{linked}")
}

fn section(story: &Story) -> String {
    let mut text = format!("*{}*", headline(story));
    let outlets = escape(&story.outlets.join(", "));
    let reports = count(story.items.len(), "report", "reports");
    text.push_str(&format!(
        "\n{outlets} · {reports} · {}",
        escape(&story.watchlist)
    ));
    if !story.snippet.is_empty() {
        text.push_str(&format!(
            "\n>{}",
            escape(&one_line_within(&story.snippet, 500))
        ));
    }
    // Cut on a character, not a byte, well within 3,000.
    cut(&text, 2900)
}

/// Matched terms, and the other reports of a new story (all of a follow-up's).
fn context(story: &Story) -> Option<String> {
    let mut parts = Vec::new();
    if !story.matched_terms.is_empty() {
        parts.push(format!(
            "matched: {}",
            escape(&story.matched_terms.join(", "))
        ));
    }
    let others = if story.follow_up {
        &story.items[..]
    } else {
        story.items.get(1..).unwrap_or_default()
    };
    let named: Vec<String> = others
        .iter()
        .take(LISTED)
        .map(|item| {
            let title = escape(&one_line_within(&item.title, 120));
            let title = match item.link.as_deref().and_then(safe_url) {
                Some(url) => format!("<{url}|{title}>"),
                None => title,
            };
            format!("{title} ({})", escape(&item.outlets.join(", ")))
        })
        .collect();
    if !named.is_empty() {
        let more = others.len().saturating_sub(LISTED);
        let more = if more > 0 {
            format!(" and {}", count(more, "more report", "more reports"))
        } else {
            String::new()
        };
        parts.push(format!("also: {}{more}", named.join("; ")));
    }
    (!parts.is_empty()).then(|| cut(&parts.join(" · "), 2900))
}

/// Slack's three characters of markup, escaped as it asks.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `url` fit to put inside `<…|…>`, if it is http(s).
fn safe_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(
        parsed
            .as_str()
            .replace('&', "&amp;")
            .replace('|', "%7C")
            .replace('<', "%3C")
            .replace('>', "%3E"),
    )
}

/// `text` cut to `max` characters, line breaks kept.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}
