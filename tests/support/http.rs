//! [`FeedServer`]: a loopback HTTP/1.1 server that serves feed files from a directory,
//! answers conditional GETs for real, plays the failures a fetcher has to survive, and
//! logs every request so tests can assert on what the client sent.
//!
//! Routes (everything else is a file under the served directory):
//!
//! | path                     | answer                                                        |
//! |--------------------------|---------------------------------------------------------------|
//! | `/{file}`                | the file, with `ETag`, `Last-Modified`, 304 on a match, or 404 |
//! | `/status/{code}`         | that status (200–599) and a one-line body; `?retry_after=V` adds `Retry-After: V` (V percent-decoded, so an HTTP-date fits) |
//! | `/hang`                  | reads the request and never answers (until the server stops) |
//! | `/trickle`               | 200 and headers at once, then one body byte a second, forever; `?type=T` sends `Content-Type: T` (percent-decoded) instead of RSS's |
//! | `/slow/{secs}/{file}`    | waits `secs` (fractions allowed), then serves `file`          |
//! | `/redirect/{n}/{file}`   | `301` n times (the last one to `/{file}`), then the file      |
//! | `/temporary/{file}`      | `302` to `/{file}`                                            |
//! | `/permanent/{code}/{file}` | `{code}` (301 or 308) to `/{file}`                          |
//! | `/loop`                  | `301` to itself, forever                                      |
//! | `/gzip/{file}`           | the file with `Content-Encoding: gzip`, whatever the client asked for |
//! | `/cache/{secs}/{file}`   | the file with `Cache-Control: max-age={secs}`                 |
//! | `/expires/{secs}/{file}` | the file with `Expires` set `secs` after its `Date`           |
//! | `/typed/{type}/{file}`   | the file with `Content-Type: {type}`, `type` percent-decoded (`text%2Fxml%3B%20charset%3Dlatin1`) |
//! | `/bomb/{megabytes}`      | gzip that inflates to that many MiB (`1024` is a gigabyte) of an RSS head and spaces, about 1 KiB sent per MiB; `?type=T` as for `/trickle` |
//! | `/huge/{megabytes}`      | 200, an HTML page of that many MiB announced in `Content-Length` and sent as fast as the client reads, made as it goes (never held) |
//! | `/endless`               | 200, an HTML page sent chunked as fast as the client reads, without end |
//!
//! Written on bare tokio rather than axum: `/hang` and `/trickle` need control below a
//! response body (a body that yields a byte a second needs a `Stream` or
//! `http_body::Body` impl, and neither trait's crate is a dependency of ours), and one
//! small request loop for every route is simpler than a router plus exceptions.
//!
//! The request log entry is written when the server has decided its answer: for `/slow`
//! that is before the wait, for `/hang` it is on arrival with status `0` (never answered),
//! for `/trickle` when the headers go out.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
use flate2::write::GzEncoder;
use flate2::{Compression, Crc};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::background::Background;

/// Longest request line or header line accepted; longer ones get a 400.
const MAX_LINE: u64 = 16 * 1024;
/// Most header lines accepted in one request.
const MAX_HEADERS: usize = 100;
/// What `/trickle` sends, one byte a second; after it, spaces.
const TRICKLE_PREFIX: &[u8] =
    b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel>\n";

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    /// The path part of the request target, without the query.
    pub path: String,
    pub query: Option<String>,
    /// The status answered; `0` for `/hang`, which never answers.
    pub status: u16,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub accept_encoding: Option<String>,
    /// When the request line arrived.
    pub received_at: Instant,
}

/// An HTTP server on `127.0.0.1` serving the files of one directory. Stops on drop.
pub struct FeedServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<RequestRecord>>>,
    gauge: Arc<InFlight>,
    background: Background,
}

/// How many requests are being answered at once, and the most there ever were.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// Counts one request as in flight until dropped (the reply written, or the connection
/// gone).
struct InFlightGuard(Arc<InFlight>);

