//! Getting a feed's bytes: HTTP(S) with conditional GET, compression, a total timeout and a
//! cap on the body size (counted after decompression, so a gzip bomb stops at the cap), or
//! a `file://` read under the same cap. Errors say what kind of failure it was, because
//! "the feed is quiet" is only useful with a reason.
//!
//! Redirects are followed here rather than by reqwest, because the caller wants to know
//! where a feed has moved for good (a run of 301/308 from the configured URL), the
//! conditional headers belong on every hop, and a loop deserves a readable reason.
//! Besides the bytes, a response brings hints for the scheduler: how long it may be
//! cached, and for a refusal (429, 503) when to come back.
//!
//! The articles behind items' links come through the same client ([`Fetcher::fetch_page`]):
//! the same timeout, size cap, redirect rules and User-Agent, asking for HTML, and leaving
//! the body of a PDF, image or video unread.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CACHE_CONTROL, CONTENT_TYPE, DATE, ETAG, EXPIRES, HeaderMap, HeaderValue,
    IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use tokio::io::AsyncReadExt;
use url::Url;

use crate::config::Polling;

/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 10;
/// Longest freshness a response may claim; a feed that says "a year" is still looked at.
const MAX_FRESH_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// What a page fetch asks for: HTML, or whatever the link is.
const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// Validators remembered from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the response said about when to come back and where the feed now lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHints {
    /// How long the response may be cached: `Cache-Control: max-age` (a `no-cache` or
    /// `no-store` means `None`), else `Expires` minus `Date` (or minus now when there is
    /// no `Date`). Capped at 7 days; `None` when absent, unparsable or in the past.
    pub fresh_for: Option<Duration>,
    /// Set when the request was redirected and the leading run of redirects was permanent
    /// (301 or 308): the URL reached after that run (A -301-> B -302-> C gives B;
    /// A -302-> B gives `None`).
    pub moved_permanently_to: Option<Url>,
}

/// What a fetch brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 304: nothing changed since the validators were issued. A server may send fresh
    /// validators with it.
    NotModified {
        status: u16,
        validators: Validators,
        hints: ResponseHints,
    },
    Body {
        /// HTTP status; `None` for `file://`.
        status: Option<u16>,
        bytes: Vec<u8>,
        validators: Validators,
        hints: ResponseHints,
        /// The Content-Type header as sent, for its charset; `None` for `file://`.
        content_type: Option<String>,
    },
}

/// What a page fetch brought back ([`Fetcher::fetch_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// A body that may be HTML: its Content-Type says so, or says nothing.
    Body {
        bytes: Vec<u8>,
        /// The Content-Type header as sent, for its charset.
        content_type: Option<String>,
        /// Where the redirects, if any, ended.
        url: Url,
    },
    /// A page of another type (a PDF, an image, a video), by its Content-Type; its body
    /// was not read.
    Other { content_type: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("timed out after {}", humantime::format_duration(*.0))]
    Timeout(Duration),
    #[error("cannot resolve host: {0}")]
    Dns(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("TLS failure: {0}")]
    Tls(String),
    #[error("bad redirect: {0}")]
    Redirect(String),
    #[error("HTTP {status}{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    Status {
        status: u16,
        reason: Option<String>,
        /// From `Retry-After` on a 429 or 503.
        retry_after: Option<Duration>,
    },
    #[error("response larger than the {0}-byte limit")]
    TooLarge(u64),
    #[error("cannot read file: {0}")]
    File(String),
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// The HTTP status, when the failure was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait (429 and 503 with `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short stable label for the kind of failure, for the store and for
    /// `newshound feeds`.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Timeout(_) => "timeout",
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls",
            FetchError::Redirect(_) => "redirect",
            FetchError::Status { .. } => "http",
            FetchError::TooLarge(_) => "too large",
            FetchError::File(_) => "file",
            FetchError::Other(_) => "other",
        }
    }
}

