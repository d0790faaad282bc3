//! Logs as a collector reads them: `--log-format json` makes every stderr line of the
//! real daemon one JSON object (timestamp, level, target, fields with the message), a
//! feed URL's password never shows, and a format clap does not know is refused.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};

#[test]
fn json_logs_are_one_object_per_line_without_secrets() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&["wire.rss"]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let work = tempfile::tempdir().unwrap();
    let secret = http
        .url("status/404")
        .replace("http://", "http://reader:hunter2@");
    let config = write_config(
        work.path(),
        &format!(
            "{}{}",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("private", &secret)
        ),
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(&config)
        .args(["--log-format", "json", "run"])
        .env("RUST_LOG", "newshound=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = sender.send(line);
        }
    });
    // Until both feeds have been polled: the good one logs "polled", the other "poll failed".
    let mut lines = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(lines.iter().any(|l: &String| l.contains("\"polled\""))
        && lines.iter().any(|l| l.contains("poll failed")))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(left) {
            Ok(line) => lines.push(line),
            Err(_) => panic!("no poll logged; got:\n{}", lines.join("\n")),
        }
    }
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    assert!(child.wait().unwrap().success());
    lines.extend(receiver.iter());

    let events: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    for event in &events {
        for key in ["timestamp", "level", "target"] {
            assert!(event[key].is_string(), "no {key} in {event}");
        }
        assert!(
            event["fields"]["message"].is_string(),
            "no message in {event}"
        );
    }
    let started = events
        .iter()
        .find(|e| e["fields"]["message"] == "newshound started")
        .expect("the start is logged");
    assert_eq!(started["level"], "INFO");
    assert_eq!(started["target"], "newshound::daemon");
    assert_eq!(started["fields"]["feeds"], 2);
    let failed = events
        .iter()
        .find(|e| e["fields"]["message"] == "poll failed")
        .unwrap();
    assert_eq!(failed["level"], "WARN");
    assert_eq!(failed["fields"]["feed"], "private");
    let all = lines.join("\n");
    assert!(!all.contains("hunter2"), "{all}");
    assert!(
        all.contains("reader:***@"),
        "the URL is shown, redacted: {all}"
    );
}

#[test]
fn an_unknown_log_format_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .args(["--log-format", "xml", "example-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "clap's usage error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid value 'xml'"), "{stderr}");
    assert!(
        stderr.contains("text") && stderr.contains("json"),
        "{stderr}"
    );
}

#[test]
fn text_logs_stay_the_default() {
    let work = tempfile::tempdir().unwrap();
    let feed = support::fixtures::feeds_dir().join("wire.rss");
    let config = write_config(
        work.path(),
        &feed_table("wire", &format!("file://{}", feed.display())),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(&config)
        .args(["poll", "--once"])
        .env("RUST_LOG", "newshound=info")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let polled = stderr
        .lines()
        .find(|l| l.contains("polled"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(
        polled.contains(" INFO newshound::daemon::poll: polled feed=wire"),
        "{polled}"
    );
    assert!(!polled.starts_with('{'), "{polled}");
}
