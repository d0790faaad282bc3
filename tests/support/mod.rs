//! Real servers on loopback for the integration tests: an HTTP server that serves feed
//! files ([`FeedServer`]) and an SMTP server that speaks the protocol ([`SmtpServer`]).
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

mod background;
pub mod fixtures;
pub mod http;
pub mod smtp;

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
