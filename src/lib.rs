//! newshound watches news feeds and emails people when there is new coverage of the topics
//! they track.
//!
//! # Layout
//!
//! Dependencies flow one way: the pure middle knows nothing of the edges.
//!
//! - [`model`]: plain data (items, hits, match records) shared by every stage.
//! - [`config`]: TOML files → validated [`config::Settings`]; errors name the file and key.
//! - [`watch`]: the query language. Parse, compile all watchlists into one automaton,
//!   match items. Pure.
//! - [`feed`]: [`feed::fetch`] gets bytes over HTTP (conditional GET, caps) or from
//!   `file://`; [`feed::parse`] turns bytes into [`model::Item`]s. Parsing is pure.
//! - [`dedup`]: when two items from different feeds (or one feed, republished) are one
//!   article. Pure.
//! - [`story`]: grouping items that report one event into stories (TF-IDF over names and
//!   words, against the stories active in a time window). Pure.
//! - [`store`]: the one [`store::Store`] that owns every SQL statement and the migrations.
//! - [`schedule`]: digest schedules (intervals, times of day, cron) evaluated in an IANA
//!   time zone, with the daylight-saving rules spelled out. Pure.
//! - [`digest`]: [`digest::render`] turns matches into text + HTML (pure);
//!   [`digest::send`] delivers over SMTP or into `.eml` files.
//! - [`daemon`]: wires the above together: the poll scheduler (with its pure arithmetic
//!   of adaptive intervals, backoff and jitter in `cadence`, and per-host politeness in
//!   `hosts`), the digest timer, feed health for `newshound feeds` and the digest footer,
//!   the live config (`reload`: the files watched, SIGHUP, a new watchlist matched against
//!   recent items in `backfill`), the optional HTTP listener (`server`: `/healthz`,
//!   `/metrics` from the counters in `metrics`, `/feeds`), and the one-shot operations
//!   behind the CLI. The entry point takes its shutdown signal, and a clock that tests
//!   pause.
//! - [`opml`]: OPML subscription lists: reading one into feeds to add (folders and
//!   categories as tags), writing the configured feeds as OPML 2.0. Pure.
//! - [`cli`]: the command line; each subcommand calls one function of the modules above.

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
pub mod wording;
