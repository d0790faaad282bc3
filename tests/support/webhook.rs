//! A webhook receiver on loopback: it records every POST (path, headers, body) and answers
//! as a test tells it: 200 by default, or in turn the [`Reply`]s queued with
//! [`WebhookReceiver::reply`] (a status with headers such as `Retry-After`, or a hang that
//! never answers). A minimal HTTP/1.1 server: one request per connection, a body framed by
//! `Content-Length`, which is how reqwest sends a body it has whole.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::background::Background;

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status, extra headers and a body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// Reads the request and never answers.
    Hang,
}

impl Reply {
    pub fn status(code: u16) -> Reply {
        Reply::Status(code, Vec::new(), String::new())
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Post {
    pub method: String,
    pub path: String,
    /// Names in lower case, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The status answered; 0 for a hang.
    pub answered: u16,
}

impl Post {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    pub fn delivered(&self) -> bool {
        (200..300).contains(&self.answered)
    }
}

#[derive(Default)]
struct State {
    posts: Mutex<Vec<Post>>,
    replies: Mutex<VecDeque<Reply>>,
}

pub struct WebhookReceiver {
    addr: SocketAddr,
    state: Arc<State>,
    _background: Background,
}

impl WebhookReceiver {
    pub fn start() -> WebhookReceiver {
        let listener = StdTcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let background = Background::spawn("webhook-receiver", listener, move |listener| {
            accept_loop(listener, shared)
        });
        WebhookReceiver {
            addr,
            state,
            _background: background,
        }
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }

    /// Queues answers for the next requests, in turn; after them, 200.
    pub fn reply(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.replies.lock().unwrap().extend(replies);
    }

    /// Every request so far, oldest first.
    pub fn posts(&self) -> Vec<Post> {
        self.state.posts.lock().unwrap().clone()
    }

    /// The requests answered with a 2xx.
    pub fn delivered(&self) -> Vec<Post> {
        self.posts().into_iter().filter(Post::delivered).collect()
    }

    /// Waits (on the wall clock, blocking) until `n` requests were answered with a 2xx.
    pub fn wait_for_delivered(&self, n: usize, limit: Duration) -> Vec<Post> {
        let deadline = Instant::now() + limit;
        loop {
            let delivered = self.delivered();
            if delivered.len() >= n {
                return delivered;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} deliveries within {limit:?}; requests: {:?}",
                delivered.len(),
                self.posts()
                    .iter()
                    .map(|p| (p.answered, p.header("idempotency-key").map(str::to_string)))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(serve(stream, Arc::clone(&state)));
    }
}

async fn serve(mut stream: TcpStream, state: Arc<State>) {
    let mut read = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = read.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => read.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&read[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or("").split(' ');
    let method = request_line.next().unwrap_or("").to_string();
    let path = request_line.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while read.len() < head_end + length {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => read.extend_from_slice(&buf[..n]),
        }
    }
    let body = read[head_end..head_end + length].to_vec();
    let reply = state
        .replies
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(Reply::Status(200, Vec::new(), "ok".into()));
    let answered = match &reply {
        Reply::Status(code, ..) => *code,
        Reply::Hang => 0,
    };
    state.posts.lock().unwrap().push(Post {
        method,
        path,
        headers,
        body,
        answered,
    });
    match reply {
        Reply::Hang => std::future::pending::<()>().await,
        Reply::Status(code, extra, body) => {
            let mut answer = format!(
                "HTTP/1.1 {code} Answer\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in extra {
                answer.push_str(&format!("{name}: {value}\r\n"));
            }
            answer.push_str("\r\n");
            answer.push_str(&body);
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}
