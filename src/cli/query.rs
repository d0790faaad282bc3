//! `test-query`: how a query is read (`--explain`), and whether and where it matches a
//! text or HTML file, so that a watchlist can be tried on an article before it goes into
//! the configuration.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::config::{self, FeedSettings};
use crate::feed::html::html_to_text;
use crate::watch::{Document, Field, Lists, Query, Source, Watcher};

pub(super) struct Options<'a> {
    pub(super) file: Option<&'a Path>,
    pub(super) explain: bool,
    pub(super) link: Option<&'a str>,
    pub(super) feed: Option<&'a str>,
}

pub(super) fn test_query(
    config: &Path,
    query: &str,
    options: Options<'_>,
) -> anyhow::Result<ExitCode> {
    let (lists, feeds) = configured(config);
    let parsed = match Query::parse_with(query, &lists) {
        Ok(q) => q,
        Err(e) => {
            eprintln!(
                "{query}\n{}^\nerror: {e}",
                " ".repeat(e.position.saturating_sub(1))
            );
            return Ok(ExitCode::from(2));
        }
    };
    if options.explain {
        println!("read as: {parsed}");
        print!("{}", parsed.explain());
    }
    let Some(file) = options.file else {
        return Ok(ExitCode::SUCCESS);
    };
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let raw = String::from_utf8_lossy(&raw);
    let (title, body) = split_document(&raw, file);
    let tags = options
        .feed
        .and_then(|name| feeds.iter().find(|f| f.name == name))
        .map_or(&[][..], |f| f.tags.as_slice());
    let sources: Vec<Source> = options
        .feed
        .map(|name| Source { name, tags })
        .into_iter()
        .collect();
    let doc = Document {
        title: &title,
        body: &body,
        link: options.link.unwrap_or_default(),
        feeds: &sources,
    };
    let watcher = Watcher::new(std::slice::from_ref(&parsed));
    let hit = watcher.match_item(&doc).into_iter().next();
    let matched = hit.is_some();
    println!("{}", if matched { "match" } else { "no match" });
    for occurrence in watcher.occurrences(&title, &body) {
        let (text, field) = match occurrence.field {
            Field::Title => (&title, "title"),
            Field::Body => (&body, "body"),
        };
        let (line, column) = line_column(text, occurrence.start);
        println!(
            "  {:<16} {field} {line}:{column}  {}",
            occurrence.term,
            context(text, occurrence.start, occurrence.end)
        );
    }
    if let Some(hit) = hit {
        println!("matched terms: {}", hit.matched_terms.join(", "));
        println!("snippet: {}", hit.snippet.text);
    } else if !parsed.scopes().is_empty() && (options.link.is_none() || options.feed.is_none()) {
        println!("note: site: holds only with --link, feed: and tag: only with --feed");
    }
    Ok(if matched {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The lists and feeds of the configuration, or none (with a warning) when it cannot be
/// read: a query that names no list can be tried without one.
fn configured(path: &Path) -> (Lists, Vec<FeedSettings>) {
    if path == Path::new(config::DEFAULT_PATH) && !path.exists() {
        return Default::default();
    }
    match config::load(path) {
        Ok(settings) => (settings.lists, settings.feeds),
        Err(e) => {
            eprintln!(
                "warning: the configuration {} was not read, so no @list is known: {e}",
                path.display()
            );
            Default::default()
        }
    }
}

/// Title and body of a file: for HTML, its `<title>` and its text; for plain text, its
/// first non-empty line and the whole text.
fn split_document(raw: &str, path: &Path) -> (String, String) {
    let is_html = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"))
        || raw.trim_start().starts_with('<');
    if is_html {
        let lower = raw.to_ascii_lowercase();
        let title = lower
            .find("<title")
            .and_then(|start| Some(start + lower[start..].find('>')? + 1))
            .and_then(|start| Some((start, start + lower[start..].find("</title")?)))
            .map(|(start, end)| html_to_text(&raw[start..end]))
            .unwrap_or_default();
        let body_start = lower.find("</head>").map_or(0, |at| at + "</head>".len());
        (title, html_to_text(&raw[body_start..]))
    } else {
        let title = raw
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_string();
        (title, raw.to_string())
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The hit with up to 30 characters either side, on one line.
fn context(text: &str, start: usize, end: usize) -> String {
    let (Some(before), Some(hit), Some(after)) =
        (text.get(..start), text.get(start..end), text.get(end..))
    else {
        return String::new();
    };
    let before: String = before
        .chars()
        .rev()
        .take(30)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let after: String = after.chars().take(30).collect();
    format!("…{before}[{hit}]{after}…").replace(['\n', '\r'], " ")
}
