//! `extract`: what newshound reads on an article page, the title and the main text that
//! watchlists would be matched against, for pages on the web or on disk.
//!
//! An `http(s)` URL is fetched as the daemon fetches articles (the same
//! [`Fetcher::fetch_page`]: User-Agent, timeout, size cap, redirects, only HTML read),
//! with the `[polling]` settings of the configuration, or their defaults when
//! there is no configuration file. Each input stands on its own: one that cannot be read,
//! is not HTML, or whose main text is not an article (a consent wall, a paywall stub)
//! gets its error, the others still print, and the exit code is 1 at the end.
//!
//! When the configuration's database exists, the furniture the daemon has learned of each
//! site is left out as the daemon leaves it out (nothing is learned here): the text is
//! what matching would see.

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::json;
use url::Url;

use crate::article::furniture::{self, Furniture};
use crate::article::{self, Extracted};
use crate::config::{self, Polling};
use crate::feed::fetch::{self, Fetcher};
use crate::store::Store;

pub(super) async fn extract(
    config: &Path,
    json: bool,
    inputs: &[String],
) -> anyhow::Result<ExitCode> {
    let (polling, furniture) = settings(config)?;
    let furniture = Arc::new(furniture);
    let mut fetcher = None;
    let mut failed = false;
    for input in inputs {
        let read = match web_url(input) {
            Some(url) => {
                if fetcher.is_none() {
                    fetcher = Some(Fetcher::new(&polling).context("cannot set up HTTP")?);
                }
                let fetcher = fetcher.as_ref().expect("set just above");
                fetch(fetcher, &url).await
            }
            None => {
                let path = Url::parse(input)
                    .ok()
                    .filter(|u| u.scheme() == "file")
                    .and_then(|u| u.to_file_path().ok())
                    .unwrap_or_else(|| input.into());
                let cap = polling.max_body_bytes;
                tokio::task::spawn_blocking(move || read_file(&path, cap)).await?
            }
        };
        let result = match read {
            Ok((bytes, content_type, url)) => {
                let furniture = Arc::clone(&furniture);
                tokio::task::spawn_blocking(move || {
                    let mut read = article::read(&bytes, content_type.as_deref(), url.as_ref())
                        .map_err(|e| e.to_string())?;
                    if let Some(site) = url.as_ref().and_then(furniture::site) {
                        let stripped = furniture.strip(&site, &read.text);
                        read.words = stripped.text.split_whitespace().count();
                        read.text = stripped.text;
                    }
                    Ok(read)
                })
                .await?
            }
            Err(error) => Err(error),
        };
        failed |= result.as_ref().map_or(true, |e| !e.verdict.is_article());
        print(input, &result, json)?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The `[polling]` settings and the furniture learned so far: the configuration's and its
/// database's, or the defaults and nothing when the default configuration file is absent
/// (a file named with `--config` must be there; its database need not).
fn settings(config: &Path) -> anyhow::Result<(Polling, Furniture)> {
    if config == Path::new(config::DEFAULT_PATH) && !config.exists() {
        return Ok((Polling::default(), Furniture::default()));
    }
    let settings = config::load(config)?;
    let path = &settings.storage.path;
    let furniture = if path.exists() {
        let store = Store::open(path)
            .with_context(|| format!("cannot open the database {}", path.display()))?;
        Furniture::from_learned(store.site_lines()?)
    } else {
        Furniture::default()
    };
    Ok((settings.polling, furniture))
}

/// The input as a web page to fetch, when it is an `http` or `https` URL; a `file:` URL
/// is the path it names, and anything else is a path.
fn web_url(input: &str) -> Option<Url> {
    Url::parse(input)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
}

/// A page's bytes, its Content-Type and where it came from.
type Page = (Vec<u8>, Option<String>, Option<Url>);

/// The page at `url`, fetched as the daemon fetches articles ([`Fetcher::fetch_page`]):
/// HTML asked for, the body of another type left unread, and the URL the redirects ended
/// at, which is the page's site.
async fn fetch(fetcher: &Fetcher, url: &Url) -> Result<Page, String> {
    match fetcher.fetch_page(url).await {
        Ok(fetch::Page::Body {
            bytes,
            content_type,
            url,
        }) => Ok((bytes, content_type, Some(url))),
        Ok(fetch::Page::Other { content_type }) => {
            Err(match article::is_html(Some(&content_type), &[]) {
                Err(not_html) => not_html.to_string(),
                Ok(()) => format!("{content_type}, not HTML"),
            })
        }
        Err(error) => Err(error.to_string()),
    }
}

/// A page on disk, gunzipped when its name ends in `.gz`, up to `cap` bytes. A name
/// ending in `.html` or `.htm` counts as a Content-Type of `text/html`.
fn read_file(path: &Path, cap: u64) -> Result<Page, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let name = path.to_string_lossy().to_ascii_lowercase();
    let (reader, name): (Box<dyn Read>, &str) = match name.strip_suffix(".gz") {
        Some(inner) => (Box::new(flate2::read::GzDecoder::new(file)), inner),
        None => (Box::new(file), &name),
    };
    let mut bytes = Vec::new();
    reader
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!("larger than the {cap}-byte limit"));
    }
    let html = name.ends_with(".html") || name.ends_with(".htm");
    Ok((bytes, html.then(|| "text/html".to_string()), None))
}

fn print(source: &str, result: &Result<Extracted, String>, json: bool) -> anyhow::Result<()> {
    let error = match result {
        Err(error) => Some(error.clone()),
        Ok(e) if !e.verdict.is_article() => Some(e.verdict.to_string()),
        Ok(_) => None,
    };
    if json {
        let (title, text, words, verdict) = match result {
            Ok(e) => (
                e.title.as_str(),
                e.text.as_str(),
                e.words,
                Some(e.verdict.label()),
            ),
            Err(_) => ("", "", 0, None),
        };
        let line = json!({
            "source": source,
            "title": title,
            "text": text,
            "words": words,
            "verdict": verdict,
            "error": error,
        });
        println!("{}", serde_json::to_string(&line)?);
        return Ok(());
    }
    if let Some(error) = &error {
        eprintln!("error: {source}: {error}");
    }
    if let Ok(extracted) = result {
        println!("==> {source} <==");
        println!("{}\n", extracted.title);
        if !extracted.text.is_empty() {
            println!("{}\n", extracted.text);
        }
    }
    Ok(())
}
