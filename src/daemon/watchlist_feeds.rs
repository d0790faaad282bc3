//! Each watchlist as a feed for any reader, served by the listener ([`super::server`]):
//! `/watchlists/NAME.atom` (its recent stories, newest coverage first), `/watchlists` (the
//! list, as JSON) and `/watchlists.opml` (every feed at once, for a reader's import).
//!
//! A feed is drawn from the matches of the last [`SPAN`] in the `feed_entries` stories
//! that had one last, grouped by story as a digest groups them, and worded by the
//! digest's renderer ([`render::atom`]).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::Context;
use super::digests::view;
use crate::digest::render::{self, Atom, FeedMeta};

/// How far back a feed looks for stories.
const SPAN: Duration = Duration::from_secs(30 * 24 * 3600);

/// Where the listener is reached, and the token to hand on in the links it gives out
/// (the configured one, which the request has shown it holds), for a reader that cannot
/// send headers.
pub(super) struct Links {
    pub(super) base: Url,
    pub(super) token: Option<String>,
}

impl Links {
    /// The URL of `name`'s feed, with the token.
    fn feed(&self, name: &str) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty()
                .push("watchlists")
                .push(&format!("{name}.atom"));
        }
        if let Some(token) = &self.token {
            url.query_pairs_mut().append_pair("token", token);
        }
        url
    }
}

/// One watchlist as `/watchlists` lists it.
#[derive(Debug, serde::Serialize)]
pub(super) struct Listed {
    pub(super) name: String,
    pub(super) query: String,
    pub(super) feed: String,
}

/// The configured watchlists and their feeds.
pub(super) fn listing(ctx: &Context, links: &Links) -> Vec<Listed> {
    ctx.settings
        .watchlists
        .iter()
        .map(|w| Listed {
            name: w.name.clone(),
            query: w.query.to_string(),
            feed: links.feed(&w.name).to_string(),
        })
        .collect()
}

/// Every watchlist's feed as an OPML document.
pub(super) fn opml(ctx: &Context, links: &Links) -> String {
    let urls: Vec<(String, Url)> = ctx
        .settings
        .watchlists
        .iter()
        .map(|w| (format!("newshound: {}", w.name), links.feed(&w.name)))
        .collect();
    let outlines: Vec<crate::opml::Outline<'_>> = urls
        .iter()
        .map(|(title, url)| crate::opml::Outline {
            title,
            url,
            tags: &[],
        })
        .collect();
    crate::opml::export("newshound watchlists", ctx.clock.now(), &outlines)
}

/// Watchlist `name`'s feed; `None` if no watchlist has that name.
pub(super) async fn atom(ctx: &Context, name: &str, links: &Links) -> anyhow::Result<Option<Atom>> {
    if !ctx.settings.watchlists.iter().any(|w| w.name == name) {
        return Ok(None);
    }
    let now = ctx.clock.now();
    let since = now - chrono::Duration::from_std(SPAN).unwrap_or_default();
    let watchlist = name.to_string();
    let entries = ctx.settings.server.feed_entries;
    let (matches, changed, instance) = ctx
        .with_reader(move |s| {
            let matches = s.recent_story_matches(&watchlist, since, entries)?;
            let changed = s.watchlist_changed_at(&watchlist)?;
            s.instance_id().map(|instance| (matches, changed, instance))
        })
        .await?;
    let view = view(name, &[name.to_string()], matches, &HashMap::new(), now);
    let mut own = links.feed(name);
    own.set_query(None);
    let meta = FeedMeta {
        // Unique to this database, so that no other installation, nor a new database
        // here (whose story ids start again), gives the same ids (RFC 4287, 4.2.6).
        id: format!(
            "urn:newshound:{instance}:watchlist:{}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ),
        title: format!("newshound: {name}"),
        self_href: own.to_string(),
        subtitle: format!(
            "Stories matching {}",
            ctx.settings
                .watchlists
                .iter()
                .find(|w| w.name == name)
                .map(|w| w.query.to_string())
                .unwrap_or_default()
        ),
        // An edit of the query changes the feed (its subtitle, which stories it holds)
        // without a new match.
        changed,
    };
    Ok(Some(render::atom(
        &view,
        &meta,
        ctx.settings.server.feed_entries,
    )))
}

/// Whether a client that holds a copy with `etag` or from `since` has this one.
pub(super) fn unchanged(
    atom_etag: &str,
    updated: DateTime<Utc>,
    if_none_match: Option<&str>,
    if_modified_since: Option<&str>,
) -> bool {
    // If-None-Match wins when both are sent (RFC 9110, 13.2.2).
    if let Some(tags) = if_none_match {
        return tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == atom_etag);
    }
    if_modified_since
        .and_then(|text| httpdate::parse_http_date(text).ok())
        .is_some_and(|since| updated.timestamp() <= DateTime::<Utc>::from(since).timestamp())
}