/// An HTTP client set up once for all feeds.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
    max_body_bytes: u64,
}

impl Fetcher {
    pub fn new(polling: &Polling) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, \
                 application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
            ),
        );
        let client = reqwest::Client::builder()
            .user_agent(&polling.user_agent)
            .default_headers(headers)
            .timeout(polling.timeout)
            .connect_timeout(polling.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| FetchError::Other(chain(&e)))?;
        Ok(Fetcher {
            client,
            timeout: polling.timeout,
            max_body_bytes: polling.max_body_bytes,
        })
    }

    /// Fetches `url`, conditionally when `validators` are known. The timeout covers the
    /// whole fetch: every redirect hop and the body.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        if url.scheme() == "file" {
            return self.read_file(url).await;
        }
        tokio::time::timeout(self.timeout, self.fetch_http(url, validators))
            .await
            .unwrap_or(Err(FetchError::Timeout(self.timeout)))
    }

    /// Fetches the page at `url` (http or https), as [`Fetcher::fetch`] fetches a feed but
    /// unconditionally and asking for HTML. A body whose Content-Type is neither HTML nor
    /// missing is not read: the answer is then [`Page::Other`].
    pub async fn fetch_page(&self, url: &Url) -> Result<Page, FetchError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchError::Other(format!(
                "a `{}:` link is not a web page",
                url.scheme()
            )));
        }
        tokio::time::timeout(self.timeout, self.fetch_page_untimed(url))
            .await
            .unwrap_or(Err(FetchError::Timeout(self.timeout)))
    }

    async fn fetch_page_untimed(&self, url: &Url) -> Result<Page, FetchError> {
        let accept = Some(HeaderValue::from_static(PAGE_ACCEPT));
        let (response, _) = self.follow(url, &Validators::default(), accept).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(refusal(status, response.headers()));
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if let Some(other) = content_type.as_deref().filter(|t| !may_be_html(t)) {
            return Ok(Page::Other {
                content_type: other.to_string(),
            });
        }
        let url = response.url().clone();
        let bytes = self.read_body(response).await?;
        Ok(Page::Body {
            bytes,
            content_type,
            url,
        })
    }

    async fn fetch_http(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        let (response, moved_permanently_to) = self.follow(url, validators, None).await?;
        let status = response.status();
        let headers = response.headers();
        let header = |name| {
            headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let hints = ResponseHints {
            fresh_for: fresh_for(headers, SystemTime::now()),
            moved_permanently_to,
        };
        let content_type = header(CONTENT_TYPE);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified {
                status: status.as_u16(),
                validators,
                hints,
            });
        }
        if !status.is_success() {
            return Err(refusal(status, headers));
        }
        let bytes = self.read_body(response).await?;
        Ok(Fetched::Body {
            status: Some(status.as_u16()),
            bytes,
            validators,
            hints,
            content_type,
        })
    }

    /// The body of `response`, up to the size cap (counted as it is decompressed).
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let announced = response.content_length();
        if announced.is_some_and(|len| len > self.max_body_bytes) {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        // Room for the body as announced (within the cap, checked above), rather than
        // growing it by copies; a body of unknown length grows as before.
        let mut bytes = Vec::with_capacity(usize::try_from(announced.unwrap_or(0)).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge(self.max_body_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Requests `url` and follows its redirects, with `accept` instead of the feeds'
    /// `Accept` when given. Returns the final response and, when the chain began with
    /// permanent redirects, the URL reached at the end of that run.
    async fn follow(
        &self,
        url: &Url,
        validators: &Validators,
        accept: Option<HeaderValue>,
    ) -> Result<(reqwest::Response, Option<Url>), FetchError> {
        let mut current = url.clone();
        let mut visited = vec![without_userinfo(&current)];
        let mut moved_permanently_to = None;
        let mut still_permanent = true;
        loop {
            let mut request = self.client.get(current.clone());
            if let Some(accept) = &accept {
                request = request.header(ACCEPT, accept.clone());
            }
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, last_modified);
            }
            let response = request.send().await.map_err(|e| self.classify(e))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return Ok((response, moved_permanently_to));
            }
            let Some(location) = response.headers().get(LOCATION) else {
                // A 3xx without a place to go (300 Multiple Choices, say) is the answer.
                return Ok((response, moved_permanently_to));
            };
            if visited.len() > MAX_REDIRECTS {
                return Err(FetchError::Redirect(format!(
                    "more than {MAX_REDIRECTS} redirects"
                )));
            }
            let next = next_hop(&current, location)?;
            let seen = without_userinfo(&next);
            if visited.contains(&seen) {
                return Err(FetchError::Redirect(format!(
                    "redirect loop at {}",
                    next.path()
                )));
            }
            visited.push(seen);
            if still_permanent
                && matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                )
            {
                moved_permanently_to = Some(next.clone());
            } else {
                still_permanent = false;
            }
            current = next;
        }
    }

    /// Reads a `file://` feed under the same size cap and timeout (a named pipe or a hung
    /// network mount must not hold a worker forever).
    async fn read_file(&self, url: &Url) -> Result<Fetched, FetchError> {
        tokio::time::timeout(self.timeout, self.read_file_untimed(url))
            .await
            .unwrap_or(Err(FetchError::Timeout(self.timeout)))
    }

    async fn read_file_untimed(&self, url: &Url) -> Result<Fetched, FetchError> {
        let path = url
            .to_file_path()
            .map_err(|()| FetchError::File(format!("`{url}` is not a local path")))?;
        let file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| FetchError::File(format!("{}: {e}", path.display())))?;
        let mut bytes = Vec::new();
        file.take(self.max_body_bytes + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| FetchError::File(format!("{}: {e}", path.display())))?;
        if bytes.len() as u64 > self.max_body_bytes {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        Ok(Fetched::Body {
            status: None,
            bytes,
            validators: Validators::default(),
            hints: ResponseHints::default(),
            content_type: None,
        })
    }

    /// Sorts a reqwest error into the kinds a user can act on. The URL is left out of the
    /// message: the caller knows which feed it was, and a URL may carry credentials.
    fn classify(&self, error: reqwest::Error) -> FetchError {
        let error = error.without_url();
        let detail = chain(&error);
        let lower = detail.to_ascii_lowercase();
        if error.is_timeout() {
            FetchError::Timeout(self.timeout)
        } else if error.is_redirect() {
            FetchError::Redirect(detail)
        } else if lower.contains("dns error") || lower.contains("failed to lookup address") {
            FetchError::Dns(detail)
        } else if caused_by_tls(&error) {
            FetchError::Tls(detail)
        } else if error.is_connect() {
            FetchError::Connect(detail)
        } else {
            FetchError::Other(detail)
        }
    }
}

