use chrono::TimeZone;
use serde_json::Value;

use super::*;
use crate::digest::render::StoryEntry;
use crate::model::{EarlierCoverage, MatchRecord, Snippet};

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, hour, 0, 0).unwrap()
}

fn record(id: i64, item: i64, feed: &str, title: &str) -> MatchRecord {
    MatchRecord {
        id,
        item,
        story: Some(7),
        watchlist: "s400".into(),
        feed: feed.into(),
        feeds: vec![feed.into()],
        title: title.into(),
        link: Some(format!("https://example.org/{item}")),
        guid: None,
        published: Some(at(id as u32)),
        matched_at: at(12),
        matched_terms: vec!["S-400".into()],
        snippet: Snippet {
            text: format!("snippet {id}"),
            highlights: Vec::new(),
        },
    }
}

fn delivery(stories: Vec<Story>) -> Delivery {
    Delivery::new("desk", "key-1".into(), at(13), stories)
}

fn json_of(format: WebhookFormat, url: &str, d: &Delivery) -> Value {
    let body = body(format, &Url::parse(url).unwrap(), d);
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn two_matches_of_one_article_are_one_item_and_the_earliest_heads_the_story() {
    let mut again = record(3, 1, "mirror", "Turkey tests S-400");
    again.matched_terms = vec!["Turkey".into()];
    let entry = StoryEntry {
        matches: vec![
            record(2, 2, "review", "Ankara weighs S-400"),
            record(1, 1, "wire", "Turkey tests S-400"),
            again,
        ],
        earlier: None,
    };
    let story = Story::of("s400", &entry).unwrap();
    assert_eq!(story.headline, "Turkey tests S-400");
    assert_eq!(story.link.as_deref(), Some("https://example.org/1"));
    assert_eq!(story.items.len(), 2);
    assert_eq!(story.items[0].outlets, ["wire", "mirror"]);
    assert_eq!(story.outlets, ["wire", "mirror", "review"]);
    assert_eq!(story.matched_terms, ["S-400", "Turkey"]);
    // The snippet with the most terms: the first item's, which has two.
    assert_eq!(story.snippet, "snippet 1");
    assert_eq!(story.story_id, Some(7));
    assert!(!story.follow_up);
}

#[test]
fn a_follow_up_keeps_the_headline_first_delivered() {
    let entry = StoryEntry {
        matches: vec![record(5, 5, "review", "More on the S-400")],
        earlier: Some(EarlierCoverage {
            first_sent: at(8),
            headline: "Turkey tests S-400".into(),
            link: Some("https://example.org/1".into()),
            outlets: vec!["wire".into()],
        }),
    };
    let story = Story::of("s400", &entry).unwrap();
    assert!(story.follow_up);
    assert_eq!(story.first_sent_at, Some(at(8)));
    assert_eq!(story.headline, "Turkey tests S-400");
    assert_eq!(story.items[0].title, "More on the S-400");
}

/// A new story of one report, "Turkey tests S-400" from wire.
fn one_report() -> Story {
    Story::of(
        "s400",
        &StoryEntry {
            matches: vec![record(1, 1, "wire", "Turkey tests S-400")],
            earlier: None,
        },
    )
    .unwrap()
}

#[test]
fn the_json_body_is_the_documented_schema() {
    let story = one_report();
    let v = json_of(
        WebhookFormat::Json,
        "https://hooks.example.org/x",
        &delivery(vec![story]),
    );
    assert_eq!(v["version"], 1);
    assert_eq!(v["id"], "key-1");
    assert_eq!(v["webhook"], "desk");
    assert_eq!(v["created_at"], "2026-11-21T13:00:00Z");
    let s = &v["stories"][0];
    for (key, want) in [
        ("watchlist", "\"s400\""),
        ("story_id", "7"),
        ("follow_up", "false"),
        ("first_sent_at", "null"),
        ("headline", "\"Turkey tests S-400\""),
        ("link", "\"https://example.org/1\""),
        ("outlets", "[\"wire\"]"),
        ("matched_terms", "[\"S-400\"]"),
        ("snippet", "\"snippet 1\""),
    ] {
        assert_eq!(s[key].to_string(), want, "{key}");
    }
    let item = &s["items"][0];
    assert_eq!(item["title"], "Turkey tests S-400");
    assert_eq!(item["published_at"], "2026-11-21T01:00:00Z");
    assert_eq!(item["matched_at"], "2026-11-21T12:00:00Z");
}

#[test]
fn slack_text_escapes_markup_and_links_only_http() {
    let mut hostile = record(
        1,
        1,
        "wire <b>",
        "<!channel> Tom & Jerry > <https://evil|click>",
    );
    hostile.link = Some("https://example.org/a?b=1&c=|2".into());
    let mut scripted = record(2, 2, "review", "javascript link");
    scripted.link = Some("javascript:alert(1)".into());
    let d = delivery(vec![
        Story::of(
            "s400",
            &StoryEntry {
                matches: vec![hostile],
                earlier: None,
            },
        )
        .unwrap(),
        Story::of(
            "s400",
            &StoryEntry {
                matches: vec![scripted],
                earlier: None,
            },
        )
        .unwrap(),
    ]);
    let v = json_of(
        WebhookFormat::Slack,
        "https://hooks.slack.com/services/T/B/X",
        &d,
    );
    let blocks = v["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["text"], "newshound · s400: 2 new stories");
    let first = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(
        first.starts_with(
            "*<https://example.org/a?b=1&amp;c=%7C2|&lt;!channel&gt; Tom &amp; Jerry &gt; \
             &lt;https://evil%7Cclick&gt;>*"
        ) || first.starts_with(
            "*<https://example.org/a?b=1&amp;c=%7C2|&lt;!channel&gt; Tom &amp; Jerry &gt; \
             &lt;https://evil|click&gt;>*"
        ),
        "{first}"
    );
    assert!(first.contains("wire &lt;b&gt;"), "{first}");
    assert!(!first.contains("<!channel>"));
    let second = blocks[3]["text"]["text"].as_str().unwrap();
    assert!(second.starts_with("*javascript link*"), "{second}");
    assert!(!v["text"].as_str().unwrap().contains("<!channel>"));
}

#[test]
fn ntfy_publishes_json_to_the_servers_root_with_the_topic_inside() {
    let url = Url::parse("https://ntfy.example.org/alerts-7f3").unwrap();
    assert_eq!(ntfy_topic(&url).as_deref(), Some("alerts-7f3"));
    assert_eq!(
        target(WebhookFormat::Ntfy, &url).as_str(),
        "https://ntfy.example.org/"
    );
    let sub = Url::parse("https://example.org/ntfy/alerts/").unwrap();
    assert_eq!(
        target(WebhookFormat::Ntfy, &sub).as_str(),
        "https://example.org/ntfy/"
    );
    assert_eq!(ntfy_topic(&Url::parse("https://ntfy.sh/").unwrap()), None);
    // A login in the query (`?auth=`) goes along.
    let auth = Url::parse("https://ntfy.example.org/alerts?auth=QmFzaWM").unwrap();
    assert_eq!(ntfy_topic(&auth).as_deref(), Some("alerts"));
    assert_eq!(
        target(WebhookFormat::Ntfy, &auth).as_str(),
        "https://ntfy.example.org/?auth=QmFzaWM"
    );

    let story = one_report();
    let v = json_of(WebhookFormat::Ntfy, url.as_str(), &delivery(vec![story]));
    assert_eq!(v["topic"], "alerts-7f3");
    assert_eq!(v["title"], "s400: Turkey tests S-400");
    assert_eq!(v["message"], "wire · 1 report\n\nsnippet 1");
    assert_eq!(v["click"], "https://example.org/1");
    assert_eq!(v["tags"], serde_json::json!(["newspaper", "s400"]));
}

#[test]
fn a_long_ntfy_message_is_cut_below_its_limit_on_a_character() {
    let mut m = record(1, 1, "wire", "Türkiye");
    m.snippet.text = "ğ".repeat(4000);
    let story = Story::of(
        "s400",
        &StoryEntry {
            matches: vec![m],
            earlier: None,
        },
    )
    .unwrap();
    let v = json_of(
        WebhookFormat::Ntfy,
        "https://ntfy.sh/t",
        &delivery(vec![story]),
    );
    let message = v["message"].as_str().unwrap();
    assert!(message.len() <= 3500 && message.ends_with('…'));
}

#[test]
fn keys_are_version_4_uuids_and_differ() {
    let (a, b) = (new_key(), new_key());
    assert_ne!(a, b);
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
}

#[test]
fn the_signature_covers_the_timestamp_and_the_body() {
    let s = signature(b"whsec", 1_700_000_000, b"{}");
    assert!(s.starts_with("t=1700000000,v1="), "{s}");
    assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
    assert_ne!(s, signature(b"whsec", 1_700_000_001, b"{}"));
    assert_ne!(s, signature(b"whsec", 1_700_000_000, b"{ }"));
    assert_ne!(s, signature(b"other", 1_700_000_000, b"{}"));
}
