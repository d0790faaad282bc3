//! Sending a body to a webhook, and what its answer means for the delivery: a 2xx
//! delivered it; a timeout, a connection error, 408, 429 or a 5xx is worth another try
//! later (after the `Retry-After` the receiver asked for, if any); any other answer
//! (another 4xx, a redirect) refuses it for good. The one part of [`super`] that does I/O,
//! as `digest::send` is for mail.
//!
//! Redirects are not followed: a 301 or 302 would turn the POST into a GET, and the body
//! and signature must reach the URL they were meant for. Errors never carry the URL (its
//! path may be the credential), and custom header values go out marked sensitive.

use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue, RETRY_AFTER};

use super::{SIGNATURE_HEADER, signature, target};
use crate::config::WebhookSettings;
use crate::feed::fetch::{chain, retry_after};
use crate::wording::one_line_within;

/// Bytes of an answer's body read at most, for its excerpt.
const MAX_ANSWER: usize = 16 * 1024;
/// Characters of an answer's body shown.
const EXCERPT: usize = 200;

/// Sends webhook requests; cheap to clone.
#[derive(Debug, Clone)]
pub struct Poster {
    client: reqwest::Client,
}

/// The receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The start of its body, on one line.
    pub excerpt: String,
    /// From `Retry-After`, if it said.
    pub retry_after: Option<Duration>,
}

/// What an attempt means for the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again later: after `after` if the receiver said, else with backoff.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Refused for good.
    Refused(String),
}

impl Answer {
    /// "HTTP 410 Gone: no such hook".
    pub fn describe(&self) -> String {
        let status = StatusCode::from_u16(self.status).ok();
        let reason = status.and_then(|s| s.canonical_reason()).unwrap_or("");
        let mut text = format!("HTTP {} {reason}", self.status).trim().to_string();
        if !self.excerpt.is_empty() {
            text.push_str(": ");
            text.push_str(&self.excerpt);
        }
        text
    }

    pub fn outcome(&self) -> Outcome {
        match self.status {
            200..=299 => Outcome::Delivered,
            408 | 429 | 500..=599 => Outcome::Retry {
                reason: self.describe(),
                after: self.retry_after,
            },
            300..=399 => Outcome::Refused(format!(
                "{} (redirects are not followed: configure the URL it points to)",
                self.describe()
            )),
            _ => Outcome::Refused(self.describe()),
        }
    }
}

impl Poster {
    pub fn new(user_agent: &str) -> Result<Poster, String> {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| chain(&e))?;
        Ok(Poster { client })
    }

    /// POSTs JSON `body` to `webhook` as delivery `key`, signed at `now` if it has a
    /// secret.
    /// `Err` is a request that got no answer (a timeout, a connection error), worth
    /// another try.
    pub async fn post(
        &self,
        webhook: &WebhookSettings,
        key: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Answer, String> {
        let mut request = self
            .client
            .post(target(webhook.format, &webhook.url))
            .timeout(webhook.timeout)
            .header(CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .header("X-Newshound-Delivery", key);
        if let Some(secret) = &webhook.secret {
            let signed = signature(secret.expose().as_bytes(), now.timestamp(), body);
            request = request.header(SIGNATURE_HEADER, signed);
        }
        for (name, value) in &webhook.headers {
            // Checked by the configuration; a value that still fails is left out.
            let (Ok(name), Ok(mut value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value.expose()),
            ) else {
                continue;
            };
            value.set_sensitive(true);
            request = request.header(name, value);
        }
        let answer = async {
            let mut response = request.body(body.to_vec()).send().await?;
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, SystemTime::now()));
            let status = response.status().as_u16();
            let mut read = Vec::new();
            while read.len() < MAX_ANSWER {
                match response.chunk().await {
                    Ok(Some(chunk)) => read.extend_from_slice(&chunk),
                    // The status is the answer: a body cut short or too slow changes
                    // nothing, and retrying a delivery that was accepted would repeat it
                    // where the receiver does not read Idempotency-Key (Slack, ntfy).
                    Ok(None) | Err(_) => break,
                }
            }
            Ok::<_, reqwest::Error>(Answer {
                status,
                excerpt: one_line_within(&String::from_utf8_lossy(&read), EXCERPT),
                retry_after,
            })
        };
        answer.await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "no answer within {}",
                    humantime::format_duration(webhook.timeout)
                )
            } else {
                chain(&e.without_url())
            }
        })
    }
}

/// What an attempt that got no answer means: another try later.
pub fn unanswered(reason: String) -> Outcome {
    Outcome::Retry {
        reason,
        after: None,
    }
}
