//! The binary as a service runs it: `newshound run` on a config with no SMTP server polls,
//! writes its first digest into the outbox as an `.eml` file, and stops cleanly (exit 0)
//! on SIGTERM or SIGINT.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use support::FeedServer;
use support::fixtures::{feed_table, served_copy, write_config};

/// A running `newshound run`, with its stderr read line by line on a thread.
struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    fn start(config: &Path) -> Daemon {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newshound"))
            .arg("--config")
            .arg(config)
            .arg("run")
            .env("RUST_LOG", "newshound=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start newshound run");
        let stderr = child.stderr.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Daemon {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a log line containing `text`.
    fn wait_for_log(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.seen.iter().any(|l| l.contains(text)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(_) => panic!("no log line with {text:?}; got:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Sends `signal`, waits for the process to exit successfully; returns its log.
    fn stop(mut self, signal: Signal) -> String {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("send signal");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "newshound did not stop after {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        self.seen.extend(self.lines.iter());
        let log = self.seen.join("\n");
        assert!(
            status.success(),
            "exit status {status:?} after {signal}:\n{log}"
        );
        log
    }
}

fn wait_until(limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn run_writes_the_first_digest_to_the_outbox_and_stops_on_signals() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let served = served_copy(&["wire.rss", "defense.atom"]);
    let http = runtime.block_on(FeedServer::start(served.path()));
    let work = tempfile::tempdir().unwrap();
    let outbox = work.path().join("outbox");
    let config = write_config(
        work.path(),
        &format!(
            "{}{}\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            feed_table("wire", &http.url("wire.rss")),
            feed_table("review", &http.url("defense.atom")),
            outbox.display().to_string()
        ),
    );

    let daemon = Daemon::start(&config);
    let eml_count = || std::fs::read_dir(&outbox).map_or(0, |d| d.filter(|e| e.is_ok()).count());
    wait_until(Duration::from_secs(30), || eml_count() == 1);
    let stderr = daemon.stop(Signal::SIGTERM);
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    assert!(stderr.contains("shutting down"), "{stderr}");
    let eml = std::fs::read_dir(&outbox)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let message = std::fs::read_to_string(eml).unwrap();
    assert!(
        message.contains("Subject: newshound: 2 new stories on 1 topic"),
        "{message}"
    );

    // Restarted, it resumes from the store: nothing is polled before it is due, the
    // digest is not due for an hour, and SIGINT stops it too.
    let mut daemon = Daemon::start(&config);
    daemon.wait_for_log("newshound started");
    // Long enough for a due feed or digest to have been handled.
    std::thread::sleep(Duration::from_secs(1));
    let stderr = daemon.stop(Signal::SIGINT);
    assert!(stderr.contains("SIGINT received"), "{stderr}");
    assert_eq!(eml_count(), 1, "nothing new, nothing written");
    assert_eq!(
        http.requests_for("/wire.rss").len(),
        1,
        "not due yet, not polled again"
    );
}
