//! Getting a feed's bytes: HTTP(S) with conditional GET, compression, a total timeout and a
//! cap on the body size (counted after decompression, so a gzip bomb stops at the cap), or
//! a `file://` read under the same cap. Errors say what kind of failure it was, because
//! "the feed is quiet" is only useful with a reason.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED,
};
use tokio::io::AsyncReadExt;
use url::Url;

use crate::config::Polling;

/// Validators remembered from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
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

/// What a response says about polling the feed again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHints {
    /// How long the response may be cached (`Cache-Control: max-age`, else `Expires`).
    pub fresh_for: Option<Duration>,
    /// Where the leading run of permanent redirects (301, 308) led, if there was one.
    pub moved_permanently_to: Option<Url>,
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
    #[error("too many redirects: {0}")]
    Redirect(String),
    #[error("HTTP {status}{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    Status {
        status: u16,
        reason: Option<String>,
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

    /// How long the server asked to be left alone (429 and 503 with `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short stable label for the kind of failure.
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
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| FetchError::Other(chain(&e)))?;
        Ok(Fetcher {
            client,
            timeout: polling.timeout,
            max_body_bytes: polling.max_body_bytes,
        })
    }

    /// Fetches `url`, conditionally when `validators` are known.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        if url.scheme() == "file" {
            return self.read_file(url).await;
        }
        let mut request = self.client.get(url.clone());
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status();
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let content_type = header(CONTENT_TYPE);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified {
                status: status.as_u16(),
                validators,
                hints: ResponseHints::default(),
            });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason().map(str::to_string),
                retry_after: None,
            });
        }
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body_bytes)
        {
            return Err(FetchError::TooLarge(self.max_body_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.classify(e))? {
            if bytes.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge(self.max_body_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body {
            status: Some(status.as_u16()),
            bytes,
            validators,
            hints: ResponseHints::default(),
            content_type,
        })
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
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
        {
            FetchError::Tls(detail)
        } else if error.is_connect() {
            FetchError::Connect(detail)
        } else {
            FetchError::Other(detail)
        }
    }
}

/// An error with its causes, because reqwest's own message ("error sending request") hides
/// the useful part.
fn chain(error: &dyn std::error::Error) -> String {
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