impl InFlightGuard {
    fn new(gauge: &Arc<InFlight>) -> InFlightGuard {
        let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
        gauge.most.fetch_max(now, Ordering::SeqCst);
        InFlightGuard(Arc::clone(gauge))
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl FeedServer {
    /// Binds `127.0.0.1:0` and serves `dir`. Files are read again on every request, so a
    /// test changes what the server answers by rewriting a file.
    ///
    /// Async only so that it reads like the rest of a tokio test: the server runs on a
    /// thread of its own and is accepting connections when this returns.
    pub async fn start(dir: &Path) -> FeedServer {
        let listener = StdTcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let gauge = Arc::new(InFlight::default());
        let state = Arc::new(State {
            root: dir.to_path_buf(),
            log: Arc::clone(&log),
            gauge: Arc::clone(&gauge),
        });
        let background = Background::spawn("feed-server", listener, move |listener| {
            accept_loop(listener, state)
        });
        FeedServer {
            addr,
            log,
            gauge,
            background,
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/path`; a missing leading `/` is added.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, absolute(path))
    }

    /// Every request since the start or the last [`FeedServer::reset_log`], oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.lock().unwrap().clone()
    }

    /// The requests whose path (without query) is `path`; a missing leading `/` is added.
    pub fn requests_for(&self, path: &str) -> Vec<RequestRecord> {
        let path = absolute(path);
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many requests were answered with `status`.
    pub fn count_status(&self, status: u16) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.status == status)
            .count()
    }

    /// The most requests the server was answering at the same time (from reading a
    /// request to having written its reply).
    pub fn max_in_flight(&self) -> usize {
        self.gauge.most.load(Ordering::SeqCst)
    }

    pub fn reset_log(&self) {
        self.log.lock().unwrap().clear();
    }

    /// Stops the server now and waits until its port is closed (drop does the same).
    pub fn stop(mut self) {
        self.background.stop();
    }
}

/// Sets a file's modification time, which the server sends as `Last-Modified`.
///
/// `Last-Modified` has one-second resolution, so a test that rewrites a file within the
/// same second and relies on `If-Modified-Since` alone should move the time on with this.
pub fn set_modified(path: &Path, time: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(time))
        .unwrap_or_else(|e| panic!("set mtime of {}: {e}", path.display()));
}

/// Formats a time as an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%a, %d %b %Y %H:%M:%S GMT")
        .ok()
        .map(|naive| naive.and_utc())
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

struct State {
    root: PathBuf,
    log: Arc<Mutex<Vec<RequestRecord>>>,
    gauge: Arc<InFlight>,
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve_connection(stream, Arc::clone(&state)));
            }
            // Out of file descriptors or similar: back off instead of spinning.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Serves requests on one connection until the client closes it or asks to.
async fn serve_connection(stream: TcpStream, state: Arc<State>) {
    let mut conn = BufReader::new(stream);
    loop {
        let request = match read_request(&mut conn).await {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(e) => {
                let reply = Reply::text(400, &format!("bad request: {e}\n"));
                let _ = write_reply(&mut conn, "GET", reply, false).await;
                return;
            }
        };
        let _in_flight = InFlightGuard::new(&state.gauge);
        let keep_alive = request.keep_alive();
        let reply = route(&state, &request);
        state.log.lock().unwrap().push(request.record(reply.status));
        if matches!(reply.body, Body::Hang) {
            // Hold the connection open without a word until the server stops.
            std::future::pending::<()>().await;
        }
        if let Some(delay) = reply.delay {
            tokio::time::sleep(delay).await;
        }
        if write_reply(&mut conn, &request.method, reply, keep_alive)
            .await
            .is_err()
            || !keep_alive
        {
            return;
        }
    }
}

struct Request {
    received_at: Instant,
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target without scheme and authority (a proxy-style absolute URI is accepted).
    fn origin_form(&self) -> &str {
        let target = self.target.as_str();
        match target.strip_prefix("http://") {
            Some(rest) => rest.find('/').map_or("/", |i| &rest[i..]),
            None => target,
        }
    }

    fn path(&self) -> &str {
        let target = self.origin_form();
        target.split_once('?').map_or(target, |(path, _)| path)
    }

    fn query(&self) -> Option<&str> {
        self.origin_form().split_once('?').map(|(_, query)| query)
    }

    fn query_param(&self, name: &str) -> Option<&str> {
        self.query()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or("").to_ascii_lowercase();
        if self.version == "HTTP/1.0" {
            connection.contains("keep-alive")
        } else {
            !connection.contains("close")
        }
    }

    fn record(&self, status: u16) -> RequestRecord {
        let owned = |name: &str| self.header(name).map(str::to_string);
        RequestRecord {
            method: self.method.clone(),
            path: self.path().to_string(),
            query: self.query().map(str::to_string),
            status,
            if_none_match: owned("if-none-match"),
            if_modified_since: owned("if-modified-since"),
            user_agent: owned("user-agent"),
            accept_encoding: owned("accept-encoding"),
            received_at: self.received_at,
        }
    }
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// Reads one line (without its CRLF). `None` at a clean end of stream.
async fn read_line(conn: &mut BufReader<TcpStream>) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = (&mut *conn)
        .take(MAX_LINE)
        .read_until(b'\n', &mut line)
        .await?;
    if n == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(invalid(if n as u64 == MAX_LINE {
            "line too long"
        } else {
            "connection closed mid-line"
        }));
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

/// Reads a request head and discards its body. `None` if the client closed the
/// connection between requests.
async fn read_request(conn: &mut BufReader<TcpStream>) -> io::Result<Option<Request>> {
    // RFC 9112 §2.2: ignore empty lines before the request line.
    let request_line = loop {
        match read_line(conn).await? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let received_at = Instant::now();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("unsupported HTTP version"));
    }
    let mut headers = Vec::new();
    loop {
        let line = read_line(conn)
            .await?
            .ok_or_else(|| invalid("connection closed in headers"))?;
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(invalid("too many headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid("header line without a colon"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let request = Request {
        received_at,
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers,
    };
    if request.header("transfer-encoding").is_some() {
        return Err(invalid(
            "request bodies with Transfer-Encoding are not supported",
        ));
    }
    if let Some(length) = request.header("content-length") {
        let length: u64 = length.parse().map_err(|_| invalid("bad Content-Length"))?;
        let copied =
            tokio::io::copy(&mut (&mut *conn).take(length), &mut tokio::io::sink()).await?;
        if copied != length {
            return Err(invalid("connection closed in body"));
        }
    }
    Ok(Some(request))
}

enum Body {
    Bytes(Vec<u8>),
    Hang,
    Trickle,
    /// HTML made as it is sent: this many bytes, announced, or chunked without end.
    Endless(Option<u64>),
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Body,
    delay: Option<Duration>,
}

impl Reply {
    fn text(status: u16, text: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_string())],
            body: Body::Bytes(text.as_bytes().to_vec()),
            delay: None,
        }
    }

    fn redirect(location: String) -> Reply {
        Reply::redirect_with(301, location)
    }

    fn redirect_with(status: u16, location: String) -> Reply {
        let mut reply = Reply::text(status, &format!("moved to {location}\n"));
        reply.headers.push(("Location", location));
        reply
    }

    /// Sets a header, replacing one of the same name.
    fn set_header(&mut self, name: &'static str, value: String) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value));
    }

    /// Whether this reply is a file served (or found unchanged), which the header routes
    /// decorate; a 404 stays plain.
    fn is_file(&self) -> bool {
        self.status == 200 || self.status == 304
    }
}

#[derive(Clone, Copy)]
enum Encoding {
    Identity,
    Gzip,
}

fn route(state: &State, request: &Request) -> Reply {
    if request.method != "GET" && request.method != "HEAD" {
        let mut reply = Reply::text(405, "only GET and HEAD\n");
        reply.headers.push(("Allow", "GET, HEAD".to_string()));
        return reply;
    }
    let path = request.path().trim_start_matches('/');
    let segments: Vec<&str> = path.split('/').collect();
    match segments.as_slice() {
        ["hang"] => Reply {
            status: 0,
            headers: Vec::new(),
            body: Body::Hang,
            delay: None,
        },
        ["trickle"] => Reply {
            status: 200,
            headers: vec![("Content-Type", typed(request, "application/rss+xml"))],
            body: Body::Trickle,
            delay: None,
        },
        ["endless"] => Reply {
            status: 200,
            headers: vec![("Content-Type", "text/html".to_string())],
            body: Body::Endless(None),
            delay: None,
        },
        ["huge", megabytes] => match megabytes.parse::<u64>() {
            Ok(megabytes) => Reply {
                status: 200,
                headers: vec![("Content-Type", "text/html".to_string())],
                body: Body::Endless(Some(megabytes << 20)),
                delay: None,
            },
            Err(_) => Reply::text(400, "bad size\n"),
        },
        ["loop"] => Reply::redirect("/loop".to_string()),
        ["status", code] => status_reply(code, request),
        ["slow", secs, rest @ ..] if !rest.is_empty() => {
            match secs
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
            {
                Some(secs) => Reply {
                    delay: Some(Duration::from_secs_f64(secs)),
                    ..serve_file(state, &rest.join("/"), request, Encoding::Identity)
                },
                None => Reply::text(400, "bad delay\n"),
            }
        }
        ["redirect", n, rest @ ..] if !rest.is_empty() => {
            let rest = rest.join("/");
            match n.parse::<u32>() {
                Ok(0) => serve_file(state, &rest, request, Encoding::Identity),
                Ok(1) => Reply::redirect(format!("/{rest}")),
                Ok(n) => Reply::redirect(format!("/redirect/{}/{rest}", n - 1)),
                Err(_) => Reply::text(400, "bad redirect count\n"),
            }
        }
        ["gzip", rest @ ..] if !rest.is_empty() => {
            serve_file(state, &rest.join("/"), request, Encoding::Gzip)
        }
        ["temporary", rest @ ..] if !rest.is_empty() => {
            Reply::redirect_with(302, format!("/{}", rest.join("/")))
        }
        ["permanent", code @ ("301" | "308"), rest @ ..] if !rest.is_empty() => {
            Reply::redirect_with(code.parse().unwrap(), format!("/{}", rest.join("/")))
        }
        ["cache", secs, rest @ ..] if !rest.is_empty() => {
            let mut reply = serve_file(state, &rest.join("/"), request, Encoding::Identity);
            if reply.is_file() {
                reply.set_header("Cache-Control", format!("max-age={secs}"));
            }
            reply
        }
        ["expires", secs, rest @ ..] if !rest.is_empty() => {
            let Ok(secs) = secs.parse::<u64>() else {
                return Reply::text(400, "bad expiry\n");
            };
            let mut reply = serve_file(state, &rest.join("/"), request, Encoding::Identity);
            if reply.is_file() {
                // The Date written with the reply is taken in the same second, almost always.
                let now = SystemTime::now();
                reply.set_header("Date", http_date(now));
                reply.set_header("Expires", http_date(now + Duration::from_secs(secs)));
            }
            reply
        }
        ["typed", content_type, rest @ ..] if !rest.is_empty() => {
            let mut reply = serve_file(state, &rest.join("/"), request, Encoding::Identity);
            if reply.status == 200 {
                reply.set_header("Content-Type", percent_decode(content_type));
            }
            reply
        }
        ["bomb", megabytes] => match megabytes.parse::<u64>() {
            Ok(megabytes) if megabytes <= 4096 => {
                let mut reply = Reply::text(200, "");
                reply.set_header("Content-Type", typed(request, "application/rss+xml"));
                reply.set_header("Content-Encoding", "gzip".to_string());
                reply.body = Body::Bytes(gzip_bomb(megabytes << 20));
                reply
            }
            _ => Reply::text(400, "bomb size must be 0-4096 MiB\n"),
        },
        _ => serve_file(state, path, request, Encoding::Identity),
    }
}

/// The Content-Type a request asks for with `?type=` (percent-decoded), else `default`.
fn typed(request: &Request, default: &str) -> String {
    request
        .query_param("type")
        .map_or_else(|| default.to_string(), percent_decode)
}

fn status_reply(code: &str, request: &Request) -> Reply {
    let Some(code) = code.parse::<u16>().ok().filter(|c| (200..=599).contains(c)) else {
        return Reply::text(400, "status must be 200-599\n");
    };
    let mut reply = Reply::text(code, &format!("{code} {}\n", reason(code)));
    if let Some(value) = request.query_param("retry_after") {
        reply.headers.push(("Retry-After", percent_decode(value)));
    }
    reply
}

/// `%XX` escapes (and `+` for a space, as in a query) decoded; a broken escape is kept as
/// it is.
fn percent_decode(text: &str) -> String {
    // `+` first: an escaped plus (`%2B`) stays a plus.
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `rel` under `root`, or `None` if it is empty or tries to leave `root`.
fn resolve(root: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    let plain = rel.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !rel.as_os_str().is_empty()).then(|| root.join(rel))
}

fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match extension.as_str() {
        "rss" => "application/rss+xml",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "json" => "application/feed+json",
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A strong validator: the first 128 bits of the SHA-256 of the bytes sent.
fn etag(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// RFC 9110 §13.1.1 and §13.1.3: `If-None-Match` (weak comparison) wins over
/// `If-Modified-Since`, which is only looked at when there is no `If-None-Match`.
fn not_modified(request: &Request, etag: &str, modified: Option<DateTime<Utc>>) -> bool {
    if let Some(candidates) = request.header("if-none-match") {
        let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
        return candidates
            .split(',')
            .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag));
    }
    match (
        request
            .header("if-modified-since")
            .and_then(parse_http_date),
        modified,
    ) {
        (Some(since), Some(modified)) => modified.timestamp() <= since.timestamp(),
        _ => false,
    }
}

fn serve_file(state: &State, rel: &str, request: &Request, encoding: Encoding) -> Reply {
    let Some(file) = resolve(&state.root, rel) else {
        return Reply::text(404, "not found\n");
    };
    let Ok(bytes) = std::fs::read(&file) else {
        return Reply::text(404, "not found\n");
    };
    let modified = std::fs::metadata(&file)
        .and_then(|m| m.modified())
        .ok()
        .map(DateTime::<Utc>::from);
    let bytes = match encoding {
        Encoding::Identity => bytes,
        Encoding::Gzip => gzip(&bytes),
    };
    let tag = etag(&bytes);
    let mut headers = vec![("ETag", tag.clone())];
    if let Some(modified) = modified {
        headers.push((
            "Last-Modified",
            modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ));
    }
    if not_modified(request, &tag, modified) {
        return Reply {
            status: 304,
            headers,
            body: Body::Bytes(Vec::new()),
            delay: None,
        };
    }
    headers.push(("Content-Type", content_type(&file).to_string()));
    if let Encoding::Gzip = encoding {
        headers.push(("Content-Encoding", "gzip".to_string()));
        headers.push(("Vary", "Accept-Encoding".to_string()));
    }
    Reply {
        status: 200,
        headers,
        body: Body::Bytes(bytes),
        delay: None,
    }
}

async fn write_reply(
    conn: &mut BufReader<TcpStream>,
    method: &str,
    reply: Reply,
    keep_alive: bool,
) -> io::Result<()> {
    let status = reply.status;
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    if !reply.headers.iter().any(|(name, _)| *name == "Date") {
        head.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
    }
    head.push_str("Server: newshound-test-feeds\r\n");
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // 204 and 304 never carry a body (RFC 9110 §6.4.1), so they get no length either.
    let bodiless_status = status == 204 || status == 304;
    match &reply.body {
        Body::Bytes(bytes) if !bodiless_status => {
            head.push_str(&format!("Content-Length: {}\r\n", bytes.len()));
        }
        Body::Trickle | Body::Endless(None) => head.push_str("Transfer-Encoding: chunked\r\n"),
        Body::Endless(Some(length)) => head.push_str(&format!("Content-Length: {length}\r\n")),
        _ => {}
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes()).await?;
    let send_body = method != "HEAD" && !bodiless_status;
    match reply.body {
        Body::Bytes(bytes) if send_body => conn.write_all(&bytes).await?,
        Body::Trickle if send_body => trickle(conn).await?,
        Body::Endless(length) if send_body => endless(conn, length).await?,
        _ => {}
    }
    conn.flush().await
}

/// An HTML page of `length` bytes (chunked and without end when `None`), written as fast
/// as the client reads it until it goes away.
async fn endless(conn: &mut BufReader<TcpStream>, length: Option<u64>) -> io::Result<()> {
    let paragraph = b"<p>Filler paragraph of a page that never ends. </p>\n".repeat(1260);
    let mut sent = 0u64;
    if length.is_none() {
        conn.write_all(b"1b\r\n<!DOCTYPE html><html><body>\r\n")
            .await?;
    }
    loop {
        let chunk = match length {
            Some(length) if sent >= length => return Ok(()),
            Some(length) => &paragraph[..paragraph.len().min((length - sent) as usize)],
            None => &paragraph[..],
        };
        if length.is_none() {
            conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            conn.write_all(chunk).await?;
            conn.write_all(b"\r\n").await?;
        } else {
            conn.write_all(chunk).await?;
        }
        sent += chunk.len() as u64;
    }
}

/// One chunk of one byte a second until the client goes away or the server stops.
async fn trickle(conn: &mut BufReader<TcpStream>) -> io::Result<()> {
    for i in 0usize.. {
        let byte = TRICKLE_PREFIX.get(i).copied().unwrap_or(b' ');
        conn.write_all(&[b'1', b'\r', b'\n', byte, b'\r', b'\n'])
            .await?;
        conn.flush().await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        0 => "No Answer",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// `data` gzipped (RFC 1952), header, CRC-32 and length trailer and all, so a client only
/// reads it right if it decodes gzip.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Deflate's shortest way to say "the same byte again", 258 bytes at a time.
const LONGEST_MATCH: u64 = 258;
/// What a bomb inflates to first; spaces follow.
const BOMB_HEAD: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Bomb</title>\n";

/// A gzip stream that inflates to `size` bytes (rounded down to whole 258-byte matches):
/// [`BOMB_HEAD`] in a stored block, then one dynamic-Huffman block holding a space and a
/// run of <length 258, distance 1> matches. The Huffman codes are chosen so that a match
/// costs two zero bits, so the inflated data is never held anywhere, and a gigabyte costs
/// about a megabyte of zeros on the wire. The trailer's CRC-32 is right, so a client that
/// reads to the end accepts it.
fn gzip_bomb(size: u64) -> Vec<u8> {
    let matches = size.saturating_sub(BOMB_HEAD.len() as u64 + 1) / LONGEST_MATCH;
    let spaces = 1 + matches * LONGEST_MATCH;
    let mut out = Bits::default();
    out.bytes
        .extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    // Stored block, not final: BFINAL 0, BTYPE 00, then LEN and NLEN on a byte boundary.
    let len = BOMB_HEAD.len() as u16;
    out.bytes.push(0);
    out.bytes.extend_from_slice(&len.to_le_bytes());
    out.bytes.extend_from_slice(&(!len).to_le_bytes());
    out.bytes.extend_from_slice(BOMB_HEAD);
    // Dynamic block, final (RFC 1951 §3.2.7): 286 literal/length codes, 2 distance codes,
    // 18 code-length codes.
    out.bits(1, 1);
    out.bits(2, 2);
    out.bits(286 - 257, 5);
    out.bits(2 - 1, 5);
    out.bits(18 - 4, 4);
    // Code lengths of the code-length alphabet, in its odd order: 18 (a run of zeros) gets
    // 1 bit, the lengths 1 and 2 get 2 bits; so 18 ↦ 0, 1 ↦ 10, 2 ↦ 11.
    for symbol in [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1] {
        out.bits(
            match symbol {
                18 => 1,
                1 | 2 => 2,
                _ => 0,
            },
            3,
        );
    }
    let zeros = |out: &mut Bits, run: u32| {
        out.code(0b0, 1);
        out.bits(run - 11, 7);
    };
    let length = |out: &mut Bits, bits: u8| match bits {
        1 => out.code(0b10, 2),
        _ => out.code(0b11, 2),
    };
    // Literal/length code lengths: ' ' (32) and end-of-block (256) 2 bits, length 258
    // (285) 1 bit; so 285 ↦ 0, ' ' ↦ 10, end ↦ 11. Then both distance codes 1 bit.
    zeros(&mut out, 32);
    length(&mut out, 2);
    zeros(&mut out, 138);
    zeros(&mut out, 255 - 33 + 1 - 138);
    length(&mut out, 2);
    zeros(&mut out, 284 - 257 + 1);
    length(&mut out, 1);
    length(&mut out, 1);
    length(&mut out, 1);
    // The data: one space, then each match as code 285 (`0`) and distance code 0 (`0`).
    out.code(0b10, 2);
    out.zeros(2 * matches);
    out.code(0b11, 2);
    let mut bytes = out.finish();
    let mut crc = Crc::new();
    crc.update(BOMB_HEAD);
    crc.combine(&repeated_crc(b' ', spaces));
    bytes.extend_from_slice(&crc.sum().to_le_bytes());
    bytes.extend_from_slice(&((BOMB_HEAD.len() as u64 + spaces) as u32).to_le_bytes());
    bytes
}

/// A deflate bit stream: values go in least significant bit first, Huffman codes most
/// significant bit first.
#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    pending: u8,
    count: u32,
}

impl Bits {
    fn bits(&mut self, value: u32, count: u32) {
        for i in 0..count {
            self.bit((value >> i) & 1 == 1);
        }
    }

    fn code(&mut self, code: u32, length: u32) {
        for i in (0..length).rev() {
            self.bit((code >> i) & 1 == 1);
        }
    }

    fn bit(&mut self, set: bool) {
        self.pending |= u8::from(set) << self.count;
        self.count += 1;
        if self.count == 8 {
            self.bytes.push(self.pending);
            self.pending = 0;
            self.count = 0;
        }
    }

    fn zeros(&mut self, mut count: u64) {
        while count > 0 && self.count != 0 {
            self.bit(false);
            count -= 1;
        }
        self.bytes
            .resize(self.bytes.len() + (count / 8) as usize, 0);
        for _ in 0..count % 8 {
            self.bit(false);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            self.bytes.push(self.pending);
        }
        self.bytes
    }
}

/// The CRC-32 of `byte` repeated `times` times, without going through the bytes: the CRCs
/// of two blocks combine into the CRC of one after the other, so doubling a block gives
/// the runs of 1, 2, 4, … bytes, and the runs of the bits set in `times` make up the whole.
fn repeated_crc(byte: u8, times: u64) -> Crc {
    let mut whole = Crc::new();
    let mut run = Crc::new();
    run.update(&[byte]);
    let mut times = times;
    while times > 0 {
        if times & 1 == 1 {
            whole.combine(&run);
        }
        // `Crc` is not `Clone`: the doubled run is an empty CRC combined with the run twice.
        let mut doubled = Crc::new();
        doubled.combine(&run);
        doubled.combine(&run);
        run = doubled;
        times >>= 1;
    }
    whole
}
