//! The daemon's optional HTTP listener (`[server] listen`): `/healthz`, `/metrics` and
//! `/feeds` (and `/webhooks`), for a load balancer, Prometheus and a quick look, and each watchlist as an
//! Atom feed for a reader (`/watchlists/NAME.atom`, listed by `/watchlists` and
//! `/watchlists.opml`; see [`watchlist_feeds`]). With `[server] token_env` or
//! `token_file`, every route but `/healthz` needs the token.
//!
//! hyper's HTTP/1.1 server (the same hyper reqwest brings) on a `tokio::net::TcpListener`:
//! three read-only routes, GET and HEAD, no request body, one request per connection
//! (`Connection: close`). It replaced a hand-written responder so that reading requests
//! and framing answers (HTTP/1.0 clients, bare `\n` line ends, a HEAD answer's length
//! without its body, 400 for a malformed head) is hyper's well-worn code rather than ours;
//! what is left here is the routes and the limits. What keeps it safe is short and
//! visible here: the request head may be [`MAX_HEAD`] bytes (longer gets 431) and must
//! arrive within [`READ_TIMEOUT`] (else hyper closes the connection without an answer),
//! the whole exchange ends within [`READ_TIMEOUT`], [`HANDLER_TIMEOUT`] and
//! [`WRITE_TIMEOUT`] together (hyper has no write timeout of its own), each connection
//! has a task of its own (a slow client holds up no one else) and at most
//! [`MAX_CONNECTIONS`] are served at once (more wait their turn).
//!
//! Each request reads the daemon's *current* context from a `watch` channel, so that a
//! reloaded configuration shows at once; the counters live in one [`Metrics`] shared by
//! every context.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{
    ALLOW, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, ETAG, HeaderValue, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, WWW_AUTHENTICATE,
};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::Context;
use super::metrics::{Health, Metrics};
use super::{status, watchlist_feeds, webhooks};

