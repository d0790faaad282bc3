//! Requests to the daemon's HTTP listener over raw TCP: one request per connection, the
//! whole answer read until the server closes it.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// One request, the whole answer (the server closes the connection): status, head and
/// body. `None` when the connection was closed or reset without an answer.
pub fn exchange(port: u16, request: &[u8]) -> Option<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    // A safety net against a hung test, not a timing assertion.
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream.write_all(request).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let answer = String::from_utf8(answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head.to_string(), body.to_string()))
}

pub fn get(port: u16, path: &str) -> (u16, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let (status, _, body) = exchange(port, request.as_bytes()).expect("an answer");
    (status, body)
}
