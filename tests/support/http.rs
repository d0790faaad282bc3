//! [`FeedServer`]: a loopback HTTP/1.1 server that serves feed files from a directory,
//! answers conditional GETs for real, plays the failures a fetcher has to survive, and
//! logs every request so tests can assert on what the client sent.
//!
//! Routes (everything else is a file under the served directory):
//!
//! | path                     | answer                                                        |
//! |--------------------------|---------------------------------------------------------------|
//! | `/{file}`                | the file, with `ETag`, `Last-Modified`, 304 on a match, or 404 |
//! | `/status/{code}`         | that status (200–599) and a one-line body; `?retry_after=N` adds `Retry-After: N` |
//! | `/hang`                  | reads the request and never answers (until the server stops) |
//! | `/trickle`               | 200 and headers at once, then one body byte a second, forever |
//! | `/slow/{secs}/{file}`    | waits `secs` (fractions allowed), then serves `file`          |
//! | `/redirect/{n}/{file}`   | `301` n times (the last one to `/{file}`), then the file      |
//! | `/loop`                  | `301` to itself, forever                                      |
//! | `/gzip/{file}`           | the file with `Content-Encoding: gzip`, whatever the client asked for |
//!
//! Written on bare tokio rather than axum: `/hang` and `/trickle` need control below a
//! response body (a body that yields a byte a second needs a `Stream` or
//! `http_body::Body` impl, and neither trait's crate is a dependency of ours), and one
//! small request loop for every route is simpler than a router plus exceptions.
//!
//! The request log entry is written when the server has decided its answer: for `/slow`
//! that is before the wait, for `/hang` it is on arrival with status `0` (never answered),
//! for `/trickle` when the headers go out.

use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDateTime, Utc};
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
        let mut reply = Reply::text(301, &format!("moved to {location}\n"));
        reply.headers.push(("Location", location));
        reply
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
            headers: vec![("Content-Type", "application/rss+xml".to_string())],
            body: Body::Trickle,
            delay: None,
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
        _ => serve_file(state, path, request, Encoding::Identity),
    }
}

fn status_reply(code: &str, request: &Request) -> Reply {
    let Some(code) = code.parse::<u16>().ok().filter(|c| (200..=599).contains(c)) else {
        return Reply::text(400, "status must be 200-599\n");
    };
    let mut reply = Reply::text(code, &format!("{code} {}\n", reason(code)));
    if let Some(secs) = request.query_param("retry_after") {
        reply.headers.push(("Retry-After", secs.to_string()));
    }
    reply
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
    head.push_str(&format!("Date: {}\r\n", http_date(SystemTime::now())));
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
        Body::Trickle => head.push_str("Transfer-Encoding: chunked\r\n"),
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
        _ => {}
    }
    conn.flush().await
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

/// Gzip framing (RFC 1952) around deflate "stored" blocks (RFC 1951 §3.2.4).
///
/// No compression: flate2 is not a dependency of ours. The stream is still real gzip, with
/// header, CRC-32 and length trailer, so a client only reads it right if it decodes gzip.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut blocks = data.chunks(usize::from(u16::MAX)).peekable();
    if blocks.peek().is_none() {
        // An empty input is still one (final, empty) block.
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        let len = block.len() as u16;
        out.push(u8::from(last));
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), bit by bit: the feeds are small.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