/// The longest request head (request line and headers) read; longer, or with more than
/// hyper's 100 headers, gets 431.
const MAX_HEAD: usize = 8 * 1024;
/// A client has this long to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// And this long to take the answer. hyper has no write timeout: the whole exchange is
/// bounded by the three timeouts together instead.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// `/feeds` reads the database; if that is busy for longer, 503.
const HANDLER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; further ones wait (in the kernel's accept queue) for one
/// to finish, which a silent client does within [`READ_TIMEOUT`]. A bound on the file
/// descriptors and memory (a [`MAX_HEAD`] buffer each) a flood of clients can take from
/// the daemon's own work.
const MAX_CONNECTIONS: usize = 256;

/// The listener's task; dropping it stops listening.
pub(super) struct Server {
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `[server] listen` if it is set and serves it until the returned [`Server`] is
/// dropped. Failing to bind (the port taken) is an error: the operator asked for it.
pub(super) async fn start(
    current: watch::Receiver<Arc<Context>>,
) -> anyhow::Result<Option<Server>> {
    let (listen, metrics) = {
        let ctx = current.borrow();
        (ctx.settings.server.listen, Arc::clone(&ctx.metrics))
    };
    let Some(address) = listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(address)
        .await
        .with_context(|| format!("cannot listen on {address} ([server] listen)"))?;
    let address = listener.local_addr().unwrap_or(address);
    tracing::info!(%address, "serving /healthz, /metrics, /feeds, /webhooks and /watchlists");
    let task = tokio::spawn(accept_loop(listener, current, metrics));
    Ok(Some(Server { task }))
}

async fn accept_loop(
    listener: TcpListener,
    current: watch::Receiver<Arc<Context>>,
    metrics: Arc<Metrics>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        // A slot first, then the connection: when all are taken, the next client waits
        // for a free one rather than being turned away.
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        let (mut stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let (ctx, metrics) = (current.borrow().clone(), Arc::clone(&metrics));
        tokio::spawn(async move {
            handle(&mut stream, &ctx, &metrics).await;
            drop(slot);
        });
    }
}

/// One request on one connection, then the connection is closed.
async fn handle(stream: &mut TcpStream, ctx: &Context, metrics: &Metrics) {
    let mut http = http1::Builder::new();
    http.keep_alive(false)
        // hyper reads at most this much before it has a whole head (it cannot go below
        // 8 KiB), and refuses a longer head that happened to arrive in one read.
        .max_buf_size(MAX_HEAD)
        .max_header_size(MAX_HEAD)
        .timer(TokioTimer::new())
        .header_read_timeout(READ_TIMEOUT)
        // A client that closes its side once it has sent its request (`nc -N`) is still
        // answered, rather than taken for gone while `/feeds` reads the database.
        .half_close(true)
        // Heads as the hand-written responder wrote them, which clients and scripts may
        // look for: `Content-Length: 3` rather than `content-length: 3`, and no `Date`.
        .title_case_headers(true)
        .auto_date_header(false);
    // The stream is lent, not given, so that it can still be drained below.
    let exchange = http.serve_connection(
        TokioIo::new(&mut *stream),
        service_fn(|request| respond(request, ctx, metrics)),
    );
    let answered = match tokio::time::timeout(
        READ_TIMEOUT + HANDLER_TIMEOUT + WRITE_TIMEOUT,
        exchange,
    )
    .await
    {
        Ok(Ok(())) => true,
        // A malformed or oversized head, which hyper answers (400, 431) itself.
        Ok(Err(e)) => e.is_parse(),
        // The head did not come in time, the client went away, or it would not take
        // the answer.
        Err(_) => false,
    };
    if answered {
        // Read what the client may still send (the rest of an oversized head) for a
        // moment before closing: closing with unread data resets the connection, and the
        // client could lose the answer.
        let mut sink = [0; 4096];
        let drain = async {
            let mut total = 0;
            while let Ok(n @ 1..) = stream.read(&mut sink).await {
                total += n;
                if total > 64 * 1024 {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
    }
}

/// What every request is answered with; hyper adds `Content-Length` (also to a HEAD
/// answer, whose body it leaves out) and `Connection: close`.
type Answer = Response<Full<Bytes>>;

const ROUTES: [&str; 6] = [
    "/healthz",
    "/metrics",
    "/feeds",
    "/webhooks",
    "/watchlists",
    "/watchlists.opml",
];

/// The connection's one request. Infallible: every failure is an answer.
async fn respond(
    request: Request<Incoming>,
    ctx: &Context,
    metrics: &Metrics,
) -> Result<Answer, Infallible> {
    let path = request.uri().path();
    let known = ROUTES.contains(&path) || path.starts_with("/watchlists/");
    let answer = if let Some(denied) = access(&request, ctx) {
        denied
    } else if matches!(*request.method(), Method::GET | Method::HEAD) {
        route(&request, ctx, metrics).await
    } else if known {
        let mut answer = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: GET or HEAD",
        );
        answer
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        answer
    } else {
        text(StatusCode::NOT_FOUND, "not found")
    };
    tracing::debug!(
        method = %request.method(),
        path,
        query = %redacted_query(request.uri().query()),
        status = answer.status().as_u16(),
        "answered a request"
    );
    Ok(answer)
}

/// `None` when the request may go on: no token is configured, it asks for `/healthz`, or
/// it carries the token (`Authorization: Bearer`, or `?token=` for feed readers, which
/// cannot send headers). Else the 401 to answer.
fn access(request: &Request<Incoming>, ctx: &Context) -> Option<Answer> {
    let token = ctx.settings.server.token.as_ref()?;
    if request.uri().path() == "/healthz" {
        return None;
    }
    let bearer = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, value)| value.trim().to_string());
    let presented = bearer.into_iter().chain(query_token(request.uri().query()));
    let mut granted = false;
    for candidate in presented {
        granted |= same_secret(&candidate, token.expose());
    }
    if granted {
        return None;
    }
    let mut answer = text(
        StatusCode::UNAUTHORIZED,
        "a token is needed: send `Authorization: Bearer TOKEN`, or add ?token=TOKEN",
    );
    answer.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"newshound\""),
    );
    Some(answer)
}

/// The `token` parameter of a query.
fn query_token(query: Option<&str>) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find(|(key, _)| key == "token")
        .map(|(_, value)| value.into_owned())
}

