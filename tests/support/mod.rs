//! Real servers on loopback for the integration tests: an HTTP server that serves feed
//! files ([`FeedServer`]) and an SMTP server that speaks the protocol ([`SmtpServer`]);
//! [`articles`] makes the feed server a news site with article pages.
//!
//! Each test file pulls this in with `mod support;`. Not every test uses every helper,
//! hence the `dead_code` allowance below.
//!
//! Both servers run on a thread of their own with their own tokio runtime, not on the
//! test's runtime. That keeps them answering while a test blocks (a `std::process`
//! call, a `#[test]` without a runtime, a current-thread runtime busy elsewhere) and
//! keeps their delays on the wall clock even when a test pauses tokio's clock.
//! Dropping a server stops its thread and closes every connection it holds.
#![allow(dead_code, unused_imports)]

pub mod articles;
mod background;
pub mod fixtures;
pub mod http;
pub mod listener;
pub mod postfix;
pub mod process;
pub mod smtp;
pub mod tls;
pub mod webhook;

pub use http::{FeedServer, RequestRecord};
pub use smtp::{ParsedMail, ReceivedMail, SmtpServer, Stage};

/// A loopback port that nothing listens on right now: bind port 0, note the port, close.
///
/// For tests that point the program at a server that is down and later bring one up on
/// the same port with [`SmtpServer::start_on`]. Another process could take the port in
/// between; on a test machine that is rare enough to accept.
pub fn unused_port() -> u16 {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// A port held by a listener that closes every connection as soon as it is made: a mail
/// server that is down, on a port no other test can take meanwhile (as one could after
/// [`unused_port`]). [`Unavailable::release`] frees the port for a real server.
pub struct Unavailable {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Unavailable {
    pub fn start() -> Unavailable {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local_addr").port();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopping = std::sync::Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => drop(stream),
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        Unavailable {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes the listener; returns its port, free for a real server.
    pub fn release(mut self) -> u16 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().expect("listener thread");
        }
        self.port
    }
}

/// Waits (on tokio's clock) until `condition` holds, for at most `limit`; whether it did.
pub async fn eventually(limit: std::time::Duration, mut condition: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if condition() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    condition()
}

/// A random generator for a test of random moments: seeded from `NEWSHOUND_TEST_SEED`
/// when set, else at random; the seed is printed (and returned, for failure messages), so
/// a failing run can be repeated.
pub fn seeded_rng() -> (u64, fastrand::Rng) {
    let seed = std::env::var("NEWSHOUND_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("seed {seed} (set NEWSHOUND_TEST_SEED to repeat)");
    (seed, fastrand::Rng::with_seed(seed))
}
