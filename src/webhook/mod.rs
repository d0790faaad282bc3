//! Webhooks: what one POST to a `[[webhooks]]` receiver carries, in each format, how its
//! body is signed, and ([`post`]) how it is sent and its answer read. Pure but for `post`:
//! the daemon gathers the stories, queues the bytes in the outbox and sends them.
//!
//! A delivery carries one or more stories (at most [`MAX_STORIES`]), each folded once
//! ([`story`]) from the matches the store recorded, then written out by the format:
//! - `json`: newshound's own schema, the [`Delivery`] as it is serialised (below);
//! - `slack`: an incoming webhook's `blocks`, with a plain `text` for notifications and
//!   for Discord's Slack-compatible endpoint, every feed-supplied string escaped;
//! - `ntfy`: one notification published as JSON (title, message, click, tags) to the
//!   server the topic's URL names.
//!
//! # The JSON schema (version 1)
//! ```text
//! { "version": 1,
//!   "id": "…",                     the delivery's idempotency key, as in Idempotency-Key
//!   "webhook": "newsroom",
//!   "created_at": "2026-11-21T08:00:00Z",
//!   "stories": [
//!     { "watchlist": "s400",
//!       "story_id": 42,             stable; null only for a match not grouped yet
//!       "follow_up": false,         true: an earlier delivery carried this story
//!       "first_sent_at": null,      for a follow-up, when the story was first delivered
//!       "headline": "…", "link": "https://…" or null,
//!       "outlets": ["wire", "review"],
//!       "matched_terms": ["S-400", "Turkey"],
//!       "snippet": "…",
//!       "items": [ { "title": "…", "link": "…", "outlets": ["wire"],
//!                    "published_at": "…" or null, "matched_at": "…",
//!                    "matched_terms": ["S-400"], "snippet": "…" } ] } ] }
//! ```
//! A follow-up's headline and link are the story's as first delivered; its items are
//! the new ones only.

mod ntfy;
pub mod post;
mod sign;
mod slack;
pub mod story;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::config::WebhookFormat;
pub use ntfy::ntfy_topic;
pub use sign::{SIGNATURE_HEADER, signature};
pub use story::{Story, StoryItem};

/// Stories in one delivery at most: Slack takes 50 blocks in a message, and a story takes
/// two. More new stories make more deliveries, in order.
pub const MAX_STORIES: usize = 20;

/// What one POST carries.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub version: u32,
    /// The idempotency key.
    pub id: String,
    pub webhook: String,
    pub created_at: DateTime<Utc>,
    pub stories: Vec<Story>,
}

impl Delivery {
    pub fn new(webhook: &str, id: String, created_at: DateTime<Utc>, stories: Vec<Story>) -> Self {
        Delivery {
            version: 1,
            id,
            webhook: webhook.to_string(),
            created_at,
            stories,
        }
    }

    /// One line for `newshound outbox` and the log: "2 stories: <first headline>".
    pub fn summary(&self) -> String {
        let first = self
            .stories
            .first()
            .map(|s| s.headline.as_str())
            .unwrap_or("");
        let n = self.stories.len();
        let text = match n {
            1 => first.to_string(),
            _ => format!("{}: {first}", crate::wording::count(n, "story", "stories")),
        };
        crate::wording::one_line_within(&text, 120)
    }
}

/// `delivery` in `format`: the JSON bytes the outbox stores and sends on every attempt
/// (every format is JSON).
pub fn body(format: WebhookFormat, url: &Url, delivery: &Delivery) -> Vec<u8> {
    let bytes = match format {
        WebhookFormat::Json => serde_json::to_vec(delivery),
        WebhookFormat::Slack => serde_json::to_vec(&slack::message(delivery)),
        WebhookFormat::Ntfy => serde_json::to_vec(&ntfy::message(url, delivery)),
    };
    bytes.unwrap_or_default()
}

/// Where the POST goes: the configured URL, except for ntfy, whose JSON publishing is
/// to the server's root (the topic is in the body).
pub fn target(format: WebhookFormat, url: &Url) -> Url {
    match format {
        WebhookFormat::Ntfy => ntfy::publish_url(url),
        _ => url.clone(),
    }
}

/// A new idempotency key: a random UUID (version 4), the form receivers expect.
pub fn new_key() -> String {
    let n = fastrand::u128(..);
    let n = (n & !(0xf << 76)) | (0x4 << 76); // version 4
    let n = (n & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
    let hex = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests;