/// Whether two secrets are equal, in time that depends on neither: their SHA-256 digests
/// are compared byte by byte without stopping early.
fn same_secret(a: &str, b: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// A query as it may be logged: the value of each parameter that is named `token`, in
/// any case or percent-encoding, replaced by `***`.
fn redacted_query(query: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    query
        .split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or_default();
            let decoded = percent_encoding::percent_decode_str(&name.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            if decoded.trim().eq_ignore_ascii_case("token") {
                format!("{name}=***")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn route(request: &Request<Incoming>, ctx: &Context, metrics: &Metrics) -> Answer {
    let path = request.uri().path();
    match path {
        "/healthz" => match metrics.health(ctx.clock.now(), ctx.settings.server.stalled_after) {
            Health::Ok => text(StatusCode::OK, "ok"),
            Health::Unhealthy(reason) => text(StatusCode::SERVICE_UNAVAILABLE, &reason),
        },
        "/metrics" => {
            let watchlists: Vec<&str> = ctx
                .settings
                .watchlists
                .iter()
                .map(|w| w.name.as_str())
                .collect();
            answer(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics
                    .render(ctx.settings.feeds.len(), &watchlists)
                    .into_bytes(),
            )
        }
        "/feeds" => match tokio::time::timeout(HANDLER_TIMEOUT, status::overview(ctx)).await {
            Ok(Ok(feeds)) => json(&feeds),
            Ok(Err(e)) => unreadable(&e, "/feeds"),
            Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "the database is busy"),
        },
        "/webhooks" => match tokio::time::timeout(HANDLER_TIMEOUT, webhooks::overview(ctx)).await {
            Ok(Ok(hooks)) => json(&hooks),
            Ok(Err(e)) => unreadable(&e, "/webhooks"),
            Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "the database is busy"),
        },
        "/watchlists" => json(&watchlist_feeds::listing(ctx, &links(request, ctx))),
        "/watchlists.opml" => answer(
            StatusCode::OK,
            "text/x-opml; charset=utf-8",
            watchlist_feeds::opml(ctx, &links(request, ctx)).into_bytes(),
        ),
        _ => match watchlist_name(path) {
            Some(name) => atom(request, ctx, &name).await,
            None => text(StatusCode::NOT_FOUND, "not found"),
        },
    }
}

/// The watchlist a `/watchlists/NAME.atom` path names, percent-decoded (a `/` in a name
/// is `%2F` in the path).
fn watchlist_name(path: &str) -> Option<String> {
    let encoded = path.strip_prefix("/watchlists/")?.strip_suffix(".atom")?;
    let name = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .ok()?;
    (!name.is_empty()).then(|| name.into_owned())
}

/// A watchlist's feed, or 304 when the client's copy is this one.
async fn atom(request: &Request<Incoming>, ctx: &Context, name: &str) -> Answer {
    let links = links(request, ctx);
    let feed = match tokio::time::timeout(HANDLER_TIMEOUT, watchlist_feeds::atom(ctx, name, &links))
        .await
    {
        Ok(Ok(Some(feed))) => feed,
        Ok(Ok(None)) => return text(StatusCode::NOT_FOUND, "no watchlist has that name"),
        Ok(Err(e)) => return unreadable(&e, "a watchlist's feed"),
        Err(_) => return text(StatusCode::SERVICE_UNAVAILABLE, "the database is busy"),
    };
    let etag = {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(feed.xml.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    };
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let unchanged = watchlist_feeds::unchanged(
        &etag,
        feed.updated,
        header(IF_NONE_MATCH),
        header(IF_MODIFIED_SINCE),
    );
    let mut answer = if unchanged {
        let mut answer = Response::new(Full::new(Bytes::new()));
        *answer.status_mut() = StatusCode::NOT_MODIFIED;
        answer
    } else {
        answer(
            StatusCode::OK,
            "application/atom+xml; charset=utf-8",
            feed.xml.into_bytes(),
        )
    };
    let headers = answer.headers_mut();
    // Readers may keep a copy, and ask whether it is still good.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(ETAG, value);
    }
    if feed.updated > chrono::DateTime::UNIX_EPOCH {
        let modified = httpdate::fmt_http_date(std::time::SystemTime::from(feed.updated));
        if let Ok(value) = HeaderValue::from_str(&modified) {
            headers.insert(LAST_MODIFIED, value);
        }
    }
    answer
}

/// Where this listener is reached, for the links it hands out: `[server] public_url`,
/// else the request's `Host` (and `X-Forwarded-Proto` / `X-Forwarded-Host`, as a reverse
/// proxy sets them); with the token, when one is configured.
fn links(request: &Request<Incoming>, ctx: &Context) -> watchlist_feeds::Links {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let base = ctx.settings.server.public_url.clone().or_else(|| {
        let scheme = match header("x-forwarded-proto") {
            Some("https") => "https",
            _ => "http",
        };
        let host = header("x-forwarded-host").or_else(|| header("host"))?;
        url::Url::parse(&format!("{scheme}://{host}/"))
            .ok()
            .filter(|u| u.path() == "/" && u.query().is_none())
    });
    let base = base.unwrap_or_else(|| {
        let listen = ctx
            .settings
            .server
            .listen
            .map_or_else(|| "127.0.0.1".to_string(), |a| a.to_string());
        url::Url::parse(&format!("http://{listen}/"))
            .unwrap_or_else(|_| url::Url::parse("http://127.0.0.1/").expect("a URL"))
    });
    watchlist_feeds::Links {
        base,
        token: ctx
            .settings
            .server
            .token
            .as_ref()
            .map(|t| t.expose().to_string()),
    }
}

fn json<T: serde::Serialize>(value: &T) -> Answer {
    match serde_json::to_vec(value) {
        Ok(body) => answer(StatusCode::OK, "application/json", body),
        Err(e) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("cannot encode the answer: {e}"),
        ),
    }
}

fn unreadable(error: &anyhow::Error, what: &str) -> Answer {
    tracing::warn!(error = %format!("{error:#}"), "cannot read the database for {what}");
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "the database cannot be read right now",
    )
}

