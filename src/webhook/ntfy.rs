//! A delivery as one ntfy notification, published as JSON (`topic`, `title`, `message`,
//! `click`, `tags`) to the root of the server the configured topic URL names: JSON keeps
//! titles in any script intact, where ntfy's `X-Title` header would need encoding. A
//! message of one story carries its outlets and snippet; of several, a line per story.
//! ntfy turns messages over 4,096 bytes into attachments, so the message stays below.

use serde_json::{Value, json};
use url::Url;

use super::{Delivery, Story};
use crate::wording::{count, one_line_within};

/// Bytes of message at most (ntfy's limit is 4,096).
const MAX_MESSAGE: usize = 3500;

/// The topic of an ntfy URL: its last path segment (`https://ntfy.sh/my-alerts`).
pub fn ntfy_topic(url: &Url) -> Option<String> {
    url.path_segments()?
        .rev()
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// Where JSON is published: the topic URL without its topic. Its query stays (ntfy takes
/// `?auth=` for a server that needs a login).
pub(super) fn publish_url(url: &Url) -> Url {
    let mut publish = url.clone();
    let topic = ntfy_topic(url).unwrap_or_default();
    let path = url.path().trim_end_matches('/');
    let base = path.strip_suffix(topic.as_str()).unwrap_or(path);
    publish.set_path(if base.is_empty() { "/" } else { base });
    publish
}

pub(super) fn message(url: &Url, delivery: &Delivery) -> Value {
    let stories = &delivery.stories;
    let lists = {
        let mut lists: Vec<String> = Vec::new();
        for s in stories {
            if !lists.contains(&s.watchlist) {
                lists.push(s.watchlist.clone());
            }
        }
        lists
    };
    let (title, message) = match stories.as_slice() {
        [one] => (
            format!("{}: {}", lists.join(", "), label(one)),
            one_story(one),
        ),
        many => (
            format!(
                "{}: {}",
                lists.join(", "),
                count(many.len(), "story", "stories")
            ),
            many.iter()
                .map(|s| format!("• {} ({})", label(s), s.outlets.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    };
    let mut tags = vec!["newspaper".to_string()];
    tags.extend(lists);
    let mut body = json!({
        "topic": ntfy_topic(url).unwrap_or_default(),
        "title": one_line_within(&title, 250),
        "message": within_bytes(&message, MAX_MESSAGE),
        "tags": tags,
    });
    let click = stories
        .iter()
        .find_map(|s| s.link.as_deref())
        .filter(|l| l.starts_with("https://") || l.starts_with("http://"));
    if let Some(click) = click {
        body["click"] = json!(click);
    }
    body
}

fn label(story: &Story) -> String {
    let headline = one_line_within(&story.headline, 200);
    if story.follow_up {
        format!("Follow-up: {headline}")
    } else {
        headline
    }
}

fn one_story(story: &Story) -> String {
    let mut text = format!(
        "{} · {}",
        story.outlets.join(", "),
        count(story.items.len(), "report", "reports")
    );
    if !story.snippet.is_empty() {
        text.push_str("\n\n");
        text.push_str(&story.snippet);
    }
    text
}

/// `text` cut on a character boundary to at most `max` bytes, with an ellipsis.
fn within_bytes(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}
