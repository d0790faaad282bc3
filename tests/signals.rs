//! The binary as a service runs it: `newshound run` on a config with no SMTP server polls,
//! writes its first digest into the outbox as an `.eml` file, and stops cleanly (exit 0)
//! on SIGTERM or SIGINT.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::FeedServer;
use support::fixtures::{served_copy, write_config};

fn start(config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_newshound"))
        .arg("--config")
        .arg(config)
        .arg("run")
        .env("RUST_LOG", "newshound=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start newshound run")
}

/// Sends `signal` and waits for the process to exit; returns its stderr.
fn stop(mut child: Child, signal: &str) -> String {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(
            Instant::now() < deadline,
            "newshound did not stop after {signal}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "exit status {:?} after {signal}:\n{stderr}",
        output.status
    );
    stderr
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
            "[[feeds]]\nname = \"wire\"\nurl = \"{}\"\n\n[[feeds]]\nname = \"review\"\nurl = \"{}\"\n\n\
             [[watchlists]]\nname = \"s400\"\nquery = 'S-400 -\"Real Turkey\"'\n\n\
             [email]\noutbox = {:?}\n\n\
             [[digests]]\nname = \"desk\"\nto = [\"desk@example.org\"]\nschedule = \"every 1h\"\n",
            http.url("wire.rss"),
            http.url("defense.atom"),
            outbox.display().to_string()
        ),
    );

    let child = start(&config);
    let eml_count = || std::fs::read_dir(&outbox).map_or(0, |d| d.filter(|e| e.is_ok()).count());
    wait_until(Duration::from_secs(30), || eml_count() == 1);
    let stderr = stop(child, "-TERM");
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
        message.contains("Subject: newshound: 2 new items on 1 topic"),
        "{message}"
    );

    // Restarted, it resumes from the store: nothing is polled before it is due, the
    // digest is not due for an hour, and SIGINT stops it too.
    let child = start(&config);
    std::thread::sleep(Duration::from_secs(2));
    let stderr = stop(child, "-INT");
    assert!(stderr.contains("SIGINT received"), "{stderr}");
    assert_eq!(eml_count(), 1, "nothing new, nothing written");
    assert_eq!(
        http.requests_for("/wire.rss").len(),
        1,
        "not due yet, not polled again"
    );
}