/// Whether a rustls error is among the causes. The message alone does not tell: a plain
/// HTTP server answering an `https://` URL gives "received corrupt message of type
/// InvalidContentType". rustls errors reach us inside (nested) `io::Error`s, whose
/// `source()` skips the error they wrap, so those are opened instead.
fn caused_by_tls(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if current.is::<rustls::Error>() {
            return true;
        }
        cause = match current.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
    }
    false
}

/// A response that is not a success, as the error it is; a 429 or 503 with the pause its
/// `Retry-After` asks for.
fn refusal(status: StatusCode, headers: &HeaderMap) -> FetchError {
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, SystemTime::now())),
        _ => None,
    };
    FetchError::Status {
        status: status.as_u16(),
        reason: status.canonical_reason().map(str::to_string),
        retry_after,
    }
}

/// Whether a page of this Content-Type may be an HTML document: HTML or XHTML. Anything
/// else (a PDF, an image, a video, a download) is not read.
fn may_be_html(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    mime.is_empty()
        || mime.eq_ignore_ascii_case("text/html")
        || mime.eq_ignore_ascii_case("application/xhtml+xml")
}

/// An error with its causes, because reqwest's own message ("error sending request") hides
/// the useful part.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Where a redirect's `Location` points, resolved against the URL that sent it. Only
/// http and https; credentials in the URL go no further than the host they were meant for.
fn next_hop(current: &Url, location: &HeaderValue) -> Result<Url, FetchError> {
    let location = location
        .to_str()
        .map_err(|_| FetchError::Redirect("a Location header that is not text".into()))?;
    let mut next = current
        .join(location.trim())
        .map_err(|e| FetchError::Redirect(format!("a Location that is not a URL ({e})")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::Redirect(format!(
            "to a `{}:` URL, which is not HTTP",
            next.scheme()
        )));
    }
    if next.host_str() != current.host_str() {
        // Both only fail for URLs without a host, and `next` is http(s).
        let _ = next.set_username("");
        let _ = next.set_password(None);
    } else if next.username().is_empty()
        && next.password().is_none()
        && (next.scheme() == current.scheme() || next.scheme() == "https")
    {
        // An absolute Location to the same host (typically the upgrade to HTTPS) keeps
        // the feed's credentials, as a relative one does; never onto plain HTTP.
        let _ = next.set_username(current.username());
        let _ = next.set_password(current.password());
    }
    Ok(next)
}