fn text(status: StatusCode, text: &str) -> Answer {
    answer(
        status,
        "text/plain; charset=utf-8",
        format!("{text}\n").into_bytes(),
    )
}

fn answer(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    answer
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::path::Path;

    use tokio::io::AsyncWriteExt;

    use super::*;
    use crate::daemon::Clock;

    /// A context on a fresh database in `dir`, with one feed.
    async fn context(dir: &Path) -> Arc<Context> {
        let config = dir.join("n.toml");
        std::fs::write(
            &config,
            format!(
                "[storage]\npath = {:?}\n\n\
                 [[feeds]]\nname = \"wire\"\nurl = \"http://127.0.0.1:9/wire.rss\"\n",
                dir.join("n.db")
            ),
        )
        .unwrap();
        let settings = crate::config::load_with_env(&config, HashMap::new()).unwrap();
        Context::open(settings, Clock::system()).await.unwrap()
    }

    /// `request` sent on a connection of its own, which the client then closes on its
    /// side; the status of the answer, `None` when there was none.
    async fn status_of(request: &[u8], ctx: &Context) -> Option<u16> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (mut stream, _) = listener.accept().await.unwrap();
        let talk = async {
            client.write_all(request).await.unwrap();
            client.shutdown().await.unwrap();
            let mut answer = Vec::new();
            let _ = client.read_to_end(&mut answer).await;
            drop(client);
            answer
        };
        // The stream closed once handled, as the accept loop's task closes it.
        let serve = async move { handle(&mut stream, ctx, &ctx.metrics).await };
        let ((), answer) = tokio::join!(serve, talk);
        let answer = String::from_utf8_lossy(&answer);
        answer.split(' ').nth(1)?.parse().ok()
    }

    #[tokio::test]
    async fn request_lines() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path()).await;
        for (request, status) in [
            (&b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"[..], Some(200)),
            (b"HEAD /feeds?x=1 HTTP/1.0\r\n\r\n", Some(200)),
            (b"GET /metrics\r\n\r\n", Some(400)),
            // Not a path: a target that names no route.
            (b"GET metrics HTTP/1.1\r\n\r\n", Some(404)),
            (b"GET /metrics HTTP/2.0\r\n\r\n", Some(400)),
            (b"GET  /metrics HTTP/1.1\r\n\r\n", Some(400)),
            (b"\xff\xfe /x HTTP/1.1\r\n\r\n", Some(400)),
            // Methods are case-sensitive: `get` is another method than GET.
            (b"get /metrics HTTP/1.1\r\n\r\n", Some(405)),
            (b"", None),
        ] {
            assert_eq!(
                status_of(request, &ctx).await,
                status,
                "{:?}",
                String::from_utf8_lossy(request)
            );
        }
    }

    #[tokio::test]
    async fn the_end_of_a_head() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path()).await;
        assert_eq!(
            status_of(b"GET / HTTP/1.1\r\nA: b\r\n\r\nbody", &ctx).await,
            Some(404)
        );
        assert_eq!(status_of(b"GET / HTTP/1.1\n\n", &ctx).await, Some(404));
        assert_eq!(status_of(b"GET / HTTP/1.1\r\nA: b\r\n", &ctx).await, None);
    }

    #[test]
    fn a_token_is_redacted_however_its_name_is_spelled() {
        assert_eq!(
            redacted_query(Some(
                "a=1&token=s1&%74oken=s2&Token=s3&to+ken=x&tokens=y&token"
            )),
            "a=1&token=***&%74oken=***&Token=***&to+ken=x&tokens=y&token=***"
        );
        assert_eq!(redacted_query(None), "");
    }

    #[test]
    fn a_feed_path_names_its_watchlist_percent_decoded() {
        let name = |path| watchlist_name(path);
        assert_eq!(
            name("/watchlists/EU%2FNATO.atom").as_deref(),
            Some("EU/NATO")
        );
        assert_eq!(
            name("/watchlists/S-400%20in%20T%C3%BCrkiye.atom").as_deref(),
            Some("S-400 in Türkiye")
        );
        assert_eq!(name("/watchlists/.atom"), None);
        assert_eq!(name("/watchlists/x.rss"), None);
        assert_eq!(name("/watchlists/%FF.atom"), None);
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("correct horse", "correct horse"));
        assert!(!same_secret("correct horse", "correct hors"));
        assert!(!same_secret("", "x"));
    }
}
