//! The daemon's HTTP listener (`[server] listen`), driven over raw TCP against the real
//! binary: `/healthz`, `/metrics` counts that must match the fixtures, `/feeds` with its
//! secrets redacted, 404/405, hostile requests that leave it answering, the stalled 503,
//! and a port already taken as a start-up error.

mod support;

use std::io::Write;
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};
use support::listener::{exchange, get};
use support::process::{Daemon, wait_until};
use support::unused_port;

/// The value of one sample line of `/metrics`, e.g. `newshound_polls_total{outcome="ok"}`.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
}

#[test]
fn the_listener_serves_health_metrics_and_feeds() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&["wire.rss", "defense.atom", "briefs.json"]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let work = tempfile::tempdir().unwrap();
    let port = unused_port();
    // The broken feed's URL carries a password: /feeds and the log must not show it.
    let broken = http
        .url("status/500")
        .replace("http://", "http://reader:hunter2@");
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ninterval = \"2s\"\n\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\n\n\
             {}{}{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n\n\
             [[watchlists]]\nname = \"erdogan\"\nquery = 'Erdogan'\n\n\
             [[watchlists]]\nname = 'quiet \"one\"'\nquery = 'zzzqqq'\n",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            feed_table("briefs", &http.url("briefs.json")),
            feed_table("broken", &broken),
        ),
    );

    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("serving /healthz");
    // Every good feed polled once, then again with its validators: 304.
    let mut text = String::new();
    wait_until(Duration::from_secs(30), || {
        text = get(port, "/metrics").1;
        metric(&text, "newshound_polls_total{outcome=\"not_modified\"}") >= Some(3.0)
    });
    assert_eq!(get(port, "/healthz"), (200, "ok\n".to_string()));

    // The fixtures: 5 + 3 + 2 items, all new; S-400 in one item of each feed, Erdogan in
    // one; the fetched bodies were parsed once each (re-polls are 304s).
    for (series, value) in [
        ("newshound_up", 1.0),
        ("newshound_feeds_configured", 4.0),
        ("newshound_polls_total{outcome=\"ok\"}", 3.0),
        ("newshound_items_seen_total", 10.0),
        ("newshound_items_new_total", 10.0),
        ("newshound_matches_total{watchlist=\"s400\"}", 3.0),
        ("newshound_matches_total{watchlist=\"erdogan\"}", 1.0),
        (
            "newshound_matches_total{watchlist=\"quiet \\\"one\\\"\"}",
            0.0,
        ),
    ] {
        assert_eq!(metric(&text, series), Some(value), "{series} in\n{text}");
    }
    let errors = metric(&text, "newshound_polls_total{outcome=\"error\"}").unwrap();
    assert!(errors >= 1.0, "{text}");
    assert_eq!(
        metric(&text, "newshound_poll_errors_total{kind=\"http\"}"),
        Some(errors),
        "the 500s are HTTP errors, and the only errors:\n{text}"
    );
    let polls: f64 = ["ok", "not_modified", "deferred", "error"]
        .iter()
        .map(|o| metric(&text, &format!("newshound_polls_total{{outcome=\"{o}\"}}")).unwrap())
        .sum();
    assert_eq!(
        metric(&text, "newshound_poll_duration_seconds_count"),
        Some(polls),
        "every poll timed:\n{text}"
    );
    assert_eq!(
        metric(&text, "newshound_poll_duration_seconds_bucket{le=\"+Inf\"}"),
        Some(polls)
    );
    assert!(text.contains("# TYPE newshound_poll_duration_seconds histogram"));
    assert!(text.contains("# TYPE newshound_polls_total counter"));

    // The listener follows a reload: a watchlist added to the file shows, with what its
    // backfill found (Sochi: one item of review, one of briefs).
    let mut edited = std::fs::read_to_string(&config).unwrap();
    edited.push_str("\n[[watchlists]]\nname = \"later\"\nquery = 'Sochi'\n");
    std::fs::write(&config, edited).unwrap();
    wait_until(Duration::from_secs(30), || {
        text = get(port, "/metrics").1;
        metric(&text, "newshound_backfill_matches_total") == Some(2.0)
    });
    assert_eq!(
        metric(&text, "newshound_matches_total{watchlist=\"later\"}"),
        Some(0.0),
        "configured, nothing found by polls yet:\n{text}"
    );
    assert_eq!(metric(&text, "newshound_items_seen_total"), Some(10.0));

    // /feeds: the configured feeds in order, as `newshound feeds --json` has them.
    let (status, body) = get(port, "/feeds");
    assert_eq!(status, 200);
    let feeds: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let names: Vec<&str> = feeds
        .as_array()
        .expect("an array")
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["wire", "review", "briefs", "broken"]);
    assert_eq!(feeds[0]["items_seen"], 5);
    assert_eq!(feeds[0]["condition"], "ok");
    assert_eq!(feeds[3]["last_error_kind"], "http");
    assert!(!body.contains("hunter2"), "{body}");
    assert!(
        feeds[3]["url"]
            .as_str()
            .unwrap()
            .contains("reader:***@127.0.0.1"),
        "{body}"
    );

    // Other paths and methods.
    assert_eq!(get(port, "/nope").0, 404);
    let (status, head, _) =
        exchange(port, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert_eq!(status, 405);
    assert!(head.contains("Allow: GET, HEAD"), "{head}");
    let (status, head, body) = exchange(port, b"HEAD /healthz HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!((status, body.as_str()), (200, ""));
    assert!(head.contains("Content-Length: 3"), "{head}");
    assert_eq!(get(port, "/healthz?verbose=1").0, 200);

    // Hostile clients: one that connects and says nothing holds no one else up; garbage
    // gets a 400; a head larger than the limit a 431 or a close. It keeps answering.
    let silent: Vec<TcpStream> = (0..50)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
        .collect();
    let mut half = TcpStream::connect(("127.0.0.1", port)).unwrap();
    half.write_all(b"GET /metr").unwrap();
    assert_eq!(get(port, "/healthz").0, 200);
    let (status, _, _) = exchange(port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n").unwrap();
    assert_eq!(status, 400);
    let huge = format!(
        "GET /metrics HTTP/1.1\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    if let Some((status, _, _)) = exchange(port, huge.as_bytes()) {
        assert_eq!(status, 431);
    }
    let endless = exchange(
        port,
        "GET /metrics HTTP/1.1\r\nX: y".repeat(2000).as_bytes(),
    );
    assert!(endless.is_none_or(|(status, _, _)| status == 431));
    assert_eq!(get(port, "/healthz").0, 200);
    drop((silent, half));

    let log = daemon.stop(nix::sys::signal::Signal::SIGTERM);
    assert!(!log.contains("hunter2"), "{log}");
    // Stopped with the daemon.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// A feed whose server never answers, and a stall threshold shorter than the request
/// timeout: the feed stays due and no poll finishes, which is what a stuck poll loop
/// looks like from outside.
#[test]
fn healthz_is_503_when_the_poll_cycle_is_stalled() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&[]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let work = tempfile::tempdir().unwrap();
    let port = unused_port();
    let config = write_config(
        work.path(),
        &format!(
            "[polling]\ntimeout = \"10m\"\n\n\
             [server]\nlisten = \"127.0.0.1:{port}\"\nstalled_after = \"1s\"\n\n{}",
            feed_table("hung", &http.url("hang")),
        ),
    );
    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("serving /healthz");
    let mut answer = (0, String::new());
    wait_until(Duration::from_secs(30), || {
        // Until the timetable is loaded it says "starting", also a 503.
        answer = get(port, "/healthz");
        answer.1.starts_with("stalled")
    });
    assert_eq!(answer.0, 503);
    assert!(
        answer.1.starts_with("stalled: a feed has been due for "),
        "{answer:?}"
    );
    assert!(
        answer.1.ends_with("no poll has finished since start-up\n"),
        "{answer:?}"
    );
    // The rest of the listener answers all the same.
    let text = get(port, "/metrics").1;
    for outcome in ["ok", "not_modified", "error"] {
        let series = format!("newshound_polls_total{{outcome=\"{outcome}\"}}");
        assert_eq!(metric(&text, &series), Some(0.0), "{text}");
    }
    assert_eq!(
        http.requests_for("/hang").len(),
        1,
        "the one poll, in flight"
    );
    daemon.kill();
}

#[test]
fn a_port_already_taken_is_a_start_up_error() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let work = tempfile::tempdir().unwrap();
    let config = write_config(
        work.path(),
        &format!("[server]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(&config)
        .arg("run")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port} ([server] listen)"
        )),
        "{stderr}"
    );
}