fn without_userinfo(url: &Url) -> Url {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url
}

/// How long a response may be cached, from `Cache-Control: max-age` or else
/// `Expires` − `Date` (or − `now` without a `Date`). See [`ResponseHints::fresh_for`].
fn fresh_for(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let texts = |name| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v: &HeaderValue| v.to_str().ok())
            .collect::<Vec<_>>()
    };
    let cache_control = texts(CACHE_CONTROL).join(",");
    let mut max_age = None;
    for directive in cache_control.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        if directive == "no-cache" || directive == "no-store" {
            return None;
        }
        if let Some(value) = directive.strip_prefix("max-age=") {
            max_age = Some(value.trim_matches('"').parse::<u64>().ok());
        }
    }
    let fresh = match max_age {
        // A max-age that is there but unreadable overrides Expires all the same
        // (RFC 9111 §4.2.1 would have us treat the response as stale).
        Some(seconds) => Duration::from_secs(seconds?),
        None => {
            let date = |name| {
                let text = *texts(name).first()?;
                httpdate::parse_http_date(text.trim()).ok()
            };
            let expires = date(EXPIRES)?;
            let reference = date(DATE).unwrap_or(now);
            expires.duration_since(reference).ok()?
        }
    };
    (!fresh.is_zero()).then(|| fresh.min(MAX_FRESH_FOR))
}

