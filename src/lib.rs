//! newshound watches news feeds and emails people when there is new coverage of the topics
//! they track.
//!
//! # Layout
//!
//! The modules follow an item on its way through newshound, and dependencies flow one way:
//! the pure middle knows nothing of the edges (the database, HTTP, SMTP, the clock).
//!
//! 1. [`config`]: TOML files (the main file, `conf.d/`, environment overrides) → validated
//!    [`config::Settings`], in phases: `raw` (what one file may hold), `load` (files
//!    found, merged, the environment layered on), `validate`; errors name the file and key.
//! 2. [`feed`]: [`feed::fetch`] gets bytes over HTTP (conditional GET, caps) or from
//!    `file://`, and article pages the same way; `charset` makes them UTF-8 text (labels,
//!    then detection); [`feed::parse`] drives feed-rs, [`feed::item`] turns entries into
//!    [`model::Item`]s (identity, time, text made plain by [`feed::html`]), `hints` reads
//!    how often a feed asks to be polled, [`feed::link`] writes links as identities and
//!    article keys. All but `fetch` are pure. Beside it, [`article`] reads the page behind
//!    an item's link: [`article::is_html`] and [`article::decode_html`] make its bytes HTML
//!    text (by the feeds' charset rules), [`article::extract`] finds the title and the main
//!    text without the page's furniture and judges whether it is an article at all, and
//!    [`article::furniture`] learns the lines that recur across a site's pages and leaves
//!    them out of its next ones. Pure.
//! 3. [`dedup`]: when two items from different feeds (or one feed, republished) are one
//!    article. Pure.
//! 4. [`watch`]: the query language. Parse, compile all watchlists into one automaton,
//!    match items, cut snippets. Pure.
//! 5. [`story`]: grouping items that report one event into stories (TF-IDF over names and
//!    words, against the stories active in a time window). Pure.
//! 6. [`store`]: the one [`store::Store`] that owns every SQL statement and the
//!    migrations, a file per table group.
//! 7. [`schedule`]: when a digest is due (intervals, times of day, `cron`) in an IANA time
//!    zone, with the daylight-saving rules spelled out. Pure.
//! 8. [`digest`]: [`digest::render`] turns matches into a subject, text and HTML (pure, a
//!    file per job: `view`, `select`, `block`, `words`, `dates`, `snippet`, `text`,
//!    `html`); [`digest::send`] delivers over SMTP or into `.eml` files.
//! 9. [`daemon`]: wires the above together. Its `run` loop starts due polls (`poll`,
//!    which reads the articles behind its new items before it matches them through
//!    `fulltext`, pages becoming text at the one seam `articles`; written in batches by
//!    `recorder`, spaced by the arithmetic of `cadence` and the per-host limits of
//!    `hosts`), due digests (`digests`, on the `timetable`) and the background jobs (`job`:
//!    `alerts`, `outbox`, `retention`, `backfill`, `article_retry`), and applies edited
//!    settings (`reload`); `server` is the optional HTTP listener (`/healthz`, `/metrics`
//!    from the counters in `metrics`, `/feeds`). The entry point takes its shutdown
//!    signal, and a clock that tests pause. The one-shot operations behind the CLI reuse
//!    the same pieces.
//! 10. [`cli`]: the command line: `args` (what clap parses), one function per subcommand,
//!     `print` (what they print), `opml`, `query`, `health`, `generate`, `signals`,
//!     `progress`.
//!
//! Beside the digests, [`webhook`]: what one POST to a `[[webhooks]]` receiver carries
//! in each format (newshound's JSON, Slack blocks, ntfy) and its signature, pure; and
//! `webhook::post`, which sends it and reads the answer. The daemon queues and sends
//! deliveries through the same outbox as mail.
//!
//! Beside the pipeline: [`model`] (plain data shared by every stage), [`opml`] (OPML
//! subscription lists read into feeds, and the feeds written as OPML 2.0; pure), [`units`]
//! (durations and sizes as people write them) and [`wording`] (one line of text, "1 match"
//! and "2 matches", for every printer).

pub mod article;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod dedup;
pub mod digest;
pub mod feed;
pub mod model;
pub mod opml;
pub mod schedule;
pub mod store;
pub mod story;
pub mod units;
pub mod watch;
pub mod webhook;
pub mod wording;
