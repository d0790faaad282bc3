//! The daemon's optional HTTP listener (`[server] listen`): `/healthz`, `/metrics` and
//! `/feeds`, for a load balancer, Prometheus and a quick look.
//!
//! A minimal HTTP/1.1 responder on a `tokio::net::TcpListener`, rather than hyper's
//! server: three read-only routes, GET and HEAD, no request body, one request per
//! connection (`Connection: close`). What keeps it safe is short and visible here: the
//! request head is read into a fixed buffer of [`MAX_HEAD`] bytes within [`READ_TIMEOUT`],
//! the answer is written within [`WRITE_TIMEOUT`], each connection has a task of its own
//! (a slow client holds up no one else) and at most [`MAX_CONNECTIONS`] are served at once
//! (more wait their turn).
//! hyper would bring its server features plus `hyper-util` and `http-body-util`, and its
//! header-read timeout needs a timer wired in; none of its protocol work is needed here.
//!
//! Each request reads the daemon's *current* context from a `watch` channel, so that a
//! reloaded configuration shows at once; the counters live in one [`Metrics`] shared by
//! every context.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::Context;
use super::metrics::{Health, Metrics};
use super::status;

/// The longest request head (request line and headers) read; longer gets 431.
const MAX_HEAD: usize = 8 * 1024;
/// A client has this long to send its request head.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// And this long to take the answer.
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
    tracing::info!(%address, "serving /healthz, /metrics and /feeds");
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
        let (stream, _) = match listener.accept().await {
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
            serve(stream, &ctx, &metrics).await;
            drop(slot);
        });
    }
}

/// One request on one connection, then the connection is closed.
async fn serve(mut stream: TcpStream, ctx: &Context, metrics: &Metrics) {
    let mut buffer = vec![0; MAX_HEAD];
    let response =
        match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream, &mut buffer)).await {
            Err(_) => Response::text(
                408,
                "request timeout: the request head did not arrive in time",
            ),
            Ok(Err(Problem::TooLarge)) => Response::text(431, "request header fields too large"),
            Ok(Err(Problem::Closed)) => return,
            Ok(Ok(len)) => match parse_request_line(&buffer[..len]) {
                None => Response::text(400, "bad request"),
                Some((method, path)) => {
                    let head = method == "HEAD";
                    let response = if method == "GET" || head {
                        route(path, ctx, metrics).await
                    } else if ROUTES.contains(&path) {
                        Response::text(405, "method not allowed: GET or HEAD").allow()
                    } else {
                        Response::text(404, "not found")
                    };
                    if head {
                        response.without_body()
                    } else {
                        response
                    }
                }
            },
        };
    let written = tokio::time::timeout(WRITE_TIMEOUT, async {
        stream.write_all(&response.to_bytes()).await?;
        stream.shutdown().await
    })
    .await;
    if matches!(written, Ok(Ok(()))) {
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

const ROUTES: [&str; 3] = ["/healthz", "/metrics", "/feeds"];

async fn route(path: &str, ctx: &Context, metrics: &Metrics) -> Response {
    match path {
        "/healthz" => match metrics.health(ctx.clock.now(), ctx.settings.server.stalled_after) {
            Health::Ok => Response::text(200, "ok"),
            Health::Unhealthy(reason) => Response::text(503, &reason),
        },
        "/metrics" => {
            let watchlists: Vec<&str> = ctx
                .settings
                .watchlists
                .iter()
                .map(|w| w.name.as_str())
                .collect();
            Response {
                status: 200,
                content_type: "text/plain; version=0.0.4; charset=utf-8",
                body: metrics
                    .render(ctx.settings.feeds.len(), &watchlists)
                    .into_bytes(),
                allow: false,
                head_only: false,
            }
        }
        "/feeds" => match tokio::time::timeout(HANDLER_TIMEOUT, status::overview(ctx)).await {
            Ok(Ok(feeds)) => match serde_json::to_vec(&feeds) {
                Ok(body) => Response {
                    status: 200,
                    content_type: "application/json",
                    body,
                    allow: false,
                    head_only: false,
                },
                Err(e) => Response::text(500, &format!("cannot encode the feeds: {e}")),
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %format!("{e:#}"), "cannot read the feeds for /feeds");
                Response::text(503, "the database cannot be read right now")
            }
            Err(_) => Response::text(503, "the database is busy"),
        },
        _ => Response::text(404, "not found"),
    }
}

enum Problem {
    TooLarge,
    /// The client went away (or sent nothing) before a whole head arrived.
    Closed,
}

/// Reads until the blank line that ends the head; the head's length.
async fn read_head(stream: &mut TcpStream, buffer: &mut [u8]) -> Result<usize, Problem> {
    let mut len = 0;
    loop {
        if len == buffer.len() {
            return Err(Problem::TooLarge);
        }
        let n = stream
            .read(&mut buffer[len..])
            .await
            .map_err(|_| Problem::Closed)?;
        if n == 0 {
            return Err(Problem::Closed);
        }
        // The end may straddle two reads: look from just before the new bytes.
        let from = len.saturating_sub(3);
        len += n;
        if let Some(end) = find_end(&buffer[from..len]) {
            return Ok(from + end);
        }
    }
}

/// Where the head ends (before its blank line), lenient about bare `\n` line ends.
fn find_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = bytes.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `GET /path?query HTTP/1.1` → (`GET`, `/path`); `None` for anything else.
fn parse_request_line(head: &[u8]) -> Option<(&str, &str)> {
    let line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let line = std::str::from_utf8(&head[..line_end])
        .ok()?
        .trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase());
    if parts.next().is_some()
        || !token(method)
        || !target.starts_with('/')
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return None;
    }
    let path = target.split(['?', '#']).next().unwrap_or(target);
    Some((method, path))
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Send `Allow: GET, HEAD` (with 405).
    allow: bool,
    head_only: bool,
}

impl Response {
    fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{text}\n").into_bytes(),
            allow: false,
            head_only: false,
        }
    }

    fn allow(mut self) -> Response {
        self.allow = true;
        self
    }

    /// For HEAD: the headers of the GET answer, its length included, without the body.
    fn without_body(mut self) -> Response {
        self.head_only = true;
        self
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            408 => "Request Timeout",
            431 => "Request Header Fields Too Large",
            500 => "Internal Server Error",
            _ => "Service Unavailable",
        };
        let allow = if self.allow {
            "Allow: GET, HEAD\r\n"
        } else {
            ""
        };
        let mut bytes = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\n{allow}Connection: close\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines() {
        assert_eq!(
            parse_request_line(b"GET /metrics HTTP/1.1\r\nHost: x\r\n"),
            Some(("GET", "/metrics"))
        );
        assert_eq!(
            parse_request_line(b"HEAD /feeds?x=1 HTTP/1.0"),
            Some(("HEAD", "/feeds"))
        );
        for bad in [
            &b"GET /metrics"[..],
            b"GET metrics HTTP/1.1",
            b"get /metrics HTTP/1.1",
            b"GET /metrics HTTP/2.0",
            b"GET  /metrics HTTP/1.1",
            b"\xff\xfe /x HTTP/1.1",
            b"",
        ] {
            assert_eq!(
                parse_request_line(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn the_end_of_a_head() {
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nA: b\r\n\r\nbody"), Some(20));
        assert_eq!(find_end(b"GET / HTTP/1.1\n\n"), Some(14));
        assert_eq!(find_end(b"GET / HTTP/1.1\r\nA: b\r\n"), None);
    }
}