/// A `Retry-After` value: delta-seconds or an HTTP-date (a date in the past means now).
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "a very long time".
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let at = httpdate::parse_http_date(value).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn freshness_from_cache_control_and_expires() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let secs = |s| Some(Duration::from_secs(s));
        let week = Some(MAX_FRESH_FOR);
        type Case<'a> = (&'a [(&'static str, &'a str)], Option<Duration>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("cache-control", "max-age=600")], secs(600)),
            (&[("cache-control", "public, MAX-AGE=\"60\"")], secs(60)),
            (&[("cache-control", "max-age=600, no-cache")], None),
            (&[("cache-control", "no-store")], None),
            (&[("cache-control", "max-age=0")], None),
            (&[("cache-control", "max-age=99999999999")], week),
            (&[("cache-control", "max-age=soon")], None),
            (
                &[
                    ("cache-control", "max-age=60"),
                    ("expires", "Sun, 06 Nov 1994 09:49:37 GMT"),
                ],
                secs(60),
            ),
            (
                &[
                    ("cache-control", "public"),
                    ("expires", "Sun, 06 Nov 1994 09:49:37 GMT"),
                ],
                secs(3600),
            ),
            (
                &[
                    ("date", "Sun, 06 Nov 1994 08:00:00 GMT"),
                    ("expires", "Sun, 06 Nov 1994 08:10:00 GMT"),
                ],
                secs(600),
            ),
            (&[("expires", "Sun, 06 Nov 1994 08:00:00 GMT")], None),
            (&[("expires", "0")], None),
            (&[("expires", "Sat, 06 Nov 2094 08:00:00 GMT")], week),
        ];
        for (pairs, expected) in cases {
            assert_eq!(fresh_for(&headers(pairs), now), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let secs = |s| Some(Duration::from_secs(s));
        let cases = [
            ("7", secs(7)),
            (" 120 ", secs(120)),
            ("0", secs(0)),
            ("9999999", secs(24 * 3600)),
            ("99999999999999999999999", secs(24 * 3600)),
            ("Sun, 06 Nov 1994 08:50:37 GMT", secs(60)),
            ("Sun, 06 Nov 1994 08:00:00 GMT", secs(0)),
            ("Sunday, 06-Nov-94 08:51:37 GMT", secs(120)),
            ("-5", None),
            ("soon", None),
            ("", None),
        ];
        for (value, expected) in cases {
            assert_eq!(retry_after(value, now), expected, "{value:?}");
        }
    }

    #[test]
    fn redirects_resolve_and_keep_credentials_on_their_host() {
        let here = Url::parse("https://user:pw@feeds.example.org/a/feed.xml").unwrap();
        let hop = |location: &str| next_hop(&here, &HeaderValue::from_str(location).unwrap());
        assert_eq!(
            hop("other.xml").unwrap().as_str(),
            "https://user:pw@feeds.example.org/a/other.xml"
        );
        assert_eq!(
            hop("//cdn.example.net/feed.xml").unwrap().as_str(),
            "https://cdn.example.net/feed.xml"
        );
        assert_eq!(
            hop("http://x:y@cdn.example.net/feed.xml").unwrap().as_str(),
            "http://cdn.example.net/feed.xml"
        );
        // An absolute Location on the same host keeps them too (HTTP → HTTPS included),
        // but they never go down to plain HTTP.
        assert_eq!(
            hop("https://feeds.example.org/b.xml").unwrap().as_str(),
            "https://user:pw@feeds.example.org/b.xml"
        );
        let plain = Url::parse("http://user:pw@feeds.example.org/feed").unwrap();
        let upgrade = next_hop(
            &plain,
            &HeaderValue::from_static("https://feeds.example.org/feed"),
        );
        assert_eq!(
            upgrade.unwrap().as_str(),
            "https://user:pw@feeds.example.org/feed"
        );
        assert_eq!(
            hop("http://feeds.example.org/c.xml").unwrap().as_str(),
            "http://feeds.example.org/c.xml"
        );
        let ftp = hop("ftp://feeds.example.org/feed.xml").unwrap_err();
        assert_eq!(ftp.kind(), "redirect");
        assert!(ftp.to_string().contains("`ftp:`"), "{ftp}");
    }

    #[test]
    fn only_html_or_an_unnamed_type_is_read_as_a_page() {
        for read in [
            "text/html",
            "text/html; charset=utf-8",
            "TEXT/HTML",
            "application/xhtml+xml",
            "",
        ] {
            assert!(may_be_html(read), "{read:?}");
        }
        for unread in [
            "application/pdf",
            "image/jpeg",
            "video/mp4",
            "application/octet-stream",
            "text/plain",
        ] {
            assert!(!may_be_html(unread), "{unread:?}");
        }
    }

    #[test]
    fn errors_have_stable_kinds() {
        let status = FetchError::Status {
            status: 429,
            reason: Some("Too Many Requests".into()),
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(status.to_string(), "HTTP 429 Too Many Requests");
        assert_eq!(status.kind(), "http");
        assert_eq!(status.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(FetchError::TooLarge(1).kind(), "too large");
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(1)).kind(),
            "timeout"
        );
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(1)).retry_after(),
            None
        );
    }
}
